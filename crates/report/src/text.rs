//! Text helpers: number, time and place formatting (escaping is left to the templates).

use plantlab_protocol::{format_duration, format_epoch_millis};

/// What a missing or non-finite number shows as.
pub const MISSING: &str = "–";

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

/// A count grouped in thousands: 1,234,567 (the protocol's grouping, shared with the panes).
pub use plantlab_protocol::format_count as count;

/// A lead time: real time with timestamps, otherwise a number of samples.
pub fn lead_time(value: Option<f64>, has_timestamps: bool) -> String {
    match value {
        Some(v) if v.is_finite() && has_timestamps => format_duration(v),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_times_without_timestamps_count_samples() {
        assert_eq!(lead_time(Some(12.0), false), "12 samples");
        assert_eq!(lead_time(Some(1.0), false), "1 sample");
        assert_eq!(lead_time(None, true), MISSING);
    }

    #[test]
    fn counts_and_places_read_plainly() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(place(None, 12_345), "row 12,345");
        assert_eq!(delimiter_name('\t'), "tab");
        assert_eq!(number(f64::NAN, 2), MISSING);
    }
}
