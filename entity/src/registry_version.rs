//! The registry's data version: one row, bumped by every import.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registry_version")]
pub struct Model {
    /// Always 1: there is one row.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Imports committed so far.
    pub version: i64,
    /// When the import in progress started (unix seconds); null when none runs.
    pub import_started: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
