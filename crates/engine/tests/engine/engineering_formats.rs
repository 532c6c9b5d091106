//! The engineering text layouts open with no setting touched: whitespace-separated (C-MAPSS,
//! Tennessee Eastman), tabs with padding, fixed-width columns, Fortran `D` exponents, files
//! without a header row; and the settings that read them replay.

use std::path::Path;

use plantlab_engine::clean::recipe::overrides_for;
use plantlab_engine::import::import;
use plantlab_engine::{EngineError, JobContext, Workbench};
use plantlab_protocol::{ColumnKind, DatasetSummary, ImportOverrides, WHITESPACE_DELIMITER};

use crate::common::write;

/// A small deterministic generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
}

fn load(path: &Path, overrides: &ImportOverrides) -> DatasetSummary {
    Workbench::new().load(path, overrides, &JobContext::detached()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn numeric_columns(summary: &DatasetSummary) -> usize {
    summary.columns.iter().filter(|c| c.kind == ColumnKind::Numeric).count()
}

/// C-MAPSS `train_FDxxx.txt`: unit, cycle, 3 settings, 21 sensors; single spaces, a trailing
/// space (two in NASA's files), no header.
fn cmapss_like(rows: usize, seed: u64) -> String {
    let mut rng = Lcg(seed);
    let mut text = String::new();
    let (mut unit, mut cycle) = (1, 0);
    for _ in 0..rows {
        cycle += 1;
        if cycle > 150 + (rng.next() % 100) as usize {
            unit += 1;
            cycle = 1;
        }
        let mut cells = vec![unit.to_string(), cycle.to_string()];
        cells.push(format!("{:.4}", rng.unit() * 0.004 - 0.002));
        cells.push(format!("{:.4}", rng.unit() * 0.0006 - 0.0003));
        cells.push("100.0".into());
        for s in 0..21 {
            cells.push(match s {
                0 => "518.67".into(),
                15 => "392".into(),
                _ => format!("{:.2}", 500.0 + 100.0 * s as f64 + rng.unit()),
            });
        }
        text.push_str(&cells.join(" "));
        text.push_str("  \n");
    }
    text
}

/// Tennessee Eastman `dNN_te.dat`: 52 numbers per row in scientific notation, each padded with
/// three spaces, no header.
fn tep_like(rows: usize, seed: u64) -> String {
    let mut rng = Lcg(seed);
    let mut text = String::new();
    for _ in 0..rows {
        for c in 0..52 {
            let v = (0.25 + rng.unit()) * 10f64.powi(c % 5 - 1);
            text.push_str("   ");
            text.push_str(&fortran_e(v));
        }
        text.push('\n');
    }
    text
}

/// `2.5025000e-01`: eight significant digits, a signed two-digit exponent.
fn fortran_e(v: f64) -> String {
    let text = format!("{v:.7e}");
    let (mantissa, exponent) = text.split_once('e').unwrap();
    let exponent: i32 = exponent.parse().unwrap();
    format!("{mantissa}e{}{:02}", if exponent < 0 { '-' } else { '+' }, exponent.abs())
}

#[test]
fn cmapss_layout_opens_as_26_numeric_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "train_FD001.txt", cmapss_like(20_631, 1));
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len(), numeric_columns(&summary)), (20_631, 26, 26));
    assert_eq!(summary.columns[0].name, "col_1");
    assert_eq!(summary.columns[25].name, "col_26");
    assert_eq!((summary.import.delimiter, summary.import.header_rows, summary.import.column_widths.clone()), (WHITESPACE_DELIMITER, 0, None));
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
}

#[test]
fn tep_layout_opens_as_52_numeric_columns() {
    let dir = tempfile::tempdir().unwrap();
    let text = tep_like(960, 2);
    assert!(text.starts_with("   "), "{}", &text[..40]);
    let path = write(dir.path(), "d01_te.dat", &text);
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    assert_eq!(imported.frame.shape(), (960, 52));
    for column in imported.frame.columns() {
        assert!(column.dtype().is_float(), "{}: {}", column.name(), column.dtype());
        assert_eq!(column.null_count(), 0);
    }
    // The first cell, read exactly.
    let first: f64 = text.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(imported.frame.column("col_1").unwrap().f64().unwrap().get(0), Some(first));
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.rows, summary.columns.len(), numeric_columns(&summary)), (960, 52, 52));
}

#[test]
fn tabs_and_padding_and_a_header_of_names() {
    let dir = tempfile::tempdir().unwrap();
    // Names separated by runs of whitespace; cells by tabs and spaces.
    let path = write(dir.path(), "named.txt", "unit   cycle\tflow  \n  1\t 1   2.5D+01\n  1\t\t2  2.6E+01\n 2 1\t-2.7d+00\n");
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    assert_eq!(imported.settings.header_rows, 1);
    let names: Vec<&str> = imported.frame.get_column_names().into_iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["unit", "cycle", "flow"]);
    let flow: Vec<Option<f64>> = imported.frame.column("flow").unwrap().f64().unwrap().iter().collect();
    assert_eq!(flow, [Some(25.0), Some(26.0), Some(-2.7)]);
    // Tab-separated with padded cells and no header: the tab stays the delimiter.
    let path = write(dir.path(), "tabs.txt", " 1.5\t 2\n 2.5\t 3\n");
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((summary.import.delimiter, summary.import.header_rows, summary.rows, numeric_columns(&summary)), ('\t', 0, 2, 2));
}

#[test]
fn fixed_width_columns_with_d_exponents_and_touching_fields() {
    let dir = tempfile::tempdir().unwrap();
    let text = [
        "   TIME       FLOW       TEMP",
        "    0.0-1.5000D+02 2.0000D+01",
        "    1.0 1.5000D+02-2.0000D+01",
        "   10.0-1.2500D+02 2.5000D+01",
        "  100.0 1.2000D+02           ",
    ]
    .join("\n")
        + "\n";
    let text = text.as_str();
    let path = write(dir.path(), "fixed.txt", text);
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    assert_eq!(imported.settings.column_widths, Some(vec![7, 11, 11]));
    assert_eq!(imported.settings.delimiter, WHITESPACE_DELIMITER);
    let names: Vec<&str> = imported.frame.get_column_names().into_iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["TIME", "FLOW", "TEMP"]);
    let flow: Vec<Option<f64>> = imported.frame.column("FLOW").unwrap().f64().unwrap().iter().collect();
    assert_eq!(flow, [Some(-150.0), Some(150.0), Some(-125.0), Some(120.0)]);
    let temp: Vec<Option<f64>> = imported.frame.column("TEMP").unwrap().f64().unwrap().iter().collect();
    assert_eq!(temp, [Some(20.0), Some(-20.0), Some(25.0), None], "a blank fixed-width cell is missing");
    // The settings replay: the same widths read a new export of the same program.
    let again = import(&path, &overrides_for(&imported.settings), &JobContext::detached()).unwrap();
    assert!(again.frame.equals_missing(&imported.frame));
}

#[test]
fn headerless_files_take_generated_or_given_names_and_replay_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "plc.txt", "1 1.0D+02 3\n2 1.5D+02 4\n3 2.0D+02 5\n");
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    assert_eq!(imported.frame.shape(), (3, 3), "the first row is data, not names");
    assert_eq!(imported.frame.column("col_2").unwrap().f64().unwrap().get(0), Some(100.0));
    assert_eq!(imported.settings.names, None);

    let names = Some(vec!["step".to_owned(), "flow".to_owned(), "valve".to_owned()]);
    let given = ImportOverrides { names: names.clone(), ..ImportOverrides::default() };
    let imported = import(&path, &given, &JobContext::detached()).unwrap();
    let got: Vec<&str> = imported.frame.get_column_names().into_iter().map(|n| n.as_str()).collect();
    assert_eq!(got, ["step", "flow", "valve"]);
    assert_eq!(imported.settings.names, names);
    // A recipe or bundle keeps the settings; reading with them gives the same table.
    let replay = overrides_for(&imported.settings);
    assert_eq!((replay.names.clone(), replay.header_rows, replay.delimiter), (names, Some(0), Some(WHITESPACE_DELIMITER)));
    let again = import(&path, &replay, &JobContext::detached()).unwrap();
    assert!(again.frame.equals_missing(&imported.frame));
    let json = serde_json::to_string(&imported.settings).unwrap();
    assert_eq!(serde_json::from_str::<plantlab_protocol::ImportSettings>(&json).unwrap(), imported.settings);

    // A wrong number of names is refused with what to do.
    let wrong = ImportOverrides { names: Some(vec!["a".into()]), ..ImportOverrides::default() };
    match import(&path, &wrong, &JobContext::detached()) {
        Err(EngineError::BadSetting(detail)) => {
            let message = detail.to_string();
            assert!(message.contains("1 column names were given but the file has 3 columns"), "{message}");
        }
        other => panic!("expected a bad setting, got {:?}", other.map(|i| i.frame.shape())),
    }
    // Forcing a header keeps the first row as names.
    let forced = ImportOverrides { header_rows: Some(1), ..ImportOverrides::default() };
    let imported = import(&path, &forced, &JobContext::detached()).unwrap();
    assert_eq!(imported.frame.height(), 2);
}

#[test]
fn a_file_read_into_one_column_warns_and_says_which_setting_to_try() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "one.txt", cmapss_like(50, 3));
    let comma = ImportOverrides { delimiter: Some(','), ..ImportOverrides::default() };
    let summary = load(&path, &comma);
    assert_eq!(summary.columns.len(), 1);
    let warning = summary.warnings.iter().find(|w| w.contains("one column")).unwrap_or_else(|| panic!("{:?}", summary.warnings));
    assert!(warning.contains("26 numbers") && warning.contains("spaces") && warning.contains("whitespace"), "{warning}");
    // A real one-column file says nothing.
    let path = write(dir.path(), "single.csv", "flow\n1.5\n2.5\n");
    assert!(load(&path, &ImportOverrides::default()).warnings.is_empty());
}

#[test]
fn whitespace_files_streamed_in_many_pieces_read_like_one_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big_te.dat");
    let text = tep_like(60_000, 4);
    std::fs::write(&path, &text).unwrap();
    assert!(text.len() > 32 << 20, "the file must span more than one piece");
    let job = JobContext::detached();
    let streamed = import(&path, &ImportOverrides::default(), &job).unwrap();
    let in_memory = plantlab_engine::import::import_bytes(&path, text.into_bytes(), &ImportOverrides::default(), &job).unwrap();
    assert_eq!(streamed.frame.shape(), (60_000, 52));
    assert!(streamed.frame.equals_missing(&in_memory.frame));
}
