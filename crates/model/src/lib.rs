//! PlantLab's networks and one training step, in burn. Tensors in, numbers out: this crate
//! knows nothing of data frames, files of plant data or the UI. The engine owns the epoch loop
//! (batches, validation, checkpoints, cancel), so it can report and stop between any two batches.
//!
//! Inputs come in two shapes:
//! - tokens `[n, steps, per_step]`: the embeddings of the `per_step` tokens of one step are
//!   summed, and the models run over the `steps` axis. Row mode is `steps = features,
//!   per_step = 1`; window mode is `steps = window, per_step = features`.
//! - dense `[n, width]`: standardized numeric features, for the MLP.

use std::collections::HashMap;
use std::sync::Mutex;

mod cpu_kernels;
mod embedding_bag;
pub mod process_lm;
mod transformer_cpu;
use embedding_bag::{AdamStep, EmbeddingBag};
use transformer_cpu::HandTransformer;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::store::ModuleRecord;
use burn::tensor::activation::{log_softmax, relu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};

pub use plantlab_protocol::ModelKind;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model settings are not usable: {0}")]
    BadSpec(String),
    #[error("the input does not fit the model: {0}")]
    BadInput(String),
    #[error("could not save or load the model weights: {0}")]
    Store(String),
    #[error("the tensor library failed: {0}")]
    Backend(String),
}

pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// The shape and training settings of a network.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetSpec {
    pub kind: ModelKind,
    pub classes: usize,
    /// Token vocabulary (tokens models).
    pub vocab: usize,
    pub steps: usize,
    pub per_step: usize,
    /// Number of dense features (MLP).
    pub width: usize,
    pub embedding_dim: usize,
    pub hidden: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// Loss weight per class; empty means all 1.
    pub class_weights: Vec<f32>,
}

impl NetSpec {
    fn check(&self) -> Result<()> {
        if self.classes < 2 {
            return Err(ModelError::BadSpec(format!("a classifier needs at least 2 classes, got {}", self.classes)));
        }
        match self.kind {
            ModelKind::Seed | ModelKind::Transformer => {
                if self.vocab == 0 || self.steps == 0 || self.per_step == 0 {
                    return Err(ModelError::BadSpec("a token model needs a vocabulary and at least one token per sequence".into()));
                }
            }
            ModelKind::Mlp => {
                if self.width == 0 {
                    return Err(ModelError::BadSpec("the MLP needs at least one numeric feature".into()));
                }
            }
        }
        if self.kind == ModelKind::Transformer && !self.embedding_dim.is_multiple_of(TRANSFORMER_HEADS) {
            return Err(ModelError::BadSpec(format!("the transformer width must be a multiple of {TRANSFORMER_HEADS}")));
        }
        if !self.learning_rate.is_finite() || self.learning_rate <= 0.0 {
            return Err(ModelError::BadSpec("the learning rate must be a positive number".into()));
        }
        // Sizes are checked before anything is allocated: a file that declares a huge
        // network must be a clear error, never an allocation abort.
        let sizes = [
            ("classes", self.classes, MAX_CLASSES),
            ("vocab", self.vocab, MAX_VOCAB),
            ("steps", self.steps, MAX_SEQUENCE),
            ("per_step", self.per_step, MAX_SEQUENCE),
            ("width", self.width, MAX_SEQUENCE),
            ("embedding_dim", self.embedding_dim, MAX_LAYER_WIDTH),
            ("hidden", self.hidden, MAX_LAYER_WIDTH),
        ];
        for (name, value, most) in sizes {
            if value > most {
                return Err(ModelError::BadSpec(format!("\"{name}\" is {value}, more than the {most} a network may have")));
            }
        }
        if self.steps.checked_mul(self.per_step).is_none_or(|len| len > MAX_SEQUENCE) {
            return Err(ModelError::BadSpec(format!(
                "{} steps of {} tokens are more than the {MAX_SEQUENCE} tokens a sample may have",
                self.steps, self.per_step
            )));
        }
        match self.weight_count() {
            Some(count) if count <= MAX_WEIGHTS => Ok(()),
            _ => Err(ModelError::BadSpec(format!("the network would hold more than {MAX_WEIGHTS} weights"))),
        }
    }

    /// The weights of the network's weight matrices (biases and norms left out), so a lower
    /// bound of what its saved weights hold; `None` if the count overflows.
    pub fn weight_count(&self) -> Option<usize> {
        let d = self.embedding_dim;
        let output = d.checked_mul(self.classes)?;
        match self.kind {
            ModelKind::Seed => self.vocab.checked_mul(d)?.checked_add(output),
            ModelKind::Transformer => {
                let per_layer = d.checked_mul(d)?.checked_mul(4)?.checked_add(d.checked_mul(TRANSFORMER_FF)?.checked_mul(2)?)?;
                self.vocab
                    .checked_mul(d)?
                    .checked_add(self.steps.checked_mul(d)?)?
                    .checked_add(per_layer.checked_mul(TRANSFORMER_LAYERS)?)?
                    .checked_add(output)
            }
            ModelKind::Mlp => self
                .width
                .checked_mul(self.hidden)?
                .checked_add(self.hidden.checked_mul(self.hidden)?)?
                .checked_add(self.hidden.checked_mul(self.classes)?),
        }
    }

    /// Values per sample the input must have.
    pub fn input_len(&self) -> usize {
        match self.kind {
            ModelKind::Mlp => self.width,
            _ => self.steps * self.per_step,
        }
    }
}

/// Bounds on a network's sizes (far above anything trained here, far below an abort).
const MAX_CLASSES: usize = 1 << 16;
const MAX_VOCAB: usize = 1 << 24;
const MAX_SEQUENCE: usize = 1 << 20;
const MAX_LAYER_WIDTH: usize = 1 << 16;
/// Most weights a network may hold (1 GiB of f32).
const MAX_WEIGHTS: usize = 1 << 28;

const TRANSFORMER_HEADS: usize = 4;
const TRANSFORMER_LAYERS: usize = 2;
const TRANSFORMER_FF: usize = 128;

/// A batch of inputs, flattened row-major.
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    Tokens(&'a [u32]),
    Dense(&'a [f32]),
}

/// The origin's model: embedding → mean over the sequence → linear.
#[derive(Module, Debug)]
pub struct SeedNet {
    embedding: Embedding,
    output: Linear,
}

/// Token embeddings + learned positions → transformer encoder → mean pool → linear.
#[derive(Module, Debug)]
pub struct TransformerNet {
    embedding: Embedding,
    positions: Embedding,
    encoder: TransformerEncoder,
    output: Linear,
}

/// Two hidden ReLU layers on standardized numeric features.
#[derive(Module, Debug)]
pub struct MlpNet {
    hidden1: Linear,
    hidden2: Linear,
    output: Linear,
}

#[derive(Module, Debug)]
pub enum Net {
    Seed(SeedNet),
    Transformer(TransformerNet),
    Mlp(MlpNet),
}

/// Small uniform start for embeddings, as the origin's framework does (±0.05).
fn embedding_init() -> Initializer {
    Initializer::Uniform { min: -0.05, max: 0.05 }
}

impl Net {
    fn init(spec: &NetSpec, device: &Device) -> Self {
        let d = spec.embedding_dim;
        match spec.kind {
            ModelKind::Seed => Net::Seed(SeedNet {
                embedding: EmbeddingConfig::new(spec.vocab, d).with_initializer(embedding_init()).init(device),
                output: LinearConfig::new(d, spec.classes).init(device),
            }),
            ModelKind::Transformer => Net::Transformer(TransformerNet {
                embedding: EmbeddingConfig::new(spec.vocab, d).with_initializer(embedding_init()).init(device),
                positions: EmbeddingConfig::new(spec.steps, d).with_initializer(embedding_init()).init(device),
                // No dropout: the data sets are small and a run must repeat exactly.
                encoder: TransformerEncoderConfig::new(d, TRANSFORMER_FF, TRANSFORMER_HEADS, TRANSFORMER_LAYERS).with_dropout(0.0).init(device),
                output: LinearConfig::new(d, spec.classes).init(device),
            }),
            ModelKind::Mlp => Net::Mlp(MlpNet {
                hidden1: LinearConfig::new(spec.width, spec.hidden).init(device),
                hidden2: LinearConfig::new(spec.hidden, spec.hidden).init(device),
                output: LinearConfig::new(spec.hidden, spec.classes).init(device),
            }),
        }
    }

    /// Logits `[n, classes]`.
    fn forward(&self, spec: &NetSpec, input: Input<'_>, n: usize, device: &Device) -> Result<Tensor<2>> {
        match (self, input) {
            (Net::Seed(net), Input::Tokens(tokens)) => {
                let steps = embed_steps(&net.embedding, spec, tokens, n, device)?;
                let pooled: Tensor<2> = steps.mean_dim(1).squeeze_dim(1);
                Ok(net.output.forward(pooled))
            }
            (Net::Transformer(net), Input::Tokens(tokens)) => {
                let steps = embed_steps(&net.embedding, spec, tokens, n, device)?;
                let positions: Vec<i64> = (0..spec.steps as i64).collect();
                let positions = Tensor::<2, Int>::from_data(TensorData::new(positions, [1, spec.steps]), device);
                let positions = net.positions.forward(positions);
                let encoded = net.encoder.forward(TransformerEncoderInput::new(steps + positions));
                let pooled: Tensor<2> = encoded.mean_dim(1).squeeze_dim(1);
                Ok(net.output.forward(pooled))
            }
            (Net::Mlp(net), Input::Dense(values)) => {
                if values.len() != n * spec.width {
                    return Err(ModelError::BadInput(format!("expected {} values, got {}", n * spec.width, values.len())));
                }
                let x = Tensor::<2>::from_data(TensorData::new(values.to_vec(), [n, spec.width]), device);
                let x = relu(net.hidden1.forward(x));
                let x = relu(net.hidden2.forward(x));
                Ok(net.output.forward(x))
            }
            _ => Err(ModelError::BadInput("this model takes the other kind of input (tokens vs numeric features)".into())),
        }
    }
}

/// `n` samples of `steps × per_step` tokens, each inside the vocabulary.
fn check_tokens(spec: &NetSpec, tokens: &[u32], n: usize) -> Result<()> {
    let len = spec.steps * spec.per_step;
    if tokens.len() != n * len {
        return Err(ModelError::BadInput(format!("expected {} tokens, got {}", n * len, tokens.len())));
    }
    if let Some(bad) = tokens.iter().find(|&&t| t as usize >= spec.vocab) {
        return Err(ModelError::BadInput(format!("token {bad} is outside the vocabulary of {}", spec.vocab)));
    }
    Ok(())
}

/// Embeds tokens `[n, steps, per_step]` and sums each step's embeddings → `[n, steps, d]`.
fn embed_steps(embedding: &Embedding, spec: &NetSpec, tokens: &[u32], n: usize, device: &Device) -> Result<Tensor<3>> {
    check_tokens(spec, tokens, n)?;
    let len = spec.steps * spec.per_step;
    let ids: Vec<i64> = tokens.iter().map(|&t| i64::from(t)).collect();
    let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [n, len]), device);
    let embedded = embedding.forward(ids);
    if spec.per_step == 1 {
        return Ok(embedded);
    }
    let d = spec.embedding_dim;
    let per_token: Tensor<4> = embedded.reshape([n, spec.steps, spec.per_step, d]);
    Ok(per_token.sum_dim(2).reshape([n, spec.steps, d]))
}

/// What one training step measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// Weighted mean cross-entropy of the batch (what was minimised).
    pub loss: f64,
    /// Samples whose most likely class was the label.
    pub correct: usize,
}

/// How the forward pass of a training step ended. Made and matched once per step, so the
/// size of the network in one variant costs nothing worth boxing it for.
#[allow(clippy::large_enum_variant)]
enum Scored {
    /// Go on with the update: the network, the loss to differentiate and the figures.
    Finite(Net, Tensor<1>, StepStats),
    /// A non-finite loss: no update; the network is back in place.
    Stopped(StepStats),
}

/// A network with its optimizer state, on the CPU backend (or a GPU one when built with it).
pub struct Trainer {
    spec: NetSpec,
    device: Device,
    net: Option<Net>,
    optim: FusedAdam,
    gpu_optim: burn::optim::ModuleOptimizer,
    best: Option<Net>,
    /// The origin's model on the CPU trains its embedding table here (see `embedding_bag`);
    /// while it is `Some`, it holds the current table and the one in `net` is stale.
    /// Behind a lock because reading it (to predict) brings deferred rows up to date.
    bag: Option<Mutex<EmbeddingBag>>,
    use_bag: bool,
    /// The transformer on the CPU trains by hand here (see `transformer_cpu`); while it is
    /// `Some`, it holds the current weights and those in `net` are stale. Behind a lock for
    /// the same reason as the bag.
    hand: Option<Mutex<HandTransformer>>,
    use_hand: bool,
    pooled: Vec<f32>,
}

/// The device training runs on: a GPU when built with the `cuda` or `wgpu` feature,
/// otherwise the pure-Rust CPU backend; with gradients.
fn training_device() -> Device {
    plain_device().autodiff()
}

#[cfg(feature = "cuda")]
fn plain_device() -> Device {
    Device::cuda(0)
}

#[cfg(all(feature = "wgpu", not(feature = "cuda")))]
fn plain_device() -> Device {
    Device::wgpu(Default::default())
}

#[cfg(not(any(feature = "cuda", feature = "wgpu")))]
fn plain_device() -> Device {
    Device::flex()
}

/// The backend training runs on, in words (for benchmarks and run records).
pub fn backend_name() -> &'static str {
    if cfg!(feature = "cuda") {
        "burn cuda with autodiff"
    } else if cfg!(feature = "wgpu") {
        "burn wgpu with autodiff"
    } else {
        "burn flex (CPU) with autodiff, fused Adam"
    }
}

/// Sets how many threads the CPU backend uses. Only the first call in a process takes effect
/// (the pool is global); later calls return false.
pub fn set_threads(threads: usize) -> bool {
    rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build_global().is_ok()
}

/// The backend's random generator is one per device and process: seeding and initialising
/// must not interleave with another network's, or the same seed gives different weights.
static INIT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Trainer {
    /// A freshly initialised network. The seed fixes the initial weights.
    pub fn new(spec: NetSpec) -> Result<Self> {
        spec.check()?;
        let device = training_device();
        let net = {
            // A panic elsewhere while holding the lock leaves nothing half-done here.
            let _guard = INIT_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            device.seed(spec.seed);
            let net = Net::init(&spec, &device);
            // Parameters are created lazily, at first use; create them now, under the lock,
            // so another network's initialisation cannot draw from the generator in between.
            net.visit(&mut Materialize);
            net
        };
        Ok(Self {
            optim: FusedAdam::new(spec.learning_rate),
            gpu_optim: burn::optim::AdamConfig::new().with_epsilon(1e-7).init(),
            use_bag: spec.kind == ModelKind::Seed && !cfg!(any(feature = "cuda", feature = "wgpu")),
            use_hand: spec.kind == ModelKind::Transformer && !cfg!(any(feature = "cuda", feature = "wgpu")),
            hand: None,
            spec,
            device,
            net: Some(net),
            best: None,
            bag: None,
            pooled: Vec::new(),
        })
    }

    /// A network with the weights saved at `path` (by [`Trainer::save`]).
    pub fn load(spec: NetSpec, path: &std::path::Path) -> Result<Self> {
        let record = ModuleRecord::load(path).map_err(|e| ModelError::Store(e.to_string()))?;
        Self::with_record(spec, record)
    }

    /// A network with weights from an in-memory burnpack (a model bundle). The record is
    /// read whole here, so nothing refers back to a file afterwards.
    pub fn from_weight_bytes(spec: NetSpec, bytes: Vec<u8>) -> Result<Self> {
        // The declared network must fit in the bytes at hand before it is allocated: four
        // bytes per weight at the least.
        spec.check()?;
        let needed = spec.weight_count().and_then(|n| n.checked_mul(4)).unwrap_or(usize::MAX);
        if bytes.len() < needed {
            return Err(ModelError::BadSpec(format!("the network declares at least {needed} bytes of weights but only {} are there", bytes.len())));
        }
        let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes)).map_err(|e| ModelError::Store(e.to_string()))?;
        Self::with_record(spec, record)
    }

    fn with_record(spec: NetSpec, record: ModuleRecord) -> Result<Self> {
        let mut trainer = Self::new(spec)?;
        let net = trainer.take_net()?;
        let net = net.try_load_record(record).map_err(|e| ModelError::Store(e.to_string()))?;
        // Predictions of the origin's model then pool exactly as they did in training.
        trainer.bag = if trainer.use_bag { Some(Mutex::new(bag_of(&net, &trainer.spec)?)) } else { None };
        trainer.net = Some(net);
        Ok(trainer)
    }

    pub fn spec(&self) -> &NetSpec {
        &self.spec
    }

    fn take_net(&mut self) -> Result<Net> {
        self.net.take().ok_or_else(|| ModelError::Backend("the network was lost after an earlier failure".into()))
    }

    fn net(&self) -> Result<&Net> {
        self.net.as_ref().ok_or_else(|| ModelError::Backend("the network was lost after an earlier failure".into()))
    }

    /// What this trainer's steps run on, for benchmark reports.
    pub fn backend(&self) -> &'static str {
        if self.use_hand {
            "hand-written CPU step (gemm products, vectorised exp/erf), token table in the embedding bag"
        } else if self.use_bag {
            "burn flex (CPU) with autodiff, token table in the embedding bag, fused Adam"
        } else {
            backend_name()
        }
    }

    /// One optimizer step on a batch. Returns the batch loss before the update; the caller
    /// decides what a NaN loss means (the weights are then not updated).
    pub fn train_batch(&mut self, input: Input<'_>, labels: &[u32]) -> Result<StepStats> {
        let n = labels.len();
        if n == 0 {
            return Err(ModelError::BadInput("an empty batch".into()));
        }
        if let (true, Input::Tokens(tokens)) = (self.use_bag, input) {
            return self.train_seed_batch(tokens, labels);
        }
        if let (true, Input::Tokens(tokens)) = (self.use_hand, input) {
            return self.train_transformer_batch(tokens, labels);
        }
        let net = self.take_net()?;
        let scored = net.forward(&self.spec, input, n, &self.device).and_then(|logits| self.score(logits, labels));
        let (net, loss, stats) = match self.go_on(net, scored)? {
            Scored::Finite(net, loss, stats) => (net, loss, stats),
            Scored::Stopped(stats) => return Ok(stats),
        };
        let mut grads = GradientsParams::from_grads(loss.backward(), &net);
        let net = if cfg!(any(feature = "cuda", feature = "wgpu")) {
            // On a GPU the weights stay on the device: burn's own Adam, same settings.
            let grads = std::mem::take(&mut grads);
            self.gpu_optim.step(self.spec.learning_rate, net, grads)
        } else {
            self.optim.step(net, &mut grads)
        };
        self.net = Some(net);
        match self.optim.error.take() {
            Some(err) => Err(ModelError::Backend(err)),
            None => Ok(stats),
        }
    }

    /// The batch loss (to differentiate), its value and the samples predicted right.
    fn score(&self, logits: Tensor<2>, labels: &[u32]) -> Result<(Tensor<1>, StepStats)> {
        let loss = weighted_cross_entropy(logits.clone(), labels, &self.spec, &self.device)?;
        let value = f64::from(loss.clone().into_scalar::<f32>());
        let correct = count_correct(&logits.into_data(), labels, self.spec.classes)?;
        Ok((loss, StepStats { loss: value, correct }))
    }

    /// Whether the step goes on to the update: on an error or a non-finite loss the network
    /// is put back untouched (the caller decides what a NaN loss means).
    fn go_on(&mut self, net: Net, scored: Result<(Tensor<1>, StepStats)>) -> Result<Scored> {
        match scored {
            Ok((loss, stats)) if stats.loss.is_finite() => Ok(Scored::Finite(net, loss, stats)),
            Ok((_, stats)) => {
                self.net = Some(net);
                Ok(Scored::Stopped(stats))
            }
            Err(err) => {
                self.net = Some(net);
                Err(err)
            }
        }
    }

    /// One step of the origin's model with the embedding bag: pooling, its gradient and the
    /// table's Adam step by hand; the output layer and the loss in burn, as always.
    fn train_seed_batch(&mut self, tokens: &[u32], labels: &[u32]) -> Result<StepStats> {
        let n = labels.len();
        check_tokens(&self.spec, tokens, n)?;
        let net = self.take_net()?;
        if self.bag.is_none() {
            match bag_of(&net, &self.spec) {
                Ok(bag) => self.bag = Some(Mutex::new(bag)),
                Err(err) => {
                    self.net = Some(net);
                    return Err(err);
                }
            }
        }
        let (Some(Ok(bag)), Net::Seed(seed)) = (self.bag.as_mut().map(Mutex::get_mut), &net) else {
            self.net = Some(net);
            return Err(ModelError::Backend("the embedding table is not the origin's model's".into()));
        };
        let d = self.spec.embedding_dim;
        bag.pool(tokens, n, self.spec.steps, &mut self.pooled);
        let device = inner_device(&self.device);
        let pooled = Tensor::from_inner(Tensor::<2>::from_data(TensorData::new(self.pooled.clone(), [n, d]), &device)).require_grad();
        let scored = self.score(seed.output.forward(pooled.clone()), labels);
        let (net, loss, stats) = match self.go_on(net, scored)? {
            Scored::Finite(net, loss, stats) => (net, loss, stats),
            Scored::Stopped(stats) => return Ok(stats),
        };
        let mut grads = loss.backward();
        let pooled_grad = pooled.grad_remove(&mut grads).map(|g| g.into_data().try_to_vec::<f32>());
        let Some(Ok(pooled_grad)) = pooled_grad else {
            self.net = Some(net);
            return Err(ModelError::Backend("no gradient reached the pooled embeddings".into()));
        };
        let mut params = GradientsParams::from_grads(grads, &net);
        let net = self.optim.step(net, &mut params);
        self.net = Some(net);
        let Some(Ok(bag)) = self.bag.as_mut().map(Mutex::get_mut) else {
            return Err(ModelError::Backend("the embedding table was lost during the step".into()));
        };
        bag.accumulate(tokens, n, self.spec.steps, &pooled_grad);
        bag.adam(self.optim.settings());
        match self.optim.error.take() {
            Some(err) => Err(ModelError::Backend(err)),
            None => Ok(stats),
        }
    }

    /// One step of the transformer on the CPU, all by hand (see `transformer_cpu`); the
    /// weights move into the hand-written path at its first step.
    fn train_transformer_batch(&mut self, tokens: &[u32], labels: &[u32]) -> Result<StepStats> {
        check_tokens(&self.spec, tokens, labels.len())?;
        check_labels(labels, self.spec.classes)?;
        if self.hand.is_none() {
            let Net::Transformer(net) = self.net()? else {
                return Err(ModelError::Backend("the network is not a transformer".into()));
            };
            self.hand = Some(Mutex::new(HandTransformer::from_net(net, &self.spec)?));
        }
        let Some(Ok(hand)) = self.hand.as_mut().map(Mutex::get_mut) else {
            return Err(ModelError::Backend("the transformer's weights were left half-updated by an earlier failure".into()));
        };
        let stats = hand.gradients(tokens, labels, &self.spec.class_weights)?;
        if stats.loss.is_finite() {
            hand.apply(tokens, self.optim.next_step());
        }
        Ok(stats)
    }

    /// The network with the current weights in it (the bag's table or the hand-trained
    /// transformer's, while they train).
    fn current_net(&self) -> Result<Net> {
        let net = self.net()?.clone();
        match (&self.bag, &self.hand, net) {
            (Some(bag), _, Net::Seed(SeedNet { embedding, output })) => {
                let weights = lock(bag)?.table().to_vec();
                Ok(Net::Seed(SeedNet { embedding: Embedding { weight: with_values(embedding.weight, weights) }, output }))
            }
            (_, Some(hand), Net::Transformer(net)) => Ok(Net::Transformer(lock(hand)?.write_into(net)?)),
            (_, _, net) => Ok(net),
        }
    }

    /// Class probabilities `[n, classes]`, row-major, without touching the weights.
    pub fn predict(&self, input: Input<'_>, n: usize) -> Result<Vec<f32>> {
        let device = inner_device(&self.device);
        if let (Some(bag), Net::Seed(seed), Input::Tokens(tokens)) = (&self.bag, self.net()?, input) {
            check_tokens(&self.spec, tokens, n)?;
            let mut pooled = Vec::new();
            let mut bag = lock(bag)?;
            if !bag.is_current() {
                bag.catch_up_all();
            }
            bag.pool_current(tokens, n, self.spec.steps, &mut pooled);
            drop(bag);
            let pooled = Tensor::<2>::from_data(TensorData::new(pooled, [n, self.spec.embedding_dim]), &device);
            let logits = seed.output.valid().forward(pooled);
            return softmax(logits, 1).into_data().try_to_vec::<f32>().map_err(|e| ModelError::Backend(format!("{e:?}")));
        }
        if let (Some(hand), Input::Tokens(tokens)) = (&self.hand, input) {
            check_tokens(&self.spec, tokens, n)?;
            return lock(hand)?.predict(tokens, n);
        }
        let net = self.net()?.valid();
        let logits = net.forward(&self.spec, input, n, &device)?;
        softmax(logits, 1).into_data().try_to_vec::<f32>().map_err(|e| ModelError::Backend(format!("{e:?}")))
    }

    /// Remembers the current weights as the best so far.
    pub fn keep_as_best(&mut self) -> Result<()> {
        self.best = Some(self.current_net()?);
        Ok(())
    }

    /// Goes back to the weights kept by [`Trainer::keep_as_best`] (if any).
    pub fn restore_best(&mut self) {
        if let Some(best) = self.best.clone() {
            // The bag takes the restored table and keeps its Adam moments; without a bag, or
            // when the table cannot be read, it is read again at the next step.
            let restored = match (self.bag.as_mut().map(Mutex::get_mut), table_of(&best)) {
                (Some(Ok(bag)), Ok(table)) => {
                    bag.replace_table(table);
                    true
                }
                _ => false,
            };
            if !restored {
                self.bag = None;
            }
            // Likewise the hand-trained transformer takes the weights and keeps its moments.
            let restored = match (self.hand.as_mut().map(Mutex::get_mut), &best) {
                (Some(Ok(hand)), Net::Transformer(net)) => hand.replace_weights(net).is_ok(),
                _ => false,
            };
            if !restored {
                self.hand = None;
            }
            self.net = Some(best);
        }
    }

    /// Writes the current weights (burnpack format).
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        self.current_net()?.into_record().save(path).map_err(|e| ModelError::Store(e.to_string()))
    }

    /// Writes the weights kept as best (the current ones when none were kept).
    pub fn save_best(&self, path: &std::path::Path) -> Result<()> {
        match &self.best {
            Some(best) => best.clone().into_record().save(path).map_err(|e| ModelError::Store(e.to_string())),
            None => self.save(path),
        }
    }
}

/// Adam (the origin's optimizer: β₁ 0.9, β₂ 0.999, ε 1e-7, no weight decay) as one fused
/// pass over each parameter on the CPU.
///
/// Measured: with burn's generic Adam, a step of the origin's model spent most of its time in
/// about ten whole-tensor operations over the 640,000-weight embedding table (each allocating
/// a fresh 2.5 MB buffer, and page-faulting it in). Reading weight and gradient once and
/// updating weight, first and second moment in one loop does the same arithmetic, dense
/// exactly like Keras and PyTorch, at a fraction of the memory traffic.
struct FusedAdam {
    lr: f32,
    beta1: f32,
    beta2: f32,
    epsilon: f32,
    steps: i32,
    moments: HashMap<ParamId, (Vec<f32>, Vec<f32>)>,
    error: Option<String>,
}

/// Elements per parallel piece of an update (small tensors are updated on one thread).
const ADAM_CHUNK: usize = 32 * 1024;

impl FusedAdam {
    fn new(lr: f64) -> Self {
        Self { lr: lr as f32, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, steps: 0, moments: HashMap::new(), error: None }
    }

    fn step(&mut self, net: Net, grads: &mut GradientsParams) -> Net {
        self.steps += 1;
        let mut mapper = AdamMapper { adam: self, grads };
        net.map(&mut mapper)
    }

    /// This step's settings; the bias corrections are folded into the step size, as in the
    /// Adam paper (and Keras).
    fn settings(&self) -> AdamStep {
        let (b1, b2, t) = (self.beta1, self.beta2, self.steps);
        AdamStep { beta1: b1, beta2: b2, epsilon: self.epsilon, step_size: self.lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t)) }
    }

    /// First and second moments of parameter `id` (`len` values), zero at first.
    /// Counts a step taken outside [`Self::step`] and returns its settings.
    fn next_step(&mut self) -> AdamStep {
        self.steps += 1;
        self.settings()
    }

    fn moments(&mut self, id: ParamId, len: usize) -> (&mut [f32], &mut [f32]) {
        let (m, v) = self.moments.entry(id).or_insert_with(|| (vec![0.0; len], vec![0.0; len]));
        (m, v)
    }

    fn update(&mut self, id: ParamId, weights: &mut [f32], grad: &[f32]) {
        let AdamStep { beta1: b1, beta2: b2, epsilon: eps, step_size: step } = self.settings();
        let (m, v) = self.moments(id, weights.len());
        let kernel = |w: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]| {
            for i in 0..w.len().min(g.len()) {
                let gi = g[i];
                let mi = b1 * m[i] + (1.0 - b1) * gi;
                let vi = b2 * v[i] + (1.0 - b2) * gi * gi;
                m[i] = mi;
                v[i] = vi;
                w[i] -= step * mi / (vi.sqrt() + eps);
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

/// Touches every parameter, which creates the lazily initialised ones.
struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// The embedding table of the origin's model, read out of the network to train by hand.
fn bag_of(net: &Net, spec: &NetSpec) -> Result<EmbeddingBag> {
    Ok(EmbeddingBag::new(table_of(net)?, spec.embedding_dim))
}

fn table_of(net: &Net) -> Result<Vec<f32>> {
    let Net::Seed(seed) = net else {
        return Err(ModelError::Backend("only the origin's model has an embedding bag".into()));
    };
    seed.embedding.weight.val().into_data().try_to_vec::<f32>().map_err(|e| ModelError::Backend(format!("{e:?}")))
}

/// The bag or the hand-trained transformer, for reading; a panic while it was held leaves it
/// unusable.
fn lock<T>(state: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>> {
    state.lock().map_err(|_| ModelError::Backend("the weights were left half-updated by an earlier failure".into()))
}

/// `param` with new values of the same shape, on the same device, keeping its id.
pub(crate) fn with_values<const D: usize>(param: Param<Tensor<D>>, values: Vec<f32>) -> Param<Tensor<D>> {
    let (id, tensor, mapper) = param.consume();
    let require_grad = tensor.is_require_grad();
    let shape = tensor.shape();
    let device = tensor.inner().device();
    let mut updated = Tensor::from_inner(Tensor::<D>::from_data(TensorData::new(values, shape), &device));
    if require_grad {
        updated = updated.require_grad();
    }
    Param::from_mapped_value(id, updated, mapper)
}

/// Every label is one of the classes.
fn check_labels(labels: &[u32], classes: usize) -> Result<()> {
    match labels.iter().find(|&&l| l as usize >= classes) {
        Some(label) => Err(ModelError::BadInput(format!("label {label} is not one of the {classes} classes"))),
        None => Ok(()),
    }
}

/// The device without gradient tracking, for inference.
fn inner_device(device: &Device) -> Device {
    let _ = device;
    plain_device()
}

/// Weighted mean of the per-sample negative log-likelihood: `Σ wᵢ·nllᵢ / Σ wᵢ`, with `wᵢ` the
/// weight of sample i's class (the usual definition, so weights only shift the balance).
fn weighted_cross_entropy(logits: Tensor<2>, labels: &[u32], spec: &NetSpec, device: &Device) -> Result<Tensor<1>> {
    let n = labels.len();
    let mut weights = Vec::with_capacity(n);
    let mut ids = Vec::with_capacity(n);
    for &label in labels {
        let class = label as usize;
        if class >= spec.classes {
            return Err(ModelError::BadInput(format!("label {label} is not one of the {} classes", spec.classes)));
        }
        weights.push(spec.class_weights.get(class).copied().unwrap_or(1.0));
        ids.push(i64::from(label));
    }
    let total: f32 = weights.iter().sum();
    let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [n, 1]), device);
    let weights = Tensor::<2>::from_data(TensorData::new(weights, [n, 1]), device);
    let picked = log_softmax(logits, 1).gather(1, ids);
    Ok(picked.mul(weights).sum().neg().div_scalar(total.max(f32::MIN_POSITIVE)))
}

fn count_correct(logits: &TensorData, labels: &[u32], classes: usize) -> Result<usize> {
    let values = logits.try_to_vec::<f32>().map_err(|e| ModelError::Backend(format!("{e:?}")))?;
    let mut correct = 0;
    for (row, &label) in values.chunks(classes).zip(labels) {
        let mut best = 0;
        for (i, v) in row.iter().enumerate() {
            if *v > row[best] {
                best = i;
            }
        }
        if best == label as usize {
            correct += 1;
        }
    }
    Ok(correct)
}

#[cfg(test)]
mod tests {
    /// Two networks training at the same time in one process share the backend's global
    /// state, and a same-seed run then differs in the last digits; the engine trains one
    /// network at a time, so these tests do too.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
        ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    use super::*;

    fn spec(kind: ModelKind) -> NetSpec {
        NetSpec {
            kind,
            classes: 2,
            vocab: 20,
            steps: 4,
            per_step: 2,
            width: 3,
            embedding_dim: 8,
            hidden: 8,
            learning_rate: 0.01,
            seed: 7,
            class_weights: vec![1.0, 3.0],
        }
    }

    /// Label = whether the first token is in the upper half of the vocabulary: learnable.
    fn toy_tokens(n: usize) -> (Vec<u32>, Vec<u32>) {
        let mut tokens = Vec::new();
        let mut labels = Vec::new();
        for i in 0..n {
            let first = (i * 7 % 20) as u32;
            tokens.push(first);
            for j in 1..8 {
                tokens.push(((i + j * 3) % 20) as u32);
            }
            labels.push(u32::from(first >= 10));
        }
        (tokens, labels)
    }

    #[test]
    fn token_models_learn_a_simple_rule_and_repeat_exactly() {
        let _serial = one_at_a_time();
        for kind in [ModelKind::Seed, ModelKind::Transformer] {
            let (tokens, labels) = toy_tokens(64);
            let mut losses = Vec::new();
            for _ in 0..2 {
                let mut trainer = Trainer::new(spec(kind)).unwrap();
                let mut last = 0.0;
                for _ in 0..30 {
                    last = trainer.train_batch(Input::Tokens(&tokens), &labels).unwrap().loss;
                }
                losses.push(last);
                let probs = trainer.predict(Input::Tokens(&tokens), 64).unwrap();
                assert_eq!(probs.len(), 128);
            }
            assert_eq!(losses[0], losses[1], "{kind:?}: same seed, same loss");
            assert!(losses[0] < 0.6, "{kind:?} did not learn: {}", losses[0]);
        }
    }

    /// Trains both on the same batch `steps` times; their losses must agree within
    /// `tolerance` and their correct counts exactly, step by step.
    fn train_side_by_side(by_hand: &mut Trainer, by_library: &mut Trainer, tokens: &[u32], labels: &[u32], steps: usize, tolerance: f64) {
        for step in 0..steps {
            let a = by_hand.train_batch(Input::Tokens(tokens), labels).unwrap();
            let b = by_library.train_batch(Input::Tokens(tokens), labels).unwrap();
            assert!((a.loss - b.loss).abs() < tolerance, "step {step}: {} vs {}", a.loss, b.loss);
            assert_eq!(a.correct, b.correct, "step {step}");
        }
    }

    #[test]
    fn the_embedding_bag_trains_like_the_tensor_library_path() {
        let _serial = one_at_a_time();
        let (tokens, labels) = toy_tokens(32);
        let mut by_hand = Trainer::new(spec(ModelKind::Seed)).unwrap();
        let mut by_library = Trainer::new(spec(ModelKind::Seed)).unwrap();
        by_library.use_bag = false;
        assert!(by_hand.use_bag || cfg!(any(feature = "cuda", feature = "wgpu")));
        train_side_by_side(&mut by_hand, &mut by_library, &tokens, &labels, 12, 1e-5);
        let pa = by_hand.predict(Input::Tokens(&tokens), 32).unwrap();
        let pb = by_library.predict(Input::Tokens(&tokens), 32).unwrap();
        let worst = pa.iter().zip(&pb).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "probabilities differ by {worst}");
        // Kept, saved and restored weights carry the bag's table.
        by_hand.keep_as_best().unwrap();
        by_hand.train_batch(Input::Tokens(&tokens), &labels).unwrap();
        by_hand.restore_best();
        assert_eq!(by_hand.predict(Input::Tokens(&tokens), 32).unwrap(), pa);
    }

    fn transformer_spec() -> NetSpec {
        NetSpec {
            classes: 3,
            vocab: 30,
            steps: 5,
            per_step: 2,
            learning_rate: 0.01,
            seed: 3,
            class_weights: vec![1.0, 2.5, 0.5],
            ..spec(ModelKind::Transformer)
        }
    }

    /// `n` samples of the transformer spec's shape, pseudo-random.
    fn random_batch(n: usize, spec: &NetSpec) -> (Vec<u32>, Vec<u32>) {
        let mut state = 11u64;
        let mut next = move |below: usize| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as usize % below) as u32
        };
        let tokens = (0..n * spec.input_len()).map(|_| next(spec.vocab)).collect();
        let labels = (0..n).map(|_| next(spec.classes)).collect();
        (tokens, labels)
    }

    /// Each parameter's value replaced by its gradient (zero where it has none).
    struct GradsAsValues<'a>(&'a mut GradientsParams);

    impl ModuleMapper for GradsAsValues<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let (id, tensor, mapper) = param.consume();
            let value = match self.0.remove::<D>(id) {
                Some(grad) => Tensor::from_inner(grad),
                None => tensor.zeros_like(),
            };
            Param::from_mapped_value(id, value, mapper)
        }
    }

    /// Largest difference relative to the largest magnitude of `expected`.
    fn relative_gap(actual: &[f32], expected: &[f32]) -> f32 {
        assert_eq!(actual.len(), expected.len());
        let scale = expected.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
        actual.iter().zip(expected).map(|(a, e)| (a - e).abs()).fold(0.0, f32::max) / scale
    }

    #[test]
    fn the_hand_written_transformer_gradient_is_the_library_s() {
        let _serial = one_at_a_time();
        let spec = transformer_spec();
        // 11 samples: uneven thread shares, several passes per share.
        let (tokens, labels) = random_batch(11, &spec);
        let trainer = Trainer::new(spec.clone()).unwrap();
        let net = trainer.net().unwrap().clone();
        let logits = net.forward(&spec, Input::Tokens(&tokens), 11, &trainer.device).unwrap();
        let loss = weighted_cross_entropy(logits, &labels, &spec, &trainer.device).unwrap();
        let library_loss = f64::from(loss.clone().into_scalar::<f32>());
        let mut grads = GradientsParams::from_grads(loss.backward(), &net);
        let Net::Transformer(grad_net) = net.clone().map(&mut GradsAsValues(&mut grads)) else { panic!("not a transformer") };
        let (library_table, library_flat) = transformer_cpu::flatten(&grad_net, &spec).unwrap();

        let Net::Transformer(net) = net else { panic!("not a transformer") };
        let mut hand = HandTransformer::from_net(&net, &spec).unwrap();
        let stats = hand.gradients(&tokens, &labels, &spec.class_weights).unwrap();
        assert!((stats.loss - library_loss).abs() < 1e-5 * library_loss.abs().max(1.0), "{} vs {library_loss}", stats.loss);
        let gap = relative_gap(hand.flat_gradient(), &library_flat);
        assert!(gap < 1e-4, "layer gradients differ by {gap}");
        let gap = relative_gap(&hand.table_gradient(&tokens, spec.vocab), &library_table);
        assert!(gap < 1e-4, "token table gradients differ by {gap}");
    }

    #[test]
    fn the_hand_written_transformer_trains_like_the_tensor_library_path() {
        let _serial = one_at_a_time();
        let spec = transformer_spec();
        let (tokens, labels) = random_batch(9, &spec);
        let mut by_hand = Trainer::new(spec.clone()).unwrap();
        let mut by_library = Trainer::new(spec.clone()).unwrap();
        by_library.use_hand = false;
        assert!(by_hand.use_hand || cfg!(any(feature = "cuda", feature = "wgpu")));
        train_side_by_side(&mut by_hand, &mut by_library, &tokens, &labels, 6, 1e-4);
        let (Net::Transformer(hand_net), Net::Transformer(library_net)) = (by_hand.current_net().unwrap(), by_library.current_net().unwrap()) else {
            panic!("not a transformer")
        };
        let (hand_table, hand_flat) = transformer_cpu::flatten(&hand_net, &spec).unwrap();
        let (library_table, library_flat) = transformer_cpu::flatten(&library_net, &spec).unwrap();
        let worst = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(worst(&hand_flat, &library_flat) < 1e-3, "weights differ by {}", worst(&hand_flat, &library_flat));
        assert!(worst(&hand_table, &library_table) < 1e-3, "table differs by {}", worst(&hand_table, &library_table));

        let pa = by_hand.predict(Input::Tokens(&tokens), 9).unwrap();
        let pb = by_library.predict(Input::Tokens(&tokens), 9).unwrap();
        assert!(worst(&pa, &pb) < 1e-3, "probabilities differ by {}", worst(&pa, &pb));
        // The hand-written prediction is the library's on the written-back weights.
        let device = inner_device(&by_hand.device);
        let logits = by_hand.current_net().unwrap().valid().forward(&spec, Input::Tokens(&tokens), 9, &device).unwrap();
        let via_library = softmax(logits, 1).into_data().try_to_vec::<f32>().unwrap();
        assert!(worst(&pa, &via_library) < 1e-5, "prediction paths differ by {}", worst(&pa, &via_library));

        // Kept, restored, saved and loaded weights are the trained ones.
        by_hand.keep_as_best().unwrap();
        by_hand.train_batch(Input::Tokens(&tokens), &labels).unwrap();
        by_hand.restore_best();
        assert_eq!(by_hand.predict(Input::Tokens(&tokens), 9).unwrap(), pa);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bpk");
        by_hand.save(&path).unwrap();
        let loaded = Trainer::load(spec.clone(), &path).unwrap();
        let pl = loaded.predict(Input::Tokens(&tokens), 9).unwrap();
        assert!(worst(&pa, &pl) < 1e-5, "loaded weights predict differently by {}", worst(&pa, &pl));
        // A label outside the classes is refused before anything changes.
        assert!(by_hand.train_batch(Input::Tokens(&tokens), &[5; 9]).is_err());
        assert_eq!(by_hand.predict(Input::Tokens(&tokens), 9).unwrap(), pa);
    }

    #[test]
    fn mlp_trains_on_dense_input_and_rejects_tokens() {
        let _serial = one_at_a_time();
        let mut trainer = Trainer::new(spec(ModelKind::Mlp)).unwrap();
        let values: Vec<f32> = (0..30).map(|i| (i as f32 / 10.0).sin()).collect();
        let labels: Vec<u32> = (0..10).map(|i| i % 2).collect();
        let stats = trainer.train_batch(Input::Dense(&values), &labels).unwrap();
        assert!(stats.loss.is_finite());
        assert!(trainer.train_batch(Input::Tokens(&[1, 2, 3]), &[0]).is_err());
        assert!(trainer.train_batch(Input::Dense(&values), &labels).is_ok(), "the net survives a bad batch");
    }

    #[test]
    fn weights_round_trip_through_a_file() {
        let _serial = one_at_a_time();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bpk");
        let (tokens, labels) = toy_tokens(16);
        let mut trainer = Trainer::new(spec(ModelKind::Seed)).unwrap();
        trainer.train_batch(Input::Tokens(&tokens), &labels).unwrap();
        trainer.save(&path).unwrap();
        let loaded = Trainer::load(spec(ModelKind::Seed), &path).unwrap();
        assert_eq!(trainer.predict(Input::Tokens(&tokens), 16).unwrap(), loaded.predict(Input::Tokens(&tokens), 16).unwrap());
    }
}
