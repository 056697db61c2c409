//! The binary as an operator runs it: from any directory, with the
//! environment a deployment sets, several at once on one database.

mod common;
use common::binary::{Process, run_to_end};
use common::*;

use std::time::Duration;

use serde_json::{Value, json};

/// How long a server may take to migrate, load and listen (a debug build on
/// a busy machine).
const START: Duration = Duration::from_secs(120);

/// Committees and standards of `data/registry.json`, counted from the file.
fn dataset_counts() -> (usize, usize) {
    let dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
    (
        dataset["committees"].as_array().unwrap().len(),
        dataset["standards"].as_array().unwrap().len(),
    )
}

const COUNTS: &str = "{ committees { totalCount } standards { totalCount } }";

// Guards the built-in dataset: started in an empty directory (no
// data/registry.json beside it), the binary creates its SQLite file there
// and serves the whole registry.
#[test]
fn the_binary_serves_the_full_registry_from_an_empty_directory() {
    assert_eq!(dataset_counts(), (11, 131));
    let dir = tempfile::tempdir().unwrap();
    let mut server = Process::serve(&[], &[], dir.path());
    server.wait_ready(START);
    let answer = server.query(COUNTS);
    assert_eq!(
        answer["data"],
        json!({ "committees": { "totalCount": 11 }, "standards": { "totalCount": 131 } }),
        "{answer}"
    );
    assert!(
        server
            .output()
            .contains("empty database: loaded the built-in dataset (data/registry.json)"),
        "{}",
        server.output()
    );
    assert!(dir.path().join("standards-registry.db").exists());
}

// `--dataset FILE` still replaces the built-in dataset.
#[test]
fn dataset_names_a_file_loaded_instead() {
    let dir = tempfile::tempdir().unwrap();
    let mut dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
    // Only the first committee: no group, standard, expert or liaison.
    let first = dataset["committees"][0].clone();
    dataset["committees"] = json!([first]);
    for key in [
        "workingGroups",
        "standards",
        "experts",
        "positions",
        "liaisons",
        "statistics",
    ] {
        dataset[key] = json!([]);
    }
    let file = dir.path().join("mine.json");
    std::fs::write(&file, dataset.to_string()).unwrap();
    let mut server = Process::serve(&["--dataset", "mine.json"], &[], dir.path());
    server.wait_ready(START);
    assert_eq!(
        server.query(COUNTS)["data"],
        json!({ "committees": { "totalCount": 1 }, "standards": { "totalCount": 0 } })
    );
    // A missing file stops the server, naming it.
    let empty = tempfile::tempdir().unwrap();
    let output = run_to_end(&["--dataset", "missing.json"], &[], empty.path());
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("cannot read missing.json"), "{text}");
}

/// Rows of `table` in `test_db`.
async fn rows(test_db: &TestDb, table: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = test_db
        .db
        .query_one_raw(Statement::from_string(
            test_db.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Three servers started at once on one new database: they take turns
/// under the startup lock, so the migrations run once and the dataset is
/// loaded once (one import: the data version is 1), and all three serve it.
async fn servers_started_at_once_load_once(backend: Backend) {
    use sea_orm::{ConnectionTrait, Statement};
    let test_db = TestDb::blank(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("DATABASE_URL", test_db.url.as_str())];
    let mut servers: Vec<Process> = (0..3)
        .map(|_| Process::serve(&[], &env, dir.path()))
        .collect();
    for server in &mut servers {
        server.wait_ready(START);
    }
    for server in &servers {
        assert_eq!(
            server.query(COUNTS)["data"],
            json!({ "committees": { "totalCount": 11 }, "standards": { "totalCount": 131 } })
        );
    }
    let loaded = servers
        .iter()
        .filter(|server| server.output().contains("empty database: loaded"))
        .count();
    assert_eq!(loaded, 1, "one server loads the dataset");
    assert_eq!(rows(&test_db, "committee").await, 11);
    assert_eq!(rows(&test_db, "standard").await, 131);
    assert_eq!(rows(&test_db, "liaison").await, 35);
    let version = test_db
        .db
        .query_one_raw(Statement::from_string(
            test_db.db.get_database_backend(),
            "SELECT version FROM registry_version",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(version.try_get::<i64>("", "version").unwrap(), 1);
    drop(servers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_servers_started_at_once_load_once() {
    servers_started_at_once_load_once(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_POSTGRES_URL to run against PostgreSQL"
)]
async fn postgres_servers_started_at_once_load_once() {
    servers_started_at_once_load_once(Backend::Postgres).await
}

// `--metrics-bind`: `/metrics` on a listener of its own (a port the server
// picks here, read from its log), and not on the main one.
#[test]
fn metrics_bind_moves_metrics_to_a_listener_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Process::serve(&["--metrics-bind", "127.0.0.1:0"], &[], dir.path());
    server.wait_ready(START);
    server.wait_for_output("serving metrics on http://", START);
    let output = server.output();
    let port: u16 = output
        .split("serving metrics on http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no metrics address in the log:\n{output}"));
    let (status, _) = common::binary::http(server.port, "GET", "/metrics", "").unwrap();
    assert_eq!(status, 404);
    let (status, text) = common::binary::http(port, "GET", "/metrics", "").unwrap();
    assert_eq!(status, 200);
    assert!(
        text.contains("# TYPE http_requests_total counter"),
        "{text}"
    );
    let (status, _) =
        common::binary::http(port, "GET", "/graphql?query=%7B__typename%7D", "").unwrap();
    assert_eq!(status, 404);
}

// `--introspection false` through the binary, from its environment variable.
#[test]
fn introspection_false_refuses_introspection_in_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Process::serve(&[], &[("REGISTRY_INTROSPECTION", "false")], dir.path());
    server.wait_ready(START);
    let answer = server.query("{ __schema { queryType { name } } }");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "INTROSPECTION_DISABLED",
        "{answer}"
    );
    assert!(answer.get("data").is_none(), "{answer}");
    let answer = server.query("{ _service { sdl } }");
    assert_eq!(
        answer["data"]["_service"]["sdl"],
        standards_registry::export_sdl()
    );
}

// Transparent huge pages are off in the server by default (each is 2 MiB
// resident once a byte of it is used), and `--huge-pages true` leaves them
// as the server inherited them. The kernel reports each process's setting.
#[cfg(target_os = "linux")]
#[test]
fn huge_pages_are_off_unless_asked_for() {
    let inherited = common::binary::proc_status("self", "THP_enabled");
    let dir = tempfile::tempdir().unwrap();
    let mut server = Process::serve(&[], &[], dir.path());
    server.wait_ready(START);
    assert_eq!(server.status("THP_enabled").as_deref(), Some("0"));
    drop(server);
    let mut server = Process::serve(&[], &[("REGISTRY_HUGE_PAGES", "true")], dir.path());
    server.wait_ready(START);
    assert_eq!(server.status("THP_enabled"), inherited);
}
