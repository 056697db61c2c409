//! The per-request data loader and the helpers every type's loaders share.
//!
//! One `DataLoader<RegistryLoader>` is made per request (see
//! `execution/mod.rs`): its cache then holds only what this request read, so
//! an import is visible to the next request, and the statements it runs can
//! be counted for the request. Each type module implements `Loader<K>` for
//! its own key structs; every implementation runs one `WHERE column IN (..)`
//! statement per batch and answers every key it was given. Batches are sent
//! on the request's own schedule (`execution/schedule.rs`), never by a timer.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::futures_util::future::BoxFuture;
use sea_orm::sea_query::{Condition, IntoCondition};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::db::CountingConnection;
use crate::error::AppError;
use crate::execution::schedule::LevelSchedule;

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

/// The request's loaders, which the executor puts in every request.
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
