//! The engine on the demo snapshot (`crates/trailwatch/demo/`), checked against the expected
//! results in its README.
//!
//! The README judges only the chains inside the audited account (its organization trail
//! "does not turn a FAIL into a PASS or a MANUAL"): that is the engine's `local_only` mode. By
//! default the engine reports a control whose only unverified chain continues in the management
//! account as MANUAL rather than FAIL, since that chain may well be complete; both are pinned
//! here.

use audit::{AuditOptions, AuditReport, Date, Finding, Link, Status};
use cis_catalogue::Benchmark;
use snapshot::Snapshot;

const DEMO: &str = include_str!("../../trailwatch/demo/demo-snapshot.json");

fn demo() -> Snapshot {
    Snapshot::from_json(DEMO).unwrap()
}

fn run(benchmark: Benchmark, local_only: bool) -> AuditReport {
    let mut options = AuditOptions::new("2026-11-22".parse::<Date>().unwrap());
    options.local_only = local_only;
    audit::evaluate(&demo(), benchmark, &options)
}

fn get<'r>(report: &'r AuditReport, id: &str) -> &'r Finding {
    report.findings.iter().find(|f| f.control_id == id).unwrap()
}

/// Asserts that some candidate of the finding stopped at `link` with a problem containing
/// `words` and has `status`.
fn has_candidate(finding: &Finding, status: Status, link: Link, words: &str) {
    let found = finding.evidence.candidates.iter().any(|c| {
        c.status == status
            && c.first_broken_link
                .iter()
                .chain(c.needs_judgement.iter())
                .any(|l| l.link == link && l.problem.contains(words))
    });
    assert!(
        found,
        "{}: no {status} candidate at {link} with {words:?}: {finding:#?}",
        finding.control_id
    );
}

/// Where a candidate stops, and words of its problem.
type Stop = Option<(Link, &'static str)>;

/// (control, README result, where a candidate stops)
const EXPECTED: &[(&str, Status, Stop)] = &[
    ("5.1", Status::Pass, None),
    (
        "5.2",
        Status::Fail,
        Some((Link::Subscription, "pending confirmation")),
    ),
    ("5.3", Status::Pass, None),
    ("5.4", Status::Pass, None),
    ("5.5", Status::Fail, Some((Link::Alarm, "Sum >= 5"))),
    (
        "5.6",
        Status::Fail,
        Some((Link::Alarm, "notifies no SNS topic")),
    ),
    (
        "5.7",
        Status::Fail,
        Some((Link::Trail, "kms.amazonaws.com")),
    ),
    (
        "5.8",
        Status::Fail,
        Some((Link::MetricFilter, "misses events")),
    ),
    (
        "5.9",
        Status::Error,
        Some((Link::Trail, "AccessDeniedException")),
    ),
    (
        "5.10",
        Status::Fail,
        Some((Link::MetricFilter, "misses events")),
    ),
    (
        "5.11",
        Status::Fail,
        Some((Link::MetricFilter, "misses events")),
    ),
    ("5.12", Status::Manual, Some((Link::Alarm, "metric math"))),
    (
        "5.13",
        Status::Fail,
        Some((Link::MetricFilter, "misses events")),
    ),
    ("5.14", Status::Fail, Some((Link::Topic, "does not exist"))),
    ("5.15", Status::Fail, Some((Link::Topic, "AWS managed key"))),
    ("5.16", Status::Fail, None),
];

#[test]
fn local_only_matches_the_readme_exactly() {
    let report = run(Benchmark::V7_0_0, true);
    for (id, status, stop) in EXPECTED {
        let finding = get(&report, id);
        assert_eq!(finding.status, *status, "{id}: {finding:#?}");
        if let Some((link, words)) = stop {
            has_candidate(finding, *status, *link, words);
        }
    }
    let s = report.summary;
    assert_eq!((s.pass, s.fail, s.manual, s.error), (3, 11, 1, 1), "{s:?}");
    assert_eq!(report.exit_code(), 2);
}

#[test]
fn by_default_the_organization_trail_makes_failures_manual() {
    let report = run(Benchmark::V7_0_0, false);
    for (id, status, stop) in EXPECTED {
        let finding = get(&report, id);
        let expected = if *status == Status::Fail && *id != "5.16" {
            Status::Manual
        } else {
            *status
        };
        assert_eq!(finding.status, expected, "{id}: {finding:#?}");
        if expected == Status::Manual && *status == Status::Fail {
            has_candidate(
                finding,
                Status::Manual,
                Link::LogGroup,
                "lives in account 999988887777",
            );
            let (link, words) = stop.unwrap();
            has_candidate(finding, Status::Fail, link, words);
            assert!(finding.reason.contains("Meanwhile"), "{}", finding.reason);
        }
    }
}

#[test]
fn details_the_readme_calls_out() {
    let report = run(Benchmark::V7_0_0, true);
    // 5.1 passes, with a warning that the filter is noisy.
    let unauthorized = get(&report, "5.1");
    assert!(unauthorized
        .lints
        .iter()
        .any(|l| l.code == "near-match-all"));
    assert!(unauthorized
        .notes
        .iter()
        .any(|n| n.contains("nearly every event")));
    // 5.3 passes through cis-root-usage, not the disabled root-usage-2019.
    let chain = get(&report, "5.3").evidence.passing_chain.clone().unwrap();
    assert_eq!(chain.alarm.unwrap().name, "cis-root-usage");
    // 5.2's filter is the SSO variant.
    let best = get(&report, "5.2").best_candidate().unwrap();
    assert_eq!(
        best.chain
            .metric_filter
            .as_ref()
            .unwrap()
            .catches_variant
            .as_deref(),
        Some("sso")
    );
    // 5.6: both alarms are named, each with its own problem.
    has_candidate(
        get(&report, "5.6"),
        Status::Fail,
        Link::Alarm,
        "actions disabled",
    );
    // 5.8: the witness is the missing event.
    let witness = get(&report, "5.8")
        .evidence
        .candidates
        .iter()
        .find_map(|c| c.first_broken_link.as_ref()?.witness.clone())
        .unwrap();
    assert_eq!(witness["eventName"], "DeleteBucketReplication", "{witness}");
    // 5.14: the single-region trail's chain is a candidate too.
    has_candidate(
        get(&report, "5.14"),
        Status::Fail,
        Link::Trail,
        "app-eu-west-1",
    );
    // 5.15: the alarm in the wrong namespace is named.
    has_candidate(
        get(&report, "5.15"),
        Status::Fail,
        Link::Topic,
        "secops-encrypted",
    );
    // 5.16 names the regions without Security Hub.
    let reason = &get(&report, "5.16").reason;
    for region in ["eu-west-1", "eu-central-1", "ap-southeast-2"] {
        assert!(reason.contains(region), "{reason}");
    }
}

#[test]
fn other_versions() {
    // v4.0.1: 4.10 passes (no ModifySecurityGroupRules yet).
    let report = run(Benchmark::V4_0_1, true);
    assert_eq!(get(&report, "4.10").status, Status::Pass);
    assert_eq!(get(&report, "4.1").status, Status::Pass);
    // v1.2.0: 3.2 fails on the filter, the SSO variant being narrower than the only pattern.
    let report = run(Benchmark::V1_2_0, true);
    has_candidate(
        get(&report, "3.2"),
        Status::Fail,
        Link::MetricFilter,
        "misses events",
    );
    assert_eq!(get(&report, "3.2").status, Status::Fail);
    // v1.4.0: 4.1's known-wrong text is still covered.
    let report = run(Benchmark::V1_4_0, true);
    assert_eq!(get(&report, "4.1").status, Status::Pass);
}
