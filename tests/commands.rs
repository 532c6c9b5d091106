//! The shell's Tauri commands, driven through Tauri's mock runtime (no window): real IPC
//! dispatch, the real capability file, the real engine behind it.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use plantlab_desktop::{configure, context, AppState};
use plantlab_protocol::{ApiError, TablePage, TaskEvent, TaskOutcome};
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
    let (tx, rx) = channel();
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
        serde_json::from_value(invoke(&window, "dataset_page", json!({"request": {"offset": 9998, "limit": 50}})).expect("page"))
            .expect("page json");
    assert_eq!(page.rows.len(), 2);
    assert_eq!(page.rows[1][0].as_deref(), Some("10000"));

    let series = invoke(&window, "dataset_series", json!({"request": {"column": "Torque [Nm]", "x_range": null, "max_points": 500}}))
        .expect("series");
    assert_eq!(series["decimated"], json!(true));
    assert_eq!(series["x"].as_array().map(Vec::len), Some(500));

    let bad = invoke(&window, "dataset_series", json!({"request": {"column": "Type", "x_range": null, "max_points": 500}}))
        .expect_err("text column");
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
