//! Conformance cases from the spec (`filter-pattern-language.md`): each case names its section
//! and source tag. `(pattern, event, expected)`.

use filter_pattern::{compile, PatternSet};

fn check(cases: &[(&str, &str, &str, bool)]) {
    let mut failures = Vec::new();
    for (source, pattern, event, expected) in cases {
        let compiled = compile(pattern).unwrap_or_else(|e| panic!("{source}: {pattern}: {e}"));
        if compiled.matches(event) != *expected {
            failures.push(format!(
                "{source}: {pattern} on {event:?} should be {expected}"
            ));
        }
        // The one-pass set must agree with the single evaluation.
        let set = PatternSet::new(vec![compiled]);
        assert_eq!(
            set.matches(event)[0],
            *expected,
            "set: {source}: {pattern} on {event:?}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn empty_pattern_matches_everything() {
    check(&[
        ("§1.3 API-FLE", "", "anything", true),
        ("§1.3 OBS-FLOCI", " ", "x", true),
        ("§1.3", "", "", true),
    ]);
}

#[test]
fn term_patterns() {
    check(&[
        ("§3.2 OBS-FLOCI substring", "ERROR", "xERROR", true),
        ("§3.2 OBS-FLOCI", "ERROR", "ERRORS", true),
        ("§3.2 OBS-FLOCI", "ERROR", "[ERROR]", true),
        ("§1.4 case-sensitive", "ERROR", "error", false),
        ("§3.2 FPS-2020", "ERROR", "Exiting with ERRORCODE: -1", true),
        ("§3.2 OBS-BLOG", "ARGUMENT", "ARGUMENTS", true),
        ("§3.2 FPS AND", "ERROR ARGUMENTS", "ARGUMENTS ERROR", true),
        ("§3.2 FPS AND", "ERROR ARGUMENTS", "ERROR only", false),
        ("§3.2 phrase", "\"two words\"", "two words", true),
        (
            "§3.2 OBS-FLOCI phrase",
            "\"two words\"",
            "two  words",
            false,
        ),
        (
            "§3.2 FPS",
            "\"INTERNAL SERVER ERROR\"",
            "500 INTERNAL SERVER ERROR x",
            true,
        ),
        ("§3.2 exclusion", "ERROR -DEBUG", "ERROR DEBUG", false),
        ("§3.2 exclusion", "ERROR -DEBUG", "ERROR x", true),
        ("§3.2 OBS-FLOCI only exclusions", "-ERROR", "error", true),
        ("§3.2 OBS-FLOCI only exclusions", "-ERROR", "ERROR", false),
        ("§3.2 FPS optional", "?ERROR ?WARN", "a WARN", true),
        ("§3.2 FPS optional", "?ERROR ?WARN", "INFO", false),
        (
            "§3.2 FPS ?-ignored",
            "?ERROR ?ARGUMENTS REQUEST",
            "REQUEST only",
            true,
        ),
        (
            "§3.2 OBS-FLOCI ?-ignored",
            "?ERROR timeout",
            "timeout",
            true,
        ),
        ("§3.2 OBS-FLOCI ?-ignored", "?ERROR timeout", "ERROR", false),
        ("§3.2 OBS-FLOCI ?-ignored", "?ERROR -timeout", "INFO", true),
        ("§3.1 OBS-FLOCI a-b", "a-b", "a", true),
        ("§3.1 OBS-FLOCI a-b", "a-b", "a-b", false),
        ("§3.1 OBS-FLOCI a-b", "a-b", "ab", false),
        ("§3.1 OBS-FLOCI a?b", "a?b", "a?b", true),
        ("§3.1 OBS-FLOCI a?b", "a?b", "a b", true),
        ("§3.1 OBS-FLOCI dot", "a.b", "a.b", true),
        ("§3.1 OBS-FLOCI non-ASCII", "café", "un café", true),
        ("§8 quoted star literal", "\"ERR*\"", "ERR*", true),
        ("§8 quoted star literal", "\"ERR*\"", "ERROR", false),
        (
            "§3.2 OBS-FLOCI one space phrase",
            "\" \"",
            "two words",
            true,
        ),
        ("§3.2 OBS-FLOCI one space phrase", "\" \"", "x", false),
    ]);
}

#[test]
fn regex_patterns() {
    check(&[
        (
            "§4 FPS",
            "%AUTHORIZED%",
            "[ERROR 401] UNAUTHORIZED REQUEST",
            true,
        ),
        (
            "§4 FPS",
            "%AUTHORIZED%",
            "[SUCCESS 200] AUTHORIZED REQUEST",
            true,
        ),
        ("§4 OBS-FLOCI", "%^a{3,5}$%", "aaaa", true),
        ("§4 OBS-FLOCI", "%^a{3,5}$%", "aaaaaa", false),
        ("§4 OBS-FLOCI", "%^a{3,5}$%", "aa", false),
        ("§7 OBS-FLOCI dot/newline", "%a.b%", "a\nb", false),
        ("§7 OBS-FLOCI \\s newline", "%a\\sb%", "a\nb", true),
        ("§7 FPS \\x28", "%f\\x28%", "f(x)", true),
        ("§7 FPS alternation", "%gra|ey%", "grey", true),
        ("§7 FPS classes", "%[^0-9]x%", "ax", true),
        ("§7 FPS \\w", "%\\w+@\\w+%", "mail me@host", true),
        ("§7 lazy", "%a+?b%", "aab", true),
        ("§1.4 case", "%error%", "ERROR", false),
    ]);
}

#[test]
fn json_strings_wildcards_and_types() {
    check(&[
        (
            "§5.3 OBS-FLOCI exact",
            "{ $.a = foo }",
            r#"{"a":"foo"}"#,
            true,
        ),
        (
            "§5.3 OBS-FLOCI exact",
            "{ $.a = foo }",
            r#"{"a":"FOO"}"#,
            false,
        ),
        (
            "§5.3 OBS-FLOCI exact",
            "{ $.a = foo }",
            r#"{"a":"foobar"}"#,
            false,
        ),
        ("§5.3 quoting", "{ $.a = \"foo\" }", r#"{"a":"foo"}"#, true),
        (
            "§5.3 FPS-2020 suffix",
            "{ $.a = *Event }",
            r#"{"a":"PutEvent"}"#,
            true,
        ),
        (
            "§5.3 FPS-2020 prefix",
            "{ $.a = Event* }",
            r#"{"a":"EventId"}"#,
            true,
        ),
        (
            "§5.3 prefix",
            "{ $.a = Event* }",
            r#"{"a":"PutEvent"}"#,
            false,
        ),
        (
            "§5.3 CIS quoted wildcard",
            "{ $.errorCode = \"*UnauthorizedOperation\" }",
            r#"{"errorCode":"Client.UnauthorizedOperation"}"#,
            true,
        ),
        (
            "§5.3 CIS quoted wildcard",
            "{ $.errorCode = \"AccessDenied*\" }",
            r#"{"errorCode":"AccessDeniedException"}"#,
            true,
        ),
        (
            "§5.3 CIS quoted wildcard",
            "{ $.errorCode = \"AccessDenied*\" }",
            r#"{"errorCode":"xAccessDenied"}"#,
            false,
        ),
        (
            "§14.3 choice: * matches empty",
            "{ $.a = *X }",
            r#"{"a":"X"}"#,
            true,
        ),
        (
            "§14.2 choice: infix * globs",
            "{ $.a = \"a*c\" }",
            r#"{"a":"abbc"}"#,
            true,
        ),
        (
            "§14.2 choice: infix * globs",
            "{ $.a = \"a*c\" }",
            r#"{"a":"abbd"}"#,
            false,
        ),
        (
            "§5.3 contains",
            "{ $.a = *html* }",
            r#"{"a":"x.html?y"}"#,
            true,
        ),
        (
            "§5.3 OBS-FLOCI = * any string",
            "{ $.a = * }",
            r#"{"a":""}"#,
            true,
        ),
        (
            "§5.3 OBS-FLOCI = * number",
            "{ $.a = * }",
            r#"{"a":5}"#,
            true,
        ),
        (
            "§5.3 OBS-FLOCI = * not bool",
            "{ $.a = * }",
            r#"{"a":true}"#,
            false,
        ),
        (
            "§5.3 OBS-FLOCI = * not null",
            "{ $.a = * }",
            r#"{"a":null}"#,
            false,
        ),
        (
            "§5.3 OBS-FLOCI = * not missing",
            "{ $.a = * }",
            r#"{"b":1}"#,
            false,
        ),
        (
            "§5.3 OBS-FLOCI = * not object",
            "{ $.a = * }",
            r#"{"a":{}}"#,
            false,
        ),
        (
            "§5.2-6 = true is a string",
            "{ $.a = true }",
            r#"{"a":true}"#,
            false,
        ),
        (
            "§5.2-6 = true is a string",
            "{ $.a = true }",
            r#"{"a":"true"}"#,
            true,
        ),
        ("§5.2-6 IS TRUE", "{ $.a IS TRUE }", r#"{"a":true}"#, true),
        (
            "§5.2-6 IS TRUE",
            "{ $.a IS TRUE }",
            r#"{"a":"true"}"#,
            false,
        ),
        (
            "§5.2-6 IS TRUE",
            "{ $.a IS TRUE }",
            r#"{"a":[true,false]}"#,
            false,
        ),
        (
            "§5.2-6 IS FALSE",
            "{ $.a IS FALSE }",
            r#"{"a":false}"#,
            true,
        ),
        (
            "§1.4 keywords case-insensitive",
            "{ $.a is null }",
            r#"{"a":null}"#,
            true,
        ),
        ("§5.2-5 IS NULL missing", "{ $.a IS NULL }", r#"{}"#, false),
        (
            "§5.2-5 IS NULL quirk",
            "{ $.a IS NULL }",
            r#"{"a":[null,2]}"#,
            true,
        ),
        (
            "§5.2-5 IS NULL quirk",
            "{ $.a IS NULL }",
            r#"{"a":[[null]]}"#,
            false,
        ),
        ("§5.2-3 NOT EXISTS", "{ $.a NOT EXISTS }", r#"{}"#, true),
        (
            "§5.2-3 NOT EXISTS null",
            "{ $.a NOT EXISTS }",
            r#"{"a":null}"#,
            false,
        ),
        (
            "§5.2-3 NOT EXISTS {}",
            "{ $.a NOT EXISTS }",
            r#"{"a":{}}"#,
            false,
        ),
        (
            "§5.2-3 NOT EXISTS []",
            "{ $.a NOT EXISTS }",
            r#"{"a":[]}"#,
            false,
        ),
        ("§5.2-4 != missing", "{ $.a != x }", r#"{}"#, false),
        ("§5.2-4 != null", "{ $.a != x }", r#"{"a":null}"#, false),
        ("§5.2-4 != bool", "{ $.a != x }", r#"{"a":false}"#, false),
        ("§5.2-4 != array", "{ $.a != x }", r#"{"a":["y"]}"#, false),
        ("§5.2-4 != string", "{ $.a != x }", r#"{"a":"y"}"#, true),
        (
            "§5.2-4 FPS-2020 array",
            "{ $.users = 1 }",
            r#"{"users":[1]}"#,
            false,
        ),
        (
            "§5.2-4 FPS-2020 array",
            "{ $.users != 1 }",
            r#"{"users":[1]}"#,
            false,
        ),
        (
            "§5.2-1 OBS-FLOCI array root",
            "{ $.missing NOT EXISTS }",
            "[1,2]",
            false,
        ),
        (
            "§5.2-1 OBS-FLOCI trailing",
            "{ $.missing NOT EXISTS }",
            r#"{"a":2} trailing"#,
            false,
        ),
        (
            "§14.6 choice: leading text",
            "{ $.a = 2 }",
            r#"INFO {"a":2}"#,
            false,
        ),
        (
            "§5.2-2 no implicit map",
            "{ $.a.b = 2 }",
            r#"{"a":[{"b":2}]}"#,
            false,
        ),
        (
            "§5.2-2 wildcard map",
            "{ $.a[*].b = 2 }",
            r#"{"a":[{"b":2}]}"#,
            true,
        ),
        ("§5.1 hyphen key", "{ $.a-b = 1 }", r#"{"a-b":1}"#, true),
        (
            "§5.1 FPS dotted key",
            "{ $.['cluster.name'] = \"c\" }",
            r#"{"cluster.name":"c"}"#,
            true,
        ),
        (
            "§5.1 FPS index",
            "{ $.coordinates[0][1] = 2 }",
            r#"{"coordinates":[[1,2]]}"#,
            true,
        ),
        (
            "§5.1 FPS index",
            "{ $.objectList[1].id = 2 }",
            r#"{"objectList":[{"id":1},{"id":2}]}"#,
            true,
        ),
        (
            "§5.1 FPS $.*",
            "{ $.* = %111\\.111\\.111\\.1[0-9]{1,2}% }",
            r#"{"ip":"111.111.111.123"}"#,
            true,
        ),
        (
            "§5.1 FPS regex array",
            "{ $.arrayKey[*] = %val.{2}% }",
            r#"{"arrayKey":["value"]}"#,
            true,
        ),
        (
            "§5.3 FPS regex value",
            "{ $.eventType = %Trail% }",
            r#"{"eventType":"UpdateTrail"}"#,
            true,
        ),
        (
            "§5.2-7 wildcard !=",
            "{ $.a[*] != 2 }",
            r#"{"a":[1,2]}"#,
            false,
        ),
        (
            "§5.2-7 wildcard !=",
            "{ $.a[*] != 2 }",
            r#"{"a":[1,3]}"#,
            true,
        ),
        (
            "§5.2-7 wildcard != null",
            "{ $.a[*] != 2 }",
            r#"{"a":null}"#,
            true,
        ),
        (
            "§5.2-7 wildcard != []",
            "{ $.a[*] != 2 }",
            r#"{"a":[]}"#,
            true,
        ),
        (
            "§5.2-7 wildcard != scalar",
            "{ $.a[*] != 2 }",
            r#"{"a":2}"#,
            true,
        ),
        (
            "§5.2-7 wildcard != missing",
            "{ $.a[*] != 2 }",
            r#"{}"#,
            false,
        ),
        (
            "§5.2-7 wildcard NOT EXISTS",
            "{ $.a[*] NOT EXISTS }",
            r#"{"a":{}}"#,
            true,
        ),
        (
            "§5.2-7 wildcard NOT EXISTS",
            "{ $.a[*] NOT EXISTS }",
            r#"{"a":[1]}"#,
            false,
        ),
        (
            "§5.2-7 .* on object",
            "{ $.a.* = 1 }",
            r#"{"a":{"x":1}}"#,
            true,
        ),
        (
            "§5.2-7 [*] on object",
            "{ $.a[*] = 1 }",
            r#"{"a":{"x":1}}"#,
            true,
        ),
        (
            "§14.4 choice: backslash is literal",
            r#"{ $.a = "x\y" }"#,
            r#"{"a":"x\\y"}"#,
            true,
        ),
        (
            "escaped JSON string",
            "{ $.a = \"é\" }",
            r#"{"a":"\u00e9"}"#,
            true,
        ),
        ("escaped JSON key", "{ $.ab = 1 }", r#"{"a\u0062":1}"#, true),
    ]);
}

#[test]
fn json_numbers_table_5_4() {
    let events = [
        r#"{"a":1}"#,
        r#"{"a":1.0}"#,
        r#"{"a":"1"}"#,
        r#"{"a":"1.0"}"#,
        r#"{"a":"01"}"#,
        r#"{"a":1e3}"#,
        r#"{"a":"1e3"}"#,
    ];
    let table: &[(&str, [bool; 7])] = &[
        (
            "{ $.a = 1 }",
            [true, true, true, false, false, false, false],
        ),
        (
            "{ $.a = 1.0 }",
            [true, true, false, true, false, false, false],
        ),
        (
            "{ $.a = \"1\" }",
            [true, false, true, false, false, false, false],
        ),
        (
            "{ $.a = +1 }",
            [true, true, false, false, false, false, false],
        ),
        (
            "{ $.a = 1e3 }",
            [false, false, false, false, false, true, true],
        ),
    ];
    for (pattern, row) in table {
        for (event, expected) in events.iter().zip(row) {
            check(&[("§5.4 OBS-FLOCI table", pattern, event, *expected)]);
        }
    }
    // `$.a > 0` row (the "—" cell is not asserted).
    for (event, expected) in [
        (r#"{"a":1}"#, true),
        (r#"{"a":1.0}"#, true),
        (r#"{"a":"1"}"#, false),
        (r#"{"a":"01"}"#, false),
        (r#"{"a":1e3}"#, true),
        (r#"{"a":"1e3"}"#, false),
    ] {
        check(&[("§5.4 OBS-FLOCI > 0", "{ $.a > 0 }", event, expected)]);
    }
    check(&[
        (
            "§5.4 exact decimal",
            "{ $.a = 9007199254740993 }",
            r#"{"a":9007199254740992}"#,
            false,
        ),
        ("§5.4 exact decimal", "{ $.a = 0 }", r#"{"a":-0.0}"#, true),
        ("§5.4 underflow", "{ $.a = 0 }", r#"{"a":1e-999}"#, true),
        (
            "§5.4 overflow not a number",
            "{ $.a > 0 }",
            r#"{"a":1e309}"#,
            false,
        ),
        (
            "§5.4 number vs string literal",
            "{ $.a = \"2\" }",
            r#"{"a":2}"#,
            true,
        ),
        (
            "§5.4 number vs string literal",
            "{ $.a = \"1\" }",
            r#"{"a":1.0}"#,
            false,
        ),
        (
            "§5.4 number vs string literal",
            "{ $.a = \"1e0\" }",
            r#"{"a":1e0}"#,
            false,
        ),
        (
            "§5.4 regex on number",
            "{ $.a = %1% }",
            r#"{"a":1e3}"#,
            true,
        ),
        (
            "§5.4 regex on number",
            "{ $.a = %1% }",
            r#"{"a":1e-999}"#,
            false,
        ),
        (
            "§5.4 regex on number",
            "{ $.a = %1% }",
            r#"{"a":-0.0}"#,
            false,
        ),
        (
            "§12 MFS latency",
            "{ $.latency = * }",
            r#"{"latency":50}"#,
            true,
        ),
        ("§5.1 ordering", "{ $.a >= 55.5 }", r#"{"a":55.5}"#, true),
        ("§5.1 ordering", "{ $.a < 1e-3 }", r#"{"a":0.0001}"#, true),
        ("§5.1 ordering", "{ $.a <= -1 }", r#"{"a":-0.5}"#, false),
    ]);
}

#[test]
fn json_precedence_fps_example() {
    let event = r#"{"user":{"email":"John.Stiles@example.com"},"coordinates":[[1,2]],"actions":["a","b","c"]}"#;
    check(&[
        (
            "§5.2-8 FPS",
            r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }"#,
            event,
            true,
        ),
        (
            "§5.2-8 FPS",
            r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }"#,
            event,
            false,
        ),
        ("§5.1 no spaces", "{($.a=1)||($.b=2)}", r#"{"b":2}"#, true),
    ]);
}

#[test]
fn space_delimited_patterns() {
    let apache =
        r#"127.0.0.1 frank admin [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
    check(&[
        ("§6.1 FPS-2020", "[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", apache, true),
        ("§6.1 FPS-2020", "[ip, user, username, timestamp, request =*.html*, status_code = 5*, bytes]", apache, false),
        ("§6.1 MFS", "[..., status_code, bytes > 1000]", apache, true),
        ("§6.1 MFS", "[..., status_code, bytes > 2000]", apache, false),
        ("§6.1 FPS-2020", "[ip, user, ...]", apache, true),
        ("§6.1 status or", "[ip, user, username, timestamp, request, status_code = 404 || status_code = 410, bytes]", apache, true),
        ("§6.1 FPS regex", r"[ip=%127\.0\.0\.[1-9]%, rest]", apache, true),
        ("§6.3 FPS remainder", "[w1=ERROR, w2]", "ERROR 09/25/2014 12:00:02 Failed to process request", true),
        ("§6.3 too few fields", "[a, b, c]", "x y", false),
        ("§6.3 [] matches all", "[]", "anything at all", true),
        ("§6.3 [..., last]", "[..., last]", "x", true),
        ("§6.3 [first, ..., last]", "[first, ..., last]", "x", false),
        ("§6.4 numeric =", "[a=1, rest]", "1.0 x", true),
        ("§6.4 quoted text =", "[a=\"1\", rest]", "1.0 x", false),
        ("§6.4 quoted text =", "[a=\"1\", rest]", "1 x", true),
        ("§6.1 FPS w1!=", "[w1!=ERROR && w1!=WARNING, w2]", "INFO something", true),
        ("§6.1 FPS w1!=", "[w1!=ERROR && w1!=WARNING, w2]", "ERROR something", false),
        ("§6.1 MFS regex or", "[w1=ERROR || w1=%WARN%, w2]", "xWARNx y", true),
        ("§14.8 choice: order on text", "[a > 1, b]", "abc x", false),
    ]);
}

#[test]
fn section_14_choices() {
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(600), "]".repeat(600));
    check(&[
        (
            "§14.7 choice: unquoted - in JSON values",
            "{ $.awsRegion = us-east-1 }",
            r#"{"awsRegion":"us-east-1"}"#,
            true,
        ),
        (
            "§14.9 choice: property names are case-sensitive",
            "{ $.EventName = x }",
            r#"{"eventName":"x"}"#,
            false,
        ),
        (
            "§14.11 current docs: remainder binds to w2",
            "[w1=ERROR, w2]",
            "ERROR WARN message",
            true,
        ),
        (
            "choice: duplicate JSON keys, the last wins",
            "{ $.a = 2 }",
            r#"{"a":1,"a":2}"#,
            true,
        ),
        (
            "choice: duplicate JSON keys, the last wins",
            "{ $.a = 1 }",
            r#"{"a":1,"a":2}"#,
            false,
        ),
        (
            "choice: nesting deeper than 512 is not JSON",
            "{ $.b NOT EXISTS }",
            &deep,
            false,
        ),
        (
            "choice: nesting within 512 is JSON",
            "{ $.b NOT EXISTS }",
            r#"{"a":[[[1]]]}"#,
            true,
        ),
        (
            "choice: bracket key after a deeper step",
            "{ $.a.['b.c'] = 1 }",
            r#"{"a":{"b.c":1}}"#,
            true,
        ),
    ]);
}
