use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250701_000005_create_standard::Standard;
use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StandardEquivalence {
    Table,
    Id,
    StandardId,
    EquivalentId,
    Degree,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StandardEquivalence::Table)
                    .col(pk_auto(StandardEquivalence::Id))
                    .col(integer(StandardEquivalence::StandardId))
                    .col(integer(StandardEquivalence::EquivalentId))
                    .col(string(StandardEquivalence::Degree))
                    .foreign_key(&mut foreign_key(
                        StandardEquivalence::Table,
                        StandardEquivalence::StandardId,
                        Standard::Table,
                        Standard::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        StandardEquivalence::Table,
                        StandardEquivalence::EquivalentId,
                        Standard::Table,
                        Standard::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .index(
                        Index::create()
                            .name("uq_standard_equivalence_pair")
                            .col(StandardEquivalence::StandardId)
                            .col(StandardEquivalence::EquivalentId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [
            StandardEquivalence::StandardId,
            StandardEquivalence::EquivalentId,
        ] {
            manager
                .create_index(index_on(StandardEquivalence::Table, column))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StandardEquivalence::Table).to_owned())
            .await
    }
}
