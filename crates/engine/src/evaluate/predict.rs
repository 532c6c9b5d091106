//! Applying a model bundle to a new export: load it the way the training export was read,
//! replay the cleaning recipe (fitted statistics kept, never refitted), encode with the
//! training tokenizer, predict in chunks (progress, cancel), find alarms, explain them, and
//! warn where the input leaves what the model saw in training.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use plantlab_protocol::{
    format_epoch_millis, message_args, Alarm, CleanStep, Evaluation, EventOptions, InputWarning, InputWarningKind, MessageArg, PredictRequest,
    PredictionResult, Recipe, SequenceMode, TagContribution, TrainingOverlap,
};
use polars::prelude::DataFrame;

use super::bundle::{self, LoadedBundle};
use super::events::{alarm_events, AlarmEvent};
use super::explain::{self, Explainer, RecentSpan};
use super::{evaluate, row_times_ms, EvaluationInput, Scored};
use crate::clean::{recipe, CleanSession};
use crate::error::{Detail, EngineError, Result};
use crate::tasks::JobContext;
use crate::train::data::{self, FeatureCoding, InputCheck, Values};

/// Samples per forward pass.
const PREDICT_CHUNK: usize = 2048;
/// Alarm samples whose tag contributions are computed; beyond this each alarm event is
/// explained from evenly spread samples of it (its peak always among them).
const EXPLAIN_ALL_UP_TO: usize = 20_000;
/// The fewest samples explained per alarm event when thinning.
const EXPLAIN_PER_EVENT_MIN: usize = 8;
/// Alarm events listed (with explanations); the CSV has every sample.
const MAX_ALARMS: usize = 1000;
/// Tags named per alarm and per sample.
const TOP_TAGS: usize = 3;
/// Samples averaged for the whole-file contributions.
const CONTRIBUTION_SAMPLES: usize = 1000;
/// Rows of recent behaviour an alarm's explanation looks at (at least the model's window).
const RECENT_ROWS: usize = 12;

/// Every sample's prediction, kept by the engine for the CSV export.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictions {
    pub rows: Vec<u64>,
    pub times_ms: Option<Vec<i64>>,
    pub risk: Vec<f64>,
    pub threshold: f64,
    /// Top tags of the alarm event each alarm sample belongs to (empty for the others).
    pub top_tags: Vec<Vec<String>>,
    /// The alarm event (1-based, as listed) each sample lies in; 0 outside every event.
    pub alarm_event: Vec<u32>,
}

/// `plantlab predict` / the Predict pane. Alarm settings: the request's, else the bundle's.
pub fn predict_file(request: &PredictRequest, job: &JobContext) -> Result<(PredictionResult, Predictions)> {
    job.progress(0.0, crate::Stage::OpeningBundle);
    let loaded = bundle::open(Path::new(&request.bundle))?;
    predict_with(&loaded, Path::new(&request.path), request.threshold, request.events, job)
}

/// `plantlab eval`: predictions on a labelled file, scored.
pub fn evaluate_file(path: &Path, bundle_path: &Path, threshold: Option<f64>, events: Option<EventOptions>, job: &JobContext) -> Result<Evaluation> {
    let loaded = bundle::open(bundle_path)?;
    let target = loaded.bundle.tokenizer.target.clone();
    let (result, _) = predict_with(&loaded, path, threshold, events, job)?;
    result.evaluation.ok_or_else(|| {
        EngineError::BadTrainConfig(Detail::coded(
            "no_labelled_values",
            [("path", path.display().to_string().into()), ("target", target.as_str().into())],
        ))
    })
}

/// The file loaded as the training export was (the recipe's import settings), with the
/// recipe's steps replayed, their fitted statistics kept: the frame and its timestamp column.
/// Model bundles of either kind read new data through here.
pub(crate) fn load_cleaned(recipe: &Recipe, path: &Path, job: &JobContext) -> Result<(DataFrame, Option<String>)> {
    let dataset = crate::workbench::load_dataset(path, &recipe::overrides_for(&recipe.import), job)?;
    // Class weights are for training only (and need the label, which new data may lack).
    let mut recipe = recipe.clone();
    for step in &mut recipe.steps {
        if matches!(step.step, CleanStep::WeightClasses { .. }) {
            step.enabled = false;
        }
    }
    if recipe.steps.iter().all(|s| !s.enabled) {
        let ts = dataset.summary().timestamp_column.clone();
        return Ok((dataset.frame().clone(), ts));
    }
    job.progress(0.0, crate::Stage::ReplayingRecipe);
    let mut session = CleanSession::start(Arc::new(dataset));
    session.use_recipe(recipe, job)?;
    if let Some(failed) = session.summary().steps.iter().find(|o| o.error.is_some()) {
        return Err(EngineError::BadStep(Detail::coded("bundle_step_failed", crate::clean::failed_step_args(failed))));
    }
    let cleaned = session.cleaned();
    Ok((cleaned.frame().clone(), cleaned.summary().timestamp_column.clone()))
}

pub fn predict_with(
    loaded: &LoadedBundle,
    path: &Path,
    threshold: Option<f64>,
    events: Option<EventOptions>,
    job: &JobContext,
) -> Result<(PredictionResult, Predictions)> {
    let started = Instant::now();
    let b = &loaded.bundle;
    let threshold = threshold.unwrap_or(b.threshold);
    if !threshold.is_finite() || !(0.0..=1.0).contains(&threshold) {
        return Err(EngineError::BadTrainConfig(Detail::coded("threshold_range", [("value", threshold.to_string().into())])));
    }
    let events = events.unwrap_or(b.event_options);
    super::check_event_options(&events)?;
    let (frame, timestamp_column) = load_cleaned(&b.recipe, path, job)?;
    job.check_cancelled()?;
    job.progress(0.0, crate::Stage::Encoding);
    let tokenizer = &b.tokenizer;
    let all_times = row_times_ms(&frame, timestamp_column.as_deref());
    let encoded = data::encode(&frame, tokenizer, b.config.model.dense_input(), all_times.as_deref())?;
    let window = match b.config.mode {
        SequenceMode::Row => 1,
        SequenceMode::Window { window, .. } => window.max(1) as usize,
    };
    let rows = frame.height();
    if rows < window {
        return Err(EngineError::BadTrainConfig(Detail::coded(
            "rows_below_window",
            [("path", path.display().to_string().into()), ("rows", rows.into()), ("window", window.into())],
        )));
    }
    let positive = (tokenizer.classes.len() == 2).then_some(1);
    let explainer =
        Explainer { model: &loaded.model, encoded: &encoded, tokenizer, kind: b.config.model, window, positive, majority: b.majority_class };
    let ends: Vec<usize> = (window - 1..rows).collect();
    let mut probs = Vec::with_capacity(ends.len() * tokenizer.classes.len());
    for (k, chunk) in ends.chunks(PREDICT_CHUNK).enumerate() {
        job.check_cancelled()?;
        probs.extend(explainer.predict(chunk)?);
        job.progress(((k + 1) * PREDICT_CHUNK).min(ends.len()) as f32 / ends.len().max(1) as f32 * 0.8, crate::Stage::Predicting);
    }
    let labels = data::encode_labels(&frame, tokenizer)?;
    let scored = Scored {
        classes: tokenizer.classes.clone(),
        positive_class: positive,
        majority_class: b.majority_class,
        rows: ends.iter().map(|e| *e as u64).collect(),
        times_ms: all_times.as_ref().map(|t| ends.iter().map(|e| t[*e]).collect()),
        labels: ends.iter().map(|e| labels.as_ref().and_then(|l| l[*e])).collect(),
        probs,
        training_period_ms: None,
    };
    let risk = scored.risk();

    // Alarm samples merge into alarm events; each event is explained by the tag contributions
    // averaged over its alarm samples (all of them, or an even spread with the peak).
    job.progress(0.85, crate::Stage::ExplainingAlarms);
    let events_found = alarm_events(&risk, scored.times_ms.as_deref(), threshold, &events);
    let alarm_samples = risk.iter().filter(|r| **r >= threshold).count();
    let per_event_budget =
        if alarm_samples <= EXPLAIN_ALL_UP_TO { usize::MAX } else { (EXPLAIN_ALL_UP_TO / events_found.len().max(1)).max(EXPLAIN_PER_EVENT_MIN) };
    let explained_by_event: Vec<Vec<usize>> = events_found.iter().map(|e| explained_samples(&risk, threshold, e, per_event_budget)).collect();
    let explained: Vec<usize> = explained_by_event.iter().flatten().copied().collect();
    let explained_ends: Vec<usize> = explained.iter().map(|&i| ends[i]).collect();
    let deltas = explainer.tag_effects(&explained_ends, job)?;
    let mut top_tags = vec![Vec::new(); ends.len()];
    let mut alarm_event = vec![0u32; ends.len()];
    let mut event_tags: Vec<Vec<TagContribution>> = Vec::with_capacity(events_found.len());
    let mut at = 0;
    for (event, samples) in events_found.iter().zip(&explained_by_event) {
        let tags = explain::event_top_tags(&deltas[at..at + samples.len()], tokenizer, TOP_TAGS);
        at += samples.len();
        let names: Vec<String> = tags.iter().map(|t| t.tag.clone()).collect();
        let number = event_tags.len() as u32 + 1;
        for slot in &mut alarm_event[event.start..=event.end] {
            *slot = number;
        }
        for i in event.start..=event.end {
            if risk[i] >= threshold {
                top_tags[i].clone_from(&names);
            }
        }
        event_tags.push(tags);
    }

    let mut values_cache: HashMap<String, Option<Values>> = HashMap::new();
    let mut alarms = Vec::new();
    for (k, (event, top)) in events_found.iter().zip(event_tags).take(MAX_ALARMS).enumerate() {
        let p = event.peak;
        let peak_row = ends[p];
        // Row-mode data without a time axis has no "recent" history: describe the row itself.
        let history = if window == 1 && all_times.is_none() { 1 } else { RECENT_ROWS.max(window) };
        let span = RecentSpan { from: (peak_row + 1).saturating_sub(history), to: peak_row, times_ms: all_times.as_deref() };
        let samples_above = (event.start..=event.end).filter(|&i| risk[i] >= threshold).count();
        let mut sentences = vec![explain::alarm_headline(risk[p], peak_row as u64, scored.times_ms.as_ref().map(|t| t[p]), samples_above)];
        for tag in &top {
            if let Some(coding) = tokenizer.features.iter().find(|f| f.name() == tag.tag) {
                let values = values_cache
                    .entry(tag.tag.clone())
                    .or_insert_with(|| frame.column(&tag.tag).ok().and_then(|_| data::read_values(&frame, &tag.tag).ok()));
                sentences.push(explain::describe_tag(coding, values.as_ref(), &span));
            }
        }
        if top.iter().all(|t| t.mean_abs < explain::NOTICEABLE_CHANGE) {
            sentences.push(explain::combination_sentence());
        }
        if event.open_at_end {
            sentences.push(explain::open_at_end_sentence());
        }
        alarms.push(Alarm {
            index: k as u32 + 1,
            start_row: ends[event.start] as u64,
            end_row: ends[event.end] as u64,
            start_ms: scored.times_ms.as_ref().map(|t| t[event.start]),
            end_ms: scored.times_ms.as_ref().map(|t| t[event.end]),
            peak_risk: risk[p],
            peak_row: peak_row as u64,
            top_tags: top,
            explanation: explain::english_explanation(&sentences),
            explanation_sentences: sentences,
        });
    }

    let warnings = input_warnings(tokenizer.features.as_slice(), &encoded.inputs, rows);
    let evaluation = if scored.labels.iter().any(Option::is_some) {
        job.progress(0.95, crate::Stage::ScoringAgainstLabels);
        let step = ends.len().div_ceil(CONTRIBUTION_SAMPLES).max(1);
        let sample: Vec<usize> = ends.iter().step_by(step).copied().collect();
        let contributions = explain::average(&explainer.tag_effects(&sample, job)?, tokenizer);
        Some(evaluate(EvaluationInput {
            source: path.display().to_string(),
            run_id: Some(b.run_id.clone()),
            threshold,
            events,
            contributions,
            scored: &scored,
        })?)
    } else {
        None
    };
    // The evaluation already reduced the same risks and labels; otherwise reduce them here.
    let timeline = match &evaluation {
        Some(e) => e.timeline.clone(),
        None => {
            let faults: Vec<bool> = if labels.is_some() { vec![false; risk.len()] } else { Vec::new() };
            scored.timeline(&risk, &faults)
        }
    };
    let result = PredictionResult {
        bundle: loaded.info(),
        file: path.display().to_string(),
        rows: rows as u64,
        samples: ends.len() as u64,
        threshold,
        timeline,
        alarms,
        alarm_count: events_found.len() as u64,
        alarm_samples: alarm_samples as u64,
        event_options: events,
        training_overlap: training_overlap(b.training_period_ms, scored.times_ms.as_deref()),
        warnings,
        evaluation,
        seconds: started.elapsed().as_secs_f64(),
    };
    let predictions = Predictions { rows: scored.rows, times_ms: scored.times_ms, risk, threshold, top_tags, alarm_event };
    Ok((result, predictions))
}

/// The alarm samples of `event` whose contributions explain it: all of them, or at most
/// `budget` spread evenly, the peak always included.
fn explained_samples(risk: &[f64], threshold: f64, event: &AlarmEvent, budget: usize) -> Vec<usize> {
    let above: Vec<usize> = (event.start..=event.end).filter(|&i| risk[i] >= threshold).collect();
    if above.len() <= budget {
        return above;
    }
    let step = above.len().div_ceil(budget.max(1)).max(1);
    let mut chosen: Vec<usize> = above.iter().step_by(step).copied().collect();
    if !chosen.contains(&event.peak) {
        chosen.push(event.peak);
        chosen.sort_unstable();
    }
    chosen
}

/// Predicted samples inside the training split's time range.
fn training_overlap(period: Option<(i64, i64)>, times_ms: Option<&[i64]>) -> Option<TrainingOverlap> {
    let (train_start_ms, train_end_ms) = period?;
    let samples = times_ms?.iter().filter(|t| (train_start_ms..=train_end_ms).contains(t)).count() as u64;
    (samples > 0).then_some(TrainingOverlap { samples, train_start_ms, train_end_ms })
}

fn percent(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

/// Where the new data leaves what the model saw in training. Each warning is coded; its
/// English `message` comes from the catalogue the edges word it from.
fn input_warnings(features: &[FeatureCoding], checks: &[InputCheck], rows: usize) -> Vec<InputWarning> {
    let mut out = Vec::new();
    let warning = |kind, tag: &str, count: u64, variant: &str, args, example_rows| InputWarning {
        kind,
        tag: tag.to_owned(),
        count,
        message: String::new(),
        example_rows,
        variant: variant.to_owned(),
        args,
    };
    for (coding, check) in features.iter().zip(checks) {
        let tag = coding.name();
        let named = || ("tag", MessageArg::from(tag));
        if check.absent {
            out.push(warning(InputWarningKind::MissingTag, tag, rows as u64, "", message_args([named()]), Vec::new()));
            continue;
        }
        if check.out_of_range > 0 {
            let count = ("count", MessageArg::from(check.out_of_range));
            let (variant, args) = match coding {
                FeatureCoding::Numeric { min, max, unit, .. } => {
                    let range = format!("[{min}, {max}]{}", unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default());
                    ("", message_args([named(), count, ("range", MessageArg::Text(range))]))
                }
                FeatureCoding::Categorical { .. } => ("categorical", message_args([named(), count])),
            };
            out.push(warning(InputWarningKind::OutOfTrainingRange, tag, check.out_of_range, variant, args, check.examples.clone()));
        }
        if check.unseen > 0 {
            let args = message_args([named(), ("count", MessageArg::from(check.unseen))]);
            out.push(warning(InputWarningKind::UnseenCategory, tag, check.unseen, "", args, check.examples.clone()));
        }
        let trained_missing = match coding {
            FeatureCoding::Numeric { missing_share, .. } | FeatureCoding::Categorical { missing_share, .. } => *missing_share,
        };
        let share = check.missing as f64 / rows.max(1) as f64;
        if share > 0.5_f64.max(trained_missing + 0.3) {
            let args = message_args([named(), ("share", MessageArg::Text(percent(share))), ("trained", MessageArg::Text(percent(trained_missing)))]);
            out.push(warning(InputWarningKind::MostlyMissing, tag, check.missing, "", args, Vec::new()));
        }
    }
    plantlab_i18n::with_english(|english| {
        for warning in &mut out {
            warning.message = plantlab_i18n::input_warning_text(english, warning);
        }
    });
    out
}

/// The predictions as CSV: `timestamp` (or `row`), `risk`, `alarm` (the sample is at or above
/// the threshold), `top_tags` (of its alarm event) and `alarm_event` (the event it lies in,
/// empty outside events; an event also holds the samples hysteresis and dead time kept on).
/// Written atomically (a failed or killed write leaves the old file), and a tag list that a
/// spreadsheet would run as a formula (a tag named `=…`) gets the usual guard.
pub fn write_csv(predictions: &Predictions, path: &Path) -> Result<()> {
    crate::atomic_file::write_with(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        write_rows(predictions, &mut out).and_then(|()| out.flush()).map_err(|e| e.to_string())
    })
}

fn write_rows(predictions: &Predictions, out: &mut impl Write) -> std::io::Result<()> {
    let first = if predictions.times_ms.is_some() { "timestamp" } else { "row" };
    writeln!(out, "{first},risk,alarm,top_tags,alarm_event")?;
    for (i, risk) in predictions.risk.iter().enumerate() {
        let when = match &predictions.times_ms {
            Some(t) => format_epoch_millis(t[i]),
            None => predictions.rows[i].to_string(),
        };
        let joined = predictions.top_tags[i].join("; ");
        let tags = crate::frame_export::guard_formula_text(&joined).unwrap_or(joined).replace('"', "\"\"");
        let event = match predictions.alarm_event.get(i) {
            Some(&n) if n > 0 => n.to_string(),
            _ => String::new(),
        };
        writeln!(out, "{when},{risk:.6},{},\"{tags}\",{event}", u8::from(*risk >= predictions.threshold))?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "coded_tests.rs"]
mod coded_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn two_predictions(tags: &[&str]) -> Predictions {
        Predictions {
            rows: vec![0, 1],
            times_ms: None,
            risk: vec![0.1, 0.9],
            threshold: 0.5,
            top_tags: vec![Vec::new(), tags.iter().map(|t| (*t).to_owned()).collect()],
            alarm_event: vec![0, 1],
        }
    }

    #[test]
    fn the_predictions_csv_guards_formula_tags_and_spares_the_users_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("pred.csv");
        // A file of the user's under the name the old temporary took.
        std::fs::write(dir.path().join("pred.csv.partial"), "mine\n").unwrap();
        write_csv(&two_predictions(&["=HYPERLINK(\"http://x\")", "P1"]), &target).unwrap();
        let text = std::fs::read_to_string(&target).unwrap();
        assert_eq!(text, "row,risk,alarm,top_tags,alarm_event\n0,0.100000,0,\"\",\n1,0.900000,1,\"'=HYPERLINK(\"\"http://x\"\"); P1\",1\n");
        assert_eq!(std::fs::read_to_string(dir.path().join("pred.csv.partial")).unwrap(), "mine\n");
        // Plain tag names are written as they are.
        write_csv(&two_predictions(&["P1", "-T2"]), &target).unwrap();
        assert!(std::fs::read_to_string(&target).unwrap().ends_with("1,0.900000,1,\"P1; -T2\",1\n"));
        // A write that fails leaves no temporary behind.
        let missing = dir.path().join("no-such-folder").join("pred.csv");
        assert!(write_csv(&two_predictions(&["P1"]), &missing).is_err());
        let mut names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["pred.csv", "pred.csv.partial"]);
    }
}
