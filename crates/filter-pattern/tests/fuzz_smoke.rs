//! A short, time-bounded fuzz run in the normal test suite: arbitrary strings and hostile
//! regexes through parse + compile + match must never panic or hang.

use proptest::prelude::*;
use std::time::{Duration, Instant};

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,40}", event in "\\PC{0,60}") {
        if let Ok(p) = filter_pattern::compile(&text) {
            let _ = p.matches(&event);
            let reparsed = filter_pattern::parse(&p.pattern().to_string());
            prop_assert_eq!(reparsed.as_ref(), Ok(p.pattern()));
        }
    }

    #[test]
    fn near_valid_patterns_never_panic(
        text in "[{}\\[\\]()$.*%\"=!<>&|?, a-cIS0-9-]{0,30}",
        event in "[{}\\[\\]\":,a-c0-9 ]{0,40}",
    ) {
        if let Ok(p) = filter_pattern::compile(&text) {
            let _ = p.matches(&event);
        }
    }
}

#[test]
fn hostile_regexes_stay_linear() {
    let long = "a".repeat(200_000);
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let json = format!("{{\"a\":\"{long}\"}}");
    for pattern in [
        "%a*a*a*a*a*a*a*a*b%",
        "%(a|aa)*b%",
        "%^[a-z]*[a-z]*[a-z]*[a-z]*1$%",
        "{ $.a = %a*a*a*a*a*a*b% }",
        "[x = %a*a*a*a*b%]",
        "{ $.a.b.c NOT EXISTS }",
    ] {
        let Ok(p) = filter_pattern::compile(pattern) else {
            continue;
        };
        for event in [&long, &nested, &json] {
            let start = Instant::now();
            let _ = p.matches(event);
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "{pattern} took {:?}",
                start.elapsed()
            );
        }
    }
}
