//! The cleaning loop on the messy generator: suggested steps clear every planted finding and
//! the gate passes (it fails before); undo/redo round-trips; a recipe replays to an identical
//! frame and gives a new export of the same tags the same treatment.

use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use plantlab_engine::generate::{messy_series, ExportDialect, MessyOptions, Planted, GAP_ROWS, LABEL_COLUMN, STUCK_ROWS};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{
    CleanAction, CleanStep, CompareOp, Condition, FillMethod, FindingKind, ImportOverrides, OutlierAction, OutlierMethod, PreviewRequest, RecipeStep,
    TaskEvent, TaskOutcome, RECIPE_SCHEMA_VERSION,
};
use polars::prelude::*;

/// Room for a task's events; far more than one test sends, and a full queue makes the task wait.
const EVENTS_BOUND: usize = 4096;

fn write_messy(dir: &Path, name: &str, seed: u64, dialect: ExportDialect) -> (PathBuf, Vec<Planted>) {
    let (bytes, planted) = messy_series(&MessyOptions { seed, dialect, ..MessyOptions::default() });
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    (path, planted)
}

fn open(path: &Path) -> Workbench {
    let bench = Workbench::new();
    bench.load(path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    bench
}

fn job() -> JobContext {
    JobContext::detached()
}

/// The cleaned frame as the Data pane sees it now, for comparisons.
fn frame_of(bench: &Workbench, dir: &Path, name: &str) -> DataFrame {
    let path = dir.join(format!("{name}.parquet"));
    bench.export_cleaned(&path).unwrap();
    ParquetReader::new(std::fs::File::open(&path).unwrap()).finish().unwrap()
}

#[test]
fn suggested_steps_clear_every_planted_finding_and_the_gate_passes() {
    let dir = tempfile::tempdir().unwrap();
    for (name, dialect) in [("plain", ExportDialect::plain()), ("european", ExportDialect::european())] {
        let (path, planted) = write_messy(dir.path(), &format!("{name}.csv"), 42, dialect);
        let bench = open(&path);
        // The engineer names the fault column as the label, so its balance is checked too.
        let before = bench.clean(CleanAction::SetLabel { column: Some(LABEL_COLUMN.into()) }, &job()).unwrap();
        assert_eq!(before.label_column.as_deref(), Some(LABEL_COLUMN));
        assert!(!before.gate.passed, "{name}: the gate must fail on the raw export");
        assert!(before.report.findings.len() >= 10, "{name}: {:#?}", before.report.findings);
        let imbalance = before.gate.checks.iter().find(|c| c.name == "label_imbalance").unwrap();
        assert!(!imbalance.passed && imbalance.value == 1.0, "{imbalance:?}");
        // Every finding has a suggestion.
        for f in &before.report.findings {
            let has = before.suggestions.iter().any(|s| s.kind == f.kind && s.column == f.column);
            assert!(has, "{name}: no suggestion for {:?} {:?}", f.kind, f.column);
        }

        let after = bench.clean(CleanAction::ApplySuggestions, &job()).unwrap();
        let left: Vec<String> = after.report.findings.iter().map(|f| format!("{} {:?}: {}", f.kind.as_str(), f.column, f.message)).collect();
        // Only missing cells are left: the gap and the stuck run are longer than a fill may
        // bridge (a few sampling intervals), so nothing is invented there.
        assert!(
            after.report.findings.iter().all(|f| f.kind == FindingKind::Missing),
            "{name}: findings left after the suggested steps: {left:#?}\nsteps: {:#?}",
            after.outcomes
        );
        for p in planted.iter().filter(|p| !matches!(p.kind, FindingKind::Missing | FindingKind::StatusText)) {
            let still = after.report.findings.iter().any(|f| f.kind == p.kind && f.column == p.column);
            assert!(!still, "{name}: {:?} {:?} not cleared", p.kind, p.column);
        }
        let failed: Vec<_> = after.gate.checks.iter().filter(|c| !c.passed).collect();
        assert!(after.gate.passed, "{name}: gate fails: {failed:#?}");
        // The fault label is balanced by fitted class weights (a column), not by dropping rows.
        let weighting = after.steps.iter().find(|s| matches!(&s.step, CleanStep::WeightClasses { label, .. } if label == LABEL_COLUMN));
        let weights = weighting.and_then(|s| s.fitted.clone()).map(|f| f.class_weights).unwrap_or_default();
        assert_eq!(weights.len(), 2, "{name}: {weights:?}");
        assert!(weights["1"] > 5.0 * weights["0"], "{name}: {weights:?}");
        assert!(after.outcomes.iter().all(|o| o.error.is_none()), "{:#?}", after.outcomes);
        assert!(after.suggestions.is_empty(), "{name}: {:#?}", after.suggestions);
        // The Data pane now shows the cleaned data: a regular one-minute grid, missing cells
        // only where the gap was (and, for the flow, its stuck run).
        let summary = bench.summary().unwrap();
        assert_eq!(summary.rows, after.rows);
        for c in &summary.columns {
            let most = if c.name == "FI-301 Flow" { GAP_ROWS + STUCK_ROWS } else { GAP_ROWS };
            assert!(c.null_count as usize <= most, "{name}: {:#?}", summary.columns);
        }
        assert_eq!(bench.report().unwrap().sampling_interval_s, Some(60.0));
    }
}

#[test]
fn undo_and_redo_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_messy(dir.path(), "m.csv", 7, ExportDialect::plain());
    let bench = open(&path);
    let raw = frame_of(&bench, dir.path(), "raw");
    let s0 = bench.clean_state().unwrap();
    assert!(!s0.can_undo && !s0.can_redo);

    bench.clean(CleanAction::Apply { step: CleanStep::SortByTime }, &job()).unwrap();
    let sorted = frame_of(&bench, dir.path(), "sorted");
    let s2 = bench.clean(CleanAction::Apply { step: CleanStep::DropDuplicateRows }, &job()).unwrap();
    assert_eq!(s2.steps.len(), 2);
    assert!(s2.rows < s0.rows);
    let deduped = frame_of(&bench, dir.path(), "deduped");

    let u1 = bench.clean(CleanAction::Undo, &job()).unwrap();
    assert_eq!(u1.steps.len(), 1);
    assert!(u1.can_redo);
    assert!(frame_of(&bench, dir.path(), "u1").equals_missing(&sorted));
    let u0 = bench.clean(CleanAction::Undo, &job()).unwrap();
    assert!(u0.steps.is_empty() && !u0.can_undo);
    assert!(frame_of(&bench, dir.path(), "u0").equals_missing(&raw));
    assert_eq!(u0.report.findings, s0.report.findings, "the report returns too");
    assert_eq!(bench.clean(CleanAction::Undo, &job()).err().map(|e| e.code()), Some("clean_history"));

    bench.clean(CleanAction::Redo, &job()).unwrap();
    let r2 = bench.clean(CleanAction::Redo, &job()).unwrap();
    assert_eq!(r2.steps, s2.steps);
    assert!(!r2.can_redo);
    assert!(frame_of(&bench, dir.path(), "r2").equals_missing(&deduped));

    // A new change clears the redo stack.
    bench.clean(CleanAction::Undo, &job()).unwrap();
    let changed = bench.clean(CleanAction::Apply { step: CleanStep::Drop { columns: vec!["Sample ID".into()] } }, &job()).unwrap();
    assert!(!changed.can_redo);
}

#[test]
fn history_steps_can_be_disabled_edited_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_messy(dir.path(), "m.csv", 3, ExportDialect::plain());
    let bench = open(&path);
    let flow = "FI-301 Flow".to_owned();
    bench.clean(CleanAction::Apply { step: CleanStep::SortByTime }, &job()).unwrap();
    bench.clean(CleanAction::Apply { step: CleanStep::Fill { columns: vec![flow.clone()], method: FillMethod::Median } }, &job()).unwrap();
    let state = bench.clean(CleanAction::Apply { step: CleanStep::Drop { columns: vec!["UI-900 Line".into()] } }, &job()).unwrap();
    let fitted = state.steps[1].fitted.clone().expect("the median is fitted when the step is added");
    assert!(fitted.columns[&flow].median.is_some());
    let flow_nulls = |bench: &Workbench| bench.summary().unwrap().columns.iter().find(|c| c.name == flow).unwrap().null_count;
    assert_eq!(flow_nulls(&bench), 0);

    let disabled = bench.clean(CleanAction::SetEnabled { index: 1, enabled: false }, &job()).unwrap();
    assert!(!disabled.outcomes[1].enabled);
    assert!(flow_nulls(&bench) > 0, "with the fill disabled the gaps are back");
    assert!(disabled.report.columns.iter().all(|c| c.name != "UI-900 Line"), "the later step still applies");
    bench.clean(CleanAction::SetEnabled { index: 1, enabled: true }, &job()).unwrap();
    assert_eq!(flow_nulls(&bench), 0);

    // Editing a step to name a missing column: the step reports a clear error and is skipped.
    let edited = bench.clean(CleanAction::Edit { index: 2, step: CleanStep::Drop { columns: vec!["No such tag".into()] } }, &job()).unwrap();
    let error = edited.outcomes[2].error.clone().expect("a step naming a missing column fails");
    assert_eq!(error.code, "bad_step");
    assert!(error.message.contains("No such tag"), "{}", error.message);
    let removed = bench.clean(CleanAction::Remove { index: 2 }, &job()).unwrap();
    assert_eq!(removed.steps.len(), 2);
    assert_eq!(bench.clean(CleanAction::Remove { index: 5 }, &job()).err().map(|e| e.code()), Some("clean_history"));
    // Adding a step that names a missing column is refused outright.
    let refused = bench.clean(CleanAction::Apply { step: CleanStep::FlatlineToNull { columns: vec!["nope".into()], min_run: 5 } }, &job());
    assert_eq!(refused.err().map(|e| e.code()), Some("bad_step"));
}

#[test]
fn replaying_a_recipe_gives_an_identical_frame_and_the_same_treatment_on_a_new_export() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_messy(dir.path(), "m.csv", 42, ExportDialect::plain());
    let bench = open(&path);
    bench.clean(CleanAction::ApplySuggestions, &job()).unwrap();
    bench
        .clean(
            CleanAction::Apply {
                step: CleanStep::Outliers {
                    columns: vec!["TI-101 Bearing temp".into()],
                    method: OutlierMethod::Iqr { k: 3.0 },
                    action: OutlierAction::Clip,
                },
            },
            &job(),
        )
        .unwrap();
    let cleaned = frame_of(&bench, dir.path(), "first");
    let recipe_path = dir.path().join("recipe.json");
    bench.save_recipe(&recipe_path).unwrap();
    let text = std::fs::read_to_string(&recipe_path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["schema_version"], RECIPE_SCHEMA_VERSION);
    assert_eq!(json["train_fraction"], 0.7);
    assert!(json["import"]["timestamp_column"].is_string());
    assert!(text.contains("\"fitted\""), "fitted statistics are stored");

    // Same export, fresh workbench: identical frame.
    let again = Workbench::new();
    let summary = again.apply_recipe_file(&path, &recipe_path, None, &job()).unwrap();
    assert!(summary.gate.passed);
    assert!(frame_of(&again, dir.path(), "second").equals_missing(&cleaned), "replay must give an identical frame");
    // Loading the recipe onto data that is already open does the same.
    let third = open(&path);
    third.load_recipe(&recipe_path, &job()).unwrap();
    assert!(frame_of(&third, dir.path(), "third").equals_missing(&cleaned));

    // A new export of the same tags (another seed, another dialect): the same steps run with
    // the stored statistics, not refitted on the new data.
    let (other, _) = write_messy(dir.path(), "other.csv", 43, ExportDialect::plain());
    let fresh = Workbench::new();
    let summary = fresh.apply_recipe_file(&other, &recipe_path, Some(&dir.path().join("other_clean.csv")), &job()).unwrap();
    assert_eq!(summary.steps.len(), bench.clean_state().unwrap().steps.len());
    assert!(summary.steps.iter().all(|s| s.error.is_none()), "{:#?}", summary.steps);
    let replayed = fresh.clean_recipe().unwrap();
    let original: plantlab_protocol::Recipe = serde_json::from_str(&text).unwrap();
    let fitted = |r: &[RecipeStep]| r.iter().map(|s| s.fitted.clone()).collect::<Vec<_>>();
    assert_eq!(fitted(&replayed.steps), fitted(&original.steps), "statistics are never refitted on new data");
    // The CSV export reads back with the same shape.
    let back = Workbench::new().load(&dir.path().join("other_clean.csv"), &ImportOverrides::default(), &job()).unwrap();
    assert_eq!(back.rows, summary.rows_out);
}

#[test]
fn corrupt_and_newer_recipes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_messy(dir.path(), "m.csv", 1, ExportDialect::plain());
    let bench = open(&path);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": 1, \"steps\": [").unwrap();
    let err = bench.load_recipe(&bad, &job()).err().unwrap();
    assert_eq!(err.code(), "bad_recipe");
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, "{\"schema_version\": 2, \"steps\": []}").unwrap();
    let err = bench.load_recipe(&newer, &job()).err().unwrap();
    assert_eq!(err.code(), "recipe_version");
    assert!(err.to_string().contains("version 2"), "{err}");
    let unknown_op = dir.path().join("op.json");
    let recipe = bench.clean_recipe().unwrap();
    let mut json = serde_json::to_value(&recipe).unwrap();
    json["steps"] = serde_json::json!([{"step": {"op": "levitate"}}]);
    std::fs::write(&unknown_op, json.to_string()).unwrap();
    assert_eq!(bench.load_recipe(&unknown_op, &job()).err().map(|e| e.code()), Some("bad_recipe"));
    // A failed load leaves the history as it was.
    assert!(bench.clean_state().unwrap().steps.is_empty());
}

#[test]
fn preview_shows_changes_without_applying_them() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_messy(dir.path(), "m.csv", 42, ExportDialect::plain());
    let bench = open(&path);
    let state = bench.clean_state().unwrap();
    let spike = state.suggestions.iter().find(|s| s.kind == FindingKind::Spike).expect("a spike suggestion").clone();
    let preview = bench.clean_preview(&PreviewRequest { step: spike.step.clone(), max_points: 500, max_series: 4, edit_index: None }).unwrap();
    assert_eq!(preview.rows_before, preview.rows_after);
    let column = spike.column.clone().unwrap();
    let change = preview.columns.iter().find(|c| c.column == column).unwrap();
    assert!(change.cells_changed >= 4, "{change:?}");
    assert_eq!(change.nulls_after, change.nulls_before + change.cells_changed);
    assert!(preview.resolved().any(|d| d.kind == FindingKind::Spike), "{:#?}", preview.findings);
    assert!(preview.introduced().count() == 0 || preview.findings.iter().any(|d| d.kind == FindingKind::Missing));
    assert_eq!(preview.series.len(), 1);
    assert_eq!(preview.series[0].column, column);
    assert!(preview.series[0].before.x.len() <= 500);
    assert!(bench.clean_state().unwrap().steps.is_empty(), "a preview applies nothing");

    // A row step previews rows removed and the findings of the whole table.
    let preview =
        bench.clean_preview(&PreviewRequest { step: CleanStep::DropDuplicateRows, max_points: 100, max_series: 2, edit_index: None }).unwrap();
    assert_eq!(preview.rows_before - preview.rows_after, 4);
    assert!(preview.resolved().any(|d| d.kind == FindingKind::DuplicateRows));

    // Excluding periods: rows where the pump is off go.
    let off = CleanStep::ExcludePeriods { condition: Condition { column: "FI-301 Flow".into(), op: CompareOp::Lt, value: 115.0 }, pad_s: 0.0 };
    let preview = bench.clean_preview(&PreviewRequest { step: off, max_points: 100, max_series: 1, edit_index: None }).unwrap();
    assert!(preview.rows_after < preview.rows_before);
}

#[test]
fn a_recipe_replays_on_the_task_runner_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_messy(dir.path(), "m.csv", 42, ExportDialect::plain());
    let bench = open(&path);
    bench.clean(CleanAction::ApplySuggestions, &job()).unwrap();
    let recipe = dir.path().join("r.json");
    bench.save_recipe(&recipe).unwrap();
    let other = open(&path);
    let (tx, rx) = sync_channel(EVENTS_BOUND);
    other.start_load_recipe(recipe, move |e| tx.send(e).unwrap()).unwrap();
    let events: Vec<TaskEvent> = rx.iter().collect();
    match events.last() {
        Some(TaskEvent::Finished { outcome: TaskOutcome::Cleaned(summary), .. }) => assert!(summary.gate.passed, "{:#?}", summary.gate),
        other => panic!("unexpected end {other:?}"),
    }
    assert!(other.clean_state().unwrap().gate.passed);
}

#[test]
fn gate_thresholds_are_editable_and_every_check_reports_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_messy(dir.path(), "m.csv", 42, ExportDialect::plain());
    let bench = open(&path);
    let gate = bench.clean_gate().unwrap();
    let spikes = gate.checks.iter().find(|c| c.name == "spikes").unwrap();
    assert!(!spikes.passed && spikes.value >= 4.0 && spikes.threshold == 0.0, "{spikes:?}");
    assert!(spikes.message.contains("PI-204"), "{}", spikes.message);
    let names: Vec<&str> = gate.checks.iter().map(|c| c.name.as_str()).collect();
    // Every check, in the order the protocol publishes them.
    assert_eq!(names, plantlab_protocol::GATE_CHECKS, "the gate's checks");
    // Loosen every count threshold: the gate passes without cleaning.
    let loose = plantlab_protocol::GateThresholds {
        max_missing_share: 1.0,
        max_status_text_cells: 1000,
        max_duplicate_rows: 1000,
        max_duplicate_timestamps: 1000,
        max_unsorted_timestamps: 1000,
        max_gaps: 1000,
        max_flatline_samples: 1000,
        max_spikes: 1000,
        max_out_of_range: 1000,
        max_unit_jump_samples: 1000,
        max_constant_columns: 10,
        max_high_cardinality_columns: 10,
        max_imbalanced_labels: 10,
        min_rows: 1,
    };
    assert!(bench.set_gate_thresholds(loose.clone()).unwrap().passed);
    assert_eq!(bench.clean_state().unwrap().gate_thresholds, loose);
}

#[test]
fn recipes_replay_identically_in_other_export_dialects() {
    let dir = tempfile::tempdir().unwrap();
    for (name, dialect) in
        [("european", ExportDialect::european()), ("excel_unicode", ExportDialect::excel_unicode()), ("legacy", ExportDialect::legacy_windows())]
    {
        let (path, _) = write_messy(dir.path(), &format!("{name}.csv"), 5, dialect);
        let bench = open(&path);
        let state = bench.clean(CleanAction::ApplySuggestions, &job()).unwrap();
        assert!(state.gate.passed, "{name}: {:#?}", state.gate.checks.iter().filter(|c| !c.passed).collect::<Vec<_>>());
        let cleaned = frame_of(&bench, dir.path(), &format!("{name}_a"));
        let recipe = dir.path().join(format!("{name}.json"));
        bench.save_recipe(&recipe).unwrap();
        let again = Workbench::new();
        let summary = again.apply_recipe_file(&path, &recipe, None, &job()).unwrap();
        assert!(summary.gate.passed, "{name}");
        assert!(frame_of(&again, dir.path(), &format!("{name}_b")).equals_missing(&cleaned), "{name}: replay differs");
    }
}

// ----- a month of a pump station: suggestions that respect plant physics ----------------------

/// Milliseconds per row of a frame's time column.
fn times_of(frame: &DataFrame) -> Vec<i64> {
    let ts = frame.column("Timestamp").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
    ts.cast(&DataType::Int64).unwrap().i64().unwrap().iter().map(|t| t.unwrap()).collect()
}

fn floats_of(frame: &DataFrame, name: &str) -> Vec<Option<f64>> {
    frame.column(name).unwrap().cast(&DataType::Float64).unwrap().f64().unwrap().iter().collect()
}

/// The columns a step changes values in (`None`: whole rows).
fn value_columns(step: &CleanStep) -> Vec<String> {
    match step {
        CleanStep::Fill { columns, .. }
        | CleanStep::Outliers { columns, .. }
        | CleanStep::FlatlineToNull { columns, .. }
        | CleanStep::Drop { columns } => columns.clone(),
        CleanStep::ConvertUnit { column, .. } | CleanStep::Cast { column, .. } => vec![column.clone()],
        _ => Vec::new(),
    }
}

#[test]
fn suggestions_on_a_pump_station_month_exclude_stops_and_invent_no_data() {
    use plantlab_engine::generate::{pump_station, pump_station_month};
    let dir = tempfile::tempdir().unwrap();
    let (bytes, truth) = pump_station_month(17);
    let path = dir.path().join("pump_station.csv");
    std::fs::write(&path, bytes).unwrap();
    let bench = open(&path);
    let raw = frame_of(&bench, dir.path(), "raw");
    assert_eq!(raw.height(), truth.rows);
    let label = pump_station::LABEL;
    let before = bench.clean(CleanAction::SetLabel { column: Some(label.into()) }, &job()).unwrap();
    assert!(!before.gate.passed);
    let findings = |kind: FindingKind| before.report.findings.iter().filter(move |f| f.kind == kind);

    // The stops are reported as what they are, not as stuck flow, current and speed.
    for tag in [pump_station::FLOW, pump_station::CURRENT, pump_station::SPEED] {
        assert!(!findings(FindingKind::Flatline).any(|f| f.column.as_deref() == Some(tag)), "{tag}: {:#?}", before.report.findings);
    }
    let shutdown = findings(FindingKind::Shutdown).next().unwrap_or_else(|| panic!("{:#?}", before.report.findings));
    let stopped_minutes: i64 = truth.stops.iter().map(|s| (s.to_ms - s.from_ms) / 60_000 + 1).sum();
    assert_eq!(shutdown.count as i64, stopped_minutes, "{}", shutdown.message);
    // The stuck transmitter, frozen while the pump runs, is still a flatline.
    let stuck = findings(FindingKind::Flatline).find(|f| f.column.as_deref() == Some(truth.stuck_column)).expect("the stuck transmitter");
    assert_eq!(stuck.count, 240, "{}", stuck.message);

    // The suggestion excludes the stops, and says what happened, with times.
    let stop = before.suggestions.iter().find(|s| s.kind == FindingKind::Shutdown).expect("a suggestion for the stops");
    match &stop.step {
        CleanStep::ExcludePeriods { condition, pad_s } => {
            assert_eq!((condition.column.as_str(), condition.op), (pump_station::FLOW, CompareOp::Lt));
            assert!(condition.value > 0.0 && condition.value < 20.0, "{condition:?}");
            assert_eq!(*pad_s, 300.0);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        stop.reason.starts_with("Flow, motor current and speed are all 0 from 5 Oct 02:00 for 3 h, from 11 Oct 06:00 for 5 h, from 24 Oct 16:00 for 4 h and once more: the pump was stopped"),
        "{}",
        stop.reason
    );
    // No suggestion changes the label's values.
    for s in &before.suggestions {
        assert!(!value_columns(&s.step).iter().any(|c| c == label), "{s:#?}");
    }

    let after = bench.clean(CleanAction::ApplySuggestions, &job()).unwrap();
    let failed: Vec<_> = after.gate.checks.iter().filter(|c| !c.passed).collect();
    assert!(after.gate.passed, "gate fails: {failed:#?}\nsteps: {:#?}\nfindings: {:#?}", after.outcomes, after.report.findings);
    assert!(after.outcomes.iter().all(|o| o.error.is_none()), "{:#?}", after.outcomes);
    let steps: Vec<&CleanStep> = after.steps.iter().map(|s| &s.step).collect();
    assert!(steps.iter().any(|s| matches!(s, CleanStep::ExcludePeriods { .. })), "{steps:#?}");
    assert!(
        steps.iter().any(|s| matches!(s, CleanStep::FlatlineToNull { columns, .. } if columns == &vec![truth.stuck_column.to_owned()])),
        "{steps:#?}"
    );
    for s in &steps {
        assert!(!value_columns(s).iter().any(|c| c == label), "the label is never changed: {s:#?}");
        if let CleanStep::Fill { method, .. } = s {
            // Fill limits are in time: a few one-minute intervals.
            assert!(
                matches!(method, FillMethod::InterpolateWithin { max_gap_s } | FillMethod::ForwardWithin { max_gap_s } if *max_gap_s <= 300.0),
                "{method:?}"
            );
        }
        if let CleanStep::Resample { max_columns, .. } = s {
            assert_eq!(max_columns, &vec![label.to_owned()], "the label takes the maximum of an interval");
        }
    }

    // Cell by cell against the raw export.
    let cleaned = frame_of(&bench, dir.path(), "cleaned");
    let raw_times = times_of(&raw);
    let mut raw_rows: std::collections::HashMap<i64, Vec<usize>> = std::collections::HashMap::new();
    for (row, t) in raw_times.iter().enumerate() {
        raw_rows.entry(*t).or_default().push(row);
    }
    let times = times_of(&cleaned);
    let in_stop = |t: i64| truth.stops.iter().any(|s| s.contains(t));
    let raw_label: Vec<Option<i64>> = raw.column(label).unwrap().i64().unwrap().iter().collect();
    let label_values: Vec<Option<i64>> = cleaned.column(label).unwrap().i64().unwrap().iter().collect();
    for (row, &t) in times.iter().enumerate() {
        // The label is bit for bit what the export says at that time; rows the export does
        // not have (the gap, made visible by the resample) hold no label.
        match raw_rows.get(&t) {
            Some(sources) => assert!(sources.iter().any(|&r| raw_label[r] == label_values[row]), "label changed at {t}: {:?}", label_values[row]),
            None => assert_eq!(label_values[row], None, "a label invented at {t}"),
        }
    }
    let mut stop_rows_kept = 0;
    for tag in &pump_station::COLUMNS[..6] {
        let raw_values = floats_of(&raw, tag);
        let values = floats_of(&cleaned, tag);
        let original =
            |row: usize| raw_rows.get(&times[row]).map(|rs| rs.iter().filter_map(|&r| raw_values[r]).collect::<Vec<f64>>()).unwrap_or_default();
        let mut row = 0;
        while row < values.len() {
            // No shutdown minute holds an invented value.
            if in_stop(times[row]) {
                stop_rows_kept += 1;
                assert!(
                    values[row].is_none() || original(row).contains(&values[row].unwrap_or(f64::NAN)),
                    "{tag}: invented value in a stop at {}",
                    times[row]
                );
            }
            // A run of cells with no reading in the export that now hold values was filled:
            // the readings either side are at most the fill limit apart.
            if values[row].is_some() && original(row).is_empty() {
                let start = row;
                while row < values.len() && values[row].is_some() && original(row).is_empty() {
                    row += 1;
                }
                let (left, right) = (start.checked_sub(1).map(|r| times[r]), times.get(row).copied());
                let bridged = match (left, right) {
                    (Some(a), Some(b)) => b - a,
                    (Some(a), None) => times[row - 1] - a,
                    (None, Some(b)) => b - times[start],
                    (None, None) => i64::MAX,
                };
                assert!(bridged <= 300_000, "{tag}: a fill bridges {} s at {}", bridged / 1000, times[start]);
                continue;
            }
            row += 1;
        }
    }
    assert_eq!(stop_rows_kept, 0, "the stops are excluded");
    // The communication gap and the stuck run are longer than the limit: they stay missing.
    let gap_rows: Vec<usize> = (0..times.len()).filter(|&r| truth.communication_gap.contains(times[r])).collect();
    assert_eq!(gap_rows.len(), 120);
    assert!(gap_rows.iter().all(|&r| floats_of(&cleaned, pump_station::FLOW)[r].is_none()));
    let pressure = floats_of(&cleaned, truth.stuck_column);
    let stuck_rows: Vec<usize> = (0..times.len()).filter(|&r| truth.stuck.contains(times[r])).collect();
    assert_eq!(stuck_rows.len(), 240);
    assert!(stuck_rows.iter().all(|&r| pressure[r].is_none()), "the stuck readings stay missing");

    // The recipe round-trips with its time limits, and replays to the same frame.
    let recipe = dir.path().join("pump.json");
    bench.save_recipe(&recipe).unwrap();
    let again = Workbench::new();
    let summary = again.apply_recipe_file(&path, &recipe, None, &job()).unwrap();
    assert!(summary.gate.passed);
    assert!(frame_of(&again, dir.path(), "again").equals_missing(&cleaned));
}

#[test]
fn recipes_with_fill_limits_in_samples_still_load() {
    let old = r#"{"step": {"op": "fill", "columns": ["FI-301 Flow"], "method": {"kind": "interpolate", "limit": 600}}}"#;
    let step: RecipeStep = serde_json::from_str(old).unwrap();
    assert_eq!(step.step, CleanStep::Fill { columns: vec!["FI-301 Flow".into()], method: FillMethod::Interpolate { limit: Some(600) } });
    let new = CleanStep::Fill { columns: vec!["a".into()], method: FillMethod::InterpolateWithin { max_gap_s: 300.0 } };
    let json = serde_json::to_string(&new).unwrap();
    assert!(json.contains(r#""kind":"interpolate_within","max_gap_s":300.0"#), "{json}");
    assert_eq!(serde_json::from_str::<CleanStep>(&json).unwrap(), new);
    let old_resample: CleanStep = serde_json::from_str(r#"{"op": "resample", "interval_s": 60.0, "aggregate": "mean"}"#).unwrap();
    assert_eq!(old_resample, CleanStep::Resample { interval_s: 60.0, aggregate: plantlab_protocol::Aggregate::Mean, max_columns: Vec::new() });
}

#[test]
fn models_train_on_the_cleaned_pump_station_with_the_gaps_it_leaves() {
    use plantlab_engine::generate::{pump_station, pump_station_month};
    use plantlab_protocol::{ModelKind, RunStatus, TrainConfig};
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _) = pump_station_month(3);
    let path = dir.path().join("pump_station.csv");
    std::fs::write(&path, bytes).unwrap();
    let bench = Workbench::with_runs_root(dir.path().join("runs"));
    bench.load(&path, &ImportOverrides::default(), &job()).unwrap();
    bench.clean(CleanAction::SetLabel { column: Some(pump_station::LABEL.into()) }, &job()).unwrap();
    let state = bench.clean(CleanAction::ApplySuggestions, &job()).unwrap();
    assert!(state.gate.passed);
    assert!(state.report.columns.iter().any(|c| c.null_count > 0), "the gap and the stuck run stay missing");
    // Missing inputs become the null token (tokens) or the training mean (MLP): the loss stays
    // a number; rows without a label are left out.
    for model in [ModelKind::Mlp, ModelKind::Seed] {
        let config = TrainConfig { target: pump_station::LABEL.into(), model, epochs: 1, ..TrainConfig::default() };
        let summary = bench.train(&config, &job(), &mut |_| {}).unwrap();
        assert_eq!(summary.status, RunStatus::Completed, "{model:?}: {}", summary.message);
        let loss = summary.test.as_ref().and_then(|t| t.loss);
        assert!(loss.is_some_and(f64::is_finite), "{model:?}: {summary:?}");
    }
}

/// Requests that arrive while a change runs (the UI asks for the state, previews, pages and the
/// report whenever it likes) must wait for the change and see its result, never take the data
/// set of before the change for a newly opened file and start the history afresh.
#[test]
fn requests_during_changes_never_restart_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_messy(dir.path(), "messy.csv", 11, ExportDialect::plain());
    let bench = open(&path);
    bench.clean(CleanAction::SetLabel { column: Some(LABEL_COLUMN.into()) }, &job()).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut counts = Vec::new();
    let steps = [CleanStep::SortByTime, CleanStep::DropDuplicateRows, CleanStep::SortByTime, CleanStep::DropDuplicateRows, CleanStep::SortByTime];
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    bench.clean_state().unwrap();
                }
            });
        }
        // Counted here and checked once the requesting threads have stopped.
        for step in &steps {
            let state = bench.clean(CleanAction::Apply { step: step.clone() }, &job());
            counts.push(state.map(|s| s.steps.len()));
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let counts: Vec<usize> = counts.into_iter().map(Result::unwrap).collect();
    assert_eq!(counts, (1..=steps.len()).collect::<Vec<_>>(), "steps in the history after each change");
    let state = bench.clean_state().unwrap();
    assert_eq!(state.steps.len(), steps.len());
    assert_eq!(state.label_column.as_deref(), Some(LABEL_COLUMN));
}

/// The pump-station month kept in sample-data (the desktop test and a user's first try open it)
/// is exactly what the generator writes, so what the tests check on one holds for the other.
#[test]
fn the_kept_pump_station_export_is_the_generators() {
    let kept = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data/pump-station-2023-10.csv");
    let kept = std::fs::read(&kept).unwrap();
    assert!(kept == plantlab_engine::generate::pump_station_month(17).0, "sample-data/pump-station-2023-10.csv differs from the generator's output");
}
