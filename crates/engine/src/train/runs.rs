//! The run directory and the runs list.
//!
//! ```text
//! runs/<id>/run.lock          empty; locked by the training process for the run's whole life
//!           run.json          id, start time, data file, process id (written first)
//!           config.json       the TrainConfig
//!           recipe.json       the cleaning recipe, when one was given
//!           tokenizer.json    the fitted tokenizer
//!           network.json      the network's shape (to load the weights again)
//!           metrics.jsonl     one TrainUpdate per line, appended and flushed as training goes
//!           checkpoints/epoch-NNN.bpk   weights after each completed epoch
//!           best.bpk          the weights of the epoch best on validation
//!           summary.json      written last: the status and final metrics
//! ```
//!
//! A run without `summary.json` is running while some process holds the lock on its
//! `run.lock`, and was interrupted otherwise (crash, kill, power loss): the operating system
//! drops the lock when its process ends in any way, where a process id may be reused by
//! another program. Its completed epochs are still in `metrics.jsonl` and `checkpoints/`.
//! A run's id is its folder's name; the id inside `run.json` is for information only.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use plantlab_protocol::{
    BatchMetrics, ConfigDifference, EpochMetrics, NormalTrainRequest, RunComparison, RunDetail, RunEntry, RunStatus, RunSummary, TrainConfig,
    TrainDataInfo, TrainUpdate,
};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// What `run.json` holds. `run_id` and `pid` are for information only: the folder's name is
/// the id, and the lock on `run.lock` tells whether the run is alive.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunMeta {
    pub run_id: String,
    pub created: String,
    pub data: String,
    pub pid: u32,
}

/// The name of the file whose lock marks a run as alive.
pub const RUN_LOCK_FILE: &str = "run.lock";

/// The training process's exclusive lock on its run's `run.lock`, held until this value is
/// dropped or the process ends (a kill -9 included: the OS releases it), so other PlantLab
/// instances see the run as running exactly while it trains. std's `File::lock` is flock on
/// Unix and LockFileEx on Windows; both locks belong to the open file and end with the process.
#[derive(Debug)]
pub struct RunLock {
    // Never read: holding the open file holds the lock.
    _file: Option<fs::File>,
}

impl RunLock {
    fn take(dir: &Path) -> Result<Self> {
        let path = dir.join(RUN_LOCK_FILE);
        let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| io_err(&path, e))?;
        match file.lock() {
            Ok(()) => Ok(Self { _file: Some(file) }),
            // A file system without locks (some network shares: ENOLCK, unsupported) must not
            // stop training: the run then lists as running only in this process (its active list).
            Err(_) => Ok(Self { _file: None }),
        }
    }
}

/// True while some process (this one included) holds the lock of the run in `dir`. A run
/// without a lock file (made by an older PlantLab) is never held.
fn lock_held(dir: &Path) -> bool {
    let Ok(file) = fs::File::open(dir.join(RUN_LOCK_FILE)) else {
        return false;
    };
    // Dropping the file releases the lock if the probe took it; the lock of a run is taken
    // only as its folder is made, before run.json exists, so no trainer is ever kept waiting.
    matches!(file.try_lock(), Err(fs::TryLockError::WouldBlock))
}

pub(crate) fn io_err(path: &Path, e: std::io::Error) -> EngineError {
    EngineError::Io { path: path.to_path_buf(), source: e }
}

/// Writes a file whole or not at all, so a crash, a kill or a full disk never leaves half a
/// JSON document behind (run files, bundles, reports): see `atomic_file`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic_file::write_bytes(path, bytes)
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_vec_pretty(value).map_err(|e| EngineError::Internal(format!("serializing {}: {e}", path.display())))?;
    write_atomic(path, &text)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    fs::read(path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// A run's `summary.json`. A run saved before stop messages were coded gets its stop's code and
/// arguments back from its English message, so every reader words it in its own language.
fn read_summary(dir: &Path) -> Option<RunSummary> {
    let mut summary: RunSummary = read_json(&dir.join("summary.json"))?;
    if summary.message_code.is_empty() && summary.failure.is_none() {
        if let Some((code, args)) = super::StopReason::coded_from_english(&summary.message) {
            summary.message_code = code;
            summary.message_args = args;
        }
    }
    Some(summary)
}

/// A run id: start time plus model, made unique within `root`, with its folder made and its
/// lock taken. Keep the lock until the run ends (its summary written).
pub fn new_run_dir(root: &Path, model: &str) -> Result<(String, PathBuf, RunLock)> {
    fs::create_dir_all(root).map_err(|e| io_err(root, e))?;
    let stamp = format_utc(now_secs()).replace(['-', ':'], "").replace(' ', "-");
    for n in 0..1000 {
        let id = if n == 0 { format!("{stamp}-{model}") } else { format!("{stamp}-{model}-{n}") };
        let dir = root.join(&id);
        // create_dir (not _all) fails when it exists, so two runs never share a directory.
        match fs::create_dir(&dir) {
            Ok(()) => {
                return match RunLock::take(&dir) {
                    Ok(lock) => Ok((id, dir, lock)),
                    Err(e) => {
                        let _ = fs::remove_dir(&dir);
                        Err(e)
                    }
                };
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err(&dir, e)),
        }
    }
    Err(EngineError::Internal("could not find a free run id".into()))
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn format_utc(secs: i64) -> String {
    plantlab_protocol::format_epoch_millis(secs * 1000)
}

/// Appends lines to `metrics.jsonl`; each line is flushed to the OS when written so a
/// killed process loses nothing it reported.
pub struct MetricsLog {
    file: fs::File,
    path: PathBuf,
}

impl MetricsLog {
    pub fn create(path: &Path) -> Result<Self> {
        let file = fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| io_err(path, e))?;
        Ok(Self { file, path: path.to_path_buf() })
    }

    pub fn append(&mut self, update: &TrainUpdate) -> Result<()> {
        let mut line = serde_json::to_vec(update).map_err(|e| EngineError::Internal(e.to_string()))?;
        line.push(b'\n');
        // One write per line: a line is either whole in the file or absent.
        self.file.write_all(&line).map_err(|e| io_err(&self.path, e))
    }
}

/// Reads `metrics.jsonl`, skipping a torn last line.
fn read_metrics(dir: &Path) -> (Option<TrainDataInfo>, Vec<EpochMetrics>, Vec<BatchMetrics>) {
    let text = fs::read_to_string(dir.join("metrics.jsonl")).unwrap_or_default();
    let (mut data, mut epochs, mut batches) = (None, Vec::new(), Vec::new());
    for line in text.lines() {
        match serde_json::from_str::<TrainUpdate>(line) {
            Ok(TrainUpdate::Prepared { data: d, .. }) => data = Some(d),
            Ok(TrainUpdate::Epoch(e)) => epochs.push(e),
            Ok(TrainUpdate::Batch(b)) => batches.push(b),
            // A normal-operation language model's epoch draws on the same curves (no accuracy).
            Ok(TrainUpdate::NormalEpoch(e)) => epochs.push(EpochMetrics {
                epoch: e.epoch,
                train_loss: e.train_loss,
                train_accuracy: f64::NAN,
                val_loss: e.validation_loss,
                val_accuracy: f64::NAN,
                val_roc_auc: None,
                val_pr_auc: None,
                best: e.best,
                seconds: e.seconds,
                samples_per_s: f64::NAN,
            }),
            Err(_) => {}
        }
    }
    (data, epochs, batches)
}

/// When the folder was last changed, as `YYYY-MM-DD HH:MM:SS` UTC (empty when unknown).
fn folder_time(dir: &Path) -> String {
    let modified = fs::metadata(dir).and_then(|m| m.modified()).ok();
    let secs = modified.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs() as i64);
    secs.map(format_utc).unwrap_or_default()
}

/// The run's id: its folder's name (what `run_dir` finds it by), whatever `run.json` says.
fn folder_id(dir: &Path) -> Option<String> {
    dir.file_name().and_then(|name| name.to_str()).map(str::to_owned)
}

fn entry(dir: &Path, active: &[String]) -> Option<RunEntry> {
    let run_id = folder_id(dir)?;
    let meta: RunMeta = match read_json(&dir.join("run.json")) {
        Some(meta) => meta,
        // A run killed between making its folder and writing run.json: listed (so it can be
        // deleted) once its lock is free; while held, it is a run starting up.
        None if dir.join(RUN_LOCK_FILE).is_file() && !active.contains(&run_id) && !lock_held(dir) => {
            RunMeta { run_id: run_id.clone(), created: folder_time(dir), data: String::new(), pid: 0 }
        }
        None => return None,
    };
    let config: TrainConfig = read_json(&dir.join("config.json")).unwrap_or_default();
    // A model of normal operation keeps its request instead of a TrainConfig.
    let normal: Option<NormalTrainRequest> = read_json(&dir.join(crate::workbench::normal_api::NORMAL_CONFIG_FILE));
    let summary = read_summary(dir);
    let (_, epochs, _) = read_metrics(dir);
    let best = epochs.iter().rev().find(|e| e.best);
    let status = match &summary {
        Some(s) => s.status,
        // Our own runs in progress, and runs whose lock a live process holds, are running;
        // any other run without a summary was interrupted.
        None if active.contains(&run_id) || lock_held(dir) => RunStatus::Running,
        None => RunStatus::Interrupted,
    };
    // Coded like a summary's stop, so every reader words it in its own language.
    let coded = |code: &str, args: BTreeMap<String, plantlab_protocol::MessageArg>| {
        (crate::normal::wording::english_stop(code, &args), code.to_owned(), args)
    };
    let (message, message_code, message_args) = match (&summary, status) {
        (Some(s), _) => (s.message.clone(), s.message_code.clone(), s.message_args.clone()),
        // A normal-operation model is saved only at its end: nothing of it survives.
        (None, RunStatus::Interrupted) if normal.is_some() => coded("interrupted_normal", BTreeMap::new()),
        (None, RunStatus::Interrupted) => coded("interrupted", plantlab_protocol::message_args([("epochs", epochs.len().into())])),
        _ => coded("training", BTreeMap::new()),
    };
    Some(RunEntry {
        run_id,
        run_dir: dir.display().to_string(),
        created: meta.created,
        status,
        model: config.model,
        target: match &normal {
            Some(request) => request.fault_label.clone().unwrap_or_default(),
            None => config.target,
        },
        data: meta.data,
        epochs_run: summary.as_ref().map_or(epochs.len() as u32, |s| s.epochs_run),
        best_epoch: summary.as_ref().map_or(best.map_or(0, |b| b.epoch), |s| s.best_epoch),
        best_val_loss: best.map(|b| b.val_loss),
        test_roc_auc: summary.as_ref().and_then(|s| s.test.as_ref()).and_then(|t| t.roc_auc),
        test_pr_auc: summary.as_ref().and_then(|s| s.test.as_ref()).and_then(|t| t.pr_auc),
        message,
        message_code,
        message_args,
        failure: summary.as_ref().and_then(|s| s.failure.clone()),
        mode: config.mode,
        sampling_interval_s: sampling_interval_s(dir),
        normal: normal.map(|request| request.detector),
    })
}

/// The training data's sampling interval from the run's `quality.json` (the report of the
/// data it trained on), read as a single field so a report of an older layout still gives it.
fn sampling_interval_s(dir: &Path) -> Option<f64> {
    let report: serde_json::Value = read_json(&dir.join("quality.json"))?;
    report.get("sampling_interval_s")?.as_f64().filter(|s| s.is_finite() && *s > 0.0)
}

/// Every run under `root`, newest first. A missing root is an empty list.
pub fn list_runs(root: &Path, active: &[String]) -> Result<Vec<RunEntry>> {
    let Ok(read) = fs::read_dir(root) else {
        return Ok(Vec::new());
    };
    let mut runs: Vec<RunEntry> = read.flatten().filter(|e| e.path().is_dir()).filter_map(|e| entry(&e.path(), active)).collect();
    runs.sort_by(|a, b| b.created.cmp(&a.created).then(b.run_id.cmp(&a.run_id)));
    Ok(runs)
}

/// A run id must name a directory directly under the root: one plain path component, so no
/// separators, no `..`, and on Windows no drive prefix either (`C:x` joined to the root would
/// replace it with a folder on drive C).
pub fn run_dir(root: &Path, id: &str) -> Result<PathBuf> {
    let mut parts = Path::new(id).components();
    let single_name = matches!((parts.next(), parts.next()), (Some(std::path::Component::Normal(_)), None));
    if !single_name || id.contains(['/', '\\', ':']) {
        return Err(EngineError::RunNotFound(id.to_owned()));
    }
    let dir = root.join(id);
    if !dir.join("run.json").is_file() && !dir.join(RUN_LOCK_FILE).is_file() {
        return Err(EngineError::RunNotFound(id.to_owned()));
    }
    Ok(dir)
}

pub fn open_run(root: &Path, id: &str, active: &[String]) -> Result<RunDetail> {
    let dir = run_dir(root, id)?;
    let entry = entry(&dir, active).ok_or_else(|| EngineError::RunNotFound(id.to_owned()))?;
    let config: TrainConfig = read_json(&dir.join("config.json")).unwrap_or_default();
    let recipe = fs::read_to_string(dir.join("recipe.json")).ok();
    let (data, epochs, batches) = read_metrics(&dir);
    let summary = read_summary(&dir);
    Ok(RunDetail { entry, config, recipe, data, epochs, batches, summary })
}

pub fn delete_run(root: &Path, id: &str, active: &[String]) -> Result<()> {
    let dir = run_dir(root, id)?;
    // Training here, or holding its lock in another process.
    if active.iter().any(|a| a == id) || lock_held(&dir) {
        return Err(EngineError::RunBusy(id.to_owned()));
    }
    fs::remove_dir_all(&dir).map_err(|e| io_err(&dir, e))
}

/// Opens the runs and lists every setting (config and recipe) whose value differs.
pub fn compare_runs(root: &Path, ids: &[String], active: &[String]) -> Result<RunComparison> {
    let runs: Vec<RunDetail> = ids.iter().map(|id| open_run(root, id, active)).collect::<Result<_>>()?;
    let flat: Vec<BTreeMap<String, String>> = runs
        .iter()
        .map(|run| {
            let mut out = BTreeMap::new();
            if let Ok(config) = serde_json::to_value(&run.config) {
                flatten("config", &config, &mut out);
            }
            out.insert("data".into(), run.entry.data.clone());
            if let Some(recipe) = run.recipe.as_deref().and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok()) {
                flatten("recipe", &recipe, &mut out);
            }
            out
        })
        .collect();
    let mut fields: Vec<&String> = flat.iter().flat_map(|m| m.keys()).collect();
    fields.sort();
    fields.dedup();
    let differences = fields
        .into_iter()
        .filter_map(|field| {
            let values: Vec<Option<String>> = flat.iter().map(|m| m.get(field).cloned()).collect();
            let differ = values.windows(2).any(|w| w[0] != w[1]);
            differ.then(|| ConfigDifference { field: field.clone(), values })
        })
        .collect();
    Ok(RunComparison { runs, differences })
}

/// `{"a": {"b": [1, 2]}}` → `a.b[0] = 1`, `a.b[1] = 2`.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        serde_json::Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_saved_in_english_only_is_read_back_coded() {
        let dir = tempfile::tempdir().unwrap();
        let write = |message: &str, status: &str| {
            let summary = serde_json::json!({
                "run_id": "r", "run_dir": "r", "status": status, "message": message, "epochs_run": 7, "best_epoch": 4,
                "majority_accuracy": 0.9, "val": null, "test": null, "baseline": null, "seconds": 1.0
            });
            fs::write(dir.path().join("summary.json"), summary.to_string()).unwrap();
            read_summary(dir.path()).unwrap()
        };
        let chinese = plantlab_i18n::Catalog::new(plantlab_i18n::Lang::ZhCn);
        let early = write("early stopping after epoch 7: no better validation PR-AUC for 3 epochs; kept epoch 4", "completed");
        assert_eq!(early.message_code, "early_stopping");
        assert_eq!(plantlab_i18n::run_stop_text(&chinese, &early), "第 7 轮后早停：验证集 PR-AUC 已连续 3 轮没有提升；保留第 4 轮");
        let trees = write("completed all 48 rounds; kept round 18", "completed");
        assert_eq!(
            (trees.message_code.as_str(), trees.message_args.get("unit")),
            ("completed", Some(&plantlab_protocol::MessageArg::Text("round".into())))
        );
        assert_eq!(write("cancelled by the user", "cancelled").message_code, "cancelled");
        // Other texts stay as they were: a failure, or a wording this version never wrote.
        for text in ["the loss became NaN in epoch 3, batch 2", "stopped early at epoch 7"] {
            let kept = write(text, "failed");
            assert!(kept.message_code.is_empty() && kept.message == text, "{kept:?}");
        }
        assert_eq!(chinese.fallback_count(), 0);
    }

    #[test]
    fn flatten_names_nested_fields() {
        let mut out = BTreeMap::new();
        flatten("config", &serde_json::json!({"a": {"b": [1, "x"]}, "c": null}), &mut out);
        assert_eq!(out.get("config.a.b[0]").map(String::as_str), Some("1"));
        assert_eq!(out.get("config.a.b[1]").map(String::as_str), Some("x"));
        assert_eq!(out.get("config.c").map(String::as_str), Some("null"));
    }

    #[test]
    fn bad_run_ids_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        // A run id comes from the UI or the command line: nothing in it may leave the root.
        fs::create_dir(dir.path().join("inside")).unwrap();
        fs::write(dir.path().join("inside").join("run.json"), "{}").unwrap();
        for id in ["", ".", "..", "a/b", "a\\b", "inside/.", "./inside", "C:inside", "C:\\inside", "\\\\server\\share", "/inside", "nope"] {
            assert!(matches!(open_run(dir.path(), id, &[]), Err(EngineError::RunNotFound(_))), "{id}");
        }
        assert!(list_runs(&dir.path().join("missing"), &[]).unwrap().is_empty());
        assert_eq!(run_dir(dir.path(), "inside").unwrap(), dir.path().join("inside"));
    }

    #[test]
    fn run_cards_read_the_window_in_time() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("r1");
        fs::create_dir(&dir).unwrap();
        let meta = RunMeta { run_id: "r1".into(), created: "2026-12-01 00:00:00".into(), data: "x.csv".into(), pid: 0 };
        write_json(&dir.join("run.json"), &meta).unwrap();
        let config = TrainConfig { mode: plantlab_protocol::SequenceMode::Window { window: 30, stride: 5 }, ..TrainConfig::default() };
        write_json(&dir.join("config.json"), &config).unwrap();
        // Without a quality report the window is in rows.
        let entry = &list_runs(root.path(), &[]).unwrap()[0];
        assert_eq!(entry.sampling_interval_s, None);
        assert_eq!(entry.mode_text(), "window 30 rows, stride 5");
        fs::write(dir.join("quality.json"), r#"{"rows": 10, "sampling_interval_s": 60.0}"#).unwrap();
        let entry = &list_runs(root.path(), &[]).unwrap()[0];
        assert_eq!(entry.sampling_interval_s, Some(60.0));
        assert_eq!(entry.mode_text(), "window 30 × 1 min = 30 min, stride 5");
    }
}
