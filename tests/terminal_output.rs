//! What the commands print when servers send hostile text, and when the reader of
//! their output goes away: no raw control characters, no panics.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{BIN, Need, TempDir, binary, http_client};

/// Escape sequences that clear the screen, recolour and retitle the terminal, a
/// CR/LF that forges a line of its own, a bell, an 8-bit CSI and a bidi override.
const HOSTILE: &str = "\x1b[2J\x1b[31mred\x1b[0m\x1b]0;title\x07\r\nFORGED: signed in as admin\u{9b}1m\u{202e}gpj.exe";

/// What a terminal would act on; a line feed only where the program ends a line.
fn assert_terminal_safe(what: &str, text: &str) {
    for (i, line) in text.lines().enumerate() {
        assert!(
            !line.chars().any(|c| c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "{what}: line {i} carries a raw control character: {line:?}"
        );
        assert!(
            !line.starts_with("FORGED"),
            "{what}: server text started a line of its own: {line:?}"
        );
    }
}

type Answer = dyn Fn(&str, &str) -> (u16, String) + Send + Sync;

/// A hand-written HTTP server on 127.0.0.1: `answer(method, path)` gives the status
/// and JSON body of each response. Returns its base URL; it lives as long as the test.
fn http_server(
    answer: impl Fn(&str, &str, &str) -> (u16, String) + Send + Sync + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let with_base = base.clone();
    let answer: Arc<Answer> = Arc::new(move |m: &str, p: &str| answer(&with_base, m, p));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = answer.clone();
            std::thread::spawn(move || respond(stream, &*answer));
        }
    });
    base
}

fn respond(mut stream: std::net::TcpStream, answer: &Answer) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let Ok(n) = stream.read(&mut chunk) else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or("");
    let path = words.next().unwrap_or("");
    let (status, body) = answer(method, path);
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// An identity provider that works until it is asked for tokens, then refuses
/// with `HOSTILE` as the `error_description`.
fn hostile_provider() -> String {
    http_server(|base, method, path| match (method, path) {
        ("GET", "/.well-known/openid-configuration") => (
            200,
            json!({
                "issuer": base,
                "authorization_endpoint": format!("{base}/authorize"),
                "token_endpoint": format!("{base}/token"),
                "jwks_uri": format!("{base}/jwks"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            })
            .to_string(),
        ),
        ("GET", "/jwks") => (200, json!({"keys": []}).to_string()),
        ("POST", "/token") => (
            400,
            json!({"error": "invalid_grant", "error_description": HOSTILE}).to_string(),
        ),
        _ => (404, json!({"error": "not_found"}).to_string()),
    })
}

fn command(home: &TempDir, api: &str) -> tokio::process::Command {
    let mut cmd = binary(&home.0, api);
    cmd.env("DIGIUSHER_TOKEN_STORE", "file")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Run `login --no-browser` against `provider`, and play the browser: send the
/// loopback listener the callback query `query(state)`. Returns stdout and stderr.
async fn login_with_callback(provider: &str, query: impl Fn(&str) -> String) -> (String, String) {
    let home = TempDir::new("hostile-login");
    let mut child = command(&home, provider)
        .args(["login", "--no-browser", "--timeout", "30"])
        .env("DIGIUSHER_ISSUER", provider)
        .env("DIGIUSHER_CLIENT_ID", "terminal-test")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    let authorize = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the authorization URL in time")
            .unwrap()
            .unwrap_or_else(|| panic!("login ended before printing the URL:\n{stderr}"));
        stderr.push_str(&line);
        stderr.push('\n');
        if let Some(url) = line
            .split_whitespace()
            .find(|w| w.contains("redirect_uri="))
        {
            break url::Url::parse(url).unwrap();
        }
    };
    let param = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let callback = format!("{}?{}", param("redirect_uri"), query(&param("state")));
    http_client().get(callback).send().await.unwrap();
    while let Some(line) = lines.next_line().await.unwrap() {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let out = child.wait_with_output().await.unwrap();
    assert!(!out.status.success(), "login must fail:\n{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[tokio::test]
async fn a_refusal_from_the_provider_is_printed_escaped() {
    let provider = hostile_provider();
    let (stdout, stderr) = login_with_callback(&provider, |state| {
        form(&[
            ("state", state),
            ("error", "access_denied\x1b[8m"),
            ("error_description", HOSTILE),
        ])
    })
    .await;
    // Cleaned before the terminal: control characters are spaces, one line, quoted.
    assert!(
        stderr.contains(r#"which answered: "access_denied [8m: [2J [31mred [0m ]0;title FORGED"#),
        "{stderr}"
    );
    assert_terminal_safe("login stderr", &stderr);
    assert_terminal_safe("login stdout", &stdout);
}

#[tokio::test]
async fn a_token_error_from_the_provider_is_printed_escaped() {
    let provider = hostile_provider();
    let (stdout, stderr) = login_with_callback(&provider, |state| {
        form(&[("state", state), ("code", "a-code")])
    })
    .await;
    assert!(
        stderr.contains(r#"it answered: "invalid_grant: [2J [31mred"#),
        "{stderr}"
    );
    assert_terminal_safe("login stderr", &stderr);
    assert_terminal_safe("login stdout", &stdout);
}

/// An API that answers every request with `status` and `body`.
fn api(status: u16, body: Value) -> String {
    let body = body.to_string();
    http_server(move |_, _, _| (status, body.clone()))
}

#[tokio::test]
async fn an_api_error_body_printed_by_call_is_escaped() {
    let base = api(
        400,
        json!({"error": {"status_code": 400, "error_code": "OE0001", "reason": HOSTILE}}),
    );
    let home = TempDir::new("hostile-api");
    let out = command(&home, &base)
        .args(["call", "list_organizations"])
        .env("DIGIUSHER_TOKEN", "test-token")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(r#"(HTTP 400 OE0001: "[2J [31mred"#),
        "{stderr}"
    );
    assert_terminal_safe("call stderr", &stderr);
}

#[tokio::test]
async fn hostile_names_in_a_result_stay_the_same_json_without_raw_controls() {
    let name = "Evil\u{7f}\u{9b}2J\u{202e}Corp\x1b[0m";
    let body = json!({"organizations": [{"id": "o1", "name": name}]});
    let base = api(200, body.clone());
    let home = TempDir::new("hostile-result");
    let out = command(&home, &base)
        .args(["call", "list_organizations"])
        .env("DIGIUSHER_TOKEN", "test-token")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_terminal_safe("call stdout", &stdout);
    let printed: Value = serde_json::from_str(&stdout).expect("call prints JSON");
    assert_eq!(printed["organizations"][0]["name"], name, "{stdout}");
}

/// Run a command whose stdout is a pipe nobody reads any more (`… | head -0`).
fn run_with_closed_stdout(args: &[&str], api: &str) -> std::process::Output {
    let home = TempDir::new("closed-pipe");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = binary(&home.0, api);
    cmd.as_std_mut()
        .args(args)
        .env("DIGIUSHER_TOKEN", "test-token")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped());
    cmd.as_std_mut().output().unwrap()
}

#[test]
fn commands_end_quietly_when_stdout_is_closed() {
    let base = api(200, json!({"organizations": []}));
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["tools"],
        &["tools", "--json"],
        &["token"],
        &["completions", "bash"],
        &["call", "list_organizations"],
    ] {
        let out = run_with_closed_stdout(args, &base);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_new_log_file_is_readable_by_the_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let home = TempDir::new("log-file");
    let log = home.0.join("digiusher-mcp.log");
    let out = std::process::Command::new(BIN)
        .args([
            "--log-file",
            log.to_str().unwrap(),
            "--log-level",
            "debug",
            "tools",
        ])
        .env("HOME", &home.0)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
}

/// The name and email shown by `status` come from the provider's ID token. The
/// test provider only issues plain names, so a real sign-in's stored identity is
/// given hostile ones, as a provider could have put in the token.
#[tokio::test]
async fn names_from_the_id_token_are_printed_escaped() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let world = crate::common::oidc::World::new(&[], "file").await;
    world.login(&[]).await;
    let file = crate::common::app_data(&world.home.0).join("credentials.json");
    let mut all: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for credential in all.as_object_mut().unwrap().values_mut() {
        credential["identity"]["name"] = json!(HOSTILE);
        credential["identity"]["email"] = json!("x@example.com\x1b[8m");
    }
    std::fs::write(&file, all.to_string()).unwrap();
    let out = world.run(&["status"], &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("\\u{1b}[31mred"), "{stdout}");
    assert!(stdout.contains("x@example.com\\u{1b}[8m"), "{stdout}");
    assert_terminal_safe("status", &stdout);
    let out = world.run(&["status", "--json"], &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_terminal_safe("status --json", &stdout);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["identity"]["name"], HOSTILE);
}

/// A log setting that cannot be honoured is said once on stderr, with what to use
/// instead, and the command runs anyway with stdout untouched.
#[tokio::test]
async fn a_bad_log_setting_is_said_once_and_the_command_still_runs() {
    let home = TempDir::new("log-settings");
    let missing = home.0.join("no-such-folder").join("x.log");
    let out = binary(&home.0, "http://127.0.0.1:9")
        .arg("--log-level")
        .arg("loud\u{1b}[2J")
        .arg("--log-file")
        .arg(&missing)
        .arg("tools")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_terminal_safe("stderr", &stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("digiusher-mcp: ignoring --log-level"),
        "{stderr}"
    );
    assert!(
        lines[0].contains("use error, warn, info, debug, trace or off"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("digiusher-mcp: cannot open log file"),
        "{stderr}"
    );
    assert!(lines[1].ends_with("logging to stderr only"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("list_organizations"));
}
