//! `standard_tally` by grain: besides the counts by every facet column
//! (kind, status, year, committee), the same counts summed over fewer
//! columns, each set of columns a "grain". A facet of a list filtered by
//! kind reads the grain (kind, facet): a few hundred rows where the full
//! grain holds tens of thousands (55,000 at 200,000 standards), so that
//! four facets cost little more than one count. The table is made again:
//! a column outside a row's grain is null, which the old one did not allow.

use sea_orm_migration::prelude::*;

use crate::m20261218_000018_create_standard_tally as ungrained;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StandardTally {
    Table,
    Grain,
    Kind,
    Status,
    Year,
    CommitteeId,
    Standards,
}

/// A grain's columns, one bit each, in the facet index's column order.
pub const KIND: u8 = 1;
pub const STATUS: u8 = 2;
pub const YEAR: u8 = 4;
pub const COMMITTEE: u8 = 8;
/// The grain of every column, which the others are summed from.
pub const ALL: u8 = KIND | STATUS | YEAR | COMMITTEE;

/// The grains the tally holds, those of fewest rows first in a catalogue of
/// many years and committees: a statement reads the first that holds the
/// columns it needs. Year with committee and two more is left to the full
/// grain, which is not much larger.
pub const GRAINS: [u8; 13] = [
    KIND,
    STATUS,
    YEAR,
    KIND | STATUS,
    COMMITTEE,
    KIND | YEAR,
    STATUS | YEAR,
    KIND | STATUS | YEAR,
    KIND | COMMITTEE,
    STATUS | COMMITTEE,
    KIND | STATUS | COMMITTEE,
    YEAR | COMMITTEE,
    ALL,
];

/// The tally's columns besides the count, with their grain bits.
const COLUMNS: [(&str, u8); 4] = [
    ("kind", KIND),
    ("status", STATUS),
    ("year", YEAR),
    ("committee_id", COMMITTEE),
];

/// The statements that fill the empty tally: the full grain from the
/// standards, then every other grain from the full one (the server's
/// `standard_tally::rebuild` runs them after every import).
pub fn fill() -> Vec<String> {
    let insert = "INSERT INTO standard_tally (grain, kind, status, year, committee_id, standards)";
    let mut statements = vec![format!(
        "{insert} SELECT {ALL}, kind, status, year, committee_id, COUNT(*) FROM standard \
         GROUP BY kind, status, year, committee_id"
    )];
    for grain in GRAINS.into_iter().filter(|grain| *grain != ALL) {
        let kept = COLUMNS.iter().filter(|(_, bit)| grain & bit != 0);
        let selected = COLUMNS
            .iter()
            .map(|(name, bit)| match grain & bit {
                0 => "NULL",
                _ => name,
            })
            .collect::<Vec<_>>()
            .join(", ");
        let grouped = kept.map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
        statements.push(format!(
            "{insert} SELECT {grain}, {selected}, SUM(standards) FROM standard_tally \
             WHERE grain = {ALL} GROUP BY {grouped}"
        ));
    }
    statements
}

/// Each index's name and columns: led by the grain, then by one facet, then
/// every other column and the count, so that a facet is summed from its
/// index alone, its groups in order.
fn indexes() -> [(&'static str, [StandardTally; 6]); 4] {
    use StandardTally::*;
    [
        (
            "idx_standard_tally_grain_kind",
            [Grain, Kind, Status, Year, CommitteeId, Standards],
        ),
        (
            "idx_standard_tally_grain_status",
            [Grain, Status, Kind, Year, CommitteeId, Standards],
        ),
        (
            "idx_standard_tally_grain_year",
            [Grain, Year, Kind, Status, CommitteeId, Standards],
        ),
        (
            "idx_standard_tally_grain_committee",
            [Grain, CommitteeId, Kind, Status, Year, Standards],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StandardTally::Table).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StandardTally::Table)
                    .col(ColumnDef::new(StandardTally::Grain).integer().not_null())
                    .col(ColumnDef::new(StandardTally::Kind).string().null())
                    .col(ColumnDef::new(StandardTally::Status).string().null())
                    .col(ColumnDef::new(StandardTally::Year).integer().null())
                    .col(ColumnDef::new(StandardTally::CommitteeId).integer().null())
                    .col(
                        ColumnDef::new(StandardTally::Standards)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in indexes() {
            let mut index = Index::create();
            index.name(name).table(StandardTally::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        let db = manager.get_connection();
        for statement in fill() {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StandardTally::Table).to_owned())
            .await?;
        ungrained::Migration.up(manager).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grain_is_summed_from_the_full_one_by_its_columns() {
        let statements = fill();
        assert_eq!(statements.len(), GRAINS.len());
        assert_eq!(
            statements[5],
            "INSERT INTO standard_tally (grain, kind, status, year, committee_id, standards) \
             SELECT 8, NULL, NULL, NULL, committee_id, SUM(standards) FROM standard_tally \
             WHERE grain = 15 GROUP BY committee_id"
        );
        assert_eq!(GRAINS.last(), Some(&ALL));
    }
}
