use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250701_000001_create_committee::Committee;
use crate::m20250701_000003_create_working_group::WorkingGroup;
use crate::m20250701_000007_create_expert::Expert;
use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Position {
    Table,
    Id,
    ExpertId,
    Role,
    CommitteeId,
    WorkingGroupId,
    ExternalBody,
    Notes,
    Sources,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Position::Table)
                    .col(pk_auto(Position::Id))
                    .col(integer(Position::ExpertId))
                    .col(text(Position::Role))
                    .col(integer_null(Position::CommitteeId))
                    .col(integer_null(Position::WorkingGroupId))
                    .col(text_null(Position::ExternalBody))
                    .col(text_null(Position::Notes))
                    .col(json(Position::Sources))
                    .foreign_key(&mut foreign_key(
                        Position::Table,
                        Position::ExpertId,
                        Expert::Table,
                        Expert::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Position::Table,
                        Position::CommitteeId,
                        Committee::Table,
                        Committee::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Position::Table,
                        Position::WorkingGroupId,
                        WorkingGroup::Table,
                        WorkingGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for column in [
            Position::ExpertId,
            Position::CommitteeId,
            Position::WorkingGroupId,
        ] {
            manager
                .create_index(index_on(Position::Table, column))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Position::Table).to_owned())
            .await
    }
}
