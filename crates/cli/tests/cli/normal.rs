//! `plantlab train --model process-lm` and `plantlab eval` of its model on generated plant
//! data with a planted step change, and a clear refusal when no row is normal.

use std::io::Write;
use std::path::Path;

use plantlab_engine::normal::synthetic::{process, Fault};

use super::plantlab;

/// A CSV of the generated process with a label column (1 from `onset` on, when given).
fn write_csv(path: &Path, rows: usize, noise_seed: u64, fault: Option<Fault>) {
    let data = process(rows, 11, noise_seed, &fault.into_iter().collect::<Vec<_>>());
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create csv"));
    writeln!(out, "{},label", data.tags.join(",")).expect("write");
    for r in 0..data.rows {
        let cells: Vec<String> = data.row(r).iter().map(|v| format!("{v}")).collect();
        let label = u8::from(fault.is_some_and(|f| r >= f.onset()));
        writeln!(out, "{},{label}", cells.join(",")).expect("write");
    }
}

#[test]
fn trains_a_process_language_model_and_evaluates_it_next_to_its_baselines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (train, test) = (dir.path().join("normal.csv"), dir.path().join("step.csv"));
    write_csv(&train, 1200, 1, None);
    write_csv(&test, 700, 3, Some(Fault::Step { tag: 7, onset: 300, size: 4.0 }));
    let runs = dir.path().join("runs");
    let out = plantlab(&[
        "train",
        train.to_str().expect("path"),
        "--model",
        "process-lm",
        "--normal-when",
        "label=0",
        "--window",
        "8",
        "--epochs",
        "15",
        "--smoothing",
        "5",
        "--runs",
        runs.to_str().expect("path"),
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let trained: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(trained["schema_version"], 1);
    assert_eq!(trained["tags"], 8, "the label column is not a tag: {trained}");
    assert!(trained["epochs_run"].as_u64().is_some_and(|e| e >= 1));
    assert!(trained["threshold"].as_f64().is_some_and(f64::is_finite));
    assert!(trained["validation_perplexity"].as_f64().is_some_and(|p| p > 1.0));
    let bundle = trained["bundle"].as_str().expect("bundle path").to_owned();
    assert!(Path::new(&bundle).is_file());

    let out = plantlab(&["eval", test.to_str().expect("path"), "--bundle", &bundle, "--label", "label", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let eval: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(eval["schema_version"], 1);
    for part in ["test", "baseline_pca", "linear_predictor"] {
        for key in ["roc_auc", "pr_auc", "false_alarm_rate", "detection_rate"] {
            assert!(eval[part][key].as_f64().is_some(), "{part}.{key} missing: {eval}");
        }
    }
    assert!(eval["linear_predictor"]["detection_rate"].as_f64().is_some_and(|r| r > 0.9), "{eval}");
    assert!(eval["test"]["roc_auc"].as_f64().is_some_and(|a| a > 0.7), "{eval}");
    assert_eq!(eval["events"]["episodes"][0]["detected"], true, "{eval}");
}

#[test]
fn refuses_a_choice_of_normal_rows_that_matches_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let train = dir.path().join("normal.csv");
    write_csv(&train, 300, 1, None);
    let out = plantlab(&[
        "train",
        train.to_str().expect("path"),
        "--model",
        "process-lm",
        "--normal-when",
        "label=5",
        "--runs",
        dir.path().to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no rows are marked as normal operation"), "{err}");
}
