//! Pieces the UI tests share: the one fake backend, the harness around the whole app, and the
//! usual first steps.
//!
//! The fake stands where the desktop shell stands. Every request goes the way the wasm build
//! sends it, through the UI's own mapping ([`bridge::invocation`]): a command name and its
//! arguments as JSON, which the fake reads back by parameter name as the shell's command
//! (`src-tauri/src/lib.rs`) takes them. Each pane test says how the engine would answer
//! ([`Answer`]); the answer is written as the command returns it and turned into replies by the
//! bridge's own decoder, and task events cross as the task channel's messages. A value that
//! cannot make the trip (say a NaN written as `null`) or an argument the command does not take
//! fails the test with the command's name, as it would fail in the app.

pub mod import;

use std::cell::RefCell;
use std::mem::discriminant;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use plantlab_protocol::{
    ApiError, BundleInfo, CleanAction, CleanState, DatasetSummary, Evaluation, ImportSettings, NormalBundleInfo, QualityReport, RunComparison,
    RunDetail, RunEntry, Series, StepPreview, TablePage,
};
use plantlab_ui::backend::bridge::{self, Invocation};
use plantlab_ui::{Backend, Lang, PlantLabApp, Reply, Request};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// How the engine behind the shell answers, for one pane test: the replies the UI should get
/// for `request` (the request as the shell's command read it).
pub trait Answer {
    fn answer(&mut self, request: Request) -> Vec<Reply>;
}

/// The fake backend's record, shared with the test: what the UI sent, replies the test feeds
/// (task events as the engine would stream them), and the pane test's own `state`, whose
/// fields read as the fake's own (`fake.borrow().history`).
#[derive(Default)]
pub struct Fake<S> {
    /// Every request, as the shell's command received it.
    pub sent: Vec<Request>,
    /// Replies the test feeds; they reach the UI through JSON on its next poll.
    pub pending: Vec<Reply>,
    pub state: S,
}

impl<S> Fake<S> {
    pub fn new(state: S) -> Self {
        Self { sent: Vec::new(), pending: Vec::new(), state }
    }
}

impl<S> Deref for Fake<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.state
    }
}

impl<S> DerefMut for Fake<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.state
    }
}

/// The backend the app gets: sends through the bridge to the shared [`Fake`].
struct FakeBackend<S: Answer> {
    fake: Rc<RefCell<Fake<S>>>,
    /// Replies decoded from the commands' answers, in order.
    answered: Vec<Reply>,
}

impl<S: Answer> Backend for FakeBackend<S> {
    fn send(&mut self, request: Request) {
        let (command, context, received) = through_bridge(request.clone());
        let mut fake = self.fake.borrow_mut();
        fake.sent.push(received.clone());
        let replies = fake.state.answer(received);
        self.answered.extend(answer_through_bridge(request, command, context, replies));
    }

    fn poll(&mut self) -> Vec<Reply> {
        let fed = std::mem::take(&mut self.fake.borrow_mut().pending);
        let mut replies = std::mem::take(&mut self.answered);
        replies.extend(fed.into_iter().map(reply_through_json));
        replies
    }
}

/// The whole app on the fake `fake`, in a window of `width` × `height`.
pub fn app_harness<S: Answer + 'static>(fake: Rc<RefCell<Fake<S>>>, width: f32, height: f32) -> Harness<'static, PlantLabApp> {
    let app = PlantLabApp::new(Box::new(FakeBackend { fake, answered: Vec::new() }));
    Harness::builder().with_size(egui::vec2(width, height)).build_ui_state(|ui, app: &mut PlantLabApp| app.ui(ui), app)
}

/// The whole app on the fake `fake`, drawn in `lang` from the first frame.
pub fn app_harness_in<S: Answer + 'static>(fake: Rc<RefCell<Fake<S>>>, width: f32, height: f32, lang: Lang) -> Harness<'static, PlantLabApp> {
    let app = PlantLabApp::with_language(Box::new(FakeBackend { fake, answered: Vec::new() }), lang);
    Harness::builder().with_size(egui::vec2(width, height)).build_ui_state(|ui, app: &mut PlantLabApp| app.ui(ui), app)
}

/// Like [`open_file_and_go_to`], clicking the Chinese labels.
pub fn open_file_and_go_to_in_chinese(harness: &mut Harness<'static, PlantLabApp>, tab: &str) {
    harness.run();
    harness.get_by_label("打开…").click();
    harness.run();
    harness.get_by_label(tab).click();
    harness.run();
}

/// Every text painted in the last frame, as drawn: plot axis labels and ticks are painted
/// rather than widgets, so they are found here and not by label.
pub fn painted_texts(harness: &Harness<'static, PlantLabApp>) -> Vec<String> {
    fn collect(shape: &egui::Shape, texts: &mut Vec<String>) {
        match shape {
            egui::Shape::Text(text) => texts.push(text.galley.text().to_owned()),
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| collect(s, texts)),
            _ => {}
        }
    }
    let mut texts = Vec::new();
    for clipped in &harness.output().shapes {
        collect(&clipped.shape, &mut texts);
    }
    texts
}

/// Every text drawn so far on this test's thread came from the current language's catalogue:
/// none fell back to English.
pub fn assert_nothing_fell_back_to_english() {
    let keys = plantlab_ui::i18n::fallback_keys();
    assert_eq!(plantlab_ui::i18n::fallback_count(), 0, "texts shown in English for want of a translation: {keys:?}");
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
        encoding_confidence: None,
        header_rows: 1,
        timestamp_column: None,
        timestamp_format: None,
        status_strings: vec![],
        sheet: None,
        names: None,
        column_widths: None,
    }
}

/// `value` written as JSON text and read back as `T`, as a value crosses IPC.
pub fn via_json<T: Serialize + DeserializeOwned>(what: &str, value: &T) -> T {
    let text = serde_json::to_string(value).unwrap_or_else(|e| panic!("{what}: the value cannot be written as JSON: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: unexpected answer: Error: {e}\n{text}"))
}

/// JSON text of `value` read back as a JSON value, as the webview hands it on.
fn json_value<T: Serialize>(what: &str, value: &T) -> Value {
    let text = serde_json::to_string(value).unwrap_or_else(|e| panic!("{what}: the value cannot be written as JSON: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: the JSON written cannot be read: {e}\n{text}"))
}

/// The request as the bridge sends it (command and JSON arguments) and as the shell's command
/// reads it back: the command, the context its errors are shown under, and the request.
fn through_bridge(request: Request) -> (&'static str, &'static str, Request) {
    let (command, context, args) = match bridge::invocation(request) {
        Invocation::Call { command, context, args, .. } | Invocation::Task { command, context, args } => (command, context, args),
    };
    let args = args.unwrap_or_else(|e| panic!("{command}: the arguments cannot be sent: {}", e.message));
    // The arguments cross as JSON text, as over IPC.
    let args = json_value(command, &args);
    (command, context, request_from_command(command, &args))
}

/// Argument `name` of `command`, read as the command's parameter type (a missing argument is
/// `null`, which only an `Option` parameter accepts).
fn arg<T: DeserializeOwned>(command: &str, args: &Value, name: &str) -> T {
    let value = args.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{command}: invalid args `{name}` for command `{command}`: {e}\n{args}"))
}

/// The file dialogs are worded in the UI's language: the shell reads `lang` as a language tag.
fn dialog_language(command: &str, args: &Value) {
    let lang: Option<String> = arg(command, args, "lang");
    assert!(lang.as_deref().and_then(plantlab_ui::Lang::from_tag).is_some(), "{command}: the UI's language is not sent as a known tag: {args}");
}

/// The request a shell command's arguments stand for: each argument read by its name and the
/// type of the command's parameter in `src-tauri/src/lib.rs`.
fn request_from_command(command: &str, args: &Value) -> Request {
    match command {
        "pick_file" => {
            dialog_language(command, args);
            Request::PickFile
        }
        "initial_path" => Request::InitialPath,
        "pick_path" => {
            dialog_language(command, args);
            Request::PickPath { purpose: arg(command, args, "purpose") }
        }
        "start_load" => Request::Load { path: arg(command, args, "path"), overrides: arg(command, args, "overrides") },
        "cancel_task" => Request::Cancel { task: arg(command, args, "task") },
        "dataset_page" => Request::Page(arg(command, args, "request")),
        "dataset_series" => Request::Series(arg(command, args, "request")),
        "dataset_report" => Request::Report,
        "dataset_histogram" => Request::Histogram(arg(command, args, "request")),
        "dataset_summary" => Request::Summary,
        "report_painted" => Request::ReportPainted(arg(command, args, "report")),
        "report_widgets" => Request::ReportWidgets(arg(command, args, "report")),
        "report_frame_stats" => Request::ReportFrameStats(arg(command, args, "stats")),
        "quit" => Request::Quit,
        "clean_state" => Request::CleanState,
        "clean_preview" => Request::PreviewStep(arg(command, args, "request")),
        "clean_start" => match arg::<CleanAction>(command, args, "action") {
            CleanAction::Apply { step } => Request::ApplyStep(step),
            CleanAction::Undo => Request::Undo,
            CleanAction::Redo => Request::Redo,
            CleanAction::SetEnabled { index, enabled } => Request::SetStepEnabled { index, enabled },
            CleanAction::Edit { index, step } => Request::EditStep { index, step },
            CleanAction::Remove { index } => Request::RemoveStep { index },
            CleanAction::SetLabel { column } => Request::SetLabel { column },
            CleanAction::LoadRecipe { path } => Request::LoadRecipe { path },
            other => panic!("clean_start: the UI has no request for the action {other:?}"),
        },
        "clean_set_gate" => Request::SetGateThresholds(arg(command, args, "thresholds")),
        "recipe_save" => Request::SaveRecipe { path: arg(command, args, "path") },
        "clean_export" => Request::ExportCleaned { path: arg(command, args, "path") },
        "start_train" => Request::StartTrain(Box::new(arg(command, args, "config"))),
        "runs_list" => Request::ListRuns,
        "run_open" => Request::OpenRun { run_id: arg(command, args, "runId") },
        "run_delete" => Request::DeleteRun { run_id: arg(command, args, "runId") },
        "runs_compare" => Request::CompareRuns(arg(command, args, "runIds")),
        "evaluate_run" => Request::Evaluate(arg(command, args, "request")),
        "bundle_export" => Request::ExportBundle {
            run_id: arg(command, args, "runId"),
            path: arg(command, args, "path"),
            threshold: arg(command, args, "threshold"),
            events: arg(command, args, "events"),
        },
        "bundle_open" => Request::OpenBundle { path: arg(command, args, "path") },
        "predict_start" => Request::Predict(arg(command, args, "request")),
        "predict_export" => Request::ExportPredictions { path: arg(command, args, "path") },
        "report_export" => {
            Request::ExportReport { run_id: arg(command, args, "runId"), path: arg(command, args, "path"), lang: arg(command, args, "lang") }
        }
        "normal_train_start" => Request::StartNormalTrain(Box::new(arg(command, args, "request"))),
        "normal_evaluate_start" => Request::EvaluateNormal(arg(command, args, "request")),
        "normal_bundle_open" => Request::OpenNormalBundle { path: arg(command, args, "path") },
        "normal_bundle_export" => Request::ExportNormalBundle { run_id: arg(command, args, "runId"), path: arg(command, args, "path") },
        "normal_predict_start" => Request::PredictNormal(arg(command, args, "request")),
        other => panic!("the shell has no command `{other}`"),
    }
}

/// What a command returns, as JSON, when the engine's answer is `reply`; `None` for replies
/// that do not come back as a command's answer.
fn answer_value(reply: &Reply) -> Option<Value> {
    let what = "the command's answer";
    Some(match reply {
        Reply::PickedFile(path) | Reply::InitialPath(path) | Reply::PickedPath { path, .. } => json_value(what, path),
        Reply::Page(page) => json_value(what, page),
        Reply::Series(series) => json_value(what, series),
        Reply::Report(report) => json_value(what, report),
        Reply::Histogram(histogram) => json_value(what, histogram),
        Reply::Summary(summary) => json_value(what, summary),
        Reply::CleanState(state) => json_value(what, state),
        Reply::Preview(preview) => json_value(what, preview),
        Reply::Runs(runs) => json_value(what, runs),
        Reply::Run(run) => json_value(what, run),
        Reply::Comparison(comparison) => json_value(what, comparison),
        Reply::Evaluation(evaluation) => json_value(what, evaluation),
        Reply::Bundle(bundle) => json_value(what, bundle),
        Reply::NormalBundle(bundle) => json_value(what, bundle),
        // `recipe_save` and `clean_export` answer the path written.
        Reply::Saved { path, .. } => json_value(what, path),
        Reply::Task(_) | Reply::FileDropped(_) | Reply::Error { .. } => return None,
    })
}

/// The replies the UI gets when the engine answers `request` with `replies`: a rejection goes
/// through [`bridge::rejection`]; task events cross as the task channel's messages
/// ([`bridge::task_event`]); a command's answer is written as JSON and read by the bridge's own
/// decoder for the command, which makes the replies the app would get from it.
fn answer_through_bridge(request: Request, command: &'static str, context: &'static str, replies: Vec<Reply>) -> Vec<Reply> {
    if let Some(Reply::Error { error, .. }) = replies.iter().find(|r| matches!(r, Reply::Error { .. })) {
        return vec![bridge::rejection(context, json_value(command, error))];
    }
    let (events, answers): (Vec<Reply>, Vec<Reply>) = replies.into_iter().partition(|r| matches!(r, Reply::Task(_)));
    let mut out = Vec::new();
    if answers.is_empty() {
        // The command has not answered (the fake leaves it pending); task events still flow.
    } else if let Invocation::Call { .. } = bridge::invocation(request.clone()) {
        // The command answers with the engine's first reply; one whose answer the UI does not
        // show (`()`) answers `null`, and the bridge makes its replies.
        let mut candidates: Vec<Value> = answers.first().and_then(answer_value).into_iter().collect();
        candidates.push(Value::Null);
        let mut decoded = None;
        for candidate in &candidates {
            let Invocation::Call { decode, .. } = bridge::invocation(request.clone()) else { unreachable!("the same request maps the same way") };
            if let Ok(replies) = decode(candidate.clone()) {
                decoded = Some(replies);
                break;
            }
        }
        let decoded = decoded.unwrap_or_else(|| panic!("{command}: no answer the command could give reads back as {answers:?}"));
        // Replies beyond the answer that the decoder also makes (a bundle written is also a
        // file saved) come from it; others cross on their own.
        let rest: Vec<Reply> =
            answers.into_iter().skip(1).filter(|r| !decoded.iter().any(|d| discriminant(d) == discriminant(r))).map(reply_through_json).collect();
        out.extend(decoded);
        out.extend(rest);
    } else {
        // A task command answers with its events; a fake that also gives the state the UI
        // then asks for hands it over directly.
        out.extend(answers.into_iter().map(reply_through_json));
    }
    out.extend(events.into_iter().map(reply_through_json));
    out
}

/// A reply crossing JSON on its own: task events as the task channel's messages, any other
/// as its payload type.
pub fn reply_through_json(reply: Reply) -> Reply {
    match reply {
        Reply::Task(event) => bridge::task_event(json_value("task channel", &event)),
        Reply::PickedFile(path) => Reply::PickedFile(via_json("pick_file", &path)),
        Reply::PickedPath { purpose, path } => Reply::PickedPath { purpose, path: via_json("pick_path", &path) },
        Reply::InitialPath(path) => Reply::InitialPath(via_json("initial_path", &path)),
        Reply::FileDropped(path) => Reply::FileDropped(via_json("tauri://drag-drop", &path)),
        Reply::Page(page) => Reply::Page(via_json::<TablePage>("dataset_page", &page)),
        Reply::Series(series) => Reply::Series(via_json::<Series>("dataset_series", &series)),
        Reply::Report(report) => Reply::Report(via_json::<QualityReport>("dataset_report", &report)),
        Reply::Histogram(h) => Reply::Histogram(via_json("dataset_histogram", &h)),
        Reply::Summary(s) => Reply::Summary(Box::new(via_json::<DatasetSummary>("dataset_summary", &*s))),
        Reply::CleanState(s) => Reply::CleanState(Box::new(via_json::<CleanState>("clean_state", &*s))),
        Reply::Preview(p) => Reply::Preview(Box::new(via_json::<StepPreview>("clean_preview", &*p))),
        Reply::Runs(runs) => Reply::Runs(via_json::<Vec<RunEntry>>("runs_list", &runs)),
        Reply::Run(run) => Reply::Run(Box::new(via_json::<RunDetail>("run_open", &*run))),
        Reply::Comparison(c) => Reply::Comparison(Box::new(via_json::<RunComparison>("runs_compare", &*c))),
        Reply::Evaluation(e) => Reply::Evaluation(Box::new(via_json::<Evaluation>("evaluate_run", &*e))),
        Reply::Bundle(b) => Reply::Bundle(Box::new(via_json::<BundleInfo>("bundle_open", &*b))),
        Reply::NormalBundle(b) => Reply::NormalBundle(Box::new(via_json::<NormalBundleInfo>("normal_bundle_open", &*b))),
        Reply::Saved { what, path } => Reply::Saved { what, path: via_json("saved path", &path) },
        Reply::Error { context, error } => Reply::Error { context, error: via_json::<ApiError>("rejected command", &error) },
    }
}
