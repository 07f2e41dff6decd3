//! What the audit produces: one [`Finding`] per control, with the evidence behind its verdict.
//!
//! These are plain serde types so every renderer (table, JSON, OCSF, ASFF, SARIF, JUnit, CSV) and
//! the fix planner read the same data. A chain is concrete: every link names the AWS resource
//! (ARN, name, region) the engine looked at, so a person can go and look too.

use serde::{Deserialize, Serialize};

/// The result of auditing one snapshot against one benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    /// The benchmark version audited, e.g. `v3.0.0`.
    pub benchmark: String,
    /// The audited account's 12-digit id.
    pub account_id: String,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// When the snapshot was collected (RFC 3339), if the snapshot says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// The regions the snapshot covered.
    #[serde(default)]
    pub regions: Vec<String>,
    /// How filter patterns were compared with the benchmark's.
    pub pattern_mode: PatternMode,
    /// One finding per control of the benchmark, in catalogue order.
    pub findings: Vec<Finding>,
    /// Counts per status.
    pub summary: Summary,
}

/// How a metric filter's pattern is compared with the benchmark's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternMode {
    /// By meaning: the filter passes when it catches every event the benchmark's pattern catches.
    #[default]
    Semantic,
    /// Like Security Hub: the filter must be the benchmark's pattern, up to operand order,
    /// quoting, parentheses and whitespace.
    StrictText,
}

/// Counts of findings per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Controls that passed.
    pub pass: usize,
    /// Controls that failed.
    pub fail: usize,
    /// Controls a person must judge.
    pub manual: usize,
    /// Controls that could not be verified because data could not be read.
    pub error: usize,
}

/// The verdict on a control (or on one candidate chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Every link of at least one chain was verified.
    Pass,
    /// No chain is complete, and every gap was verified.
    Fail,
    /// A person must judge (e.g. the chain continues in an account the snapshot cannot see).
    Manual,
    /// Something needed could not be read, so the control could not be verified.
    Error,
}

/// Whether a CIS control is automated or manual in the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// The benchmark calls the control "Automated".
    Automated,
    /// The benchmark calls the control "Manual".
    Manual,
}

/// The verdict on one control, with why and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The control id in this benchmark, e.g. `4.4` or `5.4`.
    pub control_id: String,
    /// The topic slug, stable across benchmark versions, e.g. `iam-policy-changes`.
    pub topic: String,
    /// The control title as the benchmark prints it.
    pub title: String,
    /// The CIS profile level (1 or 2).
    pub level: u8,
    /// Automated or manual in the benchmark.
    pub assessment: Assessment,
    /// The benchmark version, e.g. `v3.0.0`.
    pub benchmark: String,
    /// The verdict.
    pub status: Status,
    /// One sentence a person can act on.
    pub reason: String,
    /// What the engine looked at.
    pub evidence: Evidence,
    /// Why the control matters (from the catalogue).
    pub rationale: String,
    /// How to fix it (from the catalogue).
    pub remediation: String,
    /// Warnings and remarks that do not change the verdict (e.g. a long alarm period).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The accepted exception that turned a gap into a PASS, or that no longer applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<AppliedException>,
    /// Lints on the metric filters the engine looked at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lints: Vec<FilterLint>,
}

/// The evidence behind a finding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The benchmark patterns a filter must catch (any one variant suffices).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_patterns: Vec<RequiredPattern>,
    /// The complete chain that made the control pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passing_chain: Option<Chain>,
    /// Every chain tried that is not complete, best first (the one that got furthest).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<CandidateChain>,
    /// Security Hub per region (the Security Hub control only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_hub: Vec<SecurityHubRegion>,
}

/// A benchmark pattern a filter must catch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredPattern {
    /// The pattern as the benchmark prints it.
    pub text: String,
    /// Which variant (e.g. `default`, `sso`).
    pub variant: String,
    /// When the printed text is known to be wrong: the pattern the benchmark intended, which a
    /// filter may cover instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended: Option<String>,
}

/// A monitoring chain: the resources from trail to subscriber. In a passing chain every link is
/// present; in a candidate, the broken link is present when its resource exists (a trail that
/// does not qualify, a filter that misses events, a misconfigured alarm) and the links after it
/// are absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// The trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail: Option<TrailLink>,
    /// The CloudWatch Logs log group the trail delivers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<LogGroupLink>,
    /// The metric filter on that log group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_filter: Option<MetricFilterLink>,
    /// The alarm on the filter's metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<AlarmLink>,
    /// The SNS topic the alarm notifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<TopicLink>,
    /// A confirmed subscription of the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<SubscriptionLink>,
}

/// The trail of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailLink {
    /// The trail's name.
    pub name: String,
    /// The trail's ARN.
    pub arn: String,
    /// The trail's home region.
    pub home_region: String,
}

/// The log group of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogGroupLink {
    /// The log group's name.
    pub name: String,
    /// The log group's ARN as the trail names it.
    pub arn: String,
    /// The region it lives in.
    pub region: String,
    /// The account that owns it.
    pub account_id: String,
}

/// The metric filter of a chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFilterLink {
    /// The filter's name.
    pub name: String,
    /// The filter's pattern, exactly as AWS returned it.
    pub pattern: String,
    /// The metric the filter publishes.
    pub metric_name: String,
    /// The metric's namespace.
    pub metric_namespace: String,
    /// The value published per match.
    pub metric_value: String,
    /// Which benchmark variant the filter catches (when it catches one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catches_variant: Option<String>,
}

/// The alarm of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmLink {
    /// The alarm's name.
    pub name: String,
    /// The alarm's ARN.
    pub arn: String,
    /// The region it lives in.
    pub region: String,
}

/// The SNS topic of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicLink {
    /// The topic's ARN.
    pub arn: String,
    /// The region it lives in (from the ARN).
    pub region: String,
}

/// The subscription of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionLink {
    /// The subscription's ARN.
    pub arn: String,
    /// `email`, `https`, `sqs`, ...
    pub protocol: String,
    /// The endpoint.
    pub endpoint: String,
}

/// A chain that did not complete, and where it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateChain {
    /// This candidate's own verdict: `Fail`, `Error` or `Manual`.
    pub status: Status,
    /// The links found before the chain stopped.
    pub chain: Chain,
    /// Where the chain stopped and why. Always present for `Fail` and `Error`; for `Manual` it
    /// is the link that needs a person's judgement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_broken_link: Option<BrokenLink>,
    /// Links the chain went on past without verifying them: unreadable ones (which make a
    /// complete chain ERROR) and ones that need a person's judgement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs_judgement: Vec<BrokenLink>,
}

/// A link of the chain that is missing, wrong, unreadable or needs judgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// Which link.
    pub link: Link,
    /// The resource concerned (ARN or name), or what was looked for when nothing was found.
    pub resource: String,
    /// What is wrong, in words a person can act on.
    pub problem: String,
    /// When a filter misses: an event the benchmark's pattern catches and the filter does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<serde_json::Value>,
}

/// The links of a monitoring chain, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// The CloudTrail trail.
    Trail,
    /// The CloudWatch Logs log group.
    LogGroup,
    /// The metric filter.
    MetricFilter,
    /// The CloudWatch alarm.
    Alarm,
    /// The SNS topic.
    Topic,
    /// The SNS subscription.
    Subscription,
    /// Security Hub (the Security Hub control only).
    SecurityHub,
}

/// Security Hub in one region, as the Security Hub control saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityHubRegion {
    /// The region.
    pub region: String,
    /// `Pass` (enabled), `Fail` (not enabled) or `Error` (could not be read).
    pub status: Status,
    /// The hub ARN, when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_arn: Option<String>,
    /// What went wrong, when not enabled or not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// An accepted exception from `trailwatch.toml`, as applied to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedException {
    /// The control id or topic slug the exception names.
    pub control: String,
    /// The metric filter it accepts.
    pub filter: String,
    /// The log group it is limited to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    /// Why the gap is accepted.
    pub justification: String,
    /// Who owns the decision.
    pub owner: String,
    /// The last day it applies (`YYYY-MM-DD`).
    pub expires: String,
    /// Whether it still applied on the audit date.
    pub expired: bool,
}

/// A lint on a metric filter the engine looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterLint {
    /// The filter's name.
    pub filter: String,
    /// The log group it is on.
    pub log_group: String,
    /// The lint's code.
    pub code: String,
    /// What the lint says.
    pub message: String,
}

impl Summary {
    /// Counts the findings per status.
    pub fn of(findings: &[Finding]) -> Summary {
        let mut summary = Summary::default();
        for finding in findings {
            match finding.status {
                Status::Pass => summary.pass += 1,
                Status::Fail => summary.fail += 1,
                Status::Manual => summary.manual += 1,
                Status::Error => summary.error += 1,
            }
        }
        summary
    }
}

impl AuditReport {
    /// The report's worst status: `Error` over `Fail` over `Manual` over `Pass`.
    pub fn worst_status(&self) -> Status {
        if self.summary.error > 0 {
            Status::Error
        } else if self.summary.fail > 0 {
            Status::Fail
        } else if self.summary.manual > 0 {
            Status::Manual
        } else {
            Status::Pass
        }
    }
}

impl AuditReport {
    /// The process exit code for this report, as every trailwatch command uses it: 0 when every
    /// control passed; 1 when a control failed and none errored; 2 when a control errored, or
    /// when some need a person's judgement and none failed (nothing failed, but not everything
    /// was verified).
    pub fn exit_code(&self) -> u8 {
        match self.worst_status() {
            Status::Pass => 0,
            Status::Fail => 1,
            Status::Manual | Status::Error => 2,
        }
    }
}

impl Finding {
    /// The candidate chain that got furthest, if the control did not pass.
    pub fn best_candidate(&self) -> Option<&CandidateChain> {
        self.evidence.candidates.first()
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Manual => "MANUAL",
            Status::Error => "ERROR",
        })
    }
}

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Link::Trail => "trail",
            Link::LogGroup => "log group",
            Link::MetricFilter => "metric filter",
            Link::Alarm => "alarm",
            Link::Topic => "SNS topic",
            Link::Subscription => "subscription",
            Link::SecurityHub => "Security Hub",
        })
    }
}
