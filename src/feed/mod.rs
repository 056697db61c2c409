//! The change feed's delivery: one watcher per server notices new imports
//! (on PostgreSQL by `LISTEN registry_changed`, with a slow poll of the data
//! version as a fallback; on SQLite by a poll of the data version), reads
//! their rows of the change log and broadcasts one event per import to this
//! server's subscribers (`registryChanged`, served over WebSocket by
//! `websocket.rs`).
//!
//! Everything is bounded: the broadcast keeps `feed_buffer` events for the
//! slowest subscriber (one that falls further behind is dropped with close
//! code 4410 and the cursor to resume from), connections and subscriptions
//! per connection are limited, and a replay (`after:`) reads at most
//! `MAX_REPLAY` changes.
//!
//! Imports write their change rows after they bump the data version, whose
//! row they then hold locked until they commit: change ids become visible in
//! order, so reading `id > last seen` never skips a slower import's rows.

pub mod subscription;
pub mod websocket;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use entity::change_log;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::{Semaphore, broadcast};

use crate::dataset::changes::CHANNEL;

/// WebSocket connections one server accepts at once.
pub const DEFAULT_MAX_SUBSCRIPTION_CONNECTIONS: usize = 1000;
/// Subscriptions one connection may hold at once.
pub const DEFAULT_SUBSCRIPTIONS_PER_CONNECTION: usize = 10;
/// How often the data version is polled for new imports (SQLite), in ms.
pub const DEFAULT_CHANGE_POLL_MS: u64 = 200;
/// Imports a subscriber may fall behind before it is dropped.
pub const DEFAULT_FEED_BUFFER: usize = 64;
/// Seconds between the server's pings on a subscription connection; one
/// that sends nothing (not even a pong) for three of them is closed.
pub const DEFAULT_SUBSCRIPTION_KEEPALIVE_SECS: u64 = 15;
/// On PostgreSQL, the poll that backs up `LISTEN` (a notice lost with its
/// connection), in ms.
pub const POSTGRES_FALLBACK_POLL_MS: u64 = 5_000;
/// Changes a subscription with `after:` replays at most: a client further
/// behind pages through `changes(after:)` first.
pub const MAX_REPLAY: u64 = 10_000;
/// Change rows the watcher reads per statement.
const READ_BATCH: u64 = 5_000;

/// The change feed's limits (flags and variables of the server).
#[derive(Debug, Clone, clap::Args)]
pub struct FeedConfig {
    /// WebSocket (subscription) connections accepted at once; more are closed with code 4429.
    #[arg(long, env = "REGISTRY_MAX_SUBSCRIPTION_CONNECTIONS", default_value_t = DEFAULT_MAX_SUBSCRIPTION_CONNECTIONS, global = true)]
    pub max_subscription_connections: usize,
    /// Subscriptions one connection may hold at once.
    #[arg(long, env = "REGISTRY_SUBSCRIPTIONS_PER_CONNECTION", default_value_t = DEFAULT_SUBSCRIPTIONS_PER_CONNECTION, global = true)]
    pub subscriptions_per_connection: usize,
    /// How often (ms) the data version is polled for imports (SQLite; PostgreSQL is notified).
    #[arg(long, env = "REGISTRY_CHANGE_POLL_MS", default_value_t = DEFAULT_CHANGE_POLL_MS, global = true)]
    pub change_poll_ms: u64,
    /// Imports a subscriber may fall behind before it is dropped (close code 4410).
    #[arg(long, env = "REGISTRY_FEED_BUFFER", default_value_t = DEFAULT_FEED_BUFFER, global = true)]
    pub feed_buffer: usize,
    /// Seconds between pings on a subscription connection.
    #[arg(long, env = "REGISTRY_SUBSCRIPTION_KEEPALIVE_SECS", default_value_t = DEFAULT_SUBSCRIPTION_KEEPALIVE_SECS, global = true)]
    pub subscription_keepalive_secs: u64,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            max_subscription_connections: DEFAULT_MAX_SUBSCRIPTION_CONNECTIONS,
            subscriptions_per_connection: DEFAULT_SUBSCRIPTIONS_PER_CONNECTION,
            change_poll_ms: DEFAULT_CHANGE_POLL_MS,
            feed_buffer: DEFAULT_FEED_BUFFER,
            subscription_keepalive_secs: DEFAULT_SUBSCRIPTION_KEEPALIVE_SECS,
        }
    }
}

/// One import's changes, as the feed delivers them.
#[derive(Debug, Clone)]
pub struct ImportEvent {
    pub import_id: i64,
    /// Its change rows, in order (never empty).
    pub changes: Vec<change_log::Model>,
}

impl ImportEvent {
    /// The id of its last change: where `changes(after:)` resumes.
    pub fn last_id(&self) -> i64 {
        self.changes.last().map_or(0, |change| change.id)
    }
}

/// A server's change feed. Cheap to clone; the watcher starts with the
/// first subscriber and ends when the feed is dropped.
#[derive(Clone)]
pub struct Feed(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    config: FeedConfig,
    events: OnceLock<broadcast::Sender<Arc<ImportEvent>>>,
    connections: Arc<Semaphore>,
}

impl Feed {
    /// The feed of `db` (the writable pool: PostgreSQL's `LISTEN` needs it).
    pub fn new(db: DatabaseConnection, config: &FeedConfig) -> Self {
        Self(Arc::new(Inner {
            db,
            config: config.clone(),
            events: OnceLock::new(),
            connections: Arc::new(Semaphore::new(config.max_subscription_connections)),
        }))
    }

    pub fn config(&self) -> &FeedConfig {
        &self.0.config
    }

    /// A place among the connections, if one is free.
    pub fn connection_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.0.connections.clone().try_acquire_owned().ok()
    }

    /// Every event from now on.
    pub fn events(&self) -> broadcast::Receiver<Arc<ImportEvent>> {
        let mut started = None;
        let sender = self.0.events.get_or_init(|| {
            let (sender, receiver) = broadcast::channel(self.0.config.feed_buffer.max(1));
            started = Some(receiver);
            tokio::spawn(watch(
                self.0.db.clone(),
                sender.downgrade(),
                Duration::from_millis(self.0.config.change_poll_ms.max(10)),
            ));
            sender
        });
        started.unwrap_or_else(|| sender.subscribe())
    }

    /// The imports after change `after`, whole, for a subscription that
    /// resumes; an error when more than `MAX_REPLAY` changes follow.
    pub async fn replay(&self, after: i64) -> Result<Option<Vec<ImportEvent>>, DbErr> {
        let rows = rows_after(&self.0.db, after, MAX_REPLAY + 1).await?;
        if rows.len() as u64 > MAX_REPLAY {
            return Ok(None);
        }
        Ok(Some(group(rows)))
    }
}

/// Change rows after `after`, in order, at most `limit`.
async fn rows_after(
    db: &DatabaseConnection,
    after: i64,
    limit: u64,
) -> Result<Vec<change_log::Model>, DbErr> {
    change_log::Entity::find()
        .filter(change_log::Column::Id.gt(after))
        .order_by_asc(change_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Rows in order, one event per import.
fn group(rows: Vec<change_log::Model>) -> Vec<ImportEvent> {
    let mut events: Vec<ImportEvent> = Vec::new();
    for row in rows {
        match events.last_mut() {
            Some(event) if event.import_id == row.import_id => event.changes.push(row),
            _ => events.push(ImportEvent {
                import_id: row.import_id,
                changes: vec![row],
            }),
        }
    }
    events
}

/// The largest change id now; 0 for an empty log.
async fn last_change(db: &DatabaseConnection) -> Result<i64, DbErr> {
    Ok(change_log::Entity::find()
        .select_only()
        .column_as(change_log::Column::Id.max(), "id")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// The watcher: waits for a sign of an import, then broadcasts the change
/// rows it has not broadcast yet. Ends when its feed is dropped.
async fn watch(
    db: DatabaseConnection,
    sender: broadcast::WeakSender<Arc<ImportEvent>>,
    poll: Duration,
) {
    let mut seen = loop {
        match last_change(&db).await {
            Ok(id) => break id,
            Err(err) => {
                tracing::warn!(error = %err, "change feed: the change log cannot be read; retrying");
                tokio::time::sleep(poll).await;
            }
        }
    };
    let mut version = crate::data_version::read_version(&db).await.ok();
    let mut listener = listen(&db).await;
    let fallback = Duration::from_millis(POSTGRES_FALLBACK_POLL_MS);
    loop {
        let notified = match listener.as_mut() {
            Some(listener) => tokio::select! {
                notice = listener.recv() => match notice {
                    Ok(_) => true,
                    Err(err) => {
                        tracing::warn!(error = %err, "change feed: LISTEN failed; polling until it reconnects");
                        tokio::time::sleep(poll).await;
                        false
                    }
                },
                () = tokio::time::sleep(fallback) => false,
            },
            None => {
                tokio::time::sleep(poll).await;
                false
            }
        };
        let Some(sender) = sender.upgrade() else {
            return;
        };
        if !notified {
            match crate::data_version::read_version(&db).await {
                Ok(now) if Some(now) == version => continue,
                Ok(now) => version = Some(now),
                Err(err) => {
                    tracing::warn!(error = %err, "change feed: the data version cannot be read");
                    continue;
                }
            }
        }
        loop {
            let rows = match rows_after(&db, seen, READ_BATCH).await {
                Ok(rows) => rows,
                Err(err) => {
                    tracing::warn!(error = %err, "change feed: the change log cannot be read");
                    break;
                }
            };
            let full = rows.len() as u64 == READ_BATCH;
            let mut events = group(rows);
            // A batch that ends inside an import: that import is sent whole with the next.
            if full && events.len() > 1 {
                events.pop();
            }
            for event in events {
                seen = event.last_id();
                // No receiver is no error: nobody listens on this server now.
                let _ = sender.send(Arc::new(event));
            }
            if !full {
                break;
            }
        }
    }
}

/// On PostgreSQL, a listener on the imports' channel; `None` elsewhere or
/// when it cannot connect (the fallback poll still notices imports).
async fn listen(db: &DatabaseConnection) -> Option<sea_orm::sqlx::postgres::PgListener> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let pool = db.get_postgres_connection_pool();
    let result = async {
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok::<_, sea_orm::sqlx::Error>(listener)
    }
    .await;
    match result {
        Ok(listener) => Some(listener),
        Err(err) => {
            tracing::warn!(error = %err, "change feed: LISTEN failed; polling the data version");
            None
        }
    }
}
