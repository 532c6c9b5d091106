//! Drives the Train pane (native build) with a fake backend that streams training updates the
//! way the engine does: configure -> start -> live epochs -> cancel or finish -> runs list ->
//! compare.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use plantlab_protocol::{
    message_args, BatchMetrics, ClassMetrics, ColumnInfo, ColumnKind, ConfigDifference, DatasetSummary, EpochMetrics, ModelKind, RunComparison,
    RunDetail, RunEntry, RunStatus, RunSummary, TaskEvent, TaskKind, TaskOutcome, TrainConfig, TrainDataInfo, TrainUpdate,
};
use plantlab_ui::{Pane, PlantLabApp, Reply, Request};

use crate::common;

#[derive(Default)]
struct Engine {
    runs: Vec<RunEntry>,
}

type Fake = common::Fake<Engine>;

const TRAIN_TASK: u64 = 7;

fn entry(id: &str, lr: f64) -> RunEntry {
    RunEntry {
        run_id: id.into(),
        run_dir: format!("/runs/{id}"),
        created: "2026-11-29 01:00:00".into(),
        status: if lr > 0.005 { RunStatus::Interrupted } else { RunStatus::Completed },
        model: ModelKind::Seed,
        target: "fault".into(),
        data: "/data/pump.csv".into(),
        epochs_run: 2,
        best_epoch: 2,
        best_val_loss: Some(0.2),
        test_roc_auc: Some(0.91),
        test_pr_auc: Some(0.55),
        message: String::new(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        mode: plantlab_protocol::SequenceMode::Row,
        sampling_interval_s: None,
        normal: None,
    }
}

fn epoch(epoch: u32, val_loss: f64) -> EpochMetrics {
    EpochMetrics {
        epoch,
        train_loss: val_loss + 0.05,
        train_accuracy: 0.9,
        val_loss,
        val_accuracy: 0.92,
        val_roc_auc: Some(0.9),
        val_pr_auc: Some(0.5),
        best: true,
        seconds: 1.0,
        samples_per_s: 12_345.0,
    }
}

fn detail(entry: RunEntry) -> RunDetail {
    RunDetail {
        entry,
        config: TrainConfig { target: "fault".into(), ..TrainConfig::default() },
        recipe: None,
        data: None,
        epochs: vec![epoch(1, 0.4), epoch(2, 0.3)],
        batches: vec![],
        summary: None,
    }
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        let fake = self;
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some("/data/pump.csv".into()))],
            Request::Load { path, .. } => {
                let column = |name: &str, kind| ColumnInfo { name: name.into(), dtype: "f64".into(), kind, null_count: 0, unit: None };
                let summary = DatasetSummary {
                    path,
                    rows: 1000,
                    columns: vec![column("temp", ColumnKind::Numeric), column("pump_id", ColumnKind::Text), column("fault", ColumnKind::Boolean)],
                    timestamp_column: None,
                    import: common::plain_csv_settings(),
                    warnings: vec![],
                    warning_codes: Vec::new(),
                };
                vec![Reply::Task(TaskEvent::Finished { task: 1, outcome: TaskOutcome::Loaded(summary) })]
            }
            Request::StartTrain(config) => {
                let task = TRAIN_TASK;
                let data = TrainDataInfo {
                    classes: vec!["false".into(), "true".into()],
                    positive_class: Some(1),
                    features: config.features.clone(),
                    train_samples: 700,
                    validation_samples: 150,
                    test_samples: 150,
                    vocab_size: 66,
                    sequence_length: 2,
                    class_weights: vec![1.0, 9.0],
                    class_shares: vec![0.9, 0.1],
                    class_weights_from: None,
                };
                let mut replies = vec![
                    Reply::Task(TaskEvent::started(task, TaskKind::Train, "Training seed on \"fault\"")),
                    Reply::Task(TaskEvent::Train {
                        task,
                        update: TrainUpdate::Prepared { run_id: "run-3".into(), run_dir: "/runs/run-3".into(), data },
                    }),
                ];
                for e in 1..=2 {
                    for b in 1..=22 {
                        let loss = if b == 11 { 4.0 } else { 0.5 / f64::from(e) };
                        replies.push(Reply::Task(TaskEvent::Train {
                            task,
                            update: TrainUpdate::Batch(BatchMetrics { epoch: e, batch: b, batches: 22, loss, accuracy: 0.9 }),
                        }));
                    }
                    replies.push(Reply::Task(TaskEvent::Train { task, update: TrainUpdate::Epoch(epoch(e, 0.5 / f64::from(e))) }));
                }
                replies
            }
            Request::Cancel { task } => vec![Reply::Task(TaskEvent::Cancelled { task })],
            Request::ListRuns => vec![Reply::Runs(fake.runs.clone())],
            Request::CompareRuns(ids) => {
                let runs: Vec<RunDetail> = fake.runs.iter().filter(|r| ids.contains(&r.run_id)).cloned().map(detail).collect();
                vec![Reply::Comparison(Box::new(RunComparison {
                    runs,
                    differences: vec![ConfigDifference {
                        field: "config.learning_rate".into(),
                        values: vec![Some("0.001".into()), Some("0.01".into())],
                    }],
                }))]
            }
            _ => vec![],
        }
    }
}

fn harness(fake: Rc<RefCell<Fake>>) -> Harness<'static, PlantLabApp> {
    common::app_harness(fake, 1500.0, 950.0)
}

fn open_train_pane(harness: &mut Harness<'static, PlantLabApp>) {
    common::open_file_and_go_to(harness, "Train");
    assert_eq!(harness.state().pane(), Pane::Train);
}

#[test]
fn a_run_streams_live_curves_and_can_be_cancelled() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_train_pane(&mut harness);

    // Defaults from the origin are filled in; the boolean "fault" column is the target.
    harness.get_by_label("Run configuration");
    harness.get_by_label("No runs yet.");
    harness.get_by_label("Start training").click();
    harness.run();
    let config = fake.borrow().sent.iter().find_map(|r| if let Request::StartTrain(c) = r { Some(c.clone()) } else { None });
    let config = config.map(|c| *c).unwrap_or_default();
    assert_eq!(config.target, "fault");
    assert_eq!((config.epochs, config.batch_size, config.embedding_dim), (10, 32, 64));
    assert_eq!(config.learning_rate, 0.001);

    // The live view: data split, throughput, the epoch counter, and the status-bar task.
    harness.get_by_label_contains("700 train / 150 validation / 150 test samples");
    harness.get_by_label_contains("epoch 2/10, batch 22/22");
    harness.get_by_label_contains("12,345 samples/s");
    harness.get_by_label_contains("UI frame p95");
    assert_eq!(harness.state().tasks().len(), 1);
    assert!(harness.state().frame_p95_ms().is_some(), "frame times are measured while training");

    harness.get_by_label("Cancel training").click();
    harness.run();
    assert!(fake.borrow().sent.iter().any(|r| matches!(r, Request::Cancel { task: TRAIN_TASK })));
    assert!(harness.state().tasks().is_empty());
    assert!(fake.borrow().sent.iter().filter(|r| matches!(r, Request::ListRuns)).count() >= 2, "the runs list is refreshed after the run");
}

#[test]
fn a_finished_run_shows_test_metrics_next_to_the_baseline_and_runs_compare() {
    let fake = Rc::new(RefCell::new(Fake::new(Engine { runs: vec![entry("run-1", 0.001), entry("run-2", 0.01)] })));
    let mut harness = harness(fake.clone());
    open_train_pane(&mut harness);
    harness.get_by_label("Start training").click();
    harness.run();
    let test = ClassMetrics {
        samples: 150,
        loss: Some(0.2),
        accuracy: 0.95,
        balanced_accuracy: 0.8,
        precision: 0.7,
        recall: 0.6,
        f1: 0.65,
        roc_auc: Some(0.93),
        pr_auc: Some(0.61),
        confusion: vec![vec![130, 5], vec![3, 12]],
    };
    let summary = RunSummary {
        run_id: "run-3".into(),
        run_dir: "/runs/run-3".into(),
        status: RunStatus::Completed,
        message: "completed all 2 epochs".into(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        epochs_run: 2,
        best_epoch: 2,
        majority_accuracy: 0.9,
        val: None,
        test: Some(test),
        baseline: None,
        baseline_trees: None,
        seconds: 3.0,
    };
    fake.borrow_mut().pending.push(Reply::Task(TaskEvent::Finished { task: TRAIN_TASK, outcome: TaskOutcome::Trained(summary) }));
    harness.run();
    harness.get_by_label_contains("accuracy 0.950 (majority-class baseline 0.900)");
    harness.get_by_label_contains("ROC-AUC 0.930, PR-AUC 0.610");

    // Two runs ticked: their curves overlay and the settings that differ are listed.
    harness.get_by_label("interrupted");
    let boxes: Vec<_> = harness.query_all_by_label("Select for comparison").collect();
    assert_eq!(boxes.len(), 2);
    for b in boxes {
        b.click();
    }
    harness.run();
    harness.get_by_label("Compare selected").click();
    harness.run();
    harness.get_by_label("Comparing 2 runs");
    harness.get_by_label("config.learning_rate");
    harness.get_by_label("0.01");
}

#[test]
fn the_train_pane_reads_in_chinese() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 950.0, plantlab_ui::Lang::ZhCn);
    common::open_file_and_go_to_in_chinese(&mut harness, "训练");
    assert_eq!(harness.state().pane(), Pane::Train);
    harness.get_by_label("训练配置");
    harness.get_by_label("还没有训练记录。");
    harness.get_by_label("开始训练").click();
    harness.run();
    let config = fake.borrow().sent.iter().find_map(|r| if let Request::StartTrain(c) = r { Some(c.clone()) } else { None });
    assert_eq!(config.map(|c| c.target).as_deref(), Some("fault"));
    harness.get_by_label_contains("样本：训练 700 / 验证 150 / 测试 150");
    harness.get_by_label_contains("第 2/10 轮，批次 22/22");
    harness.get_by_label_contains("12,345 样本/秒");
    harness.get_by_label("取消训练").click();
    harness.run();
    assert!(fake.borrow().sent.iter().any(|r| matches!(r, Request::Cancel { task: TRAIN_TASK })));
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn a_finished_runs_stop_message_reads_in_chinese() {
    let kept = |unit: &str, total: u64, kept: u64| message_args([("unit", unit.into()), ("total", total.into()), ("kept", kept.into())]);
    let mut listed = entry("run-1", 0.001);
    listed.message = "completed all 2 epochs; kept epoch 2".into();
    listed.message_code = "completed".into();
    listed.message_args = kept("epoch", 2, 2);
    let fake = Rc::new(RefCell::new(Fake::new(Engine { runs: vec![listed] })));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 950.0, plantlab_ui::Lang::ZhCn);
    common::open_file_and_go_to_in_chinese(&mut harness, "训练");
    // The runs list words the stop from its code.
    harness.get_by_label("已完成全部 2 轮；保留第 2 轮");
    harness.get_by_label("开始训练").click();
    harness.run();
    let english = "early stopping after round 9: no better validation PR-AUC for 5 rounds; kept round 4";
    let summary = RunSummary {
        run_id: "run-3".into(),
        run_dir: "/runs/run-3".into(),
        status: RunStatus::Completed,
        message: english.into(),
        message_code: "early_stopping".into(),
        message_args: message_args([
            ("unit", "round".into()),
            ("stopped", 9u64.into()),
            ("metric", "pr-auc".into()),
            ("patience", 5u64.into()),
            ("kept", 4u64.into()),
        ]),
        failure: None,
        epochs_run: 9,
        best_epoch: 4,
        majority_accuracy: 0.9,
        val: None,
        test: None,
        baseline: None,
        baseline_trees: None,
        seconds: 3.0,
    };
    fake.borrow_mut().pending.push(Reply::Task(TaskEvent::Finished { task: TRAIN_TASK, outcome: TaskOutcome::Trained(summary) }));
    harness.run();
    let chinese = "第 9 个提升轮次后早停：验证集 PR-AUC 已连续 5 个提升轮次没有提升；保留第 4 个提升轮次";
    // The status line under the run and the toast that says it finished.
    harness.get_by_label(chinese);
    harness.get_by_label(&format!("训练：{chinese}"));
    assert!(harness.query_by_label_contains(english).is_none(), "the engine's English is not shown");
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn a_finished_runs_heading_follows_a_language_switch() {
    let fake = Rc::new(RefCell::new(Fake::new(Engine::default())));
    let mut harness = common::app_harness(fake.clone(), 1500.0, 950.0);
    common::open_file_and_go_to(&mut harness, "Train");
    harness.get_by_label("Start training").click();
    harness.run();
    let summary = RunSummary {
        run_id: "run-4".into(),
        run_dir: "/runs/run-4".into(),
        status: RunStatus::Completed,
        message: "completed all 2 epochs; kept epoch 2".into(),
        message_code: "completed".into(),
        message_args: message_args([("unit", "epoch".into()), ("total", 2u64.into()), ("kept", 2u64.into())]),
        failure: None,
        epochs_run: 2,
        best_epoch: 2,
        majority_accuracy: 0.9,
        val: None,
        test: None,
        baseline: None,
        baseline_trees: None,
        seconds: 1.0,
    };
    fake.borrow_mut().pending.push(Reply::Task(TaskEvent::Finished { task: TRAIN_TASK, outcome: TaskOutcome::Trained(summary) }));
    harness.run();
    harness.get_by_label("Run run-4 (completed)");
    // The heading is worded when drawn, not when the run ended.
    harness.get_by_label("简体中文").click();
    harness.run();
    harness.get_by_label("训练记录 run-4（已完成）");
    assert!(harness.query_by_label("Run run-4 (completed)").is_none());
}
