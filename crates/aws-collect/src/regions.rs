//! Which regions a collection covers.

/// The regions enabled by default in every commercial account (no opt-in needed).
///
/// Used only when `account:ListRegions` fails; opt-in regions the account enabled are then not
/// read, and the collector says so in a warning.
pub const DEFAULT_ENABLED_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
];

/// Sorts and deduplicates a region list.
pub(crate) fn normalize(mut regions: Vec<String>) -> Vec<String> {
    regions.iter_mut().for_each(|r| *r = r.trim().to_string());
    regions.retain(|r| !r.is_empty());
    regions.sort();
    regions.dedup();
    regions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_sorts_trims_and_deduplicates() {
        let regions = vec![
            " eu-west-1".into(),
            "us-east-1".into(),
            "eu-west-1".into(),
            "".into(),
        ];
        assert_eq!(normalize(regions), vec!["eu-west-1", "us-east-1"]);
    }
}
