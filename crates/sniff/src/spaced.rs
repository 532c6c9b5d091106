//! Engineering text tables: numbers separated by runs of spaces or tabs (Fortran and simulator
//! output, NASA's C-MAPSS files, the Tennessee Eastman data), fixed-width columns whose fields
//! may touch (`-1.5D+02-2.0D+01`), Fortran `D` exponents and files without a header row.
//!
//! Such a piece is rewritten once into a plain tab-separated table (one tab between cells, no
//! padding, `D` exponents as `E`) that the numeric table parser and the general CSV reader both
//! read; the rewrite of a whitespace table happens in place, on all cores.

use rayon::prelude::*;

/// The delimiter recorded for a table separated by runs of whitespace (and for fixed-width
/// tables, which also record their column widths).
pub const WHITESPACE: char = ' ';

/// The byte between cells of a rewritten piece: never part of a whitespace-separated cell.
pub const REWRITTEN_DELIMITER: u8 = b'\t';

/// How the cells of a line are separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Separator {
    /// One character (`,` `;` tab `|`), quotes honoured.
    Char(char),
    /// Runs of spaces and tabs; leading and trailing whitespace ignored.
    Whitespace,
    /// Columns of these widths in bytes, left to right; the last one runs to the line end.
    Fixed(Vec<usize>),
}

impl Separator {
    /// The separator for a recorded delimiter and column widths.
    pub fn from_settings(delimiter: char, widths: Option<&[usize]>) -> Separator {
        match widths {
            Some(w) if !w.is_empty() => Separator::Fixed(w.to_vec()),
            _ if delimiter == WHITESPACE => Separator::Whitespace,
            _ => Separator::Char(delimiter),
        }
    }

    /// The cells of one line (without its line end).
    pub fn split(&self, line: &str) -> Vec<String> {
        match self {
            Separator::Char(d) => crate::split_fields(line, *d),
            Separator::Whitespace => split_whitespace(line).map(str::to_owned).collect(),
            Separator::Fixed(widths) => split_fixed(line.as_bytes(), widths).map(|c| String::from_utf8_lossy(c).into_owned()).collect(),
        }
    }

    /// Whether pieces must be rewritten before parsing.
    pub fn rewrites(&self) -> bool {
        !matches!(self, Separator::Char(_))
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Cells separated by runs of spaces and tabs.
pub fn split_whitespace(line: &str) -> impl Iterator<Item = &str> {
    line.split([' ', '\t']).filter(|c| !c.is_empty())
}

/// The cells of a fixed-width line, trimmed; a short line gives empty cells at its end.
pub fn split_fixed<'a>(line: &'a [u8], widths: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut start = 0usize;
    widths.iter().enumerate().map(move |(i, &w)| {
        let end = if i + 1 == widths.len() { line.len() } else { (start + w).min(line.len()) };
        let cell = &line[start.min(line.len())..end.max(start.min(line.len()))];
        start = end;
        trim_blank(cell)
    })
}

fn trim_blank(mut cell: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = cell {
        if !is_blank(*first) {
            break;
        }
        cell = rest;
    }
    while let [rest @ .., last] = cell {
        if !is_blank(*last) {
            break;
        }
        cell = rest;
    }
    cell
}

/// Whether `cell` is a number as engineering programs write it: optional sign, digits with an
/// optional decimal separator, an optional exponent `e`/`E`/`d`/`D` with optional sign.
pub fn is_number(cell: &str, decimal: char) -> bool {
    let b = cell.trim().as_bytes();
    number_end(b, decimal as u8).is_some_and(|end| end == b.len())
}

/// Where the number at the start of `b` ends, if `b` starts with one.
fn number_end(b: &[u8], decimal: u8) -> Option<usize> {
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&decimal) {
        i += 1;
        let frac_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E' | b'd' | b'D')) {
        let mut j = i + 1 + usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let exp_start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    Some(i)
}

/// A cell written `1.5D+02` (Fortran's double-precision exponent) gets `E` instead of `D`;
/// anything else is left alone.
fn fix_d_exponent(cell: &mut [u8], decimal: u8) {
    let Some(at) = cell.iter().position(|&b| b == b'd' || b == b'D') else { return };
    if number_end(cell, decimal) == Some(cell.len()) {
        cell[at] = b'E';
    }
}

/// Rewrites a whitespace-separated piece in place into tab-separated rows: cells joined by one
/// tab, no leading or trailing whitespace, `D` exponents as `E`, blank lines and carriage
/// returns dropped. The piece never grows, so the rewrite needs no second buffer.
pub fn rewrite_whitespace(piece: &mut Vec<u8>, decimal: char) {
    let decimal = decimal as u8;
    let bounds = line_aligned_bounds(piece, rayon::current_num_threads() * 4);
    // Each part is compacted towards its own start on its own core, then the parts are moved
    // together.
    let mut lengths = Vec::with_capacity(bounds.len());
    {
        let mut parts = Vec::with_capacity(bounds.len());
        let mut rest: &mut [u8] = piece;
        let mut taken = 0;
        for &(start, end) in &bounds {
            let (_, tail) = std::mem::take(&mut rest).split_at_mut(start - taken);
            let (part, tail) = tail.split_at_mut(end - start);
            parts.push(part);
            rest = tail;
            taken = end;
        }
        parts.into_par_iter().map(|part| compact_whitespace(part, decimal)).collect_into_vec(&mut lengths);
    }
    let mut write = 0;
    for (&(start, _), &len) in bounds.iter().zip(&lengths) {
        piece.copy_within(start..start + len, write);
        write += len;
    }
    piece.truncate(write);
}

/// Cuts `bytes` into about `wanted` ranges that end at line ends.
fn line_aligned_bounds(bytes: &[u8], wanted: usize) -> Vec<(usize, usize)> {
    let step = bytes.len() / wanted.max(1) + 1;
    let mut bounds = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let target = (start + step).min(bytes.len());
        let end = bytes[target..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| target + i + 1);
        bounds.push((start, end));
        start = end;
    }
    bounds
}

/// Compacts one line-aligned part in place; returns its new length. Cells are found with
/// slice scans and moved with `copy_within`, not byte by byte.
fn compact_whitespace(part: &mut [u8], decimal: u8) -> usize {
    let len = part.len();
    let (mut read, mut write) = (0usize, 0usize);
    let mut cells = 0usize;
    while read < len {
        match part[read] {
            b' ' | b'\t' | b'\r' => read += 1,
            b'\n' => {
                // A line without cells leaves nothing behind.
                if cells > 0 {
                    part[write] = b'\n';
                    write += 1;
                }
                cells = 0;
                read += 1;
            }
            _ => {
                let (end, has_d) = cell_end(part, read);
                // A separator was skipped before every cell but a line's first, so the write
                // position stays behind the read position.
                if cells > 0 {
                    part[write] = REWRITTEN_DELIMITER;
                    write += 1;
                }
                part.copy_within(read..end, write);
                let cell_end = write + (end - read);
                if has_d {
                    fix_d_exponent(&mut part[write..cell_end], decimal);
                }
                write = cell_end;
                read = end;
                cells += 1;
            }
        }
    }
    write
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Where the cell starting at `at` ends (the next space, tab, carriage return or line end),
/// and whether it holds a `d` or `D`; eight bytes at a time. In each word the lowest byte
/// flagged below 0x21 (or equal to `d` after folding case) is exact: the borrows that can
/// flag a byte wrongly only reach bytes above a truly flagged one.
fn cell_end(bytes: &[u8], at: usize) -> (usize, bool) {
    let mut end = at;
    let mut has_d = false;
    while let Some(chunk) = bytes.get(end..end + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let low = word.wrapping_sub(ONES * 0x21) & !word & HIGH_BITS;
        let folded = (word | (ONES * 0x20)) ^ (ONES * u64::from(b'd'));
        let d = folded.wrapping_sub(ONES) & !folded & HIGH_BITS;
        if low == 0 {
            has_d |= d != 0;
            end += 8;
            continue;
        }
        let first_low = (low.trailing_zeros() / 8) as usize;
        has_d |= d != 0 && ((d.trailing_zeros() / 8) as usize) < first_low;
        end += first_low;
        if matches!(bytes[end], b' ' | b'\t' | b'\r' | b'\n') {
            return (end, has_d);
        }
        // Another control byte belongs to the cell.
        end += 1;
    }
    for &b in &bytes[end..] {
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            break;
        }
        has_d |= (b | 0x20) == b'd';
        end += 1;
    }
    (end, has_d)
}

/// Rewrites a fixed-width piece into tab-separated rows (cells trimmed, `D` exponents as `E`,
/// tabs inside a cell turned into spaces, blank lines dropped). Fields that touch gain a
/// separator, so the result can be longer than the piece.
pub fn rewrite_fixed(piece: &[u8], widths: &[usize], decimal: char) -> Vec<u8> {
    let decimal = decimal as u8;
    let bounds = line_aligned_bounds(piece, rayon::current_num_threads() * 4);
    let parts: Vec<Vec<u8>> = bounds
        .par_iter()
        .map(|&(start, end)| {
            let part = &piece[start..end];
            let mut out = Vec::with_capacity(part.len() + part.len() / 8);
            for line in part.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.iter().all(|&b| is_blank(b) || b == b'\r') {
                    continue;
                }
                for (i, cell) in split_fixed(line, widths).enumerate() {
                    if i > 0 {
                        out.push(REWRITTEN_DELIMITER);
                    }
                    let at = out.len();
                    out.extend(cell.iter().map(|&b| if b == b'\t' { b' ' } else { b }));
                    fix_d_exponent(&mut out[at..], decimal);
                }
                out.push(b'\n');
            }
            out
        })
        .collect();
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        out.extend_from_slice(&part);
    }
    out
}

/// Whitespace as the separator: the sampled lines split into the same number (at least two)
/// of cells by runs of whitespace, allowing one line in ten to differ.
pub fn sniff_whitespace(lines: &[&str]) -> bool {
    let counts: Vec<usize> = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| split_whitespace(l).count()).collect();
    let Some(mode) = most_common(&counts) else { return false };
    let agreeing = counts.iter().filter(|&&c| c == mode).count();
    mode >= 2 && agreeing * 10 >= counts.len() * 9
}

/// Whether runs of whitespace read the lines better than `delimiter`: every whitespace-separated
/// cell is a number (the first line may hold names, none containing the delimiter), and the
/// delimiter leaves several numbers in one cell somewhere (tabs mixed into space padding,
/// `1,5 2,5` with decimal commas). A delimited table of numbers gives one number per cell. An
/// empty cell alone is no evidence: a delimited export may have a column still empty in the
/// first lines.
pub fn whitespace_splits_better(lines: &[&str], delimiter: char) -> bool {
    let lines: Vec<&str> = lines.iter().filter(|l| !l.trim().is_empty()).copied().collect();
    let number = |cell: &str| is_number(cell, '.') || is_number(cell, ',');
    let name = |cell: &str| !cell.contains(delimiter);
    let cells_fit = lines.iter().enumerate().all(|(i, line)| split_whitespace(line).all(|cell| number(cell) || (i == 0 && name(cell))));
    if lines.len() < 2 || !cells_fit {
        return false;
    }
    lines.iter().skip(1).any(|line| crate::split_fields(line, delimiter).iter().any(|cell| split_whitespace(cell).nth(1).is_some()))
}

fn most_common(counts: &[usize]) -> Option<usize> {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for run in sorted.chunk_by(|a, b| a == b) {
        if best.is_none_or(|(_, n)| run.len() > n) {
            best = Some((run[0], run.len()));
        }
    }
    best.map(|(value, _)| value)
}

/// Column widths of a fixed-width table, from its data lines (the first line is left out when
/// there are enough others: a header's names are often aligned differently).
///
/// A column ends where every line either ends a field (a non-blank byte followed by a blank,
/// the line end, or a sign right after a digit, as when a negative number fills its field) or
/// is blank, most lines end a field there, and at least one line has a blank after it (so a
/// date's `-` never splits it). `None` unless that gives at least two columns.
pub fn sniff_fixed_widths(lines: &[&str]) -> Option<Vec<usize>> {
    let data: Vec<&[u8]> = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| l.as_bytes()).collect();
    let data = if data.len() >= 4 { &data[1..] } else { &data[..] };
    if data.len() < 2 || data.iter().any(|l| !l.is_ascii()) {
        return None;
    }
    let width = data.iter().map(|l| l.len()).max()?;
    let mut ends = Vec::new();
    for p in 1..=width {
        let (mut ending, mut blank_after, mut contradicted) = (0usize, false, false);
        for line in data {
            let before = line.get(p - 1).copied().unwrap_or(b' ');
            let after = line.get(p).copied().unwrap_or(b' ');
            if is_blank(before) {
                continue;
            }
            if is_blank(after) {
                ending += 1;
                blank_after = true;
            } else if (before.is_ascii_digit() || before == b'.') && (after == b'-' || after == b'+') {
                ending += 1;
            } else {
                contradicted = true;
                break;
            }
        }
        if !contradicted && blank_after && ending * 2 > data.len() {
            ends.push(p);
        }
    }
    if ends.len() < 2 {
        return None;
    }
    let mut widths = Vec::with_capacity(ends.len());
    let mut start = 0;
    for end in ends {
        widths.push(end - start);
        start = end;
    }
    Some(widths)
}

/// The kind of a cell, for telling a header row from data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CellKind {
    Empty,
    Number,
    Time,
    Text,
}

fn cell_kind(cell: &str, decimal: char) -> CellKind {
    let cell = cell.trim();
    if cell.is_empty() {
        CellKind::Empty
    } else if is_number(cell, decimal) || matches!(cell, "NaN" | "nan" | "inf" | "-inf" | "+inf") {
        CellKind::Number
    } else if crate::timestamps::sniff_text_format(std::iter::once(cell)).is_some() {
        CellKind::Time
    } else {
        CellKind::Text
    }
}

/// Whether the first line is data rather than names: every filled cell of it is a number or a
/// timestamp, at least one is, and below it the same columns hold numbers or timestamps too.
pub fn sniff_headerless(lines: &[&str], separator: &Separator, decimal: char) -> bool {
    let mut rows = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| separator.split(l));
    let Some(first) = rows.next() else { return false };
    let first: Vec<CellKind> = first.iter().map(|c| cell_kind(c, decimal)).collect();
    if first.contains(&CellKind::Text) || !first.iter().any(|k| matches!(k, CellKind::Number | CellKind::Time)) {
        return false;
    }
    // A header of numbers (years, wavelengths) over text or timestamps is still a header; a
    // few words (status texts) among numbers below are not.
    let below: Vec<Vec<String>> = rows.take(20).collect();
    first.iter().enumerate().all(|(column, kind)| {
        let kinds: Vec<CellKind> =
            below.iter().filter_map(|r| r.get(column)).map(|c| cell_kind(c, decimal)).filter(|k| *k != CellKind::Empty).collect();
        match kind {
            CellKind::Number => kinds.is_empty() || (kinds.contains(&CellKind::Number) && !kinds.contains(&CellKind::Time)),
            CellKind::Time => kinds.iter().all(|k| *k == CellKind::Time),
            _ => true,
        }
    })
}

/// Names for the columns of a table without a header: `col_1`, `col_2`, …
pub fn generated_names(columns: usize) -> Vec<String> {
    (1..=columns).map(|i| format!("col_{i}")).collect()
}

/// When every row landed in one column although the lines hold several numbers each: how
/// many numbers a line holds (the median over the sampled lines) and what separates them.
pub fn numbers_in_one_column(lines: &[&str], decimal: char) -> Option<(usize, &'static str)> {
    let mut counts = Vec::new();
    let mut separators = [0usize; 4];
    for line in lines.iter().filter(|l| !l.trim().is_empty()) {
        let numbers = line.split([' ', '\t', ',', ';', '|']).filter(|c| is_number(c, decimal)).count();
        counts.push(numbers);
        for (i, s) in [" ", "\t", ";", "|"].iter().enumerate() {
            separators[i] += usize::from(line.trim().contains(s));
        }
    }
    counts.sort_unstable();
    let median = *counts.get(counts.len() / 2)?;
    if median < 3 {
        return None;
    }
    let names = ["spaces", "tabs", "semicolons", "bars"];
    let most = (0..4).max_by_key(|&i| separators[i]).map_or("spaces", |i| names[i]);
    Some((median, most))
}
