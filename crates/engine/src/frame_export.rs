//! Writing a data set to a file: Parquet or CSV, atomically (the old file survives any
//! failure), with text cells that a spreadsheet would run as a formula made inert.

use std::path::Path;

use polars::prelude::*;

use crate::atomic_file;
use crate::error::{Detail, EngineError, Result};

/// Writes a frame as Parquet (`.parquet`) or CSV (`.csv`, `.txt`; `.tsv` with tabs). The
/// extension is checked before anything is written, and the target is replaced only once the
/// whole new file is on disk.
pub fn export_frame(frame: &DataFrame, path: &Path) -> Result<()> {
    let bad = |detail: Detail| EngineError::Write { path: path.to_path_buf(), detail };
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "parquet" => {
            let mut frame = frame.clone();
            atomic_file::write_with(path, |file| ParquetWriter::new(file).finish(&mut frame).map(|_| ()).map_err(|e| e.to_string()))
        }
        "csv" | "txt" | "tsv" => {
            let separator = if ext == "tsv" { b'\t' } else { b',' };
            let mut frame = guard_formulas(frame).map_err(|e| bad(atomic_file::system_error(e)))?;
            atomic_file::write_with(path, |file| {
                CsvWriter::new(file)
                    .include_header(true)
                    .with_separator(separator)
                    .with_datetime_format(Some("%Y-%m-%d %H:%M:%S".into()))
                    .finish(&mut frame)
                    .map_err(|e| e.to_string())
            })
        }
        other => Err(bad(Detail::coded("write_unknown_file_type", [("extension", other.into())]))),
    }
}

/// A text cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) gets a
/// leading `'`, the usual guard. Cells that are plain numbers ("-3.5") and every numeric
/// column stay as they are.
pub fn guard_formula_text(cell: &str) -> Option<String> {
    let risky = matches!(cell.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@'));
    (risky && cell.trim().parse::<f64>().is_err()).then(|| format!("'{cell}"))
}

/// The frame with [`guard_formula_text`] applied to its text columns (the others are shared).
fn guard_formulas(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let mut out = frame.clone();
    for column in frame.columns() {
        if column.dtype() != &DataType::String {
            continue;
        }
        let text = column.str()?;
        if !text.iter().flatten().any(|cell| guard_formula_text(cell).is_some()) {
            continue;
        }
        let guarded: StringChunked = text.iter().map(|cell| cell.map(|c| guard_formula_text(c).unwrap_or_else(|| c.to_owned()))).collect();
        out.with_column(guarded.with_name(column.name().clone()).into_column())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_text_is_guarded_and_numbers_are_not() {
        assert_eq!(guard_formula_text("=HYPERLINK(\"http://x\")").as_deref(), Some("'=HYPERLINK(\"http://x\")"));
        assert_eq!(guard_formula_text("+cmd").as_deref(), Some("'+cmd"));
        assert_eq!(guard_formula_text("@SUM(A1)").as_deref(), Some("'@SUM(A1)"));
        assert_eq!(guard_formula_text("-2+3").as_deref(), Some("'-2+3"));
        assert_eq!(guard_formula_text("-3.5"), None);
        assert_eq!(guard_formula_text("pump on"), None);
    }

    #[test]
    fn an_unknown_extension_leaves_the_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("keep.xls");
        std::fs::write(&target, "the user's file").unwrap();
        let frame = df!("a" => [1.0, 2.0]).unwrap();
        let err = export_frame(&frame, &target).err().unwrap();
        assert!(err.to_string().contains("unknown file type"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "the user's file");
    }

    #[test]
    fn csv_export_guards_text_cells_only() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let frame = df!("note" => ["=1+1", "ok", "-4", "@x"], "v" => [-1.0, 2.0, 3.0, 4.0]).unwrap();
        export_frame(&frame, &target).unwrap();
        let text = std::fs::read_to_string(&target).unwrap();
        assert_eq!(text, "note,v\n'=1+1,-1.0\nok,2.0\n-4,3.0\n'@x,4.0\n");
    }
}
