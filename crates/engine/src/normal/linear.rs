//! The language model's linear counterpart: a next-step predictor of normal operation. Ridge
//! regression maps one step's autoscaled tags to the next step's; the score of a step is the
//! Mahalanobis distance of its prediction error under the error covariance of normal data.
//! The threshold is calibrated on held-out normal rows for a target false-alarm rate.

use nalgebra::{DMatrix, DVector};

use super::detect::{calibrate, StepScores};
use super::{bad, split_segments, stack_segments, Autoscale, NormalRows, TagMatrix};
use crate::error::Detail;
use crate::{EngineError, Result};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinearSettings {
    /// Ridge penalty, relative to the scale of the autoscaled data (per pair of steps).
    pub ridge: f64,
    /// Share of the normal rows (the latest ones) held out to calibrate the threshold.
    pub holdout: f64,
    /// Share of held-out normal steps allowed above the threshold.
    pub target_false_alarm_rate: f64,
    /// Steps the score is averaged over (causal); 1 = none.
    pub smoothing: usize,
}

impl Default for LinearSettings {
    fn default() -> Self {
        Self { ridge: 0.1, holdout: 0.2, target_false_alarm_rate: 0.01, smoothing: 1 }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinearPredictor {
    pub scale: Autoscale,
    pub settings: LinearSettings,
    /// Tags × tags, row-major: next = bias + current · weights.
    #[serde(with = "super::exact::list")]
    pub weights: Vec<f64>,
    #[serde(with = "super::exact::list")]
    pub bias: Vec<f64>,
    /// Cholesky factor (lower, row-major) of the prediction-error covariance.
    #[serde(with = "super::exact::list")]
    pub error_cholesky: Vec<f64>,
    /// Standard deviation of each tag's prediction error, for per-tag parts of the score.
    #[serde(with = "super::exact::list")]
    pub error_std: Vec<f64>,
    #[serde(with = "super::exact::scalar")]
    pub threshold: f64,
    pub fitted_pairs: usize,
    pub calibration_steps: usize,
}

impl LinearPredictor {
    /// Fits on the normal rows of `data` (which must be in time order).
    pub fn fit(data: &TagMatrix, normal: &NormalRows, settings: LinearSettings) -> Result<Self> {
        let segments = normal.segments(data.rows)?;
        let (fit_segments, held_segments) = split_segments(&segments, settings.holdout);
        let w = data.width();
        let scale = Autoscale::fit(&stack_segments(data, &fit_segments))?;
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for &(s, e) in &fit_segments {
            let scaled = scale.apply(&data.slice_rows(s, e))?;
            for t in 1..(e - s) {
                xs.extend_from_slice(&scaled[(t - 1) * w..t * w]);
                ys.extend_from_slice(&scaled[t * w..(t + 1) * w]);
            }
        }
        let pairs = xs.len() / w;
        if pairs < w + 2 {
            return Err(bad(Detail::coded("normal_linear_pairs", [("tags", w.into()), ("min", (w + 2).into()), ("pairs", pairs.into())])));
        }
        let x = DMatrix::from_row_slice(pairs, w, &xs);
        let y = DMatrix::from_row_slice(pairs, w, &ys);
        let x_mean = x.row_mean();
        let y_mean = y.row_mean();
        let xc = DMatrix::from_fn(pairs, w, |r, c| x[(r, c)] - x_mean[c]);
        let yc = DMatrix::from_fn(pairs, w, |r, c| y[(r, c)] - y_mean[c]);
        let mut gram = xc.transpose() * &xc;
        for i in 0..w {
            gram[(i, i)] += settings.ridge * pairs as f64;
        }
        let weights = gram
            .cholesky()
            .ok_or_else(|| EngineError::Internal("the ridge system of the next-step predictor is not positive definite".into()))?
            .solve(&(xc.transpose() * &yc));
        let bias = y_mean - x_mean * &weights;
        let residuals = yc - xc * &weights;
        let mut covariance = (residuals.transpose() * &residuals) / (pairs as f64 - 1.0);
        // A little shrinkage towards the diagonal keeps the inverse stable when tags are
        // nearly collinear in the prediction errors.
        for r in 0..w {
            for c in 0..w {
                if r != c {
                    covariance[(r, c)] *= 0.95;
                }
            }
        }
        let error_std: Vec<f64> = (0..w).map(|i| covariance[(i, i)].max(1e-12).sqrt()).collect();
        let cholesky =
            covariance.cholesky().ok_or_else(|| EngineError::Internal("the prediction-error covariance is not positive definite".into()))?;
        let l = cholesky.l();
        let mut model = Self {
            scale,
            weights: row_major(&weights),
            bias: bias.iter().copied().collect(),
            error_cholesky: row_major(&l),
            error_std,
            threshold: f64::INFINITY,
            fitted_pairs: pairs,
            calibration_steps: 0,
            settings,
        };
        let mut held_scores = Vec::new();
        for &(s, e) in &held_segments {
            held_scores.extend(model.score(&data.slice_rows(s, e))?.total);
        }
        model.calibration_steps = held_scores.iter().filter(|s| s.is_finite()).count();
        model.threshold = calibrate(&held_scores, model.settings.target_false_alarm_rate)?;
        Ok(model)
    }

    /// Scores every step after the first (which has no previous step), smoothed by the
    /// model's setting. Per tag: the squared standardized prediction error.
    pub fn score(&self, data: &TagMatrix) -> Result<StepScores> {
        let x = self.scale.apply(data)?;
        let w = self.scale.tags.len();
        let l = DMatrix::from_row_slice(w, w, &self.error_cholesky);
        let mut total = vec![f64::NAN; data.rows];
        let mut per_tag = vec![f64::NAN; data.rows * w];
        let mut error = DVector::zeros(w);
        for t in 1..data.rows {
            let previous = &x[(t - 1) * w..t * w];
            for c in 0..w {
                let predicted = self.bias[c] + (0..w).map(|r| previous[r] * self.weights[r * w + c]).sum::<f64>();
                error[c] = x[t * w + c] - predicted;
                per_tag[t * w + c] = (error[c] / self.error_std[c]).powi(2);
            }
            // d² = eᵀ Σ⁻¹ e = |L⁻¹ e|² with Σ = L Lᵀ.
            let whitened =
                l.solve_lower_triangular(&error).ok_or_else(|| EngineError::Internal("the prediction-error covariance factor is singular".into()))?;
            total[t] = whitened.norm_squared();
        }
        let scores = StepScores { tags: self.scale.tags.clone(), total, per_tag };
        Ok(scores.smoothed(self.settings.smoothing))
    }
}

impl LinearPredictor {
    /// Per tag, the range normal operation expected at step `row` (the prediction from the
    /// step before ± 2 standard deviations of the prediction error), in the tag's units;
    /// NaN for the first step, which has no step before it.
    pub fn expected_ranges(&self, data: &TagMatrix, row: usize) -> Result<Vec<(f64, f64)>> {
        let w = self.scale.tags.len();
        if row == 0 || row >= data.rows {
            return Ok(vec![(f64::NAN, f64::NAN); w]);
        }
        let x = self.scale.apply(&data.slice_rows(row - 1, row))?;
        Ok((0..w)
            .map(|c| {
                let predicted = self.bias[c] + (0..w).map(|r| x[r] * self.weights[r * w + c]).sum::<f64>();
                let (mean, std) = (self.scale.mean[c], self.scale.std[c]);
                let band = 2.0 * self.error_std[c];
                ((predicted - band) * std + mean, (predicted + band) * std + mean)
            })
            .collect())
    }
}

fn row_major(m: &DMatrix<f64>) -> Vec<f64> {
    let mut out = Vec::with_capacity(m.nrows() * m.ncols());
    for r in 0..m.nrows() {
        for c in 0..m.ncols() {
            out.push(m[(r, c)]);
        }
    }
    out
}
