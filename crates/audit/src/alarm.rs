//! The alarm link: does the alarm go to ALARM on a single matching event, and notify someone?
//!
//! The engine works out the smallest datapoint a period with at least one matching event can
//! produce, for the alarm's statistic, and checks that it breaches the threshold:
//! - `SampleCount`: at least 1.
//! - `Sum` and `Maximum`: at least the filter's value per match.
//! - `Minimum` and `Average`: the value per match, or the filter's default value when it has one
//!   (non-matching events then publish it into the same period).
//!
//! A filter whose value comes from the event (`$.field`) has no known value: `SampleCount` still
//! works, other statistics need a person's judgement. `datapoints_to_alarm` (default:
//! `evaluation_periods`) must be 1, or a single event never alarms. A period over one hour is
//! accepted with a warning (the notification comes that much later). Metric-math alarms,
//! extended statistics and anomaly-detection comparisons need a person's judgement.

use crate::topic::LinkVerdict;
use snapshot::{Alarm, MetricTransformation};
use std::collections::BTreeSet;

/// Periods longer than this (seconds) get a warning.
pub(crate) const LONG_PERIOD_SECONDS: i32 = 3600;

/// What a filter's transformation publishes per matching event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum MetricValue {
    /// A literal positive number.
    Known(f64),
    /// A value taken from the event (`$.field` / `$name`).
    FromEvent,
}

/// Judges the transformation's value: `Ok` with the value, or why it cannot alarm.
pub(crate) fn metric_value(transformation: &MetricTransformation) -> Result<MetricValue, String> {
    let text = transformation.metric_value.trim();
    if text.starts_with('$') {
        return Ok(MetricValue::FromEvent);
    }
    match text.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(MetricValue::Known(v)),
        Ok(v) => Err(format!(
            "publishes {v} per match, so a match cannot raise an alarm; set the metric value to 1"
        )),
        Err(_) => Err(format!(
            "has metric value `{text}`, which is neither a number nor a field; set it to 1"
        )),
    }
}

/// Judges one alarm watching the filter's metric (same name, namespace and region).
pub(crate) fn judge_alarm(
    alarm: &Alarm,
    transformation: &MetricTransformation,
    value: MetricValue,
) -> LinkVerdict {
    let name = &alarm.name;
    if alarm.uses_metric_math {
        return LinkVerdict::Judge(format!(
            "alarm {name} is defined by metric math, and the snapshot does not say which metrics it reads; check by hand that it watches this filter's metric and that one matching event sets it off"
        ));
    }
    if !alarm.actions_enabled {
        return LinkVerdict::Broken(format!(
            "alarm {name} has its actions disabled; enable them (EnableAlarmActions)"
        ));
    }
    let emitted: BTreeSet<&String> = transformation.dimensions.keys().collect();
    let watched: BTreeSet<&String> = alarm.dimensions.keys().collect();
    if emitted != watched {
        return LinkVerdict::Broken(if watched.is_empty() {
            format!(
                "alarm {name} watches the metric without dimensions, but the filter publishes it with dimensions {}; the alarm sees only matches where a dimension field is missing",
                join(&emitted)
            )
        } else {
            format!(
                "alarm {name} watches dimensions {} that the filter does not publish ({}), so it never fires",
                join(&watched),
                if emitted.is_empty() { "none".to_string() } else { join(&emitted) }
            )
        });
    }
    let mut notes = Vec::new();
    if !watched.is_empty() {
        return LinkVerdict::Judge(format!(
            "alarm {name} watches only datapoints with dimensions {:?}; check that every matching event carries those values",
            alarm.dimensions
        ));
    }
    if let Some(extended) = &alarm.extended_statistic {
        return LinkVerdict::Judge(format!(
            "alarm {name} uses the extended statistic {extended}; check by hand that one matching event breaches it"
        ));
    }
    let Some(statistic) = alarm.statistic.as_deref() else {
        return LinkVerdict::Judge(format!(
            "alarm {name} has no statistic in the snapshot; check it by hand"
        ));
    };
    let (Some(threshold), Some(operator)) = (alarm.threshold, alarm.comparison_operator.as_deref())
    else {
        return LinkVerdict::Judge(format!(
            "alarm {name} has no threshold or comparison in the snapshot; check it by hand"
        ));
    };
    let smallest = match (statistic, value) {
        ("SampleCount", _) => 1.0,
        ("Sum" | "Maximum", MetricValue::Known(v)) => v,
        ("Minimum" | "Average", MetricValue::Known(v)) => match transformation.default_value {
            Some(default) if default < v => default,
            _ => v,
        },
        ("Sum" | "Maximum" | "Minimum" | "Average", MetricValue::FromEvent) => {
            return LinkVerdict::Judge(format!(
                "alarm {name} uses {statistic} of a value taken from the event ({}); check that one matching event breaches {operator} {threshold}",
                transformation.metric_value
            ))
        }
        _ => {
            return LinkVerdict::Judge(format!(
                "alarm {name} uses the statistic {statistic}, which trailwatch does not know"
            ))
        }
    };
    let fires = match operator {
        "GreaterThanOrEqualToThreshold" => smallest >= threshold,
        "GreaterThanThreshold" => smallest > threshold,
        "LessThanThreshold" | "LessThanOrEqualToThreshold" => {
            return LinkVerdict::Broken(format!(
                "alarm {name} fires when {statistic} is {operator} {threshold}, i.e. when events stop, not when one occurs; use GreaterThanOrEqualToThreshold 1"
            ))
        }
        other => {
            return LinkVerdict::Judge(format!(
                "alarm {name} uses the comparison {other}; check by hand that one matching event sets it off"
            ))
        }
    };
    if !fires {
        return LinkVerdict::Broken(format!(
            "alarm {name} needs {statistic} {} {threshold} in a period, but one matching event gives {smallest}; set the threshold to {} with GreaterThanOrEqualToThreshold",
            if operator == "GreaterThanThreshold" { ">" } else { ">=" },
            smallest.min(1.0)
        ));
    }
    let evaluation_periods = alarm.evaluation_periods.unwrap_or(1);
    let datapoints = alarm.datapoints_to_alarm.unwrap_or(evaluation_periods);
    if datapoints > 1 {
        return LinkVerdict::Broken(format!(
            "alarm {name} needs {datapoints} breaching periods out of {evaluation_periods}, so a single event never sets it off; set DatapointsToAlarm and EvaluationPeriods to 1"
        ));
    }
    if let Some(period) = alarm.period.filter(|p| *p > LONG_PERIOD_SECONDS) {
        notes.push(format!(
            "alarm {name} has a period of {period} s, so a notification can come more than an hour after the event; CIS examples use 300 s"
        ));
    }
    LinkVerdict::Ok(notes)
}

fn join(names: &BTreeSet<&String>) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transformation(value: &str) -> MetricTransformation {
        MetricTransformation {
            metric_name: "m".into(),
            metric_namespace: "n".into(),
            metric_value: value.into(),
            default_value: None,
            dimensions: Default::default(),
            unit: None,
        }
    }

    #[test]
    fn metric_values() {
        assert_eq!(
            metric_value(&transformation("1")),
            Ok(MetricValue::Known(1.0))
        );
        assert_eq!(
            metric_value(&transformation("$.count")),
            Ok(MetricValue::FromEvent)
        );
        assert!(metric_value(&transformation("0"))
            .unwrap_err()
            .contains("publishes 0"));
        assert!(metric_value(&transformation("-1")).is_err());
        assert!(metric_value(&transformation("one"))
            .unwrap_err()
            .contains("neither"));
    }

    #[test]
    fn a_default_value_lowers_minimum_and_average() {
        let mut with_default = transformation("1");
        with_default.default_value = Some(0.0);
        let alarm = snapshot::Alarm {
            name: "a".into(),
            arn: "arn".into(),
            region: "us-east-1".into(),
            metric_name: Some("m".into()),
            namespace: Some("n".into()),
            dimensions: Default::default(),
            statistic: Some("Average".into()),
            extended_statistic: None,
            period: Some(300),
            threshold: Some(1.0),
            comparison_operator: Some("GreaterThanOrEqualToThreshold".into()),
            evaluation_periods: Some(1),
            datapoints_to_alarm: None,
            treat_missing_data: None,
            actions_enabled: true,
            alarm_actions: vec![],
            ok_actions: vec![],
            insufficient_data_actions: vec![],
            state_value: None,
            uses_metric_math: false,
        };
        let value = metric_value(&with_default).unwrap();
        assert!(matches!(
            judge_alarm(&alarm, &with_default, value),
            LinkVerdict::Broken(_)
        ));
        let without = transformation("1");
        assert!(matches!(
            judge_alarm(&alarm, &without, value),
            LinkVerdict::Ok(_)
        ));
    }
}
