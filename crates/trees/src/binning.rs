//! Feature binning: each feature's values are cut at quantiles of the training rows into at most
//! `max_bins` value bins; missing values (NaN) go to a bin of their own. The cut points are raw
//! `f32` thresholds with `value <= threshold` on the left, the same rule prediction uses, so a
//! tree grown on bins sends every training row where its raw value sends it.

use rayon::prelude::*;

/// The bin of missing values, for every feature (value bins are `0..value_bins`, at most 255).
pub(crate) const MISSING_BIN: u8 = 255;

/// Cut points come from at most this many rows (evenly spaced, so the choice is deterministic).
const MAX_BINNING_ROWS: usize = 200_000;

/// Infinite values are treated as the largest finite ones, in training and in prediction alike,
/// so every threshold stays finite and "all values to the left" is `<= f32::MAX`.
pub(crate) fn clamp_infinite(value: f32) -> f32 {
    value.clamp(-f32::MAX, f32::MAX)
}

/// The training matrix as bin codes, column by column.
pub(crate) struct BinnedData {
    pub rows: usize,
    /// Bin codes, column-major: feature `j` is `codes[j * rows..(j + 1) * rows]`.
    codes: Vec<u8>,
    /// Per feature, the upper bound of each value bin but the last (strictly increasing).
    thresholds: Vec<Vec<f32>>,
    /// Per feature, the number of value bins (0 when every training value is missing).
    value_bins: Vec<usize>,
    /// Per feature, whether any training row misses it.
    has_missing: Vec<bool>,
}

impl BinnedData {
    /// Bins row-major `x` (`rows × features`, already checked for size).
    pub(crate) fn new(x: &[f32], rows: usize, features: usize, max_bins: usize) -> Self {
        let sample_rows: Vec<usize> = if rows <= MAX_BINNING_ROWS {
            (0..rows).collect()
        } else {
            (0..MAX_BINNING_ROWS).map(|k| (k as u128 * rows as u128 / MAX_BINNING_ROWS as u128) as usize).collect()
        };
        let thresholds: Vec<Vec<f32>> = (0..features)
            .into_par_iter()
            .map(|j| {
                let mut values: Vec<f32> = sample_rows.iter().map(|&i| x[i * features + j]).filter(|v| !v.is_nan()).map(clamp_infinite).collect();
                values.sort_unstable_by(f32::total_cmp);
                cut_points(&values, max_bins)
            })
            .collect();
        let mut codes = vec![0u8; rows * features];
        let presence: Vec<(bool, bool)> = codes
            .par_chunks_mut(rows.max(1))
            .zip(thresholds.par_iter())
            .enumerate()
            .map(|(j, (column, cuts))| {
                let (mut missing, mut present) = (false, false);
                for (i, code) in column.iter_mut().enumerate() {
                    let value = x[i * features + j];
                    *code = if value.is_nan() {
                        missing = true;
                        MISSING_BIN
                    } else {
                        present = true;
                        bin_of(cuts, clamp_infinite(value))
                    };
                }
                (present, missing)
            })
            .collect();
        let value_bins = thresholds.iter().zip(&presence).map(|(cuts, &(present, _))| if present { cuts.len() + 1 } else { 0 }).collect();
        let has_missing = presence.into_iter().map(|(_, missing)| missing).collect();
        BinnedData { rows, codes, thresholds, value_bins, has_missing }
    }

    pub(crate) fn features(&self) -> usize {
        self.thresholds.len()
    }

    pub(crate) fn column(&self, feature: usize) -> &[u8] {
        &self.codes[feature * self.rows..(feature + 1) * self.rows]
    }

    /// Value bins of a feature (0 when every training value is missing).
    pub(crate) fn value_bins(&self, feature: usize) -> usize {
        self.value_bins[feature]
    }

    /// Whether a split on the feature can separate anything: two value bins, or values and
    /// missing ones. Constant features never split.
    pub(crate) fn splittable(&self, feature: usize) -> bool {
        let bins = self.value_bins(feature);
        bins >= 2 || (bins == 1 && self.has_missing[feature])
    }

    /// The raw threshold of "value bins `0..=bin` go left": the bin's upper bound, or `f32::MAX`
    /// (every present value) for the last bin.
    pub(crate) fn threshold(&self, feature: usize, bin: u8) -> f32 {
        self.thresholds[feature].get(usize::from(bin)).copied().unwrap_or(f32::MAX)
    }
}

/// The bin of a present (clamped) value: the first bin whose upper bound is `>= value`.
fn bin_of(cuts: &[f32], value: f32) -> u8 {
    // At most 254 cut points, so the index fits.
    cuts.partition_point(|&cut| cut < value) as u8
}

/// Cut points of sorted present values: between every two distinct values when there are at
/// most `max_bins` of them, else at quantiles. Each cut `c` has a value `<= c` and one `> c`.
fn cut_points(sorted: &[f32], max_bins: usize) -> Vec<f32> {
    let Some(&largest) = sorted.last() else { return Vec::new() };
    let mut distinct = sorted.to_vec();
    distinct.dedup();
    let mut cuts: Vec<f32> = Vec::with_capacity(max_bins);
    if distinct.len() <= max_bins {
        cuts.extend(distinct.windows(2).map(|pair| midpoint(pair[0], pair[1])));
        return cuts;
    }
    for k in 1..max_bins {
        let index = k * sorted.len() / max_bins;
        let (low, high) = (sorted[index - 1], sorted[index]);
        let cut = if low < high { midpoint(low, high) } else { low };
        if cut < largest && cuts.last().is_none_or(|&last| cut > last) {
            cuts.push(cut);
        }
    }
    cuts
}

/// A threshold between `low < high` that keeps `low` on the left and `high` on the right.
fn midpoint(low: f32, high: f32) -> f32 {
    let middle = ((f64::from(low) + f64::from(high)) / 2.0) as f32;
    if middle >= low && middle < high {
        middle
    } else {
        low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_a_bin_each_and_missing_its_own() {
        let x = [1.0, f32::NAN, 3.0, 1.0, 2.0, f32::INFINITY];
        let binned = BinnedData::new(&x, 6, 1, 255);
        assert_eq!(binned.column(0), &[0, MISSING_BIN, 2, 0, 1, 3]);
        assert_eq!(binned.value_bins(0), 4);
        assert!(binned.splittable(0));
        // The rule `value <= threshold(bin)` agrees with the codes.
        for (&value, &code) in x.iter().zip(binned.column(0)) {
            if !value.is_nan() {
                for bin in 0..4u8 {
                    assert_eq!(clamp_infinite(value) <= binned.threshold(0, bin), code <= bin, "value {value} bin {bin}");
                }
            }
        }
    }

    #[test]
    fn many_values_are_cut_at_quantiles_into_at_most_max_bins() {
        let rows = 10_000;
        let x: Vec<f32> = (0..rows).map(|i| ((i * 7919) % rows) as f32 * 0.5).collect();
        let binned = BinnedData::new(&x, rows, 1, 16);
        assert_eq!(binned.value_bins(0), 16);
        let mut counts = [0usize; 16];
        for &code in binned.column(0) {
            counts[usize::from(code)] += 1;
        }
        assert!(counts.iter().all(|&c| c == rows / 16 || c == rows / 16 + 1), "{counts:?}");
    }

    #[test]
    fn constant_and_all_missing_features_cannot_split() {
        // Three rows, row-major; the columns are: always 5; always missing; 5, missing, 5.
        let x = [5.0, f32::NAN, 5.0, 5.0, f32::NAN, f32::NAN, 5.0, f32::NAN, 5.0];
        let binned = BinnedData::new(&x, 3, 3, 255);
        assert!(!binned.splittable(0), "constant feature");
        assert!(!binned.splittable(1), "all missing");
        assert!(binned.splittable(2), "one value and missing values");
    }
}
