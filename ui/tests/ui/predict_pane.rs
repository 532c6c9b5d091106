//! Drives the Predict pane (native build) with a fake backend: open a bundle -> choose the
//! data -> predict (task events as the engine streams them) -> alarms with explanations,
//! input warnings, the figures against the file's labels -> export the predictions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use plantlab_protocol::{
    message_args, Alarm, AlarmSentence, BundleInfo, ClassMetrics, Evaluation, EventOptions, EventScore, FaultEpisode, FilePurpose, InputWarning,
    InputWarningKind, MessageArg, ModelKind, PredictRequest, PredictionResult, RiskTimeline, TagContribution, TaskEvent, TaskKind, TaskOutcome,
};
use plantlab_ui::{Pane, PlantLabApp, Reply, Request};

use crate::common;

const BUNDLE_PATH: &str = "/models/pump-7.plbundle";
const DATA_PATH: &str = "/data/pump-2026-12.csv";
const PREDICTIONS_PATH: &str = "/out/pump-2026-12-predictions.csv";
const PREDICT_TASK: u64 = 21;
/// 2026-12-01 00:00:00 UTC; the export has one sample a minute.
const T0_MS: i64 = 1_796_083_200_000;
const MINUTE_MS: i64 = 60_000;

const SECOND_ALARM_EXPLANATION: &str =
    "TI-101 bearing temperature rose 18 °C above its training median over the last 40 minutes while VI-230 vibration doubled.";
const FIRST_ALARM_EXPLANATION: &str = "PI-310 discharge pressure fell 1.2 bar below its training range.";

#[derive(Default)]
struct Engine;

type Fake = common::Fake<Engine>;

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        match request {
            Request::PickPath { purpose } => {
                let path = match purpose {
                    FilePurpose::OpenBundle => Some(BUNDLE_PATH),
                    FilePurpose::OpenPredictData => Some(DATA_PATH),
                    FilePurpose::SavePredictions => Some(PREDICTIONS_PATH),
                    _ => None,
                };
                vec![Reply::PickedPath { purpose, path: path.map(str::to_owned) }]
            }
            Request::OpenBundle { path } => vec![Reply::Bundle(Box::new(bundle(&path)))],
            Request::ExportPredictions { path } => vec![Reply::Saved { what: "Predictions".into(), path }],
            Request::Cancel { task } => vec![Reply::Task(TaskEvent::Cancelled { task })],
            // The prediction's events are fed by the test, as the engine would stream them.
            _ => vec![],
        }
    }
}

fn metrics(accuracy: f64, recall: f64, roc_auc: f64) -> ClassMetrics {
    ClassMetrics {
        samples: 1440,
        loss: Some(0.18),
        accuracy,
        balanced_accuracy: 0.5 + recall / 2.0,
        precision: 0.62,
        recall,
        f1: 0.7,
        roc_auc: Some(roc_auc),
        pr_auc: Some(0.66),
        confusion: vec![vec![1300, 40], vec![20, 80]],
    }
}

fn bundle(path: &str) -> BundleInfo {
    BundleInfo {
        path: path.into(),
        format_version: 1,
        run_id: "20261128-101500-seed".into(),
        created: "2026-11-28 10:15:00".into(),
        model: ModelKind::Transformer,
        target: "trip_within_2h".into(),
        classes: vec!["false".into(), "true".into()],
        features: ["TI-101", "VI-230", "PI-310", "FI-120", "mode"].iter().map(|s| s.to_string()).collect(),
        recipe_steps: 4,
        threshold: 0.6,
        test: Some(metrics(0.95, 0.8, 0.912)),
        event_options: EventOptions::default(),
        training_period_ms: None,
    }
}

fn tag(name: &str, signed: f64) -> TagContribution {
    TagContribution { tag: name.into(), mean_abs: signed.abs(), mean_signed: signed }
}

fn alarm(index: u32, start_row: u64, end_row: u64, peak: f64, tags: Vec<TagContribution>, explanation: &str) -> Alarm {
    let at = |row: u64| Some(T0_MS + row as i64 * MINUTE_MS);
    Alarm {
        index,
        start_row,
        end_row,
        start_ms: at(start_row),
        end_ms: at(end_row),
        peak_risk: peak,
        peak_row: (start_row + end_row) / 2,
        top_tags: tags,
        explanation: explanation.into(),
        explanation_sentences: Vec::new(),
    }
}

/// A day of minutes: two alarms, one labelled fault episode, two input warnings.
fn prediction() -> PredictionResult {
    let samples = 1440usize;
    let x: Vec<f64> = (0..samples).map(|i| (T0_MS + i as i64 * MINUTE_MS) as f64).collect();
    let risk: Vec<f32> = (0..samples)
        .map(|i| match i {
            300..=320 => 0.7,
            900..=960 => 0.93,
            _ => 0.05 + (i % 7) as f32 * 0.01,
        })
        .collect();
    let fault: Vec<bool> = (0..samples).map(|i| (940..=1000).contains(&i)).collect();
    let timeline = RiskTimeline { x, has_timestamps: true, risk, fault };
    let events = EventScore {
        has_timestamps: true,
        episodes: vec![FaultEpisode {
            index: 1,
            start_row: 940,
            end_row: 1000,
            start_ms: Some(T0_MS + 940 * MINUTE_MS),
            end_ms: Some(T0_MS + 1000 * MINUTE_MS),
            detected: true,
            first_alarm_row: Some(900),
            first_alarm_ms: Some(T0_MS + 900 * MINUTE_MS),
            lead_time: Some(2400.0),
        }],
        detected: 1,
        missed: 0,
        median_lead_time: Some(2400.0),
        false_alarms: 1,
        normal_samples: 1100,
        normal_days: Some(0.76),
        false_alarms_per_day: Some(1.32),
        false_alarms_per_1000_samples: 0.91,
    };
    let evaluation = Evaluation {
        source: DATA_PATH.into(),
        run_id: None,
        classes: vec!["false".into(), "true".into()],
        positive_class: Some(1),
        samples: 1440,
        threshold: 0.6,
        majority_accuracy: 0.958,
        test: metrics(0.971, 0.84, 0.944),
        baseline: ClassMetrics { accuracy: 0.958, balanced_accuracy: 0.5, roc_auc: Some(0.5), pr_auc: Some(0.042), ..ClassMetrics::default() },
        baseline_trees: None,
        roc: vec![[0.0, 0.0], [0.1, 0.8], [1.0, 1.0]],
        pr: vec![[0.0, 1.0], [0.84, 0.62], [1.0, 0.04]],
        thresholds: vec![],
        events: Some(events),
        event_options: EventOptions::default(),
        contributions: vec![tag("TI-101", 0.12), tag("VI-230", 0.08)],
        timeline: timeline.clone(),
    };
    PredictionResult {
        bundle: bundle(BUNDLE_PATH),
        file: DATA_PATH.into(),
        rows: 1442,
        samples: 1440,
        threshold: 0.6,
        timeline,
        alarms: vec![
            alarm(1, 300, 320, 0.7, vec![tag("PI-310", 0.2)], FIRST_ALARM_EXPLANATION),
            alarm(2, 900, 960, 0.93, vec![tag("TI-101", 0.31), tag("VI-230", 0.12)], SECOND_ALARM_EXPLANATION),
        ],
        alarm_count: 2,
        alarm_samples: 2,
        event_options: plantlab_protocol::EventOptions::default(),
        training_overlap: None,
        warnings: vec![
            InputWarning {
                kind: InputWarningKind::OutOfTrainingRange,
                tag: "TI-101".into(),
                count: 37,
                message: "37 values of \"TI-101\" lie outside the training range [20.5, 96.5] °C; the model puts them in its lowest or highest bin, so its risk there is an extrapolation. Check the unit and the sensor.".into(),
                example_rows: vec![931, 932, 933],
                variant: String::new(),
                args: message_args([("tag", "TI-101".into()), ("count", MessageArg::from(37u64)), ("range", "[20.5, 96.5] °C".into())]),
            },
            InputWarning {
                kind: InputWarningKind::MissingTag,
                tag: "FI-120".into(),
                count: 1440,
                message: "\"FI-120\" is not in this file (or is text where training had numbers); the model sees it as missing everywhere. Add the tag to the export, or train a model without it.".into(),
                example_rows: vec![],
                variant: String::new(),
                args: message_args([("tag", "FI-120".into())]),
            },
        ],
        evaluation: Some(evaluation),
        seconds: 1.4,
    }
}

fn harness(fake: Rc<RefCell<Fake>>) -> Harness<'static, PlantLabApp> {
    common::app_harness(fake, 1500.0, 1100.0)
}

fn open_predict_pane(harness: &mut Harness<'static, PlantLabApp>) {
    harness.run();
    harness.get_by_label("Predict").click();
    harness.run();
    assert_eq!(harness.state().pane(), Pane::Predict);
}

fn push(fake: &Rc<RefCell<Fake>>, event: TaskEvent) {
    fake.borrow_mut().pending.push(Reply::Task(event));
}

/// Bundle and data chosen, prediction started and reported as started by the backend.
fn start_prediction(fake: &Rc<RefCell<Fake>>, harness: &mut Harness<'static, PlantLabApp>) {
    open_predict_pane(harness);
    harness.get_by_label("Open bundle…").click();
    harness.run();
    harness.get_by_label("Open data…").click();
    harness.run();
    harness.get_by_label("Run prediction").click();
    harness.run();
    push(fake, TaskEvent::started(PREDICT_TASK, TaskKind::Predict, "Predicting pump-2026-12.csv"));
    push(
        fake,
        TaskEvent::Progress {
            task: PREDICT_TASK,
            fraction: 0.4,
            stage: "scoring".into(),
            stage_code: "scoring".into(),
            stage_args: Default::default(),
        },
    );
    harness.run();
}

#[test]
fn bundle_and_data_predict_into_alarms_with_explanations_and_warnings() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_predict_pane(&mut harness);

    // Nothing chosen yet: the button waits and says what is missing.
    harness.get_by_label("Open a model bundle and choose the data file to predict on.");
    harness.get_by_label("Run prediction").click();
    harness.run();
    assert!(!fake.borrow().sent.iter().any(|r| matches!(r, Request::Predict(_))), "Predict is disabled without a bundle and data");

    harness.get_by_label("Open bundle…").click();
    harness.run();
    assert!(fake.borrow().sent.contains(&Request::OpenBundle { path: BUNDLE_PATH.into() }));
    harness.get_by_label("transformer (run 20261128-101500-seed)");
    harness.get_by_label("5 tags");
    harness.get_by_label("4 cleaning steps");
    harness.get_by_label("ROC-AUC 0.912, PR-AUC 0.660");
    harness.get_by_label("Choose the data file to predict on (Open data…).");

    harness.get_by_label("Open data…").click();
    harness.run();
    harness.get_by_label("pump-2026-12.csv");
    assert!(harness.query_by_label_contains("Choose the data file").is_none(), "the hint goes once both are chosen");

    harness.get_by_label("Run prediction").click();
    harness.run();
    let expected = PredictRequest { path: DATA_PATH.into(), bundle: BUNDLE_PATH.into(), threshold: None, events: None };
    assert!(fake.borrow().sent.contains(&Request::Predict(expected)), "sent: {:?}", fake.borrow().sent);

    // The engine's task stream: progress in the status bar, then the result in the pane.
    push(&fake, TaskEvent::started(PREDICT_TASK, TaskKind::Predict, "Predicting pump-2026-12.csv"));
    push(
        &fake,
        TaskEvent::Progress {
            task: PREDICT_TASK,
            fraction: 0.4,
            stage: "scoring".into(),
            stage_code: "scoring".into(),
            stage_args: Default::default(),
        },
    );
    harness.run();
    let tasks = harness.state().tasks().to_vec();
    assert_eq!(tasks.len(), 1);
    assert_eq!((tasks[0].kind, tasks[0].fraction, tasks[0].stage.as_str()), (TaskKind::Predict, 0.4, "scoring"));
    harness.get_by_label("Predicting pump-2026-12.csv");
    push(&fake, TaskEvent::Finished { task: PREDICT_TASK, outcome: TaskOutcome::Predicted(Box::new(prediction())) });
    harness.run();
    assert!(harness.state().tasks().is_empty());

    harness.get_by_label_contains("1,442 rows, 1,440 samples predicted, 2 alarm events from 2 alarm samples at threshold 0.600");
    harness.get_by_label("Alarm event 1: 2026-12-01 05:00:00 – 2026-12-01 05:20:00 (20 min), peak risk 0.70; top tags PI-310");
    let second = "Alarm event 2: 2026-12-01 15:00:00 – 2026-12-01 16:00:00 (1 h), peak risk 0.93; top tags TI-101, VI-230";
    harness.get_by_label(second);

    // An alarm's explanation shows once it is selected, and only that alarm's.
    assert!(harness.query_by_label(SECOND_ALARM_EXPLANATION).is_none());
    harness.get_by_label(second).click();
    harness.run();
    harness.get_by_label("Why alarm event 2 fired");
    harness.get_by_label(SECOND_ALARM_EXPLANATION);
    harness.get_by_label("TI-101: raises the risk by 0.310 on average over the event");
    assert!(harness.query_by_label(FIRST_ALARM_EXPLANATION).is_none());

    // Warnings with their kind badges.
    harness.get_by_label("Input warnings (2)");
    harness.get_by_label("out_of_training_range");
    harness.get_by_label("missing_tag");
    harness.get_by_label_contains("\"FI-120\" is not in this file");
    harness.get_by_label("(37 samples)");

    // The file carried the label: metrics next to the baseline, and the event figures.
    harness.get_by_label("Against the labels in this file");
    harness.get_by_label("0.971");
    harness.get_by_label("0.958");
    harness.get_by_label_contains(
        "Detected 1 of 1 fault episodes (0 missed); median lead time 40 min ahead; 1 false-alarm event (1.32 false-alarm events per day",
    );

    harness.get_by_label("Export predictions (CSV)…").click();
    harness.run();
    assert!(fake.borrow().sent.contains(&Request::ExportPredictions { path: PREDICTIONS_PATH.into() }));
    assert!(harness.state().notices().iter().any(|n| n.text == format!("Predictions saved to {PREDICTIONS_PATH}.") && !n.is_error));
}

#[test]
fn a_cancelled_prediction_can_be_started_again() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    start_prediction(&fake, &mut harness);
    harness.get_by_label("Predicting… (progress and Cancel in the status bar)");

    harness.get_by_label("Cancel").click();
    harness.run();
    assert!(fake.borrow().sent.contains(&Request::Cancel { task: PREDICT_TASK }));
    assert!(harness.state().tasks().is_empty());
    assert!(harness.query_by_label_contains("Predicting…").is_none());

    // The button works again: a second start is sent.
    harness.get_by_label("Run prediction").click();
    harness.run();
    assert_eq!(fake.borrow().sent.iter().filter(|r| matches!(r, Request::Predict(_))).count(), 2);
}

#[test]
fn a_threshold_override_goes_with_the_request() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_predict_pane(&mut harness);
    harness.get_by_label("Open bundle…").click();
    harness.run();
    harness.get_by_label("Open data…").click();
    harness.run();
    harness.get_by_label("Override the bundle's threshold").click();
    harness.run();
    harness.get_by_role_and_label(egui::Role::Slider, "Alarm threshold").set_value_accesskit(0.75);
    harness.run();
    harness.get_by_label("Run prediction").click();
    harness.run();
    let sent = fake.borrow().sent.iter().find_map(|r| if let Request::Predict(p) = r { Some(p.clone()) } else { None });
    assert_eq!(sent.and_then(|p| p.threshold), Some(0.75));
}

#[test]
fn the_predict_pane_reads_in_chinese() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 1100.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    harness.get_by_label("预测").click();
    harness.run();
    assert_eq!(harness.state().pane(), Pane::Predict);
    harness.get_by_label("请打开模型包并选择待预测的数据文件。");
    harness.get_by_label("打开模型包…").click();
    harness.run();
    harness.get_by_label("5 个位号");
    harness.get_by_label("4 个清洗步骤");
    harness.get_by_label("打开数据…").click();
    harness.run();
    // Through accessibility: the pointer still hovers "打开数据…", whose tooltip covers the button.
    harness.get_by_label("运行预测").click_accesskit();
    harness.run();
    let expected = PredictRequest { path: DATA_PATH.into(), bundle: BUNDLE_PATH.into(), threshold: None, events: None };
    assert!(fake.borrow().sent.contains(&Request::Predict(expected)), "the same request as in English: {:?}", fake.borrow().sent);
    push(&fake, TaskEvent::started(PREDICT_TASK, TaskKind::Predict, "Predicting pump-2026-12.csv"));
    push(&fake, TaskEvent::Finished { task: PREDICT_TASK, outcome: TaskOutcome::Predicted(Box::new(prediction())) });
    harness.run();
    harness.get_by_label_contains("1,442 行，预测样本 1,440 个；阈值 0.600 下，2 个报警样本合并为 2 个报警事件");
    let second = "报警事件 2：2026-12-01 15:00:00 – 2026-12-01 16:00:00（1 h），风险峰值 0.93；主要位号 TI-101, VI-230";
    harness.get_by_label(second).click();
    harness.run();
    harness.get_by_label("报警事件 2 的原因");
    harness.get_by_label("TI-101：在该事件期间平均使风险升高 0.310");
    harness.get_by_label("输入警告（2 条）");
    harness.get_by_label("超出训练范围");
    harness.get_by_label("（37 个样本）");
    harness.get_by_label("导出预测结果（CSV）…").click();
    harness.run();
    assert!(harness.state().notices().iter().any(|n| n.text == format!("预测结果已保存到 {PREDICTIONS_PATH}。")));
    common::assert_nothing_fell_back_to_english();
}

/// The prediction as the engine codes it: the second alarm's explanation carries its codes and
/// arguments too (the input warnings already do); protocol values, through JSON as the bridge
/// hands them over.
fn coded_prediction() -> PredictionResult {
    let mut result = prediction();
    let second = &mut result.alarms[1];
    second.explanation_sentences = vec![
        AlarmSentence::new(
            "headline",
            [
                ("risk", MessageArg::Text("0.93".into())),
                ("when", MessageArg::Text("2026-12-01 15:30:00".into())),
                ("samples", MessageArg::from(61u64)),
            ],
        ),
        AlarmSentence::new(
            "tag_numeric",
            [
                ("tag", MessageArg::from("TI-101")),
                ("level", MessageArg::phrase("level_above", [("difference", "18.2 °C".into()), ("median", "61.0 °C".into())])),
                ("span", MessageArg::phrase("span_duration", [("duration", MessageArg::Duration(2400.0))])),
                ("trend", MessageArg::phrase("trend_rising", [])),
                ("range", MessageArg::phrase("range_above", [("last", "96.9 °C".into()), ("max", "96.5 °C".into())])),
            ],
        ),
        AlarmSentence::new("open_at_end", []),
    ];
    // Through JSON, as the shell hands it to the UI.
    let json = serde_json::to_string(&result).unwrap();
    serde_json::from_str(&json).unwrap()
}

#[test]
fn the_predict_pane_words_alarm_explanations_and_input_warnings_in_chinese() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 1100.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    harness.get_by_label("预测").click();
    harness.run();
    harness.get_by_label("打开模型包…").click();
    harness.run();
    harness.get_by_label("打开数据…").click();
    harness.run();
    harness.get_by_label("运行预测").click_accesskit();
    harness.run();
    push(&fake, TaskEvent::started(PREDICT_TASK, TaskKind::Predict, "Predicting pump-2026-12.csv"));
    push(&fake, TaskEvent::Finished { task: PREDICT_TASK, outcome: TaskOutcome::Predicted(Box::new(coded_prediction())) });
    harness.run();
    harness.get_by_label("报警事件 2：2026-12-01 15:00:00 – 2026-12-01 16:00:00（1 h），风险峰值 0.93；主要位号 TI-101, VI-230").click();
    harness.run();
    harness.get_by_label(
        "风险 0.93，出现在 2026-12-01 15:30:00（61 个样本高于阈值）。\
         TI-101：最近 40 min 内比训练中位数 61.0 °C 高 18.2 °C，呈上升趋势；当前值 96.9 °C 高于训练中出现过的所有值（最大 96.5 °C）。\
         数据结束时报警仍在持续。",
    );
    harness.get_by_label(
        "“TI-101”有 37 个值超出训练范围 [20.5, 96.5] °C；模型把它们归入最低或最高的分箱，因此这些位置的风险是外推结果。请检查单位和传感器。",
    );
    harness
        .get_by_label("此文件中没有“FI-120”（或训练时为数值、此处却是文本）；模型将其视为处处缺失。请在导出中加入该位号，或训练一个不含它的模型。");
    assert!(harness.query_by_label_contains("training").is_none(), "no English sentence is left");
    common::assert_nothing_fell_back_to_english();
}
