//! `Position`: an expert's role in a committee, a working group or an
//! outside body, and the loader of positions by holder or by expert.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Object};
use entity::position;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DbErr};

use super::committee::{Committee, CommitteeById};
use super::expert::{Expert, ExpertById};
use super::loader::{LoadResult, Owner, RegistryLoader, group_by, loaders, rows_where};
use super::source::{Source, sources};
use super::working_group::{WorkingGroup, WorkingGroupById};
use crate::error::{AppError, AppResult};

/// An expert's role in a committee, a working group or a body outside this registry.
#[derive(Clone, Debug)]
pub struct Position(pub Arc<position::Model>);

#[Object(cache_control(max_age = 300))]
impl Position {
    async fn expert(&self, ctx: &Context<'_>) -> AppResult<Expert> {
        loaders(ctx)
            .load_one(ExpertById(self.0.expert_id))
            .await?
            .map(Expert)
            .ok_or_else(|| AppError::Corrupt(format!("position {} has no expert", self.0.id)))
    }

    /// Role as stated, e.g. Secretary General, Convenor, Secretary.
    async fn role(&self) -> &str {
        &self.0.role
    }

    async fn committee(&self, ctx: &Context<'_>) -> AppResult<Option<Committee>> {
        match self.0.committee_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(CommitteeById(id))
                .await?
                .map(Committee)),
            None => Ok(None),
        }
    }

    async fn working_group(&self, ctx: &Context<'_>) -> AppResult<Option<WorkingGroup>> {
        match self.0.working_group_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(WorkingGroupById(id))
                .await?
                .map(WorkingGroup)),
            None => Ok(None),
        }
    }

    /// A body outside this registry, e.g. CESI or ISO/IEC JTC 1/SC 43.
    async fn external_body(&self) -> Option<&str> {
        self.0.external_body.as_deref()
    }

    /// Where the reports state this role.
    async fn sources(&self) -> Vec<Source> {
        sources(&self.0.sources)
    }

    /// How the dataset read the reports where they are ambiguous.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
}

/// The positions held in a committee or working group, or held by an expert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PositionsOf {
    Holder(Owner),
    Expert(i32),
}

impl Loader<PositionsOf> for RegistryLoader {
    type Value = Vec<Arc<position::Model>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[PositionsOf]) -> LoadResult<HashMap<PositionsOf, Self::Value>> {
        let holders: Vec<Owner> = keys
            .iter()
            .filter_map(|key| match key {
                PositionsOf::Holder(owner) => Some(*owner),
                PositionsOf::Expert(_) => None,
            })
            .collect();
        let experts: Vec<i32> = keys
            .iter()
            .filter_map(|key| match key {
                PositionsOf::Expert(id) => Some(*id),
                PositionsOf::Holder(_) => None,
            })
            .collect();
        let condition = Condition::any()
            .add(Owner::condition(
                &holders,
                position::Column::CommitteeId,
                position::Column::WorkingGroupId,
            ))
            .add(position::Column::ExpertId.is_in(experts));
        let rows =
            rows_where::<position::Entity>(&self.db, condition, position::Column::Id).await?;
        Ok(group_by(keys, rows, |row| {
            Owner::of(row.committee_id, row.working_group_id)
                .map(PositionsOf::Holder)
                .chain([PositionsOf::Expert(row.expert_id)])
        }))
    }
}
