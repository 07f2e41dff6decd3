//! Replays CloudTrail history through metric filters and their alarms, the way CloudWatch would
//! have processed it: which events each filter matched, the metric it published per period,
//! and when each alarm would have gone into ALARM.
//!
//! The pipeline: [`cloudtrail_reader`] streams raw records out of files (in parallel: one file
//! per thread, large NDJSON files split into ranges), the filter-pattern engine matches every
//! record against all filters in one pass ([`eval`]), workers accumulate per-filter totals
//! ([`engine`]), and the [`report`] evaluates each alarm over the aggregated metric
//! ([`alarm`]). Memory is bounded by the number of filters, distinct event names and principals,
//! and minutes of replayed time, never by the input's size.
//!
//! Nothing is dropped silently: unreadable input and events without a usable `eventTime` are
//! counted as problems with their file and record position, and the report is then partial.

pub mod alarm;
pub mod engine;
pub mod eval;
pub mod filters;
pub mod floor;
mod head;
pub mod report;
pub mod time;

pub use engine::{Progress, Replay, Totals, Worker};
pub use filters::{
    ad_hoc_filter, benchmark_filters, snapshot_filters, FilterSpec, MetricId, Origin,
};
pub use report::Report;
