//! A suggested step for each finding that has one, with parameters read from the data, in
//! the order a cleaning pipeline runs them (time axis first, then stops, then values, then
//! gaps, then fills), so adding the suggestions one after another converges.
//!
//! Suggestions respect the plant: a stopped unit is excluded, not treated as a stuck sensor
//! and filled; fills bridge only short runs (a few sampling intervals, stated in seconds), so
//! a shutdown or an outage stays missing; the label column is never filled, nulled, converted
//! or averaged. Each reason says what the engine believes happened, with times. A reason is
//! coded (`suggest-<op>[-<variant>]` and its arguments) for the edges to word; its English
//! `reason` comes from the same catalogue.

use std::collections::BTreeMap;

use plantlab_protocol::{
    message_args, Aggregate, CleanStep, DuplicateKeep, FillMethod, Finding, FindingKind, MessageArg, OutlierAction, OutlierMethod, QualityReport,
    Segment, Suggestion, UnitConversion,
};

use super::steps::column_times;
use super::table::{floats, is_float, Table};
use crate::quality::{find_stops, repair_hints, QualityThresholds};

/// A fill bridges runs of missing cells up to this many sampling intervals long.
pub const FILL_INTERVALS: f64 = 5.0;
/// Fill limit in samples where the data has no time axis.
const FILL_SAMPLES: u32 = 5;
/// Margin around an excluded stop, in sampling intervals: the start-up and run-down.
const STOP_MARGIN_INTERVALS: f64 = 5.0;

/// Pipeline stage of a suggestion: lower runs first.
fn stage(step: &CleanStep) -> u8 {
    match step {
        CleanStep::SortByTime => 0,
        CleanStep::DropDuplicateRows => 1,
        CleanStep::ResolveDuplicateTimestamps { .. } => 2,
        // Stops go before any value step, so none of them sees a stopped unit's readings.
        CleanStep::ExcludePeriods { .. } => 3,
        CleanStep::Drop { .. } => 4,
        CleanStep::ConvertUnit { .. } => 5,
        CleanStep::Outliers { method: OutlierMethod::Range { .. }, .. } => 6,
        CleanStep::Outliers { .. } => 7,
        CleanStep::FlatlineToNull { .. } => 8,
        CleanStep::Resample { .. } => 9,
        CleanStep::Fill { method: FillMethod::Interpolate { .. } | FillMethod::InterpolateWithin { .. }, .. } => 10,
        // Weights last: they are fitted on the rows and labels the other steps leave.
        CleanStep::WeightClasses { .. } => 12,
        _ => 11,
    }
}

/// A new column name for a label's class weights: the default, or one derived from the label
/// when the default is taken.
fn weight_column_name(table: &Table, label: &str) -> String {
    let default = plantlab_protocol::DEFAULT_WEIGHT_COLUMN;
    if !table.has(default) {
        return default.to_owned();
    }
    (1..).map(|i| if i == 1 { format!("{label}_weight") } else { format!("{label}_weight_{i}") }).find(|n| !table.has(n)).unwrap_or_default()
}

/// Suggestions for the findings of `report` on `table`, first to run first. `label` is the
/// label (target) column: no suggestion changes its values.
pub fn suggest(report: &QualityReport, table: &Table, thresholds: &QualityThresholds, label: Option<&str>) -> Vec<Suggestion> {
    let times: Option<Vec<Option<i64>>> = table.times().ok().flatten();
    let time_of = |row: u64| times.as_ref().and_then(|t| t.get(row as usize).copied().flatten());
    // A finding's first place as the reasons' `first` ("first at 5 Oct 02:00") or `from`
    // ("from 5 Oct 02:00") argument: its time, or "none" without a time axis.
    let first_time = |f: &Finding| f.rows.first().and_then(|&r| time_of(r)).map_or_else(|| MessageArg::from(NO_TIME), MessageArg::Time);
    let interval = report.sampling_interval_s.filter(|s| *s > 0.0 && s.is_finite());
    let is_label = |name: &str| label == Some(name);

    let mut out: Vec<Suggestion> = Vec::new();
    let mut fill_float: Vec<&Finding> = Vec::new();
    let mut fill_other: Vec<&Finding> = Vec::new();
    for finding in &report.findings {
        let column = finding.column.clone();
        let mut push = |step: CleanStep, variant: &str, args: BTreeMap<String, MessageArg>| {
            out.push(Suggestion { kind: finding.kind, column: column.clone(), step, reason: String::new(), variant: variant.to_owned(), args })
        };
        // The label is the truth a model learns: never nulled, filled, converted or dropped.
        if finding.column.as_deref().is_some_and(is_label) && finding.kind != FindingKind::LabelImbalance {
            continue;
        }
        match (finding.kind, finding.column.as_deref()) {
            (FindingKind::UnsortedTimestamps, _) => {
                push(CleanStep::SortByTime, "", message_args([("count", finding.count.into()), ("first", first_time(finding))]))
            }
            (FindingKind::DuplicateRows, _) => {
                push(CleanStep::DropDuplicateRows, "", message_args([("count", finding.count.into()), ("first", first_time(finding))]))
            }
            (FindingKind::DuplicateTimestamps, _) => {
                // Averaging would turn a 0/1 label held as floats into fractions: keep the first
                // reading there instead.
                let float_label = label.and_then(|l| table.frame.column(l).ok()).is_some_and(|c| is_float(c.dtype()));
                let keep = if float_label { DuplicateKeep::First } else { DuplicateKeep::Mean };
                push(
                    CleanStep::ResolveDuplicateTimestamps { keep },
                    if float_label { "first" } else { "" },
                    message_args([("count", finding.count.into()), ("from", first_time(finding))]),
                )
            }
            (FindingKind::Shutdown, Some(name)) => {
                if let Some((step, variant, args)) = stop_step(table, name, thresholds, interval, times.as_deref()) {
                    push(step, variant, args);
                }
            }
            (FindingKind::Gap, _) => {
                if let Some(interval) = interval {
                    let max_columns = label.filter(|l| table.has(l)).map(|l| vec![l.to_owned()]).unwrap_or_default();
                    // The gap finding's own sentence opens the reason.
                    let gap_key = finding.message_key();
                    let gap = MessageArg::Phrase { code: gap_key.trim_start_matches("finding-").to_owned(), args: finding.args.clone() };
                    let mut args = message_args([
                        ("finding", gap),
                        ("interval", MessageArg::Duration(interval)),
                        ("limit", MessageArg::Duration(FILL_INTERVALS * interval)),
                    ]);
                    let variant = match label.filter(|l| table.has(l)) {
                        Some(l) => {
                            args.insert("label".into(), l.into());
                            "label"
                        }
                        None => "",
                    };
                    push(CleanStep::Resample { interval_s: interval, aggregate: Aggregate::Mean, max_columns }, variant, args);
                }
            }
            (FindingKind::Constant, Some(name)) | (FindingKind::HighCardinality, Some(name)) => {
                let variant = if finding.kind == FindingKind::Constant { "constant" } else { "identifier" };
                push(CleanStep::Drop { columns: vec![name.to_owned()] }, variant, message_args([("column", name.into())]));
            }
            (FindingKind::Spike, Some(name)) => push(
                CleanStep::Outliers {
                    columns: vec![name.to_owned()],
                    method: OutlierMethod::Hampel { window: thresholds.spike_window as u32, k: (thresholds.spike_k - 1.0).max(2.0) },
                    action: OutlierAction::Null,
                },
                "hampel",
                message_args([("column", name.into()), ("count", finding.count.into()), ("first", first_time(finding))]),
            ),
            (FindingKind::Flatline, Some(name)) => push(
                CleanStep::FlatlineToNull { columns: vec![name.to_owned()], min_run: thresholds.flatline_min_run as u32 },
                "",
                message_args([("column", name.into()), ("count", finding.count.into()), ("from", first_time(finding))]),
            ),
            (FindingKind::OutOfRange, Some(name)) => {
                if let Some(step) = range_step(table, name, thresholds) {
                    push(step, "range", message_args([("column", name.into()), ("count", finding.count.into()), ("first", first_time(finding))]));
                }
            }
            (FindingKind::UnitJump, Some(name)) => {
                for step in unit_steps(table, name, thresholds) {
                    let (variant, args) = match &step {
                        CleanStep::ConvertUnit { segment: Some(Segment::Time { from_ms, to_ms }), .. } => (
                            "segment",
                            message_args([
                                ("column", name.into()),
                                ("from", MessageArg::Time(*from_ms)),
                                ("duration", MessageArg::Duration((to_ms - from_ms) as f64 / 1000.0 + interval.unwrap_or(0.0))),
                            ]),
                        ),
                        _ => ("", message_args([("column", name.into())])),
                    };
                    push(step, variant, args);
                }
            }
            // A single class (count 0) cannot be weighted: that label needs other data.
            (FindingKind::LabelImbalance, Some(name)) if finding.count > 0 => push(
                CleanStep::WeightClasses { label: name.to_owned(), weight_column: weight_column_name(table, name) },
                "",
                message_args([("column", name.into())]),
            ),
            (FindingKind::Missing | FindingKind::StatusText, Some(name)) => {
                let float = table.frame.column(name).is_ok_and(|c| is_float(c.dtype()));
                if float {
                    fill_float.push(finding);
                } else {
                    fill_other.push(finding);
                }
            }
            _ => {}
        }
    }
    // One fill per method for all columns that need it: one click fills them all, bridging
    // runs of missing cells of at most a few sampling intervals. Longer runs (an outage, a
    // stuck transmitter's run) stay missing: nothing is invented across them.
    for (findings, interpolate) in [(fill_float, true), (fill_other, false)] {
        let mut columns: Vec<String> = findings.iter().filter_map(|f| f.column.clone()).collect();
        columns.dedup();
        if columns.is_empty() {
            continue;
        }
        // The limit's words: a duration in sampling intervals, or a number of samples.
        let (method, variant, limit_args, max_gap_ms) = match (interval, times.as_deref()) {
            (Some(interval), Some(_)) => {
                let max_gap_s = FILL_INTERVALS * interval;
                let method = if interpolate { FillMethod::InterpolateWithin { max_gap_s } } else { FillMethod::ForwardWithin { max_gap_s } };
                let args = message_args([("max-gap", MessageArg::Duration(max_gap_s)), ("intervals", MessageArg::Number(FILL_INTERVALS))]);
                (method, "", args, Some((max_gap_s * 1000.0).round() as i64))
            }
            _ => {
                let limit = Some(FILL_SAMPLES);
                let method = if interpolate { FillMethod::Interpolate { limit } } else { FillMethod::Forward { limit } };
                (method, "samples", message_args([("samples", u64::from(FILL_SAMPLES).into())]), None)
            }
        };
        let (fillable, left) =
            columns.iter().map(|c| fill_reach(table, c, times.as_deref(), max_gap_ms, interpolate)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        // Nothing short enough to fill: the missing cells stay, and no suggestion repeats.
        if fillable == 0 {
            continue;
        }
        let step = CleanStep::Fill { columns: columns.clone(), method };
        for f in findings {
            let mut args = message_args([
                ("count", f.count.into()),
                ("column", f.column.as_deref().unwrap_or("?").into()),
                ("source", if f.kind == FindingKind::StatusText { "status-text" } else { "missing" }.into()),
                ("first", first_time(f)),
                ("method", if interpolate { "interpolate" } else { "forward" }.into()),
                ("fillable", fillable.into()),
                ("columns", columns.len().into()),
                ("left", left.into()),
            ]);
            args.extend(limit_args.clone());
            out.push(Suggestion {
                kind: f.kind,
                column: f.column.clone(),
                step: step.clone(),
                reason: String::new(),
                variant: variant.to_owned(),
                args,
            });
        }
    }
    out.sort_by_key(|s| stage(&s.step));
    // The English reasons come from the catalogue the edges word them from.
    plantlab_i18n::with_english(|english| {
        for suggestion in &mut out {
            suggestion.reason = plantlab_i18n::suggestion_text(english, suggestion);
        }
    });
    out
}

/// The `first`/`from` argument where the data has no time axis: the catalogue leaves the place out.
const NO_TIME: &str = "none";

/// The exclusion of a unit's stops, found again on the table, with the story of what happened:
/// the step, its reason's variant and arguments.
fn stop_step(
    table: &Table,
    column: &str,
    thresholds: &QualityThresholds,
    interval: Option<f64>,
    times: Option<&[Option<i64>]>,
) -> Option<(CleanStep, &'static str, BTreeMap<String, MessageArg>)> {
    let stops = find_stops(&table.frame, &table.units, thresholds);
    let unit = stops.into_iter().find(|u| u.exclude_when.column == column)?;
    let story = unit.story_phrase(|row| times.and_then(|t| t.get(row).copied().flatten()), interval);
    // A margin for the run-down and start-up, which only a time axis can measure.
    let pad_s = match (interval, times) {
        (Some(interval), Some(_)) => STOP_MARGIN_INTERVALS * interval,
        _ => 0.0,
    };
    let mut args = message_args([("story", story), ("condition", describe_condition(&unit.exclude_when).into())]);
    let variant = if pad_s > 0.0 {
        args.insert("margin".into(), MessageArg::Duration(pad_s));
        ""
    } else {
        "no_margin"
    };
    Some((CleanStep::ExcludePeriods { condition: unit.exclude_when, pad_s }, variant, args))
}

fn describe_condition(c: &plantlab_protocol::Condition) -> String {
    CleanStep::ExcludePeriods { condition: c.clone(), pad_s: 0.0 }.describe().trim_start_matches("Exclude rows where ").to_owned()
}

/// Missing cells of a column that a fill limited to `max_gap_ms` (or [`FILL_SAMPLES`] without
/// times) would fill, and those it would leave: (fillable, left). A forward fill needs a
/// reading before the run; an interpolation measures between the readings either side.
fn fill_reach(table: &Table, name: &str, times: Option<&[Option<i64>]>, max_gap_ms: Option<i64>, interpolate: bool) -> (usize, usize) {
    let Ok(column) = table.frame.column(name) else { return (0, 0) };
    let missing: Vec<bool> = column.is_null().iter().map(|v| v == Some(true)).collect();
    let n = missing.len();
    let time = |row: usize| times.and_then(|t| t.get(row).copied().flatten());
    let (mut fillable, mut left) = (0, 0);
    let mut row = 0;
    while row < n {
        if !missing[row] {
            row += 1;
            continue;
        }
        let start = row;
        while row < n && missing[row] {
            row += 1;
        }
        let len = row - start;
        let before = start.checked_sub(1);
        let after = (row < n).then_some(row);
        let fits = match max_gap_ms {
            None => len <= FILL_SAMPLES as usize && (before.is_some() || (interpolate && after.is_some())),
            // As the fills measure it: between the readings either side, or from the one
            // reading to the far end of the run.
            Some(max) => {
                let (a, b, first, last) = (before.and_then(time), after.and_then(time), time(start), time(row - 1));
                if interpolate {
                    match (a, b, first, last) {
                        (Some(a), Some(b), _, _) => b - a <= max,
                        (Some(a), None, _, Some(last)) => last - a <= max,
                        (None, Some(b), Some(first), _) => b - first <= max,
                        _ => false,
                    }
                } else {
                    matches!((a, last), (Some(a), Some(last)) if last - a <= max)
                }
            }
        };
        if fits {
            fillable += len;
        } else {
            left += len;
        }
    }
    (fillable, left)
}

fn column_values(table: &Table, name: &str) -> Option<Vec<f64>> {
    table.frame.column(name).ok().and_then(floats)
}

fn range_step(table: &Table, name: &str, thresholds: &QualityThresholds) -> Option<CleanStep> {
    let values = column_values(table, name)?;
    let hints = repair_hints(name, table.units.get(name).map(String::as_str), &values, thresholds);
    let low = hints.low.is_finite().then_some(hints.low);
    let high = hints.high.is_finite().then_some(hints.high);
    Some(CleanStep::Outliers {
        columns: vec![name.to_owned()],
        method: OutlierMethod::Range { low, high, values: hints.sentinels },
        action: OutlierAction::Null,
    })
}

/// One conversion step per unit-jump segment, inverting the conversion the check matched, on
/// the segment's time span (rows when there is no time axis).
fn unit_steps(table: &Table, name: &str, thresholds: &QualityThresholds) -> Vec<CleanStep> {
    let Some(values) = column_values(table, name) else { return Vec::new() };
    let hints = repair_hints(name, table.units.get(name).map(String::as_str), &values, thresholds);
    let times = table.timestamp.as_deref().and_then(|ts| table.frame.column(ts).ok()).and_then(|c| column_times(c).ok());
    hints
        .unit_jumps
        .iter()
        .map(|&(start, end, scale, offset)| {
            let conversion = named_inverse(scale, offset);
            let segment = times
                .as_ref()
                .and_then(|t| {
                    let span: Vec<i64> = t.get(start..end)?.iter().flatten().copied().collect();
                    Some(Segment::Time { from_ms: *span.iter().min()?, to_ms: *span.iter().max()? })
                })
                .unwrap_or(Segment::Rows { start: start as u64, end: end as u64 });
            CleanStep::ConvertUnit { column: name.to_owned(), conversion, segment: Some(segment) }
        })
        .collect()
}

/// The conversion that undoes y = scale·x + offset, by name where it has one.
fn named_inverse(scale: f64, offset: f64) -> UnitConversion {
    let inverse = (1.0 / scale, -offset / scale);
    let named = UnitConversion::NAMED;
    named
        .into_iter()
        .find(|c| {
            let (s, o) = c.coefficients();
            (s - inverse.0).abs() < 1e-9 * s.abs().max(1.0) && (o - inverse.1).abs() < 1e-9 * o.abs().max(1.0)
        })
        .unwrap_or(UnitConversion::Linear { scale: inverse.0, offset: inverse.1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_conversions_are_named() {
        assert_eq!(named_inverse(1.8, 32.0), UnitConversion::FahrenheitToCelsius);
        assert_eq!(named_inverse(100.0, 0.0), UnitConversion::KpaToBar);
        assert!(matches!(named_inverse(2.0, 0.0), UnitConversion::Linear { .. }));
    }
}
