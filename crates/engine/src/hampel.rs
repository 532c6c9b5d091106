//! The Hampel rule, one implementation for the `outliers` cleaning step (over whole columns)
//! and the quality report's `spike` check (at the few rows that jumped): a value is an outlier
//! when it lies more than k robust standard deviations from the median of the samples either
//! side of it, σ being 1.4826 × the window's median absolute deviation, at least a noise floor.
//! The window holds the judged value itself and only finite samples.

use plantlab_protocol::OutlierAction;

/// 1.4826 × MAD estimates the standard deviation of normal noise.
pub(crate) const MAD_TO_SIGMA: f64 = 1.4826;
/// median |x[i] − x[i−1]| of normal noise is 0.954 σ; this turns it back into σ (the noise
/// floors of the rule are estimated this way).
pub(crate) const STEP_MEDIAN_TO_SIGMA: f64 = 1.0483;
/// Rows per worker below which a whole column is filtered on the calling thread.
const PARALLEL_MIN_ROWS: usize = 100_000;

/// The rule's parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hampel {
    /// Samples either side of the judged one.
    pub half_width: usize,
    /// How many robust standard deviations from the median make an outlier.
    pub k: f64,
    /// The least σ: keeps it from collapsing to zero on quantized or briefly constant stretches.
    pub floor: f64,
    /// Fewest finite samples in a window (the judged one included) that allow a verdict.
    pub min_samples: usize,
}

/// The window a value was judged an outlier against: its median and σ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Outlier {
    pub median: f64,
    pub sigma: f64,
}

impl Hampel {
    /// The verdict on `values[row]` from the samples within `half_width` rows of it; `window`
    /// and `deviations` are scratch space. The quality report asks this at a few rows only.
    pub fn outlier_at(&self, values: &[f64], row: usize, window: &mut Vec<f64>, deviations: &mut Vec<f64>) -> Option<Outlier> {
        let value = *values.get(row)?;
        let lo = row.saturating_sub(self.half_width);
        let hi = row.saturating_add(self.half_width).saturating_add(1).min(values.len());
        window.clear();
        window.extend(values[lo..hi].iter().copied().filter(|v| v.is_finite()));
        window.sort_unstable_by(f64::total_cmp);
        self.judge(window, value, deviations)
    }

    /// Filters a whole column in place: outliers become NaN or are clipped to median ± k·σ.
    /// Every value is judged against the input, so a run of outliers does not shield itself.
    /// Returns how many values changed.
    ///
    /// The window is kept sorted as it slides (one removal, one insertion), so the median costs
    /// nothing; the MAD is only computed where the value is already more than k·floor from the
    /// median, since σ is never below the floor. A million rows take tens of milliseconds.
    pub fn filter(&self, values: &mut [f64], action: OutlierAction) -> usize {
        let rule = Hampel { half_width: self.half_width.max(1), ..*self };
        let input = values.to_vec();
        let n = input.len();
        let workers = std::thread::available_parallelism().map_or(1, |w| w.get()).min(n / PARALLEL_MIN_ROWS).max(1);
        if workers == 1 {
            return rule.filter_rows(&input, values, 0, action);
        }
        // Each worker filters its own rows; windows reach into the neighbours' rows of the input.
        let size = n.div_ceil(workers);
        std::thread::scope(|scope| {
            let handles: Vec<_> = values
                .chunks_mut(size)
                .enumerate()
                .map(|(c, out)| {
                    let input = &input;
                    scope.spawn(move || rule.filter_rows(input, out, c * size, action))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        })
    }

    /// The filter for rows `first .. first + out.len()` of `input`, written into `out`.
    fn filter_rows(&self, input: &[f64], out: &mut [f64], first: usize, action: OutlierAction) -> usize {
        let (n, window) = (input.len(), self.half_width);
        let mut sorted: Vec<f64> = Vec::with_capacity(2 * window + 2);
        let mut deviations: Vec<f64> = Vec::with_capacity(2 * window + 2);
        let insert = |sorted: &mut Vec<f64>, v: f64| {
            if v.is_finite() {
                let at = sorted.partition_point(|&x| x < v);
                sorted.insert(at, v);
            }
        };
        let remove = |sorted: &mut Vec<f64>, v: f64| {
            if v.is_finite() {
                let at = sorted.partition_point(|&x| x < v);
                if at < sorted.len() {
                    sorted.remove(at);
                }
            }
        };
        // The window of the row before the first: input[first - 1 - window ..= first - 1 + window].
        for &v in &input[first.saturating_sub(window + 1).min(n)..(first + window).min(n)] {
            insert(&mut sorted, v);
        }
        let mut changed = 0;
        for i in first..first + out.len() {
            // The window is input[i - window ..= i + window], clipped to the data.
            let incoming = if i + window < n { input[i + window] } else { f64::NAN };
            let outgoing = if i > window { input[i - window - 1] } else { f64::NAN };
            if incoming.is_finite() && outgoing.is_finite() && !sorted.is_empty() {
                // One value out, one in: a single shift of the values between the two places.
                let out_at = sorted.partition_point(|&x| x < outgoing).min(sorted.len() - 1);
                let in_at = sorted.partition_point(|&x| x < incoming);
                if in_at > out_at {
                    sorted.copy_within(out_at + 1..in_at, out_at);
                    sorted[in_at - 1] = incoming;
                } else {
                    sorted.copy_within(in_at..out_at, in_at + 1);
                    sorted[in_at] = incoming;
                }
            } else {
                insert(&mut sorted, incoming);
                remove(&mut sorted, outgoing);
            }
            let v = input[i];
            let Some(Outlier { median, sigma }) = self.judge(&sorted, v, &mut deviations) else { continue };
            out[i - first] = match action {
                OutlierAction::Null => f64::NAN,
                OutlierAction::Clip => v.clamp(median - self.k * sigma, median + self.k * sigma),
            };
            changed += 1;
        }
        changed
    }

    /// The verdict on `value` from its window's finite samples in ascending order.
    fn judge(&self, sorted: &[f64], value: f64, deviations: &mut Vec<f64>) -> Option<Outlier> {
        let m = sorted.len();
        if !value.is_finite() || m == 0 || m < self.min_samples {
            return None;
        }
        let median = if m % 2 == 1 { sorted[m / 2] } else { 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]) };
        let distance = (value - median).abs();
        // σ is never below the floor, so a value this close is normal without a MAD.
        if distance <= self.k * self.floor {
            return None;
        }
        deviations.clear();
        deviations.extend(sorted.iter().map(|x| (x - median).abs()));
        // The upper median of the deviations, by selection.
        let (_, mad, _) = deviations.select_nth_unstable_by(m / 2, f64::total_cmp);
        let sigma = (MAD_TO_SIGMA * *mad).max(self.floor);
        (sigma > 0.0 && distance > self.k * sigma).then_some(Outlier { median, sigma })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pseudo-random quantized data with repeats, gaps and spikes.
    fn spiky_data(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|i| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let r = (state >> 33) as f64 / (1u64 << 31) as f64;
                if i % 97 == 0 {
                    f64::NAN
                } else if i % 211 == 0 {
                    40.0
                } else {
                    (r * 8.0).round() / 4.0
                }
            })
            .collect()
    }

    #[test]
    fn the_sliding_hampel_window_matches_a_plain_one() {
        // Long enough to be split between workers where there are several cores.
        let data = spiky_data(250_000, 12345);
        let (window, k, floor) = (5usize, 3.0, 0.05);
        let mut fast = data.clone();
        Hampel { half_width: window, k, floor, min_samples: 3 }.filter(&mut fast, OutlierAction::Null);
        let mut plain = data.clone();
        for i in 0..data.len() {
            let v = data[i];
            let mut w: Vec<f64> =
                data[i.saturating_sub(window)..(i + window + 1).min(data.len())].iter().copied().filter(|x| x.is_finite()).collect();
            if !v.is_finite() || w.len() < 3 {
                continue;
            }
            w.sort_by(f64::total_cmp);
            let m = w.len();
            let median = if m % 2 == 1 { w[m / 2] } else { 0.5 * (w[m / 2 - 1] + w[m / 2]) };
            let mut dev: Vec<f64> = w.iter().map(|x| (x - median).abs()).collect();
            dev.sort_by(f64::total_cmp);
            // The nearest-rank median of the deviations.
            let mad = dev[((m - 1) as f64 * 0.5).round() as usize];
            let sigma = (MAD_TO_SIGMA * mad).max(floor);
            if (v - median).abs() > k * sigma {
                plain[i] = f64::NAN;
            }
        }
        let same = fast.iter().zip(&plain).all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
        assert!(same);
        assert!(fast.iter().filter(|v| v.is_nan()).count() > data.iter().filter(|v| v.is_nan()).count());
    }

    #[test]
    fn the_column_filter_and_the_check_at_one_row_agree() {
        // The cleaning step filters whole columns, the spike check asks at single rows: both
        // must give the same verdict and the same bounds, at the edges and beside gaps too.
        let data = spiky_data(20_000, 777);
        for (half_width, min_samples, floor) in [(1, 3, 0.0), (3, 3, 0.05), (7, 8, 0.1), (20, 21, 0.01)] {
            let rule = Hampel { half_width, k: 3.0, floor, min_samples };
            let mut clipped = data.clone();
            let changed = rule.filter(&mut clipped, OutlierAction::Clip);
            let (mut window, mut deviations) = (Vec::new(), Vec::new());
            let mut outliers = 0;
            for (row, &v) in data.iter().enumerate() {
                match rule.outlier_at(&data, row, &mut window, &mut deviations) {
                    Some(Outlier { median, sigma }) => {
                        outliers += 1;
                        assert_eq!(clipped[row], v.clamp(median - rule.k * sigma, median + rule.k * sigma), "row {row}, {rule:?}");
                    }
                    None => assert!(clipped[row] == v || (v.is_nan() && clipped[row].is_nan()), "row {row}, {rule:?}"),
                }
            }
            assert_eq!(changed, outliers, "{rule:?}");
            assert!(outliers > 0, "{rule:?}");
        }
    }

    #[test]
    fn too_few_samples_or_no_spread_give_no_verdict() {
        let rule = Hampel { half_width: 3, k: 3.0, floor: 0.0, min_samples: 4 };
        let (mut window, mut deviations) = (Vec::new(), Vec::new());
        // Three finite samples in the window of row 1: fewer than four.
        assert_eq!(rule.outlier_at(&[1.0, 50.0, 1.0, f64::NAN, f64::NAN], 1, &mut window, &mut deviations), None);
        // A constant window with a zero floor has σ = 0: nothing can be judged against it.
        assert_eq!(rule.outlier_at(&[1.0; 7], 3, &mut window, &mut deviations), None);
        let spike = [1.0, 1.1, 0.9, 9.0, 1.0, 1.05, 0.95];
        let verdict = rule.outlier_at(&spike, 3, &mut window, &mut deviations);
        assert!(verdict.is_some_and(|o| o.median == 1.0 && o.sigma > 0.0), "{verdict:?}");
        assert_eq!(rule.outlier_at(&spike, 99, &mut window, &mut deviations), None, "a row past the end");
    }
}
