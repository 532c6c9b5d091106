//! Steps on the time axis: `parse_timestamp` and `sort_by_time`.

use plantlab_sniff::timestamps::{self, TimestampFormat};
use polars::prelude::*;

use crate::clean::table::{column_type, datetime_column, floats, idx, internal, is_numeric, Table};
use crate::error::{Detail, EngineError, Result};

/// Parses `column` into timestamps and makes it the time axis.
pub(super) fn parse_timestamp(table: &Table, out: &mut Table, op: &str, column: &str, format: Option<&str>) -> Result<()> {
    let source = table.column(op, column)?;
    let parsed = parse_timestamps(column, source, format)?;
    out.put(parsed)?;
    out.timestamp = Some(column.to_owned());
    Ok(())
}

/// Stable sort by time; rows without a time go last.
pub(super) fn sort_by_time(table: &Table, out: &mut Table, op: &str) -> Result<()> {
    let times = table.require_times(op)?;
    let sorted = times.windows(2).all(|w| match (w[0], w[1]) {
        (Some(a), Some(b)) => a <= b,
        (_, None) => true,
        (None, Some(_)) => false,
    });
    if sorted {
        return Ok(());
    }
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| (times[i].is_none(), times[i].unwrap_or(0)));
    out.take_rows(order.into_iter().map(idx).collect::<Result<_>>()?)?;
    Ok(())
}

fn parse_timestamps(name: &str, column: &Column, format: Option<&str>) -> Result<Column> {
    if matches!(column.dtype(), DataType::Datetime(_, _) | DataType::Date) {
        return column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).map_err(internal);
    }
    let forced = match format {
        Some(p) => Some(TimestampFormat::from_pattern(p).ok_or_else(|| {
            let choices = TimestampFormat::TEXT.iter().map(|f| f.pattern()).chain(["epoch_s", "epoch_ms"]).collect::<Vec<_>>().join(", ");
            EngineError::BadStep(Detail::coded("unknown_timestamp_format", [("format", p.into()), ("choices", choices.into())]))
        })?),
        None => None,
    };
    let ms: Vec<Option<i64>> = if column.dtype() == &DataType::String {
        let text = column.str().map_err(internal)?;
        let format = match forced {
            Some(f) => f,
            None => {
                let sample: Vec<&str> = text.iter().flatten().filter(|s| !s.trim().is_empty()).take(200).collect();
                timestamps::sniff_text_format(sample.iter().copied())
            }
            .ok_or_else(|| EngineError::BadStep(Detail::coded("not_timestamps", [("column", name.into())])))?,
        };
        text.iter().map(|s| s.and_then(|s| timestamps::parse(s, format)).map(|p| p.millis)).collect()
    } else if is_numeric(column.dtype()) {
        let values = floats(column).unwrap_or_default();
        let format = match forced {
            Some(f @ (TimestampFormat::EpochSeconds | TimestampFormat::EpochMillis)) => f,
            Some(_) => return Err(EngineError::BadStep(Detail::coded("timestamps_numbers_need_epoch", [("column", name.into())]))),
            None => timestamps::sniff_epoch(values.iter().copied().filter(|v| v.is_finite()).take(200))
                .ok_or_else(|| EngineError::BadStep(Detail::coded("timestamps_not_epoch", [("column", name.into())])))?,
        };
        let factor = if format == TimestampFormat::EpochSeconds { 1000.0 } else { 1.0 };
        values.iter().map(|v| v.is_finite().then(|| (v * factor).round() as i64)).collect()
    } else {
        return Err(EngineError::BadStep(Detail::coded("timestamps_wrong_type", [("column", name.into()), ("type", column_type(column.dtype()))])));
    };
    datetime_column(name, &ms)
}
