//! Drives the Evaluate pane (native build) with a fake backend that answers evaluations the
//! way the engine does: runs list -> the newest completed run is evaluated -> metrics next to
//! the baseline -> the threshold moves the confusion counts -> costs suggest a threshold ->
//! export the bundle; multi-class runs hide the threshold tools.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use plantlab_protocol::{
    ClassMetrics, EvaluateRequest, Evaluation, EventOptions, EventScore, FaultEpisode, FilePurpose, ModelKind, RiskTimeline, RunEntry, RunStatus,
    RunSummary, TagContribution, TaskEvent, TaskOutcome, ThresholdPoint,
};
use plantlab_ui::{Pane, PlantLabApp, Reply, Request};

use crate::common;

const BUNDLE_PATH: &str = "/out/pump.plbundle";
const REPORT_PATH: &str = "/out/pump-report.html";

#[derive(Default)]
struct Engine {
    /// Answer evaluations as for a three-class target.
    multiclass: bool,
    /// Keep answers to evaluations at a chosen threshold until the test releases them, to
    /// show what the pane does before the engine has answered.
    hold_threshold_answers: bool,
    held: Vec<Reply>,
}

type Fake = common::Fake<Engine>;

fn entry(id: &str, created: &str, status: RunStatus) -> RunEntry {
    RunEntry {
        run_id: id.into(),
        run_dir: format!("/runs/{id}"),
        created: created.into(),
        status,
        model: ModelKind::Seed,
        target: "fault".into(),
        data: "/data/pump.csv".into(),
        epochs_run: 10,
        best_epoch: 8,
        best_val_loss: Some(0.2),
        test_roc_auc: Some(0.93),
        test_pr_auc: Some(0.61),
        message: String::new(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        mode: plantlab_protocol::SequenceMode::Row,
        sampling_interval_s: None,
        normal: None,
    }
}

fn point(threshold: f64, tp: u64, fp: u64, tn: u64, fn_: u64) -> ThresholdPoint {
    ThresholdPoint { threshold, tp, fp, tn, fn_ }
}

/// 150 test samples, 15 of them faults. With a missed failure costing 10 and a false alarm 1,
/// the cheapest threshold is 0.3 (1·10 + 15 = 25); with a false alarm costing 5 it is 0.5
/// (3·10 + 5·5 = 55).
fn threshold_table() -> Vec<ThresholdPoint> {
    vec![point(0.1, 15, 60, 75, 0), point(0.3, 14, 15, 120, 1), point(0.5, 12, 5, 130, 3), point(0.8, 8, 1, 134, 7), point(0.95, 2, 0, 135, 13)]
}

fn binary_evaluation(request: &EvaluateRequest) -> Evaluation {
    let threshold = request.threshold.unwrap_or(0.5);
    let samples = 150usize;
    let t0 = 1_796_083_200_000.0; // 2026-12-01 00:00 UTC, one sample every 10 minutes
    let timeline = RiskTimeline {
        x: (0..samples).map(|i| t0 + i as f64 * 600_000.0).collect(),
        has_timestamps: true,
        risk: (0..samples).map(|i| if (60..75).contains(&i) { 0.85 } else { 0.1 }).collect(),
        fault: (0..samples).map(|i| (65..80).contains(&i)).collect(),
    };
    let episode = |index: u32, start: u64, detected: bool, lead: Option<f64>| FaultEpisode {
        index,
        start_row: start,
        end_row: start + 4,
        start_ms: Some(1_796_083_200_000 + start as i64 * 600_000),
        end_ms: Some(1_796_083_200_000 + (start as i64 + 4) * 600_000),
        detected,
        first_alarm_row: lead.map(|_| start - 3),
        first_alarm_ms: None,
        lead_time: lead,
    };
    Evaluation {
        source: plantlab_protocol::test_split_source(&request.run_id),
        run_id: Some(request.run_id.clone()),
        classes: vec!["normal".into(), "fault".into()],
        positive_class: Some(1),
        samples: 150,
        threshold,
        majority_accuracy: 0.9,
        test: ClassMetrics {
            samples: 150,
            loss: Some(0.21),
            accuracy: 0.947,
            balanced_accuracy: 0.882,
            precision: 0.706,
            recall: 0.8,
            f1: 0.75,
            roc_auc: Some(0.931),
            pr_auc: Some(0.612),
            confusion: vec![vec![130, 5], vec![3, 12]],
        },
        baseline: ClassMetrics {
            samples: 150,
            loss: None,
            accuracy: 0.9,
            balanced_accuracy: 0.5,
            precision: 0.0,
            recall: 0.0,
            f1: 0.0,
            roc_auc: Some(0.5),
            pr_auc: Some(0.1),
            confusion: vec![vec![135, 0], vec![15, 0]],
        },
        baseline_trees: None,
        roc: vec![[0.0, 0.0], [0.04, 0.8], [0.44, 1.0], [1.0, 1.0]],
        pr: vec![[0.0, 1.0], [0.8, 0.706], [1.0, 0.2]],
        thresholds: threshold_table(),
        events: Some(EventScore {
            has_timestamps: true,
            episodes: vec![episode(1, 20, true, Some(5400.0)), episode(2, 65, true, Some(1800.0)), episode(3, 120, false, None)],
            detected: 2,
            missed: 1,
            median_lead_time: Some(3600.0),
            false_alarms: 2,
            normal_samples: 120,
            normal_days: Some(0.83),
            false_alarms_per_day: Some(2.4),
            false_alarms_per_1000_samples: 16.7,
        }),
        event_options: request.events,
        contributions: vec![
            TagContribution { tag: "TI-101".into(), mean_abs: 0.12, mean_signed: 0.1 },
            TagContribution { tag: "FI-120".into(), mean_abs: 0.05, mean_signed: -0.03 },
        ],
        timeline,
    }
}

fn multiclass_evaluation(request: &EvaluateRequest) -> Evaluation {
    let metrics = |accuracy: f64, balanced: f64| ClassMetrics {
        samples: 300,
        loss: None,
        accuracy,
        balanced_accuracy: balanced,
        precision: 0.71,
        recall: 0.69,
        f1: 0.7,
        roc_auc: Some(0.88),
        pr_auc: Some(0.74),
        confusion: vec![vec![200, 6, 4], vec![9, 41, 0], vec![7, 1, 32]],
    };
    Evaluation {
        source: plantlab_protocol::test_split_source(&request.run_id),
        run_id: Some(request.run_id.clone()),
        classes: vec!["normal".into(), "bearing".into(), "seal".into()],
        positive_class: None,
        samples: 300,
        threshold: 0.5,
        majority_accuracy: 0.7,
        test: metrics(0.91, 0.81),
        baseline: ClassMetrics { accuracy: 0.7, balanced_accuracy: 0.333, ..ClassMetrics::default() },
        baseline_trees: None,
        roc: vec![],
        pr: vec![],
        thresholds: vec![],
        events: None,
        event_options: EventOptions::default(),
        contributions: vec![],
        timeline: RiskTimeline::default(),
    }
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        let fake = self;
        match &request {
            Request::ListRuns => vec![Reply::Runs(vec![
                entry("run-1", "2026-11-27 09:00:00", RunStatus::Completed),
                entry("run-2", "2026-11-28 10:15:00", RunStatus::Completed),
                entry("run-3", "2026-11-28 12:00:00", RunStatus::Failed),
            ])],
            Request::Evaluate(request) => {
                let evaluation = if fake.multiclass { multiclass_evaluation(request) } else { binary_evaluation(request) };
                let reply = Reply::Evaluation(Box::new(evaluation));
                if fake.hold_threshold_answers && request.threshold.is_some() {
                    fake.held.push(reply);
                    vec![]
                } else {
                    vec![reply]
                }
            }
            Request::PickPath { purpose } => {
                let path = match purpose {
                    FilePurpose::SaveBundle => Some(BUNDLE_PATH.to_owned()),
                    FilePurpose::SaveReport => Some(REPORT_PATH.to_owned()),
                    _ => None,
                };
                vec![Reply::PickedPath { purpose: *purpose, path }]
            }
            Request::ExportReport { path, .. } => vec![Reply::Saved { what: "Report".into(), path: path.clone() }],
            _ => vec![],
        }
    }
}

fn harness(fake: Rc<RefCell<Fake>>) -> Harness<'static, PlantLabApp> {
    common::app_harness(fake, 1500.0, 1400.0)
}

fn open_evaluate_pane(harness: &mut Harness<'static, PlantLabApp>) {
    harness.run();
    harness.get_by_label("Evaluate").click();
    harness.run();
    assert_eq!(harness.state().pane(), Pane::Evaluate);
}

fn evaluations_sent(fake: &Rc<RefCell<Fake>>) -> Vec<EvaluateRequest> {
    fake.borrow().sent.iter().filter_map(|r| if let Request::Evaluate(e) = r { Some(e.clone()) } else { None }).collect()
}

#[test]
fn the_newest_completed_run_shows_metrics_next_to_the_baseline() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_evaluate_pane(&mut harness);

    assert!(fake.borrow().sent.contains(&Request::ListRuns));
    // run-3 is newer but failed: run-2 is the one evaluated, at its default threshold.
    let sent = evaluations_sent(&fake);
    assert_eq!(sent.len(), 1, "one evaluation, not one per frame: {sent:?}");
    assert_eq!((sent[0].run_id.as_str(), sent[0].threshold), ("run-2", None));

    harness.get_by_label_contains("test split of run run-2: 150 test samples");
    harness.get_by_label("majority baseline");
    // Model column (at 0.5: 142 of 150 right) next to the baseline column.
    harness.get_by_label("0.947");
    harness.get_by_label("0.900");
    harness.get_by_label("0.931");
    harness.get_by_label("0.612");
    harness.get_by_label("0.100");
    harness.get_by_label_contains("ROC curve (area 0.931)");
    harness.get_by_label_contains(
        "Detected 2 of 3 fault episodes (1 missed); median lead time 1 h ahead; 2 false-alarm events (2.40 false-alarm events per day",
    );
    harness.get_by_label("1 h 30 min ahead");
    harness.get_by_label("missed");
}

#[test]
fn the_threshold_moves_the_confusion_counts_and_costs_suggest_one() {
    let fake = Rc::new(RefCell::new(Fake::new(Engine { hold_threshold_answers: true, ..Engine::default() })));
    let mut harness = harness(fake.clone());
    open_evaluate_pane(&mut harness);

    let at_half = "At threshold 0.500: 12 of 15 fault samples caught (3 missed), 5 false-alarm samples among 135 normal samples";
    harness.get_by_label_contains(at_half);
    harness.get_by_label("130");

    // Moving the slider re-reads the threshold table: new counts without a round-trip…
    harness.get_by_role_and_label(egui::Role::Slider, "Threshold").set_value_accesskit(0.85);
    harness.run();
    harness.get_by_label_contains("At threshold 0.850: 8 of 15 fault samples caught (7 missed), 1 false-alarm samples among 135 normal samples");
    assert!(harness.query_by_label_contains(at_half).is_none());
    harness.get_by_label("134");
    assert!(harness.query_by_label("130").is_none(), "the old true-negative count is gone");
    // …and once it settles, events and timeline are asked for at the new threshold.
    let last = evaluations_sent(&fake).pop();
    assert_eq!(last.map(|e| (e.run_id, e.threshold)), Some(("run-2".into(), Some(0.85))));
    // The engine's answer agrees with what the table showed.
    let held = std::mem::take(&mut fake.borrow_mut().held);
    assert_eq!(held.len(), 1);
    fake.borrow_mut().pending.extend(held);
    harness.run();
    harness.get_by_label_contains("At threshold 0.850: 8 of 15 fault samples caught");
    fake.borrow_mut().hold_threshold_answers = false;

    // Costs: a miss 10, a false alarm 1 (the defaults) → 0.3.
    harness.get_by_label("Suggest threshold").click();
    harness.run();
    harness.get_by_label_contains("Suggested threshold 0.300: total cost 25, 1 missed fault samples, 15 false-alarm samples");
    // A false alarm costing 5 moves the optimum up to 0.5.
    harness.get_by_role_and_label(egui::Role::SpinButton, "Cost of a false alarm").set_value_accesskit(5.0);
    harness.run();
    assert!(harness.query_by_label_contains("Suggested threshold 0.300").is_none(), "a cost change drops the old suggestion");
    harness.get_by_label("Suggest threshold").click();
    harness.run();
    harness.get_by_label_contains("Suggested threshold 0.500: total cost 55, 3 missed fault samples, 5 false-alarm samples");
    harness.get_by_label("Use this threshold").click();
    harness.run();
    assert_eq!(evaluations_sent(&fake).pop().and_then(|e| e.threshold), Some(0.5));
    harness.get_by_label_contains("At threshold 0.500: 12 of 15 fault samples caught");

    // The bundle carries the chosen threshold.
    harness.get_by_label("Export model bundle…").click();
    harness.run();
    // ... and the alarm settings the pane shows.
    assert!(fake.borrow().sent.iter().any(|r| matches!(r,
        Request::ExportBundle { run_id, path, threshold: Some(t), events: Some(_) } if run_id == "run-2" && path == BUNDLE_PATH && *t == 0.5)));
    harness.get_by_label("Export report…").click();
    harness.run();
    assert!(fake.borrow().sent.contains(&Request::ExportReport { run_id: "run-2".into(), path: REPORT_PATH.into(), lang: "en".into() }));
    assert!(harness.state().notices().iter().any(|n| n.text == format!("Report saved to {REPORT_PATH}.")));
}

#[test]
fn a_multiclass_run_shows_metrics_and_matrix_without_threshold_tools() {
    let fake = Rc::new(RefCell::new(Fake::new(Engine { multiclass: true, ..Engine::default() })));
    let mut harness = harness(fake.clone());
    open_evaluate_pane(&mut harness);

    harness.get_by_label_contains("Multi-class target");
    assert!(harness.query_by_role_and_label(egui::Role::Slider, "Threshold").is_none());
    assert!(harness.query_by_label("Suggest threshold").is_none());
    harness.get_by_label("0.910");
    harness.get_by_label("0.333");
    for class in ["normal", "bearing", "seal"] {
        assert_eq!(harness.query_all_by_label(class).count(), 2, "{class} heads a row and a column");
    }
    harness.get_by_label("200");
    harness.get_by_label("41");
    harness.get_by_label_contains("no labelled fault episodes");
}

#[test]
fn a_finished_training_run_is_evaluated_next() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_evaluate_pane(&mut harness);
    let summary = RunSummary {
        run_id: "run-4".into(),
        run_dir: "/runs/run-4".into(),
        status: RunStatus::Completed,
        message: "completed all 10 epochs".into(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        epochs_run: 10,
        best_epoch: 9,
        majority_accuracy: 0.9,
        val: None,
        test: None,
        baseline: None,
        baseline_trees: None,
        seconds: 30.0,
    };
    fake.borrow_mut().pending.push(Reply::Task(TaskEvent::Finished { task: 9, outcome: TaskOutcome::Trained(summary) }));
    harness.run();
    let last = evaluations_sent(&fake).pop();
    assert_eq!(last.map(|e| e.run_id), Some("run-4".into()));
    harness.get_by_label_contains("test split of run run-4");
}

#[test]
fn the_look_back_is_editable_and_sent_with_the_next_request() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_evaluate_pane(&mut harness);
    harness.get_by_label_contains("warns of the episode");
    // Default 6 h; set 12 h.
    harness.get_by_role_and_label(egui::Role::SpinButton, "Look-back").set_value_accesskit(12.0);
    harness.run();
    let last = evaluations_sent(&fake).pop().expect("asked again");
    assert_eq!(last.events.lookback_s, 12.0 * 3600.0);
    assert_eq!(last.run_id, "run-2");
    // The answer keeps the new look-back (the next threshold request carries it too).
    harness.get_by_role_and_label(egui::Role::Slider, "Threshold").set_value_accesskit(0.85);
    harness.run();
    assert_eq!(evaluations_sent(&fake).pop().map(|e| e.events.lookback_s), Some(12.0 * 3600.0));
}

#[test]
fn the_evaluate_pane_reads_in_chinese() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 1400.0, plantlab_ui::Lang::ZhCn);
    harness.run();
    harness.get_by_label("评估").click();
    harness.run();
    assert_eq!(harness.state().pane(), Pane::Evaluate);
    harness.get_by_label_contains("测试样本 150 个");
    // The run's own test split is named in Chinese, not as the engine's English source.
    harness.get_by_label_contains("训练记录 run-");
    assert!(harness.query_all_by_label_contains("test split of run").next().is_none(), "the English source is shown");
    harness.get_by_label("多数类基线");
    harness.get_by_label("0.931");
    harness.get_by_label_contains("ROC 曲线（面积 0.931）");
    harness.get_by_label_contains("检出 3 个故障片段中的 2 个（漏报 1 个）");
    harness.get_by_label("提前 1 h 30 min");
    harness.get_by_label("漏报");
    harness.get_by_label("判定阈值");
    common::assert_nothing_fell_back_to_english();
}
