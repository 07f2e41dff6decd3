//! Metric datapoints per period and CloudWatch alarm evaluation over them.
//!
//! How CloudWatch's documented rules are applied (choices where the documentation leaves room
//! are marked *choice* and pinned by the tests below):
//! - A metric-filter metric is aggregated into periods aligned to the Unix epoch: the period of a
//!   sample at `t` starts at `t - t mod period` (CloudWatch aligns 5-minute periods to :00, :05,
//!   ...). Statistics are Sum, SampleCount, Average, Minimum and Maximum of the samples in a period.
//! - The alarm is evaluated once per period, when the period closes; *choice*: CloudWatch
//!   evaluates every minute, which changes the instant of a transition by less than one period,
//!   never whether it happens. The evaluation instant reported is the period's end.
//! - Evaluation range: the last `N + 2` periods, N = evaluation periods (*choice*: the docs say
//!   CloudWatch retrieves "a higher number of data points" than N; their worked examples show
//!   N + 2). If the range holds at least N real datapoints, the newest N real ones are judged
//!   and missing-data treatment plays no part. ALARM when at least M (datapoints to alarm)
//!   breach, else OK.
//! - With fewer than N real datapoints, the newest N periods are judged and missing ones are
//!   filled per treat-missing-data: `breaching` counts them as breaching, `notBreaching` as not;
//!   `missing` judges the real datapoints alone, needing min(M, real) breaching ones for ALARM
//!   (*choice*, matching the docs' example where one breaching datapoint among missing ones
//!   alarms a 3-of-3 alarm). With no real datapoint at all, `missing` goes to
//!   INSUFFICIENT_DATA, `breaching` to ALARM and `notBreaching` to OK.
//! - `ignore` ("the current alarm state is maintained") keeps the state whenever the newest
//!   period is missing and fewer than N real datapoints are in range; when the newest period has
//!   a datapoint it judges as `missing` does. This is the docs' table for a 3-of-3 alarm: the
//!   range `- - X - -` retains the current state under `ignore` (ALARM under `missing`), while
//!   the range `- - - - 0` is OK under both.
//! - A new alarm starts in INSUFFICIENT_DATA.

use std::collections::BTreeMap;
use std::fmt;

/// The samples published in one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datapoint {
    /// How many samples.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Datapoint {
    /// A datapoint of one sample.
    pub fn of(value: f64) -> Datapoint {
        Datapoint {
            count: 1,
            sum: value,
            min: value,
            max: value,
        }
    }

    /// Adds the samples of `other`.
    pub fn merge(&mut self, other: &Datapoint) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// Groups datapoints (keyed by their start, in seconds) into periods of `period` seconds
/// aligned to the epoch.
pub fn aggregate(points: &BTreeMap<i64, Datapoint>, period: i64) -> BTreeMap<i64, Datapoint> {
    let mut out: BTreeMap<i64, Datapoint> = BTreeMap::new();
    for (&start, point) in points {
        out.entry(period_start(start, period))
            .and_modify(|existing| existing.merge(point))
            .or_insert(*point);
    }
    out
}

/// The start of the epoch-aligned period holding instant `t`.
pub fn period_start(t: i64, period: i64) -> i64 {
    t - t.rem_euclid(period)
}

/// An alarm statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    /// Sum of the samples.
    Sum,
    /// Number of samples.
    SampleCount,
    /// Mean of the samples.
    Average,
    /// Smallest sample.
    Minimum,
    /// Largest sample.
    Maximum,
}

impl Statistic {
    /// Reads the name AWS uses (`Sum`, `SampleCount`, ...).
    pub fn parse(name: &str) -> Option<Statistic> {
        Some(match name {
            "Sum" => Statistic::Sum,
            "SampleCount" => Statistic::SampleCount,
            "Average" => Statistic::Average,
            "Minimum" => Statistic::Minimum,
            "Maximum" => Statistic::Maximum,
            _ => return None,
        })
    }

    /// The statistic's value for one datapoint.
    pub fn of(self, point: &Datapoint) -> f64 {
        match self {
            Statistic::Sum => point.sum,
            Statistic::SampleCount => point.count as f64,
            Statistic::Average => point.sum / point.count as f64,
            Statistic::Minimum => point.min,
            Statistic::Maximum => point.max,
        }
    }
}

/// How a value is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `>=`
    GreaterThanOrEqualToThreshold,
    /// `>`
    GreaterThanThreshold,
    /// `<`
    LessThanThreshold,
    /// `<=`
    LessThanOrEqualToThreshold,
}

impl Comparison {
    /// Reads the name AWS uses; anomaly-detection operators are not supported (`None`).
    pub fn parse(name: &str) -> Option<Comparison> {
        Some(match name {
            "GreaterThanOrEqualToThreshold" => Comparison::GreaterThanOrEqualToThreshold,
            "GreaterThanThreshold" => Comparison::GreaterThanThreshold,
            "LessThanThreshold" => Comparison::LessThanThreshold,
            "LessThanOrEqualToThreshold" => Comparison::LessThanOrEqualToThreshold,
            _ => return None,
        })
    }

    /// Whether `value` breaches `threshold`.
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => value >= threshold,
            Comparison::GreaterThanThreshold => value > threshold,
            Comparison::LessThanThreshold => value < threshold,
            Comparison::LessThanOrEqualToThreshold => value <= threshold,
        }
    }
}

/// What missing datapoints count as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingData {
    /// `missing` (the default).
    Missing,
    /// `notBreaching`.
    NotBreaching,
    /// `breaching`.
    Breaching,
    /// `ignore`.
    Ignore,
}

impl MissingData {
    /// Reads the name AWS uses; absent means `missing`.
    pub fn parse(name: Option<&str>) -> Option<MissingData> {
        Some(match name {
            None | Some("missing") => MissingData::Missing,
            Some("notBreaching") => MissingData::NotBreaching,
            Some("breaching") => MissingData::Breaching,
            Some("ignore") => MissingData::Ignore,
            Some(_) => return None,
        })
    }
}

/// An alarm's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmState {
    /// Within the threshold.
    Ok,
    /// Breaching.
    Alarm,
    /// Not enough data.
    InsufficientData,
}

impl fmt::Display for AlarmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        })
    }
}

/// The parts of an alarm that decide its state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlarmRule {
    /// The statistic judged.
    pub statistic: Statistic,
    /// The period in seconds (a multiple of 60: metric-filter metrics have one-minute
    /// resolution).
    pub period: i64,
    /// The threshold.
    pub threshold: f64,
    /// The comparison.
    pub comparison: Comparison,
    /// N: how many periods are evaluated.
    pub evaluation_periods: u32,
    /// M: how many of them must breach.
    pub datapoints_to_alarm: u32,
    /// How missing datapoints count.
    pub treat_missing: MissingData,
}

impl AlarmRule {
    /// The alarm the CIS benchmark's remediation creates: Sum over 300 s >= 1, one period,
    /// missing data treated as missing.
    pub fn cis_default() -> AlarmRule {
        AlarmRule {
            statistic: Statistic::Sum,
            period: 300,
            threshold: 1.0,
            comparison: Comparison::GreaterThanOrEqualToThreshold,
            evaluation_periods: 1,
            datapoints_to_alarm: 1,
            treat_missing: MissingData::Missing,
        }
    }
}

/// A change of state.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Transition {
    /// When the evaluation happened (the end of the newest period judged), epoch seconds.
    pub at: i64,
    /// The state before.
    pub from: AlarmState,
    /// The state after.
    pub to: AlarmState,
}

/// What an alarm did over the replayed time.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AlarmTimeline {
    /// Every change of state, in time order.
    pub transitions: Vec<Transition>,
    /// How many evaluations (one per period) ended in ALARM.
    pub alarm_periods: u64,
    /// The state after the last evaluation.
    pub final_state: AlarmState,
}

/// Evaluates `rule` once per period from the period holding `from` to the one holding `to`
/// (inclusive), over `points` (datapoints keyed by period start, aggregated at `rule.period`).
pub fn evaluate(
    rule: &AlarmRule,
    points: &BTreeMap<i64, Datapoint>,
    from: i64,
    to: i64,
) -> AlarmTimeline {
    let period = rule.period;
    let n = rule.evaluation_periods.max(1) as usize;
    let m = rule.datapoints_to_alarm.clamp(1, n as u32) as usize;
    let range = n + 2;
    let mut state = AlarmState::InsufficientData;
    let mut timeline = AlarmTimeline {
        transitions: Vec::new(),
        alarm_periods: 0,
        final_state: state,
    };
    let (first, last) = (period_start(from, period), period_start(to, period));
    let mut newest = first;
    // Breaching flags of the evaluation range, newest first (`None` = missing).
    let mut window: std::collections::VecDeque<Option<bool>> = std::collections::VecDeque::new();
    while newest <= last {
        let value = points.get(&newest).map(|point| {
            rule.comparison
                .breaches(rule.statistic.of(point), rule.threshold)
        });
        window.push_front(value);
        window.truncate(range);
        let next = judge(&window, n, m, rule.treat_missing).unwrap_or(state);
        if next != state {
            timeline.transitions.push(Transition {
                at: newest + period,
                from: state,
                to: next,
            });
            state = next;
        }
        if state == AlarmState::Alarm {
            timeline.alarm_periods += 1;
        }
        newest += period;
        // A range with no datapoint judges the same way every period until data comes back:
        // jump over the silence (years of it, when one event carries a wild eventTime).
        if window.len() == range && window.iter().all(Option::is_none) {
            let resume = points
                .range(newest..)
                .next()
                .map_or(last + period, |(&start, _)| start)
                .min(last + period);
            let silent = (resume - newest) / period;
            if silent > 0 {
                if state == AlarmState::Alarm {
                    timeline.alarm_periods += silent as u64;
                }
                newest = resume;
            }
        }
    }
    timeline.final_state = state;
    timeline
}

/// One evaluation over the range (newest first); `None` keeps the current state.
fn judge(
    window: &std::collections::VecDeque<Option<bool>>,
    n: usize,
    m: usize,
    treat: MissingData,
) -> Option<AlarmState> {
    let verdict = |breaching: usize, needed: usize| {
        if breaching >= needed {
            AlarmState::Alarm
        } else {
            AlarmState::Ok
        }
    };
    let real: Vec<bool> = window.iter().flatten().copied().collect();
    if real.len() >= n {
        let breaching = real.iter().take(n).filter(|&&b| b).count();
        return Some(verdict(breaching, m));
    }
    let breaching = real.iter().filter(|&&b| b).count();
    let filled = n - real.len();
    match treat {
        MissingData::Breaching => Some(verdict(breaching + filled, m)),
        MissingData::NotBreaching => Some(verdict(breaching, m)),
        MissingData::Missing if real.is_empty() => Some(AlarmState::InsufficientData),
        MissingData::Ignore if window.front().is_none_or(Option::is_none) => None,
        MissingData::Missing | MissingData::Ignore => Some(verdict(breaching, m.min(real.len()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlarmState::{Alarm, InsufficientData, Ok};

    /// A timeline from a picture: one character per 60 s period, `X` breaching (Sum 5), `0` not
    /// breaching (Sum 0), `-` missing.
    fn points(picture: &str) -> BTreeMap<i64, Datapoint> {
        picture
            .chars()
            .enumerate()
            .filter_map(|(i, c)| match c {
                'X' => Some((i as i64 * 60, Datapoint::of(5.0))),
                '0' => Some((i as i64 * 60, Datapoint::of(0.0))),
                _ => None,
            })
            .collect()
    }

    fn rule(n: u32, m: u32, treat: MissingData) -> AlarmRule {
        AlarmRule {
            statistic: Statistic::Sum,
            period: 60,
            threshold: 1.0,
            comparison: Comparison::GreaterThanOrEqualToThreshold,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            treat_missing: treat,
        }
    }

    /// The state after evaluating the whole picture.
    fn final_state(picture: &str, n: u32, m: u32, treat: MissingData) -> AlarmState {
        let len = picture.len() as i64;
        evaluate(&rule(n, m, treat), &points(picture), 0, (len - 1) * 60).final_state
    }

    #[test]
    fn aligns_periods_to_the_epoch() {
        assert_eq!(period_start(1_714_557_899, 300), 1_714_557_600);
        assert_eq!(period_start(1_714_557_600, 300), 1_714_557_600);
        assert_eq!(period_start(-1, 300), -300);
        let minutes: BTreeMap<i64, Datapoint> = [(0, 1.0), (60, 2.0), (240, 4.0), (300, 8.0)]
            .into_iter()
            .map(|(t, v)| (t, Datapoint::of(v)))
            .collect();
        let five = aggregate(&minutes, 300);
        assert_eq!(five.len(), 2);
        assert_eq!(five[&0].sum, 7.0);
        assert_eq!(five[&0].count, 3);
        assert_eq!(five[&300].sum, 8.0);
    }

    #[test]
    fn computes_each_statistic() {
        let mut point = Datapoint::of(2.0);
        point.merge(&Datapoint::of(6.0));
        point.merge(&Datapoint::of(1.0));
        assert_eq!(Statistic::Sum.of(&point), 9.0);
        assert_eq!(Statistic::SampleCount.of(&point), 3.0);
        assert_eq!(Statistic::Average.of(&point), 3.0);
        assert_eq!(Statistic::Minimum.of(&point), 1.0);
        assert_eq!(Statistic::Maximum.of(&point), 6.0);
    }

    #[test]
    fn compares_with_each_operator() {
        use Comparison::*;
        assert!(GreaterThanOrEqualToThreshold.breaches(1.0, 1.0));
        assert!(!GreaterThanThreshold.breaches(1.0, 1.0));
        assert!(LessThanThreshold.breaches(0.0, 1.0));
        assert!(LessThanOrEqualToThreshold.breaches(1.0, 1.0));
        assert!(!LessThanThreshold.breaches(1.0, 1.0));
    }

    #[test]
    fn enough_real_datapoints_ignore_the_missing_treatment() {
        for treat in [
            MissingData::Missing,
            MissingData::Ignore,
            MissingData::Breaching,
            MissingData::NotBreaching,
        ] {
            // Three real points in the 5-period range: the newest three are 0 X X.
            assert_eq!(final_state("0-X-X", 3, 3, treat), Ok, "{treat:?}");
            assert_eq!(final_state("0-X-X", 3, 2, treat), Alarm, "{treat:?}");
            assert_eq!(final_state("0XX-X", 3, 3, treat), Alarm, "{treat:?}");
        }
    }

    #[test]
    fn all_missing_follows_the_treatment() {
        assert_eq!(
            final_state("-----", 3, 3, MissingData::Missing),
            InsufficientData
        );
        assert_eq!(final_state("-----", 3, 3, MissingData::Breaching), Alarm);
        assert_eq!(final_state("-----", 3, 3, MissingData::NotBreaching), Ok);
        assert_eq!(
            final_state("-----", 3, 3, MissingData::Ignore),
            InsufficientData
        );
        // `ignore` keeps the state reached before the data stopped.
        assert_eq!(final_state("XXX------", 3, 3, MissingData::Ignore), Alarm);
        assert_eq!(final_state("000------", 3, 3, MissingData::Ignore), Ok);
        // `missing` drops to INSUFFICIENT_DATA once the whole range is empty.
        assert_eq!(
            final_state("XXX------", 3, 3, MissingData::Missing),
            InsufficientData
        );
    }

    #[test]
    fn few_real_datapoints_fill_the_rest_per_treatment() {
        assert_eq!(final_state("----0", 3, 3, MissingData::Missing), Ok);
        assert_eq!(final_state("----0", 3, 3, MissingData::Breaching), Ok);
        assert_eq!(final_state("----0", 3, 2, MissingData::Breaching), Alarm);
        assert_eq!(final_state("----0", 3, 3, MissingData::NotBreaching), Ok);
        assert_eq!(final_state("--X--", 3, 3, MissingData::Missing), Alarm);
        assert_eq!(final_state("--X--", 3, 3, MissingData::Ignore), Alarm);
        assert_eq!(final_state("----0", 3, 3, MissingData::Ignore), Ok);
        assert_eq!(final_state("--X--", 3, 3, MissingData::Breaching), Alarm);
        assert_eq!(final_state("--X--", 3, 3, MissingData::NotBreaching), Ok);
        assert_eq!(final_state("0-X--", 3, 2, MissingData::Missing), Ok);
        assert_eq!(final_state("0-X--", 3, 2, MissingData::Breaching), Alarm);
        assert_eq!(final_state("0-X--", 3, 2, MissingData::NotBreaching), Ok);
    }

    /// Under `ignore`, a silence keeps the state even as real datapoints age out of the range;
    /// the next datapoint is judged with the real ones still in range, as under `missing`.
    #[test]
    fn ignore_keeps_the_state_while_the_newest_period_is_missing() {
        let states = |picture: &str, treat| {
            let timeline = evaluate(
                &rule(3, 2, treat),
                &points(picture),
                0,
                (picture.len() as i64 - 1) * 60,
            );
            timeline
                .transitions
                .iter()
                .map(|t| (t.at / 60, t.to))
                .collect::<Vec<_>>()
        };
        // 0 X X 0, then silence. `missing` recovers once only one breaching point is left among
        // fewer than three (it needs min(2, real) of them), and ends with nothing in range;
        // `ignore` holds ALARM through the silence.
        assert_eq!(
            states("0XX0-----", MissingData::Missing),
            [(1, Ok), (3, Alarm), (7, Ok), (9, InsufficientData)]
        );
        assert_eq!(
            states("0XX0-----", MissingData::Ignore),
            [(1, Ok), (3, Alarm)]
        );
        // The next datapoint ends the hold: it is judged with the real ones still in range.
        assert_eq!(
            states("0XX0---0", MissingData::Ignore),
            [(1, Ok), (3, Alarm), (8, Ok)]
        );
        assert_eq!(
            states("0XX0--X", MissingData::Ignore),
            [(1, Ok), (3, Alarm)]
        );
    }

    #[test]
    fn records_transitions_with_times_and_counts_alarm_periods() {
        let timeline = evaluate(
            &AlarmRule {
                period: 60,
                ..AlarmRule::cis_default()
            },
            &points("--XX----X"),
            0,
            8 * 60 + 59,
        );
        let seen: Vec<_> = timeline
            .transitions
            .iter()
            .map(|t| (t.at, t.from, t.to))
            .collect();
        // A real datapoint stays in the evaluation range (N + 2 periods) after the data stops,
        // so the alarm holds ALARM for two silent periods before the range is empty.
        assert_eq!(
            seen,
            [
                (3 * 60, InsufficientData, Alarm),
                (7 * 60, Alarm, InsufficientData),
                (9 * 60, InsufficientData, Alarm),
            ]
        );
        assert_eq!(timeline.alarm_periods, 5);
        assert_eq!(timeline.final_state, Alarm);
    }

    #[test]
    fn m_of_n_needs_m_breaching_among_the_newest_n() {
        let r = rule(3, 2, MissingData::NotBreaching);
        let timeline = evaluate(&r, &points("X0000X0X00"), 0, 9 * 60);
        let seen: Vec<_> = timeline
            .transitions
            .iter()
            .map(|t| (t.at / 60, t.to))
            .collect();
        // Periods 5..7 (X0X) alarm at the end of period 7; periods 6..8 (0X0) recover.
        assert_eq!(seen, [(1, Ok), (8, Alarm), (9, Ok)]);
    }

    #[test]
    fn long_silences_are_skipped_with_the_same_result() {
        let mut picture = String::from("X");
        picture.push_str(&"-".repeat(5000));
        picture.push('X');
        picture.push_str(&"-".repeat(10));
        let last = (picture.len() as i64 - 1) * 60;
        for treat in [
            MissingData::Missing,
            MissingData::Breaching,
            MissingData::NotBreaching,
            MissingData::Ignore,
        ] {
            let fast = evaluate(&rule(1, 1, treat), &points(&picture), 0, last);
            // The same picture evaluated period by period: datapoints everywhere would defeat
            // the skip, so compare with a hand count instead.
            let expected_alarm_periods = match treat {
                MissingData::Breaching => picture.len() as u64,
                MissingData::Ignore => picture.len() as u64,
                _ => 6,
            };
            assert_eq!(fast.alarm_periods, expected_alarm_periods, "{treat:?}");
        }
    }

    #[test]
    fn parses_aws_names() {
        assert_eq!(
            Statistic::parse("SampleCount"),
            Some(Statistic::SampleCount)
        );
        assert_eq!(Statistic::parse("p99"), None);
        assert_eq!(
            Comparison::parse("LessThanThreshold"),
            Some(Comparison::LessThanThreshold)
        );
        assert_eq!(Comparison::parse("GreaterThanUpperThreshold"), None);
        assert_eq!(MissingData::parse(None), Some(MissingData::Missing));
        assert_eq!(
            MissingData::parse(Some("notBreaching")),
            Some(MissingData::NotBreaching)
        );
        assert_eq!(MissingData::parse(Some("bogus")), None);
    }
}
