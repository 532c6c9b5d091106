//! Steps that turn implausible readings into missing ones: `outliers` (a range with
//! sentinels, IQR, MAD or the Hampel filter) and `flatline_to_null`.

use plantlab_protocol::{FittedStats, OutlierAction, OutlierMethod};

use super::{check_columns, fitted_column, quantile, MAD_TO_SIGMA};
use crate::clean::table::{numeric_column_like, Table};
use crate::error::Result;

/// Rows per worker below which the Hampel filter runs on the calling thread.
const PARALLEL_MIN_ROWS: usize = 100_000;

pub(super) fn outliers(
    table: &Table,
    out: &mut Table,
    op: &str,
    columns: &[String],
    method: &OutlierMethod,
    action: OutlierAction,
    fitted: Option<&FittedStats>,
) -> Result<()> {
    check_columns(table, op, columns)?;
    for name in columns {
        let column = table.column(op, name)?;
        let mut values = table.floats(op, name)?;
        let changed = match method {
            OutlierMethod::Range { low, high, values: sentinels } => {
                range_outliers(&mut values, low.unwrap_or(f64::NEG_INFINITY), high.unwrap_or(f64::INFINITY), sentinels, action)
            }
            OutlierMethod::Iqr { .. } | OutlierMethod::Mad { .. } => {
                let f = fitted_column(fitted, op, name)?;
                range_outliers(&mut values, f.low.unwrap_or(f64::NEG_INFINITY), f.high.unwrap_or(f64::INFINITY), &[], action)
            }
            OutlierMethod::Hampel { window, k } => {
                let floor = fitted_column(fitted, op, name)?.scale.unwrap_or(0.0);
                hampel(&mut values, *window as usize, *k, floor, action)
            }
        };
        if changed > 0 {
            out.put(numeric_column_like(name, &values, column.dtype()))?;
        }
    }
    Ok(())
}

pub(super) fn flatline(table: &Table, out: &mut Table, op: &str, columns: &[String], min_run: u32) -> Result<()> {
    check_columns(table, op, columns)?;
    let min_run = (min_run as usize).max(2);
    for name in columns {
        let column = table.column(op, name)?;
        let mut values = table.floats(op, name)?;
        if flatline_to_null(&mut values, min_run) > 0 {
            out.put(numeric_column_like(name, &values, column.dtype()))?;
        }
    }
    Ok(())
}

/// Values outside [low, high] (or equal to a sentinel, or infinite) become NaN or are clipped.
fn range_outliers(values: &mut [f64], low: f64, high: f64, sentinels: &[f64], action: OutlierAction) -> usize {
    let mut changed = 0;
    for v in values.iter_mut() {
        if v.is_nan() {
            continue;
        }
        if v.is_infinite() || sentinels.contains(v) {
            *v = f64::NAN;
            changed += 1;
        } else if *v < low || *v > high {
            *v = match action {
                OutlierAction::Null => f64::NAN,
                OutlierAction::Clip => v.clamp(low, high),
            };
            changed += 1;
        }
    }
    changed
}

/// Hampel filter: a value more than k robust σ (local MAD, at least `floor`) from the median
/// of the `window` samples either side is an outlier. Judged against the input, so a run of
/// outliers does not shield itself.
///
/// The window is kept sorted as it slides (one removal, one insertion), so the median costs
/// nothing; the MAD is only computed where the value is already more than k·floor from the
/// median, since σ is never below the floor. A million rows take tens of milliseconds.
fn hampel(values: &mut [f64], window: usize, k: f64, floor: f64, action: OutlierAction) -> usize {
    let window = window.max(1);
    let input = values.to_vec();
    let n = input.len();
    let workers = std::thread::available_parallelism().map_or(1, |w| w.get()).min(n / PARALLEL_MIN_ROWS).max(1);
    if workers == 1 {
        return hampel_rows(&input, values, 0, window, k, floor, action);
    }
    // Each worker filters its own rows; windows reach into the neighbours' rows of the input.
    let size = n.div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = values
            .chunks_mut(size)
            .enumerate()
            .map(|(c, out)| {
                let input = &input;
                scope.spawn(move || hampel_rows(input, out, c * size, window, k, floor, action))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    })
}

/// The Hampel filter for rows `first .. first + out.len()` of `input`, written into `out`.
#[allow(clippy::too_many_arguments)]
fn hampel_rows(input: &[f64], out: &mut [f64], first: usize, window: usize, k: f64, floor: f64, action: OutlierAction) -> usize {
    let n = input.len();
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
        if !v.is_finite() || sorted.len() < 3 {
            continue;
        }
        let m = sorted.len();
        let median = if m % 2 == 1 { sorted[m / 2] } else { 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]) };
        let distance = (v - median).abs();
        if distance <= k * floor {
            continue;
        }
        deviations.clear();
        deviations.extend(sorted.iter().map(|x| (x - median).abs()));
        let sigma = (MAD_TO_SIGMA * quantile(&mut deviations, 0.5).unwrap_or(0.0)).max(floor);
        if sigma <= 0.0 || distance <= k * sigma {
            continue;
        }
        out[i - first] = match action {
            OutlierAction::Null => f64::NAN,
            OutlierAction::Clip => v.clamp(median - k * sigma, median + k * sigma),
        };
        changed += 1;
    }
    changed
}

/// Runs of at least `min_run` identical consecutive readings become NaN.
fn flatline_to_null(values: &mut [f64], min_run: usize) -> usize {
    let n = values.len();
    let mut changed = 0;
    let mut start = 0;
    while start < n {
        let v = values[start];
        let mut end = start + 1;
        if v.is_finite() {
            while end < n && values[end] == v {
                end += 1;
            }
            if end - start >= min_run {
                values[start..end].fill(f64::NAN);
                changed += end - start;
            }
        }
        start = end;
    }
    changed
}

#[cfg(test)]
mod tests {
    use plantlab_protocol::{CleanStep, OutlierAction, OutlierMethod};

    use super::super::test_tables::{table, values};
    use super::super::{apply, fit};
    use super::*;

    #[test]
    fn hampel_removes_a_spike_and_keeps_the_rest() {
        let v: Vec<Option<f64>> = (0..200).map(|i| Some(if i == 100 { 50.0 } else { (i as f64 * 0.3).sin() })).collect();
        let t = table(v);
        let step =
            CleanStep::Outliers { columns: vec!["v".into()], method: OutlierMethod::Hampel { window: 7, k: 6.0 }, action: OutlierAction::Null };
        let fitted = fit(&step, &t, 0.7).unwrap();
        let out = apply(&step, fitted.as_ref(), &t).unwrap();
        let v = values(&out);
        assert!(v[100].is_nan());
        assert_eq!(v.iter().filter(|x| x.is_nan()).count(), 1);
    }

    #[test]
    fn the_sliding_hampel_window_matches_a_plain_one() {
        // Pseudo-random data with repeats, gaps and spikes.
        let mut state = 12345u64;
        // Long enough to be split between workers where there are several cores.
        let data: Vec<f64> = (0..250_000)
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
            .collect();
        let (window, k, floor) = (5usize, 3.0, 0.05);
        let mut fast = data.clone();
        hampel(&mut fast, window, k, floor, OutlierAction::Null);
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
            let sigma = (MAD_TO_SIGMA * quantile(&mut dev, 0.5).unwrap()).max(floor);
            if (v - median).abs() > k * sigma {
                plain[i] = f64::NAN;
            }
        }
        let same = fast.iter().zip(&plain).all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
        assert!(same);
        assert!(fast.iter().filter(|v| v.is_nan()).count() > data.iter().filter(|v| v.is_nan()).count());
    }
}
