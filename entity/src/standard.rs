//! A standard, a standard project or another standards document.

use sea_orm::entity::prelude::*;
use serde::Deserialize;

use crate::source::Sources;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "standard")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The code as published or the project code; a slug where the reports give none.
    #[sea_orm(unique)]
    pub code: String,
    /// The code normalized for lookup: spacing and dash variants folded.
    #[sea_orm(unique)]
    pub code_key: String,
    /// False where the reports give no code and `code` is a derived slug.
    pub code_assigned: bool,
    pub title: String,
    pub kind: StandardKind,
    pub status: StandardStatus,
    pub year: Option<i32>,
    pub committee_id: Option<i32>,
    pub working_group_id: Option<i32>,
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
    #[sea_orm(
        belongs_to = "super::working_group::Entity",
        from = "Column::WorkingGroupId",
        to = "super::working_group::Column::Id"
    )]
    WorkingGroup,
}

impl ActiveModelBehavior for ActiveModel {}

/// What sort of document a standard is; stored as its name (`NATIONAL`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Deserialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StandardKind {
    National,
    NationalGuideline,
    Sector,
    Association,
    International,
    Ieee,
    Other,
}

/// Where a standard is in its life; stored as its name (`PUBLISHED`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Deserialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StandardStatus {
    Published,
    UnderDevelopment,
    ApprovedProject,
    Planned,
    PreResearch,
    Draft,
    Withdrawn,
}
