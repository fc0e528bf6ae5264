//! The real OpenID provider (npm oidc-provider, tests/fixtures/oidc) and a "world"
//! around it: a simulator that checks tokens at the provider by introspection, a
//! fresh HOME, and a transcript of everything the binary printed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::*;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oidc")
}

/// The OpenID provider, stopped on drop.
pub struct Provider {
    _child: tokio::process::Child,
    _logs: TempDir,
    pub issuer: String,
    pub rs_id: String,
    pub rs_secret: String,
    pub introspection: String,
    pub revocation: String,
}

impl Provider {
    pub async fn start(args: &[&str]) -> Provider {
        let dir = fixtures();
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the test OpenID provider is not installed: run tests/run (it runs npm ci in {})",
            dir.display()
        );
        // Its stderr goes to a file, read back only if it fails to start.
        let logs = TempDir::new("provider");
        let log = logs.0.join("stderr.log");
        let mut child = tokio::process::Command::new("node")
            .arg(dir.join("provider.mjs"))
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("provider log file"))
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the provider");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let waited = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await;
        let Ok(Ok(Some(line))) = waited else {
            panic!(
                "the OpenID provider printed no ready line ({}); it is {}; its stderr:\n{}",
                match waited {
                    Err(_) => "none within 60 s".to_string(),
                    Ok(Err(e)) => format!("reading its stdout failed: {e}"),
                    Ok(Ok(_)) => "its stdout closed".to_string(),
                },
                match child.try_wait() {
                    Ok(Some(status)) => format!("gone ({status})"),
                    _ => "still running".to_string(),
                },
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        };
        let ready: Value = serde_json::from_str(&line).expect("ready line is JSON");
        let issuer = ready["issuer"].as_str().unwrap().to_string();
        let discovery: Value = http_client()
            .get(format!("{issuer}/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Provider {
            _child: child,
            _logs: logs,
            rs_id: ready["introspection_client_id"]
                .as_str()
                .unwrap()
                .to_string(),
            rs_secret: ready["introspection_client_secret"]
                .as_str()
                .unwrap()
                .to_string(),
            introspection: discovery["introspection_endpoint"]
                .as_str()
                .unwrap()
                .to_string(),
            revocation: discovery["revocation_endpoint"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            issuer,
        }
    }

    pub async fn introspect(&self, token: &str) -> Value {
        http_client()
            .post(&self.introspection)
            .basic_auth(&self.rs_id, Some(&self.rs_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={}", urlencode(token)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A provider, a simulator that trusts it, a fresh HOME, and everything the
/// binary printed (to check for secrets at the end).
pub struct World {
    pub provider: Provider,
    pub sim: Simulator,
    pub home: TempDir,
    pub transcript: Mutex<String>,
    pub store: &'static str,
}

impl World {
    pub async fn new(provider_args: &[&str], store: &'static str) -> World {
        let provider = Provider::start(provider_args).await;
        let sim = Simulator::start(SimConfig {
            static_tokens: false,
            provider: Some(digiusher_sim::ProviderAuth {
                issuer: provider.issuer.clone(),
                introspection_endpoint: provider.introspection.clone(),
                client_id: provider.rs_id.clone(),
                client_secret: provider.rs_secret.clone(),
            }),
            issuer_for_metadata: Some(provider.issuer.clone()),
            ..SimConfig::default()
        })
        .await
        .expect("simulator");
        World {
            provider,
            sim,
            home: TempDir::new("auth"),
            transcript: Mutex::new(String::new()),
            store,
        }
    }

    pub fn env(&self) -> Vec<(String, String)> {
        let home = &self.home.0;
        let mut env = vec![
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_default(),
            ),
            ("HOME".into(), home.display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                home.join(".config").display().to_string(),
            ),
            (
                "XDG_DATA_HOME".into(),
                home.join(".local/share").display().to_string(),
            ),
            ("RUST_BACKTRACE".into(), "0".into()),
            ("RUST_LOG".into(), "debug".into()),
            ("DIGIUSHER_API_BASE_URL".into(), self.sim.base_url()),
            ("DIGIUSHER_TOKEN_STORE".into(), self.store.to_string()),
            (
                "BROWSER".into(),
                fixtures().join("complete-login.mjs").display().to_string(),
            ),
        ];
        if let Ok(bus) = std::env::var("DBUS_SESSION_BUS_ADDRESS") {
            env.push(("DBUS_SESSION_BUS_ADDRESS".into(), bus));
        }
        env
    }

    pub fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(args).env_clear().envs(self.env());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    pub async fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> std::process::Output {
        let out = tokio::time::timeout(Duration::from_secs(90), self.command(args, extra).output())
            .await
            .expect("command finishes")
            .expect("command runs");
        let mut t = self.transcript.lock().unwrap();
        // `token` prints the access token on stdout by design; everything else is checked.
        if args.first() != Some(&"token") {
            t.push_str(&String::from_utf8_lossy(&out.stdout));
        }
        t.push_str(&String::from_utf8_lossy(&out.stderr));
        out
    }

    pub async fn login(&self, extra: &[(&str, &str)]) -> std::process::Output {
        let out = self.run(&["login", "--timeout", "60"], extra).await;
        assert!(
            out.status.success(),
            "login failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub async fn status(&self) -> (Value, i32) {
        let out = self.run(&["status", "--json"], &[]).await;
        let v: Value = serde_json::from_slice(&out.stdout).expect("status --json prints JSON");
        (v, out.status.code().unwrap_or(-1))
    }

    /// The stored credential, read the way a user could.
    pub async fn credential(&self) -> Option<Value> {
        let data = self.home.0.join(".local/share/digiusher-mcp");
        let accounts: Value =
            serde_json::from_str(&std::fs::read_to_string(data.join("accounts.json")).ok()?)
                .ok()?;
        let account = accounts.get("default")?;
        let key = format!(
            "default|{}|{}",
            account["issuer"].as_str()?,
            account["client_id"].as_str()?
        );
        match account["store"].as_str()? {
            "file" => {
                let all: Value = serde_json::from_str(
                    &std::fs::read_to_string(data.join("credentials.json")).ok()?,
                )
                .ok()?;
                all.get(&key).cloned()
            }
            _ => {
                let out = tokio::process::Command::new("secret-tool")
                    .args(["lookup", "service", "digiusher-mcp", "username", &key])
                    .output()
                    .await
                    .ok()?;
                serde_json::from_slice(&out.stdout).ok()
            }
        }
    }

    pub async fn client(&self) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
        self.client_with(&[]).await
    }

    /// A server with extra environment variables.
    pub async fn client_with(
        &self,
        extra: &[(&str, &str)],
    ) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.env_clear().envs(self.env());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let (transport, _) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        ().serve(transport).await.expect("initialize")
    }

    /// No token value the binary handled may appear in anything it printed.
    pub fn assert_no_secrets(&self, secrets: &[String]) {
        let t = self.transcript.lock().unwrap();
        for s in secrets.iter().filter(|s| s.len() >= 8) {
            assert!(!t.contains(s.as_str()), "a secret leaked into the output");
        }
        assert!(
            !t.contains("code_verifier"),
            "the PKCE verifier parameter leaked"
        );
    }
}

pub fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub async fn call_ok(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
) -> rmcp::model::CallToolResult {
    client
        .call_tool(rmcp::model::CallToolRequestParams::new(tool.to_string()))
        .await
        .expect("tools/call")
}

/// Spawn `login --no-browser` from `cmd` and return the child, the authorization URL
/// it printed, and the rest of its stderr.
pub async fn spawn_manual_login(
    mut cmd: tokio::process::Command,
) -> (
    tokio::process::Child,
    String,
    tokio::io::Lines<BufReader<tokio::process::ChildStderr>>,
) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .expect("login prints the URL");
        let t = line.trim();
        if t.starts_with("http") && t.contains("code_challenge=") {
            return (child, t.to_string(), lines);
        }
    }
}

/// One query parameter of `url` (the test fails when it is missing).
pub fn query_param(url: &str, name: &str) -> String {
    let u = reqwest::Url::parse(url).unwrap();
    u.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}
