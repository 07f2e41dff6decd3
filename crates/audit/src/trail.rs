//! The trail link: does a trail record every management event, in every region, and deliver it
//! to CloudWatch Logs?
//!
//! Choices, pinned by tests:
//! - A trail must be multi-region and logging, and its selectors must record management events
//!   of both read and write type (possibly split over several selectors). The sources in
//!   `required_sources` (e.g. `kms.amazonaws.com` for the KMS control) must not be excluded.
//! - Advanced selectors count only when they select `eventCategory Equals Management`; a
//!   `readOnly` condition limits them to reads or writes; an `eventSource` condition limits the
//!   sources; a condition on any other field is treated as a restriction the engine cannot
//!   reason about, so the selector does not count.
//! - A trail with a latest CloudWatch Logs delivery error still counts, with a warning: AWS keeps
//!   the last error even after delivery recovered, and the snapshot does not say when it
//!   happened, so it is not proof that delivery is broken now.

use snapshot::{AdvancedEventSelector, EventSelectors, ReadWriteType, Trail};

/// The verdict on a trail.
pub(crate) enum TrailVerdict {
    /// The trail does not qualify: what is wrong, in words a person can act on.
    Broken(String),
    /// Nothing seen disqualifies it.
    Qualifies {
        /// Warnings that do not change the verdict.
        warnings: Vec<String>,
        /// What could not be judged because it was not read (status, selectors); the rest of
        /// the chain can still be walked.
        unread: Vec<String>,
    },
}

/// Judges one trail for a control whose events come from `required_sources` (empty: any).
/// Everything that was read is checked, even when some of it was not read, so that a definite
/// problem is reported as such.
pub(crate) fn judge(trail: &Trail, required_sources: &[&str]) -> TrailVerdict {
    if !trail.is_multi_region {
        return TrailVerdict::Broken(format!(
            "trail {} records only its home region {}; make it multi-region (IsMultiRegionTrail)",
            trail.name, trail.home_region
        ));
    }
    let mut unread = Vec::new();
    let mut warnings = Vec::new();
    match &trail.status {
        None => unread.push(format!(
            "the status of trail {} (GetTrailStatus) was not read",
            trail.name
        )),
        Some(status) if !status.is_logging => {
            return TrailVerdict::Broken(format!(
                "trail {} is not logging; start it (StartLogging)",
                trail.name
            ))
        }
        Some(status) => {
            if let Some(error) = &status.latest_cloudwatch_logs_delivery_error {
                warnings.push(format!(
                    "trail {} reports a CloudWatch Logs delivery error ({error}); check that its delivery role can still write to the log group",
                    trail.name
                ));
            }
        }
    }
    match &trail.event_selectors {
        None => unread.push(format!(
            "the event selectors of trail {} (GetEventSelectors) were not read, so whether it records management events is unknown",
            trail.name
        )),
        Some(selectors) => {
            if let Err(problem) = records_management_events(selectors, required_sources) {
                return TrailVerdict::Broken(format!("trail {} {problem}", trail.name));
            }
        }
    }
    if trail.log_group_arn.is_none() {
        return TrailVerdict::Broken(format!(
            "trail {} does not deliver to CloudWatch Logs; set CloudWatchLogsLogGroupArn and a delivery role",
            trail.name
        ));
    }
    TrailVerdict::Qualifies { warnings, unread }
}

/// Which management events one selector records.
#[derive(Default)]
struct Coverage {
    reads: bool,
    writes: bool,
}

/// `Ok` when the selectors record read and write management events from every required source
/// (or from all sources when none is required); otherwise what is missing, as a predicate
/// phrase ("records only write management events").
fn records_management_events(
    selectors: &EventSelectors,
    required_sources: &[&str],
) -> Result<(), String> {
    if selectors.classic.is_empty() && selectors.advanced.is_empty() {
        return Err("has no event selectors, so it records no management events".to_string());
    }
    // `None` stands for "all sources" when no specific source is required.
    let sources: Vec<Option<&str>> = if required_sources.is_empty() {
        vec![None]
    } else {
        required_sources.iter().map(|s| Some(*s)).collect()
    };
    for source in sources {
        let mut total = Coverage::default();
        for selector in &selectors.classic {
            if !selector.include_management_events {
                continue;
            }
            if let Some(source) = source {
                if selector
                    .exclude_management_event_sources
                    .iter()
                    .any(|s| s == source)
                {
                    continue;
                }
            }
            match selector.read_write_type {
                ReadWriteType::All => {
                    total.reads = true;
                    total.writes = true;
                }
                ReadWriteType::ReadOnly => total.reads = true,
                ReadWriteType::WriteOnly => total.writes = true,
            }
        }
        for selector in &selectors.advanced {
            let coverage = advanced_coverage(selector, source);
            total.reads |= coverage.reads;
            total.writes |= coverage.writes;
        }
        let what = match source {
            Some(source) => format!("management events from {source}"),
            None => "management events".to_string(),
        };
        match (total.reads, total.writes) {
            (true, true) => {}
            (false, false) => {
                return Err(format!(
                    "does not record {what}; add a selector with IncludeManagementEvents and ReadWriteType All{}",
                    if source.is_some() { " that does not exclude that source" } else { "" }
                ))
            }
            (true, false) => {
                return Err(format!(
                    "records only read-only {what}; set ReadWriteType All"
                ))
            }
            (false, true) => {
                return Err(format!(
                    "records only write {what}; set ReadWriteType All"
                ))
            }
        }
    }
    Ok(())
}

/// What one advanced selector records of management events from `source` (`None`: all sources).
fn advanced_coverage(selector: &AdvancedEventSelector, source: Option<&str>) -> Coverage {
    let mut management = false;
    let mut coverage = Coverage {
        reads: true,
        writes: true,
    };
    for field in &selector.field_selectors {
        match field.field.as_str() {
            "eventCategory" => {
                management = field.equals.iter().any(|v| v == "Management")
                    && field.not_equals.iter().all(|v| v != "Management")
                    && field.starts_with.is_empty()
                    && field.ends_with.is_empty()
                    && field.not_starts_with.is_empty()
                    && field.not_ends_with.is_empty();
            }
            "readOnly" => {
                let admits = |value: &str| {
                    (field.equals.is_empty() || field.equals.iter().any(|v| v == value))
                        && field.not_equals.iter().all(|v| v != value)
                        && field
                            .starts_with
                            .iter()
                            .all(|p| value.starts_with(p.as_str()))
                        && field.ends_with.iter().all(|p| value.ends_with(p.as_str()))
                        && field
                            .not_starts_with
                            .iter()
                            .all(|p| !value.starts_with(p.as_str()))
                        && field
                            .not_ends_with
                            .iter()
                            .all(|p| !value.ends_with(p.as_str()))
                };
                coverage.reads &= admits("true");
                coverage.writes &= admits("false");
            }
            "eventSource" => {
                let admitted = match source {
                    // All sources: only exclusions of single named sources are tolerated
                    // (AWS allows excluding kms and rdsdata, which no other control needs).
                    None => {
                        field.equals.is_empty()
                            && field.starts_with.is_empty()
                            && field.ends_with.is_empty()
                            && field.not_starts_with.is_empty()
                            && field.not_ends_with.is_empty()
                    }
                    Some(source) => {
                        (field.equals.is_empty() || field.equals.iter().any(|v| v == source))
                            && field.not_equals.iter().all(|v| v != source)
                            && (field.starts_with.is_empty()
                                || field
                                    .starts_with
                                    .iter()
                                    .any(|p| source.starts_with(p.as_str())))
                            && (field.ends_with.is_empty()
                                || field.ends_with.iter().any(|p| source.ends_with(p.as_str())))
                            && field
                                .not_starts_with
                                .iter()
                                .all(|p| !source.starts_with(p.as_str()))
                            && field
                                .not_ends_with
                                .iter()
                                .all(|p| !source.ends_with(p.as_str()))
                    }
                };
                if !admitted {
                    return Coverage::default();
                }
            }
            _ => return Coverage::default(),
        }
    }
    if management {
        coverage
    } else {
        Coverage::default()
    }
}

/// The parts of a CloudWatch Logs log group ARN
/// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogGroupArn {
    pub(crate) region: String,
    pub(crate) account_id: String,
    pub(crate) name: String,
}

/// Splits a log group ARN, or says why it is not one.
pub(crate) fn parse_log_group_arn(arn: &str) -> Result<LogGroupArn, String> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _partition, "logs", region, account, "log-group", rest]
            if !region.is_empty() && !account.is_empty() && !rest.is_empty() =>
        {
            let name = rest.strip_suffix(":*").unwrap_or(rest);
            Ok(LogGroupArn {
                region: region.to_string(),
                account_id: account.to_string(),
                name: name.to_string(),
            })
        }
        _ => Err(format!("`{arn}` is not a CloudWatch Logs log group ARN")),
    }
}

/// The account id in an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`), if it has one.
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The region in an ARN, if it has one.
pub(crate) fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_log_group_arns_with_and_without_the_star() {
        let arn =
            parse_log_group_arn("arn:aws:logs:eu-west-1:111122223333:log-group:CT/Main:*").unwrap();
        assert_eq!(arn.name, "CT/Main");
        assert_eq!(arn.region, "eu-west-1");
        assert_eq!(arn.account_id, "111122223333");
        let arn = parse_log_group_arn("arn:aws:logs:eu-west-1:111122223333:log-group:CT").unwrap();
        assert_eq!(arn.name, "CT");
        assert!(parse_log_group_arn("arn:aws:s3:::bucket").is_err());
        assert!(parse_log_group_arn("CT/Main").is_err());
    }

    #[test]
    fn split_read_and_write_selectors_together_record_everything() {
        use snapshot::ClassicEventSelector;
        let selector = |rw| ClassicEventSelector {
            read_write_type: rw,
            include_management_events: true,
            exclude_management_event_sources: vec![],
            data_resources: vec![],
        };
        let split = EventSelectors {
            classic: vec![
                selector(ReadWriteType::ReadOnly),
                selector(ReadWriteType::WriteOnly),
            ],
            advanced: vec![],
        };
        assert!(records_management_events(&split, &[]).is_ok());
        let only_writes = EventSelectors {
            classic: vec![selector(ReadWriteType::WriteOnly)],
            advanced: vec![],
        };
        let err = records_management_events(&only_writes, &[]).unwrap_err();
        assert!(err.contains("only write"), "{err}");
    }

    #[test]
    fn advanced_selectors_with_unknown_fields_do_not_count() {
        use snapshot::AdvancedFieldSelector;
        let selector = AdvancedEventSelector {
            name: None,
            field_selectors: vec![
                AdvancedFieldSelector {
                    field: "eventCategory".into(),
                    equals: vec!["Management".into()],
                    ..Default::default()
                },
                AdvancedFieldSelector {
                    field: "userIdentity.arn".into(),
                    not_equals: vec!["arn:aws:iam::1:role/x".into()],
                    ..Default::default()
                },
            ],
        };
        let coverage = advanced_coverage(&selector, None);
        assert!(!coverage.reads && !coverage.writes);
    }
}
