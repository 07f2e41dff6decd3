//! Stage 4: compile a parsed pattern into a form that matches quickly: regexes built once,
//! term finders prepared, number literals parsed, JSON selectors merged into a scan trie.

use crate::ast::*;
use crate::dialect;
use crate::error::ParseError;
use crate::json::Trie;
use crate::number::Decimal;
use memchr::memmem::Finder;
use regex::bytes::Regex;

/// A pattern ready to match events.
#[derive(Debug, Clone)]
pub struct CompiledPattern {
    pub(crate) pattern: Pattern,
    pub(crate) program: Program,
    /// JSON patterns only: the selectors the program reads, indexed by [`CCond::selector`].
    pub(crate) selectors: Vec<Selector>,
    /// This pattern's own scan trie and where each selector landed in it.
    pub(crate) trie: Trie,
    pub(crate) nodes: Vec<SelectorNodes>,
}

/// Where one selector sits in a scan trie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SelectorNodes {
    /// The node of the whole selector.
    pub node: u32,
    /// For a wildcard selector, the node of the prefix before the wildcard.
    pub base: Option<u32>,
}

/// Parses and compiles `text` in one go.
pub fn compile(text: &str) -> Result<CompiledPattern, ParseError> {
    CompiledPattern::new(crate::parse(text)?)
}

impl CompiledPattern {
    /// Compiles a parsed pattern. Fails only for trees the parser would not build (e.g. an
    /// invalid regex in a hand-made tree); the error's span is then empty.
    pub fn new(pattern: Pattern) -> Result<Self, ParseError> {
        let mut selectors = Vec::new();
        let program = match &pattern {
            Pattern::MatchAll => Program::All,
            Pattern::Terms(terms) => Program::Terms(compile_terms(terms)),
            Pattern::Regex(regex) => Program::Regex(compile_regex(regex)?),
            Pattern::Json(expr) => Program::Json(compile_json(expr, &mut selectors)?),
            Pattern::Delimited(d) => Program::Delimited(compile_delimited(d)?),
        };
        let mut trie = Trie::new();
        let nodes = place_selectors(&selectors, &mut trie);
        Ok(CompiledPattern {
            pattern,
            program,
            selectors,
            trie,
            nodes,
        })
    }

    /// The pattern this was compiled from.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }
}

/// Inserts `selectors` into `trie`.
pub(crate) fn place_selectors(selectors: &[Selector], trie: &mut Trie) -> Vec<SelectorNodes> {
    selectors
        .iter()
        .map(|s| {
            let path = trie.insert(&s.steps);
            let base = s.steps.iter().position(|s| *s == Step::Wildcard).map(|w| {
                if w == 0 {
                    0
                } else {
                    path[w - 1]
                }
            });
            SelectorNodes {
                node: *path.last().expect("selectors are never empty"),
                base,
            }
        })
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) enum Program {
    All,
    Terms(CTerms),
    Regex(Regex),
    Json(CExpr),
    Delimited(CDelimited),
}

#[derive(Debug, Clone)]
pub(crate) struct CTerms {
    pub required: Vec<Finder<'static>>,
    pub excluded: Vec<Finder<'static>>,
    /// Empty when the pattern has other terms (the `?`-ignored rule, spec §3.2).
    pub optional: Vec<Finder<'static>>,
}

#[derive(Debug, Clone)]
pub(crate) enum CExpr {
    Or(Vec<CExpr>),
    And(Vec<CExpr>),
    Cond {
        selector: usize,
        test: CTest,
    },
    /// `selector = t1 || selector = t2 || ...` with plain texts: one set lookup.
    AnyOf {
        selector: usize,
        set: TextSet,
    },
    /// An [`CExpr::AnyOf`] that a [`crate::PatternSet`] answers once per event for all its
    /// patterns with one shared lookup: bit `n` of the set's per-event atoms.
    Atom(u32),
}

/// A small set of texts with a quick length pre-check (most event names miss on length).
#[derive(Debug, Clone)]
pub(crate) struct TextSet {
    /// Deduplicated.
    texts: Vec<Box<[u8]>>,
    /// Bit `min(len, 63)` set for each text length.
    lengths: u64,
}

impl TextSet {
    fn new(texts: Vec<Box<[u8]>>) -> Self {
        let lengths = texts.iter().fold(0, |m, t| m | 1u64 << t.len().min(63));
        TextSet { texts, lengths }
    }

    /// The texts, deduplicated.
    pub(crate) fn texts(&self) -> &[Box<[u8]>] {
        &self.texts
    }

    /// Whether `text` is in the set.
    #[inline]
    pub(crate) fn contains(&self, text: &[u8]) -> bool {
        self.lengths & (1u64 << text.len().min(63)) != 0
            && self.texts.iter().any(|t| crate::json::bytes_eq(t, text))
    }
}

/// Merges the `$.x = "A" || $.x = "B" || ...` alternatives of an `||` (same selector without
/// wildcard, plain text values) into one [`CExpr::AnyOf`] set lookup; `||` has no side effects,
/// so regrouping its operands keeps the meaning.
fn group_alternatives(items: Vec<CExpr>, selectors: &[Selector]) -> CExpr {
    let mut groups: Vec<(usize, Vec<Box<[u8]>>)> = Vec::new();
    let mut rest = Vec::new();
    for item in items {
        match item {
            CExpr::Cond {
                selector,
                test: CTest::Eq(CValue::Text(text)),
            } if !selectors[selector].steps.contains(&Step::Wildcard) => {
                let bytes = text.into_bytes().into_boxed_slice();
                match groups.iter_mut().find(|(s, _)| *s == selector) {
                    Some((_, set)) => set.push(bytes),
                    None => groups.push((selector, vec![bytes])),
                }
            }
            other => rest.push(other),
        }
    }
    for (selector, mut texts) in groups {
        texts.sort();
        texts.dedup();
        rest.push(if texts.len() == 1 {
            let text = texts.into_iter().next().expect("one text");
            CExpr::Cond {
                selector,
                test: CTest::Eq(CValue::Text(
                    String::from_utf8(text.into_vec()).expect("came from a String"),
                )),
            }
        } else {
            CExpr::AnyOf {
                selector,
                set: TextSet::new(texts),
            }
        });
    }
    if rest.len() == 1 {
        rest.pop().expect("one item")
    } else {
        CExpr::Or(rest)
    }
}

#[derive(Debug, Clone)]
pub(crate) enum CTest {
    Eq(CValue),
    Ne(CValue),
    Order(CompareOp, Option<Decimal>),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

/// A comparison value, prepared.
#[derive(Debug, Clone)]
pub(crate) enum CValue {
    /// A bare number literal: text as written, and its exact value (`None` if out of range).
    Number(String, Option<Decimal>),
    /// A string without `*`.
    Text(String),
    /// A string with `*`, split at the stars.
    Glob(Vec<String>),
    /// A regex (unanchored search).
    Regex(Regex),
}

#[derive(Debug, Clone)]
pub(crate) struct CDelimited {
    pub slots: Vec<Option<CField>>,
    pub names: Vec<String>,
    pub ellipsis: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum CField {
    Or(Vec<CField>),
    And(Vec<CField>),
    Eq(CValue),
    Ne(CValue),
    Order(CompareOp, Option<Decimal>),
}

fn finder(text: &str) -> Finder<'static> {
    Finder::new(text.as_bytes()).into_owned()
}

fn compile_terms(terms: &TermPattern) -> CTerms {
    let of = |kind| {
        terms
            .terms
            .iter()
            .filter(move |t| t.kind == kind)
            .map(|t| finder(&t.text))
            .collect::<Vec<_>>()
    };
    let required = of(TermKind::Required);
    let excluded = of(TermKind::Excluded);
    let optional = if required.is_empty() && excluded.is_empty() {
        of(TermKind::Optional)
    } else {
        Vec::new()
    };
    CTerms {
        required,
        excluded,
        optional,
    }
}

fn compile_regex(regex: &RegexLit) -> Result<Regex, ParseError> {
    dialect::compile(&regex.source, 0..0)
}

fn compile_value(value: &JsonValue) -> Result<CValue, ParseError> {
    Ok(match value {
        JsonValue::Number(n) => CValue::Number(n.clone(), Decimal::parse(n)),
        JsonValue::String(s) if s.contains('*') => {
            CValue::Glob(s.split('*').map(str::to_string).collect())
        }
        JsonValue::String(s) => CValue::Text(s.clone()),
        JsonValue::Regex(r) => CValue::Regex(compile_regex(r)?),
    })
}

fn compile_compare(op: CompareOp, value: &JsonValue) -> Result<CTest, ParseError> {
    Ok(match op {
        CompareOp::Eq => CTest::Eq(compile_value(value)?),
        CompareOp::Ne => CTest::Ne(compile_value(value)?),
        order => match value {
            JsonValue::Number(n) => CTest::Order(order, Decimal::parse(n)),
            _ => return Err(ParseError::invalid(0..0)),
        },
    })
}

fn compile_json(expr: &JsonExpr, selectors: &mut Vec<Selector>) -> Result<CExpr, ParseError> {
    Ok(match expr {
        JsonExpr::Or(items) => {
            let compiled: Vec<CExpr> = items
                .iter()
                .map(|e| compile_json(e, selectors))
                .collect::<Result<_, _>>()?;
            group_alternatives(compiled, selectors)
        }
        JsonExpr::And(items) => CExpr::And(
            items
                .iter()
                .map(|e| compile_json(e, selectors))
                .collect::<Result<_, _>>()?,
        ),
        JsonExpr::Condition(c) => {
            let selector = match selectors.iter().position(|s| *s == c.selector) {
                Some(i) => i,
                None => {
                    selectors.push(c.selector.clone());
                    selectors.len() - 1
                }
            };
            let test = match &c.test {
                Test::Compare(op, value) => compile_compare(*op, value)?,
                Test::IsNull => CTest::IsNull,
                Test::IsTrue => CTest::IsTrue,
                Test::IsFalse => CTest::IsFalse,
                Test::NotExists => CTest::NotExists,
            };
            CExpr::Cond { selector, test }
        }
    })
}

fn compile_field(expr: &FieldExpr) -> Result<CField, ParseError> {
    Ok(match expr {
        FieldExpr::Or(items) => {
            CField::Or(items.iter().map(compile_field).collect::<Result<_, _>>()?)
        }
        FieldExpr::And(items) => {
            CField::And(items.iter().map(compile_field).collect::<Result<_, _>>()?)
        }
        FieldExpr::Compare(op, value) => match compile_compare(*op, value)? {
            CTest::Eq(v) => CField::Eq(v),
            CTest::Ne(v) => CField::Ne(v),
            CTest::Order(op, d) => CField::Order(op, d),
            _ => unreachable!("compile_compare builds comparisons only"),
        },
    })
}

fn compile_delimited(d: &DelimitedPattern) -> Result<CDelimited, ParseError> {
    let mut slots = Vec::new();
    let mut names = Vec::new();
    let mut ellipsis = None;
    for (i, slot) in d.slots.iter().enumerate() {
        match slot {
            Slot::Ellipsis => {
                ellipsis = Some(i);
                slots.push(None);
                names.push(String::new());
            }
            Slot::Field { name, condition } => {
                slots.push(condition.as_ref().map(compile_field).transpose()?);
                names.push(name.clone());
            }
        }
    }
    Ok(CDelimited {
        slots,
        names,
        ellipsis,
    })
}
