//! Import warnings are coded: `import-<code>` with arguments that fill exactly the sentence's
//! variables, one code per English warning in the same order; the English is the catalogue's,
//! and every warning reads in Chinese without falling back. Collected from exports that give
//! each warning the engine itself writes (the decoder's own are covered by the import module's
//! unit test). A task's start label is coded the same way (`task-<code>`).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use plantlab_engine::{JobContext, Workbench};
use plantlab_i18n::{check_arguments, coded_text, import_warning_texts, Catalog, Lang};
use plantlab_protocol::{DatasetSummary, ImportOverrides, TaskEvent};

use crate::common::write;

fn load(path: &Path, overrides: &ImportOverrides) -> DatasetSummary {
    Workbench::new().load(path, overrides, &JobContext::detached()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Exports that between them give every warning the engine writes, with the code each gives.
fn exports(dir: &Path) -> Vec<(&'static str, DatasetSummary)> {
    let mut found = Vec::new();
    let plain = ImportOverrides::default();

    let path = write(dir, "names.csv", "a,a,note\n1,2,8\" pipe\n3,4,x\" y\n5,6,z\n");
    found.push(("duplicate_name", load(&path, &plain)));
    found.push(("lone_quotes", load(&path, &plain)));

    let path = write(dir, "surplus.csv", "a,b,c,d\n1,2\n3,4\n5,6\n");
    found.push(("surplus_names", load(&path, &plain)));

    let rows: String = (0..40).map(|i| format!("{i} {} {} {}\n", i * 2, i * 3, i * 4)).collect();
    let path = write(dir, "spaced.dat", rows);
    found.push(("one_column", load(&path, &ImportOverrides { delimiter: Some(';'), header_rows: Some(0), ..ImportOverrides::default() })));

    let text =
        "时间,温度,累计流量\r\n2026/10/01 00:00:00,１２．５,\"1，5\"\r\n2026/10/01 00:01:00,－３,\"2，5\"\r\n2026/10/01 00:02:00,13,\"1，5\"\r\n";
    let path = write(dir, "wide.csv", encoding_rs::GB18030.encode(text).0);
    found.push(("narrowed_numbers", load(&path, &plain)));
    found.push(("unread_wide_numbers", load(&path, &plain)));

    let mut text = String::new();
    for variable in 0..8 {
        let samples: Vec<String> = (0..40).map(|sample| format!("{:.3}", 1.0 + variable as f64 + sample as f64 * 0.01)).collect();
        text.push_str(&samples.join(","));
        text.push('\n');
    }
    let path = write(dir, "d00.csv", text);
    found.push(("transposed", load(&path, &plain)));

    let mut text = String::from("time,flow\n");
    for i in 0..60 {
        let value = if i % 20 == 7 { "Calib".to_owned() } else { format!("{}.5", 10 + i % 5) };
        text.push_str(&format!("2026-03-01 {:02}:{:02}:00,{value}\n", i / 60, i % 60));
    }
    let path = write(dir, "status.csv", text);
    found.push(("unlisted_status_texts", load(&path, &plain)));

    let path = write(dir, "pump.csv", plantlab_engine::generate::pump_station_month(7).0);
    found.push(("dst_repeat", load(&path, &plain)));

    // Past the first megabyte (the part sniffed whole), so the streaming reader meets them.
    let mut text = String::from("time,value,note\n");
    let mut i = 0;
    while text.len() < 1_200_000 {
        text.push_str(&format!("2026-03-01 00:00:{:02},{i}.5,ok\n", i % 60));
        i += 1;
    }
    let mut bytes = text.clone().into_bytes();
    bytes.extend_from_slice(b"2026-03-01 00:01:00,1.5,caf\xe9\n");
    let path = write(dir, "latin.csv", &bytes);
    found.push(("windows_1252_parts", load(&path, &plain)));
    let mut bytes = text.clone().into_bytes();
    bytes.extend_from_slice(&encoding_rs::GB18030.encode("2026-03-01 00:01:00,1.5,泵跳车\n").0);
    let path = write(dir, "late-gb18030.csv", &bytes);
    found.push(("legacy_parts", load(&path, &plain)));
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice("2026-03-01 00:01:00,1.5,温".as_bytes());
    bytes.truncate(bytes.len() - 1);
    let path = write(dir, "cut.csv", &bytes);
    found.push(("truncated_character", load(&path, &plain)));
    found
}

#[test]
fn every_import_warning_is_coded_fills_its_sentence_and_reads_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let chinese = Catalog::new(Lang::ZhCn);
    let mut seen = BTreeSet::new();
    for (code, summary) in exports(dir.path()) {
        assert_eq!(summary.warning_codes.len(), summary.warnings.len(), "{code}: one code per warning: {:?}", summary.warnings);
        let index = summary.warning_codes.iter().position(|w| w.code == code).unwrap_or_else(|| panic!("no {code} in {:?}", summary.warnings));
        for (warning, english) in summary.warning_codes.iter().zip(&summary.warnings) {
            let key = warning.message_key("import");
            check_arguments("import", &key, &warning.args, &mut seen).unwrap();
            let from_catalogue = plantlab_i18n::with_english(|catalog| coded_text(catalog, &key, &warning.args));
            assert_eq!(from_catalogue.as_ref(), Some(english), "{key}: the English warning is the catalogue's");
        }
        let worded = import_warning_texts(&chinese, &summary.warnings, &summary.warning_codes);
        assert!(worded[index].chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{code}: {}", worded[index]);
        assert_ne!(worded[index], summary.warnings[index], "{code} reads in Chinese");
    }
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    let engine_codes = [
        "duplicate_name",
        "lone_quotes",
        "surplus_names",
        "one_column",
        "narrowed_numbers",
        "unread_wide_numbers",
        "transposed",
        "unlisted_status_texts",
        "dst_repeat",
        "windows_1252_parts",
        "legacy_parts",
        "truncated_character",
    ];
    let expected: BTreeSet<String> = engine_codes.iter().map(|code| plantlab_protocol::message_key("import", code, "")).collect();
    assert!(seen.is_superset(&expected), "not seen: {:?}", expected.difference(&seen).collect::<Vec<_>>());
}

#[test]
fn the_pump_station_dst_repeat_reads_in_chinese_and_keeps_its_english() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "pump.csv", plantlab_engine::generate::pump_station_month(7).0);
    let summary = load(&path, &ImportOverrides::default());
    let index = summary.warning_codes.iter().position(|w| w.code == "dst_repeat").expect("a DST repeat");
    assert!(summary.warnings[index].starts_with("Local times repeat at row "), "{}", summary.warnings[index]);
    assert!(summary.warnings[index].contains("a daylight-saving fall-back"), "{}", summary.warnings[index]);
    let chinese = Catalog::new(Lang::ZhCn);
    let worded = import_warning_texts(&chinese, &summary.warnings, &summary.warning_codes);
    assert!(worded[index].starts_with("本地时间在第 ") && worded[index].contains("夏令时"), "{}", worded[index]);
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
}

#[test]
fn a_load_task_starts_with_a_coded_label_that_reads_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "泵站.csv", "time,flow\n2026-03-01 00:00:00,1.5\n2026-03-01 00:01:00,2.5\n");
    let workbench = Workbench::new();
    let (tx, rx) = sync_channel(4096);
    workbench.start_load(path, ImportOverrides::default(), move |e| tx.send(e).unwrap()).unwrap();
    let events: Vec<TaskEvent> = rx.iter().collect();
    let Some(TaskEvent::Started { label, label_code, label_args, .. }) = events.first() else { panic!("{events:?}") };
    assert_eq!((label.as_str(), label_code.as_str()), ("Loading 泵站.csv", "loading"));
    let chinese = Catalog::new(Lang::ZhCn);
    assert_eq!(plantlab_i18n::task_label_text(&chinese, label, label_code, label_args), "正在加载 泵站.csv");
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
}
