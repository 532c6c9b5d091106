//! Training through the Workbench: the background worker's event stream, cancel, a diverging
//! run, and the runs list (open, compare, delete).

use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::time::Duration;

use plantlab_engine::JobContext;
use plantlab_protocol::{ModelKind, RunStatus, TaskEvent, TaskOutcome, TrainConfig, TrainUpdate};

use crate::common::{config, workbench_with_data};

/// Room for a task's events; far more than one test sends, and a full queue makes the task wait.
const EVENTS_BOUND: usize = 4096;

#[test]
fn background_training_streams_every_epoch_and_finishes() {
    let (_dir, workbench) = workbench_with_data(600);
    let (tx, rx) = sync_channel(EVENTS_BOUND);
    workbench.start_train(config(ModelKind::Seed, 3), move |e| tx.send(e).unwrap()).unwrap();
    let events: Vec<TaskEvent> = rx.iter().collect();
    assert!(matches!(events.first(), Some(TaskEvent::Started { .. })));
    let epochs: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            TaskEvent::Train { update: TrainUpdate::Epoch(m), .. } => Some(m.epoch),
            _ => None,
        })
        .collect();
    let Some(TaskEvent::Finished { outcome: TaskOutcome::Trained(summary), .. }) = events.last() else {
        panic!("unexpected end: {:?}", events.last());
    };
    assert_eq!(epochs, (1..=summary.epochs_run).collect::<Vec<_>>(), "no epoch update is dropped");
    assert!(events.iter().any(|e| matches!(e, TaskEvent::Train { update: TrainUpdate::Prepared { .. }, .. })));
    assert_eq!(summary.status, RunStatus::Completed);
    let test = summary.test.as_ref().unwrap();
    assert!(test.roc_auc.unwrap() > 0.8, "an easy rule is learned: {test:?}");
    assert!(summary.baseline.is_some());
}

#[test]
fn cancel_stops_within_a_batch_and_is_recorded() {
    let (_dir, workbench) = workbench_with_data(3000);
    let (tx, rx) = sync_channel(EVENTS_BOUND);
    let task = workbench
        .start_train(TrainConfig { batch_size: 8, patience: None, ..config(ModelKind::Transformer, 500) }, move |e| tx.send(e).unwrap())
        .unwrap();
    // Wait for the first batch, then cancel.
    loop {
        match rx.recv_timeout(Duration::from_secs(120)).unwrap() {
            TaskEvent::Train { update: TrainUpdate::Batch(_), .. } => break,
            e => assert!(!e.is_terminal(), "ended early: {e:?}"),
        }
    }
    let asked = std::time::Instant::now();
    assert!(workbench.cancel(task));
    let last = rx.iter().last().unwrap();
    assert_eq!(last, TaskEvent::Cancelled { task });
    assert!(asked.elapsed() < Duration::from_secs(5), "cancel took {:?}", asked.elapsed());
    let runs = workbench.list_runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Cancelled);
}

#[test]
fn a_diverging_loss_stops_the_run_with_a_clear_message() {
    let (_dir, workbench) = workbench_with_data(600);
    let mut cfg = config(ModelKind::Mlp, 5);
    cfg.learning_rate = 1e30;
    cfg.hidden = 256;
    let err = workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).expect_err("must fail");
    assert_eq!(err.code(), "diverged", "{err}");
    assert!(err.to_string().contains("Lower the learning rate"), "{err}");
    let runs = workbench.list_runs().unwrap();
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert!(runs[0].message.contains("loss became"), "{}", runs[0].message);
    // The failure is kept coded, so the runs list says it in the reader's language.
    let failure = runs[0].failure.as_ref().expect("a failed run keeps its coded error");
    assert_eq!(failure.code, "diverged");
    let chinese = plantlab_i18n::Catalog::new(plantlab_i18n::Lang::ZhCn);
    let worded = plantlab_i18n::run_entry_stop_text(&chinese, &runs[0]);
    assert!(worded.contains("学习率"), "{worded}");
    assert_eq!(chinese.fallback_count(), 0, "{worded}");
    assert_eq!(plantlab_i18n::run_entry_stop_text(&plantlab_i18n::Catalog::new(plantlab_i18n::Lang::En), &runs[0]), runs[0].message);
}

#[test]
fn runs_can_be_opened_compared_and_deleted() {
    let (dir, workbench) = workbench_with_data(600);
    let recipe = dir.path().join("recipe.json");
    std::fs::write(&recipe, r#"{"version":1,"steps":[{"kind":"fill","limit":3}]}"#).unwrap();
    let a = workbench.train(&config(ModelKind::Seed, 2), &JobContext::detached(), &mut |_| {}).unwrap();
    let mut cfg = config(ModelKind::Mlp, 2);
    cfg.learning_rate = 0.01;
    cfg.recipe = Some(recipe.display().to_string());
    let b = workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).unwrap();

    let list = workbench.list_runs().unwrap();
    assert_eq!(list.len(), 2);
    let opened = workbench.open_run(&b.run_id).unwrap();
    assert_eq!(opened.config, cfg);
    assert_eq!(opened.epochs.len(), 2);
    assert!(!opened.batches.is_empty());
    assert!(opened.recipe.as_deref().unwrap_or("").contains("fill"));
    assert_eq!(opened.summary.as_ref().map(|s| s.status), Some(RunStatus::Completed));

    let cmp = workbench.compare_runs(&[a.run_id.clone(), b.run_id.clone()]).unwrap();
    let fields: Vec<&str> = cmp.differences.iter().map(|d| d.field.as_str()).collect();
    assert!(fields.contains(&"config.model"), "{fields:?}");
    assert!(fields.contains(&"config.learning_rate"), "{fields:?}");
    assert!(fields.contains(&"recipe.steps[0].kind"), "{fields:?}");
    assert!(!fields.contains(&"config.epochs"), "equal settings are not differences");
    let model = cmp.differences.iter().find(|d| d.field == "config.model").unwrap();
    assert_eq!(model.values, vec![Some("seed".to_owned()), Some("mlp".to_owned())]);

    workbench.delete_run(&a.run_id).unwrap();
    assert_eq!(workbench.list_runs().unwrap().len(), 1);
    assert_eq!(workbench.open_run(&a.run_id).err().map(|e| e.code()), Some("run_not_found"));
}

#[test]
fn window_mode_trains_on_sequences_over_time() {
    let (_dir, workbench) = workbench_with_data(800);
    for model in [ModelKind::Seed, ModelKind::Transformer, ModelKind::Mlp] {
        let mut cfg = config(model, 2);
        cfg.mode = plantlab_protocol::SequenceMode::Window { window: 8, stride: 2 };
        let summary = workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).unwrap();
        assert_eq!(summary.status, RunStatus::Completed, "{model:?}");
        assert!(summary.test.as_ref().unwrap().samples > 0);
    }
}

#[test]
fn a_second_run_waits_for_the_first() {
    let (_dir, workbench) = workbench_with_data(600);
    let (tx1, rx1) = sync_channel(EVENTS_BOUND);
    let (tx2, rx2) = sync_channel(EVENTS_BOUND);
    workbench.start_train(config(ModelKind::Seed, 3), move |e| tx1.send(e).unwrap()).unwrap();
    workbench.start_train(config(ModelKind::Mlp, 3), move |e| tx2.send(e).unwrap()).unwrap();
    let first: Vec<TaskEvent> = rx1.iter().collect();
    let second: Vec<TaskEvent> = rx2.iter().collect();
    for events in [&first, &second] {
        assert!(matches!(events.last(), Some(TaskEvent::Finished { outcome: TaskOutcome::Trained(_), .. })), "{:?}", events.last());
    }
    let runs = workbench.list_runs().unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.status == RunStatus::Completed));
}

#[test]
fn a_multi_class_target_trains_with_one_output_per_class() {
    let (_dir, workbench) = workbench_with_data(600);
    for model in [ModelKind::Seed, ModelKind::Mlp] {
        let config = TrainConfig { target: "state".into(), exclude: vec!["fault".into()], model, epochs: 2, ..TrainConfig::default() };
        let mut prepared = None;
        let summary = workbench
            .train(&config, &JobContext::detached(), &mut |update| {
                if let TrainUpdate::Prepared { data, .. } = update {
                    prepared = Some(data.clone());
                }
            })
            .unwrap();
        let data = prepared.expect("the data is described before training");
        assert_eq!(data.classes, ["off", "on", "purge"], "{model:?}");
        assert_eq!(data.positive_class, None, "no positive class in a multi-class target");
        let test = summary.test.expect("test metrics");
        assert_eq!(test.confusion.len(), 3);
        assert!(test.confusion.iter().all(|row| row.len() == 3));
        assert_eq!(test.confusion.iter().flatten().sum::<u64>(), test.samples);
        assert!(test.roc_auc.is_some(), "macro one-vs-rest ROC-AUC");
        assert!(summary.majority_accuracy > 0.2 && summary.majority_accuracy < 0.5);
    }
}

#[test]
fn class_weights_from_a_cleaning_step_drive_the_loss_and_are_never_a_feature() {
    use plantlab_protocol::{CleanAction, CleanStep};
    let (_dir, workbench) = workbench_with_data(600);
    let job = JobContext::detached();
    workbench.clean(CleanAction::SetLabel { column: Some("fault".into()) }, &job).unwrap();
    let state = workbench
        .clean(CleanAction::Apply { step: CleanStep::WeightClasses { label: "fault".into(), weight_column: "class_weight".into() } }, &job)
        .unwrap();
    assert_eq!(state.outcomes[0].cells_changed, 600, "every row gets a weight in the new column");
    let fitted = state.steps[0].fitted.clone().unwrap().class_weights;
    assert_eq!(fitted.keys().collect::<Vec<_>>(), ["0", "1"]);
    // Balanced: rows ÷ (2 × rows of the class); the rarer class weighs more.
    assert!(fitted["1"] > 1.0 && fitted["0"] < 1.0, "{fitted:?}");

    let mut prepared = None;
    let summary = workbench
        .train(&config(ModelKind::Seed, 1), &job, &mut |u| {
            if let TrainUpdate::Prepared { data, .. } = u {
                prepared = Some(data.clone());
            }
        })
        .unwrap();
    let data = prepared.unwrap();
    assert_eq!(data.class_weights_from.as_deref(), Some("class_weight"));
    assert!(!data.features.iter().any(|f| f == "class_weight"), "{:?}", data.features);
    for (got, want) in data.class_weights.iter().zip([fitted["0"], fitted["1"]]) {
        assert!((got - want).abs() < 1e-9, "{:?} vs {fitted:?}", data.class_weights);
    }
    // The run's recipe keeps the step; its config records the automatic exclusion.
    let config: TrainConfig = serde_json::from_str(&std::fs::read_to_string(Path::new(&summary.run_dir).join("config.json")).unwrap()).unwrap();
    assert!(config.exclude.contains(&"class_weight".to_owned()));
}
