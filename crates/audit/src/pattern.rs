//! The one seam between the audit and the pattern language: does a metric filter's pattern
//! catch the events a control asks for?
//!
//! Two modes ([`PatternMode`]):
//! - `Semantic` (default): the filter catches a published pattern when
//!   [`pattern_coverage::covers`] proves that every event the published pattern matches, the
//!   filter matches too. When the proof says `Unknown`, the engine falls back to comparing the
//!   normalised syntax trees; if they differ the verdict is `Unknown` (a person must judge),
//!   never a pass.
//! - `StrictText` (what Security Hub does): the filter must be one of the published texts up to
//!   normalisation: operand order of `||` / `&&` (nested same-operator nodes flattened), quoting,
//!   parentheses and whitespace (the parser already forgets the last three).
//!
//! A control may print several texts (variants); catching any one is enough. Where the catalogue
//! marks a text as known wrong, a filter that catches the *intended* pattern passes in semantic
//! mode, and the verdict says so. Strict mode compares with the published texts only, as Security
//! Hub would. A candidate pattern that does not parse catches nothing: AWS would reject it.

use crate::finding::PatternMode;
use cis_catalogue::PublishedPattern;
use filter_pattern::ast::{FieldExpr, JsonExpr, Pattern, Slot};
use pattern_coverage::Coverage;

/// Whether a filter's pattern catches a control's events.
#[derive(Debug, Clone, PartialEq)]
pub enum CatchVerdict {
    /// The filter catches the events of (at least) `variant`.
    Catches {
        /// The variant caught (`standard`, `sso`, ...).
        variant: String,
        /// A remark for the finding, e.g. that the intended rather than the printed pattern was
        /// used.
        note: Option<String>,
    },
    /// The filter misses events; `problem` says which, `witness` is such an event when known.
    Misses {
        /// What is missed, in words.
        problem: String,
        /// An event the benchmark's pattern matches and the filter does not.
        witness: Option<serde_json::Value>,
    },
    /// The candidate pattern is not valid; AWS would reject it.
    Invalid {
        /// The parse error.
        problem: String,
    },
    /// Neither proved nor refuted: a person must judge.
    Unknown {
        /// Why not.
        reason: String,
    },
    /// A published pattern of the catalogue does not parse (a trailwatch bug).
    CatalogueBroken {
        /// The parse error.
        problem: String,
    },
}

/// Judges `candidate` (a filter's pattern text) against every published variant of a control.
pub fn filter_catches(
    published: &[PublishedPattern],
    candidate: &str,
    mode: PatternMode,
) -> CatchVerdict {
    let candidate_ast = match filter_pattern::parse(candidate) {
        Ok(ast) => normalise(ast),
        Err(error) => {
            return CatchVerdict::Invalid {
                problem: format!("AWS would reject this pattern: {error}"),
            }
        }
    };
    let mut first_miss = None;
    let mut unknown = None;
    for variant in published {
        let required = match filter_pattern::parse(variant.text) {
            Ok(ast) => ast,
            Err(error) => {
                return CatchVerdict::CatalogueBroken {
                    problem: format!(
                    "the benchmark pattern `{}` does not parse ({error}); this is a trailwatch bug",
                    variant.text
                ),
                }
            }
        };
        let name = variant.variant.to_string();
        let text_equal = normalise(required.clone()) == candidate_ast;
        if mode == PatternMode::StrictText {
            if text_equal {
                return CatchVerdict::Catches {
                    variant: name,
                    note: None,
                };
            }
            first_miss.get_or_insert(CatchVerdict::Misses {
                problem: format!(
                    "the pattern is not the benchmark's {name} pattern (strict text comparison, as Security Hub does)"
                ),
                witness: None,
            });
            continue;
        }
        match judge_one(&required, &candidate_ast, text_equal) {
            One::Catches => {
                return CatchVerdict::Catches {
                    variant: name,
                    note: None,
                }
            }
            One::Unknown(reason) => {
                unknown.get_or_insert(reason);
            }
            One::Misses(witness) => {
                if let Some(wrong) = variant.known_wrong {
                    let intended = match filter_pattern::parse(wrong.intended) {
                        Ok(ast) => ast,
                        Err(error) => {
                            return CatchVerdict::CatalogueBroken {
                                problem: format!(
                                    "the intended pattern `{}` does not parse ({error}); this is a trailwatch bug",
                                    wrong.intended
                                ),
                            }
                        }
                    };
                    let intended_equal = normalise(intended.clone()) == candidate_ast;
                    match judge_one(&intended, &candidate_ast, intended_equal) {
                        One::Catches => {
                            return CatchVerdict::Catches {
                                variant: name.clone(),
                                note: Some(format!(
                                    "the benchmark's printed {name} pattern is known to be wrong ({}); the filter catches the intended pattern {}",
                                    wrong.why, wrong.intended
                                )),
                            }
                        }
                        One::Unknown(reason) => {
                            unknown.get_or_insert(reason);
                        }
                        One::Misses(_) => {}
                    }
                }
                first_miss.get_or_insert(CatchVerdict::Misses {
                    problem: format!(
                        "the pattern misses events the benchmark's {name} pattern catches{}",
                        witness
                            .as_ref()
                            .map(|w| format!(", such as {}", summarise(w)))
                            .unwrap_or_default()
                    ),
                    witness,
                });
            }
        }
    }
    if let Some(reason) = unknown {
        return CatchVerdict::Unknown {
            reason: format!(
                "trailwatch could not decide whether the pattern catches every event the benchmark's pattern catches: {reason}"
            ),
        };
    }
    first_miss.unwrap_or(CatchVerdict::Misses {
        problem: "the control has no published pattern".to_string(),
        witness: None,
    })
}

enum One {
    Catches,
    Misses(Option<serde_json::Value>),
    Unknown(String),
}

/// Semantic judgement of one required pattern, with the normalised-equality fallback.
fn judge_one(required: &Pattern, candidate: &Pattern, text_equal: bool) -> One {
    match pattern_coverage::covers(required, candidate) {
        Coverage::Covers => One::Catches,
        Coverage::Misses { witness } => One::Misses(Some(witness)),
        Coverage::Unknown { .. } if text_equal => One::Catches,
        Coverage::Unknown { reason } => One::Unknown(reason),
    }
}

/// The lints on a filter pattern, as `(code, message)`: mistakes that parse but probably do not
/// mean what the author meant. A pattern that does not parse has none (that is reported as
/// "AWS would reject this pattern" instead).
pub fn lints(pattern: &str) -> Vec<(String, String)> {
    let Ok(ast) = filter_pattern::parse(pattern) else {
        return Vec::new();
    };
    pattern_coverage::lint(&ast)
        .into_iter()
        .chain(pattern_coverage::lint_source(pattern))
        .map(|lint| {
            (
                lint.code.to_string(),
                format!("{}; {}", lint.message, lint.help),
            )
        })
        .collect()
}

/// Fields every CloudTrail record carries as strings: a pattern that matches every event
/// having them matches every record.
const EVERY_RECORD: &str = r#"{ ($.eventVersion = "*") && ($.eventTime = "*") && ($.eventSource = "*") && ($.eventName = "*") && ($.awsRegion = "*") && ($.eventID = "*") && ($.eventType = "*") }"#;

/// A record with only the fields of [`EVERY_RECORD`], with a value (`~`) no pattern written
/// for CloudTrail asks for. A pattern that misses it does not match every record, so no proof
/// is needed to say so.
const PROBE_RECORD: &str = r#"{"eventVersion":"~","eventTime":"~","eventSource":"~","eventName":"~","awsRegion":"~","eventID":"~","eventType":"~"}"#;

/// Whether a pattern matches (nearly) every CloudTrail event: the empty pattern, one the
/// `near-match-all` lint flags (an `||` alternative made only of `!=` tests on fields every
/// record carries), or one proven to match every event with the fields all records carry
/// (`$.eventName = "*"`, the term `eventName`, ...). A metric filter like that keeps its alarm
/// in ALARM, so the alarm does not notify again when one of a control's events arrives.
/// `Err` says why the proof could not decide (a pattern that does not parse is `Ok(false)`:
/// it is reported as invalid elsewhere).
pub fn matches_nearly_everything(pattern: &str) -> Result<bool, String> {
    let Ok(ast) = filter_pattern::parse(pattern) else {
        return Ok(false);
    };
    if ast == Pattern::MatchAll
        || pattern_coverage::lint(&ast)
            .iter()
            .any(|lint| lint.code == "near-match-all")
    {
        return Ok(true);
    }
    // Most patterns miss the probe: the proof, which can take milliseconds, runs only for the
    // few that match it.
    let Ok(compiled) = filter_pattern::CompiledPattern::new(ast) else {
        return Ok(false);
    };
    if !compiled.matches(PROBE_RECORD) {
        return Ok(false);
    }
    let every_record = filter_pattern::parse(EVERY_RECORD).expect("a valid pattern");
    match pattern_coverage::covers(&every_record, compiled.pattern()) {
        Coverage::Covers => Ok(true),
        Coverage::Misses { .. } => Ok(false),
        Coverage::Unknown { reason } => Err(reason),
    }
}

/// A short description of a witness event: its scalar fields as `path=value`, at most four.
fn summarise(witness: &serde_json::Value) -> String {
    fn leaves(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    leaves(value, path, out);
                }
            }
            serde_json::Value::Array(items) => {
                for (index, value) in items.iter().enumerate() {
                    leaves(value, format!("{path}[{index}]"), out);
                }
            }
            scalar => out.push(format!("{path}={scalar}")),
        }
    }
    let mut fields = Vec::new();
    leaves(witness, String::new(), &mut fields);
    let more = fields.len() > 4;
    fields.truncate(4);
    format!(
        "an event with {}{}",
        fields.join(", "),
        if more { ", ..." } else { "" }
    )
}

/// The normal form used for text comparison: same-operator nodes flattened, operands (and the
/// terms of a term pattern) sorted.
pub fn normalise(pattern: Pattern) -> Pattern {
    match pattern {
        Pattern::Json(expr) => Pattern::Json(normalise_json(expr)),
        Pattern::Terms(mut terms) => {
            terms.terms.sort_by_key(|t| format!("{t:?}"));
            terms.terms.dedup();
            Pattern::Terms(terms)
        }
        Pattern::Delimited(mut delimited) => {
            for slot in &mut delimited.slots {
                if let Slot::Field {
                    condition: Some(condition),
                    ..
                } = slot
                {
                    *condition = normalise_field(condition.clone());
                }
            }
            Pattern::Delimited(delimited)
        }
        other => other,
    }
}

fn normalise_json(expr: JsonExpr) -> JsonExpr {
    match expr {
        JsonExpr::Or(operands) => {
            let mut flat = Vec::new();
            for operand in operands.into_iter().map(normalise_json) {
                match operand {
                    JsonExpr::Or(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            sort_dedup(&mut flat);
            single_or(flat, JsonExpr::Or)
        }
        JsonExpr::And(operands) => {
            let mut flat = Vec::new();
            for operand in operands.into_iter().map(normalise_json) {
                match operand {
                    JsonExpr::And(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            sort_dedup(&mut flat);
            single_or(flat, JsonExpr::And)
        }
        condition => condition,
    }
}

fn normalise_field(expr: FieldExpr) -> FieldExpr {
    match expr {
        FieldExpr::Or(operands) => {
            let mut flat = Vec::new();
            for operand in operands.into_iter().map(normalise_field) {
                match operand {
                    FieldExpr::Or(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            sort_dedup(&mut flat);
            single_or(flat, FieldExpr::Or)
        }
        FieldExpr::And(operands) => {
            let mut flat = Vec::new();
            for operand in operands.into_iter().map(normalise_field) {
                match operand {
                    FieldExpr::And(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            sort_dedup(&mut flat);
            single_or(flat, FieldExpr::And)
        }
        compare => compare,
    }
}

/// Sorts by the debug text (a total order on the tree) and drops duplicates (`a || a` is `a`).
fn sort_dedup<T: std::fmt::Debug + PartialEq>(items: &mut Vec<T>) {
    items.sort_by_cached_key(|item| format!("{item:?}"));
    items.dedup();
}

/// A one-operand `||` / `&&` is its operand.
fn single_or<T>(mut items: Vec<T>, wrap: fn(Vec<T>) -> T) -> T {
    if items.len() == 1 {
        items.remove(0)
    } else {
        wrap(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use filter_pattern::ast::{CompareOp, Condition, JsonValue, Selector, Step, Test};

    fn eq(field: &str, value: &str) -> JsonExpr {
        JsonExpr::Condition(Condition {
            selector: Selector {
                steps: vec![Step::Key(field.to_string())],
            },
            test: Test::Compare(CompareOp::Eq, JsonValue::String(value.to_string())),
        })
    }

    #[test]
    fn normalising_flattens_sorts_and_dedups() {
        let nested = Pattern::Json(JsonExpr::Or(vec![
            eq("eventName", "B"),
            JsonExpr::Or(vec![eq("eventName", "A"), eq("eventName", "C")]),
        ]));
        let flat = Pattern::Json(JsonExpr::Or(vec![
            eq("eventName", "C"),
            eq("eventName", "B"),
            eq("eventName", "A"),
            eq("eventName", "A"),
        ]));
        assert_ne!(nested, flat);
        assert_eq!(normalise(nested), normalise(flat));
    }

    #[test]
    fn normalising_keeps_the_and_or_structure() {
        // (A && B) || C is not A && (B || C).
        let left = Pattern::Json(JsonExpr::Or(vec![
            JsonExpr::And(vec![eq("a", "1"), eq("b", "1")]),
            eq("c", "1"),
        ]));
        let right = Pattern::Json(JsonExpr::And(vec![
            eq("a", "1"),
            JsonExpr::Or(vec![eq("b", "1"), eq("c", "1")]),
        ]));
        assert_ne!(normalise(left), normalise(right));
    }

    #[test]
    fn a_witness_is_summarised_by_its_fields() {
        let witness = serde_json::json!({"eventName": "DetachGroupPolicy", "userIdentity": {"type": "IAMUser"}});
        assert_eq!(
            summarise(&witness),
            r#"an event with eventName="DetachGroupPolicy", userIdentity.type="IAMUser""#
        );
    }

    /// Match-all patterns however written are caught; no benchmark pattern is, except the
    /// near-match-all texts some versions printed (which the lint flags).
    #[test]
    fn patterns_matching_every_record_are_recognised_however_written() {
        for pattern in [
            "",
            r#"{ $.eventName = "*" }"#,
            r#"{ $.eventName = * }"#,
            r#"{ $.eventVersion = "*" }"#,
            r#"{ ($.eventSource = "*") && ($.eventName = "*") }"#,
            r#"{ ($.eventName = "Put*") || ($.eventName = "*") }"#,
            "eventName",
            r#"{ $.eventName != "HeadBucket" || $.eventName != "ListBuckets" }"#,
            r#"{ $.eventName != "HeadBucket" }"#,
        ] {
            assert_eq!(matches_nearly_everything(pattern), Ok(true), "{pattern}");
        }
        for pattern in [
            r#"{ $.eventName = "Put*" }"#,
            r#"{ $.requestParameters.x = "*" }"#,
            r#"{ $.eventName = "*" && $.errorCode = "AccessDenied" }"#,
            "ERROR",
        ] {
            assert_eq!(matches_nearly_everything(pattern), Ok(false), "{pattern}");
        }
        for benchmark in cis_catalogue::Benchmark::ALL {
            for control in cis_catalogue::controls(benchmark) {
                let cis_catalogue::Check::MetricFilterAlarm { patterns } = control.check else {
                    continue;
                };
                for published in patterns {
                    let linted =
                        pattern_coverage::lint(&filter_pattern::parse(published.text).unwrap())
                            .iter()
                            .any(|lint| lint.code == "near-match-all");
                    assert_eq!(
                        matches_nearly_everything(published.text),
                        Ok(linted),
                        "{benchmark} {}: {}",
                        control.id,
                        published.text
                    );
                }
            }
        }
    }
}
