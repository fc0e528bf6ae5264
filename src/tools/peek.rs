//! Looking into an answer's JSON text for what a note needs, without building a
//! `serde_json::Value` tree of the whole answer.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, IgnoredAny, SeqAccess, Visitor};

/// The fields of `json` that `T` names; `None` when they do not have `T`'s types.
/// Unnamed fields are skipped, not stored.
pub fn fields<T: DeserializeOwned>(json: &str) -> Option<T> {
    serde_json::from_str(json).ok()
}

/// Whether any object in `json` has one of `keys` (plain names, without quotes or
/// backslashes). `json` must be compact, well-formed JSON, as [`Output::text`]
/// holds: there `"name":` whose first quote is not escaped is always a key, so a
/// substring search answers without parsing.
///
/// [`Output::text`]: super::result::Output::text
pub fn has_key(json: &str, keys: &[&str]) -> bool {
    let bytes = json.as_bytes();
    keys.iter().any(|key| {
        let needle = format!("\"{key}\":");
        memchr::memmem::find_iter(bytes, needle.as_bytes()).any(|at| !escaped(bytes, at))
    })
}

/// Whether the byte at `at` follows an odd number of backslashes.
fn escaped(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

/// An array's length, counted without keeping its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Count, D::Error> {
        struct Counter;
        impl<'de> Visitor<'de> for Counter {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        deserializer.deserialize_seq(Counter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_at_any_depth_but_not_in_values() {
        let keys = &["pool_id", "data_source_id"];
        assert!(has_key(
            r#"{"rows":[{"a":1},{"b":{"pool_id":null}}]}"#,
            keys
        ));
        assert!(has_key(r#"[[{"data_source_id":"x"}]]"#, keys));
        assert!(
            has_key(r#"{"k":"a\\","pool_id":1}"#, keys),
            "after an escaped backslash"
        );
        assert!(!has_key(
            r#"{"rows":[{"name":"pool_id"}],"n":1.5,"t":true}"#,
            keys
        ));
        assert!(!has_key(
            r#"{"pool_idx":1,"xpool_id":2,"s":"\"pool_id\":"}"#,
            keys
        ));
        assert!(
            !has_key(r#"{"a\"pool_id":1}"#, keys),
            "the key is a\"pool_id"
        );
        let deep = format!("{}{}", r#"{"x":"#.repeat(100), r#"{"pool_id":1}"#) + &"}".repeat(100);
        assert!(has_key(&deep, keys));
    }

    #[test]
    fn fields_are_read_and_arrays_counted() {
        #[derive(Deserialize)]
        struct Page {
            items: Option<Count>,
            total: Option<u64>,
        }
        let page: Page = fields(r#"{"items":[{"a":[1,2]},3,null],"total":9,"other":{}}"#).unwrap();
        assert_eq!(page.items, Some(Count(3)));
        assert_eq!(page.total, Some(9));
        let page: Page = fields(r#"{"x":1}"#).unwrap();
        assert_eq!((page.items, page.total), (None, None));
        assert!(fields::<Page>(r#"{"items":{"a":1}}"#).is_none());
        assert!(fields::<Page>("[1]").is_none());
    }
}
