//! clap's usage errors in the chosen language. clap words its errors in English only, but it
//! keeps what went wrong as a kind and context (the flag, the value, the values it takes, a
//! similar flag, the usage line); outside English the message is built from those with the
//! catalogue's `cli-usage-…` keys. English keeps clap's own wording.

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, Error, ErrorFormatter, ErrorKind};
use plantlab_i18n::Arg;

use crate::i18n::{tr, tr_with};

/// Writes a usage error from its kind and context in the chosen language (see the module).
pub struct CatalogueFormatter;

impl ErrorFormatter for CatalogueFormatter {
    fn format_error(error: &Error<Self>) -> StyledStr {
        StyledStr::from(usage_error_text(error))
    }
}

/// The whole message: "错误：…", the tips, the usage line and where to read more.
fn usage_error_text(error: &Error<CatalogueFormatter>) -> String {
    let mut text = tr_with("cli-usage-error", &[("message", Arg::from(message(error)))]);
    let tips = tips(error);
    if !tips.is_empty() {
        text.push('\n');
        for tip in tips {
            text.push_str("\n  ");
            text.push_str(&tr_with("cli-usage-tip", &[("tip", Arg::from(tip))]));
        }
    }
    if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
        text.push_str("\n\n");
        text.push_str(&usage_line(&usage.to_string()));
    }
    text.push_str("\n\n");
    text.push_str(&tr_with("cli-usage-try-help", &[("flag", Arg::from("--help"))]));
    text.push('\n');
    text
}

/// clap's usage line ("Usage: plantlab train …") under the help's own heading.
fn usage_line(usage: &str) -> String {
    match usage.strip_prefix("Usage:") {
        Some(rest) => format!("{}{rest}", tr("cli-help-usage")),
        None => usage.to_owned(),
    }
}

fn string(error: &Error<CatalogueFormatter>, kind: ContextKind) -> Option<String> {
    match error.get(kind) {
        Some(ContextValue::String(value)) => Some(value.clone()),
        _ => None,
    }
}

fn strings(error: &Error<CatalogueFormatter>, kind: ContextKind) -> Vec<String> {
    match error.get(kind) {
        Some(ContextValue::String(value)) => vec![value.clone()],
        Some(ContextValue::Strings(values)) => values.clone(),
        _ => Vec::new(),
    }
}

/// Names quoted and listed: `'a', 'b'`.
fn quoted(names: &[String]) -> String {
    names.iter().map(|name| format!("'{name}'")).collect::<Vec<_>>().join(", ")
}

/// The first line: what is wrong, from the error's kind and context.
fn message(error: &Error<CatalogueFormatter>) -> String {
    // A refusal of the command line's own (`crate::usage_error`) is worded already.
    if let Some(message) = string(error, ContextKind::Custom) {
        return message;
    }
    let arg = string(error, ContextKind::InvalidArg);
    let value = string(error, ContextKind::InvalidValue);
    let worded = match (error.kind(), arg, value) {
        (ErrorKind::InvalidValue, Some(arg), Some(value)) => {
            // An empty value is one that was not given.
            let mut text = if value.is_empty() {
                tr_with("cli-usage-value-required", &[("arg", Arg::from(arg))])
            } else {
                tr_with("cli-usage-invalid-value", &[("arg", Arg::from(arg)), ("value", Arg::from(value))])
            };
            let valid = strings(error, ContextKind::ValidValue);
            if !valid.is_empty() {
                text.push_str("\n  ");
                text.push_str(&tr_with("cli-usage-possible-values", &[("values", Arg::from(valid.join(", ")))]));
            }
            Some(text)
        }
        (ErrorKind::ValueValidation, Some(arg), Some(value)) => {
            let invalid = tr_with("cli-usage-invalid-value", &[("arg", Arg::from(arg)), ("value", Arg::from(value.clone()))]);
            Some(match std::error::Error::source(error) {
                Some(reason) => {
                    tr_with("cli-usage-invalid-value-because", &[("invalid", Arg::from(invalid)), ("reason", Arg::from(reason_text(reason, &value)))])
                }
                None => invalid,
            })
        }
        (ErrorKind::UnknownArgument, Some(arg), _) => Some(tr_with("cli-usage-unexpected-argument", &[("arg", Arg::from(arg))])),
        (ErrorKind::NoEquals, Some(arg), _) => Some(tr_with("cli-usage-no-equals", &[("arg", Arg::from(arg))])),
        (ErrorKind::TooManyValues, Some(arg), Some(value)) => {
            Some(tr_with("cli-usage-too-many-values", &[("arg", Arg::from(arg)), ("value", Arg::from(value))]))
        }
        (ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues, Some(arg), _) => {
            Some(tr_with("cli-usage-wrong-number-of-values", &[("arg", Arg::from(arg))]))
        }
        (ErrorKind::ArgumentConflict, Some(arg), _) => Some(conflict(error, &arg)),
        (ErrorKind::MissingRequiredArgument, None, _) => {
            let missing = strings(error, ContextKind::InvalidArg);
            (!missing.is_empty()).then(|| missing.iter().fold(tr("cli-usage-missing-required"), |text, name| format!("{text}\n  {name}")))
        }
        _ => None,
    };
    if let Some(worded) = worded {
        return worded;
    }
    match (error.kind(), string(error, ContextKind::InvalidSubcommand)) {
        (ErrorKind::InvalidSubcommand, Some(name)) => tr_with("cli-usage-unrecognized-subcommand", &[("subcommand", Arg::from(name))]),
        (ErrorKind::MissingSubcommand, Some(name)) => {
            let mut text = tr_with("cli-usage-missing-subcommand", &[("subcommand", Arg::from(name))]);
            let valid = strings(error, ContextKind::ValidSubcommand);
            if !valid.is_empty() {
                text.push_str("\n  ");
                text.push_str(&tr_with("cli-usage-subcommands", &[("subcommands", Arg::from(valid.join(", ")))]));
            }
            text
        }
        (ErrorKind::ArgumentConflict, Some(name)) => conflict(error, &name),
        (ErrorKind::InvalidUtf8, _) => tr("cli-usage-invalid-utf8"),
        _ => tr("cli-usage-malformed"),
    }
}

/// "'--a' cannot be used with '--b'" (or with several, or more than once).
fn conflict(error: &Error<CatalogueFormatter>, arg: &str) -> String {
    match error.get(ContextKind::PriorArg) {
        Some(ContextValue::String(prior)) if prior == arg => tr_with("cli-usage-argument-repeated", &[("arg", Arg::from(arg))]),
        Some(ContextValue::String(prior)) => {
            tr_with("cli-usage-argument-conflict", &[("arg", Arg::from(arg)), ("other", Arg::from(format!("'{prior}'")))])
        }
        Some(ContextValue::Strings(prior)) => tr_with("cli-usage-argument-conflict", &[("arg", Arg::from(arg)), ("other", Arg::from(quoted(prior)))]),
        _ => tr_with("cli-usage-argument-conflict-others", &[("arg", Arg::from(arg))]),
    }
}

/// Why a value was refused: the value parsers' own reasons are worded already; numbers that
/// do not parse and clap's range checks are worded here.
fn reason_text(reason: &(dyn std::error::Error + 'static), value: &str) -> String {
    if let Some(int) = reason.downcast_ref::<std::num::ParseIntError>() {
        return match int.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => tr("cli-usage-number-too-large"),
            _ => tr("cli-usage-not-a-whole-number"),
        };
    }
    if reason.downcast_ref::<std::num::ParseFloatError>().is_some() {
        return tr("cli-usage-not-a-number");
    }
    if reason.downcast_ref::<std::num::TryFromIntError>().is_some() {
        return tr("cli-usage-number-too-large");
    }
    let text = reason.to_string();
    // clap's range check: "<value> is not in <range>".
    match text.strip_prefix(value).and_then(|rest| rest.strip_prefix(" is not in ")) {
        Some(range) => tr_with("cli-usage-not-in-range", &[("value", Arg::from(value)), ("range", Arg::from(range))]),
        None if text == "out of range integral type conversion attempted" => tr("cli-usage-number-too-large"),
        None => text,
    }
}

/// Hints: a similar subcommand, flag or value, and clap's own tips where their shape is known.
fn tips(error: &Error<CatalogueFormatter>) -> Vec<String> {
    let mut tips = Vec::new();
    for (kind, key) in [
        (ContextKind::SuggestedSubcommand, "cli-usage-similar-subcommand"),
        (ContextKind::SuggestedArg, "cli-usage-similar-argument"),
        (ContextKind::SuggestedValue, "cli-usage-similar-value"),
    ] {
        let similar = strings(error, kind);
        if !similar.is_empty() {
            tips.push(tr_with(key, &[("names", Arg::from(quoted(&similar)))]));
        }
    }
    if let Some(ContextValue::StyledStrs(suggestions)) = error.get(ContextKind::Suggested) {
        tips.extend(suggestions.iter().map(|tip| clap_tip(&tip.to_string())));
    }
    tips
}

/// One of clap's English tips in the chosen language (as clap wrote it where its shape is
/// not one of those clap 4.6 writes).
fn clap_tip(tip: &str) -> String {
    let quoted_parts: Vec<&str> = tip.split('\'').collect();
    // "to pass 'X' as a value, use 'Y'"
    if tip.starts_with("to pass '") && tip.contains("' as a value, use '") && quoted_parts.len() == 5 {
        return tr_with("cli-usage-tip-pass-as-value", &[("value", Arg::from(quoted_parts[1])), ("use", Arg::from(quoted_parts[3]))]);
    }
    // "subcommand 'X' exists; to use it, remove the '--' before it"
    if tip.starts_with("subcommand '") && tip.ends_with("before it") && quoted_parts.len() == 5 {
        return tr_with("cli-usage-tip-remove-double-dash", &[("subcommand", Arg::from(quoted_parts[1]))]);
    }
    // "'X Y' exists"
    if tip.starts_with('\'') && tip.ends_with("' exists") && quoted_parts.len() == 3 {
        return tr_with("cli-usage-tip-exists", &[("command", Arg::from(quoted_parts[1]))]);
    }
    tip.to_owned()
}

/// A refusal of the command line's own in the chosen language, as clap's errors are built:
/// `message` and `command`'s usage line as the error's context.
pub fn refusal(kind: ErrorKind, message: String, command: &mut clap::Command) -> clap::Error {
    let mut error = clap::Error::new(kind).with_cmd(command);
    error.insert(ContextKind::Custom, ContextValue::String(message));
    error.insert(ContextKind::Usage, ContextValue::StyledStr(command.render_usage()));
    error
}
