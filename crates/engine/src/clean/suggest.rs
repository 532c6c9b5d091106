//! A suggested step for each finding that has one, with parameters read from the data, in
//! the order a cleaning pipeline runs them (time axis first, then values, then gaps, then
//! fills), so adding the suggestions one after another converges.

use plantlab_protocol::{
    Aggregate, CleanStep, DuplicateKeep, FillMethod, Finding, FindingKind, OutlierAction, OutlierMethod, QualityReport, Segment, Suggestion,
    UnitConversion,
};

use super::steps::column_times;
use super::table::{floats, is_float, Table};
use crate::quality::{repair_hints, QualityThresholds};

/// Pipeline stage of a suggestion: lower runs first.
fn stage(step: &CleanStep) -> u8 {
    match step {
        CleanStep::SortByTime => 0,
        CleanStep::DropDuplicateRows => 1,
        CleanStep::ResolveDuplicateTimestamps { .. } => 2,
        CleanStep::Drop { .. } => 3,
        CleanStep::ConvertUnit { .. } => 4,
        CleanStep::Outliers { method: OutlierMethod::Range { .. }, .. } => 5,
        CleanStep::Outliers { .. } => 6,
        CleanStep::FlatlineToNull { .. } => 7,
        CleanStep::Resample { .. } => 8,
        CleanStep::Fill { method: FillMethod::Interpolate { .. }, .. } => 9,
        // Weights last: they are fitted on the rows and labels the other steps leave.
        CleanStep::WeightClasses { .. } => 11,
        _ => 10,
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

/// Suggestions for the findings of `report` on `table`, first to run first.
pub fn suggest(report: &QualityReport, table: &Table, thresholds: &QualityThresholds) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = Vec::new();
    let mut fill_float: Vec<&Finding> = Vec::new();
    let mut fill_other: Vec<&Finding> = Vec::new();
    for finding in &report.findings {
        let column = finding.column.clone();
        let mut push = |step: CleanStep, reason: String| out.push(Suggestion { kind: finding.kind, column: column.clone(), step, reason });
        match (finding.kind, finding.column.as_deref()) {
            (FindingKind::UnsortedTimestamps, _) => {
                push(CleanStep::SortByTime, "Sort by time so that every later step sees the readings in order.".into())
            }
            (FindingKind::DuplicateRows, _) => {
                push(CleanStep::DropDuplicateRows, format!("{} rows are exact copies of earlier rows; drop them.", finding.count))
            }
            (FindingKind::DuplicateTimestamps, _) => push(
                CleanStep::ResolveDuplicateTimestamps { keep: DuplicateKeep::Mean },
                "Readings that share a timestamp are averaged into one row.".into(),
            ),
            (FindingKind::Gap, _) => {
                if let Some(interval) = report.sampling_interval_s.filter(|s| *s > 0.0) {
                    push(
                        CleanStep::Resample { interval_s: interval, aggregate: Aggregate::Mean },
                        format!("Align to the {interval} s sampling interval; the gap becomes missing rows that a fill can bridge."),
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
                "Spikes become missing values (a Hampel filter a little stricter than the report's check); a fill then bridges them.".into(),
            ),
            (FindingKind::Flatline, Some(name)) => push(
                CleanStep::FlatlineToNull { columns: vec![name.to_owned()], min_run: thresholds.flatline_min_run as u32 },
                "A stuck transmitter repeats its last value; those readings become missing.".into(),
            ),
            (FindingKind::OutOfRange, Some(name)) => {
                if let Some(step) = range_step(table, name, thresholds) {
                    push(step, "Implausible values (sentinels, outside the plausible range) become missing.".into());
                }
            }
            (FindingKind::UnitJump, Some(name)) => {
                for step in unit_steps(table, name, thresholds) {
                    push(step, "Convert the segment logged in another unit back to the column's unit.".into());
                }
            }
            // A single class (count 0) cannot be weighted: that label needs other data.
            (FindingKind::LabelImbalance, Some(name)) if finding.count > 0 => push(
                CleanStep::WeightClasses { label: name.to_owned(), weight_column: weight_column_name(table, name) },
                format!("Weight {name}'s classes so the rare one counts as much as the common one in training (fitted on the training part)."),
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
    // One fill per method for all columns that need it: one click fills them all, with a
    // limit that bridges the longest run of missing cells there is now.
    for (findings, interpolate) in [(fill_float, true), (fill_other, false)] {
        let mut columns: Vec<String> = findings.iter().filter_map(|f| f.column.clone()).collect();
        columns.dedup();
        if columns.is_empty() {
            continue;
        }
        let limit = columns.iter().map(|c| longest_null_run(table, c)).max().unwrap_or(1).max(1);
        let method = if interpolate { FillMethod::Interpolate { limit: Some(limit) } } else { FillMethod::Forward { limit: Some(limit) } };
        let how = if interpolate { "Interpolate in time" } else { "Carry the last value forward" };
        let step = CleanStep::Fill { columns: columns.clone(), method };
        for f in findings {
            out.push(Suggestion {
                kind: f.kind,
                column: f.column.clone(),
                step: step.clone(),
                reason: format!("{how} over missing runs of up to {limit} samples ({} column{}).", columns.len(), if columns.len() == 1 { "" } else { "s" }),
            });
        }
    }
    out.sort_by_key(|s| stage(&s.step));
    out
}

fn longest_null_run(table: &Table, name: &str) -> u32 {
    let Ok(column) = table.frame.column(name) else { return 0 };
    let nulls = column.is_null();
    let (mut best, mut run) = (0u32, 0u32);
    for v in nulls.iter() {
        if v == Some(true) {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
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
    let named = [
        UnitConversion::FahrenheitToCelsius,
        UnitConversion::CelsiusToFahrenheit,
        UnitConversion::KelvinToCelsius,
        UnitConversion::CelsiusToKelvin,
        UnitConversion::KpaToBar,
        UnitConversion::BarToKpa,
        UnitConversion::PsiToBar,
        UnitConversion::BarToPsi,
        UnitConversion::M3hToLs,
        UnitConversion::LsToM3h,
    ];
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
