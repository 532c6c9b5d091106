//! Recognising and parsing the timestamp formats found in plant exports, without a date
//! library: fixed digit patterns parsed by hand are fast (tens of ns per value) and strict.

/// A timestamp layout; `pattern()` gives its chrono-style spelling for the import settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampFormat {
    /// `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH[:]MM]`; offsets are converted to UTC.
    Iso,
    /// `DD.MM.YYYY HH:MM[:SS]`
    DayFirstDots,
    /// `MM/DD/YYYY HH:MM[:SS]`
    MonthFirstSlashes,
    /// `DD/MM/YYYY HH:MM[:SS]`
    DayFirstSlashes,
    /// `YYYY/MM/DD HH:MM[:SS]`
    YearFirstSlashes,
    /// `YYYY年M月D日 H:MM[:SS]` or `YYYY年MM月DD日 HH时MM分[SS秒]` (Chinese and Japanese exports).
    YearMonthDayCjk,
    EpochSeconds,
    EpochMillis,
}

impl TimestampFormat {
    pub fn pattern(self) -> &'static str {
        match self {
            TimestampFormat::Iso => "%Y-%m-%d %H:%M:%S",
            TimestampFormat::DayFirstDots => "%d.%m.%Y %H:%M:%S",
            TimestampFormat::MonthFirstSlashes => "%m/%d/%Y %H:%M:%S",
            TimestampFormat::DayFirstSlashes => "%d/%m/%Y %H:%M:%S",
            TimestampFormat::YearFirstSlashes => "%Y/%m/%d %H:%M:%S",
            TimestampFormat::YearMonthDayCjk => "%Y年%m月%d日 %H:%M:%S",
            TimestampFormat::EpochSeconds => "epoch_s",
            TimestampFormat::EpochMillis => "epoch_ms",
        }
    }

    pub fn from_pattern(pattern: &str) -> Option<Self> {
        [
            TimestampFormat::Iso,
            TimestampFormat::DayFirstDots,
            TimestampFormat::MonthFirstSlashes,
            TimestampFormat::DayFirstSlashes,
            TimestampFormat::YearFirstSlashes,
            TimestampFormat::YearMonthDayCjk,
            TimestampFormat::EpochSeconds,
            TimestampFormat::EpochMillis,
        ]
        .into_iter()
        .find(|f| f.pattern() == pattern)
    }

    /// Text formats tried when sniffing, in order.
    pub const TEXT: [TimestampFormat; 6] = [
        TimestampFormat::Iso,
        TimestampFormat::DayFirstDots,
        TimestampFormat::YearFirstSlashes,
        TimestampFormat::YearMonthDayCjk,
        TimestampFormat::MonthFirstSlashes,
        TimestampFormat::DayFirstSlashes,
    ];
}

/// A parsed instant: milliseconds since the epoch, and whether the text carried a UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub millis: i64,
    pub had_offset: bool,
}

pub fn parse(text: &str, format: TimestampFormat) -> Option<Parsed> {
    let b = text.trim().as_bytes();
    match format {
        TimestampFormat::Iso => parse_iso(b),
        TimestampFormat::DayFirstDots => parse_dmy(b, b'.').map(naive),
        TimestampFormat::DayFirstSlashes => parse_dmy(b, b'/').map(naive),
        TimestampFormat::MonthFirstSlashes => parse_mdy(b).map(naive),
        TimestampFormat::YearFirstSlashes => parse_ymd_slashes(b).map(naive),
        TimestampFormat::YearMonthDayCjk => parse_ymd_cjk(b).map(naive),
        TimestampFormat::EpochSeconds => text.trim().parse::<f64>().ok().filter(|v| v.is_finite()).map(|s| naive((s * 1000.0).round() as i64)),
        TimestampFormat::EpochMillis => text.trim().parse::<f64>().ok().filter(|v| v.is_finite()).map(|ms| naive(ms.round() as i64)),
    }
}

fn naive(millis: i64) -> Parsed {
    Parsed { millis, had_offset: false }
}

/// Reads exactly `n` ASCII digits at `*i`.
fn digits(b: &[u8], i: &mut usize, n: usize) -> Option<u32> {
    let end = i.checked_add(n)?;
    let slice = b.get(*i..end)?;
    let mut v = 0u32;
    for &c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    *i = end;
    Some(v)
}

/// One or two digits (days and months are often written without a leading zero).
fn short_number(b: &[u8], i: &mut usize) -> Option<u32> {
    let first = *b.get(*i)?;
    if !first.is_ascii_digit() {
        return None;
    }
    let mut v = u32::from(first - b'0');
    *i += 1;
    if let Some(&c) = b.get(*i) {
        if c.is_ascii_digit() {
            v = v * 10 + u32::from(c - b'0');
            *i += 1;
        }
    }
    Some(v)
}

fn expect(b: &[u8], i: &mut usize, c: u8) -> Option<()> {
    (b.get(*i) == Some(&c)).then(|| *i += 1)
}

/// `HH:MM[:SS[.fff]]` (hour may be one digit), returning milliseconds into the day.
fn time_of_day(b: &[u8], i: &mut usize) -> Option<i64> {
    let h = short_number(b, i)?;
    expect(b, i, b':')?;
    let m = digits(b, i, 2)?;
    let mut s = 0;
    let mut ms = 0i64;
    if b.get(*i) == Some(&b':') {
        *i += 1;
        s = digits(b, i, 2)?;
        if matches!(b.get(*i), Some(b'.') | Some(b',')) {
            *i += 1;
            let start = *i;
            let mut frac = 0i64;
            let mut scale = 1000i64;
            while let Some(&c) = b.get(*i) {
                if !c.is_ascii_digit() {
                    break;
                }
                if scale > 1 {
                    scale /= 10;
                    frac += i64::from(c - b'0') * scale;
                }
                *i += 1;
            }
            if *i == start {
                return None;
            }
            ms = frac;
        }
    }
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(i64::from(h) * 3_600_000 + i64::from(m) * 60_000 + i64::from(s) * 1000 + ms)
}

/// Date then optional time; a date alone is midnight.
fn date_time(b: &[u8], i: &mut usize, y: u32, mo: u32, d: u32) -> Option<i64> {
    let day = checked_days(y, mo, d)?;
    let mut t = 0;
    if *i < b.len() {
        match b[*i] {
            b' ' | b'T' => {
                *i += 1;
                t = time_of_day(b, i)?;
            }
            _ => {}
        }
    }
    Some(day * 86_400_000 + t)
}

fn parse_iso(b: &[u8]) -> Option<Parsed> {
    let mut i = 0;
    let y = digits(b, &mut i, 4)?;
    expect(b, &mut i, b'-')?;
    let mo = digits(b, &mut i, 2)?;
    expect(b, &mut i, b'-')?;
    let d = digits(b, &mut i, 2)?;
    let mut millis = date_time(b, &mut i, y, mo, d)?;
    let mut had_offset = false;
    match b.get(i) {
        None => {}
        Some(b'Z') if i + 1 == b.len() => had_offset = true,
        Some(&sign @ (b'+' | b'-')) => {
            i += 1;
            let oh = digits(b, &mut i, 2)?;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
            let om = digits(b, &mut i, 2)?;
            if i != b.len() || oh > 14 || om > 59 {
                return None;
            }
            let offset = i64::from(oh) * 3_600_000 + i64::from(om) * 60_000;
            // Local time = UTC + offset, so UTC = local − offset.
            millis -= if sign == b'+' { offset } else { -offset };
            had_offset = true;
        }
        Some(_) => return None,
    }
    Some(Parsed { millis, had_offset })
}

fn parse_dmy(b: &[u8], sep: u8) -> Option<i64> {
    let mut i = 0;
    let d = short_number(b, &mut i)?;
    expect(b, &mut i, sep)?;
    let mo = short_number(b, &mut i)?;
    expect(b, &mut i, sep)?;
    let y = digits(b, &mut i, 4)?;
    let v = date_time(b, &mut i, y, mo, d)?;
    (i == b.len()).then_some(v)
}

fn parse_mdy(b: &[u8]) -> Option<i64> {
    let mut i = 0;
    let mo = short_number(b, &mut i)?;
    expect(b, &mut i, b'/')?;
    let d = short_number(b, &mut i)?;
    expect(b, &mut i, b'/')?;
    let y = digits(b, &mut i, 4)?;
    let v = date_time(b, &mut i, y, mo, d)?;
    (i == b.len()).then_some(v)
}

fn parse_ymd_slashes(b: &[u8]) -> Option<i64> {
    let mut i = 0;
    let y = digits(b, &mut i, 4)?;
    expect(b, &mut i, b'/')?;
    let mo = short_number(b, &mut i)?;
    expect(b, &mut i, b'/')?;
    let d = short_number(b, &mut i)?;
    let v = date_time(b, &mut i, y, mo, d)?;
    (i == b.len()).then_some(v)
}

/// `2026年10月1日 0:00`, `2026年10月01日 00时00分00秒` (also `点` for the hour and no space
/// between date and time).
fn parse_ymd_cjk(b: &[u8]) -> Option<i64> {
    let mut i = 0;
    let y = digits(b, &mut i, 4)?;
    expect_str(b, &mut i, "年")?;
    let mo = short_number(b, &mut i)?;
    expect_str(b, &mut i, "月")?;
    let d = short_number(b, &mut i)?;
    expect_str(b, &mut i, "日")?;
    let day = checked_days(y, mo, d)?;
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    if i == b.len() {
        return Some(day * 86_400_000);
    }
    let time_start = i;
    let h = short_number(b, &mut i)?;
    let t = if expect_str(b, &mut i, "时").or_else(|| expect_str(b, &mut i, "時")).or_else(|| expect_str(b, &mut i, "点")).is_some() {
        let m = short_number(b, &mut i)?;
        expect_str(b, &mut i, "分")?;
        let mut s = 0;
        if i < b.len() {
            s = short_number(b, &mut i)?;
            expect_str(b, &mut i, "秒")?;
        }
        if h > 23 || m > 59 || s > 60 {
            return None;
        }
        i64::from(h) * 3_600_000 + i64::from(m) * 60_000 + i64::from(s) * 1000
    } else {
        i = time_start;
        time_of_day(b, &mut i)?
    };
    (i == b.len()).then_some(day * 86_400_000 + t)
}

/// Expects the UTF-8 spelling of `s` at `*i`.
fn expect_str(b: &[u8], i: &mut usize, s: &str) -> Option<()> {
    let end = i.checked_add(s.len())?;
    (b.get(*i..end) == Some(s.as_bytes())).then(|| *i = end)
}

/// Days since 1970-01-01 of a proleptic Gregorian date. Years are counted from March so the
/// leap day falls at the end; 400-year eras repeat exactly (146 097 days).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// Days since 1970-01-01, or `None` when the date does not exist (or the year is implausible).
fn checked_days(y: u32, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1000..=9999).contains(&y) {
        return None;
    }
    Some(days_from_civil(i64::from(y), m, d))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        _ => 28,
    }
}

/// The text format that parses every sample, preferring day-first for slashed dates only when
/// some day is above 12 (otherwise month-first, the common US export).
pub fn sniff_text_format<'a>(samples: impl Iterator<Item = &'a str> + Clone) -> Option<TimestampFormat> {
    let all_parse = |format| {
        let mut any = false;
        for s in samples.clone() {
            any = true;
            if parse(s, format).is_none() {
                return false;
            }
        }
        any
    };
    // Unambiguous layouts first; `mm/dd` versus `dd/mm` is decided last: month-first (the
    // common US export) unless some "month" is above 12.
    [
        TimestampFormat::Iso,
        TimestampFormat::DayFirstDots,
        TimestampFormat::YearFirstSlashes,
        TimestampFormat::YearMonthDayCjk,
        TimestampFormat::MonthFirstSlashes,
        TimestampFormat::DayFirstSlashes,
    ]
    .into_iter()
    .find(|&f| all_parse(f))
}

/// Epoch seconds or milliseconds, judged by magnitude (years 2001–2100).
pub fn sniff_epoch(values: impl Iterator<Item = f64>) -> Option<TimestampFormat> {
    let (mut secs, mut millis, mut n) = (true, true, 0);
    for v in values {
        n += 1;
        secs &= (1.0e9..4.2e9).contains(&v);
        millis &= (1.0e12..4.2e12).contains(&v);
    }
    match (n > 0, secs, millis) {
        (true, true, _) => Some(TimestampFormat::EpochSeconds),
        (true, _, true) => Some(TimestampFormat::EpochMillis),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str, f: TimestampFormat) -> Option<i64> {
        parse(text, f).map(|p| p.millis)
    }

    #[test]
    fn parses_each_format_to_the_same_instant() {
        let expect = Some(1_709_210_096_000); // 2024-02-29 12:34:56 UTC
        assert_eq!(ms("2024-02-29 12:34:56", TimestampFormat::Iso), expect);
        assert_eq!(ms("2024-02-29T12:34:56Z", TimestampFormat::Iso), expect);
        assert_eq!(ms("2024-02-29T14:34:56+02:00", TimestampFormat::Iso), expect);
        assert_eq!(ms("2024-02-29T07:34:56-0500", TimestampFormat::Iso), expect);
        assert_eq!(ms("29.02.2024 12:34:56", TimestampFormat::DayFirstDots), expect);
        assert_eq!(ms("02/29/2024 12:34:56", TimestampFormat::MonthFirstSlashes), expect);
        assert_eq!(ms("29/02/2024 12:34:56", TimestampFormat::DayFirstSlashes), expect);
        assert_eq!(ms("2024/02/29 12:34:56", TimestampFormat::YearFirstSlashes), expect);
        assert_eq!(ms("1709210096", TimestampFormat::EpochSeconds), expect);
        assert_eq!(ms("1709210096000", TimestampFormat::EpochMillis), expect);
        assert_eq!(ms("2024-02-29 12:34:56.250", TimestampFormat::Iso), Some(1_709_210_096_250));
        assert_eq!(ms("1.3.2024 7:05", TimestampFormat::DayFirstDots), Some(1_709_276_700_000));
    }

    #[test]
    fn rejects_impossible_dates_and_junk() {
        assert_eq!(ms("2023-02-29 00:00:00", TimestampFormat::Iso), None);
        assert_eq!(ms("2024-13-01 00:00", TimestampFormat::Iso), None);
        assert_eq!(ms("2024-01-01 24:00", TimestampFormat::Iso), None);
        assert_eq!(ms("Bad Input", TimestampFormat::Iso), None);
        assert_eq!(ms("2024-01-01 10:00 junk", TimestampFormat::Iso), None);
        assert_eq!(ms("", TimestampFormat::DayFirstDots), None);
    }

    #[test]
    fn sniffs_formats_and_slash_order() {
        let iso = ["2024-01-01 00:00:00", "2024-01-01 00:01:00"];
        assert_eq!(sniff_text_format(iso.iter().copied()), Some(TimestampFormat::Iso));
        let us = ["01/02/2024 10:00", "01/03/2024 10:00"];
        assert_eq!(sniff_text_format(us.iter().copied()), Some(TimestampFormat::MonthFirstSlashes));
        let eu = ["13/02/2024 10:00", "14/02/2024 10:00"];
        assert_eq!(sniff_text_format(eu.iter().copied()), Some(TimestampFormat::DayFirstSlashes));
        let dots = ["13.02.2024 10:00:00"];
        assert_eq!(sniff_text_format(dots.iter().copied()), Some(TimestampFormat::DayFirstDots));
        let words = ["pump A", "pump B"];
        assert_eq!(sniff_text_format(words.iter().copied()), None);
        assert_eq!(sniff_epoch([1.7e9, 1.8e9].into_iter()), Some(TimestampFormat::EpochSeconds));
        assert_eq!(sniff_epoch([1.7e12].into_iter()), Some(TimestampFormat::EpochMillis));
        assert_eq!(sniff_epoch([1.0, 2.0].into_iter()), None);
    }

    #[test]
    fn parses_chinese_dates() {
        let midnight = Some(1_790_812_800_000); // 2026-10-01 00:00:00 UTC
        assert_eq!(ms("2026/10/01 00:00:00", TimestampFormat::YearFirstSlashes), midnight);
        assert_eq!(ms("2026-10-01 00:00", TimestampFormat::Iso), midnight);
        assert_eq!(ms("2026年10月1日 0:00", TimestampFormat::YearMonthDayCjk), midnight);
        assert_eq!(ms("2026年10月01日 00时00分00秒", TimestampFormat::YearMonthDayCjk), midnight);
        assert_eq!(ms("2026年10月1日", TimestampFormat::YearMonthDayCjk), midnight);
        assert_eq!(ms("2026年10月1日 8:05:30", TimestampFormat::YearMonthDayCjk), Some(1_790_812_800_000 + 29_130_000));
        assert_eq!(ms("2026年10月01日08时05分", TimestampFormat::YearMonthDayCjk), Some(1_790_812_800_000 + 29_100_000));
        assert_eq!(ms("2026年2月30日 0:00", TimestampFormat::YearMonthDayCjk), None);
        assert_eq!(ms("2026年10月1日 25时00分", TimestampFormat::YearMonthDayCjk), None);
        assert_eq!(ms("2026年10月1日 0:00 备注", TimestampFormat::YearMonthDayCjk), None);
        let cells = ["2026年10月1日 0:00", "2026年10月1日 0:01"];
        assert_eq!(sniff_text_format(cells.iter().copied()), Some(TimestampFormat::YearMonthDayCjk));
        let slashes = ["2026/10/01 00:00:00", "2026/10/01 00:01:00"];
        assert_eq!(sniff_text_format(slashes.iter().copied()), Some(TimestampFormat::YearFirstSlashes));
    }

    #[test]
    fn patterns_round_trip() {
        for f in TimestampFormat::TEXT.into_iter().chain([TimestampFormat::EpochSeconds, TimestampFormat::EpochMillis]) {
            assert_eq!(TimestampFormat::from_pattern(f.pattern()), Some(f));
        }
    }
}
