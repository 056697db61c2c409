use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250701_000001_create_committee::Committee;
use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum WorkingGroup {
    Table,
    Id,
    Code,
    CommitteeId,
    Kind,
    Name,
    Established,
    Focus,
    Notes,
    Sources,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkingGroup::Table)
                    .col(pk_auto(WorkingGroup::Id))
                    .col(string_uniq(WorkingGroup::Code))
                    .col(integer(WorkingGroup::CommitteeId))
                    .col(string(WorkingGroup::Kind))
                    .col(text(WorkingGroup::Name))
                    .col(integer_null(WorkingGroup::Established))
                    .col(text_null(WorkingGroup::Focus))
                    .col(text_null(WorkingGroup::Notes))
                    .col(json(WorkingGroup::Sources))
                    .foreign_key(&mut foreign_key(
                        WorkingGroup::Table,
                        WorkingGroup::CommitteeId,
                        Committee::Table,
                        Committee::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(WorkingGroup::Table, WorkingGroup::CommitteeId))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WorkingGroup::Table).to_owned())
            .await
    }
}
