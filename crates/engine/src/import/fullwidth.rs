//! Numbers typed with a CJK input method (`１２．５`, `1，234.5`) in text columns: narrowed to
//! ASCII so the numeric repair reads them, and reported; those that cannot be read are named.

use plantlab_protocol::{CodedSentence, ImportOverrides};
use plantlab_sniff::fullwidth::{has_wide_number_chars, looks_like_wide_number, narrow_number};
use polars::prelude::*;

use super::Imported;
use crate::error::{EngineError, Result};

/// Text columns holding numbers in full-width characters get those cells in ASCII; each such
/// column is reported with an example.
pub(super) fn narrow_wide_numbers(imported: &mut Imported, overrides: &ImportOverrides) -> Result<()> {
    let decimal = imported.settings.decimal;
    let mut replacements = Vec::new();
    let mut warnings = Vec::new();
    for column in imported.frame.columns() {
        if column.dtype() != &DataType::String || Some(column.name().as_str()) == overrides.timestamp_column.as_deref() {
            continue;
        }
        let Ok(strings) = column.str() else { continue };
        if !strings.iter().flatten().any(has_wide_number_chars) {
            continue;
        }
        let mut example = None;
        let mut narrowed_cells = 0usize;
        let narrowed: StringChunked = strings
            .iter()
            .map(|cell| {
                let cell = cell?;
                match narrow_number(cell, decimal) {
                    Some(ascii) => {
                        narrowed_cells += 1;
                        example.get_or_insert_with(|| (cell.trim().to_owned(), ascii.clone()));
                        Some(ascii)
                    }
                    None => Some(cell.to_owned()),
                }
            })
            .collect();
        if let Some((wide, ascii)) = example {
            warnings.push(narrowed_note(column.name(), narrowed_cells, &wide, &ascii));
            replacements.push(narrowed.with_name(column.name().clone()).into_column());
        }
    }
    imported.warn_all(warnings);
    for column in replacements {
        let name = column.name().clone();
        imported.frame.replace(name.as_str(), column).map_err(|e| EngineError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// The note for a column whose numbers typed in full-width characters were read as ASCII.
pub(super) fn narrowed_note(column: &str, cells: usize, wide: &str, ascii: &str) -> CodedSentence {
    CodedSentence::new("narrowed_numbers", [("column", column.into()), ("count", cells.into()), ("wide", wide.into()), ("ascii", ascii.into())])
}

/// Text columns that still hold full-width digits after the import: numbers that could not be
/// read, named with an example so the user can fix them rather than find them missing.
pub(super) fn unread_wide_numbers_warnings(imported: &mut Imported) {
    let mut warnings = Vec::new();
    for column in imported.frame.columns() {
        let Ok(strings) = column.str() else { continue };
        let Some(example) = strings.iter().flatten().find(|cell| looks_like_wide_number(cell)) else { continue };
        warnings.push(CodedSentence::new("unread_wide_numbers", [("column", column.name().as_str().into()), ("example", example.trim().into())]));
    }
    imported.warn_all(warnings);
}
