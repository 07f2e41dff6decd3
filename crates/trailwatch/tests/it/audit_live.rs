//! Live audits against moto: a compliant account, then one broken (or harmlessly changed) link
//! at a time, each asserting the exact verdict of every control of the latest benchmark.

use crate::collect::collect;
use crate::harness::seed::{latest_filter_controls, Account, Seeder, NAMESPACE};
use crate::harness::{runtime, Moto};
use audit::{AuditOptions, Date, Status};
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, AdvancedFieldSelector, ReadWriteType};
use cis_catalogue::{Benchmark, Check};
use std::collections::BTreeMap;

/// The verdict per control slug.
pub type Verdicts = BTreeMap<String, Status>;

/// Seeds a compliant account (trail home `region`, Security Hub on in `hub_regions`), applies
/// `change`, and returns the emulator for auditing.
pub fn scenario(
    region: &str,
    hub_regions: &[&str],
    change: impl AsyncFnOnce(&Seeder<'_>, &Account),
) -> (Moto, Account) {
    let moto = Moto::start();
    let account = runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        let account = seeder.compliant_account(region, hub_regions).await;
        change(&seeder, &account).await;
        account
    });
    (moto, account)
}

/// Collects in process and evaluates against the latest benchmark.
pub fn verdicts(moto: &Moto, regions: &[&str]) -> Verdicts {
    let snapshot = collect(moto, regions).snapshot;
    let report = audit::evaluate(
        &snapshot,
        Benchmark::latest(),
        &AuditOptions::new(Date::today_utc()),
    );
    report
        .findings
        .iter()
        .map(|f| (f.topic.clone(), f.status))
        .collect()
}

/// Runs `trailwatch audit --format json` against the emulator; returns the verdicts and the
/// exit code.
pub fn verdicts_from_binary(moto: &Moto, extra_args: &[&str]) -> (Verdicts, i32) {
    let output = moto
        .trailwatch()
        .args(["audit", "--format", "json"])
        .args(extra_args)
        .output()
        .expect("running trailwatch");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "trailwatch audit printed no JSON report ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let verdicts = report["findings"]
        .as_array()
        .expect("a findings list")
        .iter()
        .map(|f| {
            let status: Status = serde_json::from_value(f["status"].clone()).expect("a status");
            (f["topic"].as_str().expect("a topic").to_string(), status)
        })
        .collect();
    (verdicts, output.status.code().expect("an exit code"))
}

/// Every control of the latest benchmark PASS, except `failing` (slugs) FAIL.
pub fn expected(failing: &[&str]) -> Verdicts {
    let controls = cis_catalogue::controls(Benchmark::latest());
    for slug in failing {
        assert!(
            controls.iter().any(|c| c.slug() == *slug),
            "unknown control {slug}"
        );
    }
    controls
        .iter()
        .map(|c| {
            let status = if failing.contains(&c.slug()) {
                Status::Fail
            } else {
                Status::Pass
            };
            (c.slug().to_string(), status)
        })
        .collect()
}

/// The slugs of every metric-filter control (all break together when the trail or topic does).
fn all_filter_controls() -> Vec<String> {
    latest_filter_controls()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

fn slugs(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

/// The control these single-filter variants change.
const IAM: &str = "iam-policy-changes";

fn iam_pattern() -> String {
    latest_filter_controls()
        .into_iter()
        .find(|c| c.name == IAM)
        .expect("the latest benchmark has the IAM policy control")
        .pattern
}

/// Replaces the IAM control's filter with one of `pattern` (moto adds a duplicate on a
/// same-named put, so the old one is deleted first).
async fn replace_iam_filter(seeder: &Seeder<'_>, account: &Account, pattern: &str) {
    seeder
        .logs(&account.region)
        .delete_metric_filter()
        .log_group_name(&account.log_group)
        .filter_name(IAM)
        .send()
        .await
        .expect("DeleteMetricFilter");
    seeder
        .filter(
            &account.region,
            &account.log_group,
            IAM,
            pattern,
            IAM,
            NAMESPACE,
        )
        .await;
}

/// `{(a)||(b)}` with its terms in reverse order and every value double-quoted.
fn reordered_and_quoted(pattern: &str) -> String {
    let inner = pattern.trim().trim_start_matches('{').trim_end_matches('}');
    let mut terms: Vec<&str> = inner.split("||").collect();
    terms.reverse();
    let terms: Vec<String> = terms
        .into_iter()
        .map(|term| {
            let term = term.trim().trim_start_matches('(').trim_end_matches(')');
            let (field, value) = term.split_once('=').expect("an equality term");
            format!("( {} = \"{}\" )", field.trim(), value.trim())
        })
        .collect();
    format!("{{ {} }}", terms.join(" || "))
}

#[test]
fn a_compliant_account_passes_every_control() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |_, _| {});
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[]));
}

#[test]
fn the_binary_audits_live_through_aws_endpoint_url() {
    let (moto, account) = scenario("us-east-1", &["us-east-1"], async |_, _| {});
    let before = moto.bridge.requests();
    let started = std::time::Instant::now();
    let (verdicts, code) = verdicts_from_binary(&moto, &["--regions", "us-east-1"]);
    let elapsed = started.elapsed();
    let calls = moto.bridge.requests() - before;
    assert_eq!(verdicts, expected(&[]));
    assert_eq!(code, 0);
    // GetCallerIdentity, DescribeOrganization, DescribeTrails, DescribeHub, GetTrailStatus,
    // GetEventSelectors, DescribeMetricFilters, GetTopicAttributes, ListSubscriptionsByTopic,
    // ListTagsForResource, and one DescribeAlarmsForMetric per filter metric.
    assert_eq!(calls, 10 + account.chains.len());
    eprintln!(
        "live audit of {} controls: {calls} API calls, {:.0} ms wall time (process start to exit)",
        verdicts.len(),
        elapsed.as_secs_f64() * 1000.0
    );
}

#[test]
fn a_trail_homed_outside_the_cli_region_is_read_in_its_home_region() {
    let (moto, _) = scenario("eu-west-1", &["eu-west-1", "us-east-1"], async |_, _| {});
    let (verdicts, code) = verdicts_from_binary(
        &moto,
        &["--region", "us-east-1", "--regions", "us-east-1,eu-west-1"],
    );
    assert_eq!(verdicts, expected(&[]));
    assert_eq!(code, 0);
}

#[test]
fn a_stopped_trail_fails_every_filter_control() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .cloudtrail(&account.region)
            .stop_logging()
            .name(&account.trail_name)
            .send()
            .await
            .expect("StopLogging");
    });
    let (verdicts, code) = verdicts_from_binary(&moto, &["--regions", "us-east-1"]);
    assert_eq!(verdicts, expected(&slugs(&all_filter_controls())));
    assert_eq!(code, 1);
}

#[test]
fn a_single_region_trail_fails_every_filter_control() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .cloudtrail(&account.region)
            .update_trail()
            .name(&account.trail_name)
            .is_multi_region_trail(false)
            .send()
            .await
            .expect("UpdateTrail");
    });
    assert_eq!(
        verdicts(&moto, &["us-east-1"]),
        expected(&slugs(&all_filter_controls()))
    );
}

#[test]
fn write_only_selectors_fail_every_filter_control() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .classic_selectors(
                &account.region,
                &account.trail_name,
                ReadWriteType::WriteOnly,
            )
            .await;
    });
    assert_eq!(
        verdicts(&moto, &["us-east-1"]),
        expected(&slugs(&all_filter_controls()))
    );
}

#[test]
fn advanced_selectors_for_all_management_events_pass() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .cloudtrail(&account.region)
            .put_event_selectors()
            .trail_name(&account.trail_name)
            .advanced_event_selectors(
                AdvancedEventSelector::builder()
                    .name("management events")
                    .field_selectors(
                        AdvancedFieldSelector::builder()
                            .field("eventCategory")
                            .equals("Management")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("PutEventSelectors (advanced)");
    });
    let snapshot = collect(&moto, &["us-east-1"]).snapshot;
    let selectors = snapshot.trails[0].event_selectors.as_ref().unwrap();
    assert!(selectors.classic.is_empty(), "{selectors:?}");
    assert_eq!(
        selectors.advanced[0].field_selectors[0].field,
        "eventCategory"
    );
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[]));
}

#[test]
fn a_missing_filter_fails_its_control_only() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .logs(&account.region)
            .delete_metric_filter()
            .log_group_name(&account.log_group)
            .filter_name(IAM)
            .send()
            .await
            .expect("DeleteMetricFilter");
    });
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[IAM]));
}

#[test]
fn a_reordered_and_quoted_filter_still_passes() {
    let pattern = reordered_and_quoted(&iam_pattern());
    assert_ne!(pattern, iam_pattern());
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        replace_iam_filter(seeder, account, &pattern).await;
    });
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[]));
}

#[test]
fn a_filter_with_and_in_place_of_or_fails_its_control() {
    let pattern = iam_pattern().replace("||", "&&");
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        replace_iam_filter(seeder, account, &pattern).await;
    });
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[IAM]));
}

#[test]
fn a_missing_alarm_fails_its_control_only() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .cloudwatch(&account.region)
            .delete_alarms()
            .alarm_names(IAM)
            .send()
            .await
            .expect("DeleteAlarms");
    });
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[IAM]));
}

#[test]
fn an_alarm_in_another_namespace_fails_its_control() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .cloudwatch(&account.region)
            .delete_alarms()
            .alarm_names(IAM)
            .send()
            .await
            .expect("DeleteAlarms");
        seeder
            .alarm(
                &account.region,
                IAM,
                IAM,
                "SomethingElse",
                &account.topic_arn,
            )
            .await;
    });
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[IAM]));
}

#[test]
fn an_alarm_with_actions_disabled_fails_its_control() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .cloudwatch(&account.region)
            .disable_alarm_actions()
            .alarm_names(IAM)
            .send()
            .await
            .expect("DisableAlarmActions");
    });
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[IAM]));
}

#[test]
fn a_topic_without_subscription_fails_every_filter_control() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        let sns = seeder.sns(&account.region);
        let subscriptions = sns
            .list_subscriptions_by_topic()
            .topic_arn(&account.topic_arn)
            .send()
            .await
            .expect("ListSubscriptionsByTopic");
        for subscription in subscriptions.subscriptions() {
            sns.unsubscribe()
                .subscription_arn(subscription.subscription_arn().unwrap())
                .send()
                .await
                .expect("Unsubscribe");
        }
    });
    assert_eq!(
        verdicts(&moto, &["us-east-1"]),
        expected(&slugs(&all_filter_controls()))
    );
}

#[test]
fn a_deleted_topic_fails_every_filter_control() {
    let (moto, account) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        seeder
            .sns(&account.region)
            .delete_topic()
            .topic_arn(&account.topic_arn)
            .send()
            .await
            .expect("DeleteTopic");
    });
    let snapshot = collect(&moto, &["us-east-1"]).snapshot;
    assert_eq!(snapshot.missing_topics, vec![account.topic_arn.clone()]);
    assert_eq!(
        verdicts(&moto, &["us-east-1"]),
        expected(&slugs(&all_filter_controls()))
    );
}

#[test]
fn a_second_unqualified_trail_does_not_change_the_verdicts() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, _| {
        seeder
            .trail("us-east-1", "regional", "CloudTrail/Regional", false)
            .await;
    });
    let snapshot = collect(&moto, &["us-east-1"]).snapshot;
    assert_eq!(snapshot.trails.len(), 2);
    assert_eq!(snapshot.log_groups.len(), 2);
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[]));
}

#[test]
fn filters_on_the_unqualified_trail_of_two_do_not_count() {
    // The multi-region trail's log group has no filters; the complete chains hang off a
    // single-region trail's log group.
    let moto = Moto::start();
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        seeder
            .trail("us-east-1", "everywhere", "CloudTrail/Empty", true)
            .await;
        seeder
            .trail("us-east-1", "regional", "CloudTrail/Filtered", false)
            .await;
        let topic = seeder.topic("us-east-1", "alerts").await;
        for chain in latest_filter_controls() {
            seeder
                .filter(
                    "us-east-1",
                    "CloudTrail/Filtered",
                    &chain.name,
                    &chain.pattern,
                    &chain.name,
                    NAMESPACE,
                )
                .await;
            seeder
                .alarm("us-east-1", &chain.name, &chain.name, NAMESPACE, &topic)
                .await;
        }
        seeder.enable_security_hub("us-east-1");
    });
    assert_eq!(
        verdicts(&moto, &["us-east-1"]),
        expected(&slugs(&all_filter_controls()))
    );
}

#[test]
fn security_hub_off_in_a_region_in_scope_fails_its_control() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |_, _| {});
    let hub = cis_catalogue::controls(Benchmark::latest())
        .into_iter()
        .find(|c| c.check == Check::SecurityHubEnabled)
        .expect("the latest benchmark has the Security Hub control");
    assert_eq!(
        verdicts(&moto, &["us-east-1", "eu-west-1"]),
        expected(&[hub.slug()])
    );
}
