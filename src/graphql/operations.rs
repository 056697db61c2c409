//! `Operations`: the outermost schema extension. Per GraphQL operation it
//! opens a `graphql` tracing span named after the operation, counts the
//! operation in the router's metrics (found in the request's data, see
//! `metrics.rs`) and caps the answer's cache hint at the configured
//! `cache_max_age`.
//!
//! The operation is named as the request names it (`operationName`), or by
//! the name of the document's only operation, or `anonymous`.

use std::any::TypeId;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{Request, Response, ServerResult, Variables};
use tracing::Instrument;
use tracing::field::Empty;

use crate::metrics::{ANONYMOUS, Metrics, OTHER, Outcome, is_graphql_name};

/// Makes one `Operations` per operation.
pub struct OperationsFactory {
    /// The longest `max-age` an answer's cache hint may carry, in seconds.
    pub cache_max_age: i32,
}

impl ExtensionFactory for OperationsFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Operations {
            cache_max_age: self.cache_max_age,
            span: tracing::info_span!("graphql", operation = Empty, outcome = Empty),
            seen: Mutex::default(),
        })
    }
}

struct Operations {
    cache_max_age: i32,
    span: tracing::Span,
    seen: Mutex<Seen>,
}

/// What the request told about itself on its way through.
#[derive(Default)]
struct Seen {
    metrics: Option<Metrics>,
    /// `operationName` as sent.
    requested: Option<String>,
    /// The name of the document's only operation, if it has one.
    only_operation: Option<String>,
}

impl Operations {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait::async_trait]
impl Extension for Operations {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let mut response = next.run(ctx).instrument(self.span.clone()).await;
        let elapsed = started.elapsed();
        let outcome = outcome(&response);
        let Seen {
            metrics,
            requested,
            only_operation,
        } = std::mem::take(&mut *self.seen());
        let name = requested.or(only_operation);
        self.span
            .record("operation", name.as_deref().map_or(ANONYMOUS, span_name));
        self.span.record("outcome", outcome.as_str());
        self.span.in_scope(|| {
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
            let label = metrics.operation_label(name.as_deref());
            metrics.record_operation(&label, outcome, elapsed, codes);
        }
        if response.cache_control.max_age > self.cache_max_age {
            response.cache_control.max_age = self.cache_max_age;
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        {
            let mut seen = self.seen();
            seen.metrics = request
                .data
                .get(&TypeId::of::<Metrics>())
                .and_then(|data| data.downcast_ref::<Metrics>())
                .cloned();
            seen.requested = request.operation_name.clone();
        }
        if let Some(name) = &request.operation_name {
            self.span.record("operation", span_name(name));
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let mut seen = self.seen();
        if seen.requested.is_none()
            && let DocumentOperations::Multiple(operations) = &document.operations
            && operations.len() == 1
            && let Some(name) = operations.keys().next()
        {
            self.span.record("operation", span_name(name));
            seen.only_operation = Some(name.to_string());
        }
        drop(seen);
        Ok(document)
    }
}

/// How an answer ended: a request error has no data and no error with a
/// path (see `http/response.rs`).
fn outcome(response: &Response) -> Outcome {
    if response.errors.is_empty() {
        Outcome::Ok
    } else if response.data == async_graphql::Value::Null
        && response.errors.iter().all(|err| err.path.is_empty())
    {
        Outcome::RequestError
    } else {
        Outcome::FieldError
    }
}

/// An operation name as the span shows it: client text, so only when it is
/// a short GraphQL name.
fn span_name(name: &str) -> &str {
    if is_graphql_name(name) { name } else { OTHER }
}
