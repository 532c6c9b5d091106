//! Drives a model of normal operation through the app (native build) on the shared fake
//! backend: Train (the family choice, the form, Start, live progress and epochs, the fitted
//! figures, Cancel) -> Evaluate (the model beside PCA T²/Q, episode by episode, the surprise
//! timeline) -> Predict (a normal-model bundle on a new export: alarms explained tag by tag,
//! input warnings). Every request and reply crosses the UI's own bridge mapping as JSON.

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_protocol::DEFAULT_WEIGHT_COLUMN;
use plantlab_protocol::{
    message_args, AlarmSentence, ApiError, CleanState, CleanStep, ColumnInfo, ColumnKind, DatasetSummary, DetectorScore, FalseAlarmUnit, FilePurpose,
    GateResult, GateThresholds, InputWarning, InputWarningKind, MessageArg, ModelKind, NormalAlarm, NormalBundleInfo, NormalDetector, NormalEpisode,
    NormalEpochMetrics, NormalEvaluateRequest, NormalEvaluation, NormalPeriod, NormalPredictRequest, NormalPrediction, NormalRunSummary,
    NormalTimeline, QualityReport, RecipeStep, RunEntry, RunStatus, TagScoreSeries, TagSurprise, TaskEvent, TaskKind, TaskOutcome, TrainUpdate,
};
use plantlab_ui::{Pane, PlantLabApp, Reply, Request};

use crate::common;

const DATA_PATH: &str = "/data/compressor-2026-11.csv";
const NEW_EXPORT: &str = "/data/compressor-2026-12.csv";
const RUN_ID: &str = "20261206-020000-linear-predictor";
const BUNDLE_PATH: &str = "/runs/20261206-020000-linear-predictor/normal_model.json";
const EXPORTED_BUNDLE: &str = "/models/compressor-normal.json";
const TRAIN_TASK: u64 = 41;
const EVALUATE_TASK: u64 = 42;
const PREDICT_TASK: u64 = 43;
/// 2026-11-01 00:00:00 UTC; one sample a minute.
const T0_MS: i64 = 1_793_491_200_000;
const MINUTE_MS: i64 = 60_000;
const EXPLANATION: &str = "TI-101: expected 61.2–63.0, saw 71.4, rising for 25 min";
/// How the fake run ended, in the engine's English (the catalogue's, from its code).
const STOP_MESSAGE: &str = "Linear next-step predictor (recommended) fitted on 1100 normal rows; alarm threshold 12.5000";
const WARNING: &str = "FI-120: 17 samples lie more than 6 standard deviations from the normal mean 42.00; check the sensor and its unit";

#[derive(Default)]
struct Engine {
    runs: Vec<RunEntry>,
    /// The shell refuses to start normal-operation tasks with this error (a missing file, say).
    refusal: Option<ApiError>,
    /// Evaluation tasks start, then fail with this error.
    evaluation_failure: Option<ApiError>,
    /// The cleaning recipe weights the classes of `fault` into this column, which the data has.
    weight_column: Option<String>,
}

/// The cleaning state of a recipe whose one step weights the classes of `fault` into `weight_column`.
fn weighted_clean_state(weight_column: &str) -> CleanState {
    let summary = dataset(DATA_PATH);
    CleanState {
        rows_raw: summary.rows,
        rows: summary.rows,
        train_fraction: 0.7,
        steps: vec![RecipeStep::new(CleanStep::WeightClasses { label: "fault".into(), weight_column: weight_column.into() })],
        outcomes: vec![],
        can_undo: true,
        can_redo: false,
        report: QualityReport {
            rows: summary.rows,
            columns: vec![],
            timestamp_column: summary.timestamp_column,
            sampling_interval_s: Some(60.0),
            import: summary.import,
            import_warnings: vec![],
            import_warning_codes: Vec::new(),
            findings: vec![],
        },
        suggestions: vec![],
        gate: GateResult { passed: true, checks: vec![] },
        gate_thresholds: GateThresholds::default(),
        label_column: Some("fault".into()),
    }
}

/// What the shell answers when the chosen data file is not there.
fn missing_file() -> ApiError {
    ApiError::new("not_found", format!("The file {NEW_EXPORT} does not exist. Check the path, or pick the file with Open…."))
}

type Fake = common::Fake<Engine>;

fn dataset(path: &str) -> DatasetSummary {
    let column = |name: &str, dtype: &str, kind| ColumnInfo { name: name.into(), dtype: dtype.into(), kind, null_count: 0, unit: None };
    DatasetSummary {
        path: path.into(),
        rows: 1440,
        columns: vec![
            column("time", "datetime[ms]", ColumnKind::Timestamp),
            column("TI-101", "f64", ColumnKind::Numeric),
            column("PI-310", "f64", ColumnKind::Numeric),
            column("FI-120", "f64", ColumnKind::Numeric),
            column("unit_id", "str", ColumnKind::Text),
            column("fault", "i64", ColumnKind::Numeric),
        ],
        timestamp_column: Some("time".into()),
        import: common::plain_csv_settings(),
        warnings: vec![],
        warning_codes: Vec::new(),
    }
}

fn episode(index: u32, start_row: u64, end_row: u64, delay: Option<u64>) -> NormalEpisode {
    let at = |row: u64| Some(T0_MS + row as i64 * MINUTE_MS);
    NormalEpisode {
        index,
        start_row,
        end_row,
        start_ms: at(start_row),
        end_ms: at(end_row),
        detected: delay.is_some(),
        first_alarm_row: delay.map(|d| start_row + d),
        delay_samples: delay,
        delay_s: delay.map(|d| d as f64 * 60.0),
    }
}

/// A detector's figures, coded as the engine codes them (`code`, with its English `name`).
fn score(code: &str, name: &str, detection: f64, false_alarm_rate: f64, delays: [Option<u64>; 2]) -> DetectorScore {
    DetectorScore {
        name: name.into(),
        code: code.into(),
        threshold: 12.5,
        roc_auc: Some(0.93),
        pr_auc: Some(0.71),
        false_alarm_rate: Some(false_alarm_rate),
        detection_rate: Some(detection),
        false_alarms: 2,
        false_alarms_per_day: Some(1.5),
        false_alarms_per_1000_samples: Some(1.4),
        normal_samples: 1340,
        fault_samples: 100,
        episodes: vec![episode(1, 400, 449, delays[0]), episode(2, 1000, 1049, delays[1])],
    }
}

fn timeline(rows: usize) -> NormalTimeline {
    let score: Vec<f64> = (0..rows)
        .map(|i| {
            if i == 0 {
                f64::NAN
            } else if (1004..1040).contains(&i) {
                30.0
            } else {
                3.0 + (i % 5) as f64
            }
        })
        .collect();
    NormalTimeline {
        x: (0..rows).map(|i| (T0_MS + i as i64 * MINUTE_MS) as f64).collect(),
        has_timestamps: true,
        alarm: score.iter().map(|s| *s > 12.5).collect(),
        pca: score.iter().map(|s| s / 15.0).collect(),
        top_tags: vec![TagScoreSeries { tag: "TI-101".into(), surprise: score.iter().map(|s| s * 0.7).collect() }],
        score,
    }
}

fn evaluation(source: &str, model_detection: f64) -> NormalEvaluation {
    NormalEvaluation {
        source: source.into(),
        source_code: String::new(),
        source_args: Default::default(),
        run_id: Some(RUN_ID.into()),
        label: "fault".into(),
        samples: 1440,
        has_timestamps: true,
        model: score("linear_predictor", "linear next-step predictor", model_detection, 0.029, [Some(4), Some(2)]),
        pca_t2: score("pca_t2", "PCA T²", 0.605, 0.021, [None, Some(9)]),
        pca_q: score("pca_q", "PCA Q", 0.41, 0.018, [None, None]),
        others: vec![],
        timeline: Some(timeline(1440)),
    }
}

/// The run on the data it trained on, as the engine says it: a coded sentence.
fn evaluation_on_training_data() -> NormalEvaluation {
    NormalEvaluation {
        source_code: "training_data".into(),
        source_args: message_args([("run", RUN_ID.into())]),
        ..evaluation(&format!("run {RUN_ID} on its training data"), 0.87)
    }
}

fn summary() -> NormalRunSummary {
    NormalRunSummary {
        run_id: RUN_ID.into(),
        run_dir: format!("/runs/{RUN_ID}"),
        status: RunStatus::Completed,
        message: STOP_MESSAGE.into(),
        message_code: "normal_linear_fitted".into(),
        message_args: message_args([("rows", 1100u64.into()), ("threshold", "12.5000".into())]),
        detector: NormalDetector::LinearPredictor,
        tags: vec!["TI-101".into(), "PI-310".into(), "FI-120".into()],
        normal_rows: 1340,
        fit_rows: 1100,
        calibration_rows: 240,
        threshold: 12.5,
        target_false_alarm_rate: 0.0007,
        epochs_run: 0,
        best_epoch: 0,
        validation_loss: None,
        validation_perplexity: None,
        bundle: BUNDLE_PATH.into(),
        evaluation: Some(Box::new(evaluation_on_training_data())),
        sampling_interval_s: Some(60.0),
        seconds: 0.8,
    }
}

fn entry() -> RunEntry {
    RunEntry {
        run_id: RUN_ID.into(),
        run_dir: format!("/runs/{RUN_ID}"),
        created: "2026-12-06 02:00:00".into(),
        status: RunStatus::Completed,
        model: ModelKind::Seed,
        target: "fault".into(),
        data: DATA_PATH.into(),
        epochs_run: 0,
        best_epoch: 0,
        best_val_loss: None,
        test_roc_auc: None,
        test_pr_auc: None,
        message: String::new(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        mode: plantlab_protocol::SequenceMode::Row,
        sampling_interval_s: Some(60.0),
        normal: Some(NormalDetector::LinearPredictor),
    }
}

fn bundle(path: &str) -> NormalBundleInfo {
    NormalBundleInfo {
        path: path.into(),
        format_version: 1,
        detector: NormalDetector::LinearPredictor,
        tags: vec!["TI-101".into(), "PI-310".into(), "FI-120".into()],
        normal_rows: 1340,
        threshold: 12.5,
        window: 1,
        smoothing: 1,
    }
}

/// A tag's part in an alarm as the engine codes it ("TAG: expected low–high, saw seen, rising
/// or falling for a while"), with its English explanation.
fn surprise(tag: &str, value: f64, (low, high, seen): (&str, &str, &str), trend_s: f64, explanation: &str) -> TagSurprise {
    let direction = if trend_s >= 0.0 { "surprise_rising" } else { "surprise_falling" };
    let sentence = AlarmSentence::new(
        "surprise_tag",
        [
            ("tag", tag.into()),
            ("expected", MessageArg::phrase("surprise_expected_range", [("low", low.into()), ("high", high.into())])),
            ("seen", MessageArg::phrase("surprise_seen", [("value", seen.into())])),
            ("change", MessageArg::phrase(direction, [("length", MessageArg::Duration(trend_s.abs()))])),
        ],
    );
    TagSurprise {
        tag: tag.into(),
        surprise: value,
        expected_low: low.parse().unwrap_or(f64::NAN),
        expected_high: high.parse().unwrap_or(f64::NAN),
        observed: seen.parse().unwrap_or(f64::NAN),
        trend: Some(trend_s),
        explanation: explanation.into(),
        explanation_sentence: Some(sentence),
    }
}

fn prediction() -> NormalPrediction {
    let timeline = timeline(1440);
    NormalPrediction {
        bundle: bundle(BUNDLE_PATH),
        file: NEW_EXPORT.into(),
        rows: 1440,
        samples: 1439,
        threshold: 12.5,
        alarm_samples: timeline.alarm.iter().filter(|a| **a).count() as u64,
        timeline,
        alarms: vec![NormalAlarm {
            index: 1,
            start_row: 1004,
            end_row: 1039,
            start_ms: Some(T0_MS + 1004 * MINUTE_MS),
            end_ms: Some(T0_MS + 1039 * MINUTE_MS),
            peak_score: 30.0,
            peak_row: 1020,
            top_tags: vec![
                surprise("TI-101", 21.0, ("61.2", "63.0", "71.4"), 1500.0, EXPLANATION),
                surprise("PI-310", 6.0, ("4.1", "4.4", "3.2"), -720.0, "PI-310: expected 4.1–4.4, saw 3.2, falling for 12 min"),
            ],
        }],
        alarm_count: 1,
        warnings: vec![InputWarning {
            kind: InputWarningKind::OutOfTrainingRange,
            tag: "FI-120".into(),
            count: 17,
            message: WARNING.into(),
            example_rows: vec![1010, 1011],
            variant: "far_from_normal".into(),
            args: message_args([
                ("tag", "FI-120".into()),
                ("count", 17u64.into()),
                ("deviations", MessageArg::Number(6.0)),
                ("mean", "42.00".into()),
            ]),
        }],
        seconds: 0.3,
    }
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        if let Some(error) = self.refusal.clone() {
            if matches!(request, Request::StartNormalTrain(_) | Request::EvaluateNormal(_) | Request::PredictNormal(_)) {
                return vec![Reply::Error { context: String::new(), error }];
            }
        }
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some(DATA_PATH.into()))],
            Request::Load { path, .. } => {
                let mut summary = dataset(&path);
                if let Some(weight_column) = &self.weight_column {
                    let column =
                        ColumnInfo { name: weight_column.clone(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 0, unit: None };
                    summary.columns.push(column);
                }
                vec![Reply::Task(TaskEvent::Finished { task: 1, outcome: TaskOutcome::Loaded(summary) })]
            }
            Request::CleanState => self.weight_column.as_deref().map(|c| Reply::CleanState(Box::new(weighted_clean_state(c)))).into_iter().collect(),
            Request::ListRuns => vec![Reply::Runs(self.runs.clone())],
            Request::PickPath { purpose } => {
                let path = match purpose {
                    FilePurpose::OpenBundle => Some(BUNDLE_PATH),
                    FilePurpose::SaveBundle => Some(EXPORTED_BUNDLE),
                    FilePurpose::OpenPredictData => Some(NEW_EXPORT),
                    _ => None,
                };
                vec![Reply::PickedPath { purpose, path: path.map(str::to_owned) }]
            }
            Request::StartNormalTrain(request) => {
                let label = format!("Training a {}", request.detector.label());
                vec![
                    Reply::Task(TaskEvent::started(TRAIN_TASK, TaskKind::Train, label)),
                    Reply::Task(TaskEvent::Progress {
                        task: TRAIN_TASK,
                        fraction: 0.4,
                        stage: "fitting the linear next-step predictor".into(),
                        stage_code: "fitting-linear-predictor".into(),
                        stage_args: Default::default(),
                    }),
                ]
            }
            Request::EvaluateNormal(request) => {
                let started = Reply::Task(TaskEvent::started(EVALUATE_TASK, TaskKind::Evaluate, format!("Evaluating run {}", request.run_id)));
                let ended = match self.evaluation_failure.clone() {
                    Some(error) => TaskEvent::Failed { task: EVALUATE_TASK, error },
                    None => {
                        TaskEvent::Finished { task: EVALUATE_TASK, outcome: TaskOutcome::NormalEvaluated(Box::new(evaluation(DATA_PATH, 0.912))) }
                    }
                };
                vec![started, Reply::Task(ended)]
            }
            Request::OpenNormalBundle { path } => vec![Reply::NormalBundle(Box::new(bundle(&path)))],
            Request::ExportNormalBundle { path, .. } => {
                vec![Reply::NormalBundle(Box::new(bundle(&path))), Reply::Saved { what: "Normal-operation bundle".into(), path }]
            }
            Request::PredictNormal(_) => {
                vec![Reply::Task(TaskEvent::started(PREDICT_TASK, TaskKind::Predict, "Checking compressor-2026-12.csv"))]
            }
            Request::Cancel { task } => vec![Reply::Task(TaskEvent::Cancelled { task })],
            // The rest of a task's events are fed by the test, as the engine would stream them.
            _ => vec![],
        }
    }
}

fn harness(fake: Rc<RefCell<Fake>>) -> Harness<'static, PlantLabApp> {
    common::app_harness(fake, 1500.0, 1100.0)
}

fn push(fake: &Rc<RefCell<Fake>>, event: TaskEvent) {
    fake.borrow_mut().pending.push(Reply::Task(event));
}

fn sent<T>(fake: &Rc<RefCell<Fake>>, pick: impl Fn(&Request) -> Option<T>) -> Vec<T> {
    fake.borrow().sent.iter().filter_map(pick).collect()
}

/// The data set open, the Train pane showing the normal-operation form.
fn open_normal_form(harness: &mut Harness<'static, PlantLabApp>) {
    common::open_file_and_go_to(harness, "Train");
    assert_eq!(harness.state().pane(), Pane::Train);
    harness.get_by_label("Normal-operation model (no labels)").click();
    harness.run();
}

#[test]
fn a_normal_model_goes_from_train_through_evaluate_to_predict() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_normal_form(&mut harness);

    // The recommended detector is the default; the label column marks normal rows and is
    // never a tag; the text column cannot be one.
    assert_eq!(harness.get_by_label("Detector").accesskit_node().value().as_deref(), Some("Linear next-step predictor (recommended)"));
    harness.get_by_label("Rows where a column has a value (e.g. label 0)");
    harness.get_by_label("Tags (0 excluded)").click();
    harness.run();
    harness.get_by_label("fault (label)");
    harness.get_by_label("unit_id (not numeric)");
    harness.get_by_label("PI-310").click();
    harness.run();
    harness.get_by_label("Tags (1 excluded)");

    harness.get_by_label("Start training").click();
    harness.run();
    let requests = sent(&fake, |r| match r {
        Request::StartNormalTrain(request) => Some((**request).clone()),
        _ => None,
    });
    assert_eq!(requests.len(), 1, "one start");
    let request = &requests[0];
    assert_eq!(request.detector, NormalDetector::LinearPredictor);
    assert_eq!(request.normal, NormalPeriod::LabelEquals { column: "fault".into(), value: "0".into() });
    assert_eq!(request.fault_label.as_deref(), Some("fault"), "the run is scored against the label when it ends");
    assert_eq!(request.exclude, vec!["PI-310".to_owned()]);
    assert_eq!((request.false_alarm_unit, request.target_false_alarms), (FalseAlarmUnit::PerThousandSamples, 10.0), "1 % of samples");
    // Running: progress shows in the pane, Start waits, Cancel is offered.
    harness.run();
    assert!(
        harness.query_by_label_contains("fitting the linear next-step predictor (40 % done)").is_some(),
        "the worker's stage and share show in the pane"
    );
    assert!(harness.state().tasks().iter().any(|t| t.id == TRAIN_TASK), "the status bar lists the task");

    // The run ends; the runs list now has it.
    fake.borrow_mut().runs = vec![entry()];
    push(&fake, TaskEvent::Finished { task: TRAIN_TASK, outcome: TaskOutcome::NormalTrained(Box::new(summary())) });
    harness.run();
    harness.run();
    let message = summary().message;
    assert_eq!(message, STOP_MESSAGE);
    assert!(harness.query_by_label(&message).is_some(), "the run's message, worded from its code, heads its figures");
    assert!(harness.query_by_label(&format!("Normal-operation training: {message}")).is_some(), "and a notice says it finished");
    assert!(harness.query_by_label_contains("1,340 (1,100 fitted on, 240 held out").is_some(), "the fitted figures");
    assert!(
        harness
            .query_by_label_contains("The linear next-step predictor beats its baseline: it detects 87.0 % of fault samples at 2.9 % false alarms")
            .is_some(),
        "the verdict against PCA"
    );
    assert!(harness.query_by_label(RUN_ID).is_some(), "the finished run shows in the runs list");
    assert!(harness.state().tasks().is_empty());

    // Evaluate shows the run just trained, scored on its training data, beside PCA.
    harness.get_by_label("Evaluate").click();
    harness.run();
    harness.run();
    assert!(harness.query_by_label_contains(&format!("run {RUN_ID} on its training data: 1,440 samples scored against \"fault\"")).is_some());
    for cell in ["linear next-step predictor", "PCA T²", "PCA Q", "87.0 %", "60.5 %", "41.0 %", "2 of 2", "1 of 2", "0 of 2"] {
        assert!(harness.query_by_label(cell).is_some(), "the detection table shows {cell}");
    }
    assert!(harness.query_by_label("detected, after 4 min").is_some(), "episode 1's delay for the model");
    assert!(harness.query_by_label("detected, after 9 min").is_some(), "episode 2's delay for PCA T²");
    assert!(harness.query_all_by_label("missed").count() >= 3, "PCA misses");
    assert!(harness.query_by_label_contains("Surprise of the linear next-step predictor (line), its threshold").is_some(), "the timeline");
    assert!(harness.query_by_label_contains("Per-tag surprise").is_some(), "the tags' surprise");
    assert!(sent(&fake, |r| matches!(r, Request::Evaluate(_)).then_some(())).is_empty(), "no classifier evaluation for a normal run");

    // Evaluating again asks the engine, against the chosen labels on the open data set.
    harness.get_by_label("Score against the labels").click();
    harness.run();
    harness.run();
    let evaluations = sent(&fake, |r| match r {
        Request::EvaluateNormal(request) => Some(request.clone()),
        _ => None,
    });
    assert_eq!(evaluations, vec![NormalEvaluateRequest { run_id: RUN_ID.into(), path: None, label: "fault".into() }]);
    assert!(harness.query_by_label("91.2 %").is_some(), "the new figures replace the old");
    assert!(harness.query_by_label_contains(&format!("{DATA_PATH}: 1,440 samples")).is_some());

    // The run's bundle is exported from here, and the Predict pane takes it.
    harness.get_by_label("Export model bundle…").click();
    harness.run();
    let exports = sent(&fake, |r| match r {
        Request::ExportNormalBundle { run_id, path } => Some((run_id.clone(), path.clone())),
        _ => None,
    });
    assert_eq!(exports, vec![(RUN_ID.to_owned(), EXPORTED_BUNDLE.to_owned())]);
    assert!(sent(&fake, |r| matches!(r, Request::ExportBundle { .. }).then_some(())).is_empty(), "not the classifier's bundle");
    assert!(harness.state().notices().iter().any(|n| n.text == format!("Normal-operation bundle saved to {EXPORTED_BUNDLE}.")));

    // Predict: the normal-operation bundle on a new export.
    harness.get_by_label("Predict").click();
    harness.run();
    harness.get_by_label("compressor-normal.json");
    harness.get_by_label("Choose the data file to score (Open data…).");
    // Another bundle, opened in the dialog, replaces it.
    harness.get_by_label("Open bundle…").click();
    harness.run();
    harness.run();
    assert!(harness.query_by_label("Linear next-step predictor (recommended)").is_some(), "the bundle's detector");
    harness.get_by_label("Open data…").click();
    harness.run();
    harness.get_by_label("Run prediction").click();
    harness.run();
    let predictions = sent(&fake, |r| match r {
        Request::PredictNormal(request) => Some(request.clone()),
        _ => None,
    });
    assert_eq!(predictions, vec![NormalPredictRequest { path: NEW_EXPORT.into(), bundle: BUNDLE_PATH.into() }]);
    assert!(sent(&fake, |r| matches!(r, Request::Predict(_)).then_some(())).is_empty(), "not the classifier's prediction");
    harness.run();
    assert!(harness.query_by_label_contains("Scoring…").is_some());

    push(
        &fake,
        TaskEvent::Progress {
            task: PREDICT_TASK,
            fraction: 0.7,
            stage: "explaining the alarms".into(),
            stage_code: "explaining-alarms".into(),
            stage_args: Default::default(),
        },
    );
    push(&fake, TaskEvent::Finished { task: PREDICT_TASK, outcome: TaskOutcome::NormalPredicted(Box::new(prediction())) });
    harness.run();
    harness.run();
    assert!(harness.query_by_label_contains("1,440 rows, 1,439 samples scored, 1 alarm event from 36 alarm samples at threshold 12.5").is_some());
    assert!(harness.query_by_label_contains("Surprise (line), threshold (yellow)").is_some(), "the timeline");
    harness.get_by_label("Alarm events (1)");
    let alarm = "Alarm event 1: 2026-11-01 16:44:00 – 2026-11-01 17:19:00, peak surprise 30.0; top tags TI-101, PI-310";
    harness.get_by_label(alarm).click();
    harness.run();
    harness.get_by_label("Why alarm event 1 fired");
    harness.get_by_label(EXPLANATION);
    harness.get_by_label("PI-310: expected 4.1–4.4, saw 3.2, falling for 12 min");
    harness.get_by_label("Input warnings (1)");
    harness.get_by_label("out_of_training_range");
    harness.get_by_label(WARNING);
    assert!(harness.state().tasks().is_empty(), "the prediction left the status bar");
}

#[test]
fn the_language_model_draws_its_epochs_and_cancel_stops_it() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_normal_form(&mut harness);

    harness.get_by_label("Detector").click();
    harness.run();
    harness.get_by_label("Process language model").click();
    harness.run();
    // Only the language model has epochs.
    harness.get_by_label("Epochs");
    harness.get_by_label("All rows (the data holds no faults)").click();
    harness.run();
    harness.get_by_label("Start training").click();
    harness.run();
    let request = sent(&fake, |r| match r {
        Request::StartNormalTrain(request) => Some((**request).clone()),
        _ => None,
    })
    .pop()
    .expect("a start");
    assert_eq!(request.detector, NormalDetector::ProcessLm);
    assert_eq!(request.normal, NormalPeriod::All);

    for epoch in 1..=3u32 {
        let validation_loss = 1.2 / f64::from(epoch);
        let update = TrainUpdate::NormalEpoch(NormalEpochMetrics {
            epoch,
            train_loss: validation_loss + 0.1,
            validation_loss,
            validation_perplexity: validation_loss.exp(),
            best: true,
            seconds: 2.0,
        });
        push(&fake, TaskEvent::Train { task: TRAIN_TASK, update });
    }
    harness.run();
    harness.run();
    assert!(harness.query_by_label("Loss per epoch (nats per tag token)").is_some());
    assert!(
        harness.query_by_label_contains("Epoch 3: train loss 0.5000, validation loss 0.4000, perplexity 1.49").is_some(),
        "the last epoch in words"
    );

    harness.get_by_label("Cancel training").click();
    harness.run();
    harness.run();
    assert_eq!(sent(&fake, |r| matches!(r, Request::Cancel { task: TRAIN_TASK }).then_some(())).len(), 1, "cancel asked for the task");
    harness.get_by_label("Normal-operation training cancelled");
    assert!(harness.state().tasks().is_empty());
    // Another run can start.
    harness.get_by_label("Start training").click();
    harness.run();
    assert_eq!(sent(&fake, |r| matches!(r, Request::StartNormalTrain(_)).then_some(())).len(), 2);
}

/// The Predict pane with a normal-operation bundle open and a data file chosen.
fn ready_to_predict(fake: &Rc<RefCell<Fake>>) -> Harness<'static, PlantLabApp> {
    let mut harness = harness(fake.clone());
    common::open_file_and_go_to(&mut harness, "Predict");
    harness.get_by_label("Normal-operation model (no labels)").click();
    harness.run();
    harness.get_by_label("Open bundle…").click();
    harness.run();
    harness.get_by_label("Open data…").click();
    harness.run();
    harness
}

/// The error shows twice: as a notice, and in the pane next to the button that failed.
fn error_shows(harness: &Harness<'static, PlantLabApp>, message: &str) {
    assert!(harness.state().notices().iter().any(|n| n.is_error && n.text.contains(message)), "a notice says why: {:?}", harness.state().notices());
    let shown: Vec<egui::Rect> = harness.query_all_by_label_contains(message).map(|n| n.rect()).collect();
    assert!(shown.len() >= 2, "the pane says it next to the button too");
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1500.0, 1100.0));
    for rect in shown {
        assert!(window.contains_rect(rect), "the message is inside the window: {rect:?}");
    }
}

#[test]
fn a_prediction_refused_for_a_missing_file_says_why() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = ready_to_predict(&fake);
    fake.borrow_mut().refusal = Some(missing_file());
    harness.get_by_label("Run prediction").click();
    harness.run();
    harness.run();
    assert_eq!(sent(&fake, |r| matches!(r, Request::PredictNormal(_)).then_some(())).len(), 1, "the check was asked for");
    error_shows(&harness, &missing_file().message);
    assert!(harness.state().notices().iter().any(|n| n.text.starts_with("Starting the normal-operation check failed")));
    assert!(harness.query_by_label_contains("Scoring…").is_none(), "nothing is running");
    // The file is there now: the next run clears the message from the pane.
    fake.borrow_mut().refusal = None;
    harness.get_by_label("Run prediction").click();
    harness.run();
    harness.run();
    assert_eq!(harness.query_all_by_label_contains(&missing_file().message).count(), 1, "only the notice is left");
    assert!(harness.query_by_label_contains("Scoring…").is_some());
}

#[test]
fn a_prediction_that_fails_says_why() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = ready_to_predict(&fake);
    harness.get_by_label("Run prediction").click();
    harness.run();
    harness.run();
    assert!(harness.query_by_label_contains("Scoring…").is_some());
    let message = "The file has none of the bundle's tags (TI-101, PI-310, FI-120). Score an export of the same plant.";
    push(&fake, TaskEvent::Failed { task: PREDICT_TASK, error: ApiError::new("bad_input", message) });
    harness.run();
    harness.run();
    error_shows(&harness, message);
    assert!(harness.state().tasks().is_empty(), "the task left the status bar");
    assert!(harness.query_by_label_contains("Scoring…").is_none());
}

#[test]
fn a_normal_training_that_cannot_start_or_fails_says_why() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_normal_form(&mut harness);
    let refused = "The label column \"fault\" has no rows equal to 0. Choose the value that marks normal rows.";
    fake.borrow_mut().refusal = Some(ApiError::new("bad_input", refused));
    harness.get_by_label("Start training").click();
    harness.run();
    harness.run();
    error_shows(&harness, refused);
    harness.get_by_label("Normal-operation training failed to start");

    // Started, then failed in the worker.
    fake.borrow_mut().refusal = None;
    harness.get_by_label("Start training").click();
    harness.run();
    harness.run();
    assert_eq!(harness.query_all_by_label_contains(refused).count(), 1, "the new run clears the old message from the pane");
    let failed = "Too few normal rows left after the window (12); mark a longer normal period.";
    push(&fake, TaskEvent::Failed { task: TRAIN_TASK, error: ApiError::new("bad_input", failed) });
    harness.run();
    harness.run();
    error_shows(&harness, failed);
    harness.get_by_label("Normal-operation training failed");
    assert!(harness.state().tasks().is_empty());
}

/// Evaluate showing the normal run just trained.
fn evaluating(fake: &Rc<RefCell<Fake>>) -> Harness<'static, PlantLabApp> {
    let mut harness = harness(fake.clone());
    open_normal_form(&mut harness);
    harness.get_by_label("Start training").click();
    harness.run();
    fake.borrow_mut().runs = vec![entry()];
    push(fake, TaskEvent::Finished { task: TRAIN_TASK, outcome: TaskOutcome::NormalTrained(Box::new(summary())) });
    harness.run();
    harness.run();
    harness.get_by_label("Evaluate").click();
    harness.run();
    harness.run();
    harness
}

#[test]
fn scoring_against_a_missing_file_says_why() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = evaluating(&fake);
    harness.get_by_label("Other file…").click();
    harness.run();
    fake.borrow_mut().refusal = Some(missing_file());
    harness.get_by_label("Score against the labels").click();
    harness.run();
    harness.run();
    error_shows(&harness, &missing_file().message);
    assert!(harness.query_by_label("Evaluating…").is_none(), "nothing is running");
    assert!(!harness.get_by_label("Score against the labels").accesskit_node().is_disabled(), "another try can start");
}

#[test]
fn scoring_that_fails_says_why() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = evaluating(&fake);
    harness.get_by_label("Other file…").click();
    harness.run();
    // This time the task starts and fails in the worker.
    let failed = "The column \"fault\" is not in compressor-2026-12.csv. Choose the column of fault labels in that file.";
    fake.borrow_mut().evaluation_failure = Some(ApiError::new("bad_input", failed));
    harness.get_by_label("Score against the labels").click();
    harness.run();
    harness.run();
    error_shows(&harness, failed);
    assert!(harness.state().tasks().is_empty(), "the task left the status bar");
    assert!(harness.query_by_label("Evaluating…").is_none(), "nothing is running");
}

#[test]
fn the_class_weights_of_the_label_are_never_a_tag() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    fake.borrow_mut().weight_column = Some(DEFAULT_WEIGHT_COLUMN.into());
    let mut harness = harness(fake.clone());
    open_normal_form(&mut harness);
    harness.get_by_label("Tags (0 excluded)").click();
    harness.run();
    let weights = format!("{DEFAULT_WEIGHT_COLUMN} (class weights of the label)");
    assert!(harness.get_by_label(&weights).accesskit_node().is_disabled(), "greyed like the label");
    assert!(harness.query_by_label(DEFAULT_WEIGHT_COLUMN).is_none(), "not offered as a tag");
    // Unticking tags down to one leaves too few: the weight column does not count as a tag.
    harness.get_by_label("PI-310").click();
    harness.run();
    harness.get_by_label("FI-120").click();
    harness.run();
    assert!(harness.query_by_label_contains("1 numeric tag(s) left").is_some(), "TI-101 is the only tag left");
}

#[test]
fn the_normal_model_reads_in_chinese_from_train_through_evaluate_to_predict() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = common::app_harness_in(fake.clone(), 1500.0, 1100.0, plantlab_ui::Lang::ZhCn);
    common::open_file_and_go_to_in_chinese(&mut harness, "训练");
    harness.get_by_label("正常工况模型（无需标签）").click();
    harness.run();
    harness.get_by_label("某列等于指定值的行（例如标签为 0）");
    harness.get_by_label("位号（已排除 0 个）").click();
    harness.run();
    harness.get_by_label("unit_id（非数值）");
    harness.get_by_label("开始训练").click();
    harness.run();
    harness.run();
    assert!(harness.query_by_label_contains("拟合线性下一步预测器（已完成 40 %）").is_some(), "the engine's stage in the UI's words");

    fake.borrow_mut().runs = vec![entry()];
    push(&fake, TaskEvent::Finished { task: TRAIN_TASK, outcome: TaskOutcome::NormalTrained(Box::new(summary())) });
    harness.run();
    harness.run();
    assert!(harness.query_by_label_contains("1,340（1,100 行用于拟合，240 行留出用于标定阈值）").is_some());
    assert!(harness.query_by_label("线性下一步预测器（推荐）已在 1100 行正常数据上拟合；报警阈值 12.5000").is_some(), "how the run ended");
    assert!(harness.query_by_label_contains("线性下一步预测器 优于基线").is_some(), "the verdict against PCA, the detectors named in Chinese");
    assert!(harness.query_all_by_label_contains("PCA T²").count() >= 1, "the baseline keeps its name");

    harness.get_by_label("评估").click();
    harness.run();
    harness.run();
    assert!(harness.query_by_label_contains(&format!("运行 {RUN_ID} 的训练数据")).is_some(), "what was scored, in Chinese");
    assert!(harness.query_by_label_contains("对照“fault”评分 1,440 个样本").is_some());
    assert!(harness.query_by_label("线性下一步预测器").is_some(), "the detection table names the model in Chinese");
    assert!(harness.query_by_label("已检出，延迟 4 min").is_some());
    assert!(harness.query_by_label("2 / 2").is_some());
    harness.get_by_label("导出模型包…").click();
    harness.run();
    assert!(harness.state().notices().iter().any(|n| n.text == format!("正常工况模型包已保存到 {EXPORTED_BUNDLE}。")));

    harness.get_by_label("预测").click();
    harness.run();
    harness.get_by_label("请选择待检查的数据文件（打开数据…）。");
    harness.get_by_label("打开数据…").click();
    harness.run();
    // Through accessibility: the pointer still hovers "打开数据…", whose tooltip covers the button.
    harness.get_by_label("运行预测").click_accesskit();
    harness.run();
    push(&fake, TaskEvent::Finished { task: PREDICT_TASK, outcome: TaskOutcome::NormalPredicted(Box::new(prediction())) });
    harness.run();
    harness.run();
    assert!(harness.query_by_label_contains("1,440 行，检查样本 1,439 个；阈值 12.5 下，36 个报警样本合并为 1 个报警事件").is_some());
    harness.get_by_label("报警事件（1 个）");
    harness.get_by_label("报警事件 1：2026-11-01 16:44:00 – 2026-11-01 17:19:00，意外程度峰值 30.0；主要位号 TI-101, PI-310").click();
    harness.run();
    harness.get_by_label("报警事件 1 的原因");
    // The alarm explained tag by tag, and the input warning, in Chinese.
    harness.get_by_label("TI-101：预期 61.2–63.0，实际为 71.4，已持续上升 25 min");
    harness.get_by_label("PI-310：预期 4.1–4.4，实际为 3.2，已持续下降 12 min");
    harness.get_by_label("FI-120：17 个样本偏离正常均值 42.00 超过 6 个标准差；请检查传感器及其单位");
    assert!(harness.query_by_label("线性下一步预测器（推荐）").is_some(), "the bundle's detector");
    assert!(harness.query_by_label_contains("expected").is_none() && harness.query_by_label_contains("standard deviations").is_none());
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn a_finished_normal_runs_heading_and_message_follow_a_language_switch() {
    let fake = Rc::new(RefCell::new(Fake::default()));
    let mut harness = harness(fake.clone());
    open_normal_form(&mut harness);
    harness.get_by_label("Start training").click();
    harness.run();
    push(&fake, TaskEvent::Finished { task: TRAIN_TASK, outcome: TaskOutcome::NormalTrained(Box::new(summary())) });
    harness.run();
    harness.run();
    let english_heading = format!("Run {RUN_ID} (Linear next-step predictor (recommended), completed)");
    harness.get_by_label(&english_heading);
    harness.get_by_label(STOP_MESSAGE);
    // Both are worded when drawn, not when the run ended.
    harness.get_by_label("简体中文").click();
    harness.run();
    harness.get_by_label(&format!("训练记录 {RUN_ID}（线性下一步预测器（推荐），已完成）"));
    harness.get_by_label("线性下一步预测器（推荐）已在 1100 行正常数据上拟合；报警阈值 12.5000");
    assert!(harness.query_by_label(&english_heading).is_none() && harness.query_by_label(STOP_MESSAGE).is_none());
}
