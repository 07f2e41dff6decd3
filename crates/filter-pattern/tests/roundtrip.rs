//! Property tests: `parse(print(p)) == p` over generated syntax trees, matching is unchanged by
//! the round trip, and a `PatternSet` agrees with evaluating each pattern on its own.

use filter_pattern::ast::*;
use filter_pattern::{parse, CompiledPattern, PatternSet};
use proptest::collection::vec;
use proptest::prelude::*;

const REGEXES: &[&str] = &["a.c", "^x", "[0-9]{2,3}", "b|y", "\\d+?z", "\\x41", "a*b"];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]{1,2}".prop_map(String::from),
        Just("a.b".to_string()),
        Just("x-y".to_string()),
    ]
}

fn selector() -> impl Strategy<Value = Selector> {
    (
        key(),
        vec(
            prop_oneof![
                key().prop_map(Step::Key),
                (0u32..3).prop_map(Step::Index),
                Just(Step::Wildcard)
            ],
            0..3,
        ),
    )
        .prop_map(|(first, rest)| {
            let mut steps = vec![Step::Key(first)];
            let mut seen_wildcard = false;
            for step in rest {
                if step == Step::Wildcard {
                    if seen_wildcard {
                        continue;
                    }
                    seen_wildcard = true;
                }
                steps.push(step);
            }
            Selector { steps }
        })
}

fn value() -> impl Strategy<Value = JsonValue> {
    prop_oneof![
        "[a-c*]{0,4}".prop_map(JsonValue::String),
        Just(JsonValue::String("1".into())),
        prop::sample::select(vec!["1", "-0.5", "1e3", "+1000", "0", "2.50"])
            .prop_map(|n| JsonValue::Number(n.into())),
        prop::sample::select(REGEXES).prop_map(|r| JsonValue::Regex(RegexLit { source: r.into() })),
    ]
}

fn compare() -> impl Strategy<Value = (CompareOp, JsonValue)> {
    prop_oneof![
        (
            prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne]),
            value()
        ),
        (
            prop::sample::select(vec![
                CompareOp::Lt,
                CompareOp::Gt,
                CompareOp::Le,
                CompareOp::Ge
            ]),
            prop::sample::select(vec!["1", "-0.5", "1e3", "0"])
                .prop_map(|n| JsonValue::Number(n.into()))
        ),
    ]
}

fn condition() -> impl Strategy<Value = JsonExpr> {
    let test = prop_oneof![
        compare().prop_map(|(op, v)| Test::Compare(op, v)),
        Just(Test::IsNull),
        Just(Test::IsTrue),
        Just(Test::IsFalse),
        Just(Test::NotExists),
    ];
    (selector(), test)
        .prop_map(|(selector, test)| JsonExpr::Condition(Condition { selector, test }))
}

fn json_expr() -> impl Strategy<Value = JsonExpr> {
    condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 2..4).prop_map(|items| flatten(items, true)),
            vec(inner, 2..4).prop_map(|items| flatten(items, false)),
        ]
    })
}

/// Same-kind children merge, as the parser does.
fn flatten(items: Vec<JsonExpr>, or: bool) -> JsonExpr {
    let mut out = Vec::new();
    for item in items {
        match item {
            JsonExpr::Or(inner) if or => out.extend(inner),
            JsonExpr::And(inner) if !or => out.extend(inner),
            other => out.push(other),
        }
    }
    if or {
        JsonExpr::Or(out)
    } else {
        JsonExpr::And(out)
    }
}

fn count(expr: &JsonExpr, f: &dyn Fn(&Condition) -> bool) -> usize {
    match expr {
        JsonExpr::Or(items) | JsonExpr::And(items) => items.iter().map(|e| count(e, f)).sum(),
        JsonExpr::Condition(c) => usize::from(f(c)),
    }
}

fn field_expr() -> impl Strategy<Value = FieldExpr> {
    let cmp = compare().prop_map(|(op, v)| FieldExpr::Compare(op, v));
    vec(vec(cmp, 1..3), 1..3).prop_map(|ors| {
        let mut ands: Vec<FieldExpr> = ors
            .into_iter()
            .map(|mut a| {
                if a.len() == 1 {
                    a.pop().unwrap()
                } else {
                    FieldExpr::And(a)
                }
            })
            .collect();
        if ands.len() == 1 {
            ands.pop().unwrap()
        } else {
            FieldExpr::Or(ands)
        }
    })
}

fn delimited() -> impl Strategy<Value = DelimitedPattern> {
    (
        vec(prop::option::of(field_expr()), 0..4),
        prop::option::of(0usize..4),
    )
        .prop_map(|(conds, ellipsis)| {
            let mut slots: Vec<Slot> = conds
                .into_iter()
                .enumerate()
                .map(|(i, condition)| Slot::Field {
                    name: format!("f{i}"),
                    condition,
                })
                .collect();
            if let Some(at) = ellipsis {
                slots.insert(at.min(slots.len()), Slot::Ellipsis);
            }
            DelimitedPattern { slots }
        })
}

fn regex_count_delimited(d: &DelimitedPattern) -> usize {
    fn walk(e: &FieldExpr) -> usize {
        match e {
            FieldExpr::Or(items) | FieldExpr::And(items) => items.iter().map(walk).sum(),
            FieldExpr::Compare(_, v) => usize::from(matches!(v, JsonValue::Regex(_))),
        }
    }
    d.slots
        .iter()
        .map(|s| match s {
            Slot::Field {
                condition: Some(c), ..
            } => walk(c),
            _ => 0,
        })
        .sum()
}

fn pattern() -> impl Strategy<Value = Pattern> {
    let term = (
        prop::sample::select(vec![
            TermKind::Required,
            TermKind::Optional,
            TermKind::Excluded,
        ]),
        "[a-zA-Z0-9_. :*%{-]{1,6}",
    )
        .prop_map(|(kind, text)| Term { kind, text });
    prop_oneof![
        Just(Pattern::MatchAll),
        vec(term, 1..4).prop_map(|terms| Pattern::Terms(TermPattern { terms })),
        prop::sample::select(REGEXES).prop_map(|r| Pattern::Regex(RegexLit { source: r.into() })),
        json_expr()
            .prop_filter("quotas", |e| {
                count(e, &|c| c.selector.steps.contains(&Step::Wildcard)) <= 3
                    && count(e, &|c| {
                        matches!(c.test, Test::Compare(_, JsonValue::Regex(_)))
                    }) <= 2
            })
            .prop_map(Pattern::Json),
        delimited()
            .prop_filter("quotas", |d| regex_count_delimited(d) <= 2)
            .prop_map(Pattern::Delimited),
    ]
}

fn json_scalar() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        prop::sample::select(vec!["1", "-0.5", "1000", "0", "2.5", "1e3"])
            .prop_map(|n| serde_json::from_str(n).unwrap()),
        "[a-c*1]{0,4}".prop_map(serde_json::Value::String),
    ]
}

fn json_event() -> impl Strategy<Value = String> {
    let leaf = json_scalar();
    let value = leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
            vec((key(), inner), 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    vec((key(), value), 0..4)
        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect()).to_string())
}

fn event() -> impl Strategy<Value = String> {
    prop_oneof![
        json_event(),
        "[a-c0-9 .\"\\[\\]]{0,20}".prop_map(String::from)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn print_then_parse_is_identity(p in pattern()) {
        let printed = p.to_string();
        let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&reparsed, &p, "printed as {}", printed);
        // The printed form is a fixed point.
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn round_trip_preserves_matching(p in pattern(), events in vec(event(), 1..6)) {
        let original = CompiledPattern::new(p.clone()).unwrap();
        let reparsed = filter_pattern::compile(&p.to_string()).unwrap();
        for e in &events {
            prop_assert_eq!(original.matches(e), reparsed.matches(e), "{} on {}", p, e);
        }
    }

    #[test]
    fn set_agrees_with_single_patterns(ps in vec(pattern(), 1..6), events in vec(event(), 1..6)) {
        let compiled: Vec<CompiledPattern> = ps.into_iter().map(|p| CompiledPattern::new(p).unwrap()).collect();
        let set = PatternSet::new(compiled.clone());
        let mut scratch = set.scratch();
        for e in &events {
            let got = set.evaluate(e, &mut scratch).to_vec();
            let want: Vec<bool> = compiled.iter().map(|p| p.matches(e)).collect();
            prop_assert_eq!(got, want, "on {}", e);
        }
    }
}
