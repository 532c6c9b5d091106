//! Findings' sentences as codes ([`Words`]: a variant and the values it names, worded from the
//! catalogue at the edge and, in English, for the finding's `message`), and numbers as the
//! few sentences still built here write them.

use std::collections::BTreeMap;

use plantlab_protocol::{message_args, MessageArg};

/// A finding's sentence: which of its kind's sentences ([`plantlab_protocol::Finding::variant`])
/// and the values it names.
pub(super) struct Words {
    pub(super) variant: &'static str,
    pub(super) args: BTreeMap<String, MessageArg>,
}

impl Words {
    /// The kind's usual sentence.
    pub(super) fn new<const N: usize>(args: [(&str, MessageArg); N]) -> Words {
        Words { variant: "", args: message_args(args) }
    }

    /// One of the kind's other sentences.
    pub(super) fn variant<const N: usize>(variant: &'static str, args: [(&str, MessageArg); N]) -> Words {
        Words { variant, args: message_args(args) }
    }
}

/// A number for a sentence: at most four decimals, no trailing zeros (the catalogue's way, so
/// a number inside a text argument reads as a [`MessageArg::Number`] does).
pub(super) fn format_number(v: f64) -> String {
    plantlab_i18n::format_measure(v)
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
