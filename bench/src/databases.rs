//! The databases a run measures on: a fresh one per size and backend (an
//! SQLite file in the work directory, or a database on the PostgreSQL server
//! of `--postgres-url`), the copies the floor and some peers get, and
//! removing them all afterwards.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use sea_orm::{ConnectionTrait, Database, DbBackend};

/// The SQLite file of database `name`.
pub fn sqlite_path(name: &str, work: &Path) -> PathBuf {
    work.join(format!("{name}.db"))
}

/// The sea-orm / sqlx URL of the SQLite file `path`.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A fresh, empty database `name` of the backend (an SQLite file in `work`,
/// or a database on `postgres_url`'s server): its URL.
pub async fn fresh_database(
    backend: &str,
    name: &str,
    postgres_url: &str,
    work: &Path,
) -> Result<String> {
    match backend {
        "sqlite" => {
            remove_sqlite(name, work);
            Ok(sqlite_url(&sqlite_path(name, work)))
        }
        "postgres" => {
            drop_postgres(name, postgres_url).await?;
            admin(postgres_url, &format!("CREATE DATABASE {name}")).await?;
            Ok(postgres_url_for(postgres_url, name))
        }
        other => bail!("unknown backend `{other}`: sqlite or postgres"),
    }
}

/// A copy `copy` of database `name` (which nobody may be connected to on
/// PostgreSQL, where it is the copy's template): its URL.
pub async fn copy_database(
    backend: &str,
    name: &str,
    copy: &str,
    postgres_url: &str,
    work: &Path,
) -> Result<String> {
    if backend == "postgres" {
        drop_postgres(copy, postgres_url).await?;
        // An autovacuum worker may have just connected to the imported
        // database, which makes it unusable as a template: end such
        // sessions and try again.
        let mut attempt = 0;
        loop {
            admin(
                postgres_url,
                &format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                ),
            )
            .await?;
            match admin(
                postgres_url,
                &format!("CREATE DATABASE {copy} TEMPLATE {name}"),
            )
            .await
            {
                Ok(()) => break,
                Err(e) if attempt < 10 => {
                    attempt += 1;
                    eprintln!("copying {name}: {e:#}; again");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(postgres_url_for(postgres_url, copy))
    } else {
        remove_sqlite(copy, work);
        // The import folded its WAL back into the file; copy a WAL left all the same.
        for suffix in ["", "-wal"] {
            let from = work.join(format!("{name}.db{suffix}"));
            if from.exists() {
                std::fs::copy(&from, work.join(format!("{copy}.db{suffix}")))?;
            }
        }
        Ok(sqlite_url(&sqlite_path(copy, work)))
    }
}

/// Removes what `fresh_database` or `copy_database` made.
pub async fn drop_database(
    backend: &str,
    name: &str,
    postgres_url: &str,
    work: &Path,
) -> Result<()> {
    if backend == "postgres" {
        drop_postgres(name, postgres_url).await
    } else {
        remove_sqlite(name, work);
        Ok(())
    }
}

async fn admin(postgres_url: &str, sql: &str) -> Result<()> {
    let admin = Database::connect(postgres_url).await?;
    admin.execute_unprepared(sql).await?;
    admin.close().await?;
    Ok(())
}

async fn drop_postgres(name: &str, postgres_url: &str) -> Result<()> {
    admin(
        postgres_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
}

fn remove_sqlite(name: &str, work: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(work.join(format!("{name}.db{suffix}")));
    }
}

fn postgres_url_for(admin: &str, name: &str) -> String {
    let base = admin.split('?').next().unwrap_or(admin);
    let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{base}/{name}")
}

/// The size of the database behind `db` (`url` names the SQLite file).
pub async fn database_bytes(db: &sea_orm::DatabaseConnection, url: &str) -> u64 {
    if db.get_database_backend() == DbBackend::Postgres {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_database_size(current_database())",
            ))
            .await
            .ok()
            .flatten();
        row.and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0) as u64
    } else {
        let file = url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{file}{s}")).ok())
            .map(|m| m.len())
            .sum()
    }
}
