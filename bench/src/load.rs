//! Closed-loop load: `c` workers, each sending its next request as soon as
//! the previous one answered, for a bounded time; latencies in an HDR
//! histogram. Used alike for GraphQL over HTTP and for the in-process floor.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::TcpStream;

use crate::floor;
use crate::shapes::{Execute, Shape, Variant};

/// What one cell measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measured {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub throughput: f64,
    pub mean_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// Cores' worth of CPU other processes used meanwhile (see cpu.rs).
    #[serde(default)]
    pub foreign_cores: f64,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 100 s at 3 significant figures.
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid histogram bounds")
}

struct Tally {
    histogram: Histogram<u64>,
    requests: u64,
    errors: u64,
}

impl Tally {
    fn new() -> Self {
        Self {
            histogram: histogram(),
            requests: 0,
            errors: 0,
        }
    }
}

/// When a worker stops warming up (requests finishing later are measured)
/// and stops sending (requests in flight then still finish and count).
#[derive(Clone, Copy)]
struct Clock {
    measure_from: Instant,
    until: Instant,
}

fn summarize(tallies: Vec<Tally>, seconds: f64) -> Measured {
    let mut all = histogram();
    let (mut requests, mut errors) = (0, 0);
    for tally in tallies {
        all.add(&tally.histogram).expect("same bounds");
        requests += tally.requests;
        errors += tally.errors;
    }
    Measured {
        requests,
        errors,
        seconds,
        throughput: requests as f64 / seconds,
        mean_us: all.mean(),
        p50_us: all.value_at_quantile(0.50),
        p90_us: all.value_at_quantile(0.90),
        p99_us: all.value_at_quantile(0.99),
        max_us: all.max(),
        foreign_cores: 0.0,
    }
}

/// One HTTP/1.1 keep-alive connection to the server.
pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self {
            sender,
            host: addr.to_string(),
        })
    }

    /// POSTs a GraphQL request body; the status and the whole body.
    pub async fn post(&mut self, body: Bytes) -> Result<(StatusCode, Bytes)> {
        self.sender.ready().await?;
        let request = Request::post("/graphql")
            .header("host", &self.host)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Full::new(body))?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

impl Execute for Client {
    async fn execute(&mut self, query: &str, variables: Value) -> Result<Value, String> {
        let body =
            serde_json::to_vec(&serde_json::json!({ "query": query, "variables": variables }))
                .map_err(|e| e.to_string())?;
        let (status, body) = self
            .post(Bytes::from(body))
            .await
            .map_err(|e| e.to_string())?;
        let value: Value =
            serde_json::from_slice(&body).map_err(|e| format!("HTTP {status}: not JSON: {e}"))?;
        Ok(value)
    }
}

/// The body of one request of `shape` with `variant`'s variables.
pub fn body(shape: Shape, variant: &Variant) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&serde_json::json!({
            "query": shape.query(),
            "variables": variant.variables,
        }))
        .expect("JSON"),
    )
}

/// Whether an answer reports GraphQL errors: a byte search, cheap enough for the loop.
fn has_errors(body: &[u8]) -> bool {
    body.windows(9).any(|w| w == b"\"errors\":")
}

/// GraphQL over HTTP: `concurrency` connections, each a closed loop over the bodies.
pub async fn http(
    addr: SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
) -> Result<Measured> {
    let mut clients = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        clients.push(Client::connect(addr).await?);
    }
    let start = Instant::now();
    let clock = Clock {
        measure_from: start + warmup,
        until: start + warmup + duration,
    };
    let mut tasks = Vec::with_capacity(concurrency);
    for (worker, mut client) in clients.into_iter().enumerate() {
        let bodies = bodies.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::new();
            let mut next = worker;
            loop {
                let sent = Instant::now();
                if sent >= clock.until {
                    break;
                }
                let body = bodies[next % bodies.len()].clone();
                next += concurrency;
                let (status, answer) = client.post(body).await?;
                // Counted by when it finished, so a request longer than the
                // warm-up still counts, with its whole latency.
                let done = Instant::now();
                if done >= clock.measure_from {
                    let micros = (done - sent).as_micros() as u64;
                    tally.histogram.saturating_record(micros.max(1));
                    tally.requests += 1;
                    if status != StatusCode::OK || has_errors(&answer) {
                        tally.errors += 1;
                    }
                }
            }
            anyhow::Ok(tally)
        }));
    }
    let mut tallies = Vec::with_capacity(concurrency);
    for task in tasks {
        tallies.push(task.await??);
    }
    let seconds = clock.until.max(Instant::now()) - clock.measure_from;
    Ok(summarize(tallies, seconds.as_secs_f64()))
}

/// The floor in process: `concurrency` tasks over one pool, each a closed loop.
pub async fn floor(
    db: &DatabaseConnection,
    shape: Shape,
    variants: Arc<Vec<Variant>>,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
) -> Result<Measured> {
    let start = Instant::now();
    let clock = Clock {
        measure_from: start + warmup,
        until: start + warmup + duration,
    };
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let db = db.clone();
        let variants = variants.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::new();
            let mut next = worker;
            loop {
                let sent = Instant::now();
                if sent >= clock.until {
                    break;
                }
                let variant = &variants[next % variants.len()];
                next += concurrency;
                let ok = floor::run(&db, shape, variant, false).await.is_ok();
                // Counted by when it finished, so a request longer than the
                // warm-up still counts, with its whole latency.
                let done = Instant::now();
                if done >= clock.measure_from {
                    let micros = (done - sent).as_micros() as u64;
                    tally.histogram.saturating_record(micros.max(1));
                    tally.requests += 1;
                    if !ok {
                        tally.errors += 1;
                    }
                }
            }
            tally
        }));
    }
    let mut tallies = Vec::with_capacity(concurrency);
    for task in tasks {
        tallies.push(task.await?);
    }
    let seconds = clock.until.max(Instant::now()) - clock.measure_from;
    if tallies.iter().all(|t| t.requests == 0) {
        bail!(
            "no request of {} finished in the measured time",
            shape.name()
        );
    }
    Ok(summarize(tallies, seconds.as_secs_f64()))
}
