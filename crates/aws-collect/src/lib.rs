//! Reads one AWS account's CIS monitoring chain into a [`snapshot::Snapshot`].
//!
//! The collector is read-only and calls exactly the operations listed in
//! `policy/audit-policy.json` (see [`CALLED_OPERATIONS`]): the caller identity, the organization,
//! the enabled regions, every trail with its status and event selectors (read in the trail's home
//! region), the metric filters of the log groups the trails deliver to, the alarms on the metrics
//! those filters publish, the SNS topics those alarms notify with their subscriptions and KMS
//! keys, and Security Hub per region. It never enumerates unrelated resources: the number of calls
//! grows with the chain, not with the account's other log groups or alarms.
//!
//! Independent calls run concurrently (at most [`CollectOptions::concurrency`] at once), the SDK's
//! standard retry mode absorbs throttling, and a call that still fails becomes a
//! [`snapshot::CollectionError`] in the snapshot, so the audit can say ERROR for exactly what it
//! could not read. Only a failure to learn who the caller is aborts the collection.

mod chain;
mod config;
mod convert;
mod error;
mod progress;
mod regions;

pub use config::{load_config, CollectOptions};
pub use progress::{NoProgress, Progress};
pub use regions::DEFAULT_ENABLED_REGIONS;

use aws_config::SdkConfig;
use snapshot::Snapshot;

/// Every operation the collector can call, as IAM actions (`service:Operation`).
///
/// `policy/audit-policy.json` must allow each of these; a test keeps the two in step.
pub const CALLED_OPERATIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "organizations:DescribeOrganization",
    "account:ListRegions",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "logs:DescribeMetricFilters",
    "cloudwatch:DescribeAlarmsForMetric",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "kms:DescribeKey",
    "securityhub:DescribeHub",
];

/// The result of a collection: the snapshot and what the user should be told about it.
#[derive(Debug)]
pub struct Collection {
    /// What was read, with every failed read in [`Snapshot::errors`].
    pub snapshot: Snapshot,
    /// Caveats about the scope (e.g. the enabled regions could not be listed), for stderr.
    pub warnings: Vec<String>,
    /// How many API calls were made (each page and each retry counts once per attempt the SDK
    /// reported as one call; retries inside the SDK are not counted separately).
    pub calls: usize,
}

/// Why a collection could not produce a snapshot at all.
#[derive(Debug)]
pub enum CollectError {
    /// `sts:GetCallerIdentity` failed: without the account id the snapshot would not say which
    /// account it describes (usually missing or expired credentials).
    CallerIdentity(String),
    /// The async runtime could not be started.
    Runtime(std::io::Error),
}

impl std::fmt::Display for CollectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CollectError::CallerIdentity(message) => write!(
                f,
                "could not identify the caller with sts:GetCallerIdentity (check the credentials, \
                 --profile and --region): {message}"
            ),
            CollectError::Runtime(error) => write!(f, "could not start the async runtime: {error}"),
        }
    }
}

impl std::error::Error for CollectError {}

/// Collects a snapshot with an already loaded SDK configuration.
///
/// `regions` is the scope; `None` asks `account:ListRegions` for the enabled regions and falls
/// back to [`DEFAULT_ENABLED_REGIONS`] with a warning when that fails.
pub async fn collect(
    config: &SdkConfig,
    regions: Option<Vec<String>>,
    concurrency: usize,
    progress: &dyn Progress,
) -> Result<Collection, CollectError> {
    chain::Collector::new(config, concurrency, progress)
        .run(regions)
        .await
}

/// Loads the SDK configuration from `options` and collects, on a runtime of its own.
pub fn collect_blocking(
    options: &CollectOptions,
    progress: &dyn Progress,
) -> Result<Collection, CollectError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CollectError::Runtime)?;
    runtime.block_on(async {
        let config = load_config(options).await;
        collect(
            &config,
            options.regions.clone(),
            options.concurrency,
            progress,
        )
        .await
    })
}
