//! A trained classifier, whichever kind: a burn network or an ensemble of gradient-boosted
//! trees. Everything after training (test scores, occlusion, bundles, prediction) asks it for
//! class probabilities and does not care which it is.

use plantlab_model::{Input, Trainer};
use plantlab_trees::Ensemble;

use crate::error::{EngineError, Result};

/// The trees of a run up to its best round, in its directory (beside `best.bpk` of a network).
pub const TREES_FILE: &str = "best_trees.json";

// Made once per run or bundle and never moved in a loop: boxing the network buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum FittedModel {
    Net(Trainer),
    Trees(Ensemble),
}

impl FittedModel {
    /// Class probabilities `[n, classes]` of `n` samples.
    pub fn predict(&self, input: Input<'_>, n: usize) -> Result<Vec<f32>> {
        match (self, input) {
            (FittedModel::Net(trainer), input) => trainer.predict(input, n).map_err(|e| EngineError::Model(e.to_string())),
            (FittedModel::Trees(ensemble), Input::Dense(x)) => ensemble.predict_proba(x, n).map_err(|e| EngineError::Model(e.to_string())),
            (FittedModel::Trees(_), Input::Tokens(_)) => Err(EngineError::Internal("the trees read numeric features, not tokens".into())),
        }
    }
}
