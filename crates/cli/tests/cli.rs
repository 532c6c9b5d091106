//! The `plantlab` binary end to end: real files in, JSON or one error line out.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn plantlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plantlab")).args(args).output().expect("plantlab runs")
}

fn sample() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../sample-data/ai4i2020.csv").display().to_string()
}

fn assert_one_line_failure(out: &Output, words: &str) {
    assert!(!out.status.success(), "must fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.starts_with("plantlab: "), "{stderr}");
    assert!(stderr.contains(words), "{stderr:?} should mention {words:?}");
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
}

#[test]
fn info_json_describes_the_sample() {
    let out = plantlab(&["info", &sample(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
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
    let out = plantlab(&["info", &sample()]);
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
    assert_one_line_failure(&plantlab(&["info", "/definitely/not/here.csv", "--json"]), "does not exist");
    assert_one_line_failure(&plantlab(&["info", &d]), "is a folder");
    assert_one_line_failure(&plantlab(&["info", &empty.display().to_string()]), "is empty");
    assert_one_line_failure(&plantlab(&["info", &binary.display().to_string()]), "not a text table");
    assert_one_line_failure(&plantlab(&["info"]), "needs a FILE");
    assert_one_line_failure(&plantlab(&["frobnicate"]), "unknown command");
    assert_one_line_failure(&plantlab(&[]), "no command");
}
