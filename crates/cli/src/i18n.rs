//! The language of the command line's own messages: chosen once at start (`--lang`, else the
//! locale, else English), then read wherever a message is written. Engine error messages and
//! the `--json` keys and codes stay English.

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
