//! Helpers for the simulator's own tests: a simulator per test and a small client.
#![allow(dead_code)]

use digiusher_sim::{SimConfig, Simulator};
use serde_json::Value;

pub const ACME: &str = "a0000000-0000-4000-8000-000000000001";
pub const BETA: &str = "b0000000-0000-4000-8000-000000000001";
pub const GAMMA: &str = "c0000000-0000-4000-8000-000000000001";
pub const DELTA: &str = "d0000000-0000-4000-8000-000000000001";
pub const MISSING_ORG: &str = "e0000000-0000-4000-8000-000000000001";
pub const ACME_ROOT: &str = "a1000000-0000-4000-8000-000000000001";
pub const ENGINEERING: &str = "a1000000-0000-4000-8000-000000000002";
pub const PLATFORM: &str = "a1000000-0000-4000-8000-000000000003";
pub const MARKETING: &str = "a1000000-0000-4000-8000-000000000004";
pub const DATA_SCIENCE: &str = "b1000000-0000-4000-8000-000000000002";
pub const AWS_PRODUCTION: &str = "a2000000-0000-4000-8000-000000000001";
pub const GCP_MAIN: &str = "b2000000-0000-4000-8000-000000000001";
pub const ALICE_ACME: &str = "a3000000-0000-4000-8000-000000000001";
pub const DAVE_ACME: &str = "a3000000-0000-4000-8000-000000000002";
pub const WEB_1: &str = "a4000000-0000-4000-8000-000000000001";
pub const TRAINER_1: &str = "b4000000-0000-4000-8000-000000000007";
pub const NSM_KEY: &str = "a7000000-0000-4000-8000-000000000001";
pub const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// 2025-06-01 00:00:00 and 2025-06-14 23:59:59 UTC.
pub const JUNE_1: &str = "1748736000";
pub const JUNE_14_END: &str = "1749945599";

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The OptScale error code, if the body is an OptScale error.
    pub fn code(&self) -> &str {
        self.json["error"]["error_code"].as_str().unwrap_or("")
    }
    pub fn reason(&self) -> &str {
        self.json["error"]["reason"].as_str().unwrap_or("")
    }
}

pub struct T {
    pub sim: Simulator,
    pub http: reqwest::Client,
}

impl T {
    pub async fn new() -> T {
        T::with(SimConfig::default()).await
    }

    pub async fn with(config: SimConfig) -> T {
        let sim = Simulator::start(config).await.expect("simulator starts");
        T {
            sim,
            http: digiusher_sim::http_client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb = self.http.request(m, self.url(path));
        if let Some(t) = token {
            rb = rb.header("authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let r = rb.send().await.expect("request sent");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body read");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            json,
        }
    }

    /// GET as `user` (token `sim-<user>`).
    pub async fn get(&self, user: &str, path: &str) -> Resp {
        self.send("GET", path, Some(&format!("sim-{user}")), None)
            .await
    }

    pub async fn post(&self, user: &str, path: &str, body: &Value) -> Resp {
        self.send("POST", path, Some(&format!("sim-{user}")), Some(body))
            .await
    }

    /// A control call that must succeed.
    pub async fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let r = self.send(method, path, None, body).await;
        assert!(r.status < 300, "{path}: {} {}", r.status, r.text);
        r
    }

    pub async fn fault(&self, rule: Value) {
        self.control("POST", "/__sim/faults", Some(&rule)).await;
    }
}

pub fn v3(org: &str, rest: &str) -> String {
    format!("/api/v3/organizations/{org}/{rest}")
}

pub fn v2(org: &str, rest: &str) -> String {
    format!("/restapi/v2/organizations/{org}/{rest}")
}

/// The keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

pub fn assert_keys(v: &Value, expected: &[&str]) {
    for k in expected {
        assert!(v.get(*k).is_some(), "missing key {k:?} in {v}");
    }
}
