//! Lists and downloads CloudTrail log objects from S3 concurrently.
//!
//! `s3://BUCKET/PREFIX` names every object under the prefix. CloudTrail keys carry their day
//! (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/...`), so a [`DayRange`] drops objects
//! outside the wanted days before downloading them; a key without a `/YYYY/MM/DD/` part cannot
//! be dated and is always kept. Digest files (`CloudTrail-Digest`) hold no events and are
//! skipped, and counted.

use aws_sdk_s3::Client;
use futures::stream::{self, StreamExt};
use std::fmt;

/// An S3 client for `config`. With a custom endpoint (`AWS_ENDPOINT_URL`, e.g. a local
/// emulator) buckets are addressed by path, since `bucket.localhost` does not resolve.
pub fn client(config: &aws_config::SdkConfig) -> Client {
    let builder = aws_sdk_s3::config::Builder::from(config);
    let builder = if config.endpoint_url().is_some() {
        builder.force_path_style(true)
    } else {
        builder
    };
    Client::from_conf(builder.build())
}

/// A parsed `s3://BUCKET/PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    /// The bucket.
    pub bucket: String,
    /// The key prefix (may be empty).
    pub prefix: String,
}

impl S3Url {
    /// Reads `s3://BUCKET` or `s3://BUCKET/PREFIX`.
    pub fn parse(text: &str) -> Result<S3Url, String> {
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{text:?} is not an s3:// URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{text:?} names no bucket"));
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// A day as `(year, month, day)`.
pub type Day = (u16, u8, u8);

/// Inclusive bounds on the day in an object's key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    /// The first day kept.
    pub since: Option<Day>,
    /// The last day kept.
    pub until: Option<Day>,
}

impl DayRange {
    /// Whether `key` may hold events of a kept day (undatable keys are kept).
    pub fn keeps(&self, key: &str) -> bool {
        key_day(key).is_none_or(|day| self.contains(day))
    }

    /// Whether `day` is within the range.
    pub fn contains(&self, day: Day) -> bool {
        self.since.is_none_or(|since| day >= since) && self.until.is_none_or(|until| day <= until)
    }

    /// Whether the range bounds anything.
    pub fn is_bounded(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }
}

/// Reads `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Result<Day, String> {
    let bad = || format!("{text:?} is not a date (YYYY-MM-DD)");
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let (y, m, d) = (
        y.parse::<u16>().map_err(|_| bad())?,
        m.parse::<u8>().map_err(|_| bad())?,
        d.parse::<u8>().map_err(|_| bad())?,
    );
    if y.to_string().len() != 4 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    Ok((y, m, d))
}

/// The first `/YYYY/MM/DD/` of a key, as CloudTrail writes it.
pub fn key_day(key: &str) -> Option<Day> {
    let parts: Vec<&str> = key.split('/').collect();
    parts.windows(4).find_map(|w| {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if digits(w[0], 4) && digits(w[1], 2) && digits(w[2], 2) {
            let day = (w[0].parse().ok()?, w[1].parse().ok()?, w[2].parse().ok()?);
            (1..=12).contains(&day.1).then_some(day)
        } else {
            None
        }
    })
}

/// An object to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What a listing found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Objects to read.
    pub objects: Vec<Object>,
    /// Objects outside the day range that were listed (a key whose date is not in a folder).
    pub outside_range: u64,
    /// Day folders (`.../YYYY/MM/DD/`) outside the day range, never listed: every key below
    /// such a folder has that folder's day (see [`key_day`]), so none of them can be kept.
    pub pruned_days: u64,
    /// Digest files (no events).
    pub digests: u64,
}

/// An S3 failure, with what was being done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    /// `s3://bucket/key` (or the prefix for a listing).
    pub location: String,
    /// The SDK's message.
    pub message: String,
}

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for S3Error {}

/// Lists the objects under `url` (all pages), keeping those `range` keeps.
///
/// With a bounded range the listing walks the folders (`delimiter` `/`) and does not list a day
/// folder (`.../YYYY/MM/DD/`, as CloudTrail writes them) outside the range: an archive of years
/// is listed one call per month folder plus the kept days, not object by object. A folder is
/// pruned only when [`key_day`] of the folder itself is out of range, which is then the day of
/// every key below it, so nothing a full listing would keep is skipped.
pub async fn list(client: &Client, url: &S3Url, range: DayRange) -> Result<Listing, S3Error> {
    let mut listing = Listing::default();
    if !range.is_bounded() {
        list_into(client, &url.bucket, &url.prefix, None, range, &mut listing).await?;
        return Ok(listing);
    }
    let mut folders = vec![url.prefix.clone()];
    while let Some(folder) = folders.pop() {
        match folder_day(&folder) {
            Some(day) if !range.contains(day) => listing.pruned_days += 1,
            Some(_) => {
                // A day folder in range: everything below it, no delimiter needed.
                list_into(client, &url.bucket, &folder, None, range, &mut listing).await?;
            }
            None => {
                let below =
                    list_into(client, &url.bucket, &folder, Some("/"), range, &mut listing).await?;
                // Depth first, in key order.
                folders.extend(below.into_iter().rev());
            }
        }
    }
    Ok(listing)
}

/// The day of a folder prefix ending in `/YYYY/MM/DD/` (or holding such a part earlier).
fn folder_day(prefix: &str) -> Option<Day> {
    if prefix.ends_with('/') {
        key_day(prefix)
    } else {
        None
    }
}

/// Lists `prefix` (all pages) into `listing`, with `delimiter` if given; returns the folders
/// (common prefixes) found.
async fn list_into(
    client: &Client,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    range: DayRange,
    listing: &mut Listing,
) -> Result<Vec<String>, S3Error> {
    let mut folders = Vec::new();
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .set_delimiter(delimiter.map(str::to_string))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| S3Error {
            location: format!("s3://{bucket}/{prefix}"),
            message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
        })?;
        folders.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string)),
        );
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            if key.ends_with('/') {
                continue;
            }
            if key.contains("/CloudTrail-Digest/") || key.contains("_CloudTrail-Digest_") {
                listing.digests += 1;
            } else if !range.keeps(key) {
                listing.outside_range += 1;
            } else {
                listing.objects.push(Object {
                    key: key.to_string(),
                    size: object.size().unwrap_or(0).max(0) as u64,
                });
            }
        }
    }
    Ok(folders)
}

/// Downloads `objects` from `bucket`, `concurrency` at a time, handing each body (or the
/// failure) to `deliver` as it arrives. `deliver` runs on the async tasks; keep it short (e.g.
/// send to a bounded channel read by worker threads: a full channel slows the downloads).
pub async fn download(
    client: &Client,
    bucket: &str,
    objects: Vec<Object>,
    concurrency: usize,
    deliver: impl Fn(String, Result<Vec<u8>, S3Error>),
) {
    let mut bodies = stream::iter(objects)
        .map(|object| async move {
            let location = format!("s3://{bucket}/{}", object.key);
            let result = async {
                let response = client
                    .get_object()
                    .bucket(bucket)
                    .key(&object.key)
                    .send()
                    .await
                    .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(e).to_string())?;
                let bytes = response.body.collect().await.map_err(|e| e.to_string())?;
                Ok::<_, String>(bytes.into_bytes().to_vec())
            }
            .await
            .map_err(|message| S3Error {
                location: location.clone(),
                message,
            });
            (location, result)
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((location, result)) = bodies.next().await {
        deliver(location, result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            S3Url::parse("s3://logs/AWSLogs/1/").unwrap(),
            S3Url {
                bucket: "logs".into(),
                prefix: "AWSLogs/1/".into()
            }
        );
        assert_eq!(S3Url::parse("s3://logs").unwrap().prefix, "");
        assert!(S3Url::parse("s3:///x").is_err());
        assert!(S3Url::parse("/tmp/x").is_err());
    }

    /// A folder is given a day only when every key below it has that day.
    #[test]
    fn folders_are_dated_only_at_the_day_level() {
        let region = "AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1";
        assert_eq!(
            folder_day(&format!("{region}/2024/02/29/")),
            Some((2024, 2, 29))
        );
        assert_eq!(folder_day(&format!("{region}/2024/02/")), None);
        assert_eq!(folder_day(&format!("{region}/2024/")), None);
        assert_eq!(folder_day(&format!("{region}/2024/02/2")), None);
        assert_eq!(folder_day(&format!("{region}/2024/02/29")), None);
        assert_eq!(folder_day(""), None);
        for key in [
            format!("{region}/2024/02/29/a.json.gz"),
            format!("{region}/2024/02/29/deeper/b.json.gz"),
        ] {
            assert_eq!(key_day(&key), folder_day(&format!("{region}/2024/02/29/")));
        }
        // A folder named like a month with a non-day below it is not dated.
        assert_eq!(folder_day("x/2024/02/notaday/"), None);
    }

    #[test]
    fn dates_keys_and_prunes_by_day() {
        let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/x.json.gz";
        assert_eq!(key_day(key), Some((2024, 5, 1)));
        assert_eq!(key_day("exports/events.jsonl"), None);
        let range = DayRange {
            since: Some(parse_day("2024-05-01").unwrap()),
            until: Some(parse_day("2024-05-31").unwrap()),
        };
        assert!(range.keeps(key));
        assert!(!range.keeps("AWSLogs/1/CloudTrail/us-east-1/2024/04/30/x.json.gz"));
        assert!(!range.keeps("AWSLogs/1/CloudTrail/us-east-1/2024/06/01/x.json.gz"));
        assert!(range.keeps("exports/events.jsonl"));
        assert!(parse_day("2024-5").is_err());
        assert!(parse_day("2024-13-01").is_err());
    }
}
