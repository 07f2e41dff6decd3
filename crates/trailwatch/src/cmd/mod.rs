//! One module per subcommand; each owns its clap arguments and its `run` function.

pub mod audit;
pub mod controls;
pub mod coverage;
pub mod pattern;
#[cfg(feature = "aws")]
pub mod collect;
pub mod policy;
pub mod fix;
pub mod replay;
