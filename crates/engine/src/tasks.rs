//! The background task runner: every long job runs on its own named worker thread, reports
//! progress through a bounded channel and checks a cancel flag between units of work.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

use plantlab_protocol::{TaskEvent, TaskId, TaskKind, TaskOutcome, TrainUpdate};

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

    pub fn progress(&self, fraction: f32, stage: &str) {
        if let Some(events) = &self.events {
            let event = TaskEvent::Progress { task: self.task, fraction: fraction.clamp(0.0, 1.0), stage: stage.to_owned() };
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
    pub fn spawn<W, S>(&self, kind: TaskKind, label: String, sink: S, work: W) -> Result<TaskId>
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
        let started = TaskEvent::Started { task, kind, label };
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
                "x".into(),
                move |e| tx.send(e).unwrap(),
                move |ctx| {
                    name_tx.send(thread::current().name().map(str::to_owned)).unwrap();
                    ctx.progress(0.5, "half");
                    Ok(empty_summary())
                },
            )
            .unwrap();
        let events: Vec<TaskEvent> = rx.iter().collect();
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
                "slow".into(),
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
        runner.spawn(TaskKind::Load, "bad".into(), move |e| tx.send(e).unwrap(), |_| Err(EngineError::NoDataset)).unwrap();
        match rx.iter().last().unwrap() {
            TaskEvent::Failed { error, .. } => assert_eq!(error.code, "no_dataset"),
            other => panic!("unexpected {other:?}"),
        }
        let (tx, rx) = sync_channel(EVENTS_BOUND);
        #[allow(clippy::panic)]
        runner.spawn(TaskKind::Load, "boom".into(), move |e| tx.send(e).unwrap(), |_| panic!("boom")).unwrap();
        assert!(matches!(rx.iter().last().unwrap(), TaskEvent::Failed { .. }));
    }
}
