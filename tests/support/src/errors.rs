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
