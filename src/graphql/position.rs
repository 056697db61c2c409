//! `Position`: an expert's role in a committee, a working group or an
//! outside body, and the loader of positions by holder or by expert.

use std::sync::Arc;

use async_graphql::{Context, Object};
use entity::position;

use super::committee::{Committee, CommitteeById};
use super::expert::{Expert, ExpertById};
use super::loader::{ChildrenOf, HeldBy, Holding, Relation, loaders};
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
            .load_one(ExpertById::new(self.0.expert_id))
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
                .load_one(CommitteeById::new(id))
                .await?
                .map(Committee)),
            None => Ok(None),
        }
    }

    async fn working_group(&self, ctx: &Context<'_>) -> AppResult<Option<WorkingGroup>> {
        match self.0.working_group_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(WorkingGroupById::new(id))
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

/// The positions held in a committee or working group, in the dataset's order.
pub type PositionsHeldBy = HeldBy<HeldPositions>;

/// The positions an expert holds, in the dataset's order.
pub type PositionsOfExpert = ChildrenOf<ExpertPositions>;

/// Positions, held in a committee or a working group.
pub struct HeldPositions;

impl Holding for HeldPositions {
    type Entity = position::Entity;
    fn committee() -> position::Column {
        position::Column::CommitteeId
    }
    fn working_group() -> position::Column {
        position::Column::WorkingGroupId
    }
    fn order() -> position::Column {
        position::Column::Id
    }
}

/// Positions, by the expert holding them.
pub struct ExpertPositions;

impl Relation for ExpertPositions {
    type Entity = position::Entity;
    fn column() -> position::Column {
        position::Column::ExpertId
    }
    fn order() -> position::Column {
        position::Column::Id
    }
}
