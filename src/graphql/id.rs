//! Global ids: `base64url("Type:natural key")`. They are built from codes and
//! dataset keys, not database row ids, so they stay the same across restarts,
//! re-imports and databases, and another subgraph may store them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppError, AppResult};

/// The types `node(id:)` resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Committee,
    WorkingGroup,
    Standard,
    Expert,
    Liaison,
}

impl NodeType {
    fn name(self) -> &'static str {
        match self {
            Self::Committee => "Committee",
            Self::WorkingGroup => "WorkingGroup",
            Self::Standard => "Standard",
            Self::Expert => "Expert",
            Self::Liaison => "Liaison",
        }
    }

    const ALL: [NodeType; 5] = [
        Self::Committee,
        Self::WorkingGroup,
        Self::Standard,
        Self::Expert,
        Self::Liaison,
    ];
}

pub fn encode(node_type: NodeType, key: &str) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{key}", node_type.name())))
}

/// The type and natural key an id names; an error for anything this service did not issue.
pub fn decode(id: &str) -> AppResult<(NodeType, String)> {
    let invalid = || {
        AppError::bad_input(format!(
            "`{}` is not an id issued by this registry",
            truncate(id)
        ))
    };
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (name, key) = text.split_once(':').ok_or_else(invalid)?;
    let node_type = NodeType::ALL
        .into_iter()
        .find(|t| t.name() == name)
        .ok_or_else(invalid)?;
    if key.is_empty() {
        return Err(invalid());
    }
    Ok((node_type, key.to_owned()))
}

/// The id of one expected type: its natural key, or an error naming the type.
pub fn decode_as(expected: NodeType, id: &str) -> AppResult<String> {
    match decode(id)? {
        (node_type, key) if node_type == expected => Ok(key),
        _ => Err(AppError::bad_input(format!(
            "`{}` is not the id of a {}",
            truncate(id),
            expected.name()
        ))),
    }
}

/// Echoing a 10 MB id back would be an amplifier: keep messages short.
pub(crate) fn truncate(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_garbage_is_refused() {
        let id = encode(NodeType::Standard, "GB/T 45993-2025");
        assert_eq!(
            decode(&id).unwrap(),
            (NodeType::Standard, "GB/T 45993-2025".to_owned())
        );
        assert!(decode("not base64!").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Nope:x")).is_err());
        assert!(decode_as(NodeType::Expert, &id).is_err());
    }
}
