//! The terminal report: a header, one block per control in catalogue order, a summary line.
//!
//! ```text
//! FAIL    4.1  Ensure unauthorized API calls are monitored
//!         level 1, automated: no metric filter on the trail's log group catches ...
//!         candidate (FAIL): trail main (us-east-1) -> log group trail-logs (us-east-1)
//!           broken at metric filter: trail-logs: no filter catches the events
//! ```
//!
//! A control shows at most [`RenderOptions::max_candidates`] candidate chains, best first, and
//! says how many more there are. Every line is wrapped to [`RenderOptions::width`]; continuation lines are indented under
//! their text. Colour (ANSI SGR) marks only the status word and only when
//! [`RenderOptions::color`] is set, so piped output stays plain.

use audit::{AuditReport, PatternMode, Status};

use crate::evidence::{assessment_name, details_with};
use crate::RenderOptions;

/// Where a control's explanation starts: after the status column (`MANUAL` plus two spaces).
const BODY_INDENT: usize = 8;

/// The narrowest width the table wraps at; below it wrapped text is unreadable.
const MIN_WIDTH: usize = 40;

/// Renders the terminal report.
pub fn render(report: &AuditReport, options: &RenderOptions) -> String {
    let width = options.width.max(MIN_WIDTH);
    let mut out = String::new();
    let regions = if report.regions.is_empty() {
        "no regions".to_string()
    } else {
        format!("regions {}", report.regions.join(", "))
    };
    push_wrapped(
        &mut out,
        &format!(
            "CIS AWS Foundations Benchmark {} - account {} ({}) - {regions}",
            report.benchmark, report.account_id, report.partition
        ),
        "",
        "  ",
        width,
    );
    let mode = match report.pattern_mode {
        PatternMode::Semantic => "Filter patterns judged by meaning (semantic mode).",
        PatternMode::StrictText => {
            "Filter patterns judged by text, like Security Hub (strict-text mode)."
        }
    };
    push_wrapped(&mut out, mode, "", "  ", width);
    if let Some(collected_at) = &report.collected_at {
        push_wrapped(
            &mut out,
            &format!("Snapshot collected at {collected_at}."),
            "",
            "  ",
            width,
        );
    }

    let body = " ".repeat(BODY_INDENT);
    for finding in &report.findings {
        out.push('\n');
        let status = finding.status.to_string();
        let padding = " ".repeat(BODY_INDENT - status.len());
        let heading = format!("{}  {}", finding.control_id, finding.title);
        let wrapped = wrap(&heading, width - BODY_INDENT, "", "     ");
        for (index, line) in wrapped.iter().enumerate() {
            if index == 0 {
                out.push_str(&paint(finding.status, &status, options.color));
                out.push_str(&padding);
            } else {
                out.push_str(&body);
            }
            out.push_str(line);
            out.push('\n');
        }
        let assessment = assessment_name(finding.assessment);
        push_wrapped(
            &mut out,
            &format!("level {}, {assessment}: {}", finding.level, finding.reason),
            &body,
            &format!("{body}  "),
            width,
        );
        for detail in details_with(finding, options.max_candidates) {
            let indent = format!("{body}{}", "  ".repeat(detail.depth));
            push_wrapped(
                &mut out,
                &format!("{}: {}", detail.label, detail.text),
                &indent,
                &format!("{indent}    "),
                width,
            );
        }
    }

    let summary = &report.summary;
    let counts = [
        (Status::Pass, summary.pass),
        (Status::Fail, summary.fail),
        (Status::Manual, summary.manual),
        (Status::Error, summary.error),
    ]
    .map(|(status, count)| {
        format!(
            "{count} {}",
            paint(status, &status.to_string(), options.color && count > 0)
        )
    });
    out.push('\n');
    out.push_str(&format!(
        "Summary: {} controls: {}\n",
        report.findings.len(),
        counts.join(", ")
    ));
    out
}

/// Wraps `text` to `width` columns and appends the lines to `out`.
fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    for line in wrap(text, width, first, rest) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// Wraps `text` to `width` columns with the given indents. Lines break only at spaces, never at
/// hyphens, so ARNs and names stay whole and copyable; a word longer than a whole line (a long
/// ARN, witness JSON) is broken so no line overflows.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let options = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|line| line.trim_end().to_string())
        .collect()
}

/// `text` in the status's colour when `color` is set: PASS green, FAIL red, MANUAL yellow,
/// ERROR bold magenta.
fn paint(status: Status, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match status {
        Status::Pass => "32",
        Status::Fail => "31",
        Status::Manual => "33",
        Status::Error => "1;35",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
