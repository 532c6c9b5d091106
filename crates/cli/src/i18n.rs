//! The language of the command line's own messages: chosen once at start (`--lang`, else the
//! locale, else English), then read wherever a message is written. Engine errors are worded
//! here from their codes too; the `--json` keys and codes stay English.

use std::sync::OnceLock;

use plantlab_i18n::{Arg, Catalog, Lang};

static LANGUAGE: OnceLock<Lang> = OnceLock::new();

thread_local! {
    // `Catalog` counts fallbacks in a `Cell`, so each thread that writes messages has its own.
    static CATALOG: Catalog = Catalog::new(language());
}

/// Fixes the language for the rest of the process; later calls change nothing.
pub fn choose_language(lang: Lang) {
    let _ = LANGUAGE.set(lang);
}

/// The chosen language, or the locale's (English when it names none) before one is chosen.
pub fn language() -> Lang {
    *LANGUAGE.get_or_init(|| Lang::from_environment().unwrap_or_default())
}

/// The message `key` in the chosen language.
pub fn tr(key: &str) -> String {
    CATALOG.with(|catalog| catalog.text(key))
}

/// The message `key` with its placeholders filled from `args`.
pub fn tr_with(key: &str, args: &[(&str, Arg)]) -> String {
    CATALOG.with(|catalog| catalog.text_with(key, args))
}

/// A finding in the chosen language, worded from its code and arguments (the engine's
/// English `message` where the catalogue cannot word it).
pub fn finding_text(finding: &plantlab_protocol::Finding) -> String {
    CATALOG.with(|catalog| plantlab_i18n::finding_text(catalog, finding))
}

/// A run's status in the chosen language.
pub fn run_status_text(status: plantlab_protocol::RunStatus) -> String {
    CATALOG.with(|catalog| plantlab_i18n::run_status_text(catalog, status))
}

/// A quality-gate check's name in the chosen language (as the Clean pane's gate grid says it).
pub fn gate_title_text(check: &str) -> String {
    CATALOG.with(|catalog| plantlab_i18n::gate_title_text(catalog, check))
}

/// `items` as one list in the chosen language ("a, b and c"; "a、b 和 c").
pub fn list_text(items: &[String]) -> String {
    CATALOG.with(|catalog| plantlab_i18n::list_text(catalog, items))
}

/// The name of a finding's kind in the chosen language (as the Data pane's badges say it).
pub fn finding_kind_text(kind: plantlab_protocol::FindingKind) -> String {
    CATALOG.with(|catalog| plantlab_i18n::finding_kind_text(catalog, kind.as_str()))
}

/// A finding's examples in the chosen language (row numbers worded, timestamps as they are).
pub fn finding_examples(finding: &plantlab_protocol::Finding) -> String {
    CATALOG.with(|catalog| plantlab_i18n::finding_examples(catalog, finding))
}

/// A training run's stop sentence in the chosen language, or its English message for a failure.
pub fn run_stop_text(summary: &plantlab_protocol::RunSummary) -> String {
    CATALOG.with(|catalog| plantlab_i18n::run_stop_text(catalog, summary))
}

/// A runs list entry's stop sentence in the chosen language, as [`run_stop_text`].
pub fn run_entry_stop_text(entry: &plantlab_protocol::RunEntry) -> String {
    CATALOG.with(|catalog| plantlab_i18n::run_entry_stop_text(catalog, entry))
}

/// A quality-gate check in the chosen language, as [`finding_text`].
pub fn gate_check_text(check: &plantlab_protocol::GateCheck) -> String {
    CATALOG.with(|catalog| plantlab_i18n::gate_check_text(catalog, check))
}

/// An alarm's explanation in the chosen language, worded from its sentences' codes (the
/// engine's English `explanation` where it gave none).
pub fn alarm_explanation_text(alarm: &plantlab_protocol::Alarm) -> String {
    CATALOG.with(|catalog| plantlab_i18n::alarm_explanation_text(catalog, alarm))
}

/// An input warning in the chosen language, as [`finding_text`].
pub fn input_warning_text(warning: &plantlab_protocol::InputWarning) -> String {
    CATALOG.with(|catalog| plantlab_i18n::input_warning_text(catalog, warning))
}

/// A tag's part in a normal-operation model's alarm in the chosen language, worded from its
/// sentence's code (the engine's English `explanation` where it gave none).
pub fn tag_surprise_text(surprise: &plantlab_protocol::TagSurprise) -> String {
    CATALOG.with(|catalog| plantlab_i18n::tag_surprise_text(catalog, surprise))
}

/// How a normal-operation run ended, in the chosen language, as [`finding_text`].
pub fn normal_run_stop_text(summary: &plantlab_protocol::NormalRunSummary) -> String {
    CATALOG.with(|catalog| plantlab_i18n::normal_run_stop_text(catalog, summary))
}

/// A model of normal operation's name in the chosen language ("linear next-step predictor").
pub fn detector_text(detector: plantlab_protocol::NormalDetector) -> String {
    CATALOG.with(|catalog| plantlab_i18n::detector_text(catalog, detector))
}

/// Who scored a normal-operation evaluation's figures, in the chosen language.
pub fn detector_score_name(score: &plantlab_protocol::DetectorScore) -> String {
    CATALOG.with(|catalog| plantlab_i18n::detector_score_name(catalog, score))
}

/// An engine error in the chosen language, worded from its code and arguments (its English
/// `message` where the catalogue cannot word it).
pub fn error_text(error: &plantlab_protocol::ApiError) -> String {
    CATALOG.with(|catalog| plantlab_i18n::error_text(catalog, error))
}

/// The import's warnings in the chosen language, worded from their codes.
pub fn import_warning_texts(warnings: &[String], codes: &[plantlab_protocol::CodedSentence]) -> Vec<String> {
    CATALOG.with(|catalog| plantlab_i18n::import_warning_texts(catalog, warnings, codes))
}

/// A step's outcome in words in the chosen language, from the step itself (its English
/// description where the engine did not send the step).
pub fn step_outcome_text(outcome: &plantlab_protocol::StepOutcome) -> String {
    match &outcome.step {
        Some(step) => CATALOG.with(|catalog| plantlab_i18n::step_text(catalog, step)),
        None => outcome.description.clone(),
    }
}

/// How many terminal columns `text` takes: Chinese characters and full-width forms take two.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// East Asian wide and full-width characters (the ranges terminals draw two columns wide).
fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// `text` followed by spaces up to `width` columns (format's `{:width$}` counts characters,
/// which misaligns Chinese headers and tag names).
pub fn pad_end(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(display_width(text))))
}

/// `text` after spaces up to `width` columns.
pub fn pad_start(text: &str, width: usize) -> String {
    format!("{}{text}", " ".repeat(width.saturating_sub(display_width(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_is_padded_by_the_columns_it_takes() {
        assert_eq!(display_width("name"), 4);
        assert_eq!(display_width("反应器温度"), 10);
        assert_eq!(display_width("缺失"), 4);
        assert_eq!(pad_end("缺失", 6), "缺失  ");
        assert_eq!(pad_start("缺失", 6), "  缺失");
        assert_eq!(pad_end("temperature", 4), "temperature", "never cut");
        assert_eq!(pad_end("°F", 4), "°F  ");
    }
}
