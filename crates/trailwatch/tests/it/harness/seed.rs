//! Seeding moto with a CIS-compliant monitoring chain (and taking pieces of it away).
//!
//! [`Seeder::compliant_account`] builds, for every metric-filter control of the latest benchmark,
//! the full chain: a logging multi-region trail with management events, its log group, a metric
//! filter with the control's published pattern, an alarm on the filter's metric and an SNS topic
//! with a confirmed subscriber (moto confirms every subscription at once), plus Security Hub.
//! Tests then break one link with the SDK and assert the verdicts.

use super::{Moto, ACCOUNT};
use aws_config::{Region, SdkConfig};
use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType};
use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use aws_sdk_cloudwatchlogs::types::MetricTransformation;
use cis_catalogue::{Benchmark, Check};
use futures::future::join_all;

/// The namespace the compliant chain's metrics live in.
pub const NAMESPACE: &str = "CISBenchmark";

/// One control's filter, metric and alarm in the seeded account.
#[derive(Debug, Clone)]
pub struct ControlChain {
    /// The filter name, metric name and alarm name (all the control's slug).
    pub name: String,
    /// The pattern the filter was created with.
    pub pattern: String,
}

/// What [`Seeder::compliant_account`] created.
#[derive(Debug, Clone)]
pub struct Account {
    /// The region the trail, log group, alarms and topic live in.
    pub region: String,
    /// The trail's name.
    pub trail_name: String,
    /// The log group the trail delivers to.
    pub log_group: String,
    /// The alarm topic.
    pub topic_arn: String,
    /// One entry per metric-filter control.
    pub chains: Vec<ControlChain>,
}

/// Creates resources in moto through the bridge with the SDK.
pub struct Seeder<'m> {
    moto: &'m Moto,
    config: SdkConfig,
}

impl<'m> Seeder<'m> {
    /// A seeder for `moto`.
    pub async fn new(moto: &'m Moto) -> Seeder<'m> {
        Seeder {
            moto,
            config: moto.sdk_config("us-east-1").await,
        }
    }

    fn in_region(&self, region: &str) -> SdkConfig {
        self.config
            .to_builder()
            .region(Region::new(region.to_string()))
            .build()
    }

    /// A CloudTrail client in `region`.
    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.in_region(region))
    }

    /// A CloudWatch Logs client in `region`.
    pub fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.in_region(region))
    }

    /// A CloudWatch client in `region` (through the CBOR bridge).
    pub fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.in_region(region))
    }

    /// An SNS client in `region`.
    pub fn sns(&self, region: &str) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.in_region(region))
    }

    /// The ARN CloudTrail expects for a log group.
    pub fn log_group_arn(region: &str, name: &str) -> String {
        format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:{name}:*")
    }

    /// An S3 bucket (straight to moto; CloudTrail requires the bucket to exist).
    pub fn bucket(&self, name: &str) {
        let (status, body) = self
            .moto
            .raw("PUT", &format!("/{name}"), "s3", b"")
            .unwrap();
        assert_eq!(status, 200, "creating bucket {name}: {body}");
    }

    /// Turns Security Hub on in `region` (straight to moto: `POST /accounts`).
    pub fn enable_security_hub(&self, region: &str) {
        let (status, body) = self
            .moto
            .raw_in(region, "POST", "/accounts", "securityhub", b"{}")
            .unwrap();
        assert_eq!(status, 200, "enabling Security Hub in {region}: {body}");
    }

    /// A logging trail with classic selectors recording all management events, delivering to
    /// `log_group` (created here) in `region`.
    pub async fn trail(&self, region: &str, name: &str, log_group: &str, multi_region: bool) {
        self.logs(region)
            .create_log_group()
            .log_group_name(log_group)
            .send()
            .await
            .expect("CreateLogGroup");
        let bucket = format!("trail-bucket-{}", name.to_lowercase());
        self.bucket(&bucket);
        let cloudtrail = self.cloudtrail(region);
        cloudtrail
            .create_trail()
            .name(name)
            .s3_bucket_name(&bucket)
            .is_multi_region_trail(multi_region)
            .include_global_service_events(true)
            .cloud_watch_logs_log_group_arn(Self::log_group_arn(region, log_group))
            .cloud_watch_logs_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/CloudTrailToLogs"))
            .send()
            .await
            .expect("CreateTrail");
        cloudtrail
            .start_logging()
            .name(name)
            .send()
            .await
            .expect("StartLogging");
        self.classic_selectors(region, name, ReadWriteType::All)
            .await;
    }

    /// Replaces a trail's selectors with one classic selector of `read_write_type` that
    /// includes management events.
    pub async fn classic_selectors(
        &self,
        region: &str,
        trail: &str,
        read_write_type: ReadWriteType,
    ) {
        self.cloudtrail(region)
            .put_event_selectors()
            .trail_name(trail)
            .event_selectors(
                EventSelector::builder()
                    .read_write_type(read_write_type)
                    .include_management_events(true)
                    .build(),
            )
            .send()
            .await
            .expect("PutEventSelectors");
    }

    /// A metric filter publishing `1` to `metric` in `namespace`.
    pub async fn filter(
        &self,
        region: &str,
        log_group: &str,
        name: &str,
        pattern: &str,
        metric: &str,
        namespace: &str,
    ) {
        self.logs(region)
            .put_metric_filter()
            .log_group_name(log_group)
            .filter_name(name)
            .filter_pattern(pattern)
            .metric_transformations(
                MetricTransformation::builder()
                    .metric_name(metric)
                    .metric_namespace(namespace)
                    .metric_value("1")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutMetricFilter {name}: {e:?}"));
    }

    /// An alarm on `metric` that notifies `topic_arn` when the sum reaches 1 in 5 minutes.
    pub async fn alarm(
        &self,
        region: &str,
        name: &str,
        metric: &str,
        namespace: &str,
        topic_arn: &str,
    ) {
        self.cloudwatch(region)
            .put_metric_alarm()
            .alarm_name(name)
            .metric_name(metric)
            .namespace(namespace)
            .statistic(Statistic::Sum)
            .period(300)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .alarm_actions(topic_arn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutMetricAlarm {name}: {e:?}"));
    }

    /// A topic with one (immediately confirmed) email subscriber; returns the topic ARN.
    pub async fn topic(&self, region: &str, name: &str) -> String {
        let sns = self.sns(region);
        let arn = sns
            .create_topic()
            .name(name)
            .send()
            .await
            .expect("CreateTopic")
            .topic_arn()
            .expect("a topic ARN")
            .to_string();
        sns.subscribe()
            .topic_arn(&arn)
            .protocol("email")
            .endpoint("secops@example.com")
            .send()
            .await
            .expect("Subscribe");
        arn
    }

    /// The full compliant chain for every metric-filter control of the latest benchmark, with
    /// the trail in `region`, and Security Hub on in `hub_regions`.
    pub async fn compliant_account(&self, region: &str, hub_regions: &[&str]) -> Account {
        let trail_name = "main".to_string();
        let log_group = "CloudTrail/Default".to_string();
        self.trail(region, &trail_name, &log_group, true).await;
        let topic_arn = self.topic(region, "cis-alarms").await;
        for hub_region in hub_regions {
            self.enable_security_hub(hub_region);
        }
        let chains = latest_filter_controls();
        join_all(chains.iter().map(|chain| async {
            self.filter(
                region,
                &log_group,
                &chain.name,
                &chain.pattern,
                &chain.name,
                NAMESPACE,
            )
            .await;
            self.alarm(region, &chain.name, &chain.name, NAMESPACE, &topic_arn)
                .await;
        }))
        .await;
        Account {
            region: region.to_string(),
            trail_name,
            log_group,
            topic_arn,
            chains,
        }
    }
}

/// The metric-filter controls of the latest benchmark, each with its first published pattern
/// (as intended where the published text is known to be wrong).
pub fn latest_filter_controls() -> Vec<ControlChain> {
    cis_catalogue::controls(Benchmark::latest())
        .into_iter()
        .filter_map(|control| match control.check {
            Check::MetricFilterAlarm { patterns } => Some(ControlChain {
                name: control.slug().to_string(),
                pattern: patterns.first()?.effective().to_string(),
            }),
            Check::SecurityHubEnabled => None,
        })
        .collect()
}
