//! A national body's relation with an international body: mirror, leadership, participation.

use sea_orm::entity::prelude::*;
use serde::Deserialize;

use crate::source::Sources;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "liaison")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Stable slug from the dataset; the public id is derived from it.
    #[sea_orm(unique)]
    pub key: String,
    pub kind: LiaisonKind,
    pub committee_id: Option<i32>,
    pub working_group_id: Option<i32>,
    /// The international body as it spells itself, e.g. `ISO/IEC JTC 1/SC 42`.
    pub counterpart: String,
    pub description: Option<String>,
    pub notes: Option<String>,
    pub sources: Sources,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::committee::Entity",
        from = "Column::CommitteeId",
        to = "super::committee::Column::Id"
    )]
    Committee,
    #[sea_orm(
        belongs_to = "super::working_group::Entity",
        from = "Column::WorkingGroupId",
        to = "super::working_group::Column::Id"
    )]
    WorkingGroup,
}

impl ActiveModelBehavior for ActiveModel {}

/// What the relation is; stored as its name (`MIRROR`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Deserialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LiaisonKind {
    Mirror,
    Liaison,
    Convenorship,
    Secretariat,
    Chair,
    Participation,
    Other,
}
