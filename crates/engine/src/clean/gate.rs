//! The quality gate: checks over the findings of the cleaned data, each with a threshold.

use plantlab_protocol::{message_args, FindingKind, GateCheck, GateResult, GateThresholds, MessageArg, QualityReport};

fn total(report: &QualityReport, kind: FindingKind) -> u64 {
    report.findings.iter().filter(|f| f.kind == kind).map(|f| f.count).sum()
}

fn columns_with(report: &QualityReport, kind: FindingKind) -> Vec<String> {
    report.findings.iter().filter(|f| f.kind == kind).filter_map(|f| f.column.clone()).collect()
}

/// A check that a count stays at or below its threshold, naming the columns it comes from.
fn at_most(name: &str, value: u64, threshold: u64, columns: &[String]) -> GateCheck {
    GateCheck {
        name: name.to_owned(),
        passed: value <= threshold,
        value: value as f64,
        threshold: threshold as f64,
        at_least: false,
        message: String::new(),
        variant: String::new(),
        args: message_args([
            ("value", value.into()),
            ("threshold", threshold.into()),
            ("columns", MessageArg::List(columns.iter().map(|c| c.as_str().into()).collect())),
            ("column-count", columns.len().into()),
        ]),
    }
}

/// Evaluates every check of the gate on a quality report.
pub fn evaluate(report: &QualityReport, t: &GateThresholds) -> GateResult {
    let rows = report.rows.max(1) as f64;
    // Missing share per column counts status texts too: both are cells without a reading.
    let worst = report
        .columns
        .iter()
        .filter(|c| Some(&c.name) != report.timestamp_column.as_ref())
        .map(|c| (c.null_count as f64 / rows, c.name.clone()))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let (share, worst_column) = worst.unwrap_or((0.0, String::new()));
    let mut checks = vec![GateCheck {
        name: "missing_share".into(),
        passed: share <= t.max_missing_share,
        value: share,
        threshold: t.max_missing_share,
        at_least: false,
        message: String::new(),
        variant: if share > 0.0 { String::new() } else { "none".into() },
        args: if share > 0.0 {
            message_args([
                ("threshold", MessageArg::Share(t.max_missing_share)),
                ("column", worst_column.into()),
                ("share", MessageArg::Share(share)),
            ])
        } else {
            Default::default()
        },
    }];
    // Each check's sentence is the catalogue's `gate-<name>`.
    let count_checks: [(&str, FindingKind, u64); 9] = [
        ("status_text", FindingKind::StatusText, t.max_status_text_cells),
        ("duplicate_rows", FindingKind::DuplicateRows, t.max_duplicate_rows),
        ("duplicate_timestamps", FindingKind::DuplicateTimestamps, t.max_duplicate_timestamps),
        ("unsorted_timestamps", FindingKind::UnsortedTimestamps, t.max_unsorted_timestamps),
        ("gaps", FindingKind::Gap, t.max_gaps),
        ("flatline_samples", FindingKind::Flatline, t.max_flatline_samples),
        ("spikes", FindingKind::Spike, t.max_spikes),
        ("out_of_range", FindingKind::OutOfRange, t.max_out_of_range),
        ("unit_jump_samples", FindingKind::UnitJump, t.max_unit_jump_samples),
    ];
    for (name, kind, threshold) in count_checks {
        checks.push(at_most(name, total(report, kind), threshold, &columns_with(report, kind)));
    }
    let constant = columns_with(report, FindingKind::Constant);
    checks.push(at_most("constant_columns", constant.len() as u64, t.max_constant_columns, &constant));
    let ids = columns_with(report, FindingKind::HighCardinality);
    checks.push(at_most("high_cardinality_columns", ids.len() as u64, t.max_high_cardinality_columns, &ids));
    let imbalanced = columns_with(report, FindingKind::LabelImbalance);
    checks.push(at_most("label_imbalance", imbalanced.len() as u64, t.max_imbalanced_labels, &imbalanced));
    checks.push(GateCheck {
        name: "rows".into(),
        passed: report.rows >= t.min_rows,
        value: report.rows as f64,
        threshold: t.min_rows as f64,
        at_least: true,
        message: String::new(),
        variant: String::new(),
        args: message_args([("value", report.rows.into()), ("threshold", t.min_rows.into())]),
    });
    // The English sentences come from the catalogue the edges word the checks from.
    plantlab_i18n::with_english(|english| {
        for check in &mut checks {
            check.message = plantlab_i18n::gate_check_text(english, check);
        }
    });
    GateResult { passed: checks.iter().all(|c| c.passed), checks }
}
