//! The replay end to end: files in, per-filter totals, alarms and problems out.

use flate2::write::GzEncoder;
use replay::eval::Evaluator;
use replay::{ad_hoc_filter, benchmark_filters, FilterSpec, Replay, Report};
use std::io::Write;
use std::path::{Path, PathBuf};

fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("replay-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The shared samples' records, as compact JSON text.
fn sample_records() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail-samples");
    let mut records = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("shared samples missing at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for file in files {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let wrapper: serde_json::Value = serde_json::from_str(line).unwrap();
            records.push(wrapper["event"].to_string());
        }
    }
    assert!(records.len() > 900);
    records
}

fn replay(filters: Vec<FilterSpec>, paths: &[PathBuf], threads: usize) -> (Replay, replay::Totals) {
    let replay = Replay::new(filters, false, None).unwrap();
    let totals = replay.run_paths(paths, threads, None);
    (replay, totals)
}

#[test]
fn samples_match_exactly_what_the_evaluator_matches_record_by_record() {
    let records = sample_records();
    let dir = scratch_dir("samples");
    // Half as an S3 log file, half as NDJSON split into ranges, to cover both readers.
    let (first, second) = records.split_at(records.len() / 2);
    let body = format!("{{\"Records\":[{}]}}", first.join(","));
    std::fs::write(dir.join("part1.json.gz"), gzip(body.as_bytes())).unwrap();
    std::fs::write(dir.join("part2.jsonl"), second.join("\n") + "\n").unwrap();

    let filters = benchmark_filters(cis_catalogue::Benchmark::latest(), 300);
    let evaluator = Evaluator::new(&filters).unwrap();
    let mut scratch = evaluator.scratch();
    let mut expected = vec![0u64; filters.len()];
    let mut matched_any = 0;
    for record in &records {
        let mut out = Vec::new();
        evaluator.matches(record, &mut scratch, &mut out);
        matched_any += u64::from(!out.is_empty());
        for i in out {
            expected[i] += 1;
        }
    }
    assert!(
        expected.iter().filter(|&&n| n > 0).count() >= 10,
        "{expected:?}"
    );

    let emit_path = dir.join("matches.ndjson");
    let emit = Box::new(std::fs::File::create(&emit_path).unwrap());
    let replay = Replay::new(filters.clone(), false, Some(emit))
        .unwrap()
        .with_range_bytes(50_000);
    let totals = replay.run_paths(std::slice::from_ref(&dir), 3, None);
    let got: Vec<u64> = totals.filters.iter().map(|t| t.matched).collect();
    assert_eq!(got, expected);
    assert_eq!(totals.read.events, records.len() as u64);
    drop(replay);
    let emitted = std::fs::read_to_string(&emit_path).unwrap();
    let lines: Vec<serde_json::Value> = emitted
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, matched_any);
    for line in &lines {
        let event = line["event"].to_string();
        let mut out = Vec::new();
        evaluator.matches(&event, &mut scratch, &mut out);
        let names: Vec<&str> = out.iter().map(|&i| filters[i].name.as_str()).collect();
        let tagged: Vec<&str> = line["filters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(tagged, names);
    }
    // Some samples lack or garble eventTime: each one is a problem with its place.
    assert!(totals.problems.count > 0);
    assert!(totals
        .problems
        .kept
        .iter()
        .all(|p| p.message.contains("eventTime") && !p.position.is_empty()));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn event(name: &str, time: &str, extra: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","userName":"alice"}},"eventTime":"{time}","eventSource":"iam.amazonaws.com","eventName":"{name}"{extra}}}"#
    )
}

#[test]
fn counts_matches_times_names_principals_and_alarm_periods() {
    let dir = scratch_dir("alarm");
    let lines = [
        event("PutUserPolicy", "2024-05-01T10:01:00Z", ""),
        event("PutUserPolicy", "2024-05-01T10:04:59Z", ""),
        event("ListUsers", "2024-05-01T10:07:00Z", ""),
        event("DeleteUserPolicy", "2024-05-01T11:00:00Z", ""),
        event("ListUsers", "2024-05-01T12:00:00Z", ""),
    ];
    std::fs::write(dir.join("events.jsonl"), lines.join("\n")).unwrap();
    let filters = vec![ad_hoc_filter(
        0,
        r#"{ ($.eventName = "PutUserPolicy") || ($.eventName = "DeleteUserPolicy") }"#,
        300,
    )];
    let (replay, totals) = replay(filters, std::slice::from_ref(&dir), 2);
    let report = Report::new(&replay, &totals);
    assert!(!report.partial, "{:?}", report.problem_examples);
    let f = &report.filters[0];
    assert_eq!(f.matched, 3);
    assert_eq!(f.first.as_deref(), Some("2024-05-01T10:01:00Z"));
    assert_eq!(f.last.as_deref(), Some("2024-05-01T11:00:00Z"));
    assert_eq!(
        f.top_event_names,
        [
            ("PutUserPolicy".to_string(), 2),
            ("DeleteUserPolicy".to_string(), 1)
        ]
    );
    assert_eq!(
        f.top_principals[0],
        ("arn:aws:iam::111122223333:user/alice".to_string(), 3)
    );
    let alarm = &f.alarms[0];
    // Sum >= 1 over 5 minutes, 1 of 1, missing data "missing": ALARM for the 10:00 period
    // (evaluated 10:05) and the two after it while its datapoint is in the evaluation range,
    // INSUFFICIENT_DATA from 10:20, ALARM again for 11:00-11:15.
    let times: Vec<(&str, String)> = alarm
        .transitions
        .iter()
        .map(|t| (t.at.as_str(), t.to.to_string()))
        .collect();
    assert_eq!(
        times,
        [
            ("2024-05-01T10:05:00Z", "ALARM".to_string()),
            ("2024-05-01T10:20:00Z", "INSUFFICIENT_DATA".to_string()),
            ("2024-05-01T11:05:00Z", "ALARM".to_string()),
            ("2024-05-01T11:20:00Z", "INSUFFICIENT_DATA".to_string()),
        ]
    );
    assert_eq!(alarm.alarm_periods, 6);
    let csv = report.to_csv();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("pattern 1,pattern,3,2024-05-01T10:01:00Z,"),
        "{csv}"
    );
    let table = report.to_table();
    assert!(table.contains("entered ALARM 2 times"), "{table}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The time of an event is its top-level `eventTime`: a nested object that holds one earlier in
/// the text does not stand in for it, an escaped one is decoded, and a repeated one counts by
/// its last occurrence.
#[test]
fn the_event_time_is_the_top_level_one() {
    let dir = scratch_dir("event-time");
    let lines = [
        r#"{"additionalEventData":{"eventTime":"1999-01-01T00:00:00Z"},"eventName":"PutUserPolicy","eventTime":"2024-05-01T10:01:00Z"}"#,
        r#"{"eventName":"PutUserPolicy","eventTime":"2024-05-01T10:0\u0032:00Z"}"#,
        r#"{"eventName":"PutUserPolicy","eventTime":"2024-05-01T10:03:00Z","eventTime":"2024-05-01T10:04:00Z"}"#,
        r#"{"requestParameters":{"eventTime":"2024-05-01T10:05:00Z"},"eventName":"PutUserPolicy"}"#,
    ];
    std::fs::write(dir.join("events.jsonl"), lines.join("\n")).unwrap();
    let filters = vec![ad_hoc_filter(0, r#"{ $.eventName = "PutUserPolicy" }"#, 60)];
    let (replay, totals) = replay(filters, std::slice::from_ref(&dir), 1);
    let report = Report::new(&replay, &totals);
    let f = &report.filters[0];
    assert_eq!(f.matched, 4);
    assert_eq!(f.first.as_deref(), Some("2024-05-01T10:01:00Z"));
    assert_eq!(f.last.as_deref(), Some("2024-05-01T10:04:00Z"));
    // The fourth has no top-level eventTime: it is matched, reported, and publishes nothing.
    assert_eq!(f.unpublished, 1);
    let problems = problem_list(&totals);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].1.contains("line 4") && problems[0].2.contains("no eventTime"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_counted_with_its_place_and_the_rest_is_replayed() {
    let dir = scratch_dir("bad");
    let good = event("PutUserPolicy", "2024-05-01T10:00:00Z", "");
    let no_time = r#"{"eventName":"PutUserPolicy"}"#;
    // Balanced but not JSON (trailing comma), and matching no filter: still reported.
    let bad_grammar = r#"{"eventName":"ListUsers","eventTime":"2024-05-01T10:00:00Z",}"#;
    std::fs::write(
        dir.join("a.jsonl"),
        format!("{good}\nnot json\n{no_time}\n{good}\n{bad_grammar}\n"),
    )
    .unwrap();
    let records = gzip(format!("{{\"Records\":[{good},{good},{good}]}}").as_bytes());
    std::fs::write(dir.join("b.json.gz"), &records[..records.len() - 10]).unwrap();
    std::fs::write(dir.join("c.csv"), "eventName,eventTime\n").unwrap();
    let filters = vec![ad_hoc_filter(
        0,
        r#"{ $.eventName = "PutUserPolicy" }"#,
        300,
    )];
    let (replay, totals) = replay(filters, &[dir.clone(), dir.join("missing.json")], 2);
    let report = Report::new(&replay, &totals);
    assert!(report.partial);
    // bad line, record without eventTime, invalid grammar, truncated gzip, not CloudTrail,
    // missing file.
    assert_eq!(report.problems, 6, "{:#?}", report.problem_examples);
    let messages: Vec<String> = report
        .problem_examples
        .iter()
        .map(|p| format!("{} | {} | {}", p.file, p.position, p.message))
        .collect();
    let has = |file: &str, text: &str| {
        messages
            .iter()
            .any(|m| m.contains(file) && m.contains(text))
    };
    assert!(has("a.jsonl", "line 2"), "{messages:#?}");
    assert!(has("a.jsonl", "no eventTime"), "{messages:#?}");
    assert!(has("a.jsonl", "line 5"), "{messages:#?}");
    assert!(has("b.json.gz", "gzip"), "{messages:#?}");
    assert!(has("c.csv", "not a CloudTrail log"), "{messages:#?}");
    assert!(has("missing.json", "cannot open"), "{messages:#?}");
    // The matched event without eventTime counts as a match but publishes nothing.
    assert_eq!(report.filters[0].unpublished, 1);
    assert!(report.filters[0].matched >= 3);
    assert!(report.to_table().contains("PARTIAL REPLAY: 6 problems"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ranges_and_threads_do_not_change_the_totals() {
    let dir = scratch_dir("ranges");
    let mut text = String::new();
    for i in 0..3000 {
        let name = if i % 7 == 0 {
            "PutUserPolicy"
        } else {
            "ListUsers"
        };
        let time = format!(
            "2024-05-01T{:02}:{:02}:{:02}Z",
            i / 3600,
            i / 60 % 60,
            i % 60
        );
        text.push_str(&event(name, &time, ""));
        text.push('\n');
    }
    std::fs::write(dir.join("big.jsonl"), &text).unwrap();
    let filters = || {
        vec![ad_hoc_filter(
            0,
            r#"{ $.eventName = "PutUserPolicy" }"#,
            300,
        )]
    };
    let (_, whole) = replay(filters(), std::slice::from_ref(&dir), 1);
    let split = Replay::new(filters(), false, None)
        .unwrap()
        .with_range_bytes(4096);
    let parts = split.run_paths(std::slice::from_ref(&dir), 4, None);
    assert_eq!(whole.filters[0].matched, 429);
    assert_eq!(parts.filters[0].matched, 429);
    assert_eq!(parts.filters[0].minutes, whole.filters[0].minutes);
    assert_eq!(parts.read.events, 3000);
    assert_eq!(parts.span, whole.span);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_shows_what_each_side_matches_alone() {
    let dir = scratch_dir("diff");
    let lines = [
        // CIS 5.4 (IAM policy changes) matches; the deployed filter does not.
        event("PutUserPolicy", "2024-05-01T10:00:00Z", ""),
        // Both match (sign-in without MFA).
        event(
            "ConsoleLogin",
            "2024-05-01T10:01:00Z",
            r#","additionalEventData":{"MFAUsed":"No"}"#,
        ),
        // Only the deployed filter matches (sign-in with MFA).
        event(
            "ConsoleLogin",
            "2024-05-01T10:02:00Z",
            r#","additionalEventData":{"MFAUsed":"Yes"}"#,
        ),
    ];
    std::fs::write(dir.join("events.jsonl"), lines.join("\n")).unwrap();
    let snapshot = snapshot::Snapshot::from_json(
        r#"{"format_version":1,"caller":{"account_id":"111122223333"},
            "log_groups":[{"name":"trail","region":"us-east-1","account_id":"111122223333",
              "metric_filters":[{"name":"logins","pattern":"{ $.eventName = \"ConsoleLogin\" }",
                "transformations":[{"metric_name":"Logins","metric_namespace":"CIS","metric_value":"1"}]}]}]}"#,
    )
    .unwrap();
    let mut filters = benchmark_filters(cis_catalogue::Benchmark::latest(), 300);
    filters.extend(replay::snapshot_filters(&snapshot));
    let replay = Replay::new(filters, true, None).unwrap();
    let totals = replay.run_paths(std::slice::from_ref(&dir), 1, None);
    let report = Report::new(&replay, &totals);
    let by_name = |suffix: &str| {
        report
            .filters
            .iter()
            .find(|f| f.name.ends_with(suffix))
            .unwrap_or_else(|| panic!("no filter {suffix}"))
    };
    assert_eq!(by_name("iam-policy-changes").only_this_side, Some(1));
    assert_eq!(by_name("console-signin-without-mfa").matched, 1);
    assert_eq!(
        by_name("console-signin-without-mfa").only_this_side,
        Some(0)
    );
    let deployed = by_name("trail/logins");
    assert_eq!(deployed.matched, 2);
    assert_eq!(deployed.only_this_side, Some(1));
    assert_eq!(
        deployed.only_examples[0].time.as_deref(),
        Some("2024-05-01T10:02:00Z")
    );
    // No alarm watches the deployed metric.
    assert!(deployed.alarms.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn deployed_metric_values_and_default_values_feed_the_statistics() {
    let dir = scratch_dir("values");
    let lines = [
        event("PutUserPolicy", "2024-05-01T10:00:00Z", r#","size":5"#),
        event("PutUserPolicy", "2024-05-01T10:01:00Z", r#","size":"7""#),
        event("PutUserPolicy", "2024-05-01T10:02:00Z", r#","size":"big""#),
        event("PutUserPolicy", "2024-05-01T10:03:00Z", ""),
        event("ListUsers", "2024-05-01T10:04:00Z", ""),
    ];
    std::fs::write(dir.join("events.jsonl"), lines.join("\n")).unwrap();
    let snapshot = snapshot::Snapshot::from_json(
        r#"{"format_version":1,"caller":{"account_id":"111122223333"},
            "log_groups":[{"name":"g","region":"us-east-1","account_id":"111122223333",
              "metric_filters":[{"name":"f","pattern":"{ $.eventName = \"PutUserPolicy\" }",
                "transformations":[{"metric_name":"M","metric_namespace":"N","metric_value":"$.size","default_value":0}]}]}],
            "alarms":[{"name":"big-changes","arn":"arn:a","region":"us-east-1","metric_name":"M","namespace":"N",
              "statistic":"Maximum","period":300,"threshold":6,"comparison_operator":"GreaterThanThreshold",
              "evaluation_periods":1,"actions_enabled":true}]}"#,
    )
    .unwrap();
    let (replay, totals) = replay(
        replay::snapshot_filters(&snapshot),
        std::slice::from_ref(&dir),
        1,
    );
    let t = &totals.filters[0];
    assert_eq!(t.matched, 4);
    // 5, 7 ("7" read as a number), nothing for "big", default 0 for the missing field and for
    // the non-matching ListUsers.
    let samples: u64 = t.minutes.values().map(|p| p.count).sum();
    assert_eq!(samples, 4);
    assert_eq!(t.unpublished, 1);
    let max = t.minutes.values().map(|p| p.max).fold(f64::MIN, f64::max);
    assert_eq!(max, 7.0);
    let report = Report::new(&replay, &totals);
    let alarm = &report.filters[0].alarms[0];
    assert_eq!(alarm.name, "big-changes");
    assert_eq!(alarm.alarm_periods, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Records whose braces and strings balance (so a reader that only finds each record's end
/// hands them out) but whose grammar is wrong. None matches the filters below.
const BALANCED_BUT_INVALID: &[&str] = &[
    r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":"X","bad":tru}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":"X",}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","n":01}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","s":"\q"}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","s":"\u12"}"#,
    "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"s\":\"a\u{1}b\"}",
    r#"{eventTime:"2024-01-01T00:00:00Z"}"#,
    r#"{"eventTime" "2024-01-01T00:00:00Z"}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z" "n":1}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","n":-}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","n":1.}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","n":1e}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","n":nul}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","n":truex}"#,
    // Whitespace between tokens: removing it would make these valid (`[12]`, `true`).
    r#"{"eventTime":"2024-01-01T00:00:00Z","n":[1 2]}"#,
    r#"{"eventTime":"2024-01-01T00:00:00Z","n":tr ue}"#,
];

/// (file, position, message) of every problem, sorted. The line reader's "line skipped" reads
/// "record skipped" (the replay does not know which reader handed it a record).
/// Two deployed filters publishing to one metric (here on two log groups) feed its alarm
/// together, as in CloudWatch: one match each in a period reaches a threshold of 2 that neither
/// reaches alone. A filter on another region's metric of the same name stays apart.
#[test]
fn filters_sharing_a_metric_feed_its_alarm_together() {
    let dir = scratch_dir("shared-metric");
    let lines = [
        event("PutUserPolicy", "2024-05-01T10:00:00Z", ""),
        event("DeleteUserPolicy", "2024-05-01T10:01:00Z", ""),
        event("ListUsers", "2024-05-01T10:20:00Z", ""),
    ];
    std::fs::write(dir.join("events.jsonl"), lines.join("\n")).unwrap();
    let group = |name: &str, region: &str, event_name: &str| {
        format!(
            r#"{{"name":"{name}","region":"{region}","account_id":"111122223333",
              "metric_filters":[{{"name":"f","pattern":"{{ $.eventName = \"{event_name}\" }}",
                "transformations":[{{"metric_name":"M","metric_namespace":"N","metric_value":"1"}}]}}]}}"#
        )
    };
    let snapshot = snapshot::Snapshot::from_json(&format!(
        r#"{{"format_version":1,"caller":{{"account_id":"111122223333"}},
            "log_groups":[{},{},{}],
            "alarms":[{{"name":"two-changes","arn":"arn:a","region":"us-east-1","metric_name":"M","namespace":"N",
              "statistic":"Sum","period":300,"threshold":2,"comparison_operator":"GreaterThanOrEqualToThreshold",
              "evaluation_periods":1,"actions_enabled":true}},
              {{"name":"two-changes-west","arn":"arn:b","region":"us-west-2","metric_name":"M","namespace":"N",
              "statistic":"Sum","period":300,"threshold":2,"comparison_operator":"GreaterThanOrEqualToThreshold",
              "evaluation_periods":1,"actions_enabled":true}}]}}"#,
        group("a", "us-east-1", "PutUserPolicy"),
        group("b", "us-east-1", "DeleteUserPolicy"),
        group("c", "us-west-2", "PutUserPolicy"),
    ))
    .unwrap();
    let (replay, totals) = replay(
        replay::snapshot_filters(&snapshot),
        std::slice::from_ref(&dir),
        1,
    );
    let report = Report::new(&replay, &totals);
    let [a, b, c] = &report.filters[..] else {
        panic!("three filters: {:?}", report.filters);
    };
    assert_eq!((a.matched, b.matched, c.matched), (1, 1, 1));
    for (filter, other) in [(a, "b/f"), (b, "a/f")] {
        let alarm = &filter.alarms[0];
        assert_eq!(alarm.name, "two-changes");
        // ALARM for the 10:00 period and, while its datapoint stays in the evaluation range
        // (missing data treated as missing), the two after it.
        assert_eq!(alarm.alarm_periods, 3, "{}", filter.name);
        assert_eq!(alarm.also_fed_by, [other]);
    }
    let west = &c.alarms[0];
    assert_eq!(west.name, "two-changes-west");
    assert_eq!(west.alarm_periods, 0);
    assert!(west.also_fed_by.is_empty());
    assert!(report.to_table().contains("its metric is also fed by b/f"));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn problem_list(totals: &replay::Totals) -> Vec<(String, String, String)> {
    let mut list: Vec<_> = totals
        .problems
        .kept
        .iter()
        .map(|p| {
            let message = p.message.replace("line skipped", "record skipped");
            (p.file.clone(), p.position.clone(), message)
        })
        .collect();
    list.sort();
    list
}

#[test]
fn an_invalid_record_that_matches_nothing_is_reported_exactly_as_the_validating_reader_would() {
    let dir = scratch_dir("invalid-unmatched");
    let good = event("ListUsers", "2024-05-01T10:00:00Z", "");
    let mut records = Vec::new();
    for bad in BALANCED_BUT_INVALID {
        records.push(good.clone());
        records.push(bad.to_string());
    }
    records.push(good.clone());
    let body = format!("{{\"Records\":[{}]}}", records.join(","));
    let path = dir.join("records.json.gz");
    std::fs::write(&path, gzip(body.as_bytes())).unwrap();
    std::fs::write(dir.join("lines.jsonl"), records.join("\n") + "\n").unwrap();

    // What the reader itself reports when it checks the full grammar (the behaviour before the
    // replay left the grammar to the filter engine).
    let mut expected = Vec::new();
    let mut expected_events = 0;
    for file in ["lines.jsonl", "records.json.gz"] {
        let summary = cloudtrail_reader::read_file_with(
            &dir.join(file),
            cloudtrail_reader::Validation::Full,
            |_| {},
            |error| {
                // As in `problem_list`.
                let message = error.message.replace("line skipped", "record skipped");
                expected.push((error.file, error.position.to_string(), message));
            },
        );
        expected_events += summary.events;
    }
    expected.sort();
    assert_eq!(expected.len(), 2 * BALANCED_BUT_INVALID.len());

    // With JSON patterns (the set's own scan decides), and with a text pattern only (the set
    // does not scan JSON, so the replay checks the record itself).
    for pattern in [r#"{ $.eventName = "PutUserPolicy" }"#, "PutUserPolicy"] {
        let filters = vec![ad_hoc_filter(0, pattern, 300)];
        let (replay, totals) = replay(filters, std::slice::from_ref(&dir), 2);
        assert_eq!(problem_list(&totals), expected, "{pattern}");
        assert_eq!(totals.problems.count, expected.len() as u64);
        assert_eq!(totals.read.events, expected_events);
        assert_eq!(totals.read.errors, expected.len() as u64);
        assert_eq!(totals.filters[0].matched, 0);
        // Invalid records do not widen the replayed time span (they say 2024-01-01).
        let report = Report::new(&replay, &totals);
        assert!(report.partial);
        assert_eq!(report.first_event.as_deref(), Some("2024-05-01T10:00:00Z"));
    }
    // The issue's example: file and record position, the reader's message.
    let first = &expected
        .iter()
        .find(|p| p.0.ends_with("records.json.gz") && p.1.starts_with("record 2,"))
        .unwrap()
        .2;
    assert!(
        first.starts_with("invalid JSON at byte") && first.ends_with("; record skipped"),
        "{first}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_invalid_record_that_a_filter_would_match_is_not_counted() {
    let dir = scratch_dir("invalid-matched");
    let good = event("PutUserPolicy", "2024-05-01T10:00:00Z", "");
    let bad = event("PutUserPolicy", "2024-05-01T11:00:00Z", r#","x":tru"#);
    // Pretty-printed: the reader checks it before removing the whitespace.
    let pretty = "{ \"eventName\" : \"PutUserPolicy\",\n  \"eventTime\": \"2024-05-01T12:00:00Z\",\n  \"x\": [1,,2] }";
    let body = format!("{{\"Records\":[\n{good},\n{bad},\n{pretty}\n]}}");
    std::fs::write(dir.join("r.json"), &body).unwrap();
    let filters = vec![ad_hoc_filter(
        0,
        r#"{ $.eventName = "PutUserPolicy" }"#,
        300,
    )];
    let (replay, totals) = replay(filters, std::slice::from_ref(&dir), 1);
    let f = &totals.filters[0];
    assert_eq!(f.matched, 1);
    assert_eq!(f.minutes.values().map(|p| p.count).sum::<u64>(), 1);
    assert_eq!(totals.read.events, 1);
    assert_eq!(totals.read.errors, 2);
    let problems = problem_list(&totals);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].1.starts_with("record 2, line 3, byte "));
    assert!(problems[0].2.starts_with("invalid JSON at byte "));
    assert!(problems[1].1.starts_with("record 3, line 4, byte "));
    // The second comma of `[1,,2]`, counted in the file as it is (with its whitespace).
    let at = body.find("[1,,").unwrap() + 3;
    assert_eq!(
        problems[1].2,
        format!("invalid JSON at byte {at}: expected a JSON value; record skipped")
    );
    let report = Report::new(&replay, &totals);
    assert!(report.partial);
    assert_eq!(report.last_event.as_deref(), Some("2024-05-01T10:00:00Z"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The replay reads records unvalidated and takes the filter engine's word on which are valid
/// JSON objects: it must agree with the reader's full grammar, which decided before.
#[test]
fn the_filter_engines_json_verdict_agrees_with_the_readers_grammar() {
    let nested = |depth: usize| {
        let inner = "[".repeat(depth - 1) + &"]".repeat(depth - 1);
        format!("{{\"a\":{inner}}}")
    };
    let mut texts: Vec<String> = [
        r#"{}"#,
        r#"{"a":[],"b":{},"c":[{}],"d":[[]]}"#,
        r#"{"n":[-0,1E5,-0.5e+3,2.5E-7,0,10]}"#,
        r#"{"s":"\u00e9\ud83d\ude00\ud800\/\\\"\b\f\n\r\t","\u0000":1}"#,
        "{\"s\":\"\u{7f}\u{a0}žluť\"}",
        r#"{"a":1,"a":2}"#,
        r#"{"a":true,"b":false,"c":null}"#,
        r#"{"a":-}"#,
        r#"{"a":+1}"#,
        r#"{"a":.5}"#,
        r#"{"a":0x1}"#,
        r#"{"a":1.5e+}"#,
        r#"{"a":"\U0041"}"#,
        r#"{"a":Infinity}"#,
        r#"{"a":NaN}"#,
        r#"{"a":'x'}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":[,1]}"#,
        r#"{,}"#,
        r#"{"a":1,,"b":2}"#,
        "{\"a\":\"\t\"}",
        "{\"a\":1\u{c}}",
        "{\"a\":1\u{b}}",
        "{\"a\":1}\u{0}",
        r#"{"a":1}{"b":2}"#,
        r#"{"a":1]"#,
        r#"{"a":[1}"#,
        r#"[{"a":1}]"#,
        r#""x""#,
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    texts.extend(BALANCED_BUT_INVALID.iter().map(|t| t.to_string()));
    texts.extend([511, 512, 513, 600].map(nested));
    let json = Evaluator::new(&benchmark_filters(cis_catalogue::Benchmark::latest(), 300)).unwrap();
    let text_only = Evaluator::new(&[ad_hoc_filter(0, "PutUserPolicy", 300)]).unwrap();
    for evaluator in [json, text_only] {
        let mut scratch = evaluator.scratch();
        for text in &texts {
            let verdict = evaluator.evaluate(text, &mut scratch, &mut Vec::new());
            let grammar = cloudtrail_reader::check_json(text).is_ok() && text.starts_with('{');
            assert_eq!(verdict, grammar, "{text}");
        }
    }
}

/// Large files that cannot be split into ranges (gzip, plain `{"Records":[...]}`) are read by one
/// thread and evaluated by all: the report, problems and their places included, and the set of
/// emitted matches must be exactly those of a one-thread replay.
#[test]
fn batched_large_files_give_the_same_report_on_any_number_of_threads() {
    let dir = scratch_dir("batched");
    let samples = sample_records();
    // Copies of the sample records (some lack or garble eventTime), with a balanced but invalid
    // record after every `every` records.
    let records = |copies: usize, every: usize| {
        let mut out = Vec::new();
        for copy in 0..copies {
            for (i, record) in samples.iter().enumerate() {
                out.push(record.clone());
                if (copy * samples.len() + i) % every == every - 1 {
                    out.push(BALANCED_BUT_INVALID[i % BALANCED_BUT_INVALID.len()].to_string());
                }
            }
        }
        out
    };
    // About 4 MB of records in gzip, the gzip data cut short near the end.
    let body = format!("{{\"Records\":[{}]}}", records(3, 150).join(","));
    let compressed = gzip(body.as_bytes());
    let cut = compressed.len() - compressed.len() / 50;
    // Named to sort first, though it is read after the larger plain file on one thread.
    let gz = dir.join("archive.json.gz");
    std::fs::write(&gz, &compressed[..cut]).unwrap();
    // A plain Records file, one record per line, whose structure breaks a quarter of the way
    // in (a missing comma): the rest of the file is not read.
    let mut plain = records(4, 80);
    let at = plain.len() / 4;
    plain[at].push_str(" {\"eventName\":\"lost\"}");
    let body = format!("{{\"Records\":[\n{}\n]}}", plain.join(",\n"));
    std::fs::write(dir.join("big.json"), body).unwrap();
    // A small file (read whole) and a one-record-per-line file read in ranges.
    std::fs::write(dir.join("small.jsonl"), samples[..50].join("\n")).unwrap();
    std::fs::write(dir.join("lines.jsonl"), records(1, 40).join("\n")).unwrap();

    let replay_with = |threads: usize, read: &dyn Fn(&Replay) -> replay::Totals| {
        let emit_path = dir.with_extension(format!("matches-{threads}.ndjson"));
        let emit = Box::new(std::fs::File::create(&emit_path).unwrap());
        let filters = benchmark_filters(cis_catalogue::Benchmark::latest(), 300);
        let replay = Replay::new(filters, false, Some(emit))
            .unwrap()
            .with_range_bytes(600_000)
            .with_batched_file_bytes(100_000);
        let totals = read(&replay);
        let report = Report::new(&replay, &totals).to_json();
        let emitted = replay.emitted();
        drop(replay);
        let mut lines: Vec<String> = std::fs::read_to_string(&emit_path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        std::fs::remove_file(&emit_path).unwrap();
        lines.sort();
        assert_eq!(lines.len() as u64, emitted);
        (totals, report, lines)
    };
    let run = |path: &Path, threads: usize| {
        replay_with(threads, &|replay: &Replay| {
            replay.run_paths(&[path.to_path_buf()], threads, None)
        })
    };

    // The gzip file alone: every problem is kept, each once, with its place.
    let (one, one_report, one_lines) = run(&gz, 1);
    assert!(one.read.events > 2500, "{}", one.read.events);
    assert!(!one_lines.is_empty());
    let problems = &one.problems.kept;
    assert_eq!(problems.len() as u64, one.problems.count);
    let invalid = problems
        .iter()
        .filter(|p| p.message.starts_with("invalid JSON at byte"))
        .count();
    assert!(invalid >= 15, "{problems:#?}");
    assert_eq!(one.read.errors, invalid as u64 + 1);
    let gzip_errors: Vec<_> = problems
        .iter()
        .filter(|p| p.message.contains("gzip"))
        .collect();
    assert_eq!(gzip_errors.len(), 1, "{problems:#?}");
    assert!(gzip_errors[0].position.starts_with("record "));
    assert!(problems.iter().all(|p| p.position.starts_with("record ")));
    for threads in [2, 4] {
        let (totals, report, lines) = run(&gz, threads);
        assert_eq!(report, one_report, "{threads} threads");
        assert_eq!(lines, one_lines, "{threads} threads");
        assert_eq!(totals.read, one.read, "{threads} threads");
    }
    // The same bytes as a stream (standard input): read by one thread, evaluated by all.
    let name = gz.display().to_string();
    for threads in [1, 2, 4] {
        let (totals, report, lines) = replay_with(threads, &|replay: &Replay| {
            replay.run_stream(&name, &compressed[..cut], threads)
        });
        assert_eq!(report, one_report, "stream, {threads} threads");
        assert_eq!(lines, one_lines, "stream, {threads} threads");
        assert_eq!(totals.read, one.read, "stream, {threads} threads");
    }

    // All four files: more problems than the report keeps; which are kept does not depend on
    // the threads either.
    let (one, one_report, one_lines) = run(&dir, 1);
    assert!(one.problems.count > replay::engine::KEPT_PROBLEMS as u64);
    let kept = |file: &str, text: &str| {
        let found = one.problems.kept.iter();
        found
            .filter(|p| p.file.ends_with(file) && p.message.contains(text))
            .count()
    };
    assert_eq!(kept("big.json", "expected ',' or ']'"), 1);
    assert!(kept("archive.json.gz", "invalid JSON") > 0);
    for threads in [2, 4] {
        let (totals, report, lines) = run(&dir, threads);
        assert_eq!(report, one_report, "{threads} threads");
        assert_eq!(lines, one_lines, "{threads} threads");
        assert_eq!(totals.read, one.read, "{threads} threads");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--since/--until`: the day folders from the first day to the day after the last are read
/// (the last day's late deliveries sit in the next day's folder), the others passed over; of
/// the events read, only those whose `eventTime` is in the days are replayed, the rest counted.
#[test]
fn replays_the_events_of_the_days_asked_for() {
    let dir = scratch_dir("days");
    let layout = dir.join("AWSLogs/111122223333/CloudTrail/us-east-1");
    let event = |name: &str, time: &str| {
        format!(
            r#"{{"eventTime":"{time}","eventSource":"iam.amazonaws.com","eventName":"{name}"}}"#
        )
    };
    // Each folder: (day, events as (name, eventTime)).
    let folders = [
        (
            "2024/04/30",
            vec![("PutUserPolicy", "2024-04-30T12:00:00Z")],
        ),
        (
            "2024/05/01",
            vec![
                ("PutUserPolicy", "2024-04-30T23:58:00Z"), // delivered late: outside
                ("PutRolePolicy", "2024-05-01T08:00:00Z"),
            ],
        ),
        ("2024/05/02", vec![("CreatePolicy", "2024-05-02T09:00:00Z")]),
        (
            "2024/05/03",
            vec![
                ("DeletePolicy", "2024-05-02T23:59:00Z"), // the last day's, delivered late
                ("PutUserPolicy", "2024-05-03T00:10:00Z"), // outside
            ],
        ),
        (
            "2024/05/04",
            vec![("PutUserPolicy", "2024-05-04T10:00:00Z")],
        ),
    ];
    for (day, events) in &folders {
        let records: Vec<String> = events.iter().map(|(n, t)| event(n, t)).collect();
        let body = format!("{{\"Records\":[{}]}}", records.join(","));
        std::fs::create_dir_all(layout.join(day)).unwrap();
        std::fs::write(layout.join(day).join("f.json.gz"), gzip(body.as_bytes())).unwrap();
    }
    let days = cloudtrail_reader::DayRange {
        since: Some((2024, 5, 1)),
        until: Some((2024, 5, 2)),
    };
    let filters = benchmark_filters(cis_catalogue::Benchmark::latest(), 300);
    let bounded = Replay::new(filters, false, None).unwrap().with_days(days);
    let totals = bounded.run_paths(std::slice::from_ref(&dir), 2, None);
    let report = Report::new(&bounded, &totals);
    assert_eq!(report.files, 3);
    assert_eq!(report.events, 3);
    assert_eq!(report.events_outside_days, 2);
    assert_eq!(report.first_event.as_deref(), Some("2024-05-01T08:00:00Z"));
    assert_eq!(report.last_event.as_deref(), Some("2024-05-02T23:59:00Z"));
    let iam = report
        .filters
        .iter()
        .find(|f| f.name.ends_with("iam-policy-changes"))
        .unwrap();
    assert_eq!(iam.matched, 3);
    let skipped: Vec<&str> = report.skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    // The month of April is passed over whole; the day after the day after the last alone.
    assert!(skipped[0].ends_with("2024/04") && skipped[1].ends_with("2024/05/04"));
    assert!(report
        .to_table()
        .contains("2 more events read were outside --since/--until"));

    // Without days, every event of every folder.
    let filters = benchmark_filters(cis_catalogue::Benchmark::latest(), 300);
    let (replay, totals) = replay(filters, std::slice::from_ref(&dir), 1);
    let report = Report::new(&replay, &totals);
    assert_eq!((report.events, report.events_outside_days), (7, 0));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Damaged streams through the whole replay (records cut out by structure, validity decided
/// by the filter set's scan): never a panic or a hang, and the valid records replayed are
/// exactly those the reader's full validation hands out, the others counted as read errors.
#[test]
fn damaged_streams_replay_the_records_full_validation_accepts() {
    let good = |name: &str| {
        event(
            name,
            "2024-05-01T10:00:00Z",
            r#","errorCode":"AccessDenied""#,
        )
    };
    let pretty = "{\n \"eventName\": \"StopLogging\",\n \"eventTime\": \"2024-05-01T10:01:00Z\",\n \"x\": [1, {\"y\": \"}\\\"\"}]\n}";
    let clean = [
        format!(
            r#"{{"Records":[{},{},{}]}}"#,
            good("PutUserPolicy"),
            pretty,
            good("A")
        ),
        format!(r#"{{"Records":[{}]}}"#, good("DeleteTrail")),
    ]
    .concat()
    .into_bytes();
    let filters = || benchmark_filters(cis_catalogue::Benchmark::latest(), 300);
    let replay = Replay::new(filters(), false, None).unwrap();
    let mut state = 5u32;
    let mut next = |n: usize| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (state >> 8) as usize % n
    };
    for round in 0..10_000 {
        let mut bytes = clean.clone();
        for _ in 0..1 + next(3) {
            let at = next(bytes.len());
            bytes[at] = b"{}[]\",:\\ \n0tx\xc3"[next(14)];
        }
        if round % 4 == 0 {
            bytes.truncate(next(bytes.len() + 1));
        }
        let mut accepted = 0u64;
        let full = cloudtrail_reader::read_stream_with(
            "mem",
            &bytes[..],
            cloudtrail_reader::Validation::Full,
            |_| accepted += 1,
            |_| {},
        );
        let totals = replay.run_stream("mem", &bytes[..], 1 + round % 2);
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(totals.read.events, accepted, "{text}");
        assert_eq!(totals.read.errors, full.errors, "{text}");
        let report = Report::new(&replay, &totals);
        assert_eq!(report.events, accepted, "{text}");
    }
}
