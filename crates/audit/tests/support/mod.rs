//! Small builders for snapshot fixtures: a compliant account, and helpers to break one link.

#![allow(dead_code)]

use audit::{AuditOptions, AuditReport, Date, Finding, Link, Status};
use cis_catalogue::{Benchmark, Check, Control};
use snapshot::*;
use std::collections::BTreeMap;

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-1";
pub const TRAIL_ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";
pub const LOG_GROUP: &str = "CloudTrail/Main";
pub const LOG_GROUP_ARN: &str = "arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/Main:*";
pub const TOPIC_ARN: &str = "arn:aws:sns:us-east-1:111122223333:cis-alarms";
pub const NAMESPACE: &str = "CISBenchmark";

/// The latest benchmark's metric-filter controls.
pub fn metric_controls() -> Vec<Control> {
    cis_catalogue::controls(Benchmark::latest())
        .into_iter()
        .filter(|c| matches!(c.check, Check::MetricFilterAlarm { .. }))
        .collect()
}

/// The first published pattern of a metric-filter control.
pub fn published(control: &Control) -> &'static str {
    match control.check {
        Check::MetricFilterAlarm { patterns } => patterns[0].text,
        Check::SecurityHubEnabled => panic!("{} has no pattern", control.id),
    }
}

pub fn filter_name(control: &Control) -> String {
    format!("cis-{}", control.slug())
}

pub fn alarm_name(control: &Control) -> String {
    format!("cis-{}-alarm", control.slug())
}

pub fn trail() -> Trail {
    Trail {
        name: "main".into(),
        arn: TRAIL_ARN.into(),
        home_region: REGION.into(),
        is_multi_region: true,
        is_organization_trail: false,
        include_global_service_events: true,
        s3_bucket_name: Some("trail-bucket".into()),
        log_group_arn: Some(LOG_GROUP_ARN.into()),
        cloudwatch_logs_role_arn: Some("arn:aws:iam::111122223333:role/ct-logs".into()),
        kms_key_id: None,
        log_file_validation_enabled: true,
        status: Some(TrailStatus {
            is_logging: true,
            ..Default::default()
        }),
        event_selectors: Some(EventSelectors {
            classic: vec![ClassicEventSelector {
                read_write_type: ReadWriteType::All,
                include_management_events: true,
                exclude_management_event_sources: vec![],
                data_resources: vec![],
            }],
            advanced: vec![],
        }),
    }
}

pub fn filter(name: &str, pattern: &str, metric: &str) -> MetricFilter {
    MetricFilter {
        name: name.into(),
        pattern: pattern.into(),
        transformations: vec![MetricTransformation {
            metric_name: metric.into(),
            metric_namespace: NAMESPACE.into(),
            metric_value: "1".into(),
            default_value: None,
            dimensions: BTreeMap::new(),
            unit: None,
        }],
    }
}

pub fn alarm(name: &str, metric: &str, region: &str) -> Alarm {
    Alarm {
        name: name.into(),
        arn: format!("arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"),
        region: region.into(),
        metric_name: Some(metric.into()),
        namespace: Some(NAMESPACE.into()),
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
        alarm_actions: vec![TOPIC_ARN.into()],
        ok_actions: vec![],
        insufficient_data_actions: vec![],
        state_value: Some("OK".into()),
        uses_metric_math: false,
    }
}

pub fn topic() -> Topic {
    Topic {
        arn: TOPIC_ARN.into(),
        region: REGION.into(),
        attributes: BTreeMap::new(),
        subscriptions: Some(vec![Subscription {
            arn: format!("{TOPIC_ARN}:0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"),
            protocol: "email".into(),
            endpoint: "secops@example.com".into(),
        }]),
        tags: BTreeMap::new(),
    }
}

/// An account where every control of the latest benchmark passes.
pub fn compliant() -> Snapshot {
    let mut snapshot = Snapshot::new(CallerIdentity {
        account_id: ACCOUNT.into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/auditor"),
        partition: "aws".into(),
    });
    snapshot.organization = Organization::NotInOrganization;
    snapshot.regions = vec![REGION.into()];
    snapshot.trails = vec![trail()];
    let mut group = LogGroup {
        name: LOG_GROUP.into(),
        region: REGION.into(),
        account_id: ACCOUNT.into(),
        metric_filters: vec![],
    };
    for control in metric_controls() {
        let metric = filter_name(&control);
        group
            .metric_filters
            .push(filter(&filter_name(&control), published(&control), &metric));
        snapshot
            .alarms
            .push(alarm(&alarm_name(&control), &metric, REGION));
    }
    snapshot.log_groups = vec![group];
    snapshot.topics = vec![topic()];
    snapshot.security_hub = vec![SecurityHubStatus {
        region: REGION.into(),
        enabled: true,
        hub_arn: Some(format!(
            "arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"
        )),
    }];
    snapshot
}

pub fn today() -> Date {
    "2026-11-22".parse().unwrap()
}

pub fn audit(snapshot: &Snapshot) -> AuditReport {
    audit::evaluate(snapshot, Benchmark::latest(), &AuditOptions::new(today()))
}

pub fn finding<'r>(report: &'r AuditReport, control: &Control) -> &'r Finding {
    report
        .findings
        .iter()
        .find(|f| f.control_id == control.id)
        .unwrap_or_else(|| panic!("no finding for {}", control.id))
}

/// Asserts that every metric-filter control has `status`, with the best candidate broken at
/// `link` and its problem containing `words`.
pub fn assert_every_control(report: &AuditReport, status: Status, link: Link, words: &str) {
    for control in metric_controls() {
        assert_control(report, &control, status, link, words);
    }
}

pub fn assert_control(
    report: &AuditReport,
    control: &Control,
    status: Status,
    link: Link,
    words: &str,
) {
    let finding = finding(report, control);
    assert_eq!(finding.status, status, "{}: {finding:#?}", control.id);
    let best = finding
        .best_candidate()
        .unwrap_or_else(|| panic!("{}: no candidate: {finding:#?}", control.id));
    let broken = best
        .first_broken_link
        .as_ref()
        .or(best.needs_judgement.first())
        .unwrap_or_else(|| panic!("{}: no broken link: {finding:#?}", control.id));
    assert_eq!(broken.link, link, "{}: {finding:#?}", control.id);
    assert!(
        broken.problem.contains(words),
        "{}: {:?} does not contain {words:?}",
        control.id,
        broken.problem
    );
    assert!(!finding.reason.is_empty());
}
