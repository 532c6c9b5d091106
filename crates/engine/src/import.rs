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
use crate::timestamps::{self, TimestampFormat};

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

/// Decodes the bytes to UTF-8 text, returning the encoding name used.
fn decode<'a>(path: &Path, bytes: &'a [u8], forced: Option<&str>) -> Result<(std::borrow::Cow<'a, str>, String, Vec<String>)> {
    let mut warnings = Vec::new();
    let encoding = match forced {
        Some(name) => name.to_ascii_lowercase(),
        None => sniff_encoding(bytes).to_owned(),
    };
    let text = match encoding.as_str() {
        "utf-8" | "utf-8-bom" | "utf8" => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            reject_binary(path, body)?;
            match std::str::from_utf8(body) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(e) if e.error_len().is_none() => {
                    // Only the last character is cut off: a truncated export. Keep what is there.
                    warnings.push(format!("The file ends in the middle of a character (byte {}); the last line may be incomplete.", e.valid_up_to()));
                    String::from_utf8_lossy(&body[..e.valid_up_to()])
                }
                Err(e) if forced.is_some() => {
                    return Err(EngineError::NotUtf8 { path: path.to_path_buf(), offset: e.valid_up_to() });
                }
                Err(_) => {
                    // Not UTF-8 after all: Excel's "CSV" on Windows is Windows-1252.
                    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
                    warnings.push("The file is not valid UTF-8; read it as Windows-1252 (Excel's default on Windows).".into());
                    return Ok((text, "windows-1252".into(), warnings));
                }
            }
        }
        "utf-16le" | "utf-16be" => {
            let (codec, bom): (&'static encoding_rs::Encoding, &[u8]) =
                if encoding == "utf-16le" { (encoding_rs::UTF_16LE, b"\xFF\xFE") } else { (encoding_rs::UTF_16BE, b"\xFE\xFF") };
            let body = bytes.strip_prefix(bom).unwrap_or(bytes);
            let (text, had_errors) = codec.decode_without_bom_handling(body);
            if had_errors {
                warnings.push("Some characters could not be decoded as UTF-16 and were replaced by �.".into());
            }
            text
        }
        "windows-1252" | "cp1252" | "latin1" | "iso-8859-1" => {
            reject_binary(path, bytes)?;
            encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0
        }
        other => {
            return Err(EngineError::BadSetting(format!(
                "unknown encoding \"{other}\"; use utf-8, utf-8-bom, utf-16le, utf-16be or windows-1252"
            )))
        }
    };
    let name = if encoding == "utf-8" && bytes.starts_with(b"\xEF\xBB\xBF") { "utf-8-bom".to_owned() } else { encoding };
    Ok((text, name, warnings))
}

/// BOMs first; then UTF-16 without BOM by its zero bytes in ASCII text; then UTF-8 if valid,
/// otherwise Windows-1252.
fn sniff_encoding(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return "utf-8-bom";
    }
    if bytes.starts_with(b"\xFF\xFE") {
        return "utf-16le";
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return "utf-16be";
    }
    let head = &bytes[..bytes.len().min(4096)];
    let pairs = head.len() / 2;
    if pairs >= 2 {
        let zero_odd = head.chunks_exact(2).filter(|p| p[1] == 0 && p[0] != 0).count();
        let zero_even = head.chunks_exact(2).filter(|p| p[0] == 0 && p[1] != 0).count();
        if zero_odd * 10 >= pairs * 7 {
            return "utf-16le";
        }
        if zero_even * 10 >= pairs * 7 {
            return "utf-16be";
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => "utf-8",
        Err(e) if e.error_len().is_none() => "utf-8",
        Err(_) => "windows-1252",
    }
}

/// Recognises common non-text files so the user hears "this is a zip" rather than a parse error.
pub(crate) fn reject_binary(path: &Path, bytes: &[u8]) -> Result<()> {
    let kind = if bytes.starts_with(b"PK\x03\x04") {
        Some("a zip archive (if it is an Excel workbook, give it the .xlsx extension)")
    } else if bytes.starts_with(b"PAR1") {
        Some("a Parquet file (give it the .parquet extension)")
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Some("an old Excel (.xls) or other OLE document; save it as .xlsx or CSV")
    } else if bytes.starts_with(b"%PDF") {
        Some("a PDF document")
    } else if bytes.starts_with(b"\x1F\x8B") {
        Some("a gzip-compressed file; unpack it first")
    } else if bytes.starts_with(b"\x7FELF") {
        Some("a program (ELF executable)")
    } else if bytes.iter().take(64 * 1024).any(|&b| b == 0) {
        Some("binary data (it contains NUL bytes)")
    } else {
        None
    };
    match kind {
        Some(kind) => Err(EngineError::NotText { path: path.to_path_buf(), kind: kind.to_owned() }),
        None => Ok(()),
    }
}

/// Splits one line into fields, honouring double quotes (doubled quotes inside are literal).
fn split_fields(line: &str, delimiter: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => in_quotes = !in_quotes,
            c if c == delimiter && !in_quotes => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The first lines of the text, split at line ends outside quotes, without line terminators.
fn head_lines(text: &str, n: usize) -> Vec<&str> {
    let mut lines = Vec::with_capacity(n);
    let mut start = 0;
    let mut in_quotes = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                lines.push(text[start..i].trim_end_matches('\r'));
                start = i + 1;
                if lines.len() == n {
                    return lines;
                }
            }
            _ => {}
        }
    }
    if start < text.len() {
        lines.push(text[start..].trim_end_matches('\r'));
    }
    lines
}

/// The delimiter that gives the most fields, consistently across the sampled lines.
fn sniff_delimiter(lines: &[&str]) -> char {
    let mut best = (',', 0usize, 0usize);
    for d in [',', ';', '\t', '|'] {
        let counts: Vec<usize> = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| split_fields(l, d).len()).collect();
        let Some(&header) = counts.first() else { continue };
        if header < 2 {
            continue;
        }
        let agreeing = counts.iter().filter(|&&c| c == header).count();
        // Most lines agreeing with the header wins; more fields breaks ties.
        if (agreeing, header) > (best.1, best.2) {
            best = (d, agreeing, header);
        }
    }
    best.0
}

fn looks_numeric(s: &str, decimal: char) -> bool {
    let s = s.trim();
    if s.is_empty() {
        return false;
    }
    if decimal == ',' {
        s.replace('.', "").replace(',', ".").parse::<f64>().is_ok()
    } else {
        s.parse::<f64>().is_ok()
    }
}

/// `,` when numbers in the sample are written `12,5` (and the delimiter is not a comma).
fn sniff_decimal(lines: &[&str], delimiter: char) -> char {
    if delimiter == ',' {
        return '.';
    }
    let (mut comma, mut dot) = (0, 0);
    for line in lines.iter().skip(1) {
        for field in split_fields(line, delimiter) {
            let f = field.trim();
            let digits_only = |p: &str| !p.is_empty() && p.trim_start_matches(['-', '+']).chars().all(|c| c.is_ascii_digit());
            if let Some((a, b)) = f.split_once(',') {
                if digits_only(a) && digits_only(b) && !b.contains('-') {
                    comma += 1;
                }
            } else if let Some((a, b)) = f.split_once('.') {
                if digits_only(a) && digits_only(b) && !f.contains(':') {
                    dot += 1;
                }
            }
        }
    }
    if comma > dot {
        ','
    } else {
        '.'
    }
}

/// A second line of short non-numeric labels above numeric data is a units row.
fn sniff_units_row(lines: &[&str], delimiter: char, decimal: char) -> bool {
    let (Some(second), Some(third)) = (lines.get(1), lines.get(2)) else {
        return false;
    };
    let units = split_fields(second, delimiter);
    let data = split_fields(third, delimiter);
    let mut unit_like = 0;
    let mut numeric_below = 0;
    for (u, d) in units.iter().zip(&data) {
        if looks_numeric(d, decimal) {
            numeric_below += 1;
            let u = u.trim();
            if !looks_numeric(u, decimal) && u.chars().count() <= 16 {
                unit_like += 1;
            }
        }
    }
    numeric_below > 0 && unit_like * 2 > numeric_below && unit_like == numeric_below
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
        let null_values = self.null_values.clone();
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .map_parse_options(|o| {
                o.with_separator(self.delimiter as u8)
                    .with_decimal_comma(self.decimal == ',')
                    .with_truncate_ragged_lines(true)
                    .with_null_values(Some(NullValues::AllColumns(null_values.clone())))
            })
            .into_reader_with_file_handle(Cursor::new(chunk))
            .finish()
            .map_err(parse_err)?;
        let mut status = Vec::new();
        let has_status_text = status_strings.iter().any(|s| contains_bytes(piece, s.as_bytes()));
        if has_status_text && frame.columns().iter().any(|c| c.null_count() > 0) {
            status = count_status_texts(&frame, piece, &self.header_line, self.delimiter, status_strings).map_err(parse_err)?;
            for s in &mut status {
                s.rows.iter_mut().for_each(|r| *r += first_row);
            }
        }
        Ok((frame, status))
    }
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
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
    let (text, encoding, mut warnings) = decode(path, bytes, overrides.encoding.as_deref())?;
    let text = text.as_ref();
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
        for (i, &b) in pending.iter().enumerate().skip(scanned) {
            match b {
                b'"' => in_quotes = !in_quotes,
                b'\n' if !in_quotes => cut = Some(i + 1),
                _ => {}
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

/// Byte offset after the `n`-th line end outside quotes (or the end of the text).
fn nth_line_end(text: &[u8], n: usize) -> usize {
    let mut seen = 0;
    let mut in_quotes = false;
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                seen += 1;
                if seen == n {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn quote_field(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Empty or repeated column names get a suffix, so every column can be addressed.
fn dedupe_names(names: &mut [String], warnings: &mut Vec<String>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, name) in names.iter_mut().enumerate() {
        let trimmed = name.trim().trim_start_matches('\u{feff}').to_owned();
        let base = if trimmed.is_empty() { format!("column_{}", i + 1) } else { trimmed };
        let count = seen.entry(base.clone()).or_insert(0);
        *count += 1;
        *name = if *count == 1 { base } else { format!("{base}_{count}") };
        if *count > 1 {
            warnings.push(format!("Column name \"{}\" appears more than once; the copy is called \"{name}\".", name.rsplit_once('_').map_or("", |p| p.0)));
        }
    }
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
    let mut any_offset = false;
    let values: Vec<Option<i64>> = strings
        .iter()
        .map(|s| {
            s.and_then(|s| timestamps::parse(s, format)).map(|p| {
                any_offset |= p.had_offset;
                p.millis
            })
        })
        .collect();
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
    fn splits_quoted_fields() {
        assert_eq!(split_fields("a,\"b,c\",\"say \"\"hi\"\"\"", ','), vec!["a", "b,c", "say \"hi\""]);
    }

    #[test]
    fn sniffs_dialects() {
        let semi = ["time;TI-101;PI-204", "°C;bar", "01.02.2024 10:00:00;12,5;3,25", "01.02.2024 10:01:00;12,7;3,5"];
        let lines: Vec<&str> = semi.to_vec();
        assert_eq!(sniff_delimiter(&lines), ';');
        assert_eq!(sniff_decimal(&lines, ';'), ',');
        let tab = ["a\tb\tc", "1\t2\t3"];
        assert_eq!(sniff_delimiter(&tab), '\t');
        let plain = ["a,b", "1.5,2"];
        assert_eq!(sniff_delimiter(&plain), ',');
        assert_eq!(sniff_decimal(&plain, ','), '.');
        let units = ["time;temp;flow", "-;°C;m³/h", "2024-01-01 00:00;12,5;3"];
        assert!(sniff_units_row(&units, ';', ','));
        let no_units = ["time;temp", "2024-01-01 00:00;12,5", "2024-01-01 00:01;12,5"];
        assert!(!sniff_units_row(&no_units, ';', ','));
    }

    #[test]
    fn sniffs_encodings() {
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFa,b"), "utf-8-bom");
        assert_eq!(sniff_encoding(b"\xFF\xFEa\0,\0"), "utf-16le");
        assert_eq!(sniff_encoding(b"a\0,\0b\0\n\0"), "utf-16le");
        assert_eq!(sniff_encoding(b"\0a\0,\0b\0\n"), "utf-16be");
        assert_eq!(sniff_encoding("temp °C".as_bytes()), "utf-8");
        assert_eq!(sniff_encoding(b"temp \xB0C"), "windows-1252");
    }

    #[test]
    fn repeated_names_get_suffixes() {
        let mut names = vec!["a".to_string(), "a".into(), "".into(), "b".into()];
        let mut warnings = Vec::new();
        dedupe_names(&mut names, &mut warnings);
        assert_eq!(names, ["a", "a_2", "column_3", "b"]);
        assert_eq!(warnings.len(), 1);
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
