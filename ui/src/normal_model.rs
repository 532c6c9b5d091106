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
use crate::i18n::{tr, tr_with, Arg};
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
    pub fn label(self) -> String {
        match self {
            ModelFamily::Classifier => tr("normal-family-classifier"),
            ModelFamily::Normal => tr("normal-family-normal"),
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

/// The heading over the curves, kept as what it says and worded when drawn, so a language
/// switch rewords it.
#[derive(Default)]
enum RunTitle {
    /// No run yet.
    #[default]
    None,
    Starting(NormalDetector),
    Finished {
        run_id: String,
        detector: NormalDetector,
        status: RunStatus,
    },
    /// Cancelled or failed, without a summary.
    Ended(RunStatus),
    FailedToStart,
}

impl RunTitle {
    fn text(&self) -> Option<String> {
        Some(match self {
            RunTitle::None => return None,
            RunTitle::Starting(detector) => tr_with("normal-training-starting", &[("detector", crate::i18n::detector_choice_text(*detector).into())]),
            RunTitle::Finished { run_id, detector, status } => tr_with(
                "normal-run-title",
                &[
                    ("run", run_id.into()),
                    ("detector", crate::i18n::detector_choice_text(*detector).into()),
                    ("status", crate::i18n::run_status(*status).into()),
                ],
            ),
            RunTitle::Ended(status) => tr_with("normal-training-status", &[("status", crate::i18n::run_status(*status).into())]),
            RunTitle::FailedToStart => tr("normal-training-failed-to-start"),
        })
    }
}

/// What the curves area shows: the run training now, or the last one that ended.
#[derive(Default)]
struct RunView {
    title: RunTitle,
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
                self.view.title = RunTitle::Finished { run_id: summary.run_id.clone(), detector: summary.detector, status: summary.status };
                self.view.detector = summary.detector;
                self.view.summary = Some(summary);
            }
            None if live.is_some() => {
                let status = if live.as_ref().is_some_and(|l| l.cancel_requested) { RunStatus::Cancelled } else { RunStatus::Failed };
                self.view.title = RunTitle::Ended(status);
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
            self.view.title = RunTitle::FailedToStart;
            self.failure = Some(crate::i18n::error_text(error));
        }
    }

    /// This section's run failed (`error`) or was cancelled (`None`).
    pub fn ended_without_result(&mut self, error: Option<&ApiError>, backend: &mut dyn Backend) {
        self.finished(None, backend);
        if let Some(error) = error {
            self.failure = Some(crate::i18n::error_text(error));
        }
    }

    /// True when there is no run to show yet.
    pub fn is_empty(&self) -> bool {
        matches!(self.view.title, RunTitle::None)
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
        ui.label(RichText::new(tr("normal-explainer")).weak());
        egui::Grid::new("normal_form").num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
            let label = ui.label(tr("normal-detector-label")).id;
            egui::ComboBox::new("normal_detector", "")
                .selected_text(crate::i18n::detector_choice_text(request.detector))
                .show_ui(ui, |ui| {
                    for detector in NormalDetector::ALL {
                        ui.selectable_value(&mut request.detector, detector, crate::i18n::detector_choice_text(detector));
                    }
                })
                .response
                .labelled_by(label);
            ui.end_row();
            let label = ui.label(tr("normal-smoothing-label")).id;
            ui.add(egui::DragValue::new(&mut request.smoothing).range(1..=1000)).labelled_by(label).on_hover_text(tr("normal-smoothing-hint"));
            ui.end_row();
            let lm = request.detector == NormalDetector::ProcessLm;
            let label = ui.label(tr("normal-window-label")).id;
            ui.add_enabled(lm, egui::DragValue::new(&mut request.window).range(2..=512)).labelled_by(label).on_hover_text(if lm {
                tr("normal-window-hint-language")
            } else {
                tr("normal-window-hint-linear")
            });
            ui.end_row();
            if lm {
                let label = ui.label(tr("train-bins-label")).id;
                ui.add(egui::DragValue::new(&mut request.bins).range(2..=256)).labelled_by(label);
                ui.end_row();
                let label = ui.label(tr("train-epochs-label")).id;
                ui.add(egui::DragValue::new(&mut request.epochs).range(1..=1000)).labelled_by(label);
                ui.end_row();
                let label = ui.label(tr("train-patience-label")).id;
                ui.add(egui::DragValue::new(&mut request.patience).range(1..=100)).labelled_by(label);
                ui.end_row();
            }
            let label = ui.label(tr("normal-target-false-alarms-label")).id;
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut request.target_false_alarms).range(0.001..=500.0).speed(0.1).max_decimals(3))
                    .labelled_by(label)
                    .on_hover_text(tr("normal-target-false-alarms-hint"));
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
                                .on_disabled_hover_text(tr("normal-no-time-axis"));
                        });
                    })
                    .response
                    .labelled_by(label);
            });
            ui.end_row();
            let label = ui.label(tr("train-seed-label")).id;
            ui.add(egui::DragValue::new(&mut request.seed)).labelled_by(label);
            ui.end_row();
        });

        ui.add_space(4.0);
        ui.label(RichText::new(tr("normal-operation-heading")).strong());
        ui.radio_value(&mut self.period, PeriodChoice::LabelEquals, tr("normal-period-label-equals"));
        if self.period == PeriodChoice::LabelEquals {
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(tr("normal-column-label")).id;
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
        ui.radio_value(&mut self.period, PeriodChoice::Between, tr("normal-period-between"));
        if self.period == PeriodChoice::Between {
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(tr("normal-from-label")).id;
                ui.add(egui::TextEdit::singleline(&mut self.from).desired_width(120.0).hint_text(if has_time {
                    tr("normal-from-hint-time")
                } else {
                    tr("normal-row-hint")
                }))
                .labelled_by(label);
                let label = ui.label(tr("normal-to-label")).id;
                ui.add(egui::TextEdit::singleline(&mut self.to).desired_width(120.0).hint_text(if has_time {
                    tr("normal-to-hint-time")
                } else {
                    tr("normal-row-hint")
                }))
                .labelled_by(label);
            });
            ui.label(RichText::new(if has_time { tr("normal-times-explainer") } else { tr("normal-rows-explainer") }).weak());
        }
        ui.radio_value(&mut self.period, PeriodChoice::All, tr("normal-period-all"));

        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(tr("normal-fault-labels-label")).id;
            let shown = self.request.fault_label.clone().unwrap_or_else(|| tr("normal-none"));
            egui::ComboBox::new("normal_fault_label", "")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.request.fault_label, None, tr("normal-none"));
                    for column in &columns {
                        ui.selectable_value(&mut self.request.fault_label, Some((*column).to_owned()), *column);
                    }
                })
                .response
                .labelled_by(label)
                .on_hover_text(tr("normal-fault-labels-hint"));
        });

        let request = &mut self.request;
        let label_column = (self.period == PeriodChoice::LabelEquals).then_some(self.label_column.as_str());
        let excluded = request.exclude.len();
        egui::CollapsingHeader::new(tr_with("normal-tags-heading", &[("excluded", excluded.to_string().into())])).id_salt("normal_tags").show(
            ui,
            |ui| {
                ui.label(tr("normal-tags-hint"));
                for column in dataset.columns.iter().filter(|c| Some(c.name.as_str()) != dataset.timestamp_column.as_deref()) {
                    let is_label = Some(column.name.as_str()) == label_column || request.fault_label.as_deref() == Some(column.name.as_str());
                    let is_weight = class_weight_columns.contains(&column.name);
                    if is_label || is_weight || column.kind != ColumnKind::Numeric {
                        let why = if is_label {
                            tr("normal-why-label")
                        } else if is_weight {
                            tr("normal-why-weights")
                        } else {
                            tr("normal-why-not-numeric")
                        };
                        ui.add_enabled(
                            false,
                            egui::Checkbox::new(
                                &mut false,
                                tr_with("normal-tag-disabled", &[("column", (&column.name).into()), ("why", why.into())]),
                            ),
                        );
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
            },
        );

        ui.separator();
        let problems = self.problems(dataset, class_weight_columns);
        for problem in &problems {
            ui.label(RichText::new(problem).color(theme::BAD_TEXT));
        }
        let can_start = problems.is_empty() && self.live.is_none();
        let mut started = false;
        ui.horizontal(|ui| {
            if ui.add_enabled(can_start, egui::Button::new(tr("train-start-button"))).clicked() {
                started = true;
                self.failure = None;
                let mut request = self.request.clone();
                request.normal = self.period();
                self.live = Some(Live { task: None, started_at: now_s, cancel_requested: false, fraction: 0.0, stage: tr("app-task-starting") });
                self.view = RunView { title: RunTitle::Starting(request.detector), detector: request.detector, ..RunView::default() };
                backend.send(Request::StartNormalTrain(Box::new(request)));
            }
            let cancellable = self.live.as_ref().is_some_and(|l| l.task.is_some() && !l.cancel_requested);
            if ui.add_enabled(cancellable, egui::Button::new(tr("train-cancel-button"))).clicked() {
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
            PeriodChoice::LabelEquals if self.label_column.is_empty() => problems.push(tr("normal-problem-label-column")),
            PeriodChoice::LabelEquals if self.label_value.trim().is_empty() => {
                problems.push(tr_with("normal-problem-label-value", &[("column", (&self.label_column).into())]))
            }
            PeriodChoice::Between if self.from.trim().is_empty() || self.to.trim().is_empty() => problems.push(tr("normal-problem-period")),
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
            problems.push(tr_with("normal-problem-tags", &[("tags", tags.to_string().into())]));
        }
        if self.request.target_false_alarms.is_nan() || self.request.target_false_alarms <= 0.0 {
            problems.push(tr("normal-problem-false-alarms"));
        }
        problems
    }

    /// The curves area: live progress, the language model's loss and perplexity, the fitted figures.
    pub fn curves_ui(&self, ui: &mut egui::Ui, now_s: f64) {
        let view = &self.view;
        let Some(title) = view.title.text() else {
            ui.heading(tr("normal-model-heading"));
            ui.label(tr("normal-curves-empty"));
            return;
        };
        ui.heading(title);
        if let Some(live) = &self.live {
            let elapsed = (now_s - live.started_at).max(0.0);
            // The stage in words too: the linear predictor has no epochs to draw.
            ui.label(tr_with(
                "normal-progress",
                &[
                    ("stage", (&live.stage).into()),
                    ("percent", format!("{:.0}", live.fraction * 100.0).into()),
                    ("elapsed", format_duration(elapsed).into()),
                ],
            ));
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
        ui.label(RichText::new(tr_with("normal-failed", &[("message", message.into())])).color(theme::BAD_TEXT));
    }
}

fn unit_text(unit: FalseAlarmUnit) -> String {
    match unit {
        FalseAlarmUnit::PerDay => tr("normal-unit-per-day"),
        FalseAlarmUnit::PerThousandSamples => tr("normal-unit-per-thousand"),
    }
}

fn summary_ui(ui: &mut egui::Ui, summary: &NormalRunSummary) {
    ui.label(RichText::new(crate::i18n::normal_run_stop_text(summary)).strong());
    egui::Grid::new("normal_summary").num_columns(2).spacing([10.0, 2.0]).show(ui, |ui| {
        let mut row = |name: String, value: String| {
            ui.label(RichText::new(name).weak());
            ui.label(value);
            ui.end_row();
        };
        row(tr("normal-detector-label"), crate::i18n::detector_choice_text(summary.detector));
        row(
            tr("normal-summary-tags"),
            tr_with(
                "normal-summary-tags-value",
                &[("count", summary.tags.len().to_string().into()), ("list", preview_list(&summary.tags, 6).into())],
            ),
        );
        row(
            tr("normal-summary-normal-rows"),
            tr_with(
                "normal-summary-normal-rows-value",
                &[
                    ("rows", thousands(summary.normal_rows).into()),
                    ("fit", thousands(summary.fit_rows).into()),
                    ("calibration", thousands(summary.calibration_rows).into()),
                ],
            ),
        );
        row(
            tr("normal-summary-threshold"),
            tr_with(
                "normal-summary-threshold-value",
                &[("threshold", number(summary.threshold).into()), ("rate", format!("{:.2}", summary.target_false_alarm_rate * 100.0).into())],
            ),
        );
        if summary.epochs_run > 0 {
            row(
                tr("normal-summary-epochs"),
                tr_with(
                    "normal-summary-epochs-value",
                    &[("epochs", summary.epochs_run.to_string().into()), ("best", summary.best_epoch.to_string().into())],
                ),
            );
        }
        if let Some(loss) = summary.validation_loss {
            row(tr("normal-summary-validation-loss"), tr_with("normal-summary-validation-loss-value", &[("loss", format!("{loss:.4}").into())]));
        }
        if let Some(perplexity) = summary.validation_perplexity {
            row(tr("normal-summary-perplexity"), tr_with("normal-summary-perplexity-value", &[("perplexity", format!("{perplexity:.2}").into())]));
        }
        row(tr("normal-summary-trained-in"), format_duration(summary.seconds));
        row(tr("normal-summary-bundle"), summary.bundle.clone());
    });
    if let Some(evaluation) = &summary.evaluation {
        ui.label(RichText::new(verdict(evaluation)).strong());
        ui.label(RichText::new(tr("normal-evaluate-pane-note")).weak());
    }
}

fn preview_list(items: &[String], shown: usize) -> String {
    let mut text = items.iter().take(shown).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > shown {
        text.push_str(&tr_with("normal-list-more", &[("count", (items.len() - shown).to_string().into())]));
    }
    text
}

fn lm_curves(ui: &mut egui::Ui, epochs: &[NormalEpochMetrics]) {
    let width = ui.available_width();
    let plot_width = if width >= 440.0 { (width - ui.spacing().item_spacing.x) / 2.0 - 1.0 } else { width };
    let loss = |ui: &mut egui::Ui| {
        ui.vertical(|ui| {
            ui.label(tr("normal-loss-caption"));
            Plot::new("normal_loss_plot").width(plot_width).height(220.0).legend(Legend::default()).x_axis_label(tr("plot-axis-epoch")).show(
                ui,
                |plot_ui| {
                    let train: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), e.train_loss]).collect();
                    let validation: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), e.validation_loss]).collect();
                    plot_ui.line(Line::new(tr("plot-series-train"), train).color(theme::SERIES_TRAINING));
                    plot_ui.line(Line::new(tr("plot-series-validation"), validation).color(theme::SERIES_VALIDATION));
                    let best: PlotPoints = epochs.iter().filter(|e| e.best).map(|e| [f64::from(e.epoch), e.validation_loss]).collect();
                    plot_ui.points(egui_plot::Points::new(tr("plot-series-best"), best).radius(4.0).color(theme::SERIES_VALIDATION));
                },
            );
        });
    };
    let perplexity = |ui: &mut egui::Ui| {
        ui.vertical(|ui| {
            ui.label(tr("normal-perplexity-caption"));
            Plot::new("normal_perplexity_plot").width(plot_width).height(220.0).legend(Legend::default()).x_axis_label(tr("plot-axis-epoch")).show(
                ui,
                |plot_ui| {
                    let points: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), e.validation_perplexity]).collect();
                    plot_ui.line(Line::new(tr("plot-series-perplexity"), points).color(theme::SERIES_VALIDATION));
                },
            );
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
        ui.label(tr_with(
            "normal-epoch-line",
            &[
                ("epoch", last.epoch.to_string().into()),
                ("train", format!("{:.4}", last.train_loss).into()),
                ("validation", format!("{:.4}", last.validation_loss).into()),
                ("perplexity", format!("{:.2}", last.validation_perplexity).into()),
                ("seconds", format!("{:.1}", last.seconds).into()),
            ],
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
    let epochs = if run.epochs_run > 0 {
        tr_with("normal-run-epochs", &[("epochs", run.epochs_run.to_string().into()), ("best", run.best_epoch.to_string().into())])
    } else {
        String::new()
    };
    Some(tr_with(
        "normal-run-text",
        &[
            ("detector", crate::i18n::detector_choice_text(detector).into()),
            ("epochs", epochs.into()),
            ("created", (&run.created).into()),
            ("status", crate::i18n::run_status(run.status).into()),
        ],
    ))
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
            self.failure = error.map(crate::i18n::error_text);
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
            let label = ui.label(tr("normal-fault-labels")).id;
            let mut text = self.label.clone();
            egui::ComboBox::new("normal_evaluate_label", "")
                .selected_text(if text.is_empty() { tr("normal-choose") } else { text.clone() })
                .show_ui(ui, |ui| {
                    for column in &self.columns {
                        ui.selectable_value(&mut text, column.clone(), column);
                    }
                })
                .response
                .labelled_by(label);
            self.label = text;
            ui.label(tr("normal-in"));
            ui.label(RichText::new(self.path.as_deref().map_or_else(|| tr("normal-the-open-data"), |p| file_name(p).to_owned())).strong());
            if ui.button(tr("normal-other-file-button")).on_hover_text(tr("normal-other-file-hint")).clicked() {
                backend.send(Request::PickPath { purpose: plantlab_protocol::FilePurpose::OpenPredictData });
            }
            if self.path.is_some() && ui.small_button(tr("normal-open-data-set-button")).clicked() {
                self.path = None;
            }
            if ui.add_enabled(!self.label.trim().is_empty() && !self.waiting, egui::Button::new(tr("normal-score-button"))).clicked() {
                self.request(backend);
            }
            if self.waiting {
                ui.label(RichText::new(tr("normal-evaluating")).weak());
            }
        });
        failure_ui(ui, self.failure.as_deref());
        ui.separator();
        let Some(view) = &self.evaluation else {
            ui.label(if self.waiting { tr("normal-scoring") } else { tr("normal-score-explainer") });
            return;
        };
        evaluation_ui(ui, view);
    }
}

fn evaluation_ui(ui: &mut egui::Ui, view: &EvaluationView) {
    let evaluation = &view.evaluation;
    ui.label(tr_with(
        "normal-evaluation-line",
        &[
            ("source", crate::i18n::evaluation_source_text(evaluation).into()),
            ("samples", thousands(evaluation.samples).into()),
            ("label", (&evaluation.label).into()),
            ("normal", thousands(evaluation.model.normal_samples).into()),
            ("fault", thousands(evaluation.model.fault_samples).into()),
        ],
    ));
    ui.label(RichText::new(verdict(evaluation)).strong());
    ui.add_space(4.0);
    ui.label(RichText::new(tr("normal-detection-heading")).strong());
    let detectors = detectors(evaluation);
    egui::ScrollArea::horizontal().id_salt("normal_scores_scroll").show(ui, |ui| {
        egui::Grid::new("normal_scores").striped(true).spacing([14.0, 3.0]).show(ui, |ui| {
            for title in [
                tr("normal-detector-label"),
                tr("normal-column-fault-detected"),
                tr("normal-column-normal-alarmed"),
                tr("normal-column-false-alarm-events"),
                tr("normal-column-per-day"),
                tr("metric-roc-auc"),
                tr("metric-pr-auc"),
                tr("normal-column-episodes"),
                tr("normal-column-threshold"),
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for (i, score) in detectors.iter().enumerate() {
                let name = RichText::new(crate::i18n::detector_score_name(score));
                let name = if i == 0 { name.strong() } else { name };
                ui.label(name);
                ui.label(percent(score.detection_rate));
                ui.label(percent(score.false_alarm_rate));
                ui.label(thousands(score.false_alarms));
                ui.label(score.false_alarms_per_day.map_or(tr("metric-not-available"), |d| format!("{d:.2}")));
                ui.label(ratio(score.roc_auc));
                ui.label(ratio(score.pr_auc));
                let detected = score.episodes.iter().filter(|e| e.detected).count();
                ui.label(tr_with(
                    "normal-episodes-of",
                    &[("detected", detected.to_string().into()), ("total", score.episodes.len().to_string().into())],
                ));
                ui.label(number(score.threshold));
                ui.end_row();
            }
        });
    });
    ui.add_space(6.0);
    ui.label(RichText::new(tr("normal-fault-episodes-heading")).strong());
    episodes_ui(ui, evaluation);
    if let Some(timeline) = &view.timeline {
        ui.add_space(6.0);
        ui.label(tr_with("normal-timeline-caption", &[("model", crate::i18n::detector_score_name(&evaluation.model).into())]));
        let faults: Vec<(f64, f64)> =
            evaluation.model.episodes.iter().map(|e| (timeline.x_of(e.start_ms, e.start_row), timeline.x_of(e.end_ms, e.end_row))).collect();
        timeline.show(ui, "normal_evaluate_timeline", evaluation.model.threshold, &faults, &[]);
        tag_surprise_ui(ui, "normal_evaluate_tags", timeline);
    }
}

/// Whether a score is one of PCA's indexes (by its code; by its name from an older engine).
fn is_pca(score: &DetectorScore) -> bool {
    if score.code.is_empty() {
        score.name.starts_with("PCA")
    } else {
        score.code.starts_with("pca_")
    }
}

/// One line that says whether the model beats its baseline, on detection at the false alarms it
/// raised (the honest comparison) and on ROC-AUC.
pub fn verdict(evaluation: &NormalEvaluation) -> String {
    let model = &evaluation.model;
    // PCA's indexes are the baseline (the other entries may be another model of normal operation).
    let best = [&evaluation.pca_t2, &evaluation.pca_q]
        .into_iter()
        .chain(evaluation.others.iter().filter(|o| is_pca(o)))
        .filter(|b| b.detection_rate.is_some())
        .max_by(|a, b| a.detection_rate.unwrap_or(0.0).total_cmp(&b.detection_rate.unwrap_or(0.0)));
    match (model.detection_rate, best) {
        (Some(detection), Some(baseline)) => {
            let base = baseline.detection_rate.unwrap_or(0.0);
            let args = [
                ("model", Arg::from(crate::i18n::detector_score_name(model))),
                ("detection", percent(Some(detection)).into()),
                ("false-alarms", percent(model.false_alarm_rate).into()),
                ("baseline", crate::i18n::detector_score_name(baseline).into()),
                ("baseline-detection", percent(Some(base)).into()),
                ("baseline-false-alarms", percent(baseline.false_alarm_rate).into()),
            ];
            if detection > base + 0.005 {
                tr_with("normal-verdict-beats", &args)
            } else if detection + 0.005 < base {
                tr_with("normal-verdict-loses", &args)
            } else {
                tr_with("normal-verdict-ties", &args)
            }
        }
        _ => tr("normal-verdict-no-faults"),
    }
}

/// The model first, then its baselines, in the order the tables show them.
fn detectors(evaluation: &NormalEvaluation) -> Vec<&DetectorScore> {
    [&evaluation.model, &evaluation.pca_t2, &evaluation.pca_q].into_iter().chain(&evaluation.others).collect()
}

fn episodes_ui(ui: &mut egui::Ui, evaluation: &NormalEvaluation) {
    let detectors = detectors(evaluation);
    if evaluation.model.episodes.is_empty() {
        ui.label(tr("normal-no-episodes"));
        return;
    }
    egui::ScrollArea::both().id_salt("normal_episodes_scroll").max_height(220.0).show(ui, |ui| {
        egui::Grid::new("normal_episodes").striped(true).spacing([14.0, 3.0]).show(ui, |ui| {
            ui.label(RichText::new(tr("eval-episode-column")).strong());
            ui.label(RichText::new(tr("eval-start-column")).strong());
            ui.label(RichText::new(tr("eval-end-column")).strong());
            for score in &detectors {
                ui.label(
                    RichText::new(tr_with("normal-episode-detected-delay", &[("detector", crate::i18n::detector_score_name(score).into())])).strong(),
                );
            }
            ui.end_row();
            for (i, episode) in evaluation.model.episodes.iter().enumerate() {
                ui.label(format!("#{}", episode.index));
                ui.label(place(episode.start_ms, episode.start_row));
                ui.label(place(episode.end_ms, episode.end_row));
                for score in &detectors {
                    // The detectors score the same labels, so episode i is the same episode in each.
                    match score.episodes.get(i) {
                        Some(e) if e.detected => {
                            ui.label(RichText::new(tr_with("normal-detected-with-delay", &[("delay", delay_text(e).into())])).color(theme::GOOD_TEXT))
                        }
                        Some(_) => ui.label(RichText::new(tr("eval-missed")).color(theme::BAD_TEXT)),
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
        (Some(0.0), _) | (None, Some(0)) => tr("normal-delay-at-onset"),
        (Some(seconds), _) => tr_with("normal-delay-after", &[("duration", format_duration(seconds).into())]),
        (None, Some(n)) => tr_with("normal-delay-samples", &[("count", n.into()), ("formatted", thousands(n).into())]),
        (None, None) => tr("normal-delay-unknown"),
    }
}

fn percent(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or(tr("metric-not-available"), |v| format!("{:.1} %", v * 100.0))
}

fn ratio(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or(tr("metric-not-available"), |v| format!("{v:.3}"))
}

/// A score or threshold: a few significant digits whatever its size.
fn number(value: f64) -> String {
    if !value.is_finite() {
        return tr("metric-not-available");
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
    millis.map_or_else(|| tr_with("eval-place-row", &[("row", thousands(row).into())]), format_epoch_millis)
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
            self.failure = Some(crate::i18n::error_text(error));
        }
    }

    /// A request failed; it was this section's when its start is waiting for a task (a missing
    /// data file is refused that way).
    pub fn request_failed(&mut self, error: &ApiError) {
        self.opening_bundle = false;
        if self.running == Some(None) {
            self.running = None;
            self.failure = Some(crate::i18n::error_text(error));
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
        ui.heading(tr("normal-bundle-heading"));
        ui.horizontal(|ui| {
            if ui.button(tr("predict-open-bundle-button")).on_hover_text(tr("normal-open-bundle-hint")).clicked() {
                backend.send(Request::PickPath { purpose: plantlab_protocol::FilePurpose::OpenBundle });
            }
            if self.opening_bundle {
                ui.spinner();
            }
        });
        match &self.bundle {
            Some(bundle) => bundle_ui(ui, bundle),
            None => {
                ui.label(tr("normal-no-bundle"));
            }
        }
        ui.separator();
        ui.heading(tr("normal-data-heading"));
        if ui.button(tr("predict-open-data-button")).on_hover_text(tr("normal-open-data-hint")).clicked() {
            backend.send(Request::PickPath { purpose: plantlab_protocol::FilePurpose::OpenPredictData });
        }
        match &self.data_path {
            Some(path) => {
                ui.label(RichText::new(file_name(path)).strong()).on_hover_text(path);
            }
            None => {
                ui.label(tr("predict-no-data"));
            }
        }
        ui.separator();
        let missing = match (&self.bundle, &self.data_path) {
            (None, None) => Some(tr("normal-missing-both")),
            (None, Some(_)) => Some(tr("normal-missing-bundle")),
            (Some(_), None) => Some(tr("normal-missing-data")),
            (Some(_), Some(_)) => None,
        };
        let clicked = crate::widgets::run_button(ui, missing.as_deref(), self.running.is_some(), &tr("normal-scoring-running"));
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
            ui.label(tr("normal-results-placeholder"));
            return;
        };
        let prediction = &view.prediction;
        ui.heading(tr_with("normal-check-heading", &[("file", file_name(&prediction.file).into())]));
        ui.label(tr_with(
            "normal-result-line",
            &[
                ("rows", thousands(prediction.rows).into()),
                ("samples", thousands(prediction.samples).into()),
                ("alarm-events", prediction.alarm_count.into()),
                ("alarm-events-text", thousands(prediction.alarm_count).into()),
                ("alarm-samples", prediction.alarm_samples.into()),
                ("alarm-samples-text", thousands(prediction.alarm_samples).into()),
                ("threshold", number(prediction.threshold).into()),
                ("seconds", format!("{:.1}", prediction.seconds).into()),
                ("detector", crate::i18n::detector_choice_text(prediction.bundle.detector).into()),
            ],
        ));
        let stretches: Vec<(f64, f64)> = view.alarm_ranges.clone();
        if view.timeline.points() > 0 {
            ui.label(tr("normal-timeline-predict-caption"));
            let selected: Vec<usize> = self.selected_alarm.into_iter().collect();
            view.timeline.show(ui, "normal_predict_timeline", prediction.threshold, &[], &alarm_stretches(&stretches, &selected));
        }
        let mut clicked = None;
        ui.add_space(6.0);
        let listed = if (prediction.alarms.len() as u64) < prediction.alarm_count {
            tr_with(
                "normal-alarm-events-truncated",
                &[("count", thousands(prediction.alarm_count).into()), ("listed", prediction.alarms.len().to_string().into())],
            )
        } else {
            tr_with("predict-alarm-events", &[("count", prediction.alarms.len().to_string().into())])
        };
        ui.label(RichText::new(listed).strong());
        if prediction.alarms.is_empty() {
            ui.label(tr("normal-no-alarms"));
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
                ui.label(RichText::new(tr_with("predict-why-alarm", &[("index", alarm.index.to_string().into())])).strong());
                for tag in &alarm.top_tags {
                    ui.label(crate::i18n::tag_surprise_text(tag));
                }
                alarm_tags_chart(ui, alarm);
            });
        }
        tag_surprise_ui(ui, "normal_predict_tags", &view.timeline);
        ui.add_space(6.0);
        ui.label(RichText::new(tr_with("predict-input-warnings", &[("count", prediction.warnings.len().to_string().into())])).strong());
        if prediction.warnings.is_empty() {
            ui.label(tr("normal-no-input-warnings"));
        }
        for warning in &prediction.warnings {
            ui.horizontal_wrapped(|ui| {
                warning_badge(ui, warning.kind);
                ui.label(RichText::new(&warning.tag).strong());
                ui.label(tr_with("predict-warning-samples", &[("count", thousands(warning.count).into())]));
                ui.label(crate::i18n::input_warning_text(warning));
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
        let mut row = |name: String, value: String| {
            ui.label(RichText::new(name).weak());
            ui.label(value);
            ui.end_row();
        };
        row(tr("normal-detector-label"), crate::i18n::detector_choice_text(bundle.detector));
        row(tr("normal-summary-tags"), tr_with("normal-bundle-tags-value", &[("count", bundle.tags.len().to_string().into())]));
        row(tr("normal-summary-normal-rows"), thousands(bundle.normal_rows));
        row(tr("normal-column-threshold"), number(bundle.threshold));
        row(tr("normal-bundle-window"), tr_with("normal-steps-value", &[("count", bundle.window.to_string().into())]));
        row(tr("normal-bundle-smoothing"), tr_with("normal-steps-value", &[("count", bundle.smoothing.to_string().into())]));
    });
}

/// One alarm event in the list: when, how high, and which tags surprised most.
fn alarm_line(alarm: &NormalAlarm) -> String {
    let tags: Vec<&str> = alarm.top_tags.iter().take(3).map(|t| t.tag.as_str()).collect();
    tr_with(
        "normal-alarm-line",
        &[
            ("index", alarm.index.to_string().into()),
            ("start", place(alarm.start_ms, alarm.start_row).into()),
            ("end", place(alarm.end_ms, alarm.end_row).into()),
            ("peak", number(alarm.peak_score).into()),
            ("tags", if tags.is_empty() { "-".to_owned() } else { tags.join(", ") }.into()),
        ],
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
    let plot = Plot::new(("normal_alarm_tags", alarm.index)).height(22.0 * shown.len() as f32 + 50.0).x_axis_label(tr("plot-axis-surprise-at-peak"));
    crate::widgets::named_bar_chart(ui, plot, names, &tr("plot-series-surprise"), bars);
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
    fn plot(&self, id: &str, height: f32, y_label: String) -> Plot<'static> {
        let plot = Plot::new(id)
            .height(height)
            .legend(Legend::default())
            .y_axis_label(tr_with("plot-axis-log-scale", &[("label", y_label.into())]))
            .x_axis_label(if self.has_timestamps { tr("plot-axis-time") } else { tr("plot-axis-row") })
            .allow_scroll(false)
            .allow_double_click_reset(true);
        let plot = if self.has_timestamps { with_time_axis(plot) } else { plot };
        let has_timestamps = self.has_timestamps;
        plot.y_axis_formatter(|mark, _| number(10f64.powf(mark.value))).label_formatter(move |hover| {
            let (name, position) = match hover {
                HoverPosition::NearDataPoint { plot_name, position, .. } => (*plot_name, position),
                HoverPosition::Elsewhere { position } => ("", position),
            };
            let x =
                if has_timestamps { epoch_seconds(position.x) } else { tr_with("plot-hover-row", &[("row", position.x.round().to_string().into())]) };
            let y = number(10f64.powf(position.y));
            Some(if name.is_empty() { format!("{x}\n{y}") } else { format!("{name}\n{x}\n{y}") })
        })
    }

    /// The score with its threshold; labelled faults (red) and alarms (orange, a selected one
    /// darker) shaded; PCA's index below when there is one.
    pub fn show(&self, ui: &mut egui::Ui, id: &str, threshold: f64, faults: &[(f64, f64)], alarms: &[(f64, f64, bool)]) {
        let half = self.step / 2.0;
        self.plot(id, 220.0, tr("plot-series-surprise")).show(ui, |plot_ui| {
            for &(start, end) in faults {
                plot_ui.add(Span::new(tr("plot-series-fault-label"), (start - half)..=(end + half)).fill(theme::FAULT_SPAN).border_width(0.0));
            }
            for &(start, end, selected) in alarms {
                let fill = if selected { theme::ALARM_SPAN_SELECTED } else { theme::ALARM_SPAN };
                plot_ui.add(Span::new(tr("plot-series-alarm"), (start - half)..=(end + half)).fill(fill).border_width(0.0));
            }
            plot_ui.line(Line::new(tr("plot-series-surprise"), PlotPoints::Borrowed(&self.score)).color(theme::SERIES_RISK).width(1.2));
            plot_ui.add(
                HLine::new(tr_with("plot-series-threshold", &[("threshold", number(threshold).into())]), log_y(threshold)).color(theme::THRESHOLD),
            );
        });
        if !self.pca.is_empty() {
            ui.label(RichText::new(tr("normal-pca-caption")).weak());
            self.plot(&format!("{id}_pca"), 140.0, tr("plot-series-pca-index")).show(ui, |plot_ui| {
                for &(start, end) in faults {
                    plot_ui.add(Span::new(tr("plot-series-fault-label"), (start - half)..=(end + half)).fill(theme::FAULT_SPAN).border_width(0.0));
                }
                plot_ui.line(Line::new(tr("plot-series-pca-index"), PlotPoints::Borrowed(&self.pca)).color(theme::REFERENCE_LINE).width(1.0));
                plot_ui.add(HLine::new(tr("plot-series-limit-one"), log_y(1.0)).color(theme::THRESHOLD));
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
    ui.label(RichText::new(tr_with("normal-per-tag-heading", &[("count", timeline.tags.len().to_string().into())])).strong());

    timeline.plot(id, 200.0, tr("plot-axis-surprise-per-tag")).show(ui, |plot_ui| {
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
            code: String::new(),
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
            source_code: String::new(),
            source_args: Default::default(),
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
        assert_eq!(delay_text(&episode(Some(0), None)), tr("normal-delay-at-onset"));
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
