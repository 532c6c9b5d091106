//! Evaluation of a trained model: metrics at a decision threshold next to the majority
//! baseline, ROC and PR curves, a threshold table for live what-if, event-level scoring, the
//! contributing tags, and a risk timeline. Also model bundles and prediction on new exports.

pub mod bundle;
pub mod events;
pub mod explain;
pub mod predict;

use std::path::Path;

use plantlab_protocol::{
    ClassMetrics, EvaluateRequest, Evaluation, EventOptions, EventOptionsProblem, RiskTimeline, TagContribution, ThresholdPoint,
};
use polars::prelude::{DataFrame, DataType, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::error::{Detail, EngineError, Result};
use crate::train::metrics;

/// Thresholds kept in the table the Evaluate pane scrubs through.
const TABLE_POINTS: usize = 256;
/// Points of a risk timeline sent to the UI.
const TIMELINE_POINTS: usize = 4000;
/// The decision threshold when nobody chose one.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// Model outputs on samples in time order: what a run keeps of its test split
/// (`test_scores.json`) and what prediction on a labelled file produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub classes: Vec<String>,
    /// For binary targets, the class whose probability is the risk.
    pub positive_class: Option<usize>,
    /// The most frequent training class: the baseline's answer, and "normal" for the
    /// risk of a multi-class target.
    pub majority_class: usize,
    /// Row (in the evaluated frame) of each sample's last row.
    pub rows: Vec<u64>,
    /// Epoch milliseconds of those rows, when the data has a complete, sorted time axis.
    pub times_ms: Option<Vec<i64>>,
    pub labels: Vec<Option<u32>>,
    /// Class probabilities, `[samples, classes]`.
    pub probs: Vec<f32>,
    /// First and last time (epoch ms) of the rows the model was trained on, when the
    /// training data had a time axis: prediction warns when new data overlaps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_period_ms: Option<(i64, i64)>,
}

/// The time range of the rows the training samples cover (a window sample ending at row `e`
/// covers rows `e - window + 1 ..= e`).
pub fn training_period(times_ms: &[i64], train_ends: &[usize], window: usize) -> Option<(i64, i64)> {
    let first = train_ends.iter().min()?.saturating_sub(window.saturating_sub(1));
    let last = *train_ends.iter().max()?;
    Some((*times_ms.get(first)?, *times_ms.get(last)?))
}

impl Scored {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The risk of each sample (see [`risk_of`]).
    pub fn risk(&self) -> Vec<f64> {
        let classes = self.classes.len().max(1);
        self.probs.chunks(classes).map(|row| risk_of(row, self.positive_class, self.majority_class)).collect()
    }

    /// The risk over time (or rows) reduced for plotting; `fault` may be empty (unlabelled).
    pub fn timeline(&self, risk: &[f64], fault: &[bool]) -> RiskTimeline {
        let x: Vec<f64> = match &self.times_ms {
            Some(t) => t.iter().map(|v| *v as f64).collect(),
            None => self.rows.iter().map(|r| *r as f64).collect(),
        };
        reduce_timeline(&x, self.times_ms.is_some(), risk, fault, TIMELINE_POINTS)
    }

    /// Whether each sample's label is a fault (`None` where unlabelled).
    pub fn faults(&self) -> Vec<Option<bool>> {
        self.labels.iter().map(|l| l.map(|l| is_fault(l as usize, self.positive_class, self.majority_class))).collect()
    }
}

/// Probability of "not normal": the positive class for binary targets, one minus the
/// majority class otherwise.
pub fn risk_of(probs: &[f32], positive: Option<usize>, majority: usize) -> f64 {
    match positive {
        Some(p) => probs.get(p).map_or(0.0, |v| f64::from(*v)),
        None => 1.0 - probs.get(majority).map_or(0.0, |v| f64::from(*v)),
    }
}

pub fn is_fault(class: usize, positive: Option<usize>, majority: usize) -> bool {
    match positive {
        Some(p) => class == p,
        None => class != majority,
    }
}

/// Everything besides the scores that goes into an [`Evaluation`].
pub struct EvaluationInput<'a> {
    pub source: String,
    pub run_id: Option<String>,
    pub threshold: f64,
    pub events: EventOptions,
    pub contributions: Vec<TagContribution>,
    pub scored: &'a Scored,
}

/// Refuses alarm settings that cannot be used, saying which and why.
pub(crate) fn check_event_options(events: &EventOptions) -> Result<()> {
    let detail = match events.problem() {
        None => return Ok(()),
        Some(EventOptionsProblem::ClearRatio(value)) => Detail::coded("alarm_clear_ratio", [("value", value.to_string().into())]),
        Some(EventOptionsProblem::Lookback(value)) => Detail::coded("alarm_lookback", [("value", value.to_string().into())]),
    };
    Err(EngineError::BadTrainConfig(detail))
}

pub fn evaluate(input: EvaluationInput<'_>) -> Result<Evaluation> {
    let scored = input.scored;
    let classes = scored.classes.len();
    if classes < 2 || scored.probs.len() != scored.len() * classes {
        return Err(EngineError::Internal("the saved scores do not match their classes".into()));
    }
    let threshold = input.threshold;
    if !threshold.is_finite() || !(0.0..=1.0).contains(&threshold) {
        return Err(EngineError::BadTrainConfig(Detail::coded("threshold_range", [("value", threshold.to_string().into())])));
    }
    check_event_options(&input.events)?;
    let risk = scored.risk();
    let faults = scored.faults();
    // Metrics use the labelled samples only.
    let labelled: Vec<usize> = (0..scored.len()).filter(|&i| scored.labels[i].is_some()).collect();
    let labels: Vec<u32> = labelled.iter().filter_map(|&i| scored.labels[i]).collect();
    let probs: Vec<f32> = labelled.iter().flat_map(|&i| scored.probs[i * classes..(i + 1) * classes].iter().copied()).collect();
    let positive = scored.positive_class;
    let mut test = metrics::classification_metrics(&probs, classes, &labels, positive);
    let (thresholds, roc, pr) = match positive {
        Some(pos) => {
            // The decision is risk ≥ threshold, not the most probable class.
            let other = 1 - pos.min(1);
            let predicted: Vec<usize> = labelled.iter().map(|&i| if risk[i] >= threshold { pos } else { other }).collect();
            let hard = metrics::from_predictions(&predicted, &labels, classes, positive);
            test = ClassMetrics { loss: test.loss, roc_auc: test.roc_auc, pr_auc: test.pr_auc, ..hard };
            let truth: Vec<(f64, bool)> = labelled.iter().map(|&i| (risk[i], faults[i] == Some(true))).collect();
            let table = threshold_table(&truth, threshold);
            let (roc, pr) = curves(&table);
            (table, roc, pr)
        }
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let baseline = metrics::majority_baseline(scored.majority_class, &labels, classes, positive);
    let times = scored.times_ms.as_deref();
    let events = events::score_events(&risk, &faults, &scored.rows, times, threshold, &input.events);
    let fault_flags: Vec<bool> = faults.iter().map(|f| *f == Some(true)).collect();
    Ok(Evaluation {
        source: input.source,
        run_id: input.run_id,
        classes: scored.classes.clone(),
        positive_class: positive,
        samples: scored.len() as u64,
        threshold,
        majority_accuracy: baseline.accuracy,
        test,
        baseline,
        baseline_trees: None,
        roc,
        pr,
        thresholds,
        events,
        event_options: input.events,
        contributions: input.contributions,
        timeline: scored.timeline(&risk, &fault_flags),
    })
}

/// Confusion counts at up to [`TABLE_POINTS`] thresholds spread over the risks' quantiles,
/// plus 0, 0.5, `chosen` and one above every risk (no alarm at all).
fn threshold_table(truth: &[(f64, bool)], chosen: f64) -> Vec<ThresholdPoint> {
    let mut pos: Vec<f64> = truth.iter().filter(|t| t.1).map(|t| t.0).collect();
    let mut neg: Vec<f64> = truth.iter().filter(|t| !t.1).map(|t| t.0).collect();
    pos.sort_by(f64::total_cmp);
    neg.sort_by(f64::total_cmp);
    let mut all: Vec<f64> = truth.iter().map(|t| t.0).collect();
    all.sort_by(f64::total_cmp);
    all.dedup();
    let mut candidates = vec![0.0, DEFAULT_THRESHOLD, chosen];
    if let Some(top) = all.last() {
        candidates.push((top + 1e-6).min(1.0 + 1e-6));
    }
    let step = (all.len() / TABLE_POINTS).max(1);
    candidates.extend(all.iter().step_by(step).copied());
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    candidates
        .into_iter()
        .map(|t| {
            // Counts of risk ≥ t in sorted vectors.
            let tp = (pos.len() - pos.partition_point(|r| *r < t)) as u64;
            let fp = (neg.len() - neg.partition_point(|r| *r < t)) as u64;
            ThresholdPoint { threshold: t, tp, fp, tn: neg.len() as u64 - fp, fn_: pos.len() as u64 - tp }
        })
        .collect()
}

/// ROC (fpr, tpr) and PR (recall, precision) points from the threshold table, traced from
/// the highest threshold down (so each curve is one path, not a zigzag over ties).
#[allow(clippy::type_complexity)]
fn curves(table: &[ThresholdPoint]) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let mut roc = vec![[0.0, 0.0]];
    roc.extend(table.iter().rev().map(|p| [p.false_positive_rate(), p.recall()]));
    roc.push([1.0, 1.0]);
    roc.dedup();
    let mut pr: Vec<[f64; 2]> = table.iter().rev().filter(|p| p.tp + p.fp > 0).map(|p| [p.recall(), p.precision()]).collect();
    // Interpolated precision (the best precision at this recall or more): the raw curve
    // saw-tooths at every false alarm and reads as a band when drawn.
    for i in (0..pr.len().saturating_sub(1)).rev() {
        pr[i][1] = pr[i][1].max(pr[i + 1][1]);
    }
    pr.dedup();
    (roc, pr)
}

/// At most `max_points` points; each keeps the largest risk of its bucket (so alarms stay
/// visible) and whether any of its samples is fault-labelled.
pub fn reduce_timeline(x: &[f64], has_timestamps: bool, risk: &[f64], fault: &[bool], max_points: usize) -> RiskTimeline {
    let n = x.len().min(risk.len());
    let bucket = n.div_ceil(max_points.max(1)).max(1);
    let mut out = RiskTimeline { has_timestamps, ..RiskTimeline::default() };
    let mut start = 0;
    while start < n {
        let end = (start + bucket).min(n);
        let mut peak = start;
        for i in start..end {
            if risk[i] > risk[peak] {
                peak = i;
            }
        }
        out.x.push(x[peak]);
        out.risk.push(risk[peak] as f32);
        if !fault.is_empty() {
            out.fault.push(fault[start..end.min(fault.len())].iter().any(|f| *f));
        }
        start = end;
    }
    out
}

/// Epoch milliseconds of every row when `timestamp_column` is complete and sorted.
pub fn row_times_ms(frame: &DataFrame, timestamp_column: Option<&str>) -> Option<Vec<i64>> {
    let column = frame.column(timestamp_column?).ok()?;
    if column.null_count() > 0 {
        return None;
    }
    let ms = column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).and_then(|c| c.cast(&DataType::Int64)).ok()?;
    let values: Vec<i64> = ms.i64().ok()?.iter().map(|v| v.unwrap_or(0)).collect();
    values.windows(2).all(|w| w[0] <= w[1]).then_some(values)
}

/// The Evaluate pane's view of a run: its test split (scores kept at the end of training)
/// at the requested threshold.
pub fn evaluate_run(run_dir: &Path, run_id: &str, request: &EvaluateRequest) -> Result<Evaluation> {
    let bytes = std::fs::read(run_dir.join("test_scores.json")).map_err(|_| EngineError::NoEvaluationData(run_id.to_owned()))?;
    let scored: Scored = serde_json::from_slice(&bytes).map_err(|_| EngineError::NoEvaluationData(run_id.to_owned()))?;
    // Contributions are an extra: a run without them still evaluates.
    let contributions: Vec<TagContribution> =
        std::fs::read(run_dir.join("contributions.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    // So is the trees baseline, which runs from before it lack.
    let summary: Option<plantlab_protocol::RunSummary> =
        std::fs::read(run_dir.join("summary.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let evaluation = evaluate(EvaluationInput {
        source: plantlab_protocol::test_split_source(run_id),
        run_id: Some(run_id.to_owned()),
        threshold: request.threshold.unwrap_or(DEFAULT_THRESHOLD),
        events: request.events,
        contributions,
        scored: &scored,
    })?;
    Ok(Evaluation { baseline_trees: summary.and_then(|s| s.baseline_trees), ..evaluation })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(risks: &[f32], labels: &[u32]) -> Scored {
        Scored {
            classes: vec!["0".into(), "1".into()],
            positive_class: Some(1),
            majority_class: 0,
            rows: (0..risks.len() as u64).collect(),
            times_ms: None,
            labels: labels.iter().map(|l| Some(*l)).collect(),
            probs: risks.iter().flat_map(|r| [1.0 - r, *r]).collect(),
            training_period_ms: None,
        }
    }

    fn input(scored: &Scored, threshold: f64) -> EvaluationInput<'_> {
        EvaluationInput { source: "test".into(), run_id: None, threshold, events: EventOptions::default(), contributions: Vec::new(), scored }
    }

    #[test]
    fn the_threshold_decides_and_the_table_agrees() {
        let s = scored(&[0.1, 0.2, 0.35, 0.6, 0.8, 0.9], &[0, 0, 1, 0, 1, 1]);
        let at_half = evaluate(input(&s, 0.5)).unwrap();
        // risk ≥ 0.5: rows 3, 4, 5 → tp 2, fp 1, fn 1 (row 2), tn 2.
        assert_eq!(at_half.test.confusion, vec![vec![2, 1], vec![1, 2]]);
        let point = plantlab_protocol::point_at(&at_half.thresholds, 0.5).unwrap();
        assert_eq!((point.tp, point.fp, point.tn, point.fn_), (2, 1, 2, 1));
        let low = evaluate(input(&s, 0.3)).unwrap();
        assert_eq!(low.test.confusion, vec![vec![2, 1], vec![0, 3]]);
        assert!((low.test.recall - 1.0).abs() < 1e-12);
        // AUC does not depend on the threshold; the baseline says "no fault" always.
        assert_eq!(low.test.roc_auc, at_half.test.roc_auc);
        assert!((at_half.baseline.accuracy - 0.5).abs() < 1e-12);
        assert_eq!(at_half.roc.first(), Some(&[0.0, 0.0]));
        assert_eq!(at_half.roc.last(), Some(&[1.0, 1.0]));
        // Interpolated precision never rises with recall.
        assert!(at_half.pr.windows(2).all(|w| w[0][0] <= w[1][0] && w[0][1] >= w[1][1]), "{:?}", at_half.pr);
        assert!(evaluate(input(&s, 1.5)).is_err());
    }

    #[test]
    fn timeline_keeps_the_peaks() {
        let x: Vec<f64> = (0..10_000).map(f64::from).collect();
        let mut risk = vec![0.1; 10_000];
        risk[7777] = 0.99;
        let t = reduce_timeline(&x, false, &risk, &[], 100);
        assert!(t.x.len() <= 100);
        assert!(t.risk.iter().any(|r| (*r - 0.99).abs() < 1e-6));
        assert!(t.x.contains(&7777.0));
    }
}
