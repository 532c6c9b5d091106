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
use crate::i18n::{tr, tr_with};
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
        ui.heading(tr("predict-bundle-heading"));
        ui.horizontal(|ui| {
            if ui.button(tr("predict-open-bundle-button")).on_hover_text(tr("predict-open-bundle-hint")).clicked() {
                backend.send(Request::PickPath { purpose: FilePurpose::OpenBundle });
            }
            if self.opening_bundle {
                ui.spinner();
            }
        });
        match &self.bundle {
            Some(bundle) => bundle_ui(ui, bundle),
            None => {
                ui.label(tr("predict-no-bundle"));
            }
        }
        ui.separator();
        ui.heading(tr("predict-data-heading"));
        if ui.button(tr("predict-open-data-button")).on_hover_text(tr("predict-open-data-hint")).clicked() {
            backend.send(Request::PickPath { purpose: FilePurpose::OpenPredictData });
        }
        match &self.data_path {
            Some(path) => {
                ui.label(RichText::new(file_name(path)).strong()).on_hover_text(path);
                ui.label(RichText::new(path).weak().small());
            }
            None => {
                ui.label(tr("predict-no-data"));
            }
        }
        ui.separator();
        ui.checkbox(&mut self.override_threshold, tr("predict-override-threshold"));
        if self.override_threshold {
            ui.add(egui::Slider::new(&mut self.threshold, 0.0..=1.0).text(tr("predict-alarm-threshold")).fixed_decimals(3));
        }
        ui.checkbox(&mut self.override_events, tr("predict-override-events")).on_hover_text(tr("predict-override-events-hint"));
        if self.override_events {
            alarm_settings_ui(ui, "predict_alarm_settings", &mut self.events);
        }
        ui.separator();
        let missing = match (&self.bundle, &self.data_path) {
            (None, None) => Some(tr("predict-missing-both")),
            (None, Some(_)) => Some(tr("predict-missing-bundle")),
            (Some(_), None) => Some(tr("predict-missing-data")),
            (Some(_), Some(_)) => None,
        };
        if crate::widgets::run_button(ui, missing.as_deref(), self.running.is_some(), &tr("predict-running")) {
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
            ui.label(tr("predict-results-placeholder"));
            return;
        };
        let result = &view.result;
        ui.horizontal_wrapped(|ui| {
            ui.heading(tr_with("predict-heading", &[("file", file_name(&result.file).into())]));
            if ui.button(tr("predict-export-button")).on_hover_text(tr("predict-export-hint")).clicked() {
                backend.send(Request::PickPath { purpose: FilePurpose::SavePredictions });
            }
        });
        ui.label(tr_with(
            "predict-result-line",
            &[
                ("rows", thousands(result.rows).into()),
                ("samples", thousands(result.samples).into()),
                ("alarm-events", result.alarm_count.into()),
                ("alarm-events-text", thousands(result.alarm_count).into()),
                ("alarm-samples", result.alarm_samples.into()),
                ("alarm-samples-text", thousands(result.alarm_samples).into()),
                ("threshold", format!("{:.3}", result.threshold).into()),
                ("seconds", format!("{:.1}", result.seconds).into()),
                ("model", result.bundle.model.as_str().into()),
                ("run", (&result.bundle.run_id).into()),
            ],
        ));
        ui.label(RichText::new(tr_with("predict-how", &[("settings", alarm_settings_text(&result.event_options).into())])).weak());
        if let Some(overlap) = &result.training_overlap {
            ui.label(
                RichText::new(tr_with(
                    "predict-training-overlap",
                    &[
                        ("samples", overlap.samples.into()),
                        ("samples-text", thousands(overlap.samples).into()),
                        ("start", format_epoch_millis(overlap.train_start_ms).into()),
                        ("end", format_epoch_millis(overlap.train_end_ms).into()),
                    ],
                ))
                .color(theme::WARNING_TEXT),
            );
        }

        if view.timeline.points() > 0 {
            ui.horizontal_wrapped(|ui| {
                ui.label(tr("predict-timeline-caption"));
                if ui.small_button(tr("predict-whole-timeline")).clicked() {
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
            tr_with(
                "predict-alarm-events-truncated",
                &[("count", thousands(result.alarm_count).into()), ("listed", result.alarms.len().to_string().into())],
            )
        } else {
            tr_with("predict-alarm-events", &[("count", result.alarms.len().to_string().into())])
        };
        ui.label(RichText::new(listed).strong());
        if result.alarms.is_empty() {
            ui.label(if result.alarm_samples == 0 { tr("predict-no-alarms") } else { tr("predict-no-alarm-events") });
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
                ui.label(RichText::new(tr_with("predict-why-alarm", &[("index", alarm.index.to_string().into())])).strong());
                ui.label(crate::i18n::alarm_explanation_text(alarm));
                for tag in &alarm.top_tags {
                    let args = [("tag", (&tag.tag).into()), ("amount", format!("{:.3}", tag.mean_signed.abs()).into())];
                    ui.label(if tag.mean_signed >= 0.0 { tr_with("predict-tag-raises", &args) } else { tr_with("predict-tag-lowers", &args) });
                }
            });
        }

        ui.add_space(6.0);
        ui.label(RichText::new(tr_with("predict-input-warnings", &[("count", result.warnings.len().to_string().into())])).strong());
        if result.warnings.is_empty() {
            ui.label(tr("predict-no-input-warnings"));
        }
        for warning in &result.warnings {
            ui.horizontal_wrapped(|ui| {
                warning_badge(ui, warning.kind);
                ui.label(RichText::new(&warning.tag).strong());
                ui.label(tr_with("predict-warning-samples", &[("count", thousands(warning.count).into())]));
                ui.label(crate::i18n::input_warning_text(warning));
            });
        }

        if let Some(evaluation) = &result.evaluation {
            ui.add_space(6.0);
            ui.label(RichText::new(tr("predict-against-labels")).strong());
            if let Some(episodes) = evaluation.thin_evidence() {
                ui.label(RichText::new(thin_evidence_text(episodes, &tr("predict-this-file"))).color(theme::WARNING_TEXT));
            }
            metrics_table(ui, "predict_metrics", &evaluation.test, &evaluation.baseline, None, None);
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
        let mut row = |name: String, value: String| {
            ui.label(RichText::new(name).weak());
            ui.label(value);
            ui.end_row();
        };
        row(
            tr("predict-bundle-model"),
            tr_with("predict-bundle-model-value", &[("model", bundle.model.as_str().into()), ("run", (&bundle.run_id).into())]),
        );
        row(
            tr("predict-bundle-target"),
            tr_with("predict-bundle-target-value", &[("target", (&bundle.target).into()), ("classes", bundle.classes.join(", ").into())]),
        );
        row(tr("predict-bundle-features"), tr_with("predict-bundle-features-value", &[("count", bundle.features.len().to_string().into())]));
        row(tr("predict-bundle-recipe"), tr_with("predict-bundle-recipe-value", &[("count", bundle.recipe_steps.to_string().into())]));
        row(tr("predict-bundle-trained"), bundle.created.clone());
        if let Some(test) = &bundle.test {
            let area = |v: Option<f64>| v.map_or(tr("metric-not-available"), |v| format!("{v:.3}"));
            row(
                tr("predict-bundle-test"),
                tr_with("predict-bundle-test-value", &[("roc", area(test.roc_auc).into()), ("pr", area(test.pr_auc).into())]),
            );
        }
        row(tr("predict-bundle-threshold"), format!("{:.3}", bundle.threshold));
        if let Some((start, end)) = bundle.training_period_ms {
            row(tr("predict-bundle-trained-from"), format_epoch_millis(start));
            row(tr("predict-bundle-trained-until"), format_epoch_millis(end));
        }
    });
    // Wrapped below the grid: the sentence is longer than a narrow panel.
    ui.label(RichText::new(tr_with("predict-bundle-alarm-settings", &[("settings", alarm_settings_text(&bundle.event_options).into())])).weak());
}

fn place(millis: Option<i64>, row: u64) -> String {
    millis.map_or_else(|| tr_with("eval-place-row", &[("row", thousands(row).into())]), format_epoch_millis)
}

/// How long an alarm event lasted: time between its first and last sample, or samples
/// without timestamps.
pub(crate) fn alarm_duration(alarm: &Alarm) -> String {
    match (alarm.start_ms, alarm.end_ms) {
        (Some(start), Some(end)) if end > start => format_duration((end - start) as f64 / 1000.0),
        (Some(_), Some(_)) => tr("predict-one-sample"),
        _ => {
            let n = alarm.end_row.saturating_sub(alarm.start_row) + 1;
            tr_with("eval-samples-count", &[("count", n.into()), ("formatted", thousands(n).into())])
        }
    }
}

/// One alarm event in the list: when, how long, how high, and which tags drove it.
fn alarm_line(alarm: &Alarm) -> String {
    let tags: Vec<&str> = alarm.top_tags.iter().take(3).map(|t| t.tag.as_str()).collect();
    tr_with(
        "predict-alarm-line",
        &[
            ("index", alarm.index.to_string().into()),
            ("start", place(alarm.start_ms, alarm.start_row).into()),
            ("end", place(alarm.end_ms, alarm.end_row).into()),
            ("duration", alarm_duration(alarm).into()),
            ("peak", format!("{:.2}", alarm.peak_risk).into()),
            ("tags", if tags.is_empty() { "-".to_owned() } else { tags.join(", ") }.into()),
        ],
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
