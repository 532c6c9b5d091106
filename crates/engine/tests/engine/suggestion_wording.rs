//! Every suggested step's reason is coded: its key is in the catalogue, its arguments are
//! exactly the ones the key's sentence (and each phrase inside it) names, its English `reason`
//! is the catalogue's English, and it reads in Chinese without falling back to English.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use plantlab_engine::generate::{messy_series, pump_station_month, MessyOptions, LABEL_COLUMN, TIMESTAMP_COLUMN};
use plantlab_engine::{JobContext, Workbench};
use plantlab_i18n::{check_arguments, suggestion_text, Catalog, Lang};
use plantlab_protocol::{CleanAction, ImportOverrides, MessageArg, Suggestion};

/// The suggestions for the export in `bytes`, with `label` as the label column.
fn suggestions_for(dir: &Path, name: &str, bytes: &[u8], label: Option<&str>) -> Vec<Suggestion> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let bench = Workbench::new();
    bench.load(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let state = bench.clean(CleanAction::SetLabel { column: label.map(str::to_owned) }, &JobContext::detached()).unwrap();
    assert!(!state.suggestions.is_empty(), "{name}: no suggestions");
    state.suggestions
}

/// The CSV without its first column (the time axis): places become row numbers.
fn without_time(bytes: &[u8], time_column: &str) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let separator = text.strip_prefix(time_column).and_then(|rest| rest.chars().next()).expect("the time is the first column");
    text.lines().map(|line| line.split_once(separator).map_or("", |(_, rest)| rest).to_owned() + "\n").collect::<String>().into_bytes()
}

fn assert_fills(key: &str, args: &BTreeMap<String, MessageArg>, seen: &mut BTreeSet<String>) {
    if let Err(problem) = check_arguments("finding", key, args, seen) {
        panic!("{problem}");
    }
}

#[test]
fn every_suggestion_fills_the_arguments_its_reason_uses_and_reads_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let (messy, _) = messy_series(&MessyOptions { seed: 42, ..MessyOptions::default() });
    let (pumps, _) = pump_station_month(17);
    let pump_label = plantlab_engine::generate::pump_station::LABEL;
    let mut suggestions = suggestions_for(dir.path(), "messy.csv", &messy, Some(LABEL_COLUMN));
    suggestions.extend(suggestions_for(dir.path(), "messy_unlabelled.csv", &messy, None));
    suggestions.extend(suggestions_for(dir.path(), "messy_rows.csv", &without_time(&messy, TIMESTAMP_COLUMN), Some(LABEL_COLUMN)));
    suggestions.extend(suggestions_for(dir.path(), "pumps.csv", &pumps, Some(pump_label)));
    suggestions.extend(suggestions_for(dir.path(), "pumps_rows.csv", &without_time(&pumps, "Timestamp"), Some(pump_label)));

    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    let mut seen = BTreeSet::new();
    for suggestion in &suggestions {
        assert_fills(&suggestion.message_key(), &suggestion.args, &mut seen);
        assert!(!suggestion.reason.is_empty(), "{suggestion:?}");
        assert_eq!(suggestion.reason, suggestion_text(&english, suggestion), "the English reason is the catalogue's");
        assert!(suggestion.reason.starts_with(|c: char| !c.is_lowercase()), "{}", suggestion.reason);
        let chinese_text = suggestion_text(&chinese, suggestion);
        assert_ne!(chinese_text, suggestion.reason);
        assert!(chinese_text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{chinese_text}");
    }
    assert_eq!(english.fallback_count() + chinese.fallback_count(), 0, "{:?} {:?}", english.fallback_keys(), chinese.fallback_keys());
    // Every reason but keeping the first of repeated timestamps (a float label's) is met here.
    for key in [
        "suggest-sort-by-time",
        "suggest-drop-duplicate-rows",
        "suggest-resolve-duplicate-timestamps",
        "suggest-exclude-periods",
        "suggest-exclude-periods-no-margin",
        "suggest-resample",
        "suggest-resample-label",
        "suggest-drop-constant",
        "suggest-drop-identifier",
        "suggest-outliers-hampel",
        "suggest-outliers-range",
        "suggest-flatline-to-null",
        "suggest-convert-unit",
        "suggest-convert-unit-segment",
        "suggest-weight-classes",
        "suggest-fill",
        "suggest-fill-samples",
        "finding-shutdown-story",
        "finding-gap",
    ] {
        assert!(seen.contains(key), "no suggestion used {key}; seen: {seen:?}");
    }
    let stop = suggestions.iter().find(|s| s.message_key() == "suggest-exclude-periods").unwrap();
    assert!(stop.reason.starts_with("Flow"), "{}", stop.reason);
    assert!(stop.reason.contains(": the pump was stopped. Its readings then are an operating state"), "{}", stop.reason);
    assert!(suggestion_text(&chinese, stop).contains("泵处于停机状态。"), "{}", suggestion_text(&chinese, stop));
}
