//! The pieces of a text file as they are parsed, in file order. Runs of pieces that the fast
//! parser reads fill column sets in place; other pieces are frames from polars' reader.
//!
//! A set's number columns are written in place into one buffer per type, reserved for the
//! whole run, so a loaded column is one chunk rather than one slice per piece, and later passes
//! over it (quality checks, plots, cleaning) read it as it is instead of first copying its
//! pieces together.

use polars::prelude::*;
use rayon::prelude::*;

use crate::quality::StatusTextCount;
use plantlab_sniff::numeric_table::{self, ColumnKind, NumberSink, Span, TableLayout, Values};

pub(super) struct ParsedPieces {
    blocks: Vec<Block>,
    status: Vec<StatusTextCount>,
    /// Rows so far (the first piece's rows start here).
    rows: u64,
    /// Bytes of the whole body and of the piece being read, to estimate the file's rows.
    body_bytes: usize,
    piece_bytes: usize,
}

enum Block {
    Fast(ColumnSet),
    General(DataFrame),
}

/// Columns of consecutive fast pieces with the same column types. All number columns of one
/// type share one buffer, each with room for `capacity` rows, so every column becomes a single
/// zero-copy slice of it.
struct ColumnSet {
    kinds: Vec<ColumnKind>,
    /// Float columns one after another, `capacity` values each.
    floats: Vec<f64>,
    integers: Vec<i64>,
    capacity: usize,
    /// Per column, missing-value flags once one of its cells was missing.
    valid: Vec<Option<Vec<bool>>>,
    /// Per column, the text read so far (one chunk per piece).
    texts: Vec<Option<StringChunked>>,
    /// Rows kept; room beyond them belongs to the piece being read.
    rows: usize,
    /// Rows handed out as room so far (beyond `rows` when a piece was not kept).
    written: usize,
}

impl ParsedPieces {
    pub(super) fn new(body_bytes: usize, first_row: u64) -> Self {
        Self { blocks: Vec::new(), status: Vec::new(), rows: first_row, body_bytes, piece_bytes: 0 }
    }

    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    /// Reads `piece` with the fast parser and keeps it; `false` (nothing kept) when the parser
    /// does not take it or a text cell is not UTF-8.
    pub(super) fn read_fast(&mut self, piece: &[u8], layout: &TableLayout, names: &[String]) -> bool {
        self.piece_bytes = piece.len();
        let Ok(table) = numeric_table::parse_table_into(piece, layout, self) else { return false };
        if table.rows == 0 {
            return false;
        }
        // Text columns first: until they are built the piece may still go to polars.
        let mut texts = Vec::new();
        for (name, column) in names.iter().zip(&table.columns) {
            if let Values::Text(spans) = &column.values {
                match text_column(name, piece, spans, column.valid.as_deref()) {
                    Some(text) => texts.push(text),
                    None => return false,
                }
            }
        }
        let Some(Block::Fast(set)) = self.blocks.last_mut() else { return false };
        for (name, column) in names.iter().zip(&table.columns) {
            if column.status_count > 0 {
                let rows = column.status_rows.iter().map(|r| r + self.rows).collect();
                self.status.push(StatusTextCount { column: name.clone(), count: column.status_count, rows });
            }
        }
        set.keep(table.rows, texts, table.columns.into_iter().map(|c| c.valid).collect());
        self.rows += table.rows as u64;
        true
    }

    /// Keeps a piece that polars read.
    pub(super) fn push_general(&mut self, frame: DataFrame, status: Vec<StatusTextCount>) {
        self.rows += frame.height() as u64;
        self.blocks.push(Block::General(frame));
        self.status.extend(status);
    }

    /// The frames in file order (one per column set, one per polars piece) and the status-text
    /// counts of all pieces.
    pub(super) fn finish(self, names: &[String]) -> PolarsResult<(Vec<DataFrame>, Vec<StatusTextCount>)> {
        let mut frames = Vec::with_capacity(self.blocks.len());
        for block in self.blocks {
            match block {
                Block::Fast(set) if set.rows == 0 => {}
                Block::Fast(set) => frames.push(set.finish(names)?),
                Block::General(frame) => frames.push(frame),
            }
        }
        Ok((frames, self.status))
    }
}

impl NumberSink for ParsedPieces {
    fn room(&mut self, kinds: &[ColumnKind], rows: usize) -> (Vec<&mut [f64]>, Vec<&mut [i64]>) {
        let usable = match self.blocks.last() {
            Some(Block::Fast(set)) => set.kinds == kinds && set.rows + rows <= set.capacity,
            _ => false,
        };
        if !usable {
            // Rows of this piece scaled to the whole body (bytes per row), with some to spare,
            // but at most a bounded multiple of this piece (a first piece of unusually short
            // rows must not reserve memory for a file of such rows); the rest of the file goes
            // into further sets.
            let scaled = (rows as f64 * self.body_bytes as f64 / self.piece_bytes.max(1) as f64 * 1.05) as usize;
            let expected = scaled.min(rows.saturating_mul(MAX_PIECES_PER_SET));
            if let Some(Block::Fast(set)) = self.blocks.last() {
                if set.rows == 0 {
                    // Read before with the first rows' guess of the types: start again.
                    self.blocks.pop();
                }
            }
            self.blocks.push(Block::Fast(ColumnSet::new(kinds, expected.max(rows), rows)));
        }
        match self.blocks.last_mut() {
            Some(Block::Fast(set)) => set.room(rows),
            _ => (Vec::new(), Vec::new()),
        }
    }
}

impl ColumnSet {
    /// A set with room for `capacity` rows (`piece_rows` at least).
    fn new(kinds: &[ColumnKind], capacity: usize, piece_rows: usize) -> Self {
        let count = |kind| numeric_table::count_of(kinds, kind);
        let (float_columns, integer_columns) = (count(ColumnKind::Float), count(ColumnKind::Integer));
        // Where memory for the estimate is refused, room for this piece only; where even that
        // is, none (the parser then leaves the piece to polars).
        let capacity = [capacity, piece_rows]
            .into_iter()
            .find(|&c| can_allocate::<f64>(c.saturating_mul(float_columns)) && can_allocate::<i64>(c.saturating_mul(integer_columns)))
            .unwrap_or(0);
        // Zeroed allocations: fresh memory the kernel clears when the parser first writes it,
        // advised to huge pages before that (and never touched where the estimate was high).
        let mut floats = vec![0.0; capacity * float_columns];
        let mut integers = vec![0; capacity * integer_columns];
        numeric_table::advise_huge_pages(&mut floats);
        numeric_table::advise_huge_pages(&mut integers);
        Self {
            kinds: kinds.to_vec(),
            floats,
            integers,
            capacity,
            valid: vec![None; kinds.len()],
            texts: vec![None; kinds.len()],
            rows: 0,
            written: 0,
        }
    }

    /// Room for `rows` more values in every number column (at most `capacity` in all).
    fn room(&mut self, rows: usize) -> (Vec<&mut [f64]>, Vec<&mut [i64]>) {
        let (kept, written, capacity) = (self.rows, self.written, self.capacity);
        let end = (kept + rows).min(capacity);
        self.written = written.max(end);
        (room_in(&mut self.floats, capacity, kept, written, end), room_in(&mut self.integers, capacity, kept, written, end))
    }

    /// Keeps the piece just read into the room: its text columns (in column order) and each
    /// column's missing-value flags.
    fn keep(&mut self, rows: usize, texts: Vec<StringChunked>, valid: Vec<Option<Vec<bool>>>) {
        let mut texts = texts.into_iter();
        for (column, piece_valid) in valid.into_iter().enumerate() {
            if self.kinds.get(column) == Some(&ColumnKind::Text) {
                let Some(text) = texts.next() else { continue };
                match &mut self.texts[column] {
                    Some(kept) => {
                        // Same names and types, so appending cannot fail.
                        let _ = kept.append_owned(text);
                    }
                    empty => *empty = Some(text),
                }
                continue;
            }
            let kept = self.rows;
            match (&mut self.valid[column], piece_valid) {
                (Some(flags), Some(piece_flags)) => flags.extend(piece_flags),
                (Some(flags), None) => flags.resize(kept + rows, true),
                (none, Some(piece_flags)) => {
                    let mut flags = vec![true; kept];
                    flags.extend(piece_flags);
                    *none = Some(flags);
                }
                (None, None) => {}
            }
        }
        self.rows += rows;
    }

    fn finish(mut self, names: &[String]) -> PolarsResult<DataFrame> {
        let (rows, capacity) = (self.rows, self.capacity);
        let floats = Float64Chunked::from_vec(PlSmallStr::EMPTY, std::mem::take(&mut self.floats));
        let integers = Int64Chunked::from_vec(PlSmallStr::EMPTY, std::mem::take(&mut self.integers));
        let (mut float_at, mut integer_at) = (0, 0);
        let mut columns = Vec::with_capacity(self.kinds.len());
        for (column, (kind, name)) in self.kinds.iter().zip(names).enumerate() {
            let name = PlSmallStr::from(name.as_str());
            let valid = self.valid[column].as_deref();
            let next = |at: &mut i64| {
                *at += capacity as i64;
                *at - capacity as i64
            };
            columns.push(match kind {
                ColumnKind::Float => with_missing(floats.slice(next(&mut float_at), rows).with_name(name), valid).into_column(),
                ColumnKind::Integer => with_missing(integers.slice(next(&mut integer_at), rows).with_name(name), valid).into_column(),
                ColumnKind::Text => match self.texts[column].take() {
                    Some(text) => text.into_column(),
                    None => StringChunked::full_null(name, rows).into_column(),
                },
            });
        }
        DataFrame::new(rows, columns)
    }
}

/// A set holds at most this many times the rows of the piece that starts it.
const MAX_PIECES_PER_SET: usize = 64;

/// Whether `len` values can be allocated now: asked without touching memory, and given back,
/// so that a refused request is an answer here and not an abort in `vec!`.
fn can_allocate<T>(len: usize) -> bool {
    let mut probe: Vec<T> = Vec::new();
    probe.try_reserve_exact(len).is_ok()
}

/// Rows `kept..end` of each column of `buffer` (columns of `capacity` values). Rows up to
/// `written` may hold values of a piece that was not kept; they are zeroed again, since the
/// parser leaves missing cells untouched.
fn room_in<T: Copy + Default>(buffer: &mut [T], capacity: usize, kept: usize, written: usize, end: usize) -> Vec<&mut [T]> {
    buffer
        .chunks_mut(capacity.max(1))
        .map(|column| {
            let room = &mut column[kept..end];
            let dirty = written.min(end).saturating_sub(kept);
            room[..dirty].fill(T::default());
            room
        })
        .collect()
}

/// A text column of the fast parser (cells as spans into `piece`), built in a few row ranges on
/// all cores (one chunk each) as bytes first: their UTF-8 check then runs over each range's
/// buffers at once (an ASCII test), not per cell. `None` when a cell is not UTF-8.
fn text_column(name: &str, piece: &[u8], spans: &[Span], valid: Option<&[bool]>) -> Option<StringChunked> {
    let name = PlSmallStr::from(name);
    let rows_per_task = spans.len().div_ceil(2 * rayon::current_num_threads().max(1)).max(4096);
    let ranges: Vec<Option<StringChunked>> = spans
        .par_chunks(rows_per_task)
        .enumerate()
        .map(|(task, spans)| {
            let first = task * rows_per_task;
            let cells = spans.iter().enumerate().map(|(i, span)| {
                let filled = valid.is_none_or(|v| v.get(first + i).copied().unwrap_or(false));
                filled.then(|| piece.get(span.start as usize..span.end as usize).unwrap_or_default())
            });
            let bytes = BinaryChunked::from_iter_options(name.clone(), cells);
            let text = bytes.cast(&DataType::String).ok()?;
            // A cast that turned a cell into a null instead of failing is refused too.
            (text.null_count() == bytes.null_count()).then(|| text.str().ok().cloned()).flatten()
        })
        .collect();
    let mut ranges = ranges.into_iter();
    let mut column = match ranges.next() {
        Some(first) => first?,
        None => StringChunked::full_null(name, 0),
    };
    for range in ranges {
        column.append_owned(range?).ok()?;
    }
    Some(column)
}

/// Marks the cells flagged false in `valid` as missing, without copying the values.
fn with_missing<T: PolarsDataType>(column: ChunkedArray<T>, valid: Option<&[bool]>) -> ChunkedArray<T> {
    match valid {
        None => column,
        Some(valid) => {
            let mask = BooleanChunked::from_slice(PlSmallStr::EMPTY, valid);
            let bitmap = mask.downcast_iter().next().map(|flags| flags.values().clone());
            column.with_validity(bitmap)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const NAMES: [&str; 3] = ["time", "count", "level"];

    /// Rows `first..first + n`: a time, an integer count and a level that is empty every 7th row;
    /// `odd_row` puts a float into the count column (after the type-deciding rows).
    fn piece(first: usize, n: usize, odd_row: Option<usize>) -> String {
        let mut text = String::new();
        for row in first..first + n {
            let count = if Some(row) == odd_row { "7.5".to_owned() } else { row.to_string() };
            let level = if row % 7 == 0 { String::new() } else { format!("{}.25", row % 100) };
            text.push_str(&format!("2024-03-04 {:02}:{:02}:00,{count},{level}\n", row / 60 % 24, row % 60));
        }
        text
    }

    fn layout() -> TableLayout<'static> {
        TableLayout { delimiter: b',', decimal_comma: false, columns: 3, status_texts: &[], infer_rows: 100, example_rows: 5 }
    }

    fn names() -> Vec<String> {
        NAMES.iter().map(|n| n.to_string()).collect()
    }

    /// Checks `frames` stacked hold exactly the rows of `kept` (first row, count) pieces.
    fn check(frames: Vec<DataFrame>, kept: &[(usize, usize)]) {
        let frame = crate::import::chunks::combine_chunks(frames).unwrap();
        let rows: Vec<usize> = kept.iter().flat_map(|&(first, n)| first..first + n).collect();
        assert_eq!(frame.height(), rows.len());
        let count = frame.column("count").unwrap().i64().unwrap().clone();
        let level = frame.column("level").unwrap().f64().unwrap().clone();
        let time = frame.column("time").unwrap().str().unwrap().clone();
        // Under a missing cell the buffer holds zero, never a value of a piece not kept.
        let under_mask: Vec<f64> = level.downcast_iter().flat_map(|chunk| chunk.values().iter().copied()).collect();
        for (i, &row) in rows.iter().enumerate() {
            assert_eq!(count.get(i), Some(row as i64), "row {i}");
            let expected = (row % 7 != 0).then_some((row % 100) as f64 + 0.25);
            assert_eq!(level.get(i), expected, "row {i}");
            assert_eq!(under_mask[i], expected.unwrap_or(0.0), "row {i}");
            assert_eq!(time.get(i), Some(format!("2024-03-04 {:02}:{:02}:00", row / 60 % 24, row % 60).as_str()));
        }
    }

    #[test]
    fn consecutive_pieces_fill_one_chunk_per_column() {
        let pieces: Vec<String> = (0..4).map(|p| piece(p * 300, 300, None)).collect();
        let body: usize = pieces.iter().map(String::len).sum();
        let mut parsed = ParsedPieces::new(body, 0);
        for p in &pieces {
            assert!(parsed.read_fast(p.as_bytes(), &layout(), &names()));
        }
        let (frames, _) = parsed.finish(&names()).unwrap();
        assert_eq!(frames.len(), 1);
        for name in ["count", "level"] {
            assert_eq!(frames[0].column(name).unwrap().as_materialized_series().n_chunks(), 1, "{name}");
        }
        check(frames, &[(0, 1200)]);
    }

    #[test]
    fn a_piece_not_kept_leaves_nothing_behind() {
        let mut parsed = ParsedPieces::new(100 * piece(0, 300, None).len(), 0);
        assert!(parsed.read_fast(piece(0, 300, None).as_bytes(), &layout(), &names()));
        // A float late in the integer column: the parser wrote this piece's values, then refused it.
        assert!(!parsed.read_fast(piece(300, 300, Some(450)).as_bytes(), &layout(), &names()));
        assert_eq!(parsed.rows(), 300);
        // The next piece takes the same rows; its empty cells must not show the refused values.
        assert!(parsed.read_fast(piece(600, 300, None).as_bytes(), &layout(), &names()));
        let (frames, _) = parsed.finish(&names()).unwrap();
        assert_eq!(frames.len(), 1);
        check(frames, &[(0, 300), (600, 300)]);
    }

    #[test]
    fn the_room_reserved_is_bounded_by_the_piece_and_by_what_can_be_had() {
        // A terabyte of body after a small first piece: the estimate is capped.
        let mut parsed = ParsedPieces::new(1 << 40, 0);
        assert!(parsed.read_fast(piece(0, 300, None).as_bytes(), &layout(), &names()));
        let Some(Block::Fast(set)) = parsed.blocks.last() else { panic!("no column set") };
        assert_eq!(set.capacity, 300 * MAX_PIECES_PER_SET);
        assert!(!can_allocate::<f64>(usize::MAX / 4));
        assert!(can_allocate::<f64>(1 << 20));
        check(parsed.finish(&names()).unwrap().0, &[(0, 300)]);
    }

    #[test]
    fn more_rows_than_estimated_and_other_pieces_start_new_sets() {
        // The body is said to be as long as the first piece, so the second overflows its set.
        let first = piece(0, 300, None);
        let mut parsed = ParsedPieces::new(first.len(), 0);
        assert!(parsed.read_fast(first.as_bytes(), &layout(), &names()));
        assert!(parsed.read_fast(piece(300, 300, None).as_bytes(), &layout(), &names()));
        // A piece read elsewhere (here: by hand) sits between two runs of fast pieces.
        let rows = 600..900usize;
        let general = DataFrame::new(
            rows.len(),
            vec![
                Column::new("time".into(), rows.clone().map(|r| format!("2024-03-04 {:02}:{:02}:00", r / 60 % 24, r % 60)).collect::<Vec<_>>()),
                Column::new("count".into(), rows.clone().map(|r| r as i64).collect::<Vec<_>>()),
                Column::new("level".into(), rows.clone().map(|r| (r % 7 != 0).then_some((r % 100) as f64 + 0.25)).collect::<Vec<_>>()),
            ],
        )
        .unwrap();
        parsed.push_general(general, Vec::new());
        assert!(parsed.read_fast(piece(900, 300, None).as_bytes(), &layout(), &names()));
        assert_eq!(parsed.rows(), 1200);
        let (frames, _) = parsed.finish(&names()).unwrap();
        assert_eq!(frames.len(), 4);
        check(frames, &[(0, 1200)]);
    }
}
