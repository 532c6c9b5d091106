//! PlantLab's user interface, written with egui. It runs as wasm inside the desktop webview and
//! natively in tests, and talks to the engine only through the [`backend::Backend`] trait.

pub mod app;
pub mod backend;
mod batch_history;
mod clean_pane;
mod data_pane;
mod evaluate_pane;
pub mod fonts;
mod format;
mod frames;
pub mod i18n;
mod normal_model;
mod parameter_form;
mod predict_pane;
mod probe;
mod theme;
mod train_pane;
mod widgets;

pub use app::{Pane, PlantLabApp};
pub use backend::{Backend, Reply, Request};
pub use i18n::Lang;

#[cfg(target_arch = "wasm32")]
mod web;
