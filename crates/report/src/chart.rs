//! Inline SVG charts: line charts with axes and horizontal bar charts. Coordinates are
//! written with one decimal and long series are reduced first, so a chart stays small.
//!
//! The SVG is built with the same templates as the page, so every label (tag names, legend
//! entries, axis titles) is escaped like any other text. Elements are closed explicitly
//! (`<line ...></line>`): inside SVG an unclosed start tag would swallow its siblings.

use maud::{html, Markup};
use plantlab_protocol::format_epoch_millis;

use crate::text::number;

/// Points a drawn series keeps at most (min and max per bucket, so spikes survive).
pub const MAX_SERIES_POINTS: usize = 2000;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 36.0;

pub const BLUE: &str = "#1f6fb2";
pub const ORANGE: &str = "#d9730d";
pub const RED: &str = "#c0392b";
pub const GREY: &str = "#888888";

/// How x values are labelled.
#[derive(Clone, Copy, PartialEq)]
pub enum XScale {
    Number,
    /// Epoch milliseconds, labelled as UTC dates and times.
    EpochMillis,
}

pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: &'static str,
    pub dashed: bool,
    /// Dots on every point: for short series such as epochs.
    pub dots: bool,
}

/// A straight reference line across the plot.
pub struct Rule {
    pub label: String,
    pub value: f64,
    pub color: &'static str,
}

pub struct LineChart {
    pub aria_label: String,
    pub x_label: String,
    pub y_label: String,
    pub x_scale: XScale,
    /// Fixed ranges (e.g. 0..1 for rates); otherwise taken from the data.
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
    pub lines: Vec<Line>,
    pub vertical_rules: Vec<Rule>,
    pub horizontal_rules: Vec<Rule>,
    /// Shaded x spans (fault-labelled stretches), with a legend name.
    pub bands: Vec<(f64, f64)>,
    pub band_label: String,
}

impl LineChart {
    pub fn new(aria_label: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            aria_label: aria_label.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            x_scale: XScale::Number,
            x_range: None,
            y_range: None,
            lines: Vec::new(),
            vertical_rules: Vec::new(),
            horizontal_rules: Vec::new(),
            bands: Vec::new(),
            band_label: String::new(),
        }
    }

    pub fn render(&self) -> Markup {
        let all_points = || self.lines.iter().flat_map(|l| l.points.iter());
        let x_range = self.x_range.unwrap_or_else(|| extent(all_points().map(|p| p.0).chain(self.bands.iter().flat_map(|b| [b.0, b.1]))));
        let y_range = self.y_range.unwrap_or_else(|| extent(all_points().map(|p| p.1).chain(self.horizontal_rules.iter().map(|r| r.value))));
        let frame = Frame::new(x_range, y_range);
        html! {
            svg class="chart" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width=(WIDTH) height=(HEIGHT) role="img" aria-label=(self.aria_label) {
                (self.bands_svg(&frame))
                (frame.axes(self.x_scale, &self.x_label, &self.y_label))
                @for rule in self.vertical_rules.iter().filter(|r| r.value.is_finite()) {
                    @let x = frame.sx(rule.value);
                    line x1=(at(x)) y1=(TOP) x2=(at(x)) y2=(at(HEIGHT - BOTTOM)) stroke=(rule.color) stroke-dasharray="4 3" {}
                    text x=(at(x + 3.0)) y=(at(TOP + 10.0)) class="note" fill=(rule.color) { (rule.label) }
                }
                @for rule in self.horizontal_rules.iter().filter(|r| r.value.is_finite()) {
                    @let y = frame.sy(rule.value);
                    line x1=(LEFT) y1=(at(y)) x2=(at(WIDTH - RIGHT)) y2=(at(y)) stroke=(rule.color) stroke-dasharray="6 4" {}
                }
                @for line in &self.lines {
                    (line_svg(line, &frame))
                }
                (self.legend_svg())
            }
        }
    }

    fn bands_svg(&self, frame: &Frame) -> Markup {
        // Neighbouring spans closer than a pixel merge, so the number of rectangles is bounded
        // by the plot width however many labelled stretches the data has.
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for &(a, b) in &self.bands {
            if !(a.is_finite() && b.is_finite()) {
                continue;
            }
            let (x0, x1) = (frame.sx(a.min(b)), frame.sx(a.max(b)));
            match merged.last_mut() {
                Some(last) if x0 - last.1 < 1.0 => last.1 = last.1.max(x1),
                _ => merged.push((x0, x1)),
            }
        }
        html! {
            @for (x0, x1) in merged {
                rect x=(at(x0)) y=(TOP) width=(at((x1 - x0).max(1.0))) height=(at(HEIGHT - TOP - BOTTOM)) fill=(RED) fill-opacity="0.15" {}
            }
        }
    }

    fn legend_svg(&self) -> Markup {
        let mut entries: Vec<LegendEntry<'_>> =
            self.lines.iter().map(|l| LegendEntry { name: &l.name, color: l.color, dashed: l.dashed, band: false }).collect();
        // Vertical rules carry their label in the plot; only horizontal ones need a legend entry.
        for rule in &self.horizontal_rules {
            if !rule.label.is_empty() && rule.value.is_finite() {
                entries.push(LegendEntry { name: &rule.label, color: rule.color, dashed: true, band: false });
            }
        }
        if !self.bands.is_empty() {
            entries.push(LegendEntry { name: &self.band_label, color: RED, dashed: false, band: true });
        }
        // A rough width per character is enough to keep entries apart.
        let starts = entries.iter().scan(LEFT, |x, entry| {
            let start = *x;
            *x += 34.0 + 6.0 * entry.name.chars().count() as f64;
            Some(start)
        });
        let placed: Vec<(f64, &LegendEntry<'_>)> = starts.zip(&entries).collect();
        html! {
            @for (x, entry) in placed {
                @if entry.band {
                    rect x=(at(x)) y="8" width="18" height="10" fill=(entry.color) fill-opacity="0.15" {}
                } @else {
                    line x1=(at(x)) y1="13" x2=(at(x + 18.0)) y2="13" stroke=(entry.color) stroke-width="2" stroke-dasharray=[entry.dashed.then_some("4 3")] {}
                }
                text x=(at(x + 22.0)) y="17" class="legend" { (entry.name) }
            }
        }
    }
}

/// One entry of a chart's legend: a line or a shaded band, and its name.
struct LegendEntry<'a> {
    name: &'a str,
    color: &'static str,
    dashed: bool,
    band: bool,
}

fn line_svg(line: &Line, frame: &Frame) -> Markup {
    let points = downsample_min_max(&line.points, MAX_SERIES_POINTS);
    if points.is_empty() {
        return Markup::default();
    }
    let coords: Vec<String> = points.iter().map(|&(x, y)| format!("{:.1},{:.1}", frame.sx(x), frame.sy(y))).collect();
    html! {
        polyline fill="none" stroke=(line.color) stroke-width="1.5" stroke-dasharray=[line.dashed.then_some("6 4")] points=(coords.join(" ")) {}
        @if line.dots {
            @for &(x, y) in &points {
                circle cx=(at(frame.sx(x))) cy=(at(frame.sy(y))) r="2.5" fill=(line.color) {}
            }
        }
    }
}

/// A coordinate with one decimal, as every position in the charts is written.
fn at(value: f64) -> String {
    format!("{value:.1}")
}

/// Keeps at most about `max_points` of `points` (in x order): per bucket the lowest and the
/// highest point, in their original order. Non-finite points are dropped.
pub fn downsample_min_max(points: &[(f64, f64)], max_points: usize) -> Vec<(f64, f64)> {
    let finite: Vec<(f64, f64)> = points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    if finite.len() <= max_points.max(2) {
        return finite;
    }
    let buckets = (max_points / 2).max(1);
    let n = finite.len();
    let mut out = Vec::with_capacity(buckets * 2);
    for b in 0..buckets {
        let bucket = &finite[b * n / buckets..(b + 1) * n / buckets];
        if bucket.is_empty() {
            continue;
        }
        let mut low = 0;
        let mut high = 0;
        for (i, p) in bucket.iter().enumerate() {
            if p.1 < bucket[low].1 {
                low = i;
            }
            if p.1 > bucket[high].1 {
                high = i;
            }
        }
        let (first, second) = if low <= high { (low, high) } else { (high, low) };
        out.push(bucket[first]);
        if second != first {
            out.push(bucket[second]);
        }
    }
    out
}

/// Smallest and largest finite value, widened when the values are all equal or absent.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        let pad = (lo.abs() * 0.1).max(0.5);
        return (lo - pad, hi + pad);
    }
    (lo, hi)
}

/// Round tick positions ("nice" steps of 1, 2 or 5 times a power of ten) inside `lo..=hi`.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return (vec![lo], 1.0);
    }
    let raw = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    let mut ticks = Vec::new();
    let first = (lo / step).ceil();
    for i in 0..50 {
        // Multiplying rather than adding keeps float dust out of the positions.
        let v = (first + f64::from(i)) * step;
        if v > hi + step * 1e-9 {
            break;
        }
        ticks.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
    }
    (ticks, step)
}

fn tick_label(value: f64, step: f64) -> String {
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize }.min(6);
    number(value, decimals)
}

fn time_label(millis: f64, span_ms: f64) -> String {
    let text = format_epoch_millis(millis.round() as i64);
    // "YYYY-MM-DD HH:MM:SS": the date alone over long spans, month-day and time otherwise.
    let part = if span_ms > 20.0 * 86_400_000.0 {
        text.get(0..10)
    } else if span_ms > 86_400_000.0 {
        text.get(5..16)
    } else {
        text.get(11..16)
    };
    part.unwrap_or(&text).to_string()
}

/// Maps data coordinates to the plot area.
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn new((x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> Self {
        let fix = |a: f64, b: f64| if b > a { (a, b) } else { (a - 0.5, a + 0.5) };
        let (x0, x1) = fix(x0, x1);
        let (y0, y1) = fix(y0, y1);
        Self { x0, x1, y0, y1 }
    }

    fn sx(&self, x: f64) -> f64 {
        LEFT + (x - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)
    }

    fn sy(&self, y: f64) -> f64 {
        HEIGHT - BOTTOM - (y - self.y0) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)
    }

    fn axes(&self, x_scale: XScale, x_label: &str, y_label: &str) -> Markup {
        let (bottom, right) = (HEIGHT - BOTTOM, WIDTH - RIGHT);
        let (y_ticks, y_step) = nice_ticks(self.y0, self.y1, 5);
        let x_ticks: Vec<(f64, String)> = match x_scale {
            XScale::Number => {
                let (ticks, step) = nice_ticks(self.x0, self.x1, 6);
                ticks.into_iter().map(|v| (v, tick_label(v, step))).collect()
            }
            XScale::EpochMillis => {
                // Evenly spaced instants: calendar-aligned ticks are not worth the code here.
                let span = self.x1 - self.x0;
                (0..5).map(|i| self.x0 + span * f64::from(i) / 4.0).map(|v| (v, time_label(v, span))).collect()
            }
        };
        let last = x_ticks.len().saturating_sub(1);
        // Long date labels at the plot's edges would be cut off if centred.
        let anchor = |i: usize| match (x_scale, i) {
            (XScale::EpochMillis, 0) => "start",
            (XScale::EpochMillis, i) if i == last => "end",
            _ => "middle",
        };
        let middle = (TOP + bottom) / 2.0;
        html! {
            rect x=(LEFT) y=(TOP) width=(at(right - LEFT)) height=(at(bottom - TOP)) fill="none" stroke="#bbbbbb" {}
            @for v in y_ticks {
                @let y = self.sy(v);
                line x1=(LEFT) y1=(at(y)) x2=(at(right)) y2=(at(y)) stroke="#eeeeee" {}
                text x=(at(LEFT - 4.0)) y=(at(y + 3.5)) class="tick" text-anchor="end" { (tick_label(v, y_step)) }
            }
            @for (i, (v, label)) in x_ticks.into_iter().enumerate() {
                @let x = self.sx(v);
                line x1=(at(x)) y1=(at(bottom)) x2=(at(x)) y2=(at(bottom + 4.0)) stroke="#888888" {}
                text x=(at(x)) y=(at(bottom + 15.0)) class="tick" text-anchor=(anchor(i)) { (label) }
            }
            text x=(at((LEFT + right) / 2.0)) y=(at(HEIGHT - 4.0)) class="axis" text-anchor="middle" { (x_label) }
            text x="12" y=(at(middle)) class="axis" text-anchor="middle" transform={ "rotate(-90 12 " (at(middle)) ")" } { (y_label) }
        }
    }
}

/// One bar of a horizontal bar chart; `color` tells the sign or class of the value.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub color: &'static str,
}

/// Horizontal bars from zero, longest first as given, labelled on the left and valued on the right.
pub fn bar_chart(aria_label: &str, bars: &[Bar], decimals: usize) -> Markup {
    const LABEL_WIDTH: f64 = 200.0;
    const ROW: f64 = 20.0;
    let height = ROW * bars.len() as f64 + 10.0;
    let max = bars.iter().map(|b| b.value.abs()).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let scale = if max > 0.0 { (WIDTH - LABEL_WIDTH - 70.0) / max } else { 0.0 };
    html! {
        svg class="chart" viewBox={ "0 0 " (WIDTH) " " (height) } width=(WIDTH) height=(height) role="img" aria-label=(aria_label) {
            @for (i, bar) in bars.iter().enumerate() {
                @let y = 5.0 + ROW * i as f64;
                @let length = if bar.value.is_finite() { bar.value.abs() * scale } else { 0.0 };
                // Long tag names are cut so they cannot run into the bars.
                @let label: String = if bar.label.chars().count() > 30 { bar.label.chars().take(29).chain(['…']).collect() } else { bar.label.clone() };
                text x=(at(LABEL_WIDTH - 6.0)) y=(at(y + 13.0)) class="tick" text-anchor="end" { (label) }
                rect x=(LABEL_WIDTH) y=(at(y + 3.0)) width=(at(length)) height=(at(ROW - 6.0)) fill=(bar.color) {}
                text x=(at(LABEL_WIDTH + length + 4.0)) y=(at(y + 13.0)) class="tick" { (number(bar.value, decimals)) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_spikes_and_bounds_points() {
        let mut points: Vec<(f64, f64)> = (0..100_000).map(|i| (f64::from(i), 0.0)).collect();
        points[54_321].1 = 9.0;
        points[77_777].1 = -3.0;
        let reduced = downsample_min_max(&points, 2000);
        assert!(reduced.len() <= 2000, "{}", reduced.len());
        assert!(reduced.contains(&(54_321.0, 9.0)));
        assert!(reduced.contains(&(77_777.0, -3.0)));
        assert!(reduced.windows(2).all(|w| w[0].0 < w[1].0), "x order kept");
        let short = [(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)];
        assert_eq!(downsample_min_max(&short, 2000), vec![(0.0, 1.0), (2.0, 3.0)]);
    }

    #[test]
    fn labels_and_attributes_are_escaped() {
        let mut chart = LineChart::new(r#"chart "A" <b> & c"#, "x <1>", r#"y "2""#);
        chart.lines.push(Line { name: "<script>&".into(), points: vec![(0.0, 0.0), (1.0, 1.0)], color: BLUE, dashed: true, dots: false });
        chart.vertical_rules.push(Rule { label: r#"best "<3>""#.into(), value: 0.5, color: GREY });
        let svg = chart.render().into_string();
        assert!(svg.contains(r#"aria-label="chart &quot;A&quot; &lt;b&gt; &amp; c""#), "{svg}");
        assert!(svg.contains(">x &lt;1&gt;</text>") && svg.contains(">y &quot;2&quot;</text>"), "axis titles: {svg}");
        assert!(svg.contains(r#"class="legend">&lt;script&gt;&amp;</text>"#), "legend: {svg}");
        assert!(svg.contains(">best &quot;&lt;3&gt;&quot;</text>"), "rule label: {svg}");
        assert!(svg.contains(r#"stroke-dasharray="6 4" points="#), "a dashed line stays dashed: {svg}");
        let bars = bar_chart("bars & <more>", &[Bar { label: "<T&1>".into(), value: 1.0, color: RED }], 2).into_string();
        assert!(bars.contains(r#"aria-label="bars &amp; &lt;more&gt;""#) && bars.contains(">&lt;T&amp;1&gt;</text>"), "{bars}");
    }

    #[test]
    fn ticks_are_round_and_inside() {
        let (ticks, step) = nice_ticks(0.0, 1.0, 5);
        assert_eq!(step, 0.2);
        assert_eq!(ticks.len(), 6);
        assert_eq!(tick_label(ticks[3], step), "0.6");
        let (ticks, _) = nice_ticks(3.0, 97.0, 5);
        assert_eq!(ticks, vec![20.0, 40.0, 60.0, 80.0]);
    }
}
