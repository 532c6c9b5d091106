//! Numbers, shares and times as the findings' sentences write them (durations use the
//! protocol's `format_duration`, as the panes and the report do).

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub(super) fn format_share(share: f64) -> String {
    let pct = share * 100.0;
    if pct > 0.0 && pct < 0.1 {
        format!("{pct:.2}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// A number for a sentence: at most four decimals, no trailing zeros.
pub(super) fn format_number(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e15 {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".to_owned()
        } else {
            s.to_owned()
        }
    } else {
        format!("{v:e}")
    }
}

/// `YYYY-MM-DD HH:MM:SS` of seconds since the Unix epoch (UTC, or naive local time).
pub(crate) fn format_unix_seconds(seconds: i64) -> String {
    plantlab_protocol::format_epoch_millis(seconds.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantlab_protocol::format_duration;

    #[test]
    fn calendar_arithmetic_round_trips() {
        use plantlab_sniff::timestamps::{civil_from_days, days_from_civil};
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_unix_seconds(1_709_510_400), "2024-03-04 00:00:00");
        assert_eq!(format_unix_seconds(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn readable_numbers_and_durations() {
        assert_eq!(format_number(2.50), "2.5");
        assert_eq!(format_number(-9999.0), "-9999");
        assert_eq!(format_duration(60.0), "1 min");
        assert_eq!(format_duration(1860.0), "31 min");
        assert_eq!(format_duration(7500.0), "2 h 5 min");
        assert_eq!(format_duration(0.5), "0.5 s");
    }
}
