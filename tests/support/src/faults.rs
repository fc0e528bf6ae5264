//! Fault injection (tools.md 14.6): rules that make matching requests slow, fail,
//! break or vanish, so the client's error handling can be tested.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use serde_json::{Value, json};

use crate::errors::{Family, Reply};

#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    Latency {
        ms: u64,
    },
    Status {
        status: u16,
        retry_after: Option<u64>,
        retry_after_date: bool,
        body: Option<Value>,
    },
    MalformedJson,
    Html {
        status: u16,
    },
    Oversized {
        bytes: usize,
        chunked: bool,
    },
    Unauthorized,
    Drop,
    NotOffered,
}

#[derive(Clone, Debug)]
pub struct FaultRule {
    pub method: Option<String>,
    pub path: String,
    /// Requests still to be hit; `None` = every request (`times: 0`).
    pub remaining: Option<u64>,
    pub fault: Fault,
    /// The rule as posted, for `GET /__sim/faults`.
    pub source: Value,
}

impl FaultRule {
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path_matches(&self.path, path)
    }
}

/// `*` matches one path segment, `**` any number (also none).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let s: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match_segments(&p, &s)
}

fn match_segments(p: &[&str], s: &[&str]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((&"**", rest)) => (0..=s.len()).any(|i| match_segments(rest, &s[i..])),
        Some((seg, rest)) => match s.split_first() {
            Some((first, srest)) => (*seg == "*" || seg == first) && match_segments(rest, srest),
            None => false,
        },
    }
}

fn status_of(v: Option<&Value>, default: u16) -> Result<u16, String> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(x) => x
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| (100..=599).contains(n))
            .ok_or_else(|| format!("status must be an HTTP status code; got {x}")),
    }
}

/// Parses `{"match": {"method"?, "path"}, "times"?, "fault": {"kind", …}}`.
pub fn parse_rule(v: &Value) -> Result<FaultRule, String> {
    let m = v.get("match").ok_or("missing \"match\"")?;
    let path = m
        .get("path")
        .and_then(Value::as_str)
        .ok_or("missing match.path")?
        .to_string();
    let method = match m.get("method") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.to_ascii_uppercase()),
        Some(_) => return Err("match.method must be a string".into()),
    };
    let times = match v.get("times") {
        None | Some(Value::Null) => 1,
        Some(t) => t.as_u64().ok_or("times must be a non-negative integer")?,
    };
    let f = v.get("fault").ok_or("missing \"fault\"")?;
    let kind = f
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("missing fault.kind")?;
    let fault = match kind {
        "latency" => Fault::Latency {
            ms: f
                .get("ms")
                .and_then(Value::as_u64)
                .ok_or("latency needs ms")?,
        },
        "status" => Fault::Status {
            status: status_of(f.get("status"), 500)?,
            retry_after: f.get("retry_after").and_then(Value::as_u64),
            retry_after_date: f
                .get("retry_after_date")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            body: f.get("body").filter(|b| !b.is_null()).cloned(),
        },
        "malformed_json" => Fault::MalformedJson,
        "html" => Fault::Html {
            status: status_of(f.get("status"), 502)?,
        },
        "oversized" => Fault::Oversized {
            bytes: f
                .get("bytes")
                .and_then(Value::as_u64)
                .map(|b| usize::try_from(b).unwrap_or(usize::MAX))
                .unwrap_or(5_000_000)
                .min(512 * 1024 * 1024),
            chunked: f.get("chunked").and_then(Value::as_bool).unwrap_or(false),
        },
        "unauthorized" => Fault::Unauthorized,
        "drop" => Fault::Drop,
        "not_offered" => Fault::NotOffered,
        other => return Err(format!("unknown fault kind {other:?}")),
    };
    Ok(FaultRule {
        method,
        path,
        remaining: if times == 0 { None } else { Some(times) },
        fault,
        source: v.clone(),
    })
}

fn reason_phrase(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// The answer of a `status` fault. Without a given body it is the family's error
/// shape with the status's reason phrase (OptScale code `OE0000`, made up here).
pub fn status_reply(
    family: Family,
    status: u16,
    retry_after: Option<u64>,
    retry_after_date: bool,
    body: Option<&Value>,
) -> Reply {
    let mut reply = match body {
        Some(b) => Reply::json(status, b),
        None => match family {
            Family::OptScale => Reply::optscale(status, "OE0000", reason_phrase(status), json!([])),
            Family::Detail => Reply::detail(status, reason_phrase(status)),
        },
    };
    if let Some(secs) = retry_after {
        let value = if retry_after_date {
            // An HTTP date on the real clock: the client compares it with its own.
            httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(secs))
        } else {
            secs.to_string()
        };
        reply = reply.header("retry-after", value);
    }
    reply
}

/// A gateway's HTML error page.
pub fn html_reply(status: u16) -> Reply {
    let phrase = reason_phrase(status);
    let body = format!(
        "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    Reply {
        status,
        content_type: "text/html",
        headers: Vec::new(),
        body: Bytes::from(body),
        chunked: false,
    }
}

/// 200 with the normal body cut in the middle (still labelled JSON).
pub fn malformed(normal: &Reply) -> Reply {
    let body = &normal.body;
    let cut = if body.len() >= 4 {
        body.slice(0..body.len() / 2)
    } else {
        Bytes::from_static(b"{\"truncated\": ")
    };
    Reply {
        status: 200,
        content_type: crate::errors::JSON,
        headers: Vec::new(),
        body: cut,
        chunked: false,
    }
}

/// 200 with valid JSON of at least `bytes` bytes, made by repeating the first element
/// of the normal body's largest array.
pub fn oversized(normal: &Reply, bytes: usize, chunked: bool) -> Reply {
    let mut value: Value = serde_json::from_slice(&normal.body).unwrap_or(Value::Null);
    let current = normal.body.len();
    if current < bytes {
        let mut best: Option<(usize, Vec<PathStep>)> = None;
        largest_array(&value, &mut Vec::new(), &mut best);
        match best.and_then(|(_, path)| array_at(&mut value, &path)) {
            Some(arr) => {
                let first = arr[0].clone();
                let each = serde_json::to_vec(&first).map(|v| v.len()).unwrap_or(1) + 1;
                let extra = (bytes - current).div_ceil(each);
                arr.extend(std::iter::repeat_n(first, extra));
            }
            None => {
                let filler = Value::String("x".repeat(1000));
                let n = (bytes - current).div_ceil(1003) + 1;
                let pad = Value::Array(vec![filler; n]);
                match &mut value {
                    Value::Object(m) => {
                        m.insert("padding".into(), pad);
                    }
                    _ => value = pad,
                }
            }
        }
    }
    let mut r = Reply::json(200, &value);
    r.chunked = chunked;
    r
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn largest_array(v: &Value, path: &mut Vec<PathStep>, best: &mut Option<(usize, Vec<PathStep>)>) {
    match v {
        Value::Array(a) => {
            if !a.is_empty() {
                let size = serde_json::to_vec(v).map(|b| b.len()).unwrap_or(0);
                if best.as_ref().is_none_or(|(s, _)| size > *s) {
                    *best = Some((size, path.clone()));
                }
            }
            for (i, x) in a.iter().enumerate() {
                path.push(PathStep::Index(i));
                largest_array(x, path, best);
                path.pop();
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                path.push(PathStep::Key(k.clone()));
                largest_array(x, path, best);
                path.pop();
            }
        }
        _ => {}
    }
}

fn array_at<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Vec<Value>> {
    let mut cur = v;
    for step in path {
        cur = match step {
            PathStep::Key(k) => cur.get_mut(k.as_str())?,
            PathStep::Index(i) => cur.get_mut(*i)?,
        };
    }
    cur.as_array_mut().filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(path_matches(
            "/api/v3/organizations/*/expenses",
            "/api/v3/organizations/x/expenses"
        ));
        assert!(!path_matches(
            "/api/v3/organizations/*/expenses",
            "/api/v3/organizations/x/expenses/dimensions/query"
        ));
        assert!(path_matches(
            "/api/v3/**",
            "/api/v3/organizations/x/expenses/dimensions/query"
        ));
        assert!(path_matches("/**", "/restapi/v2/organizations"));
        assert!(path_matches(
            "/restapi/v2/organizations/**",
            "/restapi/v2/organizations"
        ));
        assert!(!path_matches("/restapi/v2/pools/*", "/restapi/v2/pools"));
    }

    #[test]
    fn oversized_repeats_first_element() {
        let normal = Reply::ok(&json!({"a": [{"x": 1}, {"x": 2}], "b": [1]}));
        let r = oversized(&normal, 10_000, false);
        assert!(r.body.len() >= 10_000);
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let a = v["a"].as_array().map(Vec::len).unwrap_or(0);
        assert!(a > 100);
        assert_eq!(v["a"][a - 1], json!({"x": 1}));
        assert_eq!(v["b"], json!([1]));
    }

    #[test]
    fn malformed_is_not_json() {
        let normal = Reply::ok(&json!({"organizations": [{"id": "x"}]}));
        let r = malformed(&normal);
        assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    }
}
