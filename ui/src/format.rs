//! Small text formatting helpers shared by the panes.

/// 1234567 → "1,234,567" (the protocol's grouping, shared with the report).
pub use plantlab_protocol::format_count as thousands;

/// The last path component, for labels; the whole string if it has none.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).find(|s| !s.is_empty()).unwrap_or(path)
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS`, for time-axis labels.
pub fn epoch_seconds(secs: f64) -> String {
    if !secs.is_finite() {
        return String::new();
    }
    plantlab_protocol::format_epoch_millis((secs * 1000.0).floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_paths_and_times() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(file_name("/a/b/c.csv"), "c.csv");
        assert_eq!(file_name("C:\\x\\y.csv"), "y.csv");
        assert_eq!(epoch_seconds(0.0), "1970-01-01 00:00:00");
        assert_eq!(epoch_seconds(1_709_210_096.0), "2024-02-29 12:34:56");
    }
}
