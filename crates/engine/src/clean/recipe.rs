//! The recipe file: versioned JSON with the import settings and the ordered steps with their
//! fitted statistics.

use std::path::Path;

use plantlab_protocol::{ImportOverrides, ImportSettings, Recipe, RECIPE_SCHEMA_VERSION};
use plantlab_sniff::timestamps::TimestampFormat;

use super::steps::{nested, value_arg};
use crate::error::{Detail, EngineError, Result};

/// Reads a recipe; a newer format version or a file that is not a recipe is a clear error.
pub fn read(path: &Path) -> Result<Recipe> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => EngineError::BadRecipe { path: path.to_path_buf(), detail: Detail::coded("recipe_not_utf8", []) },
        _ => EngineError::from_io(path, e),
    })?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Recipe> {
    let bad = |detail: Detail| EngineError::BadRecipe { path: path.to_path_buf(), detail };
    // The JSON reader's own message is shown as it wrote it, inside a worded sentence.
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(Detail::coded("recipe_not_json", [("why", e.to_string().into())])))?;
    let Some(object) = value.as_object() else {
        return Err(bad(Detail::coded("recipe_not_object", [])));
    };
    let version = object
        .get("schema_version")
        .ok_or_else(|| bad(Detail::coded("recipe_no_version", [])))?
        .as_u64()
        .ok_or_else(|| bad(Detail::coded("recipe_version_not_whole", [])))?;
    let found = u32::try_from(version).unwrap_or(u32::MAX);
    if found > RECIPE_SCHEMA_VERSION {
        return Err(EngineError::RecipeVersion { path: path.to_path_buf(), found, supported: RECIPE_SCHEMA_VERSION });
    }
    if found == 0 {
        return Err(bad(Detail::coded("recipe_version_zero", [])));
    }
    let recipe: Recipe = serde_json::from_value(value).map_err(|e| bad(Detail::coded("recipe_format", [("why", e.to_string().into())])))?;
    if !(recipe.train_fraction > 0.0 && recipe.train_fraction <= 1.0) {
        return Err(bad(Detail::coded("recipe_train_fraction", [("value", value_arg(recipe.train_fraction))])));
    }
    // Every step's numbers are checked here too, so a hostile recipe is refused as a whole
    // before any step runs.
    for (index, entry) in recipe.steps.iter().enumerate() {
        super::steps::check_parameters(&entry.step).map_err(|e| {
            let why = match e {
                EngineError::BadStep(why) => nested(why),
                other => other.to_string().into(),
            };
            bad(Detail::coded("recipe_step", [("number", (index + 1).into()), ("why", why)]))
        })?;
    }
    Ok(recipe)
}

pub fn write(path: &Path, recipe: &Recipe) -> Result<()> {
    let text = serde_json::to_string_pretty(recipe).map_err(|e| EngineError::Internal(format!("recipe not serializable: {e}")))?;
    // Atomic: a failed save (full disk, cancelled) leaves the recipe that was there.
    crate::atomic_file::write_bytes(path, (text + "\n").as_bytes())
}

/// The import overrides that read a new export the way the recipe's export was read. Only
/// settings that are choices for a text export are forced; the rest is sniffed again.
pub fn overrides_for(settings: &ImportSettings) -> ImportOverrides {
    let text_encoding =
        matches!(settings.encoding.as_str(), "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be" | "windows-1252" | "gb18030" | "big5" | "shift_jis");
    ImportOverrides {
        delimiter: text_encoding.then_some(settings.delimiter),
        decimal: text_encoding.then_some(settings.decimal),
        encoding: text_encoding.then(|| settings.encoding.clone()),
        header_rows: text_encoding.then_some(settings.header_rows),
        timestamp_column: settings.timestamp_column.clone(),
        timestamp_format: settings.timestamp_format.clone().filter(|f| TimestampFormat::from_pattern(f).is_some()),
        status_strings: (!settings.status_strings.is_empty()).then(|| settings.status_strings.clone()),
        sheet: settings.sheet.clone(),
        names: settings.names.clone(),
        column_widths: text_encoding.then(|| settings.column_widths.clone()).flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_versions_and_garbage_are_clear_errors() {
        let p = Path::new("r.json");
        assert_eq!(parse(p, "{\"schema_version\": 99}").err().map(|e| e.code()), Some("recipe_version"));
        assert_eq!(parse(p, "{not json").err().map(|e| e.code()), Some("bad_recipe"));
        assert_eq!(parse(p, "[1,2]").err().map(|e| e.code()), Some("bad_recipe"));
        assert_eq!(parse(p, "{\"steps\": []}").err().map(|e| e.code()), Some("bad_recipe"));
        let err = parse(p, "{\"schema_version\": 1, \"steps\": 3}").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("recipe format"), "{err}");
    }
}
