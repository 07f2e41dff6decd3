//! Coverage proof between filter patterns, and lints on a single pattern.
//!
//! `covers(required, candidate)` answers: is every log event matched by `required` also matched
//! by `candidate`? It never answers wrongly: when it cannot decide it says
//! [`Coverage::Unknown`], and every [`Coverage::Misses`] witness has been re-checked with the
//! evaluator (the required pattern matches it, the candidate does not).
//!
//! How JSON patterns are decided: both patterns become formulas over atoms (one condition on
//! one selector path), in negation normal form: `required ∧ ¬candidate`. A depth-first search
//! (DPLL-style: literals first, unit propagation, the required pattern's `||`s branched on
//! before the candidate's) collects a conjunction of literals; the solver decides its
//! satisfiability exactly by building an event, and the search prunes a branch as soon as the
//! literals on one path contradict each other. No normal form is ever expanded, so a search
//! budget (steps and time) is the only limit; past it the answer is unknown with the reason.
//! If no branch is satisfiable the candidate covers the required pattern. Conditions with a
//! wildcard selector or a regex value are treated as free booleans: that can only add
//! imagined events, so a "covers" answer stays sound; a counterexample that needs them is
//! built heuristically and only reported once the evaluator confirms it (otherwise: unknown).
//!
//! Term patterns are decided exactly over raw messages (each term is a "contains" constraint).
//! Across forms: a JSON required pattern is covered by a term pattern whose terms are implied
//! textually — a term inside a required string value or key name — assuming the JSON text of
//! the event writes those characters literally (no `\u` escapes), as CloudTrail does. Regex
//! and space-delimited patterns are compared only when identical, or refuted by a probe
//! message the evaluator confirms.
//!
//! Assumptions behind a "covers" answer (documented choices, pinned by tests):
//! - value semantics are the evaluator's (spec §5.2–§5.5): comparisons hold only on strings
//!   and numbers, `!=` fails on absent fields, `*` globs anywhere and may match nothing,
//!   numbers compare as exact decimals and as text in their evaluator rendering;
//! - events have no duplicate object keys (the evaluator reads the last value of a key but
//!   walks every copy below it, so `{"a":{"b":1},"a":"x"}` would satisfy both `$.a = "x"` and
//!   `$.a.b = 1`; CloudTrail never writes such records);
//! - for term-versus-JSON coverage only: no `\u` escapes in the event text.

mod confirm;
mod lint;
mod model;
mod numbers;
pub mod operations;
mod solve;
mod strings;
mod terms;
mod witness;

#[cfg(test)]
mod tests;

pub use lint::{explain, lint, lint_source, Lint, Severity, LINT_CODES};

use confirm::confirmed;
use filter_pattern::ast::{CompareOp, JsonExpr, JsonValue, Pattern, Test};
use model::{merge, Atoms, Conjunct, Goal, Literal};
use strings::Solved;

/// The answer of [`covers`].
#[derive(Debug, Clone, PartialEq)]
pub enum Coverage {
    /// Every event the required pattern matches, the candidate matches too.
    Covers,
    /// An event (checked by the evaluator) that the required pattern matches and the candidate
    /// does not. For JSON patterns it is a complete JSON object; when the required pattern is
    /// not a JSON pattern it is the raw log message as a JSON string.
    Misses {
        /// The event, a complete JSON object.
        witness: serde_json::Value,
    },
    /// The question could not be decided soundly.
    Unknown {
        /// Why not.
        reason: String,
    },
}

fn unknown(reason: impl Into<String>) -> Coverage {
    Coverage::Unknown {
        reason: reason.into(),
    }
}

/// The most search steps (clause choices and conjunct solutions) one decision may take.
const MAX_STEPS: usize = 50_000;

/// The longest one JSON decision may search before answering unknown.
const TIME_BUDGET: std::time::Duration = std::time::Duration::from_millis(80);

/// Decides whether `candidate` catches every event `required` catches.
pub fn covers(required: &Pattern, candidate: &Pattern) -> Coverage {
    if *candidate == Pattern::MatchAll || required == candidate {
        return Coverage::Covers;
    }
    match (required, candidate) {
        // Non-JSON messages match the empty pattern and no JSON pattern.
        (Pattern::MatchAll, Pattern::Json(_)) => probe(required, candidate),
        (Pattern::Json(r), Pattern::Json(c)) => json_covers(r, c, required, candidate),
        (Pattern::MatchAll | Pattern::Terms(_), Pattern::Terms(_)) => {
            terms::covers(required, candidate)
        }
        (Pattern::Terms(_), Pattern::Json(_)) => terms::json_misses_terms(required, candidate),
        (Pattern::Json(r), Pattern::Terms(_)) => terms::terms_cover_json(r, required, candidate),
        _ => probe(required, candidate),
    }
}

/// For forms outside the proof (regex, space-delimited): tries a few typical messages and
/// reports one the evaluator confirms as a counterexample; otherwise unknown.
fn probe(required: &Pattern, candidate: &Pattern) -> Coverage {
    let mut messages = vec![
        "x".to_string(),
        String::new(),
        "{}".to_string(),
        witness::dress(Default::default(), &[]).to_string(),
    ];
    if let Pattern::Regex(regex) = required {
        messages.push(solve::regex_sample(&regex.source));
    }
    for message in messages {
        if confirmed(required, candidate, &message) {
            return Coverage::Misses {
                witness: serde_json::Value::String(message),
            };
        }
    }
    unknown("coverage involving regex or space-delimited patterns is decided only for identical patterns or by a confirmed counterexample, and none was found")
}

/// The events of one required conjunct, for the term-pattern cross-form rules.
pub(crate) fn json_conjuncts(expr: &JsonExpr) -> Result<(Atoms, Vec<Conjunct>), String> {
    let mut atoms = Atoms::default();
    let dnf = atoms.dnf(expr, false).map_err(|e| e.0)?;
    Ok((atoms, dnf))
}

fn json_covers(
    required_expr: &JsonExpr,
    candidate_expr: &JsonExpr,
    required: &Pattern,
    candidate: &Pattern,
) -> Coverage {
    let mut atoms = Atoms::default();
    let required_goal = atoms.goal(required_expr, false);
    let refuted_goal = atoms.goal(candidate_expr, true);
    let mut search = Search {
        atoms: &atoms,
        required,
        candidate: Some(candidate),
        steps: 0,
        deadline: std::time::Instant::now() + TIME_BUDGET,
        undecided: None,
    };
    let agenda = vec![(&refuted_goal, false), (&required_goal, true)];
    if let Some(witness) = search.run(Vec::new(), agenda, Vec::new()) {
        return Coverage::Misses { witness };
    }
    if search.steps > MAX_STEPS {
        return unknown(format!(
            "the proof exceeded its budget of {MAX_STEPS} search steps or {} ms",
            TIME_BUDGET.as_millis()
        ));
    }
    match search.undecided {
        Some(reason) => unknown(reason),
        None => Coverage::Covers,
    }
}

/// Whether some event matches the JSON expression: `Some(false)` is proved, `Some(true)`
/// comes with an event the evaluator matched, `None` is undecided.
pub(crate) fn satisfiable(expr: &JsonExpr) -> Option<bool> {
    let mut atoms = Atoms::default();
    let goal = atoms.goal(expr, false);
    let pattern = Pattern::Json(expr.clone());
    let mut search = Search {
        atoms: &atoms,
        required: &pattern,
        candidate: None,
        steps: 0,
        deadline: std::time::Instant::now() + TIME_BUDGET,
        undecided: None,
    };
    if search
        .run(Vec::new(), vec![(&goal, true)], Vec::new())
        .is_some()
    {
        return Some(true);
    }
    (search.steps <= MAX_STEPS && search.undecided.is_none()).then_some(false)
}

/// The depth-first search for an event matched by the required pattern and not by the
/// candidate: it satisfies `required ∧ ¬candidate` (in negation normal form), collecting
/// literals and branching on one `||` at a time, fewest operands first, pruning a branch as
/// soon as the literals on one path contradict each other.
struct Search<'a> {
    atoms: &'a Atoms,
    required: &'a Pattern,
    /// `None` when only the required pattern's satisfiability is asked.
    candidate: Option<&'a Pattern>,
    steps: usize,
    /// When the search gives up (it then counts as over [`MAX_STEPS`]).
    deadline: std::time::Instant,
    /// Why some branch could not be decided, if one could not.
    undecided: Option<String>,
}

/// One pending `||` and which side it came from.
#[derive(Clone, Copy)]
struct Choice<'a> {
    operands: &'a [Goal],
    required_side: bool,
}

impl<'a> Search<'a> {
    /// Adds the literals of `agenda` (flattening `&&`) to `set` and collects its `||`s;
    /// `false` when a literal contradicts the set.
    fn absorb(
        &mut self,
        set: &mut Conjunct,
        agenda: &mut Vec<(&'a Goal, bool)>,
        choices: &mut Vec<Choice<'a>>,
    ) -> bool {
        while let Some((goal, required_side)) = agenda.pop() {
            match goal {
                Goal::Lit(literal) => {
                    if set.contains(literal) {
                        continue;
                    }
                    let Some(next) = merge(set, &[*literal]) else {
                        return false;
                    };
                    if !self.path_feasible(&next, literal.0) {
                        return false;
                    }
                    *set = next;
                }
                Goal::And(items) => agenda.extend(items.iter().map(|i| (i, required_side))),
                Goal::Or(operands) => choices.push(Choice {
                    operands,
                    required_side,
                }),
            }
        }
        true
    }

    /// Satisfies every goal of `agenda` together with `set`; the required pattern's `||`s are
    /// branched on first (they fix values), with unit propagation on every `||`.
    fn run(
        &mut self,
        mut set: Conjunct,
        mut agenda: Vec<(&'a Goal, bool)>,
        mut choices: Vec<Choice<'a>>,
    ) -> Option<serde_json::Value> {
        self.steps += 1;
        if self.steps > MAX_STEPS || std::time::Instant::now() > self.deadline {
            self.steps = MAX_STEPS + 1;
            return None;
        }
        loop {
            if !self.absorb(&mut set, &mut agenda, &mut choices) {
                return None;
            }
            let mut open = Vec::with_capacity(choices.len());
            for choice in choices.drain(..) {
                let satisfied = choice
                    .operands
                    .iter()
                    .any(|item| matches!(item, Goal::Lit(l) if set.contains(l)));
                if satisfied {
                    continue;
                }
                let viable: Vec<&'a Goal> = choice
                    .operands
                    .iter()
                    .filter(|item| match item {
                        Goal::Lit((atom, holds)) => !set.contains(&(*atom, !*holds)),
                        _ => true,
                    })
                    .collect();
                match viable.as_slice() {
                    [] => return None,
                    [only] => agenda.push((only, choice.required_side)),
                    _ => open.push(choice),
                }
            }
            choices = open;
            if agenda.is_empty() {
                break;
            }
        }
        let pick = (0..choices.len())
            .min_by_key(|&k| (!choices[k].required_side, choices[k].operands.len()));
        let Some(pick) = pick else {
            return self.finish(&set);
        };
        let choice = choices.swap_remove(pick);
        for item in choice.operands {
            let witness = self.run(
                set.clone(),
                vec![(item, choice.required_side)],
                choices.clone(),
            );
            if witness.is_some() {
                return witness;
            }
            if self.steps > MAX_STEPS {
                return None;
            }
        }
        None
    }

    /// A cheap pruning test: the literals on the path of `atom` alone are satisfiable (or
    /// undecided, which is not pruned). Answering `true` is always safe; only `false` prunes.
    fn path_feasible(&mut self, set: &[Literal], atom: usize) -> bool {
        let path = self.atoms.atoms[atom].path;
        let local: Vec<Literal> = set
            .iter()
            .copied()
            .filter(|(a, _)| self.atoms.atoms[*a].path == path)
            .collect();
        // Fast path: a required exact string that every other literal accepts.
        let exact = local
            .iter()
            .find_map(|&(a, holds)| match &self.atoms.atoms[a].test {
                Test::Compare(CompareOp::Eq, JsonValue::String(s)) if holds && !s.contains('*') => {
                    Some(s)
                }
                _ => None,
            });
        if let Some(value) = exact {
            if local
                .iter()
                .all(|&(a, holds)| string_satisfies(&self.atoms.atoms[a], value) == holds)
            {
                return true;
            }
        }
        !matches!(
            solve::solve_conjunct(self.atoms, &local),
            Solved::Impossible
        )
    }

    fn finish(&mut self, set: &[Literal]) -> Option<serde_json::Value> {
        match solve::solve_conjunct(self.atoms, set) {
            Solved::Found(event) => {
                let dressed = witness::dress(event.clone(), &self.atoms.paths);
                for candidate in [dressed, serde_json::Value::Object(event)] {
                    let text = candidate.to_string();
                    let good = match self.candidate {
                        Some(c) => confirmed(self.required, c, &text),
                        None => confirm::matches(self.required, &text),
                    };
                    if good {
                        return Some(candidate);
                    }
                }
                self.undecided.get_or_insert_with(|| {
                    "a constructed witness was not confirmed by the evaluator".into()
                });
                None
            }
            Solved::Impossible => None,
            Solved::Undecided => {
                self.undecided.get_or_insert_with(|| {
                    "part of the question (a wildcard selector, a regex value, or an unusual string/number constraint) could not be decided exactly".into()
                });
                None
            }
        }
    }
}

/// Whether `atom` holds when its path is the string `value` (opaque atoms count as holding:
/// only used to skip work, never to prune).
fn string_satisfies(atom: &model::Atom, value: &str) -> bool {
    if atom.opaque.is_some() {
        return true;
    }
    match &atom.test {
        Test::Compare(CompareOp::Eq, JsonValue::String(g)) => strings::glob_matches(g, value),
        Test::Compare(CompareOp::Ne, JsonValue::String(g)) => !strings::glob_matches(g, value),
        Test::Compare(CompareOp::Eq, JsonValue::Number(t)) => value == t,
        Test::Compare(CompareOp::Ne, JsonValue::Number(t)) => value != t,
        _ => false,
    }
}
