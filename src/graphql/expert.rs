//! `Expert`: a person named in a report, their root fields, their
//! federation entity, and their loaders.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use entity::expert;
use sea_orm::{EntityTrait, QueryOrder};

use super::connection::{Connection, PageArgs, sql_page};
use super::id::{NodeType, decode_as, encode};
use super::loader::{ById, ByKey, Relation, loaders, related};
use super::position::{Position, PositionsOfExpert};
use super::source::{Source, sources};
use crate::error::AppResult;

/// A person named in a report.
#[derive(Clone, Debug)]
pub struct Expert(pub Arc<expert::Model>);

#[Object(cache_control(max_age = 300))]
impl Expert {
    /// Opaque global id, stable across restarts; `node(id:)` and `expert(id:)` resolve it.
    pub async fn id(&self) -> ID {
        encode(NodeType::Expert, &self.0.key)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The organization they are stated to work for.
    async fn organization(&self) -> Option<&str> {
        self.0.organization.as_deref()
    }

    /// Where the reports name them.
    async fn sources(&self) -> Vec<Source> {
        sources(&self.0.sources)
    }

    /// Roles they hold.
    async fn positions(&self, ctx: &Context<'_>) -> AppResult<Vec<Position>> {
        related(ctx, PositionsOfExpert::new(self.0.id), Position).await
    }

    /// How the dataset read the reports where they are ambiguous.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
}

/// Root fields and the federation entity of `Expert`.
#[derive(Default)]
pub struct ExpertQuery;

#[Object(cache_control(max_age = 300))]
impl ExpertQuery {
    /// An expert by id; `null` for an id of no expert here.
    async fn expert(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Expert>> {
        expert_by_id(ctx, &id).await
    }

    /// Every expert, by name.
    async fn experts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Expert>> {
        let select = expert::Entity::find()
            .order_by_asc(expert::Column::Name)
            .order_by_asc(expert::Column::Id);
        sql_page(ctx, select, &PageArgs::forward(first, after), Expert).await
    }

    /// Federation: an expert by its `id` key; `null` for an id not issued here,
    /// so one bad representation does not fail the others.
    #[graphql(entity)]
    async fn find_expert_by_id(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Expert>> {
        match decode_as(NodeType::Expert, &id) {
            Ok(_) => expert_by_id(ctx, &id).await,
            Err(_) => Ok(None),
        }
    }
}

pub async fn expert_by_id(ctx: &Context<'_>, id: &str) -> AppResult<Option<Expert>> {
    let key = decode_as(NodeType::Expert, id)?;
    Ok(loaders(ctx)
        .load_one(ExpertByKey::new(key))
        .await?
        .map(Expert))
}

/// An expert by row id.
pub type ExpertById = ById<expert::Entity>;

/// An expert by dataset key.
pub type ExpertByKey = ByKey<ExpertKeys>;

/// Experts by `key`, unique.
pub struct ExpertKeys;

impl Relation for ExpertKeys {
    type Entity = expert::Entity;
    fn column() -> expert::Column {
        expert::Column::Key
    }
    fn order() -> expert::Column {
        expert::Column::Id
    }
}
