//! The background task runner: every long job runs on its own named worker thread, reports
//! progress through a bounded channel and checks a cancel flag between units of work.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

use std::collections::BTreeMap;

use plantlab_protocol::{message_key, CleanStep, MessageArg, TaskEvent, TaskId, TaskKind, TaskOutcome, TrainUpdate};

use crate::error::{EngineError, Result};

/// Capacity of each task's event channel. Progress is dropped (not queued) when the consumer
/// lags, since the next update supersedes it; start and end events always get through.
const EVENT_CHANNEL_CAPACITY: usize = 32;

/// Handed to the work closure: report progress, and ask whether the user cancelled.
pub struct JobContext {
    task: TaskId,
    cancel: Arc<AtomicBool>,
    events: Option<SyncSender<TaskEvent>>,
}

impl JobContext {
    /// A context for work run in the foreground (CLI, tests): never cancelled, progress to `report`.
    pub fn detached() -> Self {
        Self { task: 0, cancel: Arc::new(AtomicBool::new(false)), events: None }
    }

    /// A foreground context whose cancel flag the caller holds.
    pub fn with_cancel_flag(cancel: Arc<AtomicBool>) -> Self {
        Self { task: 0, cancel, events: None }
    }

    /// Reports how far the task is and what it is doing now: the stage's code and arguments for
    /// the edges to word, and its English words for scripts and older readers.
    pub fn progress(&self, fraction: f32, stage: Stage) {
        if let Some(events) = &self.events {
            let (stage_code, stage_args) = (stage.code().to_owned(), stage.args());
            let english = stage.english();
            let event = TaskEvent::Progress { task: self.task, fraction: fraction.clamp(0.0, 1.0), stage: english, stage_code, stage_args };
            // A full channel means the UI has not caught up; skipping one update is harmless.
            match events.try_send(event) {
                Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
            }
        }
    }

    /// Sends training metrics to the UI. Epoch updates wait for room in the channel (they must
    /// arrive); batch updates are dropped when the UI lags, which thins the live curve.
    pub fn train_update(&self, update: &TrainUpdate) {
        if let Some(events) = &self.events {
            let event = TaskEvent::Train { task: self.task, update: update.clone() };
            if update.must_deliver() {
                let _ = events.send(event);
            } else {
                let _ = events.try_send(event);
            }
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Returns `Err(Cancelled)` once the user asked to stop; call it between units of work.
    pub fn check_cancelled(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(EngineError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// What a running task is doing, as the progress line says it: every stage the engine reports,
/// so that its codes and their arguments live in one place (catalogue key `stage-<code>`).
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    ReadingFile,
    Parsing,
    ReadingAndParsing,
    RecognisingColumns,
    CheckingQuality,
    WaitingForPreviousRun,
    Tokenizing,
    /// A network's epoch: (epoch, epochs).
    Epoch(u32, u32),
    /// A trees model's boosting round: (round, rounds).
    Round(u32, u32),
    /// A round of the trees baseline trained after a network: (round, rounds).
    BaselineRound(u32, u32),
    TestingBestEpoch,
    TrainingTreesBaseline,
    FindingContributingTags,
    OpeningBundle,
    ReplayingRecipe,
    Encoding,
    Predicting,
    ExplainingAlarms,
    ScoringAgainstLabels,
    FittingPca,
    FittingLinearPredictor,
    SavingModel,
    EvaluatingAgainstFaultLabels,
    Scoring,
    ReadingExport,
    /// Adding a suggested cleaning step (worded at the edge from the step's own fields).
    ApplyingSuggestion(Box<CleanStep>),
    /// Running a cleaning step of the recipe again.
    ReplayingStep(Box<CleanStep>),
    /// The process language model's epoch: (epoch, validation loss).
    LanguageModelEpoch(usize, f64),
}

impl Stage {
    /// Stable, kebab case: the catalogue key is `stage-<code>`.
    pub fn code(&self) -> &'static str {
        match self {
            Stage::ReadingFile => "reading-file",
            Stage::Parsing => "parsing",
            Stage::ReadingAndParsing => "reading-and-parsing",
            Stage::RecognisingColumns => "recognising-columns",
            Stage::CheckingQuality => "checking-quality",
            Stage::WaitingForPreviousRun => "waiting-for-previous-run",
            Stage::Tokenizing => "tokenizing",
            Stage::Epoch(..) => "epoch",
            Stage::Round(..) => "round",
            Stage::BaselineRound(..) => "baseline-round",
            Stage::TestingBestEpoch => "testing-best-epoch",
            Stage::TrainingTreesBaseline => "training-trees-baseline",
            Stage::FindingContributingTags => "finding-contributing-tags",
            Stage::OpeningBundle => "opening-bundle",
            Stage::ReplayingRecipe => "replaying-recipe",
            Stage::Encoding => "encoding",
            Stage::Predicting => "predicting",
            Stage::ExplainingAlarms => "explaining-alarms",
            Stage::ScoringAgainstLabels => "scoring-against-labels",
            Stage::FittingPca => "fitting-pca",
            Stage::FittingLinearPredictor => "fitting-linear-predictor",
            Stage::SavingModel => "saving-model",
            Stage::EvaluatingAgainstFaultLabels => "evaluating-against-fault-labels",
            Stage::Scoring => "scoring",
            Stage::ReadingExport => "reading-export",
            Stage::ApplyingSuggestion(_) => "applying-suggestion",
            Stage::ReplayingStep(_) => "replaying-step",
            Stage::LanguageModelEpoch(..) => "language-model-epoch",
        }
    }

    /// The values the stage's sentence names, by the catalogue's argument names.
    pub fn args(&self) -> BTreeMap<String, MessageArg> {
        let named = |pairs: Vec<(&str, MessageArg)>| pairs.into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
        match self {
            Stage::Epoch(epoch, epochs) => {
                named(vec![("epoch", MessageArg::Integer(i64::from(*epoch))), ("epochs", MessageArg::Integer(i64::from(*epochs)))])
            }
            Stage::Round(round, rounds) | Stage::BaselineRound(round, rounds) => {
                named(vec![("round", MessageArg::Integer(i64::from(*round))), ("rounds", MessageArg::Integer(i64::from(*rounds)))])
            }
            Stage::ApplyingSuggestion(step) | Stage::ReplayingStep(step) => named(vec![("step", MessageArg::Step(step.clone()))]),
            Stage::LanguageModelEpoch(epoch, loss) => named(vec![("epoch", (*epoch).into()), ("loss", MessageArg::Number(*loss))]),
            _ => BTreeMap::new(),
        }
    }

    /// The stage in English from the catalogue; its code where the catalogue cannot word it
    /// (the catalogue test keeps that from happening).
    pub fn english(&self) -> String {
        let args = self.args();
        plantlab_i18n::with_english(|catalog| plantlab_i18n::coded_text(catalog, &message_key("stage", self.code(), ""), &args))
            .unwrap_or_else(|| self.code().to_owned())
    }

    /// One of every stage, for the test that holds them to the catalogue.
    pub fn one_of_each() -> Vec<Stage> {
        vec![
            Stage::ReadingFile,
            Stage::Parsing,
            Stage::ReadingAndParsing,
            Stage::RecognisingColumns,
            Stage::CheckingQuality,
            Stage::WaitingForPreviousRun,
            Stage::Tokenizing,
            Stage::Epoch(3, 10),
            Stage::Round(12, 300),
            Stage::BaselineRound(1, 300),
            Stage::TestingBestEpoch,
            Stage::TrainingTreesBaseline,
            Stage::FindingContributingTags,
            Stage::OpeningBundle,
            Stage::ReplayingRecipe,
            Stage::Encoding,
            Stage::Predicting,
            Stage::ExplainingAlarms,
            Stage::ScoringAgainstLabels,
            Stage::FittingPca,
            Stage::FittingLinearPredictor,
            Stage::SavingModel,
            Stage::EvaluatingAgainstFaultLabels,
            Stage::Scoring,
            Stage::ReadingExport,
            Stage::ApplyingSuggestion(Box::new(CleanStep::SortByTime)),
            Stage::ReplayingStep(Box::new(CleanStep::Fill {
                columns: vec!["TI-101".into()],
                method: plantlab_protocol::FillMethod::ForwardWithin { max_gap_s: 300.0 },
            })),
            Stage::LanguageModelEpoch(2, 1.2345),
        ]
    }
}

/// What a task is, as it starts: the status bar and task list name it by this. The edges word
/// the code and arguments (catalogue key `task-<code>`); the English goes along for scripts.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskLabel {
    /// Loading the file with this name.
    Loading(String),
    /// Training a model (its kind) on a target column.
    Training {
        model: String,
        target: String,
    },
    /// Replaying the recipe file with this name.
    ApplyingRecipe(String),
    ApplyingSuggestions,
    /// Any other change of the cleaning history.
    Cleaning,
    /// Predicting on the export with this name.
    Predicting(String),
    /// Training a model of normal operation with this detector (its code, kebab case).
    TrainingNormal(String),
    /// Scoring a normal-operation run against a fault label column.
    EvaluatingNormal {
        run: String,
        label: String,
    },
    /// Checking the export with this name against a model of normal operation.
    CheckingNormal(String),
    /// A label with English words only (no code to word it by).
    Plain(String),
}

impl TaskLabel {
    /// Stable, kebab case: the catalogue key is `task-<code>`; empty for [`TaskLabel::Plain`].
    pub fn code(&self) -> &'static str {
        match self {
            TaskLabel::Loading(_) => "loading",
            TaskLabel::Training { .. } => "training",
            TaskLabel::ApplyingRecipe(_) => "applying-recipe",
            TaskLabel::ApplyingSuggestions => "applying-suggestions",
            TaskLabel::Cleaning => "cleaning",
            TaskLabel::Predicting(_) => "predicting",
            TaskLabel::TrainingNormal(_) => "training-normal",
            TaskLabel::EvaluatingNormal { .. } => "evaluating-normal",
            TaskLabel::CheckingNormal(_) => "checking-normal",
            TaskLabel::Plain(_) => "",
        }
    }

    /// The values the label's sentence names, by the catalogue's argument names.
    pub fn args(&self) -> BTreeMap<String, MessageArg> {
        match self {
            TaskLabel::Loading(file) | TaskLabel::ApplyingRecipe(file) | TaskLabel::Predicting(file) | TaskLabel::CheckingNormal(file) => {
                plantlab_protocol::message_args([("file", file.as_str().into())])
            }
            TaskLabel::Training { model, target } => {
                plantlab_protocol::message_args([("model", model.as_str().into()), ("target", target.as_str().into())])
            }
            TaskLabel::TrainingNormal(detector) => plantlab_protocol::message_args([("detector", detector.as_str().into())]),
            TaskLabel::EvaluatingNormal { run, label } => {
                plantlab_protocol::message_args([("run", run.as_str().into()), ("label", label.as_str().into())])
            }
            TaskLabel::ApplyingSuggestions | TaskLabel::Cleaning | TaskLabel::Plain(_) => BTreeMap::new(),
        }
    }

    /// The label in English from the catalogue (a plain label as it is); its code where the
    /// catalogue cannot word it (the catalogue test keeps that from happening).
    pub fn english(&self) -> String {
        if let TaskLabel::Plain(text) = self {
            return text.clone();
        }
        let args = self.args();
        plantlab_i18n::with_english(|catalog| plantlab_i18n::coded_text(catalog, &message_key("task", self.code(), ""), &args))
            .unwrap_or_else(|| self.code().to_owned())
    }

    /// One of every coded label, for the test that holds them to the catalogue.
    pub fn one_of_each() -> Vec<TaskLabel> {
        vec![
            TaskLabel::Loading("泵站.csv".into()),
            TaskLabel::Training { model: "mlp".into(), target: "故障".into() },
            TaskLabel::ApplyingRecipe("recipe.json".into()),
            TaskLabel::ApplyingSuggestions,
            TaskLabel::Cleaning,
            TaskLabel::Predicting("pump-2026-12.csv".into()),
            TaskLabel::TrainingNormal("process-lm".into()),
            TaskLabel::EvaluatingNormal { run: "20261201-normal".into(), label: "故障".into() },
            TaskLabel::CheckingNormal("compressor-2026-12.csv".into()),
        ]
    }

    fn started(&self, task: TaskId, kind: TaskKind) -> TaskEvent {
        TaskEvent::Started { task, kind, label: self.english(), label_code: self.code().to_owned(), label_args: self.args() }
    }
}

impl From<String> for TaskLabel {
    fn from(text: String) -> Self {
        TaskLabel::Plain(text)
    }
}

/// Starts tasks and keeps their cancel flags until they end.
#[derive(Default, Clone)]
pub struct TaskRunner {
    next_id: Arc<AtomicU64>,
    running: Arc<Mutex<HashMap<TaskId, Arc<AtomicBool>>>>,
}

impl TaskRunner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `work` on a new thread named `plantlab-<kind>-<id>`. Every event of the task,
    /// from `Started` to exactly one terminal event, is passed to `sink` on a forwarding thread,
    /// so a slow consumer never stalls the work.
    pub fn spawn<W, S>(&self, kind: TaskKind, label: impl Into<TaskLabel>, sink: S, work: W) -> Result<TaskId>
    where
        W: FnOnce(&JobContext) -> Result<TaskOutcome> + Send + 'static,
        S: FnMut(TaskEvent) + Send + 'static,
    {
        let task = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let cancel = Arc::new(AtomicBool::new(false));
        if let Ok(mut running) = self.running.lock() {
            running.insert(task, cancel.clone());
        }
        let (tx, rx) = sync_channel(EVENT_CHANNEL_CAPACITY);
        let started = label.into().started(task, kind);
        // Capacity is > 0 and nothing else holds the sender yet, so this cannot block.
        let _ = tx.send(started);

        let name = format!("plantlab-{}-{task}", kind_name(kind));
        thread::Builder::new()
            .name(format!("{name}-events"))
            .spawn(move || forward_events(rx, sink))
            .map_err(|e| EngineError::Internal(format!("could not start event thread: {e}")))?;

        let running = self.running.clone();
        let context = JobContext { task, cancel, events: Some(tx.clone()) };
        thread::Builder::new()
            .name(name)
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&context)));
                let end = match result {
                    Ok(Ok(outcome)) => TaskEvent::Finished { task, outcome },
                    Ok(Err(EngineError::Cancelled)) => TaskEvent::Cancelled { task },
                    Ok(Err(err)) => TaskEvent::Failed { task, error: err.to_api() },
                    Err(_) => TaskEvent::Failed { task, error: EngineError::Internal("the worker stopped unexpectedly".into()).to_api() },
                };
                if let Ok(mut running) = running.lock() {
                    running.remove(&task);
                }
                // Blocking send: the end of a task must reach the UI.
                let _ = tx.send(end);
            })
            .map_err(|e| EngineError::Internal(format!("could not start worker thread: {e}")))?;
        Ok(task)
    }

    /// Asks a task to stop; it ends with `Cancelled` at its next check. False if it already ended.
    pub fn cancel(&self, task: TaskId) -> bool {
        match self.running.lock() {
            Ok(running) => match running.get(&task) {
                Some(flag) => {
                    flag.store(true, Ordering::Relaxed);
                    true
                }
                None => false,
            },
            Err(_) => false,
        }
    }

    /// Tasks still running.
    pub fn running(&self) -> Vec<TaskId> {
        let mut ids: Vec<TaskId> = self.running.lock().map(|r| r.keys().copied().collect()).unwrap_or_default();
        ids.sort_unstable();
        ids
    }
}

fn forward_events<S: FnMut(TaskEvent)>(rx: Receiver<TaskEvent>, mut sink: S) {
    while let Ok(event) = rx.recv() {
        let terminal = event.is_terminal();
        sink(event);
        if terminal {
            break;
        }
    }
}

fn kind_name(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Load => "load",
        TaskKind::Clean => "clean",
        TaskKind::Train => "train",
        TaskKind::Predict => "predict",
        TaskKind::Evaluate => "evaluate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantlab_protocol::TaskOutcome;
    use std::sync::mpsc::sync_channel;
    use std::time::Duration;

    /// Room for a task's events in these tests; the test reads them while the task runs.
    const EVENTS_BOUND: usize = 64;

    fn empty_summary() -> TaskOutcome {
        TaskOutcome::Loaded(crate::dataset::Dataset::from_frame(String::new(), polars::prelude::DataFrame::empty()).summary().clone())
    }

    #[test]
    fn task_runs_on_named_thread_and_ends_with_finished() {
        let runner = TaskRunner::new();
        let (tx, rx) = sync_channel(EVENTS_BOUND);
        let (name_tx, name_rx) = sync_channel(1);
        runner
            .spawn(
                TaskKind::Load,
                "x".to_owned(),
                move |e| tx.send(e).unwrap(),
                move |ctx| {
                    name_tx.send(thread::current().name().map(str::to_owned)).unwrap();
                    ctx.progress(0.5, Stage::Epoch(3, 10));
                    Ok(empty_summary())
                },
            )
            .unwrap();
        let events: Vec<TaskEvent> = rx.iter().collect();
        let progress = events.iter().find_map(|e| match e {
            TaskEvent::Progress { stage, stage_code, stage_args, .. } => Some((stage.as_str(), stage_code.as_str(), stage_args.len())),
            _ => None,
        });
        assert_eq!(progress, Some(("epoch 3/10", "epoch", 2)), "the stage's code, arguments and English words");
        assert!(matches!(events.first(), Some(TaskEvent::Started { .. })));
        assert!(matches!(events.last(), Some(TaskEvent::Finished { .. })));
        let name = name_rx.recv().unwrap().unwrap();
        assert!(name.starts_with("plantlab-load-"), "{name}");
    }

    #[test]
    fn cancel_stops_work_at_next_check() {
        let runner = TaskRunner::new();
        let (tx, rx) = sync_channel(EVENTS_BOUND);
        let id = runner
            .spawn(
                TaskKind::Load,
                "slow".to_owned(),
                move |e| tx.send(e).unwrap(),
                |ctx| loop {
                    ctx.check_cancelled()?;
                    thread::sleep(Duration::from_millis(5));
                },
            )
            .unwrap();
        assert_eq!(runner.running(), vec![id]);
        assert!(runner.cancel(id));
        let last = rx.iter().last().unwrap();
        assert_eq!(last, TaskEvent::Cancelled { task: id });
        assert!(runner.running().is_empty());
        assert!(!runner.cancel(id), "an ended task cannot be cancelled");
    }

    #[test]
    fn errors_and_panics_become_failed_events() {
        let runner = TaskRunner::new();
        let (tx, rx) = sync_channel(EVENTS_BOUND);
        runner.spawn(TaskKind::Load, "bad".to_owned(), move |e| tx.send(e).unwrap(), |_| Err(EngineError::NoDataset)).unwrap();
        match rx.iter().last().unwrap() {
            TaskEvent::Failed { error, .. } => assert_eq!(error.code, "no_dataset"),
            other => panic!("unexpected {other:?}"),
        }
        let (tx, rx) = sync_channel(EVENTS_BOUND);
        #[allow(clippy::panic)]
        runner.spawn(TaskKind::Load, "boom".to_owned(), move |e| tx.send(e).unwrap(), |_| panic!("boom")).unwrap();
        assert!(matches!(rx.iter().last().unwrap(), TaskEvent::Failed { .. }));
    }

    #[test]
    fn every_stage_fills_its_catalogue_sentence_and_the_catalogue_has_no_other() {
        let chinese = plantlab_i18n::Catalog::new(plantlab_i18n::Lang::ZhCn);
        let mut seen = std::collections::BTreeSet::new();
        for stage in Stage::one_of_each() {
            let key = message_key("stage", stage.code(), "");
            plantlab_i18n::check_arguments("stage", &key, &stage.args(), &mut seen).unwrap();
            let worded = plantlab_i18n::coded_text(&chinese, &key, &stage.args()).unwrap_or_default();
            assert!(worded.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{key}: {worded}");
            let english = plantlab_i18n::with_english(|catalog| plantlab_i18n::coded_text(catalog, &key, &stage.args()));
            assert_eq!(english, Some(stage.english()), "{key} is worded in English from the catalogue");
        }
        assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
        let in_catalogue: std::collections::BTreeSet<String> = plantlab_i18n::CODED_ENGLISH_FTL
            .lines()
            .filter_map(|line| line.strip_prefix("stage-").and_then(|rest| rest.split_once(" =")).map(|(code, _)| format!("stage-{code}")))
            .collect();
        assert_eq!(seen, in_catalogue, "one stage of each kind, and a catalogue message for each");
        // The English words stay those the progress line always showed.
        let english: Vec<String> = [Stage::Epoch(3, 10), Stage::Round(12, 300), Stage::BaselineRound(4, 300), Stage::LanguageModelEpoch(2, 1.23456)]
            .iter()
            .map(Stage::english)
            .collect();
        assert_eq!(english, ["epoch 3/10", "round 12/300", "trees baseline, round 4/300", "epoch 2: validation loss 1.2346"]);
    }

    #[test]
    fn every_task_label_fills_its_catalogue_sentence_keeps_its_english_and_reads_in_chinese() {
        let chinese = plantlab_i18n::Catalog::new(plantlab_i18n::Lang::ZhCn);
        let mut seen = std::collections::BTreeSet::new();
        for label in TaskLabel::one_of_each() {
            let key = message_key("task", label.code(), "");
            plantlab_i18n::check_arguments("task", &key, &label.args(), &mut seen).unwrap();
            let TaskEvent::Started { label: english, label_code, label_args, .. } = label.started(1, TaskKind::Load) else { panic!() };
            let worded = plantlab_i18n::task_label_text(&chinese, &english, &label_code, &label_args);
            assert!(worded.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) && worded != english, "{key}: {worded}");
        }
        assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
        let in_catalogue: std::collections::BTreeSet<String> = plantlab_i18n::IMPORT_CLEAN_ENGLISH_FTL
            .lines()
            .filter_map(|line| line.strip_prefix("task-").and_then(|rest| rest.split_once(" =")).map(|(code, _)| format!("task-{code}")))
            .collect();
        assert_eq!(seen, in_catalogue, "one label of each kind, and a catalogue message for each");
        // The English stays what the status bar always said; a plain label is kept as it is.
        let english: Vec<String> = [
            TaskLabel::Loading("pump.csv".into()),
            TaskLabel::Training { model: "mlp".into(), target: "fault".into() },
            TaskLabel::Predicting("week.csv".into()),
            TaskLabel::TrainingNormal("linear-predictor".into()),
            TaskLabel::TrainingNormal("process-lm".into()),
            TaskLabel::EvaluatingNormal { run: "r1".into(), label: "fault".into() },
            TaskLabel::CheckingNormal("c.csv".into()),
            TaskLabel::Plain("Checking it".into()),
        ]
        .iter()
        .map(TaskLabel::english)
        .collect();
        assert_eq!(
            english,
            [
                "Loading pump.csv",
                "Training mlp on \"fault\"",
                "Predicting on \"week.csv\"",
                "Training a model of normal operation (linear next-step predictor)",
                "Training a model of normal operation (process language model)",
                "Evaluating run r1 against \"fault\"",
                "Checking \"c.csv\" against normal operation",
                "Checking it"
            ]
        );
        assert!(TaskLabel::Plain("x".into()).code().is_empty());
    }
}
