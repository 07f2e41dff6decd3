//! The speed floor: the same files only decompressed by the reader's decoder, on the same
//! threads, so a benchmark can show how much the replay adds on top of decompression.

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Decompresses (gzip) or reads (plain) every file under `paths` on `threads` threads and
/// returns the number of output bytes. Nothing is parsed. Errors are returned, naming the file.
pub fn decompress_only(paths: &[PathBuf], threads: usize) -> Result<u64, String> {
    let mut files = Vec::new();
    for path in paths {
        let listing = cloudtrail_reader::list_files(path, cloudtrail_reader::DayRange::default());
        if let Some(error) = listing.errors.first() {
            return Err(error.to_string());
        }
        files.extend(listing.files);
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Result<u64, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut total = 0u64;
                    let mut buffer = vec![0u8; 256 * 1024];
                    loop {
                        let Some(path) = files.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            return Ok(total);
                        };
                        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
                        let file = std::fs::File::open(path).map_err(fail)?;
                        let mut input = std::io::BufReader::with_capacity(128 * 1024, file);
                        let gzip = {
                            let head = std::io::BufRead::fill_buf(&mut input).map_err(fail)?;
                            head.starts_with(&[0x1f, 0x8b])
                        };
                        let mut reader: Box<dyn Read> = if gzip {
                            Box::new(flate2::bufread::MultiGzDecoder::new(input))
                        } else {
                            Box::new(input)
                        };
                        loop {
                            match reader.read(&mut buffer) {
                                Ok(0) => break,
                                Ok(n) => total += n as u64,
                                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                                Err(e) => return Err(fail(e)),
                            }
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("decompress worker panicked"))
            .collect()
    });
    results.into_iter().sum()
}
