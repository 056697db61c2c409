//! The change log: what each import created, updated or deleted, one row
//! per record, in the order the change feed serves them (by `id`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    /// The feed's order: every later change has a larger id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The import that made the change: the data version it committed.
    pub import_id: i64,
    /// The change's place within its import, from 1.
    pub sequence: i32,
    pub record_type: RecordType,
    /// The record's code (committees, working groups, standards) or key
    /// (experts, liaisons).
    pub record_key: String,
    pub change_kind: ChangeKind,
    /// When the import committed, unix milliseconds.
    pub imported_at: i64,
    /// The dataset file the import read (its file name).
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The kind of record a change is about; stored as its name (`STANDARD`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum RecordType {
    Committee,
    WorkingGroup,
    Standard,
    Expert,
    Liaison,
}

/// What happened to the record; stored as its name (`UPDATED`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}
