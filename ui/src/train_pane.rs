//! The Train pane: the run configuration with defaults and validation, Start/Cancel, live
//! curves while a model trains (epoch loss and accuracy, per-batch loss with a min/max band),
//! throughput, elapsed and ETA, and the runs list with open, delete and compare.

use std::collections::BTreeSet;

use egui::RichText;
use egui_plot::{FilledArea, Legend, Line, Plot, PlotPoints};
use plantlab_protocol::{
    ApiError, ClassMetrics, ClassWeighting, ColumnInfo, ColumnKind, DatasetSummary, EpochMetrics, GateDecision, ModelKind, RunComparison, RunDetail,
    RunEntry, RunStatus, RunSummary, SequenceMode, TaskId, TrainConfig, TrainDataInfo, TrainUpdate,
};

use crate::backend::{Backend, Request};
use crate::batch_history::BatchHistory;
use crate::format::thousands;
use crate::normal_model::{ModelFamily, NormalTrainer};
use crate::theme;

/// Buckets of the per-batch loss curve: each shows the mean and the min/max of its batches.
const BATCH_BUCKETS: usize = 300;

/// What the curves show: the run training now, or a run opened from the list.
#[derive(Default)]
struct Curves {
    title: String,
    /// The run shown, once known.
    run_id: Option<String>,
    data: Option<TrainDataInfo>,
    batches: BatchHistory,
    epochs: Vec<EpochMetrics>,
    summary: Option<RunSummary>,
}

/// The run in progress, as the status of the pane sees it.
struct Live {
    task: Option<TaskId>,
    started_at: f64,
    cancel_requested: bool,
}

#[derive(Default)]
pub struct TrainPane {
    config: TrainConfig,
    /// The data set the form was filled for; a new one resets target and exclusions.
    configured_for: Option<String>,
    override_gate: bool,
    live: Option<Live>,
    curves: Curves,
    runs: Vec<RunEntry>,
    selected: BTreeSet<String>,
    comparison: Option<RunComparison>,
    asked_runs: bool,
    confirm_delete: Option<String>,
    /// The app's frame-time p95 over the last seconds, shown while training.
    frame_p95_ms: Option<f64>,
    /// Columns of class weights made by the cleaning recipe: training never uses them as
    /// features, so the feature list shows them as such.
    class_weight_columns: Vec<String>,
    /// Which kind of model the form configures.
    family: ModelFamily,
    /// The normal-operation model's form, run and curves.
    normal: NormalTrainer,
    /// The curves area shows the normal-operation run (the last one started or finished)
    /// rather than a classifier's.
    showing_normal: bool,
}

impl TrainPane {
    pub fn set_class_weight_columns(&mut self, columns: Vec<String>) {
        self.class_weight_columns = columns;
    }

    pub fn set_frame_p95(&mut self, p95_ms: Option<f64>) {
        self.frame_p95_ms = p95_ms;
    }

    /// Epochs the run in progress was configured for (early stopping may end it sooner).
    pub fn planned_epochs(&self) -> u32 {
        self.config.epochs
    }

    pub fn is_training(&self) -> bool {
        self.live.is_some() || self.normal.is_training()
    }

    pub fn set_runs(&mut self, runs: Vec<RunEntry>) {
        self.selected.retain(|id| runs.iter().any(|r| &r.run_id == id));
        self.runs = runs;
    }

    pub fn set_run(&mut self, run: RunDetail) {
        self.comparison = None;
        self.showing_normal = false;
        self.curves = Curves {
            title: format!("Run {} ({}, {}, {})", run.entry.run_id, run.entry.model.as_str(), run.entry.mode_text(), run.entry.status.as_str()),
            run_id: Some(run.entry.run_id.clone()),
            data: run.data,
            batches: run.batches.into_iter().collect(),
            epochs: run.epochs,
            summary: run.summary,
        };
    }

    pub fn set_comparison(&mut self, comparison: RunComparison) {
        self.comparison = Some(comparison);
    }

    /// A task began; the pane owns it when it is a training run the pane started.
    pub fn task_started(&mut self, task: TaskId) {
        if let Some(live) = self.live.as_mut().filter(|l| l.task.is_none()) {
            live.task = Some(task);
        } else {
            self.normal.task_started(task);
        }
    }

    pub fn owns(&self, task: TaskId) -> bool {
        self.live.as_ref().and_then(|l| l.task) == Some(task) || self.normal.owns(task)
    }

    /// A task of this pane failed (`error`) or was cancelled (`None`).
    pub fn ended_without_result(&mut self, task: TaskId, error: Option<&ApiError>, backend: &mut dyn Backend) {
        if self.normal.owns(task) {
            self.normal.ended_without_result(error, backend);
        } else {
            self.finished(None, backend);
        }
    }

    /// Progress of a task of this pane (the linear predictor reports its stages this way).
    pub fn progress(&mut self, task: TaskId, fraction: f32, stage: &str) {
        if self.normal.owns(task) {
            self.normal.progress(fraction, stage);
        }
    }

    /// A normal-operation run ended with its summary.
    pub fn normal_finished(&mut self, summary: plantlab_protocol::NormalRunSummary, backend: &mut dyn Backend) {
        self.showing_normal = true;
        self.normal.finished(Some(summary), backend);
    }

    pub fn update(&mut self, update: TrainUpdate) {
        match update {
            TrainUpdate::Prepared { run_id, data, .. } => {
                self.curves = Curves { title: format!("Run {run_id} (training)"), run_id: Some(run_id), data: Some(data), ..Curves::default() };
            }
            TrainUpdate::Batch(batch) => self.curves.batches.push(batch),
            TrainUpdate::Epoch(epoch) => self.curves.epochs.push(epoch),
            TrainUpdate::NormalEpoch(epoch) => self.normal.epoch(epoch),
        }
    }

    /// The run ended (finished, failed or cancelled): the header says how, and the list is
    /// refreshed. Without a summary the run was cancelled (when the user asked) or failed.
    pub fn finished(&mut self, summary: Option<RunSummary>, backend: &mut dyn Backend) {
        let live = self.live.take();
        match summary {
            Some(summary) => {
                self.curves.title = format!("Run {} ({})", summary.run_id, summary.status.as_str());
                self.curves.summary = Some(summary);
            }
            None if live.is_some() => {
                let status = if live.as_ref().is_some_and(|l| l.cancel_requested) { RunStatus::Cancelled } else { RunStatus::Failed };
                self.curves.title = match &self.curves.run_id {
                    Some(run_id) => format!("Run {run_id} ({})", status.as_str()),
                    None => format!("Training {} before it started", status.as_str()),
                };
            }
            None => {}
        }
        backend.send(Request::ListRuns);
    }

    pub fn request_failed(&mut self, error: &ApiError) {
        // A start that failed before a task existed leaves nothing running.
        if self.live.as_ref().is_some_and(|l| l.task.is_none()) {
            self.live = None;
        }
        self.normal.request_failed(error);
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, dataset: Option<&DatasetSummary>, gate_passed: Option<bool>, now_s: f64, backend: &mut dyn Backend) {
        if !self.asked_runs {
            self.asked_runs = true;
            backend.send(Request::ListRuns);
        }
        // Side panels leave the curves at least ~40 % of a 1024-pixel window.
        let side = (ui.available_width() * 0.3).clamp(220.0, 340.0);
        egui::Panel::left("train_config").resizable(true).default_size(side).show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("train_config_scroll").show(ui, |ui| {
                self.config_form(ui, dataset, gate_passed, now_s, backend);
            });
        });
        egui::Panel::right("train_runs").resizable(true).default_size(side).show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("train_runs_scroll").show(ui, |ui| self.runs_list(ui, backend));
        });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("train_curves_scroll").show(ui, |ui| {
                if let Some(comparison) = &self.comparison {
                    comparison_ui(ui, comparison);
                } else if self.showing_normal || (self.family == ModelFamily::Normal && self.curves.title.is_empty()) {
                    self.normal.curves_ui(ui, now_s);
                } else {
                    self.curves_ui(ui, now_s);
                }
            });
        });
    }

    fn config_form(&mut self, ui: &mut egui::Ui, dataset: Option<&DatasetSummary>, gate_passed: Option<bool>, now_s: f64, backend: &mut dyn Backend) {
        ui.heading("Run configuration");
        let Some(dataset) = dataset else {
            ui.label("Open a data file first; training uses the open data (after the cleaning steps, if any).");
            return;
        };
        let family = self.family;
        crate::normal_model::family_choice(ui, &mut self.family);
        if self.family != family {
            self.comparison = None;
            self.showing_normal = self.family == ModelFamily::Normal && !self.normal.is_empty();
        }
        if self.family == ModelFamily::Normal {
            ui.separator();
            if self.normal.form_ui(ui, dataset, &self.class_weight_columns, now_s, backend) {
                self.comparison = None;
                self.showing_normal = true;
            }
            return;
        }
        if self.configured_for.as_deref() != Some(dataset.path.as_str()) {
            self.configured_for = Some(dataset.path.clone());
            self.config.target = default_target(&dataset.columns).unwrap_or_default();
            self.config.exclude.clear();
        }
        let columns: Vec<&ColumnInfo> = dataset.columns.iter().filter(|c| Some(c.name.as_str()) != dataset.timestamp_column.as_deref()).collect();
        let config = &mut self.config;
        egui::Grid::new("train_form").num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
            let label = ui.label("Target").id;
            egui::ComboBox::new("train_target", "")
                .selected_text(config.target.clone())
                .show_ui(ui, |ui| {
                    for column in &columns {
                        ui.selectable_value(&mut config.target, column.name.clone(), &column.name);
                    }
                })
                .response
                .labelled_by(label);
            ui.end_row();
            let label_model = ui.label("Model").id;
            egui::ComboBox::new("train_model", "")
                .selected_text(model_text(config.model))
                .show_ui(ui, |ui| {
                    for model in [ModelKind::Seed, ModelKind::Transformer, ModelKind::Mlp] {
                        ui.selectable_value(&mut config.model, model, model_text(model));
                    }
                })
                .response
                .labelled_by(label_model);
            ui.end_row();
            ui.label("Sequences");
            let mut windowed = matches!(config.mode, SequenceMode::Window { .. });
            ui.horizontal(|ui| {
                ui.radio_value(&mut windowed, false, "one per row");
                ui.radio_value(&mut windowed, true, "time windows");
            });
            ui.end_row();
            match (windowed, config.mode) {
                (false, SequenceMode::Window { .. }) => config.mode = SequenceMode::Row,
                (true, SequenceMode::Row) => config.mode = SequenceMode::Window { window: 16, stride: 4 },
                _ => {}
            }
            if let SequenceMode::Window { window, stride } = &mut config.mode {
                let label = ui.label("Window / stride (rows)").id;
                ui.horizontal(|ui| {
                    ui.add(egui::DragValue::new(window).range(2..=512)).labelled_by(label);
                    ui.add(egui::DragValue::new(stride).range(1..=512)).labelled_by(label);
                });
                ui.end_row();
            }
            let label = ui.label("Bins per tag").id;
            ui.add(egui::DragValue::new(&mut config.bins).range(2..=1024)).labelled_by(label);
            ui.end_row();
            let label = ui.label("Embedding size").id;
            ui.add(egui::DragValue::new(&mut config.embedding_dim).range(4..=1024)).labelled_by(label);
            ui.end_row();
            let label = ui.label("Batch size").id;
            ui.add(egui::DragValue::new(&mut config.batch_size).range(1..=8192)).labelled_by(label);
            ui.end_row();
            let label = ui.label("Learning rate").id;
            ui.add(egui::DragValue::new(&mut config.learning_rate).speed(0.0001).range(0.000001..=1.0).max_decimals(6)).labelled_by(label);
            ui.end_row();
            let label = ui.label("Epochs").id;
            ui.add(egui::DragValue::new(&mut config.epochs).range(1..=1000)).labelled_by(label);
            ui.end_row();
            let label = ui.label("Early stopping patience").id;
            let mut patience = config.patience.unwrap_or(0);
            ui.add(egui::DragValue::new(&mut patience).range(0..=100)).labelled_by(label).on_hover_text("0 = train every epoch");
            config.patience = (patience > 0).then_some(patience);
            ui.end_row();
            let label_weights = ui.label("Class weights").id;
            egui::ComboBox::new("train_weights", "")
                .selected_text(weighting_text(config.class_weighting))
                .show_ui(ui, |ui| {
                    for w in [ClassWeighting::Auto, ClassWeighting::On, ClassWeighting::Off] {
                        ui.selectable_value(&mut config.class_weighting, w, weighting_text(w));
                    }
                })
                .response
                .labelled_by(label_weights);
            ui.end_row();
            let label = ui.label("Split train / val / test").id;
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut config.split.train).speed(0.01).range(0.05..=0.95).max_decimals(2)).labelled_by(label);
                ui.add(egui::DragValue::new(&mut config.split.validation).speed(0.01).range(0.0..=0.9).max_decimals(2)).labelled_by(label);
                ui.add(egui::DragValue::new(&mut config.split.test).speed(0.01).range(0.0..=0.9).max_decimals(2)).labelled_by(label);
            });
            ui.end_row();
            let label = ui.label("Seed").id;
            ui.add(egui::DragValue::new(&mut config.seed)).labelled_by(label);
            ui.end_row();
        });
        egui::CollapsingHeader::new(format!("Features ({} excluded)", config.exclude.len())).id_salt("train_features").show(ui, |ui| {
            ui.label("Untick identifiers and columns that leak the label (e.g. failure-mode flags).");
            for column in &columns {
                if column.name == config.target {
                    continue;
                }
                if self.class_weight_columns.contains(&column.name) {
                    ui.add_enabled(
                        false,
                        egui::Checkbox::new(&mut false, format!("{} (class weights from the cleaning recipe, never a feature)", column.name)),
                    );
                    continue;
                }
                let mut used = !config.exclude.contains(&column.name);
                let kind = match column.kind {
                    ColumnKind::Numeric => "numeric",
                    ColumnKind::Boolean => "boolean",
                    _ => "categorical",
                };
                if ui.checkbox(&mut used, format!("{} ({kind})", column.name)).changed() {
                    if used {
                        config.exclude.retain(|c| c != &column.name);
                    } else {
                        config.exclude.push(column.name.clone());
                    }
                }
            }
        });
        ui.separator();
        let problems = validate(config, dataset);
        for problem in &problems {
            ui.label(RichText::new(problem).color(theme::BAD_TEXT));
        }
        let gate_blocks = gate_passed == Some(false);
        if gate_blocks {
            ui.label(RichText::new("The quality gate fails (see Clean).").color(theme::WARNING_TEXT));
            ui.checkbox(&mut self.override_gate, "Train anyway (the override is recorded with the run)");
        }
        let can_start = problems.is_empty() && self.live.is_none() && (!gate_blocks || self.override_gate);
        ui.horizontal(|ui| {
            if ui.add_enabled(can_start, egui::Button::new("Start training")).clicked() {
                let mut config = self.config.clone();
                config.gate = gate_passed.map(|passed| GateDecision { passed, overridden: !passed && self.override_gate });
                self.live = Some(Live { task: None, started_at: now_s, cancel_requested: false });
                self.comparison = None;
                self.curves = Curves { title: "Starting…".into(), ..Curves::default() };
                backend.send(Request::StartTrain(Box::new(config)));
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
    }

    fn curves_ui(&mut self, ui: &mut egui::Ui, now_s: f64) {
        let curves = &self.curves;
        if curves.title.is_empty() {
            ui.heading("Training curves");
            ui.label("Start a run, or open one from the list, to see its loss and accuracy curves.");
            return;
        }
        ui.heading(&curves.title);
        if let Some(data) = &curves.data {
            let shares: Vec<String> = data
                .classes
                .iter()
                .zip(&data.class_shares)
                .zip(data.class_weights.iter().copied().chain(std::iter::repeat(1.0)))
                .map(|((c, s), w)| if w == 1.0 { format!("{c}: {:.1}%", s * 100.0) } else { format!("{c}: {:.1}% (weight {w:.2})", s * 100.0) })
                .collect();
            let source = data.class_weights_from.as_ref().map(|c| format!("; class weights from the cleaning step's column {c}")).unwrap_or_default();
            ui.label(format!(
                "{} train / {} validation / {} test samples; {} features; vocabulary {}; classes {}{source}",
                thousands(data.train_samples),
                thousands(data.validation_samples),
                thousands(data.test_samples),
                data.features.len(),
                thousands(u64::from(data.vocab_size)),
                shares.join(", ")
            ));
        }
        if let Some(live) = &self.live {
            let elapsed = (now_s - live.started_at).max(0.0);
            let mut line = format!("Elapsed {}", clock(elapsed));
            if let Some(last) = curves.batches.last() {
                let epochs = self.config.epochs.max(1);
                let done = f64::from(last.epoch - 1) * f64::from(last.batches) + f64::from(last.batch);
                let total = f64::from(epochs) * f64::from(last.batches.max(1));
                if done > 0.0 {
                    let eta = elapsed / done * (total - done).max(0.0);
                    line.push_str(&format!(
                        ", epoch {}/{epochs}, batch {}/{}, ETA {} (if no early stop)",
                        last.epoch,
                        last.batch,
                        last.batches,
                        clock(eta)
                    ));
                }
            }
            if let Some(epoch) = curves.epochs.last() {
                line.push_str(&format!(", {} samples/s", thousands(epoch.samples_per_s.round() as u64)));
            }
            if let Some(p95) = self.frame_p95_ms {
                line.push_str(&format!(", UI frame p95 {p95:.1} ms"));
            }
            ui.label(line);
        }
        if let Some(summary) = &curves.summary {
            summary_ui(ui, summary);
        }
        let width = ui.available_width();
        // Side by side when there is room, else one above the other: never past the edge.
        if width >= 440.0 {
            let half = (width - ui.spacing().item_spacing.x) / 2.0 - 1.0;
            ui.horizontal(|ui| {
                ui.vertical(|ui| {
                    ui.label("Loss per epoch");
                    epoch_plot(ui, "loss_plot", half, &curves.epochs, |e| e.train_loss, |e| e.val_loss);
                });
                ui.vertical(|ui| {
                    ui.label("Accuracy per epoch");
                    epoch_plot(ui, "accuracy_plot", half, &curves.epochs, |e| e.train_accuracy, |e| e.val_accuracy);
                });
            });
        } else {
            ui.label("Loss per epoch");
            epoch_plot(ui, "loss_plot", width, &curves.epochs, |e| e.train_loss, |e| e.val_loss);
            ui.label("Accuracy per epoch");
            epoch_plot(ui, "accuracy_plot", width, &curves.epochs, |e| e.train_accuracy, |e| e.val_accuracy);
        }
        ui.label("Loss per batch (line: mean of each group of batches; band: its min and max, so spikes stay visible)");
        Plot::new("batch_plot").height(200.0).legend(Legend::default()).x_axis_label("epoch").show(ui, |plot_ui| {
            let band = batch_band(&curves.batches, BATCH_BUCKETS);
            if band.x.is_empty() {
                return;
            }
            plot_ui.add(FilledArea::new("min-max", &band.x, &band.min, &band.max).fill_color(theme::SERIES_TRAINING.gamma_multiply(0.3)));
            let mean: PlotPoints = band.x.iter().zip(&band.mean).map(|(&x, &y)| [x, y]).collect();
            plot_ui.line(Line::new("batch loss", mean).color(theme::SERIES_TRAINING));
        });
    }

    fn runs_list(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        ui.horizontal(|ui| {
            ui.heading("Runs");
            if ui.button("Refresh").clicked() {
                backend.send(Request::ListRuns);
            }
        });
        if self.runs.is_empty() {
            ui.label("No runs yet.");
            return;
        }
        let compare_enabled = self.selected.len() >= 2;
        if ui.add_enabled(compare_enabled, egui::Button::new("Compare selected")).on_disabled_hover_text("Tick two or more runs").clicked() {
            backend.send(Request::CompareRuns(self.selected.iter().cloned().collect()));
        }
        let mut open = None;
        let mut delete = None;
        for run in &self.runs {
            ui.separator();
            ui.push_id(&run.run_id, |ui| {
                ui.horizontal_wrapped(|ui| {
                    let mut ticked = self.selected.contains(&run.run_id);
                    if ui.checkbox(&mut ticked, "").on_hover_text("Select for comparison").changed() {
                        if ticked {
                            self.selected.insert(run.run_id.clone());
                        } else {
                            self.selected.remove(&run.run_id);
                        }
                    }
                    ui.label(RichText::new(&run.run_id).strong());
                    ui.label(run.status.as_str());
                });
                if let Some(text) = crate::normal_model::run_text(run) {
                    ui.label(text);
                } else {
                    ui.label(format!(
                        "{} on \"{}\", {} epochs (best {}), {}",
                        run.model.as_str(),
                        run.target,
                        run.epochs_run,
                        run.best_epoch,
                        run.created
                    ));
                    ui.label(run.mode_text());
                }
                if let (Some(roc), Some(pr)) = (run.test_roc_auc, run.test_pr_auc) {
                    ui.label(format!("test ROC-AUC {roc:.3}, PR-AUC {pr:.3}"));
                }
                if !run.message.is_empty() {
                    ui.label(RichText::new(&run.message).weak());
                }
                ui.horizontal(|ui| {
                    if ui.button("Open").clicked() {
                        open = Some(run.run_id.clone());
                    }
                    let running = run.status == RunStatus::Running;
                    if self.confirm_delete.as_deref() == Some(run.run_id.as_str()) {
                        if ui.button("Really delete").clicked() {
                            delete = Some(run.run_id.clone());
                        }
                        if ui.button("Keep").clicked() {
                            self.confirm_delete = None;
                        }
                    } else if ui.add_enabled(!running, egui::Button::new("Delete")).clicked() {
                        self.confirm_delete = Some(run.run_id.clone());
                    }
                });
            });
        }
        if let Some(run_id) = open {
            backend.send(Request::OpenRun { run_id });
        }
        if let Some(run_id) = delete {
            self.confirm_delete = None;
            self.selected.remove(&run_id);
            backend.send(Request::DeleteRun { run_id });
        }
    }
}

fn summary_ui(ui: &mut egui::Ui, summary: &RunSummary) {
    ui.label(RichText::new(&summary.message).strong());
    let Some(test) = &summary.test else { return };
    let metric = |v: Option<f64>| v.map_or("n/a".to_owned(), |v| format!("{v:.3}"));
    ui.label(format!(
        "Test (best epoch {}): accuracy {:.3} (majority-class baseline {:.3}), balanced accuracy {:.3}, F1 {:.3}, ROC-AUC {}, PR-AUC {}",
        summary.best_epoch,
        test.accuracy,
        summary.majority_accuracy,
        test.balanced_accuracy,
        test.f1,
        metric(test.roc_auc),
        metric(test.pr_auc)
    ));
}

fn comparison_ui(ui: &mut egui::Ui, comparison: &RunComparison) {
    ui.heading(format!("Comparing {} runs", comparison.runs.len()));
    ui.label(RichText::new("Test metrics (best epoch, test split)").strong());
    egui::ScrollArea::horizontal().id_salt("compare_metrics_scroll").show(ui, |ui| {
        egui::Grid::new("compare_metrics").striped(true).show(ui, |ui| {
            ui.label("metric");
            for run in &comparison.runs {
                ui.label(RichText::new(&run.entry.run_id).strong());
            }
            ui.end_row();
            ui.label("mode");
            for run in &comparison.runs {
                ui.label(run.entry.mode_text());
            }
            ui.end_row();
            let metric = |v: Option<f64>| v.filter(|v| v.is_finite()).map_or("n/a".to_owned(), |v| format!("{v:.3}"));
            type MetricOf = fn(&ClassMetrics) -> Option<f64>;
            let rows: [(&str, MetricOf); 7] = [
                ("accuracy", |t| Some(t.accuracy)),
                ("balanced accuracy", |t| Some(t.balanced_accuracy)),
                ("precision", |t| Some(t.precision)),
                ("recall", |t| Some(t.recall)),
                ("F1", |t| Some(t.f1)),
                ("ROC-AUC", |t| t.roc_auc),
                ("PR-AUC", |t| t.pr_auc),
            ];
            for (name, value) in rows {
                ui.label(name);
                for run in &comparison.runs {
                    ui.label(metric(run.summary.as_ref().and_then(|s| s.test.as_ref()).and_then(value)));
                }
                ui.end_row();
            }
            ui.label("majority baseline accuracy");
            for run in &comparison.runs {
                ui.label(metric(run.summary.as_ref().filter(|s| s.test.is_some()).map(|s| s.majority_accuracy)));
            }
            ui.end_row();
        });
    });
    Plot::new("compare_plot").height(260.0).legend(Legend::default()).x_axis_label("epoch").y_axis_label("validation loss").show(ui, |plot_ui| {
        for (i, run) in comparison.runs.iter().enumerate() {
            let color = theme::RUN_PALETTE[i % theme::RUN_PALETTE.len()];
            let points: PlotPoints = run.epochs.iter().map(|e| [f64::from(e.epoch), e.val_loss]).collect();
            plot_ui.line(Line::new(format!("{} val loss", run.entry.run_id), points).color(color));
            let train: PlotPoints = run.epochs.iter().map(|e| [f64::from(e.epoch), e.train_loss]).collect();
            plot_ui.line(
                Line::new(format!("{} train loss", run.entry.run_id), train)
                    .color(color.gamma_multiply(0.5))
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
        }
    });
    ui.label(RichText::new("Settings that differ").strong());
    if comparison.differences.is_empty() {
        ui.label("None: the runs used the same configuration and recipe.");
    }
    egui::ScrollArea::horizontal().id_salt("compare_differences_scroll").show(ui, |ui| {
        egui::Grid::new("differences").striped(true).show(ui, |ui| {
            ui.label("setting");
            for run in &comparison.runs {
                ui.label(RichText::new(&run.entry.run_id).strong());
            }
            ui.end_row();
            for difference in &comparison.differences {
                ui.label(&difference.field);
                for value in &difference.values {
                    ui.label(value.as_deref().unwrap_or("-"));
                }
                ui.end_row();
            }
        })
    });
}

fn epoch_plot(ui: &mut egui::Ui, id: &str, width: f32, epochs: &[EpochMetrics], train: fn(&EpochMetrics) -> f64, val: fn(&EpochMetrics) -> f64) {
    Plot::new(id).width(width).height(220.0).legend(Legend::default()).x_axis_label("epoch").show(ui, |plot_ui| {
        let train_points: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), train(e)]).collect();
        let val_points: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), val(e)]).collect();
        plot_ui.line(Line::new("train", train_points).color(theme::SERIES_TRAINING));
        plot_ui.line(Line::new("validation", val_points).color(theme::SERIES_VALIDATION));
        let best: PlotPoints = epochs.iter().filter(|e| e.best).map(|e| [f64::from(e.epoch), val(e)]).collect();
        plot_ui.points(egui_plot::Points::new("best so far", best).radius(4.0).color(theme::SERIES_VALIDATION));
    });
}

/// The per-batch loss reduced to at most `buckets` groups: x = fractional epoch.
#[derive(Debug, Default, PartialEq)]
pub struct Band {
    pub x: Vec<f64>,
    pub mean: Vec<f64>,
    pub min: Vec<f64>,
    pub max: Vec<f64>,
}

pub fn batch_band(batches: &BatchHistory, buckets: usize) -> Band {
    let spans = batches.spans();
    let mut band = Band::default();
    if spans.is_empty() || buckets == 0 {
        return band;
    }
    let per_bucket = spans.len().div_ceil(buckets);
    for group in spans.chunks(per_bucket) {
        let (lo, hi) = group.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| (lo.min(s.min), hi.max(s.max)));
        let count: u64 = group.iter().map(|s| s.count).sum();
        let mean = group.iter().map(|s| s.sum).sum::<f64>() / count.max(1) as f64;
        let last = &group[group.len() - 1].last;
        band.x.push(f64::from(last.epoch - 1) + f64::from(last.batch) / f64::from(last.batches.max(1)));
        band.mean.push(mean);
        band.min.push(lo);
        band.max.push(hi);
    }
    band
}

/// Problems that keep the run from starting, in words.
fn validate(config: &TrainConfig, dataset: &DatasetSummary) -> Vec<String> {
    let mut problems = Vec::new();
    if config.target.is_empty() {
        problems.push("Choose a target column (the label to predict).".to_owned());
    } else if !dataset.columns.iter().any(|c| c.name == config.target) {
        problems.push(format!("The target \"{}\" is not a column of the open data.", config.target));
    }
    let split = config.split.train + config.split.validation + config.split.test;
    if (split - 1.0).abs() > 0.001 {
        problems.push(format!("The split fractions add up to {split:.2}; they must add up to 1."));
    }
    if config.split.validation <= 0.0 {
        problems.push("Keep a validation part: early stopping and the best epoch need it.".to_owned());
    }
    let features = dataset
        .columns
        .iter()
        .filter(|c| c.name != config.target && !config.exclude.contains(&c.name) && Some(c.name.as_str()) != dataset.timestamp_column.as_deref())
        .count();
    if features == 0 {
        problems.push("No feature columns are left; tick at least one under Features.".to_owned());
    }
    if config.model == ModelKind::Transformer && !config.embedding_dim.is_multiple_of(4) {
        problems.push("The transformer has 4 heads: its embedding size must be a multiple of 4.".to_owned());
    }
    problems
}

/// A column that looks like a label: its name says fault/failure/label, or it is boolean.
pub(crate) fn default_target(columns: &[ColumnInfo]) -> Option<String> {
    let named = columns.iter().find(|c| {
        let lower = c.name.to_lowercase();
        ["fault", "failure", "label", "alarm", "trip"].iter().any(|w| lower.contains(w))
    });
    named.or_else(|| columns.iter().find(|c| c.kind == ColumnKind::Boolean)).map(|c| c.name.clone())
}

fn model_text(model: ModelKind) -> &'static str {
    match model {
        ModelKind::Seed => "Embedding + mean pool (origin)",
        ModelKind::Transformer => "Small transformer",
        ModelKind::Mlp => "MLP baseline (numeric)",
    }
}

fn weighting_text(weighting: ClassWeighting) -> &'static str {
    match weighting {
        ClassWeighting::Auto => "auto (rare class < 20%)",
        ClassWeighting::On => "on",
        ClassWeighting::Off => "off",
    }
}

/// Seconds as `m:ss` or `h:mm:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantlab_protocol::BatchMetrics;

    fn batch(epoch: u32, batch: u32, loss: f64) -> BatchMetrics {
        BatchMetrics { epoch, batch, batches: 10, loss, accuracy: 0.5 }
    }

    #[test]
    fn the_band_keeps_a_spike_that_the_mean_smooths() {
        let mut batches: Vec<BatchMetrics> = (1..=10).map(|b| batch(1, b, 0.5)).collect();
        batches[4].loss = 9.0;
        let band = batch_band(&batches.into_iter().collect(), 2);
        assert_eq!(band.x.len(), 2);
        assert_eq!(band.max[0], 9.0, "the spike is in the band");
        assert!(band.mean[0] < 9.0 && band.mean[0] > 0.5);
        assert_eq!(band.min[1], 0.5);
        assert_eq!(band.x[1], 1.0, "x is the fractional epoch of the group's last batch");
    }

    #[test]
    fn non_finite_losses_are_left_out_of_the_band() {
        let batches = vec![batch(1, 1, f64::NAN), batch(1, 2, 0.25)];
        let band = batch_band(&batches.into_iter().collect(), 10);
        assert_eq!(band.mean, vec![0.25]);
    }

    #[test]
    fn clock_reads_naturally() {
        assert_eq!(clock(5.0), "0:05");
        assert_eq!(clock(125.0), "2:05");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
