//! `trailwatch pattern covers` and `trailwatch pattern lint`: the coverage proof and the
//! pattern lints from the command line.

use anyhow::Context;
use clap::Args;
use pattern_coverage::{covers, explain, lint, lint_source, Coverage, Severity};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `trailwatch pattern covers`.
#[derive(Args)]
pub struct CoversArgs {
    /// The pattern whose events must all be caught.
    #[arg(long, required_unless_present = "cases", requires = "candidate")]
    pub required: Option<String>,
    /// The pattern that should catch them.
    #[arg(long, requires = "required")]
    pub candidate: Option<String>,
    /// A JSON Lines file of `{"required": "...", "candidate": "..."}` cases; prints one JSON
    /// answer line per input line, in order.
    #[arg(long, conflicts_with_all = ["required", "candidate"])]
    pub cases: Option<PathBuf>,
    /// Print `{"covers": true|false|null, "witness": ..., "reason": "..."}`.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `trailwatch pattern lint`.
#[derive(Args)]
pub struct LintArgs {
    /// The filter pattern.
    pub pattern: String,
    /// Print the lints as a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Exit code of one answer: covers 0, misses 1, unknown or error 2.
fn code_of(answer: &Value) -> u8 {
    match answer.get("covers") {
        Some(Value::Bool(true)) => 0,
        Some(Value::Bool(false)) => 1,
        _ => 2,
    }
}

/// Decides one case; an invalid pattern is an error naming which one.
fn decide(required: &str, candidate: &str) -> Result<Coverage, String> {
    let required =
        filter_pattern::parse(required).map_err(|e| format!("invalid required pattern: {e}"))?;
    let candidate =
        filter_pattern::parse(candidate).map_err(|e| format!("invalid candidate pattern: {e}"))?;
    Ok(covers(&required, &candidate))
}

fn answer_json(coverage: &Coverage) -> Value {
    match coverage {
        Coverage::Covers => json!({
            "covers": true,
            "witness": null,
            "reason": "every event the required pattern matches, the candidate matches too",
        }),
        Coverage::Misses { witness } => json!({
            "covers": false,
            "witness": witness,
            "reason": "the witness event is matched by the required pattern and not by the candidate",
        }),
        Coverage::Unknown { reason } => json!({"covers": null, "witness": null, "reason": reason}),
    }
}

/// Runs `trailwatch pattern covers`.
pub fn run_covers(args: CoversArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.cases {
        return run_cases(path);
    }
    let (Some(required), Some(candidate)) = (&args.required, &args.candidate) else {
        anyhow::bail!("give --required and --candidate, or --cases FILE");
    };
    let coverage = match decide(required, candidate) {
        Ok(c) => c,
        Err(message) => {
            if args.json {
                println!("{}", json!({"error": message}));
            } else {
                eprintln!("error: {message}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    let answer = answer_json(&coverage);
    if args.json {
        println!("{answer}");
    } else {
        match &coverage {
            Coverage::Covers => println!(
                "covers: every event the required pattern matches, the candidate matches too"
            ),
            Coverage::Misses { witness } => {
                println!("misses: the candidate does not match this event, which the required pattern matches:");
                println!("{}", serde_json::to_string_pretty(witness)?);
            }
            Coverage::Unknown { reason } => println!("unknown: {reason}"),
        }
    }
    Ok(ExitCode::from(code_of(&answer)))
}

fn run_cases(path: &PathBuf) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut worst = 0;
    for (number, line) in text.lines().enumerate() {
        let answer = case_answer(line).unwrap_or_else(
            |message| json!({"error": format!("{}:{}: {message}", path.display(), number + 1)}),
        );
        let code = if answer.get("error").is_some() {
            2
        } else {
            code_of(&answer)
        };
        worst = worst.max(code);
        println!("{answer}");
    }
    Ok(ExitCode::from(worst))
}

fn case_answer(line: &str) -> Result<Value, String> {
    let case: Value =
        serde_json::from_str(line).map_err(|e| format!("malformed JSON line: {e}"))?;
    let field = |name: &str| {
        case.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("missing string field \"{name}\""))
    };
    let coverage = decide(field("required")?, field("candidate")?)?;
    Ok(answer_json(&coverage))
}

/// Runs `trailwatch pattern lint`: exit 0 without findings, 1 with any, 2 for an invalid pattern.
pub fn run_lint(args: LintArgs) -> anyhow::Result<ExitCode> {
    let pattern = match filter_pattern::parse(&args.pattern) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: invalid pattern: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut lints = lint_source(&args.pattern);
    lints.extend(lint(&pattern));
    if args.json {
        let items: Vec<Value> = lints
            .iter()
            .map(|l| {
                json!({
                    "code": l.code,
                    "severity": match l.severity { Severity::Error => "error", Severity::Warning => "warning" },
                    "message": l.message,
                    "help": l.help,
                    "explanation": explain(l.code),
                })
            })
            .collect();
        println!("{}", Value::Array(items));
    } else if lints.is_empty() {
        println!("no findings");
    } else {
        for l in &lints {
            let severity = match l.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            println!("{severity}[{}]: {}\n  help: {}", l.code, l.message, l.help);
        }
    }
    Ok(ExitCode::from(u8::from(!lints.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_lines_answer_in_the_json_shape() {
        let covered =
            case_answer(r#"{"required": "{ $.a = \"x\" }", "candidate": "{ $.a = \"x*\" }"}"#)
                .unwrap();
        assert_eq!(covered["covers"], true);
        assert_eq!(code_of(&covered), 0);
        let missed =
            case_answer(r#"{"required": "{ $.a = \"x*\" }", "candidate": "{ $.a = \"x\" }"}"#)
                .unwrap();
        assert_eq!(missed["covers"], false);
        assert!(missed["witness"]["a"].as_str().unwrap().starts_with('x'));
        assert_eq!(code_of(&missed), 1);
        let err = case_answer(r#"{"required": "{ $.a = ", "candidate": "x"}"#).unwrap_err();
        assert!(err.starts_with("invalid required pattern"), "{err}");
        assert!(case_answer("not json")
            .unwrap_err()
            .starts_with("malformed JSON line"));
        assert!(case_answer(r#"{"required": "x"}"#)
            .unwrap_err()
            .contains("candidate"));
    }

    #[test]
    fn unknown_answers_exit_2() {
        let unknown = answer_json(&Coverage::Unknown {
            reason: "why".into(),
        });
        assert_eq!(unknown["covers"], Value::Null);
        assert_eq!(unknown["reason"], "why");
        assert_eq!(code_of(&unknown), 2);
    }
}
