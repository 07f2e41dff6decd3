//! Lints on one filter pattern: mistakes that parse fine but do not mean what the author meant.

use crate::model::Conjunct;
use crate::operations::{case_fix, event_sources};
use crate::{json_conjuncts, satisfiable};
use filter_pattern::ast::{CompareOp, Condition, JsonExpr, JsonValue, Pattern, Step, Test};

/// How serious a lint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The pattern is almost certainly wrong (never matches, or names an event that cannot occur).
    Error,
    /// The pattern probably does not do what was meant.
    Warning,
}

/// One finding about a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Lint {
    /// A stable identifier, see [`LINT_CODES`].
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong, naming the part of the pattern.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Every lint code with its explanation (what it checks and why it matters).
pub const LINT_CODES: &[(&str, &str)] = &[
    ("never-matches", "No log event can satisfy the pattern: it requires contradicting things, such as one field equal to two different values. A metric filter with this pattern never counts anything, so its alarm can never fire."),
    ("dead-branch", "One `||` alternative can never match (its conditions contradict each other), so it adds nothing; usually a typo or a misplaced `&&`."),
    ("near-match-all", "An `||` alternative made only of `!=` conditions on fields every CloudTrail event carries (eventName, sourceIPAddress, ...) is true for almost every event, so the filter counts nearly all API activity. CIS v1.4.0-v3.0.0 printed such a pattern for unauthorized API calls: `... || ($.sourceIPAddress != \"delivery.logs.amazonaws.com\") || ($.eventName != \"HeadBucket\")`; the intended meaning was `(A || B) && C && D`."),
    ("mixed-and-or", "`&&` binds tighter than `||`, so `A || B && C` means `A || (B && C)`. Without parentheses a reader (or the author) may have meant `(A || B) && C`. CIS v4.0.1+ prints the unauthorized-API-calls pattern this way."),
    ("unknown-event-name", "The pattern compares `$.eventName` with a name that no AWS API operation (from the AWS SDK service models) and no known console event has, so the condition never holds for real CloudTrail events."),
    ("event-name-case", "Comparisons are case-sensitive: an event name that matches an AWS API only when ignoring case (`putbucketpolicy`) never matches the real event (`PutBucketPolicy`)."),
    ("event-source-mismatch", "The same `&&` group requires an `eventSource` and an `eventName` that the service does not have, so the group never matches real events."),
    ("ne-on-optional-field", "`!=` is false when the field is absent (spec §5.5), so `$.errorCode != \"X\"` skips every successful call. Fields like errorCode, userIdentity.invokedBy, additionalEventData.*, requestParameters.* and responseElements.* are often absent; use `NOT EXISTS` alternatives (`($.f != \"X\" || $.f NOT EXISTS)`) if absent should count."),
];

/// The explanation of a lint code.
pub fn explain(code: &str) -> Option<&'static str> {
    LINT_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, text)| *text)
}

/// Fields present in every CloudTrail record.
const ALWAYS_PRESENT: &[&str] = &[
    "eventVersion",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "eventID",
    "eventType",
    "recipientAccountId",
    "userAgent",
    "requestID",
];

/// Top-level fields (or field families) that many CloudTrail records lack.
const OFTEN_ABSENT: &[&str] = &[
    "errorCode",
    "errorMessage",
    "additionalEventData",
    "requestParameters",
    "responseElements",
    "serviceEventDetails",
    "vpcEndpointId",
    "tlsDetails",
    "sharedEventID",
    "resources",
];

/// Lints a parsed pattern. Precedence lints need the source text: see [`lint_source`].
pub fn lint(pattern: &Pattern) -> Vec<Lint> {
    let Pattern::Json(expr) = pattern else {
        return Vec::new();
    };
    let mut lints = Vec::new();
    let mut conditions = Vec::new();
    collect_conditions(expr, &mut conditions);
    for condition in &conditions {
        lint_condition(condition, &mut lints);
    }
    lint_satisfiability(expr, &mut lints);
    lints
}

fn collect_conditions<'a>(expr: &'a JsonExpr, out: &mut Vec<&'a Condition>) {
    match expr {
        JsonExpr::Or(items) | JsonExpr::And(items) => {
            items.iter().for_each(|i| collect_conditions(i, out))
        }
        JsonExpr::Condition(c) => out.push(c),
    }
}

/// `$.a.b[0]` for messages.
fn selector_text(condition: &Condition) -> String {
    let mut text = String::from("$");
    for step in &condition.selector.steps {
        match step {
            Step::Key(k) => {
                text.push('.');
                text.push_str(k);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
            Step::Wildcard => text.push_str("[*]"),
        }
    }
    text
}

fn keys(condition: &Condition) -> Vec<&str> {
    condition
        .selector
        .steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => k.as_str(),
            _ => "",
        })
        .collect()
}

fn lint_condition(condition: &Condition, lints: &mut Vec<Lint>) {
    let keys = keys(condition);
    if let Test::Compare(op @ (CompareOp::Eq | CompareOp::Ne), JsonValue::String(name)) =
        &condition.test
    {
        if keys == ["eventName"] && !name.contains('*') && event_sources(name).is_empty() {
            let symbol = if *op == CompareOp::Eq { "=" } else { "!=" };
            match case_fix(name) {
                Some(fixed) => lints.push(Lint {
                    code: "event-name-case",
                    severity: Severity::Error,
                    message: format!("`$.eventName {symbol} \"{name}\"`: CloudTrail writes this event name as `{fixed}`, and comparisons are case-sensitive"),
                    help: format!("write `$.eventName {symbol} \"{fixed}\"`"),
                }),
                None => lints.push(Lint {
                    code: "unknown-event-name",
                    severity: Severity::Error,
                    message: format!("`$.eventName {symbol} \"{name}\"`: no AWS API operation or console event is named `{name}`"),
                    help: "check the spelling against the service's API reference".into(),
                }),
            }
        }
    }
    if let Test::Compare(CompareOp::Ne, value) = &condition.test {
        let often_absent = match keys.as_slice() {
            [first, ..] if OFTEN_ABSENT.contains(first) => true,
            ["userIdentity", "invokedBy" | "sessionContext" | "userName", ..] => true,
            _ => false,
        };
        if often_absent {
            let value = match value {
                JsonValue::String(s) => format!("\"{s}\""),
                JsonValue::Number(n) => n.clone(),
                JsonValue::Regex(r) => format!("%{}%", r.source),
            };
            let selector = selector_text(condition);
            lints.push(Lint {
                code: "ne-on-optional-field",
                severity: Severity::Warning,
                message: format!("`{selector} != {value}` is false for events without `{selector}`, which is common for this field"),
                help: format!("if events without the field should count, write `({selector} != {value} || {selector} NOT EXISTS)`"),
            });
        }
    }
}

fn lint_satisfiability(expr: &JsonExpr, lints: &mut Vec<Lint>) {
    if satisfiable(expr) == Some(false) {
        lints.push(Lint {
            code: "never-matches",
            severity: Severity::Error,
            message: "no log event can match this pattern: its conditions contradict each other"
                .into(),
            help: "check for one field compared with two different values under `&&`, or `&&` written for `||`".into(),
        });
        return;
    }
    if let JsonExpr::Or(branches) = expr {
        for (number, branch) in branches.iter().enumerate() {
            if satisfiable(branch) == Some(false) {
                lints.push(Lint {
                    code: "dead-branch",
                    severity: Severity::Warning,
                    message: format!(
                        "alternative {} of the top-level `||` can never match",
                        number + 1
                    ),
                    help: "remove it, or fix the contradicting conditions".into(),
                });
            }
        }
    }
    // The remaining lints read the disjunctive normal form (skipped past its size cap).
    let Ok((atoms, dnf)) = json_conjuncts(expr) else {
        return;
    };
    for conjunct in &dnf {
        lint_near_match_all(&atoms, conjunct, lints);
        lint_source_mismatch(&atoms, conjunct, lints);
    }
}

fn lint_near_match_all(atoms: &crate::model::Atoms, conjunct: &Conjunct, lints: &mut Vec<Lint>) {
    use crate::model::PathStep;
    let all_ne_on_common = !conjunct.is_empty()
        && conjunct.iter().all(|&(atom, holds)| {
            let atom = &atoms.atoms[atom];
            holds
                && matches!(atom.test, Test::Compare(CompareOp::Ne, _))
                && matches!(atoms.paths[atom.path].as_slice(), [PathStep::Key(k)] if ALWAYS_PRESENT.contains(&k.as_str()))
        });
    if all_ne_on_common {
        let fields: Vec<String> = conjunct
            .iter()
            .filter_map(
                |&(atom, _)| match atoms.paths[atoms.atoms[atom].path].as_slice() {
                    [PathStep::Key(k)] => Some(format!("$.{k}")),
                    _ => None,
                },
            )
            .collect();
        lints.push(Lint {
            code: "near-match-all",
            severity: Severity::Warning,
            message: format!("an alternative made only of `!=` on {} is true for almost every CloudTrail event", fields.join(", ")),
            help: "join the exclusions with `&&` to the conditions they qualify, e.g. `(A || B) && C && D`".into(),
        });
    }
}

fn lint_source_mismatch(atoms: &crate::model::Atoms, conjunct: &Conjunct, lints: &mut Vec<Lint>) {
    use crate::model::PathStep;
    let equal_to = |field: &str| {
        conjunct.iter().find_map(|&(atom, holds)| {
            let atom = &atoms.atoms[atom];
            match (&atom.test, atoms.paths[atom.path].as_slice()) {
                (Test::Compare(CompareOp::Eq, JsonValue::String(v)), [PathStep::Key(k)])
                    if holds && k == field && !v.contains('*') =>
                {
                    Some(v.clone())
                }
                _ => None,
            }
        })
    };
    if let (Some(source), Some(name)) = (equal_to("eventSource"), equal_to("eventName")) {
        let sources = event_sources(&name);
        if !sources.is_empty() && !sources.contains(&source.as_str()) {
            let lint = Lint {
                code: "event-source-mismatch",
                severity: Severity::Error,
                message: format!(
                    "`{name}` is not an event of `{source}` (it belongs to {})",
                    sources.join(", ")
                ),
                help: "fix the event name or the event source".into(),
            };
            if !lints.contains(&lint) {
                lints.push(lint);
            }
        }
    }
}

/// Lints that need the pattern's text: `||` and `&&` mixed at one parenthesis level.
pub fn lint_source(text: &str) -> Vec<Lint> {
    /// One parenthesis level: where it starts, and whether it has `||` and `&&`.
    struct Level {
        start: usize,
        or: bool,
        and: bool,
    }
    let mut lints = Vec::new();
    let mut levels = vec![Level {
        start: 0,
        or: false,
        and: false,
    }];
    let mut chars = text.char_indices().peekable();
    let mut quote: Option<char> = None;
    let report = |level: &Level, end: usize, lints: &mut Vec<Lint>| {
        if level.or && level.and {
            let group = text[level.start..end]
                .trim()
                .trim_start_matches('{')
                .trim_end_matches('}')
                .trim();
            let shown: String = group.chars().take(100).collect();
            let ellipsis = if shown.len() < group.len() {
                " ..."
            } else {
                ""
            };
            lints.push(Lint {
                code: "mixed-and-or",
                severity: Severity::Warning,
                message: format!(
                    "`||` and `&&` are mixed without parentheses in `{shown}{ellipsis}` (characters {}..{}): `A || B && C` binds as `A || (B && C)`",
                    level.start, end
                ),
                help: "add parentheses to state the grouping you mean, e.g. `(A || B) && C`".into(),
            });
        }
    };
    while let Some((at, c)) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '%' | '\'' => quote = Some(c),
            '(' => levels.push(Level {
                start: at + 1,
                or: false,
                and: false,
            }),
            ')' if levels.len() > 1 => {
                if let Some(level) = levels.pop() {
                    report(&level, at, &mut lints);
                }
            }
            '|' | '&' if chars.peek().map(|(_, n)| *n) == Some(c) => {
                chars.next();
                if let Some(level) = levels.last_mut() {
                    if c == '|' {
                        level.or = true;
                    } else {
                        level.and = true;
                    }
                }
            }
            _ => {}
        }
    }
    for level in levels.iter().rev() {
        report(level, text.len(), &mut lints);
    }
    lints
}
