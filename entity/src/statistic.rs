//! A figure a report states about a committee or a working group.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "statistic")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub committee_id: Option<i32>,
    pub working_group_id: Option<i32>,
    pub metric: String,
    pub value: f64,
    pub period: Option<String>,
    pub notes: Option<String>,
    pub source_document: String,
    pub source_section: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::committee::Entity",
        from = "Column::CommitteeId",
        to = "super::committee::Column::Id",
        on_delete = "Cascade"
    )]
    Committee,
    #[sea_orm(
        belongs_to = "super::working_group::Entity",
        from = "Column::WorkingGroupId",
        to = "super::working_group::Column::Id",
        on_delete = "Cascade"
    )]
    WorkingGroup,
}

impl ActiveModelBehavior for ActiveModel {}
