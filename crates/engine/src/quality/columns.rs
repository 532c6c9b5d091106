//! One column at a time: its profile, status texts and missing cells, and the numeric checks
//! (range, flatline, spike, unit jump) in the order they judge the readings. Columns are
//! analysed on parallel threads.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use plantlab_protocol::{ColumnProfile, Finding, FindingKind, MessageArg, Severity};
use polars::prelude::*;

use super::flatline::scan_neighbours;
use super::labels::numeric_label_imbalance;
use super::range::{RangeHits, RangeRule};
use super::spike::find_spikes;
use super::statistics::{Robust, Summary};
use super::text::text_checks;
use super::time_axis::Places;
use super::unit_jump::find_unit_jumps;
use super::wording::Words;
use super::{QualityThresholds, StatusTextCount, MAX_EXAMPLES};

/// Below this many cells the columns are analysed on the calling thread.
const PARALLEL_MIN_CELLS: usize = 200_000;

pub(super) struct ColumnContext<'a> {
    pub(super) thresholds: &'a QualityThresholds,
    pub(super) places: Places<'a>,
    pub(super) units: &'a HashMap<String, String>,
    /// Rows where a unit was stopped: flat runs there are its operating state, not stuck sensors.
    pub(super) stopped: Option<&'a [bool]>,
    pub(super) status_text: &'a [StatusTextCount],
    pub(super) timestamp_column: Option<&'a str>,
    pub(super) label_column: Option<&'a str>,
    /// Per-row weights of the label's classes, when a weight column balances them.
    pub(super) label_weights: Option<Cow<'a, [f64]>>,
    pub(super) rows: usize,
}

impl ColumnContext<'_> {
    /// Status texts of one column: total count and all listed rows, sorted.
    fn status_of(&self, name: &str) -> (u64, Vec<u64>) {
        let mut count = 0;
        let mut rows = Vec::new();
        for entry in self.status_text.iter().filter(|s| s.column == name) {
            count += entry.count;
            rows.extend_from_slice(&entry.rows);
        }
        rows.sort_unstable();
        rows.dedup();
        (count, rows)
    }
}

pub(super) struct ColumnReport {
    pub(super) profile: ColumnProfile,
    pub(super) findings: Vec<Finding>,
}

pub(super) fn analyse_columns(frame: &DataFrame, ctx: &ColumnContext<'_>) -> Vec<ColumnReport> {
    let columns = frame.columns();
    let workers = if frame.height().saturating_mul(columns.len()) >= PARALLEL_MIN_CELLS {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(columns.len())
    } else {
        1
    };
    if workers <= 1 {
        let mut scratch = Vec::new();
        return columns.iter().map(|c| analyse_column(c, ctx, &mut scratch)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<ColumnReport>> = (0..columns.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut scratch = Vec::new();
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(column) = columns.get(index) else { break };
                        done.push((index, analyse_column(column, ctx, &mut scratch)));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            let Ok(done) = handle.join() else { continue };
            for (index, report) in done {
                if let Some(slot) = slots.get_mut(index) {
                    *slot = Some(report);
                }
            }
        }
    });
    // A worker that died leaves its columns empty; analyse those here.
    slots.into_iter().zip(columns).map(|(slot, column)| slot.unwrap_or_else(|| analyse_column(column, ctx, &mut Vec::new()))).collect()
}

fn analyse_column(column: &Column, ctx: &ColumnContext<'_>, scratch: &mut Vec<f64>) -> ColumnReport {
    let name = column.name().as_str();
    let dtype = column.dtype();
    let null_count = column.null_count();
    let (status_count, status_rows) = ctx.status_of(name);
    let unit = ctx.units.get(name).map(|u| u.trim()).filter(|u| !u.is_empty()).map(str::to_owned);
    let mut profile = ColumnProfile {
        name: name.to_owned(),
        dtype: dtype.to_string(),
        unit: unit.clone(),
        null_count: null_count as u64,
        status_text_count: status_count,
        min: None,
        max: None,
        mean: None,
        std: None,
    };
    let mut findings = Vec::new();
    let places = ctx.places;
    let rows = ctx.rows.max(1) as f64;

    if status_count > 0 {
        let listed: Vec<usize> = status_rows.iter().map(|&r| r as usize).collect();
        findings.push(places.finding(
            FindingKind::StatusText,
            Some(name),
            status_count,
            Severity::Warning,
            &listed,
            Words::new([("column", name.into()), ("count", status_count.into())]),
        ));
    }
    let missing = (null_count as u64).saturating_sub(status_count);
    if missing > 0 {
        let share = missing as f64 / rows;
        let severity = if share > ctx.thresholds.missing_error_share { Severity::Error } else { Severity::Warning };
        let examples = null_rows(column, &status_rows, MAX_EXAMPLES);
        findings.push(places.finding(
            FindingKind::Missing,
            Some(name),
            missing,
            severity,
            &examples,
            if status_count > 0 {
                Words::variant(
                    "besides_status_texts",
                    [("column", name.into()), ("count", missing.into()), ("share", MessageArg::Share(share)), ("status", status_count.into())],
                )
            } else {
                Words::new([("column", name.into()), ("count", missing.into()), ("share", MessageArg::Share(share))])
            },
        ));
    }

    let is_label = ctx.label_column == Some(name);
    if ctx.timestamp_column != Some(name) {
        if dtype.is_primitive_numeric() || dtype.is_bool() {
            if let Some(values) = numeric_values(column) {
                numeric_checks(name, unit.as_deref(), values, is_label, ctx, scratch, &mut profile, &mut findings);
            }
        } else if let Ok(text) = column.str() {
            text_checks(name, text, is_label, ctx, &mut findings);
        }
    }
    findings.sort_by_key(|f| f.kind);
    ColumnReport { profile, findings }
}

/// The first `limit` null rows of a column that are not listed status-text rows (`skip`, sorted).
fn null_rows(column: &Column, skip: &[u64], limit: usize) -> Vec<usize> {
    let mask = column.as_materialized_series().is_null();
    let mut out = Vec::new();
    let mut row = 0usize;
    for chunk in mask.downcast_iter() {
        for is_null in chunk.values().iter() {
            if is_null && skip.binary_search(&(row as u64)).is_err() {
                out.push(row);
                if out.len() >= limit {
                    return out;
                }
            }
            row += 1;
        }
    }
    out
}

/// A numeric column as f64 with NaN for nulls, borrowed when it already is one.
pub(super) fn numeric_values(column: &Column) -> Option<Cow<'_, [f64]>> {
    let series = column.as_materialized_series();
    if let Ok(ca) = series.f64() {
        if let Ok(slice) = ca.cont_slice() {
            return Some(Cow::Borrowed(slice));
        }
        return Some(Cow::Owned(nan_for_null(ca)));
    }
    let cast = series.cast(&DataType::Float64).ok()?;
    let ca = cast.f64().ok()?;
    Some(Cow::Owned(nan_for_null(ca)))
}

fn nan_for_null(ca: &Float64Chunked) -> Vec<f64> {
    let mut out = Vec::with_capacity(ca.len());
    for chunk in ca.downcast_iter() {
        let values: &[f64] = chunk.values();
        match chunk.validity() {
            None => out.extend_from_slice(values),
            Some(valid) => out.extend(values.iter().zip(valid.iter()).map(|(&v, ok)| if ok { v } else { f64::NAN })),
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn numeric_checks(
    name: &str,
    unit: Option<&str>,
    mut values: Cow<'_, [f64]>,
    is_label: bool,
    ctx: &ColumnContext<'_>,
    scratch: &mut Vec<f64>,
    profile: &mut ColumnProfile,
    findings: &mut Vec<Finding>,
) {
    let t = ctx.thresholds;
    let places = ctx.places;
    let summary = Summary::of(&values, t.categorical_max_levels);
    if summary.finite > 0 {
        profile.min = Some(summary.min);
        profile.max = Some(summary.max);
        profile.mean = Some(summary.mean);
        profile.std = summary.std;
    }
    if is_label {
        findings.extend(numeric_label_imbalance(name, &values, ctx));
    }
    if summary.finite + summary.infinite < 2 {
        return;
    }
    if summary.infinite == 0 && summary.min == summary.max {
        findings.push(places.finding(
            FindingKind::Constant,
            Some(name),
            summary.finite as u64,
            Severity::Info,
            &[],
            Words::new([("column", name.into()), ("value", MessageArg::Number(summary.min)), ("rows", summary.finite.into())]),
        ));
        return;
    }
    let robust = Robust::of(&values, scratch);

    let rule = RangeRule::for_column(name, unit, t, &robust, &summary);
    let hits = if rule.could_reject(&summary) { rule.scan(&values) } else { RangeHits::default() };
    if hits.count > 0 {
        findings.push(places.finding(FindingKind::OutOfRange, Some(name), hits.count as u64, Severity::Error, &hits.rows, hits.words(name, &rule)));
        // The detectors below judge the readings that are left.
        for v in values.to_mut().iter_mut() {
            if rule.rejects(*v) {
                *v = f64::NAN;
            }
        }
    }
    if summary.levels.is_some() {
        return;
    }

    let noise = robust.step_sigma;
    // Rows that jumped from their predecessor by enough to start a spike or a unit change.
    let jump = if noise > 0.0 && noise.is_finite() { (t.spike_k - 2.0).max(1.0).min(t.spike_k) * noise } else { f64::INFINITY };
    let (mut runs, jumps) = scan_neighbours(&values, t.flatline_min_run, t.flatline_max_repeat_share, jump);
    if let Some(stopped) = ctx.stopped {
        // A stopped pump reads 0 flow for hours: that run is the stop, not a stuck transmitter.
        runs.retain(|r| {
            let inside = stopped.get(r.start..r.start + r.len).map_or(0, |s| s.iter().filter(|&&x| x).count());
            (inside as f64) < 0.9 * r.len as f64
        });
    }
    if let Some(longest) = runs.iter().max_by_key(|r| r.len) {
        let samples: usize = runs.iter().map(|r| r.len).sum();
        let starts: Vec<usize> = runs.iter().map(|r| r.start).collect();
        findings.push(places.finding(
            FindingKind::Flatline,
            Some(name),
            samples as u64,
            Severity::Warning,
            &starts,
            Words::new([
                ("column", name.into()),
                ("runs", runs.len().into()),
                ("min-run", t.flatline_min_run.into()),
                ("samples", samples.into()),
                ("longest", longest.len.into()),
                ("value", MessageArg::Number(longest.value)),
                ("start", places.place(longest.start)),
            ]),
        ));
    }

    let spikes = find_spikes(&values, &jumps, noise, t, scratch);
    if !spikes.is_empty() {
        let n = spikes.len();
        findings.push(places.finding(
            FindingKind::Spike,
            Some(name),
            n as u64,
            Severity::Warning,
            &spikes,
            Words::new([("column", name.into()), ("count", n.into()), ("k", MessageArg::Number(t.spike_k))]),
        ));
    }

    let segments = find_unit_jumps(&values, &jumps, noise, unit, t, scratch);
    if let Some(first) = segments.first() {
        let samples: usize = segments.iter().map(|j| j.samples).sum();
        let starts: Vec<usize> = segments.iter().map(|j| j.start).collect();
        findings.push(places.finding(FindingKind::UnitJump, Some(name), samples as u64, Severity::Error, &starts, {
            let words = [
                ("column", name.into()),
                ("samples", first.samples.into()),
                ("from", places.place(first.start)),
                ("to", places.place(first.end.saturating_sub(1))),
                ("level", MessageArg::Number(first.segment_level)),
                ("around", MessageArg::Number(first.surrounding_level)),
                ("conversion", first.conversion.label().into()),
            ];
            if segments.len() > 1 {
                let mut words = Words::variant("segments", words);
                words.args.insert("segments".into(), segments.len().into());
                words.args.insert("total".into(), samples.into());
                words
            } else {
                Words::new(words)
            }
        }));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::test_signals::assess_with;
    use super::super::{QualityThresholds, StatusTextCount};
    use plantlab_protocol::{FindingKind, Severity};
    use polars::prelude::*;

    #[test]
    fn missing_cells_are_counted_apart_from_status_texts() {
        let values: Vec<Option<f64>> = (0..100).map(|i| if [3, 5, 40, 41].contains(&i) { None } else { Some(i as f64 * 1.37 % 7.0) }).collect();
        let frame = DataFrame::new(100, vec![Column::new("p".into(), values)]).unwrap();
        let status = [StatusTextCount { column: "p".into(), count: 2, rows: vec![5, 40] }];
        let a = assess_with(&frame, None, None, &status, &HashMap::new(), &QualityThresholds::default());
        assert_eq!(a.columns[0].null_count, 4);
        assert_eq!(a.columns[0].status_text_count, 2);
        let missing = a.findings.iter().find(|f| f.kind == FindingKind::Missing).unwrap();
        assert_eq!((missing.count, missing.rows.clone(), missing.severity), (2, vec![3, 41], Severity::Warning));
        let texts = a.findings.iter().find(|f| f.kind == FindingKind::StatusText).unwrap();
        assert_eq!((texts.count, texts.rows.clone()), (2, vec![5, 40]));
    }
}
