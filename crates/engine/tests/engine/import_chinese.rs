//! Chinese plant exports through the path the app uses (`Workbench::load`): GB18030/GBK bytes
//! with Chinese tag names, a units row with ℃, MPa and m³/h, and Chinese timestamps open with
//! the right names, units, times and values and no setting touched; the encoding overrides
//! (`gbk`, `gb2312`, `big5`), a German Windows-1252 export that must stay Windows-1252, numbers
//! typed in full-width characters, and the bundled `sample-data/reactor-gb18030.csv`.

use std::path::Path;

use plantlab_engine::import::import;
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ColumnKind, DatasetSummary, ImportOverrides};

use crate::common::write;

fn load(path: &Path, overrides: &ImportOverrides) -> DatasetSummary {
    Workbench::new().load(path, overrides, &JobContext::detached()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn names(summary: &DatasetSummary) -> Vec<&str> {
    summary.columns.iter().map(|c| c.name.as_str()).collect()
}

fn unit<'a>(summary: &'a DatasetSummary, column: &str) -> Option<&'a str> {
    summary.columns.iter().find(|c| c.name == column).and_then(|c| c.unit.as_deref())
}

fn floats(path: &Path, overrides: &ImportOverrides, column: &str) -> Vec<Option<f64>> {
    let imported = import(path, overrides, &JobContext::detached()).unwrap();
    let cast = imported.frame.column(column).unwrap().cast(&polars::prelude::DataType::Float64).unwrap();
    cast.f64().unwrap().iter().collect()
}

/// Milliseconds since the epoch of the timestamp column, row by row.
fn times(path: &Path, overrides: &ImportOverrides, column: &str) -> Vec<Option<i64>> {
    let imported = import(path, overrides, &JobContext::detached()).unwrap();
    let cast = imported.frame.column(column).unwrap().cast(&polars::prelude::DataType::Int64).unwrap();
    cast.i64().unwrap().iter().collect()
}

/// 2026-10-01 00:00:00 UTC.
const OCT_1_2026: i64 = 1_790_812_800_000;

/// A DCS export as Chinese Windows saves it: GB18030 bytes, CRLF, names and a units row.
fn reactor_export(timestamps: &[&str]) -> Vec<u8> {
    let mut text = String::from("时间,反应器温度,反应器压力,进料流量,故障\r\n,℃,MPa,m³/h,\r\n");
    for (i, t) in timestamps.iter().enumerate() {
        text.push_str(&format!("{t},{:.1},{:.3},{:.2},{}\r\n", 185.0 + i as f64 * 0.5, 2.45 + i as f64 * 0.01, 12.5, u8::from(i == 2)));
    }
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn a_gb18030_export_opens_with_chinese_names_units_and_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        write(dir.path(), "reactor.csv", reactor_export(&["2026年10月1日 0:00", "2026年10月1日 0:01", "2026年10月1日 0:02", "2026年10月1日 0:03"]));
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!(names(&summary), ["时间", "反应器温度", "反应器压力", "进料流量", "故障"]);
    assert_eq!(summary.import.encoding, "gb18030");
    let confidence = summary.import.encoding_confidence.expect("a sniffed encoding has a confidence");
    assert!(confidence >= 0.8, "confidence {confidence}");
    assert!(!summary.warnings.iter().any(|w| w.contains("low confidence")), "{:?}", summary.warnings);
    assert_eq!(summary.import.header_rows, 2);
    assert_eq!((unit(&summary, "反应器温度"), unit(&summary, "反应器压力"), unit(&summary, "进料流量")), (Some("℃"), Some("MPa"), Some("m³/h")));
    assert_eq!(summary.timestamp_column.as_deref(), Some("时间"));
    assert_eq!(summary.import.timestamp_format.as_deref(), Some("%Y年%m月%d日 %H:%M:%S"));
    assert_eq!(summary.rows, 4);
    let overrides = ImportOverrides::default();
    assert_eq!(times(&path, &overrides, "时间"), (0..4).map(|m| Some(OCT_1_2026 + m * 60_000)).collect::<Vec<_>>());
    assert_eq!(floats(&path, &overrides, "反应器温度"), [Some(185.0), Some(185.5), Some(186.0), Some(186.5)]);
    assert_eq!(floats(&path, &overrides, "故障"), [Some(0.0), Some(0.0), Some(1.0), Some(0.0)]);
    for column in ["反应器温度", "反应器压力", "进料流量", "故障"] {
        assert_eq!(summary.columns.iter().find(|c| c.name == column).unwrap().kind, ColumnKind::Numeric, "{column}");
    }
}

#[test]
fn every_chinese_timestamp_spelling_is_a_time_axis() {
    let dir = tempfile::tempdir().unwrap();
    let spellings: [[&str; 3]; 4] = [
        ["2026/10/01 00:00:00", "2026/10/01 00:01:00", "2026/10/01 00:02:00"],
        ["2026-10-01 00:00", "2026-10-01 00:01", "2026-10-01 00:02"],
        ["2026年10月1日 0:00", "2026年10月1日 0:01", "2026年10月1日 0:02"],
        ["2026年10月01日 00时00分00秒", "2026年10月01日 00时01分00秒", "2026年10月01日 00时02分00秒"],
    ];
    for (i, cells) in spellings.iter().enumerate() {
        let path = write(dir.path(), &format!("t{i}.csv"), reactor_export(cells));
        let summary = load(&path, &ImportOverrides::default());
        assert_eq!(summary.timestamp_column.as_deref(), Some("时间"), "{cells:?}");
        let expected: Vec<Option<i64>> = (0..3).map(|m| Some(OCT_1_2026 + m * 60_000)).collect();
        assert_eq!(times(&path, &ImportOverrides::default(), "时间"), expected, "{cells:?}");
    }
}

#[test]
fn gbk_and_gb2312_overrides_read_the_export_as_gb18030() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "reactor.csv", reactor_export(&["2026/10/01 00:00:00", "2026/10/01 00:01:00", "2026/10/01 00:02:00"]));
    for name in ["gbk", "GBK", "gb2312", "GB18030"] {
        let overrides = ImportOverrides { encoding: Some(name.into()), ..Default::default() };
        let summary = load(&path, &overrides);
        assert_eq!(names(&summary), ["时间", "反应器温度", "反应器压力", "进料流量", "故障"], "{name}");
        assert_eq!(summary.import.encoding, "gb18030", "{name}");
        assert_eq!(summary.import.encoding_confidence, None, "{name}: the user set it");
        assert_eq!(unit(&summary, "反应器温度"), Some("℃"), "{name}");
    }
    // An encoding the importer does not know is refused, naming the ones it does.
    let overrides = ImportOverrides { encoding: Some("koi8-r".into()), ..Default::default() };
    let message = Workbench::new().load(&path, &overrides, &JobContext::detached()).expect_err("refused").to_string();
    for name in ["gb18030", "gbk", "big5", "shift_jis", "windows-1252"] {
        assert!(message.contains(name), "{message}");
    }
}

#[test]
fn a_recipe_replays_a_gb18030_export_with_its_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "reactor.csv", reactor_export(&["2026/10/01 00:00:00", "2026/10/01 00:01:00", "2026/10/01 00:02:00"]));
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let replay = plantlab_engine::clean::recipe::overrides_for(&imported.settings);
    assert_eq!(replay.encoding.as_deref(), Some("gb18030"));
    let again = import(&path, &replay, &JobContext::detached()).unwrap();
    assert_eq!(again.frame.get_column_names(), imported.frame.get_column_names());
    assert_eq!((again.settings.encoding.as_str(), again.settings.encoding_confidence), ("gb18030", None));
}

#[test]
fn a_guess_on_little_evidence_warns_how_to_override_it() {
    let dir = tempfile::tempdir().unwrap();
    // Two bytes: the hanzi 你 in GB18030, `Äã` in Windows-1252.
    let path = write(dir.path(), "short.csv", b"tag,value\r\n\xC4\xE3,1\r\n");
    let summary = load(&path, &ImportOverrides::default());
    let confidence = summary.import.encoding_confidence.expect("sniffed");
    assert!(confidence < 0.6, "{confidence}");
    let warning = summary.warnings.iter().find(|w| w.contains("low confidence")).expect("a warning");
    assert!(warning.contains(&summary.import.encoding) && warning.contains("--encoding") && warning.contains("windows-1252"), "{warning}");
}

#[test]
fn a_big5_export_opens_with_traditional_names() {
    let dir = tempfile::tempdir().unwrap();
    let text = "時間,反應器溫度,進料流量,冷卻水流量\r\n,℃,m3/h,t/h\r\n2026/10/01 00:00:00,185.0,12.5,38.0\r\n2026/10/01 00:01:00,185.2,12.6,37.9\r\n";
    let (bytes, _, unmappable) = encoding_rs::BIG5.encode(text);
    assert!(!unmappable);
    let path = write(dir.path(), "big5.csv", bytes);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!(summary.import.encoding, "big5");
    assert_eq!(names(&summary), ["時間", "反應器溫度", "進料流量", "冷卻水流量"]);
    assert_eq!(unit(&summary, "反應器溫度"), Some("℃"));
    let forced = load(&path, &ImportOverrides { encoding: Some("Big5".into()), ..Default::default() });
    assert_eq!(names(&forced), names(&summary));
}

#[test]
fn a_german_windows_1252_export_stays_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Zeit;Temperatur;Druck ü;Durchfluß\r\n;°C;bar;m³/h\r\n01.10.2026 00:00:00;85,5;2,5;12,5\r\n01.10.2026 00:01:00;85,7;2,5;12,4\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let path = write(dir.path(), "de.csv", bytes);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!(summary.import.encoding, "windows-1252");
    assert!(summary.import.encoding_confidence.is_some_and(|c| c >= 0.6), "{:?}", summary.import.encoding_confidence);
    assert_eq!(names(&summary), ["Zeit", "Temperatur", "Druck ü", "Durchfluß"]);
    assert_eq!((unit(&summary, "Temperatur"), unit(&summary, "Durchfluß")), (Some("°C"), Some("m³/h")));
    assert_eq!(floats(&path, &ImportOverrides::default(), "Temperatur"), [Some(85.5), Some(85.7)]);
}

#[test]
fn numbers_typed_in_full_width_characters_are_read_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = "时间,温度,累计流量,备注\r\n2026/10/01 00:00:00,１２．５,\"1，234.5\",１号泵\r\n2026/10/01 00:01:00,－３,\"2，000\",２号泵\r\n\
                2026/10/01 00:02:00,13,\"1，5\",１号泵\r\n";
    let path = write(dir.path(), "wide.csv", encoding_rs::GB18030.encode(text).0);
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let temperature: Vec<Option<f64>> =
        imported.frame.column("温度").unwrap().cast(&polars::prelude::DataType::Float64).unwrap().f64().unwrap().iter().collect();
    assert_eq!(temperature, [Some(12.5), Some(-3.0), Some(13.0)]);
    assert!(imported.warnings.iter().any(|w| w.contains("\"温度\"") && w.contains("１２．５")), "{:?}", imported.warnings);
    // `1，5` is no number with a thousands comma: the column stays text and is named, with what to do.
    let unread = imported.warnings.iter().find(|w| w.contains("\"累计流量\"") && w.contains("could not be read")).expect("named");
    assert!(unread.contains("1，5") && unread.contains("ASCII digits"), "{unread}");
    // Words that start with a full-width digit are text, not unread numbers.
    assert!(!imported.warnings.iter().any(|w| w.contains("\"备注\"")), "{:?}", imported.warnings);
}

#[test]
fn a_full_width_number_far_down_a_numeric_column_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // Past the rows the column type is inferred from: read as text there, a parse error.
    let mut text = String::from("时间,温度\r\n");
    for i in 0..12_000 {
        text.push_str(&format!("2026/10/01 {:02}:{:02}:00,{}.5\r\n", i / 60 % 24, i % 60, 20 + i % 7));
    }
    text.push_str("2026/10/02 00:00:00,１２．５\r\n");
    let path = write(dir.path(), "late.csv", encoding_rs::GB18030.encode(&text).0);
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let temperature = imported.frame.column("温度").unwrap().f64().unwrap().clone();
    assert_eq!((temperature.len(), temperature.get(12_000)), (12_001, Some(12.5)));
    assert!(imported.warnings.iter().any(|w| w.contains("\"温度\": 1 number(s)")), "{:?}", imported.warnings);
}

#[test]
fn full_width_units_are_stored_in_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let text = "时间,压力,阀位,温度\r\n,ＭＰａ,％,℃\r\n2026/10/01 00:00:00,2.45,50,185\r\n2026/10/01 00:01:00,2.46,51,186\r\n";
    let path = write(dir.path(), "units.csv", encoding_rs::GB18030.encode(text).0);
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!((unit(&summary, "压力"), unit(&summary, "阀位"), unit(&summary, "温度")), (Some("MPa"), Some("%"), Some("℃")));
}

#[test]
fn the_bundled_gb18030_reactor_sample_opens_right() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data/reactor-gb18030.csv");
    let summary = load(&path, &ImportOverrides::default());
    assert_eq!(names(&summary), ["时间", "反应器温度", "反应器压力", "进料流量", "冷却水流量", "故障"]);
    assert_eq!(summary.import.encoding, "gb18030");
    assert!(summary.import.encoding_confidence.is_some_and(|c| c >= 0.8));
    assert_eq!(summary.rows, 360);
    assert_eq!(summary.timestamp_column.as_deref(), Some("时间"));
    let units: Vec<Option<&str>> = ["反应器温度", "反应器压力", "进料流量", "冷却水流量"].iter().map(|c| unit(&summary, c)).collect();
    assert_eq!(units, [Some("℃"), Some("MPa"), Some("m³/h"), Some("t/h")]);
    let fault = floats(&path, &ImportOverrides::default(), "故障");
    assert_eq!(fault.iter().filter(|v| **v == Some(1.0)).count(), 30);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
}

/// What reading a Chinese export costs: the same table (about 100 MB; `PLANTLAB_TIMING_ROWS`
/// sets the rows) as GB18030 and as UTF-8, the encoding sniff, the decoding of the GB18030
/// bytes and the search for full-width numbers alone, and the import of each file (best of 3).
#[test]
#[ignore = "a timing run on large generated files"]
fn time_gb18030_import_next_to_utf8() {
    let rows: usize = std::env::var("PLANTLAB_TIMING_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_200_000);
    let runs = 3;
    let mut text = String::from("时间,反应器温度,反应器压力,进料流量,冷却水流量,故障\r\n,℃,MPa,m³/h,t/h,\r\n");
    for i in 0..rows {
        let (day, minute) = (i / 1440, i % 1440);
        text.push_str(&format!(
            "2026/{:02}/{:02} {:02}:{:02}:00,{:.1},{:.3},{:.2},{:.1},{}\r\n",
            10 + day / 28,
            1 + day % 28,
            minute / 60,
            minute % 60,
            185.0 + (i % 97) as f64 * 0.1,
            2.45 + (i % 31) as f64 * 0.001,
            12.5 + (i % 13) as f64 * 0.01,
            38.0 - (i % 7) as f64 * 0.1,
            u8::from(i % 1000 == 0)
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let gb_bytes = encoding_rs::GB18030.encode(&text).0.into_owned();
    let gb = write(dir.path(), "reactor-gb18030.csv", &gb_bytes);
    let utf8 = write(dir.path(), "reactor-utf8.csv", text.as_bytes());
    let best = |f: &mut dyn FnMut()| {
        (0..runs)
            .map(|_| {
                let start = std::time::Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let sniff = best(&mut || assert_eq!(plantlab_sniff::guess_encoding(&gb_bytes).name, "gb18030"));
    let decode = best(&mut || assert!(plantlab_sniff::decode(&gb_bytes, None).unwrap().text.len() > gb_bytes.len()));
    let narrow = best(&mut || assert!(plantlab_sniff::fullwidth::narrow_delimited(&text, ',', '.').is_none()));
    let mb = gb_bytes.len() as f64 / 1e6;
    eprintln!(
        "{rows} rows, GB18030 {mb:.1} MB: encoding sniff {sniff:.4} s, decoding {decode:.3} s ({:.0} MB/s), full-width number search {narrow:.3} s",
        mb / decode
    );
    for (name, path) in [("GB18030", &gb), ("UTF-8", &utf8)] {
        let mut shape = (0, 0);
        let seconds = best(&mut || shape = import(path, &ImportOverrides::default(), &JobContext::detached()).unwrap().frame.shape());
        let mb = std::fs::metadata(path).unwrap().len() as f64 / 1e6;
        eprintln!("{rows} rows, {name} {mb:.1} MB: import best of {runs}: {seconds:.3} s ({:.0} MB/s)", mb / seconds);
        assert_eq!(shape, (rows, 6));
    }
}

#[test]
fn chinese_text_first_met_past_the_sniffed_head_is_read_as_gb18030() {
    let dir = tempfile::tempdir().unwrap();
    // An ASCII export whose operator notes turn Chinese only after 1.2 MB: the head sniffs as
    // UTF-8, the streaming reader meets the GB18030 bytes.
    let mut text = String::from("time,flow,note\n");
    let mut i = 0;
    while text.len() < 1_200_000 {
        text.push_str(&format!("2026-03-01 {:02}:{:02}:00,{}.5,ok\n", i / 60 % 24, i % 60, i % 50));
        i += 1;
    }
    let ascii_rows = i;
    text.push_str("2026-03-02 00:00:00,1.5,泵跳车\n2026-03-02 00:01:00,2.5,ok\n");
    let path = write(dir.path(), "late-notes.csv", encoding_rs::GB18030.encode(&text).0);
    let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let notes = imported.frame.column("note").unwrap().str().unwrap().clone();
    assert_eq!(notes.get(ascii_rows), Some("泵跳车"));
    assert_eq!(notes.get(ascii_rows + 1), Some("ok"));
    let flow = imported.frame.column("flow").unwrap().f64().unwrap().clone();
    assert_eq!(flow.get(ascii_rows + 1), Some(2.5));
    assert!(imported.warnings.iter().any(|w| w.contains("gb18030")), "{:?}", imported.warnings);
    assert!(!imported.warnings.iter().any(|w| w.contains("Windows-1252")), "{:?}", imported.warnings);
}
