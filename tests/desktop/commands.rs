//! The shell's Tauri commands, driven through Tauri's mock runtime (no window): real IPC
//! dispatch, the real capability file, the real engine behind it.

use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::Duration;

use plantlab_desktop::{configure, context, AppState};
use plantlab_protocol::{ApiError, FilePurpose, TablePage, TaskEvent, TaskOutcome, TrainUpdate};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/ai4i2020.csv")
}

/// An app on the mock runtime whose channel messages are collected in the receiver.
fn app(initial: Option<PathBuf>) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>, Receiver<TaskEvent>) {
    // Far more than any test's task sends; a full queue makes the sender wait, never grow.
    let (tx, rx) = sync_channel(4096);
    let builder = mock_builder().channel_interceptor(move |_webview, _callback, _index, body| {
        if let InvokeResponseBody::Json(text) = body {
            if let Ok(event) = serde_json::from_str::<TaskEvent>(text) {
                let _ = tx.send(event);
            }
        }
        true
    });
    let app = configure(builder, AppState::new(initial)).build(context()).expect("app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
    (app, window, rx)
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    // The app's own origin on Linux; the capability allows only local content.
    invoke_from(window, "tauri://localhost", cmd, args)
}

fn invoke_from(window: &WebviewWindow<MockRuntime>, origin: &str, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: origin.parse().expect("url"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("json answer"))
}

fn wait_for_end(rx: &Receiver<TaskEvent>) -> Vec<TaskEvent> {
    let mut events = Vec::new();
    while let Ok(event) = rx.recv_timeout(Duration::from_secs(60)) {
        let done = event.is_terminal();
        events.push(event);
        if done {
            break;
        }
    }
    events
}

#[test]
fn initial_path_comes_from_the_command_line() {
    let (_app, window, _rx) = app(Some(sample()));
    let answer = invoke(&window, "initial_path", json!({})).expect("allowed");
    assert_eq!(answer, json!(sample().display().to_string()));
}

#[test]
fn load_streams_progress_then_pages_and_series_answer() {
    let (_app, window, rx) = app(None);
    let before = invoke(&window, "dataset_page", json!({"request": {"offset": 0, "limit": 5}})).expect_err("nothing open");
    let error: ApiError = serde_json::from_value(before).expect("typed error");
    assert_eq!(error.code, "no_dataset");

    let task = invoke(&window, "start_load", json!({"path": sample(), "onEvent": "__CHANNEL__:7"})).expect("load starts");
    assert!(task.as_u64().is_some());
    let events = wait_for_end(&rx);
    assert!(matches!(events.first(), Some(TaskEvent::Started { .. })), "{events:?}");
    assert!(events.iter().any(|e| matches!(e, TaskEvent::Progress { .. })), "progress is streamed");
    match events.last() {
        Some(TaskEvent::Finished { outcome: TaskOutcome::Loaded(summary), .. }) => {
            assert_eq!(summary.rows, 10_000);
            assert_eq!(summary.columns.len(), 14);
        }
        other => panic!("load did not finish: {other:?}"),
    }

    let page: TablePage =
        serde_json::from_value(invoke(&window, "dataset_page", json!({"request": {"offset": 9998, "limit": 50}})).expect("page")).expect("page json");
    assert_eq!(page.rows.len(), 2);
    assert_eq!(page.rows[1][0].as_deref(), Some("10000"));

    let series =
        invoke(&window, "dataset_series", json!({"request": {"column": "Torque [Nm]", "x_range": null, "max_points": 500}})).expect("series");
    assert_eq!(series["decimated"], json!(true));
    assert_eq!(series["x"].as_array().map(Vec::len), Some(500));

    let bad = invoke(&window, "dataset_series", json!({"request": {"column": "Type", "x_range": null, "max_points": 500}})).expect_err("text column");
    assert_eq!(bad["code"], json!("not_numeric"));
}

#[test]
fn bad_files_fail_the_task_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, b"").expect("write");
    let binary = dir.path().join("binary.csv");
    std::fs::write(&binary, [0u8, 159, 146, 150, 0, 1, 2, 3]).expect("write");
    let cases = [
        (PathBuf::from("/no/such/file.csv"), "not_found", "does not exist"),
        (dir.path().to_path_buf(), "is_directory", "is a folder"),
        (empty, "empty_file", "is empty"),
        (binary, "not_text", "not a text table"),
    ];
    let (_app, window, rx) = app(None);
    for (path, code, words) in cases {
        invoke(&window, "start_load", json!({"path": path, "onEvent": "__CHANNEL__:3"})).expect("task starts");
        match wait_for_end(&rx).last() {
            Some(TaskEvent::Failed { error, .. }) => {
                assert_eq!(error.code, code, "{}", path.display());
                assert!(error.message.contains(words), "{}", error.message);
            }
            other => panic!("expected failure for {}, got {other:?}", path.display()),
        }
    }
    // Nothing was open before, and nothing is open after failed loads.
    let after = invoke(&window, "dataset_page", json!({"request": {"offset": 0, "limit": 5}})).expect_err("still nothing open");
    assert_eq!(after["code"], json!("no_dataset"));
}

#[test]
fn cancelling_an_unknown_task_is_harmless() {
    let (_app, window, _rx) = app(None);
    assert_eq!(invoke(&window, "cancel_task", json!({"task": 12345})).expect("allowed"), json!(false));
}

#[test]
fn commands_outside_the_app_are_refused() {
    let (_app, window, _rx) = app(None);
    // No fs/shell/http plugin is registered or permitted.
    assert!(invoke(&window, "plugin:fs|read_file", json!({"path": "/etc/passwd"})).is_err());
    assert!(invoke(&window, "plugin:shell|execute", json!({"program": "sh"})).is_err());
    // Remote content may not call even the app's own commands.
    assert!(invoke_from(&window, "https://example.com", "initial_path", json!({})).is_err());
}

#[test]
fn cleaning_then_training_run_through_ipc_and_the_run_keeps_the_recipe() {
    use tauri::Manager;
    let runs = tempfile::tempdir().expect("temp dir");
    let (app, window, rx) = app(None);
    app.state::<AppState>().workbench.set_runs_root(runs.path().to_path_buf());
    invoke(&window, "start_load", json!({"path": sample(), "onEvent": "__CHANNEL__:7"})).expect("load starts");
    assert!(matches!(wait_for_end(&rx).last(), Some(TaskEvent::Finished { .. })));

    let state = invoke(&window, "clean_state", json!({})).expect("clean state");
    assert_eq!(state["rows_raw"], json!(10_000));
    assert!(state["gate"]["checks"].as_array().is_some_and(|c| !c.is_empty()), "{state}");

    let step = json!({"op": "drop", "columns": ["Product ID"]});
    let preview = invoke(&window, "clean_preview", json!({"request": {"step": step, "max_points": 200}})).expect("preview");
    assert_eq!(preview["rows_before"], json!(10_000));
    assert!(preview["columns"].as_array().is_some_and(|c| c.iter().any(|c| c["column"] == "Product ID" && c["removed"] == true)), "{preview}");

    invoke(&window, "clean_start", json!({"action": {"action": "apply", "step": step}, "onEvent": "__CHANNEL__:8"})).expect("apply starts");
    let events = wait_for_end(&rx);
    assert!(matches!(events.last(), Some(TaskEvent::Finished { outcome: TaskOutcome::Cleaned(_), .. })), "{events:?}");
    let state = invoke(&window, "clean_state", json!({})).expect("clean state");
    assert_eq!(state["steps"].as_array().map(Vec::len), Some(1));
    assert_eq!(state["can_undo"], json!(true));
    // The cleaned data is what the Data pane (and training) now see.
    let summary = invoke(&window, "dataset_summary", json!({})).expect("summary");
    assert_eq!(summary["columns"].as_array().map(Vec::len), Some(13));

    // Name the label: its imbalance fails the gate until the suggested class weights are added.
    invoke(&window, "clean_start", json!({"action": {"action": "set_label", "column": "Machine failure"}, "onEvent": "__CHANNEL__:10"}))
        .expect("set label starts");
    wait_for_end(&rx);
    let state = invoke(&window, "clean_state", json!({})).expect("clean state");
    assert_eq!(state["label_column"], json!("Machine failure"));
    let label_check = |state: &Value| state["gate"]["checks"].as_array().and_then(|c| c.iter().find(|c| c["name"] == "label_imbalance").cloned());
    assert_eq!(label_check(&state).map(|c| c["passed"].clone()), Some(json!(false)), "{state}");
    let weighting = state["suggestions"].as_array().and_then(|s| s.iter().find(|s| s["kind"] == "label_imbalance").cloned()).expect("a suggestion");
    invoke(&window, "clean_start", json!({"action": {"action": "apply", "step": weighting["step"]}, "onEvent": "__CHANNEL__:11"}))
        .expect("weighting starts");
    wait_for_end(&rx);
    let state = invoke(&window, "clean_state", json!({})).expect("clean state");
    assert_eq!(label_check(&state).map(|c| c["passed"].clone()), Some(json!(true)), "{state}");

    let config = json!({"target": "Machine failure", "exclude": ["UDI", "TWF", "HDF", "PWF", "OSF", "RNF"], "epochs": 1,
        "gate": {"passed": false, "overridden": true}});
    invoke(&window, "start_train", json!({"config": config, "onEvent": "__CHANNEL__:9"})).expect("training starts");
    let events = wait_for_end(&rx);
    assert!(events.iter().any(|e| matches!(e, TaskEvent::Train { .. })), "metrics are streamed");
    let weights_from = events.iter().find_map(|e| match e {
        TaskEvent::Train { update: TrainUpdate::Prepared { data, .. }, .. } => Some(data.class_weights_from.clone()),
        _ => None,
    });
    assert_eq!(weights_from, Some(Some("class_weight".to_owned())), "training uses the cleaning step's class weights");
    let Some(TaskEvent::Finished { outcome: TaskOutcome::Trained(summary), .. }) = events.last() else {
        panic!("training did not finish: {:?}", events.last());
    };
    let run_dir = PathBuf::from(&summary.run_dir);
    assert!(run_dir.join("recipe.json").is_file(), "the cleaning steps are stored with the run");
    let config: Value = serde_json::from_slice(&std::fs::read(run_dir.join("config.json")).expect("config")).expect("json");
    assert_eq!(config["gate"], json!({"passed": false, "overridden": true}), "the gate override is recorded");

    let listed = invoke(&window, "runs_list", json!({})).expect("runs");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["status"], json!("completed"));
    let remaining = invoke(&window, "run_delete", json!({"runId": summary.run_id})).expect("delete");
    assert_eq!(remaining, json!([]));
}

#[test]
fn evaluate_bundle_predict_and_report_run_through_ipc() {
    use tauri::Manager;
    let dir = tempfile::tempdir().expect("temp dir");
    let (app, window, rx) = app(None);
    app.state::<AppState>().workbench.set_runs_root(dir.path().join("runs"));
    invoke(&window, "start_load", json!({"path": sample(), "onEvent": "__CHANNEL__:7"})).expect("load starts");
    assert!(matches!(wait_for_end(&rx).last(), Some(TaskEvent::Finished { .. })));
    let config = json!({"target": "Machine failure", "exclude": ["UDI", "Product ID", "TWF", "HDF", "PWF", "OSF", "RNF"], "epochs": 2});
    invoke(&window, "start_train", json!({"config": config, "onEvent": "__CHANNEL__:8"})).expect("training starts");
    let Some(TaskEvent::Finished { outcome: TaskOutcome::Trained(summary), .. }) = wait_for_end(&rx).last().cloned() else {
        panic!("training did not finish");
    };

    let eval = invoke(&window, "evaluate_run", json!({"request": {"run_id": summary.run_id, "threshold": 0.3}})).expect("evaluation");
    assert_eq!(eval["threshold"], json!(0.3));
    assert_eq!(eval["samples"], json!(1500));
    assert!(eval["baseline"]["accuracy"].as_f64().is_some_and(|a| a > 0.9), "{}", eval["baseline"]);
    assert!(eval["thresholds"].as_array().is_some_and(|t| t.len() > 10));

    // Paths that the user did not choose in a dialog are refused, and nothing is written.
    let grants = &app.state::<AppState>().grants;
    let bundle = dir.path().join("model.plmodel");
    let refused = invoke(&window, "bundle_export", json!({"runId": summary.run_id, "path": bundle})).expect_err("not chosen");
    assert_eq!(refused["code"], json!("path_not_chosen"), "{refused}");
    let rc_file = dir.path().join(".bashrc");
    let refused = invoke(&window, "report_export", json!({"runId": summary.run_id, "path": rc_file})).expect_err("not chosen");
    assert_eq!(refused["code"], json!("path_not_chosen"), "{refused}");
    assert!(!bundle.exists() && !rc_file.exists());
    // The test stands in for the native dialogs from here on.
    grants.grant(FilePurpose::SaveBundle, &bundle);
    let info = invoke(&window, "bundle_export", json!({"runId": summary.run_id, "path": bundle, "threshold": 0.3})).expect("bundle");
    assert_eq!(info["target"], json!("Machine failure"));
    assert_eq!(invoke(&window, "bundle_open", json!({"path": bundle})).expect("bundle opens"), info);
    grants.grant(FilePurpose::OpenBundle, &sample());
    let refused = invoke(&window, "bundle_open", json!({"path": sample()})).expect_err("a CSV is not a bundle");
    assert_eq!(refused["code"], json!("bad_bundle"), "{refused}");

    let request = json!({"path": sample(), "bundle": bundle, "threshold": null});
    let refused = invoke(&window, "predict_start", json!({"request": request.clone(), "onEvent": "__CHANNEL__:9"})).expect_err("data not chosen");
    assert_eq!(refused["code"], json!("path_not_chosen"), "{refused}");
    grants.grant(FilePurpose::OpenPredictData, &sample());
    invoke(&window, "predict_start", json!({"request": request, "onEvent": "__CHANNEL__:9"})).expect("prediction starts");
    let events = wait_for_end(&rx);
    let Some(TaskEvent::Finished { outcome: TaskOutcome::Predicted(result), .. }) = events.last() else {
        panic!("prediction did not finish: {:?}", events.last());
    };
    assert_eq!(result.samples, 10_000);
    assert_eq!(result.threshold, 0.3);
    assert!(result.evaluation.is_some(), "the file has the label, so it is scored too");
    let csv = dir.path().join("predictions.csv");
    grants.grant(FilePurpose::SavePredictions, &csv);
    invoke(&window, "predict_export", json!({"path": csv})).expect("export");
    // The same bundle through the engine directly (what the CLI calls) gives the same file.
    let direct = plantlab_engine::Workbench::new();
    let request = plantlab_protocol::PredictRequest {
        path: sample().display().to_string(),
        bundle: bundle.display().to_string(),
        threshold: None,
        events: None,
    };
    direct.predict(&request, &plantlab_engine::JobContext::detached()).expect("direct prediction");
    let csv_direct = dir.path().join("direct.csv");
    direct.export_predictions(&csv_direct).expect("direct export");
    assert_eq!(std::fs::read(&csv).expect("csv"), std::fs::read(&csv_direct).expect("csv"));

    let report = dir.path().join("report.html");
    grants.grant(FilePurpose::SaveReport, &report);
    invoke(&window, "report_export", json!({"runId": summary.run_id, "path": report})).expect("report");
    let html = std::fs::read_to_string(&report).expect("html");
    assert!(html.contains("Machine failure") && html.contains("<svg"));
    assert!(html.contains("<html lang=\"en\""), "an export without a language is English");
    // The UI sends the language it shows; the report follows it.
    let chinese = dir.path().join("report-zh.html");
    grants.grant(FilePurpose::SaveReport, &chinese);
    invoke(&window, "report_export", json!({"runId": summary.run_id, "path": chinese, "lang": "zh-CN"})).expect("report in Chinese");
    let html = std::fs::read_to_string(&chinese).expect("html");
    assert!(html.contains("<html lang=\"zh-CN\"") && html.contains("Machine failure") && html.contains("<svg"));
}

#[test]
fn normal_operation_models_train_evaluate_export_and_predict_through_ipc() {
    use tauri::Manager;
    let dir = tempfile::tempdir().expect("temp dir");
    let (app, window, rx) = app(None);
    app.state::<AppState>().workbench.set_runs_root(dir.path().join("runs"));
    invoke(&window, "start_load", json!({"path": sample(), "onEvent": "__CHANNEL__:7"})).expect("load starts");
    assert!(matches!(wait_for_end(&rx).last(), Some(TaskEvent::Finished { .. })));

    // Normal operation: the rows without a machine failure; the failure modes are no tags.
    let request = json!({"normal": {"kind": "label_equals", "column": "Machine failure", "value": "0"},
        "exclude": ["UDI", "TWF", "HDF", "PWF", "OSF", "RNF"], "fault_label": "Machine failure"});
    invoke(&window, "normal_train_start", json!({"request": request, "onEvent": "__CHANNEL__:8"})).expect("training starts");
    let events = wait_for_end(&rx);
    assert!(events.iter().any(|e| matches!(e, TaskEvent::Train { update: TrainUpdate::Prepared { .. }, .. })), "{events:?}");
    let Some(TaskEvent::Finished { outcome: TaskOutcome::NormalTrained(summary), .. }) = events.last().cloned() else {
        panic!("training did not finish: {:?}", events.last());
    };
    assert_eq!(summary.tags.len(), 5, "{:?}", summary.tags);
    let evaluation = summary.evaluation.as_deref().expect("evaluated against the failures");
    assert!(evaluation.model.fault_samples > 0 && evaluation.pca_t2.roc_auc.is_some());
    let stored = invoke(&window, "normal_run_summary", json!({"runId": summary.run_id})).expect("summary");
    assert_eq!(stored["detector"], json!("linear_predictor"));
    let listed = invoke(&window, "runs_list", json!({})).expect("runs");
    assert_eq!((listed[0]["status"].clone(), listed[0]["normal"].clone()), (json!("completed"), json!("linear_predictor")));

    invoke(
        &window,
        "normal_evaluate_start",
        json!({"request": {"run_id": summary.run_id, "path": null, "label": "Machine failure"}, "onEvent": "__CHANNEL__:9"}),
    )
    .expect("evaluation starts");
    let Some(TaskEvent::Finished { outcome: TaskOutcome::NormalEvaluated(again), .. }) = wait_for_end(&rx).last().cloned() else {
        panic!("evaluation did not finish");
    };
    assert_eq!(again.model.detection_rate, evaluation.model.detection_rate);

    // Paths the user did not choose in a dialog are refused; chosen ones work.
    let bundle = dir.path().join("normal.plmodel");
    let refused = invoke(&window, "normal_bundle_export", json!({"runId": summary.run_id, "path": bundle})).expect_err("not chosen");
    assert_eq!(refused["code"], json!("path_not_chosen"));
    let grants = &app.state::<AppState>().grants;
    grants.grant(FilePurpose::SaveBundle, &bundle);
    let info = invoke(&window, "normal_bundle_export", json!({"runId": summary.run_id, "path": bundle})).expect("export");
    assert_eq!(info, invoke(&window, "normal_bundle_open", json!({"path": bundle})).expect("open"));
    let predict = json!({"path": sample(), "bundle": bundle});
    assert!(invoke(&window, "normal_predict_start", json!({"request": predict, "onEvent": "__CHANNEL__:10"})).is_err(), "data not chosen");
    grants.grant(FilePurpose::OpenPredictData, &sample());
    invoke(&window, "normal_predict_start", json!({"request": predict, "onEvent": "__CHANNEL__:11"})).expect("prediction starts");
    let Some(TaskEvent::Finished { outcome: TaskOutcome::NormalPredicted(prediction), .. }) = wait_for_end(&rx).last().cloned() else {
        panic!("prediction did not finish");
    };
    assert_eq!(prediction.rows, 10_000);
    assert_eq!(prediction.timeline.score.len(), 10_000);
    assert!(prediction.alarms.iter().all(|a| !a.top_tags.is_empty()));
}
