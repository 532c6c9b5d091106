//! The wasm entry point and the `Backend` that talks to the desktop shell over Tauri IPC
//! (`window.__TAURI__.core.invoke`, a `Channel` for task events, the drag-drop event).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use plantlab_protocol::{
    ApiError, BundleInfo, CleanAction, CleanState, EvaluateRequest, Evaluation, FilePurpose, FrameStats, GateThresholds, ImportOverrides, PredictRequest,
    TaskEvent, TrainConfig,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use crate::app::PlantLabApp;
use crate::backend::{Backend, Reply, Request};

/// Called by index.html once the module is loaded.
#[wasm_bindgen]
pub async fn start(canvas_id: String) -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
    let canvas = document
        .get_element_by_id(&canvas_id)
        .ok_or_else(|| JsValue::from_str("canvas element not found"))?
        .dyn_into::<web_sys::HtmlCanvasElement>()?;
    eframe::WebRunner::new()
        .start(
            canvas,
            eframe::WebOptions::default(),
            Box::new(|cc| {
                let backend = TauriBackend::new(cc.egui_ctx.clone());
                Ok(Box::new(WebApp(PlantLabApp::new(Box::new(backend)))))
            }),
        )
        .await
}

struct WebApp(PlantLabApp);

impl eframe::App for WebApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.0.ui(ui);
    }
}

type Inbox = Rc<RefCell<Vec<Reply>>>;

struct TauriBackend {
    ctx: egui::Context,
    inbox: Inbox,
}

impl TauriBackend {
    fn new(ctx: egui::Context) -> Self {
        let backend = Self { ctx, inbox: Rc::new(RefCell::new(Vec::new())) };
        backend.listen_for_drops();
        backend
    }

    fn push(inbox: &Inbox, ctx: &egui::Context, reply: Reply) {
        inbox.borrow_mut().push(reply);
        ctx.request_repaint();
    }

    /// Runs one command and turns its answer into a reply (or an error reply).
    fn call<A, T, F>(&self, command: &'static str, context: &'static str, args: A, to_reply: F)
    where
        A: Serialize + 'static,
        T: DeserializeOwned + 'static,
        F: FnOnce(T) -> Option<Reply> + 'static,
    {
        let inbox = self.inbox.clone();
        let ctx = self.ctx.clone();
        spawn_local(async move {
            let reply = match invoke::<A, T>(command, &args).await {
                Ok(value) => to_reply(value),
                Err(error) => Some(Reply::Error { context: context.to_owned(), error }),
            };
            if let Some(reply) = reply {
                Self::push(&inbox, &ctx, reply);
            }
        });
    }

    /// Like `call`, for commands whose answer becomes several replies (a bundle written is
    /// both new bundle metadata and a file saved).
    fn call_many<A, T, F>(&self, command: &'static str, context: &'static str, args: A, to_replies: F)
    where
        A: Serialize + 'static,
        T: DeserializeOwned + 'static,
        F: FnOnce(T) -> Vec<Reply> + 'static,
    {
        let inbox = self.inbox.clone();
        let ctx = self.ctx.clone();
        spawn_local(async move {
            let replies = match invoke::<A, T>(command, &args).await {
                Ok(value) => to_replies(value),
                Err(error) => vec![Reply::Error { context: context.to_owned(), error }],
            };
            for reply in replies {
                Self::push(&inbox, &ctx, reply);
            }
        });
    }

    /// Starts a background task through `command`; its events arrive on a Tauri `Channel`
    /// (passed as the `onEvent` argument) and become `Task` replies.
    fn start_task<A: Serialize + 'static>(&self, command: &'static str, context: &'static str, args: A) {
        let inbox = self.inbox.clone();
        let ctx = self.ctx.clone();
        spawn_local(async move {
            if let Err(error) = start_task(command, &args, inbox.clone(), ctx.clone()).await {
                Self::push(&inbox, &ctx, Reply::Error { context: context.to_owned(), error });
            }
        });
    }

    /// Changes to the cleaning history run as background tasks (a replay of large data takes
    /// longer than a frame); the pane reads the new state when the task ends.
    fn clean_action(&self, action: CleanAction) {
        self.start_task("clean_start", "Changing the cleaning steps", ActionArgs { action });
    }

    fn listen_for_drops(&self) {
        let inbox = self.inbox.clone();
        let ctx = self.ctx.clone();
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let paths = Reflect::get(&event, &"payload".into()).and_then(|p| Reflect::get(&p, &"paths".into()));
            if let Ok(paths) = paths {
                if let Some(first) = js_sys::Array::from(&paths).get(0).as_string() {
                    Self::push(&inbox, &ctx, Reply::FileDropped(first));
                }
            }
        });
        let listen = tauri_function(&["event", "listen"]);
        if let Ok(listen) = listen {
            let _ = listen.call2(&JsValue::NULL, &"tauri://drag-drop".into(), handler.as_ref());
        }
        // The listener lives as long as the page.
        handler.forget();
    }
}

impl Backend for TauriBackend {
    fn send(&mut self, request: Request) {
        match request {
            Request::PickFile => self.call("pick_file", "Opening the file dialog", Empty {}, |p| Some(Reply::PickedFile(p))),
            Request::InitialPath => self.call("initial_path", "Reading the command line", Empty {}, |p| Some(Reply::InitialPath(p))),
            Request::PickPath { purpose } => {
                self.call("pick_path", "Opening the file dialog", PurposeArgs { purpose }, move |path| Some(Reply::PickedPath { purpose, path }))
            }
            Request::Load { path, overrides } => self.start_task("start_load", "Loading the file", LoadArgs { path, overrides }),
            // The task's own Cancelled event reports the outcome.
            Request::Cancel { task } => self.call("cancel_task", "Cancelling", CancelArgs { task }, |_: bool| None),
            Request::Page(request) => self.call("dataset_page", "Reading rows", RequestArgs { request }, |p| Some(Reply::Page(p))),
            Request::Series(request) => {
                self.call("dataset_series", "Preparing the plot", RequestArgs { request }, |s| Some(Reply::Series(s)))
            }
            Request::Report => self.call("dataset_report", "Reading the quality report", Empty {}, |r| Some(Reply::Report(r))),
            Request::Histogram(request) => {
                self.call("dataset_histogram", "Computing the histogram", RequestArgs { request }, |h| Some(Reply::Histogram(h)))
            }
            Request::ReportPainted(report) => self.call("report_painted", "Reporting", ReportArgs { report }, |_: ()| None),
            Request::Quit => self.call("quit", "Quitting", Empty {}, |_: ()| None),
            Request::ReportFrameStats(stats) => self.call("report_frame_stats", "Reporting", StatsArgs { stats }, |_: ()| None),
            Request::CleanState => self.call("clean_state", "Reading the cleaning state", Empty {}, clean_state),
            Request::PreviewStep(request) => {
                self.call("clean_preview", "Previewing the step", RequestArgs { request }, |p| Some(Reply::Preview(Box::new(p))))
            }
            Request::ApplyStep(step) => self.clean_action(CleanAction::Apply { step }),
            Request::Undo => self.clean_action(CleanAction::Undo),
            Request::Redo => self.clean_action(CleanAction::Redo),
            Request::SetStepEnabled { index, enabled } => self.clean_action(CleanAction::SetEnabled { index, enabled }),
            Request::EditStep { index, step } => self.clean_action(CleanAction::Edit { index, step }),
            Request::RemoveStep { index } => self.clean_action(CleanAction::Remove { index }),
            Request::SetLabel { column } => self.clean_action(CleanAction::SetLabel { column }),
            Request::LoadRecipe { path } => self.clean_action(CleanAction::LoadRecipe { path }),
            Request::Summary => self.call("dataset_summary", "Reading the data set", Empty {}, |s| Some(Reply::Summary(Box::new(s)))),
            Request::SetGateThresholds(thresholds) => {
                self.call("clean_set_gate", "Changing the gate thresholds", ThresholdArgs { thresholds }, clean_state)
            }
            Request::SaveRecipe { path } => {
                self.call("recipe_save", "Saving the recipe", PathArgs { path }, |path| Some(Reply::Saved { what: "Recipe".into(), path }))
            }
            Request::StartTrain(config) => self.start_task("start_train", "Starting training", ConfigArgs { config: *config }),
            Request::ListRuns => self.call("runs_list", "Listing runs", Empty {}, |runs| Some(Reply::Runs(runs))),
            Request::OpenRun { run_id } => self.call("run_open", "Opening the run", RunArgs { run_id }, |run| Some(Reply::Run(Box::new(run)))),
            Request::DeleteRun { run_id } => self.call("run_delete", "Deleting the run", RunArgs { run_id }, |runs| Some(Reply::Runs(runs))),
            Request::CompareRuns(run_ids) => {
                self.call("runs_compare", "Comparing runs", RunIdsArgs { run_ids }, |c| Some(Reply::Comparison(Box::new(c))))
            }
            Request::ExportCleaned { path } => {
                self.call("clean_export", "Exporting the cleaned data", PathArgs { path }, |path| Some(Reply::Saved { what: "Cleaned data".into(), path }))
            }
            Request::Evaluate(request) => {
                self.call("evaluate_run", "Evaluating the run", EvaluateArgs { request }, |e: Evaluation| Some(Reply::Evaluation(Box::new(e))))
            }
            Request::ExportBundle { run_id, path, threshold } => {
                let saved_path = path.clone();
                self.call_many("bundle_export", "Exporting the model bundle", BundleExportArgs { run_id, path, threshold }, move |b: BundleInfo| {
                    vec![Reply::Bundle(Box::new(b)), Reply::Saved { what: "Model bundle".into(), path: saved_path }]
                })
            }
            Request::OpenBundle { path } => {
                self.call("bundle_open", "Opening the model bundle", PathArgs { path }, |b: BundleInfo| Some(Reply::Bundle(Box::new(b))))
            }
            Request::Predict(request) => self.start_task("predict_start", "Starting the prediction", PredictArgs { request }),
            Request::ExportPredictions { path } => {
                let saved_path = path.clone();
                self.call("predict_export", "Exporting the predictions", PathArgs { path }, move |_: ()| {
                    Some(Reply::Saved { what: "Predictions".into(), path: saved_path })
                })
            }
            Request::ExportReport { run_id, path } => {
                let saved_path = path.clone();
                self.call("report_export", "Exporting the report", ReportExportArgs { run_id, path }, move |_: ()| {
                    Some(Reply::Saved { what: "Report".into(), path: saved_path })
                })
            }
        }
    }

    fn poll(&mut self) -> Vec<Reply> {
        std::mem::take(&mut *self.inbox.borrow_mut())
    }
}

#[derive(Serialize)]
struct Empty {}

fn clean_state(state: CleanState) -> Option<Reply> {
    Some(Reply::CleanState(Box::new(state)))
}

#[derive(Serialize)]
struct StatsArgs {
    stats: FrameStats,
}

#[derive(Serialize)]
struct ConfigArgs {
    config: TrainConfig,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunArgs {
    run_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunIdsArgs {
    run_ids: Vec<String>,
}


#[derive(Serialize)]
struct EvaluateArgs {
    request: EvaluateRequest,
}

#[derive(Serialize)]
struct PredictArgs {
    request: PredictRequest,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BundleExportArgs {
    run_id: String,
    path: String,
    threshold: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportExportArgs {
    run_id: String,
    path: String,
}

#[derive(Serialize)]
struct ActionArgs {
    action: CleanAction,
}

#[derive(Serialize)]
struct ThresholdArgs {
    thresholds: GateThresholds,
}

#[derive(Serialize)]
struct PathArgs {
    path: String,
}

#[derive(Serialize)]
struct PurposeArgs {
    purpose: FilePurpose,
}

#[derive(Serialize)]
struct LoadArgs {
    path: String,
    overrides: Option<ImportOverrides>,
}

#[derive(Serialize)]
struct CancelArgs {
    task: u64,
}

#[derive(Serialize)]
struct RequestArgs<T: Serialize> {
    request: T,
}

#[derive(Serialize)]
struct ReportArgs {
    report: plantlab_protocol::PaintReport,
}

/// Invokes a task-starting command with a fresh `Channel` whose messages become task replies.
async fn start_task<A: Serialize>(command: &str, args: &A, inbox: Inbox, ctx: egui::Context) -> Result<(), ApiError> {
    let channel_class = tauri_function(&["core", "Channel"]).map_err(js_error)?;
    let channel = Reflect::construct(&channel_class, &js_sys::Array::new()).map_err(js_error)?;
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        let reply = match serde_wasm_bindgen::from_value::<TaskEvent>(message) {
            Ok(event) => Reply::Task(event),
            Err(e) => Reply::Error { context: "Receiving progress".into(), error: ApiError::new("ipc", e.to_string()) },
        };
        TauriBackend::push(&inbox, &ctx, reply);
    });
    Reflect::set(&channel, &"onmessage".into(), on_message.as_ref()).map_err(js_error)?;
    // The channel outlives this call: it keeps delivering until the task ends.
    on_message.forget();
    // Structs serialize to plain objects, to which the channel argument is added.
    let args = serde_wasm_bindgen::to_value(args).map_err(|e| ApiError::new("ipc", e.to_string()))?;
    Reflect::set(&args, &"onEvent".into(), &channel).map_err(js_error)?;
    invoke_raw(command, args).await.map(|_| ())
}

async fn invoke<A: Serialize, T: DeserializeOwned>(command: &str, args: &A) -> Result<T, ApiError> {
    let args = serde_wasm_bindgen::to_value(args).map_err(|e| ApiError::new("ipc", e.to_string()))?;
    let value = invoke_raw(command, args).await?;
    // Commands returning `()` answer `null`, which serde reads as unit.
    serde_wasm_bindgen::from_value(value).map_err(|e| ApiError::new("ipc", format!("unexpected answer from {command}: {e}")))
}

async fn invoke_raw(command: &str, args: JsValue) -> Result<JsValue, ApiError> {
    let invoke = tauri_function(&["core", "invoke"]).map_err(js_error)?;
    let promise = invoke.call2(&JsValue::NULL, &command.into(), &args).map_err(js_error)?;
    let promise: Promise = promise.dyn_into().map_err(js_error)?;
    JsFuture::from(promise).await.map_err(|e| {
        // Commands reject with our serialized ApiError; anything else is shown as text.
        serde_wasm_bindgen::from_value::<ApiError>(e.clone()).unwrap_or_else(|_| js_error(e))
    })
}

/// Looks up `window.__TAURI__.<path>` (present because `app.withGlobalTauri` is on).
fn tauri_function(path: &[&str]) -> Result<Function, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let mut value = Reflect::get(&window, &"__TAURI__".into())?;
    for key in path {
        value = Reflect::get(&value, &(*key).into())?;
    }
    value.dyn_into::<Function>().map_err(|_| JsValue::from_str(&format!("window.__TAURI__.{} is missing", path.join("."))))
}

fn js_error(value: JsValue) -> ApiError {
    let text = value.as_string().unwrap_or_else(|| format!("{value:?}"));
    ApiError::new("ipc", text)
}
