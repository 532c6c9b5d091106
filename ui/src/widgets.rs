//! Small drawing helpers shared by the panes.

use egui::{Color32, RichText};
use egui_plot::{FilledArea, Line, MarkerShape, PlotPoints, Points};
use plantlab_protocol::{Series, Severity};

pub const MARK_COLOR: Color32 = Color32::from_rgb(255, 80, 80);
pub const PASS_COLOR: Color32 = Color32::from_rgb(40, 130, 60);

const FAIL_COLOR: Color32 = Color32::from_rgb(170, 40, 40);

/// A small coloured label for a severity.
pub fn badge(ui: &mut egui::Ui, severity: Severity, text: &str) -> egui::Response {
    let fill = match severity {
        Severity::Error => FAIL_COLOR,
        Severity::Warning => Color32::from_rgb(170, 110, 20),
        Severity::Info => Color32::from_rgb(50, 90, 140),
    };
    pill(ui, fill, text)
}

/// A pass/fail badge.
pub fn pass_badge(ui: &mut egui::Ui, passed: bool) -> egui::Response {
    if passed {
        pill(ui, PASS_COLOR, "pass")
    } else {
        pill(ui, FAIL_COLOR, "fail")
    }
}

fn pill(ui: &mut egui::Ui, fill: Color32, text: &str) -> egui::Response {
    egui::Frame::new()
        .fill(fill)
        .corner_radius(3.0)
        .inner_margin(egui::Margin::symmetric(4, 1))
        .show(ui, |ui| ui.label(RichText::new(text).small().color(Color32::WHITE)))
        .response
}

/// Draws a series: a min/max band with its midline when decimated, else the line itself;
/// the requested marks as open circles.
pub fn draw_series(plot_ui: &mut egui_plot::PlotUi<'_>, series: &Series, name: &str, color: Color32) {
    let finite: Vec<usize> = (0..series.x.len()).filter(|&i| series.y_min[i].is_finite() && series.y_max[i].is_finite()).collect();
    if series.decimated {
        let xs: Vec<f64> = finite.iter().map(|&i| series.x[i]).collect();
        let lo: Vec<f64> = finite.iter().map(|&i| series.y_min[i]).collect();
        let hi: Vec<f64> = finite.iter().map(|&i| series.y_max[i]).collect();
        plot_ui.add(FilledArea::new(format!("{name} min-max"), &xs, &lo, &hi).fill_color(color.gamma_multiply(0.35)));
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
        plot_ui.points(Points::new("finding", marks).shape(MarkerShape::Circle).radius(5.0).filled(false).color(MARK_COLOR));
    }
}

