//! The plan as a bash script of AWS CLI commands.
//!
//! Every argument is single-quoted for the shell; structured arguments (tags, metric
//! transformations, attributes) are passed as JSON, which the CLI accepts for any parameter.
//! The script stops at the first failing command (`set -euo pipefail`). Point it at another
//! endpoint with `AWS_ENDPOINT_URL`, as for any AWS CLI command.

use crate::model::{alarm_settings as alarm, Action, Plan, Tags};
use serde_json::json;
use std::fmt::Write;

/// Quotes `text` as one shell word: inside single quotes, where only `'` needs care.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn tag_list(tags: &Tags) -> String {
    let list: Vec<_> = tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();
    shell_quote(&serde_json::Value::Array(list).to_string())
}

/// The AWS CLI command(s) for one step, one per line; a KMS key's id is kept in `$key_id` for
/// its alias.
pub fn command(action: &Action) -> String {
    let q = |s: &str| shell_quote(s);
    match action {
        Action::CreateLogGroup { region, name, tags } => format!(
            "aws logs create-log-group --region {} --log-group-name {} --tags {}",
            q(region),
            q(name),
            q(&serde_json::to_string(tags).expect("tags serialize"))
        ),
        Action::CreateTrailDeliveryRole { role_name, trust_policy, policy_name, permissions_policy, tags } => format!(
            "aws iam create-role --role-name {} --assume-role-policy-document {} --tags {}\n\
             aws iam put-role-policy --role-name {} --policy-name {} --policy-document {}",
            q(role_name),
            q(trust_policy),
            tag_list(tags),
            q(role_name),
            q(policy_name),
            q(permissions_policy)
        ),
        Action::UpdateTrail { region, trail_arn, log_group_arn, role_arn, make_multi_region, .. } => format!(
            "aws cloudtrail update-trail --region {} --name {} --cloud-watch-logs-log-group-arn {} --cloud-watch-logs-role-arn {}{}",
            q(region),
            q(trail_arn),
            q(log_group_arn),
            q(role_arn),
            if *make_multi_region { " --is-multi-region-trail" } else { "" }
        ),
        Action::StartLogging { region, trail_arn } => {
            format!("aws cloudtrail start-logging --region {} --name {}", q(region), q(trail_arn))
        }
        Action::CreateKey { region, alias, policy, tags } => format!(
            "key_id=$(aws kms create-key --region {} --description {} --policy {} --tags {} --query KeyMetadata.KeyId --output text)\n\
             aws kms create-alias --region {} --alias-name {} --target-key-id \"$key_id\"",
            q(region),
            q("trailwatch: encrypts the CIS alarm topic"),
            q(policy),
            q(&serde_json::Value::Array(
                tags.iter().map(|(k, v)| json!({ "TagKey": k, "TagValue": v })).collect()
            )
            .to_string()),
            q(region),
            q(alias)
        ),
        Action::CreateTopic { region, name, kms_key, tags, .. } => {
            let attributes = kms_key
                .as_ref()
                .map(|key| format!(" --attributes {}", q(&json!({ "KmsMasterKeyId": key }).to_string())))
                .unwrap_or_default();
            format!(
                "aws sns create-topic --region {} --name {}{attributes} --tags {}",
                q(region),
                q(name),
                tag_list(tags)
            )
        }
        Action::SetTopicPolicy { region, topic_arn, policy } => format!(
            "aws sns set-topic-attributes --region {} --topic-arn {} --attribute-name Policy --attribute-value {}",
            q(region),
            q(topic_arn),
            q(policy)
        ),
        Action::Subscribe { region, topic_arn, endpoint } => format!(
            "aws sns subscribe --region {} --topic-arn {} --protocol {} --notification-endpoint {}",
            q(region),
            q(topic_arn),
            q(&endpoint.protocol),
            q(&endpoint.target)
        ),
        Action::PutMetricFilter { region, log_group, name, pattern, namespace, metric_name, metric_value, .. } => format!(
            "aws logs put-metric-filter --region {} --log-group-name {} --filter-name {} --filter-pattern {} --metric-transformations {}",
            q(region),
            q(log_group),
            q(name),
            q(pattern),
            q(&json!([{ "metricName": metric_name, "metricNamespace": namespace, "metricValue": metric_value }]).to_string())
        ),
        Action::PutMetricAlarm { region, name, description, namespace, metric_name, topic_arn, tags } => format!(
            "aws cloudwatch put-metric-alarm --region {} --alarm-name {} --alarm-description {} --namespace {} --metric-name {} \
             --statistic {} --period {} --threshold {} --comparison-operator {} --evaluation-periods {} \
             --treat-missing-data {} --actions-enabled --alarm-actions {} --tags {}",
            q(region),
            q(name),
            q(description),
            q(namespace),
            q(metric_name),
            alarm::STATISTIC,
            alarm::PERIOD,
            alarm::THRESHOLD,
            alarm::COMPARISON,
            alarm::EVALUATION_PERIODS,
            alarm::TREAT_MISSING_DATA,
            q(topic_arn),
            tag_list(tags)
        ),
    }
}

/// Writes the plan as a bash script.
pub fn emit(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/usr/bin/env bash");
    let _ = writeln!(
        out,
        "# trailwatch fix plan for account {} as AWS CLI commands.",
        plan.account_id
    );
    let _ = writeln!(out, "set -euo pipefail\n");
    for (index, step) in plan.steps.iter().enumerate() {
        let _ = writeln!(out, "# Step {}: {}", index + 1, step.action.summary());
        for reason in &step.reasons {
            let _ = writeln!(
                out,
                "# closes {}: {}",
                reason.control_id,
                reason.finding.replace('\n', " ")
            );
        }
        if let Action::PutMetricFilter {
            pattern_note: Some(note),
            ..
        } = &step.action
        {
            let _ = writeln!(out, "# note: {}", note.replace('\n', " "));
        }
        let _ = writeln!(out, "{}\n", command(&step.action));
    }
    for item in &plan.unresolved {
        let _ = writeln!(
            out,
            "# not fixed: {}: {}",
            item.control_id,
            item.message.replace('\n', " ")
        );
    }
    out
}
