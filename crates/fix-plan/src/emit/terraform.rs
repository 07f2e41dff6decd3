//! The plan as Terraform HCL (`hashicorp/aws` provider).
//!
//! One aliased provider per region (`aws.eu_west_1`), every resource names its provider.
//! Resources created by the plan are referenced by expression (`aws_sns_topic.x.arn`), so
//! Terraform orders them itself; everything else is a literal.

use super::{cli, snake_ident, Idents};
use crate::model::{alarm_settings as alarm, Action, Plan, Tags};
use std::collections::BTreeMap;
use std::fmt::Write;

/// An HCL quoted string: `\`, `"` and control characters escaped, and the template sequences
/// `${` and `%{` doubled so they stay literal text.
pub fn hcl_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn provider(region: &str) -> String {
    format!("aws.{}", region.replace('-', "_"))
}

fn tags_block(out: &mut String, tags: &Tags) {
    let _ = writeln!(out, "  tags = {{");
    for (key, value) in tags {
        let _ = writeln!(out, "    {} = {}", hcl_string(key), hcl_string(value));
    }
    let _ = writeln!(out, "  }}");
}

/// Writes the plan as Terraform.
pub fn emit(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# trailwatch fix plan for account {} as Terraform.",
        plan.account_id
    );
    let _ = writeln!(out, "# Review, then `terraform init && terraform apply`.");
    let _ = writeln!(out, "terraform {{\n  required_providers {{\n    aws = {{\n      source = \"hashicorp/aws\"\n    }}\n  }}\n}}\n");
    for region in plan.regions() {
        // Every region the plan touches gets an aliased provider.
        let _ = writeln!(
            out,
            "provider \"aws\" {{\n  alias  = {}\n  region = {}\n}}\n",
            hcl_string(&region.replace('-', "_")),
            hcl_string(&region)
        );
    }
    let regions = plan.regions();
    let iam_provider = regions
        .first()
        .map(|r| provider(r))
        .unwrap_or_else(|| "aws".into());
    let mut idents = Idents::default();
    // Values created by the plan, and the expression that refers to them.
    let mut refs: BTreeMap<String, String> = BTreeMap::new();
    let value = |refs: &BTreeMap<String, String>, v: &str| {
        refs.get(v).cloned().unwrap_or_else(|| hcl_string(v))
    };
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
        match &step.action {
            Action::CreateLogGroup { region, name, tags } => {
                let id = idents.unique("aws_cloudwatch_log_group", snake_ident(name));
                let _ = writeln!(out, "resource \"aws_cloudwatch_log_group\" \"{id}\" {{");
                let _ = writeln!(out, "  provider = {}", provider(region));
                let _ = writeln!(out, "  name     = {}", hcl_string(name));
                tags_block(&mut out, tags);
                let _ = writeln!(out, "}}");
                refs.insert(name.clone(), format!("aws_cloudwatch_log_group.{id}.name"));
            }
            Action::CreateTrailDeliveryRole {
                role_name,
                trust_policy,
                policy_name,
                permissions_policy,
                tags,
            } => {
                let id = idents.unique("aws_iam_role", snake_ident(role_name));
                let _ = writeln!(out, "resource \"aws_iam_role\" \"{id}\" {{");
                let _ = writeln!(out, "  provider           = {iam_provider}");
                let _ = writeln!(out, "  name               = {}", hcl_string(role_name));
                let _ = writeln!(out, "  assume_role_policy = {}", hcl_string(trust_policy));
                tags_block(&mut out, tags);
                let _ = writeln!(out, "}}\n");
                let _ = writeln!(out, "resource \"aws_iam_role_policy\" \"{id}\" {{");
                let _ = writeln!(out, "  provider = {iam_provider}");
                let _ = writeln!(out, "  name   = {}", hcl_string(policy_name));
                let _ = writeln!(out, "  role   = aws_iam_role.{id}.name");
                let _ = writeln!(out, "  policy = {}", hcl_string(permissions_policy));
                let _ = writeln!(out, "}}");
            }
            Action::UpdateTrail { .. } | Action::StartLogging { .. } => {
                let _ = writeln!(
                    out,
                    "# An existing trail cannot be changed here without importing it; run:"
                );
                for line in cli::command(&step.action).lines() {
                    let _ = writeln!(out, "#   {line}");
                }
            }
            Action::CreateKey {
                region,
                alias,
                policy,
                tags,
            } => {
                let id = idents.unique(
                    "aws_kms_key",
                    snake_ident(alias.trim_start_matches("alias/")),
                );
                let _ = writeln!(out, "resource \"aws_kms_key\" \"{id}\" {{");
                let _ = writeln!(out, "  provider    = {}", provider(region));
                let _ = writeln!(
                    out,
                    "  description = {}",
                    hcl_string("trailwatch: encrypts the CIS alarm topic")
                );
                let _ = writeln!(out, "  policy      = {}", hcl_string(policy));
                tags_block(&mut out, tags);
                let _ = writeln!(out, "}}\n");
                let _ = writeln!(out, "resource \"aws_kms_alias\" \"{id}\" {{");
                let _ = writeln!(out, "  provider      = {}", provider(region));
                let _ = writeln!(out, "  name          = {}", hcl_string(alias));
                let _ = writeln!(out, "  target_key_id = aws_kms_key.{id}.key_id");
                let _ = writeln!(out, "}}");
                refs.insert(alias.clone(), format!("aws_kms_alias.{id}.name"));
            }
            Action::CreateTopic {
                region,
                name,
                arn,
                kms_key,
                tags,
            } => {
                let id = idents.unique("aws_sns_topic", snake_ident(name));
                let _ = writeln!(out, "resource \"aws_sns_topic\" \"{id}\" {{");
                // Aligned as `terraform fmt` aligns them.
                let pad = if kms_key.is_some() {
                    " ".repeat(9)
                } else {
                    String::new()
                };
                let _ = writeln!(out, "  provider {pad}= {}", provider(region));
                let _ = writeln!(out, "  name     {pad}= {}", hcl_string(name));
                if let Some(key) = kms_key {
                    let _ = writeln!(out, "  kms_master_key_id = {}", value(&refs, key));
                }
                tags_block(&mut out, tags);
                let _ = writeln!(out, "}}");
                refs.insert(arn.clone(), format!("aws_sns_topic.{id}.arn"));
            }
            Action::SetTopicPolicy {
                region,
                topic_arn,
                policy,
            } => {
                let id = idents.unique(
                    "aws_sns_topic_policy",
                    format!(
                        "{}_policy",
                        snake_ident(topic_arn.rsplit(':').next().unwrap_or("topic"))
                    ),
                );
                let _ = writeln!(out, "resource \"aws_sns_topic_policy\" \"{id}\" {{");
                let _ = writeln!(out, "  provider = {}", provider(region));
                let _ = writeln!(out, "  arn      = {}", value(&refs, topic_arn));
                let _ = writeln!(out, "  policy   = {}", hcl_string(policy));
                let _ = writeln!(out, "}}");
            }
            Action::Subscribe {
                region,
                topic_arn,
                endpoint,
            } => {
                let id = idents.unique(
                    "aws_sns_topic_subscription",
                    format!(
                        "{}_{}",
                        snake_ident(topic_arn.rsplit(':').next().unwrap_or("topic")),
                        endpoint.protocol
                    ),
                );
                let _ = writeln!(out, "resource \"aws_sns_topic_subscription\" \"{id}\" {{");
                let _ = writeln!(out, "  provider  = {}", provider(region));
                let _ = writeln!(out, "  topic_arn = {}", value(&refs, topic_arn));
                let _ = writeln!(out, "  protocol  = {}", hcl_string(&endpoint.protocol));
                let _ = writeln!(out, "  endpoint  = {}", hcl_string(&endpoint.target));
                let _ = writeln!(out, "}}");
            }
            Action::PutMetricFilter {
                region,
                log_group,
                name,
                pattern,
                pattern_note,
                namespace,
                metric_name,
                metric_value,
            } => {
                if let Some(note) = pattern_note {
                    let _ = writeln!(out, "# note: {}", note.replace('\n', " "));
                }
                let id = idents.unique("aws_cloudwatch_log_metric_filter", snake_ident(name));
                let _ = writeln!(
                    out,
                    "resource \"aws_cloudwatch_log_metric_filter\" \"{id}\" {{"
                );
                let _ = writeln!(out, "  provider       = {}", provider(region));
                let _ = writeln!(out, "  name           = {}", hcl_string(name));
                let _ = writeln!(out, "  log_group_name = {}", value(&refs, log_group));
                let _ = writeln!(out, "  pattern        = {}", hcl_string(pattern));
                let _ = writeln!(out, "  metric_transformation {{");
                let _ = writeln!(out, "    name      = {}", hcl_string(metric_name));
                let _ = writeln!(out, "    namespace = {}", hcl_string(namespace));
                let _ = writeln!(out, "    value     = {}", hcl_string(metric_value));
                let _ = writeln!(out, "  }}");
                let _ = writeln!(out, "}}");
            }
            Action::PutMetricAlarm {
                region,
                name,
                description,
                namespace,
                metric_name,
                topic_arn,
                tags,
            } => {
                let id = idents.unique("aws_cloudwatch_metric_alarm", snake_ident(name));
                let _ = writeln!(out, "resource \"aws_cloudwatch_metric_alarm\" \"{id}\" {{");
                let _ = writeln!(out, "  provider            = {}", provider(region));
                let _ = writeln!(out, "  alarm_name          = {}", hcl_string(name));
                let _ = writeln!(out, "  alarm_description   = {}", hcl_string(description));
                let _ = writeln!(out, "  namespace           = {}", hcl_string(namespace));
                let _ = writeln!(out, "  metric_name         = {}", hcl_string(metric_name));
                let _ = writeln!(
                    out,
                    "  statistic           = {}",
                    hcl_string(alarm::STATISTIC)
                );
                let _ = writeln!(out, "  period              = {}", alarm::PERIOD);
                let _ = writeln!(out, "  threshold           = {}", alarm::THRESHOLD);
                let _ = writeln!(
                    out,
                    "  comparison_operator = {}",
                    hcl_string(alarm::COMPARISON)
                );
                let _ = writeln!(out, "  evaluation_periods  = {}", alarm::EVALUATION_PERIODS);
                let _ = writeln!(
                    out,
                    "  treat_missing_data  = {}",
                    hcl_string(alarm::TREAT_MISSING_DATA)
                );
                let _ = writeln!(out, "  actions_enabled     = true");
                let _ = writeln!(out, "  alarm_actions       = [{}]", value(&refs, topic_arn));
                tags_block(&mut out, tags);
                let _ = writeln!(out, "}}");
            }
        }
        out.push('\n');
    }
    out
}
