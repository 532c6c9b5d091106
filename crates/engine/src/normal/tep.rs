//! The Tennessee Eastman benchmark files (Braatz data): whitespace-separated numbers, 52
//! variables (XMEAS 1–41, XMV 1–11) per sample, every 3 minutes. `d00.dat` is stored
//! transposed (52 × 500); the test runs `dNN_te.dat` are 960 × 52 with fault NN from sample 161.

use std::path::Path;

use super::TagMatrix;
use crate::{EngineError, Result};

pub const TEP_VARIABLES: usize = 52;
/// Samples of a test run before its fault starts.
pub const TEP_TEST_ONSET: usize = 160;
pub const TEP_SAMPLE_MINUTES: f64 = 3.0;

pub fn tep_tags() -> Vec<String> {
    (1..=41).map(|i| format!("XMEAS({i})")).chain((1..=11).map(|i| format!("XMV({i})"))).collect()
}

/// Reads one file, samples as rows, whichever way round it is stored.
pub fn read_tep(path: &Path) -> Result<TagMatrix> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::from_io(path, e))?;
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let fields: std::result::Result<Vec<f64>, _> = line.split_whitespace().map(str::parse::<f64>).collect();
        let fields = fields.map_err(|e| EngineError::Parse { path: path.to_path_buf(), detail: format!("line {}: {e}", n + 1) })?;
        if !fields.is_empty() {
            lines.push(fields);
        }
    }
    let width = lines.first().map_or(0, Vec::len);
    if lines.is_empty() || lines.iter().any(|l| l.len() != width) {
        return Err(EngineError::Parse { path: path.to_path_buf(), detail: "empty, or lines of different lengths".into() });
    }
    let values = if width == TEP_VARIABLES {
        lines.concat()
    } else if lines.len() == TEP_VARIABLES {
        (0..width).flat_map(|s| lines.iter().map(move |l| l[s])).collect()
    } else {
        return Err(EngineError::Parse {
            path: path.to_path_buf(),
            detail: format!("{} × {width} numbers; a Tennessee Eastman file has {TEP_VARIABLES} variables", lines.len()),
        });
    };
    TagMatrix::new(tep_tags(), values)
}
