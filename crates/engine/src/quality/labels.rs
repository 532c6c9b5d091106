//! `label_imbalance`: the label's classes and how much of the rows (or of the class weight)
//! the rarest one holds.

use std::collections::HashMap;

use plantlab_protocol::{Finding, FindingKind, MessageArg, Severity};
use polars::prelude::*;

use super::columns::ColumnContext;
use super::duplicates::FastBuild;
use super::wording::{format_number, Words};
use super::MAX_EXAMPLES;

/// A class of the label: its value in words, rows, and summed weight (rows when unweighted).
struct LabelClass {
    label: String,
    rows: u64,
    weight: f64,
}

/// The weight of row `row` (1 without a weight column; a missing weight counts as 0).
fn row_weight(ctx: &ColumnContext<'_>, row: usize) -> f64 {
    match &ctx.label_weights {
        Some(w) => w.get(row).copied().filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0),
        None => 1.0,
    }
}

pub(super) fn numeric_label_imbalance(name: &str, values: &[f64], ctx: &ColumnContext<'_>) -> Option<Finding> {
    let max_classes = ctx.thresholds.label_max_classes;
    let mut classes: Vec<(f64, u64, f64)> = Vec::new();
    for (row, &v) in values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
        let weight = row_weight(ctx, row);
        match classes.iter().position(|&(c, _, _)| c == v) {
            Some(i) => {
                classes[i].1 += 1;
                classes[i].2 += weight;
            }
            None if classes.len() < max_classes => classes.push((v, 1, weight)),
            None => return None,
        }
    }
    classes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let labelled: Vec<LabelClass> = classes.iter().map(|&(v, rows, weight)| LabelClass { label: format_number(v), rows, weight }).collect();
    let minority = classes.iter().min_by_key(|c| c.1).map(|c| c.0);
    let rows: Vec<usize> = match minority {
        Some(m) if classes.len() > 1 => values.iter().enumerate().filter(|&(_, &v)| v == m).map(|(r, _)| r).take(MAX_EXAMPLES).collect(),
        _ => Vec::new(),
    };
    imbalance_finding(name, &labelled, &rows, ctx)
}

pub(super) fn text_label_imbalance(name: &str, text: &StringChunked, ctx: &ColumnContext<'_>) -> Option<Finding> {
    let max_classes = ctx.thresholds.label_max_classes;
    let mut counts: HashMap<&str, (u64, f64), FastBuild> = HashMap::default();
    for (row, v) in text.iter().enumerate() {
        let Some(v) = v else { continue };
        let weight = row_weight(ctx, row);
        if let Some(entry) = counts.get_mut(v) {
            entry.0 += 1;
            entry.1 += weight;
        } else if counts.len() < max_classes {
            counts.insert(v, (1, weight));
        } else {
            return None;
        }
    }
    let mut classes: Vec<(&str, (u64, f64))> = counts.into_iter().collect();
    classes.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let minority = classes.iter().min_by_key(|c| c.1 .0).map(|c| c.0);
    let rows: Vec<usize> = match minority {
        Some(m) if classes.len() > 1 => text.iter().enumerate().filter(|&(_, v)| v == Some(m)).map(|(r, _)| r).take(MAX_EXAMPLES).collect(),
        _ => Vec::new(),
    };
    let labelled: Vec<LabelClass> = classes.iter().map(|&(v, (rows, weight))| LabelClass { label: v.to_owned(), rows, weight }).collect();
    imbalance_finding(name, &labelled, &rows, ctx)
}

fn imbalance_finding(name: &str, classes: &[LabelClass], minority_rows: &[usize], ctx: &ColumnContext<'_>) -> Option<Finding> {
    let t = ctx.thresholds;
    let total: u64 = classes.iter().map(|c| c.rows).sum();
    if total == 0 {
        return None;
    }
    let listing: Vec<String> = classes.iter().map(|c| format!("{}: {}", c.label, c.rows)).collect();
    let listing = listing.join(", ");
    if classes.len() == 1 {
        return Some(ctx.places.finding(
            FindingKind::LabelImbalance,
            Some(name),
            0,
            Severity::Error,
            &[],
            Words::variant("single_class", [("column", name.into()), ("classes", listing.into())]),
        ));
    }
    let minority = classes.iter().min_by_key(|c| c.rows)?;
    // With a weight column, each class's share is its share of the summed weight: balanced
    // weights give every class the same say in training, whatever its row count.
    let weighted = ctx.label_weights.is_some();
    let total_weight: f64 = classes.iter().map(|c| c.weight).sum();
    let share = if weighted {
        if total_weight <= 0.0 {
            0.0
        } else {
            classes.iter().map(|c| c.weight).fold(f64::INFINITY, f64::min) / total_weight
        }
    } else {
        minority.rows as f64 / total as f64
    };
    let severity = if share < t.label_error_share {
        Severity::Error
    } else if share < t.label_warning_share {
        Severity::Warning
    } else {
        return None;
    };
    Some(ctx.places.finding(
        FindingKind::LabelImbalance,
        Some(name),
        minority.rows,
        severity,
        minority_rows,
        Words::variant(
            if weighted { "by_weight" } else { "" },
            [
                ("column", name.into()),
                ("class", minority.label.as_str().into()),
                ("share", MessageArg::Share(share)),
                ("total", total.into()),
                ("classes", listing.into()),
            ],
        ),
    ))
}
