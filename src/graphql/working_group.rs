//! `WorkingGroup`: a working or research group of a committee, its root
//! fields, its federation entity, and its loaders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, Object};
use entity::{working_group, working_group_alias};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::committee::{Committee, CommitteeById, SubtreeOf, committee_by_code};
use super::connection::{Connection, PageArgs, sql_page};
use super::id::{NodeType, encode};
use super::liaison::{Liaison, LiaisonsOf};
use super::loader::{
    ById, ChildrenOf, LoadResult, Owner, RegistryLoader, Relation, loaders, related,
};
use super::position::{Position, PositionsHeldBy};
use super::source::{Source, sources};
use super::standard_facets::{StandardConnection, StatusCount, standard_counts};
use super::standard_filter::{StandardFilter, StandardOrder, standards_of};
use super::statistic::{Statistic, StatisticsOf};
use crate::codes::lookup_key;
use crate::error::{AppError, AppResult};

/// What kind of group it is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::working_group::WorkingGroupKind")]
pub enum WorkingGroupKind {
    WorkingGroup,
    ResearchGroup,
}

/// A working group or research group of a committee.
#[derive(Clone, Debug)]
pub struct WorkingGroup(pub Arc<working_group::Model>);

#[Object(cache_control(max_age = 300))]
impl WorkingGroup {
    /// Opaque global id, stable across restarts; `node(id:)` resolves it.
    pub async fn id(&self) -> ID {
        encode(NodeType::WorkingGroup, &self.0.code)
    }

    /// Canonical code, e.g. SAC/TC28/WG34 or SAC/TC28/SC7/WG7; groups without a number get a stable slug code.
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Working group or research group.
    async fn kind(&self) -> WorkingGroupKind {
        self.0.kind.into()
    }

    /// The committee the group belongs to.
    async fn committee(&self, ctx: &Context<'_>) -> AppResult<Committee> {
        loaders(ctx)
            .load_one(CommitteeById::new(self.0.committee_id))
            .await?
            .map(Committee)
            .ok_or_else(|| {
                AppError::Corrupt(format!("working group {} has no committee", self.0.id))
            })
    }

    /// Year established, where a report states it.
    async fn established(&self) -> Option<i32> {
        self.0.established
    }

    /// What the group works on, as a report states it.
    async fn focus(&self) -> Option<&str> {
        self.0.focus.as_deref()
    }

    /// Standards this group is responsible for.
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
        standards_of(ctx, Owner::WorkingGroup(self.0.id), filter, order_by, &args).await
    }

    /// This group's standards by status: the standards its `standards` list
    /// holds without a filter. Ordered by count, largest first, ties by
    /// status name.
    async fn standard_counts(&self, ctx: &Context<'_>) -> AppResult<Vec<StatusCount>> {
        standard_counts(ctx, Owner::WorkingGroup(self.0.id)).await
    }

    /// Relations with international bodies.
    async fn liaisons(&self, ctx: &Context<'_>) -> AppResult<Vec<Liaison>> {
        related(
            ctx,
            LiaisonsOf::new(Owner::WorkingGroup(self.0.id)),
            Liaison,
        )
        .await
    }

    /// Roles experts hold in this group.
    async fn positions(&self, ctx: &Context<'_>) -> AppResult<Vec<Position>> {
        let holder = PositionsHeldBy::new(Owner::WorkingGroup(self.0.id));
        related(ctx, holder, Position).await
    }

    /// Figures the reports state about this group.
    async fn statistics(&self, ctx: &Context<'_>) -> AppResult<Vec<Statistic>> {
        related(
            ctx,
            StatisticsOf::new(Owner::WorkingGroup(self.0.id)),
            Statistic,
        )
        .await
    }

    /// Where the reports state this group.
    async fn sources(&self) -> Vec<Source> {
        sources(&self.0.sources)
    }

    /// How the dataset read the reports where they are ambiguous.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
}

/// Root fields and the federation entity of `WorkingGroup`.
#[derive(Default)]
pub struct WorkingGroupQuery;

#[Object(cache_control(max_age = 300))]
impl WorkingGroupQuery {
    /// A working group by code; the committee part may be any of its committee's aliases (TC28/WG34).
    async fn working_group(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> AppResult<Option<WorkingGroup>> {
        working_group_by_code(ctx, &code).await
    }

    /// Working groups by code; with `committee`, those of that committee and its subcommittees.
    async fn working_groups(
        &self,
        ctx: &Context<'_>,
        committee: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<WorkingGroup>> {
        let mut select = working_group::Entity::find().order_by_asc(working_group::Column::Code);
        if let Some(code) = committee {
            let committees = match committee_by_code(ctx, &code).await? {
                Some(committee) => loaders(ctx)
                    .load_one(SubtreeOf(committee.0.id))
                    .await?
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            select = select.filter(working_group::Column::CommitteeId.is_in(committees));
        }
        sql_page(ctx, select, &PageArgs::forward(first, after), WorkingGroup).await
    }

    /// Federation: a working group by its `code` key.
    #[graphql(entity)]
    async fn find_working_group_by_code(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> AppResult<Option<WorkingGroup>> {
        working_group_by_code(ctx, &code).await
    }
}

pub async fn working_group_by_code(
    ctx: &Context<'_>,
    code: &str,
) -> AppResult<Option<WorkingGroup>> {
    Ok(loaders(ctx)
        .load_one(WorkingGroupByCode(lookup_key(code)))
        .await?
        .map(WorkingGroup))
}

/// A working group by the lookup key of its code or an alias.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WorkingGroupByCode(pub String);

impl Loader<WorkingGroupByCode> for RegistryLoader {
    type Value = Arc<working_group::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[WorkingGroupByCode],
    ) -> LoadResult<HashMap<WorkingGroupByCode, Self::Value>> {
        let rows = working_group_alias::Entity::find()
            .find_also_related(working_group::Entity)
            .filter(
                working_group_alias::Column::AliasKey.is_in(keys.iter().map(|key| key.0.clone())),
            )
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .filter_map(|(alias, group)| {
                group.map(|group| (WorkingGroupByCode(alias.alias_key), Arc::new(group)))
            })
            .collect())
    }
}

/// A working group by row id.
pub type WorkingGroupById = ById<working_group::Entity>;

/// The working and research groups of a committee, by code.
pub type WorkingGroupsOf = ChildrenOf<GroupsOfCommittee>;

/// A committee's groups: working groups whose committee it is.
pub struct GroupsOfCommittee;

impl Relation for GroupsOfCommittee {
    type Entity = working_group::Entity;
    fn column() -> working_group::Column {
        working_group::Column::CommitteeId
    }
    fn order() -> working_group::Column {
        working_group::Column::Code
    }
}
