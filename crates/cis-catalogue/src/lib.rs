//! The CIS AWS Foundations Benchmark "Monitoring" controls, per benchmark version, as data.
//!
//! Every control of the monitoring section of every benchmark version that has one is a
//! [`Control`] value: its id in that version, its topic, title, profile level, assessment status,
//! what it checks (the filter patterns exactly as the benchmark printed them, every variant kept),
//! its rationale and its remediation. The tables live in one module per [`Topic`] under
//! `controls/`; each topic's ruff-style documentation (what it checks, why it matters, example,
//! how to fix) is its module doc and is also available at run time through [`Topic::doc`].
//!
//! Nothing here judges an account: the audit engine reads this catalogue and decides.
//!
//! ```
//! use cis_catalogue::{find, Benchmark, Topic};
//! let control = find(Benchmark::V7_0_0, "iam-policy-changes").unwrap();
//! assert_eq!(control.id, "5.4");
//! assert_eq!(control.topic, Topic::IamPolicyChanges);
//! ```

mod controls;

use std::fmt;
use std::str::FromStr;

/// A published version of the CIS AWS Foundations Benchmark that has a monitoring section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Benchmark {
    /// v1.2.0: monitoring is section 3, controls 3.1–3.14.
    V1_2_0,
    /// v1.3.0: monitoring is section 4, controls 4.1–4.15.
    V1_3_0,
    /// v1.4.0: 4.1–4.15.
    V1_4_0,
    /// v1.5.0: 4.1–4.16 (4.16 is "Security Hub enabled").
    V1_5_0,
    /// v2.0.0: 4.1–4.16.
    V2_0_0,
    /// v3.0.0: 4.1–4.16.
    V3_0_0,
    /// v4.0.1: 4.1–4.16; titles now read "Ensure … are monitored" and the metric-filter controls
    /// are marked Manual.
    V4_0_1,
    /// v5.0.0: 4.1–4.16.
    V5_0_0,
    /// v6.0.0: monitoring moved to section 5, controls 5.1–5.16.
    V6_0_0,
    /// v7.0.0: 5.1–5.16.
    V7_0_0,
}

impl Benchmark {
    /// Every version, oldest first.
    pub const ALL: [Benchmark; 10] = [
        Benchmark::V1_2_0,
        Benchmark::V1_3_0,
        Benchmark::V1_4_0,
        Benchmark::V1_5_0,
        Benchmark::V2_0_0,
        Benchmark::V3_0_0,
        Benchmark::V4_0_1,
        Benchmark::V5_0_0,
        Benchmark::V6_0_0,
        Benchmark::V7_0_0,
    ];

    /// The newest version, the default for every command.
    pub fn latest() -> Benchmark {
        Benchmark::V7_0_0
    }

    /// The version number without the `v`, e.g. `"1.4.0"`.
    pub fn version(self) -> &'static str {
        match self {
            Benchmark::V1_2_0 => "1.2.0",
            Benchmark::V1_3_0 => "1.3.0",
            Benchmark::V1_4_0 => "1.4.0",
            Benchmark::V1_5_0 => "1.5.0",
            Benchmark::V2_0_0 => "2.0.0",
            Benchmark::V3_0_0 => "3.0.0",
            Benchmark::V4_0_1 => "4.0.1",
            Benchmark::V5_0_0 => "5.0.0",
            Benchmark::V6_0_0 => "6.0.0",
            Benchmark::V7_0_0 => "7.0.0",
        }
    }

    /// The number of the monitoring section in this version: 3 (v1.2.0), 4 (v1.3.0–v5.0.0) or
    /// 5 (v6.0.0 on).
    pub fn monitoring_section(self) -> u8 {
        match self {
            Benchmark::V1_2_0 => 3,
            Benchmark::V6_0_0 | Benchmark::V7_0_0 => 5,
            _ => 4,
        }
    }
}

impl fmt::Display for Benchmark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.version())
    }
}

/// A benchmark or topic name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// What kind of name was expected (`benchmark version`, `control topic`).
    pub kind: &'static str,
    /// The text that was given.
    pub given: String,
    /// The accepted spellings, for the error message.
    pub expected: Vec<String>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?}; expected one of: {}",
            self.kind,
            self.given,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownName {}

impl FromStr for Benchmark {
    type Err = UnknownName;

    /// Accepts `1.4.0`, `v1.4.0`, `V1.4.0` and the two-part `1.4`. The two-part form of v4.0.1
    /// is `4.0` (CIS withdrew v4.0.0 and republished it as v4.0.1).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let bare = trimmed
            .strip_prefix('v')
            .or_else(|| trimmed.strip_prefix('V'))
            .unwrap_or(trimmed);
        Benchmark::ALL
            .into_iter()
            .find(|benchmark| {
                let full = benchmark.version();
                let two_part = &full[..full.rfind('.').unwrap_or(full.len())];
                bare == full || bare == two_part
            })
            .ok_or_else(|| UnknownName {
                kind: "benchmark version",
                given: text.to_string(),
                expected: Benchmark::ALL.iter().map(|b| b.to_string()).collect(),
            })
    }
}

/// What a monitoring control watches for. A topic keeps its meaning across versions while its
/// id changes (3.4 in v1.2.0, 4.4 in v1.3.0–v5.0.0, 5.4 from v6.0.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Unauthorized API calls (`errorCode` `*UnauthorizedOperation` / `AccessDenied*`).
    UnauthorizedApiCalls,
    /// Management console sign-in without MFA.
    ConsoleSigninWithoutMfa,
    /// Usage of the root user.
    RootUsage,
    /// IAM policy changes.
    IamPolicyChanges,
    /// CloudTrail configuration changes.
    CloudTrailConfigChanges,
    /// Console authentication failures.
    ConsoleAuthFailures,
    /// Disabling or scheduled deletion of customer-managed KMS keys.
    CmkDisableOrDeletion,
    /// S3 bucket policy changes.
    S3BucketPolicyChanges,
    /// AWS Config configuration changes.
    ConfigChanges,
    /// Security group changes.
    SecurityGroupChanges,
    /// Network ACL changes.
    NaclChanges,
    /// Network gateway changes.
    NetworkGatewayChanges,
    /// Route table changes.
    RouteTableChanges,
    /// VPC changes.
    VpcChanges,
    /// AWS Organizations changes.
    OrganizationsChanges,
    /// AWS Security Hub is enabled.
    SecurityHubEnabled,
}

impl Topic {
    /// Every topic, in benchmark order.
    pub const ALL: [Topic; 16] = [
        Topic::UnauthorizedApiCalls,
        Topic::ConsoleSigninWithoutMfa,
        Topic::RootUsage,
        Topic::IamPolicyChanges,
        Topic::CloudTrailConfigChanges,
        Topic::ConsoleAuthFailures,
        Topic::CmkDisableOrDeletion,
        Topic::S3BucketPolicyChanges,
        Topic::ConfigChanges,
        Topic::SecurityGroupChanges,
        Topic::NaclChanges,
        Topic::NetworkGatewayChanges,
        Topic::RouteTableChanges,
        Topic::VpcChanges,
        Topic::OrganizationsChanges,
        Topic::SecurityHubEnabled,
    ];

    /// The stable, version-independent name, e.g. `"iam-policy-changes"`. Used on the command
    /// line, in reports and to name the resources a fix creates (`cis-<slug>`).
    pub fn slug(self) -> &'static str {
        match self {
            Topic::UnauthorizedApiCalls => "unauthorized-api-calls",
            Topic::ConsoleSigninWithoutMfa => "console-signin-without-mfa",
            Topic::RootUsage => "root-usage",
            Topic::IamPolicyChanges => "iam-policy-changes",
            Topic::CloudTrailConfigChanges => "cloudtrail-config-changes",
            Topic::ConsoleAuthFailures => "console-auth-failures",
            Topic::CmkDisableOrDeletion => "cmk-disable-or-deletion",
            Topic::S3BucketPolicyChanges => "s3-bucket-policy-changes",
            Topic::ConfigChanges => "config-changes",
            Topic::SecurityGroupChanges => "security-group-changes",
            Topic::NaclChanges => "nacl-changes",
            Topic::NetworkGatewayChanges => "network-gateway-changes",
            Topic::RouteTableChanges => "route-table-changes",
            Topic::VpcChanges => "vpc-changes",
            Topic::OrganizationsChanges => "organizations-changes",
            Topic::SecurityHubEnabled => "security-hub-enabled",
        }
    }

    /// The topic's ruff-style documentation in Markdown: `## What it checks`,
    /// `## Why it matters`, `## Example`, `## How to fix`.
    pub fn doc(self) -> &'static str {
        controls::doc(self)
    }

    /// The CloudTrail event sources whose *management events* the control's filter needs to see,
    /// e.g. `["kms.amazonaws.com"]` for [`Topic::CmkDisableOrDeletion`].
    ///
    /// A trail whose event selectors exclude one of these sources
    /// (`ExcludeManagementEventSources`, which today accepts `kms.amazonaws.com` and
    /// `rdsdata.amazonaws.com`) cannot feed this control however good the filter is. An empty
    /// list means the control's events can come from any service (unauthorized calls, root
    /// usage) or that the control does not read CloudTrail (Security Hub).
    pub fn required_event_sources(self) -> &'static [&'static str] {
        match self {
            Topic::UnauthorizedApiCalls | Topic::RootUsage | Topic::SecurityHubEnabled => &[],
            Topic::ConsoleSigninWithoutMfa | Topic::ConsoleAuthFailures => {
                &["signin.amazonaws.com"]
            }
            Topic::IamPolicyChanges => &["iam.amazonaws.com"],
            Topic::CloudTrailConfigChanges => &["cloudtrail.amazonaws.com"],
            Topic::CmkDisableOrDeletion => &["kms.amazonaws.com"],
            Topic::S3BucketPolicyChanges => &["s3.amazonaws.com"],
            Topic::ConfigChanges => &["config.amazonaws.com"],
            Topic::SecurityGroupChanges
            | Topic::NaclChanges
            | Topic::NetworkGatewayChanges
            | Topic::RouteTableChanges
            | Topic::VpcChanges => &["ec2.amazonaws.com"],
            Topic::OrganizationsChanges => &["organizations.amazonaws.com"],
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for Topic {
    type Err = UnknownName;

    /// Accepts the slug exactly (`iam-policy-changes`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Topic::ALL
            .into_iter()
            .find(|topic| topic.slug() == text.trim())
            .ok_or_else(|| UnknownName {
                kind: "control topic",
                given: text.to_string(),
                expected: Topic::ALL.iter().map(|t| t.slug().to_string()).collect(),
            })
    }
}

/// Whether CIS marks a control as checkable by a tool (`Automated`) or needing a person
/// (`Manual`). The audit still checks Manual monitoring controls: the marking is CIS's, and is
/// reported as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assessment {
    /// "Automated" (called "Scored" before v1.3.0).
    Automated,
    /// "Manual" (called "Not Scored" before v1.3.0).
    Manual,
}

impl fmt::Display for Assessment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Assessment::Automated => "Automated",
            Assessment::Manual => "Manual",
        })
    }
}

/// One control of one benchmark version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    /// The benchmark version this entry belongs to.
    pub benchmark: Benchmark,
    /// The control's number in that version, e.g. `"4.4"`.
    pub id: &'static str,
    /// What the control watches for; stable across versions.
    pub topic: Topic,
    /// The title as published in that version.
    pub title: &'static str,
    /// The CIS profile level, 1 or 2.
    pub level: u8,
    /// Automated or Manual, as published.
    pub assessment: Assessment,
    /// What satisfies the control.
    pub check: Check,
    /// Why the control matters, in our own words (the same for every version).
    pub rationale: &'static str,
    /// How to fix a failure, step by step.
    pub remediation: &'static str,
}

impl Control {
    /// The topic's stable slug, e.g. `"iam-policy-changes"`.
    pub fn slug(&self) -> &'static str {
        self.topic.slug()
    }

    /// The topic's ruff-style documentation (see [`Topic::doc`]).
    pub fn doc(&self) -> &'static str {
        self.topic.doc()
    }

    /// The published patterns of a metric-filter control; empty for the Security Hub control.
    pub fn patterns(&self) -> &'static [PublishedPattern] {
        match self.check {
            Check::MetricFilterAlarm { patterns } => patterns,
            Check::SecurityHubEnabled => &[],
        }
    }
}

/// What satisfies a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A multi-region, logging CloudTrail delivers to a CloudWatch Logs log group holding a
    /// metric filter that catches the events, with an alarm on its metric notifying an SNS topic
    /// that has a confirmed subscriber.
    ///
    /// `patterns` lists every text the benchmark printed for this control and version. They are
    /// alternatives: the catalogue's reading is that a filter satisfies the control when its
    /// pattern catches every event that at least one of them catches, taking
    /// [`PublishedPattern::effective`] for texts the benchmark got wrong.
    MetricFilterAlarm {
        /// The published pattern texts, in the order the benchmark prints them.
        patterns: &'static [PublishedPattern],
    },
    /// AWS Security Hub is enabled in every region in scope.
    SecurityHubEnabled,
}

/// Why a pattern text appears in the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// The one pattern the benchmark prints for the control.
    Standard,
    /// The alternative the benchmark offers "to reduce false positives in case Single Sign-On
    /// (SSO) is used" (console sign-in without MFA).
    Sso,
    /// The text printed in the Audit procedure, where it differs from the remediation text.
    Audit,
    /// The text printed in the Remediation procedure, where it differs from the audit text.
    Remediation,
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Variant::Standard => "standard",
            Variant::Sso => "sso",
            Variant::Audit => "audit",
            Variant::Remediation => "remediation",
        })
    }
}

/// A filter pattern exactly as a benchmark version printed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedPattern {
    /// The pattern text, character for character as published (quoting and spacing included).
    pub text: &'static str,
    /// Which of the control's texts this is.
    pub variant: Variant,
    /// Set when the published text does not mean what the benchmark evidently intended.
    pub known_wrong: Option<KnownWrong>,
}

impl PublishedPattern {
    /// The pattern a filter should be judged against: the intended form when the published
    /// text is known to be wrong, otherwise the published text.
    pub fn effective(&self) -> &'static str {
        match self.known_wrong {
            Some(wrong) => wrong.intended,
            None => self.text,
        }
    }
}

/// A published pattern whose operators do not say what the benchmark meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownWrong {
    /// The pattern the benchmark evidently intended.
    pub intended: &'static str,
    /// What goes wrong with the published text, in one or two sentences.
    pub why: &'static str,
}

/// Every monitoring control of `benchmark`, in id order.
pub fn controls(benchmark: Benchmark) -> Vec<Control> {
    let mut found: Vec<Control> = controls::TABLES
        .iter()
        .flat_map(|table| table.iter())
        .filter(|control| control.benchmark == benchmark)
        .copied()
        .collect();
    found.sort_by_key(|control| id_sort_key(control.id));
    found
}

/// The control of `benchmark` whose id (`"4.4"`) or topic slug (`"iam-policy-changes"`) is
/// `id_or_slug`; `None` if that version has no such control.
pub fn find(benchmark: Benchmark, id_or_slug: &str) -> Option<Control> {
    let wanted = id_or_slug.trim();
    controls(benchmark)
        .into_iter()
        .find(|control| control.id == wanted || control.slug() == wanted)
}

/// Sorts "4.2" before "4.10": section and number compared as numbers.
fn id_sort_key(id: &str) -> (u32, u32) {
    let (section, number) = id.split_once('.').unwrap_or((id, "0"));
    (
        section.parse().unwrap_or(u32::MAX),
        number.parse().unwrap_or(u32::MAX),
    )
}

/// Benchmarks and topics serialise as their display text (`"v7.0.0"`, `"iam-policy-changes"`)
/// and deserialise through [`FromStr`], so reports and config files carry the same spelling as
/// the command line.
macro_rules! serde_as_text {
    ($type:ty) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_as_text!(Benchmark);
serde_as_text!(Topic);
