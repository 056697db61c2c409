//! Read replicas with real servers: a PostgreSQL primary and a streaming hot
//! standby of it, made here under a temp dir (stopped and removed at the
//! end, also on a panic), and the real binary reading from the standby
//! (`src/replicas.rs`).
//!
//! Run when the PostgreSQL tests are (`TEST_POSTGRES_URL` at build time)
//! and the build found the server binaries (`pg_config --bindir`: `initdb`,
//! `pg_ctl`, `pg_basebackup`), reported as ignored otherwise (build.rs); a
//! machine that lost them (or `runuser`) since skips it with a message.

mod common;
use common::binary::{Process, http, run_to_end};
use common::*;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use standards_registry::SchemaConfig;
use standards_registry::config::DatabaseConfig;
use standards_registry::replicas::{self, ReadPool};
use standards_registry::schema::build_schema_reading;

/// How long a server may take to migrate, load and listen, and the longest
/// any awaited change may take: a hang guard, not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(120);

const COUNTS: &str = "{ committees { totalCount } standards { totalCount } }";

/// A primary and its hot standby, each a cluster of its own on a loopback
/// port, run as the `postgres` user (the server refuses root).
struct Clusters {
    bin: PathBuf,
    dir: tempfile::TempDir,
    primary_port: u16,
    standby_port: u16,
}

impl Clusters {
    /// Both clusters, running; `None` (and why, printed) when this machine
    /// cannot make them.
    fn start() -> Option<Self> {
        let bin = match Command::new("pg_config").arg("--bindir").output() {
            Ok(output) if output.status.success() => {
                PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
            }
            _ => {
                eprintln!("skipped: no pg_config, so no PostgreSQL server binaries");
                return None;
            }
        };
        for tool in ["initdb", "pg_ctl", "pg_basebackup"] {
            if !bin.join(tool).exists() {
                eprintln!("skipped: no {tool} in {}", bin.display());
                return None;
            }
        }
        if Command::new("runuser").arg("--help").output().is_err() {
            eprintln!("skipped: no runuser to run the PostgreSQL server as `postgres`");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let clusters = Self {
            bin,
            primary_port: free_port(),
            standby_port: free_port(),
            dir,
        };
        clusters.run("chown", &["-R", "postgres", &clusters.path("")]);
        clusters.postgres(
            "initdb",
            &[
                "-A",
                "trust",
                "-U",
                "postgres",
                "-D",
                &clusters.path("primary"),
            ],
        );
        clusters.start_cluster("primary", clusters.primary_port);
        clusters.postgres(
            "pg_basebackup",
            &[
                "-R",
                "-X",
                "stream",
                "-D",
                &clusters.path("standby"),
                "-h",
                "127.0.0.1",
                "-p",
                &clusters.primary_port.to_string(),
                "-U",
                "postgres",
            ],
        );
        clusters.start_standby();
        Some(clusters)
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn url(port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    }

    fn start_cluster(&self, name: &str, port: u16) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={} \
             -c wal_level=replica -c max_wal_senders=4 -c fsync=off",
            self.path("")
        );
        self.postgres(
            "pg_ctl",
            &[
                "-D",
                &self.path(name),
                "-l",
                &self.path(&format!("{name}.log")),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    fn start_standby(&self) {
        self.start_cluster("standby", self.standby_port);
    }

    fn stop(&self, name: &str, mode: &str) {
        self.postgres(
            "pg_ctl",
            &["-D", &self.path(name), "-m", mode, "-w", "stop"],
        );
    }

    /// Runs `sql` on the standby.
    fn on_standby(&self, sql: &str) {
        self.postgres(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.standby_port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
        );
    }

    /// A server binary as `postgres`; it must succeed.
    fn postgres(&self, tool: &str, args: &[&str]) {
        let tool = self.bin.join(tool).display().to_string();
        let mut all = vec!["-u", "postgres", "--", tool.as_str()];
        all.extend_from_slice(args);
        self.run("runuser", &all);
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = Command::new(program)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|err| panic!("{program} does not run: {err}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Clusters {
    fn drop(&mut self) {
        // Both stopped (either may be already), then the temp dir goes.
        for name in ["standby", "primary"] {
            let pid = self.dir.path().join(name).join("postmaster.pid");
            if pid.exists() {
                let tool = self.bin.join("pg_ctl").display().to_string();
                let _ = Command::new("runuser")
                    .args(["-u", "postgres", "--", &tool, "-D", &self.path(name)])
                    .args(["-m", "immediate", "-w", "stop"])
                    .output();
            }
        }
    }
}

/// Sets its flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A loopback port nobody listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The value of the `/metrics` line starting with `series`.
fn metric(server: &Process, series: &str) -> Option<f64> {
    let (status, text) = http(server.port, "GET", "/metrics", "").ok()?;
    assert_eq!(status, 200, "{text}");
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

/// Waits (within the hang guard) until `series` reads `value`.
fn wait_for_metric(server: &Process, series: &str, value: f64) {
    let deadline = Instant::now() + HANG_GUARD;
    while metric(server, series) != Some(value) {
        assert!(
            Instant::now() < deadline,
            "{series} never became {value}:\n{}",
            server.output()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Imports the dataset with `extra` more committees on `primary`.
fn import_committees(primary: &str, dir: &std::path::Path, extra: usize) {
    let mut dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
    for n in 0..extra {
        let mut committee = dataset["committees"][0].clone();
        committee["code"] = json!(format!("TEST/REPLICA-{n}"));
        committee["aliases"] = json!([]);
        dataset["committees"]
            .as_array_mut()
            .unwrap()
            .push(committee);
    }
    let file = dir.join("more.json");
    std::fs::write(&file, dataset.to_string()).unwrap();
    let output = run_to_end(
        &["import", &file.display().to_string()],
        &[("DATABASE_URL", primary)],
        dir,
    );
    assert!(output.status.success(), "{output:?}");
}

/// `COUNTS` as a request of its own (the comment makes its text, so its
/// response cache key, differ from every other's).
fn counts(server: &Process, nonce: usize) -> (u16, String) {
    let body = json!({ "query": format!("# {nonce}\n{COUNTS}") }).to_string();
    http(server.port, "POST", "/graphql", &body).expect("an answer")
}

fn expected(committees: usize) -> Value {
    json!({ "committees": { "totalCount": committees }, "standards": { "totalCount": 131 } })
}

// The registry on a primary and a hot standby of it: (a) an import on the
// primary is served by the standby once replayed; (b) the standby stopped
// while a client sends requests in a loop loses none of them: reads move to
// the primary; (c) started again, it comes back into rotation and serves.
#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_POSTGRES_URL to run against PostgreSQL"
)]
#[cfg_attr(
    all(postgres_tests, not(replica_tests)),
    ignore = "needs PostgreSQL's server binaries: initdb, pg_ctl, pg_basebackup in `pg_config --bindir`"
)]
fn reads_follow_the_standby_and_survive_losing_it() {
    let Some(clusters) = Clusters::start() else {
        return;
    };
    let primary = Clusters::url(clusters.primary_port);
    // A password (the trust auth never asks for it) that must never show.
    let standby = format!(
        "postgres://postgres:hunter2@127.0.0.1:{}/postgres",
        clusters.standby_port
    );
    let shown = Clusters::url(clusters.standby_port).replace("postgres@", "postgres:***@");
    let up = format!("registry_replica_up{{replica=\"{shown}\"}}");
    let reads = format!("registry_replica_reads_total{{replica=\"{shown}\"}}");
    let work = tempfile::tempdir().unwrap();
    let mut server = Process::serve(
        &[],
        &[
            ("DATABASE_URL", &primary),
            ("REGISTRY_READ_DATABASE_URL", &standby),
        ],
        work.path(),
    );
    server.wait_ready(HANG_GUARD);
    wait_for_metric(&server, &up, 1.0);
    let (status, ready) = http(server.port, "GET", "/readyz", "").unwrap();
    assert_eq!(status, 200);
    assert!(
        ready.starts_with(&format!(
            "ready\nreplica {shown}: in rotation (current), lag "
        )),
        "{ready}"
    );
    let (_, metrics) = http(server.port, "GET", "/metrics", "").unwrap();
    assert!(!metrics.contains("hunter2") && !ready.contains("hunter2"));
    let (status, body) = counts(&server, 0);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["data"],
        expected(11)
    );

    // (a) An import on the primary: one more committee.
    let primary_reads = metric(&server, "registry_primary_reads_total").unwrap();
    import_committees(&primary, work.path(), 1);
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        // The same request text each time: the response cache must see the
        // standby's data version change.
        let (status, body) = counts(&server, 0);
        assert_eq!(status, 200, "{body}");
        let data = serde_json::from_str::<Value>(&body).unwrap()["data"].clone();
        if data == expected(12) {
            break;
        }
        assert_eq!(data, expected(11));
        assert!(
            Instant::now() < deadline,
            "the import never reached the standby"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        metric(&server, "registry_primary_reads_total"),
        Some(primary_reads),
        "every read went to the standby"
    );

    // (b) The standby stopped under a client's loop of requests.
    let server = Arc::new(server);
    let stop = Arc::new(AtomicBool::new(false));
    // The client stops when this test does, even on a panic: it holds the server.
    let _stop_client = StopOnDrop(stop.clone());
    let sent = Arc::new(AtomicUsize::new(0));
    let client = {
        let (server, stop, sent) = (server.clone(), stop.clone(), sent.clone());
        std::thread::spawn(move || {
            let mut failures = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let n = sent.fetch_add(1, Ordering::Relaxed) + 1_000;
                let (status, body) = counts(&server, n);
                let data = serde_json::from_str::<Value>(&body)
                    .map(|answer| answer["data"].clone())
                    .unwrap_or(Value::Null);
                if status != 200 || data != expected(12) {
                    failures.push(format!("{status}: {body}"));
                }
            }
            failures
        })
    };
    let wait_for_requests = |more: usize| {
        let target = sent.load(Ordering::Relaxed) + more;
        let deadline = Instant::now() + HANG_GUARD;
        while sent.load(Ordering::Relaxed) < target {
            assert!(Instant::now() < deadline, "the client is stuck");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait_for_requests(20);
    clusters.stop("standby", "fast");
    wait_for_metric(&server, &up, 0.0);
    let (_, ready) = http(server.port, "GET", "/readyz", "").unwrap();
    assert!(ready.contains(": out of rotation ("), "{ready}");
    wait_for_requests(50);
    let on_primary = metric(&server, "registry_primary_reads_total").unwrap();
    wait_for_requests(20);
    assert!(metric(&server, "registry_primary_reads_total").unwrap() > on_primary);

    // (c) Started again, the standby comes back and serves.
    clusters.start_standby();
    wait_for_metric(&server, &up, 1.0);
    let served = metric(&server, &reads).unwrap();
    wait_for_requests(20);
    assert!(
        metric(&server, &reads).unwrap() > served,
        "{}",
        server.output()
    );
    stop.store(true, Ordering::Relaxed);
    let failures = client.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed, the first: {}",
        failures.len(),
        sent.load(Ordering::Relaxed),
        failures[0]
    );
    eprintln!(
        "replica test: {} requests through a standby stop and start, none lost",
        sent.load(Ordering::Relaxed)
    );
    drop(server);

    // (d) A standby that stops replaying leaves the rotation once it is
    // behind for longer than `--max-replica-lag`: reads see the import on
    // the primary. Replaying again, it comes back.
    let mut server = Process::serve(
        &["--max-replica-lag", "1"],
        &[
            ("DATABASE_URL", &primary),
            ("REGISTRY_READ_DATABASE_URL", &standby),
        ],
        work.path(),
    );
    server.wait_ready(HANG_GUARD);
    wait_for_metric(&server, &up, 1.0);
    clusters.on_standby("SELECT pg_wal_replay_pause()");
    import_committees(&primary, work.path(), 2);
    wait_for_metric(&server, &up, 0.0);
    let (_, ready) = http(server.port, "GET", "/readyz", "").unwrap();
    assert!(
        ready.contains(": out of rotation (lagging: data version"),
        "{ready}"
    );
    let (status, body) = counts(&server, 2_000_000);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["data"],
        expected(13)
    );
    clusters.on_standby("SELECT pg_wal_replay_resume()");
    wait_for_metric(&server, &up, 1.0);
    let served = metric(&server, &reads).unwrap();
    let (status, body) = counts(&server, 2_000_001);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["data"],
        expected(13)
    );
    assert_eq!(metric(&server, &reads), Some(served + 1.0));
}

// A replica nothing answers on never enters the rotation: every request
// reads from the primary, and `/readyz` and `/metrics` say so, without the
// password. Through the real router, on every backend, without clusters.
on_every_backend! {
    async fn an_unreachable_replica_stays_out_of_rotation(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let config = SchemaConfig::for_tests();
        let port = free_port();
        let replicas = replicas::connect(&DatabaseConfig {
            read_database_urls: vec![format!("postgres://reader:hunter2@127.0.0.1:{port}/registry")],
            acquire_timeout_ms: 500,
            ..DatabaseConfig::for_url(&test_db.url)
        })
        .await
        .expect("a lazy pool");
        let reads = ReadPool::new(test_db.db.clone(), replicas, Duration::from_secs(5));
        let app = standards_registry::app(
            build_schema_reading(reads, &config),
            test_db.db.clone(),
            &config,
        );
        let shown = format!("postgres://reader:***@127.0.0.1:{port}/registry");
        let deadline = Instant::now() + HANG_GUARD;
        loop {
            let ready = send(&app, get("/readyz")).await;
            assert_eq!(ready.status, 200);
            let text = ready.text();
            if text.contains(&format!("replica {shown}: out of rotation (does not answer: ")) {
                assert!(!text.contains("hunter2"), "{text}");
                break;
            }
            assert!(Instant::now() < deadline, "{text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for _ in 0..3 {
            let answer = send(&app, post_query(STANDARD_QUERY)).await;
            assert_eq!(answer.json()["data"], standard_data());
        }
        let metrics = send(&app, get("/metrics")).await.text();
        for line in [
            format!("registry_replica_up{{replica=\"{shown}\"}} 0\n"),
            format!("registry_replica_lag_seconds{{replica=\"{shown}\"}} NaN\n"),
            format!("registry_replica_reads_total{{replica=\"{shown}\"}} 0\n"),
            "registry_primary_reads_total 3\n".to_owned(),
        ] {
            assert!(metrics.contains(&line), "no {line:?} in:\n{metrics}");
        }
        assert!(!metrics.contains("hunter2"));
    }
}
