//! Responses and the error bodies of the two API families (tools.md 14.7).

use bytes::Bytes;
use serde_json::{Value, json};

/// Which error dialect a path speaks: OptScale under `/restapi/`, FastAPI elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    OptScale,
    Detail,
}

impl Family {
    pub fn of(path: &str) -> Family {
        if path.starts_with("/restapi/") {
            Family::OptScale
        } else {
            Family::Detail
        }
    }
}

/// A finished answer, before it becomes an HTTP response.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    /// Send without `Content-Length` (chunked transfer encoding).
    pub chunked: bool,
}

pub const JSON: &str = "application/json; charset=utf-8";

impl Reply {
    /// Compact JSON.
    pub fn json(status: u16, value: &Value) -> Reply {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        Reply {
            status,
            content_type: JSON,
            headers: Vec::new(),
            body: Bytes::from(body),
            chunked: false,
        }
    }

    /// A body that is already compact JSON text.
    pub fn raw_json(status: u16, text: String) -> Reply {
        Reply {
            status,
            content_type: JSON,
            headers: Vec::new(),
            body: Bytes::from(text),
            chunked: false,
        }
    }

    pub fn ok(value: &Value) -> Reply {
        Reply::json(200, value)
    }

    /// `{"error": {"status_code", "error_code", "reason", "params"}}`.
    pub fn optscale(status: u16, code: &str, reason: &str, params: Value) -> Reply {
        Reply::json(
            status,
            &json!({"error": {"status_code": status, "error_code": code, "reason": reason, "params": params}}),
        )
    }

    /// `{"detail": "…"}`.
    pub fn detail(status: u16, msg: &str) -> Reply {
        Reply::json(status, &json!({ "detail": msg }))
    }

    /// 422 with a pydantic-style list.
    pub fn validation(errors: Vec<Value>) -> Reply {
        Reply::json(422, &json!({ "detail": errors }))
    }

    /// The unknown-route answer of a family.
    pub fn not_found_route(family: Family) -> Reply {
        match family {
            Family::OptScale => Reply::optscale(404, "OE0257", "Not Found", json!([])),
            Family::Detail => Reply::detail(404, "Not Found"),
        }
    }

    pub fn header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// A 2xx JSON body rewritten the way Python's `json.dumps` writes it by default
    /// (OptScale's services do): `", "` and `": "` separators, non-ASCII as `\uXXXX`.
    /// Other replies, and bodies that are not JSON, are left alone.
    pub fn python_style(self) -> Reply {
        if !(200..300).contains(&self.status) || self.content_type != JSON {
            return self;
        }
        let Ok(value) = serde_json::from_slice::<Value>(&self.body) else {
            return self;
        };
        let mut body = Vec::with_capacity(self.body.len() + self.body.len() / 4);
        let mut ser = serde_json::Serializer::with_formatter(&mut body, PythonFormatter);
        if serde::Serialize::serialize(&value, &mut ser).is_err() {
            return self;
        }
        Reply {
            body: Bytes::from(body),
            ..self
        }
    }
}

/// `json.dumps(value)` with Python's defaults.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    /// `ensure_ascii=True`: every non-ASCII character as `\uXXXX` (surrogate pairs above U+FFFF).
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            if c.is_ascii() {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// OptScale 400 `OE0217` "Invalid <name>".
pub fn invalid(name: &str) -> Reply {
    Reply::optscale(400, "OE0217", &format!("Invalid {name}"), json!([name]))
}

/// A pydantic-style error item.
pub fn item(loc: Vec<Value>, msg: &str, kind: &str, input: Option<&Value>) -> Value {
    let mut v = json!({"type": kind, "loc": loc, "msg": msg});
    if let (Some(obj), Some(input)) = (v.as_object_mut(), input) {
        obj.insert("input".into(), input.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_style_matches_json_dumps_defaults() {
        let reply = Reply::ok(&json!({"a": [1, 2.5, null], "name": "Zürich 🚀", "o": {}}));
        let py = reply.python_style();
        // json.dumps({"a": [1, 2.5, None], "name": "Zürich 🚀", "o": {}})
        assert_eq!(
            std::str::from_utf8(&py.body).unwrap(),
            r#"{"a": [1, 2.5, null], "name": "Z\u00fcrich \ud83d\ude80", "o": {}}"#
        );
        let back: Value = serde_json::from_slice(&py.body).unwrap();
        assert_eq!(back["name"], "Zürich 🚀");
    }

    #[test]
    fn python_style_leaves_errors_and_non_json_alone() {
        let error = Reply::detail(404, "Not Found");
        assert_eq!(error.clone().python_style().body, error.body);
        let text = Reply::raw_json(200, "not json".into());
        assert_eq!(text.clone().python_style().body, text.body);
    }
}
