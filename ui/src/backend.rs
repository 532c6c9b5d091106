//! How the UI talks to whatever does the work. The desktop build sends requests over Tauri IPC;
//! tests answer them in-process. Requests never block: replies arrive later through `poll`.

use plantlab_protocol::{
    ApiError, BundleInfo, CleanState, CleanStep, DatasetSummary, EvaluateRequest, Evaluation, EventOptions, FilePurpose, FrameStats, GateThresholds,
    Histogram, HistogramRequest, ImportOverrides, NormalBundleInfo, NormalEvaluateRequest, NormalPredictRequest, NormalTrainRequest, PageRequest,
    PaintReport, PredictRequest, PreviewRequest, QualityReport, RunComparison, RunDetail, RunEntry, Series, SeriesRequest, StepPreview, TablePage,
    TaskEvent, TaskId, TrainConfig, WidgetReport,
};

/// Something the UI asks of the backend.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Show the native file dialog; answered with `PickedFile`.
    PickFile,
    /// Show the open or save dialog for `purpose`; answered with `PickedPath`.
    PickPath {
        purpose: FilePurpose,
    },
    /// Start loading a file in the background; answered with a stream of `Task` events.
    /// `overrides` are the import settings the user set (`None`: sniff everything).
    Load {
        path: String,
        overrides: Option<ImportOverrides>,
    },
    Cancel {
        task: TaskId,
    },
    Page(PageRequest),
    Series(SeriesRequest),
    /// The quality report of the open data set; answered with `Report`.
    Report,
    Histogram(HistogramRequest),
    /// The open data set's summary (it changes when cleaning steps apply); answered with `Summary`.
    Summary,
    /// The file named on the command line, if any; answered with `InitialPath`.
    InitialPath,
    /// Tell the host that the Data pane has drawn a data set (for logs and end-to-end tests).
    ReportPainted(PaintReport),
    /// Tell the host where the journey's controls are (see `probe`); for end-to-end tests.
    ReportWidgets(WidgetReport),
    Quit,
    /// Tell the host how long the UI's frames took during a training run (for logs).
    ReportFrameStats(FrameStats),

    // The cleaning loop. Each change is answered with the new `CleanState` (or, for work that
    // may take long, with a task stream, after which the UI asks for the state).
    CleanState,
    PreviewStep(PreviewRequest),
    ApplyStep(CleanStep),
    Undo,
    Redo,
    SetStepEnabled {
        index: usize,
        enabled: bool,
    },
    EditStep {
        index: usize,
        step: CleanStep,
    },
    RemoveStep {
        index: usize,
    },
    /// Names the label (target) column whose class balance the report checks; `None` clears it.
    SetLabel {
        column: Option<String>,
    },
    SetGateThresholds(GateThresholds),
    /// Answered with `Saved`.
    SaveRecipe {
        path: String,
    },
    /// Replays the recipe on the open raw data in the background.
    LoadRecipe {
        path: String,
    },
    /// Writes the cleaned data (CSV or Parquet by extension); answered with `Saved`.
    ExportCleaned {
        path: String,
    },

    // Training.
    /// Trains on the open (cleaned) data in the background; `Task` events carry the curves.
    StartTrain(Box<TrainConfig>),
    ListRuns,
    OpenRun {
        run_id: String,
    },
    /// Answered with a fresh `Runs` list.
    DeleteRun {
        run_id: String,
    },
    CompareRuns(Vec<String>),

    // Evaluation and prediction.
    /// Scores a run's test split at a threshold; answered with `Evaluation`.
    Evaluate(EvaluateRequest),
    /// Writes a run's model bundle; answered with `Bundle` and `Saved`.
    /// `threshold`: the decision threshold stored with it (`None`: the run's default).
    /// `events`: the alarm settings to store with the bundle (`None`: the defaults).
    ExportBundle {
        run_id: String,
        path: String,
        threshold: Option<f64>,
        events: Option<EventOptions>,
    },
    /// Reads a bundle's metadata; answered with `Bundle`.
    OpenBundle {
        path: String,
    },
    /// Applies a bundle to a new export in the background; answered with a task stream that
    /// ends in `TaskOutcome::Predicted`.
    Predict(PredictRequest),
    /// Writes the last prediction's per-sample results as CSV; answered with `Saved`.
    ExportPredictions {
        path: String,
    },
    /// Writes a run's evaluation as an HTML report; answered with `Saved`.
    ExportReport {
        run_id: String,
        path: String,
        /// The report's language (`en`, `zh-CN`): the one the UI shows.
        lang: String,
    },

    // Models of normal operation (no fault labels needed to train).
    /// Trains one on the open (cleaned) data in the background; the task streams
    /// `TrainUpdate::NormalEpoch` for the language model and ends in `TaskOutcome::NormalTrained`.
    StartNormalTrain(Box<NormalTrainRequest>),
    /// Scores a normal run and PCA against fault labels in the background; ends in
    /// `TaskOutcome::NormalEvaluated`.
    EvaluateNormal(NormalEvaluateRequest),
    /// Writes a normal run's model bundle; answered with `NormalBundle` and `Saved`.
    ExportNormalBundle {
        run_id: String,
        path: String,
    },
    /// Reads a normal-model bundle's metadata; answered with `NormalBundle`.
    OpenNormalBundle {
        path: String,
    },
    /// Scores a new export with a normal-model bundle in the background; ends in
    /// `TaskOutcome::NormalPredicted`.
    PredictNormal(NormalPredictRequest),
}

/// Something the backend tells the UI.
#[derive(Clone, Debug, PartialEq)]
// A handful per frame at most: their size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    PickedFile(Option<String>),
    PickedPath {
        purpose: FilePurpose,
        path: Option<String>,
    },
    InitialPath(Option<String>),
    /// A file dropped onto the window.
    FileDropped(String),
    Task(TaskEvent),
    Page(TablePage),
    Series(Series),
    Report(QualityReport),
    Histogram(Histogram),
    Summary(Box<DatasetSummary>),
    CleanState(Box<CleanState>),
    Preview(Box<StepPreview>),
    Runs(Vec<RunEntry>),
    Run(Box<RunDetail>),
    Comparison(Box<RunComparison>),
    Evaluation(Box<Evaluation>),
    /// A model bundle that was opened or just written.
    Bundle(Box<BundleInfo>),
    /// A normal-operation model bundle that was opened.
    NormalBundle(Box<NormalBundleInfo>),
    /// A file was written; `what` names it for the user ("Recipe", "Cleaned data").
    Saved {
        what: String,
        path: String,
    },
    /// A request failed; `context` says which (e.g. "Opening the file dialog").
    Error {
        context: String,
        error: ApiError,
    },
}

pub trait Backend {
    fn send(&mut self, request: Request);
    /// Replies that arrived since the last call, in order.
    fn poll(&mut self) -> Vec<Reply>;
}

/// How a [`Request`] travels to the desktop shell and how its answer comes back: the Tauri
/// command, its arguments as JSON and how the command's JSON answer becomes replies. The wasm
/// backend (`web.rs`) sends exactly this, and the integration test that drives the UI against
/// the real shell commands does too, so both exercise one mapping.
pub mod bridge {
    use plantlab_protocol::{ApiError, BundleInfo, CleanAction, CleanState, Evaluation, NormalBundleInfo, TaskEvent};
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::{Reply, Request};

    /// A command's arguments as a JSON object: `args! { "name" => value, ... }`. A value that
    /// cannot be written as JSON is an `ipc` error rather than a panic.
    macro_rules! args {
        ($($name:literal => $value:expr),* $(,)?) => {{
            #[allow(unused_mut)]
            let mut object = serde_json::Map::new();
            #[allow(unused_mut)]
            let mut failed = None;
            $(
                match serde_json::to_value(&$value) {
                    Ok(value) => {
                        object.insert($name.to_owned(), value);
                    }
                    Err(e) => failed = Some(ApiError::new("ipc", format!("the argument {} cannot be sent: {e}", $name))),
                }
            )*
            match failed {
                Some(error) => Err(error),
                None => Ok(Value::Object(object)),
            }
        }};
    }

    /// Arguments of a command, or why they could not be written.
    pub type Args = Result<Value, ApiError>;

    /// Turns a command's JSON answer into the replies the UI gets.
    pub type Decode = Box<dyn FnOnce(Value) -> Result<Vec<Reply>, ApiError>>;

    pub enum Invocation {
        /// A command answered once.
        Call { command: &'static str, context: &'static str, args: Args, decode: Decode },
        /// A command that starts a background task; its events arrive on the channel passed as
        /// the `onEvent` argument ([`task_event`] reads them).
        Task { command: &'static str, context: &'static str, args: Args },
    }

    /// Reads `value` as `T`; an answer of another shape is an `ipc` error that names the command.
    pub fn read<T: DeserializeOwned>(command: &str, value: Value) -> Result<T, ApiError> {
        serde_json::from_value(value).map_err(|e| ApiError::new("ipc", format!("unexpected answer from {command}: Error: {e}")))
    }

    fn call<T: DeserializeOwned + 'static>(
        command: &'static str,
        context: &'static str,
        args: Args,
        to_replies: impl FnOnce(T) -> Vec<Reply> + 'static,
    ) -> Invocation {
        Invocation::Call { command, context, args, decode: Box::new(move |answer| read::<T>(command, answer).map(to_replies)) }
    }

    /// Commands answering `()` (logging, exports): nothing to show but errors.
    fn call_unit(command: &'static str, context: &'static str, args: Args, replies: Vec<Reply>) -> Invocation {
        call(command, context, args, move |()| replies)
    }

    /// Changes to the cleaning history run as background tasks (a replay of large data takes
    /// longer than a frame); the pane reads the new state when the task ends.
    fn clean_action(action: CleanAction) -> Invocation {
        Invocation::Task { command: "clean_start", context: "Changing the cleaning steps", args: args! { "action" => action } }
    }

    /// A task channel's message as the reply it becomes.
    pub fn task_event(message: Value) -> Reply {
        match read::<TaskEvent>("the task channel", message) {
            Ok(event) => Reply::Task(event),
            Err(error) => Reply::Error { context: "Receiving progress".into(), error },
        }
    }

    /// The command's rejection as the error the UI shows (commands reject with an `ApiError`).
    pub fn rejection(context: &str, value: Value) -> Reply {
        let error = match value {
            Value::String(text) => ApiError::new("ipc", text),
            other => serde_json::from_value::<ApiError>(other.clone()).unwrap_or_else(|_| ApiError::new("ipc", other.to_string())),
        };
        Reply::Error { context: context.to_owned(), error }
    }

    fn saved(what: &'static str) -> impl FnOnce(String) -> Vec<Reply> {
        move |path| vec![Reply::Saved { what: what.into(), path }]
    }

    /// How `request` goes to the shell. Argument names are the commands' parameter names as
    /// Tauri expects them (camelCase).
    pub fn invocation(request: Request) -> Invocation {
        match request {
            // The native dialog's title and filters in the language the UI shows.
            Request::PickFile => {
                call("pick_file", "Opening the file dialog", args! { "lang" => crate::i18n::language().tag() }, |p| vec![Reply::PickedFile(p)])
            }
            Request::InitialPath => call("initial_path", "Reading the command line", args! {}, |p| vec![Reply::InitialPath(p)]),
            Request::PickPath { purpose } => {
                call("pick_path", "Opening the file dialog", args! { "purpose" => purpose, "lang" => crate::i18n::language().tag() }, move |path| {
                    vec![Reply::PickedPath { purpose, path }]
                })
            }
            Request::Load { path, overrides } => {
                Invocation::Task { command: "start_load", context: "Loading the file", args: args! { "path" => path, "overrides" => overrides } }
            }
            // The task's own Cancelled event reports the outcome.
            Request::Cancel { task } => call("cancel_task", "Cancelling", args! { "task" => task }, |_: bool| vec![]),
            Request::Page(request) => call("dataset_page", "Reading rows", args! { "request" => request }, |p| vec![Reply::Page(p)]),
            Request::Series(request) => call("dataset_series", "Preparing the plot", args! { "request" => request }, |s| vec![Reply::Series(s)]),
            Request::Report => call("dataset_report", "Reading the quality report", args! {}, |r| vec![Reply::Report(r)]),
            Request::Histogram(request) => {
                call("dataset_histogram", "Computing the histogram", args! { "request" => request }, |h| vec![Reply::Histogram(h)])
            }
            Request::ReportPainted(report) => call_unit("report_painted", "Reporting", args! { "report" => report }, vec![]),
            Request::ReportWidgets(report) => call_unit("report_widgets", "Reporting", args! { "report" => report }, vec![]),
            Request::Quit => call_unit("quit", "Quitting", args! {}, vec![]),
            Request::ReportFrameStats(stats) => call_unit("report_frame_stats", "Reporting", args! { "stats" => stats }, vec![]),
            Request::CleanState => call("clean_state", "Reading the cleaning state", args! {}, |s: CleanState| vec![Reply::CleanState(Box::new(s))]),
            Request::PreviewStep(request) => {
                call("clean_preview", "Previewing the step", args! { "request" => request }, |p| vec![Reply::Preview(Box::new(p))])
            }
            Request::ApplyStep(step) => clean_action(CleanAction::Apply { step }),
            Request::Undo => clean_action(CleanAction::Undo),
            Request::Redo => clean_action(CleanAction::Redo),
            Request::SetStepEnabled { index, enabled } => clean_action(CleanAction::SetEnabled { index, enabled }),
            Request::EditStep { index, step } => clean_action(CleanAction::Edit { index, step }),
            Request::RemoveStep { index } => clean_action(CleanAction::Remove { index }),
            Request::SetLabel { column } => clean_action(CleanAction::SetLabel { column }),
            Request::LoadRecipe { path } => clean_action(CleanAction::LoadRecipe { path }),
            Request::Summary => call("dataset_summary", "Reading the data set", args! {}, |s| vec![Reply::Summary(Box::new(s))]),
            Request::SetGateThresholds(thresholds) => {
                call("clean_set_gate", "Changing the gate thresholds", args! { "thresholds" => thresholds }, |s: CleanState| {
                    vec![Reply::CleanState(Box::new(s))]
                })
            }
            Request::SaveRecipe { path } => call("recipe_save", "Saving the recipe", args! { "path" => path }, saved("Recipe")),
            Request::StartTrain(config) => {
                Invocation::Task { command: "start_train", context: "Starting training", args: args! { "config" => config } }
            }
            Request::ListRuns => call("runs_list", "Listing runs", args! {}, |runs| vec![Reply::Runs(runs)]),
            Request::OpenRun { run_id } => call("run_open", "Opening the run", args! { "runId" => run_id }, |run| vec![Reply::Run(Box::new(run))]),
            Request::DeleteRun { run_id } => call("run_delete", "Deleting the run", args! { "runId" => run_id }, |runs| vec![Reply::Runs(runs)]),
            Request::CompareRuns(run_ids) => {
                call("runs_compare", "Comparing runs", args! { "runIds" => run_ids }, |c| vec![Reply::Comparison(Box::new(c))])
            }
            Request::ExportCleaned { path } => call("clean_export", "Exporting the cleaned data", args! { "path" => path }, saved("Cleaned data")),
            Request::Evaluate(request) => {
                call("evaluate_run", "Evaluating the run", args! { "request" => request }, |e: Evaluation| vec![Reply::Evaluation(Box::new(e))])
            }
            Request::ExportBundle { run_id, path, threshold, events } => {
                let saved_path = path.clone();
                let args = args! { "runId" => run_id, "path" => path, "threshold" => threshold, "events" => events };
                // A bundle written is both new bundle metadata and a file saved.
                call("bundle_export", "Exporting the model bundle", args, move |b: BundleInfo| {
                    vec![Reply::Bundle(Box::new(b)), Reply::Saved { what: "Model bundle".into(), path: saved_path }]
                })
            }
            Request::OpenBundle { path } => {
                call("bundle_open", "Opening the model bundle", args! { "path" => path }, |b: BundleInfo| vec![Reply::Bundle(Box::new(b))])
            }
            Request::Predict(request) => {
                Invocation::Task { command: "predict_start", context: "Starting the prediction", args: args! { "request" => request } }
            }
            Request::ExportPredictions { path } => {
                let done = vec![Reply::Saved { what: "Predictions".into(), path: path.clone() }];
                call_unit("predict_export", "Exporting the predictions", args! { "path" => path }, done)
            }
            Request::ExportReport { run_id, path, lang } => {
                let done = vec![Reply::Saved { what: "Report".into(), path: path.clone() }];
                call_unit("report_export", "Exporting the report", args! { "runId" => run_id, "path" => path, "lang" => lang }, done)
            }
            Request::StartNormalTrain(request) => Invocation::Task {
                command: "normal_train_start",
                context: "Starting the normal-operation training",
                args: args! { "request" => request },
            },
            Request::EvaluateNormal(request) => Invocation::Task {
                command: "normal_evaluate_start",
                context: "Evaluating the normal-operation run",
                args: args! { "request" => request },
            },
            Request::ExportNormalBundle { run_id, path } => {
                let saved_path = path.clone();
                let args = args! { "runId" => run_id, "path" => path };
                call("normal_bundle_export", "Exporting the normal-operation bundle", args, move |b: NormalBundleInfo| {
                    vec![Reply::NormalBundle(Box::new(b)), Reply::Saved { what: "Normal-operation bundle".into(), path: saved_path }]
                })
            }
            Request::OpenNormalBundle { path } => {
                call("normal_bundle_open", "Opening the normal-operation bundle", args! { "path" => path }, |b: NormalBundleInfo| {
                    vec![Reply::NormalBundle(Box::new(b))]
                })
            }
            Request::PredictNormal(request) => Invocation::Task {
                command: "normal_predict_start",
                context: "Starting the normal-operation check",
                args: args! { "request" => request },
            },
        }
    }
}
