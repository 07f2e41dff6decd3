//! Progress reporting hooks; the command line draws them, the library only reports.

/// Receives progress while a collection runs. Implementations must be cheap and must not block.
pub trait Progress: Send + Sync {
    /// A stage started, e.g. `trails` with the number of regions or resources it covers.
    fn stage(&self, name: &str, items: usize);
    /// One API call finished (successfully or not); `done` counts all calls so far.
    fn call_finished(&self, done: usize);
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _name: &str, _items: usize) {}
    fn call_finished(&self, _done: usize) {}
}
