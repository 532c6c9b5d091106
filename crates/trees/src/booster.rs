//! The training state between boosting rounds: binned training rows, their raw scores, the
//! validation rows' raw scores, and the ensemble so far.

use rayon::prelude::*;

use crate::binning::BinnedData;
use crate::ensemble::{outputs_for, probabilities_into, Ensemble, Tree};
use crate::grow::{grow_tree, GrowParams, Workspace};
use crate::rng::SplitMix64;
use crate::{BoostParams, TreesError, MAX_CLASSES, MAX_FEATURES};

/// Class priors are clamped to this so a class absent from training has a finite base score.
const MIN_PRIOR: f64 = 1e-7;

/// What one boosting round reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundStats {
    /// Rounds done so far, this one included (the first round is 1).
    pub round: usize,
    /// Weighted mean log-loss of all training rows after the round.
    pub train_loss: f64,
}

struct ValidationRows {
    x: Vec<f32>,
    rows: usize,
    /// Raw scores, `rows × outputs`.
    raw: Vec<f64>,
}

/// Gradient-boosting training, one round per call to [`Booster::round`].
pub struct Booster {
    params: BoostParams,
    classes: usize,
    /// Raw scores per row: 1 for two classes, else `classes`.
    outputs: usize,
    rows: usize,
    data: BinnedData,
    /// Features that can split at all (not constant).
    splittable: Vec<bool>,
    labels: Vec<u32>,
    weights: Vec<f64>,
    total_weight: f64,
    /// Raw scores of the training rows, `rows × outputs`.
    train_raw: Vec<f64>,
    validation: Option<ValidationRows>,
    ensemble: Ensemble,
    rng: SplitMix64,
    /// Per output, per row: `gradient[k * rows + i]`.
    gradient: Vec<f64>,
    hessian: Vec<f64>,
    all_rows: Vec<u32>,
    work: Workspace,
}

impl Booster {
    /// Prepares training. `x`: row-major `[n, f]`, NaN = missing. `labels` are below `classes`.
    /// `sample_weight`: one per row (class weights are applied by the caller through these).
    /// `validation`: optional row-major `[m, f]` rows whose raw scores are kept up to date
    /// round by round.
    #[allow(clippy::too_many_arguments)] // the engine's one call names every input
    pub fn new(
        params: BoostParams,
        classes: usize,
        x: &[f32],
        n: usize,
        f: usize,
        labels: &[u32],
        sample_weight: &[f32],
        validation: Option<(&[f32], usize)>,
    ) -> Result<Self, TreesError> {
        params.validate()?;
        if !(2..=MAX_CLASSES).contains(&classes) {
            return Err(TreesError::ClassCount { classes });
        }
        if n == 0 {
            return Err(TreesError::NoRows);
        }
        if f == 0 {
            return Err(TreesError::NoFeatures);
        }
        if f > MAX_FEATURES {
            return Err(TreesError::TooManyFeatures { features: f });
        }
        let values = n.checked_mul(f).filter(|_| u32::try_from(n).is_ok()).ok_or(TreesError::TooLarge { rows: n, features: f })?;
        let same_size = |what: &'static str, expected: usize, found: usize| {
            if expected == found {
                Ok(())
            } else {
                Err(TreesError::ShapeMismatch { what, expected, found })
            }
        };
        same_size("the training matrix", values, x.len())?;
        same_size("the training labels", n, labels.len())?;
        same_size("the sample weights", n, sample_weight.len())?;
        if let Some(row) = labels.iter().position(|&label| label as usize >= classes) {
            return Err(TreesError::LabelOutOfRange { row, label: labels[row], classes });
        }
        if let Some(row) = sample_weight.iter().position(|weight| !(weight.is_finite() && *weight >= 0.0)) {
            return Err(TreesError::InvalidWeight { row, weight: sample_weight[row] });
        }
        let weights: Vec<f64> = sample_weight.iter().map(|&weight| f64::from(weight)).collect();
        let total_weight: f64 = weights.iter().sum();
        if total_weight <= 0.0 {
            return Err(TreesError::ZeroTotalWeight);
        }
        let validation = match validation {
            None => None,
            Some((validation_x, rows)) => {
                let values = rows.checked_mul(f).ok_or(TreesError::TooLarge { rows, features: f })?;
                same_size("the validation matrix", values, validation_x.len())?;
                Some((validation_x, rows))
            }
        };

        let outputs = outputs_for(classes);
        let mut class_weight = vec![0.0f64; classes];
        for (&label, &weight) in labels.iter().zip(&weights) {
            class_weight[label as usize] += weight;
        }
        let base_scores: Vec<f32> = if outputs == 1 {
            let positive = (class_weight[1] / total_weight).clamp(MIN_PRIOR, 1.0 - MIN_PRIOR);
            vec![(positive / (1.0 - positive)).ln() as f32]
        } else {
            class_weight.iter().map(|&weight| (weight / total_weight).max(MIN_PRIOR).ln() as f32).collect()
        };
        let base_raw: Vec<f64> = base_scores.iter().map(|&score| f64::from(score)).collect();
        let data = BinnedData::new(x, n, f, params.max_bins);
        let splittable = (0..f).map(|feature| data.splittable(feature)).collect();
        let validation = validation.map(|(validation_x, rows)| ValidationRows {
            x: validation_x.to_vec(),
            rows,
            raw: base_raw.iter().copied().cycle().take(rows * outputs).collect(),
        });
        Ok(Booster {
            rng: SplitMix64::new(params.seed),
            params,
            classes,
            outputs,
            rows: n,
            data,
            splittable,
            labels: labels.to_vec(),
            weights,
            total_weight,
            train_raw: base_raw.iter().copied().cycle().take(n * outputs).collect(),
            validation,
            ensemble: Ensemble::new(classes, f, base_scores),
            gradient: vec![0.0; n * outputs],
            hessian: vec![0.0; n * outputs],
            all_rows: (0..n as u32).collect(),
            work: Workspace::default(),
        })
    }

    /// Adds one boosting round (one tree for two classes, `classes` trees otherwise) and returns
    /// the weighted mean log-loss of the training rows after it.
    pub fn round(&mut self) -> Result<RoundStats, TreesError> {
        self.compute_gradients();
        let sampled_rows = (self.params.subsample < 1.0).then(|| {
            let count = ((self.params.subsample * self.rows as f64).round() as usize).max(1);
            self.rng.choose(&self.all_rows, count)
        });
        let rows = sampled_rows.as_deref().unwrap_or(&self.all_rows);
        let active: Vec<bool> = if self.params.colsample < 1.0 {
            let candidates: Vec<usize> = (0..self.splittable.len()).filter(|&feature| self.splittable[feature]).collect();
            let count = ((self.params.colsample * candidates.len() as f64).round() as usize).max(1);
            let mut active = vec![false; self.splittable.len()];
            for feature in self.rng.choose(&candidates, count) {
                active[feature] = true;
            }
            active
        } else {
            self.splittable.clone()
        };

        let grow_params = GrowParams {
            learning_rate: self.params.learning_rate,
            max_leaves: self.params.max_leaves,
            max_depth: self.params.max_depth,
            min_samples_leaf: self.params.min_samples_leaf,
            l2: self.params.l2,
        };
        let (n, outputs) = (self.rows, self.outputs);
        let mut trees: Vec<Tree> = Vec::with_capacity(outputs);
        for output in 0..outputs {
            let slice = output * n..(output + 1) * n;
            let grown = grow_tree(&self.data, &active, rows, &self.gradient[slice.clone()], &self.hessian[slice], &grow_params, &mut self.work);
            let data = &self.data;
            self.train_raw.par_chunks_mut(outputs).enumerate().for_each(|(row, raw)| {
                raw[output] += f64::from(grown.tree.leaf_value[grown.leaf_of_binned(data, row)]);
            });
            if let Some(validation) = &mut self.validation {
                let features = self.data.features();
                let tree = &grown.tree;
                validation
                    .raw
                    .par_chunks_mut(outputs)
                    .zip(validation.x.par_chunks(features))
                    .try_for_each(|(raw, row)| {
                        raw[output] += f64::from(tree.value_of(row)?);
                        Ok(())
                    })
                    .map_err(|reason: &'static str| TreesError::DamagedModel(reason.to_string()))?;
            }
            trees.push(grown.tree);
        }
        self.ensemble.rounds.push(trees);
        Ok(RoundStats { round: self.ensemble.rounds(), train_loss: self.train_loss() })
    }

    /// Gradient and hessian of the weighted log-loss at the current raw scores.
    fn compute_gradients(&mut self) {
        let (n, outputs, classes) = (self.rows, self.outputs, self.classes);
        let (labels, weights, train_raw) = (&self.labels, &self.weights, &self.train_raw);
        if outputs == 1 {
            self.gradient.par_iter_mut().zip(self.hessian.par_iter_mut()).enumerate().for_each(|(row, (gradient, hessian))| {
                let positive = 1.0 / (1.0 + (-train_raw[row]).exp());
                let target = if labels[row] == 1 { 1.0 } else { 0.0 };
                *gradient = weights[row] * (positive - target);
                *hessian = weights[row] * positive * (1.0 - positive);
            });
            return;
        }
        // Softmax probabilities row by row, then gradients output-major for the trees.
        let mut probs = vec![0.0f64; n * classes];
        probs.par_chunks_mut(classes).zip(train_raw.par_chunks(outputs)).for_each(|(p, raw)| {
            let largest = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut total = 0.0;
            for (p, &score) in p.iter_mut().zip(raw) {
                *p = (score - largest).exp();
                total += *p;
            }
            for p in p.iter_mut() {
                *p /= total;
            }
        });
        let (gradient, hessian) = (&mut self.gradient, &mut self.hessian);
        gradient.par_chunks_mut(n).zip(hessian.par_chunks_mut(n)).enumerate().for_each(|(class, (gradient, hessian))| {
            for row in 0..n {
                let p = probs[row * classes + class];
                let target = if labels[row] as usize == class { 1.0 } else { 0.0 };
                gradient[row] = weights[row] * (p - target);
                hessian[row] = weights[row] * p * (1.0 - p);
            }
        });
    }

    /// Weighted mean log-loss of the training rows at the current raw scores.
    fn train_loss(&self) -> f64 {
        let outputs = self.outputs;
        let mut total = 0.0;
        for (row, raw) in self.train_raw.chunks(outputs).enumerate() {
            let label = self.labels[row] as usize;
            let loss = if outputs == 1 {
                // -ln σ(s) = ln(1 + e^-s) for class 1, and ln(1 + e^s) for class 0.
                let signed = if label == 1 { -raw[0] } else { raw[0] };
                softplus(signed)
            } else {
                let largest = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let log_total = raw.iter().map(|&score| (score - largest).exp()).sum::<f64>().ln() + largest;
                log_total - raw[label]
            };
            total += self.weights[row] * loss;
        }
        total / self.total_weight
    }

    /// Boosting rounds done so far.
    pub fn rounds(&self) -> usize {
        self.ensemble.rounds()
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Class probabilities `[m, classes]` of the validation rows after the rounds so far
    /// (empty without validation rows). Bit-identical to the ensemble's `predict_proba`.
    pub fn validation_probs(&self) -> Vec<f32> {
        match &self.validation {
            Some(validation) => self.probabilities(&validation.raw, validation.rows),
            None => Vec::new(),
        }
    }

    /// Class probabilities `[n, classes]` of the training rows after the rounds so far.
    pub fn train_probs(&self) -> Vec<f32> {
        self.probabilities(&self.train_raw, self.rows)
    }

    fn probabilities(&self, raw: &[f64], rows: usize) -> Vec<f32> {
        let mut probs = vec![0.0f32; rows * self.classes];
        probs.par_chunks_mut(self.classes).zip(raw.par_chunks(self.outputs)).for_each(|(p, raw)| probabilities_into(raw, p));
        probs
    }

    /// The model so far.
    pub fn ensemble(&self) -> &Ensemble {
        &self.ensemble
    }

    /// The model, ending training.
    pub fn into_ensemble(self) -> Ensemble {
        self.ensemble
    }
}

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}
