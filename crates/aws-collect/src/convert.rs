//! SDK shapes to snapshot types, and the ARN parsing the chain walk needs.

use aws_smithy_types::date_time::Format;
use snapshot::{
    AdvancedEventSelector, AdvancedFieldSelector, Alarm, ClassicEventSelector, DataResource,
    EventSelectors, ReadWriteType, Subscription, TrailStatus,
};
use std::collections::BTreeMap;

/// The parts of an ARN (`arn:partition:service:region:account:resource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// Splits an ARN into its parts; `None` when it has fewer than six `:`-separated fields.
pub(crate) fn parse_arn(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    Some(Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

/// A CloudWatch Logs log group named by a trail's `CloudWatchLogsLogGroupArn`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct LogGroupRef {
    pub region: String,
    pub account: String,
    pub name: String,
}

/// Parses `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*` (the trailing `:*` is optional).
pub(crate) fn parse_log_group_arn(arn: &str) -> Option<LogGroupRef> {
    let parsed = parse_arn(arn)?;
    if parsed.service != "logs" || parsed.region.is_empty() {
        return None;
    }
    let name = parsed.resource.strip_prefix("log-group:")?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    if name.is_empty() || name.contains(':') {
        return None;
    }
    Some(LogGroupRef {
        region: parsed.region.to_string(),
        account: parsed.account.to_string(),
        name: name.to_string(),
    })
}

/// The region of an SNS topic ARN, or `None` when the ARN does not name an SNS topic.
pub(crate) fn sns_topic_region(arn: &str) -> Option<&str> {
    let parsed = parse_arn(arn)?;
    (parsed.service == "sns" && !parsed.region.is_empty() && !parsed.resource.is_empty())
        .then_some(parsed.region)
}

/// RFC 3339 text for an SDK timestamp.
fn rfc3339(time: &aws_smithy_types::DateTime) -> Option<String> {
    time.fmt(Format::DateTime).ok()
}

pub(crate) fn trail_status(
    output: &aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput,
) -> TrailStatus {
    TrailStatus {
        is_logging: output.is_logging().unwrap_or(false),
        latest_cloudwatch_logs_delivery_error: output
            .latest_cloud_watch_logs_delivery_error()
            .map(str::to_string),
        latest_cloudwatch_logs_delivery_time: output
            .latest_cloud_watch_logs_delivery_time()
            .and_then(rfc3339),
        latest_delivery_error: output.latest_delivery_error().map(str::to_string),
    }
}

/// Converts `GetEventSelectors`. A classic selector whose `ReadWriteType` this build does not
/// know is an error (the audit must not guess what it records).
pub(crate) fn event_selectors(
    output: &aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput,
) -> Result<EventSelectors, String> {
    use aws_sdk_cloudtrail::types::ReadWriteType as Rw;
    let mut classic = Vec::new();
    for selector in output.event_selectors() {
        // AWS documents `All` and `true` as the defaults of these two fields.
        let read_write_type = match selector.read_write_type() {
            None | Some(Rw::All) => ReadWriteType::All,
            Some(Rw::ReadOnly) => ReadWriteType::ReadOnly,
            Some(Rw::WriteOnly) => ReadWriteType::WriteOnly,
            Some(other) => return Err(format!("unknown ReadWriteType {:?}", other.as_str())),
        };
        classic.push(ClassicEventSelector {
            read_write_type,
            include_management_events: selector.include_management_events().unwrap_or(true),
            exclude_management_event_sources: selector.exclude_management_event_sources().to_vec(),
            data_resources: selector
                .data_resources()
                .iter()
                .map(|resource| DataResource {
                    resource_type: resource.r#type().unwrap_or_default().to_string(),
                    values: resource.values().to_vec(),
                })
                .collect(),
        });
    }
    let advanced = output
        .advanced_event_selectors()
        .iter()
        .map(|selector| AdvancedEventSelector {
            name: selector.name().map(str::to_string),
            field_selectors: selector
                .field_selectors()
                .iter()
                .map(|field| AdvancedFieldSelector {
                    field: field.field().to_string(),
                    equals: field.equals().to_vec(),
                    starts_with: field.starts_with().to_vec(),
                    ends_with: field.ends_with().to_vec(),
                    not_equals: field.not_equals().to_vec(),
                    not_starts_with: field.not_starts_with().to_vec(),
                    not_ends_with: field.not_ends_with().to_vec(),
                })
                .collect(),
        })
        .collect();
    Ok(EventSelectors { classic, advanced })
}

pub(crate) fn metric_filter(
    filter: &aws_sdk_cloudwatchlogs::types::MetricFilter,
) -> snapshot::MetricFilter {
    snapshot::MetricFilter {
        name: filter.filter_name().unwrap_or_default().to_string(),
        pattern: filter.filter_pattern().unwrap_or_default().to_string(),
        transformations: filter
            .metric_transformations()
            .iter()
            .map(|t| snapshot::MetricTransformation {
                metric_name: t.metric_name().to_string(),
                metric_namespace: t.metric_namespace().to_string(),
                metric_value: t.metric_value().to_string(),
                default_value: t.default_value(),
                dimensions: t
                    .dimensions()
                    .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
                unit: t.unit().map(|u| u.as_str().to_string()),
            })
            .collect(),
    }
}

/// Converts a metric alarm read in `region`.
///
/// `ActionsEnabled` is always present in AWS responses; if it were absent the alarm is taken as
/// not notifying (the conservative reading: it can only turn a PASS into a FAIL).
pub(crate) fn alarm(alarm: &aws_sdk_cloudwatch::types::MetricAlarm, region: &str) -> Alarm {
    Alarm {
        name: alarm.alarm_name().unwrap_or_default().to_string(),
        arn: alarm.alarm_arn().unwrap_or_default().to_string(),
        region: region.to_string(),
        metric_name: alarm.metric_name().map(str::to_string),
        namespace: alarm.namespace().map(str::to_string),
        dimensions: alarm
            .dimensions()
            .iter()
            .map(|d| {
                (
                    d.name().unwrap_or_default().to_string(),
                    d.value().unwrap_or_default().to_string(),
                )
            })
            .collect::<BTreeMap<_, _>>(),
        statistic: alarm.statistic().map(|s| s.as_str().to_string()),
        extended_statistic: alarm.extended_statistic().map(str::to_string),
        period: alarm.period(),
        threshold: alarm.threshold(),
        comparison_operator: alarm.comparison_operator().map(|c| c.as_str().to_string()),
        evaluation_periods: alarm.evaluation_periods(),
        datapoints_to_alarm: alarm.datapoints_to_alarm(),
        treat_missing_data: alarm.treat_missing_data().map(str::to_string),
        actions_enabled: alarm.actions_enabled().unwrap_or(false),
        alarm_actions: alarm.alarm_actions().to_vec(),
        ok_actions: alarm.ok_actions().to_vec(),
        insufficient_data_actions: alarm.insufficient_data_actions().to_vec(),
        state_value: alarm.state_value().map(|s| s.as_str().to_string()),
        uses_metric_math: !alarm.metrics().is_empty(),
    }
}

pub(crate) fn subscription(subscription: &aws_sdk_sns::types::Subscription) -> Subscription {
    Subscription {
        arn: subscription
            .subscription_arn()
            .unwrap_or_default()
            .to_string(),
        protocol: subscription.protocol().unwrap_or_default().to_string(),
        endpoint: subscription.endpoint().unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_trail_log_group_arn() {
        let group =
            parse_log_group_arn("arn:aws:logs:eu-west-1:111122223333:log-group:CloudTrail/Main:*")
                .unwrap();
        assert_eq!(
            group,
            LogGroupRef {
                region: "eu-west-1".into(),
                account: "111122223333".into(),
                name: "CloudTrail/Main".into()
            }
        );
        let without_star =
            parse_log_group_arn("arn:aws-cn:logs:cn-north-1:1:log-group:aws-cloudtrail-logs")
                .unwrap();
        assert_eq!(without_star.name, "aws-cloudtrail-logs");
    }

    #[test]
    fn rejects_what_is_not_a_log_group_arn() {
        for arn in [
            "",
            "CloudTrail/Main",
            "arn:aws:sns:us-east-1:1:topic",
            "arn:aws:logs::1:log-group:x:*",
            "arn:aws:logs:us-east-1:1:destination:x",
            "arn:aws:logs:us-east-1:1:log-group::*",
        ] {
            assert_eq!(parse_log_group_arn(arn), None, "{arn}");
        }
    }

    #[test]
    fn finds_the_region_of_sns_topics_only() {
        assert_eq!(
            sns_topic_region("arn:aws:sns:ap-south-1:1:alerts"),
            Some("ap-south-1")
        );
        assert_eq!(
            sns_topic_region("arn:aws:automate:us-east-1:ec2:stop"),
            None
        );
        assert_eq!(sns_topic_region("not an arn"), None);
    }
}
