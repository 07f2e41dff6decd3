//! The plan as text for a human to review.

use crate::model::{Action, Plan};
use std::fmt::Write;

/// Renders the plan: numbered steps with their reasons, then what it leaves unresolved.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.steps.is_empty() {
        let _ = writeln!(
            out,
            "Nothing to create or change in account {}.",
            plan.account_id
        );
    } else {
        let _ = writeln!(
            out,
            "Plan for account {}: {} step{}",
            plan.account_id,
            plan.steps.len(),
            if plan.steps.len() == 1 { "" } else { "s" }
        );
    }
    for (index, step) in plan.steps.iter().enumerate() {
        let _ = writeln!(out, "{:>3}. {}", index + 1, step.action.summary());
        match &step.action {
            Action::PutMetricFilter {
                pattern,
                pattern_note,
                ..
            } => {
                let _ = writeln!(out, "       pattern: {pattern}");
                if let Some(note) = pattern_note {
                    let _ = writeln!(out, "       note: {note}");
                }
            }
            Action::Subscribe { endpoint, .. } if endpoint.needs_confirmation() => {
                let _ = writeln!(
                    out,
                    "       note: SNS sends a confirmation to {}; nothing is delivered until it is confirmed",
                    endpoint.target
                );
            }
            _ => {}
        }
        for reason in &step.reasons {
            let _ = writeln!(
                out,
                "       closes {}: {}",
                reason.control_id, reason.finding
            );
        }
    }
    if !plan.unresolved.is_empty() {
        let _ = writeln!(out, "Not fixed by this plan:");
        for item in &plan.unresolved {
            let _ = writeln!(out, "  - {}: {}", item.control_id, item.message);
        }
    }
    out
}
