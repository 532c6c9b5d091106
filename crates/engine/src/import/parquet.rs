//! Parquet files, read whole with polars.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::{binary_settings, Imported};
use crate::error::{EngineError, Result};

pub(super) fn read_parquet(path: &Path, bytes: Vec<u8>) -> Result<Imported> {
    let frame = ParquetReader::new(Cursor::new(bytes)).finish().map_err(|e| EngineError::Parse {
        path: path.to_path_buf(),
        detail: format!("not a readable Parquet file ({e}); it may be truncated or from an unsupported writer"),
    })?;
    Ok(Imported { frame, settings: binary_settings("parquet", None), units: HashMap::new(), status_text: Vec::new(), warnings: Vec::new() })
}
