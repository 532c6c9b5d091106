//! Every alarm sentence and input warning is coded: its key (and each phrase's key) is in the
//! catalogue, its arguments are exactly the ones the sentence names, its English text is the
//! catalogue's English, and it reads in Chinese without falling back to English.

use std::collections::{BTreeMap, BTreeSet};

use plantlab_i18n::{alarm_explanation_text, alarm_sentence_text, input_warning_text, message_variables, Catalog, Lang, CODED_ENGLISH_FTL};
use plantlab_protocol::{message_key, Alarm, AlarmSentence, InputWarningKind, MessageArg};

use super::explain::{alarm_headline, combination_sentence, describe_tag, english_explanation, open_at_end_sentence, RecentSpan};
use super::input_warnings;
use crate::train::data::{FeatureCoding, InputCheck, Values};

fn numeric(name: &str, unit: Option<&str>) -> FeatureCoding {
    FeatureCoding::Numeric {
        name: name.into(),
        offset: 0,
        edges: vec![],
        mean: 60.0,
        std: 2.0,
        min: 50.0,
        max: 70.0,
        median: 61.0,
        missing_share: 0.1,
        unit: unit.map(str::to_owned),
    }
}

fn categorical(name: &str) -> FeatureCoding {
    FeatureCoding::Categorical { name: name.into(), offset: 0, levels: vec!["run".into(), "stop".into()], missing_share: 0.0 }
}

/// One of each sentence an explanation can hold, and each part of the numeric one.
fn every_alarm_sentence() -> Vec<AlarmSentence> {
    let hours: Vec<i64> = (0..4).map(|i| i * 3_600_000).collect();
    let over_time = RecentSpan { from: 0, to: 3, times_ms: Some(&hours) };
    let over_samples = RecentSpan { from: 0, to: 3, times_ms: None };
    let one_sample = RecentSpan { from: 2, to: 2, times_ms: None };
    let numbers = |values: &[f64]| Values::Numeric(values.iter().map(|&v| Some(v)).collect());
    let text = |values: &[Option<&str>]| Values::Text(values.iter().map(|v| v.map(str::to_owned)).collect());
    let temperature = numeric("TI-101", Some("°C"));
    let mode = categorical("mode");
    vec![
        alarm_headline(0.934, 120, Some(1_796_083_200_000), 7),
        alarm_headline(0.61, 120, None, 1),
        describe_tag(&temperature, None, &over_time),
        describe_tag(&temperature, Some(&Values::Numeric(vec![None; 4])), &over_time),
        describe_tag(&temperature, Some(&numbers(&[75.0, 77.0, 79.0, 81.0])), &over_time),
        describe_tag(&temperature, Some(&numbers(&[55.0, 53.0, 51.0, 45.0])), &over_samples),
        describe_tag(&numeric("speed", None), Some(&numbers(&[61.0, 61.2, 60.8, 61.0])), &over_samples),
        describe_tag(&temperature, Some(&numbers(&[61.0, 61.0, 62.0, 61.0])), &one_sample),
        describe_tag(&temperature, Some(&text(&[Some("Bad"), None, None, None])), &over_time),
        describe_tag(&mode, Some(&text(&[None, None, Some("run"), None])), &one_sample),
        describe_tag(&mode, Some(&text(&[None, None, Some("purge"), None])), &one_sample),
        describe_tag(&mode, Some(&text(&[None, None, None, None])), &one_sample),
        combination_sentence(),
        open_at_end_sentence(),
    ]
}

/// The catalogue keys a sentence uses: its own and its phrases' (recursively).
fn keys_used(key: String, args: &BTreeMap<String, MessageArg>, out: &mut BTreeSet<String>) {
    let variables = message_variables(Lang::En, &key).unwrap_or_else(|| panic!("{key} is not in the catalogue"));
    let given: BTreeSet<String> = args.keys().cloned().collect();
    assert_eq!(given, variables, "{key}: the arguments given differ from the ones its sentence names");
    for value in args.values() {
        if let MessageArg::Phrase { code, args } = value {
            keys_used(message_key("alarm", code, ""), args, out);
        }
    }
    out.insert(key);
}

#[test]
fn every_alarm_sentence_fills_its_message_and_reads_in_both_languages() {
    let sentences = every_alarm_sentence();
    let mut used = BTreeSet::new();
    for sentence in &sentences {
        keys_used(sentence.message_key(), &sentence.args, &mut used);
    }
    let catalogued: BTreeSet<String> = CODED_ENGLISH_FTL
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(key, _)| key.to_owned()))
        .filter(|key| key.starts_with("alarm-"))
        .collect();
    assert_eq!(used, catalogued, "every alarm sentence and phrase of the catalogue is made by the engine");

    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    for sentence in &sentences {
        let in_english = alarm_sentence_text(&english, sentence).unwrap();
        let in_chinese = alarm_sentence_text(&chinese, sentence).unwrap();
        assert_ne!(in_english, in_chinese, "{}", sentence.code);
        assert!(!in_chinese.contains("training") && !in_chinese.contains("sample"), "English left in {in_chinese}");
    }
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    assert_eq!(
        english_explanation(&sentences[4..5]),
        "TI-101: 17.0 °C above its training median of 61.0 °C over the last 3 h, rising; now 81.0 °C is above anything seen in training (max 70.0 °C)."
    );
    assert_eq!(english_explanation(&sentences[1..2]), "Risk 0.61 at row 120 (1 sample above the threshold).");
    assert_eq!(
        alarm_sentence_text(&chinese, &sentences[4]).unwrap(),
        "TI-101：最近 3 h 内比训练中位数 61.0 °C 高 17.0 °C，呈上升趋势；当前值 81.0 °C 高于训练中出现过的所有值（最大 70.0 °C）。"
    );

    // The alarm's English explanation is its sentences in English; an older engine's alarm
    // without sentences keeps its own text.
    let mut alarm = Alarm {
        index: 1,
        start_row: 100,
        end_row: 130,
        start_ms: None,
        end_ms: None,
        peak_risk: 0.61,
        peak_row: 120,
        top_tags: vec![],
        explanation: english_explanation(&sentences),
        explanation_sentences: sentences,
    };
    assert_eq!(alarm_explanation_text(&english, &alarm), alarm.explanation);
    alarm.explanation_sentences.clear();
    assert_eq!(alarm_explanation_text(&chinese, &alarm), alarm.explanation);
}

#[test]
fn every_input_warning_fills_its_message_and_reads_in_both_languages() {
    let features = [numeric("TI-101", Some("°C")), numeric("PI-202", None), categorical("mode"), categorical("shift"), numeric("FI-120", None)];
    let checks = [
        InputCheck { out_of_range: 3, examples: vec![4, 5, 6], ..InputCheck::default() },
        InputCheck { absent: true, missing: 100, ..InputCheck::default() },
        InputCheck { unseen: 1, examples: vec![9], ..InputCheck::default() },
        InputCheck { out_of_range: 2, ..InputCheck::default() },
        InputCheck { missing: 80, ..InputCheck::default() },
    ];
    let warnings = input_warnings(&features, &checks, 100);
    let kinds: Vec<(InputWarningKind, &str)> = warnings.iter().map(|w| (w.kind, w.variant.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (InputWarningKind::OutOfTrainingRange, ""),
            (InputWarningKind::MissingTag, ""),
            (InputWarningKind::UnseenCategory, ""),
            (InputWarningKind::OutOfTrainingRange, "categorical"),
            (InputWarningKind::MostlyMissing, ""),
        ]
    );
    let used: BTreeSet<String> = warnings.iter().map(|w| w.message_key()).collect();
    let catalogued: BTreeSet<String> = CODED_ENGLISH_FTL
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(key, _)| key.to_owned()))
        .filter(|key| key.starts_with("input-warning-"))
        .collect();
    assert_eq!(used, catalogued, "every input warning of the catalogue is made by the engine");
    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    for warning in &warnings {
        let key = warning.message_key();
        let variables = message_variables(Lang::En, &key).unwrap();
        assert_eq!(warning.args.keys().cloned().collect::<BTreeSet<_>>(), variables, "{key}");
        assert_eq!(input_warning_text(&english, warning), warning.message);
        let in_chinese = input_warning_text(&chinese, warning);
        assert!(!in_chinese.contains("training") && in_chinese.contains(&warning.tag), "{in_chinese}");
    }
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    assert_eq!(
        warnings[0].message,
        "3 values of \"TI-101\" lie outside the training range [50, 70] °C; the model puts them in its lowest or highest bin, so its risk there is an extrapolation. Check the unit and the sensor."
    );
    assert_eq!(warnings[4].message, "\"FI-120\" is missing in 80 % of the rows (in training: 10 %); predictions lean on the other tags.");
    assert_eq!(input_warning_text(&chinese, &warnings[4]), "“FI-120”在 80 % 的行中缺失（训练时：10 %）；预测主要依赖其他位号。");
}
