//! The three emitters on a plan that uses every kind of step and patterns full of characters
//! that need escaping: each output is parsed back (HCL parser, cfn-lint + YAML loader, bash)
//! and must carry every resource and the patterns unchanged.

mod support;

use fix_plan::emit::{emit, Format};
use fix_plan::model::Action;
use fix_plan::{plan, BrokenLink, Endpoint, Plan, PlanOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

/// Patterns that exercise every escape: quotes, `$`, `*`, braces, `${`/`%{` template openers,
/// a single quote, a backslash and a colon.
const NASTY: &str = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.sourceIPAddress != "${x}%{y}") || ($.userAgent = "it's \"q\" \\ a: b") }"#;

fn full_plan() -> Plan {
    let mut snap = snapshot();
    snap.trails = vec![trail("main", false, false, false)];
    snap.log_groups.clear();
    let mut nasty = gap(
        "4.1",
        "unauthorized-api-calls",
        BrokenLink::Trail {
            missing: "no trail delivers".into(),
            trail_arn: None,
        },
    );
    nasty.pattern = NASTY.into();
    nasty.pattern_note =
        Some("the printed pattern is known wrong; installing the intended one".into());
    let gaps = [
        nasty,
        gap(
            "4.3",
            "root-usage",
            BrokenLink::Trail {
                missing: "no trail delivers".into(),
                trail_arn: None,
            },
        ),
    ];
    let options = PlanOptions {
        with_trail: true,
        encrypt_topic: true,
        subscribe: Some(Endpoint::parse("email:sec@example.com").unwrap()),
        ..Default::default()
    };
    let plan = plan(&snap, &gaps, &options);
    assert!(plan.unresolved.is_empty(), "{:?}", plan.unresolved);
    plan
}

fn patterns(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::PutMetricFilter { pattern, .. } => Some(pattern.clone()),
            _ => None,
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fix-plan-emit-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn venv_tool(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.venv/bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/moto-venv to install the pinned Python test tools \
         (requirements-dev.txt)",
        path.display()
    );
    path
}

#[test]
fn terraform_parses_and_declares_every_created_resource_with_exact_patterns() {
    use hcl::eval::{Context, Evaluate};
    let plan = full_plan();
    let text = emit(&plan, Format::Terraform).unwrap();
    let body: hcl::Body = hcl::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let resources: Vec<&hcl::Block> = body
        .blocks()
        .filter(|b| b.identifier() == "resource")
        .collect();
    let mut types: Vec<&str> = resources.iter().map(|b| b.labels()[0].as_str()).collect();
    types.sort();
    assert_eq!(
        types,
        [
            "aws_cloudwatch_log_group",
            "aws_cloudwatch_log_metric_filter",
            "aws_cloudwatch_log_metric_filter",
            "aws_cloudwatch_metric_alarm",
            "aws_cloudwatch_metric_alarm",
            "aws_iam_role",
            "aws_iam_role_policy",
            "aws_kms_alias",
            "aws_kms_key",
            "aws_sns_topic",
            "aws_sns_topic_policy",
            "aws_sns_topic_subscription",
        ]
    );
    let mut emitted = Vec::new();
    for block in resources
        .iter()
        .filter(|b| b.labels()[0].as_str() == "aws_cloudwatch_log_metric_filter")
    {
        let pattern = block
            .body()
            .attributes()
            .find(|a| a.key() == "pattern")
            .expect("pattern");
        let value = pattern.expr().evaluate(&Context::new()).expect("a literal");
        emitted.push(value.as_str().expect("a string").to_string());
    }
    assert_eq!(emitted, patterns(&plan));
    // Alarms reference the created topic, filters the created log group.
    assert!(
        text.contains("alarm_actions       = [aws_sns_topic.trailwatch_cis_alarms.arn]"),
        "{text}"
    );
    assert!(
        text.contains("log_group_name = aws_cloudwatch_log_group.trailwatch_cloudtrail_main.name"),
        "{text}"
    );
    // The trail change is a comment with the CLI command.
    assert!(text.contains("#   aws cloudtrail update-trail"), "{text}");
    assert!(text.contains("#   aws cloudtrail start-logging"), "{text}");
}

#[test]
fn hcl_strings_escape_quotes_backslashes_and_template_openers() {
    use fix_plan::emit::terraform::hcl_string;
    assert_eq!(hcl_string(r#"a"b\c"#), r#""a\"b\\c""#);
    assert_eq!(hcl_string("${x} %{y} $z %w"), r#""$${x} %%{y} $z %w""#);
}

#[test]
fn cloudformation_passes_cfn_lint_and_keeps_patterns_exact() {
    let plan = full_plan();
    let text = emit(&plan, Format::CloudFormation).unwrap();
    let dir = scratch("cfn");
    let file = dir.join("template.yaml");
    std::fs::write(&file, &text).unwrap();

    let lint = Command::new(venv_tool("cfn-lint"))
        .arg(&file)
        .arg("--regions")
        .arg(REGION)
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "cfn-lint failed:\n{}{}\n{text}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );

    // Load it with a YAML parser that accepts the CloudFormation short tags.
    let script = r#"
import json, sys, yaml
class Loader(yaml.SafeLoader): pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: {suffix: loader.construct_scalar(node)})
doc = yaml.load(open(sys.argv[1]), Loader=Loader)
out = {"types": sorted(r["Type"] for r in doc["Resources"].values()),
       "patterns": [r["Properties"]["FilterPattern"] for r in doc["Resources"].values() if r["Type"] == "AWS::Logs::MetricFilter"]}
print(json.dumps(out))
"#;
    let loaded = Command::new(venv_tool("python"))
        .arg("-c")
        .arg(script)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let loaded: serde_json::Value = serde_json::from_slice(&loaded.stdout).unwrap();
    assert_eq!(loaded["patterns"], serde_json::json!(patterns(&plan)));
    assert_eq!(
        loaded["types"],
        serde_json::json!([
            "AWS::CloudWatch::Alarm",
            "AWS::CloudWatch::Alarm",
            "AWS::IAM::Role",
            "AWS::KMS::Alias",
            "AWS::KMS::Key",
            "AWS::Logs::LogGroup",
            "AWS::Logs::MetricFilter",
            "AWS::Logs::MetricFilter",
            "AWS::SNS::Subscription",
            "AWS::SNS::Topic",
            "AWS::SNS::TopicPolicy",
        ])
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn cloudformation_refuses_a_plan_spanning_regions() {
    let mut plan = full_plan();
    if let Action::PutMetricAlarm { region, .. } = &mut plan.steps.last_mut().unwrap().action {
        *region = "us-east-1".into();
    }
    let err = emit(&plan, Format::CloudFormation).unwrap_err();
    assert!(err.to_string().contains("eu-west-1, us-east-1"), "{err}");
}

#[test]
fn the_cli_script_passes_every_argument_through_bash_unchanged() {
    let plan = full_plan();
    let text = emit(&plan, Format::Cli).unwrap();
    let dir = scratch("cli");
    let file = dir.join("fix.sh");
    // A stand-in `aws` that logs its arguments separated by \x1f, one command per line.
    let log = dir.join("aws.log");
    let stub = format!(
        "aws() {{ local a; for a in \"$@\"; do printf '%s\\x1f' \"$a\"; done >>{log}; printf '\\n' >>{log}; echo stub-id; }}\n",
        log = fix_plan::emit::cli::shell_quote(log.to_str().unwrap())
    );
    let script = text.replacen(
        "set -euo pipefail\n",
        &format!("set -euo pipefail\n{stub}"),
        1,
    );
    std::fs::write(&file, script).unwrap();
    let run = Command::new("bash").arg(&file).output().unwrap();
    assert!(
        run.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = std::fs::read_to_string(&log).unwrap();
    let commands: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_end_matches('\x1f').split('\x1f').collect())
        .collect();
    let filter_patterns: Vec<String> = commands
        .iter()
        .filter(|c| c[..2] == ["logs", "put-metric-filter"])
        .map(|c| c[c.iter().position(|a| *a == "--filter-pattern").unwrap() + 1].to_string())
        .collect();
    assert_eq!(filter_patterns, patterns(&plan));
    let verbs: Vec<String> = commands
        .iter()
        .map(|c| format!("{} {}", c[0], c[1]))
        .collect();
    assert_eq!(
        verbs,
        [
            "logs create-log-group",
            "iam create-role",
            "iam put-role-policy",
            "cloudtrail update-trail",
            "cloudtrail start-logging",
            "kms create-key",
            "kms create-alias",
            "sns create-topic",
            "sns set-topic-attributes",
            "sns subscribe",
            "logs put-metric-filter",
            "logs put-metric-filter",
            "cloudwatch put-metric-alarm",
            "cloudwatch put-metric-alarm",
        ]
    );
    let alias = commands.iter().find(|c| c[1] == "create-alias").unwrap();
    assert_eq!(alias.last().unwrap(), &"stub-id", "the key id is passed on");
    // JSON arguments arrive intact.
    let policy = commands
        .iter()
        .find(|c| c[1] == "set-topic-attributes")
        .unwrap()
        .last()
        .unwrap()
        .to_string();
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    assert_eq!(
        policy["Statement"][1]["Principal"]["Service"],
        "cloudwatch.amazonaws.com"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
