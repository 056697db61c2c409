//! An expert's role in a committee, a working group or a body outside the registry.

use sea_orm::entity::prelude::*;

use crate::source::Sources;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "position")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub expert_id: i32,
    pub role: String,
    pub committee_id: Option<i32>,
    pub working_group_id: Option<i32>,
    pub external_body: Option<String>,
    pub notes: Option<String>,
    pub sources: Sources,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::expert::Entity",
        from = "Column::ExpertId",
        to = "super::expert::Column::Id",
        on_delete = "Cascade"
    )]
    Expert,
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
