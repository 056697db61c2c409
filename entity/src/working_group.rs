//! A working group or research group of a committee.

use sea_orm::entity::prelude::*;

use crate::source::Sources;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "working_group")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Canonical code, e.g. `SAC/TC28/WG34`, or a stable slug code.
    #[sea_orm(unique)]
    pub code: String,
    pub committee_id: i32,
    /// `WORKING_GROUP` or `RESEARCH_GROUP`.
    pub kind: String,
    pub name: String,
    pub established: Option<i32>,
    pub focus: Option<String>,
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
}

impl ActiveModelBehavior for ActiveModel {}
