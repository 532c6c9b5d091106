//! The process language model, engine side: tokenizes the normal rows, trains the causal
//! transformer of `plantlab_model::process_lm` by next-step prediction (seeded shuffled batches,
//! cancel between batches, early stopping on validation loss), and calibrates the alarm
//! threshold of its surprise on held-out normal rows.
//!
//! The normal rows are split in time: the first 65 % train, the next 15 % decide early
//! stopping, the last 20 % calibrate the threshold; no part sees another's rows.

use plantlab_model::process_lm::{ProcessLmSpec, ProcessLmTrainer};

use super::detect::{calibrate, StepScores};
use super::synthetic::Noise;
use super::tokenizer::StepTokenizer;
use super::{bad, split_segments, stack_segments, NormalRows, TagMatrix};
use crate::error::Detail;
use crate::{EngineError, JobContext, Result};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LmSettings {
    /// Steps of context the model sees before the step it predicts.
    pub window: usize,
    pub bins: usize,
    pub d_model: usize,
    pub heads: usize,
    pub layers: usize,
    pub feed_forward: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub max_epochs: usize,
    /// Epochs without a better validation loss before training stops.
    pub patience: usize,
    pub seed: u64,
    /// Share of the normal rows (the latest) held out to calibrate the threshold.
    pub holdout: f64,
    /// Share of the remaining normal rows (the latest) used for early stopping.
    pub validation: f64,
    pub target_false_alarm_rate: f64,
    /// Steps the surprise is averaged over (causal); 1 = none.
    pub smoothing: usize,
    /// Each tag's prediction also sees the same step's other tags (see `ProcessLmSpec`);
    /// models saved before this setting existed did not: absent means `false`.
    #[serde(default)]
    pub step_context: bool,
    /// Ordinal tokens (see `ProcessLmSpec::ordinal_edges`); absent in older models: `false`.
    #[serde(default)]
    pub ordinal: bool,
}

impl Default for LmSettings {
    fn default() -> Self {
        Self {
            window: 10,
            bins: 16,
            d_model: 32,
            heads: 4,
            layers: 2,
            feed_forward: 64,
            learning_rate: 1e-3,
            batch_size: 32,
            max_epochs: 60,
            patience: 6,
            seed: 1,
            holdout: 0.2,
            validation: 0.19,
            target_false_alarm_rate: 0.01,
            smoothing: 1,
            step_context: true,
            ordinal: true,
        }
    }
}

/// Losses after one epoch (mean cross-entropy per tag token, nats).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochLosses {
    pub epoch: usize,
    pub train_loss: f64,
    pub validation_loss: f64,
    pub validation_perplexity: f64,
}

pub struct ProcessLm {
    pub tokenizer: StepTokenizer,
    pub settings: LmSettings,
    pub threshold: f64,
    pub history: Vec<EpochLosses>,
    pub best_epoch: usize,
    pub calibration_steps: usize,
    /// Per tag, the mean and spread of its surprise on the validation rows: a tag's surprise
    /// counts in units of its own normal variation, so a tag the model predicts sharply is
    /// not drowned by the noise of many it cannot. Empty in models saved before it existed
    /// (their score is the plain sum).
    pub surprise_baseline: SurpriseBaseline,
    /// How much wider than trained the predicted distributions are read when scoring
    /// (chosen on the validation rows; 1 in models saved before it existed).
    pub widening: f64,
    trainer: ProcessLmTrainer,
}

/// What turns a trained network's surprise into a score and an alarm (kept in bundles).
pub struct LmScoring {
    pub threshold: f64,
    pub surprise_baseline: SurpriseBaseline,
    pub widening: f64,
}

/// The widenings tried on the validation rows after training.
const WIDENINGS: [f64; 8] = [1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0];

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SurpriseBaseline {
    #[serde(with = "super::exact::list")]
    pub mean: Vec<f64>,
    #[serde(with = "super::exact::list")]
    pub scale: Vec<f64>,
}

impl SurpriseBaseline {
    /// From per-tag surprises, row-major `steps × tags` (NaN where a step was not scored).
    fn fit(per_tag: &[f64], tags: usize) -> Self {
        let (mut mean, mut scale) = (Vec::with_capacity(tags), Vec::with_capacity(tags));
        for c in 0..tags {
            let values: Vec<f64> = per_tag.iter().skip(c).step_by(tags).copied().filter(|v| v.is_finite()).collect();
            let n = values.len().max(1) as f64;
            let m = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
            mean.push(m);
            // A floor: a tag predicted alike at every validation step must not divide by ~0.
            scale.push(var.sqrt().max(0.05));
        }
        Self { mean, scale }
    }

    /// The step's score from its tags' surprises: the sum of each tag's surprise above its
    /// normal mean, in units of its normal spread (never negative, so it can be drawn on a
    /// log scale; the plain sum for models saved without a baseline).
    fn combine(&self, parts: &[f64]) -> f64 {
        if self.mean.len() != parts.len() {
            return parts.iter().sum();
        }
        parts.iter().zip(self.mean.iter().zip(&self.scale)).map(|(p, (m, s))| ((p - m) / s).max(0.0)).sum()
    }
}

/// One tag's part in an alarm: what the model expected and what it saw.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TagSurprise {
    pub tag: String,
    pub surprise: f64,
    pub expected: String,
    pub observed: f64,
}

/// Windows of `window + 1` consecutive steps inside the segments, as row starts.
fn window_starts(segments: &[(usize, usize)], window: usize) -> Vec<usize> {
    segments.iter().flat_map(|&(s, e)| (s..e.saturating_sub(window)).filter(move |&i| i + window < e)).collect()
}

fn gather_windows(tokens: &[u32], tags: usize, window: usize, starts: &[usize]) -> Vec<u32> {
    let len = (window + 1) * tags;
    let mut out = Vec::with_capacity(starts.len() * len);
    for &s in starts {
        out.extend_from_slice(&tokens[s * tags..s * tags + len]);
    }
    out
}

fn model_error(err: plantlab_model::ModelError) -> EngineError {
    EngineError::Model(err.to_string())
}

impl ProcessLm {
    /// Trains on the normal rows of `data` (in time order), reporting each epoch to
    /// `on_epoch` and progress to `ctx`; stops with `Cancelled` when `ctx` is cancelled.
    pub fn train(
        data: &TagMatrix,
        normal: &NormalRows,
        settings: LmSettings,
        ctx: &JobContext,
        mut on_epoch: impl FnMut(&EpochLosses),
    ) -> Result<Self> {
        if settings.window == 0 || settings.batch_size == 0 || settings.max_epochs == 0 {
            return Err(bad(Detail::coded("normal_lm_settings", [])));
        }
        let segments = normal.segments(data.rows)?;
        let (learn, calibration) = split_segments(&segments, settings.holdout);
        let (train, validation) = split_segments(&learn, settings.validation);
        let train_starts = window_starts(&train, settings.window);
        let validation_starts = window_starts(&validation, settings.window);
        let calibration_rows: usize = calibration.iter().map(|(s, e)| e - s).sum();
        if train_starts.len() < settings.batch_size.min(8) || validation_starts.is_empty() || calibration_rows <= settings.window {
            let total: usize = segments.iter().map(|(s, e)| e - s).sum();
            return Err(bad(Detail::coded("normal_lm_rows", [("rows", total.into()), ("window", settings.window.into())])));
        }
        let tokenizer = StepTokenizer::fit(&stack_segments(data, &learn), settings.bins)?;
        let tokens = tokenizer.encode(data)?;
        let tags = tokenizer.tags.len();
        let mut trainer = ProcessLmTrainer::new(spec_for(&tokenizer, &settings)).map_err(model_error)?;
        let validation_windows = gather_windows(&tokens, tags, settings.window, &validation_starts);
        let mut rng = Noise::new(settings.seed);
        let mut order = train_starts.clone();
        let (mut best_loss, mut best_epoch, mut history) = (f64::INFINITY, 0, Vec::new());
        for epoch in 1..=settings.max_epochs {
            // Seeded Fisher–Yates shuffle of the training windows.
            for i in (1..order.len()).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
            let (mut sum, mut count) = (0.0, 0usize);
            for batch in order.chunks(settings.batch_size) {
                ctx.check_cancelled()?;
                let windows = gather_windows(&tokens, tags, settings.window, batch);
                let loss = trainer.train_batch(&windows, batch.len()).map_err(model_error)?;
                if !loss.is_finite() {
                    let detail = Detail::coded("normal_loss_diverged", [("loss", loss.to_string().into()), ("epoch", epoch.into())]);
                    return Err(EngineError::Diverged(detail));
                }
                sum += loss * batch.len() as f64;
                count += batch.len();
            }
            let validation_loss = validation_loss(&trainer, &validation_windows, validation_starts.len())?;
            let losses = EpochLosses { epoch, train_loss: sum / count.max(1) as f64, validation_loss, validation_perplexity: validation_loss.exp() };
            on_epoch(&losses);
            ctx.progress(epoch as f32 / settings.max_epochs as f32, crate::Stage::LanguageModelEpoch(epoch, validation_loss));
            history.push(losses);
            if validation_loss < best_loss {
                best_loss = validation_loss;
                best_epoch = epoch;
                trainer.keep_as_best().map_err(model_error)?;
            } else if epoch - best_epoch >= settings.patience {
                break;
            }
        }
        trainer.restore_best();
        let mut widening = 1.0;
        let mut widened_best = f64::INFINITY;
        for factor in WIDENINGS {
            trainer.set_widening(factor as f32);
            let loss = validation_loss(&trainer, &validation_windows, validation_starts.len())?;
            if loss < widened_best {
                (widening, widened_best) = (factor, loss);
            }
        }
        trainer.set_widening(widening as f32);
        let mut model = Self {
            tokenizer,
            settings,
            threshold: f64::INFINITY,
            history,
            best_epoch,
            calibration_steps: 0,
            surprise_baseline: SurpriseBaseline::default(),
            widening,
            trainer,
        };
        let mut validation_surprise = Vec::new();
        for &(s, e) in &validation {
            validation_surprise.extend(model.score_raw(&data.slice_rows(s, e))?.0.per_tag);
        }
        model.surprise_baseline = SurpriseBaseline::fit(&validation_surprise, tags);
        let mut held = Vec::new();
        for &(s, e) in &calibration {
            held.extend(model.score(&data.slice_rows(s, e))?.total);
        }
        model.calibration_steps = held.iter().filter(|v| v.is_finite()).count();
        model.threshold = calibrate(&held, model.settings.target_false_alarm_rate)?;
        Ok(model)
    }

    /// A trained model from its stored parts (a bundle).
    pub fn from_parts(
        tokenizer: StepTokenizer,
        settings: LmSettings,
        scoring: LmScoring,
        best_epoch: usize,
        history: Vec<EpochLosses>,
        weights: Vec<u8>,
    ) -> Result<Self> {
        let mut trainer = ProcessLmTrainer::from_weight_bytes(spec_for(&tokenizer, &settings), weights).map_err(model_error)?;
        trainer.set_widening(scoring.widening as f32);
        let LmScoring { threshold, surprise_baseline, widening } = scoring;
        Ok(Self { tokenizer, settings, threshold, history, best_epoch, calibration_steps: 0, surprise_baseline, widening, trainer })
    }

    /// The best weights as a burnpack, for a bundle.
    pub fn weights(&self) -> Result<Vec<u8>> {
        self.trainer.best_weight_bytes().map_err(model_error)
    }

    pub fn validation_loss(&self) -> f64 {
        self.history.iter().map(|h| h.validation_loss).fold(f64::INFINITY, f64::min)
    }

    /// The surprise of every step that has `window` steps before it (earlier ones are NaN):
    /// per tag the negative log-likelihood of its observed token, in total their sum;
    /// smoothed by the model's setting.
    pub fn score(&self, data: &TagMatrix) -> Result<StepScores> {
        Ok(self.score_raw(data)?.0.smoothed(self.settings.smoothing))
    }

    /// The smoothed scores (as [`ProcessLm::score`]) and, per step and tag (row-major), the
    /// range of values the model found most likely: one scoring pass for a whole prediction.
    pub fn score_with_expected(&self, data: &TagMatrix) -> Result<(StepScores, Vec<(f64, f64)>)> {
        let (scores, expected) = self.score_raw(data)?;
        let tags = self.tokenizer.tags.len();
        let ranges = expected.iter().enumerate().map(|(i, &token)| self.tokenizer.bin_range(i % tags, token)).collect();
        Ok((scores.smoothed(self.settings.smoothing), ranges))
    }

    /// Unsmoothed scores and, per scored step and tag, the token the model expected.
    fn score_raw(&self, data: &TagMatrix) -> Result<(StepScores, Vec<u32>)> {
        let tokens = self.tokenizer.encode(data)?;
        let holds = self.tokenizer.hold_surprise(data)?;
        let tags = self.tokenizer.tags.len();
        let w = self.settings.window;
        let mut total = vec![f64::NAN; data.rows];
        let mut per_tag = vec![f64::NAN; data.rows * tags];
        let mut expected = vec![0u32; data.rows * tags];
        let starts: Vec<usize> = (0..data.rows.saturating_sub(w)).collect();
        for chunk in starts.chunks(256) {
            let windows = gather_windows(&tokens, tags, w, chunk);
            let surprise = self.trainer.surprise(&windows, chunk.len()).map_err(model_error)?;
            for (i, &start) in chunk.iter().enumerate() {
                let row = start + w;
                // The token's surprise plus that of a reading held longer than normal.
                let parts = &surprise.nll[i * tags..(i + 1) * tags];
                let parts: Vec<f64> = parts.iter().zip(&holds[row * tags..(row + 1) * tags]).map(|(&v, h)| f64::from(v) + h).collect();
                total[row] = self.surprise_baseline.combine(&parts);
                for c in 0..tags {
                    per_tag[row * tags + c] = parts[c];
                    expected[row * tags + c] = surprise.expected[i * tags + c];
                }
            }
        }
        Ok((StepScores { tags: self.tokenizer.tags.clone(), total, per_tag }, expected))
    }

    /// The `count` tags that surprised the model most at `row`, with what it expected (the
    /// range of its most likely bin) and what it saw.
    pub fn explain(&self, data: &TagMatrix, row: usize, count: usize) -> Result<Vec<TagSurprise>> {
        let (scores, expected) = self.score_raw(data)?;
        let data = data.select_tags(&self.tokenizer.tags)?;
        let tags = self.tokenizer.tags.len();
        Ok(scores
            .top_tags(row, count)
            .into_iter()
            .filter_map(|(tag, surprise)| {
                let c = self.tokenizer.tags.iter().position(|t| *t == tag)?;
                Some(TagSurprise { expected: self.tokenizer.describe(c, expected[row * tags + c]), observed: data.row(row)[c], tag, surprise })
            })
            .collect())
    }
}

fn spec_for(tokenizer: &StepTokenizer, settings: &LmSettings) -> ProcessLmSpec {
    ProcessLmSpec {
        tags: tokenizer.tags.len(),
        tokens_per_tag: tokenizer.per_tag(),
        window: settings.window,
        d_model: settings.d_model,
        heads: settings.heads,
        layers: settings.layers,
        feed_forward: settings.feed_forward,
        learning_rate: settings.learning_rate,
        seed: settings.seed,
        step_context: settings.step_context,
        ordinal_edges: settings.ordinal.then(|| tokenizer.normal_score_edges()),
        // A tag's spread is about one unit of the normal-score scale, so the steps carry over.
        tail_steps: if settings.ordinal && tokenizer.tail_tokens() > 1 { tokenizer.tail_steps.clone() } else { Vec::new() },
    }
}

fn validation_loss(trainer: &ProcessLmTrainer, windows: &[u32], n: usize) -> Result<f64> {
    let per = windows.len() / n.max(1);
    let (mut sum, mut count) = (0.0, 0usize);
    for chunk in windows.chunks(per * 256) {
        let m = chunk.len() / per.max(1);
        sum += trainer.loss(chunk, m).map_err(model_error)? * m as f64;
        count += m;
    }
    Ok(sum / count.max(1) as f64)
}
