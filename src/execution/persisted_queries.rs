//! Automatic persisted queries (Apollo's APQ): a client sends only the
//! SHA-256 of its query in `extensions.persistedQuery`; when the server does
//! not know it, the answer is a `PersistedQueryNotFound` error and the client
//! sends the query with its hash once, which the server keeps (in a cache of
//! `SchemaConfig::apq_cache_size` queries) for the next requests, GET ones
//! included. With a cache size of 0, hash-only requests are answered with
//! `PersistedQueryNotSupported`, so clients stop sending hashes (a request
//! with its query runs as usual).

use async_graphql::{Request, ServerError};
use quick_cache::sync::Cache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::with_code;
use crate::error::code;

/// The key of the APQ extension in a request's `extensions`.
const PERSISTED_QUERY: &str = "persistedQuery";

/// The queries registered by their hash.
pub struct PersistedQueries {
    cache: Option<Cache<String, String>>,
}

/// `extensions.persistedQuery` as Apollo's clients send it.
#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// The hash of `extensions.persistedQuery`, when a request has one.
pub fn hash_of(request: &Request) -> Option<String> {
    let extension = request.extensions.get(PERSISTED_QUERY)?.clone();
    let json = extension.into_json().ok()?;
    json.get("sha256Hash")?.as_str().map(str::to_owned)
}

impl PersistedQueries {
    /// Keeps `cache_size` queries; 0 turns persisted queries off.
    pub fn new(cache_size: usize) -> Self {
        Self {
            cache: (cache_size > 0).then(|| Cache::new(cache_size)),
        }
    }

    /// Fills in the query of a request sent by hash, and registers the query
    /// of one sent with its hash.
    pub fn resolve(&self, request: &mut Request) -> Result<(), ServerError> {
        let Some(extension) = request.extensions.remove(PERSISTED_QUERY) else {
            return Ok(());
        };
        let Some(cache) = &self.cache else {
            if request.query.is_empty() {
                return Err(with_code(
                    ServerError::new("PersistedQueryNotSupported", None),
                    code::PERSISTED_QUERY_NOT_SUPPORTED,
                ));
            }
            return Ok(());
        };
        let persisted: PersistedQuery = extension
            .into_json()
            .ok()
            .and_then(|json| serde_json::from_value(json).ok())
            .ok_or_else(|| {
                bad_input("Invalid \"PersistedQuery\" extension configuration.".to_owned())
            })?;
        if persisted.version != 1 {
            return Err(bad_input(format!(
                "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{}\".",
                persisted.version
            )));
        }
        if request.query.is_empty() {
            return match cache.get(&persisted.sha256_hash) {
                Some(query) => {
                    request.query = query;
                    Ok(())
                }
                None => Err(with_code(
                    ServerError::new("PersistedQueryNotFound", None),
                    code::PERSISTED_QUERY_NOT_FOUND,
                )),
            };
        }
        let hash = format!("{:x}", Sha256::digest(request.query.as_bytes()));
        if persisted.sha256_hash != hash {
            return Err(bad_input("provided sha does not match query".to_owned()));
        }
        // Kept only once it parses, as the query it stands for must.
        if async_graphql::parser::parse_query(&request.query).is_ok() {
            cache.insert(hash, request.query.clone());
        }
        Ok(())
    }
}

fn bad_input(message: String) -> ServerError {
    with_code(ServerError::new(message, None), code::BAD_USER_INPUT)
}
