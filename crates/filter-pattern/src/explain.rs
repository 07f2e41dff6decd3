//! A readable, indented explanation of what a pattern matches, for `trailwatch pattern check`.

use crate::ast::*;
use std::fmt::Write;

/// Explains `pattern` in plain words, one clause per line, precedence made explicit by
/// indentation.
pub fn explain(pattern: &Pattern) -> String {
    let mut out = String::new();
    match pattern {
        Pattern::MatchAll => out.push_str("matches every event (empty pattern)\n"),
        Pattern::Terms(t) => explain_terms(t, &mut out),
        Pattern::Regex(r) => {
            let _ = writeln!(
                out,
                "matches events whose text contains a match of the regex {r} (unanchored search, case-sensitive)"
            );
        }
        Pattern::Json(expr) => {
            out.push_str("matches events that are one JSON object where\n");
            explain_json(expr, 1, &mut out);
        }
        Pattern::Delimited(d) => explain_delimited(d, &mut out),
    }
    out
}

fn list(items: &[&Term]) -> String {
    items
        .iter()
        .map(|t| format!("\"{}\"", t.text))
        .collect::<Vec<_>>()
        .join(", ")
}

fn explain_terms(t: &TermPattern, out: &mut String) {
    let of = |kind| {
        t.terms
            .iter()
            .filter(|x| x.kind == kind)
            .collect::<Vec<_>>()
    };
    let (required, excluded, optional) = (
        of(TermKind::Required),
        of(TermKind::Excluded),
        of(TermKind::Optional),
    );
    out.push_str("matches events whose text (case-sensitive substring search)\n");
    if !required.is_empty() {
        let _ = writeln!(out, "  contains all of: {}", list(&required));
    }
    if !excluded.is_empty() {
        let _ = writeln!(out, "  contains none of: {}", list(&excluded));
    }
    if !optional.is_empty() {
        if required.is_empty() && excluded.is_empty() {
            let _ = writeln!(out, "  contains at least one of: {}", list(&optional));
        } else {
            let _ = writeln!(
                out,
                "  (the ?-terms {} are ignored: the pattern has other terms)",
                list(&optional)
            );
        }
    }
}

fn explain_json(expr: &JsonExpr, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match expr {
        JsonExpr::Or(items) | JsonExpr::And(items) => {
            let word = if matches!(expr, JsonExpr::Or(_)) {
                "ANY"
            } else {
                "ALL"
            };
            let _ = writeln!(out, "{pad}{word} of:");
            for item in items {
                explain_json(item, depth + 1, out);
            }
        }
        JsonExpr::Condition(c) => {
            let _ = writeln!(out, "{pad}{c}{}", condition_note(c));
        }
    }
}

fn condition_note(c: &Condition) -> String {
    let wildcard = c.selector.steps.contains(&Step::Wildcard);
    let note = match &c.test {
        Test::Compare(CompareOp::Ne, _) if wildcard => {
            "  (its base exists and no element equals the value)"
        }
        Test::Compare(CompareOp::Ne, _) => {
            "  (false when the field is absent, null, boolean, object or array)"
        }
        Test::Compare(CompareOp::Eq, JsonValue::String(s)) if s == "*" => {
            "  (any string or number)"
        }
        Test::Compare(CompareOp::Eq, JsonValue::String(s)) if s.contains('*') => {
            "  (* matches any text, case-sensitive)"
        }
        Test::Compare(CompareOp::Eq, JsonValue::Regex(_)) => "  (unanchored regex search)",
        Test::Compare(_, JsonValue::Number(_)) => "  (exact decimal comparison)",
        Test::NotExists => "  (the field is absent)",
        Test::IsNull => "  (the value is null)",
        _ => "",
    };
    note.to_string()
}

fn explain_delimited(d: &DelimitedPattern, out: &mut String) {
    if d.slots.is_empty() {
        out.push_str("matches every event (space-delimited, no fields)\n");
        return;
    }
    let has_ellipsis = d.slots.contains(&Slot::Ellipsis);
    let fields = d.slots.iter().filter(|s| **s != Slot::Ellipsis).count();
    let _ = writeln!(
        out,
        "matches space-delimited events with at least {fields} field(s){} where",
        if has_ellipsis {
            " (the ... covers any number of fields)"
        } else {
            " (the last slot takes the rest of the line)"
        }
    );
    for slot in &d.slots {
        match slot {
            Slot::Ellipsis => out.push_str("  ... any fields\n"),
            Slot::Field {
                name,
                condition: None,
            } => {
                let _ = writeln!(out, "  {name}: any value");
            }
            Slot::Field {
                name,
                condition: Some(_),
            } => {
                let shown = Pattern::Delimited(DelimitedPattern {
                    slots: vec![slot.clone()],
                })
                .to_string();
                let _ = writeln!(out, "  {name}: {}", &shown[1..shown.len() - 1]);
            }
        }
    }
}
