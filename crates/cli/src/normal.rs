//! `plantlab bench-normal TEP_DIR`: the normal-operation models on the Tennessee Eastman
//! benchmark (Braatz data). Every model is fitted on `d00.dat` (normal operation) only; the
//! false-alarm rate is measured on `d00_te.dat`, detection on `d01_te.dat` … `d21_te.dat`
//! (fault from sample 161). Prints one row per fault: PCA T² and Q at their theoretical 99 %
//! limits, the linear next-step predictor and the process language model (median and range
//! over seeds), each with its detection rate and detection delay.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use plantlab_engine::normal::detect::{detection, detection_delay};
use plantlab_engine::normal::linear::{LinearPredictor, LinearSettings};
use plantlab_engine::normal::lm::{LmSettings, ProcessLm};
use plantlab_engine::normal::pca::{PcaModel, DEFAULT_COMPONENTS};
use plantlab_engine::normal::tep::{read_tep, TEP_SAMPLE_MINUTES, TEP_TEST_ONSET};
use plantlab_engine::normal::{NormalRows, TagMatrix};
use plantlab_engine::JobContext;
use serde_json::json;

use crate::flag_number;

const USAGE: &str = "usage: plantlab bench-normal TEP_DIR [--components K] [--seeds N] [--window W] [--bins B]
                      [--epochs E] [--smoothing S] [--no-lm] [--json]";

/// Alarms in a row that count as a detection (and start the delay).
const DELAY_RUN: usize = 3;
/// Faults no published method detects; left out of the mean detection rate.
const UNDETECTABLE: [usize; 3] = [3, 9, 15];

/// One detector's figures on one test run.
#[derive(Clone, Copy, Debug)]
struct RunFigures {
    detection_rate: f64,
    delay_min: Option<f64>,
}

fn figures(scores: &[f64], threshold: f64) -> RunFigures {
    let faulty: Vec<bool> = (0..scores.len()).map(|i| i >= TEP_TEST_ONSET).collect();
    let d = detection(scores, &faulty, threshold);
    RunFigures {
        detection_rate: d.detection_rate.unwrap_or(0.0),
        delay_min: detection_delay(scores, threshold, TEP_TEST_ONSET, DELAY_RUN).map(|s| s as f64 * TEP_SAMPLE_MINUTES),
    }
}

fn false_alarm_rate(scores: &[f64], threshold: f64) -> f64 {
    let scored: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    scored.iter().filter(|&&s| s > threshold).count() as f64 / scored.len().max(1) as f64
}

pub(crate) fn bench_tep(args: &[String]) -> Result<()> {
    let mut dir: Option<PathBuf> = None;
    let (mut components, mut seeds, mut json_output, mut run_lm) = (DEFAULT_COMPONENTS, 5u64, false, true);
    let mut lm = LmSettings::default();
    let mut linear = LinearSettings::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--components" => components = flag_number(&mut it, "--components")?,
            "--seeds" => seeds = flag_number(&mut it, "--seeds")?,
            "--window" => lm.window = flag_number(&mut it, "--window")?,
            "--bins" => lm.bins = flag_number(&mut it, "--bins")?,
            "--epochs" => lm.max_epochs = flag_number(&mut it, "--epochs")?,
            "--smoothing" => {
                let s: usize = flag_number(&mut it, "--smoothing")?;
                lm.smoothing = s;
                linear.smoothing = s;
            }
            "--no-lm" => run_lm = false,
            "--json" => json_output = true,
            flag if flag.starts_with("--") => bail!("unknown option {flag}; {USAGE}"),
            path if dir.is_none() => dir = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument \"{extra}\"; {USAGE}"),
        }
    }
    let Some(dir) = dir else {
        bail!("bench-normal needs the folder with d00.dat, d00_te.dat and dNN_te.dat; {USAGE}");
    };
    let read = |name: &str| -> Result<TagMatrix> { read_tep(&dir.join(name)).with_context(|| format!("cannot read {name}")) };
    let train = read("d00.dat")?;
    let normal_test = read("d00_te.dat")?;
    let faults: Vec<(usize, TagMatrix)> = (1..=21).map(|f| Ok((f, read(&format!("d{f:02}_te.dat"))?))).collect::<Result<_>>()?;
    eprintln!("d00.dat: {} normal samples × {} variables; {} test runs", train.rows, train.width(), faults.len());

    // PCA T² and Q at their theoretical 99 % limits, fitted on all of d00.
    let pca = PcaModel::fit(&train, components, 0.99)?;
    let pca_normal = pca.score(&normal_test)?;
    let pca_far = (false_alarm_rate(&pca_normal.t2, pca.t2_limit), false_alarm_rate(&pca_normal.q, pca.q_limit));
    let mut pca_rows = Vec::new();
    for (_, run) in &faults {
        let s = pca.score(run)?;
        pca_rows.push((figures(&s.t2, pca.t2_limit), figures(&s.q, pca.q_limit)));
    }

    // The linear next-step predictor: fitted on the first 80 % of d00, threshold calibrated
    // on the last 20 % for a 1 % false-alarm rate.
    let predictor = LinearPredictor::fit(&train, &NormalRows::All, linear)?;
    let linear_far = false_alarm_rate(&predictor.score(&normal_test)?.total, predictor.threshold);
    let mut linear_rows = Vec::new();
    for (_, run) in &faults {
        linear_rows.push(figures(&predictor.score(run)?.total, predictor.threshold));
    }

    // The process language model, once per seed.
    let mut lm_runs: Vec<LmRun> = Vec::new();
    if run_lm {
        for seed in 1..=seeds {
            let settings = LmSettings { seed, ..lm.clone() };
            let start = Instant::now();
            let model = ProcessLm::train(&train, &NormalRows::All, settings, &JobContext::detached(), |e| {
                eprintln!(
                    "seed {seed} epoch {:>3}: train {:.4}  validation {:.4} (perplexity {:.3})",
                    e.epoch, e.train_loss, e.validation_loss, e.validation_perplexity
                );
            })?;
            let seconds = start.elapsed().as_secs_f64();
            let far = false_alarm_rate(&model.score(&normal_test)?.total, model.threshold);
            let mut rows = Vec::new();
            for (_, run) in &faults {
                rows.push(figures(&model.score(run)?.total, model.threshold));
            }
            eprintln!(
                "seed {seed}: {} epochs (best {}), {:.1} s, validation loss {:.4}, false alarms on d00_te {:.1} %",
                model.history.len(),
                model.best_epoch,
                seconds,
                model.validation_loss(),
                far * 100.0
            );
            lm_runs.push(LmRun { seed, far, rows, seconds, epochs: model.history.len(), validation_loss: model.validation_loss() });
        }
    }
    report(&dir, &faults, pca_far, &pca_rows, linear_far, &linear_rows, &lm_runs, components, &lm, json_output)
}

struct LmRun {
    seed: u64,
    far: f64,
    rows: Vec<RunFigures>,
    seconds: f64,
    epochs: usize,
    validation_loss: f64,
}

fn median_range(values: &[f64]) -> Option<(f64, f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    let median = if v.len() % 2 == 1 { v[mid] } else { 0.5 * (v[mid - 1] + v[mid]) };
    Some((median, v[0], v[v.len() - 1]))
}

fn mean_detectable(rates: impl Iterator<Item = (usize, f64)>) -> f64 {
    let kept: Vec<f64> = rates.filter(|(f, _)| !UNDETECTABLE.contains(f)).map(|(_, r)| r).collect();
    kept.iter().sum::<f64>() / kept.len().max(1) as f64
}

#[allow(clippy::too_many_arguments)]
fn report(
    dir: &Path,
    faults: &[(usize, TagMatrix)],
    pca_far: (f64, f64),
    pca_rows: &[(RunFigures, RunFigures)],
    linear_far: f64,
    linear_rows: &[RunFigures],
    lm_runs: &[LmRun],
    components: usize,
    lm: &LmSettings,
    json_output: bool,
) -> Result<()> {
    let pct = |v: f64| format!("{:.1}", v * 100.0);
    let delay = |d: Option<f64>| d.map_or_else(|| "-".to_owned(), |d| format!("{d:.0}"));
    let lm_rate = |i: usize| median_range(&lm_runs.iter().map(|r| r.rows[i].detection_rate).collect::<Vec<_>>());
    let lm_delay = |i: usize| {
        let d: Vec<f64> = lm_runs.iter().filter_map(|r| r.rows[i].delay_min).collect();
        if d.len() * 2 > lm_runs.len() {
            median_range(&d).map(|m| m.0)
        } else {
            None
        }
    };
    let lm_far = median_range(&lm_runs.iter().map(|r| r.far).collect::<Vec<_>>());
    if json_output {
        let per_fault: Vec<_> = faults
            .iter()
            .enumerate()
            .map(|(i, (f, _))| {
                json!({
                    "fault": f,
                    "pca_t2": {"detection_rate": pca_rows[i].0.detection_rate, "delay_min": pca_rows[i].0.delay_min},
                    "pca_q": {"detection_rate": pca_rows[i].1.detection_rate, "delay_min": pca_rows[i].1.delay_min},
                    "linear": {"detection_rate": linear_rows[i].detection_rate, "delay_min": linear_rows[i].delay_min},
                    "lm": lm_runs.iter().map(|r| json!({"seed": r.seed, "detection_rate": r.rows[i].detection_rate, "delay_min": r.rows[i].delay_min})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let out = json!({
            "data": dir.display().to_string(),
            "false_alarm_rate": {"pca_t2": pca_far.0, "pca_q": pca_far.1, "linear": linear_far,
                                  "lm": lm_runs.iter().map(|r| json!({"seed": r.seed, "rate": r.far})).collect::<Vec<_>>()},
            "faults": per_fault,
            "lm_runs": lm_runs.iter().map(|r| json!({"seed": r.seed, "seconds": r.seconds, "epochs": r.epochs, "validation_loss": r.validation_loss})).collect::<Vec<_>>(),
            "settings": {"pca_components": components, "lm": lm},
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "Tennessee Eastman, fitted on d00.dat; detection rate % of samples 161-960, delay in minutes to the first of {DELAY_RUN} alarms in a row"
    );
    println!(
        "{:>5} | {:>7} {:>6} | {:>7} {:>6} | {:>7} {:>6} | {:>17} {:>6}",
        "fault", "PCA T2", "delay", "PCA Q", "delay", "linear", "delay", "LM median [range]", "delay"
    );
    for (i, (f, _)) in faults.iter().enumerate() {
        let lm_cell = lm_rate(i).map_or_else(|| "-".to_owned(), |(m, lo, hi)| format!("{} [{}-{}]", pct(m), pct(lo), pct(hi)));
        println!(
            "{:>5} | {:>7} {:>6} | {:>7} {:>6} | {:>7} {:>6} | {:>17} {:>6}",
            f,
            pct(pca_rows[i].0.detection_rate),
            delay(pca_rows[i].0.delay_min),
            pct(pca_rows[i].1.detection_rate),
            delay(pca_rows[i].1.delay_min),
            pct(linear_rows[i].detection_rate),
            delay(linear_rows[i].delay_min),
            lm_cell,
            delay(lm_delay(i))
        );
    }
    let lm_mean = median_range(
        &lm_runs.iter().map(|r| mean_detectable(faults.iter().map(|(f, _)| *f).zip(r.rows.iter().map(|x| x.detection_rate)))).collect::<Vec<_>>(),
    );
    println!(
        "{:>5} | {:>7} {:>6} | {:>7} {:>6} | {:>7} {:>6} | {:>17}",
        "mean*",
        pct(mean_detectable(faults.iter().map(|(f, _)| *f).zip(pca_rows.iter().map(|r| r.0.detection_rate)))),
        "",
        pct(mean_detectable(faults.iter().map(|(f, _)| *f).zip(pca_rows.iter().map(|r| r.1.detection_rate)))),
        "",
        pct(mean_detectable(faults.iter().map(|(f, _)| *f).zip(linear_rows.iter().map(|r| r.detection_rate)))),
        "",
        lm_mean.map_or_else(|| "-".to_owned(), |(m, lo, hi)| format!("{} [{}-{}]", pct(m), pct(lo), pct(hi)))
    );
    println!(
        "{:>5} | {:>7} {:>6} | {:>7} {:>6} | {:>7} {:>6} | {:>17}",
        "FAR",
        pct(pca_far.0),
        "",
        pct(pca_far.1),
        "",
        pct(linear_far),
        "",
        lm_far.map_or_else(|| "-".to_owned(), |(m, lo, hi)| format!("{} [{}-{}]", pct(m), pct(lo), pct(hi)))
    );
    println!("mean*: over faults 1-21 without 3, 9 and 15; FAR: % of the 960 normal samples of d00_te above the threshold");
    if let Some((m, lo, hi)) = median_range(&lm_runs.iter().map(|r| r.seconds).collect::<Vec<_>>()) {
        println!("LM training: {m:.1} s median [{lo:.1}-{hi:.1}] per seed, settings {lm:?}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// `plantlab train FILE --model process-lm …` and `plantlab eval FILE --bundle normal_model.json`

use plantlab_engine::normal::bundle::{NormalBundle, NORMAL_BUNDLE_FILE, NORMAL_BUNDLE_FORMAT};
use plantlab_engine::normal::detect::Detection;
use plantlab_engine::normal::frame::{fault_labels, normal_rows, tags_of, NormalChoice};
use plantlab_protocol::ImportOverrides;

const TRAIN_USAGE: &str = "usage: plantlab train FILE --model process-lm [--normal-when COL=VALUE | --normal-from T --normal-to T]
                      [--exclude COL]... [--window W] [--bins B] [--epochs E] [--seed S] [--smoothing S]
                      [--target-far R] [--runs DIR] [--json]
       plantlab eval FILE --bundle RUN_DIR/normal_model.json --label COL [--json]";

/// Whether a `train` command line asks for the process language model.
pub(crate) fn wants_process_lm(args: &[String]) -> bool {
    args.windows(2).any(|w| w[0] == "--model" && w[1] == "process-lm")
}

/// Whether an `eval` command line names a normal-operation model as its bundle.
pub(crate) fn names_normal_bundle(args: &[String]) -> bool {
    let Some(path) = args.windows(2).find(|w| w[0] == "--bundle").map(|w| PathBuf::from(&w[1])) else {
        return false;
    };
    let mut head = [0u8; 64];
    let Ok(mut file) = std::fs::File::open(&path) else {
        return false;
    };
    let n = std::io::Read::read(&mut file, &mut head).unwrap_or(0);
    String::from_utf8_lossy(&head[..n]).contains(NORMAL_BUNDLE_FORMAT)
}

/// Reads a data file as the rest of PlantLab does (sniffed dialect, timestamp column).
fn load_frame(file: &Path) -> Result<plantlab_engine::import::Imported> {
    plantlab_engine::import::import(file, &ImportOverrides::default(), &JobContext::detached())
        .with_context(|| format!("cannot read {}", file.display()))
}

pub(crate) fn train_lm(args: &[String]) -> Result<()> {
    let (mut file, mut choice, mut exclude, mut json_output, mut runs) = (None, NormalChoice::All, Vec::new(), false, None);
    let (mut from, mut to) = (None, None);
    let mut settings = LmSettings::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--model" => {
                let m = crate::flag_value(&mut it, "--model")?;
                if m != "process-lm" {
                    bail!("this command trains --model process-lm, not {m}");
                }
            }
            "--normal-when" => {
                let v = crate::flag_value(&mut it, "--normal-when")?;
                let Some((column, value)) = v.split_once('=') else {
                    bail!("--normal-when takes COL=VALUE (e.g. label=0), not \"{v}\"");
                };
                choice = NormalChoice::When { column: column.trim().to_owned(), value: value.trim().to_owned() };
            }
            "--normal-from" => from = Some(crate::flag_value(&mut it, "--normal-from")?),
            "--normal-to" => to = Some(crate::flag_value(&mut it, "--normal-to")?),
            "--exclude" => exclude.push(crate::flag_value(&mut it, "--exclude")?),
            "--window" => settings.window = flag_number(&mut it, "--window")?,
            "--bins" => settings.bins = flag_number(&mut it, "--bins")?,
            "--epochs" => settings.max_epochs = flag_number(&mut it, "--epochs")?,
            "--seed" => settings.seed = flag_number(&mut it, "--seed")?,
            "--smoothing" => settings.smoothing = flag_number(&mut it, "--smoothing")?,
            "--target-far" => settings.target_false_alarm_rate = flag_number(&mut it, "--target-far")?,
            "--runs" => runs = Some(PathBuf::from(crate::flag_value(&mut it, "--runs")?)),
            "--json" => json_output = true,
            flag if flag.starts_with("--") => bail!("unknown option {flag}; {TRAIN_USAGE}"),
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument \"{extra}\"; {TRAIN_USAGE}"),
        }
    }
    let Some(file) = file else {
        bail!("train needs a FILE; {TRAIN_USAGE}");
    };
    match (from, to) {
        (Some(from), Some(to)) => {
            if choice != NormalChoice::All {
                bail!("choose the normal rows one way: --normal-when or --normal-from/--normal-to");
            }
            choice = NormalChoice::Between { from, to };
        }
        (None, None) => {}
        _ => bail!("--normal-from and --normal-to go together"),
    }
    // The column that marks normal rows says what the model must not see.
    if let NormalChoice::When { column, .. } = &choice {
        if !exclude.contains(column) {
            exclude.push(column.clone());
        }
    }
    let imported = load_frame(&file)?;
    let frame = &imported.frame;
    let normal = normal_rows(frame, &choice, imported.settings.timestamp_column.as_deref())?;
    let data = tags_of(frame, &exclude, None)?;
    let segments = normal.segments(data.rows)?;
    let normal_count: usize = segments.iter().map(|(s, e)| e - s).sum();
    let start = Instant::now();
    // A failure inside the tensor library becomes an error with a message, not an abort.
    let model = plantlab_engine::error::contain_panics(|| {
        ProcessLm::train(&data, &normal, settings.clone(), &JobContext::detached(), |e| {
            if !json_output {
                eprintln!(
                    "epoch {:>3}: train {:.4}  validation {:.4} (perplexity {:.3})",
                    e.epoch, e.train_loss, e.validation_loss, e.validation_perplexity
                );
            }
        })
    })?;
    let seconds = start.elapsed().as_secs_f64();
    // The baselines on the same normal rows: PCA with its theoretical limits, the linear
    // predictor calibrated on the same held-out share as the language model.
    let normal_data = plantlab_engine::normal::stack_segments(&data, &segments);
    let pca = PcaModel::fit(&normal_data, DEFAULT_COMPONENTS.min(data.width().saturating_sub(1)).max(1), 0.99)?;
    let linear = LinearPredictor::fit(
        &data,
        &normal,
        LinearSettings {
            smoothing: settings.smoothing,
            target_false_alarm_rate: settings.target_false_alarm_rate,
            holdout: settings.holdout,
            ..LinearSettings::default()
        },
    )?;
    let bundle = NormalBundle::new(&model, pca, linear, normal_count)?;
    let root = runs.unwrap_or_else(|| plantlab_engine::Workbench::new().runs_root());
    let (run_id, run_dir) = plantlab_engine::train::runs::new_run_dir(&root, "process-lm")?;
    let bundle_path = run_dir.join(NORMAL_BUNDLE_FILE);
    bundle.save(&bundle_path)?;
    let out = json!({
        "run_id": run_id,
        "run_dir": run_dir.display().to_string(),
        "bundle": bundle_path.display().to_string(),
        "tags": data.width(),
        "normal_rows": normal_count,
        "epochs_run": model.history.len(),
        "best_epoch": model.best_epoch,
        "validation_loss": model.validation_loss(),
        "validation_perplexity": model.validation_loss().exp(),
        "threshold": model.threshold,
        "calibration_steps": model.calibration_steps,
        "train_seconds": seconds,
        "baseline_linear_threshold": bundle.linear.threshold,
    });
    if json_output {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "process language model: {} tags, {normal_count} normal rows, {} epochs (best {}), validation loss {:.4} (perplexity {:.3}), threshold {:.3}; {}",
            data.width(),
            model.history.len(),
            model.best_epoch,
            model.validation_loss(),
            model.validation_loss().exp(),
            model.threshold,
            bundle_path.display()
        );
    }
    Ok(())
}

/// Per fault episode (a run of label ≠ 0 rows): detected or not, and the delay in samples
/// from its onset to the first alarm inside it; plus false-alarm events per 1,000 normal samples.
fn events(scores: &[f64], faulty: &[bool], threshold: f64) -> serde_json::Value {
    let mut episodes = Vec::new();
    let mut i = 0;
    while i < faulty.len() {
        if faulty[i] {
            let onset = i;
            while i < faulty.len() && faulty[i] {
                i += 1;
            }
            let first = (onset..i).find(|&r| scores[r] > threshold);
            episodes.push(json!({"onset_row": onset, "end_row": i, "detected": first.is_some(), "delay_samples": first.map(|r| r - onset)}));
        } else {
            i += 1;
        }
    }
    let normal = faulty.iter().filter(|&&f| !f).count();
    let false_alarms = (0..scores.len())
        .filter(|&r| !faulty[r] && scores[r] > threshold && (r == 0 || scores[r - 1] <= threshold || scores[r - 1].is_nan()))
        .count();
    json!({
        "episodes": episodes,
        "false_alarm_events": false_alarms,
        "false_alarms_per_1000_samples": if normal == 0 { None } else { Some(false_alarms as f64 * 1000.0 / normal as f64) },
    })
}

fn detection_json(d: &Detection) -> serde_json::Value {
    json!({
        "roc_auc": d.roc_auc, "pr_auc": d.pr_auc, "false_alarm_rate": d.false_alarm_rate,
        "detection_rate": d.detection_rate, "threshold": d.threshold,
        "normal_samples": d.normal_samples, "fault_samples": d.fault_samples,
    })
}

pub(crate) fn eval_normal(args: &[String]) -> Result<()> {
    let (mut file, mut bundle_path, mut label, mut json_output) = (None, None, None, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bundle" => bundle_path = Some(PathBuf::from(crate::flag_value(&mut it, "--bundle")?)),
            "--label" => label = Some(crate::flag_value(&mut it, "--label")?),
            "--json" => json_output = true,
            flag if flag.starts_with("--") => bail!("unknown option {flag} for a normal-operation model; {TRAIN_USAGE}"),
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument \"{extra}\"; {TRAIN_USAGE}"),
        }
    }
    let (Some(file), Some(bundle_path), Some(label)) = (file, bundle_path, label) else {
        bail!("eval of a normal-operation model needs FILE, --bundle and --label COL; {TRAIN_USAGE}");
    };
    let bundle = NormalBundle::load(&bundle_path)?;
    let model = plantlab_engine::error::contain_panics(|| bundle.language_model(&bundle_path))?;
    let imported = load_frame(&file)?;
    let frame = &imported.frame;
    let faulty = fault_labels(frame, &label)?;
    let data = tags_of(frame, &[], Some(label.as_str()))?.select_tags(&bundle.tags)?;
    let lm_scores = plantlab_engine::error::contain_panics(|| model.score(&data))?.total;
    let pca_scores = bundle.pca.score(&data)?.combined.total;
    let linear_scores = bundle.linear.score(&data)?.total;
    let lm = detection(&lm_scores, &faulty, model.threshold);
    let pca = detection(&pca_scores, &faulty, 1.0);
    let linear = detection(&linear_scores, &faulty, bundle.linear.threshold);
    let out = json!({
        "file": file.display().to_string(),
        "label": label,
        "test": detection_json(&lm),
        "baseline_pca": detection_json(&pca),
        "linear_predictor": detection_json(&linear),
        "events": events(&lm_scores, &faulty, model.threshold),
        "events_pca": events(&pca_scores, &faulty, 1.0),
        "events_linear": events(&linear_scores, &faulty, bundle.linear.threshold),
    });
    if json_output {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let pct = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{:.1} %", v * 100.0));
        let auc = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"));
        println!("{:24} {:>9} {:>9} {:>12} {:>12}", "model", "ROC-AUC", "PR-AUC", "false alarms", "detection");
        for (name, d) in [("process language model", &lm), ("PCA T²/Q (99 %)", &pca), ("linear next-step", &linear)] {
            println!("{:24} {:>9} {:>9} {:>12} {:>12}", name, auc(d.roc_auc), auc(d.pr_auc), pct(d.false_alarm_rate), pct(d.detection_rate));
        }
    }
    Ok(())
}
