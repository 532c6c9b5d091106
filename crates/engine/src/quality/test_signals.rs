//! Signals and helpers shared by the quality tests: deterministic noise, random walks, sines,
//! a setpoint with a process value following it, and shortcuts to run the assessment.

use std::collections::HashMap;

use plantlab_protocol::FindingKind;
use polars::prelude::*;

use super::duplicates::mix64;
use super::flatline::scan_neighbours;
use super::statistics::Robust;
use super::{assess, Assessment, QualityInput, QualityThresholds, StatusTextCount};

/// Deterministic standard-normal-ish noise for the detector tests.
pub(super) struct Noise(u64);

impl Noise {
    pub(super) fn next(&mut self) -> f64 {
        let mut sum = 0.0;
        for _ in 0..4 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            sum += (mix64(self.0) >> 11) as f64 / (1u64 << 53) as f64;
        }
        (sum - 2.0) * 3f64.sqrt()
    }
}

pub(super) fn noisy(level: f64, sigma: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut noise = Noise(seed);
    (0..n).map(|_| level + sigma * noise.next()).collect()
}

pub(super) fn random_walk(n: usize, step: f64, seed: u64) -> Vec<f64> {
    let mut noise = Noise(seed);
    let mut v = 50.0;
    (0..n)
        .map(|_| {
            v += step * noise.next();
            v
        })
        .collect()
}

pub(super) fn sine(n: usize, period: f64, amplitude: f64, sigma: f64, seed: u64) -> Vec<f64> {
    let mut noise = Noise(seed);
    (0..n).map(|i| 100.0 + amplitude * (std::f64::consts::TAU * i as f64 / period).sin() + sigma * noise.next()).collect()
}

/// A setpoint: long constant stretches with steps, and a noisy process value following it.
pub(super) fn setpoint_and_follower(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let levels = [55.0, 62.5, 58.0, 71.0, 64.0, 49.5, 60.0, 66.0, 52.0, 57.5, 69.0, 61.0];
    let setpoint: Vec<f64> = (0..n).map(|i| levels[(i / 150) % levels.len()]).collect();
    let mut noise = Noise(seed);
    let mut pv = setpoint[0];
    let follower = setpoint
        .iter()
        .map(|&sp| {
            pv += 0.3 * (sp - pv);
            pv + 0.2 * noise.next()
        })
        .collect();
    (setpoint, follower)
}

/// The jump candidates as `numeric_checks` computes them.
pub(super) fn candidates(values: &[f64]) -> (Vec<usize>, f64) {
    let noise = Robust::of(values, &mut Vec::new()).step_sigma;
    (scan_neighbours(values, 30, 0.5, 4.0 * noise).1, noise)
}

pub(super) fn minutes_column(name: &str, minutes: &[i64]) -> Column {
    let ms: Vec<i64> = minutes.iter().map(|m| 1_709_510_400_000 + m * 60_000).collect();
    Column::new(name.into(), ms).cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap()
}

pub(super) fn assess_frame(frame: &DataFrame, timestamp: Option<&str>, label: Option<&str>) -> Assessment {
    assess_with(frame, timestamp, label, &[], &HashMap::new(), &QualityThresholds::default())
}

pub(super) fn assess_with(
    frame: &DataFrame,
    timestamp: Option<&str>,
    label: Option<&str>,
    status: &[StatusTextCount],
    units: &HashMap<String, String>,
    t: &QualityThresholds,
) -> Assessment {
    let input = QualityInput { frame, timestamp_column: timestamp, status_text: status, units, label_column: label, label_weight_column: None };
    assess(&input, t)
}

pub(super) fn kinds(a: &Assessment) -> Vec<(FindingKind, Option<String>, u64)> {
    a.findings.iter().map(|f| (f.kind, f.column.clone(), f.count)).collect()
}
