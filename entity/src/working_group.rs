//! A working group or research group of a committee.

use sea_orm::entity::prelude::*;
use serde::Deserialize;

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
    pub kind: WorkingGroupKind,
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

/// A working group or a research group; stored as its name.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Deserialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkingGroupKind {
    WorkingGroup,
    ResearchGroup,
}
