//! CSV, one row per control, for spreadsheets: RFC 4180 (comma separated, CRLF line ends,
//! fields quoted when they hold a comma, quote, CR or LF, quotes doubled), with a header row.
//!
//! Columns: see [`HEADER`]. `resources` lists the ARNs the finding concerns separated by
//! spaces; `details` is the evidence, one `label: text` per line inside the quoted field.
//! Values are written as they are: a cell starting with `=` is not defused, so open untrusted
//! output in a spreadsheet as text.

use audit::AuditReport;

use crate::evidence::{assessment_name, details_text, resources};

/// The header row.
pub const HEADER: [&str; 14] = [
    "account_id",
    "benchmark",
    "control_id",
    "topic",
    "title",
    "level",
    "assessment",
    "status",
    "reason",
    "resources",
    "details",
    "exception",
    "rationale",
    "remediation",
];

/// Renders the CSV document.
pub fn render(report: &AuditReport) -> String {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    write_rows(report, &mut writer)
        .expect("writing CSV into memory cannot fail: every row has the header's length");
    let bytes = writer
        .into_inner()
        .expect("flushing CSV into memory cannot fail");
    String::from_utf8(bytes).expect("CSV built from Rust strings is UTF-8")
}

/// Writes the header and one row per finding.
fn write_rows(report: &AuditReport, writer: &mut ::csv::Writer<Vec<u8>>) -> ::csv::Result<()> {
    writer.write_record(HEADER)?;
    for finding in &report.findings {
        let resources: Vec<String> = resources(report, finding)
            .into_iter()
            .map(|resource| resource.id)
            .collect();
        let exception = finding
            .exception
            .as_ref()
            .map(|exception| {
                format!(
                    "{} until {}{} ({}): {}",
                    exception.filter,
                    exception.expires,
                    if exception.expired { " EXPIRED" } else { "" },
                    exception.owner,
                    exception.justification
                )
            })
            .unwrap_or_default();
        writer.write_record([
            report.account_id.as_str(),
            finding.benchmark.as_str(),
            finding.control_id.as_str(),
            finding.topic.as_str(),
            finding.title.as_str(),
            &finding.level.to_string(),
            assessment_name(finding.assessment),
            &finding.status.to_string(),
            finding.reason.as_str(),
            &resources.join(" "),
            details_text(finding).trim_end(),
            &exception,
            finding.rationale.as_str(),
            finding.remediation.as_str(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
