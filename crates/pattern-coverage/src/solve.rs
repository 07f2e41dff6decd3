//! Satisfiability of one conjunct of literals over a JSON event, with a concrete event as proof.
//!
//! Every mentioned path (and each of its prefixes) is a node of a tree rooted at the event
//! object. A node takes one value class — missing, null, true, false, number, string, object or
//! array — and the classes must fit together: a present child needs an object (key step) or an
//! array (index step) parent, and an array of length `n` has exactly the elements `[0, n)`.
//! Classes that no literal tells apart need only one representative, numbers and strings are
//! solved by [`crate::numbers`] and [`crate::strings`], so the search is exhaustive: a conjunct
//! reported impossible has no satisfying event (under the value semantics of spec §5.5).

use crate::model::{Atom, Atoms, Literal, Opaque, PathStep};
use crate::numbers::{self, parse_decimal, NumberConstraint};
use crate::strings::{self, Solved};
use filter_pattern::ast::{CompareOp, JsonValue, Test};
use serde_json::{Map, Value};

/// The values a node can take that no string/number constraint distinguishes further.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Missing,
    Null,
    True,
    False,
    Object,
    /// An array, and whether it has a top-level `null` element (spec §5.5: `IS NULL` holds
    /// for such arrays).
    Array(bool),
}

/// How a node's presence is constrained by its parent.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Free,
    Missing,
    Present,
}

struct Node {
    steps: Vec<PathStep>,
    literals: Vec<(Test, bool)>,
    children: Vec<usize>,
    /// Strings to try first: samples of regexes this value must match.
    hints: Vec<String>,
}

/// Finds an event (a JSON object) satisfying every literal of `conjunct`.
pub(crate) fn solve_conjunct(atoms: &Atoms, conjunct: &[Literal]) -> Solved<Map<String, Value>> {
    let mut nodes = vec![Node {
        steps: Vec::new(),
        literals: Vec::new(),
        children: Vec::new(),
        hints: Vec::new(),
    }];
    let mut opaque: Vec<(&Atom, bool)> = Vec::new();
    for &(atom, holds) in conjunct {
        let atom = &atoms.atoms[atom];
        if atom.opaque.is_some() {
            opaque.push((atom, holds));
            continue;
        }
        let path = &atoms.paths[atom.path];
        let mut at = 0;
        for depth in 1..=path.len() {
            let prefix = &path[..depth];
            at = match nodes[at]
                .children
                .iter()
                .find(|&&c| nodes[c].steps == prefix)
            {
                Some(&child) => child,
                None => {
                    nodes.push(Node {
                        steps: prefix.to_vec(),
                        literals: Vec::new(),
                        children: Vec::new(),
                        hints: Vec::new(),
                    });
                    let id = nodes.len() - 1;
                    nodes[at].children.push(id);
                    id
                }
            };
        }
        nodes[at].literals.push((atom.test.clone(), holds));
    }
    // A regex on a path that also has exact conditions: steer the string towards the regex
    // and leave the verdict to the evaluator.
    opaque.retain(|(atom, holds)| {
        let on_node = nodes
            .iter_mut()
            .find(|n| n.steps == atoms.paths[atom.path] && !n.literals.is_empty());
        match (on_node, &atom.opaque, &atom.test) {
            (Some(node), Some(Opaque::Regex), Test::Compare(op, JsonValue::Regex(r))) => {
                if (*op == CompareOp::Eq) == *holds {
                    node.hints.push(regex_sample(&r.source));
                }
                false
            }
            _ => true,
        }
    });
    let tree = Tree { nodes };
    match tree.object_children(0) {
        Solved::Found(mut map) => {
            let concrete: Vec<&[PathStep]> =
                tree.nodes.iter().map(|n| n.steps.as_slice()).collect();
            if realise_opaque(&mut map, atoms, &opaque, &concrete) {
                Solved::Found(map)
            } else {
                Solved::Undecided
            }
        }
        Solved::Impossible => Solved::Impossible,
        Solved::Undecided => Solved::Undecided,
    }
}

/// Adds values that make each opaque literal (wildcard selector or regex value) hold, on
/// paths that no concrete literal touches. Only a heuristic: `false` when it cannot even try;
/// the evaluator judges the result.
fn realise_opaque(
    event: &mut Map<String, Value>,
    atoms: &Atoms,
    literals: &[(&Atom, bool)],
    concrete: &[&[PathStep]],
) -> bool {
    let mut bases: Vec<usize> = literals.iter().map(|(a, _)| a.path).collect();
    bases.sort();
    bases.dedup();
    for base in bases {
        let steps = &atoms.paths[base];
        if concrete
            .iter()
            .any(|c| !c.is_empty() && (c.starts_with(steps) || steps.starts_with(c)))
        {
            return false;
        }
        let here: Vec<&(&Atom, bool)> = literals.iter().filter(|(a, _)| a.path == base).collect();
        let mut elements = Vec::new();
        let mut scalar = None;
        let mut needs_base = false;
        for (atom, holds) in &here {
            let leaf = match (&atom.test, holds) {
                (Test::Compare(CompareOp::Eq, value), true)
                | (Test::Compare(CompareOp::Ne, value), false) => Some(sample(value)),
                (Test::IsNull, true) => Some(Value::Null),
                (Test::IsTrue, true) => Some(Value::Bool(true)),
                (Test::IsFalse, true) => Some(Value::Bool(false)),
                (Test::NotExists, false) => Some(Value::from("x")),
                (Test::Compare(CompareOp::Ne, _), true) => {
                    needs_base = true;
                    None
                }
                (Test::Compare(..), true) => return false,
                _ => None,
            };
            match (&atom.opaque, leaf) {
                (Some(Opaque::Wildcard(rest)), Some(leaf)) => {
                    let mut value = leaf;
                    for step in rest.iter().rev() {
                        value = match step {
                            PathStep::Key(k) => Value::Object(Map::from_iter([(k.clone(), value)])),
                            PathStep::Index(i) => {
                                let mut array = vec![Value::Null; *i as usize];
                                array.push(value);
                                Value::Array(array)
                            }
                        };
                    }
                    elements.push(value);
                }
                (Some(Opaque::Regex), Some(leaf)) => scalar = Some(leaf),
                (Some(Opaque::Regex), None) if needs_base => scalar = Some(Value::from("~")),
                _ => {}
            }
        }
        let value = match scalar {
            Some(v) if elements.is_empty() => v,
            Some(_) => return false,
            None if !elements.is_empty() || needs_base => Value::Array(elements),
            None => continue,
        };
        if !insert_at(event, steps, value) {
            return false;
        }
    }
    true
}

/// Sets `value` at `steps`, creating objects on the way; `false` if the way is blocked.
fn insert_at(event: &mut Map<String, Value>, steps: &[PathStep], value: Value) -> bool {
    let Some((PathStep::Key(last), parents)) = steps.split_last() else {
        return false;
    };
    let mut at = event;
    for step in parents {
        let PathStep::Key(key) = step else {
            return false;
        };
        let next = at
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(inner) = next else {
            return false;
        };
        at = inner;
    }
    at.insert(last.clone(), value).is_none()
}

/// A value likely to satisfy `= value`: a glob with its stars removed, the number, or a string
/// built from a regex's first alternative.
fn sample(value: &JsonValue) -> Value {
    match value {
        JsonValue::String(s) => Value::from(s.replace('*', "")),
        JsonValue::Number(n) => {
            serde_json::from_str(n.trim_start_matches('+')).unwrap_or(Value::from(n.clone()))
        }
        JsonValue::Regex(r) => Value::from(regex_sample(&r.source)),
    }
}

/// A string that the (parenthesis-free) regex `source` probably finds: one pass that keeps
/// literals, takes the first member of classes and the minimum of quantifiers.
pub(crate) fn regex_sample(source: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '^' | '$' => {}
            '|' => break,
            '.' => out.push('a'),
            '*' | '?' => {
                out.pop();
            }
            '+' => {}
            '{' => {
                let mut spec = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    spec.push(d);
                }
                let min: usize = spec
                    .split(',')
                    .next()
                    .and_then(|m| m.trim().parse().ok())
                    .unwrap_or(1);
                if let Some(last) = out.pop() {
                    out.extend(std::iter::repeat_n(last, min));
                }
            }
            '[' => {
                let mut class = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    class.push(d);
                }
                match class.strip_prefix('^') {
                    Some(excluded) => out.push(
                        "aZ0_~"
                            .chars()
                            .find(|x| !excluded.contains(*x))
                            .unwrap_or('~'),
                    ),
                    None => out.push(class.chars().next().unwrap_or('a')),
                }
            }
            '\\' => match chars.next() {
                Some('d') => out.push('0'),
                Some('w' | 'S' | 'D') => out.push('a'),
                Some('s') => out.push(' '),
                Some('W') => out.push('-'),
                Some('x') => {
                    let hex: String = chars.by_ref().take(2).collect();
                    out.push(
                        u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .unwrap_or('x'),
                    );
                }
                Some(other) => out.push(other),
                None => {}
            },
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

struct Tree {
    nodes: Vec<Node>,
}

/// Combines alternatives: the first found wins; impossible only if every one is.
struct Alternatives<T> {
    undecided: bool,
    found: Option<T>,
}

impl<T> Alternatives<T> {
    fn new() -> Self {
        Alternatives {
            undecided: false,
            found: None,
        }
    }
    fn add(&mut self, outcome: Solved<T>) -> bool {
        match outcome {
            Solved::Found(v) => {
                self.found = Some(v);
                true
            }
            Solved::Undecided => {
                self.undecided = true;
                false
            }
            Solved::Impossible => false,
        }
    }
    fn finish(self) -> Solved<T> {
        match (self.found, self.undecided) {
            (Some(v), _) => Solved::Found(v),
            (None, true) => Solved::Undecided,
            (None, false) => Solved::Impossible,
        }
    }
}

impl Tree {
    /// The members of an object node: key children free, index children missing.
    fn object_children(&self, node: usize) -> Solved<Map<String, Value>> {
        let mut map = Map::new();
        for &child in &self.nodes[node].children {
            let mode = match self.nodes[child].steps.last() {
                Some(PathStep::Key(_)) => Mode::Free,
                _ => Mode::Missing,
            };
            match self.solve(child, mode) {
                Solved::Found(Some(value)) => {
                    if let Some(PathStep::Key(key)) = self.nodes[child].steps.last() {
                        map.insert(key.clone(), value);
                    }
                }
                Solved::Found(None) => {}
                Solved::Impossible => return Solved::Impossible,
                Solved::Undecided => return Solved::Undecided,
            }
        }
        Solved::Found(map)
    }

    /// Every descendant of `node` must be missing.
    fn all_missing(&self, node: usize) -> Solved<()> {
        for &child in &self.nodes[node].children {
            match self.solve(child, Mode::Missing) {
                Solved::Found(_) => {}
                Solved::Impossible => return Solved::Impossible,
                Solved::Undecided => return Solved::Undecided,
            }
        }
        Solved::Found(())
    }

    fn shape_allows(&self, node: usize, shape: Shape) -> bool {
        self.nodes[node]
            .literals
            .iter()
            .all(|(test, holds)| shape_test(test, shape) == *holds)
    }

    /// A value for `node` (`None` = missing) satisfying its literals and its subtree's.
    fn solve(&self, node: usize, mode: Mode) -> Solved<Option<Value>> {
        let has_children = !self.nodes[node].children.is_empty();
        let mut alternatives = Alternatives::new();
        if mode == Mode::Missing {
            if !self.shape_allows(node, Shape::Missing) {
                return Solved::Impossible;
            }
            return match self.all_missing(node) {
                Solved::Found(()) => Solved::Found(None),
                Solved::Impossible => Solved::Impossible,
                Solved::Undecided => Solved::Undecided,
            };
        }
        if has_children {
            if self.shape_allows(node, Shape::Object)
                && alternatives.add(self.object_children(node).map(|m| Some(Value::Object(m))))
            {
                return alternatives.finish();
            }
            if alternatives.add(self.solve_array(node)) {
                return alternatives.finish();
            }
        }
        let leaf = |value: Solved<Value>| match value {
            Solved::Found(v) => match self.all_missing(node) {
                Solved::Found(()) => Solved::Found(Some(v)),
                Solved::Impossible => Solved::Impossible,
                Solved::Undecided => Solved::Undecided,
            },
            Solved::Impossible => Solved::Impossible,
            Solved::Undecided => Solved::Undecided,
        };
        if alternatives.add(leaf(self.solve_string(node)))
            || alternatives.add(leaf(self.solve_number(node)))
        {
            return alternatives.finish();
        }
        if mode == Mode::Free
            && self.shape_allows(node, Shape::Missing)
            && alternatives.add(self.solve(node, Mode::Missing))
        {
            return alternatives.finish();
        }
        for (shape, value) in [
            (Shape::True, Value::Bool(true)),
            (Shape::False, Value::Bool(false)),
            (Shape::Null, Value::Null),
        ] {
            if self.shape_allows(node, shape) && alternatives.add(leaf(Solved::Found(value))) {
                return alternatives.finish();
            }
        }
        if !has_children {
            if self.shape_allows(node, Shape::Object)
                && alternatives.add(leaf(Solved::Found(Value::Object(Map::new()))))
            {
                return alternatives.finish();
            }
            alternatives.add(self.solve_array(node));
        }
        alternatives.finish()
    }

    /// The node as an array: tries every length that changes which index children exist and
    /// whether unmentioned slots exist.
    fn solve_array(&self, node: usize) -> Solved<Option<Value>> {
        if !self.shape_allows(node, Shape::Array(true))
            && !self.shape_allows(node, Shape::Array(false))
        {
            return Solved::Impossible;
        }
        let mut indexed: Vec<(u32, usize)> = Vec::new();
        for &child in &self.nodes[node].children {
            match self.nodes[child].steps.last() {
                Some(PathStep::Index(i)) => indexed.push((*i, child)),
                _ => match self.solve(child, Mode::Missing) {
                    Solved::Found(_) => {}
                    other => return other.map(|_| None),
                },
            }
        }
        indexed.sort();
        let wants_null = self.nodes[node]
            .literals
            .iter()
            .find(|(test, _)| *test == Test::IsNull)
            .map(|(_, holds)| *holds);
        let mut lengths: Vec<u64> = vec![0, 1];
        for (i, _) in &indexed {
            lengths.push(u64::from(*i) + 1);
            lengths.push(u64::from(*i) + 2);
        }
        lengths.sort();
        lengths.dedup();
        let mut alternatives: Alternatives<Value> = Alternatives::new();
        for length in lengths {
            let fillers = length
                - indexed
                    .iter()
                    .filter(|(i, _)| u64::from(*i) < length)
                    .count() as u64;
            let has_null_filler = fillers > 0 && wants_null == Some(true);
            let mut elements: Vec<(u32, Value)> = Vec::new();
            let mut outcome = Solved::Found(());
            for (i, child) in &indexed {
                let mode = if u64::from(*i) < length {
                    Mode::Present
                } else {
                    Mode::Missing
                };
                match self.solve(*child, mode) {
                    Solved::Found(Some(v)) => elements.push((*i, v)),
                    Solved::Found(None) => {}
                    Solved::Impossible => {
                        outcome = Solved::Impossible;
                        break;
                    }
                    Solved::Undecided => {
                        outcome = Solved::Undecided;
                        break;
                    }
                }
            }
            if outcome != Solved::Found(()) {
                alternatives.add(outcome.map(|()| Value::Null));
                continue;
            }
            let child_null = elements.iter().any(|(_, v)| v.is_null());
            let has_null = has_null_filler || child_null;
            if let Some(want) = wants_null {
                if want != has_null {
                    if !elements.is_empty() {
                        // Other element values might fix this; not searched.
                        alternatives.add(Solved::Undecided);
                    }
                    continue;
                }
            }
            if !self.shape_allows(node, Shape::Array(has_null)) {
                continue;
            }
            let filler = if wants_null == Some(true) {
                Value::Null
            } else {
                Value::from(0)
            };
            let mut array = vec![filler; usize::try_from(length).unwrap_or(0)];
            for (i, v) in elements {
                array[i as usize] = v;
            }
            if alternatives.add(Solved::Found(Value::Array(array))) {
                break;
            }
        }
        alternatives.finish().map(Some)
    }

    fn solve_string(&self, node: usize) -> Solved<Value> {
        let mut positive: Vec<&str> = Vec::new();
        let mut negative: Vec<&str> = Vec::new();
        for (test, holds) in &self.nodes[node].literals {
            match test {
                Test::Compare(op @ (CompareOp::Eq | CompareOp::Ne), value) => {
                    let text = match value {
                        JsonValue::String(s) | JsonValue::Number(s) => s.as_str(),
                        JsonValue::Regex(_) => return Solved::Undecided,
                    };
                    if (*op == CompareOp::Eq) == *holds {
                        positive.push(text);
                    } else {
                        negative.push(text);
                    }
                }
                // Strings never satisfy ordering, IS NULL/TRUE/FALSE or NOT EXISTS.
                _ => {
                    if *holds {
                        return Solved::Impossible;
                    }
                }
            }
        }
        let mut preferred: Vec<&str> = self.nodes[node].hints.iter().map(String::as_str).collect();
        preferred.extend(preferred_strings(&self.nodes[node].steps));
        strings::solve(&positive, &negative, &preferred).map(Value::String)
    }

    fn solve_number(&self, node: usize) -> Solved<Value> {
        let mut constraints = Vec::new();
        let mut positive: Vec<&str> = Vec::new();
        let mut negative: Vec<&str> = Vec::new();
        for (test, holds) in &self.nodes[node].literals {
            match test {
                Test::Compare(op, JsonValue::Number(text)) => {
                    let Some(d) = parse_decimal(text) else {
                        // An out-of-range literal equals no number and orders none.
                        match (op, holds) {
                            (CompareOp::Eq, false) | (CompareOp::Ne, true) => continue,
                            (CompareOp::Eq | CompareOp::Ne, _) => return Solved::Impossible,
                            (_, true) => return Solved::Impossible,
                            (_, false) => continue,
                        }
                    };
                    constraints.push(match (op, holds) {
                        (CompareOp::Eq, true) | (CompareOp::Ne, false) => {
                            NumberConstraint::Equal(d)
                        }
                        (CompareOp::Eq, false) | (CompareOp::Ne, true) => {
                            NumberConstraint::NotEqual(d)
                        }
                        (CompareOp::Lt, true) => NumberConstraint::Below(d, true),
                        (CompareOp::Lt, false) => NumberConstraint::Above(d, false),
                        (CompareOp::Le, true) => NumberConstraint::Below(d, false),
                        (CompareOp::Le, false) => NumberConstraint::Above(d, true),
                        (CompareOp::Gt, true) => NumberConstraint::Above(d, true),
                        (CompareOp::Gt, false) => NumberConstraint::Below(d, false),
                        (CompareOp::Ge, true) => NumberConstraint::Above(d, false),
                        (CompareOp::Ge, false) => NumberConstraint::Below(d, true),
                    });
                }
                Test::Compare(op @ (CompareOp::Eq | CompareOp::Ne), JsonValue::String(text)) => {
                    if (*op == CompareOp::Eq) == *holds {
                        positive.push(text);
                    } else {
                        negative.push(text);
                    }
                }
                Test::Compare(..) => return Solved::Undecided,
                _ => {
                    if *holds {
                        return Solved::Impossible;
                    }
                }
            }
        }
        match numbers::solve(&constraints, &positive, &negative) {
            Solved::Found(text) => match serde_json::from_str::<Value>(&text) {
                Ok(number @ Value::Number(_)) => Solved::Found(number),
                _ => Solved::Undecided,
            },
            Solved::Impossible => Solved::Impossible,
            Solved::Undecided => Solved::Undecided,
        }
    }
}

impl<T> Solved<T> {
    /// Maps the found value.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Solved<U> {
        match self {
            Solved::Found(v) => Solved::Found(f(v)),
            Solved::Impossible => Solved::Impossible,
            Solved::Undecided => Solved::Undecided,
        }
    }
}

/// Whether `test` holds on a value of this shape (spec §5.5; comparisons never hold on
/// non-scalars, null or missing values).
fn shape_test(test: &Test, shape: Shape) -> bool {
    match test {
        Test::Compare(..) => false,
        Test::IsNull => matches!(shape, Shape::Null | Shape::Array(true)),
        Test::IsTrue => shape == Shape::True,
        Test::IsFalse => shape == Shape::False,
        Test::NotExists => shape == Shape::Missing,
    }
}

/// Realistic CloudTrail strings to try first for well-known fields, so witnesses read well.
fn preferred_strings(steps: &[PathStep]) -> &'static [&'static str] {
    let Some(PathStep::Key(last)) = steps.last() else {
        return &[];
    };
    match last.as_str() {
        "eventName" => &["DescribeInstances", "GetObject", "ListBuckets"],
        "eventSource" => &["ec2.amazonaws.com", "s3.amazonaws.com", "iam.amazonaws.com"],
        "errorCode" => &["ThrottlingException", "ValidationException"],
        "errorMessage" => &["Rate exceeded"],
        "sourceIPAddress" => &["198.51.100.7", "203.0.113.12"],
        "type" => &["AssumedRole", "IAMUser", "Root"],
        "eventType" => &["AwsApiCall", "AwsConsoleSignIn"],
        "MFAUsed" => &["No", "Yes"],
        "ConsoleLogin" => &["Success", "Failure"],
        "invokedBy" => &["cloudformation.amazonaws.com"],
        "awsRegion" => &["us-east-1", "eu-west-1"],
        _ => &[],
    }
}
