//! The normal-operation models on the command line: `train --model linear|process-lm`, `bundle`
//! of the run, `eval` against a fault label and `predict` to CSV, on generated plant data with
//! a planted step change. The command line's figures and scores are the engine API's (what the
//! app shows) for the same bundle and file; bad input ends with one line.

use std::io::Write;
use std::path::{Path, PathBuf};

use plantlab_engine::normal::synthetic::{process, Fault};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::NormalPredictRequest;

use super::{assert_one_line_failure, assert_usage_error, plantlab};

/// A CSV of the generated process with a label column (1 from the fault's onset on), without
/// the tag `drop` when given.
fn write_csv_without(path: &Path, rows: usize, noise_seed: u64, fault: Option<Fault>, drop: Option<&str>) {
    let data = process(rows, 11, noise_seed, &fault.into_iter().collect::<Vec<_>>());
    let kept: Vec<usize> = (0..data.tags.len()).filter(|&c| Some(data.tags[c].as_str()) != drop).collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create csv"));
    let names: Vec<&str> = kept.iter().map(|&c| data.tags[c].as_str()).collect();
    writeln!(out, "{},label", names.join(",")).expect("write");
    for r in 0..data.rows {
        let cells: Vec<String> = kept.iter().map(|&c| format!("{}", data.row(r)[c])).collect();
        let label = u8::from(fault.is_some_and(|f| r >= f.onset()));
        writeln!(out, "{},{label}", cells.join(",")).expect("write");
    }
}

fn write_csv(path: &Path, rows: usize, noise_seed: u64, fault: Option<Fault>) {
    write_csv_without(path, rows, noise_seed, fault, None);
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(value["schema_version"], 1, "{value}");
    value
}

/// The JSON number is `value` (JSON's reader may miss the last bit of a printed number).
fn same(json: &serde_json::Value, value: Option<f64>) -> bool {
    match (json.as_f64(), value) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-14 * b.abs().max(1e-300),
        (None, None) => json.is_null(),
        _ => false,
    }
}

fn text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A normal training file, a faulty file (a step on tag7 from row 300) and a runs folder.
struct Files {
    _dir: tempfile::TempDir,
    train: PathBuf,
    test: PathBuf,
    runs: PathBuf,
    root: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let (train, test) = (root.join("normal.csv"), root.join("step.csv"));
    write_csv(&train, 1200, 1, None);
    write_csv(&test, 700, 3, Some(Fault::Step { tag: 7, onset: 300, size: 4.0 }));
    Files { _dir: dir, train, test, runs: root.join("runs"), root }
}

/// `plantlab bundle RUN_DIR -o OUT --json`: the exported bundle's path, checked against what
/// training reported.
fn export_bundle(trained: &serde_json::Value, out: &Path) -> String {
    let run_dir = trained["run_dir"].as_str().expect("run_dir");
    let info = json_of(&plantlab(&["bundle", run_dir, "-o", text(out), "--json"]));
    assert_eq!(info["detector"], trained["detector"], "{info}");
    assert_eq!(info["threshold"], trained["threshold"], "{info}");
    assert_eq!(info["tags"].as_array().map(Vec::len), Some(8), "{info}");
    text(out).to_owned()
}

/// `plantlab predict` to CSV: per sample the engine API's score, the threshold and the alarm
/// flag, exactly; alarm samples name the tags of their event. Returns the `--json` output.
fn predict_matches_the_engine(file: &Path, bundle: &str, out: &Path) -> serde_json::Value {
    let predicted = json_of(&plantlab(&["predict", text(file), "--bundle", bundle, "-o", text(out), "--json"]));
    let request = NormalPredictRequest { path: text(file).to_owned(), bundle: bundle.to_owned() };
    let engine = Workbench::new().predict_normal(&request, &JobContext::detached()).expect("the engine predicts");
    assert_eq!(predicted["alarm_events"], engine.alarm_count, "{predicted}");
    assert_eq!(predicted["alarm_samples"], engine.alarm_samples, "{predicted}");
    assert_eq!(predicted["output"], text(out));
    assert!(predicted["timeline"]["score"].as_array().is_some_and(Vec::is_empty), "the CSV carries the samples: {predicted}");
    let csv = std::fs::read_to_string(out).expect("the CSV was written");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("row,score,threshold,alarm,alarm_event,top_tags"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), engine.timeline.score.len());
    for (i, line) in rows.iter().enumerate() {
        let cells: Vec<&str> = line.splitn(6, ',').collect();
        let score = engine.timeline.score[i];
        assert_eq!(cells[0], i.to_string());
        if score.is_finite() {
            let written: f64 = cells[1].parse().expect("a score");
            assert_eq!(written.to_bits(), score.to_bits(), "row {i}: the CLI's score is the engine's");
        } else {
            assert_eq!(cells[1], "", "row {i}: no score without history");
        }
        assert_eq!(cells[2].parse::<f64>().map(f64::to_bits), Ok(engine.threshold.to_bits()));
        assert_eq!(cells[3], if engine.timeline.alarm[i] { "1" } else { "0" }, "row {i}");
        assert_eq!(cells[4].is_empty(), !engine.timeline.alarm[i], "row {i}");
    }
    // The first alarm event's samples name its tags.
    if let Some(first) = engine.alarms.first() {
        let line = rows[first.start_row as usize];
        let tags: Vec<&str> = first.top_tags.iter().map(|t| t.tag.as_str()).collect();
        assert!(line.ends_with(&format!(",1,\"{}\"", tags.join("; "))), "{line}");
    }
    predicted
}

/// `plantlab eval` of `bundle` on the faulty file: the same figures as the engine API's.
fn eval_matches_the_engine(files: &Files, bundle: &str) -> serde_json::Value {
    let eval = json_of(&plantlab(&["eval", text(&files.test), "--bundle", bundle, "--label", "label", "--json"]));
    let engine =
        Workbench::new().evaluate_normal_bundle(&files.test, Path::new(bundle), "label", &JobContext::detached()).expect("the engine evaluates");
    for (part, score) in [("test", &engine.model), ("baseline_pca", &engine.others[0]), ("pca_t2", &engine.pca_t2), ("pca_q", &engine.pca_q)] {
        assert_eq!(eval[part]["name"], score.name.as_str(), "{eval}");
        for (key, value) in [
            ("roc_auc", score.roc_auc),
            ("pr_auc", score.pr_auc),
            ("detection_rate", score.detection_rate),
            ("false_alarm_rate", score.false_alarm_rate),
            ("threshold", Some(score.threshold)),
        ] {
            assert!(same(&eval[part][key], value), "{part}.{key}: engine {value:?}, CLI {eval}");
        }
    }
    for part in ["test", "baseline_pca", "linear_predictor"] {
        for key in ["roc_auc", "pr_auc", "false_alarm_rate", "detection_rate"] {
            assert!(eval[part][key].as_f64().is_some(), "{part}.{key} missing: {eval}");
        }
    }
    // One fault episode, rows 300 to 699 (the end one past the last row, as before).
    assert_eq!(eval["events"]["episodes"].as_array().map(Vec::len), Some(1), "{eval}");
    assert_eq!((eval["events"]["episodes"][0]["onset_row"].as_u64(), eval["events"]["episodes"][0]["end_row"].as_u64()), (Some(300), Some(700)));
    assert_eq!(eval["events"]["false_alarm_events"], engine.model.false_alarms, "{eval}");
    assert_eq!(eval["test"]["fault_samples"], 400, "{eval}");
    eval
}

#[test]
fn trains_a_process_language_model_and_evaluates_it_next_to_its_baselines() {
    let files = files();
    let trained = json_of(&plantlab(&[
        "train",
        text(&files.train),
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
        text(&files.runs),
        "--json",
    ]));
    assert_eq!(trained["detector"], "process_lm", "{trained}");
    assert_eq!(trained["tags"], 8, "the label column is not a tag: {trained}");
    assert!(trained["epochs_run"].as_u64().is_some_and(|e| e >= 1));
    assert!(trained["threshold"].as_f64().is_some_and(f64::is_finite));
    assert!(trained["validation_perplexity"].as_f64().is_some_and(|p| p > 1.0));
    assert!(trained["baseline_linear_threshold"].as_f64().is_some_and(|t| t > 0.0), "{trained}");
    assert!((trained["target_false_alarm_rate"].as_f64().unwrap_or(0.0) - 0.01).abs() < 1e-12, "the default 1 %: {trained}");
    let bundle = trained["bundle"].as_str().expect("bundle path").to_owned();
    assert!(Path::new(&bundle).is_file());

    let eval = eval_matches_the_engine(&files, &bundle);
    assert!(eval["linear_predictor"]["detection_rate"].as_f64().is_some_and(|r| r > 0.9), "{eval}");
    assert_eq!(eval["linear_predictor"]["name"], "linear next-step predictor", "{eval}");
    assert!(eval["test"]["roc_auc"].as_f64().is_some_and(|a| a > 0.7), "{eval}");
    assert_eq!(eval["events"]["episodes"][0]["detected"], true, "{eval}");

    // The exported bundle scores as the run's own, through the same engine call as the app.
    let exported = export_bundle(&trained, &files.root.join("lm.json"));
    let predicted = predict_matches_the_engine(&files.test, &exported, &files.root.join("lm.csv"));
    assert_eq!(predicted["bundle"]["window"], 8, "{predicted}");
    assert!(predicted["alarm_events"].as_u64().is_some_and(|n| n >= 1), "{predicted}");
}

#[test]
fn trains_the_recommended_linear_predictor_bundles_evaluates_and_predicts() {
    let files = files();
    let trained = json_of(&plantlab(&[
        "train",
        text(&files.train),
        "--model",
        "linear",
        "--normal-when",
        "label=0",
        "--target-far",
        "0.02",
        "--runs",
        text(&files.runs),
        "--json",
    ]));
    assert_eq!(trained["detector"], "linear_predictor", "{trained}");
    assert_eq!((trained["tags"].as_u64(), trained["normal_rows"].as_u64()), (Some(8), Some(1200)), "{trained}");
    assert_eq!(trained["epochs_run"], 0, "{trained}");
    assert!(trained["validation_loss"].is_null(), "no language model: {trained}");
    assert!((trained["target_false_alarm_rate"].as_f64().unwrap_or(0.0) - 0.02).abs() < 1e-12, "--target-far 0.02 is 20 per 1,000: {trained}");
    assert_eq!(trained["baseline_linear_threshold"], trained["threshold"], "the model is the linear predictor: {trained}");
    assert_eq!(trained["calibration_rows"], 240, "the latest 20 % of the normal rows: {trained}");

    let bundle = export_bundle(&trained, &files.root.join("linear.json"));
    let eval = eval_matches_the_engine(&files, &bundle);
    assert_eq!(eval["linear_predictor"], eval["test"], "the model is the linear predictor: {eval}");
    assert!(eval["test"]["detection_rate"].as_f64().is_some_and(|r| r > 0.9), "{eval}");
    assert_eq!(eval["events"]["episodes"][0]["detected"], true, "{eval}");

    let predicted = predict_matches_the_engine(&files.test, &bundle, &files.root.join("linear.csv"));
    assert_eq!(predicted["rows"], 700, "{predicted}");
    assert!(predicted["alarm_samples"].as_u64().is_some_and(|n| n > 300), "the step alarms: {predicted}");
    // The step on tag7 leads the explanation of the alarm at its onset.
    let onset = predicted["alarms"]
        .as_array()
        .and_then(|alarms| alarms.iter().find(|a| a["start_row"].as_u64().is_some_and(|r| (300..310).contains(&r))))
        .unwrap_or_else(|| panic!("an alarm at the onset: {predicted}"));
    assert_eq!(onset["top_tags"][0]["tag"], "tag7", "{onset}");

    // Plain text says what was written.
    let out = plantlab(&["predict", text(&files.test), "--bundle", &bundle, "-o", text(&files.root.join("plain.csv"))]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("700 rows") && stdout.contains("linear next-step predictor") && stdout.contains("alarm event 1"), "{stdout}");
}

#[test]
fn refuses_a_choice_of_normal_rows_that_matches_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let train = dir.path().join("normal.csv");
    write_csv(&train, 300, 1, None);
    for model in ["process-lm", "linear"] {
        let out = plantlab(&["train", text(&train), "--model", model, "--normal-when", "label=5", "--runs", text(dir.path())]);
        assert_one_line_failure(&out, "no rows are marked as normal operation");
    }
}

#[test]
fn bad_input_ends_with_one_line_that_says_what_to_do() {
    let files = files();
    let trained =
        json_of(&plantlab(&["train", text(&files.train), "--model", "linear", "--normal-when", "label=0", "--runs", text(&files.runs), "--json"]));
    let bundle = trained["bundle"].as_str().expect("bundle path").to_owned();
    // A tag of the model is missing from the new export.
    let lacking = files.root.join("lacking.csv");
    write_csv_without(&lacking, 200, 2, Some(Fault::Step { tag: 7, onset: 100, size: 4.0 }), Some("tag3"));
    let out_csv = files.root.join("never.csv");
    assert_one_line_failure(&plantlab(&["predict", text(&lacking), "--bundle", &bundle, "-o", text(&out_csv)]), "tag3");
    assert!(!out_csv.exists(), "a failed prediction writes no CSV");
    assert_one_line_failure(&plantlab(&["eval", text(&lacking), "--bundle", &bundle, "--label", "label"]), "tag3");
    // A label column that marks no fault.
    assert_one_line_failure(&plantlab(&["eval", text(&files.train), "--bundle", &bundle, "--label", "label"]), "marks no fault samples");
    // A per-day target on data without a time axis.
    let out = plantlab(&["train", text(&files.train), "--model", "linear", "--false-alarms-per-day", "2", "--runs", text(&files.runs)]);
    assert_one_line_failure(&out, "needs a time axis");
    // Command lines that cannot work: usage errors.
    assert_usage_error(&plantlab(&["train", text(&files.train), "--model", "linear", "--window", "5"]), "--window is for --model process-lm");
    assert_usage_error(&plantlab(&["train", text(&files.train), "--model", "linear", "--target", "label"]), "--target is for the classifiers");
    assert_usage_error(
        &plantlab(&["train", text(&files.train), "--model", "linear", "--target-far", "0.1", "--false-alarms-per-day", "2"]),
        "--false-alarms-per-day",
    );
    assert_usage_error(&plantlab(&["predict", text(&files.test), "--bundle", &bundle, "-o", text(&out_csv), "--threshold", "3"]), "--threshold");
    let run_dir = trained["run_dir"].as_str().expect("run_dir");
    assert_usage_error(&plantlab(&["bundle", run_dir, "-o", text(&files.root.join("b.json")), "--min-alarm", "3"]), "alarm options");
}

/// Whether `text` holds Chinese characters.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The step file with tag0 missing in most rows and tag1 far outside its normal range in a
/// few: both input warnings of a normal-operation model.
fn write_troubled_csv(path: &Path) {
    let data = process(700, 11, 3, &[Fault::Step { tag: 7, onset: 300, size: 4.0 }]);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create csv"));
    writeln!(out, "{},label", data.tags.join(",")).expect("write");
    for r in 0..data.rows {
        let cells: Vec<String> = (0..data.tags.len())
            .map(|c| match c {
                0 if r % 4 != 0 => String::new(),
                1 if (500..505).contains(&r) => format!("{}", data.row(r)[c] + 1.0e6),
                _ => format!("{}", data.row(r)[c]),
            })
            .collect();
        writeln!(out, "{},{}", cells.join(","), u8::from(r >= 300)).expect("write");
    }
}

#[test]
fn predict_json_in_chinese_words_a_normal_models_sentences_and_keeps_keys_and_codes() {
    let files = files();
    let train = |lang: &str| {
        let args =
            ["train", text(&files.train), "--model", "linear", "--normal-when", "label=0", "--runs", text(&files.runs), "--json", "--lang", lang];
        json_of(&crate::plantlab_in_locale(&args, ""))
    };
    let trained = train("zh-CN");
    assert_eq!(trained["message_code"], "normal_linear_fitted", "{trained}");
    let message = trained["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("线性下一步预测器（推荐）已在 960 行正常数据上拟合；报警阈值 "), "{message}");
    assert!(train("en")["message"].as_str().is_some_and(|m| m.starts_with("Linear next-step predictor (recommended) fitted on 960 normal rows")));

    let bundle = export_bundle(&trained, &files.root.join("linear.json"));
    let troubled = files.root.join("troubled.csv");
    write_troubled_csv(&troubled);
    let predict = |lang: &str, out: &str| {
        let out = files.root.join(out);
        let args = ["predict", text(&troubled), "--bundle", &bundle, "-o", text(&out), "--json", "--lang", lang];
        json_of(&crate::plantlab_in_locale(&args, ""))
    };
    let (chinese, english) = (predict("zh-CN", "zh.csv"), predict("en", "en.csv"));

    let alarms = chinese["alarms"].as_array().cloned().unwrap_or_default();
    assert!(!alarms.is_empty(), "{chinese}");
    for (alarm, in_english) in alarms.iter().zip(english["alarms"].as_array().into_iter().flatten()) {
        for (tag, tag_in_english) in alarm["top_tags"].as_array().into_iter().flatten().zip(in_english["top_tags"].as_array().into_iter().flatten()) {
            let explanation = tag["explanation"].as_str().unwrap_or_default();
            assert!(has_chinese(explanation) && explanation.contains("预期"), "{tag}");
            assert!(!explanation.contains("expected") && !explanation.contains("saw"), "{explanation}");
            assert!(tag_in_english["explanation"].as_str().is_some_and(|e| e.contains(": expected ") && e.contains(", saw ")), "{tag_in_english}");
            // Keys and codes stay as the engine gave them.
            assert_eq!(tag["explanation_sentence"], tag_in_english["explanation_sentence"]);
            assert_eq!(tag["explanation_sentence"]["code"], "surprise_tag", "{tag}");
            assert_eq!(tag["tag"], tag_in_english["tag"]);
        }
    }
    let warnings = chinese["warnings"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<(&str, &str)> = warnings.iter().map(|w| (w["kind"].as_str().unwrap_or(""), w["variant"].as_str().unwrap_or(""))).collect();
    assert!(kinds.contains(&("mostly_missing", "scored_as_mean")) && kinds.contains(&("out_of_training_range", "far_from_normal")), "{kinds:?}");
    for (warning, in_english) in warnings.iter().zip(english["warnings"].as_array().into_iter().flatten()) {
        let message = warning["message"].as_str().unwrap_or_default();
        assert!(has_chinese(message) && !message.contains("samples"), "{message}");
        assert!(in_english["message"].as_str().is_some_and(|m| m.contains("samples")), "{in_english}");
        for key in ["kind", "variant", "tag", "count", "args", "example_rows"] {
            assert_eq!(warning[key], in_english[key], "{key} does not depend on the language");
        }
    }
    assert!(warnings.iter().any(|w| w["message"].as_str().is_some_and(|m| m.starts_with("tag0：") && m.contains("个缺失"))), "{warnings:?}");
    for key in ["rows", "samples", "alarm_count", "alarm_samples", "threshold", "bundle"] {
        assert_eq!(chinese[key], english[key], "{key} does not depend on the language");
    }

    // The text output too.
    let csv = files.root.join("text.csv");
    let out = crate::plantlab_in_locale(&["predict", text(&troubled), "--bundle", &bundle, "-o", text(&csv), "--lang", "zh-CN"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("线性下一步预测器") && stdout.contains("预期") && !stdout.contains("expected"), "{stdout}");
}
