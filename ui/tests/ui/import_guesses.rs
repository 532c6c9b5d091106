//! Each guess the importer makes about an engineering text file is shown in the Data pane's
//! import settings and can be overridden there: sniffed fixed widths (shown as numbers, replaced
//! by whitespace), a sniffed header (turned into a first row of data), the decimal mark, names
//! replayed from earlier settings (cleared to take the file's again), and the warning about a
//! table stored one variable per row.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use egui::accesskit::Toggled;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_protocol::{
    ColumnInfo, ColumnKind, DatasetSummary, ImportOverrides, ImportSettings, QualityReport, TablePage, TaskEvent, TaskKind, TaskOutcome,
    WHITESPACE_DELIMITER,
};
use plantlab_ui::{PlantLabApp, Reply, Request};

use crate::common;

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

#[derive(Default)]
struct Engine {
    next_task: u64,
    picked: &'static str,
    current: Option<DatasetSummary>,
}

type Fake = common::Fake<Engine>;

fn numeric(name: &str) -> ColumnInfo {
    ColumnInfo { name: name.into(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 0, unit: None }
}

fn summary(path: &str, import: ImportSettings, names: &[&str], warnings: Vec<String>) -> DatasetSummary {
    DatasetSummary { path: path.into(), rows: ROWS, columns: names.iter().map(|n| numeric(n)).collect(), timestamp_column: None, import, warnings }
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
    let import = ImportSettings {
        delimiter: o.delimiter.unwrap_or(','),
        decimal: o.decimal.unwrap_or('.'),
        encoding: o.encoding.clone().unwrap_or_else(|| "utf-8".into()),
        header_rows: o.header_rows.unwrap_or(1),
        names: o.names.clone(),
        column_widths: o.column_widths.clone(),
        timestamp_column: o.timestamp_column.clone(),
        timestamp_format: o.timestamp_format.clone(),
        status_strings: o.status_strings.clone().unwrap_or_default(),
        sheet: o.sheet.clone(),
    };
    let names: Vec<String> = o.names.clone().unwrap_or_else(|| (1..=3).map(|i| format!("col_{i}")).collect());
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    summary(path, import, &names, vec![])
}

impl common::Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some(self.picked.into()))],
            Request::InitialPath => vec![Reply::InitialPath(None)],
            Request::Load { path, overrides } => {
                self.next_task += 1;
                let task = self.next_task;
                let summary = match &overrides {
                    Some(o) => read_with(&path, o),
                    None => sniffed(&path),
                };
                self.current = Some(summary.clone());
                vec![
                    Reply::Task(TaskEvent::Started { task, kind: TaskKind::Load, label: format!("Loading {path}") }),
                    Reply::Task(TaskEvent::Finished { task, outcome: TaskOutcome::Loaded(summary) }),
                ]
            }
            Request::Report => self
                .current
                .as_ref()
                .map(|s| {
                    Reply::Report(QualityReport {
                        rows: s.rows,
                        columns: vec![],
                        timestamp_column: None,
                        sampling_interval_s: None,
                        import: s.import.clone(),
                        import_warnings: s.warnings.clone(),
                        findings: vec![],
                    })
                })
                .into_iter()
                .collect(),
            Request::Page(page) => {
                let columns: Vec<String> = self.current.as_ref().map(|s| s.columns.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
                let end = (page.offset + page.limit).min(ROWS);
                let rows = (page.offset..end).map(|r| columns.iter().map(|_| Some(format!("{r}.5"))).collect()).collect();
                vec![Reply::Page(TablePage { offset: page.offset, total_rows: ROWS, columns, rows })]
            }
            _ => vec![],
        }
    }
}

fn opened(picked: &'static str) -> (Rc<RefCell<Fake>>, Harness<'static, PlantLabApp>) {
    let fake = Rc::new(RefCell::new(Fake::new(Engine { picked, ..Engine::default() })));
    let mut harness = common::app_harness(fake.clone(), 1200.0, 800.0);
    settle(&mut harness);
    harness.get_by_label("Open…").click();
    settle(&mut harness);
    (fake, harness)
}

fn settle(harness: &mut Harness<'static, PlantLabApp>) {
    harness.run_steps(8);
}

fn open_import_settings(harness: &mut Harness<'static, PlantLabApp>) {
    if harness.query_by_label("Reload with these settings").is_none() {
        harness.get_by_label_contains("Import settings:").click();
        settle(harness);
    }
}

fn click(harness: &mut Harness<'static, PlantLabApp>, label: &str) {
    harness.get_by_label(label).click();
    settle(harness);
}

/// The overrides the last Reload sent.
fn reloaded(fake: &Rc<RefCell<Fake>>, harness: &mut Harness<'static, PlantLabApp>) -> ImportOverrides {
    click(harness, "Reload with these settings");
    let sent = fake.borrow().sent.clone();
    let last = sent.iter().rev().find_map(|r| match r {
        Request::Load { overrides, .. } => Some(overrides.clone()),
        _ => None,
    });
    last.flatten().expect("Reload sends the settings")
}

/// Selects all of a text field and types `text` over it.
fn replace_text(harness: &mut Harness<'static, PlantLabApp>, label: &str, text: &str) {
    harness.get_by_label(label).click();
    settle(harness);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    settle(harness);
    if !text.is_empty() {
        harness.get_by_label(label).type_text(text);
        settle(harness);
    }
}

fn field_text(harness: &Harness<'static, PlantLabApp>, label: &str) -> String {
    harness.get_by_label(label).accesskit_node().value().unwrap_or_default()
}

fn toggled(harness: &Harness<'static, PlantLabApp>, label: &str) -> Option<Toggled> {
    harness.get_by_label(label).accesskit_node().toggled()
}

#[test]
fn sniffed_fixed_widths_are_shown_and_whitespace_replaces_them() {
    let (fake, mut harness) = opened(FIXED);
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
    let (fake, mut harness) = opened(NAMED);
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
    let (fake, mut harness) = opened(REPLAYED);
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
    let (_fake, harness) = opened(TRANSPOSED);
    harness.get_by_label_contains("/data/d00.dat: 52 rows × 500 columns");
    harness.get_by_label("Import warning");
    let window = harness.ctx.content_rect().expand(0.5);
    let warning = harness.get_by_label(TRANSPOSED_WARNING).rect();
    assert!(window.contains_rect(warning), "the warning at {warning:?} lies outside the window");
}
