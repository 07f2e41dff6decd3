//! Many patterns against one event in one pass: the JSON event is scanned once for the union
//! of every JSON pattern's selectors, a delimited event is split into fields once, and each
//! pattern then reads what it needs from that shared extraction.

use crate::compile::{place_selectors, CompiledPattern, Program, SelectorNodes};
use crate::eval::Scratch;
use crate::json::{self, Extracted, Trie};

/// A set of compiled patterns evaluated together.
#[derive(Debug, Clone)]
pub struct PatternSet {
    patterns: Vec<CompiledPattern>,
    trie: Trie,
    nodes: Vec<Vec<SelectorNodes>>,
    any_json: bool,
}

/// Reusable per-event memory for [`PatternSet::evaluate`]: create one per thread with
/// [`PatternSet::scratch`] and reuse it for every event (no allocation per event).
#[derive(Debug)]
pub struct SetScratch {
    inner: Scratch,
    matched: Vec<bool>,
    /// Whether the last [`PatternSet::evaluate`] scanned the event as JSON.
    scanned_json: bool,
}

impl SetScratch {
    /// After [`PatternSet::evaluate`]: `Some(true)` when the event is one valid JSON object
    /// (whitespace around it allowed), `Some(false)` when it is not, and `None` when the set has
    /// no JSON pattern and so did not look (use [`crate::is_json_object`] then).
    pub fn is_json_object(&self) -> Option<bool> {
        self.scanned_json.then_some(self.inner.json.is_object)
    }
}

impl PatternSet {
    /// Builds the set; pattern `i` of `patterns` is result `i` of [`PatternSet::evaluate`].
    pub fn new(patterns: Vec<CompiledPattern>) -> Self {
        let mut trie = Trie::new();
        let nodes = patterns
            .iter()
            .map(|p| place_selectors(&p.selectors, &mut trie))
            .collect();
        let any_json = patterns
            .iter()
            .any(|p| matches!(p.program, Program::Json(_)));
        PatternSet {
            patterns,
            trie,
            nodes,
            any_json,
        }
    }

    /// The patterns, in order.
    pub fn patterns(&self) -> &[CompiledPattern] {
        &self.patterns
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether the set has no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Fresh scratch memory for this set.
    pub fn scratch(&self) -> SetScratch {
        SetScratch {
            inner: Scratch {
                json: Extracted::new(&self.trie),
                ..Scratch::default()
            },
            matched: vec![false; self.patterns.len()],
            scanned_json: false,
        }
    }

    /// Evaluates every pattern against `event`; entry `i` says whether pattern `i` matched.
    pub fn evaluate<'s>(&self, event: &str, scratch: &'s mut SetScratch) -> &'s [bool] {
        if scratch.matched.len() != self.patterns.len()
            || scratch.inner.json.values.len() != self.trie.len()
        {
            *scratch = self.scratch();
        }
        if self.any_json {
            json::scan(event.as_bytes(), &self.trie, &mut scratch.inner.json);
        }
        scratch.scanned_json = self.any_json;
        scratch.inner.fields_ready = false;
        for ((pattern, nodes), out) in self
            .patterns
            .iter()
            .zip(&self.nodes)
            .zip(scratch.matched.iter_mut())
        {
            *out = pattern.matches_with(event, nodes, &mut scratch.inner);
        }
        &scratch.matched
    }

    /// Convenience: [`PatternSet::evaluate`] with fresh scratch, returning an owned vector.
    pub fn matches(&self, event: &str) -> Vec<bool> {
        let mut scratch = self.scratch();
        self.evaluate(event, &mut scratch).to_vec()
    }
}
