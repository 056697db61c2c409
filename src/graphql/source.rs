//! `Source` and `Statistic`'s shared shape: where a record comes from.

use async_graphql::SimpleObject;
use entity::source::{SourceRef, Sources};

/// Where a record comes from: the document and the part of it that states it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(cache_control(max_age = 300))]
pub struct Source {
    /// The report's title.
    pub document: String,
    /// The report's section, as it numbers and names it.
    pub section: Option<String>,
}

impl From<&SourceRef> for Source {
    fn from(source: &SourceRef) -> Self {
        Self {
            document: source.document.clone(),
            section: source.section.clone(),
        }
    }
}

pub fn sources(stored: &Sources) -> Vec<Source> {
    stored.0.iter().map(Source::from).collect()
}
