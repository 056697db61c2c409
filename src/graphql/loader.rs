//! The per-request data loader, and the generic loaders every type's
//! relations are declared over.
//!
//! One `DataLoader<RegistryLoader>` is made per request (see
//! `execution/mod.rs`), so the statements it runs can be counted for the
//! request; it caches nothing (see `Loaders`). Nothing here outlives a
//! request; the only
//! cache that does is the response cache (`http/response_cache.rs`), which
//! checks the data version before serving.
//!
//! The keys, over any entity: `ById<E>` (a row by its primary key),
//! `ByKey<R>` (a row by a unique text column), `ChildrenOf<R>` (the rows
//! whose foreign key names a parent) and `HeldBy<R>` (the rows a committee
//! or working group holds through two nullable foreign keys). A type's
//! module declares each relation once, as a unit struct implementing
//! `Relation` or `Holding`, and calls these. Every batch is one `WHERE
//! column IN (..)` statement and answers every key it was given (an empty
//! list where no row matched). Batches are sent on the request's own
//! schedule (`execution/schedule.rs`), never by a timer. A few lookups that
//! go through another table (codes through alias tables, the committee tree,
//! pages of standards) have loaders of their own, in their type's module.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader, NoCache};
use async_graphql::futures_util::future::BoxFuture;
use sea_orm::sea_query::{Condition, IntoCondition};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn, QueryFilter,
    QueryOrder, Value,
};

use crate::db::CountingConnection;
use crate::error::AppError;
use crate::execution::schedule::LevelSchedule;

/// Loads registry rows by key, batched within a request.
pub struct RegistryLoader {
    pub(crate) db: CountingConnection,
}

/// Without a cache: a row read at one level is read again at another (in
/// the same statement as the rest of that level). A cache would answer it
/// at once, so its children would be asked for one poll pass before their
/// siblings', in a statement of their own: the statements a query runs
/// would then depend on which rows it met, not only on its depth.
pub type Loaders = DataLoader<RegistryLoader, NoCache>;

/// Loader errors are shared between every resolver waiting on the batch.
pub type LoadResult<T> = Result<T, Arc<DbErr>>;

impl RegistryLoader {
    /// The loaders of one request, fetching on the request's schedule.
    pub fn for_request(db: CountingConnection, schedule: Arc<LevelSchedule>) -> Loaders {
        let spawn = move |fetch: BoxFuture<'static, ()>| schedule.spawn(fetch);
        DataLoader::with_cache(Self { db }, spawn, NoCache)
            .delay(Duration::ZERO)
            .max_batch_size(MAX_BATCH_KEYS)
    }
}

/// Keys in one batch, one statement: async-graphql's default (1,000) would
/// split a level's keys into several statements. Bounded by the bind
/// parameters a statement may carry (SQLite 32,766, PostgreSQL 65,535) with
/// room for loaders that bind each key twice.
pub const MAX_BATCH_KEYS: usize = 10_000;

/// The request's loaders, which the executor puts in every request.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The rows `key` names, each wrapped as its GraphQL type (`wrap`): what
/// a list field of a relation answers.
pub async fn related<K, M, T>(
    ctx: &Context<'_>,
    key: K,
    wrap: impl Fn(Arc<M>) -> T,
) -> Result<Vec<T>, AppError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    M: Send + Sync + 'static,
    RegistryLoader: Loader<K, Value = Vec<Arc<M>>, Error = Arc<DbErr>>,
{
    let rows = loaders(ctx).load_one(key).await?.unwrap_or_default();
    Ok(rows.into_iter().map(wrap).collect())
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

/// A relation a type declares: the rows of `Entity` found by `column`, a
/// unique text key (`ByKey`) or a parent's id (`ChildrenOf`), listed in
/// `order`.
pub trait Relation: Send + Sync + 'static {
    type Entity: EntityTrait;
    fn column() -> <Self::Entity as EntityTrait>::Column;
    fn order() -> <Self::Entity as EntityTrait>::Column;
}

/// Rows a committee or a working group holds, through one nullable foreign
/// key to each (liaisons, positions, statistics), listed in `order`.
pub trait Holding: Send + Sync + 'static {
    type Entity: EntityTrait;
    fn committee() -> <Self::Entity as EntityTrait>::Column;
    fn working_group() -> <Self::Entity as EntityTrait>::Column;
    fn order() -> <Self::Entity as EntityTrait>::Column;
}

/// Declares a key type generic over what it looks up, with the traits a
/// loader key needs whatever that is (the derives would ask them of it).
macro_rules! loader_key {
    ($(#[$doc:meta])* $name:ident<$param:ident>($value:ty)) => {
        $(#[$doc])*
        pub struct $name<$param>(pub $value, PhantomData<fn() -> $param>);

        impl<$param> $name<$param> {
            pub fn new(value: $value) -> Self {
                Self(value, PhantomData)
            }
        }

        impl<$param> Clone for $name<$param> {
            fn clone(&self) -> Self {
                Self::new(self.0.clone())
            }
        }

        impl<$param> PartialEq for $name<$param> {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }

        impl<$param> Eq for $name<$param> {}

        impl<$param> Hash for $name<$param> {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state)
            }
        }

        impl<$param> fmt::Debug for $name<$param> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

loader_key!(
    /// A row of `E` by its primary key.
    ById<E>(i32)
);
loader_key!(
    /// The row whose `R::column()` holds this text.
    ByKey<R>(String)
);
loader_key!(
    /// The rows whose `R::column()` names this parent, in `R::order()`.
    ChildrenOf<R>(i32)
);
loader_key!(
    /// The rows this committee or working group holds, in `R::order()`.
    HeldBy<R>(Owner)
);

/// The single-column primary key of `E`.
fn primary_key<E: EntityTrait>() -> E::Column {
    E::PrimaryKey::iter()
        .next()
        .expect("every registry table has a primary key")
        .into_column()
}

/// An integer column's value; `None` for null.
fn integer(value: Value) -> Option<i32> {
    match value {
        Value::Int(value) => value,
        _ => None,
    }
}

/// A text column's value; `None` for null.
fn text(value: Value) -> Option<String> {
    match value {
        Value::String(value) => value,
        _ => None,
    }
}

impl<E> Loader<ById<E>> for RegistryLoader
where
    E: EntityTrait,
    E::Model: Sync,
{
    type Value = Arc<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ById<E>]) -> LoadResult<HashMap<ById<E>, Self::Value>> {
        let id = primary_key::<E>();
        let rows = rows_where::<E>(&self.db, id.is_in(keys.iter().map(|key| key.0)), id).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((ById::new(integer(row.get(id))?), row)))
            .collect())
    }
}

impl<R> Loader<ByKey<R>> for RegistryLoader
where
    R: Relation,
    <R::Entity as EntityTrait>::Model: Sync,
{
    type Value = Arc<<R::Entity as EntityTrait>::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ByKey<R>]) -> LoadResult<HashMap<ByKey<R>, Self::Value>> {
        let column = R::column();
        let condition = column.is_in(keys.iter().map(|key| key.0.clone()));
        let rows = rows_where::<R::Entity>(&self.db, condition, R::order()).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((ByKey::new(text(row.get(column))?), row)))
            .collect())
    }
}

impl<R> Loader<ChildrenOf<R>> for RegistryLoader
where
    R: Relation,
    <R::Entity as EntityTrait>::Model: Sync,
{
    type Value = Vec<Arc<<R::Entity as EntityTrait>::Model>>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[ChildrenOf<R>],
    ) -> LoadResult<HashMap<ChildrenOf<R>, Self::Value>> {
        let column = R::column();
        let condition = column.is_in(keys.iter().map(|key| key.0));
        let rows = rows_where::<R::Entity>(&self.db, condition, R::order()).await?;
        Ok(group_by(keys, rows, |row| {
            integer(row.get(column)).map(ChildrenOf::new)
        }))
    }
}

impl<R> Loader<HeldBy<R>> for RegistryLoader
where
    R: Holding,
    <R::Entity as EntityTrait>::Model: Sync,
{
    type Value = Vec<Arc<<R::Entity as EntityTrait>::Model>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[HeldBy<R>]) -> LoadResult<HashMap<HeldBy<R>, Self::Value>> {
        let owners: Vec<Owner> = keys.iter().map(|key| key.0).collect();
        let condition = Owner::condition(&owners, R::committee(), R::working_group());
        let rows = rows_where::<R::Entity>(&self.db, condition, R::order()).await?;
        Ok(group_by(keys, rows, |row| {
            Owner::of(
                integer(row.get(R::committee())),
                integer(row.get(R::working_group())),
            )
            .map(HeldBy::new)
        }))
    }
}
