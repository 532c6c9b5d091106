//! Pieces the UI tests share: the harness around the whole app, and the usual first steps.

#![allow(dead_code)] // each test file uses its own subset

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use plantlab_protocol::ImportSettings;
use plantlab_ui::{Backend, PlantLabApp};

/// The whole app with `backend` behind it, in a window of `width` × `height`.
pub fn app_harness(backend: impl Backend + 'static, width: f32, height: f32) -> Harness<'static, PlantLabApp> {
    let app = PlantLabApp::new(Box::new(backend));
    Harness::builder().with_size(egui::vec2(width, height)).build_ui_state(|ui, app: &mut PlantLabApp| app.ui(ui), app)
}

/// Opens the file the fake backend's dialog picks, then switches to the pane `tab`.
pub fn open_file_and_go_to(harness: &mut Harness<'static, PlantLabApp>, tab: &str) {
    harness.run();
    harness.get_by_label("Open…").click();
    harness.run();
    harness.get_by_label(tab).click();
    harness.run();
}

/// Import settings of a plain comma-separated UTF-8 file.
pub fn plain_csv_settings() -> ImportSettings {
    ImportSettings {
        delimiter: ',',
        decimal: '.',
        encoding: "utf-8".into(),
        header_rows: 1,
        timestamp_column: None,
        timestamp_format: None,
        status_strings: vec![],
        sheet: None,
        names: None,
        column_widths: None,
    }
}
