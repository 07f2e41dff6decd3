//! The one place that calls the filter-pattern engine: every filter's pattern compiled into one
//! set that evaluates all of them on an event in a single pass, and each filter's metric
//! transformation.

use crate::filters::FilterSpec;
use filter_pattern::{compile, Field, MetricTransformation, PatternSet, SetScratch};
use std::borrow::Cow;

/// All filters, compiled together.
pub struct Evaluator {
    set: PatternSet,
    /// The event fields the replay reads besides the filters' own, from the same pass.
    fields: EventFields,
    /// Per filter: its metric transformation, or why the service's rules reject it.
    metrics: Vec<Result<MetricTransformation, String>>,
}

/// Per-thread evaluation memory (see [`Evaluator::scratch`]).
pub struct Scratch(SetScratch);

impl Evaluator {
    /// Compiles every filter; on failure, each pattern that does not compile with its index
    /// and the compiler's message. A metric transformation that does not check is not an error
    /// here: its filter's matches are counted and publish nothing ([`Evaluator::metric`]).
    pub fn new(filters: &[FilterSpec]) -> Result<Evaluator, Vec<(usize, String)>> {
        let mut compiled = Vec::with_capacity(filters.len());
        let mut errors = Vec::new();
        for (index, filter) in filters.iter().enumerate() {
            match compile(&filter.pattern) {
                Ok(pattern) => compiled.push(pattern),
                Err(error) => errors.push((index, error.to_string())),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let metrics = filters
            .iter()
            .zip(&compiled)
            .map(|(filter, pattern)| {
                MetricTransformation::new(
                    pattern,
                    &filter.metric_value,
                    filter.default_value,
                    &filter.dimensions,
                )
                .map_err(|error| error.to_string())
            })
            .collect();
        let mut set = PatternSet::new(compiled);
        let fields = EventFields::add_to(&mut set);
        Ok(Evaluator {
            set,
            fields,
            metrics,
        })
    }

    /// After [`Evaluator::evaluate`] of `event`: its top-level field `field`, when it is a
    /// string (a repeated key counts by its last occurrence, as in `serde_json::Value`).
    pub fn field<'e>(
        &self,
        scratch: &Scratch,
        event: &'e str,
        field: EventField,
    ) -> Option<Cow<'e, str>> {
        scratch.0.string(event, self.fields.get(field))
    }

    /// Fresh evaluation memory; one per thread, reused for every event.
    pub fn scratch(&self) -> Scratch {
        Scratch(self.set.scratch())
    }

    /// Puts into `out` the indices of the filters whose pattern matches `event` (the raw log
    /// event text).
    pub fn matches(&self, event: &str, scratch: &mut Scratch, out: &mut Vec<usize>) {
        self.evaluate(event, scratch, out);
    }

    /// [`Evaluator::matches`], and whether `event` is one valid JSON object (full grammar,
    /// whitespace around it allowed). The set scans every event as JSON (for the
    /// [`EventField`]s), which validates it, so the answer is free. A caller that reads records
    /// unvalidated uses it to tell a bad record from a good one whether or not any filter
    /// matched it. Afterwards [`Evaluator::field`] reads the event's fields.
    pub fn evaluate(&self, event: &str, scratch: &mut Scratch, out: &mut Vec<usize>) -> bool {
        let matched = self.set.evaluate(event, &mut scratch.0);
        out.extend(
            matched
                .iter()
                .enumerate()
                .filter(|(_, &hit)| hit)
                .map(|(index, _)| index),
        );
        scratch.0.is_json_object() == Some(true)
    }

    /// The value filter `index` publishes for `event`, which its pattern matched: `Ok(None)`
    /// when nothing is published (the value field is not a number, or missing without a
    /// default), `Err` when the filter's metric transformation itself is invalid.
    pub fn metric(&self, index: usize, event: &str) -> Result<Option<f64>, &str> {
        match &self.metrics[index] {
            Ok(transformation) => Ok(transformation
                .extract(&self.set.patterns()[index], event)
                .map(|datum| datum.value)),
            Err(error) => Err(error),
        }
    }

    /// Why filter `index`'s metric transformation is invalid, if it is.
    pub fn metric_error(&self, index: usize) -> Option<&str> {
        self.metrics[index].as_ref().err().map(String::as_str)
    }
}

/// The fields of an event the replay reads besides what the filters select: its time, and
/// what a report shows of a matched event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventField {
    /// `eventTime`
    EventTime,
    /// `eventName`
    EventName,
    /// `userIdentity.arn`
    IdentityArn,
    /// `userIdentity.type`
    IdentityType,
    /// `userIdentity.userName`
    IdentityUserName,
    /// `userIdentity.principalId`
    IdentityPrincipalId,
    /// `userIdentity.invokedBy`
    IdentityInvokedBy,
}

impl EventField {
    /// Every field, in the order of [`EventFields`].
    const ALL: [EventField; 7] = [
        EventField::EventTime,
        EventField::EventName,
        EventField::IdentityArn,
        EventField::IdentityType,
        EventField::IdentityUserName,
        EventField::IdentityPrincipalId,
        EventField::IdentityInvokedBy,
    ];

    /// The keys leading to the field from the top of the event.
    fn keys(self) -> &'static [&'static str] {
        match self {
            EventField::EventTime => &["eventTime"],
            EventField::EventName => &["eventName"],
            EventField::IdentityArn => &["userIdentity", "arn"],
            EventField::IdentityType => &["userIdentity", "type"],
            EventField::IdentityUserName => &["userIdentity", "userName"],
            EventField::IdentityPrincipalId => &["userIdentity", "principalId"],
            EventField::IdentityInvokedBy => &["userIdentity", "invokedBy"],
        }
    }
}

/// The set's handle of each [`EventField`], in [`EventField::ALL`] order.
struct EventFields(Vec<Field>);

impl EventFields {
    fn add_to(set: &mut PatternSet) -> EventFields {
        EventFields(
            EventField::ALL
                .iter()
                .map(|field| set.add_field(field.keys()))
                .collect(),
        )
    }

    fn get(&self, field: EventField) -> &Field {
        &self.0[field as usize]
    }
}
