//! A person named in a report.

use sea_orm::entity::prelude::*;

use crate::source::Sources;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Stable slug from the dataset; the public id is derived from it.
    #[sea_orm(unique)]
    pub key: String,
    pub name: String,
    pub organization: Option<String>,
    pub notes: Option<String>,
    pub sources: Sources,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
