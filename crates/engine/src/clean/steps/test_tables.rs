//! A small table with a one-minute time axis for the step tests.

use std::collections::HashMap;

use polars::prelude::*;

use crate::clean::table::{floats, Table};

/// Rows one minute apart with the values of column "v".
pub(super) fn table(values: Vec<Option<f64>>) -> Table {
    let n = values.len() as i64;
    let ts: Vec<i64> = (0..n).map(|i| i * 60_000).collect();
    let mut frame = df!("ts" => ts, "v" => values).unwrap();
    let cast = frame.column("ts").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
    frame.replace("ts", cast).unwrap();
    Table { frame, timestamp: Some("ts".into()), units: HashMap::new(), status: Vec::new(), excluded: Vec::new() }
}

pub(super) fn values(t: &Table) -> Vec<f64> {
    floats(t.frame.column("v").unwrap()).unwrap()
}
