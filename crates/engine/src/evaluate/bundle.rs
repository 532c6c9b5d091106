//! The model bundle: one JSON file with everything needed to apply a trained model to a new
//! export — import settings and cleaning recipe, tokenizer, network shape, weights, training
//! config and metrics, the decision threshold, and a format version.
//!
//! Loading a bundle only parses JSON and numbers: nothing in it is executed. The weights are
//! base64 with a checksum, so a damaged file is refused rather than giving wrong predictions.

use std::path::Path;

use base64::Engine as _;
use plantlab_model::{NetSpec, Trainer};
use plantlab_protocol::{BundleInfo, EventOptions, ModelKind, Recipe, RunSummary, TrainConfig};
use plantlab_trees::Ensemble;
use serde::{Deserialize, Serialize};

use super::Scored;
use crate::error::{Detail, EngineError, Result};
use crate::train::data::Tokenizer;
use crate::train::fitted::{FittedModel, TREES_FILE};
use crate::train::runs::{self, RunMeta};

pub const BUNDLE_FORMAT: &str = "plantlab-model-bundle";
/// Version 2 added gradient-boosted trees and window features; a version-1 reader would
/// ignore the window features and score differently, so it must refuse these bundles.
pub const BUNDLE_VERSION: u32 = 2;
/// Largest bundle file read (its weights are base64, a third larger than the network).
pub const MAX_BUNDLE_BYTES: u64 = 1 << 30;

/// The bundle file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub format_version: u32,
    pub run_id: String,
    /// When the model was trained, `YYYY-MM-DD HH:MM:SS` UTC.
    pub created: String,
    /// The file it was trained on.
    pub data: String,
    pub config: TrainConfig,
    /// Import settings and cleaning steps, replayed on new data (never refitted).
    pub recipe: Recipe,
    pub tokenizer: Tokenizer,
    pub network: NetSpec,
    pub summary: Option<RunSummary>,
    /// The decision threshold on the risk.
    pub threshold: f64,
    /// How alarm samples merge into alarm events (bundles without it use the defaults).
    #[serde(default)]
    pub event_options: EventOptions,
    /// First and last time (epoch ms) of the training split, when it had a time axis.
    #[serde(default)]
    pub training_period_ms: Option<(i64, i64)>,
    /// The most frequent training class.
    pub majority_class: usize,
    /// FNV-1a 64 of the weight bytes, hex.
    pub weights_checksum: String,
    /// The best epoch's weights (burnpack), or the trees (JSON) up to the best round, base64.
    pub weights: String,
}

/// A bundle read back, with its network ready to predict.
pub struct LoadedBundle {
    pub bundle: Bundle,
    pub model: FittedModel,
    pub path: String,
}

impl LoadedBundle {
    pub fn info(&self) -> BundleInfo {
        info(&self.bundle, &self.path)
    }
}

pub fn info(bundle: &Bundle, path: &str) -> BundleInfo {
    BundleInfo {
        path: path.to_owned(),
        format_version: bundle.format_version,
        run_id: bundle.run_id.clone(),
        created: bundle.created.clone(),
        model: bundle.config.model,
        target: bundle.tokenizer.target.clone(),
        classes: bundle.tokenizer.classes.clone(),
        features: bundle.tokenizer.features.iter().map(|f| f.name().to_owned()).collect(),
        recipe_steps: bundle.recipe.steps.iter().filter(|s| s.enabled).count() as u32,
        threshold: bundle.threshold,
        test: bundle.summary.as_ref().and_then(|s| s.test.clone()),
        event_options: bundle.event_options,
        training_period_ms: bundle.training_period_ms,
    }
}

fn fnv1a64(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn bad(path: &Path, detail: Detail) -> EngineError {
    EngineError::BadBundle { path: path.to_path_buf(), detail }
}

/// A bundle `path` larger than a model bundle may be (`size` bytes).
pub(crate) fn too_large(path: &Path, size: u64) -> EngineError {
    EngineError::BadBundle {
        path: path.to_path_buf(),
        detail: Detail::coded("bundle_too_large", [("size", size.into()), ("max", MAX_BUNDLE_BYTES.into())]),
    }
}

fn read_part<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<T> {
    let path = dir.join(name);
    let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            EngineError::BadTrainConfig(Detail::coded("run_folder_incomplete", [("folder", dir.display().to_string().into()), ("file", name.into())]))
        }
        _ => EngineError::from_io(&path, e),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| EngineError::Internal(format!("reading {}: {e}", path.display())))
}

/// Builds the bundle of the run in `run_dir` (its best weights) and writes it to `out`, with
/// the alarm settings `events` (`None`: the defaults).
pub fn export(run_dir: &Path, out: &Path, threshold: Option<f64>, events: Option<EventOptions>) -> Result<BundleInfo> {
    if !run_dir.join("run.json").is_file() {
        return Err(EngineError::RunNotFound(run_dir.display().to_string()));
    }
    let threshold = threshold.unwrap_or(super::DEFAULT_THRESHOLD);
    if !threshold.is_finite() || !(0.0..=1.0).contains(&threshold) {
        return Err(EngineError::BadTrainConfig(Detail::coded("threshold_range", [("value", threshold.to_string().into())])));
    }
    let event_options = events.unwrap_or_default();
    super::check_event_options(&event_options)?;
    let meta: RunMeta = read_part(run_dir, "run.json")?;
    let scores: Scored = read_part(run_dir, "test_scores.json").map_err(|_| EngineError::NoEvaluationData(meta.run_id.clone()))?;
    let config: TrainConfig = read_part(run_dir, "config.json")?;
    let weights_path = run_dir.join(if config.model == ModelKind::Trees { TREES_FILE } else { "best.bpk" });
    let weights = std::fs::read(&weights_path).map_err(|e| EngineError::from_io(&weights_path, e))?;
    let bundle = Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        format_version: BUNDLE_VERSION,
        run_id: meta.run_id,
        created: meta.created,
        data: meta.data,
        config,
        recipe: read_part(run_dir, "recipe.json")?,
        tokenizer: read_part(run_dir, "tokenizer.json")?,
        network: read_part(run_dir, "network.json")?,
        summary: read_part(run_dir, "summary.json").ok(),
        threshold,
        event_options,
        training_period_ms: scores.training_period_ms,
        majority_class: scores.majority_class,
        weights_checksum: fnv1a64(&weights),
        weights: base64::engine::general_purpose::STANDARD.encode(&weights),
    };
    let text = serde_json::to_vec(&bundle).map_err(|e| EngineError::Internal(e.to_string()))?;
    runs::write_atomic(out, &text).map_err(|e| match e {
        EngineError::Io { path, source } => EngineError::Write { path, detail: crate::atomic_file::system_error(source) },
        other => other,
    })?;
    Ok(info(&bundle, &out.display().to_string()))
}

/// Reads and checks a bundle and loads its network.
pub fn open(path: &Path) -> Result<LoadedBundle> {
    let size = std::fs::metadata(path).map_err(|e| EngineError::from_io(path, e))?.len();
    if size > MAX_BUNDLE_BYTES {
        return Err(too_large(path, size));
    }
    let bytes = std::fs::read(path).map_err(|e| EngineError::from_io(path, e))?;
    open_bytes(path, &bytes)
}

/// A bundle's contents, read from `path`, checked and with its network loaded (what `open`
/// does once the file is read; also the fuzz target's way in).
pub fn open_bytes(path: &Path, bytes: &[u8]) -> Result<LoadedBundle> {
    if bytes.is_empty() {
        return Err(bad(path, Detail::coded("bundle_empty", [])));
    }
    // Format and version first, so a newer bundle says so instead of failing on a field.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| bad(path, Detail::coded("bundle_not_json", [("why", e.to_string().into())])))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(BUNDLE_FORMAT) {
        return Err(bad(path, Detail::coded("bundle_not_plantlab", [("format", BUNDLE_FORMAT.into())])));
    }
    let version = value.get("format_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if version > u64::from(BUNDLE_VERSION) {
        return Err(EngineError::BundleVersion { path: path.to_path_buf(), found: version as u32, supported: BUNDLE_VERSION });
    }
    let bundle: Bundle =
        serde_json::from_value(value).map_err(|e| bad(path, Detail::coded("bundle_part_damaged", [("why", e.to_string().into())])))?;
    let weights = base64::engine::general_purpose::STANDARD
        .decode(bundle.weights.as_bytes())
        .map_err(|e| bad(path, Detail::coded("bundle_weights_damaged", [("why", e.to_string().into())])))?;
    if fnv1a64(&weights) != bundle.weights_checksum {
        return Err(bad(path, Detail::coded("bundle_checksum", [])));
    }
    check_consistency(&bundle).map_err(|detail| bad(path, detail))?;
    let trees_damaged = |why: String| bad(path, Detail::coded("bundle_trees_damaged", [("why", why.into())]));
    let model = if bundle.network.kind == ModelKind::Trees {
        let ensemble: Ensemble = serde_json::from_slice(&weights).map_err(|e| trees_damaged(e.to_string()))?;
        ensemble.check().map_err(|e| trees_damaged(e.to_string()))?;
        if ensemble.features() != bundle.network.width || ensemble.classes() != bundle.tokenizer.classes.len() {
            return Err(bad(path, Detail::coded("bundle_trees_misfit", [])));
        }
        FittedModel::Trees(ensemble)
    } else {
        FittedModel::Net(
            Trainer::from_weight_bytes(bundle.network.clone(), weights)
                .map_err(|e| bad(path, Detail::coded("bundle_weights_misfit", [("why", e.to_string().into())])))?,
        )
    };
    Ok(LoadedBundle { bundle, model, path: path.display().to_string() })
}

/// The parts must describe the same model (a hand-edited bundle could mix them).
fn check_consistency(bundle: &Bundle) -> std::result::Result<(), Detail> {
    let tokenizer = &bundle.tokenizer;
    if tokenizer.classes.len() != bundle.network.classes || tokenizer.classes.len() < 2 {
        return Err(Detail::coded("bundle_class_count", [("tokenizer", tokenizer.classes.len().into()), ("network", bundle.network.classes.into())]));
    }
    if tokenizer.features.is_empty() {
        return Err(Detail::coded("bundle_no_features", []));
    }
    if bundle.majority_class >= tokenizer.classes.len() {
        return Err(Detail::coded("bundle_majority_class", []));
    }
    if !(0.0..=1.0).contains(&bundle.threshold) {
        return Err(Detail::coded("bundle_threshold", [("value", bundle.threshold.to_string().into())]));
    }
    let mut next = 0u32;
    for f in &tokenizer.features {
        if f.null_token() != next {
            return Err(Detail::coded("bundle_token_order", [("feature", f.name().into())]));
        }
        next = f.null_token().checked_add(f.token_count()).ok_or_else(|| Detail::coded("bundle_token_overflow", []))?;
    }
    if next != tokenizer.vocab_size {
        return Err(Detail::coded("bundle_vocabulary", []));
    }
    check_network_shape(bundle)
}

/// The network's sizes must be the ones its tokenizer and config make, so a bundle cannot
/// declare a network larger than the data it reads.
fn check_network_shape(bundle: &Bundle) -> std::result::Result<(), Detail> {
    let (network, tokenizer) = (&bundle.network, &bundle.tokenizer);
    if network.kind != bundle.config.model {
        return Err(Detail::coded(
            "bundle_kind_mismatch",
            [("network", network.kind.as_str().into()), ("config", bundle.config.model.as_str().into())],
        ));
    }
    let window = match bundle.config.mode {
        plantlab_protocol::SequenceMode::Row => 1,
        plantlab_protocol::SequenceMode::Window { window, .. } => window as usize,
    };
    let features = tokenizer.features.len();
    let (steps, per_step) = if window == 1 { (features, 1) } else { (window, features) };
    if let Some(spec) = &tokenizer.window_features {
        spec.check(features)?;
    }
    if let Some(spec) = &tokenizer.interactions {
        spec.check(features)?;
    }
    let dense = tokenizer.dense_width();
    let expected = [
        ("vocab", network.vocab, tokenizer.vocab_size as usize),
        ("steps", network.steps, steps),
        ("per_step", network.per_step, per_step),
        ("width", network.width, dense.saturating_mul(window)),
    ];
    let token_model = !network.kind.dense_input();
    for (name, declared, made) in expected {
        let applies = if name == "width" { !token_model } else { token_model };
        if applies && declared != made {
            return Err(Detail::coded("bundle_network_size", [("size", name.into()), ("declared", declared.into()), ("made", made.into())]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_stable_and_sensitive() {
        assert_eq!(fnv1a64(b""), "cbf29ce484222325");
        assert_ne!(fnv1a64(b"weights"), fnv1a64(b"weighty"));
    }

    #[test]
    fn non_bundles_fail_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8], &str); 4] = [
            ("empty.plmodel", b"", "empty"),
            ("half.plmodel", br#"{"format": "plantlab-model-bundle", "format_vers"#, "truncated"),
            ("other.plmodel", br#"{"hello": 1}"#, "not a PlantLab model bundle"),
            ("partial.plmodel", br#"{"format": "plantlab-model-bundle", "format_version": 1}"#, "missing or damaged"),
        ];
        for (name, bytes, expected) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let err = open(&path).err().unwrap();
            assert!(err.to_string().contains(expected), "{name}: {err}");
            assert_eq!(err.code(), "bad_bundle");
        }
        let newer = dir.path().join("newer.plmodel");
        std::fs::write(&newer, br#"{"format": "plantlab-model-bundle", "format_version": 99}"#).unwrap();
        let err = open(&newer).err().unwrap();
        assert_eq!(err.code(), "bundle_version", "{err}");
        assert!(err.to_string().contains("Update PlantLab"), "{err}");
        assert!(matches!(open(&dir.path().join("missing.plmodel")), Err(EngineError::NotFound(_))));
    }
}
