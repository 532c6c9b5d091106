//! An editor for the parameters of a serializable value (a cleaning step, a training option),
//! driven by its JSON form. Every step type gets editable fields without a hand-made form, and
//! a new step type in the protocol shows up here with no UI change.

use serde_json::{Map, Value};

/// Keys shown but not editable: the step's type and statistics the engine fitted. (A nested
/// `kind`, such as a fill method, stays editable: typing another kind switches the method.)
const READ_ONLY_KEYS: [&str; 2] = ["op", "fitted"];

/// Draws one row per field of `value` (an object) and edits it in place.
/// Returns true when the user changed something.
pub fn edit_object(ui: &mut egui::Ui, id: &str, value: &mut Value) -> bool {
    let Value::Object(map) = value else {
        ui.label(value.to_string());
        return false;
    };
    let mut changed = false;
    egui::Grid::new(id).num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
        changed = edit_fields(ui, id, map);
    });
    changed
}

fn edit_fields(ui: &mut egui::Ui, id: &str, map: &mut Map<String, Value>) -> bool {
    let mut changed = false;
    for (key, field) in map.iter_mut() {
        let label = ui.label(humanize(key)).id;
        if READ_ONLY_KEYS.contains(&key.as_str()) {
            ui.label(summarize(field));
        } else {
            changed |= edit_value(ui, &format!("{id}.{key}"), field, label);
        }
        ui.end_row();
    }
    changed
}

/// `label` is the field's name label, which screen readers (and UI tests) read as its name.
fn edit_value(ui: &mut egui::Ui, id: &str, value: &mut Value, label: egui::Id) -> bool {
    match value {
        Value::Bool(flag) => ui.checkbox(flag, "").labelled_by(label).changed(),
        Value::Number(number) => {
            let mut text = number.to_string();
            let response = ui.add(egui::TextEdit::singleline(&mut text).desired_width(120.0).id_salt(id)).labelled_by(label);
            if response.changed() {
                if let Some(parsed) = parse_number(&text, number.is_f64()) {
                    *number = parsed;
                    return true;
                }
            }
            false
        }
        Value::String(text) => ui.add(egui::TextEdit::singleline(text).desired_width(200.0).id_salt(id)).labelled_by(label).changed(),
        Value::Null => {
            // An unset option: typing a number or text sets it.
            let mut text = String::new();
            let response = ui.add(egui::TextEdit::singleline(&mut text).hint_text("not set").desired_width(120.0).id_salt(id)).labelled_by(label);
            if response.changed() && !text.is_empty() {
                *value = parse_number(&text, true).map(Value::Number).unwrap_or(Value::String(text));
                return true;
            }
            false
        }
        Value::Array(items) if items.iter().all(|v| v.is_string() || v.is_number()) => {
            // Lists of names or numbers are edited as comma-separated text.
            let mut text = items.iter().map(scalar_text).collect::<Vec<_>>().join(", ");
            let response = ui.add(egui::TextEdit::singleline(&mut text).desired_width(240.0).id_salt(id)).labelled_by(label);
            if response.changed() {
                let numeric = items.first().is_some_and(Value::is_number);
                *items =
                    text.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| {
                            if numeric {
                                parse_number(s, true).map(Value::Number).unwrap_or(Value::String(s.into()))
                            } else {
                                Value::String(s.into())
                            }
                        })
                        .collect();
                return true;
            }
            false
        }
        Value::Object(map) => {
            // A nested value (a fill method, a condition): its fields in an indented grid;
            // the row's own label already names it.
            let mut changed = false;
            ui.push_id(id, |ui| {
                egui::Frame::new().inner_margin(egui::Margin { left: 8, ..Default::default() }).show(ui, |ui| {
                    egui::Grid::new(id).num_columns(2).show(ui, |ui| {
                        changed = edit_fields(ui, id, map);
                    });
                });
            });
            changed
        }
        other => {
            ui.label(summarize(other));
            false
        }
    }
}

fn parse_number(text: &str, allow_float: bool) -> Option<serde_json::Number> {
    let text = text.trim();
    if let Ok(int) = text.parse::<i64>() {
        return Some(int.into());
    }
    if allow_float {
        return text.parse::<f64>().ok().and_then(serde_json::Number::from_f64);
    }
    None
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short one-line rendering of a value that is not edited here.
pub fn summarize(value: &Value) -> String {
    let text = match value {
        Value::Null => "none".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text
    }
}

/// `max_gap_s` reads as "max gap s".
pub fn humanize(key: &str) -> String {
    key.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_as_integers_first() {
        assert_eq!(parse_number("12", false), Some(12.into()));
        assert_eq!(parse_number("1.5", false), None);
        assert_eq!(parse_number(" 1.5 ", true).and_then(|n| n.as_f64()), Some(1.5));
        assert_eq!(parse_number("abc", true), None);
    }

    #[test]
    fn long_values_are_shortened() {
        let long = Value::String("x".repeat(200));
        assert_eq!(summarize(&long).chars().count(), 80);
        assert_eq!(humanize("max_gap_s"), "max gap s");
    }
}
