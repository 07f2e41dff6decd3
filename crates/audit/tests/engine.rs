//! The engine on snapshot fixtures: each link failing on its own, for every control of the
//! latest benchmark.

mod support;

use audit::{AuditOptions, Config, Link, PatternMode, Status};
use cis_catalogue::{Benchmark, Topic as CisTopic};
use snapshot::*;
use support::*;

fn slug_control(slug: &str) -> cis_catalogue::Control {
    cis_catalogue::find(Benchmark::latest(), slug).unwrap()
}

fn replace_pattern(snapshot: &mut Snapshot, slug: &str, pattern: &str) {
    let control = slug_control(slug);
    let name = filter_name(&control);
    let filter = snapshot.log_groups[0]
        .metric_filters
        .iter_mut()
        .find(|f| f.name == name)
        .unwrap();
    filter.pattern = pattern.to_string();
}

#[test]
fn a_compliant_account_passes_every_control_with_a_concrete_chain() {
    let report = audit(&compliant());
    assert_eq!(
        report.summary.fail + report.summary.error + report.summary.manual,
        0,
        "{report:#?}"
    );
    assert_eq!(report.summary.pass, report.findings.len());
    assert_eq!(
        report.findings.len(),
        cis_catalogue::controls(Benchmark::latest()).len()
    );
    for control in metric_controls() {
        let finding = finding(&report, &control);
        let chain = finding.evidence.passing_chain.as_ref().unwrap();
        assert_eq!(chain.trail.as_ref().unwrap().arn, TRAIL_ARN);
        assert_eq!(chain.log_group.as_ref().unwrap().name, LOG_GROUP);
        assert_eq!(
            chain.metric_filter.as_ref().unwrap().name,
            filter_name(&control)
        );
        assert_eq!(chain.alarm.as_ref().unwrap().name, alarm_name(&control));
        assert_eq!(chain.topic.as_ref().unwrap().arn, TOPIC_ARN);
        assert!(chain
            .subscription
            .as_ref()
            .unwrap()
            .arn
            .starts_with(TOPIC_ARN));
        assert!(finding.evidence.candidates.is_empty());
        assert!(
            finding.reason.contains(&alarm_name(&control)),
            "{}",
            finding.reason
        );
    }
}

#[test]
fn every_benchmark_version_passes_with_its_own_patterns() {
    for benchmark in Benchmark::ALL {
        let mut snapshot = compliant();
        let group = &mut snapshot.log_groups[0];
        group.metric_filters.clear();
        snapshot.alarms.clear();
        for control in cis_catalogue::controls(benchmark) {
            if let cis_catalogue::Check::MetricFilterAlarm { patterns } = control.check {
                let metric = filter_name(&control);
                group
                    .metric_filters
                    .push(filter(&metric, patterns[0].text, &metric));
                snapshot
                    .alarms
                    .push(alarm(&alarm_name(&control), &metric, REGION));
            }
        }
        let report = audit::evaluate(&snapshot, benchmark, &AuditOptions::new(today()));
        assert_eq!(
            report.summary.pass,
            report.findings.len(),
            "{benchmark}: {report:#?}"
        );
        assert_eq!(report.benchmark, benchmark.to_string());
    }
}

#[test]
fn no_trail_fails_every_metric_control_at_the_trail() {
    let mut snapshot = compliant();
    snapshot.trails.clear();
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Trail,
        "no CloudTrail trail",
    );
}

#[test]
fn a_stopped_trail_fails() {
    let mut snapshot = compliant();
    snapshot.trails[0].status.as_mut().unwrap().is_logging = false;
    assert_every_control(&audit(&snapshot), Status::Fail, Link::Trail, "not logging");
}

#[test]
fn a_single_region_trail_fails() {
    let mut snapshot = compliant();
    snapshot.trails[0].is_multi_region = false;
    assert_every_control(&audit(&snapshot), Status::Fail, Link::Trail, "multi-region");
}

#[test]
fn a_trail_without_cloudwatch_logs_fails() {
    let mut snapshot = compliant();
    snapshot.trails[0].log_group_arn = None;
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Trail,
        "CloudWatch Logs",
    );
}

#[test]
fn write_only_selectors_fail() {
    let mut snapshot = compliant();
    let selectors = snapshot.trails[0].event_selectors.as_mut().unwrap();
    selectors.classic[0].read_write_type = ReadWriteType::WriteOnly;
    assert_every_control(&audit(&snapshot), Status::Fail, Link::Trail, "only write");
}

fn management_selector(extra: Vec<AdvancedFieldSelector>) -> AdvancedEventSelector {
    let mut field_selectors = vec![AdvancedFieldSelector {
        field: "eventCategory".into(),
        equals: vec!["Management".into()],
        ..Default::default()
    }];
    field_selectors.extend(extra);
    AdvancedEventSelector {
        name: Some("management".into()),
        field_selectors,
    }
}

#[test]
fn advanced_selectors_for_all_management_events_pass() {
    let mut snapshot = compliant();
    snapshot.trails[0].event_selectors = Some(EventSelectors {
        classic: vec![],
        advanced: vec![management_selector(vec![])],
    });
    let report = audit(&snapshot);
    assert_eq!(report.summary.pass, report.findings.len(), "{report:#?}");
}

#[test]
fn advanced_selectors_limited_to_reads_fail() {
    let mut snapshot = compliant();
    snapshot.trails[0].event_selectors = Some(EventSelectors {
        classic: vec![],
        advanced: vec![management_selector(vec![AdvancedFieldSelector {
            field: "readOnly".into(),
            equals: vec!["true".into()],
            ..Default::default()
        }])],
    });
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Trail,
        "only read-only",
    );
}

#[test]
fn excluding_kms_fails_only_the_kms_control() {
    let classic = {
        let mut snapshot = compliant();
        let selectors = snapshot.trails[0].event_selectors.as_mut().unwrap();
        selectors.classic[0].exclude_management_event_sources = vec!["kms.amazonaws.com".into()];
        snapshot
    };
    let advanced = {
        let mut snapshot = compliant();
        snapshot.trails[0].event_selectors = Some(EventSelectors {
            classic: vec![],
            advanced: vec![management_selector(vec![AdvancedFieldSelector {
                field: "eventSource".into(),
                not_equals: vec!["kms.amazonaws.com".into()],
                ..Default::default()
            }])],
        });
        snapshot
    };
    for snapshot in [classic, advanced] {
        let report = audit(&snapshot);
        for control in cis_catalogue::controls(Benchmark::latest()) {
            let finding = finding(&report, &control);
            if control.topic == CisTopic::CmkDisableOrDeletion {
                assert_control(
                    &report,
                    &control,
                    Status::Fail,
                    Link::Trail,
                    "kms.amazonaws.com",
                );
            } else {
                assert_eq!(finding.status, Status::Pass, "{finding:#?}");
            }
        }
    }
}

#[test]
fn a_filter_on_another_log_group_fails_and_says_where_it_is() {
    let mut snapshot = compliant();
    let mut other = snapshot.log_groups[0].clone();
    other.name = "Other".into();
    snapshot.log_groups[0].metric_filters.clear();
    snapshot.log_groups.push(other);
    let report = audit(&snapshot);
    assert_every_control(
        &report,
        Status::Fail,
        Link::MetricFilter,
        "this trail does not deliver there",
    );
    let control = &metric_controls()[0];
    let best = finding(&report, control).best_candidate().unwrap();
    assert_eq!(best.chain.log_group.as_ref().unwrap().name, LOG_GROUP);
}

#[test]
fn a_filter_in_another_region_fails() {
    let mut snapshot = compliant();
    let mut west = snapshot.log_groups[0].clone();
    west.region = "us-west-2".into();
    snapshot.log_groups[0].metric_filters.clear();
    snapshot.log_groups.push(west);
    for alarm in &mut snapshot.alarms {
        alarm.region = "us-west-2".into();
    }
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::MetricFilter,
        "us-west-2",
    );
}

#[test]
fn an_alarm_in_another_region_than_the_log_group_fails() {
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.region = "eu-west-1".into();
    }
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Alarm,
        "no alarm watches",
    );
}

#[test]
fn a_pattern_missing_one_event_name_fails_with_a_witness() {
    let mut snapshot = compliant();
    let published = published(&slug_control("iam-policy-changes"));
    let cut = published.replace("||($.eventName=DetachGroupPolicy)", "");
    assert_ne!(cut, published);
    replace_pattern(&mut snapshot, "iam-policy-changes", &cut);
    let report = audit(&snapshot);
    let control = slug_control("iam-policy-changes");
    assert_control(
        &report,
        &control,
        Status::Fail,
        Link::MetricFilter,
        "misses events",
    );
    let best = finding(&report, &control).best_candidate().unwrap();
    let witness = best
        .first_broken_link
        .as_ref()
        .unwrap()
        .witness
        .as_ref()
        .unwrap();
    assert_eq!(witness["eventName"], "DetachGroupPolicy", "{witness}");
    assert_eq!(
        best.chain.metric_filter.as_ref().unwrap().name,
        filter_name(&control)
    );
    // The other controls are untouched.
    assert_eq!(report.summary.fail, 1, "{report:#?}");
}

#[test]
fn reordered_quoted_and_parenthesised_patterns_pass_in_both_modes() {
    let variants = [
        (
            "cloudtrail-config-changes",
            r#"{ $.eventName = "StopLogging" || ((($.eventName = "DeleteTrail"))) || $.eventName = UpdateTrail || $.eventName = StartLogging || $.eventName = CreateTrail }"#,
        ),
        (
            "console-auth-failures",
            r#"{($.errorMessage="Failed authentication")&&($.eventName="ConsoleLogin")}"#,
        ),
        (
            "cmk-disable-or-deletion",
            r#"{ (($.eventName = ScheduleKeyDeletion) || ($.eventName = DisableKey)) && ($.eventSource = "kms.amazonaws.com") }"#,
        ),
    ];
    for mode in [PatternMode::Semantic, PatternMode::StrictText] {
        let mut snapshot = compliant();
        for (slug, pattern) in variants {
            replace_pattern(&mut snapshot, slug, pattern);
        }
        let mut options = AuditOptions::new(today());
        options.pattern_mode = mode;
        let report = audit::evaluate(&snapshot, Benchmark::latest(), &options);
        assert_eq!(report.pattern_mode, mode);
        for (slug, _) in variants {
            let finding = finding(&report, &slug_control(slug));
            assert_eq!(finding.status, Status::Pass, "{mode:?} {finding:#?}");
        }
    }
}

#[test]
fn a_broader_pattern_passes_semantically_but_not_strictly() {
    let mut snapshot = compliant();
    let published = published(&slug_control("cloudtrail-config-changes"));
    let broader = published.replace(
        "($.eventName = StopLogging)",
        "($.eventName = StopLogging) || ($.eventName = PutEventSelectors)",
    );
    assert_ne!(broader, published);
    replace_pattern(&mut snapshot, "cloudtrail-config-changes", &broader);
    let control = slug_control("cloudtrail-config-changes");
    assert_eq!(finding(&audit(&snapshot), &control).status, Status::Pass);
    let mut options = AuditOptions::new(today());
    options.pattern_mode = PatternMode::StrictText;
    let report = audit::evaluate(&snapshot, Benchmark::latest(), &options);
    assert_control(
        &report,
        &control,
        Status::Fail,
        Link::MetricFilter,
        "strict text",
    );
}

#[test]
fn an_invalid_pattern_catches_nothing() {
    let mut snapshot = compliant();
    replace_pattern(
        &mut snapshot,
        "root-usage",
        "{ $.userIdentity.type = Root && ",
    );
    let control = slug_control("root-usage");
    assert_control(
        &audit(&snapshot),
        &control,
        Status::Fail,
        Link::MetricFilter,
        "AWS would reject",
    );
}

#[test]
fn a_missing_alarm_fails_every_control() {
    let mut snapshot = compliant();
    snapshot.alarms.clear();
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Alarm,
        "no alarm watches",
    );
}

#[test]
fn an_alarm_in_another_namespace_fails_and_is_named() {
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.namespace = Some("LogMetrics".into());
    }
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Alarm,
        "watches LogMetrics/",
    );
}

#[test]
fn an_alarm_with_actions_disabled_fails() {
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.actions_enabled = false;
    }
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Alarm,
        "actions disabled",
    );
}

#[test]
fn an_alarm_with_threshold_five_fails() {
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.threshold = Some(5.0);
    }
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Alarm,
        "one matching event gives 1",
    );
}

#[test]
fn alarm_statistics_and_periods() {
    let control = slug_control("root-usage");
    let cases: [(&str, f64, &str, Option<i32>, Status); 7] = [
        (
            "SampleCount",
            1.0,
            "GreaterThanOrEqualToThreshold",
            None,
            Status::Pass,
        ),
        ("Sum", 0.0, "GreaterThanThreshold", None, Status::Pass),
        (
            "Maximum",
            1.0,
            "GreaterThanOrEqualToThreshold",
            None,
            Status::Pass,
        ),
        ("Average", 0.5, "GreaterThanThreshold", None, Status::Pass),
        ("Sum", 1.0, "GreaterThanThreshold", None, Status::Fail),
        ("Sum", 1.0, "LessThanThreshold", None, Status::Fail),
        (
            "Sum",
            1.0,
            "GreaterThanOrEqualToThreshold",
            Some(2),
            Status::Fail,
        ),
    ];
    for (statistic, threshold, operator, datapoints, expected) in cases {
        let mut snapshot = compliant();
        let alarm = snapshot
            .alarms
            .iter_mut()
            .find(|a| a.name == alarm_name(&control))
            .unwrap();
        alarm.statistic = Some(statistic.into());
        alarm.threshold = Some(threshold);
        alarm.comparison_operator = Some(operator.into());
        alarm.evaluation_periods = datapoints;
        let report = audit(&snapshot);
        let finding = finding(&report, &control);
        assert_eq!(
            finding.status, expected,
            "{statistic} {operator} {threshold}: {finding:#?}"
        );
    }
    // A long period passes with a warning.
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.period = Some(86_400);
    }
    let report = audit(&snapshot);
    let finding = finding(&report, &control);
    assert_eq!(finding.status, Status::Pass);
    assert!(
        finding.notes.iter().any(|n| n.contains("86400 s")),
        "{:?}",
        finding.notes
    );
}

#[test]
fn alarm_dimensions_the_filter_does_not_emit_never_fire() {
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.dimensions.insert("Account".into(), ACCOUNT.into());
    }
    assert_every_control(&audit(&snapshot), Status::Fail, Link::Alarm, "never fires");
}

#[test]
fn a_metric_math_alarm_or_event_value_needs_judgement() {
    let control = slug_control("vpc-changes");
    let mut snapshot = compliant();
    let alarm = snapshot
        .alarms
        .iter_mut()
        .find(|a| a.name == alarm_name(&control))
        .unwrap();
    alarm.uses_metric_math = true;
    assert_control(
        &audit(&snapshot),
        &control,
        Status::Manual,
        Link::Alarm,
        "metric math",
    );

    let mut snapshot = compliant();
    let name = filter_name(&control);
    let filter = snapshot.log_groups[0]
        .metric_filters
        .iter_mut()
        .find(|f| f.name == name)
        .unwrap();
    filter.transformations[0].metric_value = "$.count".into();
    assert_control(
        &audit(&snapshot),
        &control,
        Status::Manual,
        Link::MetricFilter,
        "$.count",
    );

    // A zero value can never raise an alarm.
    let filter = snapshot.log_groups[0]
        .metric_filters
        .iter_mut()
        .find(|f| f.name == name)
        .unwrap();
    filter.transformations[0].metric_value = "0".into();
    assert_control(
        &audit(&snapshot),
        &control,
        Status::Fail,
        Link::MetricFilter,
        "publishes 0",
    );
}

#[test]
fn an_alarm_without_an_sns_action_fails() {
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.alarm_actions = vec!["arn:aws:automate:us-east-1:ec2:stop".into()];
    }
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Alarm,
        "notifies no SNS topic",
    );
}

#[test]
fn a_missing_topic_fails() {
    let mut snapshot = compliant();
    snapshot.topics.clear();
    snapshot.missing_topics = vec![TOPIC_ARN.into()];
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Topic,
        "does not exist",
    );
}

#[test]
fn a_topic_that_was_not_read_is_an_error() {
    let mut snapshot = compliant();
    snapshot.topics.clear();
    assert_every_control(
        &audit(&snapshot),
        Status::Error,
        Link::Topic,
        "not collected",
    );
    snapshot.errors.push(CollectionError {
        service: "sns".into(),
        operation: "GetTopicAttributes".into(),
        region: Some(REGION.into()),
        resource: Some(TOPIC_ARN.into()),
        code: Some("AuthorizationError".into()),
        message: "not authorized".into(),
    });
    assert_every_control(
        &audit(&snapshot),
        Status::Error,
        Link::Topic,
        "AuthorizationError",
    );
}

#[test]
fn topic_policies_and_keys() {
    let deny = r#"{"Statement":[{"Effect":"Deny","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Resource":"*"}]}"#;
    let mut snapshot = compliant();
    snapshot.topics[0]
        .attributes
        .insert("Policy".into(), deny.into());
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Topic,
        "denies sns:Publish",
    );

    let mut snapshot = compliant();
    snapshot.topics[0]
        .attributes
        .insert("KmsMasterKeyId".into(), "alias/aws/sns".into());
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Topic,
        "AWS managed key",
    );

    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let mut snapshot = compliant();
    snapshot.topics[0]
        .attributes
        .insert("KmsMasterKeyId".into(), key.into());
    assert_every_control(
        &audit(&snapshot),
        Status::Manual,
        Link::Topic,
        "does not describe",
    );
    snapshot.kms_keys.push(KmsKey {
        reference: key.into(),
        arn: key.into(),
        key_manager: "CUSTOMER".into(),
    });
    let report = audit(&snapshot);
    assert_eq!(report.summary.pass, report.findings.len());
    snapshot.kms_keys[0].key_manager = "AWS".into();
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Topic,
        "AWS managed key",
    );
}

#[test]
fn a_topic_without_subscriptions_fails() {
    let mut snapshot = compliant();
    snapshot.topics[0].subscriptions = Some(vec![]);
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Subscription,
        "no confirmed subscription",
    );
}

#[test]
fn only_a_pending_subscription_fails() {
    let mut snapshot = compliant();
    snapshot.topics[0].subscriptions = Some(vec![Subscription {
        arn: "PendingConfirmation".into(),
        protocol: "email".into(),
        endpoint: "secops@example.com".into(),
    }]);
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Subscription,
        "1 pending confirmation",
    );
}

#[test]
fn an_organization_trail_from_another_account_needs_judgement() {
    let mut snapshot = compliant();
    let trail = &mut snapshot.trails[0];
    trail.arn = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org".into();
    trail.is_organization_trail = true;
    trail.log_group_arn = Some(
        "arn:aws:logs:us-east-1:999988887777:log-group:aws-controltower/CloudTrailLogs:*".into(),
    );
    snapshot.log_groups.clear();
    assert_every_control(
        &audit(&snapshot),
        Status::Manual,
        Link::LogGroup,
        "lives in account 999988887777",
    );
}

#[test]
fn a_collection_error_is_an_error_never_a_pass() {
    // The trail's status could not be read.
    let mut snapshot = compliant();
    snapshot.trails[0].status = None;
    snapshot.errors.push(CollectionError {
        service: "cloudtrail".into(),
        operation: "GetTrailStatus".into(),
        region: Some(REGION.into()),
        resource: Some(TRAIL_ARN.into()),
        code: Some("AccessDeniedException".into()),
        message: "denied".into(),
    });
    assert_every_control(
        &audit(&snapshot),
        Status::Error,
        Link::Trail,
        "AccessDeniedException",
    );

    // The log group's filters could not be read.
    let mut snapshot = compliant();
    snapshot.log_groups.clear();
    assert_every_control(
        &audit(&snapshot),
        Status::Error,
        Link::LogGroup,
        "not collected",
    );
    snapshot.errors.push(CollectionError {
        service: "logs".into(),
        operation: "DescribeMetricFilters".into(),
        region: Some(REGION.into()),
        resource: Some(LOG_GROUP.into()),
        code: Some("ThrottlingException".into()),
        message: "rate exceeded".into(),
    });
    assert_every_control(
        &audit(&snapshot),
        Status::Error,
        Link::LogGroup,
        "ThrottlingException",
    );

    // A log group AWS reported missing is a verified gap.
    let mut snapshot = compliant();
    snapshot.log_groups.clear();
    snapshot.missing_log_groups = vec![LOG_GROUP_ARN.into()];
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::LogGroup,
        "does not exist",
    );

    // The alarms could not be read: ERROR, not "no alarm".
    let mut snapshot = compliant();
    snapshot.alarms.clear();
    snapshot.errors.push(CollectionError {
        service: "cloudwatch".into(),
        operation: "DescribeAlarmsForMetric".into(),
        region: Some(REGION.into()),
        resource: None,
        code: None,
        message: "timeout".into(),
    });
    assert_every_control(
        &audit(&snapshot),
        Status::Error,
        Link::Alarm,
        "could not be read",
    );
}

#[test]
fn one_complete_chain_passes_even_if_another_trail_errored() {
    let mut snapshot = compliant();
    let mut broken = trail();
    broken.name = "other".into();
    broken.arn = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/other".into();
    broken.status = None;
    snapshot.trails.push(broken);
    let report = audit(&snapshot);
    assert_eq!(report.summary.pass, report.findings.len(), "{report:#?}");
}

#[test]
fn an_error_outranks_a_failure_and_a_failure_lists_every_candidate() {
    // The main trail records only writes (FAIL); a second trail feeding the same log group has
    // unreadable selectors, and its chain is otherwise complete (ERROR).
    let mut snapshot = compliant();
    let selectors = snapshot.trails[0].event_selectors.as_mut().unwrap();
    selectors.classic[0].read_write_type = ReadWriteType::WriteOnly;
    let mut unreadable = trail();
    unreadable.name = "other".into();
    unreadable.arn = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/other".into();
    unreadable.event_selectors = None;
    snapshot.trails.push(unreadable);
    let report = audit(&snapshot);
    let control = &metric_controls()[0];
    let finding = finding(&report, control);
    assert_eq!(finding.status, Status::Error, "{finding:#?}");
    assert_eq!(finding.evidence.candidates.len(), 2);
    // The best (furthest) candidate comes first.
    let best = &finding.evidence.candidates[0];
    assert_eq!(best.status, Status::Error);
    assert_eq!(best.first_broken_link.as_ref().unwrap().link, Link::Trail);
    assert!(best.chain.subscription.is_some());
    let other = &finding.evidence.candidates[1];
    assert_eq!(other.status, Status::Fail);
    assert!(other
        .first_broken_link
        .as_ref()
        .unwrap()
        .problem
        .contains("only write"));
    assert!(finding.reason.contains("only write"), "{}", finding.reason);

    // An unreadable link before a verified break is a FAIL: the data would not change it.
    snapshot.alarms.clear();
    let report = audit(&snapshot);
    let finding = support::finding(&report, control);
    assert_eq!(finding.status, Status::Fail, "{finding:#?}");
    let best = finding.best_candidate().unwrap();
    assert_eq!(best.first_broken_link.as_ref().unwrap().link, Link::Alarm);
    assert_eq!(best.needs_judgement[0].link, Link::Trail);

    // Shadow copies of the same trail are one trail.
    let mut snapshot = compliant();
    snapshot.trails.push(trail());
    snapshot.alarms.clear();
    let report = audit(&snapshot);
    assert_eq!(
        support::finding(&report, control).evidence.candidates.len(),
        1
    );
}

#[test]
fn exceptions_accept_a_filter_gap_until_they_expire() {
    let control = slug_control("console-signin-without-mfa");
    let mut snapshot = compliant();
    // A filter that deliberately ignores IAM users of the break-glass path: it misses events.
    replace_pattern(
        &mut snapshot,
        "console-signin-without-mfa",
        r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "Root") }"#,
    );
    let config = Config::parse(
        &format!(
            "[[exception]]\ncontrol = \"{}\"\nfilter = \"{}\"\nlog_group = \"{LOG_GROUP}\"\njustification = \"SSO users have MFA enforced by the IdP\"\nowner = \"secops\"\nexpires = 2027-03-31\n",
            control.id,
            filter_name(&control)
        ),
        "trailwatch.toml",
    )
    .unwrap();
    let mut options = AuditOptions::new(today());
    options.exceptions = config.exceptions.clone();
    let report = audit::evaluate(&snapshot, Benchmark::latest(), &options);
    let accepted = finding(&report, &control);
    assert_eq!(accepted.status, Status::Pass, "{accepted:#?}");
    let exception = accepted.exception.as_ref().unwrap();
    assert!(!exception.expired);
    assert!(
        accepted.reason.contains("accepted exception"),
        "{}",
        accepted.reason
    );

    // Without the exception the same account fails at the filter.
    assert_control(
        &audit(&snapshot),
        &control,
        Status::Fail,
        Link::MetricFilter,
        "misses events",
    );

    // After the expiry day it no longer applies, and the finding says so.
    options.today = "2027-04-01".parse().unwrap();
    let report = audit::evaluate(&snapshot, Benchmark::latest(), &options);
    let expired = finding(&report, &control);
    assert_eq!(expired.status, Status::Fail);
    assert!(expired.exception.as_ref().unwrap().expired);
    assert!(
        expired
            .notes
            .iter()
            .any(|n| n.contains("expired on 2027-03-31")),
        "{:?}",
        expired.notes
    );

    // An exception never excuses a missing alarm.
    options.today = today();
    snapshot.alarms.retain(|a| a.name != alarm_name(&control));
    let report = audit::evaluate(&snapshot, Benchmark::latest(), &options);
    assert_control(
        &report,
        &control,
        Status::Fail,
        Link::Alarm,
        "no alarm watches",
    );
}

#[test]
fn the_sso_variant_of_the_mfa_pattern_is_enough() {
    let control = slug_control("console-signin-without-mfa");
    let cis_catalogue::Check::MetricFilterAlarm { patterns } = control.check else {
        unreachable!()
    };
    let sso = patterns
        .iter()
        .find(|p| p.variant == cis_catalogue::Variant::Sso)
        .expect("the catalogue prints the SSO variant");
    let mut snapshot = compliant();
    replace_pattern(&mut snapshot, control.slug(), sso.text);
    let report = audit(&snapshot);
    let finding = finding(&report, &control);
    assert_eq!(finding.status, Status::Pass, "{finding:#?}");
    let chain = finding.evidence.passing_chain.as_ref().unwrap();
    assert_eq!(
        chain
            .metric_filter
            .as_ref()
            .unwrap()
            .catches_variant
            .as_deref(),
        Some("sso")
    );
}

#[test]
fn security_hub_per_region() {
    let control = cis_catalogue::find(Benchmark::latest(), "security-hub-enabled").unwrap();
    let mut snapshot = compliant();
    snapshot.regions.push("eu-west-1".into());
    snapshot.security_hub.push(SecurityHubStatus {
        region: "eu-west-1".into(),
        enabled: false,
        hub_arn: None,
    });
    let report = audit(&snapshot);
    let finding = finding(&report, &control);
    assert_eq!(finding.status, Status::Fail);
    assert!(finding.reason.contains("eu-west-1"), "{}", finding.reason);

    snapshot.security_hub.pop();
    snapshot.errors.push(CollectionError {
        service: "securityhub".into(),
        operation: "DescribeHub".into(),
        region: Some("eu-west-1".into()),
        resource: None,
        code: Some("AccessDeniedException".into()),
        message: "denied".into(),
    });
    let report = audit(&snapshot);
    let finding = support::finding(&report, &control);
    assert_eq!(finding.status, Status::Error);
    assert_eq!(finding.evidence.security_hub.len(), 2);
}

#[test]
fn a_report_serialises_to_json_with_upper_case_statuses() {
    let mut snapshot = compliant();
    snapshot.alarms.clear();
    let report = audit(&snapshot);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["findings"][0]["status"], "FAIL");
    assert_eq!(
        json["findings"][0]["evidence"]["candidates"][0]["first_broken_link"]["link"],
        "alarm"
    );
    let back: audit::AuditReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn the_intended_pattern_passes_where_the_printed_one_is_known_wrong() {
    let control = slug_control("unauthorized-api-calls");
    let cis_catalogue::Check::MetricFilterAlarm { patterns } = control.check else {
        unreachable!()
    };
    let wrong = patterns
        .iter()
        .find_map(|p| p.known_wrong)
        .expect("the latest unauthorized-API-calls text is known wrong");
    let mut snapshot = compliant();
    replace_pattern(&mut snapshot, control.slug(), wrong.intended);
    let report = audit(&snapshot);
    let finding = finding(&report, &control);
    assert_eq!(finding.status, Status::Pass, "{finding:#?}");
    assert!(
        finding
            .notes
            .iter()
            .any(|n| n.contains("known to be wrong")),
        "{:?}",
        finding.notes
    );
    // Security Hub-like strict text does not accept it.
    let mut options = AuditOptions::new(today());
    options.pattern_mode = PatternMode::StrictText;
    let report = audit::evaluate(&snapshot, Benchmark::latest(), &options);
    assert_eq!(support::finding(&report, &control).status, Status::Fail);
}

#[test]
fn a_filter_matching_nearly_everything_counts_only_where_cis_printed_one() {
    // The CIS v1.4.0 all-`||` unauthorized-API-calls text matches nearly every event.
    let v1_4 = cis_catalogue::find(Benchmark::V1_4_0, "unauthorized-api-calls").unwrap();
    let noisy = published(&v1_4);
    let mut snapshot = compliant();
    replace_pattern(&mut snapshot, "unauthorized-api-calls", noisy);
    replace_pattern(&mut snapshot, "root-usage", noisy);
    let report = audit(&snapshot);
    // For unauthorized API calls CIS itself printed it: PASS, with a warning and a lint.
    let unauthorized = finding(&report, &slug_control("unauthorized-api-calls"));
    assert_eq!(unauthorized.status, Status::Pass, "{unauthorized:#?}");
    assert!(unauthorized
        .notes
        .iter()
        .any(|n| n.contains("nearly every event")));
    assert!(unauthorized
        .lints
        .iter()
        .any(|l| l.code == "near-match-all"));
    // For root usage it catches the events only by accident: its alarm would stay in ALARM.
    let root = finding(&report, &slug_control("root-usage"));
    assert_eq!(root.status, Status::Fail, "{root:#?}");
}

#[test]
fn undecidable_coverage_needs_judgement_never_passes() {
    let control = slug_control("cloudtrail-config-changes");
    let mut snapshot = compliant();
    replace_pattern(
        &mut snapshot,
        control.slug(),
        r#"{ $.eventName = %Trail$% || $.eventName = %Logging$% }"#,
    );
    let report = audit(&snapshot);
    let finding = finding(&report, &control);
    assert_eq!(finding.status, Status::Manual, "{finding:#?}");
    assert!(
        finding.reason.contains("could not decide"),
        "{}",
        finding.reason
    );
    assert!(finding.evidence.passing_chain.is_none());
}

/// An alarm that cannot leave ALARM when nothing matches notifies no one for a later event:
/// missing data treated as breaching, `ignore` with nothing published between matches, or a
/// default value that breaches (or cancels a match) on its own. Each fails every control.
#[test]
fn alarms_that_stay_in_alarm_without_a_match_fail() {
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.treat_missing_data = Some("breaching".into());
    }
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Alarm,
        "treats missing data as breaching",
    );
    let mut snapshot = compliant();
    for alarm in &mut snapshot.alarms {
        alarm.treat_missing_data = Some("ignore".into());
    }
    assert_every_control(
        &audit(&snapshot),
        Status::Fail,
        Link::Alarm,
        "ignores missing data",
    );
    for (statistic, default, words) in [
        ("SampleCount", 0.0, "busy period without a match"),
        ("Sum", 1.0, "busy period without a match"),
        ("Sum", -1.0, "can cancel a match"),
    ] {
        let mut snapshot = compliant();
        for filter in &mut snapshot.log_groups[0].metric_filters {
            filter.transformations[0].default_value = Some(default);
        }
        for alarm in &mut snapshot.alarms {
            alarm.statistic = Some(statistic.into());
        }
        assert_every_control(&audit(&snapshot), Status::Fail, Link::Alarm, words);
    }
    // A default value of 0 with Sum >= 1 is fine, and lets `ignore` return to OK.
    let mut snapshot = compliant();
    for filter in &mut snapshot.log_groups[0].metric_filters {
        filter.transformations[0].default_value = Some(0.0);
    }
    for alarm in &mut snapshot.alarms {
        alarm.treat_missing_data = Some("ignore".into());
    }
    let report = audit(&snapshot);
    assert_eq!(report.summary.pass, report.findings.len(), "{report:#?}");
}

/// A filter that matches every record catches any control's events only by accident: its alarm
/// is always in ALARM. However the pattern is written, it does not count.
#[test]
fn match_all_filters_do_not_count_however_written() {
    let control = slug_control("cloudtrail-config-changes");
    for pattern in [
        r#"{ $.eventName = "*" }"#,
        "eventName",
        r#"{ $.eventVersion = * }"#,
    ] {
        let mut snapshot = compliant();
        replace_pattern(&mut snapshot, "cloudtrail-config-changes", pattern);
        let report = audit(&snapshot);
        let finding = finding(&report, &control);
        assert_eq!(finding.status, Status::Fail, "{pattern}: {finding:#?}");
        // `$.eventVersion = *` does not even catch the control's events in the proof (which
        // does not assume every record has an eventVersion); the others do, by accident.
        if !pattern.contains("eventVersion") {
            assert!(
                format!("{finding:?}").contains("matches nearly every event"),
                "{pattern}: {finding:#?}"
            );
        }
    }
}

/// Another filter publishing to the control's metric feeds its alarm too: one that can keep the
/// alarm in ALARM or cancel matches (a default value, a value that is not a positive number, a
/// match-all pattern) needs a person's judgement; one that only adds alarms does not.
#[test]
fn other_filters_feeding_the_same_metric_are_judged() {
    let control = slug_control("cloudtrail-config-changes");
    let metric = filter_name(&control);
    let with_other = |other: MetricFilter| {
        let mut snapshot = compliant();
        snapshot.log_groups[0].metric_filters.push(other);
        audit(&snapshot)
    };
    let cancelling = {
        let mut other = filter(
            "noise",
            r#"{ $.eventSource = "s3.amazonaws.com" }"#,
            &metric,
        );
        other.transformations[0].metric_value = "-1".into();
        other
    };
    let defaulting = {
        let mut other = filter("busy", r#"{ $.eventName = "Get*" }"#, &metric);
        other.transformations[0].default_value = Some(1.0);
        other
    };
    let everything = filter("everything", r#"{ $.eventName = "*" }"#, &metric);
    for (other, words) in [
        (
            cancelling,
            "filter noise on log group CloudTrail/Main does not publish a fixed positive value",
        ),
        (
            defaulting,
            "filter busy on log group CloudTrail/Main publishes a default value",
        ),
        (
            everything,
            "filter everything on log group CloudTrail/Main matches nearly every event",
        ),
    ] {
        assert_control(
            &with_other(other),
            &control,
            Status::Manual,
            Link::MetricFilter,
            words,
        );
    }
    let adds_alarms = filter("more", r#"{ $.eventName = "StopInstances" }"#, &metric);
    let report = with_other(adds_alarms);
    assert_eq!(finding(&report, &control).status, Status::Pass);
}

/// A filter that catches the control's events but whose match-all question the proof cannot
/// decide (a regular expression that may match anything) is not counted as verified: the
/// finding needs a person's judgement.
#[test]
fn an_undecided_match_all_question_needs_judgement() {
    let control = slug_control("cloudtrail-config-changes");
    let published = published(&control);
    let inner = published
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}');
    let pattern = format!("{{ ({inner}) || ($.eventName = %.*%) }}");
    let mut snapshot = compliant();
    replace_pattern(&mut snapshot, control.slug(), &pattern);
    assert_control(
        &audit(&snapshot),
        &control,
        Status::Manual,
        Link::MetricFilter,
        "matches nearly every event",
    );
}
