//! `RequestScope`: the schema extension that gives each request its own
//! loaders, counting connection and level-by-level schedule (see
//! `loader.rs`), enforces the limits async-graphql does not (aliases, root
//! fields, run time), admits it by its complexity (see `admission.rs`),
//! reports the request's cost in `extensions.cost`, and gives
//! async-graphql's own errors a code.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};
use sea_orm::DatabaseConnection;
use tokio::sync::OwnedSemaphorePermit;

use super::admission::Admission;
use super::document_limits::{DocumentShape, Unexpandable, expanded_fields};
use super::loader::{LevelSchedule, RegistryLoader};
use crate::config::SchemaConfig;
use crate::db::CountingConnection;
use crate::error::code;

/// Makes one `RequestScope` per request.
pub struct RequestScopeFactory {
    pub db: DatabaseConnection,
    pub config: SchemaConfig,
    pub admission: Admission,
}

impl ExtensionFactory for RequestScopeFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestScope {
            db: CountingConnection::new(self.db.clone()),
            config: self.config.clone(),
            validation: Mutex::default(),
            schedule: LevelSchedule::new(),
            admission: self.admission.clone(),
            admitted: Mutex::default(),
        })
    }
}

struct RequestScope {
    db: CountingConnection,
    config: SchemaConfig,
    validation: Mutex<Option<ValidationResult>>,
    schedule: Arc<LevelSchedule>,
    admission: Admission,
    /// This request's share of the budget, held until its answer is built.
    admitted: Mutex<Option<OwnedSemaphorePermit>>,
}

#[async_trait::async_trait]
impl Extension for RequestScope {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let limit = Duration::from_millis(self.config.request_timeout_ms);
        let mut response =
            match tokio::time::timeout(limit, self.schedule.clone().run(next.run(ctx))).await {
                Ok(response) => response,
                Err(_) => {
                    let message = format!(
                        "the request took longer than {} ms and was stopped",
                        limit.as_millis()
                    );
                    Response::from_errors(vec![with_code(
                        ServerError::new(message, None),
                        code::REQUEST_TIMEOUT,
                    )])
                }
            };
        drop(self.admitted.lock().expect("admission lock").take());
        // Resolvers always set a code (see error.rs), and parsing and
        // validation set theirs below; an error still without one comes from
        // async-graphql checking the request: an operation name missing or
        // unknown, a variable of the wrong type.
        response.errors = response
            .errors
            .into_iter()
            .map(|err| with_code(err, code::BAD_USER_INPUT))
            .collect();
        if !self.config.report_cost {
            return response;
        }
        let validation = *self.validation.lock().expect("validation lock");
        let (depth, complexity) = validation.map_or((0, 0), |v| (v.depth, v.complexity));
        let cost = Value::from_json(serde_json::json!({
            "sqlStatements": self.db.statements(),
            "depth": depth,
            "complexity": complexity,
        }))
        .expect("a JSON object is a value");
        response.extension("cost", cost)
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = request
            .data(RegistryLoader::for_request(
                self.db.clone(),
                self.schedule.clone(),
            ))
            .data(self.schedule.clone());
        let mut request = next.run(ctx, request).await?;
        // async-graphql's walks over the document follow every fragment
        // spread, so a document that is small as text but huge once spread
        // would take minutes of CPU before any limit of theirs applied:
        // its expanded size is counted first, and the parsed document kept.
        if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
            let refuse = |message: String| {
                Err(with_code(
                    ServerError::new(message, None),
                    code::GRAPHQL_VALIDATION_FAILED,
                ))
            };
            match expanded_fields(&document) {
                Err(Unexpandable::Cycle(name)) => {
                    return refuse(format!("fragment `{name}` spreads itself"));
                }
                Err(Unexpandable::TooDeep) => return refuse("Query is nested too deep.".into()),
                // Every field costs at least 1: async-graphql would refuse it too.
                Ok(fields) if fields > self.config.max_complexity => {
                    return refuse("Query is too complex.".into());
                }
                Ok(_) => request.set_parsed_query(document),
            }
        }
        Ok(request)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(|err| with_code(err, code::GRAPHQL_PARSE_FAILED))?;
        let shape = DocumentShape::of(&document);
        let refuse = |message: String| {
            Err(with_code(
                ServerError::new(message, None),
                code::GRAPHQL_VALIDATION_FAILED,
            ))
        };
        if shape.aliases > self.config.max_aliases {
            return refuse(format!(
                "the query holds {} aliases; at most {} are allowed",
                shape.aliases, self.config.max_aliases
            ));
        }
        if shape.root_fields > self.config.max_root_fields {
            return refuse(format!(
                "the query asks for {} root fields; at most {} are allowed",
                shape.root_fields, self.config.max_root_fields
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        match next.run(ctx).await {
            Ok(result) => {
                *self.validation.lock().expect("validation lock") = Some(result);
                // Within the request's time limit, like the rest of it.
                let permit = self
                    .admission
                    .admit(result.complexity)
                    .await
                    // Only a closed budget fails, and this one is never closed.
                    .map_err(|_| {
                        vec![with_code(
                            ServerError::new("internal server error", None),
                            code::INTERNAL_SERVER_ERROR,
                        )]
                    })?;
                *self.admitted.lock().expect("admission lock") = Some(permit);
                Ok(result)
            }
            Err(errors) => Err(errors
                .into_iter()
                .map(|err| with_code(err, code::GRAPHQL_VALIDATION_FAILED))
                .collect()),
        }
    }
}

/// Sets `extensions.code` where it is not set yet.
fn with_code(mut err: ServerError, fallback: &str) -> ServerError {
    let extensions = err.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", fallback);
    }
    err
}
