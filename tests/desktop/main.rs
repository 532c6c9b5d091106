//! The desktop crate's integration tests, in one binary: each test binary links the shell,
//! the engine, polars and burn, so one link instead of five.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod commands;
mod desktop_e2e;
mod layering;
mod step_ranges;
mod ui_journey;
