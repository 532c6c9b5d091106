//! How the UI talks to whatever does the work. The desktop build sends requests over Tauri IPC;
//! tests answer them in-process. Requests never block: replies arrive later through `poll`.

use plantlab_protocol::{
    ApiError, BundleInfo, CleanState, EvaluateRequest, Evaluation, PredictRequest, DatasetSummary, FrameStats, CleanStep, FilePurpose, GateThresholds, Histogram, HistogramRequest, ImportOverrides, PageRequest, PaintReport, PreviewRequest, QualityReport, RunComparison, RunDetail, RunEntry, Series, SeriesRequest, StepPreview, TablePage,
    TaskEvent, TaskId, TrainConfig,
};

/// Something the UI asks of the backend.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Show the native file dialog; answered with `PickedFile`.
    PickFile,
    /// Show the open or save dialog for `purpose`; answered with `PickedPath`.
    PickPath { purpose: FilePurpose },
    /// Start loading a file in the background; answered with a stream of `Task` events.
    /// `overrides` are the import settings the user set (`None`: sniff everything).
    Load { path: String, overrides: Option<ImportOverrides> },
    Cancel { task: TaskId },
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
    SetStepEnabled { index: usize, enabled: bool },
    EditStep { index: usize, step: CleanStep },
    RemoveStep { index: usize },
    /// Names the label (target) column whose class balance the report checks; `None` clears it.
    SetLabel { column: Option<String> },
    SetGateThresholds(GateThresholds),
    /// Answered with `Saved`.
    SaveRecipe { path: String },
    /// Replays the recipe on the open raw data in the background.
    LoadRecipe { path: String },
    /// Writes the cleaned data (CSV or Parquet by extension); answered with `Saved`.
    ExportCleaned { path: String },

    // Training.
    /// Trains on the open (cleaned) data in the background; `Task` events carry the curves.
    StartTrain(Box<TrainConfig>),
    ListRuns,
    OpenRun { run_id: String },
    /// Answered with a fresh `Runs` list.
    DeleteRun { run_id: String },
    CompareRuns(Vec<String>),

    // Evaluation and prediction.
    /// Scores a run's test split at a threshold; answered with `Evaluation`.
    Evaluate(EvaluateRequest),
    /// Writes a run's model bundle; answered with `Bundle` and `Saved`.
    /// `threshold`: the decision threshold stored with it (`None`: the run's default).
    ExportBundle { run_id: String, path: String, threshold: Option<f64> },
    /// Reads a bundle's metadata; answered with `Bundle`.
    OpenBundle { path: String },
    /// Applies a bundle to a new export in the background; answered with a task stream that
    /// ends in `TaskOutcome::Predicted`.
    Predict(PredictRequest),
    /// Writes the last prediction's per-sample results as CSV; answered with `Saved`.
    ExportPredictions { path: String },
    /// Writes a run's evaluation as an HTML report; answered with `Saved`.
    ExportReport { run_id: String, path: String },
}

/// Something the backend tells the UI.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    PickedFile(Option<String>),
    PickedPath { purpose: FilePurpose, path: Option<String> },
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
    /// A file was written; `what` names it for the user ("Recipe", "Cleaned data").
    Saved { what: String, path: String },
    /// A request failed; `context` says which (e.g. "Opening the file dialog").
    Error { context: String, error: ApiError },
}

pub trait Backend {
    fn send(&mut self, request: Request);
    /// Replies that arrived since the last call, in order.
    fn poll(&mut self) -> Vec<Reply>;
}
