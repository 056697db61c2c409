//! A stated correspondence between two standards, e.g. a GB/T that is NEQ of an ISO/IEC.
//! Stored once; the service reads it from both ends.

use sea_orm::entity::prelude::*;
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "standard_equivalence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub standard_id: i32,
    pub equivalent_id: i32,
    pub degree: EquivalenceDegree,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::standard::Entity",
        from = "Column::StandardId",
        to = "super::standard::Column::Id",
        on_delete = "Cascade"
    )]
    Standard,
    #[sea_orm(
        belongs_to = "super::standard::Entity",
        from = "Column::EquivalentId",
        to = "super::standard::Column::Id",
        on_delete = "Cascade"
    )]
    Equivalent,
}

impl ActiveModelBehavior for ActiveModel {}

/// How closely one standard corresponds to another (GB/T 20000.2): `IDT`, `MOD` or `NEQ`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Deserialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EquivalenceDegree {
    Idt,
    Mod,
    Neq,
}
