//! The application frame: pane navigation, notices, the status bar with background tasks.

use egui::RichText;
use plantlab_protocol::{ApiError, FilePurpose, FrameStats, RunStatus, TaskEvent, TaskId, TaskKind, TaskOutcome, TrainUpdate};

use crate::backend::{Backend, Reply, Request};
use crate::clean_pane::CleanPane;
use crate::data_pane::DataPane;
use crate::evaluate_pane::EvaluatePane;
use crate::frames::FrameTimes;
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

    pub fn title(self) -> &'static str {
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
    pub label: String,
    pub fraction: f32,
    pub stage: String,
    pub cancel_requested: bool,
}

/// A message for the user, shown until dismissed.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
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
}

/// How a notice about the import of the open file begins.
const IMPORT_NOTICE: &str = "Import: ";

impl PlantLabApp {
    pub fn new(backend: Box<dyn Backend>) -> Self {
        Self {
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
            Reply::Saved { what, path } => self.notices.push(Notice { text: format!("{what} saved to {path}."), is_error: false }),
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
            self.notices.push(Notice { text: "Type a file path first, or use Open….".into(), is_error: true });
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
            TaskEvent::Started { label, kind, .. } => {
                if kind == TaskKind::Train {
                    self.train.task_started(id);
                    self.frames.clear();
                }
                if kind == TaskKind::Predict {
                    self.predict.task_started(id);
                }
                self.tasks.push(TaskView { id, kind, label, fraction: 0.0, stage: "starting".into(), cancel_requested: false })
            }
            TaskEvent::Progress { fraction, stage, .. } => {
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
                        self.notices.retain(|n| !n.is_error && !n.text.starts_with(IMPORT_NOTICE));
                        for warning in &summary.warnings {
                            self.notices.push(Notice { text: format!("{IMPORT_NOTICE}{warning}"), is_error: false });
                        }
                        self.data.set_dataset(summary, self.backend.as_mut());
                        self.clean.reset(self.backend.as_mut());
                    }
                    TaskOutcome::Cleaned(summary) => {
                        if self.clean.change_finished(self.backend.as_mut()) {
                            self.notices.push(Notice {
                                text: format!(
                                    "Recipe applied: {} steps, {} rows in, {} rows out; quality gate {}.",
                                    summary.steps.len(),
                                    summary.rows_in,
                                    summary.rows_out,
                                    if summary.gate.passed { "passed" } else { "failed" }
                                ),
                                is_error: false,
                            });
                        }
                        // The cleaned data is now the open data set: the Data pane shows it.
                        self.backend.send(Request::Summary);
                    }
                    TaskOutcome::Trained(summary) => {
                        self.notices.push(Notice { text: format!("Training: {}", summary.message), is_error: false });
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
                        self.notices.push(Notice { text: format!("Normal-operation training: {}", summary.message), is_error: false });
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
                        t.stage = format!("epoch {} batch {}/{}", batch.epoch, batch.batch, batch.batches);
                    }
                }
                if self.train.owns(id) {
                    self.train.update(update);
                }
            }
            TaskEvent::Failed { error, .. } => {
                let label = self.end_without_result(id, Some(&error)).unwrap_or_else(|| "A task".into());
                self.error(&label, &error);
            }
            TaskEvent::Cancelled { .. } => {
                let label = self.end_without_result(id, None).unwrap_or_default();
                self.notices.push(Notice { text: format!("{label}: cancelled. The data you had is unchanged."), is_error: false });
            }
        }
    }

    /// A task that failed (`error`) or was cancelled (`None`): the pane that started it stops
    /// waiting and says why, and the task leaves the status bar. Returns its label.
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
        let label = self.tasks.iter().find(|t| t.id == id).map(|t| t.label.clone());
        self.tasks.retain(|t| t.id != id);
        label
    }

    fn error(&mut self, context: &str, error: &ApiError) {
        self.notices.push(Notice { text: format!("{context} failed: {}", error.message), is_error: true });
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
            ui.heading("PlantLab");
            ui.separator();
            for pane in Pane::ALL {
                let tab = ui.selectable_label(self.pane == pane, pane.title());
                crate::probe::mark(ui, format!("tab:{}", pane.title()), &tab);
                if tab.clicked() {
                    self.pane = pane;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Quit").on_hover_text("Ctrl+Q").clicked() {
                    self.backend.send(Request::Quit);
                }
                if ui.button("Open…").on_hover_text("Open a CSV file (Ctrl+O), or drop one on the window").clicked() {
                    self.backend.send(Request::PickFile);
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
                                if ui.small_button("Dismiss").clicked() {
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
                ui.label("Ready");
            }
            let mut cancel = Vec::new();
            for task in &mut self.tasks {
                ui.label(&task.label);
                ui.add(egui::ProgressBar::new(task.fraction).desired_width(160.0).text(format!("{} {:.0}%", task.stage, task.fraction * 100.0)));
                let button = ui.add_enabled(!task.cancel_requested, egui::Button::new("Cancel"));
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
