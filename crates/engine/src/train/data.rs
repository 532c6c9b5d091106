//! From a data frame to training samples: the label classes, the time-ordered split, the
//! tokenizer (quantile bins per numeric tag plus a null token, one token per categorical
//! level) fitted on the training part, and the dense standardized features for the MLP.

use std::collections::{BTreeMap, HashMap};

use plantlab_protocol::{MessageArg, SequenceMode, SplitFractions, TrainConfig};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::window_features::{self, WindowFeatureSpec, WINDOW_STATS};
use crate::error::{Detail, EngineError, Result};

/// Smallest number of samples each of train, validation and test must get.
const MIN_SAMPLES_PER_PART: usize = 5;

/// One feature column as the tokenizer sees it, with what prediction needs to know about
/// its training values (range, median, unit) to warn about new data and explain alarms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum FeatureCoding {
    /// Tokens: `offset` = missing, `offset + 1 + b` = bin b, where b counts the `edges`
    /// (training quantiles) at or below the value. `mean`/`std` standardize it for the MLP.
    Numeric {
        name: String,
        offset: u32,
        edges: Vec<f64>,
        mean: f64,
        std: f64,
        /// Smallest, largest and median training value.
        #[serde(default)]
        min: f64,
        #[serde(default)]
        max: f64,
        #[serde(default)]
        median: f64,
        /// Share of training rows where the value is missing.
        #[serde(default)]
        missing_share: f64,
        /// From the export's units row, e.g. `°C`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// Tokens: `offset` = missing, `offset + 1` = a level rare or unseen in training,
    /// `offset + 2 + i` = `levels[i]`.
    Categorical {
        name: String,
        offset: u32,
        levels: Vec<String>,
        #[serde(default)]
        missing_share: f64,
    },
}

impl FeatureCoding {
    pub fn name(&self) -> &str {
        match self {
            FeatureCoding::Numeric { name, .. } | FeatureCoding::Categorical { name, .. } => name,
        }
    }

    /// The token that stands for "missing" (also what occlusion puts in the tag's place).
    pub fn null_token(&self) -> u32 {
        match self {
            FeatureCoding::Numeric { offset, .. } | FeatureCoding::Categorical { offset, .. } => *offset,
        }
    }

    pub fn token_count(&self) -> u32 {
        match self {
            FeatureCoding::Numeric { edges, .. } => edges.len() as u32 + 2,
            FeatureCoding::Categorical { levels, .. } => levels.len() as u32 + 2,
        }
    }

    /// Columns this feature takes in the dense (MLP) input.
    pub fn dense_width(&self) -> usize {
        match self {
            FeatureCoding::Numeric { .. } => 1,
            FeatureCoding::Categorical { levels, .. } => levels.len() + 1,
        }
    }
}

/// The fitted tokenizer, saved with the run as `tokenizer.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tokenizer {
    pub target: String,
    /// Class labels as text, in the order of the model's outputs.
    pub classes: Vec<String>,
    pub features: Vec<FeatureCoding>,
    pub vocab_size: u32,
    pub bins: u32,
    /// Window features appended to the dense input (MLP, trees), fitted on the training rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_features: Option<WindowFeatureSpec>,
    /// Products of pairs of numeric tags appended after the window features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactions: Option<InteractionSpec>,
}

/// The tag pairs whose products are features, with their training mean and spread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InteractionSpec {
    /// Indices into the tokenizer's features (numeric tags).
    pub pairs: Vec<(usize, usize)>,
    pub means: Vec<f64>,
    pub stds: Vec<f64>,
}

/// Most numeric tags whose pairs are multiplied (24 tags: 276 products).
pub const MAX_INTERACTION_TAGS: usize = 24;

impl InteractionSpec {
    /// Checks a spec read from a file before it sizes anything.
    pub fn check(&self, features: usize) -> std::result::Result<(), Detail> {
        let most = MAX_INTERACTION_TAGS * (MAX_INTERACTION_TAGS - 1) / 2;
        if self.pairs.len() > most || self.pairs.iter().any(|&(a, b)| a >= features || b >= features) {
            return Err(Detail::coded("interaction_unknown_tag", []));
        }
        if self.means.len() != self.pairs.len() || self.stds.len() != self.pairs.len() {
            return Err(Detail::coded("interaction_statistics_count", []));
        }
        if self.means.iter().chain(&self.stds).any(|x| !x.is_finite()) || self.stds.iter().any(|s| *s <= 0.0) {
            return Err(Detail::coded("interaction_statistics_values", []));
        }
        Ok(())
    }
}

impl Tokenizer {
    /// Dense input columns per row: the features' own, then the window features.
    pub fn dense_width(&self) -> usize {
        self.features.iter().map(FeatureCoding::dense_width).sum::<usize>()
            + self.window_features.as_ref().map_or(0, WindowFeatureSpec::width)
            + self.interactions.as_ref().map_or(0, |i| i.pairs.len())
    }

    /// For each feature, the dense columns that carry it (its own and its window features):
    /// what occlusion blanks to ask how much the model relies on the tag.
    pub fn dense_slots(&self) -> Vec<Vec<usize>> {
        let mut slots = Vec::with_capacity(self.features.len());
        let mut at = 0;
        for coding in &self.features {
            slots.push((at..at + coding.dense_width()).collect::<Vec<_>>());
            at += coding.dense_width();
        }
        if let Some(spec) = &self.window_features {
            let k = WINDOW_STATS.len();
            for (n, &tag) in spec.tags.iter().enumerate() {
                if let Some(tag_slots) = slots.get_mut(tag) {
                    tag_slots.extend(at + n * k..at + (n + 1) * k);
                }
            }
            at += spec.width();
        }
        if let Some(spec) = &self.interactions {
            for (n, &(a, b)) in spec.pairs.iter().enumerate() {
                for tag in [a, b] {
                    if let Some(tag_slots) = slots.get_mut(tag) {
                        tag_slots.push(at + n);
                    }
                }
            }
        }
        slots
    }
}

/// A column's values, read once from the frame.
pub enum Values {
    Numeric(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
}

/// Everything training needs, in row order.
pub struct Prepared {
    pub tokenizer: Tokenizer,
    /// Class index per row; `None` where the label is missing.
    pub labels: Vec<Option<u32>>,
    pub encoded: Encoded,
    pub rows: usize,
    /// Row ranges of the three parts (time order).
    pub parts: [std::ops::Range<usize>; 3],
}

/// Rows turned into model input with a fitted tokenizer.
pub struct Encoded {
    /// Token per row and feature, `[rows, features]`.
    pub row_tokens: Vec<u32>,
    /// Standardized dense features per row, `[rows, dense_width]` (empty unless asked for).
    pub row_dense: Vec<f32>,
    pub dense_width: usize,
    /// Per feature, how the encoded values compare with training.
    pub inputs: Vec<InputCheck>,
}

/// How one feature's values compare with what the tokenizer saw in training.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputCheck {
    /// The column is absent from the data (every value encodes as missing).
    pub absent: bool,
    pub missing: u64,
    /// Values below the training minimum or above the training maximum.
    pub out_of_range: u64,
    /// Text levels never seen (or pooled as rare) in training.
    pub unseen: u64,
    /// Up to 5 row numbers of out-of-range or unseen values.
    pub examples: Vec<u64>,
}

/// Samples of one part: each is a window ending at `ends[i]` (a single row in row mode).
pub struct Part {
    pub ends: Vec<usize>,
    pub labels: Vec<u32>,
}

/// The feature columns: those configured, or all but the target, the excluded and time columns.
pub fn feature_columns(frame: &DataFrame, config: &TrainConfig, timestamp_column: Option<&str>) -> Result<Vec<String>> {
    let names: Vec<String> = frame.get_column_names().iter().map(|n| n.to_string()).collect();
    for name in config.features.iter().chain(&config.exclude).chain(std::iter::once(&config.target)) {
        if !names.contains(name) {
            return Err(EngineError::UnknownColumn(name.clone()));
        }
    }
    let chosen: Vec<String> = if config.features.is_empty() {
        frame
            .columns()
            .iter()
            .filter(|c| {
                let name = c.name().as_str();
                name != config.target
                    && !config.exclude.iter().any(|e| e == name)
                    && Some(name) != timestamp_column
                    && !matches!(c.dtype(), DataType::Datetime(..) | DataType::Date | DataType::Time | DataType::Duration(_))
            })
            .map(|c| c.name().to_string())
            .collect()
    } else {
        config.features.iter().filter(|f| **f != config.target && !config.exclude.contains(f)).cloned().collect()
    };
    if chosen.is_empty() {
        return Err(EngineError::BadTrainConfig(Detail::coded("no_features", [])));
    }
    Ok(chosen)
}

pub fn read_values(frame: &DataFrame, name: &str) -> Result<Values> {
    let column = frame.column(name).map_err(|_| EngineError::UnknownColumn(name.to_owned()))?;
    let series = column.as_materialized_series();
    let internal = |e: PolarsError| EngineError::Internal(format!("reading column \"{name}\": {e}"));
    if series.dtype().is_primitive_numeric() {
        let cast = series.cast(&DataType::Float64).map_err(internal)?;
        let values = cast.f64().map_err(internal)?.iter().map(|v| v.filter(|x| x.is_finite())).collect();
        Ok(Values::Numeric(values))
    } else {
        let cast = series.cast(&DataType::String).map_err(internal)?;
        let values = cast.str().map_err(internal)?.iter().map(|v| v.map(str::to_owned)).collect();
        Ok(Values::Text(values))
    }
}

/// The class labels of the target, sorted (numerically for numeric targets), and each row's
/// class index (`None` where the label is missing or not a finite number).
pub(crate) fn label_classes(values: &Values, target: &str) -> Result<(Vec<String>, Vec<Option<u32>>)> {
    let (classes, labels): (Vec<String>, Vec<Option<u32>>) = match values {
        Values::Numeric(v) => {
            let mut distinct: Vec<f64> = v.iter().flatten().copied().collect();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            if distinct.len() > MAX_CLASSES {
                return Err(too_many_classes(target, distinct.len()));
            }
            let labels = v.iter().map(|x| x.and_then(|x| distinct.iter().position(|d| *d == x).map(|i| i as u32))).collect();
            (distinct.iter().map(|d| format_number(*d)).collect(), labels)
        }
        Values::Text(v) => {
            let mut distinct: Vec<&String> = v.iter().flatten().collect();
            distinct.sort();
            distinct.dedup();
            if distinct.len() > MAX_CLASSES {
                return Err(too_many_classes(target, distinct.len()));
            }
            let index: HashMap<&String, u32> = distinct.iter().enumerate().map(|(i, s)| (*s, i as u32)).collect();
            let labels = v.iter().map(|x| x.as_ref().and_then(|x| index.get(x).copied())).collect();
            (distinct.into_iter().cloned().collect(), labels)
        }
    };
    if classes.len() < 2 {
        return Err(EngineError::BadTrainConfig(Detail::coded("target_constant", [("target", target.into()), ("count", classes.len().into())])));
    }
    Ok((classes, labels))
}

const MAX_CLASSES: usize = 50;

fn too_many_classes(target: &str, n: usize) -> EngineError {
    EngineError::BadTrainConfig(Detail::coded("too_many_classes", [("target", target.into()), ("count", n.into()), ("max", MAX_CLASSES.into())]))
}

fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Row ranges of train / validation / test in time order.
fn split_rows(rows: usize, split: &SplitFractions) -> Result<[std::ops::Range<usize>; 3]> {
    let fractions = [split.train, split.validation, split.test];
    if fractions.iter().any(|f| !f.is_finite() || *f <= 0.0) {
        return Err(EngineError::BadTrainConfig(Detail::coded("split_positive", [])));
    }
    let total: f64 = fractions.iter().sum();
    let train_end = ((split.train / total) * rows as f64).round() as usize;
    let val_end = (((split.train + split.validation) / total) * rows as f64).round() as usize;
    Ok([0..train_end, train_end..val_end.max(train_end), val_end.max(train_end)..rows])
}

/// Quantile cut points of the training values: at most `bins − 1`, strictly increasing.
fn quantile_edges(mut values: Vec<f64>, bins: u32) -> Vec<f64> {
    if values.is_empty() || bins < 2 {
        return Vec::new();
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mut edges: Vec<f64> = Vec::with_capacity(bins as usize);
    for k in 1..bins {
        let at = ((k as f64 / bins as f64) * n as f64).floor() as usize;
        let edge = values[at.min(n - 1)];
        // An edge equal to the smallest value would leave bin 0 empty; skip it and repeats.
        if edge > values[0] && edges.last().is_none_or(|last| edge > *last) {
            edges.push(edge);
        }
    }
    edges
}

/// Reads the frame, fits the tokenizer on the training rows and encodes every row.
pub fn prepare(frame: &DataFrame, config: &TrainConfig, timestamp_column: Option<&str>) -> Result<Prepared> {
    if config.bins < 2 {
        return Err(EngineError::BadTrainConfig(Detail::coded("bins_at_least_two", [])));
    }
    let features = feature_columns(frame, config, timestamp_column)?;
    let rows = frame.height();
    let target_values = read_values(frame, &config.target)?;
    let (classes, labels) = label_classes(&target_values, &config.target)?;
    let parts = split_rows(rows, &config.split)?;
    let train = parts[0].clone();
    let train_rows = train.len().max(1) as f64;

    let mut codings = Vec::with_capacity(features.len());
    let mut columns = Vec::with_capacity(features.len());
    let mut offset = 0u32;
    for name in &features {
        let values = read_values(frame, name)?;
        let coding = match &values {
            Values::Numeric(v) => {
                let mut fit: Vec<f64> = v[train.clone()].iter().flatten().copied().collect();
                let missing_share = 1.0 - fit.len() as f64 / train_rows;
                let (mean, std) = mean_std(&fit);
                fit.sort_by(f64::total_cmp);
                let (min, max, median) = match (fit.first(), fit.last()) {
                    (Some(lo), Some(hi)) => (*lo, *hi, fit[fit.len() / 2]),
                    _ => (0.0, 0.0, 0.0),
                };
                FeatureCoding::Numeric {
                    name: name.clone(),
                    offset,
                    edges: quantile_edges(fit, config.bins),
                    mean,
                    std,
                    min,
                    max,
                    median,
                    missing_share,
                    unit: None,
                }
            }
            Values::Text(v) => {
                let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
                let mut present = 0usize;
                for s in v[train.clone()].iter().flatten() {
                    *counts.entry(s.as_str()).or_default() += 1;
                    present += 1;
                }
                let levels = counts.into_iter().filter(|(_, c)| *c >= config.min_level_count.max(1)).map(|(s, _)| s.to_owned()).collect();
                FeatureCoding::Categorical { name: name.clone(), offset, levels, missing_share: 1.0 - present as f64 / train_rows }
            }
        };
        offset += coding.token_count();
        codings.push(coding);
        columns.push(Some(values));
    }
    let mut tokenizer = Tokenizer {
        target: config.target.clone(),
        classes,
        features: codings,
        vocab_size: offset,
        bins: config.bins,
        window_features: None,
        interactions: None,
    };
    let times = crate::evaluate::row_times_ms(frame, timestamp_column);
    let dense = config.model.dense_input();
    if let (Some(window), true) = (config.feature_window, dense) {
        window_features::check_window(window)?;
        let tags = numeric_tags(&tokenizer);
        let gap_ms = times.as_deref().and_then(|t| window_features::gap_threshold(&t[train.clone()]));
        let starts = window_features::segment_starts(rows, times.as_deref(), gap_ms);
        let (mut means, mut stds) = (Vec::new(), Vec::new());
        for &tag in &tags {
            let (m, s) = window_features::column_moments(&window_block(&columns, tag, &starts, window as usize)?, WINDOW_STATS.len(), train.clone());
            means.extend(m);
            stds.extend(s);
        }
        tokenizer.window_features = Some(WindowFeatureSpec { window, gap_ms, tags, means, stds });
    }
    if config.interactions && dense {
        let tags = numeric_tags(&tokenizer);
        if tags.len() > MAX_INTERACTION_TAGS {
            return Err(EngineError::BadTrainConfig(Detail::coded(
                "too_many_interaction_tags",
                [("count", tags.len().into()), ("max", MAX_INTERACTION_TAGS.into())],
            )));
        }
        let pairs: Vec<(usize, usize)> = tags.iter().enumerate().flat_map(|(k, &a)| tags[k + 1..].iter().map(move |&b| (a, b))).collect();
        let (mut means, mut stds) = (Vec::new(), Vec::new());
        for &pair in &pairs {
            let (m, s) = window_features::column_moments(&product_block(&columns, pair, rows), 1, train.clone());
            means.extend(m);
            stds.extend(s);
        }
        tokenizer.interactions = Some(InteractionSpec { pairs, means, stds });
    }
    // Dense input for every model: the trees baseline reads it beside a token model.
    let encoded = encode_values(&tokenizer, &columns, rows, true, times.as_deref())?;
    Ok(Prepared { tokenizer, labels, encoded, rows, parts })
}

/// Indices of the tokenizer's numeric features: the tags that get derived features.
fn numeric_tags(tokenizer: &Tokenizer) -> Vec<usize> {
    tokenizer.features.iter().enumerate().filter(|(_, f)| matches!(f, FeatureCoding::Numeric { .. })).map(|(i, _)| i).collect()
}

// Derived features are made one tag (or pair) at a time, fitted and written before the next,
// so memory holds one tag's statistics rather than all of them as f64 (a million rows of 100
// tags would have needed 5.6 GB for the window statistics alone).

/// One tag's unstandardized window statistics, `[rows, WINDOW_STATS]`; NaN where the tag is
/// not a numeric column here.
fn window_block(columns: &[Option<Values>], tag: usize, starts: &[bool], window: usize) -> Result<Vec<f64>> {
    match columns.get(tag) {
        Some(Some(Values::Numeric(values))) => window_features::tag_statistics(values, starts, window),
        _ => Ok(vec![f64::NAN; starts.len() * WINDOW_STATS.len()]),
    }
}

/// The product of one pair's raw values per row, NaN where either is missing.
fn product_block(columns: &[Option<Values>], (a, b): (usize, usize), rows: usize) -> Vec<f64> {
    let mut out = vec![f64::NAN; rows];
    if let (Some(Some(Values::Numeric(x))), Some(Some(Values::Numeric(y)))) = (columns.get(a), columns.get(b)) {
        for ((slot, x), y) in out.iter_mut().zip(x).zip(y) {
            if let (Some(x), Some(y)) = (x, y) {
                *slot = x * y;
            }
        }
    }
    out
}

/// Writes a block of `[rows, width]` raw values, standardized with the training `means` and
/// `stds`, into the dense rows at column `at`. Missing → the training mean (0), like the tags.
fn write_standardized(dense: &mut [f32], dense_width: usize, at: usize, block: &[f64], width: usize, means: &[f64], stds: &[f64]) {
    for (r, values) in block.chunks(width).enumerate() {
        for (c, (x, (mean, std))) in values.iter().zip(means.iter().zip(stds)).enumerate() {
            dense[r * dense_width + at + c] = if x.is_finite() { ((x - mean) / std) as f32 } else { 0.0 };
        }
    }
}

/// Encodes `frame` with a tokenizer fitted earlier (prediction on a new export). Feature
/// columns missing from the frame encode as missing values and are flagged in `inputs`.
pub fn encode(frame: &DataFrame, tokenizer: &Tokenizer, want_dense: bool, times: Option<&[i64]>) -> Result<Encoded> {
    let columns: Vec<Option<Values>> = tokenizer
        .features
        .iter()
        .map(|f| if frame.column(f.name()).is_ok() { read_values(frame, f.name()).map(Some) } else { Ok(None) })
        .collect::<Result<_>>()?;
    encode_values(tokenizer, &columns, frame.height(), want_dense, times)
}

/// Class index per row of `frame`'s target column, by the tokenizer's class names; `None`
/// when the frame has no target column. Values that are not a known class are `None`.
pub fn encode_labels(frame: &DataFrame, tokenizer: &Tokenizer) -> Result<Option<Vec<Option<u32>>>> {
    if frame.column(&tokenizer.target).is_err() {
        return Ok(None);
    }
    let index: HashMap<&str, u32> = tokenizer.classes.iter().enumerate().map(|(i, c)| (c.as_str(), i as u32)).collect();
    let labels = match read_values(frame, &tokenizer.target)? {
        Values::Numeric(v) => v.iter().map(|x| x.and_then(|x| index.get(format_number(x).as_str()).copied())).collect(),
        Values::Text(v) => v.iter().map(|x| x.as_deref().and_then(|x| index.get(x).copied())).collect(),
    };
    Ok(Some(labels))
}

fn note_example(check: &mut InputCheck, row: usize) {
    if check.examples.len() < 5 {
        check.examples.push(row as u64);
    }
}

/// One feature's token and dense slot(s) for every row.
fn encode_values(tokenizer: &Tokenizer, columns: &[Option<Values>], rows: usize, want_dense: bool, times: Option<&[i64]>) -> Result<Encoded> {
    let nf = tokenizer.features.len();
    let dense_width = tokenizer.dense_width();
    let mut row_tokens = vec![0u32; rows * nf];
    let mut row_dense = if want_dense { vec![0f32; rows * dense_width] } else { Vec::new() };
    let mut inputs = vec![InputCheck::default(); nf];
    let mut dense_at = 0;
    for (j, (coding, values)) in tokenizer.features.iter().zip(columns).enumerate() {
        let check = &mut inputs[j];
        match (coding, values) {
            (_, None) => {
                // Absent column: every row takes the null token (dense: the training mean, 0).
                check.absent = true;
                check.missing = rows as u64;
                let null = coding.null_token();
                for i in 0..rows {
                    row_tokens[i * nf + j] = null;
                }
            }
            (FeatureCoding::Numeric { offset, edges, mean, std, min, max, .. }, Some(Values::Numeric(v))) => {
                for (i, x) in v.iter().enumerate() {
                    row_tokens[i * nf + j] = match x {
                        Some(x) => offset + 1 + edges.partition_point(|e| e <= x) as u32,
                        None => *offset,
                    };
                    match x {
                        None => check.missing += 1,
                        Some(x) if *x < *min || *x > *max => {
                            check.out_of_range += 1;
                            note_example(check, i);
                        }
                        Some(_) => {}
                    }
                    if want_dense {
                        // Missing → the training mean (0 after standardizing).
                        row_dense[i * dense_width + dense_at] = x.map_or(0.0, |x| ((x - mean) / std) as f32);
                    }
                }
            }
            (FeatureCoding::Categorical { offset, levels, .. }, Some(values)) => {
                let index: HashMap<&str, u32> = levels.iter().enumerate().map(|(i, s)| (s.as_str(), i as u32)).collect();
                // A text column read back as numbers (e.g. codes "1", "2") is compared as text.
                let text: Vec<Option<String>> = match values {
                    Values::Text(v) => v.clone(),
                    Values::Numeric(v) => v.iter().map(|x| x.map(format_number)).collect(),
                };
                for (i, x) in text.iter().enumerate() {
                    let level = x.as_deref().map(|s| index.get(s).copied());
                    row_tokens[i * nf + j] = match level {
                        None => *offset,
                        Some(None) => offset + 1,
                        Some(Some(l)) => offset + 2 + l,
                    };
                    match level {
                        None => check.missing += 1,
                        Some(None) => {
                            check.unseen += 1;
                            note_example(check, i);
                        }
                        Some(Some(_)) => {}
                    }
                    if want_dense {
                        // One-hot over the levels plus "other"; missing is all zeros.
                        let slot = match level {
                            None => None,
                            Some(None) => Some(levels.len()),
                            Some(Some(l)) => Some(l as usize),
                        };
                        if let Some(slot) = slot {
                            row_dense[i * dense_width + dense_at + slot] = 1.0;
                        }
                    }
                }
            }
            (FeatureCoding::Numeric { offset, .. }, Some(Values::Text(_))) => {
                // A tag that was numeric in training arrives as text: nothing can be binned.
                check.missing = rows as u64;
                check.absent = true;
                for i in 0..rows {
                    row_tokens[i * nf + j] = *offset;
                }
            }
        }
        dense_at += coding.dense_width();
    }
    if let (Some(spec), true) = (&tokenizer.window_features, want_dense) {
        spec.check(nf).map_err(EngineError::BadTrainConfig)?;
        let starts = window_features::segment_starts(rows, times, spec.gap_ms);
        let k = WINDOW_STATS.len();
        for (n, &tag) in spec.tags.iter().enumerate() {
            let block = window_block(columns, tag, &starts, spec.window as usize)?;
            let fitted = n * k..(n + 1) * k;
            write_standardized(&mut row_dense, dense_width, dense_at + n * k, &block, k, &spec.means[fitted.clone()], &spec.stds[fitted]);
        }
        dense_at += spec.width();
    }
    if let (Some(spec), true) = (&tokenizer.interactions, want_dense) {
        spec.check(nf).map_err(EngineError::BadTrainConfig)?;
        for (n, &pair) in spec.pairs.iter().enumerate() {
            let block = product_block(columns, pair, rows);
            write_standardized(&mut row_dense, dense_width, dense_at + n, &block, 1, &spec.means[n..=n], &spec.stds[n..=n]);
        }
    }
    Ok(Encoded { row_tokens, row_dense, dense_width, inputs })
}

fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 1.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    let std = var.sqrt();
    (mean, if std > 0.0 && std.is_finite() { std } else { 1.0 })
}

impl Prepared {
    /// Samples of each part. In window mode a window lies wholly inside one part, so
    /// neighbouring parts are separated by a gap of one window and never share a row.
    pub fn samples(&self, mode: SequenceMode) -> Result<[Part; 3]> {
        let (window, stride) = match mode {
            SequenceMode::Row => (1, 1),
            SequenceMode::Window { window, stride } => {
                if window == 0 || stride == 0 {
                    return Err(EngineError::BadTrainConfig(Detail::coded("window_stride_at_least_one", [])));
                }
                (window as usize, stride as usize)
            }
        };
        let make = |range: &std::ops::Range<usize>| {
            let mut part = Part { ends: Vec::new(), labels: Vec::new() };
            let mut end = range.start + window - 1;
            while end < range.end {
                if let Some(label) = self.labels[end] {
                    part.ends.push(end);
                    part.labels.push(label);
                }
                end += stride;
            }
            part
        };
        let parts = [make(&self.parts[0]), make(&self.parts[1]), make(&self.parts[2])];
        let names = ["training", "validation", "test"];
        for (part, name) in parts.iter().zip(names) {
            if part.ends.len() < MIN_SAMPLES_PER_PART {
                return Err(EngineError::BadTrainConfig(Detail::coded(
                    if window > 1 { "too_few_rows_windowed" } else { "too_few_rows" },
                    [
                        ("part", MessageArg::phrase(&format!("detail_part_{name}"), [])),
                        ("count", part.ends.len().into()),
                        ("rows", self.rows.into()),
                        ("min", MIN_SAMPLES_PER_PART.into()),
                    ],
                )));
            }
        }
        Ok(parts)
    }
}

impl Encoded {
    /// Features per row.
    pub fn features(&self) -> usize {
        self.inputs.len()
    }

    /// Tokens of the samples ending at `ends`, `[n, window, features]` (row mode: window 1).
    pub fn gather_tokens(&self, ends: &[usize], window: usize, out: &mut Vec<u32>) {
        let nf = self.features();
        out.clear();
        for &end in ends {
            let start = end + 1 - window;
            out.extend_from_slice(&self.row_tokens[start * nf..(end + 1) * nf]);
        }
    }

    /// Dense features of the samples ending at `ends`, `[n, window · dense_width]`.
    pub fn gather_dense(&self, ends: &[usize], window: usize, out: &mut Vec<f32>) {
        let w = self.dense_width;
        out.clear();
        for &end in ends {
            let start = end + 1 - window;
            out.extend_from_slice(&self.row_dense[start * w..(end + 1) * w]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        let n = 100;
        let temp: Vec<Option<f64>> = (0..n).map(|i| if i % 10 == 3 { None } else { Some(i as f64) }).collect();
        let kind: Vec<&str> = (0..n)
            .map(|i| {
                if i == 50 {
                    "Z"
                } else if i % 2 == 0 {
                    "A"
                } else {
                    "B"
                }
            })
            .collect();
        let fault: Vec<i64> = (0..n).map(|i| i64::from(i % 7 == 0)).collect();
        df!("temp" => temp, "kind" => kind, "fault" => fault, "id" => (0..n as i64).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn tokenizer_fits_on_training_rows_only() {
        let config = TrainConfig { target: "fault".into(), exclude: vec!["id".into()], bins: 4, ..TrainConfig::default() };
        let p = prepare(&frame(), &config, None).unwrap();
        assert_eq!(p.parts, [0..70, 70..85, 85..100]);
        assert_eq!(p.tokenizer.classes, ["0", "1"]);
        let FeatureCoding::Numeric { edges, offset, .. } = &p.tokenizer.features[0] else { panic!() };
        assert_eq!(*offset, 0);
        assert_eq!(edges.len(), 3);
        assert!(edges.iter().all(|e| *e < 70.0), "edges from training rows only: {edges:?}");
        // Row 3 is missing → the null token; row 99 is above every edge → the last bin.
        assert_eq!(p.encoded.row_tokens[3 * 2], 0);
        assert_eq!(p.encoded.row_tokens[99 * 2], 4);
        let FeatureCoding::Categorical { levels, offset, .. } = &p.tokenizer.features[1] else { panic!() };
        assert_eq!(levels, &["A", "B"], "the rare level Z is pooled");
        assert_eq!(*offset, 5);
        assert_eq!(p.encoded.row_tokens[50 * 2 + 1], 6, "Z → the 'other' token");
        assert_eq!(p.tokenizer.vocab_size, 9);
    }

    #[test]
    fn windows_never_cross_parts() {
        let config = TrainConfig { target: "fault".into(), exclude: vec!["id".into()], ..TrainConfig::default() };
        let p = prepare(&frame(), &config, None).unwrap();
        let parts = p.samples(SequenceMode::Window { window: 5, stride: 2 }).unwrap();
        assert_eq!(parts[0].ends.first(), Some(&4));
        assert!(parts[0].ends.iter().all(|e| *e < 70));
        assert!(parts[1].ends.iter().all(|e| *e - 4 >= 70 && *e < 85));
        let mut tokens = Vec::new();
        p.encoded.gather_tokens(&parts[1].ends[..2], 5, &mut tokens);
        assert_eq!(tokens.len(), 2 * 5 * 2);
    }

    #[test]
    fn clear_errors_for_bad_targets() {
        let f = frame();
        let missing = TrainConfig { target: "nope".into(), ..TrainConfig::default() };
        assert!(matches!(prepare(&f, &missing, None), Err(EngineError::UnknownColumn(c)) if c == "nope"));
        let constant = df!("x" => [1.0, 2.0, 3.0], "y" => [1i64, 1, 1]).unwrap();
        let err = prepare(&constant, &TrainConfig { target: "y".into(), ..TrainConfig::default() }, None).err().unwrap();
        assert!(err.to_string().contains("constant"), "{err}");
        let tiny = df!("x" => [1.0, 2.0, 3.0, 4.0], "y" => [0i64, 1, 0, 1]).unwrap();
        let p = prepare(&tiny, &TrainConfig { target: "y".into(), ..TrainConfig::default() }, None).unwrap();
        let err = p.samples(SequenceMode::Row).err().unwrap();
        assert!(err.to_string().contains("too few rows"), "{err}");
    }
}
