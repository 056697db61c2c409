//! When a request's batched fetches run: decided by the request's progress,
//! not by a timer.
//!
//! async-graphql's own rule (wait `delay`, then send what has arrived)
//! splits a level's keys into several batches whenever resolving the level
//! takes longer than the delay, and adds the delay to every level. Here each
//! request runs level by level (`LevelSchedule`): it is polled until every
//! resolver waits on the database, then every fetch asked for in that pass
//! runs at once, and the request is polled again only when all are done. A
//! level's keys therefore always meet in one batch, and the statements a
//! query runs are the same on every run.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Poll, Wake, Waker};

use async_graphql::futures_util::task::AtomicWaker;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Runs a request's database work level by level: see the module's comment.
pub struct LevelSchedule {
    /// Poll passes of the request so far; a fetch starts once the pass that asked for it is over.
    passes: watch::Sender<u64>,
    /// Fetches asked for and not yet done; the request is not polled while any are.
    in_flight: AtomicUsize,
    request: AtomicWaker,
}

impl LevelSchedule {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            passes: watch::Sender::new(0),
            in_flight: AtomicUsize::new(0),
            request: AtomicWaker::new(),
        })
    }

    /// Runs `fetch` in a task of its own once the current poll pass is over.
    pub fn spawn<F>(self: &Arc<Self>, fetch: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let done = FetchDone(self.clone());
        let mut passes = self.passes.subscribe();
        let asked_in = *passes.borrow_and_update();
        tokio::spawn(async move {
            // An error means the request is gone: fetching is then harmless.
            let _ = passes.wait_for(|pass| *pass > asked_in).await;
            let output = fetch.await;
            drop(done);
            output
        })
    }

    /// Runs `request` on this schedule.
    pub async fn run<F: Future>(self: Arc<Self>, request: F) -> F::Output {
        Scheduled {
            request: Box::pin(request),
            schedule: self,
        }
        .await
    }
}

/// Marks a fetch done, also when its task panics or is cancelled, so the
/// request is never left waiting.
struct FetchDone(Arc<LevelSchedule>);

impl Drop for FetchDone {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.request.wake();
        }
    }
}

struct Scheduled<F: Future> {
    request: Pin<Box<F>>,
    schedule: Arc<LevelSchedule>,
}

impl<F: Future> Future for Scheduled<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        // Register before looking, so a fetch finishing in between still wakes us.
        self.schedule.request.register(cx.waker());
        if self.schedule.in_flight.load(Ordering::SeqCst) > 0 {
            return Poll::Pending;
        }
        // A pass lasts while the request wakes itself: async-graphql resolves
        // long lists through `FuturesUnordered`, which stops after a few dozen
        // items, wakes itself and returns, to be fair to other tasks. Those
        // items' keys belong to the same level, so the pass goes on (bounded,
        // so a future that never stops yielding still lets fetches start).
        for _ in 0..MAX_POLLS_PER_PASS {
            let woken = Arc::new(SelfWake {
                woken: AtomicBool::new(false),
                waker: cx.waker().clone(),
            });
            let waker = Waker::from(woken.clone());
            let polled = self
                .request
                .as_mut()
                .poll(&mut std::task::Context::from_waker(&waker));
            if polled.is_ready() || !woken.woken.load(Ordering::SeqCst) {
                self.schedule.passes.send_modify(|pass| *pass += 1);
                return polled;
            }
        }
        self.schedule.passes.send_modify(|pass| *pass += 1);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Polls of the request in one pass at most.
const MAX_POLLS_PER_PASS: usize = 1_000;

/// Records that the request was woken while it was being polled, and passes
/// the wake on.
struct SelfWake {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for SelfWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.waker.wake_by_ref();
    }
}

impl<F: Future> Drop for Scheduled<F> {
    fn drop(&mut self) {
        // Lets the fetches of an abandoned request run to their end.
        self.schedule.passes.send_modify(|pass| *pass += 1);
    }
}
