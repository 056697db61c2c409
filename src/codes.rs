//! How user-typed codes are folded so that every spelling of one code meets.

/// The lookup key of a committee, working group or standard code: upper case,
/// no white space, every dash variant (– — ‐ ‑ ‒ ― − －) as `-`, full-width
/// slash and colon as ASCII. `GB/T45993—2025` and `GB/T 45993-2025` share a key.
pub fn lookup_key(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
            '\u{FF0F}' => '/',
            '\u{FF1A}' => ':',
            c => c,
        })
        .flat_map(char::to_uppercase)
        .collect()
}

/// A code as it is stored and shown: single ASCII spaces, ASCII dashes with
/// no space around them (the reports write `GB/T 42560 – 2023`).
pub fn canonical(code: &str) -> String {
    let folded: String = code
        .chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
            c => c,
        })
        .collect();
    let spaced = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    spaced
        .replace(" - ", "-")
        .replace(" -", "-")
        .replace("- ", "-")
}

/// A lowercase slug of a title, for records the reports give no code.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_lowercase());
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_and_space_variants_share_a_key() {
        let key = lookup_key("GB/T 45993-2025");
        assert_eq!(key, "GB/T45993-2025");
        assert_eq!(lookup_key("GB/T45993-2025"), key);
        assert_eq!(lookup_key("GB/T 45993\u{2014}2025"), key);
        assert_eq!(lookup_key("gb/t 45993 \u{2013} 2025"), key);
        assert_eq!(lookup_key("SAC/TC 28/SC 42"), "SAC/TC28/SC42");
    }

    #[test]
    fn canonical_codes_use_ascii_dashes_without_spaces() {
        assert_eq!(canonical("GB/T 42560 \u{2013} 2023"), "GB/T 42560-2023");
        assert_eq!(canonical("  ISO/IEC   4879:2024 "), "ISO/IEC 4879:2024");
        assert_eq!(canonical("20193195-T-269"), "20193195-T-269");
    }

    #[test]
    fn slugs_are_lowercase_words() {
        assert_eq!(
            slug("Artificial Intelligence\u{2014}Trustworthy Datasets"),
            "artificial-intelligence-trustworthy-datasets"
        );
    }
}
