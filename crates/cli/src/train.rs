//! `plantlab train` and `plantlab bench train`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ClassMetrics, ClassWeighting, ImportOverrides, ModelKind, SequenceMode, TrainConfig, TrainUpdate};
use serde_json::json;

use crate::USAGE;

pub fn train(args: &[String]) -> Result<()> {
    let mut config = TrainConfig::default();
    let mut file: Option<PathBuf> = None;
    let mut runs: Option<PathBuf> = None;
    let mut json_output = false;
    let mut window: Option<u32> = None;
    let mut stride: Option<u32> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => json_output = true,
            "--target" => config.target = crate::flag_value(&mut it, "--target")?,
            "--exclude" => config.exclude.push(crate::flag_value(&mut it, "--exclude")?),
            "--feature" => config.features.push(crate::flag_value(&mut it, "--feature")?),
            "--recipe" => config.recipe = Some(crate::flag_value(&mut it, "--recipe")?),
            "--model" => {
                config.model = match crate::flag_value(&mut it, "--model")?.as_str() {
                    "seed" => ModelKind::Seed,
                    "transformer" => ModelKind::Transformer,
                    "mlp" => ModelKind::Mlp,
                    other => bail!("--model is seed, transformer or mlp, not \"{other}\""),
                }
            }
            "--epochs" => config.epochs = crate::flag_number(&mut it, "--epochs")?,
            "--seed" => config.seed = crate::flag_number(&mut it, "--seed")?,
            "--batch-size" => config.batch_size = crate::flag_number(&mut it, "--batch-size")?,
            "--lr" => config.learning_rate = crate::flag_number(&mut it, "--lr")?,
            "--bins" => config.bins = crate::flag_number(&mut it, "--bins")?,
            "--embedding" => config.embedding_dim = crate::flag_number(&mut it, "--embedding")?,
            "--hidden" => config.hidden = crate::flag_number(&mut it, "--hidden")?,
            "--threads" => config.threads = Some(crate::flag_number(&mut it, "--threads")?),
            "--window" => window = Some(crate::flag_number(&mut it, "--window")?),
            "--stride" => stride = Some(crate::flag_number(&mut it, "--stride")?),
            "--patience" => {
                let v = crate::flag_value(&mut it, "--patience")?;
                config.patience = if v == "off" { None } else { Some(number("--patience", &v)?) };
            }
            "--class-weights" => {
                config.class_weighting = match crate::flag_value(&mut it, "--class-weights")?.as_str() {
                    "auto" => ClassWeighting::Auto,
                    "on" => ClassWeighting::On,
                    "off" => ClassWeighting::Off,
                    other => bail!("--class-weights is auto, on or off, not \"{other}\""),
                }
            }
            "--runs" => runs = Some(PathBuf::from(crate::flag_value(&mut it, "--runs")?)),
            flag if flag.starts_with("--") => bail!("unknown option {flag}; {USAGE}"),
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument \"{extra}\"; {USAGE}"),
        }
    }
    let Some(file) = file else {
        bail!("train needs a FILE; {USAGE}");
    };
    if config.target.is_empty() {
        bail!("train needs --target COLUMN (the label to predict); {USAGE}");
    }
    if let Some(window) = window {
        config.mode = SequenceMode::Window { window, stride: stride.unwrap_or(1) };
    } else if stride.is_some() {
        bail!("--stride needs --window");
    }
    if let Some(recipe) = &config.recipe {
        if !std::path::Path::new(recipe).is_file() {
            bail!("the recipe file {recipe} does not exist");
        }
    }
    let workbench = match runs {
        Some(root) => Workbench::with_runs_root(root),
        None => Workbench::new(),
    };
    let job = JobContext::detached();
    match &config.recipe {
        // The recipe's import settings read the file; its steps (with their fitted statistics)
        // clean it before training, and the recipe is stored with the run.
        Some(recipe) => {
            let cleaned = workbench
                .apply_recipe_file(&file, std::path::Path::new(recipe), None, &job)
                .map_err(anyhow::Error::from)
                .context("cannot apply the recipe")?;
            eprintln!(
                "recipe: {} steps, {} rows in, {} rows out, quality gate {}",
                cleaned.steps.len(),
                cleaned.rows_in,
                cleaned.rows_out,
                if cleaned.gate.passed { "passed" } else { "failed" }
            );
        }
        None => {
            workbench.load(&file, &ImportOverrides::default(), &job).map_err(anyhow::Error::from).context("cannot open data")?;
        }
    }
    let epochs = config.epochs;
    let mut on_update = |update: &TrainUpdate| match update {
        TrainUpdate::Prepared { run_dir, data, .. } => {
            eprintln!(
                "run {run_dir}: {} train / {} validation / {} test samples, {} features, {} tokens, classes {:?} (weights {:?}{})",
                data.train_samples,
                data.validation_samples,
                data.test_samples,
                data.features.len(),
                data.vocab_size,
                data.classes,
                data.class_weights.iter().map(|w| (w * 100.0).round() / 100.0).collect::<Vec<_>>(),
                data.class_weights_from.as_ref().map(|c| format!(" from column {c}")).unwrap_or_default()
            );
        }
        TrainUpdate::Batch(_) => {}
        TrainUpdate::Epoch(e) => {
            eprintln!(
                "epoch {:>3}/{epochs}: train loss {:.4} acc {:.4} | val loss {:.4} acc {:.4} roc-auc {} pr-auc {} | {:.1} s, {:.0} samples/s{}",
                e.epoch,
                e.train_loss,
                e.train_accuracy,
                e.val_loss,
                e.val_accuracy,
                opt(e.val_roc_auc),
                opt(e.val_pr_auc),
                e.seconds,
                e.samples_per_s,
                if e.best { "  *best" } else { "" }
            );
        }
    };
    let summary = workbench.train(&config, &job, &mut on_update).map_err(anyhow::Error::from).context("training failed")?;
    eprintln!("{}", summary.message);
    let empty = ClassMetrics::default();
    let val = summary.val.as_ref().unwrap_or(&empty);
    let test = summary.test.as_ref().unwrap_or(&empty);
    if json_output {
        let out = json!({
            "run_id": summary.run_id,
            "run_dir": summary.run_dir,
            "status": summary.status,
            "model": config.model.as_str(),
            "epochs_run": summary.epochs_run,
            "best_epoch": summary.best_epoch,
            "majority_accuracy": summary.majority_accuracy,
            "val": {"loss": val.loss, "accuracy": val.accuracy, "roc_auc": val.roc_auc, "pr_auc": val.pr_auc},
            "test": {
                "loss": test.loss, "accuracy": test.accuracy, "balanced_accuracy": test.balanced_accuracy,
                "precision": test.precision, "recall": test.recall, "f1": test.f1,
                "roc_auc": test.roc_auc, "pr_auc": test.pr_auc, "confusion": test.confusion,
            },
            "baseline": summary.baseline,
            "seconds": summary.seconds,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("run: {}", summary.run_dir);
        println!("epochs run {}, best epoch {}", summary.epochs_run, summary.best_epoch);
        println!("{:10} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8}", "", "accuracy", "bal. acc", "f1", "roc-auc", "pr-auc", "loss");
        let row = |name: &str, m: &ClassMetrics| {
            println!(
                "{name:10} {:>8.4} {:>9.4} {:>8.4} {:>8} {:>8} {:>8}",
                m.accuracy,
                m.balanced_accuracy,
                m.f1,
                opt(m.roc_auc),
                opt(m.pr_auc),
                opt(m.loss)
            )
        };
        row("val", val);
        row("test", test);
        if let Some(baseline) = &summary.baseline {
            row("majority", baseline);
        }
    }
    Ok(())
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"))
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T> {
    v.parse().ok().with_context(|| format!("{flag} needs a number, not \"{v}\""))
}

/// `plantlab bench train`: the origin's model (w1) or the small transformer (w2) on random
/// tokens, here and (with --python) in Keras and PyTorch on the identical workload.
pub fn bench_train(args: &[String]) -> Result<()> {
    let mut workload = String::from("w1");
    let (mut n, mut epochs, mut threads) = (100_000usize, 1usize, 2usize);
    let mut batch = plantlab_engine::train::bench::BATCH;
    let mut device = String::from("cpu");
    let mut python: Option<String> = None;
    let mut json_output = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--workload" => workload = crate::flag_value(&mut it, "--workload")?,
            "--n" => n = crate::flag_number(&mut it, "--n")?,
            "--epochs" => epochs = crate::flag_number(&mut it, "--epochs")?,
            "--threads" => threads = crate::flag_number(&mut it, "--threads")?,
            "--batch" => batch = crate::flag_number(&mut it, "--batch")?,
            // The peers' device (the GPU check runs PyTorch with --device cuda).
            "--peer-device" => device = crate::flag_value(&mut it, "--peer-device")?,
            "--python" => python = Some(crate::flag_value(&mut it, "--python")?),
            "--json" => json_output = true,
            other => bail!("unknown option {other}; {USAGE}"),
        }
    }
    let kind = match workload.as_str() {
        "w1" => ModelKind::Seed,
        "w2" => ModelKind::Transformer,
        other => bail!("--workload is w1 or w2, not \"{other}\""),
    };
    let ours = plantlab_engine::train::bench::run(kind, n, epochs, threads, batch).map_err(anyhow::Error::from)?;
    eprintln!(
        "plantlab {workload}: {n} sequences × {epochs} epoch(s) in {:.2} s = {:.0} samples/s (last loss {:.4})",
        ours.seconds, ours.samples_per_s, ours.last_loss
    );
    let mut peers = serde_json::Map::new();
    if let Some(python) = &python {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench");
        for (name, script) in [("keras", "keras_train.py"), ("pytorch", "torch_train.py")] {
            let out = std::process::Command::new(python)
                .arg(dir.join(script))
                .args([
                    "--workload",
                    &workload,
                    "--n",
                    &n.to_string(),
                    "--epochs",
                    &epochs.to_string(),
                    "--threads",
                    &threads.to_string(),
                    "--batch",
                    &batch.to_string(),
                    "--device",
                    &device,
                ])
                .env("OMP_NUM_THREADS", threads.to_string())
                .output();
            match out {
                Ok(out) if out.status.success() => {
                    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| format!("{script} printed no JSON"))?;
                    eprintln!("{name} {workload}: {:.0} samples/s", answer["samples_per_s"].as_f64().unwrap_or(0.0));
                    peers.insert(name.to_owned(), answer);
                }
                Ok(out) => {
                    let why = String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").to_owned();
                    eprintln!("{name} failed: {why}");
                    peers.insert(name.to_owned(), json!({"error": why}));
                }
                Err(e) => {
                    peers.insert(name.to_owned(), json!({"error": format!("{python}: {e}")}));
                }
            }
        }
    }
    if json_output {
        let out = json!({
            "workload": workload, "n": n, "epochs": epochs, "threads": threads, "batch": batch,
            "samples_per_s": ours.samples_per_s, "seconds": ours.seconds, "last_loss": ours.last_loss,
            "backend": ours.backend, "peers": peers,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{workload}: plantlab {:.0} samples/s ({})", ours.samples_per_s, ours.backend);
        for (name, v) in &peers {
            println!("{workload}: {name} {}", v["samples_per_s"].as_f64().map_or_else(|| v.to_string(), |s| format!("{s:.0} samples/s")));
        }
    }
    Ok(())
}

/// `plantlab runs`: the runs list, with interrupted runs marked.
pub fn runs(args: &[String]) -> Result<()> {
    let mut root: Option<PathBuf> = None;
    let mut json_output = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => root = Some(PathBuf::from(it.next().context("--runs needs a folder")?)),
            "--json" => json_output = true,
            other => bail!("unknown option {other}; {USAGE}"),
        }
    }
    let workbench = root.map_or_else(Workbench::new, Workbench::with_runs_root);
    let runs = workbench.list_runs().map_err(anyhow::Error::from)?;
    if json_output {
        println!("{}", serde_json::to_string_pretty(&runs)?);
    } else {
        for r in &runs {
            println!(
                "{:32} {:11} {:11} {:>3} epochs (best {:>3})  test roc-auc {}  {}",
                r.run_id,
                format!("{:?}", r.status).to_lowercase(),
                r.model.as_str(),
                r.epochs_run,
                r.best_epoch,
                opt(r.test_roc_auc),
                r.message
            );
        }
    }
    Ok(())
}
