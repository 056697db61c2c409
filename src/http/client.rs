//! Who sends a request: the client the per-client limits count against, and
//! whether it came through a trusted gateway or from the playground.
//!
//! A gateway sends every client's requests from its own address, so behind
//! one the peer address names nobody: the client is the
//! `apollographql-client-name` it forwards (Apollo Router forwards it when
//! told to propagate that header), trusted only from the addresses of
//! `--trusted-proxy`. Anyone else is its peer address; a name it sends is
//! not believed, or every request could name a fresh client.

use std::net::SocketAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::execution::Caller;
use crate::execution::client_limits::MAX_CLIENT_KEY;

/// The header Apollo's clients and gateways name the client in.
pub const CLIENT_NAME: &str = "apollographql-client-name";

/// The client name the playground sends (`assets/graphiql/index.html`).
pub const PLAYGROUND_CLIENT: &str = "standards-registry-playground";

/// The caller of a request from `peer` with `headers`.
pub fn identify(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Caller {
    let name = headers
        .get(CLIENT_NAME)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|name| !name.is_empty());
    let trusted_proxy = peer.is_some_and(|peer| trusted.iter().any(|net| net.contains(&peer.ip())));
    let client = match (trusted_proxy, name, peer) {
        (true, Some(name), _) => format!("name:{}", cut(name)),
        (_, _, Some(peer)) => format!("ip:{}", peer.ip()),
        (_, _, None) => "unknown".to_owned(),
    };
    Caller {
        client,
        trusted_proxy,
        playground: name == Some(PLAYGROUND_CLIENT),
    }
}

/// A name cut to what a client key may hold, on a character boundary.
fn cut(name: &str) -> &str {
    let limit = MAX_CLIENT_KEY - "name:".len();
    if name.len() <= limit {
        return name;
    }
    let mut end = limit;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}
