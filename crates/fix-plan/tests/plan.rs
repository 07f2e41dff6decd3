//! The planner on snapshot fixtures: what it builds for each broken link.

mod support;

use fix_plan::model::Action;
use fix_plan::{plan, BrokenLink, Endpoint, Plan, PlanOptions};
use support::*;

fn kinds(plan: &Plan) -> Vec<&'static str> {
    plan.steps
        .iter()
        .map(|s| match &s.action {
            Action::CreateLogGroup { .. } => "log-group",
            Action::CreateTrailDeliveryRole { .. } => "role",
            Action::UpdateTrail { .. } => "update-trail",
            Action::StartLogging { .. } => "start-logging",
            Action::CreateKey { .. } => "key",
            Action::CreateTopic { .. } => "topic",
            Action::SetTopicPolicy { .. } => "topic-policy",
            Action::Subscribe { .. } => "subscribe",
            Action::PutMetricFilter { .. } => "filter",
            Action::PutMetricAlarm { .. } => "alarm",
        })
        .collect()
}

fn subscribe() -> PlanOptions {
    PlanOptions {
        subscribe: Some(Endpoint::parse("email:sec@example.com").unwrap()),
        ..Default::default()
    }
}

const OWN_TOPIC: &str = "arn:aws:sns:eu-west-1:111122223333:trailwatch-cis-alarms";

#[test]
fn a_missing_filter_gets_filter_alarm_and_a_new_subscribed_topic_in_order() {
    let plan = plan(
        &snapshot(),
        &[filter_gap("4.4", "iam-policy-changes")],
        &subscribe(),
    );
    assert_eq!(
        kinds(&plan),
        ["topic", "topic-policy", "subscribe", "filter", "alarm"]
    );
    assert!(plan.unresolved.is_empty(), "{:?}", plan.unresolved);
    let Action::PutMetricFilter {
        log_group,
        name,
        pattern,
        namespace,
        metric_name,
        metric_value,
        ..
    } = &plan.steps[3].action
    else {
        panic!()
    };
    assert_eq!(
        (
            log_group.as_str(),
            name.as_str(),
            pattern.as_str(),
            namespace.as_str()
        ),
        (
            LOG_GROUP,
            "cis-iam-policy-changes",
            IAM_PATTERN,
            "CISBenchmark"
        )
    );
    assert_eq!(
        (metric_name.as_str(), metric_value.as_str()),
        ("cis-iam-policy-changes", "1")
    );
    let Action::PutMetricAlarm {
        name,
        namespace,
        metric_name,
        topic_arn,
        tags,
        ..
    } = &plan.steps[4].action
    else {
        panic!()
    };
    assert_eq!(name, "cis-iam-policy-changes");
    assert_eq!(
        (namespace.as_str(), metric_name.as_str()),
        ("CISBenchmark", "cis-iam-policy-changes")
    );
    assert_eq!(topic_arn, OWN_TOPIC);
    assert_eq!(tags["trailwatch:managed"], "true");
    assert_eq!(tags["trailwatch:control"], "4.4");
    let Action::CreateTopic {
        arn, tags, kms_key, ..
    } = &plan.steps[0].action
    else {
        panic!()
    };
    assert_eq!(arn, OWN_TOPIC);
    assert_eq!(kms_key, &None);
    assert_eq!(tags["trailwatch:managed"], "true");
    assert!(plan.steps.iter().all(|s| s.reasons[0].control_id == "4.4"));
}

#[test]
fn the_namespace_option_changes_the_filter_and_alarm_namespace() {
    let options = PlanOptions {
        namespace: Some("Security".into()),
        ..subscribe()
    };
    let plan = plan(
        &snapshot(),
        &[filter_gap("4.4", "iam-policy-changes")],
        &options,
    );
    let namespaces: Vec<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::PutMetricFilter { namespace, .. }
            | Action::PutMetricAlarm { namespace, .. } => Some(namespace.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(namespaces, ["Security", "Security"]);
}

#[test]
fn two_controls_share_one_topic_whose_steps_name_both() {
    let gaps = [
        filter_gap("4.3", "root-usage"),
        filter_gap("4.4", "iam-policy-changes"),
    ];
    let plan = plan(&snapshot(), &gaps, &subscribe());
    assert_eq!(
        kinds(&plan),
        [
            "topic",
            "topic-policy",
            "subscribe",
            "filter",
            "filter",
            "alarm",
            "alarm"
        ]
    );
    for step in &plan.steps[..3] {
        let ids: Vec<&str> = step.reasons.iter().map(|r| r.control_id.as_str()).collect();
        assert_eq!(ids, ["4.3", "4.4"], "{}", step.action.summary());
    }
    let Action::CreateTopic { tags, .. } = &plan.steps[0].action else {
        panic!()
    };
    assert_eq!(tags["trailwatch:control"], "4.3 4.4");
}

#[test]
fn a_control_failing_at_the_alarm_gets_only_an_alarm_on_the_existing_metric() {
    let mut snap = snapshot();
    snap.log_groups[0]
        .metric_filters
        .push(filter("iam", IAM_PATTERN, "Custom", "IamChanges"));
    snap.topics
        .push(topic(OWN_TOPIC, vec![confirmed_email(OWN_TOPIC)]));
    snap.topics[0]
        .tags
        .insert("trailwatch:managed".into(), "true".into());
    let gap = gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::Alarm {
            region: REGION.into(),
            namespace: "Custom".into(),
            metric_name: "IamChanges".into(),
        },
    );
    let plan = plan(&snap, &[gap], &PlanOptions::default());
    assert_eq!(
        kinds(&plan),
        ["alarm"],
        "reuses trailwatch's topic found by its tag"
    );
    let Action::PutMetricAlarm {
        namespace,
        metric_name,
        topic_arn,
        ..
    } = &plan.steps[0].action
    else {
        panic!()
    };
    assert_eq!(
        (namespace.as_str(), metric_name.as_str(), topic_arn.as_str()),
        ("Custom", "IamChanges", OWN_TOPIC)
    );
    assert!(plan.unresolved.is_empty());
}

#[test]
fn a_given_topic_is_reused_and_subscribed_when_it_has_no_confirmed_subscriber() {
    let mut snap = snapshot();
    snap.topics.push(topic(USER_TOPIC, vec![]));
    let options = PlanOptions {
        topic_arn: Some(USER_TOPIC.into()),
        ..subscribe()
    };
    let plan = plan(&snap, &[filter_gap("4.4", "iam-policy-changes")], &options);
    assert_eq!(kinds(&plan), ["subscribe", "filter", "alarm"]);
    let Action::PutMetricAlarm { topic_arn, .. } = &plan.steps[2].action else {
        panic!()
    };
    assert_eq!(topic_arn, USER_TOPIC);

    snap.topics[0].subscriptions = Some(vec![confirmed_email(USER_TOPIC)]);
    let plan = fix_plan::plan(&snap, &[filter_gap("4.4", "iam-policy-changes")], &options);
    assert_eq!(kinds(&plan), ["filter", "alarm"]);
}

#[test]
fn a_given_topic_in_another_region_is_refused() {
    let options = PlanOptions {
        topic_arn: Some("arn:aws:sns:us-east-1:111122223333:t".into()),
        ..subscribe()
    };
    let plan = plan(
        &snapshot(),
        &[filter_gap("4.4", "iam-policy-changes")],
        &options,
    );
    assert!(plan.steps.is_empty());
    assert!(
        plan.unresolved[0].message.contains("us-east-1"),
        "{:?}",
        plan.unresolved
    );
}

#[test]
fn a_missing_subscription_gets_only_a_subscription() {
    let mut snap = snapshot();
    snap.topics.push(topic(USER_TOPIC, vec![]));
    let gaps = [
        gap(
            "4.3",
            "root-usage",
            BrokenLink::Subscription {
                topic_arn: USER_TOPIC.into(),
            },
        ),
        gap(
            "4.4",
            "iam-policy-changes",
            BrokenLink::Subscription {
                topic_arn: USER_TOPIC.into(),
            },
        ),
    ];
    let plan = plan(&snap, &gaps, &subscribe());
    assert_eq!(kinds(&plan), ["subscribe"]);
    assert_eq!(plan.steps[0].reasons.len(), 2);
    assert!(plan.steps[0]
        .action
        .summary()
        .contains("must still confirm"));

    let plan = fix_plan::plan(&snap, &gaps, &PlanOptions::default());
    assert!(plan.steps.is_empty());
    assert_eq!(plan.unresolved.len(), 2);
    assert!(
        plan.unresolved[0].message.contains("--subscribe"),
        "{:?}",
        plan.unresolved
    );
}

#[test]
fn a_pending_confirmation_for_the_same_endpoint_is_not_resubscribed() {
    let mut snap = snapshot();
    snap.topics.push(topic(
        USER_TOPIC,
        vec![snapshot::Subscription {
            arn: "PendingConfirmation".into(),
            protocol: "email".into(),
            endpoint: "sec@example.com".into(),
        }],
    ));
    let gaps = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::Subscription {
            topic_arn: USER_TOPIC.into(),
        },
    )];
    let plan = plan(&snap, &gaps, &subscribe());
    assert!(plan.steps.is_empty());
    assert!(
        plan.unresolved[0].message.contains("has not confirmed"),
        "{:?}",
        plan.unresolved
    );
}

#[test]
fn taken_names_get_the_first_free_suffix_and_existing_resources_are_not_touched() {
    let mut snap = snapshot();
    // A user's filter and alarm already use the derived name; a user's topic uses trailwatch's.
    snap.log_groups[0].metric_filters.push(filter(
        "cis-iam-policy-changes",
        "{ $.x = 1 }",
        "Mine",
        "M",
    ));
    snap.alarms
        .push(alarm("cis-iam-policy-changes-2", "Mine", "M", USER_TOPIC));
    snap.topics.push(topic(OWN_TOPIC, vec![]));
    let plan = plan(
        &snap,
        &[filter_gap("4.4", "iam-policy-changes")],
        &subscribe(),
    );
    let names: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::PutMetricFilter { name, .. } | Action::PutMetricAlarm { name, .. } => {
                Some(name.clone())
            }
            Action::CreateTopic { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            "trailwatch-cis-alarms-2",
            "cis-iam-policy-changes-3",
            "cis-iam-policy-changes-3"
        ]
    );
}

#[test]
fn a_deleted_topic_in_this_account_is_recreated_under_its_name() {
    let gaps = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::TopicMissing {
            topic_arn: USER_TOPIC.into(),
            namespace: "Custom".into(),
            metric_name: "M".into(),
        },
    )];
    let plan = plan(&snapshot(), &gaps, &subscribe());
    assert_eq!(kinds(&plan), ["topic", "topic-policy", "subscribe"]);
    let Action::CreateTopic { name, arn, .. } = &plan.steps[0].action else {
        panic!()
    };
    assert_eq!(
        (name.as_str(), arn.as_str()),
        ("security-alerts", USER_TOPIC)
    );

    let foreign = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::TopicMissing {
            topic_arn: "arn:aws:sns:eu-west-1:999999999999:gone".into(),
            namespace: "Custom".into(),
            metric_name: "M".into(),
        },
    )];
    let plan = fix_plan::plan(&snapshot(), &foreign, &subscribe());
    assert!(plan.steps.is_empty());
    assert!(plan.unresolved[0].message.contains("not in this account"));
}

#[test]
fn an_unusable_user_topic_is_left_alone_and_a_new_alarm_notifies_trailwatchs_topic() {
    let gaps = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::TopicUnusable {
            topic_arn: USER_TOPIC.into(),
            why: "encrypted with the AWS managed key alias/aws/sns".into(),
            region: REGION.into(),
            namespace: "Custom".into(),
            metric_name: "M".into(),
        },
    )];
    let plan = plan(&snapshot(), &gaps, &subscribe());
    assert_eq!(
        kinds(&plan),
        ["topic", "topic-policy", "subscribe", "alarm"]
    );
    let Action::PutMetricAlarm {
        metric_name,
        topic_arn,
        ..
    } = &plan.steps[3].action
    else {
        panic!()
    };
    assert_eq!((metric_name.as_str(), topic_arn.as_str()), ("M", OWN_TOPIC));
}

#[test]
fn a_new_topic_without_subscribe_is_planned_but_reported_unsubscribed() {
    let plan = plan(
        &snapshot(),
        &[filter_gap("4.4", "iam-policy-changes")],
        &PlanOptions::default(),
    );
    assert_eq!(kinds(&plan), ["topic", "topic-policy", "filter", "alarm"]);
    assert_eq!(plan.unresolved.len(), 1);
    assert!(plan.unresolved[0]
        .message
        .contains("no confirmed subscription"));
}

#[test]
fn encrypting_the_topic_creates_a_customer_managed_key_first() {
    let options = PlanOptions {
        encrypt_topic: true,
        ..subscribe()
    };
    let plan = plan(
        &snapshot(),
        &[filter_gap("4.4", "iam-policy-changes")],
        &options,
    );
    assert_eq!(
        kinds(&plan),
        [
            "key",
            "topic",
            "topic-policy",
            "subscribe",
            "filter",
            "alarm"
        ]
    );
    let Action::CreateTopic { kms_key, .. } = &plan.steps[1].action else {
        panic!()
    };
    assert_eq!(kms_key.as_deref(), Some("alias/trailwatch-cis-alarms"));
}

#[test]
fn without_a_qualifying_trail_the_plan_says_what_is_missing() {
    let mut snap = snapshot();
    snap.trails = vec![trail("main", false, false, false)];
    let gaps = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::Trail {
            missing: "no trail delivers to CloudWatch Logs".into(),
            trail_arn: None,
        },
    )];
    let plan = plan(&snap, &gaps, &subscribe());
    assert!(plan.steps.is_empty());
    let message = &plan.unresolved[0].message;
    assert!(
        message.contains("no trail delivers")
            && message.contains("--with-trail")
            && message.contains("main"),
        "{message}"
    );
}

#[test]
fn with_trail_repairs_the_best_trail_before_the_filters() {
    let mut snap = snapshot();
    snap.trails = vec![trail("main", false, false, false)];
    snap.log_groups.clear();
    let gaps = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::Trail {
            missing: "no trail delivers".into(),
            trail_arn: None,
        },
    )];
    let options = PlanOptions {
        with_trail: true,
        ..subscribe()
    };
    let plan = plan(&snap, &gaps, &options);
    assert_eq!(
        kinds(&plan),
        [
            "log-group",
            "role",
            "update-trail",
            "start-logging",
            "topic",
            "topic-policy",
            "subscribe",
            "filter",
            "alarm"
        ]
    );
    let Action::UpdateTrail {
        log_group_arn,
        role_arn,
        make_multi_region,
        trail_name,
        ..
    } = &plan.steps[2].action
    else {
        panic!()
    };
    assert_eq!(trail_name, "main");
    assert_eq!(
        log_group_arn,
        "arn:aws:logs:eu-west-1:111122223333:log-group:trailwatch-cloudtrail-main:*"
    );
    assert_eq!(
        role_arn,
        "arn:aws:iam::111122223333:role/trailwatch-cloudtrail-delivery-main"
    );
    assert!(make_multi_region);
    let Action::CreateTrailDeliveryRole { trust_policy, .. } = &plan.steps[1].action else {
        panic!()
    };
    assert!(trust_policy.contains("cloudtrail.amazonaws.com"));
    let Action::PutMetricFilter { log_group, .. } = &plan.steps[7].action else {
        panic!()
    };
    assert_eq!(log_group, "trailwatch-cloudtrail-main");
}

#[test]
fn with_trail_and_no_trail_at_all_creates_no_second_trail() {
    let mut snap = snapshot();
    snap.trails.clear();
    let gaps = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::Trail {
            missing: "no trail".into(),
            trail_arn: None,
        },
    )];
    let plan = plan(
        &snap,
        &gaps,
        &PlanOptions {
            with_trail: true,
            ..subscribe()
        },
    );
    assert!(plan.steps.is_empty());
    assert!(plan.unresolved[0]
        .message
        .contains("does not create trails"));
}

#[test]
fn the_pattern_note_is_shown_in_the_plan() {
    let mut g = filter_gap("4.1", "unauthorized-api-calls");
    g.pattern_note =
        Some("the benchmark's printed pattern is known wrong; installing the intended one".into());
    let plan = plan(&snapshot(), &[g], &subscribe());
    let text = fix_plan::render::text(&plan);
    assert!(
        text.contains("note: the benchmark's printed pattern is known wrong"),
        "{text}"
    );
    assert!(
        text.contains("closes 4.1: unauthorized-api-calls: chain broken"),
        "{text}"
    );
    assert!(text.contains("must still confirm"), "{text}");
}

#[test]
fn an_other_failure_is_reported_not_planned() {
    let gaps = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::Other {
            message: "AccessDenied reading alarms".into(),
        },
    )];
    let plan = plan(&snapshot(), &gaps, &subscribe());
    assert!(plan.is_empty());
    assert!(plan.unresolved[0].message.contains("AccessDenied"));
}

#[test]
fn no_filter_is_added_where_the_same_pattern_already_is() {
    let mut snap = snapshot();
    snap.log_groups[0]
        .metric_filters
        .push(filter("theirs", IAM_PATTERN, "Custom", "M"));
    let plan = plan(
        &snap,
        &[filter_gap("4.4", "iam-policy-changes")],
        &subscribe(),
    );
    assert!(plan.steps.is_empty(), "{:?}", kinds(&plan));
    assert!(
        plan.unresolved[0].message.contains("filter theirs"),
        "{:?}",
        plan.unresolved
    );
}

#[test]
fn with_trail_repairs_the_trail_the_audit_named_when_this_account_owns_it() {
    let mut snap = snapshot();
    snap.trails.push(trail("legacy", true, false, true));
    let legacy = snap.trails[1].arn.clone();
    let gaps = [gap(
        "4.4",
        "iam-policy-changes",
        BrokenLink::Trail {
            missing: "trail legacy is not logging".into(),
            trail_arn: Some(legacy.clone()),
        },
    )];
    let plan_without = plan(&snap, &gaps, &subscribe());
    assert!(plan_without.steps.is_empty());
    let message = &plan_without.unresolved[0].message;
    assert!(
        message.contains(&format!(
            "rerun with --with-trail to start logging on trail {legacy}"
        )),
        "{message}"
    );

    let plan = plan(
        &snap,
        &gaps,
        &PlanOptions {
            with_trail: true,
            ..subscribe()
        },
    );
    assert_eq!(
        kinds(&plan),
        [
            "start-logging",
            "topic",
            "topic-policy",
            "subscribe",
            "filter",
            "alarm"
        ]
    );
    let Action::StartLogging { trail_arn, .. } = &plan.steps[0].action else {
        panic!()
    };
    assert_eq!(trail_arn, &legacy);
}

#[test]
fn every_topic_the_plan_creates_in_a_region_shares_its_one_key() {
    let gaps = [
        filter_gap("4.4", "iam-policy-changes"),
        gap(
            "4.3",
            "root-usage",
            BrokenLink::TopicMissing {
                topic_arn: USER_TOPIC.into(),
                namespace: "C".into(),
                metric_name: "M".into(),
            },
        ),
    ];
    let plan = plan(
        &snapshot(),
        &gaps,
        &PlanOptions {
            encrypt_topic: true,
            ..subscribe()
        },
    );
    let keys: Vec<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::CreateKey { alias, .. } => Some(alias.as_str()),
            _ => None,
        })
        .collect();
    let topic_keys: Vec<Option<&str>> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::CreateTopic { kms_key, .. } => Some(kms_key.as_deref()),
            _ => None,
        })
        .collect();
    assert_eq!(keys, ["alias/trailwatch-cis-alarms"]);
    assert_eq!(
        topic_keys,
        [
            Some("alias/trailwatch-cis-alarms"),
            Some("alias/trailwatch-cis-alarms")
        ]
    );
}
