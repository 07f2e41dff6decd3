//! Stable-Rust randomized fuzzing of parse + compile + match (no nightly needed).
//!
//! `cargo run --release -p filter-pattern --example fuzz_loop -- SECONDS [SEED]`
//!
//! Each iteration builds a pattern from random bytes or by mutating a valid seed pattern,
//! parses and compiles it, checks the printer round trip on success, and matches it against
//! random and hostile events (long inputs for `%a*a*a*a*b%`-style regexes). It stops after
//! SECONDS and prints the iteration count; a panic or a single iteration slower than 2 s is
//! a failure.

use std::time::{Duration, Instant};

const SEEDS: &[&str] = &[
    "{ $.eventName = \"ConsoleLogin\" && $.additionalEventData.MFAUsed != \"Yes\" }",
    "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
    "{ $.a[*].b = %a*a*a*a*b% || $.c.* IS NULL && $.d NOT EXISTS }",
    "[ip, user, ..., status_code = 4* || status_code = %5\\d\\d%, bytes > 1000]",
    "?ERROR ?WARN -DEBUG \"two words\"",
    "%a*a*a*a*a*a*b%",
    "%^(x|[a-c]{1,3}?\\x41)+$%",
    "{ $.['a.b'][0] >= 1e3 && $.x = -0.5 }",
    "",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALPHABET: &[u8] = b"{}[]()$.*%\"'=!<>&|?-_,: \\abcAZ019eE+ISNULLTRUEXISTS\n\t";

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = if bytes.is_empty() {
            0
        } else {
            rng.below(bytes.len() + 1)
        };
        match rng.below(4) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 if at < bytes.len() => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
            2 => {
                let piece = SEEDS[rng.below(SEEDS.len())].as_bytes();
                let start = rng.below(piece.len() + 1);
                let end = (start + rng.below(12)).min(piece.len());
                bytes.splice(at..at, piece[start..end].iter().copied());
            }
            _ => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn random_bytes(rng: &mut Rng) -> String {
    let len = rng.below(64);
    let bytes: Vec<u8> = (0..len).map(|_| (rng.next() & 0xff) as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn events(rng: &mut Rng) -> Vec<String> {
    vec![
        r#"{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"No"},"a":[{"b":"aaab"}],"c":{"x":null},"a.b":[1000]}"#.to_string(),
        "127.0.0.1 frank [10/Oct/2000] \"GET /x\" 404 1534".to_string(),
        format!("{{\"a\":[{{\"b\":\"{}\"}}]}}", "a".repeat(20_000)),
        "a".repeat(50_000),
        "[".repeat(5_000),
        random_bytes(rng),
        mutate(rng, r#"{"x":{"y":[1,2,{"z":"w"}]},"errorCode":"AccessDenied"}"#),
    ]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let seed: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    let start = Instant::now();
    let (mut iterations, mut valid, mut slowest) = (0u64, 0u64, Duration::ZERO);
    while start.elapsed() < Duration::from_secs(seconds) {
        let text = if rng.below(4) == 0 {
            random_bytes(&mut rng)
        } else {
            let seed = SEEDS[rng.below(SEEDS.len())];
            mutate(&mut rng, seed)
        };
        let t = Instant::now();
        if let Ok(compiled) = filter_pattern::compile(&text) {
            valid += 1;
            let printed = compiled.pattern().to_string();
            let reparsed = filter_pattern::parse(&printed)
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?} fails: {e}"));
            assert_eq!(&reparsed, compiled.pattern(), "{text:?} -> {printed:?}");
            let set = filter_pattern::PatternSet::new(vec![compiled.clone()]);
            for event in events(&mut rng) {
                assert_eq!(compiled.matches(&event), set.matches(&event)[0], "{text:?}");
            }
        }
        let took = t.elapsed();
        slowest = slowest.max(took);
        assert!(took < Duration::from_secs(2), "{text:?} took {took:?}");
        iterations += 1;
    }
    println!(
        "fuzz_loop: {iterations} iterations ({valid} valid patterns) in {:.1?}, slowest {slowest:?}",
        start.elapsed()
    );
}
