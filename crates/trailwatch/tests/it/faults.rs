//! Throttling, server errors and dropped connections on a seeded share of calls: the audit
//! reaches the fault-free verdicts or says ERROR, and never passes what the fault-free run did
//! not pass.

use crate::audit_live::{expected, scenario, Verdicts};
use crate::harness::bridge::{Fault, FaultPlan};
use crate::harness::{runtime, Moto};
use audit::{AuditOptions, Date, Status};
use cis_catalogue::Benchmark;

/// Collects and evaluates; a collection that could not even identify the caller counts as
/// ERROR for every control (the binary exits 2 without a report then).
fn verdicts_or_errors(moto: &Moto) -> Verdicts {
    let collection = runtime().block_on(async {
        let config = moto.sdk_config("us-east-1").await;
        aws_collect::collect(
            &config,
            Some(vec!["us-east-1".to_string()]),
            8,
            &aws_collect::NoProgress,
        )
        .await
    });
    match collection {
        Ok(collection) => audit::evaluate(
            &collection.snapshot,
            Benchmark::latest(),
            &AuditOptions::new(Date::today_utc()),
        )
        .findings
        .into_iter()
        .map(|f| (f.topic, f.status))
        .collect(),
        Err(_) => expected(&[])
            .into_keys()
            .map(|slug| (slug, Status::Error))
            .collect(),
    }
}

#[test]
fn faults_yield_the_same_verdicts_or_error_never_a_new_pass() {
    let (moto, _) = scenario("us-east-1", &["us-east-1"], async |seeder, account| {
        // One broken chain, so FAIL verdicts are at stake too.
        seeder
            .cloudwatch(&account.region)
            .delete_alarms()
            .alarm_names("iam-policy-changes")
            .send()
            .await
            .expect("DeleteAlarms");
    });
    let clean = verdicts_or_errors(&moto);
    assert_eq!(clean, expected(&["iam-policy-changes"]));

    let mut kinds = std::collections::HashSet::new();
    let mut differing = 0;
    for (seed, percent) in [(1, 30), (2, 30), (3, 60)] {
        moto.bridge.set_faults(Some(FaultPlan { seed, percent }));
        let faulty = verdicts_or_errors(&moto);
        moto.bridge.set_faults(None);
        assert_eq!(faulty.len(), clean.len());
        for (control, status) in &faulty {
            let before = clean[control];
            assert!(
                *status == before || *status == Status::Error,
                "seed {seed}: {control} was {before:?} without faults, {status:?} with them"
            );
            differing += usize::from(*status != before);
        }
    }
    kinds.extend(moto.bridge.injected());
    for kind in [
        Fault::Throttle,
        Fault::TooManyRequests,
        Fault::Unavailable,
        Fault::Dropped,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} was never injected");
    }
    // Retries absorb most faults; at 60 % some calls exhaust their attempts and show as ERROR.
    eprintln!(
        "faults injected: {}, verdicts turned ERROR: {differing}",
        moto.bridge.injected().len()
    );
}
