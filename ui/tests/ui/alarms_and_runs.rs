//! Alarms an engineer can act on, and runs that say what they are (native build, fake
//! backend): alarm events with durations and their settings in the Predict pane, sample and
//! event counts named as such in the Evaluate pane, the thin-evidence and training-period
//! warnings, run cards in time units, test metrics side by side, and a cancelled run that
//! says so. Every pane is checked at 1024 × 640: nothing may reach past the window's edge.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_protocol::{
    Alarm, BundleInfo, ClassMetrics, ColumnInfo, ColumnKind, DatasetSummary, EvaluateRequest, Evaluation, EventOptions, EventScore, FaultEpisode,
    FilePurpose, ModelKind, PredictionResult, RiskTimeline, RunComparison, RunDetail, RunEntry, RunStatus, RunSummary, SequenceMode, TagContribution,
    TaskEvent, TaskKind, TaskOutcome, ThresholdPoint, TrainConfig, TrainDataInfo, TrainUpdate, TrainingOverlap,
};
use plantlab_ui::{Pane, PlantLabApp, Reply, Request};

use crate::common;

const WIDTH: f32 = 1024.0;
const HEIGHT: f32 = 640.0;
const TRAIN_TASK: u64 = 31;
const PREDICT_TASK: u64 = 32;
/// 2026-12-01 00:00:00 UTC.
const T0_MS: i64 = 1_796_083_200_000;
const MINUTE_MS: i64 = 60_000;

#[derive(Default)]
struct Engine;

type Fake = common::Fake<Engine>;

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some("/data/pump.csv".into()))],
            Request::Load { path, .. } => vec![Reply::Task(TaskEvent::Finished { task: 1, outcome: TaskOutcome::Loaded(dataset(path)) })],
            Request::ListRuns => {
                vec![Reply::Runs(vec![entry("run-row", SequenceMode::Row), entry("run-window", SequenceMode::Window { window: 30, stride: 5 })])]
            }
            Request::CompareRuns(ids) => {
                let runs = ids.iter().map(|id| detail(id)).collect();
                vec![Reply::Comparison(Box::new(RunComparison { runs, differences: vec![] }))]
            }
            Request::StartTrain(_) => vec![
                Reply::Task(TaskEvent::started(TRAIN_TASK, TaskKind::Train, "Training seed on \"fault\"")),
                Reply::Task(TaskEvent::Train {
                    task: TRAIN_TASK,
                    update: TrainUpdate::Prepared { run_id: "run-new".into(), run_dir: "/runs/run-new".into(), data: data_info() },
                }),
            ],
            Request::Cancel { task } => vec![Reply::Task(TaskEvent::Cancelled { task })],
            Request::Evaluate(request) => vec![Reply::Evaluation(Box::new(evaluation(&request)))],
            Request::PickPath { purpose } => {
                let path = match purpose {
                    FilePurpose::OpenBundle => Some("/models/pump.plmodel"),
                    FilePurpose::OpenPredictData => Some("/data/week.csv"),
                    _ => None,
                };
                vec![Reply::PickedPath { purpose, path: path.map(str::to_owned) }]
            }
            Request::OpenBundle { path } => vec![Reply::Bundle(Box::new(bundle(&path)))],
            _ => vec![],
        }
    }
}

fn dataset(path: String) -> DatasetSummary {
    let column = |name: &str, kind| ColumnInfo { name: name.into(), dtype: "f64".into(), kind, null_count: 0, unit: None };
    DatasetSummary {
        path,
        rows: 10_080,
        columns: vec![column("bearing_temp", ColumnKind::Numeric), column("vibration", ColumnKind::Numeric), column("fault", ColumnKind::Boolean)],
        timestamp_column: None,
        import: common::plain_csv_settings(),
        warnings: vec![],
        warning_codes: Vec::new(),
    }
}

fn entry(id: &str, mode: SequenceMode) -> RunEntry {
    RunEntry {
        run_id: id.into(),
        run_dir: format!("/runs/{id}"),
        created: if id == "run-window" { "2026-12-02 08:00:00".into() } else { "2026-12-01 08:00:00".into() },
        status: RunStatus::Completed,
        model: ModelKind::Seed,
        target: "fault".into(),
        data: "/data/pump.csv".into(),
        epochs_run: 4,
        best_epoch: 3,
        best_val_loss: Some(0.2),
        test_roc_auc: Some(0.9),
        test_pr_auc: Some(0.5),
        message: String::new(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        mode,
        sampling_interval_s: Some(60.0),
        normal: None,
    }
}

fn metrics(accuracy: f64, f1: f64, roc_auc: f64) -> ClassMetrics {
    ClassMetrics {
        samples: 1500,
        loss: Some(0.2),
        accuracy,
        balanced_accuracy: 0.8,
        precision: 0.5,
        recall: 0.7,
        f1,
        roc_auc: Some(roc_auc),
        pr_auc: Some(0.4),
        confusion: vec![vec![1400, 40], vec![20, 40]],
    }
}

fn detail(id: &str) -> RunDetail {
    let window = id == "run-window";
    let entry = entry(id, if window { SequenceMode::Window { window: 30, stride: 5 } } else { SequenceMode::Row });
    let test = if window { metrics(0.971, 0.612, 0.934) } else { metrics(0.955, 0.401, 0.871) };
    RunDetail {
        config: TrainConfig { target: "fault".into(), mode: entry.mode, ..TrainConfig::default() },
        recipe: None,
        data: None,
        epochs: vec![],
        batches: vec![],
        summary: Some(RunSummary {
            run_id: id.into(),
            run_dir: entry.run_dir.clone(),
            status: RunStatus::Completed,
            message: "completed all 4 epochs".into(),
            message_code: String::new(),
            message_args: Default::default(),
            failure: None,
            epochs_run: 4,
            best_epoch: 3,
            majority_accuracy: 0.96,
            val: None,
            test: Some(test),
            baseline: None,
            baseline_trees: None,
            seconds: 3.0,
        }),
        entry,
    }
}

fn data_info() -> TrainDataInfo {
    TrainDataInfo {
        classes: vec!["false".into(), "true".into()],
        positive_class: Some(1),
        features: vec!["bearing_temp".into(), "vibration".into()],
        train_samples: 7000,
        validation_samples: 1500,
        test_samples: 1500,
        vocab_size: 66,
        sequence_length: 2,
        class_weights: vec![1.0, 1.0],
        class_shares: vec![0.96, 0.04],
        class_weights_from: None,
    }
}

/// A test split with ONE fault episode; at the threshold, 80 normal samples are alarm
/// samples (false-alarm samples) but they make no false-alarm event.
fn evaluation(request: &EvaluateRequest) -> Evaluation {
    let threshold = request.threshold.unwrap_or(0.5);
    Evaluation {
        source: format!("test split of run {}", request.run_id),
        run_id: Some(request.run_id.clone()),
        classes: vec!["false".into(), "true".into()],
        positive_class: Some(1),
        samples: 1020,
        threshold,
        majority_accuracy: 0.96,
        test: metrics(0.91, 0.4, 0.9),
        baseline: metrics(0.96, 0.0, 0.5),
        baseline_trees: None,
        roc: vec![[0.0, 0.0], [1.0, 1.0]],
        pr: vec![[0.0, 1.0], [1.0, 0.04]],
        thresholds: vec![
            ThresholdPoint { threshold: 0.0, tp: 40, fp: 980, tn: 0, fn_: 0 },
            ThresholdPoint { threshold: 0.5, tp: 30, fp: 80, tn: 900, fn_: 10 },
        ],
        events: Some(EventScore {
            has_timestamps: true,
            episodes: vec![FaultEpisode {
                index: 1,
                start_row: 600,
                end_row: 640,
                start_ms: Some(T0_MS + 600 * MINUTE_MS),
                end_ms: Some(T0_MS + 640 * MINUTE_MS),
                detected: true,
                first_alarm_row: Some(560),
                first_alarm_ms: Some(T0_MS + 560 * MINUTE_MS),
                lead_time: Some(2400.0),
            }],
            detected: 1,
            missed: 0,
            median_lead_time: Some(2400.0),
            false_alarms: 0,
            normal_samples: 900,
            normal_days: Some(0.62),
            false_alarms_per_day: Some(0.0),
            false_alarms_per_1000_samples: 0.0,
        }),
        event_options: request.events,
        contributions: vec![],
        timeline: RiskTimeline::default(),
    }
}

fn bundle(path: &str) -> BundleInfo {
    BundleInfo {
        path: path.into(),
        format_version: 1,
        run_id: "run-window".into(),
        created: "2026-12-02 08:00:00".into(),
        model: ModelKind::Seed,
        target: "fault".into(),
        classes: vec!["false".into(), "true".into()],
        features: vec!["bearing_temp".into(), "vibration".into()],
        recipe_steps: 0,
        threshold: 0.5,
        test: None,
        event_options: EventOptions { dead_time_samples: 45, ..EventOptions::default() },
        training_period_ms: Some((T0_MS - 10 * 1440 * MINUTE_MS, T0_MS + 1439 * MINUTE_MS)),
    }
}

fn tag(name: &str, change: f64) -> TagContribution {
    TagContribution { tag: name.into(), mean_abs: change.abs(), mean_signed: change }
}

/// Two alarm events of a week, 96 alarm samples in all; part of the week lies in the
/// training period.
fn prediction() -> PredictionResult {
    let alarm = |index: u32, start: i64, end: i64, tags: Vec<TagContribution>| Alarm {
        index,
        start_row: start as u64,
        end_row: end as u64,
        start_ms: Some(T0_MS + start * MINUTE_MS),
        end_ms: Some(T0_MS + end * MINUTE_MS),
        peak_risk: 0.9,
        peak_row: end as u64,
        top_tags: tags,
        explanation: format!("Alarm {index} explained."),
        explanation_sentences: Vec::new(),
    };
    PredictionResult {
        bundle: bundle("/models/pump.plmodel"),
        file: "/data/week.csv".into(),
        rows: 10_080,
        samples: 10_080,
        threshold: 0.5,
        timeline: RiskTimeline::default(),
        alarms: vec![alarm(1, 3000, 3125, vec![tag("bearing_temp", 0.3), tag("vibration", 0.1)]), alarm(2, 7200, 7210, vec![tag("vibration", 0.2)])],
        alarm_count: 2,
        alarm_samples: 96,
        event_options: EventOptions::default(),
        training_overlap: Some(TrainingOverlap {
            samples: 1440,
            train_start_ms: T0_MS - 10 * 1440 * MINUTE_MS,
            train_end_ms: T0_MS + 1439 * MINUTE_MS,
        }),
        warnings: vec![],
        evaluation: None,
        seconds: 0.8,
    }
}

fn harness(fake: &Rc<RefCell<Fake>>) -> Harness<'static, PlantLabApp> {
    common::app_harness(fake.clone(), WIDTH, HEIGHT)
}

fn go_to(harness: &mut Harness<'static, PlantLabApp>, tab: &str, pane: Pane) {
    harness.run();
    harness.get_by_label(tab).click();
    harness.run();
    assert_eq!(harness.state().pane(), pane);
}

/// Nothing the user can read or click reaches past the right edge of the window.
fn assert_within_window(harness: &Harness<'static, PlantLabApp>, pane: &str) {
    for role in [egui::Role::Button, egui::Role::Label, egui::Role::CheckBox, egui::Role::SpinButton, egui::Role::Slider, egui::Role::ComboBox] {
        for node in harness.query_all_by_role(role) {
            let rect = node.rect();
            assert!(
                rect.max.x <= WIDTH + 0.5 && rect.min.x >= -0.5,
                "{pane}: {role:?} {:?} at x {:.0}..{:.0} is past the edge of a {WIDTH}-wide window",
                node.accesskit_node().label(),
                rect.min.x,
                rect.max.x
            );
        }
    }
}

fn sent_predictions(fake: &Rc<RefCell<Fake>>) -> Vec<plantlab_protocol::PredictRequest> {
    fake.borrow().sent.iter().filter_map(|r| if let Request::Predict(p) = r { Some(p.clone()) } else { None }).collect()
}

fn sent_evaluations(fake: &Rc<RefCell<Fake>>) -> Vec<EvaluateRequest> {
    fake.borrow().sent.iter().filter_map(|r| if let Request::Evaluate(e) = r { Some(e.clone()) } else { None }).collect()
}

#[test]
fn predict_lists_alarm_events_with_durations_and_sends_the_alarm_settings() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(&fake);
    go_to(&mut harness, "Predict", Pane::Predict);
    harness.get_by_label("Open bundle…").click();
    harness.run();
    harness.get_by_label("Open data…").click();
    harness.run();

    // The bundle's alarm settings and training period are shown; overriding starts from them.
    harness.get_by_label_contains("The bundle's alarm settings: alarm samples merge into alarm events: an event clears below 80 % of the threshold, lasts at least 3 sampling intervals, and events at most 45 intervals apart merge");
    harness.get_by_label("2026-11-21 00:00:00");
    harness.get_by_label("2026-12-01 23:59:00");
    harness.get_by_label("Override the bundle's alarm settings").click();
    harness.run();
    let dead_time = harness.get_by_role_and_label(egui::Role::SpinButton, "Dead time (sampling intervals)").value();
    assert_eq!(dead_time.as_deref(), Some("45"), "overriding starts from the bundle's settings");
    harness.get_by_role_and_label(egui::Role::SpinButton, "Dead time (sampling intervals)").set_value_accesskit(60.0);
    harness.run();
    harness.get_by_role_and_label(egui::Role::SpinButton, "Minimum alarm duration (sampling intervals)").set_value_accesskit(5.0);
    harness.run();
    assert_within_window(&harness, "Predict inputs");
    // Below the fold at 640 pixels: the inputs scroll.
    assert!(harness.query_by_label_contains("Open a model bundle").is_none() && harness.query_by_label_contains("Choose the data file").is_none());
    harness.get_by_label("Run prediction").click_accesskit();
    harness.run();
    let sent = sent_predictions(&fake).pop().expect("a prediction request");
    let events = sent.events.expect("the overridden alarm settings travel with the request");
    assert_eq!((events.dead_time_samples, events.min_duration_samples), (60, 5));
    assert_eq!(events.clear_ratio, EventOptions::default().clear_ratio);

    fake.borrow_mut().pending.push(Reply::Task(TaskEvent::started(PREDICT_TASK, TaskKind::Predict, "Predicting week.csv")));
    harness.run();
    fake.borrow_mut().pending.push(Reply::Task(TaskEvent::Finished { task: PREDICT_TASK, outcome: TaskOutcome::Predicted(Box::new(prediction())) }));
    harness.run();

    // Events and samples are counted as such; each event has its duration and top tags.
    harness.get_by_label_contains("2 alarm events from 96 alarm samples at threshold 0.500");
    harness.get_by_label_contains(
        "How: alarm samples merge into alarm events: an event clears below 80 % of the threshold, lasts at least 3 sampling intervals",
    );
    harness.get_by_label("Alarm events (2)");
    harness.get_by_label("Alarm event 1: 2026-12-03 02:00:00 – 2026-12-03 04:05:00 (2 h 5 min), peak risk 0.90; top tags bearing_temp, vibration");
    harness.get_by_label("Alarm event 2: 2026-12-06 00:00:00 – 2026-12-06 00:10:00 (10 min), peak risk 0.90; top tags vibration");
    // The week overlaps the training period: said plainly.
    harness.get_by_label_contains("Inside the training period: 1,440 predicted samples lie between 2026-11-21 00:00:00 and 2026-12-01 23:59:00");
    assert_within_window(&harness, "Predict results");

    harness.get_by_label_contains("Alarm event 1:").scroll_to_me();
    harness.run();
    harness.get_by_label_contains("Alarm event 1:").click();
    harness.run();
    harness.get_by_label("Why alarm event 1 fired");
    harness.get_by_label("bearing_temp: raises the risk by 0.300 on average over the event");
}

#[test]
fn evaluate_names_samples_and_events_and_warns_of_thin_evidence() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(&fake);
    go_to(&mut harness, "Evaluate", Pane::Evaluate);
    harness.run();
    harness.get_by_label_contains("test split of run run-window");

    // 80 false-alarm SAMPLES and 0 false-alarm EVENTS, each named for what it counts.
    harness.get_by_label_contains("30 of 40 fault samples caught (10 missed), 80 false-alarm samples among 980 normal samples");
    harness.get_by_label_contains(
        "Detected 1 of 1 fault episodes (0 missed); median lead time 40 min ahead; 0 false-alarm events (0.00 false-alarm events per day",
    );
    assert!(harness.query_by_label_contains("80 false alarms").is_none());
    assert!(harness.query_by_label_contains("0 false alarms").is_none());
    harness.get_by_label_contains("Thin evidence: the test split holds only 1 fault episode (fewer than 3)");
    assert_within_window(&harness, "Evaluate");

    // Alarm settings are edited here too and travel with the next evaluation.
    harness.get_by_role_and_label(egui::Role::SpinButton, "Alarm clears below (× threshold)").set_value_accesskit(0.6);
    harness.run();
    let last = sent_evaluations(&fake).pop().expect("asked again");
    assert_eq!(last.events.clear_ratio, 0.6);
    assert_eq!(last.events.dead_time_samples, EventOptions::default().dead_time_samples);
    harness.get_by_label_contains("an event clears below 60 % of the threshold");
}

#[test]
fn run_cards_read_in_time_compare_shows_test_metrics_and_cancel_says_cancelled() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(&fake);
    common::open_file_and_go_to(&mut harness, "Train");
    assert_eq!(harness.state().pane(), Pane::Train);
    harness.run();

    // Row or window mode on each card, the window in time.
    harness.get_by_label("window 30 × 1 min = 30 min, stride 5");
    harness.get_by_label("row mode (one sample per row)");
    assert_within_window(&harness, "Train");

    // Compare: the test metrics side by side, not only curves and settings.
    for node in harness.query_all_by_label("Select for comparison") {
        node.click_accesskit();
    }
    harness.run();
    harness.get_by_label("Compare selected").click_accesskit();
    harness.run();
    harness.get_by_label("Test metrics (best epoch, test split)");
    harness.get_by_label("0.934");
    harness.get_by_label("0.871");
    harness.get_by_label("0.612");
    harness.get_by_label("0.401");
    harness.get_by_label("majority baseline accuracy");
    assert_within_window(&harness, "Train compare");

    // Start, then cancel: the header says cancelled, not training or finished.
    harness.get_by_label("Start training").click_accesskit();
    harness.run();
    harness.get_by_label("Run run-new (training)");
    harness.get_by_label("Cancel training").click_accesskit();
    harness.run();
    harness.run();
    harness.get_by_label("Run run-new (cancelled)");
    assert!(harness.query_by_label("Run run-new (training)").is_none());
    assert!(!harness.state().tasks().iter().any(|t| t.id == TRAIN_TASK));
}
