//! Confirmation of counterexamples with the evaluator, the authority on what matches.

use filter_pattern::ast::Pattern;
use filter_pattern::CompiledPattern;

/// Whether the evaluator says `required` matches `message` and `candidate` does not.
pub(crate) fn confirmed(required: &Pattern, candidate: &Pattern, message: &str) -> bool {
    let compiled = |p: &Pattern| CompiledPattern::new(p.clone()).ok();
    match (compiled(required), compiled(candidate)) {
        (Some(r), Some(c)) => r.matches(message) && !c.matches(message),
        _ => false,
    }
}

/// Whether the evaluator says `pattern` matches `message` (`false` if it does not compile).
pub(crate) fn matches(pattern: &Pattern, message: &str) -> bool {
    CompiledPattern::new(pattern.clone()).is_ok_and(|p| p.matches(message))
}
