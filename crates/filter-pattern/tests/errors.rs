//! Every rejection listed in spec §13 (and the other documented rejections), with the
//! service's message and the span our error points at.

use filter_pattern::parse;

fn error(pattern: &str) -> filter_pattern::ParseError {
    match parse(pattern) {
        Ok(p) => panic!("{pattern:?} should be rejected, parsed as {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn section_13_messages() {
    let invalid = "Invalid metric filter pattern";
    let cases: &[(&str, &str)] = &[
        ("ERR*", "Invalid character(s) in term '*'"),
        ("ERROR!", "Invalid character(s) in term '!'"),
        ("ERROR:", "Invalid character(s) in term ':'"),
        ("a/b", "Invalid character(s) in term '/'"),
        ("a@b", "Invalid character(s) in term '@'"),
        ("\"\"", "Invalid character(s) in term '\"\"'"),
        ("\"ERROR", "Invalid character(s) in term '\"ERROR'"),
        ("\"ERROR\"WARN", invalid),
        ("{ $.a == 1 }", invalid),
        ("{ $.a = 1 AND $.b = 2 }", "Invalid character(s) in term 'AND'"),
        ("{ $.a = null }", invalid),
        ("[a == 1]", invalid),
        ("[a>\"1\", b]", invalid),
        ("{ $.a = 1e2147483648 }", invalid),
        ("%abc", "If a filter pattern starts with '%' it must end with '%'"),
        ("{ $.a = 1 } x", "If a filter pattern starts with '{' it must end with '}'"),
        ("%(ab)+%", "Invalid character(s) in term '%('"),
        ("%!%", "Invalid character(s) in term '%!'"),
        ("%café%", "Invalid character(s) in term '%café'"),
        ("%\\p%", "Failed to compile regular expression."),
        ("%[z-a]%", "Failed to compile regular expression."),
        ("%a++%", "Failed to compile regular expression."),
        ("{ $.a = %a% || $.b = %b% || $.c = %c% }", "Your input has exceeded the maximum of 2 regular expressions per filter pattern."),
        ("{ $.a[*].* = 1 }", "Your filter pattern has a JSON path selector that exceeds the maximum of 1 wildcard allowed per json selector."),
        ("[a, a]", "Duplicate field 'a'"),
        ("[a, ..., b, ...]", "Duplicate field '...'"),
        ("[a=ERROR || b=one, b]", "Multiple variables used in a single filter. Var1 : a, Var2 : b"),
        ("{ $.a IS NOT NULL }", "Invalid character(s) in term 'NOT'"),
        ("{ $['a.b'] = 2 }", "Invalid character(s) in term '$['"),
        ("{ $[1] = 2 }", "Invalid character(s) in term '$['"),
        ("%%", "Invalid character(s) in term '%%'"),
        ("%a b%", "Invalid character(s) in term ' '"),
    ];
    let mut wrong = Vec::new();
    for (pattern, message) in cases {
        let e = error(pattern);
        if e.message != *message {
            wrong.push(format!(
                "{pattern:?}: got {:?}, want {message:?}",
                e.message
            ));
        }
        assert!(
            e.span.end <= pattern.len() && e.span.start <= e.span.end,
            "{pattern}: {e:?}"
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn other_documented_rejections() {
    for pattern in [
        "ERROR %WARN%",   // §2 regex with terms
        "?%WARN%",        // §2
        "%ERROR% %WARN%", // §2
        "{ $.a = 1 } { $.b = 2 }",
        "{ $.a[-1] = 1 }",     // §5.1 negative index
        "{ $ = 1 }",           // §5.1 root alone
        "{ $.[\"a.b\"] = 1 }", // §5.1 double-quoted bracket key
        "{ $.a > \"0\" }",     // §5.1 ordering takes numbers
        "{ $.a = 'Root' }",    // §5.1 single quotes are not strings
        "{ $.a = a:b }",       // §5.1 unquoted colon
        "{ $.a = 1 OR $.b = 2 }",
        "[1a, b]", // §6.1 names start with a letter
        "{ $.a = %x% && $.b > %y% }",
        "{ $.a = 1 && }",
        "{ ($.a = 1 }",
        "{}",
        "[a,]",
    ] {
        error(pattern);
    }
    let long = format!("\"{}\"", "a".repeat(1023));
    assert_eq!(
        error(&long).message,
        "Member must have length less than or equal to 1024"
    );
    assert!(parse(&format!("\"{}\"", "a".repeat(1022))).is_ok());
}

#[test]
fn wildcard_selector_quota_per_pattern() {
    assert!(parse("{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 }").is_ok());
    let e = error("{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }");
    assert!(e.message.contains("maximum of 3 wildcard"), "{e:?}");
}

#[test]
fn caret_rendering_points_at_the_span() {
    let e = error("ERR*");
    assert_eq!(e.span, 3..4);
    assert_eq!(
        e.render("ERR*"),
        "error: Invalid character(s) in term '*'\n  |\n  | ERR*\n  |    ^\n"
    );
    let pattern = "{ $.a = 1 AND $.b = 2 }";
    let rendered = error(pattern).render(pattern);
    assert!(rendered.ends_with("  |           ^^^\n"), "{rendered}");
    // Non-ASCII text before the span: carets align by character.
    let pattern = "é ERR*";
    assert!(error(pattern).render(pattern).ends_with("  |      ^\n"));
}
