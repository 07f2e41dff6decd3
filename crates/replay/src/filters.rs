//! The filters a replay runs: from the CIS catalogue, from a snapshot's deployed metric filters
//! and alarms, or ad hoc.

use crate::alarm::{AlarmRule, Comparison, MissingData, Statistic};
use cis_catalogue::{Benchmark, Check};
use snapshot::Snapshot;
use std::collections::BTreeMap;

/// Where a filter comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A CIS control's pattern.
    Benchmark {
        /// The benchmark version, e.g. `v7.0.0`.
        benchmark: String,
        /// The control id, e.g. `5.4`.
        control: String,
        /// The topic slug, e.g. `iam-policy-changes`.
        slug: String,
    },
    /// A metric filter deployed in the account (from a snapshot).
    Deployed {
        /// The log group.
        log_group: String,
        /// Its region.
        region: String,
        /// The filter's name.
        filter: String,
    },
    /// A pattern given on the command line.
    AdHoc,
}

/// An alarm watching a filter's metric.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    /// The alarm's name (`CIS default` for the benchmark's reference alarm).
    pub name: String,
    /// Its rule, or why it cannot be evaluated (metric math, percentile statistic, ...).
    pub rule: Result<AlarmRule, String>,
}

/// One filter to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterSpec {
    /// A short unique name for reports (`5.4 iam-policy-changes`, `<log group>/<filter>`).
    pub name: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The pattern text.
    pub pattern: String,
    /// What each match publishes, as PutMetricFilter's `metricValue` (`1`, `$.field`,
    /// `$name`).
    pub metric_value: String,
    /// Published for each event that does not match, if set.
    pub default_value: Option<f64>,
    /// The metric's dimensions (name to `$.field` / `$name`).
    pub dimensions: BTreeMap<String, String>,
    /// The alarms on its metric.
    pub alarms: Vec<AlarmSpec>,
    /// For a deployed filter, the CloudWatch metric it publishes to: its alarms see what every
    /// filter publishing to that metric publishes. `None` for a filter with a metric of its own.
    pub metric: Option<MetricId>,
}

/// A CloudWatch metric without dimensions, as alarms name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricId {
    /// The region.
    pub region: String,
    /// The namespace.
    pub namespace: String,
    /// The metric name.
    pub name: String,
}

/// The benchmark's filters: one per control checked by a metric filter, with the CIS reference
/// alarm at `period` seconds. A control the benchmark printed several texts for is replayed
/// with its first text (the standard / audit form), taking the intended pattern where the
/// printed one is known to be wrong; the other texts are alternatives, not extra controls.
pub fn benchmark_filters(benchmark: Benchmark, period: i64) -> Vec<FilterSpec> {
    cis_catalogue::controls(benchmark)
        .into_iter()
        .filter_map(|control| {
            let Check::MetricFilterAlarm { patterns } = control.check else {
                return None;
            };
            let first = patterns.first()?;
            Some(FilterSpec {
                name: format!("{} {}", control.id, control.slug()),
                origin: Origin::Benchmark {
                    benchmark: benchmark.to_string(),
                    control: control.id.to_string(),
                    slug: control.slug().to_string(),
                },
                pattern: first.effective().to_string(),
                metric_value: "1".to_string(),
                default_value: None,
                dimensions: BTreeMap::new(),
                alarms: vec![AlarmSpec {
                    name: "CIS reference alarm".to_string(),
                    rule: Ok(AlarmRule {
                        period,
                        ..AlarmRule::cis_default()
                    }),
                }],
                metric: None,
            })
        })
        .collect()
}

/// An ad hoc pattern, with the CIS reference alarm at `period` seconds.
pub fn ad_hoc_filter(index: usize, pattern: &str, period: i64) -> FilterSpec {
    FilterSpec {
        name: format!("pattern {}", index + 1),
        origin: Origin::AdHoc,
        pattern: pattern.to_string(),
        metric_value: "1".to_string(),
        default_value: None,
        dimensions: BTreeMap::new(),
        alarms: vec![AlarmSpec {
            name: "CIS reference alarm".to_string(),
            rule: Ok(AlarmRule {
                period,
                ..AlarmRule::cis_default()
            }),
        }],
        metric: None,
    }
}

/// The snapshot's deployed metric filters, each with the alarms (same region) on its metric.
pub fn snapshot_filters(snapshot: &Snapshot) -> Vec<FilterSpec> {
    let mut filters = Vec::new();
    for group in &snapshot.log_groups {
        for filter in &group.metric_filters {
            let transformation = filter.transformations.first();
            let alarms = transformation
                .map(|t| {
                    snapshot
                        .alarms
                        .iter()
                        .filter(|alarm| {
                            alarm.region == group.region
                                && alarm.metric_name.as_deref() == Some(t.metric_name.as_str())
                                && alarm.namespace.as_deref() == Some(t.metric_namespace.as_str())
                        })
                        .map(|alarm| AlarmSpec {
                            name: alarm.name.clone(),
                            rule: alarm_rule(alarm, !t.dimensions.is_empty()),
                        })
                        .collect()
                })
                .unwrap_or_default();
            filters.push(FilterSpec {
                name: format!("{}/{}", group.name, filter.name),
                origin: Origin::Deployed {
                    log_group: group.name.clone(),
                    region: group.region.clone(),
                    filter: filter.name.clone(),
                },
                pattern: filter.pattern.clone(),
                // A filter without a transformation (AWS requires one) publishes nothing; the
                // empty value makes the transformation invalid, which the report says.
                metric_value: transformation
                    .map(|t| t.metric_value.clone())
                    .unwrap_or_default(),
                default_value: transformation.and_then(|t| t.default_value),
                dimensions: transformation
                    .map(|t| t.dimensions.clone())
                    .unwrap_or_default(),
                alarms,
                metric: transformation.map(|t| MetricId {
                    region: group.region.clone(),
                    namespace: t.metric_namespace.clone(),
                    name: t.metric_name.clone(),
                }),
            });
        }
    }
    filters
}

/// The rule of a deployed alarm, or why it cannot be replayed.
pub fn alarm_rule(
    alarm: &snapshot::Alarm,
    filter_has_dimensions: bool,
) -> Result<AlarmRule, String> {
    if alarm.uses_metric_math {
        return Err("metric-math alarm: not replayed".into());
    }
    if filter_has_dimensions || !alarm.dimensions.is_empty() {
        return Err("metric with dimensions: not replayed".into());
    }
    if let Some(extended) = &alarm.extended_statistic {
        return Err(format!("extended statistic {extended}: not replayed"));
    }
    let statistic = alarm.statistic.as_deref().ok_or("no statistic")?;
    let statistic = Statistic::parse(statistic).ok_or(format!("unknown statistic {statistic}"))?;
    let period = i64::from(alarm.period.ok_or("no period")?);
    if period <= 0 || period % 60 != 0 {
        return Err(format!(
            "period {period}s is not a whole number of minutes (metric-filter metrics have one-minute resolution)"
        ));
    }
    let comparison = alarm
        .comparison_operator
        .as_deref()
        .ok_or("no comparison operator")?;
    let comparison =
        Comparison::parse(comparison).ok_or(format!("comparison {comparison}: not replayed"))?;
    let evaluation_periods = alarm.evaluation_periods.ok_or("no evaluation periods")?;
    let datapoints_to_alarm = alarm.datapoints_to_alarm.unwrap_or(evaluation_periods);
    if evaluation_periods < 1 || datapoints_to_alarm < 1 || datapoints_to_alarm > evaluation_periods
    {
        return Err(format!(
            "datapoints to alarm {datapoints_to_alarm} of {evaluation_periods} periods is invalid"
        ));
    }
    let treat = alarm.treat_missing_data.as_deref();
    let treat_missing =
        MissingData::parse(treat).ok_or(format!("treat missing data {treat:?} is unknown"))?;
    Ok(AlarmRule {
        statistic,
        period,
        threshold: alarm.threshold.ok_or("no threshold")?,
        comparison,
        evaluation_periods: evaluation_periods as u32,
        datapoints_to_alarm: datapoints_to_alarm as u32,
        treat_missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benchmark_has_one_filter_per_metric_filter_control() {
        let filters = benchmark_filters(Benchmark::V7_0_0, 300);
        assert_eq!(filters.len(), 15);
        assert!(filters
            .iter()
            .all(|f| f.alarms[0].rule.as_ref().unwrap().period == 300));
        assert!(filters[0].name.starts_with("5.1 "), "{}", filters[0].name);
    }

    fn alarm() -> snapshot::Alarm {
        snapshot::Alarm {
            name: "a".into(),
            arn: "arn".into(),
            region: "us-east-1".into(),
            metric_name: Some("M".into()),
            namespace: Some("NS".into()),
            dimensions: Default::default(),
            statistic: Some("Sum".into()),
            extended_statistic: None,
            period: Some(300),
            threshold: Some(1.0),
            comparison_operator: Some("GreaterThanOrEqualToThreshold".into()),
            evaluation_periods: Some(3),
            datapoints_to_alarm: None,
            treat_missing_data: Some("breaching".into()),
            actions_enabled: true,
            alarm_actions: vec![],
            ok_actions: vec![],
            insufficient_data_actions: vec![],
            state_value: None,
            uses_metric_math: false,
        }
    }

    #[test]
    fn converts_deployed_alarms_and_explains_what_it_cannot() {
        let rule = alarm_rule(&alarm(), false).unwrap();
        assert_eq!(rule.datapoints_to_alarm, 3);
        assert_eq!(rule.treat_missing, MissingData::Breaching);
        let mut math = alarm();
        math.uses_metric_math = true;
        assert!(alarm_rule(&math, false).is_err());
        let mut odd = alarm();
        odd.period = Some(30);
        assert!(alarm_rule(&odd, false).unwrap_err().contains("30s"));
        let mut pct = alarm();
        pct.extended_statistic = Some("p99".into());
        assert!(alarm_rule(&pct, false).unwrap_err().contains("p99"));
    }
}
