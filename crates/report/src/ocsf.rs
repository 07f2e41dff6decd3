//! OCSF: one "Compliance Finding" (class 2003, category 2 Findings) per control, as a JSON
//! array, targeting OCSF schema [`OCSF_VERSION`] with the `cloud` profile.
//!
//! The output is one pretty-printed JSON array (not NDJSON); tools that want one event per line
//! can split it with `jq -c '.[]'`.
//!
//! Mapping choices:
//!
//! - `activity_id` is 1 (Create): each run reports the findings afresh. `type_uid` is
//!   `class_uid * 100 + activity_id` = 200301.
//! - `compliance.status_id`: PASS → 1 Pass, FAIL → 3 Fail, MANUAL → 2 Warning (a person must
//!   judge), ERROR → 99 Other with `status` "Error" (the check could not run; Unknown would
//!   hide that it was tried). `compliance.status_detail` is the finding's reason.
//! - `status_id` (the finding's workflow state): PASS → 4 Resolved, otherwise 1 New.
//! - `severity_id`: PASS → 1 Informational, otherwise 2 Low (Security Hub rates its own
//!   versions of these CIS monitoring controls Low).
//! - `resources`: the account, then every AWS resource of the passing chain or of the
//!   candidate chain that got furthest, with ASFF resource type names.
//! - `unmapped.trailwatch` carries the topic slug, assessment, level and the full evidence,
//!   which OCSF has no place for.

use audit::{AuditReport, Finding, Status};
use serde_json::{json, Value};

use crate::evidence::{display_title, finding_uid, resources, standard_name};
use crate::{home_region, to_json_text, RenderOptions, PRODUCT_NAME};

/// The OCSF schema version the output targets.
pub const OCSF_VERSION: &str = "1.3.0";

/// The Compliance Finding class.
pub const CLASS_UID: u32 = 2003;

/// The Findings category.
pub const CATEGORY_UID: u32 = 2;

/// Create: every run reports its findings as new events.
pub const ACTIVITY_ID: u32 = 1;

/// Renders the JSON array of Compliance Findings.
pub fn render(report: &AuditReport, options: &RenderOptions) -> String {
    let events: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| event(report, finding, options))
        .collect();
    to_json_text(&events)
}

/// One Compliance Finding event.
fn event(report: &AuditReport, finding: &Finding, options: &RenderOptions) -> Value {
    let time = options.epoch_millis();
    let (compliance_status_id, compliance_status) = compliance_status(finding.status);
    let (status_id, status) = match finding.status {
        Status::Pass => (4, "Resolved"),
        Status::Fail | Status::Manual | Status::Error => (1, "New"),
    };
    let (severity_id, severity) = match finding.status {
        Status::Pass => (1, "Informational"),
        Status::Fail | Status::Manual | Status::Error => (2, "Low"),
    };
    let resources: Vec<Value> = resources(report, finding)
        .into_iter()
        .map(|resource| {
            let mut object = json!({
                "uid": resource.id,
                "type": resource.kind.asff_type(),
                "cloud_partition": report.partition,
                "labels": [resource.kind.label()],
            });
            if let Some(name) = resource.name {
                object["name"] = json!(name);
            }
            if let Some(region) = resource.region {
                object["region"] = json!(region);
            }
            object
        })
        .collect();
    json!({
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": finding.reason,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {
                "name": PRODUCT_NAME,
                "vendor_name": PRODUCT_NAME,
                "version": options.tool_version,
            },
        },
        "cloud": {
            "provider": "AWS",
            "region": home_region(report, options),
            "account": {
                "uid": report.account_id,
                "type_id": 10,
                "type": "AWS Account",
            },
        },
        "finding_info": {
            "uid": finding_uid(report, finding),
            "title": display_title(finding),
            "desc": finding.rationale,
            "created_time": time,
            "types": [format!("Industry and Regulatory Standards/{}", standard_name(&finding.benchmark))],
        },
        "compliance": {
            "standards": [standard_name(&finding.benchmark)],
            "control": finding.control_id,
            "requirements": [format!("{} {}", standard_name(&finding.benchmark), finding.control_id)],
            "status_id": compliance_status_id,
            "status": compliance_status,
            "status_detail": finding.reason,
        },
        "remediation": { "desc": finding.remediation },
        "resources": resources,
        "unmapped": {
            "trailwatch": {
                "topic": finding.topic,
                "level": finding.level,
                "assessment": finding.assessment,
                "status": finding.status,
                "evidence": finding.evidence,
                "notes": finding.notes,
                "exception": finding.exception,
                "lints": finding.lints,
            },
        },
    })
}

/// OCSF `compliance.status_id` and `compliance.status` for a verdict.
fn compliance_status(status: Status) -> (u32, &'static str) {
    match status {
        Status::Pass => (1, "Pass"),
        Status::Manual => (2, "Warning"),
        Status::Fail => (3, "Fail"),
        Status::Error => (99, "Error"),
    }
}
