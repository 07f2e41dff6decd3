//! The planner: snapshot + failing controls + options → [`Plan`]. Pure; no AWS.
//!
//! Rules:
//! - Build only from the first broken link on: a control failing at the alarm gets an alarm on
//!   the existing filter's metric, one failing at the subscription gets a subscription.
//! - Never change what trailwatch did not create: a user's alarm with actions disabled or a
//!   topic that cannot deliver is left alone and a new alarm (to trailwatch's topic) is planned.
//! - A deleted topic that a right alarm still names is recreated under the same name (in this
//!   account only), which repairs the chain without touching the alarm.
//! - Names derive from the control slug (`cis-<slug>`); a name taken in the snapshot gets the
//!   first free suffix `-2`, `-3`, ... The filter, its metric and its alarm share one name.
//! - A filter is never added where one with exactly the same pattern already is: the audit
//!   already judged that pattern there, so a copy would not change the verdict.
//! - Steps run in dependency order: trail delivery, key, topic, topic policy, subscription,
//!   filters, alarms.

use crate::input::{BrokenLink, ControlGap, PlanOptions};
use crate::model::{
    suffixed, Action, Plan, Reason, Step, Tags, Unresolved, CONTROL_TAG_KEY, DEFAULT_NAMESPACE,
    DEFAULT_TOPIC_NAME, MANAGED_TAG_KEY, MANAGED_TAG_VALUE, NAME_PREFIX,
};
use crate::policy;
use snapshot::{Snapshot, Topic, Trail};
use std::collections::BTreeMap;

/// Plans the changes that close the given gaps.
pub fn plan(snapshot: &Snapshot, gaps: &[ControlGap], options: &PlanOptions) -> Plan {
    let mut planner = Planner {
        snapshot,
        options,
        phases: Default::default(),
        keyed: BTreeMap::new(),
        unresolved: Vec::new(),
        topic_by_region: BTreeMap::new(),
        taken_names: Vec::new(),
    };
    let trail_log_groups = planner.plan_trails(gaps);
    for gap in gaps {
        planner.plan_gap(gap, trail_log_groups.get(&gap.id));
    }
    planner.finish()
}

/// The phases, in the order their steps run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Trail,
    Key,
    Topic,
    TopicPolicy,
    Subscription,
    Filter,
    Alarm,
}

struct Planner<'a> {
    snapshot: &'a Snapshot,
    options: &'a PlanOptions,
    phases: BTreeMap<Phase, Vec<Step>>,
    /// Shared steps by key (e.g. `topic:ARN`), so a second control adds a reason instead of a step.
    keyed: BTreeMap<String, (Phase, usize)>,
    unresolved: Vec<Unresolved>,
    /// The topic chosen for new alarms per region, or why there is none.
    topic_by_region: BTreeMap<String, Result<String, String>>,
    /// Filter/metric/alarm names this plan already uses.
    taken_names: Vec<String>,
}

/// The log group a (repaired) trail delivers to.
struct PlannedLogGroup {
    region: String,
    name: String,
}

impl<'a> Planner<'a> {
    fn account(&self) -> &str {
        &self.snapshot.caller.account_id
    }

    fn partition(&self) -> &str {
        &self.snapshot.caller.partition
    }

    fn reason(gap: &ControlGap) -> Reason {
        Reason {
            control_id: gap.id.clone(),
            finding: gap.finding.clone(),
        }
    }

    fn unresolved(&mut self, gap: &ControlGap, message: String) {
        self.unresolved.push(Unresolved {
            control_id: gap.id.clone(),
            message,
        });
    }

    /// Adds a step, or (when `key` names a step already planned) adds the reason to it.
    fn add(&mut self, phase: Phase, key: Option<String>, action: Action, reason: Reason) {
        if let Some((phase, index)) = key.as_ref().and_then(|k| self.keyed.get(k)) {
            let step = &mut self.phases.get_mut(phase).expect("keyed phase exists")[*index];
            if !step.reasons.contains(&reason) {
                step.reasons.push(reason);
            }
            return;
        }
        let steps = self.phases.entry(phase).or_default();
        steps.push(Step {
            action,
            reasons: vec![reason],
        });
        if let Some(key) = key {
            self.keyed.insert(key, (phase, steps.len() - 1));
        }
    }

    fn has_step(&self, key: &str) -> bool {
        self.keyed.contains_key(key)
    }

    fn add_reason_to(&mut self, key: &str, reason: Reason) {
        if let Some((phase, index)) = self.keyed.get(key) {
            let step = &mut self.phases.get_mut(phase).expect("keyed phase exists")[*index];
            if !step.reasons.contains(&reason) {
                step.reasons.push(reason);
            }
        }
    }

    fn managed_tags() -> Tags {
        Tags::from([(MANAGED_TAG_KEY.to_string(), MANAGED_TAG_VALUE.to_string())])
    }

    // ---- trail --------------------------------------------------------------------------

    /// The trail a trail gap is repaired through: the one the audit's chain names, when this
    /// account owns it; else the account's best trail.
    fn trail_for(&self, gap: &ControlGap) -> Option<&'a Trail> {
        let snapshot = self.snapshot;
        let own = format!(":{}:", snapshot.caller.account_id);
        let named = match &gap.broken {
            BrokenLink::Trail {
                trail_arn: Some(arn),
                ..
            } => snapshot
                .trails
                .iter()
                .find(|t| &t.arn == arn && t.arn.contains(&own)),
            _ => None,
        };
        named.or_else(|| best_trail(snapshot))
    }

    /// What makes `trail` deliver to CloudWatch Logs from all regions while logging, and the
    /// log group it then delivers to. No actions: the trail already does all that.
    fn trail_repairs(&self, trail: &Trail) -> (Vec<Action>, PlannedLogGroup) {
        let region = trail.home_region.clone();
        let account = self.account();
        let partition = self.partition();
        let mut actions = Vec::new();
        let existing = trail
            .log_group_arn
            .as_deref()
            .and_then(log_group_name_from_arn);
        let name = match (existing, &trail.cloudwatch_logs_role_arn) {
            (Some(name), Some(role_arn)) => {
                if !trail.is_multi_region {
                    actions.push(Action::UpdateTrail {
                        region: region.clone(),
                        trail_name: trail.name.clone(),
                        trail_arn: trail.arn.clone(),
                        log_group_arn: trail.log_group_arn.clone().expect("matched Some"),
                        role_arn: role_arn.clone(),
                        make_multi_region: true,
                    });
                }
                name
            }
            _ => {
                let name = format!("trailwatch-cloudtrail-{}", trail.name);
                let arn_prefix =
                    format!("arn:{partition}:logs:{region}:{account}:log-group:{name}");
                let role_name = truncate(
                    &format!("trailwatch-cloudtrail-delivery-{}", trail.name),
                    64,
                );
                actions.push(Action::CreateLogGroup {
                    region: region.clone(),
                    name: name.clone(),
                    tags: Self::managed_tags(),
                });
                actions.push(Action::CreateTrailDeliveryRole {
                    role_name: role_name.clone(),
                    trust_policy: policy::delivery_trust_policy(account),
                    policy_name: "trailwatch-cloudwatch-logs-delivery".into(),
                    permissions_policy: policy::delivery_permissions_policy(&arn_prefix),
                    tags: Self::managed_tags(),
                });
                actions.push(Action::UpdateTrail {
                    region: region.clone(),
                    trail_name: trail.name.clone(),
                    trail_arn: trail.arn.clone(),
                    log_group_arn: format!("{arn_prefix}:*"),
                    role_arn: format!("arn:{partition}:iam::{account}:role/{role_name}"),
                    make_multi_region: !trail.is_multi_region,
                });
                name
            }
        };
        if !trail.status.as_ref().is_some_and(|s| s.is_logging) {
            actions.push(Action::StartLogging {
                region: region.clone(),
                trail_arn: trail.arn.clone(),
            });
        }
        (actions, PlannedLogGroup { region, name })
    }

    /// Plans the trail repairs (only with `--with-trail`) and returns, per control id, the log
    /// group its filter goes to; records the trail gaps it cannot fix as unresolved.
    fn plan_trails(&mut self, gaps: &[ControlGap]) -> BTreeMap<String, PlannedLogGroup> {
        let mut log_groups = BTreeMap::new();
        for gap in gaps {
            let BrokenLink::Trail { missing, .. } = &gap.broken else {
                continue;
            };
            let Some(trail) = self.trail_for(gap) else {
                let message = format!(
                    "no qualifying trail: {missing}; this account owns no trail to repair, and \
                     trailwatch does not create trails: create a multi-region trail first"
                );
                self.unresolved(gap, message);
                continue;
            };
            let (actions, log_group) = self.trail_repairs(trail);
            if actions.is_empty() {
                let message = format!(
                    "no qualifying trail: {missing}; trail {} already delivers to CloudWatch Logs, \
                     records all regions and is logging, so what is missing needs a change \
                     trailwatch does not make",
                    trail.name
                );
                self.unresolved(gap, message);
                continue;
            }
            if !self.options.with_trail {
                let what: Vec<String> = actions.iter().map(Action::summary).collect();
                let message = format!(
                    "no qualifying trail: {missing}; rerun with --with-trail to {}",
                    what.join(", ")
                );
                self.unresolved(gap, message);
                continue;
            }
            for action in actions {
                let key = format!("trail:{}:{}", trail.arn, action.summary());
                self.add(Phase::Trail, Some(key), action, Self::reason(gap));
            }
            log_groups.insert(gap.id.clone(), log_group);
        }
        log_groups
    }

    // ---- per control --------------------------------------------------------------------

    fn plan_gap(&mut self, gap: &ControlGap, trail_log_group: Option<&PlannedLogGroup>) {
        match &gap.broken {
            BrokenLink::Trail { .. } => {
                if let Some(group) = trail_log_group {
                    let (region, name) = (group.region.clone(), group.name.clone());
                    self.plan_filter_and_alarm(gap, &region, &name);
                }
            }
            BrokenLink::Filter { region, log_group } => {
                self.plan_filter_and_alarm(gap, region, log_group)
            }
            BrokenLink::Alarm {
                region,
                namespace,
                metric_name,
            } => {
                if let Some(topic) = self.topic_for(gap, region) {
                    let name = self.free_name(&format!("{NAME_PREFIX}{}", gap.slug), None);
                    self.add_alarm(gap, region, name, namespace, metric_name, topic);
                }
            }
            BrokenLink::TopicMissing {
                topic_arn,
                namespace,
                metric_name,
            } => match parse_topic_arn(topic_arn) {
                Some(parsed) if parsed.account == self.account() => {
                    self.plan_new_topic(gap, &parsed.region, &parsed.name, topic_arn.clone());
                    self.plan_subscription(gap, topic_arn, None, true);
                }
                _ => {
                    let message = format!(
                            "the alarm on {namespace}/{metric_name} notifies {topic_arn}, which does \
                             not exist and is not in this account ({}): trailwatch cannot recreate it",
                            self.account()
                        );
                    self.unresolved(gap, message);
                }
            },
            BrokenLink::TopicUnusable {
                topic_arn,
                why,
                region,
                namespace,
                metric_name,
            } => {
                if let Some(topic) = self.topic_for(gap, region) {
                    if &topic == topic_arn {
                        let message = format!(
                            "the topic to use ({topic_arn}) cannot deliver: {why}; trailwatch does \
                             not change topics it did not create: fix it or pass another --topic-arn"
                        );
                        self.unresolved(gap, message);
                        return;
                    }
                    let name = self.free_name(&format!("{NAME_PREFIX}{}", gap.slug), None);
                    self.add_alarm(gap, region, name, namespace, metric_name, topic);
                }
            }
            BrokenLink::Subscription { topic_arn } => {
                let topic = find_topic(self.snapshot, topic_arn);
                self.plan_subscription(gap, topic_arn, topic, false);
            }
            BrokenLink::Other { message } => {
                let message = format!("{message} (not something trailwatch fix changes)");
                self.unresolved(gap, message)
            }
        }
    }

    fn plan_filter_and_alarm(&mut self, gap: &ControlGap, region: &str, log_group: &str) {
        let same_pattern = self
            .snapshot
            .log_groups
            .iter()
            .filter(|g| g.name == log_group && g.region == region)
            .flat_map(|g| &g.metric_filters)
            .find(|f| f.pattern == gap.pattern);
        if let Some(existing) = same_pattern {
            let message = format!(
                "filter {} on log group {log_group} already has exactly the pattern trailwatch \
                 would install, yet the audit does not accept the chain through it; a copy \
                 would not change that: see the finding",
                existing.name
            );
            self.unresolved(gap, message);
            return;
        }
        let Some(topic) = self.topic_for(gap, region) else {
            return;
        };
        let namespace = self
            .options
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
        let name = self.free_name(
            &format!("{NAME_PREFIX}{}", gap.slug),
            Some((log_group, &namespace)),
        );
        self.add(
            Phase::Filter,
            None,
            Action::PutMetricFilter {
                region: region.to_string(),
                log_group: log_group.to_string(),
                name: name.clone(),
                pattern: gap.pattern.clone(),
                pattern_note: gap.pattern_note.clone(),
                namespace: namespace.clone(),
                metric_name: name.clone(),
                metric_value: "1".into(),
            },
            Self::reason(gap),
        );
        self.add_alarm(gap, region, name.clone(), &namespace, &name, topic);
    }

    fn add_alarm(
        &mut self,
        gap: &ControlGap,
        region: &str,
        name: String,
        namespace: &str,
        metric_name: &str,
        topic_arn: String,
    ) {
        let mut tags = Self::managed_tags();
        tags.insert(CONTROL_TAG_KEY.into(), gap.id.clone());
        self.add(
            Phase::Alarm,
            None,
            Action::PutMetricAlarm {
                region: region.to_string(),
                name,
                description: format!("CIS {} {} (created by trailwatch)", gap.id, gap.title),
                namespace: namespace.to_string(),
                metric_name: metric_name.to_string(),
                topic_arn,
                tags,
            },
            Self::reason(gap),
        );
    }

    /// The first free `base`, `base-2`, ... : unused as an alarm name in the snapshot and in
    /// this plan, and (for a new filter) unused as a filter name on the log group and as a
    /// metric in the namespace.
    fn free_name(&mut self, base: &str, filter: Option<(&str, &str)>) -> String {
        let snapshot = self.snapshot;
        let taken = |name: &str| {
            self.taken_names.iter().any(|n| n == name)
                || snapshot.alarms.iter().any(|a| a.name == name)
                || filter.is_some_and(|(log_group, namespace)| {
                    snapshot.log_groups.iter().any(|g| {
                        (g.name == log_group && g.metric_filters.iter().any(|f| f.name == name))
                            || g.metric_filters
                                .iter()
                                .flat_map(|f| &f.transformations)
                                .any(|t| t.metric_namespace == namespace && t.metric_name == name)
                    })
                })
        };
        let name = suffixed(base, 1)
            .find(|candidate| !taken(candidate))
            .expect("some suffix is free");
        self.taken_names.push(name.clone());
        name
    }

    // ---- topics -------------------------------------------------------------------------

    /// The topic new alarms in `region` notify, planning its creation and subscription the
    /// first time; `None` (with the gap recorded as unresolved) when there is none.
    fn topic_for(&mut self, gap: &ControlGap, region: &str) -> Option<String> {
        if !self.topic_by_region.contains_key(region) {
            let chosen = self.choose_topic(gap, region);
            self.topic_by_region.insert(region.to_string(), chosen);
        }
        match self.topic_by_region[region].clone() {
            Ok(arn) => {
                // Later controls share the steps that make the topic usable.
                let reason = Self::reason(gap);
                for key in [
                    format!("key:{region}"),
                    format!("topic:{arn}"),
                    format!("policy:{arn}"),
                ] {
                    self.add_reason_to(&key, reason.clone());
                }
                let is_new = self.has_step(&format!("topic:{arn}"));
                let snapshot = self.snapshot;
                self.plan_subscription(gap, &arn, find_topic(snapshot, &arn), is_new);
                Some(arn)
            }
            Err(message) => {
                self.unresolved(gap, message);
                None
            }
        }
    }

    fn choose_topic(&mut self, gap: &ControlGap, region: &str) -> Result<String, String> {
        if let Some(arn) = self.options.topic_arn.clone() {
            let parsed = parse_topic_arn(&arn)
                .ok_or_else(|| format!("--topic-arn {arn:?} is not an SNS topic ARN"))?;
            if parsed.region != region {
                return Err(format!(
                    "--topic-arn {arn} is in {}, but the alarm must be in {region} (an alarm can \
                     only notify a topic in its own region)",
                    parsed.region
                ));
            }
            if self.snapshot.missing_topics.contains(&arn) {
                return Err(format!("--topic-arn {arn} does not exist"));
            }
            return Ok(arn);
        }
        let managed = self.snapshot.topics.iter().find(|t| {
            t.region == region
                && t.tags.get(MANAGED_TAG_KEY).map(String::as_str) == Some(MANAGED_TAG_VALUE)
        });
        if let Some(topic) = managed {
            return Ok(topic.arn.clone());
        }
        let arn_of = |name: &str| {
            format!(
                "arn:{}:sns:{region}:{}:{name}",
                self.partition(),
                self.account()
            )
        };
        let name = suffixed(DEFAULT_TOPIC_NAME, 1)
            .find(|name| find_topic(self.snapshot, &arn_of(name)).is_none())
            .expect("some suffix is free");
        let arn = arn_of(&name);
        self.plan_new_topic(gap, region, &name, arn.clone());
        Ok(arn)
    }

    /// Plans creating a topic (with its key, policy and subscription).
    fn plan_new_topic(&mut self, gap: &ControlGap, region: &str, name: &str, arn: String) {
        let reason = Self::reason(gap);
        // One key per region (keyed `key:REGION`), shared by every topic the plan creates there.
        let kms_key = self
            .options
            .encrypt_topic
            .then(|| format!("alias/{DEFAULT_TOPIC_NAME}"));
        if let Some(alias) = &kms_key {
            let action = Action::CreateKey {
                region: region.to_string(),
                alias: alias.clone(),
                policy: policy::key_policy(self.partition(), self.account()),
                tags: Self::managed_tags(),
            };
            self.add(
                Phase::Key,
                Some(format!("key:{region}")),
                action,
                reason.clone(),
            );
        }
        let action = Action::CreateTopic {
            region: region.to_string(),
            name: name.to_string(),
            arn: arn.clone(),
            kms_key,
            tags: Self::managed_tags(),
        };
        self.add(
            Phase::Topic,
            Some(format!("topic:{arn}")),
            action,
            reason.clone(),
        );
        let action = Action::SetTopicPolicy {
            region: region.to_string(),
            topic_arn: arn.clone(),
            policy: policy::topic_policy(self.partition(), self.account(), &arn),
        };
        self.add(
            Phase::TopicPolicy,
            Some(format!("policy:{arn}")),
            action,
            reason,
        );
    }

    /// Plans a subscription to `arn` unless `topic` (as the snapshot has it) already has a
    /// confirmed one. `is_new` marks a topic this plan creates. A topic the snapshot does not
    /// hold (a `--topic-arn` no alarm names yet) cannot be checked: without `--subscribe` the
    /// plan says so; with it, it subscribes (SNS returns the existing subscription for an
    /// endpoint already confirmed).
    fn plan_subscription(
        &mut self,
        gap: &ControlGap,
        arn: &str,
        topic: Option<&Topic>,
        is_new: bool,
    ) {
        let key = format!("subscribe:{arn}");
        if self.has_step(&key) {
            self.add_reason_to(&key, Self::reason(gap));
            return;
        }
        let subscriptions = topic.and_then(|t| t.subscriptions.as_ref());
        if subscriptions.is_some_and(|subs| subs.iter().any(|s| s.arn.starts_with("arn:"))) {
            return;
        }
        let Some(endpoint) = self.options.subscribe.clone() else {
            let state = if is_new || topic.is_some() {
                "has no confirmed subscription"
            } else {
                "is not in the snapshot, so whether it has a confirmed subscription is unknown"
            };
            let message = format!(
                "topic {arn} {state}: pass --subscribe email:ADDRESS|https:URL|sqs:ARN|lambda:ARN"
            );
            self.unresolved(gap, message);
            return;
        };
        let pending = subscriptions.is_some_and(|subs| {
            subs.iter().any(|s| {
                s.arn == "PendingConfirmation"
                    && s.protocol == endpoint.protocol
                    && s.endpoint == endpoint.target
            })
        });
        if pending {
            let message = format!(
                "{}:{} is subscribed to {arn} but has not confirmed yet: follow the link SNS sent",
                endpoint.protocol, endpoint.target
            );
            self.unresolved(gap, message);
            return;
        }
        let region = parse_topic_arn(arn).map(|p| p.region).unwrap_or_default();
        self.add(
            Phase::Subscription,
            Some(key),
            Action::Subscribe {
                region,
                topic_arn: arn.to_string(),
                endpoint,
            },
            Self::reason(gap),
        );
    }

    fn finish(mut self) -> Plan {
        let mut steps: Vec<Step> = std::mem::take(&mut self.phases)
            .into_values()
            .flatten()
            .collect();
        for step in &mut steps {
            let mut ids: Vec<&str> = step.reasons.iter().map(|r| r.control_id.as_str()).collect();
            ids.sort();
            ids.dedup();
            let ids = ids.join(" ");
            if let Action::CreateLogGroup { tags, .. }
            | Action::CreateTrailDeliveryRole { tags, .. }
            | Action::CreateKey { tags, .. }
            | Action::CreateTopic { tags, .. } = &mut step.action
            {
                tags.insert(CONTROL_TAG_KEY.into(), ids);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        self.unresolved.retain(|u| seen.insert(u.clone()));
        Plan {
            account_id: self.snapshot.caller.account_id.clone(),
            partition: self.snapshot.caller.partition.clone(),
            steps,
            unresolved: self.unresolved,
        }
    }
}

/// The trail the trail fix repairs: one this account owns, preferring one that already
/// delivers to CloudWatch Logs, then multi-region, then logging; ties go to the first listed.
fn best_trail(snapshot: &Snapshot) -> Option<&Trail> {
    let account = format!(":{}:", snapshot.caller.account_id);
    let mut best: Option<(&Trail, (bool, bool, bool))> = None;
    for trail in snapshot.trails.iter().filter(|t| t.arn.contains(&account)) {
        let score = (
            trail.log_group_arn.is_some() && trail.cloudwatch_logs_role_arn.is_some(),
            trail.is_multi_region,
            trail.status.as_ref().is_some_and(|s| s.is_logging),
        );
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((trail, score));
        }
    }
    best.map(|(t, _)| t)
}

/// The log group name in `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`.
pub fn log_group_name_from_arn(arn: &str) -> Option<String> {
    let rest = arn.split_once(":log-group:")?.1;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then(|| name.to_string())
}

/// The parts of an SNS topic ARN.
#[derive(Debug, PartialEq, Eq)]
pub struct TopicArn {
    /// The partition.
    pub partition: String,
    /// The region.
    pub region: String,
    /// The account id.
    pub account: String,
    /// The topic name.
    pub name: String,
}

/// Splits `arn:PARTITION:sns:REGION:ACCOUNT:NAME`.
pub fn parse_topic_arn(arn: &str) -> Option<TopicArn> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "sns", region, account, name]
            if !region.is_empty() && !account.is_empty() && !name.is_empty() =>
        {
            Some(TopicArn {
                partition: partition.to_string(),
                region: region.to_string(),
                account: account.to_string(),
                name: name.to_string(),
            })
        }
        _ => None,
    }
}

fn find_topic<'s>(snapshot: &'s Snapshot, arn: &str) -> Option<&'s Topic> {
    snapshot.topics.iter().find(|t| t.arn == arn)
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
