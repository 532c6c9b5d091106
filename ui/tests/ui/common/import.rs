//! What the import-settings tests share: an engine that answers loads of the files a test
//! describes (what it sniffs in each, what it reads with the user's overrides), the app opened
//! on one of them, and the steps a user takes in the Data pane's import settings.

use std::cell::RefCell;
use std::rc::Rc;

use egui::accesskit::Toggled;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use plantlab_protocol::{
    ColumnInfo, ColumnKind, DatasetSummary, ImportOverrides, ImportSettings, QualityReport, TablePage, TaskEvent, TaskKind, TaskOutcome,
};
use plantlab_ui::{PlantLabApp, Reply, Request};

use super::{app_harness, Answer};

/// How the engine reads one test's files.
pub struct Files {
    /// What it sniffs in the file at a path, without overrides.
    pub sniffed: fn(&str) -> DatasetSummary,
    /// What it reads with overrides: the settings it was given, replayable.
    pub read_with: fn(&str, &ImportOverrides) -> DatasetSummary,
    /// The row count every table page gives.
    pub table_rows: u64,
    /// The text of each cell in a table row.
    pub cell: fn(u64) -> String,
}

/// Answers loads like the engine does for the files `files` describes.
pub struct Engine {
    files: &'static Files,
    /// The file the open dialog picks.
    picked: &'static str,
    next_task: u64,
    /// What the last load read.
    current: Option<DatasetSummary>,
}

pub type Fake = super::Fake<Engine>;

impl Fake {
    /// Every load sent: the path and the overrides.
    pub fn loads(&self) -> Vec<(String, Option<ImportOverrides>)> {
        self.sent
            .iter()
            .filter_map(|r| match r {
                Request::Load { path, overrides } => Some((path.clone(), overrides.clone())),
                _ => None,
            })
            .collect()
    }
}

impl Answer for Engine {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some(self.picked.into()))],
            Request::InitialPath => vec![Reply::InitialPath(None)],
            Request::Load { path, overrides } => {
                self.next_task += 1;
                let task = self.next_task;
                let summary = match &overrides {
                    Some(o) => (self.files.read_with)(&path, o),
                    None => (self.files.sniffed)(&path),
                };
                self.current = Some(summary.clone());
                vec![
                    Reply::Task(TaskEvent::started(task, TaskKind::Load, format!("Loading {path}"))),
                    Reply::Task(TaskEvent::Finished { task, outcome: TaskOutcome::Loaded(summary) }),
                ]
            }
            Request::Report => self.current.as_ref().map(|s| Reply::Report(report(s))).into_iter().collect(),
            Request::Page(page) => {
                let columns: Vec<String> = self.current.as_ref().map(|s| s.columns.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
                let total_rows = self.files.table_rows;
                let end = (page.offset + page.limit).min(total_rows);
                let rows = (page.offset..end).map(|r| columns.iter().map(|_| Some((self.files.cell)(r))).collect()).collect();
                vec![Reply::Page(TablePage { offset: page.offset, total_rows, columns, rows })]
            }
            // Plot, histogram and the other panes are tested elsewhere.
            _ => vec![],
        }
    }
}

/// The quality report of a reading: its settings and warnings, no findings.
fn report(summary: &DatasetSummary) -> QualityReport {
    QualityReport {
        rows: summary.rows,
        columns: vec![],
        timestamp_column: None,
        sampling_interval_s: None,
        import: summary.import.clone(),
        import_warnings: summary.warnings.clone(),
        import_warning_codes: Vec::new(),
        findings: vec![],
    }
}

/// A numeric column named `name`.
pub fn numeric(name: impl Into<String>) -> ColumnInfo {
    ColumnInfo { name: name.into(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 0, unit: None }
}

/// The settings the engine reads with under the overrides `o`: each one given, the rest as for
/// a plain CSV file.
pub fn settings_from(o: &ImportOverrides) -> ImportSettings {
    ImportSettings {
        delimiter: o.delimiter.unwrap_or(','),
        decimal: o.decimal.unwrap_or('.'),
        encoding: o.encoding.clone().unwrap_or_else(|| "utf-8".into()),
        encoding_confidence: None,
        header_rows: o.header_rows.unwrap_or(1),
        names: o.names.clone(),
        column_widths: o.column_widths.clone(),
        timestamp_column: o.timestamp_column.clone(),
        timestamp_format: o.timestamp_format.clone(),
        status_strings: o.status_strings.clone().unwrap_or_default(),
        sheet: o.sheet.clone(),
    }
}

/// The app in a `width` × `height` window on an engine reading `files`, with `picked` opened.
pub fn opened(files: &'static Files, picked: &'static str, width: f32, height: f32) -> (Rc<RefCell<Fake>>, Harness<'static, PlantLabApp>) {
    let fake = Rc::new(RefCell::new(Fake::new(Engine { files, picked, next_task: 0, current: None })));
    let mut harness = app_harness(fake.clone(), width, height);
    settle(&mut harness);
    harness.get_by_label("Open…").click();
    settle(&mut harness);
    (fake, harness)
}

/// Runs frames until the UI is still: opening the settings animates and shows a scroll bar,
/// which takes a few more frames than `run` allows.
pub fn settle(harness: &mut Harness<'static, PlantLabApp>) {
    harness.run_steps(8);
}

/// Opens the import settings unless they are open already.
pub fn open_import_settings(harness: &mut Harness<'static, PlantLabApp>) {
    if harness.query_by_label("Reload with these settings").is_none() {
        harness.get_by_label_contains("Import settings:").click();
        settle(harness);
    }
}

pub fn click(harness: &mut Harness<'static, PlantLabApp>, label: &str) {
    harness.get_by_label(label).click();
    settle(harness);
}

pub fn reload(harness: &mut Harness<'static, PlantLabApp>) {
    click(harness, "Reload with these settings");
}

/// Reloads and returns the overrides the Reload sent.
pub fn reloaded(fake: &Rc<RefCell<Fake>>, harness: &mut Harness<'static, PlantLabApp>) -> ImportOverrides {
    reload(harness);
    let last = fake.borrow().loads().pop();
    last.and_then(|(_, overrides)| overrides).expect("Reload sends the settings")
}

/// Selects all of the text field labelled `label` and types `text` over it.
pub fn replace_text(harness: &mut Harness<'static, PlantLabApp>, label: &str, text: &str) {
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

pub fn field_text(harness: &Harness<'static, PlantLabApp>, label: &str) -> String {
    harness.get_by_label(label).accesskit_node().value().unwrap_or_default()
}

pub fn toggled(harness: &Harness<'static, PlantLabApp>, label: &str) -> Option<Toggled> {
    harness.get_by_label(label).accesskit_node().toggled()
}
