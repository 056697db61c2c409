//! Every spelling that resolves to a working group, its canonical code included.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "working_group_alias")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub working_group_id: i32,
    /// The spelling as a report writes it.
    pub alias: String,
    /// The spelling normalized for lookup (see the service's `codes` module).
    #[sea_orm(unique)]
    pub alias_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::working_group::Entity",
        from = "Column::WorkingGroupId",
        to = "super::working_group::Column::Id",
        on_delete = "Cascade"
    )]
    WorkingGroup,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::working_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::WorkingGroup.def()
    }
}
