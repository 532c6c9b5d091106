//! Histogram gradient-boosted decision trees for classification, written for PlantLab's engine.
//!
//! The engine drives training one round at a time ([`Booster::round`]), so it can report every
//! boosting round as a curve point, stop between rounds, and keep the best round by truncating
//! the [`Ensemble`]. Binary targets use one raw score and the sigmoid; `classes > 2` use one score
//! per class and the softmax, with one tree per class and round.
//!
//! How it works, briefly:
//! - `binning`: each feature's values are cut at quantiles of the training rows into at most
//!   255 bins, plus one bin for missing values (NaN);
//! - `grow`: one tree grown leaf-wise (best split first) from per-feature histograms of the
//!   gradients and hessians of the log-loss, the larger child's histogram taken by subtraction;
//! - `ensemble`: the trees with raw `f32` thresholds, so prediction needs no bins, and the checks
//!   that make a damaged model an error instead of a panic;
//! - `booster`: the training state between rounds.
//!
//! The same inputs and parameters give bit-identical ensembles and probabilities, whatever the
//! number of threads: every floating-point sum runs in a fixed order on one thread.

mod binning;
mod booster;
mod ensemble;
mod grow;
mod rng;
#[cfg(test)]
mod tests;

pub use booster::{Booster, RoundStats};
pub use ensemble::{Attribution, Ensemble, Tree};

/// The most classes a model may have (also bounds what a damaged model can make us allocate).
pub const MAX_CLASSES: usize = 1 << 16;
/// The most feature columns a model may have (also bounds what a damaged model can make us allocate).
pub const MAX_FEATURES: usize = 1 << 20;
/// The most leaves per tree.
pub const MAX_LEAVES: usize = 1 << 20;
/// The most value bins per feature; one more bin holds the missing values.
pub const MAX_BINS: usize = 255;

/// How the trees are grown. The defaults follow scikit-learn's `HistGradientBoostingClassifier`.
#[derive(Clone, Debug, PartialEq)]
pub struct BoostParams {
    /// Shrinks every leaf value; smaller needs more rounds and usually generalizes better.
    pub learning_rate: f64,
    /// Leaves per tree; trees grow best split first until they have this many.
    pub max_leaves: usize,
    /// Deepest level a split may sit at (the root is depth 0); `None` for no limit.
    pub max_depth: Option<usize>,
    /// Fewest training rows on either side of a split.
    pub min_samples_leaf: usize,
    /// L2 penalty on leaf values, like scikit-learn's `l2_regularization`.
    pub l2: f64,
    /// Value bins per feature, 2 to 255; missing values get a bin of their own on top.
    pub max_bins: usize,
    /// Seeds the row and feature subsampling; with both fractions at 1.0 it changes nothing.
    pub seed: u64,
    /// Fraction of the training rows drawn (without replacement) for each round.
    pub subsample: f64,
    /// Fraction of the features drawn for each round.
    pub colsample: f64,
}

impl Default for BoostParams {
    fn default() -> Self {
        BoostParams {
            learning_rate: 0.1,
            max_leaves: 31,
            max_depth: None,
            min_samples_leaf: 20,
            l2: 0.0,
            max_bins: MAX_BINS,
            seed: 0,
            subsample: 1.0,
            colsample: 1.0,
        }
    }
}

impl BoostParams {
    /// Checks every parameter; the error names the parameter and the range it must be in.
    pub fn validate(&self) -> Result<(), TreesError> {
        let invalid = |name: &'static str, reason: String| Err(TreesError::InvalidParam { name, reason });
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return invalid("learning_rate", format!("{} given; it must be a positive number such as 0.1", self.learning_rate));
        }
        if !(2..=MAX_LEAVES).contains(&self.max_leaves) {
            return invalid("max_leaves", format!("{} given; use 2 to {MAX_LEAVES} leaves per tree", self.max_leaves));
        }
        if self.max_depth == Some(0) {
            return invalid("max_depth", "0 given; use at least 1, or no limit".to_string());
        }
        if self.min_samples_leaf < 1 {
            return invalid("min_samples_leaf", "0 given; use at least 1".to_string());
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return invalid("l2", format!("{} given; it must be 0 or a positive number", self.l2));
        }
        if !(2..=MAX_BINS).contains(&self.max_bins) {
            return invalid("max_bins", format!("{} given; use 2 to {MAX_BINS}", self.max_bins));
        }
        if !(self.subsample > 0.0 && self.subsample <= 1.0) {
            return invalid("subsample", format!("{} given; use a fraction above 0 and at most 1", self.subsample));
        }
        if !(self.colsample > 0.0 && self.colsample <= 1.0) {
            return invalid("colsample", format!("{} given; use a fraction above 0 and at most 1", self.colsample));
        }
        Ok(())
    }
}

/// Why training or prediction could not run. Each message says what is wrong and what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TreesError {
    #[error("boosting parameter {name} is invalid: {reason}")]
    InvalidParam { name: &'static str, reason: String },
    #[error("{classes} classes given; tree models need between 2 and {max} classes", max = MAX_CLASSES)]
    ClassCount { classes: usize },
    #[error("no training rows; give the trees at least one labelled row")]
    NoRows,
    #[error("no feature columns; give the trees at least one feature")]
    NoFeatures,
    #[error("{features} feature columns; tree models take at most {max}, so select fewer features", max = MAX_FEATURES)]
    TooManyFeatures { features: usize },
    #[error("{rows} rows × {features} features is more than the trees can index; use fewer rows")]
    TooLarge { rows: usize, features: usize },
    #[error("{what} has {found} values but {expected} were expected; pass one value per row (and per feature, row after row)")]
    ShapeMismatch { what: &'static str, expected: usize, found: usize },
    #[error("row {row} has label {label}, but the labels must be below the number of classes ({classes}); number the classes from 0")]
    LabelOutOfRange { row: usize, label: u32, classes: usize },
    #[error("row {row} has sample weight {weight}; weights must be finite and not negative")]
    InvalidWeight { row: usize, weight: f32 },
    #[error("every sample weight is zero; give the training rows positive weights")]
    ZeroTotalWeight,
    #[error("{rows} rows came with {found} values, but the model reads {expected} features per row; pass the columns it was trained on, in the same order")]
    FeatureCountMismatch { rows: usize, found: usize, expected: usize },
    #[error("the tree model is damaged ({0}); train it again or restore the saved model")]
    DamagedModel(String),
}
