//! Stage 1: turn pattern text into tokens.
//!
//! Term patterns have their own tiny lexer ([`lex_terms`]) because their words follow different
//! character rules (`a-b` is two terms there). JSON and space-delimited patterns share
//! [`lex_structured`], which also lexes whole `$.a.b[0]` selectors into [`Selector`]s.

use crate::ast::{CompareOp, Selector, Step, TermKind};
use crate::error::ParseError;
use std::ops::Range;

/// One term of a term pattern, with its span in the pattern text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TermToken {
    pub kind: TermKind,
    pub text: String,
    pub span: Range<usize>,
}

/// Characters allowed in a bare term: ASCII letters and digits, `_`, `.`, and non-ASCII
/// letters/digits (spec §3.1, observed). Everything else needs quotes.
fn is_term_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || (!c.is_ascii() && c.is_alphanumeric())
}

/// Lexes a term pattern. `-` or `?` inside a bare word starts a new term (`a-b` ≡ `a -b`).
pub(crate) fn lex_terms(text: &str, base: usize) -> Result<Vec<TermToken>, ParseError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().expect("in bounds");
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let kind = match c {
            '?' => TermKind::Optional,
            '-' => TermKind::Excluded,
            _ => TermKind::Required,
        };
        if kind != TermKind::Required {
            i += 1;
        }
        match text[i..].chars().next() {
            Some('"') => {
                let Some(close) = text[i + 1..].find('"') else {
                    return Err(ParseError::invalid_term(
                        base + i..base + text.len(),
                        &text[i..],
                    ));
                };
                let end = i + 1 + close + 1;
                if close == 0 {
                    return Err(ParseError::invalid_term(base + i..base + end, "\"\""));
                }
                if let Some(next) = text[end..].chars().next() {
                    if !next.is_whitespace() {
                        return Err(ParseError::invalid(
                            base + start..base + end + next.len_utf8(),
                        ));
                    }
                }
                out.push(TermToken {
                    kind,
                    text: text[i + 1..end - 1].to_string(),
                    span: base + start..base + end,
                });
                i = end;
            }
            Some(c) if is_term_char(c) => {
                let word_start = i;
                while let Some(c) = text[i..].chars().next() {
                    if is_term_char(c) {
                        i += c.len_utf8();
                    } else {
                        break;
                    }
                }
                if let Some(next) = text[i..].chars().next() {
                    if !(next.is_whitespace() || next == '-' || next == '?') {
                        return Err(ParseError::invalid_term(
                            base + i..base + i + next.len_utf8(),
                            &next.to_string(),
                        ));
                    }
                }
                out.push(TermToken {
                    kind,
                    text: text[word_start..i].to_string(),
                    span: base + start..base + i,
                });
            }
            Some(other) if kind != TermKind::Required && (other.is_whitespace()) => {
                return Err(ParseError::invalid(base + start..base + i));
            }
            Some(other) => {
                let len = other.len_utf8();
                return Err(ParseError::invalid_term(
                    base + i..base + i + len,
                    &other.to_string(),
                ));
            }
            None => return Err(ParseError::invalid(base + start..base + i)),
        }
    }
    Ok(out)
}

/// A token of a JSON or space-delimited pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `...`
    Ellipsis,
    /// `&&`
    And,
    /// `||`
    Or,
    /// A comparison operator.
    Op(CompareOp),
    /// A double-quoted string, without the quotes (no escape mechanism: see [`lex_structured`]).
    Str(String),
    /// A regex `%...%`, without the `%`s (validated later).
    Regex(String),
    /// A bare word: a number, an unquoted string, a keyword or a field name.
    Word(String),
    /// A whole property selector `$.a.b[0]`.
    Selector(Selector),
}

/// Characters allowed in a bare JSON/delimited value or name: letters, digits, `_`, `.`, `*`
/// (wildcard), `-` and `+` (signs, and `-` inside values such as `us-east-1`, which the spec
/// leaves silent (§14.7): we accept it).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '_' | '.' | '*' | '-' | '+')
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// Characters of a selector property name (spec §5.1: alphanumerics, `-`, `_`).
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The wildcard-per-selector quota message (spec §11, §13).
pub(crate) const WILDCARD_PER_SELECTOR: &str = "Your filter pattern has a JSON path selector that exceeds the maximum of 1 wildcard allowed per json selector.";

/// Lexes the inside of a JSON (`{...}`) or delimited (`[...]`) pattern; `base` is the byte offset
/// of `text` in the whole pattern, so spans point into the original text.
///
/// Quoted strings have no escape mechanism (spec §14.4 is silent): a string ends at the next
/// `"` and a backslash is an ordinary character. Regexes end at the next `%`.
pub(crate) fn lex_structured(
    text: &str,
    base: usize,
) -> Result<Vec<(Tok, Range<usize>)>, ParseError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |s: usize, e: usize| base + s..base + e;
    while i < b.len() {
        let c = text[i..].chars().next().expect("in bounds");
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let next = b.get(i + 1).copied();
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '.' if text[i..].starts_with("...") => {
                i += 3;
                Tok::Ellipsis
            }
            '&' if next == Some(b'&') => {
                i += 2;
                Tok::And
            }
            '|' if next == Some(b'|') => {
                i += 2;
                Tok::Or
            }
            '=' if next == Some(b'=') => return Err(ParseError::invalid(at(i, i + 2))),
            '=' => {
                i += 1;
                Tok::Op(CompareOp::Eq)
            }
            '!' if next == Some(b'=') => {
                i += 2;
                Tok::Op(CompareOp::Ne)
            }
            '<' | '>' => {
                let or_equal = next == Some(b'=');
                i += if or_equal { 2 } else { 1 };
                Tok::Op(match (c, or_equal) {
                    ('<', false) => CompareOp::Lt,
                    ('<', true) => CompareOp::Le,
                    ('>', false) => CompareOp::Gt,
                    _ => CompareOp::Ge,
                })
            }
            '"' => {
                let Some(close) = text[i + 1..].find('"') else {
                    return Err(ParseError::invalid_term(at(i, b.len()), &text[i..]));
                };
                let s = text[i + 1..i + 1 + close].to_string();
                i += close + 2;
                Tok::Str(s)
            }
            '%' => {
                let Some(close) = text[i + 1..].find('%') else {
                    return Err(ParseError::invalid(at(i, b.len())));
                };
                let s = text[i + 1..i + 1 + close].to_string();
                i += close + 2;
                Tok::Regex(s)
            }
            '$' => {
                let (selector, end) = lex_selector(text, i, base)?;
                i = end;
                Tok::Selector(selector)
            }
            c if is_word_char(c) => {
                while let Some(c) = text[i..].chars().next() {
                    if is_word_char(c) {
                        i += c.len_utf8();
                    } else {
                        break;
                    }
                }
                Tok::Word(text[start..i].to_string())
            }
            other => {
                return Err(ParseError::invalid_term(
                    at(i, i + other.len_utf8()),
                    &other.to_string(),
                ))
            }
        };
        out.push((tok, at(start, i)));
    }
    Ok(out)
}

/// Lexes a selector starting at the `$` at `start`; returns it and the end offset.
///
/// The `.['key']` form is accepted after any step, not only right after `$` (the spec is
/// silent on `$.a.['b.c']`); a key cannot contain `']` (no escape mechanism).
fn lex_selector(text: &str, start: usize, base: usize) -> Result<(Selector, usize), ParseError> {
    let b = text.as_bytes();
    let at = |s: usize, e: usize| base + s..base + e;
    let mut i = start + 1;
    let mut steps = Vec::new();
    if b.get(i) == Some(&b'[') {
        return Err(ParseError::invalid_term(at(start, i + 1), "$["));
    }
    loop {
        match b.get(i) {
            Some(b'.') => {
                i += 1;
                match b.get(i) {
                    Some(b'*') => {
                        i += 1;
                        steps.push(Step::Wildcard);
                    }
                    Some(b'[') => {
                        // `.['key.with.dots']`: single quotes only.
                        if b.get(i + 1) != Some(&b'\'') {
                            return Err(ParseError::invalid(at(i, i + 2)));
                        }
                        let key_start = i + 2;
                        let Some(close) = text[key_start..].find("']") else {
                            return Err(ParseError::invalid(at(i, b.len())));
                        };
                        steps.push(Step::Key(text[key_start..key_start + close].to_string()));
                        i = key_start + close + 2;
                    }
                    Some(&c) if is_name_char(c) => {
                        let name_start = i;
                        while b.get(i).is_some_and(|&c| is_name_char(c)) {
                            i += 1;
                        }
                        steps.push(Step::Key(text[name_start..i].to_string()));
                    }
                    _ => return Err(ParseError::invalid(at(start, i))),
                }
            }
            Some(b'[') => {
                if steps.is_empty() {
                    return Err(ParseError::invalid_term(at(start, i + 1), "$["));
                }
                let open = i;
                i += 1;
                if b.get(i) == Some(&b'*') && b.get(i + 1) == Some(&b']') {
                    i += 2;
                    steps.push(Step::Wildcard);
                    continue;
                }
                let digits_start = i;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                if i == digits_start || b.get(i) != Some(&b']') {
                    return Err(ParseError::invalid(at(open, (i + 1).min(b.len()))));
                }
                let index: u32 = text[digits_start..i]
                    .parse()
                    .map_err(|_| ParseError::invalid(at(open, i + 1)))?;
                i += 1;
                steps.push(Step::Index(index));
            }
            _ => break,
        }
    }
    if steps.is_empty() {
        return Err(ParseError::invalid(at(start, i)));
    }
    if steps.iter().filter(|s| matches!(s, Step::Wildcard)).count() > 1 {
        return Err(ParseError::new(at(start, i), WILDCARD_PER_SELECTOR));
    }
    Ok((Selector { steps }, i))
}
