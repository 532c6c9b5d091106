//! Gradient-boosted trees and window features through the Workbench: the trees baseline of
//! every run, window features (and products of tag pairs) that are causal and replay from a
//! bundle, repeatable trees, cancel between boosting rounds, multi-class.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::Duration;

use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ImportOverrides, ModelKind, PredictRequest, RunStatus, TaskEvent, TrainConfig, TrainUpdate, TreeSettings};

const EVENTS_BOUND: usize = 1 << 16;

/// A tag that swings slowly up and down, with a fault label set while it *rises* fast. A
/// single row cannot tell rising from falling at the same level; the recent past can. The
/// export has a two-hour gap half-way (two separate periods laid end to end), and a `regime`
/// column (low/mid/high by level) for multi-class.
fn write_rising_export(path: &Path, rows: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "time,level,flow,regime,fault").unwrap();
    let mut noise = 0x2545_F491_4F6C_DD1Du64;
    let start = 1_767_225_600i64; // 2026-01-01 00:00 UTC
    for i in 0..rows {
        noise ^= noise << 13;
        noise ^= noise >> 7;
        noise ^= noise << 17;
        let jitter = (noise % 1000) as f64 / 1000.0 - 0.5;
        let phase = i as f64 / 23.0;
        let level = 50.0 + 10.0 * phase.sin() + 0.3 * jitter;
        let rising_fast = phase.cos() > 0.7;
        let flow = 3.0 + 0.5 * jitter;
        let regime = if level < 45.0 {
            "low"
        } else if level < 55.0 {
            "mid"
        } else {
            "high"
        };
        let gap = if i >= rows / 2 { 7_200 } else { 0 };
        let t = start + 60 * i as i64 + gap;
        let time = plantlab_protocol::format_epoch_millis(t * 1000);
        writeln!(out, "{time},{level:.4},{flow:.4},{regime},{}", u8::from(rising_fast)).unwrap();
    }
}

struct Setup {
    dir: tempfile::TempDir,
    csv: PathBuf,
    workbench: Workbench,
}

fn setup(rows: usize) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rising.csv");
    write_rising_export(&csv, rows);
    let workbench = Workbench::with_runs_root(dir.path().join("runs"));
    workbench.load(&csv, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    Setup { dir, csv, workbench }
}

fn trees(window: Option<u32>) -> TrainConfig {
    TrainConfig {
        target: "fault".into(),
        exclude: vec!["regime".into()],
        model: ModelKind::Trees,
        feature_window: window,
        trees: TreeSettings { rounds: 60, ..TreeSettings::default() },
        ..TrainConfig::default()
    }
}

fn train(workbench: &Workbench, config: &TrainConfig) -> plantlab_protocol::RunSummary {
    workbench.train(config, &JobContext::detached(), &mut |_| {}).unwrap()
}

#[test]
fn window_features_let_trees_see_a_rising_tag() {
    let s = setup(3000);
    let row_only = train(&s.workbench, &trees(None));
    let windowed = train(&s.workbench, &trees(Some(8)));
    let auc = |summary: &plantlab_protocol::RunSummary| summary.test.as_ref().and_then(|t| t.roc_auc).unwrap();
    assert!(auc(&row_only) < 0.86, "one row cannot tell rising from falling: {}", auc(&row_only));
    assert!(auc(&windowed) > 0.95, "the window's slope shows the rise: {}", auc(&windowed));
    // A trees run is its own trees baseline.
    assert_eq!(windowed.baseline_trees, windowed.test);
    assert_eq!(windowed.status, RunStatus::Completed);
}

#[test]
fn every_run_reports_its_trees_baseline_on_the_same_samples() {
    let s = setup(2000);
    let config = TrainConfig { model: ModelKind::Mlp, epochs: 2, ..trees(Some(8)) };
    let summary = train(&s.workbench, &config);
    let baseline = summary.baseline_trees.expect("an MLP run carries its trees baseline");
    let test = summary.test.unwrap();
    assert_eq!(baseline.samples, test.samples, "the same test samples");
    assert!(baseline.roc_auc.unwrap() > 0.95, "{baseline:?}");
    // The Evaluate pane sees it too.
    let request = plantlab_protocol::EvaluateRequest { run_id: summary.run_id.clone(), threshold: None, events: Default::default() };
    let evaluation = s.workbench.evaluate_run(&request).unwrap();
    assert_eq!(evaluation.baseline_trees.map(|b| b.samples), Some(test.samples));
}

#[test]
fn trees_repeat_exactly_with_a_seed() {
    let s = setup(2000);
    let a = train(&s.workbench, &trees(Some(5)));
    let b = train(&s.workbench, &trees(Some(5)));
    assert_eq!(a.test, b.test);
    assert_eq!(a.best_epoch, b.best_epoch);
    let saved = |summary: &plantlab_protocol::RunSummary| std::fs::read(Path::new(&summary.run_dir).join("best_trees.json")).unwrap();
    assert_eq!(saved(&a), saved(&b), "the same trees, byte for byte");
}

#[test]
fn window_features_replay_identically_from_a_bundle() {
    let s = setup(2400);
    // With the products of tag pairs too: both replay from the bundle.
    let summary = train(&s.workbench, &TrainConfig { interactions: true, ..trees(Some(12)) });
    let tokenizer: serde_json::Value = serde_json::from_slice(&std::fs::read(Path::new(&summary.run_dir).join("tokenizer.json")).unwrap()).unwrap();
    assert_eq!(tokenizer["interactions"]["pairs"].as_array().map(Vec::len), Some(1), "level × flow");
    let bundle = s.dir.path().join("rising.plmodel");
    s.workbench.export_bundle(&summary.run_id, &bundle, None).unwrap();
    let request = PredictRequest { path: s.csv.display().to_string(), bundle: bundle.display().to_string(), threshold: None, events: None };
    s.workbench.predict(&request, &JobContext::detached()).unwrap();
    let out = s.dir.path().join("predictions.csv");
    s.workbench.export_predictions(&out).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let risks: Vec<f64> = text.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().parse().unwrap()).collect();
    let scores: serde_json::Value = serde_json::from_slice(&std::fs::read(Path::new(&summary.run_dir).join("test_scores.json")).unwrap()).unwrap();
    let rows = scores["rows"].as_array().unwrap();
    let probs = scores["probs"].as_array().unwrap();
    assert!(rows.len() > 300);
    for (k, row) in rows.iter().enumerate() {
        let row = row.as_u64().unwrap() as usize;
        let from_run = probs[k * 2 + 1].as_f64().unwrap();
        assert!((from_run - risks[row]).abs() < 1e-6, "row {row}: run {from_run} vs bundle {}", risks[row]);
    }

    // Causal: a later change to the export changes no earlier risk.
    let text = std::fs::read_to_string(&s.csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let changed_row = 2000;
    let mut cells: Vec<String> = lines[changed_row + 1].split(',').map(str::to_owned).collect();
    cells[1] = "99.0".into();
    lines[changed_row + 1] = cells.join(",");
    let changed = s.dir.path().join("changed.csv");
    std::fs::write(&changed, lines.join("\n") + "\n").unwrap();
    let request = PredictRequest { path: changed.display().to_string(), ..request };
    s.workbench.predict(&request, &JobContext::detached()).unwrap();
    let out_changed = s.dir.path().join("changed-predictions.csv");
    s.workbench.export_predictions(&out_changed).unwrap();
    let changed_text = std::fs::read_to_string(&out_changed).unwrap();
    let changed_risks: Vec<f64> = changed_text.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().parse().unwrap()).collect();
    assert_eq!(risks[..changed_row], changed_risks[..changed_row], "no earlier risk moves");
    assert_ne!(risks[changed_row], changed_risks[changed_row], "the changed row itself does");
}

#[test]
fn cancel_stops_trees_between_rounds() {
    let s = setup(30_000);
    let config =
        TrainConfig { trees: TreeSettings { rounds: 100_000, patience: 100_000, learning_rate: 0.01, ..TreeSettings::default() }, ..trees(Some(30)) };
    // Rounds are counted where the worker reports them, so rounds already queued for this
    // thread when it cancels do not count as rounds run after the cancel.
    let reported = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&reported);
    let (tx, rx) = sync_channel(EVENTS_BOUND);
    let task = s
        .workbench
        .start_train(config, move |e| {
            if matches!(e, TaskEvent::Train { update: TrainUpdate::Epoch(_), .. }) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            tx.send(e).unwrap()
        })
        .unwrap();
    let mut seen = 0;
    while seen < 2 {
        match rx.recv_timeout(Duration::from_secs(120)).unwrap() {
            TaskEvent::Train { update: TrainUpdate::Epoch(_), .. } => seen += 1,
            e => assert!(!e.is_terminal(), "ended early: {e:?}"),
        }
    }
    let at_cancel = reported.load(Ordering::SeqCst);
    assert!(s.workbench.cancel(task));
    let rest: Vec<TaskEvent> = rx.iter().collect();
    let rounds_after = reported.load(Ordering::SeqCst) - at_cancel;
    assert!(rounds_after <= 1, "{rounds_after} rounds ran after cancel");
    assert_eq!(rest.last(), Some(&TaskEvent::Cancelled { task }));
    let runs = s.workbench.list_runs().unwrap();
    assert_eq!(runs[0].status, RunStatus::Cancelled);
}

#[test]
fn trees_learn_several_classes() {
    let s = setup(2000);
    let config = TrainConfig { target: "regime".into(), exclude: vec!["fault".into()], ..trees(None) };
    let summary = train(&s.workbench, &config);
    let test = summary.test.unwrap();
    assert_eq!(test.confusion.len(), 3);
    assert!(test.accuracy > 0.95, "{test:?}");
    assert!(test.accuracy > summary.majority_accuracy);
}

#[test]
fn window_features_are_refused_for_token_models() {
    let s = setup(600);
    let config = TrainConfig { model: ModelKind::Seed, ..trees(Some(5)) };
    let err = s.workbench.train(&config, &JobContext::detached(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("window features"), "{err}");
    let products = TrainConfig { model: ModelKind::Transformer, interactions: true, ..trees(None) };
    let err = s.workbench.train(&products, &JobContext::detached(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("interaction features"), "{err}");
    let bad = TrainConfig { trees: TreeSettings { max_leaves: 1, ..TreeSettings::default() }, ..trees(None) };
    let err = s.workbench.train(&bad, &JobContext::detached(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("leaves"), "{err}");
}

#[test]
fn trees_credit_the_tag_that_drives_the_fault_in_contributions_and_alarms() {
    let s = setup(3000);
    let summary = train(&s.workbench, &trees(Some(8)));
    let request = plantlab_protocol::EvaluateRequest { run_id: summary.run_id.clone(), threshold: None, events: Default::default() };
    let evaluation = s.workbench.evaluate_run(&request).unwrap();
    let share = |tag: &str| evaluation.contributions.iter().find(|c| c.tag == tag).map(|c| c.mean_abs).unwrap();
    assert_eq!(evaluation.contributions[0].tag, "level", "{:?}", evaluation.contributions);
    assert!(share("level") > 3.0 * share("flow"), "level {} vs noise flow {}", share("level"), share("flow"));

    let bundle = s.dir.path().join("rising.plmodel");
    s.workbench.export_bundle(&summary.run_id, &bundle, None).unwrap();
    let request = PredictRequest { path: s.csv.display().to_string(), bundle: bundle.display().to_string(), threshold: None, events: None };
    let prediction = s.workbench.predict(&request, &JobContext::detached()).unwrap();
    assert!(prediction.alarms.len() > 5);
    let led_by_level = prediction.alarms.iter().filter(|alarm| alarm.top_tags.first().is_some_and(|t| t.tag == "level")).count();
    assert!(led_by_level * 10 >= prediction.alarms.len() * 9, "{led_by_level} of {} alarms name the rising level first", prediction.alarms.len());
}
