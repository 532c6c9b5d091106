//! Gradient-boosted trees in the UI (native build): chosen in the Train pane with their own
//! settings and window features, streamed round by round, and as the baseline every run is
//! measured against in the Train pane's summary, the runs comparison and the Evaluate pane.
//! The fake engine answers the way the engine does for a trees run: one epoch update per
//! boosting round and no batches.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_protocol::{
    ClassMetrics, ColumnInfo, ColumnKind, DatasetSummary, EpochMetrics, EvaluateRequest, Evaluation, EventOptions, ModelKind, QualityReport,
    RiskTimeline, RunComparison, RunDetail, RunEntry, RunStatus, RunSummary, SequenceMode, TaskEvent, TaskKind, TaskOutcome, TrainConfig,
    TrainDataInfo, TrainUpdate,
};
use plantlab_ui::{Lang, Pane, PlantLabApp, Reply, Request};

use crate::common;

const TRAIN_TASK: u64 = 11;

/// How the fake engine's run and evaluation turn out.
#[derive(Default)]
struct Engine {
    runs: Vec<RunEntry>,
    /// Rounds the run streams before the test ends it.
    rounds: u32,
    /// The evaluation's target has three classes.
    multiclass: bool,
    /// The trees baseline's headline metric (PR-AUC, or accuracy for three classes); `None`:
    /// the evaluation has no trees baseline (a run from before them).
    trees_headline: Option<f64>,
    /// Numeric columns the data has besides temp and flow.
    extra_tags: usize,
}

type Fake = common::Fake<Engine>;

fn column(name: &str, kind: ColumnKind) -> ColumnInfo {
    ColumnInfo { name: name.into(), dtype: "f64".into(), kind, null_count: 0, unit: None }
}

fn dataset(path: String, extra_tags: usize) -> DatasetSummary {
    let mut columns = vec![column("time", ColumnKind::Timestamp), column("temp", ColumnKind::Numeric), column("flow", ColumnKind::Numeric)];
    columns.extend((1..=extra_tags).map(|k| column(&format!("tag{k}"), ColumnKind::Numeric)));
    columns.push(column("fault", ColumnKind::Boolean));
    DatasetSummary {
        path,
        rows: 1000,
        columns,
        timestamp_column: Some("time".into()),
        import: common::plain_csv_settings(),
        warnings: vec![],
        warning_codes: Vec::new(),
    }
}

/// The quality report of the data: one sample a minute.
fn quality_report() -> QualityReport {
    QualityReport {
        rows: 1000,
        columns: vec![],
        timestamp_column: Some("time".into()),
        sampling_interval_s: Some(60.0),
        import: common::plain_csv_settings(),
        import_warnings: vec![],
        import_warning_codes: Vec::new(),
        findings: vec![],
    }
}

fn round(round: u32, val_loss: f64) -> EpochMetrics {
    EpochMetrics {
        epoch: round,
        train_loss: val_loss - 0.02,
        train_accuracy: 0.95,
        val_loss,
        val_accuracy: 0.93,
        val_roc_auc: Some(0.95),
        val_pr_auc: Some(0.7),
        best: true,
        seconds: 0.05,
        samples_per_s: 14_000.0,
    }
}

fn metrics(accuracy: f64, pr_auc: f64) -> ClassMetrics {
    ClassMetrics {
        samples: 150,
        loss: Some(0.2),
        accuracy,
        balanced_accuracy: 0.8,
        precision: 0.7,
        recall: 0.6,
        f1: 0.65,
        roc_auc: Some(0.93),
        pr_auc: Some(pr_auc),
        confusion: vec![vec![130, 5], vec![3, 12]],
    }
}

fn entry(id: &str, model: ModelKind) -> RunEntry {
    RunEntry {
        run_id: id.into(),
        run_dir: format!("/runs/{id}"),
        created: "2026-12-01 08:00:00".into(),
        status: RunStatus::Completed,
        model,
        target: "fault".into(),
        data: "/data/pump.csv".into(),
        epochs_run: 3,
        best_epoch: 3,
        best_val_loss: Some(0.2),
        test_roc_auc: Some(0.93),
        test_pr_auc: Some(0.61),
        message: String::new(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        mode: SequenceMode::Row,
        sampling_interval_s: Some(60.0),
        normal: None,
    }
}

fn summary(run_id: &str, trees: Option<ClassMetrics>) -> RunSummary {
    RunSummary {
        run_id: run_id.into(),
        run_dir: format!("/runs/{run_id}"),
        status: RunStatus::Completed,
        message: "completed all 3 rounds".into(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        epochs_run: 3,
        best_epoch: 3,
        majority_accuracy: 0.9,
        val: None,
        test: Some(metrics(0.95, 0.612)),
        baseline: None,
        baseline_trees: trees,
        seconds: 2.0,
    }
}

fn detail(entry: RunEntry) -> RunDetail {
    let model = entry.model;
    let trees = (model != ModelKind::Trees).then(|| metrics(0.96, 0.723));
    RunDetail {
        summary: Some(summary(&entry.run_id, trees)),
        entry,
        config: TrainConfig { target: "fault".into(), model, ..TrainConfig::default() },
        recipe: None,
        data: None,
        epochs: vec![round(1, 0.4), round(2, 0.3)],
        batches: vec![],
    }
}

fn evaluation(request: &EvaluateRequest, multiclass: bool, trees_headline: Option<f64>) -> Evaluation {
    let (classes, positive_class, test, baseline_trees) = if multiclass {
        let three = |accuracy: f64| ClassMetrics {
            samples: 300,
            accuracy,
            balanced_accuracy: 0.6,
            confusion: vec![vec![200, 6, 4], vec![9, 41, 0], vec![7, 1, 32]],
            ..ClassMetrics::default()
        };
        (vec!["normal".into(), "bearing".into(), "seal".into()], None, three(0.374), trees_headline.map(three))
    } else {
        (vec!["normal".into(), "fault".into()], Some(1), metrics(0.947, 0.612), trees_headline.map(|pr| metrics(0.952, pr)))
    };
    Evaluation {
        source: format!("test split of run {}", request.run_id),
        run_id: Some(request.run_id.clone()),
        classes,
        positive_class,
        samples: test.samples,
        threshold: request.threshold.unwrap_or(0.5),
        majority_accuracy: 0.9,
        baseline: ClassMetrics { samples: test.samples, accuracy: 0.9, balanced_accuracy: 0.5, pr_auc: Some(0.1), ..ClassMetrics::default() },
        test,
        baseline_trees,
        roc: vec![],
        pr: vec![],
        // Binary targets have a threshold table; one point is enough here.
        thresholds: if multiclass { vec![] } else { vec![plantlab_protocol::ThresholdPoint { threshold: 0.5, tp: 12, fp: 5, tn: 130, fn_: 3 }] },
        events: None,
        event_options: EventOptions::default(),
        contributions: vec![],
        timeline: RiskTimeline::default(),
    }
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        let fake = self;
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some("/data/pump.csv".into()))],
            Request::Load { path, .. } => {
                vec![Reply::Task(TaskEvent::Finished { task: 1, outcome: TaskOutcome::Loaded(dataset(path, fake.extra_tags)) })]
            }
            Request::Report => vec![Reply::Report(quality_report())],
            Request::StartTrain(config) => {
                let task = TRAIN_TASK;
                let data = TrainDataInfo {
                    classes: vec!["false".into(), "true".into()],
                    positive_class: Some(1),
                    features: vec!["temp".into(), "flow".into()],
                    train_samples: 700,
                    validation_samples: 150,
                    test_samples: 150,
                    vocab_size: 0,
                    sequence_length: 2,
                    class_weights: vec![1.0, 9.0],
                    class_shares: vec![0.9, 0.1],
                    class_weights_from: None,
                };
                let mut replies = vec![
                    Reply::Task(TaskEvent::started(task, TaskKind::Train, format!("Training {} on \"fault\"", config.model.as_str()))),
                    Reply::Task(TaskEvent::Train {
                        task,
                        update: TrainUpdate::Prepared { run_id: "run-9".into(), run_dir: "/runs/run-9".into(), data },
                    }),
                ];
                // One epoch update per boosting round, then the task's progress, as the engine streams them.
                for r in 1..=fake.rounds {
                    replies.push(Reply::Task(TaskEvent::Train { task, update: TrainUpdate::Epoch(round(r, 0.5 / f64::from(r))) }));
                    replies.push(Reply::Task(TaskEvent::Progress {
                        task,
                        fraction: r as f32 / config.trees.rounds as f32,
                        stage: format!("round {r}/{}", config.trees.rounds),
                        stage_code: "round".into(),
                        stage_args: plantlab_protocol::message_args([
                            ("round", plantlab_protocol::MessageArg::Integer(i64::from(r))),
                            ("rounds", plantlab_protocol::MessageArg::Integer(i64::from(config.trees.rounds))),
                        ]),
                    }));
                }
                replies
            }
            Request::Cancel { task } => vec![Reply::Task(TaskEvent::Cancelled { task })],
            Request::ListRuns => vec![Reply::Runs(fake.runs.clone())],
            Request::CompareRuns(ids) => {
                let runs: Vec<RunDetail> = fake.runs.iter().filter(|r| ids.contains(&r.run_id)).cloned().map(detail).collect();
                vec![Reply::Comparison(Box::new(RunComparison { runs, differences: vec![] }))]
            }
            Request::Evaluate(request) => vec![Reply::Evaluation(Box::new(evaluation(&request, fake.multiclass, fake.trees_headline)))],
            _ => vec![],
        }
    }
}

fn open_train_pane(harness: &mut Harness<'static, PlantLabApp>, lang: Lang) {
    match lang {
        Lang::En => common::open_file_and_go_to(harness, "Train"),
        Lang::ZhCn => common::open_file_and_go_to_in_chinese(harness, "训练"),
    }
    assert_eq!(harness.state().pane(), Pane::Train);
}

/// Picks `model` in the Train pane's model list (labelled `label`).
fn choose_model(harness: &mut Harness<'static, PlantLabApp>, label: &str, model: &str) {
    harness.get_by_label(label).click();
    harness.run();
    harness.get_by_label(model).click();
    harness.run();
}

fn started_configs(fake: &Rc<RefCell<Fake>>) -> Vec<TrainConfig> {
    fake.borrow().sent.iter().filter_map(|r| if let Request::StartTrain(c) = r { Some((**c).clone()) } else { None }).collect()
}

fn finish(fake: &Rc<RefCell<Fake>>, harness: &mut Harness<'static, PlantLabApp>, summary: RunSummary) {
    fake.borrow_mut().pending.push(Reply::Task(TaskEvent::Finished { task: TRAIN_TASK, outcome: TaskOutcome::Trained(summary) }));
    harness.run();
}

#[test]
fn trees_are_configured_in_the_train_pane_and_run_round_by_round() {
    let fake = Rc::new(RefCell::new(Fake::new(Engine { rounds: 3, ..Engine::default() })));
    let mut harness = common::app_harness(fake.clone(), 1500.0, 950.0);
    open_train_pane(&mut harness, Lang::En);

    // The network's settings first; the trees' ones are not there.
    harness.get_by_label("Embedding size");
    assert!(harness.query_by_label("Boosting rounds").is_none());
    choose_model(&mut harness, "Model", "Gradient-boosted trees (numeric)");
    for setting in ["Boosting rounds", "Leaves per tree", "Fewest samples per leaf", "L2 penalty on leaf values", "Early stopping patience (rounds)"]
    {
        harness.get_by_label(setting);
    }
    for network in ["Embedding size", "Hidden units per layer", "Batch size", "Epochs", "Early stopping patience"] {
        assert!(harness.query_by_label(network).is_none(), "{network} is a network's setting, not the trees'");
    }
    // Trees see the past through window features, not sequence windows.
    assert!(harness.query_by_label("Sequences").is_none());
    assert!(harness.query_by_role_and_label(egui::Role::SpinButton, "Window features").is_none(), "off by default");
    harness.get_by_label("over the last").click();
    harness.run();
    harness.get_by_role_and_label(egui::Role::SpinButton, "Window features").set_value_accesskit(30.0);
    harness.run();
    // One sample a minute: the window reads in time.
    harness.get_by_label("30 samples × 1 min = 30 min");
    harness.get_by_role_and_label(egui::Role::SpinButton, "Boosting rounds").set_value_accesskit(50.0);
    harness.get_by_role_and_label(egui::Role::SpinButton, "Leaves per tree").set_value_accesskit(15.0);
    harness.run();

    harness.get_by_label("Start training").click();
    harness.run();
    let configs = started_configs(&fake);
    assert_eq!(configs.len(), 1);
    let config = &configs[0];
    assert_eq!(config.model, ModelKind::Trees);
    assert_eq!((config.trees.rounds, config.trees.max_leaves), (50, 15));
    assert_eq!(config.feature_window, Some(30));
    assert_eq!(config.mode, SequenceMode::Row, "no sequence window goes with the trees");

    // Rounds, not epochs: the progress, the curves' titles and their x axis say so, and there
    // is no per-batch curve.
    harness.get_by_label_contains("round 3/50, ETA");
    harness.get_by_label("Loss per boosting round");
    harness.get_by_label("Accuracy per boosting round");
    assert!(harness.query_by_label("Loss per epoch").is_none());
    assert!(harness.query_by_label_contains("Loss per batch").is_none());
    let painted = common::painted_texts(&harness);
    assert!(painted.iter().any(|t| t == "round"), "the curves' x axis says round: {painted:?}");
    assert!(!painted.iter().any(|t| t == "epoch"), "no axis says epoch: {painted:?}");
    assert_eq!(harness.state().tasks().len(), 1);

    // A trees run's trees baseline is itself: the summary does not repeat it.
    finish(&fake, &mut harness, summary("run-9", Some(metrics(0.95, 0.612))));
    harness.get_by_label_contains("Test (best round 3): accuracy 0.950");
    assert!(harness.query_by_label_contains("Trees baseline").is_none());
    assert!(harness.query_by_label_contains("ahead of this model").is_none());
}

#[test]
fn switching_back_to_a_token_model_clears_the_window_features() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness(fake.clone(), 1500.0, 950.0);
    open_train_pane(&mut harness, Lang::En);

    choose_model(&mut harness, "Model", "MLP baseline (numeric)");
    harness.get_by_label("Hidden units per layer");
    harness.get_by_label("over the last").click();
    harness.run();
    harness.get_by_role_and_label(egui::Role::SpinButton, "Window features").set_value_accesskit(24.0);
    harness.run();
    choose_model(&mut harness, "Model", "Embedding + mean pool (origin)");
    // The token model's own control is back and the window features are gone.
    harness.get_by_label("Sequences");
    assert!(harness.query_by_label("over the last").is_none());
    harness.get_by_label("Start training").click();
    harness.run();
    let seed = started_configs(&fake).pop().expect("a run started");
    assert_eq!(seed.model, ModelKind::Seed);
    assert_eq!(seed.feature_window, None, "the engine refuses window features for the token models");

    // The dense models' window comes back with them.
    harness.get_by_label("Cancel training").click();
    harness.run();
    choose_model(&mut harness, "Model", "Gradient-boosted trees (numeric)");
    harness.get_by_label("Start training").click();
    harness.run();
    let trees = started_configs(&fake).pop().expect("a second run started");
    assert_eq!((trees.model, trees.feature_window), (ModelKind::Trees, Some(24)));
}

#[test]
fn a_model_behind_its_trees_baseline_says_so_after_training_and_in_the_comparison() {
    let runs = vec![entry("run-mlp", ModelKind::Mlp), entry("run-trees", ModelKind::Trees)];
    let fake = Rc::new(RefCell::new(Fake::new(Engine { runs, rounds: 0, ..Engine::default() })));
    let mut harness = common::app_harness(fake.clone(), 1500.0, 950.0);
    open_train_pane(&mut harness, Lang::En);

    choose_model(&mut harness, "Model", "MLP baseline (numeric)");
    harness.get_by_label("Start training").click();
    harness.run();
    finish(&fake, &mut harness, summary("run-9", Some(metrics(0.96, 0.723))));
    harness.get_by_label_contains("Test (best epoch 3): accuracy 0.950");
    harness.get_by_label_contains("Trees baseline (gradient-boosted trees on the same split and features): accuracy 0.960");
    harness.get_by_label("The trees baseline is ahead of this model on PR-AUC (0.723 against 0.612).");

    // The runs list counts a trees run in rounds; rows are all the dense models read.
    harness.get_by_label("trees on \"fault\", 3 boosting rounds (best 3), 2026-12-01 08:00:00");
    harness.get_by_label("mlp on \"fault\", 3 epochs (best 3), 2026-12-01 08:00:00");
    assert!(harness.query_by_label_contains("row mode").is_none());

    // The comparison lists each run's trees baseline; its axis counts epochs and rounds.
    for b in harness.query_all_by_label("Select for comparison").collect::<Vec<_>>() {
        b.click();
    }
    harness.run();
    harness.get_by_label("Compare selected").click();
    harness.run();
    harness.get_by_label("trees baseline PR-AUC");
    harness.get_by_label("trees baseline accuracy");
    assert_eq!(harness.query_all_by_label("0.723").count(), 1, "the MLP run's trees baseline; the trees run has none");
    let painted = common::painted_texts(&harness);
    assert!(painted.iter().any(|t| t == "epoch / round"), "{painted:?}");
}

#[test]
fn a_model_ahead_of_its_trees_baseline_has_no_such_sentence() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness(fake.clone(), 1500.0, 950.0);
    open_train_pane(&mut harness, Lang::En);
    harness.get_by_label("Start training").click();
    harness.run();
    finish(&fake, &mut harness, summary("run-9", Some(metrics(0.93, 0.55))));
    harness.get_by_label_contains("Trees baseline (gradient-boosted trees on the same split and features): accuracy 0.930");
    assert!(harness.query_by_label_contains("ahead of this model").is_none());
}

fn evaluate_harness(engine: Engine, lang: Lang) -> Harness<'static, PlantLabApp> {
    let fake = Rc::new(RefCell::new(Fake::new(engine)));
    let mut harness = common::app_harness_in(fake, 1500.0, 1400.0, lang);
    harness.run();
    harness.get_by_label(if lang == Lang::En { "Evaluate" } else { "评估" }).click();
    harness.run();
    assert_eq!(harness.state().pane(), Pane::Evaluate);
    harness
}

#[test]
fn the_evaluate_pane_shows_the_trees_baseline_and_says_when_it_is_ahead() {
    let engine = Engine { runs: vec![entry("run-mlp", ModelKind::Mlp)], trees_headline: Some(0.723), ..Engine::default() };
    let harness = evaluate_harness(engine, Lang::En);
    harness.get_by_label_contains("test split of run run-mlp");
    harness.get_by_label("majority baseline");
    harness.get_by_label("trees baseline");
    harness.get_by_label("0.952");
    harness.get_by_label("0.723");
    harness.get_by_label("The trees baseline is ahead of this model on PR-AUC (0.723 against 0.612).");
}

#[test]
fn a_trees_baseline_behind_the_model_is_shown_without_the_sentence() {
    let engine = Engine { runs: vec![entry("run-mlp", ModelKind::Mlp)], trees_headline: Some(0.55), ..Engine::default() };
    let harness = evaluate_harness(engine, Lang::En);
    harness.get_by_label("trees baseline");
    harness.get_by_label("0.550");
    assert!(harness.query_by_label_contains("ahead of this model").is_none());
}

#[test]
fn multi_class_runs_compare_with_the_trees_on_accuracy() {
    let engine = Engine { runs: vec![entry("run-mlp", ModelKind::Mlp)], multiclass: true, trees_headline: Some(0.53), ..Engine::default() };
    let harness = evaluate_harness(engine, Lang::En);
    harness.get_by_label("trees baseline");
    harness.get_by_label("The trees baseline is ahead of this model on accuracy (0.530 against 0.374).");
}

#[test]
fn a_trees_run_and_a_run_from_before_trees_baselines_have_no_trees_column() {
    // The trees run's baseline would repeat the model.
    let engine = Engine { runs: vec![entry("run-trees", ModelKind::Trees)], trees_headline: Some(0.723), ..Engine::default() };
    let harness = evaluate_harness(engine, Lang::En);
    harness.get_by_label_contains("test split of run run-trees");
    assert!(harness.query_by_label("trees baseline").is_none());
    assert!(harness.query_by_label_contains("ahead of this model").is_none());

    let engine = Engine { runs: vec![entry("run-old", ModelKind::Seed)], trees_headline: None, ..Engine::default() };
    let harness = evaluate_harness(engine, Lang::En);
    harness.get_by_label_contains("test split of run run-old");
    harness.get_by_label("majority baseline");
    assert!(harness.query_by_label("trees baseline").is_none());
}

#[test]
fn trees_read_in_chinese_from_the_train_pane_to_the_evaluate_pane() {
    let fake = Rc::new(RefCell::new(Fake::new(Engine { rounds: 3, ..Engine::default() })));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 950.0, Lang::ZhCn);
    open_train_pane(&mut harness, Lang::ZhCn);

    choose_model(&mut harness, "模型", "梯度提升树（数值）");
    for setting in ["提升轮数", "每棵树的叶子数", "每个叶子的最少样本数", "叶子值的 L2 惩罚", "早停耐心值（提升轮）"]
    {
        harness.get_by_label(setting);
    }
    harness.get_by_label("最近").click();
    harness.run();
    harness.get_by_role_and_label(egui::Role::SpinButton, "窗口特征").set_value_accesskit(30.0);
    harness.run();
    harness.get_by_label("30 个样本 × 1 min = 30 min");
    harness.get_by_label("开始训练").click();
    harness.run();
    let config = started_configs(&fake).pop().expect("a run started");
    assert_eq!((config.model, config.feature_window), (ModelKind::Trees, Some(30)));
    harness.get_by_label_contains("第 3/300 提升轮");
    harness.get_by_label("每个提升轮的损失");
    let painted = common::painted_texts(&harness);
    assert!(painted.iter().any(|t| t == "提升轮"), "{painted:?}");
    finish(&fake, &mut harness, summary("run-9", Some(metrics(0.95, 0.612))));
    harness.get_by_label_contains("测试集（最佳提升轮 3）");

    // An MLP run behind its trees baseline, in the Evaluate pane.
    let engine = Engine { runs: vec![entry("run-mlp", ModelKind::Mlp)], trees_headline: Some(0.723), ..Engine::default() };
    let harness = evaluate_harness(engine, Lang::ZhCn);
    harness.get_by_label("多数类基线");
    harness.get_by_label("树模型基线");
    harness.get_by_label("树模型基线在 PR-AUC 上领先于本模型（0.723 对 0.612）。");
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn a_chinese_mlp_run_behind_the_trees_says_so_in_the_train_pane() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 950.0, Lang::ZhCn);
    open_train_pane(&mut harness, Lang::ZhCn);
    choose_model(&mut harness, "模型", "MLP 基线（数值）");
    harness.get_by_label("每层隐藏单元数");
    harness.get_by_label("开始训练").click();
    harness.run();
    finish(&fake, &mut harness, summary("run-9", Some(metrics(0.96, 0.723))));
    harness.get_by_label_contains("树模型基线（在相同划分和特征上训练的梯度提升树）：准确率 0.960");
    harness.get_by_label("树模型基线在 PR-AUC 上领先于本模型（0.723 对 0.612）。");
    common::assert_nothing_fell_back_to_english();
}

/// The hover text of the widget labelled `label`, once the pointer rests on it.
fn hover_text(harness: &mut Harness<'static, PlantLabApp>, label: &str) -> Vec<String> {
    harness.get_by_label(label).hover();
    // Tooltips wait for the pointer to rest.
    for _ in 0..5 {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    harness.run();
    common::painted_texts(harness)
}

#[test]
fn products_of_tag_pairs_go_with_the_dense_models_and_leave_with_the_token_ones() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness(fake.clone(), 1500.0, 950.0);
    open_train_pane(&mut harness, Lang::En);

    // The token models read binned values: no products for them.
    assert!(harness.query_by_label("products of tag pairs").is_none());
    choose_model(&mut harness, "Model", "MLP baseline (numeric)");
    assert!(!harness.get_by_label("products of tag pairs").accesskit_node().is_disabled(), "two numeric tags are few enough");
    let painted = hover_text(&mut harness, "products of tag pairs");
    assert!(painted.iter().any(|t| t.contains("power = torque × speed")), "{painted:?}");
    assert!(painted.iter().any(|t| t.contains("Here: 2 numeric tags → one extra feature.")), "{painted:?}");
    harness.get_by_label("products of tag pairs").click();
    harness.run();
    harness.get_by_label("Start training").click();
    harness.run();
    let mlp = started_configs(&fake).pop().expect("a run started");
    assert_eq!((mlp.model, mlp.interactions), (ModelKind::Mlp, true));

    harness.get_by_label("Cancel training").click();
    harness.run();
    choose_model(&mut harness, "Model", "Embedding + mean pool (origin)");
    assert!(harness.query_by_label("products of tag pairs").is_none());
    harness.get_by_label("Start training").click();
    harness.run();
    let seed = started_configs(&fake).pop().expect("a second run started");
    assert_eq!(seed.model, ModelKind::Seed);
    assert!(!seed.interactions, "the engine refuses products of tag pairs for the token models");

    // The dense models get the choice back.
    harness.get_by_label("Cancel training").click();
    harness.run();
    choose_model(&mut harness, "Model", "Gradient-boosted trees (numeric)");
    harness.get_by_label("Start training").click();
    harness.run();
    let trees = started_configs(&fake).pop().expect("a third run started");
    assert_eq!((trees.model, trees.interactions), (ModelKind::Trees, true));
}

#[test]
fn products_of_tag_pairs_are_unavailable_for_more_than_24_numeric_tags() {
    // temp, flow and 23 more: 25 numeric tags.
    let fake = Rc::new(RefCell::new(Fake::new(Engine { extra_tags: 23, ..Engine::default() })));
    let mut harness = common::app_harness(fake.clone(), 1500.0, 1400.0);
    open_train_pane(&mut harness, Lang::En);
    choose_model(&mut harness, "Model", "Gradient-boosted trees (numeric)");
    assert!(harness.get_by_label("products of tag pairs").accesskit_node().is_disabled());
    let painted = hover_text(&mut harness, "products of tag pairs");
    assert!(painted.iter().any(|t| t.contains("this data has 25 numeric feature columns")), "{painted:?}");
    harness.get_by_label("products of tag pairs").click();
    harness.run();
    harness.get_by_label("Start training").click();
    harness.run();
    assert!(!started_configs(&fake).pop().expect("a run started").interactions);
    harness.get_by_label("Cancel training").click();
    harness.run();

    // Unticking one numeric column leaves 24, which is allowed.
    harness.get_by_label("Features (0 excluded)").click();
    harness.run();
    harness.get_by_label("tag23 (numeric)").click();
    harness.run();
    assert!(!harness.get_by_label("products of tag pairs").accesskit_node().is_disabled(), "24 numeric tags are allowed");
    harness.get_by_label("products of tag pairs").click();
    harness.run();
    harness.get_by_label("Start training").click();
    harness.run();
    let config = started_configs(&fake).pop().expect("a second run started");
    assert!(config.interactions);
    assert_eq!(config.exclude, vec!["tag23".to_string()]);
}

#[test]
fn products_of_tag_pairs_read_in_chinese() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 950.0, Lang::ZhCn);
    open_train_pane(&mut harness, Lang::ZhCn);
    choose_model(&mut harness, "模型", "MLP 基线（数值）");
    let painted = hover_text(&mut harness, "位号两两乘积");
    assert!(painted.iter().any(|t| t.contains("功率 = 扭矩 × 转速")), "{painted:?}");
    assert!(painted.iter().any(|t| t.contains("此处：2 个数值位号 → 1 个额外特征。")), "{painted:?}");
    harness.get_by_label("位号两两乘积").click();
    harness.run();
    harness.get_by_label("开始训练").click();
    harness.run();
    assert!(started_configs(&fake).pop().expect("a run started").interactions);
    common::assert_nothing_fell_back_to_english();
}
