//! The replay itself: reads events in parallel, matches them, accumulates per-filter totals.

use crate::alarm::Datapoint;
use crate::eval::{Evaluator, EventField, Scratch};
use crate::filters::{FilterSpec, Origin};
use crate::time::parse_event_time;
use cloudtrail_reader::{Position, RawEvent, ReadError, Summary};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

/// How many examples (earliest first) are kept per filter and per kind of problem.
pub const EXAMPLES: usize = 5;

/// How many bad-input problems are kept with their details (all are counted).
pub const KEPT_PROBLEMS: usize = 100;

/// The reader only finds where each record ends (and checks UTF-8); its JSON grammar is checked
/// once, by the filter engine's scan of the record ([`Evaluator::evaluate`]), and a record that
/// fails is reported with its place whether or not it would have matched a filter (see
/// [`Worker::event`]): nothing in the input is dropped silently, and no record is scanned twice.
const VALIDATION: cloudtrail_reader::Validation = cloudtrail_reader::Validation::Structure;

/// Plain one-record-per-line files larger than this are split into ranges read in parallel.
pub const RANGE_BYTES: u64 = 32 * 1024 * 1024;

/// Files larger than this on disk that cannot be split into ranges (gzip files, plain
/// `{"Records":[...]}` files) are read by one thread and evaluated by all: the reading thread
/// hands their records out in batches that the other threads evaluate (see
/// [`Replay::run_paths`]). 16 MiB of gzip is some 100 MB of CloudTrail JSON, about 0.15 s of
/// one core's work; CloudTrail's own log files are far smaller and are read as before.
pub const BATCHED_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// About how much record text one [`Batch`] carries (at most an eighth of
/// [`Replay::with_batched_file_bytes`], so that even the smallest batched file makes several).
const BATCH_BYTES: usize = 1024 * 1024;

/// How many batches may wait for a thread, per thread: bounds memory to a few MiB per thread.
const QUEUED_BATCHES_PER_THREAD: usize = 2;

/// An event a report shows as an example.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Example {
    /// Its `eventTime` (epoch seconds; examples sort by it).
    pub time: i64,
    /// Where it was read, `file: record 3, line 3, byte 1200`.
    pub location: String,
    /// Its `eventName`.
    pub event_name: String,
    /// Who made the call.
    pub principal: String,
}

/// Input that could not be replayed, with its place. Problems sort by file, then by place in
/// the file (byte offset, then record number: numerically, `record 9` before `record 10`), then
/// by message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// The byte offset and record number of `position`, for sorting.
    #[serde(skip)]
    at: (Option<u64>, Option<u64>),
    /// Where in the file (`record 3, line 3, byte 1200`), possibly empty.
    pub position: String,
    /// What was wrong and what was done about it.
    pub message: String,
}

/// One filter's running totals.
#[derive(Debug, Clone, Default)]
pub struct FilterTotals {
    /// Events matched.
    pub matched: u64,
    /// Earliest and latest matched `eventTime`.
    pub first: Option<i64>,
    /// See `first`.
    pub last: Option<i64>,
    /// Matches per `eventName`.
    pub event_names: HashMap<String, u64>,
    /// Matches per principal.
    pub principals: HashMap<String, u64>,
    /// Published samples per minute (key: minute start, epoch seconds).
    pub minutes: BTreeMap<i64, Datapoint>,
    /// Matches that published nothing (metric field missing without a default, not numeric,
    /// or no usable `eventTime`).
    pub unpublished: u64,
    /// Events this filter matched that no filter of the other side matched (`--diff`).
    pub only_this_side: u64,
    /// The earliest of those.
    pub only_examples: Vec<Example>,
    /// The earliest matches.
    pub examples: Vec<Example>,
}

impl FilterTotals {
    fn merge(&mut self, other: FilterTotals) {
        self.matched += other.matched;
        self.first = min_some(self.first, other.first);
        self.last = max_some(self.last, other.last);
        for (name, count) in other.event_names {
            *self.event_names.entry(name).or_default() += count;
        }
        for (name, count) in other.principals {
            *self.principals.entry(name).or_default() += count;
        }
        for (minute, point) in other.minutes {
            self.minutes
                .entry(minute)
                .and_modify(|p| p.merge(&point))
                .or_insert(point);
        }
        self.unpublished += other.unpublished;
        self.only_this_side += other.only_this_side;
        keep_earliest(&mut self.only_examples, other.only_examples);
        keep_earliest(&mut self.examples, other.examples);
    }
}

fn min_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn keep_earliest(kept: &mut Vec<Example>, more: Vec<Example>) {
    kept.extend(more);
    kept.sort();
    kept.truncate(EXAMPLES);
}

/// Everything a replay counted.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Per filter, in the order of [`Replay::filters`].
    pub filters: Vec<FilterTotals>,
    /// What the reader read.
    pub read: Summary,
    /// Earliest and latest `eventTime` of all events.
    pub span: Option<(i64, i64)>,
    /// Problems found: bad input, events without a usable `eventTime`.
    pub problems: Problems,
    /// Events whose `eventTime` is outside the replay's days ([`Replay::with_days`]), read
    /// from the edge day folders and not replayed.
    pub outside_days: u64,
}

/// Problems, all counted, the first [`KEPT_PROBLEMS`] kept with their details.
#[derive(Debug, Clone, Default)]
pub struct Problems {
    /// How many.
    pub count: u64,
    /// The first ones in [`Problem`] order (by file and place). Which ones are kept does not
    /// depend on the order they were found in, so it does not depend on how the input was
    /// shared among threads either.
    pub kept: Vec<Problem>,
}

impl Problems {
    fn add(&mut self, file: &str, position: Position, message: String) {
        self.count += 1;
        let at = (position.offset, position.record);
        if self.kept.len() >= KEPT_PROBLEMS
            && self
                .kept
                .last()
                .is_some_and(|last| (last.file.as_str(), last.at) < (file, at))
        {
            return; // after all the kept ones: not kept (the common case once full)
        }
        let problem = Problem {
            file: file.to_string(),
            at,
            position: position.to_string(),
            message,
        };
        let index = self.kept.partition_point(|kept| *kept <= problem);
        self.kept.insert(index, problem);
        self.kept.truncate(KEPT_PROBLEMS);
    }

    fn merge(&mut self, other: Problems) {
        self.count += other.count;
        self.kept.extend(other.kept);
        self.kept.sort();
        self.kept.truncate(KEPT_PROBLEMS);
    }
}

impl Totals {
    fn new(filters: usize) -> Totals {
        Totals {
            filters: vec![FilterTotals::default(); filters],
            ..Totals::default()
        }
    }

    /// Adds another worker's totals.
    pub fn merge(&mut self, other: Totals) {
        for (mine, theirs) in self.filters.iter_mut().zip(other.filters) {
            mine.merge(theirs);
        }
        self.read.merge(other.read);
        self.span = match (self.span, other.span) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
        self.problems.merge(other.problems);
        self.outside_days += other.outside_days;
    }
}

/// A prepared replay: the filters compiled into one evaluator.
pub struct Replay {
    filters: Vec<FilterSpec>,
    evaluator: Evaluator,
    /// Which filters are on the benchmark side (for `--diff`); empty when not diffing.
    benchmark_side: Vec<bool>,
    emit: Option<Mutex<Box<dyn Write + Send>>>,
    /// The filters that publish a default value for events they do not match (their metric
    /// transformation valid), with that value.
    defaults: Vec<(usize, f64)>,
    emitted: AtomicU64,
    range_bytes: u64,
    days: cloudtrail_reader::DayRange,
    /// The `eventTime`s replayed, from `days`: the first second of the first day and the
    /// first second after the last, when bounded.
    time_range: (Option<i64>, Option<i64>),
    batched_file_bytes: u64,
}

/// A pattern that does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPattern {
    /// The filter's name.
    pub filter: String,
    /// The compiler's message.
    pub message: String,
}

impl std::fmt::Display for BadPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "filter {}: {}", self.filter, self.message)
    }
}

impl Replay {
    /// Compiles the filters. With `diff`, filters from the benchmark are compared with the
    /// others (deployed or ad hoc). With `emit`, every matched event is written there as one
    /// NDJSON line `{"filters":[...],"file":...,"position":...,"event":{...}}` (in the order
    /// the workers finish them, not input order).
    pub fn new(
        filters: Vec<FilterSpec>,
        diff: bool,
        emit: Option<Box<dyn Write + Send>>,
    ) -> Result<Replay, Vec<BadPattern>> {
        let evaluator = Evaluator::new(&filters).map_err(|errors| {
            errors
                .into_iter()
                .map(|(index, message)| BadPattern {
                    filter: filters[index].name.clone(),
                    message,
                })
                .collect::<Vec<_>>()
        })?;
        let benchmark_side = if diff {
            filters
                .iter()
                .map(|f| matches!(f.origin, Origin::Benchmark { .. }))
                .collect()
        } else {
            Vec::new()
        };
        let defaults = filters
            .iter()
            .enumerate()
            .filter(|(i, _)| evaluator.metric_error(*i).is_none())
            .filter_map(|(i, spec)| Some((i, spec.default_value?)))
            .collect();
        Ok(Replay {
            filters,
            evaluator,
            defaults,
            benchmark_side,
            emit: emit.map(Mutex::new),
            emitted: AtomicU64::new(0),
            range_bytes: RANGE_BYTES,
            days: cloudtrail_reader::DayRange::default(),
            time_range: (None, None),
            batched_file_bytes: BATCHED_FILE_BYTES,
        })
    }

    /// Replays only the events of `days` (by `eventTime`, UTC; default: all).
    ///
    /// CloudTrail files sit in the day folder of their delivery, minutes after their events,
    /// so an event of the last day may be in the next day's folder: of the files
    /// [`Replay::run_paths`] finds, those dated (by their CloudTrail day folder, see
    /// [`cloudtrail_reader::days::key_span`]) from the first day to the day after the last are
    /// read ([`Replay::listing_days`]), the others listed as skipped; events read outside
    /// `days` are counted in [`Totals::outside_days`] and not replayed.
    pub fn with_days(mut self, days: cloudtrail_reader::DayRange) -> Replay {
        self.time_range = (
            days.since.map(crate::time::day_start),
            days.until
                .map(|until| crate::time::day_start(crate::time::next_day(until))),
        );
        self.days = days;
        self
    }

    /// The days of the files (or S3 objects) to read for [`Replay::with_days`]: one more at
    /// the end, for the last day's events delivered after midnight.
    pub fn listing_days(&self) -> cloudtrail_reader::DayRange {
        cloudtrail_reader::DayRange {
            since: self.days.since,
            until: self.days.until.map(crate::time::next_day),
        }
    }

    /// Splits plain one-record-per-line files larger than `bytes` into ranges of about that
    /// size (default [`RANGE_BYTES`]).
    pub fn with_range_bytes(mut self, bytes: u64) -> Replay {
        self.range_bytes = bytes.max(1);
        self
    }

    /// Reads files larger than `bytes` that cannot be split into ranges on one thread and
    /// evaluates their records on all (default [`BATCHED_FILE_BYTES`]).
    pub fn with_batched_file_bytes(mut self, bytes: u64) -> Replay {
        self.batched_file_bytes = bytes;
        self
    }

    /// The filters, in report order.
    pub fn filters(&self) -> &[FilterSpec] {
        &self.filters
    }

    /// Why filter `index`'s metric transformation is invalid (its matches publish nothing).
    pub fn metric_error(&self, index: usize) -> Option<&str> {
        self.evaluator.metric_error(index)
    }

    /// Whether `--diff` is on.
    pub fn diffing(&self) -> bool {
        !self.benchmark_side.is_empty()
    }

    /// A worker with empty totals; run several on threads and [`Totals::merge`] them.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            replay: self,
            totals: Totals::new(self.filters.len()),
            scratch: self.evaluator.scratch(),
            matched: Vec::new(),
            emit_buffer: Vec::new(),
            invalid: 0,
        }
    }

    /// Flushes the `emit` output (call after the workers finish; errors are not otherwise
    /// visible, since a buffered writer drops them when dropped).
    pub fn flush_emitted(&self) -> std::io::Result<()> {
        match &self.emit {
            Some(out) => out.lock().expect("emit lock").flush(),
            None => Ok(()),
        }
    }

    /// Lines written to the `emit` output so far.
    pub fn emitted(&self) -> u64 {
        self.emitted.load(Ordering::Relaxed)
    }

    /// Replays files (and directories) on `threads` threads. Progress counters, if given, are
    /// advanced as work items finish.
    ///
    /// The work items are whole files, ranges of large plain one-record-per-line files, and
    /// (with more than one thread) files larger than [`BATCHED_FILE_BYTES`] that cannot be
    /// split: the thread that takes one of those only reads it, handing its records out in
    /// batches of about 1 MiB over a bounded queue that the other threads evaluate, between their own
    /// items and, once no item is left, until every reader is done. A reader never waits for
    /// the queue: when it is full (everybody is busy), it evaluates the batch itself. Each
    /// record is evaluated once, by [`Worker::event`], whichever thread does it, so the totals
    /// do not depend on the number of threads.
    pub fn run_paths(
        &self,
        paths: &[PathBuf],
        threads: usize,
        progress: Option<&Progress>,
    ) -> Totals {
        let threads = threads.max(1);
        let batched_file_bytes = if threads > 1 {
            self.batched_file_bytes
        } else {
            u64::MAX // one thread: nobody to hand batches to
        };
        let mut totals = Totals::new(self.filters.len());
        let mut items = Vec::new();
        for path in paths {
            let listing = cloudtrail_reader::list_files(path, self.listing_days());
            for error in listing.errors {
                totals.read.errors += 1;
                totals
                    .problems
                    .add(&error.file, error.position, error.message);
            }
            totals.read.skipped.extend(listing.skipped);
            for file in listing.files {
                items.extend(work_items(&file, self.range_bytes, batched_file_bytes));
            }
        }
        // Largest first, so one big file does not run alone at the end.
        items.sort_by_key(|item| std::cmp::Reverse(item.bytes));
        if let Some(progress) = progress {
            progress
                .total_bytes
                .store(items.iter().map(|i| i.bytes).sum(), Ordering::Relaxed);
            progress.total_files.store(
                items.iter().filter(|i| i.starts_file()).count() as u64,
                Ordering::Relaxed,
            );
        }
        let next = AtomicUsize::new(0);
        let batched = items.iter().any(|i| matches!(i.kind, WorkKind::Batched));
        let threads = if batched {
            threads
        } else {
            threads.min(items.len().max(1))
        };
        // Every thread holds a sender until it has no item left to read, so the queue closes
        // (and the threads waiting on it stop) once every reader is done.
        let (sender, receiver) = std::sync::mpsc::sync_channel(QUEUED_BATCHES_PER_THREAD * threads);
        let receiver = Mutex::new(receiver);
        let results: Vec<Totals> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let sender = sender.clone();
                    let (items, next, receiver) = (&items, &next, &receiver);
                    scope.spawn(move || {
                        let mut worker = self.worker();
                        loop {
                            worker.evaluate_queued(receiver);
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let Some(item) = items.get(index) else { break };
                            worker.read_item(item, &sender);
                            if let Some(progress) = progress {
                                progress.bytes.fetch_add(item.bytes, Ordering::Relaxed);
                                if item.starts_file() {
                                    progress.files.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        drop(sender);
                        worker.evaluate_until_closed(receiver);
                        worker.finish()
                    })
                })
                .collect();
            drop(sender);
            handles
                .into_iter()
                .map(|h| h.join().expect("replay worker panicked"))
                .collect()
        });
        for result in results {
            totals.merge(result);
        }
        totals
    }

    /// Replays one stream (standard input) on `threads` threads: this thread reads it and
    /// hands its records out in batches to the others (as [`Replay::run_paths`] does for a
    /// large file), evaluating a batch itself whenever they are all busy.
    pub fn run_stream(&self, name: &str, reader: impl std::io::Read, threads: usize) -> Totals {
        let mut reading = self.worker();
        if threads <= 1 {
            reading.read_stream(name, reader);
            return reading.finish();
        }
        let (sender, receiver) = std::sync::mpsc::sync_channel(QUEUED_BATCHES_PER_THREAD * threads);
        let receiver = Mutex::new(receiver);
        std::thread::scope(|scope| {
            let evaluating: Vec<_> = (1..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut worker = self.worker();
                        worker.evaluate_until_closed(&receiver);
                        worker.finish()
                    })
                })
                .collect();
            reading.read_batched(name, &sender, |on_event, on_error| {
                cloudtrail_reader::read_stream_with(name, reader, VALIDATION, on_event, on_error)
            });
            drop(sender); // closes the queue once it is empty: the evaluating threads end
            let mut totals = reading.finish();
            for handle in evaluating {
                totals.merge(handle.join().expect("replay worker panicked"));
            }
            totals
        })
    }
}

/// Counters a progress display reads.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes (on disk) of finished work.
    pub bytes: AtomicU64,
    /// Bytes (on disk) of all work.
    pub total_bytes: AtomicU64,
    /// Files finished.
    pub files: AtomicU64,
    /// Files in all.
    pub total_files: AtomicU64,
}

/// A unit of parallel work: a file, or a byte range of a large plain NDJSON file.
#[derive(Debug, Clone)]
struct WorkItem {
    path: PathBuf,
    kind: WorkKind,
    /// Its size on disk.
    bytes: u64,
}

/// How a [`WorkItem`] is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkKind {
    /// The whole file, read and evaluated by one thread.
    Whole,
    /// The lines of a plain one-record-per-line file that start in `start..end`.
    Lines { start: u64, end: u64 },
    /// The whole file, read by one thread and evaluated by all (in [`Batch`]es).
    Batched,
}

impl WorkItem {
    /// Whether this item starts a file (counts the file in the progress display).
    fn starts_file(&self) -> bool {
        !matches!(self.kind, WorkKind::Lines { start, .. } if start > 0)
    }
}

/// The work items of one file: plain one-record-per-line files larger than `range_bytes` are
/// cut into ranges; other files larger than `batched_file_bytes` are read in batches.
fn work_items(path: &Path, range_bytes: u64, batched_file_bytes: u64) -> Vec<WorkItem> {
    let item = |kind, bytes| WorkItem {
        path: path.to_path_buf(),
        kind,
        bytes,
    };
    let Ok(meta) = std::fs::metadata(path) else {
        return vec![item(WorkKind::Whole, 0)]; // the reader reports why it cannot be opened
    };
    let size = meta.len();
    if size <= range_bytes.min(batched_file_bytes) {
        return vec![item(WorkKind::Whole, size)];
    }
    let Ok(detected) = cloudtrail_reader::detect_format(path) else {
        return vec![item(WorkKind::Whole, size)]; // the reader reports the problem
    };
    if !detected.gzip && detected.format == cloudtrail_reader::Format::Lines {
        if size <= range_bytes {
            return vec![item(WorkKind::Whole, size)];
        }
        let pieces = size.div_ceil(range_bytes);
        (0..pieces)
            .map(|i| {
                let start = size * i / pieces;
                let end = size * (i + 1) / pieces;
                item(WorkKind::Lines { start, end }, end - start)
            })
            .collect()
    } else if size > batched_file_bytes
        && matches!(
            detected.format,
            cloudtrail_reader::Format::Records
                | cloudtrail_reader::Format::Lines
                | cloudtrail_reader::Format::JsonStream
        )
    {
        vec![item(WorkKind::Batched, size)]
    } else {
        vec![item(WorkKind::Whole, size)]
    }
}

/// Records of one file, read by one thread, on their way to another to be evaluated: their
/// text (copied out of the reader's buffer) and where each was read.
struct Batch {
    file: Arc<str>,
    /// The records' texts, one after the other.
    text: String,
    /// Each record's position and the end of its text in `text` (it starts where the previous
    /// one ends).
    records: Vec<(Position, usize)>,
}

impl Batch {
    fn new(file: Arc<str>, bytes: usize) -> Batch {
        Batch {
            file,
            text: String::with_capacity(bytes),
            records: Vec::new(),
        }
    }
}

/// Replays events on one thread into its own totals.
pub struct Worker<'r> {
    replay: &'r Replay,
    totals: Totals,
    scratch: Scratch,
    matched: Vec<usize>,
    emit_buffer: Vec<u8>,
    /// Records the reader handed out that turned out not to be valid JSON objects.
    invalid: u64,
}

impl Worker<'_> {
    fn read_item(&mut self, item: &WorkItem, queue: &SyncSender<Batch>) {
        match item.kind {
            WorkKind::Whole => self.read_with(|on_event, on_error| {
                cloudtrail_reader::read_file_with(&item.path, VALIDATION, on_event, on_error)
            }),
            WorkKind::Lines { start, end } => self.read_with(|on_event, on_error| {
                let path = &item.path;
                cloudtrail_reader::read_lines_range(
                    path, start, end, VALIDATION, on_event, on_error,
                )
            }),
            WorkKind::Batched => {
                let name = item.path.display().to_string();
                self.read_batched(&name, queue, |on_event, on_error| {
                    cloudtrail_reader::read_file_with(&item.path, VALIDATION, on_event, on_error)
                })
            }
        }
    }

    /// Runs one reader call, handing the records it reads to `queue` in batches (or
    /// evaluating a batch here when the queue is full). Read errors are counted here; each
    /// record is counted (as an event, or as an error if it is not valid JSON) by whichever
    /// worker evaluates it.
    fn read_batched(
        &mut self,
        name: &str,
        queue: &SyncSender<Batch>,
        read: impl FnOnce(&mut dyn FnMut(RawEvent<'_>), &mut dyn FnMut(ReadError)) -> Summary,
    ) {
        let name: Arc<str> = name.into();
        let mut problems = Problems::default();
        let batch_bytes = BATCH_BYTES.min((self.replay.batched_file_bytes / 8).max(1) as usize);
        let new_batch = || Batch::new(name.clone(), batch_bytes);
        let mut batch = new_batch();
        let mut handed_out = 0;
        let mut summary = read(
            &mut |event| {
                // A batch holds up to `batch_bytes` of text, or one larger record.
                let full = batch.text.len() + event.text.len() > batch_bytes;
                if full && !batch.records.is_empty() {
                    self.hand_out(std::mem::replace(&mut batch, new_batch()), queue);
                }
                batch.text.push_str(event.text);
                batch.records.push((event.position, batch.text.len()));
                handed_out += 1;
            },
            &mut |error| problems.add(&error.file, error.position, error.message),
        );
        if !batch.records.is_empty() {
            self.hand_out(batch, queue);
        }
        // Each record is counted by the worker that evaluates it (see `evaluate`).
        summary.events -= handed_out;
        self.totals.read.merge(summary);
        self.totals.problems.merge(problems);
    }

    /// Queues a batch for another thread, or evaluates it here if the queue is full.
    fn hand_out(&mut self, batch: Batch, queue: &SyncSender<Batch>) {
        match queue.try_send(batch) {
            Ok(()) => {}
            Err(TrySendError::Full(batch) | TrySendError::Disconnected(batch)) => {
                self.evaluate(&batch)
            }
        }
    }

    /// Evaluates every record of a batch, counting each as an event or (when not valid JSON) as
    /// an error, as [`Worker::read_with`] does for the records it reads.
    fn evaluate(&mut self, batch: &Batch) {
        let invalid_before = self.invalid;
        let mut start = 0;
        for &(position, end) in &batch.records {
            self.event(RawEvent {
                file: &batch.file,
                position,
                text: &batch.text[start..end],
            });
            start = end;
        }
        let invalid = self.invalid - invalid_before;
        self.totals.read.events += batch.records.len() as u64 - invalid;
        self.totals.read.errors += invalid;
    }

    /// Evaluates the batches waiting in the queue, if no other thread is waiting on it.
    fn evaluate_queued(&mut self, queue: &Mutex<Receiver<Batch>>) {
        loop {
            let Ok(receiver) = queue.try_lock() else {
                return; // an idle thread is waiting for the next batch: it takes it
            };
            let Ok(batch) = receiver.try_recv() else {
                return;
            };
            drop(receiver);
            self.evaluate(&batch);
        }
    }

    /// Evaluates batches as they come until every reader is done.
    fn evaluate_until_closed(&mut self, queue: &Mutex<Receiver<Batch>>) {
        loop {
            let next = queue.lock().expect("batch queue lock").recv();
            let Ok(batch) = next else { return };
            self.evaluate(&batch);
        }
    }

    /// Replays one stream (standard input, an object downloaded from S3).
    pub fn read_stream(&mut self, name: &str, reader: impl std::io::Read) {
        self.read_with(|on_event, on_error| {
            cloudtrail_reader::read_stream_with(name, reader, VALIDATION, on_event, on_error)
        });
    }

    /// Runs one reader call with this worker's event handler; read errors are gathered apart
    /// (bounded: counted, the first [`KEPT_PROBLEMS`] kept) and added after.
    fn read_with(
        &mut self,
        read: impl FnOnce(&mut dyn FnMut(RawEvent<'_>), &mut dyn FnMut(ReadError)) -> Summary,
    ) {
        let mut problems = Problems::default();
        let invalid_before = self.invalid;
        let mut summary = read(&mut |event| self.event(event), &mut |error| {
            problems.add(&error.file, error.position, error.message)
        });
        // A record found invalid here is a read error, as if the reader had checked it itself.
        let invalid = self.invalid - invalid_before;
        summary.events -= invalid;
        summary.errors += invalid;
        self.totals.read.merge(summary);
        self.totals.problems.merge(problems);
    }

    /// Records input that could not be replayed at all (e.g. an S3 object that failed to
    /// download), so the report is partial and says where.
    pub fn problem(&mut self, file: &str, message: String) {
        self.totals.problems.add(file, Position::default(), message);
    }

    /// Matches one event and counts it. A record that is not one valid JSON object (the reader
    /// only found where it ends) is reported as a problem with its place, like any other bad
    /// input, and counts nowhere else: neither as a match nor in the metrics or the time span.
    pub fn event(&mut self, event: RawEvent<'_>) {
        let replay = self.replay;
        self.matched.clear();
        let valid = replay
            .evaluator
            .evaluate(event.text, &mut self.scratch, &mut self.matched);
        if !valid {
            self.matched.clear();
            self.invalid += 1;
            let message = invalid_json_message(&event);
            return self
                .totals
                .problems
                .add(event.file, event.position, message);
        }
        let time = self.event_time(&event);
        let (since, until) = replay.time_range;
        if let Some(t) = time {
            if since.is_some_and(|since| t < since) || until.is_some_and(|until| t >= until) {
                self.matched.clear();
                self.totals.outside_days += 1;
                return;
            }
            self.totals.span = Some(match self.totals.span {
                Some((a, b)) => (a.min(t), b.max(t)),
                None => (t, t),
            });
            self.publish_defaults(t);
        }
        if self.matched.is_empty() {
            return;
        }
        let head = crate::head::Head::read(&replay.evaluator, &self.scratch, event.text);
        let event_name = head.event_name.as_deref().unwrap_or("(no eventName)");
        let principal = head.principal();
        let principal = principal.as_ref();
        let example = |time: i64| Example {
            time,
            location: format!("{}: {}", event.file, event.position),
            event_name: event_name.to_string(),
            principal: principal.to_string(),
        };
        let diffing = replay.diffing();
        let (benchmark_hit, other_hit) = if diffing {
            let bench = self.matched.iter().any(|&i| replay.benchmark_side[i]);
            let other = self.matched.iter().any(|&i| !replay.benchmark_side[i]);
            (bench, other)
        } else {
            (false, false)
        };
        for index in 0..self.matched.len() {
            let i = self.matched[index];
            let totals = &mut self.totals.filters[i];
            totals.matched += 1;
            count(&mut totals.event_names, event_name);
            count(&mut totals.principals, principal);
            let sort_time = time.unwrap_or(i64::MAX);
            if totals.examples.len() < EXAMPLES
                || totals.examples.last().is_some_and(|e| e.time >= sort_time)
            {
                keep_earliest(&mut totals.examples, vec![example(sort_time)]);
            }
            if diffing {
                let alone = if replay.benchmark_side[i] {
                    !other_hit
                } else {
                    !benchmark_hit
                };
                if alone {
                    totals.only_this_side += 1;
                    if totals.only_examples.len() < EXAMPLES
                        || totals
                            .only_examples
                            .last()
                            .is_some_and(|e| e.time >= sort_time)
                    {
                        keep_earliest(&mut totals.only_examples, vec![example(sort_time)]);
                    }
                }
            }
            let Some(t) = time else {
                totals.unpublished += 1;
                continue;
            };
            totals.first = min_some(totals.first, Some(t));
            totals.last = max_some(totals.last, Some(t));
            match replay.evaluator.metric(i, event.text) {
                Ok(Some(value)) => {
                    totals
                        .minutes
                        .entry(t - t.rem_euclid(60))
                        .and_modify(|p| p.merge(&Datapoint::of(value)))
                        .or_insert(Datapoint::of(value));
                }
                Ok(None) | Err(_) => totals.unpublished += 1,
            }
        }
        if replay.emit.is_some() {
            self.emit(&event);
        }
    }

    /// Every filter with a default value publishes it for each event it does not match.
    fn publish_defaults(&mut self, t: i64) {
        for &(i, default) in &self.replay.defaults {
            if !self.matched.contains(&i) {
                self.totals.filters[i]
                    .minutes
                    .entry(t - t.rem_euclid(60))
                    .and_modify(|p| p.merge(&Datapoint::of(default)))
                    .or_insert(Datapoint::of(default));
            }
        }
    }

    /// The event's top-level `eventTime`, or `None` after recording why it is unusable.
    fn event_time(&mut self, event: &RawEvent<'_>) -> Option<i64> {
        let found = self
            .replay
            .evaluator
            .field(&self.scratch, event.text, EventField::EventTime);
        match found {
            Some(value) => {
                let parsed = parse_event_time(&value);
                if parsed.is_none() {
                    let message =
                        format!("eventTime {value:?} is not a time; event not counted in metrics");
                    self.totals
                        .problems
                        .add(event.file, event.position, message);
                }
                parsed
            }
            None => {
                let message =
                    "record has no eventTime string; event not counted in metrics".to_string();
                self.totals
                    .problems
                    .add(event.file, event.position, message);
                None
            }
        }
    }

    fn emit(&mut self, event: &RawEvent<'_>) {
        let names: Vec<&str> = self
            .matched
            .iter()
            .map(|&i| self.replay.filters[i].name.as_str())
            .collect();
        let head = serde_json::json!({
            "filters": names,
            "file": event.file,
            "position": event.position.to_string(),
        })
        .to_string();
        // `{"filters":...,"position":"..."}` + `,"event":` + raw event + `}`
        self.emit_buffer
            .extend_from_slice(&head.as_bytes()[..head.len() - 1]);
        self.emit_buffer.extend_from_slice(b",\"event\":");
        self.emit_buffer.extend_from_slice(event.text.as_bytes());
        self.emit_buffer.extend_from_slice(b"}\n");
        self.replay.emitted.fetch_add(1, Ordering::Relaxed);
        if self.emit_buffer.len() > 1 << 20 {
            self.flush_emit();
        }
    }

    fn flush_emit(&mut self) {
        if self.emit_buffer.is_empty() {
            return;
        }
        if let Some(out) = &self.replay.emit {
            let mut out = out.lock().expect("emit lock");
            if let Err(error) = out.write_all(&self.emit_buffer) {
                self.totals.problems.add(
                    "--emit-matches",
                    Position::default(),
                    format!("writing matched events failed: {error}"),
                );
            }
        }
        self.emit_buffer.clear();
    }

    /// Ends the worker: flushes its emitted matches and returns its totals.
    pub fn finish(mut self) -> Totals {
        self.flush_emit();
        self.totals
    }
}

/// Adds one to `key`'s count, allocating the key only the first time it is seen.
fn count(counts: &mut HashMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_string(), 1);
        }
    }
}

/// Why a record the filter engine found not to be one valid JSON object is invalid, with the
/// offending byte's offset in the file, in the reader's words (as if it had checked the record).
/// The reader hands out a record's text as it is in the file unless it had whitespace between
/// tokens, and those it checks itself, so the offset is exact.
fn invalid_json_message(event: &RawEvent<'_>) -> String {
    match cloudtrail_reader::check_json(event.text) {
        Err(error) => format!(
            "invalid JSON at byte {}: {}; record skipped",
            event.position.offset.unwrap_or(0) + error.at as u64,
            error.what
        ),
        // The reader's grammar accepts it, yet the filter engine (whose verdict decides what
        // is replayed) does not: still bad input, reported without a byte position.
        Ok(()) => {
            "record is not a valid JSON object for the filter engine; record skipped".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_files_are_cut_into_ranges_or_batched_by_their_format() {
        let dir = std::env::temp_dir().join(format!("replay-items-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let record = r#"{"eventTime":"2024-05-01T10:00:00Z","eventName":"ListUsers"}"#;
        let lines = dir.join("lines.jsonl");
        std::fs::write(&lines, format!("{record}\n").repeat(100)).unwrap();
        let records = dir.join("records.json");
        let body = format!("{{\"Records\":[{}]}}", vec![record; 100].join(","));
        std::fs::write(&records, &body).unwrap();
        let gz = dir.join("records.json.gz");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(body.as_bytes()).unwrap();
        std::fs::write(&gz, encoder.finish().unwrap()).unwrap();

        let kinds = |path: &Path, range_bytes, batched_file_bytes| -> Vec<WorkKind> {
            let items = work_items(path, range_bytes, batched_file_bytes);
            items.iter().map(|i| i.kind).collect()
        };
        assert_eq!(kinds(&lines, 1 << 20, 100), [WorkKind::Whole]);
        assert_eq!(kinds(&lines, 3000, 100).len(), 3);
        assert!(matches!(
            kinds(&lines, 3000, 100)[1],
            WorkKind::Lines { start, .. } if start > 0
        ));
        assert_eq!(kinds(&records, 100, 100), [WorkKind::Batched]);
        assert_eq!(kinds(&records, 100, 1 << 20), [WorkKind::Whole]);
        assert_eq!(kinds(&gz, 1 << 20, 100), [WorkKind::Batched]);
        assert_eq!(kinds(&gz, 100, u64::MAX), [WorkKind::Whole]);
        assert_eq!(kinds(&dir.join("missing"), 1, 1), [WorkKind::Whole]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
