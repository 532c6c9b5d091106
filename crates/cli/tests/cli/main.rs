//! The `plantlab` binary end to end, in one test binary: real files in, JSON or one error line
//! out, the exit statuses scripts rely on, and the help of every subcommand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod data;
mod import_chinese;
mod import_clean_wording;
mod import_whitespace;
mod json;
mod language;
mod normal;
mod predict;
mod train;
mod usage;

/// `clean --require-gate` when the quality gate fails.
pub const EXIT_GATE_FAILED: i32 = 3;

/// The binary in English whatever the machine's locale, as the tests' expectations are written.
pub fn plantlab(args: &[&str]) -> Output {
    plantlab_in_locale(args, "")
}

/// The binary with `LANG` set to `locale` (and `LC_ALL`, `LC_MESSAGES` unset, so `LANG` decides).
pub fn plantlab_in_locale(args: &[&str], locale: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plantlab"))
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", locale)
        .output()
        .expect("plantlab runs")
}

/// The AI4I 2020 data shipped with the repository.
pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data/ai4i2020.csv")
}

/// A failure: status 1, one line on stderr that says `words`, nothing on stdout but, under
/// `--json`, the error document (its message the stderr line).
pub fn assert_one_line_failure(out: &Output, words: &str) {
    assert_eq!(out.status.code(), Some(1), "a failure, not a usage error: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.starts_with("plantlab: "), "{stderr}");
    assert!(stderr.contains(words), "{stderr:?} should mention {words:?}");
    if !out.stdout.is_empty() {
        let doc = json_error(out);
        assert_eq!(doc["error"]["message"].as_str().map(|m| format!("plantlab: {m}")).as_deref(), Some(stderr.trim_end()), "{doc}");
    }
}

/// The `--json` error document a failure printed on stdout: `{"schema_version": 1, "error":
/// {"code", "message", …}}`.
pub fn json_error(out: &Output) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout holds only the JSON error document");
    assert_eq!(doc["schema_version"], 1, "{doc}");
    assert!(doc["error"]["code"].as_str().is_some_and(|code| code.chars().all(|c| c.is_ascii_lowercase() || c == '_')), "{doc}");
    doc
}

/// A usage error: status 2, clap's message naming `words` and pointing to the help, nothing
/// on stdout.
pub fn assert_usage_error(out: &Output, words: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "a usage error: {stderr}");
    assert!(stderr.contains(words), "{stderr:?} should mention {words:?}");
    assert!(stderr.contains("Usage: plantlab") || stderr.contains("try '--help'"), "the usage or the help follows: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout on a usage error");
}
