//! Parse errors with the byte span they concern and a rustc-style rendering.

use std::fmt;
use std::ops::Range;

/// Why a filter pattern was rejected, and where.
///
/// Messages follow the wording the CloudWatch Logs service uses in its
/// `InvalidParameterException` (spec §13), so users recognise them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte range in the pattern text the error points at (may be empty at the end).
    pub span: Range<usize>,
    /// The message, worded like the service's.
    pub message: String,
}

/// `Invalid metric filter pattern`: the service's catch-all message.
pub(crate) const INVALID: &str = "Invalid metric filter pattern";

impl ParseError {
    /// An error at `span` with `message`.
    pub(crate) fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        ParseError {
            span,
            message: message.into(),
        }
    }

    /// The catch-all `Invalid metric filter pattern` at `span`.
    pub(crate) fn invalid(span: Range<usize>) -> Self {
        ParseError::new(span, INVALID)
    }

    /// `Invalid character(s) in term '<term>'` at `span`.
    pub(crate) fn invalid_term(span: Range<usize>, term: &str) -> Self {
        ParseError::new(span, format!("Invalid character(s) in term '{term}'"))
    }

    /// Prints the message, the pattern and a caret line under the span, like rustc:
    ///
    /// ```text
    /// error: Invalid character(s) in term '*'
    ///   |
    ///   | ERR*
    ///   |    ^
    /// ```
    ///
    /// Carets are placed by character (not byte) so non-ASCII text lines up; a span at the
    /// end of the text gets one caret just past it.
    pub fn render(&self, pattern: &str) -> String {
        let start = floor_char_boundary(pattern, self.span.start.min(pattern.len()));
        let end = floor_char_boundary(pattern, self.span.end.clamp(start, pattern.len()));
        let shown: String = pattern
            .chars()
            .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
            .collect();
        let pad = pattern[..start].chars().count();
        let width = pattern[start..end].chars().count().max(1);
        format!(
            "error: {}\n  |\n  | {}\n  | {}{}\n",
            self.message,
            shown,
            " ".repeat(pad),
            "^".repeat(width)
        )
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at bytes {}..{})",
            self.message, self.span.start, self.span.end
        )
    }
}

impl std::error::Error for ParseError {}
