//! `trailwatch replay s3://...` against the emulator's S3: listing, concurrent downloads,
//! pruning by the key's day, digest files skipped, a broken object reported; the same calls and
//! the same report at any listing concurrency; failed listing calls reported, never an abort.

use crate::harness::bridge::FaultPlan;
use crate::harness::{runtime, Moto, ACCOUNT};
use aws_s3_source::{Concurrency, Day, DayRange, Fetched, Listing, S3Url, Skipped};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

const BUCKET: &str = "trail-logs";
const DAY_PREFIX: &str = "AWSLogs/123456789012/CloudTrail/us-east-1";

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

fn records(events: &[(&str, &str)]) -> String {
    let records: Vec<String> = events
        .iter()
        .map(|(name, time)| {
            format!(
                r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"}},"eventTime":"{time}","eventSource":"iam.amazonaws.com","eventName":"{name}"}}"#
            )
        })
        .collect();
    format!("{{\"Records\":[{}]}}", records.join(","))
}

#[test]
fn replays_a_bucket_pruned_by_day_and_reports_a_broken_object() {
    let moto = Moto::start();
    runtime().block_on(async {
        let config = moto.sdk_config("us-east-1").await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        let broken = gzip(&records(&[("PutUserPolicy", "2024-05-01T11:00:00Z")]));
        let mut objects = two_days();
        objects.extend([
            (
                format!("{DAY_PREFIX}/2024/04/30/old.json.gz"),
                gzip(&records(&[("PutUserPolicy", "2024-04-30T10:00:00Z")])),
            ),
            (
                "AWSLogs/123456789012/CloudTrail/eu-west-1/2023/12/31/older.json.gz".into(),
                gzip(&records(&[("PutUserPolicy", "2023-12-31T10:00:00Z")])),
            ),
            (
                "AWSLogs/123456789012/CloudTrail/eu-west-1/2024/05/02/west.json.gz".into(),
                gzip(&records(&[("PutUserPolicy", "2024-05-02T11:00:00Z")])),
            ),
            (
                "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz".into(),
                gzip(r#"{"awsAccountId":"123456789012"}"#),
            ),
            (
                format!("{DAY_PREFIX}/2024/05/01/broken.json.gz"),
                broken[..broken.len() - 12].to_vec(),
            ),
        ]);
        for (key, body) in objects {
            s3.put_object()
                .bucket(BUCKET)
                .key(key)
                .body(body.into())
                .send()
                .await
                .unwrap();
        }
    });
    let output = moto
        .trailwatch()
        .args([
            "replay",
            "s3://trail-logs/AWSLogs/",
            "--since",
            "2024-05-01",
            "--until",
            "2024-05-02",
            "--pattern",
            r#"{ $.eventName = "PutUserPolicy" }"#,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "stderr: {stderr}");
    // The two out-of-range folders (the month 2024/04 in us-east-1, the year 2023 in eu-west-1)
    // are never listed, so no object is even seen outside the range.
    assert!(
        stderr.contains(
            "skipped 1 digest files, 0 objects outside --since/--until, and 2 folders (years, \
             months or days) outside it (not listed)"
        ),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["files"], 4, "{report:#}");
    assert_eq!(report["filters"][0]["matched"], 3, "{report:#}");
    assert_eq!(report["filters"][0]["first"], "2024-05-01T10:00:00Z");
    assert_eq!(report["filters"][0]["last"], "2024-05-02T11:00:00Z");
    assert_eq!(report["problems"], 1, "{report:#}");
    let problem = &report["problem_examples"][0];
    assert_eq!(
        problem["file"],
        format!("s3://{BUCKET}/{DAY_PREFIX}/2024/05/01/broken.json.gz")
    );
    assert!(
        problem["message"].as_str().unwrap().contains("gzip"),
        "{problem}"
    );
}

/// Two day folders of `DAY_PREFIX`: three IAM events, two of them policy changes.
fn two_days() -> Vec<(String, Vec<u8>)> {
    vec![
        (
            format!("{DAY_PREFIX}/2024/05/01/a.json.gz"),
            gzip(&records(&[
                ("PutUserPolicy", "2024-05-01T10:00:00Z"),
                ("ListUsers", "2024-05-01T10:01:00Z"),
            ])),
        ),
        (
            format!("{DAY_PREFIX}/2024/05/02/b.json.gz"),
            gzip(&records(&[("PutUserPolicy", "2024-05-02T10:00:00Z")])),
        ),
    ]
}

/// A path-style S3 client on the bridge; `fast_retries` keeps the SDK's three attempts but
/// backs off for milliseconds, not seconds, between them.
async fn s3_client(moto: &Moto, fast_retries: bool) -> aws_sdk_s3::Client {
    let config = moto.sdk_config("us-east-1").await;
    let mut builder = aws_sdk_s3::config::Builder::from(&config).force_path_style(true);
    if fast_retries {
        builder = builder.retry_config(
            aws_sdk_s3::config::retry::RetryConfig::standard()
                .with_initial_backoff(std::time::Duration::from_millis(5)),
        );
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// Creates `bucket` and puts `objects` in it, 16 at a time.
async fn seed(s3: &aws_sdk_s3::Client, bucket: &str, objects: Vec<(String, Vec<u8>)>) {
    use futures::StreamExt;
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    futures::stream::iter(objects)
        .map(|(key, body)| async move {
            s3.put_object()
                .bucket(bucket)
                .key(&key)
                .body(body.into())
                .send()
                .await
                .unwrap_or_else(|e| panic!("PutObject {key}: {e}"));
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
}

/// The bucket of the concurrency tests.
const ARCHIVE: &str = "archive";

/// An archive object: its key, its day (from its folder), whether it is a digest, its body.
struct ArchiveObject {
    key: String,
    day: Option<Day>,
    digest: bool,
    body: Vec<u8>,
}

/// Many day folders across two regions, five months and two years, each with two log files
/// of IAM events by two principals; digests; an undated export; and, under another account,
/// one day folder of 1,001 objects (more than one ListObjectsV2 page).
fn archive() -> Vec<ArchiveObject> {
    let days: [Day; 12] = [
        (2023, 12, 31),
        (2024, 3, 1),
        (2024, 3, 28),
        (2024, 4, 1),
        (2024, 4, 15),
        (2024, 4, 28),
        (2024, 5, 1),
        (2024, 5, 9),
        (2024, 5, 20),
        (2024, 5, 21),
        (2024, 6, 1),
        (2024, 6, 15),
    ];
    let mut objects = Vec::new();
    for (r, region) in ["us-east-1", "eu-west-1"].into_iter().enumerate() {
        for (i, &(y, m, d)) in days.iter().enumerate() {
            let folder = format!("AWSLogs/{ACCOUNT}/CloudTrail/{region}/{y}/{m:02}/{d:02}");
            for n in 0..2 {
                let time = |minute: usize| format!("{y}-{m:02}-{d:02}T1{n}:{minute:02}:00Z");
                let user = ["alice", "bob"][(i + r + n) % 2];
                let text = records_by(
                    user,
                    &[
                        ("PutUserPolicy", &time(r * 10 + 1)),
                        ("ListUsers", &time(r * 10 + 2)),
                        (["DeleteGroupPolicy", "CreateTrail"][n], &time(r * 10 + 3)),
                    ],
                );
                objects.push(ArchiveObject {
                    key: format!(
                        "{folder}/{ACCOUNT}_CloudTrail_{region}_{y}{m:02}{d:02}T1{n}00Z_{i}{n}.json.gz"
                    ),
                    day: Some((y, m, d)),
                    digest: false,
                    body: gzip(&text),
                });
            }
            if i % 3 == 0 {
                objects.push(ArchiveObject {
                    key: format!(
                        "AWSLogs/{ACCOUNT}/CloudTrail-Digest/{region}/{y}/{m:02}/{d:02}/\
                         {ACCOUNT}_CloudTrail-Digest_{region}_{y}{m:02}{d:02}.json.gz"
                    ),
                    day: Some((y, m, d)),
                    digest: true,
                    body: gzip(r#"{"awsAccountId":"123456789012"}"#),
                });
            }
        }
    }
    objects.push(ArchiveObject {
        key: format!("AWSLogs/{ACCOUNT}/exports/manual.json.gz"),
        day: None,
        digest: false,
        body: gzip(&records_by(
            "carol",
            &[("PutRolePolicy", "2024-02-02T02:02:00Z")],
        )),
    });
    for i in 0..1001 {
        objects.push(ArchiveObject {
            key: format!("AWSLogs/999999999999/CloudTrail/us-east-1/2024/05/09/bulk-{i:04}.json"),
            day: Some((2024, 5, 9)),
            digest: false,
            body: b"{\"Records\":[]}".to_vec(),
        });
    }
    objects
}

/// A client on the bridge (see [`s3_client`]) and the bucket [`ARCHIVE`] holding `objects`.
async fn seed_archive(
    moto: &Moto,
    objects: &[ArchiveObject],
    fast_retries: bool,
) -> aws_sdk_s3::Client {
    let client = s3_client(moto, fast_retries).await;
    let seeded = objects
        .iter()
        .map(|o| (o.key.clone(), o.body.clone()))
        .collect();
    seed(&client, ARCHIVE, seeded).await;
    client
}

/// CloudTrail records of IAM calls by `user`.
fn records_by(user: &str, events: &[(&str, &str)]) -> String {
    records(events).replace("user/alice", &format!("user/{user}"))
}

/// The range of the concurrency tests (`--since 2024-04-15 --until 2024-05-20`).
const SINCE: Day = (2024, 4, 15);
/// See [`SINCE`].
const UNTIL: Day = (2024, 5, 20);

fn bounded() -> DayRange {
    DayRange {
        since: Some(SINCE),
        until: Some(UNTIL),
    }
}

/// The ListObjectsV2 calls the documented rules make for `prefix`, worked out from the keys
/// alone, and the folders they prune: unbounded, one listing of the prefix; bounded, one
/// level per call, a day folder in range listed whole, a year, month or day folder outside
/// never listed. A listing
/// takes one call per 1,000 entries (keys and folders), at least one.
fn expected_calls(keys: &[&str], prefix: &str, range: DayRange) -> (usize, u64) {
    let pages = |entries: usize| entries.div_ceil(1000).max(1);
    let below: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|key| key.starts_with(prefix))
        .collect();
    if !range.is_bounded() {
        return (pages(below.len()), 0);
    }
    match aws_s3_source::key_span(prefix).filter(|_| prefix.ends_with('/')) {
        Some(span) if !range.overlaps(span) => return (0, 1),
        Some((first, last)) if first == last => return (pages(below.len()), 0),
        _ => {}
    }
    let mut entries = BTreeSet::new();
    let mut folders = BTreeSet::new();
    for key in below {
        let rest = &key[prefix.len()..];
        match rest.find('/') {
            Some(slash) => {
                let folder = &key[..prefix.len() + slash + 1];
                entries.insert(folder);
                folders.insert(folder);
            }
            None => {
                entries.insert(key);
            }
        }
    }
    let (mut calls, mut pruned) = (pages(entries.len()), 0);
    for folder in folders {
        let (more_calls, more_pruned) = expected_calls(keys, folder, range);
        calls += more_calls;
        pruned += more_pruned;
    }
    (calls, pruned)
}

/// The objects a listing of `prefix` keeps, worked out from the archive: every non-digest in
/// range (an undated one always), sorted by key.
fn expected_objects(objects: &[ArchiveObject], prefix: &str, range: DayRange) -> Vec<String> {
    let mut keys: Vec<String> = objects
        .iter()
        .filter(|o| o.key.starts_with(prefix) && !o.digest)
        .filter(|o| o.day.is_none_or(|day| range.contains(day)))
        .map(|o| o.key.clone())
        .collect();
    keys.sort();
    keys
}

/// How many ListObjectsV2 calls (path-style `GET /bucket/?list-type=2...`, which the bridge
/// records without its query) were recorded.
fn listing_calls(recorded: &[String], bucket: &str) -> usize {
    let listing = format!("s3:REST GET /{bucket}");
    recorded
        .iter()
        .filter(|action| action.strip_suffix('/').unwrap_or(action) == listing)
        .count()
}

/// Replays `url` the way `trailwatch replay` does (CIS filters of the latest benchmark, the
/// default period), through the library at `concurrency`, into one worker; the JSON report and
/// what the listing skipped.
async fn library_replay(
    client: &aws_sdk_s3::Client,
    url: &S3Url,
    range: DayRange,
    concurrency: Concurrency,
) -> (serde_json::Value, Skipped) {
    let filters = replay::benchmark_filters(cis_catalogue::Benchmark::latest(), 300);
    let replay = replay::Replay::new(filters, false, None)
        .unwrap()
        .with_days(range);
    let mut worker = replay.worker();
    let (mut announced, mut objects) = (0, 0);
    let listing = replay.listing_days();
    let skipped =
        aws_s3_source::fetch(client, url, listing, concurrency, |fetched| match fetched {
            Fetched::Listed { objects, .. } => announced += objects,
            Fetched::Object {
                location,
                body: Ok(bytes),
            } => {
                objects += 1;
                worker.read_stream(&location, &bytes[..])
            }
            Fetched::Object {
                location,
                body: Err(error),
            } => {
                objects += 1;
                worker.problem(
                    &location,
                    format!("download failed: {error}; object not replayed"),
                )
            }
            Fetched::ListingFailed(failure) => worker.problem(
                &failure.error.location,
                format!("listing failed: {}", failure.error.message),
            ),
        })
        .await;
    assert_eq!(
        announced, objects,
        "every object is announced before it comes"
    );
    let totals = worker.finish();
    let report = replay::Report::new(&replay, &totals).to_json();
    (serde_json::from_str(&report).unwrap(), skipped)
}

/// With 1 or 8 listing calls in flight the same calls are made and the same listing comes back
/// (objects sorted by key), across many day folders, two regions, several months and a day
/// folder of more than one page; the replay report is the same at any listing and download
/// concurrency, and the same as the CLI's (which merges several workers).
#[test]
fn the_same_calls_listing_and_report_at_any_listing_concurrency() {
    let moto = Moto::start();
    let objects = archive();
    let keys: Vec<&str> = objects.iter().map(|o| o.key.as_str()).collect();
    let rt = runtime();
    let client = rt.block_on(seed_archive(&moto, &objects, false));

    let all = S3Url::parse(&format!("s3://{ARCHIVE}/AWSLogs/")).unwrap();
    for range in [DayRange::default(), bounded()] {
        let (calls, pruned) = expected_calls(&keys, &all.prefix, range);
        let expected = expected_objects(&objects, &all.prefix, range);
        let mut listings: Vec<Listing> = Vec::new();
        for concurrency in [1, 8, 64] {
            moto.bridge.start_recording();
            let listing = rt.block_on(aws_s3_source::list(&client, &all, range, concurrency));
            let recorded = moto.bridge.take_recording();
            assert_eq!(
                listing_calls(&recorded, ARCHIVE),
                calls,
                "{range:?} at concurrency {concurrency}: {recorded:?}"
            );
            assert!(listing.failures.is_empty(), "{:?}", listing.failures);
            let listed: Vec<&str> = listing.objects.iter().map(|o| o.key.as_str()).collect();
            assert_eq!(listed, expected, "{range:?} at concurrency {concurrency}");
            assert_eq!(listing.skipped.pruned_folders, pruned, "{range:?}");
            assert_eq!(listing.skipped.outside_range, 0, "{range:?}");
            listings.push(listing);
        }
        assert!(listings.windows(2).all(|w| w[0] == w[1]), "{range:?}");
        eprintln!(
            "{range:?}: {calls} listing calls, {} objects, {} pruned day folders",
            expected.len(),
            pruned
        );
    }
    // The walk really is a walk: far fewer calls than folders, and the bulk folder paginated.
    let (bounded_calls, bounded_pruned) = expected_calls(&keys, &all.prefix, bounded());
    assert_eq!(expected_calls(&keys, &all.prefix, DayRange::default()).0, 2);
    // Outside 2024-04-15..2024-05-20, in each of two regions: the year 2023, the months 03 and
    // 06, the days 04/01 and 05/21; of the digest days (2023-12-31, 04/01, 05/01, 05/21), the
    // year 2023 and the days 04/01 and 05/21.
    assert_eq!(bounded_pruned, 2 * 5 + 2 * 3);
    assert!(bounded_calls > 20, "{bounded_calls}");

    // The replay of one account (no bulk folder), through the library and through the CLI.
    let account = S3Url::parse(&format!("s3://{ARCHIVE}/AWSLogs/{ACCOUNT}/")).unwrap();
    for (range, range_args) in [
        (DayRange::default(), vec![]),
        (
            bounded(),
            vec!["--since", "2024-04-15", "--until", "2024-05-20"],
        ),
    ] {
        let mut reports = Vec::new();
        for (list, download) in [(1, 1), (1, 16), (8, 16), (64, 3)] {
            let concurrency = Concurrency { list, download };
            let (report, skipped) =
                rt.block_on(library_replay(&client, &account, range, concurrency));
            // The day after the last is read too, for that day's late deliveries.
            let listing = DayRange {
                since: range.since,
                until: range.until.map(replay::time::next_day),
            };
            let expected = expected_objects(&objects, &account.prefix, listing);
            assert_eq!(report["files"], expected.len(), "{report:#}");
            assert_eq!(report["problems"], 0, "{report:#}");
            // Digests of 2024-04-15 and (the day after the last) 2024-05-21, in two regions.
            assert_eq!(skipped.digests, if range.is_bounded() { 4 } else { 8 });
            reports.push((concurrency, report, skipped));
        }
        let (_, first, first_skipped) = &reports[0];
        for (concurrency, report, skipped) in &reports[1..] {
            assert_eq!(report, first, "{range:?} at {concurrency:?}");
            assert_eq!(skipped, first_skipped, "{range:?} at {concurrency:?}");
        }
        let matched: u64 = first["filters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["matched"].as_u64().unwrap())
            .sum();
        assert!(matched > 0, "{first:#}");

        let output = moto
            .trailwatch()
            .args(["replay", &account.to_string(), "--format", "json"])
            .args(&range_args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
        let mut cli: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        // The CLI's report also says what the listing passed over on purpose.
        let skipped = cli["skipped"].take();
        let reasons: Vec<&str> = skipped
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                assert_eq!(s["path"], account.to_string());
                s["reason"].as_str().unwrap()
            })
            .collect();
        let mut expected = vec![format!(
            "{} CloudTrail digest files (no events)",
            first_skipped.digests
        )];
        if first_skipped.pruned_folders > 0 {
            expected.push(format!(
                "{} folders (years, months or days) outside --since/--until, not listed",
                first_skipped.pruned_folders
            ));
        }
        assert_eq!(reasons, expected, "{range:?}");
        cli["skipped"] = serde_json::json!([]);
        assert_eq!(
            &cli, first,
            "{range:?}: the CLI's report differs; stderr: {stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "{account}: skipped {} digest files, 0 objects outside --since/--until, and {} \
                 folders (years, months or days) outside it (not listed)",
                first_skipped.digests, first_skipped.pruned_folders
            )),
            "{stderr}"
        );
    }
}

/// A bucket that does not exist fails its listing for real: the URL is a problem in the report
/// (exit code 3, partial), and the other URL is replayed in full, whichever comes first, with
/// or without a day range.
#[test]
fn a_failed_listing_is_reported_and_the_rest_replayed() {
    let moto = Moto::start();
    runtime().block_on(async {
        let s3 = s3_client(&moto, false).await;
        let objects = two_days();
        seed(&s3, BUCKET, objects).await;
    });
    let good = format!("s3://{BUCKET}/AWSLogs/");
    let missing = "s3://missing-bucket/AWSLogs/x";
    for (inputs, range) in [
        ([missing, good.as_str()], vec![]),
        ([good.as_str(), missing], vec![]),
        (
            [missing, good.as_str()],
            vec!["--since", "2024-05-01", "--until", "2024-05-02"],
        ),
    ] {
        let output = moto
            .trailwatch()
            .arg("replay")
            .args(inputs)
            .args(&range)
            .args([
                "--pattern",
                r#"{ $.eventName = "PutUserPolicy" }"#,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{inputs:?}: {stderr}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["partial"], true, "{report:#}");
        assert_eq!(report["files"], 2, "{report:#}");
        assert_eq!(report["filters"][0]["matched"], 2, "{report:#}");
        assert_eq!(report["problems"], 1, "{report:#}");
        let problem = &report["problem_examples"][0];
        assert_eq!(problem["file"], missing, "{problem}");
        let message = problem["message"].as_str().unwrap();
        assert!(message.starts_with("listing failed: "), "{message}");
        assert!(message.contains("NoSuchBucket"), "{message}");
        assert!(
            message.ends_with("this prefix was not listed, so its objects were not replayed"),
            "{message}"
        );
    }
}

/// Listing calls that fail after the SDK's retries (the bridge fails a seeded share of requests:
/// throttling, 503s, dropped connections) leave the rest of the walk going, and nothing is
/// skipped unreported: every object a clean listing finds is either listed or below a prefix
/// reported as failed. At concurrency 1 the calls, and so the faults, come in a fixed order.
#[test]
fn failed_listing_calls_leave_nothing_unreported() {
    let moto = Moto::start();
    let objects: Vec<ArchiveObject> = archive()
        .into_iter()
        .filter(|o| !o.key.contains("/bulk-"))
        .collect();
    let rt = runtime();
    let client = rt.block_on(seed_archive(&moto, &objects, true));
    let url = S3Url::parse(&format!("s3://{ARCHIVE}/AWSLogs/")).unwrap();
    let clean = rt.block_on(aws_s3_source::list(&client, &url, bounded(), 8));
    assert!(clean.failures.is_empty());
    // Runs with failed calls that still listed objects past them, and all failed calls.
    let (mut walked_past_failures, mut failures) = (0, 0);
    for seed in 1..=5 {
        for concurrency in [1, 8] {
            moto.bridge
                .set_faults(Some(FaultPlan { seed, percent: 20 }));
            let faulty = rt.block_on(aws_s3_source::list(&client, &url, bounded(), concurrency));
            moto.bridge.set_faults(None);
            let listed: BTreeMap<&str, &aws_s3_source::Object> =
                faulty.objects.iter().map(|o| (o.key.as_str(), o)).collect();
            for object in &clean.objects {
                let location = format!("s3://{ARCHIVE}/{}", object.key);
                if let Some(found) = listed.get(object.key.as_str()) {
                    assert_eq!(*found, object);
                } else {
                    assert!(
                        faulty
                            .failures
                            .iter()
                            .any(|f| location.starts_with(&f.error.location)),
                        "seed {seed}, concurrency {concurrency}: {location} neither listed nor \
                         below a failed prefix: {:#?}",
                        faulty.failures
                    );
                }
            }
            assert_eq!(listed.len(), faulty.objects.len(), "listed twice");
            assert!(faulty.objects.windows(2).all(|w| w[0].key < w[1].key));
            assert!(faulty.failures.windows(2).all(|w| w[0] <= w[1]));
            for failure in &faulty.failures {
                assert!(failure.error.location.starts_with(&url.to_string()));
                // A stable message: not the response's headers (its date, its request id).
                assert!(!failure.error.message.contains("GMT"), "{failure:?}");
                assert!(!failure.error.message.contains("headers"), "{failure:?}");
            }
            failures += faulty.failures.len();
            if !faulty.failures.is_empty() && !faulty.objects.is_empty() {
                walked_past_failures += 1;
            }
        }
    }
    eprintln!(
        "{failures} listing calls failed in {walked_past_failures} runs that went on past them; \
         faults injected: {}",
        moto.bridge.injected().len()
    );
    assert!(walked_past_failures > 0, "no run listed past a failed call");
}
