//! Metric values and dimensions a metric filter publishes for an event (spec §12,
//! PutMetricFilter's `metricTransformations`).
//!
//! - The metric value is a number literal, a `$.field` of a JSON pattern (no wildcard), or a
//!   `$name` / `$N` field of a space-delimited pattern.
//! - A matching event whose value field is missing or `null` publishes the default value (or
//!   nothing without one); a non-numeric value publishes nothing. A numeric string (`"50"`)
//!   counts as its number (our choice; the spec is silent).
//! - A non-matching event publishes the default value, without dimensions, if one is set.
//! - Dimensions (at most 3) need a JSON or delimited pattern and exclude a default value; if any
//!   dimension's field is absent (or null / not a scalar), the datum is published without any
//!   dimensions.

use crate::ast::{Pattern, Selector, Step};
use crate::compile::{place_selectors, CompiledPattern, Program, SelectorNodes};
use crate::eval::delimited_values;
use crate::json::{self, Extracted, Kind, Trie};
use crate::number::is_number_literal;
use std::collections::BTreeMap;
use std::fmt;

/// One published data point.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDatum {
    /// The value.
    pub value: f64,
    /// Dimension name → value (empty when none were configured or one was absent).
    pub dimensions: BTreeMap<String, String>,
}

/// A metric transformation rejected as the service would reject it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricError(pub String);

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MetricError {}

/// Where a metric value or dimension comes from.
#[derive(Debug, Clone)]
enum Source {
    Literal(f64),
    /// Index into the transformation's JSON selectors.
    Json(usize),
    /// A delimited field key (`$name` or `$3`).
    Field(String),
}

/// A checked metric transformation (value, default value, dimensions) for one pattern.
#[derive(Debug, Clone)]
pub struct MetricTransformation {
    value: Source,
    default_value: Option<f64>,
    dimensions: Vec<(String, Source)>,
    trie: Trie,
    nodes: Vec<SelectorNodes>,
}

/// Most dimensions one metric filter may have.
pub const MAX_DIMENSIONS: usize = 3;

impl MetricTransformation {
    /// Checks `metric_value` (`1`, `$.latency`, `$bytes`), `default_value` and `dimensions`
    /// (name → `$.field` / `$name`) against `pattern`.
    pub fn new(
        pattern: &CompiledPattern,
        metric_value: &str,
        default_value: Option<f64>,
        dimensions: &BTreeMap<String, String>,
    ) -> Result<Self, MetricError> {
        if metric_value.is_empty() || metric_value.chars().count() > 100 {
            return Err(MetricError(
                "metric value must be 1 to 100 characters long".into(),
            ));
        }
        let mut selectors = Vec::new();
        let value = source(pattern.pattern(), metric_value, &mut selectors, true)?;
        if !dimensions.is_empty() {
            if !matches!(pattern.pattern(), Pattern::Json(_) | Pattern::Delimited(_)) {
                return Err(MetricError(
                    "The specified filter pattern does not support dimensions".into(),
                ));
            }
            if default_value.is_some() {
                return Err(MetricError(
                    "a metric filter with dimensions cannot have a default value".into(),
                ));
            }
            if dimensions.len() > MAX_DIMENSIONS {
                return Err(MetricError(format!(
                    "a metric filter can have at most {MAX_DIMENSIONS} dimensions"
                )));
            }
        }
        let dimensions = dimensions
            .iter()
            .map(|(name, reference)| {
                match source(pattern.pattern(), reference, &mut selectors, false)? {
                    Source::Literal(_) => Err(MetricError(format!(
                        "dimension {name} must reference a field ($.field or $name), not {reference}"
                    ))),
                    s => Ok((name.clone(), s)),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut trie = Trie::new();
        let nodes = place_selectors(&selectors, &mut trie);
        Ok(MetricTransformation {
            value,
            default_value,
            dimensions,
            trie,
            nodes,
        })
    }

    /// The datum `pattern` (the one this was checked against) publishes for `event`, if any.
    pub fn extract(&self, pattern: &CompiledPattern, event: &str) -> Option<MetricDatum> {
        let default = || {
            self.default_value.map(|value| MetricDatum {
                value,
                dimensions: BTreeMap::new(),
            })
        };
        if !pattern.matches(event) {
            return default();
        }
        let resolved = Resolver::new(self, pattern, event);
        let value = match &self.value {
            Source::Literal(v) => *v,
            other => match resolved.get(other) {
                Lookup::Missing => return default(),
                Lookup::Other => return None,
                Lookup::Text(text) => {
                    if !is_number_literal(&text) {
                        return None;
                    }
                    text.parse::<f64>().ok().filter(|v| v.is_finite())?
                }
            },
        };
        let mut dimensions = BTreeMap::new();
        for (name, source) in &self.dimensions {
            match resolved.get(source) {
                Lookup::Text(text) => {
                    dimensions.insert(name.clone(), text);
                }
                _ => {
                    dimensions.clear();
                    break;
                }
            }
        }
        Some(MetricDatum { value, dimensions })
    }
}

fn source(
    pattern: &Pattern,
    reference: &str,
    selectors: &mut Vec<Selector>,
    is_value: bool,
) -> Result<Source, MetricError> {
    let what = if is_value {
        "metric value"
    } else {
        "dimension"
    };
    if reference.starts_with("$.") {
        let Pattern::Json(_) = pattern else {
            return Err(MetricError(format!(
                "{what} {reference} needs a JSON filter pattern"
            )));
        };
        let probe = format!("{{ {reference} NOT EXISTS }}");
        let selector = match crate::parse(&probe) {
            Ok(Pattern::Json(crate::ast::JsonExpr::Condition(c))) => c.selector,
            _ => {
                return Err(MetricError(format!(
                    "{what} {reference} is not a valid selector"
                )))
            }
        };
        if selector.steps.contains(&Step::Wildcard) {
            return Err(MetricError(format!(
                "{what} {reference} must be a valid number"
            )));
        }
        selectors.push(selector);
        return Ok(Source::Json(selectors.len() - 1));
    }
    if let Some(name) = reference.strip_prefix('$') {
        let Pattern::Delimited(d) = pattern else {
            return Err(MetricError(format!(
                "{what} {reference} needs a space-delimited filter pattern"
            )));
        };
        let named = d
            .slots
            .iter()
            .any(|s| matches!(s, crate::ast::Slot::Field { name: n, .. } if n == name));
        let positional = !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
        if !named && !positional {
            return Err(MetricError(format!(
                "{what} {reference} names no field of the pattern"
            )));
        }
        return Ok(Source::Field(reference.to_string()));
    }
    if is_value && is_number_literal(reference) {
        if let Ok(v) = reference.parse::<f64>() {
            if v.is_finite() {
                return Ok(Source::Literal(v));
            }
        }
    }
    Err(MetricError(format!(
        "{what} {reference} must be a valid number"
    )))
}

enum Lookup {
    Missing,
    Other,
    Text(String),
}

struct Resolver<'e> {
    event: &'e str,
    json: Option<Extracted>,
    nodes: &'e [SelectorNodes],
    fields: Vec<(String, std::borrow::Cow<'e, str>)>,
}

impl<'e> Resolver<'e> {
    fn new(t: &'e MetricTransformation, pattern: &CompiledPattern, event: &'e str) -> Self {
        let json = (!t.nodes.is_empty()).then(|| {
            let mut ex = Extracted::new(&t.trie);
            json::scan(event.as_bytes(), &t.trie, &mut ex);
            ex
        });
        let fields = match &pattern.program {
            Program::Delimited(d) => delimited_values(d, event).unwrap_or_default(),
            _ => Vec::new(),
        };
        Resolver {
            event,
            json,
            nodes: &t.nodes,
            fields,
        }
    }

    fn get(&self, source: &Source) -> Lookup {
        match source {
            Source::Literal(v) => Lookup::Text(v.to_string()),
            Source::Field(key) => self
                .fields
                .iter()
                .find(|(k, _)| k == key)
                .map_or(Lookup::Missing, |(_, v)| Lookup::Text(v.to_string())),
            Source::Json(i) => {
                let Some(ex) = &self.json else {
                    return Lookup::Missing;
                };
                let Some(v) = ex.values[self.nodes[*i].node as usize].last() else {
                    return Lookup::Missing;
                };
                let raw = &self.event.as_bytes()[v.start..v.end];
                match v.kind {
                    Kind::Null => Lookup::Missing,
                    Kind::Num => Lookup::Text(String::from_utf8_lossy(raw).into_owned()),
                    Kind::Str { .. } => {
                        let mut buf = Vec::new();
                        json::unescape_into(raw, &mut buf);
                        Lookup::Text(String::from_utf8_lossy(&buf).into_owned())
                    }
                    _ => Lookup::Other,
                }
            }
        }
    }
}
