//! Evaluation, bundles and prediction through the Workbench: a model trained on a generated
//! plant series with known faults, evaluated, bundled, and applied to a new export.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{
    EvaluateRequest, EventOptions, ImportOverrides, InputWarningKind, ModelKind, PredictRequest, TaskEvent, TaskOutcome, TrainConfig,
};

/// Room for a task's events; far more than one test sends, and a full queue makes the task wait.
const EVENTS_BOUND: usize = 4096;

/// A 10-minute series: bearing temperature and vibration rise over the 3 hours before each
/// fault; `fault` marks those 3 hours. `shift` moves every temperature (out-of-range tests);
/// `with_vibration` drops a tag (missing-tag tests).
fn write_series(path: &Path, rows: usize, seed: u64, shift: f64, with_vibration: bool) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let vib = if with_vibration { ",vibration" } else { "" };
    writeln!(out, "time,bearing_temp{vib},flow,fault").unwrap();
    let mut state = seed;
    let mut noise = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    let period = 150; // a fault every 25 hours
    for i in 0..rows {
        let to_fault = period - 1 - (i + seed as usize * 7) % period;
        let ramp = if to_fault < 18 { (18 - to_fault) as f64 } else { 0.0 };
        let temp = 60.0 + shift + ramp * 1.5 + noise() * 2.0;
        let vibration = 2.0 + ramp * 0.2 + noise() * 0.3;
        let flow = 100.0 + noise() * 10.0;
        let minutes = i * 10;
        let time = format!("2026-01-{:02}T{:02}:{:02}:00", 1 + minutes / 1440, (minutes / 60) % 24, minutes % 60);
        let fault = u8::from(to_fault < 18);
        if with_vibration {
            writeln!(out, "{time},{temp:.2},{vibration:.3},{flow:.1},{fault}").unwrap();
        } else {
            writeln!(out, "{time},{temp:.2},{flow:.1},{fault}").unwrap();
        }
    }
}

struct Trained {
    dir: tempfile::TempDir,
    workbench: Workbench,
    run_id: String,
    csv: std::path::PathBuf,
    summary: plantlab_protocol::RunSummary,
}

fn trained(model: ModelKind) -> Trained {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("plant.csv");
    write_series(&csv, 4000, 1, 0.0, true);
    let workbench = Workbench::with_runs_root(dir.path().join("runs"));
    workbench.load(&csv, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let config = TrainConfig { target: "fault".into(), model, epochs: 4, ..TrainConfig::default() };
    let summary = workbench.train(&config, &JobContext::detached(), &mut |_| {}).unwrap();
    Trained { run_id: summary.run_id.clone(), dir, workbench, csv, summary }
}

fn request(run_id: &str, threshold: Option<f64>) -> EvaluateRequest {
    EvaluateRequest { run_id: run_id.into(), threshold, events: EventOptions::default() }
}

#[test]
fn evaluation_agrees_with_training_and_follows_the_threshold() {
    let t = trained(ModelKind::Seed);
    let eval = t.workbench.evaluate_run(&request(&t.run_id, None)).unwrap();
    let test = t.summary.test.clone().unwrap();
    assert_eq!(eval.test.roc_auc, test.roc_auc, "same scores as the run's test metrics");
    assert_eq!(eval.samples, test.samples);
    assert!((eval.majority_accuracy - t.summary.majority_accuracy).abs() < 1e-12);
    assert!(eval.test.roc_auc.unwrap() > 0.9, "the ramp is easy to see: {:?}", eval.test.roc_auc);
    assert_eq!(eval.timeline.x.len() as u64, eval.samples.min(4000));
    assert!(eval.timeline.has_timestamps);
    // Every tag has a contribution; the temperature ramp matters more than flow (noise).
    let names: Vec<&str> = eval.contributions.iter().map(|c| c.tag.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let of = |tag: &str| eval.contributions.iter().find(|c| c.tag == tag).unwrap().mean_abs;
    assert!(of("bearing_temp") > of("flow"), "{:?}", eval.contributions);
    // Events: the test split (600 rows ≈ 4 faults) has episodes; each is 3 h long.
    let events = eval.events.clone().unwrap();
    assert!(events.episodes.len() >= 3, "{events:?}");
    assert!(events.has_timestamps);
    assert!(events.episodes.iter().all(|e| e.end_ms.unwrap() - e.start_ms.unwrap() == 17 * 600_000));
    assert_eq!(eval.thin_evidence(), None, "{} episodes are enough", events.episodes.len());
    // The runs list says how the run made its samples, in time.
    let runs = t.workbench.list_runs().unwrap();
    let entry = runs.iter().find(|r| r.run_id == t.run_id).unwrap();
    assert_eq!(entry.sampling_interval_s, Some(600.0));
    assert_eq!(entry.mode_text(), "row mode (one sample per row)");
    // Threshold 0: everything is an alarm → recall 1; above every risk: no alarm.
    let all = t.workbench.evaluate_run(&request(&t.run_id, Some(0.0))).unwrap();
    assert!((all.test.recall - 1.0).abs() < 1e-12);
    let none = t.workbench.evaluate_run(&request(&t.run_id, Some(1.0))).unwrap();
    assert!(none.test.recall < all.test.recall);
    assert_eq!(none.events.unwrap().false_alarms, 0);
    assert!(t.workbench.evaluate_run(&request("nope", None)).is_err());
    drop(t.dir);
}

#[test]
fn bundle_round_trip_gives_identical_predictions() {
    let t = trained(ModelKind::Seed);
    let bundle = t.dir.path().join("model.plmodel");
    let info = t.workbench.export_bundle(&t.run_id, &bundle, Some(0.4)).unwrap();
    assert_eq!(info.features, ["bearing_temp", "vibration", "flow"]);
    assert_eq!(info.threshold, 0.4);
    assert_eq!(t.workbench.open_bundle(&bundle).unwrap(), info);

    // The bundle on the training file gives the run's own test scores.
    let predict = PredictRequest { path: t.csv.display().to_string(), bundle: bundle.display().to_string(), threshold: None, events: None };
    let result = t.workbench.predict(&predict, &JobContext::detached()).unwrap();
    assert_eq!(result.rows, 4000);
    assert_eq!(result.threshold, 0.4);
    // The validation and test rows may hold a few values beyond the training rows' range.
    assert!(result.warnings.iter().all(|w| w.kind == InputWarningKind::OutOfTrainingRange && w.count < 40), "{:?}", result.warnings);
    let eval = result.evaluation.clone().unwrap();
    assert!(eval.test.roc_auc.unwrap() > 0.9);
    let out_a = t.dir.path().join("a.csv");
    t.workbench.export_predictions(&out_a).unwrap();
    let text = std::fs::read_to_string(&out_a).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "timestamp,risk,alarm,top_tags,alarm_event");
    assert_eq!(lines.len(), 4001);
    let scores: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.dir.path().join("runs").join(&t.run_id).join("test_scores.json")).unwrap()).unwrap();
    let rows = scores["rows"].as_array().unwrap();
    let probs = scores["probs"].as_array().unwrap();
    for (k, row) in rows.iter().enumerate().step_by(37) {
        let row = row.as_u64().unwrap() as usize;
        let from_run = probs[k * 2 + 1].as_f64().unwrap();
        let from_bundle: f64 = lines[row + 1].split(',').nth(1).unwrap().parse().unwrap();
        assert!((from_run - from_bundle).abs() < 1e-5, "row {row}: run {from_run} vs bundle {from_bundle}");
    }
    // Alarms carry explanations that name their tags.
    let alarm = result.alarms.iter().find(|a| !a.top_tags.is_empty()).expect("an explained alarm");
    assert!(alarm.explanation.contains(&alarm.top_tags[0].tag), "{}", alarm.explanation);
    assert!(alarm.explanation.contains("training median"), "{}", alarm.explanation);

    // Again from the file: byte-identical predictions.
    t.workbench.predict(&predict, &JobContext::detached()).unwrap();
    let out_b = t.dir.path().join("b.csv");
    t.workbench.export_predictions(&out_b).unwrap();
    assert_eq!(std::fs::read(&out_a).unwrap(), std::fs::read(&out_b).unwrap());
}

#[test]
fn new_exports_get_warnings_and_run_in_the_background() {
    let t = trained(ModelKind::Mlp);
    let bundle = t.dir.path().join("model.plmodel");
    t.workbench.export_bundle(&t.run_id, &bundle, None).unwrap();
    // A hotter plant without the vibration tag.
    let new = t.dir.path().join("new.csv");
    write_series(&new, 900, 5, 25.0, false);
    let (tx, rx) = sync_channel(EVENTS_BOUND);
    let request = PredictRequest { path: new.display().to_string(), bundle: bundle.display().to_string(), threshold: None, events: None };
    t.workbench.start_predict(request, move |e| tx.send(e).unwrap()).unwrap();
    let events: Vec<TaskEvent> = rx.iter().collect();
    assert!(events.iter().any(|e| matches!(e, TaskEvent::Progress { .. })));
    let Some(TaskEvent::Finished { outcome: TaskOutcome::Predicted(result), .. }) = events.last() else {
        panic!("no prediction: {:?}", events.last());
    };
    let kinds: Vec<(InputWarningKind, &str)> = result.warnings.iter().map(|w| (w.kind, w.tag.as_str())).collect();
    assert!(kinds.contains(&(InputWarningKind::MissingTag, "vibration")), "{kinds:?}");
    assert!(kinds.contains(&(InputWarningKind::OutOfTrainingRange, "bearing_temp")), "{kinds:?}");
    // The open data set is untouched by predicting.
    assert_eq!(t.workbench.summary().unwrap().rows, 4000);
}

#[test]
fn damaged_bundles_fail_clearly() {
    let t = trained(ModelKind::Seed);
    let bundle = t.dir.path().join("model.plmodel");
    t.workbench.export_bundle(&t.run_id, &bundle, None).unwrap();
    let bytes = std::fs::read(&bundle).unwrap();
    let truncated = t.dir.path().join("truncated.plmodel");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = t.workbench.open_bundle(&truncated).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    // One character of the weights changed.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let at = text.find("\"weights\":\"").unwrap() + 40;
    let mut flipped = text.clone().into_bytes();
    flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
    let damaged = t.dir.path().join("damaged.plmodel");
    std::fs::write(&damaged, &flipped).unwrap();
    let err = t.workbench.open_bundle(&damaged).unwrap_err();
    assert_eq!(err.code(), "bad_bundle", "{err}");
    let newer = t.dir.path().join("newer.plmodel");
    std::fs::write(&newer, text.replacen("\"format_version\":2", "\"format_version\":7", 1)).unwrap();
    assert_eq!(t.workbench.open_bundle(&newer).unwrap_err().code(), "bundle_version");
    assert_eq!(t.workbench.open_bundle(t.dir.path()).unwrap_err().code(), "is_directory");
    let predict = PredictRequest { path: t.csv.display().to_string(), bundle: damaged.display().to_string(), threshold: None, events: None };
    assert!(t.workbench.predict(&predict, &JobContext::detached()).is_err());
    assert_eq!(t.workbench.export_predictions(&t.dir.path().join("x.csv")).unwrap_err().code(), "no_predictions");
}

#[test]
fn the_report_is_one_offline_html_file() {
    let t = trained(ModelKind::Seed);
    let out = t.dir.path().join("report.html");
    t.workbench.export_report(&t.run_id, &out).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(&t.run_id));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
}

#[test]
fn prediction_replays_the_recipe_with_its_training_statistics() {
    use plantlab_protocol::{CleanAction, CleanStep, FillMethod};
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("plant.csv");
    write_series(&csv, 3000, 2, 0.0, true);
    let workbench = Workbench::with_runs_root(dir.path().join("runs"));
    workbench.load(&csv, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let fill = CleanStep::Fill { columns: vec!["bearing_temp".into()], method: FillMethod::Median };
    workbench.clean(CleanAction::Apply { step: fill }, &JobContext::detached()).unwrap();
    let config = TrainConfig { target: "fault".into(), epochs: 2, ..TrainConfig::default() };
    let summary = workbench.train(&config, &JobContext::detached(), &mut |_| {}).unwrap();
    let bundle = dir.path().join("model.plmodel");
    let info = workbench.export_bundle(&summary.run_id, &bundle, None).unwrap();
    assert_eq!(info.recipe_steps, 1);

    // A new export where bearing_temp reads 200 °C in every 4th row and is empty elsewhere.
    // Replayed with the stored training median (~60 °C) only the 200s are out of range; a
    // median refitted on this file would be 200 and every row would be.
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut new = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut fields: Vec<String> = line.split(',').map(str::to_owned).collect();
        if i > 0 {
            fields[1] = if i % 4 == 0 { "200".into() } else { String::new() };
        }
        new.push_str(&fields.join(","));
        new.push('\n');
    }
    let new_csv = dir.path().join("new.csv");
    std::fs::write(&new_csv, new).unwrap();
    let request = PredictRequest { path: new_csv.display().to_string(), bundle: bundle.display().to_string(), threshold: None, events: None };
    let result = workbench.predict(&request, &JobContext::detached()).unwrap();
    let hot = result
        .warnings
        .iter()
        .find(|w| w.kind == InputWarningKind::OutOfTrainingRange && w.tag == "bearing_temp")
        .expect("the 200 °C readings are flagged");
    assert_eq!(hot.count, 750, "only the observed readings, not the filled gaps: {hot:?}");
    assert!(!result.warnings.iter().any(|w| w.kind == InputWarningKind::MostlyMissing), "the gaps were filled: {:?}", result.warnings);
}

/// One sample a minute from `start_day` (days after 2026-03-01) for `days` days. Bearing
/// temperature and vibration climb over the 3 hours before each fault onset in `onsets`
/// (minutes from the start) and the label is 1 from the onset for 40 minutes; the noise is
/// large, so a model's risk flickers around any threshold.
fn write_minutes(path: &Path, start_day: u32, days: u32, onsets: &[usize], seed: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "time,bearing_temp,vibration,flow,fault").unwrap();
    let mut state = seed;
    let mut noise = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    for m in 0..(days as usize * 1440) {
        let (ramp, fault) = onsets.iter().fold((0.0f64, false), |(ramp, fault), &onset| {
            let before = onset as f64 - m as f64;
            let r = if (0.0..180.0).contains(&before) {
                1.0 - before / 180.0
            } else if m >= onset && m < onset + 40 {
                1.0
            } else {
                0.0
            };
            (ramp.max(r), fault || (m >= onset && m < onset + 40))
        });
        let temp = 60.0 + ramp * 12.0 + noise() * 8.0;
        let vibration = 2.0 + ramp * 1.5 + noise() * 1.0;
        let flow = 100.0 + noise() * 10.0;
        let day = start_day as usize + m / 1440;
        let time = format!("2026-03-{:02}T{:02}:{:02}:00", 1 + day, (m / 60) % 24, m % 60);
        writeln!(out, "{time},{temp:.2},{vibration:.3},{flow:.1},{}", u8::from(fault)).unwrap();
    }
}

#[test]
fn a_week_with_two_faults_gives_a_handful_of_alarm_events_not_dozens() {
    let dir = tempfile::tempdir().unwrap();
    // Training: 12 days, a fault every 36 hours.
    let train_csv = dir.path().join("train.csv");
    let onsets: Vec<usize> = (1..8).map(|k| k * 36 * 60).collect();
    write_minutes(&train_csv, 0, 12, &onsets, 3);
    let workbench = Workbench::with_runs_root(dir.path().join("runs"));
    workbench.load(&train_csv, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let config = TrainConfig { target: "fault".into(), model: ModelKind::Mlp, epochs: 3, ..TrainConfig::default() };
    let summary = workbench.train(&config, &JobContext::detached(), &mut |_| {}).unwrap();
    let bundle = dir.path().join("model.plmodel");
    workbench.export_bundle(&summary.run_id, &bundle, Some(0.5)).unwrap();

    // A later week with two fault episodes.
    let week = dir.path().join("week.csv");
    write_minutes(&week, 14, 7, &[2 * 1440 + 600, 5 * 1440 + 200], 11);
    let request = |events| PredictRequest { path: week.display().to_string(), bundle: bundle.display().to_string(), threshold: None, events };
    let result = workbench.predict(&request(None), &JobContext::detached()).unwrap();
    // The CSV numbers each sample's event; alarm samples outside an event have none.
    let csv = dir.path().join("week-predictions.csv");
    workbench.export_predictions(&csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let events_in_csv: Vec<u64> = text.lines().skip(1).filter_map(|l| l.rsplit(',').next().and_then(|e| e.parse().ok())).collect();
    assert_eq!(events_in_csv.iter().max().copied().unwrap_or(0), result.alarm_count);
    assert!(events_in_csv.windows(2).all(|w| w[0] <= w[1]), "events in time order");
    let raw = workbench.predict(&request(Some(EventOptions::default().raw_samples())), &JobContext::detached()).unwrap();
    eprintln!("{} alarm events from {} runs of {} alarm samples", result.alarm_count, raw.alarm_count, raw.alarm_samples);
    // Without merging, the flickering risk makes many short alarms; as events there are a few.
    assert!(raw.alarm_count >= 10, "the risk flickers: {} runs of alarm samples", raw.alarm_count);
    assert!((1..=8).contains(&result.alarm_count), "{} alarm events (raw runs {})", result.alarm_count, raw.alarm_count);
    assert_eq!(result.alarm_samples, raw.alarm_samples, "the same samples, counted as samples");
    assert_eq!(result.event_options, EventOptions::default(), "the bundle's (default) alarm settings");
    for alarm in &result.alarms {
        assert!(!alarm.top_tags.is_empty(), "every alarm event names its tags: {alarm:?}");
        assert!(alarm.explanation.contains(&alarm.top_tags[0].tag), "{}", alarm.explanation);
    }
    let evaluation = result.evaluation.clone().unwrap();
    let events = evaluation.events.clone().unwrap();
    assert_eq!(events.episodes.len(), 2);
    assert!(u64::from(events.false_alarms) <= result.alarm_count);
    // Two episodes are thin evidence; the week lies after the training period.
    assert_eq!(evaluation.thin_evidence(), Some(2));
    assert!(result.training_overlap.is_none(), "{:?}", result.training_overlap);

    // Predicting on the training file itself overlaps the training split.
    let on_train = PredictRequest { path: train_csv.display().to_string(), bundle: bundle.display().to_string(), threshold: None, events: None };
    let overlap = workbench.predict(&on_train, &JobContext::detached()).unwrap().training_overlap.expect("overlap with the training period");
    // The training split is the first 70 % of the 12 days.
    let first_ms = 1_772_323_200_000; // 2026-03-01 00:00 UTC
    assert_eq!(overlap.train_start_ms, first_ms);
    let span_days = (overlap.train_end_ms - overlap.train_start_ms) as f64 / 86_400_000.0;
    assert!((span_days - 12.0 * 0.7).abs() < 0.1, "{span_days}");
    assert!(overlap.samples > 10_000, "{overlap:?}");

    // Settings that make no sense are refused with a message.
    let bad = EventOptions { clear_ratio: 1.5, ..EventOptions::default() };
    let err = workbench.predict(&request(Some(bad)), &JobContext::detached()).unwrap_err();
    assert!(err.to_string().contains("clear ratio"), "{err}");
}
