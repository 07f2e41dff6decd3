//! `trailwatch policy`: the least-privilege IAM policy a live audit needs.

use clap::Args;
use std::process::ExitCode;

/// The IAM policy document that allows exactly the calls `trailwatch collect` and a live
/// `trailwatch audit` make (all read-only). Tests check both directions: every action it allows
/// is one the collector calls, and every call seen against the emulator is allowed.
pub const AUDIT_POLICY: &str = include_str!("../../../../policy/audit-policy.json");

/// The IAM policy document `trailwatch fix --apply` needs (reads plus the writes it may make).
pub const FIX_POLICY: &str = include_str!("../../../../policy/fix-policy.json");

/// Arguments of `trailwatch policy`.
#[derive(Args)]
pub struct PolicyArgs {
    /// Print the policy for `fix --apply` instead of the read-only audit policy.
    #[arg(long)]
    fix: bool,
}

/// Prints the policy document on stdout.
pub fn run(args: PolicyArgs) -> anyhow::Result<ExitCode> {
    print!("{}", if args.fix { FIX_POLICY } else { AUDIT_POLICY });
    Ok(ExitCode::SUCCESS)
}

/// The actions a policy document allows, in document order.
#[cfg(test)]
fn allowed_actions(policy: &str) -> Vec<String> {
    let document: serde_json::Value = serde_json::from_str(policy).expect("valid JSON");
    let mut actions = Vec::new();
    for statement in document["Statement"].as_array().expect("a Statement list") {
        assert_eq!(statement["Effect"], "Allow");
        match &statement["Action"] {
            serde_json::Value::String(action) => actions.push(action.clone()),
            serde_json::Value::Array(list) => actions.extend(
                list.iter()
                    .map(|a| a.as_str().expect("actions are strings").to_string()),
            ),
            other => panic!("unexpected Action {other}"),
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_policy_is_read_only_and_has_no_wildcards() {
        let actions = allowed_actions(AUDIT_POLICY);
        assert!(!actions.is_empty());
        for action in &actions {
            let (_, operation) = action.split_once(':').expect("service:Operation");
            assert!(!action.contains('*'), "{action}");
            assert!(
                ["Get", "Describe", "List"]
                    .iter()
                    .any(|verb| operation.starts_with(verb)),
                "{action} is not a read"
            );
        }
    }

    #[cfg(feature = "aws")]
    #[test]
    fn the_audit_policy_allows_exactly_what_the_collector_calls() {
        let mut allowed = allowed_actions(AUDIT_POLICY);
        allowed.sort();
        let mut called: Vec<String> = aws_collect::CALLED_OPERATIONS
            .iter()
            .map(|s| s.to_string())
            .collect();
        called.sort();
        assert_eq!(allowed, called);
    }

    #[test]
    fn the_fix_policy_parses() {
        assert!(!allowed_actions(FIX_POLICY).is_empty());
    }
}
