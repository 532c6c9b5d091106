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
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::store::ModuleRecord;
use burn::tensor::activation::{log_sigmoid, log_softmax, relu};
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
    /// Each tag's next token is also conditioned on the same step's other tags (leave-one-out),
    /// not only on the steps before it. Absent in models saved before it existed: `false`.
    #[serde(default)]
    pub step_context: bool,
    /// Ordinal tokens: `Some(boundaries)` of the `tokens_per_tag − 3` bins on the normal-score
    /// scale (ascending, `bins + 1` of them; the tokens after the bins are missing, below the
    /// range, above it). The head then predicts a normal distribution on that scale per tag
    /// instead of a free weight per token. `None` (and models saved before it): free tokens.
    #[serde(default)]
    pub ordinal_edges: Option<Vec<f64>>,
    /// Where one out-of-range token ends and the next begins, as distances beyond the outer
    /// boundaries on the normal-score scale: `len + 1` tokens on each side (empty: one).
    #[serde(default)]
    pub tail_steps: Vec<f64>,
}

impl ProcessLmSpec {
    fn check(&self) -> Result<()> {
        if self.tags == 0 || self.tokens_per_tag < 2 || self.window == 0 {
            return Err(ModelError::BadSpec("the process model needs tags, at least 2 tokens per tag and a window of at least 1 step".into()));
        }
        if self.heads == 0 || self.layers == 0 || self.d_model == 0 || !self.d_model.is_multiple_of(self.heads) {
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
        if let Some(edges) = &self.ordinal_edges {
            let ascending = |values: &[f64]| values.windows(2).all(|e| e[0] < e[1]) && values.iter().all(|e| e.is_finite());
            let tails = 2 * (self.tail_steps.len() + 1);
            if edges.len() + tails != self.tokens_per_tag || !ascending(edges) {
                return Err(ModelError::BadSpec(format!(
                    "the ordinal bin boundaries must be {} ascending numbers, one more than the bins",
                    self.tokens_per_tag.saturating_sub(tails)
                )));
            }
            if !ascending(&self.tail_steps) || self.tail_steps.first().is_some_and(|&s| s <= 0.0) {
                return Err(ModelError::BadSpec("the out-of-range steps must be ascending positive numbers".into()));
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
    /// Free embedding rows, one per tag and token (models without ordinal tokens).
    tokens: Option<Embedding>,
    ordinal: Option<OrdinalInput>,
    positions: Embedding,
    encoder: TransformerEncoder,
    head: Linear,
    step: Option<StepContext>,
}

/// Ordinal tokens: a bin token is embedded from where its bin sits on the normal-score scale,
/// `z · scale[tag] + bias[tag]` (plus `missing[tag]` for the missing token), so neighbouring
/// bins start out alike and a tag costs 3 vectors instead of one per token.
#[derive(Module, Debug)]
pub struct OrdinalInput {
    scale: Embedding,
    bias: Embedding,
    missing: Embedding,
}

/// The part that lets tag `i`'s prediction see the same step's other tags: the step's
/// embedding sum without tag `i`'s own token, plus a learned query saying which tag is asked,
/// added to the context and passed through one hidden layer shared by all tags (bins are
/// quantiles, so bin `k` means the same share of normal values for every tag).
#[derive(Module, Debug)]
pub struct StepContext {
    tag_queries: Embedding,
    norm: LayerNorm,
    hidden: Linear,
    out: Linear,
}

/// Outputs per tag of an ordinal head: mean and log scale on the normal-score scale, and the
/// logit of the missing token.
const ORDINAL_OUTPUTS: usize = 3;

impl ProcessLmNet {
    fn init(spec: &ProcessLmSpec, device: &Device) -> Self {
        let (t, d) = (spec.tags, spec.d_model);
        let ordinal = spec.ordinal_edges.is_some();
        let per_tag_outputs = if ordinal { ORDINAL_OUTPUTS } else { spec.tokens_per_tag };
        let table = |rows: usize| EmbeddingConfig::new(rows, d).with_initializer(embedding_init()).init(device);
        Self {
            tokens: (!ordinal).then(|| table(t * spec.tokens_per_tag)),
            ordinal: ordinal.then(|| OrdinalInput { scale: table(t), bias: table(t), missing: table(t) }),
            positions: table(spec.window),
            // No dropout: a run must repeat exactly, and early stopping guards overfitting.
            encoder: TransformerEncoderConfig::new(d, spec.feed_forward, spec.heads, spec.layers)
                .with_dropout(0.0)
                .with_norm_first(true)
                .init(device),
            head: LinearConfig::new(d, t * per_tag_outputs).init(device),
            step: spec.step_context.then(|| StepContext {
                tag_queries: table(t),
                norm: LayerNormConfig::new(d).init(device),
                hidden: LinearConfig::new(d, spec.feed_forward).init(device),
                out: LinearConfig::new(spec.feed_forward, per_tag_outputs).init(device),
            }),
        }
    }

    /// Per-tag token embeddings `[n, steps, tags, d]` of per-tag tokens `[n, steps, tags]`.
    fn embed(&self, spec: &ProcessLmSpec, tokens: &[u32], n: usize, steps: usize, device: &Device) -> Tensor<4> {
        let (t, v, d) = (spec.tags, spec.tokens_per_tag, spec.d_model);
        if let (Some(ordinal), Some(edges)) = (&self.ordinal, &spec.ordinal_edges) {
            let bins = edges.len() - 1;
            let missing: Vec<f32> = tokens.iter().map(|&k| if k as usize == bins + MISSING_TOKEN { 1.0 } else { 0.0 }).collect();
            let z = token_scores(spec, edges, tokens, n, steps, device);
            let missing = Tensor::<4>::from_data(TensorData::new(missing, [n, steps, t, 1]), device);
            let per_tag = |table: &Embedding| table.weight.val().reshape([1, 1, t, d]);
            return z * per_tag(&ordinal.scale) + per_tag(&ordinal.bias) + missing * per_tag(&ordinal.missing);
        }
        let ids: Vec<i64> = tokens.iter().enumerate().map(|(i, &k)| ((i % t) * v) as i64 + i64::from(k)).collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [n, steps * t]), device);
        match &self.tokens {
            Some(tokens) => tokens.forward(ids).reshape([n, steps, t, d]),
            None => Tensor::zeros([n, steps, t, d], device),
        }
    }

    /// Log-probabilities `[n, steps, tags, tokens_per_tag]` of each tag's token at the step
    /// after each position, from the batch's context and (for a model with step context)
    /// next-step tokens, of which each tag's prediction sees every other tag's.
    fn log_probs(&self, spec: &ProcessLmSpec, batch: &Batch, widening: f32, device: &Device) -> Tensor<4> {
        let Batch { context: tokens, next, n, steps } = *batch;
        let (t, d) = (spec.tags, spec.d_model);
        let steps_embedded: Tensor<3> = self.embed(spec, tokens, n, steps, device).sum_dim(2).reshape([n, steps, d]);
        let positions: Vec<i64> = (0..steps as i64).collect();
        let positions = self.positions.forward(Tensor::<2, Int>::from_data(TensorData::new(positions, [1, steps]), device));
        let mask = generate_autoregressive_mask(n, steps, device);
        let encoded = self.encoder.forward(TransformerEncoderInput::new(steps_embedded + positions).mask_attn(mask));
        let outputs = if spec.ordinal_edges.is_some() { ORDINAL_OUTPUTS } else { spec.tokens_per_tag };
        let mut raw: Tensor<4> = self.head.forward(encoded.clone()).reshape([n, steps, t, outputs]);
        if let Some(step) = &self.step {
            let next_embedded = self.embed(spec, next, n, steps, device);
            let others = next_embedded.clone().sum_dim(2) - next_embedded;
            let tag_ids = Tensor::<2, Int>::from_data(TensorData::new((0..t as i64).collect(), [1, t]), device);
            let queries: Tensor<4> = step.tag_queries.forward(tag_ids).reshape([1, 1, t, d]);
            let input = step.norm.forward(encoded.reshape([n, steps, 1, d]) + others + queries);
            raw = raw + step.out.forward(relu(step.hidden.forward(input)));
        }
        match &spec.ordinal_edges {
            Some(edges) => ordinal_log_probs(raw, &OrdinalLine::new(edges, &spec.tail_steps), widening, device),
            None => log_softmax(raw.div_scalar(widening), 3),
        }
    }
}

/// The tokens of one batch: `n` windows of `steps` context steps and, for each, the steps
/// that follow them (`[n, steps, tags]` each).
struct Batch<'a> {
    context: &'a [u32],
    next: &'a [u32],
    n: usize,
    steps: usize,
}

/// Each token's place on the normal-score scale, `[n, steps, tags, 1]` (0 for missing).
fn token_scores(spec: &ProcessLmSpec, edges: &[f64], tokens: &[u32], n: usize, steps: usize, device: &Device) -> Tensor<4> {
    let positions = OrdinalLine::new(edges, &spec.tail_steps).token_positions();
    let z: Vec<f32> = tokens.iter().map(|&k| positions.get(k as usize).copied().unwrap_or(0.0)).collect();
    Tensor::<4>::from_data(TensorData::new(z, [n, steps, spec.tags, 1]), device)
}

/// The token after a tag's bins (the tokenizer's layout: bins, missing, below-range tokens
/// nearest first, above-range tokens nearest first).
const MISSING_TOKEN: usize = 0;

/// A tag's tokens other than missing as stretches of the normal-score scale, in the order
/// they lie on it: the below-range ones (farthest first), the bins, the above-range ones.
struct OrdinalLine {
    bins: usize,
    tails: usize,
    /// The finite boundaries between neighbouring stretches, ascending.
    boundaries: Vec<f64>,
}

impl OrdinalLine {
    fn new(edges: &[f64], tail_steps: &[f64]) -> Self {
        let (low, high) = (edges[0], edges[edges.len() - 1]);
        let mut boundaries: Vec<f64> = tail_steps.iter().rev().map(|s| low - s).collect();
        boundaries.extend_from_slice(edges);
        boundaries.extend(tail_steps.iter().map(|s| high + s));
        Self { bins: edges.len() - 1, tails: tail_steps.len() + 1, boundaries }
    }

    /// For each token in layout order except missing, its place on the line.
    fn line_index(&self) -> Vec<usize> {
        let (bins, tails) = (self.bins, self.tails);
        (tails..tails + bins).chain((0..tails).rev()).chain(tails + bins..bins + 2 * tails).collect()
    }

    /// Where each token sits, in layout order: a stretch at its middle, the two open-ended
    /// ones one unit beyond their boundary, missing at 0 (it has its own vector).
    fn token_positions(&self) -> Vec<f32> {
        let b = &self.boundaries;
        let on_line: Vec<f64> =
            std::iter::once(b[0] - 1.0).chain(b.windows(2).map(|e| 0.5 * (e[0] + e[1]))).chain(std::iter::once(b[b.len() - 1] + 1.0)).collect();
        let ordered: Vec<f32> = self.line_index().into_iter().map(|i| on_line[i] as f32).collect();
        let mut positions = ordered[..self.bins].to_vec();
        positions.push(0.0);
        positions.extend_from_slice(&ordered[self.bins..]);
        positions
    }
}

/// Probabilities below this come from the density instead of a difference of two distribution
/// values that both round to the same float (the difference would be 0, and its log −∞).
const SMALLEST_DIFFERENCE: f64 = 1e-6;
const HALF_LN_TAU: f64 = 0.918_938_533_204_672_8;

/// Log-probabilities `[n, steps, tags, tokens]` of an ordinal head's outputs `[n, steps,
/// tags, 3]`: every token but missing takes the mass that a normal distribution
/// N(mean, scale²) puts on its stretch of the normal-score scale, times the chance the value
/// is not missing.
fn ordinal_log_probs(raw: Tensor<4>, line: &OrdinalLine, widening: f32, device: &Device) -> Tensor<4> {
    let [n, steps, t, _] = raw.dims();
    let m = line.boundaries.len();
    let part = |x: &Tensor<4>, range: std::ops::Range<usize>| x.clone().slice([0..n, 0..steps, 0..t, range]);
    let mean = part(&raw, 0..1);
    let log_scale = part(&raw, 1..2).clamp(-4.0, 3.0).add_scalar(widening.ln());
    let missing_logit = part(&raw, 2..3);
    let row = |values: Vec<f32>| Tensor::<4>::from_data(TensorData::new(values.clone(), [1, 1, 1, values.len()]), device);
    let standard = (row(line.boundaries.iter().map(|&e| e as f32).collect()) - mean.clone()) / log_scale.clone().exp();
    let cdf = (standard.clone() / std::f32::consts::SQRT_2).erf().add_scalar(1.0).mul_scalar(0.5);
    // Closed stretches: the difference of the distribution, or for stretches too far out for
    // it, the density at the middle times the width.
    let inner = part(&cdf, 1..m) - part(&cdf, 0..m - 1);
    let b = &line.boundaries;
    let middles = row(b.windows(2).map(|e| (0.5 * (e[0] + e[1])) as f32).collect());
    let log_widths = row(b.windows(2).map(|e| (e[1] - e[0]).max(1e-6).ln() as f32).collect());
    let centred = (middles - mean) / log_scale.clone().exp();
    let from_density = centred.powi_scalar(2).mul_scalar(-0.5) - log_scale + log_widths - HALF_LN_TAU;
    let inner_log = from_density.mask_where(inner.clone().greater_elem(SMALLEST_DIFFERENCE), inner.clamp_min(1e-12).log());
    // The two open ends: the tail mass, or for a far tail the Mills-ratio bound.
    let tail = |mass: Tensor<4>, distance: Tensor<4>| {
        let distance = distance.clamp_min(1.0);
        let far = distance.clone().powi_scalar(2).mul_scalar(-0.5) - distance.log() - HALF_LN_TAU;
        far.mask_where(mass.clone().greater_elem(SMALLEST_DIFFERENCE), mass.clamp_min(1e-12).log())
    };
    let first = tail(part(&cdf, 0..1), part(&standard, 0..1).neg());
    let last = tail(part(&cdf, m - 1..m).neg().add_scalar(1.0), part(&standard, m - 1..m));
    let on_line = Tensor::cat(vec![first, inner_log, last], 3);
    let order: Vec<i64> = line.line_index().into_iter().map(|i| i as i64).collect();
    let ordered = on_line.select(3, Tensor::<1, Int>::from_data(TensorData::new(order.clone(), [order.len()]), device));
    let present = log_sigmoid(missing_logit.clone().neg());
    let bins = line.bins;
    let tokens = order.len();
    Tensor::cat(vec![part(&ordered, 0..bins) + present.clone(), log_sigmoid(missing_logit), part(&ordered, bins..tokens) + present], 3)
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
    widening: f32,
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
        Ok(Self { optim: burn::optim::AdamConfig::new().with_epsilon(1e-7).init(), spec, device, net: Some(net), best: None, widening: 1.0 })
    }

    /// A network with weights from a burnpack (bytes written by [`Self::best_weight_bytes`]).
    pub fn from_weight_bytes(spec: ProcessLmSpec, bytes: Vec<u8>) -> Result<Self> {
        let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes)).map_err(|e| ModelError::Store(e.to_string()))?;
        let mut trainer = Self::new(spec)?;
        let net = trainer.take_net()?.try_load_record(record).map_err(|e| ModelError::Store(e.to_string()))?;
        trainer.net = Some(net);
        Ok(trainer)
    }

    /// Widens every predicted distribution by `factor` when scoring (`loss`, `surprise`; not
    /// training): the spread of an ordinal head, or the temperature of free tokens. A network
    /// fitted on few rows is too sure of itself on rows it has not seen; a factor chosen on
    /// validation rows corrects that. Factors that are not finite and positive are ignored.
    pub fn set_widening(&mut self, factor: f32) {
        if factor.is_finite() && factor > 0.0 {
            self.widening = factor;
        }
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
    fn context_and_targets(&self, windows: &[u32], n: usize, device: &Device) -> (Vec<u32>, Vec<u32>, Tensor<4, Int>) {
        let (w, t) = (self.spec.window, self.spec.tags);
        let len = (w + 1) * t;
        let mut context = Vec::with_capacity(n * w * t);
        let mut next = Vec::with_capacity(n * w * t);
        for window in windows.chunks(len) {
            context.extend_from_slice(&window[..w * t]);
            next.extend_from_slice(&window[t..]);
        }
        let targets = next.iter().map(|&k| i64::from(k)).collect();
        (context, next, Tensor::<4, Int>::from_data(TensorData::new(targets, [n, w, t, 1]), device))
    }

    /// One Adam step on `n` windows; returns the mean next-token cross-entropy before the
    /// update. A non-finite loss leaves the weights untouched (the caller decides what it means).
    pub fn train_batch(&mut self, windows: &[u32], n: usize) -> Result<f64> {
        self.check_windows(windows, n)?;
        let device = self.device.clone();
        let net = self.take_net()?;
        let (context, next, targets) = self.context_and_targets(windows, n, &device);
        let loss = net
            .log_probs(&self.spec, &Batch { context: &context, next: &next, n, steps: self.spec.window }, 1.0, &device)
            .gather(3, targets)
            .mean()
            .neg();
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
        let (context, next, targets) = self.context_and_targets(windows, n, &device);
        let loss = net
            .log_probs(&self.spec, &Batch { context: &context, next: &next, n, steps: self.spec.window }, self.widening, &device)
            .gather(3, targets)
            .mean()
            .neg();
        Ok(f64::from(loss.into_scalar::<f32>()))
    }

    /// Each tag's surprise at the last step of each of `n` windows, given the steps before it.
    pub fn surprise(&self, windows: &[u32], n: usize) -> Result<Surprise> {
        self.check_windows(windows, n)?;
        let device = inner_device(&self.device);
        let net = self.net()?.valid();
        let (w, t, v) = (self.spec.window, self.spec.tags, self.spec.tokens_per_tag);
        let (context, next, _) = self.context_and_targets(windows, n, &device);
        let log_probs = net.log_probs(&self.spec, &Batch { context: &context, next: &next, n, steps: w }, self.widening, &device);
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
        let spec = ProcessLmSpec {
            tags: 2,
            tokens_per_tag: 4,
            window: 4,
            d_model: 16,
            heads: 2,
            layers: 1,
            feed_forward: 32,
            learning_rate: 0.01,
            seed: 3,
            step_context: false,
            ordinal_edges: None,
            tail_steps: Vec::new(),
        };
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

    #[test]
    fn an_ordinal_model_with_step_context_learns_a_tag_from_its_neighbour_and_grades_its_surprise() {
        // Two tags, 8 bins each (+ missing + 2 graded tokens each side = 13 tokens): tag 1
        // always reads tag 0's bin at the same step, tag 0 walks up and down.
        let edges: Vec<f64> = (0..=8).map(|k| -2.0 + 0.5 * f64::from(k)).collect();
        let spec = ProcessLmSpec {
            tags: 2,
            tokens_per_tag: 13,
            window: 3,
            d_model: 16,
            heads: 2,
            layers: 1,
            feed_forward: 32,
            learning_rate: 0.01,
            seed: 5,
            step_context: true,
            ordinal_edges: Some(edges),
            tail_steps: vec![1.0],
        };
        let walk = |s: u32| [0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1][s as usize % 14];
        let stream: Vec<u32> = (0..60u32).flat_map(|s| [walk(s), walk(s)]).collect();
        let windows: Vec<u32> = (0..50).flat_map(|s| stream[s * 2..(s + 4) * 2].to_vec()).collect();
        let mut trainer = ProcessLmTrainer::new(spec.clone()).unwrap_or_else(|e| panic!("{e}"));
        let first = trainer.train_batch(&windows, 50).unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..200 {
            trainer.train_batch(&windows, 50).unwrap_or_else(|e| panic!("{e}"));
        }
        let last = trainer.loss(&windows, 50).unwrap_or_else(|e| panic!("{e}"));
        assert!(last < first * 0.5, "loss {first} → {last}");
        let score = |tag1: u32| {
            let mut window = windows[..8].to_vec();
            window[7] = tag1;
            trainer.surprise(&window, 1).unwrap_or_else(|e| panic!("{e}")).nll[1]
        };
        let observed = windows[6];
        let (fitting, near, above_near, above_far) = (score(observed), score((observed + 2) % 8), score(11), score(12));
        assert!(fitting < near && near < above_far && above_near < above_far, "{fitting} {near} {above_near} {above_far}");
        assert_eq!(trainer.surprise(&windows[..8], 1).unwrap_or_else(|e| panic!("{e}")).expected[1], observed);
        // Boundaries that do not fit the token count are refused before anything is built.
        let bad = ProcessLmSpec { tail_steps: Vec::new(), ..spec };
        assert!(ProcessLmTrainer::new(bad).is_err());
    }
}
