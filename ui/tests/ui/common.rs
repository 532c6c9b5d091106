//! Pieces the UI tests share: the harness around the whole app, and the usual first steps.

#![allow(dead_code)] // each test file uses its own subset

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use plantlab_protocol::{
    ApiError, BundleInfo, CleanAction, CleanState, DatasetSummary, EvaluateRequest, Evaluation, EventOptions, FilePurpose, FrameStats,
    GateThresholds, Histogram, HistogramRequest, ImportOverrides, ImportSettings, PageRequest, PaintReport, PredictRequest, PreviewRequest,
    QualityReport, RunComparison, RunDetail, RunEntry, Series, SeriesRequest, StepPreview, TablePage, TaskEvent, TrainConfig, WidgetReport,
};
use plantlab_ui::{Backend, PlantLabApp, Reply, Request};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The whole app with `backend` behind it, in a window of `width` × `height`. Every request
/// and reply passes through JSON on the way ([`JsonBackend`]), as over the desktop bridge.
pub fn app_harness(backend: impl Backend + 'static, width: f32, height: f32) -> Harness<'static, PlantLabApp> {
    let app = PlantLabApp::new(Box::new(JsonBackend(backend)));
    Harness::builder().with_size(egui::vec2(width, height)).build_ui_state(|ui, app: &mut PlantLabApp| app.ui(ui), app)
}

/// Opens the file the fake backend's dialog picks, then switches to the pane `tab`.
pub fn open_file_and_go_to(harness: &mut Harness<'static, PlantLabApp>, tab: &str) {
    harness.run();
    harness.get_by_label("Open…").click();
    harness.run();
    harness.get_by_label(tab).click();
    harness.run();
}

/// Import settings of a plain comma-separated UTF-8 file.
pub fn plain_csv_settings() -> ImportSettings {
    ImportSettings {
        delimiter: ',',
        decimal: '.',
        encoding: "utf-8".into(),
        header_rows: 1,
        timestamp_column: None,
        timestamp_format: None,
        status_strings: vec![],
        sheet: None,
        names: None,
        column_widths: None,
    }
}

/// Wraps a backend (a pane test's fake, or the real engine) so that every request's payload
/// and every reply crosses JSON as over the desktop bridge: the UI's values are written with
/// serde_json as `ui/src/web.rs` sends them and read as the type the shell's command
/// (`src-tauri/src/lib.rs`) takes; every answer is written as the command returns it and read
/// as the type `web.rs` reads. A value that cannot make the trip (say a NaN written as
/// `null`) fails the test with the command's name, as it would fail in the app.
pub struct JsonBackend<B: Backend>(pub B);

impl<B: Backend> Backend for JsonBackend<B> {
    fn send(&mut self, request: Request) {
        self.0.send(request_through_json(request));
    }

    fn poll(&mut self) -> Vec<Reply> {
        self.0.poll().into_iter().map(reply_through_json).collect()
    }
}

/// `value` written as JSON text and read back as `T`, as a value crosses IPC.
pub fn via_json<T: Serialize + DeserializeOwned>(what: &str, value: &T) -> T {
    let text = serde_json::to_string(value).unwrap_or_else(|e| panic!("{what}: the value cannot be written as JSON: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: unexpected answer: Error: {e}\n{text}"))
}

/// A clean action as `clean_start` receives it.
fn action_via_json(action: CleanAction) -> CleanAction {
    via_json("clean_start", &action)
}

/// The request as the shell's command receives it.
pub fn request_through_json(request: Request) -> Request {
    match request {
        Request::PickFile | Request::InitialPath | Request::Report | Request::Summary | Request::Quit | Request::CleanState | Request::ListRuns => {
            request
        }
        Request::PickPath { purpose } => Request::PickPath { purpose: via_json::<FilePurpose>("pick_path", &purpose) },
        Request::Load { path, overrides } => {
            Request::Load { path: via_json("start_load", &path), overrides: via_json::<Option<ImportOverrides>>("start_load", &overrides) }
        }
        Request::Cancel { task } => Request::Cancel { task: via_json("cancel_task", &task) },
        Request::Page(r) => Request::Page(via_json::<PageRequest>("dataset_page", &r)),
        Request::Series(r) => Request::Series(via_json::<SeriesRequest>("dataset_series", &r)),
        Request::Histogram(r) => Request::Histogram(via_json::<HistogramRequest>("dataset_histogram", &r)),
        Request::ReportPainted(r) => Request::ReportPainted(via_json::<PaintReport>("report_painted", &r)),
        Request::ReportWidgets(r) => Request::ReportWidgets(via_json::<WidgetReport>("report_widgets", &r)),
        Request::ReportFrameStats(s) => Request::ReportFrameStats(via_json::<FrameStats>("report_frame_stats", &s)),
        Request::PreviewStep(r) => Request::PreviewStep(via_json::<PreviewRequest>("clean_preview", &r)),
        Request::ApplyStep(step) => match action_via_json(CleanAction::Apply { step }) {
            CleanAction::Apply { step } => Request::ApplyStep(step),
            other => panic!("clean_start: the action changed on the way: {other:?}"),
        },
        Request::Undo => match action_via_json(CleanAction::Undo) {
            CleanAction::Undo => Request::Undo,
            other => panic!("clean_start: the action changed on the way: {other:?}"),
        },
        Request::Redo => match action_via_json(CleanAction::Redo) {
            CleanAction::Redo => Request::Redo,
            other => panic!("clean_start: the action changed on the way: {other:?}"),
        },
        Request::SetStepEnabled { index, enabled } => match action_via_json(CleanAction::SetEnabled { index, enabled }) {
            CleanAction::SetEnabled { index, enabled } => Request::SetStepEnabled { index, enabled },
            other => panic!("clean_start: the action changed on the way: {other:?}"),
        },
        Request::EditStep { index, step } => match action_via_json(CleanAction::Edit { index, step }) {
            CleanAction::Edit { index, step } => Request::EditStep { index, step },
            other => panic!("clean_start: the action changed on the way: {other:?}"),
        },
        Request::RemoveStep { index } => match action_via_json(CleanAction::Remove { index }) {
            CleanAction::Remove { index } => Request::RemoveStep { index },
            other => panic!("clean_start: the action changed on the way: {other:?}"),
        },
        Request::SetLabel { column } => match action_via_json(CleanAction::SetLabel { column }) {
            CleanAction::SetLabel { column } => Request::SetLabel { column },
            other => panic!("clean_start: the action changed on the way: {other:?}"),
        },
        Request::LoadRecipe { path } => match action_via_json(CleanAction::LoadRecipe { path }) {
            CleanAction::LoadRecipe { path } => Request::LoadRecipe { path },
            other => panic!("clean_start: the action changed on the way: {other:?}"),
        },
        Request::SetGateThresholds(t) => Request::SetGateThresholds(via_json::<GateThresholds>("clean_set_gate", &t)),
        Request::SaveRecipe { path } => Request::SaveRecipe { path: via_json("recipe_save", &path) },
        Request::ExportCleaned { path } => Request::ExportCleaned { path: via_json("clean_export", &path) },
        Request::StartTrain(config) => Request::StartTrain(Box::new(via_json::<TrainConfig>("start_train", &*config))),
        Request::OpenRun { run_id } => Request::OpenRun { run_id: via_json("run_open", &run_id) },
        Request::DeleteRun { run_id } => Request::DeleteRun { run_id: via_json("run_delete", &run_id) },
        Request::CompareRuns(ids) => Request::CompareRuns(via_json("runs_compare", &ids)),
        Request::Evaluate(r) => Request::Evaluate(via_json::<EvaluateRequest>("evaluate_run", &r)),
        Request::ExportBundle { run_id, path, threshold, events } => Request::ExportBundle {
            run_id: via_json("bundle_export", &run_id),
            path: via_json("bundle_export", &path),
            // The command takes a plain `Option<f64>`.
            threshold: via_json::<Option<f64>>("bundle_export", &threshold),
            events: via_json::<Option<EventOptions>>("bundle_export", &events),
        },
        Request::OpenBundle { path } => Request::OpenBundle { path: via_json("bundle_open", &path) },
        Request::Predict(r) => Request::Predict(via_json::<PredictRequest>("predict_start", &r)),
        Request::ExportPredictions { path } => Request::ExportPredictions { path: via_json("predict_export", &path) },
        Request::ExportReport { run_id, path } => {
            Request::ExportReport { run_id: via_json("report_export", &run_id), path: via_json("report_export", &path) }
        }
    }
}

/// The reply as the UI reads it from the command's answer (or the task channel's message).
pub fn reply_through_json(reply: Reply) -> Reply {
    match reply {
        Reply::PickedFile(path) => Reply::PickedFile(via_json("pick_file", &path)),
        Reply::PickedPath { purpose, path } => Reply::PickedPath { purpose, path: via_json("pick_path", &path) },
        Reply::InitialPath(path) => Reply::InitialPath(via_json("initial_path", &path)),
        Reply::FileDropped(path) => Reply::FileDropped(via_json("tauri://drag-drop", &path)),
        Reply::Task(event) => Reply::Task(via_json::<TaskEvent>("task channel", &event)),
        Reply::Page(page) => Reply::Page(via_json::<TablePage>("dataset_page", &page)),
        Reply::Series(series) => Reply::Series(via_json::<Series>("dataset_series", &series)),
        Reply::Report(report) => Reply::Report(via_json::<QualityReport>("dataset_report", &report)),
        Reply::Histogram(h) => Reply::Histogram(via_json::<Histogram>("dataset_histogram", &h)),
        Reply::Summary(s) => Reply::Summary(Box::new(via_json::<DatasetSummary>("dataset_summary", &*s))),
        Reply::CleanState(s) => Reply::CleanState(Box::new(via_json::<CleanState>("clean_state", &*s))),
        Reply::Preview(p) => Reply::Preview(Box::new(via_json::<StepPreview>("clean_preview", &*p))),
        Reply::Runs(runs) => Reply::Runs(via_json::<Vec<RunEntry>>("runs_list", &runs)),
        Reply::Run(run) => Reply::Run(Box::new(via_json::<RunDetail>("run_open", &*run))),
        Reply::Comparison(c) => Reply::Comparison(Box::new(via_json::<RunComparison>("runs_compare", &*c))),
        Reply::Evaluation(e) => Reply::Evaluation(Box::new(via_json::<Evaluation>("evaluate_run", &*e))),
        Reply::Bundle(b) => Reply::Bundle(Box::new(via_json::<BundleInfo>("bundle_open", &*b))),
        Reply::Saved { what, path } => Reply::Saved { what, path: via_json("saved path", &path) },
        Reply::Error { context, error } => Reply::Error { context, error: via_json::<ApiError>("rejected command", &error) },
    }
}
