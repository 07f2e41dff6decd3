//! Unit tests of the decision procedure on syntax trees built in code.

use super::*;
use filter_pattern::ast::{CompareOp, Condition, JsonValue, Selector, Step, Test};

fn sel(path: &str) -> Selector {
    Selector {
        steps: path
            .split('.')
            .map(|s| match s.parse::<u32>() {
                Ok(i) => Step::Index(i),
                Err(_) if s == "*" => Step::Wildcard,
                Err(_) => Step::Key(s.to_string()),
            })
            .collect(),
    }
}
fn cond(path: &str, test: Test) -> JsonExpr {
    JsonExpr::Condition(Condition {
        selector: sel(path),
        test,
    })
}
fn eq(path: &str, v: &str) -> JsonExpr {
    cond(
        path,
        Test::Compare(CompareOp::Eq, JsonValue::String(v.into())),
    )
}
fn ne(path: &str, v: &str) -> JsonExpr {
    cond(
        path,
        Test::Compare(CompareOp::Ne, JsonValue::String(v.into())),
    )
}
fn num(path: &str, op: CompareOp, v: &str) -> JsonExpr {
    cond(path, Test::Compare(op, JsonValue::Number(v.into())))
}
fn or(items: Vec<JsonExpr>) -> JsonExpr {
    JsonExpr::Or(items)
}
fn and(items: Vec<JsonExpr>) -> JsonExpr {
    JsonExpr::And(items)
}
fn p(e: JsonExpr) -> Pattern {
    Pattern::Json(e)
}

fn assert_covers(r: &Pattern, c: &Pattern) {
    assert_eq!(
        covers(r, c),
        Coverage::Covers,
        "{r:?} should be covered by {c:?}"
    );
}
fn assert_misses(r: &Pattern, c: &Pattern) -> serde_json::Value {
    match covers(r, c) {
        Coverage::Misses { witness } => {
            assert!(confirmed(r, c, &witness.to_string()));
            witness
        }
        other => panic!("expected a miss for {r:?} vs {c:?}, got {other:?}"),
    }
}

#[test]
fn unauthorized_api_call_variants_nest() {
    let a = || eq("errorCode", "*UnauthorizedOperation");
    let b = || eq("errorCode", "AccessDenied*");
    let c = || ne("sourceIPAddress", "delivery.logs.amazonaws.com");
    let d = || ne("eventName", "HeadBucket");
    let v14 = p(or(vec![a(), b(), c(), d()]));
    let v12 = p(or(vec![a(), b()]));
    let v4 = p(or(vec![a(), and(vec![b(), c(), d()])]));
    let intended = p(and(vec![or(vec![a(), b()]), c(), d()]));
    let chain = [&v14, &v12, &v4, &intended];
    for (i, wide) in chain.iter().enumerate() {
        for narrow in &chain[i..] {
            assert_covers(narrow, wide);
        }
        for narrow in &chain[..i] {
            assert_misses(narrow, wide);
        }
    }
}

#[test]
fn not_equal_is_false_on_missing_fields() {
    // ¬(x != v) includes "x absent": an event without sourceIPAddress.
    let w = assert_misses(&p(eq("eventName", "X")), &p(ne("sourceIPAddress", "a")));
    assert!(w.get("sourceIPAddress").is_none() || w["sourceIPAddress"] == "a");
    assert_covers(&p(and(vec![eq("a", "x"), ne("b", "y")])), &p(ne("b", "y")));
}

#[test]
fn wildcards_and_exact_strings() {
    assert_covers(&p(eq("e", "AccessDenied")), &p(eq("e", "AccessDenied*")));
    let w = assert_misses(&p(eq("e", "AccessDenied*")), &p(eq("e", "AccessDenied")));
    assert_ne!(w["e"], "AccessDenied");
    assert_covers(&p(eq("e", "a*b*c")), &p(eq("e", "a*c")));
    assert_covers(&p(eq("e", "x")), &p(eq("e", "*")));
    assert_misses(&p(eq("e", "*")), &p(eq("e", "x*")));
}

#[test]
fn numbers_compare_as_decimals_and_text() {
    assert_covers(
        &p(num("a", CompareOp::Gt, "5")),
        &p(num("a", CompareOp::Ge, "5")),
    );
    assert_misses(
        &p(num("a", CompareOp::Ge, "5")),
        &p(num("a", CompareOp::Gt, "5")),
    );
    // `= 1.0` matches the number 1 and the string "1.0"; `= 1` matches only the first.
    let w = assert_misses(
        &p(num("a", CompareOp::Eq, "1.0")),
        &p(num("a", CompareOp::Eq, "1")),
    );
    assert_eq!(w["a"], "1.0");
    assert_covers(
        &p(num("a", CompareOp::Eq, "1.0")),
        &p(or(vec![num("a", CompareOp::Eq, "1"), eq("a", "1.0")])),
    );
    // `= 1` also matches the string "1"; `> 0` does not.
    let w = assert_misses(
        &p(num("a", CompareOp::Eq, "1")),
        &p(num("a", CompareOp::Gt, "0")),
    );
    assert_eq!(w["a"], "1");
    assert_covers(
        &p(num("a", CompareOp::Gt, "1")),
        &p(or(vec![
            num("a", CompareOp::Gt, "2"),
            num("a", CompareOp::Le, "2"),
        ])),
    );
}

#[test]
fn prefixes_of_paths_interact() {
    // `$.a = "x"` means `$.a.b` is absent.
    assert_covers(&p(eq("a", "x")), &p(cond("a.b", Test::NotExists)));
    // `$.a.b` present makes `$.a` an object, which fails every comparison.
    let w = assert_misses(&p(eq("a.b", "x")), &p(ne("a", "q")));
    assert!(w["a"].is_object());
    // An array with element 1 has element 0.
    let never = p(and(vec![eq("a.1", "x"), cond("a.0", Test::NotExists)]));
    assert_covers(&never, &p(eq("zzz", "q")));
    let w = assert_misses(&p(eq("a.1", "x")), &p(eq("a.0", "y")));
    assert_eq!(w["a"][1], "x");
    // IS NULL holds on arrays holding a top-level null (spec §5.5 quirk).
    let w = assert_misses(
        &p(cond("a", Test::IsNull)),
        &p(cond("a.0", Test::NotExists)),
    );
    assert!(w["a"].is_null() || w["a"].is_array());
}

mod randomized {
    use super::*;
    use filter_pattern::ast::RegexLit;
    use proptest::prelude::*;

    /// Paths of the exact fragment, and (last two) wildcard selectors.
    const PATHS: &[&str] = &["a", "b", "a.b", "c.0", "c.1", "c.*", "a.*.b"];
    const EXACT_PATHS: usize = 5;

    fn test_strategy(exact: bool) -> impl Strategy<Value = Test> {
        let strings = prop::sample::select(vec![
            "x", "y", "x*", "*y", "*", "1", "xy", "1.0", "inf", "*.0",
        ]);
        let numbers =
            prop::sample::select(vec!["1", "2", "1.0", "-1", "0", "1e400", "1e-999", "+1"]);
        let regexes = prop::sample::select(vec!["x", "^x$", "[0-9]"]);
        let ops = prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne]);
        let all_ops = prop::sample::select(vec![
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Lt,
            CompareOp::Gt,
            CompareOp::Le,
            CompareOp::Ge,
        ]);
        prop_oneof![
            4 => (ops.clone(), strings).prop_map(|(op, s)| Test::Compare(op, JsonValue::String(s.into()))),
            4 => (all_ops, numbers).prop_map(|(op, n)| Test::Compare(op, JsonValue::Number(n.into()))),
            u32::from(!exact) => (ops, regexes).prop_map(|(op, r)| Test::Compare(op, JsonValue::Regex(RegexLit { source: r.into() }))),
            1 => Just(Test::IsNull),
            1 => Just(Test::NotExists),
            1 => Just(Test::IsTrue),
        ]
    }

    fn expr_strategy(exact: bool) -> impl Strategy<Value = JsonExpr> {
        let paths = if exact { &PATHS[..EXACT_PATHS] } else { PATHS };
        let leaf = (prop::sample::select(paths.to_vec()), test_strategy(exact))
            .prop_map(|(path, test)| cond(path, test));
        leaf.prop_recursive(3, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(JsonExpr::Or),
                prop::collection::vec(inner, 2..4).prop_map(JsonExpr::And),
            ]
        })
    }

    /// Raw JSON value texts, including numbers serde_json cannot hold (`1e400`).
    fn value_strategy() -> impl Strategy<Value = String> {
        let scalar = prop::sample::select(vec![
            "\"x\"", "\"xy\"", "\"y\"", "\"1\"", "\"1.0\"", "\"inf\"", "1", "2", "-1", "1.5",
            "1.0", "1e0", "0", "-0", "1e400", "1e-999", "null", "true", "false",
        ])
        .prop_map(str::to_string);
        scalar.prop_recursive(2, 6, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|v| format!("{{\"b\":{v}}}")),
                prop::collection::vec(inner, 0..3)
                    .prop_map(|items| format!("[{}]", items.join(","))),
            ]
        })
    }

    fn event_strategy() -> impl Strategy<Value = String> {
        (
            prop::option::of(value_strategy()),
            prop::option::of(value_strategy()),
            prop::option::of(value_strategy()),
        )
            .prop_map(|(a, b, c)| {
                let members: Vec<String> = [("a", a), ("b", b), ("c", c)]
                    .into_iter()
                    .filter_map(|(key, value)| value.map(|v| format!("\"{key}\":{v}")))
                    .collect();
                format!("{{{}}}", members.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn answers_agree_with_the_evaluator(
            required in expr_strategy(false),
            candidate in expr_strategy(false),
            events in prop::collection::vec(event_strategy(), 96),
        ) {
            let (r, c) = (p(required), p(candidate));
            match covers(&r, &c) {
                Coverage::Covers => {
                    for event in &events {
                        prop_assert!(!confirmed(&r, &c, event), "claimed coverage, but {event} is a counterexample");
                    }
                }
                Coverage::Misses { witness } => prop_assert!(confirmed(&r, &c, &witness.to_string())),
                Coverage::Unknown { .. } => {}
            }
        }
    }

    fn term_candidate() -> impl Strategy<Value = Pattern> {
        use filter_pattern::ast::{Term, TermKind, TermPattern};
        let kind = prop::sample::select(vec![
            TermKind::Required,
            TermKind::Optional,
            TermKind::Excluded,
        ]);
        let text = prop::sample::select(vec!["x", "a", "b", "xy", "\"a\"", "1", "inf"]);
        prop::collection::vec((kind, text), 1..3).prop_map(|items| {
            Pattern::Terms(TermPattern {
                terms: items
                    .into_iter()
                    .map(|(kind, text)| Term {
                        kind,
                        text: text.into(),
                    })
                    .collect(),
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// JSON required, term candidate (events without `\u` escapes, as assumed).
        #[test]
        fn cross_form_answers_agree_with_the_evaluator(
            required in expr_strategy(true),
            candidate in term_candidate(),
            events in prop::collection::vec(event_strategy(), 96),
        ) {
            let r = p(required);
            match covers(&r, &candidate) {
                Coverage::Covers => {
                    for event in &events {
                        prop_assert!(!confirmed(&r, &candidate, event), "claimed coverage, but {event} is a counterexample");
                    }
                }
                Coverage::Misses { witness } => prop_assert!(confirmed(&r, &candidate, &witness.to_string())),
                Coverage::Unknown { .. } => {}
            }
        }
    }

    /// Nearly every random pair in the exact fragment (no wildcard selectors, no regex) must
    /// be decided, or the test above proves little.
    #[test]
    fn most_random_pairs_are_decided() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let mut decided = 0;
        for _ in 0..400 {
            let r = expr_strategy(true).new_tree(&mut runner).unwrap().current();
            let c = expr_strategy(true).new_tree(&mut runner).unwrap().current();
            match covers(&p(r.clone()), &p(c.clone())) {
                Coverage::Unknown { reason } => {
                    eprintln!("unknown: {reason}\n  R={r:?}\n  C={c:?}")
                }
                _ => decided += 1,
            }
        }
        assert!(decided >= 396, "only {decided} of 400 random pairs decided");
    }
}

mod lints {
    use super::*;

    fn codes(pattern: &Pattern) -> Vec<&'static str> {
        lint(pattern).into_iter().map(|l| l.code).collect()
    }

    #[test]
    fn contradictions_never_match() {
        let both = p(and(vec![
            eq("eventName", "CreateTrail"),
            eq("eventName", "DeleteTrail"),
        ]));
        assert_eq!(codes(&both), vec!["never-matches"]);
        let branch = p(or(vec![
            eq("eventName", "CreateTrail"),
            and(vec![eq("a", "x"), cond("a", Test::NotExists)]),
        ]));
        assert_eq!(codes(&branch), vec!["dead-branch"]);
        // Beyond any normal-form size: 13 two-way `||`s and one contradiction.
        let mut groups: Vec<JsonExpr> = (0..13)
            .map(|i| or(vec![eq(&format!("f{i}"), "a"), eq(&format!("f{i}"), "b")]))
            .collect();
        groups.push(cond("f3", Test::NotExists));
        assert_eq!(codes(&p(and(groups))), vec!["never-matches"]);
    }

    #[test]
    fn degenerate_unauthorized_pattern_matches_almost_everything() {
        let v14 = p(or(vec![
            eq("errorCode", "*UnauthorizedOperation"),
            eq("errorCode", "AccessDenied*"),
            ne("sourceIPAddress", "delivery.logs.amazonaws.com"),
            ne("eventName", "HeadBucket"),
        ]));
        assert_eq!(
            codes(&v14)
                .iter()
                .filter(|c| **c == "near-match-all")
                .count(),
            2
        );
        let intended = p(and(vec![
            or(vec![
                eq("errorCode", "*UnauthorizedOperation"),
                eq("errorCode", "AccessDenied*"),
            ]),
            ne("sourceIPAddress", "delivery.logs.amazonaws.com"),
            ne("eventName", "HeadBucket"),
        ]));
        assert!(!codes(&intended).contains(&"near-match-all"));
    }

    #[test]
    fn event_names_are_checked_against_aws_apis() {
        assert_eq!(
            codes(&p(eq("eventName", "putbucketpolicy"))),
            vec!["event-name-case"]
        );
        assert!(lint(&p(eq("eventName", "putbucketpolicy")))[0]
            .help
            .contains("PutBucketPolicy"));
        assert_eq!(
            codes(&p(eq("eventName", "PutBucketPolicyy"))),
            vec!["unknown-event-name"]
        );
        assert!(codes(&p(eq("eventName", "ConsoleLogin"))).is_empty());
        assert!(codes(&p(eq("eventName", "Put*"))).is_empty());
        let wrong_service = p(and(vec![
            eq("eventSource", "kms.amazonaws.com"),
            eq("eventName", "PutBucketPolicy"),
        ]));
        assert_eq!(codes(&wrong_service), vec!["event-source-mismatch"]);
    }

    #[test]
    fn not_equal_on_often_absent_fields() {
        let mfa = p(and(vec![
            eq("eventName", "ConsoleLogin"),
            ne("additionalEventData.MFAUsed", "Yes"),
        ]));
        assert_eq!(codes(&mfa), vec!["ne-on-optional-field"]);
        assert!(codes(&p(ne("eventName", "HeadBucket"))).contains(&"near-match-all"));
        assert!(!codes(&p(ne("eventName", "HeadBucket"))).contains(&"ne-on-optional-field"));
    }

    #[test]
    fn mixed_and_or_without_parentheses() {
        let v4 = r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#;
        assert_eq!(lint_source(v4).len(), 1);
        assert_eq!(lint_source(v4)[0].code, "mixed-and-or");
        let grouped = r#"{ (($.a = "x") || ($.a = "y")) && $.b = "z" }"#;
        assert!(lint_source(grouped).is_empty());
        let quoted = r#"{ $.a = "x || y" && $.b = "z" }"#;
        assert!(lint_source(quoted).is_empty());
    }

    #[test]
    fn every_code_is_explained() {
        for (code, text) in LINT_CODES {
            assert_eq!(explain(code), Some(*text));
            assert!(!text.is_empty());
        }
    }
}

mod term_patterns {
    use super::*;
    use filter_pattern::ast::{Term, TermKind, TermPattern};

    fn terms(items: &[(TermKind, &str)]) -> Pattern {
        Pattern::Terms(TermPattern {
            terms: items
                .iter()
                .map(|(kind, text)| Term {
                    kind: *kind,
                    text: (*text).into(),
                })
                .collect(),
        })
    }
    use proptest::prelude::*;
    use TermKind::{Excluded as X, Optional as O, Required as R};

    fn term_pattern() -> impl Strategy<Value = Pattern> {
        let kind = prop::sample::select(vec![R, O, X]);
        let text = prop::sample::select(vec!["ab", "b", "abc", "ba", "x", "a b", "a*", "*"]);
        prop::collection::vec((kind, text), 1..4).prop_map(|items| {
            Pattern::Terms(TermPattern {
                terms: items
                    .into_iter()
                    .map(|(kind, text)| Term {
                        kind,
                        text: text.into(),
                    })
                    .collect(),
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn term_answers_agree_with_the_evaluator(
            required in term_pattern(),
            candidate in term_pattern(),
            messages in prop::collection::vec("[abx *]{0,7}", 64),
        ) {
            match covers(&required, &candidate) {
                Coverage::Covers => {
                    for message in &messages {
                        prop_assert!(!confirmed(&required, &candidate, message), "claimed coverage, but {message:?} is a counterexample");
                    }
                }
                Coverage::Misses { witness } => {
                    prop_assert!(confirmed(&required, &candidate, witness.as_str().unwrap()));
                }
                Coverage::Unknown { reason } => prop_assert!(false, "term patterns are decided exactly: {reason}"),
            }
        }
    }

    #[test]
    fn term_patterns_compare_exactly() {
        assert_covers(
            &terms(&[(R, "ERROR"), (R, "disk")]),
            &terms(&[(R, "ERROR")]),
        );
        assert_covers(&terms(&[(R, "ERROR")]), &terms(&[(R, "ERR")]));
        assert_covers(
            &terms(&[(R, "ERROR")]),
            &terms(&[(O, "ERROR"), (O, "WARN")]),
        );
        let w = assert_misses(&terms(&[(R, "ERR")]), &terms(&[(R, "ERROR")]));
        assert!(!w.as_str().unwrap().contains("ERROR"));
        assert_misses(
            &terms(&[(R, "ERROR")]),
            &terms(&[(R, "ERROR"), (X, "disk")]),
        );
        assert_covers(&terms(&[(R, "ERROR"), (X, "dis")]), &terms(&[(X, "disk")]));
        let w = assert_misses(&terms(&[(R, "ERROR"), (X, "disk")]), &terms(&[(X, "dis")]));
        assert!(w.as_str().unwrap().contains("dis"));
    }

    #[test]
    fn terms_over_json_text() {
        let login = p(eq("eventName", "ConsoleLogin"));
        assert_covers(&login, &terms(&[(R, "ConsoleLogin")]));
        assert_covers(&login, &terms(&[(R, "Login")]));
        assert_covers(&login, &terms(&[(R, "eventName")]));
        let w = assert_misses(&login, &terms(&[(R, "ConsoleLogin"), (X, "alice")]));
        assert!(w.is_object());
        // A term pattern matches plain text that no JSON pattern matches.
        let w = assert_misses(&terms(&[(R, "ConsoleLogin")]), &login);
        assert!(w.is_string());
    }
}

mod budget {
    use super::*;

    fn pair(i: usize) -> JsonExpr {
        and(vec![
            eq("eventName", &format!("Op{i:02}*")),
            ne("userIdentity.type", &format!("T{i:02}")),
        ])
    }

    #[test]
    fn long_patterns_are_decided_or_explained() {
        // ~1,000 characters each; the proof must rule out 2^14 clause choices by pruning.
        let required = p(or((0..14).map(pair).collect()));
        let mut reversed: Vec<JsonExpr> = (0..14).map(pair).collect();
        reversed.reverse();
        assert_eq!(covers(&required, &p(or(reversed))), Coverage::Covers);
        let fewer = p(or((1..14).map(pair).collect()));
        assert!(matches!(covers(&required, &fewer), Coverage::Misses { .. }));
        // An `&&` of 13 two-way `||`s has 8,192 DNF conjuncts: the lazy search never builds
        // them; it refutes `$.f0 = "a"` at once and proves the superset quickly.
        let wide = p(and((0..13)
            .map(|i| or(vec![eq(&format!("f{i}"), "a"), eq(&format!("f{i}"), "b")]))
            .collect()));
        let start = std::time::Instant::now();
        let w = assert_misses(&wide, &p(eq("f0", "a")));
        assert_eq!(w["f0"], "b");
        let superset = p(or(vec![eq("f12", "a*"), eq("f12", "b")]));
        assert_eq!(covers(&wide, &superset), Coverage::Covers);
        // A search that cannot finish within its budget answers unknown with the reason.
        let hard_required = p(and((0..16)
            .map(|i| or(vec![eq(&format!("g{i}"), "a"), eq(&format!("g{i}"), "b")]))
            .collect()));
        let hard_candidate = p(or((0..16)
            .map(|i| {
                and(vec![
                    eq(&format!("g{i}"), "a"),
                    eq(&format!("g{}", (i + 1) % 16), "b"),
                ])
            })
            .collect()));
        match covers(&hard_required, &hard_candidate) {
            Coverage::Unknown { reason } => assert!(reason.contains("budget"), "{reason}"),
            Coverage::Misses { witness } => assert!(confirmed(
                &hard_required,
                &hard_candidate,
                &witness.to_string()
            )),
            Coverage::Covers => {
                panic!("all-`a` events match the required pattern and no candidate branch")
            }
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}

/// The duplicate-key assumption of the crate docs, pinned: with unique keys `$.a = "x"` rules
/// out `$.a.b`, so this required pattern matches nothing and is covered by anything.
#[test]
fn unique_keys_assumption() {
    let r = p(and(vec![eq("a", "x"), num("a.b", CompareOp::Eq, "1")]));
    assert_eq!(covers(&r, &p(eq("z", "never"))), Coverage::Covers);
    // The evaluator itself would match the duplicate-key event.
    assert!(confirmed(
        &r,
        &p(eq("z", "never")),
        r#"{"a":{"b":1},"a":"x"}"#
    ));
}
