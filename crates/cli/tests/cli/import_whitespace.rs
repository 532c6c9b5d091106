//! `plantlab profile` on the engineering text layouts: whitespace-separated and headerless
//! files open with no flag, and `--delimiter whitespace --no-header --names …` and
//! `--column-widths` override the guesses, as the import panel does in the app.

use std::path::Path;

use serde_json::Value;

use super::{assert_one_line_failure, plantlab};

fn profile_json(file: &Path, flags: &[&str]) -> Value {
    let file = file.display().to_string();
    let mut args = vec!["profile", file.as_str(), "--json"];
    args.extend_from_slice(flags);
    let out = plantlab(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn column_names(json: &Value) -> Vec<String> {
    json["columns"].as_array().expect("columns").iter().map(|c| c["name"].as_str().expect("name").to_owned()).collect()
}

fn numeric_columns(json: &Value) -> usize {
    json["columns"].as_array().expect("columns").iter().filter(|c| matches!(c["dtype"].as_str(), Some("f64" | "i64"))).count()
}

/// The C-MAPSS layout: 26 numbers, single spaces, a trailing space, no header.
fn cmapss_like(dir: &Path, rows: usize) -> std::path::PathBuf {
    let mut text = String::new();
    for row in 0..rows {
        let mut cells = vec![(1 + row / 200).to_string(), (1 + row % 200).to_string(), format!("{:.4}", (row % 9) as f64 * 1e-4 - 4e-4)];
        cells.push("-0.0003".into());
        cells.push("100.0".into());
        cells.extend((0..21).map(|s| format!("{:.2}", 500.0 + s as f64 * 30.0 + (row % 17) as f64 * 0.01)));
        text.push_str(&cells.join(" "));
        text.push_str(" \n");
    }
    let path = dir.join("train_FD001.txt");
    std::fs::write(&path, text).expect("write");
    path
}

/// The Tennessee Eastman layout: 52 numbers in scientific notation, padded with spaces.
fn tep_like(dir: &Path, rows: usize) -> std::path::PathBuf {
    let mut text = String::new();
    for row in 0..rows {
        for column in 0..52 {
            text.push_str(&format!("   {:.7e}", (1.0 + (row * 7 + column) as f64 % 13.0) * 10f64.powi(column as i32 % 5 - 2)));
        }
        text.push('\n');
    }
    let path = dir.join("d01_te.dat");
    std::fs::write(&path, text.replace('e', "e+").replace("e+-", "e-")).expect("write");
    path
}

#[test]
fn profile_opens_the_benchmark_layouts_with_no_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = profile_json(&cmapss_like(dir.path(), 20_631), &[]);
    assert_eq!((json["rows"].as_u64(), json["columns"].as_array().map(Vec::len)), (Some(20_631), Some(26)));
    assert_eq!(numeric_columns(&json), 26);
    assert_eq!((json["import"]["delimiter"].as_str(), json["import"]["header_rows"].as_u64()), (Some(" "), Some(0)));
    assert_eq!(column_names(&json)[..2], ["col_1", "col_2"]);
    assert_eq!(json["import_warnings"], serde_json::json!([]));

    let json = profile_json(&tep_like(dir.path(), 960), &[]);
    assert_eq!((json["rows"].as_u64(), numeric_columns(&json)), (Some(960), 52));
}

#[test]
fn profile_flags_set_whitespace_no_header_and_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("plc.txt");
    // A first row of words that are data (state names): only --no-header says so.
    std::fs::write(&path, "run  1.5D+00  +2\nstop 2.5D+00  -3\nrun  3.5D+00  +4\n").expect("write");
    let sniffed = profile_json(&path, &[]);
    assert_eq!(sniffed["rows"].as_u64(), Some(2), "the first row is read as names");
    let json = profile_json(&path, &["--delimiter", "whitespace", "--no-header", "--names", "state, flow,valve"]);
    assert_eq!(column_names(&json), ["state", "flow", "valve"]);
    assert_eq!(json["rows"].as_u64(), Some(3));
    assert_eq!(json["import"]["names"], serde_json::json!(["state", "flow", "valve"]));
    assert_eq!(json["import"]["header_rows"].as_u64(), Some(0));
    let flow = &json["columns"][1];
    assert_eq!((flow["min"].as_f64(), flow["max"].as_f64()), (Some(1.5), Some(3.5)));
}

#[test]
fn profile_reads_fixed_width_columns_given_by_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fortran.out");
    std::fs::write(&path, "   1.0-1.5000D+02 2.0000D+01\n   2.0 1.5000D+02-2.0000D+01\n   3.0-1.2500D+02 2.5000D+01\n").expect("write");
    let json = profile_json(&path, &["--column-widths", "6,11,11", "--no-header", "--names", "t,flow,temp"]);
    assert_eq!(column_names(&json), ["t", "flow", "temp"]);
    assert_eq!(json["import"]["column_widths"], serde_json::json!([6, 11, 11]));
    let temp = &json["columns"][2];
    assert_eq!((temp["min"].as_f64(), temp["max"].as_f64()), (Some(-20.0), Some(25.0)));
}

#[test]
fn profile_warns_when_every_row_lands_in_one_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = cmapss_like(dir.path(), 40);
    let json = profile_json(&path, &["--delimiter", ";"]);
    assert_eq!(json["columns"].as_array().map(Vec::len), Some(1));
    let warnings = json["import_warnings"].as_array().expect("warnings");
    let warning = warnings.iter().filter_map(Value::as_str).find(|w| w.contains("one column")).unwrap_or_else(|| panic!("{warnings:?}"));
    assert!(warning.contains("26 numbers") && warning.contains("whitespace"), "{warning}");
}

#[test]
fn profile_refuses_names_that_do_not_fit_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = cmapss_like(dir.path(), 5);
    let file = path.display().to_string();
    assert_one_line_failure(&plantlab(&["profile", &file, "--names", "a,b,c"]), "3 column names were given but the file has 26 columns");
}
