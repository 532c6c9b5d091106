//! Frame-time measurement: how long the UI's own code takes per frame, so responsiveness
//! during training is a number rather than an impression.

use std::collections::VecDeque;

/// Frames kept: about ten seconds at 60 frames per second.
const KEPT: usize = 600;

#[derive(Default)]
pub struct FrameTimes {
    millis: VecDeque<f64>,
}

impl FrameTimes {
    pub fn push(&mut self, ms: f64) {
        if self.millis.len() == KEPT {
            self.millis.pop_front();
        }
        self.millis.push_back(ms.max(0.0));
    }

    pub fn clear(&mut self) {
        self.millis.clear();
    }

    pub fn len(&self) -> usize {
        self.millis.len()
    }

    /// The 95th percentile (nearest rank); `None` before any frame.
    pub fn p95_ms(&self) -> Option<f64> {
        if self.millis.is_empty() {
            return None;
        }
        let mut sorted: Vec<f64> = self.millis.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let rank = ((sorted.len() as f64) * 0.95).ceil() as usize;
        sorted.get(rank.saturating_sub(1)).copied()
    }

    pub fn max_ms(&self) -> f64 {
        self.millis.iter().copied().fold(0.0, f64::max)
    }
}

/// Milliseconds from a fixed origin: `performance.now()` in the browser, a monotonic clock
/// natively.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_the_nearest_rank() {
        let mut frames = FrameTimes::default();
        assert_eq!(frames.p95_ms(), None);
        for ms in 1..=100 {
            frames.push(f64::from(ms));
        }
        assert_eq!(frames.p95_ms(), Some(95.0));
        assert_eq!(frames.max_ms(), 100.0);
    }

    #[test]
    fn only_recent_frames_are_kept() {
        let mut frames = FrameTimes::default();
        for _ in 0..KEPT {
            frames.push(100.0);
        }
        for _ in 0..KEPT {
            frames.push(1.0);
        }
        assert_eq!(frames.len(), KEPT);
        assert_eq!(frames.p95_ms(), Some(1.0));
    }
}
