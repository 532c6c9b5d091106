//! Evaluation, model bundles and prediction: what the Evaluate and Predict panes show, what
//! `plantlab eval` / `plantlab predict` print, and what the HTML report is made of.
//!
//! The "risk" of a sample is the model's probability that it is not normal: for a binary
//! target the probability of the positive (fault) class, for a multi-class target one minus
//! the probability of the most frequent training class.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::train::{ClassMetrics, ModelKind};
use crate::MessageArg;

/// How alarm samples become alarm events, and how alarm events are matched with fault
/// episodes.
///
/// Samples at or above the threshold are *alarm samples*. They merge into *alarm events*:
/// an event starts at a sample at or above the threshold and ends only when the risk falls
/// below the clear level (`threshold × clear_ratio`, hysteresis); events closer than the dead
/// time merge into one; events shorter than the minimum duration are dropped (unless the data
/// ends during them). Durations count sampling intervals: with timestamps one interval is the
/// median spacing of the samples, so 30 intervals of 1-minute data are 30 minutes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventOptions {
    /// With timestamps: an alarm up to this many seconds before an episode's onset counts as
    /// warning of it (and is not a false alarm).
    #[serde(with = "crate::float")]
    pub lookback_s: f64,
    /// Without timestamps: the same, in samples.
    pub lookback_samples: u32,
    /// An alarm event ends when the risk falls below `threshold × clear_ratio` (0..=1; 1 =
    /// no hysteresis).
    #[serde(with = "crate::float")]
    pub clear_ratio: f64,
    /// Alarm events shorter than this many sampling intervals are dropped (0 or 1 keeps all).
    pub min_duration_samples: u32,
    /// Alarm events whose gap is at most this many sampling intervals merge into one.
    pub dead_time_samples: u32,
}

/// Default clear level: 80 % of the threshold.
pub const DEFAULT_CLEAR_RATIO: f64 = 0.8;
/// Default minimum alarm duration: 3 sampling intervals (3 min of 1-minute data).
pub const DEFAULT_MIN_DURATION_SAMPLES: u32 = 3;
/// Default dead time: 30 sampling intervals (30 min of 1-minute data).
pub const DEFAULT_DEAD_TIME_SAMPLES: u32 = 30;
/// A test split with fewer fault episodes than this is thin evidence for event figures.
pub const THIN_EVIDENCE_EPISODES: usize = 3;

impl Default for EventOptions {
    fn default() -> Self {
        Self {
            lookback_s: 6.0 * 3600.0,
            lookback_samples: 0,
            clear_ratio: DEFAULT_CLEAR_RATIO,
            min_duration_samples: DEFAULT_MIN_DURATION_SAMPLES,
            dead_time_samples: DEFAULT_DEAD_TIME_SAMPLES,
        }
    }
}

impl EventOptions {
    /// Only the raw runs of alarm samples: no hysteresis, no minimum, no merging.
    pub fn raw_samples(self) -> Self {
        Self { clear_ratio: 1.0, min_duration_samples: 1, dead_time_samples: 0, ..self }
    }

    /// The clear level at `threshold`.
    pub fn clear_level(&self, threshold: f64) -> f64 {
        let ratio = if self.clear_ratio.is_finite() { self.clear_ratio.clamp(0.0, 1.0) } else { 1.0 };
        threshold * ratio
    }

    /// Which setting cannot be used (`None` when they all can); the engine words it.
    pub fn problem(&self) -> Option<EventOptionsProblem> {
        if !self.clear_ratio.is_finite() || !(0.0..=1.0).contains(&self.clear_ratio) {
            return Some(EventOptionsProblem::ClearRatio(self.clear_ratio));
        }
        if !self.lookback_s.is_finite() || self.lookback_s < 0.0 {
            return Some(EventOptionsProblem::Lookback(self.lookback_s));
        }
        None
    }
}

/// An alarm setting of [`EventOptions`] that cannot be used, with the value given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EventOptionsProblem {
    /// The clear ratio is not a number between 0 and 1.
    ClearRatio(f64),
    /// The look-back is not a number of seconds of at least 0.
    Lookback(f64),
}

/// One labelled fault episode: a run of consecutive fault-labelled samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultEpisode {
    /// 1-based, in time order.
    pub index: u32,
    /// Row numbers (0-based, in the evaluated data) of the first and last fault sample.
    pub start_row: u64,
    pub end_row: u64,
    /// Epoch milliseconds (UTC) when the data has timestamps.
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// An alarm fell inside the episode or inside the look-back before it.
    pub detected: bool,
    pub first_alarm_row: Option<u64>,
    pub first_alarm_ms: Option<i64>,
    /// Onset minus the first alarm: positive = warned ahead, 0 = at the onset, negative =
    /// only during the episode. Seconds with timestamps, samples without.
    #[serde(with = "crate::float", default)]
    pub lead_time: Option<f64>,
}

/// Event-level scoring of a risk series against labelled fault episodes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventScore {
    /// Whether times (lead times, days) are real time; otherwise they count samples.
    pub has_timestamps: bool,
    pub episodes: Vec<FaultEpisode>,
    pub detected: u32,
    pub missed: u32,
    /// Median lead time of the detected episodes (seconds, or samples without timestamps).
    #[serde(with = "crate::float", default)]
    pub median_lead_time: Option<f64>,
    /// False-alarm EVENTS: alarm events (see [`EventOptions`]) that start outside every
    /// episode and its look-back. (Samples are counted in the threshold table.)
    pub false_alarms: u32,
    /// Samples of normal operation (outside every episode and its look-back).
    pub normal_samples: u64,
    /// Time span of normal operation in days (with timestamps).
    #[serde(with = "crate::float", default)]
    pub normal_days: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub false_alarms_per_day: Option<f64>,
    #[serde(with = "crate::float")]
    pub false_alarms_per_1000_samples: f64,
}

/// Confusion counts of the binary decision `risk >= threshold`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ThresholdPoint {
    #[serde(with = "crate::float")]
    pub threshold: f64,
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

impl ThresholdPoint {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }
    /// Total cost of the misses and false alarms at this threshold.
    pub fn cost(&self, cost_miss: f64, cost_false_alarm: f64) -> f64 {
        cost_miss * self.fn_ as f64 + cost_false_alarm * self.fp as f64
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// The point of `table` (ascending thresholds) that applies at `threshold`: the last one
/// whose threshold is at or below it (the decisions are the same up to the next point).
pub fn point_at(table: &[ThresholdPoint], threshold: f64) -> Option<ThresholdPoint> {
    let at = table.partition_point(|p| p.threshold <= threshold);
    table.get(at.saturating_sub(1)).copied()
}

/// The threshold of `table` with the lowest total cost; ties go to the higher threshold
/// (fewer alarms).
pub fn cost_optimal(table: &[ThresholdPoint], cost_miss: f64, cost_false_alarm: f64) -> Option<ThresholdPoint> {
    table.iter().copied().fold(None, |best, p| match best {
        Some(b) if b.cost(cost_miss, cost_false_alarm) < p.cost(cost_miss, cost_false_alarm) => Some(b),
        _ => Some(p),
    })
}

/// How much a tag moves the risk: the change when its input is replaced by "missing"
/// (occlusion), in risk units (0..1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagContribution {
    pub tag: String,
    /// Mean of |risk − risk without the tag|.
    #[serde(with = "crate::float")]
    pub mean_abs: f64,
    /// Mean of (risk − risk without the tag): positive = the tag pushes towards a fault.
    #[serde(with = "crate::float")]
    pub mean_signed: f64,
}

/// A risk series for plotting, reduced to at most a few thousand points (each point keeps
/// the largest risk of the samples it stands for, so no alarm disappears).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskTimeline {
    /// Epoch milliseconds when `has_timestamps`, otherwise row numbers.
    #[serde(with = "crate::float")]
    pub x: Vec<f64>,
    pub has_timestamps: bool,
    #[serde(with = "crate::float")]
    pub risk: Vec<f32>,
    /// Whether a fault label is set at the point (empty for unlabelled data).
    pub fault: Vec<bool>,
}

/// The Evaluate pane's content, and `plantlab eval --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// What was evaluated, e.g. "test split of run 20261128-101500-seed" or a file path.
    pub source: String,
    pub run_id: Option<String>,
    pub classes: Vec<String>,
    /// The class whose probability is the risk for binary targets.
    pub positive_class: Option<usize>,
    pub samples: u64,
    /// The decision threshold the metrics, events and alarms use.
    #[serde(with = "crate::float")]
    pub threshold: f64,
    /// Accuracy of always predicting the most frequent training class.
    #[serde(with = "crate::float")]
    pub majority_accuracy: f64,
    /// The model: binary targets at `threshold`, multi-class by the most probable class.
    pub test: ClassMetrics,
    /// Always predicting the most frequent training class.
    pub baseline: ClassMetrics,
    /// Gradient-boosted trees trained on the same split and features, on the same test
    /// samples (at their most likely class, not at `threshold`); `None` for a bundle or a
    /// run from before trees baselines.
    #[serde(default)]
    pub baseline_trees: Option<ClassMetrics>,
    /// (false positive rate, true positive rate), from (0,0) to (1,1).
    #[serde(with = "crate::float")]
    pub roc: Vec<[f64; 2]>,
    /// (recall, interpolated precision: the best precision at that recall or more).
    #[serde(with = "crate::float")]
    pub pr: Vec<[f64; 2]>,
    /// Confusion counts over the risk's range, ascending thresholds (at most a few hundred).
    pub thresholds: Vec<ThresholdPoint>,
    /// `None` when the data has no fault episodes to score against.
    pub events: Option<EventScore>,
    pub event_options: EventOptions,
    /// Tags by how much they move the risk, largest first (averaged over the samples).
    pub contributions: Vec<TagContribution>,
    pub timeline: RiskTimeline,
}

/// The English `source` of a run's own test split ("test split of run …"), which the edges
/// word in the user's language (see [`Evaluation::test_split_run`]).
pub fn test_split_source(run_id: &str) -> String {
    format!("test split of run {run_id}")
}

impl Evaluation {
    /// The run whose own test split this evaluation scored; `None` for data from a file.
    pub fn test_split_run(&self) -> Option<&str> {
        self.run_id.as_deref().filter(|run| self.source == test_split_source(run))
    }

    /// Fault episodes scored, when fewer than [`THIN_EVIDENCE_EPISODES`]: event figures
    /// (detections, lead times, false-alarm events per day) on so few are thin evidence.
    pub fn thin_evidence(&self) -> Option<usize> {
        let episodes = self.events.as_ref().map_or(0, |e| e.episodes.len());
        (self.positive_class.is_some() && episodes < THIN_EVIDENCE_EPISODES).then_some(episodes)
    }

    /// Samples at or above the threshold that are labelled normal (false-alarm SAMPLES) and
    /// all alarm samples, from the threshold table (binary targets only).
    pub fn alarm_samples(&self) -> Option<(u64, u64)> {
        point_at(&self.thresholds, self.threshold).map(|p| (p.fp, p.tp + p.fp))
    }
}

/// What the Evaluate pane asks for: a run's test split at a threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvaluateRequest {
    pub run_id: String,
    /// `None`: the bundle's / run's default (0.5 unless chosen otherwise).
    #[serde(with = "crate::float", default)]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub events: EventOptions,
}

/// Why the model may not be trusted on some input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputWarningKind {
    /// A tag the model was trained on is absent from the file.
    MissingTag,
    /// Values below the smallest or above the largest seen in training.
    OutOfTrainingRange,
    /// Text levels the model never saw in training.
    UnseenCategory,
    /// Far more missing values than in training.
    MostlyMissing,
}

impl InputWarningKind {
    /// The stable snake_case code, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            InputWarningKind::MissingTag => "missing_tag",
            InputWarningKind::OutOfTrainingRange => "out_of_training_range",
            InputWarningKind::UnseenCategory => "unseen_category",
            InputWarningKind::MostlyMissing => "mostly_missing",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputWarning {
    pub kind: InputWarningKind,
    pub tag: String,
    /// Samples affected.
    pub count: u64,
    /// In words, with what to do, in English: for scripts and older readers. The Predict pane,
    /// the command line and the report word a warning from its code
    /// ([`InputWarning::message_key`]) and `args` instead, in the user's language.
    pub message: String,
    /// Up to 5 row numbers.
    pub example_rows: Vec<u64>,
    /// Which sentence of its kind the warning is (`""` for the kind's usual one). Stable, snake_case.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// The values the sentence names, by the catalogue's argument names (`tag`, `count`…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, MessageArg>,
}

impl InputWarning {
    /// The catalogue key of the warning's sentence: `input-warning-<kind>` or
    /// `input-warning-<kind>-<variant>`, kebab case.
    pub fn message_key(&self) -> String {
        crate::message_key("input-warning", self.kind.as_str(), &self.variant)
    }
}

/// One coded sentence of an alarm's explanation: the catalogue message `alarm-<code>` (kebab
/// case) with its arguments. A [`MessageArg::Phrase`] among them names the message
/// `alarm-<code>` too (a part of the sentence, such as its trend).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmSentence {
    pub code: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, MessageArg>,
}

impl AlarmSentence {
    /// A sentence from its code and arguments.
    pub fn new<const N: usize>(code: &str, args: [(&str, MessageArg); N]) -> AlarmSentence {
        AlarmSentence { code: code.to_owned(), args: crate::message_args(args) }
    }

    /// The catalogue key: `alarm-<code>`, kebab case.
    pub fn message_key(&self) -> String {
        crate::message_key("alarm", &self.code, "")
    }
}

/// An alarm EVENT: alarm samples merged with hysteresis, minimum duration and dead time
/// (see [`EventOptions`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// 1-based, in time order.
    pub index: u32,
    pub start_row: u64,
    pub end_row: u64,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    #[serde(with = "crate::float")]
    pub peak_risk: f64,
    pub peak_row: u64,
    /// The tags that moved the risk most over the event (contributions averaged over its
    /// alarm samples), largest first; never empty when the model has features.
    pub top_tags: Vec<TagContribution>,
    /// A short plain-language explanation built from the top tags and their recent
    /// behaviour, e.g. "TI-101 bearing temperature 18 °C above its training median …", in
    /// English: for scripts and older readers. The Predict pane, the command line and the
    /// report word the explanation from `explanation_sentences` instead, in the user's language.
    pub explanation: String,
    /// The explanation's sentences as codes and arguments (empty from an older engine).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanation_sentences: Vec<AlarmSentence>,
}

/// What a bundle holds, in brief (shown before and after predicting).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleInfo {
    pub path: String,
    pub format_version: u32,
    pub run_id: String,
    /// When the model was trained, `YYYY-MM-DD HH:MM:SS` UTC.
    pub created: String,
    pub model: ModelKind,
    pub target: String,
    pub classes: Vec<String>,
    pub features: Vec<String>,
    /// Cleaning steps replayed before predicting.
    pub recipe_steps: u32,
    #[serde(with = "crate::float")]
    pub threshold: f64,
    pub test: Option<ClassMetrics>,
    /// How alarm samples merge into alarm events unless a prediction says otherwise.
    #[serde(default)]
    pub event_options: EventOptions,
    /// First and last time (epoch ms) of the training split, when it had a time axis.
    #[serde(default)]
    pub training_period_ms: Option<(i64, i64)>,
}

/// What the Predict pane starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictRequest {
    /// The new export.
    pub path: String,
    /// The model bundle file.
    pub bundle: String,
    /// `None`: the bundle's threshold.
    #[serde(with = "crate::float", default)]
    pub threshold: Option<f64>,
    /// How alarm samples merge into alarm events; `None`: the bundle's settings.
    #[serde(default)]
    pub events: Option<EventOptions>,
}

/// The predicted data lies (partly) inside the period the model was trained on: its risk
/// there is not a fair test of the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingOverlap {
    /// Predicted samples inside the training split's time range.
    pub samples: u64,
    /// The training split's first and last time, epoch milliseconds (UTC).
    pub train_start_ms: i64,
    pub train_end_ms: i64,
}

/// The Predict pane's content (the per-sample predictions stay in the engine; export them
/// as CSV).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictionResult {
    pub bundle: BundleInfo,
    pub file: String,
    /// Rows after the recipe replayed; samples = rows that got a prediction.
    pub rows: u64,
    pub samples: u64,
    #[serde(with = "crate::float")]
    pub threshold: f64,
    pub timeline: RiskTimeline,
    /// The first alarm events (at most 1,000), each explained; the CSV has every sample.
    pub alarms: Vec<Alarm>,
    /// Alarm EVENTS in all, listed or not.
    #[serde(default)]
    pub alarm_count: u64,
    /// Alarm SAMPLES: samples at or above the threshold.
    #[serde(default)]
    pub alarm_samples: u64,
    /// The settings that merged the alarm samples into events.
    #[serde(default)]
    pub event_options: EventOptions,
    /// Set when the predicted data overlaps the training split's time range.
    #[serde(default)]
    pub training_overlap: Option<TrainingOverlap>,
    pub warnings: Vec<InputWarning>,
    /// When the file has the target column: the same figures as `plantlab eval`.
    pub evaluation: Option<Evaluation>,
    #[serde(with = "crate::float")]
    pub seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<ThresholdPoint> {
        vec![
            ThresholdPoint { threshold: 0.1, tp: 10, fp: 50, tn: 40, fn_: 0 },
            ThresholdPoint { threshold: 0.5, tp: 8, fp: 5, tn: 85, fn_: 2 },
            ThresholdPoint { threshold: 0.9, tp: 2, fp: 0, tn: 90, fn_: 8 },
        ]
    }

    #[test]
    fn threshold_lookup_takes_the_point_at_or_below() {
        let t = table();
        assert_eq!(point_at(&t, 0.6).map(|p| p.tp), Some(8));
        assert_eq!(point_at(&t, 0.5).map(|p| p.tp), Some(8));
        assert_eq!(point_at(&t, 0.05).map(|p| p.tp), Some(10));
        assert_eq!(point_at(&[], 0.5), None);
    }

    #[test]
    fn cost_optimum_follows_the_costs() {
        let t = table();
        // A miss costs as much as 10 false alarms → 0.5 (2·10 + 5 = 25) beats 0.1 (50) and 0.9 (80).
        assert_eq!(cost_optimal(&t, 10.0, 1.0).map(|p| p.threshold), Some(0.5));
        // False alarms expensive → the highest threshold.
        assert_eq!(cost_optimal(&t, 1.0, 100.0).map(|p| p.threshold), Some(0.9));
        let json = serde_json::to_string(&t[0]).unwrap_or_default();
        assert!(json.contains(r#""fn":0"#), "{json}");
    }
}
