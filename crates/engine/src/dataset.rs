//! A loaded table and the views the UI asks for: summary, pages of rows, decimated series.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use plantlab_protocol::{ColumnInfo, ColumnKind, DatasetSummary, PageRequest, Series, SeriesRequest, TablePage, XAxis};

use crate::error::{EngineError, Result};

/// Most rows one page request may return; the table never needs more on screen.
pub const MAX_PAGE_ROWS: u64 = 1000;
/// Most buckets one series request may return.
pub const MAX_SERIES_POINTS: u32 = 20_000;

pub struct Dataset {
    frame: DataFrame,
    summary: DatasetSummary,
    /// x value per row: seconds since the epoch when a sorted timestamp column exists,
    /// otherwise the row index. Sorted, so a visible range maps to a row range by bisection.
    x: Arc<Vec<f64>>,
    x_axis: XAxis,
    /// Numeric columns converted to f64 (NaN for missing) on first plot, then reused.
    plot_cache: Mutex<HashMap<String, Arc<Vec<f64>>>>,
}

impl Dataset {
    pub fn new(path: String, frame: DataFrame) -> Self {
        let (x, x_axis) = x_values(&frame);
        let columns = frame
            .columns()
            .iter()
            .map(|c| ColumnInfo {
                name: c.name().to_string(),
                dtype: c.dtype().to_string(),
                kind: column_kind(c.dtype()),
                null_count: c.null_count() as u64,
            })
            .collect();
        let timestamp_column = match &x_axis {
            XAxis::Time(name) => Some(name.clone()),
            XAxis::RowIndex => first_timestamp_column(&frame),
        };
        let summary = DatasetSummary { path, rows: frame.height() as u64, columns, timestamp_column };
        Self { frame, summary, x: Arc::new(x), x_axis, plot_cache: Mutex::new(HashMap::new()) }
    }

    pub fn summary(&self) -> &DatasetSummary {
        &self.summary
    }

    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// Rows formatted as text; missing values stay `None`.
    pub fn page(&self, request: &PageRequest) -> Result<TablePage> {
        let total = self.frame.height() as u64;
        let offset = request.offset.min(total);
        let limit = request.limit.min(MAX_PAGE_ROWS);
        let slice = self.frame.slice(offset as i64, limit as usize);
        let mut text_columns = Vec::with_capacity(slice.width());
        for column in slice.columns() {
            let as_text = column.cast(&DataType::String).map_err(|e| EngineError::Internal(e.to_string()))?;
            let strings = as_text.str().map_err(|e| EngineError::Internal(e.to_string()))?.clone();
            text_columns.push(strings);
        }
        let rows = (0..slice.height())
            .map(|r| text_columns.iter().map(|col| col.get(r).map(str::to_owned)).collect())
            .collect();
        Ok(TablePage {
            offset,
            total_rows: total,
            columns: self.summary.columns.iter().map(|c| c.name.clone()).collect(),
            rows,
        })
    }

    /// The column reduced to at most `max_points` buckets over the requested x range,
    /// each bucket keeping its min and max so that spikes stay visible.
    pub fn series(&self, request: &SeriesRequest) -> Result<Series> {
        let values = self.plot_values(&request.column)?;
        let x = &self.x;
        let x_extent = match (x.first(), x.last()) {
            (Some(&a), Some(&b)) => Some((a, b)),
            _ => None,
        };
        let (start, end) = match request.x_range {
            Some((lo, hi)) if lo <= hi => (x.partition_point(|&v| v < lo), x.partition_point(|&v| v <= hi)),
            _ => (0, x.len()),
        };
        // One row either side keeps the line continuous to the edges of the view.
        let start = start.saturating_sub(1);
        let end = (end + 1).min(x.len());
        let max_points = request.max_points.clamp(2, MAX_SERIES_POINTS) as usize;
        let (bx, ymin, ymax, decimated) = min_max_envelope(&x[start..end], &values[start..end], max_points);
        Ok(Series {
            column: request.column.clone(),
            x_axis: self.x_axis.clone(),
            x: bx,
            y_min: ymin,
            y_max: ymax,
            source_rows: (end - start) as u64,
            x_extent,
            decimated,
        })
    }

    fn plot_values(&self, name: &str) -> Result<Arc<Vec<f64>>> {
        if let Ok(cache) = self.plot_cache.lock() {
            if let Some(values) = cache.get(name) {
                return Ok(values.clone());
            }
        }
        let column = self.frame.column(name).map_err(|_| EngineError::UnknownColumn(name.to_owned()))?;
        if !matches!(column_kind(column.dtype()), ColumnKind::Numeric | ColumnKind::Boolean) {
            return Err(EngineError::NotNumeric(name.to_owned()));
        }
        let floats = column.cast(&DataType::Float64).map_err(|e| EngineError::Internal(e.to_string()))?;
        let floats = floats.f64().map_err(|e| EngineError::Internal(e.to_string()))?;
        let values: Arc<Vec<f64>> = Arc::new(floats.iter().map(|v| v.unwrap_or(f64::NAN)).collect());
        if let Ok(mut cache) = self.plot_cache.lock() {
            cache.insert(name.to_owned(), values.clone());
        }
        Ok(values)
    }
}

/// Buckets of equal row count; per bucket the x of its first row and the min/max of its
/// finite values. Buckets with no finite value become NaN so the plot shows a gap.
fn min_max_envelope(x: &[f64], y: &[f64], max_points: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>, bool) {
    let n = x.len().min(y.len());
    if n <= max_points {
        return (x[..n].to_vec(), y[..n].to_vec(), y[..n].to_vec(), false);
    }
    let buckets = max_points;
    let mut bx = Vec::with_capacity(buckets);
    let mut lo = Vec::with_capacity(buckets);
    let mut hi = Vec::with_capacity(buckets);
    for b in 0..buckets {
        let from = b * n / buckets;
        let to = ((b + 1) * n / buckets).max(from + 1).min(n);
        let (mut mn, mut mx) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in &y[from..to] {
            if v.is_finite() {
                mn = mn.min(v);
                mx = mx.max(v);
            }
        }
        if mn > mx {
            mn = f64::NAN;
            mx = f64::NAN;
        }
        bx.push(x[from]);
        lo.push(mn);
        hi.push(mx);
    }
    (bx, lo, hi, true)
}

pub(crate) fn column_kind(dtype: &DataType) -> ColumnKind {
    match dtype {
        DataType::Boolean => ColumnKind::Boolean,
        DataType::Datetime(_, _) | DataType::Date => ColumnKind::Timestamp,
        DataType::String => ColumnKind::Text,
        d if d.is_primitive_numeric() => ColumnKind::Numeric,
        _ => ColumnKind::Other,
    }
}

fn first_timestamp_column(frame: &DataFrame) -> Option<String> {
    frame.columns().iter().find(|c| column_kind(c.dtype()) == ColumnKind::Timestamp).map(|c| c.name().to_string())
}

/// Seconds since the epoch from the first timestamp column if it is complete and sorted;
/// otherwise the row index (a later cleaning step sorts and repairs timestamps).
fn x_values(frame: &DataFrame) -> (Vec<f64>, XAxis) {
    let row_index = || ((0..frame.height()).map(|i| i as f64).collect(), XAxis::RowIndex);
    let Some(name) = first_timestamp_column(frame) else {
        return row_index();
    };
    let Ok(column) = frame.column(&name) else {
        return row_index();
    };
    if column.null_count() > 0 {
        return row_index();
    }
    let as_ms = column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).and_then(|c| c.cast(&DataType::Int64));
    let Ok(as_ms) = as_ms else {
        return row_index();
    };
    let Ok(ms) = as_ms.i64() else {
        return row_index();
    };
    let seconds: Vec<f64> = ms.iter().map(|v| v.unwrap_or(0) as f64 / 1000.0).collect();
    if seconds.windows(2).all(|w| w[0] <= w[1]) {
        (seconds, XAxis::Time(name))
    } else {
        row_index()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> Dataset {
        let n = 100_000usize;
        let v: Vec<f64> = (0..n).map(|i| if i == 54_321 { 1000.0 } else { (i % 100) as f64 }).collect();
        let label: Vec<Option<&str>> = (0..n).map(|i| if i % 2 == 0 { Some("a") } else { None }).collect();
        let frame = df!("v" => v, "label" => label).unwrap();
        Dataset::new("mem".into(), frame)
    }

    #[test]
    fn summary_counts_rows_and_nulls() {
        let ds = dataset();
        let s = ds.summary();
        assert_eq!(s.rows, 100_000);
        assert_eq!(s.columns[0].kind, ColumnKind::Numeric);
        assert_eq!(s.columns[1].null_count, 50_000);
        assert_eq!(s.timestamp_column, None);
    }

    #[test]
    fn decimated_series_keeps_spikes_and_bounds_points() {
        let ds = dataset();
        let s = ds.series(&SeriesRequest { column: "v".into(), x_range: None, max_points: 2000 }).unwrap();
        assert!(s.decimated);
        assert_eq!(s.x.len(), 2000);
        assert_eq!(s.y_max.iter().cloned().fold(f64::MIN, f64::max), 1000.0, "the spike must survive");
        assert_eq!(s.x_extent, Some((0.0, 99_999.0)));
        let zoom = ds.series(&SeriesRequest { column: "v".into(), x_range: Some((100.0, 199.0)), max_points: 2000 }).unwrap();
        assert!(!zoom.decimated);
        assert_eq!(zoom.x.first(), Some(&99.0));
        assert_eq!(zoom.x.last(), Some(&200.0));
    }

    #[test]
    fn series_of_text_or_unknown_column_is_an_error() {
        let ds = dataset();
        let req = |c: &str| SeriesRequest { column: c.into(), x_range: None, max_points: 100 };
        assert_eq!(ds.series(&req("label")).err().map(|e| e.code()), Some("not_numeric"));
        assert_eq!(ds.series(&req("nope")).err().map(|e| e.code()), Some("unknown_column"));
    }

    #[test]
    fn page_formats_cells_and_marks_missing() {
        let ds = dataset();
        let page = ds.page(&PageRequest { offset: 99_999, limit: 50 }).unwrap();
        assert_eq!(page.rows.len(), 1);
        assert_eq!(page.rows[0][1], None);
        let page = ds.page(&PageRequest { offset: 0, limit: 5_000 }).unwrap();
        assert_eq!(page.rows.len() as u64, MAX_PAGE_ROWS);
        assert_eq!(page.rows[2][1].as_deref(), Some("a"));
    }

    #[test]
    fn sorted_timestamps_become_the_time_axis() {
        let frame = df!("ts" => [0i64, 60_000, 120_000], "v" => [1.0, 2.0, 3.0]).unwrap();
        let mut frame = frame;
        let ts = frame.column("ts").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
        frame.replace("ts", ts.take_materialized_series()).unwrap();
        let ds = Dataset::new("t".into(), frame);
        let s = ds.series(&SeriesRequest { column: "v".into(), x_range: None, max_points: 10 }).unwrap();
        assert_eq!(s.x_axis, XAxis::Time("ts".into()));
        assert_eq!(s.x, vec![0.0, 60.0, 120.0]);
    }
}
