//! The report as JSON, for scripts.
//!
//! The document is the [`audit::AuditReport`] serialised field for field (see that type's docs
//! for every field), with three fields added in front:
//!
//! - `schema_version` (integer): the version of this document's shape. It is [`SCHEMA_VERSION`]
//!   and goes up whenever a field is removed, renamed or changes meaning; adding a field does
//!   not change it, so readers must ignore fields they do not know.
//! - `generator`: `{ "name": "trailwatch", "version": "<tool version>" }`.
//! - `generated_at`: when the report was rendered, RFC 3339 UTC.
//!
//! Statuses are `PASS`, `FAIL`, `MANUAL` and `ERROR`; optional fields are left out rather than
//! written as `null`; lists that are empty are left out except `findings` and `regions`.

use audit::AuditReport;
use serde::Serialize;

use crate::{to_json_text, RenderOptions, PRODUCT_NAME};

/// The version of the JSON document's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// The document: the report with version and generator in front.
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    generator: Generator<'a>,
    generated_at: String,
    #[serde(flatten)]
    report: &'a AuditReport,
}

/// Which program wrote the document.
#[derive(Serialize)]
struct Generator<'a> {
    name: &'a str,
    version: &'a str,
}

/// Renders the versioned JSON document.
pub fn render(report: &AuditReport, options: &RenderOptions) -> String {
    to_json_text(&Document {
        schema_version: SCHEMA_VERSION,
        generator: Generator {
            name: PRODUCT_NAME,
            version: &options.tool_version,
        },
        generated_at: options.rfc3339(),
        report,
    })
}
