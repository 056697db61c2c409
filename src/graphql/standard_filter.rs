//! Filtering and ordering standards: the `StandardFilter` and
//! `StandardOrder` inputs, their resolution into SQL, and the loader that
//! serves every parent's standards in one statement.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, InputObject};
use entity::standard;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr, NullOrdering};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, Select};

use super::committee::{SubtreeOf, committee_by_code};
use super::connection::{Connection, PageArgs};
use super::enum_name;
use super::loader::{LoadResult, Owner, RegistryLoader, group_by, loaders};
use super::standard::{Standard, StandardKind, StandardStatus};
use super::working_group::working_group_by_code;
use crate::codes::lookup_key;
use crate::config::SchemaConfig;
use crate::error::{AppError, AppResult};

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
    /// Full-text match on code and title.
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
    statuses: Vec<&'static str>,
    kinds: Vec<&'static str>,
    /// Committees whose standards qualify; `Some(empty)` for an unknown code.
    committees: Option<Vec<i32>>,
    /// The working group whose standards qualify; `Some(None)` for an unknown code.
    working_group: Option<Option<i32>>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    text: Option<String>,
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
            .map(enum_name)
            .collect(),
        kinds: filter
            .kind
            .unwrap_or_default()
            .into_iter()
            .map(enum_name)
            .collect(),
        year_from: filter.year_from,
        year_to: filter.year_to,
        text: filter
            .text
            .map(|text| checked_text(ctx, &text))
            .transpose()?,
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

/// `%text%` for LIKE, with the user's own `%`, `_` and `\` matched literally.
pub fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `LOWER(column)`, for case-insensitive LIKE on SQLite and PostgreSQL alike.
pub fn lower(column: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Expr::expr(Func::lower(Expr::col(column)))
}

impl ResolvedFilter {
    /// The standards meeting this filter and `scope`, in this filter's order
    /// with the row id breaking ties, so pages never overlap.
    pub fn select(&self, scope: Condition) -> Select<standard::Entity> {
        use standard::Column;

        let mut condition = scope;
        if !self.statuses.is_empty() {
            condition = condition.add(Column::Status.is_in(self.statuses.iter().copied()));
        }
        if !self.kinds.is_empty() {
            condition = condition.add(Column::Kind.is_in(self.kinds.iter().copied()));
        }
        if let Some(committees) = &self.committees {
            condition = condition.add(Column::CommitteeId.is_in(committees.iter().copied()));
        }
        if let Some(group) = self.working_group {
            // An unknown group matches no row: ids start at 1.
            condition = condition.add(Column::WorkingGroupId.eq(group.unwrap_or(0)));
        }
        if let Some(from) = self.year_from {
            condition = condition.add(Column::Year.gte(from));
        }
        if let Some(to) = self.year_to {
            condition = condition.add(Column::Year.lte(to));
        }
        if let Some(text) = self.text.as_deref().filter(|text| !text.is_empty()) {
            condition = condition.add(
                Condition::any()
                    .add(lower(Column::Title).like(contains_pattern(&text.to_lowercase())))
                    .add(Column::CodeKey.like(contains_pattern(&lookup_key(text)))),
            );
        }
        let mut select = standard::Entity::find().filter(condition);
        let order = if self.order.is_empty() {
            &[(StandardOrderField::Code, OrderDirection::Asc)][..]
        } else {
            &self.order[..]
        };
        for &(field, direction) in order {
            let direction = match direction {
                OrderDirection::Asc => Order::Asc,
                OrderDirection::Desc => Order::Desc,
            };
            select = match field {
                StandardOrderField::Code => select.order_by(Column::Code, direction),
                StandardOrderField::Title => select.order_by(Column::Title, direction),
                StandardOrderField::Year => {
                    select.order_by_with_nulls(Column::Year, direction, NullOrdering::Last)
                }
                StandardOrderField::Status => select.order_by(lifecycle_rank(), direction),
            };
        }
        select.order_by_asc(Column::Id)
    }
}

/// A status's place in a standard's life, for ordering by status.
fn lifecycle_rank() -> Expr {
    let lifecycle = [
        StandardStatus::Published,
        StandardStatus::ApprovedProject,
        StandardStatus::UnderDevelopment,
        StandardStatus::Draft,
        StandardStatus::PreResearch,
        StandardStatus::Planned,
        StandardStatus::Withdrawn,
    ];
    let mut case = Expr::case(standard::Column::Status.eq(enum_name(lifecycle[0])), 0);
    for (rank, status) in lifecycle.iter().enumerate().skip(1) {
        case = case.case(standard::Column::Status.eq(enum_name(*status)), rank as i32);
    }
    case.finally(lifecycle.len() as i32).into()
}

/// The standards of one committee or working group under one filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StandardsOf {
    pub owner: Owner,
    pub filter: ResolvedFilter,
}

impl Loader<StandardsOf> for RegistryLoader {
    type Value = Vec<standard::Model>;
    type Error = Arc<DbErr>;

    /// One statement per distinct filter (in practice one per query level),
    /// however many parents ask.
    async fn load(&self, keys: &[StandardsOf]) -> LoadResult<HashMap<StandardsOf, Self::Value>> {
        let mut by_filter: HashMap<&ResolvedFilter, Vec<Owner>> = HashMap::new();
        for key in keys {
            by_filter.entry(&key.filter).or_default().push(key.owner);
        }
        let mut answer = HashMap::with_capacity(keys.len());
        for (filter, owners) in by_filter {
            let scope = Owner::condition(
                &owners,
                standard::Column::CommitteeId,
                standard::Column::WorkingGroupId,
            );
            let rows = filter
                .select(Condition::all().add(scope))
                .all(&self.db)
                .await
                .map_err(Arc::new)?;
            let groups = group_by(&owners, rows, |row| {
                Owner::of(row.committee_id, row.working_group_id)
            });
            answer.extend(groups.into_iter().map(|(owner, rows)| {
                (
                    StandardsOf {
                        owner,
                        filter: filter.clone(),
                    },
                    rows,
                )
            }));
        }
        Ok(answer)
    }
}

/// A page of the standards of `owner`, read through the batched loader.
pub async fn standards_of(
    ctx: &Context<'_>,
    owner: Owner,
    filter: Option<StandardFilter>,
    order_by: Option<Vec<StandardOrder>>,
    args: &PageArgs,
) -> AppResult<Connection<Standard>> {
    let filter = resolve_filter(ctx, filter, order_by).await?;
    let rows = loaders(ctx)
        .load_one(StandardsOf { owner, filter })
        .await?
        .unwrap_or_default();
    Connection::from_list(rows.into_iter().map(Standard).collect(), args)
}
