//! The Data pane's import settings for the engineering layouts: a headerless whitespace file
//! shows what was sniffed; the user's delimiter, header, names and widths go to the engine on
//! "Reload" and stay chosen after it; a file read into one column says so where it is seen.

use egui::accesskit::Toggled;
use egui_kittest::kittest::Queryable;
use plantlab_protocol::{ColumnInfo, ColumnKind, DatasetSummary, ImportOverrides, ImportSettings, WHITESPACE_DELIMITER};

use crate::common;
use crate::common::import::{click, numeric, open_import_settings, opened, reload, replace_text, settings_from, toggled, Files};

const ROWS: u64 = 960;
/// A Tennessee-Eastman-like file: 960 rows of 6 numbers padded with runs of spaces, no header.
const SPACED: &str = "/data/d01_te.dat";
/// The same kind of file as an older import read it: every row in one text column.
const ONE_COLUMN: &str = "/data/logger_export.txt";
const ONE_COLUMN_WARNING: &str = "Every row was read into one column, but the lines hold about 6 numbers each, separated by runs of spaces. \
     Set the delimiter to the one between the numbers (\"whitespace\" for runs of spaces or tabs), and the header rows to 0 if the first line is data.";
const FIRST_ROW: &str = "  2.5052000e-01  3.6630000e+03  4.5093000e+03  9.3480000e+00  2.6920000e+01  4.2339000e+01";

/// The engine's readings: sniffed as above without overrides, and with overrides the settings
/// it was given, one numeric column per name or width.
const FILES: Files = Files { sniffed, read_with, table_rows: ROWS, cell: |r| format!("{r}.25") };

fn sniffed(path: &str) -> DatasetSummary {
    if path == ONE_COLUMN {
        let columns = vec![ColumnInfo { name: FIRST_ROW.trim().into(), dtype: "str".into(), kind: ColumnKind::Text, null_count: 0, unit: None }];
        return DatasetSummary {
            path: path.into(),
            rows: ROWS - 1,
            columns,
            timestamp_column: None,
            import: common::plain_csv_settings(),
            warnings: vec![ONE_COLUMN_WARNING.into()],
            warning_codes: Vec::new(),
        };
    }
    let import = ImportSettings { delimiter: WHITESPACE_DELIMITER, header_rows: 0, ..common::plain_csv_settings() };
    DatasetSummary {
        path: path.into(),
        rows: ROWS,
        columns: (1..=6).map(|i| numeric(format!("col_{i}"))).collect(),
        timestamp_column: None,
        import,
        warnings: vec![],
        warning_codes: Vec::new(),
    }
}

/// What the engine reports after reading with `o`: the settings it used, replayable.
fn read_with(path: &str, o: &ImportOverrides) -> DatasetSummary {
    let count = o.names.as_ref().map(Vec::len).or(o.column_widths.as_ref().map(Vec::len)).unwrap_or(6);
    let names: Vec<String> = match &o.names {
        Some(names) => names.clone(),
        None => (1..=count).map(|i| format!("col_{i}")).collect(),
    };
    DatasetSummary {
        path: path.into(),
        rows: ROWS,
        columns: names.into_iter().map(numeric).collect(),
        timestamp_column: None,
        import: settings_from(o),
        warnings: vec![],
        warning_codes: Vec::new(),
    }
}

#[test]
fn the_sniffed_settings_of_a_headerless_whitespace_file_are_shown() {
    let (fake, mut harness) = opened(&FILES, SPACED, 1200.0, 800.0);
    harness.get_by_label_contains("/data/d01_te.dat: 960 rows × 6 columns");
    harness.get_by_label_contains("delimiter whitespace, decimal '.', no header (first row is data)");
    open_import_settings(&mut harness);
    assert_eq!(toggled(&harness, "whitespace"), Some(Toggled::True), "whitespace is the chosen delimiter");
    assert_eq!(toggled(&harness, "comma"), Some(Toggled::False));
    assert_eq!(toggled(&harness, "First row is data (no header)"), Some(Toggled::True), "the first row is data");
    // No header: the rows-count field is not offered, and no column widths for a delimited file.
    assert!(harness.query_by_label("header rows (2 = names + units)").is_none());
    assert!(harness.query_by_label("Column widths (characters, left to right)").is_none());
    // Reload without touching anything replays the sniffed reading, whitespace kept.
    reload(&mut harness);
    let fake = fake.borrow();
    let (path, overrides) = fake.loads().last().cloned().unwrap();
    assert_eq!(path, SPACED);
    let o = overrides.expect("Reload pins the settings");
    assert_eq!((o.delimiter, o.header_rows, o.names, o.column_widths), (Some(WHITESPACE_DELIMITER), Some(0), None, None));
}

#[test]
fn whitespace_no_header_and_names_go_to_the_engine_and_stay_chosen() {
    let (fake, mut harness) = opened(&FILES, ONE_COLUMN, 1200.0, 800.0);
    // The one-column read opened the settings by itself.
    click(&mut harness, "whitespace");
    click(&mut harness, "First row is data (no header)");
    replace_text(&mut harness, "Column names (comma or space separated)", "feed_A, feed_D, feed_E, feed_AC, flow_recycle, reactor_P");
    harness.get_by_label("6 names, one per column, left to right");
    reload(&mut harness);

    let expected = ImportOverrides {
        delimiter: Some(WHITESPACE_DELIMITER),
        decimal: Some('.'),
        encoding: Some("utf-8".into()),
        header_rows: Some(0),
        timestamp_column: None,
        timestamp_format: None,
        status_strings: Some(vec![]),
        sheet: None,
        names: Some(["feed_A", "feed_D", "feed_E", "feed_AC", "flow_recycle", "reactor_P"].map(String::from).to_vec()),
        column_widths: None,
    };
    let loads = fake.borrow().loads();
    assert_eq!(loads.len(), 2, "the open, then the reload");
    assert_eq!(loads[1], (ONE_COLUMN.to_owned(), Some(expected.clone())));

    // The engine read it so; the pane shows the new reading, and the form still holds the
    // user's choices: a second Reload sends exactly the same.
    harness.get_by_label_contains("/data/logger_export.txt: 960 rows × 6 columns");
    harness.get_by_label_contains("delimiter whitespace, decimal '.', no header (first row is data), names given");
    assert!(harness.query_by_label(ONE_COLUMN_WARNING).is_none(), "the new reading has no warning");
    assert!(harness.query_all_by_label("reactor_P").count() >= 2, "the given name in the column list and the table header");
    // The settings stay open after the reload, showing the choices.
    assert_eq!(toggled(&harness, "whitespace"), Some(Toggled::True));
    reload(&mut harness);
    let loads = fake.borrow().loads();
    assert_eq!(loads.len(), 3);
    assert_eq!(loads[2], (ONE_COLUMN.to_owned(), Some(expected)));
}

#[test]
fn fixed_width_columns_go_to_the_engine_as_widths() {
    let (fake, mut harness) = opened(&FILES, ONE_COLUMN, 1200.0, 800.0);
    click(&mut harness, "fixed width");
    // Without widths the form says what it needs instead of sending a guess.
    reload(&mut harness);
    harness.get_by_label_contains("Fixed width needs the column widths");
    assert_eq!(fake.borrow().loads().len(), 1, "nothing sent");
    replace_text(&mut harness, "Column widths (characters, left to right)", "15, 15 15,15,15, 15");
    click(&mut harness, "First row is data (no header)");
    reload(&mut harness);
    let (_, overrides) = fake.borrow().loads().last().cloned().unwrap();
    let o = overrides.unwrap();
    assert_eq!((o.delimiter, o.header_rows, o.column_widths, o.names), (Some(WHITESPACE_DELIMITER), Some(0), Some(vec![15; 6]), None));
    // After the reload the pane shows fixed width with the widths, kept for the next Reload.
    harness.get_by_label_contains("delimiter fixed width (6 columns)");
    assert_eq!(toggled(&harness, "fixed width"), Some(Toggled::True));
    reload(&mut harness);
    let (_, again) = fake.borrow().loads().last().cloned().unwrap();
    assert_eq!(again.unwrap().column_widths, Some(vec![15; 6]));
}

#[test]
fn a_file_read_into_one_column_warns_in_the_pane_with_the_settings_at_hand() {
    for (width, height) in [(1024.0, 640.0), (1200.0, 800.0)] {
        let (_fake, mut harness) = opened(&FILES, ONE_COLUMN, width, height);
        let window = harness.ctx.content_rect().expand(0.5);
        // In the pane (the notice that also says it can be dismissed; this stays).
        let warning = harness.get_by_label(ONE_COLUMN_WARNING).rect();
        assert!(window.contains_rect(warning), "the warning at {warning:?} lies outside the {width}×{height} window");
        harness.get_by_label("Import warning");
        // The settings it names are open and reachable without scrolling.
        for label in ["whitespace", "First row is data (no header)", "Reload with these settings"] {
            let rect = harness.get_by_label(label).rect();
            assert!(window.contains_rect(rect), "{label:?} at {rect:?} lies outside the {width}×{height} window");
        }
        click(&mut harness, "Dismiss");
        assert!(harness.state().notices().is_empty());
        harness.get_by_label(ONE_COLUMN_WARNING);
    }
}
