//! `unit_jump`: a segment logged in another unit, found as a level shift that matches a unit
//! conversion and shifts back by its inverse.

use plantlab_protocol::UnitConversion;

use super::flatline::previous_finite;
use super::range::normalize_unit;
use super::statistics::{median_and_sigma, median_in_place};
use super::wording::format_number;
use super::QualityThresholds;

/// Samples on each side of a level shift used to measure the levels.
const LEVEL_WINDOW: usize = 15;
/// Fewest finite samples that make a level measurement.
const LEVEL_MIN_SAMPLES: usize = 5;
/// Jump candidates inspected when looking for the end of a unit-jump segment.
const MAX_SEGMENT_END_CANDIDATES: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnitFamily {
    Celsius,
    Fahrenheit,
    Kelvin,
    Bar,
    KiloPascal,
    Psi,
    CubicMetresPerHour,
    LitresPerSecond,
    Megapascal,
    TonnesPerHour,
    KilogramsPerHour,
}

impl UnitFamily {
    fn symbol(self) -> &'static str {
        match self {
            UnitFamily::Celsius => "°C",
            UnitFamily::Fahrenheit => "°F",
            UnitFamily::Kelvin => "K",
            UnitFamily::Bar => "bar",
            UnitFamily::KiloPascal => "kPa",
            UnitFamily::Psi => "psi",
            UnitFamily::CubicMetresPerHour => "m³/h",
            UnitFamily::LitresPerSecond => "l/s",
            UnitFamily::Megapascal => "MPa",
            UnitFamily::TonnesPerHour => "t/h",
            UnitFamily::KilogramsPerHour => "kg/h",
        }
    }

    /// The unit a named conversion starts from (`Linear` names none).
    fn source_of(conversion: UnitConversion) -> Option<Self> {
        let family = match conversion {
            UnitConversion::CelsiusToFahrenheit | UnitConversion::CelsiusToKelvin => UnitFamily::Celsius,
            UnitConversion::FahrenheitToCelsius => UnitFamily::Fahrenheit,
            UnitConversion::KelvinToCelsius => UnitFamily::Kelvin,
            UnitConversion::BarToKpa | UnitConversion::BarToPsi => UnitFamily::Bar,
            UnitConversion::KpaToBar | UnitConversion::KpaToMpa => UnitFamily::KiloPascal,
            UnitConversion::MpaToKpa | UnitConversion::MpaToBar => UnitFamily::Megapascal,
            UnitConversion::BarToMpa => UnitFamily::Bar,
            UnitConversion::TphToKgh => UnitFamily::TonnesPerHour,
            UnitConversion::KghToTph => UnitFamily::KilogramsPerHour,
            UnitConversion::PsiToBar => UnitFamily::Psi,
            UnitConversion::M3hToLs => UnitFamily::CubicMetresPerHour,
            UnitConversion::LsToM3h => UnitFamily::LitresPerSecond,
            UnitConversion::Linear { .. } => return None,
        };
        Some(family)
    }
}

/// One of the protocol's named conversions (`UnitConversion::NAMED`, the one table of them):
/// y = scale·x + offset takes a reading in `from` to the other unit.
#[derive(Clone, Copy, Debug)]
pub(super) struct Conversion {
    named: UnitConversion,
    from: UnitFamily,
    pub(super) scale: f64,
    pub(super) offset: f64,
}

impl Conversion {
    /// Every named conversion with the unit it starts from.
    fn all() -> impl Iterator<Item = Conversion> {
        UnitConversion::NAMED.into_iter().filter_map(|named| {
            let from = UnitFamily::source_of(named)?;
            let (scale, offset) = named.coefficients();
            Some(Conversion { named, from, scale, offset })
        })
    }

    /// The conversion in words for a finding: "°C → °F (y = 1.8·x + 32)".
    pub(super) fn label(&self) -> String {
        let to = self.named.target_unit().unwrap_or("?");
        format!("{} → {to} ({})", self.from.symbol(), formula(self.scale, self.offset))
    }
}

/// y = scale·x + offset in words; a factor below 1 is written as a division by its inverse:
/// "y = 1.8·x + 32", "y = x − 273.15", "y = x / 100", "y = (x − 32) / 1.8".
fn formula(scale: f64, offset: f64) -> String {
    let signed = |term: f64| if term < 0.0 { format!(" − {}", format_number(-term)) } else { format!(" + {}", format_number(term)) };
    if scale == 1.0 {
        return format!("y = x{}", signed(offset));
    }
    if scale.abs() >= 1.0 {
        let shift = if offset == 0.0 { String::new() } else { signed(offset) };
        return format!("y = {}·x{shift}", format_number(scale));
    }
    // y = scale·x + offset = (x + offset / scale) / (1 / scale)
    let divisor = format_number(1.0 / scale);
    if offset == 0.0 {
        format!("y = x / {divisor}")
    } else {
        format!("y = (x{}) / {divisor}", signed(offset / scale))
    }
}

/// A unit as written in an export (`°C`, `℃`, `摄氏度`, `ｍ３／ｈ`, `m3/hr`, `kPa(g)`) in one
/// spelling: lower case, no spaces, full-width forms and superscripts as ASCII, Chinese names
/// as symbols, `hr` as `h`.
pub(super) fn canonical_unit(unit: &str) -> String {
    let narrowed: String = normalize_unit(unit)
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFF01 + 0x21).map_or(c, |c| c.to_ascii_lowercase()),
            '³' => '3',
            '²' => '2',
            c => c,
        })
        .collect();
    let spelled = narrowed.replace("m^3", "m3").replace("/hr", "/h");
    match spelled.as_str() {
        "摄氏度" | "℃" | "°c" | "ºc" | "degc" | "celsius" => "°c".into(),
        "华氏度" | "℉" | "°f" | "ºf" | "degf" | "fahrenheit" => "°f".into(),
        "开尔文" | "开" => "k".into(),
        "千帕" => "kpa".into(),
        "兆帕" => "mpa".into(),
        "巴" => "bar".into(),
        "立方米/时" | "立方米/小时" | "方/时" | "方/小时" => "m3/h".into(),
        "吨/时" | "吨/小时" => "t/h".into(),
        "千克/时" | "千克/小时" | "公斤/时" | "公斤/小时" => "kg/h".into(),
        "标方/时" | "标立方米/时" | "nm3/hr" => "nm3/h".into(),
        "升/秒" => "l/s".into(),
        _ => spelled,
    }
}

/// The unit family a unit string belongs to, for the named conversions; `None` for units the
/// conversion table has no entry for (Nm³/h — normal cubic metres are not m³/h at line
/// conditions, and converting needs the pressure and temperature —, %) and for anything unknown.
fn unit_family(unit: &str) -> Option<UnitFamily> {
    let family = match canonical_unit(unit).as_str() {
        "°c" => UnitFamily::Celsius,
        "°f" => UnitFamily::Fahrenheit,
        "k" | "kelvin" => UnitFamily::Kelvin,
        "bar" | "bara" | "barg" | "bar(a)" | "bar(g)" => UnitFamily::Bar,
        "kpa" | "kpaa" | "kpag" | "kpa(a)" | "kpa(g)" => UnitFamily::KiloPascal,
        "psi" | "psia" | "psig" | "psi(a)" | "psi(g)" => UnitFamily::Psi,
        "m3/h" => UnitFamily::CubicMetresPerHour,
        "l/s" => UnitFamily::LitresPerSecond,
        "mpa" | "mpaa" | "mpag" | "mpa(a)" | "mpa(g)" => UnitFamily::Megapascal,
        "t/h" => UnitFamily::TonnesPerHour,
        "kg/h" => UnitFamily::KilogramsPerHour,
        _ => return None,
    };
    Some(family)
}

#[derive(Debug)]
pub(super) struct UnitJump {
    pub(super) start: usize,
    /// One past the last row of the segment.
    pub(super) end: usize,
    pub(super) samples: usize,
    pub(super) conversion: Conversion,
    pub(super) surrounding_level: f64,
    pub(super) segment_level: f64,
}

#[derive(Clone, Copy, Debug)]
struct Level {
    median: f64,
    sigma: f64,
}

/// Segments that leave the surrounding level by a unit conversion and come back by its
/// inverse. Both edges must be sharp jumps (> k·noise between neighbours, taken from the
/// jump `candidates`); the levels either
/// side of each edge are medians of `LEVEL_WINDOW` samples. A known unit limits the candidate
/// conversions to those from that unit.
pub(super) fn find_unit_jumps(
    values: &[f64],
    candidates: &[usize],
    noise: f64,
    unit: Option<&str>,
    t: &QualityThresholds,
    buf: &mut Vec<f64>,
) -> Vec<UnitJump> {
    let mut jumps = Vec::new();
    let threshold = t.spike_k * noise;
    if threshold <= 0.0 || !threshold.is_finite() {
        return jumps;
    }
    let edges: Vec<usize> =
        candidates.iter().copied().filter(|&row| previous_finite(values, row).is_some_and(|p| (values[row] - p).abs() > threshold)).collect();
    let family = unit.and_then(unit_family);
    let conversions: Vec<Conversion> = Conversion::all().filter(|c| family.is_none_or(|f| c.from == f)).collect();
    let mut next = 0;
    while next < edges.len() {
        let start = edges[next];
        next += 1;
        let (Some(before), Some(after)) = (level_before(values, start, buf), level_after(values, start, buf)) else { continue };
        if !starts_new_level(values[start], before, after) {
            continue;
        }
        let Some(conversion) = best_conversion(&conversions, before, after, t.unit_jump_tolerance) else { continue };
        let end = edges.iter().enumerate().skip(next).take(MAX_SEGMENT_END_CANDIDATES).find_map(|(i, &edge)| {
            let (b, a) = (level_before(values, edge, buf)?, level_after(values, edge, buf)?);
            (starts_new_level(values[edge], b, a) && returns_from(conversion, b, a, t.unit_jump_tolerance)).then_some((i, edge))
        });
        let Some((end_index, end)) = end else { continue };
        let samples = values[start..end].iter().filter(|v| v.is_finite()).count();
        if samples >= t.unit_jump_min_samples && noise_agrees(values, start, end, conversion.scale, buf) {
            jumps.push(UnitJump { start, end, samples, conversion, surrounding_level: before.median, segment_level: after.median });
            next = end_index + 1;
        }
    }
    jumps
}

/// The edge sample itself must belong to the level after it. Without this, a noise jump just
/// before the real edge (whose window after already holds mostly the new level) would be
/// taken for the edge.
fn starts_new_level(value: f64, before: Level, after: Level) -> bool {
    (value - after.median).abs() < (value - before.median).abs()
}

fn level_before(values: &[f64], row: usize, buf: &mut Vec<f64>) -> Option<Level> {
    buf.clear();
    let lo = row.saturating_sub(3 * LEVEL_WINDOW);
    buf.extend(values[lo..row.min(values.len())].iter().rev().copied().filter(|v| v.is_finite()).take(LEVEL_WINDOW));
    level_of(buf)
}

fn level_after(values: &[f64], row: usize, buf: &mut Vec<f64>) -> Option<Level> {
    buf.clear();
    let hi = (row + 3 * LEVEL_WINDOW).min(values.len());
    buf.extend(values[row.min(hi)..hi].iter().copied().filter(|v| v.is_finite()).take(LEVEL_WINDOW));
    level_of(buf)
}

fn level_of(buf: &mut [f64]) -> Option<Level> {
    if buf.len() < LEVEL_MIN_SAMPLES {
        return None;
    }
    median_and_sigma(buf).map(|(median, sigma)| Level { median, sigma })
}

/// How far `to` is from y = scale·`from` + offset, in tolerances; a match is ≤ 1.
fn mismatch((scale, offset): (f64, f64), from: Level, to: Level, relative_tolerance: f64) -> f64 {
    let predicted = scale * from.median + offset;
    let tolerance = relative_tolerance * predicted.abs() + 2.0 * (to.sigma + scale.abs() * from.sigma);
    // The shift itself must stand well clear of that tolerance.
    if (to.median - from.median).abs() <= 3.0 * tolerance || tolerance <= 0.0 {
        return f64::INFINITY;
    }
    (to.median - predicted).abs() / tolerance
}

fn best_conversion(conversions: &[Conversion], before: Level, after: Level, tolerance: f64) -> Option<Conversion> {
    conversions
        .iter()
        .map(|&c| (c, mismatch((c.scale, c.offset), before, after, tolerance)))
        .filter(|&(_, m)| m <= 1.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// Does the level go back from `segment` to the original unit at this edge?
fn returns_from(conversion: Conversion, segment: Level, after: Level, tolerance: f64) -> bool {
    let inverse = (1.0 / conversion.scale, -conversion.offset / conversion.scale);
    mismatch(inverse, segment, after, tolerance) <= 1.0
}

/// For large factors (×3.6 and beyond) the noise must scale too: a segment whose noise is as
/// large as its surroundings' is a process step that happens to match, not a unit change.
fn noise_agrees(values: &[f64], start: usize, end: usize, scale: f64, buf: &mut Vec<f64>) -> bool {
    const PAIRS: usize = 256;
    if scale.abs().ln().abs() < 3f64.ln() {
        return true;
    }
    let inside = step_noise(values, start, end.min(start + PAIRS), buf);
    let outside =
        step_noise(values, start.saturating_sub(PAIRS), start, buf).or_else(|| step_noise(values, end, (end + PAIRS).min(values.len()), buf));
    match (inside, outside) {
        (Some(inside), Some(outside)) if inside > 0.0 && outside > 0.0 => {
            let ratio = (inside / outside).ln();
            (ratio - scale.abs().ln()).abs() < ratio.abs()
        }
        _ => true,
    }
}

/// Median absolute change between neighbours in `values[from..to]`, if there are enough pairs.
fn step_noise(values: &[f64], from: usize, to: usize, buf: &mut Vec<f64>) -> Option<f64> {
    buf.clear();
    let slice = values.get(from..to)?;
    buf.extend(slice.windows(2).filter(|w| w[0].is_finite() && w[1].is_finite()).map(|w| (w[1] - w[0]).abs()));
    if buf.len() < 10 {
        return None;
    }
    median_in_place(buf)
}

#[cfg(test)]
mod tests {
    use super::super::test_signals::{candidates, noisy, random_walk, setpoint_and_follower, sine};
    use super::*;

    fn unit_jumps(values: &[f64], unit: Option<&str>) -> Vec<UnitJump> {
        let (jumps, noise) = candidates(values);
        find_unit_jumps(values, &jumps, noise, unit, &QualityThresholds::default(), &mut Vec::new())
    }

    #[test]
    fn unit_jump_finds_a_fahrenheit_segment() {
        let mut values = sine(3000, 1440.0, 2.5, 0.15, 5);
        for v in &mut values {
            *v -= 40.0; // about 60 °C
        }
        for v in &mut values[1200..1320] {
            *v = 1.8 * *v + 32.0;
        }
        for unit in [None, Some("°C"), Some("degC")] {
            let jumps = unit_jumps(&values, unit);
            assert_eq!(jumps.len(), 1, "{unit:?}");
            assert_eq!((jumps[0].start, jumps[0].end, jumps[0].samples), (1200, 1320, 120));
            assert!(jumps[0].conversion.label().starts_with("°C → °F"));
        }
        // A tag known to be in bar cannot have a °F segment.
        assert!(unit_jumps(&values, Some("bar")).is_empty());
    }

    #[test]
    fn unit_jump_finds_pressure_and_kelvin_segments() {
        let mut pressure = noisy(6.5, 0.03, 2000, 6);
        for v in &mut pressure[400..450] {
            *v *= 100.0;
        }
        let jumps = unit_jumps(&pressure, None);
        assert_eq!(jumps.len(), 1);
        assert_eq!((jumps[0].start, jumps[0].samples), (400, 50));
        assert!(jumps[0].conversion.label().starts_with("bar → kPa"));

        let mut kelvin = noisy(300.0, 0.2, 2000, 7);
        for v in &mut kelvin[1000..1100] {
            *v -= 273.15;
        }
        let jumps = unit_jumps(&kelvin, Some("K"));
        assert_eq!(jumps.len(), 1);
        assert!(jumps[0].conversion.label().starts_with("K → °C"));
    }

    #[test]
    fn level_shifts_that_are_not_unit_changes_are_ignored() {
        // A shift by an arbitrary amount and back.
        let mut values = noisy(60.0, 0.15, 2000, 8);
        for v in &mut values[500..600] {
            *v += 30.0;
        }
        assert!(unit_jumps(&values, None).is_empty());
        // A real °F segment that is too short.
        let mut short = noisy(60.0, 0.15, 2000, 8);
        for v in &mut short[500..510] {
            *v = 1.8 * *v + 32.0;
        }
        assert!(unit_jumps(&short, None).is_empty());
        // A flow that drops to 1/3.6 of its level and back, with unchanged noise: a process step.
        let mut flow = noisy(120.0, 0.8, 2000, 9);
        for v in &mut flow[800..900] {
            *v -= 120.0 - 120.0 / 3.6;
        }
        assert!(unit_jumps(&flow, None).is_empty());
        for seed in 0..5 {
            let (setpoint, follower) = setpoint_and_follower(5000, seed);
            assert!(unit_jumps(&setpoint, None).is_empty());
            assert!(unit_jumps(&follower, None).is_empty());
            assert!(unit_jumps(&random_walk(5000, 0.1, seed), None).is_empty());
        }
    }

    #[test]
    fn conversions_come_from_the_protocol_with_their_labels() {
        let labels: Vec<String> = Conversion::all().map(|c| c.label()).collect();
        let expected = [
            "°F → °C (y = (x − 32) / 1.8)",
            "°C → °F (y = 1.8·x + 32)",
            "K → °C (y = x − 273.15)",
            "°C → K (y = x + 273.15)",
            "kPa → bar (y = x / 100)",
            "bar → kPa (y = 100·x)",
            "psi → bar (y = x / 14.5038)",
            "bar → psi (y = 14.5038·x)",
            "m³/h → l/s (y = x / 3.6)",
            "l/s → m³/h (y = 3.6·x)",
            "MPa → kPa (y = 1000·x)",
            "kPa → MPa (y = x / 1000)",
            "MPa → bar (y = 10·x)",
            "bar → MPa (y = x / 10)",
            "t/h → kg/h (y = 1000·x)",
            "kg/h → t/h (y = x / 1000)",
        ];
        assert_eq!(labels, expected);
        // Every named conversion takes part, with its coefficients.
        assert_eq!(Conversion::all().count(), UnitConversion::NAMED.len());
        for c in Conversion::all() {
            assert_eq!((c.scale, c.offset), c.named.coefficients());
            assert_eq!(unit_family(c.from.symbol()), Some(c.from), "{}", c.from.symbol());
        }
    }

    #[test]
    fn chinese_and_full_width_units_map_onto_the_unit_table() {
        for unit in ["℃", "°C", "° C", "摄氏度", "°Ｃ", "degC"] {
            assert_eq!(unit_family(unit), Some(UnitFamily::Celsius), "{unit}");
        }
        assert_eq!(unit_family("℉"), Some(UnitFamily::Fahrenheit));
        for unit in ["m³/h", "m3/h", "M3/H", "ｍ３／ｈ", "m^3/hr", "立方米/时"] {
            assert_eq!(unit_family(unit), Some(UnitFamily::CubicMetresPerHour), "{unit}");
        }
        assert_eq!(unit_family("ｋＰａ"), Some(UnitFamily::KiloPascal));
        assert_eq!(unit_family("千帕"), Some(UnitFamily::KiloPascal));
        // Spelled one way whatever the input method.
        let canonical: Vec<String> =
            ["MPa", "ＭＰａ", "兆帕", "t/h", "吨/时", "Nm³/h", "Nm3/h", "kg/h", "公斤/时", "%", "％"].iter().map(|u| canonical_unit(u)).collect();
        assert_eq!(canonical, ["mpa", "mpa", "mpa", "t/h", "t/h", "nm3/h", "nm3/h", "kg/h", "kg/h", "%", "%"]);
        for unit in ["MPa", "ＭＰａ", "兆帕", "MPa(g)"] {
            assert_eq!(unit_family(unit), Some(UnitFamily::Megapascal), "{unit}");
        }
        for unit in ["t/h", "吨/时", "吨/小时"] {
            assert_eq!(unit_family(unit), Some(UnitFamily::TonnesPerHour), "{unit}");
        }
        for unit in ["kg/h", "公斤/时", "千克/小时"] {
            assert_eq!(unit_family(unit), Some(UnitFamily::KilogramsPerHour), "{unit}");
        }
        // Normal cubic metres are not cubic metres at line conditions: no conversion.
        for unit in ["Nm³/h", "Nm3/h", "标方/时", "%"] {
            assert_eq!(unit_family(unit), None, "{unit}");
        }
    }
}
