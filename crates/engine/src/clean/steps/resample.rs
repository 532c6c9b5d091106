//! The `resample` step: one row per interval, aligned to multiples of the interval.

use plantlab_protocol::Aggregate;
use polars::prelude::*;
use rayon::prelude::*;

use super::value_arg;
use crate::clean::table::{datetime_column, idx, internal, is_float, is_numeric, numeric_column_like, Table};
use crate::error::{Detail, EngineError, Result};

/// Most rows a resample may produce: guards against an interval far below the data's spacing.
const MAX_RESAMPLE_ROWS: u64 = 50_000_000;

pub(super) fn resample(table: &Table, out: &mut Table, interval_s: f64, aggregate: Aggregate, max_columns: &[String]) -> Result<()> {
    let op = "resample";
    let times = table.require_times(op)?;
    let interval = (interval_s * 1000.0).round() as i64;
    if !interval_s.is_finite() || interval < 1 {
        return Err(EngineError::BadStep(Detail::coded("resample_interval_too_short", [("value", value_arg(interval_s))])));
    }
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for t in times.iter().flatten() {
        lo = lo.min(t.div_euclid(interval));
        hi = hi.max(t.div_euclid(interval));
    }
    if lo > hi {
        return Err(EngineError::BadStep(Detail::coded("resample_no_timestamps", [])));
    }
    let buckets = (hi - lo + 1) as u64;
    let known = times.iter().flatten().count() as u64;
    if buckets > MAX_RESAMPLE_ROWS || buckets > 100 * known + 1000 {
        return Err(EngineError::BadStep(Detail::coded(
            "resample_too_many_rows",
            [("rows", known.into()), ("interval", value_arg(interval_s)), ("buckets", buckets.into())],
        )));
    }
    let buckets = buckets as usize;
    // Bucket per row as u32 (a quarter of an Option<usize>): MAX_RESAMPLE_ROWS fits well below
    // NO_BUCKET, which marks rows without a time.
    let bucket: Vec<u32> = times.iter().map(|t| t.map_or(NO_BUCKET, |t| (t.div_euclid(interval) - lo) as u32)).collect();
    drop(times);
    let ts_name = table.timestamp.clone().unwrap_or_default();
    // The last row of each bucket, for columns that keep a value rather than aggregate it.
    let mut last: Vec<Option<IdxSize>> = vec![None; buckets];
    for (row, &b) in bucket.iter().enumerate() {
        if b != NO_BUCKET {
            last[b as usize] = Some(idx(row)?);
        }
    }
    let last_idx = IdxCa::from_slice_options("idx".into(), &last);
    // Columns are independent: one per worker at a time.
    let columns = table
        .frame
        .columns()
        .par_iter()
        .map(|column| {
            let name = column.name().as_str();
            if name == ts_name {
                let ms: Vec<Option<i64>> = (0..buckets).map(|b| Some((lo + b as i64) * interval)).collect();
                return datetime_column(name, &ms)?.cast(column.dtype()).map_err(internal);
            }
            let aggregate = if max_columns.iter().any(|m| m == name) { Aggregate::Max } else { aggregate };
            let float = is_float(column.dtype());
            let extreme = matches!(aggregate, Aggregate::Min | Aggregate::Max) && is_numeric(column.dtype());
            if !(float || extreme) {
                return column.take(&last_idx).map_err(internal);
            }
            let acc = aggregate_column(column, &bucket, buckets, aggregate)?;
            // Every bucket filled: the values become the column as they are, without a copy.
            if column.dtype() == &DataType::Float64 && !acc.iter().any(|v| v.is_nan()) {
                return Ok(Float64Chunked::from_vec(name.into(), acc).into_column());
            }
            Ok(numeric_column_like(name, &acc, column.dtype()))
        })
        .collect::<Result<Vec<Column>>>()?;
    out.frame = DataFrame::new(buckets, columns).map_err(internal)?;
    for s in &mut out.status {
        s.rows.clear();
    }
    // Intervals inside periods excluded on purpose stay out: no rows of missing values where
    // the unit was stopped.
    if !table.excluded.is_empty() {
        let keep: Vec<IdxSize> = (0..buckets)
            .filter(|&b| {
                let from = (lo + b as i64) * interval;
                last[b].is_some() || !table.excluded.iter().any(|&(a, z)| a < from + interval && z >= from)
            })
            .map(idx)
            .collect::<Result<_>>()?;
        if keep.len() < buckets {
            out.take_rows(keep)?;
        }
    }
    Ok(())
}

/// Marks a row without a time in the resampling buckets.
const NO_BUCKET: u32 = u32::MAX;

/// One numeric column aggregated per bucket over its finite readings (NaN where a bucket has
/// none). Reads the column's chunks in place rather than copying them out first.
fn aggregate_column(column: &Column, bucket: &[u32], buckets: usize, aggregate: Aggregate) -> Result<Vec<f64>> {
    let cast = column.cast(&DataType::Float64).map_err(internal)?;
    let ca = cast.f64().map_err(internal)?;
    let mut acc = vec![f64::NAN; buckets];
    let mut count = vec![0u32; buckets];
    let mut row = 0;
    for chunk in ca.downcast_iter() {
        let values: &[f64] = chunk.values();
        let rows = bucket.get(row..row + values.len()).ok_or_else(|| EngineError::Internal("resample: column longer than its time axis".into()))?;
        row += values.len();
        // A chunk may carry a validity mask with nothing masked: then the plain values will do.
        match chunk.validity().filter(|valid| valid.unset_bits() > 0) {
            None => fold_readings(values.iter().copied().zip(rows), &mut acc, &mut count, aggregate),
            Some(valid) => fold_readings(
                values.iter().zip(valid.iter()).map(|(&v, ok)| if ok { v } else { f64::NAN }).zip(rows),
                &mut acc,
                &mut count,
                aggregate,
            ),
        }
    }
    if aggregate == Aggregate::Mean {
        for (a, &c) in acc.iter_mut().zip(&count) {
            if c > 1 {
                *a /= f64::from(c);
            }
        }
    }
    Ok(acc)
}

/// Folds (value, bucket) pairs in row order; the aggregate is chosen once, outside the loop.
fn fold_readings<'a>(readings: impl Iterator<Item = (f64, &'a u32)>, acc: &mut [f64], count: &mut [u32], aggregate: Aggregate) {
    match aggregate {
        Aggregate::Mean => fold_with(readings, acc, count, |a, v| a + v),
        Aggregate::Last => fold_with(readings, acc, count, |_, v| v),
        Aggregate::Min => fold_with(readings, acc, count, f64::min),
        Aggregate::Max => fold_with(readings, acc, count, f64::max),
    }
}

fn fold_with<'a>(readings: impl Iterator<Item = (f64, &'a u32)>, acc: &mut [f64], count: &mut [u32], combine: impl Fn(f64, f64) -> f64) {
    for (v, &b) in readings {
        if b == NO_BUCKET || !v.is_finite() {
            continue;
        }
        let (Some(a), Some(c)) = (acc.get_mut(b as usize), count.get_mut(b as usize)) else { continue };
        *a = if *c == 0 { v } else { combine(*a, v) };
        *c += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::apply;
    use super::super::test_tables::{table, values};
    use super::*;
    use crate::clean::table::floats;
    use plantlab_protocol::{CleanStep, CompareOp, Condition, DuplicateKeep};

    #[test]
    fn row_steps_sort_dedupe_and_resample() {
        let mut t = table(vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)]);
        let ts = datetime_column("ts", &[Some(120_000), Some(0), Some(0), Some(300_000)]).unwrap();
        t.frame.replace("ts", ts).unwrap();
        let sorted = apply(&CleanStep::SortByTime, None, &t).unwrap();
        assert_eq!(values(&sorted), vec![2.0, 3.0, 1.0, 4.0]);
        let resolved = apply(&CleanStep::ResolveDuplicateTimestamps { keep: DuplicateKeep::Mean }, None, &sorted).unwrap();
        assert_eq!(values(&resolved), vec![2.5, 1.0, 4.0]);
        let resampled =
            apply(&CleanStep::Resample { interval_s: 60.0, aggregate: Aggregate::Mean, max_columns: Vec::new() }, None, &resolved).unwrap();
        assert_eq!(resampled.height(), 6);
        let v = values(&resampled);
        assert_eq!(v[0], 2.5);
        assert!(v[1].is_nan(), "an empty minute is a missing row");
        let doubled = df!("a" => [1, 1, 2], "b" => ["x", "x", "x"]).unwrap();
        let dup = Table { frame: doubled, timestamp: None, units: HashMap::new(), status: Vec::new(), excluded: Vec::new() };
        assert_eq!(apply(&CleanStep::DropDuplicateRows, None, &dup).unwrap().height(), 2);
    }

    /// The resample as it was written before it ran per column in parallel on chunks in place:
    /// a plain row-by-row fold, kept here as the reference.
    fn resample_reference(table: &Table, interval: i64, aggregate: Aggregate) -> DataFrame {
        let times = table.times().unwrap().unwrap();
        let lo = times.iter().flatten().map(|t| t.div_euclid(interval)).min().unwrap();
        let hi = times.iter().flatten().map(|t| t.div_euclid(interval)).max().unwrap();
        let buckets = (hi - lo + 1) as usize;
        let bucket: Vec<Option<usize>> = times.iter().map(|t| t.map(|t| (t.div_euclid(interval) - lo) as usize)).collect();
        let mut last: Vec<Option<IdxSize>> = vec![None; buckets];
        for (row, b) in bucket.iter().enumerate() {
            if let Some(b) = b {
                last[*b] = Some(row as IdxSize);
            }
        }
        let last_idx = IdxCa::from_slice_options("idx".into(), &last);
        let mut columns = Vec::new();
        for column in table.frame.columns() {
            let name = column.name().as_str();
            if Some(name) == table.timestamp.as_deref() {
                let ms: Vec<Option<i64>> = (0..buckets).map(|b| Some((lo + b as i64) * interval)).collect();
                columns.push(datetime_column(name, &ms).unwrap().cast(column.dtype()).unwrap());
                continue;
            }
            let extreme = matches!(aggregate, Aggregate::Min | Aggregate::Max) && is_numeric(column.dtype());
            if !(is_float(column.dtype()) || extreme) {
                columns.push(column.take(&last_idx).unwrap());
                continue;
            }
            let values = floats(column).unwrap();
            let (mut acc, mut count) = (vec![f64::NAN; buckets], vec![0u32; buckets]);
            for (row, b) in bucket.iter().enumerate() {
                let (Some(b), v) = (*b, values[row]) else { continue };
                if !v.is_finite() {
                    continue;
                }
                acc[b] = match (aggregate, count[b]) {
                    (_, 0) => v,
                    (Aggregate::Mean, _) => acc[b] + v,
                    (Aggregate::Last, _) => v,
                    (Aggregate::Min, _) => acc[b].min(v),
                    (Aggregate::Max, _) => acc[b].max(v),
                };
                count[b] += 1;
            }
            if aggregate == Aggregate::Mean {
                for (a, &c) in acc.iter_mut().zip(&count) {
                    if c > 1 {
                        *a /= f64::from(c);
                    }
                }
            }
            columns.push(numeric_column_like(name, &acc, column.dtype()));
        }
        DataFrame::new(buckets, columns).unwrap()
    }

    #[test]
    fn resample_matches_the_row_by_row_fold_for_every_aggregate() {
        // Unsorted times with gaps, repeats and missing times; floats with NaN, nulls and ±∞;
        // integers with nulls, booleans and text; one float column in several chunks.
        let n = 2_000usize;
        let ts: Vec<Option<i64>> = (0..n).map(|i| if i % 97 == 5 { None } else { Some(((i * 7_919) % 1_500) as i64 * 20_000 - 600_000) }).collect();
        let f: Vec<Option<f64>> = (0..n)
            .map(|i| match i % 13 {
                0 => None,
                1 => Some(f64::NAN),
                2 if i % 200 == 2 => Some(f64::INFINITY),
                _ => Some((i as f64 * 0.37).sin() * 100.0),
            })
            .collect();
        let f32s: Vec<Option<f32>> = (0..n).map(|i| (i % 11 != 3).then(|| (i as f32 * 0.5).cos())).collect();
        let ints: Vec<Option<i64>> = (0..n).map(|i| (i % 17 != 0).then_some((i % 50) as i64 - 20)).collect();
        let flags: Vec<Option<bool>> = (0..n).map(|i| (i % 19 != 0).then_some(i % 3 == 0)).collect();
        let text: Vec<Option<String>> = (0..n).map(|i| (i % 23 != 0).then(|| format!("s{}", i % 7))).collect();
        let dense: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut frame = df!("ts" => ts, "f" => f, "f32" => f32s, "i" => ints, "b" => flags, "t" => text, "dense" => dense).unwrap();
        let cast = frame.column("ts").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
        frame.replace("ts", cast).unwrap();
        let (a, b) = (frame.slice(0, 700), frame.slice(700, n - 700));
        let mut chunked = a.clone();
        chunked.vstack_mut(&b).unwrap();
        assert!(chunked.column("f").unwrap().as_materialized_series().n_chunks() > 1);
        for frame in [frame, chunked] {
            let t = Table { frame, timestamp: Some("ts".into()), units: HashMap::new(), status: Vec::new(), excluded: Vec::new() };
            for aggregate in [Aggregate::Mean, Aggregate::Last, Aggregate::Min, Aggregate::Max] {
                for interval_s in [20.0, 45.0, 60.0, 600.0] {
                    let got = apply(&CleanStep::Resample { interval_s, aggregate, max_columns: Vec::new() }, None, &t).unwrap().frame;
                    let want = resample_reference(&t, (interval_s * 1000.0).round() as i64, aggregate);
                    assert_eq!(got.height(), want.height());
                    for (g, w) in got.columns().iter().zip(want.columns()) {
                        assert_eq!(g.name(), w.name());
                        assert_eq!(g.dtype(), w.dtype(), "{aggregate:?} {interval_s} {}", g.name());
                        assert_eq!(g.null_count(), w.null_count(), "{aggregate:?} {interval_s} {}", g.name());
                        let (gs, ws) = (g.as_materialized_series(), w.as_materialized_series());
                        // Same cells, NaN included (equals_missing treats null = null only).
                        let same = match (floats(g), floats(w)) {
                            (Some(x), Some(y)) => x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan())),
                            _ => gs.equals_missing(ws),
                        };
                        assert!(same, "{aggregate:?} {interval_s} s differs in {}", g.name());
                    }
                }
            }
        }
    }

    #[test]
    fn excluded_periods_stay_out_of_a_resample_and_labels_take_the_maximum() {
        let v: Vec<Option<f64>> = (0..20).map(|i| Some(if (8..12).contains(&i) { 0.0 } else { 10.0 })).collect();
        let t = table(v);
        let exclude = CleanStep::ExcludePeriods { condition: Condition { column: "v".into(), op: CompareOp::Lt, value: 1.0 }, pad_s: 0.0 };
        let out = apply(&exclude, None, &t).unwrap();
        assert_eq!(out.height(), 16);
        assert_eq!(out.excluded, vec![(8 * 60_000, 11 * 60_000)]);
        let resample = CleanStep::Resample { interval_s: 60.0, aggregate: Aggregate::Mean, max_columns: Vec::new() };
        assert_eq!(apply(&resample, None, &out).unwrap().height(), 16, "no empty rows where the unit was stopped");

        // A 0/1 label resampled to 2 minutes: a fault anywhere in an interval marks it.
        let label: Vec<Option<f64>> = (0..6).map(|i| Some(if i == 3 { 1.0 } else { 0.0 })).collect();
        let mut t = table(label.clone());
        t.frame.with_column(Column::new("y".into(), label)).unwrap();
        let step = CleanStep::Resample { interval_s: 120.0, aggregate: Aggregate::Mean, max_columns: vec!["y".into()] };
        let out = apply(&step, None, &t).unwrap();
        assert_eq!(floats(out.frame.column("y").unwrap()).unwrap(), vec![0.0, 1.0, 0.0]);
        assert_eq!(values(&out), vec![0.0, 0.5, 0.0], "other columns keep the mean");
    }
}
