//! `out_of_range`: readings outside the configured or physically possible range of a tag, or
//! equal to a historian sentinel value, or infinite.

use plantlab_protocol::MessageArg;

use super::statistics::{Robust, Summary};
use super::unit_jump::canonical_unit;
use super::wording::{format_number, Words};
use super::{QualityThresholds, MAX_EXAMPLES};

/// Magnitudes at or beyond this are never a reading (historians use 1e30 and up as "no value").
const HUGE: f64 = 1e30;

pub(super) struct RangeRule {
    pub(super) low: f64,
    pub(super) high: f64,
    /// Where `low`/`high` come from, for the message (phrases `range_configured`, `range_unit`…).
    source: Vec<MessageArg>,
    /// Sentinels far enough from this tag's level to be recognisable.
    pub(super) sentinels: Vec<f64>,
}

#[derive(Default)]
pub(super) struct RangeHits {
    pub(super) count: usize,
    pub(super) rows: Vec<usize>,
    sentinel_hits: usize,
    sentinels_seen: Vec<f64>,
    range_hits: usize,
    invalid_hits: usize,
}

impl RangeRule {
    pub(super) fn for_column(name: &str, unit: Option<&str>, t: &QualityThresholds, robust: &Robust, summary: &Summary) -> Self {
        let (mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut sources = Vec::new();
        if let Some(&(lo, hi)) = t.limits.get(name) {
            low = low.max(lo);
            high = high.min(hi);
            sources.push(MessageArg::phrase("range_configured", [("low", MessageArg::Number(lo)), ("high", MessageArg::Number(hi))]));
        }
        if t.unit_limits {
            if let Some((lo, hi)) = unit.and_then(unit_range) {
                low = low.max(lo);
                high = high.min(hi);
                let unit = unit.unwrap_or_default();
                sources.push(if hi.is_finite() {
                    MessageArg::phrase("range_unit", [("low", MessageArg::Number(lo)), ("high", MessageArg::Number(hi)), ("unit", unit.into())])
                } else {
                    MessageArg::phrase("range_unit_at_least", [("low", MessageArg::Number(lo)), ("unit", unit.into())])
                });
            }
        }
        let scale = robust.sigma.max(robust.step_sigma);
        let sentinels = t
            .sentinels
            .iter()
            .copied()
            .filter(|&s| if scale > 0.0 { (s - robust.median).abs() > 10.0 * scale } else { s != robust.median })
            // A sentinel outside the column's extremes cannot occur in it.
            .filter(|&s| s >= summary.min && s <= summary.max)
            .collect();
        Self { low, high, source: sources, sentinels }
    }

    /// Whether any value can be rejected at all, judged from the column's extremes; most
    /// columns skip the scan this way.
    pub(super) fn could_reject(&self, summary: &Summary) -> bool {
        summary.infinite > 0
            || !self.sentinels.is_empty()
            || summary.min < self.low
            || summary.max > self.high
            || summary.min <= -HUGE
            || summary.max >= HUGE
    }

    pub(super) fn rejects(&self, v: f64) -> bool {
        v.is_infinite() || (v.is_finite() && (v.abs() >= HUGE || v < self.low || v > self.high || self.sentinels.contains(&v)))
    }

    pub(super) fn scan(&self, values: &[f64]) -> RangeHits {
        let mut hits = RangeHits { count: 0, rows: Vec::new(), sentinel_hits: 0, sentinels_seen: Vec::new(), range_hits: 0, invalid_hits: 0 };
        for (row, &v) in values.iter().enumerate() {
            if !self.rejects(v) {
                continue;
            }
            hits.count += 1;
            if hits.rows.len() < MAX_EXAMPLES {
                hits.rows.push(row);
            }
            if v.is_infinite() || v.abs() >= HUGE {
                hits.invalid_hits += 1;
            } else if self.sentinels.contains(&v) {
                hits.sentinel_hits += 1;
                if !hits.sentinels_seen.contains(&v) {
                    hits.sentinels_seen.push(v);
                }
            } else {
                hits.range_hits += 1;
            }
        }
        hits
    }
}

impl RangeHits {
    /// The finding's sentence: the count, then a clause per reason (sentinels, outside the
    /// range, infinite) that applies.
    pub(super) fn words(&self, name: &str, rule: &RangeRule) -> Words {
        let mut parts = Vec::new();
        if self.sentinel_hits > 0 {
            let seen: Vec<String> = self.sentinels_seen.iter().map(|&v| format_number(v)).collect();
            parts.push(MessageArg::phrase("out_of_range_sentinels", [("count", self.sentinel_hits.into()), ("values", seen.join(", ").into())]));
        }
        if self.range_hits > 0 {
            let range = if rule.source.is_empty() { MessageArg::phrase("range_plausible", []) } else { MessageArg::List(rule.source.clone()) };
            parts.push(MessageArg::phrase("out_of_range_outside", [("count", self.range_hits.into()), ("range", range)]));
        }
        if self.invalid_hits > 0 {
            parts.push(MessageArg::phrase("out_of_range_invalid", [("count", self.invalid_hits.into())]));
        }
        Words::new([("column", name.into()), ("count", self.count.into()), ("parts", MessageArg::Clauses(parts))])
    }
}

/// Physically possible range for a unit, where the unit alone says so (in any spelling the
/// unit table reads: `℃`, `摄氏度`, `ＭＰａ`, `兆帕`).
fn unit_range(unit: &str) -> Option<(f64, f64)> {
    let unit = canonical_unit(unit);
    let range = match unit.as_str() {
        "%" => (0.0, 100.0),
        "k" | "kelvin" => (0.0, f64::INFINITY),
        "°c" | "degc" | "℃" | "celsius" => (-273.15, f64::INFINITY),
        "°f" | "degf" | "℉" | "fahrenheit" => (-459.67, f64::INFINITY),
        "rpm" | "1/min" | "min-1" | "hz" => (0.0, f64::INFINITY),
        "bar(a)" | "bara" | "kpa(a)" | "kpaa" | "pa(a)" | "mbar(a)" | "mbara" | "psia" | "mpa(a)" => (0.0, f64::INFINITY),
        // Gauge (or unspecified) pressure cannot be below full vacuum.
        "bar" | "barg" | "bar(g)" => (-1.01325, f64::INFINITY),
        "mbar" | "mbarg" | "mbar(g)" => (-1013.25, f64::INFINITY),
        "kpa" | "kpag" | "kpa(g)" => (-101.325, f64::INFINITY),
        "mpa" | "mpag" | "mpa(g)" => (-0.101325, f64::INFINITY),
        "psi" | "psig" | "psi(g)" => (-14.696, f64::INFINITY),
        "mm/s" | "in/s" => (0.0, f64::INFINITY),
        _ => return None,
    };
    Some(range)
}

pub(super) fn normalize_unit(unit: &str) -> String {
    unit.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::test_signals::{assess_with, kinds, noisy};
    use super::super::QualityThresholds;
    use plantlab_protocol::FindingKind;
    use polars::prelude::*;

    #[test]
    fn chinese_and_full_width_units_have_their_physical_ranges() {
        use super::unit_range;
        assert_eq!(unit_range("摄氏度").map(|r| r.0), Some(-273.15));
        assert_eq!(unit_range("℃").map(|r| r.0), Some(-273.15));
        for gauge in ["MPa", "ＭＰａ", "兆帕", "MPa(g)"] {
            assert_eq!(unit_range(gauge).map(|r| r.0), Some(-0.101325), "{gauge}");
        }
        assert_eq!(unit_range("MPa(a)").map(|r| r.0), Some(0.0));
        assert_eq!(unit_range("％"), Some((0.0, 100.0)));
    }

    #[test]
    fn out_of_range_sentinels_units_and_limits() {
        let mut vibration = noisy(2.2, 0.08, 1000, 10);
        vibration[10] = -9999.0;
        vibration[20] = f64::INFINITY;
        let mut valve = noisy(50.0, 5.0, 1000, 11);
        valve[30] = 104.0;
        // -999 is a normal reading of a tag that spans ±2000.
        let mut wide: Vec<f64> = (0..1000).map(|i| (i as f64 - 500.0) * 4.0).collect();
        wide[250] = -999.0;
        let mut speed = noisy(1480.0, 2.0, 1000, 12);
        speed[50] = 2500.0;
        let frame = DataFrame::new(
            1000,
            vec![
                Column::new("vib".into(), vibration),
                Column::new("valve".into(), valve),
                Column::new("wide".into(), wide),
                Column::new("speed".into(), speed),
            ],
        )
        .unwrap();
        let units: HashMap<String, String> = [("valve".to_owned(), "%".to_owned())].into();
        let mut t = QualityThresholds::default();
        t.limits.insert("speed".into(), (0.0, 2000.0));
        let a = assess_with(&frame, None, None, &[], &units, &t);
        let range: Vec<_> = a.findings.iter().filter(|f| f.kind == FindingKind::OutOfRange).collect();
        let summary: Vec<_> = range.iter().map(|f| (f.column.as_deref().unwrap_or(""), f.count, f.rows.clone())).collect();
        assert_eq!(summary, vec![("vib", 2, vec![10, 20]), ("valve", 1, vec![30]), ("speed", 1, vec![50])]);
        assert!(range[0].message.contains("-9999"), "{}", range[0].message);
        assert_eq!(a.columns[2].unit, None);
        assert_eq!(a.columns[1].unit.as_deref(), Some("%"));
        // The sentinel does not also count as a spike.
        assert!(!a.findings.iter().any(|f| f.kind == FindingKind::Spike), "{:?}", kinds(&a));
    }
}
