//! Snapshot fixtures and control gaps shared by the fix-plan tests.
#![allow(dead_code)]

use fix_plan::{BrokenLink, ControlGap};
use snapshot::{
    Alarm, CallerIdentity, LogGroup, MetricFilter, MetricTransformation, Snapshot, Subscription,
    Topic, Trail, TrailStatus,
};
use std::collections::BTreeMap;

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "eu-west-1";
pub const LOG_GROUP: &str = "cloudtrail-logs";
pub const USER_TOPIC: &str = "arn:aws:sns:eu-west-1:111122223333:security-alerts";

/// An account with one multi-region, logging trail delivering to `cloudtrail-logs`, and
/// nothing else.
pub fn snapshot() -> Snapshot {
    let mut s = Snapshot::new(CallerIdentity {
        account_id: ACCOUNT.into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/auditor"),
        partition: "aws".into(),
    });
    s.regions = vec![REGION.into()];
    s.trails.push(trail("main", true, true, true));
    s.log_groups.push(LogGroup {
        name: LOG_GROUP.into(),
        region: REGION.into(),
        account_id: ACCOUNT.into(),
        metric_filters: vec![],
    });
    s
}

pub fn trail(name: &str, multi_region: bool, logging: bool, delivers: bool) -> Trail {
    Trail {
        name: name.into(),
        arn: format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"),
        home_region: REGION.into(),
        is_multi_region: multi_region,
        is_organization_trail: false,
        include_global_service_events: true,
        s3_bucket_name: Some("trail-bucket".into()),
        log_group_arn: delivers
            .then(|| format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:*")),
        cloudwatch_logs_role_arn: delivers
            .then(|| format!("arn:aws:iam::{ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role")),
        kms_key_id: None,
        log_file_validation_enabled: true,
        status: Some(TrailStatus {
            is_logging: logging,
            ..Default::default()
        }),
        event_selectors: None,
    }
}

pub fn filter(name: &str, pattern: &str, namespace: &str, metric: &str) -> MetricFilter {
    MetricFilter {
        name: name.into(),
        pattern: pattern.into(),
        transformations: vec![MetricTransformation {
            metric_name: metric.into(),
            metric_namespace: namespace.into(),
            metric_value: "1".into(),
            default_value: None,
            dimensions: BTreeMap::new(),
            unit: None,
        }],
    }
}

pub fn alarm(name: &str, namespace: &str, metric: &str, topic: &str) -> Alarm {
    Alarm {
        name: name.into(),
        arn: format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"),
        region: REGION.into(),
        metric_name: Some(metric.into()),
        namespace: Some(namespace.into()),
        dimensions: BTreeMap::new(),
        statistic: Some("Sum".into()),
        extended_statistic: None,
        period: Some(300),
        threshold: Some(1.0),
        comparison_operator: Some("GreaterThanOrEqualToThreshold".into()),
        evaluation_periods: Some(1),
        datapoints_to_alarm: None,
        treat_missing_data: Some("notBreaching".into()),
        actions_enabled: true,
        alarm_actions: vec![topic.into()],
        ok_actions: vec![],
        insufficient_data_actions: vec![],
        state_value: Some("OK".into()),
        uses_metric_math: false,
    }
}

pub fn topic(arn: &str, subscriptions: Vec<Subscription>) -> Topic {
    Topic {
        arn: arn.into(),
        region: REGION.into(),
        attributes: BTreeMap::new(),
        subscriptions: Some(subscriptions),
        tags: BTreeMap::new(),
    }
}

pub fn confirmed_email(topic: &str) -> Subscription {
    Subscription {
        arn: format!("{topic}:0b1c2d3e"),
        protocol: "email".into(),
        endpoint: "sec@example.com".into(),
    }
}

pub const IAM_PATTERN: &str = "{($.eventName=DeleteGroupPolicy)||($.eventName=PutUserPolicy)}";
pub const ROOT_PATTERN: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

pub fn gap(id: &str, slug: &str, broken: BrokenLink) -> ControlGap {
    ControlGap {
        id: id.into(),
        slug: slug.into(),
        title: format!("{slug} are monitored"),
        pattern: if slug == "root-usage" {
            ROOT_PATTERN.into()
        } else {
            IAM_PATTERN.into()
        },
        pattern_note: None,
        finding: format!("{slug}: chain broken"),
        broken,
    }
}

pub fn filter_gap(id: &str, slug: &str) -> ControlGap {
    gap(
        id,
        slug,
        BrokenLink::Filter {
            region: REGION.into(),
            log_group: LOG_GROUP.into(),
        },
    )
}
