//! The registry's data version (the `registry_version` row every import
//! bumps in its own transaction), read so that nothing kept across requests
//! outlives the data it was made from: an import by this process, by another
//! process on the same SQLite file, or by any server on the same PostgreSQL
//! database is seen by the next read here.
//!
//! Reads are shared: a request may use the result of a read that started
//! after the request arrived (that read sees every import committed before
//! the request arrived), so under load one read serves many requests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use entity::registry_version;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

/// The data version of one database, read on demand.
pub struct DataVersion {
    db: DatabaseConnection,
    /// Reads started so far.
    started: AtomicU64,
    /// The last read to finish: its number and what it read.
    last: Mutex<(u64, i64)>,
    /// One read at a time; the others wait for it and may use its result.
    turn: tokio::sync::Mutex<()>,
}

impl DataVersion {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            started: AtomicU64::new(0),
            last: Mutex::new((0, 0)),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// The version of the data now: the result of a read that started after
    /// this call did.
    pub async fn current(&self) -> Result<i64, DbErr> {
        let arrived = self.started.load(Ordering::SeqCst);
        let _turn = self.turn.lock().await;
        let (read, version) = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        if read > arrived {
            return Ok(version);
        }
        let read = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let version = read_version(&self.db).await?;
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = (read, version);
        Ok(version)
    }
}

/// The version row; 0 where there is none.
pub async fn read_version(db: &impl sea_orm::ConnectionTrait) -> Result<i64, DbErr> {
    Ok(registry_version::Entity::find_by_id(1)
        .one(db)
        .await?
        .map_or(0, |row| row.version))
}
