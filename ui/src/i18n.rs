//! The UI's words: every user-visible text goes through [`tr`] or [`tr_with`] with a key of
//! the catalogues in `crates/i18n` (`pane-element`, kebab case). The catalogue test finds the
//! keys by those two call patterns, so keep the key a string literal at the call.
//!
//! The current language is kept per thread: the UI draws on one thread, and the kittests,
//! which run in parallel threads, each get their own.

use std::cell::RefCell;

use plantlab_i18n::Catalog;
pub use plantlab_i18n::{Arg, Lang, CHINESE_FTL};

thread_local! {
    static CATALOG: RefCell<Catalog> = RefCell::new(Catalog::new(Lang::En));
}

/// Makes `lang` the language of this thread's UI; cheap when it already is.
pub fn set_language(lang: Lang) {
    CATALOG.with(|catalog| {
        if catalog.borrow().lang() != lang {
            *catalog.borrow_mut() = Catalog::new(lang);
        }
    });
}

/// The language this thread's UI draws in.
pub fn language() -> Lang {
    CATALOG.with(|catalog| catalog.borrow().lang())
}

/// The text of `key` in the current language.
pub fn tr(key: &str) -> String {
    CATALOG.with(|catalog| catalog.borrow().text(key))
}

/// The text of `key` with its `{ $name }` placeholders filled in.
pub fn tr_with(key: &str, args: &[(&str, Arg)]) -> String {
    CATALOG.with(|catalog| catalog.borrow().text_with(key, args))
}

/// An error in the current language, worded from its code and arguments (its English
/// `message` where the catalogue cannot word it).
pub fn error_text(error: &plantlab_protocol::ApiError) -> String {
    CATALOG.with(|catalog| plantlab_i18n::error_text(&catalog.borrow(), error))
}

/// A finding in the current language, worded from its code and arguments (its English
/// `message` where the catalogue cannot word it).
pub fn finding_text(finding: &plantlab_protocol::Finding) -> String {
    CATALOG.with(|catalog| plantlab_i18n::finding_text(&catalog.borrow(), finding))
}

/// A finding's examples in the current language (row numbers worded, timestamps as they are).
pub fn finding_examples(finding: &plantlab_protocol::Finding) -> String {
    CATALOG.with(|catalog| plantlab_i18n::finding_examples(&catalog.borrow(), finding))
}

/// A previewed step's finding in the current language, as [`finding_text`].
pub fn finding_delta_text(delta: &plantlab_protocol::FindingDelta) -> String {
    CATALOG.with(|catalog| plantlab_i18n::finding_delta_text(&catalog.borrow(), delta))
}

/// A suggested step's reason in the current language, as [`finding_text`].
pub fn suggestion_text(suggestion: &plantlab_protocol::Suggestion) -> String {
    CATALOG.with(|catalog| plantlab_i18n::suggestion_text(&catalog.borrow(), suggestion))
}

/// A training run's stop sentence in the current language, as [`finding_text`].
pub fn run_stop_text(summary: &plantlab_protocol::RunSummary) -> String {
    CATALOG.with(|catalog| plantlab_i18n::run_stop_text(&catalog.borrow(), summary))
}

/// A runs list entry's stop sentence in the current language, as [`finding_text`].
pub fn run_entry_stop_text(entry: &plantlab_protocol::RunEntry) -> String {
    CATALOG.with(|catalog| plantlab_i18n::run_entry_stop_text(&catalog.borrow(), entry))
}

/// A running task's stage in the current language, worded from its code and arguments (key
/// `stage-<code>`); the engine's English `stage` where there is no code (an older engine) or
/// the catalogue cannot word it.
pub fn stage_text(stage: &str, stage_code: &str, stage_args: &std::collections::BTreeMap<String, plantlab_protocol::MessageArg>) -> String {
    if stage_code.is_empty() {
        return stage.to_owned();
    }
    let key = plantlab_protocol::message_key("stage", stage_code, "");
    CATALOG.with(|catalog| plantlab_i18n::coded_text(&catalog.borrow(), &key, stage_args)).unwrap_or_else(|| stage.to_owned())
}

/// A quality-gate check in the current language, as [`finding_text`].
pub fn gate_check_text(check: &plantlab_protocol::GateCheck) -> String {
    CATALOG.with(|catalog| plantlab_i18n::gate_check_text(&catalog.borrow(), check))
}

/// An alarm's explanation in the current language, worded from its sentences' codes (its
/// English `explanation` from an older engine).
pub fn alarm_explanation_text(alarm: &plantlab_protocol::Alarm) -> String {
    CATALOG.with(|catalog| plantlab_i18n::alarm_explanation_text(&catalog.borrow(), alarm))
}

/// An input warning in the current language, as [`finding_text`].
pub fn input_warning_text(warning: &plantlab_protocol::InputWarning) -> String {
    CATALOG.with(|catalog| plantlab_i18n::input_warning_text(&catalog.borrow(), warning))
}

/// A tag's part in a normal-operation model's alarm in the current language, worded from its
/// sentence's code (its English `explanation` from an older engine).
pub fn tag_surprise_text(surprise: &plantlab_protocol::TagSurprise) -> String {
    CATALOG.with(|catalog| plantlab_i18n::tag_surprise_text(&catalog.borrow(), surprise))
}

/// How a normal-operation run ended, in the current language, as [`finding_text`].
pub fn normal_run_stop_text(summary: &plantlab_protocol::NormalRunSummary) -> String {
    CATALOG.with(|catalog| plantlab_i18n::normal_run_stop_text(&catalog.borrow(), summary))
}

/// A model of normal operation as offered for choice ("Linear next-step predictor (recommended)").
pub fn detector_choice_text(detector: plantlab_protocol::NormalDetector) -> String {
    CATALOG.with(|catalog| plantlab_i18n::detector_choice_text(&catalog.borrow(), detector))
}

/// Who scored an evaluation's figures (a model of normal operation or a PCA index).
pub fn detector_score_name(score: &plantlab_protocol::DetectorScore) -> String {
    CATALOG.with(|catalog| plantlab_i18n::detector_score_name(&catalog.borrow(), score))
}

/// What a normal-operation evaluation scored: a run's training data, or a file's path.
pub fn evaluation_source_text(evaluation: &plantlab_protocol::NormalEvaluation) -> String {
    CATALOG.with(|catalog| plantlab_i18n::evaluation_source_text(&catalog.borrow(), evaluation))
}

/// The import's warnings in the current language, worded from their codes (the English texts
/// from an older engine).
pub fn import_warning_texts(warnings: &[String], codes: &[plantlab_protocol::CodedSentence]) -> Vec<String> {
    CATALOG.with(|catalog| plantlab_i18n::import_warning_texts(&catalog.borrow(), warnings, codes))
}

/// A task's label in the current language, worded from its code (key `task-<code>`); the
/// engine's English `label` where there is no code or the catalogue cannot word it.
pub fn task_label_text(label: &str, code: &str, args: &std::collections::BTreeMap<String, plantlab_protocol::MessageArg>) -> String {
    CATALOG.with(|catalog| plantlab_i18n::task_label_text(&catalog.borrow(), label, code, args))
}

/// A cleaning step in words in the current language (its English description where the
/// catalogue cannot word it).
pub fn step_text(step: &plantlab_protocol::CleanStep) -> String {
    CATALOG.with(|catalog| plantlab_i18n::step_text(&catalog.borrow(), step))
}

/// What an evaluation scored, in the current language.
pub fn evaluated_data_text(evaluation: &plantlab_protocol::Evaluation) -> String {
    CATALOG.with(|catalog| plantlab_i18n::evaluated_data_text(&catalog.borrow(), evaluation))
}

/// A data-quality finding's kind as a short name, in the current language.
pub fn finding_kind_text(kind: plantlab_protocol::FindingKind) -> String {
    CATALOG.with(|catalog| plantlab_i18n::finding_kind_text(&catalog.borrow(), kind.as_str()))
}

/// A quality-gate check's name for the grid, in the current language.
pub fn gate_title_text(check: &str) -> String {
    CATALOG.with(|catalog| plantlab_i18n::gate_title_text(&catalog.borrow(), check))
}

/// How many texts were shown in English (or as their key) because the current language lacks
/// them, since the language was last set; the tests insist on none.
pub fn fallback_count() -> usize {
    CATALOG.with(|catalog| catalog.borrow().fallback_count())
}

/// The keys counted by [`fallback_count`].
pub fn fallback_keys() -> Vec<String> {
    CATALOG.with(|catalog| catalog.borrow().fallback_keys())
}

/// The language of the system the UI runs on, if it is one the UI speaks: the browser's
/// (`navigator.language`) in the webview, the locale variables natively.
pub fn system_language() -> Option<Lang> {
    #[cfg(target_arch = "wasm32")]
    {
        // The desktop shell passes the process's locale (WebKitGTK's navigator.language does
        // not follow LANG); a plain browser has only the navigator's.
        let window = web_sys::window()?;
        let from_shell = js_sys::Reflect::get(&window, &"__PLANTLAB_SYSTEM_LOCALE__".into()).ok().and_then(|value| value.as_string());
        from_shell.and_then(|tag| Lang::from_tag(&tag)).or_else(|| window.navigator().language().and_then(|tag| Lang::from_tag(&tag)))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Lang::from_environment()
    }
}

/// A run's status in the current language (in English, the protocol's own word).
pub fn run_status(status: plantlab_protocol::RunStatus) -> String {
    CATALOG.with(|catalog| plantlab_i18n::run_status_text(&catalog.borrow(), status))
}
