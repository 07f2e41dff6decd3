//! The block reader: detects the layout of one stream and slices its records out.

use crate::scan::{self, ScanError, Scanned};
use crate::structure;
use crate::{ErrorKind, Position, RawEvent, ReadError, Summary, Validation, MAX_RECORD_BYTES};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// The first read block; it doubles (up to [`MAX_RECORD_BYTES`]) only for a record that does
/// not fit.
const BLOCK_BYTES: usize = 256 * 1024;

/// The UTF-8 byte order mark.
const BYTE_ORDER_MARK: &[u8] = b"\xef\xbb\xbf";

/// How much compressed input is buffered in front of the gzip decoder.
const GZIP_INPUT_BYTES: usize = 128 * 1024;

/// How records are laid out in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// No content but whitespace.
    Empty,
    /// One `{"Records":[...]}` object, as CloudTrail delivers to S3.
    Records,
    /// One record per line (optionally after a timestamp, as CloudWatch Logs exports write).
    Lines,
    /// JSON objects separated by whitespace, some spanning several lines (pretty-printed).
    JsonStream,
    /// None of the above.
    NotCloudTrail,
}

/// What [`detect_format`] found about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// Whether the file is gzip-compressed.
    pub gzip: bool,
    /// The layout of its (decompressed) content.
    pub format: Format,
}

/// Looks at the start of a file to tell its compression and layout (used to decide whether a
/// file can be split into ranges: only plain [`Format::Lines`] files can).
pub fn detect_format(path: &Path) -> io::Result<Detected> {
    let (gzip, reader) = open(std::fs::File::open(path)?)?;
    let mut stream = Stream::new(reader, 0);
    let format = stream.detect().map_err(|error| match error {
        StreamError::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    })?;
    Ok(Detected { gzip, format })
}

/// Wraps `reader` in a gzip decoder when its first two bytes are the gzip magic number.
fn open<'r>(mut reader: impl Read + 'r) -> io::Result<(bool, Box<dyn Read + 'r>)> {
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let chained = io::Cursor::new(head[..got].to_vec()).chain(reader);
    if head[..got] == [0x1f, 0x8b] {
        let input = BufReader::with_capacity(GZIP_INPUT_BYTES, chained);
        Ok((true, Box::new(flate2::bufread::MultiGzDecoder::new(input))))
    } else {
        Ok((false, Box::new(chained)))
    }
}

/// Why the block reader stopped.
#[derive(Debug)]
enum StreamError {
    /// The input ended first.
    Truncated,
    /// Invalid JSON at this stream offset.
    Invalid { offset: u64, what: &'static str },
    /// One record needs more than [`MAX_RECORD_BYTES`].
    TooLarge,
    /// Reading (or decompressing) failed.
    Io(io::Error),
}

/// A window over the input: `buf[..filled]` holds the bytes from stream offset `base`.
struct Stream<'r> {
    reader: Box<dyn Read + 'r>,
    buf: Vec<u8>,
    filled: usize,
    pos: usize,
    base: u64,
    eof: bool,
    /// The line number at `pos`, counting from 1.
    line: u64,
    /// Bytes read from the (decompressed) input.
    bytes: u64,
}

impl<'r> Stream<'r> {
    fn new(reader: Box<dyn Read + 'r>, base: u64) -> Self {
        Stream {
            reader,
            buf: vec![0; BLOCK_BYTES],
            filled: 0,
            pos: 0,
            base,
            eof: false,
            line: 1,
            bytes: 0,
        }
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Keeps `buf[pos..filled]`, moving it to the front, and reads more after it.
    fn fill(&mut self) -> Result<(), StreamError> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.base += self.pos as u64;
            self.pos = 0;
        }
        if self.filled == self.buf.len() {
            if self.buf.len() >= MAX_RECORD_BYTES {
                return Err(StreamError::TooLarge);
            }
            self.buf
                .resize((self.buf.len() * 2).min(MAX_RECORD_BYTES), 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.filled += n;
                    self.bytes += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(StreamError::Io(e)),
            }
            return Ok(());
        }
    }

    /// Runs `step` on the window from `pos`, reading more input while it asks for more.
    fn with_more<T>(
        &mut self,
        step: impl Fn(&[u8], usize) -> Result<T, ScanError>,
    ) -> Result<T, StreamError> {
        loop {
            match step(&self.buf[..self.filled], self.pos) {
                Ok(value) => return Ok(value),
                Err(ScanError::Incomplete) if !self.eof => self.fill()?,
                Err(ScanError::Incomplete) => return Err(StreamError::Truncated),
                Err(ScanError::Invalid { at, what }) => {
                    return Err(StreamError::Invalid {
                        offset: self.base + at as u64,
                        what,
                    })
                }
            }
        }
    }

    /// Moves `pos` to `end`, counting the newlines passed when there may be some.
    fn advance_to(&mut self, end: usize, may_have_newlines: bool) {
        if may_have_newlines {
            self.line += memchr::memchr_iter(b'\n', &self.buf[self.pos..end]).count() as u64;
        }
        self.pos = end;
    }

    /// Skips whitespace; returns the next byte (not consumed), or `None` at the end.
    fn next_non_whitespace(&mut self) -> Result<Option<u8>, StreamError> {
        loop {
            while self.pos < self.filled {
                let b = self.buf[self.pos];
                if !scan::is_whitespace(b) {
                    return Ok(Some(b));
                }
                if b == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
            if self.eof {
                return Ok(None);
            }
            self.fill()?;
        }
    }

    /// The length of the `{"Records":[` at `pos`, if one starts there (reading ahead enough
    /// to tell).
    fn records_header_ahead(&mut self) -> Result<Option<usize>, StreamError> {
        while self.filled - self.pos < 4096 && !self.eof {
            self.fill()?;
        }
        Ok(records_header(&self.buf[self.pos..self.filled]))
    }

    /// Steps over a UTF-8 byte order mark at `pos`: some Windows tools write one at the start of
    /// a file, and `cat` of such files puts one before each document.
    fn skip_byte_order_mark(&mut self) -> Result<(), StreamError> {
        while self.filled - self.pos < BYTE_ORDER_MARK.len() && !self.eof {
            self.fill()?;
        }
        if self.buf[self.pos..self.filled].starts_with(BYTE_ORDER_MARK) {
            self.pos += BYTE_ORDER_MARK.len();
        }
        Ok(())
    }

    /// Tells the layout from the first bytes, leaving `pos` at the first record (for
    /// [`Format::Records`], just inside the array).
    fn detect(&mut self) -> Result<Format, StreamError> {
        while self.filled < 4096 && !self.eof {
            self.fill()?;
        }
        self.skip_byte_order_mark()?;
        let Some(first) = self.next_non_whitespace()? else {
            return Ok(Format::Empty);
        };
        if first == b'{' {
            if let Some(after_bracket) = self.records_header_ahead()? {
                self.advance_to(self.pos + after_bracket, true);
                return Ok(Format::Records);
            }
            // Does the first line hold a whole value? Then one record per line.
            let line_end = self.with_more(|buf, pos| match memchr::memchr(b'\n', &buf[pos..]) {
                Some(i) => Ok(pos + i),
                None => Err(ScanError::Incomplete),
            });
            let line_end = match line_end {
                Ok(end) => end,
                Err(StreamError::Truncated) => self.filled,
                Err(other) => return Err(other),
            };
            return Ok(match scan::scan_value(&self.buf[..line_end], self.pos) {
                Err(ScanError::Incomplete) => Format::JsonStream,
                Ok(_) | Err(ScanError::Invalid { .. }) => Format::Lines,
            });
        }
        if timestamp_prefix(&self.buf[self.pos..self.filled]).is_some() {
            return Ok(Format::Lines);
        }
        Ok(Format::NotCloudTrail)
    }
}

/// If `buf` starts with `{"Records":[` (whitespace allowed between tokens), the length of that
/// header.
fn records_header(buf: &[u8]) -> Option<usize> {
    let mut pos = 0;
    for token in [&b"{"[..], b"\"Records\"", b":", b"["] {
        while buf.get(pos).copied().is_some_and(scan::is_whitespace) {
            pos += 1;
        }
        if !buf[pos..].starts_with(token) {
            return None;
        }
        pos += token.len();
    }
    Some(pos)
}

/// If `line` starts with a CloudWatch Logs export timestamp (`2024-05-01T10:00:00.000Z `)
/// followed by `{`, the index of that `{`.
fn timestamp_prefix(line: &[u8]) -> Option<usize> {
    let head = line.get(..11)?;
    let date_like = head[..4].iter().all(u8::is_ascii_digit)
        && head[4] == b'-'
        && head[7] == b'-'
        && head[10] == b'T';
    if !date_like {
        return None;
    }
    let space = memchr::memchr(b' ', &line[..line.len().min(48)])?;
    (line.get(space + 1) == Some(&b'{')).then_some(space + 1)
}

/// The callbacks and running totals of one read.
struct Reader<'n, E, R> {
    name: &'n str,
    validation: Validation,
    on_event: E,
    on_error: R,
    summary: Summary,
    /// Holds a record re-emitted without whitespace.
    compacted: String,
}

/// Scans the record at `buf[pos]` as `validation` asks.
fn scan_record(validation: Validation, buf: &[u8], pos: usize) -> Result<Scanned, ScanError> {
    match validation {
        Validation::Structure if buf.get(pos) == Some(&b'{') => structure::object_end(buf, pos),
        _ => scan::scan_value(buf, pos),
    }
}

impl<E: FnMut(RawEvent<'_>), R: FnMut(ReadError)> Reader<'_, E, R> {
    fn error(&mut self, position: Position, kind: ErrorKind, message: String) {
        self.summary.errors += 1;
        (self.on_error)(ReadError {
            file: self.name.to_string(),
            position,
            kind,
            message,
        });
    }

    /// Reports why the stream stopped; the rest of the file is not read.
    fn fatal(&mut self, position: Position, error: StreamError, gzip: bool, doing: &str) {
        let (kind, message) = match error {
            StreamError::Io(e) if gzip => (
                ErrorKind::Gzip,
                format!("corrupt or truncated gzip data {doing}: {e}; rest of file unread"),
            ),
            StreamError::Io(e) => (
                ErrorKind::Io,
                format!("read failed {doing}: {e}; rest of file unread"),
            ),
            StreamError::Truncated => (
                ErrorKind::Truncated,
                format!("file ends {doing}; rest of file unread"),
            ),
            StreamError::TooLarge => (
                ErrorKind::RecordTooLarge,
                format!(
                    "record larger than {} MiB {doing}; rest of file unread",
                    MAX_RECORD_BYTES >> 20
                ),
            ),
            StreamError::Invalid { offset, what } => (
                ErrorKind::BadStructure,
                format!("{what} at byte {offset} {doing}; rest of file unread"),
            ),
        };
        self.error(position, kind, message);
    }

    /// Hands out `buf[start..scanned.end]`, which the scanner found to be valid JSON (or, with
    /// [`Validation::Structure`], to end there); `unit` names what a bad one costs (`record`,
    /// `line`).
    fn emit(&mut self, buf: &[u8], start: usize, scanned: Scanned, position: Position, unit: &str) {
        let bytes = &buf[start..scanned.end];
        if bytes[0] != b'{' {
            let message = "record is not a JSON object; skipped".to_string();
            return self.error(position, ErrorKind::NotAnObject, message);
        }
        if scanned.has_whitespace && self.validation == Validation::Structure {
            // Removing whitespace could join tokens into valid JSON (`[1 2]` into `[12]`), so a
            // record that has some is checked in full first, as `Validation::Full` would have;
            // the caller's check then sees only records whose text is as valid as their source.
            if let Err(error) = crate::check_bytes(bytes) {
                let offset = position.offset.unwrap_or(0) + error.at as u64;
                let message = format!(
                    "invalid JSON at byte {offset}: {}; {unit} skipped",
                    error.what
                );
                return self.error(position, ErrorKind::InvalidJson, message);
            }
        }
        let text = if scanned.ascii {
            debug_assert!(bytes.is_ascii());
            // SAFETY: the structure scan found no byte at or above 0x80 in `bytes`, and text
            // made only of ASCII bytes is valid UTF-8.
            unsafe { std::str::from_utf8_unchecked(bytes) }
        } else {
            match std::str::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    let offset = position.offset.unwrap_or(0) + e.valid_up_to() as u64;
                    let message = format!("invalid UTF-8 at byte {offset}; record skipped");
                    return self.error(position, ErrorKind::InvalidJson, message);
                }
            }
        };
        let text = if scanned.has_whitespace {
            scan::compact_into(text, &mut self.compacted);
            &self.compacted
        } else {
            text
        };
        self.summary.events += 1;
        (self.on_event)(RawEvent {
            file: self.name,
            position,
            text,
        });
    }

    /// Reads the elements of the `Records` array (`in_array`), or whitespace-separated values.
    /// Records are numbered across the `Records` documents of a stream of concatenated files.
    fn values(&mut self, stream: &mut Stream<'_>, in_array: bool, gzip: bool) {
        let mut number = 0u64;
        // Records read in the current `Records` array (commas separate them).
        let mut in_this_array = 0u64;
        loop {
            let here = Position {
                record: None,
                line: Some(stream.line),
                offset: Some(stream.offset()),
            };
            let mut next = stream.next_non_whitespace();
            if in_array {
                match next {
                    Ok(Some(b']')) => {
                        stream.pos += 1;
                        if self.after_array(stream, gzip) {
                            in_this_array = 0;
                            continue;
                        }
                        return;
                    }
                    Ok(Some(b',')) if in_this_array > 0 => {
                        stream.pos += 1;
                        next = stream.next_non_whitespace();
                    }
                    Ok(Some(_)) if in_this_array > 0 => {
                        let message = format!(
                            "expected ',' or ']' after record {number}; rest of file unread"
                        );
                        return self.error(here, ErrorKind::BadStructure, message);
                    }
                    _ => {}
                }
            }
            let doing = || format!("after record {number}");
            match next {
                Ok(Some(_)) => {}
                Ok(None) if !in_array => return,
                Ok(None) => return self.fatal(here, StreamError::Truncated, gzip, &doing()),
                Err(error) => return self.fatal(here, error, gzip, &doing()),
            }
            number += 1;
            in_this_array += 1;
            let position = Position {
                record: Some(number),
                line: Some(stream.line),
                offset: Some(stream.offset()),
            };
            let validation = self.validation;
            match stream.with_more(|buf, pos| scan_record(validation, buf, pos)) {
                Ok(scanned) => {
                    self.emit(&stream.buf, stream.pos, scanned, position, "record");
                    stream.advance_to(scanned.end, scanned.has_whitespace);
                }
                Err(StreamError::Invalid { offset, what }) => {
                    let message = format!("invalid JSON at byte {offset}: {what}");
                    let skipped = stream.with_more(|buf, pos| {
                        scan::skip_value(buf, pos).ok_or(ScanError::Incomplete)
                    });
                    match skipped {
                        Ok(end) => {
                            // A stray `]` or `}` ends "its" value where it starts: skip at
                            // least that byte, or the same error would come forever.
                            stream.advance_to(end.max(stream.pos + 1), true);
                            self.error(
                                position,
                                ErrorKind::InvalidJson,
                                format!("{message}; record skipped"),
                            );
                        }
                        Err(_) => {
                            return self.error(
                                position,
                                ErrorKind::InvalidJson,
                                format!("{message}; its end cannot be found, rest of file unread"),
                            )
                        }
                    }
                }
                Err(error) => {
                    let doing = format!("inside record {number}");
                    return self.fatal(position, error, gzip, &doing);
                }
            }
        }
    }

    /// Checks that the `Records` array's object ends there, followed by the end of the stream
    /// or, in a stream of concatenated files (`cat *.json.gz`), by the next file's
    /// `{"Records":[`: then returns `true`, with `pos` just inside that array.
    fn after_array(&mut self, stream: &mut Stream<'_>, gzip: bool) -> bool {
        // Whether another array follows, or what was found instead.
        let after = (|| -> Result<Result<bool, &str>, StreamError> {
            if stream.next_non_whitespace()? != Some(b'}') {
                return Ok(Err("expected '}' after the Records array"));
            }
            stream.pos += 1;
            if stream.next_non_whitespace()?.is_none() {
                return Ok(Ok(false));
            }
            stream.skip_byte_order_mark()?;
            if stream.next_non_whitespace()?.is_none() {
                return Ok(Ok(false));
            }
            match stream.records_header_ahead()? {
                Some(header) => {
                    stream.advance_to(stream.pos + header, true);
                    Ok(Ok(true))
                }
                None => Ok(Err("unexpected text after the Records object; not read")),
            }
        })();
        let position = Position {
            record: None,
            line: Some(stream.line),
            offset: Some(stream.offset()),
        };
        match after {
            Ok(Ok(another)) => another,
            Ok(Err(message)) => {
                self.error(position, ErrorKind::BadStructure, message.to_string());
                false
            }
            Err(error) => {
                self.fatal(position, error, gzip, "after the records");
                false
            }
        }
    }

    /// Reads one record per line. With `limit`, stops before the first line starting at or
    /// after that offset; `numbered` says whether line and record numbers are known.
    fn lines(&mut self, stream: &mut Stream<'_>, limit: Option<u64>, numbered: bool, gzip: bool) {
        let mut number = 0u64;
        loop {
            if limit.is_some_and(|limit| stream.offset() >= limit) {
                return;
            }
            let line_start_offset = stream.offset();
            let line_number = stream.line;
            let found = stream.with_more(|buf, pos| match memchr::memchr(b'\n', &buf[pos..]) {
                Some(i) => Ok(Some(pos + i)),
                None => Err(ScanError::Incomplete),
            });
            let newline = match found {
                Ok(newline) => newline,
                Err(StreamError::Truncated) => None,
                Err(StreamError::TooLarge) => {
                    number += 1;
                    let position = Position {
                        record: numbered.then_some(number),
                        line: numbered.then_some(line_number),
                        offset: Some(line_start_offset),
                    };
                    let message =
                        format!("line longer than {} MiB; skipped", MAX_RECORD_BYTES >> 20);
                    self.error(position, ErrorKind::RecordTooLarge, message);
                    if let Err(error) = discard_line(stream) {
                        return self.fatal(position, error, gzip, "after a long line");
                    }
                    continue;
                }
                Err(error) => {
                    let position = Position {
                        record: None,
                        line: numbered.then_some(line_number),
                        offset: Some(line_start_offset),
                    };
                    return self.fatal(position, error, gzip, "reading a line");
                }
            };
            let end = newline.unwrap_or(stream.filled);
            if newline.is_none() && end == stream.pos {
                return;
            }
            let (start, next) = (stream.pos, newline.map_or(end, |n| n + 1));
            // A file concatenated after another may start with a byte order mark.
            let mark = if stream.buf[start..end].starts_with(BYTE_ORDER_MARK) {
                BYTE_ORDER_MARK.len()
            } else {
                0
            };
            let line = &stream.buf[start + mark..end];
            let content_start = line
                .iter()
                .position(|&b| !scan::is_whitespace(b))
                .map(|at| at + mark);
            if let Some(skip) = content_start {
                number += 1;
                let position = Position {
                    record: numbered.then_some(number),
                    line: numbered.then_some(line_number),
                    offset: Some(line_start_offset + skip as u64),
                };
                self.line(&stream.buf[..end], start + skip, position);
            }
            stream.pos = next;
            stream.line += 1;
        }
    }

    /// Validates and hands out the record on one line (`buf[start..]`, `buf` ending at the
    /// line's end).
    fn line(&mut self, buf: &[u8], start: usize, position: Position) {
        let mut json_start = start;
        if buf[start] != b'{' {
            if let Some(brace) = timestamp_prefix(&buf[start..]) {
                json_start = start + brace;
            }
        }
        let line_offset = |at: usize| position.offset.unwrap_or(0) + (at - start) as u64;
        match scan_record(self.validation, buf, json_start) {
            Ok(scanned) => {
                if buf[scanned.end..].iter().all(|&b| scan::is_whitespace(b)) {
                    let position = Position {
                        offset: Some(line_offset(json_start)),
                        ..position
                    };
                    self.emit(buf, json_start, scanned, position, "line");
                } else {
                    let message = format!(
                        "text after the JSON value at byte {}; line skipped",
                        line_offset(scanned.end)
                    );
                    self.error(position, ErrorKind::InvalidJson, message);
                }
            }
            Err(ScanError::Incomplete) => {
                let message = "line ends inside a JSON value; line skipped".to_string();
                self.error(position, ErrorKind::InvalidJson, message);
            }
            Err(ScanError::Invalid { at, what }) => {
                let message = format!(
                    "invalid JSON at byte {}: {what}; line skipped",
                    line_offset(at)
                );
                self.error(position, ErrorKind::InvalidJson, message);
            }
        }
    }
}

/// Drops input up to and including the next newline.
fn discard_line(stream: &mut Stream<'_>) -> Result<(), StreamError> {
    loop {
        if let Some(i) = memchr::memchr(b'\n', &stream.buf[stream.pos..stream.filled]) {
            stream.pos += i + 1;
            stream.line += 1;
            return Ok(());
        }
        stream.pos = stream.filled;
        if stream.eof {
            return Ok(());
        }
        stream.fill()?;
    }
}

/// Reads a whole stream: detects compression and layout, then reads every record.
pub(crate) fn read(
    name: &str,
    reader: impl Read,
    validation: Validation,
    on_event: impl FnMut(RawEvent<'_>),
    on_error: impl FnMut(ReadError),
) -> Summary {
    let mut reader_state = Reader {
        name,
        validation,
        on_event,
        on_error,
        summary: Summary {
            files: 1,
            ..Summary::default()
        },
        compacted: String::new(),
    };
    let start = Position {
        record: None,
        line: None,
        offset: Some(0),
    };
    let (gzip, input) = match open(reader) {
        Ok(opened) => opened,
        Err(error) => {
            let message = format!("read failed: {error}");
            reader_state.error(Position::default(), ErrorKind::Io, message);
            return reader_state.summary;
        }
    };
    let mut stream = Stream::new(input, 0);
    match stream.detect() {
        Ok(Format::Empty) => {}
        Ok(Format::Records) => reader_state.values(&mut stream, true, gzip),
        Ok(Format::JsonStream) => reader_state.values(&mut stream, false, gzip),
        Ok(Format::Lines) => reader_state.lines(&mut stream, None, true, gzip),
        Ok(Format::NotCloudTrail) => {
            let message = "not a CloudTrail log: expected {\"Records\":[...]} or one JSON \
                           object per line; file skipped"
                .to_string();
            reader_state.error(start, ErrorKind::NotCloudTrail, message);
        }
        Err(error) => reader_state.fatal(start, error, gzip, "at the start of the file"),
    }
    reader_state.summary.bytes = stream.bytes;
    reader_state.summary
}

/// Reads the lines of a plain file that start in `start..end`.
pub(crate) fn read_range(
    path: &Path,
    start: u64,
    end: u64,
    validation: Validation,
    on_event: impl FnMut(RawEvent<'_>),
    on_error: impl FnMut(ReadError),
) -> Summary {
    let name = path.display().to_string();
    let mut reader_state = Reader {
        name: &name,
        validation,
        on_event,
        on_error,
        summary: Summary {
            files: u64::from(start == 0),
            ..Summary::default()
        },
        compacted: String::new(),
    };
    let here = Position {
        record: None,
        line: None,
        offset: Some(start),
    };
    let opened = (|| -> io::Result<(std::fs::File, bool, u64)> {
        let mut file = std::fs::File::open(path)?;
        // The first line starts after a byte order mark: a range cut inside one starts there.
        if (1..=3).contains(&start) {
            let mut head = [0u8; 3];
            let got = file.read(&mut head)?;
            if head[..got] == *b"\xef\xbb\xbf" {
                return Ok((file, false, 3));
            }
        }
        // A range owns the lines that start inside it: if `start` is mid-line, that line
        // belongs to the previous range.
        let mid_line = if start == 0 {
            false
        } else {
            file.seek(SeekFrom::Start(start - 1))?;
            let mut before = [0u8; 1];
            file.read_exact(&mut before)?;
            before[0] != b'\n'
        };
        Ok((file, mid_line, start))
    })();
    let (file, mid_line, begin) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            reader_state.error(here, ErrorKind::Io, format!("read failed: {error}"));
            return reader_state.summary;
        }
    };
    let mut stream = Stream::new(Box::new(file), begin);
    // The first range starts where a whole-file read starts: after a byte order mark.
    if start == 0 {
        if let Err(error) = stream.skip_byte_order_mark() {
            reader_state.fatal(here, error, false, "at the start of the file");
            return reader_state.summary;
        }
    }
    if mid_line {
        if let Err(error) = discard_line(&mut stream) {
            reader_state.fatal(here, error, false, "finding the first line of a range");
            reader_state.summary.bytes = stream.bytes;
            return reader_state.summary;
        }
    }
    reader_state.lines(&mut stream, Some(end), false, false);
    // The line that crosses `end` is read whole but belongs to this range; its bytes past `end`
    // are counted by the next range, so the ranges' byte counts add up to the file's size.
    reader_state.summary.bytes = stream.offset().min(end) - start;
    reader_state.summary
}
