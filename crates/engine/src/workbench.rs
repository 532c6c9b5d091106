//! The one engine API that the desktop shell and the CLI both call.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use plantlab_protocol::{
    DatasetSummary, Histogram, HistogramRequest, ImportOverrides, PageRequest, QualityReport, Series, SeriesRequest, TablePage, TaskEvent, TaskId,
    TaskKind, TaskOutcome,
};
use plantlab_protocol::{RunComparison, RunDetail, RunEntry, RunSummary, TrainConfig, TrainUpdate};
use polars::prelude::DataFrame;

use crate::dataset::Dataset;
use crate::error::{contain_panics, EngineError, Result};
use crate::import::import;
use crate::quality::QualityThresholds;
use crate::tasks::{JobContext, TaskRunner};
use crate::train::{self, runs, ActiveRuns, TrainJob};

/// Held by the run that is training; later runs wait for it. Process-wide rather than per
/// workbench: networks training at the same time share the backend's global state, and a
/// seeded run must repeat exactly.
static TRAIN_SLOT: Mutex<()> = Mutex::new(());

/// Where runs go when the caller does not say (the CLI: `./runs`).
const DEFAULT_RUNS_ROOT: &str = "runs";

mod clean_api;
mod evaluate_api;
pub mod normal_api;

/// A user's session: the open data set and the background tasks working on it.
#[derive(Default, Clone)]
pub struct Workbench {
    tasks: TaskRunner,
    dataset: Arc<RwLock<Option<Arc<Dataset>>>>,
    /// Folder of training runs; `None` means `./runs`.
    runs_root: Arc<RwLock<Option<PathBuf>>>,
    /// Runs training in this process.
    active_runs: ActiveRuns,
    /// The cleaning session on the open data set (methods in `workbench/clean_api.rs`).
    clean: Arc<std::sync::Mutex<Option<crate::clean::CleanSession>>>,
    /// The last predictions of the Predict pane, with what they came from (for the CSV
    /// export and the report; methods in `workbench/evaluate_api.rs`).
    predictions: Arc<std::sync::Mutex<Option<evaluate_api::LastPrediction>>>,
    /// The newest file load: its number and task. A newer request cancels an older load, and an
    /// older load that finishes anyway never replaces the newer file (the last request wins).
    latest_load: Arc<Mutex<(u64, Option<TaskId>)>>,
}

impl Workbench {
    pub fn new() -> Self {
        Self::default()
    }

    /// A workbench whose training runs live under `root` (the desktop passes its data folder).
    pub fn with_runs_root(root: impl Into<PathBuf>) -> Self {
        let workbench = Self::default();
        workbench.set_runs_root(root.into());
        workbench
    }

    pub fn set_runs_root(&self, root: PathBuf) {
        if let Ok(mut slot) = self.runs_root.write() {
            *slot = Some(root);
        }
    }

    pub fn runs_root(&self) -> PathBuf {
        self.runs_root.read().ok().and_then(|r| r.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_RUNS_ROOT))
    }

    /// Trains on the open data set in the foreground (CLI, tests). `on_update` sees every
    /// batch and epoch as it happens; the run directory is written as training goes.
    pub fn train(&self, config: &TrainConfig, job: &JobContext, on_update: &mut dyn FnMut(&TrainUpdate)) -> Result<RunSummary> {
        self.train_with(config, as_opened, job, on_update)
    }

    /// Like [`Workbench::train`], with `prepare` turning the open frame into the training
    /// frame first (the cleaning recipe is applied here).
    pub fn train_with(
        &self,
        config: &TrainConfig,
        prepare: impl FnOnce(DataFrame, &TrainConfig) -> Result<DataFrame>,
        job: &JobContext,
        on_update: &mut dyn FnMut(&TrainUpdate),
    ) -> Result<RunSummary> {
        let dataset = self.current()?;
        let _slot = wait_for_slot(&TRAIN_SLOT, job)?;
        let frame = prepare(dataset.frame().clone(), config)?;
        let summary = dataset.summary();
        // The open data set already is the cleaned one; the steps that made it are kept with the run.
        let recipe = self.cleaning_recipe_json();
        let request = TrainJob {
            config,
            recipe: recipe.as_deref(),
            data_label: &summary.path,
            timestamp_column: summary.timestamp_column.as_deref(),
            runs_root: &self.runs_root(),
            active: &self.active_runs,
            columns: &summary.columns,
            import: &summary.import,
            quality: Some(dataset.report()),
        };
        contain_panics(|| train::train(&frame, &request, job, on_update))
    }

    /// Trains on the open data set on a worker thread (`plantlab-train-N`). Events go to
    /// `sink`: `Started`, `Train` updates (every epoch; batches thinned when the UI lags),
    /// `Progress`, and one of `Finished(Trained)`, `Failed` or `Cancelled`. Cancel takes effect
    /// within one batch. A second run waits until the first ends.
    pub fn start_train<S>(&self, config: TrainConfig, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        // Fail fast on a missing data set or a bad config, before a task appears in the status bar.
        self.current()?;
        crate::train::validate_config(&config)?;
        let label = crate::TaskLabel::Training { model: config.model.as_str().to_owned(), target: config.target.clone() };
        let workbench = self.clone();
        self.tasks.spawn(TaskKind::Train, label, sink, move |job| {
            let summary = workbench.train(&config, job, &mut |update| job.train_update(update))?;
            Ok(TaskOutcome::Trained(summary))
        })
    }

    /// Runs under the runs folder, newest first; runs whose process died are `Interrupted`.
    pub fn list_runs(&self) -> Result<Vec<RunEntry>> {
        runs::list_runs(&self.runs_root(), &self.active_ids())
    }

    /// A run's settings, recipe and every recorded metric (to redraw its curves).
    pub fn open_run(&self, run_id: &str) -> Result<RunDetail> {
        runs::open_run(&self.runs_root(), run_id, &self.active_ids())
    }

    /// Removes a run's folder; refused while it trains.
    pub fn delete_run(&self, run_id: &str) -> Result<()> {
        runs::delete_run(&self.runs_root(), run_id, &self.active_ids())
    }

    /// Two or more runs with the settings (config and recipe) that differ between them.
    pub fn compare_runs(&self, run_ids: &[String]) -> Result<RunComparison> {
        runs::compare_runs(&self.runs_root(), run_ids, &self.active_ids())
    }

    fn active_ids(&self) -> Vec<String> {
        self.active_runs.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// Loads `path` in the foreground (CLI, tests) and makes it the open data set.
    pub fn load(&self, path: &Path, overrides: &ImportOverrides, job: &JobContext) -> Result<DatasetSummary> {
        let dataset = load_dataset(path, overrides, job)?;
        let summary = dataset.summary().clone();
        self.install(dataset);
        Ok(summary)
    }

    /// Loads `path` in the foreground and returns its quality report (`plantlab profile`).
    /// `label_column` names the target, for the label-imbalance check.
    pub fn profile(&self, path: &Path, overrides: &ImportOverrides, label_column: Option<&str>, job: &JobContext) -> Result<QualityReport> {
        let imported = contain_panics(|| import(path, overrides, job))?;
        if let Some(label) = label_column {
            if imported.frame.column(label).is_err() {
                return Err(EngineError::UnknownColumn(label.to_owned()));
            }
        }
        let dataset = contain_panics(|| Ok(Dataset::from_import(path.display().to_string(), imported, &QualityThresholds::default(), label_column)))?;
        let report = dataset.report().clone();
        self.install(dataset);
        Ok(report)
    }

    /// Loads `path` on a worker thread. Events, ending in `Finished(Loaded)`, `Failed` or
    /// `Cancelled`, go to `sink`. The open data set is replaced only when the load succeeds,
    /// so a failed or cancelled load never loses what the user had.
    pub fn start_load<S>(&self, path: PathBuf, overrides: ImportOverrides, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        let label = crate::TaskLabel::Loading(path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()));
        let slot = self.dataset.clone();
        let latest = self.latest_load.clone();
        // Numbered and started under the lock, so two requests cannot both think they are newest.
        let mut newest = latest.lock().map_err(|_| EngineError::Internal("the load bookkeeping was poisoned by an earlier failure".into()))?;
        if let Some(older) = newest.1.take() {
            self.tasks.cancel(older);
        }
        let number = newest.0 + 1;
        let still_newest = latest.clone();
        let task = self.tasks.spawn(TaskKind::Load, label, sink, move |job| {
            let dataset = load_dataset(&path, &overrides, job)?;
            job.check_cancelled()?;
            let summary = dataset.summary().clone();
            // Checked while holding the data set, so a newer load cannot slip in between.
            let mut slot = slot.write().map_err(|_| EngineError::Internal("the open data set was poisoned by an earlier failure".into()))?;
            if still_newest.lock().map(|n| n.0 != number).unwrap_or(true) {
                return Err(EngineError::Cancelled);
            }
            *slot = Some(Arc::new(dataset));
            Ok(TaskOutcome::Loaded(summary))
        })?;
        *newest = (number, Some(task));
        Ok(task)
    }

    pub fn cancel(&self, task: TaskId) -> bool {
        self.tasks.cancel(task)
    }

    pub fn running_tasks(&self) -> Vec<TaskId> {
        self.tasks.running()
    }

    pub fn summary(&self) -> Result<DatasetSummary> {
        Ok(self.current()?.summary().clone())
    }

    /// The quality report of the open data set, computed when it was loaded.
    pub fn report(&self) -> Result<QualityReport> {
        Ok(self.current()?.report().clone())
    }

    pub fn page(&self, request: &PageRequest) -> Result<TablePage> {
        self.current()?.page(request)
    }

    pub fn series(&self, request: &SeriesRequest) -> Result<Series> {
        self.current()?.series(request)
    }

    pub fn histogram(&self, request: &HistogramRequest) -> Result<Histogram> {
        self.current()?.histogram(request)
    }

    fn install(&self, dataset: Dataset) {
        if let Ok(mut slot) = self.dataset.write() {
            *slot = Some(Arc::new(dataset));
        }
    }

    fn current(&self) -> Result<Arc<Dataset>> {
        self.dataset.read().map_err(|_| EngineError::Internal("data set lock poisoned".into()))?.clone().ok_or(EngineError::NoDataset)
    }
}

pub(crate) fn load_dataset(path: &Path, overrides: &ImportOverrides, job: &JobContext) -> Result<Dataset> {
    let imported = contain_panics(|| import(path, overrides, job))?;
    job.check_cancelled()?;
    job.progress(0.98, crate::Stage::CheckingQuality);
    contain_panics(|| Ok(Dataset::from_import(path.display().to_string(), imported, &QualityThresholds::default(), None)))
}

/// The open data set is what training sees: the cleaning loop replaces it with the cleaned
/// data, and `plantlab train --recipe` replays the recipe when it loads the file.
fn as_opened(frame: DataFrame, _config: &TrainConfig) -> Result<DataFrame> {
    Ok(frame)
}

/// Waits until no other run trains, checking for cancel meanwhile.
fn wait_for_slot<'a>(slot: &'a Mutex<()>, job: &JobContext) -> Result<std::sync::MutexGuard<'a, ()>> {
    loop {
        match slot.try_lock() {
            Ok(guard) => return Ok(guard),
            // A run that panicked left the lock poisoned; the slot itself is still usable.
            Err(std::sync::TryLockError::Poisoned(p)) => return Ok(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => {
                job.check_cancelled()?;
                job.progress(0.0, crate::Stage::WaitingForPreviousRun);
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;

    /// Starts a load and returns a receiver of its terminal event.
    fn load(workbench: &Workbench, path: &Path) -> std::sync::mpsc::Receiver<TaskEvent> {
        let (send, receive) = sync_channel(1);
        workbench
            .start_load(path.to_path_buf(), ImportOverrides::default(), move |event: TaskEvent| {
                if event.is_terminal() {
                    let _ = send.send(event);
                }
            })
            .unwrap();
        receive
    }

    #[test]
    fn a_second_file_cancels_the_first_load_and_the_last_request_wins() {
        let dir = tempfile::tempdir().unwrap();
        let slow = dir.path().join("slow.csv");
        let quick = dir.path().join("quick.csv");
        crate::generate::wide_numeric_csv(std::fs::File::create(&slow).unwrap(), 400_000, 20, 1).unwrap();
        crate::generate::wide_numeric_csv(std::fs::File::create(&quick).unwrap(), 50, 3, 2).unwrap();
        let workbench = Workbench::new();
        let first = load(&workbench, &slow);
        let second = load(&workbench, &quick);
        let timeout = std::time::Duration::from_secs(120);
        assert!(matches!(second.recv_timeout(timeout).unwrap(), TaskEvent::Finished { .. }));
        let first_end = first.recv_timeout(timeout).unwrap();
        assert!(matches!(first_end, TaskEvent::Cancelled { .. }), "the first load went on: {first_end:?}");
        assert_eq!(workbench.summary().unwrap().rows, 50, "the file asked for last must stay open");
    }
}
