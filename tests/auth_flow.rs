//! Sign-in end to end with the real binary, a real OpenID provider (npm
//! oidc-provider, tests/fixtures/oidc), the API simulator checking tokens by
//! introspection at that provider, scripted and real browsers, and the keychain.

use std::process::Stdio;
use std::time::Duration;

use crate::common::oidc::*;
use crate::common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn login_status_tool_call_token_logout_with_a_scripted_browser() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let out = w.login(&[]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(
        stdout.trim(),
        "Signed in to DigiUsher as Alice Adams <alice@example.com>."
    );
    assert!(
        stderr.contains("The sign-in page was opened with $BROWSER"),
        "{stderr}"
    );
    assert!(stderr.contains(&w.provider.issuer), "{stderr}");

    let (status, code) = w.status().await;
    assert_eq!(code, 0, "{status}");
    assert_eq!(status["signed_in"], true);
    assert_eq!(status["profile"], "default");
    assert_eq!(status["issuer"], w.provider.issuer.as_str());
    assert_eq!(status["api_base"], w.sim.base_url().as_str());
    assert_eq!(status["store"], "file");
    assert_eq!(
        status["identity"],
        json!({"sub": "alice", "email": "alice@example.com", "name": "Alice Adams"})
    );
    assert!(status["client_id"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(status["expires_at"].as_str().unwrap().ends_with('Z'));
    let scopes: Vec<&str> = status["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for s in ["openid", "profile", "email", "offline_access"] {
        assert!(scopes.contains(&s), "{scopes:?}");
    }

    // The file store is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = crate::common::app_data(&w.home.0).join("credentials.json");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // A tool call over stdio, with the stored sign-in.
    let client = w.client().await;
    let r = call_ok(&client, "list_organizations").await;
    assert_eq!(r.is_error, Some(false), "{:?}", texts(&r));
    assert!(texts(&r)[0].contains("Acme Corp"));
    client.cancel().await.ok();
    assert!(
        w.sim
            .requests()
            .iter()
            .any(|r| r.subject.as_deref() == Some("alice"))
    );

    let out = w.run(&["token"], &[]).await;
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(w.provider.introspect(&token).await["active"] == true);

    let cred = w.credential().await.expect("stored credential");
    let refresh = cred["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();
    let access = cred["access_token"].as_str().unwrap().to_string();
    assert_eq!(w.provider.introspect(&refresh).await["active"], true);

    let out = w.run(&["logout"], &[]).await;
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    assert!(
        stdout.contains("revoked at the identity provider")
            && stdout.contains("local credential deleted"),
        "{stdout}"
    );
    assert_eq!(
        w.provider.introspect(&refresh).await["active"],
        false,
        "logout revokes the refresh token"
    );

    let (status, code) = w.status().await;
    assert_eq!((status["signed_in"].clone(), code), (json!(false), 1));
    // Signed out, and sign-in from the host turned off: the terminal hint.
    let client = w.client_with(&[("DIGIUSHER_SIGN_IN", "never")]).await;
    let r = call_ok(&client, "list_organizations").await;
    assert_eq!(r.is_error, Some(true));
    assert!(
        texts(&r)[0].contains("digiusher-mcp login"),
        "{:?}",
        texts(&r)
    );
    client.cancel().await.ok();

    w.assert_no_secrets(&[token, refresh, access]);
}

#[tokio::test]
async fn login_with_headless_chromium() {
    if crate::common::skip(&[Need::Node, Need::Chromium]) {
        return;
    }
    if std::path::Path::new("/usr/bin/chromium").exists() || std::env::var_os("CI").is_some() {
        let w = World::new(&[], "file").await;
        let browser = fixtures().join("chromium-login.mjs").display().to_string();
        let out = w
            .login(&[("BROWSER", &browser), ("OIDC_TEST_LOGIN", "bob")])
            .await;
        assert_eq!(
            text(&out).0.trim(),
            "Signed in to DigiUsher as Bob Brown <bob@example.com>."
        );
        let (status, _) = w.status().await;
        assert_eq!(status["identity"]["sub"], "bob");
    } else {
        eprintln!("skipped: /usr/bin/chromium is missing (tests/run installs it)");
    }
}

#[tokio::test]
async fn a_wrong_state_gets_400_and_the_right_one_still_completes() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let out = w.login(&[("OIDC_TEST_TAMPER_STATE", "1")]).await;
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("400"),
        "the tampered callback was refused: {stderr}"
    );
    assert_eq!(w.status().await.1, 0);
}

#[tokio::test]
async fn access_denied_ends_the_flow_with_the_reason() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let out = w
        .run(
            &["login", "--timeout", "60"],
            &[("OIDC_TEST_ACTION", "deny")],
        )
        .await;
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains(
            "sign-in was refused by the identity provider, which answered: \"access_denied"
        ),
        "{stderr}"
    );
    assert_eq!(w.status().await.1, 1);
}

/// Start `login --no-browser` in the world and return the child with the
/// authorization URL.
async fn start_manual_login(
    w: &World,
    extra: &[&str],
) -> (
    tokio::process::Child,
    String,
    tokio::io::Lines<BufReader<tokio::process::ChildStderr>>,
) {
    let mut args = vec!["login", "--no-browser"];
    args.extend_from_slice(extra);
    spawn_manual_login(w.command(&args, &[])).await
}

#[tokio::test]
async fn a_mismatched_iss_is_rejected() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let (mut child, url, _lines) = start_manual_login(&w, &["--timeout", "30"]).await;
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    for p in ["state", "nonce", "code_challenge"] {
        assert!(!query_param(&url, p).is_empty());
    }
    let redirect = query_param(&url, "redirect_uri");
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"),
        "{redirect}"
    );
    let state = query_param(&url, "state");
    let http = http_client();
    let not_callback = http
        .get(redirect.replace("/callback", "/other"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_callback.status(), 404);
    let evil = http
        .get(format!(
            "{redirect}?code=x&state={state}&iss=http%3A%2F%2Fevil.example"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 400);
    assert_eq!(evil.headers()["cache-control"], "no-store");
    assert_eq!(evil.headers()["referrer-policy"], "no-referrer");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(!status.success());
}

#[tokio::test]
async fn timeout_ends_the_flow_and_frees_the_port() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let p = port.to_string();
    let out = w
        .run(
            &[
                "login",
                "--no-browser",
                "--timeout",
                "2",
                "--callback-port",
                &p,
            ],
            &[],
        )
        .await;
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("no sign-in completed within 2 seconds"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--no-browser: none was launched"),
        "{stderr}"
    );
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the callback port is free again");
}

#[tokio::test]
async fn an_issuer_mismatch_in_discovery_is_refused() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&["--issuer-override", "http://127.0.0.1:1/not-me"], "file").await;
    let out = w
        .run(
            &["login", "--timeout", "30"],
            &[("DIGIUSHER_ISSUER", &w.provider.issuer)],
        )
        .await;
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("says its issuer is \"http://127.0.0.1:1/not-me\""),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_rejected_cached_registration_is_replaced() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    w.login(&[]).await;
    let (first, _) = w.status().await;
    let path = crate::common::app_config(&w.home.0).join("registrations.json");
    let mut regs: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let entry = regs
        .get_mut(w.provider.issuer.as_str())
        .expect("registration cached per issuer");
    let uri = entry["registration_client_uri"]
        .as_str()
        .unwrap()
        .to_string();
    entry["client_id"] = json!("forgotten-client");
    entry["registration_client_uri"] =
        json!(uri.replace(first["client_id"].as_str().unwrap(), "forgotten-client"));
    std::fs::write(&path, regs.to_string()).unwrap();
    let out = w.login(&[]).await;
    assert!(
        text(&out).1.contains("registering again"),
        "{}",
        text(&out).1
    );
    let (second, _) = w.status().await;
    assert_ne!(second["client_id"], "forgotten-client");
    assert_ne!(second["client_id"], first["client_id"]);
}

#[tokio::test]
async fn the_device_flow_signs_in_and_is_refused_where_not_offered() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let mut child = w
        .command(&["login", "--device", "--timeout", "60"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (uri, code) = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("device instructions");
        if let Some(rest) = line.strip_prefix("To sign in, open ") {
            let (uri, code) = rest
                .split_once(" on any device and enter the code ")
                .unwrap();
            break (uri.to_string(), code.trim().to_string());
        }
    };
    let approve = tokio::process::Command::new("node")
        .arg(fixtures().join("device-approve.mjs"))
        .args([&uri, &code])
        .output()
        .await
        .unwrap();
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Signed in to DigiUsher as Alice Adams <alice@example.com>."
    );

    let w = World::new(&["--no-device-flow"], "file").await;
    let out = w.run(&["login", "--device"], &[]).await;
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("does not offer the device flow"),
        "{}",
        text(&out).1
    );
}

#[tokio::test]
async fn eight_servers_refresh_short_lived_tokens_together_without_logging_out() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&["--access-token-ttl", "4"], "file").await;
    w.login(&[]).await;
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(w.client().await);
    }
    let first = w.credential().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    for round in 0..4 {
        let calls = clients.iter().map(|c| call_ok(c, "list_organizations"));
        let results = futures_util::future::join_all(calls).await;
        for r in &results {
            assert_eq!(r.is_error, Some(false), "round {round}: {:?}", texts(r));
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
    }
    for c in clients {
        c.cancel().await.ok();
    }
    let last = w.credential().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, last, "refresh tokens rotated");
    let (status, code) = w.status().await;
    assert_eq!(code, 0, "still signed in: {status}");
    let out = w.run(&["token"], &[]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    w.assert_no_secrets(&[first, last]);
}

#[tokio::test]
async fn a_revoked_refresh_token_means_sign_in_again() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&["--access-token-ttl", "2"], "file").await;
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
    let out = w.run(&["call", "list_organizations"], &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out)
            .1
            .contains("Your DigiUsher sign-in has expired or was revoked"),
        "{}",
        text(&out).1
    );
    assert_eq!(w.status().await.1, 1, "the credential was removed");
}

#[tokio::test]
async fn the_os_keychain_holds_the_credential() {
    if crate::common::skip(&[Need::Node, Need::SecretService]) {
        return;
    }
    if !crate::common::keychain_session() {
        return;
    }
    let w = World::new(&[], "keychain").await;
    w.login(&[]).await;
    let (status, code) = w.status().await;
    assert_eq!(
        (status["store"].clone(), code),
        (json!("keychain"), 0),
        "{status}"
    );
    assert!(
        !crate::common::app_data(&w.home.0)
            .join("credentials.json")
            .exists(),
        "nothing in the file store"
    );
    let cred = w
        .credential()
        .await
        .expect("secret-tool finds the credential");
    assert!(cred["refresh_token"].is_string());
    let client = w.client().await;
    assert_eq!(
        call_ok(&client, "list_organizations").await.is_error,
        Some(false)
    );
    client.cancel().await.ok();
    let out = w.run(&["logout"], &[]).await;
    assert!(out.status.success());
    assert!(
        w.credential().await.is_none(),
        "logout deletes the keychain entry"
    );
}

#[tokio::test]
async fn without_a_keychain_auto_falls_back_to_the_file_with_a_warning() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "auto").await;
    let out = w
        .login(&[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")])
        .await;
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("Warning: No usable OS keychain"),
        "{stderr}"
    );
    let out = w
        .run(
            &["status", "--json"],
            &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
        )
        .await;
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["store"], "file");
    assert!(
        status["warning"]
            .as_str()
            .unwrap()
            .contains("no OS keychain")
    );
}

#[tokio::test]
async fn ctrl_c_cancels_the_login_and_frees_the_port() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let p = port.to_string();
    let (mut child, url, mut lines) = start_manual_login(&w, &["--callback-port", &p]).await;
    assert!(
        url.contains(&format!("127.0.0.1%3A{port}%2Fcallback")),
        "{url}"
    );
    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(!status.success());
    let mut rest = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        rest.push_str(&line);
    }
    assert!(rest.contains("sign-in cancelled"), "{rest}");
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the callback port is free again");
}

#[tokio::test]
async fn profiles_keep_accounts_apart_and_the_env_token_wins() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    w.login(&[]).await;
    let out = w
        .run(
            &["--profile", "second", "login", "--timeout", "60"],
            &[("OIDC_TEST_LOGIN", "bob")],
        )
        .await;
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(
        text(&out).0.trim(),
        "Signed in to DigiUsher as Bob Brown <bob@example.com>."
    );
    let (alice, _) = w.status().await;
    assert_eq!(alice["identity"]["sub"], "alice");
    let out = w
        .run(&["status", "--json"], &[("DIGIUSHER_PROFILE", "second")])
        .await;
    let bob: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (bob["identity"]["sub"].clone(), bob["profile"].clone()),
        (json!("bob"), json!("second"))
    );

    // DIGIUSHER_TOKEN wins over the stored sign-in and is never written.
    let out = w
        .run(
            &["status", "--json"],
            &[("DIGIUSHER_TOKEN", "static-token-value")],
        )
        .await;
    let env: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(env["store"], "env");
    let data = crate::common::app_data(&w.home.0);
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        if entry.path().is_file() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            assert!(
                !text.contains("static-token-value"),
                "{}",
                entry.path().display()
            );
        }
    }
    // Logging out of one profile leaves the other signed in.
    assert!(
        w.run(&["--profile", "second", "logout"], &[])
            .await
            .status
            .success()
    );
    assert_eq!(w.status().await.1, 0);
}
