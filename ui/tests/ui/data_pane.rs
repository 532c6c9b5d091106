//! Drives the real UI (native build) with an in-process fake backend, the way a user would:
//! find widgets by their labels, click, and check what appears.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_protocol::{
    message_args, ApiError, ColumnInfo, ColumnKind, ColumnProfile, DatasetSummary, Finding, FindingKind, Histogram, ImportSettings, MessageArg,
    QualityReport, Series, Severity, TablePage, TaskEvent, TaskKind, TaskOutcome, XAxis,
};
use plantlab_ui::{PlantLabApp, Reply, Request};

use crate::common;

/// Answers like the engine would for a small table: `temp` rises by row, `tag` is text.
#[derive(Default)]
struct Engine {
    picked_file: Option<String>,
    next_task: u64,
    /// When set, loads stay running until the test finishes them.
    hold_loads: bool,
    /// The quality report to answer with instead of the small table's.
    report: Option<QualityReport>,
}

type FakeState = common::Fake<Engine>;

const ROWS: u64 = 120;

fn settings() -> ImportSettings {
    ImportSettings {
        delimiter: ';',
        decimal: ',',
        encoding: "windows-1252".into(),
        encoding_confidence: None,
        header_rows: 2,
        timestamp_column: None,
        timestamp_format: None,
        status_strings: vec!["Bad Input".into()],
        sheet: None,
        names: None,
        column_widths: None,
    }
}

fn summary(path: &str) -> DatasetSummary {
    DatasetSummary {
        path: path.to_owned(),
        rows: ROWS,
        columns: vec![
            ColumnInfo { name: "temp".into(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 3, unit: Some("°C".into()) },
            ColumnInfo { name: "tag".into(), dtype: "str".into(), kind: ColumnKind::Text, null_count: 0, unit: None },
        ],
        timestamp_column: None,
        import: settings(),
        warnings: vec![],
        warning_codes: Vec::new(),
    }
}

fn report() -> QualityReport {
    let profile = |name: &str| ColumnProfile {
        name: name.into(),
        dtype: "f64".into(),
        unit: None,
        null_count: 3,
        status_text_count: 2,
        min: Some(0.0),
        max: Some(59.5),
        mean: Some(29.75),
        std: Some(17.0),
    };
    QualityReport {
        rows: ROWS,
        columns: vec![profile("temp")],
        timestamp_column: None,
        sampling_interval_s: None,
        import: settings(),
        import_warnings: vec![],
        import_warning_codes: Vec::new(),
        findings: vec![Finding {
            kind: FindingKind::Spike,
            column: Some("temp".into()),
            count: 1,
            severity: Severity::Warning,
            examples: vec!["row 77".into()],
            rows: vec![77],
            message: "temp has 1 isolated spike sample more than 6 robust standard deviations from their neighbours.".into(),
            variant: String::new(),
            args: message_args([("column", "temp".into()), ("count", 1u64.into()), ("k", MessageArg::Number(6.0))]),
        }],
    }
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        let state = self;
        match request {
            Request::PickFile => vec![Reply::PickedFile(state.picked_file.clone())],
            Request::InitialPath => vec![Reply::InitialPath(None)],
            Request::Load { path, .. } => {
                state.next_task += 1;
                let task = state.next_task;
                let mut events = vec![
                    // Coded like the engine's label, with its English beside the code.
                    Reply::Task(TaskEvent::Started {
                        task,
                        kind: TaskKind::Load,
                        label: format!("Loading {path}"),
                        label_code: "loading".into(),
                        label_args: message_args([("file", path.as_str().into())]),
                    }),
                    Reply::Task(TaskEvent::Progress {
                        task,
                        fraction: 0.5,
                        stage: "parsing".into(),
                        stage_code: "parsing".into(),
                        stage_args: Default::default(),
                    }),
                ];
                if path.contains("missing") {
                    // Coded like the engine's error: its code, the path, and the English sentence.
                    let error = plantlab_i18n::english_error("not_found", "", message_args([("path", MessageArg::Text(path.clone()))]));
                    events.push(Reply::Task(TaskEvent::Failed { task, error }));
                } else if !state.hold_loads {
                    events.push(Reply::Task(TaskEvent::Finished { task, outcome: TaskOutcome::Loaded(summary(&path)) }));
                }
                events
            }
            Request::Cancel { task } => vec![Reply::Task(TaskEvent::Cancelled { task })],
            Request::Page(page) => {
                let rows = (page.offset..(page.offset + page.limit).min(ROWS))
                    .map(|r| vec![if r % 40 == 7 { None } else { Some(format!("{}.5", r)) }, Some(format!("T{r}"))])
                    .collect();
                vec![Reply::Page(TablePage { offset: page.offset, total_rows: ROWS, columns: vec!["temp".into(), "tag".into()], rows })]
            }
            Request::Series(req) => {
                if req.column != "temp" {
                    vec![Reply::Error { context: "Preparing the plot".into(), error: ApiError::new("not_numeric", "not numeric") }]
                } else {
                    // Missing cells (as in the page) are NaN in the series, and cross JSON so.
                    let value = |r: u64| if r % 40 == 7 { f64::NAN } else { r as f64 * 0.5 };
                    let x: Vec<f64> = (0..ROWS).map(|r| r as f64).collect();
                    let y: Vec<f64> = (0..ROWS).map(value).collect();
                    vec![Reply::Series(Series {
                        column: req.column,
                        x_axis: XAxis::RowIndex,
                        x,
                        y_min: y.clone(),
                        y_max: y,
                        source_rows: ROWS,
                        x_extent: Some((0.0, (ROWS - 1) as f64)),
                        decimated: false,
                        x_range: Some((0.0, (ROWS - 1) as f64)),
                        marks: req.mark_rows.iter().map(|&r| (r as f64, value(r))).collect(),
                    })]
                }
            }
            Request::Report => vec![Reply::Report(state.report.clone().unwrap_or_else(report))],
            Request::Histogram(h) => {
                vec![Reply::Histogram(Histogram { column: h.column, min: 0.0, max: 59.5, counts: vec![30, 30, 30, 27], missing: 3 })]
            }
            Request::ReportPainted(_) | Request::Quit => vec![],
            // The cleaning and training panes have their own tests.
            _ => vec![],
        }
    }
}

fn harness(state: Rc<RefCell<FakeState>>) -> Harness<'static, PlantLabApp> {
    common::app_harness(state, 1200.0, 800.0)
}

#[test]
fn opening_a_file_shows_summary_table_and_plot() {
    let state = Rc::new(RefCell::new(FakeState::new(Engine { picked_file: Some("/data/pump.csv".into()), ..Engine::default() })));
    let mut harness = harness(state.clone());
    harness.run();
    harness.get_by_label("No data set open");

    harness.get_by_label("Open…").click();
    harness.run();

    harness.get_by_label_contains("/data/pump.csv: 120 rows × 2 columns");
    // Column list with type and missing count.
    harness.get_by_label("3 (2.5%)");
    // The table's first page, with a missing cell marked.
    harness.get_by_label("rows 1–50 of 120");
    harness.get_by_label("0.5");
    harness.get_by_label("T49");
    assert_eq!(harness.query_all_by_label("missing").count(), 3, "the column header and the two missing cells on this page");
    // The plot asked for the numeric column and drew it.
    harness.get_by_label_contains("all 120 rows in view");
    let sent = state.borrow().sent.clone();
    assert!(sent.iter().any(|r| matches!(r, Request::Series(s) if s.column == "temp")));
    assert!(sent.iter().any(|r| matches!(r, Request::ReportPainted(p) if p.rows == ROWS && p.plot_rect[2] > 100.0)));

    // Units, statistics and the quality findings.
    harness.get_by_label("temp [°C]");
    harness.get_by_label("mean 29.7500   std 17.0000");
    harness.get_by_label_contains("Quality: 1 findings");
    harness.get_by_label_contains("windows-1252, delimiter ';', decimal ','");

    // Clicking a finding focuses the plot on it and marks the place.
    harness.get_by_label("temp — temp has 1 isolated spike sample more than 6 robust standard deviations from their neighbours.").click();
    harness.run();
    assert!(state.borrow().sent.iter().any(|r| matches!(r, Request::Series(s) if s.focus_row == Some(77) && s.mark_rows == vec![77])));
    harness.get_by_label("1 marked");

    // Paging asks the backend for the next rows.
    harness.get_by_label("Next").click();
    harness.run();
    harness.get_by_label("rows 51–100 of 120");
    harness.get_by_label("T50");
}

#[test]
fn a_backend_error_is_shown_and_the_app_stays_usable() {
    let state = Rc::new(RefCell::new(FakeState::default()));
    let mut harness = harness(state.clone());
    harness.run();

    let input = harness.get_by_role(egui::accesskit::Role::TextInput);
    input.click();
    harness.run();
    harness.get_by_role(egui::accesskit::Role::TextInput).type_text("/nowhere/missing.csv");
    harness.run();
    harness.get_by_label("Load").click();
    harness.run();
    harness.get_by_label_contains("Loading /nowhere/missing.csv: failed. The file /nowhere/missing.csv does not exist.");
    harness.get_by_label("No data set open");
    assert_eq!(harness.state().tasks().len(), 0, "the failed task left the status bar");

    // Still usable: the next load works and the message can be dismissed.
    state.borrow_mut().picked_file = Some("/data/good.csv".into());
    harness.get_by_label("Open…").click();
    harness.run();
    harness.get_by_label_contains("/data/good.csv: 120 rows");
    assert!(harness.state().notices().is_empty(), "a successful load clears stale errors");
}

#[test]
fn a_failed_load_is_told_in_chinese_with_the_tasks_own_name() {
    let state = Rc::new(RefCell::new(FakeState::default()));
    let mut harness = common::app_harness_in(state, 1200.0, 800.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    harness.get_by_role(egui::accesskit::Role::TextInput).click();
    harness.run();
    harness.get_by_role(egui::accesskit::Role::TextInput).type_text("/nowhere/missing.csv");
    harness.run();
    harness.get_by_label("加载").click();
    harness.run();
    // The task's name from its code and the error from its code, both in Chinese.
    harness.get_by_label_contains("正在加载 /nowhere/missing.csv：失败。文件 /nowhere/missing.csv 不存在。");
    assert!(harness.state().tasks().is_empty(), "the failed task left the status bar");
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn a_running_load_shows_progress_and_can_be_cancelled() {
    let state = Rc::new(RefCell::new(FakeState::new(Engine { hold_loads: true, picked_file: Some("/data/big.csv".into()), ..Engine::default() })));
    let mut harness = harness(state.clone());
    harness.run();
    harness.get_by_label("Open…").click();
    harness.run_steps(3);
    harness.get_by_label("Loading /data/big.csv");
    assert_eq!(harness.state().tasks()[0].fraction, 0.5);
    harness.get_by_label("Cancel").click();
    harness.run_steps(3);
    assert!(state.borrow().sent.iter().any(|r| matches!(r, Request::Cancel { task: 1 })));
    assert!(harness.state().tasks().is_empty());
    harness.get_by_label_contains("cancelled. The data you had is unchanged.");
}

#[test]
fn a_running_loads_progress_line_reads_in_chinese() {
    let state = Rc::new(RefCell::new(FakeState::new(Engine { hold_loads: true, picked_file: Some("/data/big.csv".into()), ..Engine::default() })));
    let mut harness = common::app_harness_in(state, 1200.0, 800.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    harness.get_by_label("打开…").click();
    harness.run_steps(3);
    // The engine's stage code and arguments, worded in the UI's language (the English `stage`
    // is for older readers).
    assert_eq!(harness.state().tasks()[0].stage, "解析");
    let painted = common::painted_texts(&harness);
    assert!(painted.iter().any(|text| text == "解析 50%"), "{painted:?}");
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn every_pane_is_reachable_and_says_what_it_will_do() {
    let state = Rc::new(RefCell::new(FakeState::default()));
    let mut harness = harness(state);
    harness.run();
    for (pane, words) in [
        ("Clean", "the cleaning loop works on the open data"),
        ("Train", "loss and accuracy curves"),
        ("Evaluate", "majority-class baseline"),
        ("Predict", "model bundle"),
    ] {
        harness.get_by_label(pane).click();
        harness.run();
        harness.get_by_label_contains(words);
    }
    harness.get_by_label("Data").click();
    harness.run();
    harness.get_by_label("No data set open");
}

#[test]
fn the_data_pane_reads_in_chinese() {
    let state = Rc::new(RefCell::new(FakeState::new(Engine { picked_file: Some("/data/pump.csv".into()), ..Engine::default() })));
    let mut harness = common::app_harness_in(state.clone(), 1200.0, 800.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    harness.get_by_label("未打开数据集");
    harness.get_by_label("打开…").click();
    harness.run();

    harness.get_by_label_contains("/data/pump.csv：120 行 × 2 列");
    harness.get_by_label("第 1–50 行，共 120 行");
    harness.get_by_label_contains("视图中全部 120 行");
    harness.get_by_label("均值 29.7500   标准差 17.0000");
    harness.get_by_label_contains("数据质量：发现 1 个问题");
    harness.get_by_label_contains("导入设置：windows-1252，分隔符 ';'，小数点“,”");
    // The numbers, units and data are the same as in English; only the words change.
    harness.get_by_label("3（2.5%）");
    harness.get_by_label("temp [°C]");
    harness.get_by_label("下一页").click();
    harness.run();
    harness.get_by_label("第 51–100 行，共 120 行");
    assert!(state.borrow().sent.iter().any(|r| matches!(r, Request::Series(s) if s.column == "temp")));
    common::assert_nothing_fell_back_to_english();
}

/// What `plantlab profile messy.csv --json --label Fault` wrote for the messy generator's
/// export (`MessyOptions::default()`): findings of thirteen kinds, each with its code and
/// arguments, and its English message.
fn messy_report() -> QualityReport {
    serde_json::from_str(include_str!("data/messy_report.json")).unwrap()
}

#[test]
fn a_messy_exports_findings_read_in_chinese() {
    let report = messy_report();
    assert_eq!(report.findings.len(), 17);
    let engine = Engine { picked_file: Some("/data/messy.csv".into()), report: Some(report.clone()), ..Engine::default() };
    let state = Rc::new(RefCell::new(FakeState::new(engine)));
    let mut harness = common::app_harness_in(state, 1400.0, 1600.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    harness.get_by_label("打开…").click();
    harness.run();
    harness.get_by_label_contains("数据质量：发现 17 个问题");

    for sentence in [
        "所有行 — 时间戳在 2 处倒退；重采样前请先按时间排序。",
        "所有行 — 1 处间隙超过采样间隔（1 min）的 3 倍；最长的持续 11 min，结束于 2024-03-06 18:50:00。",
        "FI-301 Flow — FI-301 Flow：除 2 个状态文本外，还有 3 个单元格为空（占行数的 0.06%）。",
        "VI-101 Vibration — VI-101 Vibration 有 3 个不合理的值：3 个历史库哨兵值（-9999）。",
        "UI-900 Line — UI-900 Line 在全部 4997 个非空行中只有一个值 7。",
    ] {
        harness.get_by_label(sentence);
    }
    // Every finding's line is Chinese; none shows the engine's English sentence.
    // The list scrolls, so the lines are read from the accessibility tree, not the painted texts.
    let lines: Vec<String> =
        harness.query_all_by_label_contains(" — ").filter_map(|node| node.accesskit_node().label().map(|label| label.to_string())).collect();
    for finding in &report.findings {
        let column = finding.column.clone().unwrap_or_else(|| "所有行".into());
        let prefix = format!("{column} — ");
        let line = lines.iter().find(|text| text.starts_with(&prefix) && text.contains(&finding.count.to_string()));
        let line = line.unwrap_or_else(|| panic!("no line for {:?} on {column}: {lines:?}", finding.kind));
        assert!(line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{line}");
        assert!(!lines.iter().any(|text| text.contains(&finding.message)), "English shown: {}", finding.message);
    }
    common::assert_nothing_fell_back_to_english();
}
