//! What every format says about a finding's evidence: the AWS resources it concerns and the
//! lines of explanation (chain, broken links, notes, exception). One place, so the table, JUnit,
//! SARIF and CSV say the same thing in the same words.

use audit::{Assessment, AuditReport, BrokenLink, Chain, Finding, Status};

/// The kind of AWS resource a finding concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourceKind {
    /// The audited account itself.
    Account,
    /// A CloudTrail trail.
    Trail,
    /// A CloudWatch Logs log group.
    LogGroup,
    /// A CloudWatch alarm.
    Alarm,
    /// An SNS topic.
    Topic,
    /// An SNS subscription.
    Subscription,
    /// A Security Hub hub.
    SecurityHub,
}

impl ResourceKind {
    /// The ASFF resource type. Security Hub defines types for the account, trail, alarm and
    /// topic; the others are `Other`, as the ASFF documentation asks for types it does not list.
    /// OCSF `resources[].type` uses the same names so both formats agree.
    pub(crate) fn asff_type(self) -> &'static str {
        match self {
            ResourceKind::Account => "AwsAccount",
            ResourceKind::Trail => "AwsCloudTrailTrail",
            ResourceKind::Alarm => "AwsCloudWatchAlarm",
            ResourceKind::Topic => "AwsSnsTopic",
            ResourceKind::LogGroup | ResourceKind::Subscription | ResourceKind::SecurityHub => {
                "Other"
            }
        }
    }

    /// A readable name for the kind, used where the type is `Other`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            ResourceKind::Account => "account",
            ResourceKind::Trail => "trail",
            ResourceKind::LogGroup => "log group",
            ResourceKind::Alarm => "alarm",
            ResourceKind::Topic => "SNS topic",
            ResourceKind::Subscription => "SNS subscription",
            ResourceKind::SecurityHub => "Security Hub",
        }
    }
}

/// One AWS resource a finding concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resource {
    /// What it is.
    pub(crate) kind: ResourceKind,
    /// Its ARN, or for the account `AWS::::Account:<id>` (the id Security Hub itself uses).
    pub(crate) id: String,
    /// Its name, when it has one apart from the ARN.
    pub(crate) name: Option<String>,
    /// The region it lives in, when regional.
    pub(crate) region: Option<String>,
}

/// The chain whose resources a finding concerns: the passing chain, else the candidate that got
/// furthest.
pub(crate) fn relevant_chain(finding: &Finding) -> Option<&Chain> {
    finding
        .evidence
        .passing_chain
        .as_ref()
        .or_else(|| finding.best_candidate().map(|candidate| &candidate.chain))
}

/// The resources a finding concerns: always the account first (every control is an account
/// level check), then each link of [`relevant_chain`] that has an ARN, then the Security Hub
/// hubs the Security Hub control saw. Metric filters have no ARN and are named in the text
/// instead.
pub(crate) fn resources(report: &AuditReport, finding: &Finding) -> Vec<Resource> {
    let mut resources = vec![Resource {
        kind: ResourceKind::Account,
        id: format!("AWS::::Account:{}", report.account_id),
        name: None,
        region: None,
    }];
    if let Some(chain) = relevant_chain(finding) {
        if let Some(trail) = &chain.trail {
            resources.push(Resource {
                kind: ResourceKind::Trail,
                id: trail.arn.clone(),
                name: Some(trail.name.clone()),
                region: Some(trail.home_region.clone()),
            });
        }
        if let Some(group) = &chain.log_group {
            resources.push(Resource {
                kind: ResourceKind::LogGroup,
                id: group.arn.clone(),
                name: Some(group.name.clone()),
                region: Some(group.region.clone()),
            });
        }
        if let Some(alarm) = &chain.alarm {
            resources.push(Resource {
                kind: ResourceKind::Alarm,
                id: alarm.arn.clone(),
                name: Some(alarm.name.clone()),
                region: Some(alarm.region.clone()),
            });
        }
        if let Some(topic) = &chain.topic {
            resources.push(Resource {
                kind: ResourceKind::Topic,
                id: topic.arn.clone(),
                name: None,
                region: Some(topic.region.clone()),
            });
        }
        if let Some(subscription) = &chain.subscription {
            resources.push(Resource {
                kind: ResourceKind::Subscription,
                id: subscription.arn.clone(),
                name: None,
                region: chain.topic.as_ref().map(|topic| topic.region.clone()),
            });
        }
    }
    for hub in &finding.evidence.security_hub {
        if let Some(arn) = &hub.hub_arn {
            resources.push(Resource {
                kind: ResourceKind::SecurityHub,
                id: arn.clone(),
                name: None,
                region: Some(hub.region.clone()),
            });
        }
    }
    resources
}

/// One line of explanation under a finding. `depth` 0 lines are about the finding, depth 1
/// lines explain the depth 0 line above them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detail {
    /// How far to indent.
    pub(crate) depth: usize,
    /// What the line is (`passing chain`, `candidate 1 (FAIL)`, `note`, ...).
    pub(crate) label: String,
    /// The line itself.
    pub(crate) text: String,
}

impl Detail {
    fn new(depth: usize, label: impl Into<String>, text: impl Into<String>) -> Detail {
        Detail {
            depth,
            label: label.into(),
            text: text.into(),
        }
    }
}

/// The explanation of a finding, in reading order: the passing chain or every candidate chain
/// with its first broken link (and witness event), links needing judgement, Security Hub per
/// region, the exception, notes and filter lints.
pub(crate) fn details(finding: &Finding) -> Vec<Detail> {
    details_with(finding, None)
}

/// [`details`], showing at most `max_candidates` candidate chains (all when `None`) and then one
/// line saying how many were left out.
pub(crate) fn details_with(finding: &Finding, max_candidates: Option<usize>) -> Vec<Detail> {
    let mut lines = Vec::new();
    if let Some(chain) = &finding.evidence.passing_chain {
        lines.push(Detail::new(0, "passing chain", chain_text(chain)));
    }
    let candidates = &finding.evidence.candidates;
    let numbered = candidates.len() > 1;
    let shown = max_candidates.map_or(candidates.len(), |max| max.min(candidates.len()));
    for (index, candidate) in candidates.iter().take(shown).enumerate() {
        let label = if numbered {
            format!("candidate {} ({})", index + 1, candidate.status)
        } else {
            format!("candidate ({})", candidate.status)
        };
        lines.push(Detail::new(0, label, chain_text(&candidate.chain)));
        if let Some(broken) = &candidate.first_broken_link {
            let label = if candidate.status == Status::Manual {
                format!("needs judgement at {}", broken.link)
            } else {
                format!("broken at {}", broken.link)
            };
            lines.push(Detail::new(1, label, problem_text(broken)));
            if let Some(witness) = &broken.witness {
                lines.push(Detail::new(1, "missed event", witness.to_string()));
            }
        }
        for judgement in &candidate.needs_judgement {
            lines.push(Detail::new(
                1,
                format!("needs judgement at {}", judgement.link),
                problem_text(judgement),
            ));
        }
    }
    if shown < candidates.len() {
        let more = candidates.len() - shown;
        let chains = if more == 1 { "chain" } else { "chains" };
        lines.push(Detail::new(
            0,
            "not shown",
            format!("{more} more candidate {chains} (the json format has every chain)"),
        ));
    }
    for hub in &finding.evidence.security_hub {
        let mut text = hub.status.to_string();
        if let Some(arn) = &hub.hub_arn {
            text.push_str(&format!(" ({arn})"));
        }
        if let Some(problem) = &hub.problem {
            text.push_str(&format!(": {problem}"));
        }
        lines.push(Detail::new(0, format!("Security Hub {}", hub.region), text));
    }
    if let Some(exception) = &finding.exception {
        let state = if exception.expired {
            "EXPIRED"
        } else {
            "applied"
        };
        let scope = exception
            .log_group
            .as_ref()
            .map(|group| format!(" on log group {group}"))
            .unwrap_or_default();
        lines.push(Detail::new(
            0,
            format!("exception ({state})"),
            format!(
                "filter {}{scope} accepted for {} until {} (owner {}): {}",
                exception.filter,
                exception.control,
                exception.expires,
                exception.owner,
                exception.justification
            ),
        ));
    }
    for note in &finding.notes {
        lines.push(Detail::new(0, "note", note.clone()));
    }
    for lint in &finding.lints {
        lines.push(Detail::new(
            0,
            format!("lint {}", lint.code),
            format!(
                "filter {} on {}: {}",
                lint.filter, lint.log_group, lint.message
            ),
        ));
    }
    lines
}

/// The details as plain text, one `label: text` per line, indented two spaces per depth.
pub(crate) fn details_text(finding: &Finding) -> String {
    let mut text = String::new();
    for detail in details(finding) {
        text.push_str(&"  ".repeat(detail.depth));
        text.push_str(&detail.label);
        text.push_str(": ");
        text.push_str(&detail.text);
        text.push('\n');
    }
    text
}

/// A broken link's problem, followed by the resource in brackets unless the problem already
/// names it (the engine's problems usually do; repeating a long ARN only adds noise).
fn problem_text(broken: &BrokenLink) -> String {
    if names_resource(&broken.problem, &broken.resource) {
        broken.problem.clone()
    } else {
        format!("{} [{}]", broken.problem, broken.resource)
    }
}

/// Whether `problem` names `resource`: its full text, or the last part of its ARN (the name
/// after the last `:` or `/`, skipping a trailing `*`).
fn names_resource(problem: &str, resource: &str) -> bool {
    if problem.contains(resource) {
        return true;
    }
    let trimmed = resource.trim_end_matches([':', '*']);
    let name = trimmed.rsplit([':', '/']).next().unwrap_or(trimmed);
    !name.is_empty() && problem.contains(name)
}

/// A chain as one line: `trail t (us-east-1) -> log group g -> ...`, ending where the chain
/// stops. An empty chain reads `no trail`.
pub(crate) fn chain_text(chain: &Chain) -> String {
    let mut links = Vec::new();
    if let Some(trail) = &chain.trail {
        links.push(format!("trail {} ({})", trail.name, trail.home_region));
    }
    if let Some(group) = &chain.log_group {
        links.push(format!("log group {} ({})", group.name, group.region));
    }
    if let Some(filter) = &chain.metric_filter {
        let mut text = format!("metric filter {}", filter.name);
        if let Some(variant) = &filter.catches_variant {
            text.push_str(&format!(" [catches {variant}]"));
        }
        links.push(text);
    }
    if let Some(alarm) = &chain.alarm {
        links.push(format!("alarm {}", alarm.name));
    }
    if let Some(topic) = &chain.topic {
        links.push(format!("topic {}", topic.arn));
    }
    if let Some(subscription) = &chain.subscription {
        links.push(format!(
            "subscription {}:{}",
            subscription.protocol, subscription.endpoint
        ));
    }
    if links.is_empty() {
        "no trail".to_string()
    } else {
        links.join(" -> ")
    }
}

/// The CIS standard's name as OCSF and ASFF spell it, e.g.
/// `CIS AWS Foundations Benchmark v3.0.0`.
pub(crate) fn standard_name(benchmark: &str) -> String {
    format!("CIS AWS Foundations Benchmark {benchmark}")
}

/// A stable identifier for a finding: the same account, benchmark and control always give the
/// same id, so re-importing updates a finding instead of duplicating it.
pub(crate) fn finding_uid(report: &AuditReport, finding: &Finding) -> String {
    format!(
        "trailwatch/{}/cis-aws-foundations-benchmark/{}/{}",
        report.account_id, finding.benchmark, finding.control_id
    )
}

/// `automated` or `manual`, as the benchmark calls the control.
pub(crate) fn assessment_name(assessment: Assessment) -> &'static str {
    match assessment {
        Assessment::Automated => "automated",
        Assessment::Manual => "manual",
    }
}

/// `CIS 4.4: <title>`: the title every format shows.
pub(crate) fn display_title(finding: &Finding) -> String {
    format!("CIS {}: {}", finding.control_id, finding.title)
}

/// Cuts `text` to at most `max` characters, ending in `...` when cut (never splits a char).
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(3);
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str("...");
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_characters_and_marks_the_cut() {
        assert_eq!(truncate_chars("short", 10), "short");
        assert_eq!(truncate_chars("exactly10!", 10), "exactly10!");
        assert_eq!(truncate_chars("0123456789abc", 10), "0123456...");
        let accented = "é".repeat(20);
        let cut = truncate_chars(&accented, 10);
        assert_eq!(cut.chars().count(), 10);
        assert!(cut.ends_with("..."));
    }

    #[test]
    fn a_problem_that_names_its_resource_does_not_repeat_it() {
        assert!(names_resource(
            "alarm root-usage has its actions disabled",
            "arn:aws:cloudwatch:us-east-1:111122223333:alarm:root-usage"
        ));
        assert!(names_resource(
            "log group CloudTrailLogs lives in another account",
            "arn:aws:logs:us-east-1:999988887777:log-group:aws-controltower/CloudTrailLogs:*"
        ));
        assert!(!names_resource(
            "no metric filter catches the events",
            "trail-logs"
        ));
        let broken = BrokenLink {
            link: audit::Link::MetricFilter,
            resource: "trail-logs".to_string(),
            problem: "no metric filter catches the events".to_string(),
            witness: None,
        };
        assert_eq!(
            problem_text(&broken),
            "no metric filter catches the events [trail-logs]"
        );
    }

    #[test]
    fn an_empty_chain_says_there_is_no_trail() {
        assert_eq!(chain_text(&Chain::default()), "no trail");
    }
}
