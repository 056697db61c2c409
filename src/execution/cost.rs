//! What an operation costs before it runs: its depth and its complexity,
//! computed from the parsed document and the schema's types, as
//! async-graphql's validation computes them (so its own limits and these
//! agree), without a schema extension, whose mere presence puts async-graphql
//! on a slower path for every field it resolves.
//!
//! The rules, async-graphql's: every field but `__typename` costs 1 plus what
//! its selection costs; a field with a `first` argument (a connection or a
//! list of search hits) costs its page size times its selection, plus 1 (see
//! `graphql::connection::complexity`), when it is selected on an object type;
//! fragments are counted where they are spread, and every operation of the
//! document is counted. Depth is the deepest nesting of such fields.

use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type, TypeDefinition,
    TypeKind, TypeSystemDefinition, VariableDefinition,
};
use async_graphql::parser::{Positioned, parse_schema};
use async_graphql::{Name, Value};

use crate::graphql::connection::complexity;

/// Depth and complexity of a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub depth: usize,
    pub complexity: usize,
}

/// The schema's types, as far as costing needs them.
#[derive(Debug, Default)]
pub struct TypeIndex {
    types: HashMap<String, TypeInfo>,
}

#[derive(Debug, Default)]
struct TypeInfo {
    /// An object type: only there do fields count by their page size.
    object: bool,
    fields: HashMap<String, FieldInfo>,
}

#[derive(Debug)]
struct FieldInfo {
    /// The named type the field returns, lists and non-null unwrapped.
    ty: String,
    /// Whether it pages with `first` (and `last`, when it has that argument).
    paged: bool,
}

impl TypeIndex {
    /// The types of a schema, read from its SDL.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut types = HashMap::new();
        let Ok(document) = parse_schema(sdl) else {
            return Self { types };
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let TypeDefinition { name, kind, .. } = definition.node;
            let (object, fields) = match kind {
                TypeKind::Object(object) => (true, object.fields),
                TypeKind::Interface(interface) => (false, interface.fields),
                _ => (false, Vec::new()),
            };
            let entry: &mut TypeInfo = types.entry(name.node.to_string()).or_default();
            entry.object |= object;
            for field in fields {
                let field = field.node;
                let paged = field
                    .arguments
                    .iter()
                    .any(|argument| argument.node.name.node == "first");
                entry.fields.insert(
                    field.name.node.to_string(),
                    FieldInfo {
                        ty: named(&field.ty.node).to_owned(),
                        paged,
                    },
                );
            }
        }
        Self { types }
    }

    /// The cost of every operation of `document`, summed; fragments must not
    /// spread themselves (checked before, see `document.rs`).
    pub fn cost(&self, document: &ExecutableDocument, variables: &Variables) -> Cost {
        let mut total = Cost::default();
        for (_, operation) in document.operations.iter() {
            let root = match operation.node.ty {
                OperationType::Query => "Query",
                OperationType::Mutation => "Mutation",
                OperationType::Subscription => "Subscription",
            };
            let walk = Walk {
                index: self,
                document,
                variables,
                definitions: &operation.node.variable_definitions,
            };
            let cost =
                walk.selection_set(&operation.node.selection_set.node, self.types.get(root), 0);
            total.depth = total.depth.max(cost.depth);
            total.complexity = total.complexity.saturating_add(cost.complexity);
        }
        total
    }
}

/// The named type of a field's type: `[Standard!]!` is `Standard`.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

struct Walk<'a> {
    index: &'a TypeIndex,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    definitions: &'a [Positioned<VariableDefinition>],
}

impl Walk<'_> {
    fn selection_set(&self, set: &SelectionSet, current: Option<&TypeInfo>, depth: usize) -> Cost {
        let mut cost = Cost {
            depth,
            complexity: 0,
        };
        for selection in &set.items {
            let part = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.name.node == "__typename" {
                        continue;
                    }
                    let info = current.and_then(|ty| ty.fields.get(field.name.node.as_str()));
                    let child_type = info.and_then(|info| self.index.types.get(&info.ty));
                    let children =
                        self.selection_set(&field.selection_set.node, child_type, depth + 1);
                    let complexity = match (current, info) {
                        (Some(parent), Some(info)) if parent.object && info.paged => complexity(
                            self.int_argument(field, "first"),
                            self.int_argument(field, "last"),
                            children.complexity,
                        ),
                        _ => children.complexity.saturating_add(1),
                    };
                    Cost {
                        depth: children.depth.max(depth + 1),
                        complexity,
                    }
                }
                // A named fragment is counted against the type it is spread
                // in, as async-graphql's validation counts it.
                Selection::FragmentSpread(spread) => {
                    match self.document.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment) => {
                            self.selection_set(&fragment.node.selection_set.node, current, depth)
                        }
                        None => continue,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let ty = match &fragment.node.type_condition {
                        Some(condition) => self.index.types.get(condition.node.on.node.as_str()),
                        None => current,
                    };
                    self.selection_set(&fragment.node.selection_set.node, ty, depth)
                }
            };
            cost.depth = cost.depth.max(part.depth);
            cost.complexity = cost.complexity.saturating_add(part.complexity);
        }
        cost
    }

    /// An `Int` argument of a field, its variable resolved (with the
    /// variable's default); `None` when absent, null or not an `Int`.
    fn int_argument(&self, field: &async_graphql::parser::types::Field, name: &str) -> Option<i32> {
        let value = field.get_argument(name)?;
        let constant = value
            .node
            .clone()
            .into_const_with(|variable| self.variable(&variable).ok_or(()))
            .ok()?;
        match constant {
            Value::Number(number) => number.as_i64().and_then(|n| i32::try_from(n).ok()),
            _ => None,
        }
    }

    fn variable(&self, name: &Name) -> Option<Value> {
        if let Some(value) = self.variables.get(name) {
            return Some(value.clone());
        }
        self.definitions
            .iter()
            .find(|definition| definition.node.name.node == *name)
            .and_then(|definition| definition.node.default_value.as_ref())
            .map(|default| default.node.clone())
    }
}
