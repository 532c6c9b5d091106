//! The `fill` step: forward fill and interpolation (limited in samples or in time), the
//! training median, or a fixed value.

use plantlab_protocol::{FillMethod, FittedStats};
use polars::prelude::*;

use super::{check_columns, fitted_column, value_arg};
use crate::clean::table::{idx, internal, numeric_column_like, Table};
use crate::error::{Detail, EngineError, Result};

pub(super) fn fill(table: &Table, out: &mut Table, op: &str, columns: &[String], method: &FillMethod, fitted: Option<&FittedStats>) -> Result<()> {
    check_columns(table, op, columns)?;
    let times = table.times()?;
    for name in columns {
        let column = table.column(op, name)?;
        if column.null_count() == 0 {
            continue;
        }
        let filled = match method {
            FillMethod::Forward { limit } => forward_fill(column, *limit)?,
            FillMethod::Interpolate { limit } => {
                let mut values = table.floats(op, name)?;
                interpolate(&mut values, times.as_deref(), *limit);
                numeric_column_like(name, &values, column.dtype())
            }
            FillMethod::ForwardWithin { max_gap_s } => {
                let times = times.as_deref().ok_or_else(|| needs_time_axis(op))?;
                forward_fill_within(column, times, gap_ms(*max_gap_s)?)?
            }
            FillMethod::InterpolateWithin { max_gap_s } => {
                let times = times.as_deref().ok_or_else(|| needs_time_axis(op))?;
                let mut values = table.floats(op, name)?;
                interpolate_within(&mut values, times, gap_ms(*max_gap_s)?);
                numeric_column_like(name, &values, column.dtype())
            }
            FillMethod::Median => {
                let median = fitted_column(fitted, op, name)?.median.unwrap_or(f64::NAN);
                fill_value(table, op, name, median)?
            }
            FillMethod::Value { value } => fill_value(table, op, name, *value)?,
        };
        out.put(filled)?;
        // The column's status texts are settled by the fill: any left in runs too long
        // to fill count as plain missing cells from here on.
        out.status.retain(|s| &s.column != name);
    }
    Ok(())
}

fn forward_fill(column: &Column, limit: Option<u32>) -> Result<Column> {
    let valid = column.is_not_null();
    let limit = limit.map_or(usize::MAX, |l| l as usize);
    let mut source: Vec<Option<IdxSize>> = Vec::with_capacity(column.len());
    let mut last: Option<usize> = None;
    for (row, ok) in valid.iter().enumerate() {
        if ok == Some(true) {
            last = Some(row);
            source.push(Some(idx(row)?));
        } else {
            source.push(match last {
                Some(l) if row - l <= limit => Some(idx(l)?),
                _ => None,
            });
        }
    }
    column.take(&IdxCa::from_slice_options("idx".into(), &source)).map_err(internal)
}

fn needs_time_axis(op: &str) -> EngineError {
    EngineError::BadStep(Detail::coded("fill_needs_timestamps", [("op", op.into())]))
}

/// A fill limit in seconds as milliseconds, refusing limits that are not a duration.
fn gap_ms(max_gap_s: f64) -> Result<i64> {
    if !(max_gap_s.is_finite() && max_gap_s >= 0.0) {
        return Err(EngineError::BadStep(Detail::coded("fill_gap_seconds", [("value", value_arg(max_gap_s))])));
    }
    Ok((max_gap_s * 1000.0).round() as i64)
}

/// Runs of missing cells (as row ranges), each with the reading rows either side.
fn missing_runs(missing: impl Iterator<Item = bool>) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start: Option<usize> = None;
    let mut n = 0;
    for (row, gone) in missing.enumerate() {
        match (gone, start) {
            (true, None) => start = Some(row),
            (false, Some(s)) => {
                runs.push(s..row);
                start = None;
            }
            _ => {}
        }
        n = row + 1;
    }
    if let Some(s) = start {
        runs.push(s..n);
    }
    runs
}

/// Forward fill of the runs of missing cells whose last cell is at most `max_gap` ms after the
/// reading before the run; longer runs (and runs without a reading before them) stay missing.
fn forward_fill_within(column: &Column, times: &[Option<i64>], max_gap: i64) -> Result<Column> {
    let valid: Vec<bool> = column.is_not_null().iter().map(|v| v == Some(true)).collect();
    let mut source: Vec<Option<IdxSize>> = Vec::with_capacity(valid.len());
    for (row, &ok) in valid.iter().enumerate() {
        source.push(if ok { Some(idx(row)?) } else { None });
    }
    for run in missing_runs(valid.iter().map(|ok| !ok)) {
        let Some(left) = run.start.checked_sub(1) else { continue };
        let (Some(Some(from)), Some(Some(to))) = (times.get(left), times.get(run.end - 1)) else { continue };
        if to - from <= max_gap && to >= from {
            let reading = idx(left)?;
            for slot in &mut source[run] {
                *slot = Some(reading);
            }
        }
    }
    column.take(&IdxCa::from_slice_options("idx".into(), &source)).map_err(internal)
}

/// Interpolation in time of the runs of missing values whose readings either side are at most
/// `max_gap` ms apart; at the start and end of the column the nearest reading is held when it
/// is within `max_gap` of the whole run. Longer runs stay missing as a whole.
fn interpolate_within(values: &mut [f64], times: &[Option<i64>], max_gap: i64) {
    let n = values.len();
    let runs = missing_runs(values.iter().map(|v| !v.is_finite()));
    for run in runs {
        let time = |row: usize| times.get(row).copied().flatten();
        let inner: Option<Vec<i64>> = run.clone().map(time).collect();
        let Some(inner) = inner else { continue };
        let left = run.start.checked_sub(1);
        let right = (run.end < n).then_some(run.end);
        match (left, right) {
            (Some(l), Some(r)) => {
                let (Some(tl), Some(tr)) = (time(l), time(r)) else { continue };
                if tr <= tl || tr - tl > max_gap || inner.iter().any(|&t| t < tl || t > tr) {
                    continue;
                }
                let (a, b) = (values[l], values[r]);
                for (i, t) in run.zip(inner) {
                    values[i] = a + (b - a) * (t - tl) as f64 / (tr - tl) as f64;
                }
            }
            (Some(l), None) => {
                let (Some(tl), Some(&last)) = (time(l), inner.last()) else { continue };
                if last >= tl && last - tl <= max_gap {
                    let a = values[l];
                    values[run].fill(a);
                }
            }
            (None, Some(r)) => {
                let (Some(tr), Some(&first)) = (time(r), inner.first()) else { continue };
                if tr >= first && tr - first <= max_gap {
                    let b = values[r];
                    values[run].fill(b);
                }
            }
            (None, None) => {}
        }
    }
}

/// Fills runs of missing values of at most `limit` samples: linearly in time between the
/// readings either side (in row steps where there is no usable time), holding the nearest
/// reading at the start and end of the column.
fn interpolate(values: &mut [f64], times: Option<&[Option<i64>]>, limit: Option<u32>) {
    let n = values.len();
    let limit = limit.map_or(usize::MAX, |l| l as usize);
    let mut row = 0;
    while row < n {
        if values[row].is_finite() {
            row += 1;
            continue;
        }
        let start = row;
        while row < n && !values[row].is_finite() {
            row += 1;
        }
        let end = row;
        if end - start > limit {
            continue;
        }
        let left = start.checked_sub(1);
        let right = (end < n).then_some(end);
        match (left, right) {
            (Some(l), Some(r)) => {
                let (a, b) = (values[l], values[r]);
                let time = times.and_then(|t| {
                    let (tl, tr) = (t.get(l).copied().flatten()?, t.get(r).copied().flatten()?);
                    let inner: Option<Vec<i64>> = (start..end).map(|i| t.get(i).copied().flatten()).collect();
                    (tr > tl).then_some((tl, tr, inner?))
                });
                match time {
                    Some((tl, tr, inner)) if inner.iter().all(|&t| t >= tl && t <= tr) => {
                        for (i, t) in (start..end).zip(inner) {
                            values[i] = a + (b - a) * (t - tl) as f64 / (tr - tl) as f64;
                        }
                    }
                    _ => {
                        let span = (r - l) as f64;
                        for (i, v) in values.iter_mut().enumerate().take(end).skip(start) {
                            *v = a + (b - a) * (i - l) as f64 / span;
                        }
                    }
                }
            }
            (Some(l), None) => {
                let a = values[l];
                values[start..end].fill(a);
            }
            (None, Some(r)) => {
                let b = values[r];
                values[start..end].fill(b);
            }
            (None, None) => {}
        }
    }
}

fn fill_value(table: &Table, op: &str, name: &str, value: f64) -> Result<Column> {
    let column = table.column(op, name)?;
    if !value.is_finite() {
        return Err(EngineError::BadStep(Detail::coded("fill_value_unusable", [("column", name.into()), ("value", value_arg(value))])));
    }
    let mut values = table.floats(op, name)?;
    for v in values.iter_mut().filter(|v| v.is_nan()) {
        *v = value;
    }
    Ok(numeric_column_like(name, &values, column.dtype()))
}

#[cfg(test)]
mod tests {
    use plantlab_protocol::{CleanStep, FillMethod};
    use polars::prelude::*;

    use super::super::test_tables::{table, values};
    use super::super::{apply, fit};
    use super::*;

    #[test]
    fn interpolation_is_linear_in_time_and_respects_the_limit() {
        let mut v = vec![f64::NAN, 1.0, f64::NAN, f64::NAN, 4.0, f64::NAN, f64::NAN, f64::NAN, 8.0, f64::NAN];
        let times: Vec<Option<i64>> = (0..10).map(|i| Some(i * 10)).collect();
        interpolate(&mut v, Some(&times), Some(2));
        assert_eq!(&v[..5], &[1.0, 1.0, 2.0, 3.0, 4.0]);
        assert!(v[5].is_nan() && v[7].is_nan(), "a run of 3 is over the limit of 2");
        assert_eq!(v[9], 8.0, "the end holds the last reading");
    }

    #[test]
    fn forward_fill_stops_at_the_limit() {
        let t = table(vec![Some(1.0), None, None, None, Some(5.0)]);
        let step = CleanStep::Fill { columns: vec!["v".into()], method: FillMethod::Forward { limit: Some(2) } };
        let out = apply(&step, None, &t).unwrap();
        let v = values(&out);
        assert_eq!(&v[..3], &[1.0, 1.0, 1.0]);
        assert!(v[3].is_nan());
    }

    #[test]
    fn medians_are_fitted_on_the_training_part_only() {
        // The last 30 % holds huge values; the median must not see them.
        let v: Vec<Option<f64>> = (0..100)
            .map(|i| {
                if i == 3 {
                    None
                } else if i < 70 {
                    Some(1.0)
                } else {
                    Some(1000.0)
                }
            })
            .collect();
        let t = table(v);
        let step = CleanStep::Fill { columns: vec!["v".into()], method: FillMethod::Median };
        let fitted = fit(&step, &t, 0.7).unwrap().unwrap();
        assert_eq!(fitted.train_rows, 70);
        assert_eq!(fitted.columns["v"].median, Some(1.0));
        let out = apply(&step, Some(&fitted), &t).unwrap();
        assert_eq!(values(&out)[3], 1.0);
    }

    #[test]
    fn fills_limited_in_time_leave_long_gaps_missing() {
        // One-minute rows; a run of 2 missing (3 min between readings) and a run of 6 (7 min).
        let mut v: Vec<Option<f64>> = (0..12).map(|i| Some(i as f64)).collect();
        for i in [2, 3, 5, 6, 7, 8, 9, 10] {
            v[i] = None;
        }
        let t = table(v);
        let within = |method| apply(&CleanStep::Fill { columns: vec!["v".into()], method }, None, &t).unwrap();
        let got = values(&within(FillMethod::InterpolateWithin { max_gap_s: 300.0 }));
        assert_eq!(&got[..5], &[0.0, 1.0, 2.0, 3.0, 4.0]);
        assert!(got[5..11].iter().all(|v| v.is_nan()), "a 7-minute gap stays missing as a whole: {got:?}");
        let got = values(&within(FillMethod::ForwardWithin { max_gap_s: 180.0 }));
        assert_eq!(&got[..4], &[0.0, 1.0, 1.0, 1.0]);
        assert!(got[5..11].iter().all(|v| v.is_nan()), "{got:?}");
        // Rows removed in between count as time: readings 10 min apart are not bridged.
        let mut gapped = table(vec![Some(1.0), None, Some(3.0)]);
        let ts: Vec<i64> = vec![0, 60_000, 600_000];
        let cast = Int64Chunked::from_vec("ts".into(), ts).into_column().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
        gapped.frame.replace("ts", cast).unwrap();
        let step = CleanStep::Fill { columns: vec!["v".into()], method: FillMethod::InterpolateWithin { max_gap_s: 300.0 } };
        assert!(values(&apply(&step, None, &gapped).unwrap())[1].is_nan());
        // Without a time axis a limit in seconds is a clear error.
        let mut untimed = table(vec![Some(1.0), None, Some(3.0)]);
        untimed.timestamp = None;
        assert_eq!(apply(&step, None, &untimed).err().map(|e| e.code()), Some("bad_step"));
    }
}
