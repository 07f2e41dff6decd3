//! Lists the files a path stands for.

use crate::days::{folder_span, DayRange};
use crate::{ErrorKind, Listing, Position, ReadError};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// CloudTrail writes digest files (hash chains for log file validation, not events) under
/// `AWSLogs/<account>/CloudTrail-Digest/` with `_CloudTrail-Digest_` in their names.
fn is_digest(path: &Path) -> bool {
    path.components()
        .any(|part| part.as_os_str() == "CloudTrail-Digest")
        || path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.contains("_CloudTrail-Digest_"))
}

/// Why a file outside the day range is not read.
const OUTSIDE_DAYS: &str = "dated outside --since/--until; not read";

/// A `CloudTrail-Digest` folder: everything below it is a digest file ([`is_digest`]).
fn is_digest_folder(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name == "CloudTrail-Digest")
}

pub(crate) fn list(path: &Path, days: DayRange) -> Listing {
    let mut walk = Walk {
        days,
        listing: Listing::default(),
        visited: HashSet::new(),
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => walk.dir(path),
        // A file named explicitly is read even if it looks like a digest (the user asked for
        // it), but not when dated outside the day range (the user asked for that too).
        Ok(_) => walk.file(path, false),
        Err(error) => walk
            .listing
            .errors
            .push(io_error(path, "cannot open", error)),
    }
    walk.listing
}

fn io_error(path: &Path, doing: &str, error: std::io::Error) -> ReadError {
    ReadError {
        file: path.display().to_string(),
        position: Position::default(),
        kind: ErrorKind::Io,
        message: format!("{doing}: {error}"),
    }
}

/// A directory walk: what it found so far.
struct Walk {
    days: DayRange,
    listing: Listing,
    /// The real directories walked, so that a link looping back is walked once.
    visited: HashSet<PathBuf>,
}

impl Walk {
    fn dir(&mut self, dir: &Path) {
        // Symbolic links may loop back to an ancestor: each real directory is walked once.
        match std::fs::canonicalize(dir) {
            Ok(real) => {
                if !self.visited.insert(real) {
                    self.listing
                        .skipped
                        .push((dir.to_path_buf(), "directory already walked (link)".into()));
                    return;
                }
            }
            Err(error) => {
                return self
                    .listing
                    .errors
                    .push(io_error(dir, "cannot resolve", error))
            }
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) => {
                return self
                    .listing
                    .errors
                    .push(io_error(dir, "cannot list directory", error))
            }
        };
        let mut paths = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => paths.push(entry.path()),
                Err(error) => {
                    self.listing
                        .errors
                        .push(io_error(dir, "cannot list directory", error))
                }
            }
        }
        paths.sort();
        for path in paths {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_dir() && is_digest_folder(&path) => {
                    // Every file below is a digest: one entry says so, none is listed.
                    let reason = "CloudTrail digest folder (no events)";
                    self.listing.skipped.push((path, reason.into()));
                }
                Ok(meta) if meta.is_dir() => {
                    let span = folder_span(&path.to_string_lossy());
                    if span.is_some_and(|span| !self.days.overlaps(span)) {
                        // Every file below is dated within the span: none is read, none needs
                        // listing.
                        self.listing.skipped.push((path, OUTSIDE_DAYS.into()));
                    } else {
                        self.dir(&path);
                    }
                }
                Ok(_) => self.file(&path, true),
                Err(error) => self
                    .listing
                    .errors
                    .push(io_error(&path, "cannot open", error)),
            }
        }
    }

    /// A file found by the walk (`walked`) or named by the user.
    fn file(&mut self, path: &Path, walked: bool) {
        if walked && is_digest(path) {
            let reason = "CloudTrail digest file (no events)";
            self.listing
                .skipped
                .push((path.to_path_buf(), reason.into()));
        } else if !self.days.keeps(&path.to_string_lossy()) {
            self.listing
                .skipped
                .push((path.to_path_buf(), OUTSIDE_DAYS.into()));
        } else {
            self.listing.files.push(path.to_path_buf());
        }
    }
}
