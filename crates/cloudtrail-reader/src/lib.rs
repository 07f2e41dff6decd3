//! Reads CloudTrail logs and hands out one raw record at a time, with where it came from.
//!
//! Accepted inputs, detected from the content (not the file name):
//! - log files as CloudTrail delivers them to S3: one JSON object `{"Records":[...]}`, plain or
//!   gzip-compressed (`.json`, `.json.gz`);
//! - one record per line (NDJSON, `jq -c` output), also with a leading timestamp on each line as
//!   CloudWatch Logs exports to S3 write it (`2024-05-01T10:00:00.000Z {"eventVersion":...}`);
//! - a stream of whitespace-separated (possibly pretty-printed) JSON objects;
//! - directories, walked recursively in name order (CloudTrail digest files are skipped and
//!   listed in the summary), and standard input (`-`).
//!
//! Memory stays bounded: the input is read in blocks and each record is validated (full JSON
//! grammar, UTF-8, must be an object; with [`Validation::Structure`], where it ends and UTF-8,
//! the grammar left to the caller) and sliced out of the block without building a tree. Every
//! record is handed out as compact single-line JSON text: a record whose source has whitespace
//! between tokens is re-emitted without it, the form CloudTrail delivers to CloudWatch Logs.
//!
//! Bad input never stops the reader silently: each problem becomes a [`ReadError`] naming the
//! file and the record number, line and byte offset, and reading resumes with the next record
//! when the record's end can still be found, else with the next file. Checking what a record
//! contains (e.g. that it has an `eventTime`) is the caller's job.

pub mod days;
mod scan;
mod stream;
mod structure;
mod walk;

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use days::DayRange;
pub use stream::{detect_format, Detected, Format};

/// One input named on a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file or a directory (walked recursively).
    Path(PathBuf),
    /// Standard input.
    Stdin,
}

impl Input {
    /// `-` is standard input; anything else is a path.
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// Where a record (or a problem) is in its file. Every field is optional because not every
/// reader knows every coordinate (a reader that starts mid-file knows only byte offsets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// The record's number in the file, counting from 1 (bad records count too).
    pub record: Option<u64>,
    /// The line the record starts on, counting from 1.
    pub line: Option<u64>,
    /// The byte offset of the record's first byte in the (decompressed) file.
    pub offset: Option<u64>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(record) = self.record {
            parts.push(format!("record {record}"));
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(offset) = self.offset {
            parts.push(format!("byte {offset}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// One record: its compact JSON text and where it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent<'a> {
    /// The file it came from (`<stdin>` for standard input).
    pub file: &'a str,
    /// Where in the file.
    pub position: Position,
    /// The record as compact, single-line JSON text; it starts with `{`. With
    /// [`Validation::Full`] it is always a valid JSON object. With [`Validation::Structure`]
    /// only its braces and strings are known to balance and the caller checks the grammar;
    /// a record that had whitespace between tokens in its source was checked in full before
    /// the whitespace was removed, so a text that fails the caller's check is exactly the
    /// source's bytes from `position.offset` on (an index [`check_json`] gives is an offset from
    /// there).
    pub text: &'a str,
}

/// Where and why a record's text is not valid JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    /// The offending byte's index in the text (its length when the text ends too early).
    pub at: usize,
    /// What was wrong, in the reader's words.
    pub what: &'static str,
}

/// Checks that `text` is one JSON value (full grammar, nesting up to 512 levels) with nothing
/// after it but whitespace, as [`Validation::Full`] does for each record. Callers that read with
/// [`Validation::Structure`] and find a record invalid by other means use it to say where.
pub fn check_json(text: &str) -> Result<(), JsonError> {
    check_bytes(text.as_bytes())
}

/// [`check_json`] on bytes.
fn check_bytes(bytes: &[u8]) -> Result<(), JsonError> {
    let start = bytes
        .iter()
        .position(|&b| !scan::is_whitespace(b))
        .unwrap_or(bytes.len());
    match scan::scan_value(bytes, start) {
        Ok(scanned) => match bytes[scanned.end..]
            .iter()
            .position(|&b| !scan::is_whitespace(b))
        {
            None => Ok(()),
            Some(i) => Err(JsonError {
                at: scanned.end + i,
                what: "text after the JSON value",
            }),
        },
        Err(scan::ScanError::Incomplete) => Err(JsonError {
            at: bytes.len(),
            what: "text ends inside the JSON value",
        }),
        Err(scan::ScanError::Invalid { at, what }) => Err(JsonError { at, what }),
    }
}

/// What kind of problem a [`ReadError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file or directory could not be opened or read.
    Io,
    /// The gzip data is corrupt or ends early; records before the damage were read.
    Gzip,
    /// The file is neither a CloudTrail log file nor one JSON object per line.
    NotCloudTrail,
    /// A record is not valid JSON (or not UTF-8).
    InvalidJson,
    /// A record is valid JSON but not an object.
    NotAnObject,
    /// A record is larger than the reader's limit ([`MAX_RECORD_BYTES`]).
    RecordTooLarge,
    /// The file ends in the middle of a record or of the `Records` array.
    Truncated,
    /// The file's structure around the records is broken (e.g. text after the `Records`
    /// object, or a missing comma between records).
    BadStructure,
}

/// A problem found while reading, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The file (or directory) it concerns.
    pub file: String,
    /// Where in the file, as far as known.
    pub position: Position,
    /// What kind of problem.
    pub kind: ErrorKind,
    /// A human explanation, including what happens next (skipped record, rest of file unread).
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let position = self.position.to_string();
        if position.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, position, self.message)
        }
    }
}

impl std::error::Error for ReadError {}

/// How much of each record the reader checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Validation {
    /// The full JSON grammar and UTF-8: an invalid record is reported and skipped.
    #[default]
    Full,
    /// Structure only: the record starts with `{`, its strings and braces balance, it is UTF-8.
    /// (A record with whitespace between tokens is still checked in full, since removing the
    /// whitespace could make invalid JSON valid: `[1 2]` would become `[12]`.) Several times
    /// faster on compact records, as CloudTrail writes them. For callers that check each
    /// record's grammar themselves anyway and report the ones that fail: `trailwatch replay`
    /// takes the verdict of the filter engine's JSON scan, which validates every record it
    /// reads, and asks [`check_json`] where a bad one goes wrong.
    Structure,
}

/// The largest record the reader accepts (CloudTrail's own records are far smaller).
pub const MAX_RECORD_BYTES: usize = 32 * 1024 * 1024;

/// Totals of one read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files opened (standard input counts as one).
    pub files: u64,
    /// Records handed to the event callback.
    pub events: u64,
    /// Problems handed to the error callback.
    pub errors: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Files a directory walk passed over on purpose, with the reason (e.g. digest files).
    pub skipped: Vec<(PathBuf, Cow<'static, str>)>,
}

impl Summary {
    /// Adds another read's totals to this one.
    pub fn merge(&mut self, other: Summary) {
        self.files += other.files;
        self.events += other.events;
        self.errors += other.errors;
        self.bytes += other.bytes;
        self.skipped.extend(other.skipped);
    }
}

/// Reads every record of `input` (a file, a directory tree, or stdin) in order.
pub fn read_input(
    input: &Input,
    mut on_event: impl FnMut(RawEvent<'_>),
    mut on_error: impl FnMut(ReadError),
) -> Summary {
    match input {
        Input::Stdin => read_stream("<stdin>", std::io::stdin().lock(), on_event, on_error),
        Input::Path(path) => {
            let listing = list_files(path, DayRange::default());
            let mut summary = Summary {
                errors: listing.errors.len() as u64,
                skipped: listing.skipped,
                ..Summary::default()
            };
            listing.errors.into_iter().for_each(&mut on_error);
            for file in &listing.files {
                summary.merge(read_file(file, &mut on_event, &mut on_error));
            }
            summary
        }
    }
}

/// The files a path stands for: itself, or every file under it in name order.
#[derive(Debug, Default)]
pub struct Listing {
    /// Files to read.
    pub files: Vec<PathBuf>,
    /// Files passed over on purpose, with the reason.
    pub skipped: Vec<(PathBuf, Cow<'static, str>)>,
    /// Directories or files that could not be listed.
    pub errors: Vec<ReadError>,
}

/// Whether `key` (an S3 key or a file path) is a CloudTrail digest file: CloudTrail writes
/// them (hash chains for log file validation, not events) under
/// `AWSLogs/<account>/CloudTrail-Digest/`, with `_CloudTrail-Digest_` in their names.
pub fn is_digest_key(key: &str) -> bool {
    let mut parts = key.split(['/', '\\']);
    let name = parts.next_back().unwrap_or_default();
    name.contains("_CloudTrail-Digest_") || parts.any(|part| part == "CloudTrail-Digest")
}

/// Lists the files under `path` (recursively, sorted by name), passing over digest files and
/// files dated outside `days` ([`days::key_span`]; year, month and day folders outside it are
/// not walked).
pub fn list_files(path: &Path, days: DayRange) -> Listing {
    walk::list(path, days)
}

/// Reads one file (plain or gzip).
pub fn read_file(
    path: &Path,
    on_event: impl FnMut(RawEvent<'_>),
    on_error: impl FnMut(ReadError),
) -> Summary {
    read_file_with(path, Validation::Full, on_event, on_error)
}

/// [`read_file`] with a choice of [`Validation`].
pub fn read_file_with(
    path: &Path,
    validation: Validation,
    on_event: impl FnMut(RawEvent<'_>),
    mut on_error: impl FnMut(ReadError),
) -> Summary {
    let name = path.display().to_string();
    match std::fs::File::open(path) {
        Ok(file) => read_stream_with(&name, file, validation, on_event, on_error),
        Err(error) => {
            on_error(ReadError {
                file: name,
                position: Position::default(),
                kind: ErrorKind::Io,
                message: format!("cannot open: {error}"),
            });
            Summary {
                files: 1,
                errors: 1,
                ..Summary::default()
            }
        }
    }
}

/// Reads one stream (plain or gzip, detected from its first bytes), named `name` in positions
/// and errors. Use it for standard input or an object downloaded from S3.
pub fn read_stream(
    name: &str,
    reader: impl Read,
    on_event: impl FnMut(RawEvent<'_>),
    on_error: impl FnMut(ReadError),
) -> Summary {
    read_stream_with(name, reader, Validation::Full, on_event, on_error)
}

/// [`read_stream`] with a choice of [`Validation`].
pub fn read_stream_with(
    name: &str,
    reader: impl Read,
    validation: Validation,
    on_event: impl FnMut(RawEvent<'_>),
    on_error: impl FnMut(ReadError),
) -> Summary {
    stream::read(name, reader, validation, on_event, on_error)
}

/// Reads the records of a plain (not compressed) one-record-per-line file whose lines start in
/// `start..end` (byte offsets). A line that starts before `start` belongs to the previous range,
/// so a file cut into adjacent ranges at arbitrary offsets is read exactly once, in parallel.
/// Positions carry byte offsets only (line and record numbers would need the earlier ranges).
pub fn read_lines_range(
    path: &Path,
    start: u64,
    end: u64,
    validation: Validation,
    on_event: impl FnMut(RawEvent<'_>),
    on_error: impl FnMut(ReadError),
) -> Summary {
    stream::read_range(path, start, end, validation, on_event, on_error)
}

#[cfg(test)]
mod tests {
    use super::is_digest_key;

    #[test]
    fn digest_files_are_known_by_their_folder_or_their_name() {
        for digest in [
            "AWSLogs/1/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz",
            "CloudTrail-Digest/us-east-1/d.json.gz",
            r"C:\logs\CloudTrail-Digest\d.json.gz",
            "copies/1_CloudTrail-Digest_us-east-1_20240501T0000Z.json.gz",
        ] {
            assert!(is_digest_key(digest), "{digest}");
        }
        for log in [
            "AWSLogs/1/CloudTrail/us-east-1/2024/05/01/1_CloudTrail_us-east-1_x.json.gz",
            "AWSLogs/1/CloudTrail-Digests/x.json.gz",
            "CloudTrail-Digest",
        ] {
            assert!(!is_digest_key(log), "{log}");
        }
    }
}
