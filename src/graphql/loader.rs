//! The per-request data loader and the helpers every type's loaders share.
//!
//! One `DataLoader<RegistryLoader>` is made per request (see `request_scope.rs`):
//! its cache then holds only what this request read, so an import is visible
//! to the next request, and the statements it runs can be counted for the
//! request. Each type module implements `Loader<K>` for its own key structs;
//! every implementation runs one `WHERE column IN (..)` statement per batch
//! and answers every key it was given.
//!
//! When a batch is sent is decided by the request's progress, not by a
//! timer. async-graphql's own rule (wait `delay`, then send what has arrived)
//! splits a level's keys into several batches whenever resolving the level
//! takes longer than the delay, and adds the delay to every level. Here each
//! request runs level by level (`LevelSchedule`): it is polled until every
//! resolver waits on the database, then every fetch asked for in that pass
//! runs at once, and the request is polled again only when all are done. A
//! level's keys therefore always meet in one batch, and the statements a
//! query runs are the same on every run.

use std::collections::HashMap;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::futures_util::future::BoxFuture;
use async_graphql::futures_util::task::AtomicWaker;
use sea_orm::sea_query::{Condition, IntoCondition};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db::CountingConnection;
use crate::error::AppError;

/// Loads registry rows by key, batched within a request.
pub struct RegistryLoader {
    pub(crate) db: CountingConnection,
}

pub type Loaders = DataLoader<RegistryLoader, HashMapCache>;

/// Loader errors are shared between every resolver waiting on the batch.
pub type LoadResult<T> = Result<T, Arc<DbErr>>;

impl RegistryLoader {
    /// The loaders of one request, fetching on the request's schedule.
    pub fn for_request(db: CountingConnection, schedule: Arc<LevelSchedule>) -> Loaders {
        let spawn = move |fetch: BoxFuture<'static, ()>| schedule.spawn(fetch);
        DataLoader::with_cache(Self { db }, spawn, HashMapCache::default()).delay(Duration::ZERO)
    }
}

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

/// The request's loaders, which `RequestScope` puts in every request.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// Runs statements that are not batched (root lists, searches) on the
/// request's schedule, like a loader's fetch.
pub async fn fetch<T, F, Fut>(ctx: &Context<'_>, statements: F) -> Result<T, AppError>
where
    F: FnOnce(CountingConnection) -> Fut,
    Fut: Future<Output = Result<T, DbErr>> + Send + 'static,
    T: Send + 'static,
{
    let db = loaders(ctx).loader().db.clone();
    let schedule = ctx.data_unchecked::<Arc<LevelSchedule>>();
    match schedule.spawn(statements(db)).await {
        Ok(result) => Ok(result?),
        Err(panicked) => Err(AppError::Corrupt(format!("a fetch failed: {panicked}"))),
    }
}

/// A record that statistics, liaisons, positions or standards hang from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    Committee(i32),
    WorkingGroup(i32),
}

impl Owner {
    /// The owners a row names through its two nullable foreign keys.
    pub fn of(
        committee_id: Option<i32>,
        working_group_id: Option<i32>,
    ) -> impl Iterator<Item = Owner> {
        committee_id
            .map(Owner::Committee)
            .into_iter()
            .chain(working_group_id.map(Owner::WorkingGroup))
    }

    /// `committee_column IN (..) OR working_group_column IN (..)` for these owners.
    pub fn condition<C: ColumnTrait>(
        owners: &[Owner],
        committee_column: C,
        working_group_column: C,
    ) -> Condition {
        let (mut committees, mut groups) = (Vec::new(), Vec::new());
        for owner in owners {
            match *owner {
                Owner::Committee(id) => committees.push(id),
                Owner::WorkingGroup(id) => groups.push(id),
            }
        }
        let mut condition = Condition::any();
        if !committees.is_empty() {
            condition = condition.add(committee_column.is_in(committees));
        }
        if !groups.is_empty() {
            condition = condition.add(working_group_column.is_in(groups));
        }
        condition
    }
}

/// Every row of `E` that meets `condition`, ordered by `order`.
pub async fn rows_where<E>(
    db: &CountingConnection,
    condition: impl IntoCondition,
    order: E::Column,
) -> LoadResult<Vec<Arc<E::Model>>>
where
    E: EntityTrait,
{
    let rows = E::find()
        .filter(condition)
        .order_by_asc(order)
        .all(db)
        .await
        .map_err(Arc::new)?;
    Ok(rows.into_iter().map(Arc::new).collect())
}

/// Rows keyed one-to-one: `key_of` gives the key a row answers.
pub fn index_by<K, M>(rows: Vec<M>, key_of: impl Fn(&M) -> K) -> HashMap<K, M>
where
    K: Eq + Hash,
{
    rows.into_iter().map(|row| (key_of(&row), row)).collect()
}

/// Rows grouped one-to-many, in row order: every requested key is present,
/// with an empty list where no row matched.
pub fn group_by<K, M, I>(keys: &[K], rows: Vec<M>, keys_of: impl Fn(&M) -> I) -> HashMap<K, Vec<M>>
where
    K: Eq + Hash + Clone,
    M: Clone,
    I: IntoIterator<Item = K>,
{
    let mut groups: HashMap<K, Vec<M>> = keys.iter().map(|key| (key.clone(), Vec::new())).collect();
    for row in rows {
        for key in keys_of(&row) {
            if let Some(group) = groups.get_mut(&key) {
                group.push(row.clone());
            }
        }
    }
    groups
}
