//! The quality gate: checks over the findings of the cleaned data, each with a threshold.

use plantlab_protocol::{FindingKind, GateCheck, GateResult, GateThresholds, QualityReport};

fn total(report: &QualityReport, kind: FindingKind) -> u64 {
    report.findings.iter().filter(|f| f.kind == kind).map(|f| f.count).sum()
}

fn columns_with(report: &QualityReport, kind: FindingKind) -> Vec<String> {
    report.findings.iter().filter(|f| f.kind == kind).filter_map(|f| f.column.clone()).collect()
}

fn at_most(name: &str, value: u64, threshold: u64, what: &str, columns: &[String]) -> GateCheck {
    let worst = if columns.is_empty() { String::new() } else { format!(" ({})", columns.join(", ")) };
    GateCheck {
        name: name.to_owned(),
        passed: value <= threshold,
        value: value as f64,
        threshold: threshold as f64,
        at_least: false,
        message: format!("{value} {what}{worst}; at most {threshold} allowed."),
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
        message: if share > 0.0 {
            format!("At most {:.2} % of a column's cells may be missing; {worst_column} has {:.2} %.", t.max_missing_share * 100.0, share * 100.0)
        } else {
            "No column has missing cells.".into()
        },
    }];
    let count_checks: [(&str, FindingKind, u64, &str); 9] = [
        ("status_text", FindingKind::StatusText, t.max_status_text_cells, "status-text cells left"),
        ("duplicate_rows", FindingKind::DuplicateRows, t.max_duplicate_rows, "duplicate rows"),
        ("duplicate_timestamps", FindingKind::DuplicateTimestamps, t.max_duplicate_timestamps, "rows repeating a timestamp"),
        ("unsorted_timestamps", FindingKind::UnsortedTimestamps, t.max_unsorted_timestamps, "places where time goes backwards"),
        ("gaps", FindingKind::Gap, t.max_gaps, "gaps in the time axis"),
        ("flatline_samples", FindingKind::Flatline, t.max_flatline_samples, "samples in stuck runs"),
        ("spikes", FindingKind::Spike, t.max_spikes, "spike samples"),
        ("out_of_range", FindingKind::OutOfRange, t.max_out_of_range, "implausible values"),
        ("unit_jump_samples", FindingKind::UnitJump, t.max_unit_jump_samples, "samples in another unit"),
    ];
    for (name, kind, threshold, what) in count_checks {
        checks.push(at_most(name, total(report, kind), threshold, what, &columns_with(report, kind)));
    }
    let constant = columns_with(report, FindingKind::Constant);
    checks.push(at_most("constant_columns", constant.len() as u64, t.max_constant_columns, "constant columns", &constant));
    let ids = columns_with(report, FindingKind::HighCardinality);
    checks.push(at_most("high_cardinality_columns", ids.len() as u64, t.max_high_cardinality_columns, "identifier-like text columns", &ids));
    let imbalanced = columns_with(report, FindingKind::LabelImbalance);
    checks.push(at_most("label_imbalance", imbalanced.len() as u64, t.max_imbalanced_labels, "imbalanced labels without class weights", &imbalanced));
    checks.push(GateCheck {
        name: "rows".into(),
        passed: report.rows >= t.min_rows,
        value: report.rows as f64,
        threshold: t.min_rows as f64,
        at_least: true,
        message: format!("{} rows; at least {} needed.", report.rows, t.min_rows),
    });
    GateResult { passed: checks.iter().all(|c| c.passed), checks }
}
