//! The plan as code: Terraform HCL, a CloudFormation template, or AWS CLI commands.
//!
//! All three express the same steps with the same names, tags and settings. Changes to an
//! existing trail (`--with-trail`: point it at the log group, make it multi-region, start
//! logging) cannot be declared in Terraform or CloudFormation without importing the whole trail,
//! so those two emitters write them as comments holding the equivalent AWS CLI command.

pub mod cli;
pub mod cloudformation;
pub mod terraform;

use crate::model::Plan;

/// The code formats `--emit` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terraform HCL for the `hashicorp/aws` provider.
    Terraform,
    /// A CloudFormation template (YAML).
    CloudFormation,
    /// A bash script of AWS CLI commands.
    Cli,
}

/// Why a plan could not be emitted in a format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmitError(pub String);

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmitError {}

/// Writes the plan in `format`.
pub fn emit(plan: &Plan, format: Format) -> Result<String, EmitError> {
    match format {
        Format::Terraform => Ok(terraform::emit(plan)),
        Format::CloudFormation => cloudformation::emit(plan),
        Format::Cli => Ok(cli::emit(plan)),
    }
}

/// An identifier made of the name's letters and digits, words split on anything else and
/// joined by `_` (`cis-iam-policy-changes` → `cis_iam_policy_changes`); never starts with a
/// digit.
fn snake_ident(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let ident = words.join("_");
    if ident.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        format!("r_{ident}")
    } else {
        ident
    }
}

/// Hands out identifiers unique within a kind (a Terraform resource type; one kind for all
/// CloudFormation logical ids), adding `_2`, `_3`, ... where one is already used.
#[derive(Default)]
struct Idents(std::collections::BTreeSet<(&'static str, String)>);

impl Idents {
    fn unique(&mut self, kind: &'static str, base: String) -> String {
        let ident = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                }
            })
            .find(|candidate| !self.0.contains(&(kind, candidate.clone())))
            .expect("some suffix is free");
        self.0.insert((kind, ident.clone()));
        ident
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_safe_and_unique() {
        assert_eq!(
            snake_ident("cis-iam-policy-changes"),
            "cis_iam_policy_changes"
        );
        assert_eq!(snake_ident("4.1 x"), "r_4_1_x");
        let mut idents = Idents::default();
        assert_eq!(idents.unique("t", "a".into()), "a");
        assert_eq!(idents.unique("t", "a".into()), "a_2");
        assert_eq!(idents.unique("u", "a".into()), "a");
    }
}
