//! The number of calls depends on the monitoring chain, not on the account's other log groups
//! and alarms.

use crate::audit_live::{expected, scenario, verdicts};
use crate::harness::runtime;
use crate::harness::seed::Seeder;
use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use futures::stream::{self, StreamExt};
use std::time::Instant;

/// Unrelated log groups seeded (the brief's 20,000).
const LOG_GROUPS: usize = 20_000;
/// Unrelated alarms seeded.
const ALARMS: usize = 2_000;

#[test]
fn unrelated_log_groups_and_alarms_cost_no_calls() {
    let (moto, account) = scenario("us-east-1", &["us-east-1"], async |_, _| {});
    let before = moto.bridge.requests();
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[]));
    let calls_without = moto.bridge.requests() - before;

    let started = Instant::now();
    runtime().block_on(async {
        let seeder = Seeder::new(&moto).await;
        let logs = seeder.logs("us-east-1");
        stream::iter(0..LOG_GROUPS)
            .map(|i| {
                let logs = logs.clone();
                async move {
                    logs.create_log_group()
                        .log_group_name(format!("/unrelated/app-{i:05}"))
                        .send()
                        .await
                        .expect("CreateLogGroup")
                }
            })
            .buffer_unordered(32)
            .collect::<Vec<_>>()
            .await;
        let cloudwatch = seeder.cloudwatch("us-east-1");
        stream::iter(0..ALARMS)
            .map(|i| {
                let cloudwatch = cloudwatch.clone();
                let topic = account.topic_arn.clone();
                async move {
                    cloudwatch
                        .put_metric_alarm()
                        .alarm_name(format!("unrelated-{i:04}"))
                        .metric_name(format!("Latency{i}"))
                        .namespace("App")
                        .statistic(Statistic::Average)
                        .period(60)
                        .evaluation_periods(1)
                        .threshold(1.0)
                        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
                        .alarm_actions(topic)
                        .send()
                        .await
                        .expect("PutMetricAlarm")
                }
            })
            .buffer_unordered(32)
            .collect::<Vec<_>>()
            .await;
    });
    eprintln!(
        "seeded {LOG_GROUPS} log groups and {ALARMS} alarms in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let before = moto.bridge.requests();
    let started = Instant::now();
    assert_eq!(verdicts(&moto, &["us-east-1"]), expected(&[]));
    let calls_with = moto.bridge.requests() - before;
    eprintln!(
        "audit with them: {calls_with} calls in {:.2} s (without: {calls_without} calls)",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(calls_with, calls_without);
}
