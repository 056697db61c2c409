//! What every integration test starts from: a fresh, migrated database
//! holding the real dataset (an SQLite file in a temp dir, or a database of
//! its own on the PostgreSQL server in `TEST_POSTGRES_URL`), the real schema
//! over it, and helpers that run a query and return its JSON.
#![allow(dead_code)]

pub mod binary;
mod http;
#[allow(unused_imports)]
pub use http::*;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::Request;
use axum::Router;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use standards_registry::config::DatabaseConfig;
use standards_registry::{RegistrySchema, SchemaConfig, build_schema, dataset, db};

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of the test's own, dropped (PostgreSQL) or deleted (SQLite) afterwards.
pub struct TestDb {
    pub db: DatabaseConnection,
    /// Where it is, for another pool or another process.
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

pub fn dataset_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/registry.json")
}

pub fn dataset_text() -> String {
    std::fs::read_to_string(dataset_path()).expect("data/registry.json is readable")
}

/// The real dataset with the standard `code` retitled `title`: an import
/// that changes one record.
pub fn dataset_retitling(code: &str, title: &str) -> String {
    let mut dataset: serde_json::Value = serde_json::from_str(&dataset_text()).unwrap();
    let standard = dataset["standards"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|standard| standard["code"] == code)
        .unwrap_or_else(|| panic!("the dataset holds {code}"));
    standard["title"] = serde_json::json!(title);
    dataset.to_string()
}

impl TestDb {
    /// A migrated, empty database.
    pub async fn empty(backend: Backend) -> Self {
        Self::create(backend, true).await
    }

    /// A database without even the migrations, as a new installation's.
    pub async fn blank(backend: Backend) -> Self {
        Self::create(backend, false).await
    }

    async fn create(backend: Backend, migrated: bool) -> Self {
        let connect = |url: String| async move {
            if migrated {
                connect(&url).await
            } else {
                connect_plain(&url).await
            }
        };
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("registry.db").display()
                );
                let db = connect(url.clone()).await;
                Self {
                    db,
                    url,
                    backend,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                let server = std::env::var("TEST_POSTGRES_URL").expect(
                    "TEST_POSTGRES_URL must name a PostgreSQL server: this build runs the \
                     PostgreSQL tests (it was built with TEST_POSTGRES_URL or CI=true)",
                );
                let name = format!(
                    "registry_test_{}_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .subsec_nanos()
                );
                let admin = connect_plain(&server).await;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create a test database");
                drop(admin);
                let url = with_database(&server, &name);
                let db = connect(url.clone()).await;
                Self {
                    db,
                    url,
                    backend,
                    _dir: None,
                    postgres: Some((server, name)),
                }
            }
        }
    }

    /// A migrated database holding the real dataset.
    pub async fn with_dataset(backend: Backend) -> Self {
        let test_db = Self::empty(backend).await;
        dataset::import_file(&test_db.db, &dataset_path())
            .await
            .expect("the dataset imports");
        test_db
    }

    /// A migrated database holding `dataset_json`.
    pub async fn with(backend: Backend, dataset_json: &str) -> Self {
        let test_db = Self::empty(backend).await;
        let parsed = dataset::parse(dataset_json).expect("the dataset parses");
        dataset::import(&test_db.db, &parsed)
            .await
            .expect("the dataset imports");
        test_db
    }

    pub fn schema(&self) -> RegistrySchema {
        build_schema(self.db.clone(), &SchemaConfig::for_tests())
    }
}

/// The real router over `test_db`, configured by `config`.
pub fn router_with(test_db: &TestDb, config: &SchemaConfig) -> Router {
    standards_registry::app(
        build_schema(test_db.db.clone(), config),
        test_db.db.clone(),
        config,
    )
}

/// The real router over `test_db`, with the default settings.
pub fn router(test_db: &TestDb) -> Router {
    router_with(test_db, &SchemaConfig::for_tests())
}

/// The ordinary request many tests send, and its exact data.
pub const STANDARD_QUERY: &str =
    r#"{ standard(code: "GB/T 45993-2025") { code title status year } }"#;

pub fn standard_data() -> Value {
    json!({
        "standard": {
            "code": "GB/T 45993-2025",
            "title": "Metaverse \u{2013} Reference architecture",
            "status": "PUBLISHED",
            "year": 2025
        }
    })
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = self.postgres.take() {
            // Dropping needs a runtime of its own: the test's is shutting down.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let admin = connect_plain(&server).await;
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                });
            })
            .join();
        }
    }
}

/// Another pool on the same database, as another server would have.
pub async fn another_pool(test_db: &TestDb) -> DatabaseConnection {
    connect(&test_db.url).await
}

async fn connect(url: &str) -> DatabaseConnection {
    let config = DatabaseConfig {
        max_connections: Some(4),
        ..DatabaseConfig::for_url(url)
    };
    let conn = db::connect(&config)
        .await
        .expect("connect to the test database");
    db::migrate(&conn).await.expect("migrations apply");
    conn
}

async fn connect_plain(url: &str) -> DatabaseConnection {
    sea_orm::Database::connect(url)
        .await
        .expect("connect to the PostgreSQL server")
}

/// `postgres://user@host:port/db` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("a PostgreSQL URL names a database");
    format!("{base}/{name}")
}

/// Runs a query and returns the whole response as JSON (data, errors, extensions).
pub async fn execute(schema: &RegistrySchema, request: impl Into<Request>) -> Value {
    serde_json::to_value(schema.execute(request).await).expect("a response serializes")
}

/// Runs a query that must succeed and returns its `data`.
pub async fn data(schema: &RegistrySchema, query: &str) -> Value {
    let response = execute(schema, query).await;
    assert!(
        response.get("errors").is_none(),
        "unexpected errors: {response:#}"
    );
    response["data"].clone()
}

/// The first error's `extensions.code` and message.
pub async fn error(schema: &RegistrySchema, query: &str) -> (String, String) {
    let response = execute(schema, query).await;
    let error = &response["errors"][0];
    assert!(!error.is_null(), "expected an error: {response:#}");
    (
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

/// SQL statements the response reports in `extensions.cost`.
pub fn statements(response: &Value) -> u64 {
    response["extensions"]["cost"]["sqlStatements"]
        .as_u64()
        .expect("cost is reported")
}

/// Declares each test twice: on SQLite, always, and on PostgreSQL, run when
/// `TEST_POSTGRES_URL` was set at build time (or under CI, where it must be)
/// and reported as ignored otherwise.
#[macro_export]
macro_rules! on_every_backend {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(postgres_tests), ignore = "set TEST_POSTGRES_URL to run against PostgreSQL")]
                async fn $name() {
                    super::$name(Backend::Postgres).await
                }
            )*
        }
        $(async fn $name($backend: Backend) $body)*
    };
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
