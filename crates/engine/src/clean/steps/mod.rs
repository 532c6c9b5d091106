//! What each cleaning step does: validation against the current columns, fitting on the
//! training part, and applying it to a [`Table`].
//!
//! Column steps rebuild only the columns they name (the others are shared with the input
//! frame), so a step on one tag of a wide table costs one column's work.
//!
//! `mod.rs` holds the parameter limits and checks, the fitting and the dispatch over the
//! protocol's `CleanStep` variants; each family of steps lives in its own file.

mod columns;
mod duplicates;
mod fill;
mod labels;
mod outliers;
mod periods;
mod resample;
#[cfg(test)]
mod test_tables;
mod timestamps;
mod units;

use plantlab_protocol::{CleanStep, CompareOp, Condition, FillMethod, FittedColumn, FittedStats, MessageArg, OutlierMethod, Segment};
use polars::prelude::*;

use super::table::{times_ms, Table};
use crate::error::{Detail, EngineError, Result};
use crate::hampel::{MAD_TO_SIGMA, STEP_MEDIAN_TO_SIGMA};

/// Neighbour pairs the Hampel noise floor is estimated from.
const NOISE_SAMPLE: usize = 65_536;

// The parameter limits live in the protocol, which also publishes them (with units) to the
// step editor as `STEP_PARAMETER_RANGES`.
pub use plantlab_protocol::{MAX_DURATION_S, MAX_HAMPEL_WINDOW, MAX_OUTLIER_K, MAX_RUN_SAMPLES};
/// Most sentinel values a range step may list.
pub const MAX_SENTINELS: usize = 10_000;

/// Checks every numeric parameter of a step against its allowed range, before the step
/// touches any data. The one place these ranges live: adding, editing, previewing and
/// replaying a step (from the history, a recipe file or a bundle) all pass through it.
pub fn check_parameters(step: &CleanStep) -> Result<()> {
    let op = op_name(step);
    // The parameter is named by its JSON field (with what it means), the allowed range is a
    // phrase of its own, so each language words both.
    let out_of_range = |parameter: Detail, allowed: Detail, value: MessageArg| {
        Err(EngineError::BadStep(Detail::coded(
            "step_parameter",
            [("op", op.into()), ("parameter", nested(parameter)), ("allowed", nested(allowed)), ("value", value)],
        )))
    };
    let duration = |parameter: Detail, value: f64, smallest: f64| {
        if value.is_finite() && value >= smallest && value <= MAX_DURATION_S {
            Ok(())
        } else {
            let allowed = Detail::coded("allowed_seconds", [("low", MessageArg::Number(smallest)), ("high", MessageArg::Number(MAX_DURATION_S))]);
            out_of_range(parameter, allowed, value_arg(value))
        }
    };
    let finite = |parameter: Detail, value: f64| {
        if value.is_finite() {
            Ok(())
        } else {
            out_of_range(parameter, Detail::coded("allowed_finite", []), value_arg(value))
        }
    };
    let at_most = |max: u64| Detail::coded("allowed_at_most", [("max", max.into())]);
    let outlier_k = |k: f64| {
        if k.is_finite() && (0.0..=MAX_OUTLIER_K).contains(&k) {
            Ok(())
        } else {
            let allowed = Detail::coded("allowed_between", [("low", MessageArg::Number(0.0)), ("high", MessageArg::Number(MAX_OUTLIER_K))]);
            out_of_range(Detail::coded("parameter_k", []), allowed, value_arg(k))
        }
    };
    match step {
        CleanStep::Resample { interval_s, .. } => duration(Detail::coded("parameter_interval_s", []), *interval_s, 0.001)?,
        CleanStep::Fill { method, .. } => match method {
            FillMethod::Forward { limit: Some(limit) } | FillMethod::Interpolate { limit: Some(limit) } if *limit > MAX_RUN_SAMPLES => {
                out_of_range(Detail::coded("parameter_limit", []), at_most(u64::from(MAX_RUN_SAMPLES)), u64::from(*limit).into())?
            }
            FillMethod::ForwardWithin { max_gap_s } | FillMethod::InterpolateWithin { max_gap_s } => {
                duration(Detail::coded("parameter_max_gap_s", []), *max_gap_s, 0.0)?
            }
            FillMethod::Value { value } => finite(Detail::coded("parameter_fill_value", []), *value)?,
            _ => {}
        },
        CleanStep::Outliers { method, .. } => match method {
            OutlierMethod::Iqr { k } | OutlierMethod::Mad { k } => outlier_k(*k)?,
            OutlierMethod::Hampel { window, k } => {
                if !(1..=MAX_HAMPEL_WINDOW).contains(window) {
                    let allowed = Detail::coded("allowed_between", [("low", 1u64.into()), ("high", u64::from(MAX_HAMPEL_WINDOW).into())]);
                    out_of_range(Detail::coded("parameter_window", []), allowed, u64::from(*window).into())?;
                }
                outlier_k(*k)?;
            }
            OutlierMethod::Range { low, high, values } => {
                if low.is_some_and(f64::is_nan) || high.is_some_and(f64::is_nan) {
                    return Err(EngineError::BadStep(Detail::coded("step_bounds_nan", [("op", op.into())])));
                }
                if let (Some(low), Some(high)) = (low, high) {
                    if low > high {
                        let allowed = Detail::coded("allowed_at_most_high", [("high", value_arg(*high))]);
                        out_of_range(Detail::coded("parameter_low", []), allowed, value_arg(*low))?;
                    }
                }
                if values.len() > MAX_SENTINELS {
                    let allowed = Detail::coded("allowed_at_most_long", [("max", MAX_SENTINELS.into())]);
                    out_of_range(Detail::coded("parameter_values", []), allowed, values.len().into())?;
                }
            }
        },
        CleanStep::FlatlineToNull { min_run, .. } if *min_run > MAX_RUN_SAMPLES => {
            out_of_range(Detail::coded("parameter_min_run", []), at_most(u64::from(MAX_RUN_SAMPLES)), u64::from(*min_run).into())?
        }
        CleanStep::ConvertUnit { conversion, segment, .. } => {
            let (scale, offset) = conversion.coefficients();
            finite(Detail::coded("parameter_scale", []), scale)?;
            finite(Detail::coded("parameter_offset", []), offset)?;
            match segment {
                Some(Segment::Time { from_ms, to_ms }) if from_ms > to_ms => {
                    let allowed = Detail::coded("allowed_at_most_to_ms", [("to", MessageArg::Integer(*to_ms))]);
                    out_of_range(Detail::coded("parameter_from_ms", []), allowed, MessageArg::Integer(*from_ms))?
                }
                Some(Segment::Rows { start, end }) if start > end => {
                    let allowed = Detail::coded("allowed_at_most_end", [("end", (*end).into())]);
                    out_of_range(Detail::coded("parameter_start", []), allowed, (*start).into())?
                }
                _ => {}
            }
        }
        CleanStep::ExcludePeriods { condition, pad_s } => {
            duration(Detail::coded("parameter_pad_s", []), *pad_s, 0.0)?;
            condition_value(op, condition)?;
        }
        CleanStep::FilterRows { condition } => condition_value(op, condition)?,
        CleanStep::DeriveLabel { horizon_h, .. } if !(horizon_h.is_finite() && *horizon_h >= 0.0 && *horizon_h * 3600.0 <= MAX_DURATION_S) => {
            let allowed = Detail::coded("allowed_hours", [("low", MessageArg::Number(0.0)), ("high", MessageArg::Number(MAX_DURATION_S / 3600.0))]);
            out_of_range(Detail::coded("parameter_horizon_h", []), allowed, value_arg(*horizon_h))?;
        }
        _ => {}
    }
    Ok(())
}

/// A coded phrase as a part of another refusal's sentence.
pub(crate) fn nested(detail: Detail) -> MessageArg {
    detail.as_arg().clone()
}

/// A number a step was given, for a refusal's sentence: NaN and the infinities in words, values
/// too small for the four decimals a number is written with in exponent form (so 1e-9 does
/// not read as 0).
pub(crate) fn value_arg(value: f64) -> MessageArg {
    if value.is_nan() {
        nested(Detail::coded("value_nan", []))
    } else if value == f64::INFINITY {
        nested(Detail::coded("value_infinite", []))
    } else if value == f64::NEG_INFINITY {
        nested(Detail::coded("value_minus_infinite", []))
    } else if value != 0.0 && value.abs() < 5e-5 {
        MessageArg::Text(format!("{value:e}"))
    } else {
        MessageArg::Number(value)
    }
}

/// A comparison needs a number to compare with (`is_null`/`not_null` ignore it).
fn condition_value(op: &str, condition: &Condition) -> Result<()> {
    if condition.value.is_nan() && !matches!(condition.op, CompareOp::IsNull | CompareOp::NotNull) {
        return Err(EngineError::BadStep(Detail::coded("step_condition_nan", [("op", op.into())])));
    }
    Ok(())
}

pub fn op_name(step: &CleanStep) -> &'static str {
    step.op()
}

/// Whether the step adds, removes or reorders rows (then every column is affected).
pub fn changes_rows(step: &CleanStep) -> bool {
    matches!(
        step,
        CleanStep::SortByTime
            | CleanStep::DropDuplicateRows
            | CleanStep::ResolveDuplicateTimestamps { .. }
            | CleanStep::Resample { .. }
            | CleanStep::ExcludePeriods { .. }
            | CleanStep::FilterRows { .. }
    )
}

/// Columns whose values a column step changes, as named after the step. `None` for
/// row-changing steps (all columns).
pub fn touched_columns(step: &CleanStep) -> Option<Vec<String>> {
    match step {
        CleanStep::Select { .. } | CleanStep::Drop { .. } => Some(Vec::new()),
        CleanStep::Rename { to, .. } => Some(vec![to.clone()]),
        CleanStep::Cast { column, .. } | CleanStep::ParseTimestamp { column, .. } | CleanStep::ConvertUnit { column, .. } => {
            Some(vec![column.clone()])
        }
        CleanStep::Fill { columns, .. } | CleanStep::Outliers { columns, .. } | CleanStep::FlatlineToNull { columns, .. } => Some(columns.clone()),
        CleanStep::DeriveLabel { name, .. } => Some(vec![name.clone()]),
        // The label's balance finding changes with its weights, though its values do not.
        CleanStep::WeightClasses { label, weight_column } => Some(vec![weight_column.clone(), label.clone()]),
        _ => None,
    }
}

/// Whether the step learns statistics from the data.
pub fn needs_fit(step: &CleanStep) -> bool {
    matches!(
        step,
        CleanStep::Fill { method: FillMethod::Median, .. }
            | CleanStep::Outliers { method: OutlierMethod::Iqr { .. } | OutlierMethod::Mad { .. } | OutlierMethod::Hampel { .. }, .. }
            | CleanStep::WeightClasses { .. }
    )
}

/// Rows of the training part: the first `fraction` of rows in time order (row order without
/// a time axis).
pub fn training_rows(table: &Table, fraction: f64) -> Result<Vec<usize>> {
    let n = table.height();
    let fraction = fraction.clamp(0.0, 1.0);
    let take = ((n as f64 * fraction).ceil() as usize).clamp(usize::from(n > 0), n);
    match table.times()? {
        Some(times) => {
            let sorted = times.iter().all(Option::is_some) && times.windows(2).all(|w| w[0] <= w[1]);
            if sorted {
                // In time order already: the first rows are the training part.
                return Ok((0..take).collect());
            }
            let mut known: Vec<i64> = times.iter().flatten().copied().collect();
            if known.is_empty() {
                return Ok((0..take).collect());
            }
            let take = ((known.len() as f64 * fraction).ceil() as usize).clamp(1, known.len());
            // The time below which `take` readings lie, by selection (no full sort).
            let (_, cutoff, _) = known.select_nth_unstable(take - 1);
            let cutoff = *cutoff;
            Ok(times.iter().enumerate().filter(|(_, t)| t.is_some_and(|t| t <= cutoff)).map(|(i, _)| i).collect())
        }
        None => Ok((0..take).collect()),
    }
}

/// Fits the statistics a step needs on the training part of `table`.
pub fn fit(step: &CleanStep, table: &Table, train_fraction: f64) -> Result<Option<FittedStats>> {
    check_parameters(step)?;
    if !needs_fit(step) {
        return Ok(None);
    }
    let op = op_name(step);
    if let CleanStep::WeightClasses { label, .. } = step {
        return labels::fit_class_weights(table, op, label, train_fraction).map(Some);
    }
    let (CleanStep::Fill { columns, .. } | CleanStep::Outliers { columns, .. }) = step else {
        return Ok(None);
    };
    let rows = training_rows(table, train_fraction)?;
    let mut fitted = FittedStats { train_rows: rows.len() as u64, ..Default::default() };
    for name in columns {
        let values = table.floats(op, name)?;
        let mut train: Vec<f64> = rows.iter().filter_map(|&r| values.get(r).copied()).filter(|v| v.is_finite()).collect();
        if train.is_empty() {
            return Err(EngineError::BadStep(Detail::coded(
                "step_no_training_readings",
                [("column", name.as_str().into()), ("percent", percent_arg(train_fraction)), ("op", op.into())],
            )));
        }
        let column = match step {
            CleanStep::Fill { .. } => FittedColumn { median: quantile(&mut train, 0.5), ..Default::default() },
            CleanStep::Outliers { method: OutlierMethod::Iqr { k }, .. } => {
                let (q1, q3) = (quantile(&mut train, 0.25), quantile(&mut train, 0.75));
                match (q1, q3) {
                    (Some(q1), Some(q3)) => {
                        let iqr = q3 - q1;
                        FittedColumn { median: quantile(&mut train, 0.5), low: Some(q1 - k * iqr), high: Some(q3 + k * iqr), scale: Some(iqr) }
                    }
                    _ => FittedColumn::default(),
                }
            }
            CleanStep::Outliers { method: OutlierMethod::Mad { k }, .. } => {
                let median = quantile(&mut train, 0.5).unwrap_or(0.0);
                let mut dev: Vec<f64> = train.iter().map(|v| (v - median).abs()).collect();
                let sigma = MAD_TO_SIGMA * quantile(&mut dev, 0.5).unwrap_or(0.0);
                FittedColumn { median: Some(median), low: Some(median - k * sigma), high: Some(median + k * sigma), scale: Some(sigma) }
            }
            CleanStep::Outliers { method: OutlierMethod::Hampel { .. }, .. } => {
                // The noise between neighbours is the floor of the local spread: in a flat
                // stretch the local MAD is zero and every wiggle would look like a spike.
                // Estimated on evenly spaced pairs (at most ~65,000), as the quality check does.
                let stride = (rows.len() / NOISE_SAMPLE).max(1);
                let mut steps: Vec<f64> = rows
                    .windows(2)
                    .step_by(stride)
                    .filter(|w| w[1] == w[0] + 1)
                    .filter_map(|w| {
                        let (a, b) = (values[w[0]], values[w[1]]);
                        (a.is_finite() && b.is_finite() && a != b).then(|| (b - a).abs())
                    })
                    .collect();
                let noise = STEP_MEDIAN_TO_SIGMA * quantile(&mut steps, 0.5).unwrap_or(0.0);
                FittedColumn { scale: Some(noise), ..Default::default() }
            }
            _ => FittedColumn::default(),
        };
        fitted.columns.insert(name.clone(), column);
    }
    Ok(Some(fitted))
}

/// The training part as a whole percentage of the rows, as a refusal names it.
pub(crate) fn percent_arg(train_fraction: f64) -> MessageArg {
    MessageArg::Integer((train_fraction * 100.0).round() as i64)
}

/// The `q` quantile (nearest rank) by selection; reorders `values`.
fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let k = ((values.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f64::total_cmp);
    Some(*v)
}

fn fitted_column<'a>(fitted: Option<&'a FittedStats>, op: &str, name: &str) -> Result<&'a FittedColumn> {
    fitted
        .and_then(|f| f.columns.get(name))
        .ok_or_else(|| EngineError::BadStep(Detail::coded("step_not_fitted", [("op", op.into()), ("column", name.into())])))
}

fn check_columns(table: &Table, op: &str, columns: &[String]) -> Result<()> {
    if columns.is_empty() {
        return Err(EngineError::BadStep(Detail::coded("step_no_columns", [("op", op.into())])));
    }
    for name in columns {
        table.column(op, name)?;
    }
    Ok(())
}

/// Applies `step` (with its fitted statistics) to `table`.
pub fn apply(step: &CleanStep, fitted: Option<&FittedStats>, table: &Table) -> Result<Table> {
    check_parameters(step)?;
    let op = op_name(step);
    let mut out = table.clone();
    match step {
        CleanStep::Select { columns } => columns::select(table, &mut out, op, columns)?,
        CleanStep::Drop { columns } => columns::drop(table, &mut out, op, columns)?,
        CleanStep::Rename { from, to } => columns::rename(table, &mut out, op, from, to)?,
        CleanStep::Cast { column, to } => columns::cast(table, &mut out, op, column, *to)?,
        CleanStep::ParseTimestamp { column, format } => timestamps::parse_timestamp(table, &mut out, op, column, format.as_deref())?,
        CleanStep::SortByTime => timestamps::sort_by_time(table, &mut out, op)?,
        CleanStep::DropDuplicateRows => duplicates::drop_duplicate_rows(table, &mut out)?,
        CleanStep::ResolveDuplicateTimestamps { keep } => duplicates::resolve_duplicates(table, &mut out, *keep)?,
        CleanStep::Resample { interval_s, aggregate, max_columns } => {
            if !max_columns.is_empty() {
                check_columns(table, op, max_columns)?;
            }
            resample::resample(table, &mut out, *interval_s, *aggregate, max_columns)?
        }
        CleanStep::Fill { columns, method } => fill::fill(table, &mut out, op, columns, method, fitted)?,
        CleanStep::Outliers { columns, method, action } => outliers::outliers(table, &mut out, op, columns, method, *action, fitted)?,
        CleanStep::FlatlineToNull { columns, min_run } => outliers::flatline(table, &mut out, op, columns, *min_run)?,
        CleanStep::ConvertUnit { column, conversion, segment } => units::convert_unit(table, &mut out, op, column, *conversion, segment.as_ref())?,
        CleanStep::ExcludePeriods { condition, pad_s } => periods::exclude_periods(table, &mut out, op, condition, *pad_s)?,
        CleanStep::FilterRows { condition } => periods::filter_rows(table, &mut out, op, condition)?,
        CleanStep::DeriveLabel { name, source, horizon_h, during_event } => {
            out.put(labels::derive_label(table, op, name, source, *horizon_h, *during_event)?)?;
        }
        CleanStep::WeightClasses { label, weight_column } => {
            out.put(labels::class_weight_column(table, op, label, weight_column, fitted)?)?;
        }
    }
    out.settle_status();
    Ok(out)
}

/// The timestamps of a column in ms (for segments in suggestions).
pub(crate) fn column_times(column: &Column) -> Result<Vec<Option<i64>>> {
    times_ms(column)
}

#[cfg(test)]
mod tests {
    use plantlab_protocol::{CleanStep, FillMethod};

    use super::test_tables::table;
    use super::*;

    #[test]
    fn a_missing_column_is_a_clear_error() {
        let t = table(vec![Some(1.0)]);
        let step = CleanStep::Fill { columns: vec!["nope".into()], method: FillMethod::Median };
        let err = apply(&step, None, &t).err().unwrap();
        assert_eq!(err.code(), "bad_step");
        assert!(err.to_string().contains("\"nope\""), "{err}");
        assert!(fit(&step, &t, 0.7).is_err());
    }
}
