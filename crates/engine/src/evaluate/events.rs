//! Event-level scoring: accuracy on rare faults says little about how far ahead a model warns
//! or how often it cries wolf. A fault episode is a run of consecutive fault-labelled samples.
//! Samples at or above the threshold are alarm samples; they merge into alarm events (see
//! [`alarm_events`]) because an engineer acts on an alarm, not on each minute of one: a risk
//! that flickers around the threshold is one alarm, not dozens.

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

/// One alarm event: sample indexes (into the scored samples) of its first and last sample
/// and of its highest risk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlarmEvent {
    pub start: usize,
    pub end: usize,
    pub peak: usize,
    /// The data ends while the alarm is still on (it was kept although it may be shorter
    /// than the minimum duration: it may be going on right now).
    pub open_at_end: bool,
}

/// The median positive spacing of `times_ms`, in milliseconds.
pub fn sampling_interval_ms(times_ms: &[i64]) -> Option<f64> {
    let mut steps: Vec<i64> = times_ms.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0).collect();
    if steps.is_empty() {
        return None;
    }
    let mid = steps.len() / 2;
    let (_, median, _) = steps.select_nth_unstable(mid);
    Some(*median as f64)
}

/// Distances between samples in sampling intervals: real time over the median spacing when
/// the samples have timestamps (a gap in the data counts as the time it lasted), sample
/// counts otherwise.
struct Steps<'a> {
    times_ms: Option<(&'a [i64], f64)>,
}

impl<'a> Steps<'a> {
    fn new(times_ms: Option<&'a [i64]>, n: usize) -> Self {
        let times_ms = times_ms.filter(|t| t.len() >= n).and_then(|t| sampling_interval_ms(&t[..n]).map(|i| (t, i)));
        Self { times_ms }
    }

    /// Intervals from sample `a` to sample `b` (`a <= b`).
    fn between(&self, a: usize, b: usize) -> f64 {
        match self.times_ms {
            Some((t, interval)) => (t[b] - t[a]) as f64 / interval,
            None => (b - a) as f64,
        }
    }
}

/// Merges alarm samples into alarm events:
///
/// 1. hysteresis: an event starts at a risk at or above `threshold` and lasts while the risk
///    stays at or above the clear level (`options.clear_level(threshold)`);
/// 2. dead time: events at most `dead_time_samples` sampling intervals apart (last sample of
///    one to first of the next) merge into one;
/// 3. minimum duration: events lasting fewer than `min_duration_samples` intervals (a single
///    sample lasts one) are dropped, except one still on when the data ends.
///
/// A risk that is not a number never starts an event and ends one.
pub fn alarm_events(risk: &[f64], times_ms: Option<&[i64]>, threshold: f64, options: &EventOptions) -> Vec<AlarmEvent> {
    let n = risk.len();
    let clear = options.clear_level(threshold);
    let mut raw: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, r) in risk.iter().enumerate() {
        match start {
            None if *r >= threshold => start = Some(i),
            Some(s) if *r < clear || r.is_nan() => {
                raw.push((s, i - 1));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        raw.push((s, n - 1));
    }
    let steps = Steps::new(times_ms, n);
    let dead_time = f64::from(options.dead_time_samples);
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(raw.len());
    for (s, e) in raw {
        match merged.last_mut() {
            Some(last) if steps.between(last.1, s) <= dead_time => last.1 = e,
            _ => merged.push((s, e)),
        }
    }
    let min_duration = f64::from(options.min_duration_samples);
    merged
        .into_iter()
        .filter_map(|(s, e)| {
            let open_at_end = e + 1 == n;
            let lasted = steps.between(s, e) + 1.0;
            (lasted >= min_duration || open_at_end).then(|| AlarmEvent {
                start: s,
                end: e,
                peak: (s..=e).fold(s, |best, i| if risk[i] > risk[best] { i } else { best }),
                open_at_end,
            })
        })
        .collect()
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
    let alarm_events = alarm_events(&risk[..n], times, threshold, options);
    // A sample is "in alarm" from an event's start to its end (the alarm is on throughout,
    // also where hysteresis or the dead time held it).
    let mut alarm = vec![false; n];
    for event in &alarm_events {
        for a in &mut alarm[event.start..=event.end] {
            *a = true;
        }
    }
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
    let false_alarms = alarm_events.iter().filter(|e| !covered[e.start]).count() as u32;
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
        false_alarms_per_day: normal_days.filter(|d| *d > 0.0).map(|d| f64::from(false_alarms) / d),
        false_alarms_per_1000_samples: if normal_samples > 0 { f64::from(false_alarms) * 1000.0 / normal_samples as f64 } else { 0.0 },
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
        let faults: Vec<Option<bool>> = (0..n).map(|i| Some((10..=12).contains(&i) || (30..=31).contains(&i))).collect();
        let risk: Vec<f64> = (0..n).map(|i| if (7..=12).contains(&i) || (20..=21).contains(&i) { 0.9 } else { 0.1 }).collect();
        let rows: Vec<u64> = (0..n as u64).collect();
        let options = EventOptions { lookback_s: 0.0, lookback_samples: 5, ..EventOptions::default() }.raw_samples();
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
                if early || late || false_alarm {
                    0.8
                } else {
                    0.05
                }
            })
            .collect();
        let rows: Vec<u64> = (0..n as u64).collect();
        let options = EventOptions { lookback_s: 2.0 * 3600.0, lookback_samples: 0, ..EventOptions::default() }.raw_samples();
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
        let short = EventOptions { lookback_s: 1800.0, ..options };
        let score = score_events(&risk, &faults, &rows, Some(&times), 0.5, &short).unwrap();
        assert_eq!(score.episodes[0].lead_time, Some(1800.0));
        assert_eq!(score.false_alarms, 2);
    }

    fn opts(clear_ratio: f64, min_duration_samples: u32, dead_time_samples: u32) -> EventOptions {
        EventOptions { clear_ratio, min_duration_samples, dead_time_samples, ..EventOptions::default() }
    }

    fn spans(events: &[AlarmEvent]) -> Vec<(usize, usize)> {
        events.iter().map(|e| (e.start, e.end)).collect()
    }

    #[test]
    fn no_samples_and_no_alarm_give_no_events() {
        assert!(alarm_events(&[], None, 0.5, &EventOptions::default()).is_empty());
        assert!(alarm_events(&[0.1, 0.49, 0.2], None, 0.5, &EventOptions::default()).is_empty());
    }

    #[test]
    fn a_single_sample_is_an_event_only_when_short_alarms_are_kept() {
        let risk = [0.1, 0.9, 0.1, 0.1];
        assert!(alarm_events(&risk, None, 0.5, &opts(0.8, 3, 0)).is_empty(), "1 sample < 3");
        let kept = alarm_events(&risk, None, 0.5, &opts(0.8, 1, 0));
        assert_eq!(kept, vec![AlarmEvent { start: 1, end: 1, peak: 1, open_at_end: false }]);
        // A one-sample series that is in alarm: open at the end, so kept.
        let only = alarm_events(&[0.7], None, 0.5, &opts(0.8, 3, 0));
        assert_eq!(only, vec![AlarmEvent { start: 0, end: 0, peak: 0, open_at_end: true }]);
    }

    #[test]
    fn hysteresis_holds_the_alarm_until_the_clear_level() {
        // Threshold 0.5, clear level 0.4: the dip to 0.45 does not end the alarm; 0.3 does.
        let risk = [0.1, 0.6, 0.45, 0.55, 0.42, 0.3, 0.6, 0.6, 0.1];
        let events = alarm_events(&risk, None, 0.5, &opts(0.8, 1, 0));
        assert_eq!(spans(&events), vec![(1, 4), (6, 7)]);
        assert_eq!(events[0].peak, 1);
        // Without hysteresis the same risk gives the raw runs of alarm samples.
        let raw = alarm_events(&risk, None, 0.5, &EventOptions::default().raw_samples());
        assert_eq!(spans(&raw), runs(risk.iter().map(|r| *r >= 0.5)));
        assert_eq!(spans(&raw), vec![(1, 1), (3, 3), (6, 7)]);
        // A value between the clear level and the threshold never starts an alarm.
        assert!(alarm_events(&[0.45, 0.45], None, 0.5, &opts(0.8, 1, 0)).is_empty());
    }

    #[test]
    fn dead_time_merges_close_events_and_keeps_distant_ones() {
        // Alarms at 10..=11, 15..=16 (4 samples after) and 40..=41 (24 after).
        let mut risk = vec![0.0; 60];
        for i in [10, 11, 15, 16, 40, 41] {
            risk[i] = 0.9;
        }
        assert_eq!(spans(&alarm_events(&risk, None, 0.5, &opts(1.0, 1, 0))), vec![(10, 11), (15, 16), (40, 41)]);
        // Edge: a gap of exactly the dead time merges, one more does not.
        assert_eq!(spans(&alarm_events(&risk, None, 0.5, &opts(1.0, 1, 4))), vec![(10, 16), (40, 41)]);
        assert_eq!(spans(&alarm_events(&risk, None, 0.5, &opts(1.0, 1, 3))), vec![(10, 11), (15, 16), (40, 41)]);
        assert_eq!(spans(&alarm_events(&risk, None, 0.5, &opts(1.0, 1, 24))), vec![(10, 41)]);
        // Merging comes before the minimum duration: two 2-sample alarms make one that lasts 7.
        assert_eq!(spans(&alarm_events(&risk, None, 0.5, &opts(1.0, 5, 4))), vec![(10, 16)]);
    }

    #[test]
    fn minimum_duration_drops_blips_but_not_an_alarm_still_on_at_the_end() {
        let mut risk = vec![0.0; 30];
        risk[5] = 0.9; // 1 sample
        for r in &mut risk[10..13] {
            *r = 0.9; // 3 samples
        }
        risk[29] = 0.9; // last sample: still on when the data ends
        let events = alarm_events(&risk, None, 0.5, &opts(1.0, 3, 0));
        assert_eq!(spans(&events), vec![(10, 12), (29, 29)]);
        assert!(!events[0].open_at_end && events[1].open_at_end);
    }

    #[test]
    fn with_timestamps_durations_and_dead_time_are_time() {
        // One sample a minute, then a 2 h gap in the data: alarms at rows 17..=18 and
        // 20..=21 are two samples apart but 122 minutes apart in time, so a 30-min dead
        // time keeps them apart (as sample counts they would merge).
        let mut times: Vec<i64> = (0..20).map(|m| m * 60_000).collect();
        times.extend((0..20).map(|m| (140 + m) * 60_000));
        let mut risk = vec![0.0; 40];
        for i in [17, 18, 20, 21] {
            risk[i] = 0.9;
        }
        assert_eq!(sampling_interval_ms(&times), Some(60_000.0));
        assert_eq!(spans(&alarm_events(&risk, Some(&times), 0.5, &opts(1.0, 1, 30))), vec![(17, 18), (20, 21)]);
        assert_eq!(spans(&alarm_events(&risk, None, 0.5, &opts(1.0, 1, 30))), vec![(17, 21)]);
        // Two blips 20 min apart merge with a 30-min dead time and not with a 10-min one.
        let mut risk = vec![0.0; 40];
        risk[2] = 0.9;
        risk[2 + 20] = 0.9;
        let t: Vec<i64> = (0..40).map(|m| m * 60_000).collect();
        assert_eq!(spans(&alarm_events(&risk, Some(&t), 0.5, &opts(1.0, 1, 30))), vec![(2, 22)]);
        assert_eq!(spans(&alarm_events(&risk, Some(&t), 0.5, &opts(1.0, 1, 10))), vec![(2, 2), (22, 22)]);
        // The merged event lasts 21 minutes: it passes a 15-interval minimum.
        assert_eq!(spans(&alarm_events(&risk, Some(&t), 0.5, &opts(1.0, 15, 30))), vec![(2, 22)]);
    }

    #[test]
    fn chattering_alarms_count_as_one_false_alarm_event() {
        // A day of minutes; the risk flickers over the threshold for an hour (every third
        // minute) far from the one fault: 20 alarm sample runs, one alarm event.
        let n = 24 * 60;
        let times: Vec<i64> = (0..n as i64).map(|m| m * 60_000).collect();
        let faults: Vec<Option<bool>> = (0..n).map(|m| Some((20 * 60..20 * 60 + 30).contains(&m))).collect();
        let risk: Vec<f64> = (0..n).map(|m| if (300..360).contains(&m) && m % 3 == 0 { 0.8 } else { 0.1 }).collect();
        let rows: Vec<u64> = (0..n as u64).collect();
        let raw = EventOptions::default().raw_samples();
        let by_samples = score_events(&risk, &faults, &rows, Some(&times), 0.5, &raw).unwrap();
        assert_eq!(by_samples.false_alarms, 20);
        let by_events = score_events(&risk, &faults, &rows, Some(&times), 0.5, &EventOptions::default()).unwrap();
        assert_eq!(by_events.false_alarms, 1);
        assert!(!by_events.episodes[0].detected);
    }
}
