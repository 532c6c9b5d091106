//! Why the model fired: how much each tag raised the risk — for trees, the path attribution of
//! their score (exact: the tags' shares add up to the score); for networks, occlusion (each
//! tag's input replaced by "missing", the same token the model sees for a gap) and the change
//! in risk it causes — and plain-language explanations of alarms from the top tags' recent
//! behaviour against their training statistics.

use plantlab_model::Input;
use plantlab_protocol::{format_epoch_millis, AlarmSentence, MessageArg, ModelKind, TagContribution};
use plantlab_trees::{Attribution, Ensemble};

use super::risk_of;
use crate::error::{EngineError, Result};
use crate::tasks::JobContext;
use crate::train::data::{Encoded, FeatureCoding, Tokenizer, Values};
use crate::train::fitted::FittedModel;

/// Samples × tags per forward pass when occluding (samples per pass when attributing).
const OCCLUSION_BATCH: usize = 4096;

/// The model with its input, ready to predict and occlude samples.
pub struct Explainer<'a> {
    pub model: &'a FittedModel,
    pub encoded: &'a Encoded,
    pub tokenizer: &'a Tokenizer,
    pub kind: ModelKind,
    /// Rows per sample (1 in row mode).
    pub window: usize,
    pub positive: Option<usize>,
    pub majority: usize,
}

impl Explainer<'_> {
    fn features(&self) -> usize {
        self.tokenizer.features.len()
    }

    /// Class probabilities of the samples ending at `ends`, `[n, classes]`.
    pub fn predict(&self, ends: &[usize]) -> Result<Vec<f32>> {
        if self.kind.dense_input() {
            let mut dense = Vec::new();
            self.encoded.gather_dense(ends, self.window, &mut dense);
            self.model.predict(Input::Dense(&dense), ends.len())
        } else {
            let mut tokens = Vec::new();
            self.encoded.gather_tokens(ends, self.window, &mut tokens);
            self.model.predict(Input::Tokens(&tokens), ends.len())
        }
    }

    fn risks(&self, probs: &[f32]) -> Vec<f64> {
        let classes = self.tokenizer.classes.len().max(1);
        probs.chunks(classes).map(|row| risk_of(row, self.positive, self.majority)).collect()
    }

    /// For each sample, how much each tag raised the risk (`[n][features]`, negative where it
    /// lowered it): the trees' path attribution where the model keeps its node values,
    /// occlusion otherwise.
    pub fn tag_effects(&self, ends: &[usize], job: &JobContext) -> Result<Vec<Vec<f64>>> {
        match self.model {
            FittedModel::Trees(ensemble) if self.kind.dense_input() && ensemble.attributes() => self.tree_attribution(ensemble, ends, job),
            _ => self.occlusion(ends, job),
        }
    }

    /// Path attribution of the trees' scores, per tag, in risk units: the risk's rise above
    /// the trees' base rate is shared among the tags in proportion to their part of the score
    /// (log-odds of the fault against the class it competes with), so the shares add up to it.
    /// A derived column (window statistic) counts for its tag; a product of two tags, half
    /// for each.
    fn tree_attribution(&self, ensemble: &Ensemble, ends: &[usize], job: &JobContext) -> Result<Vec<Vec<f64>>> {
        let mut owners: Vec<Vec<usize>> = vec![Vec::new(); ensemble.features()];
        for (tag, slots) in self.tokenizer.dense_slots().iter().enumerate() {
            for &slot in slots {
                if let Some(owner) = owners.get_mut(slot) {
                    owner.push(tag);
                }
            }
        }
        let mut out = Vec::with_capacity(ends.len());
        let mut dense = Vec::new();
        for chunk in ends.chunks(OCCLUSION_BATCH) {
            job.check_cancelled()?;
            dense.clear();
            self.encoded.gather_dense(chunk, self.window, &mut dense);
            let width = dense.len() / chunk.len().max(1);
            for row in dense.chunks(width.max(1)) {
                let attribution = ensemble.attribute(row).map_err(|e| EngineError::Model(e.to_string()))?;
                out.push(risk_shares(&attribution, &owners, self.features(), self.positive, self.majority));
            }
        }
        Ok(out)
    }

    /// For each sample, risk − risk with tag j missing, for every tag j (`[n][features]`).
    fn occlusion(&self, ends: &[usize], job: &JobContext) -> Result<Vec<Vec<f64>>> {
        let nf = self.features();
        let per_pass = (OCCLUSION_BATCH / nf.max(1)).max(1);
        let mut out = Vec::with_capacity(ends.len());
        for chunk in ends.chunks(per_pass) {
            job.check_cancelled()?;
            let base = self.risks(&self.predict(chunk)?);
            let variants = chunk.len() * nf;
            let probs = if self.kind.dense_input() {
                let mut dense = Vec::new();
                self.encoded.gather_dense(chunk, self.window, &mut dense);
                let per_sample = dense.len() / chunk.len().max(1);
                let per_step = self.encoded.dense_width;
                // A tag is blanked with its window features: the model must not read it back
                // from its own recent past.
                let slots = self.tokenizer.dense_slots();
                let mut batch = Vec::with_capacity(variants * per_sample);
                for sample in dense.chunks(per_sample) {
                    for tag_slots in &slots {
                        let mut copy = sample.to_vec();
                        for step in 0..self.window {
                            for &slot in tag_slots {
                                if let Some(v) = copy.get_mut(step * per_step + slot) {
                                    *v = 0.0;
                                }
                            }
                        }
                        batch.extend_from_slice(&copy);
                    }
                }
                self.model.predict(Input::Dense(&batch), variants)?
            } else {
                let mut tokens = Vec::new();
                self.encoded.gather_tokens(chunk, self.window, &mut tokens);
                let per_sample = self.window * nf;
                let mut batch = Vec::with_capacity(variants * per_sample);
                for sample in tokens.chunks(per_sample) {
                    for (j, coding) in self.tokenizer.features.iter().enumerate() {
                        let mut copy = sample.to_vec();
                        for step in 0..self.window {
                            copy[step * nf + j] = coding.null_token();
                        }
                        batch.extend_from_slice(&copy);
                    }
                }
                self.model.predict(Input::Tokens(&batch), variants)?
            };
            let occluded = self.risks(&probs);
            for (s, base_risk) in base.iter().enumerate() {
                out.push((0..nf).map(|j| base_risk - occluded[s * nf + j]).collect());
            }
        }
        Ok(out)
    }

    /// Mean contribution of each tag over `ends` (evenly thinned to at most `max_samples`),
    /// largest first.
    pub fn contributions(&self, ends: &[usize], max_samples: usize, job: &JobContext) -> Result<Vec<TagContribution>> {
        let step = ends.len().div_ceil(max_samples.max(1)).max(1);
        let sample: Vec<usize> = ends.iter().step_by(step).copied().collect();
        let deltas = self.tag_effects(&sample, job)?;
        Ok(average(&deltas, self.tokenizer))
    }
}

/// One row's attribution turned into each of `tags` tags' share of the risk; `owners[j]`
/// are the tags model column j belongs to.
fn risk_shares(attribution: &Attribution, owners: &[Vec<usize>], tags: usize, positive: Option<usize>, majority: usize) -> Vec<f64> {
    let width = owners.len();
    let outputs = attribution.bias.len();
    let output = |k: usize| &attribution.contributions[k * width..(k + 1) * width];
    let raw: Vec<f64> = (0..outputs).map(|k| attribution.bias[k] + output(k).iter().sum::<f64>()).collect();
    let classes = if outputs == 1 { 2 } else { outputs };
    let (probs, base_probs) = (class_probabilities(&raw), class_probabilities(&attribution.bias));
    // The margin whose rise means "fault": the log-odds of the fault class against its rival.
    let (margin, base_margin, per_feature): (f64, f64, Vec<f64>) = if outputs == 1 {
        let fault = positive.unwrap_or(if majority == 0 { 1 } else { 0 });
        let sign = if fault == 1 { 1.0 } else { -1.0 };
        (sign * raw[0], sign * attribution.bias[0], output(0).iter().map(|c| sign * c).collect())
    } else {
        let most_probable_except = |skip: usize| (0..classes).filter(|&k| k != skip).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap_or(0);
        let (fault, rival) = match positive {
            Some(fault) => (fault, most_probable_except(fault)),
            None => (most_probable_except(majority), majority),
        };
        let (fault, rival) = (fault.min(outputs - 1), rival.min(outputs - 1));
        let per_feature = output(fault).iter().zip(output(rival)).map(|(a, b)| a - b).collect();
        (raw[fault] - raw[rival], attribution.bias[fault] - attribution.bias[rival], per_feature)
    };
    let (risk, base_risk) = (risk_of(&probs, positive, majority), risk_of(&base_probs, positive, majority));
    let secant = (risk - base_risk) / (margin - base_margin);
    let per_margin = if (margin - base_margin).abs() > 1e-9 && secant.is_finite() && secant >= 0.0 { secant } else { risk * (1.0 - risk) };
    let mut shares = vec![0.0f64; tags];
    for (contribution, owner_tags) in per_feature.iter().zip(owners) {
        for &tag in owner_tags {
            if let Some(share) = shares.get_mut(tag) {
                *share += contribution * per_margin / owner_tags.len() as f64;
            }
        }
    }
    shares
}

/// Class probabilities of raw scores: log-odds of class 1 (one score) or softmax.
fn class_probabilities(raw: &[f64]) -> Vec<f32> {
    if let [log_odds] = raw {
        let positive = 1.0 / (1.0 + (-log_odds).exp());
        return vec![(1.0 - positive) as f32, positive as f32];
    }
    let largest = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = raw.iter().map(|r| (r - largest).exp()).sum();
    raw.iter().map(|r| ((r - largest).exp() / total) as f32).collect()
}

/// Mean |delta| and mean delta per tag, largest |delta| first.
pub fn average(deltas: &[Vec<f64>], tokenizer: &Tokenizer) -> Vec<TagContribution> {
    let n = deltas.len().max(1) as f64;
    let mut out: Vec<TagContribution> = tokenizer
        .features
        .iter()
        .enumerate()
        .map(|(j, f)| TagContribution {
            tag: f.name().to_owned(),
            mean_abs: deltas.iter().map(|d| d[j].abs()).sum::<f64>() / n,
            mean_signed: deltas.iter().map(|d| d[j]).sum::<f64>() / n,
        })
        .collect();
    out.sort_by(|a, b| b.mean_abs.total_cmp(&a.mean_abs));
    out
}

/// The `k` tags that raised (or moved) the risk most for one sample.
pub fn top_tags(deltas: &[f64], tokenizer: &Tokenizer, k: usize) -> Vec<TagContribution> {
    let mut order: Vec<usize> = (0..deltas.len()).collect();
    // Tags that push towards a fault first, then by size.
    order.sort_by(|&a, &b| deltas[b].total_cmp(&deltas[a]));
    order
        .into_iter()
        .filter(|&j| deltas[j].abs() > 1e-4)
        .take(k)
        .filter_map(|j| {
            tokenizer.features.get(j).map(|f| TagContribution { tag: f.name().to_owned(), mean_abs: deltas[j].abs(), mean_signed: deltas[j] })
        })
        .collect()
}

/// A change of the risk (in risk units) below which a tag is said not to matter on its own.
pub const NOTICEABLE_CHANGE: f64 = 1e-3;

/// The `k` tags that moved the risk most over an alarm event: each tag's change averaged over
/// the event's explained samples, those pushing towards a fault first. Never empty when the
/// model has features, so every alarm names where to look first.
pub fn event_top_tags(deltas: &[Vec<f64>], tokenizer: &Tokenizer, k: usize) -> Vec<TagContribution> {
    let mut tags = average(deltas, tokenizer);
    if deltas.is_empty() {
        return Vec::new();
    }
    tags.sort_by(|a, b| b.mean_signed.total_cmp(&a.mean_signed).then(b.mean_abs.total_cmp(&a.mean_abs)));
    tags.truncate(k);
    tags
}

/// Recent rows `from..=to` of a tag and how to describe them.
pub struct RecentSpan<'a> {
    pub from: usize,
    pub to: usize,
    pub times_ms: Option<&'a [i64]>,
}

impl RecentSpan<'_> {
    /// "over the last 6 h", "at this sample", "over the last 12 samples", as a phrase.
    fn phrase(&self) -> MessageArg {
        match self.times_ms {
            Some(t) if self.to > self.from => {
                MessageArg::phrase("span_duration", [("duration", MessageArg::Duration((t[self.to] - t[self.from]) as f64 / 1000.0))])
            }
            _ if self.to == self.from => MessageArg::phrase("span_sample", []),
            _ => MessageArg::phrase("span_samples", [("samples", MessageArg::from(self.to - self.from + 1))]),
        }
    }
}

fn number(x: f64) -> String {
    let a = x.abs();
    if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a == 0.0 || !a.is_finite() {
        format!("{x}")
    } else {
        // Three significant digits: "7.36", "0.709", "0.0123".
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 8) as usize;
        let text = format!("{x:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        }
    }
}

/// A value with its unit, written here (three significant digits) so every language shows the
/// same figure.
fn with_unit(x: f64, unit: Option<&str>) -> MessageArg {
    MessageArg::Text(match unit {
        Some(u) if !u.is_empty() => format!("{} {u}", number(x)),
        _ => number(x),
    })
}

/// One sentence on a tag's recent behaviour, coded, e.g. "TI-101: 18.2 °C above its training
/// median of 61.0 °C over the last 6 h, rising." in English.
pub fn describe_tag(coding: &FeatureCoding, values: Option<&Values>, span: &RecentSpan<'_>) -> AlarmSentence {
    let name = coding.name();
    let tag = || ("tag", MessageArg::from(name));
    let Some(values) = values else {
        return AlarmSentence::new("tag_absent", [tag()]);
    };
    match (coding, values) {
        (FeatureCoding::Numeric { median, std, min, max, unit, .. }, Values::Numeric(v)) => {
            let recent: Vec<f64> = v[span.from..=span.to.min(v.len().saturating_sub(1))].iter().flatten().copied().collect();
            let Some(&last) = recent.last() else {
                return AlarmSentence::new("tag_no_values", [tag(), ("span", span.phrase())]);
            };
            let mean = recent.iter().sum::<f64>() / recent.len() as f64;
            let unit = unit.as_deref();
            let diff = mean - median;
            let level = if *std > 0.0 && diff.abs() < 0.5 * std {
                MessageArg::phrase("level_near", [("median", with_unit(*median, unit))])
            } else {
                let code = if diff > 0.0 { "level_above" } else { "level_below" };
                MessageArg::phrase(code, [("difference", with_unit(diff.abs(), unit)), ("median", with_unit(*median, unit))])
            };
            let half = recent.len() / 2;
            let trend = if half >= 1 {
                let first = recent[..half].iter().sum::<f64>() / half as f64;
                let second = recent[half..].iter().sum::<f64>() / (recent.len() - half) as f64;
                let change = second - first;
                if *std > 0.0 && change > 0.25 * std {
                    MessageArg::phrase("trend_rising", [])
                } else if *std > 0.0 && change < -0.25 * std {
                    MessageArg::phrase("trend_falling", [])
                } else {
                    MessageArg::phrase("trend_steady", [])
                }
            } else {
                MessageArg::Text(String::new())
            };
            let range = if last > *max {
                MessageArg::phrase("range_above", [("last", with_unit(last, unit)), ("max", with_unit(*max, unit))])
            } else if last < *min {
                MessageArg::phrase("range_below", [("last", with_unit(last, unit)), ("min", with_unit(*min, unit))])
            } else {
                MessageArg::Text(String::new())
            };
            AlarmSentence::new("tag_numeric", [tag(), ("level", level), ("span", span.phrase()), ("trend", trend), ("range", range)])
        }
        (FeatureCoding::Categorical { levels, .. }, values) => {
            let at = span.to;
            let level = match values {
                Values::Text(v) => v.get(at).cloned().flatten(),
                Values::Numeric(v) => v.get(at).copied().flatten().map(number),
            };
            match level {
                None => AlarmSentence::new("tag_missing_at_alarm", [tag()]),
                Some(l) if levels.contains(&l) => AlarmSentence::new("tag_level", [tag(), ("value", MessageArg::from(l))]),
                Some(l) => AlarmSentence::new("tag_level_rare", [tag(), ("value", MessageArg::from(l))]),
            }
        }
        (FeatureCoding::Numeric { .. }, Values::Text(_)) => AlarmSentence::new("tag_text", [tag()]),
    }
}

/// The opening sentence of an alarm's explanation, coded.
pub fn alarm_headline(peak_risk: f64, peak_row: u64, peak_ms: Option<i64>, samples: usize) -> AlarmSentence {
    let when = match peak_ms {
        Some(ms) => MessageArg::Text(format_epoch_millis(ms)),
        None => MessageArg::phrase("place_row", [("row", MessageArg::from(peak_row))]),
    };
    AlarmSentence::new("headline", [("risk", MessageArg::Text(format!("{peak_risk:.2}"))), ("when", when), ("samples", MessageArg::from(samples))])
}

/// The sentence saying that no tag matters much on its own.
pub fn combination_sentence() -> AlarmSentence {
    AlarmSentence::new("combination", [])
}

/// The sentence saying that the alarm lasts to the end of the data.
pub fn open_at_end_sentence() -> AlarmSentence {
    AlarmSentence::new("open_at_end", [])
}

/// The sentences in English, joined, from the catalogue the edges word them from.
pub fn english_explanation(sentences: &[AlarmSentence]) -> String {
    plantlab_i18n::with_english(|english| {
        sentences
            .iter()
            .map(|sentence| plantlab_i18n::alarm_sentence_text(english, sentence).unwrap_or_else(|| sentence.code.clone()))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

#[cfg(test)]
mod tests {
    use super::{class_probabilities, risk_of, risk_shares};
    use plantlab_trees::Attribution;

    #[test]
    fn tree_shares_add_up_to_the_risk_above_the_base_rate_and_split_products() {
        // Two tags; columns: tag 0, tag 1, their product (owned by both).
        let owners = vec![vec![0], vec![1], vec![0, 1]];
        let attribution = Attribution { bias: vec![-2.0], contributions: vec![1.5, -0.25, 0.5] };
        for (positive, majority) in [(Some(1), 0), (None, 0)] {
            let shares = risk_shares(&attribution, &owners, 2, positive, majority);
            let risk = risk_of(&class_probabilities(&[-0.25]), positive, majority);
            let base = risk_of(&class_probabilities(&[-2.0]), positive, majority);
            assert!((shares.iter().sum::<f64>() - (risk - base)).abs() < 1e-6, "{shares:?}");
            // Tag 0 gets its own 1.5 and half the product's 0.5; tag 1 −0.25 and the other half.
            let per_logit = (risk - base) / 1.75;
            assert!((shares[0] - 1.75 * per_logit).abs() < 1e-6 && (shares[1] - 0.0).abs() < 1e-6, "{shares:?}");
        }
        // Class 0 is the fault: the signs turn.
        let shares = risk_shares(&attribution, &owners, 2, Some(0), 1);
        assert!(shares[0] < 0.0, "tag 0 pushes towards class 1, away from the fault: {shares:?}");

        // Three classes, class 0 normal: the fault is the likeliest other class, against normal.
        let attribution = Attribution { bias: vec![1.0, 0.0, 0.0], contributions: vec![0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.5, 0.0] };
        let shares = risk_shares(&attribution, &owners, 2, None, 0);
        let risk = risk_of(&class_probabilities(&[1.0, 2.0, 0.5]), None, 0);
        let base = risk_of(&class_probabilities(&[1.0, 0.0, 0.0]), None, 0);
        assert!(shares[0] > 0.0 && shares[1].abs() < 1e-12, "class 1 rose through tag 0 only: {shares:?}");
        assert!(shares.iter().sum::<f64>() <= risk - base + 1e-6, "{shares:?} vs {}", risk - base);
    }

    use super::*;

    fn coding() -> FeatureCoding {
        FeatureCoding::Numeric {
            name: "TI-101".into(),
            offset: 0,
            edges: vec![],
            mean: 60.0,
            std: 2.0,
            min: 50.0,
            max: 70.0,
            median: 61.0,
            missing_share: 0.0,
            unit: Some("°C".into()),
        }
    }

    #[test]
    fn small_numbers_keep_three_significant_digits() {
        assert_eq!(number(7.359), "7.36");
        assert_eq!(number(0.70912), "0.709");
        assert_eq!(number(2.1), "2.1");
        assert_eq!(number(-1.644), "-1.64");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(61.23), "61.2");
        assert_eq!(number(1504.4), "1504");
    }

    #[test]
    fn describes_level_trend_and_range() {
        let v = Values::Numeric(vec![Some(75.0), Some(77.0), Some(79.0), Some(81.0)]);
        let times: Vec<i64> = (0..4).map(|i| i * 2 * 3600 * 1000).collect();
        let span = RecentSpan { from: 0, to: 3, times_ms: Some(&times) };
        let text = english_explanation(&[describe_tag(&coding(), Some(&v), &span)]);
        assert_eq!(
            text,
            "TI-101: 17.0 °C above its training median of 61.0 °C over the last 6 h, rising; now 81.0 °C is above anything seen in training (max 70.0 °C)."
        );
        let calm = Values::Numeric(vec![Some(61.0), Some(60.5)]);
        let span = RecentSpan { from: 0, to: 1, times_ms: None };
        assert_eq!(
            english_explanation(&[describe_tag(&coding(), Some(&calm), &span)]),
            "TI-101: near its training median of 61.0 °C over the last 2 samples, steady."
        );
        assert!(english_explanation(&[describe_tag(&coding(), None, &span)]).contains("missing from this file"));
    }
}
