//! The collector against moto: what it reads, how many calls it makes, what it may call.

use crate::harness::seed::{Seeder, NAMESPACE};
use crate::harness::{runtime, Moto, ACCOUNT};
use snapshot::{Organization, ReadWriteType, Snapshot};

/// Collects with the library, in process, over the bridge.
pub fn collect(moto: &Moto, regions: &[&str]) -> aws_collect::Collection {
    runtime().block_on(async {
        let config = moto.sdk_config("us-east-1").await;
        aws_collect::collect(
            &config,
            Some(regions.iter().map(|r| r.to_string()).collect()),
            8,
            &aws_collect::NoProgress,
        )
        .await
        .expect("collection")
    })
}

#[test]
fn reads_the_whole_chain_of_a_compliant_account() {
    let moto = Moto::start();
    let account = runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        let account = seeder.compliant_account("us-east-1", &["us-east-1"]).await;
        let tag = aws_sdk_sns::types::Tag::builder()
            .key("trailwatch:managed")
            .value("true")
            .build()
            .unwrap();
        seeder
            .sns("us-east-1")
            .tag_resource()
            .resource_arn(&account.topic_arn)
            .tags(tag)
            .send()
            .await
            .expect("TagResource");
        account
    });
    let snapshot: Snapshot = collect(&moto, &["us-east-1", "eu-west-1"]).snapshot;
    assert_eq!(snapshot.errors, vec![]);
    assert_eq!(snapshot.caller.account_id, ACCOUNT);
    assert_eq!(snapshot.organization, Organization::NotInOrganization);
    assert_eq!(snapshot.regions, vec!["eu-west-1", "us-east-1"]);

    assert_eq!(snapshot.trails.len(), 1, "{:#?}", snapshot.trails);
    let trail = &snapshot.trails[0];
    assert_eq!(trail.name, account.trail_name);
    assert_eq!(trail.home_region, "us-east-1");
    assert!(trail.is_multi_region);
    assert!(trail.status.as_ref().unwrap().is_logging);
    let selectors = trail.event_selectors.as_ref().unwrap();
    assert_eq!(selectors.classic.len(), 1);
    assert_eq!(selectors.classic[0].read_write_type, ReadWriteType::All);
    assert!(selectors.classic[0].include_management_events);

    assert_eq!(snapshot.log_groups.len(), 1);
    let group = &snapshot.log_groups[0];
    assert_eq!(group.name, account.log_group);
    assert_eq!(group.metric_filters.len(), account.chains.len());
    for chain in &account.chains {
        let filter = group
            .metric_filters
            .iter()
            .find(|f| f.name == chain.name)
            .unwrap_or_else(|| panic!("filter {} missing", chain.name));
        assert_eq!(filter.pattern, chain.pattern);
        assert_eq!(filter.transformations[0].metric_namespace, NAMESPACE);
    }

    assert_eq!(snapshot.alarms.len(), account.chains.len());
    assert!(snapshot
        .alarms
        .iter()
        .all(|a| a.actions_enabled && a.alarm_actions == vec![account.topic_arn.clone()]));
    assert_eq!(snapshot.alarms[0].threshold, Some(1.0));
    assert_eq!(snapshot.alarms[0].period, Some(300));

    assert_eq!(snapshot.topics.len(), 1);
    let subscriptions = snapshot.topics[0].subscriptions.as_ref().unwrap();
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0].protocol, "email");
    assert_eq!(
        snapshot.topics[0]
            .tags
            .get("trailwatch:managed")
            .map(String::as_str),
        Some("true")
    );
    assert!(snapshot.missing_topics.is_empty());

    let hubs: Vec<(&str, bool)> = snapshot
        .security_hub
        .iter()
        .map(|h| (h.region.as_str(), h.enabled))
        .collect();
    assert_eq!(hubs, vec![("eu-west-1", false), ("us-east-1", true)]);
}

/// The IAM actions `policy/audit-policy.json` allows.
fn policy_actions() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policy/audit-policy.json"
    );
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_call_of_a_live_audit_is_allowed_by_the_audit_policy() {
    let moto = Moto::start();
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        let account = seeder.compliant_account("us-east-1", &["us-east-1"]).await;
        // An encrypted topic, so the audit also describes its key.
        seeder
            .sns("us-east-1")
            .set_topic_attributes()
            .topic_arn(&account.topic_arn)
            .attribute_name("KmsMasterKeyId")
            .attribute_value("alias/aws/sns")
            .send()
            .await
            .expect("SetTopicAttributes");
    });
    moto.bridge.start_recording();
    // No --regions: the binary asks account:ListRegions (moto lacks it, so it falls back).
    let output = moto
        .trailwatch()
        .args(["collect", "-o", "/dev/null"])
        .output()
        .unwrap();
    let recorded = moto.bridge.take_recording();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("account:ListRegions"), "{stderr}");

    let allowed = policy_actions();
    let mut seen: Vec<String> = recorded.clone();
    seen.sort();
    seen.dedup();
    for action in &seen {
        assert!(
            allowed.contains(action),
            "{action} is not in the audit policy"
        );
    }
    // The scenario exercises every operation the policy allows.
    let mut allowed_sorted = allowed.clone();
    allowed_sorted.sort();
    assert_eq!(seen, allowed_sorted);
    // One DescribeTrails and one DescribeHub per fallback region.
    let per_region = |action: &str| recorded.iter().filter(|a| *a == action).count();
    assert_eq!(
        per_region("cloudtrail:DescribeTrails"),
        aws_collect::DEFAULT_ENABLED_REGIONS.len()
    );
    assert_eq!(
        per_region("securityhub:DescribeHub"),
        aws_collect::DEFAULT_ENABLED_REGIONS.len()
    );
}
