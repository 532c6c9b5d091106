//! Parsing a text table piece by piece: each row-aligned piece is offered to the fast numeric
//! parser first and otherwise read by polars, status texts become missing values and are
//! counted, and the pieces are assembled into one import. Also text decoded whole in memory
//! (encodings other than UTF-8), which takes the same two paths.

use std::io::Cursor;
use std::path::Path;

use plantlab_protocol::{CodedSentence, ImportOverrides};
use plantlab_sniff::fullwidth::narrow_delimited;
use plantlab_sniff::{nth_line_end, Separator};
use polars::prelude::*;

use super::chunks::{combine_chunks, split_rows, PARSE_CHUNK};
use super::dialect::{sniff_dialect, sniff_error, Dialect};
use super::fullwidth::narrowed_note;
use super::pieces::ParsedPieces;
use super::quotes::{count_lines, quote_lone_quotes, unclosed_quote, LoneQuotes, RowCutter};
use super::{merge_status, Imported, EXAMPLE_ROWS, INFER_SCHEMA_ROWS, READ_SHARE};
use crate::error::{EngineError, Result};
use crate::quality::StatusTextCount;
use crate::tasks::JobContext;

impl Dialect {
    /// Parses one row-aligned piece of the body into `pieces`: the plain numeric table most
    /// exports are with the purpose-built parser (same frame and counts as polars' reader),
    /// anything else with polars. Status texts become nulls; those cells are counted per column.
    fn parse_piece(&self, path: &Path, piece: &[u8], pieces: &mut ParsedPieces, status_strings: &[String]) -> Result<()> {
        if let Some(layout) = self.fast_layout(status_strings) {
            if pieces.read_fast(piece, &layout, &self.names) {
                return Ok(());
            }
        }
        let (frame, status) = self.parse_piece_general(path, piece, pieces.rows(), status_strings)?;
        pieces.push_general(frame, status);
        Ok(())
    }

    /// One piece read by the fast parser alone, as a frame; `None` for any piece it does not
    /// read exactly the way polars' reader would (quotes, ragged rows, cells typed differently
    /// further down, …).
    #[cfg(test)]
    fn parse_piece_fast(&self, piece: &[u8], first_row: u64, status_strings: &[String]) -> Option<(DataFrame, Vec<StatusTextCount>)> {
        let mut pieces = ParsedPieces::new(piece.len(), first_row);
        if !pieces.read_fast(piece, &self.fast_layout(status_strings)?, &self.names) {
            return None;
        }
        let (frames, status) = pieces.finish(&self.names).ok()?;
        Some((frames.into_iter().next()?, status))
    }

    /// Parses a piece with polars' CSV reader.
    pub(super) fn parse_piece_general(
        &self,
        path: &Path,
        piece: &[u8],
        first_row: u64,
        status_strings: &[String],
    ) -> Result<(DataFrame, Vec<StatusTextCount>)> {
        let parse_err = |e: PolarsError| EngineError::Parse { path: path.to_path_buf(), detail: e.to_string() };
        let mut chunk = Vec::with_capacity(self.header_line.len() + piece.len());
        chunk.extend_from_slice(self.header_line.as_bytes());
        chunk.extend_from_slice(piece);
        // Polars' null-value matching costs ~40 % of parsing; a piece that cannot hold any
        // status text (one of its bytes never occurs) is parsed without it, with the same result.
        let null_values = may_contain_any(piece, status_strings).then(|| NullValues::AllColumns(self.null_values.clone()));
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(INFER_SCHEMA_ROWS))
            .map_parse_options(|o| {
                o.with_separator(self.parse_delimiter)
                    .with_quote_char(self.quote_char())
                    .with_decimal_comma(self.decimal == ',')
                    .with_truncate_ragged_lines(true)
                    .with_null_values(null_values.clone())
            })
            .into_reader_with_file_handle(Cursor::new(chunk))
            .finish()
            .map_err(parse_err)?;
        let mut status = Vec::new();
        // Only a piece with missing cells can hold status texts; look for them only then.
        let has_nulls = frame.columns().iter().any(|c| c.null_count() > 0);
        if has_nulls && status_strings.iter().any(|s| contains_bytes(piece, s.as_bytes())) {
            status =
                count_status_texts(&frame, piece, &self.header_line, self.parse_delimiter, self.quote_char(), status_strings).map_err(parse_err)?;
            for s in &mut status {
                s.rows.iter_mut().for_each(|r| *r += first_row);
            }
        }
        Ok((frame, status))
    }
}

/// Whether any of `needles` can occur in `haystack`: each byte of a needle must occur
/// somewhere in it. One pass over the haystack; exact as a "no" (a needle with a missing byte
/// cannot be there), conservative as a "yes".
fn may_contain_any(haystack: &[u8], needles: &[String]) -> bool {
    let mut present = [false; 256];
    for &b in haystack {
        present[b as usize] = true;
    }
    needles.iter().any(|n| !n.is_empty() && n.bytes().all(|b| present[b as usize]))
}

/// Whether `needle` occurs in `haystack` (an empty needle never does).
fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && memchr::memmem::find(haystack, needle).is_some()
}

/// Stacks the parsed pieces and their status-text counts into one import.
pub(super) fn assemble(path: &Path, dialect: Dialect, encoding: String, pieces: ParsedPieces, warnings: Vec<CodedSentence>) -> Result<Imported> {
    let parse_err = |e: PolarsError| EngineError::Parse { path: path.to_path_buf(), detail: e.to_string() };
    let (frames, status) = pieces.finish(&dialect.names).map_err(parse_err)?;
    let mut status_text: Vec<StatusTextCount> = Vec::new();
    for s in status {
        merge_status(&mut status_text, s);
    }
    if frames.is_empty() {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    let frame = combine_chunks(frames).map_err(parse_err)?;
    let settings = dialect.settings(encoding);
    let mut imported = Imported { frame, settings, units: dialect.units, status_text, warnings: Vec::new(), warning_codes: Vec::new() };
    imported.warn_all(warnings);
    Ok(imported)
}

/// A text file already decoded in memory.
pub(super) fn read_text(path: &Path, bytes: &[u8], overrides: &ImportOverrides, status_strings: &[String], job: &JobContext) -> Result<Imported> {
    let decoded = plantlab_sniff::decode(bytes, overrides.encoding.as_deref()).map_err(|e| sniff_error(path, e))?;
    let (encoding, confidence) = (decoded.encoding, decoded.confidence);
    let mut warnings: Vec<CodedSentence> = super::sniff_warnings(decoded.warnings).collect();
    let text = decoded.text.as_ref();
    let dialect = sniff_dialect(path, text, overrides, status_strings, &mut warnings)?;
    let body_start = nth_line_end(text.as_bytes(), dialect.header_rows as usize);
    let body = &text.as_bytes()[body_start..];
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    // Numbers typed in full-width characters become ASCII before parsing, so a column reads as
    // numeric wherever in it they appear (a delimited text is decoded whole here anyway).
    let narrowed;
    let body = match &dialect.separator {
        Separator::Char(delimiter) => match narrow_delimited(&text[body_start..], *delimiter, dialect.decimal) {
            Some((ascii, columns)) => {
                for c in columns {
                    let name = dialect.names.get(c.column).map_or("?", String::as_str);
                    warnings.push(narrowed_note(name, c.cells, &c.example.0, &c.example.1));
                }
                narrowed = ascii;
                narrowed.as_bytes()
            }
            None => body,
        },
        _ => body,
    };
    let rewritten;
    let body = if dialect.separator.rewrites() {
        rewritten = dialect.rewrite(body.to_vec());
        &rewritten[..]
    } else {
        body
    };
    let (quoted, lone_quotes) = check_quotes(path, &dialect, body)?;
    let body = quoted.as_deref().unwrap_or(body);
    warnings.extend(lone_quotes.warning(&dialect.names));
    let pieces = split_rows(body, PARSE_CHUNK);
    let mut parsed = ParsedPieces::new(body.len(), 0);
    for (i, piece) in pieces.iter().enumerate() {
        job.check_cancelled()?;
        job.progress(READ_SHARE + (1.0 - READ_SHARE) * 0.9 * i as f32 / pieces.len() as f32, crate::Stage::Parsing);
        dialect.parse_piece(path, piece, &mut parsed, status_strings)?;
    }
    let mut imported = assemble(path, dialect, encoding, parsed, warnings)?;
    imported.settings.encoding_confidence = confidence;
    Ok(imported)
}

/// A body decoded in memory with its quotes checked: an error at a quote that opens a cell and
/// never closes; a copy with quotes inside cell text quoted (so they read as text), if any.
fn check_quotes(path: &Path, dialect: &Dialect, body: &[u8]) -> Result<(Option<Vec<u8>>, LoneQuotes)> {
    let Some(quote) = dialect.quote_char() else { return Ok((None, LoneQuotes::default())) };
    let mut cutter = RowCutter::new(dialect.parse_delimiter, Some(quote));
    cutter.scan(body, 0);
    if let Some(opened_at) = cutter.open_quote() {
        let line = u64::from(dialect.header_rows) + count_lines(&body[..opened_at]) + 1;
        return Err(unclosed_quote(path, line, body, opened_at));
    }
    Ok(match quote_lone_quotes(body, dialect.parse_delimiter) {
        Some((quoted, found)) => (Some(quoted), found),
        None => (None, LoneQuotes::default()),
    })
}

/// Re-reads the columns that have nulls as plain text and counts exact status-text matches.
fn count_status_texts(
    frame: &DataFrame,
    body: &[u8],
    header_line: &str,
    delimiter: u8,
    quote_char: Option<u8>,
    status_strings: &[String],
) -> PolarsResult<Vec<StatusTextCount>> {
    let with_nulls: Vec<usize> = frame.columns().iter().enumerate().filter(|(_, c)| c.null_count() > 0).map(|(i, _)| i).collect();
    let mut chunk = Vec::with_capacity(header_line.len() + body.len());
    chunk.extend_from_slice(header_line.as_bytes());
    chunk.extend_from_slice(body);
    let raw = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_projection(Some(Arc::new(with_nulls)))
        .map_parse_options(|o| o.with_separator(delimiter).with_quote_char(quote_char).with_truncate_ragged_lines(true).with_missing_is_null(true))
        .into_reader_with_file_handle(Cursor::new(chunk))
        .finish()?;
    let mut counts = Vec::new();
    for column in raw.columns() {
        let strings = column.str()?;
        let mut found = StatusTextCount { column: column.name().to_string(), count: 0, rows: Vec::new() };
        for (row, value) in strings.iter().enumerate() {
            if let Some(v) = value {
                if status_strings.iter().any(|s| s == v.trim()) {
                    found.count += 1;
                    if found.rows.len() < EXAMPLE_ROWS {
                        found.rows.push(row as u64);
                    }
                }
            }
        }
        if found.count > 0 {
            counts.push(found);
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::super::status_strings;
    use super::*;
    use plantlab_sniff::WHITESPACE;

    #[test]
    fn the_status_text_prefilter_never_misses_one() {
        let status: Vec<String> = ["Bad Input", "#N/A", "I/O Timeout"].iter().map(|s| (*s).to_owned()).collect();
        assert!(!may_contain_any(b"2026-01-01 00:00:00,1.5,-2e3\n2026-01-01 00:01:00,1.6,7\n", &status));
        assert!(may_contain_any(b"1.5,#N/A\n", &status));
        assert!(may_contain_any(b"x,Bad Input\n", &status));
        // Every byte present but not the text: a harmless "maybe".
        assert!(may_contain_any(b"tupnI daB", &status));
        assert!(!may_contain_any(b"1,2\n", &[String::new()]));
    }

    // ------------------------------------------------------------------------------------------
    // The fast parser against polars: same frame, same status counts, or no answer at all.
    // ------------------------------------------------------------------------------------------

    /// A small deterministic generator for test tables.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn same_frames(fast: &DataFrame, general: &DataFrame, context: &str) {
        assert_eq!(fast.get_column_names(), general.get_column_names(), "{context}: names");
        assert_eq!(fast.height(), general.height(), "{context}: height");
        for (a, b) in fast.columns().iter().zip(general.columns()) {
            assert_eq!(a.dtype(), b.dtype(), "{context}: dtype of {}", a.name());
            if a.dtype() == &DataType::Float64 {
                let (x, y) = (a.f64().unwrap(), b.f64().unwrap());
                for (row, (p, q)) in x.iter().zip(y.iter()).enumerate() {
                    let same = match (p, q) {
                        (Some(p), Some(q)) => p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()),
                        (None, None) => true,
                        _ => false,
                    };
                    assert!(same, "{context}: {} row {row}: fast {p:?}, polars {q:?}", a.name());
                }
            } else {
                let (x, y) = (a.as_materialized_series(), b.as_materialized_series());
                assert!(x.equals_missing(y), "{context}: column {}: fast {x:?}, polars {y:?}", a.name());
            }
        }
    }

    /// Parses `text` (header included) both ways in pieces of about `piece_size` bytes and
    /// checks they agree wherever the fast parser answers. Returns (fast pieces, all pieces).
    fn both_ways(text: &str, overrides: &ImportOverrides, piece_size: usize, context: &str) -> (usize, usize) {
        let path = Path::new("test.csv");
        let status = status_strings(overrides);
        let dialect = sniff_dialect(path, text, overrides, &status, &mut Vec::new()).unwrap();
        let body = dialect.rewrite(text.as_bytes()[nth_line_end(text.as_bytes(), dialect.header_rows as usize)..].to_vec());
        let (mut fast, mut all, mut rows) = (0, 0, 0u64);
        for piece in split_rows(&body, piece_size) {
            if piece.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            all += 1;
            let general = dialect.parse_piece_general(path, piece, rows, &status);
            if let Some((frame, counts)) = dialect.parse_piece_fast(piece, rows, &status) {
                fast += 1;
                let context = format!("{context}, piece at row {rows}:\n{}", String::from_utf8_lossy(&piece[..piece.len().min(400)]));
                let (expected, expected_counts) = general.unwrap_or_else(|e| panic!("{context}: polars failed where the fast path read: {e}"));
                same_frames(&frame, &expected, &context);
                assert_eq!(counts, expected_counts, "{context}: status counts");
                rows += frame.height() as u64;
            } else if let Ok((frame, _)) = general {
                rows += frame.height() as u64;
            }
        }
        (fast, all)
    }

    const NUMBERS: &[&str] = &[
        "1",
        "-2",
        "007",
        "-0",
        "0",
        "42",
        "1.5",
        "-0.0",
        ".5",
        "5.",
        "-.25",
        "+1.5",
        "1e5",
        "1E-3",
        "2.5e+10",
        "-7.125e-3",
        "inf",
        "-inf",
        "+inf",
        "NaN",
        "-NaN",
        "0.12345678901234567",
        "123456.78901234567",
        "1.7976931348623157e308",
        "4.9e-324",
        "1e400",
        "-1e-400",
        "9007199254740993",
        "9223372036854775807",
        "-9223372036854775808",
        "3.141592653589793238462643383279502884197",
        "1e22",
        "1e23",
        "0.000001",
        "100000000000000000000.5",
    ];
    const ODD_CELLS: &[&str] = &[
        "",
        "",
        "Bad Input",
        "#N/A",
        "I/O Timeout",
        " Bad",
        "+5",
        "nan",
        "Inf",
        " 1.5",
        "1.5 ",
        "x",
        "true",
        "FALSE",
        "12345678901234567890",
        "-99999999999999999999",
        "5.e3",
        "1e",
        "--1",
        "12:00",
        "2024-03-04 00:00:00",
        "Störung",
        "٣",
        "1_000",
        "0x10",
        "1,5",
        "1.5.5",
    ];

    /// A random table: each column leans to integers, floats or text, with odd cells mixed in.
    fn random_table(rng: &mut Lcg, decimal_comma: bool) -> String {
        let delimiter = if decimal_comma { ";" } else { [",", ";", "\t", "|"][rng.below(4)] };
        let columns = 1 + rng.below(5);
        let longest = if rng.below(8) == 0 { 400 } else { 40 };
        let rows = 1 + rng.below(longest);
        let styles: Vec<usize> = (0..columns).map(|_| rng.below(4)).collect();
        let odd_share = [0, 2, 10, 40][rng.below(4)];
        let mut text = (0..columns).map(|c| format!("c{c}")).collect::<Vec<_>>().join(delimiter) + "\n";
        for _ in 0..rows {
            let cells: Vec<String> = styles
                .iter()
                .map(|&style| {
                    let cell = if rng.below(100) < odd_share {
                        ODD_CELLS[rng.below(ODD_CELLS.len())].to_owned()
                    } else {
                        match style {
                            0 => (rng.below(2000) as i64 - 1000).to_string(),
                            1 => NUMBERS[rng.below(NUMBERS.len())].to_owned(),
                            // Readings laid out alike row after row, now and then negative.
                            2 => format!("{}{}.{:02}", if rng.below(8) == 0 { "-" } else { "" }, rng.below(500), rng.below(100)),
                            _ => format!("2024-03-04 {:02}:{:02}:00", rng.below(24), rng.below(60)),
                        }
                    };
                    let cell = if decimal_comma { cell.replace('.', ",") } else { cell };
                    // Cells must not hold the delimiter, or the row would be ragged by design.
                    cell.replace(delimiter, "")
                })
                .collect();
            text.push_str(&cells.join(delimiter));
            text.push('\n');
        }
        if rng.below(4) == 0 {
            text.pop();
        }
        // Windows line ends, now and then with a stray carriage return in a cell.
        if rng.below(4) == 0 {
            text = text.replace('\n', "\r\n");
            if rng.below(4) == 0 {
                text = text.replacen("\r\n", "\r", 2).replacen('\r', "\r\n", 1);
            }
        }
        text
    }

    #[test]
    fn the_fast_parser_agrees_with_polars_on_random_tables() {
        let mut rng = Lcg(7);
        let overrides = ImportOverrides::default();
        let (mut fast, mut all, mut fast_crlf) = (0, 0, 0);
        for round in 0..600 {
            let decimal_comma = round % 3 == 2;
            let text = random_table(&mut rng, decimal_comma);
            let mut o = overrides.clone();
            if decimal_comma {
                o.delimiter = Some(';');
                o.decimal = Some(',');
            } else {
                o.delimiter = text.lines().next().and_then(|h| h.chars().find(|c| [',', ';', '\t', '|'].contains(c)));
                o.decimal = Some('.');
            }
            o.header_rows = Some(1);
            let piece_size = [1 << 20, 200, 50][round % 3];
            let (f, a) = both_ways(&text, &o, piece_size, &format!("round {round}"));
            fast += f;
            all += a;
            if text.contains("\r\n") {
                fast_crlf += f;
            }
        }
        assert!(fast * 4 > all, "the fast path read {fast} of {all} pieces");
        assert!(fast_crlf > 0, "no piece with CRLF line ends took the fast path");
    }

    #[test]
    fn a_text_cell_that_is_not_utf8_leaves_the_piece_to_the_general_reader() {
        let path = Path::new("test.csv");
        let text = "time,state,value\n";
        let dialect = sniff_dialect(path, text, &ImportOverrides::default(), &[], &mut Vec::new()).unwrap();
        let mut piece = Vec::new();
        for row in 0..10_000 {
            piece.extend_from_slice(format!("2024-03-04 00:{:02}:{:02},café,{row}.5\n", row / 60 % 60, row % 60).as_bytes());
        }
        let (frame, _) = dialect.parse_piece_fast(&piece, 0, &[]).expect("a plain UTF-8 piece takes the fast path");
        let state = frame.column("state").unwrap().str().unwrap();
        assert_eq!((state.get(0), state.get(9_999), state.null_count()), (Some("café"), Some("café"), 0));
        // The same piece with one cell in Windows-1252 (é as one byte).
        let at = piece.len() - 20;
        let cell = piece[..at].windows(5).rposition(|w| w == "café".as_bytes()).unwrap();
        piece.splice(cell + 3..cell + 5, [0xE9]);
        assert!(dialect.parse_piece_fast(&piece, 0, &[]).is_none());
    }

    #[test]
    fn the_fast_parser_agrees_with_polars_on_edge_cases() {
        let cases: &[(&str, Option<char>, Option<char>)] = &[
            ("a,b\n1,2\n3,4", None, None),
            ("a,b\n1,2\n3,4\n", None, None),
            ("a,b\r\n1,2\r\n3,4\r\n", None, None),
            ("a,b\r\n1,x\r\n2,Bad\r\n3,\r\n4,2.5\r\n", None, None),
            ("a,b\r\n1,x\r\n2,y\r", None, None),
            ("a,b\r\n1,x\ry\r\n", None, None),
            ("a,b\r\n1,\r\r\n", None, None),
            ("a,b\r\n1\r,x\r\n", None, None),
            ("a\r\n1\r\n\r\n2\r\n", None, None),
            ("a,b\r\n1,2.5\r\n2,\r\n", None, None),
            ("a,b\n1,2,\n3,4,\n", None, None),
            ("a,b\n1,\n,4\n", None, None),
            ("a,b\n,\n,\n", None, None),
            ("a;b\n1,5;-2,25\n3;4e3\n", Some(';'), Some(',')),
            ("a;b\n1,5;-2,25\n3;1.234,5\n", Some(';'), Some(',')),
            ("a,b\n+1.5,-2\n+3,4\n", None, None),
            ("a,b\n1e308,1e-320\n1e999,-1e-999\n", None, None),
            ("a,b\n0.30000000000000004,12345678901234567\n1.0000000000000002,2.2250738585072014e-308\n", None, None),
            ("a,b\n1,12345678901234567890\n2,3\n", None, None),
            ("a,b\n1.5,99999999999999999999\n2,3\n", None, None),
            ("a,b\nNaN,inf\n-inf,-NaN\n1,2\n", None, None),
            ("a,b\nnan,Inf\n1,2\n", None, None),
            ("a,b\n1, 2\n3 ,4\n", None, None),
            ("a,b\n1,Bad Input\n#N/A,4\nI/O Timeout,5.5\n", None, None),
            ("a,b\n1, Bad Input\n2,3\n", None, None),
            ("a,b\n1,true\n2,false\n", None, None),
            ("a,b\n1,\"2\"\n", None, None),
            ("a\tb\n1\t2\n", Some('\t'), None),
            ("a|b\n1|2\n", Some('|'), None),
            ("Timestamp,v\n2024-03-04 00:00:00,1.25\n2024-03-04 00:01:00,1.5\n", None, None),
            ("a,a\n1,2\n", None, None),
            (",b\n1,2\n", None, None),
            ("a,b\n1,2\n\n3,4\n", None, None),
            ("a\n1\n\n2\n", None, None),
            ("a,b\n-0,-0.0\n0,0\n", None, None),
            ("a,b\n1,x\n2,Störung\n", None, None),
        ];
        for (i, (text, delimiter, decimal)) in cases.iter().enumerate() {
            let overrides = ImportOverrides { delimiter: *delimiter, decimal: *decimal, header_rows: Some(1), ..ImportOverrides::default() };
            both_ways(text, &overrides, 1 << 20, &format!("case {i}: {text:?}"));
        }
    }

    #[test]
    fn the_fast_parser_agrees_with_polars_on_engineering_layouts() {
        let mut rng = Lcg(18);
        let mut fast_total = 0;
        for round in 0..120 {
            let columns = 1 + rng.below(6);
            let rows = 1 + rng.below(60);
            let mut text = String::new();
            for _ in 0..rows {
                for _ in 0..columns {
                    let cell = match rng.below(6) {
                        0 => (rng.below(2000) as i64 - 1000).to_string(),
                        1 => format!("{}.{:07}e{}{:02}", rng.below(10), rng.below(10_000_000), ["-", "+"][rng.below(2)], rng.below(20)),
                        2 => format!(
                            "{}{}.{}D{}{:02}",
                            ["", "-", "+"][rng.below(3)],
                            rng.below(10),
                            rng.below(1000),
                            ["-", "+"][rng.below(2)],
                            rng.below(5)
                        ),
                        3 => NUMBERS[rng.below(NUMBERS.len())].to_owned(),
                        4 if rng.below(10) == 0 => ["Bad", "#N/A", "x", "1e", "Shutdown"][rng.below(5)].to_owned(),
                        _ => format!("{}.{}", rng.below(500), rng.below(100)),
                    };
                    let pad = [" ", "  ", "\t", " \t  "][rng.below(4)];
                    text.push_str(pad);
                    text.push_str(&cell);
                }
                text.push_str([" \n", "\n", "\r\n", "  \n"][rng.below(4)]);
            }
            let overrides = ImportOverrides { delimiter: Some(WHITESPACE), header_rows: Some(0), ..ImportOverrides::default() };
            let (fast, _) = both_ways(&text, &overrides, [1 << 20, 200][round % 2], &format!("round {round}"));
            fast_total += fast;
        }
        assert!(fast_total > 20, "whitespace tables rarely took the fast path ({fast_total})");
        // The Tennessee Eastman layout: every piece takes the fast path.
        let mut text = String::new();
        for row in 0..20_000u64 {
            for column in 0..52u64 {
                let digits = 10_000_000 + (row * 7_919 + column * 104_729) % 90_000_000;
                text.push_str(&format!("   {}.{}e{}", digits / 10_000_000, digits % 10_000_000, ["-01", "+00", "+03"][(column % 3) as usize]));
            }
            text.push('\n');
        }
        let (fast, all) = both_ways(&text, &ImportOverrides::default(), 1 << 20, "tep layout");
        assert_eq!(fast, all, "every piece of the Tennessee Eastman layout takes the fast path");
    }

    #[test]
    fn types_decided_by_the_first_rows_match_polars() {
        let overrides = ImportOverrides { header_rows: Some(1), ..ImportOverrides::default() };
        let build = |late_row: usize, late: &str, usual: &str| {
            let mut text = String::from("t,v\n");
            for row in 0..INFER_SCHEMA_ROWS + 50 {
                text.push_str(&format!("{row},{}\n", if row == late_row { late } else { usual }));
            }
            text
        };
        // A late float in an integer column, a late word in a float column, a column empty
        // through the deciding rows, and changes just inside them.
        for (late_row, late, usual) in [
            (INFER_SCHEMA_ROWS + 10, "2.5", "1"),
            (INFER_SCHEMA_ROWS + 10, "x", "1.5"),
            (INFER_SCHEMA_ROWS + 10, "7", ""),
            (INFER_SCHEMA_ROWS - 1, "2.5", "1"),
            (INFER_SCHEMA_ROWS - 1, "x", "1.5"),
            (INFER_SCHEMA_ROWS, "2.5", "1"),
            (100, "x", "1"),
            (100, "1.5", "1"),
        ] {
            let text = build(late_row, late, usual);
            both_ways(&text, &overrides, 1 << 30, &format!("{late:?} at row {late_row} among {usual:?}"));
        }
        let (fast, _) = both_ways(&build(100, "1.5", "1"), &overrides, 1 << 30, "reparse");
        assert_eq!(fast, 1, "a type change after the guessed rows is read again, not refused");
    }

    #[test]
    fn the_fast_parser_agrees_with_polars_on_generated_exports() {
        use crate::generate::{messy_series, ExportDialect, MessyOptions};
        let mut fast_total = 0;
        for (name, dialect) in [
            ("plain", ExportDialect::plain()),
            ("european", ExportDialect::european()),
            ("excel", ExportDialect::excel_unicode()),
            ("legacy", ExportDialect::legacy_windows()),
        ] {
            for clean in [false, true] {
                let (bytes, _) = messy_series(&MessyOptions { dialect, clean, ..MessyOptions::default() });
                let decoded = plantlab_sniff::decode(&bytes, None).unwrap();
                for piece_size in [1 << 20, 20_000, 3_000] {
                    let (fast, _) = both_ways(&decoded.text, &ImportOverrides::default(), piece_size, &format!("{name} clean={clean}"));
                    fast_total += fast;
                }
            }
        }
        assert!(fast_total > 0, "the generated exports never took the fast path");
        let mut wide = Vec::new();
        crate::generate::wide_numeric_csv(&mut wide, 3_000, 8, 3).unwrap();
        let text = String::from_utf8(wide).unwrap();
        let (fast, all) = both_ways(&text, &ImportOverrides::default(), 40_000, "wide");
        assert_eq!(fast, all, "every piece of the benchmark's kind of file takes the fast path");
    }
}
