//! `registry-bench soak`: a bounded load test of the real server on loopback.
//!
//! Imports data/registry.json into a fresh database, starts `serve`, asks
//! every query of a fixed mix once for its reference answer, then runs
//! `--clients` keep-alive connections in a closed loop over the mix for
//! `--seconds`, while sampling the server's resident memory. It passes when
//! no request failed (transport error, HTTP status other than 200, GraphQL
//! errors, no `data`, or an answer other than the reference), the memory
//! did not keep growing, and the server still answers and stops on SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use hdrhistogram::Histogram;
use hyper::StatusCode;
use serde_json::{Value, json};

use crate::load::Client;
use crate::server::{self, Server};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Concurrent clients, one keep-alive connection each.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// sqlite (a fresh file under target/registry-bench/) or postgres (a
    /// fresh database `registry_soak` on --postgres-url's server, dropped afterwards).
    #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "postgres"])]
    backend: String,
    /// A PostgreSQL database on a server where this user may create databases.
    #[arg(
        long,
        env = "BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres_url: String,
    /// The server binary; by default the release build, built first.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Do not run `cargo build --release` for the server first.
    #[arg(long)]
    no_build: bool,
    /// How much the last quarter's peak RSS may exceed the second quarter's, in percent ...
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    memory_tolerance_pct: f64,
    /// ... plus this many MiB.
    #[arg(long, default_value_t = 8.0, allow_negative_numbers = true)]
    memory_slack_mib: f64,
}

const DATABASE: &str = "registry_soak";
/// A request that takes longer than this counts as failed (its client reconnects).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const SAMPLE_EVERY: Duration = Duration::from_millis(500);
/// Failure messages kept for the report.
const MESSAGES: usize = 8;

fn id(type_name: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{key}"))
}

/// One request of the mix: what a front end or the gateway asks, over the
/// real dataset. Its first answer must hold certain fields (see `mix`), so
/// that a mix answering `null` everywhere cannot pass.
struct Query {
    name: &'static str,
    body: Bytes,
    /// The reference: the first answer, its bytes and its `data`.
    bytes: Bytes,
    data: Value,
}

const STANDARDS_PAGE: &str = "query Page($after: String) { standards(first: 50, after: $after, \
     orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }]) { totalCount \
     pageInfo { hasNextPage endCursor } edges { cursor node { code title kind status year \
     committee { code } workingGroup { code } } } } }";

/// The selection of an entity of any type, for `_entities` and `node`.
macro_rules! entity {
    () => {
        "__typename ... on Standard { code title status } ... on Committee { code name } \
         ... on WorkingGroup { code name } ... on Expert { id name organization } \
         ... on Liaison { id kind counterpart }"
    };
}

/// The mix but the second page, whose cursor the first page's answer gives:
/// (name, query, variables, the fields its answer must hold).
fn mix() -> Vec<(&'static str, &'static str, Value, &'static [&'static str])> {
    let entities = concat!(
        "query E($representations: [_Any!]!) { _entities(representations: $representations) { ",
        entity!(),
        " } }"
    );
    let nodes = concat!(
        "query N($a: ID!, $b: ID!, $c: ID!, $d: ID!, $e: ID!) { a: node(id: $a) { id ",
        entity!(),
        " } b: node(id: $b) { id ",
        entity!(),
        " } c: node(id: $c) { id ",
        entity!(),
        " } d: node(id: $d) { id ",
        entity!(),
        " } e: node(id: $e) { id ",
        entity!(),
        " } }"
    );
    vec![
        (
            "committee SC42 tree",
            "{ committee(code: \"SC42\") { code name aliases parent { code } \
             workingGroups(first: 10) { totalCount nodes { code name \
             standards(first: 5, filter: { status: [PUBLISHED] }) { nodes { code title year } } } } \
             liaisons { kind counterpart } statistics { metric value period source { document section } } } }",
            json!({}),
            &["/committee/code", "/committee/workingGroups/nodes/0/code"],
        ),
        (
            "committees with liaisons",
            "{ committees(first: 20) { totalCount nodes { code name kind parent { code } \
             subcommittees { code } liaisons { kind counterpart counterpartBody { code } } \
             statistics { metric value period } positions { role expert { name } } } } }",
            json!({}),
            &["/committees/nodes/0/code"],
        ),
        (
            "standard by code",
            "query S($code: String!) { standard(code: $code) { id code title kind status year \
             committee { code name } workingGroup { code name } \
             equivalences { degree standard { code } } sources { document section } } }",
            json!({ "code": "GB/T45993—2025" }),
            &["/standard/code"],
        ),
        (
            "standards by code x3",
            "{ a: standard(code: \"ISO/IEC 4879:2024\") { code title year } \
             b: standard(code: \"t/cesa 1159-2021\") { code title committee { code } } \
             c: standard(code: \"20193195-T-269\") { code title status workingGroup { code } } }",
            json!({}),
            &["/a/code", "/b/code", "/c/code"],
        ),
        (
            "standards page 1",
            STANDARDS_PAGE,
            json!({ "after": null }),
            &["/standards/pageInfo/endCursor"],
        ),
        (
            "standards count",
            "{ standards(filter: { committee: \"TC28/SC42\", status: [PUBLISHED, UNDER_DEVELOPMENT] }) \
             { totalCount } }",
            json!({}),
            &["/standards/totalCount"],
        ),
        (
            "search artificial",
            "query S($text: String!) { search(text: $text, first: 50) { __typename \
             ... on Committee { code name } ... on WorkingGroup { code name } \
             ... on Standard { code title } ... on Expert { name organization } } }",
            json!({ "text": "artificial" }),
            &["/search/0/__typename"],
        ),
        (
            "_entities x6",
            entities,
            json!({ "representations": [
                { "__typename": "Standard", "code": "GB/T 45993-2025" },
                { "__typename": "Committee", "code": "SAC/TC28/SC42" },
                { "__typename": "WorkingGroup", "code": "SAC/TC28/WG34" },
                { "__typename": "Expert", "id": id("Expert", "betty-xu") },
                { "__typename": "Liaison", "id": id("Liaison", "tc28-mirror-jtc1") },
                { "__typename": "Standard", "code": "GB/T 0-0000" },
            ] }),
            &[
                "/_entities/0/code",
                "/_entities/1/code",
                "/_entities/2/code",
                "/_entities/3/name",
                "/_entities/4/counterpart",
            ],
        ),
        (
            "node x5",
            nodes,
            json!({
                "a": id("Committee", "SAC/TC28/SC42"),
                "b": id("Standard", "GB/T 42131-2022"),
                "c": id("WorkingGroup", "SAC/TC28/SC42/knowledge-graph"),
                "d": id("Expert", "fan-kefeng"),
                "e": id("Liaison", "tc28-jtc1-sc43-chair"),
            }),
            &["/a/code", "/b/code", "/c/code", "/d/name", "/e/counterpart"],
        ),
        (
            "working group",
            "{ workingGroup(code: \"TC28/WG34\") { code name kind committee { code } \
             standards(first: 20) { totalCount nodes { code title } } liaisons { kind counterpart } \
             positions { role expert { name } } statistics { metric value } } }",
            json!({}),
            &["/workingGroup/code"],
        ),
    ]
}

fn body(query: &str, variables: &Value) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&json!({ "query": query, "variables": variables })).expect("JSON"),
    )
}

/// Why a request failed.
#[derive(Clone, Copy)]
enum Kind {
    Transport,
    Status,
    Errors,
    NoData,
    WrongAnswer,
}

const KINDS: [&str; 5] = [
    "transport",
    "HTTP status",
    "GraphQL errors",
    "no data",
    "wrong answer",
];

/// `None` when `answer` is a success and the reference answer of `query`;
/// else the kind of failure and a message.
fn judge(query: &Query, status: StatusCode, answer: &Bytes) -> Option<(Kind, String)> {
    let short = || String::from_utf8_lossy(&answer[..answer.len().min(300)]).into_owned();
    if status != StatusCode::OK {
        return Some((
            Kind::Status,
            format!("{}: HTTP {status}: {}", query.name, short()),
        ));
    }
    // The fast path: the server's answers are deterministic to the byte
    // (`extensions.cost` included), so most answers end here.
    if *answer == query.bytes {
        return None;
    }
    let Ok(response) = serde_json::from_slice::<Value>(answer) else {
        return Some((
            Kind::NoData,
            format!("{}: not JSON: {}", query.name, short()),
        ));
    };
    if response["errors"].as_array().is_some_and(|e| !e.is_empty()) {
        return Some((
            Kind::Errors,
            format!("{}: {}", query.name, response["errors"]),
        ));
    }
    match response.get("data") {
        None | Some(Value::Null) => Some((Kind::NoData, format!("{}: {}", query.name, short()))),
        Some(data) if *data != query.data => Some((
            Kind::WrongAnswer,
            format!("{}: differs from the first answer: {}", query.name, short()),
        )),
        Some(_) => None,
    }
}

/// What one client saw.
struct Tally {
    /// Per query of the mix.
    latency: Vec<Histogram<u64>>,
    failures: [u64; KINDS.len()],
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 100 s at 3 significant figures, as load.rs.
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid histogram bounds")
}

/// One client: a closed loop over the mix from query `first`, until `until`.
async fn client(
    addr: std::net::SocketAddr,
    queries: Arc<Vec<Query>>,
    first: usize,
    until: Instant,
    messages: Arc<Mutex<Vec<String>>>,
) -> Tally {
    let mut tally = Tally {
        latency: queries.iter().map(|_| histogram()).collect(),
        failures: [0; KINDS.len()],
    };
    let fail = |tally: &mut Tally, kind: Kind, message: String| {
        tally.failures[kind as usize] += 1;
        let mut messages = messages.lock().expect("not poisoned");
        if messages.len() < MESSAGES {
            messages.push(message);
        }
    };
    let mut connection = Client::connect(addr).await;
    let mut next = first;
    while Instant::now() < until {
        let i = next % queries.len();
        next += 1;
        let query = &queries[i];
        let client = match &mut connection {
            Ok(client) => client,
            Err(e) => {
                fail(&mut tally, Kind::Transport, format!("connect: {e:#}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                connection = Client::connect(addr).await;
                continue;
            }
        };
        let sent = Instant::now();
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, client.post(query.body.clone())).await;
        tally.latency[i].saturating_record((sent.elapsed().as_micros() as u64).max(1));
        let failure = match answer {
            Ok(Ok((status, answer))) => judge(query, status, &answer),
            Ok(Err(e)) => Some((Kind::Transport, format!("{}: {e:#}", query.name))),
            Err(_) => Some((
                Kind::Transport,
                format!("{}: no answer in {REQUEST_TIMEOUT:?}", query.name),
            )),
        };
        if let Some((kind, message)) = failure {
            // A broken connection is not reused: the next request reconnects.
            if matches!(kind, Kind::Transport) {
                connection = Client::connect(addr).await;
            }
            fail(&mut tally, kind, message);
        }
    }
    tally
}

/// The server's resident memory, sampled through the run.
struct Memory {
    /// (seconds since the load started, VmRSS KiB)
    samples: Vec<(f64, u64)>,
    /// Why sampling stopped early: the server's /proc entry went away.
    lost: Option<String>,
}

impl Memory {
    fn peak(&self, from: f64, to: f64) -> Option<u64> {
        self.samples
            .iter()
            .filter(|(t, _)| *t >= from && *t < to)
            .map(|(_, kib)| *kib)
            .max()
    }
}

async fn sample_memory(server: &Server, start: Instant, until: Instant) -> Memory {
    let mut memory = Memory {
        samples: Vec::new(),
        lost: None,
    };
    loop {
        match server.memory() {
            Ok((_, rss)) => memory.samples.push((start.elapsed().as_secs_f64(), rss)),
            Err(e) => memory.lost = Some(format!("{e:#}")),
        }
        if memory.lost.is_some() || Instant::now() >= until {
            return memory;
        }
        tokio::time::sleep(SAMPLE_EVERY.min(until.saturating_duration_since(Instant::now()))).await;
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn percentiles(h: &Histogram<u64>) -> String {
    format!(
        "{:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.90)),
        ms(h.value_at_quantile(0.99)),
        ms(h.value_at_quantile(0.999)),
        ms(h.max()),
    )
}

pub async fn run(args: Args) -> Result<()> {
    if args.clients == 0 || args.seconds < 2.0 {
        bail!("--clients must be at least 1 and --seconds at least 2");
    }
    let root = crate::workspace();
    let work = root.join("target/registry-bench");
    std::fs::create_dir_all(&work)?;
    let bin = server::binary(&root, args.server_bin.clone(), !args.no_build)?;
    let url = crate::fresh_database(&args.backend, DATABASE, &args.postgres_url, &work).await?;
    let outcome = soak(&args, &bin, &work, &url).await;
    // The database goes whatever happened.
    crate::drop_database(&args.backend, DATABASE, &args.postgres_url, &work).await?;
    let problems = outcome?;
    if problems.is_empty() {
        println!("soak: PASS");
        Ok(())
    } else {
        println!("soak: FAIL ({})", problems.join("; "));
        bail!("soak failed: {}", problems.join("; "))
    }
}

/// The run itself; what went wrong, empty when it passed.
async fn soak(args: &Args, bin: &Path, work: &Path, url: &str) -> Result<Vec<String>> {
    let log = work.join(format!("server-soak-{}.log", args.backend));
    let _ = std::fs::remove_file(&log);
    let import = server::import(
        bin,
        url,
        &crate::workspace().join("data/registry.json"),
        &log,
    )?;
    let mix = mix();
    let probe = body(mix[0].1, &mix[0].2);
    let mut server = Server::start(bin, url, &log, probe, Duration::from_secs(120)).await?;
    let (_, rss_idle) = server.memory()?;
    eprintln!(
        "soak: {} imported in {import:.1?}, serving on {} (pid {}, RSS {:.1} MiB); log {}",
        args.backend,
        server.addr,
        server.pid(),
        mib(rss_idle),
        log.display()
    );

    // The reference answers, one request at a time, and the second page's cursor.
    let mut reference = Client::connect(server.addr).await?;
    let mut queries = Vec::new();
    let mut mix = mix
        .into_iter()
        .map(|(n, q, v, m)| (n, body(q, &v), m))
        .collect::<Vec<_>>();
    let mut i = 0;
    while i < mix.len() {
        let (name, request, must) = mix[i].clone();
        let (status, bytes) = reference.post(request.clone()).await?;
        let response: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{name}: HTTP {status}, not JSON"))?;
        if status != StatusCode::OK || response.get("errors").is_some() {
            bail!("{name}: HTTP {status}: {response}");
        }
        let data = response["data"].clone();
        if let Some(missing) = must
            .iter()
            .find(|p| data.pointer(p).is_none_or(Value::is_null))
        {
            bail!("{name}: the answer has no {missing}: {data}");
        }
        if name == "standards page 1" {
            let after = data["standards"]["pageInfo"]["endCursor"].clone();
            mix.insert(
                i + 1,
                (
                    "standards page 2",
                    body(STANDARDS_PAGE, &json!({ "after": after })),
                    &["/standards/edges/0/cursor"],
                ),
            );
        }
        queries.push(Query {
            name,
            body: request,
            bytes,
            data,
        });
        i += 1;
    }
    let queries = Arc::new(queries);
    let (_, rss_ready) = server.memory()?;

    // The load, on a machine as quiet as it gets within 10 s (this one is
    // shared: compilers beside it halve the figures; the report says how
    // much other processes used).
    crate::cpu::wait_for_quiet(&[server.pid()], 0.3, Duration::from_secs(10)).await;
    let cpu_from = crate::cpu::sample(&[server.pid()]);
    let messages = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(args.seconds);
    let clients: Vec<_> = (0..args.clients)
        .map(|c| {
            tokio::spawn(client(
                server.addr,
                queries.clone(),
                c,
                until,
                messages.clone(),
            ))
        })
        .collect();
    let memory = sample_memory(&server, start, until).await;
    let mut tallies = Vec::new();
    for c in clients {
        tallies.push(c.await?);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let foreign = crate::cpu::foreign_cores(&cpu_from, &crate::cpu::sample(&[server.pid()]));
    let (hwm, rss_end) = server.memory().unwrap_or_default();

    // The report.
    let mut problems = Vec::new();
    let mut all = histogram();
    let mut per_query: Vec<Histogram<u64>> = queries.iter().map(|_| histogram()).collect();
    let mut failures = [0u64; KINDS.len()];
    for tally in &tallies {
        for (q, h) in tally.latency.iter().enumerate() {
            per_query[q].add(h).expect("same bounds");
            all.add(h).expect("same bounds");
        }
        for (k, n) in tally.failures.iter().enumerate() {
            failures[k] += n;
        }
    }
    let requests = all.len();
    let failed: u64 = failures.iter().sum();
    println!();
    println!(
        "soak: {} backend, {} clients for {:.0} s, {} queries in the mix, server {}",
        args.backend,
        args.clients,
        args.seconds,
        queries.len(),
        bin.display()
    );
    println!(
        "requests  {requests} in {elapsed:.1} s: {:.1}/s",
        requests as f64 / elapsed
    );
    println!(
        "machine   {} cores; other processes used {foreign:.1} of them meanwhile",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("failures  {failed}");
    for (k, n) in failures.iter().enumerate().filter(|(_, n)| **n > 0) {
        println!("  {:<15} {n}", KINDS[k]);
    }
    for message in messages.lock().expect("not poisoned").iter() {
        println!("  e.g. {message}");
    }
    if failed > 0 {
        problems.push(format!("{failed} of {requests} requests failed"));
    }
    if requests == 0 {
        problems.push("no request finished".to_owned());
    }
    println!();
    println!(
        "latency ms                     requests      p50      p90      p99    p99.9      max"
    );
    println!("{:<28} {requests:>10} {}", "all", percentiles(&all));
    for (query, h) in queries.iter().zip(&per_query) {
        println!("  {:<26} {:>10} {}", query.name, h.len(), percentiles(h));
    }

    // Stable memory. The first quarter is warm-up: the allocator's arenas
    // (one per server thread), SQLite's page cache or PostgreSQL's
    // connections, the pool and the statement caches fill there. Then the
    // peak of the last quarter may exceed the peak of the second by the
    // tolerance. Peaks, not single samples, because RSS breathes with the
    // allocator (freed memory is returned late or not at all) by a few MiB
    // from sample to sample, and a window's peak is what a leak keeps
    // raising. A leak of L bytes a request raises it by about L × (requests
    // in half the run): here (2 shared cores) ~900 requests/s for 20 s, so
    // 1 KB a request is ~9 MB between the two peaks and 3 KB is ~27 MB, over
    // the allowance of 8 MiB + 10% of a ~100 MiB server (~18 MiB). The
    // report states the smallest leak the run would catch.
    let t = args.seconds;
    let quarter = |q: usize| {
        let to = if q == 3 {
            f64::INFINITY
        } else {
            t * (q + 1) as f64 / 4.0
        };
        memory.peak(t * q as f64 / 4.0, to).unwrap_or(0)
    };
    let (second, last) = (quarter(1), quarter(3));
    let allowed =
        second as f64 * args.memory_tolerance_pct / 100.0 + args.memory_slack_mib * 1024.0;
    let rss: Vec<u64> = memory.samples.iter().map(|(_, kib)| *kib).collect();
    let quarters: Vec<String> = (0..4).map(|q| format!("{:.1}", mib(quarter(q)))).collect();
    println!();
    println!(
        "memory    VmRSS MiB: idle {:.1}, after the reference answers {:.1}; under load ({} samples every {SAMPLE_EVERY:?}) min {:.1}, max {:.1}, final {:.1}; VmHWM {:.1}",
        mib(rss_idle),
        mib(rss_ready),
        rss.len(),
        mib(rss.iter().copied().min().unwrap_or(0)),
        mib(rss.iter().copied().max().unwrap_or(0)),
        mib(rss_end),
        mib(hwm),
    );
    let half = (requests as f64 / 2.0).max(1.0);
    println!(
        "          peaks by quarter {}; of the 2nd {:.1}, of the last {:.1}: {:+.1} MiB, allowed +{:.1} ({}% + {} MiB); a leak over ~{:.0} bytes a request would exceed it",
        quarters.join(" / "),
        mib(second),
        mib(last),
        (last as f64 - second as f64) / 1024.0,
        allowed / 1024.0,
        args.memory_tolerance_pct,
        args.memory_slack_mib,
        (allowed * 1024.0 / half).max(0.0),
    );
    if let Some(lost) = &memory.lost {
        problems.push(format!("the server's memory could not be read: {lost}"));
    } else if second == 0 || last == 0 {
        problems.push("too few memory samples".to_owned());
    } else if last as f64 > second as f64 + allowed {
        problems.push(format!(
            "memory grew: peak RSS {:.1} MiB in the last quarter, {:.1} MiB in the second, allowed +{:.1} MiB",
            mib(last),
            mib(second),
            allowed / 1024.0
        ));
    }

    // After the load: it still answers, the same, and stops when asked.
    let after = &queries[0];
    let still = match Client::connect(server.addr).await {
        Ok(mut c) => {
            match tokio::time::timeout(REQUEST_TIMEOUT, c.post(after.body.clone())).await {
                Ok(Ok((status, answer))) => judge(after, status, &answer).map(|(_, m)| m),
                Ok(Err(e)) => Some(format!("{e:#}")),
                Err(_) => Some(format!("no answer in {REQUEST_TIMEOUT:?}")),
            }
        }
        Err(e) => Some(format!("connect: {e:#}")),
    };
    let stopping = Instant::now();
    let pid = server.pid();
    server.stop();
    let stopped = stopping.elapsed();
    let status = server.exit_status();
    println!();
    match &still {
        None => println!(
            "after     the server still answers `{}` the same",
            after.name
        ),
        Some(m) => {
            println!("after     the server no longer answers well: {m}");
            problems.push(format!("after the load: {m}"));
        }
    }
    match status {
        Some(status) if status.success() => {
            println!("          SIGTERM: exited ({status}) in {stopped:.0?}")
        }
        other => {
            println!("          SIGTERM: did not exit cleanly ({other:?}) within {stopped:.0?}");
            problems.push(format!(
                "the server (pid {pid}) did not exit cleanly on SIGTERM: {other:?}"
            ));
        }
    }
    Ok(problems)
}
