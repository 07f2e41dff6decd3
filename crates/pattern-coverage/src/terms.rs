//! Coverage involving term (unstructured) patterns.
//!
//! A term pattern is a condition on the raw message: each term either occurs (is a substring)
//! or not (spec §3.2). "Occurs" is the glob `*term*`, so term-versus-term coverage is decided
//! exactly by the string solver (a literal `*` in a term is solved as a placeholder character).

use crate::model::{Atoms, Conjunct, PathStep};
use crate::numbers::{OUT_OF_RANGE_CHARS, RENDERING_CHARS};
use crate::strings::{self, Solved};
use crate::{confirmed, json_conjuncts, solve, unknown, witness, Coverage};
use filter_pattern::ast::{CompareOp, JsonExpr, JsonValue, Pattern, TermKind, TermPattern, Test};
use serde_json::Value;

/// A term condition: the text and whether it must occur.
type TermLiteral<'a> = (&'a str, bool);

/// The DNF of a term pattern (`negate`: of its negation) over "occurs" literals.
fn term_dnf(pattern: &TermPattern, negate: bool) -> Vec<Vec<TermLiteral<'_>>> {
    let fixed: Vec<TermLiteral> = pattern
        .terms
        .iter()
        .filter(|t| t.kind != TermKind::Optional)
        .map(|t| (t.text.as_str(), t.kind == TermKind::Required))
        .collect();
    let optional: Vec<&str> = pattern
        .terms
        .iter()
        .filter(|t| t.kind == TermKind::Optional)
        .map(|t| t.text.as_str())
        .collect();
    match (fixed.is_empty(), negate) {
        // Optional terms are ignored when any other term is present (spec §3.2).
        (false, false) => vec![fixed],
        (false, true) => fixed
            .into_iter()
            .map(|(t, occurs)| vec![(t, !occurs)])
            .collect(),
        (true, false) => optional.into_iter().map(|t| vec![(t, true)]).collect(),
        (true, true) => vec![optional.into_iter().map(|t| (t, false)).collect()],
    }
}

/// Stands for a literal `*` of a term while solving (globs give `*` its wildcard meaning).
const STAR: char = '\u{E000}';

fn solve_message(literals: &[TermLiteral]) -> Solved<String> {
    let globs: Vec<(String, bool)> = literals
        .iter()
        .map(|(t, occurs)| (format!("*{}*", t.replace('*', &STAR.to_string())), *occurs))
        .collect();
    let positive: Vec<&str> = globs.iter().filter(|g| g.1).map(|g| g.0.as_str()).collect();
    let negative: Vec<&str> = globs
        .iter()
        .filter(|g| !g.1)
        .map(|g| g.0.as_str())
        .collect();
    strings::solve(&positive, &negative, &[]).map(|m| m.replace(STAR, "*"))
}

/// Whether a term uses the placeholder character itself (then the `*` mapping is ambiguous).
fn has_placeholder(pattern: &Pattern) -> bool {
    matches!(pattern, Pattern::Terms(t) if t.terms.iter().any(|term| term.text.contains(STAR)))
}

/// Term (or match-all) required pattern against a term candidate: exact over raw messages.
pub(crate) fn covers(required: &Pattern, candidate: &Pattern) -> Coverage {
    let Pattern::Terms(c) = candidate else {
        return unknown("candidate is not a term pattern");
    };
    if has_placeholder(required) || has_placeholder(candidate) {
        return unknown("a term contains the private-use character U+E000");
    }
    let required_dnf = match required {
        Pattern::Terms(r) => term_dnf(r, false),
        _ => vec![Vec::new()],
    };
    let negated = term_dnf(c, true);
    let mut undecided = false;
    for r in &required_dnf {
        for n in &negated {
            let literals: Vec<TermLiteral> = r.iter().chain(n).copied().collect();
            match solve_message(&literals) {
                Solved::Found(message) => {
                    if confirmed(required, candidate, &message) {
                        return Coverage::Misses {
                            witness: Value::String(message),
                        };
                    }
                    undecided = true;
                }
                Solved::Impossible => {}
                Solved::Undecided => undecided = true,
            }
        }
    }
    if undecided {
        unknown("a term constraint could not be decided or its witness was not confirmed")
    } else {
        Coverage::Covers
    }
}

/// A term required pattern against a JSON candidate: a matching raw message that is not a
/// JSON object is missed by every JSON pattern.
pub(crate) fn json_misses_terms(required: &Pattern, candidate: &Pattern) -> Coverage {
    let Pattern::Terms(r) = required else {
        return unknown("required is not a term pattern");
    };
    if has_placeholder(required) {
        return unknown("a term contains the private-use character U+E000");
    }
    for conjunct in term_dnf(r, false) {
        if let Solved::Found(message) = solve_message(&conjunct) {
            if confirmed(required, candidate, &message) {
                return Coverage::Misses {
                    witness: Value::String(message),
                };
            }
        }
    }
    unknown("no raw message matched by the term pattern and missed by the JSON pattern was found")
}

/// A JSON required pattern against a term candidate (see the crate docs for the textual rule
/// and its no-escape assumption).
pub(crate) fn terms_cover_json(
    expr: &JsonExpr,
    required: &Pattern,
    candidate: &Pattern,
) -> Coverage {
    let Pattern::Terms(c) = candidate else {
        return unknown("candidate is not a term pattern");
    };
    let (atoms, dnf) = match json_conjuncts(expr) {
        Ok(x) => x,
        Err(reason) => return unknown(reason),
    };
    let excluded: Vec<&str> = c
        .terms
        .iter()
        .filter(|t| t.kind == TermKind::Excluded)
        .map(|t| t.text.as_str())
        .collect();
    let required_terms: Vec<&str> = c
        .terms
        .iter()
        .filter(|t| t.kind == TermKind::Required)
        .map(|t| t.text.as_str())
        .collect();
    let optional: Vec<&str> = c
        .terms
        .iter()
        .filter(|t| t.kind == TermKind::Optional)
        .map(|t| t.text.as_str())
        .collect();
    let mut all_implied = true;
    for conjunct in &dnf {
        let Solved::Found(event) = solve::solve_conjunct(&atoms, conjunct) else {
            if !matches!(solve::solve_conjunct(&atoms, conjunct), Solved::Impossible) {
                all_implied = false;
            }
            continue;
        };
        let implied = |term: &str| term_implied(&atoms, conjunct, term);
        let ok = excluded.is_empty()
            && if required_terms.is_empty() {
                optional.iter().any(|t| implied(t))
            } else {
                required_terms.iter().all(|t| implied(t))
            };
        if ok {
            continue;
        }
        all_implied = false;
        let mut tries = vec![
            witness::dress(event.clone(), &atoms.paths),
            Value::Object(event.clone()),
        ];
        for term in &excluded {
            let mut with_term = event.clone();
            with_term.insert("trailwatchNote".into(), Value::from(*term));
            tries.push(Value::Object(with_term));
        }
        for attempt in tries {
            if confirmed(required, candidate, &attempt.to_string()) {
                return Coverage::Misses { witness: attempt };
            }
        }
    }
    if all_implied {
        Coverage::Covers
    } else {
        unknown("the term pattern's terms are not all implied by the JSON pattern's values, and no confirmed counterexample was found")
    }
}

/// Whether every event satisfying `conjunct` contains `term` in its JSON text: the term lies
/// within a literal piece of a required string value (one that no number can match) or within
/// a key of a path that must be present. Characters JSON must escape never count.
fn term_implied(atoms: &Atoms, conjunct: &Conjunct, term: &str) -> bool {
    if term.is_empty()
        || term
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return false;
    }
    conjunct.iter().any(|&(atom, holds)| {
        let atom = &atoms.atoms[atom];
        let present = match (&atom.test, holds) {
            (Test::NotExists, true) => false,
            (Test::NotExists, false) => true,
            (_, false) => false,
            _ => true,
        };
        if !present {
            return false;
        }
        let in_key = atoms.paths[atom.path]
            .iter()
            .any(|s| matches!(s, PathStep::Key(k) if k.contains(term)));
        let in_value = match (&atom.test, holds) {
            (Test::Compare(CompareOp::Eq, JsonValue::String(s)), true) => {
                // Only a glob no number rendering can match forces a string value.
                let within = |set: &str| s.chars().all(|c| c == '*' || set.contains(c));
                !within(RENDERING_CHARS)
                    && !within(OUT_OF_RANGE_CHARS)
                    && s.split('*').any(|piece| piece.contains(term))
            }
            _ => false,
        };
        in_key || in_value
    })
}
