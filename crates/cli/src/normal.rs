//! `plantlab bench-normal TEP_DIR`: the normal-operation models on the Tennessee Eastman
//! benchmark (Braatz data). Every model is fitted on `d00.dat` (normal operation) only; the
//! false-alarm rate is measured on `d00_te.dat`, detection on `d01_te.dat` … `d21_te.dat`
//! (fault from sample 161). Prints one row per fault: PCA T² and Q at their theoretical 99 %
//! limits, the linear next-step predictor and the process language model (median and range
//! over seeds), each with its detection rate and detection delay.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use plantlab_engine::normal::detect::{detection, detection_delay};
use plantlab_engine::normal::linear::{LinearPredictor, LinearSettings};
use plantlab_engine::normal::lm::{LmSettings, ProcessLm};
use plantlab_engine::normal::pca::{PcaModel, DEFAULT_COMPONENTS};
use plantlab_engine::normal::tep::{read_tep, TEP_SAMPLE_MINUTES, TEP_TEST_ONSET};
use plantlab_engine::normal::{NormalRows, TagMatrix};
use plantlab_engine::JobContext;
use serde::Serialize;

use crate::args::{BenchNormalArgs, EvalArgs, TrainArgs};
use crate::json_out::print_json;

/// Alarms in a row that count as a detection (and start the delay).
const DELAY_RUN: usize = 3;
/// Faults no published method detects; left out of the mean detection rate.
const UNDETECTABLE: [usize; 3] = [3, 9, 15];

/// One detector's figures on one test run.
#[derive(Clone, Copy, Debug, Serialize)]
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

pub(crate) fn bench_tep(args: &BenchNormalArgs) -> Result<()> {
    let BenchNormalArgs { ref tep_dir, components, seeds, window, bins, epochs, smoothing, no_lm, json: json_output } = *args;
    let dir = tep_dir.clone();
    let run_lm = !no_lm;
    let lm = LmSettings { window, bins, max_epochs: epochs, smoothing, ..LmSettings::default() };
    let linear = LinearSettings { smoothing, ..LinearSettings::default() };
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

/// `bench-normal --json`.
#[derive(Serialize)]
struct TepJson<'a> {
    data: String,
    false_alarm_rate: TepFalseAlarms,
    faults: Vec<TepFault>,
    lm_runs: Vec<LmRunJson>,
    settings: TepSettings<'a>,
}

#[derive(Serialize)]
struct TepFalseAlarms {
    pca_t2: f64,
    pca_q: f64,
    linear: f64,
    lm: Vec<SeedRate>,
}

#[derive(Serialize)]
struct SeedRate {
    seed: u64,
    rate: f64,
}

#[derive(Serialize)]
struct TepFault {
    fault: usize,
    pca_t2: RunFigures,
    pca_q: RunFigures,
    linear: RunFigures,
    lm: Vec<SeedFigures>,
}

#[derive(Serialize)]
struct SeedFigures {
    seed: u64,
    #[serde(flatten)]
    figures: RunFigures,
}

#[derive(Serialize)]
struct LmRunJson {
    seed: u64,
    seconds: f64,
    epochs: usize,
    validation_loss: f64,
}

#[derive(Serialize)]
struct TepSettings<'a> {
    pca_components: usize,
    lm: &'a LmSettings,
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
        let faults = faults
            .iter()
            .enumerate()
            .map(|(i, (fault, _))| TepFault {
                fault: *fault,
                pca_t2: pca_rows[i].0,
                pca_q: pca_rows[i].1,
                linear: linear_rows[i],
                lm: lm_runs.iter().map(|r| SeedFigures { seed: r.seed, figures: r.rows[i] }).collect(),
            })
            .collect();
        print_json(&TepJson {
            data: dir.display().to_string(),
            false_alarm_rate: TepFalseAlarms {
                pca_t2: pca_far.0,
                pca_q: pca_far.1,
                linear: linear_far,
                lm: lm_runs.iter().map(|r| SeedRate { seed: r.seed, rate: r.far }).collect(),
            },
            faults,
            lm_runs: lm_runs
                .iter()
                .map(|r| LmRunJson { seed: r.seed, seconds: r.seconds, epochs: r.epochs, validation_loss: r.validation_loss })
                .collect(),
            settings: TepSettings { pca_components: components, lm },
        })?;
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

/// Whether `path` holds a normal-operation model (it names its format near the start).
pub(crate) fn is_normal_bundle(path: &Path) -> bool {
    let mut head = [0u8; 64];
    let Ok(mut file) = std::fs::File::open(path) else {
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

/// `train --model process-lm --json`.
#[derive(Serialize)]
struct TrainLmJson {
    run_id: String,
    run_dir: String,
    bundle: String,
    tags: usize,
    normal_rows: usize,
    epochs_run: usize,
    best_epoch: usize,
    validation_loss: f64,
    validation_perplexity: f64,
    threshold: f64,
    calibration_steps: usize,
    train_seconds: f64,
    baseline_linear_threshold: f64,
}

/// `train FILE --model process-lm …`: a normal-operation model with its PCA and linear baselines.
pub(crate) fn train_lm(args: &TrainArgs) -> Result<()> {
    if let Some(flag) = args.classifier_flags_given().first() {
        return Err(crate::usage_error(
            &["train"],
            clap::error::ErrorKind::ArgumentConflict,
            format!("{flag} is for the classifiers (--model seed, transformer or mlp), not --model process-lm"),
        ));
    }
    let defaults = LmSettings::default();
    let settings = LmSettings {
        window: args.window.map_or(defaults.window, |w| w as usize),
        bins: args.bins.map_or(defaults.bins, |b| b as usize),
        max_epochs: args.epochs.map_or(defaults.max_epochs, |e| e as usize),
        seed: args.seed.unwrap_or(defaults.seed),
        smoothing: args.smoothing.unwrap_or(defaults.smoothing),
        target_false_alarm_rate: args.target_far.unwrap_or(defaults.target_false_alarm_rate),
        ..defaults
    };
    // clap keeps --normal-when apart from --normal-from/--normal-to, and those two together.
    let choice = match (&args.normal_when, &args.normal_from, &args.normal_to) {
        (Some(when), _, _) => NormalChoice::When { column: when.column.clone(), value: when.value.clone() },
        (None, Some(from), Some(to)) => NormalChoice::Between { from: from.clone(), to: to.clone() },
        _ => NormalChoice::All,
    };
    let (file, json_output, mut exclude) = (&args.file, args.json, args.exclude.clone());
    // The column that marks normal rows says what the model must not see.
    if let NormalChoice::When { column, .. } = &choice {
        if !exclude.contains(column) {
            exclude.push(column.clone());
        }
    }
    let imported = load_frame(file)?;
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
    let root = args.runs.clone().unwrap_or_else(|| plantlab_engine::Workbench::new().runs_root());
    let (run_id, run_dir) = plantlab_engine::train::runs::new_run_dir(&root, "process-lm")?;
    let bundle_path = run_dir.join(NORMAL_BUNDLE_FILE);
    bundle.save(&bundle_path)?;
    if json_output {
        print_json(&TrainLmJson {
            run_id,
            run_dir: run_dir.display().to_string(),
            bundle: bundle_path.display().to_string(),
            tags: data.width(),
            normal_rows: normal_count,
            epochs_run: model.history.len(),
            best_epoch: model.best_epoch,
            validation_loss: model.validation_loss(),
            validation_perplexity: model.validation_loss().exp(),
            threshold: model.threshold,
            calibration_steps: model.calibration_steps,
            train_seconds: seconds,
            baseline_linear_threshold: bundle.linear.threshold,
        })?;
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
#[derive(Serialize)]
struct EpisodeEvents {
    episodes: Vec<Episode>,
    false_alarm_events: usize,
    false_alarms_per_1000_samples: Option<f64>,
}

#[derive(Serialize)]
struct Episode {
    onset_row: usize,
    end_row: usize,
    detected: bool,
    delay_samples: Option<usize>,
}

fn events(scores: &[f64], faulty: &[bool], threshold: f64) -> EpisodeEvents {
    let mut episodes = Vec::new();
    let mut i = 0;
    while i < faulty.len() {
        if faulty[i] {
            let onset = i;
            while i < faulty.len() && faulty[i] {
                i += 1;
            }
            let first = (onset..i).find(|&r| scores[r] > threshold);
            episodes.push(Episode { onset_row: onset, end_row: i, detected: first.is_some(), delay_samples: first.map(|r| r - onset) });
        } else {
            i += 1;
        }
    }
    let normal = faulty.iter().filter(|&&f| !f).count();
    let false_alarms = (0..scores.len())
        .filter(|&r| !faulty[r] && scores[r] > threshold && (r == 0 || scores[r - 1] <= threshold || scores[r - 1].is_nan()))
        .count();
    EpisodeEvents {
        episodes,
        false_alarm_events: false_alarms,
        false_alarms_per_1000_samples: if normal == 0 { None } else { Some(false_alarms as f64 * 1000.0 / normal as f64) },
    }
}

/// A detector's figures in `eval --json` of a normal-operation model.
#[derive(Serialize)]
struct DetectionJson {
    roc_auc: Option<f64>,
    pr_auc: Option<f64>,
    false_alarm_rate: Option<f64>,
    detection_rate: Option<f64>,
    threshold: f64,
    normal_samples: usize,
    fault_samples: usize,
}

impl From<&Detection> for DetectionJson {
    fn from(d: &Detection) -> Self {
        Self {
            roc_auc: d.roc_auc,
            pr_auc: d.pr_auc,
            false_alarm_rate: d.false_alarm_rate,
            detection_rate: d.detection_rate,
            threshold: d.threshold,
            normal_samples: d.normal_samples,
            fault_samples: d.fault_samples,
        }
    }
}

/// `eval --json` of a normal-operation model.
#[derive(Serialize)]
struct EvalNormalJson {
    file: String,
    label: String,
    test: DetectionJson,
    baseline_pca: DetectionJson,
    linear_predictor: DetectionJson,
    events: EpisodeEvents,
    events_pca: EpisodeEvents,
    events_linear: EpisodeEvents,
}

/// `eval FILE --bundle normal_model.json --label COL`: the language model next to its PCA
/// and linear baselines on a labelled file.
pub(crate) fn eval_normal(args: &EvalArgs) -> Result<()> {
    let refuse = |message: String| crate::usage_error(&["eval"], clap::error::ErrorKind::ArgumentConflict, message);
    let given = [("--threshold", args.threshold.is_some()), ("alarm options", args.alarm.any())];
    if let Some((flag, _)) = given.iter().find(|(_, on)| *on) {
        return Err(refuse(format!("{flag} cannot be used with a normal-operation model (its threshold and scoring were set in training)")));
    }
    let (Some(file), Some(bundle_path), Some(label)) = (&args.file, &args.bundle, &args.label) else {
        return Err(refuse("eval of a normal-operation model needs FILE, --bundle and --label COL".to_owned()));
    };
    let bundle = NormalBundle::load(bundle_path)?;
    let model = plantlab_engine::error::contain_panics(|| bundle.language_model(bundle_path))?;
    let imported = load_frame(file)?;
    let frame = &imported.frame;
    let faulty = fault_labels(frame, label)?;
    let data = tags_of(frame, &[], Some(label.as_str()))?.select_tags(&bundle.tags)?;
    let lm_scores = plantlab_engine::error::contain_panics(|| model.score(&data))?.total;
    let pca_scores = bundle.pca.score(&data)?.combined.total;
    let linear_scores = bundle.linear.score(&data)?.total;
    let lm = detection(&lm_scores, &faulty, model.threshold);
    let pca = detection(&pca_scores, &faulty, 1.0);
    let linear = detection(&linear_scores, &faulty, bundle.linear.threshold);
    if args.json {
        print_json(&EvalNormalJson {
            file: file.display().to_string(),
            label: label.clone(),
            test: (&lm).into(),
            baseline_pca: (&pca).into(),
            linear_predictor: (&linear).into(),
            events: events(&lm_scores, &faulty, model.threshold),
            events_pca: events(&pca_scores, &faulty, 1.0),
            events_linear: events(&linear_scores, &faulty, bundle.linear.threshold),
        })?;
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
