//! Import of plant exports: CSV/TSV in the encodings and dialects historians and Excel write,
//! Parquet and .xlsx. Every guess is reported in `ImportSettings` and can be overridden, so an
//! import replays exactly.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;
use plantlab_protocol::{ImportOverrides, ImportSettings, DEFAULT_STATUS_STRINGS};

use crate::error::{EngineError, Result};
use crate::load::{combine_chunks, read_bytes, split_rows, PARSE_CHUNK, READ_SHARE};
use crate::quality::StatusTextCount;
use crate::tasks::JobContext;
use plantlab_sniff::timestamps::{self, TimestampFormat};
use plantlab_sniff::{dedupe_names, head_lines, nth_line_end, sniff_decimal, sniff_delimiter, sniff_encoding, sniff_units_row, split_fields, SniffError};

/// Bytes read to sniff a file before choosing how to read it.
const HEAD_BYTES: usize = 1 << 20;
/// Lines looked at when sniffing the dialect.
const SNIFF_LINES: usize = 200;
/// Values looked at when deciding whether a column holds timestamps.
const SNIFF_VALUES: usize = 200;
/// Rows kept as examples for status texts per column.
const EXAMPLE_ROWS: usize = 5;
/// Read size when streaming a text file.
const READ_BLOCK_STREAM: usize = 4 << 20;
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
    delimiter: char,
    decimal: char,
    header_rows: u32,
    units: HashMap<String, String>,
    /// The header as given to polars for every piece: deduplicated names, quoted.
    header_line: String,
    null_values: Vec<PlSmallStr>,
}

fn sniff_dialect(path: &Path, head: &str, overrides: &ImportOverrides, status_strings: &[String], warnings: &mut Vec<String>) -> Result<Dialect> {
    let sample = head_lines(head, SNIFF_LINES);
    if sample.iter().all(|l| l.trim().is_empty()) {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    let delimiter = overrides.delimiter.unwrap_or_else(|| sniff_delimiter(&sample));
    let decimal = overrides.decimal.unwrap_or_else(|| sniff_decimal(&sample, delimiter));
    if !matches!(delimiter, ',' | ';' | '\t' | '|') {
        return Err(EngineError::BadSetting(format!("delimiter {delimiter:?} is not supported; use , ; tab or |")));
    }
    if !matches!(decimal, '.' | ',') || (decimal == ',' && delimiter == ',') {
        return Err(EngineError::BadSetting("the decimal separator must be . or , and differ from the delimiter".into()));
    }
    let header_rows = overrides.header_rows.unwrap_or_else(|| if sniff_units_row(&sample, delimiter, decimal) { 2 } else { 1 });
    if !(1..=2).contains(&header_rows) {
        return Err(EngineError::BadSetting("header rows must be 1 (names) or 2 (names and units)".into()));
    }
    let mut names = split_fields(sample.first().copied().unwrap_or_default(), delimiter);
    dedupe_names(&mut names, warnings);
    let mut units = HashMap::new();
    if header_rows == 2 {
        if let Some(line) = sample.get(1) {
            for (name, unit) in names.iter().zip(split_fields(line, delimiter)) {
                let unit = unit.trim();
                if !unit.is_empty() && unit != "-" {
                    units.insert(name.clone(), unit.to_owned());
                }
            }
        }
    }
    let header_line = names.iter().map(|n| quote_field(n)).collect::<Vec<_>>().join(&delimiter.to_string()) + "\n";
    let null_values = status_strings.iter().map(|s| PlSmallStr::from(s.as_str())).collect();
    Ok(Dialect { delimiter, decimal, header_rows, units, header_line, null_values })
}

impl Dialect {
    fn settings(&self, encoding: String) -> ImportSettings {
        ImportSettings {
            delimiter: self.delimiter,
            decimal: self.decimal,
            encoding,
            header_rows: self.header_rows,
            timestamp_column: None,
            timestamp_format: None,
            status_strings: Vec::new(),
            sheet: None,
        }
    }

    /// Parses one row-aligned piece of the body. Status texts become nulls; those cells are
    /// counted per column (rows offset by `first_row`).
    fn parse_piece(&self, path: &Path, piece: &[u8], first_row: u64, status_strings: &[String]) -> Result<(DataFrame, Vec<StatusTextCount>)> {
        let parse_err = |e: PolarsError| EngineError::Parse { path: path.to_path_buf(), detail: e.to_string() };
        let mut chunk = Vec::with_capacity(self.header_line.len() + piece.len());
        chunk.extend_from_slice(self.header_line.as_bytes());
        chunk.extend_from_slice(piece);
        // Polars' null-value matching costs ~40 % of parsing; a piece that cannot hold any
        // status text (one of its bytes never occurs) is parsed without it, with the same result.
        let null_values = may_contain_any(piece, status_strings).then(|| NullValues::AllColumns(self.null_values.clone()));
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .map_parse_options(|o| {
                o.with_separator(self.delimiter as u8)
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
            status = count_status_texts(&frame, piece, &self.header_line, self.delimiter, status_strings).map_err(parse_err)?;
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
fn assemble(path: &Path, dialect: Dialect, encoding: String, parsed: Vec<(DataFrame, Vec<StatusTextCount>)>, warnings: Vec<String>) -> Result<Imported> {
    let mut frames = Vec::with_capacity(parsed.len());
    let mut status_text: Vec<StatusTextCount> = Vec::new();
    for (frame, status) in parsed {
        frames.push(frame);
        for s in status {
            merge_status(&mut status_text, s);
        }
    }
    if frames.is_empty() {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    let frame = combine_chunks(frames).map_err(|e| EngineError::Parse { path: path.to_path_buf(), detail: e.to_string() })?;
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
    let pieces = split_rows(body, PARSE_CHUNK);
    let mut parsed = Vec::with_capacity(pieces.len());
    let mut rows = 0u64;
    for (i, piece) in pieces.iter().enumerate() {
        job.check_cancelled()?;
        job.progress(READ_SHARE + (1.0 - READ_SHARE) * 0.9 * i as f32 / pieces.len() as f32, "parsing");
        let (frame, status) = dialect.parse_piece(path, piece, rows, status_strings)?;
        rows += frame.height() as u64;
        parsed.push((frame, status));
    }
    assemble(path, dialect, encoding, parsed, warnings)
}

/// A UTF-8 text file read and parsed piece by piece: only one piece of raw text is held at a time.
fn read_utf8_stream(path: &Path, len: u64, head: &[u8], overrides: &ImportOverrides, status_strings: &[String], job: &JobContext) -> Result<Imported> {
    use std::io::Read;
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

    let mut file = std::fs::File::open(path).map_err(|e| EngineError::from_io(path, e))?;
    let mut pending: Vec<u8> = Vec::with_capacity(PARSE_CHUNK + READ_BLOCK_STREAM);
    let mut block = vec![0u8; READ_BLOCK_STREAM];
    let mut consumed = 0u64;
    let mut skipped = 0usize;
    let mut in_quotes = false;
    let mut scanned = 0usize;
    let mut parsed = Vec::new();
    let mut rows = 0u64;
    let mut eof = false;
    let mut bad_utf8 = false;
    while !eof {
        job.check_cancelled()?;
        let n = file.read(&mut block).map_err(|e| EngineError::from_io(path, e))?;
        eof = n == 0;
        consumed += n as u64;
        let mut data = &block[..n];
        if skipped < skip {
            let take = (skip - skipped).min(data.len());
            skipped += take;
            data = &data[take..];
        }
        pending.extend_from_slice(data);
        // Find the last line end outside quotes in what has not been scanned yet.
        let mut cut = None;
        for at in memchr::memchr2_iter(b'"', b'\n', &pending[scanned..]) {
            let i = scanned + at;
            if pending[i] == b'"' {
                in_quotes = !in_quotes;
            } else if !in_quotes {
                cut = Some(i + 1);
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
        let rest = pending.split_off(ready);
        let piece = std::mem::replace(&mut pending, rest);
        // The quote state and scan position now refer to what is left in `pending`.
        in_quotes = quote_state_after(&pending);
        scanned = pending.len();
        let piece = match std::str::from_utf8(&piece) {
            Ok(_) => piece,
            Err(e) if eof && e.error_len().is_none() => {
                warnings.push(format!("The file ends in the middle of a character (byte {}); the last line may be incomplete.", consumed as usize - piece.len() + e.valid_up_to()));
                piece[..e.valid_up_to()].to_vec()
            }
            Err(_) => {
                bad_utf8 = true;
                encoding_rs::WINDOWS_1252.decode_without_bom_handling(&piece).0.into_owned().into_bytes()
            }
        };
        if piece.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        job.progress(0.93 * consumed as f32 / len.max(1) as f32, "reading and parsing");
        let (frame, status) = dialect.parse_piece(path, &piece, rows, status_strings)?;
        rows += frame.height() as u64;
        parsed.push((frame, status));
    }
    if bad_utf8 {
        warnings.push("Parts of the file are not valid UTF-8; those parts were read as Windows-1252.".into());
    }
    let encoding = if bom { "utf-8-bom" } else { "utf-8" };
    assemble(path, dialect, encoding.into(), parsed, warnings)
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
    delimiter: char,
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
        .map_parse_options(|o| o.with_separator(delimiter as u8).with_truncate_ragged_lines(true).with_missing_is_null(true))
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
    // Parsed on every core: a million timestamps take about half a second on one.
    let cells: Vec<Option<&str>> = strings.iter().collect();
    let parsed: Vec<Option<(i64, bool)>> = {
        use rayon::prelude::*;
        cells.par_iter().map(|s| s.and_then(|s| timestamps::parse(s, format)).map(|p| (p.millis, p.had_offset))).collect()
    };
    let any_offset = parsed.iter().flatten().any(|p| p.1);
    let values: Vec<Option<i64>> = parsed.into_iter().map(|p| p.map(|p| p.0)).collect();
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
