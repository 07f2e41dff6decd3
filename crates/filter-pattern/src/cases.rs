//! `pattern eval --cases`: one JSON test case per line in, one JSON verdict per line out.

use serde_json::{json, Value};

/// Evaluates one case line `{"pattern": "...", "event": "..."}` (line number `line_no`,
/// 1-based) and returns the output line: `{"match": true|false}`, `{"error": "<parse error>"}`
/// for an invalid pattern, or `{"error": "line N: ..."}` for a malformed case line.
pub fn eval_case_line(line: &str, line_no: usize) -> String {
    let malformed = |why: String| json!({ "error": format!("line {line_no}: {why}") }).to_string();
    let case: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return malformed(format!("not JSON: {e}")),
    };
    let field = |name: &str| case.get(name).and_then(Value::as_str);
    let Some(pattern) = field("pattern") else {
        return malformed("missing string field \"pattern\"".into());
    };
    let Some(event) = field("event") else {
        return malformed("missing string field \"event\"".into());
    };
    match crate::compile(pattern) {
        Ok(p) => json!({ "match": p.matches(event) }).to_string(),
        Err(e) => json!({ "error": e.message }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::eval_case_line;

    #[test]
    fn verdicts_and_errors() {
        assert_eq!(
            eval_case_line(r#"{"pattern":"ERROR","event":"x ERROR y"}"#, 1),
            r#"{"match":true}"#
        );
        assert_eq!(
            eval_case_line(r#"{"pattern":"ERR*","event":"x"}"#, 2),
            r#"{"error":"Invalid character(s) in term '*'"}"#
        );
        assert!(eval_case_line("nope", 3).starts_with(r#"{"error":"line 3: not JSON"#));
        assert_eq!(
            eval_case_line(r#"{"pattern":"a"}"#, 4),
            r#"{"error":"line 4: missing string field \"event\""}"#
        );
    }
}
