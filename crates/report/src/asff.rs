//! ASFF: the AWS Security Finding Format, as a `BatchImportFindings` request body
//! (`{"Findings": [...]}`), one finding per control.
//!
//! Import with `aws securityhub batch-import-findings --cli-input-json file://findings.json`
//! into the region named in `ProductArn` ([`crate::RenderOptions::import_region`]). Security
//! Hub takes at most [`MAX_FINDINGS_PER_REQUEST`] findings per request; a benchmark has fewer
//! controls than that.
//!
//! Mapping choices:
//!
//! - `Id` is stable per account, benchmark and control, so importing again updates the finding.
//! - `ProductArn` is the account's default product:
//!   `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`.
//! - `Compliance.Status`: PASS → PASSED, FAIL → FAILED, MANUAL → WARNING (the check ran but a
//!   person must decide), ERROR → NOT_AVAILABLE (the check could not be performed).
//! - `Severity.Label`: PASS → INFORMATIONAL, otherwise LOW, matching how Security Hub rates its
//!   own versions of these controls.
//! - `Workflow.Status`: PASS → RESOLVED, otherwise NEW. `RecordState` is always ACTIVE.
//! - Texts are cut to ASFF's limits, ending in `...`: `Title` [`MAX_TITLE`], `Description`
//!   [`MAX_DESCRIPTION`], `Remediation.Recommendation.Text` [`MAX_RECOMMENDATION`] characters.
//! - `Resources` lists the account first (`AwsAccount`, `AWS::::Account:<id>`), then the chain's
//!   resources, at most [`MAX_RESOURCES`] (the account and the chain come first, so only
//!   Security Hub hubs beyond the limit can be left out; the JSON, OCSF and SARIF formats list
//!   them all). Every resource has `Type`, `Id`, `Partition` and `Region`.

use audit::{AuditReport, Finding, Status};
use serde_json::{json, Value};

use crate::evidence::{
    details_text, display_title, finding_uid, resources, standard_name, truncate_chars,
};
use crate::{home_region, to_json_text, RenderOptions, PRODUCT_NAME};

/// The ASFF schema version Security Hub accepts.
pub const SCHEMA_VERSION: &str = "2018-10-08";

/// The finding type of every CIS control.
pub const FINDING_TYPE: &str =
    "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark";

/// ASFF's limit on `Title`.
pub const MAX_TITLE: usize = 256;

/// ASFF's limit on `Description`.
pub const MAX_DESCRIPTION: usize = 1024;

/// ASFF's limit on `Remediation.Recommendation.Text`.
pub const MAX_RECOMMENDATION: usize = 512;

/// ASFF's limit on `Resources` per finding.
pub const MAX_RESOURCES: usize = 32;

/// Security Hub's limit on findings per `BatchImportFindings` request.
pub const MAX_FINDINGS_PER_REQUEST: usize = 100;

/// Renders the `BatchImportFindings` request body.
pub fn render(report: &AuditReport, options: &RenderOptions) -> String {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| asff_finding(report, finding, options))
        .collect();
    to_json_text(&json!({ "Findings": findings }))
}

/// One ASFF finding.
fn asff_finding(report: &AuditReport, finding: &Finding, options: &RenderOptions) -> Value {
    let region = home_region(report, options);
    let now = options.rfc3339();
    let (compliance, severity, workflow) = match finding.status {
        Status::Pass => ("PASSED", "INFORMATIONAL", "RESOLVED"),
        Status::Fail => ("FAILED", "LOW", "NEW"),
        Status::Manual => ("WARNING", "LOW", "NEW"),
        Status::Error => ("NOT_AVAILABLE", "LOW", "NEW"),
    };
    let resources: Vec<Value> = resources(report, finding)
        .into_iter()
        .take(MAX_RESOURCES)
        .map(|resource| {
            json!({
                "Type": resource.kind.asff_type(),
                "Id": resource.id,
                "Partition": report.partition,
                "Region": resource.region.unwrap_or_else(|| region.clone()),
            })
        })
        .collect();
    let description = format!(
        "{}: {}\n{}",
        finding.status,
        finding.reason,
        details_text(finding)
    );
    json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_uid(report, finding),
        "ProductArn": format!(
            "arn:{}:securityhub:{region}:{account}:product/{account}/default",
            report.partition,
            account = report.account_id
        ),
        "ProductName": PRODUCT_NAME,
        "CompanyName": PRODUCT_NAME,
        "GeneratorId": format!(
            "trailwatch/cis-aws-foundations-benchmark/{}/{}",
            finding.benchmark, finding.control_id
        ),
        "AwsAccountId": report.account_id,
        "Region": region,
        "Types": [FINDING_TYPE],
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": { "Label": severity },
        "Title": truncate_chars(&display_title(finding), MAX_TITLE),
        "Description": truncate_chars(description.trim_end(), MAX_DESCRIPTION),
        "Remediation": {
            "Recommendation": {
                "Text": truncate_chars(&finding.remediation, MAX_RECOMMENDATION),
            },
        },
        "ProductFields": {
            "trailwatch/ControlId": finding.control_id,
            "trailwatch/Topic": finding.topic,
            "trailwatch/Status": finding.status.to_string(),
            "trailwatch/Level": finding.level.to_string(),
        },
        "Resources": resources,
        "Compliance": {
            "Status": compliance,
            "RelatedRequirements": [format!("{}/{}", standard_name(&finding.benchmark), finding.control_id)],
        },
        "RecordState": "ACTIVE",
        "Workflow": { "Status": workflow },
    })
}
