//! Text helpers: HTML escaping, number and duration formatting, cleaning steps in words.

use plantlab_protocol::{
    format_epoch_millis, CleanStep, CompareOp, Condition, FillMethod, LabelSource, OutlierAction,
    OutlierMethod, Segment,
};

/// What a missing or non-finite number shows as.
pub const MISSING: &str = "–";

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `value` with `decimals` places, or the missing mark when it is not a finite number.
pub fn number(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        MISSING.to_string()
    }
}

pub fn optional_number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| MISSING.to_string(), |v| number(v, decimals))
}

/// A count with thin grouping so large row counts stay readable: 1,234,567.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as "45 s", "12 min", "2 h 15 min" or "3 d 4 h"; negative durations keep their sign.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return MISSING.to_string();
    }
    let sign = if seconds < 0.0 { "-" } else { "" };
    let abs = seconds.abs();
    if abs < 60.0 {
        return format!("{sign}{} s", abs.round());
    }
    let minutes = (abs / 60.0).round() as u64;
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    let text = if days > 0 {
        if hours > 0 {
            format!("{days} d {hours} h")
        } else {
            format!("{days} d")
        }
    } else if hours > 0 {
        if mins > 0 {
            format!("{hours} h {mins} min")
        } else {
            format!("{hours} h")
        }
    } else {
        format!("{mins} min")
    };
    format!("{sign}{text}")
}

/// A lead time: real time with timestamps, otherwise a number of samples.
pub fn lead_time(value: Option<f64>, has_timestamps: bool) -> String {
    match value {
        Some(v) if v.is_finite() && has_timestamps => duration(v),
        Some(v) if v.is_finite() => {
            let samples = v.round() as i64;
            if samples.abs() == 1 {
                format!("{samples} sample")
            } else {
                format!("{samples} samples")
            }
        }
        _ => MISSING.to_string(),
    }
}

/// A place in the data: the timestamp when there is one, else the row number.
pub fn place(millis: Option<i64>, row: u64) -> String {
    match millis {
        Some(ms) => format_epoch_millis(ms),
        None => format!("row {}", count(row)),
    }
}

pub fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}

/// A delimiter as a reader names it ("tab" rather than an invisible character).
pub fn delimiter_name(c: char) -> String {
    match c {
        '\t' => "tab".to_string(),
        ' ' => "space".to_string(),
        other => format!("{other}"),
    }
}

fn columns_text(columns: &[String]) -> String {
    // Long selections are abbreviated: the report is read, not replayed.
    const SHOWN: usize = 6;
    if columns.len() <= SHOWN {
        columns.join(", ")
    } else {
        format!("{} and {} more", columns[..SHOWN].join(", "), columns.len() - SHOWN)
    }
}

fn limit_text(limit: Option<u32>) -> String {
    limit.map_or_else(|| "no limit".to_string(), |n| format!("at most {n} samples"))
}

fn condition_text(condition: &Condition) -> String {
    let symbol = match condition.op {
        CompareOp::Lt => "<",
        CompareOp::Le => "≤",
        CompareOp::Gt => ">",
        CompareOp::Ge => "≥",
        CompareOp::Eq => "=",
        CompareOp::Ne => "≠",
        CompareOp::IsNull => return format!("{} missing", condition.column),
        CompareOp::NotNull => return format!("{} not missing", condition.column),
    };
    format!("{} {symbol} {}", condition.column, condition.value)
}

/// One line per cleaning step (plain text; the caller escapes it).
pub fn describe_step(step: &CleanStep) -> String {
    match step {
        CleanStep::Select { columns } => format!("Select columns: {}", columns_text(columns)),
        CleanStep::Drop { columns } => format!("Drop columns: {}", columns_text(columns)),
        CleanStep::Rename { from, to } => format!("Rename {from} → {to}"),
        CleanStep::Cast { column, to } => format!("Cast {column} to {}", format!("{to:?}").to_lowercase()),
        CleanStep::ParseTimestamp { column, format } => format!(
            "Parse timestamps in {column} ({})",
            format.as_deref().unwrap_or("format sniffed")
        ),
        CleanStep::SortByTime => "Sort by time".to_string(),
        CleanStep::DropDuplicateRows => "Drop duplicate rows".to_string(),
        CleanStep::ResolveDuplicateTimestamps { keep } => {
            format!("Resolve duplicate timestamps (keep {})", format!("{keep:?}").to_lowercase())
        }
        CleanStep::Resample { interval_s, aggregate } => format!(
            "Resample to {} ({})",
            duration(*interval_s),
            format!("{aggregate:?}").to_lowercase()
        ),
        CleanStep::Fill { columns, method } => {
            let how = match method {
                FillMethod::Forward { limit } => format!("forward fill, {}", limit_text(*limit)),
                FillMethod::Interpolate { limit } => format!("interpolate, {}", limit_text(*limit)),
                FillMethod::Median => "training median".to_string(),
                FillMethod::Value { value } => format!("value {value}"),
            };
            format!("Fill missing in {} ({how})", columns_text(columns))
        }
        CleanStep::Outliers { columns, method, action } => {
            let rule = match method {
                OutlierMethod::Iqr { k } => format!("IQR, k = {k}"),
                OutlierMethod::Mad { k } => format!("MAD, k = {k}"),
                OutlierMethod::Hampel { window, k } => format!("Hampel, window {window}, k = {k}"),
                OutlierMethod::Range { low, high, values } => {
                    let mut parts = Vec::new();
                    if let Some(low) = low {
                        parts.push(format!("below {low}"));
                    }
                    if let Some(high) = high {
                        parts.push(format!("above {high}"));
                    }
                    if !values.is_empty() {
                        let list: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                        parts.push(format!("equal to {}", list.join(", ")));
                    }
                    format!("range: {}", parts.join(", "))
                }
            };
            let act = match action {
                OutlierAction::Null => "set missing",
                OutlierAction::Clip => "clipped",
            };
            format!("Outliers in {} ({rule}) {act}", columns_text(columns))
        }
        CleanStep::FlatlineToNull { columns, min_run } => {
            format!("Flatlines of ≥ {min_run} samples in {} set missing", columns_text(columns))
        }
        CleanStep::ConvertUnit { column, conversion, segment } => {
            let (scale, offset) = conversion.coefficients();
            let unit = conversion
                .target_unit()
                .map_or_else(|| format!("y = {scale}·x + {offset}"), |u| format!("to {u}"));
            let part = match segment {
                None => String::new(),
                Some(Segment::Time { from_ms, to_ms }) => format!(
                    " from {} to {}",
                    format_epoch_millis(*from_ms),
                    format_epoch_millis(*to_ms)
                ),
                Some(Segment::Rows { start, end }) => format!(" on rows {start}–{end}"),
            };
            format!("Convert {column} {unit}{part}")
        }
        CleanStep::ExcludePeriods { condition, pad_s } => {
            let pad = if *pad_s > 0.0 { format!(" (± {})", duration(*pad_s)) } else { String::new() };
            format!("Exclude periods where {}{pad}", condition_text(condition))
        }
        CleanStep::FilterRows { condition } => format!("Keep rows where {}", condition_text(condition)),
        CleanStep::DeriveLabel { name, source, horizon_h, during_event } => {
            let from = match source {
                LabelSource::Column { column } => format!("events in {column}"),
                LabelSource::Events { at } => format!("{} listed events", at.len()),
            };
            let during = if *during_event { ", also during the event" } else { "" };
            format!("Derive label {name} from {from}: {horizon_h} h ahead{during}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(8100.0), "2 h 15 min");
        assert_eq!(duration(7200.0), "2 h");
        assert_eq!(duration(900.0), "15 min");
        assert_eq!(duration(30.0), "30 s");
        assert_eq!(duration(-900.0), "-15 min");
        assert_eq!(duration(3.0 * 86_400.0 + 4.0 * 3600.0), "3 d 4 h");
        assert_eq!(duration(f64::NAN), MISSING);
    }

    #[test]
    fn lead_times_without_timestamps_count_samples() {
        assert_eq!(lead_time(Some(12.0), false), "12 samples");
        assert_eq!(lead_time(Some(1.0), false), "1 sample");
        assert_eq!(lead_time(None, true), MISSING);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
    }
}
