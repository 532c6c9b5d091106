//! `plantlab train` end to end: determinism, a run killed mid-training, bad settings.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{plantlab, sample};

/// A labelled plant-like table: three tags, an operating mode, an id, and a fault that
/// follows high temperature with vibration (about 10 % of rows).
fn write_labelled_csv(path: &Path, rows: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "id,temperature,pressure,vibration,mode,fault").unwrap();
    let mut state = 12345u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 1_000_000) as f64 / 1_000_000.0
    };
    for i in 0..rows {
        let temperature = 60.0 + 20.0 * next();
        let pressure = 3.0 + next();
        let vibration = next() * 2.0;
        let mode = if next() < 0.5 { "run" } else { "idle" };
        let fault = u8::from(temperature > 76.0 && vibration > 0.6 || next() < 0.01);
        writeln!(out, "{i},{temperature:.3},{pressure:.3},{vibration:.3},{mode},{fault}").unwrap();
    }
}

/// The JSON a successful command printed: an object with its schema version, or a list
/// whose entries each carry it.
fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    match json.as_array() {
        Some(entries) => assert!(entries.iter().all(|e| e["schema_version"] == 1), "schema_version in each entry: {json}"),
        None => assert_eq!(json["schema_version"], 1, "schema_version in {json}"),
    }
    json
}

#[test]
fn same_seed_gives_the_same_metrics_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("plant.csv");
    write_labelled_csv(&data, 1500);
    let runs = dir.path().join("runs");
    let args = |model: &'static str| {
        vec![
            "train".to_owned(),
            data.display().to_string(),
            "--target".into(),
            "fault".into(),
            "--exclude".into(),
            "id".into(),
            "--model".into(),
            model.into(),
            "--epochs".into(),
            "3".into(),
            "--seed".into(),
            "7".into(),
            "--runs".into(),
            runs.display().to_string(),
            "--json".into(),
        ]
    };
    for model in ["seed", "mlp", "transformer"] {
        let owned = args(model);
        let a: Vec<&str> = owned.iter().map(String::as_str).collect();
        let first = json_of(&plantlab(&a));
        let second = json_of(&plantlab(&a));
        assert_ne!(first["run_dir"], second["run_dir"], "each run gets its own directory");
        for key in ["val", "test", "epochs_run", "best_epoch", "majority_accuracy"] {
            assert_eq!(first[key], second[key], "{model}: {key} differs between two runs with the same seed");
        }
        assert!(first["test"]["roc_auc"].as_f64().unwrap() > 0.5, "{model} learns something: {first}");
        let run_dir = PathBuf::from(first["run_dir"].as_str().unwrap());
        for file in
            ["run.json", "config.json", "tokenizer.json", "network.json", "metrics.jsonl", "summary.json", "best.bpk", "checkpoints/epoch-001.bpk"]
        {
            assert!(run_dir.join(file).is_file(), "{model}: {file} missing in the run directory");
        }
    }
    let listed: Value = json_of(&plantlab(&["runs", "--runs", &runs.display().to_string(), "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 6);
    assert!(listed.as_array().unwrap().iter().all(|r| r["status"] == "completed"));
    // The human list says the status and the stop in the chosen language.
    let english = plantlab(&["runs", "--runs", &runs.display().to_string()]);
    let english = String::from_utf8_lossy(&english.stdout);
    assert_eq!(english.lines().filter(|line| line.contains(" completed ") && line.contains("completed all")).count(), 6, "{english}");
    let chinese = crate::plantlab_in_locale(&["runs", "--runs", &runs.display().to_string()], "zh_CN.UTF-8");
    let chinese = String::from_utf8_lossy(&chinese.stdout);
    assert_eq!(chinese.lines().filter(|line| line.contains("已完成 ") && line.contains("已完成全部")).count(), 6, "{chinese}");
    assert!(!chinese.contains("completed"), "{chinese}");
}

#[test]
fn a_killed_run_keeps_its_epochs_and_is_listed_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("plant.csv");
    write_labelled_csv(&data, 20_000);
    let runs = dir.path().join("runs");
    let runs_arg = runs.display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_plantlab"))
        .args(["train", &data.display().to_string(), "--target", "fault", "--exclude", "id", "--model", "transformer"])
        .args(["--epochs", "200", "--patience", "off", "--runs", &runs_arg])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let metrics = loop {
        assert!(Instant::now() < deadline, "no epoch finished in time");
        assert!(child.try_wait().unwrap().is_none(), "training ended before it was killed");
        let found = std::fs::read_dir(&runs).ok().and_then(|mut d| d.next()).and_then(|e| e.ok()).map(|e| e.path().join("metrics.jsonl"));
        if let Some(metrics) = found {
            if std::fs::read_to_string(&metrics).unwrap_or_default().contains(r#""kind":"epoch""#) {
                break metrics;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // SIGKILL: no destructor, no summary, nothing flushed on the way out.
    child.kill().unwrap();
    child.wait().unwrap();
    let run_dir = metrics.parent().unwrap();
    assert!(!run_dir.join("summary.json").exists());
    let text = std::fs::read_to_string(&metrics).unwrap();
    let epochs: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|v| v["kind"] == "epoch").collect();
    assert!(!epochs.is_empty());
    for e in &epochs {
        let n = e["epoch"].as_u64().unwrap();
        assert!(run_dir.join(format!("checkpoints/epoch-{n:03}.bpk")).is_file(), "checkpoint of completed epoch {n}");
    }
    assert!(run_dir.join("best.bpk").is_file());
    let listed: Value = json_of(&plantlab(&["runs", "--runs", &runs_arg, "--json"]));
    let run = &listed.as_array().unwrap()[0];
    assert_eq!(run["status"], "interrupted", "{run}");
    assert!(run["epochs_run"].as_u64().unwrap() >= epochs.len() as u64);
}

#[test]
fn trees_train_with_window_features_and_every_run_reports_its_trees_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("plant.csv");
    write_labelled_csv(&data, 1200);
    let runs = dir.path().join("runs").display().to_string();
    let file = data.display().to_string();
    let train = |model: &str, extra: &[&str]| {
        let mut args = vec!["train", file.as_str(), "--target", "fault", "--exclude", "id", "--model", model, "--runs", runs.as_str(), "--json"];
        args.extend_from_slice(extra);
        let out = plantlab(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        json_of(&out)
    };
    let trees = train("trees", &["--window", "4", "--epochs", "40", "--leaves", "8", "--interactions"]);
    assert_eq!(trees["model"], "trees");
    assert!(trees["epochs_run"].as_u64().unwrap() <= 40);
    assert!(trees["test"]["roc_auc"].as_f64().unwrap() > 0.8, "{trees}");
    // A trees run is its own baseline; the same metric names as `test`.
    assert_eq!(trees["baseline_trees"]["pr_auc"], trees["test"]["pr_auc"]);
    let config: Value = serde_json::from_slice(&std::fs::read(Path::new(trees["run_dir"].as_str().unwrap()).join("config.json")).unwrap()).unwrap();
    assert_eq!(
        (config["feature_window"].as_u64(), config["trees"]["max_leaves"].as_u64(), config["interactions"].as_bool()),
        (Some(4), Some(8), Some(true))
    );
    assert_eq!(config["mode"]["mode"], "row", "--window is window features for trees, not sequences");
    let mlp = train("mlp", &["--epochs", "2"]);
    for key in ["accuracy", "roc_auc", "pr_auc", "balanced_accuracy"] {
        assert!(mlp["baseline_trees"][key].is_number(), "baseline_trees.{key} in {mlp}");
    }
}

#[test]
fn bad_settings_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("plant.csv");
    write_labelled_csv(&data, 200);
    let file = data.display().to_string();
    let runs = dir.path().join("runs").display().to_string();
    let fail = |args: &[&str], words: &str| {
        let mut all = vec!["train", file.as_str(), "--runs", runs.as_str()];
        all.extend_from_slice(args);
        let out = plantlab(&all);
        assert!(!out.status.success(), "{args:?} must fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(words), "{args:?}: {stderr:?} should mention {words:?}");
        out.status.code()
    };
    // Settings the data refuses: one line, status 1.
    assert_eq!(fail(&["--target", "nope"], "no column named \"nope\""), Some(1));
    assert_eq!(fail(&["--target", "fault", "--exclude", "missing"], "no column named \"missing\""), Some(1));
    assert_eq!(fail(&["--target", "fault", "--epochs", "0"], "at least one epoch"), Some(1));
    assert_eq!(fail(&["--target", "fault", "--window", "150"], "too few rows"), Some(1));
    // Command lines that cannot work: usage errors, status 2.
    assert_eq!(fail(&["--target", "fault", "--model", "big"], "[possible values: seed, transformer, mlp, trees, linear, process-lm]"), Some(2));
    assert_eq!(fail(&[], "--target"), Some(2));
    assert_eq!(fail(&["--target", "fault", "--stride", "2"], "--window"), Some(2));
    assert_eq!(fail(&["--target", "fault", "--epochs", "many"], "invalid value 'many' for '--epochs"), Some(2));
    assert_eq!(fail(&["--target", "fault", "--patience", "never"], "N|off"), Some(2));
    assert_eq!(fail(&["--target", "fault", "--normal-when", "label=0"], "--normal-when is for --model process-lm"), Some(2));
    assert_eq!(fail(&["--model", "process-lm", "--target", "fault"], "--target is for the classifiers"), Some(2));
    assert_eq!(fail(&["--target", "fault", "--model", "mlp", "--window", "5", "--stride", "2"], "--stride is for the sequence windows"), Some(2));
    assert_eq!(fail(&["--target", "fault", "--leaves", "8"], "--leaves is for --model trees"), Some(2));
    assert_eq!(fail(&["--target", "fault", "--model", "seed", "--interactions"], "interaction features are for the MLP and the trees"), Some(1));
    assert!(
        !dir.path().join("runs").exists() || std::fs::read_dir(dir.path().join("runs")).unwrap().next().is_none(),
        "refused runs leave no directory"
    );
}

#[test]
fn a_recipe_is_replayed_before_training_and_kept_with_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let sample = sample();
    let recipe = dir.path().join("recipe.json");
    let suggest = plantlab(&["clean", sample.to_str().unwrap(), "--suggest", "-o", recipe.to_str().unwrap()]);
    assert!(suggest.status.success(), "{}", String::from_utf8_lossy(&suggest.stderr));
    let runs = dir.path().join("runs");
    let out = plantlab(&[
        "train",
        sample.to_str().unwrap(),
        "--target",
        "Machine failure",
        "--exclude",
        "UDI",
        "--exclude",
        "TWF",
        "--recipe",
        recipe.to_str().unwrap(),
        "--epochs",
        "1",
        "--runs",
        runs.to_str().unwrap(),
        "--json",
    ]);
    let summary = json_of(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("recipe: ") && stderr.contains("quality gate passed"), "{stderr}");
    let run_dir = PathBuf::from(summary["run_dir"].as_str().unwrap());
    let stored: Value = serde_json::from_slice(&std::fs::read(run_dir.join("recipe.json")).unwrap()).unwrap();
    let written: Value = serde_json::from_slice(&std::fs::read(&recipe).unwrap()).unwrap();
    assert_eq!(stored, written, "the run keeps the recipe it was cleaned with");
    // The suggested recipe drops the identifier "Product ID", so it is no feature of the run.
    let tokenizer = std::fs::read_to_string(run_dir.join("tokenizer.json")).unwrap();
    assert!(!tokenizer.contains("Product ID"), "the recipe's steps were applied before training");
}
