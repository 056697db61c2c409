//! `Statistic`: a figure a report states about a committee or working group,
//! and its loader.

use std::sync::Arc;

use async_graphql::Object;
use entity::statistic;

use super::loader::{HeldBy, Holding};
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

/// The statistics of a committee or working group, in the dataset's order.
pub type StatisticsOf = HeldBy<Statistics>;

/// Statistics, held by a committee or a working group.
pub struct Statistics;

impl Holding for Statistics {
    type Entity = statistic::Entity;
    fn committee() -> statistic::Column {
        statistic::Column::CommitteeId
    }
    fn working_group() -> statistic::Column {
        statistic::Column::WorkingGroupId
    }
    fn order() -> statistic::Column {
        statistic::Column::Id
    }
}
