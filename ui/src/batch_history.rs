//! The per-batch loss of a training run, kept in bounded memory. A long run reports millions
//! of batches; the live curve keeps at most `MAX_SPANS` summaries of consecutive batches
//! (count, sum, min, max), merging neighbours in pairs whenever it would grow past that, so the
//! band still shows every spike and the mean stays exact.

use plantlab_protocol::BatchMetrics;

/// Far more than the plot's buckets, and a few hundred kilobytes at most.
pub const MAX_SPANS: usize = 8192;

/// Consecutive batches with a finite loss, summarised; `last` is the last of them.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchSpan {
    pub last: BatchMetrics,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

impl BatchSpan {
    fn of(batch: BatchMetrics) -> Self {
        Self { count: 1, sum: batch.loss, min: batch.loss, max: batch.loss, last: batch }
    }

    fn merged(first: &BatchSpan, second: &BatchSpan) -> Self {
        Self {
            last: second.last.clone(),
            count: first.count + second.count,
            sum: first.sum + second.sum,
            min: first.min.min(second.min),
            max: first.max.max(second.max),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchHistory {
    spans: Vec<BatchSpan>,
    /// The newest batch, finite loss or not (progress and ETA read it).
    newest: Option<BatchMetrics>,
}

impl BatchHistory {
    pub fn push(&mut self, batch: BatchMetrics) {
        if batch.loss.is_finite() {
            self.spans.push(BatchSpan::of(batch.clone()));
            if self.spans.len() > MAX_SPANS {
                self.spans = self.spans.chunks(2).map(|pair| if let [a, b] = pair { BatchSpan::merged(a, b) } else { pair[0].clone() }).collect();
            }
        }
        self.newest = Some(batch);
    }

    pub fn last(&self) -> Option<&BatchMetrics> {
        self.newest.as_ref()
    }

    pub fn spans(&self) -> &[BatchSpan] {
        &self.spans
    }

    /// Batches with a finite loss seen so far.
    #[cfg(test)]
    pub fn batches(&self) -> u64 {
        self.spans.iter().map(|s| s.count).sum()
    }
}

impl FromIterator<BatchMetrics> for BatchHistory {
    fn from_iter<I: IntoIterator<Item = BatchMetrics>>(batches: I) -> Self {
        let mut history = Self::default();
        for batch in batches {
            history.push(batch);
        }
        history
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_batches_stay_bounded_with_the_spike_and_the_exact_mean() {
        let mut history = BatchHistory::default();
        let n = 1_000_000u32;
        for i in 1..=n {
            let loss = if i == 123_457 { 50.0 } else { 0.5 };
            history.push(BatchMetrics { epoch: 1, batch: i, batches: n, loss, accuracy: 0.5 });
        }
        assert!(history.spans().len() <= MAX_SPANS, "{} spans", history.spans().len());
        assert_eq!(history.batches(), u64::from(n));
        assert_eq!(history.spans().iter().map(|s| s.max).fold(0.0, f64::max), 50.0, "the spike survives merging");
        let sum: f64 = history.spans().iter().map(|s| s.sum).sum();
        assert!((sum - (f64::from(n - 1) * 0.5 + 50.0)).abs() < 1e-6);
        assert_eq!(history.last().map(|b| b.batch), Some(n));
    }
}
