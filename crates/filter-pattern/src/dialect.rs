//! AWS's restricted regular-expression dialect (spec §7), translated to the `regex` crate's
//! syntax so matching runs on a linear-time engine (no backtracking blow-ups).
//!
//! Accepted: ASCII letters and digits, `_ # = @ / ; , - :`, and the operators
//! `^ $ ? [ ] { } | \ * + .`. Parentheses (even escaped), spaces, other punctuation and
//! non-ASCII characters are rejected like the service does. Escapes: `\d \D \w \W \s \S`
//! (ASCII classes; `\s` is tab, space and newline per the docs), `\xhh` (exactly two hex digits,
//! a byte), `\b \B` (word boundaries), `\n \t \r`, and `\` before any allowed punctuation
//! (a literal). Any other escape (`\p`, `\1`, …) fails to compile, as observed for `\p`.
//! Matching is byte-oriented and ASCII-only: `.` matches any byte except `\n` (so a multi-byte
//! character counts as several `.`; the docs say multi-byte characters are unsupported).

use crate::error::ParseError;
use regex::bytes::{Regex, RegexBuilder};
use std::ops::Range;

/// The service's message for a regex that does not compile.
pub(crate) const FAILED_TO_COMPILE: &str = "Failed to compile regular expression.";

/// Translates and compiles the regex `source` (the text between the `%`s). `span` is where the
/// whole `%...%` sits in the pattern, for errors.
pub(crate) fn compile(source: &str, span: Range<usize>) -> Result<Regex, ParseError> {
    let translated = translate(source, span.clone())?;
    RegexBuilder::new(&translated)
        .unicode(false)
        .size_limit(1 << 22)
        .dfa_size_limit(1 << 22)
        .build()
        .map_err(|_| ParseError::new(span, FAILED_TO_COMPILE))
}

fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_#=@/;,-:^$?[]{}|\\*+.".contains(c)
}

fn translate(source: &str, span: Range<usize>) -> Result<String, ParseError> {
    if source.is_empty() {
        return Err(ParseError::invalid_term(span, "%%"));
    }
    // Offset of the regex body in the pattern (just after the opening `%`).
    let body = span.start + 1;
    for (i, c) in source.char_indices() {
        if c == ' ' {
            return Err(ParseError::invalid_term(body + i..body + i + 1, " "));
        }
        if !is_allowed(c) {
            let term = format!("%{}", &source[..i + c.len_utf8()]);
            return Err(ParseError::invalid_term(
                body + i..body + i + c.len_utf8(),
                &term,
            ));
        }
    }
    let fail = || ParseError::new(span.clone(), FAILED_TO_COMPILE);
    let b = source.as_bytes();
    let mut out = String::with_capacity(source.len() + 8);
    let mut i = 0;
    // Quantifier state outside classes: 0 none, 1 after a quantifier, 2 after a lazy `?`.
    // Java (the service) rejects stacked quantifiers (`a++` possessive, `a**`) but accepts the
    // lazy `a+?`; the `regex` crate would accept them all, so they are checked here.
    let mut quant = 0u8;
    // Class state: `None` outside `[...]`, else the offset just after `[` / `[^`.
    let mut class: Option<usize> = None;
    while i < b.len() {
        let c = b[i] as char;
        i += 1;
        if let Some(open) = class {
            if c == ']' && i - 1 != open {
                class = None;
                out.push(c);
                continue;
            }
        } else {
            match c {
                '*' | '+' => {
                    if quant != 0 {
                        return Err(fail());
                    }
                    quant = 1;
                    out.push(c);
                    continue;
                }
                '?' => {
                    quant = match quant {
                        0 => 1,
                        1 => 2,
                        _ => return Err(fail()),
                    };
                    out.push(c);
                    continue;
                }
                '{' => {
                    if quant != 0 {
                        return Err(fail());
                    }
                    let close = source[i..].find('}').ok_or_else(fail)?;
                    out.push_str(&source[i - 1..i + close + 1]);
                    i += close + 1;
                    quant = 1;
                    continue;
                }
                '[' => {
                    quant = 0;
                    class = Some(if b.get(i) == Some(&b'^') { i + 1 } else { i });
                    out.push('[');
                    if b.get(i) == Some(&b'^') {
                        out.push('^');
                        i += 1;
                    }
                    continue;
                }
                _ => quant = 0,
            }
        }
        match c {
            '\\' => {
                let Some(&e) = b.get(i) else {
                    return Err(fail());
                };
                i += 1;
                match e {
                    b'd' => out.push_str("[0-9]"),
                    b'D' => out.push_str("[^0-9]"),
                    b'w' => out.push_str("[0-9A-Za-z_]"),
                    b'W' => out.push_str("[^0-9A-Za-z_]"),
                    b's' => out.push_str("[\\t\\n ]"),
                    b'S' => out.push_str("[^\\t\\n ]"),
                    b'b' | b'B' | b'n' | b't' | b'r' => {
                        out.push('\\');
                        out.push(e as char);
                    }
                    b'x' => {
                        let hex = source.get(i..i + 2).ok_or_else(fail)?;
                        if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                            return Err(fail());
                        }
                        out.push_str("\\x");
                        out.push_str(hex);
                        i += 2;
                    }
                    e if e.is_ascii_punctuation() => {
                        out.push('\\');
                        out.push(e as char);
                    }
                    _ => return Err(fail()),
                }
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Regex {
        compile(src, 0..src.len() + 2).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    #[test]
    fn classes_are_ascii_and_dot_skips_newline() {
        assert!(ok("a.b").is_match(b"axb"));
        assert!(!ok("a.b").is_match(b"a\nb"));
        assert!(ok("a\\sb").is_match(b"a\nb"));
        assert!(ok("\\d{3}").is_match(b"x123"));
        assert!(ok("\\x28").is_match(b"f(x)"));
        assert!(ok("[^\\s]x").is_match(b"ax"));
    }

    #[test]
    fn rejections_follow_the_service() {
        let err = |s: &str| compile(s, 0..s.len() + 2).unwrap_err().message;
        assert_eq!(err("(ab)+"), "Invalid character(s) in term '%('");
        assert_eq!(err("!"), "Invalid character(s) in term '%!'");
        assert_eq!(err("café"), "Invalid character(s) in term '%café'");
        assert_eq!(err("a b"), "Invalid character(s) in term ' '");
        assert_eq!(err("\\p"), FAILED_TO_COMPILE);
        assert_eq!(err("[z-a]"), FAILED_TO_COMPILE);
        assert_eq!(err("a++"), FAILED_TO_COMPILE);
        assert_eq!(err(""), "Invalid character(s) in term '%%'");
        assert_eq!(err("a**"), FAILED_TO_COMPILE);
        assert_eq!(err("a{2}+"), FAILED_TO_COMPILE);
        ok("a+?");
        ok("[+*?]{1,2}?");
    }
}
