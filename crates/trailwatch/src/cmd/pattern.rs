//! `trailwatch pattern ...`: the filter-pattern language from the command line.

use clap::Subcommand;
use std::process::ExitCode;

/// The `pattern` subcommands.
#[derive(Subcommand)]
pub enum PatternCommand {
    /// Check that a pattern is valid and print its canonical form and meaning.
    Check {
        /// The filter pattern.
        pattern: String,
    },
}

/// Runs a `pattern` subcommand.
pub fn run(command: PatternCommand) -> anyhow::Result<ExitCode> {
    match command {
        PatternCommand::Check { pattern } => {
            anyhow::bail!("pattern check is being built: {pattern}")
        }
    }
}
