//! Trusted documents: the operations a front end ships, listed in Apollo's
//! persisted query manifest
//! (`{"format": "apollo-persisted-query-manifest", "version": 1,
//! "operations": [{"id", "name", "type", "body"}]}`), which Apollo Router
//! and this server read alike.
//!
//! A request may name one by id alone: GraphQL over HTTP's `documentId`
//! (`sha256:<id>` or the bare id), or Apollo's `extensions.persistedQuery`
//! with the id as its hash. Any other operation is compared with the list in
//! a canonical form (so spacing, commas, comments and the order of fragments
//! do not matter) and, when it is not there, logged or refused by
//! `--trusted-documents-mode`.
//!
//! `manifest_from_folder` writes a manifest from `.graphql` files: each
//! named operation with the fragments it spreads, printed canonically, its
//! id the SHA-256 of that body. Whitespace, comments, and which file holds
//! what change no id.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use async_graphql::parser::parse_query;
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::parser::{Positioned, types::Directive};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest's `format`.
pub const MANIFEST_FORMAT: &str = "apollo-persisted-query-manifest";

/// Apollo's persisted query manifest.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub operations: Vec<ManifestOperation>,
}

/// One operation of a manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestOperation {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub body: String,
}

/// Why a manifest cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// The trusted documents of a manifest.
pub struct TrustedDocuments {
    /// Each body by its id.
    by_id: HashMap<String, String>,
    /// Each body in canonical form.
    canonical: HashSet<String>,
}

impl std::fmt::Debug for TrustedDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrustedDocuments({} operations)", self.by_id.len())
    }
}

impl TrustedDocuments {
    /// Reads the manifest at `path`.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text)
            .map_err(|err| ManifestError::Invalid(format!("{}: {err}", path.display())))
    }

    /// A manifest from its JSON text; every body must parse.
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let manifest: Manifest = serde_json::from_str(text).map_err(|err| {
            ManifestError::Invalid(format!("not a persisted query manifest: {err}"))
        })?;
        if manifest.format != MANIFEST_FORMAT || manifest.version != 1 {
            return Err(ManifestError::Invalid(format!(
                "the format is `{}` version {}; `{MANIFEST_FORMAT}` version 1 is read",
                manifest.format, manifest.version
            )));
        }
        let mut by_id = HashMap::new();
        let mut canonical = HashSet::new();
        for (index, operation) in manifest.operations.into_iter().enumerate() {
            let document = parse_query(&operation.body).map_err(|err| {
                ManifestError::Invalid(format!(
                    "operations[{index}] ({}): its body does not parse: {err}",
                    operation.name
                ))
            })?;
            if by_id.contains_key(&operation.id) {
                return Err(ManifestError::Invalid(format!(
                    "operations[{index}] ({}): the id {} is listed twice",
                    operation.name, operation.id
                )));
            }
            canonical.insert(canonical_document(&document));
            by_id.insert(operation.id, operation.body);
        }
        Ok(Self { by_id, canonical })
    }

    /// The body of the operation with `id` (`sha256:` may stand before it).
    pub fn body(&self, id: &str) -> Option<&str> {
        let id = id.strip_prefix("sha256:").unwrap_or(id);
        self.by_id.get(id).map(String::as_str)
    }

    /// Whether `document` is one of the trusted documents, however spaced.
    pub fn allows(&self, document: &ExecutableDocument) -> bool {
        self.canonical.contains(&canonical_document(document))
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// A manifest of the named operations of every `.graphql` file under `dir`.
pub fn manifest_from_folder(dir: &Path) -> Result<Manifest, ManifestError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut texts = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
            path: path.clone(),
            source,
        })?;
        texts.push((path, text));
    }
    let mut documents = Vec::new();
    for (path, text) in &texts {
        let document = parse_query(text).map_err(|err| {
            ManifestError::Invalid(format!("{}: does not parse: {err}", path.display()))
        })?;
        documents.push((*path, document));
    }
    // Fragments are shared across files, as a front end's build shares them.
    let mut fragments: BTreeMap<String, (String, &Positioned<FragmentDefinition>)> =
        BTreeMap::new();
    for (path, document) in &documents {
        for (name, fragment) in &document.fragments {
            let printed = print_fragment(name.as_str(), &fragment.node);
            if let Some((other, _)) = fragments.get(name.as_str())
                && *other != printed
            {
                return Err(ManifestError::Invalid(format!(
                    "{}: fragment `{name}` is defined twice, differently",
                    path.display()
                )));
            }
            fragments.insert(name.to_string(), (printed, fragment));
        }
    }
    let mut operations = BTreeMap::new();
    for (path, document) in &documents {
        for (name, operation) in document.operations.iter() {
            let Some(name) = name else {
                return Err(ManifestError::Invalid(format!(
                    "{}: an operation without a name: every trusted operation needs one",
                    path.display()
                )));
            };
            let mut used = BTreeSet::new();
            spread_fragments(&operation.node.selection_set.node, &fragments, &mut used)?;
            let mut body = print_operation(Some(name.as_str()), &operation.node);
            for fragment in &used {
                body.push_str("\n\n");
                body.push_str(&fragments[fragment].0);
            }
            let entry = ManifestOperation {
                id: format!("{:x}", Sha256::digest(body.as_bytes())),
                name: name.to_string(),
                kind: kind(operation.node.ty).to_owned(),
                body,
            };
            if operations.insert(name.to_string(), entry).is_some() {
                return Err(ManifestError::Invalid(format!(
                    "{}: operation `{name}` is named twice",
                    path.display()
                )));
            }
        }
    }
    Ok(Manifest {
        format: MANIFEST_FORMAT.to_owned(),
        version: 1,
        operations: operations.into_values().collect(),
    })
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ManifestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ManifestError::Io {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| ManifestError::Io {
                path: dir.to_owned(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "graphql" || ext == "gql")
        {
            files.push(path);
        }
    }
    Ok(())
}

/// The fragments a selection set spreads, transitively.
fn spread_fragments(
    set: &SelectionSet,
    fragments: &BTreeMap<String, (String, &Positioned<FragmentDefinition>)>,
    used: &mut BTreeSet<String>,
) -> Result<(), ManifestError> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                spread_fragments(&field.node.selection_set.node, fragments, used)?
            }
            Selection::InlineFragment(fragment) => {
                spread_fragments(&fragment.node.selection_set.node, fragments, used)?
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                let Some((_, fragment)) = fragments.get(&name) else {
                    return Err(ManifestError::Invalid(format!(
                        "fragment `{name}` is spread but defined nowhere"
                    )));
                };
                if used.insert(name) {
                    spread_fragments(&fragment.node.selection_set.node, fragments, used)?;
                }
            }
        }
    }
    Ok(())
}

fn kind(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// A document in canonical form: its operations in order, then its
/// fragments by name.
pub fn canonical_document(document: &ExecutableDocument) -> String {
    let mut parts: Vec<String> = document
        .operations
        .iter()
        .map(|(name, operation)| print_operation(name.map(|n| n.as_str()), &operation.node))
        .collect();
    let fragments: BTreeMap<&str, &Positioned<FragmentDefinition>> = document
        .fragments
        .iter()
        .map(|(name, fragment)| (name.as_str(), fragment))
        .collect();
    parts.extend(
        fragments
            .into_iter()
            .map(|(name, fragment)| print_fragment(name, &fragment.node)),
    );
    parts.join("\n\n")
}

fn print_operation(name: Option<&str>, operation: &OperationDefinition) -> String {
    let mut out = String::new();
    out.push_str(kind(operation.ty));
    if let Some(name) = name {
        out.push(' ');
        out.push_str(name);
    }
    if !operation.variable_definitions.is_empty() {
        let variables: Vec<String> = operation
            .variable_definitions
            .iter()
            .map(|variable| {
                let variable = &variable.node;
                let mut text = format!("${}: {}", variable.name.node, variable.var_type.node);
                if let Some(default) = &variable.default_value {
                    let _ = write!(text, " = {}", default.node);
                }
                text.push_str(&directives(&variable.directives));
                text
            })
            .collect();
        let _ = write!(out, "({})", variables.join(", "));
    }
    out.push_str(&directives(&operation.directives));
    out.push(' ');
    selection_set(&operation.selection_set.node, 0, &mut out);
    out
}

fn print_fragment(name: &str, fragment: &FragmentDefinition) -> String {
    let mut out = format!(
        "fragment {name} on {}{} ",
        fragment.type_condition.node.on.node,
        directives(&fragment.directives)
    );
    selection_set(&fragment.selection_set.node, 0, &mut out);
    out
}

fn directives(directives: &[Positioned<Directive>]) -> String {
    let mut out = String::new();
    for directive in directives {
        let directive = &directive.node;
        let _ = write!(out, " @{}", directive.name.node);
        if !directive.arguments.is_empty() {
            let arguments: Vec<String> = directive
                .arguments
                .iter()
                .map(|(name, value)| format!("{}: {}", name.node, value.node))
                .collect();
            let _ = write!(out, "({})", arguments.join(", "));
        }
    }
    out
}

fn selection_set(set: &SelectionSet, indent: usize, out: &mut String) {
    out.push_str("{\n");
    for selection in &set.items {
        out.push_str(&"  ".repeat(indent + 1));
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                if let Some(alias) = &field.alias {
                    let _ = write!(out, "{}: ", alias.node);
                }
                out.push_str(&field.name.node);
                if !field.arguments.is_empty() {
                    let arguments: Vec<String> = field
                        .arguments
                        .iter()
                        .map(|(name, value)| format!("{}: {}", name.node, value.node))
                        .collect();
                    let _ = write!(out, "({})", arguments.join(", "));
                }
                out.push_str(&directives(&field.directives));
                if !field.selection_set.node.items.is_empty() {
                    out.push(' ');
                    selection_set(&field.selection_set.node, indent + 1, out);
                }
            }
            Selection::FragmentSpread(spread) => {
                let _ = write!(
                    out,
                    "...{}{}",
                    spread.node.fragment_name.node,
                    directives(&spread.node.directives)
                );
            }
            Selection::InlineFragment(fragment) => {
                out.push_str("...");
                if let Some(condition) = &fragment.node.type_condition {
                    let _ = write!(out, " on {}", condition.node.on.node);
                }
                out.push_str(&directives(&fragment.node.directives));
                out.push(' ');
                selection_set(&fragment.node.selection_set.node, indent + 1, out);
            }
        }
        out.push('\n');
    }
    out.push_str(&"  ".repeat(indent));
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_ignores_spacing_commas_comments_and_fragment_order() {
        let a = parse_query(
            "query Q($c: String! = \"x\") { standard(code: $c) { code ...A ...B } } fragment B on Standard { year } fragment A on Standard { title }",
        )
        .unwrap();
        let b = parse_query(
            "# a comment\nquery Q(\n  $c: String! = \"x\"\n) {\n  standard(code: $c) { code, ...A, ...B }\n}\n\nfragment A on Standard { title }\nfragment B on Standard {\n year\n}\n",
        )
        .unwrap();
        assert_eq!(canonical_document(&a), canonical_document(&b));
        assert_eq!(
            canonical_document(&a),
            "query Q($c: String! = \"x\") {\n  standard(code: $c) {\n    code\n    ...A\n    ...B\n  }\n}\n\nfragment A on Standard {\n  title\n}\n\nfragment B on Standard {\n  year\n}"
        );
        let c = parse_query("query Q($c: String! = \"x\") { standard(code: $c) { code year } }")
            .unwrap();
        assert_ne!(canonical_document(&a), canonical_document(&c));
    }
}
