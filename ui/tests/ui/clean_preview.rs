//! Editing a step of the history previews it on the data as it was before that step: the
//! request names the step, and the pane shows what the step does there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::Queryable;
use plantlab_protocol::{
    CleanState, CleanStep, ColumnChange, ColumnInfo, ColumnKind, ColumnProfile, DatasetSummary, GateResult, GateThresholds, OutlierAction,
    OutlierMethod, PreviewSeries, QualityReport, RecipeStep, Series, StepOutcome, StepPreview, TaskEvent, TaskKind, TaskOutcome, XAxis,
};
use plantlab_ui::{Reply, Request};

use crate::common;

const ROWS: u64 = 10_000;

fn range_to_missing() -> CleanStep {
    CleanStep::Outliers {
        columns: vec!["flow".into()],
        method: OutlierMethod::Range { low: Some(0.0), high: Some(400.0), values: vec![] },
        action: OutlierAction::Null,
    }
}

fn despike() -> CleanStep {
    CleanStep::Outliers { columns: vec!["flow".into()], method: OutlierMethod::Hampel { window: 10, k: 5.0 }, action: OutlierAction::Null }
}

fn series(x_axis: XAxis) -> Series {
    let x: Vec<f64> = (0..100).map(|i| 1_790_812_800.0 + 60.0 * f64::from(i)).collect();
    Series {
        column: "flow".into(),
        x_axis,
        x_extent: Some((x[0], x[99])),
        x_range: None,
        y_min: vec![1.0; 100],
        y_max: vec![1.0; 100],
        x,
        source_rows: 100,
        decimated: false,
        marks: vec![],
    }
}

#[derive(Default)]
struct Engine;

type Fake = common::Fake<Engine>;

fn state() -> CleanState {
    let steps = vec![RecipeStep::new(range_to_missing()), RecipeStep::new(despike())];
    CleanState {
        rows_raw: ROWS,
        rows: ROWS,
        train_fraction: 0.7,
        outcomes: steps
            .iter()
            .enumerate()
            .map(|(index, s)| StepOutcome {
                index,
                op: "outliers".into(),
                description: if s.step == despike() { "Spikes in flow to missing".into() } else { "Values of flow outside 0..400 to missing".into() },
                step: None,
                enabled: true,
                rows_in: ROWS,
                rows_out: ROWS,
                cells_changed: 887,
                columns: vec!["flow".into()],
                error: None,
                elapsed_ms: 3.0,
            })
            .collect(),
        steps,
        can_undo: true,
        can_redo: false,
        report: QualityReport {
            rows: ROWS,
            columns: vec![ColumnProfile {
                name: "flow".into(),
                dtype: "f64".into(),
                unit: None,
                null_count: 887,
                status_text_count: 0,
                min: Some(0.0),
                max: Some(400.0),
                mean: Some(200.0),
                std: Some(20.0),
            }],
            timestamp_column: Some("time".into()),
            sampling_interval_s: Some(60.0),
            import: common::plain_csv_settings(),
            import_warnings: vec![],
            import_warning_codes: Vec::new(),
            findings: vec![],
        },
        suggestions: vec![],
        gate: GateResult { passed: true, checks: vec![] },
        gate_thresholds: GateThresholds::default(),
        label_column: None,
    }
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some("/data/pump.csv".into()))],
            Request::Load { path, .. } => {
                let summary = DatasetSummary {
                    path,
                    rows: ROWS,
                    columns: vec![ColumnInfo { name: "flow".into(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 887, unit: None }],
                    timestamp_column: Some("time".into()),
                    import: common::plain_csv_settings(),
                    warnings: vec![],
                    warning_codes: Vec::new(),
                };
                vec![
                    Reply::Task(TaskEvent::started(1, TaskKind::Load, "Loading")),
                    Reply::Task(TaskEvent::Finished { task: 1, outcome: TaskOutcome::Loaded(summary) }),
                ]
            }
            Request::CleanState => vec![Reply::CleanState(Box::new(state()))],
            // Like the engine: before step 1 the 887 readings are still there; on the cleaned
            // data there is nothing left for the step to change.
            Request::PreviewStep(preview) => {
                let changed = if preview.edit_index == Some(0) { 887 } else { 0 };
                vec![Reply::Preview(Box::new(StepPreview {
                    step: preview.step,
                    description: "Values of flow outside 0..400 to missing".into(),
                    rows_before: ROWS,
                    rows_after: ROWS,
                    columns: vec![ColumnChange {
                        column: "flow".into(),
                        cells_changed: changed,
                        nulls_before: 0,
                        nulls_after: changed,
                        added: false,
                        removed: false,
                    }],
                    findings: vec![],
                    series: vec![PreviewSeries {
                        column: "flow".into(),
                        before: series(XAxis::Time("time".into())),
                        after: series(XAxis::Time("time".into())),
                    }],
                    fitted: None,
                    elapsed_ms: 9.0,
                }))]
            }
            Request::EditStep { .. } => vec![Reply::CleanState(Box::new(state()))],
            _ => vec![],
        }
    }
}

#[test]
fn editing_an_earlier_step_previews_it_on_the_data_before_it() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness(fake.clone(), 1280.0, 800.0);
    common::open_file_and_go_to(&mut harness, "Clean");

    harness.query_all_by_label("Edit").next().unwrap().click();
    harness.run();
    harness.run();
    let asked = fake.borrow().sent.iter().rev().find_map(|r| match r {
        Request::PreviewStep(p) => Some(p.clone()),
        _ => None,
    });
    let asked = asked.expect("a preview was asked for");
    assert_eq!(asked.edit_index, Some(0), "the request names the step being edited");
    assert_eq!(asked.step, range_to_missing());
    harness.get_by_label("Editing step 1");
    harness.get_by_label("Compared with the data as it is before step 1.");
    harness.get_by_label("flow: 887 cells changed, missing 0 -> 887");
    assert!(harness.query_by_label("No cell changes.").is_none());

    // Saving replaces step 1.
    harness.get_by_label("Save changes").click();
    harness.run();
    assert!(fake.borrow().sent.iter().any(|r| matches!(r, Request::EditStep { index: 0, step } if *step == range_to_missing())));

    // The second step's editor asks about the data before step 2.
    harness.run();
    harness.query_all_by_label("Edit").nth(1).unwrap().click();
    harness.run();
    let last = fake.borrow().sent.iter().rev().find_map(|r| match r {
        Request::PreviewStep(p) => Some(p.edit_index),
        _ => None,
    });
    assert_eq!(last, Some(Some(1)));
}

#[test]
fn a_new_step_previews_on_the_cleaned_data() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness(fake.clone(), 1280.0, 800.0);
    common::open_file_and_go_to(&mut harness, "Clean");
    harness.get_by_label("Edit new step").click();
    harness.run();
    harness.run();
    let asked = fake.borrow().sent.iter().rev().find_map(|r| match r {
        Request::PreviewStep(p) => Some(p.edit_index),
        _ => None,
    });
    assert_eq!(asked, Some(None));
    harness.get_by_label("No cell changes.");
    assert!(harness.query_by_label_contains("Compared with the data as it is before step").is_none());
}
