use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_bundle::FluentResource;

use super::*;

/// Each message of a catalogue with the `$variables` its text uses (a malformed line, a
/// continuation before any message or a key defined twice fails the test).
fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    crate::coded::catalogue_variables(source).unwrap_or_else(|problem| panic!("{problem}"))
}

/// The keys the UI's source asks for: every `tr("key")` and `tr_with("key", …)` (rustfmt may
/// put the key on the next line).
fn keys_used_by_the_ui() -> BTreeMap<String, String> {
    // The UI, the desktop shell that words the native file dialogs for it, and this crate's
    // wording of what the UI shares with the command line and the report (a run's status).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut used = BTreeMap::new();
    let mut stack = vec![root.join("ui/src"), root.join("src-tauri/src"), root.join("crates/i18n/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            // Test files (this one among them) name keys as data, not as texts drawn.
            if path.extension().is_none_or(|e| e != "rs") || path.to_string_lossy().ends_with("tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for pattern in ["tr(", "tr_with("] {
                for (index, _) in text.match_indices(pattern) {
                    // `tr(` only as a whole word (not `attr(`).
                    let before = text[..index].chars().next_back();
                    if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        continue;
                    }
                    let Some(rest) = text[index + pattern.len()..].trim_start().strip_prefix('"') else { continue };
                    let key: String = rest.chars().take_while(|c| *c != '"').collect();
                    used.insert(key, path.display().to_string());
                }
            }
        }
    }
    used
}

/// The `cli-…` and `report-…` keys the command line's and the report's source name as string
/// literals, each with a file that uses it, and the prefixes of keys built with `format!`
/// (`"report-severity-{severity}"`).
fn keys_used_by_the_cli_and_report() -> (BTreeMap<String, String>, BTreeSet<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut used = BTreeMap::new();
    let mut prefixes = BTreeSet::new();
    let mut stack = vec![root.join("crates/cli/src"), root.join("crates/report/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for prefix in ["\"cli-", "\"report-"] {
                for (index, _) in text.match_indices(prefix) {
                    let key: String = text[index + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                    match text[index + 1 + key.len()..].chars().next() {
                        Some('"') => drop(used.insert(key, path.display().to_string())),
                        Some('{') => drop(prefixes.insert(key)),
                        _ => {}
                    }
                }
            }
        }
    }
    (used, prefixes)
}

#[test]
fn catalogues_parse_without_errors() {
    for lang in Lang::ALL {
        for source in [lang.source(), lang.cli_source()] {
            if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
                panic!("{} catalogue: {errors:?}", lang.tag());
            }
        }
        // Both files in one bundle, as `Catalog` loads them: a key defined in both is an error.
        let mut bundle = FluentBundle::new(vec![lang.tag().parse::<LanguageIdentifier>().unwrap()]);
        for source in [lang.source(), lang.cli_source()] {
            if let Err(errors) = bundle.add_resource(FluentResource::try_new(source.to_owned()).unwrap()) {
                panic!("{} catalogue: {errors:?}", lang.tag());
            }
        }
    }
}

#[test]
fn every_cli_and_report_key_is_in_both_languages_with_the_same_arguments() {
    let english = messages(CLI_ENGLISH_FTL);
    let chinese = messages(CLI_CHINESE_FTL);
    assert!(english.len() > 150, "the English CLI catalogue has only {} messages", english.len());
    for key in english.keys() {
        assert!(key.starts_with("cli-") || key.starts_with("report-"), "{key}: CLI and report keys start with cli- or report-");
        assert!(key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{key} is not kebab case");
    }
    let only_english: Vec<_> = english.keys().filter(|k| !chinese.contains_key(*k)).collect();
    let only_chinese: Vec<_> = chinese.keys().filter(|k| !english.contains_key(*k)).collect();
    assert!(only_english.is_empty(), "keys missing from zh-CN/cli.ftl: {only_english:?}");
    assert!(only_chinese.is_empty(), "keys missing from en/cli.ftl: {only_chinese:?}");
    for (key, variables) in &english {
        assert_eq!(variables, &chinese[key], "{key}: the two languages use different arguments");
    }
}

#[test]
fn every_key_the_cli_and_report_use_exists_and_every_key_is_used() {
    let english = messages(CLI_ENGLISH_FTL);
    let (used, prefixes) = keys_used_by_the_cli_and_report();
    assert!(used.len() > 150, "found only {} cli-/report- keys in crates/cli and crates/report", used.len());
    let missing: Vec<_> = used.iter().filter(|(key, _)| !english.contains_key(*key)).collect();
    assert!(missing.is_empty(), "keys the CLI or report uses but the catalogues lack: {missing:?}");
    let unused: Vec<_> =
        english.keys().filter(|key| !used.contains_key(*key) && !prefixes.iter().any(|prefix| key.starts_with(prefix.as_str()))).collect();
    assert!(unused.is_empty(), "catalogue keys no CLI or report source uses: {unused:?}");
}

#[test]
fn the_report_and_cli_messages_come_from_the_same_catalogue() {
    let chinese = Catalog::new(Lang::ZhCn);
    assert_eq!(chinese.text("report-data-quality"), "数据质量");
    assert_eq!(chinese.text("pane-data"), "数据");
    assert_eq!(Catalog::new(Lang::En).text("report-data-quality"), "Data quality");
    assert_eq!(chinese.fallback_count(), 0);
}

#[test]
fn every_key_is_in_both_languages_with_the_same_arguments() {
    let english = messages(ENGLISH_FTL);
    let chinese = messages(CHINESE_FTL);
    assert!(english.len() > 100, "the English catalogue has only {} messages", english.len());
    let only_english: Vec<_> = english.keys().filter(|k| !chinese.contains_key(*k)).collect();
    let only_chinese: Vec<_> = chinese.keys().filter(|k| !english.contains_key(*k)).collect();
    assert!(only_english.is_empty(), "keys missing from zh-CN: {only_english:?}");
    assert!(only_chinese.is_empty(), "keys missing from en: {only_chinese:?}");
    for (key, variables) in &english {
        assert_eq!(variables, &chinese[key], "{key}: the two languages use different arguments");
    }
}

#[test]
fn every_key_the_ui_uses_exists_and_every_key_is_used() {
    let english = messages(ENGLISH_FTL);
    let used = keys_used_by_the_ui();
    assert!(used.len() > 100, "found only {} keys in ui/src: is the `tr(\"key\")` pattern still the one the UI uses?", used.len());
    let missing: Vec<_> = used.iter().filter(|(key, _)| !english.contains_key(*key)).collect();
    assert!(missing.is_empty(), "keys the UI uses but the catalogues lack: {missing:?}");
    let unused: Vec<_> = english.keys().filter(|key| !used.contains_key(*key)).collect();
    assert!(unused.is_empty(), "catalogue keys no UI source uses: {unused:?}");
}

#[test]
fn keys_are_kebab_case() {
    for key in messages(ENGLISH_FTL).keys() {
        assert!(key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{key} is not kebab case");
    }
}

#[test]
fn missing_keys_fall_back_to_english_and_are_counted() {
    let catalog = Catalog::new(Lang::ZhCn);
    assert_eq!(catalog.text("app-title"), "PlantLab");
    assert_eq!(catalog.fallback_count(), 0);
    assert_eq!(catalog.text("no-such-key"), "no-such-key");
    assert_eq!(catalog.fallback_count(), 1);
    assert_eq!(catalog.fallback_keys(), vec!["no-such-key".to_owned()]);
    // An argument the message needs but the caller left out counts too, and never panics.
    let english = Catalog::new(Lang::En);
    let text = english.text_with("notice-saved", &[]);
    assert!(!text.is_empty());
    assert_eq!(english.fallback_count(), 1);
}

#[test]
fn arguments_fill_in_and_plurals_follow_the_language() {
    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    let args = [("what", Arg::from("Model")), ("path", Arg::from("/tmp/m.plm"))];
    assert_eq!(english.text_with("notice-saved", &args), "Model saved to /tmp/m.plm.");
    assert!(chinese.text_with("notice-saved", &args).contains("/tmp/m.plm"));
    // No isolation marks around the values: egui would draw them as boxes.
    assert!(!chinese.text_with("notice-saved", &args).contains('\u{2068}'));
    assert_eq!(english.fallback_count() + chinese.fallback_count(), 0);
}

#[test]
fn languages_read_from_tags_and_locales() {
    for (tag, lang) in [
        ("zh-CN", Some(Lang::ZhCn)),
        ("zh_CN.UTF-8", Some(Lang::ZhCn)),
        ("zh", Some(Lang::ZhCn)),
        ("zh-Hans-CN", Some(Lang::ZhCn)),
        ("en-US", Some(Lang::En)),
        ("en_GB.UTF-8", Some(Lang::En)),
        ("EN", Some(Lang::En)),
        ("C", None),
        ("C.UTF-8", None),
        ("de-DE", None),
        ("", None),
    ] {
        assert_eq!(Lang::from_tag(tag), lang, "{tag:?}");
    }
    for lang in Lang::ALL {
        assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
    }
    assert_eq!(Lang::ZhCn.display_name(), "简体中文");
}

#[test]
fn numbers_and_dates_read_the_same_in_both_languages() {
    for lang in Lang::ALL {
        assert_eq!(format_number(1_234_567.891, 2, lang), "1,234,567.89");
        assert_eq!(format_number(-1234.5, 1, lang), "-1,234.5");
        assert_eq!(format_number(999.0, 0, lang), "999");
        assert_eq!(format_number(-0.001, 2, lang), "0.00");
        assert_eq!(format_number(0.5, 3, lang), "0.500");
        assert_eq!(format_date_time(2026, 10, 1, 8, 0, lang), "2026-10-01 08:00");
    }
}
