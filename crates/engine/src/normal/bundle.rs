//! A trained set of normal-operation models in one JSON file (`normal_model.json` in its run
//! directory): the process language model (tokenizer, settings, threshold, weights as base64
//! with an FNV-1a checksum), and the PCA and linear baselines fitted on the same normal rows.
//! Reading checks the format, version, checksum and that the parts name the same tags before
//! anything is built; it only parses JSON and numbers.

use std::path::Path;

use base64::Engine as _;

use super::linear::LinearPredictor;
use super::lm::{EpochLosses, LmSettings, ProcessLm};
use super::pca::PcaModel;
use super::tokenizer::StepTokenizer;
use crate::{EngineError, Result};

pub const NORMAL_BUNDLE_FORMAT: &str = "plantlab-normal-model";
pub const NORMAL_BUNDLE_VERSION: u32 = 1;
pub const NORMAL_BUNDLE_FILE: &str = "normal_model.json";

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LmPart {
    pub settings: LmSettings,
    pub tokenizer: StepTokenizer,
    #[serde(with = "super::exact::scalar")]
    pub threshold: f64,
    pub best_epoch: usize,
    pub history: Vec<EpochLosses>,
    pub weights_base64: String,
    pub weights_fnv1a: u64,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NormalBundle {
    pub format: String,
    pub version: u32,
    pub tags: Vec<String>,
    pub normal_rows: usize,
    pub lm: LmPart,
    pub pca: PcaModel,
    pub linear: LinearPredictor,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl NormalBundle {
    pub fn new(lm: &ProcessLm, pca: PcaModel, linear: LinearPredictor, normal_rows: usize) -> Result<Self> {
        let weights = lm.weights()?;
        Ok(Self {
            format: NORMAL_BUNDLE_FORMAT.to_owned(),
            version: NORMAL_BUNDLE_VERSION,
            tags: lm.tokenizer.tags.clone(),
            normal_rows,
            lm: LmPart {
                settings: lm.settings.clone(),
                tokenizer: lm.tokenizer.clone(),
                threshold: lm.threshold,
                best_epoch: lm.best_epoch,
                history: lm.history.clone(),
                weights_fnv1a: fnv1a(&weights),
                weights_base64: base64::engine::general_purpose::STANDARD.encode(&weights),
            },
            pca,
            linear,
        })
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec(self).map_err(|e| EngineError::Internal(format!("serializing the model: {e}")))?;
        crate::train::runs::write_atomic(path, &text)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let bad = |detail: &str| EngineError::BadBundle { path: path.to_path_buf(), detail: detail.to_owned() };
        let bytes = std::fs::read(path).map_err(|e| EngineError::from_io(path, e))?;
        let head: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| bad(&format!("not JSON ({e})")))?;
        if head.get("format").and_then(|f| f.as_str()) != Some(NORMAL_BUNDLE_FORMAT) {
            return Err(bad("not a normal-operation model"));
        }
        let version = head.get("version").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if version > u64::from(NORMAL_BUNDLE_VERSION) {
            return Err(EngineError::BundleVersion { path: path.to_path_buf(), found: version as u32, supported: NORMAL_BUNDLE_VERSION });
        }
        let bundle: NormalBundle = serde_json::from_value(head).map_err(|e| bad(&format!("its parts do not read ({e})")))?;
        if bundle.lm.tokenizer.tags != bundle.tags || bundle.pca.scale.tags != bundle.tags || bundle.linear.scale.tags != bundle.tags {
            return Err(bad("its models name different tags"));
        }
        if let Some(part) = bundle.inconsistent_part() {
            return Err(bad(&format!("its {part} does not fit its {} tags", bundle.tags.len())));
        }
        Ok(bundle)
    }

    /// The first part whose sizes disagree with the tags (scoring would read past its end).
    fn inconsistent_part(&self) -> Option<&'static str> {
        let w = self.tags.len();
        let scale_ok = |a: &super::Autoscale| a.mean.len() == w && a.std.len() == w;
        let t = &self.lm.tokenizer;
        if t.bins < 2 || t.edges.len() != w || t.edges.iter().any(|e| e.len() != t.bins - 1) || t.min.len() != w || t.max.len() != w {
            return Some("tokenizer");
        }
        let p = &self.pca;
        if !scale_ok(&p.scale) || p.components == 0 || p.eigenvalues.len() != p.components || p.loadings.len() != w.saturating_mul(p.components) {
            return Some("PCA model");
        }
        let l = &self.linear;
        let square = w.saturating_mul(w);
        if !scale_ok(&l.scale) || l.weights.len() != square || l.error_cholesky.len() != square || l.bias.len() != w || l.error_std.len() != w {
            return Some("linear predictor");
        }
        None
    }

    /// The language model with its weights, checked against the stored checksum.
    pub fn language_model(&self, path: &Path) -> Result<ProcessLm> {
        let bad = |detail: &str| EngineError::BadBundle { path: path.to_path_buf(), detail: detail.to_owned() };
        let weights =
            base64::engine::general_purpose::STANDARD.decode(self.lm.weights_base64.as_bytes()).map_err(|_| bad("the weights are not base64"))?;
        if fnv1a(&weights) != self.lm.weights_fnv1a {
            return Err(bad("the weights do not match their checksum (the file was changed or cut short)"));
        }
        ProcessLm::from_parts(
            self.lm.tokenizer.clone(),
            self.lm.settings.clone(),
            self.lm.threshold,
            self.lm.best_epoch,
            self.lm.history.clone(),
            weights,
        )
    }
}
