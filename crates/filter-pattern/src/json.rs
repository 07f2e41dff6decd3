//! A validating, selective JSON scanner: one pass over an event, full JSON grammar checked,
//! and only the values at the selectors a pattern (or pattern set) needs are recorded, as byte
//! spans into the event — no tree, no allocation per skipped value.
//!
//! The selectors are merged into a [`Trie`]; while walking the document the scanner keeps the
//! set of trie nodes the current position corresponds to (several when `[*]` and `[0]` overlap)
//! and skips subtrees no selector reaches with a tight validation-only loop.

use crate::ast::Step;

/// Deepest nesting accepted; deeper documents are treated as not-JSON (match no JSON pattern).
pub(crate) const MAX_DEPTH: usize = 512;

/// The selectors of a pattern set, merged by common prefix. Node 0 is the root (`$`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Trie {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    keys: Vec<(Box<[u8]>, u32)>,
    /// The keys by [`key_signature`], open addressing with linear probing: each slot holds a
    /// signature and an index into `keys`, or `u32::MAX` when empty. Its length is a power of
    /// two at least twice the number of keys, so a probe for an unselected key usually ends at
    /// the first slot.
    key_table: Vec<(u64, u32)>,
    /// Bit `signature >> 58` set for each key: most unselected keys are rejected by this one
    /// test, without a table probe.
    key_filter: u64,
    indexes: Vec<(u32, u32)>,
    wildcard: Option<u32>,
}

impl Node {
    /// Rebuilds `key_table` after a key was added.
    fn rebuild_key_table(&mut self) {
        let size = (self.keys.len() * 2).next_power_of_two().max(8);
        self.key_table = vec![(0, u32::MAX); size];
        self.key_filter = 0;
        for (index, (name, _)) in self.keys.iter().enumerate() {
            let signature = key_signature(name, prefix_word(name));
            self.key_filter |= 1 << (signature >> 58);
            let mut slot = table_slot(signature, size);
            while self.key_table[slot].1 != u32::MAX {
                slot = (slot + 1) & (size - 1);
            }
            self.key_table[slot] = (signature, index as u32);
        }
    }

    /// The child reached by the object key `key` (decoded) whose first eight bytes, zero
    /// padded, are `word`.
    #[inline(always)]
    fn key_child(&self, key: &[u8], word: u64) -> Option<u32> {
        let signature = key_signature(key, word);
        if self.key_filter >> (signature >> 58) & 1 == 0 {
            return None;
        }
        let size = self.key_table.len();
        let mut slot = table_slot(signature, size);
        loop {
            let (stored, index) = self.key_table[slot];
            if index == u32::MAX {
                return None;
            }
            if stored == signature {
                let (name, child) = &self.keys[index as usize];
                if bytes_eq(name, key) {
                    return Some(*child);
                }
            }
            slot = (slot + 1) & (size - 1);
        }
    }
}

/// The first eight bytes of `key`, zero padded, as a little-endian word.
#[inline]
fn prefix_word(key: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = key.len().min(8);
    word[..n].copy_from_slice(&key[..n]);
    u64::from_le_bytes(word)
}

/// A key's signature: its length and its first eight bytes (`word`, zero padded) mixed.
#[inline(always)]
fn key_signature(key: &[u8], word: u64) -> u64 {
    (word ^ (key.len() as u64).rotate_right(8)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The home slot of `signature` in a table of `size` (a power of two) slots.
#[inline(always)]
fn table_slot(signature: u64, size: usize) -> usize {
    (signature >> 40) as usize & (size - 1)
}

impl Trie {
    /// A trie with only the root.
    pub(crate) fn new() -> Self {
        Trie {
            nodes: vec![Node::default()],
        }
    }

    /// Number of nodes (the size of an [`Extracted`]).
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Adds `steps` (from the root) and returns the node of each prefix: `result[k]` is the
    /// node after `k + 1` steps.
    pub(crate) fn insert(&mut self, steps: &[Step]) -> Vec<u32> {
        let mut node = 0usize;
        let mut path = Vec::with_capacity(steps.len());
        for step in steps {
            let fresh = self.nodes.len() as u32;
            let existing = match step {
                Step::Key(key) => self.nodes[node]
                    .keys
                    .iter()
                    .find(|(k, _)| **k == *key.as_bytes())
                    .map(|(_, n)| *n),
                Step::Index(i) => self.nodes[node]
                    .indexes
                    .iter()
                    .find(|(k, _)| k == i)
                    .map(|(_, n)| *n),
                Step::Wildcard => self.nodes[node].wildcard,
            };
            let next = match existing {
                Some(n) => n,
                None => {
                    match step {
                        Step::Key(key) => {
                            let n = &mut self.nodes[node];
                            n.keys
                                .push((key.as_bytes().to_vec().into_boxed_slice(), fresh));
                            n.rebuild_key_table();
                        }
                        Step::Index(i) => self.nodes[node].indexes.push((*i, fresh)),
                        Step::Wildcard => self.nodes[node].wildcard = Some(fresh),
                    }
                    self.nodes.push(Node::default());
                    fresh
                }
            };
            path.push(next);
            node = next as usize;
        }
        path
    }

    fn is_leaf(&self, node: u32) -> bool {
        let n = &self.nodes[node as usize];
        n.keys.is_empty() && n.indexes.is_empty() && n.wildcard.is_none()
    }
}

/// The JSON type of a recorded value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string; `escaped` when its raw text contains a backslash.
    Str { escaped: bool },
    /// A number (its raw text is the span).
    Num,
    /// `true`
    True,
    /// `false`
    False,
    /// `null`
    Null,
    /// An object.
    Object,
    /// An array; `has_null` when one of its direct elements is `null`.
    Array { has_null: bool },
}

/// One value found at a selector: its type and its raw span (string spans exclude the quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Value {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// Values found per trie node for one event. When an object repeats a key, every occurrence is
/// recorded and a non-wildcard selector reads the last one (the spec is silent; this is what
/// most JSON parsers, e.g. `serde_json::Value`, keep). Reused across events (cleared, not freed).
#[derive(Debug, Clone, Default)]
pub(crate) struct Extracted {
    /// Per node, the values reached (several under a wildcard; duplicates keys append too).
    pub values: Vec<Vec<Value>>,
    /// Whether the event is a JSON object at all (if not, no JSON pattern matches).
    pub is_object: bool,
    active: Vec<u32>,
    key_buf: Vec<u8>,
}

impl Extracted {
    /// Scratch sized for `trie`.
    pub(crate) fn new(trie: &Trie) -> Self {
        Extracted {
            values: vec![Vec::new(); trie.len()],
            ..Extracted::default()
        }
    }
}

/// Scans `event`, filling `out` with the values at `trie`'s nodes. `out.is_object` tells whether
/// the event is one valid JSON object with nothing but whitespace around it.
pub(crate) fn scan(event: &[u8], trie: &Trie, out: &mut Extracted) {
    prefetch(event);
    for v in &mut out.values {
        v.clear();
    }
    out.active.clear();
    out.active.push(0);
    let mut s = Scanner {
        b: event,
        i: 0,
        trie,
        depth: 0,
    };
    s.ws();
    let ok = s.peek() == Some(b'{') && s.value(out, 0, 1).is_some() && {
        s.ws();
        s.i == event.len()
    };
    if !ok {
        for v in &mut out.values {
            v.clear();
        }
    }
    out.is_object = ok;
}

/// Whether `text` is one valid JSON object with only whitespace around it: the events JSON
/// patterns can match (a JSON pattern matches nothing else).
#[cfg(test)]
fn is_json_object(text: &str) -> bool {
    let trie = Trie::new();
    let mut out = Extracted::new(&trie);
    scan(text.as_bytes(), &trie, &mut out);
    out.is_object
}

/// Asks the CPU to start loading every cache line of `text` now, so the loads overlap instead
/// of waiting one after another on the scanner (events arrive from memory, not cache).
#[inline]
fn prefetch(text: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for offset in (0..text.len()).step_by(64) {
        // SAFETY: SSE is part of the x86-64 baseline; a prefetch never faults and the address
        // lies inside `text`.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(text.as_ptr().add(offset).cast());
        }
    }
}

/// Whether `text` is valid JSON (any value) with only whitespace around it.
#[cfg(test)]
pub(crate) fn is_valid(text: &str) -> bool {
    let trie = Trie::new();
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
        trie: &trie,
        depth: 0,
    };
    s.ws();
    s.skip().is_some() && {
        s.ws();
        s.i == text.len()
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    trie: &'a Trie,
    depth: usize,
}

/// Bytes that end the fast part of a string scan: `"`, `\` and control characters.
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Offset of the first `"`, `\\` or control byte in `rest`: sixteen bytes at a time with SSE2
/// on x86-64 (always available there), then eight at a time (SWAR), then byte by byte.
#[inline(always)]
fn stop_offset(rest: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        let mut at = 0;
        while at + 16 <= rest.len() {
            // SAFETY: SSE2 is part of the x86-64 baseline; the unaligned load reads
            // rest[at..at + 16], which the loop condition keeps in bounds.
            let mask = unsafe {
                let chunk = _mm_loadu_si128(rest.as_ptr().add(at).cast());
                let quote = _mm_cmpeq_epi8(chunk, _mm_set1_epi8(b'"' as i8));
                let slash = _mm_cmpeq_epi8(chunk, _mm_set1_epi8(b'\\' as i8));
                let limit = _mm_set1_epi8(0x1f);
                let control = _mm_cmpeq_epi8(_mm_max_epu8(chunk, limit), limit);
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control))
            };
            if mask != 0 {
                return Some(at + mask.trailing_zeros() as usize);
            }
            at += 16;
        }
        stop_offset_swar(&rest[at..]).map(|n| at + n)
    }
    #[cfg(not(target_arch = "x86_64"))]
    stop_offset_swar(rest)
}

/// For the 64 bytes of `b` from `at` (if there are 64): the quotes, and the bytes that end a
/// fast string scan (backslashes and control characters), as bit masks.
#[inline(always)]
fn window_masks(b: &[u8], at: usize) -> Option<(u64, u64)> {
    let window = b.get(at..at + 64)?;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        let mut quotes = 0u64;
        let mut stops = 0u64;
        for (k, chunk) in window.chunks_exact(16).enumerate() {
            // SAFETY: SSE2 is part of the x86-64 baseline; the load reads the 16 bytes of
            // `chunk`.
            let (q, t) = unsafe {
                let bytes = _mm_loadu_si128(chunk.as_ptr().cast());
                let quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8));
                let slash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8));
                let limit = _mm_set1_epi8(0x1f);
                let control = _mm_cmpeq_epi8(_mm_max_epu8(bytes, limit), limit);
                (
                    _mm_movemask_epi8(quote) as u16,
                    _mm_movemask_epi8(_mm_or_si128(slash, control)) as u16,
                )
            };
            quotes |= u64::from(q) << (16 * k);
            stops |= u64::from(t) << (16 * k);
        }
        Some((quotes, stops))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut quotes = 0u64;
        let mut stops = 0u64;
        for (k, &c) in window.iter().enumerate() {
            quotes |= u64::from(c == b'"') << k;
            stops |= u64::from(c == b'\\' || c < 0x20) << k;
        }
        Some((quotes, stops))
    }
}

/// [`stop_offset`] eight bytes at a time (SWAR).
#[inline]
fn stop_offset_swar(rest: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while at + 8 <= rest.len() {
        let word = u64::from_le_bytes(rest[at..at + 8].try_into().expect("eight bytes"));
        let quote = word ^ (ONES * u64::from(b'"'));
        let slash = word ^ (ONES * u64::from(b'\\'));
        // A byte is flagged when it is zero (quote/backslash) or below 0x20 (control).
        let hits = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (word.wrapping_sub(ONES * 0x20) & !word);
        let hits = hits & HIGH;
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    rest[at..]
        .iter()
        .position(|&c| STRING_STOP[c as usize])
        .map(|n| at + n)
}

impl Scanner<'_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// Scans a string whose opening quote is at `self.i`; returns (content start, content end,
    /// has escapes) and leaves `self.i` after the closing quote.
    #[inline(always)]
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        self.i += 1;
        let start = self.i;
        // Fast path: no escape before the closing quote.
        let n = stop_offset(&self.b[start..])?;
        if self.b[start + n] == b'"' {
            self.i = start + n + 1;
            return Some((start, start + n, false));
        }
        self.i = start + n;
        self.string_slow(start)
    }

    /// The rest of a string after its first stop byte was not the closing quote.
    #[cold]
    fn string_slow(&mut self, start: usize) -> Option<(usize, usize, bool)> {
        let mut escaped = false;
        loop {
            self.i += stop_offset(&self.b[self.i..])?;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i - 1, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let hex = self.b.get(self.i + 1..self.i + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    #[inline]
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        Some(())
    }

    #[inline]
    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    #[inline]
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        if end <= self.b.len() && bytes_eq(&self.b[self.i..end], word) {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// [`Scanner::skip`] with the commonest case, a string, handled without a call.
    #[inline(always)]
    fn skip_member(&mut self) -> Option<Kind> {
        if self.peek()? == b'"' {
            let (_, _, escaped) = self.string()?;
            Some(Kind::Str { escaped })
        } else {
            self.skip()
        }
    }

    /// Validates and skips one value nobody selects; returns its kind (needed for array-null).
    fn skip(&mut self) -> Option<Kind> {
        match self.peek()? {
            b'"' => {
                let (_, _, escaped) = self.string()?;
                Some(Kind::Str { escaped })
            }
            b'{' | b'[' => self.skip_container(),
            _ => self.scalar(),
        }
    }

    /// The commonest member of a compact object, `"key":"value"` with no escape or control
    /// character, checked from one 64-byte window starting at the key's quote (`self.i`):
    /// returns the indexes of the key's and the value's closing quotes, or `None` when the
    /// member is not of that shape or does not fit (the caller then walks it normally).
    #[inline]
    fn compact_string_pair(&self) -> Option<(usize, usize)> {
        let (quotes, stops) = window_masks(self.b, self.i)?;
        // Bit 0 is the key's opening quote.
        let after_open = quotes & !1;
        let key_end = after_open.trailing_zeros() as usize;
        // `":"` must follow the key: its closing quote, a colon, the value's opening quote.
        if key_end >= 61 || quotes >> (key_end + 2) & 1 == 0 || self.b[self.i + key_end + 1] != b':'
        {
            return None;
        }
        let value_quotes = quotes >> (key_end + 3);
        let value_end = key_end + 3 + value_quotes.trailing_zeros() as usize;
        if value_quotes == 0 || value_end >= 64 {
            return None;
        }
        // No backslash or control character anywhere in the key or the value.
        let span = if value_end == 63 {
            u64::MAX
        } else {
            (1u64 << (value_end + 1)) - 1
        };
        (stops & span == 0).then_some((self.i + key_end, self.i + value_end))
    }

    /// A number, `true`, `false` or `null` at `self.i`.
    #[inline]
    fn scalar(&mut self) -> Option<Kind> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| Kind::True),
            b'f' => self.literal(b"false").map(|()| Kind::False),
            b'n' => self.literal(b"null").map(|()| Kind::Null),
            _ => self.number().map(|()| Kind::Num),
        }
    }

    /// Validates and skips the object or array opening at `self.i` and everything in it,
    /// iteratively: the open containers are bits of a stack, so hostile nesting costs no call
    /// stack (the depth limit still applies).
    fn skip_container(&mut self) -> Option<Kind> {
        /// Where the walk is.
        enum At {
            /// On an opening bracket.
            Open,
            /// On a member: a key (objects) or a value (arrays).
            Member,
            /// After a value: a `,` or the innermost container's closer must follow.
            AfterValue,
        }
        let outer_is_object = self.peek()? == b'{';
        let outer_depth = self.depth;
        // Bit 0 is the innermost open container (1 for an object); `saved` keeps the words of
        // outer containers when more than 64 are open.
        let mut saved: Vec<u64> = Vec::new();
        let mut stack = 0u64;
        let mut open = 0usize;
        let mut has_null = false;
        let mut at = At::Open;
        loop {
            match at {
                At::Open => {
                    self.enter()?;
                    let is_object = self.b[self.i] == b'{';
                    if open > 0 && open.is_multiple_of(64) {
                        saved.push(stack);
                        stack = 0;
                    }
                    stack = (stack << 1) | u64::from(is_object);
                    open += 1;
                    self.i += 1;
                    self.ws();
                    at = if self.peek()? == if is_object { b'}' } else { b']' } {
                        // Empty: step back onto the closer, which `AfterValue` consumes.
                        At::AfterValue
                    } else {
                        At::Member
                    };
                }
                At::Member => {
                    if stack & 1 == 1 {
                        if self.peek()? != b'"' {
                            return None;
                        }
                        if let Some((_, value_end)) = self.compact_string_pair() {
                            self.i = value_end + 1;
                            at = At::AfterValue;
                            continue;
                        }
                        self.string()?;
                        self.ws();
                        self.eat(b':')?;
                        self.ws();
                    }
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            at = At::AfterValue;
                        }
                        b'{' | b'[' => at = At::Open,
                        _ => {
                            let kind = self.scalar()?;
                            has_null |= open == 1 && kind == Kind::Null;
                            at = At::AfterValue;
                        }
                    }
                }
                At::AfterValue => {
                    self.ws();
                    let closer = if stack & 1 == 1 { b'}' } else { b']' };
                    match self.peek()? {
                        b',' => {
                            self.i += 1;
                            self.ws();
                            at = At::Member;
                        }
                        c if c == closer => {
                            self.i += 1;
                            self.depth -= 1;
                            open -= 1;
                            stack >>= 1;
                            if open == 0 {
                                debug_assert_eq!(self.depth, outer_depth);
                                return Some(if outer_is_object {
                                    Kind::Object
                                } else {
                                    Kind::Array { has_null }
                                });
                            }
                            if open.is_multiple_of(64) {
                                stack = saved.pop().expect("a saved stack word");
                            }
                        }
                        _ => return None,
                    }
                }
            }
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// Scans one value that the trie nodes `out.active[from..to]` select; records it at each.
    fn value(&mut self, out: &mut Extracted, from: usize, to: usize) -> Option<Kind> {
        if from == to {
            return self.skip();
        }
        let start = self.i;
        let kind = match self.peek()? {
            b'{' if (from..to).any(|k| !self.trie.is_leaf(out.active[k])) => {
                self.enter()?;
                self.i += 1;
                self.ws();
                if self.eat(b'}').is_none() {
                    loop {
                        if self.peek()? != b'"' {
                            return None;
                        }
                        if let Some((key_end, value_end)) = self.compact_string_pair() {
                            let child_from = out.active.len();
                            self.push_key_children(out, from, to, self.i + 1, key_end, false);
                            let value = Value {
                                kind: Kind::Str { escaped: false },
                                start: key_end + 3,
                                end: value_end,
                            };
                            for k in child_from..out.active.len() {
                                out.values[out.active[k] as usize].push(value);
                            }
                            out.active.truncate(child_from);
                            self.i = value_end + 1;
                        } else {
                            let (ks, ke, escaped) = self.string()?;
                            let child_from = out.active.len();
                            self.push_key_children(out, from, to, ks, ke, escaped);
                            let child_to = out.active.len();
                            self.ws();
                            self.eat(b':')?;
                            self.ws();
                            if child_from == child_to {
                                self.skip_member()?;
                            } else {
                                self.value(out, child_from, child_to)?;
                                out.active.truncate(child_from);
                            }
                        }
                        self.ws();
                        match self.peek()? {
                            b',' => {
                                self.i += 1;
                                self.ws();
                            }
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.depth -= 1;
                Kind::Object
            }
            b'[' if (from..to).any(|k| !self.trie.is_leaf(out.active[k])) => {
                self.enter()?;
                self.i += 1;
                self.ws();
                let mut has_null = false;
                if self.eat(b']').is_none() {
                    let mut index: u32 = 0;
                    loop {
                        let child_from = out.active.len();
                        for k in from..to {
                            let node = &self.trie.nodes[out.active[k] as usize];
                            if let Some(&(_, n)) = node.indexes.iter().find(|(i, _)| *i == index) {
                                out.active.push(n);
                            }
                            if let Some(n) = node.wildcard {
                                out.active.push(n);
                            }
                        }
                        let child_to = out.active.len();
                        has_null |= self.value(out, child_from, child_to)? == Kind::Null;
                        out.active.truncate(child_from);
                        index = index.saturating_add(1);
                        self.ws();
                        match self.peek()? {
                            b',' => {
                                self.i += 1;
                                self.ws();
                            }
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.depth -= 1;
                Kind::Array { has_null }
            }
            _ => self.skip()?,
        };
        let (vs, ve) = match kind {
            Kind::Str { .. } => (start + 1, self.i - 1),
            _ => (start, self.i),
        };
        for k in from..to {
            out.values[out.active[k] as usize].push(Value {
                kind,
                start: vs,
                end: ve,
            });
        }
        Some(kind)
    }

    /// Pushes the trie children that the object key `b[ks..ke]` (raw; `escaped` when it may
    /// hold an escape) leads to from the nodes `out.active[from..to]`.
    #[inline]
    fn push_key_children(
        &self,
        out: &mut Extracted,
        from: usize,
        to: usize,
        ks: usize,
        ke: usize,
        escaped: bool,
    ) {
        if escaped {
            return self.push_escaped_key_children(out, from, to, ks, ke);
        }
        // The key's first eight bytes, read from the event when eight bytes are there (the
        // closing quote and more follow a key, so they usually are).
        let key = &self.b[ks..ke];
        let word = match self.b.get(ks..ks + 8) {
            Some(bytes) => {
                let word = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
                match key.len() {
                    0 => 0,
                    1..=7 => word & (u64::MAX >> (64 - 8 * key.len())),
                    _ => word,
                }
            }
            None => prefix_word(key),
        };
        push_children(self.trie, out, from, to, key, word);
    }

    /// [`Scanner::push_key_children`] for a key with escapes: decoded first.
    #[cold]
    fn push_escaped_key_children(
        &self,
        out: &mut Extracted,
        from: usize,
        to: usize,
        ks: usize,
        ke: usize,
    ) {
        let mut buf = std::mem::take(&mut out.key_buf);
        buf.clear();
        unescape_into(&self.b[ks..ke], &mut buf);
        push_children(self.trie, out, from, to, &buf, prefix_word(&buf));
        out.key_buf = buf;
    }
}

/// Pushes onto `out.active` the trie children that the (decoded) object key `key`, whose first
/// eight bytes zero padded are `word`, leads to from each of the nodes `out.active[from..to]`.
#[inline(always)]
fn push_children(trie: &Trie, out: &mut Extracted, from: usize, to: usize, key: &[u8], word: u64) {
    for k in from..to {
        let node = &trie.nodes[out.active[k] as usize];
        if let Some(n) = node.key_child(key, word) {
            out.active.push(n);
        }
        if let Some(n) = node.wildcard {
            out.active.push(n);
        }
    }
}

/// Byte-slice equality without a libc `memcmp` call for the short texts (keys, event names,
/// service hosts) the hot path compares: overlapping 8-byte loads cover lengths 8 to 32.
#[inline]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if len < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    if len <= 16 {
        return word(a, 0) == word(b, 0) && word(a, len - 8) == word(b, len - 8);
    }
    if len <= 32 {
        return word(a, 0) == word(b, 0)
            && word(a, 8) == word(b, 8)
            && word(a, len - 16) == word(b, len - 16)
            && word(a, len - 8) == word(b, len - 8);
    }
    a == b
}

/// Decodes the JSON escapes of a string's raw content (already validated) into `out`.
/// Unpaired surrogates become U+FFFD.
pub(crate) fn unescape_into(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let simple = match e {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let hex = |at: usize| -> Option<u32> {
            let h = raw.get(at..at + 4)?;
            u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
        };
        let Some(unit) = hex(i) else {
            continue;
        };
        i += 4;
        let ch = if (0xD800..0xDC00).contains(&unit)
            && raw.get(i) == Some(&b'\\')
            && raw.get(i + 1) == Some(&b'u')
        {
            match hex(i + 2) {
                Some(low) if (0xDC00..0xE000).contains(&low) => {
                    i += 6;
                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                _ => None,
            }
        } else {
            char::from_u32(unit)
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(ch.unwrap_or('\u{FFFD}').encode_utf8(&mut tmp).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_like_serde_json() {
        for text in [
            "{}",
            "{\"a\":[1,2,{\"b\":null}],\"c\":\"x\\u00e9\"}",
            " [1, -0.5e+3] ",
            "\"s\"",
            "{\"a\":1} trailing",
            "{\"a\":}",
            "{\"a\":01}",
            "[1,]",
            "{\"a\":\"\u{1}\"}",
            "{\"a\" 1}",
            "tru",
            "{\"a\":1.}",
            "{\"a\":\"\\x\"}",
        ] {
            let expected = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
            assert_eq!(is_valid(text), expected, "{text}");
        }
    }

    /// Real CloudTrail records, cut and mutated at random, are valid exactly when serde_json
    /// says so; what the scanner extracts equals what serde_json finds at the same selectors.
    #[test]
    fn mutated_records_validate_and_extract_like_serde_json() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/cloudtrail-samples"
        );
        let text = std::fs::read_to_string(format!("{dir}/panther-events.jsonl")).unwrap();
        // Compact (as CloudTrail delivers them) and pretty-printed (whitespace everywhere).
        let records: Vec<String> = text
            .lines()
            .take(60)
            .flat_map(|l| {
                let event = &serde_json::from_str::<serde_json::Value>(l).unwrap()["event"];
                [
                    event.to_string(),
                    serde_json::to_string_pretty(event).unwrap(),
                ]
            })
            .collect();
        let mut trie = Trie::new();
        let name = trie.insert(&[Step::Key("eventName".into())]);
        let kind = trie.insert(&[Step::Key("userIdentity".into()), Step::Key("type".into())]);
        let mut out = Extracted::new(&trie);
        let edits: &[&[u8]] = &[
            b"\"", b"\\", b"{", b"}", b"[", b"]", b":", b",", b" ", b"\n", b"\x01", b"tru",
            b"null", b"-0.5e", b"\\u12", b"\\uD83D", b"1", b"\"\"", b"\t",
        ];
        let mut state = 17u64;
        let mut rand = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n.max(1)
        };
        let mut checked = 0;
        for record in &records {
            for round in 0..150 {
                let mut bytes = record.clone().into_bytes();
                if round > 0 {
                    for _ in 0..1 + rand(3) {
                        let at = rand(bytes.len() + 1);
                        match rand(3) {
                            0 => bytes.truncate(at),
                            1 => {
                                let edit = edits[rand(edits.len())];
                                bytes.splice(at..at, edit.iter().copied());
                            }
                            _ => {
                                if at < bytes.len() {
                                    bytes.remove(at);
                                }
                            }
                        }
                    }
                }
                let Ok(event) = String::from_utf8(bytes) else {
                    continue;
                };
                // Grammar only, as serde_json's IgnoredAny checks it: a lone surrogate escape is
                // grammatical JSON (RFC 8259 §8.2 leaves its meaning to the implementation).
                let valid = serde_json::from_str::<serde::de::IgnoredAny>(&event).is_ok();
                let expected = valid && event.trim_start().starts_with('{');
                scan(event.as_bytes(), &trie, &mut out);
                assert_eq!(out.is_object, expected, "{event}");
                assert_eq!(is_json_object(&event), expected, "{event}");
                assert_eq!(is_valid(&event), valid, "{event}");
                let parsed = serde_json::from_str::<serde_json::Value>(&event);
                if let Ok(value) = parsed {
                    for (node, path) in [(name[0], "/eventName"), (kind[1], "/userIdentity/type")] {
                        let found = out.values[node as usize].last().map(|v| {
                            let raw = &event.as_bytes()[v.start..v.end];
                            match v.kind {
                                Kind::Str { .. } => {
                                    let mut buf = Vec::new();
                                    unescape_into(raw, &mut buf);
                                    serde_json::Value::String(String::from_utf8(buf).unwrap())
                                }
                                _ => serde_json::from_slice(raw).unwrap(),
                            }
                        });
                        assert_eq!(found.as_ref(), value.pointer(path), "{path} in {event}");
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn nesting_limit_and_deep_containers() {
        for depth in [1, 2, 3, 63, 64, 65, 128, 129, 511, 512, 513] {
            let text = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
            // The object itself is one level.
            assert_eq!(is_json_object(&text), depth < MAX_DEPTH, "{depth}");
            let text = format!(
                "{{\"a\":{}1{}}}",
                "{\"b\":".repeat(depth),
                "}".repeat(depth)
            );
            assert_eq!(is_valid(&text), depth < MAX_DEPTH, "{depth}");
        }
        assert!(!is_valid("[[[1]]"));
        assert!(!is_valid("[[1]]]"));
        assert!(!is_valid("[{\"a\":1]}"));
        assert!(is_valid("[[],[[]],{\"a\":[{}]}]"));
    }

    #[test]
    fn swar_stop_offset_agrees_with_a_plain_scan() {
        let alphabet = b"ab\"\\\x01\x1f \x7f\x80\xffz";
        let mut state = 7u32;
        for len in 0..40 {
            for _ in 0..50 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                        alphabet[(state >> 16) as usize % alphabet.len()]
                    })
                    .collect();
                let naive = bytes.iter().position(|&c| STRING_STOP[c as usize]);
                assert_eq!(stop_offset(&bytes), naive, "{bytes:?}");
                assert_eq!(stop_offset_swar(&bytes), naive, "{bytes:?}");
                let other: Vec<u8> = bytes.iter().rev().copied().collect();
                assert_eq!(bytes_eq(&bytes, &other), bytes == other);
                assert!(bytes_eq(&bytes, &bytes));
            }
        }
    }

    #[test]
    fn keys_of_every_length_reach_their_node() {
        let names = [
            "",
            "a",
            "ab",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abcdefgh_long_key",
            "é",
        ];
        let mut trie = Trie::new();
        let nodes: Vec<u32> = names
            .iter()
            .map(|n| trie.insert(&[Step::Key((*n).into())])[0])
            .collect();
        let mut out = Extracted::new(&trie);
        for (i, name) in names.iter().enumerate() {
            // The key last in the object (little after it), first, and escaped.
            for event in [
                format!(r#"{{"x":0,"{name}":{i}}}"#),
                format!(r#"{{"{name}":{i},"abcdefgX":1,"abcdefghX":2,"b":3}}"#),
                format!(r#"{{"{}":{i}}}"#, name.replace('a', "\\u0061")),
            ] {
                scan(event.as_bytes(), &trie, &mut out);
                assert!(out.is_object, "{event}");
                for (j, node) in nodes.iter().enumerate() {
                    let found = out.values[*node as usize]
                        .last()
                        .map(|v| &event[v.start..v.end]);
                    let expected = (j == i).then(|| i.to_string());
                    assert_eq!(found, expected.as_deref(), "{event}: key {:?}", names[j]);
                }
            }
        }
    }

    #[test]
    fn extracts_selected_values() {
        let mut trie = Trie::new();
        let a_b = trie.insert(&[Step::Key("a".into()), Step::Key("b".into())]);
        let w = trie.insert(&[Step::Key("l".into()), Step::Wildcard]);
        let mut out = Extracted::new(&trie);
        let event = br#"{"a":{"b":"x\"y"},"l":[1,null,"z"],"a\u0062":2}"#;
        scan(event, &trie, &mut out);
        assert!(out.is_object);
        let v = out.values[a_b[1] as usize][0];
        assert_eq!(v.kind, Kind::Str { escaped: true });
        assert_eq!(&event[v.start..v.end], br#"x\"y"#);
        assert_eq!(out.values[w[1] as usize].len(), 3);
        assert_eq!(
            out.values[w[0] as usize][0].kind,
            Kind::Array { has_null: true }
        );
        scan(b"{\"a\":1} x", &trie, &mut out);
        assert!(!out.is_object);
    }
}
