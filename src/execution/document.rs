//! Checks of a parsed document that async-graphql does not make, each before
//! validation and before any statement: how many aliases it holds and how
//! many root fields it asks for; `expanded_fields`, how large it is once its
//! fragments are spread in, counted without spreading them; whether the
//! operation is a query; and the coercion of its variables.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, OperationType, Selection, SelectionSet, Type,
};
use async_graphql::{Name, Request, ServerError};

use crate::error::code;

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

/// Where the operation `selected` picks (the only one when `None`) asks for
/// `_service { sdl }`: the response keys of each root `_service` field and of
/// the `sdl` fields below it, fragments spread in.
pub fn service_sdl_keys(
    document: &ExecutableDocument,
    selected: Option<&str>,
) -> Vec<(Name, Vec<Name>)> {
    let mut operations = document.operations.iter();
    let operation = match selected {
        Some(selected) => operations.find(|(name, _)| name.map(|n| n.as_str()) == Some(selected)),
        None => match (operations.next(), operations.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        },
    };
    let Some((_, operation)) = operation else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for service in fields_named(document, &operation.node.selection_set.node, "_service", 0) {
        let sdl = fields_named(document, &service.selection_set.node, "sdl", 0)
            .into_iter()
            .map(response_key)
            .collect();
        keys.push((response_key(service), sdl));
    }
    keys
}

fn response_key(field: &Field) -> Name {
    field.alias.as_ref().unwrap_or(&field.name).node.clone()
}

/// The fields called `name` of a selection set, fragments spread in (to a
/// bounded depth: cycles are refused elsewhere).
fn fields_named<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    name: &str,
    depth: usize,
) -> Vec<&'a Field> {
    if depth > MAX_EXPANSION_DEPTH {
        return Vec::new();
    }
    let mut found = Vec::new();
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) if field.node.name.node == name => found.push(&field.node),
            Selection::Field(_) => {}
            Selection::InlineFragment(fragment) => found.extend(fields_named(
                document,
                &fragment.node.selection_set.node,
                name,
                depth + 1,
            )),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    found.extend(fields_named(
                        document,
                        &fragment.node.selection_set.node,
                        name,
                        depth + 1,
                    ));
                }
            }
        }
    }
    found
}

/// Whether any operation of the document asks for introspection: a root
/// `__schema` or `__type` field, fragments spread in (they are root fields
/// only).
pub fn asks_for_introspection(document: &ExecutableDocument) -> bool {
    document.operations.iter().any(|(_, operation)| {
        let root = &operation.node.selection_set.node;
        ["__schema", "__type"]
            .iter()
            .any(|name| !fields_named(document, root, name, 0).is_empty())
    })
}

/// Whether the operation `selected` picks (every one when `None`) is a query.
pub fn is_query(document: &ExecutableDocument, selected: Option<&str>) -> bool {
    document
        .operations
        .iter()
        .filter(|(name, _)| selected.is_none() || name.map(|n| n.as_str()) == selected)
        .all(|(_, operation)| operation.node.ty == OperationType::Query)
}

/// GraphQL's CoerceVariableValues, as far as it needs no schema: every
/// variable of a non-null type without a default is given and not null, and a
/// value for a built-in scalar (or a list of them) has that scalar's type.
/// async-graphql checks variables only when a field reads them, which makes a
/// missing variable a field error; the spec makes it a request error, raised
/// before execution. Enums and input objects are left to execution, as are
/// documents that name no operation (execution reports those).
pub fn coerce_variables(
    document: &ExecutableDocument,
    request: &Request,
) -> Result<(), ServerError> {
    let mut operations = document.operations.iter();
    let operation = match request.operation_name.as_deref() {
        Some(selected) => operations.find(|(name, _)| name.map(|n| n.as_str()) == Some(selected)),
        None => match (operations.next(), operations.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        },
    };
    let Some((_, operation)) = operation else {
        return Ok(());
    };
    for definition in &operation.node.variable_definitions {
        let definition = &definition.node;
        let name = &definition.name.node;
        let ty = &definition.var_type.node;
        let problem = match request.variables.get(name) {
            None if definition.default_value.is_none() && !ty.nullable => {
                format!(r#"Variable "${name}" of required type "{ty}" was not provided."#)
            }
            None => continue,
            Some(value) => match coerces(ty, value) {
                true => continue,
                false => format!(
                    r#"Variable "${name}" got invalid value {value}; expected type "{ty}"."#
                ),
            },
        };
        let mut err = ServerError::new(problem, Some(definition.name.pos));
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code::BAD_USER_INPUT);
        return Err(err);
    }
    Ok(())
}

/// Whether `value` coerces to `ty`, as far as built-in scalars tell.
fn coerces(ty: &Type, value: &async_graphql::Value) -> bool {
    use async_graphql::Value as V;
    if *value == V::Null {
        return ty.nullable;
    }
    match &ty.base {
        BaseType::List(item) => match value {
            V::List(items) => items.iter().all(|value| coerces(item, value)),
            // A single value coerces to a list of one.
            value => coerces(item, value),
        },
        BaseType::Named(name) => match (name.as_str(), value) {
            ("Int", V::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            ("Float", V::Number(_)) | ("String", V::String(_)) | ("Boolean", V::Boolean(_)) => true,
            ("ID", V::String(_)) => true,
            ("ID", V::Number(n)) => n.is_i64() || n.is_u64(),
            ("Int" | "Float" | "String" | "Boolean" | "ID", _) => false,
            _ => true,
        },
    }
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
