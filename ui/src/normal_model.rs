//! Models of normal operation in the panes: trained without fault labels on rows the user marks
//! as normal, they raise an alarm when the plant behaves unlike them. The Train pane configures
//! and trains one ([`NormalTrainer`]), the Evaluate pane scores it against fault labels next to
//! the PCA T²/Q baseline ([`NormalEvaluator`]), and the Predict pane applies its bundle to a new
//! export ([`NormalPredictor`]). The panes own the switch between these and their classifier
//! sections; the state and drawing live here.

use egui::RichText;
use egui_plot::{Bar, HLine, HoverPosition, Legend, Line, Plot, PlotPoint, PlotPoints, Span};
use plantlab_protocol::{
    format_duration, format_epoch_millis, ApiError, ColumnKind, DatasetSummary, DetectorScore, FalseAlarmUnit, NormalAlarm, NormalBundleInfo,
    NormalDetector, NormalEpisode, NormalEpochMetrics, NormalEvaluateRequest, NormalEvaluation, NormalPeriod, NormalPredictRequest, NormalPrediction,
    NormalRunSummary, NormalTimeline, NormalTrainRequest, RunEntry, RunStatus, TaskId,
};

use crate::backend::{Backend, Request};
use crate::format::{epoch_seconds, file_name, thousands};
use crate::theme;
use crate::widgets::{warning_badge, with_time_axis};

/// Tags drawn on the per-tag surprise plot and listed per alarm; more crowd the legend.
const TOP_TAGS: usize = 8;

/// What the Train pane trains: a classifier of labelled faults, or a model of normal operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModelFamily {
    #[default]
    Classifier,
    Normal,
}

impl ModelFamily {
    pub fn label(self) -> &'static str {
        match self {
            ModelFamily::Classifier => "Fault classifier (needs a label)",
            ModelFamily::Normal => "Normal-operation model (no labels)",
        }
    }
}

/// The choice between the two families, as radio buttons (one per line: the panel is narrow).
pub fn family_choice(ui: &mut egui::Ui, family: &mut ModelFamily) {
    ui.vertical(|ui| {
        for choice in [ModelFamily::Classifier, ModelFamily::Normal] {
            ui.radio_value(family, choice, choice.label());
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Training

/// How the user marks normal operation; the fields of the other choices are kept while they
/// switch, so switching back loses nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum PeriodChoice {
    #[default]
    LabelEquals,
    Between,
    All,
}

/// A normal-operation run in progress.
struct Live {
    task: Option<TaskId>,
    started_at: f64,
    cancel_requested: bool,
    /// The worker's last progress report: share done and what it is doing.
    fraction: f32,
    stage: String,
}

/// What the curves area shows: the run training now, or the last one that ended.
#[derive(Default)]
struct RunView {
    title: String,
    detector: NormalDetector,
    epochs: Vec<NormalEpochMetrics>,
    summary: Option<NormalRunSummary>,
}

/// The normal-operation part of the Train pane: its form, Start/Cancel and live curves.
#[derive(Default)]
pub struct NormalTrainer {
    request: NormalTrainRequest,
    /// The data set the form was filled for; a new one resets columns and period.
    configured_for: Option<String>,
    period: PeriodChoice,
    label_column: String,
    label_value: String,
    from: String,
    to: String,
    live: Option<Live>,
    view: RunView,
    /// Why the last start was refused or the last run failed; shown by Start until the next one.
    failure: Option<String>,
}

impl NormalTrainer {
    pub fn is_training(&self) -> bool {
        self.live.is_some()
    }

    /// A training task began: it is this section's when it asked and has no task yet.
    pub fn task_started(&mut self, task: TaskId) -> bool {
        match self.live.as_mut() {
            Some(live) if live.task.is_none() => {
                live.task = Some(task);
                true
            }
            _ => false,
        }
    }

    pub fn owns(&self, task: TaskId) -> bool {
        self.live.as_ref().and_then(|l| l.task) == Some(task)
    }

    pub fn progress(&mut self, fraction: f32, stage: &str) {
        if let Some(live) = self.live.as_mut() {
            live.fraction = fraction;
            live.stage = stage.to_owned();
        }
    }

    pub fn epoch(&mut self, epoch: NormalEpochMetrics) {
        self.view.epochs.push(epoch);
    }

    /// The run ended: with its summary, or (cancelled or failed) without one.
    pub fn finished(&mut self, summary: Option<NormalRunSummary>, backend: &mut dyn Backend) {
        let live = self.live.take();
        match summary {
            Some(summary) => {
                self.view.title = format!("Run {} ({}, {})", summary.run_id, summary.detector.label(), summary.status.as_str());
                self.view.detector = summary.detector;
                self.view.summary = Some(summary);
            }
            None if live.is_some() => {
                let status = if live.as_ref().is_some_and(|l| l.cancel_requested) { RunStatus::Cancelled } else { RunStatus::Failed };
                self.view.title = format!("Normal-operation training {}", status.as_str());
            }
            None => {}
        }
        backend.send(Request::ListRuns);
    }

    /// A request failed. Every pane hears of every failed request, so it is this section's
    /// only when its start is waiting for a task.
    pub fn request_failed(&mut self, error: &ApiError) {
        // A start refused before a task existed leaves nothing running.
        if self.live.as_ref().is_some_and(|l| l.task.is_none()) {
            self.live = None;
            self.view.title = "Normal-operation training failed to start".into();
            self.failure = Some(error.message.clone());
        }
    }

    /// This section's run failed (`error`) or was cancelled (`None`).
    pub fn ended_without_result(&mut self, error: Option<&ApiError>, backend: &mut dyn Backend) {
        self.finished(None, backend);
        if let Some(error) = error {
            self.failure = Some(error.message.clone());
        }
    }

    /// True when there is no run to show yet.
    pub fn is_empty(&self) -> bool {
        self.view.title.is_empty()
    }

    /// The form: detector, normal period, tags, window, smoothing, false-alarm target; Start and
    /// Cancel. True when a run was started.
    ///
    /// `class_weight_columns`: the columns the cleaning recipe's class-weight steps made from the
    /// label; they repeat the label, so they are never tags.
    pub fn form_ui(
        &mut self,
        ui: &mut egui::Ui,
        dataset: &DatasetSummary,
        class_weight_columns: &[String],
        now_s: f64,
        backend: &mut dyn Backend,
    ) -> bool {
        if self.configured_for.as_deref() != Some(dataset.path.as_str()) {
            self.configure_for(dataset);
        }
        let columns: Vec<&str> =
            dataset.columns.iter().filter(|c| Some(c.name.as_str()) != dataset.timestamp_column.as_deref()).map(|c| c.name.as_str()).collect();
        let has_time = dataset.timestamp_column.is_some();
        let request = &mut self.request;
        ui.label(
            RichText::new("Learns how the plant behaves when it runs well; its surprise at new data raises the alarm. PCA T²/Q is fitted beside it as the baseline.")
                .weak(),
        );
        egui::Grid::new("normal_form").num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
            let label = ui.label("Detector").id;
            egui::ComboBox::new("normal_detector", "")
                .selected_text(request.detector.label())
                .show_ui(ui, |ui| {
                    for detector in NormalDetector::ALL {
                        ui.selectable_value(&mut request.detector, detector, detector.label());
                    }
                })
                .response
                .labelled_by(label);
            ui.end_row();
            let label = ui.label("Smoothing (steps)").id;
            ui.add(egui::DragValue::new(&mut request.smoothing).range(1..=1000))
                .labelled_by(label)
                .on_hover_text("The score is averaged over this many recent steps (1 = none); fewer false alarms, a later alarm");
            ui.end_row();
            let lm = request.detector == NormalDetector::ProcessLm;
            let label = ui.label("Window (steps)").id;
            ui.add_enabled(lm, egui::DragValue::new(&mut request.window).range(2..=512)).labelled_by(label).on_hover_text(if lm {
                "Steps of history the language model sees"
            } else {
                "The linear predictor always looks one step back"
            });
            ui.end_row();
            if lm {
                let label = ui.label("Bins per tag").id;
                ui.add(egui::DragValue::new(&mut request.bins).range(2..=256)).labelled_by(label);
                ui.end_row();
                let label = ui.label("Epochs").id;
                ui.add(egui::DragValue::new(&mut request.epochs).range(1..=1000)).labelled_by(label);
                ui.end_row();
                let label = ui.label("Early stopping patience").id;
                ui.add(egui::DragValue::new(&mut request.patience).range(1..=100)).labelled_by(label);
                ui.end_row();
            }
            let label = ui.label("Target false alarms").id;
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut request.target_false_alarms).range(0.001..=500.0).speed(0.1).max_decimals(3))
                    .labelled_by(label)
                    .on_hover_text(
                        "The threshold is calibrated on held-out normal rows so that normal operation raises about this many alarm samples",
                    );
                if !has_time {
                    request.false_alarm_unit = FalseAlarmUnit::PerThousandSamples;
                }
                egui::ComboBox::new("normal_false_alarm_unit", "")
                    .selected_text(unit_text(request.false_alarm_unit))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(
                            &mut request.false_alarm_unit,
                            FalseAlarmUnit::PerThousandSamples,
                            unit_text(FalseAlarmUnit::PerThousandSamples),
                        );
                        ui.add_enabled_ui(has_time, |ui| {
                            ui.selectable_value(&mut request.false_alarm_unit, FalseAlarmUnit::PerDay, unit_text(FalseAlarmUnit::PerDay))
                                .on_disabled_hover_text("The data has no time axis");
                        });
                    })
                    .response
                    .labelled_by(label);
            });
            ui.end_row();
            let label = ui.label("Seed").id;
            ui.add(egui::DragValue::new(&mut request.seed)).labelled_by(label);
            ui.end_row();
        });

        ui.add_space(4.0);
        ui.label(RichText::new("Normal operation").strong());
        ui.radio_value(&mut self.period, PeriodChoice::LabelEquals, "Rows where a column has a value (e.g. label 0)");
        if self.period == PeriodChoice::LabelEquals {
            ui.horizontal_wrapped(|ui| {
                let label = ui.label("Column").id;
                egui::ComboBox::new("normal_label_column", "")
                    .selected_text(self.label_column.clone())
                    .show_ui(ui, |ui| {
                        for column in &columns {
                            ui.selectable_value(&mut self.label_column, (*column).to_owned(), *column);
                        }
                    })
                    .response
                    .labelled_by(label);
                let label = ui.label("=").id;
                ui.add(egui::TextEdit::singleline(&mut self.label_value).desired_width(60.0)).labelled_by(label);
            });
        }
        ui.radio_value(&mut self.period, PeriodChoice::Between, "A known-good time range");
        if self.period == PeriodChoice::Between {
            ui.horizontal_wrapped(|ui| {
                let label = ui.label("From").id;
                ui.add(egui::TextEdit::singleline(&mut self.from).desired_width(120.0).hint_text(if has_time { "2024-03-01" } else { "row" }))
                    .labelled_by(label);
                let label = ui.label("to").id;
                ui.add(egui::TextEdit::singleline(&mut self.to).desired_width(120.0).hint_text(if has_time { "2024-03-07 18:00" } else { "row" }))
                    .labelled_by(label);
            });
            ui.label(RichText::new(if has_time { "Times as in the time column (a date as 'to' includes that day)." } else { "Row numbers." }).weak());
        }
        ui.radio_value(&mut self.period, PeriodChoice::All, "All rows (the data holds no faults)");

        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Fault labels to evaluate against").id;
            let shown = self.request.fault_label.clone().unwrap_or_else(|| "(none)".into());
            egui::ComboBox::new("normal_fault_label", "")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.request.fault_label, None, "(none)");
                    for column in &columns {
                        ui.selectable_value(&mut self.request.fault_label, Some((*column).to_owned()), *column);
                    }
                })
                .response
                .labelled_by(label)
                .on_hover_text("Optional: the finished run is scored against this column (anything but 0 or empty is a fault); never a tag");
        });

        let request = &mut self.request;
        let label_column = (self.period == PeriodChoice::LabelEquals).then_some(self.label_column.as_str());
        let excluded = request.exclude.len();
        egui::CollapsingHeader::new(format!("Tags ({excluded} excluded)")).id_salt("normal_tags").show(ui, |ui| {
            ui.label("Untick identifiers and set points; the label columns are never tags.");
            for column in dataset.columns.iter().filter(|c| Some(c.name.as_str()) != dataset.timestamp_column.as_deref()) {
                let is_label = Some(column.name.as_str()) == label_column || request.fault_label.as_deref() == Some(column.name.as_str());
                let is_weight = class_weight_columns.contains(&column.name);
                if is_label || is_weight || column.kind != ColumnKind::Numeric {
                    let why = if is_label {
                        "label"
                    } else if is_weight {
                        "class weights of the label"
                    } else {
                        "not numeric"
                    };
                    ui.add_enabled(false, egui::Checkbox::new(&mut false, format!("{} ({why})", column.name)));
                    continue;
                }
                let mut used = !request.exclude.contains(&column.name);
                if ui.checkbox(&mut used, &column.name).changed() {
                    if used {
                        request.exclude.retain(|c| c != &column.name);
                    } else {
                        request.exclude.push(column.name.clone());
                    }
                }
            }
        });

        ui.separator();
        let problems = self.problems(dataset, class_weight_columns);
        for problem in &problems {
            ui.label(RichText::new(problem).color(theme::BAD_TEXT));
        }
        let can_start = problems.is_empty() && self.live.is_none();
        let mut started = false;
        ui.horizontal(|ui| {
            if ui.add_enabled(can_start, egui::Button::new("Start training")).clicked() {
                started = true;
                self.failure = None;
                let mut request = self.request.clone();
                request.normal = self.period();
                self.live = Some(Live { task: None, started_at: now_s, cancel_requested: false, fraction: 0.0, stage: "starting".into() });
                self.view = RunView {
                    title: format!("Training a {} (starting…)", request.detector.label()),
                    detector: request.detector,
                    ..RunView::default()
                };
                backend.send(Request::StartNormalTrain(Box::new(request)));
            }
            let cancellable = self.live.as_ref().is_some_and(|l| l.task.is_some() && !l.cancel_requested);
            if ui.add_enabled(cancellable, egui::Button::new("Cancel training")).clicked() {
                if let Some(live) = self.live.as_mut() {
                    live.cancel_requested = true;
                    if let Some(task) = live.task {
                        backend.send(Request::Cancel { task });
                    }
                }
            }
        });
        failure_ui(ui, self.failure.as_deref());
        started
    }

    fn configure_for(&mut self, dataset: &DatasetSummary) {
        self.configured_for = Some(dataset.path.clone());
        self.request.exclude.clear();
        let label = crate::train_pane::default_target(&dataset.columns);
        self.period = if label.is_some() { PeriodChoice::LabelEquals } else { PeriodChoice::All };
        self.label_column = label.clone().unwrap_or_default();
        self.label_value = "0".into();
        self.request.fault_label = label;
        // 10 alarm samples per 1,000 (1 %): the benchmark's setting, and it needs no regular
        // time axis (an export straight from the historian often has repeated or unsorted times).
        self.request.false_alarm_unit = FalseAlarmUnit::PerThousandSamples;
        self.request.target_false_alarms = 10.0;
    }

    fn period(&self) -> NormalPeriod {
        match self.period {
            PeriodChoice::All => NormalPeriod::All,
            PeriodChoice::LabelEquals => NormalPeriod::LabelEquals { column: self.label_column.clone(), value: self.label_value.trim().to_owned() },
            PeriodChoice::Between => NormalPeriod::Between { from: self.from.trim().to_owned(), to: self.to.trim().to_owned() },
        }
    }

    /// What keeps the run from starting, in words.
    fn problems(&self, dataset: &DatasetSummary, class_weight_columns: &[String]) -> Vec<String> {
        let mut problems = Vec::new();
        match self.period {
            PeriodChoice::LabelEquals if self.label_column.is_empty() => {
                problems.push("Choose the column that marks normal rows, or another way to mark normal operation.".to_owned())
            }
            PeriodChoice::LabelEquals if self.label_value.trim().is_empty() => {
                problems.push(format!("Type the value of \"{}\" that marks a normal row (e.g. 0).", self.label_column))
            }
            PeriodChoice::Between if self.from.trim().is_empty() || self.to.trim().is_empty() => {
                problems.push("Give the start and the end of the known-good period.".to_owned())
            }
            _ => {}
        }
        let label_column = (self.period == PeriodChoice::LabelEquals).then_some(self.label_column.as_str());
        let tags = dataset
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Numeric && Some(c.name.as_str()) != dataset.timestamp_column.as_deref())
            .filter(|c| Some(c.name.as_str()) != label_column && self.request.fault_label.as_deref() != Some(c.name.as_str()))
            .filter(|c| !self.request.exclude.contains(&c.name) && !class_weight_columns.contains(&c.name))
            .count();
        if tags < 2 {
            problems.push(format!("{tags} numeric tag(s) left; a model of normal operation needs at least 2 (tick them under Tags)."));
        }
        if self.request.target_false_alarms.is_nan() || self.request.target_false_alarms <= 0.0 {
            problems.push("The target false-alarm rate must be above 0.".to_owned());
        }
        problems
    }

    /// The curves area: live progress, the language model's loss and perplexity, the fitted figures.
    pub fn curves_ui(&self, ui: &mut egui::Ui, now_s: f64) {
        let view = &self.view;
        if view.title.is_empty() {
            ui.heading("Normal-operation model");
            ui.label(
                "Start a run to see its progress here: the language model's loss and perplexity per epoch, or the linear predictor's fitted figures.",
            );
            return;
        }
        ui.heading(&view.title);
        if let Some(live) = &self.live {
            let elapsed = (now_s - live.started_at).max(0.0);
            // The stage in words too: the linear predictor has no epochs to draw.
            ui.label(format!("{} ({:.0} % done), elapsed {}", live.stage, live.fraction * 100.0, format_duration(elapsed)));
            ui.add(egui::ProgressBar::new(live.fraction.clamp(0.0, 1.0)).desired_width(ui.available_width().min(420.0)));
        }
        if let Some(summary) = &view.summary {
            summary_ui(ui, summary);
        }
        if view.detector == NormalDetector::ProcessLm || !view.epochs.is_empty() {
            lm_curves(ui, &view.epochs);
        }
    }
}

/// Why the last try failed, next to the button that starts the next one.
fn failure_ui(ui: &mut egui::Ui, failure: Option<&str>) {
    if let Some(message) = failure {
        ui.label(RichText::new(format!("Failed: {message}")).color(theme::BAD_TEXT));
    }
}

fn unit_text(unit: FalseAlarmUnit) -> &'static str {
    match unit {
        FalseAlarmUnit::PerDay => "alarm samples per day",
        FalseAlarmUnit::PerThousandSamples => "alarm samples per 1,000 samples",
    }
}

fn summary_ui(ui: &mut egui::Ui, summary: &NormalRunSummary) {
    ui.label(RichText::new(&summary.message).strong());
    egui::Grid::new("normal_summary").num_columns(2).spacing([10.0, 2.0]).show(ui, |ui| {
        let mut row = |name: &str, value: String| {
            ui.label(RichText::new(name).weak());
            ui.label(value);
            ui.end_row();
        };
        row("Detector", summary.detector.label().to_owned());
        row("Tags", format!("{} ({})", summary.tags.len(), preview_list(&summary.tags, 6)));
        row(
            "Normal rows",
            format!(
                "{} ({} fitted on, {} held out to calibrate the threshold)",
                thousands(summary.normal_rows),
                thousands(summary.fit_rows),
                thousands(summary.calibration_rows)
            ),
        );
        row(
            "Alarm threshold",
            format!("{} (calibrated for {:.2} % of normal samples)", number(summary.threshold), summary.target_false_alarm_rate * 100.0),
        );
        if summary.epochs_run > 0 {
            row("Epochs", format!("{} (best {})", summary.epochs_run, summary.best_epoch));
        }
        if let Some(loss) = summary.validation_loss {
            row("Validation loss", format!("{loss:.4} nats per tag token"));
        }
        if let Some(perplexity) = summary.validation_perplexity {
            row("Validation perplexity", format!("{perplexity:.2} bins"));
        }
        row("Trained in", format_duration(summary.seconds));
        row("Bundle", summary.bundle.clone());
    });
    if let Some(evaluation) = &summary.evaluation {
        ui.label(RichText::new(verdict(evaluation)).strong());
        ui.label(RichText::new("The Evaluate pane has the full comparison with PCA, episode by episode.").weak());
    }
}

fn preview_list(items: &[String], shown: usize) -> String {
    let mut text = items.iter().take(shown).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > shown {
        text.push_str(&format!(", … {} more", items.len() - shown));
    }
    text
}

fn lm_curves(ui: &mut egui::Ui, epochs: &[NormalEpochMetrics]) {
    let width = ui.available_width();
    let plot_width = if width >= 440.0 { (width - ui.spacing().item_spacing.x) / 2.0 - 1.0 } else { width };
    let loss = |ui: &mut egui::Ui| {
        ui.vertical(|ui| {
            ui.label("Loss per epoch (nats per tag token)");
            Plot::new("normal_loss_plot").width(plot_width).height(220.0).legend(Legend::default()).x_axis_label("epoch").show(ui, |plot_ui| {
                let train: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), e.train_loss]).collect();
                let validation: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), e.validation_loss]).collect();
                plot_ui.line(Line::new("train", train).color(theme::SERIES_TRAINING));
                plot_ui.line(Line::new("validation", validation).color(theme::SERIES_VALIDATION));
                let best: PlotPoints = epochs.iter().filter(|e| e.best).map(|e| [f64::from(e.epoch), e.validation_loss]).collect();
                plot_ui.points(egui_plot::Points::new("best so far", best).radius(4.0).color(theme::SERIES_VALIDATION));
            });
        });
    };
    let perplexity = |ui: &mut egui::Ui| {
        ui.vertical(|ui| {
            ui.label("Validation perplexity (bins the model hesitates between)");
            Plot::new("normal_perplexity_plot").width(plot_width).height(220.0).legend(Legend::default()).x_axis_label("epoch").show(ui, |plot_ui| {
                let points: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), e.validation_perplexity]).collect();
                plot_ui.line(Line::new("perplexity", points).color(theme::SERIES_VALIDATION));
            });
        });
    };
    if width >= 440.0 {
        ui.horizontal(|ui| {
            loss(ui);
            perplexity(ui);
        });
    } else {
        loss(ui);
        perplexity(ui);
    }
    if let Some(last) = epochs.last() {
        ui.label(format!(
            "Epoch {}: train loss {:.4}, validation loss {:.4}, perplexity {:.2} ({:.1} s)",
            last.epoch, last.train_loss, last.validation_loss, last.validation_perplexity, last.seconds
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/// True when a run in the list is a model of normal operation.
pub fn is_normal_run(run: &RunEntry) -> bool {
    run.normal.is_some()
}

/// How the runs lists describe a model of normal operation (`None` for a classifier).
pub fn run_text(run: &RunEntry) -> Option<String> {
    let detector = run.normal?;
    let epochs = if run.epochs_run > 0 { format!(", {} epochs (best {})", run.epochs_run, run.best_epoch) } else { String::new() };
    Some(format!("normal-operation model: {}{epochs}, {}, {}", detector.label(), run.created, run.status.as_str()))
}

/// The normal-operation part of the Evaluate pane: which labels and data to score against, and
/// the model's figures next to PCA's.
#[derive(Default)]
pub struct NormalEvaluator {
    run_id: Option<String>,
    /// The fault label column.
    label: String,
    /// Another file to evaluate on; `None`: the open data set.
    path: Option<String>,
    /// Columns of the open data set, for the label picker.
    columns: Vec<String>,
    requested: bool,
    waiting: bool,
    evaluation: Option<EvaluationView>,
    /// Why the last scoring failed; shown by its button until the next one.
    failure: Option<String>,
}

/// An evaluation with its plot geometry, built once.
struct EvaluationView {
    evaluation: NormalEvaluation,
    timeline: Option<ScoreTimeline>,
}

impl NormalEvaluator {
    pub fn set_columns(&mut self, columns: Vec<String>) {
        self.columns = columns;
    }

    /// True when `run_id` is the normal run this section shows.
    pub fn shows(&self, run_id: &str) -> bool {
        self.run_id.as_deref() == Some(run_id)
    }

    /// A normal run was chosen. `label_hint`: the fault label the run names, if any, which
    /// becomes the default (when the open data has that column) and is evaluated against as
    /// soon as the pane shows the run.
    pub fn select(&mut self, run_id: &str, label_hint: Option<&str>) {
        if self.shows(run_id) {
            return;
        }
        self.run_id = Some(run_id.to_owned());
        self.requested = false;
        self.waiting = false;
        if self.evaluation.as_ref().is_some_and(|v| v.evaluation.run_id != self.run_id) {
            self.evaluation = None;
        }
        if let Some(label) = label_hint.filter(|l| self.columns.iter().any(|c| c == l)) {
            self.label = label.to_owned();
        }
    }

    pub fn set_evaluation(&mut self, evaluation: NormalEvaluation) {
        if let (Some(got), Some(shown)) = (&evaluation.run_id, &self.run_id) {
            if got != shown {
                return;
            }
        }
        self.waiting = false;
        self.requested = true;
        if evaluation.label.is_empty() {
            self.label.clear();
        } else {
            self.label = evaluation.label.clone();
        }
        let timeline = evaluation.timeline.as_ref().map(ScoreTimeline::new);
        self.evaluation = Some(EvaluationView { evaluation, timeline });
    }

    pub fn picked_path(&mut self, path: String) {
        self.path = Some(path);
    }

    /// A request or task failed (`error`) or a task was cancelled (`None`); it was this
    /// section's when the section was waiting for its scoring.
    pub fn request_failed(&mut self, error: Option<&ApiError>) {
        if self.waiting {
            self.failure = error.map(|e| e.message.clone());
        }
        self.waiting = false;
    }

    pub fn waiting(&self) -> bool {
        self.waiting
    }

    fn request(&mut self, backend: &mut dyn Backend) {
        let Some(run_id) = self.run_id.clone() else { return };
        self.requested = true;
        self.waiting = true;
        self.failure = None;
        backend.send(Request::EvaluateNormal(NormalEvaluateRequest { run_id, path: self.path.clone(), label: self.label.trim().to_owned() }));
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        if self.run_id.is_none() {
            return;
        }
        // Asked for once when the pane shows the run and a label is known.
        if !self.requested && !self.label.trim().is_empty() && !self.waiting {
            self.request(backend);
        }
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Fault labels").id;
            let mut text = self.label.clone();
            egui::ComboBox::new("normal_evaluate_label", "")
                .selected_text(if text.is_empty() { "(choose)".to_owned() } else { text.clone() })
                .show_ui(ui, |ui| {
                    for column in &self.columns {
                        ui.selectable_value(&mut text, column.clone(), column);
                    }
                })
                .response
                .labelled_by(label);
            self.label = text;
            ui.label("in");
            ui.label(RichText::new(self.path.as_deref().map_or("the open data set", file_name)).strong());
            if ui.button("Other file…").on_hover_text("Evaluate on another export with fault labels").clicked() {
                backend.send(Request::PickPath { purpose: plantlab_protocol::FilePurpose::OpenPredictData });
            }
            if self.path.is_some() && ui.small_button("Open data set").clicked() {
                self.path = None;
            }
            if ui.add_enabled(!self.label.trim().is_empty() && !self.waiting, egui::Button::new("Score against the labels")).clicked() {
                self.request(backend);
            }
            if self.waiting {
                ui.label(RichText::new("Evaluating…").weak());
            }
        });
        failure_ui(ui, self.failure.as_deref());
        ui.separator();
        let Some(view) = &self.evaluation else {
            ui.label(if self.waiting {
                "Scoring the model and PCA against the fault labels…"
            } else {
                "Choose the column of fault labels (anything but 0 or empty is a fault) and press Score against the labels: the model and PCA T²/Q are scored side by side, fault episode by fault episode."
            });
            return;
        };
        evaluation_ui(ui, view);
    }
}

fn evaluation_ui(ui: &mut egui::Ui, view: &EvaluationView) {
    let evaluation = &view.evaluation;
    ui.label(format!(
        "{}: {} samples scored against \"{}\" ({} normal, {} fault)",
        evaluation.source,
        thousands(evaluation.samples),
        evaluation.label,
        thousands(evaluation.model.normal_samples),
        thousands(evaluation.model.fault_samples)
    ));
    ui.label(RichText::new(verdict(evaluation)).strong());
    ui.add_space(4.0);
    ui.label(RichText::new("Detection next to the baseline (samples unless it says events)").strong());
    let detectors = detectors(evaluation);
    egui::ScrollArea::horizontal().id_salt("normal_scores_scroll").show(ui, |ui| {
        egui::Grid::new("normal_scores").striped(true).spacing([14.0, 3.0]).show(ui, |ui| {
            for title in [
                "Detector",
                "Fault samples detected",
                "Normal samples alarmed",
                "False-alarm events",
                "per day",
                "ROC-AUC",
                "PR-AUC",
                "Episodes detected",
                "Threshold",
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for (i, score) in detectors.iter().enumerate() {
                let name = if i == 0 { RichText::new(&score.name).strong() } else { RichText::new(&score.name) };
                ui.label(name);
                ui.label(percent(score.detection_rate));
                ui.label(percent(score.false_alarm_rate));
                ui.label(thousands(score.false_alarms));
                ui.label(score.false_alarms_per_day.map_or("n/a".to_owned(), |d| format!("{d:.2}")));
                ui.label(ratio(score.roc_auc));
                ui.label(ratio(score.pr_auc));
                let detected = score.episodes.iter().filter(|e| e.detected).count();
                ui.label(format!("{detected} of {}", score.episodes.len()));
                ui.label(number(score.threshold));
                ui.end_row();
            }
        });
    });
    ui.add_space(6.0);
    ui.label(RichText::new("Fault episodes").strong());
    episodes_ui(ui, evaluation);
    if let Some(timeline) = &view.timeline {
        ui.add_space(6.0);
        ui.label(format!("Surprise of the {} (line), its threshold (yellow), labelled fault episodes (red)", evaluation.model.name));
        let faults: Vec<(f64, f64)> =
            evaluation.model.episodes.iter().map(|e| (timeline.x_of(e.start_ms, e.start_row), timeline.x_of(e.end_ms, e.end_row))).collect();
        timeline.show(ui, "normal_evaluate_timeline", evaluation.model.threshold, &faults, &[]);
        tag_surprise_ui(ui, "normal_evaluate_tags", timeline);
    }
}

/// One line that says whether the model beats its baseline, on detection at the false alarms it
/// raised (the honest comparison) and on ROC-AUC.
pub fn verdict(evaluation: &NormalEvaluation) -> String {
    let model = &evaluation.model;
    // PCA's indexes are the baseline (the other entries may be another model of normal operation).
    let best = [&evaluation.pca_t2, &evaluation.pca_q]
        .into_iter()
        .chain(evaluation.others.iter().filter(|o| o.name.starts_with("PCA")))
        .filter(|b| b.detection_rate.is_some())
        .max_by(|a, b| a.detection_rate.unwrap_or(0.0).total_cmp(&b.detection_rate.unwrap_or(0.0)));
    match (model.detection_rate, best) {
        (Some(detection), Some(baseline)) => {
            let base = baseline.detection_rate.unwrap_or(0.0);
            let comparison = if detection > base + 0.005 {
                "beats"
            } else if detection + 0.005 < base {
                "loses to"
            } else {
                "ties with"
            };
            format!(
                "The {} {comparison} its baseline: it detects {} of fault samples at {} false alarms; the better PCA index ({}) detects {} at {}.",
                model.name,
                percent(Some(detection)),
                percent(model.false_alarm_rate),
                baseline.name,
                percent(Some(base)),
                percent(baseline.false_alarm_rate)
            )
        }
        _ => "No fault samples in these labels: detection cannot be scored, only the false alarms.".to_owned(),
    }
}

/// The model first, then its baselines, in the order the tables show them.
fn detectors(evaluation: &NormalEvaluation) -> Vec<&DetectorScore> {
    [&evaluation.model, &evaluation.pca_t2, &evaluation.pca_q].into_iter().chain(&evaluation.others).collect()
}

fn episodes_ui(ui: &mut egui::Ui, evaluation: &NormalEvaluation) {
    let detectors = detectors(evaluation);
    if evaluation.model.episodes.is_empty() {
        ui.label("The labels hold no fault episodes.");
        return;
    }
    egui::ScrollArea::both().id_salt("normal_episodes_scroll").max_height(220.0).show(ui, |ui| {
        egui::Grid::new("normal_episodes").striped(true).spacing([14.0, 3.0]).show(ui, |ui| {
            ui.label(RichText::new("Episode").strong());
            ui.label(RichText::new("Start").strong());
            ui.label(RichText::new("End").strong());
            for score in &detectors {
                ui.label(RichText::new(format!("{}: detected, delay", score.name)).strong());
            }
            ui.end_row();
            for (i, episode) in evaluation.model.episodes.iter().enumerate() {
                ui.label(format!("#{}", episode.index));
                ui.label(place(episode.start_ms, episode.start_row));
                ui.label(place(episode.end_ms, episode.end_row));
                for score in &detectors {
                    // The detectors score the same labels, so episode i is the same episode in each.
                    match score.episodes.get(i) {
                        Some(e) if e.detected => ui.label(RichText::new(format!("detected, {}", delay_text(e))).color(theme::GOOD_TEXT)),
                        Some(_) => ui.label(RichText::new("missed").color(theme::BAD_TEXT)),
                        None => ui.label("-"),
                    };
                }
                ui.end_row();
            }
        });
    });
}

/// How long after the onset the first alarm came.
fn delay_text(episode: &NormalEpisode) -> String {
    match (episode.delay_s, episode.delay_samples) {
        (Some(0.0), _) | (None, Some(0)) => "at the onset".to_owned(),
        (Some(seconds), _) => format!("after {}", format_duration(seconds)),
        (None, Some(n)) => format!("after {} sample{}", thousands(n), if n == 1 { "" } else { "s" }),
        (None, None) => "delay unknown".to_owned(),
    }
}

fn percent(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or("n/a".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

fn ratio(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or("n/a".to_owned(), |v| format!("{v:.3}"))
}

/// A score or threshold: a few significant digits whatever its size.
fn number(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_owned();
    }
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

fn place(millis: Option<i64>, row: u64) -> String {
    millis.map_or_else(|| format!("row {}", thousands(row)), format_epoch_millis)
}

// ---------------------------------------------------------------------------------------------
// Prediction

/// A prediction with its plot geometry, built once when it arrives.
struct PredictionView {
    prediction: NormalPrediction,
    timeline: ScoreTimeline,
    /// Each alarm's x range on the timeline, in the order of `prediction.alarms`.
    alarm_ranges: Vec<(f64, f64)>,
}

/// The normal-operation part of the Predict pane.
#[derive(Default)]
pub struct NormalPredictor {
    bundle: Option<NormalBundleInfo>,
    opening_bundle: bool,
    data_path: Option<String>,
    /// A prediction asked for: its task once known.
    running: Option<Option<TaskId>>,
    view: Option<PredictionView>,
    selected_alarm: Option<usize>,
    /// Why the last prediction was refused or failed; shown by Run until the next one.
    failure: Option<String>,
}

impl NormalPredictor {
    pub fn open_bundle(&mut self, path: String, backend: &mut dyn Backend) {
        self.opening_bundle = true;
        backend.send(Request::OpenNormalBundle { path });
    }

    pub fn bundle_arrived(&mut self, bundle: NormalBundleInfo) {
        self.opening_bundle = false;
        self.bundle = Some(bundle);
    }

    pub fn set_data_path(&mut self, path: String) {
        self.data_path = Some(path);
    }

    pub fn task_started(&mut self, task: TaskId) -> bool {
        match self.running.as_mut() {
            Some(running @ None) => {
                *running = Some(task);
                true
            }
            _ => false,
        }
    }

    pub fn owns(&self, task: TaskId) -> bool {
        self.running.flatten() == Some(task)
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// This section's prediction failed (`error`) or was cancelled (`None`).
    pub fn ended_without_result(&mut self, error: Option<&ApiError>) {
        self.running = None;
        if let Some(error) = error {
            self.failure = Some(error.message.clone());
        }
    }

    /// A request failed; it was this section's when its start is waiting for a task (a missing
    /// data file is refused that way).
    pub fn request_failed(&mut self, error: &ApiError) {
        self.opening_bundle = false;
        if self.running == Some(None) {
            self.running = None;
            self.failure = Some(error.message.clone());
        }
    }

    pub fn set_result(&mut self, prediction: NormalPrediction) {
        self.running = None;
        self.selected_alarm = None;
        let timeline = ScoreTimeline::new(&prediction.timeline);
        let alarm_ranges = prediction.alarms.iter().map(|a| (timeline.x_of(a.start_ms, a.start_row), timeline.x_of(a.end_ms, a.end_row))).collect();
        self.view = Some(PredictionView { prediction, timeline, alarm_ranges });
    }

    pub fn inputs_ui(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        ui.heading("Normal-operation bundle");
        ui.horizontal(|ui| {
            if ui.button("Open bundle…").on_hover_text("normal_model.json from a normal-operation run's folder").clicked() {
                backend.send(Request::PickPath { purpose: plantlab_protocol::FilePurpose::OpenBundle });
            }
            if self.opening_bundle {
                ui.spinner();
            }
        });
        match &self.bundle {
            Some(bundle) => bundle_ui(ui, bundle),
            None => {
                ui.label("No bundle open: train a normal-operation model in the Train pane; its run folder holds the bundle.");
            }
        }
        ui.separator();
        ui.heading("Data to score");
        if ui.button("Open data…").on_hover_text("The new export to score (CSV, TSV, Parquet, Excel)").clicked() {
            backend.send(Request::PickPath { purpose: plantlab_protocol::FilePurpose::OpenPredictData });
        }
        match &self.data_path {
            Some(path) => {
                ui.label(RichText::new(file_name(path)).strong()).on_hover_text(path);
            }
            None => {
                ui.label("No data file chosen.");
            }
        }
        ui.separator();
        let missing = match (&self.bundle, &self.data_path) {
            (None, None) => Some("Open a normal-operation bundle and choose the data file to score."),
            (None, Some(_)) => Some("Open a normal-operation bundle first."),
            (Some(_), None) => Some("Choose the data file to score (Open data…)."),
            (Some(_), Some(_)) => None,
        };
        let clicked = crate::widgets::run_button(ui, missing, self.running.is_some(), "Scoring… (progress and Cancel in the status bar)");
        failure_ui(ui, self.failure.as_deref());
        if clicked {
            if let (Some(bundle), Some(path)) = (&self.bundle, &self.data_path) {
                self.running = Some(None);
                self.failure = None;
                backend.send(Request::PredictNormal(NormalPredictRequest { path: path.clone(), bundle: bundle.path.clone() }));
            }
        }
        // Room for the panel's floating horizontal scroll bar, which would otherwise lie over
        // the button and take its clicks when a long bundle name makes the panel scroll.
        ui.add_space(16.0);
    }

    pub fn results_ui(&mut self, ui: &mut egui::Ui) {
        let Some(view) = &self.view else {
            ui.add_space(20.0);
            ui.label(
                "Results appear here: the surprise over time with its threshold, the alarms with what each tag was expected to read and what it read, the tags that surprise most, and warnings about the inputs.",
            );
            return;
        };
        let prediction = &view.prediction;
        ui.heading(format!("Normal-operation check of {}", file_name(&prediction.file)));
        ui.label(format!(
            "{} rows, {} samples scored, {} alarm event{} from {} alarm sample{} at threshold {}, in {:.1} s ({})",
            thousands(prediction.rows),
            thousands(prediction.samples),
            thousands(prediction.alarm_count),
            if prediction.alarm_count == 1 { "" } else { "s" },
            thousands(prediction.alarm_samples),
            if prediction.alarm_samples == 1 { "" } else { "s" },
            number(prediction.threshold),
            prediction.seconds,
            prediction.bundle.detector.label()
        ));
        let stretches: Vec<(f64, f64)> = view.alarm_ranges.clone();
        if view.timeline.points() > 0 {
            ui.label("Surprise (line), threshold (yellow), alarm events (orange; the selected one darker)");
            let selected: Vec<usize> = self.selected_alarm.into_iter().collect();
            view.timeline.show(ui, "normal_predict_timeline", prediction.threshold, &[], &alarm_stretches(&stretches, &selected));
        }
        let mut clicked = None;
        ui.add_space(6.0);
        let listed = if (prediction.alarms.len() as u64) < prediction.alarm_count {
            format!("Alarm events ({}; the first {} are listed)", thousands(prediction.alarm_count), prediction.alarms.len())
        } else {
            format!("Alarm events ({})", prediction.alarms.len())
        };
        ui.label(RichText::new(listed).strong());
        if prediction.alarms.is_empty() {
            ui.label("No alarms: the plant behaved as in normal operation.");
        }
        egui::ScrollArea::vertical().id_salt("normal_predict_alarms").max_height(220.0).show(ui, |ui| {
            for (i, alarm) in prediction.alarms.iter().enumerate() {
                if ui.add(egui::Button::selectable(self.selected_alarm == Some(i), alarm_line(alarm)).wrap()).clicked() {
                    clicked = Some(i);
                }
            }
        });
        if let Some(alarm) = self.selected_alarm.and_then(|i| prediction.alarms.get(i)) {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label(RichText::new(format!("Why alarm event {} fired", alarm.index)).strong());
                for tag in &alarm.top_tags {
                    ui.label(&tag.explanation);
                }
                alarm_tags_chart(ui, alarm);
            });
        }
        tag_surprise_ui(ui, "normal_predict_tags", &view.timeline);
        ui.add_space(6.0);
        ui.label(RichText::new(format!("Input warnings ({})", prediction.warnings.len())).strong());
        if prediction.warnings.is_empty() {
            ui.label("None: every input looks like the normal operation the model learnt.");
        }
        for warning in &prediction.warnings {
            ui.horizontal_wrapped(|ui| {
                warning_badge(ui, warning.kind);
                ui.label(RichText::new(&warning.tag).strong());
                ui.label(format!("({} samples)", thousands(warning.count)));
                ui.label(&warning.message);
            });
        }
        if let Some(i) = clicked {
            self.selected_alarm = Some(i);
        }
    }
}

fn alarm_stretches(ranges: &[(f64, f64)], selected: &[usize]) -> Vec<(f64, f64, bool)> {
    ranges.iter().enumerate().map(|(i, &(start, end))| (start, end, selected.contains(&i))).collect()
}

fn bundle_ui(ui: &mut egui::Ui, bundle: &NormalBundleInfo) {
    ui.label(RichText::new(file_name(&bundle.path)).strong()).on_hover_text(&bundle.path);
    egui::Grid::new("normal_bundle").num_columns(2).spacing([10.0, 2.0]).show(ui, |ui| {
        let mut row = |name: &str, value: String| {
            ui.label(RichText::new(name).weak());
            ui.label(value);
            ui.end_row();
        };
        row("Detector", bundle.detector.label().to_owned());
        row("Tags", format!("{} tags", bundle.tags.len()));
        row("Normal rows", thousands(bundle.normal_rows));
        row("Threshold", number(bundle.threshold));
        row("Window", format!("{} steps", bundle.window));
        row("Smoothing", format!("{} steps", bundle.smoothing));
    });
}

/// One alarm event in the list: when, how high, and which tags surprised most.
fn alarm_line(alarm: &NormalAlarm) -> String {
    let tags: Vec<&str> = alarm.top_tags.iter().take(3).map(|t| t.tag.as_str()).collect();
    format!(
        "Alarm event {}: {} – {}, peak surprise {}; top tags {}",
        alarm.index,
        place(alarm.start_ms, alarm.start_row),
        place(alarm.end_ms, alarm.end_row),
        number(alarm.peak_score),
        if tags.is_empty() { "-".to_owned() } else { tags.join(", ") }
    )
}

/// The alarm's tags by their part of the surprise at its peak, largest at the top.
fn alarm_tags_chart(ui: &mut egui::Ui, alarm: &NormalAlarm) {
    let shown = &alarm.top_tags[..alarm.top_tags.len().min(TOP_TAGS)];
    if shown.is_empty() {
        return;
    }
    let top = shown.len() as f64 - 1.0;
    let bars: Vec<Bar> =
        shown.iter().enumerate().map(|(i, t)| Bar::new(top - i as f64, t.surprise).name(&t.tag).fill(theme::PUSHES_TO_FAULT).width(0.7)).collect();
    let names: Vec<String> = shown.iter().map(|t| t.tag.clone()).collect();
    let plot = Plot::new(("normal_alarm_tags", alarm.index)).height(22.0 * shown.len() as f32 + 50.0).x_axis_label("surprise at the peak");
    crate::widgets::named_bar_chart(ui, plot, names, "surprise", bars);
}

// ---------------------------------------------------------------------------------------------
// The surprise timeline

/// Scores below this are drawn at it: the log scale has no zero.
const LOG_FLOOR: f64 = 1e-3;

/// Where a score goes on a log-scale axis. Surprise spans orders of magnitude (a fault can be
/// a thousand times the threshold), so on a linear axis the threshold and normal operation
/// would be a flat line under the peaks.
fn log_y(score: f64) -> f64 {
    score.max(LOG_FLOOR).log10()
}

/// A score timeline turned into plot geometry once: x in seconds since the epoch (time axis)
/// or row numbers, y on a log scale; steps the detector could not score are left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScoreTimeline {
    has_timestamps: bool,
    score: Vec<PlotPoint>,
    /// PCA's combined index (alarm above 1), the baseline.
    pca: Vec<PlotPoint>,
    tags: Vec<(String, Vec<PlotPoint>)>,
    /// The typical distance between points, so a one-point stretch still shows.
    step: f64,
}

impl ScoreTimeline {
    pub fn new(timeline: &NormalTimeline) -> Self {
        let scale = if timeline.has_timestamps { 0.001 } else { 1.0 };
        let xs: Vec<f64> = timeline.x.iter().map(|&x| x * scale).collect();
        let points = |ys: &[f64]| -> Vec<PlotPoint> {
            xs.iter().zip(ys).filter(|(x, y)| x.is_finite() && y.is_finite()).map(|(&x, &y)| PlotPoint::new(x, log_y(y))).collect()
        };
        let step = match (xs.first(), xs.last()) {
            (Some(first), Some(last)) if xs.len() > 1 && last > first => (last - first) / (xs.len() - 1) as f64,
            _ => 1.0,
        };
        Self {
            has_timestamps: timeline.has_timestamps,
            score: points(&timeline.score),
            pca: points(&timeline.pca),
            tags: timeline.top_tags.iter().take(TOP_TAGS).map(|t| (t.tag.clone(), points(&t.surprise))).collect(),
            step,
        }
    }

    pub fn points(&self) -> usize {
        self.score.len()
    }

    /// The plot x of a place given as epoch milliseconds (with timestamps) or a row.
    pub fn x_of(&self, millis: Option<i64>, row: u64) -> f64 {
        match (self.has_timestamps, millis) {
            (true, Some(ms)) => ms as f64 / 1000.0,
            _ => row as f64,
        }
    }

    /// A plot with the y axis on a log scale (ticks and hover read in the score's own units).
    fn plot(&self, id: &str, height: f32, y_label: &str) -> Plot<'static> {
        let plot = Plot::new(id)
            .height(height)
            .legend(Legend::default())
            .y_axis_label(format!("{y_label} (log scale)"))
            .x_axis_label(if self.has_timestamps { "time" } else { "row" })
            .allow_scroll(false)
            .allow_double_click_reset(true);
        let plot = if self.has_timestamps { with_time_axis(plot) } else { plot };
        let has_timestamps = self.has_timestamps;
        plot.y_axis_formatter(|mark, _| number(10f64.powf(mark.value))).label_formatter(move |hover| {
            let (name, position) = match hover {
                HoverPosition::NearDataPoint { plot_name, position, .. } => (*plot_name, position),
                HoverPosition::Elsewhere { position } => ("", position),
            };
            let x = if has_timestamps { epoch_seconds(position.x) } else { format!("row {}", position.x.round()) };
            let y = number(10f64.powf(position.y));
            Some(if name.is_empty() { format!("{x}\n{y}") } else { format!("{name}\n{x}\n{y}") })
        })
    }

    /// The score with its threshold; labelled faults (red) and alarms (orange, a selected one
    /// darker) shaded; PCA's index below when there is one.
    pub fn show(&self, ui: &mut egui::Ui, id: &str, threshold: f64, faults: &[(f64, f64)], alarms: &[(f64, f64, bool)]) {
        let half = self.step / 2.0;
        self.plot(id, 220.0, "surprise").show(ui, |plot_ui| {
            for &(start, end) in faults {
                plot_ui.add(Span::new("fault (label)", (start - half)..=(end + half)).fill(theme::FAULT_SPAN).border_width(0.0));
            }
            for &(start, end, selected) in alarms {
                let fill = if selected { theme::ALARM_SPAN_SELECTED } else { theme::ALARM_SPAN };
                plot_ui.add(Span::new("alarm", (start - half)..=(end + half)).fill(fill).border_width(0.0));
            }
            plot_ui.line(Line::new("surprise", PlotPoints::Borrowed(&self.score)).color(theme::SERIES_RISK).width(1.2));
            plot_ui.add(HLine::new(format!("threshold {}", number(threshold)), log_y(threshold)).color(theme::THRESHOLD));
        });
        if !self.pca.is_empty() {
            ui.label(RichText::new("Baseline: PCA's index, max(T²/limit, Q/limit), alarms above 1").weak());
            self.plot(&format!("{id}_pca"), 140.0, "PCA index").show(ui, |plot_ui| {
                for &(start, end) in faults {
                    plot_ui.add(Span::new("fault (label)", (start - half)..=(end + half)).fill(theme::FAULT_SPAN).border_width(0.0));
                }
                plot_ui.line(Line::new("PCA index", PlotPoints::Borrowed(&self.pca)).color(theme::REFERENCE_LINE).width(1.0));
                plot_ui.add(HLine::new("limit 1", log_y(1.0)).color(theme::THRESHOLD));
            });
        }
    }
}

/// Per-tag surprise over time for the tags that surprise most.
fn tag_surprise_ui(ui: &mut egui::Ui, id: &str, timeline: &ScoreTimeline) {
    if timeline.tags.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.label(RichText::new(format!("Per-tag surprise (the {} tags that surprise most)", timeline.tags.len())).strong());
    timeline.plot(id, 200.0, "surprise per tag").show(ui, |plot_ui| {
        for (i, (tag, points)) in timeline.tags.iter().enumerate() {
            let color = theme::RUN_PALETTE[i % theme::RUN_PALETTE.len()];
            plot_ui.line(Line::new(tag.clone(), PlotPoints::Borrowed(points)).color(color).width(1.0));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(name: &str, detection: f64, false_alarms: f64) -> DetectorScore {
        DetectorScore {
            name: name.into(),
            threshold: 1.0,
            roc_auc: Some(0.9),
            pr_auc: Some(0.8),
            false_alarm_rate: Some(false_alarms),
            detection_rate: Some(detection),
            false_alarms: 3,
            false_alarms_per_day: None,
            false_alarms_per_1000_samples: Some(1.0),
            normal_samples: 900,
            fault_samples: 100,
            episodes: vec![],
        }
    }

    #[test]
    fn the_verdict_says_when_the_model_loses_to_pca() {
        let mut evaluation = NormalEvaluation {
            source: "test".into(),
            run_id: None,
            label: "fault".into(),
            samples: 1000,
            has_timestamps: false,
            model: score("linear next-step predictor", 0.87, 0.029),
            pca_t2: score("PCA T²", 0.605, 0.021),
            pca_q: score("PCA Q", 0.5, 0.02),
            others: vec![],
            timeline: None,
        };
        let text = verdict(&evaluation);
        assert!(text.contains("beats its baseline"), "{text}");
        assert!(text.contains("87.0 %") && text.contains("60.5 %"), "{text}");
        evaluation.model = score("process language model", 0.456, 0.021);
        assert!(verdict(&evaluation).contains("loses to its baseline"));
    }

    #[test]
    fn delays_read_in_time_or_samples() {
        let episode = |delay_samples, delay_s| NormalEpisode {
            index: 1,
            start_row: 10,
            end_row: 20,
            start_ms: None,
            end_ms: None,
            detected: true,
            first_alarm_row: Some(12),
            delay_samples,
            delay_s,
        };
        assert_eq!(delay_text(&episode(Some(2), Some(120.0))), "after 2 min");
        assert_eq!(delay_text(&episode(Some(2), None)), "after 2 samples");
        assert_eq!(delay_text(&episode(Some(0), None)), "at the onset");
    }

    #[test]
    fn the_timeline_leaves_out_unscored_steps_and_reads_times_in_seconds() {
        let timeline = NormalTimeline {
            x: vec![0.0, 60_000.0, 120_000.0],
            has_timestamps: true,
            score: vec![f64::NAN, 2.0, 9.0],
            alarm: vec![false, false, true],
            pca: vec![],
            top_tags: vec![],
        };
        let plot = ScoreTimeline::new(&timeline);
        assert_eq!(plot.points(), 2);
        assert_eq!((plot.score[0].y, plot.score[1].y), (2f64.log10(), 9f64.log10()), "y on a log scale");
        assert_eq!(log_y(0.0), -3.0, "zero sits at the floor");
        assert_eq!(plot.step, 60.0);
        assert_eq!(plot.x_of(Some(120_000), 2), 120.0);
    }
}
