//! The dataset file format (`data/registry.json`): what the README documents.
//! Unknown keys are refused so that a typo is an error, not a silent gap.

use serde::Deserialize;

use entity::committee::CommitteeKind;
use entity::liaison::LiaisonKind;
use entity::standard::{StandardKind, StandardStatus};
use entity::standard_equivalence::EquivalenceDegree;
use entity::working_group::WorkingGroupKind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dataset {
    pub documents: Vec<Document>,
    #[serde(default)]
    pub committees: Vec<CommitteeRecord>,
    #[serde(default)]
    pub working_groups: Vec<WorkingGroupRecord>,
    #[serde(default)]
    pub standards: Vec<StandardRecord>,
    #[serde(default)]
    pub experts: Vec<ExpertRecord>,
    #[serde(default)]
    pub positions: Vec<PositionRecord>,
    #[serde(default)]
    pub liaisons: Vec<LiaisonRecord>,
    #[serde(default)]
    pub statistics: Vec<StatisticRecord>,
}

/// A report the records cite by `id`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Document {
    pub id: String,
    pub title: String,
}

/// A citation: a document id and the section that states the record.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceRecord {
    pub document: String,
    pub section: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CommitteeRecord {
    pub code: String,
    pub name: String,
    pub kind: CommitteeKind,
    pub parent: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub founded: Option<i32>,
    pub scope: Option<String>,
    pub notes: Option<String>,
    pub sources: Vec<SourceRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkingGroupRecord {
    pub code: String,
    pub committee: String,
    pub kind: WorkingGroupKind,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub established: Option<i32>,
    pub focus: Option<String>,
    pub notes: Option<String>,
    pub sources: Vec<SourceRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StandardRecord {
    /// `null` where the reports give no code: a slug of the title stands in.
    pub code: Option<String>,
    pub title: String,
    pub kind: StandardKind,
    pub status: StandardStatus,
    pub year: Option<i32>,
    pub committee: Option<String>,
    pub working_group: Option<String>,
    #[serde(default)]
    pub equivalences: Vec<EquivalenceRecord>,
    pub notes: Option<String>,
    pub sources: Vec<SourceRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EquivalenceRecord {
    pub degree: EquivalenceDegree,
    pub code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExpertRecord {
    pub key: String,
    pub name: String,
    pub organization: Option<String>,
    pub notes: Option<String>,
    pub sources: Vec<SourceRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PositionRecord {
    pub expert: String,
    pub role: String,
    pub committee: Option<String>,
    pub working_group: Option<String>,
    pub external_body: Option<String>,
    pub notes: Option<String>,
    pub sources: Vec<SourceRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LiaisonRecord {
    pub key: String,
    pub kind: LiaisonKind,
    pub committee: Option<String>,
    pub working_group: Option<String>,
    pub counterpart: String,
    pub description: Option<String>,
    pub notes: Option<String>,
    pub sources: Vec<SourceRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StatisticRecord {
    pub committee: Option<String>,
    pub working_group: Option<String>,
    pub metric: String,
    pub value: f64,
    pub period: Option<String>,
    pub notes: Option<String>,
    pub source: SourceRecord,
}
