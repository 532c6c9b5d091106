//! Reading a table from disk into a polars frame, in chunks, so a large file reports
//! progress and can be cancelled while it parses.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use polars::prelude::*;

use crate::error::{EngineError, Result};
use crate::tasks::JobContext;

/// Bytes read from disk between progress reports and cancel checks.
const READ_BLOCK: usize = 8 << 20;
/// Target size of one parse chunk; each chunk is parsed by polars with all cores.
const PARSE_CHUNK: usize = 32 << 20;
/// Share of the progress bar spent reading bytes; the rest is parsing.
const READ_SHARE: f32 = 0.25;

/// Loads a delimited text file. Progress goes to `job`; returns `Cancelled` if the user stops it.
pub fn read_table(path: &Path, job: &JobContext) -> Result<DataFrame> {
    let meta = std::fs::metadata(path).map_err(|e| EngineError::from_io(path, e))?;
    if meta.is_dir() {
        return Err(EngineError::IsDirectory(path.to_path_buf()));
    }
    if meta.len() == 0 {
        return Err(EngineError::EmptyFile(path.to_path_buf()));
    }
    let bytes = read_bytes(path, meta.len(), job)?;
    reject_binary(path, &bytes)?;
    let text = strip_utf8_bom(&bytes);
    if let Err(e) = std::str::from_utf8(text) {
        return Err(EngineError::NotUtf8 { path: path.to_path_buf(), offset: e.valid_up_to() });
    }
    parse_csv(path, text, job)
}

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
        job.progress(READ_SHARE * bytes.len() as f32 / len.max(1) as f32, "reading file");
    }
    Ok(bytes)
}

/// Recognises common non-text files so the user hears "this is a zip" rather than a parse error.
fn reject_binary(path: &Path, bytes: &[u8]) -> Result<()> {
    let kind = if bytes.starts_with(b"PK\x03\x04") {
        Some("a zip archive (an .xlsx workbook is one)")
    } else if bytes.starts_with(b"PAR1") {
        Some("a Parquet file")
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Some("an old Excel (.xls) or other OLE document")
    } else if bytes.starts_with(b"%PDF") {
        Some("a PDF document")
    } else if bytes.starts_with(b"\x1F\x8B") {
        Some("a gzip-compressed file")
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

fn strip_utf8_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The delimiter that splits the header line most often; a comma if none appears.
fn sniff_delimiter(header: &[u8]) -> u8 {
    [b',', b';', b'\t', b'|']
        .into_iter()
        .map(|d| (d, header.iter().filter(|&&b| b == d).count()))
        .filter(|&(_, n)| n > 0)
        .max_by_key(|&(_, n)| n)
        .map_or(b',', |(d, _)| d)
}

/// Splits `body` into pieces of about `target` bytes at line ends that are not inside quotes.
fn split_rows(body: &[u8], target: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes && i + 1 - start >= target => {
                pieces.push(&body[start..=i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < body.len() {
        pieces.push(&body[start..]);
    }
    pieces
}

/// End of the header line (index after its newline), honouring quotes.
fn header_end(text: &[u8]) -> Option<usize> {
    let mut in_quotes = false;
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn parse_csv(path: &Path, text: &[u8], job: &JobContext) -> Result<DataFrame> {
    let parse_err = |e: PolarsError| EngineError::Parse { path: path.to_path_buf(), detail: e.to_string() };
    let header_len = header_end(text).unwrap_or(text.len());
    let (header, body) = text.split_at(header_len);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(EngineError::NoDataRows(path.to_path_buf()));
    }
    let mut header = header.to_vec();
    if !header.ends_with(b"\n") {
        header.push(b'\n');
    }
    let delimiter = sniff_delimiter(&header);
    let pieces = split_rows(body, PARSE_CHUNK);
    let mut frames = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        job.check_cancelled()?;
        job.progress(READ_SHARE + (1.0 - READ_SHARE) * 0.95 * i as f32 / pieces.len() as f32, "parsing");
        let mut chunk = Vec::with_capacity(header.len() + piece.len());
        chunk.extend_from_slice(&header);
        chunk.extend_from_slice(piece);
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .map_parse_options(|o| o.with_separator(delimiter).with_try_parse_dates(true))
            .into_reader_with_file_handle(Cursor::new(chunk))
            .finish()
            .map_err(parse_err)?;
        frames.push(frame);
    }
    job.progress(0.97, "combining chunks");
    combine_chunks(frames).map_err(parse_err)
}

/// Stacks frames parsed separately. Each chunk inferred its own types, so a column may be
/// integer in one chunk and float (or text) in another; bring every chunk to a common type.
fn combine_chunks(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let mut frames = frames.into_iter();
    let Some(first) = frames.next() else {
        return Ok(DataFrame::empty());
    };
    let rest: Vec<DataFrame> = frames.collect();
    if rest.is_empty() {
        return Ok(first);
    }
    let mut all = Vec::with_capacity(rest.len() + 1);
    all.push(first);
    all.extend(rest);
    let width = all[0].width();
    let mut targets = Vec::with_capacity(width);
    for c in 0..width {
        let mut target: Option<DataType> = None;
        for frame in &all {
            let column = &frame.columns()[c];
            // A chunk where the column is entirely empty says nothing about its type.
            if column.null_count() == column.len() {
                continue;
            }
            target = Some(match target {
                None => column.dtype().clone(),
                Some(t) => common_type(&t, column.dtype()),
            });
        }
        targets.push(target.unwrap_or(DataType::String));
    }
    let mut out: Option<DataFrame> = None;
    for frame in all {
        let columns: PolarsResult<Vec<Column>> =
            frame.columns().iter().zip(&targets).map(|(col, t)| if col.dtype() == t { Ok(col.clone()) } else { col.cast(t) }).collect();
        let frame = DataFrame::new(frame.height(), columns?)?;
        match &mut out {
            None => out = Some(frame),
            Some(acc) => {
                acc.vstack_mut_owned(frame)?;
            }
        }
    }
    let mut out = out.unwrap_or_else(DataFrame::empty);
    out.rechunk_mut();
    Ok(out)
}

fn common_type(a: &DataType, b: &DataType) -> DataType {
    if a == b {
        return a.clone();
    }
    if a.is_primitive_numeric() && b.is_primitive_numeric() {
        if a.is_integer() && b.is_integer() {
            return DataType::Int64;
        }
        return DataType::Float64;
    }
    DataType::String
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        let mut f = File::create(&path).unwrap();
        f.write_all(content).unwrap();
        path
    }

    #[test]
    fn sniffs_semicolon_and_tab() {
        assert_eq!(sniff_delimiter(b"a;b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
    }

    #[test]
    fn split_keeps_quoted_newlines_together() {
        let body = b"1,\"a\nb\"\n2,c\n3,d\n";
        let pieces = split_rows(body, 1);
        assert_eq!(pieces, vec![&b"1,\"a\nb\"\n"[..], &b"2,c\n"[..], &b"3,d\n"[..]]);
    }

    #[test]
    fn chunks_with_different_inferred_types_are_unified() {
        let a = df!("x" => [1i64, 2], "y" => [None::<&str>, None]).unwrap();
        let b = df!("x" => [1.5f64, 2.5], "y" => ["p", "q"]).unwrap();
        let out = combine_chunks(vec![a, b]).unwrap();
        assert_eq!(out.height(), 4);
        assert_eq!(out.column("x").unwrap().dtype(), &DataType::Float64);
        assert_eq!(out.column("y").unwrap().dtype(), &DataType::String);
    }

    #[test]
    fn loads_many_chunks_like_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("t,v\n");
        for i in 0..2000 {
            text.push_str(&format!("{i},{}\n", if i == 1500 { "2.5".to_string() } else { i.to_string() }));
        }
        let path = write(&dir, "a.csv", text.as_bytes());
        let bytes = std::fs::read(&path).unwrap();
        let (header, body) = bytes.split_at(4);
        let pieces = split_rows(body, 1000);
        assert!(pieces.len() > 5);
        let frames: Vec<DataFrame> = pieces
            .iter()
            .map(|p| {
                let mut c = header.to_vec();
                c.extend_from_slice(p);
                CsvReadOptions::default().into_reader_with_file_handle(Cursor::new(c)).finish().unwrap()
            })
            .collect();
        let out = combine_chunks(frames).unwrap();
        assert_eq!(out.height(), 2000);
        assert_eq!(out.column("v").unwrap().dtype(), &DataType::Float64);
        let whole = read_table(&path, &JobContext::detached()).unwrap();
        assert_eq!(whole.height(), 2000);
    }

    #[test]
    fn bad_inputs_give_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let job = JobContext::detached();
        let code = |p: &Path| read_table(p, &job).err().map(|e| e.code());
        assert_eq!(code(&dir.path().join("missing.csv")), Some("not_found"));
        assert_eq!(code(dir.path()), Some("is_directory"));
        assert_eq!(code(&write(&dir, "empty.csv", b"")), Some("empty_file"));
        assert_eq!(code(&write(&dir, "bin.csv", &[0u8, 1, 2, 3, 255, 0, 7])), Some("not_text"));
        assert_eq!(code(&write(&dir, "zip.csv", b"PK\x03\x04rest")), Some("not_text"));
        assert_eq!(code(&write(&dir, "latin1.csv", b"a,b\n1,\xb5\n")), Some("not_utf8"));
        assert_eq!(code(&write(&dir, "header.csv", b"a,b,c\n")), Some("no_data_rows"));
    }

    #[test]
    fn bom_and_semicolons_are_handled() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "bom.csv", b"\xEF\xBB\xBFtime;temp\n2024-01-01 00:00:00;1.5\n2024-01-01 00:01:00;2.5\n");
        let df = read_table(&path, &JobContext::detached()).unwrap();
        assert_eq!(df.get_column_names_owned().iter().map(|s| s.as_str()).collect::<Vec<_>>(), ["time", "temp"]);
        assert!(matches!(df.column("time").unwrap().dtype(), DataType::Datetime(_, _)));
    }
}
