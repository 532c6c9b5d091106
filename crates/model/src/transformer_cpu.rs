//! The transformer's training step written out by hand for the CPU: forward pass, gradient and
//! Adam update of exactly the network burn builds (`TransformerNet`: post-norm encoder layers,
//! exact GELU, layer-norm ε 1e-5, attention scores scaled by 1/√d_k, no masks, no dropout).
//!
//! Measured on the W2 workload through burn's autodiff, a step was a few hundred small tensor
//! operations: matrix products about a quarter of the time, scalar exp/erf in softmax and GELU
//! a fifth, and the rest allocation, elementwise passes and the autodiff graph. Here each
//! thread takes a fixed share of the batch and runs forward and backward for a few samples at a
//! time in buffers it keeps (so the activations stay in cache), with all the matrix products of
//! the linear layers done over those samples' rows at once; each thread sums its gradient in its
//! own buffer, and the buffers are added in thread order, so a seed gives the same weights
//! however the threads are scheduled.
//!
//! The weights live here while training, flattened: the token table in an [`EmbeddingBag`]
//! (whose Adam defers the updates of unused rows, as for the origin's model), everything else in
//! one vector with its Adam moments. The burn network stays the form that is saved, kept as
//! best and loaded; [`HandTransformer::write_into`] copies the weights back into it.

use std::ops::Range;

use rayon::prelude::*;

use crate::cpu_kernels::{
    add_assign, add_column_sums, fill_rows, gelu_with_slope, layer_norm_rows, layer_norm_rows_backward, matmul, softmax_rows, softmax_rows_backward,
    Mat, MatMut,
};
use crate::embedding_bag::EmbeddingBag;
use crate::nets::{with_values, TRANSFORMER_FF, TRANSFORMER_HEADS, TRANSFORMER_LAYERS};
use crate::optimiser::AdamStep;
use crate::{ModelError, NetSpec, Result, StepStats, TransformerNet};
use burn::module::Param;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::Tensor;

/// Samples per forward/backward pass of one thread: enough rows for the matrix products of the
/// linear layers to run at speed, while the activations (about 0.55 MB a sample at the
/// benchmark's size) stay in the shared cache. Measured on W2 (2 threads, batch 32): 1, 2, 4,
/// 8 and 16 samples gave about 860, 1170, 1460, 1530 and 1470 samples/s.
const SAMPLES_PER_PASS: usize = 8;

/// burn's default layer-norm ε in the transformer encoder.
const LAYER_NORM_EPSILON: f32 = 1e-5;

/// Sizes of the network.
#[derive(Clone, Copy, Debug)]
struct Dims {
    steps: usize,
    per_step: usize,
    d: usize,
    heads: usize,
    ff: usize,
    classes: usize,
}

impl Dims {
    fn of(spec: &NetSpec) -> Self {
        Self {
            steps: spec.steps,
            per_step: spec.per_step,
            d: spec.embedding_dim,
            heads: TRANSFORMER_HEADS,
            ff: TRANSFORMER_FF,
            classes: spec.classes,
        }
    }

    fn head_dim(&self) -> usize {
        self.d / self.heads
    }
}

/// Where one encoder layer's parameters start in the flat vector. The query, key and value
/// projections are kept side by side as one `[d, 3d]` matrix so one product computes all three.
#[derive(Clone, Copy, Debug)]
struct LayerAt {
    qkv_w: usize,
    qkv_b: usize,
    out_w: usize,
    out_b: usize,
    norm1_gamma: usize,
    norm1_beta: usize,
    ff1_w: usize,
    ff1_b: usize,
    ff2_w: usize,
    ff2_b: usize,
    norm2_gamma: usize,
    norm2_beta: usize,
}

/// The flat parameter vector: positions, the encoder layers, the output layer.
#[derive(Clone, Debug)]
struct Layout {
    positions: usize,
    layers: Vec<LayerAt>,
    head_w: usize,
    head_b: usize,
    len: usize,
}

impl Layout {
    fn of(dims: Dims) -> Self {
        let Dims { steps, d, ff, classes, .. } = dims;
        let mut at = 0;
        let mut take = |len: usize| {
            let start = at;
            at += len;
            start
        };
        let positions = take(steps * d);
        let layers = (0..TRANSFORMER_LAYERS)
            .map(|_| LayerAt {
                qkv_w: take(d * 3 * d),
                qkv_b: take(3 * d),
                out_w: take(d * d),
                out_b: take(d),
                norm1_gamma: take(d),
                norm1_beta: take(d),
                ff1_w: take(d * ff),
                ff1_b: take(ff),
                ff2_w: take(ff * d),
                ff2_b: take(d),
                norm2_gamma: take(d),
                norm2_beta: take(d),
            })
            .collect();
        let head_w = take(d * classes);
        let head_b = take(classes);
        Self { positions, layers, head_w, head_b, len: at }
    }
}

/// The weights one pass reads.
#[derive(Clone, Copy)]
struct Weights<'a> {
    table: &'a [f32],
    flat: &'a [f32],
    layout: &'a Layout,
    dims: Dims,
}

impl Weights<'_> {
    fn at(&self, start: usize, len: usize) -> &[f32] {
        &self.flat[start..start + len]
    }
}

/// What one encoder layer's forward pass keeps for the backward pass (rows = samples × steps).
#[derive(Default)]
struct LayerActivations {
    /// Queries, keys and values side by side, `[rows, 3d]`.
    qkv: Vec<f32>,
    /// Attention probabilities, `[samples, heads, steps, steps]`.
    probs: Vec<f32>,
    /// Attention output before its projection, `[rows, d]`.
    context: Vec<f32>,
    norm1_hat: Vec<f32>,
    norm1_inv_std: Vec<f32>,
    /// Output of the first layer norm, input of the feed-forward block.
    norm1_out: Vec<f32>,
    /// GELU output and slope, `[rows, ff]`.
    act: Vec<f32>,
    act_slope: Vec<f32>,
    norm2_hat: Vec<f32>,
    norm2_inv_std: Vec<f32>,
}

/// One thread's buffers: activations of a pass, gradient scratch and its share of the
/// parameter gradient.
#[derive(Default)]
struct Workspace {
    /// Input of each layer, and the last layer's output: `layers + 1` buffers of `[rows, d]`.
    xs: Vec<Vec<f32>>,
    layers: Vec<LayerActivations>,
    pre_norm: Vec<f32>,
    pooled: Vec<f32>,
    logits: Vec<f32>,
    grad_logits: Vec<f32>,
    grad_pooled: Vec<f32>,
    grad_x: Vec<f32>,
    grad_mid: Vec<f32>,
    grad_qkv: Vec<f32>,
    grad_context: Vec<f32>,
    grad_hidden: Vec<f32>,
    grad_probs: Vec<f32>,
    /// This thread's sum of the gradient of the flat parameters.
    grad: Vec<f32>,
}

/// What one thread's share of the batch measured: Σ wᵢ·nllᵢ and samples predicted right.
#[derive(Clone, Copy, Default)]
struct ShareStats {
    weighted_nll: f64,
    correct: usize,
    finite: bool,
}

impl Workspace {
    fn size_for(&mut self, dims: Dims, samples: usize, flat_len: usize) {
        let Dims { steps, d, heads, ff, classes, .. } = dims;
        let rows = samples * steps;
        let fit = |v: &mut Vec<f32>, len: usize| v.resize(len, 0.0);
        self.xs.resize_with(TRANSFORMER_LAYERS + 1, Vec::new);
        for x in &mut self.xs {
            fit(x, rows * d);
        }
        self.layers.resize_with(TRANSFORMER_LAYERS, LayerActivations::default);
        for layer in &mut self.layers {
            fit(&mut layer.qkv, rows * 3 * d);
            fit(&mut layer.probs, samples * heads * steps * steps);
            fit(&mut layer.context, rows * d);
            fit(&mut layer.norm1_hat, rows * d);
            fit(&mut layer.norm1_inv_std, rows);
            fit(&mut layer.norm1_out, rows * d);
            fit(&mut layer.act, rows * ff);
            fit(&mut layer.act_slope, rows * ff);
            fit(&mut layer.norm2_hat, rows * d);
            fit(&mut layer.norm2_inv_std, rows);
        }
        fit(&mut self.pre_norm, rows * d);
        fit(&mut self.pooled, samples * d);
        fit(&mut self.logits, samples * classes);
        fit(&mut self.grad_logits, samples * classes);
        fit(&mut self.grad_pooled, samples * d);
        fit(&mut self.grad_x, rows * d);
        fit(&mut self.grad_mid, rows * d);
        fit(&mut self.grad_qkv, rows * 3 * d);
        fit(&mut self.grad_context, rows * d);
        fit(&mut self.grad_hidden, rows * ff);
        fit(&mut self.grad_probs, steps * steps);
        self.grad.clear();
        self.grad.resize(flat_len, 0.0);
    }

    /// Forward pass of `samples` samples (`tokens`: their `samples × steps × per_step` tokens)
    /// up to the logits.
    fn forward(&mut self, w: Weights<'_>, tokens: &[u32], samples: usize) -> Result<()> {
        let Dims { steps, per_step, d, heads, ff, classes } = w.dims;
        let dk = w.dims.head_dim();
        let rows = samples * steps;
        let scale = 1.0 / (dk as f32).sqrt();

        // Summed token embeddings of each step, plus its position.
        let positions = w.at(w.layout.positions, steps * d);
        for (r, (x, step_tokens)) in self.xs[0][..rows * d].chunks_exact_mut(d).zip(tokens.chunks_exact(per_step)).enumerate() {
            x.fill(0.0);
            for &t in step_tokens {
                let t = t as usize;
                add_assign(x, &w.table[t * d..(t + 1) * d]);
            }
            let s = r % steps;
            add_assign(x, &positions[s * d..(s + 1) * d]);
        }

        for (l, at) in w.layout.layers.iter().enumerate() {
            let (inputs, outputs) = self.xs.split_at_mut(l + 1);
            let x = &inputs[l][..rows * d];
            let out = &mut outputs[0][..rows * d];
            let acts = &mut self.layers[l];

            let qkv = &mut acts.qkv[..rows * 3 * d];
            fill_rows(qkv, w.at(at.qkv_b, 3 * d));
            matmul(MatMut::new(qkv, rows, 3 * d), Mat::new(x, rows, d), Mat::new(w.at(at.qkv_w, d * 3 * d), d, 3 * d), true)?;

            for i in 0..samples {
                let sample_qkv = &acts.qkv[i * steps * 3 * d..(i + 1) * steps * 3 * d];
                let sample_context = &mut acts.context[i * steps * d..(i + 1) * steps * d];
                for h in 0..heads {
                    let probs = &mut acts.probs[(i * heads + h) * steps * steps..(i * heads + h + 1) * steps * steps];
                    let query = Mat::strided(&sample_qkv[h * dk..], steps, dk, 3 * d);
                    let key = Mat::strided(&sample_qkv[d + h * dk..], steps, dk, 3 * d);
                    let value = Mat::strided(&sample_qkv[2 * d + h * dk..], steps, dk, 3 * d);
                    matmul(MatMut::new(probs, steps, steps), query, key.t(), false)?;
                    softmax_rows(probs, steps, scale);
                    matmul(MatMut::strided(&mut sample_context[h * dk..], steps, dk, d), Mat::new(probs, steps, steps), value, false)?;
                }
            }

            let pre = &mut self.pre_norm[..rows * d];
            pre.copy_from_slice(x);
            add_rows_bias(pre, w.at(at.out_b, d));
            matmul(MatMut::new(pre, rows, d), Mat::new(&acts.context[..rows * d], rows, d), Mat::new(w.at(at.out_w, d * d), d, d), true)?;
            layer_norm_rows(
                pre,
                w.at(at.norm1_gamma, d),
                w.at(at.norm1_beta, d),
                LAYER_NORM_EPSILON,
                &mut acts.norm1_out[..rows * d],
                &mut acts.norm1_hat[..rows * d],
                &mut acts.norm1_inv_std[..rows],
            );

            let act = &mut acts.act[..rows * ff];
            fill_rows(act, w.at(at.ff1_b, ff));
            matmul(MatMut::new(act, rows, ff), Mat::new(&acts.norm1_out[..rows * d], rows, d), Mat::new(w.at(at.ff1_w, d * ff), d, ff), true)?;
            gelu_with_slope(act, &mut acts.act_slope[..rows * ff]);

            pre.copy_from_slice(&acts.norm1_out[..rows * d]);
            add_rows_bias(pre, w.at(at.ff2_b, d));
            matmul(MatMut::new(pre, rows, d), Mat::new(&acts.act[..rows * ff], rows, ff), Mat::new(w.at(at.ff2_w, ff * d), ff, d), true)?;
            layer_norm_rows(
                pre,
                w.at(at.norm2_gamma, d),
                w.at(at.norm2_beta, d),
                LAYER_NORM_EPSILON,
                out,
                &mut acts.norm2_hat[..rows * d],
                &mut acts.norm2_inv_std[..rows],
            );
        }

        // Mean over the steps, then the output layer.
        let top = &self.xs[TRANSFORMER_LAYERS][..rows * d];
        let pooled = &mut self.pooled[..samples * d];
        let inv_steps = 1.0 / steps as f32;
        for (p, sample) in pooled.chunks_exact_mut(d).zip(top.chunks_exact(steps * d)) {
            p.fill(0.0);
            add_column_sums(p, sample);
            for v in p.iter_mut() {
                *v *= inv_steps;
            }
        }
        let logits = &mut self.logits[..samples * classes];
        fill_rows(logits, w.at(w.layout.head_b, classes));
        matmul(MatMut::new(logits, samples, classes), Mat::new(pooled, samples, d), Mat::new(w.at(w.layout.head_w, d * classes), d, classes), true)
    }

    /// The loss terms of the logits of the last [`Self::forward`], and ∂loss/∂logits for a loss
    /// normalised by `total_weight`.
    fn score(&mut self, labels: &[u32], class_weights: &[f32], total_weight: f32, classes: usize) -> ShareStats {
        let mut stats = ShareStats { finite: true, ..ShareStats::default() };
        for ((row, grad), &label) in self.logits.chunks_exact(classes).zip(self.grad_logits.chunks_exact_mut(classes)).zip(labels) {
            let label = label as usize;
            let weight = class_weights.get(label).copied().unwrap_or(1.0);
            let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
            let sum: f32 = row.iter().map(|v| (v - max).exp()).sum();
            let log_sum = max + sum.ln();
            let nll = log_sum - row[label];
            stats.weighted_nll += f64::from(weight * nll);
            stats.finite &= nll.is_finite();
            let mut best = 0;
            for (c, v) in row.iter().enumerate() {
                if *v > row[best] {
                    best = c;
                }
            }
            stats.correct += usize::from(best == label);
            let factor = weight / total_weight;
            for (c, (g, v)) in grad.iter_mut().zip(row).enumerate() {
                let p = (v - log_sum).exp();
                *g = factor * (p - if c == label { 1.0 } else { 0.0 });
            }
        }
        stats
    }

    /// Backward pass of the last [`Self::forward`] from `grad_logits`: adds the parameter
    /// gradient to `grad` and writes ∂loss/∂(embedded input) to `grad_input` (`[rows, d]`).
    fn backward(&mut self, w: Weights<'_>, samples: usize, grad_input: &mut [f32]) -> Result<()> {
        let Dims { steps, d, heads, ff, classes, .. } = w.dims;
        let dk = w.dims.head_dim();
        let rows = samples * steps;
        let scale = 1.0 / (dk as f32).sqrt();
        let grad = &mut self.grad;
        let lay = w.layout;

        // Output layer and mean pooling.
        let grad_logits = &self.grad_logits[..samples * classes];
        let pooled = &self.pooled[..samples * d];
        matmul(
            MatMut::new(&mut grad[lay.head_w..lay.head_w + d * classes], d, classes),
            Mat::new(pooled, samples, d).t(),
            Mat::new(grad_logits, samples, classes),
            true,
        )?;
        add_column_sums(&mut grad[lay.head_b..lay.head_b + classes], grad_logits);
        let grad_pooled = &mut self.grad_pooled[..samples * d];
        matmul(
            MatMut::new(grad_pooled, samples, d),
            Mat::new(grad_logits, samples, classes),
            Mat::new(w.at(lay.head_w, d * classes), d, classes).t(),
            false,
        )?;
        let inv_steps = 1.0 / steps as f32;
        let grad_x = &mut self.grad_x[..rows * d];
        for (sample, gp) in grad_x.chunks_exact_mut(steps * d).zip(grad_pooled.chunks_exact(d)) {
            for g in sample.chunks_exact_mut(d) {
                for (g, p) in g.iter_mut().zip(gp) {
                    *g = p * inv_steps;
                }
            }
        }

        for (l, at) in lay.layers.iter().enumerate().rev() {
            let x = &self.xs[l][..rows * d];
            let acts = &self.layers[l];

            // Second layer norm: grad_x becomes ∂/∂(norm1_out + feed-forward output).
            let (grad_gamma, grad_beta) = pair_mut(grad, at.norm2_gamma, at.norm2_beta, d);
            layer_norm_rows_backward(
                grad_x,
                &acts.norm2_hat[..rows * d],
                &acts.norm2_inv_std[..rows],
                w.at(at.norm2_gamma, d),
                grad_gamma,
                grad_beta,
            );

            // Feed-forward block.
            let grad_hidden = &mut self.grad_hidden[..rows * ff];
            let ff2 = LinearAt { weight: at.ff2_w, bias: at.ff2_b, fan_in: ff, fan_out: d };
            ff2.backward(&w, grad, &acts.act[..rows * ff], grad_x, grad_hidden, false)?;
            for (g, s) in grad_hidden.iter_mut().zip(&acts.act_slope[..rows * ff]) {
                *g *= s;
            }
            let grad_mid = &mut self.grad_mid[..rows * d];
            grad_mid.copy_from_slice(grad_x);
            let ff1 = LinearAt { weight: at.ff1_w, bias: at.ff1_b, fan_in: d, fan_out: ff };
            ff1.backward(&w, grad, &acts.norm1_out[..rows * d], grad_hidden, grad_mid, true)?;

            // First layer norm: grad_mid becomes ∂/∂(x + attention output).
            let (grad_gamma, grad_beta) = pair_mut(grad, at.norm1_gamma, at.norm1_beta, d);
            layer_norm_rows_backward(
                grad_mid,
                &acts.norm1_hat[..rows * d],
                &acts.norm1_inv_std[..rows],
                w.at(at.norm1_gamma, d),
                grad_gamma,
                grad_beta,
            );

            // Attention output projection.
            let grad_context = &mut self.grad_context[..rows * d];
            let out = LinearAt { weight: at.out_w, bias: at.out_b, fan_in: d, fan_out: d };
            out.backward(&w, grad, &acts.context[..rows * d], grad_mid, grad_context, false)?;

            // Attention, per sample and head.
            let grad_probs = &mut self.grad_probs[..steps * steps];
            for i in 0..samples {
                let sample_qkv = &acts.qkv[i * steps * 3 * d..(i + 1) * steps * 3 * d];
                let sample_grad_qkv = &mut self.grad_qkv[i * steps * 3 * d..(i + 1) * steps * 3 * d];
                let sample_grad_context = &grad_context[i * steps * d..(i + 1) * steps * d];
                for h in 0..heads {
                    let probs = &acts.probs[(i * heads + h) * steps * steps..(i * heads + h + 1) * steps * steps];
                    let query = Mat::strided(&sample_qkv[h * dk..], steps, dk, 3 * d);
                    let key = Mat::strided(&sample_qkv[d + h * dk..], steps, dk, 3 * d);
                    let value = Mat::strided(&sample_qkv[2 * d + h * dk..], steps, dk, 3 * d);
                    let grad_head = Mat::strided(&sample_grad_context[h * dk..], steps, dk, d);
                    let probs_mat = Mat::new(probs, steps, steps);
                    matmul(MatMut::new(grad_probs, steps, steps), grad_head, value.t(), false)?;
                    matmul(MatMut::strided(&mut sample_grad_qkv[2 * d + h * dk..], steps, dk, 3 * d), probs_mat.t(), grad_head, false)?;
                    softmax_rows_backward(grad_probs, probs, steps, scale);
                    let grad_scores = Mat::new(grad_probs, steps, steps);
                    matmul(MatMut::strided(&mut sample_grad_qkv[h * dk..], steps, dk, 3 * d), grad_scores, key, false)?;
                    matmul(MatMut::strided(&mut sample_grad_qkv[d + h * dk..], steps, dk, 3 * d), grad_scores.t(), query, false)?;
                }
            }

            // Query/key/value projection; the input's gradient is the residual's plus theirs.
            grad_x.copy_from_slice(grad_mid);
            let qkv = LinearAt { weight: at.qkv_w, bias: at.qkv_b, fan_in: d, fan_out: 3 * d };
            qkv.backward(&w, grad, x, &self.grad_qkv[..rows * 3 * d], grad_x, true)?;
        }
        grad_input[..rows * d].copy_from_slice(grad_x);
        Ok(())
    }
}

/// A linear layer's place in the flat weights: `out = input · W + b`, `W` is `fan_in × fan_out`.
struct LinearAt {
    weight: usize,
    bias: usize,
    fan_in: usize,
    fan_out: usize,
}

impl LinearAt {
    /// Adds ∂W and ∂b for the rows of `input` and `grad_out` into `grad`, and writes ∂input
    /// into `grad_input` (adds to it with `accumulate_input`, for a residual's gradient).
    fn backward(
        &self,
        w: &Weights<'_>,
        grad: &mut [f32],
        input: &[f32],
        grad_out: &[f32],
        grad_input: &mut [f32],
        accumulate_input: bool,
    ) -> Result<()> {
        let (fan_in, fan_out) = (self.fan_in, self.fan_out);
        let rows = grad_out.len() / fan_out;
        let grad_weight = MatMut::new(&mut grad[self.weight..self.weight + fan_in * fan_out], fan_in, fan_out);
        matmul(grad_weight, Mat::new(input, rows, fan_in).t(), Mat::new(grad_out, rows, fan_out), true)?;
        add_column_sums(&mut grad[self.bias..self.bias + fan_out], grad_out);
        let weight = Mat::new(w.at(self.weight, fan_in * fan_out), fan_in, fan_out);
        matmul(MatMut::new(grad_input, rows, fan_in), Mat::new(grad_out, rows, fan_out), weight.t(), accumulate_input)
    }
}

/// Adds `bias` to every row of `m`.
fn add_rows_bias(m: &mut [f32], bias: &[f32]) {
    for row in m.chunks_exact_mut(bias.len()) {
        add_assign(row, bias);
    }
}

/// Two disjoint `len`-long pieces of `v` starting at `a` < `b`.
fn pair_mut(v: &mut [f32], a: usize, b: usize, len: usize) -> (&mut [f32], &mut [f32]) {
    let (head, tail) = v.split_at_mut(b);
    (&mut head[a..a + len], &mut tail[..len])
}

/// Contiguous shares of `n` samples for `parts` threads, sizes differing by at most one.
fn shares(n: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts).map(|p| p * n / parts..(p + 1) * n / parts).collect()
}

/// The transformer's weights, Adam state and scratch space while it trains on the CPU.
pub(crate) struct HandTransformer {
    dims: Dims,
    layout: Layout,
    table: EmbeddingBag,
    flat: Vec<f32>,
    first: Vec<f32>,
    second: Vec<f32>,
    /// The last batch's gradient of the flat parameters.
    grad: Vec<f32>,
    /// The last batch's ∂loss/∂(embedded input), `[n · steps, d]`, for the token table.
    grad_input: Vec<f32>,
    workspaces: Vec<Workspace>,
}

impl HandTransformer {
    /// Takes the weights of `net` (built for `spec`).
    pub fn from_net(net: &TransformerNet, spec: &NetSpec) -> Result<Self> {
        let dims = Dims::of(spec);
        let layout = Layout::of(dims);
        let (table, flat) = read_weights(net, &layout, dims)?;
        Ok(Self {
            dims,
            table: EmbeddingBag::new(table, dims.d),
            first: vec![0.0; flat.len()],
            second: vec![0.0; flat.len()],
            grad: vec![0.0; flat.len()],
            flat,
            layout,
            grad_input: Vec::new(),
            workspaces: Vec::new(),
        })
    }

    /// Puts the weights of `net` in (e.g. the best epoch's), keeping the Adam moments.
    pub fn replace_weights(&mut self, net: &TransformerNet) -> Result<()> {
        let (table, flat) = read_weights(net, &self.layout, self.dims)?;
        self.table.replace_table(table);
        self.flat = flat;
        Ok(())
    }

    /// `net` with the weights trained here.
    pub fn write_into(&mut self, net: TransformerNet) -> Result<TransformerNet> {
        let table = self.table.table().to_vec();
        write_weights(net, table, &self.flat, &self.layout, self.dims)
    }

    /// Loss, correct count and gradient of a batch (tokens and labels already checked); the
    /// gradient waits in `grad` and `grad_input` for [`Self::apply`].
    pub fn gradients(&mut self, tokens: &[u32], labels: &[u32], class_weights: &[f32]) -> Result<StepStats> {
        let n = labels.len();
        let Dims { steps, per_step, d, classes, .. } = self.dims;
        self.table.bring_up_to_date(tokens);
        let total_weight: f32 = labels.iter().map(|&l| class_weights.get(l as usize).copied().unwrap_or(1.0)).sum();
        let total_weight = total_weight.max(f32::MIN_POSITIVE);
        let shares = shares(n, rayon::current_num_threads());
        let pass_samples = shares.iter().map(|s| s.len().min(SAMPLES_PER_PASS)).max().unwrap_or(1);
        self.workspaces.resize_with(shares.len(), Workspace::default);
        self.grad_input.resize(n * steps * d, 0.0);

        let per_sample = steps * per_step;
        let weights = Weights { table: self.table.rows(), flat: &self.flat, layout: &self.layout, dims: self.dims };
        let mut grad_inputs = Vec::with_capacity(shares.len());
        let mut rest = &mut self.grad_input[..];
        for share in &shares {
            let (mine, others) = rest.split_at_mut(share.len() * steps * d);
            grad_inputs.push(mine);
            rest = others;
        }
        let results: Vec<Result<ShareStats>> = self
            .workspaces
            .par_iter_mut()
            .zip(grad_inputs)
            .zip(shares.clone())
            .map(|((ws, grad_input), share)| {
                ws.size_for(weights.dims, pass_samples, weights.layout.len);
                let mut total = ShareStats { finite: true, ..ShareStats::default() };
                for start in share.clone().step_by(SAMPLES_PER_PASS) {
                    let end = (start + SAMPLES_PER_PASS).min(share.end);
                    let samples = end - start;
                    ws.forward(weights, &tokens[start * per_sample..end * per_sample], samples)?;
                    let stats = ws.score(&labels[start..end], class_weights, total_weight, classes);
                    total.weighted_nll += stats.weighted_nll;
                    total.correct += stats.correct;
                    total.finite &= stats.finite;
                    let offset = (start - share.start) * steps * d;
                    ws.backward(weights, samples, &mut grad_input[offset..offset + samples * steps * d])?;
                }
                Ok(total)
            })
            .collect();

        let mut stats = ShareStats { finite: true, ..ShareStats::default() };
        for result in results {
            let share = result?;
            stats.weighted_nll += share.weighted_nll;
            stats.correct += share.correct;
            stats.finite &= share.finite;
        }
        // Fixed order: thread shares first to last, then the positions sample by sample.
        self.grad.clear();
        self.grad.resize(self.layout.len, 0.0);
        for ws in &self.workspaces[..shares.len()] {
            add_assign(&mut self.grad, &ws.grad);
        }
        let positions = &mut self.grad[self.layout.positions..self.layout.positions + steps * d];
        for sample in self.grad_input.chunks_exact(steps * d) {
            add_assign(positions, sample);
        }
        let loss = stats.weighted_nll / f64::from(total_weight);
        Ok(StepStats { loss: if stats.finite { loss } else { f64::NAN }, correct: stats.correct })
    }

    /// Adam step with the gradient of the last [`Self::gradients`].
    pub fn apply(&mut self, tokens: &[u32], step: AdamStep) {
        let Dims { per_step, d, .. } = self.dims;
        for (step_tokens, g) in tokens.chunks_exact(per_step).zip(self.grad_input.chunks_exact(d)) {
            for &t in step_tokens {
                self.table.add_to_row_grad(t as usize, g);
            }
        }
        self.table.adam(step);
        for (((w, m), v), g) in self.flat.iter_mut().zip(self.first.iter_mut()).zip(self.second.iter_mut()).zip(&self.grad) {
            step.update(w, m, v, Some(*g));
        }
    }

    /// Class probabilities `[n, classes]` (tokens already checked).
    pub fn predict(&mut self, tokens: &[u32], n: usize) -> Result<Vec<f32>> {
        let Dims { steps, per_step, classes, .. } = self.dims;
        self.table.bring_up_to_date(tokens);
        let shares = shares(n, rayon::current_num_threads());
        let pass_samples = shares.iter().map(|s| s.len().min(SAMPLES_PER_PASS)).max().unwrap_or(1);
        self.workspaces.resize_with(shares.len(), Workspace::default);
        let mut probs = vec![0.0; n * classes];
        let weights = Weights { table: self.table.rows(), flat: &self.flat, layout: &self.layout, dims: self.dims };
        let per_sample = steps * per_step;
        let mut outputs = Vec::with_capacity(shares.len());
        let mut rest = &mut probs[..];
        for share in &shares {
            let (mine, others) = rest.split_at_mut(share.len() * classes);
            outputs.push(mine);
            rest = others;
        }
        let results: Vec<Result<()>> = self
            .workspaces
            .par_iter_mut()
            .zip(outputs)
            .zip(shares.clone())
            .map(|((ws, out), share)| {
                ws.size_for(weights.dims, pass_samples, 0);
                for start in share.clone().step_by(SAMPLES_PER_PASS) {
                    let end = (start + SAMPLES_PER_PASS).min(share.end);
                    ws.forward(weights, &tokens[start * per_sample..end * per_sample], end - start)?;
                    let offset = (start - share.start) * classes;
                    let out = &mut out[offset..offset + (end - start) * classes];
                    out.copy_from_slice(&ws.logits[..(end - start) * classes]);
                    for row in out.chunks_exact_mut(classes) {
                        let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
                        let mut sum = 0.0;
                        for v in row.iter_mut() {
                            *v = (*v - max).exp();
                            sum += *v;
                        }
                        for v in row.iter_mut() {
                            *v /= sum;
                        }
                    }
                }
                Ok(())
            })
            .collect();
        results.into_iter().collect::<Result<Vec<()>>>()?;
        Ok(probs)
    }
}

fn values<const D: usize>(param: &Param<Tensor<D>>) -> Result<Vec<f32>> {
    param.val().into_data().try_to_vec::<f32>().map_err(|e| ModelError::Backend(format!("{e:?}")))
}

fn bias_of(linear: &Linear) -> Result<&Param<Tensor<1>>> {
    linear.bias.as_ref().ok_or_else(|| ModelError::Backend("a linear layer of the transformer has no bias".into()))
}

fn beta_of(norm: &LayerNorm) -> Result<&Param<Tensor<1>>> {
    norm.beta.as_ref().ok_or_else(|| ModelError::Backend("a layer norm of the transformer has no bias".into()))
}

/// Copies `src` into `flat[at..]`, checking its length.
fn put(flat: &mut [f32], at: usize, src: &[f32], len: usize) -> Result<()> {
    if src.len() != len {
        return Err(ModelError::Backend(format!("a transformer weight has {} values, expected {len}", src.len())));
    }
    flat[at..at + len].copy_from_slice(src);
    Ok(())
}

/// The token table and the flat parameters of `net`.
fn read_weights(net: &TransformerNet, layout: &Layout, dims: Dims) -> Result<(Vec<f32>, Vec<f32>)> {
    let Dims { steps, d, ff, classes, .. } = dims;
    if net.encoder.layers.len() != layout.layers.len() {
        return Err(ModelError::Backend("the transformer has an unexpected number of layers".into()));
    }
    let table = values(&net.embedding.weight)?;
    let mut flat = vec![0.0; layout.len];
    put(&mut flat, layout.positions, &values(&net.positions.weight)?, steps * d)?;
    for (layer, at) in net.encoder.layers.iter().zip(&layout.layers) {
        let mha = &layer.mha;
        let projections = [&mha.query, &mha.key, &mha.value];
        for (p, linear) in projections.iter().enumerate() {
            let w = values(&linear.weight)?;
            if w.len() != d * d {
                return Err(ModelError::Backend("an attention projection has an unexpected shape".into()));
            }
            for (r, row) in w.chunks_exact(d).enumerate() {
                put(&mut flat, at.qkv_w + r * 3 * d + p * d, row, d)?;
            }
            put(&mut flat, at.qkv_b + p * d, &values(bias_of(linear)?)?, d)?;
        }
        put(&mut flat, at.out_w, &values(&mha.output.weight)?, d * d)?;
        put(&mut flat, at.out_b, &values(bias_of(&mha.output)?)?, d)?;
        put(&mut flat, at.norm1_gamma, &values(&layer.norm_1.gamma)?, d)?;
        put(&mut flat, at.norm1_beta, &values(beta_of(&layer.norm_1)?)?, d)?;
        put(&mut flat, at.ff1_w, &values(&layer.pwff.linear_inner.weight)?, d * ff)?;
        put(&mut flat, at.ff1_b, &values(bias_of(&layer.pwff.linear_inner)?)?, ff)?;
        put(&mut flat, at.ff2_w, &values(&layer.pwff.linear_outer.weight)?, ff * d)?;
        put(&mut flat, at.ff2_b, &values(bias_of(&layer.pwff.linear_outer)?)?, d)?;
        put(&mut flat, at.norm2_gamma, &values(&layer.norm_2.gamma)?, d)?;
        put(&mut flat, at.norm2_beta, &values(beta_of(&layer.norm_2)?)?, d)?;
    }
    put(&mut flat, layout.head_w, &values(&net.output.weight)?, d * classes)?;
    put(&mut flat, layout.head_b, &values(bias_of(&net.output)?)?, classes)?;
    Ok((table, flat))
}

fn replace_linear(mut linear: Linear, weight: Vec<f32>, bias: Vec<f32>) -> Result<Linear> {
    let old_bias = linear.bias.take().ok_or_else(|| ModelError::Backend("a linear layer of the transformer has no bias".into()))?;
    linear.weight = with_values(linear.weight, weight);
    linear.bias = Some(with_values(old_bias, bias));
    Ok(linear)
}

fn replace_norm(mut norm: LayerNorm, gamma: Vec<f32>, beta: Vec<f32>) -> Result<LayerNorm> {
    let old_beta = norm.beta.take().ok_or_else(|| ModelError::Backend("a layer norm of the transformer has no bias".into()))?;
    norm.gamma = with_values(norm.gamma, gamma);
    norm.beta = Some(with_values(old_beta, beta));
    Ok(norm)
}

/// `net` with the token table `table` and the flat parameters `flat`.
fn write_weights(mut net: TransformerNet, table: Vec<f32>, flat: &[f32], layout: &Layout, dims: Dims) -> Result<TransformerNet> {
    let Dims { steps, d, ff, classes, .. } = dims;
    let piece = |at: usize, len: usize| flat[at..at + len].to_vec();
    net.embedding.weight = with_values(net.embedding.weight, table);
    net.positions.weight = with_values(net.positions.weight, piece(layout.positions, steps * d));
    let layers = std::mem::take(&mut net.encoder.layers);
    if layers.len() != layout.layers.len() {
        return Err(ModelError::Backend("the transformer has an unexpected number of layers".into()));
    }
    for (mut layer, at) in layers.into_iter().zip(&layout.layers) {
        let mut mha = layer.mha;
        let projection = |p: usize, linear: Linear| -> Result<Linear> {
            let mut w = Vec::with_capacity(d * d);
            for r in 0..d {
                w.extend_from_slice(&flat[at.qkv_w + r * 3 * d + p * d..at.qkv_w + r * 3 * d + (p + 1) * d]);
            }
            replace_linear(linear, w, piece(at.qkv_b + p * d, d))
        };
        mha.query = projection(0, mha.query)?;
        mha.key = projection(1, mha.key)?;
        mha.value = projection(2, mha.value)?;
        mha.output = replace_linear(mha.output, piece(at.out_w, d * d), piece(at.out_b, d))?;
        layer.mha = mha;
        layer.norm_1 = replace_norm(layer.norm_1, piece(at.norm1_gamma, d), piece(at.norm1_beta, d))?;
        layer.pwff.linear_inner = replace_linear(layer.pwff.linear_inner, piece(at.ff1_w, d * ff), piece(at.ff1_b, ff))?;
        layer.pwff.linear_outer = replace_linear(layer.pwff.linear_outer, piece(at.ff2_w, ff * d), piece(at.ff2_b, d))?;
        layer.norm_2 = replace_norm(layer.norm_2, piece(at.norm2_gamma, d), piece(at.norm2_beta, d))?;
        net.encoder.layers.push(layer);
    }
    net.output = replace_linear(net.output, piece(layout.head_w, d * classes), piece(layout.head_b, classes))?;
    Ok(net)
}

#[cfg(test)]
impl HandTransformer {
    /// The last batch's gradient of the token table, dense `[vocab, d]`.
    pub fn table_gradient(&self, tokens: &[u32], vocab: usize) -> Vec<f32> {
        let Dims { per_step, d, .. } = self.dims;
        let mut grad = vec![0.0; vocab * d];
        for (step_tokens, g) in tokens.chunks_exact(per_step).zip(self.grad_input.chunks_exact(d)) {
            for &t in step_tokens {
                add_assign(&mut grad[t as usize * d..(t as usize + 1) * d], g);
            }
        }
        grad
    }

    /// The last batch's gradient of the flat parameters.
    pub fn flat_gradient(&self) -> &[f32] {
        &self.grad
    }
}

/// The token table and flat parameters of `net`, in this module's layout.
#[cfg(test)]
pub(crate) fn flatten(net: &TransformerNet, spec: &NetSpec) -> Result<(Vec<f32>, Vec<f32>)> {
    let dims = Dims::of(spec);
    read_weights(net, &Layout::of(dims), dims)
}
