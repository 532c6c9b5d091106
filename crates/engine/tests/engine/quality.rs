//! The quality report against the messy generator's ground truth, and the generator's dialects.
//!
//! Until the importer turns status texts into nulls itself, these tests read the plain dialect
//! with polars directly and count the status texts by scanning the text.

use std::collections::{BTreeSet, HashMap};
use std::io::Cursor;
use std::time::Instant;

use plantlab_engine::generate::{
    messy_series, wide_numeric_csv, ExportDialect, MessyOptions, Planted, TextEncoding, TimestampStyle, LABEL_COLUMN, STATUS_TEXTS, TIMESTAMP_COLUMN,
};
use plantlab_engine::quality::{assess, Assessment, QualityInput, QualityThresholds, StatusTextCount};
use plantlab_protocol::{Finding, FindingKind};
use polars::prelude::*;

/// Reads a plain-dialect export: status texts become nulls, and are counted per column.
fn read_plain(bytes: &[u8]) -> (DataFrame, Vec<StatusTextCount>) {
    let nulls = NullValues::AllColumns(STATUS_TEXTS.iter().map(|&s| s.into()).collect());
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .map_parse_options(move |o| o.with_try_parse_dates(true).with_null_values(Some(nulls.clone())))
        .into_reader_with_file_handle(Cursor::new(bytes.to_vec()))
        .finish()
        .unwrap();
    (frame, count_status_texts(bytes))
}

/// Status texts per column with every row they occur in (the generator never quotes them).
fn count_status_texts(bytes: &[u8]) -> Vec<StatusTextCount> {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut counts: Vec<StatusTextCount> = names.iter().map(|n| StatusTextCount { column: (*n).to_owned(), ..Default::default() }).collect();
    for (row, line) in lines.enumerate() {
        for (cell, count) in line.split(',').zip(counts.iter_mut()) {
            if STATUS_TEXTS.contains(&cell) {
                count.count += 1;
                count.rows.push(row as u64);
            }
        }
    }
    counts.retain(|c| c.count > 0);
    counts
}

fn assess_plain(bytes: &[u8], units: &HashMap<String, String>) -> (DataFrame, Vec<StatusTextCount>, Assessment) {
    let (frame, status) = read_plain(bytes);
    let input = QualityInput {
        frame: &frame,
        timestamp_column: Some(TIMESTAMP_COLUMN),
        status_text: &status,
        units,
        label_column: Some(LABEL_COLUMN),
        label_weight_column: None,
    };
    let assessment = assess(&input, &QualityThresholds::default());
    (frame, status, assessment)
}

fn messy(seed: u64) -> (Vec<u8>, Vec<Planted>) {
    messy_series(&MessyOptions { seed, ..MessyOptions::default() })
}

fn describe(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("{:?} {:?} count {} rows {:?}: {}", f.kind, f.column, f.count, f.rows, f.message)).collect::<Vec<_>>().join("\n")
}

/// Every planted finding is reported with its column, exact count and first rows; nothing else is.
fn assert_matches_ground_truth(assessment: &Assessment, planted: &[Planted], context: &str) {
    let all = describe(&assessment.findings);
    for p in planted {
        let found = assessment.findings.iter().find(|f| f.kind == p.kind && f.column == p.column);
        let Some(found) = found else { panic!("{context}: {:?} on {:?} not found; findings:\n{all}", p.kind, p.column) };
        assert_eq!(found.count, p.count, "{context}: count of {:?} on {:?}\n{all}", p.kind, p.column);
        let first: Vec<u64> = p.rows.iter().take(5).copied().collect();
        assert_eq!(found.rows, first, "{context}: rows of {:?} on {:?}", p.kind, p.column);
        assert_eq!(found.examples.len(), found.rows.len());
    }
    for f in &assessment.findings {
        assert!(
            planted.iter().any(|p| p.kind == f.kind && p.column == f.column),
            "{context}: unplanted finding {:?} on {:?}: {}",
            f.kind,
            f.column,
            f.message
        );
    }
}

#[test]
fn every_kind_is_planted() {
    let (_, planted) = messy(42);
    let kinds: BTreeSet<FindingKind> = planted.iter().map(|p| p.kind).collect();
    // Every kind but a shutdown, which is an operating state the messy series does not plant.
    let planted_kinds = FindingKind::ALL.into_iter().filter(|kind| *kind != FindingKind::Shutdown).collect();
    assert_eq!(kinds, planted_kinds, "{planted:#?}");
    let column_of = |kind| planted.iter().find(|p| p.kind == kind).and_then(|p| p.column.clone());
    assert_eq!(column_of(FindingKind::UnitJump).as_deref(), Some("TI-101 Bearing temp"));
    assert_eq!(column_of(FindingKind::Flatline).as_deref(), Some("FI-301 Flow"));
    assert_eq!(column_of(FindingKind::Gap), None);
}

#[test]
fn messy_series_findings_match_the_ground_truth() {
    for seed in [42, 7, 2024] {
        let (bytes, planted) = messy(seed);
        let (_, _, assessment) = assess_plain(&bytes, &HashMap::new());
        assert_matches_ground_truth(&assessment, &planted, &format!("seed {seed}"));
        assert_eq!(assessment.sampling_interval_s, Some(60.0));
    }
}

#[test]
fn planted_counts_are_the_documented_ones() {
    let (_, planted) = messy(42);
    let count = |kind, column: Option<&str>| planted.iter().find(|p| p.kind == kind && p.column.as_deref() == column).map(|p| p.count);
    assert_eq!(count(FindingKind::DuplicateRows, None), Some(4));
    assert_eq!(count(FindingKind::DuplicateTimestamps, None), Some(3));
    assert_eq!(count(FindingKind::UnsortedTimestamps, None), Some(2));
    assert_eq!(count(FindingKind::Gap, None), Some(1));
    assert_eq!(count(FindingKind::Flatline, Some("FI-301 Flow")), Some(36));
    assert_eq!(count(FindingKind::Spike, Some("PI-204 Discharge pressure")), Some(4));
    assert_eq!(count(FindingKind::OutOfRange, Some("VI-101 Vibration")), Some(3));
    assert_eq!(count(FindingKind::UnitJump, Some("TI-101 Bearing temp")), Some(120));
    assert_eq!(count(FindingKind::StatusText, Some("PI-204 Discharge pressure")), Some(5));
    assert_eq!(count(FindingKind::Missing, Some("FI-301 Flow")), Some(3));
    assert_eq!(count(FindingKind::Missing, Some("Batch")), Some(1));
    // 5000 base rows − 10 in the gap + 4 copies + 3 second readings.
    assert_eq!(count(FindingKind::Constant, Some("UI-900 Line")), Some(4997));
    let faults = count(FindingKind::LabelImbalance, Some(LABEL_COLUMN)).unwrap_or(0);
    assert!((50..250).contains(&faults), "{faults} fault rows");
}

#[test]
fn findings_read_well() {
    let (bytes, _) = messy(42);
    let (frame, status, assessment) = assess_plain(&bytes, &HashMap::new());
    let find = |kind| assessment.findings.iter().find(|f| f.kind == kind).unwrap();

    let gap = find(FindingKind::Gap);
    assert!(gap.message.contains("1 min") && gap.message.contains("11 min"), "{}", gap.message);
    let jump = find(FindingKind::UnitJump);
    assert!(jump.message.contains("°C → °F"), "{}", jump.message);
    let flat = find(FindingKind::Flatline);
    assert!(flat.message.contains("36 samples"), "{}", flat.message);
    let label = find(FindingKind::LabelImbalance);
    assert!(label.message.contains("0: ") && label.message.contains("1: "), "{}", label.message);
    for f in &assessment.findings {
        for example in &f.examples {
            assert!(example.starts_with("2024-03-0") && example.len() == 19, "{example}");
        }
        assert!(f.message.ends_with('.'), "{}", f.message);
    }

    // One profile per column, with the status texts counted apart from the nulls.
    assert_eq!(assessment.columns.len(), frame.width());
    let pressure = assessment.columns.iter().find(|c| c.name == "PI-204 Discharge pressure").unwrap();
    let listed = status.iter().find(|s| s.column == pressure.name).unwrap();
    assert_eq!((pressure.status_text_count, pressure.null_count), (listed.count, listed.count));
    assert!(pressure.mean.unwrap() > 6.0 && pressure.mean.unwrap() < 7.0, "{pressure:?}");
    assert!(pressure.max.unwrap() > 8.5, "the spikes are in the statistics: {pressure:?}");
    let time = &assessment.columns[0];
    assert!(time.dtype.starts_with("datetime"), "{time:?}");
    assert_eq!(time.min, None);
    let batch = assessment.columns.iter().find(|c| c.name == "Batch").unwrap();
    assert_eq!((batch.dtype.as_str(), batch.null_count, batch.mean), ("str", 1, None));
}

#[test]
fn clean_series_have_no_findings() {
    for seed in 1..=4 {
        for rows in [1_000, 5_000] {
            let (bytes, planted) = messy_series(&MessyOptions { rows, seed, clean: true, dialect: ExportDialect::plain() });
            assert!(planted.is_empty());
            let (frame, status, assessment) = assess_plain(&bytes, &HashMap::new());
            assert!(status.is_empty());
            assert_eq!(frame.height(), rows);
            assert!(assessment.findings.is_empty(), "seed {seed}, {rows} rows:\n{}", describe(&assessment.findings));
        }
    }
}

#[test]
fn known_units_narrow_the_checks_without_changing_the_findings() {
    let (bytes, planted) = messy(42);
    let dialect = ExportDialect { units_row: true, ..ExportDialect::plain() };
    let (with_units, same_truth) = messy_series(&MessyOptions { dialect, ..MessyOptions::default() });
    assert_eq!(same_truth, planted);
    let text = String::from_utf8(with_units).unwrap();
    let mut lines = text.lines();
    let (names, units) = (lines.next().unwrap().split(','), lines.next().unwrap().split(','));
    let units: HashMap<String, String> = names.zip(units).map(|(n, u)| (n.to_owned(), u.to_owned())).collect();
    assert_eq!(units["TI-101 Bearing temp"], "°C");
    let (_, _, assessment) = assess_plain(&bytes, &units);
    assert_matches_ground_truth(&assessment, &planted, "with units");
    let temperature = assessment.columns.iter().find(|c| c.name == "TI-101 Bearing temp").unwrap();
    assert_eq!(temperature.unit.as_deref(), Some("°C"));
}

#[test]
fn the_generator_is_deterministic() {
    let (a, planted_a) = messy(42);
    let (b, planted_b) = messy(42);
    assert!(a == b, "same seed, same bytes");
    assert_eq!(planted_a, planted_b);
    let (c, _) = messy(43);
    assert!(a != c, "another seed, other data");
    let mut first = Vec::new();
    let mut second = Vec::new();
    wide_numeric_csv(&mut first, 500, 7, 3).unwrap();
    wide_numeric_csv(&mut second, 500, 7, 3).unwrap();
    assert!(first == second);
    // The dialect changes the bytes, not the data.
    let european = messy_series(&MessyOptions { dialect: ExportDialect::european(), ..MessyOptions::default() });
    assert_eq!(european.1, planted_a);
    assert!(european.0 != a);
}

fn first_lines(text: &str, separator: char) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut lines = text.split(['\n']).map(|l| l.trim_end_matches('\r'));
    let mut fields = || lines.next().unwrap().split(separator).map(str::to_owned).collect::<Vec<_>>();
    (fields(), fields(), fields())
}

#[test]
fn dialects_write_what_they_claim() {
    let with = |dialect: ExportDialect| messy_series(&MessyOptions { rows: 4_000, dialect, ..MessyOptions::default() }).0;

    let plain = with(ExportDialect::plain());
    let text = std::str::from_utf8(&plain).unwrap();
    assert!(text.starts_with("Timestamp,TI-101 Bearing temp,") && !text.contains('\r'));
    let (_, first_row, _) = first_lines(text, ',');
    assert_eq!(first_row[0], "2024-03-04 00:00:00");
    assert!(first_row[1].contains('.'));

    let bom = with(ExportDialect { encoding: TextEncoding::Utf8Bom, ..ExportDialect::plain() });
    assert!(bom.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(&bom[3..], &plain[..]);

    let european = with(ExportDialect::european());
    assert!(european.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&european[3..]).unwrap();
    let (header, units, first_row) = first_lines(text, ';');
    assert_eq!(header.len(), 13);
    assert_eq!(units[..8], ["", "°C", "bar", "m³/h", "rpm", "rpm", "mm/s", "µS/cm"]);
    assert_eq!(first_row[0], "04.03.2024 00:00:00");
    assert!(first_row[1].contains(',') && !first_row[1].contains('.'), "decimal comma: {}", first_row[1]);

    // A decimal comma never goes with a comma separator.
    let forced = with(ExportDialect { decimal_comma: true, ..ExportDialect::plain() });
    let (header, _, _) = first_lines(std::str::from_utf8(&forced).unwrap(), ';');
    assert_eq!(header.len(), 13);

    let unicode = with(ExportDialect::excel_unicode());
    assert!(unicode.starts_with(&[0xFF, 0xFE]));
    let code_units: Vec<u16> = unicode[2..].chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
    let text = String::from_utf16(&code_units).unwrap();
    assert!(text.contains("\r\n"));
    let (header, units, first_row) = first_lines(&text, '\t');
    assert_eq!(header[0], "Timestamp");
    assert_eq!(units[3], "m³/h");
    assert_eq!(first_row[0], "03/04/2024 00:00");

    let big_endian = with(ExportDialect { encoding: TextEncoding::Utf16Be, ..ExportDialect::excel_unicode() });
    assert!(big_endian.starts_with(&[0xFE, 0xFF]));
    let code_units: Vec<u16> = big_endian[2..].chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
    assert_eq!(String::from_utf16(&code_units).unwrap(), text);

    let legacy = with(ExportDialect::legacy_windows());
    assert!(std::str::from_utf8(&legacy).is_err(), "Windows-1252 is not UTF-8");
    for byte in [0xB0, 0xB3, 0xB5] {
        assert!(legacy.contains(&byte), "byte {byte:#x} for °, ³ or µ");
    }
    assert!(legacy.iter().all(|b| b.is_ascii() || [0xB0, 0xB3, 0xB5].contains(b)));
    let decoded: String = legacy.iter().map(|&b| char::from(b)).collect(); // Latin-1 agrees with 1252 here
    assert_eq!(first_lines(&decoded, ';').1[1], "°C");

    for (style, expected) in [
        (TimestampStyle::Iso, "2024-03-04 00:00:00"),
        (TimestampStyle::IsoOffset, "2024-03-04T00:00:00+01:00"),
        (TimestampStyle::DayFirst, "04.03.2024 00:00:00"),
        (TimestampStyle::MonthFirst, "03/04/2024 00:00"),
        (TimestampStyle::EpochSeconds, "1709510400"),
        (TimestampStyle::EpochMillis, "1709510400000"),
    ] {
        let bytes = with(ExportDialect { timestamp: style, ..ExportDialect::plain() });
        let (_, first_row, second_row) = first_lines(std::str::from_utf8(&bytes).unwrap(), ',');
        assert_eq!(first_row[0], expected, "{style:?}");
        assert_ne!(second_row[0], expected, "{style:?}");
    }
}

#[test]
fn wide_benchmark_data_is_clean() {
    let mut bytes = Vec::new();
    wide_numeric_csv(&mut bytes, 3_000, 12, 5).unwrap();
    let frame = CsvReadOptions::default()
        .map_parse_options(|o| o.with_try_parse_dates(true))
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
        .unwrap();
    assert_eq!(frame.shape(), (3_000, 13));
    assert!(frame.columns()[1..].iter().all(|c| c.dtype() == &DataType::Float64));
    let input = QualityInput {
        frame: &frame,
        timestamp_column: Some("Timestamp"),
        status_text: &[],
        units: &HashMap::new(),
        label_column: None,
        label_weight_column: None,
    };
    let assessment = assess(&input, &QualityThresholds::default());
    assert!(assessment.findings.is_empty(), "{}", describe(&assessment.findings));
    assert_eq!(assessment.sampling_interval_s, Some(60.0));
}

/// A measurement, not a check: `cargo test --workspace --locked --test engine -- --ignored --nocapture quality::`.
#[test]
#[ignore = "measurement on a million rows; run on demand"]
fn measure_assess_on_a_million_rows_by_fifty_tags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let started = Instant::now();
    wide_numeric_csv(std::fs::File::create(&path).unwrap(), 1_000_000, 50, 1).unwrap();
    println!("generate: {:.2} s, {} MB", started.elapsed().as_secs_f64(), std::fs::metadata(&path).unwrap().len() >> 20);
    let started = Instant::now();
    let frame = CsvReadOptions::default()
        .map_parse_options(|o| o.with_try_parse_dates(true))
        .try_into_reader_with_file_path(Some(path))
        .unwrap()
        .finish()
        .unwrap();
    println!("read with polars: {:.2} s, {:?}", started.elapsed().as_secs_f64(), frame.shape());
    let input = QualityInput {
        frame: &frame,
        timestamp_column: Some("Timestamp"),
        status_text: &[],
        units: &HashMap::new(),
        label_column: None,
        label_weight_column: None,
    };
    for run in 1..=3 {
        let started = Instant::now();
        let assessment = assess(&input, &QualityThresholds::default());
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "assess run {run}: {seconds:.3} s ({:.1} ms per column), {} findings",
            1000.0 * seconds / frame.width() as f64,
            assessment.findings.len()
        );
    }
}

/// A frame of one pump at one-minute spacing: flow, motor current and a discharge pressure,
/// each a function of the row. Noise comes from a fixed sequence so runs of equal readings
/// happen only where a test puts them.
fn pump_frame(rows: usize, flow: impl Fn(usize) -> f64, current: impl Fn(usize) -> f64) -> DataFrame {
    let noise = |i: usize, k: u64| ((i as u64 * 2_654_435_761 + k * 40_503) % 1000) as f64 / 1000.0 - 0.5;
    let times: Vec<i64> = (0..rows as i64).map(|i| 1_700_000_000_000 + 60_000 * i).collect();
    let ts = Int64Chunked::from_vec("Timestamp".into(), times).into_column().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
    let col = |name: &str, f: &dyn Fn(usize) -> f64| Column::new(name.into(), (0..rows).map(f).collect::<Vec<f64>>());
    DataFrame::new(
        rows,
        vec![
            ts,
            col("FI-101 Flow", &|i| flow(i)),
            col("II-101 Motor current", &|i| current(i)),
            col("PI-102 Discharge pressure", &|i| 5.0 + noise(i, 3)),
        ],
    )
    .unwrap()
}

fn assess_pump(frame: &DataFrame, thresholds: &QualityThresholds) -> Assessment {
    let units: HashMap<String, String> = [("FI-101 Flow", "m³/h"), ("II-101 Motor current", "A"), ("PI-102 Discharge pressure", "bar")]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
    let input =
        QualityInput { frame, timestamp_column: Some("Timestamp"), status_text: &[], units: &units, label_column: None, label_weight_column: None };
    assess(&input, thresholds)
}

#[test]
fn a_stopped_pump_is_a_shutdown_and_a_frozen_tag_while_it_runs_is_a_flatline() {
    let noise = |i: usize| ((i * 7919) % 101) as f64 / 50.0;
    let stopped = |i: usize| (1000..1180).contains(&i);
    // Flow and current read 0 together for 3 h: a stop, not two stuck transmitters.
    let frame = pump_frame(3000, |i| if stopped(i) { 0.0 } else { 120.0 + noise(i) }, |i| if stopped(i) { 0.0 } else { 80.0 + noise(i + 3) });
    let a = assess_pump(&frame, &QualityThresholds::default());
    assert!(!a.findings.iter().any(|f| f.kind == FindingKind::Flatline), "{}", describe(&a.findings));
    let shutdown = a.findings.iter().find(|f| f.kind == FindingKind::Shutdown).unwrap_or_else(|| panic!("{}", describe(&a.findings)));
    assert_eq!(shutdown.count, 180);
    assert_eq!(shutdown.rows, vec![1000]);
    assert_eq!(shutdown.column.as_deref(), Some("FI-101 Flow"));
    // Row 1000 is 2023-11-15 14:53 (the frame starts at 1.7e12 ms).
    assert!(shutdown.message.contains("Flow and motor current are both 0 from 15 Nov 14:53 for 3 h: the pump was stopped"), "{}", shutdown.message);

    // The flow alone frozen at 0 while the motor draws current: a stuck transmitter.
    let frame = pump_frame(3000, |i| if stopped(i) { 0.0 } else { 120.0 + noise(i) }, |i| 80.0 + noise(i + 3));
    let a = assess_pump(&frame, &QualityThresholds::default());
    assert!(!a.findings.iter().any(|f| f.kind == FindingKind::Shutdown), "{}", describe(&a.findings));
    let flat = a.findings.iter().find(|f| f.kind == FindingKind::Flatline).unwrap_or_else(|| panic!("{}", describe(&a.findings)));
    assert_eq!((flat.column.as_deref(), flat.count), (Some("FI-101 Flow"), 180));

    // A running condition the user sets decides instead of the tags.
    let frame = pump_frame(3000, |i| if stopped(i) { 0.0 } else { 120.0 + noise(i) }, |i| 80.0 + noise(i + 3));
    let thresholds = QualityThresholds {
        running_condition: Some(plantlab_protocol::Condition { column: "FI-101 Flow".into(), op: plantlab_protocol::CompareOp::Gt, value: 5.0 }),
        ..QualityThresholds::default()
    };
    let a = assess_pump(&frame, &thresholds);
    let shutdown = a.findings.iter().find(|f| f.kind == FindingKind::Shutdown).unwrap_or_else(|| panic!("{}", describe(&a.findings)));
    assert_eq!(shutdown.count, 180);
    assert!(!a.findings.iter().any(|f| f.kind == FindingKind::Flatline), "{}", describe(&a.findings));
}
