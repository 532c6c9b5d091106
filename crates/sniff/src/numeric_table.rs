//! A fast reader for the common shape of a plant export: a plain delimited table of numbers
//! (and a few text columns such as the timestamp), no quotes. It parses one row-aligned
//! piece of the body on every core and returns typed columns, or says it cannot handle the
//! piece, and the caller then uses a general CSV reader.
//!
//! Column types follow the rules of a CSV reader that infers a schema from the first
//! `infer_rows` rows: a column is integer when every filled cell of those rows is an integer,
//! float when any is a float (decimal point or comma, exponent, `inf`, `NaN`), and text when
//! any is something else or none is filled. Cells that would break those rules further down
//! (a float in an integer column, a word in a numeric column) make the piece unsupported
//! rather than guessed at. Exact status texts are missing values, counted per column.

use rayon::prelude::*;

/// How the piece is laid out.
#[derive(Clone, Debug)]
pub struct TableLayout<'a> {
    pub delimiter: u8,
    /// `true` when the decimal separator is a comma.
    pub decimal_comma: bool,
    /// Fields per row (the header's width).
    pub columns: usize,
    /// Cells equal to one of these are missing values, counted per column.
    pub status_texts: &'a [String],
    /// Rows whose cells decide each column's type.
    pub infer_rows: usize,
    /// Example rows kept per column for status texts.
    pub example_rows: usize,
}

/// Why a piece was left to the general reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// Delimiter, decimal separator or a status text this reader does not handle.
    Layout(&'static str),
    /// The piece holds a byte this reader leaves alone (a quote or a carriage return).
    Byte(u8),
    EmptyLine {
        row: usize,
    },
    /// A row with fewer or more fields than the header.
    Ragged {
        row: usize,
    },
    /// A cell whose type the general reader treats in a way this reader does not mirror
    /// (true/false, integers beyond 64 bits, padded status texts, non-ASCII digits).
    Cell {
        row: usize,
        column: usize,
    },
    /// A cell after the type-deciding rows that does not fit its column's type.
    LateType {
        row: usize,
        column: usize,
    },
    TooLarge,
}

/// A cell's position in the piece (byte offsets).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Float,
    Text,
}

/// Where a column's cells are: numbers in the table's shared buffers (or, read with a
/// `NumberSink`, the rows `0..rows` of the slice it gave the column), text as spans.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Rows of `ParsedTable::integers`.
    Integer(std::ops::Range<usize>),
    /// Rows of `ParsedTable::floats`.
    Float(std::ops::Range<usize>),
    /// Cells of a text column as spans into the piece.
    Text(Vec<Span>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParsedColumn {
    pub values: Values,
    /// `valid[row]` is false for a missing cell (empty or status text); `None` when none is.
    pub valid: Option<Vec<bool>>,
    pub status_count: u64,
    /// The first rows (within the piece) holding a status text, ascending.
    pub status_rows: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParsedTable {
    pub rows: usize,
    pub columns: Vec<ParsedColumn>,
    /// The values of every float column, column after column. One allocation rather than one
    /// per column, so it can be zeroed on all cores (see `zeroed`) instead of column by column
    /// on one thread (that was a third of a piece's time).
    pub floats: Vec<f64>,
    /// The same for integer columns.
    pub integers: Vec<i64>,
}

/// Rows read before the parallel pass to guess the column types.
const GUESS_ROWS: usize = 64;

/// Where the parser writes the values of number columns.
pub trait NumberSink {
    /// Room for `rows` values in each number column of `kinds`, in column order: one slice per
    /// float column and one per integer column. Asked again when the piece is read a second
    /// time (the first rows' guess of the types was wrong); the latest room holds the values.
    fn room(&mut self, kinds: &[ColumnKind], rows: usize) -> (Vec<&mut [f64]>, Vec<&mut [i64]>);
}

/// The sink `parse_table` uses: both buffers of a `ParsedTable`, column after column.
#[derive(Default)]
struct TableBuffers {
    floats: Vec<f64>,
    integers: Vec<i64>,
}

impl NumberSink for TableBuffers {
    fn room(&mut self, kinds: &[ColumnKind], rows: usize) -> (Vec<&mut [f64]>, Vec<&mut [i64]>) {
        let (floats, integers) = (count_of(kinds, ColumnKind::Float), count_of(kinds, ColumnKind::Integer));
        self.floats = zeroed(rows * floats);
        self.integers = zeroed(rows * integers);
        (split_columns(&mut self.floats, rows, floats), split_columns(&mut self.integers, rows, integers))
    }
}

/// How many columns are of `kind`.
pub fn count_of(kinds: &[ColumnKind], kind: ColumnKind) -> usize {
    kinds.iter().filter(|&&k| k == kind).count()
}

/// `columns` slices of `rows` values each, from the start of `buffer`.
fn split_columns<T>(mut buffer: &mut [T], rows: usize, columns: usize) -> Vec<&mut [T]> {
    (0..columns).map(|_| take_rows(&mut buffer, rows)).collect()
}

/// Parses a piece of body text (whole rows; the last may lack its line end).
pub fn parse_table(piece: &[u8], layout: &TableLayout) -> Result<ParsedTable, Unsupported> {
    let mut buffers = TableBuffers::default();
    let mut table = parse_table_into(piece, layout, &mut buffers)?;
    // The columns' rows in the shared buffers, in column order.
    let (mut floats, mut integers) = (0, 0);
    for column in &mut table.columns {
        let next = |at: &mut usize| {
            *at += table.rows;
            *at - table.rows..*at
        };
        match &mut column.values {
            Values::Float(rows) => *rows = next(&mut floats),
            Values::Integer(rows) => *rows = next(&mut integers),
            Values::Text(_) => {}
        }
    }
    (table.floats, table.integers) = (buffers.floats, buffers.integers);
    Ok(table)
}

/// Parses a piece of body text (whole rows; the last may lack its line end) with the values of
/// its number columns written where `sink` says. The number columns' ranges are then rows of
/// the slices the sink gave (`0..rows`), and the table's own buffers are empty.
pub fn parse_table_into(piece: &[u8], layout: &TableLayout, sink: &mut dyn NumberSink) -> Result<ParsedTable, Unsupported> {
    let value_like_status = check_layout(layout)?;
    if piece.len() >= u32::MAX as usize {
        return Err(Unsupported::TooLarge);
    }
    let decimal = if layout.decimal_comma { b',' } else { b'.' };
    let parts = split_parts(piece, rayon::current_num_threads().max(1) * 4);
    if parts.iter().any(|p| p.has_quote) {
        return Err(Unsupported::Byte(b'"'));
    }

    let guess = guess_kinds(piece, layout, decimal);
    let (mut table, stats) = parse_parts(piece, &parts, &guess, layout, decimal, &value_like_status, sink)?;
    let kinds = decide_kinds(&stats, layout.infer_rows)?;
    if kinds != guess {
        // The guess from the first rows was wrong: read again with the decided types (the
        // cell classes, and so the decision, do not depend on the types read with).
        let (again, stats) = parse_parts(piece, &parts, &kinds, layout, decimal, &value_like_status, sink)?;
        let _ = decide_kinds(&stats, layout.infer_rows)?;
        table = again;
    }
    Ok(table)
}

/// Checks the layout; returns the status texts that could also be read as a value (`NaN`,
/// `-9999`, `true`), which must be matched before a cell is classified.
fn check_layout<'a>(layout: &TableLayout<'a>) -> Result<Vec<&'a [u8]>, Unsupported> {
    if layout.columns == 0 {
        return Err(Unsupported::Layout("no columns"));
    }
    if !matches!(layout.delimiter, b',' | b';' | b'\t' | b'|') {
        return Err(Unsupported::Layout("delimiter"));
    }
    if layout.decimal_comma && layout.delimiter == b',' {
        return Err(Unsupported::Layout("decimal comma with comma delimiter"));
    }
    let decimal = if layout.decimal_comma { b',' } else { b'.' };
    let mut value_like = Vec::new();
    for status in layout.status_texts {
        let bytes = status.as_bytes();
        // Status texts are matched exactly; ones that could be padded or part of the layout
        // are left to the general reader.
        let plain =
            !bytes.is_empty() && status.trim() == status && !bytes.iter().any(|&b| b == layout.delimiter || b == b'\n' || b == b'\r' || b == b'"');
        if !plain {
            return Err(Unsupported::Layout("status text"));
        }
        if classify(bytes, decimal) != Cell::Text || is_boolean(bytes) {
            value_like.push(bytes);
        }
    }
    Ok(value_like)
}

/// One part of the piece, parsed by one task.
struct Part {
    start: usize,
    end: usize,
    first_row: usize,
    rows: usize,
    has_quote: bool,
    /// Carriage returns in the part; each must end a line (CRLF), or the part is refused.
    carriage_returns: usize,
}

/// Splits the piece after line ends into about `wanted` parts and counts their rows.
fn split_parts(piece: &[u8], wanted: usize) -> Vec<Part> {
    let mut bounds = vec![0usize];
    let step = piece.len() / wanted.max(1) + 1;
    let mut at = 0usize;
    while at < piece.len() {
        let target = (at + step).min(piece.len());
        let end = match piece[target..].iter().position(|&b| b == b'\n') {
            Some(i) => target + i + 1,
            None => piece.len(),
        };
        bounds.push(end);
        at = end;
    }
    let counted: Vec<(usize, bool, usize)> = bounds
        .windows(2)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|w| {
            let bytes = &piece[w[0]..w[1]];
            let (lines, has_quote, carriage_returns) = scan_bytes(bytes);
            (lines + usize::from(bytes.last().is_some_and(|&b| b != b'\n')), has_quote, carriage_returns)
        })
        .collect();
    let mut parts = Vec::with_capacity(counted.len());
    let mut first_row = 0;
    for (w, (rows, has_quote, carriage_returns)) in bounds.windows(2).zip(counted) {
        parts.push(Part { start: w[0], end: w[1], first_row, rows, has_quote, carriage_returns });
        first_row += rows;
    }
    parts
}

/// Counts line ends and carriage returns and notes any quote, in one pass written so the
/// compiler turns it into vector instructions (a byte-at-a-time count costs more than the
/// number parsing of some cells). Three `memchr` passes (search and count) cost more.
fn scan_bytes(bytes: &[u8]) -> (usize, bool, usize) {
    let (mut lines, mut carriage_returns) = (0usize, 0usize);
    let mut quote = 0u8;
    for chunk in bytes.chunks(128) {
        let (mut lines_in_chunk, mut returns_in_chunk) = (0u8, 0u8);
        for &b in chunk {
            // Wrapping (at most 128 per chunk): an overflow check would stop the vectorising.
            lines_in_chunk = lines_in_chunk.wrapping_add(u8::from(b == b'\n'));
            returns_in_chunk = returns_in_chunk.wrapping_add(u8::from(b == b'\r'));
            quote |= u8::from(b == b'"');
        }
        lines = lines.wrapping_add(usize::from(lines_in_chunk));
        carriage_returns = carriage_returns.wrapping_add(usize::from(returns_in_chunk));
    }
    (lines, quote != 0, carriage_returns)
}

/// What one cell holds, as a schema-inferring CSV reader would classify it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cell {
    Empty,
    /// An integer; `negative` keeps the sign of a zero for float columns.
    Integer {
        value: i64,
        negative: bool,
    },
    /// An integer that does not fit 64 bits.
    BigInteger,
    Float(f64),
    Text,
}

/// First row (within the whole piece) where each class of cell was seen in a column.
#[derive(Clone, Copy, Debug)]
struct ColumnStats {
    first_integer: usize,
    first_float: usize,
    first_big_integer: usize,
    first_text: usize,
    status_count: u64,
    /// Bad cell (see `Unsupported::Cell`), if any.
    first_bad: usize,
    nulls: usize,
}

const NEVER: usize = usize::MAX;

impl ColumnStats {
    fn new() -> Self {
        ColumnStats {
            first_integer: NEVER,
            first_float: NEVER,
            first_big_integer: NEVER,
            first_text: NEVER,
            status_count: 0,
            first_bad: NEVER,
            nulls: 0,
        }
    }

    fn merge(&mut self, other: &ColumnStats) {
        self.first_integer = self.first_integer.min(other.first_integer);
        self.first_float = self.first_float.min(other.first_float);
        self.first_big_integer = self.first_big_integer.min(other.first_big_integer);
        self.first_text = self.first_text.min(other.first_text);
        self.first_bad = self.first_bad.min(other.first_bad);
        self.status_count += other.status_count;
        self.nulls += other.nulls;
    }
}

struct PartStats {
    columns: Vec<ColumnStats>,
    status_rows: Vec<Vec<u64>>,
    /// Rows (within the part) of the missing cells of each column.
    missing_rows: Vec<Vec<u32>>,
}

/// The type each column takes from the first `infer_rows` rows, or why the piece cannot be
/// read here.
fn decide_kinds(stats: &[ColumnStats], infer_rows: usize) -> Result<Vec<ColumnKind>, Unsupported> {
    let mut kinds = Vec::with_capacity(stats.len());
    for (column, s) in stats.iter().enumerate() {
        if s.first_bad != NEVER {
            return Err(Unsupported::Cell { row: s.first_bad, column });
        }
        let first_typed = s.first_integer.min(s.first_float).min(s.first_big_integer);
        if s.first_text < infer_rows || first_typed >= infer_rows {
            kinds.push(ColumnKind::Text);
            continue;
        }
        let late = |row: usize| Err(Unsupported::LateType { row, column });
        if s.first_big_integer != NEVER {
            return late(s.first_big_integer);
        }
        if s.first_text != NEVER {
            return late(s.first_text);
        }
        if s.first_float < infer_rows {
            kinds.push(ColumnKind::Float);
        } else if s.first_float != NEVER {
            return late(s.first_float);
        } else {
            kinds.push(ColumnKind::Integer);
        }
    }
    Ok(kinds)
}

/// Types guessed from the first rows, to parse with before the whole piece is seen.
fn guess_kinds(piece: &[u8], layout: &TableLayout, decimal: u8) -> Vec<ColumnKind> {
    let (mut integer, mut float, mut text) = (vec![false; layout.columns], vec![false; layout.columns], vec![false; layout.columns]);
    let mut at = 0;
    let mut row = 0;
    while at < piece.len() && row < GUESS_ROWS.min(layout.infer_rows) {
        let mut column = 0;
        loop {
            let end = field_end(piece, at, layout.delimiter);
            let mut bytes = &piece[at..end];
            if end < piece.len() && piece[end] == b'\n' {
                bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            }
            if column < layout.columns && !layout.status_texts.iter().any(|s| s.as_bytes() == bytes) {
                match classify(bytes, decimal) {
                    Cell::Empty => {}
                    Cell::Integer { .. } | Cell::BigInteger => integer[column] = true,
                    Cell::Float(_) => float[column] = true,
                    Cell::Text => text[column] = true,
                }
            }
            column += 1;
            at = end + 1;
            if end >= piece.len() || piece[end] == b'\n' {
                break;
            }
        }
        row += 1;
    }
    (0..layout.columns)
        .map(|c| match (text[c], float[c], integer[c]) {
            (false, true, _) => ColumnKind::Float,
            (false, false, true) => ColumnKind::Integer,
            _ => ColumnKind::Text,
        })
        .collect()
}

/// End of the field starting at `at`: the next delimiter or line end, or the piece's end.
#[inline]
fn field_end(piece: &[u8], at: usize, delimiter: u8) -> usize {
    let mut i = at;
    while i < piece.len() {
        let b = piece[i];
        if b == delimiter || b == b'\n' {
            return i;
        }
        i += 1;
    }
    piece.len()
}

/// Output slots of one part, one per column.
enum Slot<'a> {
    Integer(&'a mut [i64]),
    Float(&'a mut [f64]),
    Text(&'a mut [Span]),
}

type Parsed = (ParsedTable, Vec<ColumnStats>);
/// A part with the slices of every column it fills.
type PartJob<'p, 's> = (&'p Part, Vec<Slot<'s>>);

/// One column's buffer cut into one disjoint slice per part, in order.
fn cut_per_part<'s, T>(mut buffer: &'s mut [T], parts: &[Part]) -> Vec<&'s mut [T]> {
    parts.iter().map(|part| take_rows(&mut buffer, part.rows)).collect()
}

/// Splits the first `rows` (at most all) off `rest`.
fn take_rows<'s, T>(rest: &mut &'s mut [T], rows: usize) -> &'s mut [T] {
    let rows = rows.min(rest.len());
    let (taken, after) = std::mem::take(rest).split_at_mut(rows);
    *rest = after;
    taken
}

fn parse_parts(
    piece: &[u8],
    parts: &[Part],
    kinds: &[ColumnKind],
    layout: &TableLayout,
    decimal: u8,
    value_like_status: &[&[u8]],
    sink: &mut dyn NumberSink,
) -> Result<Parsed, Unsupported> {
    let total_rows: usize = parts.iter().map(|p| p.rows).sum();
    let mut values: Vec<Values> = kinds
        .iter()
        .map(|kind| match kind {
            ColumnKind::Integer => Values::Integer(0..total_rows),
            ColumnKind::Float => Values::Float(0..total_rows),
            ColumnKind::Text => Values::Text(vec![Span::default(); total_rows]),
        })
        .collect();
    let (floats, integers) = sink.room(kinds, total_rows);
    let fits = |lengths: Vec<usize>, kind| lengths.len() == count_of(kinds, kind) && lengths.iter().all(|&len| len == total_rows);
    if !fits(floats.iter().map(|c| c.len()).collect(), ColumnKind::Float) || !fits(integers.iter().map(|c| c.len()).collect(), ColumnKind::Integer) {
        return Err(Unsupported::Layout("room for the number columns"));
    }
    let (mut floats, mut integers) = (floats.into_iter(), integers.into_iter());
    let results: Vec<Result<PartStats, Unsupported>> = {
        // Cut every column's rows into one disjoint slice per part.
        let mut jobs: Vec<PartJob> = parts.iter().map(|p| (p, Vec::with_capacity(kinds.len()))).collect();
        for column in values.iter_mut() {
            let slots: Vec<Slot> = match column {
                Values::Integer(_) => cut_per_part(integers.next().unwrap_or_default(), parts).into_iter().map(Slot::Integer).collect(),
                Values::Float(_) => cut_per_part(floats.next().unwrap_or_default(), parts).into_iter().map(Slot::Float).collect(),
                Values::Text(spans) => cut_per_part(spans, parts).into_iter().map(Slot::Text).collect(),
            };
            for ((_, job_slots), slot) in jobs.iter_mut().zip(slots) {
                job_slots.push(slot);
            }
        }
        jobs.into_par_iter().map(|(part, mut slots)| parse_part(piece, part, &mut slots, layout, decimal, value_like_status)).collect()
    };

    let mut stats = vec![ColumnStats::new(); kinds.len()];
    let mut status_rows: Vec<Vec<u64>> = vec![Vec::new(); kinds.len()];
    // Validity is built only for the columns that have missing cells: most have none, and a
    // flag per cell of every column was a memory fill as large as the piece's values.
    let mut valid: Vec<Option<Vec<bool>>> = vec![None; kinds.len()];
    for (part, result) in parts.iter().zip(results) {
        let part_stats = result?;
        for (c, rows) in part_stats.missing_rows.iter().enumerate() {
            if rows.is_empty() {
                continue;
            }
            let flags = valid[c].get_or_insert_with(|| vec![true; total_rows]);
            for &local in rows {
                flags[part.first_row + local as usize] = false;
            }
        }
        for (c, s) in part_stats.columns.iter().enumerate() {
            stats[c].merge(s);
        }
        for (c, rows) in part_stats.status_rows.into_iter().enumerate() {
            // Parts come in row order, so appending keeps the rows ascending.
            let room = layout.example_rows.saturating_sub(status_rows[c].len());
            status_rows[c].extend(rows.into_iter().take(room));
        }
    }
    let columns = values
        .into_iter()
        .zip(valid)
        .zip(stats.iter())
        .zip(status_rows)
        .map(|(((values, valid), s), status_rows)| ParsedColumn { values, valid, status_count: s.status_count, status_rows })
        .collect();
    Ok((ParsedTable { rows: total_rows, columns, floats: Vec::new(), integers: Vec::new() }, stats))
}

/// `len` zeros in fresh memory, advised to be backed by huge pages before it is first touched
/// and then written on all cores (each page is cleared by the thread that first writes it).
/// Leaving the pages to be faulted in by the parser instead (a zeroed allocation) was no faster.
fn zeroed<T: Default + Clone + Send + Sync>(len: usize) -> Vec<T> {
    let mut buffer = Vec::with_capacity(len);
    advise_huge_pages(buffer.spare_capacity_mut());
    buffer.par_extend(rayon::iter::repeat_n(T::default(), len));
    buffer
}

/// Asks Linux to back a large buffer that is still untouched with 2 MB pages: one page fault
/// per 2 MB instead of one per 4 KB, which was a good part of the parse time. Only advice: the
/// kernel ignores it where such pages are off or unavailable.
pub fn advise_huge_pages<T>(buffer: &mut [T]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE_PAGE: usize = 2 << 20;
        let start = buffer.as_mut_ptr() as usize;
        let end = start + std::mem::size_of_val(buffer);
        let (first, last) = (start.next_multiple_of(HUGE_PAGE), end / HUGE_PAGE * HUGE_PAGE);
        if last > first {
            #[allow(unsafe_code)]
            // SAFETY: the range lies inside `buffer`, which this function borrows mutably, and
            // MADV_HUGEPAGE changes only how the kernel backs the pages, never their contents.
            unsafe {
                libc::madvise(first as *mut libc::c_void, last - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    // Windows has no advice for memory already reserved: large pages are asked for when memory
    // is reserved (VirtualAlloc with MEM_LARGE_PAGES) and need the "Lock pages in memory"
    // privilege ordinary accounts lack, so there the buffer keeps its 4 KB pages.
    #[cfg(not(target_os = "linux"))]
    let _ = buffer;
}

fn parse_part(
    piece: &[u8],
    part: &Part,
    slots: &mut [Slot],
    layout: &TableLayout,
    decimal: u8,
    value_like_status: &[&[u8]],
) -> Result<PartStats, Unsupported> {
    let columns = layout.columns;
    let mut state = PartState {
        piece: &piece[..part.end],
        layout,
        decimal,
        value_like_status,
        stats: vec![ColumnStats::new(); columns],
        status_rows: vec![Vec::new(); columns],
        missing_rows: vec![Vec::new(); columns],
        line_end_returns: 0,
        text_shapes: vec![TextShape::NONE; columns],
    };
    // A status text that reads as a plain number (`-9999`) must be matched before reading.
    let plain_numbers = !value_like_status.iter().any(|s| s.first().is_some_and(|&b| b == b'-' || b.is_ascii_digit()));
    let delimiter = layout.delimiter;
    let bytes = state.piece;
    let mut shapes = vec![Shape::NONE; columns];
    let mut at = part.start;
    for local in 0..part.rows {
        let row = part.first_row + local;
        if at >= part.end || piece[at] == b'\n' || piece[at..part.end].starts_with(b"\r\n") {
            return Err(Unsupported::EmptyLine { row });
        }
        for (column, slot) in slots.iter_mut().enumerate() {
            let last = column + 1 == columns;
            // The usual cell, a plain number in a float column, takes a short path; the rest
            // is read out of line, so this loop keeps its values in registers.
            if let (true, Slot::Float(out)) = (plain_numbers, &mut *slot) {
                // Most often it is laid out like the column's previous one. Such a cell needs
                // no bookkeeping: the cell that set the shape was counted (same class, same
                // delimiter or line end, an earlier row).
                let shape = &shapes[column];
                if let Some(value) = load_word(bytes, at).and_then(|word| shape.read(word)) {
                    out[local] = value;
                    at += shape.width + 1;
                    continue;
                }
                if let Some(number) = read_plain_number(bytes, at, delimiter, decimal) {
                    if number.line_end != last {
                        return Err(Unsupported::Ragged { row });
                    }
                    out[local] = number.value;
                    // Rows only grow within a part: the first one seen is the first.
                    let s = &mut state.stats[column];
                    let first = if number.integer { &mut s.first_integer } else { &mut s.first_float };
                    if *first == NEVER {
                        *first = row;
                    }
                    shapes[column] = Shape::of(&number, delimiter, decimal);
                    at = number.end + 1;
                    continue;
                }
            }
            if let Slot::Text(out) = slot {
                // A text cell laid out like the column's previous plain text (a timestamp):
                // text again, and no status text, so nothing to count.
                let shape = &state.text_shapes[column];
                if shape.matches(bytes, at) {
                    out[local] = Span { start: at as u32, end: (at + shape.len) as u32 };
                    at += shape.len + 1;
                    continue;
                }
            }
            at = state.read_other_cell(at, CellAt { column, last, local, row }, slot)?;
        }
    }
    if state.line_end_returns != part.carriage_returns {
        // A carriage return inside a cell or alone at the end: the general reader decides.
        return Err(Unsupported::Byte(b'\r'));
    }
    Ok(PartStats { columns: state.stats, status_rows: state.status_rows, missing_rows: state.missing_rows })
}

/// Where a cell is: its column (and whether that is the row's last) and its row, within the
/// part (`local`) and within the piece.
#[derive(Clone, Copy)]
struct CellAt {
    column: usize,
    last: bool,
    local: usize,
    row: usize,
}

/// What one part's parse has found so far, besides the values.
struct PartState<'p> {
    /// The piece up to the part's end.
    piece: &'p [u8],
    layout: &'p TableLayout<'p>,
    decimal: u8,
    value_like_status: &'p [&'p [u8]],
    stats: Vec<ColumnStats>,
    status_rows: Vec<Vec<u64>>,
    /// Rows (within the part) of the missing cells of each column.
    missing_rows: Vec<Vec<u32>>,
    line_end_returns: usize,
    /// Each text column's last plain text cell, as a pattern for the next.
    text_shapes: Vec<TextShape>,
}

impl PartState<'_> {
    /// Reads any cell at `at` into `slot` and returns where the next cell starts.
    #[inline(never)]
    fn read_other_cell(&mut self, at: usize, cell_at: CellAt, slot: &mut Slot) -> Result<usize, Unsupported> {
        let CellAt { column, last, local, row } = cell_at;
        let (piece, layout, decimal) = (self.piece, self.layout, self.decimal);
        let (mut read, mut end) = read_cell(piece, at, layout.delimiter, decimal);
        let mut next = end + 1;
        let mut at_line_end = end >= piece.len() || piece[end] == b'\n';
        if !at_line_end && piece[end] == b'\r' {
            // `read_cell` stops at a carriage return only before a line end: CRLF.
            at_line_end = true;
            next = end + 2;
            self.line_end_returns += 1;
        } else if at_line_end && end < piece.len() && end > at && piece[end - 1] == b'\r' {
            // A text cell ran up to the line end: its carriage return belongs to the CRLF.
            end -= 1;
            self.line_end_returns += 1;
            read = read_cell(&piece[..end], at, layout.delimiter, decimal).0;
        }
        if at_line_end != last {
            return Err(Unsupported::Ragged { row });
        }
        let bytes = &piece[at..end];
        let s = &mut self.stats[column];
        // A status text that reads as a value (`NaN`) is still a status text.
        let cell = if !self.value_like_status.is_empty() && self.value_like_status.contains(&bytes) { Cell::Text } else { read };
        let mut missing = false;
        match cell {
            Cell::Empty => missing = true,
            Cell::Integer { .. } => {
                if s.first_integer == NEVER {
                    s.first_integer = row;
                }
            }
            Cell::Float(_) => {
                if s.first_float == NEVER {
                    s.first_float = row;
                }
            }
            Cell::BigInteger => {
                if s.first_big_integer == NEVER {
                    s.first_big_integer = row;
                }
            }
            Cell::Text => match text_cell(bytes, layout.status_texts) {
                TextCell::Status => {
                    missing = true;
                    s.status_count += 1;
                    if self.status_rows[column].len() < layout.example_rows {
                        self.status_rows[column].push(row as u64);
                    }
                }
                TextCell::Plain => {
                    if s.first_text == NEVER {
                        s.first_text = row;
                    }
                    // Not for the piece's last cell (no line end after it) nor before a CRLF,
                    // which only this reader handles.
                    if let (Slot::Text(_), Some(&after)) = (&slot, piece.get(end)) {
                        if after == layout.delimiter || after == b'\n' {
                            self.text_shapes[column] = TextShape::of(bytes, after, layout.status_texts);
                        }
                    }
                }
                TextCell::Unsupported => {
                    if s.first_bad == NEVER {
                        s.first_bad = row;
                    }
                }
            },
        }
        if missing {
            s.nulls += 1;
            self.missing_rows[column].push(local as u32);
        }
        match slot {
            Slot::Integer(out) => {
                if let Cell::Integer { value, .. } = cell {
                    out[local] = value;
                }
            }
            Slot::Float(out) => match cell {
                Cell::Integer { value, negative } => out[local] = if value == 0 && negative { -0.0 } else { value as f64 },
                Cell::Float(v) => out[local] = v,
                _ => {}
            },
            Slot::Text(out) => {
                // `piece.len() < u32::MAX` was checked, so these fit.
                out[local] = Span { start: at as u32, end: end as u32 };
            }
        }
        Ok(next)
    }
}

enum TextCell {
    Status,
    Plain,
    Unsupported,
}

/// A cell that is not a number: an exact status text, plain text, or something a CSV reader
/// would type or match differently (true/false, a padded status text, non-ASCII digits).
fn text_cell(bytes: &[u8], status_texts: &[String]) -> TextCell {
    if status_texts.iter().any(|s| s.as_bytes() == bytes) {
        // Checked first: a status text may also look like a boolean.
        return TextCell::Status;
    }
    if is_boolean(bytes) {
        return TextCell::Unsupported;
    }
    let padded = |b: u8| b.is_ascii_whitespace() || b >= 0x80;
    if bytes.first().is_some_and(|&b| padded(b)) || bytes.last().is_some_and(|&b| padded(b)) {
        let trimmed = std::str::from_utf8(bytes).map(str::trim).unwrap_or_default();
        if status_texts.iter().any(|s| s == trimmed) {
            return TextCell::Unsupported;
        }
    }
    if bytes.iter().any(|&b| b >= 0x80) {
        // Unicode digits or letters that case-fold to true/false may be typed differently by
        // a reader with Unicode-aware patterns; leave any cell that could be one of those.
        let could_be_number = bytes.iter().all(|&b| b >= 0x80 || b"0123456789+-.,eEinfNa".contains(&b));
        let could_be_boolean = bytes.len() <= 12 && bytes.iter().all(|&b| b >= 0x80 || b"truefalsTRUEFALS".contains(&b));
        if could_be_number || could_be_boolean {
            return TextCell::Unsupported;
        }
    }
    TextCell::Plain
}

fn is_boolean(bytes: &[u8]) -> bool {
    bytes.eq_ignore_ascii_case(b"true") || bytes.eq_ignore_ascii_case(b"false")
}

/// Largest integer every smaller one of which an f64 holds exactly.
const EXACT_MANTISSA: u64 = 1 << 53;
/// Powers of ten an f64 holds exactly.
const EXACT_POWERS: [f64; 23] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/// Classifies a cell like a schema-inferring CSV reader: integers `-?\d+`; floats
/// `[-+]?(\d*D\d+([eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+D|inf|NaN)` with `D` the decimal
/// separator; everything else is text. Floats are the correctly rounded f64.
fn classify(cell: &[u8], decimal: u8) -> Cell {
    match read_cell(cell, 0, b'\n', decimal) {
        (read, end) if end == cell.len() => read,
        _ => Cell::Text,
    }
}

/// Reads the ASCII digits from `i` on into `mantissa` (wrapping: exact up to 19 digits) and
/// returns where they end. Eight bytes are looked at together, so a run of digits costs no
/// branch per digit: a digit-by-digit loop mispredicts where each number ends, and that was
/// most of a cell's cost.
#[inline(always)]
fn read_digits(bytes: &[u8], mut i: usize, mantissa: &mut u64) -> usize {
    while let Some(word) = load_word(bytes, i) {
        let count = leading_digits(word);
        if count == 0 {
            return i;
        }
        *mantissa = mantissa.wrapping_mul(POWERS_OF_TEN[count]).wrapping_add(digits_value(word, count));
        i += count;
        if count < 8 {
            return i;
        }
    }
    while i < bytes.len() {
        let digit = bytes[i].wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
        i += 1;
    }
    i
}

const POWERS_OF_TEN: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];
const EVERY_BYTE: u64 = 0x0101_0101_0101_0101;

/// How many of the eight bytes (first byte lowest) are ASCII digits before the first other
/// byte. A byte is flagged when subtracting `'0'` goes below zero or adding `0x46` reaches
/// `0x80`; borrows and carries only move to later bytes, so the first flag is exact.
#[inline(always)]
fn leading_digits(word: u64) -> usize {
    (non_digit_flags(word).trailing_zeros() / 8) as usize
}

/// The top bit of each byte that is not an ASCII digit; exact up to the first flagged byte
/// (see `leading_digits`), not beyond it.
#[inline(always)]
fn non_digit_flags(word: u64) -> u64 {
    (word.wrapping_sub(EVERY_BYTE * b'0' as u64) | word.wrapping_add(EVERY_BYTE * 0x46)) & (EVERY_BYTE * 0x80)
}

/// The value of the first `count` (1..=8) digits of `word`: they are moved to the top bytes,
/// so the bytes below act as leading zeros, and then pairs, quads and halves are combined.
#[inline(always)]
fn digits_value(word: u64, count: usize) -> u64 {
    top_digits_value(word, 8 * (8 - count) as u32)
}

/// The value of the digits left in `word` after shifting it up by `shift` bits.
#[inline(always)]
fn top_digits_value(word: u64, shift: u32) -> u64 {
    let digits = word.wrapping_sub(EVERY_BYTE * b'0' as u64) << shift;
    let pairs = (digits.wrapping_mul(10) + (digits >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    (quads.wrapping_mul(10_000) + (quads >> 32)) & 0xFFFF_FFFF
}

/// The usual cell of a plant export, `-?\d{1,7}(D\d{1,7}([eE][+-]?\d{1,3})?)?` followed by
/// the delimiter or a line end, read without a branch per digit: its value as a float column stores it, whether
/// it was an integer, and where it ends. Anything else, and a cell within 16 bytes of the
/// end, gives `None` for `read_cell` to read.
#[inline(always)]
fn read_plain_number(bytes: &[u8], at: usize, delimiter: u8, decimal: u8) -> Option<PlainNumber> {
    let load = |i: usize| load_word(bytes, i);
    let negative = *bytes.get(at)? == b'-';
    let start = at + usize::from(negative);
    let word = load(start)?;
    let int_digits = leading_digits(word);
    if int_digits == 0 || int_digits == 8 {
        return None;
    }
    let signed = |magnitude: f64| if negative { -magnitude } else { magnitude };
    let after = (word >> (8 * int_digits)) as u8;
    if after == delimiter || after == b'\n' {
        let magnitude = small_to_f64(digits_value(word, int_digits));
        let line_end = after == b'\n';
        return Some(PlainNumber {
            value: signed(magnitude),
            integer: true,
            end: start + int_digits,
            line_end,
            negative,
            int_digits,
            fraction_digits: 0,
            scientific: false,
        });
    }
    if after != decimal {
        return None;
    }
    // Most readings end within the word already loaded (`123.45,`): the fraction is the rest
    // of it, and both digit runs are joined into one before they are combined.
    let fraction = (word >> 8) >> (8 * int_digits);
    let fraction_digits = leading_digits(fraction);
    let after = (fraction >> (8 * fraction_digits)) as u8;
    if fraction_digits > 0 && int_digits + fraction_digits < 7 && (after == delimiter || after == b'\n') {
        let joined = (word & ((1 << (8 * int_digits)) - 1)) | (fraction << (8 * int_digits));
        let magnitude = small_to_f64(digits_value(joined, int_digits + fraction_digits)) / EXACT_POWERS[fraction_digits];
        let end = start + int_digits + 1 + fraction_digits;
        return Some(PlainNumber {
            value: signed(magnitude),
            integer: false,
            end,
            line_end: after == b'\n',
            negative,
            int_digits,
            fraction_digits,
            scientific: false,
        });
    }
    // A longer fraction is read from a second word.
    let fraction_start = start + int_digits + 1;
    let fraction = load(fraction_start)?;
    let fraction_digits = leading_digits(fraction);
    if fraction_digits == 0 || fraction_digits == 8 {
        return None;
    }
    let mut after = (fraction >> (8 * fraction_digits)) as u8;
    let mut end = fraction_start + fraction_digits;
    // Scientific notation as simulators and loggers write it (`2.5052000e-01`): the power of
    // ten joins the fraction's.
    let mut power = -(fraction_digits as i32);
    if after == b'e' || after == b'E' {
        let (exponent, exponent_end) = read_exponent(bytes, end + 1)?;
        power += exponent;
        end = exponent_end;
        after = *bytes.get(end)?;
    }
    if after != delimiter && after != b'\n' {
        return None;
    }
    // At most 14 digits, below 2^53, and an exact power of ten: one correctly rounded division
    // (or multiplication).
    let mantissa = small_to_f64(digits_value(word, int_digits) * POWERS_OF_TEN[fraction_digits] + digits_value(fraction, fraction_digits));
    let magnitude = match power {
        -22..=-1 => mantissa / EXACT_POWERS[power.unsigned_abs() as usize],
        0..=22 => mantissa * EXACT_POWERS[power as usize],
        _ => return None,
    };
    let scientific = end != fraction_start + fraction_digits;
    Some(PlainNumber { value: signed(magnitude), integer: false, end, line_end: after == b'\n', negative, int_digits, fraction_digits, scientific })
}

/// The exponent after an `e`: an optional sign and one to three digits; its value and where
/// it ends.
#[inline(always)]
fn read_exponent(bytes: &[u8], at: usize) -> Option<(i32, usize)> {
    let (negative, start) = match *bytes.get(at)? {
        b'-' => (true, at + 1),
        b'+' => (false, at + 1),
        _ => (false, at),
    };
    let mut value = 0i32;
    let mut i = start;
    while let Some(digit) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        if i - start == 3 {
            return None;
        }
        value = value * 10 + i32::from(digit - b'0');
        i += 1;
    }
    (i > start).then_some((if negative { -value } else { value }, i))
}

/// A number read by `read_plain_number`.
struct PlainNumber {
    /// As a float column stores it.
    value: f64,
    /// No decimal separator.
    integer: bool,
    /// Where the delimiter or line end that follows it is.
    end: usize,
    line_end: bool,
    negative: bool,
    int_digits: usize,
    fraction_digits: usize,
    /// Written with an exponent (no shape: shapes are digits and a separator only).
    scientific: bool,
}

/// The byte layout of a column's last plain number (sign, digits before and after the
/// separator, what follows), so the next cell of the same layout, which in a historian export
/// is nearly every one, is checked and read with a few masks instead of being measured again.
#[derive(Clone, Copy)]
struct Shape {
    /// Sign, separator and the delimiter or line end after the number fixed, digits elsewhere.
    pattern: WordPattern,
    /// Bytes of the integer digits once the sign is shifted out.
    integer_bytes: u64,
    sign_shift: u32,
    digits_shift: u32,
    /// Bytes from the cell's start to the byte that follows it.
    width: usize,
    divisor: f64,
    sign_bit: u64,
}

impl Shape {
    /// A shape no cell has.
    const NONE: Shape = Shape { pattern: WordPattern::NEVER, integer_bytes: 0, sign_shift: 0, digits_shift: 0, width: 0, divisor: 1.0, sign_bit: 0 };

    /// The shape of `number` when it and the byte after it fit in one eight-byte word.
    fn of(number: &PlainNumber, delimiter: u8, decimal: u8) -> Shape {
        let sign = usize::from(number.negative);
        let (int_digits, fraction_digits) = (number.int_digits, number.fraction_digits);
        let width = sign + int_digits + if fraction_digits > 0 { 1 + fraction_digits } else { 0 };
        if width >= 8 || number.scientific {
            return Shape::NONE;
        }
        let mut pattern = WordPattern::ANY;
        pattern.cover_first(width + 1);
        pattern.fix(width, if number.line_end { b'\n' } else { delimiter });
        if number.negative {
            pattern.fix(0, b'-');
        }
        if fraction_digits > 0 {
            pattern.fix(sign + int_digits, decimal);
        }
        Shape {
            pattern,
            integer_bytes: low_bytes(int_digits),
            sign_shift: 8 * sign as u32,
            digits_shift: 8 * (8 - (int_digits + fraction_digits)) as u32,
            width,
            divisor: EXACT_POWERS[fraction_digits],
            sign_bit: if number.negative { 1 << 63 } else { 0 },
        }
    }

    /// The value of a cell whose first eight bytes are `word`, if it has this shape.
    #[inline(always)]
    fn read(&self, word: u64) -> Option<f64> {
        if !self.pattern.matches(word) {
            return None;
        }
        let unsigned = word >> self.sign_shift;
        // The fraction digits moved down over the separator, next to the integer digits.
        let joined = (unsigned & self.integer_bytes) | ((unsigned >> 8) & !self.integer_bytes);
        let magnitude = small_to_f64(top_digits_value(joined, self.digits_shift)) / self.divisor;
        Some(f64::from_bits(magnitude.to_bits() | self.sign_bit))
    }
}

/// The words a text shape covers: cells up to 31 bytes, which holds any timestamp format.
const TEXT_SHAPE_WORDS: usize = 4;

/// Bytes a number or a spelled value (`inf`, `NaN`) can be made of. A cell with any other byte
/// is text, whatever its digits are.
const NUMBER_BYTES: &[u8] = b"0123456789+-.,eEinfNa";

/// The layout of a plain text cell and the byte after it: its length, every byte that is not a
/// digit (and the one after), and digits elsewhere. A timestamp column keeps one layout for
/// rows on end. A cell of the same layout is text as well (it holds the same non-number byte),
/// plain (same ends, ASCII, not true/false), and no status text (none has the layout).
#[derive(Clone, Copy)]
struct TextShape {
    /// Bytes of the cell.
    len: usize,
    /// The patterns of its words; `words` of them are in use.
    patterns: [WordPattern; TEXT_SHAPE_WORDS],
    words: usize,
}

impl TextShape {
    /// A shape no cell has.
    const NONE: TextShape = TextShape { len: 0, patterns: [WordPattern::NEVER; TEXT_SHAPE_WORDS], words: 1 };

    /// The shape of a plain text `cell` followed by `after` (delimiter or line end), where
    /// one can stand for the cells after it.
    fn of(cell: &[u8], after: u8, status_texts: &[String]) -> TextShape {
        let len = cell.len();
        let printable = cell.iter().all(|b| (0x20..0x7F).contains(b));
        if len == 0 || len >= 8 * TEXT_SHAPE_WORDS || !printable || cell.iter().all(|b| NUMBER_BYTES.contains(b)) {
            return TextShape::NONE;
        }
        let mut shape = TextShape { len, patterns: [WordPattern::ANY; TEXT_SHAPE_WORDS], words: (len + 1).div_ceil(8) };
        for (word, pattern) in shape.patterns.iter_mut().enumerate().take(shape.words) {
            pattern.cover_first(len + 1 - 8 * word);
        }
        for (at, &b) in cell.iter().chain([&after]).enumerate() {
            if at == len || !b.is_ascii_digit() {
                shape.patterns[at / 8].fix(at % 8, b);
            }
        }
        let is_status = |status: &String| {
            let mut text = [0u8; 8 * TEXT_SHAPE_WORDS];
            status.len() == len && {
                text[..len].copy_from_slice(status.as_bytes());
                text[len] = after;
                shape.matches(&text, 0)
            }
        };
        if status_texts.iter().any(is_status) {
            return TextShape::NONE;
        }
        shape
    }

    /// Whether the cell at `at` has this shape.
    #[inline(always)]
    fn matches(&self, bytes: &[u8], at: usize) -> bool {
        // One bounds check for the whole cell, then a word at a time.
        let Some(window) = bytes.get(at..at + 8 * self.words) else { return false };
        window
            .chunks_exact(8)
            .zip(&self.patterns)
            .all(|(word, pattern)| pattern.matches(u64::from_le_bytes(<[u8; 8]>::try_from(word).unwrap_or_default())))
    }
}

/// Which bytes of an eight-byte word are fixed (and to what), and which of the others up to
/// some point must be ASCII digits; the rest may be anything.
#[derive(Clone, Copy)]
struct WordPattern {
    fixed_mask: u64,
    fixed: u64,
    /// `'0'` where the fixed bytes are, so the digit test sees only digits up to the end.
    fixed_as_zero: u64,
    /// Flag bits of the bytes the pattern speaks for.
    covered: u64,
}

impl WordPattern {
    /// Any word.
    const ANY: WordPattern = WordPattern { fixed_mask: 0, fixed: 0, fixed_as_zero: 0, covered: 0 };
    /// No word: it asks for a byte that a masked word cannot have.
    const NEVER: WordPattern = WordPattern { fixed: 1, ..WordPattern::ANY };

    /// The first `count` bytes (all for 8 or more) must be digits where not fixed.
    fn cover_first(&mut self, count: usize) {
        self.covered |= low_bytes(count) & (EVERY_BYTE * 0x80);
    }

    /// Byte `at` must be `value`.
    fn fix(&mut self, at: usize, value: u8) {
        self.fixed_mask |= 0xFF << (8 * at);
        self.fixed |= u64::from(value) << (8 * at);
        self.fixed_as_zero |= u64::from(b'0') << (8 * at);
    }

    #[inline(always)]
    fn matches(&self, word: u64) -> bool {
        // The fixed bytes are tested as '0': a '.' or '-' would borrow from the digit after it
        // and spoil that digit's test.
        word & self.fixed_mask == self.fixed && non_digit_flags((word & !self.fixed_mask) | self.fixed_as_zero) & self.covered == 0
    }
}

/// The lowest `count` bytes of a word set (all for 8 or more).
fn low_bytes(count: usize) -> u64 {
    if count >= 8 {
        u64::MAX
    } else {
        (1 << (8 * count)) - 1
    }
}

/// The eight bytes from `at` (first byte lowest), if there are eight.
#[inline(always)]
fn load_word(bytes: &[u8], at: usize) -> Option<u64> {
    bytes.get(at..at + 8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(u64::from_le_bytes)
}

/// `value` (below 2^52) as f64, exactly. Placed in the mantissa of 2^52 and 2^52 taken away
/// again: unlike the conversion instruction, which keeps the rest of its register and so
/// waits for the previous cell's division, this starts a fresh chain per cell.
#[inline(always)]
fn small_to_f64(value: u64) -> f64 {
    const TWO_TO_52: u64 = 0x4330_0000_0000_0000;
    f64::from_bits(TWO_TO_52 | value) - f64::from_bits(TWO_TO_52)
}

/// Reads the cell starting at `at` (it ends at the next `delimiter`, line end or the end of
/// `bytes`) and returns what it holds and where it ends. Numbers are read in the same pass
/// that finds the cell's end, which is what makes this parser fast.
#[inline(always)]
fn read_cell(bytes: &[u8], at: usize, delimiter: u8, decimal: u8) -> (Cell, usize) {
    let n = bytes.len();
    let mut i = at;
    let (negative, plus) = match bytes.get(i) {
        Some(b'-') => (true, false),
        Some(b'+') => (false, true),
        _ => (false, false),
    };
    if negative || plus {
        i += 1;
    }
    let digits_start = i;
    let mut mantissa: u64 = 0;
    i = read_digits(bytes, i, &mut mantissa);
    let int_digits = i - digits_start;
    let mut has_point = false;
    let mut fraction_digits = 0usize;
    if i < n && bytes[i] == decimal {
        has_point = true;
        i += 1;
        let start = i;
        i = read_digits(bytes, i, &mut mantissa);
        fraction_digits = i - start;
    }
    let mut has_exponent = false;
    let mut exponent: i64 = 0;
    let mut exponent_digits = 0;
    if i < n && (bytes[i] | 0x20) == b'e' && bytes[i] != delimiter {
        has_exponent = true;
        i += 1;
        let mut exponent_negative = false;
        if i < n && (bytes[i] == b'-' || bytes[i] == b'+') {
            exponent_negative = bytes[i] == b'-';
            i += 1;
        }
        let start = i;
        while i < n {
            let digit = bytes[i].wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            // Saturates far beyond any f64 exponent; the slow path then gives 0 or inf.
            exponent = (exponent * 10 + i64::from(digit)).min(1 << 40);
            i += 1;
        }
        exponent_digits = i - start;
        if exponent_negative {
            exponent = -exponent;
        }
    }
    if i < n && bytes[i] != delimiter && bytes[i] != b'\n' && !bytes[i..].starts_with(b"\r\n") {
        // Not a number up to here: find the cell's end; it is text unless a spelled value.
        let end = field_end(bytes, i, delimiter);
        let body = &bytes[at + usize::from(negative || plus)..end];
        let cell = match body {
            b"inf" => Cell::Float(if negative { f64::NEG_INFINITY } else { f64::INFINITY }),
            b"NaN" => Cell::Float(if negative { -f64::NAN } else { f64::NAN }),
            _ => Cell::Text,
        };
        return (cell, end);
    }
    if i == at {
        return (Cell::Empty, i);
    }
    let digits = int_digits + fraction_digits;
    // Up to 19 digits the wrapping accumulation above is exact.
    let too_many_digits = digits > 19;
    if has_exponent && exponent_digits == 0 {
        return (Cell::Text, i);
    }
    if !has_point && !has_exponent {
        if int_digits == 0 || plus {
            return (Cell::Text, i);
        }
        if too_many_digits {
            return (Cell::BigInteger, i);
        }
        let cell = match (negative, mantissa) {
            (false, m) if m <= i64::MAX as u64 => Cell::Integer { value: m as i64, negative },
            (true, m) if m <= 1 << 63 => Cell::Integer { value: (m as i64).wrapping_neg(), negative },
            _ => Cell::BigInteger,
        };
        return (cell, i);
    }
    let valid_float = if has_point { fraction_digits > 0 || (int_digits > 0 && !has_exponent) } else { int_digits > 0 };
    if !valid_float {
        return (Cell::Text, i);
    }
    let power = exponent - fraction_digits as i64;
    let value = if too_many_digits {
        None
    } else if mantissa == 0 {
        Some(0.0)
    } else if mantissa <= EXACT_MANTISSA && (-22..=22).contains(&power) {
        // Clinger's fast path: both operands exact, so one rounding gives the nearest f64.
        let m = mantissa as f64;
        Some(if power >= 0 { m * EXACT_POWERS[power as usize] } else { m / EXACT_POWERS[(-power) as usize] })
    } else {
        None
    };
    let magnitude = match value {
        Some(v) => v,
        None => match slow_parse(&bytes[at + usize::from(negative || plus)..i], decimal) {
            Some(v) => v,
            None => return (Cell::Text, i),
        },
    };
    (Cell::Float(if negative { -magnitude } else { magnitude }), i)
}

/// The standard library's correctly rounded parse, with a decimal comma turned into a point.
fn slow_parse(unsigned: &[u8], decimal: u8) -> Option<f64> {
    let mut small = [0u8; 64];
    let mut large = Vec::new();
    let buffer: &mut [u8] = if unsigned.len() <= small.len() {
        &mut small[..unsigned.len()]
    } else {
        large.resize(unsigned.len(), 0);
        &mut large
    };
    for (out, &b) in buffer.iter_mut().zip(unsigned) {
        *out = if b == decimal { b'.' } else { b };
    }
    std::str::from_utf8(buffer).ok()?.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded generator of numbers below its argument, for generated test inputs.
    fn random_below(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut x = seed;
        move |n| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % n
        }
    }

    fn layout(columns: usize, status: &[String]) -> TableLayout<'_> {
        TableLayout { delimiter: b',', decimal_comma: false, columns, status_texts: status, infer_rows: 10_000, example_rows: 5 }
    }

    #[test]
    fn cells_are_classified_like_the_inference_patterns() {
        let int = |v: i64| Cell::Integer { value: v, negative: v < 0 };
        assert_eq!(classify(b"", b'.'), Cell::Empty);
        assert_eq!(classify(b"12", b'.'), int(12));
        assert_eq!(classify(b"-12", b'.'), int(-12));
        assert_eq!(classify(b"+12", b'.'), Cell::Text);
        assert_eq!(classify(b"-", b'.'), Cell::Text);
        assert_eq!(classify(b"1.5", b'.'), Cell::Float(1.5));
        assert_eq!(classify(b"+.5", b'.'), Cell::Float(0.5));
        assert_eq!(classify(b"5.", b'.'), Cell::Float(5.0));
        assert_eq!(classify(b"5.e3", b'.'), Cell::Text);
        assert_eq!(classify(b".e3", b'.'), Cell::Text);
        assert_eq!(classify(b"1e3", b'.'), Cell::Float(1000.0));
        assert_eq!(classify(b"1E-3", b'.'), Cell::Float(0.001));
        assert_eq!(classify(b"1e", b'.'), Cell::Text);
        assert_eq!(classify(b"1,5", b'.'), Cell::Text);
        assert_eq!(classify(b"1,5", b','), Cell::Float(1.5));
        assert_eq!(classify(b"1.5", b','), Cell::Text);
        assert_eq!(classify(b"-inf", b'.'), Cell::Float(f64::NEG_INFINITY));
        assert_eq!(classify(b"Inf", b'.'), Cell::Text);
        assert!(matches!(classify(b"NaN", b'.'), Cell::Float(v) if v.is_nan()));
        assert_eq!(classify(b" 1", b'.'), Cell::Text);
        assert_eq!(classify(b"1 ", b'.'), Cell::Text);
        assert_eq!(classify(b"9223372036854775807", b'.'), int(i64::MAX));
        assert_eq!(classify(b"-9223372036854775808", b'.'), int(i64::MIN));
        assert_eq!(classify(b"9223372036854775808", b'.'), Cell::BigInteger);
        assert_eq!(classify(b"-0", b'.'), Cell::Integer { value: 0, negative: true });
    }

    #[test]
    fn digit_runs_read_eight_at_a_time_match_one_at_a_time() {
        let one_at_a_time = |bytes: &[u8], mut i: usize| {
            let mut m = 0u64;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                m = m.wrapping_mul(10).wrapping_add(u64::from(bytes[i] - b'0'));
                i += 1;
            }
            (i, m)
        };
        let mut next = random_below(7);
        let stops = b"./,;\t\n\r eE-+:a\x00\x7f\x80\xb9\xba\xff/:";
        for _ in 0..20_000 {
            let len = next(30) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| b'0' + next(10) as u8).collect();
            if next(4) > 0 {
                bytes.push(stops[next(stops.len() as u64) as usize]);
                for _ in 0..next(12) {
                    bytes.push(if next(2) == 0 { b'0' + next(10) as u8 } else { next(256) as u8 });
                }
            }
            let start = next(3).min(bytes.len() as u64) as usize;
            let mut m = 0u64;
            let end = read_digits(&bytes, start, &mut m);
            assert_eq!((end, m), one_at_a_time(&bytes, start), "{:?} from {start}", String::from_utf8_lossy(&bytes));
        }
        for value in [0u64, 7, 12345678, 99999999, 10000000] {
            let word = u64::from_le_bytes(format!("{value:08}").as_bytes().try_into().unwrap());
            assert_eq!((leading_digits(word), digits_value(word, 8)), (8, value));
        }
    }

    #[test]
    fn the_plain_number_reader_agrees_with_the_full_one() {
        let mut next = random_below(11);
        let alphabet = b"0123456789012345678901234567890123456789.-,;\n\re+ ";
        let mut agreed = 0;
        for _ in 0..200_000 {
            let len = next(24) as usize;
            let text: Vec<u8> = (0..len).map(|_| alphabet[next(alphabet.len() as u64) as usize]).collect();
            for (delimiter, decimal) in [(b',', b'.'), (b';', b',')] {
                if let Some(PlainNumber { value, integer, end, line_end, .. }) = read_plain_number(&text, 0, delimiter, decimal) {
                    assert_eq!(line_end, text[end] == b'\n');
                    let (full, full_end) = read_cell(&text, 0, delimiter, decimal);
                    let context = String::from_utf8_lossy(&text);
                    assert_eq!(end, full_end, "{context:?}");
                    // As a float column stores each kind of cell.
                    match full {
                        Cell::Float(v) => assert!(!integer && v.to_bits() == value.to_bits(), "{context:?}"),
                        Cell::Integer { value: v, negative } => {
                            let stored = if v == 0 && negative { -0.0 } else { v as f64 };
                            assert!(integer && stored.to_bits() == value.to_bits(), "{context:?}");
                        }
                        other => panic!("{context:?} read as {other:?}"),
                    }
                    assert!(matches!(text[end], b'\n') || text[end] == delimiter, "{context:?}");
                    agreed += 1;
                }
            }
        }
        assert!(agreed > 10_000, "only {agreed} plain numbers were tried");
        // Readings of every width the short path takes (up to 7 + 7 digits).
        for _ in 0..100_000 {
            let digits = |n: u64, next: &mut dyn FnMut(u64) -> u64| (0..n).map(|_| char::from(b'0' + next(10) as u8)).collect::<String>();
            let (whole, fraction) = (1 + next(7), next(8));
            let sign = if next(4) == 0 { "-" } else { "" };
            let text = match fraction {
                0 => format!("{sign}{}\n00000000000000000", digits(whole, &mut next)),
                f => format!("{sign}{}.{};00000000000000000", digits(whole, &mut next), digits(f, &mut next)),
            };
            let PlainNumber { value, end, .. } = read_plain_number(text.as_bytes(), 0, b';', b'.').unwrap_or_else(|| panic!("{text:?}"));
            let (full, full_end) = read_cell(text.as_bytes(), 0, b';', b'.');
            assert_eq!(end, full_end, "{text:?}");
            let expected = match full {
                Cell::Float(v) => v,
                Cell::Integer { value: v, negative } => {
                    if v == 0 && negative {
                        -0.0
                    } else {
                        v as f64
                    }
                }
                other => panic!("{text:?} read as {other:?}"),
            };
            assert_eq!(value.to_bits(), expected.to_bits(), "{text:?}");
        }
    }

    #[test]
    fn a_shape_reads_exactly_the_cells_laid_out_like_its_own() {
        let mut next = random_below(5);
        // Mostly digits, so that many cells are numbers and many share a layout.
        let alphabet = b"01234567890123456789012345678901234567890123456789.-,;\ne+ ";
        let texts: Vec<Vec<u8>> = (0..4_000)
            .map(|_| {
                let len = 1 + next(9) as usize;
                let mut text: Vec<u8> = (0..len).map(|_| alphabet[next(alphabet.len() as u64) as usize]).collect();
                text.extend_from_slice(b"00000000");
                text
            })
            .collect();
        let (mut shaped, mut read_by_shape) = (0, 0);
        for (delimiter, decimal) in [(b',', b'.'), (b';', b',')] {
            let numbers: Vec<(usize, PlainNumber)> =
                texts.iter().enumerate().filter_map(|(i, t)| Some((i, read_plain_number(t, 0, delimiter, decimal)?))).collect();
            for (i, number) in numbers.iter().take(300) {
                let shape = Shape::of(number, delimiter, decimal);
                shaped += usize::from(shape.width > 0);
                for (j, other) in &numbers {
                    let same_layout = shape.width > 0
                        && (other.negative, other.int_digits, other.fraction_digits, other.line_end)
                            == (number.negative, number.int_digits, number.fraction_digits, number.line_end);
                    let read = shape.read(load_word(&texts[*j], 0).unwrap_or_default());
                    let context = (String::from_utf8_lossy(&texts[*i]), String::from_utf8_lossy(&texts[*j]));
                    assert_eq!(read.is_some(), same_layout, "{context:?}");
                    if let Some(value) = read {
                        assert_eq!((value.to_bits(), shape.width), (other.value.to_bits(), other.end), "{context:?}");
                        read_by_shape += 1;
                    }
                }
                // Cells that are not plain numbers are never read by a shape.
                for text in &texts {
                    if read_plain_number(text, 0, delimiter, decimal).is_none() {
                        assert!(shape.read(load_word(text, 0).unwrap_or_default()).is_none(), "{:?}", String::from_utf8_lossy(text));
                    }
                }
            }
        }
        assert!(shaped > 300 && read_by_shape > 10_000, "{shaped} shapes read {read_by_shape} cells");
    }

    #[test]
    fn a_text_shape_matches_only_plain_text_laid_out_like_its_own() {
        let mut next = random_below(9);
        let status: Vec<String> = ["Bad", "No Data", "12:00", "NaN", "true"].iter().map(|s| s.to_string()).collect();
        // Timestamps and readings with a few other bytes swapped in, so that layouts repeat and
        // sometimes differ in one byte only.
        let odd = ["-", ":", " ", "T", "Z", ".", "e", "a", "N", "\r", "é", "/", "+", "x"];
        let cells: Vec<String> = (0..3_000)
            .map(|_| {
                let mut cell = match next(4) {
                    0 => format!("2024-{:02}-{:02} {:02}:{:02}:00", 1 + next(12), 1 + next(28), next(24), next(60)),
                    1 => format!("{:02}:{:02}", next(24), next(60)),
                    2 => format!("{}.{}", next(100), next(10)),
                    _ => ["Bad", "No Data", "true", "Running", "12:00", "", " 12:00"][next(7) as usize].to_owned(),
                };
                if next(3) == 0 && !cell.is_empty() {
                    let at = next(cell.len() as u64) as usize;
                    if cell.is_char_boundary(at) && cell.is_char_boundary(at + 1) {
                        cell.replace_range(at..at + 1, odd[next(odd.len() as u64) as usize]);
                    }
                }
                cell
            })
            .collect();
        let plain_text = |cell: &[u8]| classify(cell, b'.') == Cell::Text && matches!(text_cell(cell, &status), TextCell::Plain);
        let with_after = |cell: &str, after: u8| {
            let mut bytes = cell.as_bytes().to_vec();
            bytes.push(after);
            bytes.extend_from_slice(&[b'7'; 32]);
            bytes
        };
        let same_layout =
            |a: &[u8], b: &[u8]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_ascii_digit() && y.is_ascii_digit()));
        let (mut shapes, mut matched) = (0, 0);
        for reference in cells.iter().take(400) {
            if !plain_text(reference.as_bytes()) {
                continue;
            }
            for after in [b',', b'\n'] {
                let shape = TextShape::of(reference.as_bytes(), after, &status);
                if shape.len == 0 {
                    continue;
                }
                shapes += 1;
                for cell in &cells {
                    let found = shape.matches(&with_after(cell, after), 0);
                    let context = (reference, cell);
                    if found {
                        assert!(plain_text(cell.as_bytes()) && !status.contains(cell), "{context:?}");
                        assert!(same_layout(reference.as_bytes(), cell.as_bytes()), "{context:?}");
                        matched += 1;
                    } else {
                        assert!(!same_layout(reference.as_bytes(), cell.as_bytes()), "{context:?}");
                    }
                    // Another byte after it is another layout.
                    assert!(!shape.matches(&with_after(cell, if after == b',' { b'\n' } else { b',' }), 0), "{context:?}");
                }
            }
        }
        assert!(shapes > 200 && matched > 20_000, "{shapes} shapes matched {matched} cells");
        // A layout that a status text has gives no shape.
        assert_eq!(TextShape::of(b"13:45", b',', &status).len, 0);
        assert_eq!(TextShape::of(b"13:4", b',', &status).len, 4);
    }

    #[test]
    fn line_ends_quotes_and_returns_are_counted() {
        let mut next = random_below(3);
        for len in (0..300).chain([4_096, 100_003]) {
            let bytes: Vec<u8> = (0..len).map(|_| b"1234567,.\n\r\"x"[next(12) as usize]).collect();
            let count = |b: u8| bytes.iter().filter(|&&c| c == b).count();
            assert_eq!(scan_bytes(&bytes), (count(b'\n'), count(b'"') > 0, count(b'\r')), "{len}");
        }
    }

    #[test]
    fn floats_are_correctly_rounded() {
        for text in [
            "0.1",
            "0.30000000000000004",
            "1.7976931348623157e308",
            "2.2250738585072014e-308",
            "4.9e-324",
            "1e400",
            "1e-400",
            "123456789012345678901234567890.5",
            "9007199254740993",
            "9007199254740993.0",
            "0.000000000000000000000000001",
            "3.141592653589793238462643383279",
            "1e22",
            "1e23",
            "8.98846567431158e307",
            "00000000000000000000001.5",
        ] {
            let expected: f64 = text.parse().unwrap();
            match classify(text.as_bytes(), b'.') {
                Cell::Float(v) => assert_eq!(v.to_bits(), expected.to_bits(), "{text}"),
                Cell::Integer { value, .. } => assert_eq!(value as f64, expected, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_plain_table_parses_on_all_parts() {
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(&format!("2024-01-01 00:{:02}:00,{i},{i}.25,{}\n", i % 60, if i % 7 == 0 { "Bad" } else { "1" }));
        }
        let status = vec!["Bad".to_owned()];
        let table = parse_table(text.as_bytes(), &layout(4, &status)).unwrap();
        assert_eq!(table.rows, 5000);
        assert!(matches!(&table.columns[0].values, Values::Text(v) if v.len() == 5000));
        assert!(matches!(&table.columns[1].values, Values::Integer(r) if table.integers[r.clone()][4999] == 4999));
        assert!(matches!(&table.columns[2].values, Values::Float(r) if table.floats[r.clone()][3] == 3.25));
        let flags = &table.columns[3];
        assert!(matches!(&flags.values, Values::Integer(_)));
        assert_eq!(flags.status_count, (0..5000).filter(|i| i % 7 == 0).count() as u64);
        assert_eq!(flags.status_rows, vec![0, 7, 14, 21, 28]);
        assert_eq!(flags.valid.as_ref().map(|v| v.iter().filter(|b| !**b).count()), Some(flags.status_count as usize));
    }

    #[test]
    fn types_follow_the_first_rows() {
        let status: Vec<String> = Vec::new();
        let mut l = layout(1, &status);
        l.infer_rows = 3;
        // A float within the deciding rows makes the column float.
        let t = parse_table(b"1\n2\n3.5\n4\n", &l).unwrap();
        assert!(matches!(&t.columns[0].values, Values::Float(r) if t.floats[r.clone()] == [1.0, 2.0, 3.5, 4.0]));
        // A float after them is left to the general reader.
        assert_eq!(parse_table(b"1\n2\n3\n4.5\n", &l), Err(Unsupported::LateType { row: 3, column: 0 }));
        // Text within them makes the column text; empty ones too.
        assert!(matches!(&parse_table(b"1\nx\n3\n4\n", &l).unwrap().columns[0].values, Values::Text(_)));
        let t = parse_table(b"\n", &l);
        assert_eq!(t, Err(Unsupported::EmptyLine { row: 0 }));
    }

    #[test]
    fn unsupported_pieces_are_refused() {
        let status: Vec<String> = vec!["Bad".into()];
        let l = layout(2, &status);
        assert_eq!(parse_table(b"1,\"2\"\n", &l), Err(Unsupported::Byte(b'"')));
        assert_eq!(parse_table(b"1,2\r3\n", &l), Err(Unsupported::Byte(b'\r')));
        assert_eq!(parse_table(b"1,2\r", &l), Err(Unsupported::Byte(b'\r')));
        assert_eq!(parse_table(b"1,2\r\n\r\n", &l), Err(Unsupported::EmptyLine { row: 1 }));
        // CRLF line ends are line ends.
        let t = parse_table(b"1,x\r\n2,Bad\r\n3,\r\n", &l).unwrap();
        assert_eq!(t.rows, 3);
        assert_eq!(t.columns[1].status_rows, vec![1]);
        assert!(matches!(&t.columns[1].values, Values::Text(spans) if spans[0] == Span { start: 2, end: 3 }));
        assert_eq!(parse_table(b"1,2\n3\n", &l), Err(Unsupported::Ragged { row: 1 }));
        assert_eq!(parse_table(b"1,2,\n", &l), Err(Unsupported::Ragged { row: 0 }));
        assert_eq!(parse_table(b"1,2\n\n3,4\n", &l), Err(Unsupported::EmptyLine { row: 1 }));
        assert_eq!(parse_table(b"1,true\n", &l), Err(Unsupported::Cell { row: 0, column: 1 }));
        assert_eq!(parse_table(b"1, Bad\n", &l), Err(Unsupported::Cell { row: 0, column: 1 }));
        let numeric_status = vec!["-9999".to_owned(), "NaN".to_owned()];
        let t = parse_table(b"1,-9999\nNaN,2.5\n", &layout(2, &numeric_status)).unwrap();
        assert_eq!((t.columns[0].status_count, t.columns[1].status_count), (1, 1));
        assert!(matches!(&t.columns[0].values, Values::Integer(_)));
        assert!(matches!(&t.columns[1].values, Values::Float(_)));
        let padded = vec![" Bad".to_owned()];
        assert!(matches!(parse_table(b"1,2\n", &layout(2, &padded)), Err(Unsupported::Layout(_))));
        // The last line may lack its end.
        let t = parse_table(b"1,2\n3,Bad", &l).unwrap();
        assert_eq!(t.rows, 2);
        assert_eq!(t.columns[1].status_rows, vec![1]);
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        let status: Vec<String> = vec!["Bad".into(), "#N/A".into()];
        for bytes in [&b""[..], b"\n", b",", b",,\n,,", b"\xff\xfe", b"1e99999999999999999999999,2", b"-,+", b"\t|;"] {
            for columns in 1..4 {
                let _ = parse_table(bytes, &layout(columns, &status));
            }
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    #[test]
    #[ignore = "a timing run"]
    fn time_a_narrow_piece() {
        let mut text = String::new();
        let mut x = 1u64;
        for _ in 0..5_100_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            text.push_str(&format!("{}.{:02}\n", (x >> 40) % 1000, (x >> 20) % 100));
        }
        let status: Vec<String> = ["Bad Input", "Bad", "NaN", "null"].iter().map(|s| s.to_string()).collect();
        let layout = TableLayout { delimiter: b',', decimal_comma: false, columns: 1, status_texts: &status, infer_rows: 10_000, example_rows: 5 };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        for _ in 0..4 {
            let start = std::time::Instant::now();
            let t = pool.install(|| parse_table(text.as_bytes(), &layout).unwrap());
            eprintln!("narrow, 1 thread: {} MB, {} cells: {:.3} s", text.len() / 1_000_000, t.rows, start.elapsed().as_secs_f64());
        }
    }

    #[test]
    #[ignore = "a timing run"]
    fn time_a_wide_piece() {
        let mut text = String::new();
        let mut x = 1u64;
        for row in 0..100_000 {
            text.push_str(&format!("2024-03-04 {:02}:{:02}:00", row / 60 % 24, row % 60));
            for _ in 0..50 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(&format!(",{}.{:02}", (x >> 40) % 1000, (x >> 20) % 100));
            }
            text.push('\n');
        }
        time_parts("random widths", &text);
        // Like a historian export: each tag keeps its magnitude, so widths repeat per column.
        let mut text = String::new();
        for row in 0..100_000 {
            text.push_str(&format!("2024-03-04 {:02}:{:02}:00", row / 60 % 24, row % 60));
            for column in 0..50u64 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let scale = [10, 100, 1000, 10000][column as usize % 4];
                text.push_str(&format!(",{}.{:02}", scale / 2 + (x >> 40) % (scale / 2), (x >> 20) % 100));
            }
            text.push('\n');
        }
        time_parts("steady widths", &text);
    }

    fn time_parts(what: &str, text: &str) {
        let status: Vec<String> = ["Bad Input", "Bad", "NaN", "null"].iter().map(|s| s.to_string()).collect();
        let layout = TableLayout { delimiter: b',', decimal_comma: false, columns: 51, status_texts: &status, infer_rows: 10_000, example_rows: 5 };
        // `TIMING_RUNS=1` for a run under an instruction counter.
        let runs: usize = std::env::var("TIMING_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut best = f64::INFINITY;
            for _ in 0..runs {
                let start = std::time::Instant::now();
                let t = pool.install(|| parse_table(text.as_bytes(), &layout).unwrap());
                assert_eq!(t.rows, 100_000);
                best = best.min(start.elapsed().as_secs_f64());
            }
            let cells = 100_000.0 * 51.0;
            eprintln!(
                "{what}, {threads} threads: {} MB, best of {runs} {best:.3} s = {:.1} ns a cell",
                text.len() / 1_000_000,
                best * 1e9 * threads as f64 / cells
            );
        }
    }
}
