//! `standard_tally` (see the migrations `m20261218_000018_create_standard_tally`
//! and `m20261219_000019_tally_by_grain`): the standards of each combination
//! of kind, status, year and committee, and of fewer of those columns (a
//! "grain"), which counts and facets of a list filtered on those columns
//! are summed from. Written again whole by every import, in its
//! transaction, as the search index is: grouped statements over the
//! standards, a fraction of a second at 200,000.

use migration::standard_tally::{ALL, GRAINS, fill};
use sea_orm::{ConnectionTrait, DbErr};

pub use migration::standard_tally::{COMMITTEE, KIND, STATUS, YEAR};

/// The table's name, which the facet statements read it by.
pub const TABLE: &str = "standard_tally";

/// The smallest grain that holds every column of `columns` (bits of
/// `KIND`, `STATUS`, `YEAR` and `COMMITTEE`).
pub fn grain(columns: u8) -> u8 {
    GRAINS
        .into_iter()
        .find(|grain| grain & columns == columns)
        .unwrap_or(ALL)
}

/// Replaces the tally with the counts of the standards in `db`.
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared("DELETE FROM standard_tally").await?;
    for statement in fill() {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_reads_the_smallest_grain_holding_its_columns() {
        assert_eq!(grain(0), KIND);
        assert_eq!(grain(STATUS), STATUS);
        assert_eq!(grain(KIND | COMMITTEE), KIND | COMMITTEE);
        assert_eq!(grain(STATUS | YEAR), STATUS | YEAR);
        assert_eq!(grain(KIND | YEAR | COMMITTEE), ALL);
        assert_eq!(grain(STATUS | COMMITTEE | KIND), KIND | STATUS | COMMITTEE);
    }
}
