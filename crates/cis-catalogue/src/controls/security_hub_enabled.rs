#![doc = include_str!("security_hub_enabled.md")]

// Levels, titles and Automated/Manual were checked against transcriptions of v7.0.0 (all sixteen),
// v4.0.1 (4.10-4.12: Manual), v3.0.0 (4.2-4.4), v1.5.0 (4.2, 4.3, 4.15, 4.16) and v1.4.0 (4.1,
// 4.2, 4.10-4.15): monitoring controls are Automated up to v3.0.0 and Manual from v4.0.1, and the
// titles say "exist for" up to v3.0.0 ("exists for" only on 4.15). v1.2.0 ('Scored', taken as
// Automated), v1.3.0, v2.0.0, v5.0.0 and v6.0.0 are assumed to match their neighbours.
// Security Hub appears as 4.16 from v1.5.0 (5.16 from v6.0.0); Automated, Level 2.

use crate::Assessment::Automated;
use crate::Benchmark::{V1_5_0, V2_0_0, V3_0_0, V4_0_1, V5_0_0, V6_0_0, V7_0_0};
use crate::{Check, Control, Topic};

/// This topic's documentation, for `trailwatch controls explain`.
pub(super) const DOC: &str = include_str!("security_hub_enabled.md");

/// Why it matters, shared by every version.
const RATIONALE: &str = "Security Hub gathers findings from AWS services and partner tools and checks the account against security standards continuously. Without it, those findings stay scattered across services.";

/// How to fix, shared by every version.
const REMEDIATION: &str = super::security_hub_remediation!();

/// One entry per benchmark version that has this control.
pub(super) static CONTROLS: &[Control] = &[
    Control {
        benchmark: V1_5_0,
        id: "4.16",
        topic: Topic::SecurityHubEnabled,
        title: "Ensure AWS Security Hub is enabled",
        level: 2,
        assessment: Automated,
        check: Check::SecurityHubEnabled,
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V2_0_0,
        id: "4.16",
        topic: Topic::SecurityHubEnabled,
        title: "Ensure AWS Security Hub is enabled",
        level: 2,
        assessment: Automated,
        check: Check::SecurityHubEnabled,
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V3_0_0,
        id: "4.16",
        topic: Topic::SecurityHubEnabled,
        title: "Ensure AWS Security Hub is enabled",
        level: 2,
        assessment: Automated,
        check: Check::SecurityHubEnabled,
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V4_0_1,
        id: "4.16",
        topic: Topic::SecurityHubEnabled,
        title: "Ensure AWS Security Hub is enabled",
        level: 2,
        assessment: Automated,
        check: Check::SecurityHubEnabled,
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V5_0_0,
        id: "4.16",
        topic: Topic::SecurityHubEnabled,
        title: "Ensure AWS Security Hub is enabled",
        level: 2,
        assessment: Automated,
        check: Check::SecurityHubEnabled,
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V6_0_0,
        id: "5.16",
        topic: Topic::SecurityHubEnabled,
        title: "Ensure AWS Security Hub is enabled",
        level: 2,
        assessment: Automated,
        check: Check::SecurityHubEnabled,
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
    Control {
        benchmark: V7_0_0,
        id: "5.16",
        topic: Topic::SecurityHubEnabled,
        title: "Ensure AWS Security Hub is enabled",
        level: 2,
        assessment: Automated,
        check: Check::SecurityHubEnabled,
        rationale: RATIONALE,
        remediation: REMEDIATION,
    },
];
