//! The credential store under load and damage: several profiles refreshing at once
//! in several processes (file store and keychain), damaged `credentials.json` and
//! `accounts.json`, and the keychain fallback message.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::oidc::*;
use crate::common::*;
use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::Value;

const PROFILES: [(&str, &str); 3] = [("one", "alice"), ("two", "bob"), ("three", "carol")];

fn data_dir(w: &World) -> PathBuf {
    crate::common::app_data(&w.home.0)
}

/// `--profile NAME` as the first arguments.
async fn run_as(w: &World, profile: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--profile", profile];
    all.extend_from_slice(args);
    w.run(&all, &[]).await
}

async fn login_as(w: &World, profile: &str, user: &str) -> std::process::Output {
    let out = w
        .run(
            &["--profile", profile, "login", "--timeout", "60"],
            &[("OIDC_TEST_LOGIN", user)],
        )
        .await;
    assert!(out.status.success(), "login {profile}: {}", text(&out).1);
    out
}

async fn status_of(w: &World, profile: &str) -> (Value, i32) {
    let out = run_as(w, profile, &["status", "--json"]).await;
    let v: Value = serde_json::from_slice(&out.stdout).expect("status --json prints JSON");
    (v, out.status.code().unwrap_or(-1))
}

/// A token as `digiusher-mcp token` gives it (refreshed when needed).
async fn token_of(w: &World, profile: &str) -> Option<String> {
    let out = run_as(w, profile, &["token"]).await;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

async fn server_for(
    w: &World,
    profile: &str,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear()
        .envs(w.env())
        .env("DIGIUSHER_PROFILE", profile);
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    ().serve(transport).await.expect("initialize")
}

/// Whether the provider still honours the profile's stored refresh token (a
/// revoked grant takes every token of it down).
async fn refresh_token_active(w: &World, profile: &str) -> bool {
    let Some(token) = token_of(w, profile).await else {
        return false;
    };
    if w.provider.introspect(&token).await["active"] != true {
        return false;
    }
    let data = data_dir(w);
    let accounts: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("accounts.json")).unwrap())
            .unwrap();
    let account = &accounts[profile];
    let key = format!(
        "{profile}|{}|{}",
        account["issuer"].as_str().unwrap(),
        account["client_id"].as_str().unwrap()
    );
    let credential: Value = match account["store"].as_str().unwrap() {
        "file" => {
            let all: Value = serde_json::from_str(
                &std::fs::read_to_string(data.join("credentials.json")).unwrap(),
            )
            .unwrap();
            all[&key].clone()
        }
        _ => {
            let out = tokio::process::Command::new("secret-tool")
                .args(["lookup", "service", "digiusher-mcp", "username", &key])
                .output()
                .await
                .unwrap();
            serde_json::from_slice(&out.stdout).unwrap()
        }
    };
    let refresh = credential["refresh_token"].as_str().unwrap().to_string();
    w.provider.introspect(&refresh).await["active"] == true
}

/// 3 profiles x 3 servers, 4-second access tokens, calls for about 12 s: every call
/// answers, every profile stays signed in, no grant is revoked.
async fn profiles_refresh_together(store: &'static str) {
    let w = World::new(&["--access-token-ttl", "4"], store).await;
    for (profile, user) in PROFILES {
        login_as(&w, profile, user).await;
    }
    let mut servers = Vec::new();
    for (profile, _) in PROFILES {
        for _ in 0..3 {
            servers.push((profile, server_for(&w, profile).await));
        }
    }
    let started = Instant::now();
    let (mut calls, mut failures) = (0, Vec::new());
    while started.elapsed() < Duration::from_secs(12) {
        let round = servers
            .iter()
            .map(|(_, c)| call_ok(c, "list_organizations"));
        for (r, (profile, _)) in futures_util::future::join_all(round)
            .await
            .iter()
            .zip(&servers)
        {
            calls += 1;
            if r.is_error == Some(true) {
                failures.push(format!("{profile}: {}", texts(r).join(" ")));
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for (_, c) in servers {
        c.cancel().await.ok();
    }
    assert!(calls >= 45, "only {calls} calls");
    assert!(
        failures.is_empty(),
        "{} of {calls} calls failed, first: {}",
        failures.len(),
        failures[0]
    );
    for (profile, user) in PROFILES {
        let (status, code) = status_of(&w, profile).await;
        assert_eq!(code, 0, "{profile} still signed in: {status}");
        assert_eq!(status["identity"]["sub"], user);
        assert!(
            refresh_token_active(&w, profile).await,
            "the grant of {profile} was revoked"
        );
    }
}

#[tokio::test]
async fn three_profiles_in_three_processes_each_refresh_the_file_store_without_losing_a_sign_in() {
    if crate::common::skip(&[Need::Node, Need::SecretService]) {
        return;
    }
    profiles_refresh_together("file").await;
}

#[tokio::test]
async fn three_profiles_in_three_processes_each_refresh_the_keychain_without_losing_a_sign_in() {
    if crate::common::skip(&[Need::Node, Need::SecretService]) {
        return;
    }
    if !crate::common::keychain_session() {
        return;
    }
    profiles_refresh_together("keychain").await;
}

/// The three ways a file gets damaged: cut short, emptied, overwritten with junk.
const DAMAGE: [(&str, &[u8]); 3] = [
    (
        "truncated",
        b"{\"default|http://x|c\": {\"issuer\": \"http://x\", \"acc",
    ),
    ("empty", b""),
    (
        "binary",
        b"\x00\x89PNG\r\n\x1a\n\xff\xfe\x00\x01garbage\xc3\x28",
    ),
];

fn damage(path: &std::path::Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

/// Files beside `name` that hold a damaged copy of it.
fn set_aside(w: &World, name: &str) -> Vec<PathBuf> {
    std::fs::read_dir(data_dir(w))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{name}.damaged-"))
        })
        .collect()
}

#[tokio::test]
async fn login_replaces_a_damaged_credential_file_and_keeps_the_copy_aside() {
    if crate::common::skip(&[Need::Node, Need::SecretService]) {
        return;
    }
    let w = World::new(&[], "file").await;
    w.login(&[]).await;
    let path = data_dir(&w).join("credentials.json");
    for (how, bytes) in DAMAGE {
        damage(&path, bytes);
        let (status, code) = w.status().await;
        assert_eq!(code, 1, "{how}: {status}");
        let error = status["error"].as_str().unwrap();
        assert!(
            error.contains("credentials.json is damaged")
                && error.contains("run `digiusher-mcp login` to replace it"),
            "{how}: {error}"
        );
        let out = w.run(&["call", "list_organizations"], &[]).await;
        assert_eq!(out.status.code(), Some(1), "{how}");
        assert!(text(&out).1.contains("damaged"), "{how}: {}", text(&out).1);

        let out = w.login(&[]).await;
        let (_, stderr) = text(&out);
        assert!(
            stderr.contains("credentials.json was damaged and has been replaced")
                && stderr.contains("the damaged copy is kept as"),
            "{how}: {stderr}"
        );
        let copies = set_aside(&w, "credentials.json");
        assert_eq!(copies.len(), 1, "{how}: {copies:?}");
        assert_eq!(std::fs::read(&copies[0]).unwrap(), bytes, "{how}");
        std::fs::remove_file(&copies[0]).unwrap();

        let (status, code) = w.status().await;
        assert_eq!(code, 0, "{how}: {status}");
        let out = w.run(&["call", "list_organizations"], &[]).await;
        assert!(out.status.success(), "{how}: {}", text(&out).1);
        // The grant of this sign-in is the one in use: nothing was wasted.
        assert!(refresh_token_active(&w, "default").await, "{how}");
    }
}

#[tokio::test]
async fn logout_removes_a_damaged_credential_or_account_file() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let data = data_dir(&w);
    let logouts = [&["logout"][..], &["logout", "--local-only"][..]];
    for (i, (how, bytes)) in DAMAGE.into_iter().enumerate() {
        for (j, file) in ["credentials.json", "accounts.json"]
            .into_iter()
            .enumerate()
        {
            // Each file with both kinds of logout, each damage with both files.
            let args = logouts[(i + j) % 2];
            {
                w.login(&[]).await;
                damage(&data.join(file), bytes);
                let out = w.run(args, &[]).await;
                let (stdout, stderr) = text(&out);
                assert!(
                    out.status.success(),
                    "{how} {file} {args:?}: {stdout}{stderr}"
                );
                assert!(
                    stdout.contains("Signed out of DigiUsher"),
                    "{how} {file} {args:?}: {stdout}"
                );
                assert!(
                    stderr.contains(&format!("{file} is damaged"))
                        && stderr.contains("removed")
                        && !stderr.contains("run `digiusher-mcp logout`"),
                    "{how} {file} {args:?}: {stderr}"
                );
                assert!(
                    !data.join(file).exists(),
                    "{how} {file} {args:?}: the damaged file is gone"
                );
                let (status, code) = w.status().await;
                assert_eq!(code, 1, "{status}");
                assert_eq!(
                    status["error"], "run `digiusher-mcp login` to sign in",
                    "{how} {file} {args:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_damaged_entry_of_one_profile_leaves_the_others_signed_in() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    login_as(&w, "one", "alice").await;
    login_as(&w, "two", "bob").await;
    let data = data_dir(&w);
    for file in ["credentials.json", "accounts.json"] {
        let path = data.join(file);
        let mut all: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let key = all
            .as_object()
            .unwrap()
            .keys()
            .find(|k| *k == "one" || k.starts_with("one|"))
            .unwrap()
            .clone();
        all[&key] = serde_json::json!({"issuer": 42});
        std::fs::write(&path, all.to_string()).unwrap();

        let (two, code) = status_of(&w, "two").await;
        assert_eq!(
            (code, &two["identity"]["sub"]),
            (0, &Value::from("bob")),
            "{file}: {two}"
        );
        let out = run_as(&w, "two", &["call", "list_organizations"]).await;
        assert!(out.status.success(), "{file}: {}", text(&out).1);

        let (one, code) = status_of(&w, "one").await;
        assert_eq!(code, 1, "{file}: {one}");
        let error = one["error"].as_str().unwrap();
        assert!(
            error.contains("damaged") && error.contains("digiusher-mcp login"),
            "{file}: {error}"
        );
        login_as(&w, "one", "alice").await;
        assert_eq!(status_of(&w, "one").await.1, 0, "{file}");
        assert_eq!(status_of(&w, "two").await.1, 0, "{file}");
    }
}

#[tokio::test]
async fn without_a_keychain_login_says_so_once_in_plain_words() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "auto").await;
    let out = w
        .login(&[
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
            ("RUST_LOG", ""),
        ])
        .await;
    let (_, stderr) = text(&out);
    assert_eq!(
        stderr.matches("keychain").count(),
        1,
        "one mention of the keychain: {stderr}"
    );
    assert!(
        stderr.contains("Warning: No usable OS keychain"),
        "{stderr}"
    );
    for detail in ["zbus", "D-Bus", "nonexistent", "Failed to connect"] {
        assert!(!stderr.contains(detail), "{detail} in: {stderr}");
    }
    let out = w
        .login(&[
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
            ("RUST_LOG", "digiusher_mcp=debug"),
        ])
        .await;
    assert!(
        text(&out).1.contains("nonexistent"),
        "the detail is at debug level: {}",
        text(&out).1
    );
}

/// A FIFO at `path` (no writer ever comes: reading it would wait forever).
#[cfg(unix)]
fn fifo_at(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

// FIFOs, /dev/zero and sparse files are how Unix stalls a reader.
#[cfg(unix)]
#[tokio::test]
async fn odd_files_in_the_data_folder_neither_hang_nor_bloat_status_or_calls() {
    if crate::common::skip(&[Need::Node, Need::PosixShell]) {
        return;
    }
    let w = World::new(&[], "file").await;
    w.login(&[]).await;
    let data = data_dir(&w);
    type Plant = fn(&std::path::Path);
    let plants: [(&str, &str, Plant); 4] = [
        ("credentials.json", "a FIFO", fifo_at),
        ("accounts.json", "a FIFO", fifo_at),
        ("credentials.json", "a device", |p| {
            let _ = std::fs::remove_file(p);
            std::os::unix::fs::symlink("/dev/zero", p).unwrap();
        }),
        ("accounts.json", "larger than", |p| {
            let _ = std::fs::remove_file(p);
            std::fs::File::create(p).unwrap().set_len(2 << 30).unwrap();
        }),
    ];
    for (file, what, plant) in plants {
        let path = data.join(file);
        let kept = std::fs::read(&path).unwrap();
        plant(&path);
        let started = Instant::now();
        let (status, code) = tokio::time::timeout(Duration::from_secs(20), w.status())
            .await
            .unwrap_or_else(|_| panic!("status hangs on {file} as {what}"));
        assert!(started.elapsed() < Duration::from_secs(10), "{file} {what}");
        assert_eq!(code, 1, "{file} {what}: {status}");
        let error = status["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(file) && error.contains(what) && error.contains("damaged"),
            "{file} {what}: {error}"
        );
        let out = tokio::time::timeout(
            Duration::from_secs(20),
            w.run(&["call", "list_organizations"], &[]),
        )
        .await
        .unwrap_or_else(|_| panic!("a tool call hangs on {file} as {what}"));
        assert_eq!(out.status.code(), Some(1), "{file} {what}");
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, kept).unwrap();
    }
}
