//! A digiusher-mcp process driven over stdio, with responses matched to requests.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Mutex, Semaphore, oneshot};

type Pending = Arc<std::sync::Mutex<HashMap<i64, oneshot::Sender<Value>>>>;

struct Inner {
    child: Mutex<Child>,
    stdin: Mutex<ChildStdin>,
    pending: Pending,
    next: AtomicI64,
    /// Responses whose id matched no waiting request (or came twice).
    unmatched: Arc<AtomicUsize>,
    pid: u32,
}

#[derive(Clone)]
pub struct Server(Arc<Inner>);

fn command(binary: &Path, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    cmd
}

fn initialize_line(id: i64) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
    .to_string()
        + "\n"
}

/// Spawn, send initialize, initialized and tools/list at once; time both answers.
pub async fn cold_start_once(binary: &Path, env: &[(String, String)]) -> (f64, f64) {
    let started = Instant::now();
    let mut child = command(binary, env).spawn().expect("spawn the server");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut batch = initialize_line(0);
    batch.push_str("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
    batch.push_str("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n");
    stdin.write_all(batch.as_bytes()).await.expect("write");
    let (mut init, mut list) = (f64::NAN, f64::NAN);
    while let Ok(Some(line)) = lines.next_line().await {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let v: Value = serde_json::from_str(&line).expect("JSON-RPC line");
        match v["id"].as_i64() {
            Some(0) => init = ms,
            Some(1) => {
                list = ms;
                break;
            }
            _ => {}
        }
    }
    drop(stdin);
    let _ = child.wait().await;
    (init, list)
}

impl Server {
    pub async fn start(binary: &Path, env: &[(String, String)]) -> Server {
        let mut child = command(binary, env).spawn().expect("spawn the server");
        let pid = child.id().unwrap_or(0);
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let pending: Pending = Arc::default();
        let unmatched = Arc::new(AtomicUsize::new(0));
        let (p, u) = (pending.clone(), unmatched.clone());
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    u.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let Some(id) = v["id"].as_i64() else { continue };
                let waiter = p.lock().ok().and_then(|mut m| m.remove(&id));
                match waiter {
                    Some(tx) => {
                        let _ = tx.send(v);
                    }
                    None => {
                        u.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        Server(Arc::new(Inner {
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
            pending,
            next: AtomicI64::new(1),
            unmatched,
            pid,
        }))
    }

    async fn request(&self, method: &str, params: Value) -> Value {
        let id = self.0.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        if let Ok(mut m) = self.0.pending.lock() {
            m.insert(id, tx);
        }
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
            .to_string()
            + "\n";
        self.0
            .stdin
            .lock()
            .await
            .write_all(line.as_bytes())
            .await
            .expect("write");
        let v = tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .expect("answer in time")
            .expect("answer");
        assert_eq!(v["id"].as_i64(), Some(id), "response id matches");
        v
    }

    pub async fn initialize(&self) {
        self.request("initialize", json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}))
            .await;
        let line = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
        self.0
            .stdin
            .lock()
            .await
            .write_all(line.as_bytes())
            .await
            .expect("write");
    }

    /// One tool call; returns its latency in ms (panics on a failed call).
    pub async fn call_timed(&self, tool: &str, args: &Value) -> f64 {
        let t = Instant::now();
        let v = self
            .request("tools/call", json!({"name": tool, "arguments": args}))
            .await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        assert!(
            is_ok(&v),
            "{tool} failed: {}",
            &v.to_string()[..v.to_string().len().min(300)]
        );
        ms
    }

    /// `n` calls with at most `in_flight` outstanding: (errors, unmatched responses).
    pub async fn burst(
        &self,
        tool: &str,
        args: &Value,
        n: usize,
        in_flight: usize,
    ) -> (usize, usize) {
        let before = self.0.unmatched.load(Ordering::Relaxed);
        let sem = Arc::new(Semaphore::new(in_flight));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n {
            let permit = sem.clone().acquire_owned().await.expect("semaphore");
            let (s, tool, args) = (self.clone(), tool.to_string(), args.clone());
            tasks.spawn(async move {
                let v = s
                    .request("tools/call", json!({"name": tool, "arguments": args}))
                    .await;
                drop(permit);
                is_ok(&v)
            });
        }
        let mut errors = 0;
        while let Some(r) = tasks.join_next().await {
            if !matches!(r, Ok(true)) {
                errors += 1;
            }
        }
        (errors, self.0.unmatched.load(Ordering::Relaxed) - before)
    }

    /// (VmRSS, VmHWM) in KiB.
    pub fn memory_kib(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.pid)).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }

    pub async fn stop(self) {
        let mut child = self.0.child.lock().await;
        let _ = child.kill().await;
    }
}

fn is_ok(v: &Value) -> bool {
    v.get("error").is_none() && v["result"]["isError"] != Value::Bool(true)
}

/// Calls that must refresh first, and calls with a fresh token, in ms, against the
/// test OpenID provider with 2-second access tokens.
pub async fn refresh_samples(binary: &Path) -> Result<(Vec<f64>, Vec<f64>), String> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/oidc");
    if !fixtures.join("node_modules/oidc-provider").is_dir() {
        return Err("the test OpenID provider is not installed (run tests/run or npm ci in tests/fixtures/oidc)".into());
    }
    let mut provider = Command::new("node")
        .arg(fixtures.join("provider.mjs"))
        .args(["--port", "0", "--access-token-ttl", "2", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))?;
    let mut lines = BufReader::new(provider.stdout.take().ok_or("no stdout")?).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .map_err(|_| "the provider did not start")?
        .map_err(|e| e.to_string())?
        .ok_or("the provider printed nothing")?;
    let ready: Value = serde_json::from_str(&ready).map_err(|e| e.to_string())?;
    let issuer = ready["issuer"].as_str().ok_or("no issuer")?.to_string();
    let discovery: Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let sim = digiusher_sim::Simulator::start(digiusher_sim::SimConfig {
        static_tokens: false,
        provider: Some(digiusher_sim::ProviderAuth {
            issuer: issuer.clone(),
            introspection_endpoint: discovery["introspection_endpoint"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            client_id: ready["introspection_client_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            client_secret: ready["introspection_client_secret"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        }),
        issuer_for_metadata: Some(issuer),
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let home = std::env::temp_dir().join(format!("digiusher-bench-refresh-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    let env = vec![
        ("HOME".to_string(), home.display().to_string()),
        (
            "XDG_CONFIG_HOME".to_string(),
            home.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME".to_string(),
            home.join(".local/share").display().to_string(),
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
            format!("node {}", fixtures.join("complete-login.mjs").display()),
        )
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| e.to_string())?;
    if !login.status.success() {
        return Err(format!(
            "login failed: {}",
            String::from_utf8_lossy(&login.stderr)
        ));
    }
    let server = Server::start(binary, &env).await;
    server.initialize().await;
    let args = json!({"pool_id": super::POOL});
    server.call_timed("get_pool", &args).await;
    let (mut stale, mut fresh) = (Vec::new(), Vec::new());
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(1300)).await;
        stale.push(server.call_timed("get_pool", &args).await);
        fresh.push(server.call_timed("get_pool", &args).await);
    }
    server.stop().await;
    let _ = std::fs::remove_dir_all(&home);
    let _ = provider.kill().await;
    Ok((stale, fresh))
}
