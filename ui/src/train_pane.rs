//! The Train pane: the run configuration with defaults and validation, Start/Cancel, live
//! curves while a model trains (epoch loss and accuracy, per-batch loss with a min/max band),
//! throughput, elapsed and ETA, and the runs list with open, delete and compare.

use std::collections::BTreeSet;

use egui::RichText;
use egui_plot::{FilledArea, Legend, Line, Plot, PlotPoints};
use plantlab_protocol::{
    format_duration, ApiError, ClassMetrics, ClassWeighting, ColumnInfo, ColumnKind, DatasetSummary, EpochMetrics, GateDecision, ModelKind,
    RunComparison, RunDetail, RunEntry, RunStatus, RunSummary, SequenceMode, TaskId, TrainConfig, TrainDataInfo, TrainUpdate, TreeSettings,
};

use crate::backend::{Backend, Request};
use crate::batch_history::BatchHistory;
use crate::format::thousands;
use crate::i18n::{tr, tr_with};
use crate::normal_model::{ModelFamily, NormalTrainer};
use crate::theme;

/// Buckets of the per-batch loss curve: each shows the mean and the min/max of its batches.
const BATCH_BUCKETS: usize = 300;

/// What the curves show: the run training now, or a run opened from the list.
#[derive(Default)]
struct Curves {
    /// Worded when drawn, so it follows a language switch.
    title: Option<Title>,
    /// The run shown, once known.
    run_id: Option<String>,
    data: Option<TrainDataInfo>,
    batches: BatchHistory,
    epochs: Vec<EpochMetrics>,
    summary: Option<RunSummary>,
    /// The model of the run shown: a trees run counts boosting rounds, not epochs.
    model: Option<ModelKind>,
}

/// The heading over the curves.
enum Title {
    Starting,
    Training { run: String },
    Ended { run: Option<String>, status: RunStatus },
    Opened { run: String, model: ModelKind, mode: String, status: RunStatus },
}

impl Title {
    fn text(&self) -> String {
        match self {
            Title::Starting => tr("train-starting"),
            Title::Training { run } => tr_with("train-run-title-training", &[("run", run.into())]),
            Title::Ended { run: Some(run), status } => {
                tr_with("train-run-title", &[("run", run.into()), ("status", crate::i18n::run_status(*status).into())])
            }
            Title::Ended { run: None, status } => tr_with("train-run-title-before-start", &[("status", crate::i18n::run_status(*status).into())]),
            Title::Opened { run, model, mode, status } => tr_with(
                "train-run-title-full",
                &[("run", run.into()), ("model", model.as_str().into()), ("mode", mode.into()), ("status", crate::i18n::run_status(*status).into())],
            ),
        }
    }
}

impl Curves {
    fn counts_rounds(&self) -> bool {
        self.model == Some(ModelKind::Trees)
    }
}

/// The run in progress, as the status of the pane sees it.
struct Live {
    task: Option<TaskId>,
    started_at: f64,
    cancel_requested: bool,
    /// Epochs (boosting rounds for trees) the run was started with; the form may change since.
    planned_epochs: u32,
}

/// Default length of window features when the user turns them on.
const DEFAULT_FEATURE_WINDOW: u32 = 16;
/// Longest window of window features the engine accepts.
const MAX_FEATURE_WINDOW: u32 = 4096;
/// Most numeric tags the engine multiplies pairwise; more would add too many features.
const MAX_INTERACTION_TAGS: usize = 24;

/// What the dense models (MLP, trees) add to each row, kept aside while a token model is
/// chosen, since the engine refuses both for the token models.
#[derive(Default)]
struct DenseExtras {
    feature_window: Option<u32>,
    interactions: bool,
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
    /// The open data's sampling interval, so a window of samples also reads as time.
    sampling_interval_s: Option<f64>,
    /// The past each family of models saw, kept while the other family is chosen: the token
    /// models' sequence mode and the dense models' window features and tag-pair products.
    token_mode: SequenceMode,
    dense_extras: DenseExtras,
}

impl TrainPane {
    pub fn set_class_weight_columns(&mut self, columns: Vec<String>) {
        self.class_weight_columns = columns;
    }

    pub fn set_frame_p95(&mut self, p95_ms: Option<f64>) {
        self.frame_p95_ms = p95_ms;
    }

    pub fn set_sampling_interval(&mut self, interval_s: Option<f64>) {
        self.sampling_interval_s = interval_s;
    }

    /// Epochs (boosting rounds for trees) the run in progress was configured for; early
    /// stopping may end it sooner. Without a run, what the form would start.
    pub fn planned_epochs(&self) -> u32 {
        self.live.as_ref().map_or_else(|| planned_epochs(&self.config), |live| live.planned_epochs)
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
            title: Some(Title::Opened {
                run: run.entry.run_id.clone(),
                model: run.entry.model,
                mode: run.entry.mode_text(),
                status: run.entry.status,
            }),
            run_id: Some(run.entry.run_id.clone()),
            data: run.data,
            batches: run.batches.into_iter().collect(),
            epochs: run.epochs,
            summary: run.summary,
            model: Some(run.config.model),
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
                let title = Some(Title::Training { run: run_id.clone() });
                let model = self.curves.model;
                self.curves = Curves { title, run_id: Some(run_id), data: Some(data), model, ..Curves::default() };
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
                self.curves.title = Some(Title::Ended { run: Some(summary.run_id.clone()), status: summary.status });
                self.curves.summary = Some(summary);
            }
            None if live.is_some() => {
                let status = if live.as_ref().is_some_and(|l| l.cancel_requested) { RunStatus::Cancelled } else { RunStatus::Failed };
                self.curves.title = Some(Title::Ended { run: self.curves.run_id.clone(), status });
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
                } else if self.showing_normal || (self.family == ModelFamily::Normal && self.curves.title.is_none()) {
                    self.normal.curves_ui(ui, now_s);
                } else {
                    self.curves_ui(ui, now_s);
                }
            });
        });
    }

    fn config_form(&mut self, ui: &mut egui::Ui, dataset: Option<&DatasetSummary>, gate_passed: Option<bool>, now_s: f64, backend: &mut dyn Backend) {
        ui.heading(tr("train-config-heading"));
        let Some(dataset) = dataset else {
            ui.label(tr("train-open-data-first"));
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
        let (token_mode, dense_extras) = (&mut self.token_mode, &mut self.dense_extras);
        let numeric_tags = numeric_feature_count(&columns, config, &self.class_weight_columns);
        let interval = self.sampling_interval_s;
        egui::Grid::new("train_form").num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
            let label = ui.label(tr("train-target-label")).id;
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
            let label_model = ui.label(tr("train-model-label")).id;
            let previous_model = config.model;
            egui::ComboBox::new("train_model", "")
                .selected_text(model_text(config.model))
                .show_ui(ui, |ui| {
                    for model in [ModelKind::Seed, ModelKind::Transformer, ModelKind::Mlp, ModelKind::Trees] {
                        ui.selectable_value(&mut config.model, model, model_text(model));
                    }
                })
                .response
                .labelled_by(label_model);
            ui.end_row();
            switch_model_family(config, previous_model, token_mode, dense_extras);
            if config.model.dense_input() {
                feature_window_ui(ui, config, interval);
                interactions_ui(ui, config, numeric_tags);
            } else {
                sequence_mode_ui(ui, config, interval);
            }
            // Quantile bins make the token models' vocabulary; the dense models read the values.
            if !config.model.dense_input() {
                let label = ui.label(tr("train-bins-label")).id;
                ui.add(egui::DragValue::new(&mut config.bins).range(2..=1024)).labelled_by(label);
                ui.end_row();
            }
            if config.model == ModelKind::Trees {
                tree_settings_ui(ui, &mut config.trees);
            } else {
                network_settings_ui(ui, config);
            }
            let label_weights = ui.label(tr("train-class-weights-label")).id;
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
            let label = ui.label(tr("train-split-label")).id;
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut config.split.train).speed(0.01).range(0.05..=0.95).max_decimals(2)).labelled_by(label);
                ui.add(egui::DragValue::new(&mut config.split.validation).speed(0.01).range(0.0..=0.9).max_decimals(2)).labelled_by(label);
                ui.add(egui::DragValue::new(&mut config.split.test).speed(0.01).range(0.0..=0.9).max_decimals(2)).labelled_by(label);
            });
            ui.end_row();
            let label = ui.label(tr("train-seed-label")).id;
            ui.add(egui::DragValue::new(&mut config.seed)).labelled_by(label);
            ui.end_row();
        });
        egui::CollapsingHeader::new(tr_with("train-features-heading", &[("excluded", config.exclude.len().to_string().into())]))
            .id_salt("train_features")
            .show(ui, |ui| {
                ui.label(tr("train-features-hint"));
                for column in &columns {
                    if column.name == config.target {
                        continue;
                    }
                    if self.class_weight_columns.contains(&column.name) {
                        ui.add_enabled(
                            false,
                            egui::Checkbox::new(&mut false, tr_with("train-feature-weight-column", &[("column", (&column.name).into())])),
                        );
                        continue;
                    }
                    let mut used = !config.exclude.contains(&column.name);
                    let kind = match column.kind {
                        ColumnKind::Numeric => tr("train-kind-numeric"),
                        ColumnKind::Boolean => tr("train-kind-boolean"),
                        _ => tr("train-kind-categorical"),
                    };
                    if ui.checkbox(&mut used, tr_with("train-feature-column", &[("column", (&column.name).into()), ("kind", kind.into())])).changed()
                    {
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
            ui.label(RichText::new(tr("train-gate-fails")).color(theme::WARNING_TEXT));
            ui.checkbox(&mut self.override_gate, tr("train-override-gate"));
        }
        let can_start = problems.is_empty() && self.live.is_none() && (!gate_blocks || self.override_gate);
        ui.horizontal(|ui| {
            if ui.add_enabled(can_start, egui::Button::new(tr("train-start-button"))).clicked() {
                let mut config = self.config.clone();
                config.gate = gate_passed.map(|passed| GateDecision { passed, overridden: !passed && self.override_gate });
                self.live = Some(Live { task: None, started_at: now_s, cancel_requested: false, planned_epochs: planned_epochs(&config) });
                self.comparison = None;
                self.curves = Curves { title: Some(Title::Starting), model: Some(config.model), ..Curves::default() };
                backend.send(Request::StartTrain(Box::new(config)));
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
    }

    fn curves_ui(&mut self, ui: &mut egui::Ui, now_s: f64) {
        let curves = &self.curves;
        let Some(title) = &curves.title else {
            ui.heading(tr("train-curves-heading"));
            ui.label(tr("train-curves-empty"));
            return;
        };
        ui.heading(title.text());
        if let Some(data) = &curves.data {
            let shares: Vec<String> = data
                .classes
                .iter()
                .zip(&data.class_shares)
                .zip(data.class_weights.iter().copied().chain(std::iter::repeat(1.0)))
                .map(|((c, s), w)| {
                    let share = format!("{:.1}", s * 100.0);
                    if w == 1.0 {
                        tr_with("train-class-share", &[("class", c.into()), ("share", share.into())])
                    } else {
                        tr_with("train-class-share-weighted", &[("class", c.into()), ("share", share.into()), ("weight", format!("{w:.2}").into())])
                    }
                })
                .collect();
            let source = data.class_weights_from.as_ref().map(|c| tr_with("train-class-weights-source", &[("column", c.into())])).unwrap_or_default();
            ui.label(tr_with(
                "train-data-summary",
                &[
                    ("train", thousands(data.train_samples).into()),
                    ("validation", thousands(data.validation_samples).into()),
                    ("test", thousands(data.test_samples).into()),
                    ("features", data.features.len().to_string().into()),
                    ("vocabulary", thousands(u64::from(data.vocab_size)).into()),
                    ("classes", shares.join(", ").into()),
                    ("source", source.into()),
                ],
            ));
        }
        if let Some(live) = &self.live {
            let elapsed = (now_s - live.started_at).max(0.0);
            let mut line = tr_with("train-progress-elapsed", &[("elapsed", clock(elapsed).into())]);
            let rounds = curves.counts_rounds();
            // Trees stream no batches: their progress is in rounds.
            if let (true, Some(last)) = (rounds, curves.epochs.last()) {
                let planned = live.planned_epochs.max(1);
                let done = f64::from(last.epoch);
                let eta = elapsed / done.max(1.0) * (f64::from(planned) - done).max(0.0);
                line.push_str(&tr_with(
                    "train-progress-round",
                    &[("round", last.epoch.to_string().into()), ("rounds", planned.to_string().into()), ("eta", clock(eta).into())],
                ));
            } else if let Some(last) = curves.batches.last() {
                let epochs = live.planned_epochs.max(1);
                let done = f64::from(last.epoch - 1) * f64::from(last.batches) + f64::from(last.batch);
                let total = f64::from(epochs) * f64::from(last.batches.max(1));
                if done > 0.0 {
                    let eta = elapsed / done * (total - done).max(0.0);
                    line.push_str(&tr_with(
                        "train-progress-epoch",
                        &[
                            ("epoch", last.epoch.to_string().into()),
                            ("epochs", epochs.to_string().into()),
                            ("batch", last.batch.to_string().into()),
                            ("batches", last.batches.to_string().into()),
                            ("eta", clock(eta).into()),
                        ],
                    ));
                }
            }
            if let Some(epoch) = curves.epochs.last() {
                line.push_str(&tr_with("train-progress-speed", &[("speed", thousands(epoch.samples_per_s.round() as u64).into())]));
            }
            if let Some(p95) = self.frame_p95_ms {
                line.push_str(&tr_with("train-progress-frame", &[("p95", format!("{p95:.1}").into())]));
            }
            ui.label(line);
        }
        if let Some(summary) = &curves.summary {
            summary_ui(ui, summary, curves.model);
        }
        let rounds = curves.counts_rounds();
        let (loss_title, accuracy_title) = if rounds {
            (tr("train-loss-per-round"), tr("train-accuracy-per-round"))
        } else {
            (tr("train-loss-per-epoch"), tr("train-accuracy-per-epoch"))
        };
        let axis = if rounds { tr("plot-axis-round") } else { tr("plot-axis-epoch") };
        let width = ui.available_width();
        // Side by side when there is room, else one above the other: never past the edge.
        if width >= 440.0 {
            let half = (width - ui.spacing().item_spacing.x) / 2.0 - 1.0;
            ui.horizontal(|ui| {
                ui.vertical(|ui| {
                    ui.label(&loss_title);
                    epoch_plot(ui, "loss_plot", half, &axis, &curves.epochs, |e| e.train_loss, |e| e.val_loss);
                });
                ui.vertical(|ui| {
                    ui.label(&accuracy_title);
                    epoch_plot(ui, "accuracy_plot", half, &axis, &curves.epochs, |e| e.train_accuracy, |e| e.val_accuracy);
                });
            });
        } else {
            ui.label(&loss_title);
            epoch_plot(ui, "loss_plot", width, &axis, &curves.epochs, |e| e.train_loss, |e| e.val_loss);
            ui.label(&accuracy_title);
            epoch_plot(ui, "accuracy_plot", width, &axis, &curves.epochs, |e| e.train_accuracy, |e| e.val_accuracy);
        }
        if rounds {
            // Boosting has no batches; a round is one pass over all training rows.
            return;
        }
        ui.label(tr("train-loss-per-batch"));
        Plot::new("batch_plot").height(200.0).legend(Legend::default()).x_axis_label(tr("plot-axis-epoch")).show(ui, |plot_ui| {
            let band = batch_band(&curves.batches, BATCH_BUCKETS);
            if band.x.is_empty() {
                return;
            }
            plot_ui
                .add(FilledArea::new(tr("train-plot-min-max"), &band.x, &band.min, &band.max).fill_color(theme::SERIES_TRAINING.gamma_multiply(0.3)));
            let mean: PlotPoints = band.x.iter().zip(&band.mean).map(|(&x, &y)| [x, y]).collect();
            plot_ui.line(Line::new(tr("train-plot-batch-loss"), mean).color(theme::SERIES_TRAINING));
        });
    }

    fn runs_list(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        ui.horizontal(|ui| {
            ui.heading(tr("train-runs-heading"));
            if ui.button(tr("train-refresh-button")).clicked() {
                backend.send(Request::ListRuns);
            }
        });
        if self.runs.is_empty() {
            ui.label(tr("train-no-runs"));
            return;
        }
        let compare_enabled = self.selected.len() >= 2;
        if ui
            .add_enabled(compare_enabled, egui::Button::new(tr("train-compare-button")))
            .on_disabled_hover_text(tr("train-compare-disabled-hint"))
            .clicked()
        {
            backend.send(Request::CompareRuns(self.selected.iter().cloned().collect()));
        }
        let mut open = None;
        let mut delete = None;
        for run in &self.runs {
            ui.separator();
            ui.push_id(&run.run_id, |ui| {
                ui.horizontal_wrapped(|ui| {
                    let mut ticked = self.selected.contains(&run.run_id);
                    if ui.checkbox(&mut ticked, "").on_hover_text(tr("train-select-for-comparison")).changed() {
                        if ticked {
                            self.selected.insert(run.run_id.clone());
                        } else {
                            self.selected.remove(&run.run_id);
                        }
                    }
                    ui.label(RichText::new(&run.run_id).strong());
                    ui.label(crate::i18n::run_status(run.status));
                });
                if let Some(text) = crate::normal_model::run_text(run) {
                    ui.label(text);
                } else {
                    let line = [
                        ("model", run.model.as_str().into()),
                        ("target", (&run.target).into()),
                        ("epochs", run.epochs_run.to_string().into()),
                        ("best", run.best_epoch.to_string().into()),
                        ("created", (&run.created).into()),
                    ];
                    if run.model == ModelKind::Trees {
                        ui.label(tr_with("train-run-line-rounds", &line));
                    } else {
                        ui.label(tr_with("train-run-line", &line));
                    }
                    // The dense models read rows (with or without window features, which the
                    // list does not know); only older MLP runs had sequence windows.
                    if !run.model.dense_input() || run.mode != SequenceMode::Row {
                        ui.label(run.mode_text());
                    }
                }
                if let (Some(roc), Some(pr)) = (run.test_roc_auc, run.test_pr_auc) {
                    ui.label(tr_with("train-run-test-auc", &[("roc", format!("{roc:.3}").into()), ("pr", format!("{pr:.3}").into())]));
                }
                if !run.message.is_empty() {
                    ui.label(RichText::new(crate::i18n::run_entry_stop_text(run)).weak());
                }
                ui.horizontal(|ui| {
                    if ui.button(tr("train-open-button")).clicked() {
                        open = Some(run.run_id.clone());
                    }
                    let running = run.status == RunStatus::Running;
                    if self.confirm_delete.as_deref() == Some(run.run_id.as_str()) {
                        if ui.button(tr("train-really-delete-button")).clicked() {
                            delete = Some(run.run_id.clone());
                        }
                        if ui.button(tr("train-keep-button")).clicked() {
                            self.confirm_delete = None;
                        }
                    } else if ui.add_enabled(!running, egui::Button::new(tr("train-delete-button"))).clicked() {
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

fn summary_ui(ui: &mut egui::Ui, summary: &RunSummary, model: Option<ModelKind>) {
    ui.label(RichText::new(crate::i18n::run_stop_text(summary)).strong());
    let Some(test) = &summary.test else { return };
    let metric = |v: Option<f64>| v.map_or(tr("metric-not-available"), |v| format!("{v:.3}"));
    let fixed = |v: f64| format!("{v:.3}");
    let trees_run = model == Some(ModelKind::Trees);
    let figures = [
        ("best", summary.best_epoch.to_string().into()),
        ("accuracy", fixed(test.accuracy).into()),
        ("baseline", fixed(summary.majority_accuracy).into()),
        ("balanced", fixed(test.balanced_accuracy).into()),
        ("f1", fixed(test.f1).into()),
        ("roc", metric(test.roc_auc).into()),
        ("pr", metric(test.pr_auc).into()),
    ];
    ui.label(if trees_run { tr_with("train-test-summary-rounds", &figures) } else { tr_with("train-test-summary", &figures) });
    // A trees run's baseline is the run itself.
    let Some(trees) = summary.baseline_trees.as_ref().filter(|_| !trees_run) else { return };
    ui.label(tr_with(
        "train-trees-baseline-summary",
        &[
            ("accuracy", fixed(trees.accuracy).into()),
            ("balanced", fixed(trees.balanced_accuracy).into()),
            ("f1", fixed(trees.f1).into()),
            ("roc", metric(trees.roc_auc).into()),
            ("pr", metric(trees.pr_auc).into()),
        ],
    ));
    if let Some(sentence) = crate::evaluate_pane::trees_ahead_text(test, trees, test.confusion.len() == 2) {
        ui.label(RichText::new(sentence).color(theme::WARNING_TEXT));
    }
}

fn comparison_ui(ui: &mut egui::Ui, comparison: &RunComparison) {
    ui.heading(tr_with("train-comparing-heading", &[("count", comparison.runs.len().to_string().into())]));
    ui.label(RichText::new(tr("train-compare-metrics-heading")).strong());
    egui::ScrollArea::horizontal().id_salt("compare_metrics_scroll").show(ui, |ui| {
        egui::Grid::new("compare_metrics").striped(true).show(ui, |ui| {
            ui.label(tr("train-compare-metric"));
            for run in &comparison.runs {
                ui.label(RichText::new(&run.entry.run_id).strong());
            }
            ui.end_row();
            ui.label(tr("train-compare-mode"));
            for run in &comparison.runs {
                ui.label(run.entry.mode_text());
            }
            ui.end_row();
            let metric = |v: Option<f64>| v.filter(|v| v.is_finite()).map_or(tr("metric-not-available"), |v| format!("{v:.3}"));
            type MetricOf = fn(&ClassMetrics) -> Option<f64>;
            let rows: [(String, MetricOf); 7] = [
                (tr("metric-accuracy"), |t| Some(t.accuracy)),
                (tr("metric-balanced-accuracy"), |t| Some(t.balanced_accuracy)),
                (tr("metric-precision"), |t| Some(t.precision)),
                (tr("metric-recall"), |t| Some(t.recall)),
                (tr("metric-f1"), |t| Some(t.f1)),
                (tr("metric-roc-auc"), |t| t.roc_auc),
                (tr("metric-pr-auc"), |t| t.pr_auc),
            ];
            for (name, value) in rows {
                ui.label(name);
                for run in &comparison.runs {
                    ui.label(metric(run.summary.as_ref().and_then(|s| s.test.as_ref()).and_then(value)));
                }
                ui.end_row();
            }
            ui.label(tr("train-compare-majority"));
            for run in &comparison.runs {
                ui.label(metric(run.summary.as_ref().filter(|s| s.test.is_some()).map(|s| s.majority_accuracy)));
            }
            ui.end_row();
            // Older runs have no trees baseline; the rows appear when one of the runs has it.
            if comparison.runs.iter().any(|r| r.summary.as_ref().is_some_and(|s| s.baseline_trees.is_some())) {
                let trees_rows: [(String, MetricOf); 2] =
                    [(tr("train-compare-trees-accuracy"), |t| Some(t.accuracy)), (tr("train-compare-trees-pr-auc"), |t| t.pr_auc)];
                for (name, value) in trees_rows {
                    ui.label(name);
                    for run in &comparison.runs {
                        ui.label(metric(run.summary.as_ref().and_then(|s| s.baseline_trees.as_ref()).and_then(value)));
                    }
                    ui.end_row();
                }
            }
        });
    });
    let trees_runs = comparison.runs.iter().filter(|r| r.config.model == ModelKind::Trees).count();
    let axis = match trees_runs {
        0 => tr("plot-axis-epoch"),
        n if n == comparison.runs.len() => tr("plot-axis-round"),
        _ => tr("plot-axis-epoch-or-round"),
    };
    Plot::new("compare_plot").height(260.0).legend(Legend::default()).x_axis_label(axis).y_axis_label(tr("plot-axis-validation-loss")).show(
        ui,
        |plot_ui| {
            for (i, run) in comparison.runs.iter().enumerate() {
                let color = theme::RUN_PALETTE[i % theme::RUN_PALETTE.len()];
                let points: PlotPoints = run.epochs.iter().map(|e| [f64::from(e.epoch), e.val_loss]).collect();
                plot_ui.line(Line::new(tr_with("train-plot-run-val-loss", &[("run", (&run.entry.run_id).into())]), points).color(color));
                let train: PlotPoints = run.epochs.iter().map(|e| [f64::from(e.epoch), e.train_loss]).collect();
                plot_ui.line(
                    Line::new(tr_with("train-plot-run-train-loss", &[("run", (&run.entry.run_id).into())]), train)
                        .color(color.gamma_multiply(0.5))
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
        },
    );
    ui.label(RichText::new(tr("train-compare-differences-heading")).strong());
    if comparison.differences.is_empty() {
        ui.label(tr("train-compare-no-differences"));
    }
    egui::ScrollArea::horizontal().id_salt("compare_differences_scroll").show(ui, |ui| {
        egui::Grid::new("differences").striped(true).show(ui, |ui| {
            ui.label(tr("train-compare-setting"));
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

fn epoch_plot(
    ui: &mut egui::Ui,
    id: &str,
    width: f32,
    axis: &str,
    epochs: &[EpochMetrics],
    train: fn(&EpochMetrics) -> f64,
    val: fn(&EpochMetrics) -> f64,
) {
    Plot::new(id).width(width).height(220.0).legend(Legend::default()).x_axis_label(axis).show(ui, |plot_ui| {
        let train_points: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), train(e)]).collect();
        let val_points: PlotPoints = epochs.iter().map(|e| [f64::from(e.epoch), val(e)]).collect();
        plot_ui.line(Line::new(tr("plot-series-train"), train_points).color(theme::SERIES_TRAINING));
        plot_ui.line(Line::new(tr("plot-series-validation"), val_points).color(theme::SERIES_VALIDATION));
        let best: PlotPoints = epochs.iter().filter(|e| e.best).map(|e| [f64::from(e.epoch), val(e)]).collect();
        plot_ui.points(egui_plot::Points::new(tr("plot-series-best"), best).radius(4.0).color(theme::SERIES_VALIDATION));
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

/// Epochs the configured run trains at most: boosting rounds for trees.
fn planned_epochs(config: &TrainConfig) -> u32 {
    if config.model == ModelKind::Trees {
        config.trees.rounds
    } else {
        config.epochs
    }
}

/// The token models (seed, transformer) see the past through sequence windows, the dense ones
/// (MLP, trees) through window features and may add products of tag pairs, and the engine
/// refuses each where it does not apply. Moving between the families swaps them, keeping each
/// family's choice for when the user comes back to it.
fn switch_model_family(config: &mut TrainConfig, previous: ModelKind, token_mode: &mut SequenceMode, dense_extras: &mut DenseExtras) {
    match (previous.dense_input(), config.model.dense_input()) {
        (false, true) => {
            *token_mode = config.mode;
            config.feature_window = dense_extras.feature_window.take();
            config.interactions = std::mem::take(&mut dense_extras.interactions);
        }
        (true, false) => {
            dense_extras.feature_window = config.feature_window.take();
            dense_extras.interactions = std::mem::take(&mut config.interactions);
            config.mode = *token_mode;
        }
        _ => {}
    }
    if config.model.dense_input() {
        config.mode = SequenceMode::Row;
    } else {
        config.feature_window = None;
        config.interactions = false;
    }
}

/// The numeric columns training would read as tags: the ones ticked under Features, without
/// the target and the cleaning recipe's class-weight columns (`columns` has no time axis).
fn numeric_feature_count(columns: &[&ColumnInfo], config: &TrainConfig, class_weight_columns: &[String]) -> usize {
    columns
        .iter()
        .filter(|c| {
            c.kind == ColumnKind::Numeric
                && c.name != config.target
                && !config.exclude.contains(&c.name)
                && !class_weight_columns.contains(&c.name)
                && (config.features.is_empty() || config.features.contains(&c.name))
        })
        .count()
}

/// Extra features made by multiplying two of `tags` numeric tags.
fn tag_pairs(tags: usize) -> usize {
    tags * tags.saturating_sub(1) / 2
}

/// The dense models' products of tag pairs: on or off, unavailable (and off, since the
/// engine would refuse the run) when the data has more numeric tags than the engine takes.
fn interactions_ui(ui: &mut egui::Ui, config: &mut TrainConfig, numeric_tags: usize) {
    let allowed = numeric_tags <= MAX_INTERACTION_TAGS;
    if !allowed {
        config.interactions = false;
    }
    let mut hint =
        tr_with("train-interactions-hint", &[("most", MAX_INTERACTION_TAGS.into()), ("most-pairs", tag_pairs(MAX_INTERACTION_TAGS).into())]);
    if allowed {
        hint.push('\n');
        hint.push_str(&tr_with("train-interactions-hint-here", &[("tags", numeric_tags.into()), ("pairs", tag_pairs(numeric_tags).into())]));
    }
    let too_many = tr_with("train-interactions-too-many", &[("tags", numeric_tags.into()), ("most", MAX_INTERACTION_TAGS.into())]);
    ui.label("");
    ui.add_enabled(allowed, egui::Checkbox::new(&mut config.interactions, tr("train-interactions-label")))
        .on_hover_text(&hint)
        .on_disabled_hover_text(format!("{too_many}\n{hint}"));
    ui.end_row();
}

/// "16 samples × 1 min = 16 min" when the data has a sampling interval.
fn window_span_text(window: u32, interval_s: Option<f64>) -> Option<String> {
    interval_s.filter(|s| s.is_finite() && *s > 0.0).map(|interval| {
        tr_with(
            "train-window-span",
            &[
                ("window", window.to_string().into()),
                ("interval", format_duration(interval).into()),
                ("span", format_duration(interval * f64::from(window)).into()),
            ],
        )
    })
}

/// A grid row under a window setting: how long the window is in time.
fn window_span_row(ui: &mut egui::Ui, window: u32, interval_s: Option<f64>) {
    if let Some(span) = window_span_text(window, interval_s) {
        ui.label("");
        ui.label(RichText::new(span).weak());
        ui.end_row();
    }
}

/// The token models' sequences: one per row, or windows of rows with a stride.
fn sequence_mode_ui(ui: &mut egui::Ui, config: &mut TrainConfig, interval_s: Option<f64>) {
    ui.label(tr("train-sequences-label"));
    let mut windowed = matches!(config.mode, SequenceMode::Window { .. });
    ui.horizontal(|ui| {
        ui.radio_value(&mut windowed, false, tr("train-sequences-per-row"));
        ui.radio_value(&mut windowed, true, tr("train-sequences-windows"));
    });
    ui.end_row();
    match (windowed, config.mode) {
        (false, SequenceMode::Window { .. }) => config.mode = SequenceMode::Row,
        (true, SequenceMode::Row) => config.mode = SequenceMode::Window { window: 16, stride: 4 },
        _ => {}
    }
    if let SequenceMode::Window { window, stride } = &mut config.mode {
        let label = ui.label(tr("train-window-stride-label")).id;
        ui.horizontal(|ui| {
            ui.add(egui::DragValue::new(window).range(2..=512)).labelled_by(label);
            ui.add(egui::DragValue::new(stride).range(1..=512)).labelled_by(label);
        });
        ui.end_row();
        window_span_row(ui, *window, interval_s);
    }
}

/// The dense models' window features: off, or over the last W samples.
fn feature_window_ui(ui: &mut egui::Ui, config: &mut TrainConfig, interval_s: Option<f64>) {
    let shown_window = config.feature_window.unwrap_or(DEFAULT_FEATURE_WINDOW);
    let mut hint = tr("train-feature-window-hint");
    if let Some(span) = window_span_text(shown_window, interval_s) {
        hint.push('\n');
        hint.push_str(&tr_with("train-feature-window-hint-span", &[("span", span.into())]));
    }
    let label = ui.label(tr("train-feature-window-label")).on_hover_text(&hint).id;
    let mut on = config.feature_window.is_some();
    ui.horizontal(|ui| {
        ui.radio_value(&mut on, false, tr("train-feature-window-off")).on_hover_text(&hint);
        ui.radio_value(&mut on, true, tr("train-feature-window-last")).on_hover_text(&hint);
        config.feature_window = on.then_some(shown_window);
        if let Some(window) = config.feature_window.as_mut() {
            ui.add(egui::DragValue::new(window).range(1..=MAX_FEATURE_WINDOW).suffix(tr("train-feature-window-suffix")))
                .labelled_by(label)
                .on_hover_text(&hint);
        }
    });
    ui.end_row();
    if let Some(window) = config.feature_window {
        window_span_row(ui, window, interval_s);
    }
}

/// The neural networks' settings: width, batches, Adam's learning rate, epochs and patience.
fn network_settings_ui(ui: &mut egui::Ui, config: &mut TrainConfig) {
    if config.model == ModelKind::Mlp {
        let label = ui.label(tr("train-hidden-label")).id;
        ui.add(egui::DragValue::new(&mut config.hidden).range(1..=4096)).labelled_by(label);
    } else {
        let label = ui.label(tr("train-embedding-label")).id;
        ui.add(egui::DragValue::new(&mut config.embedding_dim).range(4..=1024)).labelled_by(label);
    }
    ui.end_row();
    let label = ui.label(tr("train-batch-size-label")).id;
    ui.add(egui::DragValue::new(&mut config.batch_size).range(1..=8192)).labelled_by(label);
    ui.end_row();
    let label = ui.label(tr("train-learning-rate-label")).id;
    ui.add(egui::DragValue::new(&mut config.learning_rate).speed(0.0001).range(0.000001..=1.0).max_decimals(6)).labelled_by(label);
    ui.end_row();
    let label = ui.label(tr("train-epochs-label")).id;
    ui.add(egui::DragValue::new(&mut config.epochs).range(1..=1000)).labelled_by(label);
    ui.end_row();
    let label = ui.label(tr("train-patience-label")).id;
    let mut patience = config.patience.unwrap_or(0);
    ui.add(egui::DragValue::new(&mut patience).range(0..=100)).labelled_by(label).on_hover_text(tr("train-patience-hint"));
    config.patience = (patience > 0).then_some(patience);
    ui.end_row();
}

/// The gradient-boosted trees' settings (the ranges the engine accepts).
fn tree_settings_ui(ui: &mut egui::Ui, trees: &mut TreeSettings) {
    let label = ui.label(tr("train-rounds-label")).id;
    ui.add(egui::DragValue::new(&mut trees.rounds).range(1..=100_000)).labelled_by(label);
    ui.end_row();
    let label = ui.label(tr("train-learning-rate-label")).id;
    ui.add(egui::DragValue::new(&mut trees.learning_rate).speed(0.001).range(0.001..=1.0).max_decimals(3)).labelled_by(label);
    ui.end_row();
    let label = ui.label(tr("train-leaves-label")).id;
    ui.add(egui::DragValue::new(&mut trees.max_leaves).range(2..=4096)).labelled_by(label);
    ui.end_row();
    let label = ui.label(tr("train-min-leaf-label")).id;
    ui.add(egui::DragValue::new(&mut trees.min_samples_leaf).range(1..=1_000_000)).labelled_by(label);
    ui.end_row();
    let label = ui.label(tr("train-l2-label")).id;
    ui.add(egui::DragValue::new(&mut trees.l2).speed(0.01).range(0.0..=1e6).max_decimals(3)).labelled_by(label);
    ui.end_row();
    let label = ui.label(tr("train-patience-rounds-label")).id;
    ui.add(egui::DragValue::new(&mut trees.patience).range(1..=100_000)).labelled_by(label).on_hover_text(tr("train-patience-rounds-hint"));
    ui.end_row();
}

/// Problems that keep the run from starting, in words.
fn validate(config: &TrainConfig, dataset: &DatasetSummary) -> Vec<String> {
    let mut problems = Vec::new();
    if config.target.is_empty() {
        problems.push(tr("train-problem-no-target"));
    } else if !dataset.columns.iter().any(|c| c.name == config.target) {
        problems.push(tr_with("train-problem-target-missing", &[("target", (&config.target).into())]));
    }
    let split = config.split.train + config.split.validation + config.split.test;
    if (split - 1.0).abs() > 0.001 {
        problems.push(tr_with("train-problem-split", &[("sum", format!("{split:.2}").into())]));
    }
    if config.split.validation <= 0.0 {
        problems.push(tr("train-problem-no-validation"));
    }
    let features = dataset
        .columns
        .iter()
        .filter(|c| c.name != config.target && !config.exclude.contains(&c.name) && Some(c.name.as_str()) != dataset.timestamp_column.as_deref())
        .count();
    if features == 0 {
        problems.push(tr("train-problem-no-features"));
    }
    if config.model == ModelKind::Transformer && !config.embedding_dim.is_multiple_of(4) {
        problems.push(tr("train-problem-heads"));
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

fn model_text(model: ModelKind) -> String {
    match model {
        ModelKind::Seed => tr("train-model-seed"),
        ModelKind::Transformer => tr("train-model-transformer"),
        ModelKind::Mlp => tr("train-model-mlp"),
        ModelKind::Trees => tr("train-model-trees"),
    }
}

fn weighting_text(weighting: ClassWeighting) -> String {
    match weighting {
        ClassWeighting::Auto => tr("train-weights-auto"),
        ClassWeighting::On => tr("train-weights-on"),
        ClassWeighting::Off => tr("train-weights-off"),
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

impl TrainPane {
    /// The training configuration and run selection, for `PlantLabApp::settings_fingerprint`.
    pub fn settings_fingerprint(&self) -> String {
        format!("{:?} {} {:?} {:?}", self.config, self.override_gate, self.family, self.selected)
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
