//! The one engine API that the desktop shell and the CLI both call.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use plantlab_protocol::{DatasetSummary, PageRequest, Series, SeriesRequest, TablePage, TaskEvent, TaskId, TaskKind, TaskOutcome};

use crate::dataset::Dataset;
use crate::error::{EngineError, Result};
use crate::load::read_table;
use crate::tasks::{JobContext, TaskRunner};

/// A user's session: the open data set and the background tasks working on it.
#[derive(Default, Clone)]
pub struct Workbench {
    tasks: TaskRunner,
    dataset: Arc<RwLock<Option<Arc<Dataset>>>>,
}

impl Workbench {
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads `path` in the foreground (CLI, tests) and makes it the open data set.
    pub fn load(&self, path: &Path, job: &JobContext) -> Result<DatasetSummary> {
        let dataset = load_dataset(path, job)?;
        let summary = dataset.summary().clone();
        self.install(dataset);
        Ok(summary)
    }

    /// Loads `path` on a worker thread. Events, ending in `Finished(Loaded)`, `Failed` or
    /// `Cancelled`, go to `sink`. The open data set is replaced only when the load succeeds,
    /// so a failed or cancelled load never loses what the user had.
    pub fn start_load<S>(&self, path: PathBuf, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        let label = format!("Loading {}", path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()));
        let slot = self.dataset.clone();
        self.tasks.spawn(TaskKind::Load, label, sink, move |job| {
            let dataset = load_dataset(&path, job)?;
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

    pub fn page(&self, request: &PageRequest) -> Result<TablePage> {
        self.current()?.page(request)
    }

    pub fn series(&self, request: &SeriesRequest) -> Result<Series> {
        self.current()?.series(request)
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

fn load_dataset(path: &Path, job: &JobContext) -> Result<Dataset> {
    let frame = read_table(path, job)?;
    job.progress(0.99, "summarising");
    Ok(Dataset::new(path.display().to_string(), frame))
}
