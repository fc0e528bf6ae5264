//! The two most used MCP hosts that install from npm, run for real against the
//! binary: Claude Code (`claude mcp add/list/get`, a headless `claude -p` session
//! whose model is a stand-in on 127.0.0.1, a prompt as a slash command) and Codex
//! (`codex app-server`, JSON-RPC with no model: tools, a call, the sign-in by URL
//! elicitation against the test provider). Exact versions are in
//! tests/hosts/package.json; `tests/run` installs them.
//!
//! Every host runs with a fresh HOME and a clean environment, with its update
//! checks, telemetry and error reports turned off, and any model traffic pointed
//! at 127.0.0.1: nothing leaves the machine.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::oidc::{World, fixtures};
use crate::common::*;

fn hosts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hosts")
}

fn installed(name: &str) -> PathBuf {
    let path = hosts_dir().join("node_modules/.bin").join(name);
    assert!(
        path.exists(),
        "{} is missing. Run `tests/run` from the repository root: it installs the hosts \
         in tests/hosts/.",
        path.display()
    );
    path
}

/// The environment of a host: nothing inherited but PATH, a HOME of its own, and
/// every switch that keeps it off the network. `extra` is added last.
fn host_env(home: &Path, extra: &[(&str, String)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        ("HOME".into(), home.display().to_string()),
        (
            "XDG_CONFIG_HOME".into(),
            home.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME".into(),
            home.join(".local/share").display().to_string(),
        ),
        (
            "XDG_CACHE_HOME".into(),
            home.join(".cache").display().to_string(),
        ),
        (
            "CODEX_HOME".into(),
            home.join(".codex").display().to_string(),
        ),
        ("RUST_BACKTRACE".into(), "0".into()),
        // Claude Code: no updater, telemetry, error reports or other side traffic.
        ("DISABLE_AUTOUPDATER".into(), "1".into()),
        ("DISABLE_TELEMETRY".into(), "1".into()),
        ("DISABLE_ERROR_REPORTING".into(), "1".into()),
        (
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC".into(),
            "1".into(),
        ),
        // MCP tools go to the model directly, not behind a tool-search step.
        ("ENABLE_TOOL_SEARCH".into(), "false".into()),
        // A model API nobody listens on, unless a test points it at its stand-in.
        ("ANTHROPIC_BASE_URL".into(), "http://127.0.0.1:9".into()),
        ("ANTHROPIC_API_KEY".into(), "sk-ant-test-dummy".into()),
    ];
    if let Ok(bus) = std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        env.push(("DBUS_SESSION_BUS_ADDRESS".into(), bus));
    }
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push((k.to_string(), v.clone()));
    }
    env
}

/// Runs a host command to its end; its stdout and stderr together.
async fn run_host(program: &Path, args: &[&str], env: &[(String, String)], cwd: &Path) -> String {
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(program)
            .args(args)
            .env_clear()
            .envs(env.iter().cloned())
            .current_dir(cwd)
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{} {args:?} finishes", program.display()))
    .expect("host runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{text}",
        program.display()
    );
    text
}

/// The server's prompts and tools, as its own client sees them.
async fn catalog() -> (Vec<String>, usize) {
    let h = Harness::start().await;
    let prompts = h.client.list_all_prompts().await.expect("prompts/list");
    let tools = h.client.list_all_tools().await.expect("tools/list");
    let names = prompts.into_iter().map(|p| p.name.to_string()).collect();
    (names, tools.len())
}

// ---- Claude Code ---------------------------------------------------------------

/// The model stand-in (tests/hosts/model_standin.mjs) on 127.0.0.1: it asks for
/// one call of `tool`, then answers with the tool's result.
struct Standin {
    child: tokio::process::Child,
    port: u16,
    log: PathBuf,
}

impl Standin {
    async fn start(tool: &str, dir: &Path) -> Standin {
        let log = dir.join("standin.jsonl");
        let mut child = tokio::process::Command::new("node")
            .arg(hosts_dir().join("model_standin.mjs"))
            .env("STANDIN_TOOL", tool)
            .env("STANDIN_LOG", &log)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the stand-in");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("the stand-in starts")
            .unwrap()
            .expect("the stand-in prints its port");
        let port: Value = serde_json::from_str(&first).unwrap();
        Standin {
            child,
            port: port["port"].as_u64().unwrap() as u16,
            log,
        }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request the host made to the model.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// A Claude Code user with its own HOME and a project folder, and the server
/// added under `digiusher` with alice's token against `sim`.
struct ClaudeUser {
    home: TempDir,
    project: PathBuf,
    env: Vec<(String, String)>,
}

impl ClaudeUser {
    fn new(sim: &Simulator, extra: &[(&str, String)]) -> ClaudeUser {
        let home = TempDir::new("claude-code");
        let project = home.0.join("project");
        std::fs::create_dir_all(&project).unwrap();
        let mut all = vec![
            ("DIGIUSHER_API_BASE_URL", sim.base_url()),
            ("DIGIUSHER_TOKEN", "sim-alice".to_string()),
        ];
        all.extend(extra.iter().cloned());
        let env = host_env(&home.0, &all);
        ClaudeUser { home, project, env }
    }

    async fn claude(&self, args: &[&str]) -> String {
        run_host(&installed("claude"), args, &self.env, &self.project).await
    }

    /// A headless session: its stream-json events.
    async fn print(&self, standin: &Standin, prompt: &str) -> Vec<Value> {
        let mut env = self.env.clone();
        env.retain(|(k, _)| k != "ANTHROPIC_BASE_URL");
        env.push(("ANTHROPIC_BASE_URL".into(), standin.base_url()));
        let args = [
            "-p",
            prompt,
            "--output-format",
            "stream-json",
            "--verbose",
            "--allowedTools",
            "mcp__digiusher",
        ];
        let out = run_host(&installed("claude"), &args, &env, &self.project).await;
        out.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_code_connects_to_the_server_added_by_mcp_add_and_by_setup() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let user = ClaudeUser::new(&sim, &[]);
    user.claude(&["mcp", "add", "-s", "user", "digiusher", "--", BIN])
        .await;
    let list = user.claude(&["mcp", "list"]).await;
    assert!(
        list.contains("digiusher:") && list.contains("✔ Connected"),
        "{list}"
    );
    let get = user.claude(&["mcp", "get", "digiusher"]).await;
    assert!(get.contains("Status: ✔ Connected"), "{get}");

    // `setup claude-code` writes the same entry itself.
    let other = ClaudeUser::new(&sim, &[]);
    let setup = run_host(
        Path::new(BIN),
        &["setup", "claude-code"],
        &other.env,
        &other.project,
    )
    .await;
    assert!(setup.contains(".claude.json"), "{setup}");
    let get = other.claude(&["mcp", "get", "digiusher"]).await;
    assert!(get.contains("Status: ✔ Connected"), "{get}");
    assert!(get.contains(BIN), "{get}");
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_code_calls_a_tool_for_the_model_and_lists_the_prompts() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let user = ClaudeUser::new(&sim, &[]);
    let log = user.home.0.join("server.log");
    let log_arg = log.display().to_string();
    user.claude(&[
        "mcp",
        "add",
        "-s",
        "user",
        "digiusher",
        "--",
        BIN,
        "--log-file",
        &log_arg,
    ])
    .await;
    let standin = Standin::start("mcp__digiusher__list_organizations", &user.home.0).await;
    let events = user
        .print(&standin, "Which DigiUsher organizations do I have?")
        .await;

    let init = events
        .iter()
        .find(|e| e["type"] == "system" && e["subtype"] == "init")
        .expect("an init event");
    assert_eq!(
        init["mcp_servers"],
        json!([{"name": "digiusher", "status": "connected", "source": "user"}]),
        "{init}"
    );
    let (prompts, tools) = catalog().await;
    let offered: Vec<&str> = init["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str()?.strip_prefix("mcp__digiusher__"))
        .collect();
    assert_eq!(offered.len(), tools, "{offered:?}");
    let commands: Vec<&str> = init["slash_commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str()?.strip_prefix("mcp__digiusher__"))
        .collect();
    assert_eq!(commands, prompts, "the prompts are slash commands");

    // The tool ran through the server and its answer is the simulator's data.
    let result = events
        .iter()
        .find(|e| e["type"] == "result")
        .expect("a result event");
    let text = result["result"].as_str().unwrap_or_default();
    assert!(text.starts_with("TOOL RESULT: "), "{result}");
    let data: Value = serde_json::from_str(&text["TOOL RESULT: ".len()..]).unwrap();
    let names: Vec<&str> = data["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Corp", "Beta Labs"]);
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path == "/restapi/v2/organizations"),
        "the call reached the API"
    );
    assert!(!standin.requests().is_empty());
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("tool call done"), "the server logged: {text}");
    assert!(!text.contains("WARN") && !text.contains("ERROR"), "{text}");
}

/// Claude Code splits a prompt command's words at spaces: "Acme Corp 2025-05"
/// arrives as organization "Acme" and month "Corp". The prompt still renders,
/// with the organization found from its first word and a note on the month.
#[tokio::test(flavor = "multi_thread")]
async fn claude_code_runs_a_prompt_whose_words_it_split() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let user = ClaudeUser::new(&sim, &[]);
    user.claude(&["mcp", "add", "-s", "user", "digiusher", "--", BIN])
        .await;
    let standin = Standin::start("none", &user.home.0).await;
    user.print(
        &standin,
        "/mcp__digiusher__monthly_cost_review Acme Corp 2025-05",
    )
    .await;
    let sent = serde_json::to_string(&standin.requests()).unwrap();
    assert!(
        sent.contains(r#"Run the monthly cost review of the DigiUsher organization \"Acme Corp\""#),
        "the prompt reached the model: {sent}"
    );
    assert!(
        sent.contains(r#"Check the argument month first: it was given as \"Corp\""#),
        "{sent}"
    );
}

/// Claude Code 2.1 opens with `server/discover` (MCP 2026-07-28) and declares URL
/// elicitation, so a signed-out question gets the sign-in link in an
/// input-required result. A headless `claude -p` session has nobody to show it
/// to and declines at once: the answer is the declined error, no browser opens
/// and nothing is stored.
#[tokio::test(flavor = "multi_thread")]
async fn claude_code_gets_the_sign_in_link_in_rounds_and_headless_declines_it() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let count = world.home.0.join("browser-starts");
    let browser = world.home.0.join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho started >> '{}'\n", count.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let project = world.home.0.join("project");
    std::fs::create_dir_all(&project).unwrap();
    // The server inherits Claude Code's environment: the world's settings go there.
    let inherited = [
        "PATH",
        "HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "BROWSER",
    ];
    let mut extra: Vec<(&str, String)> = Vec::new();
    let world_env = world.env();
    for (k, v) in &world_env {
        if !inherited.contains(&k.as_str()) {
            extra.push((k.as_str(), v.clone()));
        }
    }
    extra.push(("BROWSER", browser.display().to_string()));
    let user = ClaudeUser {
        env: host_env(&world.home.0, &extra),
        project,
        home: TempDir::new("claude-code-unused"),
    };
    let log = world.home.0.join("server.log");
    let log_arg = log.display().to_string();
    user.claude(&[
        "mcp",
        "add",
        "-s",
        "user",
        "digiusher",
        "--",
        BIN,
        "--log-file",
        &log_arg,
    ])
    .await;
    let standin = Standin::start("mcp__digiusher__list_organizations", &world.home.0).await;
    let events = user
        .print(&standin, "Which DigiUsher organizations do I have?")
        .await;
    let result = events
        .iter()
        .find(|e| e["type"] == "result")
        .expect("a result event");
    let text = result["result"].as_str().unwrap_or_default();
    assert!(
        text.contains("Sign-in to DigiUsher was declined"),
        "{result}"
    );
    let server_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        server_log.contains("sign-in: handing the link to the host"),
        "the link went out in an input-required result: {server_log}"
    );
    assert!(
        server_log.contains("sign-in: declined in the host"),
        "{server_log}"
    );
    assert!(!count.exists(), "no browser was opened");
    assert!(world.credential().await.is_none(), "nothing is stored");
}

// ---- Codex ---------------------------------------------------------------------

/// `codex app-server` on JSON-RPC over stdio: requests by id, server requests
/// answered by `answer`, everything else kept.
struct AppServer {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    next_id: i64,
    /// Notifications and server requests seen so far.
    seen: Vec<Value>,
}

impl AppServer {
    async fn start(env: &[(String, String)], cwd: &Path) -> AppServer {
        let mut child = tokio::process::Command::new(installed("codex"))
            .arg("app-server")
            .env_clear()
            .envs(env.iter().cloned())
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("codex app-server starts");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut app = AppServer {
            child,
            stdin,
            lines,
            next_id: 0,
            seen: Vec::new(),
        };
        let init = app
            .request(
                "initialize",
                json!({"clientInfo": {"name": "digiusher-tests", "title": null, "version": "1"}, "capabilities": null}),
                &mut |_| None,
            )
            .await;
        assert!(init.get("result").is_some(), "{init}");
        app.send(json!({"method": "initialized"})).await;
        app
    }

    async fn send(&mut self, message: Value) {
        let line = format!("{message}\n");
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Send a request and read until its answer; a server request in between is
    /// answered with what `answer` returns for it (or an error).
    async fn request(
        &mut self,
        method: &str,
        params: Value,
        answer: &mut dyn FnMut(&Value) -> Option<Value>,
    ) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"id": id, "method": method, "params": params}))
            .await;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let line = tokio::time::timeout_at(deadline.into(), self.lines.next_line())
                .await
                .unwrap_or_else(|_| panic!("codex answers {method} in time; saw {:?}", self.seen))
                .unwrap()
                .expect("codex app-server still running");
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
            if let (Some(_), Some(request_id)) = (message.get("method"), message.get("id")) {
                let reply = match answer(&message) {
                    Some(result) => json!({"id": request_id, "result": result}),
                    None => {
                        json!({"id": request_id, "error": {"code": -32601, "message": "not handled by the test"}})
                    }
                };
                self.send(reply).await;
            }
            self.seen.push(message);
        }
    }
}

impl Drop for AppServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// A Codex user with a fresh HOME whose config keeps Codex off the network, and
/// the server added with `codex mcp add` and `server_env`.
async fn codex_user(
    home: &Path,
    server_env: &[(String, String)],
    server_args: &[&str],
) -> Vec<(String, String)> {
    let codex_home = home.join(".codex");
    std::fs::create_dir_all(&codex_home).unwrap();
    std::fs::write(
        codex_home.join("config.toml"),
        "check_for_update_on_startup = false\n\
         model_provider = \"standin\"\n\n\
         [model_providers.standin]\n\
         name = \"stand-in\"\n\
         base_url = \"http://127.0.0.1:9/v1\"\n\
         wire_api = \"responses\"\n\n\
         [analytics]\nenabled = false\n\n\
         [feedback]\nenabled = false\n",
    )
    .unwrap();
    let env = host_env(home, &[]);
    let mut args = vec!["mcp".to_string(), "add".into(), "digiusher".into()];
    for (k, v) in server_env {
        args.push("--env".into());
        args.push(format!("{k}={v}"));
    }
    args.extend(["--".into(), BIN.into()]);
    args.extend(server_args.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_host(&installed("codex"), &args, &env, home).await;
    env
}

/// A thread, the server's status in it once ready, and the app-server.
async fn codex_thread(env: &[(String, String)], cwd: &Path) -> (AppServer, String, Value) {
    let mut app = AppServer::start(env, cwd).await;
    let thread = app.request("thread/start", json!({}), &mut |_| None).await;
    let thread_id = thread["result"]["thread"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{thread}"))
        .to_string();
    let started = Instant::now();
    loop {
        let status = app
            .request(
                "mcpServerStatus/list",
                json!({"threadId": thread_id, "serverName": "digiusher"}),
                &mut |_| None,
            )
            .await;
        let ready = app.seen.iter().any(|m| {
            m["method"] == "mcpServer/startupStatus/updated"
                && m["params"]["name"] == "digiusher"
                && m["params"]["status"] == "ready"
        });
        let server = status["result"]["data"]
            .as_array()
            .and_then(|d| d.iter().find(|s| s["name"] == "digiusher"))
            .cloned();
        if let Some(server) = server.filter(|s| ready && s["tools"].is_object()) {
            return (app, thread_id, server);
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn call_params(thread_id: &str, tool: &str) -> Value {
    json!({"threadId": thread_id, "server": "digiusher", "tool": tool, "arguments": {}})
}

fn organizations_in(result: &Value) -> usize {
    let text = result["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or("");
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v["organizations"].as_array().map(Vec::len))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn codex_starts_the_server_with_every_tool_and_calls_one() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let home = TempDir::new("codex");
    let log = home.0.join("server.log");
    let server_env = [
        ("DIGIUSHER_API_BASE_URL".to_string(), sim.base_url()),
        ("DIGIUSHER_TOKEN".to_string(), "sim-alice".to_string()),
    ];
    let log_arg = log.display().to_string();
    let env = codex_user(&home.0, &server_env, &["--log-file", &log_arg]).await;
    let (mut app, thread_id, server) = codex_thread(&env, &home.0).await;
    let (_, tools) = catalog().await;
    assert_eq!(server["serverInfo"]["name"], "digiusher-mcp", "{server}");
    assert_eq!(
        server["tools"].as_object().unwrap().len(),
        tools,
        "{server}"
    );
    let r = app
        .request(
            "mcpServer/tool/call",
            call_params(&thread_id, "list_organizations"),
            &mut |_| None,
        )
        .await;
    assert_ne!(r["result"]["isError"], true, "{r}");
    assert_eq!(organizations_in(&r), 2, "{r}");
    drop(app);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("tool call done"), "the server logged: {text}");
    assert!(
        !text.contains("WARN") && !text.contains("ERROR"),
        "Codex's probes (resources/list, resources/templates/list) log no warning:\n{text}"
    );
}

/// Codex declares URL elicitation: a signed-out user gets the link in Codex,
/// accepts (the scripted browser signs in) and gets the data in the same call;
/// or declines and gets the declined error.
async fn codex_sign_in(action: &'static str) -> (World, Value, Vec<Value>, PathBuf) {
    let world = World::new(&[], "file").await;
    let count = world.home.0.join("browser-starts");
    let browser = world.home.0.join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho started >> '{}'\n", count.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut server_env = world.env();
    server_env.retain(|(k, _)| k != "BROWSER");
    server_env.push(("BROWSER".into(), browser.display().to_string()));
    let env = codex_user(&world.home.0, &server_env, &[]).await;
    let (mut app, thread_id, _) = codex_thread(&env, &world.home.0).await;
    let mut asked = Vec::new();
    let login = fixtures().join("complete-login.mjs");
    let r = app
        .request(
            "mcpServer/tool/call",
            call_params(&thread_id, "list_organizations"),
            &mut |m| {
                if m["method"] != "mcpServer/elicitation/request" {
                    return None;
                }
                asked.push(m["params"].clone());
                if action == "accept" {
                    let url = m["params"]["url"].as_str().unwrap_or_default();
                    let out = std::process::Command::new("node")
                        .args([login.to_str().unwrap(), url])
                        .output()
                        .expect("the scripted browser runs");
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                Some(json!({"action": action, "content": null, "_meta": null}))
            },
        )
        .await;
    drop(app);
    (world, r, asked, count)
}

#[tokio::test(flavor = "multi_thread")]
async fn codex_signs_in_by_url_elicitation_and_answers_the_same_call() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let (world, r, asked, count) = codex_sign_in("accept").await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["mode"], "url", "{asked:?}");
    let message = asked[0]["message"].as_str().unwrap();
    assert!(message.contains("DigiUsher"), "{message}");
    let url = asked[0]["url"].as_str().unwrap();
    assert!(url.starts_with(&world.provider.issuer), "{url}");
    assert_ne!(r["result"]["isError"], true, "{r}");
    assert_eq!(organizations_in(&r), 2, "{r}");
    assert!(!count.exists(), "no browser was opened by the server");
    assert!(world.credential().await.is_some(), "the sign-in is stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn codex_declines_the_sign_in_and_gets_the_declined_error() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let (world, r, asked, count) = codex_sign_in("decline").await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(r["result"]["isError"], true, "{r}");
    let text = r["result"]["content"][0]["text"].as_str().unwrap_or("");
    assert!(text.contains("declined"), "{text}");
    assert!(!count.exists(), "no browser after a decline");
    assert!(world.credential().await.is_none(), "nothing is stored");
}
