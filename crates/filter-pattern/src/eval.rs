//! Stage 5: evaluate a compiled pattern against one raw event (spec §3.2, §4, §5.2–§5.5, §6).

use crate::ast::{CompareOp, Pattern};
use crate::compile::{
    CDelimited, CExpr, CField, CTerms, CTest, CValue, CompiledPattern, Program, SelectorNodes,
};
use crate::fields::{self, Field};
use crate::json::{self, Extracted, Kind, Value};
use crate::number::{canonical_text, Decimal};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Range;

impl Pattern {
    /// Whether this pattern matches the raw event text. Compiles the pattern on every call:
    /// use [`CompiledPattern`] to match many events. A hand-built tree that does not compile
    /// (e.g. an invalid regex) matches nothing.
    pub fn matches(&self, event: &str) -> bool {
        CompiledPattern::new(self.clone()).is_ok_and(|c| c.matches(event))
    }
}

impl CompiledPattern {
    /// Whether this pattern matches the raw event text.
    pub fn matches(&self, event: &str) -> bool {
        let mut scratch = Scratch::default();
        if matches!(self.program, Program::Json(_)) {
            scratch.json = Extracted::new(&self.trie);
            json::scan(event.as_bytes(), &self.trie, &mut scratch.json);
        }
        program_matches(&self.program, event, &self.nodes, &mut scratch)
    }
}

/// Evaluates `program` against an event whose JSON (for a JSON program) has already been
/// scanned into `scratch.json` with selectors placed at `nodes`; [`CExpr::Atom`]s read
/// `scratch.atoms`.
pub(crate) fn program_matches(
    program: &Program,
    event: &str,
    nodes: &[SelectorNodes],
    scratch: &mut Scratch,
) -> bool {
    {
        let bytes = event.as_bytes();
        match program {
            Program::All => true,
            Program::Terms(terms) => terms_match(terms, bytes),
            Program::Regex(regex) => regex.is_match(bytes),
            Program::Json(expr) => {
                let atoms = scratch.atoms;
                scratch.json.is_object
                    && json_match(expr, bytes, nodes, &scratch.json, atoms, &mut scratch.buf)
            }
            Program::Delimited(d) => {
                if !scratch.fields_ready {
                    fields::split(bytes, &mut scratch.fields);
                    scratch.fields_ready = true;
                }
                delimited_match(d, bytes, scratch)
            }
        }
    }
}

/// Per-event working memory, reused across events.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub json: Extracted,
    pub fields: Vec<Field>,
    /// Whether `fields` holds the current event's fields.
    pub fields_ready: bool,
    pub bound: Vec<Range<usize>>,
    pub buf: Vec<u8>,
    /// The answers of a pattern set's shared lookups for this event ([`CExpr::Atom`]).
    pub atoms: u64,
}

fn terms_match(t: &CTerms, event: &[u8]) -> bool {
    t.required.iter().all(|f| f.find(event).is_some())
        && !t.excluded.iter().any(|f| f.find(event).is_some())
        && (t.optional.is_empty() || t.optional.iter().any(|f| f.find(event).is_some()))
}

fn json_match(
    expr: &CExpr,
    event: &[u8],
    nodes: &[SelectorNodes],
    ex: &Extracted,
    atoms: u64,
    buf: &mut Vec<u8>,
) -> bool {
    match expr {
        CExpr::Or(items) => items
            .iter()
            .any(|e| json_match(e, event, nodes, ex, atoms, buf)),
        CExpr::And(items) => items
            .iter()
            .all(|e| json_match(e, event, nodes, ex, atoms, buf)),
        CExpr::Atom(n) => atoms >> n & 1 == 1,
        CExpr::AnyOf { selector, set } => {
            let at = nodes[*selector];
            match ex.values[at.node as usize].last() {
                Some(value) => value_text(event, value, buf).is_some_and(|t| set.contains(&t)),
                None => false,
            }
        }
        CExpr::Cond { selector, test } => {
            let at = nodes[*selector];
            let values = &ex.values[at.node as usize];
            match at.base {
                None => single(test, event, values.last(), buf),
                Some(base) => match test {
                    CTest::Ne(v) => {
                        !ex.values[base as usize].is_empty()
                            && !values.iter().any(|x| equals(v, event, x, buf))
                    }
                    CTest::NotExists => values.is_empty(),
                    _ => values.iter().any(|x| single(test, event, Some(x), buf)),
                },
            }
        }
    }
}

/// The §5.5 table for one (possibly absent) value.
fn single(test: &CTest, event: &[u8], value: Option<&Value>, buf: &mut Vec<u8>) -> bool {
    let Some(value) = value else {
        return matches!(test, CTest::NotExists);
    };
    match test {
        CTest::Eq(v) => equals(v, event, value, buf),
        CTest::Ne(v) => {
            matches!(value.kind, Kind::Str { .. } | Kind::Num) && !equals(v, event, value, buf)
        }
        CTest::Order(op, literal) => {
            value.kind == Kind::Num && ordered(*op, raw_str(event, value), literal.as_ref())
        }
        CTest::IsNull => matches!(value.kind, Kind::Null | Kind::Array { has_null: true }),
        CTest::IsTrue => value.kind == Kind::True,
        CTest::IsFalse => value.kind == Kind::False,
        CTest::NotExists => false,
    }
}

fn raw_str<'a>(event: &'a [u8], value: &Value) -> &'a str {
    // Spans come from the scanner and sit on ASCII delimiters of valid UTF-8 text.
    std::str::from_utf8(&event[value.start..value.end]).unwrap_or("")
}

fn ordered(op: CompareOp, text: &str, literal: Option<&Decimal>) -> bool {
    let (Some(value), Some(literal)) = (Decimal::parse(text), literal) else {
        return false;
    };
    let ord = value.cmp_exact(literal);
    match op {
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
    }
}

/// `= v` for one JSON value: strings and numbers only (spec §5.4, §5.5).
fn equals(v: &CValue, event: &[u8], value: &Value, buf: &mut Vec<u8>) -> bool {
    match value.kind {
        Kind::Str { escaped } => {
            let raw = &event[value.start..value.end];
            let text: &[u8] = if escaped {
                buf.clear();
                json::unescape_into(raw, buf);
                buf
            } else {
                raw
            };
            match v {
                CValue::Number(literal, _) => text == literal.as_bytes(),
                other => text_equals(other, text),
            }
        }
        Kind::Num => {
            let raw = raw_str(event, value);
            match v {
                CValue::Number(_, literal) => match (Decimal::parse(raw), literal) {
                    (Some(a), Some(b)) => a == *b,
                    _ => false,
                },
                other => text_equals(other, canonical_text(raw).as_bytes()),
            }
        }
        _ => false,
    }
}

/// The text a string or number value compares as against a string literal: the unescaped
/// string, or the number's canonical text. `None` for other types.
pub(crate) fn value_text<'a>(
    event: &'a [u8],
    value: &Value,
    buf: &'a mut Vec<u8>,
) -> Option<Cow<'a, [u8]>> {
    match value.kind {
        Kind::Str { escaped: false } => Some(Cow::Borrowed(&event[value.start..value.end])),
        Kind::Str { escaped: true } => {
            buf.clear();
            json::unescape_into(&event[value.start..value.end], buf);
            Some(Cow::Borrowed(buf.as_slice()))
        }
        Kind::Num => Some(Cow::Owned(
            canonical_text(raw_str(event, value))
                .into_owned()
                .into_bytes(),
        )),
        _ => None,
    }
}

/// String, glob or regex comparison against a text.
fn text_equals(v: &CValue, text: &[u8]) -> bool {
    match v {
        CValue::Text(t) => json::bytes_eq(text, t.as_bytes()),
        CValue::Glob(parts) => glob(parts, text),
        CValue::Regex(r) => r.is_match(text),
        CValue::Number(literal, _) => text == literal.as_bytes(),
    }
}

/// Glob match with `*` = any text, possibly empty (spec §5.3; infix `*` globs too, our choice
/// for §14.2/§14.3).
pub(crate) fn glob(parts: &[String], text: &[u8]) -> bool {
    let (first, rest) = parts.split_first().expect("split yields at least one part");
    let Some((last, middle)) = rest.split_last() else {
        return text == first.as_bytes();
    };
    let (first, last) = (first.as_bytes(), last.as_bytes());
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut window = &text[first.len()..text.len() - last.len()];
    for part in middle {
        match memchr::memmem::find(window, part.as_bytes()) {
            Some(at) => window = &window[at + part.len()..],
            None => return false,
        }
    }
    true
}

fn delimited_match(d: &CDelimited, event: &[u8], scratch: &mut Scratch) -> bool {
    if !fields::bind(
        event,
        &scratch.fields,
        d.slots.len(),
        d.ellipsis,
        &mut scratch.bound,
    ) {
        return false;
    }
    d.slots.iter().zip(&scratch.bound).all(|(cond, range)| {
        cond.as_ref()
            .is_none_or(|c| field_match(c, &event[range.clone()]))
    })
}

/// A condition on one delimited field (spec §6.4): a bare number compares numerically when the
/// field reads as a number and as text otherwise; ordering needs a numeric field (false
/// otherwise, our choice for the silent case).
fn field_match(cond: &CField, text: &[u8]) -> bool {
    let field_eq = |v: &CValue| match v {
        CValue::Number(literal, value) => {
            match (
                std::str::from_utf8(text).ok().and_then(Decimal::parse),
                value,
            ) {
                (Some(a), Some(b)) => a == *b,
                _ => text == literal.as_bytes(),
            }
        }
        other => text_equals(other, text),
    };
    match cond {
        CField::Or(items) => items.iter().any(|c| field_match(c, text)),
        CField::And(items) => items.iter().all(|c| field_match(c, text)),
        CField::Eq(v) => field_eq(v),
        CField::Ne(v) => !field_eq(v),
        CField::Order(op, literal) => {
            std::str::from_utf8(text).is_ok_and(|t| ordered(*op, t, literal.as_ref()))
        }
    }
}

/// Resolves the delimited bindings of `event` as `(key, value)` pairs: `$name` for named
/// slots and `$N` (1-based field position) for fields covered by the ellipsis or, for `[]`,
/// every field. `None` when the event has too few fields.
pub(crate) fn delimited_values<'e>(
    d: &CDelimited,
    event: &'e str,
) -> Option<Vec<(String, Cow<'e, str>)>> {
    let bytes = event.as_bytes();
    let mut fields = Vec::new();
    fields::split(bytes, &mut fields);
    let mut bound = Vec::new();
    if !fields::bind(bytes, &fields, d.slots.len(), d.ellipsis, &mut bound) {
        return None;
    }
    let text = |r: &Range<usize>| String::from_utf8_lossy(&bytes[r.clone()]);
    let mut out = Vec::new();
    if d.slots.is_empty() {
        for (i, f) in fields.iter().enumerate() {
            out.push((format!("${}", i + 1), text(&f.value)));
        }
        return Some(out);
    }
    let after = d.ellipsis.map_or(0, |e| d.slots.len() - e - 1);
    for (i, (name, range)) in d.names.iter().zip(&bound).enumerate() {
        if Some(i) == d.ellipsis {
            let covered = i..fields.len() - after;
            for (k, f) in fields[covered.clone()].iter().enumerate() {
                out.push((format!("${}", covered.start + k + 1), text(&f.value)));
            }
        } else {
            out.push((format!("${name}"), text(range)));
        }
    }
    Some(out)
}
