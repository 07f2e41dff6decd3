//! Throughput of matching single-line CloudTrail records (the shape CloudTrail delivers to
//! CloudWatch Logs): one CIS filter, all 15 CIS filters as one `PatternSet`, and the floor of
//! `serde_json::from_str::<IgnoredAny>` over the same records.
//!
//! Run: `cargo bench -p filter-pattern --bench match_throughput` (divan prints bytes/s and
//! the time per corpus pass; events/s = corpus events / time). The corpus is the shared
//! samples' `event` objects plus records generated from them with varied names, sources,
//! error codes, identities and IDs: `TRAILWATCH_BENCH_EVENTS` sets the count (default 200000).

use divan::counter::{BytesCount, ItemsCount};
use divan::Bencher;
use filter_pattern::{compile, PatternSet};
use serde_json::Value;
use std::sync::OnceLock;

const CIS: [&str; 15] = [
    r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
    "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
    "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
    "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }",
    "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }",
    "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
];

struct Corpus {
    events: Vec<String>,
    bytes: usize,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/cloudtrail-samples"
        );
        let mut samples: Vec<Value> = Vec::new();
        for file in ["other-events.jsonl", "panther-events.jsonl"] {
            let text = std::fs::read_to_string(format!("{dir}/{file}")).expect("shared samples");
            samples.extend(
                text.lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()["event"].clone()),
            );
        }
        let count: usize = std::env::var("TRAILWATCH_BENCH_EVENTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200_000);
        let names = [
            "GetObject",
            "PutObject",
            "DescribeInstances",
            "AssumeRole",
            "ConsoleLogin",
            "CreateTrail",
            "PutBucketPolicy",
            "AuthorizeSecurityGroupIngress",
            "ListBuckets",
            "Decrypt",
            "GenerateDataKey",
            "CreateRoute",
            "PutRolePolicy",
            "GetCallerIdentity",
        ];
        let sources = [
            "s3.amazonaws.com",
            "ec2.amazonaws.com",
            "kms.amazonaws.com",
            "iam.amazonaws.com",
            "sts.amazonaws.com",
        ];
        let errors = [
            None,
            None,
            None,
            Some("AccessDenied"),
            Some("Client.UnauthorizedOperation"),
            Some("ThrottlingException"),
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut events: Vec<String> = samples.iter().map(|v| v.to_string()).collect();
        while events.len() < count {
            let mut v = samples[next(samples.len())].clone();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("eventName".into(), names[next(names.len())].into());
                obj.insert("eventSource".into(), sources[next(sources.len())].into());
                obj.insert(
                    "eventID".into(),
                    format!(
                        "{:08x}-{:04x}-4{:03x}",
                        next(1 << 31),
                        next(1 << 16),
                        next(1 << 12)
                    )
                    .into(),
                );
                obj.insert(
                    "sourceIPAddress".into(),
                    format!("10.{}.{}.{}", next(256), next(256), next(256)).into(),
                );
                match errors[next(errors.len())] {
                    Some(code) => {
                        obj.insert("errorCode".into(), code.into());
                    }
                    None => {
                        obj.remove("errorCode");
                    }
                }
            }
            events.push(v.to_string());
        }
        let bytes = events.iter().map(|e| e.len() + 1).sum();
        Corpus { events, bytes }
    })
}

fn main() {
    let c = corpus();
    eprintln!(
        "corpus: {} events, {:.1} MB",
        c.events.len(),
        c.bytes as f64 / 1e6
    );
    divan::main();
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn serde_ignored_any_floor(bencher: Bencher) {
    let c = corpus();
    bencher
        .counter(BytesCount::new(c.bytes))
        .counter(ItemsCount::new(c.events.len()))
        .bench(|| {
            c.events
                .iter()
                .filter(|e| serde_json::from_str::<serde::de::IgnoredAny>(e).is_ok())
                .count()
        });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn one_cis_filter_mfa(bencher: Bencher) {
    let c = corpus();
    let p = compile(CIS[1]).unwrap();
    let set = PatternSet::new(vec![p]);
    let mut scratch = set.scratch();
    bencher
        .counter(BytesCount::new(c.bytes))
        .counter(ItemsCount::new(c.events.len()))
        .bench_local(|| {
            c.events
                .iter()
                .filter(|e| set.evaluate(e, &mut scratch)[0])
                .count()
        });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn all_15_cis_filters_as_one_set(bencher: Bencher) {
    let c = corpus();
    let set = PatternSet::new(CIS.iter().map(|t| compile(t).unwrap()).collect());
    let mut scratch = set.scratch();
    bencher
        .counter(BytesCount::new(c.bytes))
        .counter(ItemsCount::new(c.events.len()))
        .bench_local(|| {
            c.events
                .iter()
                .map(|e| set.evaluate(e, &mut scratch).iter().filter(|m| **m).count())
                .sum::<usize>()
        });
}
