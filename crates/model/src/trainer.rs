//! One training step of a network, its losses and scores, prediction, and the weights kept as
//! best, saved and loaded.

use std::sync::Mutex;

use burn::module::Module;
use burn::nn::Embedding;
use burn::optim::GradientsParams;
use burn::store::ModuleRecord;
use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::device::{backend_name, inner_device, training_device};
use crate::embedding_bag::EmbeddingBag;
use crate::nets::{check_tokens, with_values, Materialize, INIT_LOCK};
use crate::optimiser::FusedAdam;
use crate::transformer_cpu::HandTransformer;
use crate::{Input, ModelError, ModelKind, Net, NetSpec, Result, SeedNet};

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

    /// The weights as a burnpack in memory: the best ones kept (`best`, the current ones when
    /// none were kept) or the current ones. The caller writes them, atomically.
    pub fn weights_bytes(&self, best: bool) -> Result<Vec<u8>> {
        let net = match (&self.best, best) {
            (Some(kept), true) => kept.clone(),
            _ => self.current_net()?,
        };
        net.into_record().into_bytes().map(|b| b.to_vec()).map_err(|e| ModelError::Store(e.to_string()))
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

/// Every label is one of the classes.
fn check_labels(labels: &[u32], classes: usize) -> Result<()> {
    match labels.iter().find(|&&l| l as usize >= classes) {
        Some(label) => Err(ModelError::BadInput(format!("label {label} is not one of the {classes} classes"))),
        None => Ok(()),
    }
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
    use burn::module::{ModuleMapper, Param};

    use crate::transformer_cpu;

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
        // The bytes the engine writes atomically are the file burn writes.
        assert_eq!(trainer.weights_bytes(false).unwrap(), std::fs::read(&path).unwrap());
        assert_eq!(trainer.weights_bytes(true).unwrap(), std::fs::read(&path).unwrap(), "no best kept yet: the current weights");
    }
}
