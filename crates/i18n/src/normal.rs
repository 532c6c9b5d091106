//! The sentences of the models of normal operation (`locales/*/normal.ftl`), worded for every
//! edge: an alarm's per-tag explanation, the end of a run, the detectors' names and what an
//! evaluation scored. Input warnings share the classifiers' [`crate::input_warning_text`].
//!
//! As for the findings, a sentence without a code (an older engine's) or one the catalogue
//! cannot word shows the engine's English text, and counts as a fallback.

use std::collections::BTreeMap;

use plantlab_protocol::{message_key, DetectorScore, NormalDetector, NormalEvaluation, NormalRunSummary, TagSurprise};

use crate::coded::{alarm_sentence_text, coded_text};
use crate::Catalog;

/// A tag's part in a normal-model alarm in the catalogue's language ("TI-101: expected
/// 120.3–120.5, saw 121.4, rising for 45 min"), or its `explanation` where it has no sentence.
pub fn tag_surprise_text(catalog: &Catalog, surprise: &TagSurprise) -> String {
    surprise.explanation_sentence.as_ref().and_then(|sentence| alarm_sentence_text(catalog, sentence)).unwrap_or_else(|| surprise.explanation.clone())
}

/// How a normal-operation run ended, in the catalogue's language; its `message` where the
/// run has no code (an older engine) or the catalogue cannot word it.
pub fn normal_run_stop_text(catalog: &Catalog, summary: &NormalRunSummary) -> String {
    if summary.message_code.is_empty() {
        return summary.message.clone();
    }
    coded_text(catalog, &summary.message_key(), &summary.message_args).unwrap_or_else(|| summary.message.clone())
}

/// A detector's name in the catalogue's language, lower case as it reads inside a sentence
/// ("linear next-step predictor").
pub fn detector_text(catalog: &Catalog, detector: NormalDetector) -> String {
    coded_text(catalog, &message_key("detector", detector.code(), ""), &BTreeMap::new()).unwrap_or_else(|| detector.label().to_owned())
}

/// A detector as offered for choice ("Linear next-step predictor (recommended)").
pub fn detector_choice_text(catalog: &Catalog, detector: NormalDetector) -> String {
    coded_text(catalog, &message_key("detector-choice", detector.code(), ""), &BTreeMap::new()).unwrap_or_else(|| detector.label().to_owned())
}

/// Who scored an evaluation's figures, in the catalogue's language; its `name` where the
/// score has no code (an older engine).
pub fn detector_score_name(catalog: &Catalog, score: &DetectorScore) -> String {
    if score.code.is_empty() {
        return score.name.clone();
    }
    coded_text(catalog, &message_key("detector", &score.code, ""), &BTreeMap::new()).unwrap_or_else(|| score.name.clone())
}

/// What an evaluation scored: a sentence in the catalogue's language ("run … on its training
/// data"), or its `source` as it is (a file path).
pub fn evaluation_source_text(catalog: &Catalog, evaluation: &NormalEvaluation) -> String {
    if evaluation.source_code.is_empty() {
        return evaluation.source.clone();
    }
    coded_text(catalog, &message_key("evaluated", &evaluation.source_code, ""), &evaluation.source_args).unwrap_or_else(|| evaluation.source.clone())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use plantlab_protocol::{message_args, AlarmSentence, MessageArg};

    use super::*;
    use crate::coded::catalogue_variables;
    use crate::{Lang, NORMAL_CHINESE_FTL, NORMAL_ENGLISH_FTL};

    #[test]
    fn both_languages_have_the_same_normal_keys_with_the_same_arguments() {
        let english = catalogue_variables(NORMAL_ENGLISH_FTL).unwrap_or_else(|problem| panic!("{problem}"));
        let chinese = catalogue_variables(NORMAL_CHINESE_FTL).unwrap_or_else(|problem| panic!("{problem}"));
        assert_eq!(english.keys().collect::<Vec<_>>(), chinese.keys().collect::<Vec<_>>(), "keys differ between en and zh-CN normal.ftl");
        for (key, variables) in &english {
            assert_eq!(variables, &chinese[key], "{key}: the two languages use different arguments");
        }
        let families: BTreeSet<&str> = english.keys().filter_map(|key| key.split('-').next()).collect();
        assert_eq!(families, BTreeSet::from(["alarm", "detector", "evaluated", "input", "stop"]));
    }

    #[test]
    fn a_tag_surprise_reads_in_chinese_and_an_uncoded_one_keeps_its_text() {
        let sentence = AlarmSentence::new(
            "surprise_tag",
            [
                ("tag", "TI-101".into()),
                ("expected", MessageArg::phrase("surprise_expected_range", [("low", "120.3".into()), ("high", "120.5".into())])),
                ("seen", MessageArg::phrase("surprise_seen", [("value", "121.4".into())])),
                ("change", MessageArg::phrase("surprise_rising", [("length", MessageArg::Duration(2700.0))])),
            ],
        );
        let mut surprise = TagSurprise {
            tag: "TI-101".into(),
            surprise: 9.0,
            expected_low: 120.3,
            expected_high: 120.5,
            observed: 121.4,
            trend: Some(2700.0),
            explanation: "the engine's own text".into(),
            explanation_sentence: Some(sentence),
        };
        let (english, chinese) = (Catalog::new(Lang::En), Catalog::new(Lang::ZhCn));
        assert_eq!(tag_surprise_text(&english, &surprise), "TI-101: expected 120.3–120.5, saw 121.4, rising for 45 min");
        assert_eq!(tag_surprise_text(&chinese, &surprise), "TI-101：预期 120.3–120.5，实际为 121.4，已持续上升 45 min");
        assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
        surprise.explanation_sentence = None;
        assert_eq!(tag_surprise_text(&chinese, &surprise), "the engine's own text");
    }

    #[test]
    fn detectors_and_evaluated_data_are_named_in_the_catalogue_language() {
        let chinese = Catalog::new(Lang::ZhCn);
        assert_eq!(detector_text(&chinese, NormalDetector::ProcessLm), "过程语言模型");
        assert_eq!(detector_choice_text(&chinese, NormalDetector::LinearPredictor), "线性下一步预测器（推荐）");
        assert_eq!(detector_choice_text(&Catalog::new(Lang::En), NormalDetector::LinearPredictor), NormalDetector::LinearPredictor.label());
        assert_eq!(coded_text(&chinese, "detector-pca-combined", &BTreeMap::new()).as_deref(), Some("PCA T² 或 Q（合并指标，阈值 1）"));
        let args = message_args([("run", "20261206-101500-linear-predictor".into())]);
        assert_eq!(coded_text(&chinese, "evaluated-training-data", &args).as_deref(), Some("运行 20261206-101500-linear-predictor 的训练数据"));
        assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    }
}
