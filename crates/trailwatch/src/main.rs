//! `trailwatch`: the thin command-line front end over the workspace's crates.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;

/// Checks that every security-relevant API call in an AWS account reaches a human, the way the
/// CIS AWS Foundations Benchmark "Monitoring" section asks: trail, log group, metric filter,
/// alarm, SNS topic, confirmed subscriber.
///
/// Exit codes: 0 everything passed; 1 a control failed (or a pattern did not match / cover);
/// 2 an error, a control that could not be verified, or bad usage.
#[derive(Parser)]
#[command(name = "trailwatch", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with CloudWatch Logs filter patterns offline: check, test, eval, covers, lint.
    #[command(subcommand)]
    Pattern(cmd::pattern::PatternCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Pattern(command) => cmd::pattern::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
