//! The timestamp column: found (the override, else time-like names first, else any column
//! whose values parse), parsed into `Datetime(ms)` on every core, DST fall-backs reported.

use plantlab_protocol::ImportOverrides;
use plantlab_sniff::timestamps::{self, TimestampFormat};
use polars::prelude::*;

use super::Imported;
use crate::error::{Detail, EngineError, Result};

/// Values looked at when deciding whether a column holds timestamps.
const SNIFF_VALUES: usize = 200;

/// Finds the timestamp column (the override, else time-like names first, else any column whose
/// values all parse) and replaces it with a Datetime(ms) column.
pub(super) fn attach_timestamp(imported: &mut Imported, overrides: &ImportOverrides) -> Result<()> {
    let forced_format = match overrides.timestamp_format.as_deref() {
        Some(p) => Some(TimestampFormat::from_pattern(p).ok_or_else(|| {
            let choices = TimestampFormat::TEXT.iter().map(|f| f.pattern()).chain(["epoch_s", "epoch_ms"]).collect::<Vec<_>>().join(", ");
            EngineError::BadSetting(Detail::coded("unknown_timestamp_format", [("format", p.into()), ("choices", choices.into())]))
        })?),
        None => None,
    };
    let names: Vec<String> = imported.frame.get_column_names_owned().into_iter().map(|n| n.to_string()).collect();
    let candidates: Vec<String> = match &overrides.timestamp_column {
        Some(forced) => {
            if !names.contains(forced) {
                return Err(EngineError::UnknownColumn(forced.clone()));
            }
            vec![forced.clone()]
        }
        None => {
            let (timey, other): (Vec<String>, Vec<String>) = names.iter().cloned().partition(|n| is_time_like_name(n));
            timey.into_iter().chain(other).collect()
        }
    };
    for name in candidates {
        let Ok(column) = imported.frame.column(&name) else { continue };
        if matches!(column.dtype(), DataType::Datetime(_, _) | DataType::Date) {
            let ms = column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).map_err(|e| EngineError::Internal(e.to_string()))?;
            imported.frame.replace(&name, ms).map_err(|e| EngineError::Internal(e.to_string()))?;
            imported.settings.timestamp_column = Some(name);
            imported.settings.timestamp_format = Some("native".into());
            return Ok(());
        }
        let parsed = match column.dtype() {
            DataType::String => parse_text_timestamps(column, forced_format),
            d if d.is_primitive_numeric() && (is_time_like_name(&name) || overrides.timestamp_column.is_some()) => {
                parse_epoch_timestamps(column, forced_format)
            }
            _ => None,
        };
        if let Some((format, values, had_offset)) = parsed {
            let repeats = if had_offset { Vec::new() } else { dst_repeats(&values) };
            for (row, at) in repeats {
                let time = plantlab_protocol::format_epoch_millis(at);
                imported.warn(plantlab_protocol::CodedSentence::new("dst_repeat", [("row", row.into()), ("time", time.into())]));
            }
            let series = Series::new(name.as_str().into(), values)
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .map_err(|e| EngineError::Internal(e.to_string()))?;
            imported.frame.replace(&name, series.into_column()).map_err(|e| EngineError::Internal(e.to_string()))?;
            imported.settings.timestamp_column = Some(name);
            imported.settings.timestamp_format = Some(format.pattern().to_owned());
            return Ok(());
        }
        if overrides.timestamp_column.is_some() {
            return Err(EngineError::BadSetting(Detail::coded("not_timestamps", [("column", name.as_str().into())])));
        }
    }
    Ok(())
}

fn is_time_like_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["time", "date", "zeit", "datum", "timestamp", "时间", "日期", "时刻", "時間", "日時", "日付"].iter().any(|k| n.contains(k))
        || n == "ts"
        || n == "t"
}

type ParsedTimes = (TimestampFormat, Vec<Option<i64>>, bool);

fn parse_text_timestamps(column: &Column, forced: Option<TimestampFormat>) -> Option<ParsedTimes> {
    let strings = column.str().ok()?;
    let sample: Vec<&str> = strings.iter().flatten().filter(|s| !s.trim().is_empty()).take(SNIFF_VALUES).collect();
    let format = match forced {
        Some(f) => f,
        None => timestamps::sniff_text_format(sample.iter().copied())?,
    };
    // Parsed on every core in row ranges (zero-copy slices): a million timestamps take about
    // half a second on one.
    const ROWS_PER_TASK: usize = 1 << 16;
    let mut values: Vec<Option<i64>> = vec![None; strings.len()];
    let any_offset = {
        use rayon::prelude::*;
        values
            .par_chunks_mut(ROWS_PER_TASK)
            .enumerate()
            .map(|(task, out)| {
                let mut any_offset = false;
                let range = strings.slice((task * ROWS_PER_TASK) as i64, out.len());
                for (slot, cell) in out.iter_mut().zip(range.iter()) {
                    *slot = cell.and_then(|s| timestamps::parse(s, format)).map(|p| {
                        any_offset |= p.had_offset;
                        p.millis
                    });
                }
                any_offset
            })
            .reduce(|| false, |a, b| a || b)
    };
    // Most cells must parse; otherwise this is a text column that happens to start with dates.
    let parsed = values.iter().filter(|v| v.is_some()).count();
    let filled = strings.len() - strings.null_count();
    (forced.is_some() || parsed * 10 >= filled * 9).then_some((format, values, any_offset))
}

fn parse_epoch_timestamps(column: &Column, forced: Option<TimestampFormat>) -> Option<ParsedTimes> {
    let floats = column.cast(&DataType::Float64).ok()?;
    let floats = floats.f64().ok()?;
    let format = match forced {
        Some(f @ (TimestampFormat::EpochSeconds | TimestampFormat::EpochMillis)) => f,
        Some(_) => return None,
        None => timestamps::sniff_epoch(floats.iter().flatten().take(SNIFF_VALUES))?,
    };
    let factor = if format == TimestampFormat::EpochSeconds { 1000.0 } else { 1.0 };
    Some((format, floats.iter().map(|v| v.map(|v| (v * factor).round() as i64)).collect(), true))
}

/// Places where naive local times jump back by about an hour and then repeat: DST fall-back.
fn dst_repeats(values: &[Option<i64>]) -> Vec<(usize, i64)> {
    let mut found = Vec::new();
    let mut prev: Option<i64> = None;
    for (row, v) in values.iter().enumerate() {
        if let (Some(p), Some(v)) = (prev, *v) {
            let back = p - v;
            if (50 * 60_000..=70 * 60_000).contains(&back) {
                found.push((row, v));
            }
        }
        if v.is_some() {
            prev = *v;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dst_fall_back_is_found() {
        let h = 3_600_000;
        let values = vec![Some(0), Some(h / 2), Some(h), Some(h / 2), Some(h)];
        // 00:00, 00:30, 01:00, back to 00:30, 01:00
        assert_eq!(dst_repeats(&values).len(), 0, "a 30 min step back is not DST");
        let values = vec![Some(0), Some(h), Some(2 * h), Some(h + h / 6), Some(2 * h)];
        assert_eq!(dst_repeats(&values), vec![(3, h + h / 6)]);
    }
}
