//! How much memory an .xlsx sheet may make the reader allocate. The sheet reader builds a
//! dense grid over the cells' bounding box, so two cells at A1 and XFD1048576 would ask for
//! 17 billion cells. The cells are counted sparsely first and such a sheet is refused.

use std::io::Cursor;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

use crate::error::{EngineError, Result};

/// A grid up to this many cells is always read (a full sheet of 1M rows × 4 columns).
const ALWAYS_READ_CELLS: u64 = 4 << 20;
/// Larger grids are read while at least one cell in this many holds a value.
const MOST_EMPTY_PER_VALUE: u64 = 16;
/// No grid larger than this is read (≈ 3 GB of cells), however full.
const MAX_GRID_CELLS: u64 = 100_000_000;

/// Refuses a sheet whose bounding box would be far larger than its values (or too large
/// outright). Workbooks this check cannot read are left to the reader, which says why.
pub(crate) fn check_sheet_extent(path: &Path, bytes: &[u8], sheet: Option<&str>) -> Result<()> {
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
    Err(EngineError::Parse {
        path: path.to_path_buf(),
        detail: format!(
            "sheet \"{name}\" spans {} rows × {} columns ({grid} cells) but holds only {values} values; \
             delete the stray cells far from the table (or copy the table to a new sheet) and save again",
            u64::from(bottom - top) + 1,
            u64::from(right - left) + 1
        ),
    })
}
