//! The plan as a CloudFormation template (YAML).
//!
//! Every string is written as a YAML double-quoted scalar using JSON escapes (a JSON string is a
//! valid YAML double-quoted scalar), and policy documents as JSON flow mappings, so patterns
//! with `"`, `$`, `*`, `{` or `:` survive unchanged. A template deploys to one region: a plan
//! spanning several regions is refused.

use super::{cli, EmitError, Idents};
use crate::model::{alarm_settings as alarm, Action, Plan, Tags};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A YAML double-quoted scalar.
pub fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

/// A CloudFormation logical id: the name's words, capitalised and joined (`cis-iam-x` →
/// `CisIamX`), then `suffix`.
fn logical_id(name: &str, suffix: &str) -> String {
    let mut id: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().expect("non-empty").to_ascii_uppercase();
            std::iter::once(first).chain(chars).collect::<String>()
        })
        .collect();
    if id.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        id.insert(0, 'R');
    }
    id.push_str(suffix);
    id
}

fn tags_property(out: &mut String, tags: &Tags) {
    let _ = writeln!(out, "      Tags:");
    for (key, value) in tags {
        let _ = writeln!(
            out,
            "        - Key: {}\n          Value: {}",
            yaml_string(key),
            yaml_string(value)
        );
    }
}

/// A policy document (JSON text) as a YAML flow mapping.
fn document(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).expect("plan policies are JSON");
    value.to_string()
}

/// Writes the plan as a CloudFormation template.
pub fn emit(plan: &Plan) -> Result<String, EmitError> {
    let regions = plan.regions();
    if regions.len() > 1 {
        return Err(EmitError(format!(
            "the plan spans regions {}; a CloudFormation template deploys to one region: use \
             --emit terraform or --emit cli",
            regions.join(", ")
        )));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# trailwatch fix plan for account {} as CloudFormation.",
        plan.account_id
    );
    if let Some(region) = regions.first() {
        let _ = writeln!(out, "# Deploy in {region}.");
    }
    let _ = writeln!(out, "AWSTemplateFormatVersion: \"2010-09-09\"");
    let _ = writeln!(
        out,
        "Description: {}",
        yaml_string("trailwatch: CIS AWS Foundations monitoring metric filters, alarms and notification topic")
    );
    let mut comments = String::new();
    let mut resources = String::new();
    let mut idents = Idents::default();
    let mut refs: BTreeMap<String, String> = BTreeMap::new();
    let value = |refs: &BTreeMap<String, String>, v: &str| {
        refs.get(v)
            .map(|id| format!("!Ref {id}"))
            .unwrap_or_else(|| yaml_string(v))
    };
    for (index, step) in plan.steps.iter().enumerate() {
        let out = &mut resources;
        let _ = writeln!(out, "  # Step {}: {}", index + 1, step.action.summary());
        for reason in &step.reasons {
            let _ = writeln!(
                out,
                "  # closes {}: {}",
                reason.control_id,
                reason.finding.replace('\n', " ")
            );
        }
        match &step.action {
            Action::CreateLogGroup { name, tags, .. } => {
                let id = idents.unique("logical", logical_id(name, "LogGroup"));
                let _ = writeln!(
                    out,
                    "  {id}:\n    Type: AWS::Logs::LogGroup\n    Properties:"
                );
                let _ = writeln!(out, "      LogGroupName: {}", yaml_string(name));
                tags_property(out, tags);
                refs.insert(name.clone(), id);
            }
            Action::CreateTrailDeliveryRole {
                role_name,
                trust_policy,
                policy_name,
                permissions_policy,
                tags,
            } => {
                let id = idents.unique("logical", logical_id(role_name, "Role"));
                let _ = writeln!(out, "  {id}:\n    Type: AWS::IAM::Role\n    Properties:");
                let _ = writeln!(out, "      RoleName: {}", yaml_string(role_name));
                let _ = writeln!(
                    out,
                    "      AssumeRolePolicyDocument: {}",
                    document(trust_policy)
                );
                let _ = writeln!(out, "      Policies:");
                let _ = writeln!(out, "        - PolicyName: {}", yaml_string(policy_name));
                let _ = writeln!(
                    out,
                    "          PolicyDocument: {}",
                    document(permissions_policy)
                );
                tags_property(out, tags);
            }
            Action::UpdateTrail { .. } | Action::StartLogging { .. } => {
                let _ = writeln!(comments, "# Step {}: {}", index + 1, step.action.summary());
                let _ = writeln!(
                    comments,
                    "# An existing trail cannot be changed by this template; run:"
                );
                for line in cli::command(&step.action).lines() {
                    let _ = writeln!(comments, "#   {line}");
                }
                let _ = writeln!(
                    out,
                    "  # (see the trail commands at the top of this template)"
                );
            }
            Action::CreateKey {
                alias,
                policy,
                tags,
                ..
            } => {
                let base = alias.trim_start_matches("alias/");
                let key = idents.unique("logical", logical_id(base, "Key"));
                let _ = writeln!(out, "  {key}:\n    Type: AWS::KMS::Key\n    Properties:");
                let _ = writeln!(
                    out,
                    "      Description: {}",
                    yaml_string("trailwatch: encrypts the CIS alarm topic")
                );
                let _ = writeln!(out, "      KeyPolicy: {}", document(policy));
                tags_property(out, tags);
                let id = idents.unique("logical", logical_id(base, "KeyAlias"));
                let _ = writeln!(out, "  {id}:\n    Type: AWS::KMS::Alias\n    Properties:");
                let _ = writeln!(out, "      AliasName: {}", yaml_string(alias));
                let _ = writeln!(out, "      TargetKeyId: !Ref {key}");
                refs.insert(alias.clone(), id);
            }
            Action::CreateTopic {
                name,
                arn,
                kms_key,
                tags,
                ..
            } => {
                let id = idents.unique("logical", logical_id(name, "Topic"));
                let _ = writeln!(out, "  {id}:\n    Type: AWS::SNS::Topic\n    Properties:");
                let _ = writeln!(out, "      TopicName: {}", yaml_string(name));
                if let Some(key) = kms_key {
                    let _ = writeln!(out, "      KmsMasterKeyId: {}", value(&refs, key));
                }
                tags_property(out, tags);
                refs.insert(arn.clone(), id);
            }
            Action::SetTopicPolicy {
                topic_arn, policy, ..
            } => {
                let id = idents.unique(
                    "logical",
                    logical_id(
                        topic_arn.rsplit(':').next().unwrap_or("Topic"),
                        "TopicPolicy",
                    ),
                );
                let _ = writeln!(
                    out,
                    "  {id}:\n    Type: AWS::SNS::TopicPolicy\n    Properties:"
                );
                let _ = writeln!(out, "      Topics:\n        - {}", value(&refs, topic_arn));
                let _ = writeln!(out, "      PolicyDocument: {}", document(policy));
            }
            Action::Subscribe {
                topic_arn,
                endpoint,
                ..
            } => {
                let id = idents.unique(
                    "logical",
                    logical_id(
                        topic_arn.rsplit(':').next().unwrap_or("Topic"),
                        "Subscription",
                    ),
                );
                let _ = writeln!(
                    out,
                    "  {id}:\n    Type: AWS::SNS::Subscription\n    Properties:"
                );
                let _ = writeln!(out, "      TopicArn: {}", value(&refs, topic_arn));
                let _ = writeln!(out, "      Protocol: {}", yaml_string(&endpoint.protocol));
                let _ = writeln!(out, "      Endpoint: {}", yaml_string(&endpoint.target));
            }
            Action::PutMetricFilter {
                log_group,
                name,
                pattern,
                pattern_note,
                namespace,
                metric_name,
                metric_value,
                ..
            } => {
                if let Some(note) = pattern_note {
                    let _ = writeln!(out, "  # note: {}", note.replace('\n', " "));
                }
                let id = idents.unique("logical", logical_id(name, "MetricFilter"));
                let _ = writeln!(
                    out,
                    "  {id}:\n    Type: AWS::Logs::MetricFilter\n    Properties:"
                );
                let _ = writeln!(out, "      FilterName: {}", yaml_string(name));
                let _ = writeln!(out, "      LogGroupName: {}", value(&refs, log_group));
                let _ = writeln!(out, "      FilterPattern: {}", yaml_string(pattern));
                let _ = writeln!(out, "      MetricTransformations:");
                let _ = writeln!(out, "        - MetricNamespace: {}", yaml_string(namespace));
                let _ = writeln!(out, "          MetricName: {}", yaml_string(metric_name));
                let _ = writeln!(out, "          MetricValue: {}", yaml_string(metric_value));
            }
            Action::PutMetricAlarm {
                name,
                description,
                namespace,
                metric_name,
                topic_arn,
                tags,
                ..
            } => {
                let id = idents.unique("logical", logical_id(name, "Alarm"));
                let _ = writeln!(
                    out,
                    "  {id}:\n    Type: AWS::CloudWatch::Alarm\n    Properties:"
                );
                let _ = writeln!(out, "      AlarmName: {}", yaml_string(name));
                let _ = writeln!(out, "      AlarmDescription: {}", yaml_string(description));
                let _ = writeln!(out, "      Namespace: {}", yaml_string(namespace));
                let _ = writeln!(out, "      MetricName: {}", yaml_string(metric_name));
                let _ = writeln!(out, "      Statistic: {}", alarm::STATISTIC);
                let _ = writeln!(out, "      Period: {}", alarm::PERIOD);
                let _ = writeln!(out, "      Threshold: {}", alarm::THRESHOLD);
                let _ = writeln!(out, "      ComparisonOperator: {}", alarm::COMPARISON);
                let _ = writeln!(
                    out,
                    "      EvaluationPeriods: {}",
                    alarm::EVALUATION_PERIODS
                );
                let _ = writeln!(out, "      TreatMissingData: {}", alarm::TREAT_MISSING_DATA);
                let _ = writeln!(out, "      ActionsEnabled: true");
                let _ = writeln!(
                    out,
                    "      AlarmActions:\n        - {}",
                    value(&refs, topic_arn)
                );
                tags_property(out, tags);
            }
        }
    }
    out.push_str(&comments);
    if resources.trim().is_empty() || !resources.contains("    Type: ") {
        return Err(EmitError(
            "the plan creates nothing a CloudFormation template can declare".to_string(),
        ));
    }
    let _ = writeln!(out, "Resources:");
    out.push_str(&resources);
    Ok(out)
}
