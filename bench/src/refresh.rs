//! The refresh path: tool calls that must refresh a stale access token first (with
//! the cross-process lock), against calls with a fresh token. Needs the test OpenID
//! provider in tests/fixtures/oidc (node), started with 2-second access tokens.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::server::Server;

/// One timed tool call of the refresh run.
pub struct Sample {
    /// Seconds since the first sample.
    pub at: f64,
    pub ms: f64,
    /// Made after a pause long enough that the token must be refreshed.
    pub after_pause: bool,
    /// Successful token-endpoint requests the provider logged during the call.
    pub refreshes: usize,
    /// Milliseconds the provider reported for those requests.
    pub token_ms: f64,
    /// Milliseconds the provider reported for the simulator's introspection
    /// requests during the call (the simulator checks each new token once).
    pub introspection_ms: f64,
}

pub struct Refresh {
    pub samples: Vec<Sample>,
}

impl Refresh {
    /// Calls that refreshed their token first, ms.
    pub fn refreshed(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| s.refreshes > 0)
            .map(|s| s.ms)
            .collect()
    }

    /// Calls that used the token they had, ms.
    pub fn fresh(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| s.refreshes == 0)
            .map(|s| s.ms)
            .collect()
    }

    /// What the provider reported for the token requests of the refreshing calls, ms.
    pub fn token_ms(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| s.refreshes > 0)
            .map(|s| s.token_ms)
            .collect()
    }

    /// What the provider reported for introspecting the new tokens, ms.
    pub fn introspection_ms(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| s.refreshes > 0)
            .map(|s| s.introspection_ms)
            .collect()
    }

    /// Calls after a pause that did not refresh exactly once.
    pub fn stale_not_refreshed_once(&self) -> usize {
        self.samples
            .iter()
            .filter(|s| s.after_pause && s.refreshes != 1)
            .count()
    }

    /// Calls right after a refresh that refreshed again.
    pub fn fresh_but_refreshed(&self) -> usize {
        self.samples
            .iter()
            .filter(|s| !s.after_pause && s.refreshes > 0)
            .count()
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/oidc")
}

/// Removes the temporary home when dropped.
struct TempHome(PathBuf);

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn measure(binary: &Path, samples: usize) -> Result<Refresh, String> {
    let dir = fixtures();
    let node_ok = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success());
    if !node_ok {
        return Err("node is not installed".into());
    }
    if !dir.join("provider.mjs").is_file() {
        return Err(format!("{} is missing", dir.join("provider.mjs").display()));
    }
    if !dir.join("node_modules/oidc-provider").is_dir() {
        eprintln!("  installing the test OpenID provider (npm ci in tests/fixtures/oidc)…");
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .status()
            .await
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("npm ci in tests/fixtures/oidc failed".into());
        }
    }

    // The provider: its stdin is held so that it exits with us; stderr logs one
    // line per request, from which the token refreshes are counted.
    let mut provider = Command::new("node")
        .arg(dir.join("provider.mjs"))
        .args([
            "--port",
            "0",
            "--access-token-ttl",
            "2",
            "--exit-on-stdin-eof",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))?;
    // When each successful token (true) or introspection (false) request was
    // logged, and what it took: a call refreshed when a token request falls inside
    // it (the provider logs before it sends the answer).
    let token_ok: Arc<Mutex<Vec<(Instant, bool, f64)>>> = Arc::default();
    let mut log = BufReader::new(provider.stderr.take().ok_or("no stderr")?).lines();
    let seen = token_ok.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = log.next_line().await {
            // `[oidc-provider-fixture] POST /token -> 200 (3 ms)`
            let token = line.contains("POST /token -> 200");
            if token || line.contains("POST /token/introspection -> 200") {
                let ms = line
                    .rsplit_once('(')
                    .and_then(|(_, t)| t.split_whitespace().next())
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(f64::NAN);
                seen.lock().expect("log").push((Instant::now(), token, ms));
            }
        }
    });
    let mut out = BufReader::new(provider.stdout.take().ok_or("no stdout")?).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), out.next_line())
        .await
        .map_err(|_| "the provider printed no ready line within 30 s")?
        .map_err(|e| e.to_string())?
        .ok_or("the provider exited before it was ready")?;
    let ready: Value = serde_json::from_str(&ready).map_err(|e| format!("ready line: {e}"))?;
    let field = |name: &str| {
        ready[name]
            .as_str()
            .map(str::to_string)
            .ok_or(format!("the ready line has no {name}"))
    };
    let issuer = field("issuer")?;
    let discovery: Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
        .await
        .map_err(|e| format!("discovery: {e}"))?
        .json()
        .await
        .map_err(|e| format!("discovery: {e}"))?;
    let introspection_endpoint = discovery["introspection_endpoint"]
        .as_str()
        .ok_or("discovery has no introspection_endpoint")?
        .to_string();
    let sim = digiusher_sim::Simulator::start(digiusher_sim::SimConfig {
        static_tokens: false,
        provider: Some(digiusher_sim::ProviderAuth {
            issuer: issuer.clone(),
            introspection_endpoint,
            client_id: field("introspection_client_id")?,
            client_secret: field("introspection_client_secret")?,
        }),
        issuer_for_metadata: Some(issuer),
        ..Default::default()
    })
    .await
    .map_err(|e| format!("simulator: {e}"))?;

    let home = TempHome(
        std::env::temp_dir().join(format!("digiusher-bench-refresh-{}", std::process::id())),
    );
    std::fs::create_dir_all(&home.0).map_err(|e| e.to_string())?;
    let env = vec![
        ("HOME".to_string(), home.0.display().to_string()),
        (
            "XDG_CONFIG_HOME".to_string(),
            home.0.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME".to_string(),
            home.0.join(".local/share").display().to_string(),
        ),
        ("DIGIUSHER_API_BASE_URL".to_string(), sim.base_url()),
        ("DIGIUSHER_TOKEN_STORE".to_string(), "file".to_string()),
        ("RUST_LOG".to_string(), "off".to_string()),
    ];
    let login = Command::new(binary)
        .args(["login", "--timeout", "60"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().cloned())
        .env(
            "BROWSER",
            format!("node {}", dir.join("complete-login.mjs").display()),
        )
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let login = tokio::time::timeout(Duration::from_secs(90), login)
        .await
        .map_err(|_| "digiusher-mcp login did not finish within 90 s")?
        .map_err(|e| format!("digiusher-mcp login: {e}"))?;
    if !login.status.success() {
        let err = String::from_utf8_lossy(&login.stderr);
        return Err(format!(
            "digiusher-mcp login failed: {}",
            err.trim().lines().last().unwrap_or("")
        ));
    }

    let server = Server::start(binary, &env).await?;
    server.initialize().await?;
    let args = json!({"pool_id": crate::POOL});
    for _ in 0..3 {
        server.call("get_pool", &args).await?;
    }
    let mut calls = Vec::new();
    let first = Instant::now();
    for _ in 0..samples {
        // Past half of the 2 s lifetime: the next call refreshes first.
        tokio::time::sleep(Duration::from_millis(1300)).await;
        for i in 0..4 {
            let start = Instant::now();
            let ms = server.call("get_pool", &args).await?.0;
            calls.push((start, Instant::now(), ms, i == 0));
        }
    }
    // The reader may lag a moment behind the provider's log.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logged = token_ok.lock().expect("log").clone();
    let samples = calls
        .into_iter()
        .map(|(start, end, ms, after_pause)| {
            let during = |token: bool| {
                logged
                    .iter()
                    .filter(move |(t, is_token, _)| *t >= start && *t <= end && *is_token == token)
                    .map(|(_, _, ms)| *ms)
            };
            Sample {
                at: start.duration_since(first).as_secs_f64(),
                ms,
                after_pause,
                refreshes: during(true).count(),
                token_ms: during(true).fold(0.0, |a, b| a + b),
                introspection_ms: during(false).fold(0.0, |a, b| a + b),
            }
        })
        .collect();
    server.stop().await;
    drop(sim);
    drop(provider);
    Ok(Refresh { samples })
}
