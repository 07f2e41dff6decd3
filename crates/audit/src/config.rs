//! `trailwatch.toml`: accepted exceptions, and the calendar date they expire on.
//!
//! ```toml
//! [[exception]]
//! control = "5.1"                 # a control id, or a topic slug such as "unauthorized-api-calls"
//! filter = "UnauthorizedAPICalls"   # the metric filter whose gap is accepted
//! log_group = "CloudTrail/Default" # optional: only on this log group (name or ARN)
//! justification = "Batch jobs probe permissions; tracked in SEC-123"
//! owner = "secops@example.com"
//! expires = 2027-03-31             # a TOML date or a "YYYY-MM-DD" string; last day it applies
//! ```
//!
//! An exception accepts one thing only: that the named filter does not catch every event the
//! benchmark's pattern catches. It never excuses a missing alarm, topic or subscriber.

use serde::Deserialize;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A calendar date (proleptic Gregorian), used for exception expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
    /// The day of the month, 1–31.
    pub day: u8,
}

impl Date {
    /// Today's date in UTC, from the system clock.
    pub fn today_utc() -> Date {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date::from_days_since_epoch((seconds / 86_400) as i64)
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        let invalid = || format!("`{text}` is not a date of the form YYYY-MM-DD");
        let mut parts = text.trim().split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(invalid());
        }
        let year: i32 = y.parse().map_err(|_| invalid())?;
        let month: u8 = m.parse().map_err(|_| invalid())?;
        let day: u8 = d.parse().map_err(|_| invalid())?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(format!("`{text}`: month {month} does not exist")),
        };
        if day == 0 || day > days_in_month {
            return Err(format!("`{text}`: day {day} does not exist in that month"));
        }
        Ok(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An accepted exception: a metric filter whose gap a named owner accepted until a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// A control id (`5.1`) or topic slug (`unauthorized-api-calls`).
    pub control: String,
    /// The metric filter's name.
    pub filter: String,
    /// The log group (name or ARN) it is limited to, if any.
    pub log_group: Option<String>,
    /// Why the gap is accepted.
    pub justification: String,
    /// Who owns the decision.
    pub owner: String,
    /// The last day the exception applies.
    pub expires: Date,
}

/// The contents of `trailwatch.toml` that the audit uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The accepted exceptions, in file order.
    pub exceptions: Vec<Exception>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    exception: Vec<RawException>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    control: String,
    filter: String,
    #[serde(default)]
    log_group: Option<String>,
    justification: String,
    owner: String,
    expires: RawDate,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDate {
    Toml(toml::value::Datetime),
    Text(String),
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses config text; `origin` (usually the file name) prefixes every error.
    pub fn parse(text: &str, origin: &str) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let mut exceptions = Vec::with_capacity(raw.exception.len());
        for (index, raw) in raw.exception.into_iter().enumerate() {
            let key = |name: &str| format!("{origin}: exception[{index}].{name}");
            let expires = match raw.expires {
                RawDate::Toml(dt) => match (dt.date, dt.time) {
                    (Some(date), None) => Date::from_str(&date.to_string()),
                    _ => Err(format!("`{dt}` is not a plain date (YYYY-MM-DD)")),
                },
                RawDate::Text(text) => Date::from_str(&text),
            }
            .map_err(|e| format!("{}: {e}", key("expires")))?;
            for (name, value) in [
                ("control", &raw.control),
                ("filter", &raw.filter),
                ("justification", &raw.justification),
                ("owner", &raw.owner),
            ] {
                if value.trim().is_empty() {
                    return Err(format!("{}: must not be empty", key(name)));
                }
            }
            exceptions.push(Exception {
                control: raw.control,
                filter: raw.filter,
                log_group: raw.log_group,
                justification: raw.justification,
                owner: raw.owner,
                expires,
            });
        }
        Ok(Config { exceptions })
    }
}

impl Exception {
    /// Whether the exception still applies on `today` (it applies through its expiry day).
    pub fn is_active(&self, today: Date) -> bool {
        today <= self.expires
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
[[exception]]
control = "5.1"
filter = "unauthorized"
log_group = "CloudTrail/Default"
justification = "batch probes"
owner = "secops"
expires = 2027-03-31

[[exception]]
control = "root-usage"
filter = "root"
justification = "break-glass drill"
owner = "ciso"
expires = "2026-01-15"
"#;

    #[test]
    fn parses_toml_and_string_dates() {
        let config = Config::parse(VALID, "trailwatch.toml").unwrap();
        assert_eq!(config.exceptions.len(), 2);
        assert_eq!(config.exceptions[0].expires.to_string(), "2027-03-31");
        assert_eq!(
            config.exceptions[0].log_group.as_deref(),
            Some("CloudTrail/Default")
        );
        assert_eq!(config.exceptions[1].expires, "2026-01-15".parse().unwrap());
        assert_eq!(config.exceptions[1].log_group, None);
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let missing_owner = "[[exception]]\ncontrol = \"5.1\"\nfilter = \"f\"\njustification = \"j\"\nexpires = 2027-01-01\n";
        let err = Config::parse(missing_owner, "conf/trailwatch.toml").unwrap_err();
        assert!(err.starts_with("conf/trailwatch.toml:"), "{err}");
        assert!(err.contains("owner"), "{err}");

        let bad_date = VALID.replace("2027-03-31", "\"2027-02-30\"");
        let err = Config::parse(&bad_date, "t.toml").unwrap_err();
        assert!(err.contains("t.toml: exception[0].expires"), "{err}");

        let unknown = "[[exception]]\ncontrol = \"5.1\"\nfilter = \"f\"\njustification = \"j\"\nowner = \"o\"\nexpires = 2027-01-01\nexpiry = 1\n";
        let err = Config::parse(unknown, "t.toml").unwrap_err();
        assert!(err.contains("expiry"), "{err}");

        let empty = VALID.replace("owner = \"ciso\"", "owner = \" \"");
        let err = Config::parse(&empty, "t.toml").unwrap_err();
        assert!(err.contains("exception[1].owner"), "{err}");
    }

    #[test]
    fn an_exception_applies_through_its_expiry_day() {
        let config = Config::parse(VALID, "t").unwrap();
        let exception = &config.exceptions[0];
        assert!(exception.is_active("2027-03-31".parse().unwrap()));
        assert!(!exception.is_active("2027-04-01".parse().unwrap()));
    }

    #[test]
    fn dates_from_the_epoch() {
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_days_since_epoch(11_016).to_string(),
            "2000-02-29"
        );
        assert_eq!(
            Date::from_days_since_epoch(20_414).to_string(),
            "2025-11-22"
        );
        assert!(Date::today_utc().year >= 2025);
    }
}
