//! The time axis: where examples point (timestamps rather than row numbers), the sampling
//! interval, timestamps that go backwards or repeat, and gaps.

use plantlab_protocol::{Finding, FindingKind, MessageArg, Severity};
use polars::prelude::*;

use super::duplicates::{repeated_times, split_repeats};
use super::statistics::median_i64;
use super::wording::{format_unix_seconds, Words};
use super::{QualityThresholds, MAX_EXAMPLES};

/// Marks a row whose timestamp is missing.
pub(super) const NO_TIME: i64 = i64::MIN;

pub(super) struct Timeline {
    /// Per row, in units of `ticks_per_second`; `NO_TIME` where missing.
    ticks: Vec<i64>,
    pub(super) ticks_per_second: i64,
}

impl Timeline {
    pub(super) fn from_column(column: &Column) -> Option<Self> {
        let series = column.as_materialized_series();
        match series.dtype() {
            DataType::Datetime(unit, _) => {
                let ticks_per_second = match unit {
                    TimeUnit::Nanoseconds => 1_000_000_000,
                    TimeUnit::Microseconds => 1_000_000,
                    TimeUnit::Milliseconds => 1_000,
                };
                let mut ticks = Vec::with_capacity(series.len());
                for chunk in series.datetime().ok()?.physical().downcast_iter() {
                    let values: &[i64] = chunk.values();
                    match chunk.validity() {
                        None => ticks.extend_from_slice(values),
                        Some(valid) => ticks.extend(values.iter().zip(valid.iter()).map(|(&t, ok)| if ok { t } else { NO_TIME })),
                    }
                }
                Some(Self { ticks, ticks_per_second })
            }
            DataType::Date => {
                let ticks = series.date().ok()?.physical().iter().map(|d| d.map_or(NO_TIME, |d| i64::from(d) * 86_400)).collect();
                Some(Self { ticks, ticks_per_second: 1 })
            }
            _ => None,
        }
    }

    pub(super) fn at(&self, row: usize) -> Option<i64> {
        self.ticks.get(row).copied().filter(|&t| t != NO_TIME)
    }

    fn seconds(&self, ticks: i64) -> f64 {
        ticks as f64 / self.ticks_per_second as f64
    }
}

/// Turns row numbers into what the user sees: timestamps when there is a time axis.
#[derive(Clone, Copy)]
pub(super) struct Places<'a> {
    pub(super) timeline: Option<&'a Timeline>,
}

impl Places<'_> {
    pub(super) fn describe(&self, row: usize) -> String {
        match self.timeline.and_then(|t| t.at(row).map(|ticks| (t, ticks))) {
            Some((t, ticks)) => format_unix_seconds(ticks.div_euclid(t.ticks_per_second)),
            None => format!("row {row}"),
        }
    }

    /// A row as a sentence names it: its timestamp, or "row N" in the reader's language.
    pub(super) fn place(&self, row: usize) -> MessageArg {
        match self.timeline.and_then(|t| t.at(row).map(|ticks| (t, ticks))) {
            Some((t, ticks)) => MessageArg::Text(format_unix_seconds(ticks.div_euclid(t.ticks_per_second))),
            None => MessageArg::phrase("place_row", [("row", row.into())]),
        }
    }

    /// A finding with its sentence as a code; [`super::assess`] writes the English `message`
    /// from the catalogue once all findings are in.
    pub(super) fn finding(&self, kind: FindingKind, column: Option<&str>, count: u64, severity: Severity, rows: &[usize], words: Words) -> Finding {
        let rows = &rows[..rows.len().min(MAX_EXAMPLES)];
        Finding {
            kind,
            column: column.map(str::to_owned),
            count,
            severity,
            examples: rows.iter().map(|&r| self.describe(r)).collect(),
            rows: rows.iter().map(|&r| r as u64).collect(),
            message: String::new(),
            variant: words.variant.to_owned(),
            args: words.args,
        }
    }
}

/// Row-level findings on the time axis; returns the sampling interval in seconds.
pub(super) fn time_findings(
    frame: &DataFrame,
    timeline: &Timeline,
    t: &QualityThresholds,
    places: Places<'_>,
    findings: &mut Vec<Finding>,
) -> Option<f64> {
    let ticks = &timeline.ticks;
    let mut backwards = Vec::new();
    let mut last: Option<i64> = None;
    for (row, &tick) in ticks.iter().enumerate() {
        if tick != NO_TIME {
            if last.is_some_and(|prev| tick < prev) {
                backwards.push(row);
            }
            last = Some(tick);
        }
    }
    let interval = median_spacing(ticks);

    let repeated = repeated_times(ticks, backwards.is_empty());
    let (duplicate_rows, duplicate_times) = split_repeats(frame, &repeated);
    if !duplicate_rows.is_empty() {
        let n = duplicate_rows.len();
        findings.push(places.finding(
            FindingKind::DuplicateRows,
            None,
            n as u64,
            Severity::Warning,
            &duplicate_rows,
            Words::new([("count", n.into())]),
        ));
    }
    if !duplicate_times.is_empty() {
        let n = duplicate_times.len();
        findings.push(places.finding(
            FindingKind::DuplicateTimestamps,
            None,
            n as u64,
            Severity::Warning,
            &duplicate_times,
            Words::new([("count", n.into())]),
        ));
    }
    if !backwards.is_empty() {
        let n = backwards.len();
        findings.push(places.finding(
            FindingKind::UnsortedTimestamps,
            None,
            n as u64,
            Severity::Warning,
            &backwards,
            Words::new([("count", n.into())]),
        ));
    }
    let interval = interval?;
    let threshold = t.gap_factor * interval as f64;
    let mut gaps = Vec::new();
    let mut longest = (0i64, 0usize);
    let mut last: Option<i64> = None;
    for (row, &tick) in ticks.iter().enumerate() {
        if tick == NO_TIME {
            continue;
        }
        if let Some(prev) = last {
            let spacing = tick - prev;
            // Time removed on purpose (an excluded stop) does not count towards a gap.
            let excluded = excluded_ticks(&t.excluded_periods_ms, timeline, prev, tick);
            if spacing > 0 && (spacing - excluded) as f64 > threshold {
                gaps.push(row);
                if spacing > longest.0 {
                    longest = (spacing, row);
                }
            }
        }
        last = Some(tick);
    }
    let interval_s = timeline.seconds(interval);
    if !gaps.is_empty() {
        let n = gaps.len();
        findings.push(places.finding(
            FindingKind::Gap,
            None,
            n as u64,
            Severity::Warning,
            &gaps,
            Words::new([
                ("count", n.into()),
                ("factor", MessageArg::Number(t.gap_factor)),
                ("interval", MessageArg::Duration(interval_s)),
                ("longest", MessageArg::Duration(timeline.seconds(longest.0))),
                ("end", places.place(longest.1)),
            ]),
        ));
    }
    Some(interval_s)
}

/// Positive differences between consecutive timestamps (in row order, skipping missing ones).
fn spacings(ticks: &[i64]) -> impl Iterator<Item = i64> + '_ {
    ticks.iter().filter(|&&t| t != NO_TIME).zip(ticks.iter().filter(|&&t| t != NO_TIME).skip(1)).map(|(a, b)| b - a).filter(|&d| d > 0)
}

/// The median positive spacing. Regular data has one spacing in more than half the places, and
/// such a majority value is the median; a vote finds it in two passes without a buffer. Other
/// data falls back to selection.
fn median_spacing(ticks: &[i64]) -> Option<i64> {
    let (mut candidate, mut votes, mut total) = (0i64, 0usize, 0usize);
    for d in spacings(ticks) {
        total += 1;
        if votes == 0 {
            candidate = d;
        }
        votes = if d == candidate { votes + 1 } else { votes - 1 };
    }
    if total == 0 {
        return None;
    }
    if spacings(ticks).filter(|&d| d == candidate).count() * 2 > total {
        return Some(candidate);
    }
    let mut all: Vec<i64> = spacings(ticks).collect();
    median_i64(&mut all)
}

pub(super) fn ticks_to_ms(ticks: i64, per_second: i64) -> i64 {
    if per_second >= 1000 {
        ticks / (per_second / 1000)
    } else {
        ticks.saturating_mul(1000 / per_second.max(1))
    }
}

/// Ticks between `from` and `to` that lie inside periods removed on purpose.
fn excluded_ticks(periods_ms: &[(i64, i64)], timeline: &Timeline, from: i64, to: i64) -> i64 {
    if periods_ms.is_empty() {
        return 0;
    }
    let (a, z) = (ticks_to_ms(from, timeline.ticks_per_second), ticks_to_ms(to, timeline.ticks_per_second));
    let ms: i64 = periods_ms.iter().map(|&(p, q)| (q.min(z) - p.max(a)).max(0)).sum();
    (ms as f64 * timeline.ticks_per_second as f64 / 1000.0) as i64
}

#[cfg(test)]
mod tests {
    use super::super::test_signals::{assess_frame, kinds, minutes_column};
    use plantlab_protocol::FindingKind;
    use polars::prelude::*;

    #[test]
    fn time_axis_findings() {
        // 0..100 minutes; then a copy of row 10, a second reading at minute 20, rows 30/31
        // swapped and minutes 60..70 missing.
        let mut minutes: Vec<i64> = (0..100).filter(|m| !(60..70).contains(m)).collect();
        minutes.swap(30, 31);
        let mut values: Vec<f64> = minutes.iter().map(|&m| (m as f64 * 0.7).sin()).collect();
        minutes.insert(11, 10);
        values.insert(11, values[10]);
        minutes.insert(22, 20);
        values.insert(22, values[21] + 0.5);
        let frame = DataFrame::new(minutes.len(), vec![minutes_column("time", &minutes), Column::new("v".into(), values)]).unwrap();
        let a = assess_frame(&frame, Some("time"), None);
        assert_eq!(a.sampling_interval_s, Some(60.0));
        assert_eq!(
            kinds(&a),
            vec![
                (FindingKind::DuplicateRows, None, 1),
                (FindingKind::DuplicateTimestamps, None, 1),
                (FindingKind::UnsortedTimestamps, None, 1),
                (FindingKind::Gap, None, 1),
            ]
        );
        assert_eq!(a.findings[0].rows, vec![11]);
        assert_eq!(a.findings[0].examples, vec!["2024-03-04 00:10:00"]);
        assert_eq!(a.findings[1].rows, vec![22]);
        assert_eq!(a.findings[2].rows, vec![33]);
        assert_eq!(a.findings[3].examples, vec!["2024-03-04 01:10:00"]);
        assert!(a.findings[3].message.contains("1 min") && a.findings[3].message.contains("11 min"), "{}", a.findings[3].message);
        assert_eq!(a.columns[0].dtype, "datetime[ms]");
        assert_eq!(a.columns[0].mean, None);
    }
}
