//! A national technical committee or one of its subcommittees.

use sea_orm::entity::prelude::*;
use serde::Deserialize;

use crate::source::Sources;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "committee")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Canonical code, e.g. `SAC/TC28/SC42`.
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: CommitteeKind,
    pub parent_id: Option<i32>,
    pub founded: Option<i32>,
    pub scope: Option<String>,
    pub notes: Option<String>,
    pub sources: Sources,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}

/// A technical committee or one of its subcommittees; stored as its name.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Deserialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommitteeKind {
    TechnicalCommittee,
    Subcommittee,
}
