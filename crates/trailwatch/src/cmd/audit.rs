//! `trailwatch audit`: judge an account's monitoring chain against a CIS benchmark.
//!
//! Two steps: get a [`Snapshot`] (from a file, the embedded demo, or the live
//! account), then evaluate and render it. Only the first step differs between sources.

use anyhow::{anyhow, Context};
use audit::{AuditOptions, Config, Date, PatternMode};
use cis_catalogue::Benchmark;
use clap::Args;
use snapshot::Snapshot;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The demo account, embedded so `trailwatch audit --demo` works from any directory.
const DEMO_SNAPSHOT: &str = include_str!("../../demo/demo-snapshot.json");

/// The config file read when `--config` is not given, if it exists.
const DEFAULT_CONFIG: &str = "trailwatch.toml";

/// Arguments of `trailwatch audit`.
///
/// Exit codes: 0 every control passed; 1 a control failed (and none errored); 2 a control could
/// not be verified (ERROR), or some need a person's judgement (MANUAL) and none failed, or bad
/// usage.
#[derive(Args)]
pub struct AuditArgs {
    /// Audit a saved snapshot (from `trailwatch collect`) instead of the live account.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    snapshot: Option<PathBuf>,
    /// Audit the built-in demo account (no AWS access needed).
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    judge: JudgeArgs,
    /// Output format: table, json, ocsf, asff, sarif, junit or csv.
    #[arg(long, default_value = "table")]
    format: String,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// How to reach the live account, audited when neither --snapshot nor --demo is given.
    #[cfg(feature = "aws")]
    #[command(flatten)]
    aws: super::collect::AwsArgs,
}

/// How controls are judged; shared by `audit` and `fix` so both reach the same verdicts.
#[derive(Args)]
pub struct JudgeArgs {
    /// The benchmark version, e.g. 7.0.0, v3.0.0 or 1.4 (default: the latest).
    #[arg(long, value_name = "VERSION")]
    benchmark: Option<String>,
    /// Require filter patterns to be the benchmark's text (up to operand order, quoting,
    /// parentheses and whitespace), as Security Hub does, instead of judging them by meaning.
    #[arg(long)]
    strict_text: bool,
    /// Judge only chains inside the audited account: a chain that continues in another account
    /// (e.g. an organization trail delivering to the management account) counts as broken
    /// instead of making the control MANUAL.
    #[arg(long)]
    local_only: bool,
    /// Accepted exceptions (default: ./trailwatch.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl JudgeArgs {
    /// The benchmark asked for, or the latest.
    pub fn benchmark(&self) -> anyhow::Result<Benchmark> {
        match &self.benchmark {
            Some(text) => text
                .parse::<Benchmark>()
                .map_err(|e| anyhow!("--benchmark: {e}")),
            None => Ok(Benchmark::latest()),
        }
    }

    /// Pattern mode, today's date and the accepted exceptions.
    pub fn options(&self) -> anyhow::Result<AuditOptions> {
        let mut options = AuditOptions::new(Date::today_utc());
        if self.strict_text {
            options.pattern_mode = PatternMode::StrictText;
        }
        options.local_only = self.local_only;
        let config = match &self.config {
            Some(path) => Some(Config::load(path).map_err(|e| anyhow!(e))?),
            None if Path::new(DEFAULT_CONFIG).is_file() => {
                Some(Config::load(Path::new(DEFAULT_CONFIG)).map_err(|e| anyhow!(e))?)
            }
            None => None,
        };
        if let Some(config) = config {
            options.exceptions = config.exceptions;
        }
        Ok(options)
    }
}

/// Runs `trailwatch audit`.
pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let benchmark = args.judge.benchmark()?;
    let format: report::Format = args.format.parse().map_err(|e| anyhow!("--format: {e}"))?;
    let options = args.judge.options()?;
    let snapshot = obtain_snapshot(&args)?;
    let report = audit::evaluate(&snapshot, benchmark, &options);

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let mut render_options = report::RenderOptions::new(std::time::SystemTime::now());
    render_options.color = report::color_wanted(to_terminal);
    let text = report::render(&report, format, &render_options);
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            let s = report.summary;
            eprintln!(
                "wrote {}: {} pass, {} fail, {} manual, {} error",
                path.display(),
                s.pass,
                s.fail,
                s.manual,
                s.error
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(e).context("writing the report to stdout")
                }
                _ => {}
            }
        }
    }
    Ok(ExitCode::from(report.exit_code()))
}

/// The snapshot to audit: a file, the demo, or (with the `aws` feature) the live account.
fn obtain_snapshot(args: &AuditArgs) -> anyhow::Result<Snapshot> {
    if args.demo {
        return Snapshot::from_json(DEMO_SNAPSHOT).context("the embedded demo snapshot");
    }
    match &args.snapshot {
        Some(path) => read_snapshot(path),
        #[cfg(feature = "aws")]
        None => super::collect::collect_snapshot(&args.aws),
        #[cfg(not(feature = "aws"))]
        None => Err(anyhow!(
            "say what to audit: --snapshot FILE (from `trailwatch collect`) or --demo"
        )),
    }
}

/// Reads a snapshot file, naming the file in any error.
pub fn read_snapshot(path: &Path) -> anyhow::Result<Snapshot> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Snapshot::from_json(&text).with_context(|| format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_demo_snapshot_reads() {
        let snapshot = Snapshot::from_json(DEMO_SNAPSHOT).unwrap();
        assert_eq!(snapshot.caller.account_id, "111122223333");
    }
}
