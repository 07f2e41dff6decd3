//! The walk along the monitoring chain: identity and regions, then trails, then log groups,
//! alarms, topics and keys, each stage reading only what the previous one pointed at.

use crate::convert::{self, parse_arn, parse_log_group_arn, sns_topic_region, LogGroupRef};
use crate::error::CallSite;
use crate::regions::{normalize, DEFAULT_ENABLED_REGIONS};
use crate::{CollectError, Collection, Progress};
use aws_config::{Region, SdkConfig};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::display::DisplayErrorContext;
use futures::future::join_all;
use snapshot::{
    Alarm, CallerIdentity, CollectionError, KmsKey, LogGroup, Organization, SecurityHubStatus,
    Snapshot, Topic, Trail,
};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use tokio::sync::Semaphore;

/// One collection run: shared limits, counters and the error list.
pub(crate) struct Collector<'a> {
    config: &'a SdkConfig,
    permits: Semaphore,
    progress: &'a dyn Progress,
    calls: AtomicUsize,
    errors: Mutex<Vec<CollectionError>>,
}

impl<'a> Collector<'a> {
    pub fn new(config: &'a SdkConfig, concurrency: usize, progress: &'a dyn Progress) -> Self {
        Collector {
            config,
            permits: Semaphore::new(concurrency.max(1)),
            progress,
            calls: AtomicUsize::new(0),
            errors: Mutex::new(Vec::new()),
        }
    }

    /// The configuration with `region` in place of the default one.
    fn in_region(&self, region: &str) -> SdkConfig {
        self.config
            .to_builder()
            .region(Region::new(region.to_string()))
            .build()
    }

    /// The region account-wide calls go to.
    fn home(&self) -> String {
        self.config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| crate::config::FALLBACK_REGION.to_string())
    }

    /// Runs one API call (one page) under the concurrency limit and counts it.
    async fn call<F: Future>(&self, call: F) -> F::Output {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let output = call.await;
        let done = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        self.progress.call_finished(done);
        output
    }

    /// Fetches the next page of a paginator under the concurrency limit; counts it as a call
    /// only when there was a page to fetch.
    async fn page<T>(&self, next: impl Future<Output = Option<T>>) -> Option<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let page = next.await;
        if page.is_some() {
            let done = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
            self.progress.call_finished(done);
        }
        page
    }

    fn record(&self, error: CollectionError) {
        self.errors
            .lock()
            .expect("no panics while holding the lock")
            .push(error);
    }

    pub async fn run(self, regions: Option<Vec<String>>) -> Result<Collection, CollectError> {
        let mut warnings = Vec::new();
        self.progress.stage("identity", 1);
        let caller = self.caller_identity().await?;
        let (organization, regions) = futures::join!(self.organization(), async {
            match regions {
                Some(regions) => normalize(regions),
                None => self.enabled_regions(&mut warnings).await,
            }
        });

        self.progress.stage("trails", regions.len());
        let (trail_lists, security_hub) = futures::join!(
            join_all(regions.iter().map(|region| self.describe_trails(region))),
            join_all(regions.iter().map(|region| self.security_hub(region))),
        );
        let mut trails_by_arn = BTreeMap::new();
        for trail in trail_lists.into_iter().flatten() {
            trails_by_arn.entry(trail.arn.clone()).or_insert(trail);
        }

        let log_group_refs: BTreeSet<LogGroupRef> = trails_by_arn
            .values()
            .filter_map(|trail| trail.log_group_arn.as_deref())
            .filter_map(|arn| self.log_group_ref(arn, &caller.account_id))
            .collect();
        self.progress
            .stage("trail details", trails_by_arn.len() + log_group_refs.len());
        let (trails, log_groups) = futures::join!(
            join_all(
                trails_by_arn
                    .into_values()
                    .map(|trail| self.trail_details(trail))
            ),
            join_all(
                log_group_refs
                    .iter()
                    .map(|group| self.metric_filters(group))
            ),
        );
        let mut missing_groups = BTreeSet::new();
        let log_groups: Vec<LogGroup> = log_group_refs
            .iter()
            .zip(log_groups)
            .filter_map(|(group, read)| match read {
                GroupRead::Found(found) => Some(found),
                GroupRead::Missing => {
                    missing_groups.insert(group.clone());
                    None
                }
                GroupRead::Failed => None,
            })
            .collect();
        // The audit matches missing groups by the ARN exactly as the trails name them.
        let missing_log_groups: BTreeSet<String> = trails
            .iter()
            .filter_map(|trail| trail.log_group_arn.clone())
            .filter(|arn| parse_log_group_arn(arn).is_some_and(|g| missing_groups.contains(&g)))
            .collect();

        let metrics: BTreeSet<(String, String, String)> = log_groups
            .iter()
            .flat_map(|group| {
                group.metric_filters.iter().flat_map(move |filter| {
                    filter.transformations.iter().map(move |t| {
                        (
                            group.region.clone(),
                            t.metric_namespace.clone(),
                            t.metric_name.clone(),
                        )
                    })
                })
            })
            .collect();
        self.progress.stage("alarms", metrics.len());
        let mut alarms_by_arn = BTreeMap::new();
        for alarm in join_all(metrics.iter().map(|m| self.alarms_for_metric(m)))
            .await
            .into_iter()
            .flatten()
        {
            alarms_by_arn.entry(alarm.arn.clone()).or_insert(alarm);
        }
        let alarms: Vec<Alarm> = alarms_by_arn.into_values().collect();

        let topic_arns: BTreeSet<&str> = alarms
            .iter()
            .flat_map(|alarm| alarm.alarm_actions.iter())
            .map(String::as_str)
            .filter(|arn| sns_topic_region(arn).is_some())
            .collect();
        self.progress.stage("topics", topic_arns.len());
        let mut topics = Vec::new();
        let mut missing_topics = Vec::new();
        for (arn, read) in topic_arns
            .iter()
            .zip(join_all(topic_arns.iter().map(|arn| self.topic(arn))).await)
        {
            match read {
                TopicRead::Found(topic) => topics.push(topic),
                TopicRead::Missing => missing_topics.push(arn.to_string()),
                TopicRead::Failed => {}
            }
        }

        let key_refs: BTreeSet<(String, String)> = topics
            .iter()
            .filter_map(|topic| {
                let key = topic.attributes.get("KmsMasterKeyId")?;
                (!key.is_empty()).then(|| (topic.region.clone(), key.clone()))
            })
            .collect();
        self.progress.stage("keys", key_refs.len());
        let kms_keys: Vec<KmsKey> = join_all(key_refs.iter().map(|key| self.kms_key(key)))
            .await
            .into_iter()
            .flatten()
            .collect();

        let mut errors = self
            .errors
            .into_inner()
            .expect("no panics while holding the lock");
        errors.sort_by(|a, b| {
            (&a.service, &a.operation, &a.region, &a.resource, &a.message).cmp(&(
                &b.service,
                &b.operation,
                &b.region,
                &b.resource,
                &b.message,
            ))
        });
        let mut snapshot = Snapshot::new(caller);
        snapshot.collected_at = aws_smithy_types::DateTime::from(std::time::SystemTime::now())
            .fmt(Format::DateTime)
            .ok();
        snapshot.collected_by = Some(format!("trailwatch {}", env!("CARGO_PKG_VERSION")));
        snapshot.organization = organization;
        snapshot.regions = regions;
        snapshot.trails = trails;
        snapshot.log_groups = log_groups;
        snapshot.missing_log_groups = missing_log_groups.into_iter().collect();
        snapshot.alarms = alarms;
        snapshot.topics = topics;
        snapshot.missing_topics = missing_topics;
        snapshot.kms_keys = kms_keys;
        snapshot.security_hub = security_hub.into_iter().flatten().collect();
        snapshot.errors = errors;
        Ok(Collection {
            snapshot,
            warnings,
            calls: self.calls.into_inner(),
        })
    }

    async fn caller_identity(&self) -> Result<CallerIdentity, CollectError> {
        let client = aws_sdk_sts::Client::new(&self.in_region(&self.home()));
        let output = self
            .call(client.get_caller_identity().send())
            .await
            .map_err(|e| CollectError::CallerIdentity(DisplayErrorContext(&e).to_string()))?;
        let arn = output.arn().unwrap_or_default().to_string();
        let partition = parse_arn(&arn)
            .map(|a| a.partition.to_string())
            .unwrap_or_else(|| "aws".to_string());
        match output.account() {
            Some(account) if !account.is_empty() => Ok(CallerIdentity {
                account_id: account.to_string(),
                arn,
                partition,
            }),
            _ => Err(CollectError::CallerIdentity(
                "the response named no account".to_string(),
            )),
        }
    }

    /// `DescribeOrganization`; "not in use" means the account is in no organization. Any other
    /// failure (AccessDenied for a member account's auditor is common) leaves it `Unknown` and is
    /// recorded.
    async fn organization(&self) -> Organization {
        let home = self.home();
        let client = aws_sdk_organizations::Client::new(&self.in_region(&home));
        match self.call(client.describe_organization().send()).await {
            Ok(output) => match output.organization() {
                Some(org) => Organization::Member {
                    id: org.id().unwrap_or_default().to_string(),
                    management_account_id: org.master_account_id().unwrap_or_default().to_string(),
                },
                None => Organization::Unknown,
            },
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_aws_organizations_not_in_use_exception()) =>
            {
                Organization::NotInOrganization
            }
            Err(error) => {
                self.record(
                    self.site("organizations", "DescribeOrganization", &home, None)
                        .error(&error),
                );
                Organization::Unknown
            }
        }
    }

    /// `account:ListRegions` (enabled and enabled-by-default), all pages; on failure the built-in
    /// list of default regions, with a warning.
    async fn enabled_regions(&self, warnings: &mut Vec<String>) -> Vec<String> {
        use aws_sdk_account::types::RegionOptStatus;
        let client = aws_sdk_account::Client::new(&self.in_region(&self.home()));
        let mut pages = client
            .list_regions()
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
            .into_paginator()
            .send();
        let mut regions = Vec::new();
        loop {
            match self.page(pages.next()).await {
                None => return normalize(regions),
                Some(Ok(page)) => regions.extend(
                    page.regions()
                        .iter()
                        .filter_map(|r| r.region_name().map(str::to_string)),
                ),
                Some(Err(error)) => {
                    warnings.push(format!(
                        "could not list the enabled regions with account:ListRegions ({}); \
                         reading the {} default regions instead, so opt-in regions are not \
                         covered (pass --regions to choose)",
                        DisplayErrorContext(&error),
                        DEFAULT_ENABLED_REGIONS.len()
                    ));
                    return DEFAULT_ENABLED_REGIONS
                        .iter()
                        .map(|r| r.to_string())
                        .collect();
                }
            }
        }
    }

    fn site<'s>(
        &self,
        service: &'s str,
        operation: &'s str,
        region: &'s str,
        resource: Option<&'s str>,
    ) -> CallSite<'s> {
        CallSite {
            service,
            operation,
            region,
            resource,
        }
    }

    /// `DescribeTrails` with shadow trails in one region (the API has no pagination).
    async fn describe_trails(&self, region: &str) -> Vec<Trail> {
        let client = aws_sdk_cloudtrail::Client::new(&self.in_region(region));
        let output = match self
            .call(client.describe_trails().include_shadow_trails(true).send())
            .await
        {
            Ok(output) => output,
            Err(error) => {
                self.record(
                    self.site("cloudtrail", "DescribeTrails", region, None)
                        .error(&error),
                );
                return Vec::new();
            }
        };
        output
            .trail_list()
            .iter()
            .filter_map(|trail| {
                let arn = trail.trail_arn()?.to_string();
                let home_region = trail
                    .home_region()
                    .map(str::to_string)
                    .or_else(|| parse_arn(&arn).map(|a| a.region.to_string()))
                    .unwrap_or_else(|| region.to_string());
                Some(Trail {
                    name: trail.name().unwrap_or_default().to_string(),
                    arn,
                    home_region,
                    is_multi_region: trail.is_multi_region_trail().unwrap_or(false),
                    is_organization_trail: trail.is_organization_trail().unwrap_or(false),
                    include_global_service_events: trail
                        .include_global_service_events()
                        .unwrap_or(false),
                    s3_bucket_name: trail.s3_bucket_name().map(str::to_string),
                    log_group_arn: trail.cloud_watch_logs_log_group_arn().map(str::to_string),
                    cloudwatch_logs_role_arn: trail.cloud_watch_logs_role_arn().map(str::to_string),
                    kms_key_id: trail.kms_key_id().map(str::to_string),
                    log_file_validation_enabled: trail
                        .log_file_validation_enabled()
                        .unwrap_or(false),
                    status: None,
                    event_selectors: None,
                })
            })
            .collect()
    }

    /// `GetTrailStatus` and `GetEventSelectors` in the trail's home region, by ARN (so an
    /// organization trail of another account is read correctly).
    async fn trail_details(&self, mut trail: Trail) -> Trail {
        let client = aws_sdk_cloudtrail::Client::new(&self.in_region(&trail.home_region));
        let (status, selectors) = futures::join!(
            self.call(client.get_trail_status().name(&trail.arn).send()),
            self.call(client.get_event_selectors().trail_name(&trail.arn).send()),
        );
        let home = trail.home_region.clone();
        let arn = trail.arn.clone();
        match status {
            Ok(output) => trail.status = Some(convert::trail_status(&output)),
            Err(error) => self.record(
                self.site("cloudtrail", "GetTrailStatus", &home, Some(&arn))
                    .error(&error),
            ),
        }
        let site = self.site("cloudtrail", "GetEventSelectors", &home, Some(&arn));
        match selectors {
            Ok(output) => match convert::event_selectors(&output) {
                Ok(selectors) => trail.event_selectors = Some(selectors),
                Err(message) => self.record(site.error_with(None, message)),
            },
            Err(error) => self.record(site.error(&error)),
        }
        trail
    }

    /// The log group a trail delivers to, if its ARN parses and it belongs to the caller's
    /// account; otherwise the reason is recorded. `DescribeMetricFilters` takes a name, not an
    /// ARN, so calling it for another account's group would read a same-named group of the
    /// caller's account instead: that is never done.
    fn log_group_ref(&self, arn: &str, account: &str) -> Option<LogGroupRef> {
        let unreadable = |message: String| {
            let region = parse_arn(arn).map(|a| a.region).unwrap_or_default();
            self.record(
                self.site("logs", "DescribeMetricFilters", region, Some(arn))
                    .error_with(None, message),
            );
            None
        };
        match parse_log_group_arn(arn) {
            None => unreadable(format!("the trail's log group ARN {arn:?} does not parse")),
            Some(group) if group.account != account => unreadable(format!(
                "the log group belongs to account {}, not to the collecting account {account}; \
                 collect from that account to read its metric filters",
                group.account
            )),
            Some(group) => Some(group),
        }
    }

    /// `DescribeMetricFilters` for one log group, all pages. A log group that does not exist is
    /// [`GroupRead::Missing`] (listed in the snapshot's `missing_log_groups`), not an error.
    async fn metric_filters(&self, group: &LogGroupRef) -> GroupRead {
        let client = aws_sdk_cloudwatchlogs::Client::new(&self.in_region(&group.region));
        let mut pages = client
            .describe_metric_filters()
            .log_group_name(&group.name)
            .into_paginator()
            .send();
        let mut filters = Vec::new();
        loop {
            match self.page(pages.next()).await {
                None => break,
                Some(Ok(page)) => {
                    filters.extend(page.metric_filters().iter().map(convert::metric_filter))
                }
                Some(Err(error)) => {
                    if error
                        .as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception())
                    {
                        return GroupRead::Missing;
                    }
                    self.record(
                        self.site(
                            "logs",
                            "DescribeMetricFilters",
                            &group.region,
                            Some(&group.name),
                        )
                        .error(&error),
                    );
                    return GroupRead::Failed;
                }
            }
        }
        GroupRead::Found(LogGroup {
            name: group.name.clone(),
            region: group.region.clone(),
            account_id: group.account.clone(),
            metric_filters: filters,
        })
    }

    /// `DescribeAlarmsForMetric` for one filter metric: one call per metric, whatever else the
    /// account holds (the API returns every alarm on the metric and has no pagination). Alarms
    /// defined by metric math are not returned by it; the CIS controls ask for an alarm on the
    /// filter's metric.
    async fn alarms_for_metric(&self, metric: &(String, String, String)) -> Vec<Alarm> {
        let (region, namespace, name) = metric;
        let client = aws_sdk_cloudwatch::Client::new(&self.in_region(region));
        match self
            .call(
                client
                    .describe_alarms_for_metric()
                    .metric_name(name)
                    .namespace(namespace)
                    .send(),
            )
            .await
        {
            Ok(output) => output
                .metric_alarms()
                .iter()
                .map(|a| convert::alarm(a, region))
                .collect(),
            Err(error) => {
                let resource = format!("{namespace}/{name}");
                self.record(
                    self.site(
                        "cloudwatch",
                        "DescribeAlarmsForMetric",
                        region,
                        Some(&resource),
                    )
                    .error(&error),
                );
                Vec::new()
            }
        }
    }

    /// `GetTopicAttributes`, `ListSubscriptionsByTopic` (all pages) and `ListTagsForResource` for
    /// one topic.
    async fn topic(&self, arn: &str) -> TopicRead {
        let region = sns_topic_region(arn).unwrap_or_default().to_string();
        let client = aws_sdk_sns::Client::new(&self.in_region(&region));
        let attributes = match self
            .call(client.get_topic_attributes().topic_arn(arn).send())
            .await
        {
            Ok(output) => output
                .attributes()
                .map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_not_found_exception()) =>
            {
                return TopicRead::Missing
            }
            Err(error) => {
                self.record(
                    self.site("sns", "GetTopicAttributes", &region, Some(arn))
                        .error(&error),
                );
                return TopicRead::Failed;
            }
        };
        let mut pages = client
            .list_subscriptions_by_topic()
            .topic_arn(arn)
            .into_paginator()
            .send();
        let mut subscriptions = Some(Vec::new());
        loop {
            match self.page(pages.next()).await {
                None => break,
                Some(Ok(page)) => {
                    if let Some(list) = subscriptions.as_mut() {
                        list.extend(page.subscriptions().iter().map(convert::subscription));
                    }
                }
                Some(Err(error)) => {
                    self.record(
                        self.site("sns", "ListSubscriptionsByTopic", &region, Some(arn))
                            .error(&error),
                    );
                    subscriptions = None;
                    break;
                }
            }
        }
        // Tags only let `fix` recognise a topic it created (`trailwatch:managed`); no verdict
        // reads them, so a failed read is recorded against the tags, not the topic, and cannot
        // turn the topic's link into an ERROR.
        let tags = match self
            .call(client.list_tags_for_resource().resource_arn(arn).send())
            .await
        {
            Ok(output) => output
                .tags()
                .iter()
                .map(|tag| (tag.key().to_string(), tag.value().to_string()))
                .collect(),
            Err(error) => {
                let resource = format!("{arn} (tags)");
                self.record(
                    self.site("sns", "ListTagsForResource", &region, Some(&resource))
                        .error(&error),
                );
                BTreeMap::new()
            }
        };
        TopicRead::Found(Topic {
            arn: arn.to_string(),
            region,
            attributes,
            subscriptions,
            tags,
        })
    }

    /// `DescribeKey` for a topic's KMS key, in the topic's region.
    async fn kms_key(&self, key: &(String, String)) -> Option<KmsKey> {
        let (region, reference) = key;
        let client = aws_sdk_kms::Client::new(&self.in_region(region));
        match self
            .call(client.describe_key().key_id(reference).send())
            .await
        {
            Ok(output) => {
                let metadata = output.key_metadata()?;
                Some(KmsKey {
                    reference: reference.clone(),
                    arn: metadata.arn().unwrap_or_default().to_string(),
                    key_manager: metadata
                        .key_manager()
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default(),
                })
            }
            Err(error) => {
                self.record(
                    self.site("kms", "DescribeKey", region, Some(reference))
                        .error(&error),
                );
                None
            }
        }
    }

    /// `DescribeHub`; "not subscribed" means Security Hub is off in that region.
    async fn security_hub(&self, region: &str) -> Option<SecurityHubStatus> {
        let client = aws_sdk_securityhub::Client::new(&self.in_region(region));
        match self.call(client.describe_hub().send()).await {
            Ok(output) => Some(SecurityHubStatus {
                region: region.to_string(),
                enabled: true,
                hub_arn: output.hub_arn().map(str::to_string),
            }),
            Err(error)
                if error.as_service_error().is_some_and(|e| {
                    e.is_invalid_access_exception()
                        && e.meta()
                            .message()
                            .is_some_and(|m| m.to_ascii_lowercase().contains("not subscribed"))
                }) =>
            {
                Some(SecurityHubStatus {
                    region: region.to_string(),
                    enabled: false,
                    hub_arn: None,
                })
            }
            Err(error) => {
                self.record(
                    self.site("securityhub", "DescribeHub", region, None)
                        .error(&error),
                );
                None
            }
        }
    }
}

/// What reading one topic found.
enum TopicRead {
    Found(Topic),
    Missing,
    Failed,
}

/// What reading one log group's metric filters gave.
enum GroupRead {
    /// The group exists; its filters, all pages.
    Found(LogGroup),
    /// AWS says the group does not exist.
    Missing,
    /// The read failed; the error is recorded in the snapshot.
    Failed,
}

#[cfg(test)]
mod tests {
    //! Pagination against recorded responses (moto ignores page sizes and tokens, so the
    //! emulator tests cannot show that every token is followed).

    use super::*;
    use crate::NoProgress;
    use aws_config::BehaviorVersion;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_credential_types::Credentials;
    use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
    use aws_smithy_types::body::SdkBody;

    fn event(response: &str) -> ReplayEvent {
        ReplayEvent::new(
            http::Request::builder()
                .uri("https://example.com/")
                .body(SdkBody::empty())
                .unwrap(),
            http::Response::builder()
                .status(200)
                .header("content-type", "application/x-amz-json-1.1")
                .body(SdkBody::from(response.to_string()))
                .unwrap(),
        )
    }

    fn config(client: &StaticReplayClient) -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKID", "SECRET", None, None, "test",
            )))
            .http_client(client.clone())
            .build()
    }

    fn bodies(client: &StaticReplayClient) -> Vec<String> {
        client
            .actual_requests()
            .map(|r| String::from_utf8_lossy(r.body().bytes().unwrap()).into_owned())
            .collect()
    }

    #[tokio::test]
    async fn a_log_group_aws_says_does_not_exist_is_missing_not_an_error() {
        let client = StaticReplayClient::new(vec![ReplayEvent::new(
            http::Request::builder()
                .uri("https://example.com/")
                .body(SdkBody::empty())
                .unwrap(),
            http::Response::builder()
                .status(400)
                .header("content-type", "application/x-amz-json-1.1")
                .body(SdkBody::from(
                    r#"{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}"#,
                ))
                .unwrap(),
        )]);
        let config = config(&client);
        let collector = Collector::new(&config, 4, &NoProgress);
        let group = LogGroupRef {
            region: "eu-west-1".into(),
            account: "111122223333".into(),
            name: "deleted".into(),
        };
        assert!(matches!(
            collector.metric_filters(&group).await,
            GroupRead::Missing
        ));
        assert!(collector.errors.lock().unwrap().is_empty());
    }

    const FILTER: &str = r#"{"filterName":"F","filterPattern":"{ $.a = 1 }","metricTransformations":[{"metricName":"M","metricNamespace":"N","metricValue":"1"}]}"#;

    #[tokio::test]
    async fn follows_every_metric_filter_page() {
        let client = StaticReplayClient::new(vec![
            event(&format!(
                r#"{{"metricFilters":[{FILTER}],"nextToken":"page-2"}}"#
            )),
            event(&format!(
                r#"{{"metricFilters":[{FILTER}],"nextToken":"page-3"}}"#
            )),
            event(&format!(r#"{{"metricFilters":[{FILTER}]}}"#)),
        ]);
        let config = config(&client);
        let collector = Collector::new(&config, 4, &NoProgress);
        let group = LogGroupRef {
            region: "eu-west-1".into(),
            account: "111122223333".into(),
            name: "trail-logs".into(),
        };
        let GroupRead::Found(read) = collector.metric_filters(&group).await else {
            panic!("the log group was not read");
        };
        assert_eq!(read.metric_filters.len(), 3);
        assert_eq!(read.metric_filters[0].transformations[0].metric_name, "M");
        let bodies = bodies(&client);
        assert_eq!(bodies.len(), 3);
        assert!(!bodies[0].contains("nextToken"), "{}", bodies[0]);
        assert!(
            bodies[1].contains(r#""nextToken":"page-2""#),
            "{}",
            bodies[1]
        );
        assert!(
            bodies[2].contains(r#""nextToken":"page-3""#),
            "{}",
            bodies[2]
        );
        assert_eq!(collector.calls.load(Ordering::Relaxed), 3);
        assert!(collector.errors.lock().unwrap().is_empty());
    }

    fn xml_event(body: &str) -> ReplayEvent {
        ReplayEvent::new(
            http::Request::builder()
                .uri("https://example.com/")
                .body(SdkBody::empty())
                .unwrap(),
            http::Response::builder()
                .status(200)
                .header("content-type", "text/xml")
                .body(SdkBody::from(body.to_string()))
                .unwrap(),
        )
    }

    fn subscriptions_page(endpoint: &str, next: Option<&str>) -> String {
        let next = next
            .map(|t| format!("<NextToken>{t}</NextToken>"))
            .unwrap_or_default();
        format!(
            "<ListSubscriptionsByTopicResponse><ListSubscriptionsByTopicResult><Subscriptions>\
             <member><SubscriptionArn>arn:aws:sns:eu-west-1:1:t:{endpoint}</SubscriptionArn>\
             <Protocol>email</Protocol><Endpoint>{endpoint}</Endpoint></member></Subscriptions>\
             {next}</ListSubscriptionsByTopicResult></ListSubscriptionsByTopicResponse>"
        )
    }

    #[tokio::test]
    async fn follows_every_subscription_page() {
        let client = StaticReplayClient::new(vec![
            xml_event(
                "<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry>\
                 <key>TopicArn</key><value>arn:aws:sns:eu-west-1:1:t</value></entry>\
                 </Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>",
            ),
            xml_event(&subscriptions_page("a@example.com", Some("next-1"))),
            xml_event(&subscriptions_page("b@example.com", None)),
        ]);
        let config = config(&client);
        let collector = Collector::new(&config, 4, &NoProgress);
        let TopicRead::Found(topic) = collector.topic("arn:aws:sns:eu-west-1:1:t").await else {
            panic!("the topic was not read");
        };
        let endpoints: Vec<String> = topic
            .subscriptions
            .unwrap()
            .into_iter()
            .map(|s| s.endpoint)
            .collect();
        assert_eq!(endpoints, vec!["a@example.com", "b@example.com"]);
        assert_eq!(topic.attributes["TopicArn"], "arn:aws:sns:eu-west-1:1:t");
        assert!(bodies(&client)[2].contains("NextToken=next-1"));
    }
}
