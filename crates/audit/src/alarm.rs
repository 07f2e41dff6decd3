//! The alarm link: does the alarm go to ALARM on a single matching event, and notify someone?
//!
//! The engine works out the smallest datapoint a period with at least one matching event can
//! produce, for the alarm's statistic, and checks that it breaches the threshold:
//! - `SampleCount`: at least 1.
//! - `Sum` and `Maximum`: at least the filter's value per match (for `Maximum`, the default
//!   value when larger).
//! - `Minimum` and `Average`: the value per match, or the filter's default value when it has one
//!   (non-matching events then publish it into the same period).
//!
//! The alarm must also leave ALARM when nothing matches, or a later matching event changes no
//! state and notifies no one. So a period with only non-matching events must not breach: with a
//! default value they publish it (any `SampleCount`, a growing `Sum` for a positive default, the
//! default itself for the other statistics), and a negative default can cancel a match in a
//! `Sum`. Periods with no datapoint must not count as breaching (`TreatMissingData` of
//! `breaching`), and `ignore` keeps the state while no datapoint comes, so without a default
//! value the alarm never leaves ALARM after its first event.
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
    let breaches = match operator {
        "GreaterThanOrEqualToThreshold" => |x: f64, t: f64| x >= t,
        "GreaterThanThreshold" => |x: f64, t: f64| x > t,
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
    let default = transformation.default_value;
    let (smallest, quiet) = match (statistic, value, default) {
        ("SampleCount", _, None) => (1.0, Quiet::Nothing),
        ("SampleCount", _, Some(_)) => (1.0, Quiet::Unbounded),
        ("Sum", MetricValue::Known(v), None) => (v, Quiet::Nothing),
        ("Sum", MetricValue::Known(v), Some(0.0)) => (v, Quiet::At(0.0)),
        ("Sum", MetricValue::Known(v), Some(d)) if d > 0.0 => (v, Quiet::Unbounded),
        ("Sum", MetricValue::Known(_), Some(d)) => {
            return LinkVerdict::Broken(format!(
                "alarm {name} sums the metric, and the filter publishes its default value {d} for every non-matching event, so non-matching events in the same period can cancel a match; remove the default value"
            ))
        }
        ("Maximum", MetricValue::Known(v), None) => (v, Quiet::Nothing),
        ("Maximum", MetricValue::Known(v), Some(d)) => (v.max(d), Quiet::At(d)),
        ("Minimum" | "Average", MetricValue::Known(v), None) => (v, Quiet::Nothing),
        ("Minimum" | "Average", MetricValue::Known(v), Some(d)) => (v.min(d), Quiet::At(d)),
        ("Sum" | "Maximum" | "Minimum" | "Average", MetricValue::FromEvent, _) => {
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
    if !breaches(smallest, threshold) {
        return LinkVerdict::Broken(format!(
            "alarm {name} needs {statistic} {} {threshold} in a period, but one matching event gives {smallest}; set the threshold to {} with GreaterThanOrEqualToThreshold",
            if operator == "GreaterThanThreshold" { ">" } else { ">=" },
            smallest.min(1.0)
        ));
    }
    let stuck =
        "so the alarm stays in ALARM and a matching event changes nothing and notifies no one";
    let default_text = default.map(|d| d.to_string()).unwrap_or_default();
    match quiet {
        Quiet::Unbounded => {
            return LinkVerdict::Broken(format!(
                "alarm {name} uses {statistic}, and the filter publishes its default value {default_text} for every non-matching event, so a busy period without a match breaches {operator} {threshold} as well, {stuck}; remove the default value"
            ))
        }
        Quiet::At(quiet) if breaches(quiet, threshold) => {
            return LinkVerdict::Broken(format!(
                "alarm {name}: the filter publishes its default value {default_text} for every non-matching event, which gives {statistic} {quiet} and breaches {operator} {threshold} without a match, {stuck}; remove the default value"
            ))
        }
        Quiet::At(_) | Quiet::Nothing => {}
    }
    match alarm.treat_missing_data.as_deref() {
        None | Some("missing" | "notBreaching") => {}
        Some("breaching") => {
            return LinkVerdict::Broken(format!(
                "alarm {name} treats missing data as breaching: every period without a match counts as breaching, {stuck}; set TreatMissingData to notBreaching"
            ))
        }
        Some("ignore") if quiet == Quiet::Nothing => {
            return LinkVerdict::Broken(format!(
                "alarm {name} ignores missing data, which keeps its state while no datapoint comes: after the first matching event nothing brings it back to OK, so later events change nothing and notify no one; set TreatMissingData to notBreaching"
            ))
        }
        Some("ignore") => {}
        Some(other) => {
            return LinkVerdict::Judge(format!(
                "alarm {name} treats missing data as `{other}`, which trailwatch does not know; check that it returns to OK when nothing matches"
            ))
        }
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

/// What a period with only non-matching events publishes, for the alarm's statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Quiet {
    /// No datapoint (the filter has no default value).
    Nothing,
    /// This datapoint.
    At(f64),
    /// A datapoint that grows with the number of events (no bound below the threshold).
    Unbounded,
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

    fn alarm(statistic: &str, threshold: f64, treat_missing_data: Option<&str>) -> Alarm {
        Alarm {
            name: "a".into(),
            arn: "arn".into(),
            region: "us-east-1".into(),
            metric_name: Some("m".into()),
            namespace: Some("n".into()),
            dimensions: Default::default(),
            statistic: Some(statistic.into()),
            extended_statistic: None,
            period: Some(300),
            threshold: Some(threshold),
            comparison_operator: Some("GreaterThanOrEqualToThreshold".into()),
            evaluation_periods: Some(1),
            datapoints_to_alarm: None,
            treat_missing_data: treat_missing_data.map(str::to_string),
            actions_enabled: true,
            alarm_actions: vec![],
            ok_actions: vec![],
            insufficient_data_actions: vec![],
            state_value: None,
            uses_metric_math: false,
        }
    }

    /// The verdict on `alarm` for a filter publishing 1 per match and `default` otherwise:
    /// `Ok`, or the first words of the problem.
    fn verdict(alarm: &Alarm, default: Option<f64>) -> Result<(), String> {
        let mut filter = transformation("1");
        filter.default_value = default;
        match judge_alarm(alarm, &filter, metric_value(&filter).unwrap()) {
            LinkVerdict::Ok(_) => Ok(()),
            LinkVerdict::Broken(problem) => Err(format!("broken: {problem}")),
            LinkVerdict::Judge(why) => Err(format!("judge: {why}")),
        }
    }

    /// A period with only non-matching events must not breach, or the alarm never leaves
    /// ALARM: default values are judged per statistic.
    #[test]
    fn a_default_value_must_not_breach_without_a_match() {
        let broken = |statistic: &str, threshold: f64, default: f64, words: &str| {
            let got = verdict(&alarm(statistic, threshold, None), Some(default));
            assert!(
                got.as_ref()
                    .is_err_and(|p| p.starts_with("broken") && p.contains(words)),
                "{statistic} >= {threshold}, default {default}: {got:?}"
            );
        };
        broken("SampleCount", 1.0, 0.0, "busy period without a match");
        broken("Sum", 1.0, 1.0, "busy period without a match");
        broken("Sum", 1.0, -1.0, "can cancel a match");
        broken(
            "Sum",
            0.0,
            0.0,
            "breaches GreaterThanOrEqualToThreshold 0 without a match",
        );
        broken("Maximum", 1.0, 2.0, "without a match");
        broken("Minimum", 0.5, 0.5, "without a match");
        assert_eq!(verdict(&alarm("Sum", 1.0, None), Some(0.0)), Ok(()));
        assert_eq!(verdict(&alarm("Maximum", 1.0, None), Some(0.5)), Ok(()));
        assert_eq!(verdict(&alarm("SampleCount", 1.0, None), None), Ok(()));
    }

    /// Missing data must not keep the alarm in ALARM: `breaching` always would, `ignore` does
    /// when nothing publishes between matches (no default value).
    #[test]
    fn missing_data_must_let_the_alarm_leave_alarm() {
        for treat in [None, Some("missing"), Some("notBreaching")] {
            assert_eq!(
                verdict(&alarm("Sum", 1.0, treat), None),
                Ok(()),
                "{treat:?}"
            );
        }
        let got = verdict(&alarm("Sum", 1.0, Some("breaching")), None);
        assert!(got.is_err_and(|p| p.contains("treats missing data as breaching")));
        let got = verdict(&alarm("Sum", 1.0, Some("ignore")), None);
        assert!(got.is_err_and(|p| p.contains("ignores missing data")));
        assert_eq!(
            verdict(&alarm("Sum", 1.0, Some("ignore")), Some(0.0)),
            Ok(())
        );
        let got = verdict(&alarm("Sum", 1.0, Some("sometimes")), None);
        assert!(got.is_err_and(|p| p.starts_with("judge")));
    }

    #[test]
    fn a_default_value_lowers_minimum_and_average() {
        let mut with_default = transformation("1");
        with_default.default_value = Some(0.0);
        let alarm = alarm("Average", 1.0, None);
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
