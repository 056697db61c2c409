//! Automatic persisted queries (Apollo's APQ): a client sends only the
//! SHA-256 of its query in `extensions.persistedQuery`; when the server does
//! not know it, the answer is a `PersistedQueryNotFound` error and the client
//! sends the query with its hash once, which the server keeps (in an LRU cache
//! of `SchemaConfig::apq_cache_size` queries) for the next requests, GET ones
//! included.
//!
//! async-graphql's `ApolloPersistedQueries` does the work; this wrapper gives
//! its errors the codes Apollo's clients look for, and with a cache size of 0
//! answers hash-only requests with `PersistedQueryNotSupported`, so clients
//! stop sending hashes (a request with its query runs as usual).

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Request, ServerError, ServerResult};

use crate::error::code;

/// The key of the APQ extension in a request's `extensions`.
const PERSISTED_QUERY: &str = "persistedQuery";

/// Makes the per-request APQ extension; the cache is shared.
pub struct PersistedQueries {
    apq: Option<ApolloPersistedQueries<LruCacheStorage>>,
}

impl PersistedQueries {
    /// Keeps `cache_size` queries; 0 turns persisted queries off.
    pub fn new(cache_size: usize) -> Self {
        Self {
            apq: (cache_size > 0)
                .then(|| ApolloPersistedQueries::new(LruCacheStorage::new(cache_size))),
        }
    }
}

impl ExtensionFactory for PersistedQueries {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PersistedQuery {
            apq: self.apq.as_ref().map(ExtensionFactory::create),
        })
    }
}

struct PersistedQuery {
    apq: Option<Arc<dyn Extension>>,
}

#[async_trait::async_trait]
impl Extension for PersistedQuery {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        match &self.apq {
            Some(apq) => apq
                .prepare_request(ctx, request, next)
                .await
                .map_err(|err| match err.message.as_str() {
                    "PersistedQueryNotFound" => with_code(err, code::PERSISTED_QUERY_NOT_FOUND),
                    _ => err,
                }),
            None => {
                if request.extensions.remove(PERSISTED_QUERY).is_some() && request.query.is_empty()
                {
                    return Err(with_code(
                        ServerError::new("PersistedQueryNotSupported", None),
                        code::PERSISTED_QUERY_NOT_SUPPORTED,
                    ));
                }
                next.run(ctx, request).await
            }
        }
    }
}

fn with_code(mut err: ServerError, code: &str) -> ServerError {
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    err
}
