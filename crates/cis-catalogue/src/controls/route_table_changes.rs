#![doc = include_str!("route_table_changes.md")]

// Sources: pattern texts from spec section 15.1 (CIS transcriptions cross-checked there).
// Levels, titles and Automated/Manual were checked against transcriptions of v7.0.0 (all sixteen),
// v4.0.1 (4.10-4.12: Manual), v3.0.0 (4.2-4.4), v1.5.0 (4.2, 4.3, 4.15, 4.16) and v1.4.0 (4.1,
// 4.2, 4.10-4.15): monitoring controls are Automated up to v3.0.0 and Manual from v4.0.1, and the
// titles say "exist for" up to v3.0.0 ("exists for" only on 4.15). v1.2.0 ('Scored', taken as
// Automated), v1.3.0, v2.0.0, v5.0.0 and v6.0.0 are assumed to match their neighbours.
// The audit text differs from the remediation text from v3.0.0 on (spec section 15.1).

use crate::Assessment::{Automated, Manual};
use crate::Benchmark::{
    V1_2_0, V1_3_0, V1_4_0, V1_5_0, V2_0_0, V3_0_0, V4_0_1, V5_0_0, V6_0_0, V7_0_0,
};
use crate::{Check, Control, KnownWrong, PublishedPattern, Topic, Variant};

/// This topic's documentation, for `trailwatch controls explain`.
pub(super) const DOC: &str = include_str!("route_table_changes.md");

/// The pattern(s) published in v1.2.0–v2.0.0.
const PATTERNS_1_2_0_TO_2_0_0: &[PublishedPattern] = &[PublishedPattern {
    text: r#"{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
    variant: Variant::Standard,
    known_wrong: None,
}];

/// The pattern(s) published in v3.0.0–v7.0.0.
const PATTERNS_3_0_0_TO_7_0_0: &[PublishedPattern] = &[PublishedPattern {
        text: r#"{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
        variant: Variant::Remediation,
        known_wrong: None,
    }, PublishedPattern {
        text: r#"{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
        variant: Variant::Audit,
        known_wrong: Some(KnownWrong {
            intended: r#"{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }"#,
            why: "`&&` binds tighter than `||`, so the `eventSource` condition only guards `CreateRoute`; the other six event names are counted from any source. The remediation text of the same control has no `eventSource` term at all.",
        }),
    }];

/// Why it matters, shared by every version.
const RATIONALE: &str = "Route tables decide where traffic leaves a subnet. A changed route can send traffic through an attacker's appliance or to the internet; alerting on route changes keeps traffic on intended paths.";

/// How to fix, shared by every version; the pattern is the one printed with the control.
const REMEDIATION: &str = super::metric_filter_remediation!("route-table-changes");

/// One entry per benchmark version that has this control.
pub(super) static CONTROLS: &[Control] = &[
    Control {
        benchmark: V1_2_0,
        id: "3.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure a log metric filter and alarm exist for route table changes",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_2_0_TO_2_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_3_0,
        id: "4.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure a log metric filter and alarm exist for route table changes",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_2_0_TO_2_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_4_0,
        id: "4.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure a log metric filter and alarm exist for route table changes",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_2_0_TO_2_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V1_5_0,
        id: "4.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure a log metric filter and alarm exist for route table changes",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_2_0_TO_2_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V2_0_0,
        id: "4.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure a log metric filter and alarm exist for route table changes",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_1_2_0_TO_2_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V3_0_0,
        id: "4.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure a log metric filter and alarm exist for route table changes",
        level: 1,
        assessment: Automated,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_3_0_0_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V4_0_1,
        id: "4.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure route table changes are monitored",
        level: 1,
        assessment: Manual,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_3_0_0_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V5_0_0,
        id: "4.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure route table changes are monitored",
        level: 1,
        assessment: Manual,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_3_0_0_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V6_0_0,
        id: "5.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure route table changes are monitored",
        level: 1,
        assessment: Manual,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_3_0_0_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V7_0_0,
        id: "5.13",
        topic: Topic::RouteTableChanges,
        title: "Ensure route table changes are monitored",
        level: 1,
        assessment: Manual,
        check: Check::MetricFilterAlarm {
            patterns: PATTERNS_3_0_0_TO_7_0_0,
        },
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
];
