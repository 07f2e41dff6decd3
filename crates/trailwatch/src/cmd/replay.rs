//! `trailwatch replay`: CloudTrail history through the CIS (or deployed, or ad hoc) filters and
//! their alarms.
//!
//! Exit codes: 0 the whole input was replayed; 3 the replay is partial (some input could not be
//! read, or events had no usable `eventTime`; the report lists where); 2 an error or bad usage.

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use cloudtrail_reader::DayRange;
use replay::{Progress, Replay, Report};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit code of a replay that could not read all of its input.
const PARTIAL: u8 = 3;

/// Arguments of `trailwatch replay`.
#[derive(Args)]
pub struct ReplayArgs {
    /// CloudTrail logs: files (`.json`, `.json.gz`, NDJSON), directories (walked recursively),
    /// `-` for standard input, or `s3://BUCKET/PREFIX`.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// CIS benchmark version whose control patterns are replayed (default: the latest). Used
    /// when neither --snapshot nor --pattern is given, or with --diff.
    #[arg(long, value_name = "VERSION")]
    benchmark: Option<String>,
    /// Replay the metric filters and alarms deployed in an account, from a snapshot JSON
    /// (`trailwatch collect`).
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// Replay this filter pattern (repeatable), with the CIS reference alarm.
    #[arg(long = "pattern", value_name = "PATTERN")]
    patterns: Vec<String>,
    /// Compare the benchmark's patterns with the deployed (or --pattern) filters: events one
    /// side matches and the other does not.
    #[arg(long)]
    diff: bool,
    /// Period in seconds of the CIS reference alarm (Sum >= 1 over one period).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    period: i64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// Write every matched event to FILE as NDJSON, tagged with the filters it matched.
    #[arg(long, value_name = "FILE")]
    emit_matches: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Replay only events from this day on (`YYYY-MM-DD`, by `eventTime`, UTC). Files and S3
    /// objects in CloudTrail day folders (`.../CloudTrail/REGION/YYYY/MM/DD/`) before it are
    /// not read, nor listed; files in another layout are read and their events filtered.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Replay only events up to this day (`YYYY-MM-DD`, inclusive). Day folders after the
    /// next day are not read (the next one is: it holds this day's last deliveries).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// S3 only: the named AWS profile (default: the standard credential chain).
    #[cfg(feature = "aws")]
    #[arg(long)]
    profile: Option<String>,
    /// S3 only: the region of the bucket (default: the configured region, else us-east-1).
    #[cfg(feature = "aws")]
    #[arg(long)]
    region: Option<String>,
    /// Benchmarking aid: only decompress the input files and print the bytes and the time.
    #[arg(long, hide = true)]
    decompress_only: bool,
}

/// How the report is printed.
#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// A human-readable table with details per filter.
    Table,
    /// The full report as JSON.
    Json,
    /// One CSV row per filter and alarm.
    Csv,
}

/// Runs `trailwatch replay`.
pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let (paths, stdin, s3): (Vec<PathBuf>, bool, Vec<String>) = split_inputs(&args.inputs);
    let day = |flag: &str, text: &Option<String>| {
        let parsed = text.as_deref().map(cloudtrail_reader::days::parse_day);
        parsed
            .transpose()
            .map_err(|e| anyhow::anyhow!("{flag}: {e}"))
    };
    let days = DayRange {
        since: day("--since", &args.since)?,
        until: day("--until", &args.until)?,
    };
    if let (Some(since), Some(until)) = (days.since, days.until) {
        if since > until {
            bail!("--since is after --until: no day is in range");
        }
    }
    if args.decompress_only {
        let started = std::time::Instant::now();
        let bytes = replay::floor::decompress_only(&paths, threads).map_err(anyhow::Error::msg)?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "decompressed {bytes} bytes in {seconds:.3} s ({:.0} MB/s) on {threads} threads",
            bytes as f64 / 1e6 / seconds
        );
        return Ok(ExitCode::SUCCESS);
    }
    let filters = select_filters(&args)?;
    let emit: Option<Box<dyn Write + Send>> = match &args.emit_matches {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            Some(Box::new(std::io::BufWriter::new(file)))
        }
        None => None,
    };
    let diff = args.diff;
    let replay = Replay::new(filters, diff, emit)
        .map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("invalid filter pattern:\n  {}", lines.join("\n  "))
        })?
        .with_days(days);

    let progress = Progress::default();
    let show_progress = std::io::stderr().is_terminal();
    let done = AtomicBool::new(false);
    let totals = std::thread::scope(|scope| {
        if show_progress {
            scope.spawn(|| draw_progress(&progress, &done));
        }
        let progress = show_progress.then_some(&progress);
        let mut totals = replay.run_paths(&paths, threads, progress);
        if stdin {
            let input = Counted {
                inner: std::io::stdin().lock(),
                progress,
            };
            totals.merge(replay.run_stream("<stdin>", input, threads));
        }
        let s3_result = read_s3(&replay, &s3, &args, threads, progress);
        done.store(true, Ordering::Relaxed);
        s3_result.map(|more| {
            if let Some(more) = more {
                totals.merge(more);
            }
            totals
        })
    })?;
    if let Some(path) = &args.emit_matches {
        replay
            .flush_emitted()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let report = Report::new(&replay, &totals);
    let text = match args.format {
        OutputFormat::Table => report.to_table(),
        OutputFormat::Json => report.to_json() + "\n",
        OutputFormat::Csv => report.to_csv(),
    };
    print!("{text}");
    if let Some(path) = &args.emit_matches {
        eprintln!(
            "wrote {} matched events to {}",
            replay.emitted(),
            path.display()
        );
    }
    Ok(if report.partial {
        ExitCode::from(PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

/// Sorts the inputs into local paths, standard input and S3 URLs.
fn split_inputs(inputs: &[String]) -> (Vec<PathBuf>, bool, Vec<String>) {
    let mut paths = Vec::new();
    let mut stdin = false;
    let mut s3 = Vec::new();
    for input in inputs {
        if input == "-" {
            stdin = true;
        } else if input.starts_with("s3://") {
            s3.push(input.clone());
        } else {
            paths.push(PathBuf::from(input));
        }
    }
    (paths, stdin, s3)
}

/// The filters the arguments ask for; see [`ReplayArgs`].
fn select_filters(args: &ReplayArgs) -> anyhow::Result<Vec<replay::FilterSpec>> {
    let benchmark = match &args.benchmark {
        Some(text) => text.parse::<cis_catalogue::Benchmark>()?,
        None => cis_catalogue::Benchmark::latest(),
    };
    if args.period <= 0 || args.period % 60 != 0 {
        bail!("--period must be a positive multiple of 60 seconds (metric-filter metrics have one-minute resolution)");
    }
    let mut filters = Vec::new();
    let others = args.snapshot.is_some() || !args.patterns.is_empty();
    if args.diff && !others {
        bail!("--diff compares the benchmark with --snapshot or --pattern filters; give one");
    }
    if !others || args.benchmark.is_some() || args.diff {
        filters.extend(replay::benchmark_filters(benchmark, args.period));
    }
    if let Some(path) = &args.snapshot {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let snapshot = snapshot::Snapshot::from_json(&text)
            .with_context(|| format!("cannot read snapshot {}", path.display()))?;
        let deployed = replay::snapshot_filters(&snapshot);
        if deployed.is_empty() {
            eprintln!("note: the snapshot holds no metric filters");
        }
        filters.extend(deployed);
    }
    for (i, pattern) in args.patterns.iter().enumerate() {
        filters.push(replay::ad_hoc_filter(i, pattern, args.period));
    }
    Ok(filters)
}

/// A reader that counts the bytes it reads into a progress display's `bytes`.
struct Counted<'p, R> {
    inner: R,
    progress: Option<&'p Progress>,
}

impl<R: std::io::Read> std::io::Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        if let Some(progress) = self.progress {
            progress.bytes.fetch_add(read as u64, Ordering::Relaxed);
        }
        Ok(read)
    }
}

/// Redraws a one-line progress display on stderr until `done`.
fn draw_progress(progress: &Progress, done: &AtomicBool) {
    let started = std::time::Instant::now();
    let mut stderr = std::io::stderr();
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
        let line = progress_line(
            (load(&progress.files), load(&progress.total_files)),
            (load(&progress.bytes), load(&progress.total_bytes)),
            started.elapsed().as_secs_f64(),
        );
        let _ = write!(stderr, "\r{line}  ");
    }
    let _ = write!(stderr, "\r{:70}\r", "");
}

/// One state of the progress display: `(done, total)` files and bytes. The totals are unknown
/// (0) for standard input and grow while an S3 listing runs; when the work done outgrows them
/// (standard input after files), only what was done is shown.
fn progress_line(files: (u64, u64), bytes: (u64, u64), seconds: f64) -> String {
    let mb = |bytes: u64| bytes / 1_000_000;
    if bytes.0 > bytes.1 || bytes.1 == 0 {
        return format!("{} files, {} MB, {seconds:.0}s", files.0, mb(bytes.0));
    }
    format!(
        "{}/{} files, {}/{} MB ({:.0}%), {seconds:.0}s",
        files.0,
        files.1,
        mb(bytes.0),
        mb(bytes.1),
        bytes.0 as f64 * 100.0 / bytes.1 as f64,
    )
}

/// Replays the `s3://` inputs (the `aws` feature's S3 source).
#[cfg(not(feature = "aws"))]
fn read_s3(
    _replay: &Replay,
    s3: &[String],
    _args: &ReplayArgs,
    _threads: usize,
    _progress: Option<&Progress>,
) -> anyhow::Result<Option<replay::Totals>> {
    if s3.is_empty() {
        return Ok(None);
    }
    bail!("s3:// inputs need a build with the `aws` feature")
}

/// Replays the `s3://` inputs, all at once: objects are listed (pruned by --since/--until on
/// the key's day, the folders of a walk listed concurrently) and downloaded as soon as they are
/// listed, 16 at a time per URL, and replayed by `threads` workers as they arrive. A failed
/// download or listing call is a problem in the report (the replay is then partial), never an
/// abort.
#[cfg(feature = "aws")]
fn read_s3(
    replay: &Replay,
    s3: &[String],
    args: &ReplayArgs,
    threads: usize,
    progress: Option<&Progress>,
) -> anyhow::Result<Option<replay::Totals>> {
    use aws_s3_source::{Concurrency, S3Url};
    if s3.is_empty() {
        return Ok(None);
    }
    let urls = s3
        .iter()
        .map(|text| S3Url::parse(text).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let options = aws_collect::CollectOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        ..aws_collect::CollectOptions::default()
    };
    let client = aws_s3_source::client(&runtime.block_on(aws_collect::load_config(&options)));
    // A body to replay, or the problem to report instead, with its s3:// location.
    let (sender, receiver) =
        std::sync::mpsc::sync_channel::<(String, Result<Vec<u8>, String>)>(threads * 2);
    let receiver = std::sync::Mutex::new(receiver);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut worker = replay.worker();
                    loop {
                        let next = receiver.lock().expect("s3 queue lock").recv();
                        let Ok((location, body)) = next else { break };
                        match body {
                            Ok(bytes) => {
                                worker.read_stream(&location, &bytes[..]);
                                if let Some(progress) = progress {
                                    let size = bytes.len() as u64;
                                    progress.bytes.fetch_add(size, Ordering::Relaxed);
                                }
                            }
                            Err(message) => worker.problem(&location, message),
                        }
                        if let Some(progress) = progress {
                            progress.files.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    worker.finish()
                })
            })
            .collect();
        let deliver = |fetched| {
            if let Some(work) = s3_work(fetched, progress) {
                // The workers only stop after the sender is dropped: this cannot fail.
                let _ = sender.send(work);
            }
        };
        // The days of the objects to read: see `Replay::listing_days`.
        let range = replay.listing_days();
        let fetching =
            aws_s3_source::fetch_all(&client, &urls, range, Concurrency::default(), deliver);
        let mut skips = Vec::new();
        for (url, skipped) in urls.iter().zip(runtime.block_on(fetching)) {
            if !skipped.is_empty() {
                eprintln!(
                    "{url}: skipped {} digest files, {} objects outside --since/--until, \
                     and {} folders (years, months or days) outside it (not listed)",
                    skipped.digests, skipped.outside_range, skipped.pruned_folders
                );
            }
            skips.extend(s3_skips(&url.to_string(), skipped));
        }
        drop(sender);
        let mut totals: Option<replay::Totals> = None;
        for worker in workers {
            let result = worker.join().expect("replay worker panicked");
            match &mut totals {
                Some(totals) => totals.merge(result),
                None => totals = Some(result),
            }
        }
        if let Some(totals) = &mut totals {
            totals.read.skipped.extend(skips);
        }
        Ok(totals)
    })
}

/// The report's skipped entries for what the listing of `url` passed over on purpose.
#[cfg(feature = "aws")]
fn s3_skips(
    url: &str,
    skipped: aws_s3_source::Skipped,
) -> Vec<(PathBuf, std::borrow::Cow<'static, str>)> {
    [
        (skipped.digests, "CloudTrail digest files (no events)"),
        (
            skipped.outside_range,
            "objects dated outside --since/--until, not downloaded",
        ),
        (
            skipped.pruned_folders,
            "folders (years, months or days) outside --since/--until, not listed",
        ),
    ]
    .into_iter()
    .filter(|&(count, _)| count > 0)
    .map(|(count, what)| (PathBuf::from(url), format!("{count} {what}").into()))
    .collect()
}

/// What the S3 workers do with one thing fetched: its location, and the body to replay or the
/// problem to report; `None` for objects announced by the listing, which only grow the
/// progress display's totals.
#[cfg(feature = "aws")]
fn s3_work(
    fetched: aws_s3_source::Fetched,
    progress: Option<&Progress>,
) -> Option<(String, Result<Vec<u8>, String>)> {
    match fetched {
        aws_s3_source::Fetched::Listed { objects, bytes } => {
            if let Some(progress) = progress {
                progress.total_files.fetch_add(objects, Ordering::Relaxed);
                progress.total_bytes.fetch_add(bytes, Ordering::Relaxed);
            }
            None
        }
        aws_s3_source::Fetched::Object { location, body } => Some((
            location,
            body.map_err(|error| format!("download failed: {error}; object not replayed")),
        )),
        aws_s3_source::Fetched::ListingFailed(failure) => {
            let problem = listing_problem(&failure);
            Some((failure.error.location, Err(problem)))
        }
    }
}

/// The report's problem for a listing call that failed (its location is the prefix).
#[cfg(feature = "aws")]
fn listing_problem(failure: &aws_s3_source::ListFailure) -> String {
    if failure.pages_listed == 0 {
        format!(
            "listing failed: {}; this prefix was not listed, so its objects were not replayed",
            failure.error.message
        )
    } else {
        format!(
            "listing failed after {} pages: {}; the rest of this prefix was not listed, so \
             those objects were not replayed",
            failure.pages_listed, failure.error.message
        )
    }
}

#[cfg(test)]
mod progress_tests {
    use super::progress_line;

    #[test]
    fn progress_shows_totals_only_when_known() {
        let line = progress_line((3, 10), (25_000_000, 100_000_000), 4.2);
        assert_eq!(line, "3/10 files, 25/100 MB (25%), 4s");
        assert_eq!(
            progress_line((0, 0), (7_000_000, 0), 1.0),
            "0 files, 7 MB, 1s"
        );
        let stdin_after_files = progress_line((2, 2), (9_000_000, 5_000_000), 2.0);
        assert_eq!(stdin_after_files, "2 files, 9 MB, 2s");
    }
}

#[cfg(all(test, feature = "aws"))]
mod tests {
    use super::*;
    use aws_s3_source::{Fetched, ListFailure, S3Error};

    #[test]
    fn s3_failures_become_problems_that_say_what_was_not_replayed() {
        let failure = |pages_listed| ListFailure {
            error: S3Error {
                location: "s3://missing-bucket/x".into(),
                message: "NoSuchBucket".into(),
            },
            pages_listed,
        };
        let progress = Progress::default();
        let work = |fetched| s3_work(fetched, Some(&progress)).unwrap();
        let (location, work_done) = work(Fetched::ListingFailed(failure(0)));
        assert_eq!(location, "s3://missing-bucket/x");
        assert_eq!(
            work_done.unwrap_err(),
            "listing failed: NoSuchBucket; this prefix was not listed, so its objects were not \
             replayed"
        );
        let skips = s3_skips(
            "s3://b/p",
            aws_s3_source::Skipped {
                digests: 0,
                outside_range: 3,
                pruned_folders: 2,
            },
        );
        let skips: Vec<String> = skips
            .iter()
            .map(|(p, r)| format!("{}: {r}", p.display()))
            .collect();
        assert_eq!(
            skips,
            [
                "s3://b/p: 3 objects dated outside --since/--until, not downloaded",
                "s3://b/p: 2 folders (years, months or days) outside --since/--until, not listed"
            ]
        );
        let partly = listing_problem(&failure(2));
        assert!(partly.starts_with("listing failed after 2 pages: NoSuchBucket;"));
        assert!(partly.ends_with("those objects were not replayed"));

        let (location, failed) = work(Fetched::Object {
            location: "s3://b/k".into(),
            body: Err(S3Error {
                location: "s3://b/k".into(),
                message: "timeout".into(),
            }),
        });
        assert_eq!(location, "s3://b/k");
        assert_eq!(
            failed.unwrap_err(),
            "download failed: s3://b/k: timeout; object not replayed"
        );
        let (_, body) = work(Fetched::Object {
            location: "s3://b/k".into(),
            body: Ok(b"{}".to_vec()),
        });
        assert_eq!(body.unwrap(), b"{}");
        // Listed objects only grow the progress display's totals.
        let listed = Fetched::Listed {
            objects: 3,
            bytes: 4_000,
        };
        assert!(s3_work(listed, Some(&progress)).is_none());
        assert_eq!(progress.total_files.load(Ordering::Relaxed), 3);
        assert_eq!(progress.total_bytes.load(Ordering::Relaxed), 4_000);
    }
}
