//! `trailwatch controls [explain ID|SLUG]`: the CIS monitoring catalogue from the command line.

use anyhow::anyhow;
use cis_catalogue::{controls, find, Benchmark, Check, Control};
use clap::{Args, Subcommand};
use std::fmt::Write as _;
use std::process::ExitCode;

/// Arguments of `trailwatch controls`.
#[derive(Args)]
pub struct ControlsArgs {
    /// What to do; without a subcommand, list the controls.
    #[command(subcommand)]
    command: Option<ControlsCommand>,
    /// The benchmark version (`7.0.0`, `v1.4.0`, `1.4`).
    #[arg(long, global = true, default_value_t = Benchmark::latest())]
    benchmark: Benchmark,
}

/// The `controls` subcommands.
#[derive(Subcommand)]
enum ControlsCommand {
    /// Print one control in full: documentation, published patterns, remediation.
    Explain {
        /// The control's id in the chosen version (`5.4`) or its slug (`iam-policy-changes`).
        control: String,
    },
}

/// Runs `trailwatch controls`.
pub fn run(args: ControlsArgs) -> anyhow::Result<ExitCode> {
    let text = match args.command {
        None => list(args.benchmark),
        Some(ControlsCommand::Explain { control }) => {
            let found = find(args.benchmark, &control).ok_or_else(|| {
                let known: Vec<String> = controls(args.benchmark)
                    .iter()
                    .map(|c| format!("{} ({})", c.id, c.slug()))
                    .collect();
                anyhow!(
                    "CIS {} has no monitoring control {control:?}; it has: {}",
                    args.benchmark,
                    known.join(", ")
                )
            })?;
            explain(&found)
        }
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// One line per control: id, slug, level, assessment, title.
fn list(benchmark: Benchmark) -> String {
    let all = controls(benchmark);
    let id_width = all
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(0)
        .max("ID".len());
    let slug_width = all
        .iter()
        .map(|c| c.slug().len())
        .max()
        .unwrap_or(0)
        .max("SLUG".len());
    let mut out = format!("CIS AWS Foundations Benchmark {benchmark}: monitoring controls\n\n");
    let mut row = |id: &str, slug: &str, level: &str, assessment: &str, title: &str| {
        let line =
            format!("{id:id_width$}  {slug:slug_width$}  {level:5}  {assessment:10}  {title}");
        out.push_str(line.trim_end());
        out.push('\n');
    };
    row("ID", "SLUG", "LEVEL", "ASSESSMENT", "TITLE");
    for control in &all {
        let level = format!("L{}", control.level);
        row(
            control.id,
            control.slug(),
            &level,
            &control.assessment.to_string(),
            control.title,
        );
    }
    out
}

/// The full text of one control: header, published patterns, documentation, remediation.
fn explain(control: &Control) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the `let _` keeps that explicit.
    let _ = writeln!(
        out,
        "{} {}: {}",
        control.benchmark, control.id, control.title
    );
    let _ = writeln!(
        out,
        "slug: {}  level: {}  assessment: {}",
        control.slug(),
        control.level,
        control.assessment
    );
    let sources = control.topic.required_event_sources();
    if !sources.is_empty() {
        let _ = writeln!(out, "needs management events from: {}", sources.join(", "));
    }
    out.push('\n');
    match control.check {
        Check::MetricFilterAlarm { patterns } => {
            let _ = writeln!(out, "## Published patterns ({})\n", control.benchmark);
            for pattern in patterns {
                let _ = writeln!(out, "[{}]\n  {}", pattern.variant, pattern.text);
                if let Some(wrong) = pattern.known_wrong {
                    let _ = writeln!(out, "  known wrong: {}", wrong.why);
                    let _ = writeln!(out, "  intended:\n  {}", wrong.intended);
                }
                out.push('\n');
            }
        }
        Check::SecurityHubEnabled => {
            out.push_str("## Check\n\nSecurity Hub is enabled in every region in scope.\n\n");
        }
    }
    out.push_str(control.doc().trim_end());
    let _ = write!(
        out,
        "\n\n## Remediation steps ({})\n\n{}",
        control.benchmark, control.remediation
    );
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_a_header_and_one_row_per_control() {
        let text = list(Benchmark::V1_2_0);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("v1.2.0"));
        assert!(lines[2].starts_with("ID "));
        assert_eq!(lines.len(), 3 + 14);
        assert!(lines[3].starts_with("3.1 "), "{}", lines[3]);
        assert!(lines[3].contains("unauthorized-api-calls") && lines[3].contains("Automated"));
        assert!(lines.last().unwrap().starts_with("3.14"));
    }

    #[test]
    fn explain_shows_patterns_known_wrong_and_doc() {
        let control = find(Benchmark::V1_4_0, "4.1").unwrap();
        let text = explain(&control);
        assert!(text.starts_with("v1.4.0 4.1: Ensure a log metric filter"));
        assert!(text.contains("known wrong:") && text.contains("intended:"));
        assert!(text.contains("## What it checks") && text.contains("## How to fix"));
        assert!(text.contains("--filter-name cis-unauthorized-api-calls"));
    }

    #[test]
    fn explain_names_the_kms_event_source() {
        let control = find(Benchmark::V7_0_0, "cmk-disable-or-deletion").unwrap();
        assert!(explain(&control).contains("needs management events from: kms.amazonaws.com"));
    }

    #[test]
    fn unknown_control_is_an_error_listing_the_known_ones() {
        let args = ControlsArgs {
            command: Some(ControlsCommand::Explain {
                control: "9.9".into(),
            }),
            benchmark: Benchmark::V7_0_0,
        };
        let error = run(args).unwrap_err().to_string();
        assert!(
            error.contains("\"9.9\"") && error.contains("5.16 (security-hub-enabled)"),
            "{error}"
        );
    }
}
