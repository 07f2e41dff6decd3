//! Days in CloudTrail's archive layout, for `--since/--until`: CloudTrail delivers each log
//! file under `AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/` (the UTC day of delivery),
//! so a whole day folder can be passed over without listing or opening what is inside.

/// A day as `(year, month, day)`.
pub type Day = (u16, u8, u8);

/// Inclusive bounds on the day in a file's key or path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    /// The first day kept.
    pub since: Option<Day>,
    /// The last day kept.
    pub until: Option<Day>,
}

impl DayRange {
    /// Whether `key` (an S3 key or a file path) may hold events of a kept day: keys without a
    /// day ([`key_day`]) are kept.
    pub fn keeps(&self, key: &str) -> bool {
        key_day(key).is_none_or(|day| self.contains(day))
    }

    /// Whether `day` is within the range.
    pub fn contains(&self, day: Day) -> bool {
        self.since.is_none_or(|since| day >= since) && self.until.is_none_or(|until| day <= until)
    }

    /// Whether the range bounds anything.
    pub fn is_bounded(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }
}

/// Reads `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Result<Day, String> {
    let bad = || format!("{text:?} is not a date (YYYY-MM-DD)");
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(bad());
    }
    let day: Day = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&day.1) || !(1..=31).contains(&day.2) {
        return Err(bad());
    }
    Ok(day)
}

/// The day of a key (`/`-separated; `\\` also separates, for Windows paths): the `YYYY/MM/DD`
/// right after its first `CloudTrail/REGION/` part, the layout CloudTrail writes.
///
/// Choice: keys in any other layout have no day (and are kept by every range), even when some
/// folder in them looks like a date: such a folder is the user's (a dated backup, a home
/// directory), not CloudTrail's, and skipping files on a guess could lose events.
pub fn key_day(key: &str) -> Option<Day> {
    let parts: Vec<&str> = key.split(['/', '\\']).collect();
    day_at(&parts, anchored_start(&parts)?)
}

/// The day of a folder (a key prefix ending in `/`, or a directory path) when every key below
/// it has that day ([`key_day`]): the folder is a day folder of CloudTrail's layout
/// (`.../CloudTrail/REGION/YYYY/MM/DD`), and the first one on its path.
pub fn folder_day(folder: &str) -> Option<Day> {
    let folder = folder.trim_end_matches(['/', '\\']);
    let parts: Vec<&str> = folder.split(['/', '\\']).collect();
    let start = anchored_start(&parts)?;
    // Below the day folder itself, any key has the same first `CloudTrail/REGION/YYYY/MM/DD`.
    (start + 3 == parts.len())
        .then(|| day_at(&parts, start))
        .flatten()
}

/// Where the first `CloudTrail/REGION/` part followed by a day is: the index of its year.
/// `CloudTrail-Digest/` and `CloudTrail-Insight/` (digest files, Insights events) count too.
fn anchored_start(parts: &[&str]) -> Option<usize> {
    let anchor = |part: &str| {
        matches!(
            part,
            "CloudTrail" | "CloudTrail-Digest" | "CloudTrail-Insight"
        )
    };
    (0..parts.len().saturating_sub(4))
        .find(|&i| anchor(parts[i]) && day_at(parts, i + 2).is_some())
        .map(|i| i + 2)
}

/// The day `parts[i..i + 3]` spell (`YYYY`, `MM`, `DD`), if they do.
fn day_at(parts: &[&str], i: usize) -> Option<Day> {
    let [y, m, d] = parts.get(i..i + 3)? else {
        return None;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return None;
    }
    let day: Day = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&day.1) && (1..=31).contains(&day.2)).then_some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: &str = "AWSLogs/o-abc/123456789012/CloudTrail/eu-west-1";

    #[test]
    fn parses_days() {
        assert_eq!(parse_day("2024-05-01"), Ok((2024, 5, 1)));
        for bad in [
            "2024-5-1",
            "24-05-01",
            "2024-13-01",
            "2024-05-00",
            "2024-05",
            "x",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_key_is_dated_by_its_cloudtrail_day_folder_first() {
        let key = format!("{LAYOUT}/2024/05/01/123_CloudTrail_eu-west-1_20240501T0000Z_x.json.gz");
        assert_eq!(key_day(&key), Some((2024, 5, 1)));
        // Dated folders of another layout do not count, above the layout or without it.
        let backup = format!("backups/2023/12/31/{key}");
        assert_eq!(key_day(&backup), Some((2024, 5, 1)));
        assert_eq!(key_day("copies/2023/12/31/x.json"), None);
        assert_eq!(key_day(&format!("{LAYOUT}/x.json")), None);
        let windows = r"C:\logs\AWSLogs\1\CloudTrail\us-east-1\2023\12\31\x.json";
        assert_eq!(key_day(windows), Some((2023, 12, 31)));
        assert_eq!(key_day(&format!("{LAYOUT}/2024/05/x.json")), None);
        assert_eq!(key_day("logs/2024/13/01/x.json"), None);
        assert_eq!(key_day("x.json"), None);
    }

    #[test]
    fn only_cloudtrail_day_folders_are_dated() {
        assert_eq!(
            folder_day(&format!("{LAYOUT}/2024/05/01/")),
            Some((2024, 5, 1))
        );
        assert_eq!(
            folder_day(&format!("/data/{LAYOUT}/2024/05/01")),
            Some((2024, 5, 1))
        );
        assert_eq!(folder_day(&format!("{LAYOUT}/2024/05/")), None);
        let digests = "AWSLogs/1/CloudTrail-Digest/eu-west-1/2024/05/01";
        assert_eq!(folder_day(digests), Some((2024, 5, 1)));
        assert_eq!(folder_day("backups/2023/12/31/"), None);
        // Below an earlier CloudTrail day folder, the keys have that folder's day.
        let nested = format!("{LAYOUT}/2024/05/01/CloudTrail/x/2024/06/01/");
        assert_eq!(folder_day(&nested), None);
        assert_eq!(key_day(&format!("{nested}f.json")), Some((2024, 5, 1)));
    }

    #[test]
    fn ranges_keep_undated_keys() {
        let range = DayRange {
            since: Some((2024, 5, 1)),
            until: Some((2024, 5, 31)),
        };
        assert!(range.is_bounded() && !DayRange::default().is_bounded());
        assert!(range.keeps(&format!("{LAYOUT}/2024/05/31/f.json.gz")));
        assert!(!range.keeps(&format!("{LAYOUT}/2024/06/01/f.json.gz")));
        assert!(!range.keeps(&format!("{LAYOUT}/2024/04/30/f.json.gz")));
        assert!(range.keeps("elsewhere/f.json.gz"));
    }
}
