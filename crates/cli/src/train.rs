//! `plantlab train` and `plantlab bench train`.

use crate::i18n::{pad_end, pad_start, tr, tr_with};
use plantlab_i18n::Arg;
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::error::ErrorKind;
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ClassMetrics, ImportOverrides, ModelKind, RunStatus, SequenceMode, TrainConfig, TrainUpdate};
use serde::Serialize;

use crate::args::{BenchTrainArgs, RunsArgs, TrainArgs};
use crate::json_out::{print_json, print_json_list};

/// `train --json` of a classifier: the run's summary, metrics as plain numbers.
#[derive(Serialize)]
struct TrainJson<'a> {
    run_id: &'a str,
    run_dir: &'a str,
    status: RunStatus,
    model: &'static str,
    epochs_run: u32,
    best_epoch: u32,
    majority_accuracy: f64,
    val: ValJson,
    test: TestJson<'a>,
    baseline: &'a Option<ClassMetrics>,
    /// Gradient-boosted trees on the same split and features (same metric names).
    baseline_trees: &'a Option<ClassMetrics>,
    seconds: f64,
}

#[derive(Serialize)]
struct ValJson {
    loss: Option<f64>,
    accuracy: f64,
    roc_auc: Option<f64>,
    pr_auc: Option<f64>,
}

#[derive(Serialize)]
struct TestJson<'a> {
    loss: Option<f64>,
    accuracy: f64,
    balanced_accuracy: f64,
    precision: f64,
    recall: f64,
    f1: f64,
    roc_auc: Option<f64>,
    pr_auc: Option<f64>,
    confusion: &'a [Vec<u64>],
}

/// The training configuration the command line asks for (the rest as the engine defaults).
fn config_of(args: &TrainArgs, model: ModelKind) -> Result<TrainConfig> {
    let defaults = TrainConfig::default();
    let Some(target) = args.target.clone() else {
        return Err(crate::usage_error(&["train"], ErrorKind::MissingRequiredArgument, tr("cli-train-needs-target")));
    };
    let dense = model.dense_input();
    if dense && args.stride.is_some() {
        return Err(crate::usage_error(
            &["train"],
            ErrorKind::ArgumentConflict,
            tr_with("cli-train-stride-not-for-model", &[("model", Arg::from(model.as_str()))]),
        ));
    }
    if model != ModelKind::Trees && args.leaves.is_some() {
        return Err(crate::usage_error(&["train"], ErrorKind::ArgumentConflict, tr("cli-train-leaves-not-for-model")));
    }
    let trees = if model == ModelKind::Trees {
        plantlab_protocol::TreeSettings {
            rounds: args.epochs.unwrap_or(defaults.trees.rounds),
            learning_rate: args.lr.unwrap_or(defaults.trees.learning_rate),
            max_leaves: args.leaves.unwrap_or(defaults.trees.max_leaves),
            patience: args.patience.map_or(Some(defaults.trees.patience), |p| p.0).unwrap_or(u32::MAX),
            ..defaults.trees
        }
    } else {
        defaults.trees
    };
    Ok(TrainConfig {
        target,
        features: args.feature.clone(),
        exclude: args.exclude.clone(),
        model,
        mode: match args.window {
            Some(window) if !dense => SequenceMode::Window { window, stride: args.stride.unwrap_or(1) },
            _ => SequenceMode::Row,
        },
        feature_window: args.window.filter(|_| dense),
        interactions: args.interactions,
        trees,
        bins: args.bins.unwrap_or(defaults.bins),
        embedding_dim: args.embedding.unwrap_or(defaults.embedding_dim),
        hidden: args.hidden.unwrap_or(defaults.hidden),
        batch_size: args.batch_size.unwrap_or(defaults.batch_size),
        learning_rate: args.lr.unwrap_or(defaults.learning_rate),
        epochs: args.epochs.unwrap_or(defaults.epochs),
        class_weighting: args.class_weights.map_or(defaults.class_weighting, Into::into),
        patience: args.patience.map_or(defaults.patience, |p| p.0),
        seed: args.seed.unwrap_or(defaults.seed),
        threads: args.threads.or(defaults.threads),
        recipe: args.recipe.as_ref().map(|r| r.display().to_string()),
        ..defaults
    })
}

pub fn train(args: &TrainArgs) -> Result<()> {
    if let Some(detector) = args.model.normal_detector() {
        return crate::normal::train_normal(args, detector);
    }
    let Some(model) = args.model.classifier() else {
        bail!("{}", tr_with("cli-train-model-unknown", &[("model", Arg::from(args.model.as_str()))]));
    };
    if let Some(flag) = args.process_lm_flags_given().first() {
        return Err(crate::usage_error(
            &["train"],
            ErrorKind::ArgumentConflict,
            tr_with("cli-train-flag-for-normal-models", &[("flag", Arg::from(*flag)), ("model", Arg::from(model.as_str()))]),
        ));
    }
    let config = config_of(args, model)?;
    let file = &args.file;
    if let Some(recipe) = &config.recipe {
        if !std::path::Path::new(recipe).is_file() {
            bail!("{}", tr_with("cli-recipe-missing", &[("path", Arg::from(recipe))]));
        }
    }
    let workbench = args.runs.clone().map_or_else(Workbench::new, Workbench::with_runs_root);
    let job = JobContext::detached();
    match &config.recipe {
        // The recipe's import settings read the file; its steps (with their fitted statistics)
        // clean it before training, and the recipe is stored with the run.
        Some(recipe) => {
            let cleaned = workbench
                .apply_recipe_file(file, std::path::Path::new(recipe), None, &job)
                .map_err(anyhow::Error::from)
                .with_context(|| tr("cli-cannot-apply-recipe"))?;
            let verdict = tr(if cleaned.gate.passed { "cli-train-gate-passed" } else { "cli-train-gate-failed" });
            let args = [
                ("steps", Arg::from(cleaned.steps.len())),
                ("rows-in", Arg::from(cleaned.rows_in.to_string())),
                ("rows-out", Arg::from(cleaned.rows_out.to_string())),
                ("verdict", Arg::from(verdict)),
            ];
            eprintln!("{}", tr_with("cli-train-recipe", &args));
        }
        None => {
            workbench.load(file, &ImportOverrides::default(), &job).map_err(anyhow::Error::from).with_context(|| tr("cli-cannot-open-data"))?;
        }
    }
    let epochs = if config.model == ModelKind::Trees { config.trees.rounds } else { config.epochs };
    let mut on_update = |update: &TrainUpdate| match update {
        TrainUpdate::Prepared { run_dir, data, .. } => {
            let weights = data.class_weights.iter().map(|w| (w * 100.0).round() / 100.0).collect::<Vec<_>>();
            let weights_from =
                data.class_weights_from.as_ref().map(|c| tr_with("cli-train-weights-from-column", &[("column", Arg::from(c))])).unwrap_or_default();
            let args = [
                ("run", Arg::from(run_dir)),
                ("train", Arg::from(data.train_samples.to_string())),
                ("validation", Arg::from(data.validation_samples.to_string())),
                ("test", Arg::from(data.test_samples.to_string())),
                ("features", Arg::from(data.features.len().to_string())),
                ("tokens", Arg::from(data.vocab_size.to_string())),
                ("classes", Arg::from(format!("{:?}", data.classes))),
                ("weights", Arg::from(format!("{weights:?}{weights_from}"))),
            ];
            eprintln!("{}", tr_with("cli-train-prepared", &args));
        }
        TrainUpdate::Epoch(e) => {
            let args = [
                ("epoch", Arg::from(format!("{:>3}", e.epoch))),
                ("epochs", Arg::from(epochs.to_string())),
                ("train-loss", Arg::from(format!("{:.4}", e.train_loss))),
                ("train-accuracy", Arg::from(format!("{:.4}", e.train_accuracy))),
                ("val-loss", Arg::from(format!("{:.4}", e.val_loss))),
                ("val-accuracy", Arg::from(format!("{:.4}", e.val_accuracy))),
                ("roc-auc", Arg::from(opt(e.val_roc_auc))),
                ("pr-auc", Arg::from(opt(e.val_pr_auc))),
                ("seconds", Arg::from(format!("{:.1}", e.seconds))),
                ("rate", Arg::from(format!("{:.0}", e.samples_per_s))),
            ];
            let best = if e.best { tr("cli-train-best") } else { String::new() };
            eprintln!("{}{best}", tr_with("cli-train-epoch", &args));
        }
        // Batches are too many for a terminal; other updates are not about this run's epochs.
        _ => {}
    };
    let summary = workbench.train(&config, &job, &mut on_update).map_err(anyhow::Error::from).with_context(|| tr("cli-training-failed"))?;
    eprintln!("{}", crate::i18n::run_stop_text(&summary));
    let empty = ClassMetrics::default();
    let val = summary.val.as_ref().unwrap_or(&empty);
    let test = summary.test.as_ref().unwrap_or(&empty);
    if args.json {
        print_json(&TrainJson {
            run_id: &summary.run_id,
            run_dir: &summary.run_dir,
            status: summary.status,
            model: config.model.as_str(),
            epochs_run: summary.epochs_run,
            best_epoch: summary.best_epoch,
            majority_accuracy: summary.majority_accuracy,
            val: ValJson { loss: val.loss, accuracy: val.accuracy, roc_auc: val.roc_auc, pr_auc: val.pr_auc },
            test: TestJson {
                loss: test.loss,
                accuracy: test.accuracy,
                balanced_accuracy: test.balanced_accuracy,
                precision: test.precision,
                recall: test.recall,
                f1: test.f1,
                roc_auc: test.roc_auc,
                pr_auc: test.pr_auc,
                confusion: &test.confusion,
            },
            baseline: &summary.baseline,
            baseline_trees: &summary.baseline_trees,
            seconds: summary.seconds,
        })?;
    } else {
        println!("{}", tr_with("cli-train-run", &[("run", Arg::from(&summary.run_dir))]));
        let epochs = [("epochs", Arg::from(summary.epochs_run.to_string())), ("best", Arg::from(summary.best_epoch.to_string()))];
        println!("{}", tr_with("cli-train-epochs-run", &epochs));
        // Padded by display columns: the Chinese headings take two per character.
        println!(
            "{} {} {} {:>8} {:>8} {:>8} {}",
            pad_end("", 10),
            pad_start(&tr("cli-metric-accuracy"), 8),
            pad_start(&tr("cli-metric-balanced-accuracy-short"), 9),
            "f1",
            "roc-auc",
            "pr-auc",
            pad_start(&tr("cli-metric-loss"), 8)
        );
        let row = |name: &str, m: &ClassMetrics| {
            println!(
                "{} {:>8.4} {:>9.4} {:>8.4} {:>8} {:>8} {:>8}",
                pad_end(name, 10),
                m.accuracy,
                m.balanced_accuracy,
                m.f1,
                opt(m.roc_auc),
                opt(m.pr_auc),
                opt(m.loss)
            )
        };
        row(&tr("cli-row-validation"), val);
        row(&tr("cli-row-test"), test);
        if let Some(baseline) = &summary.baseline {
            row(&tr("cli-row-majority"), baseline);
        }
        if let (Some(trees), false) = (&summary.baseline_trees, config.model == ModelKind::Trees) {
            row(&tr("cli-row-trees"), trees);
        }
    }
    Ok(())
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"))
}

/// A peer framework's answer: its script's JSON as printed, or why it did not run.
#[derive(Serialize)]
#[serde(untagged)]
enum PeerResult {
    Measured(serde_json::Value),
    Failed { error: String },
}

/// `bench train --json`.
#[derive(Serialize)]
struct BenchTrainJson<'a> {
    workload: &'static str,
    n: usize,
    epochs: usize,
    threads: usize,
    batch: usize,
    samples_per_s: f64,
    seconds: f64,
    last_loss: f64,
    backend: &'a str,
    peers: &'a BTreeMap<String, PeerResult>,
}

/// `plantlab bench train`: the origin's model (w1) or the small transformer (w2) on random
/// tokens, here and (with --python) in Keras and PyTorch on the identical workload.
pub fn bench_train(args: &BenchTrainArgs) -> Result<()> {
    let BenchTrainArgs { workload, n, epochs, threads, batch, ref python, peer_device, json: json_output } = *args;
    let (kind, device, workload) = (workload.model(), peer_device.as_str(), workload.as_str());
    let ours = plantlab_engine::train::bench::run(kind, n, epochs, threads, batch).map_err(anyhow::Error::from)?;
    let args = [
        ("workload", Arg::from(workload)),
        ("sequences", Arg::from(n.to_string())),
        ("epochs", Arg::from(epochs.to_string())),
        ("seconds", Arg::from(format!("{:.2}", ours.seconds))),
        ("rate", Arg::from(format!("{:.0}", ours.samples_per_s))),
        ("loss", Arg::from(format!("{:.4}", ours.last_loss))),
    ];
    eprintln!("{}", tr_with("cli-bench-train-run", &args));
    let mut peers = BTreeMap::new();
    if let Some(python) = &python {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench");
        for (name, script) in [("keras", "keras_train.py"), ("pytorch", "torch_train.py")] {
            let out = std::process::Command::new(python)
                .arg(dir.join(script))
                .args([
                    "--workload",
                    workload,
                    "--n",
                    &n.to_string(),
                    "--epochs",
                    &epochs.to_string(),
                    "--threads",
                    &threads.to_string(),
                    "--batch",
                    &batch.to_string(),
                    "--device",
                    device,
                ])
                .env("OMP_NUM_THREADS", threads.to_string())
                .output();
            match out {
                Ok(out) if out.status.success() => {
                    let answer: serde_json::Value =
                        serde_json::from_slice(&out.stdout).with_context(|| tr_with("cli-bench-script-no-json", &[("script", Arg::from(script))]))?;
                    let rate = samples_per_second(answer["samples_per_s"].as_f64().unwrap_or(0.0));
                    eprintln!("{name} {workload}: {rate}");
                    peers.insert(name.to_owned(), PeerResult::Measured(answer));
                }
                Ok(out) => {
                    let why = String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").to_owned();
                    eprintln!("{name} {}", tr_with("cli-bench-failed", &[("reason", Arg::from(&why))]));
                    peers.insert(name.to_owned(), PeerResult::Failed { error: why });
                }
                Err(e) => {
                    peers.insert(name.to_owned(), PeerResult::Failed { error: format!("{python}: {e}") });
                }
            }
        }
    }
    if json_output {
        print_json(&BenchTrainJson {
            workload,
            n,
            epochs,
            threads,
            batch,
            samples_per_s: ours.samples_per_s,
            seconds: ours.seconds,
            last_loss: ours.last_loss,
            backend: &ours.backend,
            peers: &peers,
        })?;
    } else {
        println!("{workload}: plantlab {} ({})", samples_per_second(ours.samples_per_s), ours.backend);
        for (name, peer) in &peers {
            let measured = match peer {
                PeerResult::Measured(v) => v["samples_per_s"].as_f64().map_or_else(|| v.to_string(), samples_per_second),
                PeerResult::Failed { error } => tr_with("cli-bench-failed", &[("reason", Arg::from(error))]),
            };
            println!("{workload}: {name} {measured}");
        }
    }
    Ok(())
}

/// A training rate as the benchmarks print it ("1234 samples/s").
fn samples_per_second(rate: f64) -> String {
    tr_with("cli-bench-samples-per-second", &[("rate", Arg::from(format!("{rate:.0}")))])
}

/// `plantlab runs`: the runs list, with interrupted runs marked.
pub fn runs(args: &RunsArgs) -> Result<()> {
    let workbench = args.runs.clone().map_or_else(Workbench::new, Workbench::with_runs_root);
    let runs = workbench.list_runs().map_err(anyhow::Error::from)?;
    if args.json {
        print_json_list(&runs)?;
    } else {
        for r in &runs {
            let epochs = [("epochs", Arg::from(format!("{:>3}", r.epochs_run))), ("best", Arg::from(format!("{:>3}", r.best_epoch)))];
            println!(
                "{:32} {} {:11} {}  {}  {}",
                r.run_id,
                crate::i18n::pad_end(&crate::i18n::run_status_text(r.status), 11),
                r.model.as_str(),
                tr_with("cli-runs-epochs", &epochs),
                tr_with("cli-runs-test-roc-auc", &[("roc-auc", Arg::from(opt(r.test_roc_auc)))]),
                crate::i18n::run_entry_stop_text(r)
            );
        }
    }
    Ok(())
}
