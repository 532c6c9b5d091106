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

use plantlab_protocol::{CodedSentence, ImportOverrides, ImportSettings, DEFAULT_STATUS_STRINGS};
use plantlab_sniff::{guess_encoding, SniffWarning, ENCODING_NAMES};
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
    /// Things the user should know about the import (guesses, repairs, DST repeats), in English.
    pub warnings: Vec<String>,
    /// The same warnings as codes and arguments (key `import-<code>`), one per entry of `warnings`.
    pub warning_codes: Vec<CodedSentence>,
}

impl Imported {
    /// Adds a warning: its code and, worded from the catalogue, its English.
    pub(crate) fn warn(&mut self, warning: CodedSentence) {
        self.warnings.push(english_warning(&warning));
        self.warning_codes.push(warning);
    }

    /// Adds warnings gathered before the table was read.
    pub(super) fn warn_all(&mut self, warnings: Vec<CodedSentence>) {
        for warning in warnings {
            self.warn(warning);
        }
    }
}

/// An import warning's English sentence from the catalogue; its code where the catalogue
/// cannot word it (the catalogue test keeps that from happening).
pub(crate) fn english_warning(warning: &CodedSentence) -> String {
    plantlab_i18n::with_english(|english| plantlab_i18n::coded_text(english, &warning.message_key("import"), &warning.args))
        .unwrap_or_else(|| warning.code.clone())
}

/// A decoding or header warning of the sniffer as the import's coded warning.
pub(crate) fn sniff_warning(warning: SniffWarning) -> CodedSentence {
    match warning {
        SniffWarning::TruncatedCharacter { offset } => CodedSentence::new("truncated_character", [("byte", offset.into())]),
        SniffWarning::ReadAsLegacy { encoding } => CodedSentence::new("read_as_legacy", [("encoding", encoding.into())]),
        SniffWarning::Utf16Replaced => CodedSentence::new("utf16_replaced", []),
        SniffWarning::InvalidBytes { encoding } => {
            CodedSentence::new("invalid_bytes", [("encoding", encoding.into()), ("encodings", ENCODING_NAMES.into())])
        }
        SniffWarning::LowConfidence { encoding, confidence } => CodedSentence::new(
            "low_confidence",
            [("encoding", encoding.into()), ("percent", format!("{:.0}", confidence * 100.0).into()), ("encodings", ENCODING_NAMES.into())],
        ),
        SniffWarning::DuplicateName { name, renamed } => CodedSentence::new("duplicate_name", [("name", name.into()), ("renamed", renamed.into())]),
    }
}

/// The sniffer's warnings, coded.
pub(crate) fn sniff_warnings(warnings: Vec<SniffWarning>) -> impl Iterator<Item = CodedSentence> {
    warnings.into_iter().map(sniff_warning)
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
        imported.warn(warning);
    }
    Ok(imported)
}

/// Columns read as tags, at least this many of them and more than the rows, in a numeric file
/// without a header or time axis: most likely one variable per row.
const TRANSPOSED_MIN_COLUMNS: usize = 20;

/// A headerless all-numeric table with many more columns than rows and no time axis is most
/// likely stored one variable per row (the Tennessee Eastman `d00.dat` is 52 rows × 500
/// samples); PlantLab reads columns as tags, so the user hears it before modelling noise.
fn transposed_warning(imported: &Imported) -> Option<CodedSentence> {
    let (rows, columns) = imported.frame.shape();
    let numeric = imported.frame.columns().iter().all(|c| c.dtype().is_primitive_numeric());
    let suspicious = imported.settings.header_rows == 0
        && imported.settings.timestamp_column.is_none()
        && columns >= TRANSPOSED_MIN_COLUMNS
        && columns > 2 * rows
        && numeric;
    suspicious.then(|| CodedSentence::new("transposed", [("rows", rows.into()), ("columns", columns.into())]))
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

#[cfg(test)]
mod warning_tests {
    use std::collections::BTreeSet;

    use plantlab_i18n::{check_arguments, coded_text, Catalog, Lang};

    use super::*;

    #[test]
    fn the_decoders_warnings_fill_their_sentences_keep_their_english_and_read_in_chinese() {
        let warnings = [
            SniffWarning::TruncatedCharacter { offset: 1234 },
            SniffWarning::ReadAsLegacy { encoding: "gb18030" },
            SniffWarning::Utf16Replaced,
            SniffWarning::InvalidBytes { encoding: "shift_jis" },
            SniffWarning::LowConfidence { encoding: "gb18030", confidence: 0.42 },
            SniffWarning::DuplicateName { name: "温度".into(), renamed: "温度_2".into() },
        ];
        let chinese = Catalog::new(Lang::ZhCn);
        let mut seen = BTreeSet::new();
        let mut english = Vec::new();
        for warning in warnings {
            let coded = sniff_warning(warning);
            let key = coded.message_key("import");
            check_arguments("import", &key, &coded.args, &mut seen).unwrap_or_else(|problem| panic!("{problem}"));
            let worded = coded_text(&chinese, &key, &coded.args).unwrap_or_default();
            assert!(worded.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{key}: {worded}");
            english.push(english_warning(&coded));
        }
        assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
        assert_eq!(seen.len(), 6);
        // The English stays what the import always said.
        assert_eq!(english[0], "The file ends in the middle of a character (byte 1234); the last line may be incomplete.");
        assert_eq!(english[1], "The file is not valid UTF-8; read it as gb18030 (the encoding it looks most like).");
        assert_eq!(
            english[4],
            format!(
                "The text encoding was guessed as gb18030 but with low confidence (42 %); if names or units look garbled, set the text encoding \
                 in the import settings (--encoding on the command line) to one of {ENCODING_NAMES}."
            )
        );
        assert_eq!(english[5], "Column name \"温度\" appears more than once; the copy is called \"温度_2\".");
    }

    #[test]
    fn every_import_message_of_the_catalogue_has_a_warning_that_gives_it() {
        let in_catalogue: BTreeSet<&str> = plantlab_i18n::IMPORT_CLEAN_ENGLISH_FTL
            .lines()
            .filter_map(|line| line.strip_prefix("import-").and_then(|rest| rest.split_once(" =")).map(|(code, _)| code))
            .collect();
        // The decoder's six (above) and the engine's own twelve (the integration test's exports).
        let codes = [
            "truncated-character",
            "read-as-legacy",
            "utf16-replaced",
            "invalid-bytes",
            "low-confidence",
            "duplicate-name",
            "surplus-names",
            "one-column",
            "narrowed-numbers",
            "unread-wide-numbers",
            "transposed",
            "lone-quotes",
            "unlisted-status-texts",
            "dst-repeat",
            "windows-1252-parts",
            "legacy-parts",
        ];
        assert_eq!(in_catalogue, codes.into_iter().collect());
    }
}
