//! Closed-loop load: `c` workers, each sending its next request as soon as
//! the previous one answered, for a bounded time; latencies in an HDR
//! histogram. Used alike for GraphQL over HTTP (the registry and the
//! peers), a plain GET (`/healthz`) and the in-process floor.

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
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::TcpStream;

use crate::floor::Floor;
use crate::shapes::{Execute, Shape, Variant};

/// A request that takes longer than this counts as failed, and its worker
/// stops (a server that hangs must not hang the suite).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

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
    /// The first request that got no answer at all (a connection closed or
    /// reset, a timeout; for the floor, a failed statement), as the driver
    /// saw it; counted among `errors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 100 s at 3 significant figures.
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid histogram bounds")
}

struct Tally {
    histogram: Histogram<u64>,
    requests: u64,
    errors: u64,
    first_failure: Option<String>,
}

impl Tally {
    fn new() -> Self {
        Self {
            histogram: histogram(),
            requests: 0,
            errors: 0,
            first_failure: None,
        }
    }

    /// A request that got no answer: an error, whenever it was sent.
    fn failed(&mut self, why: String) {
        self.requests += 1;
        self.errors += 1;
        self.first_failure.get_or_insert(why);
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
    let (mut requests, mut errors, mut first_failure) = (0, 0, None);
    for tally in tallies {
        all.add(&tally.histogram).expect("same bounds");
        requests += tally.requests;
        errors += tally.errors;
        first_failure = first_failure.or(tally.first_failure);
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
        first_failure,
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
        let request = Request::post("/graphql")
            .header("host", &self.host)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Full::new(body))?;
        self.send(request).await
    }

    /// GETs `path`; the status and the whole body.
    pub async fn get(&mut self, path: &str) -> Result<(StatusCode, Bytes)> {
        let request = Request::get(path)
            .header("host", &self.host)
            .body(Full::new(Bytes::new()))?;
        self.send(request).await
    }

    async fn send(&mut self, request: Request<Full<Bytes>>) -> Result<(StatusCode, Bytes)> {
        self.sender.ready().await?;
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
    request_body(shape.query(), &variant.variables)
}

/// The body of a GraphQL request.
pub fn request_body(query: &str, variables: &Value) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&serde_json::json!({ "query": query, "variables": variables }))
            .expect("JSON"),
    )
}

/// Whether an answer reports GraphQL errors: a byte search, cheap enough for the loop.
fn has_errors(body: &[u8]) -> bool {
    body.windows(9).any(|w| w == b"\"errors\":")
}

/// What an HTTP worker sends: GraphQL bodies in turn, or one GET.
#[derive(Clone)]
pub enum Requests {
    Post(Arc<Vec<Bytes>>),
    Get(&'static str),
}

/// HTTP: `concurrency` connections, each a closed loop over the requests.
pub async fn http(
    addr: SocketAddr,
    requests: Requests,
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
        let requests = requests.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::new();
            let mut next = worker;
            loop {
                let sent = Instant::now();
                if sent >= clock.until {
                    break;
                }
                let answer = match &requests {
                    Requests::Post(bodies) => {
                        let body = bodies[next % bodies.len()].clone();
                        tokio::time::timeout(REQUEST_TIMEOUT, client.post(body)).await
                    }
                    Requests::Get(path) => {
                        tokio::time::timeout(REQUEST_TIMEOUT, client.get(path)).await
                    }
                };
                next += concurrency;
                let (status, answer) = match answer {
                    Ok(Ok(answered)) => answered,
                    // A server that hangs must not hang the suite.
                    Err(_) => {
                        tally.failed(format!("no answer in {} s", REQUEST_TIMEOUT.as_secs()));
                        break;
                    }
                    // The connection broke (closed or reset by the server):
                    // a failed request, and the worker goes on over a new one,
                    // as a browser or a gateway would.
                    Ok(Err(err)) => match Client::connect(addr).await {
                        Ok(fresh) => {
                            tally.failed(format!("{err:#}"));
                            client = fresh;
                            continue;
                        }
                        Err(again) => {
                            tally.failed(format!("{err:#}; reconnecting: {again:#}"));
                            break;
                        }
                    },
                };
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
    floor: Arc<Floor>,
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
        let floor = floor.clone();
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
                let outcome = floor.run(shape, variant, false).await;
                // Counted by when it finished, so a request longer than the
                // warm-up still counts, with its whole latency.
                let done = Instant::now();
                if done >= clock.measure_from {
                    let micros = (done - sent).as_micros() as u64;
                    tally.histogram.saturating_record(micros.max(1));
                    tally.requests += 1;
                    if let Err(err) = outcome {
                        tally.errors += 1;
                        tally.first_failure.get_or_insert(err.to_string());
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
