//! SARIF 2.1.0: one run, one rule per control, one result per control.
//!
//! Mapping choices:
//!
//! - Rule `id` is the topic slug (e.g. `iam-policy-changes`), which is stable across benchmark
//!   versions while control numbers are not; the control id is in the rule's and each
//!   result's `properties.controlId` and in every message.
//! - Result `kind`/`level`: PASS → `pass`/`none`, FAIL → `fail`/`error`, MANUAL →
//!   `review`/`none` (a person must judge), ERROR → `open`/`none` (the rule was tried but the
//!   tool could not tell whether it is satisfied). SARIF only allows a level other than `none`
//!   with kind `fail`, so every ERROR is also reported as an `error`-level
//!   `toolExecutionNotification` in `invocations[0]`, naming the rule.
//! - There are no files, so `locations` are logical: one per AWS resource the finding concerns,
//!   `kind` `resource`, `fullyQualifiedName` the ARN (or `AWS::::Account:<id>`). Viewers that
//!   insist on a file location (GitHub code scanning) cannot place these results.
//! - `partialFingerprints["trailwatch/v1"]` is the finding's stable id, so viewers track a
//!   finding across runs.

use audit::{AuditReport, Finding, Status};
use serde_json::{json, Value};

use crate::evidence::{details_text, display_title, finding_uid, resources};
use crate::{to_json_text, RenderOptions, PRODUCT_NAME};

/// The `$schema` the log names.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Renders the SARIF log.
pub fn render(report: &AuditReport, options: &RenderOptions) -> String {
    let rules: Vec<Value> = report.findings.iter().map(rule).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .enumerate()
        .map(|(index, finding)| result(report, finding, index))
        .collect();
    let notifications: Vec<Value> = report
        .findings
        .iter()
        .enumerate()
        .filter(|(_, finding)| finding.status == Status::Error)
        .map(|(index, finding)| {
            json!({
                "level": "error",
                "message": { "text": format!("{}: {}", display_title(finding), finding.reason) },
                "associatedRule": { "id": finding.topic, "index": index },
                "timeUtc": options.rfc3339(),
            })
        })
        .collect();
    let mut invocation = json!({
        "executionSuccessful": true,
        "endTimeUtc": options.rfc3339(),
    });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = json!(notifications);
    }
    to_json_text(&json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": PRODUCT_NAME,
                    "version": options.tool_version,
                    "rules": rules,
                },
            },
            "invocations": [invocation],
            "properties": {
                "benchmark": report.benchmark,
                "accountId": report.account_id,
                "partition": report.partition,
                "regions": report.regions,
                "patternMode": report.pattern_mode,
            },
            "results": results,
        }],
    }))
}

/// The rule describing one control.
fn rule(finding: &Finding) -> Value {
    json!({
        "id": finding.topic,
        "name": upper_camel(&finding.topic),
        "shortDescription": { "text": display_title(finding) },
        "fullDescription": { "text": finding.rationale },
        "help": { "text": finding.remediation },
        "properties": {
            "controlId": finding.control_id,
            "benchmark": finding.benchmark,
            "level": finding.level,
            "assessment": finding.assessment,
        },
    })
}

/// The result of one control.
fn result(report: &AuditReport, finding: &Finding, rule_index: usize) -> Value {
    let (kind, level) = match finding.status {
        Status::Pass => ("pass", "none"),
        Status::Fail => ("fail", "error"),
        Status::Manual => ("review", "none"),
        Status::Error => ("open", "none"),
    };
    let details = details_text(finding);
    let mut text = format!(
        "{} {}: {}",
        finding.status,
        display_title(finding),
        finding.reason
    );
    if !details.is_empty() {
        text.push('\n');
        text.push_str(details.trim_end());
    }
    let locations: Vec<Value> = resources(report, finding)
        .into_iter()
        .map(|resource| {
            json!({
                "logicalLocations": [{
                    "name": resource.name.unwrap_or_else(|| resource.id.clone()),
                    "fullyQualifiedName": resource.id,
                    "kind": "resource",
                }],
            })
        })
        .collect();
    json!({
        "ruleId": finding.topic,
        "ruleIndex": rule_index,
        "kind": kind,
        "level": level,
        "message": { "text": text },
        "locations": locations,
        "partialFingerprints": { "trailwatch/v1": finding_uid(report, finding) },
        "properties": {
            "status": finding.status,
            "controlId": finding.control_id,
        },
    })
}

/// `iam-policy-changes` → `IamPolicyChanges`: SARIF wants rule names that read as identifiers.
fn upper_camel(slug: &str) -> String {
    slug.split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::upper_camel;

    #[test]
    fn rule_names_are_upper_camel_case() {
        assert_eq!(upper_camel("iam-policy-changes"), "IamPolicyChanges");
        assert_eq!(upper_camel("root_usage"), "RootUsage");
        assert_eq!(upper_camel("s3-bucket--policy"), "S3BucketPolicy");
    }
}
