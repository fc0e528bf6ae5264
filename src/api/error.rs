//! API failures, and the reason text recovered from an error body, so a tool can
//! say why DigiUsher refused instead of only the status code.

use serde_json::Value;

use crate::untrusted;

use crate::auth::{AuthError, TokenOrigin};

/// Why a request did not yield a usable 2xx JSON body. Never holds a token.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Auth(AuthError),
    #[error("DigiUsher did not accept the sign-in (HTTP 401): {}", .body.reason)]
    Unauthorized {
        origin: TokenOrigin,
        body: ErrorBody,
    },
    #[error("HTTP {status}: {}", .body.reason)]
    Status {
        status: u16,
        body: ErrorBody,
        /// Seconds from `Retry-After`, when the answer carried one.
        retry_after: Option<u64>,
    },
    #[error("DigiUsher ({host}) did not answer within {secs} s")]
    Timeout {
        secs: u64,
        /// The API's host, so the user sees which server kept silent.
        host: String,
        /// The answer had begun (status and headers came) when time ran out.
        receiving: bool,
    },
    #[error("cannot reach DigiUsher at {base}: {cause}")]
    Connect { base: String, cause: String },
    #[error("DigiUsher returned a response that is not valid JSON (HTTP {status}, {content_type})")]
    NotJson {
        status: u16,
        content_type: String,
        snippet: String,
    },
    #[error("DigiUsher returned more than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("{0}")]
    Client(String),
}

impl ApiError {
    /// A short word for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Auth(_) => "not-signed-in",
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::Status { .. } => "http-error",
            ApiError::Timeout { .. } => "timeout",
            ApiError::Connect { .. } => "connect-error",
            ApiError::NotJson { .. } => "not-json",
            ApiError::TooLarge { .. } => "too-large",
            ApiError::Client(_) => "client-error",
        }
    }

    pub(super) fn into_unauthorized(self, origin: TokenOrigin) -> ApiError {
        match self {
            ApiError::Status { body, .. } => ApiError::Unauthorized { origin, body },
            other => other,
        }
    }
}

/// What an error body says, whatever its format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorBody {
    /// OptScale's `error_code`, e.g. `OE0212`.
    pub code: Option<String>,
    /// Human-readable reason without the code, at most 500 characters.
    pub reason: String,
    /// OptScale's `params`, when present.
    pub params: Vec<String>,
    /// An empty body, `{"detail": "Not Found"}`, `OE0257` or a non-JSON body: how
    /// web frameworks answer for a route they do not have.
    pub looks_like_unknown_route: bool,
}

const MAX_REASON_CHARS: usize = untrusted::PROVIDER_TEXT_CAP;
/// OptScale codes are like `OE0212`.
const CODE_CAP: usize = 16;

/// The API's reason, in quotes so the model reads it as the API's words.
fn quoted_reason(reason: &str) -> String {
    serde_json::Value::String(reason.to_string()).to_string()
}

impl ErrorBody {
    /// `(HTTP 400 OE0212: Unexpected parameters: foo)`, the tail of every API error message.
    pub fn http_detail(&self, status: u16) -> String {
        match &self.code {
            Some(code) => format!("(HTTP {status} {code}: {})", quoted_reason(&self.reason)),
            None => format!("(HTTP {status}: {})", quoted_reason(&self.reason)),
        }
    }

    pub fn parse(bytes: &[u8]) -> ErrorBody {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return ErrorBody {
                reason: "empty response body".into(),
                looks_like_unknown_route: true,
                ..ErrorBody::default()
            };
        }
        let Ok(json) = serde_json::from_slice::<Value>(bytes) else {
            return ErrorBody {
                reason: snippet(bytes, 300),
                looks_like_unknown_route: true,
                ..ErrorBody::default()
            };
        };
        let mut body = ErrorBody::default();
        match &json {
            Value::Object(map) => {
                if let Some(Value::Object(err)) = map.get("error") {
                    body.code = err
                        .get("error_code")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    body.reason = err
                        .get("reason")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    body.params = err
                        .get("params")
                        .and_then(Value::as_array)
                        .map(|ps| {
                            ps.iter()
                                .map(|p| match p {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    body.looks_like_unknown_route = body.code.as_deref() == Some("OE0257");
                } else if let Some(detail) = map.get("detail") {
                    body.reason = detail_reason(detail);
                    body.looks_like_unknown_route =
                        map.len() == 1 && detail.as_str() == Some("Not Found");
                } else if let Some(Value::String(s)) = map.get("message").or(map.get("error")) {
                    body.reason = s.clone();
                }
            }
            Value::String(s) => body.reason = s.clone(),
            _ => {}
        }
        if body.reason.trim().is_empty() {
            body.reason = match &body.code {
                Some(_) => "no reason given".to_string(),
                None => snippet(json.to_string().as_bytes(), 300),
            };
        }
        // Everything here is the API's text on its way to the model: one line,
        // no control or format characters, capped.
        body.reason = untrusted::clean(&body.reason, MAX_REASON_CHARS);
        body.code = body.code.map(|c| untrusted::clean(&c, CODE_CAP));
        for p in &mut body.params {
            *p = untrusted::clean(p, untrusted::NAME_CAP);
        }
        body
    }
}

/// FastAPI `detail`: a string, or a list of `{loc, msg}` items.
fn detail_reason(detail: &Value) -> String {
    match detail {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .take(5)
            .map(|item| {
                let loc = item
                    .get("loc")
                    .and_then(Value::as_array)
                    .map(|parts| {
                        parts
                            .iter()
                            .map(|p| match p {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_default();
                let msg = item.get("msg").and_then(Value::as_str).unwrap_or("invalid");
                if loc.is_empty() {
                    msg.to_string()
                } else {
                    format!("{loc}: {msg}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The first `max` characters of a body, whitespace collapsed: enough to recognise
/// an HTML error page without flooding the model.
pub fn snippet(bytes: &[u8], max: usize) -> String {
    untrusted::clean(&String::from_utf8_lossy(bytes), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optscale_bodies_give_code_and_reason() {
        let b = ErrorBody::parse(
            br#"{"error": {"status_code": 400, "error_code": "OE0212", "reason": "Unexpected parameters: format2", "params": ["format2"]}}"#,
        );
        assert_eq!(b.code.as_deref(), Some("OE0212"));
        assert_eq!(b.reason, "Unexpected parameters: format2");
        assert_eq!(
            b.http_detail(400),
            r#"(HTTP 400 OE0212: "Unexpected parameters: format2")"#
        );
        assert_eq!(b.params, vec!["format2"]);
        assert!(!b.looks_like_unknown_route);
        let b = ErrorBody::parse(
            br#"{"error": {"status_code": 404, "error_code": "OE0257", "reason": "Not Found", "params": []}}"#,
        );
        assert!(b.looks_like_unknown_route);
    }

    #[test]
    fn fastapi_bodies() {
        let b = ErrorBody::parse(br#"{"detail": "Not Found"}"#);
        assert!(b.looks_like_unknown_route);
        assert_eq!(b.reason, "Not Found");
        let b = ErrorBody::parse(br#"{"detail": "Organization not found"}"#);
        assert!(!b.looks_like_unknown_route);
        let b = ErrorBody::parse(
            br#"{"detail": [{"loc": ["body", "limit"], "msg": "Input should be less than or equal to 10000", "type": "x"}, {"loc": ["query", 0], "msg": "bad"}]}"#,
        );
        assert_eq!(
            b.reason,
            "body.limit: Input should be less than or equal to 10000; query.0: bad"
        );
        let b = ErrorBody::parse(br#"{"message": "slow down"}"#);
        assert_eq!(b.reason, "slow down");
    }

    #[test]
    fn html_and_empty_bodies_are_unknown_routes_with_a_short_reason() {
        let page = format!(
            "<html>\n <body>  <h1>502 Bad Gateway</h1>{}</body></html>",
            "x".repeat(1000)
        );
        let b = ErrorBody::parse(page.as_bytes());
        assert!(b.looks_like_unknown_route);
        assert!(
            b.reason
                .starts_with("<html> <body> <h1>502 Bad Gateway</h1>")
        );
        assert!(b.reason.chars().count() <= 301);
        assert!(ErrorBody::parse(b"").looks_like_unknown_route);
    }

    #[test]
    fn api_error_text_is_one_quoted_clean_line() {
        let hostile = crate::untrusted::HOSTILE;
        let body = serde_json::json!({"error": {"error_code": hostile, "reason": hostile, "params": [hostile]}});
        let b = ErrorBody::parse(body.to_string().as_bytes());
        crate::untrusted::assert_marked(&b.http_detail(400));
        assert!(!b.code.unwrap().contains('\n'));
        assert!(!b.params[0].contains('\u{202e}'));
        let b = ErrorBody::parse(hostile.as_bytes());
        crate::untrusted::assert_marked(&b.http_detail(502));
    }

    #[test]
    fn reasons_are_capped() {
        let long = format!(r#"{{"detail": "{}"}}"#, "y".repeat(2000));
        assert!(ErrorBody::parse(long.as_bytes()).reason.chars().count() <= 501);
    }
}
