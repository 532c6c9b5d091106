//! A suggested step for each finding that has one, with parameters read from the data, in
//! the order a cleaning pipeline runs them (time axis first, then stops, then values, then
//! gaps, then fills), so adding the suggestions one after another converges.
//!
//! Suggestions respect the plant: a stopped unit is excluded, not treated as a stuck sensor
//! and filled; fills bridge only short runs (a few sampling intervals, stated in seconds), so
//! a shutdown or an outage stays missing; the label column is never filled, nulled, converted
//! or averaged. Each reason says what the engine believes happened, with times.

use plantlab_protocol::{
    format_duration, Aggregate, CleanStep, DuplicateKeep, FillMethod, Finding, FindingKind, OutlierAction, OutlierMethod, QualityReport, Segment,
    Suggestion, UnitConversion,
};

use super::steps::column_times;
use super::table::{floats, is_float, Table};
use crate::quality::{find_stops, repair_hints, short_time, QualityThresholds};

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
    // " from 5 Oct 02:00" (a run) or " (first at 5 Oct 02:00)" (scattered cells) for a
    // finding's first place, when there is a time axis.
    let first_time = |f: &Finding| f.rows.first().and_then(|&r| time_of(r)).map(short_time);
    let first_place = |f: &Finding| first_time(f).map(|t| format!(" from {t}")).unwrap_or_default();
    let first_at = |f: &Finding| first_time(f).map(|t| format!(" (first at {t})")).unwrap_or_default();
    let interval = report.sampling_interval_s.filter(|s| *s > 0.0 && s.is_finite());
    let is_label = |name: &str| label == Some(name);

    let mut out: Vec<Suggestion> = Vec::new();
    let mut fill_float: Vec<&Finding> = Vec::new();
    let mut fill_other: Vec<&Finding> = Vec::new();
    for finding in &report.findings {
        let column = finding.column.clone();
        let mut push = |step: CleanStep, reason: String| out.push(Suggestion { kind: finding.kind, column: column.clone(), step, reason });
        // The label is the truth a model learns: never nulled, filled, converted or dropped.
        if finding.column.as_deref().is_some_and(is_label) && finding.kind != FindingKind::LabelImbalance {
            continue;
        }
        match (finding.kind, finding.column.as_deref()) {
            (FindingKind::UnsortedTimestamps, _) => push(
                CleanStep::SortByTime,
                format!("Time goes backwards at {} place{}{}; sort by time so that every later step sees the readings in order.", finding.count, plural(finding.count), first_at(finding)),
            ),
            (FindingKind::DuplicateRows, _) => push(
                CleanStep::DropDuplicateRows,
                format!("{} rows are exact copies of earlier rows{} (an export that overlapped itself); drop them.", finding.count, first_at(finding)),
            ),
            (FindingKind::DuplicateTimestamps, _) => {
                // Averaging would turn a 0/1 label held as floats into fractions: keep the first
                // reading there instead.
                let float_label = label.and_then(|l| table.frame.column(l).ok()).is_some_and(|c| is_float(c.dtype()));
                let keep = if float_label { DuplicateKeep::First } else { DuplicateKeep::Mean };
                let how = if float_label { "the first reading of each time is kept" } else { "readings that share a timestamp are averaged into one row (the label keeps the first)" };
                push(
                    CleanStep::ResolveDuplicateTimestamps { keep },
                    format!(
                        "{} rows repeat an earlier timestamp with other values{}: a repeated local hour when summer time ends, or two sources merged; {how}.",
                        finding.count,
                        first_place(finding)
                    ),
                )
            }
            (FindingKind::Shutdown, Some(name)) => {
                if let Some(step) = stop_step(table, name, thresholds, interval, times.as_deref()) {
                    push(step.0, step.1);
                }
            }
            (FindingKind::Gap, _) => {
                if let Some(interval) = interval {
                    let max_columns = label.filter(|l| table.has(l)).map(|l| vec![l.to_owned()]).unwrap_or_default();
                    let label_note = match label.filter(|l| table.has(l)) {
                        Some(l) => format!(" {l} takes the maximum of each interval (a fault anywhere in it), never a mean."),
                        None => String::new(),
                    };
                    push(
                        CleanStep::Resample { interval_s: interval, aggregate: Aggregate::Mean, max_columns },
                        format!(
                            "{} The historian recorded nothing there (a communication gap). Align to the {} grid: the gap becomes rows of missing values, which a fill bridges only where it is at most {} long.{label_note}",
                            finding.message,
                            format_duration(interval),
                            format_duration(FILL_INTERVALS * interval)
                        ),
                    );
                }
            }
            (FindingKind::Constant, Some(name)) | (FindingKind::HighCardinality, Some(name)) => {
                let why = if finding.kind == FindingKind::Constant { "holds one value only" } else { "is an identifier, different in almost every row" };
                push(CleanStep::Drop { columns: vec![name.to_owned()] }, format!("{name} {why}, so it carries nothing a model can learn from."));
            }
            (FindingKind::Spike, Some(name)) => push(
                CleanStep::Outliers {
                    columns: vec![name.to_owned()],
                    method: OutlierMethod::Hampel { window: thresholds.spike_window as u32, k: (thresholds.spike_k - 1.0).max(2.0) },
                    action: OutlierAction::Null,
                },
                format!(
                    "{name} jumps away from its neighbours and back in {} sample{}{}: single bad readings. They become missing (a Hampel filter a little stricter than the report's check), and a short fill bridges them.",
                    finding.count,
                    plural(finding.count),
                    first_at(finding)
                ),
            ),
            (FindingKind::Flatline, Some(name)) => push(
                CleanStep::FlatlineToNull { columns: vec![name.to_owned()], min_run: thresholds.flatline_min_run as u32 },
                format!(
                    "{name} repeats one reading for {} samples{} while the unit runs and its other tags move: a stuck transmitter. Those readings become missing; a run longer than the fill limit stays missing.",
                    finding.count,
                    first_place(finding)
                ),
            ),
            (FindingKind::OutOfRange, Some(name)) => {
                if let Some(step) = range_step(table, name, thresholds) {
                    push(
                        step,
                        format!(
                            "{name} holds {} implausible value{}{} (historian sentinels, or outside the plausible range): not readings. They become missing.",
                            finding.count,
                            plural(finding.count),
                            first_at(finding)
                        ),
                    );
                }
            }
            (FindingKind::UnitJump, Some(name)) => {
                for step in unit_steps(table, name, thresholds) {
                    let when = match &step {
                        CleanStep::ConvertUnit { segment: Some(Segment::Time { from_ms, to_ms }), .. } => {
                            format!(" from {} for {}", short_time(*from_ms), format_duration((to_ms - from_ms) as f64 / 1000.0 + interval.unwrap_or(0.0)))
                        }
                        _ => String::new(),
                    };
                    push(step, format!("{name} was logged in another unit{when} (its level matches a unit conversion); convert it back to the column's unit."));
                }
            }
            // A single class (count 0) cannot be weighted: that label needs other data.
            (FindingKind::LabelImbalance, Some(name)) if finding.count > 0 => push(
                CleanStep::WeightClasses { label: name.to_owned(), weight_column: weight_column_name(table, name) },
                format!("Weight {name}'s classes so the rare one counts as much as the common one in training (fitted on the training part); its values stay as they are."),
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
        let (method, limit_words, max_gap_ms) = match (interval, times.as_deref()) {
            (Some(interval), Some(_)) => {
                let max_gap_s = FILL_INTERVALS * interval;
                let method = if interpolate { FillMethod::InterpolateWithin { max_gap_s } } else { FillMethod::ForwardWithin { max_gap_s } };
                (
                    method,
                    format!("gaps of at most {} ({} sampling intervals)", format_duration(max_gap_s), FILL_INTERVALS),
                    Some((max_gap_s * 1000.0).round() as i64),
                )
            }
            _ => {
                let limit = Some(FILL_SAMPLES);
                let method = if interpolate { FillMethod::Interpolate { limit } } else { FillMethod::Forward { limit } };
                (method, format!("runs of at most {FILL_SAMPLES} samples"), None)
            }
        };
        let (fillable, left) =
            columns.iter().map(|c| fill_reach(table, c, times.as_deref(), max_gap_ms, interpolate)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        // Nothing short enough to fill: the missing cells stay, and no suggestion repeats.
        if fillable == 0 {
            continue;
        }
        let how = if interpolate { "Interpolate in time" } else { "Carry the last reading forward" };
        let rest = if left > 0 { format!("; {left} cell{} in longer runs stay missing", plural(left as u64)) } else { String::new() };
        let step = CleanStep::Fill { columns: columns.clone(), method };
        for f in findings {
            let what = if f.kind == FindingKind::StatusText { "hold a historian status text (no reading)" } else { "are empty" };
            out.push(Suggestion {
                kind: f.kind,
                column: f.column.clone(),
                step: step.clone(),
                reason: format!(
                    "{} cell{} of {} {what}{}. {how} across {limit_words}: {fillable} cell{} in {} column{}{rest}.",
                    f.count,
                    plural(f.count),
                    f.column.as_deref().unwrap_or("?"),
                    first_at(f),
                    plural(fillable as u64),
                    columns.len(),
                    plural(columns.len() as u64)
                ),
            });
        }
    }
    out.sort_by_key(|s| stage(&s.step));
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The exclusion of a unit's stops, found again on the table, with the story of what happened.
fn stop_step(
    table: &Table,
    column: &str,
    thresholds: &QualityThresholds,
    interval: Option<f64>,
    times: Option<&[Option<i64>]>,
) -> Option<(CleanStep, String)> {
    let stops = find_stops(&table.frame, &table.units, thresholds);
    let unit = stops.into_iter().find(|u| u.exclude_when.column == column)?;
    let story = unit.story(|row| times.and_then(|t| t.get(row).copied().flatten()), interval);
    // A margin for the run-down and start-up, which only a time axis can measure.
    let pad_s = match (interval, times) {
        (Some(interval), Some(_)) => STOP_MARGIN_INTERVALS * interval,
        _ => 0.0,
    };
    let margin = if pad_s > 0.0 { format!(" with {} either side (run-down and start-up)", format_duration(pad_s)) } else { String::new() };
    let reason = format!(
        "{}. Its readings then are an operating state, not faults: exclude the rows where {}{margin}, instead of nulling the zeros as a stuck sensor and filling them with running values.",
        capitalized(&story),
        describe_condition(&unit.exclude_when)
    );
    Some((CleanStep::ExcludePeriods { condition: unit.exclude_when, pad_s }, reason))
}

fn describe_condition(c: &plantlab_protocol::Condition) -> String {
    CleanStep::ExcludePeriods { condition: c.clone(), pad_s: 0.0 }.describe().trim_start_matches("Exclude rows where ").to_owned()
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
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
