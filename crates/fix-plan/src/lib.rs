//! `trailwatch fix`, the pure half: from an account snapshot and the failing controls, a
//! reviewable plan of what to create or change (in dependency order, each step with the finding
//! it closes), and the same plan as Terraform, CloudFormation or AWS CLI commands.
//!
//! Nothing here calls AWS; the `aws-apply` crate executes a [`Plan`].

pub mod emit;
pub mod findings;
pub mod input;
pub mod model;
pub mod plan;
pub mod policy;
pub mod render;

pub use input::{BrokenLink, ControlGap, PlanOptions};
pub use model::{
    Action, Endpoint, Plan, Reason, Step, Unresolved, CONTROL_TAG_KEY, DEFAULT_NAMESPACE,
    DEFAULT_TOPIC_NAME, MANAGED_TAG_KEY, MANAGED_TAG_VALUE, NAME_PREFIX,
};
pub use plan::plan;
