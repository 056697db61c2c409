//! Read replicas: where each request reads from. With `--read-database-url`
//! (PostgreSQL hot standbys), requests read from the replicas in turn, and
//! from the primary when none is in rotation; imports, migrations, the
//! startup lock and the first-start load always use the primary.
//!
//! A background task checks every replica every [`HEALTH_CHECK_EVERY`]: it
//! reads the data version (`data_version.rs`) of the primary and of each
//! replica. A replica whose version equals the primary's is current; one
//! behind lags by the time since it was first seen behind, and leaves the
//! rotation past `--max-replica-lag`; one that does not answer leaves it at
//! once. Each comes back by itself at the first check that finds it current
//! (or behind by less than the limit) again.
//!
//! A request picks its source once ([`ReadPool::pick`]): its data version
//! (which keys the response cache and the ETag) is read there, and so are
//! its statements. NOTIFY does not reach hot standbys, and a standby may be
//! behind: the version is read where the data is, so an import is seen by
//! a request reading a standby once the standby has replayed it. A statement
//! that fails on a replica takes the replica out of rotation and runs again
//! on the primary, as do the rest of the request's statements: a replica
//! lost mid-request costs the request nothing but the retry (its answer is
//! then not kept in the response cache, as it may be newer than the version
//! read on the replica).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::DatabaseConfig;
use crate::data_version::{DataVersion, Snapshot, read_version};

/// How often every replica is checked.
pub const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(1);
/// How long one check waits for a database's answer.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// The databases requests read from: the primary, and the replicas. Cheap
/// to clone.
#[derive(Clone)]
pub struct ReadPool(Arc<Pool>);

struct Pool {
    primary: DatabaseConnection,
    primary_version: DataVersion,
    /// Requests (or the rest of them, after a failover) read from the primary.
    primary_reads: AtomicU64,
    replicas: Vec<Replica>,
    /// The round-robin's next turn.
    next: AtomicUsize,
    max_lag: Duration,
}

/// One read replica and what the last check found.
struct Replica {
    /// Its URL without the password: what metrics and `/readyz` show.
    label: String,
    db: DatabaseConnection,
    version: DataVersion,
    in_rotation: AtomicBool,
    /// Requests that read from it.
    reads: AtomicU64,
    health: Mutex<Health>,
}

#[derive(Clone, Debug)]
struct Health {
    /// Why it is in rotation or not, in a few words.
    why: String,
    /// How far behind the primary it was at the last check; `None` when unknown.
    lag: Option<Duration>,
    /// When it was first seen behind the primary's version, since it was last current.
    behind_since: Option<Instant>,
}

/// A replica as `/readyz` and `/metrics` show it.
#[derive(Clone, Debug)]
pub struct ReplicaState {
    /// Its URL, without the password.
    pub label: String,
    pub in_rotation: bool,
    pub why: String,
    pub lag: Option<Duration>,
    pub reads: u64,
}

impl ReadPool {
    /// Reads from `primary` alone.
    pub fn primary(primary: DatabaseConnection) -> Self {
        Self::new(primary, Vec::new(), Duration::ZERO)
    }

    /// Reads from `replicas` (each a label and a connection) while they keep
    /// within `max_lag` of `primary`, else from `primary`. With replicas,
    /// starts their health check (which ends with the last clone of this),
    /// so it must be called within a Tokio runtime.
    pub fn new(
        primary: DatabaseConnection,
        replicas: Vec<(String, DatabaseConnection)>,
        max_lag: Duration,
    ) -> Self {
        let replicas: Vec<Replica> = replicas
            .into_iter()
            .map(|(label, db)| Replica {
                label,
                version: DataVersion::new(db.clone()),
                db,
                // Until its first check.
                in_rotation: AtomicBool::new(false),
                reads: AtomicU64::new(0),
                health: Mutex::new(Health {
                    why: "not checked yet".to_owned(),
                    lag: None,
                    behind_since: None,
                }),
            })
            .collect();
        let pool = Arc::new(Pool {
            primary_version: DataVersion::new(primary.clone()),
            primary,
            primary_reads: AtomicU64::new(0),
            replicas,
            next: AtomicUsize::new(0),
            max_lag,
        });
        if !pool.replicas.is_empty() {
            tokio::spawn(watch(Arc::downgrade(&pool)));
        }
        Self(pool)
    }

    /// The primary: what requests read from without replicas.
    pub fn primary_connection(&self) -> &DatabaseConnection {
        &self.0.primary
    }

    /// Where the next request reads from: the next replica in rotation, or
    /// the primary when none is.
    pub fn pick(&self) -> Read {
        let pool = &self.0;
        let count = pool.replicas.len();
        if count > 0 {
            let start = pool.next.fetch_add(1, Ordering::Relaxed);
            for turn in 0..count {
                let index = (start + turn) % count;
                let replica = &pool.replicas[index];
                if replica.in_rotation.load(Ordering::Relaxed) {
                    replica.reads.fetch_add(1, Ordering::Relaxed);
                    return Read {
                        pool: self.clone(),
                        replica: Some(index),
                        failed_over: Arc::default(),
                    };
                }
            }
        }
        pool.primary_reads.fetch_add(1, Ordering::Relaxed);
        Read {
            pool: self.clone(),
            replica: None,
            failed_over: Arc::default(),
        }
    }

    /// Whether any replica is configured.
    pub fn has_replicas(&self) -> bool {
        !self.0.replicas.is_empty()
    }

    /// Every replica's state now.
    pub fn states(&self) -> Vec<ReplicaState> {
        self.0
            .replicas
            .iter()
            .map(|replica| {
                let health = replica.health();
                ReplicaState {
                    label: replica.label.clone(),
                    in_rotation: replica.in_rotation.load(Ordering::Relaxed),
                    why: health.why,
                    lag: health.lag,
                    reads: replica.reads.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    /// One line per replica, for `/readyz`: in rotation or not, why, and its lag.
    pub fn readiness(&self) -> String {
        let mut text = String::new();
        for state in self.states() {
            let lag = state.lag.map_or_else(
                || "unknown".to_owned(),
                |lag| format!("{:.3} s", lag.as_secs_f64()),
            );
            text.push_str(&format!(
                "replica {}: {} ({}), lag {lag}\n",
                state.label,
                if state.in_rotation {
                    "in rotation"
                } else {
                    "out of rotation"
                },
                state.why,
            ));
        }
        text
    }

    /// The replicas' metrics in Prometheus' text format; nothing without replicas.
    pub fn prometheus(&self) -> String {
        if !self.has_replicas() {
            return String::new();
        }
        let states = self.states();
        let mut text = String::new();
        let mut family =
            |name: &str, kind: &str, help: &str, value: &dyn Fn(&ReplicaState) -> String| {
                text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
                for state in &states {
                    text.push_str(&format!(
                        "{name}{{replica=\"{}\"}} {}\n",
                        escape_label(&state.label),
                        value(state)
                    ));
                }
            };
        family(
            "registry_replica_up",
            "gauge",
            "Whether a read replica is in rotation (1) or not (0)",
            &|state| u8::from(state.in_rotation).to_string(),
        );
        family(
            "registry_replica_lag_seconds",
            "gauge",
            "How far a read replica's data is behind the primary's, in seconds (NaN when unknown)",
            &|state| {
                state
                    .lag
                    .map_or_else(|| "NaN".to_owned(), |lag| lag.as_secs_f64().to_string())
            },
        );
        family(
            "registry_replica_reads_total",
            "counter",
            "Requests that read from a read replica",
            &|state| state.reads.to_string(),
        );
        text.push_str(&format!(
            "# HELP registry_primary_reads_total Requests that read from the primary (no replica in rotation, or a replica failed)\n\
             # TYPE registry_primary_reads_total counter\nregistry_primary_reads_total {}\n",
            self.0.primary_reads.load(Ordering::Relaxed)
        ));
        text
    }
}

/// Where one request reads from. Cheap to clone; clones share whether the
/// request failed over to the primary.
#[derive(Clone)]
pub struct Read {
    pool: ReadPool,
    /// The replica it reads from; `None` for the primary.
    replica: Option<usize>,
    failed_over: Arc<AtomicBool>,
}

impl std::fmt::Debug for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Read")
            .field(
                "replica",
                &self.replica().map(|replica| replica.label.as_str()),
            )
            .field("failed_over", &self.failed_over())
            .finish()
    }
}

impl Read {
    /// The primary, which every read falls back on.
    pub fn primary(&self) -> &DatabaseConnection {
        &self.pool.0.primary
    }

    /// The replica's connection while the request still reads from it.
    pub fn replica_connection(&self) -> Option<&DatabaseConnection> {
        let replica = self.replica()?;
        (!self.failed_over()).then_some(&replica.db)
    }

    /// Whether a read on the replica failed and the request went on on the primary.
    pub fn failed_over(&self) -> bool {
        self.failed_over.load(Ordering::Relaxed)
    }

    fn replica(&self) -> Option<&Replica> {
        self.replica.map(|index| &self.pool.0.replicas[index])
    }

    /// The data version where the request reads: on the replica, or on the
    /// primary once the replica failed.
    pub async fn snapshot(&self) -> Result<Snapshot, DbErr> {
        if let Some(replica) = self.replica()
            && !self.failed_over()
        {
            match replica.version.current().await {
                Ok(snapshot) => return Ok(snapshot),
                Err(err) => self.fail_over(&err),
            }
        }
        self.pool.0.primary_version.current().await
    }

    /// A read on the replica failed with `err`: the replica leaves the
    /// rotation until a check finds it well, and the request reads on from
    /// the primary.
    pub fn fail_over(&self, err: &DbErr) {
        let Some(replica) = self.replica() else {
            return;
        };
        if self.failed_over.swap(true, Ordering::Relaxed) {
            return;
        }
        self.pool.0.primary_reads.fetch_add(1, Ordering::Relaxed);
        if replica.in_rotation.swap(false, Ordering::Relaxed) {
            tracing::warn!(replica = replica.label, error = %err, "a read on a replica failed: out of rotation, reading from the primary");
        }
        let mut health = replica.health.lock().unwrap_or_else(|p| p.into_inner());
        health.why = "a read failed".to_owned();
        health.lag = None;
    }
}

impl Replica {
    fn health(&self) -> Health {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Takes in what one check found: `seen`, the replica's version (an
    /// error when it did not answer), against `primary`'s (`None` when the
    /// primary did not answer).
    fn observe(&self, seen: Result<i64, String>, primary: Option<i64>, max_lag: Duration) {
        let mut health = self.health.lock().unwrap_or_else(|p| p.into_inner());
        let (up, why) = match (seen, primary) {
            (Err(err), _) => {
                health.lag = None;
                health.behind_since = None;
                (false, format!("does not answer: {err}"))
            }
            // Nothing to compare with: the replica answers, and serves.
            (Ok(_), None) => {
                health.lag = None;
                (true, "the primary does not answer: lag unknown".to_owned())
            }
            (Ok(seen), Some(primary)) if seen >= primary => {
                health.lag = Some(Duration::ZERO);
                health.behind_since = None;
                (true, "current".to_owned())
            }
            (Ok(seen), Some(primary)) => {
                let since = *health.behind_since.get_or_insert_with(Instant::now);
                let lag = since.elapsed();
                health.lag = Some(lag);
                if lag > max_lag {
                    (
                        false,
                        format!(
                            "lagging: data version {seen}, the primary's {primary}, for longer than {} s",
                            max_lag.as_secs_f64()
                        ),
                    )
                } else {
                    (
                        true,
                        format!("replaying: data version {seen}, the primary's {primary}"),
                    )
                }
            }
        };
        let was = self.in_rotation.swap(up, Ordering::Relaxed);
        if was != up {
            if up {
                tracing::info!(replica = self.label, why, "a replica is in rotation");
            } else {
                tracing::warn!(replica = self.label, why, "a replica is out of rotation");
            }
        }
        health.why = why;
    }
}

/// Checks every replica every `HEALTH_CHECK_EVERY`, until the pool is gone.
async fn watch(pool: Weak<Pool>) {
    let mut ticks = tokio::time::interval(HEALTH_CHECK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        let primary = version_within(&pool.primary).await.ok();
        let checks = pool.replicas.iter().map(|replica| async {
            let seen = version_within(&replica.db).await;
            replica.observe(seen, primary, pool.max_lag);
        });
        async_graphql::futures_util::future::join_all(checks).await;
    }
}

/// The data version of `db`, or why it could not be read within `CHECK_TIMEOUT`.
async fn version_within(db: &DatabaseConnection) -> Result<i64, String> {
    match tokio::time::timeout(CHECK_TIMEOUT, read_version(db)).await {
        Ok(Ok(version)) => Ok(version),
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "replica check: the data version cannot be read");
            Err("the data version cannot be read".to_owned())
        }
        Err(_) => Err(format!("no answer within {} ms", CHECK_TIMEOUT.as_millis())),
    }
}

/// A pool for each of `config`'s read replicas, labelled by its URL without
/// the password. Connections open lazily: a replica down at start is only
/// out of rotation, not a failed start.
pub async fn connect(config: &DatabaseConfig) -> Result<Vec<(String, DatabaseConnection)>, DbErr> {
    let mut replicas = Vec::new();
    for url in &config.read_database_urls {
        let mut options = ConnectOptions::new(url.as_str());
        options
            .max_connections(config.pool_size())
            .acquire_timeout(Duration::from_millis(config.acquire_timeout_ms))
            .statement_timeout(Duration::from_millis(config.statement_timeout_ms))
            .connect_lazy(true)
            .sqlx_logging(false);
        replicas.push((redact(url), Database::connect(options).await?));
    }
    Ok(replicas)
}

/// `url` without its password (`user:***@host`, `password=***`), for logs,
/// metrics and `/readyz`.
pub fn redact(url: &str) -> String {
    let mut text = url.to_owned();
    if let Some(scheme_end) = text.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = text[rest_start..]
            .find(['/', '?'])
            .map_or(text.len(), |end| rest_start + end);
        if let Some(at) = text[rest_start..authority_end].rfind('@') {
            let userinfo = &text[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                text.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    if let Some(query_start) = text.find('?') {
        let (head, query) = text.split_at(query_start + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        text = format!("{head}{}", query.join("&"));
    }
    text
}

/// A Prometheus label value: backslashes, quotes and newlines escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://reader:s3cret@db-2:5432/registry"),
            "postgres://reader:***@db-2:5432/registry"
        );
        assert_eq!(
            redact("postgres://reader@db-2/registry?sslmode=require&password=x"),
            "postgres://reader@db-2/registry?sslmode=require&password=***"
        );
        assert_eq!(
            redact("postgres://db-2/registry"),
            "postgres://db-2/registry"
        );
    }
}
