//! What the outside sees of each GraphQL operation: its name, its outcome,
//! the `graphql` tracing span around it and the router's metrics.
//!
//! The operation is named as the request names it (`operationName`), or by
//! the name of the document's only operation, or `anonymous`.

use std::any::TypeId;
use std::time::Duration;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{Request, Response};

use crate::metrics::{ANONYMOUS, Metrics, OTHER, Outcome, is_graphql_name};

/// The router's metrics, which the HTTP layer puts in the request's data.
pub fn metrics_of(request: &Request) -> Option<Metrics> {
    request
        .data
        .get(&TypeId::of::<Metrics>())
        .and_then(|data| data.downcast_ref::<Metrics>())
        .cloned()
}

/// The name of a document's only operation, if it has one.
pub fn only_operation(document: &ExecutableDocument) -> Option<String> {
    match &document.operations {
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(ToString::to_string)
        }
        _ => None,
    }
}

/// How an answer ended: a request error has no data and no error with a
/// path (see `http/response.rs`).
pub fn outcome(response: &Response) -> Outcome {
    if response.errors.is_empty() {
        Outcome::Ok
    } else if failed_before_execution(response) {
        Outcome::RequestError
    } else {
        Outcome::FieldError
    }
}

/// Whether a response reports a request error, one raised before execution
/// (parsing, validation, limits, variable coercion, choosing the operation):
/// there is no data, and no error has a path. A field error always has a
/// path, even when it nulls the whole of `data`.
pub fn failed_before_execution(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|err| err.path.is_empty())
}

/// Records a finished operation in its span, its debug log line and the metrics.
pub fn record(
    span: &tracing::Span,
    metrics: Option<&Metrics>,
    name: Option<&str>,
    response: &Response,
    elapsed: Duration,
) {
    let outcome = outcome(response);
    span.record("operation", name.map_or(ANONYMOUS, span_name));
    span.record("outcome", outcome.as_str());
    span.in_scope(|| {
        tracing::debug!(
            outcome = outcome.as_str(),
            elapsed_ms = elapsed.as_secs_f64() * 1000.0,
            errors = response.errors.len(),
            "graphql operation finished"
        );
    });
    if let Some(metrics) = metrics {
        let codes = response.errors.iter().map(|err| {
            err.extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .and_then(|code| match code {
                    async_graphql::Value::String(code) => Some(code.as_str()),
                    _ => None,
                })
                .unwrap_or("NONE")
        });
        let label = metrics.operation_label(name);
        metrics.record_operation(&label, outcome, elapsed, codes);
    }
}

/// An operation name as the span shows it: client text, so only when it is
/// a short GraphQL name.
fn span_name(name: &str) -> &str {
    if is_graphql_name(name) { name } else { OTHER }
}
