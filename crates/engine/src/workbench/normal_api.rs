//! Models of normal operation on the Workbench: train one on the rows the user marks as
//! normal (the linear next-step predictor, recommended, or the process language model; PCA
//! T²/Q is always fitted beside as the baseline), evaluate it against fault labels, export and
//! open its bundle, and predict with it on a new export, each alarm explained by the tags that
//! surprised the model.
//!
//! A model trained on cleaned data keeps the cleaning recipe (in its run and in its bundle): a
//! new export is read with the recipe's import settings and cleaned by its steps, their fitted
//! statistics kept, before it is scored, as the classifier bundles do.
//!
//! A normal run lives in the runs folder like a classifier run:
//!
//! ```text
//! runs/<id>/run.json               written first (id, start, data, process id)
//!           normal_config.json     the NormalTrainRequest
//!           quality.json           the quality report of the data (when known)
//!           recipe.json            the cleaning recipe that made the data (when it was cleaned)
//!           metrics.jsonl          Prepared, then one NormalEpoch per language-model epoch
//!           normal_model.json      the bundle
//!           normal_summary.json    the NormalRunSummary
//!           summary.json           written last: the status, so the runs list shows how it ended
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plantlab_protocol::{
    DetectorScore, FalseAlarmUnit, ImportOverrides, InputWarning, MessageArg, NormalAlarm, NormalBundleInfo, NormalDetector, NormalEpisode,
    NormalEpochMetrics, NormalEvaluateRequest, NormalEvaluation, NormalPeriod, NormalPredictRequest, NormalPrediction, NormalRunSummary,
    NormalTimeline, NormalTrainRequest, QualityReport, Recipe, RunStatus, RunSummary, TagScoreSeries, TagSurprise, TaskEvent, TaskId, TaskKind,
    TaskOutcome, TrainDataInfo, TrainUpdate,
};
use polars::prelude::DataFrame;

use super::{wait_for_slot, Workbench, TRAIN_SLOT};
use crate::error::{contain_panics, Detail, EngineError, Result};
use crate::evaluate::events::sampling_interval_ms;
use crate::evaluate::row_times_ms;
use crate::normal::bundle::{NormalBundle, NORMAL_BUNDLE_FILE};
use crate::normal::detect::{detection, StepScores};
use crate::normal::frame::{fault_labels, normal_rows, tags_of, NormalChoice};
use crate::normal::linear::{LinearPredictor, LinearSettings};
use crate::normal::lm::{LmSettings, ProcessLm};
use crate::normal::pca::{PcaModel, DEFAULT_COMPONENTS};
use crate::normal::wording::{
    english_detector_name, english_sentence, english_stop, far_from_normal_warning, finished_stop, mostly_missing_warning, surprise_sentence,
    training_data_source, Change,
};
use crate::normal::{split_segments, stack_segments, NormalRows, TagMatrix};
use crate::tasks::JobContext;
use crate::train::runs::{self, write_json, MetricsLog, RunMeta};
use crate::train::ActiveRuns;

/// The request a normal run was started with.
pub const NORMAL_CONFIG_FILE: &str = "normal_config.json";
/// The end of a normal run.
pub const NORMAL_SUMMARY_FILE: &str = "normal_summary.json";
/// The cleaning recipe of a run's data (the name classifier runs use too).
const RECIPE_FILE: &str = "recipe.json";
/// The share of the normal rows (the latest) held out to calibrate the threshold.
const HOLDOUT: f64 = 0.2;
/// PCA's theoretical limits are set at this confidence.
const PCA_CONFIDENCE: f64 = 0.99;
/// Tags explained per alarm, and tags whose surprise the timeline carries.
const TOP_TAGS: usize = 3;
/// Alarm events listed in a prediction (all are counted).
const MAX_ALARMS: usize = 1000;
/// A tag is "far outside" its normal range this many standard deviations from its mean.
const FAR_OUTSIDE_STD: f64 = 6.0;
/// A tag is back inside its normal band within this many standard deviations of its mean
/// (where an alarm explanation's "rising for …" starts counting).
const NORMAL_BAND_STD: f64 = 1.0;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// The data of one table as the normal-operation models see it.
struct NormalInput {
    data: TagMatrix,
    times_ms: Option<Vec<i64>>,
    interval_s: Option<f64>,
}

impl NormalInput {
    fn of(frame: &DataFrame, timestamp: Option<&str>, exclude: &[String]) -> Result<Self> {
        let data = tags_of(frame, exclude, None)?;
        let times_ms = row_times_ms(frame, timestamp);
        let interval_s = times_ms.as_deref().and_then(sampling_interval_ms).map(|ms| ms / 1000.0);
        Ok(Self { data, times_ms, interval_s })
    }
}

/// Per step and tag (row-major), the range of values a detector expected.
type ExpectedRanges = Vec<(f64, f64)>;

/// A bundle with its language model built (when it holds one): what scoring needs.
pub struct OpenNormalModel {
    pub path: PathBuf,
    pub bundle: NormalBundle,
    pub lm: Option<ProcessLm>,
}

impl OpenNormalModel {
    pub fn open(path: &Path) -> Result<Self> {
        let bundle = NormalBundle::load(path)?;
        let lm = match bundle.lm {
            Some(_) => Some(contain_panics(|| bundle.language_model(path))?),
            None => None,
        };
        Ok(Self { path: path.to_path_buf(), bundle, lm })
    }

    pub fn info(&self) -> NormalBundleInfo {
        let b = &self.bundle;
        let (window, smoothing) = match (b.detector, &b.lm) {
            (NormalDetector::ProcessLm, Some(lm)) => (lm.settings.window, lm.settings.smoothing),
            _ => (1, b.linear.settings.smoothing),
        };
        NormalBundleInfo {
            path: self.path.display().to_string(),
            format_version: b.version,
            detector: b.detector,
            tags: b.tags.clone(),
            normal_rows: b.normal_rows as u64,
            threshold: b.threshold(),
            window: window as u32,
            smoothing: smoothing as u32,
        }
    }

    /// The detector's scores of `data` (tags in the bundle's order) and, for the language
    /// model, the range it expected per step and tag.
    fn score(&self, data: &TagMatrix) -> Result<(StepScores, Option<ExpectedRanges>)> {
        match (self.bundle.detector, &self.lm) {
            (NormalDetector::ProcessLm, Some(lm)) => {
                let (scores, expected) = contain_panics(|| lm.score_with_expected(data))?;
                Ok((scores, Some(expected)))
            }
            _ => Ok((self.bundle.linear.score(data)?, None)),
        }
    }

    /// Steps of history the detector needs before its first score.
    fn history_steps(&self) -> usize {
        match (self.bundle.detector, &self.lm) {
            (NormalDetector::ProcessLm, Some(lm)) => lm.settings.window,
            _ => 1,
        }
    }
}

/// The target false-alarm rate as a share of normal samples.
pub fn target_rate(request: &NormalTrainRequest, interval_s: Option<f64>) -> Result<f64> {
    let target = request.target_false_alarms;
    if !(target.is_finite() && target > 0.0) {
        return Err(bad(Detail::coded("normal_target_not_positive", [("target", MessageArg::Number(target))])));
    }
    let (rate, said) = match request.false_alarm_unit {
        FalseAlarmUnit::PerThousandSamples => {
            (target / 1000.0, Detail::coded("normal_target_per_thousand", [("target", MessageArg::Number(target))]))
        }
        FalseAlarmUnit::PerDay => {
            let Some(interval) = interval_s else {
                return Err(bad(Detail::coded("normal_per_day_needs_time_axis", [])));
            };
            let said = Detail::coded("normal_target_per_day", [("target", MessageArg::Number(target)), ("interval", MessageArg::Duration(interval))]);
            (target * interval / SECONDS_PER_DAY, said)
        }
    };
    if rate >= 0.5 {
        return Err(bad(Detail::coded(
            "normal_target_too_high",
            [("target", said.as_arg().clone()), ("percent", ((rate * 100.0).round() as u64).into())],
        )));
    }
    Ok(rate)
}

fn bad(detail: Detail) -> EngineError {
    EngineError::BadTrainConfig(detail)
}

fn check_request(request: &NormalTrainRequest) -> Result<()> {
    if request.smoothing == 0 {
        return Err(bad(Detail::coded("normal_smoothing", [])));
    }
    if request.detector == NormalDetector::ProcessLm {
        if request.window == 0 || request.epochs == 0 {
            return Err(bad(Detail::coded("normal_lm_window_epochs", [])));
        }
        if !(2..=256).contains(&request.bins) {
            return Err(crate::train::setting_out_of_range("bins_per_tag", u64::from(request.bins), 2, 256));
        }
    }
    Ok(())
}

/// The columns a request keeps out of the tags: the excluded ones, the column that marks
/// the normal rows and the fault labels (they would tell the model the answer).
fn excluded_columns(request: &NormalTrainRequest) -> Vec<String> {
    let mut exclude = request.exclude.clone();
    let marker = match &request.normal {
        NormalPeriod::LabelEquals { column, .. } => Some(column.clone()),
        _ => None,
    };
    for column in marker.into_iter().chain(request.fault_label.clone()) {
        if !exclude.contains(&column) {
            exclude.push(column);
        }
    }
    exclude
}

/// The request with the class-weight columns the cleaning recipe made (`(label, column)`)
/// excluded: they repeat the label, so as tags they would let a model of normal operation see
/// the faults it is meant to find.
fn without_weight_columns(request: &NormalTrainRequest, weight_columns: &[(String, String)], frame: &DataFrame) -> NormalTrainRequest {
    let mut adjusted = request.clone();
    for (_, column) in weight_columns {
        if frame.column(column).is_ok() && !adjusted.exclude.contains(column) {
            adjusted.exclude.push(column.clone());
        }
    }
    adjusted
}

fn choice_of(period: &NormalPeriod) -> NormalChoice {
    match period {
        NormalPeriod::All => NormalChoice::All,
        NormalPeriod::LabelEquals { column, value } => NormalChoice::When { column: column.clone(), value: value.clone() },
        NormalPeriod::Between { from, to } => NormalChoice::Between { from: from.clone(), to: to.clone() },
    }
}

/// PCA with as many components as the normal data supports, up to the default: a baseline
/// must not stop a run because the data has fewer independent directions than it assumed.
fn fit_pca(normal: &TagMatrix) -> Result<PcaModel> {
    let most = DEFAULT_COMPONENTS.min(normal.width().saturating_sub(1)).max(1);
    let mut last = None;
    for components in (1..=most).rev() {
        match PcaModel::fit(normal, components, PCA_CONFIDENCE) {
            Ok(model) => return Ok(model),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| bad(Detail::coded("normal_pca_tags", []))))
}

/// What a normal run needs besides the frame.
pub struct NormalTrainJob<'a> {
    pub request: &'a NormalTrainRequest,
    pub frame: &'a DataFrame,
    pub timestamp_column: Option<&'a str>,
    /// The data as the user named it (the runs list shows it).
    pub data_label: &'a str,
    pub runs_root: &'a Path,
    pub active: &'a ActiveRuns,
    pub quality: Option<&'a QualityReport>,
    /// The cleaning recipe (JSON) that made the data, kept as the run's `recipe.json` and in
    /// its bundle; `None` when the data was not cleaned.
    pub recipe: Option<&'a str>,
}

/// Trains a normal-operation model in the foreground and keeps it as a run. `on_update` sees
/// the preparation and every language-model epoch.
pub fn train_normal(job_in: &NormalTrainJob<'_>, job: &JobContext, on_update: &mut dyn FnMut(&TrainUpdate)) -> Result<NormalRunSummary> {
    let request = job_in.request;
    check_request(request)?;
    let exclude = excluded_columns(request);
    let input = NormalInput::of(job_in.frame, job_in.timestamp_column, &exclude)?;
    let normal = normal_rows(job_in.frame, &choice_of(&request.normal), job_in.timestamp_column)?;
    let segments = normal.segments(input.data.rows)?;
    let rate = target_rate(request, input.interval_s)?;
    let faulty = match &request.fault_label {
        Some(label) => Some(fault_labels(job_in.frame, label)?),
        None => None,
    };
    let recipe = job_in.recipe.map(|text| crate::clean::recipe::parse(Path::new(RECIPE_FILE), text)).transpose()?;
    job.check_cancelled()?;

    // Held until this function returns, after the summary (see `runs::RunLock`).
    let (run_id, dir, _lock) = runs::new_run_dir(job_in.runs_root, request.detector.as_str())?;
    if let Ok(mut active) = job_in.active.lock() {
        active.push(run_id.clone());
    }
    let started = std::time::Instant::now();
    let mut record = RunRecord { run_id: run_id.clone(), dir: dir.clone(), epochs: 0, best_epoch: 0 };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        record.execute(job_in, &input, &normal, &segments, rate, faulty.as_deref(), recipe, job, on_update)
    }))
    .unwrap_or_else(|_| Err(EngineError::Internal("training stopped on an internal error".into())));
    let outcome = match result {
        Ok(mut summary) => {
            summary.seconds = started.elapsed().as_secs_f64();
            record.finish(&summary).map(|()| summary)
        }
        Err(err) => {
            let status = if matches!(err, EngineError::Cancelled) { RunStatus::Cancelled } else { RunStatus::Failed };
            // A failure keeps its error's message; a cancel is the classifiers' coded stop.
            let (message, code) = match status {
                RunStatus::Cancelled => (english_stop("cancelled", &BTreeMap::new()), "cancelled"),
                _ => (err.to_string(), ""),
            };
            let stop = (message, code.to_owned(), BTreeMap::new());
            let failure = (status == RunStatus::Failed).then(|| err.to_api());
            let summary = RunSummary { failure, ..record.run_summary(status, stop, started.elapsed().as_secs_f64()) };
            let _ = write_json(&dir.join("summary.json"), &summary);
            Err(err)
        }
    };
    if let Ok(mut active) = job_in.active.lock() {
        active.retain(|id| *id != run_id);
    }
    outcome
}

struct RunRecord {
    run_id: String,
    dir: PathBuf,
    epochs: u32,
    best_epoch: u32,
}

impl RunRecord {
    /// The runs list's summary; `stop` is the English message with its code and arguments.
    fn run_summary(&self, status: RunStatus, stop: (String, String, BTreeMap<String, MessageArg>), seconds: f64) -> RunSummary {
        let (message, message_code, message_args) = stop;
        RunSummary {
            run_id: self.run_id.clone(),
            run_dir: self.dir.display().to_string(),
            status,
            message,
            message_code,
            message_args,
            failure: None,
            epochs_run: self.epochs,
            best_epoch: self.best_epoch,
            majority_accuracy: f64::NAN,
            val: None,
            test: None,
            baseline: None,
            baseline_trees: None,
            seconds,
        }
    }

    /// The end of a finished run: its summaries, `summary.json` last.
    fn finish(&self, summary: &NormalRunSummary) -> Result<()> {
        write_json(&self.dir.join(NORMAL_SUMMARY_FILE), summary)?;
        let stop = (summary.message.clone(), summary.message_code.clone(), summary.message_args.clone());
        write_json(&self.dir.join("summary.json"), &self.run_summary(RunStatus::Completed, stop, summary.seconds))
    }

    #[allow(clippy::too_many_arguments)]
    fn execute(
        &mut self,
        job_in: &NormalTrainJob<'_>,
        input: &NormalInput,
        normal: &NormalRows,
        segments: &[(usize, usize)],
        rate: f64,
        faulty: Option<&[bool]>,
        recipe: Option<Recipe>,
        job: &JobContext,
        on_update: &mut dyn FnMut(&TrainUpdate),
    ) -> Result<NormalRunSummary> {
        let request = job_in.request;
        let dir = &self.dir;
        write_json(
            &dir.join("run.json"),
            &RunMeta {
                run_id: self.run_id.clone(),
                created: runs::format_utc(runs::now_secs()),
                data: job_in.data_label.to_owned(),
                pid: std::process::id(),
            },
        )?;
        write_json(&dir.join(NORMAL_CONFIG_FILE), request)?;
        if let Some(quality) = job_in.quality {
            write_json(&dir.join("quality.json"), quality)?;
        }
        if let Some(text) = job_in.recipe {
            runs::write_atomic(&dir.join(RECIPE_FILE), text.as_bytes())?;
        }
        let mut log = MetricsLog::create(&dir.join("metrics.jsonl"))?;
        let data = &input.data;
        let normal_count: usize = segments.iter().map(|(s, e)| e - s).sum();
        let (fit, held) = split_segments(segments, HOLDOUT);
        let count = |parts: &[(usize, usize)]| parts.iter().map(|(s, e)| e - s).sum::<usize>() as u64;
        let (fit_rows, calibration_rows) = (count(&fit), count(&held));
        let prepared = TrainUpdate::Prepared {
            run_id: self.run_id.clone(),
            run_dir: dir.display().to_string(),
            data: TrainDataInfo {
                classes: Vec::new(),
                positive_class: None,
                features: data.tags.clone(),
                train_samples: fit_rows,
                validation_samples: 0,
                test_samples: calibration_rows,
                vocab_size: 0,
                sequence_length: if request.detector == NormalDetector::ProcessLm { request.window } else { 1 },
                class_weights: Vec::new(),
                class_shares: Vec::new(),
                class_weights_from: None,
            },
        };
        log.append(&prepared)?;
        on_update(&prepared);

        job.progress(0.05, crate::Stage::FittingPca);
        let pca = fit_pca(&stack_segments(data, segments))?;
        job.check_cancelled()?;
        job.progress(0.1, crate::Stage::FittingLinearPredictor);
        let linear_settings =
            LinearSettings { smoothing: request.smoothing as usize, target_false_alarm_rate: rate, holdout: HOLDOUT, ..LinearSettings::default() };
        let linear = LinearPredictor::fit(data, normal, linear_settings)?;
        job.check_cancelled()?;

        let lm = match request.detector {
            NormalDetector::LinearPredictor => None,
            NormalDetector::ProcessLm => {
                // Networks training at once share the backend's global state; a seeded run must repeat.
                let _slot = wait_for_slot(&TRAIN_SLOT, job)?;
                let settings = LmSettings {
                    window: request.window as usize,
                    bins: request.bins as usize,
                    max_epochs: request.epochs as usize,
                    patience: request.patience.max(1) as usize,
                    seed: request.seed,
                    smoothing: request.smoothing as usize,
                    target_false_alarm_rate: rate,
                    holdout: HOLDOUT,
                    ..LmSettings::default()
                };
                let mut best = f64::INFINITY;
                let mut epoch_started = std::time::Instant::now();
                let mut log_error = None;
                let (epochs, best_epoch) = (&mut self.epochs, &mut self.best_epoch);
                let model = contain_panics(|| {
                    ProcessLm::train(data, normal, settings, job, |e| {
                        let is_best = e.validation_loss < best;
                        if is_best {
                            best = e.validation_loss;
                            *best_epoch = e.epoch as u32;
                        }
                        *epochs = e.epoch as u32;
                        let update = TrainUpdate::NormalEpoch(NormalEpochMetrics {
                            epoch: e.epoch as u32,
                            train_loss: e.train_loss,
                            validation_loss: e.validation_loss,
                            validation_perplexity: e.validation_perplexity,
                            best: is_best,
                            seconds: epoch_started.elapsed().as_secs_f64(),
                        });
                        epoch_started = std::time::Instant::now();
                        if let Err(err) = log.append(&update) {
                            log_error.get_or_insert(err);
                        }
                        on_update(&update);
                    })
                })?;
                if let Some(err) = log_error {
                    return Err(err);
                }
                Some(model)
            }
        };
        job.progress(0.9, crate::Stage::SavingModel);
        let mut bundle = NormalBundle::assemble(request.detector, lm.as_ref(), pca, linear, normal_count)?;
        bundle.sampling_interval_s = input.interval_s;
        bundle.recipe = recipe;
        let bundle_path = dir.join(NORMAL_BUNDLE_FILE);
        bundle.save(&bundle_path)?;
        let model = OpenNormalModel { path: bundle_path.clone(), bundle, lm };
        let evaluation = match (faulty, &request.fault_label) {
            (Some(faulty), Some(label)) => {
                job.progress(0.95, crate::Stage::EvaluatingAgainstFaultLabels);
                let (source, source_code, source_args) = training_data_source(&self.run_id);
                let mut evaluation = evaluate_model(&model, data, faulty, input, label, &source, Some(&self.run_id))?;
                (evaluation.source_code, evaluation.source_args) = (source_code, source_args);
                Some(Box::new(evaluation))
            }
            _ => None,
        };
        let threshold = model.bundle.threshold();
        let validation_loss = model.lm.as_ref().map(ProcessLm::validation_loss);
        let (message_code, message_args) = match &model.lm {
            Some(lm) => finished_stop(NormalDetector::ProcessLm, fit_rows, lm.history.len(), lm.best_epoch, lm.validation_loss().exp(), threshold),
            None => finished_stop(NormalDetector::LinearPredictor, fit_rows, 0, 0, f64::NAN, threshold),
        };
        let message = english_stop(&message_code, &message_args);
        Ok(NormalRunSummary {
            run_id: self.run_id.clone(),
            run_dir: dir.display().to_string(),
            status: RunStatus::Completed,
            message,
            message_code,
            message_args,
            detector: request.detector,
            tags: data.tags.clone(),
            normal_rows: normal_count as u64,
            fit_rows,
            calibration_rows,
            threshold,
            target_false_alarm_rate: rate,
            epochs_run: self.epochs,
            best_epoch: self.best_epoch,
            validation_loss,
            validation_perplexity: validation_loss.map(f64::exp),
            bundle: bundle_path.display().to_string(),
            evaluation,
            sampling_interval_s: input.interval_s,
            seconds: 0.0,
        })
    }
}

/// Runs of consecutive `true` as inclusive `(first, last)` rows.
fn runs_of(flags: impl Iterator<Item = bool>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut last = 0;
    for (i, flag) in flags.enumerate() {
        last = i;
        match (flag, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i - 1));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, last));
    }
    out
}

/// Detection figures of one detector's scores against the fault labels; `code` names the
/// detector (`linear_predictor`, `pca_t2`, …, see [`DetectorScore::code`]).
pub fn score_detector(
    code: &str,
    scores: &[f64],
    threshold: f64,
    faulty: &[bool],
    times_ms: Option<&[i64]>,
    interval_s: Option<f64>,
) -> DetectorScore {
    let d = detection(scores, faulty, threshold);
    let alarm = |r: usize| scores.get(r).is_some_and(|s| *s > threshold);
    let time = |r: usize| times_ms.and_then(|t| t.get(r).copied());
    let episodes = runs_of(faulty.iter().copied())
        .into_iter()
        .enumerate()
        .map(|(i, (start, end))| {
            let first = (start..=end).find(|&r| alarm(r));
            NormalEpisode {
                index: i as u32 + 1,
                start_row: start as u64,
                end_row: end as u64,
                start_ms: time(start),
                end_ms: time(end),
                detected: first.is_some(),
                first_alarm_row: first.map(|r| r as u64),
                delay_samples: first.map(|r| (r - start) as u64),
                delay_s: first.and_then(|r| Some((time(r)? - time(start)?) as f64 / 1000.0)),
            }
        })
        .collect();
    let normal_samples = faulty.iter().filter(|f| !**f).count();
    // A false alarm is a run of alarm samples that starts outside every fault episode.
    let false_alarms = (0..scores.len().min(faulty.len())).filter(|&r| !faulty[r] && alarm(r) && (r == 0 || !alarm(r - 1))).count();
    let normal_days = interval_s.filter(|_| times_ms.is_some()).map(|s| normal_samples as f64 * s / SECONDS_PER_DAY);
    DetectorScore {
        name: english_detector_name(code),
        code: code.to_owned(),
        threshold,
        roc_auc: d.roc_auc,
        pr_auc: d.pr_auc,
        false_alarm_rate: d.false_alarm_rate,
        detection_rate: d.detection_rate,
        false_alarms: false_alarms as u64,
        false_alarms_per_day: normal_days.filter(|d| *d > 0.0).map(|d| false_alarms as f64 / d),
        false_alarms_per_1000_samples: (normal_samples > 0).then(|| false_alarms as f64 * 1000.0 / normal_samples as f64),
        normal_samples: d.normal_samples as u64,
        fault_samples: d.fault_samples as u64,
        episodes,
    }
}

/// The model and its baselines scored against `faulty` on `data` (all of the frame's tags).
fn evaluate_model(
    model: &OpenNormalModel,
    data: &TagMatrix,
    faulty: &[bool],
    input: &NormalInput,
    label: &str,
    source: &str,
    run_id: Option<&str>,
) -> Result<NormalEvaluation> {
    let data = data.select_tags(&model.bundle.tags)?;
    let (times, interval) = (input.times_ms.as_deref(), input.interval_s);
    let (scores, _) = model.score(&data)?;
    let bundle = &model.bundle;
    let pca = bundle.pca.score(&data)?;
    let score = |code: &str, values: &[f64], threshold: f64| score_detector(code, values, threshold, faulty, times, interval);
    let mut others = vec![score("pca_combined", &pca.combined.total, 1.0)];
    if bundle.detector == NormalDetector::ProcessLm {
        others.push(score(NormalDetector::LinearPredictor.code(), &bundle.linear.score(&data)?.total, bundle.linear.threshold));
    }
    Ok(NormalEvaluation {
        source: source.to_owned(),
        source_code: String::new(),
        source_args: BTreeMap::new(),
        run_id: run_id.map(str::to_owned),
        label: label.to_owned(),
        samples: data.rows as u64,
        has_timestamps: times.is_some(),
        model: score(bundle.detector.code(), &scores.total, bundle.threshold()),
        pca_t2: score("pca_t2", &pca.t2, bundle.pca.t2_limit),
        pca_q: score("pca_q", &pca.q, bundle.pca.q_limit),
        others,
        // The Evaluate pane draws the score over the labelled data, as the Predict pane does.
        timeline: Some(NormalTimeline {
            x: match times {
                Some(t) => t.iter().map(|&ms| ms as f64).collect(),
                None => (0..data.rows).map(|r| r as f64).collect(),
            },
            has_timestamps: times.is_some(),
            alarm: scores.total.iter().map(|s| *s > bundle.threshold()).collect(),
            score: scores.total.clone(),
            pca: pca.combined.total.clone(),
            top_tags: timeline_tags(&scores, &[]),
        }),
    })
}

/// The detector as the task label's argument names it (catalogue `task-training-normal`).
fn detector_label_code(detector: NormalDetector) -> &'static str {
    match detector {
        NormalDetector::LinearPredictor => "linear-predictor",
        NormalDetector::ProcessLm => "process-lm",
    }
}

/// Evaluates `model` on a table with a fault label column.
pub fn evaluate_frame(
    model: &OpenNormalModel,
    frame: &DataFrame,
    timestamp: Option<&str>,
    label: &str,
    source: &str,
    run_id: Option<&str>,
) -> Result<NormalEvaluation> {
    let faulty = fault_labels(frame, label)?;
    if !faulty.iter().any(|f| *f) {
        return Err(EngineError::NoFaultSamples { data: source.to_owned(), label: label.to_owned() });
    }
    let input = NormalInput::of(frame, timestamp, &[label.to_owned()])?;
    evaluate_model(model, &input.data, &faulty, &input, label, source, run_id)
}

/// Scores a new table with `model`: per-sample score and alarm, alarm events explained by the
/// tags that surprised the model most, and warnings about the input.
pub fn predict_frame(model: &OpenNormalModel, frame: &DataFrame, timestamp: Option<&str>, file: &str, job: &JobContext) -> Result<NormalPrediction> {
    let started = std::time::Instant::now();
    let input = NormalInput::of(frame, timestamp, &[])?;
    let bundle = &model.bundle;
    let data = input.data.select_tags(&bundle.tags)?;
    let history = model.history_steps();
    if data.rows <= history {
        return Err(bad(Detail::coded(
            "normal_too_few_rows_to_score",
            [("file", file.into()), ("rows", data.rows.into()), ("history", history.into())],
        )));
    }
    job.progress(0.2, crate::Stage::Scoring);
    let (scores, lm_expected) = model.score(&data)?;
    job.check_cancelled()?;
    let pca = bundle.pca.score(&data)?.combined.total;
    let threshold = bundle.threshold();
    let alarm: Vec<bool> = scores.total.iter().map(|s| *s > threshold).collect();
    let events = runs_of(alarm.iter().copied());
    let time = |r: usize| input.times_ms.as_ref().and_then(|t| t.get(r).copied());
    job.progress(0.7, crate::Stage::ExplainingAlarms);
    let explainer = Explainer { model, data: &data, scores: &scores, lm_expected: lm_expected.as_deref(), input: &input };
    let mut alarms = Vec::new();
    for (i, &(start, end)) in events.iter().take(MAX_ALARMS).enumerate() {
        job.check_cancelled()?;
        let peak = (start..=end).max_by(|&a, &b| scores.total[a].total_cmp(&scores.total[b])).unwrap_or(start);
        alarms.push(NormalAlarm {
            index: i as u32 + 1,
            start_row: start as u64,
            end_row: end as u64,
            start_ms: time(start),
            end_ms: time(end),
            peak_score: scores.total[peak],
            peak_row: peak as u64,
            top_tags: explainer.explain(peak)?,
        });
    }
    let timeline = NormalTimeline {
        x: match &input.times_ms {
            Some(t) => t.iter().map(|&ms| ms as f64).collect(),
            None => (0..data.rows).map(|r| r as f64).collect(),
        },
        has_timestamps: input.times_ms.is_some(),
        score: scores.total.clone(),
        alarm: alarm.clone(),
        pca,
        top_tags: timeline_tags(&scores, &alarm),
    };
    Ok(NormalPrediction {
        bundle: model.info(),
        file: file.to_owned(),
        rows: data.rows as u64,
        samples: scores.total.iter().filter(|s| s.is_finite()).count() as u64,
        threshold,
        timeline,
        alarm_count: events.len() as u64,
        alarm_samples: alarm.iter().filter(|a| **a).count() as u64,
        alarms,
        warnings: input_warnings(bundle, &data),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The tags with the largest part of the score over the alarm samples (or, without alarms,
/// over every sample), with their per-sample surprise.
fn timeline_tags(scores: &StepScores, alarm: &[bool]) -> Vec<TagScoreSeries> {
    let w = scores.tags.len().max(1);
    let any_alarm = alarm.iter().any(|a| *a);
    let mut weight = vec![0.0; w];
    for (i, v) in scores.per_tag.iter().enumerate() {
        if v.is_finite() && (!any_alarm || alarm.get(i / w).copied().unwrap_or(false)) {
            weight[i % w] += v;
        }
    }
    let mut order: Vec<usize> = (0..scores.tags.len()).collect();
    order.sort_by(|&a, &b| weight[b].total_cmp(&weight[a]));
    order
        .into_iter()
        .take(TOP_TAGS)
        .map(|c| TagScoreSeries { tag: scores.tags[c].clone(), surprise: scores.per_tag.iter().skip(c).step_by(w).copied().collect() })
        .collect()
}

struct Explainer<'a> {
    model: &'a OpenNormalModel,
    data: &'a TagMatrix,
    scores: &'a StepScores,
    lm_expected: Option<&'a [(f64, f64)]>,
    input: &'a NormalInput,
}

impl Explainer<'_> {
    /// The most surprising tags at `row`, each with what was expected, what was seen and for
    /// how long it has been moving away from normal.
    fn explain(&self, row: usize) -> Result<Vec<TagSurprise>> {
        let w = self.data.width();
        let linear_expected = match self.lm_expected {
            Some(_) => None,
            None => Some(self.model.bundle.linear.expected_ranges(self.data, row)?),
        };
        let scale = &self.model.bundle.linear.scale;
        Ok(self
            .scores
            .top_tags(row, TOP_TAGS)
            .into_iter()
            .filter_map(|(tag, surprise)| {
                let c = self.data.tags.iter().position(|t| *t == tag)?;
                let (expected_low, expected_high) = match (self.lm_expected, &linear_expected) {
                    (Some(ranges), _) => ranges.get(row * w + c).copied().unwrap_or((f64::NAN, f64::NAN)),
                    (None, Some(ranges)) => ranges[c],
                    (None, None) => (f64::NAN, f64::NAN),
                };
                let observed = self.data.row(row)[c];
                let (mean, std) = (scale.mean[c], scale.std[c]);
                let up = observed > mean;
                // Back from the peak while the tag stays outside its normal band on the same side.
                let outside = |r: usize| {
                    let v = self.data.row(r)[c];
                    v.is_finite() && if up { v > mean + NORMAL_BAND_STD * std } else { v < mean - NORMAL_BAND_STD * std }
                };
                let mut since = row;
                while since > 0 && outside(since - 1) {
                    since -= 1;
                }
                let steps = row - since;
                let trend = (outside(row) && steps >= 2).then(|| {
                    let seconds = match &self.input.times_ms {
                        Some(t) => (t[row] - t[since]) as f64 / 1000.0,
                        None => steps as f64,
                    };
                    if up {
                        seconds
                    } else {
                        -seconds
                    }
                });
                // A reading repeated exactly (a frozen transmitter) is said as such.
                let mut held_since = row;
                while held_since > 0 && observed.is_finite() && self.data.row(held_since - 1)[c] == observed {
                    held_since -= 1;
                }
                let held = (row - held_since >= HELD_STEPS).then(|| match &self.input.times_ms {
                    Some(t) => (t[row] - t[held_since]) as f64 / 1000.0,
                    None => (row - held_since) as f64,
                });
                let change = match held {
                    Some(length) => Some(Change::Held(length)),
                    None => trend.map(Change::Moving),
                };
                let sentence = surprise_sentence(&tag, expected_low, expected_high, observed, change, self.input.times_ms.is_some());
                let explanation = english_sentence(&sentence);
                Some(TagSurprise { tag, surprise, expected_low, expected_high, observed, trend, explanation, explanation_sentence: Some(sentence) })
            })
            .collect())
    }
}

/// Steps a reading must repeat exactly before an explanation calls it held.
const HELD_STEPS: usize = 3;

/// Tags of the new export far outside the normal range, or mostly missing.
fn input_warnings(bundle: &NormalBundle, data: &TagMatrix) -> Vec<InputWarning> {
    let scale = &bundle.linear.scale;
    let mut warnings = Vec::new();
    for (c, tag) in data.tags.iter().enumerate() {
        let Some(position) = scale.tags.iter().position(|t| t == tag) else {
            continue;
        };
        let (mean, std) = (scale.mean[position], scale.std[position]);
        let (mut far, mut missing, mut examples) = (0u64, 0u64, Vec::new());
        for r in 0..data.rows {
            let v = data.row(r)[c];
            if !v.is_finite() {
                missing += 1;
            } else if (v - mean).abs() > FAR_OUTSIDE_STD * std {
                far += 1;
                if examples.len() < 5 {
                    examples.push(r as u64);
                }
            }
        }
        if far > 0 {
            warnings.push(far_from_normal_warning(tag, far, FAR_OUTSIDE_STD, mean, examples));
        }
        if missing * 2 > data.rows as u64 {
            warnings.push(mostly_missing_warning(tag, missing, data.rows as u64));
        }
    }
    warnings
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

fn file_name(path: &str) -> String {
    PathBuf::from(path).file_name().map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// A new export as `model` sees it, with its timestamp column: read and cleaned by the
/// bundle's recipe when it keeps one (shared with the classifier bundles), else read as it is.
fn load_for(model: &OpenNormalModel, path: &Path, job: &JobContext) -> Result<(DataFrame, Option<String>)> {
    job.progress(0.05, crate::Stage::ReadingExport);
    let loaded = match &model.bundle.recipe {
        Some(recipe) => crate::evaluate::predict::load_cleaned(recipe, path, job)?,
        None => {
            let imported = contain_panics(|| crate::import::import(path, &ImportOverrides::default(), job))?;
            (imported.frame, imported.settings.timestamp_column)
        }
    };
    job.check_cancelled()?;
    Ok(loaded)
}

impl Workbench {
    /// Trains a normal-operation model on the open data set in the foreground (CLI, tests).
    pub fn train_normal(&self, request: &NormalTrainRequest, job: &JobContext, on_update: &mut dyn FnMut(&TrainUpdate)) -> Result<NormalRunSummary> {
        let dataset = self.current()?;
        let summary = dataset.summary();
        let root = self.runs_root();
        let recipe = self.cleaning_recipe_json();
        let weight_columns = recipe.as_deref().map(crate::train::recipe_weight_columns).unwrap_or_default();
        let request = &without_weight_columns(request, &weight_columns, dataset.frame());
        let job_in = NormalTrainJob {
            request,
            frame: dataset.frame(),
            timestamp_column: summary.timestamp_column.as_deref(),
            data_label: &summary.path,
            runs_root: &root,
            active: &self.active_runs,
            quality: Some(dataset.report()),
            recipe: recipe.as_deref(),
        };
        train_normal(&job_in, job, on_update)
    }

    /// Trains on a worker thread. Events: `Started`, `Train` (`Prepared`, then every
    /// language-model epoch as `NormalEpoch`), `Progress`, and one of
    /// `Finished(NormalTrained)`, `Failed` or `Cancelled`; cancel takes effect within a batch.
    pub fn start_train_normal<S>(&self, request: NormalTrainRequest, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        // Fail fast, before a task appears in the status bar.
        self.current()?;
        check_request(&request)?;
        let label = crate::TaskLabel::TrainingNormal(detector_label_code(request.detector).to_owned());
        let workbench = self.clone();
        self.tasks.spawn(TaskKind::Train, label, sink, move |job| {
            let summary = workbench.train_normal(&request, job, &mut |update| job.train_update(update))?;
            Ok(TaskOutcome::NormalTrained(Box::new(summary)))
        })
    }

    /// The end of a normal run, as it was when it finished.
    pub fn normal_run_summary(&self, run_id: &str) -> Result<NormalRunSummary> {
        let dir = runs::run_dir(&self.runs_root(), run_id)?;
        read_json(&dir.join(NORMAL_SUMMARY_FILE)).ok_or_else(|| EngineError::NoEvaluationData(run_id.to_owned()))
    }

    fn normal_run_model(&self, run_id: &str) -> Result<OpenNormalModel> {
        let dir = runs::run_dir(&self.runs_root(), run_id)?;
        let path = dir.join(NORMAL_BUNDLE_FILE);
        if !path.is_file() {
            return Err(bad(Detail::coded("normal_run_no_model", [("run", run_id.into())])));
        }
        OpenNormalModel::open(&path)
    }

    /// A normal run's model scored against a fault label column: of the open data set when
    /// `request.path` is `None`, else of that file.
    pub fn evaluate_normal(&self, request: &NormalEvaluateRequest, job: &JobContext) -> Result<NormalEvaluation> {
        let model = self.normal_run_model(&request.run_id)?;
        match &request.path {
            None => {
                let dataset = self.current()?;
                let summary = dataset.summary();
                evaluate_frame(&model, dataset.frame(), summary.timestamp_column.as_deref(), &request.label, &summary.path, Some(&request.run_id))
            }
            Some(path) => {
                let (frame, timestamp) = load_for(&model, Path::new(path), job)?;
                evaluate_frame(&model, &frame, timestamp.as_deref(), &request.label, path, Some(&request.run_id))
            }
        }
    }

    /// [`Workbench::evaluate_normal`] on a worker thread; ends with `Finished(NormalEvaluated)`.
    pub fn start_evaluate_normal<S>(&self, request: NormalEvaluateRequest, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        let label = crate::TaskLabel::EvaluatingNormal { run: request.run_id.clone(), label: request.label.clone() };
        let workbench = self.clone();
        self.tasks.spawn(TaskKind::Evaluate, label, sink, move |job| {
            let evaluation = workbench.evaluate_normal(&request, job)?;
            Ok(TaskOutcome::NormalEvaluated(Box::new(evaluation)))
        })
    }

    /// A normal-model bundle scored against a labelled file (`plantlab eval FILE --bundle …`),
    /// the file cleaned by the bundle's recipe first.
    pub fn evaluate_normal_bundle(&self, path: &Path, bundle: &Path, label: &str, job: &JobContext) -> Result<NormalEvaluation> {
        let model = OpenNormalModel::open(bundle)?;
        let (frame, timestamp) = load_for(&model, path, job)?;
        evaluate_frame(&model, &frame, timestamp.as_deref(), label, &path.display().to_string(), None)
    }

    /// Copies a normal run's bundle to `path` (whole or not at all).
    pub fn export_normal_bundle(&self, run_id: &str, path: &Path) -> Result<NormalBundleInfo> {
        let model = self.normal_run_model(run_id)?;
        model.bundle.save(path)?;
        Ok(OpenNormalModel { path: path.to_path_buf(), ..model }.info())
    }

    /// Reads and checks a normal-model bundle (its language model builds) and says what it holds.
    pub fn open_normal_bundle(&self, path: &Path) -> Result<NormalBundleInfo> {
        Ok(OpenNormalModel::open(path)?.info())
    }

    /// Scores a new export with a bundle in the foreground, the export cleaned by the bundle's
    /// recipe first; the open data set is left as it is.
    pub fn predict_normal(&self, request: &NormalPredictRequest, job: &JobContext) -> Result<NormalPrediction> {
        let model = OpenNormalModel::open(Path::new(&request.bundle))?;
        let (frame, timestamp) = load_for(&model, Path::new(&request.path), job)?;
        predict_frame(&model, &frame, timestamp.as_deref(), &request.path, job)
    }

    /// [`Workbench::predict_normal`] on a worker thread; ends with `Finished(NormalPredicted)`.
    pub fn start_predict_normal<S>(&self, request: NormalPredictRequest, sink: S) -> Result<TaskId>
    where
        S: FnMut(TaskEvent) + Send + 'static,
    {
        let label = crate::TaskLabel::CheckingNormal(file_name(&request.path));
        let workbench = self.clone();
        self.tasks.spawn(TaskKind::Predict, label, sink, move |job| {
            let prediction = workbench.predict_normal(&request, job)?;
            Ok(TaskOutcome::NormalPredicted(Box::new(prediction)))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{sync_channel, Receiver};
    use std::time::Duration;

    use plantlab_protocol::RunStatus;
    use polars::prelude::{Column, DataType, NamedFrom, Series, TimeUnit};

    use super::*;
    use crate::dataset::Dataset;
    use crate::normal::synthetic::{process, Fault};

    const PLANT: u64 = 11;
    const ONSET: usize = 300;
    /// Room for a task's events; the test reads them while the task runs.
    const EVENTS_BOUND: usize = 1024;
    /// One sample a minute, from 2024-03-01 00:00 UTC.
    const START_MS: i64 = 1_709_251_200_000;

    fn ok<T, E: std::fmt::Display>(r: std::result::Result<T, E>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    fn err_text<T>(r: Result<T>) -> String {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    /// The generated tags as a frame, with a fault label column `label` when `fault_from` is
    /// given (1 from that row on) and, when `timed`, a one-minute time axis.
    fn frame(data: &TagMatrix, fault_from: Option<usize>, timed: bool) -> DataFrame {
        let mut columns: Vec<Column> = Vec::new();
        if timed {
            let ms: Vec<i64> = (0..data.rows as i64).map(|r| START_MS + r * 60_000).collect();
            columns.push(ok(Column::new("time".into(), ms).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))));
        }
        for (c, tag) in data.tags.iter().enumerate() {
            let values: Vec<f64> = (0..data.rows).map(|r| data.row(r)[c]).collect();
            columns.push(Column::new(tag.as_str().into(), values));
        }
        if let Some(from) = fault_from {
            let label: Vec<i64> = (0..data.rows).map(|r| i64::from(r >= from)).collect();
            columns.push(Series::new("label".into(), label).into());
        }
        ok(DataFrame::new(data.rows, columns))
    }

    fn workbench_with(frame: DataFrame, timed: bool) -> (Workbench, tempfile::TempDir) {
        let runs = ok(tempfile::tempdir());
        let workbench = Workbench::with_runs_root(runs.path().join("runs"));
        let dataset =
            if timed { Dataset::from_frame_with_time("plant.csv".into(), frame, "time") } else { Dataset::from_frame("plant.csv".into(), frame) };
        workbench.install(dataset);
        (workbench, runs)
    }

    fn normal_when_label_is_0() -> NormalTrainRequest {
        NormalTrainRequest { normal: NormalPeriod::LabelEquals { column: "label".into(), value: "0".into() }, ..NormalTrainRequest::default() }
    }

    fn small_lm() -> NormalTrainRequest {
        NormalTrainRequest {
            detector: NormalDetector::ProcessLm,
            window: 4,
            bins: 8,
            epochs: 2,
            patience: 2,
            smoothing: 5,
            ..normal_when_label_is_0()
        }
    }

    fn faults() -> Vec<Fault> {
        vec![
            Fault::Drift { tag: 2, onset: ONSET, per_step: 0.02 },
            Fault::Stuck { tag: 5, onset: ONSET },
            Fault::Step { tag: 7, onset: ONSET, size: 3.0 },
        ]
    }

    fn open_run_model(workbench: &Workbench, summary: &NormalRunSummary) -> OpenNormalModel {
        ok(workbench.normal_run_model(&summary.run_id))
    }

    #[test]
    fn the_linear_predictor_detects_drift_stuck_sensor_and_step_and_names_the_tag() {
        // Normal operation, then a drift the labels mark: the run learns from the normal rows only.
        let training = process(2400, PLANT, 1, &[Fault::Drift { tag: 2, onset: 2000, per_step: 0.02 }]);
        let request = NormalTrainRequest { fault_label: Some("label".into()), ..normal_when_label_is_0() };
        let (workbench, _runs) = workbench_with(frame(&training, Some(2000), true), true);
        let mut updates = Vec::new();
        let summary = ok(workbench.train_normal(&request, &JobContext::detached(), &mut |u| updates.push(u.clone())));
        assert_eq!(summary.detector, NormalDetector::LinearPredictor);
        assert_eq!(summary.normal_rows, 2000);
        assert_eq!(summary.tags.len(), 8, "the label column is no tag: {:?}", summary.tags);
        assert!(matches!(updates.first(), Some(TrainUpdate::Prepared { .. })));
        let evaluation = summary.evaluation.as_deref().unwrap_or_else(|| panic!("a run with a fault label is evaluated"));
        assert!(evaluation.model.detection_rate.unwrap_or(0.0) > 0.5, "{:?}", evaluation.model);
        assert_eq!(evaluation.model.episodes.len(), 1);
        assert!(evaluation.model.episodes[0].detected && evaluation.model.episodes[0].delay_s.is_some());
        assert!(evaluation.pca_t2.detection_rate.is_some() && evaluation.pca_q.detection_rate.is_some());
        assert!(evaluation.model.false_alarms_per_day.is_some(), "a timed data set gives false alarms per day");

        let model = open_run_model(&workbench, &summary);
        for fault in faults() {
            let run = process(700, PLANT, 3, &[fault]);
            let prediction = ok(predict_frame(&model, &frame(&run, None, true), Some("time"), "new.csv", &JobContext::detached()));
            assert_eq!(prediction.timeline.score.len(), 700);
            let after: Vec<&NormalAlarm> = prediction.alarms.iter().filter(|a| a.peak_row as usize >= fault.onset()).collect();
            assert!(!after.is_empty(), "{fault:?} raises an alarm");
            let mut counts = std::collections::BTreeMap::new();
            for alarm in &after {
                if let Some(top) = alarm.top_tags.first() {
                    *counts.entry(top.tag.clone()).or_insert(0) += 1;
                }
            }
            // The tag that raises the alarms most leads the timeline's tags; a drift and a step
            // also lead most alarms (a stuck sensor raises fewer, weaker ones among the false).
            let expected = format!("tag{}", fault.tag());
            assert_eq!(prediction.timeline.top_tags[0].tag, expected, "{fault:?}");
            assert_eq!(prediction.timeline.top_tags[0].surprise.len(), 700);
            if !matches!(fault, Fault::Stuck { .. }) {
                let named = counts.iter().max_by_key(|(_, n)| **n).map(|(t, _)| t.clone()).unwrap_or_default();
                assert_eq!(named, expected, "{fault:?}: {counts:?}");
            }
            let explained = &after[0].top_tags[0];
            assert!(explained.explanation.starts_with(&format!("{}: expected ", explained.tag)), "{}", explained.explanation);
            assert!(explained.explanation.contains(", saw "), "{}", explained.explanation);
            assert!(explained.expected_low < explained.expected_high);
        }
        // A drift moves away from normal for a while: the explanation says for how long.
        let drift = process(700, PLANT, 3, &[Fault::Drift { tag: 2, onset: ONSET, per_step: 0.02 }]);
        let prediction = ok(predict_frame(&model, &frame(&drift, None, true), Some("time"), "new.csv", &JobContext::detached()));
        let last = prediction.alarms.last().and_then(|a| a.top_tags.iter().find(|t| t.tag == "tag2")).unwrap_or_else(|| panic!("tag2 explained"));
        assert!(last.trend.is_some_and(|t| t.abs() >= 600.0), "{last:?}");
        assert!(last.explanation.contains("for ") && last.explanation.contains("min"), "{}", last.explanation);
    }

    #[test]
    fn the_calibrated_threshold_holds_on_held_out_normal_data() {
        for (target, low, high) in [(10.0, 0.0, 0.03), (50.0, 0.025, 0.09)] {
            let (workbench, _runs) = workbench_with(frame(&process(3000, PLANT, 1, &[]), None, false), false);
            let request = NormalTrainRequest { target_false_alarms: target, ..NormalTrainRequest::default() };
            let summary = ok(workbench.train_normal(&request, &JobContext::detached(), &mut |_| {}));
            assert!((summary.target_false_alarm_rate - target / 1000.0).abs() < 1e-12);
            let model = open_run_model(&workbench, &summary);
            let fresh = process(4000, PLANT, 2, &[]);
            let prediction = ok(predict_frame(&model, &frame(&fresh, None, false), None, "fresh.csv", &JobContext::detached()));
            let rate = prediction.alarm_samples as f64 / prediction.samples as f64;
            assert!((low..high).contains(&rate), "target {target} per 1,000: measured {rate}");
        }
        // Per day needs a time axis: with one sample a minute, 14.4 a day is 1 %.
        let request = NormalTrainRequest { target_false_alarms: 14.4, false_alarm_unit: FalseAlarmUnit::PerDay, ..NormalTrainRequest::default() };
        assert!((ok(target_rate(&request, Some(60.0))) - 0.01).abs() < 1e-12);
        let text = err_text(target_rate(&request, None));
        assert!(text.contains("per 1,000 samples"), "{text}");
        let text = err_text(target_rate(&NormalTrainRequest { target_false_alarms: 900.0, ..NormalTrainRequest::default() }, None));
        assert!(text.contains("90 %"), "{text}");
    }

    #[test]
    fn an_exported_bundle_scores_exactly_as_the_run() {
        let (workbench, runs) = workbench_with(frame(&process(1500, PLANT, 1, &[]), None, false), false);
        let run = process(500, PLANT, 3, &[Fault::Step { tag: 7, onset: 200, size: 3.0 }]);
        let new = frame(&run, None, false);
        for request in [NormalTrainRequest::default(), NormalTrainRequest { normal: NormalPeriod::All, ..small_lm() }] {
            let summary = ok(workbench.train_normal(&request, &JobContext::detached(), &mut |_| {}));
            let path = runs.path().join(format!("{}.json", request.detector.as_str()));
            let info = ok(workbench.export_normal_bundle(&summary.run_id, &path));
            assert_eq!((info.detector, info.threshold.to_bits()), (request.detector, summary.threshold.to_bits()));
            assert_eq!(ok(workbench.open_normal_bundle(&path)), info);
            let trained = open_run_model(&workbench, &summary);
            let opened = ok(OpenNormalModel::open(&path));
            let job = JobContext::detached();
            let (a, b) = (ok(predict_frame(&trained, &new, None, "new.csv", &job)), ok(predict_frame(&opened, &new, None, "new.csv", &job)));
            let bits = |p: &NormalPrediction| p.timeline.score.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "{:?}", request.detector);
            assert_eq!(a.alarms, b.alarms);
        }
    }

    #[test]
    fn bad_input_gets_a_message_that_says_what_to_do() {
        let normal = process(800, PLANT, 1, &[]);
        // A label column that marks no fault: kept out of the tags by the request.
        let (workbench, _runs) = workbench_with(frame(&normal, Some(usize::MAX), false), false);
        let base = NormalTrainRequest { exclude: vec!["label".into()], ..NormalTrainRequest::default() };
        let summary = ok(workbench.train_normal(&base, &JobContext::detached(), &mut |_| {}));
        let model = open_run_model(&workbench, &summary);
        let job = JobContext::detached();

        // A tag of the model is missing from the new export.
        let mut lacking = frame(&process(100, PLANT, 2, &[]), None, false);
        ok(lacking.drop_in_place("tag3"));
        let text = err_text(predict_frame(&model, &lacking, None, "new.csv", &job));
        assert!(text.contains("tag3") && text.contains("Export them too"), "{text}");
        // Too few rows for the detector's history.
        let text = err_text(predict_frame(&model, &frame(&process(1, PLANT, 2, &[]), None, false), None, "short.csv", &job));
        assert!(text.contains("short.csv has 1 row(s)") && text.contains("longer period"), "{text}");
        // No normal rows.
        let request =
            NormalTrainRequest { normal: NormalPeriod::LabelEquals { column: "label".into(), value: "7".into() }, ..NormalTrainRequest::default() };
        let text = err_text(workbench.train_normal(&request, &job, &mut |_| {}));
        assert!(text.contains("no rows are marked as normal operation"), "{text}");
        // A tag that never moves in the normal rows.
        let mut flat = frame(&normal, None, false);
        ok(flat.with_column(Column::new("tag4".into(), vec![3.0; normal.rows])));
        let (flat_bench, _flat_runs) = workbench_with(flat, false);
        let text = err_text(flat_bench.train_normal(&NormalTrainRequest::default(), &job, &mut |_| {}));
        assert!(text.contains("\"tag4\" is constant") && text.contains("Exclude it"), "{text}");
        // Too few normal rows for the language model's window.
        let request = NormalTrainRequest {
            normal: NormalPeriod::Between { from: "0".into(), to: "199".into() },
            window: 60,
            exclude: base.exclude.clone(),
            ..small_lm()
        };
        let text = err_text(workbench.train_normal(&request, &job, &mut |_| {}));
        assert!(text.contains("200 normal rows are too few for a window of 60"), "{text}");
        // A per-day target without a time axis, and an unknown excluded column.
        let request = NormalTrainRequest { false_alarm_unit: FalseAlarmUnit::PerDay, ..base.clone() };
        assert!(err_text(workbench.train_normal(&request, &job, &mut |_| {})).contains("needs a time axis"));
        let request = NormalTrainRequest { exclude: vec!["label".into(), "no such".into()], ..base.clone() };
        assert!(err_text(workbench.train_normal(&request, &job, &mut |_| {})).contains("no such"));
        // A label column that marks no fault.
        let text = err_text(evaluate_frame(&model, &frame(&normal, Some(usize::MAX), false), None, "label", "plant.csv", None));
        assert!(text.contains("marks no fault samples") && !text.contains("saved test predictions"), "one message, not two glued: {text}");
    }

    #[test]
    fn class_weight_columns_of_the_recipe_are_never_tags() {
        let frame = polars::df!("flow" => [1.0, 2.0], "label" => [0i64, 1], "class_weight" => [0.5, 5.0]).unwrap();
        let request = NormalTrainRequest::default();
        let weights = vec![("label".to_owned(), "class_weight".to_owned()), ("label".to_owned(), "gone".to_owned())];
        let adjusted = without_weight_columns(&request, &weights, &frame);
        assert_eq!(adjusted.exclude, vec!["class_weight".to_owned()], "a weight column not in the data is left out");
        assert_eq!(without_weight_columns(&adjusted, &weights, &frame).exclude, adjusted.exclude, "no duplicates");
    }

    fn wait_for_end(events: &Receiver<TaskEvent>) -> Vec<TaskEvent> {
        let mut seen = Vec::new();
        while let Ok(event) = events.recv_timeout(Duration::from_secs(120)) {
            let end = event.is_terminal();
            seen.push(event);
            if end {
                return seen;
            }
        }
        panic!("the task did not end: {seen:?}");
    }

    #[test]
    fn cancel_stops_training_and_the_runs_list_shows_how_each_run_ended() {
        let (workbench, _runs) = workbench_with(frame(&process(1500, PLANT, 1, &[]), None, false), false);
        let (tx, rx) = sync_channel(EVENTS_BOUND);
        let request = NormalTrainRequest { epochs: 10_000, patience: 10_000, normal: NormalPeriod::All, ..small_lm() };
        let task = ok(workbench.start_train_normal(request, move |e| {
            let _ = tx.send(e);
        }));
        // Cancel once the first epoch has been reported.
        let mut seen = Vec::new();
        while let Ok(event) = rx.recv_timeout(Duration::from_secs(120)) {
            let epoch = matches!(event, TaskEvent::Train { update: TrainUpdate::NormalEpoch(_), .. });
            seen.push(event);
            if epoch {
                break;
            }
        }
        assert!(workbench.cancel(task), "{seen:?}");
        let rest = wait_for_end(&rx);
        assert!(matches!(rest.last(), Some(TaskEvent::Cancelled { .. })), "{rest:?}");

        let (tx, rx) = sync_channel(EVENTS_BOUND);
        ok(workbench.start_train_normal(NormalTrainRequest::default(), move |e| {
            let _ = tx.send(e);
        }));
        let events = wait_for_end(&rx);
        let Some(TaskEvent::Finished { outcome: TaskOutcome::NormalTrained(summary), .. }) = events.last() else {
            panic!("{events:?}");
        };
        let runs = ok(workbench.list_runs());
        let find = |id: &str| runs.iter().find(|r| r.run_id == id).unwrap_or_else(|| panic!("{id} listed: {runs:?}"));
        let finished = find(&summary.run_id);
        assert_eq!((finished.status, finished.normal), (RunStatus::Completed, Some(NormalDetector::LinearPredictor)));
        let cancelled: Vec<_> = runs.iter().filter(|r| r.status == RunStatus::Cancelled).collect();
        assert_eq!(cancelled.len(), 1, "{runs:?}");
        assert_eq!(cancelled[0].normal, Some(NormalDetector::ProcessLm));
        assert!(cancelled[0].epochs_run >= 1);
        let stored = ok(workbench.normal_run_summary(&summary.run_id));
        assert!((stored.threshold - summary.threshold).abs() <= 1e-12 * summary.threshold.abs(), "{stored:?}");
        assert_eq!(stored.run_id, summary.run_id);
        // The language model's epochs draw on the run's curves.
        let detail = ok(workbench.open_run(&cancelled[0].run_id));
        assert!(!detail.epochs.is_empty() && detail.epochs.iter().all(|e| e.val_loss.is_finite()));
    }

    #[test]
    fn evaluating_a_run_on_a_labelled_file_gives_the_same_figures_as_on_the_open_data() {
        let normal = process(1500, PLANT, 1, &[]);
        let (workbench, runs) = workbench_with(frame(&normal, None, false), false);
        let summary = ok(workbench.train_normal(&NormalTrainRequest::default(), &JobContext::detached(), &mut |_| {}));
        let faulty = process(700, PLANT, 3, &[Fault::Step { tag: 7, onset: ONSET, size: 3.0 }]);
        let labelled = frame(&faulty, Some(ONSET), false);
        let path = runs.path().join("faulty.csv");
        // A plain CSV of the same table: the tags and the label.
        let mut text = String::new();
        text.push_str(&format!("{},label\n", faulty.tags.join(",")));
        for r in 0..faulty.rows {
            let row: Vec<String> = faulty.row(r).iter().map(|v| format!("{v:?}")).collect();
            text.push_str(&format!("{},{}\n", row.join(","), i32::from(r >= ONSET)));
        }
        ok(std::fs::write(&path, text));
        let request = NormalEvaluateRequest { run_id: summary.run_id.clone(), path: Some(path.display().to_string()), label: "label".into() };
        let from_file = ok(workbench.evaluate_normal(&request, &JobContext::detached()));
        let bundle = runs.path().join("runs").join(&summary.run_id).join(NORMAL_BUNDLE_FILE);
        let same = ok(workbench.evaluate_normal_bundle(&path, &bundle, "label", &JobContext::detached()));
        assert_eq!(from_file.model, same.model);
        assert_eq!(from_file.model.fault_samples, 400);
        assert!(from_file.model.detection_rate.unwrap_or(0.0) > 0.3, "{:?}", from_file.model);
        assert_eq!(from_file.model.episodes.len(), 1);
        assert_eq!(from_file.others.len(), 1, "PCA's combined index beside the linear predictor");
        // Open the same table and evaluate there: the same figures.
        workbench.install(Dataset::from_frame("faulty".into(), labelled));
        let on_open = ok(workbench.evaluate_normal(&NormalEvaluateRequest { path: None, ..request }, &JobContext::detached()));
        assert_eq!(on_open.model, from_file.model);
        assert_eq!(on_open.pca_q, from_file.pca_q);
    }

    #[test]
    fn a_time_range_marks_the_normal_rows_by_the_clock() {
        // One sample a minute from midnight: 00:00 to 10:00 inclusive is 601 rows.
        let (workbench, _runs) = workbench_with(frame(&process(1500, PLANT, 1, &[]), None, true), true);
        let request = NormalTrainRequest {
            normal: NormalPeriod::Between { from: "2024-03-01 00:00".into(), to: "2024-03-01 10:00".into() },
            target_false_alarms: 14.4,
            false_alarm_unit: FalseAlarmUnit::PerDay,
            ..NormalTrainRequest::default()
        };
        let summary = ok(workbench.train_normal(&request, &JobContext::detached(), &mut |_| {}));
        assert_eq!(summary.normal_rows, 601);
        assert_eq!(summary.sampling_interval_s, Some(60.0));
        assert!((summary.target_false_alarm_rate - 0.01).abs() < 1e-12, "14.4 a day at one a minute is 1 %");
    }

    #[test]
    fn a_normal_run_whose_process_died_is_listed_as_interrupted() {
        let (workbench, _runs) = workbench_with(frame(&process(800, PLANT, 1, &[]), None, false), false);
        let summary = ok(workbench.train_normal(&NormalTrainRequest::default(), &JobContext::detached(), &mut |_| {}));
        // As a kill -9 leaves it: the run's files without the end, of a process that is gone.
        let dir = PathBuf::from(&summary.run_dir);
        ok(std::fs::remove_file(dir.join("summary.json")));
        let mut meta: RunMeta = ok(serde_json::from_slice(&ok(std::fs::read(dir.join("run.json")))));
        meta.pid = u32::MAX;
        ok(write_json(&dir.join("run.json"), &meta));
        let runs = ok(workbench.list_runs());
        assert_eq!(runs.len(), 1);
        assert_eq!((runs[0].status, runs[0].normal), (RunStatus::Interrupted, Some(NormalDetector::LinearPredictor)));
        assert!(runs[0].message.contains("train it again"), "{}", runs[0].message);
    }
}

#[cfg(test)]
#[path = "refusal_tests.rs"]
mod refusal_tests;
