//! `StandardConnection` (a page of standards) and `StandardFacets`: counts of
//! the whole list a page belongs to by status, kind, year and committee, and
//! the loader that counts them with one grouped statement for all the
//! facets and lists of a query level.
//!
//! A facet counts the list the connection's filter selects (and, nested, its
//! parent's standards), not the page. The facets a level asks for are
//! counted together: one `GROUP BY` over the columns of the facet index
//! (`kind, status, year, committee_id`) up to the last one asked for, which
//! the database reads from that index in its order, and the counts of each
//! facet are summed here from those groups. A list filtered on those
//! columns alone (at the root or under committees) sums `standard_tally`
//! instead, one `GROUP BY` a facet, each over the tally's smallest grain
//! holding the facet and the filter's columns (a few hundred rows for a
//! filter by kind), read from the tally's index led by its facet. Under
//! many parents it is one statement for every parent asking with the same
//! filter (`FacetOf` is keyed by parent and filter, as `StandardsOf` is for
//! pages). A facet's list is ordered by count, largest first; ties by
//! value (enum names alphabetically, years ascending, committees by code),
//! the same on every backend since the order is made here, not by a
//! database collation.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Object, SimpleObject};
use entity::standard;
use entity::standard::{StandardKind as StoredKind, StandardStatus as StoredStatus};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr, QueryResult};

use super::committee::{Committee, CommitteeById};
use super::connection::{Connection, Edge, PageInfo};
use super::loader::{LoadResult, Owner, RegistryLoader, loaders};
use super::standard::{Standard, StandardKind, StandardStatus};
use super::standard_filter::ResolvedFilter;
use crate::error::{AppError, AppResult};
use crate::standard_tally;

/// A page of standards, Relay style, with facets of the whole list.
pub struct StandardConnection {
    page: Connection<Standard>,
    scope: FacetScope,
}

impl StandardConnection {
    /// `page` of the list that `filter` selects among `owner`'s standards
    /// (every standard when `None`).
    pub fn new(page: Connection<Standard>, owner: Option<Owner>, filter: &ResolvedFilter) -> Self {
        Self {
            page,
            scope: FacetScope {
                owner,
                filter: filter.unordered(),
            },
        }
    }
}

/// A page of a list, Relay style, with counts of the whole list by facet.
#[Object]
impl StandardConnection {
    async fn edges(&self) -> &[Edge<Standard>] {
        &self.page.edges
    }

    /// The page's nodes, without cursors.
    async fn nodes(&self) -> &[Standard] {
        &self.page.nodes
    }

    async fn page_info(&self) -> &PageInfo {
        &self.page.page_info
    }

    /// Rows in the whole list, across every page.
    async fn total_count(&self) -> i32 {
        self.page.total_count
    }

    /// Counts of the whole list (the same filter, every page) by status,
    /// kind, year and committee; each facet is counted only when asked for.
    async fn facets(&self) -> StandardFacets {
        StandardFacets(self.scope.clone())
    }
}

/// Which standards a facet counts: a filter's list, among one parent's
/// standards or every standard.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FacetScope {
    /// The committee or working group whose `standards` the list is; `None`
    /// for the root `standards`.
    owner: Option<Owner>,
    /// The list's filter, its ordering dropped.
    filter: ResolvedFilter,
}

/// Counts of a list of standards by facet.
pub struct StandardFacets(FacetScope);

/// Counts of a list of standards (its filter, every page) by facet. Each
/// facet lists the values the list holds, by count, largest first; ties by
/// value: names alphabetically, years ascending, committees by code.
#[Object]
impl StandardFacets {
    /// Standards of the list by status; the counts add up to `totalCount`.
    async fn status(&self, ctx: &Context<'_>) -> AppResult<Vec<StatusCount>> {
        status_counts(ctx, self.0.clone()).await
    }

    /// Standards of the list by kind; the counts add up to `totalCount`.
    async fn kind(&self, ctx: &Context<'_>) -> AppResult<Vec<KindCount>> {
        facet(
            ctx,
            self.0.clone(),
            Facet::Kind,
            |value, count| match value {
                FacetValue::Kind(kind) => Some(KindCount {
                    value: kind.into(),
                    count,
                }),
                _ => None,
            },
        )
        .await
    }

    /// Standards of the list by year of publication; those of unknown year
    /// are not counted here.
    async fn year(&self, ctx: &Context<'_>) -> AppResult<Vec<YearCount>> {
        facet(
            ctx,
            self.0.clone(),
            Facet::Year,
            |value, count| match value {
                FacetValue::Year(year) => Some(YearCount { value: year, count }),
                _ => None,
            },
        )
        .await
    }

    /// Standards of the list by the committee responsible for them (a
    /// working group's standards count for its committee); those of no
    /// committee are not counted here.
    async fn committee(&self, ctx: &Context<'_>) -> AppResult<Vec<CommitteeCount>> {
        let counts = facet(
            ctx,
            self.0.clone(),
            Facet::Committee,
            |value, count| match value {
                FacetValue::Committee(id) => Some((id, count)),
                _ => None,
            },
        )
        .await?;
        // Through the loader: the committees a page of counts shows come with
        // it, and ties are ordered by their codes.
        let committees = loaders(ctx)
            .load_many(counts.iter().map(|(id, _)| CommitteeById::new(*id)))
            .await?;
        let mut listed = counts
            .into_iter()
            .map(|(id, count)| {
                let committee = committees.get(&CommitteeById::new(id)).ok_or_else(|| {
                    AppError::Corrupt(format!("standards of missing committee {id}"))
                })?;
                Ok(CommitteeCount {
                    committee: Committee(Arc::clone(committee)),
                    count,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        listed.sort_by(|a, b| {
            (Reverse(a.count), &a.committee.0.code).cmp(&(Reverse(b.count), &b.committee.0.code))
        });
        Ok(listed)
    }
}

/// How many standards of a list have this status.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct StatusCount {
    pub value: StandardStatus,
    /// Standards of the list with this status.
    pub count: i32,
}

/// How many standards of a list are of this kind.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct KindCount {
    pub value: StandardKind,
    /// Standards of the list of this kind.
    pub count: i32,
}

/// How many standards of a list were published in this year.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct YearCount {
    /// The year of publication.
    pub value: i32,
    /// Standards of the list published in this year.
    pub count: i32,
}

/// How many standards of a list a committee is responsible for.
pub struct CommitteeCount {
    committee: Committee,
    count: i32,
}

/// How many standards of a list this committee is responsible for.
#[Object]
impl CommitteeCount {
    /// The committee (a working group's standards count for its committee).
    async fn committee(&self) -> &Committee {
        &self.committee
    }

    /// Standards of the list it is responsible for.
    async fn count(&self) -> i32 {
        self.count
    }
}

/// The standards of `owner` by status, all of them (`standardCounts`).
pub async fn standard_counts(ctx: &Context<'_>, owner: Owner) -> AppResult<Vec<StatusCount>> {
    let scope = FacetScope {
        owner: Some(owner),
        filter: ResolvedFilter::default(),
    };
    // Boxed: see `standards_of`.
    Box::pin(status_counts(ctx, scope)).await
}

async fn status_counts(ctx: &Context<'_>, scope: FacetScope) -> AppResult<Vec<StatusCount>> {
    facet(ctx, scope, Facet::Status, |value, count| match value {
        FacetValue::Status(status) => Some(StatusCount {
            value: status.into(),
            count,
        }),
        _ => None,
    })
    .await
}

/// The counts of one facet of one list, through the batched loader, each
/// made into its GraphQL type by `item` (which sees only values of `facet`).
async fn facet<T>(
    ctx: &Context<'_>,
    scope: FacetScope,
    facet: Facet,
    item: impl Fn(FacetValue, i32) -> Option<T>,
) -> AppResult<Vec<T>> {
    let counts = loaders(ctx)
        .load_one(FacetOf { scope, facet })
        .await?
        .unwrap_or_default();
    Ok(counts
        .into_iter()
        .filter_map(|(value, count)| item(value, count))
        .collect())
}

/// What a facet groups standards by, in the facet index's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Facet {
    Kind,
    Status,
    Year,
    Committee,
}

impl Facet {
    /// Every facet, in the facet index's column order.
    const ALL: [Self; 4] = [Self::Kind, Self::Status, Self::Year, Self::Committee];

    fn column(self) -> standard::Column {
        match self {
            Self::Kind => standard::Column::Kind,
            Self::Status => standard::Column::Status,
            Self::Year => standard::Column::Year,
            Self::Committee => standard::Column::CommitteeId,
        }
    }

    /// Its column's bit in a grain of the tally.
    fn tally_column(self) -> u8 {
        match self {
            Self::Kind => standard_tally::KIND,
            Self::Status => standard_tally::STATUS,
            Self::Year => standard_tally::YEAR,
            Self::Committee => standard_tally::COMMITTEE,
        }
    }

    /// Its column as selected: a whole number as a `BIGINT`.
    fn selected(self) -> Expr {
        match self {
            Self::Kind | Self::Status => Expr::col((standard::Entity, self.column())),
            Self::Year | Self::Committee => number(self.column()),
        }
    }

    /// The column's name in the grouped statement.
    fn alias(self) -> &'static str {
        match self {
            Self::Kind => "facet_kind",
            Self::Status => "facet_status",
            Self::Year => "facet_year",
            Self::Committee => "facet_committee",
        }
    }

    /// The column its value is in: its own in a statement grouped by every
    /// facet, one of two shared ones where each row is one facet's.
    fn column_name(self, tagged: bool) -> &'static str {
        match (tagged, self) {
            (false, _) => self.alias(),
            (true, Self::Kind | Self::Status) => TEXT,
            (true, Self::Year | Self::Committee) => NUMBER,
        }
    }

    /// This facet's value in a grouped row; `None` for a null (a standard
    /// of unknown year or of no committee is not counted).
    fn value(self, row: &QueryResult, tagged: bool) -> Result<Option<FacetValue>, DbErr> {
        let unknown = |error: DbErr| DbErr::Type(error.to_string());
        let column = self.column_name(tagged);
        let name = || -> Result<Option<String>, DbErr> { row.try_get("", column) };
        Ok(match self {
            Self::Status => name()?
                .map(|name| StoredStatus::try_from_value(&name).map_err(unknown))
                .transpose()?
                .map(FacetValue::Status),
            Self::Kind => name()?
                .map(|name| StoredKind::try_from_value(&name).map_err(unknown))
                .transpose()?
                .map(FacetValue::Kind),
            Self::Year | Self::Committee => {
                let number: Option<i64> = row.try_get("", column)?;
                match number.map(i32::try_from).transpose() {
                    Ok(number) => number.map(match self {
                        Self::Year => FacetValue::Year,
                        _ => FacetValue::Committee,
                    }),
                    Err(err) => return Err(DbErr::Type(err.to_string())),
                }
            }
        })
    }
}

/// One value of a facet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FacetValue {
    Status(StoredStatus),
    Kind(StoredKind),
    Year(i32),
    /// A committee's id; the resolver orders them by code.
    Committee(i32),
}

impl FacetValue {
    /// The order of values of equal count (committees are ordered again by
    /// code where their rows are at hand).
    fn tie_break(&self) -> (String, i32) {
        match self {
            Self::Status(status) => (status.to_value(), 0),
            Self::Kind(kind) => (kind.to_value(), 0),
            Self::Year(number) | Self::Committee(number) => (String::new(), *number),
        }
    }
}

/// The counts of one facet of one list of standards: every value the list
/// holds, with its count, in the documented order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FacetOf {
    pub scope: FacetScope,
    pub facet: Facet,
}

/// Names in the grouped statement.
const OWNER: &str = "facet_owner";
const COUNT: &str = "facet_count";
/// In a statement of one facet per row: which (its number in `Facet::ALL`), and its
/// value, a name or a number.
const TAG: &str = "facet";
const TEXT: &str = "facet_text";
const NUMBER: &str = "facet_number";

/// The values of one facet of one list with their counts, in the
/// documented order.
pub type FacetCounts = Vec<(FacetValue, i32)>;

impl Loader<FacetOf> for RegistryLoader {
    type Value = FacetCounts;
    type Error = Arc<DbErr>;

    /// One `GROUP BY` statement per filter and kind of parent (in practice
    /// one per query level), however many parents and facets ask.
    async fn load(&self, keys: &[FacetOf]) -> LoadResult<HashMap<FacetOf, Self::Value>> {
        /// Filter, and the kind of parent: none, committee (true) or group.
        type Batch<'a> = (&'a ResolvedFilter, Option<bool>);
        let mut batches: HashMap<Batch, Vec<&FacetOf>> = HashMap::new();
        for key in keys {
            let parent = key
                .scope
                .owner
                .map(|owner| matches!(owner, Owner::Committee(_)));
            batches
                .entry((&key.scope.filter, parent))
                .or_default()
                .push(key);
        }
        let mut answer = HashMap::with_capacity(keys.len());
        for ((filter, parent), asked) in batches {
            let facets: Vec<Facet> = {
                let mut facets: Vec<Facet> = asked.iter().map(|key| key.facet).collect();
                facets.sort();
                facets.dedup();
                facets
            };
            // Each parent once, however many of its facets are asked.
            let owners: Vec<Owner> = asked
                .iter()
                .filter_map(|key| key.scope.owner)
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let tagged = filter.tallied() && parent != Some(false);
            let statement = match tagged {
                true => tallied(&facets, filter, parent, &owners),
                false => grouped(&facets, filter, parent, &owners),
            };
            let mut counts: HashMap<(Option<Owner>, Facet, FacetValue), i64> = HashMap::new();
            for row in self.db.query_all(&statement).await.map_err(Arc::new)? {
                let owner = match parent {
                    None => None,
                    Some(by_committee) => {
                        let id: i64 = row.try_get("", OWNER).map_err(Arc::new)?;
                        let id = i32::try_from(id)
                            .map_err(|err| Arc::new(DbErr::Type(err.to_string())))?;
                        Some(match by_committee {
                            true => Owner::Committee(id),
                            false => Owner::WorkingGroup(id),
                        })
                    }
                };
                let count: i64 = row.try_get("", COUNT).map_err(Arc::new)?;
                let of_row: &[Facet] = match tagged {
                    true => {
                        let tag: i64 = row.try_get("", TAG).map_err(Arc::new)?;
                        let facet = usize::try_from(tag)
                            .ok()
                            .and_then(|tag| Facet::ALL.get(tag..=tag));
                        facet.ok_or_else(|| Arc::new(DbErr::Type(format!("facet {tag}"))))?
                    }
                    false => &facets,
                };
                for &facet in of_row {
                    if let Some(value) = facet.value(&row, tagged).map_err(Arc::new)? {
                        *counts.entry((owner, facet, value)).or_default() += count;
                    }
                }
            }
            let mut lists: HashMap<(Option<Owner>, Facet), FacetCounts> = asked
                .iter()
                .map(|key| ((key.scope.owner, key.facet), Vec::new()))
                .collect();
            for ((owner, facet, value), count) in counts {
                if let Some(list) = lists.get_mut(&(owner, facet)) {
                    list.push((value, i32::try_from(count).unwrap_or(i32::MAX)));
                }
            }
            for ((owner, facet), mut list) in lists {
                list.sort_by_cached_key(|(value, count)| (Reverse(*count), value.tie_break()));
                let scope = FacetScope {
                    owner,
                    filter: filter.clone(),
                };
                answer.insert(FacetOf { scope, facet }, list);
            }
        }
        Ok(answer)
    }
}

/// `SELECT [owner,] kind[, status[, year[, committee_id]]], COUNT(*) FROM
/// standard WHERE <filter> [AND owner IN (..)] GROUP BY` the same: the
/// facet index's columns up to the last of `facets` (sorted), so that the
/// groups come in the index's order, each facet's counts the sum of its
/// groups.
fn grouped(
    facets: &[Facet],
    filter: &ResolvedFilter,
    parent: Option<bool>,
    owners: &[Owner],
) -> SelectStatement {
    let mut query = Query::select();
    query.from(standard::Entity);
    let condition = owned(
        &mut query,
        filter.facet_condition(Condition::all(), false),
        parent,
        owners,
    );
    let last = facets.last().copied().unwrap_or(Facet::Kind);
    for facet in Facet::ALL.into_iter().take_while(|facet| *facet <= last) {
        query
            .expr_as(facet.selected(), Alias::new(facet.alias()))
            .group_by_col((standard::Entity, facet.column()));
    }
    query
        .expr_as(Expr::cust("COUNT(*)"), Alias::new(COUNT))
        .cond_where(condition);
    query
}

/// For a list the tally can count (`ResolvedFilter::tallied`, at the root
/// or under committees): each of `facets` summed from `standard_tally`, one
/// `GROUP BY` a facet, `UNION ALL`: `SELECT [owner,] <facet> AS facet,
/// <name> AS facet_text, <number> AS facet_number, SUM(standards)`. Each
/// reads the smallest grain holding its facet and the filter's columns,
/// from the tally's index led by the grain and its facet, so no group is
/// sorted.
fn tallied(
    facets: &[Facet],
    filter: &ResolvedFilter,
    parent: Option<bool>,
    owners: &[Owner],
) -> SelectStatement {
    let mut arms = facets.iter().map(|&facet| {
        let mut arm = Query::select();
        // The tally under the name `standard`, so that the filter's columns
        // name its columns.
        arm.from_as(Alias::new(standard_tally::TABLE), standard::Entity);
        let owner_column = match parent {
            Some(true) => standard_tally::COMMITTEE,
            _ => 0,
        };
        let condition = owned(
            &mut arm,
            filter.tally_condition(facet.tally_column() | owner_column),
            parent,
            owners,
        );
        let (text, number) = match facet {
            // Typed: PostgreSQL matches the arms' types two at a time.
            Facet::Kind | Facet::Status => (facet.selected(), Expr::cust("CAST(NULL AS BIGINT)")),
            Facet::Year | Facet::Committee => (Expr::cust("CAST(NULL AS TEXT)"), facet.selected()),
        };
        arm.expr_as(Expr::val(facet as i64), Alias::new(TAG))
            .expr_as(text, Alias::new(TEXT))
            .expr_as(number, Alias::new(NUMBER))
            .expr_as(
                Expr::cust("CAST(SUM(standards) AS BIGINT)"),
                Alias::new(COUNT),
            )
            .group_by_col((standard::Entity, facet.column()))
            .cond_where(condition);
        arm
    });
    let mut statement = arms
        .next()
        .unwrap_or_else(|| grouped(facets, filter, parent, owners));
    for arm in arms {
        statement.union(UnionType::All, arm);
    }
    statement
}

/// Adds the owner column and group to `query` under parents, and returns
/// `condition` with the owners' condition.
fn owned(
    query: &mut SelectStatement,
    condition: Condition,
    parent: Option<bool>,
    owners: &[Owner],
) -> Condition {
    let Some(by_committee) = parent else {
        return condition;
    };
    let owner = match by_committee {
        true => standard::Column::CommitteeId,
        false => standard::Column::WorkingGroupId,
    };
    query
        .expr_as(number(owner), Alias::new(OWNER))
        .group_by_col((standard::Entity, owner));
    condition.add(Owner::condition(
        owners,
        standard::Column::CommitteeId,
        standard::Column::WorkingGroupId,
    ))
}

/// A whole-number column as a `BIGINT`: both databases hand it over as 64
/// bits, whichever table (the standards or the tally) it comes from.
fn number(column: standard::Column) -> Expr {
    Expr::col((standard::Entity, column)).cast_as(Alias::new("BIGINT"))
}
