//! The Predict pane: open a model bundle, choose a new export, predict in the background,
//! then read the risk timeline, the alarms (each with a plain-language explanation), the
//! warnings about inputs the model was not trained for, and, when the file carries the label,
//! the same figures as the Evaluate pane. The per-sample predictions export as CSV.

use egui::RichText;
use plantlab_protocol::{
    format_duration, format_epoch_millis, Alarm, ApiError, BundleInfo, EventOptions, FilePurpose, PredictRequest, PredictionResult, TaskId,
};

use crate::backend::{Backend, Request};
use crate::evaluate_pane::{alarm_settings_text, alarm_settings_ui, events_summary, metrics_table, thin_evidence_text};
use crate::format::{file_name, thousands};
use crate::normal_model::{ModelFamily, NormalPredictor};
use crate::theme;
use crate::widgets::{warning_badge, Stretch, TimelinePlot, TimelineView};

/// A prediction with its plot geometry, built once when it arrives.
struct ResultView {
    result: PredictionResult,
    timeline: TimelinePlot,
    /// Each alarm's x range on the timeline, in the order of `result.alarms`.
    alarm_ranges: Vec<(f64, f64)>,
}

impl ResultView {
    fn new(result: PredictionResult) -> Self {
        let timeline = TimelinePlot::new(&result.timeline);
        let alarm_ranges = result.alarms.iter().map(|a| (timeline.x_of(a.start_ms, a.start_row), timeline.x_of(a.end_ms, a.end_row))).collect();
        Self { result, timeline, alarm_ranges }
    }
}

/// A prediction the pane started and that has not ended yet.
struct Running {
    /// Known once the backend reports the task as started.
    task: Option<TaskId>,
}

pub struct PredictPane {
    bundle: Option<BundleInfo>,
    /// An "Open bundle" is on its way: the next bundle reply is the one the user chose.
    opening_bundle: bool,
    data_path: Option<String>,
    override_threshold: bool,
    threshold: f64,
    /// Use `events` instead of the bundle's alarm settings.
    override_events: bool,
    events: EventOptions,
    running: Option<Running>,
    view: Option<ResultView>,
    selected_alarm: Option<usize>,
    /// Move the timeline to this x range on the next frame.
    focus: Option<(f64, f64)>,
    reset_timeline: bool,
    /// Which kind of bundle the pane applies: a fault classifier's or a normal-operation model's.
    family: ModelFamily,
    normal: NormalPredictor,
}

impl Default for PredictPane {
    fn default() -> Self {
        Self {
            bundle: None,
            opening_bundle: false,
            data_path: None,
            override_threshold: false,
            threshold: 0.5,
            override_events: false,
            events: EventOptions::default(),
            running: None,
            view: None,
            selected_alarm: None,
            focus: None,
            reset_timeline: false,
            family: ModelFamily::Classifier,
            normal: NormalPredictor::default(),
        }
    }
}

impl PredictPane {
    /// A bundle arrived: one the user opened, or one just exported from the Evaluate pane
    /// (taken only when no other bundle is open, so an export never swaps the user's choice).
    pub fn bundle_arrived(&mut self, bundle: BundleInfo) {
        if self.opening_bundle || self.bundle.is_none() {
            self.opening_bundle = false;
            self.threshold = bundle.threshold;
            // Overriding starts from what the bundle would use.
            self.events = bundle.event_options;
            self.bundle = Some(bundle);
        }
    }

    pub fn picked_path(&mut self, purpose: FilePurpose, path: String, backend: &mut dyn Backend) {
        if self.family == ModelFamily::Normal {
            match purpose {
                FilePurpose::OpenBundle => self.normal.open_bundle(path, backend),
                FilePurpose::OpenPredictData => self.normal.set_data_path(path),
                _ => {}
            }
            return;
        }
        match purpose {
            FilePurpose::OpenBundle => {
                self.opening_bundle = true;
                backend.send(Request::OpenBundle { path });
            }
            FilePurpose::OpenPredictData => self.data_path = Some(path),
            FilePurpose::SavePredictions => backend.send(Request::ExportPredictions { path }),
            _ => {}
        }
    }

    /// A predict task began; the pane owns the first one after it asked.
    pub fn task_started(&mut self, task: TaskId) {
        if let Some(running) = self.running.as_mut().filter(|r| r.task.is_none()) {
            running.task = Some(task);
        } else {
            self.normal.task_started(task);
        }
    }

    pub fn owns(&self, task: TaskId) -> bool {
        self.running.as_ref().and_then(|r| r.task) == Some(task) || self.normal.owns(task)
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some() || self.normal.is_running()
    }

    /// A normal-operation bundle was opened (here, or from a run's folder).
    pub fn normal_bundle_arrived(&mut self, bundle: plantlab_protocol::NormalBundleInfo) {
        self.family = ModelFamily::Normal;
        self.normal.bundle_arrived(bundle);
    }

    pub fn set_normal_result(&mut self, prediction: plantlab_protocol::NormalPrediction) {
        self.family = ModelFamily::Normal;
        self.normal.set_result(prediction);
    }

    pub fn set_result(&mut self, result: PredictionResult) {
        self.running = None;
        self.selected_alarm = None;
        self.focus = None;
        self.reset_timeline = true;
        self.view = Some(ResultView::new(result));
    }

    /// The prediction failed (`error`) or was cancelled (`None`): the previous result (if any) stays.
    pub fn ended_without_result(&mut self, task: TaskId, error: Option<&ApiError>) {
        if self.normal.owns(task) {
            self.normal.ended_without_result(error);
        } else {
            self.running = None;
        }
    }

    pub fn request_failed(&mut self, error: &ApiError) {
        self.normal.request_failed(error);
        self.opening_bundle = false;
        // A start that failed before a task existed leaves nothing running.
        if self.running.as_ref().is_some_and(|r| r.task.is_none()) {
            self.running = None;
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        let side = (ui.available_width() * 0.32).clamp(220.0, 330.0);
        egui::Panel::left("predict_inputs").resizable(true).default_size(side).show(ui, |ui| {
            egui::ScrollArea::both().id_salt("predict_inputs_scroll").show(ui, |ui| {
                crate::normal_model::family_choice(ui, &mut self.family);
                ui.separator();
                match self.family {
                    ModelFamily::Classifier => self.inputs(ui, backend),
                    ModelFamily::Normal => self.normal.inputs_ui(ui, backend),
                }
            });
        });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("predict_results_scroll").show(ui, |ui| match self.family {
                ModelFamily::Classifier => self.results(ui, backend),
                ModelFamily::Normal => self.normal.results_ui(ui),
            });
        });
    }

    fn inputs(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        ui.heading("Model bundle");
        ui.horizontal(|ui| {
            if ui.button("Open bundle…").on_hover_text("A model bundle exported from the Evaluate pane (or `plantlab bundle`)").clicked() {
                backend.send(Request::PickPath { purpose: FilePurpose::OpenBundle });
            }
            if self.opening_bundle {
                ui.spinner();
            }
        });
        match &self.bundle {
            Some(bundle) => bundle_ui(ui, bundle),
            None => {
                ui.label("No bundle open: export one from the Evaluate pane, then open it here.");
            }
        }
        ui.separator();
        ui.heading("Data to predict on");
        if ui.button("Open data…").on_hover_text("The new export to predict on (CSV, TSV, Parquet, Excel)").clicked() {
            backend.send(Request::PickPath { purpose: FilePurpose::OpenPredictData });
        }
        match &self.data_path {
            Some(path) => {
                ui.label(RichText::new(file_name(path)).strong()).on_hover_text(path);
                ui.label(RichText::new(path).weak().small());
            }
            None => {
                ui.label("No data file chosen.");
            }
        }
        ui.separator();
        ui.checkbox(&mut self.override_threshold, "Override the bundle's threshold");
        if self.override_threshold {
            ui.add(egui::Slider::new(&mut self.threshold, 0.0..=1.0).text("Alarm threshold").fixed_decimals(3));
        }
        ui.checkbox(&mut self.override_events, "Override the bundle's alarm settings")
            .on_hover_text("How alarm samples (risk at or above the threshold) merge into alarm events");
        if self.override_events {
            alarm_settings_ui(ui, "predict_alarm_settings", &mut self.events);
        }
        ui.separator();
        let missing = match (&self.bundle, &self.data_path) {
            (None, None) => Some("Open a model bundle and choose the data file to predict on."),
            (None, Some(_)) => Some("Open a model bundle first."),
            (Some(_), None) => Some("Choose the data file to predict on (Open data…)."),
            (Some(_), Some(_)) => None,
        };
        if crate::widgets::run_button(ui, missing, self.running.is_some(), "Predicting… (progress and Cancel in the status bar)") {
            if let (Some(bundle), Some(path)) = (&self.bundle, &self.data_path) {
                let threshold = self.override_threshold.then_some(self.threshold);
                let events = self.override_events.then_some(self.events);
                self.running = Some(Running { task: None });
                backend.send(Request::Predict(PredictRequest { path: path.clone(), bundle: bundle.path.clone(), threshold, events }));
            }
        }
    }

    fn results(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        let Some(view) = &self.view else {
            ui.add_space(20.0);
            ui.label("Results appear here: the risk over time, the alarms with an explanation each, and warnings about the inputs.");
            return;
        };
        let result = &view.result;
        ui.horizontal_wrapped(|ui| {
            ui.heading(format!("Prediction for {}", file_name(&result.file)));
            if ui.button("Export predictions (CSV)…").on_hover_text("Time, risk and alarm flag for every sample").clicked() {
                backend.send(Request::PickPath { purpose: FilePurpose::SavePredictions });
            }
        });
        ui.label(format!(
            "{} rows, {} samples predicted, {} alarm event{} from {} alarm sample{} at threshold {:.3}, in {:.1} s (model {} from run {})",
            thousands(result.rows),
            thousands(result.samples),
            thousands(result.alarm_count),
            if result.alarm_count == 1 { "" } else { "s" },
            thousands(result.alarm_samples),
            if result.alarm_samples == 1 { "" } else { "s" },
            result.threshold,
            result.seconds,
            result.bundle.model.as_str(),
            result.bundle.run_id
        ));
        ui.label(RichText::new(format!("How: {}.", alarm_settings_text(&result.event_options))).weak());
        if let Some(overlap) = &result.training_overlap {
            ui.label(RichText::new(format!(
                "Inside the training period: {} predicted sample{} lie between {} and {}, the data the model was trained on. Its risk there is not a fair test; predict on data after the training period to judge the model.",
                thousands(overlap.samples),
                if overlap.samples == 1 { "" } else { "s" },
                format_epoch_millis(overlap.train_start_ms),
                format_epoch_millis(overlap.train_end_ms)
            ))
            .color(theme::WARNING_TEXT));
        }

        if view.timeline.points() > 0 {
            ui.horizontal_wrapped(|ui| {
                ui.label("Risk (line), threshold (yellow), alarm events (orange; the selected one darker), fault labels in the file (red)");
                if ui.small_button("Whole timeline").clicked() {
                    self.reset_timeline = true;
                }
            });
            let stretches: Vec<Stretch> = view
                .alarm_ranges
                .iter()
                .enumerate()
                .map(|(i, &(start, end))| Stretch { start, end, highlighted: self.selected_alarm == Some(i) })
                .collect();
            let shown = TimelineView {
                threshold: result.threshold,
                alarms: &stretches,
                focus: self.focus.take(),
                reset: std::mem::take(&mut self.reset_timeline),
            };
            view.timeline.show(ui, "predict_timeline", 240.0, shown);
        }

        let mut clicked = None;
        ui.add_space(6.0);
        let listed = if (result.alarms.len() as u64) < result.alarm_count {
            format!("Alarm events ({}; the first {} are listed, the CSV export has every sample)", thousands(result.alarm_count), result.alarms.len())
        } else {
            format!("Alarm events ({})", result.alarms.len())
        };
        ui.label(RichText::new(listed).strong());
        if result.alarms.is_empty() {
            ui.label(if result.alarm_samples == 0 {
                "No alarms: the risk stayed below the threshold."
            } else {
                "No alarm events: the alarm samples were too short to make one (see the alarm settings)."
            });
        }
        egui::ScrollArea::vertical().id_salt("predict_alarms").max_height(220.0).show(ui, |ui| {
            for (i, alarm) in result.alarms.iter().enumerate() {
                // Wrapped, so a long line stays inside a narrow window.
                if ui.add(egui::Button::selectable(self.selected_alarm == Some(i), alarm_line(alarm)).wrap()).clicked() {
                    clicked = Some(i);
                }
            }
        });
        if let Some(alarm) = self.selected_alarm.and_then(|i| result.alarms.get(i)) {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label(RichText::new(format!("Why alarm event {} fired", alarm.index)).strong());
                ui.label(&alarm.explanation);
                for tag in &alarm.top_tags {
                    let direction = if tag.mean_signed >= 0.0 { "raises" } else { "lowers" };
                    ui.label(format!("{}: {direction} the risk by {:.3} on average over the event", tag.tag, tag.mean_signed.abs()));
                }
            });
        }

        ui.add_space(6.0);
        ui.label(RichText::new(format!("Input warnings ({})", result.warnings.len())).strong());
        if result.warnings.is_empty() {
            ui.label("None: every input looks like what the model was trained on.");
        }
        for warning in &result.warnings {
            ui.horizontal_wrapped(|ui| {
                warning_badge(ui, warning.kind);
                ui.label(RichText::new(&warning.tag).strong());
                ui.label(format!("({} samples)", thousands(warning.count)));
                ui.label(&warning.message);
            });
        }

        if let Some(evaluation) = &result.evaluation {
            ui.add_space(6.0);
            ui.label(RichText::new("Against the labels in this file").strong());
            if let Some(episodes) = evaluation.thin_evidence() {
                ui.label(RichText::new(thin_evidence_text(episodes, "this file")).color(theme::WARNING_TEXT));
            }
            metrics_table(ui, "predict_metrics", &evaluation.test, &evaluation.baseline, None);
            if let Some(events) = &evaluation.events {
                ui.label(events_summary(events));
            }
        }

        if let Some(i) = clicked {
            self.selected_alarm = Some(i);
            self.focus = view.alarm_ranges.get(i).copied();
        }
    }
}

fn bundle_ui(ui: &mut egui::Ui, bundle: &BundleInfo) {
    ui.label(RichText::new(file_name(&bundle.path)).strong()).on_hover_text(&bundle.path);
    egui::Grid::new("predict_bundle").num_columns(2).spacing([10.0, 2.0]).show(ui, |ui| {
        let mut row = |name: &str, value: String| {
            ui.label(RichText::new(name).weak());
            ui.label(value);
            ui.end_row();
        };
        row("Model", format!("{} (run {})", bundle.model.as_str(), bundle.run_id));
        row("Target", format!("{} ({})", bundle.target, bundle.classes.join(", ")));
        row("Features", format!("{} tags", bundle.features.len()));
        row("Recipe", format!("{} cleaning steps", bundle.recipe_steps));
        row("Trained", bundle.created.clone());
        if let Some(test) = &bundle.test {
            let area = |v: Option<f64>| v.map_or("n/a".to_owned(), |v| format!("{v:.3}"));
            row("Test", format!("ROC-AUC {}, PR-AUC {}", area(test.roc_auc), area(test.pr_auc)));
        }
        row("Threshold", format!("{:.3}", bundle.threshold));
        if let Some((start, end)) = bundle.training_period_ms {
            row("Trained from", format_epoch_millis(start));
            row("Trained until", format_epoch_millis(end));
        }
    });
    // Wrapped below the grid: the sentence is longer than a narrow panel.
    ui.label(RichText::new(format!("The bundle's alarm settings: {}.", alarm_settings_text(&bundle.event_options))).weak());
}

fn place(millis: Option<i64>, row: u64) -> String {
    millis.map_or_else(|| format!("row {}", thousands(row)), format_epoch_millis)
}

/// How long an alarm event lasted: time between its first and last sample, or samples
/// without timestamps.
pub(crate) fn alarm_duration(alarm: &Alarm) -> String {
    match (alarm.start_ms, alarm.end_ms) {
        (Some(start), Some(end)) if end > start => format_duration((end - start) as f64 / 1000.0),
        (Some(_), Some(_)) => "one sample".to_owned(),
        _ => {
            let n = alarm.end_row.saturating_sub(alarm.start_row) + 1;
            format!("{} sample{}", thousands(n), if n == 1 { "" } else { "s" })
        }
    }
}

/// One alarm event in the list: when, how long, how high, and which tags drove it.
fn alarm_line(alarm: &Alarm) -> String {
    let tags: Vec<&str> = alarm.top_tags.iter().take(3).map(|t| t.tag.as_str()).collect();
    format!(
        "Alarm event {}: {} – {} ({}), peak risk {:.2}; top tags {}",
        alarm.index,
        place(alarm.start_ms, alarm.start_row),
        place(alarm.end_ms, alarm.end_row),
        alarm_duration(alarm),
        alarm.peak_risk,
        if tags.is_empty() { "-".to_owned() } else { tags.join(", ") }
    )
}

impl PredictPane {
    /// The bundle, data file and overrides chosen, for `PlantLabApp::settings_fingerprint`.
    pub fn settings_fingerprint(&self) -> String {
        format!(
            "{:?} {:?} {} {} {} {:?} {:?}",
            self.bundle, self.data_path, self.override_threshold, self.threshold, self.override_events, self.events, self.family
        )
    }
}
