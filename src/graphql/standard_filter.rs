//! Filtering and ordering standards: the `StandardFilter` and
//! `StandardOrder` inputs, their resolution into SQL, and the loader that
//! serves every parent's standards in one statement.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, InputObject};
use entity::standard::{StandardKind as StoredKind, StandardStatus as StoredStatus};
use entity::{committee, standard, working_group};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, JoinType, NullOrdering, Query, SelectStatement,
    SubQueryStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityName, EntityTrait, FromQueryResult,
    Order, QueryFilter, QueryOrder, QueryTrait, Select,
};

use super::committee::{SubtreeOf, committee_by_code};
use super::connection::{
    Connection, PageArgs, SortKeys, Window, decode_keyed_cursor, keyed_sql_page, wants_rows,
    wants_total,
};
use super::loader::{LoadResult, Owner, RegistryLoader, loaders};
use super::standard::{Standard, StandardKind, StandardStatus};
use super::standard_facets::StandardConnection;
use super::working_group::working_group_by_code;
use crate::config::SchemaConfig;
use crate::error::{AppError, AppResult};
use crate::search_index::{self, SearchDocument};
use crate::search_text::TextQuery;
use crate::standard_tally;

/// Which standards a list holds. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct StandardFilter {
    /// Any of these statuses.
    pub status: Option<Vec<StandardStatus>>,
    /// Any of these kinds.
    pub kind: Option<Vec<StandardKind>>,
    /// Committee code or alias; includes the committee's subcommittees and working groups.
    pub committee: Option<String>,
    /// Working group code.
    pub working_group: Option<String>,
    /// Published in this year or later.
    pub year_from: Option<i32>,
    /// Published in this year or earlier.
    pub year_to: Option<i32>,
    /// Full-text match on code, title and notes: words and their stems, the
    /// last word also as a prefix, "quoted phrases", `-word` to exclude, and
    /// any spelling of a code (see `searchResults`). With `orderBy:
    /// [{ field: RELEVANCE, direction: DESC }]` the best match comes first.
    pub text: Option<String>,
}

/// What a list of standards is ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StandardOrderField {
    Code,
    Title,
    /// Unknown years last.
    Year,
    /// In lifecycle order: published first, withdrawn last.
    Status,
    /// By how well a standard matches `filter.text` (the score of
    /// `searchResults`; `DESC` for the best match first, ties by code); by
    /// code without a text.
    Relevance,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum OrderDirection {
    Asc,
    Desc,
}

/// One ordering key; later keys break ties of earlier ones.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct StandardOrder {
    pub field: StandardOrderField,
    pub direction: OrderDirection,
}

/// A filter and ordering with codes resolved to rows: the part of a
/// `StandardsOf` key that parents of one list share, so they batch together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResolvedFilter {
    statuses: Vec<StoredStatus>,
    kinds: Vec<StoredKind>,
    /// Committees whose standards qualify; `Some(empty)` for an unknown code.
    committees: Option<Vec<i32>>,
    /// The working group whose standards qualify; `Some(None)` for an unknown code.
    working_group: Option<Option<i32>>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    /// The parsed `text`; `None` for none or an empty one.
    text: Option<TextQuery>,
    /// Which database the text's SQL is written for.
    backend_postgres: bool,
    order: Vec<(StandardOrderField, OrderDirection)>,
}

/// Checks a filter and resolves its codes; an unknown committee or working
/// group selects nothing, as an unknown code in a lookup answers `null`.
pub async fn resolve_filter(
    ctx: &Context<'_>,
    filter: Option<StandardFilter>,
    order_by: Option<Vec<StandardOrder>>,
) -> AppResult<ResolvedFilter> {
    let filter = filter.unwrap_or_default();
    let mut resolved = ResolvedFilter {
        statuses: filter
            .status
            .unwrap_or_default()
            .into_iter()
            .map(StoredStatus::from)
            .collect(),
        kinds: filter
            .kind
            .unwrap_or_default()
            .into_iter()
            .map(StoredKind::from)
            .collect(),
        year_from: filter.year_from,
        year_to: filter.year_to,
        text: filter
            .text
            .map(|text| checked_text(ctx, &text))
            .transpose()?
            .filter(|text| !text.is_empty())
            .map(|text| TextQuery::parse(&text)),
        backend_postgres: loaders(ctx).loader().db.get_database_backend() == DbBackend::Postgres,
        order: order_by
            .unwrap_or_default()
            .into_iter()
            .map(|order| (order.field, order.direction))
            .collect(),
        ..ResolvedFilter::default()
    };
    if let Some(code) = filter.committee {
        resolved.committees = Some(match committee_by_code(ctx, &code).await? {
            Some(committee) => loaders(ctx)
                .load_one(SubtreeOf(committee.0.id))
                .await?
                .unwrap_or_default(),
            None => Vec::new(),
        });
    }
    if let Some(code) = filter.working_group {
        resolved.working_group = Some(
            working_group_by_code(ctx, &code)
                .await?
                .map(|group| group.0.id),
        );
    }
    Ok(resolved)
}

/// Search text, trimmed and bounded by `SchemaConfig::max_text_length`.
pub fn checked_text(ctx: &Context<'_>, text: &str) -> AppResult<String> {
    let max = ctx.data_unchecked::<SchemaConfig>().max_text_length;
    let text = text.trim();
    if text.chars().count() > max {
        return Err(AppError::bad_input(format!(
            "search text must be at most {max} characters"
        )));
    }
    Ok(text.to_owned())
}

impl ResolvedFilter {
    /// The standards meeting this filter and `scope`, in this filter's order
    /// with the row id breaking ties, so pages never overlap.
    pub fn select(&self, scope: Condition) -> Select<standard::Entity> {
        self.ordering().into_iter().fold(
            standard::Entity::find().filter(self.condition(scope)),
            |select, key| match key.nulls {
                Some(nulls) => select.order_by_with_nulls(key.expr, key.order, nulls),
                None => select.order_by(key.expr, key.order),
            },
        )
    }

    /// One page of standards for each of many owners, in one statement:
    /// every owner's page is an index range (`LIMIT`/`OFFSET` on the owner's
    /// own rows, `owner_id, code` being indexed), not a numbering of all its
    /// rows. SQLite runs the page as a correlated `IN` subquery, PostgreSQL
    /// as a `LATERAL` join; owners with no row in their window still get a
    /// row (of nulls), which carries their total when `with_total`.
    fn owner_pages(
        &self,
        backend: DbBackend,
        by_committee: bool,
        owners: &[i32],
        window: Window,
        with_total: bool,
    ) -> SelectStatement {
        let owner_column = if by_committee {
            standard::Column::CommitteeId
        } else {
            standard::Column::WorkingGroupId
        };
        let owner_table = if by_committee {
            committee::Entity.table_ref()
        } else {
            working_group::Entity.table_ref()
        };
        let of_owner = Condition::all().add(
            Expr::col((standard::Entity, owner_column)).equals((PAGE_OWNER, Alias::new("id"))),
        );
        let mut page = standard::Entity::find()
            .filter(self.condition(of_owner.clone()))
            .into_query();
        for key in self.ordering() {
            match key.nulls {
                Some(nulls) => page.order_by_expr_with_nulls(key.expr, key.order, nulls),
                None => page.order_by_expr(key.expr, key.order),
            };
        }
        page.limit(window.limit as u64 + 1)
            .offset(window.offset as u64);
        let mut select = Query::select();
        select.expr_as(Expr::col((PAGE_OWNER, Alias::new("id"))), PAGE_OWNER_ID);
        if with_total {
            let count = Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(standard::Entity)
                .cond_where(self.condition(of_owner))
                .to_owned();
            select.expr_as(
                Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(count))),
                PAGE_TOTAL,
            );
        }
        select
            .column((standard::Entity, Asterisk))
            .from_as(owner_table, PAGE_OWNER)
            .and_where(Expr::col((PAGE_OWNER, Alias::new("id"))).is_in(owners.iter().copied()));
        match backend {
            DbBackend::Postgres => {
                select.join_lateral(
                    JoinType::LeftJoin,
                    page,
                    standard::Entity,
                    Expr::cust("TRUE"),
                );
            }
            _ => {
                let ids = page
                    .clear_selects()
                    .column((standard::Entity, standard::Column::Id))
                    .to_owned();
                select.join(
                    JoinType::LeftJoin,
                    standard::Entity,
                    Expr::col((standard::Entity, standard::Column::Id)).in_subquery(ids),
                );
            }
        }
        select.order_by((PAGE_OWNER, Alias::new("id")), Order::Asc);
        for key in self.ordering() {
            match key.nulls {
                Some(nulls) => select.order_by_expr_with_nulls(key.expr, key.order, nulls),
                None => select.order_by_expr(key.expr, key.order),
            };
        }
        select
    }

    /// The condition a standard of this list meets, within `scope`. On
    /// SQLite, which keeps no statistics, the kind term is written `+kind`:
    /// otherwise the facet index, led by kind, is chosen to read any list
    /// filtered by kind, and a page ordered by year or code sorts every
    /// standard of those kinds (200 ms at 200,000 standards, where the
    /// year's or code's index yields the page's rows in order).
    pub(crate) fn condition(&self, scope: Condition) -> Condition {
        self.condition_reading(scope, true, self.backend_postgres)
    }

    /// Whether the list's counts by facet can be summed from the tally
    /// (`standard_tally`): it filters on kind, status, year and committee
    /// alone, the tally's columns.
    pub(crate) fn tallied(&self) -> bool {
        self.text.is_none() && self.working_group.is_none()
    }

    /// The tally's columns this filter's condition names, as grain bits
    /// (`standard_tally::grain`).
    pub(crate) fn tally_columns(&self) -> u8 {
        use crate::standard_tally::{COMMITTEE, KIND, STATUS, YEAR};

        let named = [
            (!self.kinds.is_empty(), KIND),
            (!self.statuses.is_empty(), STATUS),
            (self.year_from.is_some() || self.year_to.is_some(), YEAR),
            (self.committees.is_some(), COMMITTEE),
        ];
        named
            .into_iter()
            .filter(|(named, _)| *named)
            .fold(0, |columns, (_, bit)| columns | bit)
    }

    /// The condition on the tally (named `standard`) for a statement that
    /// needs `columns` besides the filter's own: its smallest grain holding
    /// them all, and the filter.
    pub(crate) fn tally_condition(&self, columns: u8) -> Condition {
        let grain = standard_tally::grain(columns | self.tally_columns());
        let of_grain = Expr::col((standard::Entity, Alias::new("grain"))).eq(i32::from(grain));
        self.facet_condition(Condition::all().add(of_grain), true)
    }

    /// `SELECT SUM(standards) AS total` of the list, for a `tallied` one:
    /// its length from the tally's smallest grain the filter can read,
    /// a few rows rather than every standard it counts.
    pub(crate) fn tally_count(&self) -> SelectStatement {
        Query::select()
            .expr_as(
                Expr::cust("CAST(COALESCE(SUM(standards), 0) AS BIGINT)"),
                Alias::new("total"),
            )
            .from_as(Alias::new(standard_tally::TABLE), standard::Entity)
            .cond_where(self.tally_condition(0))
            .to_owned()
    }

    /// `condition`, for a statement that counts the list from the facet
    /// index (`standard_facets`): on SQLite, which keeps no statistics, the
    /// status and year terms (and kind, when `tallied`) are written
    /// `+status` so that no index on them is chosen to read the rows they
    /// name, rather than one that yields the groups in order; committee,
    /// group and text still pick theirs.
    pub(crate) fn facet_condition(&self, scope: Condition, tallied: bool) -> Condition {
        let indexed = self.backend_postgres;
        self.condition_reading(scope, indexed, indexed || !tallied)
    }

    fn condition_reading(
        &self,
        scope: Condition,
        status_and_year_indexed: bool,
        kind_indexed: bool,
    ) -> Condition {
        use standard::Column;

        // `+"standard"."status"`: the same value, but not an indexed column.
        let unindexed = |name: &str| Expr::cust(format!("+\"standard\".\"{name}\""));
        let mut condition = scope;
        if !self.statuses.is_empty() {
            let statuses = self.statuses.iter().copied();
            condition = condition.add(match status_and_year_indexed {
                true => Column::Status.is_in(statuses),
                false => unindexed("status").is_in(statuses),
            });
        }
        if !self.kinds.is_empty() {
            let kinds = self.kinds.iter().copied();
            condition = condition.add(match kind_indexed {
                true => Column::Kind.is_in(kinds),
                false => unindexed("kind").is_in(kinds),
            });
        }
        if let Some(committees) = &self.committees {
            condition = condition.add(Column::CommitteeId.is_in(committees.iter().copied()));
        }
        if let Some(group) = self.working_group {
            // An unknown group matches no row: ids start at 1.
            condition = condition.add(Column::WorkingGroupId.eq(group.unwrap_or(0)));
        }
        let year = || match status_and_year_indexed {
            true => Expr::col((standard::Entity, Column::Year)),
            false => unindexed("year"),
        };
        if let Some(from) = self.year_from {
            condition = condition.add(year().gte(from));
        }
        if let Some(to) = self.year_to {
            condition = condition.add(year().lte(to));
        }
        if let Some(query) = &self.text {
            let matching = Query::select()
                .column((SearchDocument::Table, SearchDocument::RecordId))
                .from(SearchDocument::Table)
                .and_where(
                    Expr::col((SearchDocument::Table, SearchDocument::Kind))
                        .eq(search_index::STANDARD),
                )
                .and_where(query.matches(self.backend()))
                .to_owned();
            condition =
                condition.add(Expr::col((standard::Entity, Column::Id)).in_subquery(matching));
        }
        condition
    }

    fn backend(&self) -> DbBackend {
        if self.backend_postgres {
            DbBackend::Postgres
        } else {
            DbBackend::Sqlite
        }
    }

    /// The ids of the standards meeting this filter, for a search's own
    /// statement to select from.
    pub fn standard_ids(&self) -> SelectStatement {
        Query::select()
            .column((standard::Entity, standard::Column::Id))
            .from(standard::Entity)
            .cond_where(self.condition(Condition::all()))
            .to_owned()
    }

    /// A standard's relevance to the filter's text: its document's score.
    fn relevance(&self) -> Option<Expr> {
        let query = self.text.as_ref()?;
        let score = Query::select()
            .expr(query.score(self.backend(), None))
            .from(SearchDocument::Table)
            .and_where(
                Expr::col((SearchDocument::Table, SearchDocument::Kind)).eq(search_index::STANDARD),
            )
            .and_where(
                Expr::col((SearchDocument::Table, SearchDocument::RecordId))
                    .equals((standard::Entity, standard::Column::Id)),
            )
            .to_owned();
        Some(Expr::SubQuery(
            None,
            Box::new(SubQueryStatement::SelectStatement(score)),
        ))
    }

    /// The sort keys, the row id last so that pages never overlap.
    ///
    /// Unknown years sort last in either direction, said with `NULLS LAST`
    /// (SQLite and PostgreSQL alike) rather than a `year IS NULL` key, which
    /// no index serves. A filter on years excludes unknown ones, and then the
    /// plain order lets either database walk its index on `year` both ways.
    fn ordering(&self) -> Vec<SortKey> {
        use standard::Column;

        let year_nulls =
            (self.year_from.is_none() && self.year_to.is_none()).then_some(NullOrdering::Last);
        let mut keys: Vec<SortKey> = Vec::new();
        for &(field, direction) in self.requested_order() {
            let order = match direction {
                OrderDirection::Asc => Order::Asc,
                OrderDirection::Desc => Order::Desc,
            };
            if field == StandardOrderField::Relevance {
                // Ties by code, the list's own order.
                if let Some(relevance) = self.relevance() {
                    keys.push(SortKey {
                        expr: relevance,
                        order,
                        nulls: None,
                    });
                }
                keys.push(SortKey {
                    expr: Expr::col((standard::Entity, Column::Code)),
                    order: Order::Asc,
                    nulls: None,
                });
                continue;
            }
            keys.push({
                let (expr, nulls) = match field {
                    StandardOrderField::Code | StandardOrderField::Relevance => {
                        (Expr::col((standard::Entity, Column::Code)), None)
                    }
                    StandardOrderField::Title => {
                        (Expr::col((standard::Entity, Column::Title)), None)
                    }
                    StandardOrderField::Year => {
                        (Expr::col((standard::Entity, Column::Year)), year_nulls)
                    }
                    StandardOrderField::Status => (lifecycle_rank(), None),
                };
                SortKey { expr, order, nulls }
            });
        }
        keys.push(SortKey {
            expr: Expr::col((standard::Entity, Column::Id)),
            order: Order::Asc,
            nulls: None,
        });
        keys
    }
}

/// One key of an ordering; `nulls` is set for a key that may be null (they
/// sort last).
struct SortKey {
    expr: Expr,
    order: Order,
    nulls: Option<NullOrdering>,
}

impl SortKey {
    /// Rows whose key comes after `value` (unknown years after every known one).
    fn beyond(&self, value: &sea_orm::Value) -> Condition {
        let beyond = match self.order {
            Order::Desc => self.expr.clone().lt(value.clone()),
            _ => self.expr.clone().gt(value.clone()),
        };
        self.or_null(beyond)
    }

    /// Rows whose key is `value` or after it.
    fn from(&self, value: &sea_orm::Value) -> Condition {
        let from = match self.order {
            Order::Desc => self.expr.clone().lte(value.clone()),
            _ => self.expr.clone().gte(value.clone()),
        };
        self.or_null(from)
    }

    fn equal(&self, value: &Option<sea_orm::Value>) -> Expr {
        match value {
            Some(value) => self.expr.clone().eq(value.clone()),
            None => self.expr.clone().is_null(),
        }
    }

    fn or_null(&self, condition: Expr) -> Condition {
        let condition = Condition::any().add(condition);
        match self.nulls {
            Some(_) => condition.add(self.expr.clone().is_null()),
            None => condition,
        }
    }
}

impl ResolvedFilter {
    /// The same filter without its ordering: what counts over the list
    /// depend on, so that lists ordered differently share them.
    pub fn unordered(&self) -> Self {
        Self {
            order: Vec::new(),
            ..self.clone()
        }
    }

    /// The ordering asked for; by code when none was.
    fn requested_order(&self) -> &[(StandardOrderField, OrderDirection)] {
        if self.order.is_empty() {
            &[(StandardOrderField::Code, OrderDirection::Asc)]
        } else {
            &self.order
        }
    }

    /// The ordering, as cursors record it.
    fn ordering_name(&self) -> String {
        self.order
            .iter()
            .map(|(field, direction)| format!("{field:?} {direction:?}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A row's values of `ordering()`'s keys.
    /// `None` for an ordering by relevance, whose score is not in the row:
    /// its pages are found by position.
    pub fn sort_keys(&self, row: &standard::Model) -> Option<SortKeys> {
        use serde_json::Value as Json;

        if self.by_relevance() {
            return None;
        }
        let mut values = Vec::new();
        for &(field, _) in self.requested_order() {
            match field {
                StandardOrderField::Code => values.push(Json::from(row.code.clone())),
                StandardOrderField::Title => values.push(Json::from(row.title.clone())),
                StandardOrderField::Year => values.push(row.year.map_or(Json::Null, Json::from)),
                StandardOrderField::Status => values.push(Json::from(status_rank(row.status))),
                StandardOrderField::Relevance => {}
            }
        }
        values.push(Json::from(row.id));
        Some(SortKeys {
            ordering: self.ordering_name(),
            values,
        })
    }

    fn by_relevance(&self) -> bool {
        self.order
            .iter()
            .any(|(field, _)| *field == StandardOrderField::Relevance)
    }

    /// Whether `values` have the JSON types `sort_keys` writes: a forged
    /// cursor's number compared with a text column is an SQL error on
    /// PostgreSQL, and its nulls would match no row.
    fn fit_keys(&self, values: &[serde_json::Value]) -> bool {
        use serde_json::Value as Json;

        let mut kinds: Vec<fn(&Json) -> bool> = Vec::new();
        for &(field, _) in self.requested_order() {
            match field {
                StandardOrderField::Code | StandardOrderField::Title => kinds.push(Json::is_string),
                StandardOrderField::Year => kinds.push(|value| value.is_null() || value.is_i64()),
                StandardOrderField::Status => kinds.push(Json::is_i64),
                StandardOrderField::Relevance => return false,
            }
        }
        kinds.push(Json::is_i64);
        values.len() == kinds.len() && values.iter().zip(kinds).all(|(value, fits)| fits(value))
    }

    /// The rows after the row with `keys` in this ordering: `(k1 > v1) OR
    /// (k1 = v1 AND k2 > v2) OR ...`, with `<` for descending keys, and
    /// `k1 >= v1` besides, which says the same but is a range an index on
    /// `k1` can start from. `None` when the keys belong to another ordering
    /// or do not fit it; the cursor's position is used then.
    pub fn after(&self, keys: &SortKeys) -> Option<Condition> {
        let ordering = self.ordering();
        if self.by_relevance()
            || keys.ordering != self.ordering_name()
            || keys.values.len() != ordering.len()
            || !self.fit_keys(&keys.values)
        {
            return None;
        }
        let values: Vec<Option<sea_orm::Value>> =
            keys.values.iter().map(sql_value).collect::<Option<_>>()?;
        let mut after = Condition::any();
        for (i, key) in ordering.iter().enumerate() {
            // Unknown years come last: nothing is after one on that key,
            // rows are told apart by the keys that follow.
            let Some(value) = &values[i] else { continue };
            let mut branch = Condition::all();
            for (equal_key, equal_value) in ordering[..i].iter().zip(&values) {
                branch = branch.add(equal_key.equal(equal_value));
            }
            after = after.add(branch.add(key.beyond(value)));
        }
        let start = match &values[0] {
            Some(value) => ordering[0].from(value),
            None => Condition::all().add(ordering[0].equal(&None)),
        };
        Some(Condition::all().add(start).add(after))
    }
}

/// A cursor's JSON value as an SQL value; `Some(None)` for null.
fn sql_value(value: &serde_json::Value) -> Option<Option<sea_orm::Value>> {
    match value {
        serde_json::Value::Null => Some(None),
        serde_json::Value::Bool(b) => Some(Some((*b).into())),
        serde_json::Value::Number(n) => n.as_i64().map(|n| Some(n.into())),
        serde_json::Value::String(s) => Some(Some(s.clone().into())),
        _ => None,
    }
}

/// The rank `lifecycle_rank()` gives a stored status.
fn status_rank(status: StoredStatus) -> i32 {
    LIFECYCLE
        .iter()
        .position(|s| *s == status)
        .unwrap_or(LIFECYCLE.len()) as i32
}

/// A page of every standard meeting `filter`: by keyset after a cursor of
/// the same ordering, by position otherwise.
pub async fn standards_page(
    ctx: &Context<'_>,
    filter: ResolvedFilter,
    args: &PageArgs,
) -> AppResult<Connection<Standard>> {
    args.validate()?;
    let after_keys = match (&args.after, &args.last, &args.before) {
        (Some(after), None, None) => decode_keyed_cursor(after)?
            .1
            .and_then(|keys| filter.after(&keys)),
        _ => None,
    };
    let select = filter.select(Condition::all());
    let counted = filter.tallied().then(|| filter.tally_count());
    keyed_sql_page(
        ctx,
        select,
        after_keys,
        counted,
        args,
        Standard,
        |standard| filter.sort_keys(&standard.0),
    )
    .await
}

/// What `owner_pages` names: the owners' table, the owner of a row and the
/// length of the owner's whole list.
const PAGE_OWNER: &str = "page_owner";
const PAGE_OWNER_ID: &str = "page_owner_id";
const PAGE_TOTAL: &str = "page_total";

/// A status's place in a standard's life, for ordering by status.
fn lifecycle_rank() -> Expr {
    let mut case = Expr::case(standard::Column::Status.eq(LIFECYCLE[0]), 0);
    for (rank, status) in LIFECYCLE.iter().enumerate().skip(1) {
        case = case.case(standard::Column::Status.eq(*status), rank as i32);
    }
    case.finally(LIFECYCLE.len() as i32).into()
}

/// The statuses in the order of a standard's life.
const LIFECYCLE: [StoredStatus; 7] = [
    StoredStatus::Published,
    StoredStatus::ApprovedProject,
    StoredStatus::UnderDevelopment,
    StoredStatus::Draft,
    StoredStatus::PreResearch,
    StoredStatus::Planned,
    StoredStatus::Withdrawn,
];

/// A page of the standards of one committee or working group under one
/// filter: the window of a forward page, or (`None`) the whole list, which a
/// page counted from the end needs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StandardsOf {
    pub owner: Owner,
    pub filter: ResolvedFilter,
    pub window: Option<Window>,
    /// Whether the length of the whole list is asked for (`totalCount`).
    pub with_total: bool,
}

/// The rows a `StandardsOf` asked for and the length of the whole list.
#[derive(Clone, Debug, Default)]
pub struct OwnerPage {
    rows: Vec<Arc<standard::Model>>,
    total: usize,
}

impl Loader<StandardsOf> for RegistryLoader {
    type Value = OwnerPage;
    type Error = Arc<DbErr>;

    /// One statement per filter, window and kind of owner (in practice one
    /// per query level), however many parents ask.
    async fn load(&self, keys: &[StandardsOf]) -> LoadResult<HashMap<StandardsOf, Self::Value>> {
        type Batch<'a> = (&'a ResolvedFilter, Option<Window>, bool, bool);
        let mut batches: HashMap<Batch, Vec<Owner>> = HashMap::new();
        for key in keys {
            let by_committee = matches!(key.owner, Owner::Committee(_));
            batches
                .entry((&key.filter, key.window, by_committee, key.with_total))
                .or_default()
                .push(key.owner);
        }
        let mut answer = HashMap::with_capacity(keys.len());
        for ((filter, window, by_committee, with_total), owners) in batches {
            let scope = Owner::condition(
                &owners,
                standard::Column::CommitteeId,
                standard::Column::WorkingGroupId,
            );
            let owner_of = |row: &standard::Model| match by_committee {
                true => row.committee_id.map(Owner::Committee),
                false => row.working_group_id.map(Owner::WorkingGroup),
            };
            let mut pages: HashMap<Owner, OwnerPage> = owners
                .iter()
                .map(|owner| (*owner, OwnerPage::default()))
                .collect();
            match window {
                None => {
                    let rows = filter
                        .select(Condition::all().add(scope))
                        .all(&self.db)
                        .await
                        .map_err(Arc::new)?;
                    for row in rows {
                        if let Some(page) = owner_of(&row).and_then(|owner| pages.get_mut(&owner)) {
                            page.total += 1;
                            page.rows.push(Arc::new(row));
                        }
                    }
                }
                Some(window) => {
                    let ids: Vec<i32> = owners
                        .iter()
                        .map(|owner| match *owner {
                            Owner::Committee(id) | Owner::WorkingGroup(id) => id,
                        })
                        .collect();
                    let backend = self.db.get_database_backend();
                    let statement =
                        filter.owner_pages(backend, by_committee, &ids, window, with_total);
                    for result in self.db.query_all(&statement).await.map_err(Arc::new)? {
                        let owner: i32 = result.try_get("", PAGE_OWNER_ID).map_err(Arc::new)?;
                        let owner = if by_committee {
                            Owner::Committee(owner)
                        } else {
                            Owner::WorkingGroup(owner)
                        };
                        let Some(page) = pages.get_mut(&owner) else {
                            continue;
                        };
                        if with_total {
                            let total: i64 = result.try_get("", PAGE_TOTAL).map_err(Arc::new)?;
                            page.total = total as usize;
                        }
                        // An owner with no row in its window: nulls only.
                        let id: Option<i32> = result.try_get("", "id").map_err(Arc::new)?;
                        if id.is_some() {
                            let row = standard::Model::from_query_result(&result, "")
                                .map_err(Arc::new)?;
                            page.rows.push(Arc::new(row));
                        }
                    }
                }
            }
            answer.extend(pages.into_iter().map(|(owner, page)| {
                (
                    StandardsOf {
                        owner,
                        filter: filter.clone(),
                        window,
                        with_total,
                    },
                    page,
                )
            }));
        }
        Ok(answer)
    }
}

/// A page of the standards of `owner`, read through the batched loader: a
/// forward page reads only its rows; a page counted from the end reads the list.
pub async fn standards_of(
    ctx: &Context<'_>,
    owner: Owner,
    filter: Option<StandardFilter>,
    order_by: Option<Vec<StandardOrder>>,
    args: &PageArgs,
) -> AppResult<StandardConnection> {
    // Boxed, as `standard_counts` is: async-graphql allocates a future for
    // every field it resolves, as large as the largest field of its type,
    // and this one, inline, made every field of a committee or working
    // group 2.9 KB (35 MB of the 57 MB a page of 4,000 standards with
    // their committees and liaisons held while it was built).
    Box::pin(read_standards_of(ctx, owner, filter, order_by, args)).await
}

async fn read_standards_of(
    ctx: &Context<'_>,
    owner: Owner,
    filter: Option<StandardFilter>,
    order_by: Option<Vec<StandardOrder>>,
    args: &PageArgs,
) -> AppResult<StandardConnection> {
    args.validate()?;
    let filter = resolve_filter(ctx, filter, order_by).await?;
    if !wants_rows(ctx) && !wants_total(ctx) {
        // Only facets: they count on their own.
        let page = Connection::from_list(Vec::new(), args)?;
        return Ok(StandardConnection::new(page, Some(owner), &filter));
    }
    let window = match (&args.last, &args.before) {
        (None, None) => Some(args.window(None)?),
        _ => None,
    };
    let page = loaders(ctx)
        .load_one(StandardsOf {
            owner,
            filter: filter.clone(),
            window,
            with_total: wants_total(ctx),
        })
        .await?
        .unwrap_or_default();
    let standards = page.rows.into_iter().map(Standard).collect();
    let page = match window {
        Some(window) => Connection::from_window(standards, window, page.total, false),
        None => Connection::from_list(standards, args)?,
    };
    Ok(StandardConnection::new(page, Some(owner), &filter))
}
