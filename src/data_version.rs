//! The registry's data version (the `registry_version` row every import
//! bumps in its own transaction), read so that nothing kept across requests
//! outlives the data it was made from: an import by this process, by another
//! process on the same SQLite file, or by any server on the same PostgreSQL
//! database is seen by the next read here.
//!
//! The same row says whether an import is running (`import_started`, set
//! by the import in its own short transaction before it writes and cleared
//! when it commits): cache hints shorten to zero meanwhile.
//!
//! Reads are shared: a request may use the result of a read that started
//! after the request arrived (that read sees every import committed before
//! the request arrived), so under load one read serves many requests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use entity::registry_version;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

/// How long an import marker counts as an import running: one left by an
/// import that died is forgotten after this, in seconds.
pub const IMPORT_MARKER_SECS: i64 = 3600;

/// What one read of the version row tells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Imports committed so far.
    pub version: i64,
    /// An import (in any process) has started and not yet committed.
    pub importing: bool,
}

/// The data version of one database, read on demand.
pub struct DataVersion {
    db: DatabaseConnection,
    /// Reads started so far.
    started: AtomicU64,
    /// The last read to finish: its number and what it read.
    last: Mutex<(u64, Snapshot)>,
    /// One read at a time; the others wait for it and may use its result.
    turn: tokio::sync::Mutex<()>,
}

impl DataVersion {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            started: AtomicU64::new(0),
            last: Mutex::new((0, Snapshot::default())),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// The version of the data now: the result of a read that started after
    /// this call did.
    pub async fn current(&self) -> Result<Snapshot, DbErr> {
        let arrived = self.started.load(Ordering::SeqCst);
        let _turn = self.turn.lock().await;
        let (read, snapshot) = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        if read > arrived {
            return Ok(snapshot);
        }
        let read = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let snapshot = read_snapshot(&self.db).await?;
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = (read, snapshot);
        Ok(snapshot)
    }
}

/// The version row; version 0 and no import where there is none.
pub async fn read_snapshot(db: &impl sea_orm::ConnectionTrait) -> Result<Snapshot, DbErr> {
    let Some(row) = registry_version::Entity::find_by_id(1).one(db).await? else {
        return Ok(Snapshot::default());
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64);
    Ok(Snapshot {
        version: row.version,
        importing: row
            .import_started
            .is_some_and(|started| now.saturating_sub(started) < IMPORT_MARKER_SECS),
    })
}

/// The version row's version; 0 where there is none.
pub async fn read_version(db: &impl sea_orm::ConnectionTrait) -> Result<i64, DbErr> {
    Ok(read_snapshot(db).await?.version)
}
