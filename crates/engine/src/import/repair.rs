//! Text columns that are numbers apart from a few repeated words become numeric: status texts
//! missing from the list, or numbers an .xlsx export wrote as text with a decimal comma.

use std::collections::HashMap;

use plantlab_protocol::{CodedSentence, ImportOverrides};
use polars::prelude::*;

use super::{merge_status, Imported, EXAMPLE_ROWS};
use crate::error::{EngineError, Result};
use crate::quality::StatusTextCount;

/// A text column becomes numeric when at least this share of its filled cells are numbers
/// and the rest are a few repeated words (status texts missing from the list).
const NUMERIC_SHARE: f64 = 0.95;
const MAX_UNLISTED_STATUS_TEXTS: usize = 5;

/// Text columns that are numbers apart from a few repeated words (status texts missing from
/// the list, or the decimal comma in an .xlsx export) become numeric; the words are counted.
pub(super) fn repair_text_columns(imported: &mut Imported, status_strings: &[String], overrides: &ImportOverrides) -> Result<()> {
    let decimal = imported.settings.decimal;
    let mut replacements = Vec::new();
    let mut warnings = Vec::new();
    for column in imported.frame.columns() {
        if column.dtype() != &DataType::String || Some(column.name().as_str()) == overrides.timestamp_column.as_deref() {
            continue;
        }
        let Ok(strings) = column.str() else { continue };
        let filled = strings.len() - strings.null_count();
        if filled == 0 {
            continue;
        }
        let mut values: Vec<Option<f64>> = Vec::with_capacity(strings.len());
        let mut words: HashMap<&str, u64> = HashMap::new();
        let mut rows = Vec::new();
        let mut numeric = 0usize;
        for (row, cell) in strings.iter().enumerate() {
            let parsed = cell.and_then(|s| parse_number(s, decimal));
            match (cell, parsed) {
                (Some(_), Some(v)) => {
                    numeric += 1;
                    values.push(Some(v));
                }
                (Some(word), None) => {
                    let word = word.trim();
                    *words.entry(word).or_insert(0) += 1;
                    if rows.len() < EXAMPLE_ROWS {
                        rows.push(row as u64);
                    }
                    values.push(None);
                    if words.len() > MAX_UNLISTED_STATUS_TEXTS {
                        break;
                    }
                }
                (None, _) => values.push(None),
            }
        }
        let is_numeric = words.len() <= MAX_UNLISTED_STATUS_TEXTS && numeric as f64 >= NUMERIC_SHARE * filled as f64 && numeric > 0;
        if !is_numeric || values.len() != strings.len() {
            continue;
        }
        let name = column.name().to_string();
        let unlisted: Vec<&str> = words.keys().copied().filter(|w| !status_strings.iter().any(|s| s == w)).collect();
        if !unlisted.is_empty() {
            let texts = unlisted.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ");
            warnings.push(CodedSentence::new("unlisted_status_texts", [("column", name.as_str().into()), ("texts", texts.into())]));
        }
        let count: u64 = words.values().sum();
        if count > 0 {
            merge_status(&mut imported.status_text, StatusTextCount { column: name.clone(), count, rows });
        }
        replacements.push(Column::new(name.into(), values));
    }
    imported.warn_all(warnings);
    for column in replacements {
        let name = column.name().clone();
        imported.frame.replace(name.as_str(), column).map_err(|e| EngineError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// A cell as a number with the file's decimal mark (`.` thousands separators dropped with `,`).
fn parse_number(s: &str, decimal: char) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let v = if decimal == ',' { s.replace('.', "").replace(',', ".").parse::<f64>() } else { s.parse::<f64>() };
    v.ok()
}
