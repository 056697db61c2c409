//! Limits on the shape of a query document that async-graphql does not set
//! itself: how many aliases it holds and how many root fields it asks for.
//! Checked right after parsing, before validation and before any statement.

use std::collections::HashSet;

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
}
