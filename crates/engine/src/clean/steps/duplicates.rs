//! Steps on repeated rows: `drop_duplicate_rows` and `resolve_duplicate_timestamps`.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use plantlab_protocol::DuplicateKeep;
use polars::prelude::*;
use rayon::prelude::*;

use crate::clean::table::{float_column, floats, idx, internal, is_float, Table};
use crate::error::Result;

/// Removes rows that repeat an earlier row exactly (all columns).
pub(super) fn drop_duplicate_rows(table: &Table, out: &mut Table) -> Result<()> {
    let keys = row_keys(&table.frame)?;
    let mut seen = HashSet::with_capacity(keys.len());
    let keep: Vec<IdxSize> = keys.iter().enumerate().filter(|(_, k)| seen.insert(**k)).map(|(i, _)| idx(i)).collect::<Result<_>>()?;
    if keep.len() < table.height() {
        out.take_rows(keep)?;
    }
    Ok(())
}

/// A 128-bit key per row over all columns: two independent hashes, so distinct rows
/// colliding is not a practical concern.
fn row_keys(frame: &DataFrame) -> Result<Vec<(u64, u64)>> {
    /// Rows per parallel piece.
    const PIECE: usize = 64 * 1024;
    let n = frame.height();
    // One pass per column type decision; the pieces then only slice.
    let mut columns: Vec<(CellKind, Column)> = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let dtype = column.dtype();
        columns.push(if dtype.is_integer() || matches!(dtype, DataType::Datetime(_, _) | DataType::Date | DataType::Boolean) {
            (CellKind::Integer, column.cast(&DataType::Int64).map_err(internal)?)
        } else if is_float(dtype) {
            (CellKind::Float, column.cast(&DataType::Float64).map_err(internal)?)
        } else {
            (CellKind::Text, column.cast(&DataType::String).map_err(internal)?)
        });
    }
    let mut keys = vec![(0x9E37_79B9_7F4A_7C15u64, 0xC2B2_AE3D_27D4_EB4Fu64); n];
    keys.par_chunks_mut(PIECE).enumerate().try_for_each(|(p, keys)| -> Result<()> {
        let offset = (p * PIECE) as i64;
        for (kind, column) in &columns {
            let piece = column.slice(offset, keys.len());
            let mix = |key: &mut (u64, u64), cell: u64| {
                let (a, b) = *key;
                *key = (mix64(a ^ cell).wrapping_add(0x632B_E59B_D9B4_E019), mix64(b.rotate_left(17) ^ cell.wrapping_mul(0xFF51_AFD7_ED55_8CCD)));
            };
            match kind {
                CellKind::Integer => {
                    for (key, v) in keys.iter_mut().zip(piece.i64().map_err(internal)?.iter()) {
                        mix(key, v.map_or(NULL_CELL, |v| v as u64));
                    }
                }
                CellKind::Float => {
                    for (key, v) in keys.iter_mut().zip(piece.f64().map_err(internal)?.iter()) {
                        let bits = match v {
                            Some(v) if v.is_nan() => NULL_CELL,
                            None => NULL_CELL,
                            // Both zeros are one value.
                            Some(0.0) => 0,
                            Some(v) => v.to_bits(),
                        };
                        mix(key, bits);
                    }
                }
                CellKind::Text => {
                    for (key, v) in keys.iter_mut().zip(piece.str().map_err(internal)?.iter()) {
                        let cell = v.map_or(NULL_CELL, |s| {
                            let mut h = std::collections::hash_map::DefaultHasher::new();
                            s.hash(&mut h);
                            h.finish()
                        });
                        mix(key, cell);
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(keys)
}

/// How a column's cells enter a row's key.
enum CellKind {
    Integer,
    Float,
    Text,
}

const NULL_CELL: u64 = 0x6A09_E667_F3BC_C909;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Keeps one row per timestamp: the first, the last, or the float columns averaged.
pub(super) fn resolve_duplicates(table: &Table, out: &mut Table, keep: DuplicateKeep) -> Result<()> {
    let op = "resolve_duplicate_timestamps";
    let times = table.require_times(op)?;
    // Groups of rows with the same time, in order of first appearance; rows without a time
    // stay on their own.
    let mut group_of: HashMap<i64, usize> = HashMap::with_capacity(times.len());
    let mut groups: Vec<Vec<usize>> = Vec::with_capacity(times.len());
    for (row, t) in times.iter().enumerate() {
        match t {
            Some(t) => match group_of.get(t) {
                Some(&g) => groups[g].push(row),
                None => {
                    group_of.insert(*t, groups.len());
                    groups.push(vec![row]);
                }
            },
            None => groups.push(vec![row]),
        }
    }
    if groups.len() == times.len() {
        return Ok(());
    }
    let pick: Vec<IdxSize> = groups.iter().map(|g| idx(if keep == DuplicateKeep::Last { g[g.len() - 1] } else { g[0] })).collect::<Result<_>>()?;
    out.take_rows(pick)?;
    if keep == DuplicateKeep::Mean {
        // Columns are independent: one per worker at a time.
        let averaged: Vec<Column> = table
            .frame
            .columns()
            .par_iter()
            .filter(|column| is_float(column.dtype()))
            .map(|column| {
                let values = floats(column).unwrap_or_default();
                let means: Vec<f64> = groups
                    .iter()
                    .map(|g| {
                        let (sum, n) = g.iter().map(|&r| values[r]).filter(|v| v.is_finite()).fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
                        if n > 0 {
                            sum / n as f64
                        } else {
                            f64::NAN
                        }
                    })
                    .collect();
                float_column(column.name().as_str(), &means)
            })
            .collect();
        for column in averaged {
            out.put(column)?;
        }
    }
    Ok(())
}
