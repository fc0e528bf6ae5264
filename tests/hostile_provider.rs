//! URLs a secret is sent to, and proxies: hostile metadata, a tampered local file
//! and a proxy elsewhere must never receive a code, verifier or token.
//!
//! No test here lets the binary reach a non-loopback address: every proxy
//! variable points at a recording "sink" on 127.0.0.1 that answers 502, so even a
//! binary without these checks only ever talks to this machine. The URL
//! `http://192.0.2.2:9` (TEST-NET-1) stands for a host elsewhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::oidc::*;
use crate::common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ELSEWHERE: &str = "http://192.0.2.2:9";
const RULE: &str = "must use https://";

/// A tiny HTTP/1.1 server on 127.0.0.1: fixed answers by path (404 otherwise) and
/// a log of every request line. As a proxy it sees nothing but answers 502.
struct Server {
    addr: String,
    seen: Arc<Mutex<Vec<String>>>,
    routes: Arc<Mutex<HashMap<String, Value>>>,
}

impl Server {
    async fn start(proxy: bool) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let routes: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
        let (log, table) = (seen.clone(), routes.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (log, table) = (log.clone(), table.clone());
                tokio::spawn(async move {
                    let head = read_head(&mut stream).await;
                    log.lock().unwrap().push(head.clone());
                    let path = head.split(' ').nth(1).unwrap_or("").to_string();
                    let body = table.lock().unwrap().get(&path).cloned();
                    let reply = match (proxy, body) {
                        (true, _) => "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string(),
                        (false, Some(body)) => {
                            let body = body.to_string();
                            format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            )
                        }
                        (false, None) => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string(),
                    };
                    let _ = stream.write_all(reply.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Server { addr, seen, routes }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn route(&self, path: &str, body: Value) {
        self.routes.lock().unwrap().insert(path.into(), body);
    }

    /// Everything received so far: request line, headers and any body read.
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// The request lines only.
    fn request_lines(&self) -> Vec<String> {
        self.seen()
            .iter()
            .map(|h| h.lines().next().unwrap_or("").to_string())
            .collect()
    }

    /// Every proxy variable, upper and lower case, pointing here.
    fn proxy_env(&self) -> Vec<(&'static str, String)> {
        [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ]
        .into_iter()
        .map(|k| (k, self.url()))
        .collect()
    }
}

/// The request head and its body (by `content-length`): all of it is read, so
/// that closing the connection does not reset it before the answer arrives.
async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                break;
            }
        }
        if buf.len() > 1 << 20 {
            break;
        }
        match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// The binary with a clean environment, a fresh HOME, the file store and `env`.
async fn run(
    home: &TempDir,
    args: &[&str],
    api_base: &str,
    env: &[(&str, String)],
) -> (bool, String, String) {
    let mut cmd = binary(&home.0, api_base);
    cmd.args(args)
        .env("DIGIUSHER_TOKEN_STORE", "file")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the binary finishes")
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const LOGIN: &[&str] = &["login", "--no-browser", "--timeout", "3"];

/// Proxies at the sink, but loopback exempted the way a user would, so that these
/// tests are about the URL rule alone.
fn proxied_but_loopback_direct(sink: &Server) -> Vec<(&'static str, String)> {
    let mut env = sink.proxy_env();
    env.push(("NO_PROXY", "127.0.0.1,localhost".into()));
    env
}

#[tokio::test]
async fn an_http_authorization_server_from_resource_metadata_is_refused() {
    let sink = Server::start(true).await;
    let sim = Simulator::start(SimConfig {
        issuer_for_metadata: Some(ELSEWHERE.into()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let home = TempDir::new("hostile-as");
    let (ok, _, stderr) = run(
        &home,
        LOGIN,
        &sim.base_url(),
        &proxied_but_loopback_direct(&sink),
    )
    .await;
    assert!(!ok, "{stderr}");
    assert!(stderr.contains(&format!("{ELSEWHERE:?}")), "{stderr}");
    assert!(stderr.contains("authorization server"), "{stderr}");
    assert!(stderr.contains(RULE), "{stderr}");
    assert_eq!(
        sink.seen(),
        Vec::<String>::new(),
        "nothing left this machine"
    );
}

#[tokio::test]
async fn resource_metadata_for_another_api_is_refused() {
    let sink = Server::start(true).await;
    let api = Server::start(false).await;
    api.route(
        "/.well-known/oauth-protected-resource",
        json!({"resource": "https://api.other.example", "authorization_servers": [api.url()]}),
    );
    let home = TempDir::new("hostile-resource");
    let (ok, _, stderr) = run(
        &home,
        LOGIN,
        &api.url(),
        &proxied_but_loopback_direct(&sink),
    )
    .await;
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("api.other.example"), "{stderr}");
    assert!(stderr.contains(&api.url()), "names the API base: {stderr}");
    assert_eq!(
        api.request_lines(),
        ["GET /.well-known/oauth-protected-resource HTTP/1.1"],
        "the named issuer was not contacted"
    );
    assert!(sink.seen().is_empty());
}

/// An OpenID configuration with every endpoint on `base`.
fn provider_config(base: &str) -> Value {
    json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/auth"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/me"),
        "jwks_uri": format!("{base}/jwks"),
        "registration_endpoint": format!("{base}/reg"),
        "revocation_endpoint": format!("{base}/revoke"),
        "device_authorization_endpoint": format!("{base}/device"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
}

/// A provider whose configuration names one endpoint on a host elsewhere over
/// plain http: sign-in stops before the browser step and sends nothing.
#[tokio::test]
async fn each_http_endpoint_elsewhere_in_provider_metadata_is_refused() {
    let sink = Server::start(true).await;
    let kinds = [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "registration_endpoint",
        "revocation_endpoint",
        "device_authorization_endpoint",
    ];
    for kind in kinds {
        let idp = Server::start(false).await;
        let base = idp.url();
        let mut config = provider_config(&base);
        let bad = format!("{ELSEWHERE}/{kind}");
        config[kind] = json!(bad);
        idp.route("/.well-known/openid-configuration", config);
        idp.route("/jwks", json!({"keys": []}));
        let mut env = proxied_but_loopback_direct(&sink);
        env.push(("DIGIUSHER_ISSUER", base.clone()));
        // Without a client id the app registers first; with one it goes on to
        // the browser (or the device flow).
        if kind != "registration_endpoint" {
            env.push(("DIGIUSHER_CLIENT_ID", "test-client".into()));
        }
        let mut args = LOGIN.to_vec();
        if kind == "device_authorization_endpoint" {
            args.push("--device");
        }
        let home = TempDir::new("hostile-endpoint");
        let (ok, _, stderr) = run(&home, &args, "http://127.0.0.1:9", &env).await;
        assert!(!ok, "{kind}: {stderr}");
        assert!(stderr.contains(kind), "{kind}: {stderr}");
        assert!(stderr.contains(&format!("{bad:?}")), "{kind}: {stderr}");
        assert!(stderr.contains(RULE), "{kind}: {stderr}");
        assert!(
            !stderr.contains("Sign in to DigiUsher in your browser"),
            "{kind}: {stderr}"
        );
        assert_eq!(
            idp.request_lines(),
            ["GET /.well-known/openid-configuration HTTP/1.1"],
            "{kind}: nothing after discovery"
        );
        assert!(sink.seen().is_empty(), "{kind}: {:?}", sink.seen());
    }
}

/// The registration management URI is sent the registration access token: one
/// that breaks the rule is refused when registering, and a cached one edited to
/// break it is not contacted (the app registers afresh instead).
#[tokio::test]
async fn an_http_registration_management_uri_elsewhere_is_never_contacted() {
    let sink = Server::start(true).await;
    let idp = Server::start(false).await;
    let base = idp.url();
    idp.route("/.well-known/openid-configuration", provider_config(&base));
    idp.route("/jwks", json!({"keys": []}));
    let mut env = proxied_but_loopback_direct(&sink);
    env.push(("DIGIUSHER_ISSUER", base.clone()));
    let uri = format!("{ELSEWHERE}/reg/old");

    idp.route(
        "/reg",
        json!({"client_id": "new", "registration_client_uri": uri, "registration_access_token": "rat-new-secret"}),
    );
    let home = TempDir::new("hostile-reg");
    let (ok, _, stderr) = run(&home, LOGIN, "http://127.0.0.1:9", &env).await;
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("registration_client_uri"), "{stderr}");
    assert!(stderr.contains(&format!("{uri:?}")), "{stderr}");
    assert!(stderr.contains(RULE), "{stderr}");
    assert!(
        !stderr.contains("Sign in to DigiUsher in your browser"),
        "{stderr}"
    );

    idp.route("/reg", json!({"client_id": "new"}));
    let cache = crate::common::app_config(&home.0).join("registrations.json");
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    let cached = json!({&base: {"client_id": "old", "registration_client_uri": uri, "registration_access_token": "rat-old-secret"}});
    write_private(&cache, &cached);
    let args = ["login", "--no-browser", "--timeout", "1"];
    let (_, _, stderr) = run(&home, &args, "http://127.0.0.1:9", &env).await;
    assert!(
        stderr.contains("client_id=new"),
        "registered afresh: {stderr}"
    );
    assert!(sink.seen().is_empty(), "{:?}", sink.seen());
}

/// An edited accounts.json naming an http token (or revocation) endpoint elsewhere:
/// the refresh token is not sent, and logout still forgets the sign-in.
#[tokio::test]
async fn a_tampered_accounts_file_does_not_redirect_the_refresh_token() {
    let sink = Server::start(true).await;
    let home = TempDir::new("hostile-accounts");
    let data = crate::common::app_data(&home.0);
    std::fs::create_dir_all(&data).unwrap();
    let issuer = "http://127.0.0.1:1";
    let accounts = json!({"default": {
        "issuer": issuer,
        "client_id": "c",
        "store": "file",
        "token_endpoint": format!("{ELSEWHERE}/token"),
        "revocation_endpoint": format!("{ELSEWHERE}/revoke"),
    }});
    let credentials = json!({format!("default|{issuer}|c"): {
        "issuer": issuer,
        "client_id": "c",
        "access_token": "expired-access-token-0123",
        "expires_at": 10,
        "obtained_at": 5,
        "refresh_token": "refresh-token-secret-4567",
        "scopes": ["openid"],
        "identity": {"sub": "alice"},
    }});
    write_private(&data.join("accounts.json"), &accounts);
    write_private(&data.join("credentials.json"), &credentials);

    let env = sink.proxy_env();
    let (ok, stdout, stderr) = run(&home, &["token"], "http://127.0.0.1:9", &env).await;
    assert!(!ok, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("accounts.json"), "{stderr}");
    assert!(
        stderr.contains(&format!("\"{ELSEWHERE}/token\"")),
        "{stderr}"
    );
    assert!(stderr.contains(RULE), "{stderr}");
    assert!(sink.seen().is_empty(), "{:?}", sink.seen());

    let (ok, stdout, stderr) = run(&home, &["logout"], "http://127.0.0.1:9", &env).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("revocation failed"), "{stdout}");
    assert!(
        stdout.contains(&format!("\"{ELSEWHERE}/revoke\"")),
        "{stdout}"
    );
    assert!(stdout.contains(RULE), "{stdout}");
    assert!(stdout.contains("local credential deleted"), "{stdout}");
    assert!(sink.seen().is_empty(), "{:?}", sink.seen());
    for secret in ["expired-access-token-0123", "refresh-token-secret-4567"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
}

fn write_private(path: &std::path::Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec(value).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[tokio::test]
async fn a_loopback_api_is_never_reached_through_a_proxy() {
    let sink = Server::start(true).await;
    let h = Harness::with(Options {
        extra_env: sink.proxy_env(),
        ..Options::default()
    })
    .await;
    let (orgs, _) = h.ok("list_organizations", empty()).await;
    assert!(orgs.to_string().contains(ACME), "{orgs}");
    assert!(sink.seen().is_empty(), "{:?}", sink.seen());
}

#[tokio::test]
async fn other_hosts_still_go_through_the_proxy() {
    let sink = Server::start(true).await;
    let home = TempDir::new("proxy-elsewhere");
    let mut env = sink.proxy_env();
    env.push(("DIGIUSHER_TOKEN", "sim-alice".into()));
    env.push(("DIGIUSHER_REQUEST_TIMEOUT", "5".into()));
    // `.invalid` never resolves: only the proxy can take this request.
    let (ok, _, stderr) = run(
        &home,
        &["call", "list_organizations"],
        "https://api.invalid",
        &env,
    )
    .await;
    assert!(!ok, "{stderr}");
    let seen = sink.seen();
    assert!(!seen.is_empty(), "the proxy was used");
    for head in &seen {
        assert!(head.starts_with("CONNECT api.invalid:443 "), "{head}");
        assert!(!head.contains("sim-alice"), "the token stays inside TLS");
    }
}

/// Sign-in against the real provider on 127.0.0.1, then a refresh and a tool
/// call, all with every proxy variable at the sink.
#[tokio::test]
async fn sign_in_and_refresh_on_loopback_bypass_the_proxy() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let sink = Server::start(true).await;
    let w = World::new(&["--access-token-ttl", "2"], "file").await;
    let env = sink.proxy_env();
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.login(&extra).await;
    assert!(sink.seen().is_empty(), "login: {:?}", sink.seen());
    let refresh = |c: Option<Value>| c.unwrap()["refresh_token"].as_str().unwrap().to_string();
    let before = refresh(w.credential().await);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let out = w.run(&["call", "list_organizations"], &extra).await;
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(text(&out).0.contains(ACME), "{}", text(&out).0);
    assert_ne!(
        refresh(w.credential().await),
        before,
        "the token was refreshed"
    );
    assert!(
        sink.seen().is_empty(),
        "refresh and call: {:?}",
        sink.seen()
    );
}
