//! `Committee`: a national technical committee or subcommittee, its root
//! fields, its federation entity, and its loaders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, Object};
use entity::{committee, committee_alias};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::connection::{Connection, PageArgs, sql_page};
use super::id::{NodeType, encode};
use super::liaison::{Liaison, LiaisonsOf};
use super::loader::{
    ById, ChildrenOf, LoadResult, Owner, RegistryLoader, Relation, group_by, loaders, related,
};
use super::position::{Position, PositionsHeldBy};
use super::source::{Source, sources};
use super::standard_facets::{StandardConnection, StatusCount, standard_counts};
use super::standard_filter::{StandardFilter, StandardOrder, standards_of};
use super::statistic::{Statistic, StatisticsOf};
use super::working_group::{WorkingGroup, WorkingGroupsOf};
use crate::codes::lookup_key;
use crate::error::AppResult;

/// Whether a committee is a technical committee or one of its subcommittees.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::committee::CommitteeKind")]
pub enum CommitteeKind {
    TechnicalCommittee,
    Subcommittee,
}

/// A national technical committee or subcommittee, e.g. SAC/TC28 or SAC/TC28/SC42.
#[derive(Clone, Debug)]
pub struct Committee(pub Arc<committee::Model>);

#[Object(cache_control(max_age = 300))]
impl Committee {
    /// Opaque global id, stable across restarts; `node(id:)` resolves it.
    pub async fn id(&self) -> ID {
        encode(NodeType::Committee, &self.0.code)
    }

    /// Canonical code, e.g. SAC/TC28 or SAC/TC28/SC42.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Other spellings that resolve to this committee, e.g. TC28/SC42, SAC/SC42.
    async fn aliases(&self, ctx: &Context<'_>) -> AppResult<Vec<String>> {
        Ok(loaders(ctx)
            .load_one(AliasesOf(self.0.id))
            .await?
            .unwrap_or_default())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> CommitteeKind {
        self.0.kind.into()
    }

    /// Year founded, where a report states it.
    async fn founded(&self) -> Option<i32> {
        self.0.founded
    }

    /// Field of work, as a report states it.
    async fn scope(&self) -> Option<&str> {
        self.0.scope.as_deref()
    }

    /// The technical committee a subcommittee belongs to.
    async fn parent(&self, ctx: &Context<'_>) -> AppResult<Option<Committee>> {
        match self.0.parent_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(CommitteeById::new(id))
                .await?
                .map(Committee)),
            None => Ok(None),
        }
    }

    /// Subcommittees, by code.
    async fn subcommittees(&self, ctx: &Context<'_>) -> AppResult<Vec<Committee>> {
        related(ctx, SubcommitteesOf::new(self.0.id), Committee).await
    }

    /// Working and research groups directly under this committee, by code.
    async fn working_groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<WorkingGroup>> {
        let args = PageArgs::forward(first, after);
        // Bad page arguments are refused before the groups are read.
        args.validate()?;
        let rows = loaders(ctx)
            .load_one(WorkingGroupsOf::new(self.0.id))
            .await?
            .unwrap_or_default();
        Connection::from_list(rows.into_iter().map(WorkingGroup).collect(), &args)
    }

    /// Standards this committee is responsible for, its working groups' included.
    #[allow(clippy::too_many_arguments)]
    async fn standards(
        &self,
        ctx: &Context<'_>,
        filter: Option<StandardFilter>,
        order_by: Option<Vec<StandardOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<StandardConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        standards_of(ctx, Owner::Committee(self.0.id), filter, order_by, &args).await
    }

    /// This committee's standards by status: the standards its `standards`
    /// list holds without a filter (its working groups' included, its
    /// subcommittees' not: they have counts of their own). Ordered by count,
    /// largest first, ties by status name.
    async fn standard_counts(&self, ctx: &Context<'_>) -> AppResult<Vec<StatusCount>> {
        standard_counts(ctx, Owner::Committee(self.0.id)).await
    }

    /// Relations with international bodies: mirrors, leadership roles, participation.
    async fn liaisons(&self, ctx: &Context<'_>) -> AppResult<Vec<Liaison>> {
        related(ctx, LiaisonsOf::new(Owner::Committee(self.0.id)), Liaison).await
    }

    /// Roles experts hold in this committee.
    async fn positions(&self, ctx: &Context<'_>) -> AppResult<Vec<Position>> {
        related(
            ctx,
            PositionsHeldBy::new(Owner::Committee(self.0.id)),
            Position,
        )
        .await
    }

    /// Figures the reports state about this committee.
    async fn statistics(&self, ctx: &Context<'_>) -> AppResult<Vec<Statistic>> {
        related(
            ctx,
            StatisticsOf::new(Owner::Committee(self.0.id)),
            Statistic,
        )
        .await
    }

    /// Where the reports state this committee.
    async fn sources(&self) -> Vec<Source> {
        sources(&self.0.sources)
    }

    /// How the dataset read the reports where they are ambiguous.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
}

/// Root fields and the federation entity of `Committee`.
#[derive(Default)]
pub struct CommitteeQuery;

#[Object(cache_control(max_age = 300))]
impl CommitteeQuery {
    /// Accepts the canonical code or any alias.
    async fn committee(&self, ctx: &Context<'_>, code: String) -> AppResult<Option<Committee>> {
        committee_by_code(ctx, &code).await
    }

    /// Every committee, by code.
    async fn committees(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Committee>> {
        let select = committee::Entity::find().order_by_asc(committee::Column::Code);
        sql_page(ctx, select, &PageArgs::forward(first, after), Committee).await
    }

    /// Federation: a committee by its `code` key (aliases accepted).
    #[graphql(entity)]
    async fn find_committee_by_code(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> AppResult<Option<Committee>> {
        committee_by_code(ctx, &code).await
    }
}

pub async fn committee_by_code(ctx: &Context<'_>, code: &str) -> AppResult<Option<Committee>> {
    Ok(loaders(ctx)
        .load_one(CommitteeByCode(lookup_key(code)))
        .await?
        .map(Committee))
}

/// A committee by row id.
pub type CommitteeById = ById<committee::Entity>;

/// The subcommittees of a committee, by code.
pub type SubcommitteesOf = ChildrenOf<Subcommittees>;

/// A committee's subcommittees: committees whose parent it is.
pub struct Subcommittees;

impl Relation for Subcommittees {
    type Entity = committee::Entity;
    fn column() -> committee::Column {
        committee::Column::ParentId
    }
    fn order() -> committee::Column {
        committee::Column::Code
    }
}

/// A committee by the lookup key of its code or any alias.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CommitteeByCode(pub String);

/// The aliases of a committee, its canonical code left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AliasesOf(pub i32);

/// The committee and everything below it, as row ids: what a filter on a
/// committee covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubtreeOf(pub i32);

impl Loader<CommitteeByCode> for RegistryLoader {
    type Value = Arc<committee::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[CommitteeByCode],
    ) -> LoadResult<HashMap<CommitteeByCode, Self::Value>> {
        let condition =
            committee_alias::Column::AliasKey.is_in(keys.iter().map(|key| key.0.clone()));
        Ok(aliases_with_committees(&self.db, condition)
            .await?
            .into_iter()
            .map(|(alias, committee)| (CommitteeByCode(alias.alias_key), Arc::new(committee)))
            .collect())
    }
}

impl Loader<AliasesOf> for RegistryLoader {
    type Value = Vec<String>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[AliasesOf]) -> LoadResult<HashMap<AliasesOf, Self::Value>> {
        let condition = committee_alias::Column::CommitteeId.is_in(keys.iter().map(|key| key.0));
        // The alias table holds the canonical code too, so that one lookup
        // finds any spelling; it is left out of `aliases`.
        let aliases = aliases_with_committees(&self.db, condition)
            .await?
            .into_iter()
            .filter(|(alias, committee)| alias.alias != committee.code)
            .map(|(alias, _)| alias)
            .collect();
        let groups = group_by(keys, aliases, |alias| Some(AliasesOf(alias.committee_id)));
        Ok(groups
            .into_iter()
            .map(|(key, rows)| (key, rows.into_iter().map(|row| row.alias).collect()))
            .collect())
    }
}

/// Aliases meeting `condition`, each with its committee, in one statement.
async fn aliases_with_committees(
    db: &crate::db::CountingConnection,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> LoadResult<Vec<(committee_alias::Model, committee::Model)>> {
    let rows = committee_alias::Entity::find()
        .find_also_related(committee::Entity)
        .filter(condition)
        .order_by_asc(committee_alias::Column::Id)
        .all(db)
        .await
        .map_err(Arc::new)?;
    Ok(rows
        .into_iter()
        .filter_map(|(alias, committee)| committee.map(|committee| (alias, committee)))
        .collect())
}

impl Loader<SubtreeOf> for RegistryLoader {
    type Value = Vec<i32>;
    type Error = Arc<DbErr>;

    /// Committees are few (tens), so one statement reads the whole tree.
    async fn load(&self, keys: &[SubtreeOf]) -> LoadResult<HashMap<SubtreeOf, Self::Value>> {
        let tree: Vec<(i32, Option<i32>)> = committee::Entity::find()
            .all(&self.db)
            .await
            .map_err(Arc::new)?
            .into_iter()
            .map(|row| (row.id, row.parent_id))
            .collect();
        Ok(keys
            .iter()
            .map(|&SubtreeOf(root)| {
                let mut members = vec![root];
                let mut next = 0;
                while next < members.len() {
                    let parent = members[next];
                    members.extend(
                        tree.iter()
                            .filter(|(_, p)| *p == Some(parent))
                            .map(|(id, _)| *id),
                    );
                    next += 1;
                }
                (SubtreeOf(root), members)
            })
            .collect())
    }
}
