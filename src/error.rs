//! The one error type of the API and its mapping to GraphQL error codes.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql turns
//! any `Display` error into a bare message, which would drop the code and
//! could leak SQL. Without it, every `?` in a resolver goes through
//! `From<AppError> for async_graphql::Error` below.

use std::sync::Arc;

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// Error codes clients can rely on, as Apollo names them.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    /// The HTTP request itself is malformed (not JSON, too large a batch).
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// The request ran past the configured time limit.
    pub const REQUEST_TIMEOUT: &str = "REQUEST_TIMEOUT";
    /// An automatic persisted query's hash this server does not know (yet):
    /// the client sends it again with its query.
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// Automatic persisted queries are turned off here.
    pub const PERSISTED_QUERY_NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";
    /// An operation that is not in the trusted documents, or an id none of
    /// them has (HTTP 400).
    pub const PERSISTED_QUERY_NOT_IN_LIST: &str = "PERSISTED_QUERY_NOT_IN_LIST";
    /// An introspection query (`__schema`, `__type`) on a server that
    /// answers none (`--introspection false`).
    pub const INTROSPECTION_DISABLED: &str = "INTROSPECTION_DISABLED";
    /// Over a per-client limit (HTTP 429 with `Retry-After`).
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
}

#[derive(Debug, Clone)]
pub enum AppError {
    /// The request is wrong; the message tells the client how.
    BadUserInput(String),
    /// The database failed; the cause is logged, never shown.
    Database(Arc<DbErr>),
    /// Stored data the service cannot read; logged, never shown.
    Corrupt(String),
}

impl AppError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadUserInput(message.into())
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        Self::Database(Arc::new(err))
    }
}

impl From<Arc<DbErr>> for AppError {
    fn from(err: Arc<DbErr>) -> Self {
        Self::Database(err)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        match err {
            AppError::BadUserInput(message) => async_graphql::Error::new(message)
                .extend_with(|_, e| e.set("code", code::BAD_USER_INPUT)),
            AppError::Database(cause) => internal(&*cause),
            AppError::Corrupt(cause) => internal(&cause),
        }
    }
}

fn internal(cause: &dyn std::fmt::Display) -> async_graphql::Error {
    tracing::error!(%cause, "request failed");
    async_graphql::Error::new("internal server error")
        .extend_with(|_, e| e.set("code", code::INTERNAL_SERVER_ERROR))
}

pub type AppResult<T> = Result<T, AppError>;
