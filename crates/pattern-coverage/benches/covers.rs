//! Timing of `covers` on CIS-sized patterns (< 1 ms each) and on 1,024-character patterns
//! (< 100 ms, or an unknown answer with a reason). Run: `cargo bench -p pattern-coverage`.

use filter_pattern::ast::{
    CompareOp, Condition, JsonExpr, JsonValue, Pattern, Selector, Step, Test,
};
use pattern_coverage::{covers, Coverage};

fn main() {
    divan::main();
}

fn cond(path: &str, op: CompareOp, value: &str) -> JsonExpr {
    JsonExpr::Condition(Condition {
        selector: Selector {
            steps: path.split('.').map(|k| Step::Key(k.into())).collect(),
        },
        test: Test::Compare(op, JsonValue::String(value.into())),
    })
}

fn names(names: &[String]) -> JsonExpr {
    JsonExpr::Or(
        names
            .iter()
            .map(|n| cond("eventName", CompareOp::Eq, n))
            .collect(),
    )
}

fn organizations(names_list: &[String]) -> Pattern {
    Pattern::Json(JsonExpr::And(vec![
        cond("eventSource", CompareOp::Eq, "organizations.amazonaws.com"),
        names(names_list),
    ]))
}

fn org_names() -> Vec<String> {
    [
        "AcceptHandshake",
        "AttachPolicy",
        "CreateAccount",
        "CreateOrganizationalUnit",
        "CreatePolicy",
        "DeclineHandshake",
        "DeleteOrganization",
        "DeleteOrganizationalUnit",
        "DeletePolicy",
        "DetachPolicy",
        "DisablePolicyType",
        "EnablePolicyType",
        "InviteAccountToOrganization",
        "LeaveOrganization",
        "MoveAccount",
        "RemoveAccountFromOrganization",
        "UpdatePolicy",
        "UpdateOrganizationalUnit",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn unauthorized(all_or: bool) -> Pattern {
    let a = cond("errorCode", CompareOp::Eq, "*UnauthorizedOperation");
    let b = cond("errorCode", CompareOp::Eq, "AccessDenied*");
    let c = cond(
        "sourceIPAddress",
        CompareOp::Ne,
        "delivery.logs.amazonaws.com",
    );
    let d = cond("eventName", CompareOp::Ne, "HeadBucket");
    Pattern::Json(if all_or {
        JsonExpr::Or(vec![a, b, c, d])
    } else {
        JsonExpr::Or(vec![a, JsonExpr::And(vec![b, c, d])])
    })
}

fn decided(answer: &Coverage) -> bool {
    !matches!(answer, Coverage::Unknown { .. })
}

#[divan::bench]
fn cis_unauthorized_v4_in_v14() -> bool {
    decided(&covers(
        divan::black_box(&unauthorized(false)),
        divan::black_box(&unauthorized(true)),
    ))
}

#[divan::bench]
fn cis_unauthorized_v14_in_v4_misses() -> bool {
    decided(&covers(
        divan::black_box(&unauthorized(true)),
        divan::black_box(&unauthorized(false)),
    ))
}

#[divan::bench]
fn cis_organizations_reordered() -> bool {
    let names = org_names();
    let mut reversed = names.clone();
    reversed.reverse();
    decided(&covers(
        divan::black_box(&organizations(&names)),
        divan::black_box(&organizations(&reversed)),
    ))
}

#[divan::bench]
fn cis_organizations_one_name_missing() -> bool {
    let names = org_names();
    decided(&covers(
        divan::black_box(&organizations(&names)),
        divan::black_box(&organizations(&names[1..])),
    ))
}

/// About 1,024 characters: an `||` of 28 event names against the same list minus one.
#[divan::bench]
fn long_or_of_names() -> bool {
    let list: Vec<String> = (0..28).map(|i| format!("CreateSomething{i:02}")).collect();
    decided(&covers(
        divan::black_box(&Pattern::Json(names(&list))),
        divan::black_box(&Pattern::Json(names(&list[1..]))),
    ))
}

/// About 1,024 characters of `&&` pairs joined by `||`: the candidate's negation has 2^14
/// clause choices; the search must answer (or say unknown) quickly.
#[divan::bench]
fn long_or_of_and_pairs() -> bool {
    let pair = |i: usize| {
        JsonExpr::And(vec![
            cond("eventName", CompareOp::Eq, &format!("Op{i:02}")),
            cond(
                "eventSource",
                CompareOp::Eq,
                &format!("s{i:02}.amazonaws.com"),
            ),
        ])
    };
    let required = Pattern::Json(JsonExpr::Or((0..14).map(pair).collect()));
    let candidate = Pattern::Json(JsonExpr::Or((1..15).map(pair).collect()));
    decided(&covers(
        divan::black_box(&required),
        divan::black_box(&candidate),
    ))
}

/// Same shape, but the candidate contains every pair of the required pattern (a proof must
/// rule out every clause choice).
#[divan::bench]
fn long_or_of_and_pairs_covered() -> bool {
    let pair = |i: usize| {
        JsonExpr::And(vec![
            cond("eventName", CompareOp::Eq, &format!("Op{i:02}*")),
            cond("userIdentity.type", CompareOp::Ne, &format!("T{i:02}")),
        ])
    };
    let required = Pattern::Json(JsonExpr::Or((0..14).map(pair).collect()));
    let mut reversed: Vec<JsonExpr> = (0..14).map(pair).collect();
    reversed.reverse();
    decided(&covers(
        divan::black_box(&required),
        divan::black_box(&Pattern::Json(JsonExpr::Or(reversed))),
    ))
}

/// About 1,024 characters of many-star globs: string constraints dominate.
#[divan::bench]
fn long_globs() -> bool {
    let glob = |i: usize| {
        format!(
            "*{}*",
            (0..6)
                .map(|k| format!("p{}", (i + k) % 9))
                .collect::<Vec<_>>()
                .join("*")
        )
    };
    let required = Pattern::Json(JsonExpr::Or(
        (0..8).map(|i| cond("a", CompareOp::Eq, &glob(i))).collect(),
    ));
    let candidate = Pattern::Json(JsonExpr::Or(
        (1..9).map(|i| cond("a", CompareOp::Eq, &glob(i))).collect(),
    ));
    decided(&covers(
        divan::black_box(&required),
        divan::black_box(&candidate),
    ))
}

/// About 1,000 characters: an `&&` of 13 two-way `||`s (8,192 DNF conjuncts, never built)
/// against a superset candidate.
#[divan::bench]
fn long_and_of_ors_covered() -> bool {
    let field = |i: usize| format!("f{i}");
    let required = Pattern::Json(JsonExpr::And(
        (0..13)
            .map(|i| {
                JsonExpr::Or(vec![
                    cond(&field(i), CompareOp::Eq, "a"),
                    cond(&field(i), CompareOp::Eq, "b"),
                ])
            })
            .collect(),
    ));
    let candidate = Pattern::Json(JsonExpr::Or(vec![
        cond("f12", CompareOp::Eq, "a*"),
        cond("f12", CompareOp::Eq, "b"),
    ]));
    decided(&covers(
        divan::black_box(&required),
        divan::black_box(&candidate),
    ))
}

/// Every ordered pair of distinct published CIS texts of the same control topic, all versions
/// (parsed once outside the timing); one iteration decides all of them.
#[divan::bench]
fn cis_all_published_pairs(bencher: divan::Bencher) {
    let mut pairs = Vec::new();
    for topic in cis_catalogue::Topic::ALL {
        let mut texts: Vec<&str> = Vec::new();
        for benchmark in cis_catalogue::Benchmark::ALL {
            for control in cis_catalogue::controls(benchmark)
                .into_iter()
                .filter(|c| c.topic == topic)
            {
                for p in control.patterns() {
                    if !texts.contains(&p.text) {
                        texts.push(p.text);
                    }
                }
            }
        }
        for left in &texts {
            for right in &texts {
                let parse = |t: &str| filter_pattern::parse(t).expect("published patterns parse");
                pairs.push((parse(left), parse(right)));
            }
        }
    }
    eprintln!(
        "cis_all_published_pairs: {} pairs per iteration",
        pairs.len()
    );
    bencher.bench(|| {
        pairs
            .iter()
            .filter(|(r, c)| decided(&covers(divan::black_box(r), divan::black_box(c))))
            .count()
    });
}
