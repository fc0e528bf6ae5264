//! Signing in from inside the MCP host: the first tool call without a sign-in starts
//! it, through URL elicitation (the TypeScript and Python SDK clients) or the browser
//! ($BROWSER set to the scripted browser), against the real OpenID provider.
//! Everything the server and the clients print is searched for secrets.

use crate::common::Need;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::common::oidc::{World, call_ok, fixtures};
use crate::common::*;
use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::Value;

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

fn complete_login() -> String {
    fixtures().join("complete-login.mjs").display().to_string()
}

/// The world's environment with these changes (`None` removes a variable).
fn env_with(world: &World, changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let mut env = world.env();
    for (k, v) in changes {
        env.retain(|(name, _)| name != k);
        if let Some(v) = v {
            env.push((k.to_string(), v.to_string()));
        }
    }
    env
}

/// A `$BROWSER` that counts its starts in `count`, then runs the scripted browser
/// (or nothing, with `action` "none").
fn counting_browser(world: &World, action: &str) -> (String, PathBuf) {
    let count = world.home.0.join("browser-starts");
    let script = world.home.0.join(format!("browser-{action}.sh"));
    let run = if action == "none" {
        String::new()
    } else {
        format!(
            "OIDC_TEST_ACTION={action} exec node '{}' \"$1\"",
            complete_login()
        )
    };
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho started >> '{}'\n{run}\n", count.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (script.display().to_string(), count)
}

fn browser_starts(count: &Path) -> usize {
    std::fs::read_to_string(count).map_or(0, |s| s.lines().count())
}

/// An external client program driving the server; its stdout is the summary line,
/// its stderr (and the server's) goes to the transcript.
async fn run_client(
    world: &World,
    program: &str,
    args: &[&str],
    env: Vec<(String, String)>,
) -> Value {
    let out = tokio::time::timeout(
        Duration::from_secs(150),
        tokio::process::Command::new(program)
            .args(args)
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .expect("client finishes")
    .expect("client runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    world.transcript.lock().unwrap().push_str(&stderr);
    assert!(out.status.success(), "{program} failed:\n{stderr}");
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("summary is JSON ({e}): {stdout}\n{stderr}"))
}

/// A server driven by rmcp's client, which declares no elicitation; its stderr
/// goes to `log`.
async fn rmcp_client(
    env: Vec<(String, String)>,
    log: &Path,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear().envs(env);
    let file = std::fs::File::create(log).unwrap();
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::from(file))
        .spawn()
        .expect("server starts");
    ().serve(transport).await.expect("initialize")
}

fn keep_log(world: &World, log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    world.transcript.lock().unwrap().push_str(&text);
    text
}

fn first_text(r: &rmcp::model::CallToolResult) -> String {
    r.content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

fn organizations(r: &rmcp::model::CallToolResult) -> usize {
    let v: Value = serde_json::from_str(&first_text(r)).unwrap_or(Value::Null);
    v["organizations"].as_array().map_or(0, Vec::len)
}

/// The stored tokens must appear nowhere; neither may a code or the verifier.
async fn assert_clean(world: &World) {
    let mut secrets = Vec::new();
    if let Some(c) = world.credential().await {
        for key in ["access_token", "refresh_token"] {
            if let Some(s) = c[key].as_str() {
                secrets.push(s.to_string());
            }
        }
    }
    world.assert_no_secrets(&secrets);
    let t = world.transcript.lock().unwrap();
    for (i, _) in t.match_indices("code=") {
        assert!(
            t[i + 5..].starts_with("<redacted>"),
            "an authorization code was printed"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_with_url_elicitation_signs_in_and_answers_the_first_call() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let env = env_with(
        &world,
        &[
            ("BROWSER", None),
            ("ELICIT_BROWSER", Some(&complete_login())),
        ],
    );
    let script = clients_dir().join("ts_elicitation.mjs");
    let summary = run_client(&world, "node", &[script.to_str().unwrap(), BIN], env).await;
    assert_eq!(summary["result"]["isError"], false, "{summary}");
    assert_eq!(summary["result"]["organizations"], 2, "{summary}");
    let elicitations = summary["elicitations"].as_array().unwrap();
    assert_eq!(elicitations.len(), 1, "{summary}");
    let e = &elicitations[0];
    assert_eq!(e["mode"], "url");
    let host = url::Url::parse(&world.provider.issuer).unwrap();
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("DigiUsher"), "{message}");
    assert!(message.contains(host.host_str().unwrap()), "{message}");
    let link = e["url"].as_str().unwrap();
    assert!(link.starts_with(&world.provider.issuer), "{link}");
    assert!(link.contains("code_challenge_method=S256"), "{link}");
    assert_eq!(summary["browser"], 0, "the scripted browser finished");
    assert_eq!(
        summary["completed"],
        serde_json::json!([e["elicitationId"]])
    );
    assert!(world.credential().await.is_some(), "the sign-in is stored");
    assert_clean(&world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_whose_user_declines_gets_a_tool_error_and_nothing_is_stored() {
    if crate::common::skip(&[Need::Node, Need::Python, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "approve");
    let env = env_with(&world, &[("BROWSER", Some(&browser))]);
    let python = clients_dir().join(".venv/bin/python");
    let script = clients_dir().join("py_decline.py");
    let summary = run_client(
        &world,
        python.to_str().unwrap(),
        &[script.to_str().unwrap(), BIN],
        env,
    )
    .await;
    assert_eq!(
        summary["elicitations"].as_array().unwrap().len(),
        1,
        "{summary}"
    );
    assert_eq!(summary["elicitations"][0]["mode"], "url", "{summary}");
    assert_eq!(summary["result"]["isError"], true, "{summary}");
    let text = summary["result"]["text"].as_str().unwrap();
    assert!(text.contains("declined"), "{text}");
    assert!(text.contains("Ask again"), "{text}");
    assert_eq!(browser_starts(&count), 0, "no browser after a decline");
    assert!(world.credential().await.is_none(), "nothing is stored");
    assert_clean(&world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_elicitation_the_browser_signs_in_and_the_first_call_answers() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let log = world.home.0.join("server.log");
    let client = rmcp_client(world.env(), &log).await;
    let r = call_ok(&client, "list_organizations").await;
    let _ = client.cancel().await;
    keep_log(&world, &log);
    assert_ne!(r.is_error, Some(true), "{}", first_text(&r));
    assert_eq!(organizations(&r), 2, "{}", first_text(&r));
    assert!(world.credential().await.is_some());
    assert_clean(&world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_open_one_browser_between_them_and_both_answer() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "approve");
    let env = env_with(&world, &[("BROWSER", Some(&browser))]);
    let (log_a, log_b) = (world.home.0.join("a.log"), world.home.0.join("b.log"));
    let (a, b) = tokio::join!(rmcp_client(env.clone(), &log_a), rmcp_client(env, &log_b));
    let (ra, rb) = tokio::join!(
        call_ok(&a, "list_organizations"),
        call_ok(&b, "list_organizations")
    );
    let _ = a.cancel().await;
    let _ = b.cancel().await;
    keep_log(&world, &log_a);
    keep_log(&world, &log_b);
    assert_eq!(organizations(&ra), 2, "{}", first_text(&ra));
    assert_eq!(organizations(&rb), 2, "{}", first_text(&rb));
    assert_eq!(browser_starts(&count), 1, "one authorization request");
    assert_clean(&world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_process_leaves_no_lock_behind() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "none");
    let env = env_with(&world, &[("BROWSER", Some(&browser))]);
    let log = world.home.0.join("killed.log");
    let first = rmcp_client(env.clone(), &log).await;
    let pending = first.peer().clone();
    let call = tokio::spawn(async move {
        pending
            .call_tool(rmcp::model::CallToolRequestParams::new(
                "list_organizations",
            ))
            .await
    });
    // The first process holds the sign-in lock once it has opened the browser.
    let started = std::time::Instant::now();
    while browser_starts(&count) == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "no browser");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(first);
    call.abort();
    let (browser, _) = counting_browser(&world, "approve");
    let env = env_with(&world, &[("BROWSER", Some(&browser))]);
    let log = world.home.0.join("next.log");
    let next = rmcp_client(env, &log).await;
    let r = call_ok(&next, "list_organizations").await;
    let _ = next.cancel().await;
    keep_log(&world, &log);
    assert_eq!(organizations(&r), 2, "{}", first_text(&r));
    assert_clean(&world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn never_keeps_the_terminal_answer_with_no_browser_and_no_listener() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "approve");
    let env = env_with(
        &world,
        &[
            ("BROWSER", Some(&browser)),
            ("DIGIUSHER_SIGN_IN", Some("never")),
        ],
    );
    let log = world.home.0.join("server.log");
    let client = rmcp_client(env, &log).await;
    let r = call_ok(&client, "list_organizations").await;
    let _ = client.cancel().await;
    let text = keep_log(&world, &log);
    assert_eq!(r.is_error, Some(true));
    assert!(
        first_text(&r).contains("Run `digiusher-mcp login` in a terminal"),
        "{}",
        first_text(&r)
    );
    assert_eq!(browser_starts(&count), 0);
    assert!(!text.contains("sign-in"), "no sign-in was started:\n{text}");
    assert!(world.credential().await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_that_runs_out_gives_the_link_and_a_later_sign_in_still_lands() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "none");
    let env = env_with(
        &world,
        &[
            ("BROWSER", Some(&browser)),
            ("DIGIUSHER_SIGN_IN_WAIT", Some("2")),
        ],
    );
    let log = world.home.0.join("server.log");
    let client = rmcp_client(env, &log).await;
    let r = call_ok(&client, "list_organizations").await;
    assert_eq!(r.is_error, Some(true));
    let text = first_text(&r);
    assert!(
        text.starts_with("Open this link to sign in to DigiUsher:"),
        "{text}"
    );
    assert!(text.contains("then ask again"), "{text}");
    let link = text
        .lines()
        .find(|l| l.starts_with("http"))
        .expect("the link is on a line of its own")
        .to_string();
    assert!(link.starts_with(&world.provider.issuer), "{link}");
    assert_eq!(browser_starts(&count), 1);

    // The user finishes the sign-in after the call gave up.
    let out = tokio::process::Command::new("node")
        .args([&complete_login(), &link])
        .output()
        .await
        .unwrap();
    world
        .transcript
        .lock()
        .unwrap()
        .push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let started = std::time::Instant::now();
    while world.credential().await.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "stored in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = call_ok(&client, "list_organizations").await;
    let _ = client.cancel().await;
    keep_log(&world, &log);
    assert_eq!(organizations(&r), 2, "{}", first_text(&r));
    assert_eq!(
        browser_starts(&count),
        1,
        "the second call needed no browser"
    );
    assert_clean(&world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_revoked_during_a_call_signs_in_again_and_answers() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "approve");
    let env = env_with(&world, &[("BROWSER", Some(&browser))]);
    let log = world.home.0.join("server.log");
    let client = rmcp_client(env, &log).await;
    let r = call_ok(&client, "list_organizations").await;
    assert_eq!(organizations(&r), 2, "{}", first_text(&r));
    let first = world.credential().await.expect("stored");

    // Signed out elsewhere: the provider forgets both tokens.
    let accounts: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::app_data(&world.home.0).join("accounts.json"))
            .unwrap(),
    )
    .unwrap();
    let client_id = accounts["default"]["client_id"].as_str().unwrap();
    for key in ["refresh_token", "access_token"] {
        let token = first[key].as_str().unwrap();
        let answer = http_client()
            .post(&world.provider.revocation)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "token={}&client_id={}",
                crate::common::oidc::urlencode(token),
                crate::common::oidc::urlencode(client_id)
            ))
            .send()
            .await
            .unwrap();
        assert!(
            answer.status().is_success(),
            "revoking: {}",
            answer.status()
        );
    }
    // The simulator caches introspection answers for 5 s.
    tokio::time::sleep(Duration::from_millis(5200)).await;

    let r = call_ok(&client, "list_organizations").await;
    let _ = client.cancel().await;
    keep_log(&world, &log);
    assert_eq!(organizations(&r), 2, "{}", first_text(&r));
    assert_eq!(browser_starts(&count), 2, "a second sign-in");
    let second = world.credential().await.expect("stored again");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let mut secrets: Vec<String> = Vec::new();
    for c in [&first, &second] {
        for key in ["access_token", "refresh_token"] {
            secrets.extend(c[key].as_str().map(str::to_string));
        }
    }
    world.assert_no_secrets(&secrets);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_without_elicitation_gets_progress_while_the_browser_is_open() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "none");
    let env = env_with(
        &world,
        &[
            ("BROWSER", Some(&browser)),
            ("DIGIUSHER_SIGN_IN_WAIT", Some("6")),
            ("ELICIT_CAPABILITY", Some("none")),
        ],
    );
    let script = clients_dir().join("ts_elicitation.mjs");
    let summary = run_client(&world, "node", &[script.to_str().unwrap(), BIN], env).await;
    assert_eq!(summary["elicitations"], serde_json::json!([]), "{summary}");
    assert_eq!(browser_starts(&count), 1);
    let progress = summary["progress"].as_array().unwrap();
    assert!(progress.len() >= 2, "{summary}");
    let values: Vec<f64> = progress
        .iter()
        .map(|p| p["progress"].as_f64().unwrap())
        .collect();
    assert!(
        values.windows(2).all(|w| w[0] < w[1]),
        "progress only increases: {values:?}"
    );
    assert!(
        progress[0]["message"].as_str().unwrap().contains("sign in"),
        "{summary}"
    );
    assert_eq!(summary["result"]["isError"], true, "{summary}");
    let text = summary["result"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Open this link to sign in to DigiUsher:"),
        "{text}"
    );
    assert_clean(&world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_window_gets_the_first_ones_link_and_its_sign_in_serves_both() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "none");
    let env = env_with(
        &world,
        &[
            ("BROWSER", Some(&browser)),
            ("DIGIUSHER_SIGN_IN_WAIT", Some("2")),
        ],
    );
    let (log_a, log_b) = (world.home.0.join("a.log"), world.home.0.join("b.log"));
    let a = rmcp_client(env.clone(), &log_a).await;
    let ra = call_ok(&a, "list_organizations").await;
    let link = first_text(&ra)
        .lines()
        .find(|l| l.starts_with("http"))
        .expect("a link")
        .to_string();
    // The first window's attempt still holds the lock: the second one shows its link.
    let b = rmcp_client(env, &log_b).await;
    let rb = call_ok(&b, "list_organizations").await;
    assert!(first_text(&rb).contains(&link), "{}", first_text(&rb));
    assert_eq!(browser_starts(&count), 1, "one browser between them");

    let out = tokio::process::Command::new("node")
        .args([&complete_login(), &link])
        .output()
        .await
        .unwrap();
    world
        .transcript
        .lock()
        .unwrap()
        .push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success());
    let started = std::time::Instant::now();
    while world.credential().await.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "stored in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rb = call_ok(&b, "list_organizations").await;
    let ra = call_ok(&a, "list_organizations").await;
    let _ = a.cancel().await;
    let _ = b.cancel().await;
    keep_log(&world, &log_a);
    keep_log(&world, &log_b);
    assert_eq!(organizations(&ra), 2, "{}", first_text(&ra));
    assert_eq!(organizations(&rb), 2, "{}", first_text(&rb));
    assert_clean(&world).await;
}

// ---- MCP 2026-07-28: no server-to-client requests; the link comes back in an
// input-required result and the host retries the call with its answer.

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities, ClientConfig,
    ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationCapability, Implementation,
    InputResponses, ProtocolVersion, UrlElicitationCapability,
};
use rmcp::service::{RequestContext, RunningService};
use rmcp::{ClientHandler, ClientLifecycleMode, ClientServiceExt, ErrorData, RoleClient};

/// A host on MCP 2026-07-28 (it opens with `server/discover`), built on rmcp's
/// client, which fulfils input-required results and retries by itself. With
/// `url`, it declares URL elicitation; it answers `action`, after opening the
/// link in the scripted browser when it accepts.
#[derive(Clone)]
struct RoundsHost {
    url: bool,
    action: ElicitationAction,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
}

impl RoundsHost {
    fn new(url: bool, action: ElicitationAction) -> RoundsHost {
        RoundsHost {
            url,
            action,
            seen: Default::default(),
        }
    }

    fn seen(&self) -> Vec<Value> {
        self.seen.lock().unwrap().clone()
    }
}

impl ClientHandler for RoundsHost {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = ClientCapabilities::default();
        if self.url {
            capabilities.elicitation =
                Some(ElicitationCapability::new().with_url(UrlElicitationCapability::new()));
        }
        ClientConfig::new(
            capabilities,
            Implementation::new("rounds-test-host", "1.0.0"),
        )
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.seen
            .lock()
            .unwrap()
            .push(serde_json::to_value(&request).unwrap());
        if let (ElicitRequestParams::UrlElicitationParams { url, .. }, ElicitationAction::Accept) =
            (&request, &self.action)
        {
            let out = tokio::process::Command::new("node")
                .args([&complete_login(), url])
                .output()
                .await
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(ElicitResult::new(self.action.clone()))
    }
}

async fn rounds_client(
    host: RoundsHost,
    env: Vec<(String, String)>,
    log: &Path,
) -> RunningService<RoleClient, RoundsHost> {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear().envs(env);
    let file = std::fs::File::create(log).unwrap();
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::from(file))
        .spawn()
        .expect("server starts");
    let lifecycle = ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    };
    host.serve_with_lifecycle(transport, lifecycle)
        .await
        .expect("server/discover")
}

fn accept() -> InputResponses {
    let mut r = InputResponses::new();
    r.insert(
        "digiusher_sign_in".into(),
        serde_json::json!({"action": "accept"}),
    );
    r
}

/// The rounds by hand, to see the wire: the first call answers input-required
/// with the URL elicitation and a state; the retry with `accept` and that state
/// waits for the callback and answers with the data.
#[tokio::test(flavor = "multi_thread")]
async fn on_2026_07_28_the_link_comes_in_an_input_required_result_and_the_retry_answers() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "none");
    let env = env_with(&world, &[("BROWSER", Some(&browser))]);
    let log = world.home.0.join("server.log");
    let host = RoundsHost::new(true, ElicitationAction::Accept);
    let client = rounds_client(host, env, &log).await;
    assert_eq!(
        client.peer_info().map(|i| i.protocol_version.to_string()),
        Some("2026-07-28".to_string()),
        "the session runs on 2026-07-28"
    );
    let first = client
        .call_tool_once(CallToolRequestParams::new("list_organizations"))
        .await
        .expect("tools/call");
    let CallToolResponse::InputRequired(ask) = first else {
        panic!("expected input_required, got {first:?}");
    };
    let wire = serde_json::to_value(&ask).unwrap();
    assert_eq!(wire["resultType"], "input_required", "{wire}");
    let request = &wire["inputRequests"]["digiusher_sign_in"];
    assert_eq!(request["method"], "elicitation/create", "{wire}");
    assert_eq!(request["params"]["mode"], "url", "{wire}");
    let message = request["params"]["message"].as_str().unwrap();
    let provider = url::Url::parse(&world.provider.issuer).unwrap();
    assert!(message.contains("DigiUsher"), "{message}");
    assert!(message.contains(provider.host_str().unwrap()), "{message}");
    let link = request["params"]["url"].as_str().unwrap().to_string();
    assert!(link.starts_with(&world.provider.issuer), "{link}");
    let state = ask.request_state.clone().expect("a requestState");
    assert!(
        !state.contains(&link) && state.len() <= 64,
        "an opaque handle: {state}"
    );
    assert_eq!(
        browser_starts(&count),
        0,
        "no browser: the host shows the link"
    );

    // A forged state starts afresh: a new link, no panic, nothing signed in.
    let forged = client
        .call_tool_once(
            CallToolRequestParams::new("list_organizations")
                .with_input_responses(accept())
                .with_request_state("0123456789abcdef0123456789abcdef"),
        )
        .await
        .expect("tools/call");
    let CallToolResponse::InputRequired(again) = forged else {
        panic!("a forged state must not run the tool: {forged:?}");
    };
    assert_ne!(again.request_state.as_deref(), Some(state.as_str()));

    // The user opens the link while the host retries with its answer.
    let login = tokio::process::Command::new("node")
        .args([&complete_login(), &link])
        .output();
    let retry = client.call_tool_once(
        CallToolRequestParams::new("list_organizations")
            .with_input_responses(accept())
            .with_request_state(state.clone()),
    );
    let (login, answer) = tokio::join!(login, retry);
    assert!(login.unwrap().status.success());
    let CallToolResponse::Complete(r) = answer.expect("tools/call") else {
        panic!("the retry completes");
    };
    assert_eq!(organizations(&r), 2, "{}", first_text(&r));

    // The state is spent: once more, it is unknown (and signed in, the call runs).
    let spent = client
        .call_tool_once(
            CallToolRequestParams::new("list_organizations")
                .with_input_responses(accept())
                .with_request_state(state),
        )
        .await
        .expect("tools/call");
    assert!(matches!(spent, CallToolResponse::Complete(_)), "{spent:?}");
    let _ = client.cancel().await;
    keep_log(&world, &log);
    assert!(world.credential().await.is_some(), "the sign-in is stored");
    assert_clean(&world).await;
}

/// A signed-out `list_organizations` from a 2026-07-28 host (rmcp's client, which
/// drives the rounds by itself) whose user answers `action`; the browser approves.
struct Rounds {
    world: World,
    result: CallToolResult,
    host: RoundsHost,
    browser_starts: usize,
    log: String,
}

async fn one_call_in_rounds(url_elicitation: bool, action: ElicitationAction) -> Rounds {
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "approve");
    let env = env_with(&world, &[("BROWSER", Some(&browser))]);
    let log = world.home.0.join("server.log");
    let host = RoundsHost::new(url_elicitation, action);
    let client = rounds_client(host.clone(), env, &log).await;
    let result = client
        .call_tool(CallToolRequestParams::new("list_organizations"))
        .await
        .expect("tools/call");
    let _ = client.cancel().await;
    let log = keep_log(&world, &log);
    Rounds {
        browser_starts: browser_starts(&count),
        world,
        result,
        host,
        log,
    }
}

/// Accept signs in and the same call answers with the data.
#[tokio::test(flavor = "multi_thread")]
async fn a_2026_07_28_host_that_accepts_gets_the_answer_to_the_same_call() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let r = one_call_in_rounds(true, ElicitationAction::Accept).await;
    assert_eq!(organizations(&r.result), 2, "{}", first_text(&r.result));
    let seen = r.host.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["mode"], "url");
    assert_eq!(r.browser_starts, 0);
    assert!(r.world.credential().await.is_some());
    assert_clean(&r.world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_2026_07_28_host_that_declines_gets_the_declined_error_and_nothing_is_stored() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let r = one_call_in_rounds(true, ElicitationAction::Decline).await;
    assert_eq!(r.result.is_error, Some(true));
    assert!(
        first_text(&r.result).contains("declined"),
        "{}",
        first_text(&r.result)
    );
    assert_eq!(r.host.seen().len(), 1);
    assert_eq!(r.browser_starts, 0, "no browser after a decline");
    assert!(r.world.credential().await.is_none(), "nothing is stored");
    assert_clean(&r.world).await;
}

/// On 2026-07-28 without URL elicitation the browser signs in, as before.
#[tokio::test(flavor = "multi_thread")]
async fn a_2026_07_28_host_without_url_elicitation_signs_in_in_the_browser() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let r = one_call_in_rounds(false, ElicitationAction::Accept).await;
    assert_eq!(organizations(&r.result), 2, "{}", first_text(&r.result));
    assert!(r.host.seen().is_empty());
    assert_eq!(r.browser_starts, 1);
    assert!(!r.log.contains("WARN"), "{}", r.log);
    assert_clean(&r.world).await;
}

/// The Python SDK's `Client` speaks 2026-07-28: the same sign-in through it.
async fn python_rounds(action: &str) -> (World, Value, PathBuf) {
    let world = World::new(&[], "file").await;
    let (browser, count) = counting_browser(&world, "approve");
    let env = env_with(
        &world,
        &[
            ("BROWSER", Some(&browser)),
            ("ROUNDS_BROWSER", Some(&complete_login())),
            ("ROUNDS_ACTION", Some(action)),
        ],
    );
    let python = clients_dir().join(".venv/bin/python");
    let script = clients_dir().join("py_rounds.py");
    let summary = run_client(
        &world,
        python.to_str().unwrap(),
        &[script.to_str().unwrap(), BIN],
        env,
    )
    .await;
    assert_eq!(summary["protocol"], "2026-07-28", "{summary}");
    let elicitations = summary["elicitations"].as_array().unwrap();
    assert_eq!(elicitations.len(), 1, "{summary}");
    assert_eq!(elicitations[0]["mode"], "url", "{summary}");
    (world, summary, count)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_on_2026_07_28_signs_in_and_gets_the_answer_to_the_same_call() {
    if crate::common::skip(&[Need::Node, Need::Python, Need::PosixShell]) {
        return;
    }
    let (world, summary, count) = python_rounds("accept").await;
    assert_eq!(summary["result"]["isError"], false, "{summary}");
    assert_eq!(summary["result"]["organizations"], 2, "{summary}");
    assert_eq!(browser_starts(&count), 0, "the host showed the link");
    assert!(world.credential().await.is_some());
    assert_clean(&world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_on_2026_07_28_declines_and_gets_the_declined_error() {
    if crate::common::skip(&[Need::Node, Need::Python, Need::PosixShell]) {
        return;
    }
    let (world, summary, count) = python_rounds("decline").await;
    assert_eq!(summary["result"]["isError"], true, "{summary}");
    let text = summary["result"]["text"].as_str().unwrap();
    assert!(text.contains("declined"), "{text}");
    assert_eq!(browser_starts(&count), 0);
    assert!(world.credential().await.is_none());
    assert_clean(&world).await;
}

/// Everything else the server offers, on MCP 2026-07-28: tools, a call, prompts,
/// a prompt with a placeholder, completion, the resource probes.
#[tokio::test(flavor = "multi_thread")]
async fn every_feature_works_on_2026_07_28() {
    use rmcp::model::{ArgumentInfo, CompleteRequestParams, GetPromptRequestParams, Reference};
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let home = TempDir::new("rounds-features");
    let env = vec![
        (
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_default(),
        ),
        ("HOME".to_string(), home.0.display().to_string()),
        (
            "XDG_CONFIG_HOME".to_string(),
            home.0.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME".to_string(),
            home.0.join(".local/share").display().to_string(),
        ),
        ("RUST_BACKTRACE".to_string(), "0".to_string()),
        ("DIGIUSHER_API_BASE_URL".to_string(), sim.base_url()),
        ("DIGIUSHER_TOKEN".to_string(), "sim-alice".to_string()),
        // Where Windows looks for the user's folders.
        ("USERPROFILE".to_string(), home.0.display().to_string()),
        (
            "APPDATA".to_string(),
            home.0.join("AppData").join("Roaming").display().to_string(),
        ),
    ];
    let log = home.0.join("server.log");
    let client = rounds_client(RoundsHost::new(true, ElicitationAction::Accept), env, &log).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(!tools.is_empty());
    let r = client
        .call_tool(CallToolRequestParams::new("list_organizations"))
        .await
        .expect("tools/call");
    assert_eq!(organizations(&r), 2, "{}", first_text(&r));
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    assert!(prompts.iter().any(|p| p.name == "monthly_cost_review"));
    let mut args = serde_json::Map::new();
    args.insert("organization".into(), "$1".into());
    args.insert("month".into(), "$2".into());
    let prompt = client
        .get_prompt(GetPromptRequestParams::new("monthly_cost_review").with_arguments(args))
        .await
        .expect("prompts/get");
    let text = &prompt.messages[0].content.as_text().unwrap().text;
    assert!(text.contains("given as \"$2\""), "{text}");
    let months = client
        .complete(CompleteRequestParams::new(
            Reference::for_prompt("monthly_cost_review"),
            ArgumentInfo::new("month", "20"),
        ))
        .await
        .expect("completion/complete");
    assert!(!months.completion.values.is_empty());
    let resources = client.list_all_resources().await.expect("resources/list");
    assert!(resources.is_empty());
    let _ = client.cancel().await;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains("WARN") && !text.contains("ERROR"), "{text}");
}

/// Files under `dir` whose name ends with `suffix`.
fn files_ending(dir: &std::path::Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_ending(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planted_link_beside_the_lock_is_never_handed_on() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let world = World::new(&[], "file").await;
    let (browser, _count) = counting_browser(&world, "none");
    let env = env_with(
        &world,
        &[
            ("BROWSER", Some(&browser)),
            ("DIGIUSHER_SIGN_IN_WAIT", Some("2")),
        ],
    );
    let (log_a, log_b) = (world.home.0.join("a.log"), world.home.0.join("b.log"));
    let a = rmcp_client(env.clone(), &log_a).await;
    let ra = call_ok(&a, "list_organizations").await;
    assert!(
        first_text(&ra).contains("Open this link"),
        "{}",
        first_text(&ra)
    );
    // The first window holds the lock; someone replaces its link file.
    let links = files_ending(&world.home.0, ".sign-in.url");
    assert_eq!(links.len(), 1, "{links:?}");
    std::fs::write(&links[0], "https://evil.example/phish?x=1\n").unwrap();
    let b = rmcp_client(env, &log_b).await;
    let rb = call_ok(&b, "list_organizations").await;
    let _ = a.cancel().await;
    let _ = b.cancel().await;
    keep_log(&world, &log_a);
    keep_log(&world, &log_b);
    assert!(
        !first_text(&rb).contains("evil.example"),
        "{}",
        first_text(&rb)
    );
    assert!(
        !first_text(&rb).contains("Open this link"),
        "{}",
        first_text(&rb)
    );
}
