//! Shared test harness: an API simulator in-process and the real `digiusher-mcp`
//! binary driven over stdio by rmcp's own MCP client.

pub mod oidc;

use std::process::Stdio;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};

pub use digiusher_sim::{LoggedRequest, SimConfig, Simulator};

pub const ACME: &str = "a0000000-0000-4000-8000-000000000001";
pub const BETA: &str = "b0000000-0000-4000-8000-000000000001";
pub const DELTA: &str = "d0000000-0000-4000-8000-000000000001";
pub const ACME_ROOT_POOL: &str = "a1000000-0000-4000-8000-000000000001";
pub const ENGINEERING: &str = "a1000000-0000-4000-8000-000000000002";
pub const PLATFORM: &str = "a1000000-0000-4000-8000-000000000003";
pub const AWS_PRODUCTION: &str = "a2000000-0000-4000-8000-000000000001";
pub const WEB_1: &str = "a4000000-0000-4000-8000-000000000001";
pub const ALICE_ACME: &str = "a3000000-0000-4000-8000-000000000001";
pub const NSM_KEY: &str = "a7000000-0000-4000-8000-000000000001";
pub const ANOMALY: &str = "a5000000-0000-4000-8000-000000000001";

pub const BIN: &str = env!("CARGO_BIN_EXE_digiusher-mcp");

/// A simulator and one server process connected to it.
pub struct Harness {
    pub sim: Simulator,
    pub client: RunningService<RoleClient, ()>,
    http: reqwest::Client,
    _home: TempDir,
}

/// Options for starting the server.
pub struct Options {
    pub token: Option<&'static str>,
    pub extra_env: Vec<(&'static str, String)>,
    pub args: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            token: Some("sim-alice"),
            extra_env: Vec::new(),
            args: Vec::new(),
        }
    }
}

/// What a test needs besides Rust and the simulator.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Node.js and the npm packages of tests/fixtures/oidc or tests/clients.
    Node,
    /// The Python venv of tests/clients.
    Python,
    /// Headless Chromium.
    Chromium,
    /// A Secret Service keychain on a D-Bus session.
    SecretService,
    /// `/bin/sh` scripts and POSIX tools.
    PosixShell,
}

/// The switch for systems where only Rust runs (the macOS and Windows CI jobs):
/// `DIGIUSHER_TEST_RUST_ONLY=<why>` skips every test that needs anything in
/// [`Need`], printing the test, what it needs and why, and adding the same line to
/// the file `DIGIUSHER_TEST_SKIP_LOG` names, so the job can list what it skipped.
/// Unset (tests/run, Linux CI), every test runs and a missing partner fails it.
pub fn skip(needs: &[Need]) -> bool {
    let Some(why) = std::env::var_os("DIGIUSHER_TEST_RUST_ONLY") else {
        return false;
    };
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!(
        "skipped {test}: needs {needs:?}; DIGIUSHER_TEST_RUST_ONLY={}",
        why.to_string_lossy()
    );
    eprintln!("{line}");
    if let Some(log) = std::env::var_os("DIGIUSHER_TEST_SKIP_LOG") {
        use std::io::Write;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log);
        if let Ok(mut file) = file {
            let _ = writeln!(file, "{line}");
        }
    }
    true
}

pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The binary with a clean environment: PATH, the fresh `home` as HOME and XDG
/// directories (USERPROFILE and APPDATA on Windows; no user config, no keychain
/// bus), no backtraces, the API at `api_base`.
pub fn binary(home: &std::path::Path, api_base: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("USERPROFILE", home)
        .env("APPDATA", home.join("AppData").join("Roaming"))
        .env("RUST_BACKTRACE", "0")
        .env("DIGIUSHER_API_BASE_URL", api_base);
    // macOS and Windows always have a desktop to open a browser on; a sign-in a
    // test starts must not open the runner's. A $BROWSER that cannot start makes it
    // answer with the link, as on Linux without a display.
    if !cfg!(target_os = "linux") {
        cmd.env("BROWSER", "digiusher-test-no-browser");
    }
    // Windows programs need these to start sockets and find temporary folders.
    if cfg!(windows) {
        for name in ["SYSTEMROOT", "WINDIR", "TEMP", "TMP"] {
            if let Some(value) = std::env::var_os(name) {
                cmd.env(name, value);
            }
        }
    }
    cmd
}

/// The tools the binary serves, as `digiusher-mcp tools --json` prints their
/// definitions: its catalog, read once per test run. Tests that list tools compare
/// with this instead of a copy, so a tool added to the catalog needs no edit here.
pub fn catalog() -> &'static [Value] {
    static CATALOG: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        let home = TempDir::new("catalog");
        let out = binary(&home.0, "https://digiusher.invalid")
            .into_std()
            .args(["tools", "--json"])
            .output()
            .expect("run digiusher-mcp tools --json");
        assert!(
            out.status.success(),
            "digiusher-mcp tools --json failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let tools: Vec<Value> =
            serde_json::from_slice(&out.stdout).expect("tools --json prints a JSON array");
        assert!(
            !tools.is_empty(),
            "digiusher-mcp tools --json lists no tool"
        );
        tools
    })
}

/// The names of [`catalog`], in catalog order.
pub fn catalog_names() -> Vec<&'static str> {
    catalog()
        .iter()
        .map(|t| t["name"].as_str().expect("every tool has a name"))
        .collect()
}

/// The program's data folder under a fresh `home` on this system (as `binary`
/// sets the environment): where accounts.json and credentials.json are.
pub fn app_data(home: &std::path::Path) -> std::path::PathBuf {
    if cfg!(target_os = "macos") {
        home.join("Library/Application Support/com.DigiUsher.digiusher-mcp")
    } else if cfg!(windows) {
        home.join(r"AppData\Roaming\DigiUsher\digiusher-mcp\data")
    } else {
        home.join(".local/share/digiusher-mcp")
    }
}

/// The program's config folder under a fresh `home` on this system: where
/// config.toml and registrations.json are.
pub fn app_config(home: &std::path::Path) -> std::path::PathBuf {
    if cfg!(target_os = "macos") {
        app_data(home)
    } else if cfg!(windows) {
        home.join(r"AppData\Roaming\DigiUsher\digiusher-mcp\config")
    } else {
        home.join(".config/digiusher-mcp")
    }
}

/// Whether the OS keychain tests can run: a D-Bus session is there. Without one
/// they are skipped, unless `DIGIUSHER_TEST_KEYCHAIN=required` (as tests/run
/// sets), which fails them.
pub fn keychain_session() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        return true;
    }
    let required = std::env::var("DIGIUSHER_TEST_KEYCHAIN").is_ok_and(|v| v == "required");
    assert!(
        !required,
        "DIGIUSHER_TEST_KEYCHAIN=required but no D-Bus session: run the tests with tests/run"
    );
    eprintln!("skipped: no D-Bus session bus (tests/run provides one with gnome-keyring)");
    false
}

/// The server command with a clean environment: a fresh HOME, no user config.
pub fn server_command(
    base_url: &str,
    home: &std::path::Path,
    opts: &Options,
) -> tokio::process::Command {
    let mut cmd = binary(home, base_url);
    cmd.args(&opts.args).env("DIGIUSHER_REQUEST_TIMEOUT", "5");
    if let Some(t) = opts.token {
        cmd.env("DIGIUSHER_TOKEN", t);
    }
    for (k, v) in &opts.extra_env {
        cmd.env(k, v);
    }
    cmd
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::with(Options::default()).await
    }

    pub async fn with(opts: Options) -> Harness {
        let sim = Simulator::start(SimConfig::default())
            .await
            .expect("simulator starts");
        let home = TempDir::new("home");
        let cmd = server_command(&sim.base_url(), &home.0, &opts);
        let (transport, _stderr) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let client = ().serve(transport).await.expect("MCP initialize succeeds");
        Harness {
            sim,
            client,
            http: http_client(),
            _home: home,
        }
    }

    pub async fn call(&self, tool: &str, args: Value) -> CallToolResult {
        let args: Map<String, Value> = match args {
            Value::Object(m) => m,
            other => panic!("arguments must be an object, got {other}"),
        };
        let r = self
            .client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
            .await
            .unwrap_or_else(|e| panic!("tools/call {tool} failed at the protocol level: {e}"));
        check_structured(tool, &r);
        r
    }

    /// Call and expect success; returns the JSON of content[0].
    pub async fn ok(&self, tool: &str, args: Value) -> (Value, CallToolResult) {
        let r = self.call(tool, args).await;
        assert_ne!(
            r.is_error,
            Some(true),
            "{tool} failed: {}",
            texts(&r).join(" | ")
        );
        let v: Value = serde_json::from_str(&texts(&r)[0]).expect("content[0] is JSON");
        (v, r)
    }

    /// Call and expect a tool error; returns its message.
    pub async fn err(&self, tool: &str, args: Value) -> String {
        let r = self.call(tool, args).await;
        assert_eq!(
            r.is_error,
            Some(true),
            "{tool} should fail: {}",
            texts(&r).join(" | ")
        );
        texts(&r).join(" ")
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.sim.requests()
    }

    pub fn clear(&self) {
        self.sim.clear_requests()
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("simulator control call");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
    }

    pub async fn fault(&self, rule: Value) {
        self.control(reqwest::Method::POST, "/__sim/faults", Some(rule))
            .await
    }

    pub async fn routes(&self, body: Value) {
        self.control(reqwest::Method::POST, "/__sim/routes", Some(body))
            .await
    }

    pub async fn options(&self, body: Value) {
        self.control(reqwest::Method::POST, "/__sim/options", Some(body))
            .await
    }
}

/// All text blocks of a result.
pub fn texts(r: &CallToolResult) -> Vec<String> {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

/// `(key, value)` pairs as owned strings, for comparing with the log.
pub fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The single request the simulator saw, checked for method and path.
pub fn only_request(h: &Harness, method: &str, path: &str) -> LoggedRequest {
    let log = h.requests();
    assert_eq!(log.len(), 1, "expected one request, got {log:#?}");
    let r = log.into_iter().next().unwrap();
    assert_eq!(r.method, method);
    assert_eq!(r.path, path);
    assert_eq!(r.subject.as_deref(), Some("alice"));
    r
}

pub fn header<'a>(r: &'a LoggedRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The hosts `setup` knows, as the binary lists them (`setup --list`), so that a
/// new host is checked without a test naming it.
pub fn setup_hosts() -> Vec<String> {
    let out = std::process::Command::new(BIN)
        .args(["setup", "--list"])
        .output()
        .expect("setup --list runs");
    assert!(out.status.success(), "setup --list: {out:?}");
    let hosts: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(hosts.len() >= 4, "setup --list: {hosts:?}");
    hosts
}

/// A directory removed at drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "digiusher-mcp-it-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn empty() -> Value {
    json!({})
}

/// The server driven with raw JSON-RPC lines, to see every byte it writes.
pub struct RawServer {
    pub child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    /// Every line the server wrote to stdout so far.
    pub stdout_lines: Vec<String>,
    /// stderr, drained continuously so that the server never blocks on it.
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    stderr_task: tokio::task::JoinHandle<()>,
    /// Kept until the server is gone: its HOME.
    _home: TempDir,
}

impl RawServer {
    pub async fn start(base_url: &str, opts: Options) -> RawServer {
        use tokio::io::AsyncBufReadExt;
        let home = TempDir::new("raw");
        let mut cmd = server_command(base_url, &home.0, &opts);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut err_lines = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
        let sink = stderr.clone();
        let stderr_task = tokio::spawn(async move {
            while let Ok(Some(line)) = err_lines.next_line().await {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        RawServer {
            child,
            stdin,
            stdout,
            stdout_lines: Vec::new(),
            stderr,
            stderr_task,
            _home: home,
        }
    }

    pub async fn send(&mut self, message: Value) {
        use tokio::io::AsyncWriteExt;
        let mut line = message.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to server");
        self.stdin.flush().await.expect("flush");
    }

    /// Read lines until the response with `id`; returns it and the notifications before it.
    pub async fn until_response(&mut self, id: i64) -> (Value, Vec<Value>) {
        let mut notes = Vec::new();
        loop {
            let line =
                tokio::time::timeout(std::time::Duration::from_secs(20), self.stdout.next_line())
                    .await
                    .expect("server answers in time")
                    .expect("read stdout")
                    .expect("server still running");
            self.stdout_lines.push(line.clone());
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            assert_eq!(v["jsonrpc"], "2.0", "{line}");
            if v.get("id") == Some(&Value::from(id)) && v.get("method").is_none() {
                return (v, notes);
            }
            notes.push(v);
        }
    }

    pub async fn initialize(&mut self) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw-test", "version": "1"}}}))
            .await;
        let (r, _) = self.until_response(0).await;
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        r
    }

    pub async fn call(&mut self, id: i64, tool: &str, args: Value, meta: Option<Value>) {
        let mut params = json!({"name": tool, "arguments": args});
        if let Some(m) = meta {
            params["_meta"] = m;
        }
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}))
            .await;
    }

    /// Close stdin and collect the rest of stdout and all of stderr.
    pub async fn finish(mut self) -> (Vec<String>, String, std::process::ExitStatus) {
        drop(self.stdin);
        while let Ok(Some(line)) = self.stdout.next_line().await {
            self.stdout_lines.push(line);
        }
        let status = tokio::time::timeout(std::time::Duration::from_secs(5), self.child.wait())
            .await
            .expect("server exits after stdin closes")
            .expect("wait");
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), self.stderr_task).await;
        let err = self.stderr.lock().unwrap().clone();
        (self.stdout_lines, err, status)
    }
}

/// Every result: `structuredContent` is present exactly when the call succeeded and
/// content[0] is a JSON object, and then equals it; no `_meta` of ours on the wire.
fn check_structured(tool: &str, r: &CallToolResult) {
    assert!(
        r.meta.is_none(),
        "{tool}: unexpected _meta on the result: {:?}",
        r.meta
    );
    let first: Option<Value> = r
        .content
        .first()
        .and_then(|c| c.as_text())
        .and_then(|t| serde_json::from_str(&t.text).ok());
    match (&r.structured_content, first) {
        (Some(sc), Some(first)) => {
            assert_ne!(
                r.is_error,
                Some(true),
                "{tool}: error with structuredContent"
            );
            assert!(sc.is_object(), "{tool}: structuredContent is not an object");
            assert_eq!(
                sc, &first,
                "{tool}: structuredContent differs from content[0]"
            );
        }
        (Some(sc), None) => panic!("{tool}: structuredContent without JSON text: {sc}"),
        (None, Some(first)) => assert!(
            r.is_error == Some(true) || !first.is_object(),
            "{tool}: a JSON object result without structuredContent"
        ),
        (None, None) => {}
    }
}
