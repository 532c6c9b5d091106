//! The networks: their settings ([`NetSpec`]), the burn modules, their initialisation and
//! forward passes.

use burn::module::{Module, ModuleVisitor, Param};
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::{ModelError, ModelKind, Result};

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
    pub(crate) fn check(&self) -> Result<()> {
        if self.classes < 2 {
            return Err(ModelError::BadSpec(format!("a classifier needs at least 2 classes, got {}", self.classes)));
        }
        match self.kind {
            ModelKind::Seed | ModelKind::Transformer => {
                if self.vocab == 0 || self.steps == 0 || self.per_step == 0 {
                    return Err(ModelError::BadSpec("a token model needs a vocabulary and at least one token per sequence".into()));
                }
                // A zero width would make the weight initialisation divide by zero.
                if self.embedding_dim == 0 || (self.kind == ModelKind::Transformer && self.hidden == 0) {
                    return Err(ModelError::BadSpec("the network's embedding and hidden widths must be at least 1".into()));
                }
            }
            ModelKind::Trees => return Err(ModelError::BadSpec("gradient-boosted trees are not a network; the engine grows them".into())),
            ModelKind::Mlp => {
                if self.width == 0 {
                    return Err(ModelError::BadSpec("the MLP needs at least one numeric feature".into()));
                }
                if self.hidden == 0 {
                    return Err(ModelError::BadSpec("the MLP's hidden width must be at least 1".into()));
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
            // Not a network: `check` refuses it before anything is sized.
            ModelKind::Trees => None,
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

pub(crate) const TRANSFORMER_HEADS: usize = 4;
pub(crate) const TRANSFORMER_LAYERS: usize = 2;
pub(crate) const TRANSFORMER_FF: usize = 128;

/// A batch of inputs, flattened row-major.
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    Tokens(&'a [u32]),
    Dense(&'a [f32]),
}

/// The origin's model: embedding → mean over the sequence → linear.
#[derive(Module, Debug)]
pub struct SeedNet {
    pub(crate) embedding: Embedding,
    pub(crate) output: Linear,
}

/// Token embeddings + learned positions → transformer encoder → mean pool → linear.
#[derive(Module, Debug)]
pub struct TransformerNet {
    pub(crate) embedding: Embedding,
    pub(crate) positions: Embedding,
    pub(crate) encoder: TransformerEncoder,
    pub(crate) output: Linear,
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
pub(crate) fn embedding_init() -> Initializer {
    Initializer::Uniform { min: -0.05, max: 0.05 }
}

impl Net {
    pub(crate) fn init(spec: &NetSpec, device: &Device) -> Self {
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
            // `check` refuses trees before a network is made; they share the MLP's input.
            ModelKind::Mlp | ModelKind::Trees => Net::Mlp(MlpNet {
                hidden1: LinearConfig::new(spec.width, spec.hidden).init(device),
                hidden2: LinearConfig::new(spec.hidden, spec.hidden).init(device),
                output: LinearConfig::new(spec.hidden, spec.classes).init(device),
            }),
        }
    }

    /// Logits `[n, classes]`.
    pub(crate) fn forward(&self, spec: &NetSpec, input: Input<'_>, n: usize, device: &Device) -> Result<Tensor<2>> {
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
pub(crate) fn check_tokens(spec: &NetSpec, tokens: &[u32], n: usize) -> Result<()> {
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

/// The backend's random generator is one per device and process: seeding and initialising
/// must not interleave with another network's, or the same seed gives different weights.
pub(crate) static INIT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Touches every parameter, which creates the lazily initialised ones.
pub(crate) struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
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
