//! CloudWatch Logs filter patterns: parse, print, evaluate and compile them exactly as AWS does.
//!
//! No AWS or I/O dependency: this crate only answers "which log events does this pattern match?".
//!
//! The pipeline's files are its stages: `lex` → [`parse`] (→ [`ast::Pattern`]) →
//! `print` (canonical `Display`) → [`compile()`] ([`CompiledPattern`]) → `eval`
//! ([`CompiledPattern::matches`]) → [`PatternSet`] (many patterns, one pass) → [`metric`]
//! (published values). The semantics follow `filter-pattern-language.md`; every choice where it
//! is silent is documented next to the code that makes it.
//!
//! ```
//! let p = filter_pattern::compile(r#"{ $.eventName = "ConsoleLogin" && $.errorMessage = "Failed authentication" }"#).unwrap();
//! assert!(p.matches(r#"{"eventName":"ConsoleLogin","errorMessage":"Failed authentication"}"#));
//! assert!(!p.matches(r#"{"eventName":"ConsoleLogin"}"#));
//! ```

pub mod ast;
mod cases;
mod compile;
mod dialect;
mod error;
mod eval;
mod explain;
mod fields;
mod json;
mod lex;
pub mod metric;
mod number;
mod parse;
mod print;
mod set;

pub use cases::eval_case_line;
pub use compile::{compile, CompiledPattern};
pub use error::ParseError;
pub use explain::explain;
pub use metric::{MetricDatum, MetricError, MetricTransformation};
pub use parse::{parse, MAX_PATTERN_CHARS, MAX_REGEXES, MAX_WILDCARD_SELECTORS};
pub use set::{Field, PatternSet, SetScratch};
