//! Reads on SQLite, run where the request runs instead of on the driver's
//! threads.
//!
//! sqlx runs every SQLite connection on a thread of its own: each statement
//! is sent to that thread and each row sent back, and every crossing wakes a
//! thread. Measured on the registry (`perf`, one client, `standard(code:)`),
//! those wake-ups and context switches took two thirds of a request's time,
//! and a request cost four times what the same statements cost in process.
//! The registry's reads take microseconds, so here they run in place, as
//! better-sqlite3 runs them for a Node server: each runtime thread keeps a
//! read-only connection of its own, with its prepared statements, and SeaORM
//! reaches it through its proxy connection (`ProxyDatabaseTrait`), so every
//! query, loader and count is written exactly as on PostgreSQL.
//!
//! A proxy row is a map of SeaORM values, which SeaORM converts to the
//! model's field types strictly (an `i64` is never read from an `Int`, and a
//! mismatch on an optional field reads as `None`). Each result column is
//! therefore typed from where it comes from: a column of a table, as the
//! entity declares it (`ColumnTypes`); an expression (a count, a total), as
//! the value SQLite holds, integers as `i64`.
//!
//! Writes (migrations, imports) keep using the sqlx pool, in transactions;
//! these connections are opened read-only, so a write here fails.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::types::{Value as Stored, ValueRef};
use rusqlite::{Connection, OpenFlags};
use sea_orm::sea_query::Value;
use sea_orm::{
    ColumnTrait, ColumnType, DatabaseConnection, DbBackend, DbErr, EntityTrait, IdenStatic,
    Iterable, ProxyDatabaseConnector, ProxyDatabaseTrait, ProxyExecResult, ProxyRow, RuntimeErr,
    Statement,
};
use thread_local::ThreadLocal;

/// How long a read waits on a lock SQLite holds only briefly (a checkpoint
/// that truncates the write-ahead log after an import).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Page cache of each read connection, in KiB: twice SQLite's default. It
/// once was 16 MiB, for counts that walked a status index of 4.6 MiB at
/// size M; counts of filtered lists now sum `standard_tally`, and what is
/// left to read hot is the top of a few indexes. Each runtime thread keeps
/// one, filled by the first large request and held for the process's life:
/// at 16 MiB the caches were up to a fifth of the server's peak memory.
const PAGE_CACHE_KIB: i64 = 4 * 1024;

/// Prepared statements kept per connection: every distinct statement the
/// schema runs, with room to spare.
const STATEMENT_CACHE: usize = 256;

/// The value a result column holds, as SeaORM reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    BigInt,
    Bool,
    Double,
    Text,
    Json,
    /// An expression: as SQLite holds it.
    Stored,
}

/// The SeaORM type of every column of every entity, by table and column.
struct ColumnTypes(HashMap<(String, String), Kind>);

impl ColumnTypes {
    fn of_entities() -> Self {
        let mut types = HashMap::new();
        add::<entity::committee::Entity>(&mut types);
        add::<entity::committee_alias::Entity>(&mut types);
        add::<entity::working_group::Entity>(&mut types);
        add::<entity::working_group_alias::Entity>(&mut types);
        add::<entity::standard::Entity>(&mut types);
        add::<entity::standard_equivalence::Entity>(&mut types);
        add::<entity::expert::Entity>(&mut types);
        add::<entity::position::Entity>(&mut types);
        add::<entity::liaison::Entity>(&mut types);
        add::<entity::statistic::Entity>(&mut types);
        add::<entity::registry_version::Entity>(&mut types);
        add::<entity::change_log::Entity>(&mut types);
        Self(types)
    }

    fn kind(&self, table: Option<&str>, column: Option<&str>) -> Kind {
        match (table, column) {
            (Some(table), Some(column)) => self
                .0
                .get(&(table.to_owned(), column.to_owned()))
                .copied()
                .unwrap_or(Kind::Stored),
            _ => Kind::Stored,
        }
    }
}

fn add<E: EntityTrait + Default>(types: &mut HashMap<(String, String), Kind>) {
    let table = E::default().table_name().to_owned();
    for column in E::Column::iter() {
        let kind = match column.def().get_column_type() {
            ColumnType::TinyInteger
            | ColumnType::SmallInteger
            | ColumnType::Integer
            | ColumnType::TinyUnsigned
            | ColumnType::SmallUnsigned => Kind::Int,
            ColumnType::BigInteger | ColumnType::Unsigned | ColumnType::BigUnsigned => Kind::BigInt,
            ColumnType::Boolean => Kind::Bool,
            ColumnType::Float | ColumnType::Double | ColumnType::Decimal(_) => Kind::Double,
            ColumnType::Json | ColumnType::JsonBinary => Kind::Json,
            _ => Kind::Text,
        };
        types.insert((table.clone(), column.as_str().to_owned()), kind);
    }
}

/// The read-only connections of one SQLite file, one per thread that reads.
pub struct SqliteReads {
    path: PathBuf,
    mmap_bytes: u64,
    types: ColumnTypes,
    connections: ThreadLocal<RefCell<Option<Connection>>>,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A SeaORM connection that reads the SQLite file at `path` in place.
pub fn connect(path: &Path, mmap_bytes: u64) -> Result<DatabaseConnection, DbErr> {
    let reads = SqliteReads {
        path: path.to_owned(),
        mmap_bytes,
        types: ColumnTypes::of_entities(),
        connections: ThreadLocal::new(),
    };
    // Fail now, not on the first request, when the file cannot be opened.
    reads.with_connection(|_| Ok(()))?;
    ProxyDatabaseConnector::connect(DbBackend::Sqlite, Arc::new(Box::new(reads)))
}

impl SqliteReads {
    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // Without the planner's stability guarantee, a statement with a
        // bound `LIKE` pattern (search's code matches) is compiled again on
        // every run, since the pattern might change the plan: a sixth of a
        // code search's time (`perf`). No plan here depends on a bound value.
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        connection.pragma_update(None, "temp_store", "memory")?;
        connection.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        connection.pragma_update(
            None,
            "mmap_size",
            i64::try_from(self.mmap_bytes).unwrap_or(i64::MAX),
        )?;
        Ok(connection)
    }

    /// Runs `read` on this thread's connection, opening it the first time.
    fn with_connection<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, DbErr> {
        let cell = self.connections.get_or(|| RefCell::new(None));
        // A read never runs inside another on the same thread (nothing
        // awaits in between), so the borrow is always free.
        let mut slot = cell
            .try_borrow_mut()
            .map_err(|_| failed("a read ran inside another on one thread"))?;
        if slot.is_none() {
            *slot = Some(self.open().map_err(sqlite_failed)?);
        }
        let connection = slot.as_ref().expect("opened above");
        read(connection).map_err(sqlite_failed)
    }

    fn rows(&self, statement: &Statement) -> Result<Vec<ProxyRow>, DbErr> {
        let parameters = parameters(statement)?;
        self.with_connection(|connection| {
            let mut prepared = connection.prepare_cached(&statement.sql)?;
            let columns: Vec<(String, Kind)> = prepared
                .columns_with_metadata()
                .iter()
                .map(|column| {
                    let kind = self.types.kind(column.table_name(), column.origin_name());
                    (column.name().to_owned(), kind)
                })
                .collect();
            let mut rows = prepared.query(rusqlite::params_from_iter(parameters))?;
            let mut read = Vec::new();
            while let Some(row) = rows.next()? {
                let mut values = BTreeMap::new();
                for (index, (name, kind)) in columns.iter().enumerate() {
                    values.insert(name.clone(), value(row.get_ref(index)?, *kind)?);
                }
                read.push(ProxyRow { values });
            }
            Ok(read)
        })
    }
}

#[async_trait::async_trait]
impl ProxyDatabaseTrait for SqliteReads {
    async fn query(&self, statement: Statement) -> Result<Vec<ProxyRow>, DbErr> {
        self.rows(&statement)
    }

    async fn execute(&self, statement: Statement) -> Result<ProxyExecResult, DbErr> {
        let parameters = parameters(&statement)?;
        self.with_connection(|connection| {
            let changed =
                connection.execute(&statement.sql, rusqlite::params_from_iter(parameters))?;
            Ok(ProxyExecResult::new(
                u64::try_from(connection.last_insert_rowid()).unwrap_or_default(),
                changed as u64,
            ))
        })
    }

    async fn ping(&self) -> Result<(), DbErr> {
        self.with_connection(|connection| connection.query_row("SELECT 1", [], |_| Ok(())))
    }
}

/// The statement's bound values, as SQLite stores them.
fn parameters(statement: &Statement) -> Result<Vec<Stored>, DbErr> {
    let Some(values) = &statement.values else {
        return Ok(Vec::new());
    };
    values.0.iter().map(stored).collect()
}

fn stored(value: &Value) -> Result<Stored, DbErr> {
    let integer = |v: Option<i64>| v.map_or(Stored::Null, Stored::Integer);
    Ok(match value {
        Value::Bool(v) => integer(v.map(i64::from)),
        Value::TinyInt(v) => integer(v.map(i64::from)),
        Value::SmallInt(v) => integer(v.map(i64::from)),
        Value::Int(v) => integer(v.map(i64::from)),
        Value::BigInt(v) => integer(*v),
        Value::TinyUnsigned(v) => integer(v.map(i64::from)),
        Value::SmallUnsigned(v) => integer(v.map(i64::from)),
        Value::Unsigned(v) => integer(v.map(i64::from)),
        Value::BigUnsigned(v) => match v {
            Some(v) => Stored::Integer(
                i64::try_from(*v).map_err(|_| failed("an unsigned value past i64 was bound"))?,
            ),
            None => Stored::Null,
        },
        Value::Float(v) => v.map_or(Stored::Null, |v| Stored::Real(f64::from(v))),
        Value::Double(v) => v.map_or(Stored::Null, Stored::Real),
        Value::String(v) => v.clone().map_or(Stored::Null, Stored::Text),
        Value::Char(v) => v.map_or(Stored::Null, |v| Stored::Text(v.to_string())),
        Value::Bytes(v) => v.clone().map_or(Stored::Null, Stored::Blob),
        Value::Json(v) => v
            .as_ref()
            .map_or(Stored::Null, |json| Stored::Text(json.to_string())),
        other => {
            return Err(failed(format!(
                "a value SQLite reads cannot bind: {other:?}"
            )));
        }
    })
}

/// A stored value as the SeaORM value its column is read as.
fn value(stored: ValueRef<'_>, kind: Kind) -> rusqlite::Result<Value> {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    Ok(match (stored, kind) {
        (ValueRef::Null, Kind::Int) => Value::Int(None),
        (ValueRef::Null, Kind::Bool) => Value::Bool(None),
        (ValueRef::Null, Kind::Double) => Value::Double(None),
        (ValueRef::Null, Kind::Text) => Value::String(None),
        (ValueRef::Null, Kind::Json) => Value::Json(None),
        (ValueRef::Null, Kind::BigInt | Kind::Stored) => Value::BigInt(None),
        (ValueRef::Integer(v), Kind::Int) => Value::Int(Some(
            i32::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, v))?,
        )),
        (ValueRef::Integer(v), Kind::Bool) => Value::Bool(Some(v != 0)),
        (ValueRef::Integer(v), Kind::Double) => Value::Double(Some(v as f64)),
        (ValueRef::Integer(v), _) => Value::BigInt(Some(v)),
        (ValueRef::Real(v), _) => Value::Double(Some(v)),
        (ValueRef::Text(bytes), Kind::Json) => {
            let json = serde_json::from_slice(bytes).map_err(|err| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(err),
                )
            })?;
            Value::Json(Some(Box::new(json)))
        }
        (ValueRef::Text(bytes), _) => Value::String(Some(text(bytes))),
        (ValueRef::Blob(bytes), _) => Value::Bytes(Some(bytes.to_vec())),
    })
}

fn sqlite_failed(err: rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(err.to_string()))
}

fn failed(message: impl Into<String>) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(message.into()))
}
