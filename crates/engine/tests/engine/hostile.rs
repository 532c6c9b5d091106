//! A corpus of hostile files, written at test time: each must give a clear error or load
//! (with warnings where something was repaired) — never a panic, never a hang.

use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Duration;

use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ImportOverrides, QualityReport};

use crate::common::write;

/// What a hostile file must lead to.
enum Expect {
    Error(&'static str),
    Loads(fn(&QualityReport)),
}

fn profile_with_timeout(path: &Path) -> std::thread::Result<Result<QualityReport, (String, String)>> {
    let (tx, rx) = sync_channel(1);
    let owned = path.to_path_buf();
    std::thread::Builder::new()
        .name(format!("profile {}", path.display()))
        .spawn(move || {
            let result = std::panic::catch_unwind(|| {
                Workbench::new()
                    .profile(&owned, &ImportOverrides::default(), None, &JobContext::detached())
                    .map_err(|e| (e.code().to_owned(), e.to_string()))
            });
            let _ = tx.send(result);
        })
        .unwrap();
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(result) => result,
        Err(_) => panic!("{} hung for more than 60 s", path.display()),
    }
}

fn parquet_bytes() -> Vec<u8> {
    use polars::prelude::*;
    let mut df = df!("a" => (0..2000).map(f64::from).collect::<Vec<_>>(), "b" => (0..2000).collect::<Vec<i64>>()).expect("frame");
    let mut out = Vec::new();
    ParquetWriter::new(&mut out).finish(&mut df).expect("parquet");
    out
}

#[test]
fn every_hostile_file_fails_clearly_or_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut garbage = Vec::with_capacity(4096);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..4096 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        garbage.push((state >> 24) as u8);
    }
    let mut truncated_utf8 = "time,temp °C\n2024-01-01 00:00:00,1.5\n2024-01-01 00:01:00,2.5\n2024-01-01 00:02:00,3 µ".as_bytes().to_vec();
    truncated_utf8.pop(); // cut the two-byte µ in half
    let wide_header: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let wide_row: Vec<String> = (0..10_000).map(|i| (i % 7).to_string()).collect();
    let wide = format!("{}\n{}\n{}\n", wide_header.join(","), wide_row.join(","), wide_row.join(","));
    let long_line = "x,".repeat(10 * 1024 * 1024);
    let parquet = parquet_bytes();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("time\tTI-101\n2024-01-01 00:00:00\t20,5\n2024-01-01 00:01:00\t21,5\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let mut cp1252 = b"Zeit;Temperatur\n;\xB0C\n01.02.2024 10:00:00;12,5\n01.02.2024 10:01:00;13,5\n".to_vec();
    cp1252.extend_from_slice(b"01.02.2024 10:02:00;Bad Input\n");

    let cases: Vec<(PathBuf, Expect)> = vec![
        (write(d, "empty.csv", b""), Expect::Error("empty_file")),
        (write(d, "header_only.csv", b"time,temp,flow\n"), Expect::Error("no_data_rows")),
        (write(d, "whitespace.csv", b"  \n\n \r\n"), Expect::Error("no_data_rows")),
        (write(d, "garbage.csv", &garbage), Expect::Error("not_text")),
        (write(d, "nul_bytes.csv", b"a,b\n1,\x002\n3,4\n"), Expect::Error("not_text")),
        (write(d, "zip_renamed.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00rest-of-a-zip"), Expect::Error("not_text")),
        (write(d, "truncated.parquet", &parquet[..parquet.len() / 2]), Expect::Error("parse_error")),
        (d.to_path_buf(), Expect::Error("is_directory")),
        (d.join("does-not-exist.csv"), Expect::Error("not_found")),
        (write(d, "single_line_20mb.csv", long_line.as_bytes()), Expect::Error("no_data_rows")),
        (
            write(d, "truncated_utf8.csv", &truncated_utf8),
            Expect::Loads(|r| {
                assert_eq!(r.rows, 3);
                assert!(r.import_warnings.iter().any(|w| w.contains("middle of a character")), "{:?}", r.import_warnings);
            }),
        ),
        (
            write(d, "ragged.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n"),
            Expect::Loads(|r| {
                assert_eq!(r.rows, 4);
                assert_eq!(r.columns.len(), 3);
            }),
        ),
        // The quote never closes, so the rest of the file is one field: refuse, and say why.
        (write(d, "unbalanced_quotes.csv", b"name,value\n\"pump A,1\nvalve,2\nmotor,3\n"), Expect::Error("unclosed_quote")),
        (
            write(d, "duplicate_names.csv", b"temp,temp,,flow\n1,2,3,4\n5,6,7,8\n"),
            Expect::Loads(|r| {
                let names: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
                assert_eq!(names, ["temp", "temp_2", "column_3", "flow"]);
                assert!(!r.import_warnings.is_empty());
            }),
        ),
        (
            write(d, "nan_inf.csv", b"v,w\nNaN,1\ninf,2\n-inf,3\n1.5,NaN\n2.5,4\n"),
            Expect::Loads(|r| {
                assert!(r.columns.iter().all(|c| c.dtype.starts_with('f') || c.dtype.starts_with('i')), "{:?}", r.columns);
            }),
        ),
        (
            write(d, "ten_thousand_columns.csv", wide.as_bytes()),
            Expect::Loads(|r| {
                assert_eq!(r.columns.len(), 10_000);
                assert_eq!(r.rows, 2);
            }),
        ),
        (
            write(d, "utf16.txt", &utf16),
            Expect::Loads(|r| {
                assert_eq!(r.import.encoding, "utf-16le");
                assert_eq!(r.import.delimiter, '\t');
                assert_eq!(r.import.decimal, ',');
                assert_eq!(r.columns[1].max, Some(21.5));
            }),
        ),
        (
            write(d, "excel_1252.csv", &cp1252),
            Expect::Loads(|r| {
                assert_eq!(r.import.encoding, "windows-1252");
                assert_eq!(r.import.header_rows, 2);
                assert_eq!(r.columns[1].unit.as_deref(), Some("°C"));
                assert_eq!(r.columns[1].status_text_count, 1);
                assert_eq!(r.timestamp_column.as_deref(), Some("Zeit"));
            }),
        ),
        (write(d, "valid.parquet", &parquet), Expect::Loads(|r| assert_eq!(r.rows, 2000))),
        (write(d, "fake.xlsx", b"PK\x03\x04not really a workbook"), Expect::Error("parse_error")),
    ];
    assert!(cases.len() >= 15);
    for (path, expect) in cases {
        let outcome = profile_with_timeout(&path).unwrap_or_else(|_| panic!("{} panicked", path.display()));
        match (expect, outcome) {
            (Expect::Error(code), Err((got, message))) => {
                assert_eq!(got, code, "{}: {message}", path.display());
                assert!(message.len() > 20 && !message.contains("panicked"), "{}: unclear message {message:?}", path.display());
            }
            (Expect::Error(code), Ok(report)) => panic!("{} should fail with {code}, loaded {} rows", path.display(), report.rows),
            (Expect::Loads(check), Ok(report)) => check(&report),
            (Expect::Loads(_), Err((code, message))) => panic!("{} should load, failed with {code}: {message}", path.display()),
        }
    }
}
