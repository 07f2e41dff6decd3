//! `trailwatch replay` on local files: formats, exit codes, emitted matches, diff, stdin.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trailwatch-replay-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn event(name: &str, time: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}},"eventTime":"{time}","eventSource":"iam.amazonaws.com","eventName":"{name}"}}"#
    )
}

fn trailwatch(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .arg("replay")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn replays_the_cis_filters_over_a_directory() {
    let dir = scratch_dir("cis");
    let lines = [
        event("PutUserPolicy", "2024-05-01T10:00:00Z"),
        event("StopLogging", "2024-05-01T10:10:00Z"),
        event("ListUsers", "2024-05-01T10:20:00Z"),
    ];
    std::fs::write(dir.join("events.jsonl"), lines.join("\n")).unwrap();
    let emitted = dir.join("matches.ndjson");
    let output = trailwatch(&[
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--threads",
        "2",
        "--emit-matches",
        emitted.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["events"], 3);
    let filters = report["filters"].as_array().unwrap();
    assert_eq!(filters.len(), 15);
    let matched = |slug: &str| {
        filters
            .iter()
            .find(|f| f["origin"]["slug"] == slug)
            .unwrap()["matched"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(matched("iam-policy-changes"), 1);
    assert_eq!(matched("cloudtrail-config-changes"), 1);
    assert_eq!(matched("vpc-changes"), 0);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&emitted)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines
        .iter()
        .any(|l| l["filters"][0] == "5.4 iam-policy-changes"
            && l["event"]["eventName"] == "PutUserPolicy"));

    let csv = trailwatch(&[
        dir.join("events.jsonl").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("filter,origin,matched,"), "{text}");
    assert_eq!(text.lines().count(), 16);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_partial_replay_exits_3_and_says_where() {
    let dir = scratch_dir("partial");
    let good = event("PutUserPolicy", "2024-05-01T10:00:00Z");
    std::fs::write(dir.join("events.jsonl"), format!("{good}\n{{broken\n")).unwrap();
    let output = trailwatch(&[
        dir.to_str().unwrap(),
        "--pattern",
        r#"{ $.eventName = "PutUserPolicy" }"#,
    ]);
    assert_eq!(output.status.code(), Some(3));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("PARTIAL REPLAY: 1 problems"), "{text}");
    assert!(text.contains("events.jsonl: record 2, line 2"), "{text}");
}

#[test]
fn reads_standard_input_and_refuses_bad_usage() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args([
            "replay",
            "-",
            "--pattern",
            r#"{ $.eventName = "StopLogging" }"#,
            "--format",
            "csv",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!("{}\n", event("StopLogging", "2024-05-01T10:00:00Z"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("pattern 1,pattern,1,"));

    let bad = trailwatch(&["x.json", "--diff"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = trailwatch(&["x.json", "--pattern", "{ $.a = "]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid filter pattern"));
    let bad = trailwatch(&["x.json", "--period", "90"]);
    assert_eq!(bad.status.code(), Some(2));
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// A local copy of an archive: `--since/--until` read only its day folders in range (the others
/// are listed as skipped, not read); the same files concatenated on standard input (`cat
/// *.json.gz |`) give the same counts, on one thread or two.
#[test]
fn replays_a_local_archive_by_day_and_concatenated_files_on_stdin() {
    let dir = scratch_dir("days");
    let layout = dir.join("AWSLogs/111122223333/CloudTrail/us-east-1");
    let mut all = Vec::new();
    for (day, names) in [
        ("2024/04/30", ["PutUserPolicy", "StopLogging"]),
        ("2024/05/01", ["PutUserPolicy", "ListUsers"]),
        ("2024/05/02", ["DeleteTrail", "CreatePolicy"]),
    ] {
        std::fs::create_dir_all(layout.join(day)).unwrap();
        let time = format!("{}T10:00:00Z", day.replace('/', "-"));
        let records: Vec<String> = names.iter().map(|name| event(name, &time)).collect();
        let body = gzip(&format!("{{\"Records\":[{}]}}", records.join(",")));
        std::fs::write(layout.join(day).join("f.json.gz"), &body).unwrap();
        all.extend(body);
    }
    let report = |output: &std::process::Output| -> serde_json::Value {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let matched = |report: &serde_json::Value, slug: &str| {
        let filters = report["filters"].as_array().unwrap();
        let filter = filters.iter().find(|f| f["origin"]["slug"] == slug);
        filter.unwrap()["matched"].as_u64().unwrap()
    };
    let path = dir.to_str().unwrap();
    let format = ["--format", "json"];
    let kept = report(&trailwatch(
        &[
            &[path, "--since", "2024-05-01", "--until", "2024-05-31"][..],
            &format,
        ]
        .concat(),
    ));
    assert_eq!(kept["events"], 4);
    assert_eq!(kept["first_event"], "2024-05-01T10:00:00Z");
    assert_eq!(matched(&kept, "iam-policy-changes"), 2);
    assert_eq!(matched(&kept, "cloudtrail-config-changes"), 1);
    let skipped = kept["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("2024/04"));

    let whole = report(&trailwatch(&[&[path][..], &format].concat()));
    assert_eq!(whole["events"], 6);
    for threads in ["1", "2"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
            .args(["replay", "-", "--format", "json", "--threads", threads])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&all).unwrap();
        let piped = report(&child.wait_with_output().unwrap());
        for key in ["events", "first_event", "last_event", "problems"] {
            assert_eq!(piped[key], whole[key], "{key}, {threads} threads");
        }
        for slug in ["iam-policy-changes", "cloudtrail-config-changes"] {
            assert_eq!(matched(&piped, slug), matched(&whole, slug), "{slug}");
        }
    }

    for bad in [
        ["--since", "2024-05-02", "--until", "2024-05-01"],
        ["--since", "2024-5-1", "--until", "2024-05-01"],
    ] {
        let output = trailwatch(&[&[path][..], &bad].concat());
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
