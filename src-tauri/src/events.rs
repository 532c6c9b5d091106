//! The event stream to the webview, thinned. Training can report thousands of batches a
//! second; every event sent to the webview is queued until its script takes it, so a fast run
//! and a busy page would grow that queue without bound. Batch metrics and progress are sent at
//! most once per `min_gap` (the newest one held back is sent before the next event that must
//! arrive, so curves end where training was); every other event passes at once, in order.

use std::time::{Duration, Instant};

use plantlab_protocol::{TaskEvent, TrainUpdate};

/// About the UI's frame budget: faster updates could not be drawn anyway.
pub const WEBVIEW_EVENT_GAP: Duration = Duration::from_millis(40);

/// Events that only matter as the latest of their kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Thinnable {
    Batch,
    Progress,
}

fn thinnable(event: &TaskEvent) -> Option<Thinnable> {
    match event {
        TaskEvent::Train { update: TrainUpdate::Batch(_), .. } => Some(Thinnable::Batch),
        TaskEvent::Progress { .. } => Some(Thinnable::Progress),
        _ => None,
    }
}

pub struct EventThinner {
    min_gap: Duration,
    /// Per kind: when one was last sent, and the newest one not sent yet.
    last_sent: [Option<Instant>; 2],
    held: [Option<TaskEvent>; 2],
}

impl EventThinner {
    pub fn new(min_gap: Duration) -> Self {
        Self { min_gap, last_sent: [None, None], held: [None, None] }
    }

    /// The events to send now, in order, for `event` arriving at `now`.
    pub fn admit(&mut self, event: TaskEvent, now: Instant) -> Vec<TaskEvent> {
        match thinnable(&event) {
            Some(kind) => {
                let slot = kind as usize;
                let due = self.last_sent[slot].is_none_or(|last| now.saturating_duration_since(last) >= self.min_gap);
                if due {
                    self.last_sent[slot] = Some(now);
                    self.held[slot] = None;
                    vec![event]
                } else {
                    self.held[slot] = Some(event);
                    Vec::new()
                }
            }
            None => {
                let mut out: Vec<TaskEvent> = self.held.iter_mut().filter_map(Option::take).collect();
                out.push(event);
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantlab_protocol::BatchMetrics;

    fn batch(n: u32) -> TaskEvent {
        TaskEvent::Train { task: 1, update: TrainUpdate::Batch(BatchMetrics { epoch: 1, batch: n, batches: 10_000, loss: 0.5, accuracy: 0.5 }) }
    }

    fn batch_number(event: &TaskEvent) -> Option<u32> {
        match event {
            TaskEvent::Train { update: TrainUpdate::Batch(b), .. } => Some(b.batch),
            _ => None,
        }
    }

    #[test]
    fn a_flood_of_batches_is_thinned_and_the_newest_arrives_before_the_next_event() {
        let mut thinner = EventThinner::new(Duration::from_millis(40));
        let start = Instant::now();
        let mut sent = Vec::new();
        // 10,000 batches in one second of training time.
        for n in 1..=10_000u32 {
            sent.extend(thinner.admit(batch(n), start + Duration::from_micros(u64::from(n) * 100)));
        }
        assert!((20..=30).contains(&sent.len()), "{} batch events sent for one second", sent.len());
        let end = TaskEvent::Cancelled { task: 1 };
        let flushed = thinner.admit(end.clone(), start + Duration::from_secs(1));
        assert_eq!(flushed.len(), 2);
        assert_eq!(batch_number(&flushed[0]), Some(10_000), "the newest batch goes out first");
        assert_eq!(flushed[1], end);
        // Nothing is held after an event that must arrive; the next one passes at once.
        assert_eq!(thinner.admit(end.clone(), start + Duration::from_secs(1)), vec![end]);
    }

    #[test]
    fn slow_updates_pass_unchanged() {
        let mut thinner = EventThinner::new(Duration::from_millis(40));
        let start = Instant::now();
        for n in 0..50u32 {
            let progress = TaskEvent::Progress {
                task: 2,
                fraction: n as f32 / 50.0,
                stage: "reading file".into(),
                stage_code: "reading-file".into(),
                stage_args: Default::default(),
            };
            assert_eq!(thinner.admit(progress.clone(), start + Duration::from_millis(u64::from(n) * 100)), vec![progress]);
        }
    }
}
