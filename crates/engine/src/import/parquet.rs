//! Parquet files, read whole with polars.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::{binary_settings, Imported};
use crate::error::{Detail, EngineError, Result};

pub(super) fn read_parquet(path: &Path, bytes: Vec<u8>) -> Result<Imported> {
    let unreadable =
        |why: String| EngineError::Unreadable { path: path.to_path_buf(), detail: Detail::coded("parquet_unreadable", [("why", why.into())]) };
    super::parquet_footer::check_footer(&bytes).map_err(unreadable)?;
    // Polars checks much of a damaged file with assertions (page offsets, bitmap lengths)
    // rather than errors; such a panic means the same as an error here.
    let read = std::panic::catch_unwind(|| ParquetReader::new(Cursor::new(bytes)).finish());
    let frame = match read {
        Ok(read) => read.map_err(|e| unreadable(e.to_string()))?,
        Err(panic) => {
            let why = panic.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| panic.downcast_ref::<String>().cloned());
            return Err(unreadable(why.unwrap_or_else(|| "its contents do not add up".into())));
        }
    };
    Ok(Imported {
        frame,
        settings: binary_settings("parquet", None),
        units: HashMap::new(),
        status_text: Vec::new(),
        warnings: Vec::new(),
        warning_codes: Vec::new(),
    })
}
