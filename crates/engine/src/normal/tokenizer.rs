//! Tokens of a multivariate stream for the process language model: per tag, quantile bins
//! fitted on the normal training rows, plus three tokens that say what the bins cannot —
//! missing, below the training range, above it. Every tag has the same number of tokens,
//! `bins + 3`, so a step is `tags` small integers and tag `t`'s token `k` has the global id
//! `t · (bins + 3) + k` (see ARCHITECTURE.md, "Normal-operation models", for the layout).

use super::stats::normal_quantile;
use super::{bad, constant_tag, TagMatrix};
use crate::error::Detail;
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
    /// Rows the bins were fitted on (0 in tokenizers saved before it was kept).
    #[serde(default)]
    pub fit_rows: usize,
    /// Distances beyond the training range, in units of the tag's `spread`, where one
    /// out-of-range token ends and the next begins (ascending): a value far outside the range
    /// gets a different token from one just outside it. Empty in tokenizers saved before
    /// it existed: one token below and one above.
    #[serde(default, with = "super::exact::list")]
    pub tail_steps: Vec<f64>,
    /// Per tag, the standard deviation of the training values (the unit of `tail_steps`).
    #[serde(default, with = "super::exact::list")]
    pub spread: Vec<f64>,
    /// Per tag, the most times in a row a reading repeated the one before it exactly in the
    /// training rows (0 for a tag that never repeated; analyser values held between samples
    /// repeat for the sampling period). Tokens are bins, so a frozen transmitter whose value
    /// sits inside a bin looks normal to the token model; holding longer than normal
    /// operation ever did is the evidence it lacks. Empty in tokenizers saved before it existed.
    #[serde(default)]
    pub longest_hold: Vec<usize>,
}

/// The most consecutive steps at which tag `c`'s reading repeated the one before exactly.
fn longest_hold(data: &TagMatrix, c: usize) -> usize {
    let (mut held, mut longest) = (0usize, 0usize);
    for r in 1..data.rows {
        let (before, now) = (data.row(r - 1)[c], data.row(r)[c]);
        held = if now.is_finite() && now == before { held + 1 } else { 0 };
        longest = longest.max(held);
    }
    longest
}

/// The token after the bins.
pub const MISSING: usize = 0;

/// Where the out-of-range tokens change, in standard deviations beyond the training range.
pub const TAIL_STEPS: [f64; 5] = [0.5, 1.0, 2.0, 4.0, 8.0];

impl StepTokenizer {
    /// Fits `bins` quantile bins per tag on `data` (the normal training rows).
    pub fn fit(data: &TagMatrix, bins: usize) -> Result<Self> {
        if !(2..=256).contains(&bins) {
            return Err(crate::train::setting_out_of_range("bins_per_tag", bins as u64, 2, 256));
        }
        let w = data.width();
        let (mut edges, mut min, mut max, mut spread) = (Vec::with_capacity(w), Vec::with_capacity(w), Vec::with_capacity(w), Vec::with_capacity(w));
        for c in 0..w {
            let mut values: Vec<f64> = (0..data.rows).map(|r| data.row(r)[c]).filter(|v| v.is_finite()).collect();
            values.sort_by(f64::total_cmp);
            let tag = &data.tags[c];
            let (Some(&lo), Some(&hi)) = (values.first(), values.last()) else {
                return Err(bad(Detail::coded("normal_tag_no_values", [("tag", tag.as_str().into())])));
            };
            if hi <= lo {
                return Err(constant_tag(tag, lo));
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
            let mean = values.iter().sum::<f64>() / n as f64;
            let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            spread.push(variance.sqrt());
        }
        let longest_hold = (0..w).map(|c| longest_hold(data, c)).collect();
        Ok(Self { tags: data.tags.clone(), bins, edges, min, max, fit_rows: data.rows, tail_steps: TAIL_STEPS.to_vec(), spread, longest_hold })
    }

    /// Per step (row-major, steps × tags), the surprise in nats of a reading held unchanged
    /// longer than in any stretch of the training rows: that of an event not seen in those
    /// rows, ln(rows + 1), for every step beyond the longest normal hold; 0 otherwise, and in
    /// tokenizers saved without hold lengths.
    pub fn hold_surprise(&self, data: &TagMatrix) -> Result<Vec<f64>> {
        let data = data.select_tags(&self.tags)?;
        let w = self.tags.len();
        let mut out = vec![0.0; data.values.len()];
        if self.longest_hold.len() != w {
            return Ok(out);
        }
        let unseen = (self.fit_rows as f64 + 1.0).ln();
        let mut held = vec![0usize; w];
        for r in 1..data.rows {
            let (before, now) = (data.row(r - 1), data.row(r));
            for c in 0..w {
                held[c] = if now[c].is_finite() && now[c] == before[c] { held[c] + 1 } else { 0 };
                if held[c] > self.longest_hold[c] {
                    out[r * w + c] = unseen;
                }
            }
        }
        Ok(out)
    }

    /// Out-of-range tokens on each side.
    pub fn tail_tokens(&self) -> usize {
        if self.spread.len() == self.tags.len() {
            self.tail_steps.len() + 1
        } else {
            1
        }
    }

    /// Tokens per tag: the bins, missing, then the below-range tokens (nearest first), then
    /// the above-range ones (nearest first).
    pub fn per_tag(&self) -> usize {
        self.bins + 1 + 2 * self.tail_tokens()
    }

    /// Which out-of-range token (0 = nearest) a value `distance` beyond the range falls in.
    fn tail_index(&self, tag: usize, distance: f64) -> usize {
        if self.tail_tokens() == 1 {
            return 0;
        }
        let units = distance / self.spread[tag].max(f64::MIN_POSITIVE);
        self.tail_steps.partition_point(|&step| step <= units)
    }

    /// The stretch beyond the range that out-of-range token `index` covers, in values.
    fn tail_stretch(&self, tag: usize, index: usize) -> (f64, f64) {
        if self.tail_tokens() == 1 {
            return (0.0, f64::INFINITY);
        }
        let spread = self.spread[tag];
        let from = if index == 0 { 0.0 } else { self.tail_steps[index - 1] * spread };
        let to = self.tail_steps.get(index).map_or(f64::INFINITY, |s| s * spread);
        (from, to)
    }

    /// What a token is, in the layout of [`StepTokenizer::per_tag`].
    fn kind(&self, token: u32) -> TokenKind {
        let k = token as usize;
        let tails = self.tail_tokens();
        if k < self.bins {
            TokenKind::Bin(k)
        } else if k == self.bins + MISSING {
            TokenKind::Missing
        } else if k < self.bins + 1 + tails {
            TokenKind::Below(k - self.bins - 1)
        } else {
            TokenKind::Above(k - self.bins - 1 - tails)
        }
    }

    /// The bins' boundaries on the normal-score scale: bin `k` holds the training values
    /// between the `k/bins` and `(k+1)/bins` quantiles, so its boundaries are the standard
    /// normal quantiles of those shares; the outer ones sit where the smallest and largest of
    /// `fit_rows` normal draws are expected (their median, the 1/(2n) quantile), and at least
    /// 0.1 beyond the inner ones.
    pub fn normal_score_edges(&self) -> Vec<f64> {
        let bins = self.bins as f64;
        let inner: Vec<f64> = (1..self.bins).map(|k| normal_quantile(k as f64 / bins)).collect();
        let rows = if self.fit_rows > 0 { self.fit_rows as f64 } else { 1_000.0 };
        let outer = normal_quantile(1.0 - 0.5 / rows).max(inner.last().map_or(0.0, |e| e + 0.1));
        let mut edges = Vec::with_capacity(self.bins + 1);
        edges.push(-outer);
        edges.extend(inner);
        edges.push(outer);
        edges
    }

    pub fn vocabulary(&self) -> usize {
        self.tags.len() * self.per_tag()
    }

    /// The token of `value` for tag `tag`, within that tag's `per_tag()` tokens.
    pub fn token(&self, tag: usize, value: f64) -> u32 {
        let token = if !value.is_finite() {
            self.bins + MISSING
        } else if value < self.min[tag] {
            self.bins + 1 + self.tail_index(tag, self.min[tag] - value)
        } else if value > self.max[tag] {
            self.bins + 1 + self.tail_tokens() + self.tail_index(tag, value - self.max[tag])
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

    /// The range of values token `token` of tag `tag` stands for: its bin, or its stretch
    /// below / above the training range; NaN for the missing token.
    pub fn bin_range(&self, tag: usize, token: u32) -> (f64, f64) {
        let (lo, hi) = (self.min[tag], self.max[tag]);
        match self.kind(token) {
            TokenKind::Missing => (f64::NAN, f64::NAN),
            TokenKind::Below(i) => {
                let (from, to) = self.tail_stretch(tag, i);
                (lo - to, lo - from)
            }
            TokenKind::Above(i) => {
                let (from, to) = self.tail_stretch(tag, i);
                (hi + from, hi + to)
            }
            TokenKind::Bin(k) => {
                let low = if k == 0 { lo } else { self.edges[tag][k - 1] };
                let high = if k + 1 >= self.bins { hi } else { self.edges[tag][k] };
                (low, high)
            }
        }
    }

    /// What token `token` of tag `tag` stands for, in the tag's units.
    pub fn describe(&self, tag: usize, token: u32) -> String {
        let (low, high) = self.bin_range(tag, token);
        match self.kind(token) {
            TokenKind::Missing => "missing".to_owned(),
            TokenKind::Below(_) if low == f64::NEG_INFINITY => format!("below {high:.4}"),
            TokenKind::Above(_) if high == f64::INFINITY => format!("above {low:.4}"),
            _ => format!("{low:.4}–{high:.4}"),
        }
    }
}

enum TokenKind {
    Bin(usize),
    Missing,
    /// Below the training range; 0 is the stretch nearest to it.
    Below(usize),
    Above(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fitted() -> StepTokenizer {
        // One tag, values 0..100: range [0, 99], standard deviation ~28.9.
        let data = TagMatrix { tags: vec!["t".into()], rows: 100, values: (0..100).map(f64::from).collect() };
        StepTokenizer::fit(&data, 4).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn values_beyond_the_range_get_tokens_graded_by_distance_and_each_token_covers_its_values() {
        let tokenizer = fitted();
        let spread = tokenizer.spread[0];
        assert!((spread - 28.866).abs() < 0.01, "{spread}");
        assert_eq!(tokenizer.per_tag(), 4 + 1 + 2 * (TAIL_STEPS.len() + 1));
        let mut seen = Vec::new();
        for value in [-1000.0, -3.0 * spread, -0.7 * spread, -1.0, 0.0, 30.0, 70.0, 99.0, 99.5, 99.0 + 1.5 * spread, 99.0 + 9.0 * spread] {
            let token = tokenizer.token(0, value);
            let (low, high) = tokenizer.bin_range(0, token);
            assert!(low <= value && value <= high, "{value} → token {token} covering {low}..{high}");
            seen.push(token);
        }
        // Farther out is a different token, on both sides.
        assert_eq!(seen.iter().collect::<std::collections::BTreeSet<_>>().len(), 11, "{seen:?}");
        assert_eq!(tokenizer.token(0, f64::NAN), 4 + MISSING as u32);
        assert_eq!(tokenizer.describe(0, tokenizer.token(0, 99.0 + 9.0 * spread)), format!("above {:.4}", 99.0 + 8.0 * spread));
    }

    #[test]
    fn a_tokenizer_saved_before_graded_tails_keeps_one_token_each_side() {
        let mut json = serde_json::to_value(fitted()).unwrap_or_else(|e| panic!("{e}"));
        let object = json.as_object_mut().unwrap_or_else(|| panic!("an object"));
        object.remove("tail_steps");
        object.remove("spread");
        object.remove("fit_rows");
        let old: StepTokenizer = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(old.per_tag(), 4 + 3);
        assert_eq!((old.token(0, -5.0), old.token(0, 500.0)), (5, 6));
        assert_eq!(old.bin_range(0, 6), (99.0, f64::INFINITY));
        assert_eq!(old.normal_score_edges().len(), 5);
    }
}
