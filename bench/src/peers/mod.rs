//! The peers: what a team would run instead of the registry, measured beside
//! it in the same run on the same data. Each module gives the documents the
//! peer is sent and how its answers are rewritten into the registry's answer
//! shape; this one picks among them and makes each peer's variables (its
//! own cursors, or offsets) for the registry's variants.

pub mod install;
pub mod node;
pub mod postgraphile;
pub mod seaography;

use serde_json::{Value, json};

use crate::load::Client;
use crate::shapes::{self, Execute, Shape, Variant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Node,
    PostGraphile,
    Seaography,
}

pub const ALL: [Peer; 3] = [Peer::Node, Peer::PostGraphile, Peer::Seaography];

impl Peer {
    pub fn name(self) -> &'static str {
        match self {
            Peer::Node => "node",
            Peer::PostGraphile => "postgraphile",
            Peer::Seaography => "seaography",
        }
    }

    pub fn from_name(name: &str) -> Option<Peer> {
        ALL.into_iter()
            .find(|peer| peer.name().eq_ignore_ascii_case(name))
    }

    pub fn describe(self) -> &'static str {
        match self {
            Peer::Node => {
                "Apollo Server 5, @apollo/subgraph, DataLoader, better-sqlite3 (bench/peers/node)"
            }
            Peer::PostGraphile => {
                "PostGraphile 4.14 with the connection filter plugin (bench/peers/postgraphile)"
            }
            Peer::Seaography => {
                "seaography 2.0 rc over the registry's entity crate (bench/peers/seaography)"
            }
        }
    }

    /// Whether the peer runs on `backend`.
    pub fn serves(self, backend: &str) -> bool {
        match self {
            Peer::Node => backend == "sqlite",
            Peer::PostGraphile => backend == "postgres",
            Peer::Seaography => true,
        }
    }

    /// The document the peer is sent for `shape`, or None when it cannot express it.
    pub fn query(self, shape: Shape) -> Option<&'static str> {
        match self {
            Peer::Node => node::query(shape),
            Peer::PostGraphile => postgraphile::query(shape),
            Peer::Seaography => seaography::query(shape),
        }
    }

    /// The peer's `data` rewritten into the registry's answer shape.
    pub fn normalize(self, shape: Shape, data: Value) -> Value {
        match self {
            Peer::Node => node::normalize(shape, data),
            Peer::PostGraphile => postgraphile::normalize(shape, data),
            Peer::Seaography => seaography::normalize(shape, data),
        }
    }

    /// Why the peer does not express `shape` (see each module's documentation).
    pub fn not_expressed(self, shape: Shape) -> &'static str {
        match (self, shape) {
            (_, Shape::Q8) => "registry and floor only (no committee-subtree filter)",
            (_, Shape::Q9 | Shape::Q9Count) => "registry and floor only (no facets)",
            (Peer::PostGraphile | Peer::Seaography, Shape::Q5) => "no federation (`_entities`)",
            (Peer::Seaography, Shape::Q4 | Shape::Q4Code | Shape::Q4Rare) => "no search",
            (Peer::Seaography, Shape::Q7 | Shape::Q7First) => {
                "cannot order by YEAR DESC, CODE ASC (its orderBy applies columns in the \
                 entity's order); its nearest document returns other rows, so it is not timed"
            }
            _ => "not expressed",
        }
    }

    /// The peer's variables for each of the registry's variants of `shape`:
    /// the same, except where pages are asked by cursor (each server's own,
    /// reached by paging the peer itself) or by offset (seaography).
    pub async fn variables(
        self,
        shape: Shape,
        variants: &[Variant],
        client: &mut Client,
    ) -> Result<Vec<Value>, String> {
        match (self, shape) {
            (Peer::Seaography, Shape::Q3) => Ok(variants
                .iter()
                .map(|v| seaography::q3_variables(v.offset))
                .collect()),
            (Peer::Node, Shape::Q3) => {
                let cursors = shapes::q3_cursors(client, variants.len()).await?;
                enough(&cursors, variants.len(), "Q3's pages")?;
                Ok(cursors.into_iter().map(|c| json!({ "after": c })).collect())
            }
            (Peer::PostGraphile, Shape::Q3) => {
                // The Q3 document is its own pager.
                let query = postgraphile::query(Shape::Q3).expect("Q3");
                let mut cursors = vec![Value::Null];
                while cursors.len() < variants.len() {
                    let answer = data(client, query, json!({ "after": cursors.last() })).await?;
                    let cursor = answer["committees"]["pageInfo"]["endCursor"].clone();
                    if cursor.is_null() {
                        break;
                    }
                    cursors.push(cursor);
                }
                enough(&cursors, variants.len(), "Q3's pages")?;
                Ok(cursors.into_iter().map(|c| json!({ "after": c })).collect())
            }
            (Peer::Node, Shape::Q7) => {
                let mut list = Vec::new();
                for variant in variants {
                    list.push(if variant.offset == 0 {
                        json!({ "after": null })
                    } else {
                        json!({ "after": shapes::q7_cursor(client, variant.offset - 1).await? })
                    });
                }
                Ok(list)
            }
            (Peer::PostGraphile, Shape::Q7) => {
                let mut list = Vec::new();
                for variant in variants {
                    list.push(json!({
                        "after": postgraphile_cursor(client, variant.offset).await?
                    }));
                }
                Ok(list)
            }
            _ => Ok(variants.iter().map(|v| v.variables.clone()).collect()),
        }
    }
}

fn enough(cursors: &[Value], wanted: usize, what: &str) -> Result<(), String> {
    if cursors.len() < wanted {
        return Err(format!(
            "{what}: the peer gave {} pages where the registry gave {wanted}",
            cursors.len()
        ));
    }
    Ok(())
}

/// The `data` of a request, or its errors.
async fn data(client: &mut Client, query: &str, variables: Value) -> Result<Value, String> {
    let response = client.execute(query, variables).await?;
    if let Some(errors) = response.get("errors") {
        return Err(format!("{errors}"));
    }
    Ok(response["data"].clone())
}

/// PostGraphile's cursor of the row before Q7's page at `offset` (null for
/// the first page), reached with its pager by pages of 100.
async fn postgraphile_cursor(client: &mut Client, offset: usize) -> Result<Value, String> {
    let (query, pointer) = postgraphile::Q7_PAGER;
    let mut after = Value::Null;
    let mut reached = 0;
    while reached < offset {
        let first = (offset - reached).min(100);
        let page = data(client, query, json!({ "first": first, "after": after })).await?;
        after = page.pointer(pointer).cloned().unwrap_or(Value::Null);
        if after.is_null() {
            return Err(format!("Q7's list ended before row {offset}"));
        }
        reached += first;
    }
    Ok(after)
}
