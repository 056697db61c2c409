//! Per-client limits: requests and complexity per second, each client a
//! GCRA bucket of `governor`'s keyed rate limiter (a burst of one second's
//! worth, refilled continuously). A client is what `http/client.rs` names:
//! the `apollographql-client-name` a trusted gateway sends, else the peer's
//! address.
//!
//! Memory: a tracked client is its key (at most `MAX_CLIENT_KEY` bytes) and
//! one 8-byte state; a client whose bucket is full again (idle for a second
//! or so) is indistinguishable from a new one and is forgotten by the sweep
//! that runs every `SWEEP_EVERY` checks, so the table holds the clients of
//! the last moments, not every client ever seen.
//!
//! Time comes from `LimitClock`: the system's, or one a test moves by hand,
//! so that a test proves a limit with an exact burst and no sleep.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

/// The longest client key kept: a longer name is cut (by the HTTP layer).
pub const MAX_CLIENT_KEY: usize = 128;

/// Checks between two sweeps of idle clients.
const SWEEP_EVERY: u64 = 1024;

/// The clock of the limits.
#[derive(Clone, Debug)]
pub struct LimitClock {
    origin: Instant,
    /// Nanoseconds added by hand (all of the time of a manual clock).
    advanced: Arc<AtomicU64>,
    manual: bool,
}

impl LimitClock {
    /// The system's monotonic clock.
    pub fn system() -> Self {
        Self {
            origin: Instant::now(),
            advanced: Arc::default(),
            manual: false,
        }
    }

    /// A clock that stands still until `advance` moves it.
    pub fn manual() -> Self {
        Self {
            manual: true,
            ..Self::system()
        }
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: Duration) {
        self.advanced
            .fetch_add(by.as_nanos() as u64, Ordering::SeqCst);
    }
}

impl Clock for LimitClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        let advanced = Duration::from_nanos(self.advanced.load(Ordering::SeqCst));
        if self.manual {
            advanced
        } else {
            self.origin.elapsed() + advanced
        }
    }
}

type Limiter = RateLimiter<String, DashMapStateStore<String>, LimitClock, NoOpMiddleware<Duration>>;

/// Which limit refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Requests,
    Complexity,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requests => "requests",
            Self::Complexity => "complexity",
        }
    }
}

/// A refusal: which limit, and when to try again (whole seconds, at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    pub limit: Limit,
    pub retry_after_secs: u64,
}

/// The per-client limits of one server.
pub struct ClientLimits {
    requests: Option<Limiter>,
    complexity: Option<(Limiter, NonZeroU32)>,
    clock: LimitClock,
    checks: AtomicU64,
}

impl std::fmt::Debug for ClientLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientLimits").finish_non_exhaustive()
    }
}

impl ClientLimits {
    /// `requests_per_second` and `complexity_per_second` per client, each 0
    /// for no limit, on `clock`.
    pub fn new(requests_per_second: u32, complexity_per_second: u32, clock: LimitClock) -> Self {
        let limiter = |per_second| {
            NonZeroU32::new(per_second).map(|rate| {
                (
                    RateLimiter::new(
                        Quota::per_second(rate),
                        DashMapStateStore::default(),
                        clock.clone(),
                    ),
                    rate,
                )
            })
        };
        Self {
            requests: limiter(requests_per_second).map(|(limiter, _)| limiter),
            complexity: limiter(complexity_per_second),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one request of `client`.
    pub fn check_request(&self, client: &str) -> Result<(), Limited> {
        let Some(limiter) = &self.requests else {
            return Ok(());
        };
        self.sweep();
        let key = client.to_owned();
        limiter.check_key(&key).map_err(|not_until| {
            self.limited(Limit::Requests, not_until.wait_time_from(self.clock.now()))
        })
    }

    /// Counts `complexity` for `client`; an operation costing more than a
    /// whole second's budget takes the whole of it.
    pub fn check_complexity(&self, client: &str, complexity: usize) -> Result<(), Limited> {
        let Some((limiter, burst)) = &self.complexity else {
            return Ok(());
        };
        let Some(cells) = NonZeroU32::new(u32::try_from(complexity).unwrap_or(u32::MAX)) else {
            return Ok(());
        };
        self.sweep();
        let cells = cells.min(*burst);
        let key = client.to_owned();
        match limiter.check_key_n(&key, cells) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(self.limited(
                Limit::Complexity,
                not_until.wait_time_from(self.clock.now()),
            )),
            // `cells` is at most the burst: cannot happen.
            Err(_) => Err(self.limited(Limit::Complexity, Duration::from_secs(1))),
        }
    }

    /// Clients tracked now (their buckets not yet full again), for `/metrics`.
    pub fn tracked(&self) -> usize {
        self.requests.as_ref().map_or(0, |l| l.len())
            + self.complexity.as_ref().map_or(0, |(l, _)| l.len())
    }

    /// Forgets idle clients, every `SWEEP_EVERY` checks.
    fn sweep(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.forget_idle();
        }
    }

    /// Forgets every client whose buckets are full again.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.requests {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some((limiter, _)) = &self.complexity {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    fn limited(&self, limit: Limit, wait: Duration) -> Limited {
        Limited {
            limit,
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        }
    }
}
