//! The sentences the engine codes: a finding, a gate check or a suggested step's reason carries
//! a stable key (`finding-<kind>[-<variant>]`, `gate-<check>[-<variant>]`,
//! `suggest-<op>[-<variant>]`) and its values
//! ([`MessageArg`]); every edge words them here, in its catalogue's language, and the engine
//! words its English `message` fields here too, so the two cannot drift.
//!
//! A key this build does not know (a newer engine's) or arguments that do not fill the message
//! (an older engine's finding without any) give the engine's own `message` instead; that
//! counts as a fallback of the catalogue, so tests notice.

use std::collections::{BTreeMap, BTreeSet};

use plantlab_protocol::{
    civil_from_epoch_seconds, format_duration, message_key, Alarm, AlarmSentence, ApiError, Finding, FindingDelta, FindingKind, GateCheck,
    InputWarning, MessageArg, RunEntry, RunStatus, RunSummary, Suggestion,
};

use crate::{
    Arg, Catalog, Lang, CODED_CHINESE_FTL, CODED_ENGLISH_FTL, ERRORS_CHINESE_FTL, ERRORS_ENGLISH_FTL, NORMAL_CHINESE_FTL, NORMAL_ENGLISH_FTL,
};
use crate::{IMPORT_CLEAN_CHINESE_FTL, IMPORT_CLEAN_ENGLISH_FTL};

thread_local! {
    static ENGLISH: Catalog = Catalog::new(Lang::En);
}

/// Runs `f` with this thread's English catalogue (made once per thread: the engine words
/// every finding's English `message` with it).
pub fn with_english<R>(f: impl FnOnce(&Catalog) -> R) -> R {
    ENGLISH.with(f)
}

/// The finding in the catalogue's language, or its `message` where the catalogue cannot word it.
pub fn finding_text(catalog: &Catalog, finding: &Finding) -> String {
    finding_words(catalog, finding.kind, &finding.message_key(), &finding.args).unwrap_or_else(|| finding.message.clone())
}

/// A finding's before/after entry in the catalogue's language, as [`finding_text`].
pub fn finding_delta_text(catalog: &Catalog, delta: &FindingDelta) -> String {
    finding_words(catalog, delta.kind, &delta.message_key(), &delta.args).unwrap_or_else(|| delta.message.clone())
}

/// The finding's examples in the catalogue's language, joined as a list: timestamps as they
/// are, and the engine's "row N" (its place where there is no time axis) as the catalogue's
/// `finding-place-row`.
pub fn finding_examples(catalog: &Catalog, finding: &Finding) -> String {
    let examples: Vec<String> = finding
        .examples
        .iter()
        .enumerate()
        .map(|(index, example)| match finding.rows.get(index) {
            Some(&row) if example.strip_prefix("row ").and_then(|number| number.parse::<u64>().ok()) == Some(row) => {
                let args = BTreeMap::from([("row".to_owned(), MessageArg::from(row))]);
                coded_text(catalog, "finding-place-row", &args).unwrap_or_else(|| example.clone())
            }
            _ => example.clone(),
        })
        .collect();
    examples.join(if catalog.lang() == Lang::ZhCn { "，" } else { ", " })
}

/// The gate check in the catalogue's language, or its `message` where the catalogue cannot word it.
pub fn gate_check_text(catalog: &Catalog, check: &GateCheck) -> String {
    coded_text(catalog, &check.message_key(), &check.args).unwrap_or_else(|| check.message.clone())
}

/// A suggested step's reason in the catalogue's language, or its `reason` where the catalogue
/// cannot word it. The first letter is capitalized: a reason may open with a phrase
/// ("flow is 0 from …").
pub fn suggestion_text(catalog: &Catalog, suggestion: &Suggestion) -> String {
    coded_text(catalog, &suggestion.message_key(), &suggestion.args).map(|text| capitalized(&text)).unwrap_or_else(|| suggestion.reason.clone())
}

/// A training run's stop sentence in the catalogue's language: its coded stop, or its coded
/// failure (the error's sentence); its `message` where it has neither (a failure saved before
/// failures were coded) or the catalogue cannot word it.
pub fn run_stop_text(catalog: &Catalog, summary: &RunSummary) -> String {
    stop_words(catalog, &summary.message_key(), &summary.message_code, &summary.message_args, summary.failure.as_ref())
        .unwrap_or_else(|| summary.message.clone())
}

/// A run's status in the catalogue's language (the Train pane's runs list, the command line's
/// and the report's words).
pub fn run_status_text(catalog: &Catalog, status: RunStatus) -> String {
    let tr = |key: &str| catalog.text(key);
    match status {
        RunStatus::Running => tr("run-status-running"),
        RunStatus::Completed => tr("run-status-completed"),
        RunStatus::Interrupted => tr("run-status-interrupted"),
        RunStatus::Cancelled => tr("run-status-cancelled"),
        RunStatus::Failed => tr("run-status-failed"),
    }
}

/// A runs list entry's stop sentence, as [`run_stop_text`].
pub fn run_entry_stop_text(catalog: &Catalog, entry: &RunEntry) -> String {
    stop_words(catalog, &entry.message_key(), &entry.message_code, &entry.message_args, entry.failure.as_ref())
        .unwrap_or_else(|| entry.message.clone())
}

fn stop_words(catalog: &Catalog, key: &str, code: &str, args: &BTreeMap<String, MessageArg>, failure: Option<&ApiError>) -> Option<String> {
    if code.is_empty() {
        return failure.map(|error| crate::errors::error_text(catalog, error));
    }
    coded_text(catalog, key, args)
}

fn finding_words(catalog: &Catalog, kind: FindingKind, key: &str, args: &BTreeMap<String, MessageArg>) -> Option<String> {
    let text = coded_text(catalog, key, args)?;
    // The shutdown sentence opens with its subject phrase ("flow and speed are both 0 …").
    Some(if kind == FindingKind::Shutdown { capitalized(&text) } else { text })
}

/// The message `key` with `args` written in the catalogue's language; `None` where the key is
/// unknown or the arguments do not fill it.
pub fn coded_text(catalog: &Catalog, key: &str, args: &BTreeMap<String, MessageArg>) -> Option<String> {
    let mut words = Vec::with_capacity(args.len());
    for (name, value) in args {
        words.push((name.as_str(), word(catalog, value)?));
    }
    catalog.try_text_with(key, &words)
}

/// One value as the message takes it: counts stay numbers (they pick plural forms), the rest
/// is written out here.
fn word(catalog: &Catalog, value: &MessageArg) -> Option<Arg> {
    let lang = catalog.lang();
    Some(match value {
        MessageArg::Text(text) => Arg::Text(text.clone()),
        MessageArg::Integer(count) => Arg::Number(*count as f64),
        MessageArg::Number(number) => Arg::Text(format_measure(*number)),
        MessageArg::Share(share) => Arg::Text(format_share(*share)),
        MessageArg::Duration(seconds) => Arg::Text(format_duration(*seconds)),
        MessageArg::Time(millis) => Arg::Text(short_time(*millis, lang)),
        MessageArg::Phrase { code, args } => Arg::Text(coded_text(catalog, &message_key("finding", code, ""), args)?),
        MessageArg::List(items) => Arg::Text(join_list(&texts(catalog, items)?, lang)),
        MessageArg::Clauses(items) => Arg::Text(texts(catalog, items)?.join(if lang == Lang::ZhCn { "；" } else { "; " })),
        MessageArg::Step(step) => Arg::Text(crate::describe_step(catalog, step)?),
    })
}

fn texts(catalog: &Catalog, items: &[MessageArg]) -> Option<Vec<String>> {
    items
        .iter()
        .map(|item| {
            word(catalog, item).map(|arg| match arg {
                Arg::Text(text) => text,
                Arg::Number(number) => format_measure(number),
            })
        })
        .collect()
}

/// `items` as one list in the catalogue's language: "a, b and c"; in Chinese "a、b 和 c".
pub fn list_text(catalog: &Catalog, items: &[String]) -> String {
    join_list(items, catalog.lang())
}

/// "a", "a and b", "a, b and c"; in Chinese "a和b", "a、b和c", with a space between 和 and a
/// Latin letter or digit beside it ("FI-101 Flow 和 SI-101 Speed"), as Chinese text sets them.
fn join_list(items: &[String], lang: Lang) -> String {
    match (lang, items) {
        (_, []) => String::new(),
        (_, [one]) => one.clone(),
        (Lang::En, [init @ .., last]) => format!("{} and {last}", init.join(", ")),
        (Lang::ZhCn, [init @ .., last]) => {
            let head = init.join("、");
            let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            let before = if latin(head.chars().next_back()) { " " } else { "" };
            let after = if latin(last.chars().next()) { " " } else { "" };
            format!("{head}{before}和{after}{last}")
        }
    }
}

/// A measured value or factor: at most four decimals, no trailing zeros; huge or non-finite
/// values in exponent form.
pub fn format_measure(value: f64) -> String {
    if value.is_finite() && value.abs() < 1e15 {
        let fixed = format!("{value:.4}");
        let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
        if trimmed == "-0" {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        }
    } else {
        format!("{value:e}")
    }
}

/// A fraction as a percentage with one decimal (two below 0.1 %, so a rare share is not 0.0%).
pub fn format_share(share: f64) -> String {
    let percent = share * 100.0;
    if percent > 0.0 && percent < 0.1 {
        format!("{percent:.2}%")
    } else {
        format!("{percent:.1}%")
    }
}

/// "5 Oct 02:00" / "10月5日 02:00" for milliseconds since the epoch (wall-clock time).
fn short_time(millis: i64, lang: Lang) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (_, month, day, hour, minute, _) = civil_from_epoch_seconds(millis.div_euclid(1000));
    match lang {
        Lang::En => format!("{day} {} {hour:02}:{minute:02}", MONTHS.get(month.saturating_sub(1)).copied().unwrap_or("?")),
        Lang::ZhCn => format!("{month}月{day}日 {hour:02}:{minute:02}"),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The `$variables` the coded message `key` uses in `lang`'s catalogue, or `None` for a key
/// it lacks: for tests that check a finding gives every argument its sentence names.
pub fn message_variables(lang: Lang, key: &str) -> Option<BTreeSet<String>> {
    coded_messages(lang).remove(key)
}

/// Checks that `args` fill exactly the variables of `key`'s English sentence, and so on through
/// the phrases inside (a phrase's key is `<family>-<code>`); adds every key met to `seen`. For
/// the tests that hold the engine to its catalogue; the error names the key and both sets.
pub fn check_arguments(family: &str, key: &str, args: &BTreeMap<String, MessageArg>, seen: &mut BTreeSet<String>) -> Result<(), String> {
    let variables = message_variables(Lang::En, key).ok_or_else(|| format!("{key} is not in the catalogue"))?;
    let given: BTreeSet<String> = args.keys().cloned().collect();
    if given != variables {
        return Err(format!("{key}: the arguments given {given:?} and the ones its sentence uses {variables:?} differ"));
    }
    seen.insert(key.to_owned());
    args.values().try_for_each(|value| check_argument_value(family, value, seen))
}

fn check_argument_value(family: &str, value: &MessageArg, seen: &mut BTreeSet<String>) -> Result<(), String> {
    match value {
        MessageArg::Phrase { code, args } => check_arguments(family, &message_key(family, code, ""), args, seen),
        MessageArg::List(items) | MessageArg::Clauses(items) => items.iter().try_for_each(|item| check_argument_value(family, item, seen)),
        _ => Ok(()),
    }
}

/// Every coded message of `lang` with its variables.
fn coded_messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let sources = match lang {
        Lang::En => [CODED_ENGLISH_FTL, NORMAL_ENGLISH_FTL, ERRORS_ENGLISH_FTL, IMPORT_CLEAN_ENGLISH_FTL],
        Lang::ZhCn => [CODED_CHINESE_FTL, NORMAL_CHINESE_FTL, ERRORS_CHINESE_FTL, IMPORT_CLEAN_CHINESE_FTL],
    };
    sources.into_iter().flat_map(|source| catalogue_variables(source).unwrap_or_default()).collect()
}

/// Each message of a Fluent catalogue with the `$variables` its text uses. Messages start at
/// column 0 (`key = …`), continuation lines are indented, `#` lines are comments; a line that is
/// neither, a continuation before any message, or a key defined twice is an error.
pub(crate) fn catalogue_variables(source: &str) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut messages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let body = if line.starts_with(char::is_whitespace) {
            line
        } else {
            let (key, rest) = line.split_once('=').ok_or_else(|| format!("not a message line: {line}"))?;
            let key = key.trim().to_owned();
            if messages.insert(key.clone(), BTreeSet::new()).is_some() {
                return Err(format!("key {key} is defined twice"));
            }
            current = Some(key);
            rest
        };
        let key = current.clone().ok_or_else(|| format!("continuation line before any message: {line}"))?;
        let variables = messages.entry(key).or_default();
        for (index, _) in body.match_indices('$') {
            let name: String = body[index + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            variables.insert(name);
        }
    }
    Ok(messages)
}

// The Predict pane's sentences: alarm explanations and input warnings.

/// An alarm's explanation in the catalogue's language, its sentences joined; its
/// `explanation` where the engine gave no sentences (an older engine) or the catalogue cannot
/// word one of them.
pub fn alarm_explanation_text(catalog: &Catalog, alarm: &Alarm) -> String {
    if alarm.explanation_sentences.is_empty() {
        return alarm.explanation.clone();
    }
    let sentences: Option<Vec<String>> =
        alarm.explanation_sentences.iter().map(|sentence| alarm_words(catalog, &sentence.message_key(), &sentence.args)).collect();
    match sentences {
        Some(sentences) => sentences.join(if catalog.lang() == Lang::ZhCn { "" } else { " " }),
        None => alarm.explanation.clone(),
    }
}

/// One sentence of an alarm's explanation in the catalogue's language; `None` where the key is
/// unknown or the arguments do not fill it.
pub fn alarm_sentence_text(catalog: &Catalog, sentence: &AlarmSentence) -> Option<String> {
    alarm_words(catalog, &sentence.message_key(), &sentence.args)
}

/// The input warning in the catalogue's language, or its `message` where the catalogue cannot
/// word it (an older engine's warning without arguments counts as a fallback).
pub fn input_warning_text(catalog: &Catalog, warning: &InputWarning) -> String {
    coded_text(catalog, &warning.message_key(), &warning.args).unwrap_or_else(|| warning.message.clone())
}

/// `coded_text` where a phrase argument names an `alarm-<code>` message (a part of the sentence).
fn alarm_words(catalog: &Catalog, key: &str, args: &BTreeMap<String, MessageArg>) -> Option<String> {
    let mut worded = BTreeMap::new();
    for (name, value) in args {
        let value = match value {
            MessageArg::Phrase { code, args } => MessageArg::Text(alarm_words(catalog, &message_key("alarm", code, ""), args)?),
            other => other.clone(),
        };
        worded.insert(name.clone(), value);
    }
    coded_text(catalog, key, &worded)
}

#[cfg(test)]
mod tests {
    use fluent_bundle::{FluentBundle, FluentResource};
    use plantlab_protocol::{message_args, Severity};
    use unic_langid::LanguageIdentifier;

    use super::*;

    fn finding(kind: FindingKind, variant: &str, args: BTreeMap<String, MessageArg>) -> Finding {
        Finding {
            kind,
            column: Some("TI-101".into()),
            count: 3,
            severity: Severity::Warning,
            examples: Vec::new(),
            rows: Vec::new(),
            message: "the engine's own sentence".into(),
            variant: variant.into(),
            args,
        }
    }

    #[test]
    fn coded_catalogues_have_the_same_keys_and_arguments_and_load_beside_the_others() {
        let english = coded_messages(Lang::En);
        let chinese = coded_messages(Lang::ZhCn);
        assert!(english.len() > 50, "only {} coded messages", english.len());
        assert_eq!(english.keys().collect::<Vec<_>>(), chinese.keys().collect::<Vec<_>>(), "keys differ between en and zh-CN findings.ftl");
        for (key, variables) in &english {
            assert!(
                ["finding-", "gate-", "suggest-", "alarm-", "input-warning-", "stop-", "stage-", "detector-", "evaluated-", "error-", "import-", "task-", "step-"]
                    .iter()
                    .any(|prefix| key.starts_with(prefix)),
                "{key}: coded keys start with finding-, gate-, suggest-, alarm-, input-warning-, stop-, stage-, detector-, evaluated-, error-, import-, task- or step-"
            );
            assert!(key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{key} is not kebab case");
            assert_eq!(variables, &chinese[key], "{key}: the two languages use different arguments");
        }
        for lang in Lang::ALL {
            let mut bundle = FluentBundle::new(vec![lang.tag().parse::<LanguageIdentifier>().unwrap()]);
            for source in
                [lang.source(), lang.cli_source(), lang.coded_source(), lang.normal_source(), lang.errors_source(), lang.import_clean_source()]
            {
                let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", lang.tag()));
                if let Err(errors) = bundle.add_resource(resource) {
                    panic!("{}: a coded key clashes with another catalogue's: {errors:?}", lang.tag());
                }
            }
        }
    }

    #[test]
    fn findings_are_worded_in_the_catalogue_language_with_plurals_and_phrases() {
        let english = Catalog::new(Lang::En);
        let chinese = Catalog::new(Lang::ZhCn);
        let missing = finding(
            FindingKind::Missing,
            "",
            message_args([("column", "TI-101".into()), ("count", 1u64.into()), ("share", MessageArg::Share(0.125))]),
        );
        assert_eq!(finding_text(&english, &missing), "TI-101: 1 cell is empty (12.5% of rows).");
        assert_eq!(finding_text(&chinese, &missing), "TI-101：1 个单元格为空（占行数的 12.5%）。");
        let range = finding(
            FindingKind::OutOfRange,
            "",
            message_args([
                ("column", "vib".into()),
                ("count", 3u64.into()),
                (
                    "parts",
                    MessageArg::Clauses(vec![
                        MessageArg::phrase("out_of_range_sentinels", [("count", 2u64.into()), ("values", "-9999".into())]),
                        MessageArg::phrase(
                            "out_of_range_outside",
                            [
                                ("count", 1u64.into()),
                                (
                                    "range",
                                    MessageArg::phrase("range_configured", [("low", MessageArg::Number(0.0)), ("high", MessageArg::Number(2000.0))]),
                                ),
                            ],
                        ),
                    ]),
                ),
            ]),
        );
        assert_eq!(
            finding_text(&english, &range),
            "vib has 3 implausible values: 2 historian sentinel values (-9999); 1 value outside configured 0 … 2000."
        );
        assert_eq!(finding_text(&chinese, &range), "vib 有 3 个不合理的值：2 个历史库哨兵值（-9999）；1 个值超出设定范围 0 … 2000。");
        let shutdown = finding(
            FindingKind::Shutdown,
            "",
            message_args([
                (
                    "subject",
                    MessageArg::phrase(
                        "shutdown_signals_zero",
                        [
                            ("signals", MessageArg::List(vec![MessageArg::phrase("signal_flow", []), MessageArg::phrase("signal_current", [])])),
                            ("signal-count", 2u64.into()),
                            ("exact", "yes".into()),
                        ],
                    ),
                ),
                (
                    "periods",
                    MessageArg::List(vec![
                        // 2026-11-15 14:53 and three hours.
                        MessageArg::phrase(
                            "shutdown_period",
                            [("start", MessageArg::Time(1_794_754_380_000)), ("duration", MessageArg::Duration(10_800.0))],
                        ),
                        MessageArg::phrase("shutdown_once_more", []),
                    ]),
                ),
                ("machine", "pump".into()),
                ("rows", 180u64.into()),
                ("tags", MessageArg::List(vec!["FI-101".into(), "II-101".into()])),
            ]),
        );
        let text = finding_text(&english, &shutdown);
        assert!(
            text.starts_with(
                "Flow and motor current are both 0 from 15 Nov 14:53 for 3 h and once more: the pump was stopped (180 rows; FI-101 and II-101)."
            ),
            "{text}"
        );
        let text = finding_text(&chinese, &shutdown);
        assert!(text.starts_with("流量和电机电流均为 0：从 11月15日 14:53 起持续 3 h 和另外一次，泵处于停机状态"), "{text}");
        assert_eq!(english.fallback_count() + chinese.fallback_count(), 0, "{:?} {:?}", english.fallback_keys(), chinese.fallback_keys());
    }

    #[test]
    fn unknown_codes_and_findings_without_arguments_show_the_engines_message_and_count() {
        let chinese = Catalog::new(Lang::ZhCn);
        // An older engine's finding: no arguments to fill its sentence.
        assert_eq!(finding_text(&chinese, &finding(FindingKind::Missing, "", BTreeMap::new())), "the engine's own sentence");
        // A newer engine's variant.
        assert_eq!(finding_text(&chinese, &finding(FindingKind::Spike, "from_the_future", BTreeMap::new())), "the engine's own sentence");
        assert_eq!(chinese.fallback_count(), 2);
        let check = GateCheck {
            name: "rows".into(),
            passed: false,
            value: 12.0,
            threshold: 100.0,
            at_least: true,
            message: "12 rows; at least 100 needed.".into(),
            variant: String::new(),
            args: message_args([("value", 12u64.into()), ("threshold", 100u64.into())]),
        };
        assert_eq!(gate_check_text(&Catalog::new(Lang::En), &check), check.message);
        assert_eq!(gate_check_text(&chinese, &check), "12 行；至少需要 100 行。");
    }

    #[test]
    fn row_examples_are_worded_and_timestamps_kept() {
        let mut finding = finding(FindingKind::Spike, "", BTreeMap::new());
        finding.examples = vec!["row 77".into(), "row 9".into()];
        finding.rows = vec![77, 9];
        assert_eq!(finding_examples(&Catalog::new(Lang::ZhCn), &finding), "第 77 行，第 9 行");
        assert_eq!(finding_examples(&Catalog::new(Lang::En), &finding), "row 77, row 9");
        finding.examples = vec!["2024-03-04 00:00:00".into()];
        finding.rows = vec![0];
        assert_eq!(finding_examples(&Catalog::new(Lang::ZhCn), &finding), "2024-03-04 00:00:00");
    }

    #[test]
    fn values_are_written_the_same_way_everywhere() {
        assert_eq!(format_measure(2.50), "2.5");
        assert_eq!(format_measure(-9999.0), "-9999");
        assert_eq!(format_measure(-0.00001), "0");
        assert_eq!(format_measure(1e30), "1e30");
        assert_eq!(format_share(0.0004), "0.04%");
        assert_eq!(format_share(0.5), "50.0%");
        assert_eq!(join_list(&["a".into(), "b".into(), "c".into()], Lang::En), "a, b and c");
        assert_eq!(join_list(&["a".into(), "b".into(), "c".into()], Lang::ZhCn), "a、b 和 c");
        assert_eq!(join_list(&["流量".into(), "转速".into()], Lang::ZhCn), "流量和转速");
        assert_eq!(join_list(&["反应器温度".into(), "FI-101".into()], Lang::ZhCn), "反应器温度和 FI-101");
        assert_eq!(short_time(0, Lang::En), "1 Jan 00:00");
        assert_eq!(short_time(0, Lang::ZhCn), "1月1日 00:00");
        assert_eq!(message_variables(Lang::En, "gate-rows"), Some(["threshold".to_owned(), "value".to_owned()].into()));
        assert_eq!(message_variables(Lang::En, "no-such-key"), None);
    }
}
