//! A loaded table and the views the UI asks for: summary, pages of rows, decimated series.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use plantlab_protocol::{
    ColumnInfo, ColumnKind, DatasetSummary, Histogram, HistogramRequest, ImportSettings, PageRequest, QualityReport, Series, SeriesRequest,
    TablePage, XAxis,
};
use polars::prelude::*;

use crate::error::{EngineError, Result};
use crate::import::Imported;
use crate::quality::{assess, QualityInput, QualityThresholds};

/// Most rows one page request may return; the table never needs more on screen.
pub const MAX_PAGE_ROWS: u64 = 1000;
/// Most buckets one series request may return.
pub const MAX_SERIES_POINTS: u32 = 20_000;
pub const MAX_HISTOGRAM_BINS: u32 = 1000;
/// Rows shown either side of a focused row (jump to a finding).
const FOCUS_HALF_WIDTH: usize = 100;
/// Most marked points returned with one series.
const MAX_MARKS: usize = 1000;

pub struct Dataset {
    frame: DataFrame,
    summary: DatasetSummary,
    report: QualityReport,
    /// Where each plotted point sits on the x axis and which row it comes from.
    x: Arc<PlotOrder>,
    x_axis: XAxis,
    /// Numeric columns converted to f64 (NaN for missing) on first plot, then reused.
    plot_cache: Mutex<HashMap<String, Arc<Vec<f64>>>>,
}

impl Dataset {
    /// A data set from an import, with its quality report computed once here.
    pub fn from_import(path: String, imported: Imported, thresholds: &QualityThresholds, label_column: Option<&str>) -> Self {
        Self::from_import_weighted(path, imported, thresholds, label_column, None)
    }

    /// As [`Self::from_import`], with a column of class weights the label's balance is judged by.
    pub fn from_import_weighted(
        path: String,
        imported: Imported,
        thresholds: &QualityThresholds,
        label_column: Option<&str>,
        label_weight_column: Option<&str>,
    ) -> Self {
        let Imported { frame, settings, units, status_text, warnings, warning_codes } = imported;
        let timestamp_column = settings.timestamp_column.clone();
        let (x, x_axis) = plot_order(&frame, timestamp_column.as_deref());
        let columns = frame
            .columns()
            .iter()
            .map(|c| ColumnInfo {
                name: c.name().to_string(),
                dtype: c.dtype().to_string(),
                kind: column_kind(c.dtype()),
                null_count: c.null_count() as u64,
                unit: units.get(c.name().as_str()).cloned(),
            })
            .collect();
        let assessment = assess(
            &QualityInput {
                frame: &frame,
                timestamp_column: timestamp_column.as_deref(),
                status_text: &status_text,
                units: &units,
                label_column,
                label_weight_column,
            },
            thresholds,
        );
        let report = QualityReport {
            rows: frame.height() as u64,
            columns: assessment.columns,
            timestamp_column: timestamp_column.clone(),
            sampling_interval_s: assessment.sampling_interval_s,
            import: settings.clone(),
            import_warnings: warnings.clone(),
            import_warning_codes: warning_codes.clone(),
            findings: assessment.findings,
        };
        let summary = DatasetSummary { path, rows: frame.height() as u64, columns, timestamp_column, import: settings, warnings, warning_codes };
        Self { frame, summary, report, x: Arc::new(x), x_axis, plot_cache: Mutex::new(HashMap::new()) }
    }

    /// A data set from a frame built in memory (tests, generated data).
    pub fn from_frame(path: String, frame: DataFrame) -> Self {
        let imported = Imported {
            frame,
            settings: memory_settings(None),
            units: HashMap::new(),
            status_text: Vec::new(),
            warnings: Vec::new(),
            warning_codes: Vec::new(),
        };
        Self::from_import(path, imported, &QualityThresholds::default(), None)
    }

    /// A data set from a frame built in memory whose `timestamp_column` is its time axis.
    pub fn from_frame_with_time(path: String, frame: DataFrame, timestamp_column: &str) -> Self {
        let settings = memory_settings(Some(timestamp_column.to_owned()));
        let imported = Imported { frame, settings, units: HashMap::new(), status_text: Vec::new(), warnings: Vec::new(), warning_codes: Vec::new() };
        Self::from_import(path, imported, &QualityThresholds::default(), None)
    }

    /// A view of a frame for plotting only, without a quality report (previews of cleaning
    /// steps draw the "after" side from it).
    pub(crate) fn plot_only(frame: DataFrame, timestamp_column: Option<String>) -> Self {
        let (x, x_axis) = plot_order(&frame, timestamp_column.as_deref());
        let rows = frame.height() as u64;
        let settings = memory_settings(timestamp_column.clone());
        let summary = DatasetSummary {
            path: String::new(),
            rows,
            columns: Vec::new(),
            timestamp_column: timestamp_column.clone(),
            import: settings.clone(),
            warnings: Vec::new(),
            warning_codes: Vec::new(),
        };
        let report = QualityReport {
            rows,
            columns: Vec::new(),
            timestamp_column,
            sampling_interval_s: None,
            import: settings,
            import_warnings: Vec::new(),
            import_warning_codes: Vec::new(),
            findings: Vec::new(),
        };
        Self { frame, summary, report, x: Arc::new(x), x_axis, plot_cache: Mutex::new(HashMap::new()) }
    }

    pub fn report(&self) -> &QualityReport {
        &self.report
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
        let rows = (0..slice.height()).map(|r| text_columns.iter().map(|col| col.get(r).map(str::to_owned)).collect()).collect();
        Ok(TablePage { offset, total_rows: total, columns: self.summary.columns.iter().map(|c| c.name.clone()).collect(), rows })
    }

    /// The column reduced to at most `max_points` buckets over the requested x range,
    /// each bucket keeping its min and max so that spikes stay visible.
    pub fn series(&self, request: &SeriesRequest) -> Result<Series> {
        let values = self.plot_values(&request.column)?;
        self.series_of(request, &values)
    }

    /// As [`Self::series`], for values given per row of this data set (a preview draws the
    /// column as it was before a step on the same time axis as after it).
    pub(crate) fn series_of(&self, request: &SeriesRequest, values: &[f64]) -> Result<Series> {
        if values.len() != self.frame.height() {
            return Err(EngineError::Internal(format!("{} values to plot for {} rows", values.len(), self.frame.height())));
        }
        let order = &self.x;
        let x = &order.x;
        let x_extent = match (x.first(), x.last()) {
            (Some(&a), Some(&b)) => Some((a, b)),
            _ => None,
        };
        let (start, end) = match (request.focus_row, request.x_range) {
            (Some(row), _) => {
                let at = order.position_near(row as usize);
                (at.saturating_sub(FOCUS_HALF_WIDTH), (at + FOCUS_HALF_WIDTH).min(x.len()))
            }
            (None, Some((lo, hi))) if lo <= hi => (x.partition_point(|&v| v < lo), x.partition_point(|&v| v <= hi)),
            _ => (0, x.len()),
        };
        // One row either side keeps the line continuous to the edges of the view.
        let start = start.saturating_sub(1);
        let end = (end + 1).min(x.len());
        let max_points = request.max_points.clamp(2, MAX_SERIES_POINTS) as usize;
        let y: std::borrow::Cow<'_, [f64]> = match &order.rows {
            Some(rows) => rows[start..end].iter().map(|&r| values[r]).collect::<Vec<f64>>().into(),
            None => values[start..end].into(),
        };
        let (bx, ymin, ymax, decimated) = min_max_envelope(&x[start..end], &y, max_points);
        let marks = request
            .mark_rows
            .iter()
            .filter_map(|&r| usize::try_from(r).ok())
            .filter(|&r| r < values.len())
            .filter_map(|r| order.position_of(r).map(|p| (x[p], values[r])))
            .take(MAX_MARKS)
            .collect();
        let x_range = match (x.get(start), end.checked_sub(1).and_then(|e| x.get(e))) {
            (Some(&a), Some(&b)) => Some((a, b)),
            _ => None,
        };
        Ok(Series {
            column: request.column.clone(),
            x_axis: self.x_axis.clone(),
            x: bx,
            y_min: ymin,
            y_max: ymax,
            source_rows: (end - start) as u64,
            x_extent,
            decimated,
            x_range,
            marks,
        })
    }

    /// Equal-width histogram of a numeric column's finite values.
    pub fn histogram(&self, request: &HistogramRequest) -> Result<Histogram> {
        let values = self.plot_values(&request.column)?;
        let bins = request.bins.clamp(1, MAX_HISTOGRAM_BINS) as usize;
        let (mut min, mut max, mut missing) = (f64::INFINITY, f64::NEG_INFINITY, 0u64);
        for &v in values.iter() {
            if v.is_finite() {
                min = min.min(v);
                max = max.max(v);
            } else {
                missing += 1;
            }
        }
        let mut counts = vec![0u64; bins];
        if min <= max {
            let width = (max - min) / bins as f64;
            for &v in values.iter().filter(|v| v.is_finite()) {
                let bin = if width > 0.0 { (((v - min) / width) as usize).min(bins - 1) } else { 0 };
                counts[bin] += 1;
            }
        } else {
            (min, max) = (0.0, 0.0);
        }
        Ok(Histogram { column: request.column.clone(), min, max, counts, missing })
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

/// Settings describing a frame that was built in memory rather than read from a file.
fn memory_settings(timestamp_column: Option<String>) -> ImportSettings {
    ImportSettings {
        delimiter: ',',
        decimal: '.',
        encoding: "memory".into(),
        encoding_confidence: None,
        header_rows: 1,
        timestamp_column,
        timestamp_format: None,
        status_strings: Vec::new(),
        sheet: None,
        names: None,
        column_widths: None,
    }
}

/// The plot's x values in ascending order and, when that order is not the row order, the row
/// each comes from. Sorted, so a visible range maps to a range of points by bisection.
struct PlotOrder {
    x: Vec<f64>,
    /// `rows[i]`: the row drawn at `x[i]`; `None` when point i is row i.
    rows: Option<Vec<usize>>,
    /// `position[row]`: where a row is drawn, `NOT_DRAWN` for a row without a time.
    position: Option<Vec<usize>>,
}

const NOT_DRAWN: usize = usize::MAX;

impl PlotOrder {
    fn identity(x: Vec<f64>) -> Self {
        Self { x, rows: None, position: None }
    }

    fn position_of(&self, row: usize) -> Option<usize> {
        match &self.position {
            Some(position) => position.get(row).copied().filter(|&p| p != NOT_DRAWN),
            None => (row < self.x.len()).then_some(row),
        }
    }

    /// Where a row is drawn, or where the nearest drawn row before it (else after it) is, when
    /// it has no time.
    fn position_near(&self, row: usize) -> usize {
        let last = self.x.len().saturating_sub(1);
        let Some(position) = &self.position else { return row.min(last) };
        let row = row.min(position.len().saturating_sub(1));
        let drawn = |p: &&usize| **p != NOT_DRAWN;
        let before = position.get(..=row).and_then(|head| head.iter().rev().find(drawn));
        let after = || position.get(row..).and_then(|tail| tail.iter().find(drawn));
        before.or_else(after).copied().unwrap_or(0).min(last)
    }
}

/// The time axis whenever the timestamp column holds times: seconds since the epoch, the rows
/// in time order (rows out of order are drawn where their time puts them; rows without a time
/// are left out). Without usable times, the row index.
fn plot_order(frame: &DataFrame, timestamp_column: Option<&str>) -> (PlotOrder, XAxis) {
    let row_index = || (PlotOrder::identity((0..frame.height()).map(|i| i as f64).collect()), XAxis::RowIndex);
    let Some(name) = timestamp_column else {
        return row_index();
    };
    let Ok(column) = frame.column(name) else {
        return row_index();
    };
    if !matches!(column.dtype(), DataType::Datetime(_, _) | DataType::Date) || column.null_count() == column.len() {
        return row_index();
    }
    let as_ms = column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).and_then(|c| c.cast(&DataType::Int64));
    let Ok(as_ms) = as_ms else {
        return row_index();
    };
    let Ok(ms) = as_ms.i64() else {
        return row_index();
    };
    let axis = XAxis::Time(name.to_owned());
    let complete = ms.null_count() == 0;
    let sorted = complete && ms.into_no_null_iter().zip(ms.into_no_null_iter().skip(1)).all(|(a, b)| a <= b);
    if sorted {
        return (PlotOrder::identity(ms.into_no_null_iter().map(|v| v as f64 / 1000.0).collect()), axis);
    }
    let mut timed: Vec<(i64, usize)> = ms.iter().enumerate().filter_map(|(row, v)| v.map(|v| (v, row))).collect();
    timed.sort_unstable();
    let mut position = vec![NOT_DRAWN; frame.height()];
    for (p, &(_, row)) in timed.iter().enumerate() {
        position[row] = p;
    }
    let x = timed.iter().map(|&(v, _)| v as f64 / 1000.0).collect();
    let rows = timed.into_iter().map(|(_, row)| row).collect();
    (PlotOrder { x, rows: Some(rows), position: Some(position) }, axis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> Dataset {
        let n = 100_000usize;
        let v: Vec<f64> = (0..n).map(|i| if i == 54_321 { 1000.0 } else { (i % 100) as f64 }).collect();
        let label: Vec<Option<&str>> = (0..n).map(|i| if i % 2 == 0 { Some("a") } else { None }).collect();
        let frame = df!("v" => v, "label" => label).unwrap();
        Dataset::from_frame("mem".into(), frame)
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
        let s = ds.series(&SeriesRequest::whole("v", 2000)).unwrap();
        assert!(s.decimated);
        assert_eq!(s.x.len(), 2000);
        assert_eq!(s.y_max.iter().cloned().fold(f64::MIN, f64::max), 1000.0, "the spike must survive");
        assert_eq!(s.x_extent, Some((0.0, 99_999.0)));
        let zoom = ds.series(&SeriesRequest { x_range: Some((100.0, 199.0)), ..SeriesRequest::whole("v", 2000) }).unwrap();
        assert!(!zoom.decimated);
        assert_eq!(zoom.x.first(), Some(&99.0));
        assert_eq!(zoom.x.last(), Some(&200.0));
    }

    #[test]
    fn focus_and_marks_place_a_finding() {
        let ds = dataset();
        let req = SeriesRequest { focus_row: Some(54_321), mark_rows: vec![54_321, 7, 10_000_000], ..SeriesRequest::whole("v", 2000) };
        let s = ds.series(&req).unwrap();
        assert_eq!(s.x_range, Some((54_220.0, 54_421.0)));
        assert_eq!(s.marks, vec![(54_321.0, 1000.0), (7.0, 7.0)], "rows beyond the data are skipped");
    }

    #[test]
    fn histogram_counts_every_finite_value() {
        let ds = dataset();
        let h = ds.histogram(&HistogramRequest { column: "v".into(), bins: 10 }).unwrap();
        assert_eq!(h.counts.iter().sum::<u64>(), 100_000);
        assert_eq!((h.min, h.max), (0.0, 1000.0));
        assert_eq!(h.counts[9], 1, "only the spike is in the top bin");
        assert_eq!(h.missing, 0);
    }

    #[test]
    fn series_of_text_or_unknown_column_is_an_error() {
        let ds = dataset();
        let req = |c: &str| SeriesRequest::whole(c, 100);
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
        let ds = timed(vec![Some(0), Some(60_000), Some(120_000)], vec![1.0, 2.0, 3.0]);
        let s = ds.series(&SeriesRequest::whole("v", 10)).unwrap();
        assert_eq!(s.x_axis, XAxis::Time("ts".into()));
        assert_eq!(s.x, vec![0.0, 60.0, 120.0]);
    }

    fn timed(ms: Vec<Option<i64>>, v: Vec<f64>) -> Dataset {
        let mut frame = df!("ts" => ms, "v" => v).unwrap();
        let ts = frame.column("ts").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
        frame.replace("ts", ts).unwrap();
        let imported = Imported {
            frame,
            settings: memory_settings(Some("ts".into())),
            units: HashMap::new(),
            status_text: Vec::new(),
            warnings: Vec::new(),
            warning_codes: Vec::new(),
        };
        Dataset::from_import("t".into(), imported, &QualityThresholds::default(), None)
    }

    #[test]
    fn unsorted_or_incomplete_timestamps_still_give_a_time_axis() {
        // Rows 0..4 at 0, 120, 60, (none), 180 s: drawn in time order, the row without a time left out.
        let ds = timed(vec![Some(0), Some(120_000), Some(60_000), None, Some(180_000)], vec![1.0, 3.0, 2.0, 99.0, 4.0]);
        let s = ds.series(&SeriesRequest::whole("v", 100)).unwrap();
        assert_eq!(s.x_axis, XAxis::Time("ts".into()));
        assert_eq!(s.x, vec![0.0, 60.0, 120.0, 180.0]);
        assert_eq!(s.y_min, vec![1.0, 2.0, 3.0, 4.0]);
        // Marks and focus name rows; they land at the rows' times.
        let marked = ds.series(&SeriesRequest { mark_rows: vec![1, 3, 2], ..SeriesRequest::whole("v", 100) }).unwrap();
        assert_eq!(marked.marks, vec![(120.0, 3.0), (60.0, 2.0)], "a row without a time is not marked");
        let focused = ds.series(&SeriesRequest { focus_row: Some(3), ..SeriesRequest::whole("v", 100) }).unwrap();
        assert_eq!(focused.x_range, Some((0.0, 180.0)));
        // A zoomed range is a time range.
        let zoom = ds.series(&SeriesRequest { x_range: Some((50.0, 130.0)), ..SeriesRequest::whole("v", 100) }).unwrap();
        assert_eq!(zoom.x, vec![0.0, 60.0, 120.0, 180.0], "one point either side of the view");
        // Values given from outside are drawn on the same axis.
        let other = ds.series_of(&SeriesRequest::whole("v", 100), &[10.0, 30.0, 20.0, 0.0, 40.0]).unwrap();
        assert_eq!(other.y_min, vec![10.0, 20.0, 30.0, 40.0]);
        assert!(ds.series_of(&SeriesRequest::whole("v", 100), &[1.0]).is_err());
    }
}
