//! `Liaison` and `InternationalBody`: a national body's relation with an
//! international one, its root fields, its federation entity, and loaders.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::liaison;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::committee::{Committee, CommitteeById};
use super::connection::{Connection, PageArgs, sql_page};
use super::id::{NodeType, decode_as, encode};
use super::loader::{ByKey, HeldBy, Holding, Relation, loaders};
use super::source::{Source, sources};
use super::working_group::{WorkingGroup, WorkingGroupById};
use crate::error::AppResult;

/// What the relation is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::liaison::LiaisonKind")]
pub enum LiaisonKind {
    /// The national body mirrors the international one.
    Mirror,
    /// A liaison between bodies.
    Liaison,
    /// The national side holds the convenorship.
    Convenorship,
    /// The national side holds the secretariat.
    Secretariat,
    /// The national side holds the chair.
    Chair,
    /// The national side takes part in the international body's work.
    Participation,
    Other,
}

/// An international body owned by another subgraph; this one only references it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(unresolvable = "code")]
pub struct InternationalBody {
    /// The body's code as it writes it, e.g. ISO/IEC JTC 1/SC 42.
    pub code: String,
}

/// A national body's relation with an international body.
#[derive(Clone, Debug)]
pub struct Liaison(pub Arc<liaison::Model>);

#[Object(cache_control(max_age = 300))]
impl Liaison {
    /// Opaque global id, stable across restarts; `node(id:)` resolves it.
    pub async fn id(&self) -> ID {
        encode(NodeType::Liaison, &self.0.key)
    }

    async fn kind(&self) -> LiaisonKind {
        self.0.kind.into()
    }

    /// The national committee holding the relation.
    async fn committee(&self, ctx: &Context<'_>) -> AppResult<Option<Committee>> {
        match self.0.committee_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(CommitteeById::new(id))
                .await?
                .map(Committee)),
            None => Ok(None),
        }
    }

    /// The national working group holding the relation.
    async fn working_group(&self, ctx: &Context<'_>) -> AppResult<Option<WorkingGroup>> {
        match self.0.working_group_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(WorkingGroupById::new(id))
                .await?
                .map(WorkingGroup)),
            None => Ok(None),
        }
    }

    /// The international body, e.g. ISO/IEC JTC 1/SC 42 or IEC SEG 14/WG 3.
    async fn counterpart(&self) -> &str {
        &self.0.counterpart
    }

    /// The same body as an entity reference that another subgraph may resolve.
    async fn counterpart_body(&self) -> InternationalBody {
        InternationalBody {
            code: self.0.counterpart.clone(),
        }
    }

    /// What the report says of the relation.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Where the reports state this relation.
    async fn sources(&self) -> Vec<Source> {
        sources(&self.0.sources)
    }

    /// How the dataset read the reports where they are ambiguous.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
}

/// Root fields and the federation entity of `Liaison`.
#[derive(Default)]
pub struct LiaisonQuery;

#[Object(cache_control(max_age = 300))]
impl LiaisonQuery {
    /// Liaisons, by counterpart; with `kind`, only those of these kinds.
    async fn liaisons(
        &self,
        ctx: &Context<'_>,
        kind: Option<Vec<LiaisonKind>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Liaison>> {
        let mut select = liaison::Entity::find()
            .order_by_asc(liaison::Column::Counterpart)
            .order_by_asc(liaison::Column::Key);
        if let Some(kinds) = kind {
            select = select.filter(
                liaison::Column::Kind
                    .is_in(kinds.into_iter().map(entity::liaison::LiaisonKind::from)),
            );
        }
        sql_page(ctx, select, &PageArgs::forward(first, after), Liaison).await
    }

    /// Federation: a liaison by its `id` key; `null` for an id not issued here,
    /// so one bad representation does not fail the others.
    #[graphql(entity)]
    async fn find_liaison_by_id(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Liaison>> {
        match decode_as(NodeType::Liaison, &id) {
            Ok(_) => liaison_by_id(ctx, &id).await,
            Err(_) => Ok(None),
        }
    }
}

pub async fn liaison_by_id(ctx: &Context<'_>, id: &str) -> AppResult<Option<Liaison>> {
    let key = decode_as(NodeType::Liaison, id)?;
    Ok(loaders(ctx)
        .load_one(LiaisonByKey::new(key))
        .await?
        .map(Liaison))
}

/// A liaison by dataset key.
pub type LiaisonByKey = ByKey<LiaisonKeys>;

/// The liaisons a committee or working group holds, in the dataset's order.
pub type LiaisonsOf = HeldBy<Liaisons>;

/// Liaisons by `key`, unique.
pub struct LiaisonKeys;

impl Relation for LiaisonKeys {
    type Entity = liaison::Entity;
    fn column() -> liaison::Column {
        liaison::Column::Key
    }
    fn order() -> liaison::Column {
        liaison::Column::Id
    }
}

/// Liaisons, held by a committee or a working group.
pub struct Liaisons;

impl Holding for Liaisons {
    type Entity = liaison::Entity;
    fn committee() -> liaison::Column {
        liaison::Column::CommitteeId
    }
    fn working_group() -> liaison::Column {
        liaison::Column::WorkingGroupId
    }
    fn order() -> liaison::Column {
        liaison::Column::Id
    }
}
