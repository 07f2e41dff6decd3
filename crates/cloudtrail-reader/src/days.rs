//! Days in CloudTrail's archive layout, for `--since/--until`: CloudTrail delivers each log
//! file under `AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/` (the UTC day of delivery),
//! so a year, month or day folder outside the wanted days can be passed over without listing
//! or opening what is inside.

/// A day as `(year, month, day)`.
pub type Day = (u16, u8, u8);

/// The first and last day (inclusive) a key or folder may stand for: one day, a month or a
/// year.
pub type Span = (Day, Day);

/// Inclusive bounds on the days wanted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    /// The first day kept.
    pub since: Option<Day>,
    /// The last day kept.
    pub until: Option<Day>,
}

impl DayRange {
    /// Whether `key` (an S3 key or a file path) may hold events of a kept day: keys without a
    /// span ([`key_span`]) are kept, and every key when the range bounds nothing.
    pub fn keeps(&self, key: &str) -> bool {
        !self.is_bounded() || key_span(key).is_none_or(|span| self.overlaps(span))
    }

    /// Whether `day` is within the range.
    pub fn contains(&self, day: Day) -> bool {
        self.since.is_none_or(|since| day >= since) && self.until.is_none_or(|until| day <= until)
    }

    /// Whether some day of `span` is within the range.
    pub fn overlaps(&self, (first, last): Span) -> bool {
        self.since.is_none_or(|since| last >= since)
            && self.until.is_none_or(|until| first <= until)
    }

    /// Whether the range bounds anything.
    pub fn is_bounded(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }
}

/// Reads `YYYY-MM-DD` (a day that exists).
pub fn parse_day(text: &str) -> Result<Day, String> {
    let bad = || format!("{text:?} is not a date (YYYY-MM-DD)");
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let year = number(y, 4).ok_or_else(bad)?;
    let month = month_of(m).ok_or_else(bad)?;
    let day = day_of(year, month, d).ok_or_else(bad)?;
    Ok(day)
}

/// The span of a key (`/`-separated; `\` also separates, for Windows paths), from the parts
/// after its first `CloudTrail/REGION/YYYY` (or `CloudTrail-Digest`, `CloudTrail-Insight`):
/// that day when `MM/DD` follow and spell one, else that month when `MM` does, else that year.
///
/// Choice: keys in any other layout have no span (and are kept by every range), even when some
/// folder in them looks like a date: such a folder is the user's (a dated backup, a home
/// directory), not CloudTrail's, and skipping files on a guess could lose events.
pub fn key_span(key: &str) -> Option<Span> {
    let parts: Vec<&str> = key.split(['/', '\\']).collect();
    span_at(&parts, year_index(&parts)?)
}

/// The span of a folder (a key prefix ending in `/`, or a directory path), when every key
/// below it has a span within it: the folder is, or is below, a year folder of CloudTrail's
/// layout (`.../CloudTrail/REGION/YYYY`). The keys below share its first
/// `CloudTrail/REGION/YYYY`, so their spans ([`key_span`]) narrow the folder's, never leave it.
pub fn folder_span(folder: &str) -> Option<Span> {
    let folder = folder.trim_end_matches(['/', '\\']);
    key_span(folder)
}

/// The index of the year after the first `CloudTrail/REGION/` part followed by a year.
fn year_index(parts: &[&str]) -> Option<usize> {
    let anchor = |part: &str| {
        matches!(
            part,
            "CloudTrail" | "CloudTrail-Digest" | "CloudTrail-Insight"
        )
    };
    (0..parts.len().saturating_sub(2))
        .find(|&i| anchor(parts[i]) && number(parts[i + 2], 4).is_some())
        .map(|i| i + 2)
}

/// The span `parts[year..]` stand for: see [`key_span`].
fn span_at(parts: &[&str], year: usize) -> Option<Span> {
    let y = number(parts[year], 4)?;
    let Some(m) = parts.get(year + 1).and_then(|m| month_of(m)) else {
        return Some(((y, 1, 1), (y, 12, 31)));
    };
    match parts.get(year + 2).and_then(|d| day_of(y, m, d)) {
        Some(day) => Some((day, day)),
        None => Some(((y, m, 1), (y, m, last_day(y, m)))),
    }
}

/// `text` as a number of exactly `digits` decimal digits.
fn number(text: &str, digits: usize) -> Option<u16> {
    let all_digits = text.len() == digits && text.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| text.parse().ok()).flatten()
}

/// `MM` as a month.
fn month_of(text: &str) -> Option<u8> {
    number(text, 2)
        .filter(|m| (1..=12).contains(m))
        .map(|m| m as u8)
}

/// `DD` as a day of `month`.
fn day_of(year: u16, month: u8, text: &str) -> Option<Day> {
    let day = number(text, 2).filter(|&d| d >= 1 && d <= u16::from(last_day(year, month)))?;
    Some((year, month, day as u8))
}

/// The last day of a month (1 to 12) of the proleptic Gregorian calendar.
pub fn last_day(year: u16, month: u8) -> u8 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: &str = "AWSLogs/o-abc/123456789012/CloudTrail/eu-west-1";

    #[test]
    fn parses_days_that_exist() {
        assert_eq!(parse_day("2024-05-01"), Ok((2024, 5, 1)));
        assert_eq!(parse_day("2024-02-29"), Ok((2024, 2, 29)));
        for bad in [
            "2024-5-1",
            "24-05-01",
            "2024-13-01",
            "2024-05-00",
            "2024-04-31",
            "2023-02-29",
            "2100-02-29",
            "2024-05",
            "x",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_key_spans_the_day_month_or_year_of_its_cloudtrail_folders() {
        let day = |d: Day| Some((d, d));
        let key = format!("{LAYOUT}/2024/05/01/123_CloudTrail_eu-west-1_20240501T0000Z_x.json.gz");
        assert_eq!(key_span(&key), day((2024, 5, 1)));
        // Dated folders of another layout do not count, above the layout or without it.
        let backup = format!("backups/2023/12/31/{key}");
        assert_eq!(key_span(&backup), day((2024, 5, 1)));
        assert_eq!(key_span("copies/2023/12/31/x.json"), None);
        assert_eq!(key_span(&format!("{LAYOUT}/x.json")), None);
        let windows = r"C:\logs\AWSLogs\1\CloudTrail\us-east-1\2023\12\31\x.json";
        assert_eq!(key_span(windows), day((2023, 12, 31)));
        // Less than a day: the month, or the year.
        let may = Some(((2024, 5, 1), (2024, 5, 31)));
        assert_eq!(key_span(&format!("{LAYOUT}/2024/05/x.json")), may);
        assert_eq!(key_span(&format!("{LAYOUT}/2024/05/31x/f")), may);
        let april = Some(((2024, 4, 1), (2024, 4, 30)));
        assert_eq!(key_span(&format!("{LAYOUT}/2024/04/31/f")), april);
        let year = Some(((2024, 1, 1), (2024, 12, 31)));
        assert_eq!(key_span(&format!("{LAYOUT}/2024/13/01/f")), year);
        assert_eq!(key_span(&format!("{LAYOUT}/2024")), year);
        assert_eq!(key_span("x.json"), None);
    }

    #[test]
    fn a_folder_spans_every_key_below_it() {
        let may = ((2024, 5, 1), (2024, 5, 31));
        assert_eq!(folder_span(&format!("{LAYOUT}/2024/05/")), Some(may));
        assert_eq!(
            folder_span(&format!("/data/{LAYOUT}/2024/05/01")),
            Some(((2024, 5, 1), (2024, 5, 1)))
        );
        let digests = "AWSLogs/1/CloudTrail-Digest/eu-west-1/2024/";
        assert_eq!(folder_span(digests), Some(((2024, 1, 1), (2024, 12, 31))));
        assert_eq!(folder_span(&format!("{LAYOUT}/")), None);
        assert_eq!(folder_span("backups/2023/12/31/"), None);
        // Whatever lies below, a key's span is within its folders' spans.
        let folder = format!("{LAYOUT}/2024/05/");
        for below in [
            "01/f.json.gz",
            "f.json.gz",
            "xx/f",
            "31/CloudTrail/r/2025/01/01/f",
            "notaday/CloudTrail/r/2025/01/01/f",
        ] {
            let (first, last) = key_span(&format!("{folder}{below}")).unwrap();
            assert!(first >= may.0 && last <= may.1, "{below}");
        }
    }

    #[test]
    fn ranges_keep_what_may_hold_a_kept_day() {
        let range = DayRange {
            since: Some((2024, 5, 2)),
            until: Some((2024, 5, 31)),
        };
        assert!(range.is_bounded() && !DayRange::default().is_bounded());
        assert!(range.keeps(&format!("{LAYOUT}/2024/05/31/f.json.gz")));
        assert!(!range.keeps(&format!("{LAYOUT}/2024/06/01/f.json.gz")));
        assert!(!range.keeps(&format!("{LAYOUT}/2024/05/01/f.json.gz")));
        assert!(range.keeps(&format!("{LAYOUT}/2024/05/f.json.gz")));
        assert!(!range.keeps(&format!("{LAYOUT}/2023/f.json.gz")));
        assert!(range.keeps("elsewhere/f.json.gz"));
        let april = ((2024, 4, 1), (2024, 4, 30));
        assert!(!range.overlaps(april));
        assert!(DayRange::default().overlaps(april));
        let since_only = DayRange {
            since: Some((2024, 4, 30)),
            until: None,
        };
        assert!(since_only.overlaps(april));
    }
}
