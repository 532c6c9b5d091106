//! Models of normal operation: trained without fault labels on rows the user marks as normal,
//! they raise an alarm when the plant behaves unlike them. What the normal-operation pane sends
//! and shows, and what a normal run keeps on disk.
//!
//! Two detectors are offered: the linear next-step predictor (recommended: on the Tennessee
//! Eastman benchmark it detects the most faults) and the process language model. PCA T²/Q is
//! always fitted on the same rows and reported beside either, as the textbook baseline.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::evaluate::{AlarmSentence, InputWarning};
use crate::train::RunStatus;
use crate::MessageArg;

/// Which model of normal operation to train.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormalDetector {
    /// Ridge regression from one step's tags to the next's; the score is the Mahalanobis
    /// distance of the prediction error. Recommended.
    #[default]
    LinearPredictor,
    /// A causal transformer over per-tag quantile-bin tokens; the score is its surprise.
    ProcessLm,
}

impl NormalDetector {
    pub const ALL: [NormalDetector; 2] = [NormalDetector::LinearPredictor, NormalDetector::ProcessLm];

    /// Short id, used in run ids and by the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            NormalDetector::LinearPredictor => "linear-predictor",
            NormalDetector::ProcessLm => "process-lm",
        }
    }

    /// The stable code of its name's catalogue message (`detector-<code>`, kebab case), as
    /// [`DetectorScore::code`] gives it.
    pub fn code(self) -> &'static str {
        match self {
            NormalDetector::LinearPredictor => "linear_predictor",
            NormalDetector::ProcessLm => "process_lm",
        }
    }

    /// The name in English, for scripts; the edges word it from [`NormalDetector::code`].
    pub fn label(self) -> &'static str {
        match self {
            NormalDetector::LinearPredictor => "Linear next-step predictor (recommended)",
            NormalDetector::ProcessLm => "Process language model",
        }
    }
}

/// Which rows show the plant running normally (the only rows the model learns from).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum NormalPeriod {
    /// Every row.
    #[default]
    All,
    /// Rows whose `column` equals `value` (numbers compared as numbers), e.g. `label` = `0`.
    /// The column itself is never a tag of the model.
    LabelEquals { column: String, value: String },
    /// Rows from `from` to `to`, inclusive: row numbers, or times in the timestamp column's
    /// ISO text order (`2024-03-01` or `2024-03-01 06:00`; a date as `to` includes that day).
    Between { from: String, to: String },
}

/// The unit of the target false-alarm rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FalseAlarmUnit {
    /// Alarm samples per day of normal operation (needs a time axis).
    PerDay,
    /// Alarm samples per 1,000 normal samples (works without timestamps).
    #[default]
    PerThousandSamples,
}

/// Everything that decides a normal-operation run. Missing fields take the defaults, which
/// reproduce the benchmark figures (window 10, no smoothing, 1 % of held-out normal samples
/// above the threshold).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NormalTrainRequest {
    pub detector: NormalDetector,
    pub normal: NormalPeriod,
    /// Columns never used as tags (identifiers, set points that are not measurements).
    pub exclude: Vec<String>,
    /// A column of fault labels (anything but 0 or empty is a fault): never a tag; when set,
    /// the finished run is evaluated on the whole data set against it.
    pub fault_label: Option<String>,
    /// Steps of context the language model sees (the linear predictor always uses one step).
    pub window: u32,
    /// Quantile bins per tag for the language model's tokens.
    pub bins: u32,
    /// Steps the score is averaged over (causal); 1 = none.
    pub smoothing: u32,
    /// How many alarm samples normal operation may raise, in `false_alarm_unit`: the
    /// threshold is calibrated on held-out normal rows for this rate.
    #[serde(with = "crate::float")]
    pub target_false_alarms: f64,
    pub false_alarm_unit: FalseAlarmUnit,
    /// Same seed, same data, same machine → same model.
    pub seed: u64,
    /// Most epochs of the language model; early stopping may end it sooner.
    pub epochs: u32,
    /// Epochs without a better validation loss before the language model stops.
    pub patience: u32,
}

impl Default for NormalTrainRequest {
    fn default() -> Self {
        Self {
            detector: NormalDetector::LinearPredictor,
            normal: NormalPeriod::All,
            exclude: Vec::new(),
            fault_label: None,
            window: 10,
            bins: 16,
            smoothing: 1,
            target_false_alarms: 10.0,
            false_alarm_unit: FalseAlarmUnit::PerThousandSamples,
            seed: 1,
            epochs: 60,
            patience: 6,
        }
    }
}

/// One epoch of the language model (streamed as `TrainUpdate::NormalEpoch`, and a line of
/// the run's `metrics.jsonl`). Losses are mean cross-entropy per tag token, in nats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalEpochMetrics {
    /// 1-based.
    pub epoch: u32,
    #[serde(with = "crate::float")]
    pub train_loss: f64,
    #[serde(with = "crate::float")]
    pub validation_loss: f64,
    /// exp(validation loss): how many bins per tag the model still hesitates between.
    #[serde(with = "crate::float")]
    pub validation_perplexity: f64,
    /// True when this epoch has the lowest validation loss so far (its weights are kept).
    pub best: bool,
    #[serde(with = "crate::float")]
    pub seconds: f64,
}

/// The end of a normal-operation run (`normal_summary.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalRunSummary {
    pub run_id: String,
    pub run_dir: String,
    pub status: RunStatus,
    /// Why it stopped, in English: for scripts and older readers. The panes, the command line
    /// and the report word it from `message_code` and `message_args`
    /// ([`NormalRunSummary::message_key`]) instead.
    pub message: String,
    /// Which stop sentence `message` is (`normal_linear_fitted`, `normal_lm_trained`); empty
    /// from an older engine.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_code: String,
    /// The values the stop sentence names, by the catalogue's argument names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub message_args: BTreeMap<String, MessageArg>,
    pub detector: NormalDetector,
    /// The tags the models score, in order.
    pub tags: Vec<String>,
    /// Rows marked normal; of them, rows fitted on and rows held out to calibrate.
    pub normal_rows: u64,
    pub fit_rows: u64,
    pub calibration_rows: u64,
    /// The detector's alarm threshold on its (smoothed) score.
    #[serde(with = "crate::float")]
    pub threshold: f64,
    /// The target as a share of normal samples (what the threshold was calibrated for).
    #[serde(with = "crate::float")]
    pub target_false_alarm_rate: f64,
    /// The language model's epochs (0 for the linear predictor).
    pub epochs_run: u32,
    pub best_epoch: u32,
    #[serde(with = "crate::float", default)]
    pub validation_loss: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub validation_perplexity: Option<f64>,
    /// The model bundle in the run directory (open it to predict).
    pub bundle: String,
    /// When the request named a fault label: the run evaluated on the data it trained on.
    pub evaluation: Option<Box<NormalEvaluation>>,
    /// Median spacing of the timestamps, when the data has a time axis.
    #[serde(with = "crate::float", default)]
    pub sampling_interval_s: Option<f64>,
    #[serde(with = "crate::float")]
    pub seconds: f64,
}

impl NormalRunSummary {
    /// The catalogue key of the stop sentence: `stop-<code>` (`stop-normal-lm-trained`).
    pub fn message_key(&self) -> String {
        crate::message_key("stop", &self.message_code, "")
    }
}

/// One labelled fault episode (consecutive fault samples) as one detector saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalEpisode {
    /// 1-based, in time order.
    pub index: u32,
    /// First and last fault row (0-based).
    pub start_row: u64,
    pub end_row: u64,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// An alarm sample fell inside the episode.
    pub detected: bool,
    pub first_alarm_row: Option<u64>,
    /// From the onset to the first alarm inside the episode, in samples.
    pub delay_samples: Option<u64>,
    /// The same in seconds, with timestamps.
    #[serde(with = "crate::float", default)]
    pub delay_s: Option<f64>,
}

/// Detection figures of one detector; the same keys for the model and for the PCA baselines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectorScore {
    /// Who scored, in English: "linear next-step predictor", "PCA T²", …; the edges word the
    /// name from `code` instead.
    pub name: String,
    /// Which detector scored (`linear_predictor`, `process_lm`, `pca_t2`, `pca_q`,
    /// `pca_combined`): its name's catalogue key is `detector-<code>`. Empty from an older engine.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    #[serde(with = "crate::float")]
    pub threshold: f64,
    #[serde(with = "crate::float", default)]
    pub roc_auc: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub pr_auc: Option<f64>,
    /// Share of normal samples above the threshold.
    #[serde(with = "crate::float", default)]
    pub false_alarm_rate: Option<f64>,
    /// Share of fault samples above the threshold.
    #[serde(with = "crate::float", default)]
    pub detection_rate: Option<f64>,
    /// False-alarm events (runs of alarm samples starting outside every episode).
    pub false_alarms: u64,
    /// False-alarm events per day of normal operation (with timestamps).
    #[serde(with = "crate::float", default)]
    pub false_alarms_per_day: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub false_alarms_per_1000_samples: Option<f64>,
    pub normal_samples: u64,
    pub fault_samples: u64,
    pub episodes: Vec<NormalEpisode>,
}

/// A normal-operation model scored against fault labels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalEvaluation {
    /// What was evaluated: "run … on its training data" (in English) or a file path.
    pub source: String,
    /// Set when `source` is a sentence rather than a path (`training_data`): the edges word
    /// it from the key `evaluated-<code>` and `source_args`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source_code: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_args: BTreeMap<String, MessageArg>,
    pub run_id: Option<String>,
    /// The fault label column.
    pub label: String,
    pub samples: u64,
    pub has_timestamps: bool,
    /// The trained detector.
    pub model: DetectorScore,
    /// PCA Hotelling T² at its theoretical 99 % limit.
    pub pca_t2: DetectorScore,
    /// PCA Q (squared prediction error) at its theoretical 99 % limit.
    pub pca_q: DetectorScore,
    /// The other detectors fitted on the same rows: PCA's combined index max(T²/limit,
    /// Q/limit) at 1, and the linear predictor when the model is the language model.
    #[serde(default)]
    pub others: Vec<DetectorScore>,
    /// The model's score over the evaluated samples with its threshold, PCA's index and the
    /// top tags' surprise, for the Evaluate pane's timeline (`None`: not computed).
    #[serde(default)]
    pub timeline: Option<NormalTimeline>,
}

/// What the normal-operation pane asks to evaluate: a run's model on the open data set (when
/// `path` is `None`) or on a file, against a fault label column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalEvaluateRequest {
    pub run_id: String,
    pub path: Option<String>,
    pub label: String,
}

/// What the normal-operation pane asks to predict: a bundle on a new export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalPredictRequest {
    /// The new export.
    pub path: String,
    /// The normal-model bundle file (`normal_model.json`).
    pub bundle: String,
}

/// What a normal-model bundle holds, in brief.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalBundleInfo {
    pub path: String,
    pub format_version: u32,
    pub detector: NormalDetector,
    pub tags: Vec<String>,
    pub normal_rows: u64,
    #[serde(with = "crate::float")]
    pub threshold: f64,
    /// Steps of history the detector needs before it scores a step.
    pub window: u32,
    pub smoothing: u32,
}

/// One tag's part in an alarm: what normal operation expected and what was seen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagSurprise {
    pub tag: String,
    /// The tag's part of the score at the alarm's peak.
    #[serde(with = "crate::float")]
    pub surprise: f64,
    /// The range normal operation expected at the peak (the prediction ± 2 error standard
    /// deviations, or the most likely bin of the language model).
    #[serde(with = "crate::float")]
    pub expected_low: f64,
    #[serde(with = "crate::float")]
    pub expected_high: f64,
    #[serde(with = "crate::float")]
    pub observed: f64,
    /// How long the tag has moved the same way up to the peak: positive rising, negative
    /// falling (seconds with timestamps, samples without); `None` when it does not trend.
    #[serde(with = "crate::float", default)]
    pub trend: Option<f64>,
    /// "TAG: expected a–b, saw c, rising for N min", in English: for scripts and older
    /// readers. The edges word it from `explanation_sentence` instead.
    pub explanation: String,
    /// The explanation as a coded sentence (`alarm-surprise-tag` and its phrases); `None`
    /// from an older engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation_sentence: Option<AlarmSentence>,
}

/// An alarm event: consecutive samples above the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalAlarm {
    /// 1-based, in time order.
    pub index: u32,
    pub start_row: u64,
    pub end_row: u64,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    #[serde(with = "crate::float")]
    pub peak_score: f64,
    pub peak_row: u64,
    /// The most surprising tags at the peak, largest first.
    pub top_tags: Vec<TagSurprise>,
}

/// One tag's part of the score per sample (for the tags that raise the alarms most).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagScoreSeries {
    pub tag: String,
    #[serde(with = "crate::float")]
    pub surprise: Vec<f64>,
}

/// The score of every sample of a prediction (NaN where the detector still lacks history).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NormalTimeline {
    /// Epoch milliseconds when `has_timestamps`, otherwise row numbers.
    #[serde(with = "crate::float")]
    pub x: Vec<f64>,
    pub has_timestamps: bool,
    #[serde(with = "crate::float")]
    pub score: Vec<f64>,
    /// Score above the threshold.
    pub alarm: Vec<bool>,
    /// PCA's combined index max(T²/limit, Q/limit) (alarms above 1), the baseline.
    #[serde(with = "crate::float")]
    pub pca: Vec<f64>,
    /// Per-sample surprise of the top tags.
    pub top_tags: Vec<TagScoreSeries>,
}

/// A normal-model bundle applied to a new export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormalPrediction {
    pub bundle: NormalBundleInfo,
    pub file: String,
    pub rows: u64,
    /// Rows that got a score.
    pub samples: u64,
    #[serde(with = "crate::float")]
    pub threshold: f64,
    pub timeline: NormalTimeline,
    /// The first alarm events (at most 1,000), each explained.
    pub alarms: Vec<NormalAlarm>,
    /// Alarm events in all, listed or not.
    pub alarm_count: u64,
    /// Samples above the threshold.
    pub alarm_samples: u64,
    /// What may make the scores untrustworthy (values outside the normal range, …).
    pub warnings: Vec<InputWarning>,
    #[serde(with = "crate::float")]
    pub seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_few_fields_takes_the_recommended_defaults() {
        let request: NormalTrainRequest =
            serde_json::from_str(r#"{"normal":{"kind":"label_equals","column":"fault","value":"0"}}"#).unwrap_or_default();
        assert_eq!(request.detector, NormalDetector::LinearPredictor);
        assert_eq!(request.normal, NormalPeriod::LabelEquals { column: "fault".into(), value: "0".into() });
        assert_eq!((request.window, request.smoothing, request.target_false_alarms), (10, 1, 10.0));
        assert_eq!(serde_json::to_string(&NormalDetector::ProcessLm).unwrap_or_default(), r#""process_lm""#);
    }
}
