//! Metric values, default values and dimensions (spec §12).

use filter_pattern::{compile, MetricDatum, MetricTransformation};
use std::collections::BTreeMap;

fn dims(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn datum(value: f64, pairs: &[(&str, &str)]) -> Option<MetricDatum> {
    Some(MetricDatum {
        value,
        dimensions: dims(pairs),
    })
}

#[test]
fn json_value_default_and_non_numeric() {
    // §12 MFS example: `{ $.latency = * }` with metric value `$.latency` publishes 50.
    let p = compile("{ $.latency = * || $.probe = yes }").unwrap();
    let m = MetricTransformation::new(&p, "$.latency", Some(7.0), &BTreeMap::new()).unwrap();
    assert_eq!(m.extract(&p, r#"{"latency":50}"#), datum(50.0, &[]));
    // Matched, value field missing → default.
    assert_eq!(m.extract(&p, r#"{"probe":"yes"}"#), datum(7.0, &[]));
    // Matched, value null → default.
    assert_eq!(
        m.extract(&p, r#"{"probe":"yes","latency":null}"#),
        datum(7.0, &[])
    );
    // Matched, non-numeric string → nothing.
    assert_eq!(m.extract(&p, r#"{"latency":"slow"}"#), None);
    // Our choice: a numeric string counts as its number.
    assert_eq!(m.extract(&p, r#"{"latency":"2.5"}"#), datum(2.5, &[]));
    // Not matched → default value, no dimensions.
    assert_eq!(m.extract(&p, r#"{"other":1}"#), datum(7.0, &[]));
    let no_default = MetricTransformation::new(&p, "$.latency", None, &BTreeMap::new()).unwrap();
    assert_eq!(no_default.extract(&p, r#"{"other":1}"#), None);
    assert_eq!(no_default.extract(&p, r#"{"probe":"yes"}"#), None);
}

#[test]
fn literal_values_and_term_patterns() {
    let p = compile("ERROR").unwrap();
    let m = MetricTransformation::new(&p, "1", Some(0.0), &BTreeMap::new()).unwrap();
    assert_eq!(m.extract(&p, "ERROR x"), datum(1.0, &[]));
    assert_eq!(m.extract(&p, "INFO"), datum(0.0, &[]));
    // Dimensions need a JSON or delimited pattern.
    let e = MetricTransformation::new(&p, "1", None, &dims(&[("a", "$.a")])).unwrap_err();
    assert_eq!(
        e.0,
        "The specified filter pattern does not support dimensions"
    );
    // `$.field` needs a JSON pattern; wildcards are not values.
    assert!(MetricTransformation::new(&p, "$.a", None, &BTreeMap::new()).is_err());
    let j = compile("{ $.a = * }").unwrap();
    let e = MetricTransformation::new(&j, "$.values[*]", None, &BTreeMap::new()).unwrap_err();
    assert_eq!(e.0, "metric value $.values[*] must be a valid number");
    assert!(MetricTransformation::new(&j, "abc", None, &BTreeMap::new()).is_err());
    assert!(MetricTransformation::new(&j, "", None, &BTreeMap::new()).is_err());
}

#[test]
fn dimensions_all_or_nothing() {
    let p = compile("{ $.eventName = * }").unwrap();
    let d = dims(&[("name", "$.eventName"), ("region", "$.awsRegion")]);
    let m = MetricTransformation::new(&p, "1", None, &d).unwrap();
    assert_eq!(
        m.extract(&p, r#"{"eventName":"PutObject","awsRegion":"eu-west-1"}"#),
        datum(1.0, &[("name", "PutObject"), ("region", "eu-west-1")])
    );
    // One dimension field absent → published without any dimensions.
    assert_eq!(
        m.extract(&p, r#"{"eventName":"PutObject"}"#),
        datum(1.0, &[])
    );
    // Dimensions exclude a default value; at most three.
    assert!(MetricTransformation::new(&p, "1", Some(0.0), &d).is_err());
    let four = dims(&[("a", "$.a"), ("b", "$.b"), ("c", "$.c"), ("d", "$.d")]);
    assert!(MetricTransformation::new(&p, "1", None, &four).is_err());
}

#[test]
fn delimited_fields() {
    let p = compile("[ip, user, ..., status_code = 4*, bytes]").unwrap();
    let m = MetricTransformation::new(&p, "$bytes", None, &dims(&[("who", "$user")])).unwrap();
    let line =
        r#"127.0.0.1 frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
    assert_eq!(m.extract(&p, line), datum(1534.0, &[("who", "frank")]));
    // Positional keys for fields under the ellipsis: $3 is the bracketed timestamp.
    let m = MetricTransformation::new(&p, "1", None, &dims(&[("t", "$3")])).unwrap();
    assert_eq!(
        m.extract(&p, line),
        datum(1.0, &[("t", "10/Oct/2000:13:25:15 -0700")])
    );
    assert!(MetricTransformation::new(&p, "$nope", None, &BTreeMap::new()).is_err());
    // A non-numeric field as the value publishes nothing.
    let m = MetricTransformation::new(&p, "$user", None, &BTreeMap::new()).unwrap();
    assert_eq!(m.extract(&p, line), None);
}
