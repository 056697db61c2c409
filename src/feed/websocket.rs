//! Subscriptions over WebSocket (`graphql-transport-ws`, and the older
//! `graphql-ws`) on `/graphql`: a GET with `Upgrade: websocket` comes here.
//!
//! async-graphql's WebSocket protocol (`GraphQLWebSocket`) runs each
//! connection; around it this module limits connections, sends pings, and
//! closes a connection with a code and reason of its own when a
//! subscription asks (a subscriber that fell behind). Outgoing messages go
//! through a small bounded queue, so a client that does not read holds up
//! its own subscriptions, which then fall behind the feed and are dropped:
//! nothing is buffered without bound.

use std::time::Duration;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response as HttpResponse};
use futures_util::stream::BoxStream;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use super::Feed;
use super::subscription::Session;
use crate::schema::Schema;

/// The close code of a connection refused for the connection limit.
pub const CLOSE_TOO_MANY_CONNECTIONS: u16 = 4429;
/// Messages queued for one client before its subscriptions wait.
const OUTGOING: usize = 16;

/// Whether `request` asks to become a WebSocket.
pub fn is_upgrade(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// Answers a WebSocket upgrade on `/graphql`.
pub async fn upgrade(schema: Schema, feed: Feed, request: axum::extract::Request) -> HttpResponse {
    let (mut parts, _body) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(protocol) => protocol,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let permit = feed.connection_permit();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |mut socket| async move {
            let Some(permit) = permit else {
                let limit = feed.config().max_subscription_connections;
                let reason =
                    format!("too many subscription connections: this server allows {limit}");
                let _ = socket
                    .send(Message::Close(Some(CloseFrame {
                        code: CLOSE_TOO_MANY_CONNECTIONS,
                        reason: reason.into(),
                    })))
                    .await;
                return;
            };
            serve(socket, schema, feed, protocol).await;
            drop(permit);
        })
}

async fn serve(socket: WebSocket, schema: Schema, feed: Feed, protocol: GraphQLProtocol) {
    let keepalive = Duration::from_secs(feed.config().subscription_keepalive_secs.max(1));
    let (mut to_client, from_client) = socket.split();
    let (close, mut closing) = mpsc::channel::<(u16, String)>(1);
    let (outgoing, mut queued) = futures_channel::mpsc::channel::<Message>(OUTGOING);
    let mut data = Data::default();
    data.insert(Session::new(feed, close));
    let protocol_runs =
        GraphQLWebSocket::new_with_pair(outgoing, from_client, SubscriptionsOnly(schema), protocol)
            .with_data(data)
            // A client that sends nothing, not even a pong, for three pings is gone.
            .keepalive_timeout(keepalive * 3)
            .serve();
    let writer = async move {
        let mut pings =
            tokio::time::interval_at(tokio::time::Instant::now() + keepalive, keepalive);
        loop {
            tokio::select! {
                message = queued.next() => match message {
                    Some(message) => {
                        if to_client.send(message).await.is_err() {
                            return;
                        }
                    }
                    None => return,
                },
                Some((code, reason)) = closing.recv() => {
                    let _ = to_client
                        .send(Message::Close(Some(CloseFrame { code, reason: reason.into() })))
                        .await;
                    return;
                }
                _ = pings.tick() => {
                    let ping = Message::Text(r#"{"type":"ping"}"#.into());
                    if to_client.send(ping).await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    tokio::pin!(protocol_runs, writer);
    tokio::select! {
        // The client left or the protocol ended: send what is queued.
        () = &mut protocol_runs => writer.await,
        // Closed by the server, or the socket failed: the subscriptions end.
        () = &mut writer => {}
    }
}

/// The schema as the WebSocket runs it: subscriptions only. Queries and
/// mutations go over HTTP, where the executor (`execution/`) limits and
/// schedules them.
#[derive(Clone)]
struct SubscriptionsOnly(Schema);

impl SubscriptionsOnly {
    fn refuse() -> Response {
        Response::from_errors(vec![ServerError::new(
            "only subscriptions are served over WebSocket; send queries to /graphql over HTTP",
            None,
        )])
    }
}

impl Executor for SubscriptionsOnly {
    async fn execute(&self, _request: Request) -> Response {
        Self::refuse()
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<std::sync::Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let subscription =
            async_graphql::parser::parse_query(&request.query)
                .ok()
                .map(|document| {
                    let name = request.operation_name.as_deref();
                    let operations: Vec<_> = document.operations.iter().collect();
                    operations
                        .into_iter()
                        .find(|(operation_name, _)| {
                            name.is_none() || operation_name.map(|n| n.as_str()) == name
                        })
                        .is_some_and(|(_, operation)| {
                            operation.node.ty == OperationType::Subscription
                        })
                });
        // A document that does not parse gets the schema's own parse error.
        if subscription == Some(false) {
            return futures_util::stream::once(async { Self::refuse() }).boxed();
        }
        self.0
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
    }
}
