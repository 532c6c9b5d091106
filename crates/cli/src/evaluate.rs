//! `plantlab bundle`, `plantlab predict`, `plantlab eval` and `plantlab report`: thin calls
//! into the engine's evaluation API. Normal-operation runs and bundles go to `normal.rs`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::error::ErrorKind;
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{
    format_duration, format_epoch_millis, ClassMetrics, EvaluateRequest, Evaluation, EventOptions, EventScore, PredictRequest, PredictionResult,
    RiskTimeline, TagContribution,
};
use serde::Serialize;

use crate::args::{AlarmArgs, BundleArgs, EvalArgs, PredictArgs, ReportArgs};
use crate::json_out::print_json;

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

/// `plantlab bundle RUN_DIR -o B [--threshold T] [alarm options] [--json]`
pub fn bundle(args: &BundleArgs) -> Result<()> {
    let out = &args.output;
    let (root, id) = split_run_dir(&args.run_dir)?;
    if crate::normal::is_normal_run(&root.join(&id)) {
        return crate::normal::bundle(args, root, &id);
    }
    let info =
        Workbench::with_runs_root(root).export_bundle_with_events(&id, out, args.threshold, Some(args.alarm.apply(EventOptions::default())))?;
    if args.json {
        return print_json(&info);
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

/// The bundle's alarm settings with the command line's on top (`None` when none was given:
/// the engine then takes the bundle's own).
fn bundle_events(alarm: &AlarmArgs, workbench: &Workbench, bundle: &Path) -> Result<Option<EventOptions>> {
    if !alarm.any() {
        return Ok(None);
    }
    Ok(Some(alarm.apply(workbench.bundle_event_options(bundle)?)))
}

fn settings_text(o: &EventOptions) -> String {
    format!(
        "clear below {:.0} % of the threshold, at least {} sampling interval(s), merged within {}",
        o.clear_ratio * 100.0,
        o.min_duration_samples,
        o.dead_time_samples
    )
}

/// `predict --json`: the engine's result (without the timelines) and where the CSV went.
#[derive(Serialize)]
struct PredictJson<'a> {
    #[serde(flatten)]
    result: &'a PredictionResult,
    output: String,
    /// `alarm_count` counts events; this key says so.
    alarm_events: u64,
}

/// `plantlab predict FILE --bundle B -o PRED.csv [--threshold T] [alarm options] [--json]`
pub fn predict(args: &PredictArgs) -> Result<()> {
    if crate::normal::is_normal_bundle(&args.bundle) {
        return crate::normal::predict(args);
    }
    let (file, bundle, out) = (&args.file, &args.bundle, &args.output);
    let workbench = Workbench::new();
    let events = bundle_events(&args.alarm, &workbench, bundle)?;
    let request = PredictRequest { path: file.display().to_string(), bundle: bundle.display().to_string(), threshold: args.threshold, events };
    let mut result = workbench.predict(&request, &JobContext::detached())?;
    workbench.export_predictions(out)?;
    if args.json {
        // The CSV has every sample; the timeline is for plotting only.
        result.timeline = RiskTimeline::default();
        if let Some(e) = result.evaluation.as_mut() {
            e.timeline = RiskTimeline::default();
        }
        return print_json(&PredictJson { result: &result, output: out.display().to_string(), alarm_events: result.alarm_count });
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

/// `eval --json`: the metric names of `plantlab train --json` ("test", "majority_accuracy"),
/// plus events. `events.false_alarms*` count alarm EVENTS (kept for scripts); the explicit
/// keys say what they count.
#[derive(Serialize)]
struct EvalJson<'a> {
    file: String,
    samples: u64,
    threshold: f64,
    majority_accuracy: f64,
    test: &'a ClassMetrics,
    baseline: &'a ClassMetrics,
    events: &'a Option<EventScore>,
    event_options: &'a EventOptions,
    alarm_samples: Option<u64>,
    false_alarm_samples: Option<u64>,
    false_alarm_events: Option<u32>,
    false_alarm_events_per_day: Option<f64>,
    false_alarm_events_per_1000_samples: Option<f64>,
    fault_episodes: usize,
    thin_evidence: Option<String>,
    contributions: &'a [TagContribution],
}

/// `plantlab eval FILE --bundle B [--threshold T] [alarm options] [--json]`, or
/// `plantlab eval --run RUN_DIR …` for a run's own test split (what the Evaluate pane shows).
pub fn eval(args: &EvalArgs) -> Result<()> {
    if args.bundle.as_deref().is_some_and(crate::normal::is_normal_bundle) {
        return crate::normal::eval_normal(args);
    }
    if args.label.is_some() {
        return Err(crate::usage_error(
            &["eval"],
            ErrorKind::ArgumentConflict,
            "--label is for normal-operation bundles (normal_model.json); a classifier's bundle knows its target column",
        ));
    }
    let (file, evaluation) = match (&args.run, &args.file, &args.bundle) {
        (Some(run), _, _) => {
            let (root, id) = split_run_dir(run)?;
            let request = EvaluateRequest { run_id: id, threshold: args.threshold, events: args.alarm.apply(EventOptions::default()) };
            (run.clone(), Workbench::with_runs_root(root).evaluate_run(&request)?)
        }
        (None, Some(file), Some(bundle)) => {
            let workbench = Workbench::new();
            let events = bundle_events(&args.alarm, &workbench, bundle)?;
            (file.clone(), workbench.evaluate_file(file, bundle, args.threshold, events, &JobContext::detached())?)
        }
        // clap requires FILE and --bundle unless --run is given.
        _ => return Err(crate::usage_error(&["eval"], ErrorKind::MissingRequiredArgument, "eval needs FILE and --bundle, or --run RUN_DIR")),
    };
    if args.json {
        let (false_alarm_samples, alarm_samples) = evaluation.alarm_samples().unzip();
        let events = evaluation.events.as_ref();
        return print_json(&EvalJson {
            file: file.display().to_string(),
            samples: evaluation.samples,
            threshold: evaluation.threshold,
            majority_accuracy: evaluation.majority_accuracy,
            test: &evaluation.test,
            baseline: &evaluation.baseline,
            events: &evaluation.events,
            event_options: &evaluation.event_options,
            alarm_samples,
            false_alarm_samples,
            false_alarm_events: events.map(|e| e.false_alarms),
            false_alarm_events_per_day: events.and_then(|e| e.false_alarms_per_day),
            false_alarm_events_per_1000_samples: events.map(|e| e.false_alarms_per_1000_samples),
            fault_episodes: events.map_or(0, |e| e.episodes.len()),
            thin_evidence: evaluation.thin_evidence().map(thin_evidence_text),
            contributions: &evaluation.contributions,
        });
    }
    println!("{} samples of {} at threshold {}", evaluation.samples, file.display(), evaluation.threshold);
    print_metrics(&evaluation);
    Ok(())
}

/// `report --json`: where the report went.
#[derive(Serialize)]
struct ReportJson {
    output: String,
    bytes: u64,
    run_id: String,
}

/// `plantlab report RUN_DIR -o REPORT.html [--json]`
pub fn report(args: &ReportArgs) -> Result<()> {
    let out = &args.output;
    let (root, id) = split_run_dir(&args.run_dir)?;
    Workbench::with_runs_root(root).export_report(&id, out)?;
    if args.json {
        let bytes = std::fs::metadata(out).with_context(|| format!("cannot read back {}", out.display()))?.len();
        return print_json(&ReportJson { output: out.display().to_string(), bytes, run_id: id });
    }
    println!("wrote {}", out.display());
    Ok(())
}
