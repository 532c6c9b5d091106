//! `plantlab profile` on a Chinese DCS export saved in GB18030 (the bundled
//! `sample-data/reactor-gb18030.csv`): the Chinese tag names and units come out in the JSON
//! with no flag, `--encoding gbk` (any case) is accepted, and an unknown encoding is refused
//! in one line that lists the encodings the importer reads.

use std::path::PathBuf;

use serde_json::Value;

use super::{assert_one_line_failure, plantlab};

fn reactor_sample() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data/reactor-gb18030.csv")
}

fn profile_json(flags: &[&str]) -> Value {
    let file = reactor_sample().display().to_string();
    let mut args = vec!["profile", file.as_str(), "--json"];
    args.extend_from_slice(flags);
    let out = plantlab(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn names_and_units(json: &Value) -> Vec<(String, Option<String>)> {
    let columns = json["columns"].as_array().expect("columns");
    columns.iter().map(|c| (c["name"].as_str().expect("name").to_owned(), c["unit"].as_str().map(str::to_owned))).collect()
}

const EXPECTED: [(&str, Option<&str>); 6] =
    [("时间", None), ("反应器温度", Some("℃")), ("反应器压力", Some("MPa")), ("进料流量", Some("m³/h")), ("冷却水流量", Some("t/h")), ("故障", None)];

fn expected() -> Vec<(String, Option<String>)> {
    EXPECTED.iter().map(|(n, u)| ((*n).to_owned(), u.map(str::to_owned))).collect()
}

#[test]
fn profile_shows_the_chinese_names_of_a_gb18030_export() {
    let json = profile_json(&[]);
    assert_eq!(names_and_units(&json), expected());
    assert_eq!(json["rows"], 360);
    assert_eq!(json["timestamp_column"], "时间");
    assert_eq!(json["import"]["encoding"], "gb18030");
    assert!(json["import"]["encoding_confidence"].as_f64().is_some_and(|c| c >= 0.8), "{}", json["import"]);
}

#[test]
fn encoding_gbk_is_accepted_in_any_case() {
    for name in ["gbk", "GBK", "gb2312"] {
        let json = profile_json(&["--encoding", name]);
        assert_eq!(names_and_units(&json), expected(), "--encoding {name}");
        assert_eq!(json["import"]["encoding"], "gb18030", "--encoding {name}");
        assert!(json["import"].get("encoding_confidence").is_none_or(Value::is_null), "the user set it: {}", json["import"]);
    }
}

#[test]
fn an_unknown_encoding_is_refused_naming_the_ones_read() {
    let file = reactor_sample().display().to_string();
    let out = plantlab(&["profile", file.as_str(), "--encoding", "koi8-r"]);
    assert_one_line_failure(&out, "gb18030 (also gbk, gb2312), big5, shift_jis");
    let help = plantlab(&["profile", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("gb18030") && help.contains("big5") && help.contains("shift_jis"), "{help}");
}
