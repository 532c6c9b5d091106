//! Steps that remove rows by a condition: `exclude_periods` (with a margin in time, and
//! remembered so a resample or the gap check does not count them as missing) and
//! `filter_rows`.

use plantlab_protocol::{CompareOp, Condition};
use polars::prelude::*;

use crate::clean::table::{idx, Table};
use crate::error::Result;

pub(super) fn exclude_periods(table: &Table, out: &mut Table, op: &str, condition: &Condition, pad_s: f64) -> Result<()> {
    let mut hit = condition_mask(table, op, condition)?;
    if pad_s > 0.0 {
        let times = table.require_times(op)?;
        hit = widen(&hit, &times, (pad_s * 1000.0).round() as i64);
    }
    let keep: Vec<IdxSize> = hit.iter().enumerate().filter(|(_, h)| !**h).map(|(i, _)| idx(i)).collect::<Result<_>>()?;
    if let Some(times) = table.times()? {
        out.excluded = merge_spans(out.excluded.iter().copied().chain(removed_spans(&hit, &times)).collect());
    }
    out.take_rows(keep)?;
    Ok(())
}

pub(super) fn filter_rows(table: &Table, out: &mut Table, op: &str, condition: &Condition) -> Result<()> {
    let hit = condition_mask(table, op, condition)?;
    let keep: Vec<IdxSize> = hit.iter().enumerate().filter(|(_, h)| **h).map(|(i, _)| idx(i)).collect::<Result<_>>()?;
    out.take_rows(keep)?;
    Ok(())
}

/// The time span of each run of consecutive `removed` rows (rows without a time are skipped).
fn removed_spans(removed: &[bool], times: &[Option<i64>]) -> Vec<(i64, i64)> {
    let mut spans = Vec::new();
    let mut current: Option<(i64, i64)> = None;
    for (&gone, t) in removed.iter().zip(times) {
        match (gone, t) {
            (true, Some(t)) => {
                let (a, z) = current.get_or_insert((*t, *t));
                *a = (*a).min(*t);
                *z = (*z).max(*t);
            }
            (true, None) => {}
            (false, _) => spans.extend(current.take()),
        }
    }
    spans.extend(current);
    spans
}

/// Sorted spans with overlapping ones merged.
fn merge_spans(mut spans: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    spans.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (a, z) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(z),
            _ => out.push((a, z)),
        }
    }
    out
}

fn condition_mask(table: &Table, op: &str, c: &Condition) -> Result<Vec<bool>> {
    let column = table.column(op, &c.column)?;
    if matches!(c.op, CompareOp::IsNull | CompareOp::NotNull) {
        let nulls = column.is_null();
        return Ok(nulls.iter().map(|v| (v == Some(true)) == (c.op == CompareOp::IsNull)).collect());
    }
    let values = table.floats(op, &c.column)?;
    let x = c.value;
    Ok(values
        .iter()
        .map(|&v| {
            !v.is_nan()
                && match c.op {
                    CompareOp::Lt => v < x,
                    CompareOp::Le => v <= x,
                    CompareOp::Gt => v > x,
                    CompareOp::Ge => v >= x,
                    CompareOp::Eq => v == x,
                    CompareOp::Ne => v != x,
                    CompareOp::IsNull | CompareOp::NotNull => false,
                }
        })
        .collect())
}

/// Marks every row within `pad` ms of a marked row's time.
fn widen(hit: &[bool], times: &[Option<i64>], pad: i64) -> Vec<bool> {
    let mut marked: Vec<i64> = hit.iter().zip(times).filter_map(|(h, t)| if *h { *t } else { None }).collect();
    marked.sort_unstable();
    hit.iter()
        .zip(times)
        .map(|(&h, t)| {
            h || t.is_some_and(|t| {
                let i = marked.partition_point(|&m| m < t - pad);
                marked.get(i).is_some_and(|&m| m <= t + pad)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use super::super::test_tables::table;
    use super::*;
    use plantlab_protocol::CleanStep;

    #[test]
    fn exclude_periods_removes_rows_with_a_margin() {
        let v: Vec<Option<f64>> = (0..10).map(|i| Some(if i == 5 { 0.0 } else { 10.0 })).collect();
        let t = table(v);
        let step = CleanStep::ExcludePeriods { condition: Condition { column: "v".into(), op: CompareOp::Lt, value: 1.0 }, pad_s: 60.0 };
        assert_eq!(apply(&step, None, &t).unwrap().height(), 7);
    }
}
