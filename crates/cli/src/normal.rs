//! `plantlab bench-normal TEP_DIR`: the normal-operation models on the Tennessee Eastman
//! benchmark (Braatz data). Every model is fitted on `d00.dat` (normal operation) only; the
//! false-alarm rate is measured on `d00_te.dat`, detection on `d01_te.dat` … `d21_te.dat`
//! (fault from sample 161). Prints one row per fault: PCA T² and Q at their theoretical 99 %
//! limits, the linear next-step predictor and the process language model (median and range
//! over seeds), each with its detection rate and detection delay.

use crate::i18n::{pad_end, pad_start, tr, tr_with};
use plantlab_i18n::Arg;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use plantlab_engine::normal::detect::{detection, detection_delay};
use plantlab_engine::normal::linear::{LinearPredictor, LinearSettings};
use plantlab_engine::normal::lm::{LmSettings, ProcessLm};
use plantlab_engine::normal::pca::PcaModel;
use plantlab_engine::normal::tep::{read_tep, TEP_SAMPLE_MINUTES, TEP_TEST_ONSET};
use plantlab_engine::normal::{NormalRows, TagMatrix};
use plantlab_engine::train::metrics::roc_auc;
use plantlab_engine::JobContext;
use serde::Serialize;

use crate::args::{BenchNormalArgs, BundleArgs, EvalArgs, PredictArgs, TrainArgs};
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
    /// ROC-AUC of the score, the run's fault samples against the normal samples of d00_te:
    /// how well the score ranks them, whatever the threshold.
    roc_auc: f64,
}

fn figures(scores: &[f64], threshold: f64, normal_scores: &[f64]) -> RunFigures {
    let faulty: Vec<bool> = (0..scores.len()).map(|i| i >= TEP_TEST_ONSET).collect();
    let d = detection(scores, &faulty, threshold);
    let ranked: Vec<(f64, bool)> = scores[TEP_TEST_ONSET.min(scores.len())..]
        .iter()
        .map(|&s| (s, true))
        .chain(normal_scores.iter().map(|&s| (s, false)))
        .filter(|(s, _)| s.is_finite())
        .collect();
    let (values, truth): (Vec<f64>, Vec<bool>) = ranked.into_iter().unzip();
    RunFigures {
        detection_rate: d.detection_rate.unwrap_or(0.0),
        delay_min: detection_delay(scores, threshold, TEP_TEST_ONSET, DELAY_RUN).map(|s| s as f64 * TEP_SAMPLE_MINUTES),
        roc_auc: roc_auc(&values, &truth).unwrap_or(f64::NAN),
    }
}

fn false_alarm_rate(scores: &[f64], threshold: f64) -> f64 {
    let scored: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    scored.iter().filter(|&&s| s > threshold).count() as f64 / scored.len().max(1) as f64
}

pub(crate) fn bench_tep(args: &BenchNormalArgs) -> Result<()> {
    let BenchNormalArgs { ref tep_dir, components, seeds, window, bins, epochs, smoothing, no_lm, no_step_context, no_ordinal, json: json_output } =
        *args;
    let dir = tep_dir.clone();
    let run_lm = !no_lm;
    let lm =
        LmSettings { window, bins, max_epochs: epochs, smoothing, step_context: !no_step_context, ordinal: !no_ordinal, ..LmSettings::default() };
    let linear = LinearSettings { smoothing, ..LinearSettings::default() };
    let read =
        |name: &str| -> Result<TagMatrix> { read_tep(&dir.join(name)).with_context(|| tr_with("cli-cannot-read", &[("path", Arg::from(name))])) };
    let train = read("d00.dat")?;
    let normal_test = read("d00_te.dat")?;
    let faults: Vec<(usize, TagMatrix)> = (1..=21).map(|f| Ok((f, read(&format!("d{f:02}_te.dat"))?))).collect::<Result<_>>()?;
    let args = [
        ("samples", Arg::from(train.rows.to_string())),
        ("variables", Arg::from(train.width().to_string())),
        ("runs", Arg::from(faults.len().to_string())),
    ];
    eprintln!("{}", tr_with("cli-bench-tep-data", &args));

    // PCA T² and Q at their theoretical 99 % limits, fitted on all of d00.
    let pca = PcaModel::fit(&train, components, 0.99)?;
    let pca_normal = pca.score(&normal_test)?;
    let pca_far = (false_alarm_rate(&pca_normal.t2, pca.t2_limit), false_alarm_rate(&pca_normal.q, pca.q_limit));
    let mut pca_rows = Vec::new();
    for (_, run) in &faults {
        let s = pca.score(run)?;
        pca_rows.push((figures(&s.t2, pca.t2_limit, &pca_normal.t2), figures(&s.q, pca.q_limit, &pca_normal.q)));
    }

    // The linear next-step predictor: fitted on the first 80 % of d00, threshold calibrated
    // on the last 20 % for a 1 % false-alarm rate.
    let predictor = LinearPredictor::fit(&train, &NormalRows::All, linear)?;
    let linear_normal = predictor.score(&normal_test)?.total;
    let linear_far = false_alarm_rate(&linear_normal, predictor.threshold);
    let mut linear_rows = Vec::new();
    for (_, run) in &faults {
        linear_rows.push(figures(&predictor.score(run)?.total, predictor.threshold, &linear_normal));
    }

    // The process language model, once per seed.
    let mut lm_runs: Vec<LmRun> = Vec::new();
    if run_lm {
        for seed in 1..=seeds {
            let settings = LmSettings { seed, ..lm.clone() };
            let start = Instant::now();
            let model = ProcessLm::train(&train, &NormalRows::All, settings, &JobContext::detached(), |e| {
                let args = [
                    ("seed", Arg::from(seed.to_string())),
                    ("epoch", Arg::from(format!("{:>3}", e.epoch))),
                    ("train-loss", Arg::from(format!("{:.4}", e.train_loss))),
                    ("val-loss", Arg::from(format!("{:.4}", e.validation_loss))),
                    ("perplexity", Arg::from(format!("{:.3}", e.validation_perplexity))),
                ];
                eprintln!("{}", tr_with("cli-bench-tep-epoch", &args));
            })?;
            let seconds = start.elapsed().as_secs_f64();
            let lm_normal = model.score(&normal_test)?.total;
            let far = false_alarm_rate(&lm_normal, model.threshold);
            let mut rows = Vec::new();
            for (_, run) in &faults {
                rows.push(figures(&model.score(run)?.total, model.threshold, &lm_normal));
            }
            let args = [
                ("seed", Arg::from(seed.to_string())),
                ("epochs", Arg::from(model.history.len().to_string())),
                ("best", Arg::from(model.best_epoch.to_string())),
                ("seconds", Arg::from(format!("{seconds:.1}"))),
                ("val-loss", Arg::from(format!("{:.4}", model.validation_loss()))),
                ("widening", Arg::from(format!("{:.2}", model.widening))),
                ("false-alarms", Arg::from(format!("{:.1}", far * 100.0))),
            ];
            eprintln!("{}", tr_with("cli-bench-tep-seed", &args));
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
    println!("{}", tr_with("cli-bench-tep-title", &[("alarms", Arg::from(DELAY_RUN.to_string()))]));
    // Padded by the columns a heading takes, so Chinese headings line up.
    let delay_heading = pad_start(&tr("cli-bench-tep-delay"), 6);
    println!(
        "{} | {:>7} {delay_heading} | {:>7} {delay_heading} | {} {delay_heading} | {} {delay_heading}",
        pad_start(&tr("cli-bench-tep-fault"), 5),
        "PCA T2",
        "PCA Q",
        pad_start(&tr("cli-bench-tep-linear"), 7),
        pad_start(&tr("cli-bench-tep-lm-median-range"), 17)
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
        "{} | {:>7} {:>6} | {:>7} {:>6} | {:>7} {:>6} | {:>17}",
        pad_start(&tr("cli-bench-tep-mean"), 5),
        pct(mean_detectable(faults.iter().map(|(f, _)| *f).zip(pca_rows.iter().map(|r| r.0.detection_rate)))),
        "",
        pct(mean_detectable(faults.iter().map(|(f, _)| *f).zip(pca_rows.iter().map(|r| r.1.detection_rate)))),
        "",
        pct(mean_detectable(faults.iter().map(|(f, _)| *f).zip(linear_rows.iter().map(|r| r.detection_rate)))),
        "",
        lm_mean.map_or_else(|| "-".to_owned(), |(m, lo, hi)| format!("{} [{}-{}]", pct(m), pct(lo), pct(hi)))
    );
    println!(
        "{} | {:>7} {:>6} | {:>7} {:>6} | {:>7} {:>6} | {:>17}",
        pad_start(&tr("cli-bench-tep-far"), 5),
        pct(pca_far.0),
        "",
        pct(pca_far.1),
        "",
        pct(linear_far),
        "",
        lm_far.map_or_else(|| "-".to_owned(), |(m, lo, hi)| format!("{} [{}-{}]", pct(m), pct(lo), pct(hi)))
    );
    let mean_auc = |rows: &mut dyn Iterator<Item = f64>| mean_detectable(faults.iter().map(|(f, _)| *f).zip(rows));
    let lm_auc = median_range(&lm_runs.iter().map(|r| mean_auc(&mut r.rows.iter().map(|x| x.roc_auc))).collect::<Vec<_>>());
    println!(
        "{:>5} | {:>7} {:>6} | {:>7} {:>6} | {:>7} {:>6} | {:>17}",
        "AUC*",
        format!("{:.3}", mean_auc(&mut pca_rows.iter().map(|r| r.0.roc_auc))),
        "",
        format!("{:.3}", mean_auc(&mut pca_rows.iter().map(|r| r.1.roc_auc))),
        "",
        format!("{:.3}", mean_auc(&mut linear_rows.iter().map(|r| r.roc_auc))),
        "",
        lm_auc.map_or_else(|| "-".to_owned(), |(m, lo, hi)| format!("{m:.3} [{lo:.3}-{hi:.3}]"))
    );
    println!("{}", tr("cli-bench-tep-note-mean"));
    println!("{}", tr("cli-bench-tep-note-auc"));
    if let Some((m, lo, hi)) = median_range(&lm_runs.iter().map(|r| r.seconds).collect::<Vec<_>>()) {
        let args = [
            ("median", Arg::from(format!("{m:.1}"))),
            ("low", Arg::from(format!("{lo:.1}"))),
            ("high", Arg::from(format!("{hi:.1}"))),
            ("settings", Arg::from(format!("{lm:?}"))),
        ];
        println!("{}", tr_with("cli-bench-tep-lm-training", &args));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// `plantlab train FILE --model linear|process-lm`, and `bundle`, `eval` and `predict` with
// its model: each one call of the engine's normal-operation API, then printing.

use plantlab_engine::normal::bundle::{NormalBundle, NORMAL_BUNDLE_FILE, NORMAL_BUNDLE_FORMAT};
use plantlab_engine::Workbench;
use plantlab_protocol::{
    DetectorScore, FalseAlarmUnit, ImportOverrides, MessageArg, NormalDetector, NormalEpisode, NormalPeriod, NormalPredictRequest, NormalPrediction,
    NormalTimeline, NormalTrainRequest, TrainUpdate,
};

/// Whether `path` holds a normal-operation model (it names its format near the start).
pub(crate) fn is_normal_bundle(path: &Path) -> bool {
    let mut head = [0u8; 64];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let n = std::io::Read::read(&mut file, &mut head).unwrap_or(0);
    String::from_utf8_lossy(&head[..n]).contains(NORMAL_BUNDLE_FORMAT)
}

/// Whether `run_dir` is a normal-operation run (it keeps its model as `normal_model.json`).
pub(crate) fn is_normal_run(run_dir: &Path) -> bool {
    run_dir.join(NORMAL_BUNDLE_FILE).is_file()
}

/// `train --model linear|process-lm --json`.
#[derive(Serialize)]
struct TrainNormalJson<'a> {
    run_id: &'a str,
    run_dir: &'a str,
    bundle: &'a str,
    /// "linear_predictor" or "process_lm".
    detector: NormalDetector,
    /// How many tags the model scores; `tag_names` names them.
    tags: usize,
    tag_names: &'a [String],
    normal_rows: u64,
    fit_rows: u64,
    /// Held-out normal rows the threshold was calibrated on.
    calibration_rows: u64,
    /// The same as `calibration_rows` (the name of earlier versions).
    calibration_steps: u64,
    epochs_run: u32,
    best_epoch: u32,
    /// The language model's; null for the linear predictor.
    validation_loss: Option<f64>,
    validation_perplexity: Option<f64>,
    threshold: f64,
    target_false_alarm_rate: f64,
    /// The linear next-step predictor's threshold (fitted beside the language model, or the model itself).
    baseline_linear_threshold: f64,
    sampling_interval_s: Option<f64>,
    train_seconds: f64,
    /// How the run ended, in the chosen language; `message_code` and `message_args` say it
    /// for scripts.
    message: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    message_code: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    message_args: &'a BTreeMap<String, MessageArg>,
}

/// The request `train FILE --model linear|process-lm …` asks for.
fn train_request(args: &TrainArgs, detector: NormalDetector) -> Result<NormalTrainRequest> {
    let name = args.model.as_str();
    if let Some(flag) = args.classifier_flags_given().first() {
        return Err(crate::usage_error(
            &["train"],
            clap::error::ErrorKind::ArgumentConflict,
            tr_with("cli-normal-flag-for-classifiers", &[("flag", Arg::from(*flag)), ("model", Arg::from(name))]),
        ));
    }
    if detector == NormalDetector::LinearPredictor {
        if let Some(flag) = args.language_model_flags_given().first() {
            return Err(crate::usage_error(
                &["train"],
                clap::error::ErrorKind::ArgumentConflict,
                tr_with("cli-normal-flag-for-process-lm", &[("flag", Arg::from(*flag))]),
            ));
        }
    }
    let defaults = NormalTrainRequest::default();
    // clap keeps --normal-when apart from --normal-from/--normal-to, and those two together.
    let normal = match (&args.normal_when, &args.normal_from, &args.normal_to) {
        (Some(when), _, _) => NormalPeriod::LabelEquals { column: when.column.clone(), value: when.value.clone() },
        (None, Some(from), Some(to)) => NormalPeriod::Between { from: from.clone(), to: to.clone() },
        _ => NormalPeriod::All,
    };
    // --target-far is a share of samples; the engine takes a count per 1,000 samples or per day.
    let (target_false_alarms, false_alarm_unit) = match (args.false_alarms_per_day, args.target_far) {
        (Some(per_day), _) => (per_day, FalseAlarmUnit::PerDay),
        (None, Some(share)) => (share * 1000.0, FalseAlarmUnit::PerThousandSamples),
        (None, None) => (defaults.target_false_alarms, defaults.false_alarm_unit),
    };
    Ok(NormalTrainRequest {
        detector,
        normal,
        exclude: args.exclude.clone(),
        fault_label: None,
        window: args.window.unwrap_or(defaults.window),
        bins: args.bins.unwrap_or(defaults.bins),
        smoothing: args.smoothing.unwrap_or(defaults.smoothing),
        target_false_alarms,
        false_alarm_unit,
        seed: args.seed.unwrap_or(defaults.seed),
        epochs: args.epochs.unwrap_or(defaults.epochs),
        ..defaults
    })
}

/// `train FILE --model linear|process-lm …`: a model of normal operation with its PCA
/// baseline (and, beside the language model, the linear predictor), kept as a run.
pub(crate) fn train_normal(args: &TrainArgs, detector: NormalDetector) -> Result<()> {
    let request = train_request(args, detector)?;
    let workbench = args.runs.clone().map_or_else(Workbench::new, Workbench::with_runs_root);
    let job = JobContext::detached();
    workbench
        .load(&args.file, &ImportOverrides::default(), &job)
        .map_err(anyhow::Error::from)
        .with_context(|| tr_with("cli-cannot-read", &[("path", Arg::from(args.file.display().to_string()))]))?;
    let json_output = args.json;
    let summary = workbench.train_normal(&request, &job, &mut |update| {
        if let (TrainUpdate::NormalEpoch(e), false) = (update, json_output) {
            let args = [
                ("epoch", Arg::from(format!("{:>3}", e.epoch))),
                ("train-loss", Arg::from(format!("{:.4}", e.train_loss))),
                ("val-loss", Arg::from(format!("{:.4}", e.validation_loss))),
                ("perplexity", Arg::from(format!("{:.3}", e.validation_perplexity))),
            ];
            let best = if e.best { tr("cli-normal-best") } else { String::new() };
            eprintln!("{}{best}", tr_with("cli-normal-epoch", &args));
        }
    })?;
    // The language model keeps the linear predictor beside it as a baseline.
    let baseline_linear_threshold = NormalBundle::load(Path::new(&summary.bundle))?.linear.threshold;
    if json_output {
        return print_json(&TrainNormalJson {
            run_id: &summary.run_id,
            run_dir: &summary.run_dir,
            bundle: &summary.bundle,
            detector: summary.detector,
            tags: summary.tags.len(),
            tag_names: &summary.tags,
            normal_rows: summary.normal_rows,
            fit_rows: summary.fit_rows,
            calibration_rows: summary.calibration_rows,
            calibration_steps: summary.calibration_rows,
            epochs_run: summary.epochs_run,
            best_epoch: summary.best_epoch,
            validation_loss: summary.validation_loss,
            validation_perplexity: summary.validation_perplexity,
            threshold: summary.threshold,
            target_false_alarm_rate: summary.target_false_alarm_rate,
            baseline_linear_threshold,
            sampling_interval_s: summary.sampling_interval_s,
            train_seconds: summary.seconds,
            message: crate::i18n::normal_run_stop_text(&summary),
            message_code: &summary.message_code,
            message_args: &summary.message_args,
        });
    }
    // The engine's message names the detector and its threshold.
    let args = [
        ("message", Arg::from(crate::i18n::normal_run_stop_text(&summary))),
        ("tags", Arg::from(summary.tags.len().to_string())),
        ("normal-rows", Arg::from(summary.normal_rows.to_string())),
        ("fit-rows", Arg::from(summary.fit_rows.to_string())),
        ("calibration-rows", Arg::from(summary.calibration_rows.to_string())),
        ("bundle", Arg::from(&summary.bundle)),
    ];
    println!("{}", tr_with("cli-normal-trained", &args));
    Ok(())
}

/// `bundle RUN_DIR -o B` of a normal-operation run: its model, copied whole or not at all.
pub(crate) fn bundle(args: &BundleArgs, runs_root: PathBuf, run_id: &str) -> Result<()> {
    refuse_alarm_flags(&["bundle"], args.threshold.is_some(), args.alarm.any())?;
    let out = &args.output;
    let info = Workbench::with_runs_root(runs_root).export_normal_bundle(run_id, out)?;
    if args.json {
        return print_json(&info);
    }
    let args = [
        ("path", Arg::from(out.display().to_string())),
        ("detector", Arg::from(crate::i18n::detector_text(info.detector))),
        ("tags", Arg::from(info.tags.len().to_string())),
        ("normal-rows", Arg::from(info.normal_rows.to_string())),
        ("threshold", Arg::from(info.threshold.to_string())),
    ];
    println!("{}", tr_with("cli-normal-bundle-wrote", &args));
    Ok(())
}

/// A normal-operation model's threshold and alarm rule were set in training.
fn refuse_alarm_flags(subcommand: &[&str], threshold: bool, alarm: bool) -> Result<()> {
    let given = [("--threshold".to_owned(), threshold), (tr("cli-normal-alarm-options"), alarm)];
    match given.iter().find(|(_, on)| *on) {
        Some((flag, _)) => Err(crate::usage_error(
            subcommand,
            clap::error::ErrorKind::ArgumentConflict,
            tr_with("cli-normal-flag-not-for-normal-model", &[("flag", Arg::from(flag))]),
        )),
        None => Ok(()),
    }
}

/// A detector's figures in `eval --json` of a normal-operation model.
#[derive(Serialize)]
struct DetectionJson<'a> {
    name: &'a str,
    roc_auc: Option<f64>,
    pr_auc: Option<f64>,
    false_alarm_rate: Option<f64>,
    detection_rate: Option<f64>,
    threshold: f64,
    normal_samples: u64,
    fault_samples: u64,
}

impl<'a> From<&'a DetectorScore> for DetectionJson<'a> {
    fn from(d: &'a DetectorScore) -> Self {
        Self {
            name: &d.name,
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

/// Per fault episode (a run of label ≠ 0 rows): detected or not and the delay from its onset
/// to the first alarm inside it; plus false-alarm events (runs of alarm samples that start
/// outside every episode).
#[derive(Serialize)]
struct EpisodeEvents {
    episodes: Vec<EpisodeJson>,
    false_alarm_events: u64,
    false_alarms_per_1000_samples: Option<f64>,
    false_alarms_per_day: Option<f64>,
}

#[derive(Serialize)]
struct EpisodeJson {
    onset_row: u64,
    /// One past the episode's last row.
    end_row: u64,
    detected: bool,
    delay_samples: Option<u64>,
    first_alarm_row: Option<u64>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    delay_s: Option<f64>,
}

impl From<&DetectorScore> for EpisodeEvents {
    fn from(d: &DetectorScore) -> Self {
        let episode = |e: &NormalEpisode| EpisodeJson {
            onset_row: e.start_row,
            end_row: e.end_row + 1,
            detected: e.detected,
            delay_samples: e.delay_samples,
            first_alarm_row: e.first_alarm_row,
            start_ms: e.start_ms,
            end_ms: e.end_ms,
            delay_s: e.delay_s,
        };
        Self {
            episodes: d.episodes.iter().map(episode).collect(),
            false_alarm_events: d.false_alarms,
            false_alarms_per_1000_samples: d.false_alarms_per_1000_samples,
            false_alarms_per_day: d.false_alarms_per_day,
        }
    }
}

/// `eval --json` of a normal-operation model.
#[derive(Serialize)]
struct EvalNormalJson<'a> {
    file: String,
    label: &'a str,
    samples: u64,
    has_timestamps: bool,
    detector: NormalDetector,
    /// The trained model.
    test: DetectionJson<'a>,
    /// PCA's combined index, max(T²/limit, Q/limit), alarming above 1.
    baseline_pca: DetectionJson<'a>,
    /// The linear next-step predictor: the language model's baseline, or the model itself.
    linear_predictor: DetectionJson<'a>,
    pca_t2: DetectionJson<'a>,
    pca_q: DetectionJson<'a>,
    events: EpisodeEvents,
    events_pca: EpisodeEvents,
    events_linear: EpisodeEvents,
}

/// `eval FILE --bundle normal_model.json --label COL`: the model next to its PCA baseline
/// (and the language model next to the linear predictor) on a labelled file.
pub(crate) fn eval_normal(args: &EvalArgs) -> Result<()> {
    refuse_alarm_flags(&["eval"], args.threshold.is_some(), args.alarm.any())?;
    let (Some(file), Some(bundle_path), Some(label)) = (&args.file, &args.bundle, &args.label) else {
        return Err(crate::usage_error(&["eval"], clap::error::ErrorKind::MissingRequiredArgument, tr("cli-normal-eval-needs")));
    };
    let evaluation = Workbench::new().evaluate_normal_bundle(file, bundle_path, label, &JobContext::detached())?;
    let detector = NormalBundle::load(bundle_path)?.detector;
    let model = &evaluation.model;
    let missing = || anyhow::anyhow!("{}", tr_with("cli-normal-eval-no-pca", &[("path", Arg::from(bundle_path.display().to_string()))]));
    let pca = evaluation.others.first().ok_or_else(missing)?;
    let linear = match detector {
        NormalDetector::LinearPredictor => model,
        NormalDetector::ProcessLm => evaluation.others.get(1).unwrap_or(model),
    };
    if args.json {
        return print_json(&EvalNormalJson {
            file: file.display().to_string(),
            label,
            samples: evaluation.samples,
            has_timestamps: evaluation.has_timestamps,
            detector,
            test: model.into(),
            baseline_pca: pca.into(),
            linear_predictor: linear.into(),
            pca_t2: (&evaluation.pca_t2).into(),
            pca_q: (&evaluation.pca_q).into(),
            events: model.into(),
            events_pca: pca.into(),
            events_linear: linear.into(),
        });
    }
    let pct = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{:.1} %", v * 100.0));
    let auc = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"));
    let args = [("samples", Arg::from(evaluation.samples.to_string())), ("path", Arg::from(file.display().to_string())), ("label", Arg::from(label))];
    println!("{}", tr_with("cli-normal-eval-summary", &args));
    // Padded by the columns a name takes, so Chinese headers and names line up.
    println!(
        "{} {:>9} {:>9} {} {} {}",
        pad_end(&tr("cli-metric-model"), 30),
        "ROC-AUC",
        "PR-AUC",
        pad_start(&tr("cli-header-false-alarms"), 12),
        pad_start(&tr("cli-header-detection"), 12),
        pad_start(&tr("cli-header-episodes"), 9)
    );
    let mut rows = vec![model, pca, &evaluation.pca_t2, &evaluation.pca_q];
    if detector == NormalDetector::ProcessLm {
        rows.insert(1, linear);
    }
    for d in rows {
        let detected = d.episodes.iter().filter(|e| e.detected).count();
        println!(
            "{} {:>9} {:>9} {:>12} {:>12} {:>9}",
            pad_end(&crate::i18n::detector_score_name(d), 30),
            auc(d.roc_auc),
            auc(d.pr_auc),
            pct(d.false_alarm_rate),
            pct(d.detection_rate),
            format!("{detected}/{}", d.episodes.len())
        );
    }
    Ok(())
}

/// `predict --json` of a normal-operation model: the engine's result without the per-sample
/// timeline (the CSV has every sample), and where the CSV went.
#[derive(Serialize)]
struct PredictNormalJson<'a> {
    #[serde(flatten)]
    result: &'a NormalPrediction,
    output: String,
    /// `alarm_count` counts events; this key says so.
    alarm_events: u64,
}

/// `predict FILE --bundle normal_model.json -o OUT.csv [--json]`: every sample's score,
/// threshold, alarm flag and the tags that explain its alarm event.
pub(crate) fn predict(args: &PredictArgs) -> Result<()> {
    refuse_alarm_flags(&["predict"], args.threshold.is_some(), args.alarm.any())?;
    let (file, out) = (&args.file, &args.output);
    let request = NormalPredictRequest { path: file.display().to_string(), bundle: args.bundle.display().to_string() };
    let mut result = Workbench::new().predict_normal(&request, &JobContext::detached())?;
    plantlab_engine::normal::prediction_csv::write_csv(&result, out)?;
    // The sentences in the chosen language; `kind`, `variant`, `args` and the sentences' codes
    // stay as the engine gave them.
    for tag in result.alarms.iter_mut().flat_map(|alarm| alarm.top_tags.iter_mut()) {
        tag.explanation = crate::i18n::tag_surprise_text(tag);
    }
    for warning in &mut result.warnings {
        warning.message = crate::i18n::input_warning_text(warning);
    }
    if args.json {
        result.timeline = NormalTimeline::default();
        return print_json(&PredictNormalJson { result: &result, output: out.display().to_string(), alarm_events: result.alarm_count });
    }
    let args = [
        ("rows", Arg::from(result.rows.to_string())),
        ("samples", Arg::from(result.samples.to_string())),
        ("detector", Arg::from(crate::i18n::detector_text(result.bundle.detector))),
        ("events", Arg::from(result.alarm_count.to_string())),
        ("alarm-samples", Arg::from(result.alarm_samples.to_string())),
        ("threshold", Arg::from(result.threshold.to_string())),
        ("seconds", Arg::from(format!("{:.1}", result.seconds))),
        ("path", Arg::from(out.display().to_string())),
    ];
    println!("{}", tr_with("cli-normal-predict-summary", &args));
    for w in &result.warnings {
        println!("{}", tr_with("cli-warning", &[("message", Arg::from(&w.message))]));
    }
    for alarm in result.alarms.iter().take(10) {
        let why: Vec<&str> = alarm.top_tags.iter().map(|t| t.explanation.as_str()).collect();
        let args = [
            ("index", Arg::from(alarm.index.to_string())),
            ("first-row", Arg::from(alarm.start_row.to_string())),
            ("last-row", Arg::from(alarm.end_row.to_string())),
            ("explanation", Arg::from(why.join("; "))),
        ];
        println!("{}", tr_with("cli-normal-alarm-event", &args));
    }
    if result.alarm_count > 10 {
        let args = [("count", Arg::from((result.alarm_count - 10).to_string())), ("path", Arg::from(out.display().to_string()))];
        println!("{}", tr_with("cli-more-alarm-events", &args));
    }
    Ok(())
}
