//! `spike`: isolated outliers that return to the level they left.

use super::flatline::previous_finite;
use super::QualityThresholds;
use crate::hampel::Hampel;

/// Isolated outliers (Hampel filter) that return to the level they left. The filter runs only
/// at `candidates` — rows that jumped from their predecessor by more than about (k − 2)·noise —
/// so its cost follows the number of jumps, not rows.
pub(super) fn find_spikes(values: &[f64], candidates: &[usize], noise: f64, t: &QualityThresholds, buf: &mut Vec<f64>) -> Vec<usize> {
    let mut spikes = Vec::new();
    if noise <= 0.0 || !noise.is_finite() || t.spike_window == 0 {
        return spikes;
    }
    // The step noise is the floor of σ; a verdict needs more than half a window of readings.
    let rule = Hampel { half_width: t.spike_window, k: t.spike_k, floor: noise, min_samples: t.spike_window + 1 };
    let mut deviations = Vec::new();
    let mut is_outlier = |row: usize, buf: &mut Vec<f64>| rule.outlier_at(values, row, buf, &mut deviations).is_some();
    let mut resume = 0usize;
    for &row in candidates {
        if row < resume {
            continue;
        }
        let Some(before) = previous_finite(values, row) else { continue };
        // Follow the excursion until a sample is normal again.
        let (mut width, mut last, mut settled) = (0usize, row, None);
        let mut probe = row;
        while probe < values.len() {
            if values[probe].is_finite() {
                if !is_outlier(probe, buf) {
                    settled = Some(probe);
                    break;
                }
                width += 1;
                last = probe;
                if width > t.spike_max_width {
                    break;
                }
            }
            probe += 1;
        }
        resume = probe + 1;
        let Some(settled) = settled else { continue };
        if width == 0 || width > t.spike_max_width {
            continue;
        }
        // It must come back to where it was, not settle at a new level.
        let v = values[row];
        if (values[settled] - before).abs() < 0.5 * (v - before).abs() {
            spikes.extend((row..=last).filter(|&r| values[r].is_finite()));
        }
    }
    spikes
}

#[cfg(test)]
mod tests {
    use super::super::test_signals::{candidates, noisy, random_walk, setpoint_and_follower, sine};
    use super::*;

    fn spike_rows(values: &[f64]) -> Vec<usize> {
        let (jumps, noise) = candidates(values);
        find_spikes(values, &jumps, noise, &QualityThresholds::default(), &mut Vec::new())
    }

    #[test]
    fn spikes_are_isolated_outliers() {
        let mut values = noisy(6.5, 0.03, 1000, 4);
        values[100] += 2.4;
        values[300] -= 1.5;
        values[301] -= 1.6;
        values[700] = f64::NAN;
        values[701] += 3.0;
        assert_eq!(spike_rows(&values), vec![100, 300, 301, 701]);
    }

    #[test]
    fn normal_signals_have_no_spikes() {
        for seed in 0..5 {
            assert!(spike_rows(&noisy(6.5, 0.03, 5000, seed)).is_empty(), "white noise, seed {seed}");
            assert!(spike_rows(&random_walk(5000, 0.1, seed)).is_empty(), "random walk, seed {seed}");
            assert!(spike_rows(&sine(5000, 700.0, 6.0, 0.8, seed)).is_empty(), "slow sine, seed {seed}");
            assert!(spike_rows(&sine(5000, 12.0, 5.0, 0.1, seed)).is_empty(), "fast sine, seed {seed}");
            let (setpoint, follower) = setpoint_and_follower(5000, seed);
            assert!(spike_rows(&setpoint).is_empty(), "setpoint, seed {seed}");
            assert!(spike_rows(&follower).is_empty(), "process value following a setpoint, seed {seed}");
        }
        // A level shift that stays is not a spike.
        let mut shifted = noisy(10.0, 0.1, 1000, 9);
        for v in &mut shifted[500..] {
            *v += 5.0;
        }
        assert!(spike_rows(&shifted).is_empty());
    }
}
