//! CloudTrail `eventTime` values to and from seconds since the Unix epoch (UTC).

/// Parses an event time: `YYYY-MM-DDTHH:MM:SS`, optionally with fractional seconds and a zone
/// (`Z` or `±HH:MM`); a space may stand for the `T` (data-lake exports write
/// `2024-01-01 00:00:00.000000000`) and a missing zone means UTC. Fractions are dropped:
/// CloudWatch periods are whole seconds. Returns `None` for anything else.
pub fn parse_event_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &b[range];
        part.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > i64::from(cloudtrail_reader::days::last_day(year as u16, month as u8))
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let value = |i: usize| i64::from(digits[i] - b'0');
            let minutes = (value(0) * 10 + value(1)) * 60 + value(2) * 10 + value(3);
            if *sign == b'-' {
                -minutes * 60
            } else {
                minutes * 60
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_epoch(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The seconds since the epoch at which a day (`(year, month, day)`, UTC) starts.
pub fn day_start(day: cloudtrail_reader::days::Day) -> i64 {
    let (year, month, day) = day;
    days_from_civil(i64::from(year), i64::from(month), i64::from(day)) * 86_400
}

/// The day after `day`.
pub fn next_day(day: cloudtrail_reader::days::Day) -> cloudtrail_reader::days::Day {
    let (year, month, day) = civil_from_days(day_start(day) / 86_400 + 1);
    (year as u16, month as u8, day as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloudtrail_and_data_lake_forms() {
        assert_eq!(parse_event_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_event_time("2024-05-01T10:00:00Z"),
            Some(1_714_557_600)
        );
        assert_eq!(
            parse_event_time("2024-05-01 10:00:00.000000000"),
            Some(1_714_557_600)
        );
        assert_eq!(
            parse_event_time("2024-05-01T10:00:00.999Z"),
            Some(1_714_557_600)
        );
        assert_eq!(
            parse_event_time("2024-05-01T12:00:00+02:00"),
            Some(1_714_557_600)
        );
        assert_eq!(
            parse_event_time("2024-05-01T09:30:00-00:30"),
            Some(1_714_557_600)
        );
        assert_eq!(
            parse_event_time("2024-02-29T00:00:00Z"),
            Some(1_709_164_800)
        );
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for text in [
            "redacted",
            "",
            "2024-05-01",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T10:00:00ZZ",
            "2024-05-01T10:00:00.Z",
            "2024-05-0aT10:00:00Z",
        ] {
            assert_eq!(parse_event_time(text), None, "{text}");
        }
    }

    #[test]
    fn days_start_and_follow_each_other() {
        assert_eq!(day_start((1970, 1, 2)), 86_400);
        assert_eq!(
            format_epoch(day_start((2024, 2, 29))),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(next_day((2024, 2, 28)), (2024, 2, 29));
        assert_eq!(next_day((2023, 2, 28)), (2023, 3, 1));
        assert_eq!(next_day((2024, 12, 31)), (2025, 1, 1));
    }

    #[test]
    fn formats_round_trip() {
        for seconds in [0, 1_714_557_600, 951_782_400, -86_400, 4_102_444_799] {
            assert_eq!(parse_event_time(&format_epoch(seconds)), Some(seconds));
        }
        assert_eq!(format_epoch(1_709_164_800), "2024-02-29T00:00:00Z");
    }
}
