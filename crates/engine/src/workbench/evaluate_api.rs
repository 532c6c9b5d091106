//! Evaluation, model bundles, prediction and the report on the Workbench. Prediction reads a
//! new export on its own: the data set open in the other panes is left as it is.

use std::path::{Path, PathBuf};

use plantlab_protocol::{
    BundleInfo, EvaluateRequest, Evaluation, EventOptions, PredictRequest, PredictionResult, QualityReport, Recipe, TaskEvent, TaskId, TaskKind,
    TaskOutcome,
};
use plantlab_report::{html_report_in, run_report_title, Lang, ReportInput};

use super::Workbench;
use crate::error::{contain_panics, EngineError, Result};
use crate::evaluate::predict::{self, Predictions};
use crate::evaluate::{self, bundle};
use crate::tasks::JobContext;
use crate::train::runs;

/// The Predict pane's last result and every sample's prediction.
pub(crate) struct LastPrediction {
    result: PredictionResult,
    predictions: Predictions,
}

impl Workbench {
    /// A run's test split scored at the requested threshold (fast: the scores were kept when
    /// the run finished).
    pub fn evaluate_run(&self, request: &EvaluateRequest) -> Result<Evaluation> {
        let dir = runs::run_dir(&self.runs_root(), &request.run_id)?;
        contain_panics(|| evaluate::evaluate_run(&dir, &request.run_id, request))
    }

    /// Writes the bundle of run `run_id` to `path` with the default alarm settings.
    pub fn export_bundle(&self, run_id: &str, path: &Path, threshold: Option<f64>) -> Result<BundleInfo> {
        self.export_bundle_with_events(run_id, path, threshold, None)
    }

    /// Writes the bundle of run `run_id` to `path`; `events` (how alarm samples merge into
    /// alarm events) travels with the threshold and is what prediction uses by default.
    pub fn export_bundle_with_events(&self, run_id: &str, path: &Path, threshold: Option<f64>, events: Option<EventOptions>) -> Result<BundleInfo> {
        let dir = runs::run_dir(&self.runs_root(), run_id)?;
        contain_panics(|| bundle::export(&dir, path, threshold, events))
    }

    /// The alarm settings stored in a bundle (what prediction uses unless told otherwise).
    pub fn bundle_event_options(&self, path: &Path) -> Result<EventOptions> {
        contain_panics(|| bundle::open(path).map(|b| b.bundle.event_options))
    }

    /// Reads and checks a bundle (its network loads) and says what it holds.
    pub fn open_bundle(&self, path: &Path) -> Result<BundleInfo> {
        contain_panics(|| bundle::open(path).map(|b| b.info()))
    }

    /// Predicts in the foreground (CLI, tests) and keeps the result for export.
    pub fn predict(&self, request: &PredictRequest, job: &JobContext) -> Result<PredictionResult> {
        let (result, predictions) = contain_panics(|| predict::predict_file(request, job))?;
        if let Ok(mut slot) = self.predictions.lock() {
            *slot = Some(LastPrediction { result: result.clone(), predictions });
        }
        Ok(result)
    }

    /// Predicts on a worker thread (`plantlab-predict-N`) with progress and cancel; ends with
    /// `Finished(Predicted)`.
    pub fn start_predict<S>(&self, request: PredictRequest, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        let label = crate::TaskLabel::Predicting(file_name(&request.path));
        let workbench = self.clone();
        self.tasks.spawn(TaskKind::Predict, label, sink, move |job| {
            let result = workbench.predict(&request, job)?;
            Ok(TaskOutcome::Predicted(Box::new(result)))
        })
    }

    /// `plantlab eval`: the bundle's predictions on a labelled file, scored (metrics next to
    /// the baseline, events, contributing tags).
    /// `events`: `None` takes the bundle's alarm settings.
    pub fn evaluate_file(
        &self,
        path: &Path,
        bundle_path: &Path,
        threshold: Option<f64>,
        events: Option<EventOptions>,
        job: &JobContext,
    ) -> Result<Evaluation> {
        contain_panics(|| predict::evaluate_file(path, bundle_path, threshold, events, job))
    }

    /// Writes the last predictions as CSV (timestamp or row, risk, alarm, top tags).
    pub fn export_predictions(&self, path: &Path) -> Result<()> {
        let slot = self.predictions.lock().map_err(|_| EngineError::Internal("predictions lock poisoned".into()))?;
        let last = slot.as_ref().ok_or(EngineError::NoPredictions)?;
        predict::write_csv(&last.predictions, path)
    }

    /// The self-contained HTML report of a run: data quality, recipe, training curves,
    /// evaluation with baseline and events, and the alarms of the last prediction made
    /// with that run's model.
    pub fn export_report(&self, run_id: &str, path: &Path) -> Result<()> {
        self.export_report_in(run_id, path, Lang::En)
    }

    /// [`Workbench::export_report`] with the report's own words in `lang`.
    pub fn export_report_in(&self, run_id: &str, path: &Path, lang: Lang) -> Result<()> {
        let dir = runs::run_dir(&self.runs_root(), run_id)?;
        let prediction =
            self.predictions.lock().ok().and_then(|slot| slot.as_ref().filter(|p| p.result.bundle.run_id == run_id).map(|p| p.result.clone()));
        let run = self.open_run(run_id)?;
        let html = report_html(&dir, &run, prediction.as_ref(), lang)?;
        write_report(path, &html)
    }
}

/// The report of the run in `dir` (also `plantlab report`).
pub fn report_html(dir: &Path, run: &plantlab_protocol::RunDetail, prediction: Option<&PredictionResult>, lang: Lang) -> Result<String> {
    let quality: Option<QualityReport> = std::fs::read(dir.join("quality.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let recipe: Option<Recipe> = run.recipe.as_deref().and_then(|r| serde_json::from_str(r).ok());
    let evaluation = evaluate::evaluate_run(
        dir,
        &run.entry.run_id,
        &EvaluateRequest { run_id: run.entry.run_id.clone(), threshold: None, events: EventOptions::default() },
    )
    .ok();
    let title = run_report_title(&run.entry.run_id, lang);
    let generated = format!("{} UTC", runs::format_utc(runs::now_secs()));
    Ok(html_report_in(
        &ReportInput {
            title: &title,
            generated: &generated,
            run: Some(run),
            quality: quality.as_ref(),
            recipe: recipe.as_ref(),
            evaluation: evaluation.as_ref(),
            prediction,
        },
        lang,
    ))
}

pub fn write_report(path: &Path, html: &str) -> Result<()> {
    runs::write_atomic(path, html.as_bytes()).map_err(|e| match e {
        EngineError::Io { path, source } => EngineError::Write { path, detail: crate::atomic_file::system_error(source) },
        other => other,
    })
}

fn file_name(path: &str) -> String {
    PathBuf::from(path).file_name().map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}
