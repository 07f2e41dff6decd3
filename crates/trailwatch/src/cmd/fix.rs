//! `trailwatch fix`: plan what closes the failing controls, then (with `--apply`) do it, or
//! (with `--emit`) write it as Terraform, CloudFormation or AWS CLI commands.
//!
//! The plan is computed from a snapshot and the audit's findings (pure, `fix-plan`); nothing
//! changes without `--apply`, which asks for confirmation (or `--yes`), applies with the SDK
//! (`aws-apply`), then collects and audits again and prints each control before and after.

use anyhow::{bail, Context};
use cis_catalogue::Benchmark;
use clap::{Args, ValueEnum};
use fix_plan::emit::{self, Format};
use fix_plan::{Endpoint, Plan, PlanOptions, DEFAULT_NAMESPACE};
use snapshot::Snapshot;
use std::path::PathBuf;
use std::process::ExitCode;

/// The code formats of `--emit`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum EmitFormat {
    /// Terraform HCL for the hashicorp/aws provider.
    Terraform,
    /// A CloudFormation template (YAML).
    Cloudformation,
    /// A bash script of AWS CLI commands.
    Cli,
}

/// Arguments of `trailwatch fix`.
#[derive(Args)]
pub struct FixArgs {
    /// Plan from a saved snapshot (from `trailwatch collect`) instead of reading the account.
    #[arg(long, conflicts_with = "apply")]
    snapshot: Option<PathBuf>,
    /// How the failing controls are judged (same flags as `audit`).
    #[command(flatten)]
    judge: super::audit::JudgeArgs,
    /// The metric namespace of the metric filters trailwatch creates.
    #[arg(long, default_value = DEFAULT_NAMESPACE)]
    namespace: String,
    /// Send the alarms to this SNS topic instead of trailwatch's own.
    #[arg(long)]
    topic_arn: Option<String>,
    /// Subscribe this endpoint where a topic has no confirmed subscription:
    /// email:ADDRESS, https:URL, sqs:ARN or lambda:ARN.
    #[arg(long, value_name = "PROTOCOL:TARGET")]
    subscribe: Option<String>,
    /// When no trail qualifies, make the best existing trail deliver to CloudWatch Logs
    /// (log group, delivery role, multi-region, logging on). trailwatch never creates a trail.
    #[arg(long)]
    with_trail: bool,
    /// Encrypt the topic trailwatch creates with a new customer managed KMS key that lets
    /// CloudWatch publish.
    #[arg(long)]
    encrypt_topic: bool,
    /// Make the changes (after a confirmation prompt, unless --yes).
    #[arg(long, conflicts_with = "emit")]
    apply: bool,
    /// Do not ask for confirmation before applying.
    #[arg(long, requires = "apply")]
    yes: bool,
    /// Write the plan as code instead of printing it.
    #[arg(long, value_enum)]
    emit: Option<EmitFormat>,
    /// Where to write the --emit output (default: stdout).
    #[arg(short, long, requires = "emit")]
    output: Option<PathBuf>,
    #[cfg(feature = "aws")]
    #[command(flatten)]
    aws: super::collect::AwsArgs,
}

/// Runs `trailwatch fix`. The exit code is the audit's (0 all pass, 1 any FAIL, 2 any ERROR or
/// MANUAL): before the fix when only planning or emitting, after it with `--apply`; a failed
/// apply step is 2.
pub fn run(args: FixArgs) -> anyhow::Result<ExitCode> {
    let benchmark = args.judge.benchmark()?;
    let audit_options = args.judge.options()?;
    let options = PlanOptions {
        namespace: Some(args.namespace.clone()),
        topic_arn: args.topic_arn.clone(),
        subscribe: args
            .subscribe
            .as_deref()
            .map(Endpoint::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        with_trail: args.with_trail,
        encrypt_topic: args.encrypt_topic,
    };
    let snapshot = load_snapshot(&args)?;
    let before = audit::evaluate(&snapshot, benchmark, &audit_options);
    let plan = plan_for(&snapshot, &before, &options);

    if let Some(format) = args.emit {
        let format = match format {
            EmitFormat::Terraform => Format::Terraform,
            EmitFormat::Cloudformation => Format::CloudFormation,
            EmitFormat::Cli => Format::Cli,
        };
        let code = emit::emit(&plan, format)?;
        match &args.output {
            Some(path) => std::fs::write(path, &code)
                .with_context(|| format!("writing {}", path.display()))?,
            None => print!("{code}"),
        }
        eprint!("{}", unresolved_text(&plan));
        return Ok(ExitCode::from(before.exit_code()));
    }

    print!("{}", fix_plan::render::text(&plan));
    if !args.apply {
        if !plan.is_empty() {
            println!("Nothing changes without --apply.");
        }
        return Ok(ExitCode::from(before.exit_code()));
    }
    apply(&args, benchmark, &audit_options, &before, &plan)
}

/// The plan for the failing findings of `report`, with what it cannot fix listed first.
fn plan_for(snapshot: &Snapshot, report: &audit::AuditReport, options: &PlanOptions) -> Plan {
    let gaps = fix_plan::findings::gaps(report, snapshot);
    let mut plan = fix_plan::plan(snapshot, &gaps.gaps, options);
    let mut unresolved = gaps.not_planned;
    unresolved.append(&mut plan.unresolved);
    plan.unresolved = unresolved;
    plan
}

fn unresolved_text(plan: &Plan) -> String {
    plan.unresolved
        .iter()
        .map(|u| format!("not fixed: {}: {}\n", u.control_id, u.message))
        .collect()
}

fn load_snapshot(args: &FixArgs) -> anyhow::Result<Snapshot> {
    if let Some(path) = &args.snapshot {
        return super::audit::read_snapshot(path);
    }
    #[cfg(feature = "aws")]
    {
        super::collect::collect_snapshot(&args.aws)
    }
    #[cfg(not(feature = "aws"))]
    {
        bail!("this build has no AWS support: pass --snapshot FILE (from `trailwatch collect`)")
    }
}

#[cfg(not(feature = "aws"))]
fn apply(
    _: &FixArgs,
    _: Benchmark,
    _: &audit::AuditOptions,
    _: &audit::AuditReport,
    _: &Plan,
) -> anyhow::Result<ExitCode> {
    bail!("this build has no AWS support, so it cannot --apply: use --emit instead")
}

#[cfg(feature = "aws")]
fn apply(
    args: &FixArgs,
    benchmark: Benchmark,
    audit_options: &audit::AuditOptions,
    before: &audit::AuditReport,
    plan: &Plan,
) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if plan.is_empty() {
        println!("Nothing to apply.");
        return Ok(ExitCode::from(before.exit_code()));
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to apply without confirmation: stdin is not a terminal (pass --yes)");
        }
        eprint!(
            "Apply these {} steps to account {}? [y/N] ",
            plan.steps.len(),
            plan.account_id
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .context("reading the confirmation")?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            eprintln!("Not applied.");
            return Ok(ExitCode::from(1));
        }
    }
    let options = aws_collect::CollectOptions {
        profile: args.aws.profile.clone(),
        region: args.aws.region.clone(),
        regions: args.aws.regions.clone(),
        ..Default::default()
    };
    let report = aws_apply::apply_blocking(&options, plan, &aws_apply::ApplyOptions::default())
        .context("starting the async runtime")?;
    println!("Applied:");
    print!("{}", report.render());
    if !report.succeeded() {
        println!("Stopped at the first failed step; the steps marked done were applied, the others were not.");
        println!("Run `trailwatch fix --apply` again to complete the rest: what exists is reused.");
        return Ok(ExitCode::from(2));
    }
    let snapshot =
        super::collect::collect_snapshot(&args.aws).context("collecting again after applying")?;
    let after = audit::evaluate(&snapshot, benchmark, audit_options);
    println!("Before and after:");
    print!("{}", before_after(before, &after));
    Ok(ExitCode::from(after.exit_code()))
}

/// One line per control: `4.4 iam-policy-changes: FAIL -> PASS`.
#[cfg(feature = "aws")]
fn before_after(before: &audit::AuditReport, after: &audit::AuditReport) -> String {
    before
        .findings
        .iter()
        .map(|b| {
            let now = after.findings.iter().find(|a| a.control_id == b.control_id);
            let now = now
                .map(|a| a.status.to_string())
                .unwrap_or_else(|| "?".into());
            format!("  {} {}: {} -> {}\n", b.control_id, b.topic, b.status, now)
        })
        .collect()
}
