//! Number constraints: "is there a JSON number whose value satisfies these comparisons and whose
//! text form satisfies these globs?".
//!
//! The evaluator (`filter_pattern`) is the oracle for number semantics, asked through tiny
//! probe patterns: what value a literal has (magnitudes below the double range are zero, above
//! it "not a number"), and whether a JSON number written a given way matches a string glob
//! (it compares its own rendering of the number). Exact decimal arithmetic (`bigdecimal`)
//! only places candidate values between literals. Claims of impossibility rest on the value
//! order and on the characters a finite number's rendering can contain (digits, `.`, `E`, `-`);
//! every number found is confirmed by the evaluator again as part of the witness.

use crate::strings::{matches_everything, Solved};
use bigdecimal::BigDecimal;
use filter_pattern::ast::{
    CompareOp, Condition, JsonExpr, JsonValue, Pattern, Selector, Step, Test,
};
use filter_pattern::CompiledPattern;
use std::str::FromStr;

/// Whether the evaluator says `{ $.v <op> <value> }` matches `{"v": <json_number>}`.
fn probe(op: CompareOp, value: JsonValue, json_number: &str) -> bool {
    let pattern = Pattern::Json(JsonExpr::Condition(Condition {
        selector: Selector {
            steps: vec![Step::Key("v".into())],
        },
        test: Test::Compare(op, value),
    }));
    CompiledPattern::new(pattern).is_ok_and(|p| p.matches(&format!("{{\"v\":{json_number}}}")))
}

/// Whether the evaluator matches the JSON number written `json_number` with the string glob.
fn rendering_matches(glob: &str, json_number: &str) -> bool {
    probe(
        CompareOp::Eq,
        JsonValue::String(glob.to_string()),
        json_number,
    )
}

/// The value of a numeric pattern literal as the evaluator reads it: `None` when it is out of
/// range (it then equals no number), zero when it underflows.
pub(crate) fn parse_decimal(text: &str) -> Option<BigDecimal> {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, Option<BigDecimal>>> =
            Default::default();
    }
    if let Some(known) = CACHE.with(|c| c.borrow().get(text).cloned()) {
        return known;
    }
    let value = read_literal(text);
    CACHE.with(|c| c.borrow_mut().insert(text.to_string(), value.clone()));
    value
}

fn read_literal(text: &str) -> Option<BigDecimal> {
    let literal = || JsonValue::Number(text.to_string());
    if !probe(CompareOp::Ge, literal(), "-1e308") && !probe(CompareOp::Le, literal(), "-1e308") {
        return None;
    }
    if probe(CompareOp::Eq, literal(), "0") {
        return Some(BigDecimal::from(0));
    }
    BigDecimal::from_str(text.strip_prefix('+').unwrap_or(text)).ok()
}

/// The characters a finite number's rendering can contain.
pub(crate) const RENDERING_CHARS: &str = "0123456789.E-";

/// The characters an out-of-range number's rendering (`inf`, `-inf`) can contain.
pub(crate) const OUT_OF_RANGE_CHARS: &str = "-inf";

/// JSON texts of out-of-range numbers, one per sign.
const OUT_OF_RANGE: [&str; 2] = ["1e400", "-1e400"];

/// A bound or point constraint on a number's value.
#[derive(Debug, Clone)]
pub(crate) enum NumberConstraint {
    /// value == d
    Equal(BigDecimal),
    /// value != d
    NotEqual(BigDecimal),
    /// value < d (strict) or <= d
    Below(BigDecimal, bool),
    /// value > d (strict) or >= d
    Above(BigDecimal, bool),
}

impl NumberConstraint {
    fn holds(&self, value: &BigDecimal) -> bool {
        match self {
            NumberConstraint::Equal(d) => value == d,
            NumberConstraint::NotEqual(d) => value != d,
            NumberConstraint::Below(d, strict) => {
                if *strict {
                    value < d
                } else {
                    value <= d
                }
            }
            NumberConstraint::Above(d, strict) => {
                if *strict {
                    value > d
                } else {
                    value >= d
                }
            }
        }
    }

    fn point(&self) -> &BigDecimal {
        match self {
            NumberConstraint::Equal(d)
            | NumberConstraint::NotEqual(d)
            | NumberConstraint::Below(d, _)
            | NumberConstraint::Above(d, _) => d,
        }
    }
}

/// The text a witness number is written with (plain decimal, no exponent).
pub(crate) fn render(value: &BigDecimal) -> String {
    let normal = value.normalized();
    if normal.is_integer() {
        normal.with_scale(0).to_string()
    } else {
        normal.to_string()
    }
}

/// A value strictly between `low` and `high` (`low < high`): `low + 10^(m-1)` where `10^m`
/// divides both, which is smaller than their difference.
fn between(low: &BigDecimal, high: &BigDecimal) -> BigDecimal {
    let scale = low
        .normalized()
        .fractional_digit_count()
        .max(high.normalized().fractional_digit_count())
        + 1;
    let step = BigDecimal::new(1.into(), scale.max(0));
    low + step
}

/// Finds a number satisfying every value constraint, whose rendering every glob in `positive`
/// matches and no glob in `negative` matches.
pub(crate) fn solve(
    constraints: &[NumberConstraint],
    positive: &[&str],
    negative: &[&str],
) -> Solved<String> {
    let globs_hold = |json_number: &str| {
        positive.iter().all(|g| rendering_matches(g, json_number))
            && !negative.iter().any(|g| rendering_matches(g, json_number))
    };
    let chars_within = |set: &str| {
        positive
            .iter()
            .all(|g| g.chars().all(|c| c == '*' || set.contains(c)))
    };
    // An out-of-range event number satisfies every `!=` number and no other value
    // constraint. serde_json cannot write one, so it is never a witness: if it fits, the
    // answer can only be undecided.
    let out_of_range_fits = negative.iter().all(|g| !matches_everything(g))
        && constraints
            .iter()
            .all(|c| matches!(c, NumberConstraint::NotEqual(_)))
        && chars_within(OUT_OF_RANGE_CHARS)
        && OUT_OF_RANGE.iter().any(|text| globs_hold(text));
    if !chars_within(RENDERING_CHARS) || negative.iter().any(|g| matches_everything(g)) {
        return if out_of_range_fits {
            Solved::Undecided
        } else {
            Solved::Impossible
        };
    }
    let mut points: Vec<BigDecimal> = constraints.iter().map(|c| c.point().clone()).collect();
    points.sort();
    points.dedup();
    let mut candidates: Vec<BigDecimal> = Vec::new();
    if let Some(NumberConstraint::Equal(d)) = constraints
        .iter()
        .find(|c| matches!(c, NumberConstraint::Equal(_)))
    {
        candidates.push(d.clone());
    } else {
        for value in [1, 0, 42] {
            candidates.push(BigDecimal::from(value));
        }
        for window in points.windows(2) {
            candidates.push(between(&window[0], &window[1]));
        }
        for point in &points {
            candidates.push(point.clone());
            candidates.push(point + BigDecimal::from(1));
            candidates.push(point - BigDecimal::from(1));
        }
        for text in positive {
            if let Ok(d) = BigDecimal::from_str(&text.replace('*', "")) {
                candidates.push(d);
            }
        }
    }
    let mut value_feasible = false;
    for candidate in &candidates {
        if !constraints.iter().all(|c| c.holds(candidate)) {
            continue;
        }
        value_feasible = true;
        let text = render(candidate);
        let mut texts = vec![text.clone()];
        if !text.contains('.') {
            // The same value written with a fraction renders differently (`1.0` is not "1").
            texts.push(format!("{text}.0"));
        }
        for text in texts {
            if (positive.is_empty() && negative.is_empty()) || globs_hold(&text) {
                return Solved::Found(text);
            }
        }
    }
    if out_of_range_fits || value_feasible || region_nonempty(constraints, &points) {
        Solved::Undecided
    } else {
        Solved::Impossible
    }
}

/// Whether some value satisfies all constraints: the feasible set is a union of intervals
/// whose ends are constraint points, so testing every point, every gap and both outer rays is
/// exhaustive.
fn region_nonempty(constraints: &[NumberConstraint], points: &[BigDecimal]) -> bool {
    let mut probes: Vec<BigDecimal> = points.to_vec();
    for window in points.windows(2) {
        probes.push(between(&window[0], &window[1]));
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        probes.push(first - BigDecimal::from(1));
        probes.push(last + BigDecimal::from(1));
    } else {
        probes.push(BigDecimal::from(0));
    }
    probes
        .iter()
        .any(|p| constraints.iter().all(|c| c.holds(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> BigDecimal {
        parse_decimal(text).unwrap()
    }

    #[test]
    fn decimals_compare_exactly() {
        assert_eq!(d("1"), d("1.0"));
        assert_eq!(d("1e3"), d("1000"));
        assert_eq!(d("+5"), d("5"));
        assert_eq!(d("1e-999"), d("0"));
        assert!(parse_decimal("1e400").is_none());
        assert_ne!(d("9007199254740993"), d("9007199254740992"));
        assert_eq!(render(&d("1e3")), "1000");
        assert_eq!(render(&d("0.50")), "0.5");
    }

    #[test]
    fn finds_values_in_open_gaps_and_proves_empty_regions() {
        let gap = [
            NumberConstraint::Above(d("1.25"), true),
            NumberConstraint::Below(d("1.26"), true),
        ];
        let Solved::Found(v) = solve(&gap, &[], &[]) else {
            panic!("gap has values")
        };
        assert!(d(&v) > d("1.25") && d(&v) < d("1.26"));
        let empty = [
            NumberConstraint::Above(d("2"), false),
            NumberConstraint::Below(d("2"), true),
        ];
        assert_eq!(solve(&empty, &[], &[]), Solved::Impossible);
        let point = [
            NumberConstraint::Equal(d("2")),
            NumberConstraint::NotEqual(d("2.0")),
        ];
        assert_eq!(solve(&point, &[], &[]), Solved::Impossible);
        assert_eq!(solve(&[], &["ConsoleLogin"], &[]), Solved::Impossible);
        // An out-of-range number renders as `inf` (and cannot be written as a witness).
        assert_eq!(solve(&[], &["inf"], &[]), Solved::Undecided);
        assert_eq!(
            solve(&[NumberConstraint::Above(d("0"), true)], &["inf"], &[]),
            Solved::Impossible
        );
        // The evaluator renders the number 1.0 as "1.0", not "1".
        assert_eq!(
            solve(&[NumberConstraint::Equal(d("1"))], &[], &["1"]),
            Solved::Found("1.0".into())
        );
        assert_eq!(solve(&[], &[], &["*"]), Solved::Impossible);
    }
}
