//! Drives the Clean pane (native build) with an in-process fake backend that keeps a real
//! history with undo/redo: suggested step -> preview -> apply -> undo -> redo.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_protocol::{
    message_args, CleanState, CleanStep, CodedSentence, ColumnChange, ColumnInfo, ColumnKind, ColumnProfile, DatasetSummary, Finding, FindingDelta,
    FindingKind, GateCheck, GateResult, GateThresholds, MessageArg, OutlierAction, OutlierMethod, PreviewSeries, QualityReport, RecipeStep, Series,
    Severity, StepOutcome, StepPreview, Suggestion, TaskEvent, TaskKind, TaskOutcome, XAxis,
};
use plantlab_ui::{Pane, PlantLabApp, Reply, Request};

use crate::common;

const ROWS: u64 = 120;

#[derive(Default)]
struct Engine {
    history: Vec<RecipeStep>,
    redo: Vec<RecipeStep>,
    label: Option<String>,
    /// A messy export's quality report and the engine's suggestions for it, shown instead of
    /// the one spike.
    messy: Option<(QualityReport, Vec<Suggestion>)>,
    /// The import's warnings (English) and their codes, as the engine sends them with the data set.
    import_warnings: (Vec<String>, Vec<CodedSentence>),
}

type Fake = common::Fake<Engine>;

fn despike() -> CleanStep {
    CleanStep::Outliers { columns: vec!["temp".into()], method: OutlierMethod::Hampel { window: 10, k: 5.0 }, action: OutlierAction::Null }
}

fn series(spike: bool) -> Series {
    let x: Vec<f64> = (0..ROWS).map(|r| r as f64).collect();
    // After the step the spike is a missing value: NaN, which must cross JSON as such.
    let y: Vec<f64> = x
        .iter()
        .map(|&v| {
            if v == 77.0 {
                if spike {
                    500.0
                } else {
                    f64::NAN
                }
            } else {
                v * 0.5
            }
        })
        .collect();
    Series {
        column: "temp".into(),
        x_axis: XAxis::RowIndex,
        x,
        y_min: y.clone(),
        y_max: y,
        source_rows: ROWS,
        x_extent: Some((0.0, (ROWS - 1) as f64)),
        decimated: false,
        x_range: None,
        marks: vec![],
    }
}

/// The state the engine would report for `history`: the spike is gone once the step is in.
fn state(fake: &Engine) -> CleanState {
    let cleaned = fake.history.iter().any(|s| s.enabled);
    let findings = if cleaned {
        vec![]
    } else {
        vec![Finding {
            kind: FindingKind::Spike,
            column: Some("temp".into()),
            count: 1,
            severity: Severity::Warning,
            examples: vec!["row 77".into()],
            rows: vec![77],
            message: "temp has 1 isolated spike sample more than 6 robust standard deviations from their neighbours.".into(),
            variant: String::new(),
            args: message_args([("column", "temp".into()), ("count", 1u64.into()), ("k", MessageArg::Number(6.0))]),
        }]
    };
    let suggestions = if cleaned {
        vec![]
    } else {
        vec![Suggestion {
            kind: FindingKind::Spike,
            column: Some("temp".into()),
            step: despike(),
            reason: "Temp jumps away from its neighbours and back in 1 sample: single bad readings.".into(),
            variant: "hampel".into(),
            args: message_args([("column", "temp".into()), ("count", 1u64.into()), ("first", "none".into())]),
        }]
    };
    let (findings, suggestions) = match &fake.messy {
        Some((report, suggestions)) => (report.findings.clone(), suggestions.clone()),
        None => (findings, suggestions),
    };
    let spikes = findings.len() as f64;
    CleanState {
        rows_raw: ROWS,
        rows: ROWS,
        train_fraction: 0.7,
        steps: fake.history.clone(),
        outcomes: fake
            .history
            .iter()
            .enumerate()
            .map(|(index, s)| StepOutcome {
                index,
                op: "outliers".into(),
                description: "Spikes in temp to missing (Hampel, window 10, k 5)".into(),
                step: None,
                enabled: s.enabled,
                rows_in: ROWS,
                rows_out: ROWS,
                cells_changed: 1,
                columns: vec!["temp".into()],
                error: None,
                elapsed_ms: 2.0,
            })
            .collect(),
        can_undo: !fake.history.is_empty(),
        can_redo: !fake.redo.is_empty(),
        report: QualityReport {
            rows: ROWS,
            columns: vec![ColumnProfile {
                name: "temp".into(),
                dtype: "f64".into(),
                unit: None,
                null_count: u64::from(cleaned),
                status_text_count: 0,
                min: Some(0.0),
                max: Some(500.0),
                mean: Some(30.0),
                std: Some(20.0),
            }],
            timestamp_column: None,
            sampling_interval_s: None,
            import: common::plain_csv_settings(),
            import_warnings: vec![],
            import_warning_codes: Vec::new(),
            findings,
        },
        suggestions,
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
                args: message_args([
                    ("value", (spikes as u64).into()),
                    ("threshold", 0u64.into()),
                    ("columns", MessageArg::List(vec!["temp".into()])),
                    ("column-count", 1u64.into()),
                ]),
            }],
        },
        gate_thresholds: GateThresholds::default(),
        label_column: fake.label.clone(),
    }
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        let fake = self;
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some("/data/pump.csv".into()))],
            Request::Load { path, .. } => {
                let summary = DatasetSummary {
                    path,
                    rows: ROWS,
                    columns: vec![ColumnInfo { name: "temp".into(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 0, unit: None }],
                    timestamp_column: None,
                    import: common::plain_csv_settings(),
                    warnings: fake.import_warnings.0.clone(),
                    warning_codes: fake.import_warnings.1.clone(),
                };
                vec![
                    Reply::Task(TaskEvent::started(1, TaskKind::Load, "Loading")),
                    Reply::Task(TaskEvent::Finished { task: 1, outcome: TaskOutcome::Loaded(summary) }),
                ]
            }
            Request::CleanState => vec![Reply::CleanState(Box::new(state(fake)))],
            Request::PreviewStep(preview) => vec![Reply::Preview(Box::new(StepPreview {
                step: preview.step,
                description: "Spikes in temp to missing (Hampel, window 10, k 5)".into(),
                rows_before: ROWS,
                rows_after: ROWS,
                columns: vec![ColumnChange {
                    column: "temp".into(),
                    cells_changed: 1,
                    nulls_before: 0,
                    nulls_after: 1,
                    added: false,
                    removed: false,
                }],
                findings: vec![FindingDelta {
                    kind: FindingKind::Spike,
                    column: Some("temp".into()),
                    before: 1,
                    after: 0,
                    message: "temp has 1 isolated spike sample more than 6 robust standard deviations from their neighbours.".into(),
                    variant: String::new(),
                    args: message_args([("column", "temp".into()), ("count", 1u64.into()), ("k", MessageArg::Number(6.0))]),
                }],
                series: vec![PreviewSeries { column: "temp".into(), before: series(true), after: series(false) }],
                fitted: None,
                elapsed_ms: 12.0,
            }))],
            Request::ApplyStep(step) => {
                fake.history.push(RecipeStep::new(step));
                fake.redo.clear();
                vec![Reply::CleanState(Box::new(state(fake)))]
            }
            Request::Undo => {
                if let Some(step) = fake.history.pop() {
                    fake.redo.push(step);
                }
                vec![Reply::CleanState(Box::new(state(fake)))]
            }
            Request::Redo => {
                if let Some(step) = fake.redo.pop() {
                    fake.history.push(step);
                }
                vec![Reply::CleanState(Box::new(state(fake)))]
            }
            Request::SetLabel { column } => {
                fake.label = column;
                vec![Reply::CleanState(Box::new(state(fake)))]
            }
            Request::SetStepEnabled { index, enabled } => {
                if let Some(step) = fake.history.get_mut(index) {
                    step.enabled = enabled;
                }
                vec![Reply::CleanState(Box::new(state(fake)))]
            }
            _ => vec![],
        }
    }
}

fn harness(fake: Rc<RefCell<Fake>>) -> Harness<'static, PlantLabApp> {
    common::app_harness(fake, 1400.0, 900.0)
}

#[test]
fn suggested_step_preview_apply_undo_redo() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    common::open_file_and_go_to(&mut harness, "Clean");
    assert_eq!(harness.state().pane(), Pane::Clean);

    // The finding, its suggestion and a failing gate.
    harness.get_by_label("Quality gate");
    harness.get_by_label("temp: temp has 1 isolated spike sample more than 6 robust standard deviations from their neighbours.");
    assert!(harness.query_all_by_label("fail").count() >= 2, "gate and its spikes check fail");
    harness.get_by_label("No steps yet. Add a suggested step, or pick one under New step.");

    // One click opens the suggested step with a preview.
    harness.get_by_label("Add").click();
    harness.run();
    assert!(fake.borrow().sent.iter().any(|r| matches!(r, Request::PreviewStep(p) if p.step == despike())));
    harness.get_by_label("Resolves spike on temp (1 -> 0)");
    harness.get_by_label("temp: 1 cells changed, missing 0 -> 1");
    harness.get_by_label_contains("Rows 120 -> 120 (0 removed)");

    // Apply: the step joins the history, the finding is gone and the gate passes.
    harness.get_by_label("Apply").click();
    harness.run();
    assert!(fake.borrow().sent.iter().any(|r| matches!(r, Request::ApplyStep(s) if *s == despike())));
    harness.get_by_label("1. temp spikes (Hampel, ±10 samples, 5 σ) to missing");
    harness.get_by_label("No findings left in the cleaned data.");
    assert!(harness.query_all_by_label("fail").next().is_none(), "the gate passes");

    // Undo with the button; redo with Ctrl+Y; undo again with Ctrl+Z.
    harness.get_by_label("Undo").click();
    harness.run();
    harness.get_by_label("No steps yet. Add a suggested step, or pick one under New step.");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Y);
    harness.run();
    harness.get_by_label("1. temp spikes (Hampel, ±10 samples, 5 σ) to missing");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run();
    harness.get_by_label("No steps yet. Add a suggested step, or pick one under New step.");
    let sent = fake.borrow().sent.clone();
    assert_eq!(sent.iter().filter(|r| matches!(r, Request::Undo)).count(), 2);
    assert_eq!(sent.iter().filter(|r| matches!(r, Request::Redo)).count(), 1);
}

#[test]
fn an_edited_parameter_needs_a_new_preview_before_apply() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    common::open_file_and_go_to(&mut harness, "Clean");
    harness.get_by_label("Add").click();
    harness.run();
    // The Hampel window is a form field; change it.
    harness.get_by_label("window").click();
    harness.run();
    harness.get_by_label("window").type_text("5");
    harness.run();
    harness.get_by_label("Parameters changed: preview again before applying.");
    assert!(harness.get_by_label("Apply").accesskit_node().is_disabled());
    harness.get_by_label("Preview").click();
    harness.run();
    let previews: Vec<CleanStep> =
        fake.borrow().sent.iter().filter_map(|r| if let Request::PreviewStep(p) = r { Some(p.step.clone()) } else { None }).collect();
    assert_eq!(previews.len(), 2);
    assert!(matches!(&previews[1], CleanStep::Outliers { method: OutlierMethod::Hampel { window: 105, .. }, .. }), "{previews:?}");
    assert!(!harness.get_by_label("Apply").accesskit_node().is_disabled());
}

#[test]
fn the_label_column_is_picked_in_the_toolbar() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    common::open_file_and_go_to(&mut harness, "Clean");
    harness.get_by_label("Label column").click();
    harness.run();
    harness.get_by_label("temp").click();
    harness.run();
    assert!(fake.borrow().sent.iter().any(|r| matches!(r, Request::SetLabel { column: Some(c) } if c == "temp")));
    assert_eq!(fake.borrow().label.as_deref(), Some("temp"));
    // The engine's answer names it as the session's label.
    assert_eq!(harness.get_by_label("Label column").accesskit_node().value().as_deref(), Some("temp"));
}

#[test]
fn the_clean_pane_reads_in_chinese() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake.clone(), 1400.0, 900.0, plantlab_ui::Lang::ZhCn);
    common::open_file_and_go_to_in_chinese(&mut harness, "数据清洗");
    assert_eq!(harness.state().pane(), Pane::Clean);

    harness.get_by_label("质量门");
    harness.get_by_label("还没有步骤。请添加建议的步骤，或在“新步骤”中选择一个。");
    assert!(harness.query_all_by_label("未通过").count() >= 2, "gate and its spikes check fail");
    harness.get_by_label("质量门阈值");
    // The finding is worded from its code and arguments, not shown in the engine's English.
    harness.get_by_label_contains("清洗后数据中的问题：1");
    harness.get_by_label("temp：temp 有 1 个孤立尖峰样本，偏离邻近值超过 6 个稳健标准差。");
    harness.get_by_label("添加").click();
    harness.run();
    harness.get_by_label_contains("行数 120 -> 120（删除 0 行）");
    harness.get_by_label("应用").click();
    harness.run();
    assert!(fake.borrow().sent.iter().any(|r| matches!(r, Request::ApplyStep(s) if *s == despike())));
    harness.get_by_label("清洗后的数据中已没有发现的问题。");
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn switching_the_language_changes_words_only_and_is_kept() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    common::open_file_and_go_to(&mut harness, "Clean");
    harness.get_by_label("Add").click();
    harness.run();
    harness.get_by_label("Apply").click();
    harness.run();
    harness.get_by_label("Train").click();
    harness.run();
    let before = harness.state().settings_fingerprint();
    assert!(before.contains("/data/pump.csv") && before.contains("Hampel") && before.contains("TrainConfig {"), "{before}");
    let requests_before = fake.borrow().sent.len();

    harness.get_by_label("简体中文").click();
    harness.run();
    assert_eq!(harness.state().language(), plantlab_ui::Lang::ZhCn);
    harness.get_by_label("训练配置");
    harness.get_by_label("数据清洗");
    // Kept from frame to frame, with the file, recipe and training settings as they were, and
    // nothing asked of the engine.
    for _ in 0..5 {
        harness.step();
    }
    assert_eq!(harness.state().language(), plantlab_ui::Lang::ZhCn);
    assert_eq!(harness.state().settings_fingerprint(), before);
    let asked: Vec<_> = fake.borrow().sent[requests_before..].iter().filter(|r| !matches!(r, Request::ReportWidgets(_))).cloned().collect();
    assert!(asked.is_empty(), "a language switch asks nothing of the engine: {asked:?}");
    common::assert_nothing_fell_back_to_english();

    harness.get_by_label("English").click();
    harness.run();
    harness.get_by_label("Run configuration");
    assert_eq!(harness.state().language(), plantlab_ui::Lang::En);
    assert_eq!(harness.state().settings_fingerprint(), before);
}

#[test]
fn chinese_tag_names_and_every_chinese_text_have_glyphs() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake, 800.0, 600.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    let font = egui::FontId::proportional(14.0);
    let tag_names = "反应器温度 ℃ 进料流量 m³/h 塔顶压力 MPa １２３，。";
    // egui's own fonts lack them: the test would fail without the CJK font.
    let mut plain = Harness::new_ui(|ui| {
        ui.label("PlantLab");
    });
    plain.run();
    assert!(!plain.ctx.fonts_mut(|fonts| fonts.has_glyphs(&font, tag_names)));
    assert!(harness.ctx.fonts_mut(|fonts| fonts.has_glyphs(&font, tag_names)), "the CJK font is installed");
    assert!(harness.ctx.fonts_mut(|fonts| fonts.has_glyphs(&egui::FontId::monospace(14.0), tag_names)), "in monospace text too");
    // Every character of the Chinese catalogue draws, so no UI text shows a box.
    let text: String = plantlab_ui::i18n::CHINESE_FTL.chars().filter(|c| !c.is_control()).collect();
    let missing: String = text.chars().filter(|&c| !harness.ctx.fonts_mut(|fonts| fonts.has_glyph(&font, c))).collect();
    assert!(missing.is_empty(), "characters of the catalogue without a glyph: {missing:?}");
}

/// What the engine suggested for the messy generator's export (`MessyOptions::default()`,
/// label `Fault`): the report of `data/messy_report.json`, each reason with its code and
/// arguments and its English sentence.
fn messy_suggestions() -> Vec<Suggestion> {
    serde_json::from_str(include_str!("data/messy_suggestions.json")).unwrap()
}

#[test]
fn a_messy_exports_suggested_steps_read_in_chinese() {
    let report: QualityReport = serde_json::from_str(include_str!("data/messy_report.json")).unwrap();
    let suggestions = messy_suggestions();
    assert!(suggestions.len() >= 12, "{}", suggestions.len());
    let fake = Rc::new(RefCell::new(Fake::new(Engine { messy: Some((report, suggestions.clone())), ..Engine::default() })));
    let mut harness = common::app_harness_in(fake, 1400.0, 2400.0, plantlab_ui::Lang::ZhCn);
    common::open_file_and_go_to_in_chinese(&mut harness, "数据清洗");
    harness.get_by_label_contains(&format!("建议步骤：{} 个", suggestions.len()));

    for sentence in [
        "时间戳乱序（所有行）：时间在 2 处倒退（首次在 3月4日 16:40）；请按时间排序，使之后的每一步都按顺序看到读数。",
        "卡滞（FI-301 Flow）：FI-301 Flow 连续 36 个样本重复同一读数（从 3月5日 17:40 起），而设备在运行、其他位号在变化：变送器卡滞。",
        "单位跳变（TI-101 Bearing temp）：TI-101 Bearing temp 从 3月5日 01:00 起的 2 h 内以另一种单位记录",
        "Fault 取每个区间的最大值（区间内任何时刻有故障），绝不取平均值。",
        "缺失（Batch）：Batch 有 1 个单元格为空（首次在 3月7日 07:10）。沿用上一个读数，跨越不超过 5 min 的间隙（5 个采样间隔）：可填补 1 列中的 1 个单元格。",
    ] {
        harness.get_by_label_contains(sentence);
    }
    // Every suggestion's line is Chinese; none shows the engine's English reason.
    // The lines are labels: their text is the accessibility node's value.
    let lines: Vec<String> =
        harness.query_all_by_label_contains("）：").filter_map(|node| node.accesskit_node().value().map(|v| v.to_string())).collect();
    for suggestion in &suggestions {
        assert!(!lines.iter().any(|text| text.contains(&suggestion.reason)), "English shown: {}", suggestion.reason);
        let column = suggestion.column.clone().unwrap_or_else(|| "所有行".into());
        let kind = plantlab_i18n::finding_kind_text(&plantlab_i18n::Catalog::new(plantlab_i18n::Lang::ZhCn), suggestion.kind.as_str());
        let prefix = format!("{kind}（{column}）：");
        let line = lines.iter().find(|text| text.starts_with(&prefix)).unwrap_or_else(|| panic!("no line for {prefix}: {lines:#?}"));
        assert!(line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{line}");
    }
    common::assert_nothing_fell_back_to_english();
}

/// A DST repeat as the engine codes it, with its English.
fn dst_repeat_warning() -> (Vec<String>, Vec<CodedSentence>) {
    let english = "Local times repeat at row 1234 (clock went back about an hour at 2026-10-25 02:59:00): a daylight-saving fall-back. Times are \
                   kept as written; sort or resolve duplicates when cleaning.";
    let code = CodedSentence::new("dst_repeat", [("row", 1234u64.into()), ("time", "2026-10-25 02:59:00".into())]);
    (vec![english.to_owned()], vec![code])
}

#[test]
fn the_step_list_gate_grid_and_an_import_warning_read_in_chinese() {
    let report: QualityReport = serde_json::from_str(include_str!("data/messy_report.json")).unwrap();
    let suggestions = messy_suggestions();
    // The history holds every step the engine suggested for the messy export, plus the spike step.
    let mut history: Vec<RecipeStep> = suggestions.iter().map(|s| RecipeStep::new(s.step.clone())).collect();
    history.push(RecipeStep::new(despike()));
    let engine = Engine { messy: Some((report, suggestions)), history: history.clone(), import_warnings: dst_repeat_warning(), ..Engine::default() };
    let fake = Rc::new(RefCell::new(Fake::new(engine)));
    let mut harness = common::app_harness_in(fake, 1400.0, 3200.0, plantlab_ui::Lang::ZhCn);
    common::open_file_and_go_to_in_chinese(&mut harness, "数据清洗");

    let chinese = plantlab_i18n::Catalog::new(plantlab_i18n::Lang::ZhCn);
    for (number, step) in history.iter().enumerate() {
        let worded = plantlab_i18n::describe_step(&chinese, &step.step).unwrap_or_else(|| panic!("{:?}", step.step));
        harness.get_by_label(&format!("{}. {worded}", number + 1));
        assert!(harness.query_all_by_label_contains(&step.step.describe()).next().is_none(), "English shown: {}", step.step.describe());
    }
    harness.get_by_label("1. 按时间排序各行");
    harness.get_by_label_contains("temp 中属于尖峰（Hampel，±10 个样本，5 σ）的值设为缺失");
    // The gate grid names its check, not its code.
    assert!(harness.query_all_by_label("尖峰").next().is_some(), "the gate grid's spike check by name");
    assert!(harness.query_all_by_label("spikes").next().is_none(), "the check's code is shown");
    // The import's DST repeat, in the notice, worded from its code.
    harness.get_by_label_contains("导入：本地时间在第 1234 行出现重复");
    assert!(harness.query_all_by_label_contains("Local times repeat").next().is_none());
    harness.get_by_label("数据").click();
    harness.run();
    assert!(harness.query_all_by_label_contains("夏令时结束时的回拨").count() >= 2, "in the Data pane's banner too");
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn every_character_of_the_chinese_import_and_cleaning_words_has_a_glyph() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake, 800.0, 600.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    let font = egui::FontId::proportional(14.0);
    let text: String = plantlab_i18n::IMPORT_CLEAN_CHINESE_FTL.chars().filter(|c| !c.is_control()).collect();
    let missing: String = text.chars().filter(|&c| !harness.ctx.fonts_mut(|fonts| fonts.has_glyph(&font, c))).collect();
    assert!(missing.is_empty(), "characters of import_clean.ftl without a glyph: {missing:?}");
}
