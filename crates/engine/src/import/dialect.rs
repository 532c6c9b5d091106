//! How a text table is laid out (separator, decimal mark, header and units rows, names),
//! sniffed from its first lines or set by the user, and what the parsers need of it.

use std::collections::HashMap;
use std::path::Path;

use plantlab_protocol::{CodedSentence, ImportOverrides, ImportSettings};
use plantlab_sniff::numeric_table::TableLayout;
use plantlab_sniff::spaced::{self, REWRITTEN_DELIMITER};
use plantlab_sniff::{
    dedupe_names, head_lines, header_names, sniff_decimal_with, sniff_header_rows, sniff_separator, BinaryKind, Separator, SniffError, WHITESPACE,
};
use polars::prelude::*;

use super::{EXAMPLE_ROWS, INFER_SCHEMA_ROWS};
use crate::error::{Detail, EngineError, Result};

/// Lines looked at when sniffing the dialect.
const SNIFF_LINES: usize = 200;

/// A sniffing error as the engine reports it.
pub(super) fn sniff_error(path: &Path, err: SniffError) -> EngineError {
    match err {
        SniffError::NotText(kind) => EngineError::NotText { path: path.to_path_buf(), kind: binary_kind_detail(kind) },
        SniffError::NotUtf8 { offset } => EngineError::NotUtf8 { path: path.to_path_buf(), offset },
        SniffError::UnknownEncoding(name) => {
            EngineError::BadSetting(Detail::coded("unknown_encoding", [("name", name.into()), ("choices", plantlab_sniff::ENCODING_NAMES.into())]))
        }
    }
}

/// What a file that is not text is, and what to do, as a coded phrase.
fn binary_kind_detail(kind: BinaryKind) -> Detail {
    match kind {
        BinaryKind::ZipArchive => Detail::coded("binary_zip_archive", []),
        BinaryKind::Parquet => Detail::coded("binary_parquet", []),
        BinaryKind::OleDocument => Detail::coded("binary_ole_document", []),
        BinaryKind::Pdf => Detail::coded("binary_pdf", []),
        BinaryKind::Gzip => Detail::coded("binary_gzip", []),
        BinaryKind::Executable => Detail::coded("binary_executable", []),
        BinaryKind::NulBytes => Detail::coded("binary_nul_bytes", []),
    }
}

/// Refuses bytes that are clearly not text (a binary file given as CSV).
pub(super) fn reject_binary(path: &Path, bytes: &[u8]) -> Result<()> {
    plantlab_sniff::reject_binary(bytes).map_err(|e| sniff_error(path, e))
}

/// How a text table is laid out, sniffed from its first lines (or set by the user).
pub(super) struct Dialect {
    /// How cells are separated in the file.
    pub(super) separator: Separator,
    /// The delimiter of the pieces as parsed: the file's, or a tab for pieces rewritten from
    /// whitespace-separated or fixed-width text.
    pub(super) parse_delimiter: u8,
    pub(super) decimal: char,
    pub(super) header_rows: u32,
    /// Names the user gave, kept in the settings so the import replays.
    given_names: Option<Vec<String>>,
    pub(super) units: HashMap<String, String>,
    /// Deduplicated column names.
    pub(super) names: Vec<String>,
    /// Whether polars reads the quoted header back as exactly `names` (distinct, non-empty,
    /// no quotes or line breaks); otherwise pieces are left to polars.
    plain_names: bool,
    /// The header as given to polars for every piece: deduplicated names, quoted.
    pub(super) header_line: String,
    /// The status texts as polars' null values.
    pub(super) null_values: Vec<PlSmallStr>,
}

/// Sniffs the dialect from `head` (the file's first lines); whatever `overrides` sets wins.
pub(super) fn sniff_dialect(
    path: &Path,
    head: &str,
    overrides: &ImportOverrides,
    status_strings: &[String],
    warnings: &mut Vec<CodedSentence>,
) -> Result<Dialect> {
    let sample = head_lines(head, SNIFF_LINES);
    if sample.iter().all(|l| l.trim().is_empty()) {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    let separator = match (&overrides.column_widths, overrides.delimiter) {
        (Some(widths), _) => {
            if widths.is_empty() || widths.contains(&0) {
                return Err(EngineError::BadSetting(Detail::coded("column_widths_positive", [])));
            }
            Separator::Fixed(widths.iter().map(|&w| w as usize).collect())
        }
        (None, Some(delimiter)) => Separator::from_settings(delimiter, None),
        (None, None) => sniff_separator(&sample),
    };
    if let Separator::Char(delimiter) = separator {
        if !matches!(delimiter, ',' | ';' | '\t' | '|') {
            return Err(EngineError::BadSetting(Detail::coded("delimiter_unsupported", [("delimiter", format!("{delimiter:?}").into())])));
        }
    }
    let decimal = overrides.decimal.unwrap_or_else(|| sniff_decimal_with(&sample, &separator));
    if !matches!(decimal, '.' | ',') || (decimal == ',' && separator == Separator::Char(',')) {
        return Err(EngineError::BadSetting(Detail::coded("decimal_separator", [])));
    }
    let header_rows = overrides.header_rows.unwrap_or_else(|| sniff_header_rows(&sample, &separator, decimal));
    if header_rows > 2 {
        return Err(EngineError::BadSetting(Detail::coded("header_rows", [])));
    }
    let mut names = header_names(&sample, &separator, header_rows);
    if let Some(given) = &overrides.names {
        // Names for the values the rows hold replace a header that names more columns.
        let fills_rows = header_rows > 0 && widest_data_row(&sample, &separator, header_rows).is_some_and(|w| w == given.len() && w < names.len());
        if given.len() != names.len() && !fills_rows {
            return Err(EngineError::BadSetting(Detail::coded("names_count", [("given", given.len().into()), ("columns", names.len().into())])));
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
    let mut renamed = Vec::new();
    dedupe_names(&mut names, &mut renamed);
    warnings.extend(super::sniff_warnings(renamed));
    if overrides.names.is_none() {
        warnings.extend(surplus_names_warning(&sample, &separator, header_rows, &names));
    }
    if names.len() == 1 {
        let data = sample.get(header_rows as usize..).unwrap_or_default();
        if let Some((numbers, between)) = spaced::numbers_in_one_column(data, decimal) {
            warnings.push(CodedSentence::new("one_column", [("numbers", numbers.into()), ("between", between.into())]));
        }
    }
    let mut units = HashMap::new();
    if header_rows == 2 {
        if let Some(line) = sample.get(1) {
            for (name, unit) in names.iter().zip(separator.split(line)) {
                // `ＭＰａ` and `％` typed with a CJK input method are the units `MPa` and `%`.
                let unit = plantlab_sniff::fullwidth::narrow_ascii(unit.trim());
                if !unit.is_empty() && unit != "-" {
                    units.insert(name.clone(), unit);
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
    /// The import settings that replay this dialect.
    pub(super) fn settings(&self, encoding: String) -> ImportSettings {
        let (delimiter, column_widths) = match &self.separator {
            Separator::Char(c) => (*c, None),
            Separator::Whitespace => (WHITESPACE, None),
            Separator::Fixed(widths) => (WHITESPACE, Some(widths.iter().map(|&w| u32::try_from(w).unwrap_or(u32::MAX)).collect())),
        };
        ImportSettings {
            delimiter,
            decimal: self.decimal,
            encoding,
            encoding_confidence: None,
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
    pub(super) fn rewrite(&self, mut piece: Vec<u8>) -> Vec<u8> {
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
    pub(super) fn fast_layout<'a>(&self, status_strings: &'a [String]) -> Option<TableLayout<'a>> {
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

    /// Quotes group cells in delimited files; rewritten pieces have none (a `"` there is data).
    pub(super) fn quote_char(&self) -> Option<u8> {
        (!self.separator.rewrites()).then_some(b'"')
    }
}

/// The most values a sampled data row holds (`None` for fixed widths, which always fill
/// every column, or without data rows).
fn widest_data_row(sample: &[&str], separator: &Separator, header_rows: u32) -> Option<usize> {
    if matches!(separator, Separator::Fixed(_)) {
        return None;
    }
    let data = sample.get(header_rows as usize..)?.iter().filter(|l| !l.trim().is_empty());
    data.map(|line| separator.split(line).len()).max()
}

/// A header naming more columns than any sampled row fills (a names line copied from another
/// file, as some published copies of C-MAPSS carry 31 names over 26 numbers) leaves its last
/// columns empty; says so and what to set.
fn surplus_names_warning(sample: &[&str], separator: &Separator, header_rows: u32, names: &[String]) -> Option<CodedSentence> {
    if header_rows == 0 {
        return None;
    }
    let widest = widest_data_row(sample, separator, header_rows)?;
    (widest < names.len()).then(|| {
        CodedSentence::new(
            "surplus_names",
            [
                ("names", names.len().into()),
                ("widest", widest.into()),
                ("empty", (names.len() - widest).into()),
                ("first", names[widest].as_str().into()),
            ],
        )
    })
}

fn quote_field(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
