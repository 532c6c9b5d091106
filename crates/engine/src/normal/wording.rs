//! The sentences a model of normal operation gives the user, as stable codes and arguments
//! (`locales/*/normal.ftl`): why a tag surprised it at an alarm, what is wrong with a new
//! export, and how a run ended. The edges word them in the user's language; the English
//! `explanation` and `message` fields come from the same catalogue, so the two cannot drift.

use std::collections::BTreeMap;

use plantlab_protocol::{message_args, AlarmSentence, InputWarning, InputWarningKind, MessageArg, NormalDetector};

/// How a tag got to its reading: moving away from normal (seconds or samples, negative when
/// falling), or held at exactly that reading (seconds or samples).
pub(crate) enum Change {
    Moving(f64),
    Held(f64),
}

/// "TAG: expected a–b, saw c, rising for N min" (or "…, held there unchanged for N min") as
/// the sentence `alarm-surprise-tag`; lengths are durations with timestamps, samples without.
pub(crate) fn surprise_sentence(tag: &str, low: f64, high: f64, observed: f64, change: Option<Change>, timed: bool) -> AlarmSentence {
    let value = |v: f64| MessageArg::Text(format_value(v));
    let expected = match (low.is_finite(), high.is_finite()) {
        (true, true) => MessageArg::phrase("surprise_expected_range", [("low", value(low)), ("high", value(high))]),
        (false, true) => MessageArg::phrase("surprise_expected_below", [("high", value(high))]),
        (true, false) => MessageArg::phrase("surprise_expected_above", [("low", value(low))]),
        (false, false) => MessageArg::phrase("surprise_expected_any", []),
    };
    let seen = if observed.is_finite() {
        MessageArg::phrase("surprise_seen", [("value", value(observed))])
    } else {
        MessageArg::phrase("surprise_seen_missing", [])
    };
    let length = |t: f64| {
        if timed {
            MessageArg::Duration(t.abs())
        } else {
            MessageArg::phrase("surprise_samples", [("count", MessageArg::Integer(t.abs().round() as i64))])
        }
    };
    let change = match change {
        Some(Change::Moving(t)) => MessageArg::phrase(if t >= 0.0 { "surprise_rising" } else { "surprise_falling" }, [("length", length(t))]),
        Some(Change::Held(t)) => MessageArg::phrase("surprise_held", [("length", length(t))]),
        // The sentence ends after what was seen.
        None => MessageArg::Text(String::new()),
    };
    AlarmSentence::new("surprise_tag", [("tag", tag.into()), ("expected", expected), ("seen", seen), ("change", change)])
}

/// The sentence in English, from the catalogue the edges word it from.
pub(crate) fn english_sentence(sentence: &AlarmSentence) -> String {
    plantlab_i18n::with_english(|english| plantlab_i18n::alarm_sentence_text(english, sentence)).unwrap_or_else(|| sentence.code.clone())
}

/// Four significant digits, without a trailing exponent for ordinary plant values.
pub(crate) fn format_value(v: f64) -> String {
    let magnitude = if v == 0.0 { 0 } else { v.abs().log10().floor() as i32 };
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    format!("{v:.decimals$}")
}

/// `count` samples of `tag` lie more than `deviations` standard deviations from its normal
/// `mean` (`input-warning-out-of-training-range-far-from-normal`).
pub(crate) fn far_from_normal_warning(tag: &str, count: u64, deviations: f64, mean: f64, example_rows: Vec<u64>) -> InputWarning {
    let args = message_args([
        ("tag", tag.into()),
        ("count", count.into()),
        ("deviations", MessageArg::Number(deviations)),
        ("mean", MessageArg::Text(format_value(mean))),
    ]);
    english_warning(InputWarningKind::OutOfTrainingRange, "far_from_normal", tag, count, args, example_rows)
}

/// `missing` of `rows` samples of `tag` are missing (`input-warning-mostly-missing-scored-as-mean`).
pub(crate) fn mostly_missing_warning(tag: &str, missing: u64, rows: u64) -> InputWarning {
    let args = message_args([("tag", tag.into()), ("count", missing.into()), ("rows", rows.into())]);
    english_warning(InputWarningKind::MostlyMissing, "scored_as_mean", tag, missing, args, Vec::new())
}

fn english_warning(
    kind: InputWarningKind,
    variant: &str,
    tag: &str,
    count: u64,
    args: BTreeMap<String, MessageArg>,
    example_rows: Vec<u64>,
) -> InputWarning {
    let mut warning = InputWarning { kind, tag: tag.to_owned(), count, message: String::new(), example_rows, variant: variant.to_owned(), args };
    warning.message = plantlab_i18n::with_english(|english| plantlab_i18n::input_warning_text(english, &warning));
    warning
}

/// How a finished run ended, as a stop code and its arguments: the linear predictor's fit, or
/// the language model's epochs (`best_epoch` 1-based; `perplexity` of the validation rows).
pub(crate) fn finished_stop(
    detector: NormalDetector,
    fit_rows: u64,
    epochs: usize,
    best_epoch: usize,
    perplexity: f64,
    threshold: f64,
) -> (String, BTreeMap<String, MessageArg>) {
    let threshold = ("threshold", MessageArg::Text(format!("{threshold:.4}")));
    match detector {
        NormalDetector::LinearPredictor => ("normal_linear_fitted".to_owned(), message_args([("rows", fit_rows.into()), threshold])),
        NormalDetector::ProcessLm => (
            "normal_lm_trained".to_owned(),
            message_args([
                ("epochs", epochs.into()),
                ("best", best_epoch.into()),
                ("perplexity", MessageArg::Text(format!("{perplexity:.3}"))),
                threshold,
            ]),
        ),
    }
}

/// The stop sentence `stop-<code>` in English; the code itself where the catalogue lacks it.
pub(crate) fn english_stop(code: &str, args: &BTreeMap<String, MessageArg>) -> String {
    let key = plantlab_protocol::message_key("stop", code, "");
    plantlab_i18n::with_english(|english| plantlab_i18n::coded_text(english, &key, args)).unwrap_or_else(|| code.to_owned())
}

/// A detector's name in English (`detector-<code>`), for [`plantlab_protocol::DetectorScore::name`].
pub(crate) fn english_detector_name(code: &str) -> String {
    let key = plantlab_protocol::message_key("detector", code, "");
    plantlab_i18n::with_english(|english| plantlab_i18n::coded_text(english, &key, &BTreeMap::new())).unwrap_or_else(|| code.to_owned())
}

/// An evaluation of a run on the data it trained on, as its English source, the source code
/// and its arguments (`evaluated-training-data`).
pub(crate) fn training_data_source(run_id: &str) -> (String, String, BTreeMap<String, MessageArg>) {
    let args = message_args([("run", run_id.into())]);
    let english = plantlab_i18n::with_english(|english| plantlab_i18n::coded_text(english, "evaluated-training-data", &args))
        .unwrap_or_else(|| format!("run {run_id} on its training data"));
    (english, "training_data".to_owned(), args)
}

#[cfg(test)]
#[path = "wording_tests.rs"]
mod tests;
