//! An editor for the parameters of a serializable value (a cleaning step, the gate thresholds),
//! driven by its JSON form, so a new step type in the protocol gets fields with no UI change.
//! What the protocol names is shown by name: its enums as drop-downs with readable choices
//! (fill method, outlier rule and action, unit conversion, …), numbers with their unit and the
//! range the engine accepts ([`plantlab_protocol::STEP_PARAMETER_RANGES`]), and column fields
//! as a picker of the data's columns.

use plantlab_protocol::{
    step_parameter_range, Aggregate, CastType, CompareOp, DuplicateKeep, FillMethod, LabelSource, OutlierAction, OutlierMethod, ParameterRange,
    Segment, UnitConversion,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::i18n::{tr, tr_with};
use crate::theme;

/// Keys that name one column of the data.
const COLUMN_KEYS: [&str; 3] = ["column", "from", "label"];
/// Keys that list columns of the data.
const COLUMN_LIST_KEYS: [&str; 2] = ["columns", "max_columns"];
/// Optional numbers: clearing the field unsets them.
const OPTIONAL_NUMBER_KEYS: [&str; 3] = ["limit", "low", "high"];

/// What the form knows beyond the value itself.
#[derive(Clone, Copy, Default)]
pub struct FormContext<'a> {
    /// The data's column names, for column pickers (empty: columns are typed).
    pub columns: &'a [String],
}

/// Where a field sits: the step's `op` (tells a fill method from an outlier rule) and whether
/// the field is at the top of the value.
#[derive(Clone, Copy)]
struct Place<'a> {
    op: Option<&'a str>,
    top: bool,
}

/// Draws one row per field of `value` (an object) and edits it in place.
/// Returns true when the user changed something.
pub fn edit_object(ui: &mut egui::Ui, id: &str, value: &mut Value, context: FormContext<'_>) -> bool {
    let Value::Object(map) = value else {
        ui.label(value.to_string());
        return false;
    };
    let op = map.get("op").and_then(Value::as_str).map(str::to_owned);
    let place = Place { op: op.as_deref(), top: true };
    let mut changed = false;
    egui::Grid::new(id).num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
        changed = edit_fields(ui, id, map, place, context);
    });
    changed
}

fn edit_fields(ui: &mut egui::Ui, id: &str, map: &mut Map<String, Value>, place: Place<'_>, context: FormContext<'_>) -> bool {
    let mut changed = false;
    for (key, field) in map.iter_mut() {
        // A nested value's `kind` is chosen by the drop-down on its own row; the step's own type
        // (`op`, e.g. "sort_by_time") is code, and the step's description already says what it does.
        if (!place.top && key == "kind") || (place.top && key == "op") {
            continue;
        }
        let label = ui.label(humanize(key)).id;
        // Statistics the engine fitted are shown, not edited.
        let read_only = key == "fitted";
        if read_only {
            ui.label(summarize(field));
        } else {
            changed |= edit_field(ui, &format!("{id}.{key}"), key, field, label, place, context);
        }
        ui.end_row();
    }
    changed
}

/// One choice of a drop-down: the value written and what the user reads.
struct Choice {
    value: Value,
    name: String,
}

fn choice<T: Serialize>(value: T, name: impl Into<String>) -> Choice {
    let name = name.into();
    Choice { value: serde_json::to_value(value).unwrap_or(Value::Null), name }
}

/// The named choices of a field whose value is one of a protocol enum's; for a tagged enum
/// (`kind`), each choice is a whole value with workable parameters to start from.
fn choices(op: Option<&str>, key: &str) -> Option<Vec<Choice>> {
    Some(match (op, key) {
        (Some("fill"), "method") => vec![
            choice(FillMethod::Forward { limit: Some(10) }, tr("form-fill-forward")),
            choice(FillMethod::Interpolate { limit: Some(30) }, tr("form-fill-interpolate")),
            choice(FillMethod::ForwardWithin { max_gap_s: 600.0 }, tr("form-fill-forward-within")),
            choice(FillMethod::InterpolateWithin { max_gap_s: 600.0 }, tr("form-fill-interpolate-within")),
            choice(FillMethod::Median, tr("form-fill-median")),
            choice(FillMethod::Value { value: 0.0 }, tr("form-fill-value")),
        ],
        (Some("outliers"), "method") => vec![
            choice(OutlierMethod::Iqr { k: 3.0 }, tr("form-outliers-iqr")),
            choice(OutlierMethod::Mad { k: 5.0 }, tr("form-outliers-mad")),
            choice(OutlierMethod::Hampel { window: 10, k: 5.0 }, tr("form-outliers-hampel")),
            choice(OutlierMethod::Range { low: None, high: None, values: vec![] }, tr("form-outliers-range")),
        ],
        (_, "action") => vec![choice(OutlierAction::Null, tr("form-action-null")), choice(OutlierAction::Clip, tr("form-action-clip"))],
        (Some("convert_unit"), "conversion") => {
            let mut named: Vec<Choice> = UnitConversion::NAMED.iter().map(|&c| choice(c, conversion_name(c))).collect();
            named.push(choice(
                UnitConversion::Linear { scale: 1.0, offset: 0.0 },
                conversion_name(UnitConversion::Linear { scale: 1.0, offset: 0.0 }),
            ));
            named
        }
        (Some("convert_unit"), "segment") => vec![
            Choice { value: Value::Null, name: tr("form-segment-whole") },
            choice(Segment::Time { from_ms: 0, to_ms: 0 }, tr("form-segment-time")),
            choice(Segment::Rows { start: 0, end: 0 }, tr("form-segment-rows")),
        ],
        (Some("cast"), "to") => vec![
            choice(CastType::Float, tr("form-cast-float")),
            choice(CastType::Integer, tr("form-cast-integer")),
            choice(CastType::Boolean, tr("form-cast-boolean")),
            choice(CastType::Text, tr("form-cast-text")),
        ],
        (_, "keep") => {
            vec![
                choice(DuplicateKeep::First, tr("form-keep-first")),
                choice(DuplicateKeep::Last, tr("form-keep-last")),
                choice(DuplicateKeep::Mean, tr("form-keep-mean")),
            ]
        }
        (_, "aggregate") => vec![
            choice(Aggregate::Mean, tr("form-aggregate-mean")),
            choice(Aggregate::Last, tr("form-aggregate-last")),
            choice(Aggregate::Min, tr("form-aggregate-min")),
            choice(Aggregate::Max, tr("form-aggregate-max")),
        ],
        // The comparison inside a condition (the step's own `op` is read-only).
        (_, "op") => vec![
            choice(CompareOp::Lt, "<"),
            choice(CompareOp::Le, "<="),
            choice(CompareOp::Gt, ">"),
            choice(CompareOp::Ge, ">="),
            choice(CompareOp::Eq, "="),
            choice(CompareOp::Ne, "!="),
            choice(CompareOp::IsNull, tr("form-op-is-missing")),
            choice(CompareOp::NotNull, tr("form-op-not-missing")),
        ],
        (Some("derive_label"), "source") => vec![
            choice(LabelSource::Column { column: String::new() }, tr("form-source-column")),
            choice(LabelSource::Events { at: vec![] }, tr("form-source-events")),
        ],
        _ => return None,
    })
}

/// A unit conversion as the user reads it.
pub fn conversion_name(conversion: UnitConversion) -> String {
    match conversion.units() {
        Some((from, to)) => conversion_text(from, to),
        None => tr("form-conversion-linear"),
    }
}

fn conversion_text(from: &str, to: &str) -> String {
    tr_with("form-conversion", &[("from", from.into()), ("to", to.into())])
}

/// Which choice `value` is: a tagged value by its `kind`, any other by equality.
fn chosen(choices: &[Choice], value: &Value) -> Option<usize> {
    match value.get("kind") {
        Some(kind) => choices.iter().position(|c| c.value.get("kind") == Some(kind)),
        None => choices.iter().position(|c| c.value == *value),
    }
}

/// `label` is the field's name label, which screen readers (and UI tests) read as its name.
fn edit_field(ui: &mut egui::Ui, id: &str, key: &str, value: &mut Value, label: egui::Id, place: Place<'_>, context: FormContext<'_>) -> bool {
    if let Some(choices) = choices(place.op, key) {
        return choose(ui, id, value, &choices, label, place, context);
    }
    if !context.columns.is_empty() {
        if COLUMN_KEYS.contains(&key) && value.is_string() {
            return pick_column(ui, id, value, label, context.columns);
        }
        if COLUMN_LIST_KEYS.contains(&key) && value.is_array() {
            return pick_columns(ui, id, value, label, context.columns);
        }
    }
    if let Some(range) = step_parameter_range(key) {
        if value.is_number() || value.is_null() {
            return edit_number(ui, id, key, value, label, Some(range));
        }
    }
    if value.is_number() {
        return edit_number(ui, id, key, value, label, None);
    }
    edit_value(ui, id, value, label, place, context)
}

/// A drop-down of named choices; a tagged value's own parameters follow in an indented grid.
fn choose(ui: &mut egui::Ui, id: &str, value: &mut Value, choices: &[Choice], label: egui::Id, place: Place<'_>, context: FormContext<'_>) -> bool {
    let current = chosen(choices, value);
    let mut picked = current;
    let shown = current.map_or_else(|| summarize(value), |i| choices[i].name.to_owned());
    let mut changed = false;
    ui.vertical(|ui| {
        egui::ComboBox::from_id_salt(id)
            .selected_text(shown)
            .width(220.0)
            .show_ui(ui, |ui| {
                for (i, option) in choices.iter().enumerate() {
                    ui.selectable_value(&mut picked, Some(i), &option.name);
                }
            })
            .response
            .labelled_by(label);
        if picked != current {
            if let Some(i) = picked {
                *value = choices[i].value.clone();
                changed = true;
            }
        }
        if let Value::Object(map) = value {
            if map.keys().any(|k| k != "kind") {
                changed |= nested(ui, id, map, place, context);
            }
        }
    });
    changed
}

/// A nested value's fields in an indented grid (its row's label already names it).
fn nested(ui: &mut egui::Ui, id: &str, map: &mut Map<String, Value>, place: Place<'_>, context: FormContext<'_>) -> bool {
    let mut changed = false;
    ui.push_id(id, |ui| {
        egui::Frame::new().inner_margin(egui::Margin { left: 8, ..Default::default() }).show(ui, |ui| {
            egui::Grid::new(id).num_columns(2).show(ui, |ui| {
                changed = edit_fields(ui, id, map, Place { top: false, ..place }, context);
            });
        });
    });
    changed
}

/// One of the data's columns; a name the data lacks (a recipe from other data) stays shown.
fn pick_column(ui: &mut egui::Ui, id: &str, value: &mut Value, label: egui::Id, columns: &[String]) -> bool {
    let current = value.as_str().unwrap_or_default().to_owned();
    let mut picked = current.clone();
    egui::ComboBox::from_id_salt(id)
        .selected_text(if current.is_empty() { tr("form-choose-column") } else { current.clone() })
        .width(220.0)
        .show_ui(ui, |ui| {
            for column in columns {
                ui.selectable_value(&mut picked, column.clone(), column);
            }
        })
        .response
        .labelled_by(label);
    if picked != current {
        *value = Value::String(picked);
        return true;
    }
    false
}

/// Several of the data's columns, ticked in a drop-down, in the data's order.
fn pick_columns(ui: &mut egui::Ui, id: &str, value: &mut Value, label: egui::Id, columns: &[String]) -> bool {
    let Value::Array(items) = value else { return false };
    let selected: Vec<String> = items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    let shown = if selected.is_empty() { tr("form-none") } else { summarize(&Value::String(selected.join(", "))) };
    let mut ticked: Vec<bool> = columns.iter().map(|c| selected.contains(c)).collect();
    let mut changed = false;
    egui::ComboBox::from_id_salt(id)
        .selected_text(shown)
        .width(220.0)
        // Stays open while columns are ticked.
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
        .show_ui(ui, |ui| {
            for (column, tick) in columns.iter().zip(ticked.iter_mut()) {
                changed |= ui.checkbox(tick, column).changed();
            }
        })
        .response
        .labelled_by(label);
    if changed {
        // Names the data lacks stay at the end, so editing never drops them silently.
        let unknown = selected.iter().filter(|s| !columns.contains(s)).cloned();
        let known = columns.iter().zip(&ticked).filter(|(_, &t)| t).map(|(c, _)| c.clone());
        *items = known.chain(unknown).map(Value::String).collect();
    }
    changed
}

/// A number typed as text, with its unit and allowed range beside it; a value outside the range
/// is kept (the engine names the problem too) but marked at once.
fn edit_number(ui: &mut egui::Ui, id: &str, key: &str, value: &mut Value, label: egui::Id, range: Option<ParameterRange>) -> bool {
    // Counts take whole numbers; a number written without a fraction keeps its kind.
    let whole = matches!(key, "limit" | "window" | "min_run") || value.as_number().is_some_and(|n| !n.is_f64());
    let optional = OPTIONAL_NUMBER_KEYS.contains(&key);
    let mut text = match value {
        Value::Number(number) => number.to_string(),
        _ => String::new(),
    };
    let hint = if optional { tr("form-not-set") } else { String::new() };
    let mut changed = false;
    ui.horizontal(|ui| {
        let response = ui.add(egui::TextEdit::singleline(&mut text).hint_text(hint).desired_width(120.0).id_salt(id)).labelled_by(label);
        if response.changed() {
            if text.trim().is_empty() && (optional || value.is_null()) {
                *value = Value::Null;
                changed = true;
            } else if let Some(parsed) = parse_number(&text, !whole) {
                *value = Value::Number(parsed);
                changed = true;
            }
        }
        if let Some(range) = range {
            ui.label(egui::RichText::new(range_text(&range)).weak());
            if let Some(number) = value.as_f64() {
                if !(range.min..=range.max).contains(&number) {
                    ui.label(egui::RichText::new(tr("form-out-of-range")).color(theme::BAD_TEXT));
                }
            }
        }
    });
    changed
}

/// "s, 0.001 to 3155760000".
fn range_text(range: &ParameterRange) -> String {
    tr_with("form-range", &[("unit", range.unit.into()), ("min", range.min.to_string().into()), ("max", range.max.to_string().into())])
}

/// Any other field: checkboxes, text, lists as comma-separated text, nested objects.
fn edit_value(ui: &mut egui::Ui, id: &str, value: &mut Value, label: egui::Id, place: Place<'_>, context: FormContext<'_>) -> bool {
    match value {
        Value::Bool(flag) => ui.checkbox(flag, "").labelled_by(label).changed(),
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
        Value::Object(map) => nested(ui, id, map, place, context),
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
        Value::Null => tr("form-value-none"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text
    }
}

/// `max_gap_s` reads as "max gap s" in English; a field the catalogues do not name reads so
/// in every language.
pub fn humanize(key: &str) -> String {
    match key {
        "action" => tr("field-action"),
        "aggregate" => tr("field-aggregate"),
        "at" => tr("field-at"),
        "column" => tr("field-column"),
        "columns" => tr("field-columns"),
        "condition" => tr("field-condition"),
        "conversion" => tr("field-conversion"),
        "during_event" => tr("field-during-event"),
        "end" => tr("field-end"),
        "every_s" => tr("field-every-s"),
        "format" => tr("field-format"),
        "from" => tr("field-from"),
        "from_ms" => tr("field-from-ms"),
        "high" => tr("field-high"),
        "horizon_h" => tr("field-horizon-h"),
        "interval_s" => tr("field-interval-s"),
        "k" => tr("field-k"),
        "keep" => tr("field-keep"),
        "label" => tr("field-label"),
        "limit" => tr("field-limit"),
        "low" => tr("field-low"),
        "max_columns" => tr("field-max-columns"),
        "max_gap_s" => tr("field-max-gap-s"),
        "method" => tr("field-method"),
        "min_run" => tr("field-min-run"),
        "name" => tr("field-name"),
        "offset" => tr("field-offset"),
        "op" => tr("field-op"),
        "pad_s" => tr("field-pad-s"),
        "scale" => tr("field-scale"),
        "segment" => tr("field-segment"),
        "source" => tr("field-source"),
        "start" => tr("field-start"),
        "to" => tr("field-to"),
        "to_ms" => tr("field-to-ms"),
        "value" => tr("field-value"),
        "values" => tr("field-values"),
        "weight_column" => tr("field-weight-column"),
        "window" => tr("field-window"),
        "max_missing_share" => tr("field-max-missing-share"),
        "max_gaps" => tr("field-max-gaps"),
        "max_spikes" => tr("field-max-spikes"),
        "max_flatline_samples" => tr("field-max-flatline-samples"),
        "max_constant_columns" => tr("field-max-constant-columns"),
        "max_duplicate_rows" => tr("field-max-duplicate-rows"),
        "max_duplicate_timestamps" => tr("field-max-duplicate-timestamps"),
        "max_unsorted_timestamps" => tr("field-max-unsorted-timestamps"),
        "max_out_of_range" => tr("field-max-out-of-range"),
        "max_status_text_cells" => tr("field-max-status-text-cells"),
        "max_unit_jump_samples" => tr("field-max-unit-jump-samples"),
        "max_high_cardinality_columns" => tr("field-max-high-cardinality-columns"),
        "max_imbalanced_labels" => tr("field-max-imbalanced-labels"),
        "min_rows" => tr("field-min-rows"),
        other => other.replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantlab_protocol::CleanStep;

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

    #[test]
    fn every_named_choice_is_a_value_the_protocol_reads() {
        let mut conversions = 0;
        for (op, key) in [("fill", "method"), ("outliers", "method"), ("convert_unit", "conversion")] {
            for option in choices(Some(op), key).unwrap() {
                assert!(option.value.get("kind").is_some(), "{op}.{key}: {}", option.name);
                conversions += usize::from(key == "conversion");
            }
        }
        // Every named conversion and the linear one.
        assert_eq!(conversions, UnitConversion::NAMED.len() + 1);
        // A fill step with each method choice reads back as a step.
        for option in choices(Some("fill"), "method").unwrap() {
            let step = serde_json::json!({ "op": "fill", "columns": ["flow"], "method": option.value });
            assert!(serde_json::from_value::<CleanStep>(step).is_ok(), "{}", option.name);
        }
    }

    #[test]
    fn a_tagged_value_is_recognised_by_its_kind() {
        let methods = choices(Some("outliers"), "method").unwrap();
        let hampel = serde_json::to_value(OutlierMethod::Hampel { window: 3, k: 2.0 }).unwrap();
        assert_eq!(methods[chosen(&methods, &hampel).unwrap()].name, tr("form-outliers-hampel"));
        let actions = choices(Some("outliers"), "action").unwrap();
        assert_eq!(actions[chosen(&actions, &Value::String("clip".into())).unwrap()].name, tr("form-action-clip"));
    }
}
