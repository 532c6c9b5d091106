//! Import of plant exports: CSV/TSV in the encodings and dialects historians and Excel write,
//! Parquet and .xlsx. Every guess is reported in `ImportSettings` and can be overridden, so an
//! import replays exactly.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

use plantlab_protocol::{ImportOverrides, ImportSettings, DEFAULT_STATUS_STRINGS};
use polars::prelude::*;

use crate::error::{EngineError, Result};
use crate::fast_pieces::ParsedPieces;
use crate::load::{combine_chunks, read_bytes, split_rows, PARSE_CHUNK, READ_SHARE};
use crate::quality::StatusTextCount;
use crate::tasks::JobContext;
use plantlab_sniff::numeric_table::{self, TableLayout};
use plantlab_sniff::spaced::{self, REWRITTEN_DELIMITER};
use plantlab_sniff::timestamps::{self, TimestampFormat};
use plantlab_sniff::{
    dedupe_names, head_lines, header_names, nth_line_end, sniff_decimal_with, sniff_encoding, sniff_header_rows, sniff_separator, Separator,
    SniffError, WHITESPACE,
};

/// Bytes read to sniff a file before choosing how to read it.
const HEAD_BYTES: usize = 1 << 20;
/// Lines looked at when sniffing the dialect.
const SNIFF_LINES: usize = 200;
/// Values looked at when deciding whether a column holds timestamps.
const SNIFF_VALUES: usize = 200;
/// Rows kept as examples for status texts per column.
const EXAMPLE_ROWS: usize = 5;
/// Rows polars looks at to infer each column's type (the fast parser mirrors it).
const INFER_SCHEMA_ROWS: usize = 10_000;
/// Read size when streaming a text file.
const READ_BLOCK_STREAM: usize = 4 << 20;
/// Room in a piece buffer: a piece is cut once it reaches `PARSE_CHUNK`, after up to one more
/// read block; the spare block keeps the read from ever growing (copying) the buffer.
const PIECE_CAPACITY: usize = PARSE_CHUNK + 2 * READ_BLOCK_STREAM;
/// A text column becomes numeric when at least this share of its filled cells are numbers
/// and the rest are a few repeated words (status texts missing from the list).
const NUMERIC_SHARE: f64 = 0.95;
const MAX_UNLISTED_STATUS_TEXTS: usize = 5;

/// A loaded table and everything learnt while reading it.
pub struct Imported {
    pub frame: DataFrame,
    pub settings: ImportSettings,
    /// Column → unit, from a units row.
    pub units: HashMap<String, String>,
    pub status_text: Vec<StatusTextCount>,
    /// Things the user should know about the import (guesses, repairs, DST repeats).
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileKind {
    Text,
    Parquet,
    Xlsx,
}

/// Reads `path` with the given overrides (`Default` sniffs everything).
///
/// UTF-8 text (most exports) is streamed: read and parsed piece by piece, so memory stays
/// close to the size of the parsed values. Other encodings, Parquet and Excel are read whole.
pub fn import(path: &Path, overrides: &ImportOverrides, job: &JobContext) -> Result<Imported> {
    let meta = std::fs::metadata(path).map_err(|e| EngineError::from_io(path, e))?;
    if meta.is_dir() {
        return Err(EngineError::IsDirectory(path.to_path_buf()));
    }
    if meta.len() == 0 {
        return Err(EngineError::EmptyFile(path.to_path_buf()));
    }
    let head = read_head(path)?;
    let utf8_forced = matches!(overrides.encoding.as_deref(), None | Some("utf-8") | Some("utf-8-bom") | Some("utf8"));
    let utf8_sniffed = matches!(sniff_encoding(&head), "utf-8" | "utf-8-bom");
    // Streaming needs the header lines within the head; a monster first line goes the slow way.
    let header_in_head = head.len() as u64 == meta.len() || head.iter().filter(|&&b| b == b'\n').count() >= 3;
    if file_kind(path, &head) == FileKind::Text && utf8_forced && utf8_sniffed && header_in_head {
        let status_strings = status_strings(overrides);
        let imported = read_utf8_stream(path, meta.len(), &head, overrides, &status_strings, job)?;
        return finish(imported, &status_strings, overrides, job);
    }
    let bytes = read_bytes(path, meta.len(), job)?;
    import_bytes(path, bytes, overrides, job)
}

/// Imports file contents already in memory; `path` is used for its extension and in messages.
pub fn import_bytes(path: &Path, bytes: Vec<u8>, overrides: &ImportOverrides, job: &JobContext) -> Result<Imported> {
    if bytes.is_empty() {
        return Err(EngineError::EmptyFile(path.to_path_buf()));
    }
    let status_strings = status_strings(overrides);
    let imported = match file_kind(path, &bytes) {
        FileKind::Parquet => read_parquet(path, bytes)?,
        FileKind::Xlsx => read_xlsx(path, bytes, overrides.sheet.as_deref())?,
        FileKind::Text => read_text(path, &bytes, overrides, &status_strings, job)?,
    };
    finish(imported, &status_strings, overrides, job)
}

fn status_strings(overrides: &ImportOverrides) -> Vec<String> {
    overrides.status_strings.clone().unwrap_or_else(|| DEFAULT_STATUS_STRINGS.iter().map(|s| (*s).to_owned()).collect())
}

/// Steps common to every file kind once the table is read.
fn finish(mut imported: Imported, status_strings: &[String], overrides: &ImportOverrides, job: &JobContext) -> Result<Imported> {
    imported.settings.status_strings = status_strings.to_vec();
    job.check_cancelled()?;
    job.progress(0.96, "recognising columns");
    repair_text_columns(&mut imported, status_strings, overrides)?;
    attach_timestamp(&mut imported, overrides)?;
    Ok(imported)
}

/// The first bytes of the file, enough to sniff its kind, encoding and dialect.
fn read_head(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| EngineError::from_io(path, e))?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    file.take(HEAD_BYTES as u64).read_to_end(&mut head).map_err(|e| EngineError::from_io(path, e))?;
    Ok(head)
}

fn file_kind(path: &Path, bytes: &[u8]) -> FileKind {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if bytes.starts_with(b"PAR1") || ext == "parquet" {
        FileKind::Parquet
    } else if bytes.starts_with(b"PK\x03\x04") && (ext == "xlsx" || ext == "xlsm") {
        FileKind::Xlsx
    } else {
        FileKind::Text
    }
}

// ----------------------------------------------------------------------------------------------
// Text files
// ----------------------------------------------------------------------------------------------

fn sniff_error(path: &Path, err: SniffError) -> EngineError {
    match err {
        SniffError::NotText(kind) => EngineError::NotText { path: path.to_path_buf(), kind: kind.to_owned() },
        SniffError::NotUtf8 { offset } => EngineError::NotUtf8 { path: path.to_path_buf(), offset },
        SniffError::UnknownEncoding(name) => {
            EngineError::BadSetting(format!("unknown encoding \"{name}\"; use utf-8, utf-8-bom, utf-16le, utf-16be or windows-1252"))
        }
    }
}

fn reject_binary(path: &Path, bytes: &[u8]) -> Result<()> {
    plantlab_sniff::reject_binary(bytes).map_err(|e| sniff_error(path, e))
}

/// How a text table is laid out, sniffed from its first lines (or set by the user).
struct Dialect {
    /// How cells are separated in the file.
    separator: Separator,
    /// The delimiter of the pieces as parsed: the file's, or a tab for pieces rewritten from
    /// whitespace-separated or fixed-width text.
    parse_delimiter: u8,
    decimal: char,
    header_rows: u32,
    /// Names the user gave, kept in the settings so the import replays.
    given_names: Option<Vec<String>>,
    units: HashMap<String, String>,
    /// Deduplicated column names.
    names: Vec<String>,
    /// Whether polars reads the quoted header back as exactly `names` (distinct, non-empty,
    /// no quotes or line breaks); otherwise pieces are left to polars.
    plain_names: bool,
    /// The header as given to polars for every piece: deduplicated names, quoted.
    header_line: String,
    null_values: Vec<PlSmallStr>,
}

fn sniff_dialect(path: &Path, head: &str, overrides: &ImportOverrides, status_strings: &[String], warnings: &mut Vec<String>) -> Result<Dialect> {
    let sample = head_lines(head, SNIFF_LINES);
    if sample.iter().all(|l| l.trim().is_empty()) {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    let separator = match (&overrides.column_widths, overrides.delimiter) {
        (Some(widths), _) => {
            if widths.is_empty() || widths.contains(&0) {
                return Err(EngineError::BadSetting("column widths must be positive numbers of characters, one per column".into()));
            }
            Separator::Fixed(widths.iter().map(|&w| w as usize).collect())
        }
        (None, Some(delimiter)) => Separator::from_settings(delimiter, None),
        (None, None) => sniff_separator(&sample),
    };
    if let Separator::Char(delimiter) = separator {
        if !matches!(delimiter, ',' | ';' | '\t' | '|') {
            return Err(EngineError::BadSetting(format!("delimiter {delimiter:?} is not supported; use , ; tab | or whitespace")));
        }
    }
    let decimal = overrides.decimal.unwrap_or_else(|| sniff_decimal_with(&sample, &separator));
    if !matches!(decimal, '.' | ',') || (decimal == ',' && separator == Separator::Char(',')) {
        return Err(EngineError::BadSetting("the decimal separator must be . or , and differ from the delimiter".into()));
    }
    let header_rows = overrides.header_rows.unwrap_or_else(|| sniff_header_rows(&sample, &separator, decimal));
    if header_rows > 2 {
        return Err(EngineError::BadSetting("header rows must be 0 (no header), 1 (names) or 2 (names and units)".into()));
    }
    let mut names = header_names(&sample, &separator, header_rows);
    if let Some(given) = &overrides.names {
        if given.len() != names.len() {
            return Err(EngineError::BadSetting(format!(
                "{} column names were given but the file has {} columns; give one name per column",
                given.len(),
                names.len()
            )));
        }
        names.clone_from(given);
    }
    if separator.rewrites() {
        // Rewritten pieces are tab-separated and read without quoting: names must not hold
        // the characters that separate cells and rows there.
        for name in &mut names {
            *name = name.replace(['\t', '\r', '\n'], " ");
        }
    }
    dedupe_names(&mut names, warnings);
    if names.len() == 1 {
        let data = sample.get(header_rows as usize..).unwrap_or_default();
        if let Some((numbers, between)) = spaced::numbers_in_one_column(data, decimal) {
            warnings.push(format!(
                "Every row was read into one column, but the lines hold about {numbers} numbers each, separated by {between}. \
                 Set the delimiter to the one between the numbers (\"whitespace\" for runs of spaces or tabs), \
                 and the header rows to 0 if the first line is data."
            ));
        }
    }
    let mut units = HashMap::new();
    if header_rows == 2 {
        if let Some(line) = sample.get(1) {
            for (name, unit) in names.iter().zip(separator.split(line)) {
                let unit = unit.trim();
                if !unit.is_empty() && unit != "-" {
                    units.insert(name.clone(), unit.to_owned());
                }
            }
        }
    }
    let parse_delimiter = match separator {
        Separator::Char(c) => c as u8,
        Separator::Whitespace | Separator::Fixed(_) => REWRITTEN_DELIMITER,
    };
    let header_line = if separator.rewrites() {
        names.join("\t") + "\n"
    } else {
        names.iter().map(|n| quote_field(n)).collect::<Vec<_>>().join(&char::from(parse_delimiter).to_string()) + "\n"
    };
    let null_values = status_strings.iter().map(|s| PlSmallStr::from(s.as_str())).collect();
    let distinct: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let plain_names = distinct.len() == names.len() && !names.iter().any(|n| n.is_empty() || n.contains(['"', '\r', '\n']));
    let given_names = overrides.names.clone();
    Ok(Dialect { separator, parse_delimiter, decimal, header_rows, given_names, units, names, plain_names, header_line, null_values })
}

impl Dialect {
    fn settings(&self, encoding: String) -> ImportSettings {
        let (delimiter, column_widths) = match &self.separator {
            Separator::Char(c) => (*c, None),
            Separator::Whitespace => (WHITESPACE, None),
            Separator::Fixed(widths) => (WHITESPACE, Some(widths.iter().map(|&w| u32::try_from(w).unwrap_or(u32::MAX)).collect())),
        };
        ImportSettings {
            delimiter,
            decimal: self.decimal,
            encoding,
            header_rows: self.header_rows,
            timestamp_column: None,
            timestamp_format: None,
            status_strings: Vec::new(),
            sheet: None,
            names: self.given_names.clone(),
            column_widths,
        }
    }

    /// A piece of the body as the parsers read it: whitespace-separated and fixed-width text
    /// rewritten into tab-separated rows (`D` exponents as `E`), anything else as it is.
    fn rewrite(&self, mut piece: Vec<u8>) -> Vec<u8> {
        match &self.separator {
            Separator::Char(_) => piece,
            Separator::Whitespace => {
                spaced::rewrite_whitespace(&mut piece, self.decimal);
                piece
            }
            Separator::Fixed(widths) => spaced::rewrite_fixed(&piece, widths, self.decimal),
        }
    }

    /// The fast parser's view of this dialect, when its names allow the fast parser at all.
    fn fast_layout<'a>(&self, status_strings: &'a [String]) -> Option<TableLayout<'a>> {
        Some(TableLayout {
            delimiter: self.parse_delimiter,
            decimal_comma: self.decimal == ',',
            columns: self.names.len(),
            status_texts: status_strings,
            infer_rows: INFER_SCHEMA_ROWS,
            example_rows: EXAMPLE_ROWS,
        })
        .filter(|_| self.plain_names)
    }

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

    /// Quotes group cells in delimited files; rewritten pieces have none (a `"` there is data).
    fn quote_char(&self) -> Option<u8> {
        (!self.separator.rewrites()).then_some(b'"')
    }

    /// Parses a piece with polars' CSV reader.
    fn parse_piece_general(&self, path: &Path, piece: &[u8], first_row: u64, status_strings: &[String]) -> Result<(DataFrame, Vec<StatusTextCount>)> {
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

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && memchr::memmem::find(haystack, needle).is_some()
}

/// Stacks the parsed pieces and their status-text counts into one import.
fn assemble(path: &Path, dialect: Dialect, encoding: String, pieces: ParsedPieces, warnings: Vec<String>) -> Result<Imported> {
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
    Ok(Imported { frame, settings, units: dialect.units, status_text, warnings })
}

/// A text file already decoded in memory.
fn read_text(path: &Path, bytes: &[u8], overrides: &ImportOverrides, status_strings: &[String], job: &JobContext) -> Result<Imported> {
    let decoded = plantlab_sniff::decode(bytes, overrides.encoding.as_deref()).map_err(|e| sniff_error(path, e))?;
    let (encoding, mut warnings) = (decoded.encoding, decoded.warnings);
    let text = decoded.text.as_ref();
    let dialect = sniff_dialect(path, text, overrides, status_strings, &mut warnings)?;
    let body_start = nth_line_end(text.as_bytes(), dialect.header_rows as usize);
    let body = &text.as_bytes()[body_start..];
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    let rewritten;
    let body = if dialect.separator.rewrites() {
        rewritten = dialect.rewrite(body.to_vec());
        &rewritten[..]
    } else {
        body
    };
    let pieces = split_rows(body, PARSE_CHUNK);
    let mut parsed = ParsedPieces::new(body.len(), 0);
    for (i, piece) in pieces.iter().enumerate() {
        job.check_cancelled()?;
        job.progress(READ_SHARE + (1.0 - READ_SHARE) * 0.9 * i as f32 / pieces.len() as f32, "parsing");
        dialect.parse_piece(path, piece, &mut parsed, status_strings)?;
    }
    assemble(path, dialect, encoding, parsed, warnings)
}

/// A UTF-8 text file read and parsed piece by piece: only one piece of raw text is parsed at a
/// time while a reader thread reads the next, so the disk or page cache and the parser work
/// together.
fn read_utf8_stream(
    path: &Path,
    len: u64,
    head: &[u8],
    overrides: &ImportOverrides,
    status_strings: &[String],
    job: &JobContext,
) -> Result<Imported> {
    reject_binary(path, head)?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let head_body = if bom { &head[3..] } else { head };
    let head_text = match std::str::from_utf8(head_body) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head_body[..e.valid_up_to()]).unwrap_or_default(),
    };
    let mut warnings = Vec::new();
    let dialect = sniff_dialect(path, head_text, overrides, status_strings, &mut warnings)?;
    let skip = (if bom { 3 } else { 0 }) + nth_line_end(head_body, dialect.header_rows as usize);
    let file = std::fs::File::open(path).map_err(|e| EngineError::from_io(path, e))?;

    let mut parsed = ParsedPieces::new((len as usize).saturating_sub(skip), 0);
    let fast_layout = dialect.fast_layout(status_strings);
    let mut bad_utf8 = false;
    std::thread::scope(|scope| -> Result<()> {
        // A piece is handed over only when the parser asks for it, and its buffer comes back
        // once parsed: two buffers in all, however large the file.
        let (piece_sender, pieces) = std::sync::mpsc::sync_channel::<Result<Piece>>(0);
        let (buffer_sender, returned_buffers) = std::sync::mpsc::channel::<Vec<u8>>();
        // The second buffer, for what follows the first piece.
        let _ = buffer_sender.send(Vec::new());
        let reader = std::thread::Builder::new()
            .name("plantlab-read".into())
            .spawn_scoped(scope, move || read_pieces(path, file, skip, &piece_sender, &returned_buffers))
            .map_err(|e| EngineError::from_io(path, e))?;
        // Leaving early (error, cancel) drops the receiving ends, which stops the reader.
        for piece in pieces {
            job.check_cancelled()?;
            let Piece { bytes: piece, consumed, eof } = piece?;
            job.progress(0.93 * consumed as f32 / len.max(1) as f32, "reading and parsing");
            if piece.iter().all(|b| b.is_ascii_whitespace()) {
                let _ = buffer_sender.send(piece);
                continue;
            }
            // Whitespace-separated text is rewritten in place; a fixed-width piece into a new
            // buffer, which then takes the old one's place in the reader's pair.
            let piece = dialect.rewrite(piece);
            // A piece the fast parser takes is valid UTF-8: its numbers are ASCII and its text
            // columns are checked. Only other pieces need the whole-piece check.
            if fast_layout.as_ref().is_some_and(|layout| parsed.read_fast(&piece, layout, &dialect.names)) {
                let _ = buffer_sender.send(piece);
                continue;
            }
            let piece = match utf8_check(&piece) {
                Ok(()) => piece,
                Err(e) if eof && e.error_len().is_none() => {
                    warnings.push(format!(
                        "The file ends in the middle of a character (byte {}); the last line may be incomplete.",
                        consumed as usize - piece.len() + e.valid_up_to()
                    ));
                    piece[..e.valid_up_to()].to_vec()
                }
                Err(_) => {
                    bad_utf8 = true;
                    encoding_rs::WINDOWS_1252.decode_without_bom_handling(&piece).0.into_owned().into_bytes()
                }
            };
            if !piece.iter().all(|b| b.is_ascii_whitespace()) {
                let (frame, status) = dialect.parse_piece_general(path, &piece, parsed.rows(), status_strings)?;
                parsed.push_general(frame, status);
            }
            let _ = buffer_sender.send(piece);
        }
        // The pieces end when the reader is done; had it failed, part of the file would be missing.
        reader.join().map_err(|_| EngineError::Internal(format!("reading {} stopped unexpectedly", path.display())))
    })?;
    if bad_utf8 {
        warnings.push("Parts of the file are not valid UTF-8; those parts were read as Windows-1252.".into());
    }
    let encoding = if bom { "utf-8-bom" } else { "utf-8" };
    assemble(path, dialect, encoding.into(), parsed, warnings)
}

/// Whole rows of the body, cut outside quotes.
struct Piece {
    bytes: Vec<u8>,
    /// Bytes of the file read so far, this piece included.
    consumed: u64,
    /// The last piece.
    eof: bool,
}

/// The reader thread: reads the file after its `skip` header bytes and sends row-aligned pieces
/// of about `PARSE_CHUNK` bytes. The rest after a piece's last line end moves into a buffer the
/// parser returned, so the same two buffers serve the whole file (fresh memory for every piece
/// cost a page fault per 4 KB read). Stops when the parser hangs up.
fn read_pieces(
    path: &Path,
    mut file: std::fs::File,
    skip: usize,
    pieces: &std::sync::mpsc::SyncSender<Result<Piece>>,
    returned: &std::sync::mpsc::Receiver<Vec<u8>>,
) {
    use std::io::Read;
    let mut pending = piece_buffer(Vec::new());
    let mut consumed = 0u64;
    let mut skipped = 0usize;
    let mut in_quotes = false;
    let mut scanned = 0usize;
    let mut eof = false;
    while !eof {
        // Read straight onto the end of `pending`, into its spare room: no second copy.
        let filled = pending.len();
        let n = match (&mut file).take(READ_BLOCK_STREAM as u64).read_to_end(&mut pending) {
            Ok(n) => n,
            Err(e) => {
                let _ = pieces.send(Err(EngineError::from_io(path, e)));
                return;
            }
        };
        eof = n == 0;
        consumed += n as u64;
        if skipped < skip {
            let take = (skip - skipped).min(n);
            skipped += take;
            pending.drain(filled..filled + take);
        }
        // Find the last line end outside quotes in what has not been scanned yet. Without
        // quotes that is simply the last line end (the common case: no walk over every line).
        let mut cut = None;
        let fresh = &pending[scanned..];
        if !in_quotes && memchr::memchr(b'"', fresh).is_none() {
            cut = memchr::memrchr(b'\n', fresh).map(|at| scanned + at + 1);
        } else {
            for at in memchr::memchr2_iter(b'"', b'\n', fresh) {
                let i = scanned + at;
                if pending[i] == b'"' {
                    in_quotes = !in_quotes;
                } else if !in_quotes {
                    cut = Some(i + 1);
                }
            }
        }
        scanned = pending.len();
        let ready = match (eof, cut) {
            (true, _) => pending.len(),
            (false, Some(c)) if c >= PARSE_CHUNK => c,
            _ => continue,
        };
        if ready == 0 {
            continue;
        }
        let Ok(returned_buffer) = returned.recv() else { return };
        let mut next = piece_buffer(returned_buffer);
        next.extend_from_slice(&pending[ready..]);
        pending.truncate(ready);
        let piece = std::mem::replace(&mut pending, next);
        // The quote state and scan position now refer to what is left in `pending`.
        in_quotes = quote_state_after(&pending);
        scanned = pending.len();
        if pieces.send(Ok(Piece { bytes: piece, consumed, eof })).is_err() {
            return;
        }
    }
}

/// `buffer` emptied, with room for a piece; new room is advised to huge pages before use.
fn piece_buffer(mut buffer: Vec<u8>) -> Vec<u8> {
    buffer.clear();
    if buffer.capacity() < PIECE_CAPACITY {
        buffer.reserve(PIECE_CAPACITY);
        numeric_table::advise_huge_pages(buffer.spare_capacity_mut());
    }
    buffer
}

/// Checks that a piece is UTF-8, on all cores: cut at line ends (ASCII, so never inside a
/// character) each part is valid exactly when the whole is. A sequential check finds the
/// error's place when there is one.
fn utf8_check(piece: &[u8]) -> std::result::Result<(), std::str::Utf8Error> {
    use rayon::prelude::*;
    const PART: usize = 1 << 20;
    let mut parts = Vec::with_capacity(piece.len() / PART + 1);
    let mut start = 0;
    while start < piece.len() {
        let target = (start + PART).min(piece.len());
        let end = memchr::memchr(b'\n', &piece[target..]).map_or(piece.len(), |at| target + at + 1);
        parts.push(&piece[start..end]);
        start = end;
    }
    if parts.par_iter().all(|part| std::str::from_utf8(part).is_ok()) {
        return Ok(());
    }
    std::str::from_utf8(piece).map(|_| ())
}

/// Whether `text` ends inside a quoted field.
fn quote_state_after(text: &[u8]) -> bool {
    text.iter().filter(|&&b| b == b'"').count() % 2 == 1
}

fn quote_field(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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

// ----------------------------------------------------------------------------------------------
// Columns: numbers hidden in text, timestamps
// ----------------------------------------------------------------------------------------------

/// Text columns that are numbers apart from a few repeated words (status texts missing from
/// the list, or the decimal comma in an .xlsx export) become numeric; the words are counted.
fn repair_text_columns(imported: &mut Imported, status_strings: &[String], overrides: &ImportOverrides) -> Result<()> {
    let decimal = imported.settings.decimal;
    let mut replacements = Vec::new();
    for column in imported.frame.columns() {
        if column.dtype() != &DataType::String || Some(column.name().as_str()) == overrides.timestamp_column.as_deref() {
            continue;
        }
        let Ok(strings) = column.str() else { continue };
        let filled = strings.len() - strings.null_count();
        if filled == 0 {
            continue;
        }
        let mut values: Vec<Option<f64>> = Vec::with_capacity(strings.len());
        let mut words: HashMap<&str, u64> = HashMap::new();
        let mut rows = Vec::new();
        let mut numeric = 0usize;
        for (row, cell) in strings.iter().enumerate() {
            let parsed = cell.and_then(|s| parse_number(s, decimal));
            match (cell, parsed) {
                (Some(_), Some(v)) => {
                    numeric += 1;
                    values.push(Some(v));
                }
                (Some(word), None) => {
                    let word = word.trim();
                    *words.entry(word).or_insert(0) += 1;
                    if rows.len() < EXAMPLE_ROWS {
                        rows.push(row as u64);
                    }
                    values.push(None);
                    if words.len() > MAX_UNLISTED_STATUS_TEXTS {
                        break;
                    }
                }
                (None, _) => values.push(None),
            }
        }
        let is_numeric = words.len() <= MAX_UNLISTED_STATUS_TEXTS && numeric as f64 >= NUMERIC_SHARE * filled as f64 && numeric > 0;
        if !is_numeric || values.len() != strings.len() {
            continue;
        }
        let name = column.name().to_string();
        let unlisted: Vec<&str> = words.keys().copied().filter(|w| !status_strings.iter().any(|s| s == w)).collect();
        if !unlisted.is_empty() {
            imported.warnings.push(format!(
                "Column \"{name}\" is numeric but holds the text(s) {}; they were read as missing values. Add them to the status texts if that is what they are.",
                unlisted.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
        let count: u64 = words.values().sum();
        if count > 0 {
            merge_status(&mut imported.status_text, StatusTextCount { column: name.clone(), count, rows });
        }
        replacements.push(Column::new(name.into(), values));
    }
    for column in replacements {
        let name = column.name().clone();
        imported.frame.replace(name.as_str(), column).map_err(|e| EngineError::Internal(e.to_string()))?;
    }
    Ok(())
}

fn merge_status(list: &mut Vec<StatusTextCount>, add: StatusTextCount) {
    match list.iter_mut().find(|s| s.column == add.column) {
        Some(existing) => {
            existing.count += add.count;
            existing.rows.extend(add.rows);
            existing.rows.sort_unstable();
            existing.rows.truncate(EXAMPLE_ROWS);
        }
        None => list.push(add),
    }
}

fn parse_number(s: &str, decimal: char) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let v = if decimal == ',' { s.replace('.', "").replace(',', ".").parse::<f64>() } else { s.parse::<f64>() };
    v.ok()
}

/// Finds the timestamp column (the override, else time-like names first, else any column whose
/// values all parse) and replaces it with a Datetime(ms) column.
fn attach_timestamp(imported: &mut Imported, overrides: &ImportOverrides) -> Result<()> {
    let forced_format = match overrides.timestamp_format.as_deref() {
        Some(p) => Some(TimestampFormat::from_pattern(p).ok_or_else(|| {
            EngineError::BadSetting(format!(
                "unknown timestamp format \"{p}\"; use one of {}",
                TimestampFormat::TEXT.iter().map(|f| f.pattern()).chain(["epoch_s", "epoch_ms"]).collect::<Vec<_>>().join(", ")
            ))
        })?),
        None => None,
    };
    let names: Vec<String> = imported.frame.get_column_names_owned().into_iter().map(|n| n.to_string()).collect();
    let candidates: Vec<String> = match &overrides.timestamp_column {
        Some(forced) => {
            if !names.contains(forced) {
                return Err(EngineError::UnknownColumn(forced.clone()));
            }
            vec![forced.clone()]
        }
        None => {
            let (timey, other): (Vec<String>, Vec<String>) = names.iter().cloned().partition(|n| is_time_like_name(n));
            timey.into_iter().chain(other).collect()
        }
    };
    for name in candidates {
        let Ok(column) = imported.frame.column(&name) else { continue };
        if matches!(column.dtype(), DataType::Datetime(_, _) | DataType::Date) {
            let ms = column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).map_err(|e| EngineError::Internal(e.to_string()))?;
            imported.frame.replace(&name, ms).map_err(|e| EngineError::Internal(e.to_string()))?;
            imported.settings.timestamp_column = Some(name);
            imported.settings.timestamp_format = Some("native".into());
            return Ok(());
        }
        let parsed = match column.dtype() {
            DataType::String => parse_text_timestamps(column, forced_format),
            d if d.is_primitive_numeric() && (is_time_like_name(&name) || overrides.timestamp_column.is_some()) => {
                parse_epoch_timestamps(column, forced_format)
            }
            _ => None,
        };
        if let Some((format, values, had_offset)) = parsed {
            let repeats = if had_offset { Vec::new() } else { dst_repeats(&values) };
            for (row, at) in repeats {
                imported.warnings.push(format!(
                    "Local times repeat at row {row} (clock went back about an hour at {}): a daylight-saving fall-back. Times are kept as written; sort or resolve duplicates when cleaning.",
                    plantlab_protocol::format_epoch_millis(at)
                ));
            }
            let series = Series::new(name.as_str().into(), values)
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .map_err(|e| EngineError::Internal(e.to_string()))?;
            imported.frame.replace(&name, series.into_column()).map_err(|e| EngineError::Internal(e.to_string()))?;
            imported.settings.timestamp_column = Some(name);
            imported.settings.timestamp_format = Some(format.pattern().to_owned());
            return Ok(());
        }
        if overrides.timestamp_column.is_some() {
            return Err(EngineError::BadSetting(format!("column \"{name}\" does not hold timestamps in a known format")));
        }
    }
    Ok(())
}

fn is_time_like_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["time", "date", "zeit", "datum", "timestamp"].iter().any(|k| n.contains(k)) || n == "ts" || n == "t"
}

type ParsedTimes = (TimestampFormat, Vec<Option<i64>>, bool);

fn parse_text_timestamps(column: &Column, forced: Option<TimestampFormat>) -> Option<ParsedTimes> {
    let strings = column.str().ok()?;
    let sample: Vec<&str> = strings.iter().flatten().filter(|s| !s.trim().is_empty()).take(SNIFF_VALUES).collect();
    let format = match forced {
        Some(f) => f,
        None => timestamps::sniff_text_format(sample.iter().copied())?,
    };
    // Parsed on every core in row ranges (zero-copy slices): a million timestamps take about
    // half a second on one.
    const ROWS_PER_TASK: usize = 1 << 16;
    let mut values: Vec<Option<i64>> = vec![None; strings.len()];
    let any_offset = {
        use rayon::prelude::*;
        values
            .par_chunks_mut(ROWS_PER_TASK)
            .enumerate()
            .map(|(task, out)| {
                let mut any_offset = false;
                let range = strings.slice((task * ROWS_PER_TASK) as i64, out.len());
                for (slot, cell) in out.iter_mut().zip(range.iter()) {
                    *slot = cell.and_then(|s| timestamps::parse(s, format)).map(|p| {
                        any_offset |= p.had_offset;
                        p.millis
                    });
                }
                any_offset
            })
            .reduce(|| false, |a, b| a || b)
    };
    // Most cells must parse; otherwise this is a text column that happens to start with dates.
    let parsed = values.iter().filter(|v| v.is_some()).count();
    let filled = strings.len() - strings.null_count();
    (forced.is_some() || parsed * 10 >= filled * 9).then_some((format, values, any_offset))
}

fn parse_epoch_timestamps(column: &Column, forced: Option<TimestampFormat>) -> Option<ParsedTimes> {
    let floats = column.cast(&DataType::Float64).ok()?;
    let floats = floats.f64().ok()?;
    let format = match forced {
        Some(f @ (TimestampFormat::EpochSeconds | TimestampFormat::EpochMillis)) => f,
        Some(_) => return None,
        None => timestamps::sniff_epoch(floats.iter().flatten().take(SNIFF_VALUES))?,
    };
    let factor = if format == TimestampFormat::EpochSeconds { 1000.0 } else { 1.0 };
    Some((format, floats.iter().map(|v| v.map(|v| (v * factor).round() as i64)).collect(), true))
}

/// Places where naive local times jump back by about an hour and then repeat: DST fall-back.
fn dst_repeats(values: &[Option<i64>]) -> Vec<(usize, i64)> {
    let mut found = Vec::new();
    let mut prev: Option<i64> = None;
    for (row, v) in values.iter().enumerate() {
        if let (Some(p), Some(v)) = (prev, *v) {
            let back = p - v;
            if (50 * 60_000..=70 * 60_000).contains(&back) {
                found.push((row, v));
            }
        }
        if v.is_some() {
            prev = *v;
        }
    }
    found
}

// ----------------------------------------------------------------------------------------------
// Parquet and Excel
// ----------------------------------------------------------------------------------------------

fn binary_settings(encoding: &str, sheet: Option<String>) -> ImportSettings {
    ImportSettings {
        delimiter: ',',
        decimal: '.',
        encoding: encoding.into(),
        header_rows: 1,
        timestamp_column: None,
        timestamp_format: None,
        status_strings: Vec::new(),
        sheet,
        names: None,
        column_widths: None,
    }
}

fn read_parquet(path: &Path, bytes: Vec<u8>) -> Result<Imported> {
    let frame = ParquetReader::new(Cursor::new(bytes)).finish().map_err(|e| EngineError::Parse {
        path: path.to_path_buf(),
        detail: format!("not a readable Parquet file ({e}); it may be truncated or from an unsupported writer"),
    })?;
    Ok(Imported { frame, settings: binary_settings("parquet", None), units: HashMap::new(), status_text: Vec::new(), warnings: Vec::new() })
}

fn read_xlsx(path: &Path, bytes: Vec<u8>, sheet: Option<&str>) -> Result<Imported> {
    use calamine::{Data, Reader};
    let bad = |detail: String| EngineError::Parse { path: path.to_path_buf(), detail };
    crate::import_xlsx_limits::check_sheet_extent(path, &bytes, sheet)?;
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| bad(format!("not a readable Excel workbook ({e})")))?;
    let names = workbook.sheet_names();
    let chosen = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_owned(),
        Some(s) => return Err(EngineError::BadSetting(format!("the workbook has no sheet \"{s}\"; it has {}", names.join(", ")))),
        None => names.first().cloned().ok_or_else(|| bad("the workbook has no sheets".into()))?,
    };
    let range = workbook.worksheet_range(&chosen).map_err(|e| bad(format!("sheet \"{chosen}\" cannot be read ({e})")))?;
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
    let frame = DataFrame::new(body.len(), columns).map_err(|e| bad(e.to_string()))?;
    Ok(Imported { frame, settings: binary_settings("xlsx", Some(chosen)), units: HashMap::new(), status_text: Vec::new(), warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_parallel_utf8_check_agrees_with_the_sequential_one() {
        let line = "2024-03-04 00:00:00;Temperatur °C;µS/cm;12,5\n".repeat(60_000);
        assert!(utf8_check(line.as_bytes()).is_ok());
        let mut broken = line.into_bytes();
        let at = broken.len() / 2 + 3;
        broken[at] = 0xFF;
        let expected = std::str::from_utf8(&broken).unwrap_err();
        assert_eq!(utf8_check(&broken).unwrap_err(), expected);
        assert!(utf8_check(b"").is_ok());
    }

    #[test]
    fn a_file_streamed_in_several_pieces_reads_like_one_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wide.csv");
        crate::generate::wide_numeric_csv(std::fs::File::create(&path).unwrap(), 220_000, 50, 3).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 2 * PARSE_CHUNK, "the file must span several pieces");
        let job = JobContext::detached();
        let streamed = import(&path, &ImportOverrides::default(), &job).unwrap();
        let in_memory = import_bytes(&path, bytes, &ImportOverrides::default(), &job).unwrap();
        assert_eq!(streamed.frame.height(), 220_000);
        assert!(streamed.frame.equals_missing(&in_memory.frame));
        // Each number column is one buffer however many pieces it was read in.
        for column in streamed.frame.columns().iter().filter(|c| c.dtype().is_float()) {
            assert_eq!(column.as_materialized_series().n_chunks(), 1, "{}", column.name());
        }
        assert_eq!(streamed.settings.timestamp_column.as_deref(), Some("Timestamp"));

        // Cancelled, the load stops at the next piece and the reader thread ends with it.
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let started = std::time::Instant::now();
        let result = import(&path, &ImportOverrides::default(), &JobContext::with_cancel_flag(cancel));
        assert!(matches!(result, Err(EngineError::Cancelled)), "{:?}", result.err());
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn dst_fall_back_is_found() {
        let h = 3_600_000;
        let values = vec![Some(0), Some(h / 2), Some(h), Some(h / 2), Some(h)];
        // 00:00, 00:30, 01:00, back to 00:30, 01:00
        assert_eq!(dst_repeats(&values).len(), 0, "a 30 min step back is not DST");
        let values = vec![Some(0), Some(h), Some(2 * h), Some(h + h / 6), Some(2 * h)];
        assert_eq!(dst_repeats(&values), vec![(3, h + h / 6)]);
    }
}
