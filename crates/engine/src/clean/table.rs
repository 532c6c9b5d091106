//! The data a cleaning step works on: the frame plus what the importer learnt about it
//! (time axis, units, status-text counts), which steps carry along as they rename, drop or
//! convert columns.

use std::collections::HashMap;

use plantlab_protocol::MessageArg;
use polars::prelude::*;

use super::steps::nested;
use crate::dataset::Dataset;
use crate::error::{Detail, EngineError, Result};
use crate::quality::StatusTextCount;

#[derive(Clone)]
pub struct Table {
    pub frame: DataFrame,
    pub timestamp: Option<String>,
    pub units: HashMap<String, String>,
    /// Status texts per column from the import. After cleaning, a column's count is capped at
    /// its missing cells: a filled status cell is no longer a status text left in the data.
    pub status: Vec<StatusTextCount>,
    /// Time spans (ms, both ends included) whose rows an `exclude_periods` step removed on
    /// purpose (a stopped unit): the report sees no gap across them and a resample leaves them
    /// empty rather than filling them with rows of missing values.
    pub excluded: Vec<(i64, i64)>,
}

impl Table {
    /// The imported data of a data set, as the first state of a cleaning session.
    pub fn from_dataset(dataset: &Dataset) -> Self {
        let summary = dataset.summary();
        let units = summary.columns.iter().filter_map(|c| c.unit.clone().map(|u| (c.name.clone(), u))).collect();
        let report = dataset.report();
        let status = report
            .columns
            .iter()
            .filter(|c| c.status_text_count > 0)
            .map(|c| {
                let rows = report
                    .findings
                    .iter()
                    .find(|f| f.kind == plantlab_protocol::FindingKind::StatusText && f.column.as_deref() == Some(c.name.as_str()))
                    .map(|f| f.rows.clone())
                    .unwrap_or_default();
                StatusTextCount { column: c.name.clone(), count: c.status_text_count, rows }
            })
            .collect();
        Self { frame: dataset.frame().clone(), timestamp: summary.timestamp_column.clone(), units, status, excluded: Vec::new() }
    }

    pub fn height(&self) -> usize {
        self.frame.height()
    }

    pub fn names(&self) -> Vec<String> {
        self.frame.get_column_names().iter().map(|n| n.to_string()).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.frame.column(name).is_ok()
    }

    /// The column, or an error that names the step and lists what there is.
    pub fn column(&self, op: &str, name: &str) -> Result<&Column> {
        self.frame.column(name).map_err(|_| {
            const LISTED: usize = 12;
            let names = self.names();
            let mut columns: Vec<MessageArg> =
                names.iter().take(LISTED).map(|column| nested(Detail::coded("column_name", [("name", column.as_str().into())]))).collect();
            if names.len() > LISTED {
                columns.push(nested(Detail::coded("more_columns", [("count", (names.len() - LISTED).into())])));
            }
            EngineError::BadStep(Detail::coded(
                "step_unknown_column",
                [("op", op.into()), ("column", name.into()), ("columns", MessageArg::List(columns))],
            ))
        })
    }

    /// A numeric (or boolean) column as f64 with NaN for missing cells.
    pub fn floats(&self, op: &str, name: &str) -> Result<Vec<f64>> {
        let column = self.column(op, name)?;
        floats(column).ok_or_else(|| {
            EngineError::BadStep(Detail::coded(
                "step_not_numeric",
                [("op", op.into()), ("column", name.into()), ("type", column_type(column.dtype()))],
            ))
        })
    }

    /// Milliseconds since the epoch per row, if there is a time axis.
    pub fn times(&self) -> Result<Option<Vec<Option<i64>>>> {
        let Some(name) = &self.timestamp else { return Ok(None) };
        let Ok(column) = self.frame.column(name) else { return Ok(None) };
        Ok(Some(times_ms(column)?))
    }

    pub fn require_times(&self, op: &str) -> Result<Vec<Option<i64>>> {
        self.times()?.ok_or_else(|| EngineError::BadStep(Detail::coded("step_needs_timestamps", [("op", op.into())])))
    }

    /// Replaces (or adds) a column, keeping its position.
    pub fn put(&mut self, column: Column) -> Result<()> {
        let name = column.name().to_string();
        if self.has(&name) {
            self.frame.replace(&name, column).map_err(internal)?;
        } else {
            self.frame.with_column(column).map_err(internal)?;
        }
        Ok(())
    }

    /// Keeps the rows at `indices` (in that order). Status-text example rows no longer point
    /// at the same places, so they are dropped (the counts stay).
    pub fn take_rows(&mut self, indices: Vec<IdxSize>) -> Result<()> {
        let idx = IdxCa::from_vec("idx".into(), indices);
        self.frame = self.frame.take(&idx).map_err(internal)?;
        for s in &mut self.status {
            s.rows.clear();
        }
        Ok(())
    }

    /// Caps status-text counts at the missing cells left, and forgets dropped columns.
    pub fn settle_status(&mut self) {
        let frame = &self.frame;
        self.status.retain_mut(|s| match frame.column(&s.column) {
            Ok(c) => {
                s.count = s.count.min(c.null_count() as u64);
                s.count > 0
            }
            Err(_) => false,
        });
        self.units.retain(|name, _| frame.column(name).is_ok());
    }
}

pub(crate) fn internal(err: PolarsError) -> EngineError {
    EngineError::Internal(err.to_string())
}

/// What a column holds, for a refusal that names it: the kinds users meet in words, any other
/// by its data type's name.
pub(crate) fn column_type(dtype: &DataType) -> MessageArg {
    let kind = match dtype {
        DataType::String => "text",
        DataType::Datetime(_, _) => "timestamps",
        DataType::Date => "dates",
        DataType::Duration(_) => "durations",
        _ if is_numeric(dtype) => "numbers",
        _ => "other",
    };
    nested(Detail::coded("column_type", [("kind", kind.into()), ("dtype", dtype.to_string().into())]))
}

pub(crate) fn is_numeric(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric() || dtype.is_bool()
}

pub(crate) fn is_float(dtype: &DataType) -> bool {
    matches!(dtype, DataType::Float32 | DataType::Float64)
}

/// f64 values with NaN for missing cells; `None` for non-numeric columns.
pub(crate) fn floats(column: &Column) -> Option<Vec<f64>> {
    if !is_numeric(column.dtype()) {
        return None;
    }
    let cast = column.cast(&DataType::Float64).ok()?;
    let ca = cast.f64().ok()?;
    let mut out = Vec::with_capacity(ca.len());
    for chunk in ca.downcast_iter() {
        match chunk.validity() {
            None => out.extend_from_slice(chunk.values()),
            Some(valid) => out.extend(chunk.values().iter().zip(valid.iter()).map(|(&v, ok)| if ok { v } else { f64::NAN })),
        }
    }
    Some(out)
}

/// A float column from values with NaN (or ±∞ never: they stay) as missing.
pub(crate) fn float_column(name: &str, values: &[f64]) -> Column {
    // Without missing cells a plain copy gives the same column, far faster than per-cell options.
    if !values.iter().any(|v| v.is_nan()) {
        return Float64Chunked::from_slice(name.into(), values).into_column();
    }
    let ca: Float64Chunked = values.iter().map(|&v| (!v.is_nan()).then_some(v)).collect();
    ca.with_name(name.into()).into_column()
}

/// A float column cast back to the original numeric type when that was an integer type and
/// every value is still whole (unit conversions and fills of codes keep their type otherwise).
pub(crate) fn numeric_column_like(name: &str, values: &[f64], original: &DataType) -> Column {
    let column = float_column(name, values);
    if original.is_integer() && values.iter().all(|v| v.is_nan() || (v.fract() == 0.0 && v.abs() < 9.0e15)) {
        if let Ok(cast) = column.cast(original) {
            return cast;
        }
    }
    if original.is_bool() && values.iter().all(|v| v.is_nan() || *v == 0.0 || *v == 1.0) {
        if let Ok(cast) = column.cast(original) {
            return cast;
        }
    }
    column
}

pub(crate) fn times_ms(column: &Column) -> Result<Vec<Option<i64>>> {
    let ms = column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).and_then(|c| c.cast(&DataType::Int64)).map_err(|e| {
        EngineError::BadStep(Detail::coded("column_not_time", [("column", column.name().as_str().into()), ("why", e.to_string().into())]))
    })?;
    let ca = ms.i64().map_err(internal)?;
    Ok(ca.iter().collect())
}

pub(crate) fn datetime_column(name: &str, ms: &[Option<i64>]) -> Result<Column> {
    let ca: Int64Chunked = ms.iter().copied().collect();
    ca.with_name(name.into()).into_column().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).map_err(internal)
}

/// Converts a row count into the index type, refusing tables beyond it.
pub(crate) fn idx(i: usize) -> Result<IdxSize> {
    IdxSize::try_from(i).map_err(|_| EngineError::BadStep(Detail::coded("too_many_rows_to_index", [])))
}
