//! Answers kept across requests, so that a request the server has answered
//! before, for the same data, is answered without running it again.
//!
//! The registry's data changes only by import, so an answer stays right
//! until the next import commits. Each kept answer records the data version
//! it was computed at (`data_version.rs`); before one is served, the current
//! version is read (one cheap read, shared by the requests waiting on it),
//! and an answer of an older version is dropped instead. Imports by this
//! process, by another process on the same SQLite file and by any server on
//! the same PostgreSQL database are all seen, because every one bumps the
//! version in its own transaction. An answer that read nothing from the
//! database (introspection, `__typename`) does not depend on the data and
//! is kept without a version.
//!
//! A request is known by its bytes (a POST's body, a GET's query string),
//! its method and the media type it is answered in; only single requests
//! answered without errors are kept. Memory is bounded: at most
//! `SchemaConfig::response_cache_mib` of keys and answers, the least
//! valuable evicted first (quick_cache's CLOCK-Pro).
//!
//! A request that misses while the same request is being computed waits for
//! that answer instead of computing it again: a burst of clients asking for
//! a new answer at once (after an import, or a page everyone opens) costs
//! the database and the memory of building it once. When that answer is not
//! kept (it had errors, or its data changed meanwhile), each waiting request
//! computes its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::response::MediaType;
use crate::execution::cost::Cost;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use tokio::sync::watch;

/// How a request is known: its method, the media type of its answer and
/// its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub get: bool,
    pub media_type: MediaType,
    pub request: Bytes,
}

/// A kept answer.
pub(super) struct Entry {
    /// The data version it was computed at; `None` when it read no data.
    pub version: Option<i64>,
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body up to its `extensions` (`{"data":...`, no closing brace):
    /// the cost reported after it is the request's own.
    pub body: Bytes,
    pub cost: Cost,
    /// Whether computing it read the database (else it holds for any data).
    pub reads_data: bool,
    /// The operation's name, for the metrics.
    pub operation: Option<String>,
    /// Its cache hint: `Cache-Control` is written when it is served, from
    /// the hint and whether an import is running then.
    pub hint: async_graphql::CacheControl,
}

/// Weighs an entry by the bytes it holds.
#[derive(Clone)]
struct Bytesize;

impl Weighter<Key, std::sync::Arc<Entry>> for Bytesize {
    fn weight(&self, key: &Key, entry: &std::sync::Arc<Entry>) -> u64 {
        // Headers, lengths and the map's own bookkeeping, roughly.
        const OVERHEAD: usize = 256;
        (key.request.len() + entry.body.len() + OVERHEAD) as u64
    }
}

/// The response cache of one router.
pub(super) struct ResponseCache {
    entries: Cache<Key, std::sync::Arc<Entry>, Bytesize>,
    /// Requests being computed; the same request arriving meanwhile waits
    /// until the sender (held by `Computing`) is dropped.
    computing: Mutex<HashMap<Key, watch::Receiver<()>>>,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Hits that waited for the same request's answer to be computed.
    coalesced: AtomicU64,
}

/// What a lookup found.
pub(super) enum Lookup<'a> {
    /// An answer right for the data version read.
    Kept(std::sync::Arc<Entry>),
    /// No kept answer: the request is computed, and its answer offered to
    /// `insert` before the claim is dropped. No claim (`None`) when this
    /// request waited for the same one and its answer was not kept: a
    /// request waits once at most.
    Compute(Option<Computing<'a>>),
}

/// The claim of the request computing an answer: dropping it (after the
/// answer is inserted, or when the request ends without one) wakes the
/// requests waiting for it.
pub(super) struct Computing<'a> {
    cache: &'a ResponseCache,
    key: Key,
    /// Dropped with the claim: the requests waiting on it wake.
    _done: watch::Sender<()>,
}

impl Drop for Computing<'_> {
    fn drop(&mut self) {
        // While a claim lives, its key is claimed by it alone.
        let mut computing = self
            .cache
            .computing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        computing.remove(&self.key);
    }
}

impl ResponseCache {
    /// A cache of at most `mib` MiB; `None` when `mib` is 0.
    pub fn new(mib: usize) -> Option<Self> {
        if mib == 0 {
            return None;
        }
        let bytes = (mib as u64) << 20;
        Some(Self {
            // Sized for answers of a few KB; large ones weigh more.
            entries: Cache::with_weighter((bytes / 4096) as usize, bytes, Bytesize),
            computing: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            coalesced: AtomicU64::new(0),
        })
    }

    /// The kept answer to `key` when it read no data: it holds for any data
    /// version, so it is served without reading one.
    pub fn get_data_free(&self, key: &Key) -> Option<std::sync::Arc<Entry>> {
        let entry = self.entries.get(key).filter(|entry| !entry.reads_data)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(entry)
    }

    /// The kept answer to `key` if it is right for the data version
    /// `current` (read before; `None` when it could not be read), else the
    /// claim to compute it, after waiting for the same request if another
    /// is computing it.
    pub async fn lookup(&self, key: &Key, current: Option<i64>) -> Lookup<'_> {
        if let Some(entry) = self.fresh(key, current) {
            return self.hit(entry);
        }
        let mut waiting = {
            let mut computing = self.computing.lock().unwrap_or_else(|e| e.into_inner());
            match computing.get(key) {
                Some(waiting) => waiting.clone(),
                None => {
                    // Computed and kept since the look above: not again.
                    if let Some(entry) = self.fresh(key, current) {
                        return self.hit(entry);
                    }
                    let (done, waiting) = watch::channel(());
                    computing.insert(key.clone(), waiting);
                    self.misses.fetch_add(1, Ordering::Relaxed);
                    return Lookup::Compute(Some(Computing {
                        cache: self,
                        key: key.clone(),
                        _done: done,
                    }));
                }
            }
        };
        // Nothing is ever sent: this returns when the claim is dropped.
        let _ = waiting.changed().await;
        match self.fresh(key, current) {
            Some(entry) => {
                self.coalesced.fetch_add(1, Ordering::Relaxed);
                self.hit(entry)
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Lookup::Compute(None)
            }
        }
    }

    fn hit(&self, entry: std::sync::Arc<Entry>) -> Lookup<'_> {
        self.hits.fetch_add(1, Ordering::Relaxed);
        Lookup::Kept(entry)
    }

    /// The kept answer to `key` if it is right for the data version `current`.
    fn fresh(&self, key: &Key, current: Option<i64>) -> Option<std::sync::Arc<Entry>> {
        let entry = self.entries.get(key)?;
        if let Some(version) = entry.version
            && current != Some(version)
        {
            // Older data, or a version that cannot be read: not served.
            self.entries.remove(key);
            return None;
        }
        Some(entry)
    }

    pub fn insert(&self, key: Key, entry: Entry) {
        self.entries.insert(key, std::sync::Arc::new(entry));
    }

    /// Hits, misses, the bytes held and the most it may hold, for `/metrics`.
    pub fn usage(&self) -> CacheUsage {
        CacheUsage {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            coalesced: self.coalesced.load(Ordering::Relaxed),
            bytes: self.entries.weight(),
            capacity: self.entries.capacity(),
        }
    }
}

/// What `/metrics` reports of the cache.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct CacheUsage {
    hits: u64,
    misses: u64,
    coalesced: u64,
    bytes: u64,
    capacity: u64,
}

impl CacheUsage {
    /// In Prometheus' text format.
    pub fn prometheus(&self) -> String {
        format!(
            "# HELP response_cache_hits_total Requests answered from the response cache.\n\
             # TYPE response_cache_hits_total counter\n\
             response_cache_hits_total {}\n\
             # HELP response_cache_misses_total Requests the response cache could not answer.\n\
             # TYPE response_cache_misses_total counter\n\
             response_cache_misses_total {}\n\
             # HELP response_cache_coalesced_total Hits that waited for the same request's answer to be computed.\n\
             # TYPE response_cache_coalesced_total counter\n\
             response_cache_coalesced_total {}\n\
             # HELP response_cache_bytes Bytes of requests and answers the response cache holds.\n\
             # TYPE response_cache_bytes gauge\n\
             response_cache_bytes {}\n\
             # HELP response_cache_capacity_bytes The most the response cache may hold.\n\
             # TYPE response_cache_capacity_bytes gauge\n\
             response_cache_capacity_bytes {}\n",
            self.hits, self.misses, self.coalesced, self.bytes, self.capacity
        )
    }
}
