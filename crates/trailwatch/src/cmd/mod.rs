//! One module per subcommand; each owns its clap arguments and its `run` function.

pub mod audit;
#[cfg(feature = "aws")]
pub mod collect;
pub mod controls;
pub mod coverage;
pub mod fix;
pub mod pattern;
pub mod policy;
pub mod replay;
