//! Executes a [`fix_plan::Plan`] with the AWS SDK.
//!
//! Guarantees:
//! - **Idempotent.** Before each write the applier looks at what is there. A resource trailwatch
//!   created earlier (tag `trailwatch:managed = true`) is reused; a metric filter (which cannot
//!   be tagged) is recognised as trailwatch's own by its `cis-` name *and* a pattern, namespace,
//!   metric name and value equal to the plan's, and then left as it is; a subscription for the
//!   same protocol and endpoint (confirmed or pending) is not made again.
//! - **Never overwrites or deletes what it did not create.** A name taken by someone else's
//!   resource gets the first free suffix (`-2`, `-3`, ...), and later steps that name it (topic
//!   ARN in alarms and policies, key alias, log group, role) are rewritten to the new name.
//! - **Tags everything it creates** with the plan's tags (`trailwatch:managed`,
//!   `trailwatch:control`).
//! - **Stops at the first failed step**, and the [`ApplyReport`] says exactly what was done
//!   (created / reused / changed) and what was not run.

use aws_config::SdkConfig;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use fix_plan::model::{alarm_settings as alarm, suffixed, Action, Endpoint, Plan, Tags};
use fix_plan::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use std::fmt::Write;

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Test hook: make the n-th write call (1-based) fail before it is sent, to test partial
    /// failure. The command line never sets it.
    #[doc(hidden)]
    pub fail_on_write: Option<usize>,
}

/// What applying a plan did, step by step.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyReport {
    /// One outcome per plan step, in order.
    pub steps: Vec<StepOutcome>,
    /// How many write calls were made.
    pub writes: usize,
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// The step as it ran (after any renames), in one line.
    pub summary: String,
    /// Done, failed or not run.
    pub result: StepResult,
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepResult {
    /// The step completed; what it did to which resources.
    Done(Vec<Effect>),
    /// The step failed; nothing after it ran. `effects` are the writes of this step that
    /// succeeded before the failure (e.g. a key created before its alias failed).
    Failed {
        /// What went wrong.
        error: String,
        /// What the step did before it failed.
        effects: Vec<Effect>,
    },
    /// The step did not run because an earlier one failed.
    NotRun,
}

/// One thing a step did to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Created the resource.
    Created {
        /// What kind of resource, e.g. `SNS topic`.
        kind: &'static str,
        /// Its ARN or name.
        id: String,
        /// The planned name, when it was taken by a resource trailwatch did not create.
        instead_of: Option<String>,
    },
    /// Found it already there as planned (created by trailwatch, or identical to what it would
    /// create) and left it.
    Reused {
        /// What kind of resource.
        kind: &'static str,
        /// Its ARN or name.
        id: String,
    },
    /// Changed an existing resource (a trail, or the policy of trailwatch's own topic).
    Changed {
        /// What kind of resource.
        kind: &'static str,
        /// Its ARN or name.
        id: String,
        /// What changed.
        what: String,
    },
}

impl ApplyReport {
    /// Whether every step completed.
    pub fn succeeded(&self) -> bool {
        self.steps
            .iter()
            .all(|s| matches!(s.result, StepResult::Done(_)))
    }

    /// Every resource created, in order.
    pub fn created(&self) -> Vec<&str> {
        self.effects()
            .filter_map(|e| match e {
                Effect::Created { id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Every effect of every step (including the partial effects of a failed step).
    pub fn effects(&self) -> impl Iterator<Item = &Effect> {
        self.steps.iter().flat_map(|s| match &s.result {
            StepResult::Done(effects) | StepResult::Failed { effects, .. } => effects.as_slice(),
            StepResult::NotRun => &[],
        })
    }

    /// The report as text: every step with what it did, failed or did not run.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (index, step) in self.steps.iter().enumerate() {
            let (mark, effects) = match &step.result {
                StepResult::Done(effects) => ("done", effects.as_slice()),
                StepResult::Failed { effects, .. } => ("FAILED", effects.as_slice()),
                StepResult::NotRun => ("not run", &[][..]),
            };
            let _ = writeln!(out, "{:>3}. [{mark}] {}", index + 1, step.summary);
            for effect in effects {
                let _ = match effect {
                    Effect::Created { kind, id, instead_of: None } => {
                        writeln!(out, "       created {kind} {id}")
                    }
                    Effect::Created { kind, id, instead_of: Some(planned) } => writeln!(
                        out,
                        "       created {kind} {id} ({planned} belongs to someone else and was left alone)"
                    ),
                    Effect::Reused { kind, id } => {
                        writeln!(out, "       kept {kind} {id} (already there as planned)")
                    }
                    Effect::Changed { kind, id, what } => writeln!(out, "       changed {kind} {id}: {what}"),
                };
            }
            if let StepResult::Failed { error, .. } = &step.result {
                let _ = writeln!(out, "       error: {error}");
            }
        }
        out
    }
}

/// Every operation the applier can call, as IAM actions. `policy/fix-policy.json` must allow
/// each of these and each of [`aws_collect::CALLED_OPERATIONS`] (fix collects again after
/// applying); a test keeps them in step.
pub const CALLED_OPERATIONS: &[&str] = &[
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:CreateLogGroup",
    "logs:TagResource",
    "logs:DescribeMetricFilters",
    "logs:PutMetricFilter",
    "iam:GetRole",
    "iam:CreateRole",
    "iam:TagRole",
    "iam:PutRolePolicy",
    "iam:PassRole",
    "cloudtrail:UpdateTrail",
    "cloudtrail:StartLogging",
    "kms:DescribeKey",
    "kms:ListResourceTags",
    "kms:CreateKey",
    "kms:TagResource",
    "kms:CreateAlias",
    "sns:GetTopicAttributes",
    "sns:ListTagsForResource",
    "sns:CreateTopic",
    "sns:TagResource",
    "sns:SetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:Subscribe",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:ListTagsForResource",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:TagResource",
];

/// Loads the SDK configuration the way the collector does ([`aws_collect::load_config`]) and
/// applies the plan on a runtime of its own.
pub fn apply_blocking(
    options: &aws_collect::CollectOptions,
    plan: &Plan,
    apply_options: &ApplyOptions,
) -> std::io::Result<ApplyReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok(runtime.block_on(async {
        let config = aws_collect::load_config(options).await;
        apply(&config, plan, apply_options).await
    }))
}

/// Applies the plan, stopping at the first failed step.
pub async fn apply(config: &SdkConfig, plan: &Plan, options: &ApplyOptions) -> ApplyReport {
    let mut applier = Applier {
        config,
        options,
        writes: 0,
    };
    let mut actions: Vec<Action> = plan.steps.iter().map(|s| s.action.clone()).collect();
    let mut steps = Vec::with_capacity(actions.len());
    let mut failed = false;
    for index in 0..actions.len() {
        let summary = actions[index].summary();
        if failed {
            steps.push(StepOutcome {
                summary,
                result: StepResult::NotRun,
            });
            continue;
        }
        let mut effects = Vec::new();
        let result = applier.run(&actions[index], &mut effects).await;
        let summary = actions[index].summary();
        match result {
            Ok(renames) => {
                for (old, new) in renames {
                    for later in &mut actions[index + 1..] {
                        rename_in(later, &old, &new);
                    }
                }
                steps.push(StepOutcome {
                    summary,
                    result: StepResult::Done(effects),
                });
            }
            Err(error) => {
                failed = true;
                steps.push(StepOutcome {
                    summary,
                    result: StepResult::Failed { error, effects },
                });
            }
        }
    }
    ApplyReport {
        steps,
        writes: applier.writes,
    }
}

/// `(old, new)`: a value later steps must see renamed (an ARN, alias, name).
type Renames = Vec<(String, String)>;

struct Applier<'a> {
    config: &'a SdkConfig,
    options: &'a ApplyOptions,
    writes: usize,
}

/// Formats an SDK error with its code and full context.
fn sdk_error<E>(operation: &str, error: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{operation}: {code}: {message}"),
        (Some(code), None) => format!("{operation}: {code}"),
        _ => format!("{operation}: {}", DisplayErrorContext(error)),
    }
}

fn error_code<E: ProvideErrorMetadata>(error: &E) -> Option<&str> {
    error.code()
}

fn is_managed<'t>(mut tags: impl Iterator<Item = (&'t str, &'t str)>) -> bool {
    tags.any(|(k, v)| k == MANAGED_TAG_KEY && v == MANAGED_TAG_VALUE)
}

/// A planned name split into its base and suffix number: `x-3` is (`x`, 3), `x` is (`x`, 1).
fn name_base(planned: &str) -> (&str, u32) {
    match planned.rsplit_once('-') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            match n.parse::<u32>() {
                Ok(n) if n >= 2 => (base, n),
                _ => (planned, 1),
            }
        }
        _ => (planned, 1),
    }
}

/// The planned name, then the next free-looking ones: `name`, `name-2`, `name-3`, ...; a
/// planned name that already ends in a suffix counts on from it (`x-2`, `x-3`, ...).
fn candidates(planned: &str) -> impl Iterator<Item = String> + '_ {
    let (base, first) = name_base(planned);
    suffixed(base, first).take(50)
}

impl Applier<'_> {
    /// The SDK configuration for the region the action lives in.
    fn in_region(&self, action: &Action) -> SdkConfig {
        let region = action.region().unwrap_or_default().to_string();
        self.config
            .to_builder()
            .region(aws_config::Region::new(region))
            .build()
    }

    /// Counts a write; fails it when the test hook says so.
    fn write(&mut self, operation: &str) -> Result<(), String> {
        self.writes += 1;
        if self.options.fail_on_write == Some(self.writes) {
            return Err(format!(
                "{operation}: injected failure on write {}",
                self.writes
            ));
        }
        Ok(())
    }

    fn logs(&self, action: &Action) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.in_region(action))
    }

    fn cloudwatch(&self, action: &Action) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.in_region(action))
    }

    fn sns(&self, action: &Action) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.in_region(action))
    }

    fn kms(&self, action: &Action) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.in_region(action))
    }

    fn cloudtrail(&self, action: &Action) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.in_region(action))
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(self.config)
    }

    async fn run(&mut self, action: &Action, effects: &mut Vec<Effect>) -> Result<Renames, String> {
        match action {
            Action::CreateLogGroup { name, tags, .. } => {
                self.create_log_group(action, name, tags, effects).await
            }
            Action::CreateTrailDeliveryRole {
                role_name,
                trust_policy,
                policy_name,
                permissions_policy,
                tags,
            } => {
                self.create_role(
                    role_name,
                    trust_policy,
                    policy_name,
                    permissions_policy,
                    tags,
                    effects,
                )
                .await
            }
            Action::UpdateTrail {
                trail_arn,
                log_group_arn,
                role_arn,
                make_multi_region,
                ..
            } => {
                self.update_trail(
                    action,
                    trail_arn,
                    log_group_arn,
                    role_arn,
                    *make_multi_region,
                    effects,
                )
                .await?;
                Ok(vec![])
            }
            Action::StartLogging { trail_arn, .. } => {
                self.write("cloudtrail:StartLogging")?;
                self.cloudtrail(action)
                    .start_logging()
                    .name(trail_arn)
                    .send()
                    .await
                    .map_err(|e| sdk_error("cloudtrail:StartLogging", &e))?;
                effects.push(Effect::Changed {
                    kind: "trail",
                    id: trail_arn.clone(),
                    what: "logging started".into(),
                });
                Ok(vec![])
            }
            Action::CreateKey {
                alias,
                policy,
                tags,
                ..
            } => self.create_key(action, alias, policy, tags, effects).await,
            Action::CreateTopic {
                name,
                arn,
                kms_key,
                tags,
                ..
            } => {
                self.create_topic(action, name, arn, kms_key.as_deref(), tags, effects)
                    .await
            }
            Action::SetTopicPolicy {
                topic_arn, policy, ..
            } => {
                let current = self
                    .sns(action)
                    .get_topic_attributes()
                    .topic_arn(topic_arn)
                    .send()
                    .await
                    .map_err(|e| sdk_error("sns:GetTopicAttributes", &e))?;
                let as_json = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
                let current = current
                    .attributes()
                    .and_then(|a| a.get("Policy"))
                    .and_then(|p| as_json(p));
                if current.is_some() && current == as_json(policy) {
                    effects.push(Effect::Reused {
                        kind: "SNS topic policy",
                        id: topic_arn.clone(),
                    });
                    return Ok(vec![]);
                }
                self.write("sns:SetTopicAttributes")?;
                self.sns(action)
                    .set_topic_attributes()
                    .topic_arn(topic_arn)
                    .attribute_name("Policy")
                    .attribute_value(policy)
                    .send()
                    .await
                    .map_err(|e| sdk_error("sns:SetTopicAttributes", &e))?;
                effects.push(Effect::Changed {
                    kind: "SNS topic",
                    id: topic_arn.clone(),
                    what: "policy lets cloudwatch.amazonaws.com publish".into(),
                });
                Ok(vec![])
            }
            Action::Subscribe {
                topic_arn,
                endpoint,
                ..
            } => {
                self.subscribe(action, topic_arn, endpoint, effects).await?;
                Ok(vec![])
            }
            Action::PutMetricFilter {
                log_group,
                name,
                pattern,
                namespace,
                metric_name,
                metric_value,
                ..
            } => {
                self.put_metric_filter(
                    action,
                    log_group,
                    name,
                    pattern,
                    namespace,
                    metric_name,
                    metric_value,
                    effects,
                )
                .await?;
                Ok(vec![])
            }
            Action::PutMetricAlarm {
                name,
                description,
                namespace,
                metric_name,
                topic_arn,
                tags,
                ..
            } => {
                self.put_metric_alarm(
                    action,
                    name,
                    description,
                    namespace,
                    metric_name,
                    topic_arn,
                    tags,
                    effects,
                )
                .await?;
                Ok(vec![])
            }
        }
    }

    async fn create_log_group(
        &mut self,
        action: &Action,
        planned: &str,
        tags: &Tags,
        effects: &mut Vec<Effect>,
    ) -> Result<Renames, String> {
        let client = self.logs(action);
        for name in candidates(planned) {
            let mut existing = None;
            let mut pages = client
                .describe_log_groups()
                .log_group_name_prefix(&name)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| sdk_error("logs:DescribeLogGroups", &e))?;
                existing = existing.or_else(|| {
                    page.log_groups()
                        .iter()
                        .find(|g| g.log_group_name() == Some(name.as_str()))
                        .cloned()
                });
            }
            if let Some(group) = existing {
                let arn = group
                    .arn()
                    .unwrap_or_default()
                    .trim_end_matches(":*")
                    .to_string();
                let tags = client
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .send()
                    .await
                    .map_err(|e| sdk_error("logs:ListTagsForResource", &e))?;
                let managed = is_managed(
                    tags.tags()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k.as_str(), v.as_str())),
                );
                if managed {
                    effects.push(Effect::Reused {
                        kind: "log group",
                        id: name.clone(),
                    });
                    return Ok(renamed(planned, &name));
                }
                continue;
            }
            self.write("logs:CreateLogGroup")?;
            client
                .create_log_group()
                .log_group_name(&name)
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("logs:CreateLogGroup", &e))?;
            effects.push(Effect::Created {
                kind: "log group",
                id: name.clone(),
                instead_of: taken(planned, &name),
            });
            return Ok(renamed(planned, &name));
        }
        Err(format!(
            "no free name for log group {planned} (tried 50 suffixes)"
        ))
    }

    async fn create_role(
        &mut self,
        planned: &str,
        trust_policy: &str,
        policy_name: &str,
        permissions_policy: &str,
        tags: &Tags,
        effects: &mut Vec<Effect>,
    ) -> Result<Renames, String> {
        let client = self.iam();
        for name in candidates(planned) {
            let arn = match client.get_role().role_name(&name).send().await {
                Ok(found) => {
                    let managed = found.role().is_some_and(|role| {
                        is_managed(role.tags().iter().map(|t| (t.key(), t.value())))
                    });
                    if !managed {
                        continue;
                    }
                    effects.push(Effect::Reused {
                        kind: "IAM role",
                        id: name.clone(),
                    });
                    found
                        .role()
                        .map(|r| r.arn().to_string())
                        .unwrap_or_default()
                }
                Err(e) if error_code(&e) == Some("NoSuchEntity") => {
                    self.write("iam:CreateRole")?;
                    let iam_tags = tags
                        .iter()
                        .map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("iam:CreateRole: {e}"))?;
                    let created = client
                        .create_role()
                        .role_name(&name)
                        .assume_role_policy_document(trust_policy)
                        .set_tags(Some(iam_tags))
                        .send()
                        .await
                        .map_err(|e| sdk_error("iam:CreateRole", &e))?;
                    effects.push(Effect::Created {
                        kind: "IAM role",
                        id: name.clone(),
                        instead_of: taken(planned, &name),
                    });
                    created
                        .role()
                        .map(|r| r.arn().to_string())
                        .unwrap_or_default()
                }
                Err(e) => return Err(sdk_error("iam:GetRole", &e)),
            };
            // The inline policy is trailwatch's own on trailwatch's own role: (re)writing it is safe.
            self.write("iam:PutRolePolicy")?;
            client
                .put_role_policy()
                .role_name(&name)
                .policy_name(policy_name)
                .policy_document(permissions_policy)
                .send()
                .await
                .map_err(|e| sdk_error("iam:PutRolePolicy", &e))?;
            // Later steps name the role by ARN (`...:role/NAME`).
            let planned_arn = match arn.strip_suffix(name.as_str()) {
                Some(prefix) => format!("{prefix}{planned}"),
                None => arn.clone(),
            };
            return Ok(renamed(&planned_arn, &arn));
        }
        Err(format!(
            "no free name for IAM role {planned} (tried 50 suffixes)"
        ))
    }

    async fn update_trail(
        &mut self,
        action: &Action,
        trail_arn: &str,
        log_group_arn: &str,
        role_arn: &str,
        make_multi_region: bool,
        effects: &mut Vec<Effect>,
    ) -> Result<(), String> {
        let client = self.cloudtrail(action);
        // A role created moments ago may not be usable yet (IAM is eventually consistent):
        // CloudTrail then rejects it; retry a few times before giving up.
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.write("cloudtrail:UpdateTrail")?;
            let mut request = client
                .update_trail()
                .name(trail_arn)
                .cloud_watch_logs_log_group_arn(log_group_arn)
                .cloud_watch_logs_role_arn(role_arn);
            if make_multi_region {
                request = request.is_multi_region_trail(true);
            }
            match request.send().await {
                Ok(_) => break,
                Err(e)
                    if attempt < 6
                        && matches!(
                            error_code(&e),
                            Some(
                                "InvalidCloudWatchLogsRoleArnException"
                                    | "InvalidCloudWatchLogsLogGroupArnException"
                            )
                        ) =>
                {
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                }
                Err(e) => return Err(sdk_error("cloudtrail:UpdateTrail", &e)),
            }
        }
        effects.push(Effect::Changed {
            kind: "trail",
            id: trail_arn.to_string(),
            what: format!(
                "delivers to {log_group_arn}{}",
                if make_multi_region {
                    ", records all regions"
                } else {
                    ""
                }
            ),
        });
        Ok(())
    }

    async fn create_key(
        &mut self,
        action: &Action,
        planned: &str,
        policy: &str,
        tags: &Tags,
        effects: &mut Vec<Effect>,
    ) -> Result<Renames, String> {
        let client = self.kms(action);
        for alias in candidates(planned) {
            match client.describe_key().key_id(&alias).send().await {
                Ok(found) => {
                    let Some(key_id) = found.key_metadata().map(|k| k.key_id().to_string()) else {
                        continue;
                    };
                    let tags = client
                        .list_resource_tags()
                        .key_id(&key_id)
                        .send()
                        .await
                        .map_err(|e| sdk_error("kms:ListResourceTags", &e))?;
                    if is_managed(tags.tags().iter().map(|t| (t.tag_key(), t.tag_value()))) {
                        effects.push(Effect::Reused {
                            kind: "KMS key",
                            id: alias.clone(),
                        });
                        return Ok(renamed(planned, &alias));
                    }
                }
                Err(e) if error_code(&e) == Some("NotFoundException") => {
                    self.write("kms:CreateKey")?;
                    let kms_tags = tags
                        .iter()
                        .map(|(k, v)| {
                            aws_sdk_kms::types::Tag::builder()
                                .tag_key(k)
                                .tag_value(v)
                                .build()
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("kms:CreateKey: {e}"))?;
                    let created = client
                        .create_key()
                        .description("trailwatch: encrypts the CIS alarm topic")
                        .policy(policy)
                        .set_tags(Some(kms_tags))
                        .send()
                        .await
                        .map_err(|e| sdk_error("kms:CreateKey", &e))?;
                    let key_id = created
                        .key_metadata()
                        .map(|k| k.key_id().to_string())
                        .unwrap_or_default();
                    effects.push(Effect::Created {
                        kind: "KMS key",
                        id: key_id.clone(),
                        instead_of: None,
                    });
                    self.write("kms:CreateAlias")?;
                    client
                        .create_alias()
                        .alias_name(&alias)
                        .target_key_id(&key_id)
                        .send()
                        .await
                        .map_err(|e| sdk_error("kms:CreateAlias", &e))?;
                    effects.push(Effect::Created {
                        kind: "KMS alias",
                        id: alias.clone(),
                        instead_of: taken(planned, &alias),
                    });
                    return Ok(renamed(planned, &alias));
                }
                Err(e) => return Err(sdk_error("kms:DescribeKey", &e)),
            }
        }
        Err(format!(
            "no free KMS alias for {planned} (tried 50 suffixes)"
        ))
    }

    async fn create_topic(
        &mut self,
        action: &Action,
        planned_name: &str,
        planned_arn: &str,
        kms_key: Option<&str>,
        tags: &Tags,
        effects: &mut Vec<Effect>,
    ) -> Result<Renames, String> {
        let client = self.sns(action);
        let arn_prefix = planned_arn
            .strip_suffix(planned_name)
            .unwrap_or(planned_arn);
        for name in candidates(planned_name) {
            let arn = format!("{arn_prefix}{name}");
            match client.get_topic_attributes().topic_arn(&arn).send().await {
                Ok(_) => {
                    let tags = client
                        .list_tags_for_resource()
                        .resource_arn(&arn)
                        .send()
                        .await
                        .map_err(|e| sdk_error("sns:ListTagsForResource", &e))?;
                    if is_managed(tags.tags().iter().map(|t| (t.key(), t.value()))) {
                        effects.push(Effect::Reused {
                            kind: "SNS topic",
                            id: arn.clone(),
                        });
                        return Ok(renamed(planned_arn, &arn));
                    }
                }
                Err(e) if matches!(error_code(&e), Some("NotFound" | "NotFoundException")) => {
                    self.write("sns:CreateTopic")?;
                    let sns_tags = tags
                        .iter()
                        .map(|(k, v)| aws_sdk_sns::types::Tag::builder().key(k).value(v).build())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("sns:CreateTopic: {e}"))?;
                    let mut request = client.create_topic().name(&name).set_tags(Some(sns_tags));
                    if let Some(key) = kms_key {
                        request = request.attributes("KmsMasterKeyId", key);
                    }
                    let created = request
                        .send()
                        .await
                        .map_err(|e| sdk_error("sns:CreateTopic", &e))?;
                    let arn = created.topic_arn().unwrap_or(&arn).to_string();
                    effects.push(Effect::Created {
                        kind: "SNS topic",
                        id: arn.clone(),
                        instead_of: taken(planned_arn, &arn),
                    });
                    return Ok(renamed(planned_arn, &arn));
                }
                Err(e) => return Err(sdk_error("sns:GetTopicAttributes", &e)),
            }
        }
        Err(format!(
            "no free name for SNS topic {planned_name} (tried 50 suffixes)"
        ))
    }

    async fn subscribe(
        &mut self,
        action: &Action,
        topic_arn: &str,
        endpoint: &Endpoint,
        effects: &mut Vec<Effect>,
    ) -> Result<(), String> {
        let client = self.sns(action);
        let mut pages = client
            .list_subscriptions_by_topic()
            .topic_arn(topic_arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("sns:ListSubscriptionsByTopic", &e))?;
            let existing = page.subscriptions().iter().find(|s| {
                s.protocol() == Some(endpoint.protocol.as_str())
                    && s.endpoint() == Some(endpoint.target.as_str())
            });
            if let Some(subscription) = existing {
                effects.push(Effect::Reused {
                    kind: "subscription",
                    id: subscription
                        .subscription_arn()
                        .unwrap_or("PendingConfirmation")
                        .to_string(),
                });
                return Ok(());
            }
        }
        self.write("sns:Subscribe")?;
        let created = client
            .subscribe()
            .topic_arn(topic_arn)
            .protocol(&endpoint.protocol)
            .endpoint(&endpoint.target)
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|e| sdk_error("sns:Subscribe", &e))?;
        effects.push(Effect::Created {
            kind: "subscription",
            id: created
                .subscription_arn()
                .unwrap_or("PendingConfirmation")
                .to_string(),
            instead_of: None,
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn put_metric_filter(
        &mut self,
        action: &Action,
        log_group: &str,
        planned: &str,
        pattern: &str,
        namespace: &str,
        metric_name: &str,
        metric_value: &str,
        effects: &mut Vec<Effect>,
    ) -> Result<(), String> {
        let client = self.logs(action);
        // Every filter whose name shares the base of the candidates, all pages.
        let mut filters = Vec::new();
        let mut pages = client
            .describe_metric_filters()
            .log_group_name(log_group)
            .filter_name_prefix(name_base(planned).0)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("logs:DescribeMetricFilters", &e))?;
            filters.extend(page.metric_filters().iter().cloned());
        }
        for name in candidates(planned) {
            match filters
                .iter()
                .find(|f| f.filter_name() == Some(name.as_str()))
            {
                Some(existing) => {
                    let same_metric = existing.metric_transformations().iter().any(|t| {
                        t.metric_namespace() == namespace
                            && t.metric_name() == metric_name
                            && t.metric_value() == metric_value
                    });
                    if existing.filter_pattern() == Some(pattern) && same_metric {
                        effects.push(Effect::Reused {
                            kind: "metric filter",
                            id: name.clone(),
                        });
                        return Ok(());
                    }
                }
                None => {
                    self.write("logs:PutMetricFilter")?;
                    let transformation =
                        aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                            .metric_namespace(namespace)
                            .metric_name(metric_name)
                            .metric_value(metric_value)
                            .build()
                            .map_err(|e| format!("logs:PutMetricFilter: {e}"))?;
                    client
                        .put_metric_filter()
                        .log_group_name(log_group)
                        .filter_name(&name)
                        .filter_pattern(pattern)
                        .metric_transformations(transformation)
                        .send()
                        .await
                        .map_err(|e| sdk_error("logs:PutMetricFilter", &e))?;
                    effects.push(Effect::Created {
                        kind: "metric filter",
                        id: format!("{log_group}/{name}"),
                        instead_of: taken(planned, &name),
                    });
                    return Ok(());
                }
            }
        }
        Err(format!(
            "no free name for metric filter {planned} (tried 50 suffixes)"
        ))
    }

    #[allow(clippy::too_many_arguments)]
    async fn put_metric_alarm(
        &mut self,
        action: &Action,
        planned: &str,
        description: &str,
        namespace: &str,
        metric_name: &str,
        topic_arn: &str,
        tags: &Tags,
        effects: &mut Vec<Effect>,
    ) -> Result<(), String> {
        let client = self.cloudwatch(action);
        for name in candidates(planned) {
            let found = client
                .describe_alarms()
                .alarm_names(&name)
                .send()
                .await
                .map_err(|e| sdk_error("cloudwatch:DescribeAlarms", &e))?;
            if let Some(existing) = found.metric_alarms().first() {
                let arn = existing.alarm_arn().unwrap_or_default();
                let tags = client
                    .list_tags_for_resource()
                    .resource_arn(arn)
                    .send()
                    .await
                    .map_err(|e| sdk_error("cloudwatch:ListTagsForResource", &e))?;
                let managed = is_managed(
                    tags.tags()
                        .iter()
                        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
                );
                let same = existing.namespace() == Some(namespace)
                    && existing.metric_name() == Some(metric_name)
                    && existing.actions_enabled() == Some(true)
                    && existing.alarm_actions().iter().any(|a| a == topic_arn);
                if managed && same {
                    effects.push(Effect::Reused {
                        kind: "alarm",
                        id: name.clone(),
                    });
                    return Ok(());
                }
                if !managed {
                    continue;
                }
                // trailwatch's own alarm with other settings: overwrite it below.
            }
            self.write("cloudwatch:PutMetricAlarm")?;
            let cw_tags = tags
                .iter()
                .map(|(k, v)| {
                    aws_sdk_cloudwatch::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                })
                .collect();
            client
                .put_metric_alarm()
                .alarm_name(&name)
                .alarm_description(description)
                .namespace(namespace)
                .metric_name(metric_name)
                .statistic(aws_sdk_cloudwatch::types::Statistic::from(alarm::STATISTIC))
                .period(alarm::PERIOD)
                .threshold(alarm::THRESHOLD)
                .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::from(
                    alarm::COMPARISON,
                ))
                .evaluation_periods(alarm::EVALUATION_PERIODS)
                .treat_missing_data(alarm::TREAT_MISSING_DATA)
                .actions_enabled(true)
                .alarm_actions(topic_arn)
                .set_tags(Some(cw_tags))
                .send()
                .await
                .map_err(|e| sdk_error("cloudwatch:PutMetricAlarm", &e))?;
            effects.push(Effect::Created {
                kind: "alarm",
                id: name.clone(),
                instead_of: taken(planned, &name),
            });
            return Ok(());
        }
        Err(format!(
            "no free name for alarm {planned} (tried 50 suffixes)"
        ))
    }
}

/// `Some(planned)` when the resource got another name than planned.
fn taken(planned: &str, actual: &str) -> Option<String> {
    (planned != actual).then(|| planned.to_string())
}

fn renamed(planned: &str, actual: &str) -> Renames {
    if planned == actual {
        vec![]
    } else {
        vec![(planned.to_string(), actual.to_string())]
    }
}

/// Rewrites every occurrence of `old` in the step's text fields (ARNs, names, policy
/// documents) to `new`, where `old` stands as a whole token: not preceded or followed by a
/// character that could continue a name.
fn rename_in(action: &mut Action, old: &str, new: &str) {
    let mut value = serde_json::to_value(&*action).expect("actions serialize");
    rename_value(&mut value, old, new);
    *action = serde_json::from_value(value).expect("renaming strings keeps the action's shape");
}

fn rename_value(value: &mut serde_json::Value, old: &str, new: &str) {
    match value {
        serde_json::Value::String(text) => *text = replace_token(text, old, new),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| rename_value(v, old, new)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| rename_value(v, old, new)),
        _ => {}
    }
}

fn replace_token(text: &str, old: &str, new: &str) -> String {
    let continues =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    while let Some(found) = text[done..].find(old) {
        let at = done + found;
        let end = at + old.len();
        out.push_str(&text[done..at]);
        let whole = !continues(text[..at].chars().last()) && !continues(text[end..].chars().next());
        out.push_str(if whole { new } else { old });
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fix_policy_allows_every_call_fix_makes() {
        let text = include_str!("../../../policy/fix-policy.json");
        let policy: serde_json::Value =
            serde_json::from_str(text).expect("fix-policy.json is JSON");
        let mut allowed = Vec::new();
        for statement in policy["Statement"].as_array().expect("statements") {
            assert_eq!(statement["Effect"], "Allow");
            match &statement["Action"] {
                serde_json::Value::String(a) => allowed.push(a.clone()),
                serde_json::Value::Array(list) => {
                    allowed.extend(list.iter().map(|a| a.as_str().expect("action").to_string()))
                }
                other => panic!("unexpected Action {other}"),
            }
        }
        for operation in CALLED_OPERATIONS
            .iter()
            .chain(aws_collect::CALLED_OPERATIONS)
        {
            assert!(
                allowed.iter().any(|a| a == operation),
                "fix-policy.json lacks {operation}"
            );
        }
        for action in &allowed {
            let needed = CALLED_OPERATIONS.contains(&action.as_str())
                || aws_collect::CALLED_OPERATIONS.contains(&action.as_str());
            assert!(
                needed,
                "fix-policy.json allows {action}, which fix never calls"
            );
        }
    }

    #[test]
    fn candidate_names_count_on_from_a_planned_suffix() {
        let names: Vec<String> = candidates("cis-x").take(3).collect();
        assert_eq!(names, ["cis-x", "cis-x-2", "cis-x-3"]);
        let names: Vec<String> = candidates("cis-x-2").take(2).collect();
        assert_eq!(names, ["cis-x-2", "cis-x-3"]);
        let names: Vec<String> = candidates("alias/trailwatch-1").take(2).collect();
        assert_eq!(names, ["alias/trailwatch-1", "alias/trailwatch-1-2"]);
    }

    #[test]
    fn renames_replace_whole_tokens_only() {
        let old = "arn:aws:sns:eu-west-1:1:trailwatch-cis-alarms";
        let new = "arn:aws:sns:eu-west-1:1:trailwatch-cis-alarms-2";
        let policy = format!(r#"{{"Resource":"{old}","Other":"{old}-x"}}"#);
        assert_eq!(
            replace_token(&policy, old, new),
            format!(r#"{{"Resource":"{new}","Other":"{old}-x"}}"#)
        );
        assert_eq!(
            replace_token("alias/a", "alias/a", "alias/a-2"),
            "alias/a-2"
        );
        assert_eq!(replace_token("a x-a a", "a", "b"), "b x-a b");
    }

    #[test]
    fn a_rename_reaches_alarms_and_policies_of_later_steps() {
        let old = "arn:aws:sns:eu-west-1:1:t";
        let mut alarm = Action::PutMetricAlarm {
            region: "eu-west-1".into(),
            name: "cis-x".into(),
            description: "d".into(),
            namespace: "CISBenchmark".into(),
            metric_name: "cis-x".into(),
            topic_arn: old.into(),
            tags: Tags::new(),
        };
        rename_in(&mut alarm, old, "arn:aws:sns:eu-west-1:1:t-2");
        let Action::PutMetricAlarm {
            topic_arn, name, ..
        } = alarm
        else {
            panic!()
        };
        assert_eq!(
            (topic_arn.as_str(), name.as_str()),
            ("arn:aws:sns:eu-west-1:1:t-2", "cis-x")
        );
    }
}
