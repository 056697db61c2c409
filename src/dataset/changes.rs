//! What an import changed, for the change log: every record with a natural
//! key is read before the import writes and again after, in the import's
//! transaction, and the difference is written to `change_log`. A record the
//! file states as it is stored changes nothing and is not logged, so the
//! same file imported twice logs nothing the second time.
//!
//! Records are compared by their own row (upserts keep a record's id, so
//! an unchanged row reads the same); the rows an import replaces as a set
//! (aliases, equivalences, positions, statistics) are not logged on their own.

use std::collections::BTreeMap;
use std::fmt::Debug;

use entity::change_log::{self, ChangeKind, RecordType};
use entity::{committee, expert, liaison, standard, working_group};
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

/// The name PostgreSQL servers LISTEN on; every import NOTIFYs it in its
/// transaction, so the notice comes when the changes are visible.
pub const CHANNEL: &str = "registry_changed";

/// Rows per INSERT of change rows.
const CHUNK: usize = 500;

/// Every keyed record as stored: (type, key) -> the row's text.
pub(super) struct Records(BTreeMap<(u8, String), (RecordType, String)>);

impl Records {
    pub(super) async fn read(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let mut records = BTreeMap::new();
        rows::<committee::Entity>(db, RecordType::Committee, 0, |r| &r.code, &mut records).await?;
        rows::<working_group::Entity>(db, RecordType::WorkingGroup, 1, |r| &r.code, &mut records)
            .await?;
        rows::<standard::Entity>(db, RecordType::Standard, 2, |r| &r.code, &mut records).await?;
        rows::<expert::Entity>(db, RecordType::Expert, 3, |r| &r.key, &mut records).await?;
        rows::<liaison::Entity>(db, RecordType::Liaison, 4, |r| &r.key, &mut records).await?;
        Ok(Self(records))
    }

    /// The changes from `self` (before the import) to `after`, in the order
    /// the log keeps them: by record type, then by code or key.
    pub(super) fn changes(&self, after: &Records) -> Vec<(RecordType, String, ChangeKind)> {
        let mut changes = Vec::new();
        for ((order, key), (record_type, row)) in &after.0 {
            match self.0.get(&(*order, key.clone())) {
                None => changes.push((*order, key.clone(), *record_type, ChangeKind::Created)),
                Some((_, before)) if before != row => {
                    changes.push((*order, key.clone(), *record_type, ChangeKind::Updated))
                }
                Some(_) => {}
            }
        }
        for ((order, key), (record_type, _)) in &self.0 {
            if !after.0.contains_key(&(*order, key.clone())) {
                changes.push((*order, key.clone(), *record_type, ChangeKind::Deleted));
            }
        }
        changes.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        changes
            .into_iter()
            .map(|(_, key, record_type, kind)| (record_type, key, kind))
            .collect()
    }
}

async fn rows<E>(
    db: &impl ConnectionTrait,
    record_type: RecordType,
    order: u8,
    key: fn(&E::Model) -> &String,
    into: &mut BTreeMap<(u8, String), (RecordType, String)>,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    E::Model: Debug,
{
    for row in E::find().all(db).await? {
        into.insert(
            (order, key(&row).clone()),
            (record_type, format!("{row:?}")),
        );
    }
    Ok(())
}

/// Writes `changes` as import `import_id`'s change rows and, on
/// PostgreSQL, notifies the servers listening (delivered at commit).
pub(super) async fn log(
    db: &impl ConnectionTrait,
    import_id: i64,
    source: &str,
    changes: Vec<(RecordType, String, ChangeKind)>,
) -> Result<usize, DbErr> {
    let imported_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64);
    let count = changes.len();
    let mut rows = changes
        .into_iter()
        .enumerate()
        .map(|(i, (record_type, key, kind))| change_log::ActiveModel {
            id: NotSet,
            import_id: Set(import_id),
            sequence: Set(i as i32 + 1),
            record_type: Set(record_type),
            record_key: Set(key),
            change_kind: Set(kind),
            imported_at: Set(imported_at),
            source: Set(source.to_owned()),
        })
        .peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        change_log::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    if count > 0 && db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    }
    Ok(count)
}
