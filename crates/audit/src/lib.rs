//! The audit engine: judges an account [`snapshot::Snapshot`] against the CIS AWS Foundations
//! Benchmark monitoring controls and explains every verdict with the chain it found (or where
//! each candidate chain breaks). Pure: it never calls AWS.
//!
//! ```text
//! snapshot + catalogue ──evaluate──▶ AuditReport { findings: [Finding { status, reason, evidence }] }
//! ```
//!
//! The stages of one metric-filter control are its modules: `trail` (does a trail
//! record every management event and deliver it to CloudWatch Logs), `pattern` (does a filter
//! catch the events), `alarm` (does one event set the alarm off), `topic` (can CloudWatch
//! publish, and is someone subscribed); `engine` walks the chains and decides.
//!
//! Decisions, each pinned by a test:
//! - Verdict precedence: PASS if one chain is complete and verified; else ERROR if a candidate
//!   could not be verified for want of data; else MANUAL if one needs a person; else FAIL.
//! - A link that could not be read (a trail's status or selectors) does not stop the walk: if a
//!   later link is verifiably broken the chain FAILs anyway; if the chain reaches a subscriber
//!   it is ERROR. A missing resource with no collection error is ERROR ("not collected"); a log
//!   group or topic AWS reported as missing (`missing_log_groups`, `missing_topics`) is FAIL.
//! - A chain that continues in another account (an organization trail delivering to the
//!   management account) cannot be verified: MANUAL, or FAIL with
//!   [`AuditOptions::local_only`].
//! - A latest CloudWatch Logs delivery error on a trail is a warning (AWS keeps the last error
//!   after delivery recovers); a metric value taken from the event (`$.field`) or a metric-math
//!   alarm needs a person; an alarm period over an hour is a warning.
//! - Filters are judged by meaning ([`PatternMode::Semantic`]) unless
//!   [`PatternMode::StrictText`] is asked for; undecidable coverage is MANUAL, never PASS.
//! - A filter that matches nearly every event keeps its alarm in ALARM, so it does not notify
//!   about a control's events: it counts only for a control whose benchmark text itself was
//!   like that (unauthorized API calls, CIS v1.4.0–v3.0.0), with a warning.
//! - An accepted exception (`trailwatch.toml`) only excuses a filter that verifiably misses
//!   events, and only until its expiry day.

mod alarm;
pub mod config;
mod engine;
pub mod finding;
pub mod pattern;
mod topic;
mod trail;

pub use config::{Config, Date, Exception};
pub use engine::{evaluate, evaluate_control, AuditOptions};
pub use finding::*;
