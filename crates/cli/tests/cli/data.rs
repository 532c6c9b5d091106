//! `info` and `clean` on real files: JSON or one error line out.

use std::process::Output;

use serde_json::Value;

use super::{assert_one_line_failure, assert_usage_error, plantlab, sample, EXIT_GATE_FAILED};

fn sample_arg() -> String {
    sample().display().to_string()
}

#[test]
fn info_json_describes_the_sample() {
    let out = plantlab(&["info", &sample_arg(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["rows"], 10_000);
    let columns = json["columns"].as_array().expect("columns");
    assert_eq!(columns.len(), 14);
    assert_eq!(columns[0]["name"], "UDI", "the UTF-8 BOM is not part of the first name");
    assert_eq!(columns[0]["dtype"], "i64");
    assert_eq!(columns[3]["name"], "Air temperature [K]");
    assert_eq!(columns[3]["dtype"], "f64");
    assert_eq!(columns[2]["dtype"], "str");
    assert!(columns.iter().all(|c| c["null_count"] == 0));
}

#[test]
fn info_text_is_a_table() {
    let out = plantlab(&["info", &sample_arg()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("10000 rows × 14 columns"), "{text}");
    assert!(text.contains("Machine failure"));
}

#[test]
fn bad_inputs_exit_non_zero_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, b"").expect("write");
    let binary = dir.path().join("data.csv");
    std::fs::write(&binary, [0x7fu8, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0]).expect("write");
    let d = dir.path().display().to_string();
    let missing = plantlab(&["info", "/definitely/not/here.csv", "--json"]);
    assert_one_line_failure(&missing, "does not exist");
    let doc = crate::json_error(&missing);
    assert_eq!(doc["error"]["code"], "not_found", "{doc}");
    assert_eq!(doc["error"]["args"]["path"]["value"], "/definitely/not/here.csv", "{doc}");
    assert_one_line_failure(&plantlab(&["info", &d]), "is a folder");
    assert_one_line_failure(&plantlab(&["info", &empty.display().to_string()]), "is empty");
    assert_one_line_failure(&plantlab(&["info", &binary.display().to_string()]), "not a text table");
    // Usage errors: clap's message with the usage, status 2.
    assert_usage_error(&plantlab(&["info"]), "<FILE>");
    assert_usage_error(&plantlab(&["frobnicate"]), "unrecognized subcommand 'frobnicate'");
    assert_usage_error(&plantlab(&[]), "Usage: plantlab");
}

#[allow(clippy::expect_used)]
fn messy_file(dir: &std::path::Path) -> String {
    use plantlab_engine::generate::{messy_series, MessyOptions};
    let (bytes, _) = messy_series(&MessyOptions::default());
    let path = dir.join("messy.csv");
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

#[test]
fn clean_suggest_then_apply_passes_the_gate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = messy_file(dir.path());
    let recipe = dir.path().join("recipe.json").display().to_string();
    let out = plantlab(&["clean", &file, "--suggest", "-o", &recipe]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("quality gate: PASSED"), "{text}");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&recipe).expect("recipe written")).expect("recipe is JSON");
    assert_eq!(saved["schema_version"], 1);
    assert!(saved["steps"].as_array().is_some_and(|s| s.len() >= 8), "{saved}");

    let parquet = dir.path().join("clean.parquet").display().to_string();
    let out = plantlab(&["clean", &file, "--recipe", &recipe, "-o", &parquet, "--json", "--require-gate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["schema_version"], 1);
    assert_eq!(summary["gate"]["passed"], true, "{summary}");
    let checks = summary["gate"]["checks"].as_array().expect("checks");
    assert!(checks.iter().all(|c| c["name"].is_string() && c["passed"] == true && c["value"].is_number() && c["threshold"].is_number()));
    assert!(summary["rows_in"].as_u64() > summary["rows_out"].as_u64().map(|r| r - 100));
    assert_eq!(summary["steps"].as_array().map(Vec::len), saved["steps"].as_array().map(Vec::len));
    assert!(std::fs::metadata(&parquet).is_ok_and(|m| m.len() > 0));
    // The cleaned Parquet reads back: a gap-free table.
    let info = plantlab(&["info", &parquet, "--json"]);
    assert!(info.status.success(), "{}", String::from_utf8_lossy(&info.stderr));
    let info: Value = serde_json::from_slice(&info.stdout).expect("info JSON");
    assert_eq!(info["rows"], summary["rows_out"]);

    // Without the recipe the raw file fails the gate, and --require-gate says so in one line.
    let empty = dir.path().join("empty_recipe.json");
    let mut none = saved.clone();
    none["steps"] = serde_json::json!([]);
    std::fs::write(&empty, none.to_string()).expect("write");
    let out = plantlab(&["clean", &file, "--recipe", &empty.display().to_string(), "--require-gate"]);
    assert_one_line_failure_allowing_stdout(&out, "quality gate fails");
    assert_eq!(out.status.code(), Some(EXIT_GATE_FAILED), "a failed gate has its own exit status");
    // Without --require-gate the same failing gate is reported, not an error.
    let out = plantlab(&["clean", &file, "--recipe", &empty.display().to_string(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["gate"]["passed"], false, "{summary}");
    assert_eq!(summary["schema_version"], 1);
}

#[allow(clippy::panic)]
fn assert_one_line_failure_allowing_stdout(out: &Output, words: &str) {
    assert!(!out.status.success(), "must fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.contains(words), "{stderr:?} should mention {words:?}");
}

#[test]
fn clean_with_a_corrupt_or_newer_recipe_fails_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = messy_file(dir.path());
    let corrupt = dir.path().join("corrupt.json");
    std::fs::write(&corrupt, "{\"schema_version\": 1, \"steps\": [{\"step\"").expect("write");
    let out = dir.path().join("out.csv").display().to_string();
    assert_one_line_failure(&plantlab(&["clean", &file, "--recipe", &corrupt.display().to_string(), "-o", &out]), "not valid JSON");
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, "{\"schema_version\": 7}").expect("write");
    assert_one_line_failure(
        &plantlab(&["clean", &file, "--recipe", &newer.display().to_string(), "-o", &out, "--json"]),
        "newer than this PlantLab reads",
    );
    assert_one_line_failure(&plantlab(&["clean", &file, "--recipe", "/no/such/recipe.json"]), "does not exist");
    assert_usage_error(&plantlab(&["clean", &file]), "--suggest|--recipe");
    assert_usage_error(&plantlab(&["clean", &file, "--suggest"]), "--output");
    assert_usage_error(&plantlab(&["clean", &file, "--suggest", "--recipe", "r.json", "-o", &out]), "cannot be used with");
    // A recipe naming a column this export lacks: one line naming the step and the column.
    let missing = dir.path().join("missing.json");
    let recipe = serde_json::json!({
        "schema_version": 1, "train_fraction": 0.7,
        "import": {"delimiter": ",", "decimal": ".", "encoding": "utf-8", "header_rows": 1, "timestamp_column": "Timestamp",
                   "timestamp_format": null, "status_strings": [], "sheet": null},
        "steps": [{"step": {"op": "drop", "columns": ["Ghost tag"]}}]
    });
    std::fs::write(&missing, recipe.to_string()).expect("write");
    assert_one_line_failure(&plantlab(&["clean", &file, "--recipe", &missing.display().to_string(), "-o", &out]), "Ghost tag");
    assert!(!std::path::Path::new(&out).exists(), "nothing is written on failure");
}

#[test]
fn require_gate_applies_to_a_suggested_recipe_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tiny = dir.path().join("tiny.csv");
    std::fs::write(&tiny, "a,b\n1,2\n3,4\n").expect("write");
    let recipe = dir.path().join("recipe.json");
    let out = plantlab(&["clean", &tiny.display().to_string(), "--suggest", "-o", &recipe.display().to_string(), "--require-gate"]);
    assert_one_line_failure_allowing_stdout(&out, "quality gate fails: Rows");
    assert_eq!(out.status.code(), Some(EXIT_GATE_FAILED));
    assert!(recipe.is_file(), "the recipe is written before the gate is judged");
    // The failed checks are named as the Clean pane names them, in the chosen language.
    let chinese = crate::plantlab_in_locale(
        &["clean", &tiny.display().to_string(), "--suggest", "-o", &recipe.display().to_string(), "--require-gate"],
        "zh_CN.UTF-8",
    );
    assert_eq!(chinese.status.code(), Some(EXIT_GATE_FAILED));
    assert!(String::from_utf8_lossy(&chinese.stderr).contains("质量门未通过：行数"), "{}", String::from_utf8_lossy(&chinese.stderr));
    assert!(String::from_utf8_lossy(&chinese.stdout).contains("[未过] 行数"), "{}", String::from_utf8_lossy(&chinese.stdout));
}
