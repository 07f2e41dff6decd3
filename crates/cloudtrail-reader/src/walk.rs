//! Lists the files a path stands for.

use crate::days::{folder_span, DayRange};
use crate::{is_digest_key, ErrorKind, Listing, Position, ReadError};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Why a file outside the day range is not read.
const OUTSIDE_DAYS: &str = "dated outside --since/--until; not read";

/// A `CloudTrail-Digest` folder: everything below it is a digest file ([`is_digest_key`]).
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
                    let outside = self.days.is_bounded()
                        && folder_span(&path.to_string_lossy())
                            .is_some_and(|span| !self.days.overlaps(span));
                    if outside {
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
        if walked && is_digest_key(&path.to_string_lossy()) {
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
