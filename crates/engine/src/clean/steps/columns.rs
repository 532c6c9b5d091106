//! Steps on the set of columns: `select`, `drop`, `rename` and `cast`.

use plantlab_protocol::CastType;
use polars::prelude::*;

use super::check_columns;
use crate::clean::table::{float_column, floats, internal, is_float, Table};
use crate::error::{Detail, EngineError, Result};

/// Keeps `columns` in their order, and the time axis before them.
pub(super) fn select(table: &Table, out: &mut Table, op: &str, columns: &[String]) -> Result<()> {
    check_columns(table, op, columns)?;
    let mut keep: Vec<String> = Vec::new();
    if let Some(ts) = &table.timestamp {
        if !columns.contains(ts) && table.has(ts) {
            keep.push(ts.clone());
        }
    }
    for c in columns {
        if !keep.contains(c) {
            keep.push(c.clone());
        }
    }
    out.frame = table.frame.select(keep.iter().map(|s| s.as_str())).map_err(internal)?;
    Ok(())
}

pub(super) fn drop(table: &Table, out: &mut Table, op: &str, columns: &[String]) -> Result<()> {
    check_columns(table, op, columns)?;
    for c in columns {
        out.frame = out.frame.drop(c).map_err(internal)?;
        if out.timestamp.as_deref() == Some(c.as_str()) {
            out.timestamp = None;
        }
    }
    Ok(())
}

/// Renames a column, carrying its unit, status texts and the time axis with it.
pub(super) fn rename(table: &Table, out: &mut Table, op: &str, from: &str, to: &str) -> Result<()> {
    table.column(op, from)?;
    if to.trim().is_empty() {
        return Err(EngineError::BadStep(Detail::coded("rename_empty", [])));
    }
    if from != to && table.has(to) {
        return Err(EngineError::BadStep(Detail::coded("column_exists", [("column", to.into())])));
    }
    out.frame.rename(from, to.into()).map_err(internal)?;
    if out.timestamp.as_deref() == Some(from) {
        out.timestamp = Some(to.to_owned());
    }
    if let Some(unit) = out.units.remove(from) {
        out.units.insert(to.to_owned(), unit);
    }
    for s in out.status.iter_mut().filter(|s| s.column == from) {
        s.column = to.to_owned();
    }
    Ok(())
}

pub(super) fn cast(table: &Table, out: &mut Table, op: &str, column: &str, to: CastType) -> Result<()> {
    let source = table.column(op, column)?;
    let dtype = match to {
        CastType::Float => DataType::Float64,
        CastType::Integer => DataType::Int64,
        CastType::Boolean => DataType::Boolean,
        CastType::Text => DataType::String,
    };
    let cast = if to == CastType::Integer && is_float(source.dtype()) {
        // Round rather than truncate: 2.9999999 read from text is 3.
        let values = floats(source).unwrap_or_default();
        let rounded: Vec<f64> = values.iter().map(|v| v.round()).collect();
        float_column(column, &rounded).cast(&dtype)
    } else if matches!(to, CastType::Float | CastType::Integer) && source.dtype() == &DataType::String {
        let text = source.str().map_err(internal)?;
        let parsed: Vec<f64> = text.iter().map(|s| s.and_then(|s| s.trim().parse::<f64>().ok()).unwrap_or(f64::NAN)).collect();
        float_column(column, &parsed).cast(&dtype)
    } else {
        source.cast(&dtype)
    };
    let type_name = match to {
        CastType::Float => "float",
        CastType::Integer => "integer",
        CastType::Boolean => "boolean",
        CastType::Text => "text",
    };
    out.put(cast.map_err(|e| {
        EngineError::BadStep(Detail::coded("cast_failed", [("column", column.into()), ("type", type_name.into()), ("why", e.to_string().into())]))
    })?)?;
    Ok(())
}
