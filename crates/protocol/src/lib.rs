//! Data types exchanged between the PlantLab UI and its backend (the desktop shell, or an
//! in-process fake in tests). Only serde: this crate must compile to wasm32.
//!
//! Heavy data never crosses this boundary: the engine keeps the frame and the UI asks for
//! pages, summaries and decimated series.

use serde::{Deserialize, Serialize};

/// Identifier of a background task (load, profile, train, ...), unique within one app run.
pub type TaskId = u64;

/// An error as the user sees it: a stable machine-readable code and a sentence that says
/// what went wrong and what to do next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into() }
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
    pub x_range: Option<(f64, f64)>,
    pub max_points: u32,
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
    pub x: Vec<f64>,
    pub y_min: Vec<f64>,
    pub y_max: Vec<f64>,
    /// Rows in the requested range before reduction.
    pub source_rows: u64,
    /// Full x extent of the data, so the UI can offer "reset zoom".
    pub x_extent: Option<(f64, f64)>,
    pub decimated: bool,
}

/// What the Data pane reports once it has drawn a data set: for the log, and for the
/// end-to-end test that checks the window really shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaintReport {
    pub rows: u64,
    pub columns: usize,
    pub plot_column: String,
    /// Plot area in logical pixels: x, y, width, height.
    pub plot_rect: [f32; 4],
}

/// What a background task is doing, shown in the status bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Load,
}

/// Streamed from a background task to the UI, in order. Exactly one of `Finished`, `Failed`
/// or `Cancelled` ends the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum TaskEvent {
    Started { task: TaskId, kind: TaskKind, label: String },
    /// `fraction` in 0..=1; `stage` says what is happening now in words.
    Progress { task: TaskId, fraction: f32, stage: String },
    Finished { task: TaskId, outcome: TaskOutcome },
    Failed { task: TaskId, error: ApiError },
    Cancelled { task: TaskId },
}

impl TaskEvent {
    pub fn task(&self) -> TaskId {
        match self {
            TaskEvent::Started { task, .. }
            | TaskEvent::Progress { task, .. }
            | TaskEvent::Finished { task, .. }
            | TaskEvent::Failed { task, .. }
            | TaskEvent::Cancelled { task } => *task,
        }
    }

    pub fn is_terminal(&self) -> bool {
        !matches!(self, TaskEvent::Started { .. } | TaskEvent::Progress { .. })
    }
}

/// The result a finished task hands back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum TaskOutcome {
    Loaded(DatasetSummary),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_events_round_trip_through_json() {
        let events = vec![
            TaskEvent::Started { task: 1, kind: TaskKind::Load, label: "a.csv".into() },
            TaskEvent::Progress { task: 1, fraction: 0.5, stage: "parsing".into() },
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
        assert!(!TaskEvent::Progress { task: 3, fraction: 0.1, stage: String::new() }.is_terminal());
        assert!(TaskEvent::Cancelled { task: 3 }.is_terminal());
        assert_eq!(TaskEvent::Cancelled { task: 3 }.task(), 3);
    }

    #[test]
    fn numeric_columns_skip_text() {
        let summary = DatasetSummary {
            path: "x.csv".into(),
            rows: 2,
            columns: vec![
                ColumnInfo { name: "a".into(), dtype: "f64".into(), kind: ColumnKind::Numeric, null_count: 0 },
                ColumnInfo { name: "b".into(), dtype: "str".into(), kind: ColumnKind::Text, null_count: 1 },
            ],
            timestamp_column: None,
        };
        let names: Vec<_> = summary.numeric_columns().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a"]);
    }
}
