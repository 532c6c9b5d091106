//! What the normal-operation models share once they have a score per time step: causal
//! smoothing, a threshold calibrated on held-out normal data, and detection figures.
//! A score of NaN marks a step the model could not score (the first steps, before it has the
//! context it needs); such steps are left out of every rate.

use crate::train::metrics::{average_precision, roc_auc};
use crate::Result;

use super::bad;
use crate::error::Detail;

/// Per time step: the total score and each tag's part of it (row-major `rows × tags`).
#[derive(Clone, Debug, PartialEq)]
pub struct StepScores {
    pub tags: Vec<String>,
    pub total: Vec<f64>,
    pub per_tag: Vec<f64>,
}

impl StepScores {
    /// The `count` tags with the largest part of the score at `row`, largest first.
    pub fn top_tags(&self, row: usize, count: usize) -> Vec<(String, f64)> {
        let w = self.tags.len();
        let Some(parts) = self.per_tag.get(row * w..(row + 1) * w) else {
            return Vec::new();
        };
        let mut order: Vec<usize> = (0..w).filter(|&c| parts[c].is_finite()).collect();
        order.sort_by(|&a, &b| parts[b].total_cmp(&parts[a]));
        order.into_iter().take(count).map(|c| (self.tags[c].clone(), parts[c])).collect()
    }

    /// The same scores smoothed over `window` steps (see [`smooth`]), per tag too.
    pub fn smoothed(&self, window: usize) -> StepScores {
        let w = self.tags.len();
        let mut per_tag = vec![f64::NAN; self.per_tag.len()];
        for c in 0..w {
            let column: Vec<f64> = self.per_tag.iter().skip(c).step_by(w.max(1)).copied().collect();
            for (r, v) in smooth(&column, window).into_iter().enumerate() {
                per_tag[r * w + c] = v;
            }
        }
        StepScores { tags: self.tags.clone(), total: smooth(&self.total, window), per_tag }
    }
}

/// Causal moving mean over the last `window` scored steps (NaN steps stay NaN and do not
/// count); a window of 0 or 1 leaves the scores as they are. Never looks ahead.
pub fn smooth(scores: &[f64], window: usize) -> Vec<f64> {
    if window <= 1 {
        return scores.to_vec();
    }
    let mut out = Vec::with_capacity(scores.len());
    let mut recent: std::collections::VecDeque<f64> = std::collections::VecDeque::with_capacity(window.min(scores.len()));
    let mut sum = 0.0;
    for &s in scores {
        if !s.is_finite() {
            out.push(f64::NAN);
            continue;
        }
        recent.push_back(s);
        sum += s;
        if recent.len() > window {
            sum -= recent.pop_front().unwrap_or(0.0);
        }
        out.push(sum / recent.len() as f64);
    }
    out
}

/// Fewest held-out normal steps a threshold is calibrated on.
const MIN_CALIBRATION_STEPS: usize = 20;

/// The threshold that `target_rate` of the held-out normal scores exceed: their
/// (1 − target_rate) quantile. Needs enough scores to resolve the rate.
pub fn calibrate(scores: &[f64], target_rate: f64) -> Result<f64> {
    if !(target_rate > 0.0 && target_rate < 0.5) {
        return Err(bad(Detail::coded("normal_rate_range", [])));
    }
    let mut finite: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    if finite.len() < MIN_CALIBRATION_STEPS {
        return Err(bad(Detail::coded("normal_calibration_steps", [("count", finite.len().into()), ("min", MIN_CALIBRATION_STEPS.into())])));
    }
    finite.sort_by(f64::total_cmp);
    // The smallest score with at most target_rate of the scores strictly above it.
    let allowed_above = (target_rate * finite.len() as f64).floor() as usize;
    let index = finite.len() - 1 - allowed_above.min(finite.len() - 1);
    Ok(finite[index])
}

/// Detection figures of `scores` at `threshold` against `faulty` (true = fault sample);
/// a step alarms when its score is above the threshold.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Detection {
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    /// Share of normal samples above the threshold.
    pub false_alarm_rate: Option<f64>,
    /// Share of fault samples above the threshold.
    pub detection_rate: Option<f64>,
    pub normal_samples: usize,
    pub fault_samples: usize,
    pub threshold: f64,
}

pub fn detection(scores: &[f64], faulty: &[bool], threshold: f64) -> Detection {
    let (mut kept_scores, mut kept_truth) = (Vec::new(), Vec::new());
    for (&s, &f) in scores.iter().zip(faulty) {
        if s.is_finite() {
            kept_scores.push(s);
            kept_truth.push(f);
        }
    }
    let fault_samples = kept_truth.iter().filter(|&&f| f).count();
    let normal_samples = kept_truth.len() - fault_samples;
    let above = |want: bool| kept_scores.iter().zip(&kept_truth).filter(|(s, f)| **f == want && **s > threshold).count();
    let rate = |count: usize, of: usize| if of == 0 { None } else { Some(count as f64 / of as f64) };
    Detection {
        roc_auc: roc_auc(&kept_scores, &kept_truth),
        pr_auc: average_precision(&kept_scores, &kept_truth),
        false_alarm_rate: rate(above(false), normal_samples),
        detection_rate: rate(above(true), fault_samples),
        normal_samples,
        fault_samples,
        threshold,
    }
}

/// Steps from `onset` to the first step of `run` consecutive alarms at or after it (a lone
/// false alarm right after the onset does not count as detection); None when never.
pub fn detection_delay(scores: &[f64], threshold: f64, onset: usize, run: usize) -> Option<usize> {
    let run = run.max(1);
    let mut streak = 0;
    for (i, &s) in scores.iter().enumerate().skip(onset) {
        if s > threshold {
            streak += 1;
            if streak == run {
                return Some(i + 1 - run - onset);
            }
        } else {
            streak = 0;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_is_causal_and_skips_unscored_steps() {
        let s = smooth(&[f64::NAN, 1.0, 3.0, 5.0, 7.0], 2);
        assert!(s[0].is_nan());
        assert_eq!(&s[1..], &[1.0, 2.0, 4.0, 6.0]);
    }

    #[test]
    fn calibrated_threshold_lets_through_the_target_share() {
        let scores: Vec<f64> = (0..1000).map(f64::from).collect();
        let t = calibrate(&scores, 0.01).unwrap_or(f64::NAN);
        let above = scores.iter().filter(|&&s| s > t).count();
        assert_eq!(above, 10);
        assert!(calibrate(&scores[..5], 0.01).is_err());
    }

    #[test]
    fn delay_needs_a_run_of_alarms() {
        let scores = [0.0, 0.0, 2.0, 0.0, 2.0, 2.0, 2.0];
        assert_eq!(detection_delay(&scores, 1.0, 1, 3), Some(3));
        assert_eq!(detection_delay(&scores, 1.0, 1, 1), Some(1));
        assert_eq!(detection_delay(&scores, 5.0, 0, 1), None);
    }
}
