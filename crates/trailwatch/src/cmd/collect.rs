//! `trailwatch collect`: read the account's monitoring chain and write the snapshot JSON.
//!
//! The AWS connection arguments ([`AwsArgs`]) and [`collect_snapshot`] are shared with the live
//! `trailwatch audit`.

use anyhow::Context;
use aws_collect::{CollectOptions, Progress};
use clap::Args;
use snapshot::Snapshot;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

/// How to reach the AWS account: the standard credential chain and region, with overrides.
/// `AWS_ENDPOINT_URL` (the SDK's standard variable) points every call at another endpoint.
#[derive(Args, Debug, Clone)]
pub struct AwsArgs {
    /// The named profile to use (default: the standard credential chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// The region for account-wide calls (default: the configured region, else us-east-1).
    #[arg(long)]
    pub region: Option<String>,
    /// Comma-separated regions to read (default: every enabled region, from account:ListRegions).
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
}

/// Arguments of `trailwatch collect`.
#[derive(Args)]
pub struct CollectArgs {
    /// Where to write the snapshot JSON (default: stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    aws: AwsArgs,
}

/// Runs `trailwatch collect`. Exit code 2 when any read failed (the snapshot is still written,
/// with the failures listed in its `errors`), 0 otherwise.
pub fn run(args: CollectArgs) -> anyhow::Result<ExitCode> {
    let snapshot = collect_snapshot(&args.aws)?;
    let json = snapshot.to_json();
    match &args.output {
        Some(path) => std::fs::write(path, json + "\n")
            .with_context(|| format!("writing the snapshot to {}", path.display()))?,
        None => println!("{json}"),
    }
    if snapshot.errors.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "warning: {} read(s) failed; they are listed under \"errors\" in the snapshot",
            snapshot.errors.len()
        );
        Ok(ExitCode::from(2))
    }
}

/// Collects a snapshot live, drawing progress on stderr when it is a terminal and printing the
/// collector's warnings there.
pub fn collect_snapshot(args: &AwsArgs) -> anyhow::Result<Snapshot> {
    let options = CollectOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        regions: args.regions.clone(),
        ..CollectOptions::default()
    };
    let collection = if std::io::stderr().is_terminal() {
        let line = ProgressLine::default();
        let result = aws_collect::collect_blocking(&options, &line);
        line.clear();
        result
    } else {
        aws_collect::collect_blocking(&options, &aws_collect::NoProgress)
    }?;
    for warning in &collection.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(collection.snapshot)
}

/// A one-line progress display on a terminal's stderr: the current stage and the calls made.
#[derive(Default)]
struct ProgressLine {
    stage: Mutex<String>,
}

impl ProgressLine {
    fn draw(&self, done: Option<usize>) {
        let stage = self.stage.lock().expect("no panics while drawing").clone();
        let calls = done
            .map(|n| format!(", {n} calls done"))
            .unwrap_or_default();
        let mut stderr = std::io::stderr().lock();
        // Errors writing progress are not worth failing the collection for.
        let _ = write!(stderr, "\r\x1b[2Kcollecting: {stage}{calls}");
        let _ = stderr.flush();
    }

    fn clear(&self) {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}

impl Progress for ProgressLine {
    fn stage(&self, name: &str, items: usize) {
        *self.stage.lock().expect("no panics while drawing") = format!("{name} ({items})");
        self.draw(None);
    }

    fn call_finished(&self, done: usize) {
        self.draw(Some(done));
    }
}
