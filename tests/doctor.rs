//! `doctor` in a fresh HOME on 127.0.0.1: hosts set up by `setup` (and broken by
//! hand), the sign-in against the test provider, an API that is down, a clock off
//! by ten minutes, a server whose certificate nobody trusts. `--json` is read
//! back; the host files are byte-identical afterwards; no token in any output.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::oidc::{World, text, urlencode};
use crate::common::*;

/// `doctor --json ARGS` with the clean environment of `common::binary` plus `env`.
async fn doctor(home: &Path, api: &str, env: &[(&str, &str)], args: &[&str]) -> (i32, Value) {
    let mut cmd = binary(home, api);
    cmd.arg("doctor").arg("--json").args(args);
    // A release location that is not there: the release check warns, never fails.
    cmd.env("DIGIUSHER_MCP_RELEASE_URL", "http://127.0.0.1:9/release");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("doctor finishes")
        .expect("doctor runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json prints JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    every_check_is_complete(&report);
    (out.status.code().unwrap_or(-1), report)
}

fn every_check_is_complete(report: &Value) {
    let checks = report["checks"].as_array().expect("checks");
    assert!(!checks.is_empty());
    let mut ids = std::collections::BTreeSet::new();
    for c in checks {
        let id = c["id"].as_str().expect("id");
        assert!(ids.insert(id.to_string()), "id {id} twice");
        assert!(
            matches!(c["status"].as_str(), Some("ok" | "warn" | "fail")),
            "{c}"
        );
        assert!(c["detail"].as_str().is_some_and(|d| !d.is_empty()), "{c}");
        // Every warning and failure says what to do.
        assert_eq!(c["status"] != "ok", c["fix"].is_string(), "{c}");
    }
    let failed = checks.iter().any(|c| c["status"] == "fail");
    assert_eq!(report["ok"], json!(!failed));
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["status"].as_str().unwrap()
}

fn detail(report: &Value, id: &str) -> String {
    check(report, id)["detail"].as_str().unwrap().to_string()
}

fn fix(report: &Value, id: &str) -> String {
    check(report, id)["fix"].as_str().unwrap_or("").to_string()
}

/// `setup HOST` with the real binary, as a user would.
fn setup(home: &Path, host: &str) {
    let out = std::process::Command::new(BIN)
        .args(["setup", host])
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                found.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    found.sort();
    found
}

async fn tool_count() -> usize {
    let out = tokio::process::Command::new(BIN)
        .args(["tools", "--json"])
        .output()
        .await
        .unwrap();
    let tools: Value = serde_json::from_slice(&out.stdout).unwrap();
    tools.as_array().map(Vec::len).unwrap()
}

#[tokio::test]
async fn no_host_set_up_is_a_warning_with_the_command_to_run() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let home = TempDir::new("doctor-none");
    let (code, report) = doctor(
        &home.0,
        &sim.base_url(),
        &[("DIGIUSHER_TOKEN", "sim-alice")],
        &[],
    )
    .await;
    assert_eq!(code, 0, "{report:#}");
    for host in setup_hosts() {
        let id = format!("host.{host}");
        assert_eq!(status(&report, &id), "ok", "{report:#}");
        assert!(detail(&report, &id).contains("no configuration at"));
    }
    assert_eq!(status(&report, "hosts"), "warn");
    assert!(fix(&report, "hosts").contains("digiusher-mcp setup claude-desktop"));
    assert_eq!(status(&report, "binary.release"), "warn");
    assert!(detail(&report, "binary.release").contains("cannot check for a newer release"));
    assert_eq!(status(&report, "signin"), "ok");
    assert!(
        detail(&report, "api").contains("accepts the sign-in"),
        "{report:#}"
    );
    assert_eq!(status(&report, "network.proxy"), "ok");
    assert!(
        files_under(&home.0).is_empty(),
        "doctor wrote {:?}",
        files_under(&home.0)
    );
}

#[tokio::test]
async fn every_host_set_up_by_setup_answers_a_real_handshake() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let home = TempDir::new("doctor-hosts");
    let hosts = setup_hosts();
    for host in &hosts {
        setup(&home.0, host);
    }
    let before = files_under(&home.0);
    let (code, report) = doctor(
        &home.0,
        &sim.base_url(),
        &[("DIGIUSHER_TOKEN", "sim-alice")],
        &["--offline"],
    )
    .await;
    assert_eq!(code, 0, "{report:#}");
    let tools = tool_count().await;
    for host in &hosts {
        let id = format!("host.{host}.digiusher");
        assert_eq!(
            status(&report, &format!("{id}.command")),
            "ok",
            "{report:#}"
        );
        let handshake = detail(&report, &format!("{id}.handshake"));
        assert_eq!(
            status(&report, &format!("{id}.handshake")),
            "ok",
            "{handshake}"
        );
        assert!(
            handshake.contains(&format!(": {tools} tools")),
            "{handshake}"
        );
    }
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "hosts")
    );
    // --offline: no release, provider or API check.
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "api")
    );
    assert_eq!(files_under(&home.0), before, "doctor changed a file");

    // --host narrows the report to one host.
    let (_, one) = doctor(
        &home.0,
        &sim.base_url(),
        &[("DIGIUSHER_TOKEN", "sim-alice")],
        &["--offline", "--host", "cursor"],
    )
    .await;
    let ids: Vec<&str> = one["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .filter(|i| i.starts_with("host."))
        .collect();
    assert!(ids.iter().all(|i| i.starts_with("host.cursor")), "{ids:?}");
}

#[tokio::test]
async fn broken_missing_and_bare_commands_each_say_what_to_do() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let home = TempDir::new("doctor-broken");
    let h = &home.0;
    let desktop = h.join(".config/Claude/claude_desktop_config.json");
    std::fs::create_dir_all(desktop.parent().unwrap()).unwrap();
    std::fs::write(
        &desktop,
        "{\n  \"mcpServers\": {\n    \"digiusher\": {\"command\": \"x\",},\n  }\n}\n",
    )
    .unwrap();
    let cursor = h.join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    std::fs::write(
        &cursor,
        json!({"mcpServers": {
            "digiusher": {"command": "/nonexistent/bin/digiusher-mcp", "args": []},
            "github": {"command": "gh-mcp"}
        }})
        .to_string(),
    )
    .unwrap();
    let vscode = h.join(".config/Code/User/mcp.json");
    std::fs::create_dir_all(vscode.parent().unwrap()).unwrap();
    std::fs::write(
        &vscode,
        json!({"servers": {"digiusher": {"type": "stdio", "command": "npx", "args": ["-y", "@digiusher/mcp"],
            "env": {"npm_config_offline": "true", "npm_config_cache": h.join("npm-cache")}}}})
        .to_string(),
    )
    .unwrap();
    let before = files_under(h);
    let (code, report) = doctor(
        h,
        "http://127.0.0.1:9",
        &[("DIGIUSHER_TOKEN", "sim-alice")],
        &["--offline"],
    )
    .await;
    assert_eq!(code, 1, "{report:#}");

    assert_eq!(status(&report, "host.claude-desktop"), "fail");
    let d = detail(&report, "host.claude-desktop");
    assert!(d.contains("is not valid JSON (line 3, column"), "{d}");
    assert!(fix(&report, "host.claude-desktop").contains("digiusher-mcp setup claude-desktop"));

    assert_eq!(status(&report, "host.cursor.digiusher.command"), "fail");
    assert!(
        detail(&report, "host.cursor.digiusher.command")
            .contains("/nonexistent/bin/digiusher-mcp, which does not exist")
    );
    assert!(fix(&report, "host.cursor.digiusher.command").contains("digiusher-mcp setup cursor"));
    // Other servers are not ours to check.
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c["id"].as_str().unwrap().contains("github"))
    );

    assert_eq!(
        status(&report, "host.vscode.digiusher.command"),
        "warn",
        "{report:#}"
    );
    assert!(
        detail(&report, "host.vscode.digiusher.command").contains("a bare or relative command")
    );
    assert!(fix(&report, "host.vscode.digiusher.command").contains("absolute path"));
    // npx cannot fetch the package offline: what it printed is shown.
    assert_eq!(status(&report, "host.vscode.digiusher.handshake"), "fail");
    assert!(
        detail(&report, "host.vscode.digiusher.handshake").contains("stderr ends"),
        "{report:#}"
    );

    assert_eq!(
        files_under(h)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(h.join("npm-cache")))
            .collect::<Vec<_>>(),
        before
    );
}

#[tokio::test]
async fn claude_desktops_log_shows_its_last_errors() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    if std::env::consts::OS == "macos" {
        return; // the log is in ~/Library/Logs there; the path rule is unit-tested
    }
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let home = TempDir::new("doctor-log");
    setup(&home.0, "claude-desktop");
    let log = home.0.join(".config/Claude/logs/mcp-server-digiusher.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, "2026-12-01 [info] Server started\n2026-12-01 [error] spawn npx ENOENT\n2026-12-01 [info] bye\n").unwrap();
    let (_, report) = doctor(
        &home.0,
        &sim.base_url(),
        &[("DIGIUSHER_TOKEN", "sim-alice")],
        &["--offline"],
    )
    .await;
    assert_eq!(status(&report, "host.claude-desktop.digiusher.log"), "warn");
    let d = detail(&report, "host.claude-desktop.digiusher.log");
    assert!(d.contains("spawn npx ENOENT") && !d.contains("bye"), "{d}");
}

/// `doctor --json` at trace level (its stderr too goes into the secrets check).
/// One run per state: a run may refresh the sign-in, which changes the next.
async fn json_report(w: &World) -> (Option<i32>, Value) {
    let env = [
        ("RUST_LOG", "trace"),
        ("DIGIUSHER_MCP_RELEASE_URL", "http://127.0.0.1:9/r"),
    ];
    let out = w.run(&["doctor", "--json"], &env).await;
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    every_check_is_complete(&report);
    (out.status.code(), report)
}

/// The human form at trace level, in a UTF-8 locale.
async fn human(w: &World) -> (Option<i32>, String) {
    let env = [
        ("RUST_LOG", "trace"),
        ("DIGIUSHER_MCP_RELEASE_URL", "http://127.0.0.1:9/r"),
        ("LANG", "C.UTF-8"),
    ];
    let out = w.run(&["doctor"], &env).await;
    (out.status.code(), text(&out).0)
}

#[tokio::test]
async fn signed_in_with_the_test_provider_everything_is_checked_without_a_secret_shown() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&["--access-token-ttl", "3"], "file").await;
    w.login(&[]).await;
    let first = w.credential().await.unwrap();
    let (code, report) = json_report(&w).await;
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(status(&report, "signin"), "ok");
    assert!(
        detail(&report, "signin").contains("kept in the file"),
        "{report:#}"
    );
    assert!(
        detail(&report, "signin").contains("as configured"),
        "{report:#}"
    );
    assert_eq!(status(&report, "signin.token"), "ok");
    assert_eq!(status(&report, "signin.provider"), "ok");
    assert!(
        detail(&report, "api").contains("organization(s)"),
        "{report:#}"
    );
    assert_eq!(status(&report, "clock"), "ok");
    let (code, stdout) = human(&w).await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("✓ signed in as"), "{stdout}");
    assert!(
        stdout.contains("    → Run `digiusher-mcp setup claude-desktop`"),
        "{stdout}"
    );

    // A stale access token is refreshed, as a tool call would.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (_, report) = json_report(&w).await;
    assert!(
        detail(&report, "signin.token").contains("a refresh worked"),
        "{report:#}"
    );
    assert_eq!(status(&report, "api"), "ok");
    let last = w.credential().await.unwrap();
    let secrets: Vec<String> = [&first, &last]
        .iter()
        .flat_map(|c| {
            ["access_token", "refresh_token"].map(|k| c[k].as_str().unwrap_or("").to_string())
        })
        .collect();
    w.assert_no_secrets(&secrets);
}

#[tokio::test]
async fn signed_out_and_revoked_sign_ins_fail_with_login_as_the_fix() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&["--access-token-ttl", "2"], "file").await;
    let (code, report) = json_report(&w).await;
    assert_eq!(code, Some(1));
    assert_eq!(status(&report, "signin"), "fail");
    assert!(fix(&report, "signin").contains("digiusher-mcp login"));
    // Without a token the API is still reached, to tell the network apart.
    assert_eq!(status(&report, "api"), "ok", "{report:#}");

    w.login(&[]).await;
    let cred = w.credential().await.unwrap();
    let refresh = cred["refresh_token"].as_str().unwrap();
    let resp = http_client()
        .post(&w.provider.revocation)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "token={}&client_id={}",
            urlencode(refresh),
            urlencode(cred["client_id"].as_str().unwrap())
        ))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (code, report) = json_report(&w).await;
    assert_eq!(code, Some(1));
    assert_eq!(status(&report, "signin.token"), "fail", "{report:#}");
    assert!(
        detail(&report, "signin.token").contains("the refresh was refused"),
        "{report:#}"
    );
    assert!(fix(&report, "signin.token").contains("digiusher-mcp login"));
    let secrets = vec![
        cred["access_token"].as_str().unwrap().to_string(),
        refresh.to_string(),
    ];
    w.assert_no_secrets(&secrets);
}

#[tokio::test]
async fn an_api_that_is_down_is_named() {
    let home = TempDir::new("doctor-down");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}");
    let (code, report) = doctor(&home.0, &api, &[("DIGIUSHER_TOKEN", "sim-alice")], &[]).await;
    assert_eq!(code, 1);
    assert_eq!(status(&report, "api"), "fail");
    assert!(
        detail(&report, "api").contains("the connection was refused"),
        "{report:#}"
    );
}

/// An API on 127.0.0.1 whose clock is ten minutes ahead.
fn skewed_api() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let date =
                httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(600));
            let body = r#"{"organizations": [{"id": "a"}, {"id": "b"}]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ndate: {date}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[tokio::test]
async fn a_clock_ten_minutes_off_is_a_warning() {
    let home = TempDir::new("doctor-clock");
    let (code, report) = doctor(
        &home.0,
        &skewed_api(),
        &[("DIGIUSHER_TOKEN", "sim-alice")],
        &[],
    )
    .await;
    assert_eq!(code, 0, "{report:#}");
    assert!(
        detail(&report, "api").contains("2 organization(s)"),
        "{report:#}"
    );
    assert_eq!(status(&report, "clock"), "warn");
    let d = detail(&report, "clock");
    assert!(
        d.contains("s behind the API's") && d.contains("will be refused"),
        "{d}"
    );
}

/// An HTTPS server on 127.0.0.1 with a self-signed certificate (openssl s_server).
struct TlsServer {
    _child: tokio::process::Child,
    _dir: TempDir,
    url: String,
}

async fn untrusted_tls() -> TlsServer {
    let dir = TempDir::new("doctor-tls");
    let (key, cert) = (dir.0.join("key.pem"), dir.0.join("cert.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (tests/run installs it)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = tokio::process::Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-www",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-key",
        ])
        .arg(&key)
        .arg("-cert")
        .arg(&cert)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    TlsServer {
        _child: child,
        _dir: dir,
        url: format!("https://127.0.0.1:{port}"),
    }
}

#[tokio::test]
async fn a_certificate_nobody_trusts_is_explained() {
    if crate::common::skip(&[Need::PosixShell]) {
        return;
    }
    let tls = untrusted_tls().await;
    let home = TempDir::new("doctor-tls-home");
    let (code, report) = doctor(
        &home.0,
        &tls.url,
        &[("DIGIUSHER_TOKEN", "sim-alice-long-enough-to-check")],
        &[],
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(status(&report, "api"), "fail");
    assert!(
        detail(&report, "api").contains("TLS failed: the server's certificate is not trusted"),
        "{report:#}"
    );
    assert!(
        fix(&report, "api").contains("OS certificate store"),
        "{report:#}"
    );
    assert!(
        !report
            .to_string()
            .contains("sim-alice-long-enough-to-check")
    );
}

#[tokio::test]
async fn a_host_name_dns_cannot_resolve_is_named() {
    let home = TempDir::new("doctor-dns");
    let (code, report) = doctor(
        &home.0,
        "https://api.digiusher.invalid",
        &[("DIGIUSHER_TOKEN", "sim-alice")],
        &[],
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        detail(&report, "api").contains("DNS cannot resolve the host name"),
        "{report:#}"
    );
    assert!(fix(&report, "api").contains("DNS"), "{report:#}");
}

#[tokio::test]
async fn a_configuration_that_cannot_be_used_is_a_failure_not_a_crash() {
    let home = TempDir::new("doctor-config");
    let (code, report) = doctor(&home.0, "http://api.example.com", &[], &["--offline"]).await;
    assert_eq!(code, 1);
    assert_eq!(status(&report, "config"), "fail");
    assert!(
        detail(&report, "config").contains("must use https://"),
        "{report:#}"
    );
    // The other checks still ran.
    assert_eq!(status(&report, "binary"), "ok");
    assert_eq!(status(&report, "network.proxy"), "ok");
}
