//! Models of normal operation: trained on rows the user marks as normal, without fault labels,
//! they score how unusual each new time step is.
//!
//! - `pca`: the textbook baseline, PCA with Hotelling T² and Q (SPE) at theoretical limits.
//! - `linear`: the next-step linear predictor (ridge regression from one step's autoscaled tags
//!   to the next's; the score is the Mahalanobis distance of the prediction error).
//! - `tokenizer` and `lm`: the process language model, a causal transformer over per-tag
//!   quantile-bin tokens whose surprise (negative log-likelihood) is the score.
//! - `detect`: what all three share: smoothing, calibrated thresholds, detection metrics.
//! - `prediction_csv`: a prediction with a normal-operation model as CSV, one line per sample.
//! - `tep`: reading the Tennessee Eastman benchmark files for the benchmark command.
//!
//! Everything here works on a [`TagMatrix`] (rows × tags of f64, NaN = missing), so the models
//! know nothing of data frames or files.

pub mod bundle;
pub mod detect;
pub(crate) mod exact;
pub mod frame;
pub mod linear;
pub mod lm;
pub mod pca;
pub mod prediction_csv;
pub mod stats;
pub mod synthetic;
pub mod tep;
pub mod tokenizer;
pub(crate) mod wording;

use crate::error::Detail;
use crate::{EngineError, Result};

/// Time steps × tags, row-major; NaN marks a missing value.
#[derive(Clone, Debug, PartialEq)]
pub struct TagMatrix {
    pub tags: Vec<String>,
    pub rows: usize,
    pub values: Vec<f64>,
}

impl TagMatrix {
    pub fn new(tags: Vec<String>, values: Vec<f64>) -> Result<Self> {
        if tags.is_empty() {
            return Err(bad(Detail::coded("normal_no_tags", [])));
        }
        if !values.len().is_multiple_of(tags.len()) {
            return Err(EngineError::Internal(format!("{} values do not fill rows of {} tags", values.len(), tags.len())));
        }
        let rows = values.len() / tags.len();
        Ok(Self { tags, rows, values })
    }

    pub fn width(&self) -> usize {
        self.tags.len()
    }

    pub fn row(&self, i: usize) -> &[f64] {
        let w = self.width();
        &self.values[i * w..(i + 1) * w]
    }

    /// The rows `start..end` (clamped to the data).
    pub fn slice_rows(&self, start: usize, end: usize) -> TagMatrix {
        let (start, end) = (start.min(self.rows), end.min(self.rows).max(start.min(self.rows)));
        let w = self.width();
        TagMatrix { tags: self.tags.clone(), rows: end - start, values: self.values[start * w..end * w].to_vec() }
    }

    /// The columns of `tags`, in that order. A tag the model was trained on and this data lacks
    /// is an error that names it: scoring without it would hide what the model cannot see.
    pub fn select_tags(&self, tags: &[String]) -> Result<TagMatrix> {
        let mut columns = Vec::with_capacity(tags.len());
        let mut missing = Vec::new();
        for tag in tags {
            match self.tags.iter().position(|t| t == tag) {
                Some(i) => columns.push(i),
                None => missing.push(tag.as_str()),
            }
        }
        if !missing.is_empty() {
            let names = missing.iter().map(|tag| Detail::coded("quoted_name", [("name", (*tag).into())]).as_arg().clone()).collect();
            return Err(bad(Detail::coded(
                "normal_missing_tags",
                [("count", missing.len().into()), ("tags", plantlab_protocol::MessageArg::List(names))],
            )));
        }
        let mut values = Vec::with_capacity(self.rows * columns.len());
        for r in 0..self.rows {
            let row = self.row(r);
            values.extend(columns.iter().map(|&c| row[c]));
        }
        Ok(TagMatrix { tags: tags.to_vec(), rows: self.rows, values })
    }

    /// The matrix without the named tags (unknown names are an error, to catch typos).
    pub fn without_tags(&self, exclude: &[String]) -> Result<TagMatrix> {
        if let Some(unknown) = exclude.iter().find(|e| !self.tags.contains(e)) {
            return Err(EngineError::UnknownColumn(unknown.clone()));
        }
        let keep: Vec<String> = self.tags.iter().filter(|t| !exclude.contains(t)).cloned().collect();
        self.select_tags(&keep)
    }
}

/// A settings or data problem of a normal-operation model.
pub(crate) fn bad(detail: Detail) -> EngineError {
    EngineError::BadTrainConfig(detail)
}

/// `tag` holds only `value` in the normal rows, so it says nothing about normal variation.
pub(crate) fn constant_tag(tag: &str, value: f64) -> EngineError {
    bad(Detail::coded("normal_tag_constant", [("tag", tag.into()), ("value", plantlab_protocol::MessageArg::Number(value))]))
}

/// Per-tag mean and standard deviation of the normal rows ("autoscaling").
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Autoscale {
    pub tags: Vec<String>,
    #[serde(with = "exact::list")]
    pub mean: Vec<f64>,
    #[serde(with = "exact::list")]
    pub std: Vec<f64>,
}

impl Autoscale {
    /// Fits on `data`, ignoring missing values. A tag with fewer than two values, or one that
    /// does not vary, is refused by name: it would divide by zero, and it says nothing about
    /// normal variation.
    pub fn fit(data: &TagMatrix) -> Result<Self> {
        let w = data.width();
        let mut mean = vec![0.0; w];
        let mut std = vec![0.0; w];
        for c in 0..w {
            let values: Vec<f64> = (0..data.rows).map(|r| data.row(r)[c]).filter(|v| v.is_finite()).collect();
            let tag = &data.tags[c];
            if values.len() < 2 {
                return Err(bad(Detail::coded("normal_tag_too_few_values", [("tag", tag.as_str().into()), ("count", values.len().into())])));
            }
            let m = values.iter().sum::<f64>() / values.len() as f64;
            let var = values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (values.len() - 1) as f64;
            let s = var.sqrt();
            if s.is_nan() || s <= 1e-9 * (1.0 + m.abs()) {
                return Err(constant_tag(tag, m));
            }
            mean[c] = m;
            std[c] = s;
        }
        Ok(Self { tags: data.tags.clone(), mean, std })
    }

    /// Scaled values, row-major; a missing value becomes 0 (the normal mean).
    pub fn apply(&self, data: &TagMatrix) -> Result<Vec<f64>> {
        let data = data.select_tags(&self.tags)?;
        let w = data.width();
        Ok(data
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let c = i % w;
                if v.is_finite() {
                    (v - self.mean[c]) / self.std[c]
                } else {
                    0.0
                }
            })
            .collect())
    }
}

/// Which rows are normal operation: the user's choice when training.
#[derive(Clone, Debug, PartialEq)]
pub enum NormalRows {
    /// Every row.
    All,
    /// Rows `start..end` (a known good period).
    Range { start: usize, end: usize },
    /// Rows where the given mask is true (e.g. `label == 0`).
    Mask(Vec<bool>),
}

impl NormalRows {
    /// The maximal runs of consecutive normal rows, as `start..end` ranges: a next-step model
    /// must not learn a jump from the end of one normal period to the start of the next.
    pub fn segments(&self, rows: usize) -> Result<Vec<(usize, usize)>> {
        let segments = match self {
            NormalRows::All => vec![(0, rows)],
            NormalRows::Range { start, end } => {
                let (s, e) = ((*start).min(rows), (*end).min(rows));
                if s < e {
                    vec![(s, e)]
                } else {
                    Vec::new()
                }
            }
            NormalRows::Mask(mask) => {
                let mut out = Vec::new();
                let mut start = None;
                for i in 0..rows {
                    let normal = mask.get(i).copied().unwrap_or(false);
                    match (normal, start) {
                        (true, None) => start = Some(i),
                        (false, Some(s)) => {
                            out.push((s, i));
                            start = None;
                        }
                        _ => {}
                    }
                }
                if let Some(s) = start {
                    out.push((s, rows));
                }
                out
            }
        };
        let total: usize = segments.iter().map(|(s, e)| e - s).sum();
        if total == 0 {
            return Err(bad(Detail::coded("normal_no_normal_rows", [])));
        }
        Ok(segments)
    }
}

/// Rows `start..end` of one stretch of normal operation.
pub type Segment = (usize, usize);

/// Splits the normal segments in time: the first `1 − holdout` share of the normal rows for
/// fitting, the rest held out to calibrate the threshold. Returns (fit, held-out) segments.
pub fn split_segments(segments: &[(usize, usize)], holdout: f64) -> (Vec<Segment>, Vec<Segment>) {
    let total: usize = segments.iter().map(|(s, e)| e - s).sum();
    let fit_rows = ((total as f64) * (1.0 - holdout.clamp(0.0, 0.9))).round() as usize;
    let (mut fit, mut held) = (Vec::new(), Vec::new());
    let mut taken = 0;
    for &(s, e) in segments {
        let len = e - s;
        if taken + len <= fit_rows {
            fit.push((s, e));
        } else if taken >= fit_rows {
            held.push((s, e));
        } else {
            let cut = s + (fit_rows - taken);
            fit.push((s, cut));
            held.push((cut, e));
        }
        taken += len;
    }
    (fit, held)
}

/// The rows of the segments, stacked (for fitting statistics that ignore time order).
pub fn stack_segments(data: &TagMatrix, segments: &[(usize, usize)]) -> TagMatrix {
    let w = data.width();
    let mut values = Vec::new();
    for &(s, e) in segments {
        values.extend_from_slice(&data.values[s * w..e * w]);
    }
    TagMatrix { tags: data.tags.clone(), rows: values.len() / w.max(1), values }
}
