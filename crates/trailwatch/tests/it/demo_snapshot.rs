//! The bundled demo snapshot reads as a snapshot and tells the story its README describes.

use snapshot::{Organization, Snapshot};
use std::collections::BTreeSet;

const DEMO: &str = include_str!("../../demo/demo-snapshot.json");
const README: &str = include_str!("../../demo/README.md");

fn demo() -> Snapshot {
    Snapshot::from_json(DEMO).expect("demo snapshot parses")
}

#[test]
fn demo_is_a_member_account_with_an_org_trail_from_its_management_account() {
    let snap = demo();
    assert_eq!(snap.caller.account_id, "111122223333");
    let Organization::Member {
        management_account_id,
        ..
    } = &snap.organization
    else {
        panic!("demo account is in an organization")
    };
    let org_trail = snap
        .trails
        .iter()
        .find(|t| t.is_organization_trail)
        .unwrap();
    assert!(org_trail
        .arn
        .contains(&format!(":{management_account_id}:")));
    let log_group = org_trail.log_group_arn.as_deref().unwrap();
    assert!(log_group.contains(&format!(":{management_account_id}:")));
    assert!(snap
        .log_groups
        .iter()
        .all(|g| g.account_id == snap.caller.account_id));
}

#[test]
fn demo_has_a_stopped_trail_a_single_region_trail_and_one_collection_error() {
    let snap = demo();
    let stopped: Vec<&str> = snap
        .trails
        .iter()
        .filter(|t| t.status.as_ref().is_some_and(|s| !s.is_logging))
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(stopped, ["legacy-eu"]);
    let single: Vec<&str> = snap
        .trails
        .iter()
        .filter(|t| !t.is_multi_region)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(single, ["app-eu-west-1"]);
    assert_eq!(snap.errors.len(), 1);
    let error = &snap.errors[0];
    assert_eq!(error.operation, "GetEventSelectors");
    let unread = snap
        .trails
        .iter()
        .find(|t| Some(&t.arn) == error.resource.as_ref())
        .unwrap();
    assert!(
        unread.event_selectors.is_none(),
        "the failed read left no selectors"
    );
    let excluded: Vec<&str> = snap
        .trails
        .iter()
        .filter_map(|t| t.event_selectors.as_ref())
        .flat_map(|s| &s.classic)
        .flat_map(|c| &c.exclude_management_event_sources)
        .map(String::as_str)
        .collect();
    assert_eq!(excluded, ["kms.amazonaws.com"]);
}

#[test]
fn every_alarm_action_is_a_read_topic_or_a_missing_one() {
    let snap = demo();
    let read: BTreeSet<&str> = snap.topics.iter().map(|t| t.arn.as_str()).collect();
    let missing: BTreeSet<&str> = snap.missing_topics.iter().map(String::as_str).collect();
    assert_eq!(missing.len(), 1);
    for alarm in &snap.alarms {
        for action in &alarm.alarm_actions {
            assert!(
                read.contains(action.as_str()) ^ missing.contains(action.as_str()),
                "{action}"
            );
        }
    }
    let pending_only = snap.topics.iter().filter(|t| {
        t.subscriptions
            .as_ref()
            .is_some_and(|s| s.iter().all(|s| s.arn == "PendingConfirmation"))
    });
    assert_eq!(pending_only.count(), 1);
    let aws_managed = snap.topics.iter().filter(|t| {
        t.attributes.get("KmsMasterKeyId").map(String::as_str) == Some("alias/aws/sns")
    });
    assert_eq!(aws_managed.count(), 1);
}

#[test]
fn every_alarm_watches_a_metric_some_filter_publishes_or_says_why_not() {
    let snap = demo();
    let published: BTreeSet<(&str, &str)> = snap
        .log_groups
        .iter()
        .flat_map(|g| &g.metric_filters)
        .flat_map(|f| &f.transformations)
        .map(|t| (t.metric_namespace.as_str(), t.metric_name.as_str()))
        .collect();
    let mut unmatched: Vec<&str> = snap
        .alarms
        .iter()
        .filter(|a| {
            let key = (
                a.namespace.as_deref().unwrap_or(""),
                a.metric_name.as_deref().unwrap_or(""),
            );
            !published.contains(&key)
        })
        .map(|a| a.name.as_str())
        .collect();
    unmatched.sort();
    // The metric-math alarm names no metric; the other watches the right name in the wrong
    // namespace. Both are described in the README.
    assert_eq!(
        unmatched,
        ["network-gateway-anomaly", "organizations-changes"]
    );
}

#[test]
fn security_hub_is_enabled_in_exactly_one_of_the_regions() {
    let snap = demo();
    assert_eq!(snap.security_hub.len(), snap.regions.len());
    let enabled: Vec<&str> = snap
        .security_hub
        .iter()
        .filter(|h| h.enabled)
        .map(|h| h.region.as_str())
        .collect();
    assert_eq!(enabled, ["us-east-1"]);
}

#[test]
fn readme_gives_an_expected_result_for_every_v7_control() {
    for control in cis_catalogue::controls(cis_catalogue::Benchmark::V7_0_0) {
        let row = README
            .lines()
            .find(|line| line.starts_with(&format!("| {} ", control.id)))
            .unwrap_or_else(|| panic!("README has no row for {}", control.id));
        assert!(row.contains(control.slug()), "{row}");
        let results = ["**PASS**", "**FAIL**", "**MANUAL**", "**ERROR**"];
        assert_eq!(
            results.iter().filter(|r| row.contains(*r)).count(),
            1,
            "{row}"
        );
    }
}
