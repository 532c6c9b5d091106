//! Classification metrics in plain Rust: accuracy, balanced accuracy, precision, recall, F1,
//! ROC-AUC, PR-AUC (average precision), the confusion matrix, and the majority-class baseline.
//! Used during training (validation every epoch) and for the final test report.

use plantlab_protocol::ClassMetrics;

/// Probabilities below this are clipped when computing cross-entropy, so one confident
/// mistake gives a large but finite loss.
const PROB_FLOOR: f64 = 1e-7;

/// Metrics of predicted class probabilities `probs` (`[n, classes]`, row-major) against
/// `labels`. For two classes, precision/recall/F1 and the curves are for `positive`;
/// otherwise they are macro averages over the classes (one-vs-rest for the curves).
pub fn classification_metrics(probs: &[f32], classes: usize, labels: &[u32], positive: Option<usize>) -> ClassMetrics {
    let n = labels.len();
    if n == 0 || classes == 0 || probs.len() != n * classes {
        return ClassMetrics { confusion: vec![vec![0; classes]; classes], ..ClassMetrics::default() };
    }
    let predicted: Vec<usize> = probs.chunks(classes).map(argmax).collect();
    let mut loss = 0.0;
    for (row, &label) in probs.chunks(classes).zip(labels) {
        let p = row.get(label as usize).copied().map_or(PROB_FLOOR, f64::from);
        loss -= p.max(PROB_FLOOR).ln();
    }
    let mut metrics = from_predictions(&predicted, labels, classes, positive);
    metrics.loss = Some(loss / n as f64);
    let scores = |class: usize| -> Vec<f64> { probs.chunks(classes).map(|row| f64::from(row[class])).collect() };
    let truth = |class: usize| -> Vec<bool> { labels.iter().map(|&l| l as usize == class).collect() };
    if classes == 2 {
        let pos = positive.unwrap_or(1).min(1);
        metrics.roc_auc = roc_auc(&scores(pos), &truth(pos));
        metrics.pr_auc = average_precision(&scores(pos), &truth(pos));
    } else {
        let rocs: Vec<f64> = (0..classes).filter_map(|c| roc_auc(&scores(c), &truth(c))).collect();
        let prs: Vec<f64> = (0..classes).filter_map(|c| average_precision(&scores(c), &truth(c))).collect();
        metrics.roc_auc = mean(&rocs);
        metrics.pr_auc = mean(&prs);
    }
    metrics
}

/// The baseline every model must beat: always predict `majority` (the most frequent class in
/// training). Its scores are constant, so ROC-AUC is 0.5 and PR-AUC is the positive rate.
pub fn majority_baseline(majority: usize, labels: &[u32], classes: usize, positive: Option<usize>) -> ClassMetrics {
    let n = labels.len();
    let mut probs = vec![0.0f32; n * classes];
    for row in probs.chunks_mut(classes.max(1)) {
        if let Some(p) = row.get_mut(majority) {
            *p = 1.0;
        }
    }
    let mut metrics = classification_metrics(&probs, classes, labels, positive);
    // The loss of a hard 0/1 guess only says how often it is wrong; leave it out.
    metrics.loss = None;
    metrics
}

pub(crate) fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Accuracy, balanced accuracy, precision, recall, F1 and the confusion matrix of hard predictions.
pub fn from_predictions(predicted: &[usize], labels: &[u32], classes: usize, positive: Option<usize>) -> ClassMetrics {
    let mut confusion = vec![vec![0u64; classes]; classes];
    let mut correct = 0u64;
    for (&p, &l) in predicted.iter().zip(labels) {
        let l = l as usize;
        if l < classes && p < classes {
            confusion[l][p] += 1;
            if l == p {
                correct += 1;
            }
        }
    }
    let n = labels.len() as u64;
    let actual = |c: usize| -> u64 { confusion[c].iter().sum() };
    let called = |c: usize| -> u64 { confusion.iter().map(|row| row[c]).sum() };
    let recall_of = |c: usize| ratio(confusion[c][c], actual(c));
    let precision_of = |c: usize| ratio(confusion[c][c], called(c));
    let f1_of = |c: usize| {
        let (p, r) = (precision_of(c), recall_of(c));
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    };
    // Balanced accuracy averages recall over the classes that occur in this split.
    let present: Vec<usize> = (0..classes).filter(|&c| actual(c) > 0).collect();
    let balanced_accuracy = if present.is_empty() { 0.0 } else { present.iter().map(|&c| recall_of(c)).sum::<f64>() / present.len() as f64 };
    let (precision, recall, f1) = if classes == 2 {
        let pos = positive.unwrap_or(1).min(1);
        (precision_of(pos), recall_of(pos), f1_of(pos))
    } else {
        let k = classes.max(1) as f64;
        ((0..classes).map(precision_of).sum::<f64>() / k, (0..classes).map(recall_of).sum::<f64>() / k, (0..classes).map(f1_of).sum::<f64>() / k)
    };
    ClassMetrics {
        samples: n,
        loss: None,
        accuracy: ratio(correct, n),
        balanced_accuracy,
        precision,
        recall,
        f1,
        roc_auc: None,
        pr_auc: None,
        confusion,
    }
}

/// Indices sorted by score, highest first; NaN scores count as lowest.
fn by_score_descending(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (scores[a], scores[b]);
        let x = if x.is_nan() { f64::NEG_INFINITY } else { x };
        let y = if y.is_nan() { f64::NEG_INFINITY } else { y };
        y.total_cmp(&x)
    });
    order
}

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting half. `None` when either class is absent.
pub fn roc_auc(scores: &[f64], truth: &[bool]) -> Option<f64> {
    let positives = truth.iter().filter(|&&t| t).count();
    let negatives = truth.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let order = by_score_descending(scores);
    // Walk groups of tied scores from the top; each negative in a group is beaten by all
    // positives above the group and ties with the positives inside it.
    let (mut pos_above, mut wins) = (0.0f64, 0.0f64);
    let mut i = 0;
    while i < order.len() {
        let score = scores[order[i]];
        let mut j = i;
        let (mut pos_here, mut neg_here) = (0.0, 0.0);
        while j < order.len() && same(scores[order[j]], score) {
            if truth[order[j]] {
                pos_here += 1.0;
            } else {
                neg_here += 1.0;
            }
            j += 1;
        }
        wins += neg_here * (pos_above + pos_here / 2.0);
        pos_above += pos_here;
        i = j;
    }
    Some(wins / (positives as f64 * negatives as f64))
}

/// Average precision: the area under the precision-recall curve as a step function,
/// Σ (recallₖ − recallₖ₋₁) · precisionₖ over thresholds (ties as one threshold).
/// `None` when there is no positive.
pub fn average_precision(scores: &[f64], truth: &[bool]) -> Option<f64> {
    let positives = truth.iter().filter(|&&t| t).count();
    if positives == 0 {
        return None;
    }
    let order = by_score_descending(scores);
    let (mut tp, mut fp, mut area, mut last_recall) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut i = 0;
    while i < order.len() {
        let score = scores[order[i]];
        while i < order.len() && same(scores[order[i]], score) {
            if truth[order[i]] {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        let recall = tp / positives as f64;
        area += (recall - last_recall) * tp / (tp + fp);
        last_recall = recall;
    }
    Some(area)
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_ranking_has_auc_one_and_reversed_zero() {
        let truth = [false, false, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &truth), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &truth), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &truth), Some(0.5));
        assert_eq!(average_precision(&[0.1, 0.2, 0.8, 0.9], &truth), Some(1.0));
        assert_eq!(average_precision(&[0.5; 4], &truth), Some(0.5), "constant scores: PR-AUC is the positive rate");
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn auc_matches_pairwise_count() {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.7];
        let truth = [false, true, false, true, false, false];
        // positives 0.4, 0.8; negatives 0.1, 0.35, 0.4, 0.7:
        // 0.4 beats 0.1, 0.35, ties 0.4 → 2.5; 0.8 beats all 4 → 4; total 6.5 of 8.
        assert_eq!(roc_auc(&scores, &truth), Some(6.5 / 8.0));
        // ranking: 0.8(+) 0.7(-) {0.4+,0.4-} 0.35 0.1 → AP = 0.5·1 + 0.5·(2/4) = 0.75
        assert_eq!(average_precision(&scores, &truth), Some(0.75));
    }

    #[test]
    fn majority_baseline_on_rare_faults_is_accurate_but_useless() {
        let labels: Vec<u32> = (0..100).map(|i| u32::from(i % 25 == 0)).collect();
        let m = majority_baseline(0, &labels, 2, Some(1));
        assert_eq!(m.accuracy, 0.96);
        assert_eq!(m.balanced_accuracy, 0.5);
        assert_eq!(m.recall, 0.0);
        assert_eq!(m.f1, 0.0);
        assert_eq!(m.roc_auc, Some(0.5));
        assert_eq!(m.pr_auc, Some(0.04));
        assert_eq!(m.confusion, vec![vec![96, 0], vec![4, 0]]);
    }

    #[test]
    fn multi_class_metrics_are_macro_averages() {
        let probs = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8, 0.8, 0.1, 0.1];
        let labels = [0, 1, 2, 2];
        let m = classification_metrics(&probs, 3, &labels, None);
        assert_eq!(m.accuracy, 0.75);
        assert!((m.balanced_accuracy - (1.0 + 1.0 + 0.5) / 3.0).abs() < 1e-12);
        assert_eq!(m.confusion[2], vec![1, 0, 1]);
        assert!(m.loss.unwrap_or(0.0) > 0.0);
        assert!(m.roc_auc.is_some());
    }
}
