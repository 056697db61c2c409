//! Every spelling that resolves to a committee, its canonical code included.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "committee_alias")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub committee_id: i32,
    /// The spelling as a report writes it.
    pub alias: String,
    /// The spelling normalized for lookup (see the service's `codes` module).
    #[sea_orm(unique)]
    pub alias_key: String,
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
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::committee::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Committee.def()
    }
}
