//! Operating states: where a unit was stopped (its flow, current, speed or power tags read near
//! zero together, or the user's running condition fails), and the `shutdown` finding.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use plantlab_protocol::{CompareOp, Condition, Finding, FindingKind, MessageArg, Severity};
use polars::prelude::*;

use super::columns::numeric_values;
use super::range::normalize_unit;
use super::statistics::ROBUST_SAMPLE;
use super::time_axis::{ticks_to_ms, Places};
use super::wording::{format_number, Words};
use super::QualityThresholds;

/// What a tag tells about whether its unit runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RunningSignal {
    Flow,
    Current,
    Speed,
    Power,
    /// The user's running condition.
    Condition,
}

impl RunningSignal {
    /// The catalogue phrase naming the signal (`finding-signal-flow`: "flow").
    fn phrase_code(self) -> &'static str {
        match self {
            RunningSignal::Flow => "signal_flow",
            RunningSignal::Current => "signal_current",
            RunningSignal::Speed => "signal_speed",
            RunningSignal::Power => "signal_power",
            RunningSignal::Condition => "signal_condition",
        }
    }

    /// The signal a tag carries, by its unit or its name; setpoints and valves carry none
    /// (they keep their value while the unit stands).
    fn of(name: &str, unit: Option<&str>) -> Option<Self> {
        let n = name.to_lowercase();
        if ["setpoint", "sollwert", "valve", "ventil"].iter().any(|w| n.contains(w)) {
            return None;
        }
        let u = unit.map(|u| normalize_unit(u).replace('3', "³")).unwrap_or_default();
        let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
        if ["m³/h", "m³/s", "nm³/h", "l/s", "l/min", "l/h", "t/h", "kg/h", "kg/s", "gpm"].contains(&u.as_str()) || has(&["flow", "durchfluss"]) {
            Some(RunningSignal::Flow)
        } else if u == "a" || has(&["current", "strom", "amps"]) {
            Some(RunningSignal::Current)
        } else if ["rpm", "1/min", "min-1", "min⁻¹"].contains(&u.as_str()) || has(&["speed", "drehzahl"]) {
            Some(RunningSignal::Speed)
        } else if ["kw", "mw"].contains(&u.as_str()) || has(&["power", "leistung"]) {
            Some(RunningSignal::Power)
        } else {
            None
        }
    }
}

/// The stops of one unit found in the data.
#[derive(Clone, Debug)]
pub(crate) struct UnitStops {
    /// The unit's tags that say whether it runs, with what each measures.
    pub signals: Vec<(String, RunningSignal)>,
    /// Rows where the unit is stopped, for excluding them (the flow below its stop level when
    /// the unit has a flow tag).
    pub exclude_when: Condition,
    /// Stopped periods as row ranges, in row order.
    pub periods: Vec<std::ops::Range<usize>>,
    /// Whether every signal read exactly 0 throughout the periods.
    pub exactly_zero: bool,
}

impl UnitStops {
    pub fn rows(&self) -> usize {
        self.periods.iter().map(|p| p.len()).sum()
    }

    /// What happened, when, and which machine was stopped, as the coded phrase
    /// `shutdown_story` ("flow is 0 from 5 Oct 02:00 for 3 h: the pump was stopped"); for a
    /// suggested step's reason.
    pub(crate) fn story_phrase(&self, time_ms: impl Fn(usize) -> Option<i64>, interval_s: Option<f64>) -> MessageArg {
        let mut args = shutdown_words(self, time_ms, interval_s).args;
        args.retain(|name, _| matches!(name.as_str(), "subject" | "periods" | "machine"));
        MessageArg::Phrase { code: "shutdown_story".to_owned(), args }
    }
}

/// The `shutdown` finding's sentence as a code: what happened (phrase `shutdown_condition_fails`
/// or `shutdown_signals_zero`), when (a list of `shutdown_period…` phrases), which machine, how
/// many rows and which tags.
fn shutdown_words(unit: &UnitStops, time_ms: impl Fn(usize) -> Option<i64>, interval_s: Option<f64>) -> Words {
    let subject = if unit.signals.iter().any(|(_, s)| *s == RunningSignal::Condition) {
        MessageArg::phrase("shutdown_condition_fails", [("condition", condition_arg(&unit.exclude_when))])
    } else {
        let mut distinct: Vec<RunningSignal> = unit.signals.iter().map(|(_, s)| *s).collect();
        distinct.dedup();
        let signals = distinct.iter().map(|s| MessageArg::phrase(s.phrase_code(), [])).collect();
        MessageArg::phrase(
            "shutdown_signals_zero",
            [
                ("signals", MessageArg::List(signals)),
                ("signal-count", distinct.len().into()),
                ("exact", if unit.exactly_zero { "yes" } else { "no" }.into()),
            ],
        )
    };
    let step_s = interval_s.filter(|s| *s > 0.0).unwrap_or(0.0);
    let mut periods: Vec<MessageArg> = unit
        .periods
        .iter()
        .take(3)
        .map(|p| match (time_ms(p.start), time_ms(p.end.saturating_sub(1))) {
            (Some(a), Some(z)) => MessageArg::phrase(
                "shutdown_period",
                [("start", MessageArg::Time(a)), ("duration", MessageArg::Duration((z - a) as f64 / 1000.0 + step_s))],
            ),
            _ => MessageArg::phrase("shutdown_period_rows", [("start", p.start.into()), ("end", p.end.into())]),
        })
        .collect();
    if unit.periods.len() > 3 {
        let more = unit.periods.len() - 3;
        periods.push(if more == 1 {
            MessageArg::phrase("shutdown_once_more", [])
        } else {
            MessageArg::phrase("shutdown_more_times", [("count", more.into())])
        });
    }
    let machine = if unit.signals.iter().any(|(_, s)| *s == RunningSignal::Flow) { "pump" } else { "machine" };
    let tags = unit.signals.iter().map(|(name, _)| name.as_str().into()).collect();
    Words::new([
        ("subject", subject),
        ("periods", MessageArg::List(periods)),
        ("machine", machine.into()),
        ("rows", unit.rows().into()),
        ("tags", MessageArg::List(tags)),
    ])
}

/// Where the running condition fails, as a sentence names it: "FI-101 Flow < 6" (symbols and
/// numbers read the same in every language), or a phrase for a missing or present reading.
fn condition_arg(c: &Condition) -> MessageArg {
    let fails = negated(c);
    match fails.op.symbol() {
        Some(op) => format!("{} {op} {}", fails.column, format_number(fails.value)).into(),
        None if fails.op == CompareOp::IsNull => MessageArg::phrase("condition_missing", [("column", c.column.as_str().into())]),
        None => MessageArg::phrase("condition_present", [("column", c.column.as_str().into())]),
    }
}

/// The opposite comparison: where `c` fails (for a present reading).
fn negated(c: &Condition) -> Condition {
    let op = match c.op {
        CompareOp::Lt => CompareOp::Ge,
        CompareOp::Le => CompareOp::Gt,
        CompareOp::Gt => CompareOp::Le,
        CompareOp::Ge => CompareOp::Lt,
        CompareOp::Eq => CompareOp::Ne,
        CompareOp::Ne => CompareOp::Eq,
        CompareOp::IsNull => CompareOp::NotNull,
        CompareOp::NotNull => CompareOp::IsNull,
    };
    Condition { column: c.column.clone(), op, value: c.value }
}

fn holds(c: &Condition, v: f64) -> bool {
    match c.op {
        CompareOp::Lt => v < c.value,
        CompareOp::Le => v <= c.value,
        CompareOp::Gt => v > c.value,
        CompareOp::Ge => v >= c.value,
        CompareOp::Eq => v == c.value,
        CompareOp::Ne => v != c.value,
        CompareOp::IsNull => v.is_nan(),
        CompareOp::NotNull => !v.is_nan(),
    }
}

/// The unit a tag belongs to by its loop number: the first run of two or more digits in its
/// name ("FI-101 Flow" → "101").
fn loop_number(name: &str) -> Option<&str> {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start >= 2 {
                return name.get(start..i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Stops of the units in `frame`: where the user's running condition fails, or else where a
/// unit's flow / current / speed / power tags (at least two kinds, grouped by loop number, or
/// all of them when no loop has two kinds) read near zero together for a while.
pub(crate) fn find_stops(frame: &DataFrame, units: &HashMap<String, String>, t: &QualityThresholds) -> Vec<UnitStops> {
    let min_rows = t.stop_min_samples.max(2);
    if let Some(running) = &t.running_condition {
        let Some(values) = frame.column(&running.column).ok().and_then(numeric_values) else { return Vec::new() };
        let stopped: Vec<Option<bool>> = values.iter().map(|&v| (!v.is_nan()).then(|| !holds(running, v))).collect();
        let periods = stopped_periods(&stopped, min_rows);
        if periods.is_empty() {
            return Vec::new();
        }
        return vec![UnitStops {
            signals: vec![(running.column.clone(), RunningSignal::Condition)],
            exclude_when: negated(running),
            periods,
            exactly_zero: false,
        }];
    }
    // Candidate tags with their signal and running level.
    let mut tags: Vec<(String, RunningSignal, f64, Cow<'_, [f64]>)> = Vec::new();
    for column in frame.columns() {
        let name = column.name().as_str();
        if !(column.dtype().is_primitive_numeric()) {
            continue;
        }
        let Some(signal) = RunningSignal::of(name, units.get(name).map(String::as_str)) else { continue };
        let Some(values) = numeric_values(column) else { continue };
        // The running level from a subsample: a percentile needs no more on long columns.
        let stride = (values.len() / ROBUST_SAMPLE).max(1);
        let mut magnitudes: Vec<f64> = values.iter().step_by(stride).filter(|v| v.is_finite()).map(|v| v.abs()).collect();
        if magnitudes.len() < min_rows {
            continue;
        }
        let k = magnitudes.len() * 9 / 10;
        let (_, level, _) = magnitudes.select_nth_unstable_by(k, f64::total_cmp);
        let level = *level;
        if level > 0.0 && level.is_finite() {
            tags.push((name.to_owned(), signal, level, values));
        }
    }
    // Units: loops with two kinds of signal; else all tags together when they have two kinds.
    let kinds = |members: &[usize]| {
        let mut k: Vec<RunningSignal> = members.iter().map(|&i| tags[i].1).collect();
        k.sort();
        k.dedup();
        k.len()
    };
    let mut loops: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (name, ..)) in tags.iter().enumerate() {
        if let Some(number) = loop_number(name) {
            loops.entry(number).or_default().push(i);
        }
    }
    let mut groups: Vec<Vec<usize>> = loops.into_values().filter(|m| kinds(m) >= 2).collect();
    if groups.is_empty() {
        let all: Vec<usize> = (0..tags.len()).collect();
        if kinds(&all) >= 2 {
            groups.push(all);
        }
    }
    let rows = frame.height();
    let mut out = Vec::new();
    for mut members in groups {
        members.sort_by_key(|&i| tags[i].1);
        let stopped: Vec<Option<bool>> = (0..rows)
            .map(|row| {
                let mut present = false;
                for &i in &members {
                    let (_, _, level, values) = &tags[i];
                    let v = values[row];
                    if v.is_finite() {
                        if v.abs() > t.stop_level_share * level {
                            // One signal that is clearly on: the unit runs.
                            return Some(false);
                        }
                        present = true;
                    }
                }
                present.then_some(true)
            })
            .collect();
        let periods = stopped_periods(&stopped, min_rows);
        if periods.is_empty() {
            continue;
        }
        let exactly_zero = members.iter().all(|&i| periods.iter().all(|p| tags[i].3[p.clone()].iter().all(|v| *v == 0.0 || v.is_nan())));
        // Exclusion by the first signal (flow before current before speed): below its stop level.
        let (column, _, level, _) = &tags[members[0]];
        let below = round_up_nicely(t.stop_level_share * level);
        out.push(UnitStops {
            signals: members.iter().map(|&i| (tags[i].0.clone(), tags[i].1)).collect(),
            exclude_when: Condition { column: column.clone(), op: CompareOp::Lt, value: below },
            periods,
            exactly_zero,
        });
    }
    out
}

/// A threshold rounded up to two significant digits, so a condition reads "< 6.3", not
/// "< 6.2871".
fn round_up_nicely(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return x;
    }
    let exponent = x.log10().floor() as i32 - 1;
    if exponent < 0 {
        let scale = 10f64.powi(-exponent);
        (x * scale).ceil() / scale
    } else {
        let scale = 10f64.powi(exponent);
        (x / scale).ceil() * scale
    }
}

/// Runs of stopped rows (`Some(true)`; rows without a reading, `None`, continue a run) with at
/// least `min_rows` stopped rows.
fn stopped_periods(stopped: &[Option<bool>], min_rows: usize) -> Vec<std::ops::Range<usize>> {
    let mut periods = Vec::new();
    let mut run: Option<(usize, usize, usize)> = None; // (start, last stopped row, stopped rows)
    let close = |run: &mut Option<(usize, usize, usize)>, periods: &mut Vec<std::ops::Range<usize>>| {
        if let Some((start, last, count)) = run.take() {
            if count >= min_rows {
                periods.push(start..last + 1);
            }
        }
    };
    for (row, state) in stopped.iter().enumerate() {
        match state {
            Some(true) => match &mut run {
                Some((_, last, count)) => {
                    *last = row;
                    *count += 1;
                }
                None => run = Some((row, row, 1)),
            },
            Some(false) => close(&mut run, &mut periods),
            None => {}
        }
    }
    close(&mut run, &mut periods);
    periods
}

/// The `shutdown` finding of one unit.
pub(super) fn shutdown_finding(unit: &UnitStops, places: Places<'_>, interval_s: Option<f64>) -> Finding {
    let time_ms = |row: usize| places.timeline.and_then(|t| t.at(row).map(|ticks| ticks_to_ms(ticks, t.ticks_per_second)));
    let starts: Vec<usize> = unit.periods.iter().map(|p| p.start).collect();
    places.finding(
        FindingKind::Shutdown,
        Some(unit.exclude_when.column.as_str()),
        unit.rows() as u64,
        Severity::Info,
        &starts,
        shutdown_words(unit, time_ms, interval_s),
    )
}
