//! The syntax tree of a CloudWatch Logs filter pattern.
//!
//! The parser builds these types and the canonical printer prints them; the evaluator, the
//! compiled set and the coverage proof all read them. Every node is plain data with structural
//! equality, so `parse(print(p)) == p` is a meaningful test.
//!
//! Design choices that keep the tree canonical:
//! - quoting is not recorded: a JSON value that reads as a number when bare is a
//!   [`JsonValue::Number`]; every other value (quoted, or a bare word) is a [`JsonValue::String`]
//!   whose text is the value without quotes. The printer always quotes strings, so a quoted
//!   numeric-looking string (`"1"`) stays a string and a bare `1` stays a number.
//! - parentheses are not recorded: `(a) || b` and `a || b` build the same tree; nesting lives in
//!   [`JsonExpr::And`] / [`JsonExpr::Or`] only where precedence needs it.

/// A whole filter pattern, in one of the four forms the service accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// The empty (or whitespace-only) pattern, which matches every event.
    MatchAll,
    /// Unstructured terms: `ERROR -DEBUG ?WARN "two words"`.
    Terms(TermPattern),
    /// A standalone regular expression `%...%`, searched anywhere in the event.
    Regex(RegexLit),
    /// A JSON pattern `{ ... }`.
    Json(JsonExpr),
    /// A space-delimited pattern `[a, b=..., ...]`.
    Delimited(DelimitedPattern),
}

/// An unstructured term pattern: a list of terms with their prefixes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TermPattern {
    /// The terms in the order written.
    pub terms: Vec<Term>,
}

/// One term of a term pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    /// Whether the term is required, optional (`?`) or excluded (`-`).
    pub kind: TermKind,
    /// The literal text that must (or must not) occur, without quotes.
    pub text: String,
}

/// The role of a term in a term pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    /// No prefix: must occur.
    Required,
    /// `?term`: at least one optional term must occur, unless the pattern has other terms.
    Optional,
    /// `-term`: must not occur.
    Excluded,
}

/// A regular expression in AWS's restricted dialect: the text between the `%` delimiters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegexLit {
    /// The regex source without the surrounding `%`.
    pub source: String,
}

/// A JSON pattern's boolean expression. `&&` binds tighter than `||`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JsonExpr {
    /// At least one operand holds (two or more operands).
    Or(Vec<JsonExpr>),
    /// Every operand holds (two or more operands).
    And(Vec<JsonExpr>),
    /// A single condition on one selector.
    Condition(Condition),
}

/// `selector test`, e.g. `$.eventName = "ConsoleLogin"` or `$.a NOT EXISTS`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The property the condition reads.
    pub selector: Selector,
    /// What the condition checks about it.
    pub test: Test,
}

/// A JSON property selector such as `$.a.b[0]` or `$.['key.with.dots']`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector {
    /// The steps after `$`; never empty.
    pub steps: Vec<Step>,
}

/// One step of a selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// `.name` or `.['name']`: an object member.
    Key(String),
    /// `[n]`: an array element (zero-based).
    Index(u32),
    /// `.*` or `[*]`: every array element or object member value.
    Wildcard,
}

/// The test a condition applies to the selected value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Test {
    /// `= v`, `!= v`, `< v`, `> v`, `<= v`, `>= v`.
    Compare(CompareOp, JsonValue),
    /// `IS NULL`.
    IsNull,
    /// `IS TRUE`.
    IsTrue,
    /// `IS FALSE`.
    IsFalse,
    /// `NOT EXISTS`.
    NotExists,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JsonValue {
    /// A bare numeric literal, kept exactly as written (`1`, `-0.5`, `1e3`, `+1000`).
    Number(String),
    /// A string literal (quoted, or a bare non-numeric word), without quotes. `*` is a wildcard.
    String(String),
    /// A regex value `%...%`.
    Regex(RegexLit),
}

/// A space-delimited pattern: one slot per field of the event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DelimitedPattern {
    /// The slots in order; at most one is [`Slot::Ellipsis`].
    pub slots: Vec<Slot>,
}

/// One slot of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Slot {
    /// `...`: any number of unnamed fields.
    Ellipsis,
    /// A named field with an optional condition on it (all conditions name this field).
    Field {
        /// The field's name (`status_code`).
        name: String,
        /// The condition on the field, if any.
        condition: Option<FieldExpr>,
    },
}

/// A condition on one space-delimited field, combined with `&&` / `||`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldExpr {
    /// At least one operand holds.
    Or(Vec<FieldExpr>),
    /// Every operand holds.
    And(Vec<FieldExpr>),
    /// `name op value`.
    Compare(CompareOp, JsonValue),
}
