//! Gradient-boosted trees on a run's dense features (standardized tags, one-hot levels,
//! window features): the `trees` model, and the trees baseline every other run is measured
//! against. Round by round, so the curves draw live and Cancel takes effect between rounds;
//! early stopping keeps the round that is best on validation (see `selection_score`).

use std::time::Instant;

use plantlab_protocol::{EpochMetrics, TreeSettings};
use plantlab_trees::{BoostParams, Booster, Ensemble};

use super::data::{Part, Prepared};
use super::{metrics, selection_score, weighted_loss};
use crate::error::{Detail, EngineError, Result};
use crate::tasks::JobContext;

/// Most boosting rounds and leaves per tree a run may ask for.
pub const MAX_ROUNDS: u32 = 100_000;
pub const MAX_LEAVES: u32 = 4096;

/// The samples the trees learn from and are validated on.
pub struct TreeData<'a> {
    pub prepared: &'a Prepared,
    /// Rows per sample (1 in row mode): a window's rows are laid side by side.
    pub window: usize,
    pub train: &'a Part,
    pub validation: &'a Part,
    /// Loss weight per class (rare faults count more).
    pub class_weights: &'a [f64],
    pub positive: Option<usize>,
}

impl TreeData<'_> {
    fn width(&self) -> usize {
        self.prepared.encoded.dense_width * self.window
    }

    fn rows(&self, part: &Part) -> Vec<f32> {
        let mut out = Vec::new();
        self.prepared.encoded.gather_dense(&part.ends, self.window, &mut out);
        out
    }
}

/// A finished fit: the ensemble cut back to its best round.
pub struct TreeFit {
    pub ensemble: Ensemble,
    pub rounds_run: u32,
    pub best_round: u32,
    pub(crate) stop_message: super::StopReason,
}

/// Checks tree settings before anything is allocated for them.
pub fn check_settings(settings: &TreeSettings) -> Result<()> {
    let bad = |detail: Detail| Err(EngineError::BadTrainConfig(detail));
    if !(1..=MAX_ROUNDS).contains(&settings.rounds) {
        return Err(super::setting_out_of_range("boosting_rounds", u64::from(settings.rounds), 1, u64::from(MAX_ROUNDS)));
    }
    if !settings.learning_rate.is_finite() || settings.learning_rate <= 0.0 || settings.learning_rate > 1.0 {
        return bad(Detail::coded("trees_learning_rate", [("value", settings.learning_rate.to_string().into())]));
    }
    if !(2..=MAX_LEAVES).contains(&settings.max_leaves) {
        return Err(super::setting_out_of_range("leaves_per_tree", u64::from(settings.max_leaves), 2, u64::from(MAX_LEAVES)));
    }
    if settings.min_samples_leaf == 0 {
        return bad(Detail::coded("trees_min_samples_leaf", []));
    }
    if !settings.l2.is_finite() || settings.l2 < 0.0 {
        return bad(Detail::coded("trees_l2", [("value", settings.l2.to_string().into())]));
    }
    if settings.patience == 0 {
        return bad(Detail::coded("trees_patience", []));
    }
    Ok(())
}

fn trees_err(e: plantlab_trees::TreesError) -> EngineError {
    EngineError::Model(e.to_string())
}

/// Grows trees round by round until `settings.rounds` or until the validation score has not
/// improved for `settings.patience` rounds. `on_round` sees each round's figures (the live
/// curve); `progress` is the span of the task's progress bar the rounds fill and the stage each round reports.
pub fn fit_trees(
    data: &TreeData<'_>,
    settings: &TreeSettings,
    seed: u64,
    job: &JobContext,
    progress: (f32, f32, fn(u32, u32) -> crate::Stage),
    on_round: &mut dyn FnMut(EpochMetrics) -> Result<()>,
) -> Result<TreeFit> {
    check_settings(settings)?;
    let classes = data.prepared.tokenizer.classes.len();
    let width = data.width();
    let x = data.rows(data.train);
    let x_val = data.rows(data.validation);
    let (n, m) = (data.train.ends.len(), data.validation.ends.len());
    let sample_weight: Vec<f32> = data.train.labels.iter().map(|&l| data.class_weights.get(l as usize).copied().unwrap_or(1.0) as f32).collect();
    let params = BoostParams {
        learning_rate: settings.learning_rate,
        max_leaves: settings.max_leaves as usize,
        min_samples_leaf: settings.min_samples_leaf as usize,
        l2: settings.l2,
        seed,
        ..BoostParams::default()
    };
    let mut booster = Booster::new(params, classes, &x, n, width, &data.train.labels, &sample_weight, Some((&x_val, m))).map_err(trees_err)?;
    let (mut best_score, mut best_round, mut since_best) = (f64::NEG_INFINITY, 0u32, 0u32);
    let mut stop_message = super::StopReason::completed("round", settings.rounds);
    let mut rounds_run = 0;
    let (from, to, stage) = progress;
    for round in 1..=settings.rounds {
        job.check_cancelled()?;
        let started = Instant::now();
        let stats = booster.round().map_err(trees_err)?;
        let seconds = started.elapsed().as_secs_f64();
        rounds_run = round;
        let val_probs = booster.validation_probs();
        let val_loss = weighted_loss(&val_probs, classes, &data.validation.labels, data.class_weights);
        let val = metrics::classification_metrics(&val_probs, classes, &data.validation.labels, data.positive);
        let train_probs = booster.train_probs();
        let train_correct =
            train_probs.chunks(classes.max(1)).zip(&data.train.labels).filter(|(row, &label)| metrics::argmax(row) == label as usize).count();
        let score = selection_score(&val, val_loss, data.positive);
        let best = score > best_score;
        if best {
            (best_score, best_round, since_best) = (score, round, 0);
        } else {
            since_best += 1;
        }
        on_round(EpochMetrics {
            epoch: round,
            train_loss: stats.train_loss,
            train_accuracy: train_correct as f64 / n.max(1) as f64,
            val_loss,
            val_accuracy: val.accuracy,
            val_roc_auc: val.roc_auc,
            val_pr_auc: val.pr_auc,
            best,
            seconds,
            samples_per_s: n as f64 / seconds.max(1e-9),
        })?;
        job.progress(from + (to - from) * round as f32 / settings.rounds as f32, stage(round, settings.rounds));
        if since_best >= settings.patience && round < settings.rounds {
            stop_message = super::StopReason::early("round", round, data.positive, settings.patience);
            break;
        }
    }
    if best_round == 0 {
        return Err(EngineError::Diverged(Detail::coded("trees_score_not_number", [])));
    }
    let mut ensemble = booster.into_ensemble();
    ensemble.truncate(best_round as usize);
    Ok(TreeFit { ensemble, rounds_run, best_round, stop_message })
}

/// Class probabilities of a part's samples, `[samples, classes]`.
pub fn predict_part(ensemble: &Ensemble, data: &TreeData<'_>, part: &Part, job: &JobContext) -> Result<Vec<f32>> {
    job.check_cancelled()?;
    ensemble.predict_proba(&data.rows(part), part.ends.len()).map_err(trees_err)
}
