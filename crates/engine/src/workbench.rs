//! The one engine API that the desktop shell and the CLI both call.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use plantlab_protocol::{
    DatasetSummary, Histogram, HistogramRequest, ImportOverrides, PageRequest, QualityReport, Series, SeriesRequest, TablePage, TaskEvent, TaskId, TaskKind,
    TaskOutcome,
};

use crate::dataset::Dataset;
use crate::error::{contain_panics, EngineError, Result};
use crate::import::import;
use crate::quality::QualityThresholds;
use crate::tasks::{JobContext, TaskRunner};

mod clean_api;

/// A user's session: the open data set and the background tasks working on it.
#[derive(Default, Clone)]
pub struct Workbench {
    tasks: TaskRunner,
    dataset: Arc<RwLock<Option<Arc<Dataset>>>>,
    /// The cleaning session on the open data set (methods in `workbench/clean_api.rs`).
    clean: Arc<std::sync::Mutex<Option<crate::clean::CleanSession>>>,
}

impl Workbench {
    pub fn new() -> Self {
        Self::default()
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
        let dataset = contain_panics(|| {
            Ok(Dataset::from_import(path.display().to_string(), imported, &QualityThresholds::default(), label_column))
        })?;
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
        let label = format!("Loading {}", path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()));
        let slot = self.dataset.clone();
        self.tasks.spawn(TaskKind::Load, label, sink, move |job| {
            let dataset = load_dataset(&path, &overrides, job)?;
            job.check_cancelled()?;
            let summary = dataset.summary().clone();
            if let Ok(mut slot) = slot.write() {
                *slot = Some(Arc::new(dataset));
            }
            Ok(TaskOutcome::Loaded(summary))
        })
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

fn load_dataset(path: &Path, overrides: &ImportOverrides, job: &JobContext) -> Result<Dataset> {
    let imported = contain_panics(|| import(path, overrides, job))?;
    job.check_cancelled()?;
    job.progress(0.98, "checking quality");
    contain_panics(|| Ok(Dataset::from_import(path.display().to_string(), imported, &QualityThresholds::default(), None)))
}
