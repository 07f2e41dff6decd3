//! The plan: what `trailwatch fix` would create or change, in dependency order, and why.
//!
//! Every resource a step creates is named up front, and every ARN a later step needs is derived
//! from names (topic, log group, role and key alias ARNs are deterministic), so a plan is plain
//! data that can be printed, serialised, emitted as code or applied. The applier may still
//! rename a resource whose name turns out to be taken at apply time; it then rewrites the ARNs of
//! later steps (see `aws-apply`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tag key marking every resource trailwatch creates; its value is [`MANAGED_TAG_VALUE`].
pub const MANAGED_TAG_KEY: &str = "trailwatch:managed";
/// Value of [`MANAGED_TAG_KEY`].
pub const MANAGED_TAG_VALUE: &str = "true";
/// Tag key naming the control(s) a created resource serves (space-separated CIS ids).
pub const CONTROL_TAG_KEY: &str = "trailwatch:control";
/// Prefix of every metric filter, metric and alarm name trailwatch derives from a control slug.
///
/// Metric filters cannot be tagged, so trailwatch recognises a filter as its own by this name
/// prefix *and* a pattern, metric namespace and metric name equal to what it would write.
pub const NAME_PREFIX: &str = "cis-";
/// The default name of the SNS topic trailwatch creates for the alarms.
pub const DEFAULT_TOPIC_NAME: &str = "trailwatch-cis-alarms";
/// The default metric namespace for the metrics trailwatch's filters publish.
pub const DEFAULT_NAMESPACE: &str = "CISBenchmark";

/// The names tried in turn when a name is taken: `base` (when `from` is 1), `base-2`,
/// `base-3`, ... starting at suffix `from`.
pub fn suffixed(base: &str, from: u32) -> impl Iterator<Item = String> + '_ {
    (from.max(1)..).map(move |n| {
        if n == 1 {
            base.to_string()
        } else {
            format!("{base}-{n}")
        }
    })
}

/// A reviewable, ordered list of changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The account the plan applies to.
    pub account_id: String,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// The steps, each after every step it depends on.
    pub steps: Vec<Step>,
    /// Controls (or parts of them) the plan cannot fix, with what is missing.
    pub unresolved: Vec<Unresolved>,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What the step does.
    pub action: Action,
    /// The findings it closes (several controls can share one step, e.g. the topic).
    pub reasons: Vec<Reason>,
}

/// Why a step is in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The CIS control id, e.g. `4.4`.
    pub control_id: String,
    /// The finding the step closes, in one line.
    pub finding: String,
}

/// Something the plan does not fix, and what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unresolved {
    /// The CIS control id.
    pub control_id: String,
    /// What is missing and how to get it fixed.
    pub message: String,
}

/// The tags of a created resource, sorted by key.
pub type Tags = BTreeMap<String, String>;

/// One change to the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Create a CloudWatch Logs log group for a trail to deliver to.
    CreateLogGroup {
        /// The region.
        region: String,
        /// The log group's name.
        name: String,
        /// Tags.
        tags: Tags,
    },
    /// Create the IAM role CloudTrail assumes to deliver to CloudWatch Logs.
    CreateTrailDeliveryRole {
        /// The role's name.
        role_name: String,
        /// The trust policy (JSON) letting `cloudtrail.amazonaws.com` assume it.
        trust_policy: String,
        /// The name of its inline policy.
        policy_name: String,
        /// The inline policy (JSON) allowing `logs:CreateLogStream` / `logs:PutLogEvents`.
        permissions_policy: String,
        /// Tags.
        tags: Tags,
    },
    /// Point an existing trail at a log group (and make it multi-region).
    UpdateTrail {
        /// The trail's home region.
        region: String,
        /// The trail's name.
        trail_name: String,
        /// The trail's ARN.
        trail_arn: String,
        /// The log group ARN (`arn:...:log-group:NAME:*`) to deliver to.
        log_group_arn: String,
        /// The delivery role's ARN.
        role_arn: String,
        /// Whether to turn on multi-region recording.
        make_multi_region: bool,
    },
    /// Start logging on a trail that is stopped.
    StartLogging {
        /// The trail's home region.
        region: String,
        /// The trail's ARN.
        trail_arn: String,
    },
    /// Create a customer managed KMS key (and its alias) for the topic.
    CreateKey {
        /// The region.
        region: String,
        /// The alias (`alias/...`) the topic refers to the key by.
        alias: String,
        /// The key policy (JSON) allowing CloudWatch to use the key.
        policy: String,
        /// Tags.
        tags: Tags,
    },
    /// Create an SNS topic.
    CreateTopic {
        /// The region.
        region: String,
        /// The topic's name.
        name: String,
        /// The topic's ARN (derived from the name).
        arn: String,
        /// The KMS key (alias) that encrypts it, if any.
        kms_key: Option<String>,
        /// Tags.
        tags: Tags,
    },
    /// Set the access policy of a topic trailwatch creates.
    SetTopicPolicy {
        /// The region.
        region: String,
        /// The topic's ARN.
        topic_arn: String,
        /// The policy (JSON).
        policy: String,
    },
    /// Subscribe an endpoint to a topic.
    Subscribe {
        /// The region.
        region: String,
        /// The topic's ARN.
        topic_arn: String,
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// Create a metric filter.
    PutMetricFilter {
        /// The region.
        region: String,
        /// The log group's name.
        log_group: String,
        /// The filter's name.
        name: String,
        /// The filter pattern.
        pattern: String,
        /// Why this pattern and not the benchmark's printed text, when they differ.
        pattern_note: Option<String>,
        /// The metric namespace.
        namespace: String,
        /// The metric name.
        metric_name: String,
        /// The value published per match (always `1`).
        metric_value: String,
    },
    /// Create a metric alarm.
    PutMetricAlarm {
        /// The region.
        region: String,
        /// The alarm's name.
        name: String,
        /// The alarm's description.
        description: String,
        /// The metric namespace.
        namespace: String,
        /// The metric name.
        metric_name: String,
        /// The topic the alarm notifies.
        topic_arn: String,
        /// Tags.
        tags: Tags,
    },
}

/// The fixed settings of every alarm trailwatch creates.
pub mod alarm_settings {
    /// The statistic.
    pub const STATISTIC: &str = "Sum";
    /// The period in seconds.
    pub const PERIOD: i32 = 300;
    /// The threshold.
    pub const THRESHOLD: f64 = 1.0;
    /// The comparison operator.
    pub const COMPARISON: &str = "GreaterThanOrEqualToThreshold";
    /// The number of evaluation periods.
    pub const EVALUATION_PERIODS: i32 = 1;
    /// How missing data is treated.
    pub const TREAT_MISSING_DATA: &str = "notBreaching";
}

/// A subscription endpoint, as given to `--subscribe PROTOCOL:TARGET`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// `email`, `https`, `sqs` or `lambda`.
    pub protocol: String,
    /// The address, URL or ARN.
    pub target: String,
}

impl Endpoint {
    /// Parses `email:ADDRESS`, `https:URL`, `sqs:ARN` or `lambda:ARN`.
    ///
    /// `https:` keeps the scheme in the endpoint (`https:https://...` and `https:example.com/x`
    /// both give `https://...`), because SNS wants a full URL.
    pub fn parse(text: &str) -> Result<Endpoint, String> {
        let (protocol, target) = text.split_once(':').ok_or_else(|| {
            format!("--subscribe {text:?}: expected PROTOCOL:TARGET (email, https, sqs or lambda)")
        })?;
        if target.is_empty() {
            return Err(format!(
                "--subscribe {text:?}: the target after {protocol:?} is empty"
            ));
        }
        let target = match protocol {
            "email" if target.contains('@') => target.to_string(),
            "email" => return Err(format!("--subscribe {text:?}: {target:?} is not an email address")),
            "https" if target.starts_with("https://") => target.to_string(),
            "https" if target.starts_with("//") => format!("https:{target}"),
            "https" if target.contains("://") => {
                return Err(format!("--subscribe {text:?}: https endpoints must use https://"))
            }
            "https" => format!("https://{target}"),
            "sqs" | "lambda" if target.starts_with("arn:") => target.to_string(),
            "sqs" | "lambda" => return Err(format!("--subscribe {text:?}: {protocol} needs an ARN")),
            other => {
                return Err(format!(
                    "--subscribe {text:?}: unknown protocol {other:?} (use email, https, sqs or lambda)"
                ))
            }
        };
        Ok(Endpoint {
            protocol: protocol.to_string(),
            target,
        })
    }

    /// Whether SNS waits for the endpoint's owner to confirm before delivering.
    pub fn needs_confirmation(&self) -> bool {
        matches!(self.protocol.as_str(), "email" | "https")
    }
}

impl Action {
    /// The region the step runs in (IAM is global: `None`).
    pub fn region(&self) -> Option<&str> {
        match self {
            Action::CreateTrailDeliveryRole { .. } => None,
            Action::CreateLogGroup { region, .. }
            | Action::UpdateTrail { region, .. }
            | Action::StartLogging { region, .. }
            | Action::CreateKey { region, .. }
            | Action::CreateTopic { region, .. }
            | Action::SetTopicPolicy { region, .. }
            | Action::Subscribe { region, .. }
            | Action::PutMetricFilter { region, .. }
            | Action::PutMetricAlarm { region, .. } => Some(region),
        }
    }

    /// One line saying what the step does, e.g. `create SNS topic x in eu-west-1`.
    pub fn summary(&self) -> String {
        match self {
            Action::CreateLogGroup { region, name, .. } => {
                format!("create log group {name} in {region}")
            }
            Action::CreateTrailDeliveryRole { role_name, .. } => {
                format!("create IAM role {role_name} for CloudTrail to deliver to CloudWatch Logs")
            }
            Action::UpdateTrail { trail_name, log_group_arn, make_multi_region, .. } => format!(
                "update trail {trail_name}: deliver to {log_group_arn}{}",
                if *make_multi_region { ", record all regions" } else { "" }
            ),
            Action::StartLogging { trail_arn, .. } => format!("start logging on trail {trail_arn}"),
            Action::CreateKey { region, alias, .. } => {
                format!("create KMS key {alias} in {region} (CloudWatch may use it)")
            }
            Action::CreateTopic { region, name, kms_key, .. } => format!(
                "create SNS topic {name} in {region}{}",
                kms_key.as_deref().map(|k| format!(" encrypted with {k}")).unwrap_or_default()
            ),
            Action::SetTopicPolicy { topic_arn, .. } => format!(
                "set the policy of {topic_arn}: cloudwatch.amazonaws.com may sns:Publish"
            ),
            Action::Subscribe { topic_arn, endpoint, .. } => format!(
                "subscribe {}:{} to {topic_arn}{}",
                endpoint.protocol,
                endpoint.target,
                if endpoint.needs_confirmation() {
                    " (the recipient must still confirm it)"
                } else {
                    ""
                }
            ),
            Action::PutMetricFilter { log_group, name, namespace, metric_name, .. } => format!(
                "create metric filter {name} on log group {log_group} -> metric {namespace}/{metric_name}"
            ),
            Action::PutMetricAlarm { name, namespace, metric_name, topic_arn, .. } => format!(
                "create alarm {name} on {namespace}/{metric_name} (Sum >= 1 per 300 s) notifying {topic_arn}"
            ),
        }
    }
}

impl Plan {
    /// Whether the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The distinct regions the steps run in, sorted.
    pub fn regions(&self) -> Vec<String> {
        let mut regions: Vec<String> = self
            .steps
            .iter()
            .filter_map(|s| s.action.region().map(str::to_string))
            .collect();
        regions.sort();
        regions.dedup();
        regions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_subscribe_endpoints() {
        let e = Endpoint::parse("email:sec@example.com").unwrap();
        assert_eq!(
            (e.protocol.as_str(), e.target.as_str()),
            ("email", "sec@example.com")
        );
        assert!(e.needs_confirmation());
        assert_eq!(
            Endpoint::parse("https:https://h.example/x").unwrap().target,
            "https://h.example/x"
        );
        assert_eq!(
            Endpoint::parse("https://h.example/x").unwrap().target,
            "https://h.example/x"
        );
        let sqs = Endpoint::parse("sqs:arn:aws:sqs:eu-west-1:111122223333:q").unwrap();
        assert!(!sqs.needs_confirmation());
        for bad in [
            "nope",
            "email:",
            "email:x",
            "sqs:q",
            "sms:+1555",
            "https:http://x",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
