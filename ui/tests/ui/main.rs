//! The UI's integration tests (native build, egui_kittest), one binary: each module drives the
//! whole app on the one fake backend in `common`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod alarms_and_runs;
mod clean_pane;
mod clean_preview;
mod data_pane;
mod errors;
mod evaluate_pane;
mod import_guesses;
mod import_settings;
mod layout;
mod normal_model;
mod predict_pane;
mod step_editor;
mod train_pane;
mod trees;
