//! The trained model: trees with raw `f32` thresholds (prediction needs no bins), the checks a
//! deserialized model passes before use, and prediction that returns an error, never panics,
//! on a model that is damaged anyway.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::binning::clamp_infinite;
use crate::{TreesError, MAX_CLASSES, MAX_FEATURES, MAX_LEAVES};

/// Most split nodes in one tree.
const MAX_SPLITS_PER_TREE: usize = MAX_LEAVES - 1;

/// One regression tree, stored as parallel arrays over its split nodes (compact in JSON).
///
/// Split `0` is the root (a tree without splits is its single leaf 0). A child reference `c >= 0`
/// is split `c`, always after its parent, so walking down always ends; `c < 0` is leaf `!c`.
/// A present value goes left when `value <= threshold` (infinities count as `±f32::MAX`);
/// a missing value (NaN) goes left when `missing_left`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub(crate) feature: Vec<u32>,
    pub(crate) threshold: Vec<f32>,
    pub(crate) missing_left: Vec<bool>,
    pub(crate) left: Vec<i32>,
    pub(crate) right: Vec<i32>,
    /// The loss reduction of each split, for feature importance.
    pub(crate) gain: Vec<f32>,
    /// Leaf outputs, already multiplied by the learning rate.
    pub(crate) leaf_value: Vec<f32>,
    /// The output each split node would give as a leaf (same scale), so a prediction can be
    /// split among the features on its path; empty in models saved before it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) node_value: Vec<f32>,
}

/// The child reference of leaf `leaf`.
pub(crate) fn leaf_reference(leaf: usize) -> i32 {
    !(leaf as i32)
}

impl Tree {
    /// Number of split nodes.
    pub fn splits(&self) -> usize {
        self.feature.len()
    }

    /// Number of leaves.
    pub fn leaves(&self) -> usize {
        self.leaf_value.len()
    }

    /// The leaf that one row (its feature values) falls in.
    pub(crate) fn leaf_of(&self, row: &[f32]) -> Result<usize, &'static str> {
        self.walk(row, |_, _| {})
    }

    /// Walks one row from the root to its leaf, telling `step` each split's feature and the
    /// child taken; returns the leaf. Bounds are checked on every step, so a malformed tree
    /// gives an error, not a panic or an endless walk.
    fn walk(&self, row: &[f32], mut step: impl FnMut(usize, i32)) -> Result<usize, &'static str> {
        if self.feature.is_empty() {
            return if self.leaf_value.is_empty() { Err("a tree has no leaves") } else { Ok(0) };
        }
        let mut node = 0usize;
        loop {
            let (Some(&feature), Some(&threshold), Some(&missing_left), Some(&left), Some(&right)) =
                (self.feature.get(node), self.threshold.get(node), self.missing_left.get(node), self.left.get(node), self.right.get(node))
            else {
                return Err("a split node is missing");
            };
            let Some(&value) = row.get(feature as usize) else { return Err("a split tests a feature the rows do not have") };
            let go_left = if value.is_nan() { missing_left } else { clamp_infinite(value) <= threshold };
            let child = if go_left { left } else { right };
            step(feature as usize, child);
            if child < 0 {
                let leaf = !child as usize;
                return if leaf < self.leaf_value.len() { Ok(leaf) } else { Err("a split points to a leaf that does not exist") };
            }
            let next = child as usize;
            if next <= node {
                return Err("a split points back up the tree");
            }
            node = next;
        }
    }

    /// The output of the leaf a row falls in.
    pub(crate) fn value_of(&self, row: &[f32]) -> Result<f32, &'static str> {
        let leaf = self.leaf_of(row)?;
        self.leaf_value.get(leaf).copied().ok_or("a split points to a leaf that does not exist")
    }

    /// Adds to `contributions` (one per feature) how much each split on the row's path moved
    /// the output: the value of the node below minus the node above. The tree's output is the
    /// returned root value plus these changes, exactly (Saabas' path attribution).
    pub(crate) fn attribute(&self, row: &[f32], contributions: &mut [f64]) -> Result<f64, &'static str> {
        if self.feature.is_empty() {
            return self.leaf_value.first().map(|&value| f64::from(value)).ok_or("a tree has no leaves");
        }
        let root = *self.node_value.first().ok_or("the tree keeps no node values")?;
        let mut current = f64::from(root);
        let mut failure = None;
        self.walk(row, |feature, child| {
            let below = if child < 0 { self.leaf_value.get(!child as usize) } else { self.node_value.get(child as usize) };
            match (below, contributions.get_mut(feature)) {
                (Some(&below), Some(total)) => {
                    *total += f64::from(below) - current;
                    current = f64::from(below);
                }
                _ => failure = Some("a split points to a node without a value"),
            }
        })?;
        failure.map_or(Ok(f64::from(root)), Err)
    }

    fn check(&self, features: usize) -> Result<(), String> {
        let splits = self.feature.len();
        if splits > MAX_SPLITS_PER_TREE {
            return Err(format!("{splits} split nodes, more than the {MAX_SPLITS_PER_TREE} a tree may have"));
        }
        let lengths = [self.threshold.len(), self.missing_left.len(), self.left.len(), self.right.len(), self.gain.len()];
        if lengths.iter().any(|&length| length != splits) {
            return Err("the arrays of the split nodes differ in length".to_string());
        }
        if self.leaf_value.len() != splits + 1 {
            return Err(format!("{} leaves for {splits} splits; a binary tree has one leaf more than splits", self.leaf_value.len()));
        }
        let mut split_used = vec![false; splits];
        let mut leaf_used = vec![false; splits + 1];
        for node in 0..splits {
            if self.feature[node] as usize >= features {
                return Err(format!("split {node} tests feature {}, but the model has {features} features", self.feature[node]));
            }
            if !self.threshold[node].is_finite() {
                return Err(format!("split {node} has threshold {}", self.threshold[node]));
            }
            if !(self.gain[node].is_finite() && self.gain[node] >= 0.0) {
                return Err(format!("split {node} has gain {}", self.gain[node]));
            }
            for child in [self.left[node], self.right[node]] {
                if child >= 0 {
                    let target = child as usize;
                    if target <= node || target >= splits {
                        return Err(format!("split {node} points to split {target}; children must come later and exist"));
                    }
                    if std::mem::replace(&mut split_used[target], true) {
                        return Err(format!("split {target} has two parents"));
                    }
                } else {
                    let leaf = !child as usize;
                    if leaf > splits {
                        return Err(format!("split {node} points to leaf {leaf}, but there are {} leaves", splits + 1));
                    }
                    if std::mem::replace(&mut leaf_used[leaf], true) {
                        return Err(format!("leaf {leaf} has two parents"));
                    }
                }
            }
        }
        if split_used.iter().skip(1).any(|used| !used) || (splits > 0 && leaf_used.iter().any(|used| !used)) {
            return Err("a node is not reachable from the root".to_string());
        }
        if let Some(value) = self.leaf_value.iter().find(|value| !value.is_finite()) {
            return Err(format!("a leaf has value {value}"));
        }
        if !self.node_value.is_empty() && self.node_value.len() != splits {
            return Err(format!("{} node values for {splits} splits", self.node_value.len()));
        }
        if let Some(value) = self.node_value.iter().find(|value| !value.is_finite()) {
            return Err(format!("a split node has value {value}"));
        }
        Ok(())
    }
}

/// One row's raw scores split among the features (see [`Ensemble::attribute`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribution {
    /// Per output, the raw score with no feature's say: the base score plus every tree's root.
    pub bias: Vec<f64>,
    /// `outputs × features`: how much each feature moved each output's raw score. An output's
    /// raw score is its bias plus its row of these, exactly.
    pub contributions: Vec<f64>,
}

/// A trained boosted-tree classifier: base scores plus, per boosting round, one tree (two
/// classes) or one tree per class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    pub(crate) classes: usize,
    pub(crate) features: usize,
    /// Raw scores before any tree: the log-odds (two classes) or log of the class priors.
    pub(crate) base_scores: Vec<f32>,
    /// `rounds[r][k]`: the tree of round `r` for output `k`.
    pub(crate) rounds: Vec<Vec<Tree>>,
}

/// Raw scores per row: one for two classes (of class 1), else one per class.
pub(crate) fn outputs_for(classes: usize) -> usize {
    if classes == 2 {
        1
    } else {
        classes
    }
}

/// Class probabilities of one row's raw scores, written to `probs` (`classes` values).
pub(crate) fn probabilities_into(raw: &[f64], probs: &mut [f32]) {
    if let ([score], [p0, p1]) = (raw, &mut *probs) {
        let positive = 1.0 / (1.0 + (-score).exp());
        *p0 = (1.0 - positive) as f32;
        *p1 = positive as f32;
        return;
    }
    let largest = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = raw.iter().map(|&score| (score - largest).exp()).sum();
    for (p, &score) in probs.iter_mut().zip(raw) {
        *p = ((score - largest).exp() / total) as f32;
    }
}

impl Ensemble {
    pub(crate) fn new(classes: usize, features: usize, base_scores: Vec<f32>) -> Self {
        Ensemble { classes, features, base_scores, rounds: Vec::new() }
    }

    /// Number of classes (2 or more); `predict_proba` returns this many columns.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Number of feature columns the model reads per row.
    pub fn features(&self) -> usize {
        self.features
    }

    /// Number of boosting rounds.
    pub fn rounds(&self) -> usize {
        self.rounds.len()
    }

    /// The trees of one round (one for two classes, one per class otherwise).
    pub fn round_trees(&self, round: usize) -> Option<&[Tree]> {
        self.rounds.get(round).map(Vec::as_slice)
    }

    /// Keeps the first `rounds` rounds (early stopping's best round); more than there are is a no-op.
    pub fn truncate(&mut self, rounds: usize) {
        self.rounds.truncate(rounds);
    }

    /// Total split gain per feature (feature importance), `features` long.
    pub fn feature_gain(&self) -> Vec<f64> {
        let mut gains = vec![0.0f64; self.features.min(MAX_FEATURES)];
        for tree in self.rounds.iter().flatten() {
            for (&feature, &gain) in tree.feature.iter().zip(&tree.gain) {
                if let Some(total) = gains.get_mut(feature as usize) {
                    *total += f64::from(gain);
                }
            }
        }
        gains
    }

    /// Checks a deserialized ensemble before use: sizes bounded and consistent, every child
    /// reference in range and strictly forward (no cycles), every node reached once, feature
    /// indices below `features`, finite numbers. Returns a one-line reason.
    pub fn check(&self) -> Result<(), String> {
        self.check_shape()?;
        if let Some(score) = self.base_scores.iter().find(|score| !score.is_finite()) {
            return Err(format!("a base score is {score}"));
        }
        for (round, trees) in self.rounds.iter().enumerate() {
            for (output, tree) in trees.iter().enumerate() {
                tree.check(self.features).map_err(|reason| format!("tree {output} of round {round}: {reason}"))?;
            }
        }
        Ok(())
    }

    /// The checks prediction needs before it allocates: class and feature counts, and how
    /// many scores and trees per round.
    fn check_shape(&self) -> Result<(), String> {
        if !(2..=MAX_CLASSES).contains(&self.classes) {
            return Err(format!("{} classes; a model has 2 to {MAX_CLASSES}", self.classes));
        }
        if !(1..=MAX_FEATURES).contains(&self.features) {
            return Err(format!("{} features; a model has 1 to {MAX_FEATURES}", self.features));
        }
        let outputs = outputs_for(self.classes);
        if self.base_scores.len() != outputs {
            return Err(format!("{} base scores for {} classes, {outputs} expected", self.base_scores.len(), self.classes));
        }
        if let Some(round) = self.rounds.iter().position(|trees| trees.len() != outputs) {
            return Err(format!("round {round} has {} trees, {outputs} expected", self.rounds[round].len()));
        }
        Ok(())
    }

    /// Adds every tree's output to the raw scores of one row (in round order, so training and
    /// prediction sum in the same order and agree to the bit).
    pub(crate) fn add_rounds(trees_by_round: &[Vec<Tree>], row: &[f32], raw: &mut [f64]) -> Result<(), &'static str> {
        for trees in trees_by_round {
            for (score, tree) in raw.iter_mut().zip(trees) {
                *score += f64::from(tree.value_of(row)?);
            }
        }
        Ok(())
    }

    /// Whether every tree keeps its node values, which [`Ensemble::attribute`] needs (models
    /// saved before they were kept do not).
    pub fn attributes(&self) -> bool {
        self.rounds.iter().flatten().all(|tree| tree.feature.is_empty() || tree.node_value.len() == tree.feature.len())
    }

    /// Splits one row's raw scores (log-odds of class 1 for two classes, else one per class)
    /// among the features: for every tree, each split on the row's path credits its feature
    /// with the change of the node value it leads to.
    pub fn attribute(&self, row: &[f32]) -> Result<Attribution, TreesError> {
        self.check_shape().map_err(TreesError::DamagedModel)?;
        if row.len() != self.features {
            return Err(TreesError::FeatureCountMismatch { rows: 1, found: row.len(), expected: self.features });
        }
        let outputs = outputs_for(self.classes);
        let mut bias: Vec<f64> = self.base_scores.iter().map(|&base| f64::from(base)).collect();
        let mut contributions = vec![0.0f64; outputs * self.features];
        for trees in &self.rounds {
            for ((output, tree), bias) in trees.iter().enumerate().zip(bias.iter_mut()) {
                let features = &mut contributions[output * self.features..(output + 1) * self.features];
                *bias += tree.attribute(row, features).map_err(|reason| TreesError::DamagedModel(reason.to_string()))?;
            }
        }
        Ok(Attribution { bias, contributions })
    }

    /// Class probabilities of `n` rows of row-major `x` (`n × features`, NaN = missing):
    /// `n × classes` values, two columns for two classes. Wrong-sized input or a damaged
    /// model gives an error.
    pub fn predict_proba(&self, x: &[f32], n: usize) -> Result<Vec<f32>, TreesError> {
        self.check_shape().map_err(TreesError::DamagedModel)?;
        let expected = n.checked_mul(self.features);
        if expected != Some(x.len()) {
            return Err(TreesError::FeatureCountMismatch { rows: n, found: x.len(), expected: self.features });
        }
        let outputs = outputs_for(self.classes);
        let mut probs = vec![0.0f32; n * self.classes];
        x.par_chunks(self.features).zip(probs.par_chunks_mut(self.classes)).try_for_each_init(
            || vec![0.0f64; outputs],
            |raw, (row, row_probs)| {
                for (score, &base) in raw.iter_mut().zip(&self.base_scores) {
                    *score = f64::from(base);
                }
                Self::add_rounds(&self.rounds, row, raw).map_err(|reason| TreesError::DamagedModel(reason.to_string()))?;
                probabilities_into(raw, row_probs);
                Ok(())
            },
        )?;
        Ok(probs)
    }
}
