//! Lists the files a path stands for.

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

pub(crate) fn list(path: &Path) -> Listing {
    let mut listing = Listing::default();
    let mut visited = HashSet::new();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => walk(path, &mut listing, &mut visited),
        // A file named explicitly is read even if it looks like a digest: the user asked for it.
        Ok(_) => listing.files.push(path.to_path_buf()),
        Err(error) => listing.errors.push(io_error(path, "cannot open", error)),
    }
    listing
}

fn io_error(path: &Path, doing: &str, error: std::io::Error) -> ReadError {
    ReadError {
        file: path.display().to_string(),
        position: Position::default(),
        kind: ErrorKind::Io,
        message: format!("{doing}: {error}"),
    }
}

fn walk(dir: &Path, listing: &mut Listing, visited: &mut HashSet<PathBuf>) {
    // Symbolic links may loop back to an ancestor: each real directory is walked once.
    match std::fs::canonicalize(dir) {
        Ok(real) => {
            if !visited.insert(real) {
                listing
                    .skipped
                    .push((dir.to_path_buf(), "directory already walked (link)"));
                return;
            }
        }
        Err(error) => return listing.errors.push(io_error(dir, "cannot resolve", error)),
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            return listing
                .errors
                .push(io_error(dir, "cannot list directory", error))
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => paths.push(entry.path()),
            Err(error) => listing
                .errors
                .push(io_error(dir, "cannot list directory", error)),
        }
    }
    paths.sort();
    for path in paths {
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, listing, visited),
            Ok(_) if is_digest(&path) => {
                listing
                    .skipped
                    .push((path, "CloudTrail digest file (no events)"));
            }
            Ok(_) => listing.files.push(path),
            Err(error) => listing.errors.push(io_error(&path, "cannot open", error)),
        }
    }
}
