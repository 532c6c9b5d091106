//! The checks' findings in the detail a cleaning suggestion needs.

use super::flatline::scan_neighbours;
use super::range::RangeRule;
use super::statistics::{Robust, Summary};
use super::unit_jump::find_unit_jumps;
use super::QualityThresholds;

/// What the checks saw in one numeric column, in the detail a cleaning step needs: the
/// plausible range and the sentinels present, and each unit-jump segment with its conversion.
pub(crate) struct RepairHints {
    pub low: f64,
    pub high: f64,
    pub sentinels: Vec<f64>,
    /// (first row, one past the last row, scale, offset) of y = scale·x + offset that took the
    /// segment's readings into the other unit.
    pub unit_jumps: Vec<(usize, usize, f64, f64)>,
}

/// Runs the same range and unit-jump checks as [`assess`](super::assess) on one column.
pub(crate) fn repair_hints(name: &str, unit: Option<&str>, values: &[f64], t: &QualityThresholds) -> RepairHints {
    let mut hints = RepairHints { low: f64::NEG_INFINITY, high: f64::INFINITY, sentinels: Vec::new(), unit_jumps: Vec::new() };
    let summary = Summary::of(values, t.categorical_max_levels);
    if summary.finite + summary.infinite < 2 {
        return hints;
    }
    let mut scratch = Vec::new();
    let robust = Robust::of(values, &mut scratch);
    let rule = RangeRule::for_column(name, unit, t, &robust, &summary);
    hints.low = rule.low;
    hints.high = rule.high;
    hints.sentinels = rule.sentinels.clone();
    if summary.levels.is_some() {
        return hints;
    }
    let cleaned: Vec<f64> = values.iter().map(|&v| if rule.rejects(v) { f64::NAN } else { v }).collect();
    let noise = robust.step_sigma;
    let jump = if noise > 0.0 && noise.is_finite() { (t.spike_k - 2.0).max(1.0).min(t.spike_k) * noise } else { f64::INFINITY };
    let (_, jumps) = scan_neighbours(&cleaned, t.flatline_min_run, t.flatline_max_repeat_share, jump);
    hints.unit_jumps = find_unit_jumps(&cleaned, &jumps, noise, unit, t, &mut scratch)
        .into_iter()
        .map(|j| (j.start, j.end, j.conversion.scale, j.conversion.offset))
        .collect();
    hints
}
