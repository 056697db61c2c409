//! `Statistic`: a figure a report states about a committee or working group,
//! and its loader.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Object;
use async_graphql::dataloader::Loader;
use entity::statistic;
use sea_orm::DbErr;

use super::loader::{LoadResult, Owner, RegistryLoader, group_by, rows_where};
use super::source::Source;

/// A figure a report states about a body: members, standards published, projects under way.
#[derive(Clone, Debug)]
pub struct Statistic(pub Arc<statistic::Model>);

#[Object(cache_control(max_age = 300))]
impl Statistic {
    /// What is counted, as the report words it, e.g. national standards published.
    async fn metric(&self) -> &str {
        &self.0.metric
    }

    async fn value(&self) -> f64 {
        self.0.value
    }

    /// The period it covers as stated, e.g. past 5 years, to date, 2024.
    async fn period(&self) -> Option<&str> {
        self.0.period.as_deref()
    }

    async fn source(&self) -> Source {
        Source {
            document: self.0.source_document.clone(),
            section: self.0.source_section.clone(),
        }
    }

    /// How the figure is qualified ("over", "nearly") or read.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
}

/// The statistics of a committee or working group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StatisticsOf(pub Owner);

impl Loader<StatisticsOf> for RegistryLoader {
    type Value = Vec<Arc<statistic::Model>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[StatisticsOf]) -> LoadResult<HashMap<StatisticsOf, Self::Value>> {
        let owners: Vec<Owner> = keys.iter().map(|key| key.0).collect();
        let condition = Owner::condition(
            &owners,
            statistic::Column::CommitteeId,
            statistic::Column::WorkingGroupId,
        );
        let rows =
            rows_where::<statistic::Entity>(&self.db, condition, statistic::Column::Id).await?;
        Ok(group_by(keys, rows, |row| {
            Owner::of(row.committee_id, row.working_group_id).map(StatisticsOf)
        }))
    }
}
