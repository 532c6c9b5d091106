//! Steps that make the label and its weights: `derive_label` (1 before and during an event)
//! and `weight_classes` (balanced class weights fitted on the training part).

use plantlab_protocol::{FittedStats, LabelSource};
use plantlab_sniff::timestamps::{self, TimestampFormat};
use polars::prelude::*;

use super::{percent_arg, training_rows, value_arg};
use crate::clean::table::{float_column, Table};
use crate::error::{Detail, EngineError, Result};

/// The label's classes named as training names them, and each row's class index (`None` where
/// the label is missing), so the fitted weights are keyed by the run's class names.
fn label_classes(table: &Table, op: &str, label: &str) -> Result<(Vec<String>, Vec<Option<u32>>)> {
    table.column(op, label)?;
    let values = crate::train::data::read_values(&table.frame, label)?;
    crate::train::data::label_classes(&values, label).map_err(|e| match e {
        // The same coded reason (a constant label, too many classes) a training refusal gives.
        EngineError::BadTrainConfig(why) => EngineError::BadStep(why),
        other => other,
    })
}

/// Balanced class weights on the training part: rows ÷ (classes × rows of the class).
pub(super) fn fit_class_weights(table: &Table, op: &str, label: &str, train_fraction: f64) -> Result<FittedStats> {
    let (classes, labels) = label_classes(table, op, label)?;
    let rows = training_rows(table, train_fraction)?;
    let mut counts = vec![0u64; classes.len()];
    for class in rows.iter().filter_map(|&r| labels.get(r).copied().flatten()) {
        if let Some(n) = counts.get_mut(class as usize) {
            *n += 1;
        }
    }
    let seen: Vec<(&String, u64)> = classes.iter().zip(counts).filter(|(_, n)| *n > 0).collect();
    if seen.len() < 2 {
        return Err(EngineError::BadStep(Detail::coded(
            "weights_one_class",
            [("label", label.into()), ("count", seen.len().into()), ("percent", percent_arg(train_fraction))],
        )));
    }
    let labelled: u64 = seen.iter().map(|(_, n)| n).sum();
    let k = seen.len() as f64;
    let class_weights = seen.into_iter().map(|(class, n)| (class.clone(), labelled as f64 / (k * n as f64))).collect();
    Ok(FittedStats { train_rows: rows.len() as u64, class_weights, ..Default::default() })
}

/// The weight column of a `weight_classes` step: the fitted weight of each row's class.
pub(super) fn class_weight_column(table: &Table, op: &str, label: &str, weight_column: &str, fitted: Option<&FittedStats>) -> Result<Column> {
    let weights = fitted
        .map(|f| &f.class_weights)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| EngineError::BadStep(Detail::coded("weights_not_fitted", [("op", op.into())])))?;
    if weight_column.trim().is_empty() || weight_column == label || table.timestamp.as_deref() == Some(weight_column) {
        return Err(EngineError::BadStep(Detail::coded("weight_column_name", [("column", weight_column.into())])));
    }
    let (classes, labels) = label_classes(table, op, label)?;
    // A class the training part never saw keeps weight 1; no label, no say in training.
    let per_class: Vec<f64> = classes.iter().map(|c| weights.get(c).copied().unwrap_or(1.0)).collect();
    let values: Vec<f64> = labels.iter().map(|l| l.and_then(|i| per_class.get(i as usize).copied()).unwrap_or(0.0)).collect();
    Ok(float_column(weight_column, &values))
}

pub(super) fn derive_label(table: &Table, op: &str, name: &str, source: &LabelSource, horizon_h: f64, during_event: bool) -> Result<Column> {
    if name.trim().is_empty() {
        return Err(EngineError::BadStep(Detail::coded("label_needs_name", [])));
    }
    if table.has(name) {
        return Err(EngineError::BadStep(Detail::coded("label_name_taken", [("column", name.into())])));
    }
    if !horizon_h.is_finite() || horizon_h < 0.0 {
        return Err(EngineError::BadStep(Detail::coded("label_horizon", [("value", value_arg(horizon_h))])));
    }
    let times = table.require_times(op)?;
    let horizon = (horizon_h * 3_600_000.0).round() as i64;
    let mut active = vec![false; times.len()];
    let mut events: Vec<i64> = match source {
        LabelSource::Column { column } => {
            let values = table.floats(op, column)?;
            // Onsets in time order: an event starts where the column turns non-zero.
            let mut order: Vec<usize> = (0..values.len()).filter(|&i| times[i].is_some()).collect();
            order.sort_by_key(|&i| times[i]);
            let mut on = false;
            let mut starts = Vec::new();
            for &i in &order {
                let now = values[i].is_finite() && values[i] != 0.0;
                if now && !on {
                    starts.push(times[i].unwrap_or(0));
                }
                active[i] = now;
                on = now;
            }
            starts
        }
        LabelSource::Events { at } => {
            let mut out = Vec::with_capacity(at.len());
            for text in at {
                let parsed = timestamps::parse(text, TimestampFormat::Iso)
                    .ok_or_else(|| EngineError::BadStep(Detail::coded("label_event_time", [("text", text.as_str().into())])))?;
                out.push(parsed.millis);
            }
            out
        }
    };
    events.sort_unstable();
    let labels: Vec<Option<i64>> = times
        .iter()
        .zip(&active)
        .map(|(t, &a)| {
            t.map(|t| {
                let i = events.partition_point(|&e| e < t);
                let soon = events.get(i).is_some_and(|&e| e <= t + horizon);
                i64::from(soon || (during_event && a))
            })
        })
        .collect();
    let ca: Int64Chunked = labels.into_iter().collect();
    Ok(ca.with_name(name.into()).into_column())
}

#[cfg(test)]
mod tests {
    use plantlab_protocol::{CleanStep, LabelSource};

    use super::super::apply;
    use super::super::test_tables::table;
    use crate::clean::table::floats;

    #[test]
    fn labels_mark_the_hours_before_an_event() {
        let v: Vec<Option<f64>> = (0..200).map(|i| Some(if (150..160).contains(&i) { 1.0 } else { 0.0 })).collect();
        let t = table(v);
        let step =
            CleanStep::DeriveLabel { name: "soon".into(), source: LabelSource::Column { column: "v".into() }, horizon_h: 1.0, during_event: true };
        let out = apply(&step, None, &t).unwrap();
        let label = floats(out.frame.column("soon").unwrap()).unwrap();
        assert_eq!(label[89], 0.0);
        assert_eq!(label[90], 1.0, "60 minutes before the onset");
        assert_eq!(label[155], 1.0, "during the event");
        assert_eq!(label[160], 0.0);
    }
}
