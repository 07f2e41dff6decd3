//! `trailwatch`: the thin command-line front end over the workspace's crates.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;

/// Checks that every security-relevant API call in an AWS account reaches a human, the way the
/// CIS AWS Foundations Benchmark "Monitoring" section asks: trail, log group, metric filter,
/// alarm, SNS topic, confirmed subscriber.
///
/// Exit codes: 0 everything passed; 1 a control failed (or a pattern did not match / cover);
/// 2 an error, a control that could not be verified, or bad usage; 3 a replay that could not
/// read all of its input (partial).
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
    /// List the CIS monitoring controls of a benchmark version, or explain one.
    Controls(cmd::controls::ControlsArgs),
    /// Audit the monitoring chain against a CIS benchmark: from a snapshot file (--snapshot) or
    /// the built-in demo (--demo). Exit 0 all pass, 1 a control failed, 2 a control errored or
    /// (with no failure) needs a person's judgement.
    Audit(cmd::audit::AuditArgs),
    /// Read the account's monitoring chain from AWS and write the snapshot JSON.
    #[cfg(feature = "aws")]
    Collect(cmd::collect::CollectArgs),
    /// Print the least-privilege IAM policy for a live audit (or for `fix --apply`).
    Policy(cmd::policy::PolicyArgs),
    /// Replay CloudTrail history through the CIS (or deployed) filters and their alarms.
    /// Exit code 3: the replay is partial (some input could not be read).
    Replay(cmd::replay::ReplayArgs),
    /// Plan the changes that close the failing controls; apply them (--apply) or write them as
    /// Terraform, CloudFormation or AWS CLI commands (--emit).
    Fix(cmd::fix::FixArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Pattern(command) => cmd::pattern::run(command),
        Command::Controls(args) => cmd::controls::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        #[cfg(feature = "aws")]
        Command::Collect(args) => cmd::collect::run(args),
        Command::Policy(args) => cmd::policy::run(args),
        Command::Replay(args) => cmd::replay::run(args),
        Command::Fix(args) => cmd::fix::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
