//! Parsed documents, kept by their text: clients send the same few
//! documents again and again with other variables, and parsing one (pest,
//! character by character) took a tenth of the time of a `standard(code:)`
//! request (`perf`), several times what copying the parsed tree costs.
//! Only documents that parse are kept; a document's meaning depends on its
//! text alone, so a kept one is never stale.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::parser::{Error, parse_query};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// The text kept in all, in bytes; a parsed tree takes a few times its
/// text, so a few MiB in all.
const KEPT_TEXT_BYTES: u64 = 1024 * 1024;

/// Documents longer than this are parsed every time: a client's own
/// documents are far shorter, and one would take a large share of the cache.
const LONGEST_KEPT: usize = 16 * 1024;

/// The documents parsed lately.
pub struct ParsedDocuments {
    documents: Cache<Arc<str>, Arc<ExecutableDocument>, TextLength>,
}

#[derive(Clone)]
struct TextLength;

impl Weighter<Arc<str>, Arc<ExecutableDocument>> for TextLength {
    fn weight(&self, text: &Arc<str>, _: &Arc<ExecutableDocument>) -> u64 {
        text.len() as u64
    }
}

impl ParsedDocuments {
    pub fn new() -> Self {
        Self {
            // Sized for documents of about half a KiB.
            documents: Cache::with_weighter(
                (KEPT_TEXT_BYTES / 512) as usize,
                KEPT_TEXT_BYTES,
                TextLength,
            ),
        }
    }

    /// `text` parsed: a copy of the kept tree when it was parsed before.
    pub fn parse(&self, text: &str) -> Result<ExecutableDocument, Error> {
        if text.len() > LONGEST_KEPT {
            return parse_query(text);
        }
        if let Some(document) = self.documents.get(text) {
            return Ok(ExecutableDocument::clone(&document));
        }
        let document = parse_query(text)?;
        self.documents
            .insert(Arc::from(text), Arc::new(document.clone()));
        Ok(document)
    }
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_parsed_again_is_the_same_tree() {
        let documents = ParsedDocuments::new();
        let text = "query Q($c: String!) { standard(code: $c) { code ...F } } \
                    fragment F on Standard { title }";
        let first = documents.parse(text).unwrap();
        let again = documents.parse(text).unwrap();
        assert_eq!(format!("{first:?}"), format!("{again:?}"));
        assert_eq!(documents.documents.len(), 1);
    }

    #[test]
    fn a_document_that_does_not_parse_is_not_kept() {
        let documents = ParsedDocuments::new();
        assert!(documents.parse("{ standard(").is_err());
        assert!(documents.parse("{ standard(").is_err());
        assert_eq!(documents.documents.len(), 0);
    }
}
