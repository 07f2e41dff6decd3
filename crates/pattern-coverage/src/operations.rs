//! AWS API operation names per CloudTrail `eventSource`, generated from the AWS SDK service
//! models by `scripts/gen-api-operations`, plus the CloudTrail event names that are not API
//! operations (console sign-in and similar).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The generated data: `eventSource: Op1 Op2 ...` per line, `#` comments.
const DATA: &str = include_str!("../data/api-operations.txt");

/// CloudTrail event names that no SDK model lists, with the eventSource recording them.
/// Console sign-in events (`signin.amazonaws.com`) and the console's own session events are
/// recorded by CloudTrail but are not callable APIs.
pub const NON_API_EVENTS: &[(&str, &str)] = &[
    ("signin.amazonaws.com", "ConsoleLogin"),
    ("signin.amazonaws.com", "CheckMfa"),
    ("signin.amazonaws.com", "SwitchRole"),
    ("signin.amazonaws.com", "ExitRole"),
    ("signin.amazonaws.com", "RenewRole"),
    ("signin.amazonaws.com", "CredentialVerification"),
    ("signin.amazonaws.com", "CredentialChallenge"),
    ("signin.amazonaws.com", "UserAuthentication"),
    ("signin.amazonaws.com", "GetSigninToken"),
    ("signin.amazonaws.com", "PasswordUpdated"),
    ("signin.amazonaws.com", "ConsoleLogout"),
    ("sso.amazonaws.com", "Authenticate"),
    ("sso.amazonaws.com", "Federate"),
];

struct Index {
    /// Operation name → the eventSources that have it.
    sources: HashMap<&'static str, Vec<&'static str>>,
    /// Lower-cased operation name → the correctly cased name.
    lowercase: HashMap<String, &'static str>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut sources: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        let lines = DATA.lines().filter(|l| !l.starts_with('#'));
        for line in lines {
            let Some((source, ops)) = line.split_once(": ") else {
                continue;
            };
            for op in ops.split(' ') {
                sources.entry(op).or_default().push(source);
            }
        }
        for (source, name) in NON_API_EVENTS {
            sources.entry(name).or_default().push(source);
        }
        let lowercase = sources
            .keys()
            .map(|k| (k.to_ascii_lowercase(), *k))
            .collect();
        Index { sources, lowercase }
    })
}

/// The eventSources whose services have an operation (or non-API event) of this exact name.
pub fn event_sources(event_name: &str) -> &'static [&'static str] {
    index().sources.get(event_name).map_or(&[], Vec::as_slice)
}

/// The correctly cased event name when `event_name` differs from a known one only by case.
pub fn case_fix(event_name: &str) -> Option<&'static str> {
    index()
        .lowercase
        .get(&event_name.to_ascii_lowercase())
        .copied()
        .filter(|known| *known != event_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_cis_event_names_and_their_sources() {
        assert!(event_sources("PutBucketPolicy").contains(&"s3.amazonaws.com"));
        assert!(event_sources("StopLogging").contains(&"cloudtrail.amazonaws.com"));
        assert!(event_sources("PutMetricAlarm").contains(&"monitoring.amazonaws.com"));
        assert!(event_sources("ScheduleKeyDeletion").contains(&"kms.amazonaws.com"));
        assert_eq!(event_sources("ConsoleLogin"), &["signin.amazonaws.com"]);
        assert!(event_sources("PutBucketPolicyy").is_empty());
        assert_eq!(case_fix("putbucketpolicy"), Some("PutBucketPolicy"));
        assert_eq!(case_fix("PutBucketPolicy"), None);
    }
}
