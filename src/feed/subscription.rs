//! `registryChanged`: the subscription root, one event per import, and the
//! connection state (`Session`) each WebSocket connection gives its
//! subscriptions: the feed, the subscription budget and the way to close
//! the connection when a subscriber falls behind.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{Context, Object, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::sync::mpsc;

use super::{Feed, ImportEvent, MAX_REPLAY};
use crate::error::AppError;
use crate::graphql::change::{Change, RecordType, decode_cursor, encode_cursor, rfc3339};

/// The close code of a subscriber dropped for falling behind.
pub const CLOSE_TOO_SLOW: u16 = 4410;

/// What one WebSocket connection gives its subscriptions.
#[derive(Clone)]
pub struct Session {
    pub feed: Feed,
    /// Subscriptions open on this connection.
    open: Arc<AtomicUsize>,
    /// Asks the connection to close with a code and a reason.
    close: mpsc::Sender<(u16, String)>,
}

impl Session {
    pub fn new(feed: Feed, close: mpsc::Sender<(u16, String)>) -> Self {
        Self {
            feed,
            open: Arc::new(AtomicUsize::new(0)),
            close,
        }
    }

    fn open_subscription(&self) -> Result<Opened, AppError> {
        let limit = self.feed.config().subscriptions_per_connection;
        if self.open.fetch_add(1, Ordering::SeqCst) >= limit {
            self.open.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::bad_input(format!(
                "a connection holds at most {limit} subscriptions"
            )));
        }
        Ok(Opened(self.open.clone()))
    }
}

/// One open subscription, counted until its stream is dropped.
struct Opened(Arc<AtomicUsize>);

impl Drop for Opened {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One import, as a subscriber sees it.
pub struct RegistryChanged {
    event: Arc<ImportEvent>,
    /// The changes of the types asked for.
    changes: Vec<Change>,
}

/// The records one import created, updated or deleted.
#[Object]
impl RegistryChanged {
    /// The import (the data version it committed).
    async fn import_id(&self) -> i64 {
        self.event.import_id
    }

    /// When the import committed (RFC 3339, UTC).
    async fn imported_at(&self) -> String {
        rfc3339(self.event.changes[0].imported_at)
    }

    /// The dataset file the import read (its file name).
    async fn source(&self) -> &str {
        &self.event.changes[0].source
    }

    /// Its changes of the record types subscribed to, in the log's order.
    async fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The cursor of the import's last change (of any type): pass it as
    /// `changes(after:)` or `registryChanged(after:)` to resume after it.
    async fn cursor(&self) -> String {
        encode_cursor(self.event.last_id())
    }
}

#[derive(Default)]
pub struct ChangeSubscription;

#[Subscription]
impl ChangeSubscription {
    /// One event per import that changed records of `types` (every type
    /// without it), as it commits, on any server of this database. With
    /// `after` (a change cursor), the imports after it are sent first, so a
    /// client that reconnects misses nothing.
    async fn registry_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<RecordType>>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = RegistryChanged> + use<>> {
        let session = ctx
            .data_opt::<Session>()
            .ok_or_else(|| AppError::bad_input("subscriptions are served over WebSocket"))?
            .clone();
        let opened = session.open_subscription()?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let live = session.feed.events();
        let replay = match after {
            Some(after) => session
                .feed
                .replay(after)
                .await
                .map_err(AppError::from)?
                .ok_or_else(|| {
                    AppError::bad_input(format!(
                        "more than {MAX_REPLAY} changes follow this cursor: page through `changes(after:)` first"
                    ))
                })?,
            None => Vec::new(),
        };
        let types: Option<HashSet<entity::change_log::RecordType>> =
            types.map(|types| types.into_iter().map(Into::into).collect());
        let state = Subscriber {
            replay: replay
                .into_iter()
                .map(Arc::new)
                .collect::<Vec<_>>()
                .into_iter(),
            live,
            seen: after.unwrap_or(0),
            types,
            close: session.close,
            _opened: opened,
        };
        Ok(futures_util::stream::unfold(
            state,
            |mut state| async move {
                let event = state.next().await?;
                Some((event, state))
            },
        ))
    }
}

struct Subscriber {
    replay: std::vec::IntoIter<Arc<ImportEvent>>,
    live: Receiver<Arc<ImportEvent>>,
    /// The last change sent (or replayed): live events up to it are not sent twice.
    seen: i64,
    types: Option<HashSet<entity::change_log::RecordType>>,
    close: mpsc::Sender<(u16, String)>,
    _opened: Opened,
}

impl Subscriber {
    async fn next(&mut self) -> Option<RegistryChanged> {
        loop {
            let event = match self.replay.next() {
                Some(event) => event,
                None => match self.live.recv().await {
                    Ok(event) => event,
                    Err(RecvError::Lagged(missed)) => {
                        let reason = format!(
                            "too slow: {missed} imports missed; resume with changes(after: \"{}\")",
                            encode_cursor(self.seen)
                        );
                        let _ = self.close.try_send((CLOSE_TOO_SLOW, reason));
                        return None;
                    }
                    Err(RecvError::Closed) => return None,
                },
            };
            if event.last_id() <= self.seen {
                continue;
            }
            self.seen = event.last_id();
            let changes: Vec<Change> = event
                .changes
                .iter()
                .filter(|change| {
                    self.types
                        .as_ref()
                        .is_none_or(|types| types.contains(&change.record_type))
                })
                .cloned()
                .map(Change)
                .collect();
            if !changes.is_empty() {
                return Some(RegistryChanged { event, changes });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::change_log::{ChangeKind, Model};

    fn event(import_id: i64, id: i64) -> Arc<ImportEvent> {
        Arc::new(ImportEvent {
            import_id,
            changes: vec![Model {
                id,
                import_id,
                sequence: 1,
                record_type: entity::change_log::RecordType::Standard,
                record_key: format!("S{id}"),
                change_kind: ChangeKind::Updated,
                imported_at: 0,
                source: "f.json".into(),
            }],
        })
    }

    /// A subscriber further behind than the broadcast keeps is dropped, and
    /// its connection is asked to close with 4410 and the cursor to resume from.
    #[tokio::test]
    async fn a_slow_subscriber_is_closed_with_its_cursor() {
        let (sender, live) = tokio::sync::broadcast::channel(1);
        let (close, mut closing) = mpsc::channel(1);
        let mut subscriber = Subscriber {
            replay: vec![event(1, 1)].into_iter(),
            live,
            seen: 0,
            types: None,
            close,
            _opened: Opened(Arc::new(AtomicUsize::new(1))),
        };
        for id in 2..=4 {
            sender.send(event(id, id)).unwrap();
        }
        assert_eq!(subscriber.next().await.unwrap().event.import_id, 1);
        assert!(subscriber.next().await.is_none());
        let (code, reason) = closing.try_recv().unwrap();
        assert_eq!(code, CLOSE_TOO_SLOW);
        assert_eq!(
            reason,
            format!(
                "too slow: 2 imports missed; resume with changes(after: \"{}\")",
                encode_cursor(1)
            )
        );
    }
}
