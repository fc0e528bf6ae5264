//! A successful answer's body, kept as checked JSON text: most tools pass it on
//! as it is, so a tree is built only for the few that reshape it.

use serde::de::IgnoredAny;
use serde_json::Value;

use super::error::{ApiError, snippet};

/// A 2xx answer whose body is well-formed JSON, or empty.
#[derive(Debug)]
pub struct ApiResponse {
    pub status: u16,
    content_type: String,
    /// Well-formed JSON in UTF-8; empty when the API sent only whitespace.
    body: String,
}

impl ApiResponse {
    /// Checks that `bytes` are UTF-8 JSON, without building a tree.
    pub(super) fn new(
        status: u16,
        content_type: String,
        bytes: Vec<u8>,
    ) -> Result<ApiResponse, ApiError> {
        let not_json = |bytes: &[u8], content_type: String| ApiError::NotJson {
            status,
            content_type,
            snippet: snippet(bytes, 200),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiResponse {
                status,
                content_type,
                body: String::new(),
            });
        }
        let body = match String::from_utf8(bytes) {
            Ok(body) => body,
            Err(e) => return Err(not_json(e.as_bytes(), content_type)),
        };
        if serde_json::from_str::<IgnoredAny>(&body).is_err() {
            return Err(not_json(body.as_bytes(), content_type));
        }
        Ok(ApiResponse {
            status,
            content_type,
            body,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The body as a tree; `Value::Null` when it is empty.
    pub fn value(&self) -> Result<Value, ApiError> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        // Fails only where the check is looser than a full parse, e.g. 1e999.
        serde_json::from_str(&self.body).map_err(|_| ApiError::NotJson {
            status: self.status,
            content_type: self.content_type.clone(),
            snippet: snippet(self.body.as_bytes(), 200),
        })
    }

    /// The body without insignificant whitespace.
    pub fn into_compact_text(self) -> String {
        compact(self.body)
    }
}

/// Removes the whitespace between tokens of well-formed JSON; returns `json`
/// itself when there is none.
fn compact(json: String) -> String {
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
    let Some(mut out) = out else {
        return json;
    };
    out.extend_from_slice(&bytes[pending.min(bytes.len())..]);
    // Only ASCII whitespace outside strings was removed, so this stays UTF-8.
    String::from_utf8(out).unwrap_or(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &str) -> Result<ApiResponse, ApiError> {
        ApiResponse::new(200, "application/json".into(), body.as_bytes().to_vec())
    }

    #[test]
    fn compact_removes_only_whitespace_between_tokens() {
        let pretty = "{\n  \"a b\": [1, 2,\t3],\r\n  \"s\": \"x \\\" y\\\\\",  \"e\": {} }\n";
        let compacted = compact(pretty.to_string());
        assert_eq!(compacted, r#"{"a b":[1,2,3],"s":"x \" y\\","e":{}}"#);
        let tree: Value = serde_json::from_str(pretty).unwrap();
        assert_eq!(compacted, serde_json::to_string(&tree).unwrap());
    }

    #[test]
    fn compact_text_is_returned_as_it_is() {
        let text = r#"{"a":"é  ü","b":[true,null]}"#.to_string();
        let pointer = text.as_ptr();
        let out = compact(text);
        assert_eq!(out, r#"{"a":"é  ü","b":[true,null]}"#);
        assert_eq!(out.as_ptr(), pointer, "no copy when nothing is removed");
    }

    #[test]
    fn bodies_are_checked_without_a_tree() {
        assert!(response("  \n").unwrap().is_empty());
        assert_eq!(response("").unwrap().value().unwrap(), Value::Null);
        assert_eq!(
            response(" [1, {\"a\": 2}] ").unwrap().into_compact_text(),
            r#"[1,{"a":2}]"#
        );
        for bad in ["<html>", "{\"a\":", "{\"a\" 1}", "[1,]", "\"\\x\""] {
            assert!(
                matches!(response(bad), Err(ApiError::NotJson { status: 200, .. })),
                "{bad}"
            );
        }
        let latin1 = ApiResponse::new(200, "text/plain".into(), b"\"\xe9\"".to_vec());
        assert!(matches!(latin1, Err(ApiError::NotJson { .. })));
    }
}
