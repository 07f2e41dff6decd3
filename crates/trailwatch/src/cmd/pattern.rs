//! `trailwatch pattern ...`: the filter-pattern language from the command line.
//!
//! Each subcommand is one enum variant plus one `run_*` function; the language itself lives in
//! the `filter-pattern` crate, the file reading in `cloudtrail-reader`.

use anyhow::Context;
use clap::{Args, Subcommand};
use filter_pattern::{CompiledPattern, MetricTransformation};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::process::ExitCode;

/// The `pattern` subcommands.
#[derive(Subcommand)]
pub enum PatternCommand {
    /// Check that a pattern is valid and print its canonical form and meaning
    /// (exit 0 valid, 2 invalid with the error under the pattern).
    Check {
        /// The filter pattern.
        pattern: String,
    },
    /// Test a pattern offline against log events, like `aws logs test-metric-filter`: one
    /// event per line, or CloudTrail files (`{"Records":[...]}`, NDJSON, plain or .gz,
    /// directories). Exit 0 some event matched, 1 none matched, 2 invalid pattern or options,
    /// 3 partial (some input could not be read).
    Test(TestArgs),
    /// Evaluate test cases: each line of the file is `{"pattern": "...", "event": "..."}`;
    /// prints one `{"match": true|false}` or `{"error": "..."}` line per case, in order.
    Eval {
        /// The JSON Lines case file (`-` for standard input).
        #[arg(long)]
        cases: String,
    },
    /// Decide whether a candidate pattern catches every event a required pattern catches
    /// (exit 0 covers, 1 misses with a witness event, 2 unknown or invalid).
    Covers(super::coverage::CoversArgs),
    /// Point out pattern mistakes: never-matching conditions, near match-all alternatives,
    /// `||`/`&&` precedence traps, unknown or miscased event names (exit 1 with findings).
    Lint(super::coverage::LintArgs),
}

/// Arguments of `pattern test`.
#[derive(Args)]
pub struct TestArgs {
    /// The filter pattern.
    pub pattern: String,
    /// Input files or directories; `-` or nothing for standard input.
    pub inputs: Vec<String>,
    /// Metric value to extract from matching events: a number, `$.field` (JSON patterns) or
    /// `$name` (space-delimited patterns).
    #[arg(long)]
    pub metric_value: Option<String>,
    /// Value published for events that do not match (needs --metric-value).
    #[arg(long, requires = "metric_value")]
    pub default_value: Option<f64>,
    /// A dimension `NAME=$.field` or `NAME=$name` (repeatable, at most 3; needs --metric-value).
    #[arg(long = "dimension", requires = "metric_value")]
    pub dimensions: Vec<String>,
}

/// Runs a `pattern` subcommand.
pub fn run(command: PatternCommand) -> anyhow::Result<ExitCode> {
    match command {
        PatternCommand::Check { pattern } => run_check(&pattern),
        PatternCommand::Test(args) => run_test(args),
        PatternCommand::Eval { cases } => run_eval(&cases),
        PatternCommand::Covers(args) => super::coverage::run_covers(args),
        PatternCommand::Lint(args) => super::coverage::run_lint(args),
    }
}

/// Compiles `pattern` or prints the rendered error on stderr.
fn compile_or_report(pattern: &str) -> Option<CompiledPattern> {
    match filter_pattern::compile(pattern) {
        Ok(compiled) => Some(compiled),
        Err(error) => {
            eprint!("{}", error.render(pattern));
            None
        }
    }
}

fn run_check(pattern: &str) -> anyhow::Result<ExitCode> {
    let Some(compiled) = compile_or_report(pattern) else {
        return Ok(ExitCode::from(2));
    };
    println!("valid: {}", compiled.pattern());
    print!("{}", filter_pattern::explain(compiled.pattern()));
    Ok(ExitCode::SUCCESS)
}

fn run_eval(cases: &str) -> anyhow::Result<ExitCode> {
    let reader: Box<dyn BufRead> = if cases == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(cases).with_context(|| format!("cannot open {cases}"))?,
        ))
    };
    let mut out = std::io::stdout().lock();
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.with_context(|| format!("{cases}: cannot read line {}", i + 1))?;
        let verdict = match std::str::from_utf8(&line) {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => filter_pattern::eval_case_line(text.trim_end_matches('\r'), i + 1),
            Err(_) => format!(r#"{{"error":"line {}: not UTF-8"}}"#, i + 1),
        };
        writeln!(out, "{verdict}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Counts and metric sum of a `pattern test` run.
#[derive(Default)]
struct Tally {
    events: u64,
    matched: u64,
    errors: u64,
    metric_sum: f64,
    metric_samples: u64,
}

struct Tester<'a> {
    pattern: &'a CompiledPattern,
    metric: Option<&'a MetricTransformation>,
    tally: Tally,
}

impl Tester<'_> {
    fn event(&mut self, place: &str, text: &str) {
        self.tally.events += 1;
        let matched = self.pattern.matches(text);
        let datum = self.metric.and_then(|m| m.extract(self.pattern, text));
        if let Some(d) = &datum {
            self.tally.metric_sum += d.value;
            self.tally.metric_samples += 1;
        }
        if !matched {
            return;
        }
        self.tally.matched += 1;
        let metric = match (&self.metric, datum) {
            (None, _) => String::new(),
            (Some(_), None) => "  [no metric value published]".to_string(),
            (Some(_), Some(d)) if d.dimensions.is_empty() => format!("  [value {}]", d.value),
            (Some(_), Some(d)) => format!("  [value {} dimensions {:?}]", d.value, d.dimensions),
        };
        println!("{place}: {text}{metric}");
    }

    fn error(&mut self, message: impl std::fmt::Display) {
        self.tally.errors += 1;
        eprintln!("error: {message}");
    }
}

fn run_test(args: TestArgs) -> anyhow::Result<ExitCode> {
    let Some(pattern) = compile_or_report(&args.pattern) else {
        return Ok(ExitCode::from(2));
    };
    let metric = match &args.metric_value {
        None => None,
        Some(value) => {
            let mut dimensions = BTreeMap::new();
            for spec in &args.dimensions {
                let Some((name, reference)) = spec.split_once('=') else {
                    eprintln!("error: --dimension {spec:?} must be NAME=$.field or NAME=$name");
                    return Ok(ExitCode::from(2));
                };
                dimensions.insert(name.to_string(), reference.to_string());
            }
            match MetricTransformation::new(&pattern, value, args.default_value, &dimensions) {
                Ok(m) => Some(m),
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    let mut tester = Tester {
        pattern: &pattern,
        metric: metric.as_ref(),
        tally: Tally::default(),
    };
    let inputs = if args.inputs.is_empty() {
        vec!["-".to_string()]
    } else {
        args.inputs.clone()
    };
    for input in &inputs {
        read_input(input, &mut tester);
    }
    let t = &tester.tally;
    println!(
        "{} of {} events matched{}",
        t.matched,
        t.events,
        if t.errors > 0 {
            format!(" ({} input errors: results are partial)", t.errors)
        } else {
            String::new()
        }
    );
    if metric.is_some() {
        println!(
            "metric: {} samples published, sum {}",
            t.metric_samples, t.metric_sum
        );
    }
    Ok(if t.errors > 0 {
        ExitCode::from(3)
    } else if t.matched > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether content starting with `head` is CloudTrail JSON (or gzip) rather than plain log
/// lines: the first non-blank byte is `{`, or the gzip magic number.
fn looks_like_json(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
        || head
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'{')
}

/// Reads one input: CloudTrail JSON through `cloudtrail-reader` (records, NDJSON, gzip,
/// directories), anything else as plain text, one event per line. The choice is made from the
/// first bytes, which are peeked, not consumed.
fn read_input(input: &str, tester: &mut Tester<'_>) {
    if input == "-" {
        let mut stdin = std::io::stdin().lock();
        let head = match stdin.fill_buf() {
            Ok(head) => head.to_vec(),
            Err(e) => return tester.error(format!("<stdin>: cannot read: {e}")),
        };
        if looks_like_json(&head) {
            let mut errors = Vec::new();
            cloudtrail_reader::read_stream(
                "<stdin>",
                stdin,
                |raw| tester.event(&format!("{}: {}", raw.file, raw.position), raw.text),
                |e| errors.push(e),
            );
            errors.into_iter().for_each(|e| tester.error(e));
        } else {
            read_lines("<stdin>", stdin, tester);
        }
        return;
    }
    let path = std::path::Path::new(input);
    let file = if path.is_dir() {
        None
    } else {
        match std::fs::File::open(path) {
            Ok(file) => Some(std::io::BufReader::new(file)),
            Err(e) => return tester.error(format!("{input}: cannot open: {e}")),
        }
    };
    if let Some(mut file) = file {
        match file.fill_buf() {
            Ok(head) if !looks_like_json(head) => return read_lines(input, file, tester),
            Ok(_) => {}
            Err(e) => return tester.error(format!("{input}: cannot read: {e}")),
        }
    }
    let mut errors = Vec::new();
    cloudtrail_reader::read_input(
        &cloudtrail_reader::Input::Path(path.into()),
        |raw| tester.event(&format!("{}: {}", raw.file, raw.position), raw.text),
        |e| errors.push(e),
    );
    errors.into_iter().for_each(|e| tester.error(e));
}

/// Reads plain-text log events, one per line.
fn read_lines(name: &str, reader: impl BufRead, tester: &mut Tester<'_>) {
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => return tester.error(format!("{name}: line {}: cannot read: {e}", i + 1)),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        match std::str::from_utf8(line) {
            // Blank lines are not log events (CloudWatch Logs rejects empty messages).
            Ok("") => {}
            Ok(text) => tester.event(&format!("{name}: line {}", i + 1), text),
            Err(_) => tester.error(format!("{name}: line {}: not UTF-8, skipped", i + 1)),
        }
    }
}
