//! Sniffing plant exports without parsing them: the encoding (and decoding to UTF-8), the
//! dialect (delimiter — a character, runs of whitespace or fixed-width columns —, decimal
//! separator, header and units rows), column names, and timestamp formats.
//! Pure functions over bytes and text, with no dataframe library, so they are cheap to test
//! and to fuzz.

use std::borrow::Cow;
use std::collections::HashMap;

pub mod encoding;
pub mod fullwidth;
pub mod numeric_table;
pub mod spaced;
pub mod timestamps;

pub use encoding::{guess_encoding, EncodingGuess, ENCODING_NAMES};
pub use spaced::{Separator, WHITESPACE};
pub use timestamps::TimestampFormat;

/// Why bytes cannot be read as a text table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SniffError {
    /// Not text at all; says what it looks like instead.
    NotText(BinaryKind),
    /// Declared UTF-8 but is not (first bad byte at `offset`).
    NotUtf8 {
        offset: usize,
    },
    UnknownEncoding(String),
}

/// Text decoded to UTF-8, the encoding it was read as, and what the user should know.
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: String,
    /// How sure the sniff was of `encoding` (0 to 1); `None` when the caller named it.
    pub confidence: Option<f32>,
    pub warnings: Vec<SniffWarning>,
}

/// What the user should know about the decoding or the header, as facts: the importer words
/// each in the user's language.
#[derive(Clone, Debug, PartialEq)]
pub enum SniffWarning {
    /// The file ends inside a multi-byte character, at byte `offset`.
    TruncatedCharacter { offset: usize },
    /// Marked as UTF-8 but is not; read in the legacy `encoding` it looks most like.
    ReadAsLegacy { encoding: &'static str },
    /// Some UTF-16 could not be decoded and became U+FFFD.
    Utf16Replaced,
    /// Some bytes are not valid in `encoding` and became U+FFFD.
    InvalidBytes { encoding: &'static str },
    /// `encoding` was guessed with a `confidence` (0 to 1) below [`encoding::CONFIDENT`].
    LowConfidence { encoding: &'static str, confidence: f32 },
    /// Column name `name` appears again; the copy was renamed `renamed`.
    DuplicateName { name: String, renamed: String },
}

/// Everything sniffed from the start of a file (`sniff`).
#[derive(Clone, Debug, PartialEq)]
pub struct Sniffed {
    pub encoding: String,
    /// `WHITESPACE` for runs of whitespace and for fixed-width columns.
    pub delimiter: char,
    /// Column widths of a fixed-width table.
    pub column_widths: Option<Vec<usize>>,
    pub decimal: char,
    /// 0 (no header: names are `col_1`, …), 1 (names) or 2 (names and units).
    pub header_rows: u32,
    pub names: Vec<String>,
    /// Columns whose sampled values all parse as timestamps, with the format.
    pub timestamp_columns: Vec<(usize, TimestampFormat)>,
}

/// Decodes and sniffs a file's bytes the way the importer does before parsing.
pub fn sniff(bytes: &[u8], sample_lines: usize) -> Result<Sniffed, SniffError> {
    let decoded = decode(bytes, None)?;
    let lines = head_lines(&decoded.text, sample_lines);
    let separator = sniff_separator(&lines);
    let decimal = sniff_decimal_with(&lines, &separator);
    let header_rows = sniff_header_rows(&lines, &separator, decimal);
    let mut names = header_names(&lines, &separator, header_rows);
    let mut warnings = Vec::new();
    dedupe_names(&mut names, &mut warnings);
    let rows: Vec<Vec<String>> = lines.iter().skip(header_rows as usize).map(|l| separator.split(l)).collect();
    let mut timestamp_columns = Vec::new();
    for column in 0..names.len() {
        let values = rows.iter().filter_map(|r| r.get(column)).map(String::as_str).filter(|v| !v.trim().is_empty());
        if let Some(format) = timestamps::sniff_text_format(values) {
            timestamp_columns.push((column, format));
        }
    }
    let (delimiter, column_widths) = match separator {
        Separator::Char(c) => (c, None),
        Separator::Whitespace => (WHITESPACE, None),
        Separator::Fixed(widths) => (WHITESPACE, Some(widths)),
    };
    Ok(Sniffed { encoding: decoded.encoding, delimiter, column_widths, decimal, header_rows, names, timestamp_columns })
}

/// 0 when the first line is data, 2 when a units row follows the names, else 1.
pub fn sniff_header_rows(lines: &[&str], separator: &Separator, decimal: char) -> u32 {
    if spaced::sniff_headerless(lines, separator, decimal) {
        0
    } else if sniff_units_row_with(lines, separator, decimal) {
        2
    } else {
        1
    }
}

/// Column names from the header line (`col_1`, … without one). A fixed-width header whose
/// names are aligned differently from the data is read by its whitespace-separated words when
/// there is one per column.
pub fn header_names(lines: &[&str], separator: &Separator, header_rows: u32) -> Vec<String> {
    let first = lines.first().copied().unwrap_or_default();
    let cells = separator.split(first);
    if header_rows == 0 {
        let columns = match separator {
            Separator::Fixed(widths) => widths.len(),
            _ => cells.len(),
        };
        return spaced::generated_names(columns);
    }
    if let Separator::Fixed(widths) = separator {
        let words: Vec<String> = spaced::split_whitespace(first).map(str::to_owned).collect();
        if words.len() == widths.len() {
            return words;
        }
    }
    cells
}

/// Decodes the bytes to UTF-8 text, returning the encoding name used (the canonical one:
/// `gbk` and `gb2312` are read as `gb18030`) and, when sniffed, how sure the guess was; a
/// guess below [`encoding::CONFIDENT`] comes with a warning saying how to override it.
pub fn decode<'a>(bytes: &'a [u8], forced: Option<&str>) -> Result<Decoded<'a>, SniffError> {
    let mut warnings = Vec::new();
    let (encoding, confidence) = match forced {
        Some(name) => (name.to_ascii_lowercase(), None),
        None => {
            let guess = guess_encoding(bytes);
            (guess.name.to_owned(), Some(guess.confidence))
        }
    };
    let text = match encoding.as_str() {
        "utf-8" | "utf-8-bom" | "utf8" => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            reject_binary(body)?;
            match std::str::from_utf8(body) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(e) if e.error_len().is_none() => {
                    // Only the last character is cut off: a truncated export. Keep what is there.
                    warnings.push(SniffWarning::TruncatedCharacter { offset: e.valid_up_to() });
                    String::from_utf8_lossy(&body[..e.valid_up_to()])
                }
                Err(e) if forced.is_some() => return Err(SniffError::NotUtf8 { offset: e.valid_up_to() }),
                Err(_) => {
                    // A byte-order mark over text that is not UTF-8 after all: read the text
                    // in the legacy encoding it looks most like.
                    let guess = encoding::guess_legacy_text(body);
                    let (_, codec) = encoding::legacy_codec(guess.name).ok_or_else(|| SniffError::UnknownEncoding(guess.name.to_owned()))?;
                    let (text, _) = codec.decode_without_bom_handling(body);
                    warnings.push(SniffWarning::ReadAsLegacy { encoding: guess.name });
                    return Ok(Decoded { text, encoding: guess.name.into(), confidence: Some(guess.confidence), warnings });
                }
            }
        }
        "utf-16le" | "utf-16be" => {
            let (codec, bom): (&'static encoding_rs::Encoding, &[u8]) =
                if encoding == "utf-16le" { (encoding_rs::UTF_16LE, b"\xFF\xFE") } else { (encoding_rs::UTF_16BE, b"\xFE\xFF") };
            let body = bytes.strip_prefix(bom).unwrap_or(bytes);
            let (text, had_errors) = codec.decode_without_bom_handling(body);
            if had_errors {
                warnings.push(SniffWarning::Utf16Replaced);
            }
            text
        }
        other => {
            let (name, codec) = encoding::legacy_codec(other).ok_or_else(|| SniffError::UnknownEncoding(other.to_owned()))?;
            reject_binary(bytes)?;
            let (text, had_errors) = codec.decode_without_bom_handling(bytes);
            if had_errors {
                warnings.push(SniffWarning::InvalidBytes { encoding: name });
            }
            if let Some(confidence) = confidence.filter(|&c| c < encoding::CONFIDENT) {
                warnings.push(SniffWarning::LowConfidence { encoding: name, confidence });
            }
            let name = name.to_owned();
            return Ok(Decoded { text, encoding: name, confidence, warnings });
        }
    };
    let name = if encoding == "utf-8" && bytes.starts_with(b"\xEF\xBB\xBF") { "utf-8-bom".to_owned() } else { encoding };
    Ok(Decoded { text, encoding: name, confidence, warnings })
}

/// The name of the sniffed encoding ([`guess_encoding`] without the confidence).
pub fn sniff_encoding(bytes: &[u8]) -> &'static str {
    guess_encoding(bytes).name
}

/// A kind of file that is not text, recognised by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryKind {
    ZipArchive,
    Parquet,
    OleDocument,
    Pdf,
    Gzip,
    Executable,
    NulBytes,
}

impl BinaryKind {
    /// Stable, snake case: scripts and message catalogues key on it.
    pub fn code(self) -> &'static str {
        match self {
            BinaryKind::ZipArchive => "zip_archive",
            BinaryKind::Parquet => "parquet",
            BinaryKind::OleDocument => "ole_document",
            BinaryKind::Pdf => "pdf",
            BinaryKind::Gzip => "gzip",
            BinaryKind::Executable => "executable",
            BinaryKind::NulBytes => "nul_bytes",
        }
    }

    /// What the file is and what to do, in English (the catalogues word it from [`Self::code`]).
    pub fn description(self) -> &'static str {
        match self {
            BinaryKind::ZipArchive => "a zip archive (if it is an Excel workbook, give it the .xlsx extension)",
            BinaryKind::Parquet => "a Parquet file (give it the .parquet extension)",
            BinaryKind::OleDocument => "an old Excel (.xls) or other OLE document; save it as .xlsx or CSV",
            BinaryKind::Pdf => "a PDF document",
            BinaryKind::Gzip => "a gzip-compressed file; unpack it first",
            BinaryKind::Executable => "a program (ELF executable)",
            BinaryKind::NulBytes => "binary data (it contains NUL bytes)",
        }
    }
}

/// Recognises common non-text files, so the user hears "this is a zip" rather than a parse error.
pub fn binary_kind(bytes: &[u8]) -> Option<BinaryKind> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some(BinaryKind::ZipArchive)
    } else if bytes.starts_with(b"PAR1") {
        Some(BinaryKind::Parquet)
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Some(BinaryKind::OleDocument)
    } else if bytes.starts_with(b"%PDF") {
        Some(BinaryKind::Pdf)
    } else if bytes.starts_with(b"\x1F\x8B") {
        Some(BinaryKind::Gzip)
    } else if bytes.starts_with(b"\x7FELF") {
        Some(BinaryKind::Executable)
    } else if bytes.iter().take(64 * 1024).any(|&b| b == 0) {
        Some(BinaryKind::NulBytes)
    } else {
        None
    }
}

pub fn reject_binary(bytes: &[u8]) -> Result<(), SniffError> {
    match binary_kind(bytes) {
        Some(kind) => Err(SniffError::NotText(kind)),
        None => Ok(()),
    }
}

/// Splits one line into fields, honouring double quotes (doubled quotes inside are literal).
pub fn split_fields(line: &str, delimiter: char) -> Vec<String> {
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
pub fn head_lines(text: &str, n: usize) -> Vec<&str> {
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

/// The delimiter that gives the most fields, consistently across the sampled lines;
/// `WHITESPACE` for tables separated by runs of whitespace or laid out in fixed widths.
pub fn sniff_delimiter(lines: &[&str]) -> char {
    match sniff_separator(lines) {
        Separator::Char(c) => c,
        Separator::Whitespace | Separator::Fixed(_) => WHITESPACE,
    }
}

/// How cells are separated: a delimiter character when one splits the lines consistently,
/// else runs of whitespace when they do, else fixed-width columns when the fields line up,
/// else `,` (a one-column table).
pub fn sniff_separator(lines: &[&str]) -> Separator {
    let whitespace = spaced::sniff_whitespace(lines);
    match sniff_delimiter_char(lines) {
        // A character that splits only some lines loses to whitespace that splits them all, and
        // so does one that leaves several numbers in a cell where whitespace finds only numbers
        // (tabs mixed into space padding, `1,5 2,5` with decimal commas).
        Some((c, agreeing)) if !whitespace || (agreeing * 10 >= non_empty(lines) * 9 && !spaced::whitespace_splits_better(lines, c)) => {
            return Separator::Char(c)
        }
        _ => {}
    }
    if whitespace {
        Separator::Whitespace
    } else if let Some(widths) = spaced::sniff_fixed_widths(lines) {
        Separator::Fixed(widths)
    } else {
        Separator::Char(',')
    }
}

fn non_empty(lines: &[&str]) -> usize {
    lines.iter().filter(|l| !l.trim().is_empty()).count()
}

/// The best delimiter character and how many lines agree with the header's field count.
fn sniff_delimiter_char(lines: &[&str]) -> Option<(char, usize)> {
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
    (best.1 > 0).then_some((best.0, best.1))
}

pub fn looks_numeric(s: &str, decimal: char) -> bool {
    let s = s.trim();
    if s.is_empty() {
        return false;
    }
    if spaced::is_number(s, decimal) {
        return true;
    }
    if fullwidth::has_wide_number_chars(s) {
        return fullwidth::narrow_number(s, decimal).is_some();
    }
    if decimal == ',' {
        s.replace('.', "").replace(',', ".").parse::<f64>().is_ok()
    } else {
        s.parse::<f64>().is_ok()
    }
}

/// `,` when numbers in the sample are written `12,5` (and the delimiter is not a comma).
pub fn sniff_decimal(lines: &[&str], delimiter: char) -> char {
    sniff_decimal_with(lines, &Separator::from_settings(delimiter, None))
}

/// `sniff_decimal` for any separator.
pub fn sniff_decimal_with(lines: &[&str], separator: &Separator) -> char {
    if *separator == Separator::Char(',') {
        return '.';
    }
    let (mut comma, mut dot) = (0, 0);
    for line in lines.iter().skip(1) {
        for field in separator.split(line) {
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
pub fn sniff_units_row(lines: &[&str], delimiter: char, decimal: char) -> bool {
    sniff_units_row_with(lines, &Separator::from_settings(delimiter, None), decimal)
}

/// `sniff_units_row` for any separator.
pub fn sniff_units_row_with(lines: &[&str], separator: &Separator, decimal: char) -> bool {
    let (Some(second), Some(third)) = (lines.get(1), lines.get(2)) else {
        return false;
    };
    let units = separator.split(second);
    let data = separator.split(third);
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

/// Byte offset after the `n`-th line end outside quotes (or the end of the text).
pub fn nth_line_end(text: &[u8], n: usize) -> usize {
    if n == 0 {
        return 0;
    }
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

/// Empty or repeated column names get a suffix, so every column can be addressed.
pub fn dedupe_names(names: &mut [String], warnings: &mut Vec<SniffWarning>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, name) in names.iter_mut().enumerate() {
        let trimmed = name.trim().trim_start_matches('\u{feff}').to_owned();
        let base = if trimmed.is_empty() { format!("column_{}", i + 1) } else { trimmed };
        let count = seen.entry(base.clone()).or_insert(0);
        *count += 1;
        *name = if *count == 1 { base } else { format!("{base}_{count}") };
        if *count > 1 {
            warnings.push(SniffWarning::DuplicateName { name: name.rsplit_once('_').map_or("", |p| p.0).to_owned(), renamed: name.clone() });
        }
    }
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
    fn sniff_reads_a_european_export() {
        let bytes = b"Zeit;Temperatur\n;\xB0C\n01.02.2024 10:00:00;12,5\n01.02.2024 10:01:00;13,5\n";
        let s = sniff(bytes, 50).unwrap();
        assert_eq!((s.encoding.as_str(), s.delimiter, s.decimal, s.header_rows), ("windows-1252", ';', ',', 2));
        assert_eq!(s.timestamp_columns, vec![(0, TimestampFormat::DayFirstDots)]);
        assert_eq!(sniff(b"PK\x03\x04zip", 50), Err(SniffError::NotText(BinaryKind::ZipArchive)));
    }
}
