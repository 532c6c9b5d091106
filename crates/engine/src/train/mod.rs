//! Training a fault-prediction model on a data frame: tokenize, split in time order, train
//! with a burn network batch by batch, validate every epoch, keep the best weights, write the
//! run directory as it goes, and finish with test metrics next to the majority baseline.
//!
//! The loop lives here rather than in the model crate so that it can check the cancel flag
//! and report between any two batches, and write every completed epoch to disk.

pub mod bench;
pub mod boosting;
pub mod data;
pub mod fitted;
pub mod metrics;
pub mod runs;
pub mod window_features;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use plantlab_model::{Input, NetSpec, Trainer};
use plantlab_protocol::{
    message_args, BatchMetrics, ClassMetrics, ClassWeighting, CleanStep, ColumnInfo, EpochMetrics, ImportSettings, MessageArg, ModelKind,
    QualityReport, Recipe, RunStatus, RunSummary, SequenceMode, TrainConfig, TrainDataInfo, TrainUpdate, RECIPE_SCHEMA_VERSION,
};
use polars::prelude::DataFrame;

use crate::error::{Detail, EngineError, Result};
use crate::evaluate::explain::Explainer;
use crate::evaluate::{row_times_ms, Scored};
use crate::tasks::JobContext;
use data::{FeatureCoding, Part, Prepared};
use fitted::{FittedModel, TREES_FILE};
use runs::{io_err, write_json, MetricsLog, RunMeta};

/// Rare classes get a loss weight when the rarest is under this share of the training rows.
const AUTO_WEIGHT_BELOW: f64 = 0.20;
/// Most features the trees baseline reads per sample (a token model's window is cut to its
/// latest rows to stay under it).
const MAX_BASELINE_FEATURES: usize = 2048;
/// Rows per forward pass when predicting (validation, test).
const PREDICT_CHUNK: usize = 1024;
/// Test samples × tags occluded at the end of a run for the contributing tags.
const CONTRIBUTION_BUDGET: usize = 200_000;
const CONTRIBUTION_SAMPLES: usize = 2000;

/// Ids of the runs training in this process (so the runs list can tell "running" from
/// "interrupted", and a running run cannot be deleted).
pub type ActiveRuns = Arc<Mutex<Vec<String>>>;

/// What a training call needs besides the frame.
pub struct TrainJob<'a> {
    pub config: &'a TrainConfig,
    /// The cleaning recipe (JSON) that produced the data, stored as the run's `recipe.json`;
    /// when absent, the file named by `config.recipe` is copied instead.
    pub recipe: Option<&'a str>,
    /// The data file, as recorded in the run.
    pub data_label: &'a str,
    pub timestamp_column: Option<&'a str>,
    pub runs_root: &'a Path,
    pub active: &'a ActiveRuns,
    /// The data's columns (their units go into the tokenizer for alarm explanations).
    pub columns: &'a [ColumnInfo],
    /// How the export was read; kept in the run's recipe when no cleaning recipe exists, so
    /// a bundle can always read a new export the same way.
    pub import: &'a ImportSettings,
    /// The quality report of the data trained on, kept as `quality.json`.
    pub quality: Option<&'a QualityReport>,
}

/// Largest embedding width (seed model, transformer).
pub const MAX_EMBEDDING_DIM: u32 = 1024;
/// Most hidden units per MLP layer.
pub const MAX_HIDDEN: u32 = 4096;
/// Most quantile bins per numeric tag.
pub const MAX_BINS: u32 = 1024;
/// Longest window (rows per sequence) and stride.
pub const MAX_WINDOW: u32 = 4096;
/// Most epochs, samples per batch and worker threads.
pub const MAX_EPOCHS: u32 = 100_000;
pub const MAX_BATCH: u32 = 65_536;
pub const MAX_THREADS: u32 = 1024;

/// Checks a training config before anything is allocated for it; the UI bounds the same
/// fields, but the CLI and IPC reach the engine directly.
pub fn validate_config(config: &TrainConfig) -> Result<()> {
    check_config(config)
}

fn check_config(config: &TrainConfig) -> Result<()> {
    let bad = |code: &str| Err(EngineError::BadTrainConfig(Detail::coded(code, [])));
    let within = |setting: &str, value: u32, low: u32, high: u32| {
        if (low..=high).contains(&value) {
            Ok(())
        } else {
            Err(setting_out_of_range(setting, u64::from(value), u64::from(low), u64::from(high)))
        }
    };
    if config.target.is_empty() {
        return bad("choose_target");
    }
    if config.epochs == 0 {
        return bad("epochs_at_least_one");
    }
    if config.batch_size == 0 {
        return bad("batch_at_least_one");
    }
    if !config.learning_rate.is_finite() || config.learning_rate <= 0.0 {
        return bad("learning_rate_positive");
    }
    if config.embedding_dim == 0 || config.hidden == 0 {
        return bad("widths_at_least_one");
    }
    if config.model == ModelKind::Transformer && !config.embedding_dim.is_multiple_of(4) {
        return bad("transformer_heads");
    }
    if config.patience == Some(0) {
        return bad("patience_at_least_one");
    }
    within("embedding_size", config.embedding_dim, 1, MAX_EMBEDDING_DIM)?;
    within("hidden_units", config.hidden, 1, MAX_HIDDEN)?;
    within("bins_per_tag", config.bins, 2, MAX_BINS)?;
    within("epochs", config.epochs, 1, MAX_EPOCHS)?;
    within("batch_size", config.batch_size, 1, MAX_BATCH)?;
    if let Some(threads) = config.threads {
        within("worker_threads", threads, 1, MAX_THREADS)?;
    }
    if let SequenceMode::Window { window, stride } = config.mode {
        within("window", window, 1, MAX_WINDOW)?;
        within("stride", stride, 1, MAX_WINDOW)?;
    }
    if let Some(window) = config.feature_window {
        window_features::check_window(window)?;
        if !config.model.dense_input() {
            return bad("window_features_dense");
        }
    }
    if config.interactions && !config.model.dense_input() {
        return bad("interactions_dense");
    }
    // Every run grows the trees baseline, so their settings are checked for every model.
    boosting::check_settings(&config.trees)?;
    let split = &config.split;
    let fractions = [split.train, split.validation, split.test];
    if fractions.iter().any(|f| !f.is_finite() || *f < 0.0) || split.train <= 0.0 {
        return bad("split_fractions");
    }
    Ok(())
}

/// "`setting` must be between `low` and `high`, not `value`" (`setting` names an
/// `error-detail-setting-…` phrase).
pub(crate) fn setting_out_of_range(setting: &str, value: u64, low: u64, high: u64) -> EngineError {
    EngineError::BadTrainConfig(Detail::coded(
        "setting_range",
        [
            ("setting", MessageArg::phrase(&format!("detail_setting_{setting}"), [])),
            ("value", value.into()),
            ("low", low.into()),
            ("high", high.into()),
        ],
    ))
}

/// Trains one model. `on_update` sees every update in order (the run's `metrics.jsonl` gets
/// the same lines). Cancel (through `job`) takes effect before the next batch and ends with
/// `Err(Cancelled)`, after writing the run's summary.
pub fn train(frame: &DataFrame, request: &TrainJob<'_>, job: &JobContext, on_update: &mut dyn FnMut(&TrainUpdate)) -> Result<RunSummary> {
    check_config(request.config)?;
    // The recipe is read once: its text is stored with the run, its class-weight steps used here.
    let recipe_file = match (request.recipe, &request.config.recipe) {
        (None, Some(path)) => Some(std::fs::read_to_string(path).map_err(|e| EngineError::from_io(Path::new(path), e))?),
        _ => None,
    };
    let recipe_text = request.recipe.or(recipe_file.as_deref());
    // Class-weight columns made by the cleaning recipe repeat the label: never features.
    let weight_columns = recipe_text.map(recipe_weight_columns).unwrap_or_default();
    let mut adjusted = request.config.clone();
    for (_, column) in &weight_columns {
        if frame.column(column).is_ok() && !adjusted.exclude.contains(column) && *column != adjusted.target {
            adjusted.exclude.push(column.clone());
        }
    }
    let request = &TrainJob { config: &adjusted, recipe: recipe_text, ..*request };
    let config = request.config;
    let target_weights = weight_columns
        .iter()
        .rev()
        .find(|(label, column)| *label == config.target && frame.column(column).is_ok())
        .filter(|_| config.class_weighting != ClassWeighting::Off)
        .map(|(_, column)| -> Result<RowWeights> {
            let data::Values::Numeric(values) = data::read_values(frame, column)? else {
                return Err(EngineError::BadTrainConfig(Detail::coded("weight_column_not_numeric", [("column", column.as_str().into())])));
            };
            Ok(RowWeights { column: column.clone(), values: values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect() })
        })
        .transpose()?;
    if let Some(threads) = config.threads {
        plantlab_model::set_threads(threads as usize);
    }
    job.progress(0.0, crate::Stage::Tokenizing);
    let mut prepared = data::prepare(frame, config, request.timestamp_column)?;
    for feature in &mut prepared.tokenizer.features {
        if let FeatureCoding::Numeric { name, unit, .. } = feature {
            *unit = request.columns.iter().find(|c| c.name == *name).and_then(|c| c.unit.clone());
        }
    }
    let times = row_times_ms(frame, request.timestamp_column);
    let parts = prepared.samples(config.mode)?;
    job.check_cancelled()?;

    // Held until this function returns, after the summary: other instances see the run as
    // running exactly that long, and as interrupted if this process is killed.
    let (run_id, dir, _lock) = runs::new_run_dir(request.runs_root, config.model.as_str())?;
    if let Ok(mut active) = request.active.lock() {
        active.push(run_id.clone());
    }
    let started = Instant::now();
    let mut run = Run { dir: dir.clone(), run_id: run_id.clone(), epochs: 0, best_epoch: 0, started, row_weights: target_weights };
    // A panic inside the training body (a bug, or a library's assertion on odd data) must end
    // the run as failed with its reason, not leave it "running" until the app restarts.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.execute(&prepared, &parts, times.as_deref(), request, job, on_update)))
        .unwrap_or_else(|panic| Err(EngineError::Internal(format!("training stopped on an internal error ({})", panic_text(&*panic)))));
    let summary = match result {
        Ok(summary) => Ok(summary),
        Err(err) => {
            let status = if matches!(err, EngineError::Cancelled) { RunStatus::Cancelled } else { RunStatus::Failed };
            let summary = if status == RunStatus::Cancelled {
                let (message, message_code, message_args) = StopReason::cancelled().worded();
                RunSummary { message_code, message_args, ..run.summary(status, message, None, None, None, 0.0) }
            } else {
                RunSummary { failure: Some(err.to_api()), ..run.summary(status, err.to_string(), None, None, None, 0.0) }
            };
            let _ = write_json(&dir.join("summary.json"), &summary);
            Err(err)
        }
    };
    if let Ok(mut active) = request.active.lock() {
        active.retain(|id| *id != run_id);
    }
    summary
}

/// The message of a caught panic, when it carried one.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

struct Run {
    dir: PathBuf,
    run_id: String,
    epochs: u32,
    best_epoch: u32,
    started: Instant,
    /// Class weights per row from the cleaning recipe's weight column, if it has one.
    row_weights: Option<RowWeights>,
}

/// The class weighting a run uses. Trees on a binary target are left unweighted by `auto`:
/// weights only shift their probabilities, which the decision threshold does anyway, and they
/// made the trees rank rare faults worse (test PR-AUC on AI4I 0.614 weighted against 0.694, on
/// the pump-station sample 0.749 against 0.829). With several classes the most probable class
/// decides, and the weights keep rare faults in play (TEP diagnosis: accuracy 0.882 against 0.855).
fn effective_weighting(config: &TrainConfig, classes: usize) -> ClassWeighting {
    match (config.model, config.class_weighting, classes) {
        (ModelKind::Trees, ClassWeighting::Auto, 2) => ClassWeighting::Off,
        (_, weighting, _) => weighting,
    }
}

/// Per-class loss weights from the training labels.
fn class_weights(labels: &[u32], classes: usize, weighting: ClassWeighting) -> (Vec<f64>, Vec<f64>) {
    let mut counts = vec![0usize; classes];
    for &l in labels {
        if let Some(c) = counts.get_mut(l as usize) {
            *c += 1;
        }
    }
    let n = labels.len().max(1) as f64;
    let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
    let rarest = shares.iter().copied().fold(f64::INFINITY, f64::min);
    let on = match weighting {
        ClassWeighting::On => true,
        ClassWeighting::Off => false,
        ClassWeighting::Auto => rarest < AUTO_WEIGHT_BELOW,
    };
    // "Balanced" weights n / (classes · count): each class contributes equally to the loss.
    let weights = counts.iter().map(|&c| if on && c > 0 { n / (classes as f64 * c as f64) } else { 1.0 }).collect();
    (weights, shares)
}

/// Per-row class weights from the data (a cleaning recipe's `weight_classes` column).
struct RowWeights {
    column: String,
    values: Vec<f64>,
}

impl RowWeights {
    /// Each class's mean weight over the training samples (the weight at a window's end);
    /// 1 for a class without training samples or usable weights.
    fn class_means(&self, part: &Part, classes: usize) -> Vec<f64> {
        let mut sums = vec![(0.0f64, 0usize); classes];
        for (&end, &label) in part.ends.iter().zip(&part.labels) {
            if let (Some(w), Some(sum)) = (self.values.get(end).filter(|w| w.is_finite() && **w >= 0.0), sums.get_mut(label as usize)) {
                sum.0 += w;
                sum.1 += 1;
            }
        }
        sums.iter().map(|&(s, n)| if n > 0 && s > 0.0 { s / n as f64 } else { 1.0 }).collect()
    }
}

/// (label, weight column) of each enabled `weight_classes` step of the run's recipe. Text that
/// is not a readable recipe has none (it is stored with the run as it is).
/// (label, weight column) of every enabled class-weight step of a recipe's text.
pub(crate) fn recipe_weight_columns(text: &str) -> Vec<(String, String)> {
    let Ok(recipe) = crate::clean::recipe::parse(Path::new("recipe.json"), text) else {
        return Vec::new();
    };
    recipe
        .steps
        .iter()
        .filter(|s| s.enabled)
        .filter_map(|s| match &s.step {
            CleanStep::WeightClasses { label, weight_column } => Some((label.clone(), weight_column.clone())),
            _ => None,
        })
        .collect()
}

/// Small, fast, seedable generator for the per-epoch shuffle (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// What keeps an epoch (or boosting round) and drives early stopping: a validation metric
/// that sees the rare classes. For a binary target the PR-AUC: with a rare fault the loss is
/// ruled by the normal samples and can bottom out before the model ranks the faults well, so
/// runs stopped on it swung with the seed. For several classes the balanced accuracy: on a
/// time-ordered validation part the loss rises as soon as the model grows confident about
/// classes it cannot tell apart, long before its decisions stop improving. The loss decides
/// only when the metric cannot be computed (a validation part without faults).
pub(crate) fn selection_score(val: &ClassMetrics, val_loss: f64, positive: Option<usize>) -> f64 {
    match (positive, val.pr_auc) {
        (Some(_), Some(pr_auc)) if pr_auc.is_finite() => pr_auc,
        (Some(_), _) => -val_loss,
        (None, _) if val.balanced_accuracy.is_finite() => val.balanced_accuracy,
        (None, _) => -val_loss,
    }
}

/// Why a run stopped, as the catalogue's `stop-<code>` sentence and its arguments.
pub(crate) struct StopReason {
    code: &'static str,
    args: BTreeMap<String, MessageArg>,
}

impl StopReason {
    /// All `total` epochs or rounds (`unit`) ran.
    pub(crate) fn completed(unit: &str, total: u32) -> Self {
        StopReason { code: "completed", args: message_args([("unit", unit.into()), ("total", u64::from(total).into())]) }
    }

    /// No better validation score for `patience` epochs or rounds, so training stopped after `stopped`.
    pub(crate) fn early(unit: &str, stopped: u32, positive: Option<usize>, patience: u32) -> Self {
        let metric = if positive.is_some() { "pr-auc" } else { "balanced-accuracy" };
        let args = message_args([
            ("unit", unit.into()),
            ("stopped", u64::from(stopped).into()),
            ("metric", metric.into()),
            ("patience", u64::from(patience).into()),
        ]);
        StopReason { code: "early_stopping", args }
    }

    fn cancelled() -> Self {
        StopReason { code: "cancelled", args: BTreeMap::new() }
    }

    /// The code and arguments of a stop saved before stop messages were coded, read back from
    /// its English `message`: the numbers in it are filled into each stop sentence until one
    /// says exactly the same. `None` for any other text (a failure, an older wording).
    pub(crate) fn coded_from_english(message: &str) -> Option<(String, BTreeMap<String, MessageArg>)> {
        let numbers: Vec<u32> = message.split(|c: char| !c.is_ascii_digit()).filter_map(|digits| digits.parse().ok()).collect();
        let kept = |mut reason: StopReason, kept: u32| {
            reason.args.insert("kept".into(), u64::from(kept).into());
            reason
        };
        let mut candidates = vec![StopReason::cancelled()];
        for unit in ["epoch", "round"] {
            if let [total, best] = numbers[..] {
                candidates.push(kept(StopReason::completed(unit, total), best));
            }
            if let [stopped, patience, best] = numbers[..] {
                for positive in [Some(1), None] {
                    candidates.push(kept(StopReason::early(unit, stopped, positive, patience), best));
                }
            }
        }
        candidates.into_iter().map(StopReason::worded).find(|(english, ..)| english == message).map(|(_, code, args)| (code, args))
    }

    /// The English message (from the catalogue the edges word it from), the code and the arguments.
    fn worded(self) -> (String, String, BTreeMap<String, MessageArg>) {
        (crate::normal::wording::english_stop(self.code, &self.args), self.code.to_owned(), self.args)
    }
}

/// Weighted mean cross-entropy of predicted probabilities (the training objective).
pub(crate) fn weighted_loss(probs: &[f32], classes: usize, labels: &[u32], weights: &[f64]) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for (row, &label) in probs.chunks(classes).zip(labels) {
        let w = weights.get(label as usize).copied().unwrap_or(1.0);
        let p = row.get(label as usize).map_or(1e-7, |p| f64::from(*p).max(1e-7));
        sum -= w * p.ln();
        total += w;
    }
    if total > 0.0 {
        sum / total
    } else {
        0.0
    }
}

/// The model's input for a set of samples.
struct Batcher<'a> {
    prepared: &'a Prepared,
    kind: ModelKind,
    window: usize,
    tokens: Vec<u32>,
    dense: Vec<f32>,
}

impl<'a> Batcher<'a> {
    fn input(&mut self, ends: &[usize]) -> Input<'_> {
        if self.kind.dense_input() {
            self.prepared.encoded.gather_dense(ends, self.window, &mut self.dense);
            Input::Dense(&self.dense)
        } else {
            self.prepared.encoded.gather_tokens(ends, self.window, &mut self.tokens);
            Input::Tokens(&self.tokens)
        }
    }
}

fn model_err(e: plantlab_model::ModelError) -> EngineError {
    EngineError::Model(e.to_string())
}

fn predict(model: &FittedModel, batcher: &mut Batcher<'_>, part: &Part, job: &JobContext) -> Result<Vec<f32>> {
    let mut probs = Vec::new();
    for chunk in part.ends.chunks(PREDICT_CHUNK) {
        job.check_cancelled()?;
        let input = batcher.input(chunk);
        probs.extend(model.predict(input, chunk.len())?);
    }
    Ok(probs)
}

/// Validation scores of a network while it trains.
fn predict_net(trainer: &Trainer, batcher: &mut Batcher<'_>, part: &Part, job: &JobContext) -> Result<Vec<f32>> {
    let mut probs = Vec::with_capacity(part.ends.len() * trainer.spec().classes);
    for chunk in part.ends.chunks(PREDICT_CHUNK) {
        job.check_cancelled()?;
        let input = batcher.input(chunk);
        probs.extend(trainer.predict(input, chunk.len()).map_err(model_err)?);
    }
    Ok(probs)
}

impl Run {
    fn summary(
        &self,
        status: RunStatus,
        message: String,
        val: Option<ClassMetrics>,
        test: Option<ClassMetrics>,
        baseline: Option<ClassMetrics>,
        majority: f64,
    ) -> RunSummary {
        RunSummary {
            run_id: self.run_id.clone(),
            run_dir: self.dir.display().to_string(),
            status,
            message,
            message_code: String::new(),
            message_args: BTreeMap::new(),
            failure: None,
            epochs_run: self.epochs,
            best_epoch: self.best_epoch,
            majority_accuracy: majority,
            val,
            test,
            baseline,
            baseline_trees: None,
            seconds: self.started.elapsed().as_secs_f64(),
        }
    }

    /// The epoch loop of a network: batches, validation after every epoch, the best weights
    /// kept and checkpointed, early stopping. Returns the network with its best weights.
    #[allow(clippy::too_many_arguments)]
    fn train_network(
        &mut self,
        mut trainer: Trainer,
        batcher: &mut Batcher<'_>,
        parts: &[Part; 3],
        weights: &[f64],
        positive: Option<usize>,
        config: &TrainConfig,
        job: &JobContext,
        emit: &mut dyn FnMut(TrainUpdate) -> Result<()>,
    ) -> Result<(FittedModel, StopReason)> {
        let [train_part, val_part, _] = parts;
        let classes = trainer.spec().classes;
        let checkpoints = self.dir.join("checkpoints");
        let mut rng = SplitMix(config.seed ^ 0x5EED);
        let mut order: Vec<usize> = (0..train_part.ends.len()).collect();
        let batch_size = config.batch_size as usize;
        let batches = order.len().div_ceil(batch_size) as u32;
        let total_batches = (batches * config.epochs).max(1) as f32;
        let mut best_score = f64::NEG_INFINITY;
        let mut since_best = 0u32;
        let mut stop_message = StopReason::completed("epoch", config.epochs);
        let (mut ends, mut labels) = (Vec::with_capacity(batch_size), Vec::with_capacity(batch_size));

        for epoch in 1..=config.epochs {
            let epoch_start = Instant::now();
            rng.shuffle(&mut order);
            let (mut loss_sum, mut weight_sum, mut correct) = (0.0f64, 0.0f64, 0usize);
            for (b, chunk) in order.chunks(batch_size).enumerate() {
                job.check_cancelled()?;
                ends.clear();
                labels.clear();
                for &i in chunk {
                    ends.push(train_part.ends[i]);
                    labels.push(train_part.labels[i]);
                }
                let input = batcher.input(&ends);
                let stats = trainer.train_batch(input, &labels).map_err(model_err)?;
                if !stats.loss.is_finite() {
                    return Err(EngineError::Diverged(Detail::coded(
                        "loss_diverged",
                        [
                            ("loss", stats.loss.to_string().into()),
                            ("epoch", u64::from(epoch).into()),
                            ("batch", (b + 1).into()),
                            ("rate", config.learning_rate.to_string().into()),
                        ],
                    )));
                }
                let batch_weight: f64 = labels.iter().map(|&l| weights[l as usize]).sum();
                loss_sum += stats.loss * batch_weight;
                weight_sum += batch_weight;
                correct += stats.correct;
                emit(TrainUpdate::Batch(BatchMetrics {
                    epoch,
                    batch: b as u32 + 1,
                    batches,
                    loss: stats.loss,
                    accuracy: stats.correct as f64 / labels.len() as f64,
                }))?;
                let done = (epoch - 1) * batches + b as u32 + 1;
                job.progress(done as f32 / total_batches, crate::Stage::Epoch(epoch, config.epochs));
            }
            let train_seconds = epoch_start.elapsed().as_secs_f64();
            let val_probs = predict_net(&trainer, batcher, val_part, job)?;
            let val_loss = weighted_loss(&val_probs, classes, &val_part.labels, weights);
            if !val_loss.is_finite() {
                return Err(EngineError::Diverged(Detail::coded(
                    "validation_loss_diverged",
                    [("loss", val_loss.to_string().into()), ("epoch", u64::from(epoch).into())],
                )));
            }
            let val = metrics::classification_metrics(&val_probs, classes, &val_part.labels, positive);
            let score = selection_score(&val, val_loss, positive);
            let best = score > best_score;
            if best {
                best_score = score;
                self.best_epoch = epoch;
                since_best = 0;
                trainer.keep_as_best().map_err(model_err)?;
                save_weights(&trainer, &self.dir.join("best.bpk"), true)?;
            } else {
                since_best += 1;
            }
            save_weights(&trainer, &checkpoints.join(format!("epoch-{epoch:03}.bpk")), false)?;
            self.epochs = epoch;
            emit(TrainUpdate::Epoch(EpochMetrics {
                epoch,
                train_loss: if weight_sum > 0.0 { loss_sum / weight_sum } else { 0.0 },
                train_accuracy: correct as f64 / order.len().max(1) as f64,
                val_loss,
                val_accuracy: val.accuracy,
                val_roc_auc: val.roc_auc,
                val_pr_auc: val.pr_auc,
                best,
                seconds: epoch_start.elapsed().as_secs_f64(),
                samples_per_s: order.len() as f64 / train_seconds.max(1e-9),
            }))?;
            if let Some(patience) = config.patience {
                if since_best >= patience && epoch < config.epochs {
                    stop_message = StopReason::early("epoch", epoch, positive, patience);
                    break;
                }
            }
        }

        trainer.restore_best();
        Ok((FittedModel::Net(trainer), stop_message))
    }

    fn execute(
        &mut self,
        prepared: &Prepared,
        parts: &[Part; 3],
        times: Option<&[i64]>,
        request: &TrainJob<'_>,
        job: &JobContext,
        on_update: &mut dyn FnMut(&TrainUpdate),
    ) -> Result<RunSummary> {
        let config = request.config;
        let dir = self.dir.clone();
        write_json(
            &dir.join("run.json"),
            &RunMeta {
                run_id: self.run_id.clone(),
                created: runs::format_utc(runs::now_secs()),
                data: request.data_label.to_owned(),
                pid: std::process::id(),
            },
        )?;
        write_json(&dir.join("config.json"), config)?;
        if let Some(json) = request.recipe {
            runs::write_atomic(&dir.join("recipe.json"), json.as_bytes())?;
        } else {
            let split = &config.split;
            let recipe = Recipe {
                schema_version: RECIPE_SCHEMA_VERSION,
                import: request.import.clone(),
                train_fraction: split.train / (split.train + split.validation + split.test),
                label: Some(config.target.clone()),
                steps: Vec::new(),
            };
            write_json(&dir.join("recipe.json"), &recipe)?;
        }
        if let Some(quality) = request.quality {
            write_json(&dir.join("quality.json"), quality)?;
        }
        write_json(&dir.join("tokenizer.json"), &prepared.tokenizer)?;
        let checkpoints = dir.join("checkpoints");
        std::fs::create_dir_all(&checkpoints).map_err(|e| io_err(&checkpoints, e))?;

        let tokenizer = &prepared.tokenizer;
        let classes = tokenizer.classes.len();
        let positive = (classes == 2).then_some(1);
        let nf = tokenizer.features.len();
        let window = match config.mode {
            SequenceMode::Row => 1,
            SequenceMode::Window { window, .. } => window as usize,
        };
        let (steps, per_step) = if window == 1 { (nf, 1) } else { (window, nf) };
        let [train_part, val_part, test_part] = parts;
        let row_weights = self.row_weights.as_ref();
        let (weights, shares) = match row_weights {
            Some(rows) => (rows.class_means(train_part, classes), class_weights(&train_part.labels, classes, ClassWeighting::Off).1),
            None => class_weights(&train_part.labels, classes, effective_weighting(config, classes)),
        };
        let spec = NetSpec {
            kind: config.model,
            classes,
            vocab: tokenizer.vocab_size as usize,
            steps,
            per_step,
            width: prepared.encoded.dense_width * window,
            embedding_dim: config.embedding_dim as usize,
            hidden: config.hidden as usize,
            learning_rate: config.learning_rate,
            seed: config.seed,
            class_weights: weights.iter().map(|w| *w as f32).collect(),
        };
        write_json(&dir.join("network.json"), &spec)?;

        let mut log = MetricsLog::create(&dir.join("metrics.jsonl"))?;
        let mut emit = |update: TrainUpdate, log: &mut MetricsLog| -> Result<()> {
            log.append(&update)?;
            on_update(&update);
            Ok(())
        };
        let info = TrainDataInfo {
            classes: tokenizer.classes.clone(),
            positive_class: positive,
            features: tokenizer.features.iter().map(|f| f.name().to_owned()).collect(),
            train_samples: train_part.ends.len() as u64,
            validation_samples: val_part.ends.len() as u64,
            test_samples: test_part.ends.len() as u64,
            vocab_size: if config.model.dense_input() { 0 } else { tokenizer.vocab_size },
            sequence_length: steps as u32,
            class_weights: weights.clone(),
            class_shares: shares.clone(),
            class_weights_from: row_weights.map(|r| r.column.clone()),
        };
        emit(TrainUpdate::Prepared { run_id: self.run_id.clone(), run_dir: dir.display().to_string(), data: info }, &mut log)?;

        let mut batcher = Batcher { prepared, kind: config.model, window, tokens: Vec::new(), dense: Vec::new() };
        let (model, stop_message) = if config.model == ModelKind::Trees {
            let fit = boosting::fit_trees(
                &boosting::TreeData { prepared, window, train: train_part, validation: val_part, class_weights: &weights, positive },
                &config.trees,
                config.seed,
                job,
                (0.0, 0.98, crate::Stage::Round),
                &mut |metrics| emit(TrainUpdate::Epoch(metrics), &mut log),
            )?;
            self.epochs = fit.rounds_run;
            self.best_epoch = fit.best_round;
            crate::atomic_file::write_bytes(
                &dir.join(TREES_FILE),
                &serde_json::to_vec(&fit.ensemble).map_err(|e| EngineError::Internal(e.to_string()))?,
            )?;
            (FittedModel::Trees(fit.ensemble), fit.stop_message)
        } else {
            let trainer = Trainer::new(spec).map_err(model_err)?;
            self.train_network(trainer, &mut batcher, parts, &weights, positive, config, job, &mut |update| emit(update, &mut log))?
        };
        job.progress(0.99, crate::Stage::TestingBestEpoch);
        let val_probs = predict(&model, &mut batcher, val_part, job)?;
        let test_probs = predict(&model, &mut batcher, test_part, job)?;
        let val = metrics::classification_metrics(&val_probs, classes, &val_part.labels, positive);
        let test = metrics::classification_metrics(&test_probs, classes, &test_part.labels, positive);
        let majority = shares.iter().enumerate().fold(0, |best, (i, s)| if *s > shares[best] { i } else { best });
        let baseline = metrics::majority_baseline(majority, &test_part.labels, classes, positive);
        // Trees on the same samples and features: the baseline a network has to beat. A
        // trees run is its own.
        let baseline_trees = if config.model == ModelKind::Trees {
            test.clone()
        } else {
            job.progress(0.99, crate::Stage::TrainingTreesBaseline);
            // Unweighted, as a tree library's defaults are: the baseline is what an engineer
            // gets without tuning, and on rare faults unweighted trees rank better (AI4I:
            // PR-AUC 0.69 against 0.61 with balanced weights).
            let unweighted = vec![1.0; classes];
            // A token model's window of W rows would give the trees W × the row's features; the
            // latest rows of it, up to MAX_BASELINE_FEATURES, keep their memory bounded.
            let dense_width = prepared.encoded.dense_width.max(1);
            let tree_window = window.min((MAX_BASELINE_FEATURES / dense_width).max(1));
            let data =
                boosting::TreeData { prepared, window: tree_window, train: train_part, validation: val_part, class_weights: &unweighted, positive };
            let fit = boosting::fit_trees(&data, &config.trees, config.seed, job, (0.99, 0.995, crate::Stage::BaselineRound), &mut |_| Ok(()))?;
            let probs = boosting::predict_part(&fit.ensemble, &data, test_part, job)?;
            metrics::classification_metrics(&probs, classes, &test_part.labels, positive)
        };
        // What the Evaluate pane and the bundle need later: the test scores and the tags
        // that drive them.
        let scored = Scored {
            classes: tokenizer.classes.clone(),
            positive_class: positive,
            majority_class: majority,
            rows: test_part.ends.iter().map(|e| *e as u64).collect(),
            training_period_ms: times.and_then(|t| crate::evaluate::training_period(t, &train_part.ends, window)),
            times_ms: times.map(|t| test_part.ends.iter().map(|e| t[*e]).collect()),
            labels: test_part.labels.iter().map(|l| Some(*l)).collect(),
            probs: test_probs.clone(),
        };
        write_json(&dir.join("test_scores.json"), &scored)?;
        job.progress(0.995, crate::Stage::FindingContributingTags);
        let explainer = Explainer { model: &model, encoded: &prepared.encoded, tokenizer, kind: config.model, window, positive, majority };
        let samples = CONTRIBUTION_SAMPLES.min(CONTRIBUTION_BUDGET / nf.max(1));
        let contributions = explainer.contributions(&test_part.ends, samples, job)?;
        write_json(&dir.join("contributions.json"), &contributions)?;
        let mut stop_message = stop_message;
        stop_message.args.insert("kept".into(), u64::from(self.best_epoch).into());
        let (message, message_code, message_args) = stop_message.worded();
        let summary = self.summary(RunStatus::Completed, message, Some(val), Some(test), Some(baseline.clone()), baseline.accuracy);
        let summary = RunSummary { baseline_trees: Some(baseline_trees), message_code, message_args, ..summary };
        write_json(&dir.join("summary.json"), &summary)?;
        Ok(summary)
    }
}

/// Weights are written atomically (a uniquely named temporary beside the file, then a rename),
/// so a file under the final name is always complete and nothing of the user's is overwritten.
fn save_weights(trainer: &Trainer, path: &Path, best: bool) -> Result<()> {
    let bytes = trainer.weights_bytes(best).map_err(model_err)?;
    crate::atomic_file::write_bytes(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_turn_on_for_rare_classes_only() {
        let rare: Vec<u32> = (0..100).map(|i| u32::from(i % 10 == 0)).collect();
        let (w, shares) = class_weights(&rare, 2, ClassWeighting::Auto);
        assert_eq!(shares, vec![0.9, 0.1]);
        assert!((w[1] / w[0] - 9.0).abs() < 1e-9, "{w:?}");
        let even: Vec<u32> = (0..100).map(|i| i % 2).collect();
        assert_eq!(class_weights(&even, 2, ClassWeighting::Auto).0, vec![1.0, 1.0]);
        assert_eq!(class_weights(&rare, 2, ClassWeighting::Off).0, vec![1.0, 1.0]);
    }

    #[test]
    fn shuffle_is_seeded() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        SplitMix(3).shuffle(&mut a);
        SplitMix(3).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
    }
}
