//! CloudWatch Logs filter patterns: parse, print, evaluate and compile them exactly as AWS does.
//!
//! No AWS or I/O dependency: this crate only answers "which log events does this pattern match?".

pub mod ast;
