//! `trailwatch fix` offline, on the bundled demo snapshot: the plan, its exit code, and the
//! three code formats, without AWS.

use std::process::{Command, Output};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/demo-snapshot.json");

fn fix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(["fix", "--snapshot", DEMO])
        .args(args)
        .output()
        .expect("running trailwatch")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_demo_plan_lists_steps_with_reasons_and_changes_nothing() {
    let out = fix(&["--subscribe", "email:secops@example.com"]);
    let text = stdout(&out);
    assert!(
        text.starts_with("Plan for account 111122223333: "),
        "{text}"
    );
    assert!(text.contains("closes "), "{text}");
    assert!(text.contains("create metric filter cis-"), "{text}");
    assert!(text.contains("Nothing changes without --apply."), "{text}");
    // The demo has failing controls and one collection error: exit 2 (an ERROR) or 1.
    assert!(matches!(out.status.code(), Some(1 | 2)), "{text}");
}

#[test]
fn the_plan_is_the_same_whatever_the_output_format() {
    let plan = stdout(&fix(&["--subscribe", "email:secops@example.com"]));
    let filters = plan.matches("create metric filter ").count();
    let alarms = plan.matches("create alarm ").count();
    assert!(filters > 0 && alarms >= filters, "{plan}");

    let terraform = stdout(&fix(&[
        "--subscribe",
        "email:secops@example.com",
        "--emit",
        "terraform",
    ]));
    assert_eq!(
        terraform
            .matches("resource \"aws_cloudwatch_log_metric_filter\"")
            .count(),
        filters,
        "{terraform}"
    );
    assert_eq!(
        terraform
            .matches("resource \"aws_cloudwatch_metric_alarm\"")
            .count(),
        alarms,
        "{terraform}"
    );

    let cli = stdout(&fix(&[
        "--subscribe",
        "email:secops@example.com",
        "--emit",
        "cli",
    ]));
    assert_eq!(
        cli.matches("\naws logs put-metric-filter ").count(),
        filters,
        "{cli}"
    );
    assert_eq!(
        cli.matches("\naws cloudwatch put-metric-alarm ").count(),
        alarms,
        "{cli}"
    );
}

#[test]
fn apply_needs_a_live_account() {
    let out = fix(&["--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--snapshot") && err.contains("--apply"),
        "{err}"
    );
}

#[test]
fn a_bad_subscribe_endpoint_is_refused() {
    let out = fix(&["--subscribe", "sms:+15550100"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown protocol"));
}
