//! Text helpers: number, time and place formatting (escaping is left to the templates).

use plantlab_i18n::{Arg, Catalog};
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
pub fn lead_time(t: &Catalog, value: Option<f64>, has_timestamps: bool) -> String {
    match value {
        Some(v) if v.is_finite() && has_timestamps => format_duration(v),
        Some(v) if v.is_finite() => {
            let samples = v.round() as i64;
            t.text_with("report-lead-time-samples", &[("samples", Arg::from(samples))])
        }
        _ => MISSING.to_string(),
    }
}

/// A place in the data: the timestamp when there is one, else the row number.
pub fn place(t: &Catalog, millis: Option<i64>, row: u64) -> String {
    match millis {
        Some(ms) => format_epoch_millis(ms),
        None => t.text_with("report-place-row", &[("row", Arg::from(count(row)))]),
    }
}

pub fn yes_no(t: &Catalog, flag: bool) -> String {
    t.text(if flag { "report-yes" } else { "report-no" })
}

/// A delimiter as a reader names it ("tab" rather than an invisible character).
pub fn delimiter_name(t: &Catalog, c: char) -> String {
    match c {
        '\t' => t.text("report-delimiter-tab"),
        ' ' => t.text("report-delimiter-space"),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantlab_i18n::Lang;

    #[test]
    fn lead_times_without_timestamps_count_samples() {
        let t = Catalog::new(Lang::En);
        assert_eq!(lead_time(&t, Some(12.0), false), "12 samples");
        assert_eq!(lead_time(&t, Some(1.0), false), "1 sample");
        assert_eq!(lead_time(&t, None, true), MISSING);
        let chinese = Catalog::new(Lang::ZhCn);
        assert_eq!(lead_time(&chinese, Some(12.0), false), "12 个样本");
    }

    #[test]
    fn counts_and_places_read_plainly() {
        assert_eq!(count(1_234_567), "1,234,567");
        let t = Catalog::new(Lang::En);
        assert_eq!(place(&t, None, 12_345), "row 12,345");
        assert_eq!(delimiter_name(&t, '\t'), "tab");
        assert_eq!(place(&Catalog::new(Lang::ZhCn), None, 12_345), "第 12,345 行");
        assert_eq!(number(f64::NAN, 2), MISSING);
    }
}
