//! The quality report: per-column statistics and findings in the DESIGN.md vocabulary.
//!
//! Cost model: every column gets a handful of linear passes (statistics, plausible range, flat
//! runs, jumps between neighbours). The checks that need medians (Hampel for spikes, level
//! comparison for unit jumps) run only where a cheap pre-filter saw a large jump, so a
//! million-row column costs milliseconds. Columns are analysed on parallel threads.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};

use plantlab_protocol::{ColumnProfile, CompareOp, Condition, Finding, FindingKind, Severity};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// Status texts found by the importer in one column: how many, and the first rows (0-based).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusTextCount {
    pub column: String,
    pub count: u64,
    pub rows: Vec<u64>,
}

/// What the assessment looks at.
pub struct QualityInput<'a> {
    pub frame: &'a DataFrame,
    /// A Datetime column of `frame`; may be unsorted, duplicated or contain nulls.
    pub timestamp_column: Option<&'a str>,
    /// From the importer; columns without status texts may be absent.
    pub status_text: &'a [StatusTextCount],
    /// Units per column name, from the units row (for unit_jump / out_of_range hints).
    pub units: &'a std::collections::HashMap<String, String>,
    /// The target column, if the user named one (for label_imbalance).
    pub label_column: Option<&'a str>,
    /// A column of per-row class weights for the label (from a `weight_classes` step): the
    /// balance check then weighs each row by it, as training will.
    pub label_weight_column: Option<&'a str>,
}

/// Thresholds with defaults; all editable, serialized with the quality gate later.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QualityThresholds {
    /// Share of empty cells in a column above which `missing` is an error rather than a warning.
    pub missing_error_share: f64,
    /// A spacing longer than this many sampling intervals is a `gap`.
    pub gap_factor: f64,
    /// The same value for at least this many consecutive samples is a `flatline`.
    pub flatline_min_run: usize,
    /// A tag "normally varies" when, outside its flat runs, at most this share of samples
    /// repeat the previous one. Stepwise tags (setpoints, compressed exports) are not checked.
    pub flatline_max_repeat_share: f64,
    /// Numeric columns with at most this many distinct values are treated as codes (flags,
    /// modes): no flatline, spike or unit_jump checks.
    pub categorical_max_levels: usize,
    /// Half-width, in samples, of the Hampel window used for `spike`.
    pub spike_window: usize,
    /// A spike sits more than this many robust standard deviations from its window's median.
    pub spike_k: f64,
    /// Longest run of outlying samples still called a spike; longer ones are excursions.
    pub spike_max_width: usize,
    /// Shortest segment reported as a `unit_jump`.
    pub unit_jump_min_samples: usize,
    /// Relative tolerance when matching a level shift to a unit conversion.
    pub unit_jump_tolerance: f64,
    /// Plausible range per column name, `[low, high]`; values outside are `out_of_range`.
    pub limits: BTreeMap<String, (f64, f64)>,
    /// Values historians write instead of a reading; flagged when far from the tag's level.
    pub sentinels: Vec<f64>,
    /// Apply ranges implied by units (% 0..100, K ≥ 0, rpm ≥ 0, absolute pressure ≥ 0, …).
    pub unit_limits: bool,
    /// A text column with more distinct values than this …
    pub high_cardinality_min_distinct: usize,
    /// … and more than this share of its rows distinct is `high_cardinality`.
    pub high_cardinality_min_share: f64,
    /// Minority class share below which `label_imbalance` is a warning …
    pub label_warning_share: f64,
    /// … and below which it is an error.
    pub label_error_share: f64,
    /// A label with more classes than this is not treated as a class label.
    pub label_max_classes: usize,
    /// A unit is stopped where its flow, current, speed or power tags all read at most this
    /// share of their running level (the 90th percentile of the readings).
    pub stop_level_share: f64,
    /// Fewest stopped samples in a row that make a `shutdown` (shorter dips are not stops).
    pub stop_min_samples: usize,
    /// The unit runs while this holds (e.g. `FI-101 Flow > 5`); when set, the rows where it
    /// does not hold are its stops instead of the ones the tags suggest.
    pub running_condition: Option<Condition>,
    /// Time spans (ms) whose rows the cleaning removed on purpose (excluded stops): no gap is
    /// reported across them. Set by the cleaning session, not by the user.
    #[serde(skip)]
    pub excluded_periods_ms: Vec<(i64, i64)>,
}

impl Default for QualityThresholds {
    fn default() -> Self {
        Self {
            missing_error_share: 0.2,
            gap_factor: 3.0,
            flatline_min_run: 30,
            flatline_max_repeat_share: 0.5,
            categorical_max_levels: 10,
            spike_window: 7,
            spike_k: 6.0,
            spike_max_width: 3,
            unit_jump_min_samples: 20,
            unit_jump_tolerance: 0.01,
            limits: BTreeMap::new(),
            sentinels: vec![-9999.0, -999.0, 9999.0, 99999.0, -99999.0, 1e30, -1e30],
            unit_limits: true,
            high_cardinality_min_distinct: 50,
            high_cardinality_min_share: 0.5,
            label_warning_share: 0.2,
            label_error_share: 0.05,
            label_max_classes: 20,
            stop_level_share: 0.05,
            stop_min_samples: 30,
            running_condition: None,
            excluded_periods_ms: Vec::new(),
        }
    }
}

/// The report's parts that come from the data: column profiles, the sampling interval, findings.
pub struct Assessment {
    pub columns: Vec<ColumnProfile>,
    pub sampling_interval_s: Option<f64>,
    pub findings: Vec<Finding>,
}

/// Most examples (and rows) one finding carries.
const MAX_EXAMPLES: usize = 5;
/// Below this many cells the columns are analysed on the calling thread.
const PARALLEL_MIN_CELLS: usize = 200_000;
/// Values in the subsample that estimates a column's robust level and noise.
const ROBUST_SAMPLE: usize = 16_384;
/// Samples on each side of a level shift used to measure the levels.
const LEVEL_WINDOW: usize = 15;
/// Fewest finite samples that make a level measurement.
const LEVEL_MIN_SAMPLES: usize = 5;
/// Jump candidates inspected when looking for the end of a unit-jump segment.
const MAX_SEGMENT_END_CANDIDATES: usize = 512;
/// Magnitudes at or beyond this are never a reading (historians use 1e30 and up as "no value").
const HUGE: f64 = 1e30;
/// 1.4826 × MAD estimates the standard deviation of normal noise.
const MAD_TO_SIGMA: f64 = 1.4826;
/// median |x[i] − x[i−1]| of normal noise is 0.954 σ; this turns it back into σ.
const STEP_MEDIAN_TO_SIGMA: f64 = 1.0483;

pub fn assess(input: &QualityInput<'_>, thresholds: &QualityThresholds) -> Assessment {
    let frame = input.frame;
    let timeline = input.timestamp_column.and_then(|name| frame.column(name).ok()).and_then(Timeline::from_column);
    let places = Places { timeline: timeline.as_ref() };
    let mut findings = Vec::new();
    let sampling_interval_s = match &timeline {
        Some(timeline) => time_findings(frame, timeline, thresholds, places, &mut findings),
        None => {
            duplicate_rows_without_time(frame, places, &mut findings);
            None
        }
    };
    let stops = find_stops(frame, input.units, thresholds);
    let mut stopped = Vec::new();
    for unit in &stops {
        stopped.resize(frame.height(), false);
        for period in &unit.periods {
            stopped[period.clone()].fill(true);
        }
        findings.push(shutdown_finding(unit, places, sampling_interval_s));
    }
    let ctx = ColumnContext {
        thresholds,
        places,
        stopped: (!stopped.is_empty()).then_some(stopped.as_slice()),
        units: input.units,
        status_text: input.status_text,
        timestamp_column: timeline.as_ref().and(input.timestamp_column),
        label_column: input.label_column,
        label_weights: input.label_weight_column.and_then(|w| frame.column(w).ok()).and_then(numeric_values),
        rows: frame.height(),
    };
    let mut columns = Vec::with_capacity(frame.width());
    for report in analyse_columns(frame, &ctx) {
        columns.push(report.profile);
        findings.extend(report.findings);
    }
    Assessment { columns, sampling_interval_s, findings }
}

// ---------------------------------------------------------------------------------------------
// Time axis: where examples point, duplicates, order, gaps
// ---------------------------------------------------------------------------------------------

/// Marks a row whose timestamp is missing.
const NO_TIME: i64 = i64::MIN;

struct Timeline {
    /// Per row, in units of `ticks_per_second`; `NO_TIME` where missing.
    ticks: Vec<i64>,
    ticks_per_second: i64,
}

impl Timeline {
    fn from_column(column: &Column) -> Option<Self> {
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

    fn at(&self, row: usize) -> Option<i64> {
        self.ticks.get(row).copied().filter(|&t| t != NO_TIME)
    }

    fn seconds(&self, ticks: i64) -> f64 {
        ticks as f64 / self.ticks_per_second as f64
    }
}

/// Turns row numbers into what the user sees: timestamps when there is a time axis.
#[derive(Clone, Copy)]
struct Places<'a> {
    timeline: Option<&'a Timeline>,
}

impl Places<'_> {
    fn describe(&self, row: usize) -> String {
        match self.timeline.and_then(|t| t.at(row).map(|ticks| (t, ticks))) {
            Some((t, ticks)) => format_unix_seconds(ticks.div_euclid(t.ticks_per_second)),
            None => format!("row {row}"),
        }
    }

    fn finding(&self, kind: FindingKind, column: Option<&str>, count: u64, severity: Severity, rows: &[usize], message: String) -> Finding {
        let rows = &rows[..rows.len().min(MAX_EXAMPLES)];
        Finding {
            kind,
            column: column.map(str::to_owned),
            count,
            severity,
            examples: rows.iter().map(|&r| self.describe(r)).collect(),
            rows: rows.iter().map(|&r| r as u64).collect(),
            message,
        }
    }
}

/// Row-level findings on the time axis; returns the sampling interval in seconds.
fn time_findings(frame: &DataFrame, timeline: &Timeline, t: &QualityThresholds, places: Places<'_>, findings: &mut Vec<Finding>) -> Option<f64> {
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
            format!("{n} rows repeat an earlier row exactly, timestamp and all values."),
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
            format!("{n} rows repeat an earlier timestamp with different values (a merge, or a repeated local hour)."),
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
            format!("The timestamp goes backwards at {n} places; sort by time before resampling."),
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
            format!(
                "{n} gap{} longer than {}× the sampling interval of {}; the longest lasts {} and ends at {}.",
                if n == 1 { "" } else { "s" },
                format_number(t.gap_factor),
                format_duration(interval_s),
                format_duration(timeline.seconds(longest.0)),
                places.describe(longest.1)
            ),
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

/// Every row whose timestamp occurs more than once, with its time, grouped by time and in row
/// order within a group. Sorted data needs no map: repeats are neighbours.
fn repeated_times(ticks: &[i64], sorted: bool) -> Vec<(i64, usize)> {
    let mut out = Vec::new();
    if sorted {
        let mut run: Option<(i64, usize, bool)> = None; // time, first row, first row emitted
        for (row, &tick) in ticks.iter().enumerate() {
            if tick == NO_TIME {
                continue;
            }
            match &mut run {
                Some((time, first, emitted)) if *time == tick => {
                    if !*emitted {
                        out.push((tick, *first));
                        *emitted = true;
                    }
                    out.push((tick, row));
                }
                _ => run = Some((tick, row, false)),
            }
        }
    } else {
        let mut seen: HashMap<i64, (usize, bool), FastBuild> = HashMap::with_capacity_and_hasher(ticks.len(), FastBuild::default());
        for (row, &tick) in ticks.iter().enumerate() {
            if tick == NO_TIME {
                continue;
            }
            match seen.get_mut(&tick) {
                Some((first, emitted)) => {
                    if !*emitted {
                        out.push((tick, *first));
                        *emitted = true;
                    }
                    out.push((tick, row));
                }
                None => {
                    seen.insert(tick, (row, false));
                }
            }
        }
        out.sort_unstable();
    }
    out
}

/// Splits the repeats into exact copies of an earlier row and rows that only share its time.
fn split_repeats(frame: &DataFrame, repeated: &[(i64, usize)]) -> (Vec<usize>, Vec<usize>) {
    let (mut copies, mut same_time) = (Vec::new(), Vec::new());
    if repeated.is_empty() {
        return (copies, same_time);
    }
    let rows: Vec<usize> = repeated.iter().map(|&(_, row)| row).collect();
    let hashes = hash_rows(frame, Some(&rows));
    let mut group_hashes: Vec<u64> = Vec::new();
    for (i, &(tick, row)) in repeated.iter().enumerate() {
        let hash = hashes.get(i).copied().unwrap_or_default();
        let starts_group = i == 0 || repeated.get(i - 1).is_none_or(|&(prev, _)| prev != tick);
        if starts_group {
            group_hashes.clear();
            group_hashes.push(hash);
        } else if group_hashes.contains(&hash) {
            copies.push(row);
        } else {
            same_time.push(row);
            group_hashes.push(hash);
        }
    }
    copies.sort_unstable();
    same_time.sort_unstable();
    (copies, same_time)
}

/// Without a time axis, duplicates are found by hashing whole rows in one pass per column.
fn duplicate_rows_without_time(frame: &DataFrame, places: Places<'_>, findings: &mut Vec<Finding>) {
    if frame.height() < 2 || frame.width() == 0 {
        return;
    }
    let hashes = hash_rows(frame, None);
    // Entirely empty rows (trailing separators in spreadsheet exports) count as missing, not
    // as copies of each other.
    let empty_row = frame.columns().iter().fold(ROW_SEED, |hash, _| fold_cell(hash, NULL_CELL));
    let mut seen: HashSet<u64, FastBuild> = HashSet::with_capacity_and_hasher(hashes.len(), FastBuild::default());
    let copies: Vec<usize> = hashes.iter().enumerate().filter(|&(_, &h)| h != empty_row && !seen.insert(h)).map(|(row, _)| row).collect();
    if !copies.is_empty() {
        let n = copies.len();
        findings.push(places.finding(
            FindingKind::DuplicateRows,
            None,
            n as u64,
            Severity::Warning,
            &copies,
            format!("{n} rows repeat an earlier row exactly."),
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Row hashing
// ---------------------------------------------------------------------------------------------

const ROW_SEED: u64 = 0x517C_C1B7_2722_0A95;
const NULL_CELL: u64 = 0x6A09_E667_F3BC_C909;

/// One 64-bit hash per row (of `rows`, or of every row), folding in each column's cell.
fn hash_rows(frame: &DataFrame, rows: Option<&[usize]>) -> Vec<u64> {
    let len = rows.map_or(frame.height(), <[usize]>::len);
    let mut hashes = vec![ROW_SEED; len];
    for column in frame.columns() {
        let series = column.as_materialized_series();
        let dtype = series.dtype();
        if dtype.is_float() {
            if let Ok(cast) = series.cast(&DataType::Float64) {
                if let Ok(ca) = cast.f64() {
                    let key = |v: Option<f64>| v.map_or(NULL_CELL, float_key);
                    fold_cells(&mut hashes, rows, |r| key(ca.get(r)), || ca.iter().map(key));
                    continue;
                }
            }
        } else if dtype.is_integer() || dtype.is_bool() || dtype.is_temporal() {
            if let Ok(cast) = series.to_physical_repr().cast(&DataType::Int64) {
                if let Ok(ca) = cast.i64() {
                    let key = |v: Option<i64>| v.map_or(NULL_CELL, |v| mix64(v as u64));
                    fold_cells(&mut hashes, rows, |r| key(ca.get(r)), || ca.iter().map(key));
                    continue;
                }
            }
        } else if let Ok(ca) = series.str() {
            let key = |v: Option<&str>| v.map_or(NULL_CELL, hash_str);
            fold_cells(&mut hashes, rows, |r| key(ca.get(r)), || ca.iter().map(key));
            continue;
        }
        // Anything else is compared by its text rendering.
        if let Ok(cast) = series.cast(&DataType::String) {
            if let Ok(ca) = cast.str() {
                let key = |v: Option<&str>| v.map_or(NULL_CELL, hash_str);
                fold_cells(&mut hashes, rows, |r| key(ca.get(r)), || ca.iter().map(key));
            }
        }
    }
    hashes
}

fn fold_cells<I: Iterator<Item = u64>>(hashes: &mut [u64], rows: Option<&[usize]>, at: impl Fn(usize) -> u64, all: impl FnOnce() -> I) {
    match rows {
        Some(rows) => {
            for (hash, &row) in hashes.iter_mut().zip(rows) {
                *hash = fold_cell(*hash, at(row));
            }
        }
        None => {
            for (hash, cell) in hashes.iter_mut().zip(all()) {
                *hash = fold_cell(*hash, cell);
            }
        }
    }
}

/// Adds one cell to a row hash; the rotation makes the result depend on column order.
fn fold_cell(hash: u64, cell: u64) -> u64 {
    mix64(hash.rotate_left(17) ^ cell)
}

/// Equal floats hash equally (0.0 and -0.0, every NaN).
fn float_key(v: f64) -> u64 {
    if v == 0.0 {
        mix64(0)
    } else if v.is_nan() {
        mix64(0x7FF8_0000_0000_0000)
    } else {
        mix64(v.to_bits())
    }
}

fn hash_str(s: &str) -> u64 {
    let mut hasher = FastHasher::default();
    hasher.write(s.as_bytes());
    hasher.write_u64(s.len() as u64);
    hasher.finish()
}

/// The splitmix64 finalizer: spreads every input bit over the output.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A fast non-cryptographic hasher for in-memory maps of timestamps, row hashes and texts.
#[derive(Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        mix64(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(29) ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type FastBuild = BuildHasherDefault<FastHasher>;

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

struct ColumnContext<'a> {
    thresholds: &'a QualityThresholds,
    places: Places<'a>,
    units: &'a HashMap<String, String>,
    /// Rows where a unit was stopped: flat runs there are its operating state, not stuck sensors.
    stopped: Option<&'a [bool]>,
    status_text: &'a [StatusTextCount],
    timestamp_column: Option<&'a str>,
    label_column: Option<&'a str>,
    /// Per-row weights of the label's classes, when a weight column balances them.
    label_weights: Option<Cow<'a, [f64]>>,
    rows: usize,
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

struct ColumnReport {
    profile: ColumnProfile,
    findings: Vec<Finding>,
}

fn analyse_columns(frame: &DataFrame, ctx: &ColumnContext<'_>) -> Vec<ColumnReport> {
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
            format!(
                "{name}: {status_count} cell{} held a historian status text instead of a reading and {} read as missing.",
                plural(status_count as usize),
                if status_count == 1 { "was" } else { "were" }
            ),
        ));
    }
    let missing = (null_count as u64).saturating_sub(status_count);
    if missing > 0 {
        let share = missing as f64 / rows;
        let severity = if share > ctx.thresholds.missing_error_share { Severity::Error } else { Severity::Warning };
        let examples = null_rows(column, &status_rows, MAX_EXAMPLES);
        let besides = if status_count > 0 { format!(" besides {status_count} status texts") } else { String::new() };
        findings.push(places.finding(
            FindingKind::Missing,
            Some(name),
            missing,
            severity,
            &examples,
            format!("{name}: {missing} cell{} empty ({} of rows){besides}.", if missing == 1 { " is" } else { "s are" }, format_share(share)),
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
fn numeric_values(column: &Column) -> Option<Cow<'_, [f64]>> {
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
            format!("{name} holds the single value {} in all {} non-empty rows.", format_number(summary.min), summary.finite),
        ));
        return;
    }
    let robust = Robust::of(&values, scratch);

    let rule = RangeRule::for_column(name, unit, t, &robust, &summary);
    let hits = if rule.could_reject(&summary) { rule.scan(&values) } else { RangeHits::default() };
    if hits.count > 0 {
        findings.push(places.finding(FindingKind::OutOfRange, Some(name), hits.count as u64, Severity::Error, &hits.rows, hits.message(name, &rule)));
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
            format!(
                "{name} is stuck in {} run{} of at least {} identical samples ({samples} samples); the longest is {} samples at {} from {}.",
                runs.len(),
                if runs.len() == 1 { "" } else { "s" },
                t.flatline_min_run,
                longest.len,
                format_number(longest.value),
                places.describe(longest.start)
            ),
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
            format!(
                "{name} has {n} isolated spike sample{} more than {} robust standard deviations from their neighbours.",
                if n == 1 { "" } else { "s" },
                format_number(t.spike_k)
            ),
        ));
    }

    let segments = find_unit_jumps(&values, &jumps, noise, unit, t, scratch);
    if let Some(first) = segments.first() {
        let samples: usize = segments.iter().map(|j| j.samples).sum();
        let starts: Vec<usize> = segments.iter().map(|j| j.start).collect();
        let more = if segments.len() > 1 { format!(" ({} segments, {samples} samples in all)", segments.len()) } else { String::new() };
        findings.push(places.finding(
            FindingKind::UnitJump,
            Some(name),
            samples as u64,
            Severity::Error,
            &starts,
            format!(
                "{name}: {} samples from {} to {} sit at {} against {} around them, which matches {}{more}; they were probably logged in another unit.",
                first.samples,
                places.describe(first.start),
                places.describe(first.end.saturating_sub(1)),
                format_number(first.segment_level),
                format_number(first.surrounding_level),
                first.conversion.label
            ),
        ));
    }
}

/// One pass over a numeric column: finite count, extremes, mean, sample standard deviation,
/// and its distinct values while there are few of them.
struct Summary {
    finite: usize,
    infinite: usize,
    min: f64,
    max: f64,
    mean: f64,
    std: Option<f64>,
    /// Number of distinct values when at most the categorical limit, else `None`.
    levels: Option<usize>,
}

impl Summary {
    fn of(values: &[f64], max_levels: usize) -> Self {
        // Distinct values: continuous data overflows the limit within a few dozen samples, so
        // this loop usually ends early and the statistics loop below stays branch-light.
        let mut levels: Vec<f64> = Vec::with_capacity(max_levels + 1);
        let mut many_levels = false;
        for &v in values.iter().filter(|v| v.is_finite()) {
            if !levels.contains(&v) {
                if levels.len() >= max_levels {
                    many_levels = true;
                    break;
                }
                levels.push(v);
            }
        }
        // Sums of deviations from the first value keep the variance accurate for large levels.
        let shift = values.iter().copied().find(|v| v.is_finite()).unwrap_or(0.0);
        // Four independent lanes, with selects instead of branches: the loop becomes vector
        // code and the sums are not one long chain of dependent additions.
        const LANES: usize = 4;
        let mut moments = Moments::<LANES>::new();
        let chunks = values.chunks_exact(LANES);
        let rest = chunks.remainder();
        for chunk in chunks {
            for (lane, &value) in chunk.iter().enumerate() {
                moments.add(lane, value, shift);
            }
        }
        for &v in rest {
            moments.add(0, v, shift);
        }
        let Totals { finite, infinite, min, max, sum, sum_sq } = moments.totals();
        let n = finite as f64;
        let mean = if finite > 0 { shift + sum / n } else { f64::NAN };
        let std = (finite > 1).then(|| ((sum_sq - sum * sum / n) / (n - 1.0)).max(0.0).sqrt());
        Self { finite, infinite, min, max, mean, std, levels: (!many_levels).then_some(levels.len()) }
    }
}

/// Counts, extremes and sums of deviations of the finite values, kept in `LANES` independent
/// lanes, each quantity in its own array (an array of per-lane structs needed shuffles).
struct Moments<const LANES: usize> {
    finite: [usize; LANES],
    infinite: [usize; LANES],
    min: [f64; LANES],
    max: [f64; LANES],
    sum: [f64; LANES],
    sum_sq: [f64; LANES],
}

/// All lanes of `Moments` together.
struct Totals {
    finite: usize,
    infinite: usize,
    min: f64,
    max: f64,
    sum: f64,
    sum_sq: f64,
}

impl<const LANES: usize> Moments<LANES> {
    fn new() -> Self {
        Self {
            finite: [0; LANES],
            infinite: [0; LANES],
            min: [f64::INFINITY; LANES],
            max: [f64::NEG_INFINITY; LANES],
            sum: [0.0; LANES],
            sum_sq: [0.0; LANES],
        }
    }

    #[inline(always)]
    fn add(&mut self, lane: usize, v: f64, shift: f64) {
        let finite = v.is_finite();
        self.finite[lane] += usize::from(finite);
        self.infinite[lane] += usize::from(v.is_infinite());
        let low = if finite { v } else { f64::INFINITY };
        let high = if finite { v } else { f64::NEG_INFINITY };
        self.min[lane] = if low < self.min[lane] { low } else { self.min[lane] };
        self.max[lane] = if high > self.max[lane] { high } else { self.max[lane] };
        let d = if finite { v - shift } else { 0.0 };
        self.sum[lane] += d;
        self.sum_sq[lane] += d * d;
    }

    fn totals(&self) -> Totals {
        Totals {
            finite: self.finite.iter().sum(),
            infinite: self.infinite.iter().sum(),
            min: self.min.iter().copied().fold(f64::INFINITY, f64::min),
            max: self.max.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            sum: self.sum.iter().sum(),
            sum_sq: self.sum_sq.iter().sum(),
        }
    }
}

/// Robust level and noise of a column, estimated on an evenly spaced subsample.
struct Robust {
    median: f64,
    /// 1.4826 × median absolute deviation from the median.
    sigma: f64,
    /// Noise estimated from the median non-zero change between neighbours; for a quantized
    /// signal it is at least the resolution, for white noise about σ.
    step_sigma: f64,
}

impl Robust {
    fn of(values: &[f64], buf: &mut Vec<f64>) -> Self {
        let stride = (values.len() / ROBUST_SAMPLE).max(1);
        buf.clear();
        buf.extend(values.iter().step_by(stride).copied().filter(|v| v.is_finite()));
        let median = median_in_place(buf).unwrap_or(0.0);
        for v in buf.iter_mut() {
            *v = (*v - median).abs();
        }
        let sigma = MAD_TO_SIGMA * median_in_place(buf).unwrap_or(0.0);
        buf.clear();
        let mut row = 1;
        while row < values.len() {
            let (a, b) = (values[row - 1], values[row]);
            if a.is_finite() && b.is_finite() && a != b {
                buf.push((b - a).abs());
            }
            row += stride;
        }
        let step_sigma = STEP_MEDIAN_TO_SIGMA * median_in_place(buf).unwrap_or(0.0);
        Self { median, sigma, step_sigma }
    }
}

// ----- out_of_range ---------------------------------------------------------------------------

struct RangeRule {
    low: f64,
    high: f64,
    /// Where `low`/`high` come from, for the message.
    source: Option<String>,
    /// Sentinels far enough from this tag's level to be recognisable.
    sentinels: Vec<f64>,
}

#[derive(Default)]
struct RangeHits {
    count: usize,
    rows: Vec<usize>,
    sentinel_hits: usize,
    sentinels_seen: Vec<f64>,
    range_hits: usize,
    invalid_hits: usize,
}

impl RangeRule {
    fn for_column(name: &str, unit: Option<&str>, t: &QualityThresholds, robust: &Robust, summary: &Summary) -> Self {
        let (mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut sources = Vec::new();
        if let Some(&(lo, hi)) = t.limits.get(name) {
            low = low.max(lo);
            high = high.min(hi);
            sources.push(format!("configured {} … {}", format_number(lo), format_number(hi)));
        }
        if t.unit_limits {
            if let Some((lo, hi)) = unit.and_then(unit_range) {
                low = low.max(lo);
                high = high.min(hi);
                let unit = unit.unwrap_or_default();
                sources.push(if hi.is_finite() {
                    format!("{} … {} for {unit}", format_number(lo), format_number(hi))
                } else {
                    format!("≥ {} for {unit}", format_number(lo))
                });
            }
        }
        let scale = robust.sigma.max(robust.step_sigma);
        let sentinels = t
            .sentinels
            .iter()
            .copied()
            .filter(|&s| if scale > 0.0 { (s - robust.median).abs() > 10.0 * scale } else { s != robust.median })
            // A sentinel outside the column's extremes cannot occur in it.
            .filter(|&s| s >= summary.min && s <= summary.max)
            .collect();
        Self { low, high, source: (!sources.is_empty()).then(|| sources.join(", ")), sentinels }
    }

    /// Whether any value can be rejected at all, judged from the column's extremes; most
    /// columns skip the scan this way.
    fn could_reject(&self, summary: &Summary) -> bool {
        summary.infinite > 0
            || !self.sentinels.is_empty()
            || summary.min < self.low
            || summary.max > self.high
            || summary.min <= -HUGE
            || summary.max >= HUGE
    }

    fn rejects(&self, v: f64) -> bool {
        v.is_infinite() || (v.is_finite() && (v.abs() >= HUGE || v < self.low || v > self.high || self.sentinels.contains(&v)))
    }

    fn scan(&self, values: &[f64]) -> RangeHits {
        let mut hits = RangeHits { count: 0, rows: Vec::new(), sentinel_hits: 0, sentinels_seen: Vec::new(), range_hits: 0, invalid_hits: 0 };
        for (row, &v) in values.iter().enumerate() {
            if !self.rejects(v) {
                continue;
            }
            hits.count += 1;
            if hits.rows.len() < MAX_EXAMPLES {
                hits.rows.push(row);
            }
            if v.is_infinite() || v.abs() >= HUGE {
                hits.invalid_hits += 1;
            } else if self.sentinels.contains(&v) {
                hits.sentinel_hits += 1;
                if !hits.sentinels_seen.contains(&v) {
                    hits.sentinels_seen.push(v);
                }
            } else {
                hits.range_hits += 1;
            }
        }
        hits
    }
}

impl RangeHits {
    fn message(&self, name: &str, rule: &RangeRule) -> String {
        let mut parts = Vec::new();
        if self.sentinel_hits > 0 {
            let seen: Vec<String> = self.sentinels_seen.iter().map(|&v| format_number(v)).collect();
            parts.push(format!("{} historian sentinel value{} ({})", self.sentinel_hits, plural(self.sentinel_hits), seen.join(", ")));
        }
        if self.range_hits > 0 {
            let source = rule.source.as_deref().unwrap_or("the plausible range");
            parts.push(format!("{} value{} outside {source}", self.range_hits, plural(self.range_hits)));
        }
        if self.invalid_hits > 0 {
            parts.push(format!("{} infinite or ≥ 1e30 value{}", self.invalid_hits, plural(self.invalid_hits)));
        }
        format!("{name} has {} implausible value{}: {}.", self.count, plural(self.count), parts.join("; "))
    }
}

/// Physically possible range for a unit, where the unit alone says so.
fn unit_range(unit: &str) -> Option<(f64, f64)> {
    let unit = normalize_unit(unit);
    let range = match unit.as_str() {
        "%" => (0.0, 100.0),
        "k" | "kelvin" => (0.0, f64::INFINITY),
        "°c" | "degc" | "℃" | "celsius" => (-273.15, f64::INFINITY),
        "°f" | "degf" | "℉" | "fahrenheit" => (-459.67, f64::INFINITY),
        "rpm" | "1/min" | "min-1" | "hz" => (0.0, f64::INFINITY),
        "bar(a)" | "bara" | "kpa(a)" | "kpaa" | "pa(a)" | "mbar(a)" | "mbara" | "psia" | "mpa(a)" => (0.0, f64::INFINITY),
        // Gauge (or unspecified) pressure cannot be below full vacuum.
        "bar" | "barg" | "bar(g)" => (-1.01325, f64::INFINITY),
        "mbar" | "mbarg" | "mbar(g)" => (-1013.25, f64::INFINITY),
        "kpa" | "kpag" | "kpa(g)" => (-101.325, f64::INFINITY),
        "psi" | "psig" | "psi(g)" => (-14.696, f64::INFINITY),
        "mm/s" | "in/s" => (0.0, f64::INFINITY),
        _ => return None,
    };
    Some(range)
}

fn normalize_unit(unit: &str) -> String {
    unit.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

// ----- flatline -------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct FlatRun {
    start: usize,
    len: usize,
    value: f64,
}

/// One pass over neighbouring samples. Returns the flat runs — at least `min_run` identical
/// consecutive values, reported only on a tag that otherwise changes from sample to sample
/// (outside the runs at most `max_repeat_share` of neighbour pairs repeat; missing values end
/// a run) — and the rows whose value differs from the previous finite one by more than `jump`.
fn scan_neighbours(values: &[f64], min_run: usize, max_repeat_share: f64, jump: f64) -> (Vec<FlatRun>, Vec<usize>) {
    let min_run = min_run.max(2);
    let mut scan = if all_finite(values) { neighbours_all_finite(values, min_run, jump) } else { neighbours_with_gaps(values, min_run, jump) };
    let inside: usize = scan.runs.iter().map(|r| r.len - 1).sum();
    let outside_pairs = scan.pairs - inside;
    let outside_repeats = scan.repeats - inside;
    let varies = outside_pairs >= (2 * min_run).max(scan.pairs / 10) && (outside_repeats as f64) <= max_repeat_share * outside_pairs as f64;
    if !varies {
        scan.runs.clear();
    }
    (scan.runs, scan.jumps)
}

/// What one pass over neighbouring samples saw.
#[derive(Debug, PartialEq)]
struct NeighbourScan {
    /// Runs of at least `min_run` equal values.
    runs: Vec<FlatRun>,
    /// Rows that differ from the previous finite value by more than `jump`.
    jumps: Vec<usize>,
    /// Pairs of neighbouring finite values within a stretch without gaps, and how many repeat.
    pairs: usize,
    repeats: usize,
}

/// The scan for a column with missing or infinite values: they end a run, and a jump is
/// measured from the last finite value before it.
fn neighbours_with_gaps(values: &[f64], min_run: usize, jump: f64) -> NeighbourScan {
    let mut runs = Vec::new();
    let mut jumps = Vec::new();
    let (mut pairs, mut repeats) = (0usize, 0usize);
    let (mut start, mut len, mut value) = (0usize, 0usize, f64::NAN);
    // NaN until the first finite value, and NaN never compares as a jump.
    let mut last_finite = f64::NAN;
    for (row, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            if len >= min_run {
                runs.push(FlatRun { start, len, value });
            }
            len = 0;
            continue;
        }
        if (v - last_finite).abs() > jump {
            jumps.push(row);
        }
        last_finite = v;
        if len > 0 {
            pairs += 1;
            if v == value {
                repeats += 1;
                len += 1;
                continue;
            }
            if len >= min_run {
                runs.push(FlatRun { start, len, value });
            }
        }
        (start, len, value) = (row, 1, v);
    }
    if len >= min_run {
        runs.push(FlatRun { start, len, value });
    }
    NeighbourScan { runs, jumps, pairs, repeats }
}

/// The scan for a column of finite values only (the usual case), 64 neighbour pairs at a time:
/// "equal" and "jumped" become bit masks in a branch-free loop, and only set bits are visited.
/// On noisy data whether a value repeats the last one is a coin toss, and a branch on it per
/// value cost more than the rest of the scan.
fn neighbours_all_finite(values: &[f64], min_run: usize, jump: f64) -> NeighbourScan {
    let mut runs = Vec::new();
    let mut jumps = Vec::new();
    let mut repeats = 0usize;
    // Row where the current run of equal values started.
    let mut run_start = 0usize;
    let mut row = 1usize;
    while row < values.len() {
        let end = (row + 64).min(values.len());
        let (mut equal, mut jumped) = (0u64, 0u64);
        for (bit, (&before, &now)) in values[row - 1..end - 1].iter().zip(&values[row..end]).enumerate() {
            equal |= u64::from(now == before) << bit;
            jumped |= u64::from((now - before).abs() > jump) << bit;
        }
        repeats += equal.count_ones() as usize;
        while jumped != 0 {
            jumps.push(row + jumped.trailing_zeros() as usize);
            jumped &= jumped - 1;
        }
        // Each pair that is not equal ends the run before it and starts a new one.
        let width = end - row;
        let mut breaks = !equal & (u64::MAX >> (64 - width));
        if breaks != 0 {
            let first = breaks.trailing_zeros() as usize;
            let last = 63 - breaks.leading_zeros() as usize;
            // Runs that start and end in this block are visited one by one only when one of
            // them is long enough; otherwise only the run carried in and the one carried on
            // matter (on noisy data nearly every pair is a break).
            let between = if last > first + 1 { equal & ((u64::MAX >> (63 - (last - 1))) & (u64::MAX << (first + 1))) } else { 0 };
            if !has_run_of_ones(between, min_run - 1) {
                end_run(&mut runs, values, run_start..row + first, min_run);
                run_start = row + last;
                breaks = 0;
            }
            while breaks != 0 {
                let at = row + breaks.trailing_zeros() as usize;
                end_run(&mut runs, values, run_start..at, min_run);
                run_start = at;
                breaks &= breaks - 1;
            }
        }
        row = end;
    }
    end_run(&mut runs, values, run_start..values.len(), min_run);
    NeighbourScan { runs, jumps, pairs: values.len().saturating_sub(1), repeats }
}

/// Records the run of equal values over `rows` when it holds at least `min_run` of them.
fn end_run(runs: &mut Vec<FlatRun>, values: &[f64], rows: std::ops::Range<usize>, min_run: usize) {
    if rows.len() >= min_run {
        runs.push(FlatRun { start: rows.start, len: rows.len(), value: values[rows.start] });
    }
}

/// Whether `bits` holds at least `count` (≥ 1) consecutive set bits: the mask is shifted onto
/// itself, doubling the run length covered each time.
fn has_run_of_ones(mut bits: u64, count: usize) -> bool {
    if count > 64 {
        return false;
    }
    let mut covered = 1;
    while covered < count && bits != 0 {
        let shift = covered.min(count - covered);
        bits &= bits >> shift;
        covered += shift;
    }
    bits != 0
}

/// Whether no value is NaN or infinite, in a loop the compiler can vectorise (no early exit
/// per value).
fn all_finite(values: &[f64]) -> bool {
    const EXPONENT: u64 = 0x7FF0_0000_0000_0000;
    values.chunks(256).all(|chunk| chunk.iter().fold(true, |ok, v| ok & (v.to_bits() & EXPONENT != EXPONENT)))
}

/// The last finite value before `row`.
fn previous_finite(values: &[f64], row: usize) -> Option<f64> {
    values[..row.min(values.len())].iter().rev().copied().find(|v| v.is_finite())
}

// ----- spike ----------------------------------------------------------------------------------

/// Isolated outliers (Hampel filter) that return to the level they left. The filter runs only
/// at `candidates` — rows that jumped from their predecessor by more than about (k − 2)·noise —
/// so its cost follows the number of jumps, not rows.
fn find_spikes(values: &[f64], candidates: &[usize], noise: f64, t: &QualityThresholds, buf: &mut Vec<f64>) -> Vec<usize> {
    let mut spikes = Vec::new();
    if noise <= 0.0 || !noise.is_finite() || t.spike_window == 0 {
        return spikes;
    }
    let is_outlier = |row: usize, buf: &mut Vec<f64>| hampel_outlier(values, row, t.spike_window, t.spike_k, noise, buf);
    let mut resume = 0usize;
    for &row in candidates {
        if row < resume {
            continue;
        }
        let Some(before) = previous_finite(values, row) else { continue };
        // Follow the excursion until a sample is normal again.
        let (mut width, mut last, mut settled) = (0usize, row, None);
        let mut probe = row;
        while probe < values.len() {
            if values[probe].is_finite() {
                if !is_outlier(probe, buf) {
                    settled = Some(probe);
                    break;
                }
                width += 1;
                last = probe;
                if width > t.spike_max_width {
                    break;
                }
            }
            probe += 1;
        }
        resume = probe + 1;
        let Some(settled) = settled else { continue };
        if width == 0 || width > t.spike_max_width {
            continue;
        }
        // It must come back to where it was, not settle at a new level.
        let v = values[row];
        if (values[settled] - before).abs() < 0.5 * (v - before).abs() {
            spikes.extend((row..=last).filter(|&r| values[r].is_finite()));
        }
    }
    spikes
}

/// Hampel test: is `values[row]` more than k robust σ from the median of its window?
/// `floor` keeps σ from collapsing to zero on quantized or briefly constant stretches.
fn hampel_outlier(values: &[f64], row: usize, half_width: usize, k: f64, floor: f64, buf: &mut Vec<f64>) -> bool {
    let lo = row.saturating_sub(half_width);
    let hi = (row + half_width + 1).min(values.len());
    buf.clear();
    buf.extend(values[lo..hi].iter().copied().filter(|v| v.is_finite()));
    if buf.len() <= half_width {
        return false;
    }
    let Some((median, sigma)) = median_and_sigma(buf) else { return false };
    (values[row] - median).abs() > k * sigma.max(floor)
}

// ----- unit_jump ------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnitFamily {
    Celsius,
    Fahrenheit,
    Kelvin,
    Bar,
    KiloPascal,
    Psi,
    CubicMetresPerHour,
    LitresPerSecond,
}

/// y = scale·x + offset takes a reading in `from` to the other unit.
#[derive(Debug)]
struct Conversion {
    label: &'static str,
    from: UnitFamily,
    scale: f64,
    offset: f64,
}

const CONVERSIONS: &[Conversion] = &[
    Conversion { label: "°C → °F (y = 1.8·x + 32)", from: UnitFamily::Celsius, scale: 1.8, offset: 32.0 },
    Conversion { label: "°F → °C (y = (x − 32) / 1.8)", from: UnitFamily::Fahrenheit, scale: 1.0 / 1.8, offset: -32.0 / 1.8 },
    Conversion { label: "°C → K (y = x + 273.15)", from: UnitFamily::Celsius, scale: 1.0, offset: 273.15 },
    Conversion { label: "K → °C (y = x − 273.15)", from: UnitFamily::Kelvin, scale: 1.0, offset: -273.15 },
    Conversion { label: "bar → kPa (y = 100·x)", from: UnitFamily::Bar, scale: 100.0, offset: 0.0 },
    Conversion { label: "kPa → bar (y = x / 100)", from: UnitFamily::KiloPascal, scale: 0.01, offset: 0.0 },
    Conversion { label: "bar → psi (y = 14.5038·x)", from: UnitFamily::Bar, scale: 14.5038, offset: 0.0 },
    Conversion { label: "psi → bar (y = x / 14.5038)", from: UnitFamily::Psi, scale: 1.0 / 14.5038, offset: 0.0 },
    Conversion { label: "m³/h → l/s (y = x / 3.6)", from: UnitFamily::CubicMetresPerHour, scale: 1.0 / 3.6, offset: 0.0 },
    Conversion { label: "l/s → m³/h (y = 3.6·x)", from: UnitFamily::LitresPerSecond, scale: 3.6, offset: 0.0 },
];

fn unit_family(unit: &str) -> Option<UnitFamily> {
    let family = match normalize_unit(unit).as_str() {
        "°c" | "degc" | "℃" | "celsius" => UnitFamily::Celsius,
        "°f" | "degf" | "℉" | "fahrenheit" => UnitFamily::Fahrenheit,
        "k" | "kelvin" => UnitFamily::Kelvin,
        "bar" | "bara" | "barg" | "bar(a)" | "bar(g)" => UnitFamily::Bar,
        "kpa" | "kpaa" | "kpag" | "kpa(a)" | "kpa(g)" => UnitFamily::KiloPascal,
        "psi" | "psia" | "psig" | "psi(a)" | "psi(g)" => UnitFamily::Psi,
        "m³/h" | "m3/h" | "m^3/h" | "m³/hr" | "m3/hr" => UnitFamily::CubicMetresPerHour,
        "l/s" => UnitFamily::LitresPerSecond,
        _ => return None,
    };
    Some(family)
}

#[derive(Debug)]
struct UnitJump {
    start: usize,
    /// One past the last row of the segment.
    end: usize,
    samples: usize,
    conversion: &'static Conversion,
    surrounding_level: f64,
    segment_level: f64,
}

#[derive(Clone, Copy, Debug)]
struct Level {
    median: f64,
    sigma: f64,
}

/// Segments that leave the surrounding level by a unit conversion and come back by its
/// inverse. Both edges must be sharp jumps (> k·noise between neighbours, taken from the
/// jump `candidates`); the levels either
/// side of each edge are medians of `LEVEL_WINDOW` samples. A known unit limits the candidate
/// conversions to those from that unit.
fn find_unit_jumps(values: &[f64], candidates: &[usize], noise: f64, unit: Option<&str>, t: &QualityThresholds, buf: &mut Vec<f64>) -> Vec<UnitJump> {
    let mut jumps = Vec::new();
    let threshold = t.spike_k * noise;
    if threshold <= 0.0 || !threshold.is_finite() {
        return jumps;
    }
    let edges: Vec<usize> =
        candidates.iter().copied().filter(|&row| previous_finite(values, row).is_some_and(|p| (values[row] - p).abs() > threshold)).collect();
    let family = unit.and_then(unit_family);
    let conversions: Vec<&'static Conversion> = CONVERSIONS.iter().filter(|c| family.is_none_or(|f| c.from == f)).collect();
    let mut next = 0;
    while next < edges.len() {
        let start = edges[next];
        next += 1;
        let (Some(before), Some(after)) = (level_before(values, start, buf), level_after(values, start, buf)) else { continue };
        if !starts_new_level(values[start], before, after) {
            continue;
        }
        let Some(conversion) = best_conversion(&conversions, before, after, t.unit_jump_tolerance) else { continue };
        let end = edges.iter().enumerate().skip(next).take(MAX_SEGMENT_END_CANDIDATES).find_map(|(i, &edge)| {
            let (b, a) = (level_before(values, edge, buf)?, level_after(values, edge, buf)?);
            (starts_new_level(values[edge], b, a) && returns_from(conversion, b, a, t.unit_jump_tolerance)).then_some((i, edge))
        });
        let Some((end_index, end)) = end else { continue };
        let samples = values[start..end].iter().filter(|v| v.is_finite()).count();
        if samples >= t.unit_jump_min_samples && noise_agrees(values, start, end, conversion.scale, buf) {
            jumps.push(UnitJump { start, end, samples, conversion, surrounding_level: before.median, segment_level: after.median });
            next = end_index + 1;
        }
    }
    jumps
}

/// The edge sample itself must belong to the level after it. Without this, a noise jump just
/// before the real edge (whose window after already holds mostly the new level) would be
/// taken for the edge.
fn starts_new_level(value: f64, before: Level, after: Level) -> bool {
    (value - after.median).abs() < (value - before.median).abs()
}

fn level_before(values: &[f64], row: usize, buf: &mut Vec<f64>) -> Option<Level> {
    buf.clear();
    let lo = row.saturating_sub(3 * LEVEL_WINDOW);
    buf.extend(values[lo..row.min(values.len())].iter().rev().copied().filter(|v| v.is_finite()).take(LEVEL_WINDOW));
    level_of(buf)
}

fn level_after(values: &[f64], row: usize, buf: &mut Vec<f64>) -> Option<Level> {
    buf.clear();
    let hi = (row + 3 * LEVEL_WINDOW).min(values.len());
    buf.extend(values[row.min(hi)..hi].iter().copied().filter(|v| v.is_finite()).take(LEVEL_WINDOW));
    level_of(buf)
}

fn level_of(buf: &mut [f64]) -> Option<Level> {
    if buf.len() < LEVEL_MIN_SAMPLES {
        return None;
    }
    median_and_sigma(buf).map(|(median, sigma)| Level { median, sigma })
}

/// How far `to` is from `conversion(from)`, in tolerances; a match is ≤ 1.
fn mismatch(conversion: &Conversion, from: Level, to: Level, relative_tolerance: f64) -> f64 {
    let predicted = conversion.scale * from.median + conversion.offset;
    let tolerance = relative_tolerance * predicted.abs() + 2.0 * (to.sigma + conversion.scale.abs() * from.sigma);
    // The shift itself must stand well clear of that tolerance.
    if (to.median - from.median).abs() <= 3.0 * tolerance || tolerance <= 0.0 {
        return f64::INFINITY;
    }
    (to.median - predicted).abs() / tolerance
}

fn best_conversion(conversions: &[&'static Conversion], before: Level, after: Level, tolerance: f64) -> Option<&'static Conversion> {
    conversions
        .iter()
        .map(|&c| (c, mismatch(c, before, after, tolerance)))
        .filter(|&(_, m)| m <= 1.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// Does the level go back from `segment` to the original unit at this edge?
fn returns_from(conversion: &Conversion, segment: Level, after: Level, tolerance: f64) -> bool {
    let inverse = Conversion { label: "", from: conversion.from, scale: 1.0 / conversion.scale, offset: -conversion.offset / conversion.scale };
    mismatch(&inverse, segment, after, tolerance) <= 1.0
}

/// For large factors (×3.6 and beyond) the noise must scale too: a segment whose noise is as
/// large as its surroundings' is a process step that happens to match, not a unit change.
fn noise_agrees(values: &[f64], start: usize, end: usize, scale: f64, buf: &mut Vec<f64>) -> bool {
    const PAIRS: usize = 256;
    if scale.abs().ln().abs() < 3f64.ln() {
        return true;
    }
    let inside = step_noise(values, start, end.min(start + PAIRS), buf);
    let outside =
        step_noise(values, start.saturating_sub(PAIRS), start, buf).or_else(|| step_noise(values, end, (end + PAIRS).min(values.len()), buf));
    match (inside, outside) {
        (Some(inside), Some(outside)) if inside > 0.0 && outside > 0.0 => {
            let ratio = (inside / outside).ln();
            (ratio - scale.abs().ln()).abs() < ratio.abs()
        }
        _ => true,
    }
}

/// Median absolute change between neighbours in `values[from..to]`, if there are enough pairs.
fn step_noise(values: &[f64], from: usize, to: usize, buf: &mut Vec<f64>) -> Option<f64> {
    buf.clear();
    let slice = values.get(from..to)?;
    buf.extend(slice.windows(2).filter(|w| w[0].is_finite() && w[1].is_finite()).map(|w| (w[1] - w[0]).abs()));
    if buf.len() < 10 {
        return None;
    }
    median_in_place(buf)
}

// ----- text columns and labels ------------------------------------------------------------------

fn text_checks(name: &str, text: &StringChunked, is_label: bool, ctx: &ColumnContext<'_>, findings: &mut Vec<Finding>) {
    let t = ctx.thresholds;
    let places = ctx.places;
    let non_null = text.len() - text.null_count();
    if non_null == 0 {
        return;
    }
    if is_label {
        findings.extend(text_label_imbalance(name, text, ctx));
    }
    let mut distinct: HashSet<&str, FastBuild> = HashSet::default();
    for v in text.iter().flatten() {
        distinct.insert(v);
    }
    let n = distinct.len();
    if n == 1 && non_null >= 2 {
        let value = distinct.iter().next().copied().unwrap_or_default();
        findings.push(places.finding(
            FindingKind::Constant,
            Some(name),
            non_null as u64,
            Severity::Info,
            &[],
            format!("{name} holds the single value \"{value}\" in all {non_null} non-empty rows."),
        ));
    } else if !is_label && n > t.high_cardinality_min_distinct && n as f64 > t.high_cardinality_min_share * non_null as f64 {
        findings.push(places.finding(
            FindingKind::HighCardinality,
            Some(name),
            n as u64,
            Severity::Info,
            &[],
            format!(
                "{name} has {n} distinct values in {non_null} rows ({}); it looks like an identifier, not a feature.",
                format_share(n as f64 / non_null as f64)
            ),
        ));
    }
}

/// A class of the label: its value in words, rows, and summed weight (rows when unweighted).
struct LabelClass {
    label: String,
    rows: u64,
    weight: f64,
}

/// The weight of row `row` (1 without a weight column; a missing weight counts as 0).
fn row_weight(ctx: &ColumnContext<'_>, row: usize) -> f64 {
    match &ctx.label_weights {
        Some(w) => w.get(row).copied().filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0),
        None => 1.0,
    }
}

fn numeric_label_imbalance(name: &str, values: &[f64], ctx: &ColumnContext<'_>) -> Option<Finding> {
    let max_classes = ctx.thresholds.label_max_classes;
    let mut classes: Vec<(f64, u64, f64)> = Vec::new();
    for (row, &v) in values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
        let weight = row_weight(ctx, row);
        match classes.iter().position(|&(c, _, _)| c == v) {
            Some(i) => {
                classes[i].1 += 1;
                classes[i].2 += weight;
            }
            None if classes.len() < max_classes => classes.push((v, 1, weight)),
            None => return None,
        }
    }
    classes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let labelled: Vec<LabelClass> = classes.iter().map(|&(v, rows, weight)| LabelClass { label: format_number(v), rows, weight }).collect();
    let minority = classes.iter().min_by_key(|c| c.1).map(|c| c.0);
    let rows: Vec<usize> = match minority {
        Some(m) if classes.len() > 1 => values.iter().enumerate().filter(|&(_, &v)| v == m).map(|(r, _)| r).take(MAX_EXAMPLES).collect(),
        _ => Vec::new(),
    };
    imbalance_finding(name, &labelled, &rows, ctx)
}

fn text_label_imbalance(name: &str, text: &StringChunked, ctx: &ColumnContext<'_>) -> Option<Finding> {
    let max_classes = ctx.thresholds.label_max_classes;
    let mut counts: HashMap<&str, (u64, f64), FastBuild> = HashMap::default();
    for (row, v) in text.iter().enumerate() {
        let Some(v) = v else { continue };
        let weight = row_weight(ctx, row);
        if let Some(entry) = counts.get_mut(v) {
            entry.0 += 1;
            entry.1 += weight;
        } else if counts.len() < max_classes {
            counts.insert(v, (1, weight));
        } else {
            return None;
        }
    }
    let mut classes: Vec<(&str, (u64, f64))> = counts.into_iter().collect();
    classes.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let minority = classes.iter().min_by_key(|c| c.1 .0).map(|c| c.0);
    let rows: Vec<usize> = match minority {
        Some(m) if classes.len() > 1 => text.iter().enumerate().filter(|&(_, v)| v == Some(m)).map(|(r, _)| r).take(MAX_EXAMPLES).collect(),
        _ => Vec::new(),
    };
    let labelled: Vec<LabelClass> = classes.iter().map(|&(v, (rows, weight))| LabelClass { label: v.to_owned(), rows, weight }).collect();
    imbalance_finding(name, &labelled, &rows, ctx)
}

fn imbalance_finding(name: &str, classes: &[LabelClass], minority_rows: &[usize], ctx: &ColumnContext<'_>) -> Option<Finding> {
    let t = ctx.thresholds;
    let total: u64 = classes.iter().map(|c| c.rows).sum();
    if total == 0 {
        return None;
    }
    let listing: Vec<String> = classes.iter().map(|c| format!("{}: {}", c.label, c.rows)).collect();
    let listing = listing.join(", ");
    if classes.len() == 1 {
        return Some(ctx.places.finding(
            FindingKind::LabelImbalance,
            Some(name),
            0,
            Severity::Error,
            &[],
            format!("The label {name} has a single class ({listing}); a model cannot learn from it."),
        ));
    }
    let minority = classes.iter().min_by_key(|c| c.rows)?;
    // With a weight column, each class's share is its share of the summed weight: balanced
    // weights give every class the same say in training, whatever its row count.
    let weighted = ctx.label_weights.is_some();
    let total_weight: f64 = classes.iter().map(|c| c.weight).sum();
    let share = if weighted {
        if total_weight <= 0.0 {
            0.0
        } else {
            classes.iter().map(|c| c.weight).fold(f64::INFINITY, f64::min) / total_weight
        }
    } else {
        minority.rows as f64 / total as f64
    };
    let severity = if share < t.label_error_share {
        Severity::Error
    } else if share < t.label_warning_share {
        Severity::Warning
    } else {
        return None;
    };
    let measure = if weighted { " by weight" } else { "" };
    Some(ctx.places.finding(
        FindingKind::LabelImbalance,
        Some(name),
        minority.rows,
        severity,
        minority_rows,
        format!(
            "The label {name} is imbalanced: its rarest class {} is {}{measure} of {total} labelled rows ({listing}); weight the classes (or judge models by recall and precision, not accuracy).",
            minority.label,
            format_share(share)
        ),
    ))
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// The (upper) median by selection; reorders `buf`.
fn median_in_place(buf: &mut [f64]) -> Option<f64> {
    if buf.is_empty() {
        return None;
    }
    let mid = buf.len() / 2;
    let (_, median, _) = buf.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*median)
}

/// Median and 1.4826 × MAD of finite values; reorders and overwrites `buf`.
fn median_and_sigma(buf: &mut [f64]) -> Option<(f64, f64)> {
    let median = median_in_place(buf)?;
    for v in buf.iter_mut() {
        *v = (*v - median).abs();
    }
    let mad = median_in_place(buf)?;
    Some((median, MAD_TO_SIGMA * mad))
}

fn median_i64(buf: &mut [i64]) -> Option<i64> {
    if buf.is_empty() {
        return None;
    }
    let mid = buf.len() / 2;
    let (_, median, _) = buf.select_nth_unstable(mid);
    Some(*median)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn format_share(share: f64) -> String {
    let pct = share * 100.0;
    if pct > 0.0 && pct < 0.1 {
        format!("{pct:.2}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// A number for a sentence: at most four decimals, no trailing zeros.
fn format_number(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e15 {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".to_owned()
        } else {
            s.to_owned()
        }
    } else {
        format!("{v:e}")
    }
}

/// "45 s", "1 min", "31 min", "2 h 5 min", "3 d 4 h".
fn format_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return format!("{seconds} s");
    }
    if seconds < 60.0 {
        return format!("{} s", format_number((seconds * 1000.0).round() / 1000.0));
    }
    let total = seconds.round() as u64;
    let (days, hours, minutes, secs) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60);
    if days > 0 {
        if hours > 0 {
            format!("{days} d {hours} h")
        } else {
            format!("{days} d")
        }
    } else if hours > 0 {
        if minutes > 0 {
            format!("{hours} h {minutes} min")
        } else {
            format!("{hours} h")
        }
    } else if secs > 0 {
        format!("{minutes} min {secs} s")
    } else {
        format!("{minutes} min")
    }
}

/// `YYYY-MM-DD HH:MM:SS` of seconds since the Unix epoch (UTC, or naive local time).
pub(crate) fn format_unix_seconds(seconds: i64) -> String {
    plantlab_protocol::format_epoch_millis(seconds.saturating_mul(1000))
}

// ----- operating states -------------------------------------------------------------------------

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
    fn word(self) -> &'static str {
        match self {
            RunningSignal::Flow => "flow",
            RunningSignal::Current => "motor current",
            RunningSignal::Speed => "speed",
            RunningSignal::Power => "power",
            RunningSignal::Condition => "the running condition",
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

    /// What happened, with times: "flow, motor current and speed are all 0 from 5 Oct 02:00
    /// for 3 h and from 11 Oct 06:00 for 5 h: the pump was stopped". `time_ms` gives a row's
    /// time (row numbers are used without one).
    pub fn story(&self, time_ms: impl Fn(usize) -> Option<i64>, interval_s: Option<f64>) -> String {
        // Signals are sorted by kind, so one word per kind.
        let mut distinct: Vec<&str> = self.signals.iter().map(|(_, s)| s.word()).collect();
        distinct.dedup();
        let subject = if self.signals.iter().any(|(_, s)| *s == RunningSignal::Condition) {
            format!("{} does not hold", condition_words(&self.exclude_when, true))
        } else {
            let zero = if self.exactly_zero { "0" } else { "near 0" };
            match distinct.len() {
                1 => format!("{} is {zero}", distinct[0]),
                2 => format!("{} and {} are both {zero}", distinct[0], distinct[1]),
                n => format!("{} and {} are all {zero}", distinct[..n - 1].join(", "), distinct[n - 1]),
            }
        };
        let step_s = interval_s.filter(|s| *s > 0.0).unwrap_or(0.0);
        let mut places: Vec<String> = self
            .periods
            .iter()
            .take(3)
            .map(|p| match (time_ms(p.start), time_ms(p.end.saturating_sub(1))) {
                (Some(a), Some(z)) => {
                    format!("from {} for {}", short_time(a), plantlab_protocol::format_duration((z - a) as f64 / 1000.0 + step_s))
                }
                _ => format!("in rows {}..{}", p.start, p.end),
            })
            .collect();
        if self.periods.len() > 3 {
            let more = self.periods.len() - 3;
            places.push(if more == 1 { "once more".to_owned() } else { format!("{more} more times") });
        }
        let when = match places.len() {
            0 | 1 => places.concat(),
            n => format!("{} and {}", places[..n - 1].join(", "), places[n - 1]),
        };
        let machine = if self.signals.iter().any(|(_, s)| *s == RunningSignal::Flow) { "pump" } else { "machine" };
        format!("{subject} {when}: the {machine} was stopped")
    }
}

/// "FI-101 Flow < 6" in words; `negate` words the opposite.
fn condition_words(c: &Condition, negate: bool) -> String {
    let op = match (c.op, negate) {
        (CompareOp::Lt, false) | (CompareOp::Ge, true) => "<",
        (CompareOp::Le, false) | (CompareOp::Gt, true) => "≤",
        (CompareOp::Gt, false) | (CompareOp::Le, true) => ">",
        (CompareOp::Ge, false) | (CompareOp::Lt, true) => "≥",
        (CompareOp::Eq, false) | (CompareOp::Ne, true) => "=",
        (CompareOp::Ne, false) | (CompareOp::Eq, true) => "≠",
        (CompareOp::IsNull, false) | (CompareOp::NotNull, true) => return format!("{} is missing", c.column),
        (CompareOp::NotNull, false) | (CompareOp::IsNull, true) => return format!("{} is present", c.column),
    };
    format!("{} {op} {}", c.column, format_number(c.value))
}

/// "5 Oct 02:00" for milliseconds since the epoch (the export's wall-clock time).
pub(crate) fn short_time(ms: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let seconds = ms.div_euclid(1000);
    let (_, month, day) = plantlab_sniff::timestamps::civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    let name = MONTHS.get((month as usize).saturating_sub(1)).copied().unwrap_or("?");
    format!("{day} {name} {:02}:{:02}", of_day / 3600, of_day / 60 % 60)
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
fn shutdown_finding(unit: &UnitStops, places: Places<'_>, interval_s: Option<f64>) -> Finding {
    let time_ms = |row: usize| places.timeline.and_then(|t| t.at(row).map(|ticks| ticks_to_ms(ticks, t.ticks_per_second)));
    let story = unit.story(time_ms, interval_s);
    let rows = unit.rows();
    let starts: Vec<usize> = unit.periods.iter().map(|p| p.start).collect();
    let tags: Vec<&str> = unit.signals.iter().map(|(n, _)| n.as_str()).collect();
    places.finding(
        FindingKind::Shutdown,
        Some(unit.exclude_when.column.as_str()),
        rows as u64,
        Severity::Info,
        &starts,
        format!(
            "{} ({rows} rows; {}). A stopped unit is an operating state, not a stuck sensor: exclude those periods rather than filling them.",
            capitalized(&story),
            tags.join(", ")
        ),
    )
}

/// The text with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn ticks_to_ms(ticks: i64, per_second: i64) -> i64 {
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

// ----- hints for cleaning suggestions -----------------------------------------------------------

/// What the checks saw in one numeric column, in the detail a cleaning step needs: the
/// plausible range and the sentinels present, and each unit-jump segment with its conversion.
pub(crate) struct RepairHints {
    pub low: f64,
    pub high: f64,
    pub sentinels: Vec<f64>,
    /// (first row, one past the last row, scale, offset) of y = scale·x + offset that took the
    /// segment's readings into the other unit.
    pub unit_jumps: Vec<(usize, usize, f64, f64)>,
}

/// Runs the same range and unit-jump checks as [`assess`] on one column.
pub(crate) fn repair_hints(name: &str, unit: Option<&str>, values: &[f64], t: &QualityThresholds) -> RepairHints {
    let mut hints = RepairHints { low: f64::NEG_INFINITY, high: f64::INFINITY, sentinels: Vec::new(), unit_jumps: Vec::new() };
    let summary = Summary::of(values, t.categorical_max_levels);
    if summary.finite + summary.infinite < 2 {
        return hints;
    }
    let mut scratch = Vec::new();
    let robust = Robust::of(values, &mut scratch);
    let rule = RangeRule::for_column(name, unit, t, &robust, &summary);
    hints.low = rule.low;
    hints.high = rule.high;
    hints.sentinels = rule.sentinels.clone();
    if summary.levels.is_some() {
        return hints;
    }
    let cleaned: Vec<f64> = values.iter().map(|&v| if rule.rejects(v) { f64::NAN } else { v }).collect();
    let noise = robust.step_sigma;
    let jump = if noise > 0.0 && noise.is_finite() { (t.spike_k - 2.0).max(1.0).min(t.spike_k) * noise } else { f64::INFINITY };
    let (_, jumps) = scan_neighbours(&cleaned, t.flatline_min_run, t.flatline_max_repeat_share, jump);
    hints.unit_jumps = find_unit_jumps(&cleaned, &jumps, noise, unit, t, &mut scratch)
        .into_iter()
        .map(|j| (j.start, j.end, j.conversion.scale, j.conversion.offset))
        .collect();
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic standard-normal-ish noise for the detector tests.
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> f64 {
            let mut sum = 0.0;
            for _ in 0..4 {
                self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
                sum += (mix64(self.0) >> 11) as f64 / (1u64 << 53) as f64;
            }
            (sum - 2.0) * 3f64.sqrt()
        }
    }

    fn noisy(level: f64, sigma: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut noise = Noise(seed);
        (0..n).map(|_| level + sigma * noise.next()).collect()
    }

    fn random_walk(n: usize, step: f64, seed: u64) -> Vec<f64> {
        let mut noise = Noise(seed);
        let mut v = 50.0;
        (0..n)
            .map(|_| {
                v += step * noise.next();
                v
            })
            .collect()
    }

    fn sine(n: usize, period: f64, amplitude: f64, sigma: f64, seed: u64) -> Vec<f64> {
        let mut noise = Noise(seed);
        (0..n).map(|i| 100.0 + amplitude * (std::f64::consts::TAU * i as f64 / period).sin() + sigma * noise.next()).collect()
    }

    /// A setpoint: long constant stretches with steps, and a noisy process value following it.
    fn setpoint_and_follower(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let levels = [55.0, 62.5, 58.0, 71.0, 64.0, 49.5, 60.0, 66.0, 52.0, 57.5, 69.0, 61.0];
        let setpoint: Vec<f64> = (0..n).map(|i| levels[(i / 150) % levels.len()]).collect();
        let mut noise = Noise(seed);
        let mut pv = setpoint[0];
        let follower = setpoint
            .iter()
            .map(|&sp| {
                pv += 0.3 * (sp - pv);
                pv + 0.2 * noise.next()
            })
            .collect();
        (setpoint, follower)
    }

    /// The jump candidates as `numeric_checks` computes them.
    fn candidates(values: &[f64]) -> (Vec<usize>, f64) {
        let noise = Robust::of(values, &mut Vec::new()).step_sigma;
        (scan_neighbours(values, 30, 0.5, 4.0 * noise).1, noise)
    }

    fn spike_rows(values: &[f64]) -> Vec<usize> {
        let (jumps, noise) = candidates(values);
        find_spikes(values, &jumps, noise, &QualityThresholds::default(), &mut Vec::new())
    }

    fn unit_jumps(values: &[f64], unit: Option<&str>) -> Vec<UnitJump> {
        let (jumps, noise) = candidates(values);
        find_unit_jumps(values, &jumps, noise, unit, &QualityThresholds::default(), &mut Vec::new())
    }

    fn flat_runs(values: &[f64], min_run: usize, max_repeat_share: f64) -> Vec<FlatRun> {
        scan_neighbours(values, min_run, max_repeat_share, f64::INFINITY).0
    }

    fn minutes_column(name: &str, minutes: &[i64]) -> Column {
        let ms: Vec<i64> = minutes.iter().map(|m| 1_709_510_400_000 + m * 60_000).collect();
        Column::new(name.into(), ms).cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap()
    }

    fn assess_frame(frame: &DataFrame, timestamp: Option<&str>, label: Option<&str>) -> Assessment {
        assess_with(frame, timestamp, label, &[], &HashMap::new(), &QualityThresholds::default())
    }

    fn assess_with(
        frame: &DataFrame,
        timestamp: Option<&str>,
        label: Option<&str>,
        status: &[StatusTextCount],
        units: &HashMap<String, String>,
        t: &QualityThresholds,
    ) -> Assessment {
        let input = QualityInput { frame, timestamp_column: timestamp, status_text: status, units, label_column: label, label_weight_column: None };
        assess(&input, t)
    }

    fn kinds(a: &Assessment) -> Vec<(FindingKind, Option<String>, u64)> {
        a.findings.iter().map(|f| (f.kind, f.column.clone(), f.count)).collect()
    }

    #[test]
    fn calendar_arithmetic_round_trips() {
        use plantlab_sniff::timestamps::{civil_from_days, days_from_civil};
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_unix_seconds(1_709_510_400), "2024-03-04 00:00:00");
        assert_eq!(format_unix_seconds(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn medians_come_from_selection() {
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), Some(3.0));
        assert_eq!(median_in_place(&mut []), None);
        assert_eq!(median_i64(&mut [60, 60, 120, 60]), Some(60));
        assert_eq!(median_and_sigma(&mut [1.0, 2.0, 3.0, 4.0, 100.0]), Some((3.0, MAD_TO_SIGMA)));
    }

    #[test]
    fn readable_numbers_and_durations() {
        assert_eq!(format_number(2.50), "2.5");
        assert_eq!(format_number(-9999.0), "-9999");
        assert_eq!(format_duration(60.0), "1 min");
        assert_eq!(format_duration(1860.0), "31 min");
        assert_eq!(format_duration(7500.0), "2 h 5 min");
        assert_eq!(format_duration(0.5), "0.5 s");
    }

    #[test]
    fn the_bit_mask_scan_agrees_with_the_value_by_value_scan() {
        // Quantised random walks with held stretches and steps: repeats, runs across the
        // 64-value blocks, runs at both ends, jumps, and ±0 (equal as floats).
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        for case in 0..300 {
            let len = [0, 1, 2, 63, 64, 65, 129, 1000, 5000][case % 9];
            let mut values = Vec::with_capacity(len);
            let mut level = 0.0f64;
            while values.len() < len {
                match next() % 10 {
                    0 => values.extend(std::iter::repeat_n(level, (next() % 150) as usize)),
                    1 => level += (next() % 100) as f64,
                    2 => values.push(if next() % 2 == 0 { 0.0 } else { -0.0 }),
                    _ => level += ((next() % 5) as f64 - 2.0) * 0.25,
                }
                values.push(level);
            }
            values.truncate(len);
            for (min_run, jump) in [(2, 0.3), (3, 0.5), (5, 1.0), (30, 10.0), (64, f64::INFINITY), (66, 2.0), (200, 0.0)] {
                assert_eq!(
                    neighbours_all_finite(&values, min_run, jump),
                    neighbours_with_gaps(&values, min_run, jump),
                    "case {case}, min_run {min_run}"
                );
            }
        }
    }

    #[test]
    fn column_statistics_skip_missing_and_infinite_values() {
        let mut state = 7u64;
        for len in [0usize, 1, 2, 3, 4, 5, 7, 100, 1001] {
            let values: Vec<f64> = (0..len)
                .map(|i| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    match (state >> 33) % 9 {
                        0 => f64::NAN,
                        1 => f64::INFINITY,
                        2 => f64::NEG_INFINITY,
                        _ => 1e6 + (state >> 40) as f64 * 0.01 - i as f64,
                    }
                })
                .collect();
            let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            let summary = Summary::of(&values, 10);
            assert_eq!(summary.finite, finite.len());
            assert_eq!(summary.infinite, values.iter().filter(|v| v.is_infinite()).count());
            if finite.is_empty() {
                assert!(summary.mean.is_nan() && summary.min == f64::INFINITY && summary.max == f64::NEG_INFINITY);
                continue;
            }
            assert_eq!(summary.min, finite.iter().copied().fold(f64::INFINITY, f64::min));
            assert_eq!(summary.max, finite.iter().copied().fold(f64::NEG_INFINITY, f64::max));
            let n = finite.len() as f64;
            let mean = finite.iter().sum::<f64>() / n;
            assert!((summary.mean - mean).abs() <= 1e-9 * mean.abs(), "{len}: {} vs {mean}", summary.mean);
            if finite.len() > 1 {
                let std = (finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                let got = summary.std.unwrap_or(f64::NAN);
                assert!((got - std).abs() <= 1e-6 * std.max(1.0), "{len}: {got} vs {std}");
            }
        }
    }

    #[test]
    fn runs_of_set_bits_are_found_like_counting_them() {
        let longest = |bits: u64| {
            let (mut best, mut now) = (0, 0);
            for i in 0..64 {
                now = if bits >> i & 1 == 1 { now + 1 } else { 0 };
                best = best.max(now);
            }
            best
        };
        let mut state = 12345u64;
        for _ in 0..20_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Sparse, dense and mixed masks.
            let bits = match state % 3 {
                0 => state,
                1 => state | state.rotate_left(7) | state.rotate_left(19),
                _ => state & state.rotate_left(11),
            };
            for count in 1..=66 {
                assert_eq!(has_run_of_ones(bits, count), longest(bits) >= count, "{bits:064b}, {count}");
            }
        }
        assert!(has_run_of_ones(u64::MAX, 64) && !has_run_of_ones(u64::MAX, 65));
        assert!(all_finite(&[1.0; 1000]) && !all_finite(&[1.0, f64::NAN]) && !all_finite(&[f64::NEG_INFINITY]) && all_finite(&[]));
    }

    #[test]
    fn flatline_is_found_on_a_varying_tag_only() {
        let mut values = noisy(120.0, 0.8, 2000, 1);
        for v in &mut values[500..540] {
            *v = 118.25;
        }
        assert_eq!(flat_runs(&values, 30, 0.5), vec![FlatRun { start: 500, len: 40, value: 118.25 }]);
        // A run shorter than the threshold, or broken by a missing value, is not a flatline.
        values[520] = f64::NAN;
        assert!(flat_runs(&values, 30, 0.5).is_empty());
        assert!(flat_runs(&noisy(120.0, 0.8, 2000, 2), 30, 0.5).is_empty());
        // A setpoint holds its value for long stretches by design.
        let (setpoint, follower) = setpoint_and_follower(3000, 3);
        assert!(flat_runs(&setpoint, 30, 0.5).is_empty());
        assert!(flat_runs(&follower, 30, 0.5).is_empty());
    }

    #[test]
    fn spikes_are_isolated_outliers() {
        let mut values = noisy(6.5, 0.03, 1000, 4);
        values[100] += 2.4;
        values[300] -= 1.5;
        values[301] -= 1.6;
        values[700] = f64::NAN;
        values[701] += 3.0;
        assert_eq!(spike_rows(&values), vec![100, 300, 301, 701]);
    }

    #[test]
    fn normal_signals_have_no_spikes() {
        for seed in 0..5 {
            assert!(spike_rows(&noisy(6.5, 0.03, 5000, seed)).is_empty(), "white noise, seed {seed}");
            assert!(spike_rows(&random_walk(5000, 0.1, seed)).is_empty(), "random walk, seed {seed}");
            assert!(spike_rows(&sine(5000, 700.0, 6.0, 0.8, seed)).is_empty(), "slow sine, seed {seed}");
            assert!(spike_rows(&sine(5000, 12.0, 5.0, 0.1, seed)).is_empty(), "fast sine, seed {seed}");
            let (setpoint, follower) = setpoint_and_follower(5000, seed);
            assert!(spike_rows(&setpoint).is_empty(), "setpoint, seed {seed}");
            assert!(spike_rows(&follower).is_empty(), "process value following a setpoint, seed {seed}");
        }
        // A level shift that stays is not a spike.
        let mut shifted = noisy(10.0, 0.1, 1000, 9);
        for v in &mut shifted[500..] {
            *v += 5.0;
        }
        assert!(spike_rows(&shifted).is_empty());
    }

    #[test]
    fn unit_jump_finds_a_fahrenheit_segment() {
        let mut values = sine(3000, 1440.0, 2.5, 0.15, 5);
        for v in &mut values {
            *v -= 40.0; // about 60 °C
        }
        for v in &mut values[1200..1320] {
            *v = 1.8 * *v + 32.0;
        }
        for unit in [None, Some("°C"), Some("degC")] {
            let jumps = unit_jumps(&values, unit);
            assert_eq!(jumps.len(), 1, "{unit:?}");
            assert_eq!((jumps[0].start, jumps[0].end, jumps[0].samples), (1200, 1320, 120));
            assert!(jumps[0].conversion.label.starts_with("°C → °F"));
        }
        // A tag known to be in bar cannot have a °F segment.
        assert!(unit_jumps(&values, Some("bar")).is_empty());
    }

    #[test]
    fn unit_jump_finds_pressure_and_kelvin_segments() {
        let mut pressure = noisy(6.5, 0.03, 2000, 6);
        for v in &mut pressure[400..450] {
            *v *= 100.0;
        }
        let jumps = unit_jumps(&pressure, None);
        assert_eq!(jumps.len(), 1);
        assert_eq!((jumps[0].start, jumps[0].samples), (400, 50));
        assert!(jumps[0].conversion.label.starts_with("bar → kPa"));

        let mut kelvin = noisy(300.0, 0.2, 2000, 7);
        for v in &mut kelvin[1000..1100] {
            *v -= 273.15;
        }
        let jumps = unit_jumps(&kelvin, Some("K"));
        assert_eq!(jumps.len(), 1);
        assert!(jumps[0].conversion.label.starts_with("K → °C"));
    }

    #[test]
    fn level_shifts_that_are_not_unit_changes_are_ignored() {
        // A shift by an arbitrary amount and back.
        let mut values = noisy(60.0, 0.15, 2000, 8);
        for v in &mut values[500..600] {
            *v += 30.0;
        }
        assert!(unit_jumps(&values, None).is_empty());
        // A real °F segment that is too short.
        let mut short = noisy(60.0, 0.15, 2000, 8);
        for v in &mut short[500..510] {
            *v = 1.8 * *v + 32.0;
        }
        assert!(unit_jumps(&short, None).is_empty());
        // A flow that drops to 1/3.6 of its level and back, with unchanged noise: a process step.
        let mut flow = noisy(120.0, 0.8, 2000, 9);
        for v in &mut flow[800..900] {
            *v -= 120.0 - 120.0 / 3.6;
        }
        assert!(unit_jumps(&flow, None).is_empty());
        for seed in 0..5 {
            let (setpoint, follower) = setpoint_and_follower(5000, seed);
            assert!(unit_jumps(&setpoint, None).is_empty());
            assert!(unit_jumps(&follower, None).is_empty());
            assert!(unit_jumps(&random_walk(5000, 0.1, seed), None).is_empty());
        }
    }

    #[test]
    fn out_of_range_sentinels_units_and_limits() {
        let mut vibration = noisy(2.2, 0.08, 1000, 10);
        vibration[10] = -9999.0;
        vibration[20] = f64::INFINITY;
        let mut valve = noisy(50.0, 5.0, 1000, 11);
        valve[30] = 104.0;
        // -999 is a normal reading of a tag that spans ±2000.
        let mut wide: Vec<f64> = (0..1000).map(|i| (i as f64 - 500.0) * 4.0).collect();
        wide[250] = -999.0;
        let mut speed = noisy(1480.0, 2.0, 1000, 12);
        speed[50] = 2500.0;
        let frame = DataFrame::new(
            1000,
            vec![
                Column::new("vib".into(), vibration),
                Column::new("valve".into(), valve),
                Column::new("wide".into(), wide),
                Column::new("speed".into(), speed),
            ],
        )
        .unwrap();
        let units: HashMap<String, String> = [("valve".to_owned(), "%".to_owned())].into();
        let mut t = QualityThresholds::default();
        t.limits.insert("speed".into(), (0.0, 2000.0));
        let a = assess_with(&frame, None, None, &[], &units, &t);
        let range: Vec<_> = a.findings.iter().filter(|f| f.kind == FindingKind::OutOfRange).collect();
        let summary: Vec<_> = range.iter().map(|f| (f.column.as_deref().unwrap_or(""), f.count, f.rows.clone())).collect();
        assert_eq!(summary, vec![("vib", 2, vec![10, 20]), ("valve", 1, vec![30]), ("speed", 1, vec![50])]);
        assert!(range[0].message.contains("-9999"), "{}", range[0].message);
        assert_eq!(a.columns[2].unit, None);
        assert_eq!(a.columns[1].unit.as_deref(), Some("%"));
        // The sentinel does not also count as a spike.
        assert!(!a.findings.iter().any(|f| f.kind == FindingKind::Spike), "{:?}", kinds(&a));
    }

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

    #[test]
    fn duplicates_without_a_time_axis_hash_whole_rows() {
        let frame = df!(
            "a" => [1.0, 2.0, 1.0, 1.0, 3.0],
            "b" => [Some("x"), None, Some("x"), Some("y"), None],
            "c" => [1i64, 2, 1, 1, 2]
        )
        .unwrap();
        let a = assess_frame(&frame, None, None);
        let dup: Vec<_> = a.findings.iter().filter(|f| f.kind == FindingKind::DuplicateRows).collect();
        assert_eq!(dup.len(), 1);
        assert_eq!((dup[0].count, dup[0].rows.clone(), dup[0].examples.clone()), (1, vec![2], vec!["row 2".to_owned()]));
    }

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

    #[test]
    fn constant_identifier_and_label_columns() {
        let n = 400;
        let ids: Vec<String> = (0..n).map(|i| format!("SN-{i:05}")).collect();
        let label: Vec<i64> = (0..n).map(|i| i64::from(i % 40 == 7)).collect();
        let text_label: Vec<&str> = (0..n).map(|i| if i % 8 == 0 { "trip" } else { "ok" }).collect();
        let frame = df!(
            "line" => vec![7i64; n],
            "site" => vec!["North"; n],
            "serial" => ids,
            "fault" => label,
            "state" => text_label,
            "temp" => noisy(60.0, 0.2, n, 13)
        )
        .unwrap();
        let a = assess_frame(&frame, None, Some("fault"));
        assert_eq!(
            kinds(&a),
            vec![
                (FindingKind::Constant, Some("line".into()), 400),
                (FindingKind::Constant, Some("site".into()), 400),
                (FindingKind::HighCardinality, Some("serial".into()), 400),
                (FindingKind::LabelImbalance, Some("fault".into()), 10),
            ]
        );
        let imbalance = &a.findings[3];
        assert_eq!(imbalance.severity, Severity::Error);
        assert_eq!(imbalance.rows, vec![7, 47, 87, 127, 167]);
        assert!(imbalance.message.contains("0: 390, 1: 10"), "{}", imbalance.message);
        let text = assess_frame(&frame, None, Some("state"));
        let imbalance = text.findings.iter().find(|f| f.kind == FindingKind::LabelImbalance).unwrap();
        assert_eq!((imbalance.count, imbalance.severity), (50, Severity::Warning));
    }

    #[test]
    fn normal_plant_signals_give_no_findings() {
        let n = 5000;
        let (setpoint, follower) = setpoint_and_follower(n, 14);
        let flag: Vec<i64> = (0..n).map(|i| i64::from((i / 97) % 3 != 0)).collect();
        // A coarsely quantized tag sits on one value for long stretches near its peaks.
        let quantized: Vec<f64> = sine(n, 700.0, 6.0, 0.0, 18).iter().map(|v| v.round()).collect();
        let minutes: Vec<i64> = (0..n as i64).collect();
        let frame = DataFrame::new(
            n,
            vec![
                minutes_column("time", &minutes),
                Column::new("noise".into(), noisy(6.5, 0.03, n, 15)),
                Column::new("walk".into(), random_walk(n, 0.1, 16)),
                Column::new("sine".into(), sine(n, 700.0, 6.0, 0.8, 17)),
                Column::new("setpoint".into(), setpoint),
                Column::new("follower".into(), follower),
                Column::new("flag".into(), flag),
                Column::new("quantized".into(), quantized),
            ],
        )
        .unwrap();
        let a = assess_frame(&frame, Some("time"), None);
        assert!(a.findings.is_empty(), "{:#?}", a.findings);
        assert_eq!(a.columns.len(), 8);
        let sine = &a.columns[3];
        assert!((sine.mean.unwrap() - 100.0).abs() < 0.5 && (sine.std.unwrap() - 4.3).abs() < 0.5, "{sine:?}");
    }

    #[test]
    fn degenerate_frames_do_not_fail() {
        let empty = DataFrame::empty();
        let a = assess_frame(&empty, Some("time"), Some("label"));
        assert!(a.columns.is_empty() && a.findings.is_empty() && a.sampling_interval_s.is_none());

        let no_rows = df!("v" => Vec::<f64>::new(), "s" => Vec::<String>::new()).unwrap();
        let a = assess_frame(&no_rows, None, Some("v"));
        assert!(a.findings.is_empty());
        assert_eq!(a.columns[0].mean, None);

        let one = DataFrame::new(1, vec![minutes_column("time", &[0]), Column::new("v".into(), [1.5])]).unwrap();
        let a = assess_frame(&one, Some("time"), Some("v"));
        assert_eq!(a.columns[1].mean, Some(1.5));
        assert_eq!(a.columns[1].std, None);
        assert_eq!(a.sampling_interval_s, None);

        let all_null =
            DataFrame::new(3, vec![Column::new("v".into(), [None::<f64>, None, None]), Column::new("s".into(), [None::<&str>, None, None])]).unwrap();
        // Empty rows are missing cells, not duplicates of each other.
        let a = assess_frame(&all_null, None, None);
        assert_eq!(kinds(&a), vec![(FindingKind::Missing, Some("v".into()), 3), (FindingKind::Missing, Some("s".into()), 3)]);
        assert_eq!(a.findings[0].severity, Severity::Error);
        assert_eq!(a.findings[0].rows, vec![0, 1, 2]);
    }

    #[test]
    fn thresholds_round_trip_with_defaults_for_missing_fields() {
        let t: QualityThresholds = serde_json::from_str(r#"{"flatline_min_run": 12, "limits": {"TI-101": [0.0, 150.0]}}"#).unwrap();
        assert_eq!(t.flatline_min_run, 12);
        assert_eq!(t.gap_factor, 3.0);
        assert_eq!(t.limits.get("TI-101"), Some(&(0.0, 150.0)));
        let back: QualityThresholds = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }
}
