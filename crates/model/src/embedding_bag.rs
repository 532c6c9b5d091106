//! The origin's embedding → mean-pool as a hand-written "embedding bag" for the CPU.
//!
//! Measured on the W1 workload (vocabulary 10,000 × 64, batch 32 × 64 tokens): going through
//! the tensor library, each step gathered into a fresh tensor, built a dense 2.5 MB gradient of
//! the whole table (zero-filled, then scattered into), copied table and gradient out to update
//! them and back in again; allocation, page faults and copies took about half of the step. Here
//! the table stays in one buffer for the whole run: the forward pass sums the rows of a
//! sample's tokens and the backward pass adds the pooled gradient to the rows that were used.
//!
//! Adam stays dense, as in Keras and PyTorch: every row's moments decay and its weight moves at
//! every step, gradient or not. Streaming the whole table (weights and both moments, 7.5 MB)
//! through memory at every step was then three quarters of a step, so a row's gradient-free
//! updates are deferred and replayed, in order and with the same arithmetic, when the row is
//! next read or written (and for every row before the table is read out). The result is the
//! same, bit for bit, as updating every row at every step (tested).

use rayon::prelude::*;

use crate::optimiser::AdamStep;

/// Rows per parallel piece when every row is brought up to date.
const ROWS_PER_PIECE: usize = 256;

/// Which marks select the rows a parallel pass visits.
enum Marks {
    /// Rows with a gradient this step.
    Used,
    /// Rows about to be read that have deferred updates.
    Stale,
}

/// One row's weights, moments and gradient, and how many Adam steps it has had.
struct Row<'a> {
    w: &'a mut [f32],
    m: &'a mut [f32],
    v: &'a mut [f32],
    g: &'a mut [f32],
    applied: &'a mut u32,
}

/// The embedding table, its Adam moments and the scratch space of its gradient.
pub(crate) struct EmbeddingBag {
    /// `[vocab, dim]`, row-major. A row is current once `applied[row] == steps`.
    weights: Vec<f32>,
    first: Vec<f32>,
    second: Vec<f32>,
    dim: usize,
    /// Adam steps taken, and how many of them each row has had applied.
    steps: u32,
    applied: Vec<u32>,
    /// Step size of each step taken (index `step − 1`), for replaying deferred updates.
    step_sizes: Vec<f32>,
    /// β₁, β₂, ε (the same at every step).
    betas: (f32, f32, f32),
    /// Gradient rows; only the rows marked `is_used` hold anything (zero elsewhere).
    grad: Vec<f32>,
    is_used: Vec<bool>,
    /// Rows about to be read that have deferred updates.
    is_stale: Vec<bool>,
    any_stale: bool,
}

/// Replays the gradient-free Adam updates of steps `from..to` (1-based) on one row.
#[inline]
fn replay_idle(w: &mut [f32], m: &mut [f32], v: &mut [f32], step_sizes: &[f32], (beta1, beta2, epsilon): (f32, f32, f32), from: u32, to: u32) {
    for step in from..to {
        let step = AdamStep { beta1, beta2, epsilon, step_size: step_sizes[step as usize - 1] };
        // Zipped iterators (no indexing) so the loop compiles to vector code.
        for ((w, m), v) in w.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()) {
            step.update(w, m, v, None);
        }
    }
}

impl EmbeddingBag {
    pub fn new(weights: Vec<f32>, dim: usize) -> Self {
        let rows = weights.len() / dim.max(1);
        Self {
            first: vec![0.0; weights.len()],
            second: vec![0.0; weights.len()],
            grad: vec![0.0; weights.len()],
            weights,
            dim,
            steps: 0,
            applied: vec![0; rows],
            step_sizes: Vec::new(),
            betas: (0.9, 0.999, 1e-7),
            is_used: vec![false; rows],
            is_stale: vec![false; rows],
            any_stale: false,
        }
    }

    /// Calls `visit` on all cores for every row marked in `is_used` (`Marks::Used`) or
    /// `is_stale` (`Marks::Stale`), clearing the mark; only those rows' memory is touched.
    fn visit_marked(&mut self, marks: Marks, visit: impl Fn(Row<'_>) + Sync) {
        let d = self.dim;
        let piece = ROWS_PER_PIECE * d;
        let marks = match marks {
            Marks::Used => &mut self.is_used,
            Marks::Stale => &mut self.is_stale,
        };
        self.weights
            .par_chunks_mut(piece)
            .zip(self.first.par_chunks_mut(piece))
            .zip(self.second.par_chunks_mut(piece))
            .zip(self.grad.par_chunks_mut(piece))
            .zip(self.applied.par_chunks_mut(ROWS_PER_PIECE))
            .zip(marks.par_chunks_mut(ROWS_PER_PIECE))
            .for_each(|(((((w, m), v), g), applied), marks)| {
                for (r, (applied, mark)) in applied.iter_mut().zip(marks.iter_mut()).enumerate() {
                    if std::mem::take(mark) {
                        let span = r * d..(r + 1) * d;
                        visit(Row { w: &mut w[span.clone()], m: &mut m[span.clone()], v: &mut v[span.clone()], g: &mut g[span], applied });
                    }
                }
            });
    }

    /// Brings the rows marked stale (all rows with `everything`) up to the last step.
    fn catch_up(&mut self, everything: bool) {
        if everything {
            self.is_stale.fill(true);
        } else if !self.any_stale {
            return;
        }
        let (steps, betas) = (self.steps, self.betas);
        let step_sizes = std::mem::take(&mut self.step_sizes);
        self.visit_marked(Marks::Stale, |row| {
            if *row.applied < steps {
                replay_idle(row.w, row.m, row.v, &step_sizes, betas, *row.applied + 1, steps + 1);
                *row.applied = steps;
            }
        });
        self.step_sizes = step_sizes;
        self.any_stale = false;
    }

    /// Brings every row up to the last step (before the table is read out).
    pub fn catch_up_all(&mut self) {
        self.catch_up(true);
    }

    /// The whole table, every row up to date.
    pub fn table(&mut self) -> &[f32] {
        self.catch_up_all();
        &self.weights
    }

    /// Puts a table in (e.g. the best epoch's) and keeps the moments, brought up to date.
    pub fn replace_table(&mut self, weights: Vec<f32>) {
        self.catch_up_all();
        if weights.len() == self.weights.len() {
            self.weights = weights;
        }
    }

    /// Mean over `steps` of the summed embeddings of each step's tokens: `[n, dim]`. A
    /// sample's tokens are `tokens[i·len .. (i+1)·len]` with `len = steps · per_step`, so this
    /// is the sum of all its rows divided by `steps`. The rows read are brought up to date.
    pub fn pool(&mut self, tokens: &[u32], n: usize, steps: usize, out: &mut Vec<f32>) {
        self.bring_up_to_date(tokens);
        self.pool_current(tokens, n, steps, out);
    }

    /// Brings the rows of `tokens` up to the last step, so [`Self::rows`] reads them current.
    pub fn bring_up_to_date(&mut self, tokens: &[u32]) {
        for &t in tokens {
            let t = t as usize;
            if self.applied[t] < self.steps {
                self.is_stale[t] = true;
                self.any_stale = true;
            }
        }
        self.catch_up(false);
    }

    /// The table as it is: only rows brought up to date (or all, after [`Self::table`]) are
    /// current.
    pub fn rows(&self) -> &[f32] {
        &self.weights
    }

    /// Adds `grad` to the gradient of row `token` (for the next [`Self::adam`]).
    pub fn add_to_row_grad(&mut self, token: usize, grad: &[f32]) {
        let d = self.dim;
        self.is_used[token] = true;
        for (acc, g) in self.grad[token * d..(token + 1) * d].iter_mut().zip(grad) {
            *acc += g;
        }
    }

    /// As [`Self::pool`] on a table whose rows are all up to date (no catching up).
    pub fn pool_current(&self, tokens: &[u32], n: usize, steps: usize, out: &mut Vec<f32>) {
        let d = self.dim;
        let len = tokens.len() / n.max(1);
        let scale = 1.0 / steps.max(1) as f32;
        out.clear();
        out.resize(n * d, 0.0);
        for (sample, pooled) in tokens.chunks(len.max(1)).zip(out.chunks_mut(d)) {
            for &t in sample {
                let row = &self.weights[t as usize * d..(t as usize + 1) * d];
                for (p, w) in pooled.iter_mut().zip(row) {
                    *p += w;
                }
            }
            for p in pooled.iter_mut() {
                *p *= scale;
            }
        }
    }

    /// Whether every row is up to date (so [`Self::pool_current`] reads current weights).
    pub fn is_current(&self) -> bool {
        self.applied.iter().all(|&a| a == self.steps)
    }

    /// Adds the gradient of the pooled rows (`[n, dim]`) to the rows of the tokens used.
    pub fn accumulate(&mut self, tokens: &[u32], n: usize, steps: usize, pooled_grad: &[f32]) {
        let d = self.dim;
        let len = tokens.len() / n.max(1);
        let scale = 1.0 / steps.max(1) as f32;
        for (sample, g) in tokens.chunks(len.max(1)).zip(pooled_grad.chunks(d)) {
            for &t in sample {
                let t = t as usize;
                self.is_used[t] = true;
                for (acc, gi) in self.grad[t * d..(t + 1) * d].iter_mut().zip(g) {
                    *acc += gi * scale;
                }
            }
        }
    }

    /// One Adam step with the accumulated gradient: applied now to the rows that have one
    /// (on all cores), deferred for the others. Clears the gradient. The rows with a gradient
    /// were read by the forward pass, so they are up to the previous step.
    pub fn adam(&mut self, adam: AdamStep) {
        self.betas = (adam.beta1, adam.beta2, adam.epsilon);
        let (steps, betas) = (self.steps, self.betas);
        let step_sizes = std::mem::take(&mut self.step_sizes);
        self.visit_marked(Marks::Used, |row| {
            if *row.applied < steps {
                replay_idle(row.w, row.m, row.v, &step_sizes, betas, *row.applied + 1, steps + 1);
            }
            for (((w, m), v), g) in row.w.iter_mut().zip(row.m.iter_mut()).zip(row.v.iter_mut()).zip(row.g.iter()) {
                adam.update(w, m, v, Some(*g));
            }
            row.g.fill(0.0);
            *row.applied = steps + 1;
        });
        self.step_sizes = step_sizes;
        self.steps += 1;
        self.step_sizes.push(adam.step_size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(t: i32, lr: f32) -> AdamStep {
        AdamStep::at(lr, t)
    }

    #[test]
    fn pooling_and_its_gradient_follow_the_definition() {
        // Vocabulary 3 × dim 2; two samples of 2 steps × 2 tokens.
        let mut bag = EmbeddingBag::new(vec![1.0, 2.0, 10.0, 20.0, 100.0, 200.0], 2);
        let tokens = [0, 1, 1, 2, 2, 2, 0, 0];
        let mut pooled = Vec::new();
        bag.pool(&tokens, 2, 2, &mut pooled);
        assert_eq!(pooled, vec![(1.0 + 10.0 + 10.0 + 100.0) / 2.0, (2.0 + 20.0 + 20.0 + 200.0) / 2.0, 101.0, 202.0]);
        bag.accumulate(&tokens, 2, 2, &[1.0, 0.0, 0.0, 4.0]);
        // Token 0: 0.5·[1,0] (sample 0) + 2·0.5·[0,4] (sample 1); token 1 twice in sample 0.
        assert_eq!(bag.grad, vec![0.5, 4.0, 1.0, 0.0, 0.5, 4.0]);
        bag.adam(step(1, 0.1));
        assert!(bag.grad.iter().all(|g| *g == 0.0) && !bag.is_used.contains(&true), "the gradient is cleared");
        // The first Adam step moves every weight with a gradient by about the learning rate.
        let table = bag.table().to_vec();
        assert!((table[0] - 0.9).abs() < 1e-4 && (table[2] - 9.9).abs() < 1e-4, "{table:?}");
        assert_eq!(table[3], 20.0, "a zero gradient with zero moments leaves the weight");
    }

    /// Dense Adam over the whole table at every step: the definition the bag must match.
    fn dense_reference(weights: &mut [f32], m: &mut [f32], v: &mut [f32], grad: &[f32], adam: AdamStep) {
        for i in 0..weights.len() {
            let g = grad[i];
            adam.update(&mut weights[i], &mut m[i], &mut v[i], (g != 0.0).then_some(g));
        }
    }

    #[test]
    fn deferred_updates_equal_updating_every_row_at_every_step() {
        let (vocab, dim, n, len) = (50usize, 4usize, 3usize, 5usize);
        let start: Vec<f32> = (0..vocab * dim).map(|i| ((i * 37 % 101) as f32 - 50.0) / 500.0).collect();
        let mut bag = EmbeddingBag::new(start.clone(), dim);
        let (mut w, mut m, mut v) = (start, vec![0.0; vocab * dim], vec![0.0; vocab * dim]);
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        for t in 1..=40 {
            // Few tokens per step from a larger vocabulary: most rows sit idle for a while.
            let tokens: Vec<u32> = (0..n * len).map(|_| (next() % vocab) as u32).collect();
            let pooled_grad: Vec<f32> = (0..n * dim).map(|_| (next() % 200) as f32 / 100.0 - 1.0).collect();
            let mut pooled = Vec::new();
            bag.pool(&tokens, n, len, &mut pooled);
            let mut reference = Vec::new();
            let reference_bag = EmbeddingBag::new(w.clone(), dim);
            reference_bag.pool_current(&tokens, n, len, &mut reference);
            assert_eq!(pooled, reference, "step {t}: the rows read are current");
            bag.accumulate(&tokens, n, len, &pooled_grad);
            let mut dense_grad = vec![0.0; vocab * dim];
            for i in 0..vocab {
                dense_grad[i * dim..(i + 1) * dim].copy_from_slice(&bag.grad[i * dim..(i + 1) * dim]);
            }
            bag.adam(step(t, 0.01));
            dense_reference(&mut w, &mut m, &mut v, &dense_grad, step(t, 0.01));
        }
        assert!(!bag.is_current(), "some rows were left behind until read");
        assert_eq!(bag.table(), w.as_slice(), "bit for bit");
        assert!(bag.is_current());
        assert_eq!(bag.first, m);
        assert_eq!(bag.second, v);
    }
}
