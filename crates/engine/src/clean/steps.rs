//! What each cleaning step does: validation against the current columns, fitting on the
//! training part, and applying it to a [`Table`].
//!
//! Column steps rebuild only the columns they name (the others are shared with the input
//! frame), so a step on one tag of a wide table costs one column's work.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use plantlab_protocol::{
    Aggregate, CastType, CleanStep, CompareOp, Condition, DuplicateKeep, FillMethod, FittedColumn, FittedStats, LabelSource, OutlierAction,
    OutlierMethod, Segment,
};
use plantlab_sniff::timestamps::{self, TimestampFormat};
use polars::prelude::*;
use rayon::prelude::*;

use super::table::{datetime_column, float_column, floats, idx, internal, is_float, is_numeric, numeric_column_like, times_ms, Table};
use crate::error::{EngineError, Result};

/// 1.4826 × MAD estimates the standard deviation of normal noise.
const MAD_TO_SIGMA: f64 = 1.4826;
/// median |x[i] − x[i−1]| of normal noise is 0.954 σ; this turns it back into σ.
const STEP_MEDIAN_TO_SIGMA: f64 = 1.0483;
/// Most rows a resample may produce: guards against an interval far below the data's spacing.
const MAX_RESAMPLE_ROWS: u64 = 50_000_000;
/// Neighbour pairs the Hampel noise floor is estimated from.
const NOISE_SAMPLE: usize = 65_536;
/// Rows per worker below which the Hampel filter runs on the calling thread.
const PARALLEL_MIN_ROWS: usize = 100_000;

/// Most samples either side of a Hampel window (its buffers hold 2·window + 2 values).
pub const MAX_HAMPEL_WINDOW: u32 = 100_000;
/// Most missing cells a fill limit in samples may bridge, and the longest flatline run.
pub const MAX_RUN_SAMPLES: u32 = 100_000_000;
/// Longest duration any step parameter may name: 100 years, in seconds. Durations become
/// milliseconds in an i64, and this keeps every sum of them far from overflowing.
pub const MAX_DURATION_S: f64 = 100.0 * 365.25 * 86_400.0;
/// Most sentinel values a range step may list.
pub const MAX_SENTINELS: usize = 10_000;
/// Largest factor `k` of the IQR, MAD and Hampel rules.
pub const MAX_OUTLIER_K: f64 = 1.0e6;

/// Checks every numeric parameter of a step against its allowed range, before the step
/// touches any data. The one place these ranges live: adding, editing, previewing and
/// replaying a step (from the history, a recipe file or a bundle) all pass through it.
pub fn check_parameters(step: &CleanStep) -> Result<()> {
    let op = op_name(step);
    let out_of_range =
        |parameter: &str, allowed: &str, got: String| Err(EngineError::BadStep(format!("step \"{op}\": {parameter} must be {allowed}, not {got}")));
    let duration = |parameter: &str, value: f64, smallest: f64| {
        if value.is_finite() && value >= smallest && value <= MAX_DURATION_S {
            Ok(())
        } else {
            out_of_range(parameter, &format!("between {smallest} and {MAX_DURATION_S} seconds"), value.to_string())
        }
    };
    let finite = |parameter: &str, value: f64| if value.is_finite() { Ok(()) } else { out_of_range(parameter, "a finite number", value.to_string()) };
    match step {
        CleanStep::Resample { interval_s, .. } => duration("\"interval_s\" (the resampling interval)", *interval_s, 0.001)?,
        CleanStep::Fill { method, .. } => match method {
            FillMethod::Forward { limit: Some(limit) } | FillMethod::Interpolate { limit: Some(limit) } if *limit > MAX_RUN_SAMPLES => {
                out_of_range("\"limit\" (missing cells to fill)", &format!("at most {MAX_RUN_SAMPLES}"), limit.to_string())?
            }
            FillMethod::ForwardWithin { max_gap_s } | FillMethod::InterpolateWithin { max_gap_s } => {
                duration("\"max_gap_s\" (the longest gap to fill)", *max_gap_s, 0.0)?
            }
            FillMethod::Value { value } => finite("\"value\" (the fill value)", *value)?,
            _ => {}
        },
        CleanStep::Outliers { method, .. } => match method {
            OutlierMethod::Iqr { k } | OutlierMethod::Mad { k } => {
                if !(k.is_finite() && *k >= 0.0 && *k <= MAX_OUTLIER_K) {
                    out_of_range("\"k\"", &format!("between 0 and {MAX_OUTLIER_K}"), k.to_string())?;
                }
            }
            OutlierMethod::Hampel { window, k } => {
                if !(1..=MAX_HAMPEL_WINDOW).contains(window) {
                    out_of_range("\"window\" (samples either side)", &format!("between 1 and {MAX_HAMPEL_WINDOW}"), window.to_string())?;
                }
                if !(k.is_finite() && *k >= 0.0 && *k <= MAX_OUTLIER_K) {
                    out_of_range("\"k\"", &format!("between 0 and {MAX_OUTLIER_K}"), k.to_string())?;
                }
            }
            OutlierMethod::Range { low, high, values } => {
                if low.is_some_and(f64::is_nan) || high.is_some_and(f64::is_nan) {
                    out_of_range("\"low\" and \"high\"", "numbers", "NaN".into())?;
                }
                if let (Some(low), Some(high)) = (low, high) {
                    if low > high {
                        out_of_range("\"low\"", &format!("at most \"high\" ({high})"), low.to_string())?;
                    }
                }
                if values.len() > MAX_SENTINELS {
                    out_of_range("the list of sentinel \"values\"", &format!("at most {MAX_SENTINELS} long"), values.len().to_string())?;
                }
            }
        },
        CleanStep::FlatlineToNull { min_run, .. } if *min_run > MAX_RUN_SAMPLES => {
            out_of_range("\"min_run\"", &format!("at most {MAX_RUN_SAMPLES}"), min_run.to_string())?
        }
        CleanStep::ConvertUnit { conversion, segment, .. } => {
            let (scale, offset) = conversion.coefficients();
            finite("\"scale\"", scale)?;
            finite("\"offset\"", offset)?;
            match segment {
                Some(Segment::Time { from_ms, to_ms }) if from_ms > to_ms => {
                    out_of_range("the segment's \"from_ms\"", &format!("at most its \"to_ms\" ({to_ms})"), from_ms.to_string())?
                }
                Some(Segment::Rows { start, end }) if start > end => {
                    out_of_range("the segment's \"start\"", &format!("at most its \"end\" ({end})"), start.to_string())?
                }
                _ => {}
            }
        }
        CleanStep::ExcludePeriods { condition, pad_s } => {
            duration("\"pad_s\" (the margin)", *pad_s, 0.0)?;
            condition_value(op, condition)?;
        }
        CleanStep::FilterRows { condition } => condition_value(op, condition)?,
        CleanStep::DeriveLabel { horizon_h, .. } if !(horizon_h.is_finite() && *horizon_h >= 0.0 && *horizon_h * 3600.0 <= MAX_DURATION_S) => {
            out_of_range("\"horizon_h\" (the warning horizon)", &format!("between 0 and {} hours", MAX_DURATION_S / 3600.0), horizon_h.to_string())?;
        }
        _ => {}
    }
    Ok(())
}

/// A comparison needs a number to compare with (`is_null`/`not_null` ignore it).
fn condition_value(op: &str, condition: &Condition) -> Result<()> {
    if condition.value.is_nan() && !matches!(condition.op, CompareOp::IsNull | CompareOp::NotNull) {
        return Err(EngineError::BadStep(format!("step \"{op}\": the condition's \"value\" must be a number, not NaN")));
    }
    Ok(())
}

pub fn op_name(step: &CleanStep) -> &'static str {
    match step {
        CleanStep::Select { .. } => "select",
        CleanStep::Drop { .. } => "drop",
        CleanStep::Rename { .. } => "rename",
        CleanStep::Cast { .. } => "cast",
        CleanStep::ParseTimestamp { .. } => "parse_timestamp",
        CleanStep::SortByTime => "sort_by_time",
        CleanStep::DropDuplicateRows => "drop_duplicate_rows",
        CleanStep::ResolveDuplicateTimestamps { .. } => "resolve_duplicate_timestamps",
        CleanStep::Resample { .. } => "resample",
        CleanStep::Fill { .. } => "fill",
        CleanStep::Outliers { .. } => "outliers",
        CleanStep::FlatlineToNull { .. } => "flatline_to_null",
        CleanStep::ConvertUnit { .. } => "convert_unit",
        CleanStep::ExcludePeriods { .. } => "exclude_periods",
        CleanStep::FilterRows { .. } => "filter_rows",
        CleanStep::DeriveLabel { .. } => "derive_label",
        CleanStep::WeightClasses { .. } => "weight_classes",
    }
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
        return fit_class_weights(table, op, label, train_fraction).map(Some);
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
            return Err(EngineError::BadStep(format!(
                "\"{name}\" has no readings in the training part (the first {:.0} % of rows in time), so \"{op}\" has nothing to fit on",
                train_fraction * 100.0
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

/// The label's classes named as training names them, and each row's class index (`None` where
/// the label is missing), so the fitted weights are keyed by the run's class names.
fn label_classes(table: &Table, op: &str, label: &str) -> Result<(Vec<String>, Vec<Option<u32>>)> {
    table.column(op, label)?;
    let values = crate::train::data::read_values(&table.frame, label)?;
    crate::train::data::label_classes(&values, label).map_err(|e| match e {
        EngineError::BadTrainConfig(why) => EngineError::BadStep(why),
        other => other,
    })
}

/// Balanced class weights on the training part: rows ÷ (classes × rows of the class).
fn fit_class_weights(table: &Table, op: &str, label: &str, train_fraction: f64) -> Result<FittedStats> {
    let (classes, labels) = label_classes(table, op, label)?;
    let rows = training_rows(table, train_fraction)?;
    let mut counts = vec![0u64; classes.len()];
    for class in rows.iter().filter_map(|&r| labels.get(r).copied().flatten()) {
        if let Some(n) = counts.get_mut(class as usize) {
            *n += 1;
        }
    }
    let seen: Vec<(&String, u64)> = classes.iter().zip(counts).filter(|(_, n)| *n > 0).collect();
    if seen.len() < 2 {
        return Err(EngineError::BadStep(format!(
            "\"{label}\" has {} class{} in the training part (the first {:.0} % of rows in time); weighting needs at least two",
            seen.len(),
            if seen.len() == 1 { "" } else { "es" },
            train_fraction * 100.0
        )));
    }
    let labelled: u64 = seen.iter().map(|(_, n)| n).sum();
    let k = seen.len() as f64;
    let class_weights = seen.into_iter().map(|(class, n)| (class.clone(), labelled as f64 / (k * n as f64))).collect();
    Ok(FittedStats { train_rows: rows.len() as u64, class_weights, ..Default::default() })
}

/// The weight column of a `weight_classes` step: the fitted weight of each row's class.
fn class_weight_column(table: &Table, op: &str, label: &str, weight_column: &str, fitted: Option<&FittedStats>) -> Result<Column> {
    let weights = fitted
        .map(|f| &f.class_weights)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| EngineError::BadStep(format!("step \"{op}\" has no fitted class weights; edit the step so it is fitted again")))?;
    if weight_column.trim().is_empty() || weight_column == label || table.timestamp.as_deref() == Some(weight_column) {
        return Err(EngineError::BadStep(format!("the weight column must be a new name, not \"{weight_column}\" (the label or the time axis)")));
    }
    let (classes, labels) = label_classes(table, op, label)?;
    // A class the training part never saw keeps weight 1; no label, no say in training.
    let per_class: Vec<f64> = classes.iter().map(|c| weights.get(c).copied().unwrap_or(1.0)).collect();
    let values: Vec<f64> = labels.iter().map(|l| l.and_then(|i| per_class.get(i as usize).copied()).unwrap_or(0.0)).collect();
    Ok(float_column(weight_column, &values))
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
        .ok_or_else(|| EngineError::BadStep(format!("step \"{op}\" has no fitted statistics for \"{name}\"; edit the step so it is fitted again")))
}

fn check_columns(table: &Table, op: &str, columns: &[String]) -> Result<()> {
    if columns.is_empty() {
        return Err(EngineError::BadStep(format!("step \"{op}\" names no columns")));
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
        CleanStep::Select { columns } => {
            check_columns(table, op, columns)?;
            let mut keep: Vec<String> = Vec::new();
            if let Some(ts) = &table.timestamp {
                if !columns.contains(ts) && table.has(ts) {
                    keep.push(ts.clone());
                }
            }
            for c in columns {
                if !keep.contains(c) {
                    keep.push(c.clone());
                }
            }
            out.frame = table.frame.select(keep.iter().map(|s| s.as_str())).map_err(internal)?;
        }
        CleanStep::Drop { columns } => {
            check_columns(table, op, columns)?;
            for c in columns {
                out.frame = out.frame.drop(c).map_err(internal)?;
                if out.timestamp.as_deref() == Some(c.as_str()) {
                    out.timestamp = None;
                }
            }
        }
        CleanStep::Rename { from, to } => {
            table.column(op, from)?;
            if to.trim().is_empty() {
                return Err(EngineError::BadStep("a column cannot be renamed to an empty name".into()));
            }
            if from != to && table.has(to) {
                return Err(EngineError::BadStep(format!("there is already a column named \"{to}\"")));
            }
            out.frame.rename(from, to.as_str().into()).map_err(internal)?;
            if out.timestamp.as_deref() == Some(from.as_str()) {
                out.timestamp = Some(to.clone());
            }
            if let Some(unit) = out.units.remove(from) {
                out.units.insert(to.clone(), unit);
            }
            for s in out.status.iter_mut().filter(|s| &s.column == from) {
                s.column = to.clone();
            }
        }
        CleanStep::Cast { column, to } => {
            let source = table.column(op, column)?;
            let dtype = match to {
                CastType::Float => DataType::Float64,
                CastType::Integer => DataType::Int64,
                CastType::Boolean => DataType::Boolean,
                CastType::Text => DataType::String,
            };
            let cast = if *to == CastType::Integer && is_float(source.dtype()) {
                // Round rather than truncate: 2.9999999 read from text is 3.
                let values = floats(source).unwrap_or_default();
                let rounded: Vec<f64> = values.iter().map(|v| v.round()).collect();
                float_column(column, &rounded).cast(&dtype)
            } else if matches!(to, CastType::Float | CastType::Integer) && source.dtype() == &DataType::String {
                let text = source.str().map_err(internal)?;
                let parsed: Vec<f64> = text.iter().map(|s| s.and_then(|s| s.trim().parse::<f64>().ok()).unwrap_or(f64::NAN)).collect();
                float_column(column, &parsed).cast(&dtype)
            } else {
                source.cast(&dtype)
            };
            out.put(cast.map_err(|e| EngineError::BadStep(format!("\"{column}\" cannot be cast to {to:?}: {e}")))?)?;
        }
        CleanStep::ParseTimestamp { column, format } => {
            let source = table.column(op, column)?;
            let parsed = parse_timestamps(column, source, format.as_deref())?;
            out.put(parsed)?;
            out.timestamp = Some(column.clone());
        }
        CleanStep::SortByTime => {
            let times = table.require_times(op)?;
            let sorted = times.windows(2).all(|w| match (w[0], w[1]) {
                (Some(a), Some(b)) => a <= b,
                (_, None) => true,
                (None, Some(_)) => false,
            });
            if sorted {
                out.settle_status();
                return Ok(out);
            }
            let mut order: Vec<usize> = (0..times.len()).collect();
            order.sort_by_key(|&i| (times[i].is_none(), times[i].unwrap_or(0)));
            out.take_rows(order.into_iter().map(idx).collect::<Result<_>>()?)?;
        }
        CleanStep::DropDuplicateRows => {
            let keys = row_keys(&table.frame)?;
            let mut seen = HashSet::with_capacity(keys.len());
            let keep: Vec<IdxSize> = keys.iter().enumerate().filter(|(_, k)| seen.insert(**k)).map(|(i, _)| idx(i)).collect::<Result<_>>()?;
            if keep.len() < table.height() {
                out.take_rows(keep)?;
            }
        }
        CleanStep::ResolveDuplicateTimestamps { keep } => resolve_duplicates(table, &mut out, *keep)?,
        CleanStep::Resample { interval_s, aggregate, max_columns } => {
            if !max_columns.is_empty() {
                check_columns(table, op, max_columns)?;
            }
            resample(table, &mut out, *interval_s, *aggregate, max_columns)?
        }
        CleanStep::Fill { columns, method } => {
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
        }
        CleanStep::Outliers { columns, method, action } => {
            check_columns(table, op, columns)?;
            for name in columns {
                let column = table.column(op, name)?;
                let mut values = table.floats(op, name)?;
                let changed = match method {
                    OutlierMethod::Range { low, high, values: sentinels } => {
                        range_outliers(&mut values, low.unwrap_or(f64::NEG_INFINITY), high.unwrap_or(f64::INFINITY), sentinels, *action)
                    }
                    OutlierMethod::Iqr { .. } | OutlierMethod::Mad { .. } => {
                        let f = fitted_column(fitted, op, name)?;
                        range_outliers(&mut values, f.low.unwrap_or(f64::NEG_INFINITY), f.high.unwrap_or(f64::INFINITY), &[], *action)
                    }
                    OutlierMethod::Hampel { window, k } => {
                        let floor = fitted_column(fitted, op, name)?.scale.unwrap_or(0.0);
                        hampel(&mut values, *window as usize, *k, floor, *action)
                    }
                };
                if changed > 0 {
                    out.put(numeric_column_like(name, &values, column.dtype()))?;
                }
            }
        }
        CleanStep::FlatlineToNull { columns, min_run } => {
            check_columns(table, op, columns)?;
            let min_run = (*min_run as usize).max(2);
            for name in columns {
                let column = table.column(op, name)?;
                let mut values = table.floats(op, name)?;
                if flatline_to_null(&mut values, min_run) > 0 {
                    out.put(numeric_column_like(name, &values, column.dtype()))?;
                }
            }
        }
        CleanStep::ConvertUnit { column, conversion, segment } => {
            let (scale, offset) = conversion.coefficients();
            if !scale.is_finite() || !offset.is_finite() || scale == 0.0 {
                return Err(EngineError::BadStep(format!("the conversion y = {scale}·x + {offset} is not usable")));
            }
            let mut values = table.floats(op, column)?;
            let inside = segment_mask(table, op, segment.as_ref())?;
            for (i, v) in values.iter_mut().enumerate() {
                if inside.as_ref().is_none_or(|m| m[i]) && v.is_finite() {
                    *v = scale * *v + offset;
                }
            }
            out.put(float_column(column, &values))?;
            if segment.is_none() {
                match conversion.target_unit() {
                    Some(unit) => {
                        out.units.insert(column.clone(), unit.to_owned());
                    }
                    None => {
                        out.units.remove(column);
                    }
                }
            }
        }
        CleanStep::ExcludePeriods { condition, pad_s } => {
            let mut hit = condition_mask(table, op, condition)?;
            if *pad_s > 0.0 {
                let times = table.require_times(op)?;
                hit = widen(&hit, &times, (*pad_s * 1000.0).round() as i64);
            }
            let keep: Vec<IdxSize> = hit.iter().enumerate().filter(|(_, h)| !**h).map(|(i, _)| idx(i)).collect::<Result<_>>()?;
            if let Some(times) = table.times()? {
                out.excluded = merge_spans(out.excluded.iter().copied().chain(removed_spans(&hit, &times)).collect());
            }
            out.take_rows(keep)?;
        }
        CleanStep::FilterRows { condition } => {
            let hit = condition_mask(table, op, condition)?;
            let keep: Vec<IdxSize> = hit.iter().enumerate().filter(|(_, h)| **h).map(|(i, _)| idx(i)).collect::<Result<_>>()?;
            out.take_rows(keep)?;
        }
        CleanStep::DeriveLabel { name, source, horizon_h, during_event } => {
            let column = derive_label(table, op, name, source, *horizon_h, *during_event)?;
            out.put(column)?;
        }
        CleanStep::WeightClasses { label, weight_column } => {
            out.put(class_weight_column(table, op, label, weight_column, fitted)?)?;
        }
    }
    out.settle_status();
    Ok(out)
}

// ----- timestamps ------------------------------------------------------------------------------

fn parse_timestamps(name: &str, column: &Column, format: Option<&str>) -> Result<Column> {
    if matches!(column.dtype(), DataType::Datetime(_, _) | DataType::Date) {
        return column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).map_err(internal);
    }
    let forced = match format {
        Some(p) => Some(TimestampFormat::from_pattern(p).ok_or_else(|| {
            EngineError::BadStep(format!(
                "unknown timestamp format \"{p}\"; use one of {}",
                TimestampFormat::TEXT.iter().map(|f| f.pattern()).chain(["epoch_s", "epoch_ms"]).collect::<Vec<_>>().join(", ")
            ))
        })?),
        None => None,
    };
    let ms: Vec<Option<i64>> = if column.dtype() == &DataType::String {
        let text = column.str().map_err(internal)?;
        let format = match forced {
            Some(f) => f,
            None => {
                let sample: Vec<&str> = text.iter().flatten().filter(|s| !s.trim().is_empty()).take(200).collect();
                timestamps::sniff_text_format(sample.iter().copied())
            }
            .ok_or_else(|| EngineError::BadStep(format!("\"{name}\" does not hold timestamps in a known format")))?,
        };
        text.iter().map(|s| s.and_then(|s| timestamps::parse(s, format)).map(|p| p.millis)).collect()
    } else if is_numeric(column.dtype()) {
        let values = floats(column).unwrap_or_default();
        let format = match forced {
            Some(f @ (TimestampFormat::EpochSeconds | TimestampFormat::EpochMillis)) => f,
            Some(_) => return Err(EngineError::BadStep(format!("\"{name}\" holds numbers; use the format epoch_s or epoch_ms"))),
            None => timestamps::sniff_epoch(values.iter().copied().filter(|v| v.is_finite()).take(200))
                .ok_or_else(|| EngineError::BadStep(format!("the numbers in \"{name}\" do not look like epoch seconds or milliseconds")))?,
        };
        let factor = if format == TimestampFormat::EpochSeconds { 1000.0 } else { 1.0 };
        values.iter().map(|v| v.is_finite().then(|| (v * factor).round() as i64)).collect()
    } else {
        return Err(EngineError::BadStep(format!("\"{name}\" holds {}, not text or numbers", column.dtype())));
    };
    datetime_column(name, &ms)
}

// ----- duplicates -------------------------------------------------------------------------------

/// A 128-bit key per row over all columns: two independent hashes, so distinct rows
/// colliding is not a practical concern.
fn row_keys(frame: &DataFrame) -> Result<Vec<(u64, u64)>> {
    /// Rows per parallel piece.
    const PIECE: usize = 64 * 1024;
    let n = frame.height();
    // One pass per column type decision; the pieces then only slice.
    let mut columns: Vec<(CellKind, Column)> = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let dtype = column.dtype();
        columns.push(if dtype.is_integer() || matches!(dtype, DataType::Datetime(_, _) | DataType::Date | DataType::Boolean) {
            (CellKind::Integer, column.cast(&DataType::Int64).map_err(internal)?)
        } else if is_float(dtype) {
            (CellKind::Float, column.cast(&DataType::Float64).map_err(internal)?)
        } else {
            (CellKind::Text, column.cast(&DataType::String).map_err(internal)?)
        });
    }
    let mut keys = vec![(0x9E37_79B9_7F4A_7C15u64, 0xC2B2_AE3D_27D4_EB4Fu64); n];
    keys.par_chunks_mut(PIECE).enumerate().try_for_each(|(p, keys)| -> Result<()> {
        let offset = (p * PIECE) as i64;
        for (kind, column) in &columns {
            let piece = column.slice(offset, keys.len());
            let mix = |key: &mut (u64, u64), cell: u64| {
                let (a, b) = *key;
                *key = (mix64(a ^ cell).wrapping_add(0x632B_E59B_D9B4_E019), mix64(b.rotate_left(17) ^ cell.wrapping_mul(0xFF51_AFD7_ED55_8CCD)));
            };
            match kind {
                CellKind::Integer => {
                    for (key, v) in keys.iter_mut().zip(piece.i64().map_err(internal)?.iter()) {
                        mix(key, v.map_or(NULL_CELL, |v| v as u64));
                    }
                }
                CellKind::Float => {
                    for (key, v) in keys.iter_mut().zip(piece.f64().map_err(internal)?.iter()) {
                        let bits = match v {
                            Some(v) if v.is_nan() => NULL_CELL,
                            None => NULL_CELL,
                            // Both zeros are one value.
                            Some(0.0) => 0,
                            Some(v) => v.to_bits(),
                        };
                        mix(key, bits);
                    }
                }
                CellKind::Text => {
                    for (key, v) in keys.iter_mut().zip(piece.str().map_err(internal)?.iter()) {
                        let cell = v.map_or(NULL_CELL, |s| {
                            let mut h = std::collections::hash_map::DefaultHasher::new();
                            s.hash(&mut h);
                            h.finish()
                        });
                        mix(key, cell);
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(keys)
}

/// How a column's cells enter a row's key.
enum CellKind {
    Integer,
    Float,
    Text,
}

const NULL_CELL: u64 = 0x6A09_E667_F3BC_C909;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn resolve_duplicates(table: &Table, out: &mut Table, keep: DuplicateKeep) -> Result<()> {
    let op = "resolve_duplicate_timestamps";
    let times = table.require_times(op)?;
    // Groups of rows with the same time, in order of first appearance; rows without a time
    // stay on their own.
    let mut group_of: HashMap<i64, usize> = HashMap::with_capacity(times.len());
    let mut groups: Vec<Vec<usize>> = Vec::with_capacity(times.len());
    for (row, t) in times.iter().enumerate() {
        match t {
            Some(t) => match group_of.get(t) {
                Some(&g) => groups[g].push(row),
                None => {
                    group_of.insert(*t, groups.len());
                    groups.push(vec![row]);
                }
            },
            None => groups.push(vec![row]),
        }
    }
    if groups.len() == times.len() {
        return Ok(());
    }
    let pick: Vec<IdxSize> = groups.iter().map(|g| idx(if keep == DuplicateKeep::Last { g[g.len() - 1] } else { g[0] })).collect::<Result<_>>()?;
    out.take_rows(pick)?;
    if keep == DuplicateKeep::Mean {
        // Columns are independent: one per worker at a time.
        let averaged: Vec<Column> = table
            .frame
            .columns()
            .par_iter()
            .filter(|column| is_float(column.dtype()))
            .map(|column| {
                let values = floats(column).unwrap_or_default();
                let means: Vec<f64> = groups
                    .iter()
                    .map(|g| {
                        let (sum, n) = g.iter().map(|&r| values[r]).filter(|v| v.is_finite()).fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
                        if n > 0 {
                            sum / n as f64
                        } else {
                            f64::NAN
                        }
                    })
                    .collect();
                float_column(column.name().as_str(), &means)
            })
            .collect();
        for column in averaged {
            out.put(column)?;
        }
    }
    Ok(())
}

// ----- resample ---------------------------------------------------------------------------------

fn resample(table: &Table, out: &mut Table, interval_s: f64, aggregate: Aggregate, max_columns: &[String]) -> Result<()> {
    let op = "resample";
    let times = table.require_times(op)?;
    let interval = (interval_s * 1000.0).round() as i64;
    if !interval_s.is_finite() || interval < 1 {
        return Err(EngineError::BadStep(format!("the resampling interval must be at least 1 ms, not {interval_s} s")));
    }
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for t in times.iter().flatten() {
        lo = lo.min(t.div_euclid(interval));
        hi = hi.max(t.div_euclid(interval));
    }
    if lo > hi {
        return Err(EngineError::BadStep("there are no timestamps to resample".into()));
    }
    let buckets = (hi - lo + 1) as u64;
    let known = times.iter().flatten().count() as u64;
    if buckets > MAX_RESAMPLE_ROWS || buckets > 100 * known + 1000 {
        return Err(EngineError::BadStep(format!("resampling {known} rows to {interval_s} s would make {buckets} rows; choose a longer interval")));
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

// ----- fills ------------------------------------------------------------------------------------

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
    EngineError::BadStep(format!("step \"{op}\" with a fill limit in seconds needs a timestamp column; use a limit in samples without one"))
}

/// A fill limit in seconds as milliseconds, refusing limits that are not a duration.
fn gap_ms(max_gap_s: f64) -> Result<i64> {
    if !(max_gap_s.is_finite() && max_gap_s >= 0.0) {
        return Err(EngineError::BadStep(format!("a fill limit must be a number of seconds ≥ 0, not {max_gap_s}")));
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
pub(crate) fn interpolate_within(values: &mut [f64], times: &[Option<i64>], max_gap: i64) {
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
pub(crate) fn interpolate(values: &mut [f64], times: Option<&[Option<i64>]>, limit: Option<u32>) {
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
        return Err(EngineError::BadStep(format!("\"{name}\" cannot be filled with {value}")));
    }
    let mut values = table.floats(op, name)?;
    for v in values.iter_mut().filter(|v| v.is_nan()) {
        *v = value;
    }
    Ok(numeric_column_like(name, &values, column.dtype()))
}

// ----- outliers ---------------------------------------------------------------------------------

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

// ----- segments and conditions ------------------------------------------------------------------

fn segment_mask(table: &Table, op: &str, segment: Option<&Segment>) -> Result<Option<Vec<bool>>> {
    let n = table.height();
    Ok(match segment {
        None => None,
        Some(Segment::Rows { start, end }) => {
            if start > end || *end as usize > n {
                return Err(EngineError::BadStep(format!("rows {start}..{end} are outside the {n} rows of the data")));
            }
            Some((0..n).map(|i| (i as u64) >= *start && (i as u64) < *end).collect())
        }
        Some(Segment::Time { from_ms, to_ms }) => {
            if from_ms > to_ms {
                return Err(EngineError::BadStep("the segment ends before it starts".into()));
            }
            let times = table.require_times(op)?;
            Some(times.iter().map(|t| t.is_some_and(|t| t >= *from_ms && t <= *to_ms)).collect())
        }
    })
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

// ----- labels -----------------------------------------------------------------------------------

fn derive_label(table: &Table, op: &str, name: &str, source: &LabelSource, horizon_h: f64, during_event: bool) -> Result<Column> {
    if name.trim().is_empty() {
        return Err(EngineError::BadStep("the label needs a name".into()));
    }
    if table.has(name) {
        return Err(EngineError::BadStep(format!("there is already a column named \"{name}\"; choose another name for the label")));
    }
    if !horizon_h.is_finite() || horizon_h < 0.0 {
        return Err(EngineError::BadStep(format!("the horizon must be zero or more hours, not {horizon_h}")));
    }
    let times = table.require_times(op)?;
    let horizon = (horizon_h * 3_600_000.0).round() as i64;
    let mut active = vec![false; times.len()];
    let mut events: Vec<i64> = match source {
        LabelSource::Column { column } => {
            let values = table.floats(op, column)?;
            // Onsets in time order: an event starts where the column turns non-zero.
            let mut order: Vec<usize> = (0..values.len()).filter(|&i| times[i].is_some()).collect();
            order.sort_by_key(|&i| times[i]);
            let mut on = false;
            let mut starts = Vec::new();
            for &i in &order {
                let now = values[i].is_finite() && values[i] != 0.0;
                if now && !on {
                    starts.push(times[i].unwrap_or(0));
                }
                active[i] = now;
                on = now;
            }
            starts
        }
        LabelSource::Events { at } => {
            let mut out = Vec::with_capacity(at.len());
            for text in at {
                let parsed = timestamps::parse(text, TimestampFormat::Iso)
                    .ok_or_else(|| EngineError::BadStep(format!("\"{text}\" is not a time like 2024-03-04 12:00:00")))?;
                out.push(parsed.millis);
            }
            out
        }
    };
    events.sort_unstable();
    let labels: Vec<Option<i64>> = times
        .iter()
        .zip(&active)
        .map(|(t, &a)| {
            t.map(|t| {
                let i = events.partition_point(|&e| e < t);
                let soon = events.get(i).is_some_and(|&e| e <= t + horizon);
                i64::from(soon || (during_event && a))
            })
        })
        .collect();
    let ca: Int64Chunked = labels.into_iter().collect();
    Ok(ca.with_name(name.into()).into_column())
}

/// The timestamps of a column in ms (for segments in suggestions).
pub(crate) fn column_times(column: &Column) -> Result<Vec<Option<i64>>> {
    times_ms(column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantlab_protocol::UnitConversion;

    fn table(values: Vec<Option<f64>>) -> Table {
        let n = values.len() as i64;
        let ts: Vec<i64> = (0..n).map(|i| i * 60_000).collect();
        let mut frame = df!("ts" => ts, "v" => values).unwrap();
        let cast = frame.column("ts").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
        frame.replace("ts", cast).unwrap();
        Table { frame, timestamp: Some("ts".into()), units: HashMap::new(), status: Vec::new(), excluded: Vec::new() }
    }

    fn values(t: &Table) -> Vec<f64> {
        floats(t.frame.column("v").unwrap()).unwrap()
    }

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
    fn a_missing_column_is_a_clear_error() {
        let t = table(vec![Some(1.0)]);
        let step = CleanStep::Fill { columns: vec!["nope".into()], method: FillMethod::Median };
        let err = apply(&step, None, &t).err().unwrap();
        assert_eq!(err.code(), "bad_step");
        assert!(err.to_string().contains("\"nope\""), "{err}");
        assert!(fit(&step, &t, 0.7).is_err());
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
    fn unit_conversion_on_a_time_segment() {
        let t = table(vec![Some(10.0), Some(50.0), Some(50.0), Some(10.0)]);
        let step = CleanStep::ConvertUnit {
            column: "v".into(),
            conversion: UnitConversion::FahrenheitToCelsius,
            segment: Some(Segment::Time { from_ms: 60_000, to_ms: 120_000 }),
        };
        let v = values(&apply(&step, None, &t).unwrap());
        assert_eq!(v[0], 10.0);
        assert!((v[1] - 10.0).abs() < 1e-9);
    }

    #[test]
    fn labels_mark_the_hours_before_an_event() {
        let v: Vec<Option<f64>> = (0..200).map(|i| Some(if (150..160).contains(&i) { 1.0 } else { 0.0 })).collect();
        let t = table(v);
        let step =
            CleanStep::DeriveLabel { name: "soon".into(), source: LabelSource::Column { column: "v".into() }, horizon_h: 1.0, during_event: true };
        let out = apply(&step, None, &t).unwrap();
        let label = floats(out.frame.column("soon").unwrap()).unwrap();
        assert_eq!(label[89], 0.0);
        assert_eq!(label[90], 1.0, "60 minutes before the onset");
        assert_eq!(label[155], 1.0, "during the event");
        assert_eq!(label[160], 0.0);
    }

    #[test]
    fn exclude_periods_removes_rows_with_a_margin() {
        let v: Vec<Option<f64>> = (0..10).map(|i| Some(if i == 5 { 0.0 } else { 10.0 })).collect();
        let t = table(v);
        let step = CleanStep::ExcludePeriods { condition: Condition { column: "v".into(), op: CompareOp::Lt, value: 1.0 }, pad_s: 60.0 };
        assert_eq!(apply(&step, None, &t).unwrap().height(), 7);
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
