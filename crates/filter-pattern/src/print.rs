//! Stage 3: the canonical printer. `parse(&p.to_string()) == p` for every pattern the parser
//! builds.
//!
//! Canonical form: strings always double-quoted, numbers as written, regexes as `%...%`,
//! single spaces around operators, `&&` groups inside `||` always parenthesised (precedence made
//! explicit), `||` groups inside `&&` parenthesised (required), terms always quoted, JSON
//! patterns as `{ ... }`, delimited as `[a, b = "x", ...]`. Selector keys that are plain names
//! print as `.name`, others as `.['key']`; a wildcard prints as `.*` right after `$` and as
//! `[*]` elsewhere.

use crate::ast::*;
use std::fmt::{self, Display, Formatter, Write};

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::MatchAll => Ok(()),
            Pattern::Terms(terms) => {
                for (i, term) in terms.terms.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    match term.kind {
                        TermKind::Required => {}
                        TermKind::Optional => f.write_char('?')?,
                        TermKind::Excluded => f.write_char('-')?,
                    }
                    write!(f, "\"{}\"", term.text)?;
                }
                Ok(())
            }
            Pattern::Regex(regex) => write!(f, "{regex}"),
            Pattern::Json(expr) => write!(f, "{{ {expr} }}"),
            Pattern::Delimited(delimited) => {
                f.write_char('[')?;
                for (i, slot) in delimited.slots.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match slot {
                        Slot::Ellipsis => f.write_str("...")?,
                        Slot::Field {
                            name,
                            condition: None,
                        } => f.write_str(name)?,
                        Slot::Field {
                            name,
                            condition: Some(condition),
                        } => write_field_expr(f, name, condition)?,
                    }
                }
                f.write_char(']')
            }
        }
    }
}

/// Delimited conditions have no parentheses: an `And` inside an `Or` relies on precedence, and
/// an `Or` inside an `And` cannot be written (the parser never builds one).
fn write_field_expr(f: &mut Formatter<'_>, name: &str, expr: &FieldExpr) -> fmt::Result {
    let (items, sep) = match expr {
        FieldExpr::Compare(op, value) => return write!(f, "{name} {op} {value}"),
        FieldExpr::Or(items) => (items, " || "),
        FieldExpr::And(items) => (items, " && "),
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_field_expr(f, name, item)?;
    }
    Ok(())
}

impl Display for RegexLit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

impl Display for JsonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (items, sep) = match self {
            JsonExpr::Condition(condition) => return write!(f, "{condition}"),
            JsonExpr::Or(items) => (items, " || "),
            JsonExpr::And(items) => (items, " && "),
        };
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            match item {
                JsonExpr::Condition(_) => write!(f, "{item}")?,
                _ => write!(f, "({item})")?,
            }
        }
        Ok(())
    }
}

impl Display for Condition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.selector, self.test)
    }
}

impl Display for Test {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Test::Compare(op, value) => write!(f, "{op} {value}"),
            Test::IsNull => f.write_str("IS NULL"),
            Test::IsTrue => f.write_str("IS TRUE"),
            Test::IsFalse => f.write_str("IS FALSE"),
            Test::NotExists => f.write_str("NOT EXISTS"),
        }
    }
}

impl Display for Selector {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('$')?;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                Step::Key(key)
                    if !key.is_empty()
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
                {
                    write!(f, ".{key}")?
                }
                Step::Key(key) => write!(f, ".['{key}']")?,
                Step::Index(index) => write!(f, "[{index}]")?,
                Step::Wildcard if i == 0 => f.write_str(".*")?,
                Step::Wildcard => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Gt => ">",
            CompareOp::Le => "<=",
            CompareOp::Ge => ">=",
        })
    }
}

impl Display for JsonValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            JsonValue::Number(n) => f.write_str(n),
            JsonValue::String(s) => write!(f, "\"{s}\""),
            JsonValue::Regex(r) => write!(f, "{r}"),
        }
    }
}
