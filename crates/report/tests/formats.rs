//! Every format rendered from two reports, pinned with insta snapshots and checked against the
//! rules of its format (published JSON schemas, required fields, limits, escaping, counts).
//!
//! The reports:
//! - the demo report: `audit`'s engine run on `crates/trailwatch/demo/demo-snapshot.json`,
//!   frozen in `tests/fixtures/demo-report.json` so the snapshots change only when rendering
//!   changes. Refresh it after engine changes with
//!   `REPORT_REGENERATE_DEMO=1 cargo test -p report`, then review the snapshot changes.
//! - a hand-built report with every status, an exception, a witness event, lints, Security Hub
//!   regions and text full of characters that need escaping.
//!
//! The live engine output is validated too (without snapshots), so a renderer bug that only
//! shows on today's engine output still fails here.
//!
//! Snapshots: `INSTA_UPDATE=always cargo test -p report` rewrites them; with `CI=true` insta
//! never writes and a mismatch fails.

use std::time::{Duration, SystemTime};

use audit::{
    AlarmLink, Assessment, AuditOptions, AuditReport, BrokenLink, CandidateChain, Chain, Date,
    Evidence, FilterLint, Finding, Link, LogGroupLink, MetricFilterLink, PatternMode,
    RequiredPattern, SecurityHubRegion, Status, SubscriptionLink, Summary, TopicLink, TrailLink,
};
use report::{render, Format, RenderOptions};
use serde_json::Value;

const DEMO_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/demo-report.json"
);

/// `audit`'s engine on the demo snapshot, on a fixed date.
fn engine_demo_report() -> AuditReport {
    let text = include_str!("../../trailwatch/demo/demo-snapshot.json");
    let snapshot = snapshot::Snapshot::from_json(text).expect("the demo snapshot parses");
    let options = AuditOptions::new(Date {
        year: 2026,
        month: 11,
        day: 22,
    });
    audit::evaluate(&snapshot, cis_catalogue::Benchmark::latest(), &options)
}

/// The frozen demo report (regenerated from the engine when `REPORT_REGENERATE_DEMO` is set).
fn demo_report() -> AuditReport {
    if std::env::var_os("REPORT_REGENERATE_DEMO").is_some() {
        let text = serde_json::to_string_pretty(&engine_demo_report()).unwrap() + "\n";
        std::fs::write(DEMO_FIXTURE, text).expect("write the demo fixture");
    }
    let text = std::fs::read_to_string(DEMO_FIXTURE).expect("read tests/fixtures/demo-report.json");
    serde_json::from_str(&text).expect("the demo fixture is an AuditReport")
}

fn trail() -> TrailLink {
    TrailLink {
        name: "main".into(),
        arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/main".into(),
        home_region: "us-east-1".into(),
    }
}

fn log_group() -> LogGroupLink {
    LogGroupLink {
        name: "trail-logs".into(),
        arn: "arn:aws:logs:us-east-1:123456789012:log-group:trail-logs:*".into(),
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
    }
}

fn metric_filter(name: &str) -> MetricFilterLink {
    MetricFilterLink {
        name: name.into(),
        pattern:
            "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }"
                .into(),
        metric_name: name.into(),
        metric_namespace: "CISBenchmark".into(),
        metric_value: "1".into(),
        catches_variant: Some("default".into()),
    }
}

fn topic() -> TopicLink {
    TopicLink {
        arn: "arn:aws:sns:us-east-1:123456789012:secops".into(),
        region: "us-east-1".into(),
    }
}

fn finding(id: &str, topic_slug: &str, title: &str, status: Status, reason: &str) -> Finding {
    Finding {
        control_id: id.into(),
        topic: topic_slug.into(),
        title: title.into(),
        level: 1,
        assessment: Assessment::Automated,
        benchmark: "v7.0.0".into(),
        status,
        reason: reason.into(),
        evidence: Evidence::default(),
        rationale: "Monitoring these events shortens the time to detect misuse.".into(),
        remediation: "Create the metric filter, an alarm on its metric and an SNS topic with a \
                      confirmed subscriber."
            .into(),
        notes: Vec::new(),
        exception: None,
        lints: Vec::new(),
    }
}

/// A report with every status and every kind of evidence, and text that needs escaping in
/// every format (quotes, commas, `<`, `&`, newlines, non-ASCII).
fn every_status_report() -> AuditReport {
    let mut pass = finding(
        "5.1",
        "unauthorized-api-calls",
        "Ensure unauthorized API calls are monitored",
        Status::Pass,
        "Chain complete: filter \"unauth\" -> alarm -> topic with a confirmed subscriber.",
    );
    pass.evidence.passing_chain = Some(Chain {
        trail: Some(trail()),
        log_group: Some(log_group()),
        metric_filter: Some(metric_filter("unauth")),
        alarm: Some(AlarmLink {
            name: "unauth".into(),
            arn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:unauth".into(),
            region: "us-east-1".into(),
        }),
        topic: Some(topic()),
        subscription: Some(SubscriptionLink {
            arn: "arn:aws:sns:us-east-1:123456789012:secops:0b1c".into(),
            protocol: "email".into(),
            endpoint: "secops@example.com".into(),
        }),
    });
    pass.exception = Some(audit::AppliedException {
        control: "5.1".into(),
        filter: "unauth".into(),
        log_group: Some("trail-logs".into()),
        justification: "Batch jobs probe permissions, tracked in SEC-123 & SEC-124".into(),
        owner: "secops@example.com".into(),
        expires: "2027-03-31".into(),
        expired: false,
    });
    pass.notes
        .push("alarm period is 3600 s; a 300 s period alerts sooner".into());

    let mut fail = finding(
        "5.4",
        "iam-policy-changes",
        "Ensure IAM policy changes are monitored",
        Status::Fail,
        "No metric filter on log group trail-logs catches DeleteGroupPolicy, so <nothing> alerts.",
    );
    fail.evidence.required_patterns.push(RequiredPattern {
        text: "{($.eventName=DeleteGroupPolicy)||($.eventName=PutGroupPolicy)}".into(),
        variant: "default".into(),
        intended: None,
    });
    fail.evidence.candidates.push(CandidateChain {
        status: Status::Fail,
        chain: Chain {
            trail: Some(trail()),
            log_group: Some(log_group()),
            ..Chain::default()
        },
        first_broken_link: Some(BrokenLink {
            link: Link::MetricFilter,
            resource: "trail-logs".into(),
            problem: "filter iam-changes misses events the benchmark's pattern catches".into(),
            witness: Some(serde_json::json!({"eventName": "DeleteGroupPolicy", "eventSource": "iam.amazonaws.com"})),
        }),
        needs_judgement: Vec::new(),
    });
    fail.evidence.candidates.push(CandidateChain {
        status: Status::Fail,
        chain: Chain::default(),
        first_broken_link: Some(BrokenLink {
            link: Link::Trail,
            resource: "arn:aws:cloudtrail:eu-west-1:123456789012:trail/legacy".into(),
            problem: "trail legacy is not logging; start it (StartLogging)".into(),
            witness: None,
        }),
        needs_judgement: Vec::new(),
    });
    fail.lints.push(FilterLint {
        filter: "iam-changes".into(),
        log_group: "trail-logs".into(),
        code: "TW101".into(),
        message: "pattern compares $.eventName with a quoted \"*\" wildcard, which matches only a literal asterisk, not \"anything\"".into(),
    });

    let mut manual = finding(
        "5.3",
        "root-usage",
        "Ensure usage of the \"root\" account is monitored",
        Status::Manual,
        "The only chain continues in account 999988887777, which this snapshot cannot see.",
    );
    manual.assessment = Assessment::Manual;
    manual.evidence.candidates.push(CandidateChain {
        status: Status::Manual,
        chain: Chain {
            trail: Some(trail()),
            ..Chain::default()
        },
        first_broken_link: Some(BrokenLink {
            link: Link::LogGroup,
            resource: "arn:aws:logs:us-east-1:999988887777:log-group:org-logs:*".into(),
            problem: "log group org-logs lives in account 999988887777; check the chain there"
                .into(),
            witness: None,
        }),
        needs_judgement: Vec::new(),
    });

    let mut error = finding(
        "5.16",
        "security-hub-enabled",
        "Ensure AWS Security Hub is enabled",
        Status::Error,
        "Security Hub could not be read in eu-west-1 (AccessDeniedException), so the control \
         cannot be verified.",
    );
    error.level = 2;
    error.evidence.security_hub = vec![
        SecurityHubRegion {
            region: "us-east-1".into(),
            status: Status::Pass,
            hub_arn: Some("arn:aws:securityhub:us-east-1:123456789012:hub/default".into()),
            problem: None,
        },
        SecurityHubRegion {
            region: "eu-west-1".into(),
            status: Status::Error,
            hub_arn: None,
            problem: Some("securityhub:DescribeHub failed: AccessDeniedException".into()),
        },
    ];

    let findings = vec![pass, manual, fail, error];
    AuditReport {
        benchmark: "v7.0.0".into(),
        account_id: "123456789012".into(),
        partition: "aws".into(),
        collected_at: Some("2026-11-22T10:00:00Z".into()),
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        pattern_mode: PatternMode::Semantic,
        summary: Summary::of(&findings),
        findings,
    }
}

/// Options with a fixed time and version, so output is byte-for-byte stable.
fn fixed_options() -> RenderOptions {
    let mut options =
        RenderOptions::new(SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_305_600_000));
    options.tool_version = "0.1.0".to_string();
    options
}

/// The reports every structural test runs on.
fn all_reports() -> Vec<(&'static str, AuditReport)> {
    vec![
        ("demo", demo_report()),
        ("every-status", every_status_report()),
        ("live-engine", engine_demo_report()),
    ]
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).expect("the output is JSON")
}

/// Validates `instance` against the vendored JSON schema `file`, listing every error.
fn assert_valid(schema_file: &str, instance: &Value, what: &str) {
    let path = format!("{}/tests/schemas/{schema_file}", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = parse_json(&std::fs::read_to_string(&path).expect("read schema"));
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} violates {schema_file}:\n{}",
        errors.join("\n")
    );
}

#[test]
fn snapshots_pin_every_format() {
    let options = fixed_options();
    for (name, report) in [
        ("demo", demo_report()),
        ("every_status", every_status_report()),
    ] {
        for format in Format::ALL {
            let text = render(&report, format, &options);
            insta::assert_snapshot!(format!("{name}_{format}"), text);
        }
    }
}

#[test]
fn the_demo_fixture_still_parses_into_the_engines_types_and_covers_statuses() {
    let report = demo_report();
    assert_eq!(report.summary, Summary::of(&report.findings));
    assert!(!report.findings.is_empty());
    let every = every_status_report();
    for status in [Status::Pass, Status::Fail, Status::Manual, Status::Error] {
        assert!(every
            .findings
            .iter()
            .any(|finding| finding.status == status));
    }
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    for (name, report) in all_reports() {
        let log = parse_json(&render(&report, Format::Sarif, &fixed_options()));
        assert_valid("sarif-schema-2.1.0.json", &log, name);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), report.findings.len());
        for (result, finding) in results.iter().zip(&report.findings) {
            let (kind, level) = match finding.status {
                Status::Pass => ("pass", "none"),
                Status::Fail => ("fail", "error"),
                Status::Manual => ("review", "none"),
                Status::Error => ("open", "none"),
            };
            assert_eq!(result["kind"], kind);
            assert_eq!(result["level"], level);
            let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                log["runs"][0]["tool"]["driver"]["rules"][rule_index]["id"],
                result["ruleId"]
            );
            assert!(!result["locations"].as_array().unwrap().is_empty());
        }
        let errors = report.summary.error;
        let notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(notifications, errors, "{name}: one notification per ERROR");
    }
}

#[test]
fn ocsf_is_valid_against_the_compliance_finding_schema() {
    for (name, report) in all_reports() {
        let events = parse_json(&render(&report, Format::Ocsf, &fixed_options()));
        let events = events.as_array().expect("OCSF output is a JSON array");
        assert_eq!(events.len(), report.findings.len());
        for (event, finding) in events.iter().zip(&report.findings) {
            assert_valid(
                "ocsf-1.3.0-compliance_finding.schema.json",
                event,
                &format!("{name} {}", finding.control_id),
            );
            assert_eq!(event["class_uid"], 2003);
            assert_eq!(event["category_uid"], 2);
            assert_eq!(
                event["type_uid"].as_u64().unwrap(),
                event["class_uid"].as_u64().unwrap() * 100 + event["activity_id"].as_u64().unwrap()
            );
            assert_eq!(event["time"], 1_795_305_600_000_i64);
            assert_eq!(event["metadata"]["version"], "1.3.0");
            assert_eq!(event["cloud"]["account"]["uid"], report.account_id.as_str());
            let expected = match finding.status {
                Status::Pass => 1,
                Status::Manual => 2,
                Status::Fail => 3,
                Status::Error => 99,
            };
            assert_eq!(event["compliance"]["status_id"], expected);
            assert_eq!(
                event["compliance"]["standards"][0],
                format!("CIS AWS Foundations Benchmark {}", report.benchmark)
            );
        }
    }
}

#[test]
fn the_schema_checks_reject_broken_documents() {
    let report = every_status_report();
    let schema_errors = |file: &str, instance: &Value| {
        let path = format!("{}/tests/schemas/{file}", env!("CARGO_MANIFEST_DIR"));
        let schema = parse_json(&std::fs::read_to_string(path).unwrap());
        jsonschema::validator_for(&schema)
            .unwrap()
            .iter_errors(instance)
            .count()
    };
    let mut sarif = parse_json(&render(&report, Format::Sarif, &fixed_options()));
    assert_eq!(schema_errors("sarif-schema-2.1.0.json", &sarif), 0);
    sarif["runs"][0]["results"][0]["kind"] = Value::from("passed");
    assert!(
        schema_errors("sarif-schema-2.1.0.json", &sarif) > 0,
        "unknown result kind"
    );

    let asff_file = "asff-batch-import-findings.schema.json";
    let mut asff = parse_json(&render(&report, Format::Asff, &fixed_options()));
    assert_eq!(schema_errors(asff_file, &asff), 0);
    asff["Findings"][0]["Compliance"]["Status"] = Value::from("PASS");
    asff["Findings"][1]
        .as_object_mut()
        .unwrap()
        .remove("GeneratorId");
    asff["Findings"][2]["Severity"]["Lable"] = Value::from("LOW");
    assert_eq!(
        schema_errors(asff_file, &asff),
        3,
        "bad enum, missing field, unknown field"
    );

    let ocsf = parse_json(&render(&report, Format::Ocsf, &fixed_options()));
    let file = "ocsf-1.3.0-compliance_finding.schema.json";
    assert_eq!(schema_errors(file, &ocsf[0]), 0);
    let mut no_standards = ocsf[0].clone();
    no_standards["compliance"]
        .as_object_mut()
        .unwrap()
        .remove("standards");
    assert!(
        schema_errors(file, &no_standards) > 0,
        "compliance.standards is required"
    );
    let mut bad_status = ocsf[0].clone();
    bad_status["compliance"]["status_id"] = Value::from(4);
    assert!(
        schema_errors(file, &bad_status) > 0,
        "compliance.status_id 4 is not defined"
    );
}

/// ASFF's required fields and limits, as Security Hub's `BatchImportFindings` checks them.
fn assert_importable_asff(request: &Value, report: &AuditReport, region: &str, what: &str) {
    let findings = request["Findings"].as_array().expect("a Findings array");
    assert_eq!(findings.len(), report.findings.len(), "{what}");
    assert!(findings.len() <= report::asff::MAX_FINDINGS_PER_REQUEST);
    let mut ids = std::collections::BTreeSet::new();
    for (asff, finding) in findings.iter().zip(&report.findings) {
        for field in [
            "SchemaVersion",
            "Id",
            "ProductArn",
            "GeneratorId",
            "AwsAccountId",
            "CreatedAt",
            "UpdatedAt",
            "Title",
            "Description",
        ] {
            let value = asff[field].as_str().unwrap_or_default();
            assert!(!value.is_empty(), "{what}: {field} missing in {asff}");
        }
        assert!(
            ids.insert(asff["Id"].as_str().unwrap().to_string()),
            "{what}: duplicate Id"
        );
        assert_eq!(asff["SchemaVersion"], "2018-10-08");
        assert_eq!(
            asff["ProductArn"],
            format!(
                "arn:aws:securityhub:{region}:{0}:product/{0}/default",
                report.account_id
            )
        );
        assert_eq!(asff["AwsAccountId"], report.account_id.as_str());
        assert_eq!(
            asff["Types"],
            serde_json::json!([
                "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
            ])
        );
        assert_eq!(asff["CreatedAt"], "2026-11-22T00:00:00.000Z");
        assert!(asff["Title"].as_str().unwrap().chars().count() <= 256);
        assert!(asff["Description"].as_str().unwrap().chars().count() <= 1024);
        assert!(
            asff["Remediation"]["Recommendation"]["Text"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= 512
        );
        assert!(asff["GeneratorId"].as_str().unwrap().len() <= 512);
        let label = asff["Severity"]["Label"].as_str().unwrap();
        assert!(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"].contains(&label));
        let expected = match finding.status {
            Status::Pass => "PASSED",
            Status::Fail => "FAILED",
            Status::Manual => "WARNING",
            Status::Error => "NOT_AVAILABLE",
        };
        assert_eq!(asff["Compliance"]["Status"], expected, "{what}");
        assert_eq!(asff["RecordState"], "ACTIVE");
        assert!(["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"]
            .contains(&asff["Workflow"]["Status"].as_str().unwrap()));
        let resources = asff["Resources"].as_array().unwrap();
        assert!(
            !resources.is_empty() && resources.len() <= 32,
            "{what}: 1 to 32 resources"
        );
        for resource in resources {
            for field in ["Type", "Id", "Partition", "Region"] {
                assert!(
                    !resource[field].as_str().unwrap_or_default().is_empty(),
                    "{resource}"
                );
            }
            assert!(resource["Id"].as_str().unwrap().len() <= 512);
            assert!(
                ["aws", "aws-cn", "aws-us-gov"].contains(&resource["Partition"].as_str().unwrap())
            );
        }
        assert_eq!(resources[0]["Type"], "AwsAccount");
        assert_eq!(
            resources[0]["Id"],
            format!("AWS::::Account:{}", report.account_id)
        );
        let fields = asff["ProductFields"].as_object().unwrap();
        assert!(fields.len() <= 50);
        assert!(fields.values().all(Value::is_string));
    }
}

#[test]
fn asff_has_every_required_field_within_limits() {
    for (name, report) in all_reports() {
        let request = parse_json(&render(&report, Format::Asff, &fixed_options()));
        assert_valid("asff-batch-import-findings.schema.json", &request, name);
        let region = report
            .regions
            .first()
            .map_or("us-east-1", String::as_str)
            .to_string();
        assert_importable_asff(&request, &report, &region, name);
    }
    let mut options = fixed_options();
    options.import_region = Some("eu-central-1".to_string());
    let report = every_status_report();
    let request = parse_json(&render(&report, Format::Asff, &options));
    assert_valid(
        "asff-batch-import-findings.schema.json",
        &request,
        "import region",
    );
    assert_importable_asff(&request, &report, "eu-central-1", "import region");
}

#[test]
fn asff_cuts_long_texts_to_the_limits() {
    let mut report = every_status_report();
    let long = "x".repeat(3000);
    report.findings[0].title = long.clone();
    report.findings[0].reason = long.clone();
    report.findings[0].remediation = long;
    let request = parse_json(&render(&report, Format::Asff, &fixed_options()));
    let asff = &request["Findings"][0];
    let title = asff["Title"].as_str().unwrap();
    assert_eq!(title.chars().count(), 256);
    assert!(title.starts_with("CIS 5.1: xxx") && title.ends_with("..."));
    assert_eq!(asff["Description"].as_str().unwrap().chars().count(), 1024);
    assert_eq!(
        asff["Remediation"]["Recommendation"]["Text"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        512
    );
    assert_importable_asff(&request, &report, "us-east-1", "long texts");
}

#[test]
fn asff_keeps_at_most_32_resources() {
    let mut report = every_status_report();
    let hubs = &mut report.findings[3].evidence.security_hub;
    for index in 0..40 {
        hubs.push(SecurityHubRegion {
            region: format!("test-region-{index}"),
            status: Status::Pass,
            hub_arn: Some(format!(
                "arn:aws:securityhub:test-region-{index}:123456789012:hub/default"
            )),
            problem: None,
        });
    }
    let request = parse_json(&render(&report, Format::Asff, &fixed_options()));
    let resources = request["Findings"][3]["Resources"].as_array().unwrap();
    assert_eq!(resources.len(), report::asff::MAX_RESOURCES);
    assert_eq!(resources[0]["Type"], "AwsAccount");
    assert_importable_asff(&request, &report, "us-east-1", "many hubs");
}

#[test]
fn junit_is_well_formed_and_counts_match() {
    for (name, report) in all_reports() {
        let xml = render(&report, Format::Junit, &fixed_options());
        let document = roxmltree::Document::parse(&xml)
            .unwrap_or_else(|error| panic!("{name}: JUnit is not well-formed XML: {error}"));
        let suite = document
            .descendants()
            .find(|node| node.has_tag_name("testsuite"))
            .expect("a testsuite");
        let count = |attribute: &str| {
            suite
                .attribute(attribute)
                .unwrap()
                .parse::<usize>()
                .unwrap()
        };
        assert_eq!(count("tests"), report.findings.len());
        assert_eq!(count("failures"), report.summary.fail);
        assert_eq!(count("errors"), report.summary.error);
        assert_eq!(count("skipped"), report.summary.manual);
        let cases: Vec<_> = suite
            .children()
            .filter(|node| node.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), report.findings.len());
        for (case, finding) in cases.iter().zip(&report.findings) {
            assert_eq!(
                case.attribute("name").unwrap(),
                format!("{} {}", finding.control_id, finding.title)
            );
            let outcome = case
                .children()
                .find(|node| ["failure", "error", "skipped"].contains(&node.tag_name().name()));
            let expected = match finding.status {
                Status::Pass => None,
                Status::Fail => Some("failure"),
                Status::Error => Some("error"),
                Status::Manual => Some("skipped"),
            };
            assert_eq!(outcome.map(|node| node.tag_name().name()), expected);
            if let Some(node) = outcome {
                // The reason survives escaping exactly, quotes, `<` and all.
                assert_eq!(node.attribute("message").unwrap(), finding.reason);
            }
        }
    }
}

#[test]
fn csv_round_trips_through_an_rfc_4180_reader() {
    for (name, report) in all_reports() {
        let text = render(&report, Format::Csv, &fixed_options());
        assert!(text.ends_with("\r\n"), "{name}: CRLF line ends");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            report::csv::HEADER.to_vec()
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), report.findings.len(), "{name}");
        for (row, finding) in rows.iter().zip(&report.findings) {
            assert_eq!(row.len(), report::csv::HEADER.len());
            assert_eq!(&row[2], finding.control_id);
            assert_eq!(&row[4], finding.title);
            assert_eq!(&row[7], finding.status.to_string());
            assert_eq!(&row[8], finding.reason);
            assert_eq!(&row[13], finding.remediation);
        }
    }
}

#[test]
fn json_is_the_report_with_a_version_in_front() {
    for (name, report) in all_reports() {
        let mut document = parse_json(&render(&report, Format::Json, &fixed_options()));
        let object = document.as_object_mut().unwrap();
        assert_eq!(
            object.remove("schema_version"),
            Some(Value::from(report::json::SCHEMA_VERSION))
        );
        assert_eq!(
            object.remove("generated_at"),
            Some(Value::from("2026-11-22T00:00:00.000Z"))
        );
        assert_eq!(
            object.remove("generator"),
            Some(serde_json::json!({"name": "trailwatch", "version": "0.1.0"}))
        );
        let back: AuditReport = serde_json::from_value(document).unwrap();
        assert_eq!(back, report, "{name}: the JSON holds the whole report");
    }
}

#[test]
fn table_is_plain_without_color_and_wraps_to_the_width() {
    for (name, report) in all_reports() {
        for width in [60, 100] {
            let mut options = fixed_options();
            options.width = width;
            let text = render(&report, Format::Table, &options);
            assert!(!text.contains('\x1b'), "{name}: no escapes without colour");
            for line in text.lines() {
                assert!(
                    line.chars().count() <= width,
                    "{name}: `{line}` is wider than {width}"
                );
            }
            let summary = text.lines().last().unwrap();
            assert_eq!(
                summary,
                format!(
                    "Summary: {} controls: {} PASS, {} FAIL, {} MANUAL, {} ERROR",
                    report.findings.len(),
                    report.summary.pass,
                    report.summary.fail,
                    report.summary.manual,
                    report.summary.error
                )
            );
        }
    }
}

#[test]
fn table_colours_statuses_only_when_asked() {
    let report = every_status_report();
    let mut options = fixed_options();
    options.color = true;
    let text = render(&report, Format::Table, &options);
    assert!(text.contains("\x1b[32mPASS\x1b[0m"));
    assert!(text.contains("\x1b[31mFAIL\x1b[0m"));
    assert!(text.contains("\x1b[33mMANUAL\x1b[0m"));
    assert!(text.contains("\x1b[1;35mERROR\x1b[0m"));
    options.color = false;
    let plain = render(&report, Format::Table, &options);
    let stripped = text
        .replace("\x1b[32m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[1;35m", "")
        .replace("\x1b[0m", "");
    assert_eq!(stripped, plain, "colour changes nothing but the escapes");
}

#[test]
fn table_limits_candidate_chains_and_says_how_many_are_left_out() {
    let report = every_status_report();
    let mut options = fixed_options();
    options.max_candidates = Some(1);
    let text = render(&report, Format::Table, &options);
    assert!(text.contains("candidate 1 (FAIL)"));
    assert!(!text.contains("candidate 2 (FAIL)"));
    assert!(text.contains("not shown: 1 more candidate chain (the json format has every chain)"));
    options.max_candidates = None;
    let text = render(&report, Format::Table, &options);
    assert!(text.contains("candidate 2 (FAIL)"));
    assert!(!text.contains("not shown"));
}

#[test]
fn write_report_writes_what_render_returns() {
    let report = every_status_report();
    let options = fixed_options();
    for format in Format::ALL {
        let mut written = Vec::new();
        report::write_report(&report, format, &options, &mut written).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            render(&report, format, &options)
        );
    }
}
