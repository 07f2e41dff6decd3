//! Turning a solved event into a readable CloudTrail-shaped witness.
//!
//! The solver fills in only the mentioned paths. Here every CloudTrail field that no mentioned
//! path touches (neither the field nor anything under or above it) gets a typical value, so the
//! witness reads like a real record. Unmentioned fields cannot change what a JSON pattern
//! decides, and the evaluator re-checks the final witness anyway.

use crate::model::PathStep;
use crate::operations::event_sources;
use serde_json::{json, Map, Value};

/// A typical CloudTrail management event, the base every witness starts from.
fn template() -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEPRINCIPAL",
            "arn": "arn:aws:iam::123456789012:user/alice",
            "accountId": "123456789012",
            "accessKeyId": "AKIAEXAMPLEKEYID",
            "userName": "alice"
        },
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "DescribeInstances",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "requestID": "11111111-2222-3333-4444-555555555555",
        "eventID": "66666666-7777-8888-9999-000000000000",
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management"
    })
}

/// Adds CloudTrail fields to `event` wherever no path in `mentioned` is involved, choosing an
/// `eventSource` (and sign-in `eventType`) that fits the event name when those are free.
pub(crate) fn dress(event: Map<String, Value>, mentioned: &[Vec<PathStep>]) -> Value {
    let mut template = template();
    if let (Some(Value::String(name)), Some(slot)) =
        (event.get("eventName"), template.as_object_mut())
    {
        if let Some(source) = event_sources(name).first() {
            slot.insert("eventSource".into(), Value::from(*source));
            if *source == "signin.amazonaws.com" {
                slot.insert("eventType".into(), Value::from("AwsConsoleSignIn"));
            }
        }
    }
    let Value::Object(template) = template else {
        return Value::Object(event);
    };
    let mut event = event;
    merge(&mut event, template, &[], mentioned);
    fit_identity(&mut event, mentioned);
    Value::Object(event)
}

/// Makes the template's identity fields agree with a solved `userIdentity.type`.
fn fit_identity(event: &mut Map<String, Value>, mentioned: &[Vec<PathStep>]) {
    let Some(Value::Object(identity)) = event.get_mut("userIdentity") else {
        return;
    };
    let free = |key: &str| {
        let path = [
            PathStep::Key("userIdentity".into()),
            PathStep::Key(key.into()),
        ];
        !mentioned.iter().any(|m| m.starts_with(&path))
    };
    let arn = match identity.get("type").and_then(Value::as_str) {
        Some("Root") => "arn:aws:iam::123456789012:root",
        Some("AssumedRole") => "arn:aws:sts::123456789012:assumed-role/Admin/alice",
        _ => return,
    };
    if free("arn") && identity.contains_key("arn") {
        identity.insert("arn".into(), Value::from(arn));
    }
    if free("userName") {
        identity.remove("userName");
    }
}

fn merge(
    target: &mut Map<String, Value>,
    defaults: Map<String, Value>,
    at: &[PathStep],
    mentioned: &[Vec<PathStep>],
) {
    for (key, default) in defaults {
        let mut path = at.to_vec();
        path.push(PathStep::Key(key.clone()));
        let touched = mentioned
            .iter()
            .any(|m| m.starts_with(&path) || path.starts_with(m));
        if !touched {
            target.entry(key).or_insert(default);
            continue;
        }
        if let (Some(Value::Object(inner)), Value::Object(inner_defaults)) =
            (target.get_mut(&key), default)
        {
            if !mentioned.contains(&path) {
                merge(inner, inner_defaults, &path, mentioned);
            }
        }
    }
}
