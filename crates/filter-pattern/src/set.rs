//! Many patterns against one event in one pass: the JSON event is scanned once for the union
//! of every JSON pattern's selectors, a delimited event is split into fields once, and each
//! pattern then reads what it needs from that shared extraction.

//!
//! The `$.x = "A" || $.x = "B" || ...` lookups of all patterns ([`CExpr::AnyOf`]; the CIS
//! filters are mostly event-name lists) and their plain-text `$.x = "A"` conditions (which mean
//! the same as a one-text lookup: the unescaped string, or a number's canonical text, equals
//! the text) are merged per selector into one table from text to the
//! bits of the lookups it satisfies, so each event's `eventName` is looked up once for the whole
//! set instead of once per pattern.

use crate::ast::Step;
use crate::compile::{
    place_selectors, CExpr, CTest, CValue, CompiledPattern, Program, SelectorNodes,
};
use crate::eval::{program_matches, value_text, Scratch};
use crate::json::{self, bytes_eq, Extracted, Kind, Trie, Value};
use std::borrow::Cow;

/// A set of compiled patterns evaluated together.
#[derive(Debug, Clone)]
pub struct PatternSet {
    patterns: Vec<CompiledPattern>,
    /// Each pattern's program with its set lookups replaced by [`CExpr::Atom`]s.
    programs: Vec<Program>,
    /// Per program, atoms of which at least one must be set for it to match (see
    /// [`atom_guard`]); `None` when no such set is known.
    guards: Vec<Guard>,
    lookups: Vec<SharedLookup>,
    trie: Trie,
    nodes: Vec<Vec<SelectorNodes>>,
    any_json: bool,
}

/// The merged text lookups of one selector (trie node): per text length (the last bucket holds
/// every longer text), each text with the atom bits it sets.
#[derive(Debug, Clone)]
struct SharedLookup {
    node: u32,
    by_length: Vec<Vec<(Box<[u8]>, u64)>>,
}

/// Texts of this length or longer share the last bucket of a [`SharedLookup`].
const LONG_TEXT: usize = 64;

impl SharedLookup {
    fn add(&mut self, text: &[u8], bit: u64) {
        let bucket = &mut self.by_length[text.len().min(LONG_TEXT)];
        match bucket.iter_mut().find(|(t, _)| **t == *text) {
            Some((_, bits)) => *bits |= bit,
            None => bucket.push((text.into(), bit)),
        }
    }

    fn find(&self, text: &[u8]) -> u64 {
        self.by_length[text.len().min(LONG_TEXT)]
            .iter()
            .find(|(t, _)| bytes_eq(t, text))
            .map_or(0, |(_, bits)| *bits)
    }
}

/// What must hold for a JSON program to match, checked before it runs: most events fail it
/// (the CIS filters each look for a few event names or an error code).
#[derive(Debug, Clone, Default)]
struct Guard {
    /// At least one of these atoms is set ([`atom_guard`]).
    atoms: Option<u64>,
    /// At least one of these trie nodes holds a value ([`presence_guard`]).
    present: Option<Vec<u32>>,
}

/// Trie nodes of which at least one holds a value whenever `expr` (before atomizing) is true,
/// if `expr` guarantees that: every test but `NOT EXISTS` needs its selector's value (a `!=`
/// on a wildcard selector needs the array it ranges over), an `||` is guarded by the union of
/// its items' guards (when every item has one), an `&&` by the smallest guard of its items.
fn presence_guard(expr: &CExpr, nodes: &[SelectorNodes]) -> Option<Vec<u32>> {
    match expr {
        CExpr::Or(items) => items.iter().try_fold(Vec::new(), |mut union, item| {
            union.extend(presence_guard(item, nodes)?);
            union.sort_unstable();
            union.dedup();
            Some(union)
        }),
        CExpr::And(items) => items
            .iter()
            .filter_map(|item| presence_guard(item, nodes))
            .min_by_key(Vec::len),
        CExpr::AnyOf { selector, .. } => Some(vec![nodes[*selector].node]),
        CExpr::Cond { selector, test } => {
            let at = nodes[*selector];
            match test {
                CTest::NotExists => None,
                CTest::Ne(_) => Some(vec![at.base.unwrap_or(at.node)]),
                _ => Some(vec![at.node]),
            }
        }
        CExpr::Atom(_) => None,
    }
}

/// Atoms of which at least one is set whenever `expr` is true, if `expr` guarantees that: an
/// atom guards itself, an `||` is guarded by the union of its items' guards (when every item has
/// one), an `&&` by the guard of any one item (the smallest is kept).
fn atom_guard(expr: &CExpr) -> Option<u64> {
    match expr {
        CExpr::Atom(n) => Some(1u64 << n),
        CExpr::Or(items) => items
            .iter()
            .map(atom_guard)
            .try_fold(0, |union, guard| Some(union | guard?)),
        CExpr::And(items) => items
            .iter()
            .filter_map(atom_guard)
            .min_by_key(|guard| guard.count_ones()),
        CExpr::AnyOf { .. } | CExpr::Cond { .. } => None,
    }
}

/// Replaces the [`CExpr::AnyOf`]s and plain-text `=` conditions (no wildcard selector) of
/// `expr` with atoms (at most 64 per set; later ones stay
/// as they are), adding their texts to `lookups`.
fn atomize(
    expr: &mut CExpr,
    nodes: &[SelectorNodes],
    lookups: &mut Vec<SharedLookup>,
    atoms: &mut u32,
) {
    match expr {
        CExpr::Or(items) | CExpr::And(items) => {
            for item in items {
                atomize(item, nodes, lookups, atoms);
            }
        }
        CExpr::AnyOf { selector, .. } | CExpr::Cond { selector, .. }
            if *atoms < 64 && nodes[*selector].base.is_none() =>
        {
            let selector = *selector;
            let texts: Vec<&[u8]> = match &*expr {
                CExpr::AnyOf { set, .. } => set.texts().iter().map(|t| &t[..]).collect(),
                CExpr::Cond {
                    test: CTest::Eq(CValue::Text(text)),
                    ..
                } => vec![text.as_bytes()],
                _ => return,
            };
            let node = nodes[selector].node;
            let index = match lookups.iter().position(|l| l.node == node) {
                Some(index) => index,
                None => {
                    lookups.push(SharedLookup {
                        node,
                        by_length: vec![Vec::new(); LONG_TEXT + 1],
                    });
                    lookups.len() - 1
                }
            };
            for text in texts {
                lookups[index].add(text, 1u64 << *atoms);
            }
            *expr = CExpr::Atom(*atoms);
            *atoms += 1;
        }
        CExpr::AnyOf { .. } | CExpr::Cond { .. } | CExpr::Atom(_) => {}
    }
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
    /// no JSON pattern nor field and so did not look.
    pub fn is_json_object(&self) -> Option<bool> {
        self.scanned_json.then_some(self.inner.json.is_object)
    }

    /// After [`PatternSet::evaluate`] of `event`: the string at `field`, unescaped, as
    /// `serde_json::Value` indexing would give it. Each key that repeats counts by its last
    /// occurrence (the field is looked for only inside the last value of each enclosing key),
    /// and a value of another type than string, anywhere on the way, makes it absent. `None`
    /// also when `event` is not a JSON object.
    pub fn string<'e>(&self, event: &'e str, field: &Field) -> Option<Cow<'e, str>> {
        if !self.scanned_json || !self.inner.json.is_object {
            return None;
        }
        let values = &self.inner.json.values;
        let mut found: Option<&Value> = None;
        for &node in &field.path {
            let inside = |value: &&Value| match found {
                None => true,
                Some(outer) => {
                    outer.kind == Kind::Object
                        && outer.start <= value.start
                        && value.end <= outer.end
                }
            };
            found = Some(values.get(node as usize)?.iter().rev().find(inside)?);
        }
        let value = found?;
        let raw = event.get(value.start..value.end)?;
        match value.kind {
            Kind::Str { escaped: false } => Some(Cow::Borrowed(raw)),
            Kind::Str { escaped: true } => {
                let mut decoded = Vec::with_capacity(raw.len());
                json::unescape_into(raw.as_bytes(), &mut decoded);
                String::from_utf8(decoded).ok().map(Cow::Owned)
            }
            _ => None,
        }
    }
}

/// A field that every evaluation of a [`PatternSet`] records besides what its patterns select
/// (see [`PatternSet::add_field`]), read with [`SetScratch::string`].
#[derive(Debug, Clone)]
pub struct Field {
    /// The trie node of each prefix of the field's keys.
    path: Vec<u32>,
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
        let mut lookups = Vec::new();
        let mut atoms = 0;
        let programs = patterns
            .iter()
            .zip(&nodes)
            .map(
                |(pattern, nodes): (&CompiledPattern, &Vec<SelectorNodes>)| {
                    let mut program = pattern.program.clone();
                    if let Program::Json(expr) = &mut program {
                        atomize(expr, nodes, &mut lookups, &mut atoms);
                    }
                    program
                },
            )
            .collect::<Vec<_>>();
        let guards = programs
            .iter()
            .zip(patterns.iter().zip(&nodes))
            .map(
                |(program, (pattern, nodes)): (
                    &Program,
                    (&CompiledPattern, &Vec<SelectorNodes>),
                )| match (program, &pattern.program) {
                    (Program::Json(atomized), Program::Json(original)) => Guard {
                        atoms: atom_guard(atomized),
                        present: presence_guard(original, nodes),
                    },
                    _ => Guard::default(),
                },
            )
            .collect();
        PatternSet {
            patterns,
            programs,
            guards,
            lookups,
            trie,
            nodes,
            any_json,
        }
    }

    /// Makes every evaluation also record the value at the object keys `keys`, followed from
    /// the top (`["userIdentity", "arn"]` is `$.userIdentity.arn`), so a caller reads it from
    /// the same pass ([`SetScratch::string`]) instead of parsing the event again. The event is
    /// then always scanned as JSON, so [`SetScratch::is_json_object`] always answers.
    pub fn add_field(&mut self, keys: &[&str]) -> Field {
        let steps: Vec<Step> = keys.iter().map(|key| Step::Key(key.to_string())).collect();
        self.any_json = true;
        Field {
            path: self.trie.insert(&steps),
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
            let inner = &mut scratch.inner;
            inner.atoms = 0;
            if inner.json.is_object {
                for lookup in &self.lookups {
                    if let Some(value) = inner.json.values[lookup.node as usize].last() {
                        if let Some(text) = value_text(event.as_bytes(), value, &mut inner.buf) {
                            inner.atoms |= lookup.find(&text);
                        }
                    }
                }
            }
        }
        scratch.scanned_json = self.any_json;
        scratch.inner.fields_ready = false;
        let atoms = scratch.inner.atoms;
        for (((program, guard), nodes), out) in self
            .programs
            .iter()
            .zip(&self.guards)
            .zip(&self.nodes)
            .zip(scratch.matched.iter_mut())
        {
            let json = &scratch.inner.json;
            // A guarded program is a JSON one, so it needs a JSON object too.
            let ruled_out = guard.atoms.is_some_and(|needed| atoms & needed == 0)
                || guard.present.as_ref().is_some_and(|needed| {
                    needed
                        .iter()
                        .all(|&node| json.values[node as usize].is_empty())
                });
            *out = if ruled_out {
                false
            } else {
                program_matches(program, event, nodes, &mut scratch.inner)
            };
        }
        &scratch.matched
    }

    /// Convenience: [`PatternSet::evaluate`] with fresh scratch, returning an owned vector.
    pub fn matches(&self, event: &str) -> Vec<bool> {
        let mut scratch = self.scratch();
        self.evaluate(event, &mut scratch).to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile;

    /// The shared lookups answer exactly as each pattern alone: escaped strings, numbers
    /// (canonical text), non-strings, repeated keys (the last one counts) and wildcards.
    #[test]
    fn shared_lookups_agree_with_each_pattern_alone() {
        let texts = [
            r#"{ $.a = "1000" }"#,
            r#"{ $.a = "xA" }"#,
            r#"{ ($.a = "y") || ($.a = "z") || ($.a = "1000") }"#,
            r#"{ $.a = y && $.b = "q" }"#,
            r#"{ $.a = y || $.b = "q" || $.b = "r" }"#,
            r#"{ $.c[*] = "y" || $.c[*] = "z" }"#,
            r#"{ $.a != "y" && $.a = "1000" }"#,
            r#"{ $.d = "*x" || $.d = "w*" && $.a != "z" }"#,
            r#"{ $.c[*] != "w" }"#,
            r#"{ $.a NOT EXISTS || $.b IS NULL }"#,
            r#"{ $.e > 1 || $.a IS TRUE }"#,
        ];
        let patterns: Vec<_> = texts.iter().map(|t| compile(t).unwrap()).collect();
        let set = PatternSet::new(patterns.clone());
        assert!(!set.lookups.is_empty());
        assert!(set.guards.iter().filter(|g| g.atoms.is_some()).count() >= 5);
        assert!(set.guards.iter().filter(|g| g.present.is_some()).count() >= 6);
        let events = [
            r#"{"a":"1000"}"#,
            r#"{"a":1000}"#,
            r#"{"a":1e3}"#,
            r#"{"a":1000.0}"#,
            r#"{"a":"x\u0041"}"#,
            r#"{"a":"xA"}"#,
            r#"{"a":["y"]}"#,
            r#"{"a":null}"#,
            r#"{"a":"z","a":"y","b":"q"}"#,
            r#"{"a":"y","a":"w","b":"r"}"#,
            r#"{"c":["w","z"],"b":"r"}"#,
            r#"{"a":"y","b":"q"} trailing"#,
            r#"{"d":"ax","a":"z"}"#,
            r#"{"d":"wa","a":"z"}"#,
            r#"{"d":"wa","a":"q","c":[]}"#,
            r#"{"c":["w","v"],"b":null,"e":2}"#,
            r#"{"e":0.5,"a":true}"#,
            "not json y z 1000",
        ];
        let mut scratch = set.scratch();
        for event in events {
            let expected: Vec<bool> = patterns.iter().map(|p| p.matches(event)).collect();
            assert_eq!(set.evaluate(event, &mut scratch), &expected[..], "{event}");
        }
    }

    /// A field reads what `serde_json::Value` indexing reads, whatever the set's own patterns
    /// select around it: repeated keys (the last counts, also for an enclosing object), other
    /// types, escapes, nested look-alikes, and text patterns only (the event is scanned anyway).
    #[test]
    fn fields_read_what_serde_json_value_indexing_reads() {
        let events = [
            r#"{"eventName":"PutUserPolicy","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}"#,
            r#"{"userIdentity":{"type":"A","arn":"first"},"userIdentity":{"userName":"b"}}"#,
            r#"{"userIdentity":{"arn":"x","arn":"y"},"eventName":"First","eventName":"Second"}"#,
            r#"{"eventName":"First","eventName":{"a":"b"}}"#,
            r#"{"userIdentity":"someone","eventName":5}"#,
            r#"{"userIdentity":[{"arn":"x"}],"eventName":["a"]}"#,
            r#"{"userIdentity":{"arn":null,"type":"Root"}}"#,
            r#"{"event\u004eame":"Esc\u00e9aped","userIdentity":{"a\u0072n":"arn\/x"}}"#,
            r#"{"a":{"eventName":"nested","userIdentity":{"arn":"n"}},"eventName":"top"}"#,
            r#"{"userIdentity":{"sessionContext":{"arn":"deep"}},"x":[{"eventName":"in array"}]}"#,
            r#"{}"#,
        ];
        let fields: [&[&str]; 3] = [
            &["eventName"],
            &["userIdentity", "arn"],
            &["userIdentity", "type"],
        ];
        for patterns in [
            vec![
                r#"{ $.userIdentity.type = "Root" }"#,
                r#"{ $.userIdentity.* = "x" }"#,
            ],
            vec![r#"{ $.eventName = "a" || $.eventName = "b" }"#],
            vec!["ERROR"],
        ] {
            let mut set = PatternSet::new(patterns.iter().map(|p| compile(p).unwrap()).collect());
            let handles: Vec<Field> = fields.iter().map(|keys| set.add_field(keys)).collect();
            let mut scratch = set.scratch();
            for event in events {
                set.evaluate(event, &mut scratch);
                assert_eq!(scratch.is_json_object(), Some(true), "{event}");
                let tree: serde_json::Value = serde_json::from_str(event).unwrap();
                for (keys, field) in fields.iter().zip(&handles) {
                    let expected = keys.iter().fold(&tree, |value, key| &value[key]).as_str();
                    let got = scratch.string(event, field);
                    assert_eq!(got.as_deref(), expected, "{patterns:?} {event} {keys:?}");
                }
            }
        }
    }

    /// An event that is not one JSON object has no fields, and says so.
    #[test]
    fn fields_of_an_invalid_event_are_absent() {
        let mut set = PatternSet::new(vec![compile("ERROR").unwrap()]);
        let name = set.add_field(&["eventName"]);
        let mut scratch = set.scratch();
        for event in [
            r#"{"eventName":"a","b":tru}"#,
            r#"{"eventName":"a"} x"#,
            r#"["eventName"]"#,
        ] {
            set.evaluate(event, &mut scratch);
            assert_eq!(scratch.is_json_object(), Some(false), "{event}");
            assert_eq!(scratch.string(event, &name), None, "{event}");
        }
        // A lone surrogate, which `serde_json` refuses, is valid JSON text: it reads as U+FFFD.
        let event = r#"{"eventName":"a\ud800"}"#;
        set.evaluate(event, &mut scratch);
        assert_eq!(scratch.string(event, &name).as_deref(), Some("a\u{FFFD}"));
    }
}
