//! Faults around the server: PostgreSQL lost while serving and back again,
//! a database missing at start, an import killed half way, and shutdown
//! while requests are in flight. PostgreSQL sits behind a TCP proxy the test
//! controls (`Proxy`); the server is the real router or the real binary.
//! Every wait is bounded in count and time.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use entity::standard;
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Statement};
use serde_json::{Value, json};
use standards_registry::config::DatabaseConfig;
use standards_registry::{SchemaConfig, build_schema, db};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tower::ServiceExt;

const BINARY: &str = env!("CARGO_BIN_EXE_standards-registry");

// ---------------------------------------------------------------------------
// A TCP proxy between a pool and PostgreSQL that the test controls.

struct Control {
    /// Whether the proxy listens and forwards; `false` drops every
    /// connection and closes the port, so new ones are refused.
    up: watch::Sender<bool>,
    /// How long bytes from the database are held before they are passed on.
    delay_ms: AtomicU64,
    /// Bytes passed on towards the database, to tell when a request is in flight.
    to_database: AtomicU64,
    upstream: SocketAddr,
}

struct Proxy {
    port: u16,
    control: Arc<Control>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `upstream` on a free loopback port, up.
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().unwrap().port();
        Self::run(port, Some(listener), upstream, true)
    }

    /// A proxy to `upstream` on `port`, down until `resume`.
    fn down_on(port: u16, upstream: SocketAddr) -> Self {
        Self::run(port, None, upstream, false)
    }

    fn run(port: u16, listener: Option<TcpListener>, upstream: SocketAddr, up: bool) -> Self {
        let control = Arc::new(Control {
            up: watch::Sender::new(up),
            delay_ms: AtomicU64::new(0),
            to_database: AtomicU64::new(0),
            upstream,
        });
        let task = tokio::spawn(accept_loop(port, listener, control.clone()));
        Self {
            port,
            control,
            task,
        }
    }

    /// Drops every connection and refuses new ones.
    fn kill(&self) {
        self.control.up.send_replace(false);
    }

    /// Listens and forwards again, on the same port.
    fn resume(&self) {
        self.control.up.send_replace(true);
    }

    fn set_delay(&self, delay: Duration) {
        self.control
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    fn bytes_to_database(&self) -> u64 {
        self.control.to_database.load(Ordering::SeqCst)
    }

    /// Waits until bytes beyond `since` went to the database: a statement is in flight.
    async fn wait_for_traffic(&self, since: u64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.bytes_to_database() <= since {
            assert!(Instant::now() < deadline, "no statement reached the proxy");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.kill();
        self.task.abort();
    }
}

async fn accept_loop(port: u16, mut listener: Option<TcpListener>, control: Arc<Control>) {
    let mut up = control.up.subscribe();
    loop {
        if up.wait_for(|up| *up).await.is_err() {
            return;
        }
        let current = match listener.take() {
            Some(listener) => listener,
            None => match bind_again(port).await {
                Some(listener) => listener,
                None => return,
            },
        };
        loop {
            tokio::select! {
                accepted = current.accept() => {
                    if let Ok((client, _)) = accepted {
                        tokio::spawn(pipe(client, control.clone()));
                    }
                }
                _ = up.wait_for(|up| !*up) => break,
            }
        }
        // Dropping the listener closes the port: connecting is refused.
        drop(current);
    }
}

async fn bind_again(port: u16) -> Option<TcpListener> {
    for _ in 0..100 {
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)).await {
            return Some(listener);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// Forwards one connection both ways until either side closes or the proxy
/// goes down; bytes from the database wait out the delay first.
async fn pipe(client: TcpStream, control: Arc<Control>) {
    let mut down = control.up.subscribe();
    let Ok(server) = TcpStream::connect(control.upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let outbound = {
        let control = control.clone();
        async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match client_read.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        control.to_database.fetch_add(n as u64, Ordering::SeqCst);
                    }
                }
            }
        }
    };
    let (held, mut to_client) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let inbound_read = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if held.send((Instant::now(), buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    };
    let inbound_write = async move {
        while let Some((read_at, bytes)) = to_client.recv().await {
            let delay = Duration::from_millis(control.delay_ms.load(Ordering::SeqCst));
            tokio::time::sleep_until((read_at + delay).into()).await;
            if client_write.write_all(&bytes).await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        () = outbound => {}
        _ = async { tokio::join!(inbound_read, inbound_write) } => {}
        _ = down.wait_for(|up| !*up) => {}
    }
    // Every half is dropped here: both sockets close.
}

// ---------------------------------------------------------------------------
// Databases.

/// PostgreSQL's address, from TEST_POSTGRES_URL (`postgres://user@host:port/db`).
fn postgres_address() -> SocketAddr {
    let url = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
    let authority = url
        .split_once("://")
        .expect("a URL")
        .1
        .split('/')
        .next()
        .unwrap();
    let host_port = authority.rsplit('@').next().unwrap();
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let host_port = host_port.replace("localhost", "127.0.0.1");
    host_port.parse().expect("host:port of TEST_POSTGRES_URL")
}

/// The URL of the test's database, with its host and port replaced by
/// `127.0.0.1:port` when `through` names a proxy port.
async fn database_url(test_db: &TestDb, through: Option<u16>) -> String {
    let sql = match test_db.backend {
        Backend::Sqlite => "SELECT file FROM pragma_database_list WHERE name = 'main'",
        Backend::Postgres => "SELECT current_database()",
    };
    let name: String = test_db
        .db
        .query_one_raw(Statement::from_string(
            test_db.db.get_database_backend(),
            sql,
        ))
        .await
        .expect("the query runs")
        .expect("a row")
        .try_get_by_index(0)
        .expect("a name");
    match test_db.backend {
        Backend::Sqlite => format!("sqlite://{name}"),
        Backend::Postgres => {
            let server = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
            let (scheme, rest) = server.split_once("://").unwrap();
            let authority = rest.split('/').next().unwrap();
            let authority = match (through, authority.rsplit_once('@')) {
                (Some(port), Some((user, _))) => format!("{user}@127.0.0.1:{port}"),
                (Some(port), None) => format!("127.0.0.1:{port}"),
                (None, _) => authority.to_owned(),
            };
            format!("{scheme}://{authority}/{name}")
        }
    }
}

/// What the database holds: rows per table, and a checksum of every
/// column of every standard.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    counts: Vec<(&'static str, i64)>,
    standards: usize,
    standards_checksum: u64,
}

async fn snapshot(db: &DatabaseConnection) -> Snapshot {
    use std::hash::{DefaultHasher, Hash, Hasher};
    const TABLES: [&str; 10] = [
        "committee",
        "committee_alias",
        "working_group",
        "working_group_alias",
        "standard",
        "standard_equivalence",
        "expert",
        "position",
        "liaison",
        "statistic",
    ];
    let mut counts = Vec::new();
    for table in TABLES {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .expect("the table counts")
            .expect("a row");
        counts.push((table, row.try_get_by_index::<i64>(0).expect("a count")));
    }
    let rows = standard::Entity::find()
        .order_by_asc(standard::Column::Id)
        .all(db)
        .await
        .expect("the standards read");
    let mut hasher = DefaultHasher::new();
    for row in &rows {
        format!("{row:?}").hash(&mut hasher);
    }
    Snapshot {
        counts,
        standards: rows.len(),
        standards_checksum: hasher.finish(),
    }
}

// ---------------------------------------------------------------------------
// The router, in process.

async fn send(app: &Router, query: &str) -> Value {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "query": query }).to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).expect("a JSON answer")
}

/// The answer to a request the database failed under: no data for the
/// field, one error saying "internal server error" and nothing of the cause.
fn assert_clean_internal_error(response: &Value) {
    // No standard is made up: the field is null or left out.
    assert!(response["data"]["standard"].is_null(), "{response:#}");
    assert_eq!(
        response["errors"][0]["path"],
        json!(["standard"]),
        "{response:#}"
    );
    let errors = response["errors"].as_array().expect("an error");
    assert_eq!(errors.len(), 1, "{response:#}");
    assert_eq!(
        errors[0]["message"], "internal server error",
        "{response:#}"
    );
    assert_eq!(
        errors[0]["extensions"],
        json!({ "code": "INTERNAL_SERVER_ERROR" }),
        "{response:#}"
    );
    let text = response.to_string().to_lowercase();
    for leak in [
        "sqlx",
        "postgres",
        "pool",
        "connection",
        "broken pipe",
        "reset",
        "os error",
        "i/o",
        "io error",
        "timed out",
        "select",
    ] {
        assert!(
            !text.contains(leak),
            "the answer leaks {leak:?}: {response:#}"
        );
    }
}

// Guards the pool settings (`acquire_timeout_ms`, `statement_timeout_ms`
// reach the pool) and the error mapping: when PostgreSQL goes away, the
// request in flight and every new one fail fast with a clean internal
// error (without the acquire timeout, a new request waited the driver's 30 s
// default, past the request time limit), and once it is back the same pool
// serves again by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_POSTGRES_URL to run against PostgreSQL"
)]
async fn postgres_lost_while_serving_fails_cleanly_and_comes_back() {
    let test_db = TestDb::with_dataset(Backend::Postgres).await;
    let proxy = Proxy::start(postgres_address()).await;
    let pool = db::connect(&DatabaseConfig {
        max_connections: Some(4),
        acquire_timeout_ms: 1_000,
        statement_timeout_ms: 2_000,
        ..DatabaseConfig::for_url(database_url(&test_db, Some(proxy.port)).await)
    })
    .await
    .expect("a pool through the proxy");
    let timeout = pool
        .query_one_raw(Statement::from_string(
            pool.get_database_backend(),
            "SHOW statement_timeout",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert_eq!(
        timeout, "2s",
        "the pool's sessions carry statement_timeout_ms"
    );

    let config = SchemaConfig::for_tests();
    let app = standards_registry::app(build_schema(pool.clone(), &config), pool.clone(), &config);
    let response = send(&app, STANDARD_QUERY).await;
    assert_eq!(response["data"], standard_data(), "{response:#}");

    // A request in flight when the database goes: its statement reached
    // PostgreSQL, its answer is held in the proxy, then every connection drops.
    proxy.set_delay(Duration::from_secs(60));
    let sent = proxy.bytes_to_database();
    let in_flight = tokio::spawn({
        let app = app.clone();
        async move { send(&app, STANDARD_QUERY).await }
    });
    proxy.wait_for_traffic(sent).await;
    proxy.kill();
    proxy.set_delay(Duration::ZERO);
    let response = tokio::time::timeout(Duration::from_secs(15), in_flight)
        .await
        .expect("the request in flight is answered")
        .expect("no panic");
    assert_clean_internal_error(&response);

    // While it is gone, each new request fails fast (well within the
    // request time limit of 10 s) and cleanly.
    for _ in 0..3 {
        let response = tokio::time::timeout(Duration::from_secs(5), send(&app, STANDARD_QUERY))
            .await
            .expect("answered while the database is down");
        assert_clean_internal_error(&response);
    }

    // Back: the same pool serves again, by itself.
    proxy.resume();
    let mut last = Value::Null;
    for _ in 0..50 {
        last = tokio::time::timeout(Duration::from_secs(10), send(&app, STANDARD_QUERY))
            .await
            .expect("answered after the database is back");
        if last.get("errors").is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(last["data"], standard_data(), "{last:#}");
    assert!(last.get("errors").is_none(), "{last:#}");
}

// ---------------------------------------------------------------------------
// The binary.

/// The real binary, its output gathered as it runs; killed when dropped.
struct Server {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Server {
    fn spawn(args: &[&str], env: &[(&str, String)], dir: &std::path::Path) -> Self {
        Self::start(args, env, dir, None)
    }

    fn start(
        args: &[&str],
        env: &[(&str, String)],
        dir: &std::path::Path,
        listener: Option<std::net::TcpListener>,
    ) -> Self {
        let mut command = Command::new(BINARY);
        if let Some(listener) = listener {
            use command_fds::{CommandFdExt, FdMapping};
            command
                .fd_mappings(vec![FdMapping {
                    parent_fd: std::os::fd::OwnedFd::from(listener),
                    child_fd: 3,
                }])
                .expect("descriptor 3 is free");
        }
        command
            .args(args)
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1")
            .env("REGISTRY_LOG_FORMAT", "text")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let mut output = output.lock().unwrap();
                    output.push_str(&line);
                    output.push('\n');
                }
            });
        }
        Self { child, output }
    }

    /// The binary serving on a loopback port this test bound and hands it
    /// (`LISTEN_FDS`, descriptor 3): no port is probed free and released.
    fn serve(args: &[&str], env: &[(&str, String)], dir: &std::path::Path) -> (Self, u16) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().unwrap().port();
        let mut env = env.to_vec();
        env.push(("LISTEN_FDS", "1".to_owned()));
        let server = Self::start(args, &env, dir, Some(listener));
        (server, port)
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().expect("the child's status").is_none()
    }

    async fn wait_for_output(&self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.output().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} within {within:?}:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the process to end, for `within` at most.
    async fn wait(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, as a service manager stops a service.
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on (for the moment): only ever a
/// database's address that must refuse, never a port handed to a server.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 exchange on a fresh connection: the status and the body.
async fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no answer: {raw:?}")))?;
    let status = head
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status: {head}")))?;
    Ok((status, body.to_owned()))
}

async fn post_graphql(port: u16, query: &str) -> std::io::Result<(u16, Value)> {
    let (status, body) = http(
        port,
        "POST",
        "/graphql",
        &json!({ "query": query }).to_string(),
    )
    .await?;
    let value = serde_json::from_str(&body).map_err(|_| std::io::Error::other(body))?;
    Ok((status, value))
}

/// Polls `/healthz` until the server on `port` answers, for `within` at most.
async fn wait_ready(server: &mut Server, port: u16, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let answer =
            tokio::time::timeout(Duration::from_secs(2), http(port, "GET", "/healthz", "")).await;
        if let Ok(Ok((200, body))) = answer {
            assert_eq!(body, "ok");
            return;
        }
        assert!(server.running(), "the server exited:\n{}", server.output());
        assert!(
            Instant::now() < deadline,
            "not ready within {within:?}:\n{}",
            server.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn manifest_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// Guards `connect_with_retry`: a server started before its database logs
// that it waits, keeps waiting, and serves once the database is reachable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_POSTGRES_URL to run against PostgreSQL"
)]
async fn a_server_started_before_its_database_waits_for_it() {
    let test_db = TestDb::with_dataset(Backend::Postgres).await;
    let proxy = Proxy::down_on(closed_port(), postgres_address());
    let (mut server, port) = Server::serve(
        &[],
        &[
            (
                "DATABASE_URL",
                database_url(&test_db, Some(proxy.port)).await,
            ),
            ("REGISTRY_CONNECT_RETRY_SECS", "120".into()),
        ],
        &manifest_dir(),
    );
    server
        .wait_for_output("database not reachable yet", Duration::from_secs(30))
        .await;
    // Still waiting a while later, not exited.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(server.running(), "exited:\n{}", server.output());
    // The port is bound (by this test) but nothing answers on it yet.
    assert!(
        !matches!(
            tokio::time::timeout(Duration::from_secs(1), http(port, "GET", "/healthz", "")).await,
            Ok(Ok(_))
        ),
        "nothing serves before the database is there"
    );

    proxy.resume();
    wait_ready(&mut server, port, Duration::from_secs(60)).await;
    let (status, response) = post_graphql(port, STANDARD_QUERY).await.expect("an answer");
    assert_eq!(status, 200);
    assert_eq!(response["data"], standard_data(), "{response:#}");
    assert!(!server.output().contains("panicked"), "{}", server.output());
}

// Guards the end of `connect_with_retry` and the bound on one attempt
// (`acquire_timeout_ms`; the driver alone retried a refused connection for
// 30 s): with no database within REGISTRY_CONNECT_RETRY_SECS the binary
// exits non-zero with a clear error line, not a panic, on PostgreSQL
// (nothing listening) and on SQLite (a file that cannot be created).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_database_the_server_gives_up_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        format!("postgres://postgres@127.0.0.1:{}/registry", closed_port()),
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("missing/dir/registry.db").display()
        ),
    ];
    for url in urls {
        let mut server = Server::spawn(
            &[],
            &[
                ("DATABASE_URL", url.clone()),
                ("REGISTRY_BIND", "127.0.0.1:0".to_owned()),
                ("REGISTRY_CONNECT_RETRY_SECS", "1".into()),
            ],
            dir.path(),
        );
        let status = server
            .wait(Duration::from_secs(30))
            .await
            .unwrap_or_else(|| panic!("{url}: still running:\n{}", server.output()));
        // The reader threads may still hold the last lines.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let output = server.output();
        assert!(!status.success(), "{url}: {status}:\n{output}");
        assert!(!output.contains("panicked"), "{url}:\n{output}");
        let last = output.lines().last().unwrap_or_default();
        assert!(
            last.contains("ERROR"),
            "{url}: the last line is no error: {output}"
        );
        assert!(
            last.contains("error") || last.contains("Error"),
            "{url}: the error says nothing: {last}"
        );
    }
}

/// The real dataset plus `extra` synthetic standards, written to a temp file.
fn large_dataset(extra: usize) -> tempfile::NamedTempFile {
    let mut dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
    let real = dataset["standards"].as_array().unwrap().clone();
    let standards = dataset["standards"].as_array_mut().unwrap();
    for i in 0..extra {
        let mut record = real[i % real.len()].clone();
        record["code"] = json!(format!("SYN/T {i}-2025"));
        record["title"] = json!(format!("Synthetic standard number {i}"));
        record["equivalences"] = json!([]);
        standards.push(record);
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    serde_json::to_writer(std::io::BufWriter::new(file.as_file()), &dataset).unwrap();
    file
}

/// Whether an import's transaction has written. On PostgreSQL another
/// session of the database holds a transaction id. On SQLite the write-ahead
/// log grew past `wal_before` bytes: the import's pages spill there long
/// before it commits (a lock probe would itself make the import fail, as
/// SQLite refuses a reader's upgrade to writer while another holds the lock).
async fn import_is_writing(test_db: &TestDb, wal: &std::path::Path, wal_before: u64) -> bool {
    match test_db.backend {
        Backend::Postgres => {
            let row = test_db
                .db
                .query_one_raw(Statement::from_string(
                    test_db.db.get_database_backend(),
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL",
                ))
                .await
                .expect("pg_stat_activity reads")
                .expect("a row");
            row.try_get_by_index::<i64>(0).unwrap() > 0
        }
        Backend::Sqlite => std::fs::metadata(wal).map_or(0, |m| m.len()) > wal_before + 64 * 1024,
    }
}

on_every_backend! {
    // Guards the import's single transaction: an import killed (SIGKILL)
    // after it started writing leaves every table as it was, and a later
    // import of the real dataset works.
    async fn an_import_killed_half_way_leaves_the_database_as_it_was(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let url = database_url(&test_db, None).await;
        let before = snapshot(&test_db.db).await;
        let file = large_dataset(50_000);
        let wal = std::path::PathBuf::from(format!("{}-wal", url.trim_start_matches("sqlite://")));
        let dir = tempfile::tempdir().unwrap();
        let file_path = file.path().display().to_string();
        // Killed at once when it is seen writing, and a little later.
        for extra_delay_ms in [0, 100, 300] {
            let wal_before = std::fs::metadata(&wal).map_or(0, |m| m.len());
            let mut import = Server::spawn(&["import", &file_path], &[("DATABASE_URL", url.clone())], dir.path());
            let deadline = Instant::now() + Duration::from_secs(60);
            // Seen writing twice, 20 ms apart.
            let mut seen = 0;
            while seen < 2 {
                assert!(import.running(), "the import ended before it was seen writing:\n{}", import.output());
                assert!(Instant::now() < deadline, "the import never wrote:\n{}", import.output());
                if import_is_writing(&test_db, &wal, wal_before).await {
                    seen += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                } else {
                    seen = 0;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            tokio::time::sleep(Duration::from_millis(extra_delay_ms)).await;
            assert!(import.running(), "the import finished before it was killed; make the dataset larger:\n{}", import.output());
            import.child.kill().expect("SIGKILL");
            let status = import.wait(Duration::from_secs(10)).await.expect("killed");
            {
                use std::os::unix::process::ExitStatusExt;
                assert_eq!(status.signal(), Some(9), "{status}:\n{}", import.output());
            }
            assert!(!import.output().contains("imported"), "{}", import.output());
            // PostgreSQL ends the dead session's transaction when it sees the
            // socket closed; its rows were never visible anyway.
            assert_eq!(snapshot(&test_db.db).await, before, "after a kill {extra_delay_ms} ms into writing");
        }

        let mut import = Server::spawn(&["import", &common::dataset_path().display().to_string()], &[("DATABASE_URL", url.clone())], dir.path());
        let status = import.wait(Duration::from_secs(120)).await.expect("the import ends");
        assert!(status.success(), "{status}:\n{}", import.output());
        assert_eq!(snapshot(&test_db.db).await, before, "importing the same dataset again changes nothing");
    }
}

/// Starts the binary on PostgreSQL through `proxy`, serving on a port this
/// test bound; returns it once it is ready.
async fn serve_through(test_db: &TestDb, proxy: &Proxy, env: &[(&str, String)]) -> (Server, u16) {
    let mut all = vec![(
        "DATABASE_URL",
        database_url(test_db, Some(proxy.port)).await,
    )];
    all.extend(env.iter().cloned());
    let (mut server, port) = Server::serve(&[], &all, &manifest_dir());
    wait_ready(&mut server, port, Duration::from_secs(60)).await;
    (server, port)
}

// Guards graceful shutdown: on SIGTERM the server stops taking requests but
// finishes the one in flight (its statement held 1.5 s in the proxy), which
// gets its whole answer, and then exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_POSTGRES_URL to run against PostgreSQL"
)]
async fn sigterm_lets_the_request_in_flight_finish() {
    let test_db = TestDb::with_dataset(Backend::Postgres).await;
    let proxy = Proxy::start(postgres_address()).await;
    let (mut server, port) = serve_through(&test_db, &proxy, &[]).await;

    proxy.set_delay(Duration::from_millis(1_500));
    let sent = proxy.bytes_to_database();
    let in_flight = tokio::spawn(post_graphql(port, STANDARD_QUERY));
    proxy.wait_for_traffic(sent).await;
    server.terminate();

    let (status, response) = tokio::time::timeout(Duration::from_secs(30), in_flight)
        .await
        .expect("answered")
        .expect("no panic")
        .expect("a whole answer");
    assert_eq!(status, 200);
    assert_eq!(response["data"], standard_data(), "{response:#}");
    assert!(response.get("errors").is_none(), "{response:#}");
    let exit = server
        .wait(Duration::from_secs(15))
        .await
        .unwrap_or_else(|| panic!("still running:\n{}", server.output()));
    assert!(exit.success(), "{exit}:\n{}", server.output());
    assert!(
        server
            .output()
            .contains("shutting down: finishing requests in flight"),
        "{}",
        server.output()
    );
}

// Guards the bound on graceful shutdown: with REGISTRY_SHUTDOWN_GRACE_SECS=1
// a request held far longer does not keep the process alive; it exits
// about a second after SIGTERM and says it stopped anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_POSTGRES_URL to run against PostgreSQL"
)]
async fn sigterm_stops_waiting_after_the_grace_period() {
    let test_db = TestDb::with_dataset(Backend::Postgres).await;
    let proxy = Proxy::start(postgres_address()).await;
    let (mut server, port) = serve_through(
        &test_db,
        &proxy,
        &[("REGISTRY_SHUTDOWN_GRACE_SECS", "1".into())],
    )
    .await;

    proxy.set_delay(Duration::from_secs(8));
    let sent = proxy.bytes_to_database();
    let in_flight = tokio::spawn(post_graphql(port, STANDARD_QUERY));
    proxy.wait_for_traffic(sent).await;
    let stopped_at = Instant::now();
    server.terminate();
    let exit = server
        .wait(Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("still running 10 s after SIGTERM:\n{}", server.output()));
    let took = stopped_at.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "did not wait for the grace period: {took:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        server.output().contains("stopping anyway"),
        "{exit}:\n{}",
        server.output()
    );
    // The abandoned request got no answer: its connection closed.
    let answer = tokio::time::timeout(Duration::from_secs(10), in_flight)
        .await
        .expect("the connection ended")
        .expect("no panic");
    assert!(answer.is_err(), "{answer:?}");
}
