//! The origin's embedding → mean-pool as a hand-written "embedding bag" for the CPU.
//!
//! Measured on the W1 workload (vocabulary 10,000 × 64, batch 32 × 64 tokens): going through
//! the tensor library, each step gathered into a fresh tensor, built a dense 2.5 MB gradient of
//! the whole table (zero-filled, then scattered into), copied table and gradient out to update
//! them and back in again; allocation, page faults and copies took about half of the step. Here
//! the table stays in one buffer for the whole run: the forward pass sums the rows of a
//! sample's tokens, the backward pass adds the pooled gradient to the rows that were used (at
//! most batch × tokens rows), and the Adam step runs over the table once, reading a gradient
//! row only where there is one. Adam stays dense (every row's moments decay every step), the
//! same arithmetic as Keras and PyTorch.

use rayon::prelude::*;

/// Rows per parallel piece of the Adam pass.
const ROWS_PER_PIECE: usize = 512;

/// Adam's settings and this step's size (bias corrections folded in).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamStep {
    pub beta1: f32,
    pub beta2: f32,
    pub epsilon: f32,
    pub step_size: f32,
}

/// The embedding table and the scratch space of its gradient.
pub(crate) struct EmbeddingBag {
    /// `[vocab, dim]`, row-major: the current weights while training.
    pub weights: Vec<f32>,
    dim: usize,
    /// Gradient rows; only the rows listed in `used` hold anything (zero elsewhere).
    grad: Vec<f32>,
    used: Vec<u32>,
    is_used: Vec<bool>,
}

impl EmbeddingBag {
    pub fn new(weights: Vec<f32>, dim: usize) -> Self {
        let rows = weights.len() / dim.max(1);
        Self { grad: vec![0.0; weights.len()], weights, dim, used: Vec::new(), is_used: vec![false; rows] }
    }

    /// Mean over `steps` of the summed embeddings of each step's tokens: `[n, dim]`. A
    /// sample's tokens are `tokens[i·len .. (i+1)·len]` with `len = steps · per_step`, so this
    /// is the sum of all its rows divided by `steps`.
    pub fn pool(&self, tokens: &[u32], n: usize, steps: usize, out: &mut Vec<f32>) {
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

    /// Adds the gradient of the pooled rows (`[n, dim]`) to the rows of the tokens used.
    pub fn accumulate(&mut self, tokens: &[u32], n: usize, steps: usize, pooled_grad: &[f32]) {
        let d = self.dim;
        let len = tokens.len() / n.max(1);
        let scale = 1.0 / steps.max(1) as f32;
        for (sample, g) in tokens.chunks(len.max(1)).zip(pooled_grad.chunks(d)) {
            for &t in sample {
                let t = t as usize;
                if !self.is_used[t] {
                    self.is_used[t] = true;
                    self.used.push(t as u32);
                }
                for (acc, gi) in self.grad[t * d..(t + 1) * d].iter_mut().zip(g) {
                    *acc += gi * scale;
                }
            }
        }
    }

    /// One Adam step over the whole table with the accumulated gradient (zero for unused
    /// rows); clears the gradient afterwards.
    pub fn adam(&mut self, first: &mut [f32], second: &mut [f32], adam: AdamStep) {
        let d = self.dim;
        let piece = ROWS_PER_PIECE * d;
        let AdamStep { beta1: b1, beta2: b2, epsilon: eps, step_size } = adam;
        let is_used = &self.is_used;
        let grad = &self.grad;
        self.weights
            .par_chunks_mut(piece)
            .zip(first.par_chunks_mut(piece))
            .zip(second.par_chunks_mut(piece))
            .enumerate()
            .for_each(|(p, ((w, m), v))| {
                let first_row = p * ROWS_PER_PIECE;
                for (r, ((w, m), v)) in w.chunks_mut(d).zip(m.chunks_mut(d)).zip(v.chunks_mut(d)).enumerate() {
                    let row = first_row + r;
                    // Zipped iterators (no indexing) so the loops compile to vector code.
                    if is_used[row] {
                        let g = &grad[row * d..(row + 1) * d];
                        for (((w, m), v), g) in w.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
                            *m = b1 * *m + (1.0 - b1) * g;
                            *v = b2 * *v + (1.0 - b2) * g * g;
                            *w -= step_size * *m / (v.sqrt() + eps);
                        }
                    } else {
                        for ((w, m), v) in w.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()) {
                            *m *= b1;
                            *v *= b2;
                            *w -= step_size * *m / (v.sqrt() + eps);
                        }
                    }
                }
            });
        for &t in &self.used {
            let t = t as usize;
            self.grad[t * d..(t + 1) * d].fill(0.0);
            self.is_used[t] = false;
        }
        self.used.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (mut m, mut v) = (vec![0.0; 6], vec![0.0; 6]);
        // The first step's size with Adam's bias corrections for a learning rate of 0.1.
        let step_size = 0.1 * (1.0f32 - 0.999).sqrt() / (1.0 - 0.9);
        bag.adam(&mut m, &mut v, AdamStep { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step_size });
        assert!(bag.grad.iter().all(|g| *g == 0.0) && bag.used.is_empty(), "the gradient is cleared");
        // First Adam step moves every used weight by about the step size against its gradient.
        assert!((bag.weights[0] - 0.9).abs() < 1e-4 && (bag.weights[2] - 9.9).abs() < 1e-4, "{:?}", bag.weights);
        assert_eq!(bag.weights[3], 20.0, "a zero gradient with zero moments leaves the weight");
    }
}
