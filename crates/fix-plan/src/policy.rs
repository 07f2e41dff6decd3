//! The policy documents the plan attaches to what it creates, as compact JSON.

use serde_json::json;

/// The access policy of a topic trailwatch creates: the account may manage it (as the SNS
/// default policy allows), and `cloudwatch.amazonaws.com` may publish on behalf of this account
/// only (`aws:SourceAccount`).
pub fn topic_policy(partition: &str, account_id: &str, topic_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountOwnerManagesTopic",
                "Effect": "Allow",
                "Principal": { "AWS": format!("arn:{partition}:iam::{account_id}:root") },
                "Action": [
                    "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission",
                    "sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe",
                    "sns:ListSubscriptionsByTopic", "sns:Publish"
                ],
                "Resource": topic_arn,
            },
            {
                "Sid": "CloudWatchAlarmsPublish",
                "Effect": "Allow",
                "Principal": { "Service": "cloudwatch.amazonaws.com" },
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": { "StringEquals": { "aws:SourceAccount": account_id } },
            }
        ]
    })
    .to_string()
}

/// The policy of the KMS key encrypting trailwatch's topic: the account administers it, and
/// CloudWatch may use it to publish to the encrypted topic.
pub fn key_policy(partition: &str, account_id: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": { "AWS": format!("arn:{partition}:iam::{account_id}:root") },
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchUsesKeyForAlarmNotifications",
                "Effect": "Allow",
                "Principal": { "Service": "cloudwatch.amazonaws.com" },
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            }
        ]
    })
    .to_string()
}

/// The trust policy of the trail delivery role: CloudTrail of this account may assume it.
pub fn delivery_trust_policy(account_id: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "cloudtrail.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": account_id } },
        }]
    })
    .to_string()
}

/// The inline policy of the trail delivery role: write log streams of one log group.
pub fn delivery_permissions_policy(log_group_arn_prefix: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": format!("{log_group_arn_prefix}:log-stream:*"),
        }]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn topic_policy_lets_cloudwatch_publish_for_this_account_only() {
        let arn = "arn:aws:sns:eu-west-1:111122223333:t";
        let policy: Value =
            serde_json::from_str(&topic_policy("aws", "111122223333", arn)).unwrap();
        let statement = &policy["Statement"][1];
        assert_eq!(
            statement["Principal"]["Service"],
            "cloudwatch.amazonaws.com"
        );
        assert_eq!(statement["Action"], "sns:Publish");
        assert_eq!(statement["Resource"], arn);
        assert_eq!(
            statement["Condition"]["StringEquals"]["aws:SourceAccount"],
            "111122223333"
        );
    }

    #[test]
    fn key_policy_lets_cloudwatch_decrypt_and_generate_data_keys() {
        let policy: Value = serde_json::from_str(&key_policy("aws", "111122223333")).unwrap();
        let statement = &policy["Statement"][1];
        assert_eq!(
            statement["Principal"]["Service"],
            "cloudwatch.amazonaws.com"
        );
        assert_eq!(
            statement["Action"],
            json!(["kms:Decrypt", "kms:GenerateDataKey*"])
        );
    }
}
