//! When the import in progress started (unix seconds), or null: set by an
//! import in a short transaction of its own before it writes anything, and
//! cleared in the import's own transaction (or after it fails), so that
//! every server sees an import running in any process and shortens its
//! cache hints to zero until the new data is in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RegistryVersion {
    Table,
    ImportStarted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RegistryVersion::Table)
                    .add_column(big_integer_null(RegistryVersion::ImportStarted))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RegistryVersion::Table)
                    .drop_column(RegistryVersion::ImportStarted)
                    .to_owned(),
            )
            .await
    }
}
