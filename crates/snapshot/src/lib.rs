//! The account snapshot: everything the audit reads about one AWS account, as plain serde data.
//!
//! The collector fills it from the AWS APIs; the audit engine judges it without calling AWS; a
//! snapshot saved as JSON can be audited offline. Absence and failure are kept apart: a resource
//! the collector read and found missing is simply absent (or listed in a `missing_*` field),
//! while a read that failed is recorded in [`Snapshot::errors`], so the engine can say ERROR
//! instead of FAIL.
//!
//! The JSON format is versioned by [`Snapshot::format_version`]; [`Snapshot::from_json`] refuses
//! a version it does not know, with a message that says which one it found.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The snapshot format version this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// One account's monitoring configuration, as collected at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Format version of this document; see [`FORMAT_VERSION`].
    pub format_version: u32,
    /// When the snapshot was collected (RFC 3339), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// The tool and version that wrote it, e.g. `trailwatch 0.1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<String>,
    /// Who collected it (`sts:GetCallerIdentity`).
    pub caller: CallerIdentity,
    /// The account's AWS Organizations membership.
    #[serde(default)]
    pub organization: Organization,
    /// The regions the collection covered.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Every trail `DescribeTrails` returned (including shadow trails), with status and selectors.
    #[serde(default)]
    pub trails: Vec<Trail>,
    /// Metric filters of the log groups that trails deliver to, one entry per log group read.
    #[serde(default)]
    pub log_groups: Vec<LogGroup>,
    /// Log group ARNs (as trails name them) that AWS reported as not existing
    /// (`DescribeMetricFilters` answered `ResourceNotFoundException`). A log group that is
    /// neither in [`Snapshot::log_groups`] nor here, with no collection error, was not collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_log_groups: Vec<String>,
    /// CloudWatch alarms on the metrics those filters publish.
    #[serde(default)]
    pub alarms: Vec<Alarm>,
    /// SNS topics named in alarm actions that were read.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// Topic ARNs named in alarm actions that AWS reported as not existing.
    #[serde(default)]
    pub missing_topics: Vec<String>,
    /// KMS keys used by those topics, as `kms:DescribeKey` reported them.
    #[serde(default)]
    pub kms_keys: Vec<KmsKey>,
    /// Security Hub status per region in scope.
    #[serde(default)]
    pub security_hub: Vec<SecurityHubStatus>,
    /// Every read that failed. An empty list means every call succeeded.
    #[serde(default)]
    pub errors: Vec<CollectionError>,
}

/// The identity that collected the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    /// The 12-digit account id.
    pub account_id: String,
    /// The caller's ARN.
    #[serde(default)]
    pub arn: String,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    #[serde(default = "default_partition")]
    pub partition: String,
}

fn default_partition() -> String {
    "aws".to_string()
}

/// AWS Organizations membership, as far as it could be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Organization {
    /// The account belongs to an organization.
    Member {
        /// The organization id (`o-...`).
        id: String,
        /// The management account's id.
        management_account_id: String,
    },
    /// The account is not in an organization.
    NotInOrganization,
    /// Membership could not be read (e.g. AccessDenied); see the collection errors.
    #[default]
    Unknown,
}

/// A CloudTrail trail with what the audit needs to know about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trail {
    /// The trail's name.
    pub name: String,
    /// The trail's ARN (its account id tells whether it belongs to this account).
    pub arn: String,
    /// The region the trail was created in; status and selectors are read there.
    pub home_region: String,
    /// Whether the trail records events in all regions.
    #[serde(default)]
    pub is_multi_region: bool,
    /// Whether this is an organization trail.
    #[serde(default)]
    pub is_organization_trail: bool,
    /// Whether global service events (IAM, STS, CloudFront) are included.
    #[serde(default)]
    pub include_global_service_events: bool,
    /// The S3 bucket the trail writes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    /// The CloudWatch Logs log group ARN the trail delivers to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_arn: Option<String>,
    /// The role CloudTrail assumes to deliver to CloudWatch Logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_logs_role_arn: Option<String>,
    /// The KMS key that encrypts the trail's log files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Whether log file validation is on.
    #[serde(default)]
    pub log_file_validation_enabled: bool,
    /// `GetTrailStatus`, or `None` when it could not be read (see the collection errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TrailStatus>,
    /// `GetEventSelectors`, or `None` when it could not be read (see the collection errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_selectors: Option<EventSelectors>,
}

/// A trail's status (`GetTrailStatus`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailStatus {
    /// Whether the trail is logging now.
    pub is_logging: bool,
    /// The last error CloudTrail hit delivering to CloudWatch Logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_cloudwatch_logs_delivery_error: Option<String>,
    /// When CloudTrail last delivered to CloudWatch Logs (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_cloudwatch_logs_delivery_time: Option<String>,
    /// The last error CloudTrail hit delivering to S3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_error: Option<String>,
}

/// A trail's event selectors (`GetEventSelectors`): classic or advanced, never both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSelectors {
    /// Classic event selectors.
    #[serde(default)]
    pub classic: Vec<ClassicEventSelector>,
    /// Advanced event selectors.
    #[serde(default)]
    pub advanced: Vec<AdvancedEventSelector>,
}

/// A classic event selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicEventSelector {
    /// Which events by read/write type are recorded.
    pub read_write_type: ReadWriteType,
    /// Whether management events are recorded.
    pub include_management_events: bool,
    /// Event sources (e.g. `kms.amazonaws.com`) whose management events are excluded.
    #[serde(default)]
    pub exclude_management_event_sources: Vec<String>,
    /// Data event resources (not needed for the monitoring controls, kept for evidence).
    #[serde(default)]
    pub data_resources: Vec<DataResource>,
}

/// `ReadWriteType` of a classic selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadWriteType {
    /// Read-only events only.
    ReadOnly,
    /// Write-only events only.
    WriteOnly,
    /// Both.
    All,
}

/// A data-event resource of a classic selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataResource {
    /// The resource type, e.g. `AWS::S3::Object`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The ARNs or prefixes selected.
    #[serde(default)]
    pub values: Vec<String>,
}

/// An advanced event selector: all its field selectors must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedEventSelector {
    /// The selector's name, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The field conditions.
    #[serde(default)]
    pub field_selectors: Vec<AdvancedFieldSelector>,
}

/// One field condition of an advanced event selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedFieldSelector {
    /// The field, e.g. `eventCategory`, `readOnly`, `eventSource`.
    pub field: String,
    /// `Equals` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// `StartsWith` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// `EndsWith` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// `NotEquals` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// `NotStartsWith` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// `NotEndsWith` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

/// The metric filters of one log group. An entry exists only when the filters were read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroup {
    /// The log group's name.
    pub name: String,
    /// The region it lives in.
    pub region: String,
    /// The account that owns it.
    pub account_id: String,
    /// Every metric filter on the log group (`DescribeMetricFilters`, all pages).
    #[serde(default)]
    pub metric_filters: Vec<MetricFilter>,
}

/// A CloudWatch Logs metric filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFilter {
    /// The filter's name.
    pub name: String,
    /// The filter pattern text, exactly as AWS returned it.
    pub pattern: String,
    /// The metric transformations (AWS allows exactly one).
    #[serde(default)]
    pub transformations: Vec<MetricTransformation>,
}

/// How a metric filter turns a match into a metric datapoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricTransformation {
    /// The metric's name.
    pub metric_name: String,
    /// The metric's namespace.
    pub metric_namespace: String,
    /// The value published per match: a number, `$.field` or `$name`.
    pub metric_value: String,
    /// The value published for a non-matching event, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<f64>,
    /// Dimension name to value reference (`$.field`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    /// The unit, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// A CloudWatch metric alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// The alarm's name.
    pub name: String,
    /// The alarm's ARN.
    pub arn: String,
    /// The region it lives in.
    pub region: String,
    /// The metric it watches (absent for metric-math alarms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// The metric's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The metric's dimensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    /// `Sum`, `SampleCount`, `Average`, `Minimum`, `Maximum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// A percentile or other extended statistic (`p99`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// The period in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i32>,
    /// The threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The comparison, as AWS spells it (`GreaterThanOrEqualToThreshold`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison_operator: Option<String>,
    /// How many periods are evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_periods: Option<i32>,
    /// How many of them must breach (defaults to `evaluation_periods`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i32>,
    /// `missing`, `notBreaching`, `breaching` or `ignore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treat_missing_data: Option<String>,
    /// Whether actions run on state changes.
    pub actions_enabled: bool,
    /// ARNs notified on ALARM.
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    /// ARNs notified on OK.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ok_actions: Vec<String>,
    /// ARNs notified on INSUFFICIENT_DATA.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insufficient_data_actions: Vec<String>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_value: Option<String>,
    /// Whether the alarm is defined by metric math (`Metrics`) instead of a single metric.
    #[serde(default)]
    pub uses_metric_math: bool,
}

/// An SNS topic named in an alarm action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// The topic's ARN.
    pub arn: String,
    /// The region it lives in.
    pub region: String,
    /// `GetTopicAttributes` as returned (`Policy`, `KmsMasterKeyId`, ...).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// `ListSubscriptionsByTopic`, all pages, or `None` when it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<Vec<Subscription>>,
    /// `ListTagsForResource` (trailwatch finds the topic it created by `trailwatch:managed`);
    /// empty when the topic has no tags or they were not read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// An SNS subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The subscription ARN, or `PendingConfirmation` / `Deleted` while not confirmed.
    pub arn: String,
    /// `email`, `https`, `sqs`, `lambda`, ...
    pub protocol: String,
    /// The endpoint (address, URL, ARN).
    #[serde(default)]
    pub endpoint: String,
}

/// A KMS key as `kms:DescribeKey` reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsKey {
    /// The key id, alias or ARN as the topic names it.
    pub reference: String,
    /// The key's ARN.
    pub arn: String,
    /// `AWS` for an AWS managed key, `CUSTOMER` for a customer managed one.
    pub key_manager: String,
}

/// Security Hub in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityHubStatus {
    /// The region.
    pub region: String,
    /// Whether a hub exists there (`DescribeHub` succeeded).
    pub enabled: bool,
    /// The hub ARN, when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_arn: Option<String>,
}

/// A read that failed after retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionError {
    /// The service, e.g. `cloudtrail`.
    pub service: String,
    /// The operation, e.g. `GetTrailStatus`.
    pub operation: String,
    /// The region the call went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The resource the call was about (trail ARN, log group name, topic ARN, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The AWS error code, when there was one (`AccessDenied`, `ThrottlingException`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The error message.
    pub message: String,
}

/// Why a snapshot document could not be read.
#[derive(Debug)]
pub enum SnapshotError {
    /// The text is not valid snapshot JSON.
    Json(serde_json::Error),
    /// The document declares a format version this build does not read.
    UnsupportedVersion(u32),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::Json(e) => write!(f, "invalid snapshot JSON: {e}"),
            SnapshotError::UnsupportedVersion(v) => write!(
                f,
                "snapshot format_version {v} is not supported (this build reads version {FORMAT_VERSION})"
            ),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl Snapshot {
    /// An empty snapshot for the given caller, at the current format version.
    pub fn new(caller: CallerIdentity) -> Self {
        Snapshot {
            format_version: FORMAT_VERSION,
            collected_at: None,
            collected_by: None,
            caller,
            organization: Organization::Unknown,
            regions: Vec::new(),
            trails: Vec::new(),
            log_groups: Vec::new(),
            missing_log_groups: Vec::new(),
            alarms: Vec::new(),
            topics: Vec::new(),
            missing_topics: Vec::new(),
            kms_keys: Vec::new(),
            security_hub: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Reads a snapshot document, checking its format version first.
    pub fn from_json(text: &str) -> Result<Self, SnapshotError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            format_version: u32,
        }
        let version: VersionOnly = serde_json::from_str(text).map_err(SnapshotError::Json)?;
        if version.format_version != FORMAT_VERSION {
            return Err(SnapshotError::UnsupportedVersion(version.format_version));
        }
        serde_json::from_str(text).map_err(SnapshotError::Json)
    }

    /// Writes the snapshot as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("snapshot types always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let mut snapshot = Snapshot::new(CallerIdentity {
            account_id: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/auditor".into(),
            partition: "aws".into(),
        });
        snapshot.errors.push(CollectionError {
            service: "cloudtrail".into(),
            operation: "GetTrailStatus".into(),
            region: Some("eu-west-1".into()),
            resource: Some("arn:aws:cloudtrail:eu-west-1:111122223333:trail/main".into()),
            code: Some("AccessDenied".into()),
            message: "not allowed".into(),
        });
        let text = snapshot.to_json();
        assert_eq!(Snapshot::from_json(&text).unwrap(), snapshot);
    }

    #[test]
    fn refuses_an_unknown_format_version() {
        let err = Snapshot::from_json(r#"{"format_version": 99, "caller": {"account_id": "1"}}"#)
            .unwrap_err();
        assert!(err.to_string().contains("format_version 99"), "{err}");
    }

    #[test]
    fn reports_invalid_json() {
        let err = Snapshot::from_json("{").unwrap_err();
        assert!(matches!(err, SnapshotError::Json(_)));
    }
}
