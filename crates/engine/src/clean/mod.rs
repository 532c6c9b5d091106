//! The cleaning loop: steps with fitted statistics, suggestions for findings, the quality
//! gate, the recipe file, and the session that keeps the history with undo/redo.

pub mod gate;
pub mod recipe;
mod session;
pub mod steps;
pub mod suggest;
pub mod table;

#[cfg(test)]
mod refusal_tests;

pub(crate) use session::failed_step_args;
pub use session::{export_frame, CleanSession};
pub use table::Table;
