//! PlantLab's message catalogues: every sentence a user reads in the workbench, in English and
//! Simplified Chinese, as Project Fluent files embedded in the binary (`locales/*/plantlab.ftl`).
//!
//! A [`Catalog`] answers a key in its language and falls back to English for a key its
//! language lacks; every fallback is counted ([`Catalog::fallback_count`]) so tests can insist
//! that a language is complete, while the app never shows a blank or panics over a missing key.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The English catalogue, the reference every other language is checked against.
pub const ENGLISH_FTL: &str = include_str!("../locales/en/plantlab.ftl");
/// The Simplified Chinese catalogue.
pub const CHINESE_FTL: &str = include_str!("../locales/zh-CN/plantlab.ftl");
/// The command line's and the HTML report's English messages (`cli-…`, `report-…` keys).
pub const CLI_ENGLISH_FTL: &str = include_str!("../locales/en/cli.ftl");
/// The command line's and the HTML report's Simplified Chinese messages.
pub const CLI_CHINESE_FTL: &str = include_str!("../locales/zh-CN/cli.ftl");
/// The English sentences the engine codes (findings, gate checks), for every edge and for the
/// engine's own English `message` fields.
pub const CODED_ENGLISH_FTL: &str = include_str!("../locales/en/findings.ftl");
/// The Simplified Chinese sentences the engine codes.
pub const CODED_CHINESE_FTL: &str = include_str!("../locales/zh-CN/findings.ftl");
/// The English sentences the models of normal operation code (alarm explanations, input
/// warnings, the end of a run, detector names).
pub const NORMAL_ENGLISH_FTL: &str = include_str!("../locales/en/normal.ftl");
/// The Simplified Chinese sentences the models of normal operation code.
pub const NORMAL_CHINESE_FTL: &str = include_str!("../locales/zh-CN/normal.ftl");

/// The English sentences of errors (`error-…` keys), for every edge and for the engine's
/// English `message` fields.
pub const ERRORS_ENGLISH_FTL: &str = include_str!("../locales/en/errors.ftl");
/// The Simplified Chinese sentences of errors.
pub const ERRORS_CHINESE_FTL: &str = include_str!("../locales/zh-CN/errors.ftl");

/// The English import warnings, task labels, cleaning steps, gate check names and finding kinds
/// (`import-…`, `task-…`, `step-…`, `gate-title-…`, `finding-kind-…` keys).
pub const IMPORT_CLEAN_ENGLISH_FTL: &str = include_str!("../locales/en/import_clean.ftl");
/// The Simplified Chinese import warnings, task labels, cleaning steps and gate check names.
pub const IMPORT_CLEAN_CHINESE_FTL: &str = include_str!("../locales/zh-CN/import_clean.ftl");

/// A language the workbench speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// Reads a BCP 47 tag (`zh-CN`, `en-US`) or a POSIX locale (`zh_CN.UTF-8`, `en_GB@euro`);
    /// `None` for a language the workbench does not speak (`C`, `POSIX`, `de-DE`, empty).
    /// Any Chinese tag picks Simplified Chinese, the only Chinese catalogue there is.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let language = tag.trim().split(['-', '_', '.', '@']).next().unwrap_or("").to_ascii_lowercase();
        match language.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// The language's BCP 47 tag, as stored and as passed to Fluent.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn display_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    /// The language of the process's locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, the
    /// order POSIX gives them), if it names one the workbench speaks.
    pub fn from_environment() -> Option<Lang> {
        let read = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let locale = read("LC_ALL").or_else(|| read("LC_MESSAGES")).or_else(|| read("LANG"))?;
        Lang::from_tag(&locale)
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => ENGLISH_FTL,
            Lang::ZhCn => CHINESE_FTL,
        }
    }

    /// The command line's and report's catalogue, a second resource in the same bundle.
    fn cli_source(self) -> &'static str {
        match self {
            Lang::En => CLI_ENGLISH_FTL,
            Lang::ZhCn => CLI_CHINESE_FTL,
        }
    }

    /// The coded sentences' catalogue, a third resource in the same bundle.
    fn coded_source(self) -> &'static str {
        match self {
            Lang::En => CODED_ENGLISH_FTL,
            Lang::ZhCn => CODED_CHINESE_FTL,
        }
    }

    /// The normal-operation models' coded sentences, another resource in the same bundle.
    fn normal_source(self) -> &'static str {
        match self {
            Lang::En => NORMAL_ENGLISH_FTL,
            Lang::ZhCn => NORMAL_CHINESE_FTL,
        }
    }
}

impl Lang {
    /// The errors' catalogue, another resource in the same bundle.
    fn errors_source(self) -> &'static str {
        match self {
            Lang::En => ERRORS_ENGLISH_FTL,
            Lang::ZhCn => ERRORS_CHINESE_FTL,
        }
    }
}

impl Lang {
    /// The import warnings', task labels', cleaning steps' and gate names' catalogue, another
    /// resource in the same bundle.
    fn import_clean_source(self) -> &'static str {
        match self {
            Lang::En => IMPORT_CLEAN_ENGLISH_FTL,
            Lang::ZhCn => IMPORT_CLEAN_CHINESE_FTL,
        }
    }
}

/// A value put into a message: plain text, or a number (which also picks a plural form).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Text(String),
    Number(f64),
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}

impl From<&String> for Arg {
    fn from(value: &String) -> Self {
        Arg::Text(value.clone())
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(value: $t) -> Self {
                Arg::Number(value as f64)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64, f32, f64);

/// One language's messages, with English behind them for keys the language lacks.
pub struct Catalog {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
    /// English, when `lang` is not English.
    english: Option<FluentBundle<FluentResource>>,
    fallbacks: Cell<usize>,
    missing: RefCell<BTreeSet<String>>,
}

impl Catalog {
    pub fn new(lang: Lang) -> Catalog {
        let english = (lang != Lang::En).then(|| bundle(Lang::En));
        Catalog { lang, bundle: bundle(lang), english, fallbacks: Cell::new(0), missing: RefCell::new(BTreeSet::new()) }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `key` in this catalogue's language.
    pub fn text(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with its `{ $name }` placeholders filled from `args`.
    pub fn text_with(&self, key: &str, args: &[(&str, Arg)]) -> String {
        self.format(key, Some(&fluent_args(args)))
    }

    /// Like [`Catalog::text_with`], but `None` where neither this language nor English can
    /// word the message (an unknown key, an argument missing), so the caller can show a text
    /// of its own; that counts as a fallback too.
    pub fn try_text_with(&self, key: &str, args: &[(&str, Arg)]) -> Option<String> {
        let fluent_args = fluent_args(args);
        if let Some(text) = format_in(&self.bundle, key, Some(&fluent_args)) {
            return Some(text);
        }
        self.fallbacks.set(self.fallbacks.get() + 1);
        self.missing.borrow_mut().insert(key.to_owned());
        self.english.as_ref().and_then(|english| format_in(english, key, Some(&fluent_args)))
    }

    /// How many messages since this catalogue was made came from English instead of its own
    /// language, or were missing or malformed altogether (each shown as English or its key).
    pub fn fallback_count(&self) -> usize {
        self.fallbacks.get()
    }

    /// The keys counted by [`Catalog::fallback_count`], for a test's failure message.
    pub fn fallback_keys(&self) -> Vec<String> {
        self.missing.borrow().iter().cloned().collect()
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        if let Some(text) = format_in(&self.bundle, key, args) {
            return text;
        }
        self.fallbacks.set(self.fallbacks.get() + 1);
        self.missing.borrow_mut().insert(key.to_owned());
        self.english.as_ref().and_then(|english| format_in(english, key, args)).unwrap_or_else(|| key.to_owned())
    }
}

fn fluent_args<'a>(args: &'a [(&'a str, Arg)]) -> FluentArgs<'a> {
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        match value {
            Arg::Text(text) => fluent_args.set(*name, FluentValue::from(text.as_str())),
            Arg::Number(number) => fluent_args.set(*name, FluentValue::from(*number)),
        }
    }
    fluent_args
}

/// The message formatted, or `None` when the bundle lacks it or it could not be filled in
/// (an argument the caller did not give, a reference to a missing message).
fn format_in(bundle: &FluentBundle<FluentResource>, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let pattern = bundle.get_message(key)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let langid: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![langid]);
    // egui draws Unicode isolation marks (U+2068/U+2069) around placeables as boxes.
    bundle.set_use_isolating(false);
    for source in [lang.source(), lang.cli_source(), lang.coded_source(), lang.normal_source(), lang.errors_source(), lang.import_clean_source()] {
        // A malformed entry is skipped and the rest kept; the tests insist on none.
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _errors)| partial);
        // Duplicate keys keep the first entry; the tests insist on none.
        let _ = bundle.add_resource(resource);
    }
    bundle
}

/// `value` with `decimals` digits after the point and its integer part grouped by thousands.
/// Both languages write numbers the same way: Chinese technical text uses `.` for decimals and
/// `,` for thousands as English does (GB/T 15835), so `lang` changes nothing today; it is taken
/// so that a language that differs can be added without touching the callers.
pub fn format_number(value: f64, decimals: usize, _lang: Lang) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let fixed = format!("{:.*}", decimals, value.abs());
    let (integer, fraction) = fixed.split_once('.').map_or((fixed.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::with_capacity(fixed.len() + fixed.len() / 3 + 1);
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(fraction) = fraction {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    // -0.00 reads as 0.00.
    let is_zero = fixed.chars().all(|c| c == '0' || c == '.');
    if value < 0.0 && !is_zero {
        grouped.insert(0, '-');
    }
    grouped
}

/// A date and time as `2026-10-01 08:00`, the same in both languages: ISO 8601 order is what
/// Chinese plant software shows too, and it sorts as text.
pub fn format_date_time(year: i64, month: u32, day: u32, hour: u32, minute: u32, _lang: Lang) -> String {
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}")
}

mod coded;
mod import_clean;
pub use import_clean::{describe_step, evaluated_data_text, finding_kind_text, gate_title_text, import_warning_texts, step_text, task_label_text};
mod errors;
pub use errors::{english_error, english_error_argument, error_text};
mod normal;
pub use coded::{alarm_explanation_text, alarm_sentence_text, input_warning_text};
pub use coded::{
    check_arguments, coded_text, finding_delta_text, finding_examples, finding_text, format_measure, format_share, gate_check_text, list_text,
    message_variables, run_entry_stop_text, run_status_text, run_stop_text, suggestion_text, with_english,
};
pub use normal::{detector_choice_text, detector_score_name, detector_text, evaluation_source_text, normal_run_stop_text, tag_surprise_text};

#[cfg(test)]
mod i18n_tests;
