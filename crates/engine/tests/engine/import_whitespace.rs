//! Whitespace-separated, fixed-width and headerless text tables through the path the app uses
//! (`Workbench::load`): every number spelling engineering programs write, the layouts of the
//! C-MAPSS and Tennessee Eastman files with no setting touched, user-given names replayed by a
//! recipe, the warnings, and one-line messages for settings that cannot read the file.
//!
//! The real files are checked too when `PLANTLAB_CMAPSS_FILE` (a `train_FD001.txt`) or
//! `PLANTLAB_TEP_DIR` (the folder of the Braatz `.dat` files) is set.

use std::path::Path;

use plantlab_engine::import::import;
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ColumnKind, DatasetSummary, ImportOverrides, WHITESPACE_DELIMITER};

use crate::common::write;

fn load(path: &Path, overrides: &ImportOverrides) -> DatasetSummary {
    Workbench::new().load(path, overrides, &JobContext::detached()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A column's values, read as floats (integer columns included).
fn floats(path: &Path, overrides: &ImportOverrides, column: &str) -> Vec<Option<f64>> {
    let imported = import(path, overrides, &JobContext::detached()).unwrap();
    let cast = imported.frame.column(column).unwrap().cast(&polars::prelude::DataType::Float64).unwrap();
    cast.f64().unwrap().iter().collect()
}

fn names(summary: &DatasetSummary) -> Vec<&str> {
    summary.columns.iter().map(|c| c.name.as_str()).collect()
}

fn all_numeric(summary: &DatasetSummary) -> bool {
    summary.columns.iter().all(|c| c.kind == ColumnKind::Numeric)
}

/// The message of a refused import, which must be one line.
fn refusal(path: &Path, overrides: &ImportOverrides) -> String {
    match Workbench::new().load(path, overrides, &JobContext::detached()) {
        Ok(summary) => panic!("{} should be refused, got {} × {}", path.display(), summary.rows, summary.columns.len()),
        Err(e) => {
            let message = e.to_string();
            assert!(!message.trim().is_empty() && !message.trim().contains('\n'), "not one line: {message:?}");
            message
        }
    }
}

/// NASA's layout exactly: unit, cycle, 3 settings, 21 sensors, one space between numbers and
/// one trailing space, no header.
fn cmapss_single_spaced(rows: usize) -> String {
    let mut text = String::with_capacity(rows * 130);
    let (mut unit, mut cycle) = (1, 0);
    for row in 0..rows {
        cycle += 1;
        if cycle > 192 + (unit * 7) % 90 {
            unit += 1;
            cycle = 1;
        }
        text.push_str(&format!("{unit} {cycle} {:.4} {:.4} 100.0", ((row * 13) % 41) as f64 * 1e-4 - 0.002, ((row * 7) % 7) as f64 * 1e-4 - 0.0003));
        for sensor in 0..21 {
            match sensor {
                0 => text.push_str(" 518.67"),
                16 => text.push_str(" 392"),
                _ => text.push_str(&format!(" {:.2}", 500.0 + sensor as f64 * 50.0 + ((row * (sensor + 3)) % 97) as f64 * 0.01)),
            }
        }
        text.push_str(" \n");
    }
    text
}

#[test]
fn the_cmapss_layout_with_one_trailing_space_opens_as_20631_rows_of_26_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let text = cmapss_single_spaced(20_631);
    assert!(text.lines().all(|l| l.ends_with("0 ") || l.ends_with(' ')) && !text.contains("  "), "single spaces, one trailing space");
    let path = write(dir.path(), "train_FD001.txt", &text);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len()), (20_631, 26));
    assert!(all_numeric(&summary), "{:?}", summary.columns);
    assert_eq!((names(&summary)[0], names(&summary)[25]), ("col_1", "col_26"));
    assert_eq!((summary.import.delimiter, summary.import.header_rows), (WHITESPACE_DELIMITER, 0));
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    // The unit and cycle numbers stay whole numbers; the last sensor reads exactly.
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    assert!(imported.frame.column("col_1").unwrap().dtype().is_integer());
    let last: f64 = text.lines().next().unwrap().split_whitespace().last().unwrap().parse().unwrap();
    assert_eq!(imported.frame.column("col_26").unwrap().f64().unwrap().get(0), Some(last));
}

#[test]
fn a_leading_plus_and_every_exponent_letter_read_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let text = "+1.5E+02  -2.5e-03\t+3.0D+00   4.0d-1  +7\n\
                -1.0E+00  +2.0e+01\t-3.5D-02   4.5d+0  -8\n\
                 1.25E2    2.5e0 \t 1D3       +4.0d+02  9\n";
    let path = write(dir.path(), "exponents.dat", text);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len(), summary.import.header_rows), (3, 5, 0));
    assert!(all_numeric(&summary), "{:?}", summary.columns);
    let none = ImportOverrides::default();
    assert_eq!(floats(&path, &none, "col_1"), [Some(150.0), Some(-1.0), Some(125.0)]);
    assert_eq!(floats(&path, &none, "col_2"), [Some(-0.0025), Some(20.0), Some(2.5)]);
    assert_eq!(floats(&path, &none, "col_3"), [Some(3.0), Some(-0.035), Some(1000.0)]);
    assert_eq!(floats(&path, &none, "col_4"), [Some(0.4), Some(4.5), Some(400.0)]);
    assert_eq!(floats(&path, &none, "col_5"), [Some(7.0), Some(-8.0), Some(9.0)]);
}

#[test]
fn runs_of_spaces_and_tabs_with_blank_edges_and_blank_lines_count_as_one_separator() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\t  1 \t\t 2.5      3  \r\n\n   4\t5.5 \t6\t\r\n \t\n7  8.5\t\t\t  9 \n";
    let path = write(dir.path(), "runs.txt", text);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len()), (3, 3), "{:?}", summary.warnings);
    assert_eq!((summary.import.delimiter, summary.import.column_widths.clone()), (WHITESPACE_DELIMITER, None));
    let none = ImportOverrides::default();
    assert_eq!(floats(&path, &none, "col_2"), [Some(2.5), Some(5.5), Some(8.5)]);
    assert_eq!(floats(&path, &none, "col_3"), [Some(3.0), Some(6.0), Some(9.0)]);
}

#[test]
fn fixed_width_columns_that_line_up_keep_their_blank_cells_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    // Right-aligned columns of a logger; a blank cell makes the whitespace split disagree, the
    // widths still line up.
    let text =
        ["     1.0    10.0   100.0", "     2.0           200.0", "     3.0    30.0        ", "     4.0    40.0   400.0", "     5.0    50.0   500.0"]
            .join("\n")
            + "\n";
    let path = write(dir.path(), "logger.txt", &text);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len(), summary.import.header_rows), (5, 3, 0), "{:?}", summary.import);
    assert!(summary.import.column_widths.is_some(), "fixed widths sniffed: {:?}", summary.import);
    let none = ImportOverrides::default();
    assert_eq!(floats(&path, &none, "col_2"), [Some(10.0), None, Some(30.0), Some(40.0), Some(50.0)]);
    assert_eq!(floats(&path, &none, "col_3"), [Some(100.0), Some(200.0), None, Some(400.0), Some(500.0)]);
    // The same widths given by hand read the same table.
    let widths = ImportOverrides { delimiter: Some(WHITESPACE_DELIMITER), column_widths: Some(vec![8, 8, 8]), ..ImportOverrides::default() };
    assert_eq!(floats(&path, &widths, "col_3"), [Some(100.0), Some(200.0), None, Some(400.0), Some(500.0)]);
}

#[test]
fn a_header_is_told_from_a_first_row_of_data() {
    let dir = tempfile::tempdir().unwrap();
    // Names with digits in them are still names over numbers.
    let path = write(dir.path(), "named.txt", "x1   x2   T101\n1.0  2.0  3.0\n4.0  5.0  6.0\n");
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.import.header_rows, names(&summary)), (1, vec!["x1", "x2", "T101"]));
    // Integers over floats: the first row is data of the same kind.
    let path = write(dir.path(), "data.txt", "1 2 3\n4.5 5.5 6.5\n7.5 8.5 9.5\n");
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.import.header_rows, summary.rows, names(&summary)), (0, 3, vec!["col_1", "col_2", "col_3"]));
}

#[test]
fn names_given_for_a_headerless_file_are_replayed_by_its_recipe_on_a_new_export() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "week1.dat", "   1.0E+00   2.0E+00   3.0E+00\n   4.0E+00   5.0E+00   6.0E+00\n");
    let given = vec!["feed".to_owned(), "reactor pressure".to_owned(), "purge".to_owned()];
    let overrides =
        ImportOverrides { names: Some(given.clone()), header_rows: Some(0), delimiter: Some(WHITESPACE_DELIMITER), ..ImportOverrides::default() };
    let workbench = Workbench::with_runs_root(dir.path().join("runs"));
    let summary = workbench.load(&first, &overrides, &JobContext::detached()).unwrap();
    assert_eq!(names(&summary), ["feed", "reactor pressure", "purge"]);
    let recipe = dir.path().join("recipe.json");
    workbench.save_recipe(&recipe).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&recipe).unwrap()).unwrap();
    assert_eq!(saved["import"]["names"], serde_json::json!(given), "{saved}");

    // A new export of the same program, read by the recipe alone.
    let second = write(dir.path(), "week2.dat", "   7.0E+00   8.0E+00   9.0E+00\n   1.0E+01   1.1E+01   1.2E+01\n   1.3E+01   1.4E+01   1.5E+01\n");
    let replay = Workbench::with_runs_root(dir.path().join("runs2"));
    replay.apply_recipe_file(&second, &recipe, None, &JobContext::detached()).unwrap();
    let summary = replay.summary().unwrap();
    assert_eq!((names(&summary), summary.rows), (vec!["feed", "reactor pressure", "purge"], 3));
    assert_eq!(summary.import.names.as_deref(), Some(given.as_slice()));
}

#[test]
fn a_table_stored_one_variable_per_row_warns_that_it_may_be_transposed() {
    let dir = tempfile::tempdir().unwrap();
    // The layout of the Tennessee Eastman d00.dat: 52 rows (variables) × 500 samples.
    let mut text = String::new();
    for variable in 0..52 {
        for sample in 0..500 {
            text.push_str(&format!("  {:.7e}", 1.0 + variable as f64 + (sample % 13) as f64 * 0.01));
        }
        text.push('\n');
    }
    let path = write(dir.path(), "d00.dat", &text);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len()), (52, 500));
    let warning = summary.warnings.iter().find(|w| w.contains("transpose")).unwrap_or_else(|| panic!("{:?}", summary.warnings));
    assert!(warning.contains("52 rows and 500 columns"), "{warning}");
    assert!(!warning.contains('\n'));
    // A wide table with a header, or a long one, says nothing.
    let path = write(
        dir.path(),
        "long.dat",
        text.lines().take(30).map(|l| l.split_whitespace().take(25).collect::<Vec<_>>().join(" ") + "\n").collect::<String>(),
    );
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len()), (30, 25));
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
}

#[test]
fn settings_that_cannot_read_the_file_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "plc.txt", "1 2 3\n4 5 6\n");
    let too_many = ImportOverrides { names: Some(vec!["a".into(), "b".into(), "c".into(), "d".into()]), ..ImportOverrides::default() };
    let message = refusal(&path, &too_many);
    assert!(message.contains("4 column names were given but the file has 3 columns"), "{message}");
    let blank = write(dir.path(), "blank.txt", "   \n\t\t\n  \t \n");
    let message = refusal(&blank, &ImportOverrides::default());
    assert!(message.to_lowercase().contains("no") || message.to_lowercase().contains("empty"), "{message}");
    // Odd but readable settings never panic: widths wider than the lines, a width of zero,
    // whitespace forced on a comma file.
    for overrides in [
        ImportOverrides { delimiter: Some(WHITESPACE_DELIMITER), column_widths: Some(vec![40, 40]), ..ImportOverrides::default() },
        ImportOverrides { delimiter: Some(WHITESPACE_DELIMITER), column_widths: Some(vec![0, 2]), ..ImportOverrides::default() },
        ImportOverrides { delimiter: Some(WHITESPACE_DELIMITER), header_rows: Some(0), ..ImportOverrides::default() },
    ] {
        for file in [&path, &write(dir.path(), "comma.csv", "a,b\n1,2\n")] {
            if let Err(e) = Workbench::new().load(file, &overrides, &JobContext::detached()) {
                let message = e.to_string();
                assert!(!message.trim().contains('\n'), "{overrides:?}: {message:?}");
            }
        }
    }
}

#[test]
fn the_real_benchmark_files_open_with_no_setting_touched_when_present() {
    match std::env::var_os("PLANTLAB_CMAPSS_FILE") {
        Some(file) => {
            let summary = load(Path::new(&file), &ImportOverrides::default());
            let lines = std::fs::read_to_string(&file).unwrap().lines().filter(|l| !l.trim().is_empty()).count();
            assert_eq!((summary.rows, summary.columns.len()), (lines as u64, 26));
            assert!(all_numeric(&summary) && summary.warnings.is_empty(), "{:?}", summary.warnings);
            eprintln!("{}: {} rows × 26 numeric columns", Path::new(&file).display(), summary.rows);
        }
        None => eprintln!("PLANTLAB_CMAPSS_FILE not set: the real train_FD001.txt is not checked"),
    }
    match std::env::var_os("PLANTLAB_TEP_DIR") {
        Some(dir) => {
            let summary = load(&Path::new(&dir).join("d01_te.dat"), &ImportOverrides::default());
            assert_eq!((summary.rows, summary.columns.len()), (960, 52));
            assert!(all_numeric(&summary) && summary.warnings.is_empty(), "{:?}", summary.warnings);
            let d00 = load(&Path::new(&dir).join("d00.dat"), &ImportOverrides::default());
            assert_eq!((d00.rows, d00.columns.len()), (52, 500));
            assert!(d00.warnings.iter().any(|w| w.contains("transpose")), "{:?}", d00.warnings);
            eprintln!("d01_te.dat: 960 rows × 52 numeric columns; d00.dat: 52 × 500 with the transposed warning");
        }
        None => eprintln!("PLANTLAB_TEP_DIR not set: the real Tennessee Eastman files are not checked"),
    }
}

#[test]
fn a_header_naming_more_columns_than_the_rows_fill_warns() {
    let dir = tempfile::tempdir().unwrap();
    // A published copy of train_FD001.txt: 31 names over 26 numbers.
    let header: Vec<String> =
        ["unit_number", "time", "opt_set1", "opt_set2", "opt_set3"].into_iter().map(String::from).chain((1..=26).map(|i| format!("s{i}"))).collect();
    let text = format!("{}\n{}", header.join(" "), cmapss_single_spaced(30));
    let path = write(dir.path(), "train_FD001_named.txt", &text);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len(), summary.import.header_rows), (30, 31, 1));
    let warning = summary.warnings.iter().find(|w| w.contains("header names")).unwrap_or_else(|| panic!("{:?}", summary.warnings));
    assert!(warning.contains("31 columns") && warning.contains("26 values") && warning.contains("last 5 columns (s22 …)"), "{warning}");
    // Given names that fit, or a header that fits, say nothing.
    let fitting = ImportOverrides { names: Some(header[..26].to_vec()), header_rows: Some(1), ..ImportOverrides::default() };
    let summary = load(&path, &fitting);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    assert_eq!((summary.rows, summary.columns.len(), names(&summary)[25]), (30, 26, "s21"));
    assert!(all_numeric(&summary));
    let path = write(dir.path(), "fits.txt", format!("{}\n{}", header[..26].join(" "), cmapss_single_spaced(30)));
    assert!(load(&path, &ImportOverrides::default()).warnings.is_empty());
}
