//! Adam, the origin's optimizer (β₁ 0.9, β₂ 0.999, ε 1e-7, no weight decay), for every path
//! that trains on the CPU: [`FusedAdam`] over the burn network's parameters, the embedding bag's
//! table (`embedding_bag`) and the hand-written transformer's flat weights (`transformer_cpu`).
//! They all move a weight with [`AdamStep::update`], so the update is written once here.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

use crate::Net;

const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPSILON: f32 = 1e-7;

/// Adam's settings and one step's size (bias corrections folded in).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamStep {
    pub beta1: f32,
    pub beta2: f32,
    pub epsilon: f32,
    pub step_size: f32,
}

impl AdamStep {
    /// The settings of step `t` (1-based) at learning rate `lr`: the bias corrections are
    /// folded into the step size, as in the Adam paper (and Keras).
    pub fn at(lr: f32, t: i32) -> Self {
        let (b1, b2) = (BETA1, BETA2);
        Self { beta1: b1, beta2: b2, epsilon: EPSILON, step_size: lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t)) }
    }

    /// One Adam update of one weight `w` and its first and second moments `m` and `v`.
    ///
    /// `None` is a zero gradient known in advance (a table row no sample used): the moments
    /// then only decay, which is the same arithmetic as with `Some(0.0)` without the terms that
    /// add zero, and keeps the replay of such steps as cheap as it was.
    ///
    /// Always inlined: it runs in the loops over every weight, and with the gradient's kind
    /// known at the call the `match` disappears and the loops stay vectorised.
    #[inline(always)]
    pub fn update(&self, w: &mut f32, m: &mut f32, v: &mut f32, g: Option<f32>) {
        let (b1, b2) = (self.beta1, self.beta2);
        match g {
            Some(g) => {
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
            }
            None => {
                *m *= b1;
                *v *= b2;
            }
        }
        *w -= self.step_size * *m / (v.sqrt() + self.epsilon);
    }
}

/// Adam as one fused pass over each parameter of a burn network on the CPU.
///
/// Measured: with burn's generic Adam, a step of the origin's model spent most of its time in
/// about ten whole-tensor operations over the 640,000-weight embedding table (each allocating
/// a fresh 2.5 MB buffer, and page-faulting it in). Reading weight and gradient once and
/// updating weight, first and second moment in one loop does the same arithmetic, dense
/// exactly like Keras and PyTorch, at a fraction of the memory traffic.
pub(crate) struct FusedAdam {
    lr: f32,
    steps: i32,
    moments: HashMap<ParamId, (Vec<f32>, Vec<f32>)>,
    /// A parameter that could not be updated in the last step, for the caller to report.
    pub error: Option<String>,
}

/// Elements per parallel piece of an update (small tensors are updated on one thread).
const ADAM_CHUNK: usize = 32 * 1024;

impl FusedAdam {
    pub fn new(lr: f64) -> Self {
        Self { lr: lr as f32, steps: 0, moments: HashMap::new(), error: None }
    }

    /// One step over every parameter of `net` that has a gradient in `grads`.
    pub fn step(&mut self, net: Net, grads: &mut GradientsParams) -> Net {
        self.steps += 1;
        let mut mapper = AdamMapper { adam: self, grads };
        net.map(&mut mapper)
    }

    /// The settings of the step last taken.
    pub fn settings(&self) -> AdamStep {
        AdamStep::at(self.lr, self.steps)
    }

    /// Counts a step taken outside [`Self::step`] and returns its settings.
    pub fn next_step(&mut self) -> AdamStep {
        self.steps += 1;
        self.settings()
    }

    /// First and second moments of parameter `id` (`len` values), zero at first.
    fn moments(&mut self, id: ParamId, len: usize) -> (&mut [f32], &mut [f32]) {
        let (m, v) = self.moments.entry(id).or_insert_with(|| (vec![0.0; len], vec![0.0; len]));
        (m, v)
    }

    fn update(&mut self, id: ParamId, weights: &mut [f32], grad: &[f32]) {
        let step = self.settings();
        let (m, v) = self.moments(id, weights.len());
        let kernel = |w: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]| {
            for (((w, m), v), g) in w.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
                step.update(w, m, v, Some(*g));
            }
        };
        if weights.len() <= ADAM_CHUNK {
            kernel(weights, m, v, grad);
        } else {
            use rayon::prelude::*;
            weights
                .par_chunks_mut(ADAM_CHUNK)
                .zip(m.par_chunks_mut(ADAM_CHUNK))
                .zip(v.par_chunks_mut(ADAM_CHUNK))
                .zip(grad.par_chunks(ADAM_CHUNK))
                .for_each(|(((w, m), v), g)| kernel(w, m, v, g));
        }
    }
}

/// Updates each parameter of a network that has a gradient, as it is mapped.
struct AdamMapper<'a> {
    adam: &'a mut FusedAdam,
    grads: &'a mut GradientsParams,
}

impl ModuleMapper for AdamMapper<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let require_grad = tensor.is_require_grad();
        let shape = tensor.shape();
        let inner = tensor.inner();
        let device = inner.device();
        // `inner` is moved, not cloned, so its buffer is not shared and is taken without a copy.
        let weights = inner.into_data().try_to_vec::<f32>();
        let grad = grad.into_data().try_to_vec::<f32>();
        let (mut weights, grad) = match (weights, grad) {
            (Ok(w), Ok(g)) if w.len() == g.len() => (w, g),
            _ => {
                // Practically unreachable (all parameters are f32); the step reports it.
                self.adam.error = Some("a parameter or its gradient could not be read as f32".into());
                (vec![0.0; shape.num_elements()], Vec::new())
            }
        };
        self.adam.update(id, &mut weights, &grad);
        let mut updated = Tensor::from_inner(Tensor::<D>::from_data(TensorData::new(weights, shape), &device));
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pseudo-random values in -1..1, with exact zeros and tiny values among them.
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|i| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let v = ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0;
                match i % 7 {
                    0 => 0.0,
                    1 => v * 1e-30,
                    _ => v,
                }
            })
            .collect()
    }

    #[test]
    fn the_first_step_moves_each_weight_by_the_learning_rate_against_its_gradient() {
        let step = AdamStep::at(0.01, 1);
        for g in [-3.0f32, -0.2, 0.5, 40.0] {
            let (mut w, mut m, mut v) = (1.0f32, 0.0, 0.0);
            step.update(&mut w, &mut m, &mut v, Some(g));
            assert!((w - (1.0 - 0.01 * g.signum())).abs() < 1e-5, "gradient {g}: weight {w}");
        }
    }

    #[test]
    fn a_step_without_a_gradient_is_a_step_with_a_zero_gradient() {
        let (mut w1, mut m1, mut v1) = (values(500, 1), values(500, 2), values(500, 3).iter().map(|v| v.abs()).collect::<Vec<_>>());
        let (mut w2, mut m2, mut v2) = (w1.clone(), m1.clone(), v1.clone());
        for t in 1..=30 {
            let step = AdamStep::at(0.001, t);
            for i in 0..w1.len() {
                step.update(&mut w1[i], &mut m1[i], &mut v1[i], None);
                step.update(&mut w2[i], &mut m2[i], &mut v2[i], Some(0.0));
            }
        }
        assert_eq!((w1, m1, v1), (w2, m2, v2));
    }
}
