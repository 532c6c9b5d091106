//! .xlsx workbooks, read whole with calamine, and how much memory a sheet may make the reader
//! allocate. The sheet reader builds a dense grid over the cells' bounding box, so two cells at
//! A1 and XFD1048576 would ask for 17 billion cells. The cells are counted sparsely first and
//! such a sheet is refused.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, DataRef, Reader, Xlsx};
use plantlab_sniff::dedupe_names;
use polars::prelude::*;

use super::{binary_settings, Imported};
use crate::error::{Detail, EngineError, Result};

/// A grid up to this many cells is always read (a full sheet of 1M rows × 4 columns).
const ALWAYS_READ_CELLS: u64 = 4 << 20;
/// Larger grids are read while at least one cell in this many holds a value.
const MOST_EMPTY_PER_VALUE: u64 = 16;
/// No grid larger than this is read (≈ 3 GB of cells), however full.
const MAX_GRID_CELLS: u64 = 100_000_000;

/// The chosen sheet (else the first) as a table: its first row names the columns.
pub(super) fn read_xlsx(path: &Path, bytes: Vec<u8>, sheet: Option<&str>) -> Result<Imported> {
    let bad = |detail: Detail| EngineError::Unreadable { path: path.to_path_buf(), detail };
    check_sheet_extent(path, &bytes, sheet)?;
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| bad(Detail::coded("workbook_unreadable", [("why", e.to_string().into())])))?;
    let names = workbook.sheet_names();
    let chosen = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_owned(),
        Some(s) => return Err(EngineError::BadSetting(Detail::coded("no_such_sheet", [("sheet", s.into()), ("sheets", names.join(", ").into())]))),
        None => names.first().cloned().ok_or_else(|| bad(Detail::coded("workbook_no_sheets", [])))?,
    };
    let range = workbook
        .worksheet_range(&chosen)
        .map_err(|e| bad(Detail::coded("sheet_unreadable", [("sheet", chosen.as_str().into()), ("why", e.to_string().into())])))?;
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    };
    let mut warnings = Vec::new();
    let mut names: Vec<String> = header.iter().map(|c| c.to_string()).collect();
    dedupe_names(&mut names, &mut warnings);
    let body: Vec<&[Data]> = rows.collect();
    if body.is_empty() {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    let mut columns = Vec::with_capacity(names.len());
    for (c, name) in names.iter().enumerate() {
        let cells = body.iter().map(|row| row.get(c).unwrap_or(&Data::Empty));
        let numeric = cells.clone().all(|d| matches!(d, Data::Int(_) | Data::Float(_) | Data::Bool(_) | Data::Empty));
        let dates = cells.clone().all(|d| matches!(d, Data::DateTime(_) | Data::Empty)) && cells.clone().any(|d| !matches!(d, Data::Empty));
        let column = if dates {
            let ms: Vec<Option<i64>> = cells
                .map(|d| match d {
                    // Excel serial days since 1899-12-30.
                    Data::DateTime(dt) => Some(((dt.as_f64() - 25_569.0) * 86_400_000.0).round() as i64),
                    _ => None,
                })
                .collect();
            Series::new(name.as_str().into(), ms)
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .map_err(|e| EngineError::Internal(e.to_string()))?
                .into_column()
        } else if numeric {
            let values: Vec<Option<f64>> = cells
                .map(|d| match d {
                    Data::Int(i) => Some(*i as f64),
                    Data::Float(f) => Some(*f),
                    Data::Bool(b) => Some(f64::from(u8::from(*b))),
                    _ => None,
                })
                .collect();
            Column::new(name.as_str().into(), values)
        } else {
            let values: Vec<Option<String>> = cells
                .map(|d| match d {
                    Data::Empty => None,
                    Data::Error(e) => Some(format!("#{e:?}")),
                    other => Some(other.to_string()),
                })
                .collect();
            Column::new(name.as_str().into(), values)
        };
        columns.push(column);
    }
    let frame = DataFrame::new(body.len(), columns).map_err(|e| bad(e.to_string().into()))?;
    let mut imported = Imported {
        frame,
        settings: binary_settings("xlsx", Some(chosen)),
        units: HashMap::new(),
        status_text: Vec::new(),
        warnings: Vec::new(),
        warning_codes: Vec::new(),
    };
    imported.warn_all(super::sniff_warnings(warnings).collect());
    Ok(imported)
}

/// Refuses a sheet whose bounding box would be far larger than its values (or too large
/// outright). Workbooks this check cannot read are left to the reader, which says why.
fn check_sheet_extent(path: &Path, bytes: &[u8], sheet: Option<&str>) -> Result<()> {
    let Ok(mut workbook) = Xlsx::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let Some(name) = sheet.map(str::to_owned).or_else(|| workbook.sheet_names().first().cloned()) else {
        return Ok(());
    };
    let Ok(mut cells) = workbook.worksheet_cells_reader(&name) else {
        return Ok(());
    };
    let mut values = 0u64;
    let (mut top, mut left, mut bottom, mut right) = (u32::MAX, u32::MAX, 0u32, 0u32);
    while let Ok(Some(cell)) = cells.next_cell() {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, column) = cell.get_position();
        values += 1;
        top = top.min(row);
        bottom = bottom.max(row);
        left = left.min(column);
        right = right.max(column);
    }
    if values == 0 {
        return Ok(());
    }
    let grid = (u64::from(bottom - top) + 1) * (u64::from(right - left) + 1);
    if grid <= ALWAYS_READ_CELLS || (grid <= MAX_GRID_CELLS && grid <= values.saturating_mul(MOST_EMPTY_PER_VALUE)) {
        return Ok(());
    }
    Err(EngineError::Unreadable {
        path: path.to_path_buf(),
        detail: Detail::coded(
            "sheet_sparse",
            [
                ("sheet", name.into()),
                ("rows", (u64::from(bottom - top) + 1).into()),
                ("columns", (u64::from(right - left) + 1).into()),
                ("cells", grid.into()),
                ("values", values.into()),
            ],
        ),
    })
}
