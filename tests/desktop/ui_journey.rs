//! The whole loop as a user takes it, with nothing faked but the native file dialogs: the
//! egui app (kittest) drives the real shell commands on Tauri's mock runtime, with every
//! request and answer going through JSON exactly as `plantlab_ui::backend::bridge` sends it
//! from the webview, on a messy generated export: open → add and apply every suggested step
//! from the Clean pane → the gate passes → train → evaluate → bundle → predict.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::{Duration, Instant};

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_desktop::{configure, context, AppState};
use plantlab_engine::generate::{messy_series, pump_station, pump_station_month, MessyOptions, LABEL_COLUMN};
use plantlab_protocol::{ApiError, CleanState, FilePurpose, FindingKind, TaskOutcome};
use plantlab_ui::backend::bridge::{self, Invocation};
use plantlab_ui::{Backend, Pane, PlantLabApp, Reply, Request};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

/// What the test watches besides the window: every error the UI was told of, and the ends
/// of background tasks.
#[derive(Default)]
struct Log {
    errors: Vec<(String, ApiError)>,
    outcomes: Vec<TaskOutcome>,
    /// Plot series received (the Data pane asks for one per finding clicked).
    series: usize,
}

/// The UI's backend on the mock runtime: each request becomes the command and JSON arguments
/// the webview would send, runs through Tauri's IPC dispatch into the real command, and its
/// JSON answer (or task channel message) is read as the webview reads it.
struct ShellBackend {
    window: WebviewWindow<MockRuntime>,
    events: Receiver<Value>,
    pending: Vec<Reply>,
    next_channel: u32,
    /// Where the native dialogs "point": nothing in the test may open a real dialog.
    files: Files,
    log: Rc<RefCell<Log>>,
}

#[derive(Clone)]
struct Files {
    export: PathBuf,
    dir: PathBuf,
}

impl Files {
    fn picked(&self, purpose: FilePurpose) -> PathBuf {
        match purpose {
            FilePurpose::OpenPredictData => self.export.clone(),
            FilePurpose::OpenRecipe | FilePurpose::SaveRecipe => self.dir.join("recipe.json"),
            FilePurpose::ExportCleaned => self.dir.join("cleaned.csv"),
            FilePurpose::OpenBundle | FilePurpose::SaveBundle => self.dir.join("model.plmodel"),
            FilePurpose::SavePredictions => self.dir.join("predictions.csv"),
            FilePurpose::SaveReport => self.dir.join("report.html"),
        }
    }
}

fn invoke(window: &WebviewWindow<MockRuntime>, command: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: command.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("a JSON answer"))
}

impl Backend for ShellBackend {
    fn send(&mut self, request: Request) {
        if std::env::var_os("JOURNEY_DEBUG").is_some() && !matches!(request, Request::ReportWidgets(_)) {
            let text = format!("{request:?}");
            eprintln!("journey request: {}", &text[..text.len().min(200)]);
        }
        match request {
            Request::PickFile => {
                let path = self.files.export.display().to_string();
                self.pending.push(Reply::PickedFile(Some(path)));
                return;
            }
            Request::PickPath { purpose } => {
                let picked = self.files.picked(purpose);
                // What the shell's dialog command records when the user chooses a file.
                self.window.state::<AppState>().grants.grant(purpose, &picked);
                let path = picked.display().to_string();
                self.pending.push(Reply::PickedPath { purpose, path: Some(path) });
                return;
            }
            Request::Quit => return,
            _ => {}
        }
        match bridge::invocation(request) {
            Invocation::Call { command, context, args, decode } => {
                let replies = match args {
                    Err(error) => vec![Reply::Error { context: context.to_owned(), error }],
                    Ok(args) => match invoke(&self.window, command, args) {
                        Ok(answer) => decode(answer).unwrap_or_else(|error| vec![Reply::Error { context: context.to_owned(), error }]),
                        Err(rejected) => vec![bridge::rejection(context, rejected)],
                    },
                };
                self.pending.extend(replies);
            }
            Invocation::Task { command, context, args } => {
                self.next_channel += 1;
                let started = args.and_then(|mut args| {
                    args["onEvent"] = Value::String(format!("__CHANNEL__:{}", self.next_channel));
                    invoke(&self.window, command, args).map_err(|rejected| match bridge::rejection(context, rejected) {
                        Reply::Error { error, .. } => error,
                        _ => ApiError::new("ipc", "rejected"),
                    })
                });
                if let Err(error) = started {
                    self.pending.push(Reply::Error { context: context.to_owned(), error });
                }
            }
        }
    }

    fn poll(&mut self) -> Vec<Reply> {
        let mut replies = std::mem::take(&mut self.pending);
        replies.extend(self.events.try_iter().map(bridge::task_event));
        if std::env::var_os("JOURNEY_DEBUG").is_some() {
            for reply in &replies {
                match reply {
                    Reply::CleanState(state) => eprintln!("journey reply: clean state, label {:?}, {} steps", state.label_column, state.steps.len()),
                    Reply::Task(event) => {
                        let text = format!("{event:?}");
                        eprintln!("journey reply: {}", &text[..text.len().min(300)]);
                    }
                    _ => {}
                }
            }
        }
        let mut log = self.log.borrow_mut();
        for reply in &replies {
            match reply {
                Reply::Error { context, error } => log.errors.push((context.clone(), error.clone())),
                Reply::Task(plantlab_protocol::TaskEvent::Finished { outcome, .. }) => log.outcomes.push(outcome.clone()),
                Reply::Task(plantlab_protocol::TaskEvent::Failed { error, .. }) => log.errors.push(("task".into(), error.clone())),
                Reply::Series(_) => log.series += 1,
                _ => {}
            }
        }
        replies
    }
}

struct Journey {
    harness: Harness<'static, PlantLabApp>,
    app: tauri::App<MockRuntime>,
    log: Rc<RefCell<Log>>,
}

impl Journey {
    fn new(files: Files, runs: &Path) -> Self {
        // The UI drains this every frame; the bound only stops a stalled UI growing it forever.
        let (tx, rx) = sync_channel(4096);
        // Task events as the webview's channel receives them: JSON text.
        let builder = mock_builder().channel_interceptor(move |_webview, _callback, _index, body| {
            if let InvokeResponseBody::Json(text) = body {
                let _ = tx.send(serde_json::from_str::<Value>(text).unwrap_or_else(|e| Value::String(format!("not JSON: {e}"))));
            }
            true
        });
        let app = configure(builder, AppState::new(None)).build(context()).expect("app builds");
        app.state::<AppState>().workbench.set_runs_root(runs.to_path_buf());
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
        let log = Rc::new(RefCell::new(Log::default()));
        let backend = ShellBackend { window, events: rx, pending: Vec::new(), next_channel: 0, files, log: log.clone() };
        let ui = PlantLabApp::new(Box::new(backend));
        // Engine texts use arrows and other signs egui's default fonts lack; the app draws them
        // as boxes rather than failing, and so does this test (the pane tests check wording).
        let harness = Harness::builder()
            .with_size(egui::vec2(1600.0, 1200.0))
            .allow_missing_glyphs()
            .build_ui_state(|ui, app: &mut PlantLabApp| app.ui(ui), ui);
        Self { harness, app, log }
    }

    /// Runs frames until `done` holds, failing on any error the UI was told of.
    fn until(&mut self, what: &str, timeout_s: u64, done: impl Fn(&mut Self) -> bool) {
        let start = Instant::now();
        loop {
            // Background work keeps the app repainting; a frame budget suffices.
            let _ = self.harness.run_ok();
            self.assert_no_errors(what);
            if done(self) {
                return;
            }
            assert!(start.elapsed() < Duration::from_secs(timeout_s), "timed out after {timeout_s} s waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn assert_no_errors(&self, during: &str) {
        let log = self.log.borrow();
        assert!(log.errors.is_empty(), "the UI was told of errors while {during}: {:#?}", log.errors);
    }

    /// Clicks through accesskit, which reaches a button wherever the pane has scrolled it.
    fn click(&mut self, label: &str) {
        self.harness.get_by_label(label).click_accesskit();
        let _ = self.harness.run_ok();
    }

    fn shows(&self, label: &str) -> bool {
        self.harness.query_by_label(label).is_some()
    }

    fn shows_containing(&self, text: &str) -> bool {
        self.harness.query_by_label_contains(text).is_some()
    }

    fn clean_state(&self) -> CleanState {
        self.app.state::<AppState>().workbench.clean_state().expect("clean state")
    }

    fn finished(&self, pick: impl Fn(&TaskOutcome) -> bool) -> usize {
        self.log.borrow().outcomes.iter().filter(|o| pick(o)).count()
    }
}

/// Why the gate still fails, in words, for a failure message.
fn gate_report(state: &CleanState) -> String {
    let failing: Vec<String> =
        state.gate.checks.iter().filter(|c| !c.passed).map(|c| format!("{}: {} (limit {})", c.name, c.message, c.threshold)).collect();
    let suggestions: Vec<String> =
        state.suggestions.iter().map(|s| format!("{} on {:?}: {}", s.kind.as_str(), s.column, s.step.describe())).collect();
    format!("failing checks: {failing:#?}\nsuggestions left: {suggestions:#?}")
}

#[test]
fn a_messy_export_goes_from_raw_file_to_predictions_through_the_ui() {
    let (bytes, _) = messy_series(&MessyOptions::default());
    raw_file_to_predictions(bytes, LABEL_COLUMN);
}

/// A month of pump-station data as a German workstation exports it, with stops after trips, a
/// stuck transmitter, a 2 h gap, a DST repeat, a week in °F, status texts and a failure label.
#[test]
fn a_pump_station_month_goes_from_raw_file_to_predictions_through_the_ui() {
    let (bytes, _) = pump_station_month(17);
    raw_file_to_predictions(bytes, pump_station::LABEL);
}

/// The user's whole loop on `bytes`, with `label` named as the target in the Clean pane.
fn raw_file_to_predictions(bytes: Vec<u8>, label: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = dir.path().join("pump-export.csv");
    std::fs::write(&export, bytes).expect("export written");
    let files = Files { export: export.clone(), dir: dir.path().to_path_buf() };
    let mut journey = Journey::new(files.clone(), &dir.path().join("runs"));

    // Open the raw export.
    let _ = journey.harness.run_ok();
    journey.click("Open…");
    journey.until("the export loads", 120, |j| j.finished(|o| matches!(o, TaskOutcome::Loaded(_))) == 1);

    // Data: click every finding with places; the plot jumps to it and marks them (a NaN in
    // the marks of a stuck or unit-jump finding used to fail as `null` over IPC).
    journey.until("the quality report", 60, |j| j.shows_containing("Quality: "));
    let report = journey.app.state::<AppState>().workbench.report().expect("report");
    let mut clicked = Vec::new();
    for finding in report.findings.iter().filter(|f| !f.rows.is_empty()) {
        let label = format!("{} — {}", finding.column.as_deref().unwrap_or("all rows"), finding.message);
        let before = journey.log.borrow().series;
        let Some(node) = journey.harness.query_by_label(&label) else { continue };
        // The list scrolls; accesskit reaches an entry wherever it is.
        node.click_accesskit();
        journey.until(&format!("the plot of the finding \"{label}\""), 60, |j| j.log.borrow().series > before);
        clicked.push(finding.kind);
    }
    for kind in [FindingKind::Flatline, FindingKind::UnitJump, FindingKind::Spike] {
        assert!(clicked.contains(&kind), "the {} finding was clicked: {clicked:?}", kind.as_str());
    }

    // Clean: name the label, then take the suggestions one by one through preview and Apply,
    // as a user clicks them, until the gate passes.
    journey.click("Clean");
    assert_eq!(journey.harness.state().pane(), Pane::Clean);
    journey.until("the cleaning state", 60, |j| j.shows("Quality gate"));
    journey.click("Label column");
    journey.until("the label choices", 30, |j| j.harness.query_by_label(label).is_some());
    journey.harness.get_by_label(label).click_accesskit();
    journey.until("the label is set", 60, |j| j.clean_state().label_column.as_deref() == Some(label));

    let mut applied = 0usize;
    while !journey.clean_state().gate.passed {
        let state = journey.clean_state();
        assert!(applied < 40, "the suggestions go round in circles after {applied} steps\n{}", gate_report(&state));
        assert!(!state.suggestions.is_empty(), "no suggestion is left but the gate fails\n{}", gate_report(&state));
        let steps_before = state.steps.len();
        journey.until("the suggestions to be clickable", 60, |j| {
            j.harness.query_all_by_label("Add").next().is_some_and(|b| !b.accesskit_node().is_disabled())
        });
        let suggestion = state.suggestions[0].step.describe();
        journey.harness.query_all_by_label("Add").next().expect("an Add button").click_accesskit();
        // The preview must arrive (it failed over IPC when a number was NaN).
        journey.until(&format!("the preview of \"{suggestion}\""), 120, |j| j.shows("Before and after"));
        journey.until("Apply to be enabled", 30, |j| j.harness.query_by_label("Apply").is_some_and(|b| !b.accesskit_node().is_disabled()));
        journey.click("Apply");
        journey.until(&format!("\"{suggestion}\" to apply"), 180, |j| j.clean_state().steps.len() > steps_before);
        let state = journey.clean_state();
        let line = format!("{}. {}", state.steps.len(), state.outcomes.last().map(|o| o.description.clone()).unwrap_or_default());
        journey.until(&format!("the history to show \"{line}\""), 60, |j| j.shows(&line));
        applied += 1;
    }
    let state = journey.clean_state();
    assert!(state.gate.passed, "{}", gate_report(&state));
    assert!(applied > 3, "a messy export needs several steps, took {applied}");
    assert!(state.outcomes.iter().all(|o| o.error.is_none()), "every step ran: {:#?}", state.outcomes);

    // Train on the cleaned data with the form's defaults (the label is the default target).
    journey.click("Train");
    journey.until("the train form", 30, |j| j.shows("Start training"));
    journey.click("Start training");
    journey.until("training to finish", 600, |j| j.finished(|o| matches!(o, TaskOutcome::Trained(_))) == 1);
    let run = journey.log.borrow().outcomes.iter().find_map(|o| if let TaskOutcome::Trained(s) = o { Some(s.clone()) } else { None }).expect("a run");
    assert!(run.test.is_some(), "the run was tested: {run:?}");

    // Evaluate: the pane lists the runs and evaluates the newest completed one.
    journey.click("Evaluate");
    journey.until("the evaluation", 120, |j| {
        j.shows_containing(&run.run_id) && j.harness.query_by_label("Export model bundle…").is_some_and(|b| !b.accesskit_node().is_disabled())
    });

    // Bundle.
    let bundle = files.picked(FilePurpose::SaveBundle);
    journey.click("Export model bundle…");
    journey.until("the bundle file", 60, |_| bundle.is_file());

    // Predict on the export with the bundle.
    journey.click("Predict");
    journey.until("the predict pane", 30, |j| j.shows("Open bundle…"));
    journey.click("Open bundle…");
    journey.until("the bundle to open", 60, |j| j.shows_containing(&run.run_id));
    journey.click("Open data…");
    journey
        .until("Run prediction to be enabled", 30, |j| j.harness.query_by_label("Run prediction").is_some_and(|b| !b.accesskit_node().is_disabled()));
    journey.click("Run prediction");
    journey.until("the prediction", 300, |j| j.finished(|o| matches!(o, TaskOutcome::Predicted(_))) == 1);
    let result = journey
        .log
        .borrow()
        .outcomes
        .iter()
        .find_map(|o| if let TaskOutcome::Predicted(r) = o { Some(r.clone()) } else { None })
        .expect("a prediction");
    assert!(result.samples > 0, "{} samples predicted", result.samples);
    assert!(result.timeline.risk.iter().all(|r| (0.0..=1.0).contains(r)), "risks are probabilities");
    // A few more frames with the result on screen: drawing it must not fail either.
    for _ in 0..3 {
        let _ = journey.harness.run_ok();
    }
    journey.assert_no_errors("showing the predictions");
}

/// Gradient-boosted trees from the Train pane on the bundled AI4I sample, against the real
/// engine: a trees run streams its rounds and is its own baseline; an MLP with window features
/// trained next stands next to its trees baseline in the Evaluate pane.
#[test]
fn trees_train_from_the_train_pane_and_stand_next_to_an_mlp_in_the_evaluate_pane() {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/ai4i2020.csv");
    let files = Files { export, dir: dir.path().to_path_buf() };
    let mut journey = Journey::new(files, &dir.path().join("runs"));
    let _ = journey.harness.run_ok();
    journey.click("Open…");
    journey.until("the sample loads", 120, |j| j.finished(|o| matches!(o, TaskOutcome::Loaded(_))) == 1);

    journey.click("Train");
    journey.until("the train form", 30, |j| j.shows("Start training"));
    // "Machine failure" is the default target (its name says failure).
    let override_gate = "Train anyway (the override is recorded with the run)";
    if journey.shows(override_gate) {
        journey.click(override_gate);
    }
    choose_model(&mut journey, "Gradient-boosted trees (numeric)");
    journey.harness.get_by_role_and_label(egui::Role::SpinButton, "Boosting rounds").set_value_accesskit(40.0);
    let _ = journey.harness.run_ok();
    journey.click("Start training");
    journey.until("the trees to finish", 300, |j| j.finished(|o| matches!(o, TaskOutcome::Trained(_))) == 1);
    let trees = trained(&journey, 0);
    assert!(trees.epochs_run >= 1 && trees.epochs_run <= 40, "rounds run: {}", trees.epochs_run);
    assert_eq!(trees.baseline_trees, trees.test, "a trees run is its own trees baseline");
    journey.until("the trees run's summary", 30, |j| j.shows_containing("Test (best round") && j.shows("Loss per boosting round"));

    // The trees run in the Evaluate pane: no column repeating it.
    journey.click("Evaluate");
    journey.until("the trees run's evaluation", 120, |j| {
        j.shows_containing(&format!("test split of run {}", trees.run_id)) && j.shows("majority baseline")
    });
    assert!(!journey.shows("trees baseline"));

    // An MLP with window features over the last 8 samples, for two epochs.
    journey.click("Train");
    journey.until("the train form", 30, |j| j.shows("Start training"));
    choose_model(&mut journey, "MLP baseline (numeric)");
    journey.click("over the last");
    journey.until("the window features", 30, |j| j.harness.query_by_role_and_label(egui::Role::SpinButton, "Window features").is_some());
    journey.harness.get_by_role_and_label(egui::Role::SpinButton, "Window features").set_value_accesskit(8.0);
    journey.harness.get_by_role_and_label(egui::Role::SpinButton, "Epochs").set_value_accesskit(2.0);
    let _ = journey.harness.run_ok();
    journey.click("Start training");
    journey.until("the MLP to finish", 600, |j| j.finished(|o| matches!(o, TaskOutcome::Trained(_))) == 2);
    let mlp = trained(&journey, 1);
    let mlp_trees = mlp.baseline_trees.clone().expect("the MLP run has a trees baseline");
    let detail = journey.app.state::<AppState>().workbench.open_run(&mlp.run_id).expect("the MLP run opens");
    assert_eq!((detail.config.model, detail.config.feature_window), (plantlab_protocol::ModelKind::Mlp, Some(8)));

    // The Evaluate pane shows the MLP next to its trees baseline.
    journey.click("Evaluate");
    journey.until("the MLP's evaluation with its trees baseline", 120, |j| {
        j.shows_containing(&format!("test split of run {}", mlp.run_id)) && j.shows("trees baseline")
    });
    let accuracy = format!("{:.3}", mlp_trees.accuracy);
    assert!(journey.harness.query_all_by_label(&accuracy).next().is_some(), "the trees' test accuracy {accuracy} is in their column");
    journey.assert_no_errors("showing the trees baseline");
}

/// Picks `model` in the Train pane's model list.
fn choose_model(journey: &mut Journey, model: &str) {
    journey.harness.get_by_label("Model").click();
    let _ = journey.harness.run_ok();
    journey.until(&format!("the model choice {model}"), 30, |j| j.shows(model));
    journey.harness.get_by_label(model).click();
    let _ = journey.harness.run_ok();
}

/// The summary of the `index`-th training run that finished.
fn trained(journey: &Journey, index: usize) -> plantlab_protocol::RunSummary {
    let log = journey.log.borrow();
    let runs: Vec<_> = log.outcomes.iter().filter_map(|o| if let TaskOutcome::Trained(s) = o { Some(s.clone()) } else { None }).collect();
    runs.get(index).cloned().unwrap_or_else(|| panic!("no training run number {index}: {runs:?}"))
}
