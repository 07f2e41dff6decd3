//! Lists and downloads CloudTrail log objects from S3 concurrently.
//!
//! `s3://BUCKET/PREFIX` names every object under the prefix. CloudTrail keys carry their day
//! (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/...`), so a [`DayRange`] drops objects
//! outside the wanted days before downloading them; a key in another layout cannot be dated
//! and is always kept (see [`key_span`]). Digest files (`CloudTrail-Digest`) hold no events and are
//! skipped, and counted.
//!
//! The folders of a walk are listed concurrently ([`list_stream`]), and [`fetch`] downloads
//! objects as soon as they are listed. A listing call that fails does not stop the rest: it is
//! handed over as a [`ListFailure`], so nothing is skipped without being reported. Lists
//! returned here are sorted by key, so results do not depend on concurrency or timing.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::Client;
use futures::channel::mpsc;
use futures::future::BoxFuture;
use futures::stream::{self, FuturesUnordered, Stream, StreamExt};
use futures::SinkExt;
use std::fmt;
use std::pin::pin;

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

pub use cloudtrail_reader::days::{key_span, parse_day, Day, DayRange, Span};

/// The span of a folder prefix (ending in `/`) that holds every key below it: a year, month or
/// day folder of CloudTrail's layout ([`cloudtrail_reader::days::folder_span`]). A prefix
/// without the `/` is not a folder: `.../2024/05/01` also stands for keys under
/// `.../2024/05/01x/`, which span all of May.
fn folder_span(prefix: &str) -> Option<Span> {
    if prefix.ends_with('/') {
        cloudtrail_reader::days::folder_span(prefix)
    } else {
        None
    }
}

/// How many ListObjectsV2 calls a listing keeps in flight unless told otherwise.
pub const LIST_CONCURRENCY: usize = 8;

/// How many downloads [`fetch`] keeps in flight unless told otherwise.
pub const DOWNLOAD_CONCURRENCY: usize = 16;

/// How many S3 calls [`fetch`] runs at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency {
    /// ListObjectsV2 calls in flight (folders listed at once; the pages of one prefix are
    /// always fetched one after the other).
    pub list: usize,
    /// GetObject calls in flight.
    pub download: usize,
}

impl Default for Concurrency {
    fn default() -> Concurrency {
        Concurrency {
            list: LIST_CONCURRENCY,
            download: DOWNLOAD_CONCURRENCY,
        }
    }
}

/// An object to download.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Object {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What a listing passed over on purpose, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Digest files (no events).
    pub digests: u64,
    /// Objects outside the day range that were listed (a key whose date is not in a folder).
    pub outside_range: u64,
    /// Year, month and day folders (`.../YYYY/`, `.../YYYY/MM/`, `.../YYYY/MM/DD/`) outside
    /// the day range, never listed: every key below such a folder is dated within it (see
    /// [`key_span`]), so none of them can be kept.
    pub pruned_folders: u64,
}

impl Skipped {
    /// Adds another count.
    pub fn add(&mut self, other: Skipped) {
        self.digests += other.digests;
        self.outside_range += other.outside_range;
        self.pruned_folders += other.pruned_folders;
    }

    /// Whether nothing was skipped.
    pub fn is_empty(&self) -> bool {
        *self == Skipped::default()
    }
}

/// What a whole listing found ([`list`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Objects to read, sorted by key.
    pub objects: Vec<Object>,
    /// What was passed over on purpose.
    pub skipped: Skipped,
    /// Listing calls that failed, sorted by prefix: the objects they would have listed are
    /// missing from `objects`.
    pub failures: Vec<ListFailure>,
}

/// An S3 failure, with what was being done.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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

/// A ListObjectsV2 call that failed (after the SDK's own retries). The walk goes on with the
/// other folders; what this call would have listed (objects and, in a folder walk, the folders
/// below) is unknown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListFailure {
    /// The prefix (`s3://bucket/prefix`) and the SDK's message.
    pub error: S3Error,
    /// Pages of that prefix listed before the failing call: 0 when nothing below the prefix
    /// was listed, more when only its first pages were.
    pub pages_listed: u32,
}

/// One step of a listing, as [`list_stream`] yields them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEvent {
    /// One listed page: the objects to read (sorted by key) and what the page passed over
    /// (folders pruned are counted on the next page, or on a page of their own at the end).
    Found {
        /// Objects to read.
        objects: Vec<Object>,
        /// What was passed over.
        skipped: Skipped,
    },
    /// A listing call failed.
    Failed(ListFailure),
}

/// Lists the objects under `url` (all pages), keeping those `range` keeps, with up to
/// `concurrency` ListObjectsV2 calls in flight. Failed calls do not stop the listing; they are
/// in [`Listing::failures`]. The result does not depend on `concurrency` or on timing.
///
/// See [`list_stream`] for which calls are made.
pub async fn list(client: &Client, url: &S3Url, range: DayRange, concurrency: usize) -> Listing {
    let mut listing = Listing::default();
    let mut events = pin!(list_stream(client, url, range, concurrency));
    while let Some(event) = events.next().await {
        match event {
            ListEvent::Found { objects, skipped } => {
                listing.objects.extend(objects);
                listing.skipped.add(skipped);
            }
            ListEvent::Failed(failure) => listing.failures.push(failure),
        }
    }
    listing.objects.sort();
    listing.failures.sort();
    listing
}

/// Lists the objects under `url` page by page as the pages arrive, with up to `concurrency`
/// ListObjectsV2 calls in flight.
///
/// Without a day range this is one paginated listing of the prefix, no delimiter. With a
/// bounded range the listing walks the folders (`delimiter` `/`) and does not list a year,
/// month or day folder (`.../YYYY/MM/DD/`, as CloudTrail writes them) outside the range: an
/// archive of years is listed one call per region and kept year and month, plus the kept days,
/// not object by object. A folder is pruned only when its span (see [`key_span`]) is out of
/// range; every key below it is dated within that span, so nothing a full listing would keep is
/// skipped. The folders found are listed
/// concurrently; the pages of one prefix follow each other (each needs the previous one's
/// continuation token). Which calls are made does not depend on `concurrency`, only their order.
///
/// A call that fails (after the SDK's retries) yields [`ListEvent::Failed`] and the walk goes on.
pub fn list_stream<'a>(
    client: &'a Client,
    url: &'a S3Url,
    range: DayRange,
    concurrency: usize,
) -> impl Stream<Item = ListEvent> + Send + 'a {
    let walk = Walk::new(client, url, range, concurrency);
    stream::unfold(walk, |mut walk| async move {
        let event = walk.next().await?;
        Some((event, walk))
    })
}

/// How a folder (or the URL's prefix) is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// A year, month or day folder outside the range: not listed at all.
    Prune,
    /// Everything below it, no delimiter: the unbounded listing, or a day folder in range.
    ListAll,
    /// One level (delimiter `/`), its folders planned in turn.
    Walk,
}

/// How `folder` is listed for `range`.
fn plan(folder: &str, range: DayRange) -> Plan {
    if !range.is_bounded() {
        return Plan::ListAll;
    }
    match folder_span(folder) {
        Some(span) if !range.overlaps(span) => Plan::Prune,
        // A day folder in range: everything below it is kept.
        Some((first, last)) if first == last => Plan::ListAll,
        _ => Plan::Walk,
    }
}

/// What a listed key is to the replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// A folder marker (`.../`): no content.
    Marker,
    /// A CloudTrail digest file: no events.
    Digest,
    /// Dated outside the range.
    OutsideRange,
    /// To read.
    Kept,
}

/// Sorts a listed key.
fn classify(key: &str, range: DayRange) -> KeyKind {
    if key.ends_with('/') {
        KeyKind::Marker
    } else if cloudtrail_reader::is_digest_key(key) {
        KeyKind::Digest
    } else if !range.keeps(key) {
        KeyKind::OutsideRange
    } else {
        KeyKind::Kept
    }
}

/// The continuation token of the next page, if there is one: as the SDK's paginator decides,
/// an absent or empty token ends the listing, and so does the same token twice in a row.
fn next_token(previous: Option<&str>, next: Option<&str>) -> Option<String> {
    match next {
        Some(token) if !token.is_empty() && Some(token) != previous => Some(token.to_string()),
        _ => None,
    }
}

/// One ListObjectsV2 call to make.
struct Call {
    /// The prefix listed.
    prefix: String,
    /// Whether with delimiter `/`.
    delimited: bool,
    /// The continuation token (none for the first page).
    token: Option<String>,
    /// Pages of this prefix listed before this call.
    pages: u32,
}

/// A call's outcome.
type Reply = (Call, Result<ListObjectsV2Output, String>);

/// The state of a concurrent listing: calls waiting, calls in flight.
struct Walk<'a> {
    client: &'a Client,
    bucket: &'a str,
    range: DayRange,
    concurrency: usize,
    /// Calls to make, the next one last (depth first: the listing reaches objects early).
    waiting: Vec<Call>,
    in_flight: FuturesUnordered<BoxFuture<'a, Reply>>,
    /// Folders pruned and not yet reported.
    pruned: u64,
}

impl<'a> Walk<'a> {
    fn new(client: &'a Client, url: &'a S3Url, range: DayRange, concurrency: usize) -> Walk<'a> {
        let mut walk = Walk {
            client,
            bucket: &url.bucket,
            range,
            concurrency: concurrency.max(1),
            waiting: Vec::new(),
            in_flight: FuturesUnordered::new(),
            pruned: 0,
        };
        walk.visit(url.prefix.clone());
        walk
    }

    /// Plans the listing of a folder found (or of the URL's prefix).
    fn visit(&mut self, folder: String) {
        let delimited = match plan(&folder, self.range) {
            Plan::Prune => {
                self.pruned += 1;
                return;
            }
            Plan::ListAll => false,
            Plan::Walk => true,
        };
        self.waiting.push(Call {
            prefix: folder,
            delimited,
            token: None,
            pages: 0,
        });
    }

    /// Starts waiting calls while fewer than `concurrency` are in flight.
    fn start_calls(&mut self) {
        while self.in_flight.len() < self.concurrency {
            let Some(call) = self.waiting.pop() else {
                return;
            };
            let (client, bucket) = (self.client, self.bucket);
            self.in_flight.push(Box::pin(async move {
                let result = client
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(&call.prefix)
                    .set_delimiter(call.delimited.then(|| "/".to_string()))
                    .set_continuation_token(call.token.clone())
                    .send()
                    .await
                    .map_err(sdk_message);
                (call, result)
            }));
        }
    }

    /// The next step of the listing; `None` when every call is done.
    async fn next(&mut self) -> Option<ListEvent> {
        self.start_calls();
        let Some((call, result)) = self.in_flight.next().await else {
            let pruned = std::mem::take(&mut self.pruned);
            return (pruned > 0).then(|| ListEvent::Found {
                objects: Vec::new(),
                skipped: Skipped {
                    pruned_folders: pruned,
                    ..Skipped::default()
                },
            });
        };
        Some(match result {
            Ok(page) => self.found(call, &page),
            Err(message) => ListEvent::Failed(ListFailure {
                error: S3Error {
                    location: format!("s3://{}/{}", self.bucket, call.prefix),
                    message,
                },
                pages_listed: call.pages,
            }),
        })
    }

    /// Takes in a listed page: its objects, its folders (planned), its next page (planned).
    fn found(&mut self, call: Call, page: &ListObjectsV2Output) -> ListEvent {
        let mut objects = Vec::new();
        let mut skipped = Skipped::default();
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            match classify(key, self.range) {
                KeyKind::Marker => {}
                KeyKind::Digest => skipped.digests += 1,
                KeyKind::OutsideRange => skipped.outside_range += 1,
                KeyKind::Kept => objects.push(Object {
                    key: key.to_string(),
                    size: object.size().unwrap_or(0).max(0) as u64,
                }),
            }
        }
        objects.sort();
        // In key order: the first folder is the last pushed, so it is listed first.
        let folders: Vec<String> = page
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix().map(str::to_string))
            .collect();
        for folder in folders.into_iter().rev() {
            self.visit(folder);
        }
        if let Some(token) = next_token(call.token.as_deref(), page.next_continuation_token()) {
            self.waiting.push(Call {
                token: Some(token),
                pages: call.pages + 1,
                ..call
            });
        }
        skipped.pruned_folders += std::mem::take(&mut self.pruned);
        ListEvent::Found { objects, skipped }
    }
}

/// What [`fetch`] hands over as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// Objects just listed, about to be downloaded: how many and their size in bytes (for a
    /// progress display; each then comes as an [`Fetched::Object`]).
    Listed {
        /// How many.
        objects: u64,
        /// Their total size.
        bytes: u64,
    },
    /// A listed object's body, or why its download failed.
    Object {
        /// `s3://bucket/key`.
        location: String,
        /// The body.
        body: Result<Vec<u8>, S3Error>,
    },
    /// A listing call failed: what it would have listed was not downloaded.
    ListingFailed(ListFailure),
}

/// Lists `url` ([`list_stream`]) and downloads the objects kept as soon as they are listed,
/// handing each body, each failed download and each failed listing call to `deliver` as it
/// arrives; returns what the listing passed over on purpose.
///
/// Memory stays bounded: the listing runs ahead of the downloads by a few pages of keys (about
/// `concurrency.list`, each of at most 1,000 keys), at most `concurrency.download` bodies are
/// in flight, and each is handed over as soon as it is complete. `deliver`
/// runs on the async task that drives both; keep it short (e.g. send to a bounded channel read
/// by worker threads: a full channel slows the downloads, and then the listing).
pub async fn fetch(
    client: &Client,
    url: &S3Url,
    range: DayRange,
    concurrency: Concurrency,
    mut deliver: impl FnMut(Fetched),
) -> Skipped {
    /// Work for the download side.
    enum Job {
        Announce { objects: u64, bytes: u64 },
        Get(Object),
        Report(ListFailure),
    }
    let (mut pages_out, pages_in) = mpsc::channel::<ListEvent>(concurrency.list.max(1));
    let listing = async move {
        let mut skipped = Skipped::default();
        let mut events = pin!(list_stream(client, url, range, concurrency.list));
        while let Some(event) = events.next().await {
            if let ListEvent::Found { skipped: more, .. } = &event {
                skipped.add(*more);
            }
            if pages_out.send(event).await.is_err() {
                break; // the download side is gone (it never stops early)
            }
        }
        skipped
    };
    let downloads = async {
        let jobs = pages_in.flat_map(|event| {
            stream::iter(match event {
                ListEvent::Found { objects, .. } if objects.is_empty() => Vec::new(),
                ListEvent::Found { objects, .. } => {
                    let announce = Job::Announce {
                        objects: objects.len() as u64,
                        bytes: objects.iter().map(|object| object.size).sum(),
                    };
                    let gets = objects.into_iter().map(Job::Get);
                    std::iter::once(announce).chain(gets).collect()
                }
                ListEvent::Failed(failure) => vec![Job::Report(failure)],
            })
        });
        let mut done = jobs
            .map(|job| async move {
                match job {
                    Job::Get(object) => {
                        let (location, body) = get(client, &url.bucket, &object.key).await;
                        Fetched::Object { location, body }
                    }
                    Job::Report(failure) => Fetched::ListingFailed(failure),
                    Job::Announce { objects, bytes } => Fetched::Listed { objects, bytes },
                }
            })
            .buffer_unordered(concurrency.download.max(1));
        while let Some(fetched) = done.next().await {
            deliver(fetched);
        }
    };
    let (skipped, ()) = futures::join!(listing, downloads);
    skipped
}

/// [`fetch`] for several URLs at once, each with its own `concurrency`, all handing what they
/// fetch to the one `deliver`; returns what each listing passed over, in the order of `urls`.
pub async fn fetch_all(
    client: &Client,
    urls: &[S3Url],
    range: DayRange,
    concurrency: Concurrency,
    deliver: impl Fn(Fetched),
) -> Vec<Skipped> {
    let deliver = &deliver;
    let fetches = urls.iter().map(|url| {
        fetch(client, url, range, concurrency, move |fetched| {
            deliver(fetched)
        })
    });
    futures::future::join_all(fetches).await
}

/// What an SDK call's failure says, without what changes from one call to the next (request
/// ids, dates): the error code, message and HTTP status of a service error, else the error and
/// its causes.
fn sdk_message<E>(error: SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &error {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let err = service.err();
            match (err.code(), err.message()) {
                (Some(code), Some(message)) => format!("{code}: {message} (HTTP {status})"),
                (Some(code), None) => format!("{code} (HTTP {status})"),
                _ => format!("{} (HTTP {status})", DisplayErrorContext(err)),
            }
        }
        _ => DisplayErrorContext(&error).to_string(),
    }
}

/// Downloads one object: its location and its body or the failure.
async fn get(client: &Client, bucket: &str, key: &str) -> (String, Result<Vec<u8>, S3Error>) {
    let location = format!("s3://{bucket}/{key}");
    let result = async {
        let response = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(sdk_message)?;
        let bytes = response.body.collect().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(bytes.into_bytes().to_vec())
    }
    .await
    .map_err(|message| S3Error {
        location: location.clone(),
        message,
    });
    (location, result)
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

    /// A folder is given a span only when it is a folder: with its `/`.
    #[test]
    fn folders_span_what_is_below_them_only_with_their_slash() {
        let region = "AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1";
        let leap_day = ((2024, 2, 29), (2024, 2, 29));
        assert_eq!(
            folder_span(&format!("{region}/2024/02/29/")),
            Some(leap_day)
        );
        let february = ((2024, 2, 1), (2024, 2, 29));
        assert_eq!(folder_span(&format!("{region}/2024/02/")), Some(february));
        assert_eq!(folder_span(&format!("{region}/2024/02/29")), None);
        assert_eq!(folder_span(&format!("{region}/")), None);
        assert_eq!(folder_span(""), None);
        for key in [
            format!("{region}/2024/02/29/a.json.gz"),
            format!("{region}/2024/02/29/deeper/b.json.gz"),
        ] {
            assert_eq!(key_span(&key), Some(leap_day));
        }
    }

    #[test]
    fn dates_keys_and_prunes_by_day() {
        let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/x.json.gz";
        assert_eq!(key_span(key), Some(((2024, 5, 1), (2024, 5, 1))));
        assert_eq!(key_span("exports/events.jsonl"), None);
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

    /// The walk's plan for each folder.
    #[test]
    fn plans_folders_by_their_span() {
        let region = "AWSLogs/111122223333/CloudTrail/us-east-1";
        let may = DayRange {
            since: Some((2024, 5, 1)),
            until: Some((2024, 5, 31)),
        };
        // Unbounded: one listing of everything, whatever the prefix.
        for prefix in ["", "AWSLogs/", &format!("{region}/2024/04/30/")] {
            assert_eq!(plan(prefix, DayRange::default()), Plan::ListAll, "{prefix}");
        }
        assert_eq!(plan("", may), Plan::Walk);
        assert_eq!(plan(&format!("{region}/"), may), Plan::Walk);
        // Years and months outside are pruned whole; those that overlap are walked.
        assert_eq!(plan(&format!("{region}/2023/"), may), Plan::Prune);
        assert_eq!(plan(&format!("{region}/2024/04/"), may), Plan::Prune);
        assert_eq!(plan(&format!("{region}/2024/"), may), Plan::Walk);
        assert_eq!(plan(&format!("{region}/2024/05/"), may), Plan::Walk);
        assert_eq!(plan(&format!("{region}/2024/04/30/"), may), Plan::Prune);
        assert_eq!(plan(&format!("{region}/2024/06/01/"), may), Plan::Prune);
        assert_eq!(plan(&format!("{region}/2024/05/01/"), may), Plan::ListAll);
        assert_eq!(plan(&format!("{region}/2024/05/31/"), may), Plan::ListAll);
        // A prefix without the trailing slash may be the start of several folders' names.
        assert_eq!(plan(&format!("{region}/2024/04/30"), may), Plan::Walk);
        let since_only = DayRange {
            since: Some((2024, 5, 1)),
            until: None,
        };
        assert_eq!(
            plan(&format!("{region}/2030/01/01/"), since_only),
            Plan::ListAll
        );
        assert_eq!(
            plan(&format!("{region}/2024/04/30/"), since_only),
            Plan::Prune
        );
    }

    #[test]
    fn classifies_listed_keys() {
        let may = DayRange {
            since: Some((2024, 5, 1)),
            until: Some((2024, 5, 31)),
        };
        let region = "AWSLogs/1/CloudTrail/us-east-1";
        assert_eq!(
            classify(&format!("{region}/2024/05/01/"), may),
            KeyKind::Marker
        );
        assert_eq!(
            classify(
                "AWSLogs/1/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz",
                may
            ),
            KeyKind::Digest
        );
        assert_eq!(
            classify("x/1_CloudTrail-Digest_us-east-1_20240501.json.gz", may),
            KeyKind::Digest
        );
        assert_eq!(
            classify(&format!("{region}/2024/04/30/a.json.gz"), may),
            KeyKind::OutsideRange
        );
        assert_eq!(
            classify(&format!("{region}/2024/05/02/a.json.gz"), may),
            KeyKind::Kept
        );
        assert_eq!(classify("exports/events.jsonl", may), KeyKind::Kept);
        assert_eq!(
            classify(
                &format!("{region}/2024/04/30/a.json.gz"),
                DayRange::default()
            ),
            KeyKind::Kept
        );
    }

    /// Pages follow the SDK paginator's rule.
    #[test]
    fn continues_while_the_token_is_new() {
        assert_eq!(next_token(None, None), None);
        assert_eq!(next_token(None, Some("")), None);
        assert_eq!(next_token(None, Some("t1")), Some("t1".to_string()));
        assert_eq!(next_token(Some("t1"), Some("t2")), Some("t2".to_string()));
        assert_eq!(next_token(Some("t1"), Some("t1")), None);
        assert_eq!(next_token(Some("t1"), None), None);
    }

    #[test]
    fn adds_skipped_counts() {
        let mut total = Skipped::default();
        assert!(total.is_empty());
        total.add(Skipped {
            digests: 1,
            outside_range: 2,
            pruned_folders: 3,
        });
        total.add(Skipped {
            pruned_folders: 4,
            ..Skipped::default()
        });
        assert!(!total.is_empty());
        assert_eq!(
            total,
            Skipped {
                digests: 1,
                outside_range: 2,
                pruned_folders: 7,
            }
        );
        let concurrency = Concurrency::default();
        assert_eq!((concurrency.list, concurrency.download), (8, 16));
    }

    /// Failures sort by prefix, so a listing's failures do not depend on which call ended first.
    #[test]
    fn failures_sort_by_prefix() {
        let failure = |prefix: &str, pages| ListFailure {
            error: S3Error {
                location: format!("s3://b/{prefix}"),
                message: "NoSuchBucket".into(),
            },
            pages_listed: pages,
        };
        let mut failures = [failure("b/", 0), failure("a/2/", 3), failure("a/", 1)];
        failures.sort();
        let order: Vec<&str> = failures.iter().map(|f| f.error.location.as_str()).collect();
        assert_eq!(order, ["s3://b/a/", "s3://b/a/2/", "s3://b/b/"]);
    }
}
