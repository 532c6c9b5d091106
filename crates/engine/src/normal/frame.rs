//! From an imported table to what the normal-operation models take: the numeric tags as a
//! [`TagMatrix`], and the rows the user marks as normal.

use polars::prelude::{DataFrame, DataType};

use super::{bad, NormalRows, TagMatrix};
use crate::error::Detail;
use crate::{EngineError, Result};

/// How the user says which rows are normal operation.
#[derive(Clone, Debug, PartialEq)]
pub enum NormalChoice {
    All,
    /// Rows whose `column` equals `value` (numbers compared as numbers), e.g. `label=0`.
    When {
        column: String,
        value: String,
    },
    /// Rows from `from` to `to` (inclusive): row numbers, or times compared with the
    /// timestamp column's text (ISO order, e.g. `2024-03-01` or `2024-03-01 06:00`).
    Between {
        from: String,
        to: String,
    },
}

/// The numeric columns of `frame` except `exclude` and the label, row for row.
pub fn tags_of(frame: &DataFrame, exclude: &[String], label: Option<&str>) -> Result<TagMatrix> {
    let internal = |e: polars::prelude::PolarsError| EngineError::Internal(e.to_string());
    for name in exclude.iter().chain(label.map(str::to_owned).iter()) {
        if frame.column(name).is_err() {
            return Err(EngineError::UnknownColumn(name.clone()));
        }
    }
    let mut tags = Vec::new();
    let mut columns = Vec::new();
    for column in frame.columns() {
        let name = column.name().to_string();
        if exclude.contains(&name) || Some(name.as_str()) == label || !column.dtype().is_primitive_numeric() {
            continue;
        }
        let cast = column.as_materialized_series().cast(&DataType::Float64).map_err(internal)?;
        let values: Vec<f64> = cast.f64().map_err(internal)?.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        tags.push(name);
        columns.push(values);
    }
    if tags.is_empty() {
        return Err(bad(Detail::coded("normal_no_tags_left", [])));
    }
    let rows = frame.height();
    let mut values = Vec::with_capacity(rows * tags.len());
    for r in 0..rows {
        values.extend(columns.iter().map(|c| c[r]));
    }
    TagMatrix::new(tags, values)
}

/// Per row, whether it is a fault sample by the label column (anything but 0 or empty).
pub fn fault_labels(frame: &DataFrame, label: &str) -> Result<Vec<bool>> {
    let column = frame.column(label).map_err(|_| EngineError::UnknownColumn(label.to_owned()))?;
    let text = column.as_materialized_series().cast(&DataType::String).map_err(|e| EngineError::Internal(e.to_string()))?;
    let text = text.str().map_err(|e| EngineError::Internal(e.to_string()))?;
    Ok(text
        .iter()
        .map(|v| match v.map(str::trim) {
            None | Some("") => false,
            Some(v) => v.parse::<f64>() != Ok(0.0),
        })
        .collect())
}

/// The rows `choice` marks as normal.
pub fn normal_rows(frame: &DataFrame, choice: &NormalChoice, timestamp: Option<&str>) -> Result<NormalRows> {
    match choice {
        NormalChoice::All => Ok(NormalRows::All),
        NormalChoice::When { column, value } => {
            let series = frame.column(column).map_err(|_| EngineError::UnknownColumn(column.clone()))?;
            let text = series.as_materialized_series().cast(&DataType::String).map_err(|e| EngineError::Internal(e.to_string()))?;
            let text = text.str().map_err(|e| EngineError::Internal(e.to_string()))?;
            let wanted_number = value.trim().parse::<f64>().ok();
            let mask = text
                .iter()
                .map(|v| match (v.map(str::trim), wanted_number) {
                    (Some(v), Some(n)) => v.parse::<f64>().is_ok_and(|x| x == n),
                    (Some(v), None) => v == value.trim(),
                    (None, _) => false,
                })
                .collect();
            Ok(NormalRows::Mask(mask))
        }
        NormalChoice::Between { from, to } => {
            if let (Ok(start), Ok(end)) = (from.trim().parse::<usize>(), to.trim().parse::<usize>()) {
                return Ok(NormalRows::Range { start, end: end.saturating_add(1) });
            }
            let Some(ts) = timestamp else {
                return Err(bad(Detail::coded("normal_range_not_rows", [("from", from.as_str().into()), ("to", to.as_str().into())])));
            };
            let series = frame.column(ts).map_err(|_| EngineError::UnknownColumn(ts.to_owned()))?;
            let text = series.as_materialized_series().cast(&DataType::String).map_err(|e| EngineError::Internal(e.to_string()))?;
            let text = text.str().map_err(|e| EngineError::Internal(e.to_string()))?;
            // ISO-ordered times compare as text; the end is inclusive of everything that
            // starts with it (so "2024-03-01" includes that whole day).
            let mask = text.iter().map(|v| v.is_some_and(|v| v >= from.as_str() && (v <= to.as_str() || v.starts_with(to.as_str())))).collect();
            Ok(NormalRows::Mask(mask))
        }
    }
}
