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

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const YEAR_S: f64 = 31_536_000.0;

/// Grid steps a time axis may use, in seconds: round clock and calendar units.
const TIME_STEPS: [f64; 22] = [
    1.0,
    2.0,
    5.0,
    10.0,
    15.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    900.0,
    1800.0,
    3600.0,
    7200.0,
    10_800.0,
    21_600.0,
    43_200.0,
    86_400.0,
    172_800.0,
    604_800.0,
    2_592_000.0,
    31_536_000.0,
];

/// A time-axis tick label that says as much as the zoom needs: whole days as "2026-10-29",
/// minutes and hours as "29 Oct 01:00" (Chinese: "10月29日 01:00"), seconds as "01:00:30".
/// `step_s` is the grid step.
pub fn time_tick(secs: f64, step_s: f64) -> String {
    if !secs.is_finite() {
        return String::new();
    }
    let (year, month, day, hour, minute, second) = plantlab_protocol::civil_from_epoch_seconds(secs.round() as i64);
    let month_name = MONTHS.get(month.wrapping_sub(1)).copied().unwrap_or("?");
    if step_s >= 86_400.0 {
        format!("{year:04}-{month:02}-{day:02}")
    } else if step_s >= 60.0 {
        match crate::i18n::language() {
            crate::i18n::Lang::En => format!("{day} {month_name} {hour:02}:{minute:02}"),
            crate::i18n::Lang::ZhCn => format!("{month}月{day}日 {hour:02}:{minute:02}"),
        }
    } else {
        format!("{hour:02}:{minute:02}:{second:02}")
    }
}

/// Three grid steps (fine, medium, coarse) in round time units for a time axis whose finest
/// readable step is `base_step_s` seconds (the plot's value of 8 pixels). The medium lines are
/// about 100 pixels apart or more, room for a label such as "29 Oct 01:00".
pub fn time_grid_steps(base_step_s: f64) -> [f64; 3] {
    let base = if base_step_s.is_finite() && base_step_s > 0.0 { base_step_s } else { 1.0 };
    // The first round unit of at least `at_least` seconds; past a year, whole decades of years.
    let round_up = |at_least: f64| match TIME_STEPS.iter().find(|&&s| s >= at_least) {
        Some(&step) => step,
        None => YEAR_S * 10f64.powf((at_least / YEAR_S).log10().ceil().max(0.0)),
    };
    let fine = round_up(base);
    let medium = round_up((fine * 4.0).max(base * 12.0));
    // A multiple of the medium step, so the two never put labels a few pixels apart.
    let rounded = round_up(medium * 4.0);
    let coarse = if (rounded / medium).fract() == 0.0 { rounded } else { medium * 4.0 };
    [fine, medium, coarse]
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

    #[test]
    fn time_ticks_follow_the_zoom() {
        // 2026-10-29 01:00:30 UTC
        let t = 1_793_235_630.0;
        assert_eq!(time_tick(t, 86_400.0), "2026-10-29");
        assert_eq!(time_tick(t, 3600.0), "29 Oct 01:00");
        assert_eq!(time_tick(t, 60.0), "29 Oct 01:00");
        assert_eq!(time_tick(t, 10.0), "01:00:30");
        crate::i18n::set_language(crate::i18n::Lang::ZhCn);
        assert_eq!(time_tick(t, 3600.0), "10月29日 01:00");
        assert_eq!(time_tick(t, 86_400.0), "2026-10-29");
        crate::i18n::set_language(crate::i18n::Lang::En);

        assert_eq!(time_tick(f64::NAN, 10.0), "");
        assert_eq!(time_tick(0.0, 86_400.0), "1970-01-01");
        assert_eq!(time_tick(951_782_400.0, 86_400.0), "2000-02-29");
        // Every civil date agrees with the protocol's formatter over a few centuries.
        for day in (-40_000i64..60_000).step_by(37) {
            let secs = day * 86_400 + 3_723;
            let full = epoch_seconds(secs as f64);
            assert_eq!(&full[..10], time_tick(secs as f64, 86_400.0), "{full}");
        }
    }

    #[test]
    fn time_grids_use_round_units() {
        // A month on a 900-pixel plot: lines every 12 h, labels every week (200 px apart).
        assert_eq!(time_grid_steps(23_544.0), [43_200.0, 604_800.0, 2_419_200.0]);
        // A day: lines every 15 min, labels every 3 h.
        assert_eq!(time_grid_steps(760.0), [900.0, 10_800.0, 43_200.0]);
        assert_eq!(time_grid_steps(40.0), [60.0, 600.0, 3600.0]);
        assert_eq!(time_grid_steps(0.0), [1.0, 15.0, 60.0]);
        for base in [1e7, 3e7, 1e9, 1e11] {
            let [fine, medium, coarse] = time_grid_steps(base);
            assert!(fine >= base && medium >= 4.0 * fine && coarse >= 4.0 * medium, "{base}: {fine} {medium} {coarse}");
            assert_eq!((coarse / medium).fract(), 0.0);
        }
    }
}
