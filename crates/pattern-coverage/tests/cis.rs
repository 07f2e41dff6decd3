//! The CIS monitoring patterns of every benchmark version, compared by meaning.

use cis_catalogue::{controls, Benchmark, Topic, Variant};
use filter_pattern::{compile, parse};
use pattern_coverage::{covers, Coverage};

fn pattern(text: &str) -> filter_pattern::ast::Pattern {
    parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Checks the witness with the evaluator: the required pattern matches it, the candidate not.
fn check_witness(required: &str, candidate: &str, witness: &serde_json::Value) {
    let event = witness.to_string();
    assert!(
        compile(required).unwrap().matches(&event),
        "{required} should match {event}"
    );
    assert!(
        !compile(candidate).unwrap().matches(&event),
        "{candidate} should not match {event}"
    );
}

fn decide(required: &str, candidate: &str) -> Coverage {
    let answer = covers(&pattern(required), &pattern(candidate));
    if let Coverage::Misses { witness } = &answer {
        check_witness(required, candidate, witness);
    }
    answer
}

fn assert_covers(required: &str, candidate: &str) {
    assert_eq!(
        decide(required, candidate),
        Coverage::Covers,
        "{candidate} should cover {required}"
    );
}

fn assert_misses(required: &str, candidate: &str) -> serde_json::Value {
    match decide(required, candidate) {
        Coverage::Misses { witness } => witness,
        other => panic!("{candidate} should miss some event of {required}, got {other:?}"),
    }
}

const A_OR_B: &str =
    r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;
const ALL_OR: &str = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }"#;
const V4: &str = r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#;
const INTENDED: &str = r#"{(($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && (($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket"))}"#;
const MFA: &str =
    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#;
const MFA_SSO: &str = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#;

#[test]
fn unauthorized_api_calls_variants_nest_as_the_spec_says() {
    let chain = [ALL_OR, A_OR_B, V4, INTENDED];
    for (i, wide) in chain.iter().enumerate() {
        for narrow in &chain[i..] {
            assert_covers(narrow, wide);
        }
        for narrow in &chain[..i] {
            assert_misses(narrow, wide);
        }
    }
}

#[test]
fn mfa_standard_covers_the_sso_variant_only() {
    assert_covers(MFA_SSO, MFA);
    let witness = assert_misses(MFA, MFA_SSO);
    assert_eq!(witness["eventName"], "ConsoleLogin");
}

#[test]
fn route_table_audit_text_is_narrower_than_remediation_text() {
    let remediation = r#"{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#;
    let audit = r#"{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#;
    // The audit text binds as (ec2 && CreateRoute) || ...: only CreateRoute needs the source.
    assert_covers(audit, remediation);
    let witness = assert_misses(remediation, audit);
    assert_eq!(witness["eventName"], "CreateRoute");
    assert_ne!(
        witness.get("eventSource"),
        Some(&serde_json::json!("ec2.amazonaws.com"))
    );
}

/// Every distinct published text of a topic, across all benchmark versions, with a label.
fn published(topic: Topic) -> Vec<(String, &'static str)> {
    let mut texts: Vec<(String, &'static str)> = Vec::new();
    for benchmark in Benchmark::ALL {
        for control in controls(benchmark).into_iter().filter(|c| c.topic == topic) {
            for p in control.patterns() {
                if let Some(wrong) = p.known_wrong {
                    // The published text catches at least what was intended.
                    assert_covers(wrong.intended, p.text);
                }
                if !texts.iter().any(|(_, t)| *t == p.text) {
                    texts.push((format!("{benchmark} {} {}", control.id, p.variant), p.text));
                }
            }
        }
    }
    texts
}

#[test]
fn every_published_variant_is_decided_against_every_other_of_its_topic() {
    for topic in Topic::ALL {
        let texts = published(topic);
        for (left_name, left) in &texts {
            for (right_name, right) in &texts {
                let answer = decide(left, right);
                assert!(
                    !matches!(answer, Coverage::Unknown { .. }),
                    "{left_name} vs {right_name}: {answer:?}"
                );
                if left == right {
                    assert_eq!(answer, Coverage::Covers);
                }
            }
        }
    }
}

#[test]
fn security_group_changes_v5_adds_modify_security_group_rules() {
    let texts = published(Topic::SecurityGroupChanges);
    let old = texts
        .iter()
        .find(|(n, _)| n.starts_with("v1.2.0"))
        .unwrap()
        .1;
    let new = texts
        .iter()
        .find(|(n, _)| n.starts_with("v5.0.0"))
        .unwrap()
        .1;
    assert_covers(old, new);
    let witness = assert_misses(new, old);
    assert_eq!(witness["eventName"], "ModifySecurityGroupRules");
    assert_eq!(witness["eventSource"], "ec2.amazonaws.com");
}

#[test]
fn catalogue_variants_nest_like_the_spec_constants() {
    let mfa = published(Topic::ConsoleSigninWithoutMfa);
    let standard = mfa
        .iter()
        .find(|(n, _)| n.ends_with(&Variant::Standard.to_string()))
        .unwrap()
        .1;
    let sso = mfa
        .iter()
        .find(|(n, _)| n.ends_with(&Variant::Sso.to_string()))
        .unwrap()
        .1;
    assert_covers(sso, standard);
    assert_misses(standard, sso);
    let routes = published(Topic::RouteTableChanges);
    let audit = routes
        .iter()
        .find(|(n, _)| n.ends_with(&Variant::Audit.to_string()))
        .unwrap()
        .1;
    for (name, text) in routes.iter().filter(|(_, t)| *t != audit) {
        assert_covers(audit, text);
        let w = assert_misses(text, audit);
        assert_eq!(w["eventName"], "CreateRoute", "{name}");
    }
}

#[test]
fn edits_that_keep_the_meaning_still_cover() {
    let iam = r#"{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"#;
    let reordered_requoted = r#"{ $.eventName = "DetachGroupPolicy" || $.eventName = "AttachGroupPolicy" || $.eventName = "DetachUserPolicy" || $.eventName = "AttachUserPolicy" || $.eventName = "DetachRolePolicy" || $.eventName = "AttachRolePolicy" || $.eventName = "DeletePolicyVersion" || $.eventName = "CreatePolicyVersion" || $.eventName = "DeletePolicy" || $.eventName = "CreatePolicy" || $.eventName = "PutUserPolicy" || $.eventName = "PutRolePolicy" || $.eventName = "PutGroupPolicy" || $.eventName = "DeleteUserPolicy" || $.eventName = "DeleteRolePolicy" || $.eventName = "DeleteGroupPolicy" }"#;
    let superset = r#"{ ($.eventSource = iam.amazonaws.com) || ($.eventName = Delete*) || ($.eventName = Put*) || ($.eventName = Create*) || ($.eventName = Attach*) || ($.eventName = Detach*) }"#;
    assert_covers(iam, reordered_requoted);
    assert_covers(reordered_requoted, iam);
    assert_covers(iam, superset);
    assert_misses(superset, iam);
    let reparenthesised = r#"{ (($.eventSource = kms.amazonaws.com) && ($.eventName=DisableKey)) || (($.eventName=ScheduleKeyDeletion) && ($.eventSource = kms.amazonaws.com)) }"#;
    let cmk = r#"{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"#;
    assert_covers(cmk, reparenthesised);
    assert_covers(reparenthesised, cmk);
}

#[test]
fn edits_that_lose_events_are_caught_with_a_witness() {
    let trail = r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"#;
    // A missing event name.
    let w = assert_misses(
        trail,
        r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) }"#,
    );
    assert_eq!(w["eventName"], "StopLogging");
    // An added `&&` exclusion.
    let w = assert_misses(
        trail,
        r#"{ (($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging)) && ($.userIdentity.type != "AssumedRole") }"#,
    );
    assert!(w["userIdentity"]["type"] == "AssumedRole" || w["userIdentity"].get("type").is_none());
    // `&&` for `||`.
    let w = assert_misses(
        r#"{ ($.eventName = ConsoleLogin) || ($.errorMessage = "Failed authentication") }"#,
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    );
    assert!(w["eventName"] != "ConsoleLogin" || w["errorMessage"] != "Failed authentication");
    assert_misses(
        A_OR_B,
        r#"{ ($.errorCode = "*UnauthorizedOperation") && ($.errorCode = "AccessDenied*") }"#,
    );
    // `!=` for `=`.
    let root = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
    assert_misses(
        root,
        r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType = "AwsServiceEvent" }"#,
    );
    // A wildcard narrowed.
    let w = assert_misses(
        A_OR_B,
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied") }"#,
    );
    let code = w["errorCode"].as_str().unwrap();
    assert!(code.starts_with("AccessDenied") && code != "AccessDenied");
    // A case changed.
    let w = assert_misses(
        MFA,
        r#"{ ($.eventName = "consolelogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
    );
    assert_eq!(w["eventName"], "ConsoleLogin");
}

#[test]
fn term_pattern_covers_json_pattern_on_its_value() {
    assert_covers(r#"{ $.eventName = "ConsoleLogin" }"#, "ConsoleLogin");
    let w = assert_misses("ConsoleLogin", r#"{ $.eventName = "ConsoleLogin" }"#);
    assert!(w.is_string());
}

#[test]
fn empty_candidate_covers_everything_and_everything_covers_an_unsatisfiable_pattern() {
    assert_covers(MFA, "");
    assert_covers(r#"{ $.a = "x" && $.a = "y" }"#, r#"{ $.b = 1 }"#);
    assert_misses("", MFA);
}

#[test]
fn wildcard_and_regex_conditions_are_decided_where_sound() {
    assert_covers(r#"{ $.a[*] = "x" }"#, r#"{ $.a[*] = "x" || $.b = "y" }"#);
    assert_covers(
        r#"{ $.eventType = %Trail% && $.b = "y" }"#,
        r#"{ $.eventType = %Trail% }"#,
    );
    let w = assert_misses(r#"{ $.a[*] = "x" }"#, r#"{ $.b = "y" }"#);
    assert!(w["a"].is_array());
    let w = assert_misses(
        r#"{ $.eventType = %Trail% }"#,
        r#"{ $.eventType = "UpdateTrail" }"#,
    );
    assert!(w["eventType"].as_str().unwrap().contains("Trail"));
    assert!(matches!(
        decide(r#"{ $.a[*] = "x" }"#, r#"{ $.a[0] = "x" }"#),
        Coverage::Misses { .. } | Coverage::Unknown { .. }
    ));
}

#[test]
fn lints_on_published_patterns_flag_only_real_problems() {
    use pattern_coverage::{lint, lint_source};
    for topic in Topic::ALL {
        for (name, text) in published(topic) {
            let mut codes: Vec<&str> = lint(&pattern(text)).iter().map(|l| l.code).collect();
            codes.extend(lint_source(text).iter().map(|l| l.code));
            for wrong in [
                "unknown-event-name",
                "event-name-case",
                "event-source-mismatch",
                "never-matches",
                "dead-branch",
            ] {
                assert!(!codes.contains(&wrong), "{name}: {wrong} on {text}");
            }
            let expect = |code: &str| codes.contains(&code);
            match topic {
                Topic::UnauthorizedApiCalls if text == ALL_OR => {
                    assert!(expect("near-match-all"), "{name}")
                }
                Topic::UnauthorizedApiCalls if text == V4 => {
                    assert!(expect("mixed-and-or"), "{name}")
                }
                Topic::ConsoleSigninWithoutMfa => assert!(expect("ne-on-optional-field"), "{name}"),
                Topic::RouteTableChanges if name.contains("audit") => {
                    assert!(expect("mixed-and-or"), "{name}")
                }
                _ => assert!(
                    !expect("near-match-all") && !expect("mixed-and-or"),
                    "{name}: {codes:?}"
                ),
            }
        }
    }
}

#[test]
fn term_coverage_respects_number_renderings() {
    // `= "inf"` also matches an out-of-range number (`1e400`, rendered "inf"), whose text
    // does not contain "inf".
    assert!(!matches!(
        decide(r#"{ $.a = "inf" }"#, "inf"),
        Coverage::Covers
    ));
    assert_covers(r#"{ $.a = "infinite" }"#, "infinite");
}
