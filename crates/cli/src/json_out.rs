//! `--json` output: every document carries `schema_version`, so scripts can tell a changed
//! layout from a broken one. Raise the version when a field is renamed, removed or changes
//! meaning; adding a field keeps it.

use anyhow::Result;
use serde::Serialize;

/// The layout version of every `--json` output.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// `body`'s fields with `schema_version` in front.
#[derive(Serialize)]
pub struct Versioned<T> {
    pub schema_version: u32,
    #[serde(flatten)]
    pub body: T,
}

impl<T> Versioned<T> {
    pub fn new(body: T) -> Self {
        Self { schema_version: JSON_SCHEMA_VERSION, body }
    }
}

/// Prints one JSON object (`body` must serialize as a struct or map) with `schema_version`.
pub fn print_json<T: Serialize>(body: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(&Versioned::new(body))?);
    Ok(())
}

/// Prints a JSON array whose entries each carry `schema_version`.
pub fn print_json_list<T: Serialize>(items: &[T]) -> Result<()> {
    let versioned: Vec<Versioned<&T>> = items.iter().map(Versioned::new).collect();
    println!("{}", serde_json::to_string_pretty(&versioned)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        rows: u64,
    }

    #[test]
    fn the_version_comes_first_and_the_fields_stay() {
        let text = serde_json::to_string(&Versioned::new(&Body { rows: 3 })).unwrap_or_default();
        assert_eq!(text, r#"{"schema_version":1,"rows":3}"#);
    }
}
