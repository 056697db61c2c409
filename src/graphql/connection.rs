//! Relay connections shared by every list: page arguments, opaque cursors,
//! and the page itself.
//!
//! A cursor is the opaque form of a row's position in its ordered list, so
//! `after`/`before` work the same for lists read from SQL (`LIMIT`/`OFFSET`)
//! and lists a loader read whole for many parents at once.

use async_graphql::{OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::committee::Committee;
use super::expert::Expert;
use super::id::truncate;
use super::liaison::Liaison;
use super::loader::fetch;
use super::standard::Standard;
use super::working_group::WorkingGroup;
use crate::config::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::error::{AppError, AppResult};

const CURSOR_PREFIX: &str = "offset:";

/// Relay's page information.
// `@shareable`: other Relay-style subgraphs define the same type, and a
// supergraph may resolve it from any of them (tests/federation checks it).
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
#[graphql(shareable)]
pub struct PageInfo {
    /// Whether rows follow this page.
    pub has_next_page: bool,
    /// Whether rows precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first edge, if any.
    pub start_cursor: Option<String>,
    /// The cursor of the last edge, if any.
    pub end_cursor: Option<String>,
}

/// One row of a page with its cursor.
#[derive(SimpleObject)]
#[graphql(concrete(name = "CommitteeEdge", params(Committee)))]
#[graphql(concrete(name = "WorkingGroupEdge", params(WorkingGroup)))]
#[graphql(concrete(name = "StandardEdge", params(Standard)))]
#[graphql(concrete(name = "ExpertEdge", params(Expert)))]
#[graphql(concrete(name = "LiaisonEdge", params(Liaison)))]
pub struct Edge<T: OutputType> {
    /// Opaque; pass it as `after` or `before` to page from here.
    pub cursor: String,
    pub node: T,
}

/// A page of a list, Relay style.
// `StandardConnection` wraps a page of standards with the facets of its
// list (`standard_facets.rs`).
#[derive(SimpleObject)]
#[graphql(concrete(name = "CommitteeConnection", params(Committee)))]
#[graphql(concrete(name = "WorkingGroupConnection", params(WorkingGroup)))]
#[graphql(concrete(name = "ExpertConnection", params(Expert)))]
#[graphql(concrete(name = "LiaisonConnection", params(Liaison)))]
pub struct Connection<T>
where
    T: OutputType,
    Edge<T>: OutputType,
{
    pub edges: Vec<Edge<T>>,
    /// The page's nodes, without cursors.
    pub nodes: Vec<T>,
    pub page_info: PageInfo,
    /// Rows in the whole list, across every page.
    pub total_count: i32,
}

/// The `first`/`after`/`last`/`before` arguments of a connection field.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// The rows a page covers: positions `offset..offset + limit` of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    pub offset: usize,
    pub limit: usize,
}

impl PageArgs {
    pub fn forward(first: Option<i32>, after: Option<String>) -> Self {
        Self {
            first,
            after,
            ..Self::default()
        }
    }

    /// Refuses bad sizes and cursors before any statement runs.
    pub fn validate(&self) -> AppResult<()> {
        page_size("first", self.first)?;
        page_size("last", self.last)?;
        for cursor in [&self.after, &self.before].into_iter().flatten() {
            decode_cursor(cursor)?;
        }
        Ok(())
    }

    /// Whether the page is counted from the end, so the list's length must be known first.
    pub fn needs_total(&self) -> bool {
        self.last.is_some() && self.before.is_none()
    }

    /// The window these arguments select from a list of `total` rows
    /// (`None` when unknown, allowed unless `needs_total`).
    pub fn window(&self, total: Option<usize>) -> AppResult<Window> {
        let first = page_size("first", self.first)?;
        let last = page_size("last", self.last)?;
        let mut start = match &self.after {
            Some(cursor) => decode_cursor(cursor)? + 1,
            None => 0,
        };
        let mut end = match &self.before {
            Some(cursor) => Some(decode_cursor(cursor)?),
            None => total,
        };
        if let Some(total) = total {
            start = start.min(total);
            end = end.map(|end| end.min(total));
        }
        let mut end = end.map(|end| end.max(start));
        match (first, last) {
            (None, None) => {
                end = Some(end.map_or(start + DEFAULT_PAGE_SIZE, |end| {
                    end.min(start + DEFAULT_PAGE_SIZE)
                }))
            }
            (first, last) => {
                if let Some(first) = first {
                    end = Some(end.map_or(start + first, |end| end.min(start + first)));
                }
                if let Some(last) = last {
                    let end =
                        end.expect("`last` without `before` is only windowed with a known total");
                    start = start.max(end.saturating_sub(last));
                }
            }
        }
        let end = end.expect("every branch bounds the end");
        Ok(Window {
            offset: start,
            limit: end - start,
        })
    }
}

fn page_size(name: &str, value: Option<i32>) -> AppResult<Option<usize>> {
    match value {
        None => Ok(None),
        Some(n) if n < 0 => Err(AppError::bad_input(format!(
            "`{name}` must not be negative"
        ))),
        Some(n) if n as usize > MAX_PAGE_SIZE => Err(AppError::bad_input(format!(
            "`{name}` must be at most {MAX_PAGE_SIZE}; page through longer lists with cursors"
        ))),
        Some(n) => Ok(Some(n as usize)),
    }
}

/// A row's sort keys, carried in its cursor so that the next page can start
/// right after it (keyset pagination) instead of counting rows to skip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SortKeys {
    /// The ordering the values belong to; a cursor of another ordering is
    /// used by position only.
    pub ordering: String,
    pub values: Vec<serde_json::Value>,
}

pub fn encode_cursor(position: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{position}"))
}

/// A cursor that also holds the row's sort keys.
pub fn encode_keyed_cursor(position: usize, keys: &SortKeys) -> String {
    let keys = serde_json::to_string(keys).expect("sort keys serialize");
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{position}|{keys}"))
}

pub fn decode_cursor(cursor: &str) -> AppResult<usize> {
    decode_keyed_cursor(cursor).map(|(position, _)| position)
}

/// A cursor's position, and its sort keys where it holds them.
pub fn decode_keyed_cursor(cursor: &str) -> AppResult<(usize, Option<SortKeys>)> {
    let text = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    text.as_deref()
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX))
        .and_then(|rest| match rest.split_once('|') {
            None => Some((rest.parse().ok()?, None)),
            Some((position, keys)) => Some((
                position.parse().ok()?,
                Some(serde_json::from_str(keys).ok()?),
            )),
        })
        // No list is longer than an Int counts: a larger position was not
        // issued here, and would overflow the window's arithmetic.
        .filter(|(position, _)| *position <= i32::MAX as usize)
        .ok_or_else(|| {
            AppError::bad_input(format!(
                "`{}` is not a cursor issued by this registry",
                truncate(cursor)
            ))
        })
}

impl<T> Connection<T>
where
    T: OutputType + Clone,
    Edge<T>: OutputType,
{
    /// A page of rows read for `window`: `rows` may hold one row past the
    /// window, which only tells that a next page exists.
    pub fn from_window(rows: Vec<T>, window: Window, total_count: usize, more_after: bool) -> Self {
        Self::from_keyed_window(rows, window, total_count, more_after, |_| None)
    }

    /// The same, with cursors that carry each row's sort keys (`keys_of`).
    pub fn from_keyed_window(
        mut rows: Vec<T>,
        window: Window,
        total_count: usize,
        more_after: bool,
        keys_of: impl Fn(&T) -> Option<SortKeys>,
    ) -> Self {
        let has_next_page = more_after || rows.len() > window.limit;
        rows.truncate(window.limit);
        let edges: Vec<Edge<T>> = rows
            .into_iter()
            .enumerate()
            .map(|(i, node)| {
                let position = window.offset + i;
                let cursor = match keys_of(&node) {
                    Some(keys) => encode_keyed_cursor(position, &keys),
                    None => encode_cursor(position),
                };
                Edge { cursor, node }
            })
            .collect();
        Self {
            page_info: PageInfo {
                has_next_page,
                has_previous_page: window.offset > 0,
                start_cursor: edges.first().map(|edge| edge.cursor.clone()),
                end_cursor: edges.last().map(|edge| edge.cursor.clone()),
            },
            nodes: edges.iter().map(|edge| edge.node.clone()).collect(),
            edges,
            total_count: i32::try_from(total_count).unwrap_or(i32::MAX),
        }
    }

    /// A page of a list that is already whole in memory.
    pub fn from_list(list: Vec<T>, args: &PageArgs) -> AppResult<Self> {
        let total = list.len();
        let window = args.window(Some(total))?;
        let end = window.offset + window.limit;
        let rows = list
            .into_iter()
            .skip(window.offset)
            .take(window.limit)
            .collect();
        Ok(Self::from_window(rows, window, total, end < total))
    }
}

/// Whether the client selected `totalCount` on the connection being resolved:
/// counting costs a statement, so it runs only when asked for.
pub fn wants_total(ctx: &async_graphql::Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Whether the client selected anything of a connection that needs its rows
/// (`{ totalCount }` alone does not).
pub fn wants_rows(ctx: &async_graphql::Context<'_>) -> bool {
    let selection = ctx.look_ahead();
    ["nodes", "edges", "pageInfo"]
        .into_iter()
        .any(|field| selection.field(field).exists())
}

/// A page of a root list read straight from SQL with `LIMIT`/`OFFSET`,
/// counting the list only when `totalCount` or `last` needs it.
pub async fn sql_page<E, T>(
    ctx: &async_graphql::Context<'_>,
    select: sea_orm::Select<E>,
    args: &PageArgs,
    wrap: impl Fn(std::sync::Arc<E::Model>) -> T,
) -> AppResult<Connection<T>>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
    T: OutputType + Clone,
    Edge<T>: OutputType,
{
    keyed_sql_page(ctx, select, None, None, args, wrap, |_| None).await
}

/// A page of a root list read from SQL. With `after_keys` (the condition
/// for the rows that follow the `after` cursor's row) the page starts there
/// by keyset, and a page 1,000 pages deep costs what
/// the first does; otherwise by `OFFSET`. Cursors carry `keys_of` each row.
/// The list's length is `counted`'s `total` when given (a sum of counts kept
/// by the import), otherwise its rows counted.
#[allow(clippy::too_many_arguments)]
pub async fn keyed_sql_page<E, T>(
    ctx: &async_graphql::Context<'_>,
    select: sea_orm::Select<E>,
    after_keys: Option<sea_orm::Condition>,
    counted: Option<sea_orm::sea_query::SelectStatement>,
    args: &PageArgs,
    wrap: impl Fn(std::sync::Arc<E::Model>) -> T,
    keys_of: impl Fn(&T) -> Option<SortKeys>,
) -> AppResult<Connection<T>>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
    T: OutputType + Clone,
    Edge<T>: OutputType,
{
    use sea_orm::{QueryFilter, QuerySelect};

    args.validate()?;
    let count = wants_total(ctx) || args.needs_total();
    let read_rows = wants_rows(ctx);
    // Counting first only when the window is counted from the end.
    let known_total = if args.needs_total() {
        let (select, counted) = (select.clone(), counted.clone());
        Some(
            fetch(
                ctx,
                move |db| async move { length(&db, &select, counted).await },
            )
            .await? as usize,
        )
    } else {
        None
    };
    let window = args.window(known_total)?;
    let (rows, total) = fetch(ctx, move |db| async move {
        let total = match known_total {
            Some(total) => Some(total as u64),
            None if count => Some(length(&db, &select, counted).await?),
            None => None,
        };
        if !read_rows {
            return Ok((Vec::new(), total));
        }
        let page = match after_keys {
            Some(after) => select.filter(after),
            None => select.offset(window.offset as u64),
        };
        let rows = page.limit(window.limit as u64 + 1).all(&db).await?;
        Ok((rows, total))
    })
    .await?;
    let total = total.map(|total| total as usize);
    let more_after = total.is_some_and(|total| window.offset + window.limit < total);
    let rows = rows
        .into_iter()
        .map(std::sync::Arc::new)
        .map(wrap)
        .collect();
    Ok(Connection::from_keyed_window(
        rows,
        window,
        total.unwrap_or(0),
        more_after,
        keys_of,
    ))
}

/// A list's length: `counted`'s `total`, or its rows counted.
async fn length<E: sea_orm::EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    select: &sea_orm::Select<E>,
    counted: Option<sea_orm::sea_query::SelectStatement>,
) -> Result<u64, sea_orm::DbErr>
where
    E::Model: Send + Sync,
{
    use sea_orm::PaginatorTrait;

    let Some(counted) = counted else {
        return select.clone().count(db).await;
    };
    let total: i64 = match db.query_one(&counted).await? {
        Some(row) => row.try_get("", "total")?,
        None => 0,
    };
    u64::try_from(total).map_err(|err| sea_orm::DbErr::Type(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        first: Option<i32>,
        after: Option<usize>,
        last: Option<i32>,
        before: Option<usize>,
    ) -> PageArgs {
        PageArgs {
            first,
            after: after.map(encode_cursor),
            last,
            before: before.map(encode_cursor),
        }
    }

    #[test]
    fn windows_follow_relay() {
        let w = |a: PageArgs, total| a.window(total).unwrap();
        assert_eq!(
            w(args(Some(2), None, None, None), None),
            Window {
                offset: 0,
                limit: 2
            }
        );
        assert_eq!(
            w(args(Some(2), Some(1), None, None), None),
            Window {
                offset: 2,
                limit: 2
            }
        );
        assert_eq!(
            w(args(None, None, Some(2), None), Some(10)),
            Window {
                offset: 8,
                limit: 2
            }
        );
        assert_eq!(
            w(args(None, None, Some(3), Some(5)), None),
            Window {
                offset: 2,
                limit: 3
            }
        );
        assert_eq!(
            w(args(Some(10), Some(3), None, Some(6)), None),
            Window {
                offset: 4,
                limit: 2
            }
        );
        assert_eq!(
            w(args(None, None, None, None), Some(5)),
            Window {
                offset: 0,
                limit: 5
            }
        );
        assert_eq!(
            w(args(Some(5), Some(20), None, None), Some(10)),
            Window {
                offset: 10,
                limit: 0
            }
        );
    }

    #[test]
    fn bad_sizes_and_cursors_are_refused() {
        assert!(args(Some(101), None, None, None).window(None).is_err());
        assert!(args(Some(-1), None, None, None).window(None).is_err());
        assert!(decode_cursor("garbage").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("offset:-3")).is_err());
        assert_eq!(decode_cursor(&encode_cursor(42)).unwrap(), 42);
    }
}
