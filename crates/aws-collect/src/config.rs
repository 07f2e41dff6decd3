//! Where the collector's AWS configuration comes from.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::time::Duration;

/// How to reach the account, and how hard to try.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// A named profile from `~/.aws/config`; `None` uses the standard credential chain.
    pub profile: Option<String>,
    /// The region for the account-wide calls (STS, Organizations, Account); `None` uses the
    /// configured region, or `us-east-1` when none is configured.
    pub region: Option<String>,
    /// The regions to read; `None` reads every enabled region.
    pub regions: Option<Vec<String>>,
    /// The most calls in flight at once.
    pub concurrency: usize,
    /// Attempts per call, including the first (the SDK's standard retry mode with backoff).
    pub max_attempts: u32,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            profile: None,
            region: None,
            regions: None,
            concurrency: 8,
            max_attempts: 5,
        }
    }
}

/// The region used for account-wide calls when neither `--region` nor the environment names one.
pub(crate) const FALLBACK_REGION: &str = "us-east-1";

/// Loads the SDK configuration: the standard credential chain (or `profile`), the standard
/// `AWS_ENDPOINT_URL` override, standard retries with `max_attempts`, and timeouts so a dropped
/// connection is retried instead of hanging.
pub async fn load_config(options: &CollectOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(options.max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    let config = loader.load().await;
    if config.region().is_some() {
        config
    } else {
        config
            .into_builder()
            .region(Region::new(FALLBACK_REGION))
            .build()
    }
}
