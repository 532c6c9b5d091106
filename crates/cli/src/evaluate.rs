//! `plantlab bundle`, `plantlab predict`, `plantlab eval` and `plantlab report`: thin calls
//! into the engine's evaluation API.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{format_duration, format_epoch_millis, EvaluateRequest, Evaluation, EventOptions, PredictRequest, RiskTimeline};
use serde_json::json;

use crate::{flag_number, flag_value, USAGE};

/// The options these commands share.
#[derive(Default)]
struct Args {
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    bundle: Option<PathBuf>,
    threshold: Option<f64>,
    lookback_h: Option<f64>,
    clear_ratio: Option<f64>,
    min_alarm: Option<u32>,
    dead_time: Option<u32>,
    run: Option<PathBuf>,
    json: bool,
}

fn parse(command: &str, args: &[String]) -> Result<Args> {
    let mut out = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => out.json = true,
            "-o" | "--output" => out.output = Some(PathBuf::from(flag_value(&mut it, "-o")?)),
            "--bundle" => out.bundle = Some(PathBuf::from(flag_value(&mut it, "--bundle")?)),
            "--threshold" => out.threshold = Some(flag_number(&mut it, "--threshold")?),
            "--lookback-h" => out.lookback_h = Some(flag_number(&mut it, "--lookback-h")?),
            "--clear-ratio" => out.clear_ratio = Some(flag_number(&mut it, "--clear-ratio")?),
            "--min-alarm" => out.min_alarm = Some(flag_number(&mut it, "--min-alarm")?),
            "--dead-time" => out.dead_time = Some(flag_number(&mut it, "--dead-time")?),
            "--run" => out.run = Some(PathBuf::from(flag_value(&mut it, "--run")?)),
            flag if flag.starts_with('-') => bail!("unknown option {flag} for {command}; {USAGE}"),
            path if out.input.is_none() => out.input = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument \"{extra}\"; {USAGE}"),
        }
    }
    Ok(out)
}

fn required<'a>(value: &'a Option<PathBuf>, what: &str) -> Result<&'a PathBuf> {
    value.as_ref().with_context(|| format!("{what}; {USAGE}"))
}

/// A run folder as (runs root, run id).
fn split_run_dir(dir: &Path) -> Result<(PathBuf, String)> {
    let dir = dir.canonicalize().with_context(|| format!("the run folder {} does not exist", dir.display()))?;
    if !dir.join("run.json").is_file() {
        bail!("{} is not a run folder (it has no run.json); pass a folder from `plantlab runs`", dir.display());
    }
    let id = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let root = dir.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((root, id))
}

fn print_json(value: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `plantlab bundle RUN_DIR -o B [--threshold T] [--json]`
pub fn bundle(args: &[String]) -> Result<()> {
    let a = parse("bundle", args)?;
    let run = required(&a.input, "bundle needs a RUN_DIR")?;
    let out = required(&a.output, "bundle needs -o BUNDLE")?;
    let (root, id) = split_run_dir(run)?;
    let info = Workbench::with_runs_root(root).export_bundle_with_events(&id, out, a.threshold, Some(events(&a, EventOptions::default())))?;
    if a.json {
        return print_json(&serde_json::to_value(&info)?);
    }
    println!(
        "wrote {} ({} model for \"{}\", {} features, {} cleaning steps, threshold {})",
        out.display(),
        info.model.as_str(),
        info.target,
        info.features.len(),
        info.recipe_steps,
        info.threshold
    );
    Ok(())
}

/// `base` with the options given on the command line.
fn events(a: &Args, base: EventOptions) -> EventOptions {
    let mut options = base;
    if let Some(h) = a.lookback_h {
        options.lookback_s = h * 3600.0;
    }
    if let Some(r) = a.clear_ratio {
        options.clear_ratio = r;
    }
    if let Some(n) = a.min_alarm {
        options.min_duration_samples = n;
    }
    if let Some(n) = a.dead_time {
        options.dead_time_samples = n;
    }
    options
}

fn any_event_flag(a: &Args) -> bool {
    a.lookback_h.is_some() || a.clear_ratio.is_some() || a.min_alarm.is_some() || a.dead_time.is_some()
}

/// The bundle's alarm settings with the command line's on top (`None` when none was given:
/// the engine then takes the bundle's own).
fn bundle_events(a: &Args, workbench: &Workbench, bundle: &Path) -> Result<Option<EventOptions>> {
    if !any_event_flag(a) {
        return Ok(None);
    }
    Ok(Some(events(a, workbench.bundle_event_options(bundle)?)))
}

fn settings_text(o: &EventOptions) -> String {
    format!(
        "clear below {:.0} % of the threshold, at least {} sampling interval(s), merged within {}",
        o.clear_ratio * 100.0,
        o.min_duration_samples,
        o.dead_time_samples
    )
}

/// `plantlab predict FILE --bundle B -o PRED.csv [--threshold T] [--json]`
pub fn predict(args: &[String]) -> Result<()> {
    let a = parse("predict", args)?;
    let file = required(&a.input, "predict needs a FILE")?;
    let bundle = required(&a.bundle, "predict needs --bundle B")?;
    let out = required(&a.output, "predict needs -o PRED.csv")?;
    let workbench = Workbench::new();
    let events = bundle_events(&a, &workbench, bundle)?;
    let request = PredictRequest { path: file.display().to_string(), bundle: bundle.display().to_string(), threshold: a.threshold, events };
    let mut result = workbench.predict(&request, &JobContext::detached())?;
    workbench.export_predictions(out)?;
    if a.json {
        // The CSV has every sample; the timeline is for plotting only.
        result.timeline = RiskTimeline::default();
        if let Some(e) = result.evaluation.as_mut() {
            e.timeline = RiskTimeline::default();
        }
        let mut value = serde_json::to_value(&result)?;
        value["output"] = json!(out.display().to_string());
        // `alarm_count` counts events; say so in a key of its own.
        value["alarm_events"] = json!(result.alarm_count);
        return print_json(&value);
    }
    println!(
        "{} rows, {} predictions, {} alarm event(s) from {} alarm sample(s) at threshold {} ({}) in {:.1} s; wrote {}",
        result.rows,
        result.samples,
        result.alarm_count,
        result.alarm_samples,
        result.threshold,
        settings_text(&result.event_options),
        result.seconds,
        out.display()
    );
    if let Some(overlap) = &result.training_overlap {
        println!(
            "warning: {} predicted sample(s) lie inside the model's training period ({} to {}); the risk there is not a fair test of the model",
            overlap.samples,
            format_epoch_millis(overlap.train_start_ms),
            format_epoch_millis(overlap.train_end_ms)
        );
    }
    for w in &result.warnings {
        println!("warning: {}", w.message);
    }
    for alarm in result.alarms.iter().take(10) {
        println!("alarm event {}: {}", alarm.index, alarm.explanation);
    }
    if result.alarm_count > 10 {
        println!("… {} more alarm events; every sample is in {}", result.alarm_count - 10, out.display());
    }
    if let Some(e) = &result.evaluation {
        print_metrics(e);
    }
    Ok(())
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.3}"))
}

fn print_metrics(e: &Evaluation) {
    println!("{:<18} {:>8} {:>10}", "", "model", "baseline");
    let (m, b) = (&e.test, &e.baseline);
    for (name, mv, bv) in [
        ("accuracy", Some(m.accuracy), Some(b.accuracy)),
        ("balanced accuracy", Some(m.balanced_accuracy), Some(b.balanced_accuracy)),
        ("precision", Some(m.precision), Some(b.precision)),
        ("recall", Some(m.recall), Some(b.recall)),
        ("F1", Some(m.f1), Some(b.f1)),
        ("ROC-AUC", m.roc_auc, b.roc_auc),
        ("PR-AUC", m.pr_auc, b.pr_auc),
    ] {
        println!("{name:<18} {:>8} {:>10}", fmt(mv), fmt(bv));
    }
    if let Some((false_samples, samples)) = e.alarm_samples() {
        println!("alarm samples: {samples} ({false_samples} of them labelled normal: false-alarm samples)");
    }
    if let Some(ev) = &e.events {
        let rate = match ev.false_alarms_per_day {
            Some(d) => format!("{d:.2} false-alarm events per day"),
            None => format!("{:.2} false-alarm events per 1,000 samples", ev.false_alarms_per_1000_samples),
        };
        println!("fault episodes: {} detected, {} missed; {} false-alarm event(s), {rate}", ev.detected, ev.missed, ev.false_alarms);
        if let Some(lead) = ev.median_lead_time.filter(|_| ev.has_timestamps) {
            println!("median lead time: {}", format_duration(lead));
        }
    }
    if let Some(episodes) = e.thin_evidence() {
        println!("warning: {}", thin_evidence_text(episodes));
    }
}

fn thin_evidence_text(episodes: usize) -> String {
    format!(
        "thin evidence: only {episodes} fault episode(s) to score against (fewer than {}); detections, lead times and false-alarm rates may not hold on other data",
        plantlab_protocol::THIN_EVIDENCE_EPISODES
    )
}

/// `plantlab eval FILE --bundle B [--threshold T] [--lookback-h H] [--json]`, or
/// `plantlab eval --run RUN_DIR …` for a run's own test split (what the Evaluate pane shows).
pub fn eval(args: &[String]) -> Result<()> {
    let a = parse("eval", args)?;
    let (file, evaluation) = match &a.run {
        Some(run) => {
            let (root, id) = split_run_dir(run)?;
            let request = EvaluateRequest { run_id: id, threshold: a.threshold, events: events(&a, EventOptions::default()) };
            (run.clone(), Workbench::with_runs_root(root).evaluate_run(&request)?)
        }
        None => {
            let file = required(&a.input, "eval needs a FILE (or --run RUN_DIR)")?;
            let bundle = required(&a.bundle, "eval needs --bundle B")?;
            let workbench = Workbench::new();
            let events = bundle_events(&a, &workbench, bundle)?;
            (file.clone(), workbench.evaluate_file(file, bundle, a.threshold, events, &JobContext::detached())?)
        }
    };
    let file = &file;
    if a.json {
        // The metric names of `plantlab train --json` ("test", "majority_accuracy"), plus events.
        // `events.false_alarms*` count alarm EVENTS (kept for scripts); the explicit keys below
        // say what they count.
        let (false_alarm_samples, alarm_samples) = evaluation.alarm_samples().unzip();
        let events = evaluation.events.as_ref();
        return print_json(&json!({
            "file": file.display().to_string(),
            "samples": evaluation.samples,
            "threshold": evaluation.threshold,
            "majority_accuracy": evaluation.majority_accuracy,
            "test": evaluation.test,
            "baseline": evaluation.baseline,
            "events": evaluation.events,
            "event_options": evaluation.event_options,
            "alarm_samples": alarm_samples,
            "false_alarm_samples": false_alarm_samples,
            "false_alarm_events": events.map(|e| e.false_alarms),
            "false_alarm_events_per_day": events.and_then(|e| e.false_alarms_per_day),
            "false_alarm_events_per_1000_samples": events.map(|e| e.false_alarms_per_1000_samples),
            "fault_episodes": events.map_or(0, |e| e.episodes.len()),
            "thin_evidence": evaluation.thin_evidence().map(thin_evidence_text),
            "contributions": evaluation.contributions,
        }));
    }
    println!("{} samples of {} at threshold {}", evaluation.samples, file.display(), evaluation.threshold);
    print_metrics(&evaluation);
    Ok(())
}

/// `plantlab report RUN_DIR -o REPORT.html`
pub fn report(args: &[String]) -> Result<()> {
    let a = parse("report", args)?;
    let run = required(&a.input, "report needs a RUN_DIR")?;
    let out = required(&a.output, "report needs -o REPORT.html")?;
    let (root, id) = split_run_dir(run)?;
    Workbench::with_runs_root(root).export_report(&id, out)?;
    println!("wrote {}", out.display());
    Ok(())
}
