//! The app at the smallest window it supports (1024×640) and below: every pane's key controls
//! lie inside the window, notices float without moving what the user is about to click and can
//! be dismissed, and the Clean pane's lists keep their place after Apply.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use plantlab_protocol::{
    CleanState, CleanStep, ColumnChange, ColumnInfo, ColumnKind, ColumnProfile, DatasetSummary, Finding, FindingKind, GateCheck, GateResult,
    GateThresholds, Histogram, ImportSettings, OutlierAction, OutlierMethod, PreviewSeries, QualityReport, RecipeStep, Series, Severity, StepOutcome,
    StepPreview, Suggestion, TablePage, TaskEvent, TaskKind, TaskOutcome, XAxis,
};
use plantlab_ui::{PlantLabApp, Reply, Request};

use crate::common;

const ROWS: u64 = 44_640;
const TAGS: usize = 24;
/// 2026-10-01 00:00 UTC; one sample a minute.
const START_S: f64 = 1_790_812_800.0;
const PATH: &str = "/home/engineer/exports/pump_station_PS1_october_2026_historian_export_minute_values_de.csv";

fn tag(i: usize) -> String {
    format!("PS1.P-10{}.FI-3{i:02}.PV motor flow", i % 3)
}

fn settings() -> ImportSettings {
    ImportSettings {
        delimiter: ';',
        decimal: ',',
        encoding: "windows-1252".into(),
        encoding_confidence: None,
        header_rows: 2,
        timestamp_column: Some("Zeitstempel".into()),
        timestamp_format: Some("%d.%m.%Y %H:%M:%S".into()),
        status_strings: vec!["Bad Input".into(), "I/O Timeout".into()],
        ..common::plain_csv_settings()
    }
}

fn summary() -> DatasetSummary {
    let mut columns =
        vec![ColumnInfo { name: "Zeitstempel".into(), dtype: "datetime[ms]".into(), kind: ColumnKind::Timestamp, null_count: 0, unit: None }];
    columns.extend((0..TAGS).map(|i| ColumnInfo {
        name: tag(i),
        dtype: "f64".into(),
        kind: ColumnKind::Numeric,
        null_count: 1234,
        unit: Some("m³/h".into()),
    }));
    DatasetSummary {
        path: PATH.into(),
        rows: ROWS,
        columns,
        timestamp_column: Some("Zeitstempel".into()),
        import: settings(),
        warnings: vec![],
        warning_codes: Vec::new(),
    }
}

fn despike(i: usize) -> CleanStep {
    CleanStep::Outliers { columns: vec![tag(i)], method: OutlierMethod::Hampel { window: 10, k: 5.0 }, action: OutlierAction::Null }
}

fn spike_finding(i: usize) -> Finding {
    Finding {
        kind: FindingKind::Spike,
        column: Some(tag(i)),
        count: 3,
        severity: Severity::Warning,
        examples: vec!["2026-10-29 01:00".into()],
        rows: vec![40_000],
        message: "3 isolated spikes far from their neighbours, e.g. on 29 Oct 01:00 and twice in the week before".into(),
        // No code arguments: the panes show this long message as it is.
        variant: String::new(),
        args: Default::default(),
    }
}

/// The engine's answers for a month of minute data with a spike finding on every tag.
#[derive(Default)]
struct Engine {
    applied: Vec<usize>,
}

type Fake = common::Fake<Engine>;

impl Engine {
    fn open(&self) -> Vec<usize> {
        (0..TAGS).filter(|i| !self.applied.contains(i)).collect()
    }

    fn report(&self) -> QualityReport {
        let profile = |name: String| ColumnProfile {
            name,
            dtype: "f64".into(),
            unit: Some("m³/h".into()),
            null_count: 1234,
            status_text_count: 17,
            min: Some(0.0),
            max: Some(412.5),
            mean: Some(180.25),
            std: Some(40.5),
        };
        QualityReport {
            rows: ROWS,
            columns: (0..TAGS).map(|i| profile(tag(i))).collect(),
            timestamp_column: Some("Zeitstempel".into()),
            sampling_interval_s: Some(60.0),
            import: settings(),
            import_warnings: vec![],
            import_warning_codes: Vec::new(),
            findings: self.open().into_iter().map(spike_finding).collect(),
        }
    }

    fn state(&self) -> CleanState {
        let steps: Vec<RecipeStep> = self.applied.iter().map(|&i| RecipeStep::new(despike(i))).collect();
        let spikes = self.open().len() as f64;
        CleanState {
            rows_raw: ROWS,
            rows: ROWS,
            train_fraction: 0.7,
            outcomes: self
                .applied
                .iter()
                .enumerate()
                .map(|(index, &i)| StepOutcome {
                    index,
                    op: "outliers".into(),
                    description: format!("Spikes in {} to missing (Hampel, window 10, k 5)", tag(i)),
                    step: None,
                    enabled: true,
                    rows_in: ROWS,
                    rows_out: ROWS,
                    cells_changed: 3,
                    columns: vec![tag(i)],
                    error: None,
                    elapsed_ms: 4.0,
                })
                .collect(),
            steps,
            can_undo: !self.applied.is_empty(),
            can_redo: false,
            report: self.report(),
            suggestions: self
                .open()
                .into_iter()
                .map(|i| Suggestion {
                    kind: FindingKind::Spike,
                    column: Some(tag(i)),
                    step: despike(i),
                    reason: format!("suggestion {i}: a Hampel filter sets isolated spikes missing; the neighbours stay as they are"),
                    // No code: the list shows this reason as it is, so each line is told apart.
                    variant: String::new(),
                    args: Default::default(),
                })
                .collect(),
            gate: GateResult {
                passed: spikes == 0.0,
                checks: vec![GateCheck {
                    name: "spikes".into(),
                    passed: spikes == 0.0,
                    value: spikes,
                    threshold: 0.0,
                    at_least: false,
                    message: "isolated spikes left".into(),
                    variant: String::new(),
                    args: Default::default(),
                }],
            },
            gate_thresholds: GateThresholds::default(),
            label_column: None,
        }
    }
}

fn time_series(column: String) -> Series {
    let x: Vec<f64> = (0..2000).map(|i| START_S + i as f64 * 60.0 * 22.32).collect();
    let y: Vec<f64> = (0..2000).map(|i| 180.0 + (i as f64 / 40.0).sin() * 30.0).collect();
    Series {
        column,
        x_axis: XAxis::Time("Zeitstempel".into()),
        x_extent: Some((x[0], x[1999])),
        x_range: Some((x[0], x[1999])),
        x,
        y_min: y.clone(),
        y_max: y,
        source_rows: ROWS,
        decimated: true,
        marks: vec![],
    }
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        let fake = self;
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some(PATH.into()))],
            Request::InitialPath => vec![Reply::InitialPath(None)],
            Request::Load { .. } => vec![
                Reply::Task(TaskEvent::started(1, TaskKind::Load, "Loading")),
                Reply::Task(TaskEvent::Finished { task: 1, outcome: TaskOutcome::Loaded(summary()) }),
            ],
            Request::Summary => vec![Reply::Summary(Box::new(summary()))],
            Request::Report => vec![Reply::Report(fake.report())],
            Request::Page(page) => {
                let columns: Vec<String> = summary().columns.iter().map(|c| c.name.clone()).collect();
                let rows = (page.offset..(page.offset + page.limit).min(ROWS))
                    .map(|r| {
                        let mut row = vec![Some(format!("2026-10-01 {:02}:{:02}:00", (r / 60) % 24, r % 60))];
                        row.extend((0..TAGS).map(|i| Some(format!("{:.3}", 180.0 + (r as f64 + i as f64).sin() * 30.0))));
                        row
                    })
                    .collect();
                vec![Reply::Page(TablePage { offset: page.offset, total_rows: ROWS, columns, rows })]
            }
            Request::Series(req) => vec![Reply::Series(time_series(req.column))],
            Request::Histogram(req) => {
                vec![Reply::Histogram(Histogram { column: req.column, min: 0.0, max: 412.5, counts: vec![5; 40], missing: 1234 })]
            }
            Request::CleanState => vec![Reply::CleanState(Box::new(fake.state()))],
            Request::PreviewStep(preview) => {
                let column = match &preview.step {
                    CleanStep::Outliers { columns, .. } => columns.first().cloned().unwrap_or_default(),
                    _ => tag(0),
                };
                vec![Reply::Preview(Box::new(StepPreview {
                    step: preview.step,
                    description: format!("Spikes in {column} to missing (Hampel, window 10, k 5)"),
                    rows_before: ROWS,
                    rows_after: ROWS,
                    columns: vec![ColumnChange {
                        column: column.clone(),
                        cells_changed: 3,
                        nulls_before: 1234,
                        nulls_after: 1237,
                        added: false,
                        removed: false,
                    }],
                    findings: vec![],
                    series: vec![PreviewSeries { column: column.clone(), before: time_series(column.clone()), after: time_series(column) }],
                    fitted: None,
                    elapsed_ms: 12.0,
                }))]
            }
            Request::ApplyStep(step) => {
                if let Some(i) = (0..TAGS).find(|&i| despike(i) == step) {
                    fake.applied.push(i);
                }
                vec![Reply::CleanState(Box::new(fake.state()))]
            }
            Request::PickPath { purpose } => vec![Reply::PickedPath { purpose, path: Some("/home/engineer/recipes/pump_station.json".into()) }],
            Request::SaveRecipe { path } => vec![Reply::Saved { what: "Recipe".into(), path }],
            _ => vec![],
        }
    }
}

fn opened(width: f32, height: f32) -> (Rc<RefCell<Fake>>, Harness<'static, PlantLabApp>) {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness(fake.clone(), width, height);
    harness.run();
    harness.get_by_label("Open…").click();
    harness.run();
    harness.run();
    (fake, harness)
}

fn window(harness: &Harness<'static, PlantLabApp>) -> egui::Rect {
    harness.ctx.content_rect()
}

/// The widget labelled `label` (the `nth` of that name) lies wholly inside the window.
fn assert_inside(harness: &Harness<'static, PlantLabApp>, label: &str, nth: usize) -> egui::Rect {
    let node = harness.query_all_by_label(label).nth(nth).unwrap_or_else(|| panic!("no widget labelled {label:?} (#{nth})"));
    let rect = node.rect();
    let inside = window(harness).expand(0.5).contains_rect(rect);
    assert!(inside, "{label:?} at {rect:?} is not inside the window {:?}", window(harness));
    rect
}

#[test]
fn data_pane_fits_a_1024_by_640_window() {
    // 900×600 too: smaller than supported, still usable.
    for (width, height) in [(1024.0, 640.0), (900.0, 600.0)] {
        data_pane_fits(width, height);
    }
}

fn data_pane_fits(width: f32, height: f32) {
    let (fake, harness) = opened(width, height);
    for label in ["Open…", "Quit", "Load", "Reset zoom", "Previous", "Next", "Columns"] {
        assert_inside(&harness, label, 0);
    }
    // The plot was drawn inside the window, big enough to read.
    let painted = fake.borrow().sent.iter().rev().find_map(|r| match r {
        Request::ReportPainted(p) => Some(p.plot_rect),
        _ => None,
    });
    let [x, y, w, h] = painted.expect("the plot was drawn");
    let plot = egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(w, h));
    assert!(window(&harness).contains_rect(plot), "plot {plot:?} runs off the window");
    assert!(w >= 300.0 && h >= 120.0, "plot too small to use: {plot:?}");
    // The table's first rows are on screen under the plot.
    let first_row = assert_inside(&harness, "1", 0);
    assert!(first_row.min.y > plot.max.y, "the table sits below the plot");
}

#[test]
fn clean_pane_fits_a_1024_by_640_window() {
    for (width, height) in [(1024.0, 640.0), (900.0, 600.0)] {
        clean_pane_fits(width, height);
    }
}

fn clean_pane_fits(width: f32, height: f32) {
    let (_fake, mut harness) = opened(width, height);
    harness.get_by_label("Clean").click();
    harness.run();
    for label in ["Undo", "Redo", "Load recipe…", "Save recipe…", "Export cleaned data…", "Quality gate"] {
        assert_inside(&harness, label, 0);
    }
    assert_inside(&harness, "Add", 0);
    harness.query_all_by_label("Add").next().unwrap().click();
    harness.run();
    harness.run();
    for label in ["Preview", "Apply", "Discard"] {
        assert_inside(&harness, label, 0);
    }
}

#[test]
fn every_pane_keeps_the_shell_inside_the_window() {
    for (width, height) in [(1024.0, 640.0), (1280.0, 800.0)] {
        let (_fake, mut harness) = opened(width, height);
        for pane in ["Data", "Clean", "Train", "Evaluate", "Predict"] {
            harness.get_by_label(pane).click();
            harness.run();
            for label in ["Open…", "Quit", "Data", "Clean", "Train", "Evaluate", "Predict"] {
                assert_inside(&harness, label, 0);
            }
        }
    }
}

/// Saves the recipe, which leaves a notice.
fn leave_a_notice(harness: &mut Harness<'static, PlantLabApp>) {
    harness.get_by_label("Save recipe…").click();
    harness.run();
    harness.run();
}

#[test]
fn a_notice_floats_over_the_pane_and_dismiss_is_reachable() {
    for (width, height) in [(1024.0, 640.0), (900.0, 600.0)] {
        let (_fake, mut harness) = opened(width, height);
        harness.get_by_label("Clean").click();
        harness.run();
        let undo = harness.get_by_label("Undo").rect();
        let add = harness.query_all_by_label("Add").next().unwrap().rect();
        leave_a_notice(&mut harness);
        harness.get_by_label("Recipe saved to /home/engineer/recipes/pump_station.json.");
        assert_eq!(harness.get_by_label("Undo").rect(), undo, "a notice must not push the toolbar");
        assert_eq!(harness.query_all_by_label("Add").next().unwrap().rect(), add, "a notice must not push the lists");
        assert_inside(&harness, "Dismiss", 0);
        harness.get_by_label("Dismiss").click();
        harness.run();
        assert!(harness.query_by_label("Dismiss").is_none(), "the notice is gone");
        assert!(harness.state().notices().is_empty());
    }
}

#[test]
fn the_suggestion_list_keeps_its_place_after_apply() {
    let (fake, mut harness) = opened(1024.0, 640.0);
    harness.get_by_label("Clean").click();
    harness.run();
    let label =
        |i: usize| format!("spike ({}): suggestion {i}: a Hampel filter sets isolated spikes missing; the neighbours stay as they are", tag(i));
    // Scroll the list down to the middle of the suggestions.
    harness.get_by_label(&label(14)).scroll_to_me();
    harness.run();
    harness.run();
    let kept = harness.get_by_label(&label(10)).rect();
    // Apply suggestion 12: its finding and suggestion go, a history step comes.
    harness.query_all_by_label("Add").nth(12).unwrap().click();
    harness.run();
    harness.get_by_label("Apply").click();
    harness.run();
    harness.run();
    assert_eq!(fake.borrow().applied, vec![12]);
    assert!(harness.query_by_label(&label(12)).is_none());
    assert_eq!(harness.get_by_label(&label(10)).rect(), kept, "the suggestions above the applied one stay where they were");
}
