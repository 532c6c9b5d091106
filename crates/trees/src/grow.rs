//! Growing one tree: leaf-wise (the leaf whose best split gains most is split next), splits
//! found from per-feature histograms of gradient and hessian sums. The smaller child's histogram
//! is built from its rows and the larger one's taken as parent minus smaller.
//!
//! Every sum runs over rows in a fixed order within one feature, so the tree does not depend on
//! how many threads build the histograms.

use rayon::prelude::*;

use crate::binning::{BinnedData, MISSING_BIN};
use crate::ensemble::{leaf_reference, Tree};

/// Neither child of a split may have a smaller hessian sum (as in LightGBM's default).
const MIN_CHILD_HESSIAN: f64 = 1e-3;
/// A split must improve the children's score by more than this fraction of it; smaller gains
/// are rounding noise (e.g. splitting a pure node).
const MIN_RELATIVE_GAIN: f64 = 1e-10;
/// Histograms kept for subtraction use at most about this much memory; beyond it the leaves
/// least likely to be split rebuild theirs from their rows.
const HISTOGRAM_BUDGET_BYTES: usize = 256 << 20;
/// Leaf values (after the learning rate) are kept within this: a larger step of the raw score
/// only saturates the probabilities further, and the value must stay finite as an `f32`. Only a
/// leaf of rows with near-zero hessians (already near-certain predictions) comes close.
const MAX_LEAF_VALUE: f64 = 1000.0;
/// Below this many row-feature pairs a histogram is built on one thread (spawning costs more).
const PARALLEL_MIN_WORK: usize = 1 << 16;

/// Sums of one bin of one feature's histogram.
#[derive(Clone, Copy, Default)]
struct BinSums {
    gradient: f64,
    hessian: f64,
    count: u32,
}

/// One feature's histogram: value bins from 0, missing values at [`MISSING_BIN`]. Bins above the
/// feature's value bins and below 255 are never written nor read.
type FeatureHistogram = [BinSums; 256];
/// A node's histograms, one per feature (inactive features' entries are left stale).
type Histogram = Vec<FeatureHistogram>;

/// The tree-shape parameters of one tree.
pub(crate) struct GrowParams {
    pub learning_rate: f64,
    pub max_leaves: usize,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    pub l2: f64,
}

/// Gradient, hessian and row count of a node.
#[derive(Clone, Copy, Default)]
struct Totals {
    gradient: f64,
    hessian: f64,
    count: usize,
}

impl Totals {
    fn of_rows(rows: &[u32], gradient: &[f64], hessian: &[f64]) -> Self {
        let mut totals = Totals { count: rows.len(), ..Totals::default() };
        for &row in rows {
            totals.gradient += gradient[row as usize];
            totals.hessian += hessian[row as usize];
        }
        totals
    }
}

#[derive(Clone, Copy)]
struct SplitChoice {
    feature: usize,
    /// Value bins `0..=bin` go left.
    bin: u8,
    missing_left: bool,
    gain: f64,
}

#[derive(Clone, Copy)]
enum Parent {
    Root,
    Left(usize),
    Right(usize),
}

/// A leaf of the tree being grown: its rows are `rows[start..end]` of the workspace.
struct OpenLeaf {
    start: usize,
    end: usize,
    depth: usize,
    totals: Totals,
    parent: Parent,
    histogram: Option<Histogram>,
    best: Option<SplitChoice>,
}

/// Buffers kept from tree to tree.
pub(crate) struct Workspace {
    free_histograms: Vec<Histogram>,
    rows: Vec<u32>,
    right_rows: Vec<u32>,
    ordered: Vec<(f64, f64)>,
    /// Memory the histograms of the open leaves may take (see [`HISTOGRAM_BUDGET_BYTES`]).
    histogram_budget_bytes: usize,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            free_histograms: Vec::new(),
            rows: Vec::new(),
            right_rows: Vec::new(),
            ordered: Vec::new(),
            histogram_budget_bytes: HISTOGRAM_BUDGET_BYTES,
        }
    }
}

impl Workspace {
    fn take_histogram(&mut self, features: usize) -> Histogram {
        self.free_histograms.pop().unwrap_or_else(|| vec![[BinSums::default(); 256]; features])
    }

    fn give_back(&mut self, histogram: Option<Histogram>) {
        if let Some(histogram) = histogram {
            self.free_histograms.push(histogram);
        }
    }
}

/// A grown tree and, per split, its bin threshold (so training rows are routed by their codes).
pub(crate) struct GrownTree {
    pub tree: Tree,
    split_bins: Vec<u8>,
}

impl GrownTree {
    /// The leaf a training row falls in, by its bin codes (the same leaf its raw values reach).
    pub(crate) fn leaf_of_binned(&self, data: &BinnedData, row: usize) -> usize {
        let tree = &self.tree;
        if tree.feature.is_empty() {
            return 0;
        }
        let mut node = 0usize;
        loop {
            let code = data.column(tree.feature[node] as usize)[row];
            let go_left = if code == MISSING_BIN { tree.missing_left[node] } else { code <= self.split_bins[node] };
            let child = if go_left { tree.left[node] } else { tree.right[node] };
            if child < 0 {
                return !child as usize;
            }
            node = child as usize;
        }
    }
}

/// A node's score `G² / (H + l2)`; a split gains half of children's minus parent's.
fn score(gradient: f64, hessian: f64, l2: f64) -> f64 {
    gradient * gradient / (hessian + l2)
}

/// Grows one tree on `rows` (sorted training row indices) over the `active` features, for the
/// given per-row gradient and hessian of the loss.
pub(crate) fn grow_tree(
    data: &BinnedData,
    active: &[bool],
    rows: &[u32],
    gradient: &[f64],
    hessian: &[f64],
    params: &GrowParams,
    work: &mut Workspace,
) -> GrownTree {
    let features = data.features();
    let histogram_bytes = features * std::mem::size_of::<FeatureHistogram>();
    let histograms_kept = (work.histogram_budget_bytes / histogram_bytes.max(1)).max(1);
    let grower = Grower { data, active, gradient, hessian, params };

    work.rows.clear();
    work.rows.extend_from_slice(rows);
    let root_totals = Totals::of_rows(&work.rows, gradient, hessian);
    let mut root = OpenLeaf { start: 0, end: rows.len(), depth: 0, totals: root_totals, parent: Parent::Root, histogram: None, best: None };
    if grower.may_split(&root, 1) {
        let mut histogram = work.take_histogram(features);
        grower.build_histogram(&mut histogram, &work.rows, &mut work.ordered);
        root.best = grower.best_split(&histogram, root.totals);
        root.histogram = Some(histogram);
    }
    let mut leaves = vec![root];
    let mut tree = Tree {
        feature: Vec::new(),
        threshold: Vec::new(),
        missing_left: Vec::new(),
        left: Vec::new(),
        right: Vec::new(),
        gain: Vec::new(),
        leaf_value: Vec::new(),
        node_value: Vec::new(),
    };
    let mut split_bins = Vec::new();

    while leaves.len() < params.max_leaves {
        // The leaf with the largest gain; ties go to the earlier leaf.
        let mut chosen: Option<(usize, SplitChoice)> = None;
        for (index, leaf) in leaves.iter().enumerate() {
            if let Some(best) = leaf.best {
                if chosen.is_none_or(|(_, current)| best.gain > current.gain) {
                    chosen = Some((index, best));
                }
            }
        }
        let Some((index, split)) = chosen else { break };
        let parent_histogram = leaves[index].histogram.take();
        let (start, end, depth, parent) = (leaves[index].start, leaves[index].end, leaves[index].depth, leaves[index].parent);

        let node = tree.feature.len();
        tree.feature.push(split.feature as u32);
        tree.threshold.push(data.threshold(split.feature, split.bin));
        tree.missing_left.push(split.missing_left);
        tree.left.push(0);
        tree.right.push(0);
        tree.gain.push(split.gain as f32);
        tree.node_value.push(leaf_output(leaves[index].totals, params));
        split_bins.push(split.bin);
        match parent {
            Parent::Root => {}
            Parent::Left(above) => tree.left[above] = node as i32,
            Parent::Right(above) => tree.right[above] = node as i32,
        }

        let middle = start + partition(&mut work.rows[start..end], &mut work.right_rows, data.column(split.feature), split.bin, split.missing_left);
        let totals_left = Totals::of_rows(&work.rows[start..middle], gradient, hessian);
        let totals_right = Totals::of_rows(&work.rows[middle..end], gradient, hessian);
        let mut left =
            OpenLeaf { start, end: middle, depth: depth + 1, totals: totals_left, parent: Parent::Left(node), histogram: None, best: None };
        let mut right =
            OpenLeaf { start: middle, end, depth: depth + 1, totals: totals_right, parent: Parent::Right(node), histogram: None, best: None };

        // Histograms only for children that may split again.
        let leaves_after = leaves.len() + 1;
        let (left_splits, right_splits) = (grower.may_split(&left, leaves_after), grower.may_split(&right, leaves_after));
        let left_is_smaller = left.totals.count <= right.totals.count;
        let (smaller, larger, smaller_splits, larger_splits) =
            if left_is_smaller { (&mut left, &mut right, left_splits, right_splits) } else { (&mut right, &mut left, right_splits, left_splits) };
        // The smaller child's histogram is built when it may split or when the larger one is
        // then taken by subtraction; without the parent's histogram the larger one is built too.
        let small_histogram = (smaller_splits || (larger_splits && parent_histogram.is_some())).then(|| {
            let mut histogram = work.take_histogram(features);
            grower.build_histogram(&mut histogram, &work.rows[smaller.start..smaller.end], &mut work.ordered);
            histogram
        });
        let large_histogram = match (larger_splits, parent_histogram, &small_histogram) {
            (true, Some(mut histogram), Some(small)) => {
                grower.subtract(&mut histogram, small);
                Some(histogram)
            }
            (true, parent_histogram, _) => {
                work.give_back(parent_histogram);
                let mut histogram = work.take_histogram(features);
                grower.build_histogram(&mut histogram, &work.rows[larger.start..larger.end], &mut work.ordered);
                Some(histogram)
            }
            (false, parent_histogram, _) => {
                work.give_back(parent_histogram);
                None
            }
        };
        for (child, histogram, may_split) in [(smaller, small_histogram, smaller_splits), (larger, large_histogram, larger_splits)] {
            if let (true, Some(histogram)) = (may_split, histogram.as_ref()) {
                child.best = grower.best_split(histogram, child.totals);
            }
            // Only a leaf that can still split keeps its histogram.
            if child.best.is_some() {
                child.histogram = histogram;
            } else {
                work.give_back(histogram);
            }
        }
        leaves[index] = left;
        leaves.push(right);

        // Keep memory bounded: drop the histograms of the leaves with the smallest gains.
        while leaves.iter().filter(|leaf| leaf.histogram.is_some()).count() > histograms_kept {
            let mut weakest: Option<(usize, f64)> = None;
            for (index, leaf) in leaves.iter().enumerate() {
                if let (Some(_), Some(best)) = (&leaf.histogram, leaf.best) {
                    if weakest.is_none_or(|(_, gain)| best.gain < gain) {
                        weakest = Some((index, best.gain));
                    }
                }
            }
            let Some((index, _)) = weakest else { break };
            let histogram = leaves[index].histogram.take();
            work.give_back(histogram);
        }
    }

    for (leaf_index, leaf) in leaves.iter_mut().enumerate() {
        tree.leaf_value.push(leaf_output(leaf.totals, params));
        match leaf.parent {
            Parent::Root => {}
            Parent::Left(above) => tree.left[above] = leaf_reference(leaf_index),
            Parent::Right(above) => tree.right[above] = leaf_reference(leaf_index),
        }
        work.give_back(leaf.histogram.take());
    }
    GrownTree { tree, split_bins }
}

/// The output of a leaf with these sums (Newton step times the learning rate, capped).
fn leaf_output(totals: Totals, params: &GrowParams) -> f32 {
    let denominator = totals.hessian + params.l2;
    let value = if denominator > 0.0 { -totals.gradient / denominator * params.learning_rate } else { 0.0 };
    value.clamp(-MAX_LEAF_VALUE, MAX_LEAF_VALUE) as f32
}

/// Moves the rows that go left to the front, keeping both sides in their order; returns the
/// number going left.
fn partition(rows: &mut [u32], right_rows: &mut Vec<u32>, codes: &[u8], bin: u8, missing_left: bool) -> usize {
    right_rows.clear();
    let mut left_count = 0;
    for index in 0..rows.len() {
        let row = rows[index];
        let code = codes[row as usize];
        let goes_left = if code == MISSING_BIN { missing_left } else { code <= bin };
        if goes_left {
            rows[left_count] = row;
            left_count += 1;
        } else {
            right_rows.push(row);
        }
    }
    rows[left_count..].copy_from_slice(right_rows);
    left_count
}

/// What one tree's growth reads.
struct Grower<'a> {
    data: &'a BinnedData,
    active: &'a [bool],
    gradient: &'a [f64],
    hessian: &'a [f64],
    params: &'a GrowParams,
}

impl Grower<'_> {
    /// Whether a leaf may still be split, with `leaves` leaves in the tree after its creation.
    fn may_split(&self, leaf: &OpenLeaf, leaves: usize) -> bool {
        leaves < self.params.max_leaves
            && leaf.totals.count >= 2 * self.params.min_samples_leaf
            && leaf.totals.hessian >= 2.0 * MIN_CHILD_HESSIAN
            && self.params.max_depth.is_none_or(|max_depth| leaf.depth < max_depth)
    }

    fn build_histogram(&self, histogram: &mut Histogram, rows: &[u32], ordered: &mut Vec<(f64, f64)>) {
        // Gradients in row order, so the per-feature loops read them sequentially.
        ordered.clear();
        ordered.extend(rows.iter().map(|&row| (self.gradient[row as usize], self.hessian[row as usize])));
        let ordered = &ordered[..];
        let build_feature = |(feature, sums): (usize, &mut FeatureHistogram)| {
            if !self.active[feature] {
                return;
            }
            sums[..self.data.value_bins(feature)].fill(BinSums::default());
            sums[usize::from(MISSING_BIN)] = BinSums::default();
            let codes = self.data.column(feature);
            for (&row, &(gradient, hessian)) in rows.iter().zip(ordered) {
                let bin = &mut sums[usize::from(codes[row as usize])];
                bin.gradient += gradient;
                bin.hessian += hessian;
                bin.count += 1;
            }
        };
        let active_features = self.active.iter().filter(|&&active| active).count();
        if rows.len().saturating_mul(active_features) >= PARALLEL_MIN_WORK {
            histogram.par_iter_mut().enumerate().for_each(build_feature);
        } else {
            histogram.iter_mut().enumerate().for_each(build_feature);
        }
    }

    /// `larger -= smaller`, over the bins in use.
    fn subtract(&self, larger: &mut Histogram, smaller: &Histogram) {
        for (feature, (large, small)) in larger.iter_mut().zip(smaller).enumerate() {
            if !self.active[feature] {
                continue;
            }
            let value_bins = self.data.value_bins(feature);
            for bin in (0..value_bins).chain([usize::from(MISSING_BIN)]) {
                large[bin].gradient -= small[bin].gradient;
                large[bin].hessian -= small[bin].hessian;
                large[bin].count -= small[bin].count;
            }
        }
    }

    /// The best split of a node over all active features; ties go to the lower feature index.
    fn best_split(&self, histogram: &Histogram, totals: Totals) -> Option<SplitChoice> {
        let l2 = self.params.l2;
        let parent_score = score(totals.gradient, totals.hessian, l2);
        let per_feature = |(feature, sums): (usize, &FeatureHistogram)| -> Option<(usize, u8, bool, f64)> {
            if !self.active[feature] {
                return None;
            }
            self.best_split_of_feature(sums, self.data.value_bins(feature), totals)
                .map(|(bin, missing_left, score)| (feature, bin, missing_left, score))
        };
        let candidates: Vec<Option<(usize, u8, bool, f64)>> = if totals.count >= PARALLEL_MIN_WORK / 64 {
            histogram.par_iter().enumerate().map(per_feature).collect()
        } else {
            histogram.iter().enumerate().map(per_feature).collect()
        };
        let mut best: Option<SplitChoice> = None;
        for (feature, bin, missing_left, children_score) in candidates.into_iter().flatten() {
            let gain = 0.5 * (children_score - parent_score);
            if children_score - parent_score > MIN_RELATIVE_GAIN * children_score && best.is_none_or(|current| gain > current.gain) {
                best = Some(SplitChoice { feature, bin, missing_left, gain });
            }
        }
        best
    }

    /// The best threshold of one feature: `(bin, missing_left, children's score)`. Both sides
    /// of the missing values are tried; without missing values they go with the larger child.
    fn best_split_of_feature(&self, sums: &FeatureHistogram, value_bins: usize, totals: Totals) -> Option<(u8, bool, f64)> {
        let missing = sums[usize::from(MISSING_BIN)];
        // Left-side sums of "bins 0..=b go left", as plain arrays so the scoring loop below has
        // no branches and vectorizes. An empty bin repeats the previous split's score, and the
        // first best wins, so it never changes the choice.
        let mut prefix = PrefixSums::default();
        let (mut gradient, mut hessian, mut count) = (0.0f64, 0.0f64, 0.0f64);
        for (bin, sum) in sums[..value_bins].iter().enumerate() {
            gradient += sum.gradient;
            hessian += sum.hessian;
            count += f64::from(sum.count);
            prefix.gradient[bin] = gradient;
            prefix.hessian[bin] = hessian;
            prefix.count[bin] = count;
        }
        let mut scores = [0.0f64; 256];
        let mut best = self.scan(&prefix, value_bins, totals, (0.0, 0.0, 0.0), &mut scores).map(|(bin, score)| (bin, false, score));
        if missing.count > 0 {
            let with_missing = (missing.gradient, missing.hessian, f64::from(missing.count));
            if let Some((bin, score)) = self.scan(&prefix, value_bins, totals, with_missing, &mut scores) {
                if best.is_none_or(|(_, _, current)| score > current) {
                    best = Some((bin, true, score));
                }
            }
        } else if let Some((bin, missing_left, _)) = &mut best {
            // No missing values here: send future ones to the side with more rows.
            let left_rows = prefix.count[usize::from(*bin)];
            *missing_left = left_rows >= totals.count as f64 - left_rows;
        }
        best
    }

    /// The best bin to split at, given prefix sums and what is added to the left side (the
    /// missing values, or nothing): `(bin, children's score)`.
    fn scan(&self, prefix: &PrefixSums, value_bins: usize, totals: Totals, extra: (f64, f64, f64), scores: &mut [f64; 256]) -> Option<(u8, f64)> {
        let l2 = self.params.l2;
        let min_rows = self.params.min_samples_leaf as f64;
        let total_count = totals.count as f64;
        let bins = value_bins.min(256);
        for (((score, &gradient), &hessian), &count) in
            scores[..bins].iter_mut().zip(&prefix.gradient[..bins]).zip(&prefix.hessian[..bins]).zip(&prefix.count[..bins])
        {
            let (left_gradient, left_hessian, left_count) = (gradient + extra.0, hessian + extra.1, count + extra.2);
            let (right_gradient, right_hessian, right_count) =
                (totals.gradient - left_gradient, totals.hessian - left_hessian, total_count - left_count);
            let valid = left_count >= min_rows && right_count >= min_rows && left_hessian >= MIN_CHILD_HESSIAN && right_hessian >= MIN_CHILD_HESSIAN;
            // G_L²/(H_L+λ) + G_R²/(H_R+λ) over one common denominator: one division, not two.
            let (left_denominator, right_denominator) = (left_hessian + l2, right_hessian + l2);
            let children = (left_gradient * left_gradient * right_denominator + right_gradient * right_gradient * left_denominator)
                / (left_denominator * right_denominator);
            *score = if valid { children } else { f64::NEG_INFINITY };
        }
        let (mut best_bin, mut best_score) = (0usize, f64::NEG_INFINITY);
        for (bin, &score) in scores[..bins].iter().enumerate() {
            if score > best_score {
                (best_bin, best_score) = (bin, score);
            }
        }
        (best_score > f64::NEG_INFINITY).then_some((best_bin as u8, best_score))
    }
}

/// Running sums over a feature's value bins, `0..=b` at index `b`.
struct PrefixSums {
    gradient: [f64; 256],
    hessian: [f64; 256],
    count: [f64; 256],
}

impl Default for PrefixSums {
    fn default() -> Self {
        PrefixSums { gradient: [0.0; 256], hessian: [0.0; 256], count: [0.0; 256] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn leaves_that_lost_their_histogram_to_the_memory_budget_grow_the_same_tree() {
        let (rows, features) = (3000, 6);
        let mut rng = SplitMix64::new(21);
        let x: Vec<f32> = (0..rows * features).map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32).collect();
        let data = BinnedData::new(&x, rows, features, 255);
        // Gradients of a smooth target in three features, so there are many worthwhile splits.
        let gradient: Vec<f64> = x.chunks(features).map(|row| f64::from(row[0] * 3.0 - row[1] * row[1] * 2.0 + (row[2] * 9.0).sin())).collect();
        let hessian = vec![1.0; rows];
        let all_rows: Vec<u32> = (0..rows as u32).collect();
        let active = vec![true; features];
        let params = GrowParams { learning_rate: 0.1, max_leaves: 24, max_depth: None, min_samples_leaf: 20, l2: 1.0 };
        let mut roomy = Workspace::default();
        let mut tight = Workspace { histogram_budget_bytes: 0, ..Workspace::default() };
        let with_subtraction = grow_tree(&data, &active, &all_rows, &gradient, &hessian, &params, &mut roomy).tree;
        let rebuilt = grow_tree(&data, &active, &all_rows, &gradient, &hessian, &params, &mut tight).tree;
        assert_eq!(with_subtraction.leaves(), 24);
        assert_eq!((&with_subtraction.feature, &with_subtraction.threshold), (&rebuilt.feature, &rebuilt.threshold));
        assert_eq!((&with_subtraction.left, &with_subtraction.right), (&rebuilt.left, &rebuilt.right));
        // Leaf values come from the rows themselves, so they agree exactly too.
        assert_eq!(with_subtraction.leaf_value, rebuilt.leaf_value);
        assert!(tight.free_histograms.len() <= 3, "at most one kept plus the two children being made");
    }

    #[test]
    fn a_split_sends_rows_where_the_stored_raw_threshold_sends_them() {
        let (rows, features) = (2000, 3);
        let mut rng = SplitMix64::new(22);
        let x: Vec<f32> = (0..rows * features).map(|i| if i % 7 == 0 { f32::NAN } else { ((rng.next_u64() >> 40) % 50) as f32 - 25.0 }).collect();
        let data = BinnedData::new(&x, rows, features, 16);
        let gradient: Vec<f64> = x.chunks(features).map(|row| if row[1].is_nan() || row[0] > 3.0 { 1.0 } else { -1.0 }).collect();
        let hessian = vec![0.25; rows];
        let all_rows: Vec<u32> = (0..rows as u32).collect();
        let params = GrowParams { learning_rate: 1.0, max_leaves: 12, max_depth: None, min_samples_leaf: 5, l2: 0.0 };
        let grown = grow_tree(&data, &[true; 3], &all_rows, &gradient, &hessian, &params, &mut Workspace::default());
        assert!(grown.tree.splits() >= 3);
        for (row, values) in x.chunks(features).enumerate() {
            assert_eq!(grown.leaf_of_binned(&data, row), grown.tree.leaf_of(values).unwrap(), "row {row}: {values:?}");
        }
    }

    #[test]
    fn a_leaf_of_near_certain_rows_keeps_a_finite_bounded_value() {
        let rows = 100;
        let x: Vec<f32> = (0..rows).map(|i| i as f32).collect();
        let data = BinnedData::new(&x, rows, 1, 255);
        // Confidently wrong rows: unit gradients, almost no curvature.
        let (gradient, hessian) = (vec![-1.0; rows], vec![1e-12; rows]);
        let all_rows: Vec<u32> = (0..rows as u32).collect();
        let params = GrowParams { learning_rate: 1.0, max_leaves: 4, max_depth: None, min_samples_leaf: 1, l2: 0.0 };
        let tree = grow_tree(&data, &[true], &all_rows, &gradient, &hessian, &params, &mut Workspace::default()).tree;
        assert_eq!(tree.leaf_value, [MAX_LEAF_VALUE as f32], "no split below the minimum hessian; the step is capped");
    }
}
