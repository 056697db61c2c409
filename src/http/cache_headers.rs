//! The caching headers of `/graphql` answers, for CDNs, browsers and a
//! gateway's entity cache alike:
//!
//! - `Cache-Control` on every answer. A successful one says what its cache
//!   hints allow: `public, max-age=N` with N the shortest `max-age` of the
//!   fields and entities it returned (`_entities` batches included; at most
//!   `--cache-max-age`), `private` where any of them is; `no-cache` where no
//!   type hints one. While an import runs, in this or any other process
//!   (`data_version.rs`), N is 0: what is answered may change at its commit
//!   (not for an answer that read no data, such as `{ __typename }` or
//!   introspection: it holds whatever the data).
//!   Anything else (errors, refusals, limits) says `no-store`.
//! - `ETag` on successful GET answers: weak, from the data version (none
//!   for an answer that read no data), the published schema and the
//!   request's bytes and media type, so it changes exactly when the answer
//!   may; a GET whose `If-None-Match` holds it is answered `304 Not
//!   Modified` (the answer itself may come from the response cache, which
//!   keeps the hint, not the header).
//! - `Vary: Accept` on every answer: the media type and the status follow it.

use async_graphql::CacheControl;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::response_cache::Key;
use crate::data_version::Snapshot;

/// What the caching headers of one answer are made from.
pub(super) struct CacheFacts<'a> {
    /// The answer's hint; `None` when it must not be stored.
    pub hint: Option<CacheControl>,
    /// What the answer was read from.
    pub basis: Basis,
    /// The request, for its ETag; `None` for a POST.
    pub get: Option<&'a Key>,
    /// The client's `If-None-Match`.
    pub if_none_match: Option<&'a HeaderValue>,
}

/// What an answer's freshness rests on.
#[derive(Clone, Copy, Debug)]
pub(super) enum Basis {
    /// The data at this version and import state, read before answering.
    Data(Snapshot),
    /// The data, at a version that could not be read: nothing is promised
    /// (max-age 0, no ETag).
    Unknown,
    /// No data at all (no statement ran): it holds for any version.
    NoData,
}

impl Basis {
    /// The basis of an answer read after `snapshot` was (`None`: unreadable).
    pub fn of(snapshot: Option<Snapshot>) -> Self {
        snapshot.map_or(Self::Unknown, Self::Data)
    }
}

/// A tag for the published schema, so that ETags change with a deploy that
/// changes the schema.
pub(super) fn schema_tag(sdl: &str) -> String {
    hex(&Sha256::digest(sdl.as_bytes())[..6])
}

/// Writes the caching headers on `response`; a GET whose `If-None-Match`
/// holds its ETag becomes a 304.
pub(super) fn apply(mut response: Response, facts: CacheFacts<'_>, schema_tag: &str) -> Response {
    let cacheable = facts.hint.is_some() && response.status() == StatusCode::OK;
    let cache_control = match facts.hint.filter(|_| cacheable) {
        None => "no-store".to_owned(),
        Some(hint) if hint.max_age < 0 => "no-cache".to_owned(),
        Some(hint) if hint.max_age == 0 => "no-cache".to_owned(),
        Some(hint) => {
            let importing = match facts.basis {
                Basis::Data(snapshot) => snapshot.importing,
                Basis::Unknown => true,
                Basis::NoData => false,
            };
            let age = if importing { 0 } else { hint.max_age };
            let scope = if hint.public { "public" } else { "private" };
            format!("{scope}, max-age={age}")
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&cache_control).expect("an ASCII header"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept"));
    let etag = match (facts.get, facts.basis) {
        (Some(key), Basis::Data(snapshot)) if cacheable => {
            Some(etag(key, &snapshot.version.to_string(), schema_tag))
        }
        (Some(key), Basis::NoData) if cacheable => Some(etag(key, "any", schema_tag)),
        _ => None,
    };
    let Some(etag) = etag else {
        return response;
    };
    let value = HeaderValue::from_str(&etag).expect("an ASCII header");
    if facts
        .if_none_match
        .is_some_and(|wanted| matches(wanted, &etag))
    {
        let mut kept = HeaderMap::new();
        for name in [header::CACHE_CONTROL, header::VARY] {
            if let Some(value) = response.headers().get(&name) {
                kept.insert(name, value.clone());
            }
        }
        kept.insert(header::ETAG, value);
        return (StatusCode::NOT_MODIFIED, kept).into_response();
    }
    response.headers_mut().insert(header::ETAG, value);
    response
}

/// `W/"<data version, or any>-<hash of the schema, media type and request>"`.
fn etag(key: &Key, version: &str, schema_tag: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(schema_tag.as_bytes());
    hash.update([key.media_type as u8]);
    hash.update(&key.request);
    format!("W/\"{version}-{}\"", hex(&hash.finalize()[..12]))
}

/// Whether `If-None-Match` names `etag` (weak comparison) or is `*`.
fn matches(if_none_match: &HeaderValue, etag: &str) -> bool {
    let Ok(text) = if_none_match.to_str() else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    text.split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == ours)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
