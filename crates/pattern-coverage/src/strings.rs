//! String constraints: "is there a string that every positive glob matches and no negative glob
//! matches?", decided exactly with an on-the-fly product of the globs' automata.
//!
//! A glob is a filter-pattern string value in which every `*` matches any run of characters,
//! including the empty run, wherever it stands (prefix, suffix, contains and infix forms alike;
//! spec §5.3 leaves infix `*` contested and prefers glob semantics, as the evaluator does).
//! A value without `*` is an exact string.

use std::collections::HashMap;

/// The most product states explored before giving up (the answer is then [`Solved::Undecided`]).
const MAX_STATES: usize = 20_000;

/// The answer of a constraint solver.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Solved<T> {
    /// A value that satisfies every constraint.
    Found(T),
    /// No value can satisfy the constraints (proved).
    Impossible,
    /// The search was cut short; nothing is proved.
    Undecided,
}

/// One character position of a glob.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Star,
    Char(char),
}

/// A parsed glob.
#[derive(Debug, Clone)]
struct Glob {
    pieces: Vec<Piece>,
}

impl Glob {
    fn new(text: &str) -> Glob {
        Glob {
            pieces: text
                .chars()
                .map(|c| {
                    if c == '*' {
                        Piece::Star
                    } else {
                        Piece::Char(c)
                    }
                })
                .collect(),
        }
    }

    /// Adds the positions reachable through stars (which may match nothing).
    fn close(&self, set: &mut [bool]) {
        for i in 0..self.pieces.len() {
            if set[i] && self.pieces[i] == Piece::Star {
                set[i + 1] = true;
            }
        }
    }

    fn start(&self) -> Vec<bool> {
        let mut set = vec![false; self.pieces.len() + 1];
        set[0] = true;
        self.close(&mut set);
        set
    }

    fn step(&self, set: &[bool], c: char) -> Vec<bool> {
        let mut next = vec![false; set.len()];
        for (i, piece) in self.pieces.iter().enumerate() {
            if !set[i] {
                continue;
            }
            match piece {
                Piece::Star => next[i] = true,
                Piece::Char(x) if *x == c => next[i + 1] = true,
                Piece::Char(_) => {}
            }
        }
        self.close(&mut next);
        next
    }

    fn accepts(&self, set: &[bool]) -> bool {
        set[self.pieces.len()]
    }

    /// Whether every continuation from `set` is accepted (a reachable position is followed
    /// only by stars).
    fn accepts_everything_from(&self, set: &[bool]) -> bool {
        set.iter()
            .enumerate()
            .any(|(i, on)| *on && self.pieces[i..].iter().all(|p| *p == Piece::Star))
    }

    fn is_dead(set: &[bool]) -> bool {
        !set.iter().any(|on| *on)
    }
}

/// Whether the glob `pattern` matches `text` exactly.
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    let glob = Glob::new(pattern);
    let mut set = glob.start();
    for c in text.chars() {
        set = glob.step(&set, c);
        if Glob::is_dead(&set) {
            return false;
        }
    }
    glob.accepts(&set)
}

/// Whether a glob matches every string (it is made of stars only, `""` excluded).
pub(crate) fn matches_everything(pattern: &str) -> bool {
    !pattern.is_empty() && pattern.chars().all(|c| c == '*')
}

/// Finds a string matched by every glob in `positive` and by none in `negative`. `preferred`
/// strings are tried first (to give readable witnesses); the automaton search decides.
pub(crate) fn solve(positive: &[&str], negative: &[&str], preferred: &[&str]) -> Solved<String> {
    let satisfies = |text: &str| {
        positive.iter().all(|g| glob_matches(g, text))
            && !negative.iter().any(|g| glob_matches(g, text))
    };
    for text in preferred {
        if satisfies(text) {
            return Solved::Found((*text).to_string());
        }
    }
    for glob in positive {
        for filler in ["", "Example"] {
            let text = glob.replace('*', filler);
            if satisfies(&text) {
                return Solved::Found(text);
            }
        }
    }
    search(positive, negative)
}

/// Breadth-first search over the product automaton; returns a shortest satisfying string.
fn search(positive: &[&str], negative: &[&str]) -> Solved<String> {
    let globs: Vec<Glob> = positive
        .iter()
        .chain(negative)
        .map(|g| Glob::new(g))
        .collect();
    let positives = positive.len();
    let mut alphabet: Vec<char> = Vec::new();
    for glob in &globs {
        for piece in &glob.pieces {
            if let Piece::Char(c) = piece {
                if !alphabet.contains(c) {
                    alphabet.push(*c);
                }
            }
        }
    }
    // One character that no glob mentions stands for every such character.
    if let Some(fresh) = "xqzjkvwXQZ0123456789"
        .chars()
        .find(|c| !alphabet.contains(c))
    {
        alphabet.push(fresh);
    } else if let Some(fresh) = ('\u{a1}'..).find(|c| !alphabet.contains(c)) {
        alphabet.push(fresh);
    }
    type State = Vec<Vec<bool>>;
    let accepting = |state: &State| {
        state
            .iter()
            .enumerate()
            .all(|(k, set)| globs[k].accepts(set) == (k < positives))
    };
    let dead = |state: &State| {
        state.iter().enumerate().any(|(k, set)| {
            if k < positives {
                Glob::is_dead(set)
            } else {
                globs[k].accepts_everything_from(set)
            }
        })
    };
    let start: State = globs.iter().map(Glob::start).collect();
    if dead(&start) {
        return Solved::Impossible;
    }
    let mut states: Vec<(State, usize, char)> = vec![(start.clone(), usize::MAX, ' ')];
    let mut seen: HashMap<State, usize> = HashMap::new();
    seen.insert(start, 0);
    let mut next = 0;
    while next < states.len() {
        if accepting(&states[next].0) {
            let mut text = Vec::new();
            let mut at = next;
            while states[at].1 != usize::MAX {
                text.push(states[at].2);
                at = states[at].1;
            }
            return Solved::Found(text.into_iter().rev().collect());
        }
        for &c in &alphabet {
            let state: State = states[next]
                .0
                .iter()
                .enumerate()
                .map(|(k, set)| globs[k].step(set, c))
                .collect();
            if dead(&state) || seen.contains_key(&state) {
                continue;
            }
            if states.len() >= MAX_STATES {
                return Solved::Undecided;
            }
            seen.insert(state.clone(), states.len());
            states.push((state, next, c));
        }
        next += 1;
    }
    Solved::Impossible
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_prefix_suffix_contains_infix_and_exact() {
        assert!(glob_matches("AccessDenied*", "AccessDenied"));
        assert!(glob_matches("AccessDenied*", "AccessDeniedException"));
        assert!(!glob_matches("AccessDenied*", "XAccessDenied"));
        assert!(glob_matches("*Op", "Op"));
        assert!(glob_matches("a*c", "abbc"));
        assert!(!glob_matches("a*c", "abcd"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("abc", "abcd"));
    }

    #[test]
    fn decides_inclusion_between_globs() {
        assert_eq!(
            solve(&["AccessDenied"], &["AccessDenied*"], &[]),
            Solved::Impossible
        );
        let Solved::Found(s) = solve(&["AccessDenied*"], &["AccessDenied"], &[]) else {
            panic!("expected a string")
        };
        assert!(s.starts_with("AccessDenied") && s != "AccessDenied");
        assert_eq!(solve(&["a*b*c"], &["a*c"], &[]), Solved::Impossible);
        assert!(matches!(
            solve(&["*ab*"], &["*a", "b*", "*abab*"], &[]),
            Solved::Found(_)
        ));
        assert_eq!(solve(&["*"], &["**"], &[]), Solved::Impossible);
        assert_eq!(solve(&["x*", "*y"], &["x*y"], &[]), Solved::Impossible);
    }
}
