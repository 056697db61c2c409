//! The registry's schema: one migration per table, applied in order.

pub use sea_orm_migration::prelude::*;

mod m20250701_000001_create_committee;
mod m20250701_000002_create_committee_alias;
mod m20250701_000003_create_working_group;
mod m20250701_000004_create_working_group_alias;
mod m20250701_000005_create_standard;
mod m20250701_000006_create_standard_equivalence;
mod m20250701_000007_create_expert;
mod m20250701_000008_create_position;
mod m20250701_000009_create_liaison;
mod m20250701_000010_create_statistic;
mod m20261201_000011_create_registry_version;
mod m20261201_000012_index_standard_pages;
mod m20261215_000013_add_registry_version_import_started;
mod m20261216_000014_create_search_index;
mod m20261217_000015_create_change_log;
mod m20261218_000016_index_standard_facets;
mod m20261218_000017_renumber_search_index;
mod m20261218_000018_create_standard_tally;
mod m20261219_000019_tally_by_grain;

/// `standard_tally`'s grains and the statements that fill it.
pub mod standard_tally {
    pub use crate::m20261219_000019_tally_by_grain::{
        ALL, COMMITTEE, GRAINS, KIND, STATUS, YEAR, fill,
    };
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250701_000001_create_committee::Migration),
            Box::new(m20250701_000002_create_committee_alias::Migration),
            Box::new(m20250701_000003_create_working_group::Migration),
            Box::new(m20250701_000004_create_working_group_alias::Migration),
            Box::new(m20250701_000005_create_standard::Migration),
            Box::new(m20250701_000006_create_standard_equivalence::Migration),
            Box::new(m20250701_000007_create_expert::Migration),
            Box::new(m20250701_000008_create_position::Migration),
            Box::new(m20250701_000009_create_liaison::Migration),
            Box::new(m20250701_000010_create_statistic::Migration),
            Box::new(m20261201_000011_create_registry_version::Migration),
            Box::new(m20261201_000012_index_standard_pages::Migration),
            Box::new(m20261215_000013_add_registry_version_import_started::Migration),
            Box::new(m20261216_000014_create_search_index::Migration),
            Box::new(m20261217_000015_create_change_log::Migration),
            Box::new(m20261218_000016_index_standard_facets::Migration),
            Box::new(m20261218_000017_renumber_search_index::Migration),
            Box::new(m20261218_000018_create_standard_tally::Migration),
            Box::new(m20261219_000019_tally_by_grain::Migration),
        ]
    }
}

/// An index on one column, named after its table and column, as every
/// foreign key and lookup code gets one.
fn index_on(table: impl IntoIden, column: impl IntoIden) -> IndexCreateStatement {
    let (table, column) = (table.into_iden(), column.into_iden());
    let name = format!("idx_{table}_{column}");
    Index::create()
        .name(name)
        .table(table)
        .col(column)
        .to_owned()
}

/// A foreign key from `table.column` to `target.target_id`.
fn foreign_key(
    table: impl IntoIden,
    column: impl IntoIden,
    target: impl IntoIden,
    target_id: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let (table, column) = (table.into_iden(), column.into_iden());
    let name = format!("fk_{table}_{column}");
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(target, target_id)
        .on_delete(on_delete)
        .to_owned()
}
