//! What a person types into a search box, read as a full-text query that
//! both databases run alike: the parse (words, "quoted phrases", a leading
//! `-` to exclude, the last word also as a prefix), its translation into
//! FTS5 `MATCH` syntax and a PostgreSQL `tsquery` (built from words that
//! are alphanumeric only, so nothing the user types is ever an operator),
//! the relevance score, and the highlighted snippets of a hit.
//!
//! Every input is a query: stray punctuation separates words, an
//! unbalanced quote ends at the end of the text, a lone `*` or a text of
//! stop words is a query that matches nothing.
//!
//! The score is the same SQL on both databases, so that both rank alike
//! (their stemmers, Porter and Snowball English, are not quite the same,
//! their own rankings `bm25` and `ts_rank` not at all):
//!
//! | signal | score |
//! | --- | --- |
//! | the typed text is a spelling of the record's code or alias (`lookup_key`) | +100 |
//! | a code or alias starts with it (`GB/T 45993` for `GB/T 45993-2025`) | +40, plus 10 × its length / the code's |
//! | a code or alias contains it (for text with a digit or `/`) | +20 |
//! | every word (or phrase) is a whole word of the title or name | +12.5, plus 2 / the title's length in characters |
//! | every word is in the title, the last only as the start of a word (`metaver`) | +10, plus 2 / the title's length |
//! | every word is a whole word somewhere else (aliases, scope, focus, notes, counterparts) | +0.5 |
//! | matched anywhere | +1 |
//!
//! So a whole word typed ranks the records holding it above those holding
//! only a longer word it starts (`data` before `database`), and the title
//! above the rest: four tiers (`Tier`). Ties among records whose code holds
//! the text are broken by code (a code search lists its records in code
//! order), other ties by the index's order: the shorter title first, then
//! code (an expert's name).
//!
//! The index holds its documents in that order (`search_index`), so a
//! search stops early: within a tier the score falls as the index order
//! goes, so the first `n` hits are among the first `n` of each tier and the
//! code matches (`candidates`), and without a code in the text, the tiers
//! read one after another stop once `n` documents are found. A common word
//! reads the first few documents of the first tier, however many hold it.

use sea_orm::DbBackend;
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement, UnionType,
};

use crate::codes::lookup_key;
use crate::search_index::SearchDocument;

/// The name of a candidate's tier column (`candidates`).
pub const TIER: &str = "tier";

/// How a document matches, best first; the tiers a search lists in order
/// (module docs). Documents of a tier are listed in index order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tier {
    /// Every word is a whole word of the title.
    TitleWhole = 1,
    /// Every word is in the title, the last only as the start of a word.
    TitlePrefix = 2,
    /// Every word is a whole word somewhere, not all in the title.
    Whole = 3,
    /// Every word is somewhere, the last only as the start of a word.
    Prefix = 4,
}

impl Tier {
    const ALL: [Self; 4] = [
        Self::TitleWhole,
        Self::TitlePrefix,
        Self::Whole,
        Self::Prefix,
    ];

    /// Whether its words are whole words.
    fn whole(self) -> bool {
        matches!(self, Self::TitleWhole | Self::Whole)
    }
}

/// Words too common to search for on their own (PostgreSQL's `english`
/// configuration drops them; SQLite would require them): dropped outside
/// quotes.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of",
    "on", "or", "the", "to", "with",
];

/// Words and phrases a query keeps at most; more are ignored.
const MAX_ITEMS: usize = 16;

/// Characters of a word a query keeps at most.
const MAX_WORD: usize = 64;

/// The shortest last word that is also matched as a prefix.
const MIN_PREFIX: usize = 3;

/// A word, or a phrase of words that must follow each other.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Item {
    /// Lowercase, alphanumeric only.
    words: Vec<String>,
    /// The last word also matches as a prefix (`metaver` finds `metaverse`).
    prefix: bool,
}

/// A parsed search text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TextQuery {
    /// Every one must match.
    must: Vec<Item>,
    /// None may match.
    not: Vec<Item>,
    /// The text as a code key, when it may be a code: it has a digit or a
    /// `/`, nothing is excluded, and nothing a `LIKE` pattern reads specially.
    code_key: Option<String>,
}

impl TextQuery {
    pub fn parse(text: &str) -> Self {
        let mut must = Vec::new();
        let mut not = Vec::new();
        let mut chars = text.chars().peekable();
        let mut last_quoted = false;
        loop {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            if chars.peek().is_none() {
                break;
            }
            let mut negated = false;
            while chars.next_if(|c| matches!(c, '-' | '\u{2212}')).is_some() {
                negated = true;
            }
            let mut segment = String::new();
            let quoted = chars.next_if_eq(&'"').is_some();
            if quoted {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    segment.push(c);
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '"') {
                    segment.push(c);
                }
            }
            let words: Vec<String> = segment
                .split(|c: char| !c.is_alphanumeric())
                .filter(|word| !word.is_empty())
                .map(|word| word.to_lowercase().chars().take(MAX_WORD).collect())
                .collect();
            if words.is_empty()
                || (!quoted && words.len() == 1 && STOP_WORDS.contains(&words[0].as_str()))
            {
                continue;
            }
            let item = Item {
                words,
                prefix: false,
            };
            if negated {
                not.push(item);
            } else {
                must.push(item);
                last_quoted = quoted;
            }
        }
        must.truncate(MAX_ITEMS);
        not.truncate(MAX_ITEMS);
        if !last_quoted
            && let Some(last) = must.last_mut()
            && last
                .words
                .last()
                .is_some_and(|word| word.chars().count() >= MIN_PREFIX)
        {
            last.prefix = true;
        }
        let key = lookup_key(&text.replace('"', ""));
        let code_key = (not.is_empty()
            && !must.is_empty()
            && key.chars().count() >= 2
            && key.chars().any(|c| c.is_ascii_digit() || c == '/')
            && !key.contains(['%', '_', '\\', '\'']))
        .then_some(key);
        Self {
            must,
            not,
            code_key,
        }
    }

    /// Whether the query can match anything: it needs a word to look for.
    pub fn is_empty(&self) -> bool {
        self.must.is_empty()
    }

    /// An FTS5 query: `"knowledge" AND "graph"*`, `NOT` each exclusion,
    /// restricted to `column` when given; with `whole`, the last word is a
    /// whole word only (no `*`). Words are alphanumeric, and always quoted,
    /// so no word is read as an operator.
    fn fts5(&self, column: Option<&str>, with_exclusions: bool, whole: bool) -> String {
        let must = self
            .must
            .iter()
            .map(|item| fts5_item(item, whole))
            .collect::<Vec<_>>()
            .join(" AND ");
        let query = match column {
            Some(column) => format!("{column} : ({must})"),
            None => format!("({must})"),
        };
        match with_exclusions {
            true => format!("{query}{}", self.fts5_exclusions()),
            false => query,
        }
    }

    /// ` NOT "word"` for each exclusion.
    fn fts5_exclusions(&self) -> String {
        self.not
            .iter()
            .map(|excluded| format!(" NOT {}", fts5_item(excluded, false)))
            .collect()
    }

    /// A `tsquery` for `to_tsquery('english', ..)`: `knowledge & graph:*`,
    /// `!` each exclusion, `<->` between the words of a phrase; with
    /// `whole`, the last word is a whole word only (no `:*`).
    fn tsquery(&self, with_exclusions: bool, whole: bool) -> String {
        let item = |item: &Item| {
            let mut phrase = item.words.join(" <-> ");
            if item.prefix && !whole {
                phrase.push_str(":*");
            }
            format!("({phrase})")
        };
        let mut parts: Vec<String> = self.must.iter().map(item).collect();
        if with_exclusions {
            parts.extend(
                self.not
                    .iter()
                    .map(|excluded| format!("!{}", item(excluded))),
            );
        }
        parts.join(" & ")
    }

    /// Whether the last word is also a prefix, so that the tiers of whole
    /// words and of prefixes differ.
    fn has_prefix(&self) -> bool {
        self.must.last().is_some_and(|item| item.prefix)
    }

    /// The tiers this query can fill, best first.
    fn tiers(&self) -> Vec<Tier> {
        Tier::ALL
            .into_iter()
            .filter(|tier| self.has_prefix() || tier.whole())
            .collect()
    }

    /// The condition a `search_document` row meets when it matches.
    pub fn matches(&self, backend: DbBackend) -> Expr {
        if self.is_empty() {
            return Expr::cust("1 = 0");
        }
        let (sql, values) = match backend {
            DbBackend::Postgres => (
                "search_document.document @@ to_tsquery('english', ?)".to_owned(),
                vec![self.tsquery(true, false)],
            ),
            _ => (
                "search_document.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)"
                    .to_owned(),
                vec![self.fts5(None, true, false)],
            ),
        };
        let text = custom(backend, &sql, values);
        match self.code_found(backend) {
            Some(code) => text.or(code),
            None => text,
        }
    }

    /// Whether a `search_document` row's code or an alias holds the text;
    /// `None` when the text is no code.
    fn code_contains(&self, backend: DbBackend) -> Option<Expr> {
        let key = self.code_key.as_ref()?;
        Some(custom(
            backend,
            "search_document.code_keys LIKE ?",
            vec![format!("%{key}%")],
        ))
    }

    /// `code_contains`, answered from an index: PostgreSQL's `pg_trgm`
    /// index serves the `LIKE` itself, SQLite's trigram table is asked; `None`
    /// when the text is no code or too short for trigrams.
    fn code_found(&self, backend: DbBackend) -> Option<Expr> {
        let key = self.code_key.as_ref()?;
        if key.chars().count() < 3 {
            return None;
        }
        match backend {
            DbBackend::Postgres => self.code_contains(backend),
            _ => Some(custom(
                backend,
                "search_document.id IN \
                 (SELECT rowid FROM search_code WHERE search_code.code_keys LIKE ?)",
                vec![format!("%{key}%")],
            )),
        }
    }

    /// The documents `scope` allows that may be among the first `n` hits
    /// (module docs), as `(id, tier)` rows (`TIER`, the number of its
    /// `Tier`), each document once: the first `n` of each tier in index
    /// order, without code matches, and every document whose code or alias
    /// holds the text. Without a code in the text the tiers are listed in
    /// order and only the first `n` rows are read, so a tier after those
    /// that fill them is never run.
    pub fn candidates(&self, backend: DbBackend, scope: Condition, n: u64) -> SelectStatement {
        let code_like = self.code_contains(backend);
        let mut arms = self.tiers().into_iter().map(|tier| {
            let mut arm = self.tier_documents(backend, tier);
            arm.cond_where(scope.clone()).limit(n);
            if let Some(like) = &code_like {
                arm.and_where(like.clone().not());
            }
            Query::select()
                .column(SearchDocument::Id)
                .expr_as(Expr::val(tier as i32), Alias::new(TIER))
                .from_subquery(arm, Alias::new(format!("tier_{}", tier as i32)))
                .to_owned()
        });
        let mut candidates = arms.next().expect("every query has a tier of whole words");
        for arm in arms {
            candidates.union(UnionType::All, arm);
        }
        let Some(like) = code_like else {
            return candidates.limit(n).to_owned();
        };
        let mut codes = Query::select();
        codes
            .column((SearchDocument::Table, SearchDocument::Id))
            .expr_as(self.tier_of_row(backend), Alias::new(TIER))
            .from(SearchDocument::Table)
            .cond_where(scope)
            .and_where(like);
        match self.code_found(backend) {
            Some(found) => codes.and_where(found),
            // Too short for the trigram index: a code match counts only in a
            // document the words match.
            None => codes.and_where(self.matches(backend)),
        };
        candidates.union(UnionType::All, codes);
        candidates
    }

    /// `SELECT search_document.id FROM ..` the documents of `tier` (and of
    /// no better one), in index order: FTS5 yields rows by rowid (the
    /// document's id) and PostgreSQL walks the primary key when the words
    /// are common, so a `LIMIT` stops either early.
    fn tier_documents(&self, backend: DbBackend, tier: Tier) -> SelectStatement {
        let mut select = Query::select();
        select.column((SearchDocument::Table, SearchDocument::Id));
        match backend {
            DbBackend::Postgres => {
                let [title_whole, title_prefix, whole] = self.tier_tests(backend);
                let matching = custom(
                    backend,
                    "search_document.document @@ to_tsquery('english', ?)",
                    vec![self.tsquery(true, tier.whole())],
                );
                let conditions = match tier {
                    Tier::TitleWhole => vec![matching, title_whole],
                    Tier::TitlePrefix => vec![matching, title_prefix, title_whole.not()],
                    Tier::Whole => vec![matching, title_prefix.not()],
                    Tier::Prefix => vec![matching, whole.not(), title_prefix.not()],
                };
                select.from(SearchDocument::Table);
                for condition in conditions {
                    select.and_where(condition);
                }
                select.order_by((SearchDocument::Table, SearchDocument::Id), Order::Asc);
            }
            _ => {
                let title = |whole| self.fts5(Some("title"), false, whole);
                let fts5 = match tier {
                    Tier::TitleWhole => title(true),
                    Tier::TitlePrefix => format!("{} NOT {}", title(false), title(true)),
                    Tier::Whole => format!("{} NOT {}", self.fts5(None, false, true), title(false)),
                    Tier::Prefix => format!(
                        "{} NOT {} NOT {}",
                        self.fts5(None, false, false),
                        self.fts5(None, false, true),
                        title(false)
                    ),
                };
                let fts = Alias::new("search_fts");
                select
                    .from(fts.clone())
                    .inner_join(
                        SearchDocument::Table,
                        Expr::col((SearchDocument::Table, SearchDocument::Id))
                            .equals((fts.clone(), Alias::new("rowid"))),
                    )
                    .and_where(custom(
                        backend,
                        "search_fts MATCH ?",
                        vec![format!("({fts5}){}", self.fts5_exclusions())],
                    ))
                    .order_by((fts, Alias::new("rowid")), Order::Asc);
            }
        }
        select
    }

    /// Whether a `search_document` row holds every word in its title as a
    /// whole word, every word in its title (the last perhaps as a prefix),
    /// and every word as a whole word anywhere. On SQLite each reads its
    /// matches once per statement: FTS5 expands a prefix (`data*`) into
    /// every word it starts each time it runs a query.
    fn tier_tests(&self, backend: DbBackend) -> [Expr; 3] {
        let test = |column: Option<&str>, whole: bool| match backend {
            DbBackend::Postgres => custom(
                backend,
                match column {
                    Some(_) => "search_document.title_document @@ to_tsquery('english', ?)",
                    None => "search_document.document @@ to_tsquery('english', ?)",
                },
                vec![self.tsquery(false, whole)],
            ),
            _ => custom(
                backend,
                "search_document.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)",
                vec![self.fts5(column, false, whole)],
            ),
        };
        [
            test(Some("title"), true),
            test(Some("title"), false),
            test(None, true),
        ]
    }

    /// The number of the `Tier` of a matching `search_document` row.
    fn tier_of_row(&self, backend: DbBackend) -> Expr {
        let [title_whole, title_prefix, whole] = self.tier_tests(backend);
        Expr::case(title_whole, Tier::TitleWhole as i32)
            .case(title_prefix, Tier::TitlePrefix as i32)
            .case(whole, Tier::Whole as i32)
            .finally(Tier::Prefix as i32)
            .into()
    }

    /// What breaks ties of score before index order: the code, for a row
    /// whose code or alias holds the text; `None` when the text is no code.
    pub fn code_tie(&self, backend: DbBackend) -> Option<Expr> {
        Some(
            Expr::case(
                self.code_contains(backend)?,
                Expr::col((SearchDocument::Table, SearchDocument::Code)),
            )
            .finally("")
            .into(),
        )
    }

    /// The relevance of a matching `search_document` row (module docs), a
    /// floating point number on both databases; its tier read from
    /// `tier`, a candidate's `TIER` column (`candidates`), or, when `None`,
    /// worked out for the row.
    pub fn score(&self, backend: DbBackend, tier: Option<Expr>) -> Expr {
        let mut terms = Vec::new();
        if let Some(key) = &self.code_key {
            // A prefix ranks the records whose code it covers most first:
            // for `TC28/SC4`, the subcommittees SC40 to SC43 before their groups.
            let coverage = 10 * key.chars().count();
            terms.push(custom(
                backend,
                &format!(
                    "CASE WHEN (' ' || search_document.code_keys || ' ') LIKE ? THEN 100 ELSE 0 END\
                     \x20+ CASE WHEN (' ' || search_document.code_keys) LIKE ? \
                     THEN 40 + {coverage}.0 / LENGTH(search_document.code) ELSE 0 END\
                     \x20+ CASE WHEN search_document.code_keys LIKE ? THEN 20 ELSE 0 END"
                ),
                vec![
                    format!("% {key} %"),
                    format!("% {key}%"),
                    format!("%{key}%"),
                ],
            ));
        }
        if !self.is_empty() {
            let [title_whole, title_prefix, whole] = match tier {
                Some(tier) => [Tier::TitleWhole, Tier::TitlePrefix, Tier::Whole]
                    .map(|number| tier.clone().eq(number as i32)),
                None => self.tier_tests(backend),
            };
            let shorter = "2.0 / LENGTH(search_document.title)";
            terms.push(
                Expr::case(title_whole, Expr::cust(format!("12.5 + {shorter}")))
                    .case(title_prefix, Expr::cust(format!("10 + {shorter}")))
                    .case(whole, 0.5)
                    .finally(0)
                    .into(),
            );
        }
        let float = match backend {
            DbBackend::Postgres => "DOUBLE PRECISION",
            _ => "REAL",
        };
        terms
            .into_iter()
            .fold(Expr::val(1), |sum, term| sum.add(term))
            .cast_as(Alias::new(float))
    }

    /// The lowercase words a highlight marks, each with whether it is also
    /// a prefix.
    fn marked_words(&self) -> Vec<(String, bool)> {
        self.must
            .iter()
            .flat_map(|item| {
                let last = item.words.len() - 1;
                item.words
                    .iter()
                    .enumerate()
                    .map(move |(i, word)| (word.clone(), item.prefix && i == last))
            })
            .collect()
    }

    /// `text` with the words this query matches marked `<mark>…</mark>`,
    /// and the rest HTML-escaped; `None` when no word matches. A text longer
    /// than `SNIPPET_WORDS` words is cut to that many around its first
    /// match, with `…` where it was cut.
    pub fn highlight(&self, text: &str) -> Option<String> {
        let terms: Vec<(String, bool)> = self
            .marked_words()
            .into_iter()
            .map(|(word, prefix)| (root(&word).to_owned(), prefix || word != root(&word)))
            .collect();
        let matches = |word: &str| {
            let word = word.to_lowercase();
            terms.iter().any(|(root, loose)| {
                word == *root || (*loose && word.starts_with(root.as_str())) || {
                    let stem = self::root(&word);
                    stem == root
                }
            })
        };
        // Alternating runs: (is a word, text).
        let mut runs: Vec<(bool, &str)> = Vec::new();
        let mut start = 0;
        let mut in_word = None;
        for (at, c) in text.char_indices() {
            let word = c.is_alphanumeric();
            if in_word != Some(word) {
                if let Some(was) = in_word {
                    runs.push((was, &text[start..at]));
                }
                start = at;
                in_word = Some(word);
            }
        }
        if let Some(was) = in_word {
            runs.push((was, &text[start..]));
        }
        let marked: Vec<bool> = runs
            .iter()
            .map(|(word, run)| *word && matches(run))
            .collect();
        let first = marked.iter().position(|m| *m)?;
        let words_before = runs[..first].iter().filter(|(word, _)| *word).count();
        let total_words = runs.iter().filter(|(word, _)| *word).count();
        let (from, to) = if total_words <= SNIPPET_WORDS {
            (0, runs.len())
        } else {
            // Start a few words before the first match.
            let skip_words = words_before.saturating_sub(SNIPPET_WORDS / 4);
            let mut from = 0;
            let mut seen = 0;
            while seen < skip_words {
                if runs[from].0 {
                    seen += 1;
                }
                from += 1;
            }
            if from > 0 && !runs[from].0 {
                from += 1;
            }
            let mut to = from;
            let mut kept = 0;
            while to < runs.len() && kept < SNIPPET_WORDS {
                if runs[to].0 {
                    kept += 1;
                }
                to += 1;
            }
            (from, to)
        };
        let mut snippet = String::new();
        if from > 0 {
            snippet.push('…');
        }
        for i in from..to {
            let escaped = escape(runs[i].1);
            if marked[i] {
                snippet.push_str(&format!("{MARK_START}{escaped}{MARK_END}"));
            } else {
                snippet.push_str(&escaped);
            }
        }
        if to < runs.len() {
            snippet.push('…');
        }
        Some(snippet)
    }
}

/// A word or phrase in FTS5 syntax: quoted, `*` after a prefix unless
/// `whole`.
fn fts5_item(item: &Item, whole: bool) -> String {
    let phrase = format!("\"{}\"", item.words.join(" "));
    match item.prefix && !whole {
        true => format!("{phrase}*"),
        false => phrase,
    }
}

/// What marks a matched word in a snippet.
pub const MARK_START: &str = "<mark>";
pub const MARK_END: &str = "</mark>";

/// Words a snippet of a long text keeps.
const SNIPPET_WORDS: usize = 24;

/// A word without the endings English inflection adds, for highlights: a
/// word is marked when it is a query word, starts with a query word's root
/// (when the query word was inflected or is a prefix), or shares its root.
fn root(word: &str) -> &str {
    const ENDINGS: &[&str] = &[
        "ations", "ation", "ings", "ing", "ies", "es", "ed", "s", "e", "y",
    ];
    for ending in ENDINGS {
        if let Some(stem) = word.strip_suffix(ending)
            && stem.chars().count() >= 3
        {
            return stem;
        }
    }
    word
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A custom SQL expression with bound values, written with `?` for each:
/// PostgreSQL's builder numbers `$` instead.
fn custom(backend: DbBackend, sql: &str, values: Vec<String>) -> Expr {
    let sql = match backend {
        DbBackend::Postgres => sql.replace('?', "$"),
        _ => sql.to_owned(),
    };
    Expr::cust_with_values(sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_safe_queries() {
        let query = TextQuery::parse(r#"knowledge "graph construction" -carbon GB/T*"#);
        assert_eq!(
            query.fts5(None, true, false),
            r#"("knowledge" AND "graph construction" AND "gb t") NOT "carbon""#
        );
        assert_eq!(
            query.tsquery(true, false),
            "(knowledge) & (graph <-> construction) & (gb <-> t) & !(carbon)"
        );
        let prefix = TextQuery::parse("the metaver");
        assert_eq!(
            prefix.fts5(Some("title"), false, false),
            r#"title : ("metaver"*)"#
        );
        assert_eq!(
            prefix.fts5(Some("title"), false, true),
            r#"title : ("metaver")"#
        );
        assert_eq!(prefix.tsquery(false, false), "(metaver:*)");
        assert_eq!(prefix.tsquery(false, true), "(metaver)");
        for nothing in ["*", "\"", "-", "the", "-cloud", "(){}[]:^~"] {
            assert!(TextQuery::parse(nothing).is_empty(), "{nothing}");
        }
        assert_eq!(
            TextQuery::parse("GB/T 45993").code_key.as_deref(),
            Some("GB/T45993")
        );
        assert_eq!(TextQuery::parse("cloud").code_key, None);
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_query_and_any_field_highlights(typed in "\\PC{0,40}", field in "\\PC{0,200}") {
            let query = TextQuery::parse(&typed);
            let fts5 = query.fts5(None, true, false);
            // Quotes only around words, never inside one.
            proptest::prop_assert_eq!(fts5.matches('"').count() % 2, 0);
            let _ = query.tsquery(true, false);
            // The typed words inside a long field, so that it is cut.
            let _ = query.highlight(&format!("{field} {typed} {field} {field}"));
        }
    }

    #[test]
    fn highlights_mark_words_and_their_inflections() {
        let query = TextQuery::parse("knowledge graphs");
        assert_eq!(
            query
                .highlight("Artificial intelligence—Knowledge graph—Knowledge exchange protocol")
                .as_deref(),
            Some(
                "Artificial intelligence—<mark>Knowledge</mark> <mark>graph</mark>—<mark>Knowledge</mark> exchange protocol"
            )
        );
        assert_eq!(query.highlight("Cloud computing"), None);
        assert_eq!(
            TextQuery::parse("r&d").highlight("R&D <lab>").as_deref(),
            Some("<mark>R</mark>&amp;<mark>D</mark> &lt;lab&gt;")
        );
    }
}
