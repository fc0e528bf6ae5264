//! Authentication (tools.md 14.2): static tokens, provider-mode introspection
//! against a fake provider, 401 bodies and challenges.

mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use common::*;
use digiusher_sim::{ProviderAuth, SimConfig};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::json;

const ORGS: &str = "/restapi/v2/organizations";

#[tokio::test]
async fn static_tokens_and_401s() {
    let t = T::new().await;
    assert_eq!(t.get("alice", ORGS).await.status, 200);
    let meta = format!(
        "Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource\"",
        t.sim.base_url()
    );

    let r = t.send("GET", ORGS, None, None).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json,
        json!({"error": {"status_code": 401, "error_code": "OE0237", "reason": "This resource requires authorization", "params": []}})
    );
    assert_eq!(r.header("www-authenticate"), Some(meta.as_str()));

    let invalid = format!("{meta}, error=\"invalid_token\"");
    for token in ["sim-expired", "nope", "sim-dave"] {
        let r = t.send("GET", ORGS, Some(token), None).await;
        assert_eq!((r.status, r.code()), (401, "OE0235"), "{token}");
        assert_eq!(r.reason(), "Unauthorized");
        assert_eq!(r.header("www-authenticate"), Some(invalid.as_str()));
    }
    // The prefix must be exactly "Bearer ".
    let r = t
        .http
        .get(t.url(ORGS))
        .header("authorization", "bearer sim-alice")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    let r = t
        .http
        .get(t.url(ORGS))
        .header("authorization", "Basic c2ltLWFsaWNl")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);

    let path = v3(ACME, "kpis/definitions");
    let r = t.send("GET", &path, None, None).await;
    assert_eq!(
        (r.status, r.json.clone()),
        (401, json!({"detail": "Not authenticated"}))
    );
    assert_eq!(r.header("www-authenticate"), Some(meta.as_str()));
    let r = t.send("GET", &path, Some("sim-expired"), None).await;
    assert_eq!(
        (r.status, r.json.clone()),
        (401, json!({"detail": "Invalid or expired token"}))
    );
    assert_eq!(r.header("www-authenticate"), Some(invalid.as_str()));
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn base64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A fake RFC 7662 endpoint: records each call and knows a few tokens.
async fn fake_provider(calls: Arc<Mutex<Vec<String>>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let short_exp = now() + 2;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let calls = calls.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let calls = calls.clone();
                    async move {
                        let auth = req
                            .headers()
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let token = form_urlencoded::parse(&body)
                            .find(|(k, _)| k == "token")
                            .map(|(_, v)| v.into_owned())
                            .unwrap_or_default();
                        calls.lock().expect("lock").push(token.clone());
                        let expected = format!("Basic {}", base64(b"sim-client:s3cret%21"));
                        let answer = if auth != expected {
                            json!({"error": "invalid_client", "got": auth})
                        } else {
                            match token.as_str() {
                                "tok-alice" => {
                                    json!({"active": true, "sub": "alice", "exp": now() + 3600})
                                }
                                "tok-carol" => json!({"active": true, "sub": "carol"}),
                                "tok-short" => {
                                    json!({"active": true, "sub": "bob", "exp": short_exp})
                                }
                                "tok-expired" => {
                                    json!({"active": true, "sub": "alice", "exp": now() - 10})
                                }
                                _ => json!({"active": false}),
                            }
                        };
                        let status = if answer.get("error").is_some() {
                            401
                        } else {
                            200
                        };
                        let mut resp = Response::new(Full::new(Bytes::from(answer.to_string())));
                        *resp.status_mut() =
                            hyper::StatusCode::from_u16(status).unwrap_or_default();
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    format!("http://{addr}/token/introspection")
}

fn provider_config(endpoint: String, static_tokens: bool) -> SimConfig {
    SimConfig {
        static_tokens,
        provider: Some(ProviderAuth {
            issuer: "http://127.0.0.1:9/oidc".into(),
            introspection_endpoint: endpoint,
            client_id: "sim-client".into(),
            // client_secret_basic form-encodes the secret before base64.
            client_secret: "s3cret!".into(),
        }),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn provider_mode_introspects_and_caches() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let endpoint = fake_provider(calls.clone()).await;
    let t = T::with(provider_config(endpoint, false)).await;
    let count = |tok: &str| {
        calls
            .lock()
            .expect("lock")
            .iter()
            .filter(|c| *c == tok)
            .count()
    };

    let r = t.send("GET", ORGS, Some("tok-alice"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["organizations"].as_array().map(Vec::len),
        Some(2),
        "sub selects alice"
    );
    assert_eq!(t.sim.requests()[0].subject.as_deref(), Some("alice"));
    t.send("GET", ORGS, Some("tok-alice"), None).await;
    assert_eq!(count("tok-alice"), 1, "answers are cached");

    let r = t.send("GET", ORGS, Some("tok-carol"), None).await;
    assert_eq!(r.json["organizations"][0]["id"], GAMMA);
    for token in ["tok-dead", "tok-expired"] {
        let r = t.send("GET", ORGS, Some(token), None).await;
        assert_eq!((r.status, r.code()), (401, "OE0235"), "{token}");
    }
    // Static tokens are off.
    assert_eq!(t.get("alice", ORGS).await.status, 401);

    // Never cached beyond exp: tok-short expires after two seconds.
    assert_eq!(
        t.send("GET", ORGS, Some("tok-short"), None).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(
        t.send("GET", ORGS, Some("tok-short"), None).await.status,
        401
    );
    assert_eq!(count("tok-short"), 2);

    // At most five seconds.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(
        t.send("GET", ORGS, Some("tok-alice"), None).await.status,
        200
    );
    assert_eq!(count("tok-alice"), 2);

    let r = t
        .send("GET", "/.well-known/oauth-protected-resource", None, None)
        .await;
    assert_eq!(
        r.json["authorization_servers"],
        json!(["http://127.0.0.1:9/oidc"])
    );
}

#[tokio::test]
async fn both_modes_together_and_a_wrong_client_secret() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let endpoint = fake_provider(calls.clone()).await;
    let t = T::with(provider_config(endpoint.clone(), true)).await;
    assert_eq!(t.get("bob", ORGS).await.status, 200);
    assert_eq!(
        t.send("GET", ORGS, Some("tok-alice"), None).await.status,
        200
    );
    assert_eq!(t.get("expired", ORGS).await.status, 401);
    assert!(
        !calls
            .lock()
            .expect("lock")
            .iter()
            .any(|c| c.starts_with("sim-")),
        "static tokens are not introspected"
    );

    let mut bad = provider_config(endpoint, false);
    if let Some(p) = bad.provider.as_mut() {
        p.client_secret = "wrong".into();
    }
    let t = T::with(bad).await;
    assert_eq!(
        t.send("GET", ORGS, Some("tok-alice"), None).await.status,
        401
    );
}

#[test]
fn background_simulator_for_sync_tests() {
    let mut sim = digiusher_sim::start_in_background(SimConfig {
        now: Some("2025-03-10T08:00:00Z".into()),
        ..SimConfig::default()
    })
    .expect("starts");
    let url = sim.base_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let v: serde_json::Value = rt.block_on(async {
        digiusher_sim::http_client()
            .get(format!("{url}/api/v3/organizations/{ACME}/kpis/snapshots"))
            .header("authorization", "Bearer sim-alice")
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json")
    });
    assert_eq!(
        v["date"], "2025-03-09",
        "the clock follows the configured now"
    );
    assert_eq!(sim.requests().len(), 1);
    sim.clear_requests();
    assert!(sim.requests().is_empty());
    sim.shutdown();
    let after = rt.block_on(async {
        digiusher_sim::http_client()
            .get(format!("{url}/restapi/v2/organizations"))
            .send()
            .await
    });
    assert!(after.is_err(), "stopped");
    assert!(
        digiusher_sim::start_in_background(SimConfig {
            now: Some("yesterday".into()),
            ..SimConfig::default()
        })
        .is_err()
    );
}
