//! Connecting to the database, and the per-request connection that counts
//! the statements a request runs (served as `extensions.cost.sqlStatements`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseConnectionType,
    DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};

use crate::config::DatabaseConfig;

/// Opens the pool. On SQLite every connection is set up for a read-heavy
/// server: WAL lets readers go on while an import writes (and `NORMAL`
/// syncing is safe with it: a crash loses at most the last commit, never
/// the file's consistency), sorts stay in memory, and the file is read
/// through a memory map of `sqlite_mmap_mib` shared by all connections.
/// sqlx enforces foreign keys and caches each connection's prepared
/// statements.
///
/// A request waits `acquire_timeout_ms` at most for a connection (the
/// driver's own default is 30 s, past the request time limit), which also
/// bounds one attempt to connect; on PostgreSQL every session stops a
/// statement after `statement_timeout_ms`.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(&config.database_url);
    options
        .max_connections(config.pool_size())
        .acquire_timeout(Duration::from_millis(config.acquire_timeout_ms))
        .statement_timeout(Duration::from_millis(config.statement_timeout_ms))
        .sqlx_logging(false);
    let mmap_bytes = u64::from(config.sqlite_mmap_mib) << 20;
    options.map_sqlx_sqlite_opts(move |sqlite| {
        sqlite
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .pragma("temp_store", "memory")
            .pragma("mmap_size", mmap_bytes.to_string())
    });
    Database::connect(options).await
}

/// After a bulk write. On PostgreSQL, fresh planner statistics for the new
/// rows, and their pages marked all-visible (`VACUUM`), so that a count or
/// a facet is read from an index alone rather than from every row. On SQLite, the write-ahead log folded back into the file, so that
/// readers do not look every page up in a log as large as the database; no
/// `ANALYZE` there: without the histograms SQLite is built without, its
/// statistics made it scan the whole table for a range on `year` that the
/// index answers in a tenth of the time.
pub async fn settle(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?
        }
        _ => db.execute_unprepared("VACUUM ANALYZE").await?,
    };
    Ok(())
}

/// Connects, retrying with backoff for `connect_retry_secs` while the
/// database cannot be reached: a server started before its database waits
/// for it instead of failing.
pub async fn connect_with_retry(config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    let deadline = Instant::now() + Duration::from_secs(config.connect_retry_secs);
    let mut backoff = Duration::from_millis(250);
    loop {
        match connect(config).await {
            Ok(db) => return Ok(db),
            Err(err) if Instant::now() + backoff < deadline => {
                tracing::warn!(error = %err, retry_in_ms = backoff.as_millis() as u64, "database not reachable yet");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(err) => return Err(err),
        }
    }
}

/// The connection the schema reads through. On a SQLite file its reads run
/// in place, without sqlx's connection threads (`sqlite_reads.rs`), through
/// read-only connections mapping `mmap_mib` of the file each; on PostgreSQL,
/// in memory, or when `db` reads in place already, `db` itself.
pub fn for_reads(db: &DatabaseConnection, mmap_mib: u32) -> Result<DatabaseConnection, DbErr> {
    let DatabaseConnectionType::SqlxSqlitePoolConnection(_) = &db.inner else {
        return Ok(db.clone());
    };
    let options = db.get_sqlite_connection_pool().connect_options();
    let path = options.get_filename();
    if path.as_os_str() == ":memory:" {
        return Ok(db.clone());
    }
    crate::sqlite_reads::connect(path, u64::from(mmap_mib) << 20)
}

/// Applies every pending migration. When several servers may start at once,
/// call it under [`startup_lock`].
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await?;
    // A database holding records from before the full-text index existed.
    crate::search_index::ensure(db).await
}

/// The PostgreSQL advisory lock every server of this registry takes to
/// migrate and load: "stdreg" and 1.
const STARTUP_LOCK_KEY: i64 = 0x7374_6472_6567_0001;

/// Held while one server migrates the database and loads the first-start
/// dataset, so that servers started at once on an empty database take
/// turns: the first migrates and loads, the others wait, then find the
/// migrations applied and the data loaded, and load nothing.
///
/// On PostgreSQL a transaction-level advisory lock, on a connection of its
/// own (a transaction the lock ends with); the work runs on the pool's other
/// connections. On an SQLite file an exclusive lock on `FILE.lock` beside it:
/// SQLite's own write lock cannot be held on one connection while others of
/// the pool write, and a lock on the database file itself would be dropped
/// with SQLite's POSIX locks when its descriptor closes. In memory nothing is
/// shared, and nothing is locked.
#[must_use = "the lock is released when this is released or dropped"]
#[derive(Debug)]
pub struct StartupLock {
    held: Held,
}

#[derive(Debug)]
enum Held {
    Postgres(sea_orm::DatabaseTransaction),
    File(std::fs::File),
    Nothing,
}

/// Waits for the startup lock of `db`'s database (see [`StartupLock`]),
/// saying so in the log when another server holds it.
pub async fn startup_lock(db: &DatabaseConnection) -> Result<StartupLock, DbErr> {
    let held = match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            Held::Postgres(advisory_lock(db).await?)
        }
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let options = db.get_sqlite_connection_pool().connect_options();
            let path = options.get_filename();
            if path.as_os_str() == ":memory:" {
                Held::Nothing
            } else {
                let mut lock_path = path.as_os_str().to_owned();
                lock_path.push(".lock");
                file_lock(lock_path.into()).await?
            }
        }
        _ => Held::Nothing,
    };
    Ok(StartupLock { held })
}

const WAITING: &str = "another server is migrating or loading this database: waiting for it";

async fn advisory_lock(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    // The wait is as long as the other server's migrations and load,
    // beyond `statement_timeout_ms`.
    txn.execute_unprepared("SET LOCAL statement_timeout = 0")
        .await?;
    let taken = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_try_advisory_xact_lock({STARTUP_LOCK_KEY}) AS taken"),
        ))
        .await?
        .map(|row| row.try_get::<bool>("", "taken"))
        .transpose()?
        .unwrap_or(false);
    if !taken {
        tracing::info!("{WAITING}");
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({STARTUP_LOCK_KEY})"))
            .await?;
    }
    Ok(txn)
}

/// An exclusive lock on `path`. A file that cannot be created (a read-only
/// directory, as a read-only deployment has) is no lock: such a server
/// migrates and loads nothing anyway.
async fn file_lock(path: std::path::PathBuf) -> Result<Held, DbErr> {
    let file = match std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "no startup lock: the lock file cannot be created");
            return Ok(Held::Nothing);
        }
    };
    let file = match file.try_lock() {
        Ok(()) => file,
        Err(std::fs::TryLockError::WouldBlock) => {
            tracing::info!("{WAITING}");
            tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                .await
                .map_err(|err| DbErr::Custom(format!("waiting for the startup lock: {err}")))?
                .map_err(|err| DbErr::Custom(format!("cannot lock {}: {err}", path.display())))?
        }
        Err(std::fs::TryLockError::Error(err)) => {
            return Err(DbErr::Custom(format!(
                "cannot lock {}: {err}",
                path.display()
            )));
        }
    };
    Ok(Held::File(file))
}

impl StartupLock {
    /// Lets the next server migrate and load.
    pub async fn release(self) -> Result<(), DbErr> {
        match self.held {
            Held::Postgres(txn) => txn.commit().await,
            Held::File(file) => file
                .unlock()
                .map_err(|err| DbErr::Custom(format!("cannot unlock the database: {err}"))),
            Held::Nothing => Ok(()),
        }
    }
}

/// A connection handle for one request: every statement run through it is
/// counted. Cheap to clone; clones share the count.
#[derive(Clone, Debug)]
pub struct CountingConnection {
    /// The primary (or the only database).
    inner: DatabaseConnection,
    /// Where the request reads, when it may be a replica: its statements run
    /// there while it answers, then on `inner` (`replicas.rs`).
    read: Option<crate::replicas::Read>,
    statements: Arc<AtomicUsize>,
}

impl CountingConnection {
    pub fn new(inner: DatabaseConnection) -> Self {
        Self {
            inner,
            read: None,
            statements: Arc::default(),
        }
    }

    /// Reading where `read` says, falling back on the primary.
    pub fn reading(read: crate::replicas::Read) -> Self {
        Self {
            inner: read.primary().clone(),
            read: Some(read),
            statements: Arc::default(),
        }
    }

    /// The replica to try first, if any.
    fn replica(&self) -> Option<(&crate::replicas::Read, &DatabaseConnection)> {
        let read = self.read.as_ref()?;
        Some((read, read.replica_connection()?))
    }

    /// Statements run so far through this handle and its clones.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for CountingConnection {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.count();
        if let Some((read, replica)) = self.replica() {
            match replica.execute_raw(stmt.clone()).await {
                Ok(done) => return Ok(done),
                Err(err) => read.fail_over(&err),
            }
        }
        self.inner.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.count();
        if let Some((read, replica)) = self.replica() {
            match replica.execute_unprepared(sql).await {
                Ok(done) => return Ok(done),
                Err(err) => read.fail_over(&err),
            }
        }
        self.inner.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.count();
        if let Some((read, replica)) = self.replica() {
            match replica.query_one_raw(stmt.clone()).await {
                Ok(row) => return Ok(row),
                Err(err) => read.fail_over(&err),
            }
        }
        self.inner.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.count();
        if let Some((read, replica)) = self.replica() {
            match replica.query_all_raw(stmt.clone()).await {
                Ok(rows) => return Ok(rows),
                Err(err) => read.fail_over(&err),
            }
        }
        self.inner.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}
