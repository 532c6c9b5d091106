//! Training: the configuration the Train pane edits, the updates streamed while a model
//! trains, and the runs kept on disk (list, open, compare).
//!
//! Every type here is also what the run directory holds: `config.json` is a [`TrainConfig`],
//! each line of `metrics.jsonl` is a [`TrainUpdate`], `summary.json` is a [`RunSummary`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::MessageArg;

/// Which network to train.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// The origin's model: token embedding → mean over the sequence → linear layer.
    #[default]
    Seed,
    /// A small transformer encoder (d 64, 4 heads, 2 layers, feed-forward 128, learned
    /// positions, mean pool) over the same tokens.
    Transformer,
    /// A multi-layer perceptron on standardized numeric features (no tokens): the plain baseline.
    Mlp,
    /// Gradient-boosted decision trees on the same features as the MLP: the honest baseline
    /// for tabular and windowed data, and a model in its own right.
    Trees,
}

impl ModelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Seed => "seed",
            ModelKind::Transformer => "transformer",
            ModelKind::Mlp => "mlp",
            ModelKind::Trees => "trees",
        }
    }

    /// Whether the model reads the dense numeric input (standardized values, one-hot levels
    /// and window features) rather than tokens.
    pub fn dense_input(self) -> bool {
        matches!(self, ModelKind::Mlp | ModelKind::Trees)
    }
}

/// How rows become sequences of tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum SequenceMode {
    /// One sequence per row: one token per feature, in a fixed order.
    #[default]
    Row,
    /// `window` consecutive rows per sequence, a new sequence every `stride` rows. Per time
    /// step the feature tokens' embeddings are summed; the label is the label of the last row.
    Window { window: u32, stride: u32 },
}

/// Weighting of the loss for rare classes (faults are rare).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeighting {
    /// On when the rarest class is under 20 % of the training rows.
    #[default]
    Auto,
    On,
    Off,
}

/// How the gradient-boosted trees grow (the `trees` model, and the trees baseline every run
/// reports). Growth follows scikit-learn's HistGradientBoosting defaults (learning rate 0.1, 31
/// leaves, 20 samples per leaf); early stopping watches the time-ordered validation part
/// instead of a random tenth of the training rows, with a patience of 30 rounds because its
/// metric (PR-AUC, balanced accuracy) moves in steps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TreeSettings {
    /// Most boosting rounds; early stopping may end sooner.
    pub rounds: u32,
    #[serde(with = "crate::float")]
    pub learning_rate: f64,
    /// Leaves per tree (grown best-first).
    pub max_leaves: u32,
    /// Fewest training samples in a leaf.
    pub min_samples_leaf: u32,
    /// L2 penalty on leaf values.
    #[serde(with = "crate::float")]
    pub l2: f64,
    /// Stop after this many rounds without a better validation score (PR-AUC for a binary
    /// target, balanced accuracy for several classes).
    pub patience: u32,
}

impl Default for TreeSettings {
    fn default() -> Self {
        Self { rounds: 300, learning_rate: 0.1, max_leaves: 31, min_samples_leaf: 20, l2: 0.0, patience: 30 }
    }
}

/// Fractions of the rows, in time order: train first, then validation, then test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitFractions {
    #[serde(with = "crate::float")]
    pub train: f64,
    #[serde(with = "crate::float")]
    pub validation: f64,
    #[serde(with = "crate::float")]
    pub test: f64,
}

impl Default for SplitFractions {
    fn default() -> Self {
        Self { train: 0.70, validation: 0.15, test: 0.15 }
    }
}

/// Everything that decides a training run. Defaults are the origin's (embedding 64, batch 32,
/// Adam lr 0.001, 10 epochs, cross-entropy) plus what rare faults need (class weights,
/// early stopping). Serialized as the run's `config.json`; missing fields take the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// The label column. Two distinct values → binary; more → multi-class.
    pub target: String,
    /// Feature columns; empty means every column except the target, `exclude` and the
    /// timestamp column.
    pub features: Vec<String>,
    /// Columns never used as features: identifiers, and columns that leak the label.
    pub exclude: Vec<String>,
    pub model: ModelKind,
    pub mode: SequenceMode,
    /// Window features for the MLP and the trees: per numeric tag over the last `W` samples
    /// (lag, mean, standard deviation, min, max, slope, time since the last change), causal and
    /// restarted after a gap in the time axis. `None`: the current row only.
    pub feature_window: Option<u32>,
    /// Products of every pair of numeric tags as extra features for the MLP and the trees —
    /// the quantities a process runs on, such as power = torque × speed or heat duty = flow ×
    /// temperature difference, which a tree can only approximate by many splits. Products of
    /// the raw values, standardized on the training rows.
    #[serde(default)]
    pub interactions: bool,
    /// The trees' settings (the `trees` model and every run's trees baseline).
    pub trees: TreeSettings,
    /// Quantile bins per numeric tag (a null token comes on top).
    pub bins: u32,
    /// Levels of a categorical feature seen fewer times than this in training are pooled
    /// into one "other" token.
    pub min_level_count: u32,
    /// Embedding width (seed model) and model width (transformer).
    pub embedding_dim: u32,
    /// Hidden units per layer of the MLP.
    pub hidden: u32,
    pub batch_size: u32,
    #[serde(with = "crate::float")]
    pub learning_rate: f64,
    /// Most epochs; early stopping may end the run sooner.
    pub epochs: u32,
    pub split: SplitFractions,
    pub class_weighting: ClassWeighting,
    /// Stop after this many epochs without a better validation score (PR-AUC for a binary
    /// target, balanced accuracy for several classes); `None` trains every epoch.
    pub patience: Option<u32>,
    /// Same seed, same data, same machine → same metrics.
    pub seed: u64,
    /// Worker threads for the CPU backend; `None` lets the engine choose.
    pub threads: Option<u32>,
    /// Path of the cleaning recipe applied before training, if any (copied into the run).
    pub recipe: Option<String>,
    /// The quality gate when the run started, recorded with the run; `None` when no gate was
    /// evaluated.
    pub gate: Option<GateDecision>,
}

/// Whether the cleaning loop's quality gate passed when training started, and whether the
/// user chose to train anyway although it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateDecision {
    pub passed: bool,
    pub overridden: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            target: String::new(),
            features: Vec::new(),
            exclude: Vec::new(),
            model: ModelKind::Seed,
            mode: SequenceMode::Row,
            feature_window: None,
            interactions: false,
            trees: TreeSettings::default(),
            bins: 32,
            min_level_count: 10,
            embedding_dim: 64,
            hidden: 64,
            batch_size: 32,
            learning_rate: 0.001,
            epochs: 10,
            split: SplitFractions::default(),
            class_weighting: ClassWeighting::Auto,
            patience: Some(3),
            seed: 42,
            threads: None,
            recipe: None,
            gate: None,
        }
    }
}

/// Metrics of one training batch (the live curve; the UI may receive only some of them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchMetrics {
    /// 1-based epoch.
    pub epoch: u32,
    /// 1-based batch within the epoch.
    pub batch: u32,
    pub batches: u32,
    /// Mean (weighted) loss of this batch.
    #[serde(with = "crate::float")]
    pub loss: f64,
    #[serde(with = "crate::float")]
    pub accuracy: f64,
}

/// Metrics at the end of one epoch. Never dropped on the way to the UI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch.
    pub epoch: u32,
    #[serde(with = "crate::float")]
    pub train_loss: f64,
    #[serde(with = "crate::float")]
    pub train_accuracy: f64,
    #[serde(with = "crate::float")]
    pub val_loss: f64,
    #[serde(with = "crate::float")]
    pub val_accuracy: f64,
    #[serde(with = "crate::float", default)]
    pub val_roc_auc: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub val_pr_auc: Option<f64>,
    /// True when this epoch (or boosting round) is the best so far on validation — PR-AUC for
    /// a binary target, balanced accuracy for several classes — and its weights are kept.
    pub best: bool,
    #[serde(with = "crate::float")]
    pub seconds: f64,
    #[serde(with = "crate::float")]
    pub samples_per_s: f64,
}

/// What the data turned into, known before the first batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainDataInfo {
    /// The class labels as text, in the order of the model's outputs.
    pub classes: Vec<String>,
    /// For binary targets, the index in `classes` of the positive (fault) class.
    pub positive_class: Option<usize>,
    pub features: Vec<String>,
    pub train_samples: u64,
    pub validation_samples: u64,
    pub test_samples: u64,
    /// Tokens in the vocabulary (0 for the MLP).
    pub vocab_size: u32,
    /// Tokens per sequence (per time step in window mode).
    pub sequence_length: u32,
    /// Loss weight per class (all 1 when weighting is off).
    #[serde(with = "crate::float")]
    pub class_weights: Vec<f64>,
    /// Share of each class in the training split.
    #[serde(with = "crate::float")]
    pub class_shares: Vec<f64>,
    /// The data column the class weights came from (a cleaning step's class weights), if any;
    /// otherwise they follow the class-weighting setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weights_from: Option<String>,
}

/// Streamed while a model trains, in order; also the lines of `metrics.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TrainUpdate {
    /// The run directory exists and the data is tokenized; training starts next.
    Prepared {
        run_id: String,
        run_dir: String,
        data: TrainDataInfo,
    },
    Batch(BatchMetrics),
    Epoch(EpochMetrics),
    /// An epoch of a normal-operation language model (no accuracy; perplexity instead).
    NormalEpoch(crate::normal::NormalEpochMetrics),
}

impl TrainUpdate {
    /// Epoch updates must reach the UI; batch updates may be thinned when it lags.
    pub fn must_deliver(&self) -> bool {
        !matches!(self, TrainUpdate::Batch(_))
    }
}

/// Classification metrics on one split, always reported next to the majority baseline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub samples: u64,
    /// Mean cross-entropy (unweighted), when the metrics come from a model.
    #[serde(with = "crate::float", default)]
    pub loss: Option<f64>,
    #[serde(with = "crate::float")]
    pub accuracy: f64,
    /// Mean of the per-class recalls: 0.5 for a model that always says "no fault".
    #[serde(with = "crate::float")]
    pub balanced_accuracy: f64,
    /// Binary: of the positive class. Multi-class: macro averages.
    #[serde(with = "crate::float")]
    pub precision: f64,
    #[serde(with = "crate::float")]
    pub recall: f64,
    #[serde(with = "crate::float")]
    pub f1: f64,
    /// Binary: area under the ROC curve; multi-class: macro one-vs-rest. `None` when a split
    /// holds a single class.
    #[serde(with = "crate::float", default)]
    pub roc_auc: Option<f64>,
    /// Area under the precision-recall curve (average precision).
    #[serde(with = "crate::float", default)]
    pub pr_auc: Option<f64>,
    /// `confusion[actual][predicted]` counts.
    pub confusion: Vec<Vec<u64>>,
}

/// How a run ended (or that it is still going).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Completed,
    /// The process stopped without writing an end (crash, power loss, kill); the completed
    /// epochs and their checkpoints are on disk.
    Interrupted,
    Cancelled,
    Failed,
}

impl RunStatus {
    /// The status in one lowercase word, as the runs list shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Failed => "failed",
        }
    }
}

/// The end of a run: `summary.json`, and what `plantlab train --json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub run_id: String,
    pub run_dir: String,
    pub status: RunStatus,
    /// Why it stopped: "completed all epochs", "early stopping …", the failure message, …, in
    /// English: for scripts and older readers. The panes and the command line word it from
    /// `message_code` and `message_args` ([`RunSummary::message_key`]) instead.
    pub message: String,
    /// Which stop sentence `message` is (`completed`, `early_stopping`, `cancelled`); empty
    /// for a failure, whose message is the error's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_code: String,
    /// The values the stop sentence names, by the catalogue's argument names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub message_args: BTreeMap<String, MessageArg>,
    /// A failed run's error, coded like any error (`message` is its English sentence); absent
    /// for runs that did not fail and for failures saved before they were coded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<crate::ApiError>,
    pub epochs_run: u32,
    /// The epoch (trees: round) whose weights were kept (best on validation); 0 when none finished.
    pub best_epoch: u32,
    /// Accuracy of always predicting the most frequent training class, on the test split.
    #[serde(with = "crate::float")]
    pub majority_accuracy: f64,
    /// Best-epoch metrics on the validation split.
    pub val: Option<ClassMetrics>,
    /// Best-epoch metrics on the test split.
    pub test: Option<ClassMetrics>,
    /// The majority-class baseline on the test split.
    pub baseline: Option<ClassMetrics>,
    /// Gradient-boosted trees trained on the same split and features, on the test split: the
    /// baseline a neural model has to beat. `None` for older runs and failed ones.
    #[serde(default)]
    pub baseline_trees: Option<ClassMetrics>,
    #[serde(with = "crate::float")]
    pub seconds: f64,
}

/// One line of the runs list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEntry {
    pub run_id: String,
    pub run_dir: String,
    /// Start time, `YYYY-MM-DD HH:MM:SS` UTC.
    pub created: String,
    pub status: RunStatus,
    pub model: ModelKind,
    pub target: String,
    /// The data file the run trained on.
    pub data: String,
    pub epochs_run: u32,
    pub best_epoch: u32,
    #[serde(with = "crate::float", default)]
    pub best_val_loss: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub test_roc_auc: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub test_pr_auc: Option<f64>,
    pub message: String,
    /// The summary's `message_code`, `message_args` and `failure` (empty for runs without a
    /// summary).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_code: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub message_args: BTreeMap<String, MessageArg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<crate::ApiError>,
    /// Row or window mode (window length in rows).
    #[serde(default)]
    pub mode: SequenceMode,
    /// The training data's sampling interval (median spacing of its timestamps), when it
    /// has a time axis: with it a window reads in time ("window 30 × 1 min = 30 min").
    #[serde(with = "crate::float", default)]
    pub sampling_interval_s: Option<f64>,
    /// Set for a model of normal operation (its `model` and `target` do not apply): the
    /// detector that raises its alarms.
    #[serde(default)]
    pub normal: Option<crate::normal::NormalDetector>,
}

impl RunSummary {
    /// The catalogue key of the stop sentence: `stop-<code>` (`stop-early-stopping`).
    pub fn message_key(&self) -> String {
        crate::message_key("stop", &self.message_code, "")
    }
}

impl RunEntry {
    /// The catalogue key of the stop sentence, as [`RunSummary::message_key`].
    pub fn message_key(&self) -> String {
        crate::message_key("stop", &self.message_code, "")
    }

    /// "row mode", or "window 30 × 1 min = 30 min, stride 5" (rows without a time axis).
    pub fn mode_text(&self) -> String {
        match self.mode {
            SequenceMode::Row => "row mode (one sample per row)".to_owned(),
            SequenceMode::Window { window, stride } => match self.sampling_interval_s.filter(|s| s.is_finite() && *s > 0.0) {
                Some(interval) => format!(
                    "window {window} × {} = {}, stride {stride}",
                    crate::format_duration(interval),
                    crate::format_duration(interval * f64::from(window))
                ),
                None => format!("window {window} rows, stride {stride}"),
            },
        }
    }
}

/// An opened run: enough to redraw its curves and show its settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub entry: RunEntry,
    pub config: TrainConfig,
    /// The recipe stored with the run, as JSON text.
    pub recipe: Option<String>,
    pub data: Option<TrainDataInfo>,
    pub epochs: Vec<EpochMetrics>,
    /// Per-batch metrics as recorded (for the fine-grained training curve).
    pub batches: Vec<BatchMetrics>,
    pub summary: Option<RunSummary>,
}

/// A setting that differs between the compared runs: `values[i]` belongs to `runs[i]`
/// (`None` when that run lacks the setting).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigDifference {
    /// Dotted path, e.g. `config.learning_rate`, `config.split.train`, `recipe.steps[2].kind`.
    pub field: String,
    pub values: Vec<Option<String>>,
}

/// Two or more runs side by side: curves to overlay and the settings that differ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunComparison {
    pub runs: Vec<RunDetail>,
    pub differences: Vec<ConfigDifference>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_fill_missing_fields() {
        let config: TrainConfig = serde_json::from_str(r#"{"target":"fault","epochs":3}"#).unwrap_or_default();
        assert_eq!(config.target, "fault");
        assert_eq!(config.epochs, 3);
        assert_eq!(config.batch_size, 32);
        assert_eq!(config.bins, 32);
        assert_eq!(config.mode, SequenceMode::Row);
    }

    #[test]
    fn updates_round_trip_as_tagged_json() {
        let update = TrainUpdate::Batch(BatchMetrics { epoch: 1, batch: 2, batches: 10, loss: 0.5, accuracy: 0.75 });
        let json = serde_json::to_string(&update).unwrap_or_default();
        assert!(json.contains(r#""kind":"batch""#), "{json}");
        let back: Option<TrainUpdate> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(update));
        let window = serde_json::to_string(&SequenceMode::Window { window: 16, stride: 4 }).unwrap_or_default();
        assert_eq!(window, r#"{"mode":"window","window":16,"stride":4}"#);
    }
}
