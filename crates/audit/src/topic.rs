//! The topic and subscription links: can CloudWatch publish to the SNS topic, and does anyone
//! receive what it publishes?
//!
//! Topic policy reasoning (a deliberately small model of IAM policy evaluation):
//! - No `Policy` attribute: SNS applies its default policy, which lets the owning account (and so
//!   CloudWatch alarms in it) publish. Allows.
//! - A statement *concerns CloudWatch* when its principal is `*`, `{"AWS": "*"}` or
//!   `{"Service": "cloudwatch.amazonaws.com"}` (also in a list) and its action matches
//!   `sns:Publish` (`sns:Publish`, `sns:*`, `*`, or a glob that matches).
//! - A `Deny` concerning CloudWatch without a condition fails the link. A `Deny` with a
//!   condition other than `aws:SecureTransport = false` (CloudWatch uses TLS) needs a person's
//!   judgement.
//! - An `Allow` concerning CloudWatch without a condition, or with only `aws:SourceOwner` /
//!   `aws:SourceAccount` conditions naming the account, allows. An `Allow` with other conditions
//!   needs judgement. A policy with no allowing statement for CloudWatch fails the link: it only
//!   lets other principals publish.
//! - `NotPrincipal` / `NotAction` statements, and policies that are not valid JSON, need
//!   judgement.
//!
//! Encryption: a topic encrypted with the AWS managed key `alias/aws/sns` cannot receive alarm
//! notifications (CloudWatch may not use that key, and its key policy cannot be changed). A
//! customer managed key passes the link, with a note that its key policy must let
//! `cloudwatch.amazonaws.com` use it (key policies are not collected). A key the snapshot does
//! not describe needs judgement.

use serde_json::Value;
use snapshot::{Snapshot, Subscription, Topic};

/// The verdict on a link that is not simply present.
pub(crate) enum LinkVerdict {
    /// Verified; the strings are notes.
    Ok(Vec<String>),
    /// Broken: what is wrong.
    Broken(String),
    /// Needs a person's judgement: why.
    Judge(String),
}

/// Judges whether CloudWatch alarms of `account_id` can publish to `topic`.
pub(crate) fn judge_topic(topic: &Topic, account_id: &str, snapshot: &Snapshot) -> LinkVerdict {
    let mut notes = Vec::new();
    match topic.attributes.get("Policy") {
        None => {}
        Some(policy) => match judge_policy(policy, account_id) {
            LinkVerdict::Ok(_) => {}
            LinkVerdict::Broken(problem) => {
                return LinkVerdict::Broken(format!(
                "the policy of topic {} {problem}; allow cloudwatch.amazonaws.com to sns:Publish",
                topic.arn
            ))
            }
            LinkVerdict::Judge(why) => {
                return LinkVerdict::Judge(format!("the policy of topic {} {why}", topic.arn))
            }
        },
    }
    if let Some(key) = topic
        .attributes
        .get("KmsMasterKeyId")
        .filter(|k| !k.trim().is_empty())
    {
        let aws_managed_alias = key == "alias/aws/sns" || key.ends_with(":alias/aws/sns");
        let described = snapshot
            .kms_keys
            .iter()
            .find(|k| &k.reference == key || &k.arn == key);
        if aws_managed_alias || described.is_some_and(|k| k.key_manager == "AWS") {
            return LinkVerdict::Broken(format!(
                "topic {} is encrypted with the AWS managed key {key}, which CloudWatch cannot use; encrypt it with a customer managed key whose policy allows cloudwatch.amazonaws.com",
                topic.arn
            ));
        }
        match described {
            Some(_) => notes.push(format!(
                "topic {} is encrypted with customer managed key {key}; its key policy must allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* (not checked)",
                topic.arn
            )),
            None => {
                return LinkVerdict::Judge(format!(
                    "topic {} is encrypted with KMS key {key}, which the snapshot does not describe; check that it is a customer managed key whose policy allows cloudwatch.amazonaws.com",
                    topic.arn
                ))
            }
        }
    }
    LinkVerdict::Ok(notes)
}

/// Judges a topic policy document; the problem text continues "the policy of topic X ...".
fn judge_policy(policy: &str, account_id: &str) -> LinkVerdict {
    let Ok(document) = serde_json::from_str::<Value>(policy) else {
        return LinkVerdict::Judge("is not valid JSON; check it by hand".to_string());
    };
    let statements: Vec<&Value> = match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return LinkVerdict::Judge("has no Statement; check it by hand".to_string()),
    };
    let mut allowed = false;
    let mut judge = None;
    for statement in statements {
        let sid = statement
            .get("Sid")
            .and_then(Value::as_str)
            .map(|s| format!(" (statement {s})"))
            .unwrap_or_default();
        if statement.get("NotPrincipal").is_some() || statement.get("NotAction").is_some() {
            judge.get_or_insert(format!(
                "uses NotPrincipal or NotAction{sid}; check by hand that CloudWatch may publish"
            ));
            continue;
        }
        let concerns = statement
            .get("Principal")
            .is_some_and(principal_is_cloudwatch)
            && statement.get("Action").is_some_and(action_is_publish);
        if !concerns {
            continue;
        }
        let condition = statement.get("Condition").filter(|c| !is_empty_object(c));
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Deny") => match condition {
                None => {
                    return LinkVerdict::Broken(format!("denies sns:Publish to CloudWatch{sid}"))
                }
                Some(c) if is_insecure_transport_only(c) => {}
                Some(_) => {
                    judge.get_or_insert(format!(
                        "denies sns:Publish under a condition{sid}; check that it does not apply to CloudWatch alarms"
                    ));
                }
            },
            Some("Allow") => match condition {
                None => allowed = true,
                Some(c) if is_own_account_condition(c, account_id) => allowed = true,
                Some(_) => {
                    judge.get_or_insert(format!(
                        "allows sns:Publish only under a condition{sid}; check that CloudWatch alarms meet it"
                    ));
                }
            },
            _ => {}
        }
    }
    match (judge, allowed) {
        (Some(why), _) => LinkVerdict::Judge(why),
        (None, true) => LinkVerdict::Ok(Vec::new()),
        (None, false) => LinkVerdict::Broken(
            "does not let CloudWatch publish (it allows sns:Publish only to other principals, if any)"
                .to_string(),
        ),
    }
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(|o| o.is_empty())
}

/// One string or a list of strings, as IAM writes them.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn principal_is_cloudwatch(principal: &Value) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(map) => {
            map.get("AWS").is_some_and(|v| strings(v).contains(&"*"))
                || map
                    .get("Service")
                    .is_some_and(|v| strings(v).contains(&"cloudwatch.amazonaws.com"))
        }
        _ => false,
    }
}

fn action_is_publish(action: &Value) -> bool {
    strings(action)
        .iter()
        .any(|pattern| glob_matches(&pattern.to_ascii_lowercase(), "sns:publish"))
}

/// IAM-style glob: `*` any run, `?` one character.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// `{"Bool": {"aws:SecureTransport": "false"}}`: denies only unencrypted requests.
fn is_insecure_transport_only(condition: &Value) -> bool {
    let Some(map) = condition.as_object() else {
        return false;
    };
    map.len() == 1
        && map
            .get("Bool")
            .and_then(Value::as_object)
            .is_some_and(|keys| {
                keys.len() == 1
                    && keys.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("aws:SecureTransport") && strings(v) == ["false"]
                    })
            })
}

/// Conditions that only require the request to come from this account's resources.
fn is_own_account_condition(condition: &Value, account_id: &str) -> bool {
    let Some(operators) = condition.as_object() else {
        return false;
    };
    operators.iter().all(|(operator, keys)| {
        matches!(
            operator.as_str(),
            "StringEquals" | "StringLike" | "ArnLike" | "ArnEquals"
        ) && keys.as_object().is_some_and(|keys| {
            keys.iter().all(|(key, value)| {
                let key = key.to_ascii_lowercase();
                (key == "aws:sourceowner" || key == "aws:sourceaccount")
                    && strings(value).iter().all(|v| *v == account_id)
            })
        })
    })
}

/// Whether a subscription is confirmed (its ARN is a real ARN, not a placeholder).
pub(crate) fn is_confirmed(subscription: &Subscription) -> bool {
    subscription.arn.starts_with("arn:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(policy: &str) -> &'static str {
        match judge_policy(policy, "111122223333") {
            LinkVerdict::Ok(_) => "ok",
            LinkVerdict::Broken(_) => "broken",
            LinkVerdict::Judge(_) => "judge",
        }
    }

    #[test]
    fn the_default_policy_allows() {
        let default = r#"{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:Publish","SNS:Subscribe"],"Resource":"arn:aws:sns:us-east-1:111122223333:t","Condition":{"StringEquals":{"AWS:SourceOwner":"111122223333"}}}]}"#;
        assert_eq!(verdict(default), "ok");
    }

    #[test]
    fn a_service_principal_allow_allows() {
        let policy = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["cloudwatch.amazonaws.com"]},"Action":"sns:Publish","Resource":"*"}}"#;
        assert_eq!(verdict(policy), "ok");
    }

    #[test]
    fn an_explicit_deny_breaks() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:*","Resource":"*"},{"Effect":"Deny","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Pub*","Resource":"*"}]}"#;
        assert_eq!(verdict(policy), "broken");
    }

    #[test]
    fn allowing_only_other_principals_breaks() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"sns:Publish","Resource":"*"}]}"#;
        assert_eq!(verdict(policy), "broken");
    }

    #[test]
    fn conditions_the_engine_cannot_judge_need_a_person() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;
        assert_eq!(verdict(policy), "judge");
        assert_eq!(verdict("not json"), "judge");
    }

    #[test]
    fn a_secure_transport_deny_does_not_block_cloudwatch() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        assert_eq!(verdict(policy), "ok");
    }

    #[test]
    fn globs() {
        assert!(glob_matches("sns:*", "sns:publish"));
        assert!(glob_matches("*", "sns:publish"));
        assert!(glob_matches("sns:pub?ish", "sns:publish"));
        assert!(!glob_matches("sns:subscribe", "sns:publish"));
    }
}
