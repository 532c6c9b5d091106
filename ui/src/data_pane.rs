//! The Data pane: what is in the file and what is wrong with it — size, import settings,
//! columns with types, units and statistics, the quality findings, a histogram, a paged table,
//! and a zoomable plot of one numeric column that can jump to a finding.

use egui::RichText;
use egui_plot::{Bar, BarChart, Plot};
use plantlab_protocol::{
    ColumnKind, DatasetSummary, Finding, Histogram, HistogramRequest, ImportOverrides, PageRequest, PaintReport, QualityReport, Series,
    SeriesRequest, Severity, TablePage, WHITESPACE_DELIMITER,
};

use crate::backend::{Backend, Request};
use crate::format::{file_name, thousands};
use crate::i18n::{tr, tr_with};
use crate::theme;
use crate::widgets::{badge, draw_series, series_plot};

const PAGE_SIZE: u64 = 50;
/// Buckets asked of the engine per view: enough to look exact on a wide screen.
const PLOT_POINTS: u32 = 2000;
const HISTOGRAM_BINS: u32 = 40;
const RECENT_LIMIT: usize = 8;

/// How the fields of a line are separated, as the import panel offers it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum DelimiterChoice {
    #[default]
    Comma,
    Semicolon,
    Tab,
    Pipe,
    /// Runs of spaces and tabs.
    Whitespace,
    /// Columns of fixed widths in bytes.
    FixedWidth,
}

impl DelimiterChoice {
    const ALL: [DelimiterChoice; 6] = [Self::Comma, Self::Semicolon, Self::Tab, Self::Pipe, Self::Whitespace, Self::FixedWidth];

    fn label(self) -> String {
        match self {
            Self::Comma => tr("data-delimiter-comma"),
            Self::Semicolon => tr("data-delimiter-semicolon"),
            Self::Tab => tr("data-delimiter-tab"),
            Self::Pipe => tr("data-delimiter-pipe"),
            Self::Whitespace => tr("data-delimiter-whitespace"),
            Self::FixedWidth => tr("data-delimiter-fixed-width"),
        }
    }

    fn hover(self) -> String {
        match self {
            Self::Comma => tr("data-delimiter-comma-hint"),
            Self::Semicolon => tr("data-delimiter-semicolon-hint"),
            Self::Tab => tr("data-delimiter-tab-hint"),
            Self::Pipe => tr("data-delimiter-pipe-hint"),
            Self::Whitespace => tr("data-delimiter-whitespace-hint"),
            Self::FixedWidth => tr("data-delimiter-fixed-width-hint"),
        }
    }

    /// The choice for a delimiter the engine reported (`' '` stands for whitespace and, with
    /// column widths, for fixed width). `None` for one the panel does not offer.
    fn from_settings(delimiter: char, fixed_width: bool) -> Option<Self> {
        match delimiter {
            _ if fixed_width => Some(Self::FixedWidth),
            ',' => Some(Self::Comma),
            ';' => Some(Self::Semicolon),
            '\t' => Some(Self::Tab),
            '|' => Some(Self::Pipe),
            WHITESPACE_DELIMITER => Some(Self::Whitespace),
            _ => None,
        }
    }

    fn delimiter(self) -> char {
        match self {
            Self::Comma => ',',
            Self::Semicolon => ';',
            Self::Tab => '\t',
            Self::Pipe => '|',
            Self::Whitespace | Self::FixedWidth => WHITESPACE_DELIMITER,
        }
    }
}

/// The import settings as the user edits them before "Reload".
#[derive(Default)]
struct ImportForm {
    /// `None` when the file's delimiter is none the panel offers (sniffed again on Reload).
    delimiter: Option<DelimiterChoice>,
    /// Fixed-width columns' widths as typed: numbers separated by commas or spaces.
    column_widths: String,
    decimal: String,
    encoding: String,
    /// 0 when the first row is data.
    header_rows: u32,
    /// Column names as typed or pasted: separated by commas, or else by whitespace.
    names: String,
    timestamp_column: String,
    timestamp_format: String,
    status_strings: String,
    sheet: String,
    /// What the last import used, to tell the user's edits from what was read.
    loaded: Option<LoadedLayout>,
}

/// The settings of the last import that decide the column names and the time axis.
#[derive(Clone, PartialEq)]
struct LoadedLayout {
    delimiter: Option<DelimiterChoice>,
    column_widths: String,
    header_rows: u32,
    names: String,
    timestamp_column: String,
    timestamp_format: String,
}

impl ImportForm {
    fn from_summary(summary: &DatasetSummary) -> Self {
        let s = &summary.import;
        let mut form = Self {
            delimiter: DelimiterChoice::from_settings(s.delimiter, s.column_widths.is_some()),
            column_widths: s.column_widths.as_ref().map(|w| w.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")).unwrap_or_default(),
            decimal: s.decimal.to_string(),
            encoding: s.encoding.clone(),
            header_rows: s.header_rows,
            names: s.names.as_deref().map(names_text).unwrap_or_default(),
            timestamp_column: s.timestamp_column.clone().unwrap_or_default(),
            timestamp_format: s.timestamp_format.clone().filter(|f| f != "native").unwrap_or_default(),
            status_strings: s.status_strings.join("; "),
            sheet: s.sheet.clone().unwrap_or_default(),
            loaded: None,
        };
        form.loaded = Some(form.layout());
        form
    }

    fn layout(&self) -> LoadedLayout {
        LoadedLayout {
            delimiter: self.delimiter,
            column_widths: self.column_widths.clone(),
            header_rows: self.header_rows,
            names: self.names.clone(),
            timestamp_column: self.timestamp_column.clone(),
            timestamp_format: self.timestamp_format.clone(),
        }
    }

    /// Every setting pinned, so "Reload" replays exactly what the form shows. One exception:
    /// when the user changed how columns are cut or named, a time axis the file's last import
    /// found (and the user left alone) is found again, since its name may no longer exist.
    fn to_overrides(&self) -> Result<ImportOverrides, String> {
        let one_char = |name: &str, v: &str| -> Result<Option<char>, String> {
            let mut chars = v.trim().chars();
            match (chars.next(), chars.next()) {
                (None, _) => Ok(None),
                (Some(c), None) => Ok(Some(c)),
                _ => Err(tr_with("data-one-character", &[("name", name.into())])),
            }
        };
        let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let column_widths = match self.delimiter {
            Some(DelimiterChoice::FixedWidth) => Some(parse_widths(&self.column_widths)?),
            _ => None,
        };
        let names = parse_names(&self.names);
        let (mut timestamp_column, mut timestamp_format) = (text(&self.timestamp_column), text(&self.timestamp_format));
        if let Some(loaded) = &self.loaded {
            let columns_changed = loaded.delimiter != self.delimiter
                || (column_widths.is_some() && loaded.column_widths != self.column_widths)
                || loaded.header_rows != self.header_rows
                || loaded.names != self.names;
            let column_untouched = loaded.timestamp_column == self.timestamp_column;
            if columns_changed && column_untouched {
                timestamp_column = None;
                if loaded.timestamp_format == self.timestamp_format {
                    timestamp_format = None;
                }
            }
        }
        Ok(ImportOverrides {
            delimiter: self.delimiter.map(DelimiterChoice::delimiter),
            decimal: one_char(&tr("data-decimal-separator-name"), &self.decimal)?,
            encoding: text(&self.encoding).filter(|e| e != "parquet" && e != "xlsx"),
            header_rows: Some(self.header_rows),
            timestamp_column,
            timestamp_format,
            status_strings: Some(self.status_strings.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()),
            sheet: text(&self.sheet),
            names,
            column_widths,
        })
    }
}

/// Names as the form shows them; one name with spaces gets a trailing comma so that it reads
/// back as one name.
fn names_text(names: &[String]) -> String {
    let joined = names.join(", ");
    if names.len() == 1 && joined.contains(char::is_whitespace) {
        joined + ","
    } else {
        joined
    }
}

/// A pasted list of names: comma-separated (names may then hold spaces), else separated by
/// whitespace (a header row copied from a spreadsheet arrives tab-separated). `None` when
/// empty, so the names come from the file.
fn parse_names(text: &str) -> Option<Vec<String>> {
    let names: Vec<String> = if text.contains(',') {
        text.split([',', '\n']).map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect()
    } else {
        text.split_whitespace().map(str::to_owned).collect()
    };
    Some(names).filter(|n| !n.is_empty())
}

fn parse_widths(text: &str) -> Result<Vec<u32>, String> {
    let widths = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse::<u32>().ok().filter(|&w| w > 0).ok_or_else(|| tr_with("data-width-not-whole", &[("width", w.into())])))
        .collect::<Result<Vec<u32>, String>>()?;
    if widths.is_empty() {
        return Err(tr("data-widths-needed"));
    }
    Ok(widths)
}

#[derive(Default)]
pub struct DataPane {
    summary: Option<DatasetSummary>,
    report: Option<QualityReport>,
    page: Option<TablePage>,
    page_offset: u64,
    page_pending: bool,
    plot_column: Option<String>,
    series: Option<Series>,
    series_pending: bool,
    histogram: Option<Histogram>,
    /// The x range the shown series was asked for; a zoom that leaves it asks again.
    requested_range: Option<(f64, f64)>,
    /// Rows marked on the plot (the selected finding's places).
    marked_rows: Vec<u64>,
    selected_finding: Option<usize>,
    reset_plot: bool,
    /// Frames left in which view changes come from the plot fitting new data, not the user.
    settle_frames: u8,
    /// The visible x range in the previous frame, to tell when the user zooms or pans.
    last_visible: Option<(f64, f64)>,
    view_moved: bool,
    painted_reported: bool,
    path_input: String,
    recent: Vec<String>,
    import_form: ImportForm,
    form_error: Option<String>,
    /// Open the import settings on the next frame: the file landed in one column with a
    /// warning, so the delimiter and header are what the user needs next.
    open_import_panel: bool,
}

impl DataPane {
    pub fn summary(&self) -> Option<&DatasetSummary> {
        self.summary.as_ref()
    }

    pub fn has_dataset(&self) -> bool {
        self.summary.is_some()
    }

    /// The open data's typical spacing of timestamps, from its quality report, when it has a
    /// time axis: windows of samples then read as spans of time.
    pub fn sampling_interval_s(&self) -> Option<f64> {
        self.report.as_ref().and_then(|r| r.sampling_interval_s).filter(|s| s.is_finite() && *s > 0.0)
    }

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
            Some(s) => tr_with(
                "data-status-loaded",
                &[("file", file_name(&s.path).into()), ("rows", thousands(s.rows).into()), ("columns", s.columns.len().to_string().into())],
            ),
            None => tr("data-status-nothing"),
        }
    }

    pub fn set_dataset(&mut self, summary: DatasetSummary, backend: &mut dyn Backend) {
        self.plot_column = default_plot_column(&summary);
        self.import_form = ImportForm::from_summary(&summary);
        self.form_error = None;
        self.open_import_panel = summary.columns.len() == 1 && !summary.warnings.is_empty();
        self.summary = Some(summary);
        self.report = None;
        self.page = None;
        self.series = None;
        self.histogram = None;
        self.page_offset = 0;
        self.marked_rows.clear();
        self.selected_finding = None;
        self.painted_reported = false;
        self.request_page(backend);
        self.request_series(backend, None, None);
        self.request_histogram(backend);
        backend.send(Request::Report);
        self.reset_plot = true;
    }

    /// The open data set changed in place (cleaning steps applied): show the new state but
    /// keep the column the user was looking at when it still exists.
    pub fn refresh_dataset(&mut self, summary: DatasetSummary, backend: &mut dyn Backend) {
        let column = self.plot_column.clone().filter(|c| summary.numeric_columns().any(|n| &n.name == c));
        let painted = self.painted_reported;
        self.set_dataset(summary, backend);
        self.painted_reported = painted;
        if let Some(column) = column {
            if self.plot_column.as_ref() != Some(&column) {
                self.plot_column = Some(column);
                self.series = None;
                self.histogram = None;
                self.request_series(backend, None, None);
                self.request_histogram(backend);
            }
        }
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

    pub fn set_report(&mut self, report: QualityReport) {
        self.report = Some(report);
    }

    pub fn set_histogram(&mut self, histogram: Histogram) {
        if self.plot_column.as_deref() == Some(histogram.column.as_str()) {
            self.histogram = Some(histogram);
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

    fn request_series(&mut self, backend: &mut dyn Backend, x_range: Option<(f64, f64)>, focus_row: Option<u64>) {
        let Some(column) = self.plot_column.clone() else {
            return;
        };
        self.series_pending = true;
        self.requested_range = x_range;
        backend.send(Request::Series(SeriesRequest { column, x_range, max_points: PLOT_POINTS, focus_row, mark_rows: self.marked_rows.clone() }));
    }

    fn request_histogram(&mut self, backend: &mut dyn Backend) {
        if let Some(column) = self.plot_column.clone() {
            backend.send(Request::Histogram(HistogramRequest { column, bins: HISTOGRAM_BINS }));
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        self.toolbar(ui, backend);
        ui.separator();
        let Some(summary) = self.summary.clone() else {
            ui.vertical_centered(|ui| {
                ui.add_space(60.0);
                ui.heading(tr("data-no-dataset-heading"));
                ui.label(tr("data-no-dataset-hint"));
            });
            return;
        };
        ui.label(
            RichText::new(tr_with(
                "data-dataset-line",
                &[
                    ("path", (&summary.path).into()),
                    ("rows", thousands(summary.rows).into()),
                    ("columns", summary.columns.len().to_string().into()),
                    (
                        "time",
                        summary.timestamp_column.as_ref().map(|t| tr_with("data-time-axis", &[("column", t.into())])).unwrap_or_default().into(),
                    ),
                ],
            ))
            .strong(),
        );
        self.import_warnings(ui, &summary);
        self.import_panel(ui, &summary, backend);

        // The column list takes at most a third of a narrow window; it scrolls both ways.
        let max_left = (ui.available_width() / 3.0).max(200.0);
        egui::Panel::left("columns").resizable(true).default_size(300.0_f32.min(max_left)).max_size(max_left).show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("column_panel_scroll").auto_shrink([false, false]).show(ui, |ui| {
                self.column_list(ui, &summary, backend);
            });
        });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            // Findings, plot and table share the height; the table keeps room for a few rows.
            let total = ui.available_height();
            self.findings(ui, (total * 0.22).clamp(48.0, 140.0), backend);
            let left = ui.available_height();
            let plot_height = (left * 0.6).min(left - 130.0).max(120.0);
            ui.allocate_ui(egui::vec2(ui.available_width(), plot_height), |ui| self.plot(ui, &summary, backend));
            ui.separator();
            self.table(ui, backend);
        });
    }

    fn toolbar(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        ui.horizontal_wrapped(|ui| {
            ui.label(tr("data-file-label"));
            let width = (ui.available_width() - 260.0).clamp(160.0, 420.0);
            let edit = ui.add(egui::TextEdit::singleline(&mut self.path_input).hint_text(tr("data-path-hint")).desired_width(width));
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button(tr("data-load-button")).clicked() || enter {
                let path = self.path_input.trim().to_owned();
                if !path.is_empty() {
                    self.remember_path(&path);
                    backend.send(Request::Load { path, overrides: None });
                }
            }
            if !self.recent.is_empty() {
                let mut chosen = None;
                egui::ComboBox::new("recent", tr("data-recent-files")).selected_text(tr("data-recent")).show_ui(ui, |ui| {
                    for path in &self.recent {
                        if ui.selectable_label(false, path.as_str()).clicked() {
                            chosen = Some(path.clone());
                        }
                    }
                });
                if let Some(path) = chosen {
                    self.remember_path(&path);
                    backend.send(Request::Load { path, overrides: None });
                }
            }
        });
    }

    /// What the import wants the user to know (guesses, repairs, a file read into one column),
    /// in the pane itself so it stays with the data set after the notice is dismissed.
    fn import_warnings(&self, ui: &mut egui::Ui, summary: &DatasetSummary) {
        // Worded when drawn, so a language switch rewords them.
        let mut warnings = crate::i18n::import_warning_texts(&summary.warnings, &summary.warning_codes);
        if let Some(report) = &self.report {
            for w in crate::i18n::import_warning_texts(&report.import_warnings, &report.import_warning_codes) {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
        }
        if warnings.is_empty() {
            return;
        }
        egui::Frame::new().fill(theme::WARNING_BANNER_FILL).inner_margin(6.0).corner_radius(4.0).show(ui, |ui| {
            ui.set_width(ui.available_width());
            // A few lines at most; more (say many daylight-saving repeats) scroll.
            egui::ScrollArea::vertical().id_salt("import_warnings_scroll").max_height(64.0).show(ui, |ui| {
                for warning in warnings {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(tr("data-import-warning")).strong().color(theme::WARNING_BANNER_TEXT));
                        ui.add(egui::Label::new(RichText::new(warning.as_str()).color(theme::WARNING_BANNER_TEXT)).wrap());
                    });
                }
            });
        });
    }

    /// What the importer guessed, editable; "Reload" reads the file again with exactly these.
    fn import_panel(&mut self, ui: &mut egui::Ui, summary: &DatasetSummary, backend: &mut dyn Backend) {
        let s = &summary.import;
        let delimiter = match DelimiterChoice::from_settings(s.delimiter, s.column_widths.is_some()) {
            Some(DelimiterChoice::FixedWidth) => {
                tr_with("data-delimiter-fixed-width-columns", &[("count", s.column_widths.as_ref().map_or(0, Vec::len).to_string().into())])
            }
            Some(DelimiterChoice::Whitespace) => tr("data-delimiter-whitespace"),
            Some(DelimiterChoice::Tab) => tr("data-delimiter-tab"),
            _ => format!("'{}'", s.delimiter),
        };
        let header = match s.header_rows {
            0 => tr("data-no-header"),
            n => tr_with("data-header-rows", &[("count", n.to_string().into())]),
        };
        // A sniffed encoding with how sure the sniff was: "gb18030 (99 %)".
        let sure = |c: f32| format!("{} ({:.0} %)", s.encoding, c * 100.0);
        let encoding = s.encoding_confidence.filter(|c| *c < 1.0).map_or_else(|| s.encoding.clone(), sure);
        let title = tr_with(
            "data-import-settings-title",
            &[
                ("encoding", encoding.into()),
                ("delimiter", delimiter.into()),
                ("decimal", s.decimal.to_string().into()),
                ("header", header.into()),
                ("names", if s.names.is_some() { tr("data-names-given") } else { String::new() }.into()),
                (
                    "timestamps",
                    s.timestamp_format.as_ref().map(|f| tr_with("data-timestamps-format", &[("format", f.into())])).unwrap_or_default().into(),
                ),
            ],
        );
        let mut header = egui::CollapsingHeader::new(title).id_salt("import_settings");
        if std::mem::take(&mut self.open_import_panel) {
            header = header.open(Some(true));
        }
        let text_file = !matches!(s.encoding.as_str(), "parquet" | "xlsx");
        header.show(ui, |ui| {
            let form = &mut self.import_form;
            // The form scrolls in a short window; "Reload" below it stays in view.
            let max_height = (ui.available_height() * 0.4).max(120.0);
            egui::ScrollArea::vertical().id_salt("import_form_scroll").max_height(max_height).show(ui, |ui| {
                egui::Grid::new("import_grid").num_columns(2).show(ui, |ui| {
                    if text_file {
                        ui.label(tr("data-delimiter-label"));
                        ui.horizontal_wrapped(|ui| {
                            for choice in DelimiterChoice::ALL {
                                ui.selectable_value(&mut form.delimiter, Some(choice), choice.label()).on_hover_text(choice.hover());
                            }
                        });
                        ui.end_row();
                        if form.delimiter == Some(DelimiterChoice::FixedWidth) {
                            let label = ui.label(tr("data-column-widths-label"));
                            ui.add(egui::TextEdit::singleline(&mut form.column_widths).hint_text(tr("data-column-widths-hint")).desired_width(260.0))
                                .labelled_by(label.id);
                            ui.end_row();
                        }
                        let label = ui.label(tr("data-decimal-label"));
                        ui.add(egui::TextEdit::singleline(&mut form.decimal).desired_width(60.0)).labelled_by(label.id);
                        ui.end_row();
                        ui.label(tr("data-encoding-label"));
                        egui::ComboBox::new("encoding", "encoding").selected_text(form.encoding.clone()).show_ui(ui, |ui| {
                            for e in ["utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1252", "gb18030", "big5", "shift_jis"] {
                                ui.selectable_value(&mut form.encoding, e.to_owned(), e);
                            }
                        });
                        ui.end_row();
                        ui.label(tr("data-header-label"));
                        ui.horizontal(|ui| {
                            let mut no_header = form.header_rows == 0;
                            if ui.checkbox(&mut no_header, tr("data-first-row-is-data")).changed() {
                                form.header_rows = if no_header { 0 } else { 1 };
                            }
                            if !no_header {
                                let label = ui.label(tr("data-header-rows-label"));
                                ui.add(egui::DragValue::new(&mut form.header_rows).range(1..=2)).labelled_by(label.id);
                            }
                        });
                        ui.end_row();
                        let label = ui.label(tr("data-column-names-label"));
                        ui.vertical(|ui| {
                            let hint = if form.header_rows == 0 { tr("data-names-hint-generated") } else { tr("data-names-hint-header") };
                            ui.add(egui::TextEdit::multiline(&mut form.names).hint_text(hint).desired_rows(1).desired_width(420.0))
                                .labelled_by(label.id);
                            if let Some(names) = parse_names(&form.names) {
                                ui.label(RichText::new(tr_with("data-names-count", &[("count", names.len().to_string().into())])).weak());
                            }
                        });
                        ui.end_row();
                    }
                    let label = ui.label(tr("data-timestamp-column-label"));
                    ui.add(egui::TextEdit::singleline(&mut form.timestamp_column).hint_text(tr("data-sniffed-hint")).desired_width(200.0))
                        .labelled_by(label.id);
                    ui.end_row();
                    let label = ui.label(tr("data-timestamp-format-label"));
                    ui.add(egui::TextEdit::singleline(&mut form.timestamp_format).hint_text("%d.%m.%Y %H:%M:%S, epoch_s, …").desired_width(200.0))
                        .labelled_by(label.id);
                    ui.end_row();
                    if form.encoding == "xlsx" {
                        let label = ui.label(tr("data-worksheet-label"));
                        ui.add(egui::TextEdit::singleline(&mut form.sheet).hint_text(tr("data-first-sheet-hint")).desired_width(200.0))
                            .labelled_by(label.id);
                        ui.end_row();
                    }
                    let label = ui.label(tr("data-status-texts-label"));
                    ui.add(egui::TextEdit::multiline(&mut form.status_strings).desired_rows(2).desired_width(420.0)).labelled_by(label.id);
                    ui.end_row();
                });
            });
            if ui.button(tr("data-reload-button")).clicked() {
                match self.import_form.to_overrides() {
                    Ok(overrides) => {
                        self.form_error = None;
                        backend.send(Request::Load { path: summary.path.clone(), overrides: Some(overrides) });
                    }
                    Err(e) => self.form_error = Some(e),
                }
            }
            if let Some(e) = &self.form_error {
                ui.label(RichText::new(e).color(theme::BAD_TEXT));
            }
        });
    }

    fn column_list(&mut self, ui: &mut egui::Ui, summary: &DatasetSummary, backend: &mut dyn Backend) {
        ui.heading(tr("data-columns-heading"));
        let profiles = self.report.as_ref().map(|r| r.columns.clone()).unwrap_or_default();
        let max_height = (ui.clip_rect().height() * 0.5).max(120.0);
        egui::ScrollArea::both().id_salt("column_scroll").max_height(max_height).show(ui, |ui| {
            egui::Grid::new("column_grid").striped(true).num_columns(4).show(ui, |ui| {
                ui.label(RichText::new(tr("data-column-name")).weak());
                ui.label(RichText::new(tr("data-column-type")).weak());
                ui.label(RichText::new(tr("data-column-missing")).weak());
                ui.label(RichText::new(tr("data-column-issues")).weak());
                ui.end_row();
                for column in &summary.columns {
                    let plottable = matches!(column.kind, ColumnKind::Numeric | ColumnKind::Boolean);
                    let selected = self.plot_column.as_deref() == Some(column.name.as_str());
                    let label = match &column.unit {
                        Some(unit) => tr_with("data-column-with-unit", &[("column", (&column.name).into()), ("unit", unit.into())]),
                        None => column.name.clone(),
                    };
                    if ui.selectable_label(selected, label).clicked() && plottable && !selected {
                        self.select_plot_column(column.name.clone(), backend);
                    }
                    ui.label(column.dtype.as_str());
                    if column.null_count == 0 {
                        ui.label("0");
                    } else {
                        let share = column.null_count as f64 / summary.rows.max(1) as f64 * 100.0;
                        ui.label(
                            RichText::new(tr_with(
                                "data-missing-share",
                                &[("count", thousands(column.null_count).into()), ("share", format!("{share:.1}").into())],
                            ))
                            .color(theme::WARNING_TEXT),
                        );
                    }
                    self.column_badges(ui, &column.name);
                    ui.end_row();
                }
            });
        });
        ui.separator();
        if let Some(name) = self.plot_column.clone() {
            ui.label(RichText::new(&name).strong());
            if let Some(p) = profiles.iter().find(|p| p.name == name) {
                let num = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.4}"));
                ui.label(tr_with("data-profile-min-max", &[("min", num(p.min).into()), ("max", num(p.max).into())]));
                ui.label(tr_with("data-profile-mean-std", &[("mean", num(p.mean).into()), ("std", num(p.std).into())]));
                ui.label(tr_with(
                    "data-profile-missing",
                    &[("missing", thousands(p.null_count).into()), ("status", thousands(p.status_text_count).into())],
                ));
            }
            if let Some(h) = &self.histogram {
                histogram_plot(ui, h);
            }
        }
    }

    /// Severity badges of the findings that concern one column.
    fn column_badges(&self, ui: &mut egui::Ui, column: &str) {
        let Some(report) = &self.report else {
            ui.label("");
            return;
        };
        ui.horizontal(|ui| {
            for f in report.findings.iter().filter(|f| f.column.as_deref() == Some(column)) {
                badge(ui, f.severity, &crate::i18n::finding_kind_text(f.kind)).on_hover_text(crate::i18n::finding_text(f));
            }
        });
    }

    fn select_plot_column(&mut self, column: String, backend: &mut dyn Backend) {
        self.plot_column = Some(column);
        self.series = None;
        self.histogram = None;
        self.marked_rows.clear();
        self.selected_finding = None;
        self.reset_plot = true;
        self.painted_reported = false;
        self.request_series(backend, None, None);
        self.request_histogram(backend);
    }

    /// The findings list; clicking one moves the plot to it and marks the affected points.
    fn findings(&mut self, ui: &mut egui::Ui, max_height: f32, backend: &mut dyn Backend) {
        let Some(report) = self.report.clone() else {
            ui.label(RichText::new(tr("data-checking-quality")).weak());
            return;
        };
        let interval =
            report.sampling_interval_s.map(|s| tr_with("data-sampling-interval", &[("interval", human_seconds(s).into())])).unwrap_or_default();
        let header = if report.findings.is_empty() {
            tr_with("data-quality-no-findings", &[("interval", interval.into())])
        } else {
            let errors = report.findings.iter().filter(|f| f.severity == Severity::Error).count();
            tr_with(
                "data-quality-findings",
                &[("count", report.findings.len().to_string().into()), ("errors", errors.to_string().into()), ("interval", interval.into())],
            )
        };
        egui::CollapsingHeader::new(header).id_salt("findings").default_open(true).show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("findings_scroll").max_height(max_height).show(ui, |ui| {
                for (i, finding) in report.findings.iter().enumerate() {
                    // Wrapped, so a long message never widens the pane past the window.
                    ui.horizontal_wrapped(|ui| {
                        badge(ui, finding.severity, &crate::i18n::finding_kind_text(finding.kind));
                        let column = finding.column.clone().unwrap_or_else(|| tr("clean-all-rows"));
                        let text = tr_with("data-finding-line", &[("column", column.into()), ("message", crate::i18n::finding_text(finding).into())]);
                        let selected = self.selected_finding == Some(i);
                        let response = ui.selectable_label(selected, text);
                        let response = if finding.examples.is_empty() {
                            response
                        } else {
                            response.on_hover_text(tr_with("data-examples", &[("examples", crate::i18n::finding_examples(finding).into())]))
                        };
                        if response.clicked() {
                            self.focus_finding(i, finding, backend);
                        }
                    });
                }
            });
        });
    }

    fn focus_finding(&mut self, index: usize, finding: &Finding, backend: &mut dyn Backend) {
        self.selected_finding = Some(index);
        let plottable = |name: &str| self.summary.as_ref().is_some_and(|s| s.numeric_columns().any(|c| c.name == name));
        if let Some(column) = finding.column.as_deref().filter(|c| plottable(c)) {
            if self.plot_column.as_deref() != Some(column) {
                self.plot_column = Some(column.to_owned());
                self.histogram = None;
                self.request_histogram(backend);
            }
        }
        self.marked_rows = finding.rows.clone();
        self.series = None;
        self.reset_plot = true;
        self.request_series(backend, None, finding.rows.first().copied());
    }

    fn plot(&mut self, ui: &mut egui::Ui, summary: &DatasetSummary, backend: &mut dyn Backend) {
        let numeric: Vec<String> = summary.numeric_columns().map(|c| c.name.clone()).collect();
        ui.horizontal_wrapped(|ui| {
            let mut chosen = self.plot_column.clone();
            egui::ComboBox::new("plot_column", tr("data-plotted"))
                .selected_text(chosen.clone().unwrap_or_else(|| tr("data-no-numeric-column")))
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
            if ui.button(tr("data-reset-zoom")).clicked() {
                self.reset_plot = true;
                self.request_series(backend, None, None);
            }
            if let Some(series) = &self.series {
                let rows = [("rows", thousands(series.source_rows).into())];
                let in_view = if series.decimated { tr_with("data-rows-in-view-envelope", &rows) } else { tr_with("data-rows-in-view-all", &rows) };
                ui.label(RichText::new(in_view).weak());
                if !series.marks.is_empty() {
                    ui.label(RichText::new(tr_with("data-marked", &[("count", series.marks.len().to_string().into())])).color(theme::FINDING_MARK));
                }
            }
        });
        let Some(series) = &self.series else {
            ui.centered_and_justified(|ui| {
                ui.label(if numeric.is_empty() { tr("data-no-numeric-to-plot") } else { tr("data-loading-plot") });
            });
            return;
        };
        let mut plot = series_plot("data_plot", &series.x_axis).y_axis_label(series.column.clone()).allow_double_click_reset(false);
        if self.reset_plot {
            plot = plot.reset();
            self.reset_plot = false;
            self.settle_frames = 3;
        }
        let response = plot.show(ui, |plot_ui| {
            draw_series(plot_ui, series, &series.column, theme::SERIES_DATA);
            plot_ui.plot_bounds()
        });
        let bounds = response.inner;
        let visible = (bounds.min()[0], bounds.max()[0]);
        // Refetch only once a zoom or pan has come to rest, and never for the plot's own
        // fitting of fresh data (its first frames report placeholder bounds).
        let moved = self.last_visible.is_some_and(|prev| prev != visible);
        self.last_visible = Some(visible);
        let mut refetch = false;
        if self.settle_frames > 0 {
            self.settle_frames -= 1;
            self.view_moved = false;
        } else if moved {
            self.view_moved = true;
        } else if self.view_moved && !self.series_pending {
            self.view_moved = false;
            refetch = needs_refetch(self.requested_range.or(series.x_range), series.x_extent, visible);
        }
        if !self.painted_reported && !series.x.is_empty() {
            self.painted_reported = true;
            let rect = response.response.rect;
            backend.send(Request::ReportPainted(PaintReport {
                rows: summary.rows,
                columns: summary.columns.len(),
                plot_column: series.column.clone(),
                plot_rect: [rect.min.x, rect.min.y, rect.width(), rect.height()],
                lang: crate::i18n::language().tag().to_owned(),
            }));
        }
        if refetch {
            self.request_series(backend, Some(visible), None);
        }
    }

    fn table(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        let total = self.summary.as_ref().map_or(0, |s| s.rows);
        ui.horizontal(|ui| {
            let at_start = self.page_offset == 0;
            let at_end = self.page_offset + PAGE_SIZE >= total;
            if ui.add_enabled(!at_start, egui::Button::new(tr("data-previous-button"))).clicked() {
                self.page_offset = self.page_offset.saturating_sub(PAGE_SIZE);
                self.request_page(backend);
            }
            if ui.add_enabled(!at_end, egui::Button::new(tr("data-next-button"))).clicked() {
                self.page_offset += PAGE_SIZE;
                self.request_page(backend);
            }
            let last = (self.page_offset + PAGE_SIZE).min(total);
            let first = if total == 0 { 0 } else { self.page_offset + 1 };
            ui.label(tr_with(
                "data-rows-range",
                &[("first", thousands(first).into()), ("last", thousands(last).into()), ("total", thousands(total).into())],
            ));
        });
        let Some(page) = &self.page else {
            ui.label(tr("data-loading-rows"));
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
                            None => ui.label(RichText::new(tr("data-cell-missing")).italics().color(theme::WARNING_TEXT)),
                        };
                    }
                    ui.end_row();
                }
            });
        });
    }
}

fn human_seconds(s: f64) -> String {
    if s >= 3600.0 && (s / 3600.0).fract() == 0.0 {
        format!("{} h", s / 3600.0)
    } else if s >= 60.0 && (s / 60.0).fract() == 0.0 {
        format!("{} min", s / 60.0)
    } else {
        format!("{s} s")
    }
}

fn histogram_plot(ui: &mut egui::Ui, h: &Histogram) {
    let bins = h.counts.len().max(1);
    let width = (h.max - h.min) / bins as f64;
    let bars: Vec<Bar> =
        h.counts.iter().enumerate().map(|(i, &c)| Bar::new(h.min + width * (i as f64 + 0.5), c as f64).width(width.max(f64::MIN_POSITIVE))).collect();
    Plot::new("histogram").height(140.0).allow_zoom(false).allow_drag(false).allow_scroll(false).show_y(false).show(ui, |plot_ui| {
        plot_ui.bar_chart(BarChart::new(tr("plot-series-count"), bars).color(theme::SERIES_DATA));
    });
}

/// Prefer a measured value (float) for the first plot; fall back to any numeric column.
fn default_plot_column(summary: &DatasetSummary) -> Option<String> {
    let numeric: Vec<_> = summary.numeric_columns().collect();
    numeric.iter().find(|c| c.dtype.starts_with('f')).or(numeric.first()).map(|c| c.name.clone())
}

/// Ask for new data when the view moved away from what was fetched: zoomed in far enough
/// that finer detail exists, or panned beyond the fetched range.
fn needs_refetch(requested: Option<(f64, f64)>, extent: Option<(f64, f64)>, visible: (f64, f64)) -> bool {
    let Some((full_lo, full_hi)) = extent else {
        return false;
    };
    let (have_lo, have_hi) = requested.unwrap_or((full_lo, full_hi));
    let (lo, hi) = (visible.0.max(full_lo), visible.1.min(full_hi));
    // Also false for NaN bounds.
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return false;
    }
    let have_width = (have_hi - have_lo).max(f64::MIN_POSITIVE);
    let tolerance = have_width * 0.02;
    let outside = lo < have_lo - tolerance || hi > have_hi + tolerance;
    let zoomed = (hi - lo) < have_width * 0.7;
    outside || zoomed
}

impl DataPane {
    /// The open data set and file choices, for `PlantLabApp::settings_fingerprint`.
    pub fn settings_fingerprint(&self) -> String {
        format!("{:?} {:?} {:?} {:?} {:?}", self.summary, self.path_input, self.recent, self.plot_column, self.marked_rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantlab_protocol::ImportSettings;

    #[test]
    fn refetch_only_when_the_view_changes_enough() {
        let extent = Some((0.0, 1000.0));
        assert!(!needs_refetch(None, extent, (-50.0, 1050.0)), "whole view with margins");
        assert!(needs_refetch(None, extent, (100.0, 200.0)), "zoomed in");
        assert!(needs_refetch(Some((100.0, 200.0)), extent, (300.0, 400.0)), "panned away");
        assert!(!needs_refetch(Some((100.0, 200.0)), extent, (101.0, 199.0)), "same view");
        assert!(!needs_refetch(None, None, (0.0, 1.0)));
    }

    #[test]
    fn import_form_pins_every_setting() {
        let mut form = ImportForm {
            delimiter: Some(DelimiterChoice::Tab),
            decimal: ",".into(),
            encoding: "windows-1252".into(),
            header_rows: 2,
            ..Default::default()
        };
        form.status_strings = "Bad Input; Shutdown ;".into();
        let o = form.to_overrides().unwrap();
        assert_eq!(o.delimiter, Some('\t'));
        assert_eq!(o.decimal, Some(','));
        assert_eq!(o.header_rows, Some(2));
        assert_eq!(o.status_strings, Some(vec!["Bad Input".to_owned(), "Shutdown".to_owned()]));
        assert_eq!((o.names, o.column_widths), (None, None));
        form.decimal = ",,".into();
        assert!(form.to_overrides().is_err());
    }

    fn summary_with(import: ImportSettings) -> DatasetSummary {
        DatasetSummary {
            path: "x.dat".into(),
            rows: 1,
            columns: vec![],
            timestamp_column: import.timestamp_column.clone(),
            import,
            warnings: vec![],
            warning_codes: Vec::new(),
        }
    }

    fn settings(delimiter: char) -> ImportSettings {
        ImportSettings {
            delimiter,
            decimal: '.',
            encoding: "utf-8".into(),
            encoding_confidence: None,
            header_rows: 1,
            names: None,
            column_widths: None,
            timestamp_column: None,
            timestamp_format: None,
            status_strings: vec![],
            sheet: None,
        }
    }

    #[test]
    fn whitespace_fixed_width_and_names_survive_a_reload() {
        // A headerless whitespace file with names the user gave.
        let names = vec!["flow".to_owned(), "level".to_owned(), "temp".to_owned()];
        let form = ImportForm::from_summary(&summary_with(ImportSettings { header_rows: 0, names: Some(names.clone()), ..settings(' ') }));
        assert_eq!(form.delimiter, Some(DelimiterChoice::Whitespace));
        let o = form.to_overrides().unwrap();
        // A space, not trimmed away into "sniff again".
        assert_eq!(o.delimiter, Some(WHITESPACE_DELIMITER));
        assert_eq!(o.header_rows, Some(0));
        assert_eq!(o.names, Some(names));
        assert_eq!(o.column_widths, None);

        let form = ImportForm::from_summary(&summary_with(ImportSettings { header_rows: 0, column_widths: Some(vec![8, 14, 14]), ..settings(' ') }));
        assert_eq!(form.delimiter, Some(DelimiterChoice::FixedWidth));
        let o = form.to_overrides().unwrap();
        assert_eq!(o.delimiter, Some(WHITESPACE_DELIMITER));
        assert_eq!(o.column_widths, Some(vec![8, 14, 14]));

        // One name with a space reads back as one name.
        let one = vec!["PS1 flow".to_owned()];
        let form = ImportForm::from_summary(&summary_with(ImportSettings { names: Some(one.clone()), ..settings(',') }));
        assert_eq!(form.to_overrides().unwrap().names, Some(one));
    }

    #[test]
    fn pasted_names_and_widths_are_read_as_meant() {
        assert_eq!(parse_names(" a, b c ,d,\n"), Some(vec!["a".to_owned(), "b c".to_owned(), "d".to_owned()]));
        assert_eq!(parse_names("a\tb  c\nd"), Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned(), "d".to_owned()]));
        assert_eq!(parse_names("  \n "), None);
        assert_eq!(parse_widths("8, 14 14"), Ok(vec![8, 14, 14]));
        assert!(parse_widths("8, 0").is_err());
        assert!(parse_widths("8, x").is_err());
        assert!(parse_widths(" ").is_err());
        let form = ImportForm { delimiter: Some(DelimiterChoice::FixedWidth), column_widths: "".into(), ..Default::default() };
        assert!(form.to_overrides().unwrap_err().contains("column widths"));
    }

    #[test]
    fn a_new_layout_finds_the_time_axis_again_unless_the_user_set_it() {
        let loaded = ImportSettings { timestamp_column: Some("Time".into()), timestamp_format: Some("%d.%m.%Y %H:%M:%S".into()), ..settings(';') };
        let mut form = ImportForm::from_summary(&summary_with(loaded));
        assert_eq!(form.to_overrides().unwrap().timestamp_column.as_deref(), Some("Time"), "nothing changed: pinned");
        form.header_rows = 0;
        let o = form.to_overrides().unwrap();
        assert_eq!((o.timestamp_column, o.timestamp_format), (None, None), "the header is gone, so is the name \"Time\"");
        form.timestamp_column = "col_1".into();
        assert_eq!(form.to_overrides().unwrap().timestamp_column.as_deref(), Some("col_1"), "the user's choice wins");
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(human_seconds(60.0), "1 min");
        assert_eq!(human_seconds(3600.0), "1 h");
        assert_eq!(human_seconds(1.5), "1.5 s");
    }
}
