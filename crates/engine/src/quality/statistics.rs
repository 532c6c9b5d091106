//! Column statistics in one pass, and robust level and noise estimates by selection.

use crate::hampel::{MAD_TO_SIGMA, STEP_MEDIAN_TO_SIGMA};

/// Values in the subsample that estimates a column's robust level and noise.
pub(super) const ROBUST_SAMPLE: usize = 16_384;

/// One pass over a numeric column: finite count, extremes, mean, sample standard deviation,
/// and its distinct values while there are few of them.
pub(super) struct Summary {
    pub(super) finite: usize,
    pub(super) infinite: usize,
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) mean: f64,
    pub(super) std: Option<f64>,
    /// Number of distinct values when at most the categorical limit, else `None`.
    pub(super) levels: Option<usize>,
}

impl Summary {
    pub(super) fn of(values: &[f64], max_levels: usize) -> Self {
        // Distinct values: continuous data overflows the limit within a few dozen samples, so
        // this loop usually ends early and the statistics loop below stays branch-light.
        let mut levels: Vec<f64> = Vec::with_capacity(max_levels + 1);
        let mut many_levels = false;
        for &v in values.iter().filter(|v| v.is_finite()) {
            if !levels.contains(&v) {
                if levels.len() >= max_levels {
                    many_levels = true;
                    break;
                }
                levels.push(v);
            }
        }
        // Sums of deviations from the first value keep the variance accurate for large levels.
        let shift = values.iter().copied().find(|v| v.is_finite()).unwrap_or(0.0);
        // Four independent lanes, with selects instead of branches: the loop becomes vector
        // code and the sums are not one long chain of dependent additions.
        const LANES: usize = 4;
        let mut moments = Moments::<LANES>::new();
        let chunks = values.chunks_exact(LANES);
        let rest = chunks.remainder();
        for chunk in chunks {
            for (lane, &value) in chunk.iter().enumerate() {
                moments.add(lane, value, shift);
            }
        }
        for &v in rest {
            moments.add(0, v, shift);
        }
        let Totals { finite, infinite, min, max, sum, sum_sq } = moments.totals();
        let n = finite as f64;
        let mean = if finite > 0 { shift + sum / n } else { f64::NAN };
        let std = (finite > 1).then(|| ((sum_sq - sum * sum / n) / (n - 1.0)).max(0.0).sqrt());
        Self { finite, infinite, min, max, mean, std, levels: (!many_levels).then_some(levels.len()) }
    }
}

/// Counts, extremes and sums of deviations of the finite values, kept in `LANES` independent
/// lanes, each quantity in its own array (an array of per-lane structs needed shuffles).
struct Moments<const LANES: usize> {
    finite: [usize; LANES],
    infinite: [usize; LANES],
    min: [f64; LANES],
    max: [f64; LANES],
    sum: [f64; LANES],
    sum_sq: [f64; LANES],
}

/// All lanes of `Moments` together.
struct Totals {
    finite: usize,
    infinite: usize,
    min: f64,
    max: f64,
    sum: f64,
    sum_sq: f64,
}

impl<const LANES: usize> Moments<LANES> {
    fn new() -> Self {
        Self {
            finite: [0; LANES],
            infinite: [0; LANES],
            min: [f64::INFINITY; LANES],
            max: [f64::NEG_INFINITY; LANES],
            sum: [0.0; LANES],
            sum_sq: [0.0; LANES],
        }
    }

    #[inline(always)]
    fn add(&mut self, lane: usize, v: f64, shift: f64) {
        let finite = v.is_finite();
        self.finite[lane] += usize::from(finite);
        self.infinite[lane] += usize::from(v.is_infinite());
        let low = if finite { v } else { f64::INFINITY };
        let high = if finite { v } else { f64::NEG_INFINITY };
        self.min[lane] = if low < self.min[lane] { low } else { self.min[lane] };
        self.max[lane] = if high > self.max[lane] { high } else { self.max[lane] };
        let d = if finite { v - shift } else { 0.0 };
        self.sum[lane] += d;
        self.sum_sq[lane] += d * d;
    }

    fn totals(&self) -> Totals {
        Totals {
            finite: self.finite.iter().sum(),
            infinite: self.infinite.iter().sum(),
            min: self.min.iter().copied().fold(f64::INFINITY, f64::min),
            max: self.max.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            sum: self.sum.iter().sum(),
            sum_sq: self.sum_sq.iter().sum(),
        }
    }
}

/// Robust level and noise of a column, estimated on an evenly spaced subsample.
pub(super) struct Robust {
    pub(super) median: f64,
    /// 1.4826 × median absolute deviation from the median.
    pub(super) sigma: f64,
    /// Noise estimated from the median non-zero change between neighbours; for a quantized
    /// signal it is at least the resolution, for white noise about σ.
    pub(super) step_sigma: f64,
}

impl Robust {
    pub(super) fn of(values: &[f64], buf: &mut Vec<f64>) -> Self {
        let stride = (values.len() / ROBUST_SAMPLE).max(1);
        buf.clear();
        buf.extend(values.iter().step_by(stride).copied().filter(|v| v.is_finite()));
        let median = median_in_place(buf).unwrap_or(0.0);
        for v in buf.iter_mut() {
            *v = (*v - median).abs();
        }
        let sigma = MAD_TO_SIGMA * median_in_place(buf).unwrap_or(0.0);
        buf.clear();
        let mut row = 1;
        while row < values.len() {
            let (a, b) = (values[row - 1], values[row]);
            if a.is_finite() && b.is_finite() && a != b {
                buf.push((b - a).abs());
            }
            row += stride;
        }
        let step_sigma = STEP_MEDIAN_TO_SIGMA * median_in_place(buf).unwrap_or(0.0);
        Self { median, sigma, step_sigma }
    }
}

/// The (upper) median by selection; reorders `buf`.
pub(super) fn median_in_place(buf: &mut [f64]) -> Option<f64> {
    if buf.is_empty() {
        return None;
    }
    let mid = buf.len() / 2;
    let (_, median, _) = buf.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*median)
}

/// Median and 1.4826 × MAD of finite values; reorders and overwrites `buf`.
pub(super) fn median_and_sigma(buf: &mut [f64]) -> Option<(f64, f64)> {
    let median = median_in_place(buf)?;
    for v in buf.iter_mut() {
        *v = (*v - median).abs();
    }
    let mad = median_in_place(buf)?;
    Some((median, MAD_TO_SIGMA * mad))
}

pub(super) fn median_i64(buf: &mut [i64]) -> Option<i64> {
    if buf.is_empty() {
        return None;
    }
    let mid = buf.len() / 2;
    let (_, median, _) = buf.select_nth_unstable(mid);
    Some(*median)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_come_from_selection() {
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), Some(3.0));
        assert_eq!(median_in_place(&mut []), None);
        assert_eq!(median_i64(&mut [60, 60, 120, 60]), Some(60));
        assert_eq!(median_and_sigma(&mut [1.0, 2.0, 3.0, 4.0, 100.0]), Some((3.0, MAD_TO_SIGMA)));
    }

    #[test]
    fn column_statistics_skip_missing_and_infinite_values() {
        let mut state = 7u64;
        for len in [0usize, 1, 2, 3, 4, 5, 7, 100, 1001] {
            let values: Vec<f64> = (0..len)
                .map(|i| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    match (state >> 33) % 9 {
                        0 => f64::NAN,
                        1 => f64::INFINITY,
                        2 => f64::NEG_INFINITY,
                        _ => 1e6 + (state >> 40) as f64 * 0.01 - i as f64,
                    }
                })
                .collect();
            let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            let summary = Summary::of(&values, 10);
            assert_eq!(summary.finite, finite.len());
            assert_eq!(summary.infinite, values.iter().filter(|v| v.is_infinite()).count());
            if finite.is_empty() {
                assert!(summary.mean.is_nan() && summary.min == f64::INFINITY && summary.max == f64::NEG_INFINITY);
                continue;
            }
            assert_eq!(summary.min, finite.iter().copied().fold(f64::INFINITY, f64::min));
            assert_eq!(summary.max, finite.iter().copied().fold(f64::NEG_INFINITY, f64::max));
            let n = finite.len() as f64;
            let mean = finite.iter().sum::<f64>() / n;
            assert!((summary.mean - mean).abs() <= 1e-9 * mean.abs(), "{len}: {} vs {mean}", summary.mean);
            if finite.len() > 1 {
                let std = (finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                let got = summary.std.unwrap_or(f64::NAN);
                assert!((got - std).abs() <= 1e-6 * std.max(1.0), "{len}: {got} vs {std}");
            }
        }
    }
}
