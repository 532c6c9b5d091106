//! The engine's integration tests in one binary, a module per area: each test binary links
//! polars and burn, so one binary instead of ten saves nine of those links on every build.
//!
//! Run one area with `cargo test --workspace --locked --test engine MODULE::`, e.g. `train::`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod clean;
mod engineering_formats;
mod evaluate;
mod fast_import;
mod hardening;
mod hardening_runs;
mod hostile;
mod import_chinese;
mod import_whitespace;
mod import_wording;
mod messy_import;
mod mutations;
mod normal;
mod quality;
mod stage_wording;
mod stop_wording;
mod suggestion_wording;
mod train;
mod trees;
