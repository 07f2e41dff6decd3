//! One module per subcommand; each owns its clap arguments and its `run` function.

pub mod pattern;
