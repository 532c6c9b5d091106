//! The step editor shows named choices: a step is edited through drop-downs (the outlier rule,
//! what happens to outliers, the columns it works on), numbers show their unit and the range
//! the engine accepts, and the step previewed is the one the choices describe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_protocol::{
    CleanState, CleanStep, ColumnInfo, ColumnKind, ColumnProfile, DatasetSummary, FillMethod, GateResult, GateThresholds, OutlierAction,
    OutlierMethod, QualityReport, StepPreview, TaskEvent, TaskOutcome, MAX_HAMPEL_WINDOW,
};
use plantlab_ui::{PlantLabApp, Reply, Request};

use crate::common;

const ROWS: u64 = 500;
const COLUMNS: [&str; 3] = ["flow", "pressure", "temp"];

#[derive(Default)]
struct Engine;

type Fake = common::Fake<Engine>;

fn state() -> CleanState {
    let profile = |name: &str| ColumnProfile {
        name: name.into(),
        dtype: "f64".into(),
        unit: None,
        null_count: 0,
        status_text_count: 0,
        min: Some(0.0),
        max: Some(10.0),
        mean: Some(5.0),
        std: Some(1.0),
    };
    CleanState {
        rows_raw: ROWS,
        rows: ROWS,
        train_fraction: 0.7,
        steps: vec![],
        outcomes: vec![],
        can_undo: false,
        can_redo: false,
        report: QualityReport {
            rows: ROWS,
            columns: COLUMNS.iter().map(|c| profile(c)).collect(),
            timestamp_column: None,
            sampling_interval_s: None,
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
                let column = |name: &str| ColumnInfo { name: name.into(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 0, unit: None };
                let summary = DatasetSummary {
                    path,
                    rows: ROWS,
                    columns: COLUMNS.iter().map(|c| column(c)).collect(),
                    timestamp_column: None,
                    import: common::plain_csv_settings(),
                    warnings: vec![],
                    warning_codes: Vec::new(),
                };
                vec![Reply::Task(TaskEvent::Finished { task: 1, outcome: TaskOutcome::Loaded(summary) })]
            }
            Request::CleanState => vec![Reply::CleanState(Box::new(state()))],
            Request::PreviewStep(preview) => vec![Reply::Preview(Box::new(StepPreview {
                step: preview.step,
                description: "the step".into(),
                rows_before: ROWS,
                rows_after: ROWS,
                columns: vec![],
                findings: vec![],
                series: vec![],
                fitted: None,
                elapsed_ms: 1.0,
            }))],
            _ => vec![],
        }
    }
}

/// The Clean pane with the editor open on the new-step template `template`.
fn editing(template: &str) -> (Rc<RefCell<Fake>>, Harness<'static, PlantLabApp>) {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness(fake.clone(), 1400.0, 900.0);
    common::open_file_and_go_to(&mut harness, "Clean");
    harness.get_by_label("New step").click();
    harness.run();
    harness.get_by_label(template).click();
    harness.run();
    harness.get_by_label("Edit new step").click();
    harness.run();
    (fake, harness)
}

/// Opens the drop-down named `field` and picks `option`.
fn pick(harness: &mut Harness<'static, PlantLabApp>, field: &str, option: &str) {
    harness.get_by_label(field).click();
    harness.run();
    harness.get_by_label(option).click();
    harness.run();
}

fn last_preview(fake: &Rc<RefCell<Fake>>) -> CleanStep {
    fake.borrow()
        .sent
        .iter()
        .rev()
        .find_map(|r| if let Request::PreviewStep(p) = r { Some(p.step.clone()) } else { None })
        .expect("a preview was asked for")
}

#[test]
fn a_step_is_edited_through_named_choices() {
    let (fake, mut harness) = editing("Outliers (MAD)");
    // The template's choices are shown by name, not as JSON.
    assert_eq!(harness.get_by_label("method").accesskit_node().value().as_deref(), Some("MAD rule (robust spread)"));
    assert_eq!(harness.get_by_label("action").accesskit_node().value().as_deref(), Some("Set to missing"));
    assert_eq!(harness.get_by_label("columns").accesskit_node().value().as_deref(), Some("flow"));

    pick(&mut harness, "method", "Hampel filter (spikes)");
    // The new rule's parameters appear with their unit and the range the engine accepts.
    harness.get_by_label(&format!("samples either side, 1 to {MAX_HAMPEL_WINDOW}"));
    pick(&mut harness, "action", "Clip to the bounds");
    // A second column, ticked in the column picker.
    harness.get_by_label("columns").click();
    harness.run();
    harness.get_by_label("pressure").click();
    harness.run();
    harness.key_press(egui::Key::Escape);
    harness.run();

    harness.get_by_label("Preview").click();
    harness.run();
    assert_eq!(
        last_preview(&fake),
        CleanStep::Outliers {
            columns: vec!["flow".into(), "pressure".into()],
            method: OutlierMethod::Hampel { window: 10, k: 5.0 },
            action: OutlierAction::Clip,
        }
    );
}

#[test]
fn a_fill_method_and_its_column_are_picked_by_name() {
    let (fake, mut harness) = editing("Fill missing: forward fill");
    pick(&mut harness, "method", "Interpolate across short gaps");
    harness.get_by_label("s, 0 to 3155760000");
    harness.get_by_label("columns").click();
    harness.run();
    // Untick the template's column, tick another.
    harness.get_by_label("flow").click();
    harness.run();
    harness.get_by_label("temp").click();
    harness.run();
    harness.key_press(egui::Key::Escape);
    harness.run();
    harness.get_by_label("Preview").click();
    harness.run();
    assert_eq!(last_preview(&fake), CleanStep::Fill { columns: vec!["temp".into()], method: FillMethod::InterpolateWithin { max_gap_s: 600.0 } });
}

#[test]
fn a_number_outside_its_range_is_marked() {
    let (_fake, mut harness) = editing("Outliers (Hampel)");
    assert!(harness.query_by_label("out of range").is_none());
    harness.get_by_label("window").click();
    harness.run();
    // 10 becomes 1000000, past the largest window.
    harness.get_by_label("window").type_text("00000");
    harness.run();
    harness.get_by_label("out of range");
}
