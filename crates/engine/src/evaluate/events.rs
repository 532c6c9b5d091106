//! Event-level scoring: accuracy on rare faults says little about how far ahead a model warns
//! or how often it cries wolf. A fault episode is a run of consecutive fault-labelled samples;
//! an alarm is a run of consecutive samples at or above the threshold.

use plantlab_protocol::{EventOptions, EventScore, FaultEpisode};

const MS_PER_DAY: f64 = 86_400_000.0;

/// Runs of consecutive `true` as inclusive index ranges.
pub fn runs(flags: impl IntoIterator<Item = bool>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut last = 0;
    for (i, on) in flags.into_iter().enumerate() {
        match (on, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i - 1));
                start = None;
            }
            _ => {}
        }
        last = i;
    }
    if let Some(s) = start {
        out.push((s, last));
    }
    out
}

/// Scores `risk` (one per sample, time order) against the fault labels. `None` when the
/// samples hold no fault episode (nothing to detect).
pub fn score_events(
    risk: &[f64],
    faults: &[Option<bool>],
    rows: &[u64],
    times_ms: Option<&[i64]>,
    threshold: f64,
    options: &EventOptions,
) -> Option<EventScore> {
    let n = risk.len().min(faults.len()).min(rows.len());
    let times = times_ms.filter(|t| t.len() >= n);
    let episodes = runs(faults[..n].iter().map(|f| *f == Some(true)));
    if episodes.is_empty() {
        return None;
    }
    let alarm: Vec<bool> = risk[..n].iter().map(|r| *r >= threshold).collect();
    // Samples inside an episode or its look-back belong to it; the rest is normal operation.
    let mut covered = vec![false; n];
    let mut scored = Vec::with_capacity(episodes.len());
    let mut previous_end: Option<usize> = None;
    for (k, &(start, end)) in episodes.iter().enumerate() {
        let floor = previous_end.map_or(0, |e| e + 1);
        let mut from = start;
        while from > floor {
            let earlier = from - 1;
            let inside = match times {
                Some(t) => (t[start] - t[earlier]) as f64 / 1000.0 <= options.lookback_s,
                None => start - earlier <= options.lookback_samples as usize,
            };
            if !inside {
                break;
            }
            from = earlier;
        }
        for c in &mut covered[from..=end] {
            *c = true;
        }
        let first = (from..=end).find(|&i| alarm[i]);
        let lead_time = first.map(|i| match times {
            Some(t) => (t[start] - t[i]) as f64 / 1000.0,
            None => start as f64 - i as f64,
        });
        scored.push(FaultEpisode {
            index: k as u32 + 1,
            start_row: rows[start],
            end_row: rows[end],
            start_ms: times.map(|t| t[start]),
            end_ms: times.map(|t| t[end]),
            detected: first.is_some(),
            first_alarm_row: first.map(|i| rows[i]),
            first_alarm_ms: first.and_then(|i| times.map(|t| t[i])),
            lead_time,
        });
        previous_end = Some(end);
    }
    let false_alarms = runs(alarm.iter().copied())
        .iter()
        .filter(|(start, _)| !covered[*start])
        .count() as u32;
    let normal_samples = covered.iter().filter(|c| !**c).count() as u64;
    let normal_days = times.map(|t| {
        let mut ms = 0i64;
        for i in 1..n {
            if !covered[i] && !covered[i - 1] {
                ms += t[i] - t[i - 1];
            }
        }
        ms as f64 / MS_PER_DAY
    });
    let mut leads: Vec<f64> = scored.iter().filter_map(|e| e.lead_time).collect();
    leads.sort_by(f64::total_cmp);
    let median_lead_time = match leads.len() {
        0 => None,
        m if m % 2 == 1 => Some(leads[m / 2]),
        m => Some((leads[m / 2 - 1] + leads[m / 2]) / 2.0),
    };
    let detected = scored.iter().filter(|e| e.detected).count() as u32;
    Some(EventScore {
        has_timestamps: times.is_some(),
        missed: scored.len() as u32 - detected,
        detected,
        episodes: scored,
        median_lead_time,
        false_alarms,
        normal_samples,
        normal_days,
        false_alarms_per_day: normal_days
            .filter(|d| *d > 0.0)
            .map(|d| f64::from(false_alarms) / d),
        false_alarms_per_1000_samples: if normal_samples > 0 {
            f64::from(false_alarms) * 1000.0 / normal_samples as f64
        } else {
            0.0
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_inclusive_ranges() {
        assert_eq!(runs([false, true, true, false, true]), vec![(1, 2), (4, 4)]);
        assert!(runs([false, false]).is_empty());
    }

    #[test]
    fn lead_times_and_false_alarms_in_samples() {
        // Faults at 10..=12 and 30..=31; alarms from 7 (3 samples ahead), nothing before 30,
        // one false alarm at 20..=21.
        let n = 40;
        let faults: Vec<Option<bool>> =
            (0..n).map(|i| Some((10..=12).contains(&i) || (30..=31).contains(&i))).collect();
        let risk: Vec<f64> = (0..n)
            .map(|i| if (7..=12).contains(&i) || (20..=21).contains(&i) { 0.9 } else { 0.1 })
            .collect();
        let rows: Vec<u64> = (0..n as u64).collect();
        let options = EventOptions { lookback_s: 0.0, lookback_samples: 5 };
        let score = score_events(&risk, &faults, &rows, None, 0.5, &options).unwrap();
        assert_eq!(score.episodes.len(), 2);
        assert_eq!(score.episodes[0].lead_time, Some(3.0));
        assert!(!score.episodes[1].detected);
        assert_eq!((score.detected, score.missed), (1, 1));
        assert_eq!(score.false_alarms, 1);
        assert!(score.normal_days.is_none());
    }

    #[test]
    fn known_fault_times_give_known_lead_times() {
        // One sample a minute for two days; faults begin at 06:00 and 30:00 (hours) and last
        // 20 minutes. Alarms start 90 minutes before the first fault and 10 minutes after the
        // second one begins; one false alarm at 15:00 lasts 5 minutes.
        let n = 48 * 60;
        let times: Vec<i64> = (0..n as i64).map(|m| m * 60_000).collect();
        let fault_at = [6 * 60usize, 30 * 60];
        let faults: Vec<Option<bool>> = (0..n).map(|m| Some(fault_at.iter().any(|f| (*f..f + 20).contains(&m)))).collect();
        let risk: Vec<f64> = (0..n)
            .map(|m| {
                let early = (6 * 60 - 90..6 * 60 + 20).contains(&m);
                let late = (30 * 60 + 10..30 * 60 + 20).contains(&m);
                let false_alarm = (15 * 60..15 * 60 + 5).contains(&m);
                if early || late || false_alarm { 0.8 } else { 0.05 }
            })
            .collect();
        let rows: Vec<u64> = (0..n as u64).collect();
        let options = EventOptions { lookback_s: 2.0 * 3600.0, lookback_samples: 0 };
        let score = score_events(&risk, &faults, &rows, Some(&times), 0.5, &options).unwrap();
        let leads: Vec<Option<f64>> = score.episodes.iter().map(|e| e.lead_time).collect();
        assert_eq!(leads, vec![Some(5400.0), Some(-600.0)]);
        assert_eq!(score.detected, 2);
        assert_eq!(score.false_alarms, 1);
        // Normal time: the 2,879 minutes between the first and last sample, less the two
        // covered windows (140 samples each) and the minute on either side that touches them.
        let normal_h = score.normal_days.unwrap() * 24.0;
        assert!((normal_h - (2879.0 - 2.0 * 141.0) / 60.0).abs() < 1e-9, "{normal_h}");
        assert!((score.false_alarms_per_day.unwrap() - 1.0 / (normal_h / 24.0)).abs() < 1e-9);
        // With a short look-back the early alarm is a false alarm and the lead time shrinks
        // to what lies inside the window.
        let short = EventOptions { lookback_s: 1800.0, lookback_samples: 0 };
        let score = score_events(&risk, &faults, &rows, Some(&times), 0.5, &short).unwrap();
        assert_eq!(score.episodes[0].lead_time, Some(1800.0));
        assert_eq!(score.false_alarms, 2);
    }
}
