//! What the planner is told: the failing controls, each with the first broken link of its best
//! chain, and the user's choices.
//!
//! The audit engine judges the chain (including whether a filter's pattern *covers* the
//! benchmark's by meaning); the planner only decides what to build from the first broken link
//! on. Keeping this input small and explicit keeps the planner pure and testable on fixtures.

use crate::model::Endpoint;

/// One failing control and where its best chain breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlGap {
    /// The CIS control id, e.g. `4.4`.
    pub id: String,
    /// The control slug, e.g. `iam-policy-changes`; filter, metric and alarm names derive from it.
    pub slug: String,
    /// The control title, used in alarm descriptions.
    pub title: String,
    /// The pattern to install: the benchmark's, or the intended one where the printed text is
    /// known to be wrong.
    pub pattern: String,
    /// When `pattern` is not the benchmark's printed text: why (shown in the plan).
    pub pattern_note: Option<String>,
    /// The finding, in one line (shown as the reason of every step that closes it).
    pub finding: String,
    /// The first broken link.
    pub broken: BrokenLink,
}

/// The first broken link of a control's best chain, with what the links before it provide.
#[derive(Debug, Clone, PartialEq)]
pub enum BrokenLink {
    /// No trail qualifies (multi-region, logging, management events, delivering to CloudWatch
    /// Logs). `missing` says what is missing, in the audit's words.
    Trail {
        /// What is missing.
        missing: String,
        /// The trail the audit's best chain went through, if any (repaired by `--with-trail`
        /// when this account owns it; else the account's best trail is).
        trail_arn: Option<String>,
    },
    /// A qualifying trail delivers to `log_group`, but no metric filter there covers the pattern.
    Filter {
        /// The log group's region.
        region: String,
        /// The log group's name.
        log_group: String,
    },
    /// A covering filter publishes `namespace/metric_name`, but no alarm on it is right
    /// (missing, another namespace, wrong statistic/threshold, actions disabled, no actions).
    Alarm {
        /// The region of the log group (and so of the metric).
        region: String,
        /// The metric namespace the covering filter publishes.
        namespace: String,
        /// The metric name the covering filter publishes.
        metric_name: String,
    },
    /// A right alarm notifies `topic_arn`, which does not exist.
    TopicMissing {
        /// The topic's ARN.
        topic_arn: String,
        /// The alarm's metric namespace (a new alarm is needed if the topic cannot be recreated).
        namespace: String,
        /// The alarm's metric name.
        metric_name: String,
    },
    /// A right alarm notifies `topic_arn`, which exists but cannot deliver (its policy denies
    /// CloudWatch, or an AWS managed key encrypts it). trailwatch does not change a topic it did
    /// not create, so it plans a new alarm on the same metric notifying its own topic.
    TopicUnusable {
        /// The topic's ARN.
        topic_arn: String,
        /// Why it cannot deliver.
        why: String,
        /// The region of the alarm.
        region: String,
        /// The alarm's metric namespace.
        namespace: String,
        /// The alarm's metric name.
        metric_name: String,
    },
    /// The topic works but has no confirmed subscription.
    Subscription {
        /// The topic's ARN.
        topic_arn: String,
    },
    /// Something the fix cannot repair (e.g. a collection error); the message says what.
    Other {
        /// What is wrong.
        message: String,
    },
}

/// The user's choices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanOptions {
    /// The metric namespace of new filters (default [`crate::DEFAULT_NAMESPACE`]).
    pub namespace: Option<String>,
    /// A topic to send the alarms to instead of trailwatch's own (`--topic-arn`).
    pub topic_arn: Option<String>,
    /// An endpoint to subscribe where a topic has no confirmed subscription (`--subscribe`).
    pub subscribe: Option<Endpoint>,
    /// Whether to make the best existing trail deliver to CloudWatch Logs (`--with-trail`).
    pub with_trail: bool,
    /// Whether trailwatch's own topic is created encrypted with a new customer managed key.
    pub encrypt_topic: bool,
}
