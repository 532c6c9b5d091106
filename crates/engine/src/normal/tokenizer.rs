//! Tokens of a multivariate stream for the process language model: per tag, quantile bins
//! fitted on the normal training rows, plus three tokens that say what the bins cannot —
//! missing, below the training range, above it. Every tag has the same number of tokens,
//! `bins + 3`, so a step is `tags` small integers and tag `t`'s token `k` has the global id
//! `t · (bins + 3) + k` (see ARCHITECTURE.md, "Normal-operation models", for the layout).

use super::{bad, TagMatrix};
use crate::Result;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepTokenizer {
    pub tags: Vec<String>,
    pub bins: usize,
    /// Per tag, the `bins − 1` inner bin edges (ascending); value v is in bin
    /// `#edges ≤ v`.
    #[serde(with = "super::exact::nested")]
    pub edges: Vec<Vec<f64>>,
    /// Per tag, the smallest and largest training value.
    #[serde(with = "super::exact::list")]
    pub min: Vec<f64>,
    #[serde(with = "super::exact::list")]
    pub max: Vec<f64>,
}

/// The three tokens after the bins.
pub const MISSING: usize = 0;
pub const BELOW_RANGE: usize = 1;
pub const ABOVE_RANGE: usize = 2;

impl StepTokenizer {
    /// Fits `bins` quantile bins per tag on `data` (the normal training rows).
    pub fn fit(data: &TagMatrix, bins: usize) -> Result<Self> {
        if !(2..=256).contains(&bins) {
            return Err(bad(&format!("the number of bins per tag must be between 2 and 256; {bins} was asked")));
        }
        let w = data.width();
        let (mut edges, mut min, mut max) = (Vec::with_capacity(w), Vec::with_capacity(w), Vec::with_capacity(w));
        for c in 0..w {
            let mut values: Vec<f64> = (0..data.rows).map(|r| data.row(r)[c]).filter(|v| v.is_finite()).collect();
            values.sort_by(f64::total_cmp);
            let tag = &data.tags[c];
            let (Some(&lo), Some(&hi)) = (values.first(), values.last()) else {
                return Err(bad(&format!("tag \"{tag}\" has no values in the normal training rows. Exclude it")));
            };
            if hi <= lo {
                return Err(bad(&format!(
                    "tag \"{tag}\" is constant in the normal rows (always {lo}); a model of normal variation cannot use it. Exclude it"
                )));
            }
            // Edge k sits between the order statistics around the k/bins quantile.
            let n = values.len();
            let tag_edges = (1..bins)
                .map(|k| {
                    let position = k as f64 * n as f64 / bins as f64;
                    let i = (position.floor() as usize).clamp(1, n - 1);
                    0.5 * (values[i - 1] + values[i])
                })
                .collect();
            edges.push(tag_edges);
            min.push(lo);
            max.push(hi);
        }
        Ok(Self { tags: data.tags.clone(), bins, edges, min, max })
    }

    /// Tokens per tag (bins + missing + below + above).
    pub fn per_tag(&self) -> usize {
        self.bins + 3
    }

    pub fn vocabulary(&self) -> usize {
        self.tags.len() * self.per_tag()
    }

    /// The token of `value` for tag `tag`, within that tag's `per_tag()` tokens.
    pub fn token(&self, tag: usize, value: f64) -> u32 {
        let token = if !value.is_finite() {
            self.bins + MISSING
        } else if value < self.min[tag] {
            self.bins + BELOW_RANGE
        } else if value > self.max[tag] {
            self.bins + ABOVE_RANGE
        } else {
            self.edges[tag].partition_point(|&e| e <= value)
        };
        token as u32
    }

    /// Each row's tokens, row-major `rows × tags` (per-tag tokens, not global ids). The data
    /// must have the tokenizer's tags (a missing one is named).
    pub fn encode(&self, data: &TagMatrix) -> Result<Vec<u32>> {
        let data = data.select_tags(&self.tags)?;
        let w = self.tags.len();
        Ok(data.values.iter().enumerate().map(|(i, &v)| self.token(i % w, v)).collect())
    }

    /// The range of values token `token` of tag `tag` stands for: its bin, or below / above
    /// the training range (open-ended); NaN for the missing token.
    pub fn bin_range(&self, tag: usize, token: u32) -> (f64, f64) {
        let k = token as usize;
        let (lo, hi) = (self.min[tag], self.max[tag]);
        if k == self.bins + MISSING {
            (f64::NAN, f64::NAN)
        } else if k == self.bins + BELOW_RANGE {
            (f64::NEG_INFINITY, lo)
        } else if k == self.bins + ABOVE_RANGE {
            (hi, f64::INFINITY)
        } else {
            let low = if k == 0 { lo } else { self.edges[tag][k - 1] };
            let high = if k + 1 >= self.bins { hi } else { self.edges[tag][k] };
            (low, high)
        }
    }

    /// What token `token` of tag `tag` stands for, in the tag's units.
    pub fn describe(&self, tag: usize, token: u32) -> String {
        let k = token as usize;
        let (lo, hi) = (self.min[tag], self.max[tag]);
        if k == self.bins + MISSING {
            "missing".to_owned()
        } else if k == self.bins + BELOW_RANGE {
            format!("below {lo:.4}")
        } else if k == self.bins + ABOVE_RANGE {
            format!("above {hi:.4}")
        } else {
            let low = if k == 0 { lo } else { self.edges[tag][k - 1] };
            let high = if k + 1 >= self.bins { hi } else { self.edges[tag][k] };
            format!("{low:.4}–{high:.4}")
        }
    }
}
