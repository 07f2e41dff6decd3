//! The CIS AWS Foundations Benchmark monitoring patterns (spec §15.1) on CloudTrail-shaped
//! events, and on every shared CloudTrail sample.

use filter_pattern::{compile, CompiledPattern, PatternSet};

/// Spec §15.1, the current (v4.0.1+ / v5 / v6 / v7) text of each of the 15 controls, in order.
const CIS: [(&str, &str); 15] = [
    ("unauthorized-api-calls", r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#),
    ("console-signin-without-mfa", r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#),
    ("root-usage", r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#),
    ("iam-policy-changes", "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"),
    ("cloudtrail-changes", "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"),
    ("console-auth-failures", r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#),
    ("cmk-disable-or-deletion", "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"),
    ("s3-bucket-policy-changes", "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"),
    ("config-changes", "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"),
    ("security-group-changes", "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }"),
    ("nacl-changes", "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"),
    ("network-gateway-changes", "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"),
    ("route-table-changes", "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"),
    ("vpc-changes", "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"),
    ("organizations-changes", r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#),
];

/// Other versions' texts of the same controls (spec §15.1).
const UNAUTHORIZED_V1_2: &str =
    r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;
const UNAUTHORIZED_V1_4: &str = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }"#;
const MFA_SSO: &str = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#;
const ROUTE_AUDIT: &str = "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }";

fn pattern(name: &str) -> CompiledPattern {
    let text = CIS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("known control")
        .1;
    compile(text).unwrap()
}

/// (control, event, expected).
fn check(cases: &[(&str, &str, bool)]) {
    for (name, event, expected) in cases {
        let p = match *name {
            "v1.2" => compile(UNAUTHORIZED_V1_2).unwrap(),
            "v1.4" => compile(UNAUTHORIZED_V1_4).unwrap(),
            "mfa-sso" => compile(MFA_SSO).unwrap(),
            "route-audit" => compile(ROUTE_AUDIT).unwrap(),
            other => pattern(other),
        };
        assert_eq!(p.matches(event), *expected, "{name} on {event}");
    }
}

#[test]
fn all_fifteen_parse_and_print_canonically() {
    for (name, text) in CIS {
        let p =
            filter_pattern::parse(text).unwrap_or_else(|e| panic!("{name}: {}", e.render(text)));
        assert_eq!(filter_pattern::parse(&p.to_string()).unwrap(), p, "{name}");
    }
    // Precedence of the v4.0.1 unauthorized pattern is A || (B && C && D) (spec §15.2).
    let printed = filter_pattern::parse(CIS[0].1).unwrap().to_string();
    assert_eq!(
        printed,
        r#"{ $.errorCode = "*UnauthorizedOperation" || ($.errorCode = "AccessDenied*" && $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket") }"#
    );
}

#[test]
fn unauthorized_api_calls_versions() {
    let unauthorized = r#"{"errorCode":"Client.UnauthorizedOperation","eventName":"RunInstances","sourceIPAddress":"1.2.3.4"}"#;
    let denied_headbucket =
        r#"{"errorCode":"AccessDenied","eventName":"HeadBucket","sourceIPAddress":"1.2.3.4"}"#;
    let denied_delivery = r#"{"errorCode":"AccessDenied","eventName":"GetObject","sourceIPAddress":"delivery.logs.amazonaws.com"}"#;
    let denied = r#"{"errorCode":"AccessDeniedException","eventName":"GetObject","sourceIPAddress":"1.2.3.4"}"#;
    let ok = r#"{"eventName":"GetObject","sourceIPAddress":"1.2.3.4"}"#;
    let no_fields = r#"{"errorCode":"ThrottlingException"}"#;
    check(&[
        ("unauthorized-api-calls", unauthorized, true),
        ("unauthorized-api-calls", denied_headbucket, false),
        ("unauthorized-api-calls", denied_delivery, false),
        ("unauthorized-api-calls", denied, true),
        ("unauthorized-api-calls", ok, false),
        ("v1.2", denied_headbucket, true),
        ("v1.2", ok, false),
        // v1.4–v3.0 all-|| form: C ∨ D is true for nearly every event.
        ("v1.4", ok, true),
        ("v1.4", no_fields, false),
        (
            "v1.4",
            r#"{"eventName":"HeadBucket","sourceIPAddress":"delivery.logs.amazonaws.com"}"#,
            false,
        ),
    ]);
}

#[test]
fn console_signin_without_mfa() {
    check(&[
        (
            "console-signin-without-mfa",
            r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"No"}}"#,
            true,
        ),
        (
            "console-signin-without-mfa",
            r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"Yes"}}"#,
            false,
        ),
        // §15.3: "YES" (upper case) is not "Yes".
        (
            "console-signin-without-mfa",
            r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"YES"}}"#,
            true,
        ),
        // §15.3: absent MFAUsed ⇒ != is false.
        (
            "console-signin-without-mfa",
            r#"{"eventName":"ConsoleLogin","additionalEventData":{}}"#,
            false,
        ),
        (
            "console-signin-without-mfa",
            r#"{"eventName":"ConsoleLogin"}"#,
            false,
        ),
        (
            "console-signin-without-mfa",
            r#"{"eventName":"AssumeRole","additionalEventData":{"MFAUsed":"No"}}"#,
            false,
        ),
        (
            "mfa-sso",
            r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"No"},"userIdentity":{"type":"IAMUser"},"responseElements":{"ConsoleLogin":"Success"}}"#,
            true,
        ),
        (
            "mfa-sso",
            r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"No"},"userIdentity":{"type":"AssumedRole"},"responseElements":{"ConsoleLogin":"Success"}}"#,
            false,
        ),
        (
            "mfa-sso",
            r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"No"},"userIdentity":{"type":"IAMUser"},"responseElements":{"ConsoleLogin":"Failure"}}"#,
            false,
        ),
    ]);
}

#[test]
fn root_usage_invoked_by_null_vs_absent() {
    check(&[
        (
            "root-usage",
            r#"{"userIdentity":{"type":"Root"},"eventType":"AwsApiCall"}"#,
            true,
        ),
        (
            "root-usage",
            r#"{"userIdentity":{"type":"Root"},"eventType":"AwsConsoleSignIn"}"#,
            true,
        ),
        // §15.3: invokedBy present, even null, fails NOT EXISTS.
        (
            "root-usage",
            r#"{"userIdentity":{"type":"Root","invokedBy":null},"eventType":"AwsApiCall"}"#,
            false,
        ),
        (
            "root-usage",
            r#"{"userIdentity":{"type":"Root","invokedBy":"support.amazonaws.com"},"eventType":"AwsApiCall"}"#,
            false,
        ),
        (
            "root-usage",
            r#"{"userIdentity":{"type":"Root"},"eventType":"AwsServiceEvent"}"#,
            false,
        ),
        // eventType absent ⇒ != false.
        ("root-usage", r#"{"userIdentity":{"type":"Root"}}"#, false),
        (
            "root-usage",
            r#"{"userIdentity":{"type":"IAMUser"},"eventType":"AwsApiCall"}"#,
            false,
        ),
    ]);
}

#[test]
fn event_name_controls() {
    let event =
        |source: &str, name: &str| format!(r#"{{"eventSource":"{source}","eventName":"{name}"}}"#);
    let cases = [
        (
            "iam-policy-changes",
            event("iam.amazonaws.com", "PutRolePolicy"),
            true,
        ),
        (
            "iam-policy-changes",
            event("iam.amazonaws.com", "GetRolePolicy"),
            false,
        ),
        (
            "cloudtrail-changes",
            event("cloudtrail.amazonaws.com", "StopLogging"),
            true,
        ),
        (
            "cloudtrail-changes",
            event("cloudtrail.amazonaws.com", "LookupEvents"),
            false,
        ),
        (
            "console-auth-failures",
            r#"{"eventName":"ConsoleLogin","errorMessage":"Failed authentication"}"#.to_string(),
            true,
        ),
        (
            "console-auth-failures",
            r#"{"eventName":"ConsoleLogin","errorMessage":"failed authentication"}"#.to_string(),
            false,
        ),
        (
            "console-auth-failures",
            r#"{"eventName":"ConsoleLogin"}"#.to_string(),
            false,
        ),
        (
            "cmk-disable-or-deletion",
            event("kms.amazonaws.com", "ScheduleKeyDeletion"),
            true,
        ),
        (
            "cmk-disable-or-deletion",
            event("kms.amazonaws.com", "EnableKey"),
            false,
        ),
        (
            "cmk-disable-or-deletion",
            event("kmsXamazonaws.com", "DisableKey"),
            false,
        ),
        (
            "s3-bucket-policy-changes",
            event("s3.amazonaws.com", "PutBucketPolicy"),
            true,
        ),
        (
            "s3-bucket-policy-changes",
            event("s3.amazonaws.com", "GetBucketPolicy"),
            false,
        ),
        (
            "s3-bucket-policy-changes",
            event("ec2.amazonaws.com", "PutBucketPolicy"),
            false,
        ),
        (
            "config-changes",
            event("config.amazonaws.com", "StopConfigurationRecorder"),
            true,
        ),
        (
            "config-changes",
            event("config.amazonaws.com", "DescribeConfigRules"),
            false,
        ),
        (
            "security-group-changes",
            event("ec2.amazonaws.com", "ModifySecurityGroupRules"),
            true,
        ),
        (
            "security-group-changes",
            event("ec2.amazonaws.com", "DescribeSecurityGroups"),
            false,
        ),
        (
            "nacl-changes",
            event("ec2.amazonaws.com", "ReplaceNetworkAclAssociation"),
            true,
        ),
        (
            "nacl-changes",
            event("ec2.amazonaws.com", "CreateNetworkAclX"),
            false,
        ),
        (
            "network-gateway-changes",
            event("ec2.amazonaws.com", "AttachInternetGateway"),
            true,
        ),
        (
            "network-gateway-changes",
            event("ec2.amazonaws.com", "CreateVpnGateway"),
            false,
        ),
        (
            "route-table-changes",
            event("ec2.amazonaws.com", "DisassociateRouteTable"),
            true,
        ),
        (
            "route-table-changes",
            event("ec2.amazonaws.com", "DescribeRouteTables"),
            false,
        ),
        (
            "vpc-changes",
            event("ec2.amazonaws.com", "EnableVpcClassicLink"),
            true,
        ),
        (
            "vpc-changes",
            event("ec2.amazonaws.com", "CreateSubnet"),
            false,
        ),
        (
            "organizations-changes",
            event("organizations.amazonaws.com", "LeaveOrganization"),
            true,
        ),
        (
            "organizations-changes",
            event("iam.amazonaws.com", "CreatePolicy"),
            false,
        ),
        // §15.1 route-table audit text: (A && B) || C || ... — CreateRouteTable from any source.
        (
            "route-audit",
            event("other.amazonaws.com", "CreateRouteTable"),
            true,
        ),
        (
            "route-audit",
            event("other.amazonaws.com", "CreateRoute"),
            false,
        ),
        (
            "route-audit",
            event("ec2.amazonaws.com", "CreateRoute"),
            true,
        ),
    ];
    for (name, event, expected) in cases {
        check(&[(name, &event, expected)]);
    }
}

fn samples() -> Vec<(String, String)> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/cloudtrail-samples"
    );
    let mut out = Vec::new();
    for file in ["other-events.jsonl", "panther-events.jsonl"] {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).expect("shared samples");
        for (i, line) in text.lines().enumerate() {
            let wrapper: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}:{}: {e}", i + 1));
            let name = wrapper["test_name"].as_str().unwrap_or("").to_string();
            out.push((name, serde_json::to_string(&wrapper["event"]).unwrap()));
        }
    }
    out
}

#[test]
fn all_fifteen_over_every_shared_sample() {
    let patterns: Vec<CompiledPattern> = CIS.iter().map(|(_, t)| compile(t).unwrap()).collect();
    let set = PatternSet::new(patterns.clone());
    let mut scratch = set.scratch();
    let samples = samples();
    assert!(samples.len() > 900, "samples: {}", samples.len());
    let mut counts = [0usize; 15];
    for (name, event) in &samples {
        let matched = set.evaluate(event, &mut scratch);
        for (i, p) in patterns.iter().enumerate() {
            assert_eq!(matched[i], p.matches(event), "{} on {name}", CIS[i].0);
            counts[i] += usize::from(matched[i]);
        }
        // Independent oracle for the simple event-name controls: serde_json + a string list.
        let value: serde_json::Value = serde_json::from_str(event).unwrap();
        let name_is = |names: &[&str]| {
            value["eventName"]
                .as_str()
                .is_some_and(|n| names.contains(&n))
        };
        assert_eq!(
            matched[4],
            name_is(&[
                "CreateTrail",
                "UpdateTrail",
                "DeleteTrail",
                "StartLogging",
                "StopLogging"
            ]),
            "cloudtrail-changes on {name}"
        );
        let root = value["userIdentity"]["type"] == "Root"
            && value["userIdentity"].get("invokedBy").is_none()
            && value["eventType"]
                .as_str()
                .is_some_and(|t| t != "AwsServiceEvent");
        assert_eq!(matched[2], root, "root-usage on {name}");
    }
    // Every control is exercised by the samples at least once, none matches everything.
    for (i, count) in counts.iter().enumerate() {
        assert!(*count < samples.len() / 2, "{} matched {count}", CIS[i].0);
    }
    eprintln!("CIS matches over {} samples: {:?}", samples.len(), counts);
}

#[test]
fn hand_checked_sample_records() {
    let samples = samples();
    let find = |needle: &str| {
        let hits: Vec<_> = samples.iter().filter(|(name, _)| name == needle).collect();
        assert_eq!(hits.len(), 1, "sample {needle:?}");
        hits[0].1.clone()
    };
    let set = PatternSet::new(CIS.iter().map(|(_, t)| compile(t).unwrap()).collect());
    let matching = |event: &str| -> Vec<&str> {
        let matched = set.matches(event);
        matched
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(i, _)| CIS[i].0)
            .collect()
    };
    // Root console sign-in with "MFAUsed": "YES" (upper case): not "Yes", so the MFA control
    // fires; root with no invokedBy and eventType AwsConsoleSignIn: root usage fires.
    assert_eq!(
        matching(&find(
            "AWS Management Console sign-in events (example 7, line 250)"
        )),
        ["console-signin-without-mfa", "root-usage"]
    );
    // Failed root sign-in without MFA: also the authentication-failure control.
    assert_eq!(
        matching(&find(
            "AWS Management Console sign-in events (example 8, line 286)"
        )),
        [
            "console-signin-without-mfa",
            "root-usage",
            "console-auth-failures"
        ]
    );
    // IAM user sign-in with "additionalEventData": null: MFAUsed is absent, `!=` is false.
    assert!(matching(&find("Successful Console Login")).is_empty());
    // other-events.jsonl line 1: errorCode "Client.UnauthorizedOperation", eventName
    // GetPasswordData — matches the unauthorized-calls control and nothing else.
    let event = find("aws.credential-access.ec2-get-password-data.json (record 1)");
    assert_eq!(matching(&event), ["unauthorized-api-calls"]);
}

/// The set decodes JSON escapes in values, and compares a number's text form with a string.
#[test]
fn the_set_sees_through_escapes_and_number_text() {
    let set = PatternSet::new(CIS.iter().map(|(_, t)| compile(t).unwrap()).collect());
    let escaped = r#"{"eventSource":"cloudtrail.amazonaws.com","eventName":"Create\u0054rail"}"#;
    let index = CIS
        .iter()
        .position(|(name, _)| *name == "cloudtrail-changes")
        .unwrap();
    assert!(set.matches(escaped)[index]);
    assert!(compile(CIS[index].1).unwrap().matches(escaped));

    let numeric = PatternSet::new(vec![compile(r#"{ $.a = "1000.0" }"#).unwrap()]);
    assert_eq!(numeric.matches(r#"{"a":1e3}"#), [true]);
    let plain = PatternSet::new(vec![compile(r#"{ $.eventName = "ConsoleLogin" }"#).unwrap()]);
    assert_eq!(plain.matches(r#"{"eventName":"ConsoleLogout"}"#), [false]);
    assert_eq!(plain.matches(r#"{"eventName":"ConsoleLogin"}"#), [true]);
}
