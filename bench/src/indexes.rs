//! The indexes the floor's SQL needs, made on the floor's own copy of the
//! database when no index with the same columns exists there: the registry
//! and the peers are measured on the database as the registry's migrations
//! made it, so an index the floor adds must not speed them up.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// (table, columns as written in CREATE INDEX, the shapes it serves).
pub const FLOOR_INDEXES: [(&str, &str, &str); 5] = [
    ("working_group", "committee_id, code", "Q3"),
    ("standard", "working_group_id, code", "Q3"),
    ("standard", "status, code", "Q6"),
    ("standard", "year DESC, code", "Q7"),
    ("standard", "committee_id, status", "Q8"),
];

/// Column lists compared without quotes, spaces, case or `ASC`.
fn normalize(columns: &str) -> String {
    columns
        .replace(['"', '`'], "")
        .to_ascii_lowercase()
        .split(',')
        .map(|c| {
            let c = c.split_whitespace().collect::<Vec<_>>();
            c.iter()
                .filter(|w| **w != "asc")
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The column lists of the indexes of `table`, from their definitions.
async fn existing(db: &DatabaseConnection, table: &str) -> Result<Vec<String>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        format!(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = '{table}'::regclass"
        )
    } else {
        format!(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL"
        )
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    let mut lists = Vec::new();
    for row in rows {
        let definition: String = row.try_get_by_index(0)?;
        // `CREATE INDEX name ON table [USING btree] (columns)`.
        if let (Some(open), Some(close)) = (definition.find('('), definition.rfind(')')) {
            lists.push(normalize(&definition[open + 1..close]));
        }
    }
    Ok(lists)
}

/// Makes the floor's indexes that are missing; returns a line per index:
/// `table (columns) for Qn: made` or `already there`. On PostgreSQL it then
/// runs `VACUUM ANALYZE`, so that the planner knows the new indexes and
/// index-only scans find the visibility map set.
pub async fn ensure(db: &DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let mut report = Vec::new();
    for (table, columns, shapes) in FLOOR_INDEXES {
        let present = existing(db, table)
            .await?
            .iter()
            .any(|list| *list == normalize(columns));
        if !present {
            let name = format!(
                "floor_{table}_{}",
                normalize(columns).replace([',', ' '], "_")
            );
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({columns})"))
                .await?;
        }
        report.push(format!(
            "{table} ({columns}) for {shapes}: {}",
            if present { "already there" } else { "made" }
        ));
    }
    if backend == DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await?;
    }
    Ok(report)
}
