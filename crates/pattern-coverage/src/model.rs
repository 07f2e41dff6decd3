//! The logical model of JSON patterns: selectors become paths, conditions become atoms, and
//! expressions become formulas in disjunctive normal form over (atom, polarity) literals.

use filter_pattern::ast::{Condition, JsonExpr, JsonValue, Selector, Step, Test};

/// The most conjuncts a DNF may have before the proof gives up with a reason.
pub(crate) const MAX_CONJUNCTS: usize = 4096;

/// One step of a concrete (wildcard-free) path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum PathStep {
    /// An object member.
    Key(String),
    /// An array element.
    Index(u32),
}

/// An atom: one test on one path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Atom {
    /// Index into [`Atoms::paths`]: the selector's path, or for an opaque atom the concrete
    /// part of the selector before its wildcard.
    pub path: usize,
    /// The test applied to the value at the path.
    pub test: Test,
    /// For a condition outside the exact fragment (a wildcard selector or a regex value), the
    /// steps after the wildcard (empty for a regex on a concrete path). Such an atom is
    /// treated as a free boolean: that only adds imagined events, so a "covers" answer stays
    /// sound, and a counterexample needs a concrete event the evaluator confirms.
    pub opaque: Option<Opaque>,
}

/// A formula in negation normal form over literals, searched lazily (no DNF blow-up).
#[derive(Debug)]
pub(crate) enum Goal {
    /// One literal.
    Lit(Literal),
    /// Every operand holds.
    And(Vec<Goal>),
    /// Some operand holds.
    Or(Vec<Goal>),
}

/// Why an atom is opaque (see [`Atom::opaque`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Opaque {
    /// A wildcard selector; the concrete steps after the wildcard.
    Wildcard(Vec<PathStep>),
    /// A regex value on a concrete path.
    Regex,
}

/// The paths and atoms shared by the patterns being compared.
#[derive(Debug, Default)]
pub(crate) struct Atoms {
    /// Every path mentioned, without wildcards.
    pub paths: Vec<Vec<PathStep>>,
    /// Every distinct condition.
    pub atoms: Vec<Atom>,
}

/// A literal: atom index and whether the atom holds (`true`) or fails (`false`).
pub(crate) type Literal = (usize, bool);

/// A conjunction of literals, sorted and without duplicates.
pub(crate) type Conjunct = Vec<Literal>;

/// Why a pattern is outside the exact fragment.
#[derive(Debug)]
pub(crate) struct Unsupported(pub String);

impl Atoms {
    /// The path id of the selector's concrete steps before any wildcard, and the concrete
    /// steps after the wildcard (if there is one).
    fn path_id(&mut self, selector: &Selector) -> (usize, Option<Opaque>) {
        let concrete = |steps: &[Step]| -> Vec<PathStep> {
            steps
                .iter()
                .filter_map(|step| match step {
                    Step::Key(k) => Some(PathStep::Key(k.clone())),
                    Step::Index(i) => Some(PathStep::Index(*i)),
                    Step::Wildcard => None,
                })
                .collect()
        };
        let (steps, rest) = match selector.steps.iter().position(|s| *s == Step::Wildcard) {
            Some(at) => (
                concrete(&selector.steps[..at]),
                Some(Opaque::Wildcard(concrete(&selector.steps[at + 1..]))),
            ),
            None => (concrete(&selector.steps), None),
        };
        (self.intern_path(steps), rest)
    }

    fn intern_path(&mut self, steps: Vec<PathStep>) -> usize {
        if let Some(id) = self.paths.iter().position(|p| *p == steps) {
            return id;
        }
        self.paths.push(steps);
        self.paths.len() - 1
    }

    fn atom_id(&mut self, condition: &Condition) -> usize {
        let (path, mut opaque) = self.path_id(&condition.selector);
        if opaque.is_none() && matches!(condition.test, Test::Compare(_, JsonValue::Regex(_))) {
            opaque = Some(Opaque::Regex);
        }
        let atom = Atom {
            path,
            test: condition.test.clone(),
            opaque,
        };
        if let Some(id) = self.atoms.iter().position(|a| *a == atom) {
            return id;
        }
        self.atoms.push(atom);
        self.atoms.len() - 1
    }

    /// `expr` (or its negation when `negate`) in negation normal form.
    pub(crate) fn goal(&mut self, expr: &JsonExpr, negate: bool) -> Goal {
        match (expr, negate) {
            (JsonExpr::Condition(c), _) => Goal::Lit((self.atom_id(c), !negate)),
            (JsonExpr::Or(items), false) | (JsonExpr::And(items), true) => {
                Goal::Or(items.iter().map(|i| self.goal(i, negate)).collect())
            }
            (JsonExpr::And(items), false) | (JsonExpr::Or(items), true) => {
                Goal::And(items.iter().map(|i| self.goal(i, negate)).collect())
            }
        }
    }

    /// The DNF of `expr` (or of its negation when `negate`).
    pub(crate) fn dnf(
        &mut self,
        expr: &JsonExpr,
        negate: bool,
    ) -> Result<Vec<Conjunct>, Unsupported> {
        match (expr, negate) {
            (JsonExpr::Condition(c), _) => Ok(vec![vec![(self.atom_id(c), !negate)]]),
            (JsonExpr::Or(items), false) | (JsonExpr::And(items), true) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.dnf(item, negate)?);
                    if out.len() > MAX_CONJUNCTS {
                        return Err(too_big());
                    }
                }
                Ok(out)
            }
            (JsonExpr::And(items), false) | (JsonExpr::Or(items), true) => {
                let mut out: Vec<Conjunct> = vec![Vec::new()];
                for item in items {
                    let part = self.dnf(item, negate)?;
                    let mut next = Vec::new();
                    for left in &out {
                        for right in &part {
                            if let Some(merged) = merge(left, right) {
                                next.push(merged);
                            }
                        }
                        if next.len() > MAX_CONJUNCTS {
                            return Err(too_big());
                        }
                    }
                    out = next;
                }
                Ok(out)
            }
        }
    }
}

fn too_big() -> Unsupported {
    Unsupported(format!(
        "the pattern's disjunctive normal form exceeds {MAX_CONJUNCTS} conjuncts"
    ))
}

/// The conjunction of two conjuncts, or `None` when it holds an atom with both polarities.
pub(crate) fn merge(left: &[Literal], right: &[Literal]) -> Option<Conjunct> {
    let mut out: Conjunct = left.to_vec();
    for lit in right {
        if out.contains(&(lit.0, !lit.1)) {
            return None;
        }
        if !out.contains(lit) {
            out.push(*lit);
        }
    }
    out.sort();
    Some(out)
}
