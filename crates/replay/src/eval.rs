//! The one place that calls the filter-pattern engine: every filter's pattern compiled into one
//! set that evaluates all of them on an event in a single pass, and each filter's metric
//! transformation.

use crate::filters::FilterSpec;
use filter_pattern::{compile, MetricTransformation, PatternSet, SetScratch};

/// All filters, compiled together.
pub struct Evaluator {
    set: PatternSet,
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
        Ok(Evaluator {
            set: PatternSet::new(compiled),
            metrics,
        })
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
    /// whitespace around it allowed). The set's JSON scan validates every event it reads, so
    /// the answer is free when a filter has a JSON pattern; otherwise the event is checked here.
    /// A caller that reads records unvalidated uses it to tell a bad record from a good one
    /// whether or not any filter matched it.
    pub fn evaluate(&self, event: &str, scratch: &mut Scratch, out: &mut Vec<usize>) -> bool {
        let matched = self.set.evaluate(event, &mut scratch.0);
        out.extend(
            matched
                .iter()
                .enumerate()
                .filter(|(_, &hit)| hit)
                .map(|(index, _)| index),
        );
        scratch
            .0
            .is_json_object()
            .unwrap_or_else(|| filter_pattern::is_json_object(event))
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
