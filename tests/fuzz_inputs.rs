//! Property tests (proptest) of the code that reads what users send: code
//! folding, cursors, global ids and the dataset format. Whatever the input,
//! these return a value or a clean error; they never panic.

use proptest::prelude::*;
use standards_registry::codes::{canonical, lookup_key, slug};
use standards_registry::dataset;
use standards_registry::graphql::connection::{PageArgs, decode_cursor, encode_cursor};
use standards_registry::graphql::id;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn lookup_keys_are_stable_and_spacing_free(code in "\\PC{0,80}") {
        let key = lookup_key(&code);
        prop_assert_eq!(lookup_key(&key), key.clone());
        prop_assert!(!key.chars().any(char::is_whitespace));
        prop_assert_eq!(lookup_key(&canonical(&code)), key);
        let _ = slug(&code);
    }

    #[test]
    fn any_text_as_a_cursor_is_a_position_or_an_error(cursor in "\\PC{0,120}") {
        let _ = decode_cursor(&cursor);
    }

    #[test]
    fn issued_cursors_decode_to_their_position(position in 0usize..10_000_000) {
        prop_assert_eq!(decode_cursor(&encode_cursor(position)).ok(), Some(position));
    }

    #[test]
    fn any_page_arguments_give_a_window_or_an_error(
        first in proptest::option::of(any::<i32>()),
        last in proptest::option::of(any::<i32>()),
        after in proptest::option::of(0usize..1_000),
        before in proptest::option::of(0usize..1_000),
        total in 0usize..1_000,
    ) {
        let args = PageArgs { first, after: after.map(encode_cursor), last, before: before.map(encode_cursor) };
        if let Ok(window) = args.window(Some(total)) {
            prop_assert!(window.offset + window.limit <= total.max(window.offset));
            prop_assert!(window.limit <= 100);
        }
    }

    #[test]
    fn any_text_as_an_id_is_a_node_or_an_error(text in "\\PC{0,120}") {
        let _ = id::decode(&text);
    }

    #[test]
    fn any_text_as_a_dataset_parses_or_is_refused(text in "\\PC{0,400}") {
        let _ = dataset::parse(&text);
    }

    #[test]
    fn mangled_real_datasets_parse_or_name_what_is_wrong(at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        // Anywhere in the whole file, not only its first part.
        let mut text = include_str!("../data/registry.json").as_bytes()[..].to_vec();
        let at = at.index(text.len());
        text[at] = byte;
        if let Ok(text) = String::from_utf8(text)
            && let Err(err) = dataset::parse(&text)
        {
            prop_assert!(!err.to_string().is_empty());
        }
    }
}
