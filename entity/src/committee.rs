//! A national technical committee or one of its subcommittees.

use sea_orm::entity::prelude::*;

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
    /// `TECHNICAL_COMMITTEE` or `SUBCOMMITTEE`.
    pub kind: String,
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
