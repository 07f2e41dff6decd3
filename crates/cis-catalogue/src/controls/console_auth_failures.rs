#![doc = include_str!("console_auth_failures.md")]

// Sources: pattern texts from spec section 15.1 (CIS transcriptions cross-checked there).
// Levels, titles and Automated/Manual were checked against transcriptions of v7.0.0 (all sixteen),
// v4.0.1 (4.10-4.12: Manual), v3.0.0 (4.2-4.4), v1.5.0 (4.2, 4.3, 4.15, 4.16) and v1.4.0 (4.1,
// 4.2, 4.10-4.15): monitoring controls are Automated up to v3.0.0 and Manual from v4.0.1, and the
// titles say "exist for" up to v3.0.0 ("exists for" only on 4.15). v1.2.0 ('Scored', taken as
// Automated), v1.3.0, v2.0.0, v5.0.0 and v6.0.0 are assumed to match their neighbours.

use crate::Assessment::{Automated, Manual};
use crate::Benchmark::{
    V1_2_0, V1_3_0, V1_4_0, V1_5_0, V2_0_0, V3_0_0, V4_0_1, V5_0_0, V6_0_0, V7_0_0,
};
use crate::{Check, Control, PublishedPattern, Topic, Variant};

/// This topic's documentation, for `trailwatch controls explain`.
pub(super) const DOC: &str = include_str!("console_auth_failures.md");

/// The pattern(s) published in v1.2.0–v7.0.0.
const PATTERNS: &[PublishedPattern] = &[PublishedPattern {
    text: r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    variant: Variant::Standard,
    known_wrong: None,
}];

/// Why it matters, shared by every version.
const RATIONALE: &str = "Repeated failed console sign-ins point to password guessing or credential stuffing. The alert gives the source address and user name while the attempt is still going on.";

/// How to fix, shared by every version; the pattern is the one printed with the control.
const REMEDIATION: &str = super::metric_filter_remediation!("console-auth-failures");

/// One entry per benchmark version that has this control.
pub(super) static CONTROLS: &[Control] = &[
    Control {
        benchmark: V1_2_0,
        id: "3.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures",
        level: 2,
        assessment: Automated,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_3_0,
        id: "4.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures",
        level: 2,
        assessment: Automated,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_4_0,
        id: "4.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures",
        level: 2,
        assessment: Automated,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_5_0,
        id: "4.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures",
        level: 2,
        assessment: Automated,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V2_0_0,
        id: "4.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures",
        level: 2,
        assessment: Automated,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V3_0_0,
        id: "4.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures",
        level: 2,
        assessment: Automated,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V4_0_1,
        id: "4.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure AWS Management Console authentication failures are monitored",
        level: 2,
        assessment: Manual,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V5_0_0,
        id: "4.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure AWS Management Console authentication failures are monitored",
        level: 2,
        assessment: Manual,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V6_0_0,
        id: "5.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure AWS Management Console authentication failures are monitored",
        level: 2,
        assessment: Manual,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V7_0_0,
        id: "5.6",
        topic: Topic::ConsoleAuthFailures,
        title: "Ensure AWS Management Console authentication failures are monitored",
        level: 2,
        assessment: Manual,
        check: Check::MetricFilterAlarm { patterns: PATTERNS },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
];
