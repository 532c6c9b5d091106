//! Small drawing helpers shared by the panes.

use egui::{Color32, RichText};
use egui_plot::{uniform_grid_spacer, FilledArea, HLine, HoverPosition, Legend, Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points, Span};
use plantlab_protocol::{InputWarningKind, RiskTimeline, Series, Severity, XAxis};

use crate::format::{epoch_seconds, time_grid_steps, time_tick};
use crate::i18n::{tr, tr_with};
use crate::theme;

/// A small coloured label for a severity.
pub fn badge(ui: &mut egui::Ui, severity: Severity, text: &str) -> egui::Response {
    let fill = match severity {
        Severity::Error => theme::FAIL_FILL,
        Severity::Warning => theme::WARNING_FILL,
        Severity::Info => theme::INFO_FILL,
    };
    pill(ui, fill, text)
}

/// A pass/fail badge.
pub fn pass_badge(ui: &mut egui::Ui, passed: bool) -> egui::Response {
    if passed {
        pill(ui, theme::PASS_FILL, &tr("widget-pass"))
    } else {
        pill(ui, theme::FAIL_FILL, &tr("widget-fail"))
    }
}

/// A badge naming why an input may not be trusted.
pub fn warning_badge(ui: &mut egui::Ui, kind: InputWarningKind) -> egui::Response {
    let (fill, text) = match kind {
        InputWarningKind::MissingTag => (theme::FAIL_FILL, tr("widget-warning-missing-tag")),
        InputWarningKind::OutOfTrainingRange => (theme::WARNING_FILL, tr("widget-warning-out-of-range")),
        InputWarningKind::UnseenCategory => (theme::UNSEEN_CATEGORY_FILL, tr("widget-warning-unseen-category")),
        InputWarningKind::MostlyMissing => (theme::INFO_FILL, tr("widget-warning-mostly-missing")),
    };
    pill(ui, fill, &text)
}

fn pill(ui: &mut egui::Ui, fill: Color32, text: &str) -> egui::Response {
    egui::Frame::new()
        .fill(fill)
        .corner_radius(3.0)
        .inner_margin(egui::Margin::symmetric(4, 1))
        .show(ui, |ui| ui.label(RichText::new(text).small().color(theme::TEXT_ON_FILL)))
        .response
}

/// Dates on the x axis (seconds since the epoch): grid lines at round clock and calendar steps,
/// tick labels as detailed as the zoom needs, the full timestamp on hover.
pub fn with_time_axis(plot: Plot<'_>) -> Plot<'_> {
    plot.x_grid_spacer(uniform_grid_spacer(|input| time_grid_steps(input.base_step_size)))
        .x_axis_formatter(|mark, _| time_tick(mark.value, mark.step_size))
        .label_formatter(|position| {
            Some(match position {
                HoverPosition::NearDataPoint { plot_name, position, .. } => {
                    format!("{plot_name}\n{}\n{}", epoch_seconds(position.x), egui_plot::format_number(position.y, 4))
                }
                HoverPosition::Elsewhere { position } => format!("{}\n{}", epoch_seconds(position.x), egui_plot::format_number(position.y, 4)),
            })
        })
}

/// A plot whose x axis suits the series drawn on it: dates when the data has times (labelled
/// with the time column), else row numbers.
pub fn series_plot<'a>(id: &str, axis: &XAxis) -> Plot<'a> {
    let plot = Plot::new(id);
    match axis {
        XAxis::Time(column) => with_time_axis(plot.x_axis_label(column.clone())),
        XAxis::RowIndex => plot.x_axis_label(tr("plot-axis-row")),
    }
}

/// Draws a series: a min/max band with its midline when decimated, else the line itself;
/// the requested marks as open circles.
pub fn draw_series(plot_ui: &mut egui_plot::PlotUi<'_>, series: &Series, name: &str, color: Color32) {
    let finite: Vec<usize> = (0..series.x.len()).filter(|&i| series.y_min[i].is_finite() && series.y_max[i].is_finite()).collect();
    if series.decimated {
        let xs: Vec<f64> = finite.iter().map(|&i| series.x[i]).collect();
        let lo: Vec<f64> = finite.iter().map(|&i| series.y_min[i]).collect();
        let hi: Vec<f64> = finite.iter().map(|&i| series.y_max[i]).collect();
        plot_ui.add(FilledArea::new(tr_with("plot-series-min-max", &[("name", name.into())]), &xs, &lo, &hi).fill_color(color.gamma_multiply(0.35)));
        let mid: PlotPoints = finite.iter().map(|&i| [series.x[i], (series.y_min[i] + series.y_max[i]) / 2.0]).collect();
        plot_ui.line(Line::new(name.to_owned(), mid).color(color).width(1.0));
    } else {
        let points: PlotPoints = finite.iter().map(|&i| [series.x[i], series.y_min[i]]).collect();
        plot_ui.line(Line::new(name.to_owned(), points).color(color).width(1.5));
    }
    if !series.marks.is_empty() {
        // A missing value is marked on the x axis line of the view's lowest point.
        let floor = series.y_min.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
        let floor = if floor.is_finite() { floor } else { 0.0 };
        let marks: PlotPoints = series.marks.iter().map(|&(x, y)| [x, if y.is_finite() { y } else { floor }]).collect();
        plot_ui.points(Points::new(tr("plot-series-finding"), marks).shape(MarkerShape::Circle).radius(5.0).filled(false).color(theme::FINDING_MARK));
    }
}

/// A stretch of the x axis to shade on a timeline (an alarm), in plot units.
#[derive(Clone, Debug, PartialEq)]
pub struct Stretch {
    pub start: f64,
    pub end: f64,
    pub highlighted: bool,
}

/// What one frame of a timeline shows on top of the risk line.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimelineView<'a> {
    pub threshold: f64,
    pub alarms: &'a [Stretch],
    /// Move the view to this x range (pass it only on the frame it is asked for).
    pub focus: Option<(f64, f64)>,
    /// Fit the whole line again.
    pub reset: bool,
}

/// A risk timeline turned into plot geometry once, when it arrives, so a frame only draws:
/// x in seconds since the epoch (time axis) or row numbers, fault-labelled stretches merged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelinePlot {
    pub has_timestamps: bool,
    risk: Vec<PlotPoint>,
    faults: Vec<(f64, f64)>,
    /// The typical distance between points, so a one-point stretch still shows.
    step: f64,
}

impl TimelinePlot {
    pub fn new(timeline: &RiskTimeline) -> Self {
        let scale = if timeline.has_timestamps { 0.001 } else { 1.0 };
        let xs: Vec<f64> = timeline.x.iter().map(|&x| x * scale).collect();
        let risk =
            xs.iter().zip(&timeline.risk).filter(|(x, r)| x.is_finite() && r.is_finite()).map(|(&x, &r)| PlotPoint::new(x, f64::from(r))).collect();
        let step = match (xs.first(), xs.last()) {
            (Some(first), Some(last)) if xs.len() > 1 && last > first => (last - first) / (xs.len() - 1) as f64,
            _ => 1.0,
        };
        let mut faults = Vec::new();
        let mut open: Option<usize> = None;
        // `fault` may be empty (unlabelled data) or, defensively, shorter than `x`.
        let labels = timeline.fault.iter().copied().chain(std::iter::once(false));
        for (i, fault) in labels.enumerate().take(xs.len() + 1) {
            match (fault && i < xs.len(), open) {
                (true, None) => open = Some(i),
                (false, Some(start)) => {
                    faults.push((xs[start], xs[i - 1]));
                    open = None;
                }
                _ => {}
            }
        }
        Self { has_timestamps: timeline.has_timestamps, risk, faults, step }
    }

    /// The plot x of a place given as epoch milliseconds (when the data has timestamps) or a row.
    pub fn x_of(&self, millis: Option<i64>, row: u64) -> f64 {
        match (self.has_timestamps, millis) {
            (true, Some(ms)) => ms as f64 / 1000.0,
            _ => row as f64,
        }
    }

    pub fn points(&self) -> usize {
        self.risk.len()
    }

    /// Draws the risk, the threshold and the shaded stretches, as `view` says.
    pub fn show(&self, ui: &mut egui::Ui, id: &str, height: f32, view: TimelineView<'_>) {
        let TimelineView { threshold, alarms, focus, reset } = view;
        let mut plot = Plot::new(id)
            .height(height)
            .legend(Legend::default())
            .include_y(0.0)
            .include_y(1.0)
            .y_axis_label(tr("plot-axis-risk"))
            .x_axis_label(if self.has_timestamps { tr("plot-axis-time") } else { tr("plot-axis-row") })
            // The wheel scrolls the pane; drag pans, Ctrl+wheel zooms, double-click resets.
            .allow_scroll(false)
            .allow_double_click_reset(true);
        if self.has_timestamps {
            plot = with_time_axis(plot);
        }
        if reset {
            plot = plot.reset();
        }
        let half = self.step / 2.0;
        plot.show(ui, |plot_ui| {
            for &(start, end) in &self.faults {
                plot_ui.add(Span::new(tr("plot-series-fault-label"), (start - half)..=(end + half)).fill(theme::FAULT_SPAN).border_width(0.0));
            }
            for alarm in alarms {
                let fill = if alarm.highlighted { theme::ALARM_SPAN_SELECTED } else { theme::ALARM_SPAN };
                plot_ui.add(Span::new(tr("plot-series-alarm"), (alarm.start - half)..=(alarm.end + half)).fill(fill).border_width(0.0));
            }
            plot_ui.line(Line::new(tr("plot-series-risk"), PlotPoints::Borrowed(&self.risk)).color(theme::SERIES_RISK).width(1.2));
            plot_ui.add(
                HLine::new(tr_with("plot-series-threshold", &[("threshold", format!("{threshold:.2}").into())]), threshold).color(theme::THRESHOLD),
            );
            if let Some((start, end)) = focus {
                // Some context either side of the stretch, at least a few points' worth.
                let pad = ((end - start) * 0.5).max(self.step * 20.0);
                plot_ui.set_plot_bounds_x((start - pad)..=(end + pad));
            }
        });
    }
}

/// The Run button of a pane that needs a bundle and a data file: disabled while something is
/// `missing` (said in words beside it) or the task runs (`running_text` said instead).
/// Returns whether it was clicked.
pub fn run_button(ui: &mut egui::Ui, missing: Option<&str>, running: bool, running_text: &str) -> bool {
    let button = ui.add_enabled(missing.is_none() && !running, egui::Button::new(tr("widget-run-prediction")));
    if let Some(hint) = missing {
        ui.label(RichText::new(hint).color(theme::WARNING_TEXT));
    } else if running {
        // No spinner: the status bar already animates the task's progress.
        ui.label(running_text);
    }
    button.clicked()
}

/// Horizontal bars, one per tag, with the tags' names on the y axis; `bars[i]` must sit at
/// y = names.len() - 1 - i (the first at the top).
pub fn named_bar_chart(ui: &mut egui::Ui, plot: Plot<'_>, names: Vec<String>, series: &str, bars: Vec<egui_plot::Bar>) {
    let top = names.len() as f64 - 1.0;
    plot.include_x(0.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .y_axis_formatter(move |mark, _| {
            let index = top - mark.value;
            if (index - index.round()).abs() < 1e-6 && index >= 0.0 {
                names.get(index.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot_ui| plot_ui.bar_chart(egui_plot::BarChart::new(series, bars).horizontal()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_labels_become_stretches_and_times_become_seconds() {
        let timeline = RiskTimeline {
            x: vec![0.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0],
            has_timestamps: true,
            risk: vec![0.1, 0.2, 0.9, 0.95, 0.1, 0.8],
            fault: vec![false, false, true, true, false, true],
        };
        let plot = TimelinePlot::new(&timeline);
        assert_eq!(plot.faults, vec![(2.0, 3.0), (5.0, 5.0)]);
        assert_eq!(plot.points(), 6);
        assert_eq!(plot.step, 1.0);
        assert_eq!(plot.x_of(Some(4000), 4), 4.0);
        let unlabelled = TimelinePlot::new(&RiskTimeline { x: vec![0.0, 1.0], risk: vec![0.5, f32::NAN], ..RiskTimeline::default() });
        assert!(unlabelled.faults.is_empty());
        assert_eq!(unlabelled.points(), 1, "non-finite risks are left out");
        assert_eq!(unlabelled.x_of(Some(5000), 7), 7.0, "rows without timestamps");
    }
}
