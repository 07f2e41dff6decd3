//! Stage 2: build an [`ast::Pattern`](crate::ast::Pattern) from pattern text, rejecting what
//! the service rejects (spec §2–§7, §11, §13).

use crate::ast::*;
use crate::dialect;
use crate::error::ParseError;
use crate::lex::{lex_structured, lex_terms, Tok};
use crate::number::{is_number_literal, Decimal};
use std::ops::Range;

/// The longest pattern the service accepts, in characters (spec §11).
pub const MAX_PATTERN_CHARS: usize = 1024;
/// Most regexes one pattern may contain (spec §11).
pub const MAX_REGEXES: usize = 2;
/// Most wildcard selectors one JSON pattern may contain (spec §11).
pub const MAX_WILDCARD_SELECTORS: usize = 3;

/// Parses a filter pattern.
///
/// The form is chosen by the first non-blank character (spec §2): `{` JSON, `[` space-delimited,
/// `%` regex, anything else terms; the empty or blank pattern matches everything.
pub fn parse(text: &str) -> Result<Pattern, ParseError> {
    if let Some((cut, _)) = text.char_indices().nth(MAX_PATTERN_CHARS) {
        return Err(ParseError::new(
            cut..text.len(),
            "Member must have length less than or equal to 1024",
        ));
    }
    let start = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let end = start + trimmed.len();
    if trimmed.is_empty() {
        return Ok(Pattern::MatchAll);
    }
    match trimmed.as_bytes()[0] {
        b'{' => {
            if !trimmed.ends_with('}') || trimmed.len() < 2 {
                return Err(ParseError::new(
                    end - last_char_len(trimmed)..end,
                    "If a filter pattern starts with '{' it must end with '}'",
                ));
            }
            let inner = &text[start + 1..end - 1];
            let tokens = lex_structured(inner, start + 1)?;
            let mut p = Parser::new(tokens, end - 1..end);
            let expr = p.or_expr()?;
            p.finish()?;
            check_regex_count(p.regexes)?;
            let wildcards = count_wildcard_selectors(&expr);
            if wildcards > MAX_WILDCARD_SELECTORS {
                return Err(ParseError::new(
                    start..end,
                    format!("Your filter pattern exceeds the maximum of {MAX_WILDCARD_SELECTORS} wildcard selectors allowed per filter pattern."),
                ));
            }
            Ok(Pattern::Json(expr))
        }
        b'[' => {
            if !trimmed.ends_with(']') || trimmed.len() < 2 {
                return Err(ParseError::invalid(end - last_char_len(trimmed)..end));
            }
            let inner = &text[start + 1..end - 1];
            let tokens = lex_structured(inner, start + 1)?;
            let mut p = Parser::new(tokens, end - 1..end);
            let pattern = p.delimited()?;
            check_regex_count(p.regexes)?;
            Ok(Pattern::Delimited(pattern))
        }
        b'%' => {
            if trimmed.len() < 2 || !trimmed.ends_with('%') {
                return Err(ParseError::new(
                    end - last_char_len(trimmed)..end,
                    "If a filter pattern starts with '%' it must end with '%'",
                ));
            }
            let source = &trimmed[1..trimmed.len() - 1];
            dialect::compile(source, start..end)?;
            Ok(Pattern::Regex(RegexLit {
                source: source.to_string(),
            }))
        }
        _ => {
            let tokens = lex_terms(trimmed, start)?;
            Ok(Pattern::Terms(TermPattern {
                terms: tokens
                    .into_iter()
                    .map(|t| Term {
                        kind: t.kind,
                        text: t.text,
                    })
                    .collect(),
            }))
        }
    }
}

fn last_char_len(text: &str) -> usize {
    text.chars().next_back().map_or(0, char::len_utf8)
}

fn check_regex_count(regexes: Vec<Range<usize>>) -> Result<(), ParseError> {
    match regexes.get(MAX_REGEXES) {
        Some(span) => Err(ParseError::new(
            span.clone(),
            format!("Your input has exceeded the maximum of {MAX_REGEXES} regular expressions per filter pattern."),
        )),
        None => Ok(()),
    }
}

fn count_wildcard_selectors(expr: &JsonExpr) -> usize {
    match expr {
        JsonExpr::Or(items) | JsonExpr::And(items) => {
            items.iter().map(count_wildcard_selectors).sum()
        }
        JsonExpr::Condition(c) => usize::from(c.selector.steps.contains(&Step::Wildcard)),
    }
}

struct Parser {
    tokens: Vec<(Tok, Range<usize>)>,
    pos: usize,
    /// Where the closing `}`/`]` is, for "unexpected end" errors.
    end: Range<usize>,
    /// Spans of the regexes seen, for the per-pattern quota.
    regexes: Vec<Range<usize>>,
}

impl Parser {
    fn new(tokens: Vec<(Tok, Range<usize>)>, end: Range<usize>) -> Self {
        Parser {
            tokens,
            pos: 0,
            end,
            regexes: Vec::new(),
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn span(&self) -> Range<usize> {
        self.tokens
            .get(self.pos)
            .map_or_else(|| self.end.clone(), |(_, s)| s.clone())
    }

    fn next(&mut self) -> Option<(Tok, Range<usize>)> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// An error at the current token: `Invalid character(s) in term 'NOT'` style for words,
    /// the catch-all otherwise.
    fn unexpected(&self) -> ParseError {
        match self.tokens.get(self.pos) {
            Some((Tok::Word(w), span)) => ParseError::invalid_term(span.clone(), w),
            _ => ParseError::invalid(self.span()),
        }
    }

    fn finish(&self) -> Result<(), ParseError> {
        if self.pos < self.tokens.len() {
            return Err(self.unexpected());
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<JsonExpr, ParseError> {
        let mut items = vec![self.and_expr()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and_expr()?);
        }
        Ok(flatten(items, true))
    }

    fn and_expr(&mut self) -> Result<JsonExpr, ParseError> {
        let mut items = vec![self.unary()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.unary()?);
        }
        Ok(flatten(items, false))
    }

    fn unary(&mut self) -> Result<JsonExpr, ParseError> {
        match self.peek() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let inner = self.or_expr()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.unexpected());
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::Selector(_)) => {
                let Some((Tok::Selector(selector), _)) = self.next() else {
                    unreachable!("peeked a selector")
                };
                let test = self.json_test()?;
                Ok(JsonExpr::Condition(Condition { selector, test }))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn json_test(&mut self) -> Result<Test, ParseError> {
        if self.keyword("IS") {
            if self.keyword("NULL") {
                return Ok(Test::IsNull);
            }
            if self.keyword("TRUE") {
                return Ok(Test::IsTrue);
            }
            if self.keyword("FALSE") {
                return Ok(Test::IsFalse);
            }
            return Err(self.unexpected());
        }
        if self.keyword("NOT") {
            if self.keyword("EXISTS") {
                return Ok(Test::NotExists);
            }
            return Err(self.unexpected());
        }
        let Some(Tok::Op(op)) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        self.pos += 1;
        let value = self.value(op)?;
        Ok(Test::Compare(op, value))
    }

    /// A comparison's right-hand side. Bare words that read as numbers are numbers; `null` is
    /// rejected (spec §5.1); ordering operators take only numbers.
    fn value(&mut self, op: CompareOp) -> Result<JsonValue, ParseError> {
        let ordering = !matches!(op, CompareOp::Eq | CompareOp::Ne);
        let span = self.span();
        let value = match self.next() {
            Some((Tok::Str(s), _)) => JsonValue::String(s),
            Some((Tok::Word(w), _)) if is_number_literal(&w) => {
                if Decimal::parse(&w).is_none() && exponent_overflows(&w) {
                    return Err(ParseError::invalid(span));
                }
                JsonValue::Number(w)
            }
            Some((Tok::Word(w), _)) => {
                if w.eq_ignore_ascii_case("null") || w.contains('+') {
                    return Err(ParseError::invalid(span));
                }
                JsonValue::String(w)
            }
            Some((Tok::Regex(source), _)) => {
                dialect::compile(&source, span.clone())?;
                self.regexes.push(span.clone());
                JsonValue::Regex(RegexLit { source })
            }
            _ => {
                self.pos -= 1;
                return Err(self.unexpected());
            }
        };
        if ordering && !matches!(value, JsonValue::Number(_)) {
            return Err(ParseError::invalid(span));
        }
        Ok(value)
    }

    fn delimited(&mut self) -> Result<DelimitedPattern, ParseError> {
        let mut slots: Vec<Slot> = Vec::new();
        if self.peek().is_none() {
            return Ok(DelimitedPattern { slots });
        }
        loop {
            let span = self.span();
            let slot = match self.next() {
                Some((Tok::Ellipsis, _)) => {
                    if slots.contains(&Slot::Ellipsis) {
                        return Err(ParseError::new(span, "Duplicate field '...'"));
                    }
                    Slot::Ellipsis
                }
                Some((Tok::Word(name), _)) => {
                    if !is_field_name(&name) {
                        return Err(ParseError::invalid_term(span, &name));
                    }
                    if slots
                        .iter()
                        .any(|s| matches!(s, Slot::Field { name: n, .. } if *n == name))
                    {
                        return Err(ParseError::new(span, format!("Duplicate field '{name}'")));
                    }
                    let condition = if matches!(self.peek(), Some(Tok::Op(_))) {
                        self.pos -= 1;
                        Some(self.field_or(&name)?)
                    } else {
                        None
                    };
                    Slot::Field { name, condition }
                }
                _ => {
                    self.pos -= 1;
                    return Err(self.unexpected());
                }
            };
            slots.push(slot);
            match self.next() {
                None => return Ok(DelimitedPattern { slots }),
                Some((Tok::Comma, _)) => continue,
                Some(_) => {
                    self.pos -= 1;
                    return Err(self.unexpected());
                }
            }
        }
    }

    fn field_or(&mut self, name: &str) -> Result<FieldExpr, ParseError> {
        let mut items = vec![self.field_and(name)?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.field_and(name)?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            FieldExpr::Or(items)
        })
    }

    fn field_and(&mut self, name: &str) -> Result<FieldExpr, ParseError> {
        let mut items = vec![self.field_compare(name)?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.field_compare(name)?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            FieldExpr::And(items)
        })
    }

    fn field_compare(&mut self, name: &str) -> Result<FieldExpr, ParseError> {
        let span = self.span();
        match self.next() {
            Some((Tok::Word(other), _)) if other == name => {}
            Some((Tok::Word(other), _)) if is_field_name(&other) => {
                return Err(ParseError::new(
                    span,
                    format!(
                        "Multiple variables used in a single filter. Var1 : {name}, Var2 : {other}"
                    ),
                ))
            }
            _ => {
                self.pos -= 1;
                return Err(self.unexpected());
            }
        }
        let Some(Tok::Op(op)) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        self.pos += 1;
        let value = self.value(op)?;
        Ok(FieldExpr::Compare(op, value))
    }
}

/// Field names: a letter then letters, digits or `_` (spec §6.1; `1a` is rejected).
fn is_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn exponent_overflows(number: &str) -> bool {
    number
        .split_once(['e', 'E'])
        .is_some_and(|(_, exp)| exp.parse::<i32>().is_err())
}

/// Builds an `Or`/`And` node, merging children of the same kind (parentheses are not recorded,
/// so `(a || b) || c` and `a || b || c` build the same tree).
fn flatten(items: Vec<JsonExpr>, or: bool) -> JsonExpr {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            JsonExpr::Or(inner) if or => out.extend(inner),
            JsonExpr::And(inner) if !or => out.extend(inner),
            other => out.push(other),
        }
    }
    if out.len() == 1 {
        return out.pop().expect("one item");
    }
    if or {
        JsonExpr::Or(out)
    } else {
        JsonExpr::And(out)
    }
}
