//! The change feed's records: `Change` (one row of the change log), its
//! connection, and the root field `changes(after:, first:)` an integrator
//! pages through to catch up from the last cursor it saw.

use async_graphql::{Context, Enum, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::change_log;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::connection::PageInfo;
use super::loader::fetch;
use crate::config::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::error::{AppError, AppResult};

const CURSOR_PREFIX: &str = "change:";

/// The kind of record a change is about.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::change_log::RecordType")]
pub enum RecordType {
    /// A committee or subcommittee (`Committee`).
    Committee,
    /// A working or research group (`WorkingGroup`).
    WorkingGroup,
    /// A standard (`Standard`).
    Standard,
    /// An expert (`Expert`).
    Expert,
    /// A liaison (`Liaison`).
    Liaison,
}

/// What an import did to a record.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::change_log::ChangeKind")]
pub enum ChangeKind {
    /// The record was not there before the import.
    Created,
    /// The record was there and the import changed it.
    Updated,
    /// The record was there and is gone after the import.
    Deleted,
}

/// One record an import created, updated or deleted.
#[derive(Clone, Debug)]
pub struct Change(pub change_log::Model);

#[Object]
impl Change {
    /// Opaque; pass it as `changes(after:)` to read the changes after this one.
    async fn cursor(&self) -> String {
        encode_cursor(self.0.id)
    }

    /// The import that made the change (the data version it committed).
    async fn import_id(&self) -> i64 {
        self.0.import_id
    }

    /// The change's place within its import, from 1.
    async fn sequence(&self) -> i32 {
        self.0.sequence
    }

    /// The kind of record changed.
    async fn record_type(&self) -> RecordType {
        self.0.record_type.into()
    }

    /// The record's code (committees, working groups, standards) or key
    /// (experts, liaisons), as its `id` is made from.
    async fn key(&self) -> &str {
        &self.0.record_key
    }

    /// What the import did to the record.
    async fn kind(&self) -> ChangeKind {
        self.0.change_kind.into()
    }

    /// When the import committed (RFC 3339, UTC).
    async fn imported_at(&self) -> String {
        rfc3339(self.0.imported_at)
    }

    /// The dataset file the import read (its file name).
    async fn source(&self) -> &str {
        &self.0.source
    }
}

/// One change with its cursor.
#[derive(SimpleObject, Clone)]
pub struct ChangeEdge {
    /// Opaque; pass it as `after` to page from here.
    pub cursor: String,
    pub node: Change,
}

/// A page of the change log, oldest first.
#[derive(SimpleObject)]
pub struct ChangeConnection {
    pub edges: Vec<ChangeEdge>,
    /// The page's changes, without cursors.
    pub nodes: Vec<Change>,
    pub page_info: PageInfo,
    /// Changes after the `after` cursor (every change without one).
    pub total_count: i32,
}

#[derive(Default)]
pub struct ChangeQuery;

#[Object]
impl ChangeQuery {
    /// The change log, oldest first: every record each import created,
    /// updated or deleted. An integrator keeps the `endCursor` it last read
    /// and asks for the changes `after` it to catch up.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> AppResult<ChangeConnection> {
        let limit = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(first) if (0..=MAX_PAGE_SIZE as i32).contains(&first) => first as usize,
            Some(_) => {
                return Err(AppError::bad_input(format!(
                    "`first` must be between 0 and {MAX_PAGE_SIZE}"
                )));
            }
        };
        let after_id = after.as_deref().map(decode_cursor).transpose()?;
        let (rows, total) = fetch(ctx, move |db| async move {
            let mut select = change_log::Entity::find().order_by_asc(change_log::Column::Id);
            if let Some(id) = after_id {
                select = select.filter(change_log::Column::Id.gt(id));
            }
            let total = select.clone().count(&db).await?;
            let rows = select.limit(limit as u64 + 1).all(&db).await?;
            Ok((rows, total))
        })
        .await?;
        Ok(page(rows, limit, after_id.is_some(), total as i32))
    }
}

fn page(
    mut rows: Vec<change_log::Model>,
    limit: usize,
    after: bool,
    total: i32,
) -> ChangeConnection {
    let has_next_page = rows.len() > limit;
    rows.truncate(limit);
    let nodes: Vec<Change> = rows.into_iter().map(Change).collect();
    let edges: Vec<ChangeEdge> = nodes
        .iter()
        .map(|change| ChangeEdge {
            cursor: encode_cursor(change.0.id),
            node: change.clone(),
        })
        .collect();
    ChangeConnection {
        page_info: PageInfo {
            has_next_page,
            has_previous_page: after,
            start_cursor: edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        },
        edges,
        nodes,
        total_count: total,
    }
}

/// A change's cursor: the opaque form of its place in the log.
pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{id}"))
}

/// The place in the log a cursor names; `BAD_USER_INPUT` for one this
/// server did not issue.
pub fn decode_cursor(cursor: &str) -> AppResult<i64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX)?.parse::<i64>().ok())
        .filter(|id| *id >= 0)
        .ok_or_else(|| AppError::bad_input(format!("`{cursor}` is not a change cursor")))
}

/// Unix milliseconds as RFC 3339 in UTC, to the millisecond.
pub fn rfc3339(millis: i64) -> String {
    let (secs, ms) = (millis.div_euclid(1000), millis.rem_euclid(1000));
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        day_secs / 3600,
        day_secs % 3600 / 60,
        day_secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_cursors() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_798_761_600_123), "2027-01-01T00:00:00.123Z");
        assert_eq!(decode_cursor(&encode_cursor(42)).unwrap(), 42);
        assert!(decode_cursor("garbage").is_err());
    }
}
