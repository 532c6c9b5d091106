//! `plantlab bundle`, `plantlab predict`, `plantlab eval` and `plantlab report`: thin calls
//! into the engine's evaluation API. Normal-operation runs and bundles go to `normal.rs`.

use crate::i18n::{pad_end, pad_start, tr, tr_with};
use plantlab_i18n::Arg;
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
    let dir = dir.canonicalize().with_context(|| tr_with("cli-run-folder-missing", &[("path", Arg::from(dir.display().to_string()))]))?;
    if !dir.join("run.json").is_file() {
        bail!("{}", tr_with("cli-not-a-run-folder", &[("path", Arg::from(dir.display().to_string()))]));
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
    let args = [
        ("path", Arg::from(out.display().to_string())),
        ("model", Arg::from(info.model.as_str())),
        ("target", Arg::from(&info.target)),
        ("features", Arg::from(info.features.len().to_string())),
        ("steps", Arg::from(info.recipe_steps.to_string())),
        ("threshold", Arg::from(info.threshold.to_string())),
    ];
    println!("{}", tr_with("cli-bundle-wrote", &args));
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
    let args = [
        ("clear", Arg::from(format!("{:.0}", o.clear_ratio * 100.0))),
        ("duration", Arg::from(o.min_duration_samples.to_string())),
        ("dead-time", Arg::from(o.dead_time_samples.to_string())),
    ];
    tr_with("cli-alarm-settings", &args)
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
    // The sentences in the chosen language; `kind`, `variant`, `args` and the sentences' codes
    // stay as the engine gave them.
    for alarm in &mut result.alarms {
        alarm.explanation = crate::i18n::alarm_explanation_text(alarm);
    }
    for warning in &mut result.warnings {
        warning.message = crate::i18n::input_warning_text(warning);
    }
    if args.json {
        // The CSV has every sample; the timeline is for plotting only.
        result.timeline = RiskTimeline::default();
        if let Some(e) = result.evaluation.as_mut() {
            e.timeline = RiskTimeline::default();
        }
        return print_json(&PredictJson { result: &result, output: out.display().to_string(), alarm_events: result.alarm_count });
    }
    let args = [
        ("rows", Arg::from(result.rows.to_string())),
        ("predictions", Arg::from(result.samples.to_string())),
        ("events", Arg::from(result.alarm_count.to_string())),
        ("samples", Arg::from(result.alarm_samples.to_string())),
        ("threshold", Arg::from(result.threshold.to_string())),
        ("settings", Arg::from(settings_text(&result.event_options))),
        ("seconds", Arg::from(format!("{:.1}", result.seconds))),
        ("path", Arg::from(out.display().to_string())),
    ];
    println!("{}", tr_with("cli-predict-summary", &args));
    if let Some(overlap) = &result.training_overlap {
        let args = [
            ("samples", Arg::from(overlap.samples.to_string())),
            ("from", Arg::from(format_epoch_millis(overlap.train_start_ms))),
            ("to", Arg::from(format_epoch_millis(overlap.train_end_ms))),
        ];
        println!("{}", tr_with("cli-warning", &[("message", Arg::from(tr_with("cli-training-overlap", &args)))]));
    }
    for w in &result.warnings {
        println!("{}", tr_with("cli-warning", &[("message", Arg::from(&w.message))]));
    }
    for alarm in result.alarms.iter().take(10) {
        println!("{}", tr_with("cli-alarm-event", &[("index", Arg::from(alarm.index.to_string())), ("explanation", Arg::from(&alarm.explanation))]));
    }
    if result.alarm_count > 10 {
        let args = [("count", Arg::from((result.alarm_count - 10).to_string())), ("path", Arg::from(out.display().to_string()))];
        println!("{}", tr_with("cli-more-alarm-events", &args));
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
    // Padded by display columns: the Chinese names take two per character.
    println!("{} {} {}", pad_end("", 18), pad_start(&tr("cli-metric-model"), 8), pad_start(&tr("cli-metric-baseline"), 10));
    let (m, b) = (&e.test, &e.baseline);
    for (name, mv, bv) in [
        (tr("cli-metric-accuracy"), Some(m.accuracy), Some(b.accuracy)),
        (tr("cli-metric-balanced-accuracy"), Some(m.balanced_accuracy), Some(b.balanced_accuracy)),
        (tr("cli-metric-precision"), Some(m.precision), Some(b.precision)),
        (tr("cli-metric-recall"), Some(m.recall), Some(b.recall)),
        ("F1".to_owned(), Some(m.f1), Some(b.f1)),
        ("ROC-AUC".to_owned(), m.roc_auc, b.roc_auc),
        ("PR-AUC".to_owned(), m.pr_auc, b.pr_auc),
    ] {
        println!("{} {:>8} {:>10}", pad_end(&name, 18), fmt(mv), fmt(bv));
    }
    if let Some((false_samples, samples)) = e.alarm_samples() {
        let args = [("samples", Arg::from(samples.to_string())), ("false-samples", Arg::from(false_samples.to_string()))];
        println!("{}", tr_with("cli-alarm-samples", &args));
    }
    if let Some(ev) = &e.events {
        let rate = match ev.false_alarms_per_day {
            Some(d) => tr_with("cli-false-alarms-per-day", &[("rate", Arg::from(format!("{d:.2}")))]),
            None => tr_with("cli-false-alarms-per-1000", &[("rate", Arg::from(format!("{:.2}", ev.false_alarms_per_1000_samples)))]),
        };
        let args = [
            ("detected", Arg::from(ev.detected.to_string())),
            ("missed", Arg::from(ev.missed.to_string())),
            ("false-alarms", Arg::from(ev.false_alarms.to_string())),
            ("rate", Arg::from(rate)),
        ];
        println!("{}", tr_with("cli-fault-episodes", &args));
        if let Some(lead) = ev.median_lead_time.filter(|_| ev.has_timestamps) {
            println!("{}", tr_with("cli-median-lead-time", &[("lead", Arg::from(format_duration(lead)))]));
        }
    }
    if let Some(episodes) = e.thin_evidence() {
        println!("{}", tr_with("cli-warning", &[("message", Arg::from(thin_evidence_text(episodes)))]));
    }
}

fn thin_evidence_text(episodes: usize) -> String {
    let args = [("episodes", Arg::from(episodes.to_string())), ("minimum", Arg::from(plantlab_protocol::THIN_EVIDENCE_EPISODES.to_string()))];
    tr_with("cli-thin-evidence", &args)
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
        return Err(crate::usage_error(&["eval"], ErrorKind::ArgumentConflict, tr("cli-eval-label-not-for-classifier")));
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
        _ => return Err(crate::usage_error(&["eval"], ErrorKind::MissingRequiredArgument, tr("cli-eval-needs"))),
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
    let args = [
        ("samples", Arg::from(evaluation.samples.to_string())),
        ("path", Arg::from(file.display().to_string())),
        ("threshold", Arg::from(evaluation.threshold.to_string())),
    ];
    println!("{}", tr_with("cli-eval-summary", &args));
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
    Workbench::with_runs_root(root).export_report_in(&id, out, crate::i18n::language())?;
    if args.json {
        let bytes = std::fs::metadata(out).with_context(|| tr_with("cli-cannot-read-back", &[("path", Arg::from(out.display().to_string()))]))?.len();
        return print_json(&ReportJson { output: out.display().to_string(), bytes, run_id: id });
    }
    println!("{}", tr_with("cli-wrote", &[("path", Arg::from(out.display().to_string()))]));
    Ok(())
}
