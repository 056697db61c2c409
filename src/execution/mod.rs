//! Running a GraphQL request: everything around async-graphql's execution of
//! a document, kept out of the schema.
//!
//! The schema has no extension at all: with even one, async-graphql builds
//! the field's type names and an extension chain for every field it
//! resolves, which cost a quarter of the time of a large answer. Instead
//! `RegistrySchema::execute` does, in order: automatic persisted queries,
//! parsing (once, and not again for a document seen lately), the limits
//! async-graphql does not set (fragment expansion, aliases, root fields),
//! variable coercion, depth and complexity (`cost.rs`), admission by
//! complexity (`admission.rs`), then async-graphql's validation and
//! execution with the request's own loaders on its level-by-level schedule
//! (`schedule.rs`), all within the request's time limit. Afterwards every
//! error gets an `extensions.code`, the cost is reported in
//! `extensions.cost`, and the operation is recorded in its span and the
//! metrics (`operations.rs`).

pub mod admission;
pub mod client_limits;
pub mod cost;
pub mod document;
pub mod operations;
pub mod parsed_documents;
pub mod persisted_queries;
pub mod schedule;
pub mod trusted_documents;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{BatchRequest, BatchResponse, Name, Request, Response, ServerError, Value};
use sea_orm::DatabaseConnection;
use tracing::Instrument;
use tracing::field::Empty;

use self::admission::Admission;
use self::client_limits::{ClientLimits, LimitClock, Limited};
use self::cost::{Cost, TypeIndex};
use self::document::{DocumentShape, Unexpandable, coerce_variables, expanded_fields};
use self::parsed_documents::ParsedDocuments;
use self::persisted_queries::PersistedQueries;
use self::schedule::LevelSchedule;
use crate::config::{SchemaConfig, TrustedMode};
use crate::db::CountingConnection;
use crate::error::code;
use crate::graphql::loader::RegistryLoader;
use crate::replicas::{Read, ReadPool};
use crate::schema::Schema;

/// The registry's GraphQL service: the schema and everything that runs a
/// request on it. Cheap to clone.
#[derive(Clone)]
pub struct RegistrySchema(Arc<Inner>);

struct Inner {
    schema: Schema,
    /// The SDL this subgraph publishes, which `_service { sdl }` answers.
    sdl: Arc<str>,
    /// Where requests read: the primary, or its replicas (`replicas.rs`).
    reads: ReadPool,
    config: SchemaConfig,
    admission: Admission,
    persisted: PersistedQueries,
    documents: ParsedDocuments,
    types: TypeIndex,
    limits: ClientLimits,
}

/// Who sent a request, as the HTTP layer tells it (put in the request's data).
#[derive(Clone, Debug, Default)]
pub struct Caller {
    /// The client the per-client limits count against.
    pub client: String,
    /// Sent by a trusted proxy (a gateway): its operations are of its own
    /// making, never in a front end's trusted documents.
    pub trusted_proxy: bool,
    /// Sent by the playground (its `apollographql-client-name`).
    pub playground: bool,
}

/// The `documentId` of a GraphQL-over-HTTP request (put in the request's data).
#[derive(Clone, Debug)]
pub struct DocumentId(pub String);

/// Why a request was turned away before it ran, when HTTP says it with its
/// own status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TurnedAway {
    /// Not in the trusted documents, or an unknown id: HTTP 400.
    NotInList,
    /// Over a per-client limit: HTTP 429 with `Retry-After`.
    RateLimited(Limited),
}

/// A request's answer, and what the HTTP layer needs to know of it.
pub struct Executed {
    pub response: Response,
    /// The request never executed (a request error): no `data` is sent.
    pub failed_early: bool,
    /// Its depth and complexity (zero when refused before they were known).
    pub cost: Cost,
    /// SQL statements it ran: none means its answer does not depend on the data.
    pub statements: usize,
    /// The operation's name, as the metrics take it.
    pub operation: Option<String>,
    /// Turned away before it ran, for a reason HTTP has a status for.
    pub turned_away: Option<TurnedAway>,
}

/// Why a request is not run at all.
pub enum Refused {
    /// The operation is not a query, and only queries may run (a GET).
    NotAQuery,
}

impl RegistrySchema {
    pub(crate) fn new(
        schema: Schema,
        reads: ReadPool,
        config: &SchemaConfig,
        admission: Admission,
        clock: LimitClock,
    ) -> Self {
        let sdl = crate::sdl::publish(
            &schema.sdl_with_options(
                async_graphql::SDLExportOptions::new()
                    .federation()
                    .compose_directive(),
            ),
        );
        let types = TypeIndex::from_sdl(&sdl);
        Self(Arc::new(Inner {
            schema,
            sdl: sdl.into(),
            reads,
            config: config.clone(),
            admission,
            persisted: PersistedQueries::new(config.apq_cache_size),
            documents: ParsedDocuments::new(),
            types,
            limits: ClientLimits::new(
                config.client_requests_per_second,
                config.client_complexity_per_second,
                clock,
            ),
        }))
    }

    /// The connection requests read through without replicas: the primary's.
    pub fn database(&self) -> &DatabaseConnection {
        self.0.reads.primary_connection()
    }

    /// Where requests read: the primary and its replicas.
    pub fn reads(&self) -> &ReadPool {
        &self.0.reads
    }

    /// async-graphql's schema, which runs subscriptions (`feed/websocket.rs`).
    pub fn graphql_schema(&self) -> &Schema {
        &self.0.schema
    }

    /// The per-client limits (the HTTP layer counts requests on them).
    pub fn client_limits(&self) -> &ClientLimits {
        &self.0.limits
    }

    /// The SDL this subgraph publishes: federation v2.9 with the
    /// demand-control directives of its cost model (`sdl.rs`).
    pub fn sdl(&self) -> &str {
        &self.0.sdl
    }

    /// Runs one request.
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        match self.run(request.into(), false).await {
            Ok(executed) => executed.response,
            Err(Refused::NotAQuery) => unreachable!("every operation may run"),
        }
    }

    /// Runs a batch, its requests concurrently; answers keep their order.
    pub async fn execute_batch(&self, batch: BatchRequest) -> BatchResponse {
        match batch {
            BatchRequest::Single(request) => BatchResponse::Single(self.execute(request).await),
            BatchRequest::Batch(requests) => BatchResponse::Batch(
                async_graphql::futures_util::future::join_all(
                    requests.into_iter().map(|request| self.execute(request)),
                )
                .await,
            ),
        }
    }

    /// Runs one request; with `only_queries`, refuses any other operation
    /// before running anything.
    pub(crate) async fn run(
        &self,
        request: Request,
        only_queries: bool,
    ) -> Result<Executed, Refused> {
        let span = tracing::info_span!("graphql", operation = Empty, outcome = Empty);
        let started = Instant::now();
        let metrics = operations::metrics_of(&request);
        let requested = request.operation_name.clone();
        let mut only = None;
        let mut turned_away = None;
        let prepared = self.prepare(request, only_queries, &mut only);
        let (mut response, cost, statements) = match prepared {
            Err(PrepareError::Refused(refused)) => return Err(refused),
            Err(PrepareError::Request(err)) => (Response::from_errors(vec![err]), None, 0),
            Err(PrepareError::TurnedAway(turned)) => {
                let (err, why, cost) = *turned;
                turned_away = Some(why);
                (Response::from_errors(vec![err]), cost, 0)
            }
            Ok((request, document, cost)) => {
                let service =
                    document::service_sdl_keys(&document, request.operation_name.as_deref());
                // Where the HTTP layer read the data version, else the next in turn.
                let read = data_of::<Read>(&request).unwrap_or_else(|| self.0.reads.pick());
                let db = CountingConnection::reading(read);
                let mut response = self
                    .run_prepared(request, document, cost, db.clone())
                    .instrument(span.clone())
                    .await;
                publish_sdl(&mut response.data, &service, &self.0.sdl);
                (response, Some(cost), db.statements())
            }
        };
        give_codes(&mut response);
        if response.cache_control.max_age > self.0.config.cache_max_age {
            response.cache_control.max_age = self.0.config.cache_max_age;
        }
        let cost = cost.unwrap_or_default();
        if self.0.config.report_cost {
            let value = Value::from_json(serde_json::json!({
                "sqlStatements": statements,
                "depth": cost.depth,
                "complexity": cost.complexity,
            }))
            .expect("a JSON object is a value");
            response = response.extension("cost", value);
        }
        let name = requested.or(only);
        operations::record(
            &span,
            metrics.as_ref(),
            name.as_deref(),
            &response,
            started.elapsed(),
        );
        let failed_early = operations::failed_before_execution(&response);
        Ok(Executed {
            response,
            failed_early,
            cost,
            statements,
            operation: name,
            turned_away,
        })
    }

    /// Everything that runs no statement: persisted queries, parsing, the
    /// document's limits, variables, and its cost against the limits.
    fn prepare(
        &self,
        mut request: Request,
        only_queries: bool,
        only_operation: &mut Option<String>,
    ) -> Result<(Request, ExecutableDocument, Cost), PrepareError> {
        let config = &self.0.config;
        let caller = data_of::<Caller>(&request).unwrap_or_default();
        let trusted_by_id = self.trusted_document(&mut request)?;
        self.0.persisted.resolve(&mut request)?;
        let document = (self.0.documents)
            .parse(&request.query)
            .map_err(|err| with_code(err.into(), code::GRAPHQL_PARSE_FAILED))?;
        if let Some(trusted) = &config.trusted_documents
            && !trusted_by_id
            && !caller.trusted_proxy
            && !(caller.playground && config.playground)
            && !trusted.allows(&document)
        {
            let name = request
                .operation_name
                .clone()
                .or_else(|| operations::only_operation(&document));
            match config.trusted_documents_mode {
                TrustedMode::Log => tracing::warn!(
                    operation = name.as_deref().unwrap_or("anonymous"),
                    client = caller.client,
                    "an operation that is not in the trusted documents ran"
                ),
                TrustedMode::Reject => {
                    return Err(not_in_list(
                        "the operation is not in the trusted documents; send a trusted document by its id",
                    ));
                }
            }
        }
        if !config.introspection {
            if document::asks_for_introspection(&document) {
                return Err(PrepareError::Request(with_code(
                    ServerError::new(
                        "introspection is disabled on this server; a gateway reads the schema \
                         from `_service { sdl }`",
                        None,
                    ),
                    code::INTROSPECTION_DISABLED,
                )));
            }
            request = request.disable_introspection();
        }
        *only_operation = operations::only_operation(&document);
        if only_queries && !document::is_query(&document, request.operation_name.as_deref()) {
            return Err(PrepareError::Refused(Refused::NotAQuery));
        }
        // async-graphql's walks over the document follow every fragment
        // spread, so a document that is small as text but huge once spread
        // would take minutes of CPU before any limit applied: its expanded
        // size is counted first.
        match expanded_fields(&document) {
            Err(Unexpandable::Cycle(name)) => {
                return Err(invalid(format!("fragment `{name}` spreads itself")));
            }
            Err(Unexpandable::TooDeep) => return Err(invalid("Query is nested too deep.")),
            // A document this large once spread would take longer to walk
            // than any query the limit allows takes to run.
            Ok(fields) if fields > config.max_complexity => {
                return Err(invalid("Query is too complex."));
            }
            Ok(_) => {}
        }
        let shape = DocumentShape::of(&document);
        if shape.aliases > config.max_aliases {
            return Err(invalid(format!(
                "the query holds {} aliases; at most {} are allowed",
                shape.aliases, config.max_aliases
            )));
        }
        if shape.root_fields > config.max_root_fields {
            return Err(invalid(format!(
                "the query asks for {} root fields; at most {} are allowed",
                shape.root_fields, config.max_root_fields
            )));
        }
        coerce_variables(&document, &request)?;
        if let Some(message) = self.0.types.out_of_range_int(&document) {
            return Err(invalid(message));
        }
        let cost = self.0.types.cost(&document, &request.variables);
        if cost.complexity > config.max_complexity {
            return Err(invalid("Query is too complex."));
        }
        if cost.depth > config.max_depth {
            return Err(invalid("Query is nested too deep."));
        }
        if let Err(limited) = self
            .0
            .limits
            .check_complexity(&caller.client, cost.complexity)
        {
            if let Some(metrics) = operations::metrics_of(&request) {
                metrics.record_limited(&caller.client, limited.limit);
            }
            return Err(PrepareError::TurnedAway(Box::new((
                rate_limited(limited),
                TurnedAway::RateLimited(limited),
                Some(cost),
            ))));
        }
        Ok((request, document, cost))
    }

    /// Fills in the body of a request naming a trusted document by id
    /// (`documentId`, or `extensions.persistedQuery` without a query whose
    /// hash is an id of the manifest); whether it did.
    fn trusted_document(&self, request: &mut Request) -> Result<bool, PrepareError> {
        let document_id = data_of::<DocumentId>(request);
        let Some(trusted) = &self.0.config.trusted_documents else {
            return match document_id {
                Some(_) => Err(PrepareError::Request(with_code(
                    ServerError::new("this server has no trusted documents to run by id", None),
                    code::PERSISTED_QUERY_NOT_SUPPORTED,
                ))),
                None => Ok(false),
            };
        };
        if let Some(DocumentId(id)) = document_id {
            let Some(body) = trusted.body(&id) else {
                return Err(not_in_list(format!(
                    "no trusted document has the id `{}`",
                    id.chars().take(80).collect::<String>()
                )));
            };
            request.query = body.to_owned();
            return Ok(true);
        }
        if request.query.is_empty()
            && let Some(hash) = persisted_queries::hash_of(request)
            && let Some(body) = trusted.body(&hash)
        {
            request.query = body.to_owned();
            request.extensions.remove("persistedQuery");
            return Ok(true);
        }
        Ok(false)
    }

    /// Admission, then async-graphql's validation and execution with the
    /// request's loaders on its schedule, within the request's time limit.
    async fn run_prepared(
        &self,
        request: Request,
        document: ExecutableDocument,
        cost: Cost,
        db: CountingConnection,
    ) -> Response {
        let limit = Duration::from_millis(self.0.config.request_timeout_ms);
        let schedule = LevelSchedule::new();
        let mut request = request
            .data(RegistryLoader::for_request(db, schedule.clone()))
            .data(schedule.clone());
        request.set_parsed_query(document);
        let run = async {
            // Only a closed budget fails, and this one is never closed.
            let Ok(_admitted) = self.0.admission.admit(cost.complexity).await else {
                return Response::from_errors(vec![with_code(
                    ServerError::new("internal server error", None),
                    code::INTERNAL_SERVER_ERROR,
                )]);
            };
            schedule.run(self.0.schema.execute(request)).await
        };
        match tokio::time::timeout(limit, run).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![with_code(
                ServerError::new(
                    format!(
                        "the request took longer than {} ms and was stopped",
                        limit.as_millis()
                    ),
                    None,
                ),
                code::REQUEST_TIMEOUT,
            )]),
        }
    }
}

/// async-graphql answers `_service { sdl }` with its own SDL; a gateway
/// composes what it reads there, so it gets the published one instead (at
/// each response key the operation asks for it under).
fn publish_sdl(data: &mut Value, keys: &[(Name, Vec<Name>)], sdl: &str) {
    let Value::Object(root) = data else {
        return;
    };
    for (service_key, sdl_keys) in keys {
        if let Some(Value::Object(service)) = root.get_mut(service_key) {
            for key in sdl_keys {
                if let Some(value) = service.get_mut(key) {
                    *value = Value::String(sdl.to_owned());
                }
            }
        }
    }
}

enum PrepareError {
    Refused(Refused),
    Request(ServerError),
    /// A request error HTTP answers with a status of its own, and the cost
    /// when it was known.
    TurnedAway(Box<(ServerError, TurnedAway, Option<Cost>)>),
}

fn not_in_list(message: impl Into<String>) -> PrepareError {
    PrepareError::TurnedAway(Box::new((
        with_code(
            ServerError::new(message, None),
            code::PERSISTED_QUERY_NOT_IN_LIST,
        ),
        TurnedAway::NotInList,
        None,
    )))
}

/// The error of a request over a per-client limit.
pub fn rate_limited(limited: Limited) -> ServerError {
    let mut err = ServerError::new(
        format!(
            "too many {} from this client; try again in {} s",
            match limited.limit {
                client_limits::Limit::Requests => "requests",
                client_limits::Limit::Complexity => "complex operations",
            },
            limited.retry_after_secs
        ),
        None,
    );
    let extensions = err.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code::RATE_LIMITED);
    extensions.set("retryAfter", limited.retry_after_secs);
    err
}

/// A value of type `T` the HTTP layer put in a request's data.
fn data_of<T: Clone + Send + Sync + 'static>(request: &Request) -> Option<T> {
    request
        .data
        .get(&std::any::TypeId::of::<T>())
        .and_then(|data| data.downcast_ref::<T>())
        .cloned()
}

impl From<ServerError> for PrepareError {
    fn from(err: ServerError) -> Self {
        Self::Request(err)
    }
}

fn invalid(message: impl Into<String>) -> PrepareError {
    PrepareError::Request(with_code(
        ServerError::new(message, None),
        code::GRAPHQL_VALIDATION_FAILED,
    ))
}

/// Gives every error an `extensions.code`. Resolvers always set one (see
/// error.rs) and so does `prepare`; an error still without one comes from
/// async-graphql: before execution its validation (or choosing the
/// operation), during execution its checks of argument values.
fn give_codes(response: &mut Response) {
    let early = operations::failed_before_execution(response);
    for err in &mut response.errors {
        let fallback = if early && !is_operation_choice(err) {
            code::GRAPHQL_VALIDATION_FAILED
        } else {
            code::BAD_USER_INPUT
        };
        let taken = std::mem::replace(err, ServerError::new(String::new(), None));
        *err = with_code(taken, fallback);
    }
}

/// async-graphql's errors for an `operationName` that names no operation,
/// or a document of several operations sent without one.
fn is_operation_choice(err: &ServerError) -> bool {
    err.message.starts_with("Unknown operation named")
        || err.message == "Operation name required in request."
}

/// Sets `extensions.code` where it is not set yet.
pub(crate) fn with_code(mut err: ServerError, fallback: &str) -> ServerError {
    let extensions = err.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", fallback);
    }
    err
}
