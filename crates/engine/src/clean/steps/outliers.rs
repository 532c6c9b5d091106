//! Steps that turn implausible readings into missing ones: `outliers` (a range with
//! sentinels, IQR, MAD or the Hampel filter) and `flatline_to_null`.

use plantlab_protocol::{FittedStats, OutlierAction, OutlierMethod};

use super::{check_columns, fitted_column};
use crate::clean::table::{numeric_column_like, Table};
use crate::error::Result;
use crate::hampel::Hampel;

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
                // At least three samples: the median of fewer says nothing.
                Hampel { half_width: *window as usize, k: *k, floor, min_samples: 3 }.filter(&mut values, action)
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
}
