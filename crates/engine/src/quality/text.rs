//! Text columns: a single value throughout (`constant`) and identifiers (`high_cardinality`).

use std::collections::HashSet;

use plantlab_protocol::{Finding, FindingKind, MessageArg, Severity};
use polars::prelude::*;

use super::columns::ColumnContext;
use super::duplicates::FastBuild;
use super::labels::text_label_imbalance;
use super::wording::Words;

pub(super) fn text_checks(name: &str, text: &StringChunked, is_label: bool, ctx: &ColumnContext<'_>, findings: &mut Vec<Finding>) {
    let t = ctx.thresholds;
    let places = ctx.places;
    let non_null = text.len() - text.null_count();
    if non_null == 0 {
        return;
    }
    if is_label {
        findings.extend(text_label_imbalance(name, text, ctx));
    }
    let mut distinct: HashSet<&str, FastBuild> = HashSet::default();
    for v in text.iter().flatten() {
        distinct.insert(v);
    }
    let n = distinct.len();
    if n == 1 && non_null >= 2 {
        let value = distinct.iter().next().copied().unwrap_or_default();
        findings.push(places.finding(
            FindingKind::Constant,
            Some(name),
            non_null as u64,
            Severity::Info,
            &[],
            Words::variant("text", [("column", name.into()), ("value", value.into()), ("rows", non_null.into())]),
        ));
    } else if !is_label && n > t.high_cardinality_min_distinct && n as f64 > t.high_cardinality_min_share * non_null as f64 {
        findings.push(places.finding(
            FindingKind::HighCardinality,
            Some(name),
            n as u64,
            Severity::Info,
            &[],
            Words::new([
                ("column", name.into()),
                ("distinct", n.into()),
                ("rows", non_null.into()),
                ("share", MessageArg::Share(n as f64 / non_null as f64)),
            ]),
        ));
    }
}
