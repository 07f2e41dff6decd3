//! JUnit XML, the report format CI systems read: one `<testsuite>` for the benchmark, one
//! `<testcase>` per control.
//!
//! - PASS → a plain test case; its passing chain goes to `<system-out>`.
//! - FAIL → `<failure message="reason" type="FAIL">` with the evidence as text.
//! - ERROR → `<error message="reason" type="ERROR">` with the evidence as text.
//! - MANUAL → `<skipped message="reason"/>`, the evidence in `<system-out>`: a person must
//!   judge, which CI shows as skipped rather than green or red.
//!
//! `classname` is `cis-aws-foundations-benchmark.<benchmark>` and `name` is
//! `<control id> <title>`, so CI groups the controls under the benchmark. Every attribute and
//! text is XML-escaped; characters XML 1.0 cannot carry at all (most control characters) are
//! replaced with U+FFFD.

use audit::{AuditReport, Status};

use crate::evidence::{details_text, standard_name};
use crate::RenderOptions;

/// Renders the JUnit XML document.
pub fn render(report: &AuditReport, options: &RenderOptions) -> String {
    let summary = &report.summary;
    let tests = report.findings.len();
    let suite = format!(
        "{} (account {})",
        standard_name(&report.benchmark),
        report.account_id
    );
    let classname = format!("cis-aws-foundations-benchmark.{}", report.benchmark);
    let timestamp = options.rfc3339();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"trailwatch\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">\n",
        summary.fail,
        summary.error,
        summary.manual,
        escape(&timestamp),
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">\n",
        escape(&suite),
        summary.fail,
        summary.error,
        summary.manual,
        escape(&timestamp),
    ));
    xml.push_str("    <properties>\n");
    for (name, value) in [
        ("benchmark", report.benchmark.as_str()),
        ("account_id", report.account_id.as_str()),
        ("partition", report.partition.as_str()),
    ] {
        xml.push_str(&format!(
            "      <property name=\"{name}\" value=\"{}\"/>\n",
            escape(value)
        ));
    }
    xml.push_str("    </properties>\n");
    for finding in &report.findings {
        let name = format!("{} {}", finding.control_id, finding.title);
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n",
            escape(&classname),
            escape(&name)
        ));
        let details = details_text(finding);
        let message = escape(&finding.reason);
        match finding.status {
            Status::Pass => {}
            Status::Fail => xml.push_str(&format!(
                "      <failure message=\"{message}\" type=\"FAIL\">{}</failure>\n",
                escape_text(&details)
            )),
            Status::Error => xml.push_str(&format!(
                "      <error message=\"{message}\" type=\"ERROR\">{}</error>\n",
                escape_text(&details)
            )),
            Status::Manual => xml.push_str(&format!("      <skipped message=\"{message}\"/>\n")),
        }
        if matches!(finding.status, Status::Pass | Status::Manual) && !details.is_empty() {
            xml.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                escape_text(&details)
            ));
        }
        xml.push_str("    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// Escapes text for element content: like [`escape`], but newlines and tabs stay as they are.
fn escape_text(text: &str) -> String {
    escape(text).replace("&#10;", "\n").replace("&#9;", "\t")
}

/// Escapes text for an XML attribute value. Newlines and tabs are written as character
/// references so the value keeps them (a parser would normalise literal ones to spaces);
/// characters not allowed in XML 1.0 become U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if allowed_in_xml(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Whether XML 1.0 allows the character (its `Char` production).
fn allowed_in_xml(c: char) -> bool {
    matches!(c,
        '\u{9}' | '\u{A}' | '\u{D}'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::{escape, escape_text};

    #[test]
    fn escapes_markup_quotes_newlines_and_forbidden_characters() {
        assert_eq!(
            escape("a<b>&\"c\"'d'\nline\u{1}end"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#10;line\u{FFFD}end"
        );
        assert_eq!(escape("plain ✓ text"), "plain ✓ text");
        assert_eq!(escape_text("a\n\tb<"), "a\n\tb&lt;");
    }
}
