//! The cleaning loop on the Workbench. The session belongs to the data set that was open when
//! it started; loading another file starts a new one. After every change the cleaned data set
//! becomes the open one, so the Data pane's pages, plots, histograms and report show the
//! cleaned state; `clean_raw_series` draws the imported data for comparison.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use plantlab_protocol::{
    CleanAction, CleanState, CleanSummary, GateResult, GateThresholds, ImportOverrides, PreviewRequest, Recipe, Series, SeriesRequest, StepPreview,
    TaskEvent, TaskId, TaskKind, TaskOutcome,
};

use super::{load_dataset, Workbench};
use crate::clean::{recipe, CleanSession};
use crate::error::{contain_panics, Detail, EngineError, Result};
use crate::tasks::JobContext;

impl Workbench {
    /// Runs `work` on the cleaning session of the open data set (starting one if the open
    /// data set is new), then makes the cleaned data set the open one.
    ///
    /// The open data set is read and replaced under the session lock: read before it, a
    /// request waiting behind a running change would see the data set of before the change,
    /// take it for a newly opened file and start the history afresh.
    fn with_clean<T>(&self, work: impl FnOnce(&mut CleanSession) -> Result<T>) -> Result<T> {
        let mut guard = self.clean.lock().map_err(|_| EngineError::Internal("cleaning session lock poisoned".into()))?;
        let current = self.current()?;
        let belongs = guard.as_ref().is_some_and(|s| Arc::ptr_eq(s.raw(), &current) || Arc::ptr_eq(s.cleaned(), &current));
        if !belongs {
            *guard = Some(CleanSession::start(current.clone()));
        }
        let session = guard.as_mut().ok_or_else(|| EngineError::Internal("no cleaning session".into()))?;
        let result = contain_panics(|| work(session));
        let cleaned = session.cleaned().clone();
        if let Ok(mut slot) = self.dataset.write() {
            // Only if the user has not opened another file meanwhile.
            let still_ours = slot.as_ref().is_some_and(|d| Arc::ptr_eq(d, &current));
            if still_ours {
                *slot = Some(cleaned);
            }
        }
        drop(guard);
        result
    }

    /// The history, the report of the cleaned data, suggestions and the gate.
    pub fn clean_state(&self) -> Result<CleanState> {
        self.with_clean(|s| Ok(s.state()))
    }

    /// What `request.step` would change on the current cleaned data (nothing is applied).
    pub fn clean_preview(&self, request: &PreviewRequest) -> Result<StepPreview> {
        self.with_clean(|s| s.preview(request))
    }

    /// Runs one change to the history in the foreground and returns the new state.
    pub fn clean(&self, action: CleanAction, job: &JobContext) -> Result<CleanState> {
        self.with_clean(|s| {
            s.perform(action, job)?;
            Ok(s.state())
        })
    }

    /// Runs one change to the history on a worker thread (replays of large data take longer
    /// than a frame). Ends in `Finished(Cleaned(summary))`; then ask for `clean_state`.
    pub fn start_clean<S>(&self, action: CleanAction, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        let label = match &action {
            CleanAction::LoadRecipe { path } => {
                crate::TaskLabel::ApplyingRecipe(Path::new(path).file_name().map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned()))
            }
            CleanAction::ApplySuggestions => crate::TaskLabel::ApplyingSuggestions,
            _ => crate::TaskLabel::Cleaning,
        };
        let bench = self.clone();
        self.tasks.spawn(TaskKind::Clean, label, sink, move |job| {
            bench.with_clean(|s| {
                s.perform(action, job)?;
                Ok(TaskOutcome::Cleaned(s.summary()))
            })
        })
    }

    pub fn clean_gate(&self) -> Result<GateResult> {
        self.with_clean(|s| Ok(s.gate()))
    }

    pub fn set_gate_thresholds(&self, thresholds: GateThresholds) -> Result<GateResult> {
        self.with_clean(|s| {
            s.set_gate_thresholds(thresholds);
            Ok(s.gate())
        })
    }

    /// The recipe of the current history (import settings, steps with fitted statistics).
    pub fn clean_recipe(&self) -> Result<Recipe> {
        self.with_clean(|s| Ok(s.recipe()))
    }

    pub fn save_recipe(&self, path: &Path) -> Result<()> {
        self.with_clean(|s| s.save_recipe(path))
    }

    /// Replaces the history with a recipe file's steps, replayed on the open data (foreground).
    pub fn load_recipe(&self, path: &Path, job: &JobContext) -> Result<CleanSummary> {
        self.with_clean(|s| {
            s.load_recipe(path, job)?;
            Ok(s.summary())
        })
    }

    /// Writes the cleaned data as `.parquet` or `.csv`.
    pub fn export_cleaned(&self, path: &Path) -> Result<()> {
        self.with_clean(|s| s.export(path))
    }

    /// A column of the imported (uncleaned) data, for drawing it next to the cleaned one.
    pub fn clean_raw_series(&self, request: &SeriesRequest) -> Result<Series> {
        self.with_clean(|s| s.raw().series(request))
    }

    /// `plantlab clean FILE --suggest`: loads `path`, adds the suggested steps one after
    /// another until none is left, and returns the recipe.
    pub fn suggest_recipe(&self, path: &Path, overrides: &ImportOverrides, label: Option<&str>, job: &JobContext) -> Result<(Recipe, CleanSummary)> {
        self.load(path, overrides, job)?;
        self.with_clean(|s| {
            if let Some(label) = label {
                s.perform(CleanAction::SetLabel { column: Some(label.to_owned()) }, job)?;
            }
            s.apply_suggestions(job)?;
            Ok((s.recipe(), s.summary()))
        })
    }

    /// `plantlab clean FILE --recipe R -o OUT`: loads `path` the way the recipe's export was
    /// read, replays the recipe (its fitted statistics are used, never refitted), writes the
    /// cleaned data when `output` is given, and returns the summary with the gate.
    pub fn apply_recipe_file(&self, path: &Path, recipe_path: &Path, output: Option<&Path>, job: &JobContext) -> Result<CleanSummary> {
        let recipe = recipe::read(recipe_path)?;
        let dataset = load_dataset(path, &recipe::overrides_for(&recipe.import), job)?;
        self.install(dataset);
        self.with_clean(|s| {
            s.use_recipe(recipe, job)?;
            let mut summary = s.summary();
            if let Some(failed) = summary.steps.iter().find(|o| o.error.is_some()) {
                return Err(EngineError::BadStep(Detail::coded("step_failed", crate::clean::failed_step_args(failed))));
            }
            if let Some(out) = output {
                s.export(out)?;
                summary.output = Some(out.display().to_string());
            }
            Ok(summary)
        })
    }

    /// The recipe that produced the open data set, as JSON, when a cleaning session with at
    /// least one step belongs to it (recorded with training runs).
    pub(crate) fn cleaning_recipe_json(&self) -> Option<String> {
        let guard = self.clean.lock().ok()?;
        let current = self.current().ok()?;
        let session = guard.as_ref()?;
        let belongs = Arc::ptr_eq(session.cleaned(), &current);
        let recipe = session.recipe();
        if !belongs || recipe.steps.is_empty() {
            return None;
        }
        serde_json::to_string_pretty(&recipe).ok()
    }

    /// Background version of loading a recipe onto the open data.
    pub fn start_load_recipe<S>(&self, path: PathBuf, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        self.start_clean(CleanAction::LoadRecipe { path: path.display().to_string() }, sink)
    }
}
