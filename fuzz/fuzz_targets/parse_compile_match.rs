//! cargo-fuzz target: arbitrary bytes split into a pattern and an event; parse, compile,
//! check the printer round trip, and match (single pattern and one-pattern set must agree).
//!
//! `cargo +nightly fuzz run parse_compile_match` (from the repository root). Without nightly,
//! use the stable loop: `cargo run --release -p filter-pattern --example fuzz_loop -- 600`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (pattern, event) = match text.split_once('\u{0}') {
        Some((p, e)) => (p, e),
        None => (&*text, "{\"eventName\":\"ConsoleLogin\",\"a\":[1,null,\"x\"]}"),
    };
    if let Ok(compiled) = filter_pattern::compile(pattern) {
        let printed = compiled.pattern().to_string();
        assert_eq!(
            filter_pattern::parse(&printed).as_ref(),
            Ok(compiled.pattern()),
            "{pattern:?} printed as {printed:?}"
        );
        let set = filter_pattern::PatternSet::new(vec![compiled.clone()]);
        assert_eq!(compiled.matches(event), set.matches(event)[0]);
    }
});
