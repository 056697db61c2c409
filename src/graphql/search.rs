//! `search` and `searchResults`: one text box over committees, working
//! groups, standards and experts, ranked, read from the full-text index
//! (`search_index`, `search_text`).

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject, Union};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend};

use super::committee::{Committee, CommitteeById};
use super::connection::{PageArgs, PageInfo, Window, encode_cursor, wants_total};
use super::expert::{Expert, ExpertById};
use super::loader::{fetch, loaders};
use super::standard::{Standard, StandardById};
use super::standard_filter::{StandardFilter, checked_text, resolve_filter};
use super::working_group::{WorkingGroup, WorkingGroupById};
use crate::config::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::error::{AppError, AppResult};
use crate::search_index::{COMMITTEE, EXPERT, STANDARD, SearchDocument, WORKING_GROUP};
use crate::search_text::{TIER, TextQuery};

/// A record `search` found.
#[derive(Union, Clone)]
pub enum SearchHit {
    Committee(Committee),
    WorkingGroup(WorkingGroup),
    Standard(Standard),
    Expert(Expert),
}

/// A kind of record a search returns.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SearchType {
    Committee,
    WorkingGroup,
    Standard,
    Expert,
}

impl SearchType {
    fn kind(self) -> &'static str {
        match self {
            Self::Committee => COMMITTEE,
            Self::WorkingGroup => WORKING_GROUP,
            Self::Standard => STANDARD,
            Self::Expert => EXPERT,
        }
    }
}

/// Where a hit matched: one field with the matched words marked.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct Highlight {
    /// The field's name as the hit's type has it: `code`, `title`, `name`,
    /// `scope`, `focus`, `organization` or `notes`.
    pub field: String,
    /// The field's text, HTML-escaped, each matched word (or inflection or
    /// prefix of a searched word) inside `<mark>` and `</mark>`; a long text
    /// is cut to about 24 words around the first match, `…` where cut.
    pub snippet: String,
}

/// One hit with its rank.
#[derive(SimpleObject, Clone)]
pub struct SearchResultEdge {
    /// Opaque; pass it as `after` to page from here.
    pub cursor: String,
    pub node: SearchHit,
    /// Relevance, higher first, adding up: 100 for the typed text being a
    /// spelling of the record's code or an alias, 40 or more for a code
    /// starting with it, 20 for a code containing it; 12.5 and more for a
    /// title or name holding every word whole, 10 and more for one holding
    /// them with the last only as the start of a word (`metaver`), 0.5 for
    /// every word whole elsewhere (aliases, scope, notes...); 1 for any match.
    pub score: f64,
    /// The fields the words matched, in the order the type lists them.
    pub highlights: Vec<Highlight>,
}

/// A page of ranked search hits, Relay style.
#[derive(SimpleObject)]
pub struct SearchResultConnection {
    pub edges: Vec<SearchResultEdge>,
    /// The page's hits, without ranks.
    pub nodes: Vec<SearchHit>,
    pub page_info: PageInfo,
    /// Hits across every page.
    pub total_count: i32,
}

#[derive(Default)]
pub struct SearchQuery;

#[Object(cache_control(max_age = 300))]
impl SearchQuery {
    /// Committees, working groups, standards and experts matching `text`,
    /// best first (as `searchResults` ranks them); at most `first` (default
    /// 20, at most 100).
    async fn search(
        &self,
        ctx: &Context<'_>,
        text: String,
        first: Option<i32>,
    ) -> AppResult<Vec<SearchHit>> {
        let limit = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => n as usize,
            Some(_) => {
                return Err(AppError::bad_input(format!(
                    "`first` must be between 0 and {MAX_PAGE_SIZE}"
                )));
            }
        };
        let window = Window { offset: 0, limit };
        let page = ranked(ctx, &text, None, None, window, false).await?;
        Ok(page.hits.into_iter().map(|hit| hit.node).collect())
    }

    /// Committees, working groups, standards and experts matching `text`,
    /// ranked (see `SearchResultEdge.score`; ties by code among records
    /// whose code holds the text, otherwise the shorter title or name
    /// first, then code), with the fields that matched highlighted.
    ///
    /// `text` is what a person types: words match their stems (`graphs`
    /// finds `graph`) and the last word also as a prefix (`metaver`); "a
    /// quoted phrase" matches its words in order; `-word` excludes; any
    /// spelling of a code (`GB/T45993`, `sc 42`) ranks that record first.
    /// Punctuation separates words and is never an error. `types` limits
    /// the kinds of records; `filter` returns only standards meeting it.
    async fn search_results(
        &self,
        ctx: &Context<'_>,
        text: String,
        types: Option<Vec<SearchType>>,
        filter: Option<StandardFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<SearchResultConnection> {
        let args = PageArgs::forward(first, after);
        args.validate()?;
        let window = args.window(None)?;
        let page = ranked(ctx, &text, types, filter, window, wants_total(ctx)).await?;
        let edges: Vec<SearchResultEdge> = page
            .hits
            .into_iter()
            .take(window.limit)
            .enumerate()
            .map(|(i, mut hit)| {
                hit.cursor = encode_cursor(window.offset + i);
                hit
            })
            .collect();
        Ok(SearchResultConnection {
            page_info: PageInfo {
                has_next_page: page.more,
                has_previous_page: window.offset > 0,
                start_cursor: edges.first().map(|edge| edge.cursor.clone()),
                end_cursor: edges.last().map(|edge| edge.cursor.clone()),
            },
            nodes: edges.iter().map(|edge| edge.node.clone()).collect(),
            edges,
            total_count: i32::try_from(page.total).unwrap_or(i32::MAX),
        })
    }
}

/// The hits of one window, whether more follow, and (when asked) how many
/// there are in all.
struct Ranked {
    hits: Vec<SearchResultEdge>,
    more: bool,
    total: usize,
}

/// One statement for the window's ranked ids (and one to count them, when
/// asked), then the records through the loaders: one statement per kind.
async fn ranked(
    ctx: &Context<'_>,
    text: &str,
    types: Option<Vec<SearchType>>,
    filter: Option<StandardFilter>,
    window: Window,
    with_total: bool,
) -> AppResult<Ranked> {
    let text = checked_text(ctx, text)?;
    if text.is_empty() {
        return Err(AppError::bad_input("search text must not be empty"));
    }
    let query = TextQuery::parse(&text);
    let backend = loaders(ctx).loader().db.get_database_backend();
    let mut scope = Condition::all();
    if let Some(types) = types {
        scope = scope.add(
            Expr::col((SearchDocument::Table, SearchDocument::Kind))
                .is_in(types.into_iter().map(SearchType::kind)),
        );
    }
    if let Some(filter) = filter {
        let standards = resolve_filter(ctx, Some(filter), None).await?;
        scope = scope
            .add(Expr::col((SearchDocument::Table, SearchDocument::Kind)).eq(STANDARD))
            .add(
                Expr::col((SearchDocument::Table, SearchDocument::RecordId))
                    .in_subquery(standards.standard_ids()),
            );
    }
    if query.is_empty() || window.limit == 0 && !with_total {
        return Ok(Ranked {
            hits: Vec::new(),
            more: false,
            total: 0,
        });
    }
    let page = page_statement(&query, backend, scope.clone(), window);
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(SearchDocument::Table)
        .cond_where(scope.add(query.matches(backend)))
        .to_owned();
    let (rows, total) = fetch(ctx, move |db| async move {
        let rows = db.query_all(&page).await?;
        let total = match with_total {
            true => db
                .query_one(&count)
                .await?
                .map(|row| row.try_get_by_index::<i64>(0))
                .transpose()?
                .unwrap_or(0),
            false => 0,
        };
        let rows = rows
            .into_iter()
            .map(|row| {
                Ok((
                    row.try_get::<String>("", "kind")?,
                    row.try_get::<i64>("", "record_id")? as i32,
                    row.try_get::<f64>("", "score")?,
                ))
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        Ok((rows, total))
    })
    .await?;
    let more = rows.len() > window.limit;
    let rows = &rows[..rows.len().min(window.limit)];
    let ids = |kind: &str| {
        rows.iter()
            .filter(|(k, _, _)| k == kind)
            .map(|(_, id, _)| *id)
            .collect::<Vec<_>>()
    };
    let batch = loaders(ctx);
    let (committees, groups, standards, experts) = futures_join(
        batch.load_many(ids(COMMITTEE).into_iter().map(CommitteeById::new)),
        batch.load_many(ids(WORKING_GROUP).into_iter().map(WorkingGroupById::new)),
        batch.load_many(ids(STANDARD).into_iter().map(StandardById::new)),
        batch.load_many(ids(EXPERT).into_iter().map(ExpertById::new)),
    )
    .await;
    let (committees, groups, standards, experts) = (committees?, groups?, standards?, experts?);
    let mut hits = Vec::with_capacity(rows.len());
    for (kind, id, score) in rows {
        let found = match kind.as_str() {
            COMMITTEE => committees
                .get(&CommitteeById::new(*id))
                .map(|row| SearchHit::Committee(Committee(Arc::clone(row)))),
            WORKING_GROUP => groups
                .get(&WorkingGroupById::new(*id))
                .map(|row| SearchHit::WorkingGroup(WorkingGroup(Arc::clone(row)))),
            STANDARD => standards
                .get(&StandardById::new(*id))
                .map(|row| SearchHit::Standard(Standard(Arc::clone(row)))),
            EXPERT => experts
                .get(&ExpertById::new(*id))
                .map(|row| SearchHit::Expert(Expert(Arc::clone(row)))),
            _ => None,
        };
        // A record deleted since the index was read is left out.
        let Some(node) = found else { continue };
        hits.push(SearchResultEdge {
            cursor: String::new(),
            highlights: highlights(&query, &node),
            node,
            score: *score,
        });
    }
    Ok(Ranked {
        hits,
        more,
        total: total as usize,
    })
}

/// Awaits four loads side by side, so they batch into one round.
async fn futures_join<A, B, C, D>(
    a: impl Future<Output = A>,
    b: impl Future<Output = B>,
    c: impl Future<Output = C>,
    d: impl Future<Output = D>,
) -> (A, B, C, D) {
    tokio::join!(a, b, c, d)
}

/// The window's rows, best first: kind, record id and score, one past the
/// window to tell whether more follow. Only the candidates that can reach
/// the window are scored (`TextQuery::candidates`); ties go by code among
/// code matches, then by index order.
fn page_statement(
    query: &TextQuery,
    backend: DbBackend,
    scope: Condition,
    window: Window,
) -> SelectStatement {
    let record_id = match backend {
        DbBackend::Postgres => "CAST(search_document.record_id AS BIGINT)",
        _ => "search_document.record_id",
    };
    let reach = (window.offset + window.limit + 1) as u64;
    let best = Alias::new("best");
    let tier = Expr::col((best.clone(), Alias::new(TIER)));
    let mut page = Query::select();
    page.column((SearchDocument::Table, SearchDocument::Kind))
        .expr_as(Expr::cust(record_id), Alias::new("record_id"))
        .expr_as(query.score(backend, Some(tier)), Alias::new("score"))
        .from_subquery(query.candidates(backend, scope, reach), best.clone())
        .inner_join(
            SearchDocument::Table,
            Expr::col((SearchDocument::Table, SearchDocument::Id))
                .equals((best, SearchDocument::Id)),
        )
        .order_by(Alias::new("score"), Order::Desc);
    if let Some(code) = query.code_tie(backend) {
        page.order_by_expr(code, Order::Asc);
    }
    page.order_by((SearchDocument::Table, SearchDocument::Id), Order::Asc)
        .limit(window.limit as u64 + 1)
        .offset(window.offset as u64)
        .to_owned()
}

/// The fields of a hit its words matched, in the type's field order.
fn highlights(query: &TextQuery, hit: &SearchHit) -> Vec<Highlight> {
    let fields: Vec<(&str, Option<&str>)> = match hit {
        SearchHit::Committee(row) => vec![
            ("code", Some(&row.0.code)),
            ("name", Some(&row.0.name)),
            ("scope", row.0.scope.as_deref()),
            ("notes", row.0.notes.as_deref()),
        ],
        SearchHit::WorkingGroup(row) => vec![
            ("code", Some(&row.0.code)),
            ("name", Some(&row.0.name)),
            ("focus", row.0.focus.as_deref()),
            ("notes", row.0.notes.as_deref()),
        ],
        SearchHit::Standard(row) => vec![
            ("code", Some(&row.0.code)),
            ("title", Some(&row.0.title)),
            ("notes", row.0.notes.as_deref()),
        ],
        SearchHit::Expert(row) => vec![
            ("name", Some(&row.0.name)),
            ("organization", row.0.organization.as_deref()),
            ("notes", row.0.notes.as_deref()),
        ],
    };
    fields
        .into_iter()
        .filter_map(|(field, text)| {
            Some(Highlight {
                field: field.to_owned(),
                snippet: query.highlight(text?)?,
            })
        })
        .collect()
}
