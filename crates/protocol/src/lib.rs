//! Data types exchanged between the PlantLab UI and its backend (the desktop shell, or an
//! in-process fake in tests). Only serde: this crate must compile to wasm32.
//!
//! Heavy data never crosses this boundary: the engine keeps the frame and the UI asks for
//! pages, summaries and decimated series.
//!
//! Non-finite numbers: JSON has no NaN or infinity (serde_json writes them as `null`, which
//! does not read back into an `f64`). Every float field of every type here is written through
//! [`float`] (`#[serde(with = "crate::float")]`): NaN as the string `"NaN"`, ±∞ as `"inf"` /
//! `"-inf"`, finite values as numbers. `null` only means an absent `Option`. A new float field
//! needs the same attribute; the round-trip test in `tests/round_trip.rs` covers every type.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod float;

pub mod clean;
pub use clean::*;
pub mod train;
pub use train::*;
pub mod evaluate;
pub use evaluate::*;
pub mod normal;
pub use normal::*;

/// Identifier of a background task (load, profile, train, ...), unique within one app run.
pub type TaskId = u64;

/// An error as the user sees it: a stable machine-readable code and a sentence that says
/// what went wrong and what to do next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    /// The sentence in English, for scripts and older readers. The UI and the command line word
    /// the error from its key ([`ApiError::message_key`]) and `args` instead, in the user's
    /// language, and show this where they cannot (an error without arguments, a newer code).
    pub message: String,
    /// Which sentence of its code the error is, where a code has several (`""` for the code's
    /// usual one; e.g. `unreadable` for a `parse_error` of a binary table). Stable, snake_case.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// The values the sentence names, by the catalogue's argument names (`path`, `detail`…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, MessageArg>,
}

impl ApiError {
    /// An error with only its English sentence (no arguments to word it by).
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), variant: String::new(), args: BTreeMap::new() }
    }

    /// An error the edges word from its code, variant and arguments; `message` is its English.
    pub fn coded(code: impl Into<String>, variant: impl Into<String>, args: BTreeMap<String, MessageArg>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), variant: variant.into(), args }
    }

    /// The catalogue key of the error's sentence: `error-<code>` or `error-<code>-<variant>`,
    /// kebab case (`error-not-found`).
    pub fn message_key(&self) -> String {
        message_key("error", &self.code, &self.variant)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

/// Broad kind of a column, enough for the UI to decide what it can plot or bin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Numeric,
    Boolean,
    Timestamp,
    Text,
    Other,
}

/// One column of a loaded data set as listed in the Data pane and by `plantlab info`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    pub name: String,
    /// The storage type as the engine holds it, e.g. `f64`, `i64`, `str`, `datetime[ms]`.
    pub dtype: String,
    pub kind: ColumnKind,
    pub null_count: u64,
    /// From a units row in the export, e.g. `°C`.
    pub unit: Option<String>,
}

/// What the UI needs to know about the data set that is open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    /// The file as the user named it.
    pub path: String,
    pub rows: u64,
    pub columns: Vec<ColumnInfo>,
    /// The column used as the time axis, if the engine found one.
    pub timestamp_column: Option<String>,
    /// How the file was read (sniffed or as the user set it).
    pub import: ImportSettings,
    /// What the user should know about the import: guesses, repairs, DST repeats. In English,
    /// for scripts and older readers; the edges word `warning_codes` instead.
    pub warnings: Vec<String>,
    /// The same warnings as codes and arguments (catalogue key `import-<code>`), one per entry
    /// of `warnings` in the same order; empty from an older engine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warning_codes: Vec<CodedSentence>,
}

impl DatasetSummary {
    /// Columns that can be drawn as a line over time or row index.
    pub fn numeric_columns(&self) -> impl Iterator<Item = &ColumnInfo> {
        self.columns.iter().filter(|c| matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean))
    }
}

/// A request for a window of rows, rendered as text for the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u64,
}

/// Rows `offset .. offset + rows.len()` of the open data set, each cell already formatted.
/// A missing value is `None`, so the UI can mark it rather than show an empty string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePage {
    pub offset: u64,
    pub total_rows: u64,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// A request for one numeric column over a range of the x axis (row index or time in
/// seconds since the Unix epoch), reduced to at most `max_points` buckets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesRequest {
    pub column: String,
    /// Visible x range; `None` means the whole data set.
    #[serde(with = "crate::float", default)]
    pub x_range: Option<(f64, f64)>,
    pub max_points: u32,
    /// Centre the range on this row (about 200 rows around it), overriding `x_range`:
    /// used to jump to a finding.
    #[serde(default)]
    pub focus_row: Option<u64>,
    /// Rows to mark on the plot (a finding's places); answered in `Series::marks`.
    #[serde(default)]
    pub mark_rows: Vec<u64>,
}

impl SeriesRequest {
    pub fn whole(column: impl Into<String>, max_points: u32) -> Self {
        Self { column: column.into(), x_range: None, max_points, focus_row: None, mark_rows: Vec::new() }
    }
}

/// A request for a histogram of one numeric column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramRequest {
    pub column: String,
    pub bins: u32,
}

/// Counts of finite values in equal-width bins between `min` and `max`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub column: String,
    #[serde(with = "crate::float")]
    pub min: f64,
    #[serde(with = "crate::float")]
    pub max: f64,
    pub counts: Vec<u64>,
    /// Values that were missing or not finite.
    pub missing: u64,
}

/// What the x values of a series mean.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "column")]
pub enum XAxis {
    RowIndex,
    /// Seconds since the Unix epoch, from the named timestamp column.
    Time(String),
}

/// A column reduced for drawing: one point per bucket with the bucket's minimum and maximum,
/// so spikes survive decimation. When nothing was reduced, `y_min == y_max`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub column: String,
    pub x_axis: XAxis,
    #[serde(with = "crate::float")]
    pub x: Vec<f64>,
    #[serde(with = "crate::float")]
    pub y_min: Vec<f64>,
    #[serde(with = "crate::float")]
    pub y_max: Vec<f64>,
    /// Rows in the requested range before reduction.
    pub source_rows: u64,
    /// Full x extent of the data, so the UI can offer "reset zoom".
    #[serde(with = "crate::float", default)]
    pub x_extent: Option<(f64, f64)>,
    pub decimated: bool,
    /// The x range this series covers (what the plot should show after a focus request).
    #[serde(with = "crate::float", default)]
    pub x_range: Option<(f64, f64)>,
    /// (x, y) of the requested `mark_rows`; y is NaN where the value is missing.
    #[serde(default)]
    #[serde(with = "crate::float")]
    pub marks: Vec<(f64, f64)>,
}

/// What the Data pane reports once it has drawn a data set: for the log, and for the
/// end-to-end test that checks the window really shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaintReport {
    pub rows: u64,
    pub columns: usize,
    pub plot_column: String,
    /// Plot area in logical pixels: x, y, width, height.
    #[serde(with = "crate::float")]
    pub plot_rect: [f32; 4],
    /// The language the UI drew in (its tag, `en` or `zh-CN`); empty from an older UI.
    #[serde(default)]
    pub lang: String,
}

/// Where the controls of a user's journey are on screen (logical pixels), reported by the UI
/// whenever they change, so an end-to-end test can click them in the real window: the webview
/// shows one canvas, with no document to ask where a button is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WidgetReport {
    pub widgets: Vec<WidgetMark>,
}

/// One control: a stable id (e.g. `tab:Clean`, `clean:apply`) and its rect: x, y, width, height.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WidgetMark {
    pub id: String,
    #[serde(with = "crate::float")]
    pub rect: [f32; 4],
}

/// What a background task is doing, shown in the status bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Load,
    /// Replaying cleaning steps (a loaded recipe, or the history after an edit).
    Clean,
    Train,
    /// Applying a model bundle to a new export.
    Predict,
    /// Scoring a run or a bundle on labelled data.
    Evaluate,
}

/// Streamed from a background task to the UI, in order. Exactly one of `Finished`, `Failed`
/// or `Cancelled` ends the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
// A few hundred bytes per event, sent a few times a second: boxing the outcome would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum TaskEvent {
    /// `label` names the task in English words, for scripts and older readers; the edges word
    /// `label_code` (catalogue key `task-<code>`) and `label_args` instead.
    Started {
        task: TaskId,
        kind: TaskKind,
        label: String,
        /// Stable, kebab case (`loading`, `training`); empty from an older engine.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        label_code: String,
        /// The values the label names (`file`, `model`…).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        label_args: BTreeMap<String, MessageArg>,
    },
    /// `fraction` in 0..=1; `stage` says what is happening now in English words, for scripts
    /// and older readers; the edges word `stage_code` (catalogue key `stage-<code>`) and
    /// `stage_args` in the user's language instead.
    Progress {
        task: TaskId,
        #[serde(with = "crate::float")]
        fraction: f32,
        stage: String,
        /// Stable, kebab case (`reading-file`, `epoch`); empty from an older engine.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        stage_code: String,
        /// The values the stage's sentence names (`epoch`, `epochs`…).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        stage_args: BTreeMap<String, MessageArg>,
    },
    /// Metrics of a training task as they happen (epochs always arrive; batches may be thinned).
    Train {
        task: TaskId,
        update: TrainUpdate,
    },
    Finished {
        task: TaskId,
        outcome: TaskOutcome,
    },
    Failed {
        task: TaskId,
        error: ApiError,
    },
    Cancelled {
        task: TaskId,
    },
}

impl TaskEvent {
    /// A task's start with only its English label (no code to word it by), as an older engine
    /// sent it and as tests build one.
    pub fn started(task: TaskId, kind: TaskKind, label: impl Into<String>) -> TaskEvent {
        TaskEvent::Started { task, kind, label: label.into(), label_code: String::new(), label_args: BTreeMap::new() }
    }

    pub fn task(&self) -> TaskId {
        match self {
            TaskEvent::Started { task, .. }
            | TaskEvent::Progress { task, .. }
            | TaskEvent::Train { task, .. }
            | TaskEvent::Finished { task, .. }
            | TaskEvent::Failed { task, .. }
            | TaskEvent::Cancelled { task } => *task,
        }
    }

    pub fn is_terminal(&self) -> bool {
        !matches!(self, TaskEvent::Started { .. } | TaskEvent::Progress { .. } | TaskEvent::Train { .. })
    }
}

/// How long the UI's frames took while a model trained (the UI stays responsive: budget 16 ms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameStats {
    pub frames: u64,
    #[serde(with = "crate::float")]
    pub p95_ms: f64,
    #[serde(with = "crate::float")]
    pub max_ms: f64,
}

/// The result a finished task hands back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
// One per finished task: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum TaskOutcome {
    Loaded(DatasetSummary),
    Cleaned(CleanSummary),
    /// A training run that ended normally or by early stopping (cancel ends with `Cancelled`).
    Trained(RunSummary),
    Predicted(Box<PredictionResult>),
    Evaluated(Box<Evaluation>),
    /// A normal-operation run that finished (cancel ends with `Cancelled`).
    NormalTrained(Box<NormalRunSummary>),
    NormalEvaluated(Box<NormalEvaluation>),
    NormalPredicted(Box<NormalPrediction>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(0.36), "0.4 s");
        assert_eq!(format_duration(3.0), "3 s");
        assert_eq!(format_duration(40.0), "40 s");
        assert_eq!(format_duration(900.0), "15 min");
        assert_eq!(format_duration(8100.0), "2 h 15 min");
        assert_eq!(format_duration(7200.0), "2 h");
        assert_eq!(format_duration(3.0 * 86_400.0 + 4.0 * 3600.0), "3 d 4 h");
        assert_eq!(format_duration(-600.0), "-10 min");
        assert_eq!(format_duration(30.0), "30 s");
        assert_eq!(format_duration(-900.0), "-15 min");
        assert_eq!(format_duration(f64::NAN), "–");
        // Fast sampling keeps its milliseconds; zero is "0 s".
        assert_eq!(format_duration(0.05), "0.05 s");
        assert_eq!(format_duration(0.001), "0.001 s");
        assert_eq!(format_duration(0.0), "0 s");
        assert_eq!(format_duration(0.5), "0.5 s");
        // Under ten minutes the seconds are kept; a value that rounds to a minute reads as one.
        assert_eq!(format_duration(60.0), "1 min");
        assert_eq!(format_duration(59.7), "1 min");
        assert_eq!(format_duration(90.0), "1 min 30 s");
        assert_eq!(format_duration(-150.0), "-2 min 30 s");
        assert_eq!(format_duration(599.0), "9 min 59 s");
        assert_eq!(format_duration(1860.0), "31 min");
        assert_eq!(format_duration(7500.0), "2 h 5 min");
    }

    #[test]
    fn counts_are_grouped_in_thousands() {
        assert_eq!(format_count(1_234_567), "1,234,567");
        assert_eq!(format_count(12), "12");
        assert_eq!(format_count(0), "0");
    }

    #[test]
    fn task_events_round_trip_through_json() {
        let events = vec![
            TaskEvent::started(1, TaskKind::Load, "a.csv"),
            TaskEvent::Progress { task: 1, fraction: 0.5, stage: "parsing".into(), stage_code: String::new(), stage_args: BTreeMap::new() },
            TaskEvent::Progress {
                task: 1,
                fraction: 0.5,
                stage: "epoch 2/5".into(),
                stage_code: "epoch".into(),
                stage_args: message_args([("epoch", 2u64.into()), ("epochs", 5u64.into())]),
            },
            TaskEvent::Failed { task: 1, error: ApiError::new("empty_file", "The file is empty.") },
            TaskEvent::Cancelled { task: 1 },
        ];
        for event in events {
            let json = serde_json::to_string(&event).unwrap_or_default();
            let back: TaskEvent = serde_json::from_str(&json).unwrap_or(TaskEvent::Cancelled { task: 99 });
            assert_eq!(back, event, "{json}");
        }
    }

    #[test]
    fn only_end_events_are_terminal() {
        assert!(!TaskEvent::Progress { task: 3, fraction: 0.1, stage: String::new(), stage_code: String::new(), stage_args: BTreeMap::new() }
            .is_terminal());
        assert!(TaskEvent::Cancelled { task: 3 }.is_terminal());
        assert_eq!(TaskEvent::Cancelled { task: 3 }.task(), 3);
    }

    #[test]
    fn formats_epoch_millis() {
        assert_eq!(format_epoch_millis(0), "1970-01-01 00:00:00");
        assert_eq!(format_epoch_millis(1_709_210_096_999), "2024-02-29 12:34:56");
        assert_eq!(format_epoch_millis(-1000), "1969-12-31 23:59:59");
    }

    #[test]
    fn numeric_columns_skip_text() {
        let summary = DatasetSummary {
            path: "x.csv".into(),
            rows: 2,
            columns: vec![
                ColumnInfo { name: "a".into(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 0, unit: None },
                ColumnInfo { name: "b".into(), dtype: "str".into(), kind: ColumnKind::Text, null_count: 1, unit: None },
            ],
            timestamp_column: None,
            import: ImportSettings {
                delimiter: ',',
                decimal: '.',
                encoding: "utf-8".into(),
                encoding_confidence: None,
                header_rows: 1,
                timestamp_column: None,
                timestamp_format: None,
                status_strings: vec![],
                sheet: None,
                names: None,
                column_widths: None,
            },
            warnings: vec![],
            warning_codes: vec![],
        };
        let names: Vec<_> = summary.numeric_columns().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Import settings and the quality report
// ---------------------------------------------------------------------------------------------

/// How a file was (or should be) read. Every field is sniffed when the user does not set it,
/// and the settings used are reported back so the same import can be replayed exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportSettings {
    /// Field separator: `,` `;` tab or `|`, or [`WHITESPACE_DELIMITER`] (a space) for runs of
    /// spaces and tabs (leading and trailing whitespace ignored) and for fixed-width columns.
    pub delimiter: char,
    /// Decimal separator: `.` or `,`.
    pub decimal: char,
    /// `utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`, `gb18030` (also GBK and GB2312), `big5`,
    /// `shift_jis` or `windows-1252`.
    pub encoding: String,
    /// How sure the sniffer was of `encoding`, from 0 to 1 (1: a byte-order mark or text that
    /// only one encoding reads); `None` when the user set the encoding or nothing was sniffed
    /// (Parquet, Excel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "crate::float")]
    pub encoding_confidence: Option<f32>,
    /// Lines before the data: 0 (no header: the first line is data), 1 (header) or 2
    /// (header + units row).
    pub header_rows: u32,
    /// Column names the user gave (in place of the header's, or for a file without one);
    /// `None` when they come from the header or are `col_1`, `col_2`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// Widths in bytes of fixed-width columns, left to right (the last runs to the line end);
    /// `None` for a delimited file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_widths: Option<Vec<u32>>,
    /// The timestamp column, if any.
    pub timestamp_column: Option<String>,
    /// The timestamp format as a chrono pattern, or `epoch_s` / `epoch_ms`.
    pub timestamp_format: Option<String>,
    /// Texts that historians write into numeric cells ("Bad Input", "I/O Timeout", …);
    /// they become missing values and are counted per column.
    pub status_strings: Vec<String>,
    /// Worksheet for .xlsx files (first sheet when `None`).
    pub sheet: Option<String>,
}

/// The status texts treated as missing values unless the user edits the list.
pub const DEFAULT_STATUS_STRINGS: &[&str] = &[
    "Bad Input",
    "Bad",
    "I/O Timeout",
    "Shutdown",
    "Calc Failed",
    "No Data",
    "Comm Fail",
    "Scan Off",
    "Pt Created",
    "Under Range",
    "Over Range",
    "Out of Serv",
    "Configure",
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NUM!",
    "N/A",
    "NaN",
    "null",
];

/// Overrides the user chose in the import panel; `None` means "sniff it".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportOverrides {
    /// `,` `;` tab `|`, or [`WHITESPACE_DELIMITER`] for runs of spaces and tabs.
    pub delimiter: Option<char>,
    pub decimal: Option<char>,
    pub encoding: Option<String>,
    /// 0 (no header), 1 (names) or 2 (names and units).
    pub header_rows: Option<u32>,
    pub timestamp_column: Option<String>,
    pub timestamp_format: Option<String>,
    pub status_strings: Option<Vec<String>>,
    pub sheet: Option<String>,
    /// Column names, left to right, one per column (replacing the header's, if any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// Fixed-width columns of these widths in bytes (the last runs to the line end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_widths: Option<Vec<u32>>,
}

/// The delimiter that stands for runs of spaces and tabs (and for fixed-width columns, which
/// also give `column_widths`).
pub const WHITESPACE_DELIMITER: char = ' ';

/// The quality vocabulary (DESIGN.md). Serialized in snake_case, e.g. `duplicate_timestamps`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Missing,
    StatusText,
    DuplicateRows,
    DuplicateTimestamps,
    UnsortedTimestamps,
    Gap,
    Flatline,
    Spike,
    OutOfRange,
    UnitJump,
    Constant,
    HighCardinality,
    LabelImbalance,
    /// The unit was stopped (its flow, current and speed near zero together): an operating
    /// state, not a data fault. Counts the stopped rows.
    Shutdown,
}

impl FindingKind {
    /// Every kind, for the catalogue tests.
    pub const ALL: [FindingKind; 14] = [
        FindingKind::Missing,
        FindingKind::StatusText,
        FindingKind::DuplicateRows,
        FindingKind::DuplicateTimestamps,
        FindingKind::UnsortedTimestamps,
        FindingKind::Gap,
        FindingKind::Flatline,
        FindingKind::Spike,
        FindingKind::OutOfRange,
        FindingKind::UnitJump,
        FindingKind::Constant,
        FindingKind::HighCardinality,
        FindingKind::LabelImbalance,
        FindingKind::Shutdown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Missing => "missing",
            FindingKind::StatusText => "status_text",
            FindingKind::DuplicateRows => "duplicate_rows",
            FindingKind::DuplicateTimestamps => "duplicate_timestamps",
            FindingKind::UnsortedTimestamps => "unsorted_timestamps",
            FindingKind::Gap => "gap",
            FindingKind::Flatline => "flatline",
            FindingKind::Spike => "spike",
            FindingKind::OutOfRange => "out_of_range",
            FindingKind::UnitJump => "unit_jump",
            FindingKind::Constant => "constant",
            FindingKind::HighCardinality => "high_cardinality",
            FindingKind::LabelImbalance => "label_imbalance",
            FindingKind::Shutdown => "shutdown",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One problem in the data. `examples` are timestamps (or row numbers when there is no time
/// axis), at most 5; `rows` are the same places as 0-based row indices, for marking the plot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// `None` for row-level findings (duplicate rows, timestamps, gaps).
    pub column: Option<String>,
    /// Affected cells, rows or events, as the kind defines.
    pub count: u64,
    pub severity: Severity,
    pub examples: Vec<String>,
    pub rows: Vec<u64>,
    /// One sentence for the user, with the numbers that matter (run length, factor, interval),
    /// in English (or in the language a command line was asked for): for scripts and older
    /// readers. The panes, the command line and the report word a finding from its code
    /// ([`Finding::message_key`]) and `args` instead, in the user's language.
    pub message: String,
    /// Which sentence of its kind the finding is, where a kind has several (`""` for the
    /// kind's usual one; e.g. `text` for a constant text column). Stable, snake_case.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// The values the sentence names, by the catalogue's argument names (`column`, `count`…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, MessageArg>,
}

impl Finding {
    /// The catalogue key of the finding's sentence: `finding-<kind>` or
    /// `finding-<kind>-<variant>`, kebab case (`finding-constant-text`).
    pub fn message_key(&self) -> String {
        message_key("finding", self.kind.as_str(), &self.variant)
    }
}

/// `prefix-code-variant` in kebab case, the form of a catalogue key.
pub fn message_key(prefix: &str, code: &str, variant: &str) -> String {
    let mut key = format!("{prefix}-{code}");
    if !variant.is_empty() {
        key.push('-');
        key.push_str(variant);
    }
    key.replace(['_', '.'], "-")
}

/// A value that a coded sentence (a finding, a gate check) names. The engine gives the value;
/// the edge that shows the sentence writes it in the user's language. Serialized as
/// `{"type": "integer", "value": 12}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum MessageArg {
    /// Written as it is (a column name, a timestamp, a formula).
    Text(String),
    /// A count; also picks the plural form.
    Integer(i64),
    /// A measured value or a factor, written with at most four decimals.
    Number(#[serde(with = "crate::float")] f64),
    /// A fraction (0.125), written as a percentage (12.5%).
    Share(#[serde(with = "crate::float")] f64),
    /// Seconds, written as a duration (2 h 5 min).
    Duration(#[serde(with = "crate::float")] f64),
    /// Milliseconds since the epoch (the export's wall-clock time), written as a short day
    /// and time (5 Oct 02:00).
    Time(i64),
    /// A part of a sentence that is a sentence of its own: the catalogue message
    /// `finding-<code>` (kebab case) with its arguments.
    Phrase { code: String, args: BTreeMap<String, MessageArg> },
    /// Items written as a list in the language's way ("a, b and c").
    List(Vec<MessageArg>),
    /// Clauses of one sentence, separated as the language separates them ("a; b").
    Clauses(Vec<MessageArg>),
    /// A cleaning step, written as its description ("Forward-fill FIC101 (gaps ≤ 5 min)").
    Step(Box<CleanStep>),
}

impl MessageArg {
    /// A [`MessageArg::Phrase`] from its code and arguments.
    pub fn phrase<const N: usize>(code: &str, args: [(&str, MessageArg); N]) -> MessageArg {
        MessageArg::Phrase { code: code.to_owned(), args: message_args(args) }
    }
}

impl From<&str> for MessageArg {
    fn from(text: &str) -> Self {
        MessageArg::Text(text.to_owned())
    }
}

impl From<String> for MessageArg {
    fn from(text: String) -> Self {
        MessageArg::Text(text)
    }
}

impl From<u64> for MessageArg {
    fn from(count: u64) -> Self {
        MessageArg::Integer(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

impl From<usize> for MessageArg {
    fn from(count: usize) -> Self {
        MessageArg::Integer(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

/// A sentence as a stable code and the values it names, for a family whose entries have no
/// other fields (an import warning: key `import-<code>`). The edges word it in the user's
/// language; the English text travels beside it for scripts and older readers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodedSentence {
    /// Stable, snake_case (`dst_repeat`).
    pub code: String,
    /// The values the sentence names, by the catalogue's argument names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, MessageArg>,
}

impl CodedSentence {
    pub fn new<const N: usize>(code: &str, args: [(&str, MessageArg); N]) -> CodedSentence {
        CodedSentence { code: code.to_owned(), args: message_args(args) }
    }

    /// The catalogue key: `<family>-<code>` in kebab case (`import-dst-repeat`).
    pub fn message_key(&self, family: &str) -> String {
        message_key(family, &self.code, "")
    }
}

/// Arguments by name, as [`Finding::args`] and [`GateCheck::args`] hold them.
pub fn message_args<const N: usize>(args: [(&str, MessageArg); N]) -> BTreeMap<String, MessageArg> {
    args.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

/// Per-column statistics in the profile. Numeric statistics are `None` for text columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub dtype: String,
    pub unit: Option<String>,
    pub null_count: u64,
    pub status_text_count: u64,
    #[serde(with = "crate::float", default)]
    pub min: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub max: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub mean: Option<f64>,
    #[serde(with = "crate::float", default)]
    pub std: Option<f64>,
}

/// What `plantlab profile --json` prints and the Data pane shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    pub rows: u64,
    pub columns: Vec<ColumnProfile>,
    pub timestamp_column: Option<String>,
    /// The typical spacing of timestamps (median of positive differences), in seconds.
    #[serde(with = "crate::float", default)]
    pub sampling_interval_s: Option<f64>,
    pub import: ImportSettings,
    /// The import's warnings in English (see [`DatasetSummary::warnings`]).
    pub import_warnings: Vec<String>,
    /// The same warnings as codes and arguments, one per entry of `import_warnings`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub import_warning_codes: Vec<CodedSentence>,
    pub findings: Vec<Finding>,
}

/// A count grouped in thousands so large row counts stay readable: 1234567 → "1,234,567".
/// Shared by the panes and the report.
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A duration in words: "0.05 s", "0.4 s", "40 s", "1 min 30 s", "45 min", "2 h 15 min",
/// "6 h", "3 d 4 h"; negative durations get a leading "-", and a non-finite one reads "–".
/// Shared by the explanations, the panes, the report and the quality findings so a lead time
/// or a sampling interval reads the same everywhere.
pub fn format_duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "–".to_owned();
    }
    let sign = if seconds < 0.0 { "-" } else { "" };
    let abs = seconds.abs();
    if abs < 0.1 {
        // Fast sampling (20 Hz is 0.05 s) to the millisecond, rather than "0.1 s" or "0 s".
        let text = format!("{abs:.3}");
        return format!("{sign}{} s", text.trim_end_matches('0').trim_end_matches('.'));
    }
    if abs < 10.0 {
        // Short runs still deserve a figure that is not "0 s".
        let text = format!("{abs:.1}");
        return format!("{sign}{} s", text.trim_end_matches(".0"));
    }
    let whole_seconds = abs.round() as u64;
    if whole_seconds < 60 {
        return format!("{sign}{whole_seconds} s");
    }
    if whole_seconds < 600 {
        // Under ten minutes the seconds still matter: a 90 s sampling interval is not "2 min".
        let (mins, secs) = (whole_seconds / 60, whole_seconds % 60);
        return if secs == 0 { format!("{sign}{mins} min") } else { format!("{sign}{mins} min {secs} s") };
    }
    let minutes = (abs / 60.0).round() as u64;
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    let text = match (days, hours, mins) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    };
    format!("{sign}{text}")
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS` (UTC, or naive local time as
/// written in the export).
pub fn format_epoch_millis(millis: i64) -> String {
    let (y, m, d, hour, minute, second) = civil_from_epoch_seconds(millis.div_euclid(1000));
    format!("{y:04}-{m:02}-{d:02} {hour:02}:{minute:02}:{second:02}")
}

/// Seconds since the Unix epoch as (year, month 1–12, day, hour, minute, second) of the
/// proleptic Gregorian calendar.
pub fn civil_from_epoch_seconds(secs: i64) -> (i64, usize, i64, i64, i64, i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days since 1970-01-01 to a Gregorian date (Howard Hinnant's civil_from_days).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m as usize, d, rem / 3600, (rem % 3600) / 60, rem % 60)
}

// ---------------------------------------------------------------------------------------------
// Native file dialogs
// ---------------------------------------------------------------------------------------------

/// Why the UI asks for a file dialog. The shell picks the title and the file filters, so the
/// webview never names arbitrary paths or patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilePurpose {
    /// A cleaning recipe (JSON) to load.
    OpenRecipe,
    /// Where to save the current cleaning recipe (JSON).
    SaveRecipe,
    /// Where to write the cleaned data (CSV or Parquet, by extension).
    ExportCleaned,
    /// A model bundle to open (Predict pane).
    OpenBundle,
    /// Where to write a run's model bundle.
    SaveBundle,
    /// A new export to predict on (CSV, TSV, Parquet, Excel).
    OpenPredictData,
    /// Where to write the predictions (CSV).
    SavePredictions,
    /// Where to write the HTML report.
    SaveReport,
}

impl FilePurpose {
    /// True when the dialog chooses a file to write rather than one to read.
    pub fn is_save(self) -> bool {
        matches!(
            self,
            FilePurpose::SaveRecipe | FilePurpose::ExportCleaned | FilePurpose::SaveBundle | FilePurpose::SavePredictions | FilePurpose::SaveReport
        )
    }
}
