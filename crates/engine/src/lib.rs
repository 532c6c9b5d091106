//! PlantLab's engine: importing plant data, the views the UI draws from it, and the
//! background task runner. It knows nothing of windows, webviews or widgets.

pub mod allocator;
pub mod atomic_file;
pub mod clean;
pub mod dataset;
#[cfg(test)]
mod english_check;
pub mod error;
pub mod evaluate;
pub mod frame_export;
// Test and demo exports; behind a feature so the shipped app does not carry them. (A plain
// comment: an outer doc here would make rustdoc resolve the module's own links from the crate root.)
#[cfg(any(test, feature = "generators"))]
pub mod generate;
mod hampel;
pub mod import;
pub mod normal;
pub mod quality;
pub mod tasks;
pub mod train;
pub mod workbench;

pub use error::{EngineError, Result};
pub use tasks::{JobContext, Stage, TaskLabel, TaskRunner};
pub use workbench::Workbench;
