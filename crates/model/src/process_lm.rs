//! The process language model: a small decoder-only transformer over a plant's token stream.
//!
//! Input: windows of consecutive steps, each step `tags` per-tag tokens (`tokens_per_tag` of
//! them per tag). A step is embedded as the sum of its tags' token embeddings (tag `t`'s token
//! `k` has its own row `t · tokens_per_tag + k`, so the tag identity is in the embedding), plus
//! a learned position; a causal mask lets position `p` see steps `0..=p` only; the head gives,
//! at every position, a distribution over each tag's tokens at the next step.
//!
//! Training minimises the mean cross-entropy of every tag's next token at every position;
//! scoring reads the surprise (negative log-likelihood) of each tag's observed token at the
//! last position, which has seen the whole window.

use burn::module::Module;
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::store::ModuleRecord;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::device::{inner_device, training_device};
use crate::nets::{embedding_init, Materialize, INIT_LOCK};
use crate::{ModelError, Result};

/// Shape and training settings of a process language model.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProcessLmSpec {
    pub tags: usize,
    pub tokens_per_tag: usize,
    /// Steps of context; windows passed in have `window + 1` steps (the last one is the target).
    pub window: usize,
    pub d_model: usize,
    pub heads: usize,
    pub layers: usize,
    pub feed_forward: usize,
    pub learning_rate: f64,
    pub seed: u64,
}

impl ProcessLmSpec {
    fn check(&self) -> Result<()> {
        if self.tags == 0 || self.tokens_per_tag < 2 || self.window == 0 {
            return Err(ModelError::BadSpec("the process model needs tags, at least 2 tokens per tag and a window of at least 1 step".into()));
        }
        if self.heads == 0 || self.layers == 0 || !self.d_model.is_multiple_of(self.heads) {
            return Err(ModelError::BadSpec(format!(
                "the model width ({}) must be a multiple of the number of heads ({}), and both positive",
                self.d_model, self.heads
            )));
        }
        if !self.learning_rate.is_finite() || self.learning_rate <= 0.0 {
            return Err(ModelError::BadSpec("the learning rate must be a positive number".into()));
        }
        // Sizes come from files too (a saved model): checked before anything is allocated.
        let sizes = [
            ("tags", self.tags, 10_000),
            ("tokens_per_tag", self.tokens_per_tag, 1_000),
            ("window", self.window, 4_096),
            ("d_model", self.d_model, 4_096),
            ("heads", self.heads, 64),
            ("layers", self.layers, 64),
            ("feed_forward", self.feed_forward, 16_384),
        ];
        for (name, value, most) in sizes {
            if value > most {
                return Err(ModelError::BadSpec(format!("\"{name}\" is {value}, more than the {most} a process model may have")));
            }
        }
        let table = self.tags.saturating_mul(self.tokens_per_tag).saturating_mul(self.d_model);
        if table > 100_000_000 {
            return Err(ModelError::BadSpec(format!("{table} embedding weights are more than a process model may have (100,000,000)")));
        }
        Ok(())
    }

    /// Tokens in one window of `window + 1` steps.
    pub fn window_len(&self) -> usize {
        (self.window + 1) * self.tags
    }
}

#[derive(Module, Debug)]
pub struct ProcessLmNet {
    tokens: Embedding,
    positions: Embedding,
    encoder: TransformerEncoder,
    head: Linear,
}

impl ProcessLmNet {
    fn init(spec: &ProcessLmSpec, device: &Device) -> Self {
        let d = spec.d_model;
        Self {
            tokens: EmbeddingConfig::new(spec.tags * spec.tokens_per_tag, d).with_initializer(embedding_init()).init(device),
            positions: EmbeddingConfig::new(spec.window, d).with_initializer(embedding_init()).init(device),
            // No dropout: a run must repeat exactly, and early stopping guards overfitting.
            encoder: TransformerEncoderConfig::new(d, spec.feed_forward, spec.heads, spec.layers)
                .with_dropout(0.0)
                .with_norm_first(true)
                .init(device),
            head: LinearConfig::new(d, spec.tags * spec.tokens_per_tag).init(device),
        }
    }

    /// Log-probabilities `[n, steps, tags, tokens_per_tag]` of each tag's token at the step
    /// after each position, from per-tag tokens `[n, steps, tags]`.
    fn log_probs(&self, spec: &ProcessLmSpec, tokens: &[u32], n: usize, steps: usize, device: &Device) -> Tensor<4> {
        let (t, v, d) = (spec.tags, spec.tokens_per_tag, spec.d_model);
        let ids: Vec<i64> = tokens.iter().enumerate().map(|(i, &k)| ((i % t) * v) as i64 + i64::from(k)).collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [n, steps * t]), device);
        let embedded: Tensor<4> = self.tokens.forward(ids).reshape([n, steps, t, d]);
        let steps_embedded: Tensor<3> = embedded.sum_dim(2).reshape([n, steps, d]);
        let positions: Vec<i64> = (0..steps as i64).collect();
        let positions = self.positions.forward(Tensor::<2, Int>::from_data(TensorData::new(positions, [1, steps]), device));
        let mask = generate_autoregressive_mask(n, steps, device);
        let encoded = self.encoder.forward(TransformerEncoderInput::new(steps_embedded + positions).mask_attn(mask));
        let logits: Tensor<4> = self.head.forward(encoded).reshape([n, steps, t, v]);
        log_softmax(logits, 3)
    }
}

/// Per window: each tag's surprise at the last step and the token the model expected most.
#[derive(Clone, Debug, PartialEq)]
pub struct Surprise {
    /// `n × tags`, nats.
    pub nll: Vec<f32>,
    /// `n × tags`, the most likely token per tag.
    pub expected: Vec<u32>,
}

/// A process language model with its optimizer (burn's Adam: β₁ 0.9, β₂ 0.999, ε 1e-7).
pub struct ProcessLmTrainer {
    spec: ProcessLmSpec,
    device: Device,
    net: Option<ProcessLmNet>,
    best: Option<ProcessLmNet>,
    optim: burn::optim::ModuleOptimizer,
}

impl ProcessLmTrainer {
    /// A freshly initialised network; the seed fixes the initial weights.
    pub fn new(spec: ProcessLmSpec) -> Result<Self> {
        spec.check()?;
        let device = training_device();
        let net = {
            let _guard = INIT_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            device.seed(spec.seed);
            let net = ProcessLmNet::init(&spec, &device);
            net.visit(&mut Materialize);
            net
        };
        Ok(Self { optim: burn::optim::AdamConfig::new().with_epsilon(1e-7).init(), spec, device, net: Some(net), best: None })
    }

    /// A network with weights from a burnpack (bytes written by [`Self::best_weight_bytes`]).
    pub fn from_weight_bytes(spec: ProcessLmSpec, bytes: Vec<u8>) -> Result<Self> {
        let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes)).map_err(|e| ModelError::Store(e.to_string()))?;
        let mut trainer = Self::new(spec)?;
        let net = trainer.take_net()?.try_load_record(record).map_err(|e| ModelError::Store(e.to_string()))?;
        trainer.net = Some(net);
        Ok(trainer)
    }

    pub fn spec(&self) -> &ProcessLmSpec {
        &self.spec
    }

    fn take_net(&mut self) -> Result<ProcessLmNet> {
        self.net.take().ok_or_else(|| ModelError::Backend("the network was lost after an earlier failure".into()))
    }

    fn net(&self) -> Result<&ProcessLmNet> {
        self.net.as_ref().ok_or_else(|| ModelError::Backend("the network was lost after an earlier failure".into()))
    }

    fn check_windows(&self, windows: &[u32], n: usize) -> Result<()> {
        if n == 0 || windows.len() != n * self.spec.window_len() {
            return Err(ModelError::BadInput(format!("expected {n} windows of {} tokens, got {} tokens", self.spec.window_len(), windows.len())));
        }
        if let Some(bad) = windows.iter().find(|&&k| k as usize >= self.spec.tokens_per_tag) {
            return Err(ModelError::BadInput(format!("token {bad} is outside the {} tokens of a tag", self.spec.tokens_per_tag)));
        }
        Ok(())
    }

    /// Splits windows `[n, window + 1, tags]` into the context (first `window` steps) and the
    /// targets (last `window` steps, as indices `[n, window, tags, 1]`).
    fn context_and_targets(&self, windows: &[u32], n: usize, device: &Device) -> (Vec<u32>, Tensor<4, Int>) {
        let (w, t) = (self.spec.window, self.spec.tags);
        let len = (w + 1) * t;
        let mut context = Vec::with_capacity(n * w * t);
        let mut targets = Vec::with_capacity(n * w * t);
        for window in windows.chunks(len) {
            context.extend_from_slice(&window[..w * t]);
            targets.extend(window[t..].iter().map(|&k| i64::from(k)));
        }
        (context, Tensor::<4, Int>::from_data(TensorData::new(targets, [n, w, t, 1]), device))
    }

    /// One Adam step on `n` windows; returns the mean next-token cross-entropy before the
    /// update. A non-finite loss leaves the weights untouched (the caller decides what it means).
    pub fn train_batch(&mut self, windows: &[u32], n: usize) -> Result<f64> {
        self.check_windows(windows, n)?;
        let device = self.device.clone();
        let net = self.take_net()?;
        let (context, targets) = self.context_and_targets(windows, n, &device);
        let loss = net.log_probs(&self.spec, &context, n, self.spec.window, &device).gather(3, targets).mean().neg();
        let value = f64::from(loss.clone().into_scalar::<f32>());
        if !value.is_finite() {
            self.net = Some(net);
            return Ok(value);
        }
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        self.net = Some(self.optim.step(self.spec.learning_rate, net, grads));
        Ok(value)
    }

    /// Mean next-token cross-entropy of `n` windows, without touching the weights.
    pub fn loss(&self, windows: &[u32], n: usize) -> Result<f64> {
        self.check_windows(windows, n)?;
        let device = inner_device(&self.device);
        let net = self.net()?.valid();
        let (context, targets) = self.context_and_targets(windows, n, &device);
        let loss = net.log_probs(&self.spec, &context, n, self.spec.window, &device).gather(3, targets).mean().neg();
        Ok(f64::from(loss.into_scalar::<f32>()))
    }

    /// Each tag's surprise at the last step of each of `n` windows, given the steps before it.
    pub fn surprise(&self, windows: &[u32], n: usize) -> Result<Surprise> {
        self.check_windows(windows, n)?;
        let device = inner_device(&self.device);
        let net = self.net()?.valid();
        let (w, t, v) = (self.spec.window, self.spec.tags, self.spec.tokens_per_tag);
        let (context, _) = self.context_and_targets(windows, n, &device);
        let log_probs = net.log_probs(&self.spec, &context, n, w, &device);
        let last: Vec<f32> =
            log_probs.slice([0..n, w - 1..w, 0..t, 0..v]).into_data().try_to_vec::<f32>().map_err(|e| ModelError::Backend(format!("{e:?}")))?;
        let len = (w + 1) * t;
        let mut nll = Vec::with_capacity(n * t);
        let mut expected = Vec::with_capacity(n * t);
        for (i, window) in windows.chunks(len).enumerate() {
            for tag in 0..t {
                let dist = &last[(i * t + tag) * v..(i * t + tag + 1) * v];
                let observed = window[w * t + tag] as usize;
                nll.push(-dist[observed]);
                let mut best = 0;
                for (k, p) in dist.iter().enumerate() {
                    if *p > dist[best] {
                        best = k;
                    }
                }
                expected.push(best as u32);
            }
        }
        Ok(Surprise { nll, expected })
    }

    pub fn keep_as_best(&mut self) -> Result<()> {
        self.best = Some(self.net()?.clone());
        Ok(())
    }

    pub fn restore_best(&mut self) {
        if let Some(best) = self.best.clone() {
            self.net = Some(best);
        }
    }

    /// The best weights (the current ones when none were kept), as a burnpack in memory.
    pub fn best_weight_bytes(&self) -> Result<Vec<u8>> {
        let net = match &self.best {
            Some(best) => best.clone(),
            None => self.net()?.clone(),
        };
        net.into_record().into_bytes().map(|b| b.to_vec()).map_err(|e| ModelError::Store(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_deterministic_sequence_and_is_surprised_by_a_break() {
        // Two tags: tag 0 counts 0,1,2,3,0,…; tag 1 is tag 0's previous value.
        let spec =
            ProcessLmSpec { tags: 2, tokens_per_tag: 4, window: 4, d_model: 16, heads: 2, layers: 1, feed_forward: 32, learning_rate: 0.01, seed: 3 };
        let stream: Vec<u32> = (0..40u32).flat_map(|s| [s % 4, (s + 3) % 4]).collect();
        let windows: Vec<u32> = (0..30).flat_map(|s| stream[s * 2..(s + 5) * 2].to_vec()).collect();
        let mut trainer = ProcessLmTrainer::new(spec.clone()).unwrap_or_else(|e| panic!("{e}"));
        let first = trainer.train_batch(&windows, 30).unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..150 {
            trainer.train_batch(&windows, 30).unwrap_or_else(|e| panic!("{e}"));
        }
        let last = trainer.loss(&windows, 30).unwrap_or_else(|e| panic!("{e}"));
        assert!(last < first * 0.2, "loss {first} → {last}");
        let normal = trainer.surprise(&windows[..10], 1).unwrap_or_else(|e| panic!("{e}"));
        let mut broken = windows[..10].to_vec();
        broken[8] = (broken[8] + 2) % 4;
        let surprised = trainer.surprise(&broken, 1).unwrap_or_else(|e| panic!("{e}"));
        assert!(surprised.nll[0] > normal.nll[0] + 1.0, "{surprised:?} vs {normal:?}");
        assert_eq!(normal.expected[0], windows[8]);
        // The same seed gives the same weights and so the same loss.
        let mut again = ProcessLmTrainer::new(spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.train_batch(&windows, 30).unwrap_or_else(|e| panic!("{e}")), first);
    }
}
