//! Renders an [`audit::AuditReport`] for people and for other tools.
//!
//! One entry point, [`render`] (or [`write_report`] for a writer), and one [`Format`] per
//! consumer:
//!
//! | format  | for                                   | shape                                                   |
//! |---------|---------------------------------------|---------------------------------------------------------|
//! | `table` | a person at a terminal                | one block per control, then a summary line              |
//! | `json`  | scripts                               | the report itself plus `schema_version` (see [`json`])  |
//! | `ocsf`  | security lakes / SIEMs                | JSON array of OCSF 1.3.0 Compliance Findings ([`ocsf`]) |
//! | `asff`  | AWS Security Hub `BatchImportFindings`| `{"Findings": [...]}` ([`asff`])                        |
//! | `sarif` | code-scanning style viewers           | SARIF 2.1.0 log, one result per control ([`sarif`])     |
//! | `junit` | CI test reports                       | JUnit XML, one test case per control ([`junit`])        |
//! | `csv`   | spreadsheets                          | RFC 4180 CSV, one row per control ([`csv`])             |
//!
//! Rendering is pure and deterministic: the time stamped into the documents comes from
//! [`RenderOptions::generated_at`], never from the clock.

pub mod asff;
pub mod csv;
mod evidence;
pub mod json;
pub mod junit;
pub mod ocsf;
pub mod sarif;
pub mod table;

use std::fmt;
use std::io;
use std::str::FromStr;
use std::time::SystemTime;

use audit::AuditReport;

/// The product name stamped into every machine-readable format.
pub const PRODUCT_NAME: &str = "trailwatch";

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A readable terminal report.
    Table,
    /// The report as versioned JSON.
    Json,
    /// OCSF 1.3.0 Compliance Findings (class 2003).
    Ocsf,
    /// AWS Security Finding Format, shaped like a `BatchImportFindings` request.
    Asff,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// RFC 4180 CSV.
    Csv,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Json,
        Format::Ocsf,
        Format::Asff,
        Format::Sarif,
        Format::Junit,
        Format::Csv,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ocsf => "ocsf",
            Format::Asff => "asff",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        write!(
            f,
            "unknown output format `{}` (expected one of: {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses a format name, ignoring ASCII case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        let wanted = s.trim();
        Format::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// What the caller decides for a rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour the table's statuses with ANSI escapes (see [`color_wanted`]). Other formats
    /// ignore it.
    pub color: bool,
    /// The column the table wraps at (clamped to at least 40).
    pub width: usize,
    /// How many candidate chains the table shows per control (best first; a line says how
    /// many more there are). `None` shows all. Other formats always carry every candidate.
    pub max_candidates: Option<usize>,
    /// When the report was produced; stamped into every format that carries a time.
    pub generated_at: SystemTime,
    /// The product version stamped into OCSF, ASFF, SARIF and JSON output.
    pub tool_version: String,
    /// The Security Hub region the ASFF findings are imported into (it is part of
    /// `ProductArn`). When absent, the first of the report's regions is used, and `us-east-1`
    /// when the report names none.
    pub import_region: Option<String>,
}

impl RenderOptions {
    /// Options for a report produced at `generated_at`: no colour, 100 columns, at most 5
    /// candidate chains per control in the table, this crate's
    /// version as the tool version, the import region derived from the report.
    pub fn new(generated_at: SystemTime) -> RenderOptions {
        RenderOptions {
            color: false,
            width: 100,
            max_candidates: Some(5),
            generated_at,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            import_region: None,
        }
    }

    /// [`RenderOptions::generated_at`] as milliseconds since the Unix epoch (0 before it).
    fn epoch_millis(&self) -> i64 {
        self.generated_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }

    /// [`RenderOptions::generated_at`] as RFC 3339 in UTC with millisecond precision, e.g.
    /// `2026-11-22T18:46:41.000Z` (the form ASFF's examples use).
    fn rfc3339(&self) -> String {
        let millis = self.epoch_millis();
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        at.format(&format)
            .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
    }
}

/// Whether the table should be coloured: only on a terminal, and never when the `NO_COLOR`
/// environment variable is set to a non-empty value (<https://no-color.org>).
pub fn color_wanted(is_tty: bool) -> bool {
    color_wanted_with(is_tty, std::env::var_os("NO_COLOR").as_deref())
}

/// [`color_wanted`] with the `NO_COLOR` value passed in, so it can be tested without touching
/// the process environment.
fn color_wanted_with(is_tty: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    let disabled = no_color.is_some_and(|value| !value.is_empty());
    is_tty && !disabled
}

/// Renders `report` in `format`.
pub fn render(report: &AuditReport, format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Table => table::render(report, options),
        Format::Json => json::render(report, options),
        Format::Ocsf => ocsf::render(report, options),
        Format::Asff => asff::render(report, options),
        Format::Sarif => sarif::render(report, options),
        Format::Junit => junit::render(report, options),
        Format::Csv => csv::render(report),
    }
}

/// Renders `report` in `format` into `out`.
pub fn write_report(
    report: &AuditReport,
    format: Format,
    options: &RenderOptions,
    out: &mut impl io::Write,
) -> io::Result<()> {
    out.write_all(render(report, format, options).as_bytes())
}

/// The region a report is filed under: [`RenderOptions::import_region`], else the first of the
/// report's regions, else `us-east-1` (the region AWS treats as global's home).
fn home_region(report: &AuditReport, options: &RenderOptions) -> String {
    options
        .import_region
        .clone()
        .or_else(|| report.regions.first().cloned())
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// Pretty-prints a JSON value followed by a newline. The values rendered here are built from
/// strings, numbers and maps only, so serialisation cannot fail.
fn to_json_text(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value)
        .expect("serialising an in-memory JSON document cannot fail");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::time::Duration;

    #[test]
    fn format_names_round_trip_and_ignore_case() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
            assert_eq!(format.name().to_uppercase().parse::<Format>(), Ok(format));
        }
        let error = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown output format `xml` (expected one of: table, json, ocsf, asff, sarif, junit, csv)"
        );
    }

    #[test]
    fn color_needs_a_tty_and_no_no_color() {
        assert!(color_wanted_with(true, None));
        assert!(!color_wanted_with(false, None));
        assert!(!color_wanted_with(true, Some(OsStr::new("1"))));
        // The convention: an empty NO_COLOR does not disable colour.
        assert!(color_wanted_with(true, Some(OsStr::new(""))));
    }

    #[test]
    fn times_are_utc_rfc3339_with_millis() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_779_475_601_123);
        let options = RenderOptions::new(at);
        assert_eq!(options.epoch_millis(), 1_779_475_601_123);
        assert_eq!(options.rfc3339(), "2026-05-22T18:46:41.123Z");
        let before_epoch = RenderOptions::new(SystemTime::UNIX_EPOCH - Duration::from_secs(5));
        assert_eq!(before_epoch.rfc3339(), "1970-01-01T00:00:00.000Z");
    }
}
