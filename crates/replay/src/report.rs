//! The replay's findings as data, and their rendering as a table, JSON or CSV.

use crate::alarm::{aggregate, evaluate, AlarmState, Datapoint};
use crate::engine::{Example, Problem, Replay, Totals};
use crate::filters::{FilterSpec, MetricId, Origin};
use crate::time::format_epoch;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// How many event names and principals a report lists per filter.
pub const TOP: usize = 5;

/// How many problems the table lists (JSON lists all kept ones).
const TABLE_PROBLEMS: usize = 20;

/// Everything a replay found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Files read.
    pub files: u64,
    /// Events replayed: valid records read, less those outside the days asked for.
    pub events: u64,
    /// Events read but outside the days asked for (`--since/--until`), not replayed.
    pub events_outside_days: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Earliest `eventTime` of all events.
    pub first_event: Option<String>,
    /// Latest `eventTime` of all events.
    pub last_event: Option<String>,
    /// Per filter.
    pub filters: Vec<FilterReport>,
    /// Whether benchmark and deployed filters were compared (`--diff`).
    pub diff: bool,
    /// Problems (bad input, unusable events), all counted.
    pub problems: u64,
    /// The first problems with their places.
    pub problem_examples: Vec<Problem>,
    /// Files, day folders and S3 prefixes passed over on purpose, with the reason.
    pub skipped: Vec<Skipped>,
    /// Whether some input could not be replayed (then the exit code is 3).
    pub partial: bool,
}

/// A file, folder or S3 prefix passed over on purpose.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// The file, folder or `s3://` prefix.
    pub path: String,
    /// Why (and, for an S3 prefix, how many objects or folders).
    pub reason: String,
}

/// One filter's findings.
#[derive(Debug, Clone, Serialize)]
pub struct FilterReport {
    /// The filter's name.
    pub name: String,
    /// Where it comes from.
    pub origin: Origin,
    /// Its pattern.
    pub pattern: String,
    /// Events matched.
    pub matched: u64,
    /// Earliest match.
    pub first: Option<String>,
    /// Latest match.
    pub last: Option<String>,
    /// The most frequent event names among the matches, with counts.
    pub top_event_names: Vec<(String, u64)>,
    /// The most frequent principals among the matches, with counts.
    pub top_principals: Vec<(String, u64)>,
    /// Matches that published no datapoint (no usable `eventTime`, a value field that is not a
    /// number, or an invalid metric transformation).
    pub unpublished: u64,
    /// Why the filter's metric transformation is invalid, if it is.
    pub metric_error: Option<String>,
    /// The alarms on the filter's metric and what they did.
    pub alarms: Vec<AlarmReport>,
    /// With `--diff`: events this filter matched that no filter of the other side matched.
    pub only_this_side: Option<u64>,
    /// With `--diff`: the earliest of those.
    pub only_examples: Vec<ExampleReport>,
    /// The earliest matches.
    pub examples: Vec<ExampleReport>,
}

/// An alarm's replayed behaviour.
#[derive(Debug, Clone, Serialize)]
pub struct AlarmReport {
    /// The alarm's name.
    pub name: String,
    /// Why it could not be evaluated, if it could not.
    pub error: Option<String>,
    /// How many periods ended in ALARM.
    pub alarm_periods: u64,
    /// Every change of state.
    pub transitions: Vec<TransitionReport>,
    /// The state at the end of the replayed time.
    pub final_state: Option<AlarmState>,
    /// The other replayed filters that publish to the alarm's metric: their datapoints are in
    /// what the alarm was evaluated on, as in CloudWatch.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_fed_by: Vec<String>,
}

/// A change of alarm state.
#[derive(Debug, Clone, Serialize)]
pub struct TransitionReport {
    /// When (RFC 3339).
    pub at: String,
    /// From.
    pub from: AlarmState,
    /// To.
    pub to: AlarmState,
}

/// An example event.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleReport {
    /// Its `eventTime` (RFC 3339), if usable.
    pub time: Option<String>,
    /// Where it was read.
    pub location: String,
    /// Its `eventName`.
    pub event_name: String,
    /// Who made the call.
    pub principal: String,
}

fn example(e: &Example) -> ExampleReport {
    ExampleReport {
        time: (e.time != i64::MAX).then(|| format_epoch(e.time)),
        location: e.location.clone(),
        event_name: e.event_name.clone(),
        principal: e.principal.clone(),
    }
}

/// What several replayed filters publish to one metric, merged: CloudWatch evaluates an
/// alarm on everything its metric receives.
struct MetricFeed {
    /// The filters (indexes) publishing to the metric.
    filters: Vec<usize>,
    /// Their samples, by minute.
    minutes: BTreeMap<i64, Datapoint>,
}

/// The metrics that more than one filter publishes to.
fn metric_feeds<'s>(
    filters: &'s [FilterSpec],
    totals: &Totals,
) -> HashMap<&'s MetricId, MetricFeed> {
    let mut by_metric: HashMap<&MetricId, Vec<usize>> = HashMap::new();
    for (index, spec) in filters.iter().enumerate() {
        if let Some(id) = &spec.metric {
            by_metric.entry(id).or_default().push(index);
        }
    }
    by_metric
        .into_iter()
        .filter(|(_, indexes)| indexes.len() > 1)
        .map(|(id, indexes)| {
            let mut minutes: BTreeMap<i64, Datapoint> = BTreeMap::new();
            for &index in &indexes {
                for (&minute, point) in &totals.filters[index].minutes {
                    minutes
                        .entry(minute)
                        .and_modify(|merged| merged.merge(point))
                        .or_insert(*point);
                }
            }
            let feed = MetricFeed {
                filters: indexes,
                minutes,
            };
            (id, feed)
        })
        .collect()
}

fn top(counts: &std::collections::HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(TOP);
    all
}

impl Report {
    /// Builds the report: evaluates every alarm over the replayed time span.
    pub fn new(replay: &Replay, totals: &Totals) -> Report {
        let diff = replay.diffing();
        let feeds = metric_feeds(replay.filters(), totals);
        let filters = replay
            .filters()
            .iter()
            .zip(&totals.filters)
            .enumerate()
            .map(|(index, (spec, t))| FilterReport {
                name: spec.name.clone(),
                origin: spec.origin.clone(),
                pattern: spec.pattern.clone(),
                matched: t.matched,
                first: t.first.map(format_epoch),
                last: t.last.map(format_epoch),
                top_event_names: top(&t.event_names),
                top_principals: top(&t.principals),
                unpublished: t.unpublished,
                metric_error: replay.metric_error(index).map(str::to_string),
                alarms: spec
                    .alarms
                    .iter()
                    .map(|alarm| match (&alarm.rule, totals.span) {
                        (Err(error), _) => AlarmReport {
                            name: alarm.name.clone(),
                            error: Some(error.clone()),
                            alarm_periods: 0,
                            transitions: Vec::new(),
                            final_state: None,
                            also_fed_by: Vec::new(),
                        },
                        (Ok(rule), span) => {
                            let feed = spec.metric.as_ref().and_then(|id| feeds.get(id));
                            let minutes = feed.map_or(&t.minutes, |feed| &feed.minutes);
                            let points = aggregate(minutes, rule.period);
                            let (from, to) = span.unwrap_or((0, -1));
                            let timeline = evaluate(rule, &points, from, to);
                            AlarmReport {
                                name: alarm.name.clone(),
                                error: None,
                                alarm_periods: timeline.alarm_periods,
                                transitions: timeline
                                    .transitions
                                    .iter()
                                    .map(|tr| TransitionReport {
                                        at: format_epoch(tr.at),
                                        from: tr.from,
                                        to: tr.to,
                                    })
                                    .collect(),
                                final_state: span.map(|_| timeline.final_state),
                                also_fed_by: feed.map_or_else(Vec::new, |feed| {
                                    feed.filters
                                        .iter()
                                        .filter(|&&other| other != index)
                                        .map(|&other| replay.filters()[other].name.clone())
                                        .collect()
                                }),
                            }
                        }
                    })
                    .collect(),
                only_this_side: diff.then_some(t.only_this_side),
                only_examples: t.only_examples.iter().map(example).collect(),
                examples: t.examples.iter().map(example).collect(),
            })
            .collect();
        Report {
            files: totals.read.files,
            events: totals.read.events - totals.outside_days,
            events_outside_days: totals.outside_days,
            bytes: totals.read.bytes,
            first_event: totals.span.map(|s| format_epoch(s.0)),
            last_event: totals.span.map(|s| format_epoch(s.1)),
            filters,
            diff,
            problems: totals.problems.count,
            problem_examples: totals.problems.kept.clone(),
            skipped: totals
                .read
                .skipped
                .iter()
                .map(|(path, reason)| Skipped {
                    path: path.display().to_string(),
                    reason: reason.to_string(),
                })
                .collect(),
            partial: totals.problems.count > 0,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }

    /// One CSV row per filter and alarm (a filter without alarms has one row with empty alarm
    /// columns).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "filter,origin,matched,first,last,top_event_name,top_principal,unpublished,only_this_side,alarm,alarm_error,alarm_periods,transitions,first_alarm,final_state\n",
        );
        for f in &self.filters {
            let origin = match &f.origin {
                Origin::Benchmark { .. } => "benchmark",
                Origin::Deployed { .. } => "deployed",
                Origin::AdHoc => "pattern",
            };
            let base = [
                f.name.clone(),
                origin.to_string(),
                f.matched.to_string(),
                f.first.clone().unwrap_or_default(),
                f.last.clone().unwrap_or_default(),
                f.top_event_names
                    .first()
                    .map(|t| t.0.clone())
                    .unwrap_or_default(),
                f.top_principals
                    .first()
                    .map(|t| t.0.clone())
                    .unwrap_or_default(),
                f.unpublished.to_string(),
                f.only_this_side.map(|n| n.to_string()).unwrap_or_default(),
            ];
            let alarm_rows: Vec<[String; 6]> = if f.alarms.is_empty() {
                vec![Default::default()]
            } else {
                f.alarms
                    .iter()
                    .map(|a| {
                        [
                            a.name.clone(),
                            a.error.clone().unwrap_or_default(),
                            a.alarm_periods.to_string(),
                            a.transitions.len().to_string(),
                            first_alarm(a).unwrap_or_default(),
                            a.final_state.map(|s| s.to_string()).unwrap_or_default(),
                        ]
                    })
                    .collect()
            };
            for alarm in alarm_rows {
                let cells: Vec<String> = base
                    .iter()
                    .chain(alarm.iter())
                    .map(|c| csv_cell(c))
                    .collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        out
    }

    /// The human report: a summary table, then details per filter with matches or alarms.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Replayed {} events from {} files ({} MB){}",
            self.events,
            self.files,
            self.bytes / 1_000_000,
            match (&self.first_event, &self.last_event) {
                (Some(a), Some(b)) => format!(", {a} to {b}"),
                _ => String::new(),
            }
        );
        if self.events_outside_days > 0 {
            let _ = writeln!(
                out,
                "({} more events read were outside --since/--until: not replayed)",
                self.events_outside_days
            );
        }
        let width = self
            .filters
            .iter()
            .map(|f| f.name.len())
            .max()
            .unwrap_or(6)
            .max(6);
        let _ = write!(
            out,
            "\n{:<width$}  {:>9}  {:<20}  {:<20}  {:>6}",
            "FILTER", "MATCHED", "FIRST", "LAST", "ALARMS"
        );
        if self.diff {
            out.push_str("  ONLY-THIS-SIDE");
        }
        out.push('\n');
        for f in &self.filters {
            let alarms: u64 = f.alarms.iter().map(|a| a.alarm_periods).sum();
            let _ = write!(
                out,
                "{:<width$}  {:>9}  {:<20}  {:<20}  {:>6}",
                f.name,
                f.matched,
                f.first.as_deref().unwrap_or("-"),
                f.last.as_deref().unwrap_or("-"),
                alarms
            );
            if let Some(only) = f.only_this_side {
                let _ = write!(out, "  {only:>14}");
            }
            out.push('\n');
        }
        out.push_str("\n(ALARMS: periods the filter's alarms spent in ALARM)\n");
        for f in self
            .filters
            .iter()
            .filter(|f| f.matched > 0 || !f.alarms.is_empty())
        {
            let _ = writeln!(out, "\n{}\n  pattern: {}", f.name, f.pattern);
            if f.matched > 0 {
                let list = |items: &[(String, u64)]| {
                    items
                        .iter()
                        .map(|(name, n)| format!("{name} ({n})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let _ = writeln!(out, "  top events: {}", list(&f.top_event_names));
                let _ = writeln!(out, "  top principals: {}", list(&f.top_principals));
            }
            if let Some(error) = &f.metric_error {
                let _ = writeln!(
                    out,
                    "  metric transformation invalid, nothing published: {error}"
                );
            }
            if f.unpublished > 0 {
                let _ = writeln!(out, "  {} matches published no datapoint", f.unpublished);
            }
            for alarm in &f.alarms {
                match &alarm.error {
                    Some(error) => {
                        let _ = writeln!(out, "  alarm {}: not evaluated: {error}", alarm.name);
                    }
                    None => {
                        let starts: Vec<&str> = alarm
                            .transitions
                            .iter()
                            .filter(|t| t.to == AlarmState::Alarm)
                            .map(|t| t.at.as_str())
                            .collect();
                        let _ = write!(
                            out,
                            "  alarm {}: {} ALARM periods, entered ALARM {} times",
                            alarm.name,
                            alarm.alarm_periods,
                            starts.len()
                        );
                        if !starts.is_empty() {
                            let shown = starts
                                .iter()
                                .take(10)
                                .copied()
                                .collect::<Vec<_>>()
                                .join(", ");
                            let more = if starts.len() > 10 { ", ..." } else { "" };
                            let _ = write!(out, " (at {shown}{more})");
                        }
                        if let Some(state) = alarm.final_state {
                            let _ = write!(out, "; ends {state}");
                        }
                        if !alarm.also_fed_by.is_empty() {
                            let others = alarm.also_fed_by.join(", ");
                            let _ = write!(out, "; its metric is also fed by {others}");
                        }
                        out.push('\n');
                    }
                }
            }
            if let Some(only) = f.only_this_side.filter(|&n| n > 0) {
                let side = match f.origin {
                    Origin::Benchmark { .. } => "no deployed filter",
                    _ => "no benchmark pattern",
                };
                let _ = writeln!(out, "  {only} matched events are matched by {side}, e.g.:");
                for e in &f.only_examples {
                    let _ = writeln!(
                        out,
                        "    {} {} by {} ({})",
                        e.time.as_deref().unwrap_or("-"),
                        e.event_name,
                        e.principal,
                        e.location
                    );
                }
            }
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(out, "\nNot read, on purpose ({}):", self.skipped.len());
            for s in self.skipped.iter().take(TABLE_PROBLEMS) {
                let _ = writeln!(out, "  {}: {}", s.path, s.reason);
            }
        }
        if self.problems > 0 {
            let _ = writeln!(
                out,
                "\nPARTIAL REPLAY: {} problems in the input (first {} shown):",
                self.problems,
                self.problem_examples.len().min(TABLE_PROBLEMS)
            );
            for p in self.problem_examples.iter().take(TABLE_PROBLEMS) {
                if p.position.is_empty() {
                    let _ = writeln!(out, "  {}: {}", p.file, p.message);
                } else {
                    let _ = writeln!(out, "  {}: {}: {}", p.file, p.position, p.message);
                }
            }
        }
        out
    }
}

fn first_alarm(alarm: &AlarmReport) -> Option<String> {
    alarm
        .transitions
        .iter()
        .find(|t| t.to == AlarmState::Alarm)
        .map(|t| t.at.clone())
}

/// Quotes a CSV cell when it needs it (RFC 4180).
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
