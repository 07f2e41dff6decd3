//! Turning SDK failures into [`snapshot::CollectionError`]s.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use snapshot::CollectionError;

/// Where a call went and what it was about, for the error record.
#[derive(Debug, Clone)]
pub(crate) struct CallSite<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    pub region: &'a str,
    pub resource: Option<&'a str>,
}

impl CallSite<'_> {
    /// Records a failed call: the AWS error code when the service sent one, and the full error
    /// chain as the message (for dispatch failures and timeouts there is no code).
    pub fn error<E>(&self, error: &E) -> CollectionError
    where
        E: ProvideErrorMetadata + std::error::Error,
    {
        let code = error.code().map(str::to_string);
        let message = match error.message() {
            Some(message) if !message.is_empty() => message.to_string(),
            _ => DisplayErrorContext(error).to_string(),
        };
        self.error_with(code, message)
    }

    /// Records a failure the collector itself detected.
    pub fn error_with(&self, code: Option<String>, message: String) -> CollectionError {
        CollectionError {
            service: self.service.to_string(),
            operation: self.operation.to_string(),
            region: Some(self.region.to_string()),
            resource: self.resource.map(str::to_string),
            code,
            message,
        }
    }
}
