//! Limits on the shape of a query document that async-graphql does not set
//! itself: how many aliases it holds and how many root fields it asks for.
//! Checked right after parsing, before validation and before any statement.
//! And `expanded_fields`: how large the document is once its fragments are
//! spread in, counted without spreading them.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Counts of a document's parts that a limit applies to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DocumentShape {
    /// Aliased fields anywhere in the document, fragments included.
    pub aliases: usize,
    /// Root fields of the operation that asks for the most, fragments spread in.
    pub root_fields: usize,
}

impl DocumentShape {
    pub fn of(document: &ExecutableDocument) -> Self {
        let mut shape = Self::default();
        for (_, operation) in document.operations.iter() {
            shape.aliases += aliases(&operation.node.selection_set.node);
            let mut seen = HashSet::new();
            shape.root_fields = shape.root_fields.max(fields(
                document,
                &operation.node.selection_set.node,
                &mut seen,
            ));
        }
        for fragment in document.fragments.values() {
            shape.aliases += aliases(&fragment.node.selection_set.node);
        }
        shape
    }
}

fn aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases(&fragment.node.selection_set.node),
            // Counted once, where the fragment is defined.
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Fields selected at this level, spreading fragments in; a fragment is
/// spread once, so a fragment cycle (refused later by validation) ends here.
fn fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => {
                fields(document, &fragment.node.selection_set.node, seen)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(name) {
                    Some(fragment) if seen.insert(name) => {
                        fields(document, &fragment.node.selection_set.node, seen)
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

/// Why a document cannot be expanded.
#[derive(Debug, PartialEq, Eq)]
pub enum Unexpandable {
    /// This fragment spreads itself, directly or through others.
    Cycle(String),
    /// Fields, fragments and spreads nest deeper than `MAX_EXPANSION_DEPTH`.
    TooDeep,
}

/// Deeper than any document async-graphql accepts (its parser stops at 64
/// nested selection sets, its recursion check at 32): only a chain of
/// fragments, each spreading the next, gets here.
const MAX_EXPANSION_DEPTH: usize = 128;

/// Fields the operation asking for most selects once every fragment is
/// spread in: what async-graphql's own walks over the document (its
/// recursion check, validation, complexity, execution) visit, since they
/// follow every spread. Each fragment is counted once and its size reused,
/// so a fragment spreading another twice, thirty times over, takes thirty
/// steps here and 2^30 there. Saturates at `usize::MAX`.
pub fn expanded_fields(document: &ExecutableDocument) -> Result<usize, Unexpandable> {
    let mut sizes = HashMap::new();
    let mut most = 0;
    for (_, operation) in document.operations.iter() {
        let size = expanded(document, &operation.node.selection_set.node, &mut sizes, 0)?;
        most = most.max(size);
    }
    // Validation walks fragments no operation spreads, too.
    for name in document.fragments.keys() {
        fragment_size(document, name.as_str(), &mut sizes, 0)?;
    }
    Ok(most)
}

/// Each fragment's expanded size; `None` while it is being counted.
type Sizes<'a> = HashMap<&'a str, Option<usize>>;

fn expanded<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    sizes: &mut Sizes<'a>,
    depth: usize,
) -> Result<usize, Unexpandable> {
    if depth > MAX_EXPANSION_DEPTH {
        return Err(Unexpandable::TooDeep);
    }
    let mut total = 0usize;
    for selection in &set.items {
        let size = match &selection.node {
            Selection::Field(field) => {
                expanded(document, &field.node.selection_set.node, sizes, depth + 1)?
                    .saturating_add(1)
            }
            Selection::InlineFragment(fragment) => expanded(
                document,
                &fragment.node.selection_set.node,
                sizes,
                depth + 1,
            )?,
            Selection::FragmentSpread(spread) => fragment_size(
                document,
                spread.node.fragment_name.node.as_str(),
                sizes,
                depth + 1,
            )?,
        };
        total = total.saturating_add(size);
    }
    Ok(total)
}

fn fragment_size<'a>(
    document: &'a ExecutableDocument,
    name: &'a str,
    sizes: &mut Sizes<'a>,
    depth: usize,
) -> Result<usize, Unexpandable> {
    match sizes.get(name) {
        Some(Some(size)) => return Ok(*size),
        Some(None) => return Err(Unexpandable::Cycle(name.to_owned())),
        None => {}
    }
    // An unknown fragment is reported by validation.
    let Some(fragment) = document.fragments.get(name) else {
        return Ok(0);
    };
    sizes.insert(name, None);
    let size = expanded(document, &fragment.node.selection_set.node, sizes, depth)?;
    sizes.insert(name, Some(size));
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(query: &str) -> DocumentShape {
        DocumentShape::of(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn counts_aliases_and_root_fields_through_fragments() {
        assert_eq!(
            shape("{ a: committee(code: \"x\") { code } b: committee(code: \"y\") { c: code } }"),
            DocumentShape {
                aliases: 3,
                root_fields: 2
            }
        );
        assert_eq!(
            shape(
                "{ ...F committees { totalCount } } fragment F on Query { x: search(text: \"a\") { __typename } y: search(text: \"b\") { __typename } }"
            ),
            DocumentShape {
                aliases: 2,
                root_fields: 3
            }
        );
        assert_eq!(
            shape("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
            DocumentShape {
                aliases: 0,
                root_fields: 0
            }
        );
    }

    fn expansion(query: &str) -> Result<usize, Unexpandable> {
        expanded_fields(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn counts_fields_with_fragments_spread_in() {
        assert_eq!(
            expansion("{ a { b c } ...F } fragment F on Query { d }"),
            Ok(4)
        );
        // Thirty doublings are counted, not walked.
        let mut bomb = String::from("{ ...F30 } fragment F0 on Query { a }");
        for i in 1..=30 {
            bomb.push_str(&format!(
                " fragment F{i} on Query {{ ...F{j} ...F{j} }}",
                j = i - 1
            ));
        }
        assert_eq!(expansion(&bomb), Ok(1 << 30));
        let mut chain = String::from("{ ...F0 }");
        for i in 0..200 {
            chain.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
        }
        assert_eq!(expansion(&chain), Err(Unexpandable::TooDeep));
    }

    #[test]
    fn names_a_fragment_that_spreads_itself() {
        assert_eq!(
            expansion("{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...A }"),
            Err(Unexpandable::Cycle("A".into()))
        );
        assert_eq!(
            expansion("{ a } fragment A on Query { b { ...A } }"),
            Err(Unexpandable::Cycle("A".into()))
        );
    }
}
