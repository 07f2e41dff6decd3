#![doc = include_str!("unauthorized_api_calls.md")]

// Sources: pattern texts from spec section 15.1 (CIS transcriptions cross-checked there).
// Levels, titles and Automated/Manual were checked against transcriptions of v7.0.0 (all sixteen),
// v4.0.1 (4.10-4.12: Manual), v3.0.0 (4.2-4.4), v1.5.0 (4.2, 4.3, 4.15, 4.16) and v1.4.0 (4.1,
// 4.2, 4.10-4.15): monitoring controls are Automated up to v3.0.0 and Manual from v4.0.1, and the
// titles say "exist for" up to v3.0.0 ("exists for" only on 4.15). v1.2.0 ('Scored', taken as
// Automated), v1.3.0, v2.0.0, v5.0.0 and v6.0.0 are assumed to match their neighbours.
// Uncertain: the v1.3.0 text is not in the spec's sources; v1.2.0's A || B is assumed.
// v7.0.0 level verified as 2 (v1.2.0 had 1).

use crate::Assessment::{Automated, Manual};
use crate::Benchmark::{
    V1_2_0, V1_3_0, V1_4_0, V1_5_0, V2_0_0, V3_0_0, V4_0_1, V5_0_0, V6_0_0, V7_0_0,
};
use crate::{Check, Control, KnownWrong, PublishedPattern, Topic, Variant};

/// This topic's documentation, for `trailwatch controls explain`.
pub(super) const DOC: &str = include_str!("unauthorized_api_calls.md");

/// The pattern(s) published in v1.2.0–v1.3.0.
const PATTERNS_1_2_0_TO_1_3_0: &[PublishedPattern] = &[PublishedPattern {
    text: r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
    variant: Variant::Standard,
    known_wrong: None,
}];

/// The pattern(s) published in v1.4.0–v3.0.0.
const PATTERNS_1_4_0_TO_3_0_0: &[PublishedPattern] = &[PublishedPattern {
        text: r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }"#,
        variant: Variant::Standard,
        known_wrong: Some(KnownWrong {
            intended: r#"{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#,
            why: "Every CloudTrail record has `sourceIPAddress` and `eventName`, so the two `!=` terms joined by `||` hold for almost every event and the filter counts nearly all API activity.",
        }),
    }];

/// The pattern(s) published in v4.0.1–v7.0.0.
const PATTERNS_4_0_1_TO_7_0_0: &[PublishedPattern] = &[PublishedPattern {
        text: r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
        variant: Variant::Standard,
        known_wrong: Some(KnownWrong {
            intended: r#"{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#,
            why: "`&&` binds tighter than `||`, so this reads `A || (B && C && D)`: the delivery.logs and HeadBucket exclusions apply only to `AccessDenied*` errors, never to `*UnauthorizedOperation` ones.",
        }),
    }];

/// Why it matters, shared by every version.
const RATIONALE: &str = "Calls refused for lack of permission are often the first trace of a stolen credential being tried out, or of an application whose permissions drifted. Alerting on them shortens the time to notice someone probing the account.";

/// How to fix, shared by every version; the pattern is the one printed with the control.
const REMEDIATION: &str = super::metric_filter_remediation!("unauthorized-api-calls");

/// One entry per benchmark version that has this control.
pub(super) static CONTROLS: &[Control] = &[
    Control {
        benchmark: V1_2_0,
        id: "3.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure a log metric filter and alarm exist for unauthorized API calls",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_2_0_TO_1_3_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_3_0,
        id: "4.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure a log metric filter and alarm exist for unauthorized API calls",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_2_0_TO_1_3_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_4_0,
        id: "4.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure a log metric filter and alarm exist for unauthorized API calls",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_4_0_TO_3_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_5_0,
        id: "4.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure a log metric filter and alarm exist for unauthorized API calls",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_4_0_TO_3_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V2_0_0,
        id: "4.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure a log metric filter and alarm exist for unauthorized API calls",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_4_0_TO_3_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V3_0_0,
        id: "4.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure a log metric filter and alarm exist for unauthorized API calls",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_4_0_TO_3_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V4_0_1,
        id: "4.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure unauthorized API calls are monitored",
        level: 2,
        assessment: Manual,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_4_0_1_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V5_0_0,
        id: "4.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure unauthorized API calls are monitored",
        level: 2,
        assessment: Manual,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_4_0_1_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V6_0_0,
        id: "5.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure unauthorized API calls are monitored",
        level: 2,
        assessment: Manual,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_4_0_1_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V7_0_0,
        id: "5.1",
        topic: Topic::UnauthorizedApiCalls,
        title: "Ensure unauthorized API calls are monitored",
        level: 2,
        assessment: Manual,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_4_0_1_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
];
