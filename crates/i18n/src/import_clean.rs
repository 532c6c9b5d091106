//! Import warnings (`import-<code>`), task labels (`task-<code>`), cleaning steps in words
//! (`step-<op>[-<variant>]`) and the gate grid's check names (`gate-title-<check>`), worded in
//! the catalogue's language. A step is worded from its own fields, so the English here is the
//! recipe's `CleanStep::describe` and the Chinese has no English left in it.

use std::collections::BTreeMap;

use plantlab_protocol::{
    format_duration, format_epoch_millis, message_key, Aggregate, CastType, CleanStep, CodedSentence, CompareOp, Condition, DuplicateKeep,
    FillMethod, LabelSource, MessageArg, OutlierAction, OutlierMethod, Segment,
};

use crate::{coded_text, Catalog, Lang};

/// The import's warnings in the catalogue's language: each worded from its code where the
/// engine gave one code per warning, else (an older engine) the English texts as they are.
pub fn import_warning_texts(catalog: &Catalog, warnings: &[String], codes: &[CodedSentence]) -> Vec<String> {
    if codes.len() != warnings.len() {
        return warnings.to_vec();
    }
    warnings
        .iter()
        .zip(codes)
        .map(|(english, code)| coded_text(catalog, &code.message_key("import"), &code.args).unwrap_or_else(|| english.clone()))
        .collect()
}

/// A task's label in the catalogue's language, or its English `label` where the task has no
/// code (an older engine) or the catalogue cannot word it.
pub fn task_label_text(catalog: &Catalog, label: &str, code: &str, args: &BTreeMap<String, MessageArg>) -> String {
    if code.is_empty() {
        return label.to_owned();
    }
    coded_text(catalog, &message_key("task", code, ""), args).unwrap_or_else(|| label.to_owned())
}

/// What an evaluation scored, in the catalogue's language: a run's own test split worded, a
/// file's path as it is.
pub fn evaluated_data_text(catalog: &Catalog, evaluation: &plantlab_protocol::Evaluation) -> String {
    match evaluation.test_split_run() {
        Some(run) => coded_text(catalog, "evaluated-test-split", &BTreeMap::from([("run".to_owned(), run.into())]))
            .unwrap_or_else(|| evaluation.source.clone()),
        None => evaluation.source.clone(),
    }
}

/// A data-quality finding's kind as a short name (badges, the Clean pane's lists): its code
/// (`flatline`) where the catalogue has no name for it.
pub fn finding_kind_text(catalog: &Catalog, kind: &str) -> String {
    coded_text(catalog, &message_key("finding-kind", kind, ""), &BTreeMap::new()).unwrap_or_else(|| kind.to_owned())
}

/// A quality-gate check's name for the grid (`flatline_samples` → "Stuck samples"), or the
/// check's code where the catalogue does not know it (a newer engine's check).
pub fn gate_title_text(catalog: &Catalog, check: &str) -> String {
    coded_text(catalog, &message_key("gate-title", check, ""), &BTreeMap::new()).unwrap_or_else(|| check.to_owned())
}

/// The step in the catalogue's language; `None` where the catalogue cannot word a part of it
/// (the caller shows `CleanStep::describe` instead).
pub fn describe_step(catalog: &Catalog, step: &CleanStep) -> Option<String> {
    let words = StepWords { catalog };
    match step {
        CleanStep::Select { columns } => words.sentence("select", "", [("columns", words.columns(columns)?)]),
        CleanStep::Drop { columns } => words.sentence("drop", "", [("columns", words.columns(columns)?)]),
        CleanStep::Rename { from, to } => words.sentence("rename", "", [("from", text(from)), ("to", text(to))]),
        CleanStep::Cast { column, to } => {
            let kind = match to {
                CastType::Float => "float",
                CastType::Integer => "integer",
                CastType::Boolean => "boolean",
                CastType::Text => "text",
            };
            words.sentence("cast", "", [("column", text(column)), ("type", text(kind))])
        }
        CleanStep::ParseTimestamp { column, format: Some(format) } => {
            words.sentence("parse_timestamp", "", [("column", text(column)), ("format", text(format))])
        }
        CleanStep::ParseTimestamp { column, format: None } => words.sentence("parse_timestamp", "sniffed", [("column", text(column))]),
        CleanStep::SortByTime => words.sentence("sort_by_time", "", []),
        CleanStep::DropDuplicateRows => words.sentence("drop_duplicate_rows", "", []),
        CleanStep::ResolveDuplicateTimestamps { keep } => {
            let variant = match keep {
                DuplicateKeep::First => "first",
                DuplicateKeep::Last => "last",
                DuplicateKeep::Mean => "mean",
            };
            words.sentence("resolve_duplicate_timestamps", variant, [])
        }
        CleanStep::Resample { interval_s, aggregate, max_columns } => {
            let aggregate = text(match aggregate {
                Aggregate::Mean => "mean",
                Aggregate::Last => "last",
                Aggregate::Min => "min",
                Aggregate::Max => "max",
            });
            let interval = text(&interval_s.to_string());
            if max_columns.is_empty() {
                words.sentence("resample", "", [("interval", interval), ("aggregate", aggregate)])
            } else {
                words.sentence("resample", "maxima", [("interval", interval), ("aggregate", aggregate), ("maxima", words.columns(max_columns)?)])
            }
        }
        CleanStep::Fill { columns, method } => {
            let columns = words.columns(columns)?;
            match method {
                FillMethod::Forward { limit: None } => words.sentence("fill", "forward", [("columns", columns)]),
                FillMethod::Forward { limit: Some(limit) } => {
                    words.sentence("fill", "forward_limit", [("columns", columns), ("limit", text(&limit.to_string()))])
                }
                FillMethod::Interpolate { limit: None } => words.sentence("fill", "interpolate", [("columns", columns)]),
                FillMethod::Interpolate { limit: Some(limit) } => {
                    words.sentence("fill", "interpolate_limit", [("columns", columns), ("limit", text(&limit.to_string()))])
                }
                FillMethod::ForwardWithin { max_gap_s } => {
                    words.sentence("fill", "forward_within", [("columns", columns), ("gap", text(&format_duration(*max_gap_s)))])
                }
                FillMethod::InterpolateWithin { max_gap_s } => {
                    words.sentence("fill", "interpolate_within", [("columns", columns), ("gap", text(&format_duration(*max_gap_s)))])
                }
                FillMethod::Median => words.sentence("fill", "median", [("columns", columns)]),
                FillMethod::Value { value } => words.sentence("fill", "value", [("columns", columns), ("value", text(&value.to_string()))]),
            }
        }
        CleanStep::Outliers { columns, method, action } => {
            let how = match method {
                OutlierMethod::Iqr { k } => words.sentence("how", "iqr", [("k", text(&k.to_string()))])?,
                OutlierMethod::Mad { k } => words.sentence("how", "mad", [("k", text(&k.to_string()))])?,
                OutlierMethod::Hampel { window, k } => {
                    words.sentence("how", "hampel", [("window", text(&window.to_string())), ("k", text(&k.to_string()))])?
                }
                OutlierMethod::Range { .. } => {
                    let or = words.sentence("bounds", "or", [])?;
                    words.sentence("how", "range", [("bounds", text(&method.range_bounds().join(&or)))])?
                }
            };
            let variant = match action {
                OutlierAction::Null => "null",
                OutlierAction::Clip => "clip",
            };
            words.sentence("outliers", variant, [("columns", words.columns(columns)?), ("how", text(&how))])
        }
        CleanStep::FlatlineToNull { columns, min_run } => {
            words.sentence("flatline_to_null", "", [("columns", words.columns(columns)?), ("min-run", text(&min_run.to_string()))])
        }
        CleanStep::ConvertUnit { column, conversion, segment } => {
            let (scale, offset) = conversion.coefficients();
            let label = match conversion.units() {
                Some((from, to)) => format!("{from} → {to}"),
                None => format!("y = {scale}·x + {offset}"),
            };
            let (column, conversion) = (text(column), text(&label));
            match segment {
                None => words.sentence("convert_unit", "", [("column", column), ("conversion", conversion)]),
                Some(Segment::Time { from_ms, to_ms }) => words.sentence(
                    "convert_unit",
                    "time",
                    [
                        ("column", column),
                        ("conversion", conversion),
                        ("from", text(&format_epoch_millis(*from_ms))),
                        ("to", text(&format_epoch_millis(*to_ms))),
                    ],
                ),
                Some(Segment::Rows { start, end }) => words.sentence(
                    "convert_unit",
                    "rows",
                    [("column", column), ("conversion", conversion), ("start", text(&start.to_string())), ("end", text(&end.to_string()))],
                ),
            }
        }
        CleanStep::ExcludePeriods { condition, pad_s } => {
            let condition = words.condition(condition)?;
            if *pad_s > 0.0 {
                words.sentence("exclude_periods", "padded", [("condition", condition), ("pad", text(&pad_s.to_string()))])
            } else {
                words.sentence("exclude_periods", "", [("condition", condition)])
            }
        }
        CleanStep::FilterRows { condition } => words.sentence("filter_rows", "", [("condition", words.condition(condition)?)]),
        CleanStep::DeriveLabel { name, source, horizon_h, .. } => {
            let (name, horizon) = (text(name), text(&horizon_h.to_string()));
            match source {
                LabelSource::Column { column } => {
                    words.sentence("derive_label", "column", [("name", name), ("horizon", horizon), ("column", text(column))])
                }
                LabelSource::Events { at } => {
                    words.sentence("derive_label", "events", [("name", name), ("horizon", horizon), ("count", text(&at.len().to_string()))])
                }
            }
        }
        CleanStep::WeightClasses { label, weight_column } => {
            words.sentence("weight_classes", "", [("label", text(label)), ("column", text(weight_column))])
        }
    }
}

/// The step in the catalogue's language, or its English description where the catalogue
/// cannot word it.
pub fn step_text(catalog: &Catalog, step: &CleanStep) -> String {
    describe_step(catalog, step).unwrap_or_else(|| step.describe())
}

fn text(value: &str) -> MessageArg {
    MessageArg::Text(value.to_owned())
}

struct StepWords<'a> {
    catalog: &'a Catalog,
}

impl StepWords<'_> {
    /// The message `step-<code>[-<variant>]` with `args`, as text.
    fn sentence<const N: usize>(&self, code: &str, variant: &str, args: [(&str, MessageArg); N]) -> Option<String> {
        coded_text(self.catalog, &message_key("step", code, variant), &plantlab_protocol::message_args(args))
    }

    /// Up to three columns by name, more as the first two and a count.
    fn columns(&self, columns: &[String]) -> Option<MessageArg> {
        let separator = if self.catalog.lang() == Lang::ZhCn { "、" } else { ", " };
        Some(text(&match columns {
            [] => self.sentence("columns", "none", [])?,
            [first, second, rest @ ..] if rest.len() > 1 => self.sentence(
                "columns",
                "more",
                [("first", text(first)), ("second", text(second)), ("more", text(&(columns.len() - 2).to_string()))],
            )?,
            _ => columns.join(separator),
        }))
    }

    fn condition(&self, condition: &Condition) -> Option<MessageArg> {
        let column = text(&condition.column);
        let words = match (condition.op, condition.op.symbol()) {
            (_, Some(op)) => self.sentence("condition", "", [("column", column), ("op", text(op)), ("value", text(&condition.value.to_string()))]),
            (CompareOp::IsNull, None) => self.sentence("condition", "missing", [("column", column)]),
            (_, None) => self.sentence("condition", "present", [("column", column)]),
        };
        words.map(|words| text(&words))
    }
}

#[cfg(test)]
#[path = "import_clean_tests.rs"]
mod tests;
