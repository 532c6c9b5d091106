//! A trained set of normal-operation models in one JSON file (`normal_model.json` in its run
//! directory): which detector raises the alarms, the linear next-step predictor and the PCA
//! baseline fitted on the normal rows, and, when it was trained, the process language model
//! (tokenizer, settings, threshold, weights as base64 with an FNV-1a checksum), and the
//! cleaning recipe of the training data when it was cleaned.
//! Reading checks the format, version, checksum and that the parts name the same tags before
//! anything is built; it only parses JSON and numbers.

use std::path::Path;

use base64::Engine as _;
use plantlab_protocol::{MessageArg, NormalDetector, Recipe};

use super::linear::LinearPredictor;
use super::lm::{EpochLosses, LmScoring, LmSettings, ProcessLm, SurpriseBaseline};
use super::pca::PcaModel;
use super::tokenizer::StepTokenizer;
use crate::error::Detail;
use crate::{EngineError, Result};

pub const NORMAL_BUNDLE_FORMAT: &str = "plantlab-normal-model";
/// Version 2 added the detector and made the language model optional (version 1 always held one).
/// Version 3: the language model's ordinal tokens, graded out-of-range tokens, step context,
/// per-tag weighing, widening and hold lengths. A PlantLab that reads only version 2 would
/// ignore those parts and score differently, so it must refuse these bundles; this version
/// still reads versions 1 and 2 (each part missing from them has a default meaning "as before").
pub const NORMAL_BUNDLE_VERSION: u32 = 3;
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
    /// Absent in bundles written before the score weighed each tag's surprise.
    #[serde(default)]
    pub surprise_baseline: SurpriseBaseline,
    /// Absent in bundles written before scoring widened the predictions: 1.
    #[serde(default = "no_widening", with = "super::exact::scalar")]
    pub widening: f64,
}

fn no_widening() -> f64 {
    1.0
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NormalBundle {
    pub format: String,
    pub version: u32,
    /// The detector whose score and threshold raise the alarms (version 1: the language model).
    #[serde(default = "language_model_detector")]
    pub detector: NormalDetector,
    pub tags: Vec<String>,
    pub normal_rows: usize,
    /// Present when the language model was trained.
    #[serde(default)]
    pub lm: Option<LmPart>,
    pub pca: PcaModel,
    pub linear: LinearPredictor,
    /// Median spacing of the training data's timestamps (for alarm durations in time).
    #[serde(default)]
    pub sampling_interval_s: Option<f64>,
    /// The cleaning recipe that made the training data (import settings, steps, fitted
    /// statistics): a new export is read and cleaned with it before scoring. Absent when the
    /// data was not cleaned, and in bundles written before recipes were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe: Option<Recipe>,
}

fn language_model_detector() -> NormalDetector {
    NormalDetector::ProcessLm
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl NormalBundle {
    /// A bundle whose alarms come from the language model `lm`.
    pub fn new(lm: &ProcessLm, pca: PcaModel, linear: LinearPredictor, normal_rows: usize) -> Result<Self> {
        Self::assemble(NormalDetector::ProcessLm, Some(lm), pca, linear, normal_rows)
    }

    /// A bundle whose alarms come from the linear next-step predictor.
    pub fn linear(pca: PcaModel, linear: LinearPredictor, normal_rows: usize) -> Result<Self> {
        Self::assemble(NormalDetector::LinearPredictor, None, pca, linear, normal_rows)
    }

    /// The language-model detector needs `lm`; the linear detector may carry one beside it.
    pub fn assemble(detector: NormalDetector, lm: Option<&ProcessLm>, pca: PcaModel, linear: LinearPredictor, normal_rows: usize) -> Result<Self> {
        if detector == NormalDetector::ProcessLm && lm.is_none() {
            return Err(EngineError::Internal("a language-model bundle needs its language model".into()));
        }
        let lm = match lm {
            Some(lm) => {
                let weights = lm.weights()?;
                Some(LmPart {
                    settings: lm.settings.clone(),
                    tokenizer: lm.tokenizer.clone(),
                    threshold: lm.threshold,
                    best_epoch: lm.best_epoch,
                    history: lm.history.clone(),
                    weights_fnv1a: fnv1a(&weights),
                    weights_base64: base64::engine::general_purpose::STANDARD.encode(&weights),
                    surprise_baseline: lm.surprise_baseline.clone(),
                    widening: lm.widening,
                })
            }
            None => None,
        };
        Ok(Self {
            format: NORMAL_BUNDLE_FORMAT.to_owned(),
            version: NORMAL_BUNDLE_VERSION,
            detector,
            tags: linear.scale.tags.clone(),
            normal_rows,
            lm,
            pca,
            linear,
            sampling_interval_s: None,
            recipe: None,
        })
    }

    /// The alarm threshold of the bundle's detector.
    pub fn threshold(&self) -> f64 {
        match (self.detector, &self.lm) {
            (NormalDetector::ProcessLm, Some(lm)) => lm.threshold,
            _ => self.linear.threshold,
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec(self).map_err(|e| EngineError::Internal(format!("serializing the model: {e}")))?;
        crate::train::runs::write_atomic(path, &text)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let size = std::fs::metadata(path).map_err(|e| EngineError::from_io(path, e))?.len();
        if size > crate::evaluate::bundle::MAX_BUNDLE_BYTES {
            return Err(crate::evaluate::bundle::too_large(path, size));
        }
        let bytes = std::fs::read(path).map_err(|e| EngineError::from_io(path, e))?;
        Self::from_bytes(path, &bytes)
    }

    /// A bundle's contents, read from `path`, checked (what `load` does once the file is read;
    /// also the fuzz target's way in).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        let bad = |detail: Detail| EngineError::BadBundle { path: path.to_path_buf(), detail };
        let head: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| bad(Detail::coded("normal_bundle_not_json", [("why", e.to_string().into())])))?;
        if head.get("format").and_then(|f| f.as_str()) != Some(NORMAL_BUNDLE_FORMAT) {
            return Err(bad(Detail::coded("normal_bundle_not_normal_model", [])));
        }
        let version = head.get("version").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if version > u64::from(NORMAL_BUNDLE_VERSION) {
            return Err(EngineError::BundleVersion { path: path.to_path_buf(), found: version as u32, supported: NORMAL_BUNDLE_VERSION });
        }
        // The recipe is checked as a recipe file is (format version, every step's numbers), so
        // a changed one is refused before any step runs on new data.
        if let Some(recipe) = head.get("recipe").filter(|r| !r.is_null()) {
            crate::clean::recipe::parse(path, &recipe.to_string())?;
        }
        let bundle: NormalBundle =
            serde_json::from_value(head).map_err(|e| bad(Detail::coded("normal_bundle_parts_unreadable", [("why", e.to_string().into())])))?;
        if bundle.lm.as_ref().is_some_and(|lm| lm.tokenizer.tags != bundle.tags)
            || bundle.pca.scale.tags != bundle.tags
            || bundle.linear.scale.tags != bundle.tags
        {
            return Err(bad(Detail::coded("normal_bundle_tags_differ", [])));
        }
        if bundle.detector == NormalDetector::ProcessLm && bundle.lm.is_none() {
            return Err(bad(Detail::coded("normal_bundle_detector_missing", [])));
        }
        if let Some(part) = bundle.inconsistent_part() {
            let part = MessageArg::phrase(&format!("detail_part_{part}"), []);
            return Err(bad(Detail::coded("normal_bundle_part_misfit", [("part", part), ("tags", bundle.tags.len().into())])));
        }
        Ok(bundle)
    }

    /// The first part whose sizes disagree with the tags (scoring would read past its end), by
    /// the name of its `error-detail-part-…` phrase.
    fn inconsistent_part(&self) -> Option<&'static str> {
        let w = self.tags.len();
        let scale_ok = |a: &super::Autoscale| a.mean.len() == w && a.std.len() == w;
        if let Some(lm) = &self.lm {
            let t = &lm.tokenizer;
            let graded_tails_ok = (t.spread.is_empty() && t.tail_steps.is_empty()) || t.spread.len() == w;
            let holds_ok = t.longest_hold.is_empty() || t.longest_hold.len() == w;
            if t.bins < 2
                || t.edges.len() != w
                || t.edges.iter().any(|e| e.len() != t.bins - 1)
                || t.min.len() != w
                || t.max.len() != w
                || !graded_tails_ok
                || !holds_ok
            {
                return Some("tokenizer");
            }
        }
        let p = &self.pca;
        if !scale_ok(&p.scale) || p.components == 0 || p.eigenvalues.len() != p.components || p.loadings.len() != w.saturating_mul(p.components) {
            return Some("pca_model");
        }
        let l = &self.linear;
        let square = w.saturating_mul(w);
        if !scale_ok(&l.scale) || l.weights.len() != square || l.error_cholesky.len() != square || l.bias.len() != w || l.error_std.len() != w {
            return Some("linear_predictor");
        }
        // Sizes right, numbers still usable: finite, spreads and the factor's diagonal positive
        // (a hand-edited zero there would make every score fail half-way).
        let finite = |values: &[f64]| values.iter().all(|v| v.is_finite());
        let positive = |values: &[f64]| values.iter().all(|v| v.is_finite() && *v > 0.0);
        let scale_usable = |a: &super::Autoscale| finite(&a.mean) && positive(&a.std);
        if !scale_usable(&p.scale) || !finite(&p.loadings) || p.eigenvalues.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Some("pca_model");
        }
        let diagonal: Vec<f64> = (0..w).map(|i| l.error_cholesky[i * w + i]).collect();
        if !scale_usable(&l.scale)
            || !finite(&l.weights)
            || !finite(&l.bias)
            || !finite(&l.error_cholesky)
            || !positive(&diagonal)
            || !positive(&l.error_std)
        {
            return Some("linear_predictor");
        }
        None
    }

    /// The language model with its weights, checked against the stored checksum.
    pub fn language_model(&self, path: &Path) -> Result<ProcessLm> {
        let bad = |code: &str| EngineError::BadBundle { path: path.to_path_buf(), detail: Detail::coded(code, []) };
        let lm = self.lm.as_ref().ok_or_else(|| bad("normal_bundle_no_language_model"))?;
        let weights =
            base64::engine::general_purpose::STANDARD.decode(lm.weights_base64.as_bytes()).map_err(|_| bad("normal_bundle_weights_not_base64"))?;
        if fnv1a(&weights) != lm.weights_fnv1a {
            return Err(bad("normal_bundle_checksum"));
        }
        let scoring = LmScoring { threshold: lm.threshold, surprise_baseline: lm.surprise_baseline.clone(), widening: lm.widening };
        ProcessLm::from_parts(lm.tokenizer.clone(), lm.settings.clone(), scoring, lm.best_epoch, lm.history.clone(), weights)
    }
}
