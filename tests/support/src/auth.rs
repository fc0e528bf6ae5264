//! Bearer-token checking (tools.md 14.2): a static token map, and/or RFC 7662
//! introspection at the test OpenID provider with a short cache.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::ProviderAuth;

/// What the `Authorization` header proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    /// No `Authorization` header.
    Missing,
    /// A header that is not a valid bearer token (unknown, malformed, expired, revoked).
    Invalid,
    /// A valid token of this subject.
    User(String),
}

impl AuthOutcome {
    pub fn subject(&self) -> Option<&str> {
        match self {
            AuthOutcome::User(s) => Some(s),
            _ => None,
        }
    }
}

/// The longest time an introspection answer is reused.
const CACHE_FOR: Duration = Duration::from_secs(5);

struct Cached {
    subject: Option<String>,
    until: Instant,
}

struct Provider {
    cfg: ProviderAuth,
    client: reqwest::Client,
    cache: Mutex<HashMap<String, Cached>>,
}

pub struct Authenticator {
    static_tokens: bool,
    provider: Option<Provider>,
}

/// The static token map of 14.2; `sim-expired` is always rejected.
fn static_user(token: &str) -> Option<&'static str> {
    match token {
        "sim-alice" => Some("alice"),
        "sim-bob" => Some("bob"),
        "sim-carol" => Some("carol"),
        "sim-nobody" => Some("nobody"),
        _ => None,
    }
}

/// Real wall-clock milliseconds (token lifetimes use the real clock, not the
/// simulated "now").
fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Authenticator {
    pub fn new(static_tokens: bool, provider: Option<ProviderAuth>) -> Authenticator {
        let provider = provider.map(|cfg| Provider {
            cfg,
            client: introspection_client(),
            cache: Mutex::new(HashMap::new()),
        });
        Authenticator {
            static_tokens,
            provider,
        }
    }

    /// Checks an `Authorization` header value.
    pub async fn check(&self, header: Option<&[u8]>) -> AuthOutcome {
        let Some(raw) = header else {
            return AuthOutcome::Missing;
        };
        let Ok(text) = std::str::from_utf8(raw) else {
            return AuthOutcome::Invalid;
        };
        let Some(token) = text.strip_prefix("Bearer ") else {
            return AuthOutcome::Invalid;
        };
        if token.is_empty() || token.contains(char::is_whitespace) {
            return AuthOutcome::Invalid;
        }
        if self.static_tokens {
            if token == "sim-expired" {
                return AuthOutcome::Invalid;
            }
            if let Some(user) = static_user(token) {
                return AuthOutcome::User(user.to_string());
            }
        }
        match &self.provider {
            Some(p) => match p.introspect(token).await {
                Some(sub) => AuthOutcome::User(sub),
                None => AuthOutcome::Invalid,
            },
            None => AuthOutcome::Invalid,
        }
    }
}

impl Provider {
    /// The subject of an active token, from the cache or the provider.
    async fn introspect(&self, token: &str) -> Option<String> {
        let now = Instant::now();
        if let Ok(cache) = self.cache.lock()
            && let Some(c) = cache.get(token)
            && c.until > now
        {
            return c.subject.clone();
        }
        let (subject, lifetime) = self.ask(token).await;
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 10_000 {
                cache.retain(|_, c| c.until > now);
            }
            cache.insert(
                token.to_string(),
                Cached {
                    subject: subject.clone(),
                    until: now + lifetime,
                },
            );
        }
        subject
    }

    /// One introspection request (client_secret_basic). Returns the subject of an
    /// active, unexpired token and how long the answer may be cached.
    async fn ask(&self, token: &str) -> (Option<String>, Duration) {
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let result = self
            .client
            .post(&self.cfg.introspection_endpoint)
            .basic_auth(enc(&self.cfg.client_id), Some(enc(&self.cfg.client_secret)))
            .header("accept", "application/json")
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await;
        let body: serde_json::Value = match result {
            Ok(resp) if resp.status().is_success() => match resp.json().await {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("digiusher-sim: introspection answer is not JSON: {e}");
                    return (None, Duration::ZERO);
                }
            },
            Ok(resp) => {
                eprintln!(
                    "digiusher-sim: introspection failed: HTTP {}",
                    resp.status()
                );
                return (None, Duration::ZERO);
            }
            Err(e) => {
                eprintln!("digiusher-sim: introspection failed: {e}");
                return (None, Duration::ZERO);
            }
        };
        if body.get("active").and_then(|v| v.as_bool()) != Some(true) {
            return (None, CACHE_FOR);
        }
        let now_ms = unix_now_ms();
        let exp_ms = body
            .get("exp")
            .and_then(|v| v.as_i64())
            .map(|e| e.saturating_mul(1000));
        if exp_ms.is_some_and(|e| e <= now_ms) {
            return (None, CACHE_FOR);
        }
        if body
            .get("nbf")
            .and_then(|v| v.as_i64())
            .is_some_and(|nbf| nbf.saturating_mul(1000) > now_ms)
        {
            return (None, Duration::ZERO);
        }
        let Some(sub) = body.get("sub").and_then(|v| v.as_str()) else {
            return (None, CACHE_FOR);
        };
        let lifetime = match exp_ms {
            Some(e) => CACHE_FOR.min(Duration::from_millis(
                u64::try_from(e - now_ms).unwrap_or(0),
            )),
            None => CACHE_FOR,
        };
        (Some(sub.to_string()), lifetime)
    }
}

/// The client that calls the provider's introspection endpoint.
fn introspection_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}
