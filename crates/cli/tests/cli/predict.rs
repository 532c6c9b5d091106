//! `plantlab bundle`, `predict`, `eval` and `report` end to end on the bundled AI4I data:
//! the CLI's predictions match the engine API the app calls, and bad bundles fail clearly.

use std::process::Output;

use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::PredictRequest;
use serde_json::Value;

use super::{assert_usage_error, plantlab, sample};

/// The JSON a successful command printed; every `--json` output carries its schema version.
fn ok_json(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["schema_version"], 1, "schema_version in {json}");
    json
}

fn one_line_error(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "a failure, not a usage error");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn bundle_predict_eval_and_report_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let data = sample();
    let data = data.to_str().unwrap();
    let trained = ok_json(&plantlab(&[
        "train",
        data,
        "--target",
        "Machine failure",
        "--exclude",
        "UDI",
        "--exclude",
        "Product ID",
        "--exclude",
        "TWF",
        "--exclude",
        "HDF",
        "--exclude",
        "PWF",
        "--exclude",
        "OSF",
        "--exclude",
        "RNF",
        "--model",
        "mlp",
        "--epochs",
        "3",
        "--runs",
        runs.to_str().unwrap(),
        "--json",
    ]));
    let run_dir = trained["run_dir"].as_str().unwrap().to_owned();
    let bundle = dir.path().join("model.plmodel");
    let bundle_s = bundle.to_str().unwrap();
    let info = ok_json(&plantlab(&["bundle", &run_dir, "-o", bundle_s, "--threshold", "0.6", "--json"]));
    assert_eq!(info["threshold"], 0.6);
    assert_eq!(info["model"], "mlp");

    let csv = dir.path().join("pred.csv");
    let predicted = ok_json(&plantlab(&["predict", data, "--bundle", bundle_s, "-o", csv.to_str().unwrap(), "--json"]));
    assert_eq!(predicted["samples"], 10_000);
    assert!(predicted["alarms"].as_array().is_some_and(|a| !a.is_empty()));
    // Each explanation is coded; in Chinese the sentences are worded from the same codes, which
    // stay as the engine gave them.
    let first = &predicted["alarms"][0];
    let codes = |alarm: &Value| -> Vec<Value> { alarm["explanation_sentences"].as_array().unwrap().iter().map(|s| s["code"].clone()).collect() };
    assert_eq!(codes(first)[0], "headline", "{first}");
    assert!(first["explanation"].as_str().unwrap().starts_with("Risk "), "{first}");
    let zh_csv = dir.path().join("pred-zh.csv");
    let out = crate::plantlab_in_locale(&["predict", data, "--bundle", bundle_s, "-o", zh_csv.to_str().unwrap(), "--json", "--lang", "zh-CN"], "");
    let predicted_zh = ok_json(&out);
    let first_zh = &predicted_zh["alarms"][0];
    assert_eq!(codes(first_zh), codes(first));
    assert_eq!(first_zh["explanation_sentences"], first["explanation_sentences"]);
    assert!(first_zh["explanation"].as_str().unwrap().starts_with("风险 "), "{first_zh}");
    assert!(!first_zh["explanation"].as_str().unwrap().contains("training"), "{first_zh}");
    // The app's engine call on the same file and bundle writes the same predictions.
    let workbench = Workbench::new();
    let request = PredictRequest { path: data.into(), bundle: bundle_s.into(), threshold: None, events: None };
    workbench.predict(&request, &JobContext::detached()).unwrap();
    let app_csv = dir.path().join("app.csv");
    workbench.export_predictions(&app_csv).unwrap();
    let cli_text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(cli_text, std::fs::read_to_string(&app_csv).unwrap());
    assert!(cli_text.starts_with("row,risk,alarm,top_tags,alarm_event\n"));
    let alarm_line = cli_text.lines().find(|l| l.contains(",1,")).expect("an alarm row");
    assert!(alarm_line.split(',').nth(3).is_some_and(|tags| tags.len() > 2), "top tags on alarm rows: {alarm_line}");

    // Alarm samples merge into alarm events; the JSON names both counts.
    let flags: Vec<bool> = cli_text.lines().skip(1).map(|l| l.split(',').nth(2) == Some("1")).collect();
    let raw_runs = flags.iter().zip(std::iter::once(&false).chain(flags.iter())).filter(|(on, before)| **on && !**before).count() as u64;
    let samples = flags.iter().filter(|f| **f).count() as u64;
    assert_eq!(predicted["alarm_samples"], samples);
    assert_eq!(predicted["alarm_events"], predicted["alarm_count"]);
    assert_eq!(predicted["event_options"]["dead_time_samples"], 30, "the defaults: {}", predicted["event_options"]);
    let events = predicted["alarm_events"].as_u64().unwrap();
    assert!(events >= 1 && events <= raw_runs, "{events} events from {raw_runs} runs of alarm samples");
    // Settings stored with a bundle are what predict uses; without merging, each run of alarm
    // samples is an event.
    let raw_bundle = dir.path().join("raw.plmodel");
    let raw_bundle_s = raw_bundle.to_str().unwrap();
    ok_json(&plantlab(&[
        "bundle",
        &run_dir,
        "-o",
        raw_bundle_s,
        "--threshold",
        "0.6",
        "--clear-ratio",
        "1",
        "--min-alarm",
        "1",
        "--dead-time",
        "0",
        "--json",
    ]));
    let raw_csv = dir.path().join("raw.csv");
    let raw = ok_json(&plantlab(&["predict", data, "--bundle", raw_bundle_s, "-o", raw_csv.to_str().unwrap(), "--json"]));
    assert_eq!(raw["alarm_events"], raw_runs);
    assert_eq!(raw["alarm_samples"], samples);
    // Flags on the command line win over the bundle's settings.
    let merged = ok_json(&plantlab(&[
        "predict",
        data,
        "--bundle",
        raw_bundle_s,
        "-o",
        raw_csv.to_str().unwrap(),
        "--dead-time",
        "30",
        "--min-alarm",
        "3",
        "--clear-ratio",
        "0.8",
        "--json",
    ]));
    assert_eq!(merged["alarm_events"], predicted["alarm_events"]);
    let err = one_line_error(&plantlab(&["predict", data, "--bundle", bundle_s, "-o", "x.csv", "--clear-ratio", "2"]));
    assert!(err.contains("clear ratio"), "{err}");

    // eval: the same metric names as `plantlab train --json`, plus the events.
    let eval = ok_json(&plantlab(&["eval", data, "--bundle", bundle_s, "--json"]));
    for key in ["loss", "accuracy", "balanced_accuracy", "f1", "roc_auc", "pr_auc"] {
        assert!(eval["test"].get(key).is_some(), "test.{key} in {}", eval["test"]);
    }
    assert!(eval["majority_accuracy"].as_f64().is_some_and(|a| a > 0.95));
    assert!(eval["events"]["episodes"].as_array().is_some_and(|e| !e.is_empty()));
    assert!(eval["test"]["roc_auc"].as_f64().unwrap() > 0.8, "{}", eval["test"]);
    // Sample and event counts under names that say which they count; the old key stays.
    assert_eq!(eval["false_alarm_events"], eval["events"]["false_alarms"]);
    assert_eq!(eval["false_alarm_events_per_1000_samples"], eval["events"]["false_alarms_per_1000_samples"]);
    assert!(eval["false_alarm_samples"].as_u64().is_some_and(|fp| fp >= eval["false_alarm_events"].as_u64().unwrap()), "{eval}");
    assert!(eval["alarm_samples"].as_u64().is_some());
    assert_eq!(eval["fault_episodes"].as_u64(), eval["events"]["episodes"].as_array().map(|e| e.len() as u64));

    // The run's own test split, as the Evaluate pane shows it.
    let split = ok_json(&plantlab(&["eval", "--run", &run_dir, "--json"]));
    assert_eq!(split["samples"], 1500);
    assert_eq!(split["test"]["roc_auc"], trained["test"]["roc_auc"]);

    let report = dir.path().join("report.html");
    let out = plantlab(&["report", &run_dir, "-o", report.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(&report).unwrap().starts_with("<!DOCTYPE html>"));
    // With --json: where it went, its size and the run.
    let report_json = dir.path().join("report-json.html");
    let written = ok_json(&plantlab(&["report", &run_dir, "-o", report_json.to_str().unwrap(), "--json"]));
    assert_eq!(written["output"], report_json.to_str().unwrap());
    assert_eq!(written["bytes"].as_u64(), Some(std::fs::metadata(&report_json).unwrap().len()));
    assert_eq!(written["run_id"], trained["run_id"]);

    // In Chinese: the report's own words and page language, the CLI's summary lines; the JSON
    // of eval the same in both languages but for the sentence the CLI writes into it.
    let report_zh = dir.path().join("report-zh.html");
    let out = crate::plantlab_in_locale(&["report", &run_dir, "-o", report_zh.to_str().unwrap(), "--lang", "zh-CN"], "");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("已写入 "), "{}", String::from_utf8_lossy(&out.stderr));
    let html_zh = std::fs::read_to_string(&report_zh).unwrap();
    assert!(html_zh.contains("<html lang=\"zh-CN\">") && html_zh.contains("<h2>数据质量</h2>") && html_zh.contains("Noto Sans CJK SC"));
    assert!(std::fs::read_to_string(&report).unwrap().contains("<h2>Data quality</h2>"), "without --lang the report is English");
    let eval_zh = crate::plantlab_in_locale(&["eval", "--run", &run_dir], "zh_CN.UTF-8");
    let eval_zh = String::from_utf8_lossy(&eval_zh.stdout);
    assert!(eval_zh.contains("平衡准确率") && eval_zh.contains("个样本"), "{eval_zh}");
    let mut split_zh: serde_json::Value =
        serde_json::from_slice(&crate::plantlab_in_locale(&["eval", "--run", &run_dir, "--json"], "zh_CN.UTF-8").stdout).unwrap();
    let mut split_en = split.clone();
    for json in [&mut split_zh, &mut split_en] {
        json.as_object_mut().unwrap().remove("thin_evidence");
    }
    assert_eq!(split_zh, split_en, "eval --json keys and values do not depend on the language");

    // Damaged and missing inputs: one clear line, non-zero exit.
    let half = dir.path().join("half.plmodel");
    let bytes = std::fs::read(&bundle).unwrap();
    std::fs::write(&half, &bytes[..bytes.len() / 3]).unwrap();
    let err = one_line_error(&plantlab(&["predict", data, "--bundle", half.to_str().unwrap(), "-o", "x.csv"]));
    assert!(err.contains("not a usable model bundle") && err.contains("truncated"), "{err}");
    let err = one_line_error(&plantlab(&["eval", data, "--bundle", data]));
    assert!(err.contains("not a usable model bundle"), "{err}");
    let err = one_line_error(&plantlab(&["bundle", dir.path().to_str().unwrap(), "-o", "x.plmodel"]));
    assert!(err.contains("not a run folder"), "{err}");
    assert_usage_error(&plantlab(&["predict", data, "-o", "x.csv"]), "--bundle");
    assert_usage_error(&plantlab(&["eval", data, "--run", &run_dir]), "cannot be used with");
    // A classifier's bundle knows its target: --label is for normal-operation bundles.
    assert_usage_error(&plantlab(&["eval", data, "--bundle", bundle_s, "--label", "Machine failure"]), "--label");
}
