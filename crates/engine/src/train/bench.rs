//! The training benchmark workloads (`plantlab bench train`): random token sequences, the
//! same as the peer scripts in `bench/` generate, trained with the origin's settings.

use std::time::Instant;

use plantlab_model::{Input, ModelKind, NetSpec, Trainer};

use crate::error::{Detail, EngineError, Result};

pub const SEQUENCE_LENGTH: usize = 64;
pub const VOCAB: usize = 10_000;
pub const EMBEDDING: usize = 64;
pub const BATCH: usize = 32;

pub struct BenchResult {
    pub seconds: f64,
    pub samples_per_s: f64,
    pub last_loss: f64,
    pub backend: String,
}

/// `n` sequences of 64 uniform tokens; the label says whether most tokens are in the upper
/// half of the vocabulary.
pub fn random_tokens(n: usize, seed: u64) -> (Vec<u32>, Vec<u32>) {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut tokens = Vec::with_capacity(n * SEQUENCE_LENGTH);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let mut upper = 0;
        for _ in 0..SEQUENCE_LENGTH {
            let t = (next() % VOCAB as u64) as u32;
            upper += usize::from(t as usize >= VOCAB / 2);
            tokens.push(t);
        }
        labels.push(u32::from(upper * 2 > SEQUENCE_LENGTH));
    }
    (tokens, labels)
}

/// Trains `kind` (seed = W1, transformer = W2) for `epochs` on `n` random sequences in
/// batches of `batch` with `threads` CPU threads and reports the training throughput (data
/// generation not timed).
pub fn run(kind: ModelKind, n: usize, epochs: usize, threads: usize, batch: usize) -> Result<BenchResult> {
    if batch == 0 || n < batch {
        return Err(EngineError::BadTrainConfig(Detail::coded("bench_batch", [("batch", batch.into())])));
    }
    plantlab_model::set_threads(threads);
    let (tokens, labels) = random_tokens(n, 1);
    let spec = NetSpec {
        kind,
        classes: 2,
        vocab: VOCAB,
        steps: SEQUENCE_LENGTH,
        per_step: 1,
        width: 0,
        embedding_dim: EMBEDDING,
        hidden: EMBEDDING,
        learning_rate: 0.001,
        seed: 1,
        class_weights: Vec::new(),
    };
    let mut trainer = Trainer::new(spec).map_err(|e| EngineError::Model(e.to_string()))?;
    let start = Instant::now();
    let mut last_loss = f64::NAN;
    for _ in 0..epochs.max(1) {
        for (t, l) in tokens.chunks(batch * SEQUENCE_LENGTH).zip(labels.chunks(batch)) {
            last_loss = trainer.train_batch(Input::Tokens(t), l).map_err(|e| EngineError::Model(e.to_string()))?.loss;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(BenchResult { seconds, samples_per_s: (n * epochs.max(1)) as f64 / seconds, last_loss, backend: trainer.backend().to_owned() })
}
