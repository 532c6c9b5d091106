//! PlantLab's networks and one training step, in burn. Tensors in, numbers out: this crate
//! knows nothing of data frames, files of plant data or the UI. The engine owns the epoch loop
//! (batches, validation, checkpoints, cancel), so it can report and stop between any two batches.
//!
//! Inputs come in two shapes:
//! - tokens `[n, steps, per_step]`: the embeddings of the `per_step` tokens of one step are
//!   summed, and the models run over the `steps` axis. Row mode is `steps = features,
//!   per_step = 1`; window mode is `steps = window, per_step = features`.
//! - dense `[n, width]`: standardized numeric features, for the MLP.
//!
//! The files, as in burn's examples: `nets` (the networks and their forward passes),
//! `trainer` (one training step, losses, prediction, best weights), `optimiser` (Adam, written
//! once for every CPU path), `device` (which backend runs it); `embedding_bag` and
//! `transformer_cpu` are the hand-written CPU steps, `process_lm` the process language model.

mod cpu_kernels;
mod device;
mod embedding_bag;
mod nets;
mod optimiser;
pub mod process_lm;
mod trainer;
mod transformer_cpu;

pub use device::{backend_name, set_threads};
pub use nets::{Input, MlpNet, Net, NetSpec, SeedNet, TransformerNet};
pub use trainer::{StepStats, Trainer};

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
