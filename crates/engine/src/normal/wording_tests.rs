//! Every sentence a model of normal operation codes fills exactly the arguments its message
//! names (through its phrases), every message of `normal.ftl` is made by the engine, and each
//! reads in Chinese without falling back to English.

use std::collections::{BTreeMap, BTreeSet};

use plantlab_i18n::{
    alarm_sentence_text, check_arguments, coded_text, detector_choice_text, detector_text, input_warning_text, Catalog, Lang, NORMAL_ENGLISH_FTL,
};
use plantlab_protocol::{message_key, AlarmSentence, InputWarning, MessageArg, NormalDetector};

use super::*;

fn explanation(tag: &str, low: f64, high: f64, observed: f64, change: Option<Change>, timed: bool) -> String {
    english_sentence(&surprise_sentence(tag, low, high, observed, change, timed))
}

#[test]
fn explanations_say_whether_a_tag_is_moving_or_held() {
    let rising = explanation("TI-101", 120.3, 120.5, 121.4, Some(Change::Moving(2700.0)), true);
    assert!(rising.starts_with("TI-101: expected 120.3–120.5, saw 121.4, rising for 45"), "{rising}");
    let falling = explanation("TI-101", 120.3, 120.5, 119.0, Some(Change::Moving(-12.0)), false);
    assert!(falling.ends_with("falling for 12 samples"), "{falling}");
    let held = explanation("PI-204", 3.1, 3.3, 3.2, Some(Change::Held(1800.0)), true);
    assert!(held.contains("saw 3.200, held there unchanged for 30"), "{held}");
    assert_eq!(explanation("FI-1", f64::NAN, f64::NAN, f64::NAN, None, true), "FI-1: expected a value, saw none (missing)");
}

/// One of each explanation an alarm can hold: every expected range, seen value and change.
fn every_surprise_sentence() -> Vec<AlarmSentence> {
    let changes = || [None, Some(Change::Moving(2700.0)), Some(Change::Moving(-12.0)), Some(Change::Held(1800.0))];
    let mut sentences = Vec::new();
    for (low, high) in [(1.0, 2.0), (f64::NEG_INFINITY, 2.0), (1.0, f64::INFINITY), (f64::NAN, f64::NAN)] {
        for observed in [2.5, f64::NAN] {
            for timed in [true, false] {
                sentences.extend(changes().into_iter().map(|change| surprise_sentence("TI-101", low, high, observed, change, timed)));
            }
        }
    }
    sentences
}

fn every_warning() -> Vec<InputWarning> {
    vec![
        far_from_normal_warning("TI-101", 3, 6.0, 120.25, vec![4, 5, 6]),
        far_from_normal_warning("PI-7", 1, 6.0, -0.5, vec![9]),
        mostly_missing_warning("FI-1", 80, 100),
    ]
}

fn every_stop() -> Vec<(String, BTreeMap<String, MessageArg>)> {
    vec![
        finished_stop(NormalDetector::LinearPredictor, 1100, 0, 0, f64::NAN, 12.345_678),
        finished_stop(NormalDetector::ProcessLm, 1100, 12, 9, 1.234_567, 3.5),
        finished_stop(NormalDetector::ProcessLm, 1, 1, 1, 1.0, 3.5),
    ]
}

/// The catalogue's keys of `normal.ftl`.
fn normal_keys() -> BTreeSet<String> {
    NORMAL_ENGLISH_FTL
        .lines()
        .filter(|line| !line.starts_with([' ', '#']))
        .filter_map(|line| line.split_once(" = ").map(|(key, _)| key.to_owned()))
        .collect()
}

#[test]
fn every_normal_code_fills_its_message_and_reads_in_chinese_without_fallback() {
    let mut seen = BTreeSet::new();
    for sentence in every_surprise_sentence() {
        check_arguments("alarm", &sentence.message_key(), &sentence.args, &mut seen).unwrap_or_else(|problem| panic!("{problem}"));
    }
    for warning in every_warning() {
        check_arguments("input-warning", &warning.message_key(), &warning.args, &mut seen).unwrap_or_else(|problem| panic!("{problem}"));
    }
    for (code, args) in every_stop() {
        check_arguments("stop", &message_key("stop", &code, ""), &args, &mut seen).unwrap_or_else(|problem| panic!("{problem}"));
    }
    for code in ["linear_predictor", "process_lm", "pca_t2", "pca_q", "pca_combined"] {
        check_arguments("detector", &message_key("detector", code, ""), &BTreeMap::new(), &mut seen).unwrap_or_else(|problem| panic!("{problem}"));
    }
    for detector in NormalDetector::ALL {
        let key = message_key("detector-choice", detector.code(), "");
        check_arguments("detector", &key, &BTreeMap::new(), &mut seen).unwrap_or_else(|problem| panic!("{problem}"));
    }
    let (_, source_code, source_args) = training_data_source("20261206-101500-linear-predictor");
    check_arguments("evaluated", &message_key("evaluated", &source_code, ""), &source_args, &mut seen).unwrap_or_else(|problem| panic!("{problem}"));
    assert_eq!(seen, normal_keys(), "the engine makes every message of normal.ftl, and no other");

    let (english, chinese) = (Catalog::new(Lang::En), Catalog::new(Lang::ZhCn));
    let no_english = |text: &str| {
        // Tag names, duration units and "PCA T²/Q" are not words to translate.
        let allowed = ["TI", "PI", "FI", "PCA", "T", "Q", "d", "h", "min", "s"];
        let words = text.split(|c: char| !c.is_ascii_alphabetic()).filter(|word| !word.is_empty());
        assert!(words.clone().all(|word| allowed.contains(&word)), "English left in {text}: {:?}", words.collect::<Vec<_>>());
    };
    for sentence in every_surprise_sentence() {
        let in_english = alarm_sentence_text(&english, &sentence).unwrap_or_default();
        let in_chinese = alarm_sentence_text(&chinese, &sentence).unwrap_or_default();
        assert!(!in_chinese.is_empty() && in_chinese != in_english, "{in_chinese}");
        no_english(&in_chinese);
    }
    for warning in every_warning() {
        assert_eq!(warning.message, input_warning_text(&english, &warning), "the English message is the catalogue's");
        no_english(&input_warning_text(&chinese, &warning));
    }
    for (code, args) in every_stop() {
        let text = coded_text(&chinese, &message_key("stop", &code, ""), &args).unwrap_or_default();
        assert!(!text.is_empty());
        no_english(&text);
    }
    for detector in NormalDetector::ALL {
        no_english(&detector_text(&chinese, detector));
        no_english(&detector_choice_text(&chinese, detector));
    }
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    assert_eq!(english.fallback_count(), 0, "{:?}", english.fallback_keys());
}

#[test]
fn the_english_texts_read_as_before() {
    let [far, far_one, missing] = <[InputWarning; 3]>::try_from(every_warning()).unwrap_or_else(|_| panic!("three warnings"));
    assert_eq!(far.message, "TI-101: 3 samples lie more than 6 standard deviations from the normal mean 120.2; check the sensor and its unit");
    assert_eq!(far_one.message, "PI-7: 1 sample lies more than 6 standard deviations from the normal mean -0.5000; check the sensor and its unit");
    assert_eq!(missing.message, "FI-1: 80 of 100 samples are missing; the model scores them as the normal mean, which hides faults there");
    let stops: Vec<String> = every_stop().iter().map(|(code, args)| english_stop(code, args)).collect();
    assert_eq!(stops[0], "Linear next-step predictor (recommended) fitted on 1100 normal rows; alarm threshold 12.3457");
    assert_eq!(stops[1], "Process language model trained for 12 epochs, best 9; validation perplexity 1.235; alarm threshold 3.5000");
    assert_eq!(stops[2], "Process language model trained for 1 epoch, best 1; validation perplexity 1.000; alarm threshold 3.5000");
    assert_eq!(english_stop("cancelled", &BTreeMap::new()), "cancelled by the user");
    assert_eq!(english_detector_name("pca_combined"), "PCA T² or Q (combined, at 1)");
    assert_eq!(training_data_source("r1").0, "run r1 on its training data");
}
