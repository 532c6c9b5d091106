//! Cutting a text body into row-aligned pieces, and stacking the frames parsed from pieces
//! separately into one.

use polars::prelude::*;

/// Target size of one parse chunk; each chunk is parsed by polars with all cores.
pub(super) const PARSE_CHUNK: usize = 32 << 20;

/// Splits `body` into pieces of about `target` bytes at line ends that are not inside quotes.
pub(super) fn split_rows(body: &[u8], target: usize) -> Vec<&[u8]> {
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

/// Stacks frames parsed separately. Each chunk inferred its own types, so a column may be
/// integer in one chunk and float (or text) in another; bring every chunk to a common type.
pub(super) fn combine_chunks(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
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
    // The pieces stay separate chunks: one contiguous copy would double peak memory on a
    // large file, and every reader of the frame iterates chunk by chunk anyway.
    Ok(out.unwrap_or_else(DataFrame::empty))
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
    use std::fs::File;
    use std::io::{Cursor, Write};

    fn write(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        let mut f = File::create(&path).unwrap();
        f.write_all(content).unwrap();
        path
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
    }
}
