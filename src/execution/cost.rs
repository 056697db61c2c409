//! What an operation costs before it runs: its depth and its complexity.
//!
//! The complexity is Apollo's static demand-control estimate, computed from
//! the directives of the SDL this subgraph publishes (`sdl.rs` writes them
//! from the cost model; `TypeIndex::from_sdl` reads them back), so a gateway
//! that estimates an operation from the supergraph gets this same number.
//! The rules, the published ones as Apollo Router implements them:
//!
//! - a field costs `count × (weight + its selection) + its arguments`;
//! - `weight` is the field's `@cost(weight:)`, else 1 for an object,
//!   interface or union and 0 for a scalar or enum;
//! - `count` is 1 for a field that is not a list; for a list it is the size
//!   its parent's `@listSize(sizedFields:)` gives it, else its own
//!   `@listSize`: the largest of its slicing arguments given, else
//!   `assumedSize`;
//! - an argument costs its `@cost`, or 1 for each input object it holds
//!   (with their fields), 0 for scalars and enums, a list the sum of its items;
//! - `__typename` and fields skipped by a literal `@skip(if: true)` or
//!   `@include(if: false)` cost 0; fragments count where they are spread,
//!   against their type condition; every operation of a document is counted;
//!   a query costs nothing of itself.
//!
//! Where the server knows more than a gateway's static estimate, it counts
//! what it will run, and says so in the README ("In a supergraph"):
//! a page size is clamped to what the server serves (0 to 100; a larger one
//! is refused with `BAD_USER_INPUT` when the field runs), a variable without
//! a value counts its default, `_entities` counts one item per representation
//! (a gateway uses its configured list size, having no `@listSize` for it),
//! and introspection lists count the schema's own sizes.
//!
//! Depth is the deepest nesting of fields.

use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::types::{
    BaseType, ConstDirective, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
    Type, TypeKind, TypeSystemDefinition, VariableDefinition,
};
use async_graphql::parser::{Positioned, parse_schema};
use async_graphql::{Name, Value};

use crate::config::MAX_PAGE_SIZE;

/// Depth and complexity of a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub depth: usize,
    pub complexity: usize,
}

/// The size of a list that neither its own nor its parent's `@listSize`
/// sizes (none in the published schema; a gateway uses its own setting).
pub const DEFAULT_LIST_SIZE: usize = MAX_PAGE_SIZE;

/// The most any one field counts for: far above any limit, and small enough
/// that sums over siblings cannot overflow.
const MAX_FIELD_COMPLEXITY: usize = u32::MAX as usize;

/// The fields federation adds to a subgraph, which the published SDL leaves
/// out: `_entities` sized by its representations, `_service` an object.
const FEDERATION_SDL: &str = r#"
scalar _Any
union _Entity = Committee | WorkingGroup | Standard | Expert | Liaison
type _Service { sdl: String }
extend type Query {
  _entities(representations: [_Any!]!): [_Entity]! @listSize(slicingArguments: ["representations"], requireOneSlicingArgument: false)
  _service: _Service!
}
"#;

/// The schema's types, as far as costing needs them.
#[derive(Debug, Default)]
pub struct TypeIndex {
    types: HashMap<String, TypeInfo>,
}

#[derive(Debug, Default)]
struct TypeInfo {
    /// An object, interface or union: 1 unless `@cost` says otherwise.
    composite: bool,
    fields: HashMap<String, FieldInfo>,
    /// An input object's fields.
    input_fields: HashMap<String, InputInfo>,
    /// An input object (its values cost 1).
    input: bool,
}

#[derive(Debug)]
struct FieldInfo {
    /// The named type the field returns, lists and non-null unwrapped.
    ty: String,
    list: bool,
    weight: Option<usize>,
    list_size: Option<ListSize>,
    arguments: HashMap<String, InputInfo>,
}

#[derive(Debug)]
struct InputInfo {
    ty: String,
    weight: Option<usize>,
}

/// A field's `@listSize`.
#[derive(Debug, Default)]
struct ListSize {
    assumed: Option<usize>,
    slicing: Vec<String>,
    sized: Vec<String>,
}

impl TypeIndex {
    /// The types of the published SDL `sdl`, with federation's own fields and
    /// the introspection types (their lists sized by this schema's own counts).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut index = Self::default();
        index.read(sdl);
        index.read(FEDERATION_SDL);
        let introspection = introspection_sdl(&index);
        index.read(&introspection);
        index
    }

    fn read(&mut self, sdl: &str) {
        let Ok(document) = parse_schema(sdl) else {
            return;
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let entry = self
                .types
                .entry(definition.name.node.to_string())
                .or_default();
            let fields = match definition.kind {
                TypeKind::Object(object) => {
                    entry.composite = true;
                    object.fields
                }
                TypeKind::Interface(interface) => {
                    entry.composite = true;
                    interface.fields
                }
                TypeKind::Union(_) => {
                    entry.composite = true;
                    Vec::new()
                }
                TypeKind::InputObject(input) => {
                    entry.input = true;
                    for field in input.fields {
                        let field = field.node;
                        entry.input_fields.insert(
                            field.name.node.to_string(),
                            InputInfo {
                                ty: named(&field.ty.node).to_owned(),
                                weight: weight(&field.directives),
                            },
                        );
                    }
                    Vec::new()
                }
                TypeKind::Scalar | TypeKind::Enum(_) => Vec::new(),
            };
            for field in fields {
                let field = field.node;
                let arguments = field
                    .arguments
                    .iter()
                    .map(|argument| {
                        let argument = &argument.node;
                        (
                            argument.name.node.to_string(),
                            InputInfo {
                                ty: named(&argument.ty.node).to_owned(),
                                weight: weight(&argument.directives),
                            },
                        )
                    })
                    .collect();
                entry.fields.insert(
                    field.name.node.to_string(),
                    FieldInfo {
                        ty: named(&field.ty.node).to_owned(),
                        list: matches!(field.ty.node.base, BaseType::List(_)),
                        weight: weight(&field.directives),
                        list_size: list_size(&field.directives),
                        arguments,
                    },
                );
            }
        }
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
            let mut cost = walk.selection_set(&operation.node.selection_set.node, root, None, 0);
            if operation.node.ty == OperationType::Mutation {
                cost.complexity = cost.complexity.saturating_add(10);
            }
            total.depth = total.depth.max(cost.depth);
            total.complexity = total.complexity.saturating_add(cost.complexity);
        }
        total
    }

    /// A literal `Int` argument (or input field) outside 32 bits, which
    /// validation must refuse (async-graphql only finds it when the field
    /// runs); its message, as async-graphql words it.
    pub fn out_of_range_int(&self, document: &ExecutableDocument) -> Option<String> {
        let mut sets: Vec<(&SelectionSet, String)> = Vec::new();
        for (_, operation) in document.operations.iter() {
            let root = match operation.node.ty {
                OperationType::Query => "Query",
                OperationType::Mutation => "Mutation",
                OperationType::Subscription => "Subscription",
            };
            sets.push((&operation.node.selection_set.node, root.to_owned()));
        }
        for fragment in document.fragments.values() {
            sets.push((
                &fragment.node.selection_set.node,
                fragment.node.type_condition.node.on.node.to_string(),
            ));
        }
        while let Some((set, parent)) = sets.pop() {
            for selection in &set.items {
                match &selection.node {
                    Selection::Field(field) => {
                        let field = &field.node;
                        let info = self.field(&parent, &field.name.node);
                        for (name, value) in &field.arguments {
                            let definition =
                                info.and_then(|info| info.arguments.get(name.node.as_str()));
                            let Ok(value) = value.node.clone().into_const_with(|_| Err(())) else {
                                continue;
                            };
                            if let Some(definition) = definition
                                && !self.int_in_range(&value, definition)
                            {
                                return Some(
                                    "Failed to parse \"Int\": Only integers from -2147483648 to 2147483647 are accepted."
                                        .to_owned(),
                                );
                            }
                        }
                        let child = info.map_or_else(String::new, |info| info.ty.clone());
                        sets.push((&field.selection_set.node, child));
                    }
                    Selection::InlineFragment(fragment) => {
                        let ty = fragment
                            .node
                            .type_condition
                            .as_ref()
                            .map_or_else(|| parent.clone(), |c| c.node.on.node.to_string());
                        sets.push((&fragment.node.selection_set.node, ty));
                    }
                    Selection::FragmentSpread(_) => {}
                }
            }
        }
        None
    }

    fn int_in_range(&self, value: &Value, definition: &InputInfo) -> bool {
        match value {
            Value::Number(n) if definition.ty == "Int" => {
                n.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
            }
            Value::List(items) => items.iter().all(|item| self.int_in_range(item, definition)),
            Value::Object(fields) => fields.iter().all(|(name, value)| {
                self.types
                    .get(&definition.ty)
                    .and_then(|info| info.input_fields.get(name.as_str()))
                    .is_none_or(|field| self.int_in_range(value, field))
            }),
            _ => true,
        }
    }

    fn field(&self, parent: &str, name: &str) -> Option<&FieldInfo> {
        self.types.get(parent)?.fields.get(name)
    }

    fn composite(&self, ty: &str) -> bool {
        self.types.get(ty).is_some_and(|info| info.composite)
    }
}

/// The named type of a field's type: `[Standard!]!` is `Standard`.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

fn directive<'a>(
    directives: &'a [Positioned<ConstDirective>],
    name: &str,
) -> Option<&'a ConstDirective> {
    directives
        .iter()
        .map(|directive| &directive.node)
        .find(|directive| directive.name.node == name)
}

fn argument<'a>(directive: &'a ConstDirective, name: &str) -> Option<&'a Value> {
    directive
        .arguments
        .iter()
        .find(|(argument, _)| argument.node == name)
        .map(|(_, value)| &value.node)
}

fn weight(directives: &[Positioned<ConstDirective>]) -> Option<usize> {
    let cost = directive(directives, "cost")?;
    match argument(cost, "weight")? {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        _ => None,
    }
}

fn list_size(directives: &[Positioned<ConstDirective>]) -> Option<ListSize> {
    let directive = directive(directives, "listSize")?;
    let strings = |name| match argument(directive, name) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(text) => Some(text.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some(ListSize {
        assumed: match argument(directive, "assumedSize") {
            Some(Value::Number(n)) => n.as_u64().map(|n| n as usize),
            _ => None,
        },
        slicing: strings("slicingArguments"),
        sized: strings("sizedFields"),
    })
}

/// The introspection types, their lists sized by the longest such list of
/// `index`'s schema, so an introspection query costs at most what it can
/// return: every type, a type's fields, a field's arguments, and so on.
fn introspection_sdl(index: &TypeIndex) -> String {
    let user_types = index.types.len() + 13; // with the built-in scalars and introspection types
    let most = |count: fn(&TypeInfo) -> usize| index.types.values().map(count).max().unwrap_or(0);
    let fields = most(|info| info.fields.len().max(info.input_fields.len()));
    let arguments = index
        .types
        .values()
        .flat_map(|info| info.fields.values())
        .map(|field| field.arguments.len())
        .max()
        .unwrap_or(0)
        .max(2);
    let possible = index.types.values().filter(|info| info.composite).count();
    format!(
        r#"
type __Schema {{ description: String types: [__Type!]! @listSize(assumedSize: {user_types}) queryType: __Type! mutationType: __Type subscriptionType: __Type directives: [__Directive!]! @listSize(assumedSize: 16) }}
type __Type {{ kind: __TypeKind! name: String description: String specifiedByURL: String
  fields(includeDeprecated: Boolean): [__Field!] @listSize(assumedSize: {fields})
  interfaces: [__Type!] @listSize(assumedSize: 4)
  possibleTypes: [__Type!] @listSize(assumedSize: {possible})
  enumValues(includeDeprecated: Boolean): [__EnumValue!] @listSize(assumedSize: {fields})
  inputFields(includeDeprecated: Boolean): [__InputValue!] @listSize(assumedSize: {fields})
  ofType: __Type isOneOf: Boolean }}
type __Field {{ name: String! description: String args(includeDeprecated: Boolean): [__InputValue!]! @listSize(assumedSize: {arguments}) type: __Type! isDeprecated: Boolean! deprecationReason: String }}
type __InputValue {{ name: String! description: String type: __Type! defaultValue: String isDeprecated: Boolean! deprecationReason: String }}
type __EnumValue {{ name: String! description: String isDeprecated: Boolean! deprecationReason: String }}
type __Directive {{ name: String! description: String locations: [__DirectiveLocation!]! @listSize(assumedSize: 19) args(includeDeprecated: Boolean): [__InputValue!]! @listSize(assumedSize: {arguments}) isRepeatable: Boolean! }}
enum __TypeKind {{ SCALAR }}
enum __DirectiveLocation {{ QUERY }}
extend type Query {{ __schema: __Schema! __type(name: String!): __Type }}
"#
    )
}

struct Walk<'a> {
    index: &'a TypeIndex,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    definitions: &'a [Positioned<VariableDefinition>],
}

/// What a parent's `@listSize(sizedFields:)` gives its children.
struct Sizing<'a> {
    size: Option<usize>,
    fields: &'a [String],
}

impl Walk<'_> {
    fn selection_set(
        &self,
        set: &SelectionSet,
        parent: &str,
        sizing: Option<&Sizing>,
        depth: usize,
    ) -> Cost {
        let mut cost = Cost {
            depth,
            complexity: 0,
        };
        for selection in &set.items {
            let part = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let upstream = sizing
                        .filter(|sizing| sizing.fields.iter().any(|f| *f == field.name.node))
                        .and_then(|sizing| sizing.size);
                    match self.field(field, parent, upstream, depth) {
                        Some(part) => part,
                        None => continue,
                    }
                }
                Selection::FragmentSpread(spread) => {
                    match self.document.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment) => self.selection_set(
                            &fragment.node.selection_set.node,
                            fragment.node.type_condition.node.on.node.as_str(),
                            sizing,
                            depth,
                        ),
                        None => continue,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let ty = match &fragment.node.type_condition {
                        Some(condition) => condition.node.on.node.as_str(),
                        None => parent,
                    };
                    self.selection_set(&fragment.node.selection_set.node, ty, sizing, depth)
                }
            };
            cost.depth = cost.depth.max(part.depth);
            cost.complexity = cost.complexity.saturating_add(part.complexity);
        }
        cost
    }

    /// One field's cost; `None` for a field that costs nothing and adds no
    /// depth (`__typename`, a field skipped by a literal directive).
    fn field(
        &self,
        field: &Field,
        parent: &str,
        upstream: Option<usize>,
        depth: usize,
    ) -> Option<Cost> {
        if field.name.node == "__typename" || skipped(field) {
            return None;
        }
        let Some(info) = self.index.field(parent, &field.name.node) else {
            // Unknown to the schema: validation refuses it before it runs.
            let children = self.selection_set(&field.selection_set.node, "", None, depth + 1);
            return Some(Cost {
                depth: children.depth.max(depth + 1),
                complexity: children.complexity,
            });
        };
        let own = info.list_size.as_ref().map(|list_size| Sizing {
            size: self.expected_size(list_size, field),
            fields: &list_size.sized,
        });
        let count = if info.list {
            upstream
                .or(own.as_ref().and_then(|own| own.size))
                .unwrap_or(DEFAULT_LIST_SIZE)
        } else {
            1
        };
        let weight = info
            .weight
            .unwrap_or(usize::from(self.index.composite(&info.ty)));
        let children =
            self.selection_set(&field.selection_set.node, &info.ty, own.as_ref(), depth + 1);
        let arguments = field
            .arguments
            .iter()
            .filter_map(|(name, value)| {
                let definition = info.arguments.get(name.node.as_str())?;
                let value = value
                    .node
                    .clone()
                    .into_const_with(|variable| {
                        Ok::<_, std::convert::Infallible>(
                            self.variables
                                .get(&variable)
                                .cloned()
                                .unwrap_or(Value::Null),
                        )
                    })
                    .ok()?;
                Some(self.constant(&value, definition))
            })
            .fold(0usize, usize::saturating_add);
        let complexity = count
            .saturating_mul(weight.saturating_add(children.complexity))
            .saturating_add(arguments)
            .min(MAX_FIELD_COMPLEXITY);
        Some(Cost {
            depth: children.depth.max(depth + 1),
            complexity,
        })
    }

    /// The size a field's `@listSize` gives: the largest slicing argument
    /// given (a page size clamped to what the server serves, a list by its
    /// length), else the assumed size.
    fn expected_size(&self, list_size: &ListSize, field: &Field) -> Option<usize> {
        let given = list_size
            .slicing
            .iter()
            .filter_map(|name| {
                let value = field.get_argument(name)?;
                let value = value
                    .node
                    .clone()
                    .into_const_with(|variable| self.variable(&variable).ok_or(()))
                    .ok()?;
                match value {
                    Value::Number(n) => n
                        .as_i64()
                        .map(|n| n.clamp(0, MAX_PAGE_SIZE as i64) as usize),
                    Value::List(items) => Some(items.len()),
                    _ => None,
                }
            })
            .max();
        given.or(list_size.assumed)
    }

    /// An argument's cost, as Apollo scores it (its variables replaced by
    /// the request's values, null where it gives none).
    fn constant(&self, value: &Value, definition: &InputInfo) -> usize {
        match value {
            Value::Object(fields) if self.is_input(&definition.ty) => {
                let mut cost = definition.weight.unwrap_or(1);
                for (name, value) in fields {
                    if let Some(field) = self.input_field(&definition.ty, name) {
                        cost = cost.saturating_add(self.constant(value, field));
                    }
                }
                cost
            }
            Value::List(items) => items
                .iter()
                .map(|item| self.constant(item, definition))
                .fold(definition.weight.unwrap_or(0), usize::saturating_add),
            Value::Null => 0,
            _ => definition.weight.unwrap_or(0),
        }
    }

    fn is_input(&self, ty: &str) -> bool {
        self.index.types.get(ty).is_some_and(|info| info.input)
    }

    fn input_field(&self, ty: &str, name: &Name) -> Option<&InputInfo> {
        self.index.types.get(ty)?.input_fields.get(name.as_str())
    }

    /// A variable's value: the request's, else its default.
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

/// Skipped by a literal `@skip(if: true)` or `@include(if: false)`, the
/// only ones a static estimate can see.
fn skipped(field: &Field) -> bool {
    field.directives.iter().any(|directive| {
        let directive = &directive.node;
        let condition = directive
            .get_argument("if")
            .and_then(|value| value.node.clone().into_const_with(|_| Err(())).ok());
        matches!(
            (directive.name.node.as_str(), condition),
            ("skip", Some(Value::Boolean(true))) | ("include", Some(Value::Boolean(false)))
        )
    })
}
