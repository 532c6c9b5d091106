//! Each guess the importer makes about an engineering text file is shown in the Data pane's
//! import settings and can be overridden there: sniffed fixed widths (shown as numbers, replaced
//! by whitespace), a sniffed header (turned into a first row of data), the decimal mark, names
//! replayed from earlier settings (cleared to take the file's again), and the warning about a
//! table stored one variable per row.

use egui::accesskit::Toggled;
use egui_kittest::kittest::Queryable;
use plantlab_protocol::{DatasetSummary, ImportOverrides, ImportSettings, WHITESPACE_DELIMITER};

use crate::common;
use crate::common::import::{click, field_text, numeric, open_import_settings, opened, reloaded, replace_text, settings_from, toggled, Files};

const ROWS: u64 = 200;
/// A Fortran program's output in fixed-width columns, sniffed as widths 7, 11, 11.
const FIXED: &str = "/data/fortran.out";
/// A whitespace-separated file whose first row the sniffer took for names.
const NAMED: &str = "/data/plc_log.txt";
/// A file read earlier with names the user gave; the engine reports them back.
const REPLAYED: &str = "/data/week2.dat";
/// The Tennessee Eastman d00.dat: one variable per row.
const TRANSPOSED: &str = "/data/d00.dat";
const TRANSPOSED_WARNING: &str =
    "The file has 52 rows and 500 columns of numbers and no header: PlantLab reads each column as one tag and each row as \
     one sample, so if each row holds one variable over time, transpose the file (one column per tag) before importing it.";

/// The engine's readings: sniffed as above without overrides, and with overrides the settings
/// it was given, three numeric columns unless names were given.
const FILES: Files = Files { sniffed, read_with, table_rows: ROWS, cell: |r| format!("{r}.5") };

fn summary(path: &str, import: ImportSettings, names: &[&str], warnings: Vec<String>) -> DatasetSummary {
    DatasetSummary {
        path: path.into(),
        rows: ROWS,
        columns: names.iter().map(|&n| numeric(n)).collect(),
        timestamp_column: None,
        import,
        warnings,
        warning_codes: Vec::new(),
    }
}

/// What the engine sniffs for each file without overrides.
fn sniffed(path: &str) -> DatasetSummary {
    let whitespace = ImportSettings { delimiter: WHITESPACE_DELIMITER, ..common::plain_csv_settings() };
    match path {
        FIXED => {
            let import = ImportSettings { column_widths: Some(vec![7, 11, 11]), ..whitespace };
            summary(path, import, &["TIME", "FLOW", "TEMP"], vec![])
        }
        NAMED => summary(path, whitespace, &["run", "1.5", "2"], vec![]),
        REPLAYED => {
            let import = ImportSettings { header_rows: 0, names: Some(vec!["feed".into(), "reactor pressure".into(), "purge".into()]), ..whitespace };
            summary(path, import, &["feed", "reactor pressure", "purge"], vec![])
        }
        _ => {
            let import = ImportSettings { header_rows: 0, ..whitespace };
            let names: Vec<String> = (1..=500).map(|i| format!("col_{i}")).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            DatasetSummary { rows: 52, ..summary(path, import, &names, vec![TRANSPOSED_WARNING.into()]) }
        }
    }
}

/// The engine's reading with overrides: the settings it was given.
fn read_with(path: &str, o: &ImportOverrides) -> DatasetSummary {
    let names: Vec<String> = o.names.clone().unwrap_or_else(|| (1..=3).map(|i| format!("col_{i}")).collect());
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    summary(path, settings_from(o), &names, vec![])
}

#[test]
fn sniffed_fixed_widths_are_shown_and_whitespace_replaces_them() {
    let (fake, mut harness) = opened(&FILES, FIXED, 1200.0, 800.0);
    harness.get_by_label_contains("delimiter fixed width (3 columns)");
    open_import_settings(&mut harness);
    assert_eq!(toggled(&harness, "fixed width"), Some(Toggled::True));
    assert_eq!(toggled(&harness, "whitespace"), Some(Toggled::False));
    assert_eq!(field_text(&harness, "Column widths (characters, left to right)"), "7, 11, 11");
    // Untouched, Reload replays the sniffed widths.
    let o = reloaded(&fake, &mut harness);
    assert_eq!((o.delimiter, o.column_widths.clone()), (Some(WHITESPACE_DELIMITER), Some(vec![7, 11, 11])));
    // Whitespace instead: the widths are not sent and their field goes away.
    click(&mut harness, "whitespace");
    assert!(harness.query_by_label("Column widths (characters, left to right)").is_none());
    let o = reloaded(&fake, &mut harness);
    assert_eq!((o.delimiter, o.column_widths), (Some(WHITESPACE_DELIMITER), None));
    harness.get_by_label_contains("delimiter whitespace");
}

#[test]
fn a_sniffed_header_and_decimal_mark_are_overridden() {
    let (fake, mut harness) = opened(&FILES, NAMED, 1200.0, 800.0);
    harness.get_by_label_contains("delimiter whitespace, decimal '.'");
    open_import_settings(&mut harness);
    assert_eq!(toggled(&harness, "First row is data (no header)"), Some(Toggled::False), "the sniffer took the first row for names");
    assert_eq!(field_text(&harness, "Decimal separator"), ".");
    click(&mut harness, "First row is data (no header)");
    assert!(harness.query_by_label("header rows (2 = names + units)").is_none());
    replace_text(&mut harness, "Decimal separator", ",");
    let o = reloaded(&fake, &mut harness);
    assert_eq!((o.delimiter, o.header_rows, o.decimal), (Some(WHITESPACE_DELIMITER), Some(0), Some(',')));
    harness.get_by_label_contains("no header (first row is data)");
    // The columns are named by the engine now: col_1 …
    assert!(harness.query_all_by_label("col_1").count() >= 1);
}

#[test]
fn replayed_names_are_shown_and_cleared_to_take_the_files_own() {
    let (fake, mut harness) = opened(&FILES, REPLAYED, 1200.0, 800.0);
    harness.get_by_label_contains("names given");
    open_import_settings(&mut harness);
    assert_eq!(field_text(&harness, "Column names (comma or space separated)"), "feed, reactor pressure, purge");
    harness.get_by_label("3 names, one per column, left to right");
    let o = reloaded(&fake, &mut harness);
    assert_eq!(o.names, Some(vec!["feed".to_owned(), "reactor pressure".to_owned(), "purge".to_owned()]));
    // Cleared: no names are sent, so the engine names the columns again.
    replace_text(&mut harness, "Column names (comma or space separated)", "");
    assert_eq!(field_text(&harness, "Column names (comma or space separated)"), "");
    let o = reloaded(&fake, &mut harness);
    assert_eq!((o.names, o.header_rows), (None, Some(0)));
    assert!(harness.query_all_by_label("col_2").count() >= 1);
}

#[test]
fn a_table_stored_one_variable_per_row_warns_in_the_pane() {
    let (_fake, harness) = opened(&FILES, TRANSPOSED, 1200.0, 800.0);
    harness.get_by_label_contains("/data/d00.dat: 52 rows × 500 columns");
    harness.get_by_label("Import warning");
    let window = harness.ctx.content_rect().expand(0.5);
    let warning = harness.get_by_label(TRANSPOSED_WARNING).rect();
    assert!(window.contains_rect(warning), "the warning at {warning:?} lies outside the window");
}
