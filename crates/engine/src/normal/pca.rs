//! The textbook detector of normal operation: PCA on autoscaled normal data, with Hotelling's
//! T² in the kept components and Q (SPE, the squared prediction error) outside them, each
//! against its theoretical limit (F distribution for T², Jackson–Mudholkar for Q).

use nalgebra::{DMatrix, SymmetricEigen};

use super::detect::StepScores;
use super::stats::{f_quantile, normal_quantile};
use super::{bad, Autoscale, TagMatrix};
use crate::error::Detail;
use crate::{EngineError, Result};

/// Components kept by default (the Tennessee Eastman textbook setting).
pub const DEFAULT_COMPONENTS: usize = 9;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PcaModel {
    pub scale: Autoscale,
    pub components: usize,
    /// Tags × components, row-major: the kept eigenvectors of the correlation matrix.
    #[serde(with = "super::exact::list")]
    pub loadings: Vec<f64>,
    /// The kept eigenvalues, largest first.
    #[serde(with = "super::exact::list")]
    pub eigenvalues: Vec<f64>,
    #[serde(with = "super::exact::scalar")]
    pub t2_limit: f64,
    #[serde(with = "super::exact::scalar")]
    pub q_limit: f64,
    pub confidence: f64,
    pub fitted_rows: usize,
}

/// T² and Q per step, and the combined index max(T²/limit, Q/limit), which alarms above 1.
#[derive(Clone, Debug, PartialEq)]
pub struct PcaScores {
    pub t2: Vec<f64>,
    pub q: Vec<f64>,
    /// Total: the combined index; per tag: each tag's squared residual over the Q limit.
    pub combined: StepScores,
}

impl PcaModel {
    /// Fits on the normal rows `data` (time order does not matter here).
    pub fn fit(data: &TagMatrix, components: usize, confidence: f64) -> Result<Self> {
        let w = data.width();
        let n = data.rows;
        if components == 0 || components >= w {
            let max = w.saturating_sub(1);
            return Err(bad(Detail::coded("normal_pca_components", [("max", max.into()), ("tags", w.into()), ("components", components.into())])));
        }
        if n <= components + 1 {
            return Err(bad(Detail::coded(
                "normal_pca_rows",
                [("components", components.into()), ("min", (components + 1).into()), ("rows", n.into())],
            )));
        }
        if !(confidence > 0.5 && confidence < 1.0) {
            return Err(bad(Detail::coded("normal_pca_confidence", [])));
        }
        let scale = Autoscale::fit(data)?;
        let x = DMatrix::from_row_slice(n, w, &scale.apply(data)?);
        let correlation = (x.transpose() * &x) / (n as f64 - 1.0);
        let eigen = SymmetricEigen::try_new(correlation, 1e-12, 10_000)
            .ok_or_else(|| EngineError::Internal("the eigen decomposition of the correlation matrix did not converge".into()))?;
        let mut order: Vec<usize> = (0..w).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let values: Vec<f64> = order.iter().map(|&i| eigen.eigenvalues[i].max(0.0)).collect();
        if values[components - 1] <= 1e-12 {
            return Err(bad(Detail::coded("normal_pca_directions", [("components", components.into())])));
        }
        let mut loadings = vec![0.0; w * components];
        for (j, &i) in order.iter().take(components).enumerate() {
            for r in 0..w {
                loadings[r * components + j] = eigen.eigenvectors[(r, i)];
            }
        }
        let (k, nf) = (components as f64, n as f64);
        let t2_limit = k * (nf - 1.0) * (nf + 1.0) / (nf * (nf - k)) * f_quantile(confidence, k, nf - k);
        let q_limit = jackson_mudholkar(&values[components..], confidence);
        Ok(Self { scale, components, loadings, eigenvalues: values[..components].to_vec(), t2_limit, q_limit, confidence, fitted_rows: n })
    }

    pub fn score(&self, data: &TagMatrix) -> Result<PcaScores> {
        let x = self.scale.apply(data)?;
        let (w, k) = (self.scale.tags.len(), self.components);
        let rows = data.rows;
        let (mut t2, mut q) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        let mut total = Vec::with_capacity(rows);
        let mut per_tag = Vec::with_capacity(rows * w);
        let mut t = vec![0.0; k];
        for r in 0..rows {
            let row = &x[r * w..(r + 1) * w];
            t.iter_mut().for_each(|v| *v = 0.0);
            for (i, &xi) in row.iter().enumerate() {
                for (tj, loading) in t.iter_mut().zip(&self.loadings[i * k..(i + 1) * k]) {
                    *tj += xi * loading;
                }
            }
            let t2_r: f64 = t.iter().zip(&self.eigenvalues).map(|(tj, l)| tj * tj / l).sum();
            let mut q_r = 0.0;
            for (i, &xi) in row.iter().enumerate() {
                let fitted: f64 = (0..k).map(|j| t[j] * self.loadings[i * k + j]).sum();
                let e = xi - fitted;
                q_r += e * e;
                per_tag.push(e * e / self.q_limit);
            }
            t2.push(t2_r);
            q.push(q_r);
            total.push((t2_r / self.t2_limit).max(q_r / self.q_limit));
        }
        Ok(PcaScores { t2, q, combined: StepScores { tags: self.scale.tags.clone(), total, per_tag } })
    }
}

/// Jackson and Mudholkar's limit of Q from the eigenvalues left out of the model.
fn jackson_mudholkar(residual_eigenvalues: &[f64], confidence: f64) -> f64 {
    let theta = |power: i32| residual_eigenvalues.iter().map(|l| l.powi(power)).sum::<f64>();
    let (t1, t2, t3) = (theta(1), theta(2), theta(3));
    if t1 <= 0.0 || t2 <= 0.0 {
        return f64::MIN_POSITIVE;
    }
    let h0 = 1.0 - 2.0 * t1 * t3 / (3.0 * t2 * t2);
    let z = normal_quantile(confidence);
    let inner = z * (2.0 * t2 * h0 * h0).sqrt() / t1 + 1.0 + t2 * h0 * (h0 - 1.0) / (t1 * t1);
    t1 * inner.max(0.0).powf(1.0 / h0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn correlated(rows: usize, seed: u64) -> TagMatrix {
        let mut rng = crate::normal::synthetic::Noise::new(seed);
        let mut values = Vec::new();
        for _ in 0..rows {
            let (a, b) = (rng.normal(), rng.normal());
            values.extend([a, a + 0.1 * rng.normal(), b, b - a + 0.1 * rng.normal(), rng.normal()]);
        }
        TagMatrix::new((0..5).map(|i| format!("t{i}")).collect(), values).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn limits_hold_on_normal_data_and_a_broken_correlation_trips_q() {
        let model = PcaModel::fit(&correlated(2000, 1), 3, 0.99).unwrap_or_else(|e| panic!("{e}"));
        let fresh = correlated(2000, 2);
        let scores = model.score(&fresh).unwrap_or_else(|e| panic!("{e}"));
        let t2_rate = scores.t2.iter().filter(|&&v| v > model.t2_limit).count() as f64 / 2000.0;
        let q_rate = scores.q.iter().filter(|&&v| v > model.q_limit).count() as f64 / 2000.0;
        assert!(t2_rate < 0.03 && q_rate < 0.03, "T² {t2_rate}, Q {q_rate}");
        // t1 no longer follows t0: the correlation breaks, which only Q sees, on tag t1.
        let mut broken = fresh.clone();
        for r in 0..broken.rows {
            broken.values[r * 5 + 1] = -broken.values[r * 5];
        }
        let scores = model.score(&broken).unwrap_or_else(|e| panic!("{e}"));
        let q_rate = scores.q.iter().filter(|&&v| v > model.q_limit).count() as f64 / 2000.0;
        assert!(q_rate > 0.5, "Q alarms on {q_rate}");
        let top = scores.combined.top_tags(10, 2);
        assert!(top.iter().any(|(t, _)| t == "t1" || t == "t0"), "{top:?}");
    }

    #[test]
    fn too_many_components_or_too_few_rows_are_refused() {
        let data = correlated(50, 3);
        assert!(PcaModel::fit(&data, 5, 0.99).is_err());
        assert!(PcaModel::fit(&data.slice_rows(0, 3), 2, 0.99).is_err());
    }
}
