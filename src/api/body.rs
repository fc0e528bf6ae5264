//! A successful answer's body. Most tools pass it on as it is, so it is kept as
//! bytes and checked when a tool takes it: parsed into a tree only for the few
//! tools that reshape it, otherwise checked and compacted without one.

use serde::de::IgnoredAny;
use serde_json::Value;

use super::error::{ApiError, snippet};

/// From this size a body is checked on a second thread while it is compacted.
const CHECK_ALONGSIDE_FROM: usize = 256 * 1024;

/// A 2xx answer, not yet known to be JSON.
#[derive(Debug)]
pub struct ApiResponse {
    pub status: u16,
    content_type: String,
    /// Empty when the API sent only whitespace.
    body: Vec<u8>,
}

impl ApiResponse {
    pub(super) fn new(status: u16, content_type: String, body: Vec<u8>) -> ApiResponse {
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            Vec::new()
        } else {
            body
        };
        ApiResponse {
            status,
            content_type,
            body,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The body as a tree; `Value::Null` when it is empty.
    pub fn value(&self) -> Result<Value, ApiError> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body)
            .map_err(|_| not_json(self.status, &self.content_type, &self.body))
    }

    /// The body as compact JSON text (whitespace between tokens removed), checked
    /// to be well-formed JSON in UTF-8 without building a tree.
    pub fn into_compact_text(self) -> Result<String, ApiError> {
        let ApiResponse {
            status,
            content_type,
            body,
        } = self;
        let not_json = |bytes: &[u8]| not_json(status, &content_type, bytes);
        let Ok(text) = std::str::from_utf8(&body) else {
            return Err(not_json(&body));
        };
        let check = || serde_json::from_str::<IgnoredAny>(text).is_ok();
        let (well_formed, compacted) = if text.len() < CHECK_ALONGSIDE_FROM {
            (check(), compact(text))
        } else {
            // Both passes read the whole body; on two cores they take the time of one.
            std::thread::scope(|scope| {
                match std::thread::Builder::new().spawn_scoped(scope, check) {
                    Ok(checking) => {
                        let compacted = compact(text);
                        (checking.join().unwrap_or(false), compacted)
                    }
                    Err(_) => (check(), compact(text)),
                }
            })
        };
        if !well_formed {
            return Err(not_json(&body));
        }
        // Only ASCII whitespace outside strings is ever removed: still UTF-8.
        String::from_utf8(compacted.unwrap_or(body)).map_err(|e| not_json(e.as_bytes()))
    }
}

fn not_json(status: u16, content_type: &str, bytes: &[u8]) -> ApiError {
    ApiError::NotJson {
        status,
        content_type: crate::untrusted::clean(content_type, 100),
        snippet: crate::untrusted::quoted(&snippet(bytes, 200), 200),
    }
}

/// `json` without the whitespace between its tokens, or `None` when it has none.
/// `json` must be well-formed: strings are skipped by their quotes alone.
fn compact(json: &str) -> Option<Vec<u8>> {
    let bytes = json.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    // Start of the bytes not yet copied to `out`.
    let mut pending = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    // An escape covers the next byte, which may be a quote.
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b' ' | b'\n' | b'\r' | b'\t' => {
                let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
                out.extend_from_slice(&bytes[pending..i]);
                while i < bytes.len() && matches!(bytes[i], b' ' | b'\n' | b'\r' | b'\t') {
                    i += 1;
                }
                pending = i;
            }
            _ => i += 1,
        }
    }
    let mut out = out?;
    out.extend_from_slice(&bytes[pending.min(bytes.len())..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &[u8]) -> ApiResponse {
        ApiResponse::new(200, "application/json".into(), body.to_vec())
    }

    fn compacted(json: &str) -> String {
        response(json.as_bytes()).into_compact_text().unwrap()
    }

    #[test]
    fn whitespace_between_tokens_goes_and_strings_stay() {
        let pretty = "{\n  \"a b\": [1, 2,\t3],\r\n  \"s\": \"x \\\" y\\\\\",  \"e\": {} }\n";
        let text = compacted(pretty);
        assert_eq!(text, r#"{"a b":[1,2,3],"s":"x \" y\\","e":{}}"#);
        let tree: Value = serde_json::from_str(pretty).unwrap();
        assert_eq!(text, serde_json::to_string(&tree).unwrap());
    }

    #[test]
    fn compact_text_is_kept_as_it_is() {
        assert_eq!(compact(r#"{"a":"é  ü","b":[true,null]}"#), None);
        assert_eq!(
            compacted(r#"{"a":"é  ü","b":[true,null]}"#),
            r#"{"a":"é  ü","b":[true,null]}"#
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_shown_quoted() {
        let hostile = crate::untrusted::HOSTILE;
        let ApiError::NotJson {
            snippet,
            content_type,
            ..
        } = not_json(500, &format!("text/html{hostile}"), hostile.as_bytes())
        else {
            panic!("not JSON");
        };
        crate::untrusted::assert_marked(&snippet);
        assert!(
            !content_type.chars().any(char::is_control),
            "{content_type}"
        );
    }

    #[test]
    fn bodies_are_checked_when_taken() {
        assert!(response(b"  \n").is_empty());
        assert_eq!(response(b"").value().unwrap(), Value::Null);
        assert_eq!(compacted(" [1, {\"a\": 2}] "), r#"[1,{"a":2}]"#);
        for bad in ["<html>", "{\"a\":", "{\"a\" 1}", "[1,]", "\"\\x\"", "{} {}"] {
            assert!(
                matches!(
                    response(bad.as_bytes()).into_compact_text(),
                    Err(ApiError::NotJson { status: 200, .. })
                ),
                "{bad}"
            );
            assert!(response(bad.as_bytes()).value().is_err(), "{bad}");
        }
        let latin1 = response(b"\"\xe9\"").into_compact_text();
        assert!(matches!(latin1, Err(ApiError::NotJson { .. })));
    }

    #[test]
    fn large_bodies_are_checked_too() {
        let row = r#"{"name": "web 1", "cost": 1.5, "tags": {"k": "v"}}, "#;
        let mut big = format!("[{}", row.repeat(CHECK_ALONGSIDE_FROM / row.len() + 10));
        let good = format!("{}1]", big);
        assert!(
            good.len() >= CHECK_ALONGSIDE_FROM,
            "takes the two-thread path"
        );
        let text = compacted(&good);
        assert!(text.len() > CHECK_ALONGSIDE_FROM / 2);
        assert!(!text.contains(": ") && !text.contains(", "));
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            serde_json::from_str::<Value>(&good).unwrap()
        );
        big.push_str("1,]");
        assert!(matches!(
            response(big.as_bytes()).into_compact_text(),
            Err(ApiError::NotJson { .. })
        ));
    }
}
