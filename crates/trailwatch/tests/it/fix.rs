//! `trailwatch fix` against moto: break one link of a compliant account, fix it, audit again.
//!
//! Every variant must end with the same verdicts as the compliant account (every control moto
//! can represent passes), a second `fix --apply` must change nothing (no write call reaches the
//! emulator), resources trailwatch did not create must be left as they were, a partial failure
//! must be reported exactly and completed by a re-run, and the `--emit cli` script must yield
//! the same audit as `--apply`.

use crate::collect::collect;
use crate::harness::seed::{Account, Seeder, NAMESPACE};
use crate::harness::{runtime, Moto};
use audit::{AuditOptions, AuditReport, Status};
use cis_catalogue::Benchmark;
use std::collections::BTreeMap;
use std::process::Output;

const REGION: &str = "us-east-1";
const SUBSCRIBER: &str = "email:oncall@example.com";
const CONTROL: &str = "iam-policy-changes";
const OWN_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:trailwatch-cis-alarms";

fn audit_of(moto: &Moto) -> AuditReport {
    let snapshot = collect(moto, &[REGION]).snapshot;
    audit::evaluate(
        &snapshot,
        Benchmark::latest(),
        &AuditOptions::new(audit::Date::today_utc()),
    )
}

fn statuses(report: &AuditReport) -> BTreeMap<String, Status> {
    report
        .findings
        .iter()
        .map(|f| (f.topic.clone(), f.status))
        .collect()
}

/// The exit code of an audit with these verdicts: 0 all pass, 1 any FAIL, 2 any ERROR/MANUAL.
fn exit_code(statuses: &BTreeMap<String, Status>) -> i32 {
    let worst = |s: &Status| match s {
        Status::Pass => 0,
        Status::Fail => 1,
        Status::Manual | Status::Error => 2,
    };
    statuses.values().map(worst).max().unwrap_or(0)
}

fn compliant(moto: &Moto) -> Account {
    runtime().block_on(async {
        Seeder::new(moto)
            .await
            .compliant_account(REGION, &[REGION])
            .await
    })
}

fn fix(moto: &Moto, args: &[&str]) -> Output {
    moto.trailwatch()
        .args(["fix", "--regions", REGION, "--subscribe", SUBSCRIBER])
        .args(args)
        .output()
        .expect("running trailwatch fix")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The verdicts of a compliant account: what "fixed" must look like under moto (computed once
/// per test run).
fn baseline() -> BTreeMap<String, Status> {
    static BASELINE: std::sync::OnceLock<BTreeMap<String, Status>> = std::sync::OnceLock::new();
    BASELINE
        .get_or_init(|| {
            let moto = Moto::start();
            compliant(&moto);
            statuses(&audit_of(&moto))
        })
        .clone()
}

/// One way to break the compliant chain of [`CONTROL`].
#[derive(Clone, Copy)]
enum Break {
    FilterMissing,
    AlarmMissing,
    AlarmInOtherNamespace,
    AlarmActionsDisabled,
    TopicWithoutSubscription,
    TopicDeleted,
}

async fn break_chain(seeder: &Seeder<'_>, account: &Account, how: Break) {
    let name = CONTROL;
    match how {
        Break::FilterMissing => {
            seeder
                .logs(REGION)
                .delete_metric_filter()
                .log_group_name(&account.log_group)
                .filter_name(name)
                .send()
                .await
                .unwrap();
        }
        Break::AlarmMissing => {
            seeder
                .cloudwatch(REGION)
                .delete_alarms()
                .alarm_names(name)
                .send()
                .await
                .unwrap();
        }
        Break::AlarmInOtherNamespace => {
            seeder
                .cloudwatch(REGION)
                .delete_alarms()
                .alarm_names(name)
                .send()
                .await
                .unwrap();
            seeder
                .alarm(REGION, name, name, "SomewhereElse", &account.topic_arn)
                .await;
        }
        Break::AlarmActionsDisabled => {
            seeder
                .cloudwatch(REGION)
                .disable_alarm_actions()
                .alarm_names(name)
                .send()
                .await
                .unwrap();
        }
        Break::TopicWithoutSubscription => {
            let sns = seeder.sns(REGION);
            let subs = sns
                .list_subscriptions_by_topic()
                .topic_arn(&account.topic_arn)
                .send()
                .await
                .unwrap();
            for sub in subs.subscriptions() {
                sns.unsubscribe()
                    .subscription_arn(sub.subscription_arn().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        Break::TopicDeleted => {
            seeder
                .sns(REGION)
                .delete_topic()
                .topic_arn(&account.topic_arn)
                .send()
                .await
                .unwrap();
        }
    }
}

/// Breaks the account, checks the control fails, runs `fix --apply --yes`, checks every
/// verdict is back to the compliant account's, then runs it again and checks it writes
/// nothing. Returns the first run's output.
fn break_and_fix(how: Break) -> String {
    let expected = baseline();
    assert_eq!(
        expected[CONTROL],
        Status::Pass,
        "the compliant account passes {CONTROL}: {expected:?}"
    );
    let moto = Moto::start();
    let account = compliant(&moto);
    runtime().block_on(async { break_chain(&Seeder::new(&moto).await, &account, how).await });
    let before = statuses(&audit_of(&moto));
    // FAIL, or MANUAL where another filter's coverage cannot be decided.
    assert_ne!(
        before[CONTROL],
        Status::Pass,
        "breaking the chain fails {CONTROL}"
    );

    let first = fix(&moto, &["--apply", "--yes"]);
    let first_text = text(&first);
    assert_eq!(
        first.status.code(),
        Some(exit_code(&expected)),
        "{first_text}"
    );
    let moved = [Status::Fail, Status::Manual]
        .iter()
        .any(|from| first_text.contains(&format!("{CONTROL}: {from} -> PASS")));
    assert!(moved, "{first_text}");
    assert_eq!(statuses(&audit_of(&moto)), expected, "{first_text}");

    moto.bridge.start_recording();
    let second = fix(&moto, &["--apply", "--yes"]);
    let calls = moto.bridge.take_recording();
    assert_eq!(
        second.status.code(),
        Some(exit_code(&expected)),
        "{}",
        text(&second)
    );
    assert!(
        text(&second).contains("Nothing to create or change"),
        "{}",
        text(&second)
    );
    let writes: Vec<&String> = calls
        .iter()
        .filter(|c| {
            let operation = c.split_once(':').map(|(_, op)| op).unwrap_or(c);
            !["Get", "Describe", "List"]
                .iter()
                .any(|verb| operation.starts_with(verb))
        })
        .collect();
    assert!(writes.is_empty(), "the second run wrote: {writes:?}");
    first_text
}

#[test]
fn a_missing_filter_gets_a_filter_an_alarm_and_trailwatchs_topic() {
    let out = break_and_fix(Break::FilterMissing);
    assert!(
        out.contains("create metric filter cis-iam-policy-changes"),
        "{out}"
    );
    assert!(out.contains("create alarm cis-iam-policy-changes"), "{out}");
    assert!(
        out.contains(&format!("created SNS topic {OWN_TOPIC}")),
        "{out}"
    );
}

#[test]
fn a_missing_alarm_gets_only_an_alarm_on_the_existing_metric() {
    let out = break_and_fix(Break::AlarmMissing);
    assert!(!out.contains("create metric filter"), "{out}");
    assert!(
        out.contains(&format!(
            "create alarm cis-iam-policy-changes on {NAMESPACE}/{CONTROL}"
        )),
        "{out}"
    );
}

#[test]
fn an_alarm_in_another_namespace_gets_a_right_alarm_beside_it() {
    let out = break_and_fix(Break::AlarmInOtherNamespace);
    assert!(
        out.contains(&format!(
            "create alarm cis-iam-policy-changes on {NAMESPACE}/{CONTROL}"
        )),
        "{out}"
    );
}

#[test]
fn an_alarm_with_actions_disabled_is_left_alone_and_a_new_one_notifies() {
    let out = break_and_fix(Break::AlarmActionsDisabled);
    assert!(out.contains("create alarm cis-iam-policy-changes"), "{out}");
}

#[test]
fn a_topic_without_subscription_gets_only_a_subscription() {
    let out = break_and_fix(Break::TopicWithoutSubscription);
    assert!(
        out.contains("Plan for account 123456789012: 1 step"),
        "{out}"
    );
    assert!(
        out.contains(
            "subscribe email:oncall@example.com to arn:aws:sns:us-east-1:123456789012:cis-alarms"
        ),
        "{out}"
    );
}

#[test]
fn a_deleted_topic_is_recreated_under_its_name() {
    let out = break_and_fix(Break::TopicDeleted);
    assert!(
        out.contains("created SNS topic arn:aws:sns:us-east-1:123456789012:cis-alarms"),
        "{out}"
    );
    assert!(!out.contains("create alarm"), "{out}");
}

#[test]
fn resources_with_clashing_names_are_untouched_and_trailwatch_picks_new_names() {
    let moto = Moto::start();
    let account = compliant(&moto);
    const USER_PATTERN: &str = "{ $.eventName = \"SomethingElse\" }";
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        seeder
            .logs(REGION)
            .delete_metric_filter()
            .log_group_name(&account.log_group)
            .filter_name(CONTROL)
            .send()
            .await
            .unwrap();
        // Visible in the snapshot: a user's filter with trailwatch's name (so the plan says -2).
        seeder
            .filter(
                REGION,
                &account.log_group,
                "cis-iam-policy-changes",
                USER_PATTERN,
                "Mine",
                "User",
            )
            .await;
        // Invisible to the collector: an alarm on a metric no filter publishes, with the name the
        // plan picks, and a topic with trailwatch's topic name; the applier must notice both.
        seeder
            .alarm(
                REGION,
                "cis-iam-policy-changes-2",
                "Unrelated",
                "User",
                &account.topic_arn,
            )
            .await;
        seeder
            .sns(REGION)
            .create_topic()
            .name("trailwatch-cis-alarms")
            .send()
            .await
            .unwrap();
    });
    let out = fix(&moto, &["--apply", "--yes"]);
    let out_text = text(&out);
    assert_eq!(
        out.status.code(),
        Some(exit_code(&baseline())),
        "{out_text}"
    );
    assert!(
        out_text.contains("created metric filter CloudTrail/Default/cis-iam-policy-changes-2"),
        "{out_text}"
    );
    assert!(out_text.contains("created alarm cis-iam-policy-changes-3 (cis-iam-policy-changes-2 belongs to someone else"), "{out_text}");
    assert!(
        out_text.contains(
            "created SNS topic arn:aws:sns:us-east-1:123456789012:trailwatch-cis-alarms-2"
        ),
        "{out_text}"
    );

    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        let filters = seeder
            .logs(REGION)
            .describe_metric_filters()
            .log_group_name(&account.log_group)
            .filter_name_prefix("cis-iam-policy-changes")
            .send()
            .await
            .unwrap();
        let user = filters
            .metric_filters()
            .iter()
            .find(|f| f.filter_name() == Some("cis-iam-policy-changes"))
            .unwrap();
        assert_eq!(user.filter_pattern(), Some(USER_PATTERN));
        assert_eq!(user.metric_transformations()[0].metric_namespace(), "User");
        let alarms = seeder
            .cloudwatch(REGION)
            .describe_alarms()
            .alarm_names("cis-iam-policy-changes-2")
            .send()
            .await
            .unwrap();
        let user_alarm = &alarms.metric_alarms()[0];
        assert_eq!(user_alarm.metric_name(), Some("Unrelated"));
        assert_eq!(
            user_alarm.alarm_actions(),
            std::slice::from_ref(&account.topic_arn)
        );
        let sns = seeder.sns(REGION);
        let tags = sns
            .list_tags_for_resource()
            .resource_arn(OWN_TOPIC)
            .send()
            .await
            .unwrap();
        assert!(
            tags.tags().is_empty(),
            "the user's topic got tags: {:?}",
            tags.tags()
        );
        let subs = sns
            .list_subscriptions_by_topic()
            .topic_arn(OWN_TOPIC)
            .send()
            .await
            .unwrap();
        assert!(
            subs.subscriptions().is_empty(),
            "the user's topic got a subscription"
        );
        let attributes = sns
            .get_topic_attributes()
            .topic_arn(OWN_TOPIC)
            .send()
            .await
            .unwrap();
        let policy = attributes
            .attributes()
            .unwrap()
            .get("Policy")
            .cloned()
            .unwrap_or_default();
        assert!(
            !policy.contains("cloudwatch.amazonaws.com"),
            "the user's topic policy was changed: {policy}"
        );
    });
    assert_eq!(statuses(&audit_of(&moto))[CONTROL], Status::Pass);
}

/// Plans (in process) what `fix` would plan now.
fn plan_now(moto: &Moto) -> fix_plan::Plan {
    let snapshot = collect(moto, &[REGION]).snapshot;
    let report = audit::evaluate(
        &snapshot,
        Benchmark::latest(),
        &AuditOptions::new(audit::Date::today_utc()),
    );
    let gaps = fix_plan::findings::gaps(&report, &snapshot);
    let options = fix_plan::PlanOptions {
        subscribe: Some(fix_plan::Endpoint::parse(SUBSCRIBER).unwrap()),
        ..Default::default()
    };
    fix_plan::plan(&snapshot, &gaps.gaps, &options)
}

#[test]
fn a_partial_failure_reports_exactly_what_was_created_and_a_rerun_completes_it() {
    let expected = baseline();
    let moto = Moto::start();
    let account = compliant(&moto);
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        for name in ["iam-policy-changes", "root-usage"] {
            seeder
                .logs(REGION)
                .delete_metric_filter()
                .log_group_name(&account.log_group)
                .filter_name(name)
                .send()
                .await
                .unwrap();
        }
    });
    let plan = plan_now(&moto);
    let kinds: Vec<String> = plan.steps.iter().map(|s| s.action.summary()).collect();
    assert_eq!(
        plan.steps.len(),
        7,
        "topic, policy, subscription, 2 filters, 2 alarms: {kinds:#?}"
    );

    // Writes: CreateTopic, SetTopicAttributes, Subscribe, PutMetricFilter, PutMetricFilter(fails).
    let report = runtime().block_on(async {
        let config = moto.sdk_config(REGION).await;
        aws_apply::apply(
            &config,
            &plan,
            &aws_apply::ApplyOptions {
                fail_on_write: Some(5),
            },
        )
        .await
    });
    assert!(!report.succeeded());
    let results: Vec<&str> = report
        .steps
        .iter()
        .map(|s| match s.result {
            aws_apply::StepResult::Done(_) => "done",
            aws_apply::StepResult::Failed { .. } => "failed",
            aws_apply::StepResult::NotRun => "not run",
        })
        .collect();
    assert_eq!(
        results,
        ["done", "done", "done", "done", "failed", "not run", "not run"]
    );
    let created = report.created();
    assert_eq!(created.len(), 3, "{created:?}");
    assert_eq!(created[0], OWN_TOPIC);
    assert!(
        created[1].starts_with(&format!("{OWN_TOPIC}:")),
        "a subscription ARN: {}",
        created[1]
    );
    let first_filter = created[2].to_string();
    assert!(
        first_filter.starts_with("CloudTrail/Default/cis-"),
        "{first_filter}"
    );
    assert!(
        report.render().contains("[FAILED]")
            && report.render().contains("injected failure on write 5")
    );

    // Exactly that exists now.
    let (filters, alarms) = runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        let filters = seeder
            .logs(REGION)
            .describe_metric_filters()
            .log_group_name(&account.log_group)
            .filter_name_prefix("cis-")
            .send()
            .await
            .unwrap();
        let alarms = seeder
            .cloudwatch(REGION)
            .describe_alarms()
            .alarm_name_prefix("cis-")
            .send()
            .await
            .unwrap();
        (
            filters
                .metric_filters()
                .iter()
                .map(|f| format!("CloudTrail/Default/{}", f.filter_name().unwrap()))
                .collect::<Vec<_>>(),
            alarms.metric_alarms().len(),
        )
    });
    assert_eq!(filters, vec![first_filter]);
    assert_eq!(alarms, 0);

    // A re-run completes the rest without duplicates.
    let rerun = fix(&moto, &["--apply", "--yes"]);
    assert_eq!(
        rerun.status.code(),
        Some(exit_code(&expected)),
        "{}",
        text(&rerun)
    );
    assert_eq!(statuses(&audit_of(&moto)), expected);
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        let sns = seeder.sns(REGION);
        let topics = sns.list_topics().send().await.unwrap();
        let ours = topics
            .topics()
            .iter()
            .filter(|t| {
                t.topic_arn()
                    .unwrap_or_default()
                    .contains("trailwatch-cis-alarms")
            })
            .count();
        assert_eq!(ours, 1);
        let subs = sns
            .list_subscriptions_by_topic()
            .topic_arn(OWN_TOPIC)
            .send()
            .await
            .unwrap();
        assert_eq!(subs.subscriptions().len(), 1);
        let filters = seeder
            .logs(REGION)
            .describe_metric_filters()
            .log_group_name(&account.log_group)
            .filter_name_prefix("cis-")
            .send()
            .await
            .unwrap();
        assert_eq!(filters.metric_filters().len(), 2);
        let alarms = seeder
            .cloudwatch(REGION)
            .describe_alarms()
            .alarm_name_prefix("cis-")
            .send()
            .await
            .unwrap();
        assert_eq!(alarms.metric_alarms().len(), 2);
    });
}

#[test]
fn fix_apply_calls_only_what_the_fix_policy_allows() {
    let moto = Moto::start();
    let account = compliant(&moto);
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        seeder
            .logs(REGION)
            .delete_metric_filter()
            .log_group_name(&account.log_group)
            .filter_name(CONTROL)
            .send()
            .await
            .unwrap();
    });
    moto.bridge.start_recording();
    let out = fix(&moto, &["--apply", "--yes", "--encrypt-topic"]);
    let calls = moto.bridge.take_recording();
    assert_eq!(
        out.status.code(),
        Some(exit_code(&baseline())),
        "{}",
        text(&out)
    );
    let policy: serde_json::Value =
        serde_json::from_str(include_str!("../../../../policy/fix-policy.json")).unwrap();
    let allowed: Vec<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .cloned()
                .unwrap_or_else(|| vec![s["Action"].clone()])
        })
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    for call in &calls {
        assert!(
            allowed.contains(call),
            "fix called {call}, which policy/fix-policy.json does not allow"
        );
    }
    assert!(calls.iter().any(|c| c == "kms:CreateKey"), "{calls:?}");
}

#[test]
fn the_emitted_cli_script_yields_the_same_audit_as_apply() {
    let venv_aws = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/aws");
    assert!(
        venv_aws.exists(),
        "{} is missing: run scripts/moto-venv (requirements-dev.txt pins awscli)",
        venv_aws.display()
    );
    let break_it = |moto: &Moto| {
        let account = compliant(moto);
        runtime().block_on(async {
            let seeder = Seeder::new(moto).await;
            seeder
                .logs(REGION)
                .delete_metric_filter()
                .log_group_name(&account.log_group)
                .filter_name(CONTROL)
                .send()
                .await
                .unwrap();
            seeder
                .cloudwatch(REGION)
                .delete_alarms()
                .alarm_names("root-usage")
                .send()
                .await
                .unwrap();
        });
    };
    let applied = Moto::start();
    break_it(&applied);
    let out = fix(&applied, &["--apply", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(exit_code(&baseline())),
        "{}",
        text(&out)
    );

    let scripted = Moto::start();
    break_it(&scripted);
    let emitted = fix(&scripted, &["--emit", "cli"]);
    assert_ne!(
        emitted.status.code(),
        Some(0),
        "the account still fails before the script runs: {}",
        text(&emitted)
    );
    let dir = std::env::temp_dir().join(format!("trailwatch-fix-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("fix.sh");
    std::fs::write(&script, &emitted.stdout).unwrap();
    let path = format!(
        "{}:{}",
        venv_aws.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = std::process::Command::new("bash")
        .arg(&script)
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL", scripted.endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/nonexistent/trailwatch-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/trailwatch-test-credentials",
        )
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "the emitted script failed: {}",
        text(&run)
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let applied_statuses = statuses(&audit_of(&applied));
    assert_eq!(applied_statuses[CONTROL], Status::Pass);
    assert_eq!(statuses(&audit_of(&scripted)), applied_statuses);
}

#[test]
fn with_trail_makes_the_existing_trail_deliver_and_completes_every_chain() {
    let expected = baseline();
    let moto = Moto::start();
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        seeder.bucket("trail-bucket-quiet");
        let cloudtrail = seeder.cloudtrail(REGION);
        cloudtrail
            .create_trail()
            .name("quiet")
            .s3_bucket_name("trail-bucket-quiet")
            .is_multi_region_trail(false)
            .include_global_service_events(true)
            .send()
            .await
            .expect("CreateTrail");
        seeder
            .classic_selectors(
                REGION,
                "quiet",
                aws_sdk_cloudtrail::types::ReadWriteType::All,
            )
            .await;
        seeder.enable_security_hub(REGION);
    });
    let without = fix(&moto, &[]);
    let without_text = text(&without);
    assert!(
        without_text.contains("rerun with --with-trail"),
        "{without_text}"
    );
    assert!(
        without_text.contains("Nothing to create or change"),
        "{without_text}"
    );

    let out = fix(&moto, &["--apply", "--yes", "--with-trail"]);
    let out_text = text(&out);
    assert_eq!(out.status.code(), Some(exit_code(&expected)), "{out_text}");
    for step in [
        "created log group trailwatch-cloudtrail-quiet",
        "created IAM role trailwatch-cloudtrail-delivery-quiet",
        "changed trail arn:aws:cloudtrail:us-east-1:123456789012:trail/quiet: delivers to",
        "changed trail arn:aws:cloudtrail:us-east-1:123456789012:trail/quiet: logging started",
    ] {
        assert!(out_text.contains(step), "{step}\n{out_text}");
    }
    assert_eq!(statuses(&audit_of(&moto)), expected, "{out_text}");
    let again = fix(&moto, &["--apply", "--yes", "--with-trail"]);
    assert!(
        text(&again).contains("Nothing to create or change"),
        "{}",
        text(&again)
    );
}

#[test]
fn apply_without_a_terminal_or_yes_refuses() {
    let moto = Moto::start();
    let account = compliant(&moto);
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        break_chain(&seeder, &account, Break::AlarmMissing).await;
    });
    moto.bridge.start_recording();
    let out = fix(&moto, &["--apply"]);
    let calls = moto.bridge.take_recording();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("refusing to apply without confirmation"),
        "{}",
        text(&out)
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.contains(":Put") || c.contains(":Create")),
        "{calls:?}"
    );
}
