//! Window features: what the recent past of each numeric tag looked like at every row, so
//! that models on single rows (the MLP, the trees) see dynamics — drift, oscillation, a slow
//! rise, a frozen transmitter.
//!
//! Per tag, over the last `W` samples ending at the row (the row included): the previous
//! value, mean, standard deviation, minimum, maximum, least-squares slope per sample, and the
//! samples since the value last changed. Causal by construction: a row's features read only
//! that row and earlier ones. A step of the time axis longer than [`GAP_FACTOR`] × the
//! training data's median spacing restarts every window, so a window never spans a gap in
//! the data (a shutdown, an export of separate periods). Missing values are skipped; a
//! statistic with nothing to read is missing too (0 after standardizing, the training mean).
//!
//! The statistics run in O(rows) per tag whatever the window: polars' rolling aggregations
//! for the mean, spread and extremes, running sums for the slope.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Detail, EngineError, Result};

/// The statistics each tag gets, in the order of the dense columns.
pub const WINDOW_STATS: [&str; 7] = ["previous", "mean", "std", "min", "max", "slope", "since_change"];
/// A step of the time axis this many times the median spacing starts a new window.
pub const GAP_FACTOR: i64 = 3;
/// Longest window, in samples.
pub const MAX_FEATURE_WINDOW: u32 = 4096;

/// The window features of a run, fitted on its training rows and stored with its tokenizer
/// (and so in bundles: prediction replays them exactly).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowFeatureSpec {
    /// Samples per window, the current one included.
    pub window: u32,
    /// A step between consecutive timestamps longer than this (ms) restarts the windows;
    /// `None` when the training data had no usable time axis (rows are consecutive).
    pub gap_ms: Option<i64>,
    /// Indices (into the tokenizer's features) of the numeric tags that get window features.
    pub tags: Vec<usize>,
    /// Training mean and standard deviation of each window feature, `tags × WINDOW_STATS`.
    pub means: Vec<f64>,
    pub stds: Vec<f64>,
}

impl WindowFeatureSpec {
    /// Dense columns the window features add to each row.
    pub fn width(&self) -> usize {
        self.tags.len() * WINDOW_STATS.len()
    }

    /// Checks a spec read from a file before it sizes anything.
    pub fn check(&self, features: usize) -> std::result::Result<(), Detail> {
        if self.window == 0 || self.window > MAX_FEATURE_WINDOW {
            return Err(window_out_of_range(self.window));
        }
        if self.tags.iter().any(|&t| t >= features) {
            return Err(Detail::coded("window_feature_unknown_tag", []));
        }
        if self.means.len() != self.width() || self.stds.len() != self.width() {
            return Err(Detail::coded("window_feature_statistics_count", []));
        }
        if self.means.iter().chain(&self.stds).any(|x| !x.is_finite()) || self.stds.iter().any(|s| *s <= 0.0) {
            return Err(Detail::coded("window_feature_statistics_values", []));
        }
        Ok(())
    }
}

/// Checks a requested window length.
pub fn check_window(window: u32) -> Result<()> {
    if window == 0 || window > MAX_FEATURE_WINDOW {
        return Err(EngineError::BadTrainConfig(window_out_of_range(window)));
    }
    Ok(())
}

/// "the feature window must be between 1 and [`MAX_FEATURE_WINDOW`] samples, not `window`".
fn window_out_of_range(window: u32) -> Detail {
    Detail::coded("feature_window_range", [("max", u64::from(MAX_FEATURE_WINDOW).into()), ("value", u64::from(window).into())])
}

/// The gap threshold of a time axis: [`GAP_FACTOR`] × the median positive spacing of `times`.
pub fn gap_threshold(times: &[i64]) -> Option<i64> {
    let mut steps: Vec<i64> = times.windows(2).map(|w| w[1].saturating_sub(w[0])).filter(|d| *d > 0).collect();
    if steps.is_empty() {
        return None;
    }
    let mid = steps.len() / 2;
    let (_, median, _) = steps.select_nth_unstable(mid);
    Some(median.saturating_mul(GAP_FACTOR))
}

/// For each row, whether a new window starts there (the first row, and after every gap).
pub fn segment_starts(rows: usize, times: Option<&[i64]>, gap_ms: Option<i64>) -> Vec<bool> {
    let mut starts = vec![false; rows];
    if let Some(first) = starts.first_mut() {
        *first = true;
    }
    if let (Some(times), Some(gap)) = (times, gap_ms) {
        for i in 1..rows.min(times.len()) {
            let step = times[i].saturating_sub(times[i - 1]);
            if step > gap || step < 0 {
                starts[i] = true;
            }
        }
    }
    starts
}

/// The raw (unstandardized) window statistics of one tag, `[rows, WINDOW_STATS]`, NaN where
/// a statistic has nothing to read.
///
/// Each segment (between window restarts) is its own polars series, so a window never reaches
/// across a gap: the previous value is polars' `shift`, and the mean, spread and extremes are
/// its fixed-window rolling aggregations (missing values skipped, one present value enough).
/// Polars has no rolling slope or time since a change; those come from one pass of running
/// sums here.
pub fn tag_statistics(values: &[Option<f64>], starts: &[bool], window: usize) -> Result<Vec<f64>> {
    let k = WINDOW_STATS.len();
    let mut out = vec![f64::NAN; values.len() * k];
    let window = window.max(1);
    let mut from = 0;
    while from < values.len() {
        let to = (from + 1..values.len()).find(|&i| starts.get(i).copied().unwrap_or(false)).unwrap_or(values.len());
        let segment = &values[from..to];
        let rows = &mut out[from * k..to * k];
        rolling_aggregates(segment, window, rows).map_err(|e| EngineError::Internal(format!("computing the window features failed: {e}")))?;
        slope_and_since_change(segment, window, rows);
        from = to;
    }
    Ok(out)
}

/// Previous value, mean, standard deviation, minimum and maximum of one segment, written into
/// its rows of `[rows, WINDOW_STATS]`.
fn rolling_aggregates(segment: &[Option<f64>], window: usize, out: &mut [f64]) -> PolarsResult<()> {
    // Values are taken relative to the segment's first reading, so the rolling sums of large
    // readings (e.g. 3,600 kPa) keep their small variations; the spread does not move.
    let origin = segment.iter().flatten().next().copied().unwrap_or(0.0);
    let series: Series = segment.iter().map(|v| v.map(|x| x - origin)).collect::<Float64Chunked>().into_series();
    let options = |fn_params| RollingOptionsFixedWindow { window_size: window, min_periods: 1, weights: None, center: false, fn_params };
    let population = Some(RollingFnParams::Var(RollingVarParams { ddof: 0 }));
    let columns = [
        (0, series.shift(1), origin),
        (1, series.rolling_mean(options(None))?, origin),
        (2, series.rolling_std(options(population))?, 0.0),
        (3, series.rolling_min(options(None))?, origin),
        (4, series.rolling_max(options(None))?, origin),
    ];
    let k = WINDOW_STATS.len();
    for (stat, result, offset) in columns {
        let result = result.cast(&DataType::Float64)?;
        for (row, value) in result.f64()?.iter().enumerate() {
            out[row * k + stat] = value.map_or(f64::NAN, |x| x + offset);
        }
    }
    Ok(())
}

/// Least-squares slope per sample over the window's present values, and the samples since
/// the value last changed (missing values count as no change), for one segment.
fn slope_and_since_change(segment: &[Option<f64>], window: usize, out: &mut [f64]) {
    let k = WINDOW_STATS.len();
    let mut sums = SlopeSums::default();
    let mut last_change = 0usize;
    for (i, value) in segment.iter().enumerate() {
        if i >= window {
            if let Some(x) = segment[i - window] {
                sums.remove(i - window, x);
            }
        }
        if let Some(x) = *value {
            sums.add(i, x);
        }
        if let Some(slope) = sums.slope() {
            out[i * k + 5] = slope;
        }
        if i > 0 {
            if let (Some(now), Some(before)) = (*value, segment[i - 1]) {
                if now != before {
                    last_change = i;
                }
            }
        }
        out[i * k + 6] = (i - last_change).min(window) as f64;
    }
}

/// Running sums over the present values of one window for its least-squares slope.
#[derive(Default)]
struct SlopeSums {
    n: f64,
    /// Values and row numbers are summed relative to the first ones seen, which keeps the
    /// products of large readings and long segments from losing small variations.
    origin: Option<f64>,
    base: usize,
    sum: f64,
    sum_ix: f64,
    sum_i: f64,
    sum_ii: f64,
}

impl SlopeSums {
    fn add(&mut self, row: usize, x: f64) {
        let origin = *self.origin.get_or_insert(x);
        if self.n == 0.0 {
            self.base = row;
        }
        let (d, t) = (x - origin, (row - self.base) as f64);
        self.n += 1.0;
        self.sum += d;
        self.sum_ix += t * d;
        self.sum_i += t;
        self.sum_ii += t * t;
    }

    fn remove(&mut self, row: usize, x: f64) {
        let Some(origin) = self.origin else { return };
        let (d, t) = (x - origin, row.saturating_sub(self.base) as f64);
        self.n -= 1.0;
        self.sum -= d;
        self.sum_ix -= t * d;
        self.sum_i -= t;
        self.sum_ii -= t * t;
        if self.n <= 0.0 {
            *self = SlopeSums::default();
        }
    }

    /// Slope per sample; `None` without values, 0 with a single one.
    fn slope(&self) -> Option<f64> {
        self.origin?;
        if self.n <= 0.0 {
            return None;
        }
        let n = self.n;
        let (t_mean, mean) = (self.sum_i / n, self.sum / n);
        let t_var = self.sum_ii / n - t_mean * t_mean;
        Some(if t_var > 1e-12 { (self.sum_ix / n - t_mean * mean) / t_var } else { 0.0 })
    }
}

/// Training mean and standard deviation of each column of `[rows, width]` values over
/// `rows` (NaN skipped); a column without spread gets 1.
pub fn column_moments(values: &[f64], width: usize, rows: std::ops::Range<usize>) -> (Vec<f64>, Vec<f64>) {
    let mut means = Vec::with_capacity(width);
    let mut stds = Vec::with_capacity(width);
    for c in 0..width {
        let (mut n, mut sum, mut sum_sq) = (0.0f64, 0.0f64, 0.0f64);
        let first = rows.clone().map(|r| values[r * width + c]).find(|x| x.is_finite()).unwrap_or(0.0);
        for r in rows.clone() {
            let x = values[r * width + c];
            if x.is_finite() {
                let d = x - first;
                n += 1.0;
                sum += d;
                sum_sq += d * d;
            }
        }
        let (mean, var) = if n > 0.0 { (sum / n, (sum_sq / n - (sum / n) * (sum / n)).max(0.0)) } else { (0.0, 0.0) };
        let std = var.sqrt();
        means.push(first + mean);
        stds.push(if std > 1e-12 && std.is_finite() { std } else { 1.0 });
    }
    (means, stds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(values: &[Option<f64>], starts: &[bool], window: usize) -> Vec<f64> {
        let k = WINDOW_STATS.len();
        let mut out = vec![f64::NAN; values.len() * k];
        let mut seg = 0;
        for i in 0..values.len() {
            if starts[i] {
                seg = i;
            }
            let from = seg.max((i + 1).saturating_sub(window));
            let present: Vec<(f64, f64)> = (from..=i).filter_map(|j| values[j].map(|x| (j as f64, x))).collect();
            let row = &mut out[i * k..(i + 1) * k];
            if i > seg {
                row[0] = values[i - 1].unwrap_or(f64::NAN);
            }
            if !present.is_empty() {
                let n = present.len() as f64;
                let mean = present.iter().map(|p| p.1).sum::<f64>() / n;
                let var = present.iter().map(|p| (p.1 - mean).powi(2)).sum::<f64>() / n;
                let tm = present.iter().map(|p| p.0).sum::<f64>() / n;
                let tv = present.iter().map(|p| (p.0 - tm).powi(2)).sum::<f64>() / n;
                let cov = present.iter().map(|p| (p.0 - tm) * (p.1 - mean)).sum::<f64>() / n;
                row[1] = mean;
                row[2] = var.sqrt();
                row[3] = present.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                row[4] = present.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
                row[5] = if tv > 1e-12 { cov / tv } else { 0.0 };
            }
            let mut since = 0;
            let mut j = i;
            while j > seg && !matches!((values[j], values[j - 1]), (Some(a), Some(b)) if a != b) {
                since += 1;
                j -= 1;
            }
            row[6] = since.min(window) as f64;
        }
        out
    }

    fn close(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn running_statistics_match_a_direct_computation() {
        let mut seed = 7u64;
        let values: Vec<Option<f64>> = (0..400)
            .map(|i| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let noise = (seed >> 33) as f64 / (1u64 << 31) as f64;
                match i % 23 {
                    0 => None,
                    5..=9 => Some(3600.0),
                    _ => Some(3600.0 + (i as f64 * 0.1).sin() * 5.0 + noise),
                }
            })
            .collect();
        let mut starts = vec![false; values.len()];
        starts[0] = true;
        starts[150] = true;
        for window in [1, 2, 7, 30] {
            let fast = tag_statistics(&values, &starts, window).unwrap();
            let slow = naive(&values, &starts, window);
            for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
                assert!(close(*a, *b), "window {window}, row {}, {}: {a} vs {b}", i / 7, WINDOW_STATS[i % 7]);
            }
        }
    }

    #[test]
    fn features_are_causal_and_restart_after_gaps() {
        let values: Vec<Option<f64>> = (0..60).map(|i| Some(f64::from(i))).collect();
        let starts =
            segment_starts(60, Some(&(0..60).map(|i| if i < 30 { i * 60_000 } else { i * 60_000 + 3_600_000 }).collect::<Vec<_>>()), Some(180_000));
        assert!(starts[0] && starts[30] && starts.iter().filter(|s| **s).count() == 2);
        let before = tag_statistics(&values, &starts, 10).unwrap();
        for changed_row in [10, 45, 59] {
            let mut changed = values.clone();
            changed[changed_row] = Some(-1e6);
            let after = tag_statistics(&changed, &starts, 10).unwrap();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&before[..changed_row * 7]), bits(&after[..changed_row * 7]), "a later value changed an earlier feature");
        }
        // Row 30 opens a new window: its mean is its own value, not one of the first run's.
        assert_eq!(before[30 * 7 + 1], 30.0);
        assert!(before[30 * 7].is_nan(), "no previous value across a gap");
    }

    #[test]
    fn gap_threshold_is_three_median_steps() {
        let times: Vec<i64> = vec![0, 60, 120, 180, 10_000, 10_060];
        assert_eq!(gap_threshold(&times), Some(180));
        assert_eq!(gap_threshold(&[5]), None);
    }
}
