//! The Data pane: what is in the file — size, columns with their types and missing counts,
//! a paged table, and a zoomable plot of one numeric column.

use egui::{Color32, RichText};
use egui_plot::{FilledArea, Line, Plot, PlotPoints};
use plantlab_protocol::{ColumnKind, PaintReport, DatasetSummary, PageRequest, Series, SeriesRequest, TablePage, XAxis};

use crate::backend::{Backend, Request};
use crate::format::{epoch_seconds, file_name, thousands};

const PAGE_SIZE: u64 = 50;
/// Buckets asked of the engine per view: enough to look exact on a wide screen.
const PLOT_POINTS: u32 = 2000;
const RECENT_LIMIT: usize = 8;

#[derive(Default)]
pub struct DataPane {
    summary: Option<DatasetSummary>,
    page: Option<TablePage>,
    page_offset: u64,
    page_pending: bool,
    plot_column: Option<String>,
    series: Option<Series>,
    series_pending: bool,
    /// The x range the shown series was asked for; a zoom that leaves it asks again.
    requested_range: Option<(f64, f64)>,
    reset_plot: bool,
    painted_reported: bool,
    path_input: String,
    recent: Vec<String>,
}

impl DataPane {
    pub fn waiting(&self) -> bool {
        self.page_pending || self.series_pending
    }

    pub fn remember_path(&mut self, path: &str) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_owned());
        self.recent.truncate(RECENT_LIMIT);
        self.path_input = path.to_owned();
    }

    pub fn status_text(&self) -> String {
        match &self.summary {
            Some(s) => format!("{}: {} rows × {} columns", file_name(&s.path), thousands(s.rows), s.columns.len()),
            None => "No data set open".into(),
        }
    }

    pub fn set_dataset(&mut self, summary: DatasetSummary, backend: &mut dyn Backend) {
        self.plot_column = default_plot_column(&summary);
        self.summary = Some(summary);
        self.page = None;
        self.series = None;
        self.page_offset = 0;
        self.painted_reported = false;
        self.request_page(backend);
        self.request_series(backend, None);
        self.reset_plot = true;
    }

    pub fn set_page(&mut self, page: TablePage) {
        self.page_pending = false;
        self.page = Some(page);
    }

    pub fn set_series(&mut self, series: Series) {
        self.series_pending = false;
        if self.plot_column.as_deref() == Some(series.column.as_str()) {
            self.series = Some(series);
        }
    }

    pub fn request_failed(&mut self) {
        self.page_pending = false;
        self.series_pending = false;
    }

    fn request_page(&mut self, backend: &mut dyn Backend) {
        self.page_pending = true;
        backend.send(Request::Page(PageRequest { offset: self.page_offset, limit: PAGE_SIZE }));
    }

    fn request_series(&mut self, backend: &mut dyn Backend, x_range: Option<(f64, f64)>) {
        let Some(column) = self.plot_column.clone() else {
            return;
        };
        self.series_pending = true;
        self.requested_range = x_range;
        backend.send(Request::Series(SeriesRequest { column, x_range, max_points: PLOT_POINTS }));
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        self.toolbar(ui, backend);
        ui.separator();
        let Some(summary) = self.summary.clone() else {
            ui.vertical_centered(|ui| {
                ui.add_space(60.0);
                ui.heading("No data set open");
                ui.label("Open a CSV export with Open… (Ctrl+O), drop a file on this window, or type its path above.");
            });
            return;
        };
        ui.label(RichText::new(format!(
            "{}: {} rows × {} columns{}",
            summary.path,
            thousands(summary.rows),
            summary.columns.len(),
            summary.timestamp_column.as_ref().map(|t| format!(", time axis \"{t}\"")).unwrap_or_default()
        )).strong());

        egui::Panel::left("columns").resizable(true).default_size(260.0).show(ui, |ui| {
            self.column_list(ui, &summary, backend);
        });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let plot_height = (ui.available_height() * 0.5).max(180.0);
            ui.allocate_ui(egui::vec2(ui.available_width(), plot_height), |ui| self.plot(ui, &summary, backend));
            ui.separator();
            self.table(ui, backend);
        });
    }

    fn toolbar(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        ui.horizontal(|ui| {
            ui.label("File:");
            let edit = ui.add(egui::TextEdit::singleline(&mut self.path_input).hint_text("path to a CSV file").desired_width(420.0));
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Load").clicked() || enter {
                let path = self.path_input.trim().to_owned();
                if !path.is_empty() {
                    self.remember_path(&path);
                    backend.send(Request::Load { path });
                }
            }
            if !self.recent.is_empty() {
                let mut chosen = None;
                egui::ComboBox::from_id_salt("recent").selected_text("Recent").show_ui(ui, |ui| {
                    for path in &self.recent {
                        if ui.selectable_label(false, path.as_str()).clicked() {
                            chosen = Some(path.clone());
                        }
                    }
                });
                if let Some(path) = chosen {
                    self.remember_path(&path);
                    backend.send(Request::Load { path });
                }
            }
        });
    }

    fn column_list(&mut self, ui: &mut egui::Ui, summary: &DatasetSummary, backend: &mut dyn Backend) {
        ui.heading("Columns");
        egui::ScrollArea::vertical().id_salt("column_scroll").show(ui, |ui| {
            egui::Grid::new("column_grid").striped(true).num_columns(3).show(ui, |ui| {
                ui.label(RichText::new("name").weak());
                ui.label(RichText::new("type").weak());
                ui.label(RichText::new("missing").weak());
                ui.end_row();
                for column in &summary.columns {
                    let plottable = matches!(column.kind, ColumnKind::Numeric | ColumnKind::Boolean);
                    let selected = self.plot_column.as_deref() == Some(column.name.as_str());
                    let name = ui.selectable_label(selected, column.name.as_str());
                    if name.clicked() && plottable && !selected {
                        self.select_plot_column(column.name.clone(), backend);
                    }
                    ui.label(column.dtype.as_str());
                    if column.null_count == 0 {
                        ui.label("0");
                    } else {
                        let share = column.null_count as f64 / summary.rows.max(1) as f64 * 100.0;
                        ui.label(RichText::new(format!("{} ({share:.1}%)", thousands(column.null_count))).color(Color32::from_rgb(230, 160, 60)));
                    }
                    ui.end_row();
                }
            });
        });
    }

    fn select_plot_column(&mut self, column: String, backend: &mut dyn Backend) {
        self.plot_column = Some(column);
        self.series = None;
        self.reset_plot = true;
        self.painted_reported = false;
        self.request_series(backend, None);
    }

    fn plot(&mut self, ui: &mut egui::Ui, summary: &DatasetSummary, backend: &mut dyn Backend) {
        let numeric: Vec<String> = summary.numeric_columns().map(|c| c.name.clone()).collect();
        ui.horizontal(|ui| {
            ui.label("Plot:");
            let mut chosen = self.plot_column.clone();
            egui::ComboBox::from_id_salt("plot_column")
                .selected_text(chosen.clone().unwrap_or_else(|| "no numeric column".into()))
                .show_ui(ui, |ui| {
                    for name in &numeric {
                        ui.selectable_value(&mut chosen, Some(name.clone()), name.as_str());
                    }
                });
            if chosen != self.plot_column {
                if let Some(c) = chosen {
                    self.select_plot_column(c, backend);
                }
            }
            if ui.button("Reset zoom").clicked() {
                self.reset_plot = true;
                self.request_series(backend, None);
            }
            if let Some(series) = &self.series {
                let how = if series.decimated { "min/max envelope of" } else { "all" };
                ui.label(RichText::new(format!("{how} {} rows in view", thousands(series.source_rows))).weak());
            }
        });
        let Some(series) = &self.series else {
            ui.centered_and_justified(|ui| {
                ui.label(if numeric.is_empty() { "This data set has no numeric column to plot." } else { "Loading plot…" });
            });
            return;
        };
        let time_axis = matches!(series.x_axis, XAxis::Time(_));
        let x_label = match &series.x_axis {
            XAxis::Time(name) => name.clone(),
            XAxis::RowIndex => "row".to_owned(),
        };
        let mut plot = Plot::new("data_plot").x_axis_label(x_label).y_axis_label(series.column.clone()).allow_double_click_reset(false);
        if time_axis {
            plot = plot.x_axis_formatter(|mark, _| epoch_seconds(mark.value));
        }
        if self.reset_plot {
            plot = plot.reset();
            self.reset_plot = false;
        }
        let response = plot.show(ui, |plot_ui| {
            draw_series(plot_ui, series);
            plot_ui.plot_bounds()
        });
        let bounds = response.inner;
        let visible = (bounds.min()[0], bounds.max()[0]);
        if !self.series_pending && needs_refetch(self.requested_range, series.x_extent, visible) {
            self.request_series(backend, Some(visible));
        }
        if !self.painted_reported && !series.x.is_empty() {
            self.painted_reported = true;
            let rect = response.response.rect;
            backend.send(Request::ReportPainted(PaintReport {
                rows: summary.rows,
                columns: summary.columns.len(),
                plot_column: series.column.clone(),
                plot_rect: [rect.min.x, rect.min.y, rect.width(), rect.height()],
            }));
        }
    }

    fn table(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        let total = self.summary.as_ref().map_or(0, |s| s.rows);
        ui.horizontal(|ui| {
            let at_start = self.page_offset == 0;
            let at_end = self.page_offset + PAGE_SIZE >= total;
            if ui.add_enabled(!at_start, egui::Button::new("◀ Previous")).clicked() {
                self.page_offset = self.page_offset.saturating_sub(PAGE_SIZE);
                self.request_page(backend);
            }
            if ui.add_enabled(!at_end, egui::Button::new("Next ▶")).clicked() {
                self.page_offset += PAGE_SIZE;
                self.request_page(backend);
            }
            let last = (self.page_offset + PAGE_SIZE).min(total);
            let first = if total == 0 { 0 } else { self.page_offset + 1 };
            ui.label(format!("rows {}–{} of {}", thousands(first), thousands(last), thousands(total)));
        });
        let Some(page) = &self.page else {
            ui.label("Loading rows…");
            return;
        };
        egui::ScrollArea::both().id_salt("table_scroll").auto_shrink([false, false]).show(ui, |ui| {
            egui::Grid::new("data_table").striped(true).min_col_width(60.0).show(ui, |ui| {
                ui.label(RichText::new("#").weak());
                for name in &page.columns {
                    ui.label(RichText::new(name).strong());
                }
                ui.end_row();
                for (i, row) in page.rows.iter().enumerate() {
                    ui.label(RichText::new((page.offset + i as u64 + 1).to_string()).weak());
                    for cell in row {
                        match cell {
                            Some(text) => ui.label(text),
                            None => ui.label(RichText::new("missing").italics().color(Color32::from_rgb(230, 160, 60))),
                        };
                    }
                    ui.end_row();
                }
            });
        });
    }
}

/// Prefer a measured value (float) for the first plot; fall back to any numeric column.
fn default_plot_column(summary: &DatasetSummary) -> Option<String> {
    let numeric: Vec<_> = summary.numeric_columns().collect();
    numeric.iter().find(|c| c.dtype.starts_with('f')).or(numeric.first()).map(|c| c.name.clone())
}

fn draw_series(plot_ui: &mut egui_plot::PlotUi<'_>, series: &Series) {
    let color = Color32::from_rgb(90, 170, 255);
    let finite: Vec<usize> = (0..series.x.len()).filter(|&i| series.y_min[i].is_finite() && series.y_max[i].is_finite()).collect();
    if series.decimated {
        let xs: Vec<f64> = finite.iter().map(|&i| series.x[i]).collect();
        let lo: Vec<f64> = finite.iter().map(|&i| series.y_min[i]).collect();
        let hi: Vec<f64> = finite.iter().map(|&i| series.y_max[i]).collect();
        plot_ui.add(FilledArea::new("min–max", &xs, &lo, &hi).fill_color(color.gamma_multiply(0.35)));
        let mid: PlotPoints = finite.iter().map(|&i| [series.x[i], (series.y_min[i] + series.y_max[i]) / 2.0]).collect();
        plot_ui.line(Line::new(series.column.clone(), mid).color(color).width(1.0));
    } else {
        let points: PlotPoints = finite.iter().map(|&i| [series.x[i], series.y_min[i]]).collect();
        plot_ui.line(Line::new(series.column.clone(), points).color(color).width(1.5));
    }
}

/// Ask for new data when the view moved away from what was fetched: zoomed in far enough
/// that finer detail exists, or panned beyond the fetched range.
fn needs_refetch(requested: Option<(f64, f64)>, extent: Option<(f64, f64)>, visible: (f64, f64)) -> bool {
    let Some((full_lo, full_hi)) = extent else {
        return false;
    };
    let (have_lo, have_hi) = requested.unwrap_or((full_lo, full_hi));
    let (lo, hi) = (visible.0.max(full_lo), visible.1.min(full_hi));
    if !(hi > lo) {
        return false;
    }
    let have_width = (have_hi - have_lo).max(f64::MIN_POSITIVE);
    let tolerance = have_width * 0.02;
    let outside = lo < have_lo - tolerance || hi > have_hi + tolerance;
    let zoomed = (hi - lo) < have_width * 0.7;
    outside || zoomed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refetch_only_when_the_view_changes_enough() {
        let extent = Some((0.0, 1000.0));
        assert!(!needs_refetch(None, extent, (-50.0, 1050.0)), "whole view with margins");
        assert!(needs_refetch(None, extent, (100.0, 200.0)), "zoomed in");
        assert!(needs_refetch(Some((100.0, 200.0)), extent, (300.0, 400.0)), "panned away");
        assert!(!needs_refetch(Some((100.0, 200.0)), extent, (101.0, 199.0)), "same view");
        assert!(!needs_refetch(None, None, (0.0, 1.0)));
    }
}
