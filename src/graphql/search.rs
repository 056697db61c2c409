//! `search`: one text box over committees, working groups, standards and experts.

use async_graphql::{Context, Object, Union};
use entity::{committee, committee_alias, expert, standard, working_group};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query};
use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::committee::Committee;
use super::expert::Expert;
use super::loader::fetch;
use super::standard::Standard;
use super::standard_filter::{checked_text, contains_pattern, lower};
use super::working_group::WorkingGroup;
use crate::codes::lookup_key;
use crate::config::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::error::{AppError, AppResult};

/// A record `search` found.
#[derive(Union)]
pub enum SearchHit {
    Committee(Committee),
    WorkingGroup(WorkingGroup),
    Standard(Standard),
    Expert(Expert),
}

#[derive(Default)]
pub struct SearchQuery;

#[Object(cache_control(max_age = 300))]
impl SearchQuery {
    /// Records whose code, alias, name or title contains `text` (case-insensitive,
    /// spacing and dash variants of codes folded): committees first, then working
    /// groups, standards and experts, each by code or name; at most `first` (default 20, at most 100).
    async fn search(
        &self,
        ctx: &Context<'_>,
        text: String,
        first: Option<i32>,
    ) -> AppResult<Vec<SearchHit>> {
        let text = checked_text(ctx, &text)?;
        if text.is_empty() {
            return Err(AppError::bad_input("search text must not be empty"));
        }
        let limit = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => n as usize,
            Some(_) => {
                return Err(AppError::bad_input(format!(
                    "`first` must be between 0 and {MAX_PAGE_SIZE}"
                )));
            }
        };
        let words = contains_pattern(&text.to_lowercase());
        let code = contains_pattern(&lookup_key(&text));
        let aliases = Query::select()
            .column(committee_alias::Column::CommitteeId)
            .from(committee_alias::Entity)
            .and_where(committee_alias::Column::AliasKey.like(code.clone()))
            .to_owned();
        let committees = committee::Entity::find()
            .filter(
                Condition::any()
                    .add(committee::Column::Id.in_subquery(aliases))
                    .add(lower(committee::Column::Name).like(words.clone())),
            )
            .order_by_asc(committee::Column::Code)
            .limit(limit as u64);
        let groups = working_group::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Expr::expr(Func::upper(Expr::col(working_group::Column::Code)))
                            .like(code.clone()),
                    )
                    .add(lower(working_group::Column::Name).like(words.clone())),
            )
            .order_by_asc(working_group::Column::Code)
            .limit(limit as u64);
        let standards = standard::Entity::find()
            .filter(
                Condition::any()
                    .add(standard::Column::CodeKey.like(code))
                    .add(lower(standard::Column::Title).like(words.clone())),
            )
            .order_by_asc(standard::Column::Code)
            .limit(limit as u64);
        let experts = expert::Entity::find()
            .filter(
                Condition::any()
                    .add(lower(expert::Column::Name).like(words.clone()))
                    .add(lower(expert::Column::Organization).like(words)),
            )
            .order_by_asc(expert::Column::Name)
            .limit(limit as u64);
        let (committees, groups, standards, experts) = fetch(ctx, move |db| async move {
            Ok((
                committees.all(&db).await?,
                groups.all(&db).await?,
                standards.all(&db).await?,
                experts.all(&db).await?,
            ))
        })
        .await?;
        let mut hits: Vec<SearchHit> = Vec::new();
        hits.extend(
            committees
                .into_iter()
                .map(|row| SearchHit::Committee(Committee(Arc::new(row)))),
        );
        hits.extend(
            groups
                .into_iter()
                .map(|row| SearchHit::WorkingGroup(WorkingGroup(Arc::new(row)))),
        );
        hits.extend(
            standards
                .into_iter()
                .map(|row| SearchHit::Standard(Standard(Arc::new(row)))),
        );
        hits.extend(
            experts
                .into_iter()
                .map(|row| SearchHit::Expert(Expert(Arc::new(row)))),
        );
        hits.truncate(limit);
        Ok(hits)
    }
}
