//! Import: reading a plant export into a table. CSV/TSV in the encodings and dialects
//! historians and Excel write, Parquet and .xlsx. Every guess is reported in `ImportSettings`
//! and can be overridden, so an import replays exactly.
//!
//! [`import`] (a file) and [`import_bytes`] (contents in memory) are the only ways in; the
//! steps live in the submodules:
//! - `dialect`: the text layout sniffed from the first lines, or set by the user;
//! - `stream`: UTF-8 text read and parsed piece by piece while the next piece is read;
//! - `parse`: one row-aligned piece parsed (fast parser or polars), status texts counted,
//!   the pieces assembled; also text decoded whole in memory (other encodings);
//! - `pieces`: the fast parser's pieces written straight into shared column buffers;
//! - `chunks`: cutting text into row-aligned pieces and stacking the parsed frames;
//! - `repair`: text columns that are numbers apart from a few words made numeric;
//! - `timestamps`: the timestamp column found and parsed, DST repeats reported;
//! - `parquet`, `xlsx`: the binary formats (and how large an .xlsx sheet may be).

mod chunks;
mod dialect;
mod fullwidth;
mod parquet;
mod parquet_footer;
mod parse;
mod pieces;
mod quotes;
mod repair;
mod stream;
mod timestamps;
mod xlsx;

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use plantlab_protocol::{ImportOverrides, ImportSettings, DEFAULT_STATUS_STRINGS};
use plantlab_sniff::guess_encoding;
use polars::prelude::*;

use crate::error::{EngineError, Result};
use crate::quality::StatusTextCount;
use crate::tasks::JobContext;

/// Bytes read to sniff a file before choosing how to read it.
const HEAD_BYTES: usize = 1 << 20;
/// Bytes read from disk between progress reports and cancel checks, when a file is read whole.
const READ_BLOCK: usize = 8 << 20;
/// Share of the progress bar spent reading bytes (a file read whole); the rest is parsing.
const READ_SHARE: f32 = 0.25;
/// Rows kept as examples for status texts per column.
const EXAMPLE_ROWS: usize = 5;
/// Rows polars looks at to infer each column's type (the fast parser mirrors it).
const INFER_SCHEMA_ROWS: usize = 10_000;

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
    let guess = guess_encoding(&head);
    let utf8_sniffed = matches!(guess.name, "utf-8" | "utf-8-bom");
    // Streaming needs the header lines within the head; a monster first line goes the slow way.
    let header_in_head = head.len() as u64 == meta.len() || head.iter().filter(|&&b| b == b'\n').count() >= 3;
    if file_kind(path, &head) == FileKind::Text && utf8_forced && utf8_sniffed && header_in_head {
        let status_strings = status_strings(overrides);
        let mut imported = stream::read_utf8_stream(path, meta.len(), &head, overrides, &status_strings, job)?;
        if overrides.encoding.is_none() {
            imported.settings.encoding_confidence = Some(guess.confidence);
        }
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
        FileKind::Parquet => parquet::read_parquet(path, bytes)?,
        FileKind::Xlsx => xlsx::read_xlsx(path, bytes, overrides.sheet.as_deref())?,
        FileKind::Text => parse::read_text(path, &bytes, overrides, &status_strings, job)?,
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
    job.progress(0.96, crate::Stage::RecognisingColumns);
    fullwidth::narrow_wide_numbers(&mut imported, overrides)?;
    repair::repair_text_columns(&mut imported, status_strings, overrides)?;
    timestamps::attach_timestamp(&mut imported, overrides)?;
    fullwidth::unread_wide_numbers_warnings(&mut imported);
    if let Some(warning) = transposed_warning(&imported) {
        imported.warnings.push(warning);
    }
    Ok(imported)
}

/// Columns read as tags, at least this many of them and more than the rows, in a numeric file
/// without a header or time axis: most likely one variable per row.
const TRANSPOSED_MIN_COLUMNS: usize = 20;

/// A headerless all-numeric table with many more columns than rows and no time axis is most
/// likely stored one variable per row (the Tennessee Eastman `d00.dat` is 52 rows × 500
/// samples); PlantLab reads columns as tags, so the user hears it before modelling noise.
fn transposed_warning(imported: &Imported) -> Option<String> {
    let (rows, columns) = imported.frame.shape();
    let numeric = imported.frame.columns().iter().all(|c| c.dtype().is_primitive_numeric());
    let suspicious = imported.settings.header_rows == 0
        && imported.settings.timestamp_column.is_none()
        && columns >= TRANSPOSED_MIN_COLUMNS
        && columns > 2 * rows
        && numeric;
    suspicious.then(|| {
        format!(
            "The file has {rows} rows and {columns} columns of numbers and no header: PlantLab reads each column as one tag and each row as \
             one sample, so if each row holds one variable over time, transpose the file (one column per tag) before importing it."
        )
    })
}

/// The first bytes of the file, enough to sniff its kind, encoding and dialect.
fn read_head(path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| EngineError::from_io(path, e))?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    file.take(HEAD_BYTES as u64).read_to_end(&mut head).map_err(|e| EngineError::from_io(path, e))?;
    Ok(head)
}

/// A whole file's bytes, read in blocks with progress and cancel checks.
fn read_bytes(path: &Path, len: u64, job: &JobContext) -> Result<Vec<u8>> {
    let mut file = File::open(path).map_err(|e| EngineError::from_io(path, e))?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    let mut block = vec![0u8; READ_BLOCK];
    loop {
        job.check_cancelled()?;
        let n = file.read(&mut block).map_err(|e| EngineError::from_io(path, e))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&block[..n]);
        job.progress(READ_SHARE * bytes.len() as f32 / len.max(1) as f32, crate::Stage::ReadingFile);
    }
    Ok(bytes)
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

/// Adds one column's status-text count to `list`, merging counts of the same column.
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

/// The settings of a Parquet or Excel import: nothing about them was sniffed.
fn binary_settings(encoding: &str, sheet: Option<String>) -> ImportSettings {
    ImportSettings {
        delimiter: ',',
        decimal: '.',
        encoding: encoding.into(),
        encoding_confidence: None,
        header_rows: 1,
        timestamp_column: None,
        timestamp_format: None,
        status_strings: Vec::new(),
        sheet,
        names: None,
        column_widths: None,
    }
}
