//! Repeated rows: timestamps that occur more than once (split into exact copies and rows that
//! only share the time), and, without a time axis, whole rows hashed in one pass per column.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use plantlab_protocol::{Finding, FindingKind, Severity};
use polars::prelude::*;

use super::time_axis::{Places, NO_TIME};
use super::wording::Words;

/// Every row whose timestamp occurs more than once, with its time, grouped by time and in row
/// order within a group. Sorted data needs no map: repeats are neighbours.
pub(super) fn repeated_times(ticks: &[i64], sorted: bool) -> Vec<(i64, usize)> {
    let mut out = Vec::new();
    if sorted {
        let mut run: Option<(i64, usize, bool)> = None; // time, first row, first row emitted
        for (row, &tick) in ticks.iter().enumerate() {
            if tick == NO_TIME {
                continue;
            }
            match &mut run {
                Some((time, first, emitted)) if *time == tick => {
                    if !*emitted {
                        out.push((tick, *first));
                        *emitted = true;
                    }
                    out.push((tick, row));
                }
                _ => run = Some((tick, row, false)),
            }
        }
    } else {
        let mut seen: HashMap<i64, (usize, bool), FastBuild> = HashMap::with_capacity_and_hasher(ticks.len(), FastBuild::default());
        for (row, &tick) in ticks.iter().enumerate() {
            if tick == NO_TIME {
                continue;
            }
            match seen.get_mut(&tick) {
                Some((first, emitted)) => {
                    if !*emitted {
                        out.push((tick, *first));
                        *emitted = true;
                    }
                    out.push((tick, row));
                }
                None => {
                    seen.insert(tick, (row, false));
                }
            }
        }
        out.sort_unstable();
    }
    out
}

/// Splits the repeats into exact copies of an earlier row and rows that only share its time.
pub(super) fn split_repeats(frame: &DataFrame, repeated: &[(i64, usize)]) -> (Vec<usize>, Vec<usize>) {
    let (mut copies, mut same_time) = (Vec::new(), Vec::new());
    if repeated.is_empty() {
        return (copies, same_time);
    }
    let rows: Vec<usize> = repeated.iter().map(|&(_, row)| row).collect();
    let hashes = hash_rows(frame, Some(&rows));
    let mut group_hashes: Vec<u64> = Vec::new();
    for (i, &(tick, row)) in repeated.iter().enumerate() {
        let hash = hashes.get(i).copied().unwrap_or_default();
        let starts_group = i == 0 || repeated.get(i - 1).is_none_or(|&(prev, _)| prev != tick);
        if starts_group {
            group_hashes.clear();
            group_hashes.push(hash);
        } else if group_hashes.contains(&hash) {
            copies.push(row);
        } else {
            same_time.push(row);
            group_hashes.push(hash);
        }
    }
    copies.sort_unstable();
    same_time.sort_unstable();
    (copies, same_time)
}

/// Without a time axis, duplicates are found by hashing whole rows in one pass per column.
pub(super) fn duplicate_rows_without_time(frame: &DataFrame, places: Places<'_>, findings: &mut Vec<Finding>) {
    if frame.height() < 2 || frame.width() == 0 {
        return;
    }
    let hashes = hash_rows(frame, None);
    // Entirely empty rows (trailing separators in spreadsheet exports) count as missing, not
    // as copies of each other.
    let empty_row = frame.columns().iter().fold(ROW_SEED, |hash, _| fold_cell(hash, NULL_CELL));
    let mut seen: HashSet<u64, FastBuild> = HashSet::with_capacity_and_hasher(hashes.len(), FastBuild::default());
    let copies: Vec<usize> = hashes.iter().enumerate().filter(|&(_, &h)| h != empty_row && !seen.insert(h)).map(|(row, _)| row).collect();
    if !copies.is_empty() {
        let n = copies.len();
        findings.push(places.finding(
            FindingKind::DuplicateRows,
            None,
            n as u64,
            Severity::Warning,
            &copies,
            Words::variant("without_time", [("count", n.into())]),
        ));
    }
}

const ROW_SEED: u64 = 0x517C_C1B7_2722_0A95;
const NULL_CELL: u64 = 0x6A09_E667_F3BC_C909;

/// One 64-bit hash per row (of `rows`, or of every row), folding in each column's cell.
fn hash_rows(frame: &DataFrame, rows: Option<&[usize]>) -> Vec<u64> {
    let len = rows.map_or(frame.height(), <[usize]>::len);
    let mut hashes = vec![ROW_SEED; len];
    for column in frame.columns() {
        let series = column.as_materialized_series();
        let dtype = series.dtype();
        if dtype.is_float() {
            if let Ok(cast) = series.cast(&DataType::Float64) {
                if let Ok(ca) = cast.f64() {
                    let key = |v: Option<f64>| v.map_or(NULL_CELL, float_key);
                    fold_cells(&mut hashes, rows, |r| key(ca.get(r)), || ca.iter().map(key));
                    continue;
                }
            }
        } else if dtype.is_integer() || dtype.is_bool() || dtype.is_temporal() {
            if let Ok(cast) = series.to_physical_repr().cast(&DataType::Int64) {
                if let Ok(ca) = cast.i64() {
                    let key = |v: Option<i64>| v.map_or(NULL_CELL, |v| mix64(v as u64));
                    fold_cells(&mut hashes, rows, |r| key(ca.get(r)), || ca.iter().map(key));
                    continue;
                }
            }
        } else if let Ok(ca) = series.str() {
            let key = |v: Option<&str>| v.map_or(NULL_CELL, hash_str);
            fold_cells(&mut hashes, rows, |r| key(ca.get(r)), || ca.iter().map(key));
            continue;
        }
        // Anything else is compared by its text rendering.
        if let Ok(cast) = series.cast(&DataType::String) {
            if let Ok(ca) = cast.str() {
                let key = |v: Option<&str>| v.map_or(NULL_CELL, hash_str);
                fold_cells(&mut hashes, rows, |r| key(ca.get(r)), || ca.iter().map(key));
            }
        }
    }
    hashes
}

fn fold_cells<I: Iterator<Item = u64>>(hashes: &mut [u64], rows: Option<&[usize]>, at: impl Fn(usize) -> u64, all: impl FnOnce() -> I) {
    match rows {
        Some(rows) => {
            for (hash, &row) in hashes.iter_mut().zip(rows) {
                *hash = fold_cell(*hash, at(row));
            }
        }
        None => {
            for (hash, cell) in hashes.iter_mut().zip(all()) {
                *hash = fold_cell(*hash, cell);
            }
        }
    }
}

/// Adds one cell to a row hash; the rotation makes the result depend on column order.
fn fold_cell(hash: u64, cell: u64) -> u64 {
    mix64(hash.rotate_left(17) ^ cell)
}

/// Equal floats hash equally (0.0 and -0.0, every NaN).
fn float_key(v: f64) -> u64 {
    if v == 0.0 {
        mix64(0)
    } else if v.is_nan() {
        mix64(0x7FF8_0000_0000_0000)
    } else {
        mix64(v.to_bits())
    }
}

fn hash_str(s: &str) -> u64 {
    let mut hasher = FastHasher::default();
    hasher.write(s.as_bytes());
    hasher.write_u64(s.len() as u64);
    hasher.finish()
}

/// The splitmix64 finalizer: spreads every input bit over the output.
pub(super) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A fast non-cryptographic hasher for in-memory maps of timestamps, row hashes and texts.
#[derive(Default)]
pub(super) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        mix64(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(29) ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(super) type FastBuild = BuildHasherDefault<FastHasher>;

#[cfg(test)]
mod tests {
    use super::super::test_signals::assess_frame;
    use plantlab_protocol::FindingKind;
    use polars::prelude::*;

    #[test]
    fn duplicates_without_a_time_axis_hash_whole_rows() {
        let frame = df!(
            "a" => [1.0, 2.0, 1.0, 1.0, 3.0],
            "b" => [Some("x"), None, Some("x"), Some("y"), None],
            "c" => [1i64, 2, 1, 1, 2]
        )
        .unwrap();
        let a = assess_frame(&frame, None, None);
        let dup: Vec<_> = a.findings.iter().filter(|f| f.kind == FindingKind::DuplicateRows).collect();
        assert_eq!(dup.len(), 1);
        assert_eq!((dup[0].count, dup[0].rows.clone(), dup[0].examples.clone()), (1, vec![2], vec!["row 2".to_owned()]));
    }
}
