//! Every finding is coded: its key is in the catalogue, its arguments are exactly the ones the
//! key's sentence (and each phrase inside it) names, its English `message` is the catalogue's
//! English, and it reads in Chinese without falling back to English.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

use plantlab_i18n::{check_arguments, finding_text, gate_check_text, Catalog, Lang};
use plantlab_protocol::{ColumnProfile, CompareOp, Condition, Finding, FindingKind, GateThresholds, ImportSettings, MessageArg, QualityReport};
use polars::prelude::*;

use super::test_signals::{assess_with, minutes_column, noisy};
use super::{assess, QualityInput, QualityThresholds, StatusTextCount};
use crate::generate::{messy_series, MessyOptions, LABEL_COLUMN, STATUS_TEXTS, TIMESTAMP_COLUMN};

/// The messy generator's export (every kind but `shutdown`), read with its status texts as nulls.
fn messy_findings() -> Vec<Finding> {
    let (bytes, _) = messy_series(&MessyOptions { seed: 42, ..MessyOptions::default() });
    let nulls = NullValues::AllColumns(STATUS_TEXTS.iter().map(|&s| s.into()).collect());
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .map_parse_options(move |o| o.with_try_parse_dates(true).with_null_values(Some(nulls.clone())))
        .into_reader_with_file_handle(Cursor::new(bytes.clone()))
        .finish()
        .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut status: Vec<StatusTextCount> = names.iter().map(|n| StatusTextCount { column: (*n).to_owned(), ..Default::default() }).collect();
    for (row, line) in lines.enumerate() {
        for (cell, count) in line.split(',').zip(status.iter_mut()) {
            if STATUS_TEXTS.contains(&cell) {
                count.count += 1;
                count.rows.push(row as u64);
            }
        }
    }
    status.retain(|s| s.count > 0);
    assess_with(&frame, Some(TIMESTAMP_COLUMN), Some(LABEL_COLUMN), &status, &HashMap::new(), &QualityThresholds::default()).findings
}

/// A pump stopped five times (flow and current exactly 0), with and without a time axis and
/// with a running condition; plus the sentences the messy export lacks.
fn other_findings() -> Vec<Finding> {
    let n = 2000;
    let stopped = |i: usize| (i / 100) % 4 == 1 && i < 1900;
    let flow: Vec<f64> = noisy(40.0, 1.0, n, 3).into_iter().enumerate().map(|(i, v)| if stopped(i) { 0.0 } else { v }).collect();
    let current: Vec<f64> = noisy(12.0, 0.3, n, 4).into_iter().enumerate().map(|(i, v)| if stopped(i) { 0.0 } else { v }).collect();
    let minutes: Vec<i64> = (0..n as i64).collect();
    let units: HashMap<String, String> =
        [("flow", "m³/h"), ("current", "A"), ("valve", "%")].into_iter().map(|(a, b)| (a.into(), b.into())).collect();
    let mut valve = noisy(50.0, 5.0, n, 5);
    valve[30] = 104.0;
    valve[31] = f64::INFINITY;
    let mut pressure = noisy(1480.0, 2.0, n, 6);
    pressure[50] = 2500.0;
    // A stuck transmitter (its place is a row number where there is no time axis).
    pressure[1000..1050].fill(1480.0);
    let mut with_gaps: Vec<Option<f64>> = noisy(7.0, 0.1, n, 7).into_iter().map(Some).collect();
    for row in [3, 4, 5, 6] {
        with_gaps[row] = None;
    }
    let site = vec!["North"; n];
    let single: Vec<i64> = vec![0; n];
    let frame = DataFrame::new(
        n,
        vec![
            minutes_column("time", &minutes),
            Column::new("flow".into(), flow),
            Column::new("current".into(), current),
            Column::new("valve".into(), valve),
            Column::new("pressure".into(), pressure),
            Column::new("level".into(), with_gaps),
            Column::new("site".into(), site),
            Column::new("single".into(), single),
        ],
    )
    .unwrap();
    let status = [StatusTextCount { column: "level".into(), count: 2, rows: vec![3, 4] }];
    let mut t = QualityThresholds::default();
    t.limits.insert("pressure".into(), (0.0, 2000.0));
    let mut findings = assess_with(&frame, Some("time"), Some("single"), &status, &units, &t).findings;
    // Without a time axis: places are row numbers, and duplicates are whole rows.
    let mut no_time = frame.drop("time").unwrap();
    no_time = no_time.vstack(&no_time.slice(0, 3)).unwrap();
    findings.extend(assess_with(&no_time, None, None, &[], &units, &QualityThresholds::default()).findings);
    // The user's running condition decides the stops.
    let condition =
        QualityThresholds { running_condition: Some(Condition { column: "flow".into(), op: CompareOp::Gt, value: 5.0 }), ..Default::default() };
    findings.extend(assess_with(&frame, Some("time"), None, &[], &units, &condition).findings);
    // A weighted label.
    let label: Vec<i64> = (0..n).map(|i| i64::from(i % 50 == 0)).collect();
    let weights: Vec<f64> = (0..n).map(|i| if i % 50 == 0 { 1.0 } else { 0.01 }).collect();
    let weighted = DataFrame::new(n, vec![Column::new("fault".into(), label), Column::new("weight".into(), weights)]).unwrap();
    let input = QualityInput {
        frame: &weighted,
        timestamp_column: None,
        status_text: &[],
        units: &HashMap::new(),
        label_column: Some("fault"),
        label_weight_column: Some("weight"),
    };
    findings.extend(assess(&input, &QualityThresholds { label_warning_share: 0.9, ..Default::default() }).findings);
    findings
}

/// Checks that `args` fill exactly the variables of `key`'s sentence, recursively through the
/// phrases inside; records every key seen.
fn assert_fills(key: &str, args: &BTreeMap<String, MessageArg>, seen: &mut BTreeSet<String>) {
    if let Err(problem) = check_arguments("finding", key, args, seen) {
        panic!("{problem}");
    }
}

#[test]
fn every_finding_fills_the_arguments_its_sentence_uses_and_reads_in_both_languages() {
    let mut findings = messy_findings();
    findings.extend(other_findings());
    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    let mut seen = BTreeSet::new();
    for finding in &findings {
        assert_fills(&finding.message_key(), &finding.args, &mut seen);
        assert!(!finding.message.is_empty(), "{finding:?}");
        assert_eq!(finding.message, finding_text(&english, finding), "the English message is the catalogue's");
        let chinese_text = finding_text(&chinese, finding);
        assert_ne!(chinese_text, finding.message);
        assert!(chinese_text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{chinese_text}");
    }
    assert_eq!(english.fallback_count() + chinese.fallback_count(), 0, "{:?} {:?}", english.fallback_keys(), chinese.fallback_keys());

    let kinds: BTreeSet<FindingKind> = findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds.len(), 14, "every kind is covered: {kinds:?}");
    for key in [
        "finding-missing-besides-status-texts",
        "finding-duplicate-rows-without-time",
        "finding-constant-text",
        "finding-label-imbalance-single-class",
        "finding-label-imbalance-by-weight",
        "finding-unit-jump",
        "finding-place-row",
        "finding-out-of-range-sentinels",
        "finding-out-of-range-outside",
        "finding-out-of-range-invalid",
        "finding-range-configured",
        "finding-range-unit",
        "finding-shutdown-signals-zero",
        "finding-shutdown-condition-fails",
        "finding-shutdown-period",
        "finding-shutdown-period-rows",
        "finding-shutdown-more-times",
    ] {
        assert!(seen.contains(key), "no finding used {key}; seen: {seen:?}");
    }
    let shutdown = findings.iter().find(|f| f.kind == FindingKind::Shutdown).unwrap();
    assert!(shutdown.message.starts_with("Flow and motor current are both 0 from "), "{}", shutdown.message);
    assert!(finding_text(&chinese, shutdown).starts_with("流量和电机电流均为 0：从 "), "{}", finding_text(&chinese, shutdown));
}

#[test]
fn every_gate_check_fills_the_arguments_its_sentence_uses_and_reads_in_both_languages() {
    let findings = messy_findings();
    let report = QualityReport {
        rows: 3,
        columns: vec![ColumnProfile {
            name: "TI-101".into(),
            dtype: "f64".into(),
            unit: None,
            null_count: 1,
            status_text_count: 0,
            min: None,
            max: None,
            mean: None,
            std: None,
        }],
        timestamp_column: None,
        sampling_interval_s: None,
        import: ImportSettings {
            delimiter: ',',
            decimal: '.',
            encoding: "utf-8".into(),
            encoding_confidence: None,
            header_rows: 1,
            timestamp_column: None,
            timestamp_format: None,
            status_strings: Vec::new(),
            sheet: None,
            names: None,
            column_widths: None,
        },
        import_warnings: Vec::new(),
        import_warning_codes: Vec::new(),
        findings,
    };
    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    let mut seen = BTreeSet::new();
    for gate in [
        crate::clean::gate::evaluate(&report, &GateThresholds::default()),
        crate::clean::gate::evaluate(&QualityReport { findings: Vec::new(), columns: Vec::new(), ..report.clone() }, &GateThresholds::default()),
    ] {
        for check in &gate.checks {
            assert_fills(&check.message_key(), &check.args, &mut seen);
            assert_eq!(check.message, gate_check_text(&english, check));
            assert!(gate_check_text(&chinese, check).chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}", gate_check_text(&chinese, check));
        }
    }
    assert_eq!(english.fallback_count() + chinese.fallback_count(), 0, "{:?} {:?}", english.fallback_keys(), chinese.fallback_keys());
    assert_eq!(seen.len(), 15, "every check and the no-missing-cells sentence: {seen:?}");
    let rows = crate::clean::gate::evaluate(&report, &GateThresholds::default()).checks.into_iter().find(|c| c.name == "rows").unwrap();
    assert_eq!(rows.message, format!("3 rows; at least {} needed.", GateThresholds::default().min_rows));
}
