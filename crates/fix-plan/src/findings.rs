//! From audit findings to [`ControlGap`]s: where each failing control's best chain breaks.
//!
//! FAIL findings are fixed by completing the best failing candidate chain (the audit ranks the
//! one that got furthest first).
//!
//! A MANUAL finding (some chain needs a person's judgement, typically a filter whose coverage
//! could not be decided) is fixed when the fix needs no judgement either: by completing a
//! failing candidate whose links before the break were all verified, or else, when the
//! judgement is about a metric filter on a log group the chain reached, by adding the
//! benchmark's own filter (and its alarm) there. The plan only adds resources, and the
//! completed chain makes the control pass without anyone's judgement; the planner refuses to
//! add a filter whose pattern is already on the log group (that one was judged already).
//!
//! An ERROR finding (something could not be read) is reported as unresolved: planning on the
//! strength of a read that failed would be guessing. So is a MANUAL finding none of these apply
//! to.

use crate::input::{BrokenLink, ControlGap};
use audit::{AuditReport, CandidateChain, Finding, Link, Status};
use snapshot::Snapshot;

/// The gaps to plan for, and the findings the planner cannot act on (as unresolved items).
#[derive(Debug, Clone, PartialEq)]
pub struct Gaps {
    /// One gap per FAIL finding, and per MANUAL finding a fix can settle.
    pub gaps: Vec<ControlGap>,
    /// ERROR findings and the other MANUAL ones, with why nothing is planned for them.
    pub not_planned: Vec<crate::model::Unresolved>,
}

/// Reads the failing controls of `report` (about `snapshot`).
pub fn gaps(report: &AuditReport, snapshot: &Snapshot) -> Gaps {
    let mut out = Gaps {
        gaps: Vec::new(),
        not_planned: Vec::new(),
    };
    for finding in &report.findings {
        let broken = match finding.status {
            Status::Pass => continue,
            Status::Fail => Some(
                finding
                    .evidence
                    .candidates
                    .iter()
                    .find(|c| c.status == Status::Fail)
                    .map(|c| broken_link(c, snapshot))
                    .unwrap_or_else(|| BrokenLink::Trail {
                        missing: finding.reason.clone(),
                        trail_arn: None,
                    }),
            ),
            Status::Manual => manual_fix(finding, snapshot),
            Status::Error => None,
        };
        match broken {
            Some(broken) => out.gaps.push(gap(finding, broken)),
            None => out.not_planned.push(crate::model::Unresolved {
                control_id: finding.control_id.clone(),
                message: format!(
                    "{}: {} (trailwatch fix changes nothing it could not verify)",
                    finding.status, finding.reason
                ),
            }),
        }
    }
    out
}

/// What fixes a MANUAL finding without anyone's judgement, if anything (see the module doc).
fn manual_fix(finding: &Finding, snapshot: &Snapshot) -> Option<BrokenLink> {
    let candidates = &finding.evidence.candidates;
    let verified_failing = candidates
        .iter()
        .find(|c| c.status == Status::Fail && c.needs_judgement.is_empty());
    if let Some(candidate) = verified_failing {
        return Some(broken_link(candidate, snapshot));
    }
    candidates.iter().find_map(|c| {
        let judged_filter = c
            .first_broken_link
            .iter()
            .chain(&c.needs_judgement)
            .any(|b| b.link == Link::MetricFilter);
        let group = c.chain.log_group.as_ref()?;
        judged_filter.then(|| BrokenLink::Filter {
            region: group.region.clone(),
            log_group: group.name.clone(),
        })
    })
}

fn gap(finding: &Finding, broken: BrokenLink) -> ControlGap {
    let required = finding.evidence.required_patterns.first();
    let (pattern, pattern_note) = match required {
        Some(r) => match &r.intended {
            Some(intended) => (
                intended.clone(),
                Some(format!(
                    "CIS {} prints `{}`, which is known to be wrong; this installs the pattern it \
                     intends",
                    finding.benchmark, r.text
                )),
            ),
            None => (r.text.clone(), None),
        },
        None => (String::new(), None),
    };
    let broken = if required.is_none() {
        BrokenLink::Other {
            message: format!("{} is not a metric-filter control", finding.title),
        }
    } else {
        broken
    };
    ControlGap {
        id: finding.control_id.clone(),
        slug: finding.topic.clone(),
        title: finding.title.clone(),
        pattern,
        pattern_note,
        finding: finding.reason.clone(),
        broken,
    }
}

fn broken_link(candidate: &CandidateChain, snapshot: &Snapshot) -> BrokenLink {
    let chain = &candidate.chain;
    let Some(broken) = &candidate.first_broken_link else {
        return BrokenLink::Other {
            message: "the audit names no broken link".into(),
        };
    };
    let other = |what: &str| BrokenLink::Other {
        message: format!(
            "the audit's chain breaks at the {} but names no {what}",
            broken.link
        ),
    };
    match broken.link {
        Link::Trail | Link::LogGroup => BrokenLink::Trail {
            missing: broken.problem.clone(),
            trail_arn: chain.trail.as_ref().map(|t| t.arn.clone()),
        },
        Link::MetricFilter => match &chain.log_group {
            Some(group) => BrokenLink::Filter {
                region: group.region.clone(),
                log_group: group.name.clone(),
            },
            None => other("log group"),
        },
        Link::Alarm => match (&chain.log_group, &chain.metric_filter) {
            (Some(group), Some(filter)) => BrokenLink::Alarm {
                region: group.region.clone(),
                namespace: filter.metric_namespace.clone(),
                metric_name: filter.metric_name.clone(),
            },
            _ => other("metric filter"),
        },
        Link::Topic => match (&chain.alarm, &chain.metric_filter) {
            (Some(alarm), Some(filter)) => {
                let topic_arn = broken.resource.clone();
                if snapshot.missing_topics.contains(&topic_arn) {
                    BrokenLink::TopicMissing {
                        topic_arn,
                        namespace: filter.metric_namespace.clone(),
                        metric_name: filter.metric_name.clone(),
                    }
                } else {
                    BrokenLink::TopicUnusable {
                        topic_arn,
                        why: broken.problem.clone(),
                        region: alarm.region.clone(),
                        namespace: filter.metric_namespace.clone(),
                        metric_name: filter.metric_name.clone(),
                    }
                }
            }
            _ => other("alarm"),
        },
        Link::Subscription => match &chain.topic {
            Some(topic) => BrokenLink::Subscription {
                topic_arn: topic.arn.clone(),
            },
            None => other("topic"),
        },
        Link::SecurityHub => BrokenLink::Other {
            message: broken.problem.clone(),
        },
    }
}
