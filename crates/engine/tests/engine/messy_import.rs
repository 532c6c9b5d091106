//! The generated messy series, written in several export dialects, goes through the real
//! import (sniffing, decoding, status texts, timestamps) and the quality report: every planted
//! finding must be reported with its kind, column and count, whatever the dialect; a clean
//! series must give no findings.

use std::collections::BTreeSet;

use plantlab_engine::generate::{messy_series, ExportDialect, MessyOptions, TextEncoding, TimestampStyle, LABEL_COLUMN, TIMESTAMP_COLUMN};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{FindingKind, ImportOverrides, QualityReport};

fn dialects() -> Vec<(&'static str, ExportDialect)> {
    vec![
        ("plain", ExportDialect::plain()),
        ("european", ExportDialect::european()),
        ("excel_unicode", ExportDialect::excel_unicode()),
        ("legacy_windows", ExportDialect::legacy_windows()),
        (
            "utf16be_pipe_epoch_ms",
            ExportDialect {
                encoding: TextEncoding::Utf16Be,
                delimiter: b'|',
                decimal_comma: false,
                units_row: false,
                timestamp: TimestampStyle::EpochMillis,
            },
        ),
        (
            "offset_epoch_s",
            ExportDialect {
                encoding: TextEncoding::Utf8,
                delimiter: b',',
                decimal_comma: false,
                units_row: false,
                timestamp: TimestampStyle::EpochSeconds,
            },
        ),
        (
            "iso_offset",
            ExportDialect {
                encoding: TextEncoding::Utf8,
                delimiter: b';',
                decimal_comma: true,
                units_row: false,
                timestamp: TimestampStyle::IsoOffset,
            },
        ),
    ]
}

fn profile(bytes: &[u8], name: &str, label: Option<&str>) -> QualityReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("{name}.csv"));
    std::fs::write(&path, bytes).expect("write");
    Workbench::new().profile(&path, &ImportOverrides::default(), label, &JobContext::detached()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn key(kind: FindingKind, column: Option<&str>, count: u64) -> (String, String, u64) {
    (kind.as_str().to_owned(), column.unwrap_or("-").to_owned(), count)
}

#[test]
fn every_planted_finding_is_found_in_every_dialect() {
    for (name, dialect) in dialects() {
        let (bytes, planted) = messy_series(&MessyOptions { dialect, ..MessyOptions::default() });
        let report = profile(&bytes, name, Some(LABEL_COLUMN));
        assert_eq!(report.timestamp_column.as_deref(), Some(TIMESTAMP_COLUMN), "{name}: {:?}", report.import);
        assert_eq!(report.import.delimiter as u32, u32::from(dialect.effective_delimiter()), "{name}");
        assert_eq!(report.import.decimal, if dialect.decimal_comma { ',' } else { '.' }, "{name}");
        assert_eq!(report.import.header_rows, if dialect.units_row { 2 } else { 1 }, "{name}");
        let expected: BTreeSet<_> = planted.iter().map(|p| key(p.kind, p.column.as_deref(), p.count)).collect();
        let found: BTreeSet<_> = report.findings.iter().map(|f| key(f.kind, f.column.as_deref(), f.count)).collect();
        assert_eq!(found, expected, "{name}: found (left) vs planted (right); import {:?}, warnings {:?}", report.import, report.import_warnings);
        let kinds: BTreeSet<_> = report.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds.len(), 13, "{name}: every kind of the vocabulary is planted and found");
        assert!(report.sampling_interval_s == Some(60.0), "{name}: interval {:?}", report.sampling_interval_s);
    }
}

#[test]
fn a_clean_series_has_no_findings_in_any_dialect() {
    for (name, dialect) in dialects() {
        let (bytes, planted) = messy_series(&MessyOptions { dialect, clean: true, ..MessyOptions::default() });
        assert!(planted.is_empty());
        let report = profile(&bytes, name, None);
        assert!(report.findings.is_empty(), "{name}: {:#?}", report.findings);
        assert!(report.import_warnings.is_empty(), "{name}: {:?}", report.import_warnings);
    }
}

#[test]
fn the_encoding_is_reported() {
    let expect = [
        (TextEncoding::Utf8, "utf-8"),
        (TextEncoding::Utf8Bom, "utf-8-bom"),
        (TextEncoding::Utf16Le, "utf-16le"),
        (TextEncoding::Utf16Be, "utf-16be"),
        (TextEncoding::Windows1252, "windows-1252"),
    ];
    for (encoding, name) in expect {
        let dialect = ExportDialect { encoding, delimiter: b';', decimal_comma: true, units_row: true, timestamp: TimestampStyle::DayFirst };
        let (bytes, _) = messy_series(&MessyOptions { dialect, clean: true, rows: 1000, ..MessyOptions::default() });
        let report = profile(&bytes, name, None);
        assert_eq!(report.import.encoding, name);
        assert!(report.columns.iter().any(|c| c.unit.as_deref() == Some("°C")), "{name}: units row read: {:?}", report.columns);
    }
}
