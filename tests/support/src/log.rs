//! The request log of `/__sim/requests` (tools.md 14.6): what the tests read to
//! check each tool's exact HTTP mapping.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One API request as the simulator saw it. Control routes are not logged.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// Decoded (`+` = space, `%2B` = `+`) pairs in received order.
    pub query: Vec<(String, String)>,
    /// The JSON body, or `None` when there was none (or it was not JSON).
    pub body: Option<serde_json::Value>,
    /// The token's subject (`alice`, …); never the token itself.
    pub subject: Option<String>,
    /// The status answered; 0 when the connection was dropped without an answer.
    pub status: u16,
    /// `accept`, `content-type`, `user-agent` as sent, and `authorization` as
    /// `<scheme> <redacted>` (e.g. `Bearer <redacted>`), in received order.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

/// At most this many entries are kept (oldest dropped), so a benchmark cannot
/// exhaust memory.
const CAPACITY: usize = 200_000;

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
}

impl RequestLog {
    pub fn push(&self, r: LoggedRequest) {
        if let Ok(mut e) = self.entries.lock() {
            if e.len() >= CAPACITY {
                e.pop_front();
            }
            e.push_back(r);
        }
    }

    pub fn all(&self) -> Vec<LoggedRequest> {
        self.entries
            .lock()
            .map(|e| e.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn clear(&self) {
        if let Ok(mut e) = self.entries.lock() {
            e.clear();
        }
    }
}

/// The headers worth logging, with the credential redacted.
pub fn logged_headers(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in headers {
        let n = name.as_str();
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match n {
            "accept" | "content-type" | "user-agent" => out.push((n.to_string(), text)),
            "authorization" => {
                let redacted = match text.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} <redacted>"),
                    None => "<redacted>".to_string(),
                };
                out.push((n.to_string(), redacted));
            }
            _ => {}
        }
    }
    out
}
