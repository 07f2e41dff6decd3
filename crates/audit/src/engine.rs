//! The engine: walks every chain from every trail to every subscriber, and turns what it found
//! into one finding per control.
//!
//! Precedence of the verdict of a metric-filter control:
//! 1. PASS when at least one chain is complete and every link was verified (even if other
//!    things could not be read);
//! 2. else ERROR when any candidate chain stopped because something could not be read (a
//!    control is never FAIL on missing data);
//! 3. else MANUAL when any candidate needs a person's judgement (e.g. the chain continues in
//!    another account, or a link could not be decided);
//! 4. else FAIL, with every candidate and its first broken link.

use crate::alarm::{self, MetricValue};
use crate::config::{Date, Exception};
use crate::finding::*;
use crate::pattern::{filter_catches, CatchVerdict};
use crate::topic::{self, LinkVerdict};
use crate::trail::{self, TrailVerdict};
use cis_catalogue::{Benchmark, Check, Control, PublishedPattern};
use snapshot::{CollectionError, LogGroup, MetricFilter, Snapshot, Trail};
use std::collections::{BTreeSet, HashMap};

/// How to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOptions {
    /// How filter patterns are compared with the benchmark's.
    pub pattern_mode: PatternMode,
    /// The date exceptions are checked against (normally today, UTC).
    pub today: Date,
    /// Accepted exceptions (from `trailwatch.toml`).
    pub exceptions: Vec<Exception>,
    /// Judge only the chains the audited account holds. By default a chain that continues in
    /// another account (typically an organization trail delivering to the management
    /// account's log group) cannot be verified and makes a control MANUAL unless another chain
    /// passes; with `local_only` such a chain counts as broken (FAIL), and says where it goes.
    pub local_only: bool,
}

impl AuditOptions {
    /// Semantic comparison, no exceptions, audited on `today`.
    pub fn new(today: Date) -> AuditOptions {
        AuditOptions {
            pattern_mode: PatternMode::Semantic,
            today,
            exceptions: Vec::new(),
            local_only: false,
        }
    }
}

/// Audits `snapshot` against every monitoring control of `benchmark`. Pure: never calls AWS.
pub fn evaluate(snapshot: &Snapshot, benchmark: Benchmark, options: &AuditOptions) -> AuditReport {
    let findings: Vec<Finding> = cis_catalogue::controls(benchmark)
        .iter()
        .map(|control| evaluate_control(snapshot, control, options))
        .collect();
    AuditReport {
        benchmark: benchmark.to_string(),
        account_id: snapshot.caller.account_id.clone(),
        partition: snapshot.caller.partition.clone(),
        collected_at: snapshot.collected_at.clone(),
        regions: snapshot.regions.clone(),
        pattern_mode: options.pattern_mode,
        summary: Summary::of(&findings),
        findings,
    }
}

/// Audits one control.
pub fn evaluate_control(snapshot: &Snapshot, control: &Control, options: &AuditOptions) -> Finding {
    let mut finding = Finding {
        control_id: control.id.to_string(),
        topic: control.slug().to_string(),
        title: control.title.to_string(),
        level: control.level,
        assessment: match control.assessment {
            cis_catalogue::Assessment::Automated => Assessment::Automated,
            cis_catalogue::Assessment::Manual => Assessment::Manual,
        },
        benchmark: control.benchmark.to_string(),
        status: Status::Error,
        reason: String::new(),
        evidence: Evidence::default(),
        rationale: control.rationale.to_string(),
        remediation: control.remediation.to_string(),
        notes: Vec::new(),
        exception: None,
        lints: Vec::new(),
    };
    match control.check {
        Check::SecurityHubEnabled => security_hub(snapshot, &mut finding),
        Check::MetricFilterAlarm { patterns } => {
            finding.evidence.required_patterns = patterns
                .iter()
                .map(|p| RequiredPattern {
                    text: p.text.to_string(),
                    variant: p.variant.to_string(),
                    intended: p.known_wrong.map(|w| w.intended.to_string()),
                })
                .collect();
            Walker {
                snapshot,
                control,
                patterns,
                options,
                passing: Vec::new(),
                candidates: Vec::new(),
                expired: None,
                verdicts: HashMap::new(),
                match_all_sanctioned: None,
            }
            .run(&mut finding)
        }
    }
    finding
}

/// The Security Hub control: enabled in every region in scope.
fn security_hub(snapshot: &Snapshot, finding: &mut Finding) {
    let mut regions: Vec<&str> = snapshot.regions.iter().map(String::as_str).collect();
    if regions.is_empty() {
        regions = snapshot
            .security_hub
            .iter()
            .map(|s| s.region.as_str())
            .collect();
    }
    if regions.is_empty() {
        finding.status = Status::Error;
        finding.reason = "The snapshot lists no regions, so Security Hub could not be checked anywhere; collect again.".to_string();
        return;
    }
    let mut evidence = Vec::new();
    for region in regions {
        let status = snapshot.security_hub.iter().find(|s| s.region == region);
        evidence.push(match status {
            Some(hub) if hub.enabled => SecurityHubRegion {
                region: region.to_string(),
                status: Status::Pass,
                hub_arn: hub.hub_arn.clone(),
                problem: None,
            },
            Some(_) => SecurityHubRegion {
                region: region.to_string(),
                status: Status::Fail,
                hub_arn: None,
                problem: Some("Security Hub is not enabled".to_string()),
            },
            None => {
                let errors = errors_about(snapshot, "securityhub", Some(region), &[]);
                SecurityHubRegion {
                    region: region.to_string(),
                    status: Status::Error,
                    hub_arn: None,
                    problem: Some(if errors.is_empty() {
                        "Security Hub status was not collected".to_string()
                    } else {
                        format!(
                            "Security Hub status could not be read: {}",
                            describe(&errors)
                        )
                    }),
                }
            }
        });
    }
    let failing: Vec<&str> = evidence
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| r.region.as_str())
        .collect();
    let errored: Vec<&str> = evidence
        .iter()
        .filter(|r| r.status == Status::Error)
        .map(|r| r.region.as_str())
        .collect();
    (finding.status, finding.reason) = if !errored.is_empty() {
        (
            Status::Error,
            format!(
                "Security Hub status could not be read in {}; fix the collection permissions (securityhub:DescribeHub) and collect again.",
                errored.join(", ")
            ),
        )
    } else if !failing.is_empty() {
        (
            Status::Fail,
            format!(
                "Security Hub is not enabled in {}; enable it there (securityhub enable-security-hub).",
                failing.join(", ")
            ),
        )
    } else {
        (
            Status::Pass,
            format!(
                "Security Hub is enabled in all {} regions in scope.",
                evidence.len()
            ),
        )
    };
    finding.evidence.security_hub = evidence;
}

/// A filter of a log group that does not count for the control, and why.
struct Miss<'a> {
    filter: &'a MetricFilter,
    problem: String,
    /// An event the benchmark's pattern matches and the filter does not.
    witness: Option<serde_json::Value>,
    /// The filter matches every event (so it is related to any control).
    catches_all: bool,
}

/// A chain being built, with what was learnt on the way.
#[derive(Clone, Default)]
struct Partial<'a> {
    chain: Chain,
    /// Links that could not be read but do not stop the walk (a later verified break still
    /// makes the chain FAIL; reaching the subscriber makes it ERROR).
    unreadable: Vec<BrokenLink>,
    judgements: Vec<BrokenLink>,
    notes: Vec<String>,
    exception: Option<&'a Exception>,
}

impl Partial<'_> {
    fn depth(&self) -> usize {
        let c = &self.chain;
        [
            c.trail.is_some(),
            c.log_group.is_some(),
            c.metric_filter.is_some(),
            c.alarm.is_some(),
            c.topic.is_some(),
            c.subscription.is_some(),
        ]
        .iter()
        .filter(|present| **present)
        .count()
    }
}

/// Walks every chain of one metric-filter control.
struct Walker<'a> {
    snapshot: &'a Snapshot,
    control: &'a Control,
    patterns: &'static [PublishedPattern],
    options: &'a AuditOptions,
    passing: Vec<Partial<'a>>,
    candidates: Vec<(usize, Vec<String>, CandidateChain)>,
    expired: Option<&'a Exception>,
    /// Pattern verdicts by pattern text: the same text is judged once per control.
    verdicts: HashMap<&'a str, CatchVerdict>,
    /// [`Walker::sanctions_match_all`], once computed.
    match_all_sanctioned: Option<bool>,
}

fn broken(link: Link, resource: impl Into<String>, problem: impl Into<String>) -> BrokenLink {
    BrokenLink {
        link,
        resource: resource.into(),
        problem: problem.into(),
        witness: None,
    }
}

impl<'a> Walker<'a> {
    fn account(&self) -> &'a str {
        &self.snapshot.caller.account_id
    }

    /// Records a chain that stopped. A chain that stopped for want of judgement after an
    /// unreadable link is an ERROR: something needed could not be read.
    fn stop(&mut self, mut partial: Partial<'a>, status: Status, link: BrokenLink) {
        let status = if status == Status::Manual && !partial.unreadable.is_empty() {
            partial.judgements.push(link.clone());
            return self.push(partial, Status::Error, None);
        } else {
            status
        };
        self.push(partial, status, Some(link));
    }

    /// Records a chain that reached a confirmed subscriber.
    fn complete(&mut self, partial: Partial<'a>) {
        if !partial.unreadable.is_empty() {
            self.push(partial, Status::Error, None);
        } else if !partial.judgements.is_empty() {
            self.push(partial, Status::Manual, None);
        } else {
            self.passing.push(partial);
        }
    }

    /// Adds a candidate; without an explicit `link`, its first unreadable link (if any) is the
    /// one it stopped at.
    fn push(&mut self, mut partial: Partial<'a>, status: Status, link: Option<BrokenLink>) {
        let depth = partial.depth();
        let link =
            link.or_else(|| (!partial.unreadable.is_empty()).then(|| partial.unreadable.remove(0)));
        let mut needs_judgement = partial.unreadable;
        needs_judgement.extend(partial.judgements);
        self.candidates.push((
            depth,
            partial.notes,
            CandidateChain {
                status,
                chain: partial.chain,
                first_broken_link: link,
                needs_judgement,
            },
        ));
    }

    fn run(mut self, finding: &mut Finding) {
        let mut seen = BTreeSet::new();
        let trails: Vec<&'a Trail> = self
            .snapshot
            .trails
            .iter()
            .filter(|t| seen.insert(t.arn.as_str()))
            .collect();
        if trails.is_empty() {
            let errors = errors_about(self.snapshot, "cloudtrail", None, &[]);
            if errors.is_empty() {
                self.stop(
                    Partial::default(),
                    Status::Fail,
                    broken(
                        Link::Trail,
                        "(no trail)",
                        "the account has no CloudTrail trail; create a multi-region trail that records all management events and delivers to CloudWatch Logs",
                    ),
                );
            } else {
                self.stop(
                    Partial::default(),
                    Status::Error,
                    broken(
                        Link::Trail,
                        "(trails)",
                        format!("the trails could not be listed: {}", describe(&errors)),
                    ),
                );
            }
        }
        for trail in trails {
            self.walk_trail(trail);
        }
        self.conclude(finding);
    }

    fn walk_trail(&mut self, trail: &'a Trail) {
        let mut partial = Partial::default();
        let owner = trail::arn_account(&trail.arn).unwrap_or_default();
        let foreign = !owner.is_empty() && owner != self.account();
        partial.chain.trail = Some(TrailLink {
            name: trail.name.clone(),
            arn: trail.arn.clone(),
            home_region: trail.home_region.clone(),
        });
        match trail::judge(trail, self.control.topic.required_event_sources()) {
            TrailVerdict::Broken(problem) => {
                return self.stop(
                    partial,
                    Status::Fail,
                    broken(Link::Trail, &trail.arn, problem),
                )
            }
            TrailVerdict::Qualifies { warnings, unread } => {
                partial.notes.extend(warnings);
                let errors = errors_about(
                    self.snapshot,
                    "cloudtrail",
                    Some(&trail.home_region),
                    &[&trail.arn, &trail.name],
                );
                for problem in unread {
                    if foreign && errors.is_empty() {
                        partial.judgements.push(broken(
                            Link::Trail,
                            &trail.arn,
                            format!("{problem}; the trail belongs to account {owner} (an organization trail), check it there"),
                        ));
                    } else if errors.is_empty() {
                        partial.unreadable.push(broken(
                            Link::Trail,
                            &trail.arn,
                            format!("{problem} (not collected)"),
                        ));
                    } else {
                        partial.unreadable.push(broken(
                            Link::Trail,
                            &trail.arn,
                            format!("{problem}: {}", describe(&errors)),
                        ));
                    }
                }
            }
        }
        let log_group_arn = trail.log_group_arn.as_deref().unwrap_or_default();
        let parsed = match trail::parse_log_group_arn(log_group_arn) {
            Ok(parsed) => parsed,
            Err(problem) => {
                return self.stop(
                    partial,
                    Status::Error,
                    broken(Link::LogGroup, log_group_arn, problem),
                )
            }
        };
        partial.chain.log_group = Some(LogGroupLink {
            name: parsed.name.clone(),
            arn: log_group_arn.to_string(),
            region: parsed.region.clone(),
            account_id: parsed.account_id.clone(),
        });
        let found = self.snapshot.log_groups.iter().find(|g| {
            g.name == parsed.name && g.region == parsed.region && g.account_id == parsed.account_id
        });
        let Some(log_group) = found else {
            return self.log_group_not_read(partial, &parsed, log_group_arn);
        };
        self.walk_log_group(partial, log_group);
    }

    fn log_group_not_read(&mut self, partial: Partial<'a>, parsed: &trail::LogGroupArn, arn: &str) {
        let name = &parsed.name;
        if parsed.account_id != self.account() {
            let (status, judged) = if self.options.local_only {
                (
                    Status::Fail,
                    "only chains in the audited account count (--local-only)",
                )
            } else {
                (
                    Status::Manual,
                    "audit that account, or check the chain there by hand",
                )
            };
            let problem = format!(
                "log group {name} lives in account {} ({}), so its metric filters, alarms and topics cannot be verified from account {}; {judged}",
                parsed.account_id, parsed.region, self.account()
            );
            return self.stop(partial, status, broken(Link::LogGroup, arn, problem));
        }
        let bare = arn.strip_suffix(":*").unwrap_or(arn);
        if self
            .snapshot
            .missing_log_groups
            .iter()
            .any(|m| m == arn || m == bare || m == name)
        {
            let problem = format!(
                "the trail delivers to log group {name} in {}, which does not exist; recreate it or point the trail at an existing log group",
                parsed.region
            );
            return self.stop(partial, Status::Fail, broken(Link::LogGroup, arn, problem));
        }
        let errors = errors_about(
            self.snapshot,
            "logs",
            Some(&parsed.region),
            &[arn, bare, name],
        );
        let problem = if errors.is_empty() {
            format!(
                "the metric filters of log group {name} in {} were not collected",
                parsed.region
            )
        } else {
            format!(
                "the metric filters of log group {name} in {} could not be read: {}",
                parsed.region,
                describe(&errors)
            )
        };
        self.stop(partial, Status::Error, broken(Link::LogGroup, arn, problem))
    }

    fn walk_log_group(&mut self, partial: Partial<'a>, log_group: &'a LogGroup) {
        let mut misses = Vec::new();
        let mut walked = false;
        for filter in &log_group.metric_filters {
            let verdict = self.catches(&filter.pattern);
            let mut next = partial.clone();
            match verdict {
                CatchVerdict::Catches { variant, note } => {
                    let match_all = crate::pattern::matches_nearly_everything(&filter.pattern);
                    if let Err(reason) = &match_all {
                        next.judgements.push(broken(
                            Link::MetricFilter,
                            &filter.name,
                            format!(
                                "whether filter {} matches nearly every event (which would keep its alarm in ALARM, so that it does not notify) could not be decided: {reason}; check it by hand",
                                filter.name
                            ),
                        ));
                    }
                    if match_all == Ok(true) {
                        if !self.sanctions_match_all() {
                            misses.push(Miss {
                                filter,
                                problem: "the pattern matches nearly every event, so its alarm stays in ALARM and does not notify when one of this control's events arrives; it does not count for this control".to_string(),
                                witness: None,
                                catches_all: true,
                            });
                            continue;
                        }
                        next.notes.push(format!(
                            "filter {} matches nearly every event (a text some CIS versions printed), so its alarm is in ALARM most of the time and does not notify again for new events; replace it with the current benchmark pattern",
                            filter.name
                        ));
                    }
                    next.notes
                        .extend(note.map(|n| format!("filter {}: {n}", filter.name)));
                    walked = true;
                    self.walk_filter(next, log_group, filter, Some(variant));
                }
                CatchVerdict::Unknown { reason } => {
                    next.judgements.push(broken(
                        Link::MetricFilter,
                        &filter.name,
                        format!(
                            "filter {}: {reason}; compare it with the benchmark's pattern by hand",
                            filter.name
                        ),
                    ));
                    walked = true;
                    self.walk_filter(next, log_group, filter, None);
                }
                CatchVerdict::CatalogueBroken { problem } => {
                    walked = true;
                    self.stop(
                        next,
                        Status::Error,
                        broken(Link::MetricFilter, &filter.name, problem),
                    );
                }
                CatchVerdict::Misses { problem, witness } => {
                    match self.exception_for(filter, log_group) {
                        Some(exception) if exception.is_active(self.options.today) => {
                            next.exception = Some(exception);
                            next.notes.push(format!(
                                "filter {} does not catch every event the benchmark's pattern catches; accepted by {} until {}: {}",
                                filter.name, exception.owner, exception.expires, exception.justification
                            ));
                            walked = true;
                            self.walk_filter(next, log_group, filter, None);
                        }
                        expired => {
                            if expired.is_some() {
                                self.expired = expired;
                            }
                            misses.push(Miss {
                                filter,
                                problem,
                                witness,
                                catches_all: false,
                            });
                        }
                    }
                }
                CatchVerdict::Invalid { problem } => misses.push(Miss {
                    filter,
                    problem,
                    witness: None,
                    catches_all: false,
                }),
            }
        }
        if !walked {
            self.no_catching_filter(partial, log_group, misses);
        }
    }

    /// Records why no filter of the log group catches the events: one candidate per filter that
    /// looks related (it tests a value the benchmark's pattern tests, or matches every event),
    /// or one for the log group.
    fn no_catching_filter(
        &mut self,
        partial: Partial<'a>,
        log_group: &'a LogGroup,
        misses: Vec<Miss<'a>>,
    ) {
        let required_words = pattern_words(self.patterns.iter().map(|p| p.text));
        let elsewhere = self.catching_filters_elsewhere(log_group);
        let mut related = 0;
        for miss in misses {
            let Miss {
                filter,
                problem,
                witness,
                catches_all,
            } = miss;
            let words = pattern_words(std::iter::once(filter.pattern.as_str()));
            if words.is_disjoint(&required_words) && !catches_all {
                continue;
            }
            related += 1;
            let mut next = partial.clone();
            next.chain.metric_filter = Some(filter_link(filter, None));
            let mut link = broken(
                Link::MetricFilter,
                &filter.name,
                format!(
                    "filter {} on log group {}: {problem}; change its pattern to the benchmark's",
                    filter.name, log_group.name
                ),
            );
            link.witness = witness;
            self.stop(next, Status::Fail, link);
        }
        if related == 0 {
            let problem = format!(
                "none of the {} metric filters on log group {} ({}) catches the events of this control; add a filter with the benchmark's pattern{elsewhere}",
                log_group.metric_filters.len(),
                log_group.name,
                log_group.region
            );
            self.stop(
                partial,
                Status::Fail,
                broken(Link::MetricFilter, &log_group.name, problem),
            );
        }
    }

    /// Whether some benchmark version printed, for this control's topic, a pattern that matches
    /// nearly every event (CIS v1.4.0–v3.0.0 did for unauthorized API calls). Only then does a
    /// filter like that count for the control (with a warning); for any other control it
    /// catches the events only by accident and its alarm, always in ALARM, would not notify.
    fn sanctions_match_all(&mut self) -> bool {
        let topic = self.control.topic;
        *self.match_all_sanctioned.get_or_insert_with(|| {
            Benchmark::ALL.iter().any(|benchmark| {
                cis_catalogue::controls(*benchmark)
                    .iter()
                    .filter(|c| c.topic == topic)
                    .any(|c| match c.check {
                        Check::MetricFilterAlarm { patterns } => patterns
                            .iter()
                            .any(|p| crate::pattern::matches_nearly_everything(p.text) == Ok(true)),
                        Check::SecurityHubEnabled => false,
                    })
            })
        })
    }

    /// Whether a filter pattern catches this control's events (judged once per text).
    fn catches(&mut self, pattern: &'a str) -> CatchVerdict {
        let (patterns, mode) = (self.patterns, self.options.pattern_mode);
        self.verdicts
            .entry(pattern)
            .or_insert_with(|| filter_catches(patterns, pattern, mode))
            .clone()
    }

    /// A hint when a filter that catches the events sits on a log group no trail feeds here.
    fn catching_filters_elsewhere(&mut self, here: &LogGroup) -> String {
        let hits: Vec<String> = self
            .snapshot
            .log_groups
            .iter()
            .filter(|g| !std::ptr::eq(*g, here))
            .flat_map(|g| g.metric_filters.iter().map(move |f| (g, f)))
            .filter(|(_, f)| matches!(self.catches(&f.pattern), CatchVerdict::Catches { .. }))
            .map(|(g, f)| format!("filter {} on log group {} ({})", f.name, g.name, g.region))
            .collect();
        if hits.is_empty() {
            String::new()
        } else {
            format!(
                " ({} catches the events, but this trail does not deliver there)",
                hits.join(", ")
            )
        }
    }

    fn exception_for(&self, filter: &MetricFilter, log_group: &LogGroup) -> Option<&'a Exception> {
        let mut matching = self.options.exceptions.iter().filter(|e| {
            (e.control == self.control.id || e.control == self.control.slug())
                && e.filter == filter.name
                && e.log_group.as_deref().is_none_or(|g| {
                    g == log_group.name
                        || trail::parse_log_group_arn(g).is_ok_and(|arn| {
                            arn.name == log_group.name
                                && arn.region == log_group.region
                                && arn.account_id == log_group.account_id
                        })
                })
        });
        let first = matching.next()?;
        let today = self.options.today;
        Some(if first.is_active(today) {
            first
        } else {
            matching.find(|e| e.is_active(today)).unwrap_or(first)
        })
    }

    fn walk_filter(
        &mut self,
        mut partial: Partial<'a>,
        log_group: &'a LogGroup,
        filter: &'a MetricFilter,
        variant: Option<String>,
    ) {
        partial.chain.metric_filter = Some(filter_link(filter, variant));
        let Some(transformation) = filter.transformations.first() else {
            let problem = format!(
                "filter {} publishes no metric; add a metric transformation with value 1",
                filter.name
            );
            return self.stop(
                partial,
                Status::Fail,
                broken(Link::MetricFilter, &filter.name, problem),
            );
        };
        let value = match alarm::metric_value(transformation) {
            Ok(value) => value,
            Err(problem) => {
                let problem = format!("filter {} {problem}", filter.name);
                return self.stop(
                    partial,
                    Status::Fail,
                    broken(Link::MetricFilter, &filter.name, problem),
                );
            }
        };
        if value == MetricValue::FromEvent {
            partial.judgements.push(broken(
                Link::MetricFilter,
                &filter.name,
                format!(
                    "filter {} publishes the value {} taken from the event; check that it is positive for every matching event, or set it to 1",
                    filter.name, transformation.metric_value
                ),
            ));
        }
        let metric = format!(
            "{}/{}",
            transformation.metric_namespace, transformation.metric_name
        );
        if let Some(why) = self.shared_metric(log_group, filter, transformation, &metric) {
            partial
                .judgements
                .push(broken(Link::MetricFilter, &filter.name, why));
        }
        let alarms: Vec<&'a snapshot::Alarm> = self
            .snapshot
            .alarms
            .iter()
            .filter(|a| {
                a.region == log_group.region
                    && a.metric_name.as_deref() == Some(transformation.metric_name.as_str())
                    && a.namespace.as_deref() == Some(transformation.metric_namespace.as_str())
            })
            .collect();
        // A metric-math alarm may watch any metric, and the snapshot does not say which: when
        // no alarm watches the metric directly, each one in the region is a candidate a person
        // must check.
        let alarms = if alarms.is_empty() {
            self.snapshot
                .alarms
                .iter()
                .filter(|a| {
                    a.region == log_group.region && a.uses_metric_math && a.metric_name.is_none()
                })
                .collect()
        } else {
            alarms
        };
        if alarms.is_empty() {
            let errors = errors_about(
                self.snapshot,
                "cloudwatch",
                Some(&log_group.region),
                &[&metric],
            );
            if !errors.is_empty() {
                let problem = format!(
                    "the alarms on metric {metric} in {} could not be read: {}",
                    log_group.region,
                    describe(&errors)
                );
                return self.stop(
                    partial,
                    Status::Error,
                    broken(Link::Alarm, &metric, problem),
                );
            }
            let near: Vec<String> = self
                .snapshot
                .alarms
                .iter()
                .filter(|a| a.metric_name.as_deref() == Some(transformation.metric_name.as_str()))
                .map(|a| {
                    format!(
                        "alarm {} watches {}/{} in {}",
                        a.name,
                        a.namespace.as_deref().unwrap_or("?"),
                        transformation.metric_name,
                        a.region
                    )
                })
                .collect();
            let problem = format!(
                "no alarm watches metric {metric} in {}; create one (Sum >= 1 over 300 s) that notifies an SNS topic{}",
                log_group.region,
                if near.is_empty() { String::new() } else { format!(" ({})", near.join("; ")) }
            );
            return self.stop(partial, Status::Fail, broken(Link::Alarm, &metric, problem));
        }
        for alarm in alarms {
            let mut next = partial.clone();
            next.chain.alarm = Some(AlarmLink {
                name: alarm.name.clone(),
                arn: alarm.arn.clone(),
                region: alarm.region.clone(),
            });
            match alarm::judge_alarm(alarm, transformation, value) {
                LinkVerdict::Broken(problem) => {
                    self.stop(next, Status::Fail, broken(Link::Alarm, &alarm.arn, problem));
                    continue;
                }
                LinkVerdict::Judge(why) => {
                    next.judgements.push(broken(Link::Alarm, &alarm.arn, why))
                }
                LinkVerdict::Ok(notes) => next.notes.extend(notes),
            }
            self.walk_alarm(next, alarm);
        }
    }

    /// Why the other filters publishing to the same metric (same region, namespace and name)
    /// need a person's judgement, if they do. The alarm sees their datapoints too: a default
    /// value, a value that is not a positive number, or a filter matching nearly every event
    /// can keep the alarm in ALARM or cancel this filter's matches. Other filters that publish
    /// a positive number only when they match just add alarms, and pass.
    fn shared_metric(
        &self,
        log_group: &LogGroup,
        filter: &MetricFilter,
        transformation: &snapshot::MetricTransformation,
        metric: &str,
    ) -> Option<String> {
        let doubtful: Vec<String> = self
            .snapshot
            .log_groups
            .iter()
            .filter(|g| g.region == log_group.region)
            .flat_map(|g| g.metric_filters.iter().map(move |f| (g, f)))
            .filter(|(g, f)| !(std::ptr::eq(*g, log_group) && std::ptr::eq(*f, filter)))
            .filter_map(|(g, f)| {
                let other = f.transformations.iter().find(|t| {
                    t.metric_namespace == transformation.metric_namespace
                        && t.metric_name == transformation.metric_name
                })?;
                let doubt = if other.default_value.is_some() {
                    "publishes a default value for every event it does not match"
                } else if !matches!(alarm::metric_value(other), Ok(MetricValue::Known(_))) {
                    "does not publish a fixed positive value"
                } else {
                    match crate::pattern::matches_nearly_everything(&f.pattern) {
                        Ok(true) => "matches nearly every event",
                        Err(_) => "may match nearly every event (the proof could not decide)",
                        Ok(false) => return None,
                    }
                };
                Some(format!("filter {} on log group {} {doubt}", f.name, g.name))
            })
            .collect();
        (!doubtful.is_empty()).then(|| {
            format!(
                "metric {metric} also receives what other filters publish ({}), and its alarms see their datapoints too; check that they cannot keep the alarm in ALARM or cancel this filter's matches",
                doubtful.join("; ")
            )
        })
    }

    fn walk_alarm(&mut self, partial: Partial<'a>, alarm: &'a snapshot::Alarm) {
        let topics: Vec<&'a String> = alarm
            .alarm_actions
            .iter()
            .filter(|a| a.split(':').nth(2) == Some("sns"))
            .collect();
        if topics.is_empty() {
            let problem = format!(
                "alarm {} notifies no SNS topic{}; add an SNS topic to its alarm actions",
                alarm.name,
                if alarm.alarm_actions.is_empty() {
                    String::new()
                } else {
                    format!(" (its actions: {})", alarm.alarm_actions.join(", "))
                }
            );
            return self.stop(
                partial,
                Status::Fail,
                broken(Link::Alarm, &alarm.arn, problem),
            );
        }
        for arn in topics {
            let mut next = partial.clone();
            let region = trail::arn_region(arn).unwrap_or_default().to_string();
            next.chain.topic = Some(TopicLink {
                arn: arn.clone(),
                region: region.clone(),
            });
            if region != alarm.region {
                let problem = format!(
                    "alarm {} in {} notifies topic {arn} in {region}, but an alarm can only notify a topic in its own region",
                    alarm.name, alarm.region
                );
                self.stop(next, Status::Fail, broken(Link::Topic, arn, problem));
                continue;
            }
            self.walk_topic(next, arn);
        }
    }

    fn walk_topic(&mut self, mut partial: Partial<'a>, arn: &str) {
        if self.snapshot.missing_topics.iter().any(|m| m == arn) {
            let problem = format!(
                "topic {arn} does not exist; recreate it or point the alarm at an existing topic"
            );
            return self.stop(partial, Status::Fail, broken(Link::Topic, arn, problem));
        }
        let Some(topic) = self.snapshot.topics.iter().find(|t| t.arn == arn) else {
            let errors = errors_about(self.snapshot, "sns", None, &[arn]);
            let problem = if errors.is_empty() {
                format!("topic {arn} was not collected")
            } else {
                format!("topic {arn} could not be read: {}", describe(&errors))
            };
            return self.stop(partial, Status::Error, broken(Link::Topic, arn, problem));
        };
        match topic::judge_topic(topic, self.account(), self.snapshot) {
            LinkVerdict::Broken(problem) => {
                return self.stop(partial, Status::Fail, broken(Link::Topic, arn, problem))
            }
            LinkVerdict::Judge(why) => {
                // An undescribed key whose DescribeKey failed is unreadable, not a judgement.
                let key = topic.attributes.get("KmsMasterKeyId").map(String::as_str);
                let errors = match key {
                    Some(key) if !self.snapshot.kms_keys.iter().any(|k| k.reference == key) => {
                        errors_about(self.snapshot, "kms", None, &[key])
                    }
                    _ => Vec::new(),
                };
                if errors.is_empty() {
                    partial.judgements.push(broken(Link::Topic, arn, why));
                } else {
                    let problem = format!("{why}: {}", describe(&errors));
                    return self.stop(partial, Status::Error, broken(Link::Topic, arn, problem));
                }
            }
            LinkVerdict::Ok(notes) => partial.notes.extend(notes),
        }
        let Some(subscriptions) = &topic.subscriptions else {
            let errors = errors_about(self.snapshot, "sns", None, &[arn]);
            let problem = if errors.is_empty() {
                format!("the subscriptions of topic {arn} were not collected")
            } else {
                format!(
                    "the subscriptions of topic {arn} could not be read: {}",
                    describe(&errors)
                )
            };
            return self.stop(
                partial,
                Status::Error,
                broken(Link::Subscription, arn, problem),
            );
        };
        let Some(confirmed) = subscriptions.iter().find(|s| topic::is_confirmed(s)) else {
            let pending = subscriptions
                .iter()
                .filter(|s| s.arn == "PendingConfirmation")
                .count();
            let problem = format!(
                "topic {arn} has no confirmed subscription{}; subscribe someone and confirm it",
                if pending > 0 {
                    format!(" ({pending} pending confirmation)")
                } else {
                    String::new()
                }
            );
            return self.stop(
                partial,
                Status::Fail,
                broken(Link::Subscription, arn, problem),
            );
        };
        partial.chain.subscription = Some(SubscriptionLink {
            arn: confirmed.arn.clone(),
            protocol: confirmed.protocol.clone(),
            endpoint: confirmed.endpoint.clone(),
        });
        self.complete(partial);
    }

    /// Turns what the walk found into the finding's verdict, reason and evidence.
    fn conclude(mut self, finding: &mut Finding) {
        finding.lints = self.lint_chain_filters();
        // Prefer a chain that needs no exception.
        self.passing.sort_by_key(|p| p.exception.is_some());
        if let Some(pass) = self.passing.into_iter().next() {
            finding.status = Status::Pass;
            let chain = &pass.chain;
            let filter = chain
                .metric_filter
                .as_ref()
                .map(|f| f.name.as_str())
                .unwrap_or("?");
            let alarm = chain.alarm.as_ref().map(|a| a.name.as_str()).unwrap_or("?");
            let topic = chain.topic.as_ref().map(|t| t.arn.as_str()).unwrap_or("?");
            let trail = chain.trail.as_ref().map(|t| t.name.as_str()).unwrap_or("?");
            finding.reason = match pass.exception {
                Some(e) => format!(
                    "Passes under an accepted exception: filter {filter} does not catch every event, accepted by {} until {}; the rest of the chain (trail {trail}, alarm {alarm}, topic {topic}) is complete.",
                    e.owner, e.expires
                ),
                None => format!(
                    "Trail {trail} feeds filter {filter}, whose alarm {alarm} notifies topic {topic}, which has a confirmed subscriber."
                ),
            };
            finding.exception = pass.exception.map(|e| applied(e, false));
            finding.notes = dedup(pass.notes);
            finding.evidence.passing_chain = Some(pass.chain);
            return;
        }
        // Best (furthest) first; among equals, ERROR and MANUAL before FAIL.
        self.candidates
            .sort_by(|a, b| b.0.cmp(&a.0).then(b.2.status.cmp(&a.2.status)));
        let statuses: BTreeSet<Status> = self.candidates.iter().map(|c| c.2.status).collect();
        finding.status = if statuses.contains(&Status::Error) {
            Status::Error
        } else if statuses.contains(&Status::Manual) {
            Status::Manual
        } else {
            Status::Fail
        };
        let lead = self
            .candidates
            .iter()
            .find(|c| c.2.status == finding.status)
            .map(|c| &c.2);
        let what = lead
            .and_then(|c| c.first_broken_link.as_ref().or(c.needs_judgement.first()))
            .map(|l| l.problem.clone())
            .unwrap_or_else(|| "no candidate chain was found".to_string());
        // When the verdict is ERROR or MANUAL, the best verified failure is still worth saying.
        let failure = self
            .candidates
            .iter()
            .find(|c| c.2.status == Status::Fail)
            .and_then(|c| c.2.first_broken_link.as_ref())
            .map(|l| {
                format!(
                    " Meanwhile the best chain that could be checked fails: {}.",
                    l.problem
                )
            })
            .unwrap_or_default();
        finding.reason = match finding.status {
            Status::Error => format!("Could not be verified: {what}.{failure}"),
            Status::Manual => format!("Needs a person's judgement: {what}.{failure}"),
            _ => format!("{}.", capitalise(&what)),
        };
        if let Some(e) = self.expired {
            finding.notes.push(format!(
                "the exception for filter {} (owner {}) expired on {}, so it no longer applies",
                e.filter, e.owner, e.expires
            ));
            finding.exception = Some(applied(e, true));
        }
        let mut notes = Vec::new();
        for (_, candidate_notes, candidate) in self.candidates {
            notes.extend(candidate_notes);
            finding.evidence.candidates.push(candidate);
        }
        finding.notes.extend(dedup(notes));
    }
}

impl Walker<'_> {
    /// Lints on the filters of the chains the finding shows: the passing chain, or else every
    /// candidate. Each filter once.
    fn lint_chain_filters(&self) -> Vec<FilterLint> {
        let chains: Vec<&Chain> = match self.passing.iter().find(|p| p.exception.is_none()) {
            Some(pass) => vec![&pass.chain],
            None => self
                .passing
                .iter()
                .map(|p| &p.chain)
                .chain(self.candidates.iter().map(|c| &c.2.chain))
                .collect(),
        };
        let mut seen = BTreeSet::new();
        let mut found = Vec::new();
        for chain in chains {
            let (Some(group), Some(filter)) = (&chain.log_group, &chain.metric_filter) else {
                continue;
            };
            if !seen.insert((group.arn.as_str(), filter.name.as_str())) {
                continue;
            }
            let mut codes = BTreeSet::new();
            for (code, message) in crate::pattern::lints(&filter.pattern) {
                if !codes.insert(code.clone()) {
                    continue;
                }
                found.push(FilterLint {
                    filter: filter.name.clone(),
                    log_group: group.name.clone(),
                    code,
                    message,
                });
            }
        }
        found
    }
}

fn applied(e: &Exception, expired: bool) -> AppliedException {
    AppliedException {
        control: e.control.clone(),
        filter: e.filter.clone(),
        log_group: e.log_group.clone(),
        justification: e.justification.clone(),
        owner: e.owner.clone(),
        expires: e.expires.to_string(),
        expired,
    }
}

fn filter_link(filter: &MetricFilter, variant: Option<String>) -> MetricFilterLink {
    let transformation = filter.transformations.first();
    MetricFilterLink {
        name: filter.name.clone(),
        pattern: filter.pattern.clone(),
        metric_name: transformation
            .map(|t| t.metric_name.clone())
            .unwrap_or_default(),
        metric_namespace: transformation
            .map(|t| t.metric_namespace.clone())
            .unwrap_or_default(),
        metric_value: transformation
            .map(|t| t.metric_value.clone())
            .unwrap_or_default(),
        catches_variant: variant,
    }
}

/// The words a pattern tests (event names, sources, error codes), to tell a related filter that
/// misses events from an unrelated one. Compared on the raw text: cheap and good enough for a
/// hint, never for a verdict.
fn pattern_words<'t>(texts: impl Iterator<Item = &'t str>) -> BTreeSet<String> {
    const NOISE: &[&str] = &[
        "eventName",
        "eventSource",
        "errorCode",
        "userIdentity",
        "type",
        "amazonaws",
        "com",
        "NOT",
        "EXISTS",
    ];
    texts
        .flat_map(|t| t.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| w.len() > 2 && !NOISE.contains(w))
        .map(str::to_string)
        .collect()
}

/// Collection errors about `service` in `region` concerning one of `resources` (an error with
/// no resource concerns the whole service in its region; an empty `resources` accepts all).
fn errors_about<'s>(
    snapshot: &'s Snapshot,
    service: &str,
    region: Option<&str>,
    resources: &[&str],
) -> Vec<&'s CollectionError> {
    snapshot
        .errors
        .iter()
        .filter(|e| e.service.eq_ignore_ascii_case(service))
        .filter(|e| match (region, e.region.as_deref()) {
            (Some(wanted), Some(actual)) => wanted == actual,
            _ => true,
        })
        .filter(|e| match e.resource.as_deref() {
            None => true,
            Some(resource) => resources.is_empty() || resources.contains(&resource),
        })
        .collect()
}

fn describe(errors: &[&CollectionError]) -> String {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}:{}{} failed{}: {}",
                e.service,
                e.operation,
                e.region
                    .as_deref()
                    .map(|r| format!(" in {r}"))
                    .unwrap_or_default(),
                e.code
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default(),
                e.message
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
