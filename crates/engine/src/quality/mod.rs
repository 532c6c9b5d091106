//! The quality report: per-column statistics and findings in the DESIGN.md vocabulary.
//!
//! Cost model: every column gets a handful of linear passes (statistics, plausible range, flat
//! runs, jumps between neighbours). The checks that need medians (Hampel for spikes, level
//! comparison for unit jumps) run only where a cheap pre-filter saw a large jump, so a
//! million-row column costs milliseconds. Columns are analysed on parallel threads.

#[cfg(test)]
mod coded_tests;
mod columns;
mod duplicates;
mod flatline;
mod hints;
mod labels;
mod range;
mod spike;
mod statistics;
mod stops;
#[cfg(test)]
mod test_signals;
mod text;
mod time_axis;
mod unit_jump;
mod wording;

use std::collections::BTreeMap;

use plantlab_protocol::{ColumnProfile, Condition, Finding};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub(crate) use hints::repair_hints;
pub(crate) use stops::find_stops;

use columns::{analyse_columns, numeric_values, ColumnContext};
use duplicates::duplicate_rows_without_time;
use stops::shutdown_finding;
use time_axis::{time_findings, Places, Timeline};

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
    // Every finding is coded; its English sentence comes from the same catalogue the edges word
    // it from, so the two cannot drift.
    plantlab_i18n::with_english(|english| {
        for finding in &mut findings {
            finding.message = plantlab_i18n::finding_text(english, finding);
        }
    });
    Assessment { columns, sampling_interval_s, findings }
}

#[cfg(test)]
mod tests {

    use super::test_signals::{assess_frame, kinds, minutes_column, noisy, random_walk, setpoint_and_follower, sine};
    use super::*;
    use plantlab_protocol::{FindingKind, Severity};

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
