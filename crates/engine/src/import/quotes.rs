//! Quotes in delimited text, read the way a spreadsheet reads them: a `"` opens a quoted cell
//! only at the start of a cell (`""` inside it is one quote); anywhere else it is text, like the
//! inch mark in `valve 8" inlet`. Rows are cut only outside quoted cells, and a quote that never
//! closes stops the import early with its line instead of buffering the rest of the file.

use std::path::Path;

use plantlab_protocol::CodedSentence;

use crate::error::EngineError;

/// The longest a quoted cell may run before its quote counts as stray: plant exports quote
/// names and comments of a few words, and without a bound one stray quote would make the
/// reader hold the whole rest of the file as a single cell.
pub(super) const MAX_QUOTED_CELL: usize = 4 << 20;

/// Finds row ends outside quoted cells in text that arrives block by block. Indices are into
/// the buffer the caller keeps; the buffer always starts at the start of a row.
#[derive(Debug)]
pub(super) struct RowCutter {
    delimiter: u8,
    /// `None` for layouts without quoting (whitespace-separated, fixed widths).
    quote: Option<u8>,
    in_quotes: bool,
    /// Where the quoted cell now open began.
    opened_at: usize,
    /// Where the last quoted cell closed: a quote right after it is an escaped `""`.
    closed_at: Option<usize>,
}

impl RowCutter {
    pub(super) fn new(delimiter: u8, quote: Option<u8>) -> Self {
        RowCutter { delimiter, quote, in_quotes: false, opened_at: 0, closed_at: None }
    }

    /// Scans `buffer[from..]` (everything before `from` was scanned by earlier calls) and
    /// returns the end of the last whole row seen so far in this call, if any.
    pub(super) fn scan(&mut self, buffer: &[u8], from: usize) -> Option<usize> {
        let fresh = &buffer[from..];
        let Some(quote) = self.quote else {
            return memchr::memrchr(b'\n', fresh).map(|at| from + at + 1);
        };
        // Without quotes in sight the last line end is the cut: no walk over every line.
        if !self.in_quotes && memchr::memchr(quote, fresh).is_none() {
            return memchr::memrchr(b'\n', fresh).map(|at| from + at + 1);
        }
        let mut cut = None;
        for at in memchr::memchr2_iter(quote, b'\n', fresh) {
            let i = from + at;
            if buffer[i] == b'\n' {
                if !self.in_quotes {
                    cut = Some(i + 1);
                }
            } else if self.in_quotes {
                self.in_quotes = false;
                self.closed_at = Some(i);
            } else if i == 0 || matches!(buffer[i - 1], b'\n' | b'\r') || buffer[i - 1] == self.delimiter || self.closed_at == Some(i - 1) {
                self.in_quotes = true;
                self.opened_at = i;
            }
        }
        cut
    }

    /// Where the quoted cell still open at the end of the scanned text began.
    pub(super) fn open_quote(&self) -> Option<usize> {
        self.in_quotes.then_some(self.opened_at)
    }

    /// Starts over on a buffer that now begins at a row start (after a cut).
    pub(super) fn restart(&mut self) {
        self.in_quotes = false;
        self.closed_at = None;
    }
}

/// A quote that opens a cell and is not closed within [`MAX_QUOTED_CELL`] bytes (or before the
/// end of the file): the error names its line (1-based, in the file) and shows the text after it.
pub(super) fn unclosed_quote(path: &Path, line: u64, buffer: &[u8], opened_at: usize) -> EngineError {
    let rest = &buffer[opened_at..];
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(60);
    let mut shown = String::from_utf8_lossy(&rest[..end]).trim_end().to_string();
    if end < rest.len() && rest[end] != b'\n' {
        shown.push('…');
    }
    EngineError::UnclosedQuote { path: path.to_path_buf(), line, text: shown }
}

/// Lines (counted by `\n`) in `text`.
pub(super) fn count_lines(text: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', text).count() as u64
}

/// The line (1-based) of byte `offset` of the file at `path`, counted by reading the file up
/// to it; only used to point at an error.
pub(super) fn line_of_offset(path: &Path, offset: u64) -> u64 {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else { return 0 };
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file.take(offset));
    let mut lines = 1;
    let mut block = vec![0u8; 1 << 20];
    loop {
        match reader.read(&mut block) {
            Ok(0) | Err(_) => return lines,
            Ok(n) => lines += count_lines(&block[..n]),
        }
    }
}

/// Cells with a quote inside unquoted text, as found in one piece.
#[derive(Debug, Default)]
pub(super) struct LoneQuotes {
    pub(super) cells: usize,
    /// The first such cell: its row within the piece (0-based), its column (0-based) and text.
    pub(super) first: Option<(usize, usize, String)>,
}

impl LoneQuotes {
    /// Adds a piece's count; its first example wins only if none was kept yet, with its row
    /// moved by `rows_before` (the data rows of earlier pieces).
    pub(super) fn add(&mut self, other: LoneQuotes, rows_before: usize) {
        self.cells += other.cells;
        if self.first.is_none() {
            self.first = other.first.map(|(row, column, text)| (row + rows_before, column, text));
        }
    }

    /// The import warning, naming the first cell; `None` when there were none.
    pub(super) fn warning(&self, names: &[String]) -> Option<CodedSentence> {
        let (row, column, text) = self.first.as_ref()?;
        // Every column has a name after the header is read; a cell beyond them gets the name the
        // importer would give it.
        let column = names.get(*column).cloned().unwrap_or_else(|| format!("column_{}", column + 1));
        Some(CodedSentence::new(
            "lone_quotes",
            [("row", (row + 1).into()), ("column", column.into()), ("text", text.as_str().into()), ("others", self.cells.saturating_sub(1).into())],
        ))
    }
}

/// `piece` with every unquoted cell that holds a quote written as a quoted cell (its quotes
/// doubled), so a CSV reader that treats any quote as the start of quoting reads it as text.
/// `None` when no cell needs it (the usual case, found with one search when there is no quote).
pub(super) fn quote_lone_quotes(piece: &[u8], delimiter: u8) -> Option<(Vec<u8>, LoneQuotes)> {
    const QUOTE: u8 = b'"';
    memchr::memchr(QUOTE, piece)?;
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut found = LoneQuotes::default();
    let (mut row, mut column) = (0usize, 0usize);
    let mut i = 0;
    while i < piece.len() {
        // `i` is at the start of a cell.
        let start = i;
        if piece[i] == QUOTE {
            // A quoted cell: to its closing quote (a doubled quote is text), then on to the
            // cell's end like any other cell.
            i += 1;
            while let Some(at) = memchr::memchr(QUOTE, &piece[i..]) {
                i += at + 1;
                if piece.get(i) == Some(&QUOTE) {
                    i += 1;
                } else {
                    break;
                }
            }
        }
        let end = memchr::memchr2(delimiter, b'\n', &piece[i..]).map_or(piece.len(), |at| i + at);
        if piece[start] != QUOTE && memchr::memchr(QUOTE, &piece[start..end]).is_some() {
            let text_end = if end > start && piece[end - 1] == b'\r' { end - 1 } else { end };
            spans.push((start, text_end));
            found.cells += 1;
            if found.first.is_none() {
                found.first = Some((row, column, String::from_utf8_lossy(&piece[start..text_end]).into_owned()));
            }
        }
        match piece.get(end) {
            Some(b'\n') => {
                row += 1;
                column = 0;
            }
            Some(_) => column += 1,
            None => {}
        }
        i = end + 1;
    }
    if spans.is_empty() {
        return None;
    }
    let quotes_added: usize = spans.iter().map(|&(s, e)| 2 + memchr::memchr_iter(QUOTE, &piece[s..e]).count()).sum();
    let mut out = Vec::with_capacity(piece.len() + quotes_added);
    let mut copied = 0;
    for (start, end) in spans {
        out.extend_from_slice(&piece[copied..start]);
        out.push(QUOTE);
        for &b in &piece[start..end] {
            if b == QUOTE {
                out.push(QUOTE);
            }
            out.push(b);
        }
        out.push(QUOTE);
        copied = end;
    }
    out.extend_from_slice(&piece[copied..]);
    Some((out, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cuts(text: &[u8]) -> (Option<usize>, Option<usize>) {
        let mut cutter = RowCutter::new(b',', Some(b'"'));
        let cut = cutter.scan(text, 0);
        (cut, cutter.open_quote())
    }

    #[test]
    fn a_quote_opens_a_cell_only_at_the_start_of_a_cell() {
        // The inch mark is text: the row ends are where they look.
        let inch = b"1,valve 8\" inlet\n2,ok\n";
        assert_eq!(cuts(inch), (Some(inch.len()), None));
        // A quoted cell with a line break and a doubled quote inside.
        let doubled = b"1,\"a\n\"\"b\"\"\"\n2,c\n";
        assert_eq!(cuts(doubled), (Some(doubled.len()), None));
        // An opening quote never closed: the cut stays before it and the open quote is known.
        let text = b"1,ok\n2,\"never closed\n3,x\n";
        assert_eq!(cuts(text), (Some(5), Some(7)));
    }

    #[test]
    fn the_cutter_carries_its_state_across_blocks() {
        let text = b"1,\"a\nb\"\n2,c\n";
        let mut cutter = RowCutter::new(b',', Some(b'"'));
        assert_eq!(cutter.scan(&text[..4], 0), None);
        assert_eq!(cutter.open_quote(), Some(2));
        assert_eq!(cutter.scan(text, 4), Some(text.len()));
        assert_eq!(cutter.open_quote(), None);
        // Without quoting (whitespace layouts) a quote is just a byte.
        let mut plain = RowCutter::new(b' ', None);
        assert_eq!(plain.scan(b"1 \"2\n3 4\n", 0), Some(9));
    }

    #[test]
    fn lone_quotes_are_wrapped_so_they_read_as_text() {
        let (out, found) = quote_lone_quotes(b"1,valve 8\" inlet,2\r\n2,\"a,b\",3\n3,x\"y\"z,4\n", b',').unwrap();
        assert_eq!(out, b"1,\"valve 8\"\" inlet\",2\r\n2,\"a,b\",3\n3,\"x\"\"y\"\"z\",4\n");
        assert_eq!(found.cells, 2);
        assert_eq!(found.first, Some((0, 1, "valve 8\" inlet".to_string())));
        assert!(quote_lone_quotes(b"1,\"a\",2\n", b',').is_none());
        assert!(quote_lone_quotes(b"1,2\n", b',').is_none());
        // The last cell of a CRLF line keeps its line end outside the quotes.
        let (out, _) = quote_lone_quotes(b"a;b\"\r\n", b';').unwrap();
        assert_eq!(out, b"a;\"b\"\"\"\r\n");
    }

    #[test]
    fn the_warning_names_row_column_and_count() {
        let mut tally = LoneQuotes::default();
        tally.add(LoneQuotes { cells: 2, first: Some((4, 1, "8\" pipe".into())) }, 100);
        tally.add(LoneQuotes { cells: 1, first: Some((0, 0, "x\"".into())) }, 300);
        let warning = super::super::english_warning(&tally.warning(&["time".into(), "comment".into()]).unwrap());
        assert!(warning.starts_with("Data row 105 of \"comment\" holds a quote"), "{warning}");
        assert!(warning.contains("and 2 other cells"), "{warning}");
        assert!(LoneQuotes::default().warning(&[]).is_none());
    }
}
