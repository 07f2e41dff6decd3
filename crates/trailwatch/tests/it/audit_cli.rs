//! `trailwatch audit` end to end on the embedded demo and on files.

use std::path::PathBuf;
use std::process::{Command, Output};

fn trailwatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(args)
        // Run where no trailwatch.toml exists, so the default config is not picked up.
        .current_dir(std::env::temp_dir())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn scratch(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trailwatch-audit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn the_demo_audits_from_any_directory_as_json() {
    let out = trailwatch(&["audit", "--demo", "--format", "json"]);
    // The demo has an ERROR (5.9), so the exit code is 2.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 16);
    assert_eq!(json["benchmark"], "v7.0.0");
}

#[test]
fn the_exit_code_follows_the_worst_status() {
    // v1.2.0 has no Security Hub control and 3.x ids; the demo still has its ERROR there.
    let out = trailwatch(&["audit", "--demo", "--benchmark", "1.2.0", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("3.1"), "{text}");
}

#[test]
fn a_snapshot_file_is_read_and_errors_name_it() {
    let demo = include_str!("../../demo/demo-snapshot.json");
    let path = scratch("snapshot.json", demo);
    let report = scratch("report.json", "");
    let out = trailwatch(&[
        "audit",
        "--snapshot",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["account_id"], "111122223333");

    let broken = scratch("broken.json", "{");
    let out = trailwatch(&["audit", "--snapshot", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.json"), "{stderr}");
}

#[test]
fn bad_usage_is_exit_two_with_a_message() {
    let out = trailwatch(&["audit", "--demo", "--benchmark", "9.9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--benchmark"));

    let config = scratch("bad.toml", "[[exception]]\ncontrol = \"5.1\"\n");
    let out = trailwatch(&["audit", "--demo", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("filter"),
        "{stderr}"
    );
}

#[test]
fn an_exception_in_the_config_turns_a_filter_gap_into_a_pass() {
    // 5.13's filter deliberately excludes the CI role; its chain is otherwise complete.
    let config = scratch(
        "trailwatch.toml",
        "[[exception]]\ncontrol = \"route-table-changes\"\nfilter = \"route-table-changes\"\njustification = \"CI role changes routes by design\"\nowner = \"netops\"\nexpires = 2999-12-31\n",
    );
    let out = trailwatch(&[
        "audit",
        "--demo",
        "--local-only",
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control_id"] == "5.13")
        .unwrap();
    assert_eq!(finding["status"], "PASS", "{finding:#}");
    assert_eq!(finding["exception"]["owner"], "netops");
}
