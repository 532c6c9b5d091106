//! The application frame: pane navigation, notices, the status bar with background tasks.

use std::collections::BTreeMap;

use egui::RichText;
use plantlab_protocol::{ApiError, FilePurpose, FrameStats, MessageArg, RunStatus, TaskEvent, TaskId, TaskKind, TaskOutcome, TrainUpdate};

use crate::backend::{Backend, Reply, Request};
use crate::clean_pane::CleanPane;
use crate::data_pane::DataPane;
use crate::evaluate_pane::EvaluatePane;
use crate::frames::FrameTimes;
use crate::i18n::{tr, tr_with, Lang};
use crate::predict_pane::PredictPane;
use crate::theme;
use crate::train_pane::TrainPane;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Data,
    Clean,
    Train,
    Evaluate,
    Predict,
}

impl Pane {
    pub const ALL: [Pane; 5] = [Pane::Data, Pane::Clean, Pane::Train, Pane::Evaluate, Pane::Predict];

    /// The pane's tab title in the current language.
    pub fn title(self) -> String {
        match self {
            Pane::Data => tr("pane-data"),
            Pane::Clean => tr("pane-clean"),
            Pane::Train => tr("pane-train"),
            Pane::Evaluate => tr("pane-evaluate"),
            Pane::Predict => tr("pane-predict"),
        }
    }

    /// The pane's name for the host's probe marks, the same in every language.
    fn probe_name(self) -> &'static str {
        match self {
            Pane::Data => "Data",
            Pane::Clean => "Clean",
            Pane::Train => "Train",
            Pane::Evaluate => "Evaluate",
            Pane::Predict => "Predict",
        }
    }
}

/// A background task as the status bar shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskView {
    pub id: TaskId,
    pub kind: TaskKind,
    /// The engine's English label; the status bar words `label_code` and `label_args` instead.
    pub label: String,
    pub label_code: String,
    pub label_args: BTreeMap<String, MessageArg>,
    pub fraction: f32,
    pub stage: String,
    pub cancel_requested: bool,
}

impl TaskView {
    /// The task's name in the current language, worded when drawn so a language switch
    /// rewords a running task too.
    pub fn label_text(&self) -> String {
        crate::i18n::task_label_text(&self.label, &self.label_code, &self.label_args)
    }
}

/// A message for the user, shown until dismissed.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
    /// A warning from the import of the open file, dropped when another file is loaded.
    pub from_import: bool,
}

impl Notice {
    fn info(text: String) -> Self {
        Self { text, is_error: false, from_import: false }
    }

    fn error(text: String) -> Self {
        Self { text, is_error: true, from_import: false }
    }
}

pub struct PlantLabApp {
    backend: Box<dyn Backend>,
    pane: Pane,
    tasks: Vec<TaskView>,
    notices: Vec<Notice>,
    /// How many notices the last frame drew: a change needs one more frame, since the area
    /// is placed by its bottom right corner from the size it had before.
    notices_drawn: usize,
    data: DataPane,
    clean: CleanPane,
    train: TrainPane,
    evaluate: EvaluatePane,
    predict: PredictPane,
    /// How long each frame's UI code took, kept while a model trains.
    frames: FrameTimes,
    asked_initial_path: bool,
    /// The journey's controls as last reported to the host (see `probe`).
    reported_marks: crate::probe::Marks,
    /// The language the UI draws in; switching it changes no data, file or setting.
    lang: Lang,
    /// Whether the native build has tried to add the CJK font (the web build adds it at start).
    font_tried: bool,
}

impl PlantLabApp {
    /// The app in English; the web build starts it in the user's language with [`PlantLabApp::with_language`].
    pub fn new(backend: Box<dyn Backend>) -> Self {
        Self::with_language(backend, Lang::En)
    }

    pub fn with_language(backend: Box<dyn Backend>, lang: Lang) -> Self {
        Self {
            lang,
            font_tried: false,
            backend,
            pane: Pane::Data,
            tasks: Vec::new(),
            notices: Vec::new(),
            notices_drawn: 0,
            data: DataPane::default(),
            clean: CleanPane::default(),
            train: TrainPane::default(),
            evaluate: EvaluatePane::default(),
            predict: PredictPane::default(),
            frames: FrameTimes::default(),
            asked_initial_path: false,
            reported_marks: crate::probe::Marks::default(),
        }
    }

    pub fn pane(&self) -> Pane {
        self.pane
    }

    pub fn tasks(&self) -> &[TaskView] {
        &self.tasks
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    pub fn language(&self) -> Lang {
        self.lang
    }

    /// Draws the UI in `lang` from the next frame on; nothing else changes.
    pub fn set_language(&mut self, lang: Lang) {
        self.lang = lang;
        crate::i18n::set_language(lang);
    }

    /// What the user has chosen and opened, in one comparable text: the open file, the data set,
    /// the cleaning recipe and state, the training, evaluation and prediction settings. A
    /// change of language must leave it as it was.
    pub fn settings_fingerprint(&self) -> String {
        format!(
            "pane {:?}\ndata {}\nclean {}\ntrain {}\nevaluate {}\npredict {}",
            self.pane,
            self.data.settings_fingerprint(),
            self.clean.settings_fingerprint(),
            self.train.settings_fingerprint(),
            self.evaluate.settings_fingerprint(),
            self.predict.settings_fingerprint()
        )
    }

    /// One frame: take the backend's replies, then draw.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let started = crate::frames::now_ms();
        self.frame(ui);
        if self.train.is_training() {
            self.frames.push(crate::frames::now_ms() - started);
        }
    }

    /// The p95 of the UI's frame times since the current training run started.
    pub fn frame_p95_ms(&self) -> Option<f64> {
        self.frames.p95_ms()
    }

    fn report_frame_times(&mut self) {
        if let Some(p95_ms) = self.frames.p95_ms() {
            self.backend.send(Request::ReportFrameStats(FrameStats { frames: self.frames.len() as u64, p95_ms, max_ms: self.frames.max_ms() }));
        }
    }

    fn frame(&mut self, ui: &mut egui::Ui) {
        crate::i18n::set_language(self.lang);
        #[cfg(not(target_arch = "wasm32"))]
        if !self.font_tried {
            self.font_tried = true;
            // Without the font the UI still works; Chinese text shows as boxes.
            let installed = crate::fonts::read_repo_cjk_font().and_then(|bytes| crate::fonts::install_cjk_font(ui.ctx(), bytes));
            if let Err(why) = installed {
                eprintln!("{why}");
            }
        }
        #[cfg(target_arch = "wasm32")]
        let _ = self.font_tried;
        if !self.asked_initial_path {
            self.asked_initial_path = true;
            self.backend.send(Request::InitialPath);
        }
        for reply in self.backend.poll() {
            self.handle(reply);
        }
        self.handle_shortcuts(ui);
        if self.pane == Pane::Clean {
            self.clean.handle_shortcuts(ui, self.backend.as_mut());
        }

        egui::Panel::top("navigation").show(ui, |ui| self.navigation(ui));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar(ui));
        egui::CentralPanel::default_margins().show(ui, |ui| {
            let pane_rect = ui.max_rect();
            match self.pane {
                Pane::Data => self.data.ui(ui, self.backend.as_mut()),
                Pane::Clean => self.clean.ui(ui, self.data.has_dataset(), self.backend.as_mut()),
                Pane::Train => {
                    let now = ui.input(|i| i.time);
                    self.train.set_frame_p95(self.frames.p95_ms());
                    self.train.set_class_weight_columns(self.clean.class_weight_columns());
                    self.train.set_sampling_interval(self.data.sampling_interval_s());
                    self.train.ui(ui, self.data.summary(), self.clean.gate_passed(), now, self.backend.as_mut());
                }
                Pane::Evaluate => {
                    let columns = self.data.summary().map(|d| d.columns.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
                    self.evaluate.set_dataset_columns(columns);
                    self.evaluate.ui(ui, self.backend.as_mut());
                }
                Pane::Predict => self.predict.ui(ui, self.backend.as_mut()),
            }
            self.notices_ui(ui, pane_rect);
        });
        let marks = crate::probe::take(ui.ctx());
        if marks != self.reported_marks {
            self.backend.send(Request::ReportWidgets(marks.report()));
            self.reported_marks = marks;
        }
        // Keep frames coming while work is under way so progress moves.
        let busy = self.data.waiting() || self.clean.waiting() || self.train.is_training() || self.evaluate.waiting() || self.predict.is_running();
        if !self.tasks.is_empty() || busy {
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(50));
        }
    }

    fn handle(&mut self, reply: Reply) {
        match reply {
            Reply::PickedFile(Some(path)) | Reply::InitialPath(Some(path)) | Reply::FileDropped(path) => self.start_load(path),
            Reply::PickedFile(None) | Reply::InitialPath(None) => {}
            Reply::Task(event) => self.task_event(event),
            Reply::Page(page) => self.data.set_page(page),
            Reply::Series(series) => self.data.set_series(series),
            Reply::Report(report) => self.data.set_report(report),
            Reply::Histogram(histogram) => self.data.set_histogram(histogram),
            Reply::PickedPath { path: None, .. } => {}
            Reply::PickedPath { purpose, path: Some(path) } => self.picked_path(purpose, path),
            Reply::CleanState(state) => self.clean.set_state(*state),
            Reply::Summary(summary) => self.data.refresh_dataset(*summary, self.backend.as_mut()),
            Reply::Preview(preview) => self.clean.set_preview(*preview),
            Reply::Runs(runs) => {
                self.evaluate.set_runs(runs.clone());
                self.train.set_runs(runs);
            }
            Reply::Run(run) => self.train.set_run(*run),
            Reply::Comparison(comparison) => self.train.set_comparison(*comparison),
            Reply::Evaluation(evaluation) => self.evaluate.set_evaluation(*evaluation),
            Reply::Bundle(bundle) => self.predict.bundle_arrived(*bundle),
            Reply::NormalBundle(bundle) => self.predict.normal_bundle_arrived(*bundle),
            Reply::Saved { what, path } => {
                self.notices.push(Notice::info(tr_with("notice-saved", &[("what", saved_what(&what).into()), ("path", path.into())])))
            }
            Reply::Error { context, error } => {
                self.data.request_failed();
                self.clean.request_failed();
                self.train.request_failed(&error);
                self.evaluate.request_failed(Some(&error));
                self.predict.request_failed(&error);
                self.error(&context, &error);
            }
        }
    }

    /// A file dialog answered: the purpose says which pane asked.
    fn picked_path(&mut self, purpose: FilePurpose, path: String) {
        let backend = self.backend.as_mut();
        match purpose {
            FilePurpose::OpenRecipe | FilePurpose::SaveRecipe | FilePurpose::ExportCleaned => self.clean.picked_path(purpose, path, backend),
            FilePurpose::SaveBundle | FilePurpose::SaveReport => self.evaluate.picked_path(purpose, path, backend),
            // The Evaluate pane asks for a file with fault labels to score a normal-operation run on.
            FilePurpose::OpenPredictData if self.pane == Pane::Evaluate => self.evaluate.picked_path(purpose, path, backend),
            FilePurpose::OpenBundle | FilePurpose::OpenPredictData | FilePurpose::SavePredictions => self.predict.picked_path(purpose, path, backend),
        }
    }

    fn start_load(&mut self, path: String) {
        let path = path.trim().to_owned();
        if path.is_empty() {
            self.notices.push(Notice::error(tr("notice-type-path-first")));
            return;
        }
        self.pane = Pane::Data;
        self.data.remember_path(&path);
        // A new file is sniffed afresh; the import panel's overrides apply to "Reload".
        self.backend.send(Request::Load { path, overrides: None });
    }

    fn task_event(&mut self, event: TaskEvent) {
        let id = event.task();
        match event {
            TaskEvent::Started { label, kind, label_code, label_args, .. } => {
                if kind == TaskKind::Train {
                    self.train.task_started(id);
                    self.frames.clear();
                }
                if kind == TaskKind::Predict {
                    self.predict.task_started(id);
                }
                self.tasks.push(TaskView {
                    id,
                    kind,
                    label,
                    label_code,
                    label_args,
                    fraction: 0.0,
                    stage: tr("app-task-starting"),
                    cancel_requested: false,
                })
            }
            TaskEvent::Progress { fraction, ref stage, ref stage_code, ref stage_args, .. } => {
                let stage = crate::i18n::stage_text(stage, stage_code, stage_args);
                if self.train.owns(id) {
                    self.train.progress(id, fraction, &stage);
                }
                if let Some(t) = self.tasks.iter_mut().find(|t| t.id == id) {
                    t.fraction = fraction;
                    t.stage = stage;
                }
            }
            TaskEvent::Finished { outcome, .. } => {
                self.tasks.retain(|t| t.id != id);
                match outcome {
                    TaskOutcome::Loaded(summary) => {
                        // A new data set replaces the old one; stale notices about loading go too,
                        // and so do the import warnings of the previous reading (the Data pane
                        // shows the current file's own).
                        self.notices.retain(|n| !n.is_error && !n.from_import);
                        for warning in crate::i18n::import_warning_texts(&summary.warnings, &summary.warning_codes) {
                            let text = tr_with("notice-import-warning", &[("warning", warning.into())]);
                            self.notices.push(Notice { text, is_error: false, from_import: true });
                        }
                        self.data.set_dataset(summary, self.backend.as_mut());
                        self.clean.reset(self.backend.as_mut());
                    }
                    TaskOutcome::Cleaned(summary) => {
                        if self.clean.change_finished(self.backend.as_mut()) {
                            let gate = if summary.gate.passed { tr("notice-gate-passed") } else { tr("notice-gate-failed") };
                            self.notices.push(Notice::info(tr_with(
                                "notice-recipe-applied",
                                &[
                                    ("steps", summary.steps.len().to_string().into()),
                                    ("rows-in", summary.rows_in.to_string().into()),
                                    ("rows-out", summary.rows_out.to_string().into()),
                                    ("gate", gate.into()),
                                ],
                            )));
                        }
                        // The cleaned data is now the open data set: the Data pane shows it.
                        self.backend.send(Request::Summary);
                    }
                    TaskOutcome::Trained(summary) => {
                        self.notices
                            .push(Notice::info(tr_with("notice-training-finished", &[("message", crate::i18n::run_stop_text(&summary).into())])));
                        self.report_frame_times();
                        if summary.status == RunStatus::Completed {
                            // The Evaluate pane shows the run that just finished.
                            self.evaluate.run_trained(summary.run_id.clone());
                        }
                        self.train.finished(Some(summary), self.backend.as_mut());
                    }
                    TaskOutcome::Predicted(result) => {
                        self.notices.retain(|n| !n.is_error);
                        self.predict.set_result(*result);
                    }
                    TaskOutcome::Evaluated(evaluation) => self.evaluate.set_evaluation(*evaluation),
                    TaskOutcome::NormalTrained(summary) => {
                        self.notices.push(Notice::info(tr_with(
                            "notice-normal-training-finished",
                            &[("message", crate::i18n::normal_run_stop_text(&summary).into())],
                        )));
                        if summary.status == RunStatus::Completed {
                            self.evaluate.normal_run_trained(&summary);
                        }
                        self.train.normal_finished(*summary, self.backend.as_mut());
                    }
                    TaskOutcome::NormalEvaluated(evaluation) => self.evaluate.set_normal_evaluation(*evaluation),
                    TaskOutcome::NormalPredicted(prediction) => {
                        self.notices.retain(|n| !n.is_error);
                        self.predict.set_normal_result(*prediction);
                    }
                }
            }
            TaskEvent::Train { update, .. } => {
                if let TrainUpdate::Batch(batch) = &update {
                    if let Some(t) = self.tasks.iter_mut().find(|t| t.id == id) {
                        let epochs = self.train.planned_epochs().max(1);
                        let done = f64::from(batch.epoch - 1) + f64::from(batch.batch) / f64::from(batch.batches.max(1));
                        t.fraction = (done / f64::from(epochs)).clamp(0.0, 1.0) as f32;
                        t.stage = tr_with(
                            "app-task-epoch-batch",
                            &[
                                ("epoch", batch.epoch.to_string().into()),
                                ("batch", batch.batch.to_string().into()),
                                ("batches", batch.batches.to_string().into()),
                            ],
                        );
                    }
                }
                if self.train.owns(id) {
                    self.train.update(update);
                }
            }
            TaskEvent::Failed { error, .. } => {
                let label = self.end_without_result(id, Some(&error)).unwrap_or_else(|| tr("app-task-unnamed"));
                self.notices.push(Notice::error(tr_with(
                    "notice-task-failed",
                    &[("label", label.into()), ("message", crate::i18n::error_text(&error).into())],
                )));
            }
            TaskEvent::Cancelled { .. } => {
                let label = self.end_without_result(id, None).unwrap_or_else(|| tr("app-task-unnamed"));
                self.notices.push(Notice::info(tr_with("notice-task-cancelled", &[("label", label.into())])));
            }
        }
    }

    /// A task that failed (`error`) or was cancelled (`None`): the pane that started it stops
    /// waiting and says why, and the task leaves the status bar. Returns its label, worded in
    /// the current language.
    fn end_without_result(&mut self, id: TaskId, error: Option<&ApiError>) -> Option<String> {
        if self.tasks.iter().any(|t| t.id == id && t.kind == TaskKind::Clean) {
            self.clean.change_ended(self.backend.as_mut());
        }
        if self.train.owns(id) {
            self.train.ended_without_result(id, error, self.backend.as_mut());
        }
        if self.predict.owns(id) {
            self.predict.ended_without_result(id, error);
        }
        if self.tasks.iter().any(|t| t.id == id && t.kind == TaskKind::Evaluate) {
            self.evaluate.request_failed(error);
        }
        let label = self.tasks.iter().find(|t| t.id == id).map(TaskView::label_text);
        self.tasks.retain(|t| t.id != id);
        label
    }

    fn error(&mut self, context: &str, error: &ApiError) {
        self.notices.push(Notice::error(tr_with(
            "notice-failed",
            &[("context", context_text(context).into()), ("message", crate::i18n::error_text(error).into())],
        )));
    }

    fn handle_shortcuts(&mut self, ui: &egui::Ui) {
        let (open, quit) = ui.input(|i| (i.modifiers.command && i.key_pressed(egui::Key::O), i.modifiers.command && i.key_pressed(egui::Key::Q)));
        if open {
            self.backend.send(Request::PickFile);
        }
        if quit {
            self.backend.send(Request::Quit);
        }
    }

    fn navigation(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading(tr("app-title"));
            ui.separator();
            for pane in Pane::ALL {
                let tab = ui.selectable_label(self.pane == pane, pane.title());
                crate::probe::mark(ui, format!("tab:{}", pane.probe_name()), &tab);
                if tab.clicked() {
                    self.pane = pane;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(tr("app-quit-button")).on_hover_text(tr("app-quit-hint")).clicked() {
                    self.backend.send(Request::Quit);
                }
                if ui.button(tr("app-open-button")).on_hover_text(tr("app-open-hint")).clicked() {
                    self.backend.send(Request::PickFile);
                }
                ui.separator();
                // Each language's name in itself, so a user who cannot read the current one finds theirs.
                for lang in Lang::ALL.into_iter().rev() {
                    if ui.selectable_label(self.lang == lang, lang.display_name()).on_hover_text(tr("app-language-hint")).clicked() {
                        self.set_language(lang);
                    }
                }
            });
        });
    }

    /// Notices float over the bottom right of the pane: they never push what the user is about
    /// to click, and Dismiss stays inside the window at any size. The newest comes first, so a
    /// new message is never hidden below older ones.
    fn notices_ui(&mut self, ui: &mut egui::Ui, pane_rect: egui::Rect) {
        if self.notices.len() != self.notices_drawn {
            self.notices_drawn = self.notices.len();
            ui.ctx().request_repaint();
        }
        if self.notices.is_empty() {
            return;
        }
        let mut dismiss = None;
        let margin = 8.0;
        let width = (pane_rect.width() - 2.0 * margin).clamp(120.0, 520.0);
        let max_height = (pane_rect.height() * 0.5).max(60.0);
        egui::Area::new(egui::Id::unique("notices"))
            .order(egui::Order::Foreground)
            .pivot(egui::Align2::RIGHT_BOTTOM)
            .fixed_pos(pane_rect.right_bottom() - egui::vec2(margin, margin))
            .constrain_to(pane_rect)
            .show(ui.ctx(), |ui| {
                ui.set_max_width(width);
                egui::ScrollArea::vertical().id_salt("notices_scroll").max_height(max_height).show(ui, |ui| {
                    for (i, notice) in self.notices.iter().enumerate().rev() {
                        let (fill, text_color) = if notice.is_error {
                            (theme::ERROR_NOTICE_FILL, theme::ERROR_NOTICE_TEXT)
                        } else {
                            (theme::INFO_NOTICE_FILL, theme::INFO_NOTICE_TEXT)
                        };
                        egui::Frame::new().fill(fill).inner_margin(6.0).corner_radius(4.0).show(ui, |ui| {
                            ui.set_width(width - 12.0);
                            // Dismiss first, on the right, so a long text wraps beside it.
                            ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                                if ui.small_button(tr("app-dismiss-button")).clicked() {
                                    dismiss = Some(i);
                                }
                                ui.add(egui::Label::new(RichText::new(&notice.text).color(text_color)).wrap());
                            });
                        });
                        ui.add_space(4.0);
                    }
                });
            });
        if let Some(i) = dismiss {
            self.notices.remove(i);
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if self.tasks.is_empty() {
                ui.label(tr("app-status-ready"));
            }
            let mut cancel = Vec::new();
            for task in &mut self.tasks {
                ui.label(task.label_text());
                ui.add(egui::ProgressBar::new(task.fraction).desired_width(160.0).text(format!("{} {:.0}%", task.stage, task.fraction * 100.0)));
                let button = ui.add_enabled(!task.cancel_requested, egui::Button::new(tr("app-cancel-button")));

                if button.clicked() {
                    task.cancel_requested = true;
                    cancel.push(task.id);
                }
                ui.separator();
            }
            for task in cancel {
                self.backend.send(Request::Cancel { task });
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(self.data.status_text());
            });
        });
    }
}

/// What a `Saved` reply names, in the current language (the bridge names it in English).
fn saved_what(what: &str) -> String {
    match what {
        "Recipe" => tr("saved-recipe"),
        "Cleaned data" => tr("saved-cleaned-data"),
        "Model bundle" => tr("saved-model-bundle"),
        "Predictions" => tr("saved-predictions"),
        "Report" => tr("saved-report"),
        "Normal-operation bundle" => tr("saved-normal-bundle"),
        other => other.to_owned(),
    }
}

/// What a failed request was doing, in the current language: the bridge's contexts are English
/// (they also go to logs); a task's own label, from the engine, stays as it came.
fn context_text(context: &str) -> String {
    match context {
        "Cancelling" => tr("context-cancelling"),
        "Changing the cleaning steps" => tr("context-changing-steps"),
        "Changing the gate thresholds" => tr("context-changing-gate"),
        "Comparing runs" => tr("context-comparing-runs"),
        "Computing the histogram" => tr("context-histogram"),
        "Deleting the run" => tr("context-deleting-run"),
        "Evaluating the normal-operation run" => tr("context-evaluating-normal-run"),
        "Evaluating the run" => tr("context-evaluating-run"),
        "Exporting the cleaned data" => tr("context-exporting-cleaned"),
        "Exporting the model bundle" => tr("context-exporting-bundle"),
        "Exporting the normal-operation bundle" => tr("context-exporting-normal-bundle"),
        "Exporting the predictions" => tr("context-exporting-predictions"),
        "Exporting the report" => tr("context-exporting-report"),
        "Listing runs" => tr("context-listing-runs"),
        "Loading the file" => tr("context-loading-file"),
        "Opening the file dialog" => tr("context-file-dialog"),
        "Opening the model bundle" => tr("context-opening-bundle"),
        "Opening the normal-operation bundle" => tr("context-opening-normal-bundle"),
        "Opening the run" => tr("context-opening-run"),
        "Preparing the plot" => tr("context-preparing-plot"),
        "Previewing the step" => tr("context-previewing-step"),
        "Quitting" => tr("context-quitting"),
        "Reading rows" => tr("context-reading-rows"),
        "Reading the cleaning state" => tr("context-reading-clean-state"),
        "Reading the command line" => tr("context-reading-command-line"),
        "Reading the data set" => tr("context-reading-dataset"),
        "Reading the quality report" => tr("context-reading-quality-report"),
        "Receiving progress" => tr("context-receiving-progress"),
        "Reporting" => tr("context-reporting"),
        "Saving the recipe" => tr("context-saving-recipe"),
        "Starting the normal-operation check" => tr("context-starting-normal-check"),
        "Starting the normal-operation training" => tr("context-starting-normal-training"),
        "Starting the prediction" => tr("context-starting-prediction"),
        "Starting training" => tr("context-starting-training"),
        other => named_task_text(other).unwrap_or_else(|| other.to_owned()),
    }
}

/// The engine's labels of tasks on a named file ("Loading plant.csv", "Predicting on
/// "plant.csv"", "Checking "plant.csv" against normal operation") in the current language.
fn named_task_text(label: &str) -> Option<String> {
    let quoted = |text: &str| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).map(str::to_owned);
    if let Some(file) = label.strip_prefix("Loading ") {
        return Some(tr_with("context-loading-named", &[("file", file.into())]));
    }
    if let Some(file) = label.strip_prefix("Predicting on ").and_then(quoted) {
        return Some(tr_with("context-predicting-named", &[("file", file.into())]));
    }
    let file = label.strip_prefix("Checking ").and_then(|rest| rest.strip_suffix(" against normal operation")).and_then(quoted)?;
    Some(tr_with("context-checking-named", &[("file", file.into())]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_task_labels_on_named_files_are_said_in_the_current_language() {
        crate::i18n::set_language(Lang::ZhCn);
        assert_eq!(context_text("Loading stray.csv"), "加载 stray.csv");
        assert_eq!(context_text("Predicting on \"march.csv\""), "对“march.csv”进行预测");
        assert_eq!(context_text("Checking \"march.csv\" against normal operation"), "对照正常运行检查“march.csv”");
        assert_eq!(context_text("Loading the file"), "加载文件");
        // A label it does not know stays as the engine wrote it.
        assert_eq!(context_text("Training mlp on \"fault\""), "Training mlp on \"fault\"");
        crate::i18n::set_language(Lang::En);
        assert_eq!(context_text("Loading stray.csv"), "Loading stray.csv");
    }
}
