//! Errors as users read them: an [`ApiError`] carries a stable code (and variant) and the values
//! its sentence names; every edge words it here in its catalogue's language
//! (`locales/*/errors.ftl`, keys `error-<code>[-<variant>]`), and the engine words its English
//! `message` here too, so the two cannot drift.
//!
//! A detail inside an error's sentence (why a setting is not usable) is either a coded phrase,
//! [`MessageArg::Phrase`] with a `detail_…` code (key `error-detail-…`), or a text as a library
//! or the operating system wrote it (a CSV parser's complaint, an OS error), shown as it is.

use std::collections::BTreeMap;

use plantlab_protocol::{message_key, ApiError, MessageArg};

use crate::coded::{coded_text, with_english};
use crate::Catalog;

/// The error in the catalogue's language, or its `message` where the catalogue cannot word it
/// (an error without arguments, a newer engine's code); that counts as a fallback.
pub fn error_text(catalog: &Catalog, error: &ApiError) -> String {
    error_words(catalog, &error.message_key(), &error.args).unwrap_or_else(|| error.message.clone())
}

/// The error `code` (and `variant`) with its arguments, its `message` worded in English from the
/// catalogue; where the catalogue cannot word it (a bug the tests catch) the message names the
/// code and the arguments, so nothing is lost.
pub fn english_error(code: &str, variant: &str, args: BTreeMap<String, MessageArg>) -> ApiError {
    let message = with_english(|english| error_words(english, &message_key("error", code, variant), &args))
        .unwrap_or_else(|| format!("{code} {}", args.values().map(plain).collect::<Vec<_>>().join(" ")));
    ApiError::coded(code, variant, args, message)
}

/// One argument of an error (a coded detail or a text) in English, for an error's `Display`
/// inside the engine.
pub fn english_error_argument(value: &MessageArg) -> String {
    match with_english(|english| resolved(english, value)) {
        Some(MessageArg::Text(text)) => text,
        _ => plain(value),
    }
}

/// `coded_text` where a phrase argument names an `error-<code>` message (a detail of the
/// sentence), at any depth.
fn error_words(catalog: &Catalog, key: &str, args: &BTreeMap<String, MessageArg>) -> Option<String> {
    let mut worded = BTreeMap::new();
    for (name, value) in args {
        worded.insert(name.clone(), resolved(catalog, value)?);
    }
    coded_text(catalog, key, &worded)
}

/// `value` with every phrase in it worded (as text), so `coded_text` writes the rest.
fn resolved(catalog: &Catalog, value: &MessageArg) -> Option<MessageArg> {
    Some(match value {
        MessageArg::Phrase { code, args } => MessageArg::Text(error_words(catalog, &message_key("error", code, ""), args)?),
        MessageArg::List(items) => MessageArg::List(items.iter().map(|item| resolved(catalog, item)).collect::<Option<_>>()?),
        MessageArg::Clauses(items) => MessageArg::Clauses(items.iter().map(|item| resolved(catalog, item)).collect::<Option<_>>()?),
        other => other.clone(),
    })
}

/// A value written without a catalogue (the last resort of a message that cannot be worded).
fn plain(value: &MessageArg) -> String {
    match value {
        MessageArg::Text(text) => text.clone(),
        MessageArg::Integer(count) => count.to_string(),
        MessageArg::Number(number) => number.to_string(),
        MessageArg::Phrase { code, args } => format!("{code} {}", args.values().map(plain).collect::<Vec<_>>().join(" ")),
        MessageArg::List(items) | MessageArg::Clauses(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        // Shares, durations and times do not occur in errors; written as stored.
        other => format!("{other:?}"),
    }
}
