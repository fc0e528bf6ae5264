//! The checks of `doctor`: this binary, each MCP host's entry (started for real),
//! the sign-in, the API and the network. Each check is one line a user can act
//! on. Nothing here writes a file: host configurations are only read, and the
//! sign-in is only refreshed when its access token is stale, as any tool call
//! would.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::auth::account::{self, SignInState, is_fresh};
use crate::auth::discovery::provider_metadata;
use crate::auth::http::OAuthHttp;
use crate::auth::{AuthError, TokenSource};
use crate::config::{ConfigError, Settings};
use crate::platform::Os;
use crate::release::{self, Installed, Version};
use crate::setup_hosts::{NPM_PACKAGE, SetupHost};

/// The release check is a courtesy: a slow network must not hold `doctor` up.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a host's command may take to answer `initialize` and `tools/list`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the API and the identity provider may take to answer.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(10);
/// A clock further off than this makes providers and APIs refuse tokens.
const CLOCK_LIMIT_SECS: i64 = 60;
/// How much of the end of a host's log is read, and how many error lines shown.
const LOG_TAIL: u64 = 64 * 1024;
const LOG_LINES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the report, and the thing to do when it is not `ok`.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(id: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn warn(id: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn fail(id: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

pub struct Options {
    pub host: Option<SetupHost>,
    pub offline: bool,
}

/// Every check, in the order a user would fix things.
pub async fn run(settings: Result<Settings, ConfigError>, opts: &Options) -> Vec<Check> {
    let mut checks = binary(opts.offline).await;
    checks.extend(hosts(opts.host).await);
    match settings {
        Ok(settings) => {
            checks.extend(sign_in(&settings, opts.offline).await);
        }
        Err(e) => checks.push(Check::fail(
            "config",
            format!("the configuration cannot be used: {e}"),
            "Fix the setting named above (config file, environment variable or option); see the README's Configuration section.",
        )),
    }
    checks.push(proxies(|name| std::env::var(name).ok()));
    checks
}

// ---- this binary ---------------------------------------------------------------------

async fn binary(offline: bool) -> Vec<Check> {
    let current = Version::current();
    let (exe, how) = match release::this_binary() {
        Ok(found) => found,
        Err(e) => {
            return vec![Check::warn(
                "binary",
                format!("digiusher-mcp v{current}; {e}"),
                "Run digiusher-mcp by its full path.",
            )];
        }
    };
    let mut checks = vec![Check::ok(
        "binary",
        format!(
            "digiusher-mcp v{current} at {}, installed by {}",
            exe.display(),
            how.describe()
        ),
    )];
    if offline {
        return checks;
    }
    let env_url = std::env::var("DIGIUSHER_MCP_RELEASE_URL").ok();
    let check = match release::release_url(None, env_url.as_deref(), None) {
        Ok(base) => release::check(base, RELEASE_TIMEOUT).await,
        Err(e) => Err(e),
    };
    let update_fix = match how {
        Installed::Npm | Installed::Bundle => how.updated_elsewhere().unwrap_or_default(),
        Installed::Cargo => {
            "Run `cargo install` again from the new release's source, or switch to the installer and `digiusher-mcp update`."
        }
        _ => "Run `digiusher-mcp update`.",
    };
    checks.push(match check {
        Ok(found) => match (&found.version, found.is_newer()) {
            (Some(v), true) => Check::warn(
                "binary.release",
                format!("a newer release is available: v{v} (this is v{current})"),
                update_fix,
            ),
            (Some(v), false) => Check::ok(
                "binary.release",
                format!("up to date (latest release: v{v})"),
            ),
            (None, _) => Check::warn(
                "binary.release",
                "the release does not say its version",
                "Compare with the release page by hand.",
            ),
        },
        Err(e) => Check::warn(
            "binary.release",
            format!("cannot check for a newer release: {e}"),
            "Not a problem by itself; check the network (or DIGIUSHER_MCP_RELEASE_URL) and try again, or pass --offline.",
        ),
    });
    checks
}

// ---- MCP hosts -----------------------------------------------------------------------

/// Every host `setup` knows, or only `only`.
async fn hosts(only: Option<SetupHost>) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut entries = 0;
    for host in SetupHost::ALL {
        if only.is_some_and(|o| o.name != host.name) {
            continue;
        }
        let (host_checks, found) = one_host(host, only.is_some()).await;
        entries += found;
        checks.extend(host_checks);
    }
    if entries == 0 && only.is_none() {
        checks.push(Check::warn(
            "hosts",
            "no MCP host is set up to start digiusher-mcp",
            setup_any_host(),
        ));
    }
    checks
}

/// The advice when no host starts this server: the first host's command, and the
/// names of the others.
fn setup_any_host() -> String {
    let mut names = SetupHost::ALL.iter().map(|host| host.name);
    let first = names.next().unwrap_or_default();
    let others: Vec<&str> = names.collect();
    format!(
        "Run `digiusher-mcp setup {first}` (or {}), then restart that host.",
        others.join(", ")
    )
}

/// The checks of one host and how many of our entries it has.
async fn one_host(host: &SetupHost, asked: bool) -> (Vec<Check>, usize) {
    let id = format!("host.{}", host.name);
    let setup = format!("digiusher-mcp setup {}", host.name);
    let path = match host.config_path() {
        Ok(p) => p,
        Err(e) => return (vec![Check::warn(id, e.to_string(), "Set HOME.")], 0),
    };
    let text = match read_config(&path) {
        Ok(None) => {
            let detail = format!("{}: no configuration at {}", host.title, path.display());
            let check = if asked {
                Check::warn(id, detail, format!("Run `{setup}`."))
            } else {
                Check::ok(id, detail)
            };
            return (vec![check], 0);
        }
        Ok(Some(text)) => text,
        Err(e) => {
            let detail = format!("{}: {e}", host.title);
            return (
                vec![Check::fail(id, detail, "Check the file's permissions.")],
                0,
            );
        }
    };
    let root = match parse_config(&text) {
        Ok(root) => root,
        Err((line, column, e)) => {
            let detail = format!(
                "{}: {} is not valid JSON (line {line}, column {column}: {e})",
                host.title,
                path.display()
            );
            let fix = format!(
                "Fix the file at line {line}, column {column} (or move it away), then run `{setup}`; {} cannot read its servers until then.",
                host.title
            );
            return (vec![Check::fail(id, detail, fix)], 0);
        }
    };
    let found = ours(&root, host.entry.servers_key);
    if found.is_empty() {
        let detail = format!("{}: {} has no digiusher entry", host.title, path.display());
        return (vec![Check::warn(id, detail, format!("Run `{setup}`."))], 0);
    }
    let mut checks = vec![Check::ok(
        id.clone(),
        format!(
            "{}: {} has {}",
            host.title,
            path.display(),
            found
                .iter()
                .map(|(name, _)| format!("\"{name}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )];
    for (name, entry) in &found {
        checks.extend(one_entry(host, &id, name, entry, &setup).await);
    }
    (checks, found.len())
}

/// The file's text; `None` when there is none (or it is empty). Read as `setup`
/// reads it: a regular file of bounded size, never a FIFO or a device.
fn read_config(path: &Path) -> Result<Option<String>, crate::files::ReadError> {
    match crate::files::read_text(path, crate::setup::HOST_CONFIG_CAP) {
        Ok(text) => Ok((!text.trim().is_empty()).then_some(text)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The configuration as a JSON object, or where it stops being JSON.
fn parse_config(text: &str) -> Result<Value, (usize, usize, String)> {
    serde_json::from_str::<Value>(text).map_err(|e| {
        let line = e.line();
        let column = e.column();
        let words = e.to_string();
        // serde_json appends " at line L column C"; the caller says where already.
        let words = words
            .rsplit_once(" at line ")
            .map_or(words.clone(), |(w, _)| w.to_string());
        (line, column, words)
    })
}

/// The entries that run this server: named digiusher…, or whose command is this
/// binary or whose arguments name the npm package.
fn ours(root: &Value, servers_key: &str) -> Vec<(String, Value)> {
    let Some(servers) = root.get(servers_key).and_then(Value::as_object) else {
        return Vec::new();
    };
    servers
        .iter()
        .filter(|(name, entry)| {
            let command = entry.get("command").and_then(Value::as_str).unwrap_or("");
            let stem = Path::new(command)
                .file_stem()
                .is_some_and(|s| s == "digiusher-mcp");
            let npm = args(entry)
                .iter()
                .any(|a| a == NPM_PACKAGE || a.starts_with(&format!("{NPM_PACKAGE}@")));
            *name == "digiusher" || name.starts_with("digiusher-") || stem || npm
        })
        .map(|(n, e)| (n.clone(), e.clone()))
        .collect()
}

fn args(entry: &Value) -> Vec<String> {
    entry
        .get("args")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The command's checks: is it there, does it answer, what did the host log.
async fn one_entry(
    host: &SetupHost,
    id: &str,
    name: &str,
    entry: &Value,
    setup: &str,
) -> Vec<Check> {
    let id = format!("{id}.{name}");
    let label = format!("{} \"{name}\"", host.title);
    let mut checks = Vec::new();
    let Some(command) = entry.get("command").and_then(Value::as_str) else {
        checks.push(Check::fail(
            format!("{id}.command"),
            format!("{label} has no \"command\""),
            format!("Run `{setup}`."),
        ));
        return checks;
    };
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    let resolved = resolve(command, &path_var);
    let absolute = Path::new(command).is_absolute();
    checks.push(match (&resolved, absolute) {
        (None, true) => Check::fail(
            format!("{id}.command"),
            format!("{label} runs {command}, which does not exist or is not a program"),
            format!("Run `{setup}` to point it at this binary."),
        ),
        (None, false) => Check::fail(
            format!("{id}.command"),
            format!("{label} runs `{command}`, which is not found on PATH"),
            format!(
                "Run `{setup}`: it writes this binary's absolute path, which works without PATH."
            ),
        ),
        (Some(p), false) if host.desktop_app => Check::warn(
            format!("{id}.command"),
            format!(
                "{label} runs `{command}` (here {}), a bare or relative command: {} may start it with another PATH than your shell's (on macOS a desktop app never gets the shell's PATH; `spawn {command} ENOENT`)",
                p.display(),
                host.title
            ),
            format!("Run `{setup}` to write an absolute path."),
        ),
        (Some(p), _) => Check::ok(
            format!("{id}.command"),
            format!("{label} runs {}", p.display()),
        ),
    });
    if let Some(program) = resolved {
        checks.push(handshake(&id, &label, &program, &args(entry), entry.get("env")).await);
    }
    if let Some(check) = host_log(host, &id, name) {
        checks.push(check);
    }
    checks
}

/// The program `command` names: a path as it is, a bare name looked up on `path`.
fn resolve(command: &str, path: &std::ffi::OsStr) -> Option<PathBuf> {
    if command.trim().is_empty() {
        return None;
    }
    let candidate = Path::new(command);
    if candidate.components().count() > 1 || candidate.is_absolute() {
        return is_program(candidate).then(|| candidate.to_path_buf());
    }
    let suffixes: &[&str] = if cfg!(windows) {
        &["", ".exe", ".cmd", ".bat"]
    } else {
        &[""]
    };
    std::env::split_paths(path).find_map(|dir| {
        suffixes.iter().find_map(|s| {
            let p = dir.join(format!("{command}{s}"));
            is_program(&p).then_some(p)
        })
    })
}

fn is_program(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Start the entry's command line as the host would and speak MCP with it:
/// `initialize`, then `tools/list`, within [`HANDSHAKE_TIMEOUT`].
async fn handshake(
    id: &str,
    label: &str,
    program: &Path,
    args: &[String],
    env: Option<&Value>,
) -> Check {
    let id = format!("{id}.handshake");
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(env) = env.and_then(Value::as_object) {
        for (k, v) in env {
            if let Some(v) = v.as_str() {
                cmd.env(k, v);
            }
        }
    }
    let started = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Check::fail(
                id,
                format!("{label}: cannot start {}: {e}", program.display()),
                "Check that the file is a program for this machine, or run the setup command again.",
            );
        }
    };
    let stderr = child.stderr.take();
    let stderr_text = tokio::spawn(async move {
        let mut text = Vec::new();
        if let Some(mut s) = stderr {
            let _ = (&mut s).take(64 * 1024).read_to_end(&mut text).await;
        }
        String::from_utf8_lossy(&text).into_owned()
    });
    let result = tokio::time::timeout(HANDSHAKE_TIMEOUT, speak_mcp(&mut child)).await;
    let _ = child.kill().await;
    let elapsed = started.elapsed().as_millis();
    let stderr = tokio::time::timeout(Duration::from_secs(1), stderr_text)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let said = last_lines(&stderr, 5);
    let said = if said.is_empty() {
        "it printed nothing on stderr".to_string()
    } else {
        format!("its stderr ends: {said}")
    };
    match result {
        Ok(Ok((server, tools))) => Check::ok(
            id,
            format!("{label} started; MCP handshake with {server} in {elapsed} ms: {tools} tools"),
        ),
        Ok(Err(e)) => Check::fail(
            id,
            format!("{label} started, but the MCP handshake failed ({e}); {said}"),
            "Run the same command in a terminal to see the whole error.",
        ),
        Err(_) => Check::fail(
            id,
            format!(
                "{label} started, but did not answer `initialize` and `tools/list` within {} s; {said}",
                HANDSHAKE_TIMEOUT.as_secs()
            ),
            "Run the same command in a terminal to see what it waits for.",
        ),
    }
}

/// `initialize`, `notifications/initialized`, `tools/list`: the server's name and
/// its tool count.
async fn speak_mcp(child: &mut tokio::process::Child) -> Result<(String, usize), String> {
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut send = async |message: Value| {
        let mut line = message.to_string();
        line.push('\n');
        stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("cannot write to it: {e}"))
    };
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "digiusher-mcp-doctor", "version": env!("CARGO_PKG_VERSION")}
        }}),
    )
    .await?;
    let init = answer(&mut lines, 1).await?;
    let server = init["serverInfo"]["name"]
        .as_str()
        .map(|n| crate::untrusted::clean(n, 60))
        .unwrap_or_else(|| "the server".to_string());
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await?;
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).await?;
    let tools = answer(&mut lines, 2).await?;
    let count = tools["tools"].as_array().map_or(0, Vec::len);
    Ok((server, count))
}

/// The result of the response with `id`, skipping notifications and log lines.
async fn answer(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    id: i64,
) -> Result<Value, String> {
    loop {
        let line = lines
            .next_line()
            .await
            .map_err(|e| format!("cannot read from it: {e}"))?
            .ok_or("it exited or closed stdout")?;
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            return Err(format!(
                "it printed something that is not JSON-RPC on stdout: {}",
                crate::untrusted::quoted(&line, 120)
            ));
        };
        if message["id"] != json!(id) {
            continue;
        }
        if let Some(error) = message.get("error") {
            return Err(format!(
                "it answered with an error: {}",
                crate::untrusted::quoted(&error.to_string(), 200)
            ));
        }
        return Ok(message["result"].clone());
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(n)..];
    crate::untrusted::clean(&tail.join(" | "), 1000)
}

/// The last error lines of the host's log for this server, when it keeps one.
fn host_log(host: &SetupHost, id: &str, name: &str) -> Option<Check> {
    let path = host.log_path_in(name, Os::CURRENT, &crate::platform::user_folders()?)?;
    let text = tail(&path).ok()??;
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.to_ascii_lowercase().contains("error"))
        .collect();
    let id = format!("{id}.log");
    Some(if errors.is_empty() {
        Check::ok(id, format!("no errors at the end of {}", path.display()))
    } else {
        let shown = &errors[errors.len().saturating_sub(LOG_LINES)..];
        Check::warn(
            id,
            format!(
                "the last errors in {}: {}",
                path.display(),
                crate::untrusted::clean(&shown.join(" | "), 2000)
            ),
            format!(
                "These lines may be from before a fix; restart {} and run `digiusher-mcp doctor` again if they come back.",
                host.title
            ),
        )
    })
}

/// The end of a log file, `None` when there is none.
fn tail(path: &Path) -> std::io::Result<Option<String>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(meta.len().saturating_sub(LOG_TAIL)))?;
    let mut bytes = Vec::new();
    file.take(LOG_TAIL).read_to_end(&mut bytes)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

// ---- sign-in and the API -------------------------------------------------------------

async fn sign_in(settings: &Settings, offline: bool) -> Vec<Check> {
    let mut checks = Vec::new();
    let login = "Run `digiusher-mcp login` in a terminal.";
    let state = account::state(settings).await;
    let mut issuer = settings.issuer.clone();
    let mut signed_in = true;
    match &state {
        SignInState::EnvToken => checks.push(Check::ok(
            "signin",
            "DIGIUSHER_TOKEN is set and is used as it is (never stored, never refreshed)",
        )),
        SignInState::NotSignedIn => {
            signed_in = false;
            checks.push(Check::fail(
                "signin",
                format!("profile \"{}\" is not signed in", settings.profile),
                login,
            ));
        }
        SignInState::Unreadable(e) => {
            signed_in = false;
            checks.push(Check::fail(
                "signin",
                format!("the sign-in cannot be read: {e}"),
                login,
            ));
        }
        SignInState::CredentialMissing(account) => {
            signed_in = false;
            checks.push(Check::fail(
                "signin",
                format!(
                    "the sign-in is recorded but its credential is missing from the {}",
                    account.store.as_str()
                ),
                login,
            ));
        }
        SignInState::Stored {
            account,
            credential,
        } => {
            issuer = Some(account.issuer.clone());
            let why = match (account.store.as_str(), account.store_fallback) {
                ("file", true) => format!(
                    " ({}, mode 0600, because no OS keychain was usable at sign-in)",
                    settings.paths.credentials.display()
                ),
                ("file", false) => format!(
                    " ({}, mode 0600, as configured)",
                    settings.paths.credentials.display()
                ),
                _ => String::new(),
            };
            let who = [&credential.identity.email, &credential.identity.name]
                .into_iter()
                .flatten()
                .next()
                .cloned()
                .unwrap_or_else(|| credential.identity.sub.clone());
            checks.push(Check::ok(
                "signin",
                format!(
                    "signed in as {} with {}; kept in the {}{why}",
                    crate::untrusted::clean(&who, 120),
                    crate::untrusted::clean(&account.issuer, 200),
                    account.store.as_str()
                ),
            ));
            let expiry = crate::time::rfc3339(credential.expires_at);
            checks.push(if is_fresh(credential) {
                Check::ok(
                    "signin.token",
                    format!("the access token is valid until {expiry}"),
                )
            } else if credential.refresh_token.is_none() {
                signed_in = false;
                Check::fail(
                    "signin.token",
                    format!("the access token expired at {expiry} and cannot be refreshed"),
                    login,
                )
            } else if offline {
                Check::warn(
                    "signin.token",
                    format!("the access token expired at {expiry}; not refreshed (--offline)"),
                    "Run `digiusher-mcp doctor` without --offline to try a refresh.",
                )
            } else {
                let (check, ok) = refresh(settings, &expiry).await;
                signed_in = ok;
                check
            });
        }
    }
    if offline {
        return checks;
    }
    if let Some(issuer) = issuer {
        checks.push(discovery(&issuer).await);
    }
    checks.extend(api(settings, signed_in).await);
    checks
}

/// Refresh a stale access token the way a tool call would (which stores the
/// rotated refresh token, as the provider requires).
async fn refresh(settings: &Settings, expiry: &str) -> (Check, bool) {
    match TokenSource::stored(settings).access_token().await {
        Ok(_) => (
            Check::ok(
                "signin.token",
                format!("the access token had expired ({expiry}); a refresh worked"),
            ),
            true,
        ),
        Err(e @ (AuthError::SignInExpired(_) | AuthError::NotSignedIn)) => (
            Check::fail(
                "signin.token",
                format!("the access token expired at {expiry} and the refresh was refused: {e}"),
                "Run `digiusher-mcp login` in a terminal.",
            ),
            false,
        ),
        Err(e) => (
            Check::fail(
                "signin.token",
                format!("the access token expired at {expiry} and could not be refreshed: {e}"),
                "Check the network (see the network lines below), then run `digiusher-mcp doctor` again.",
            ),
            false,
        ),
    }
}

async fn discovery(issuer: &str) -> Check {
    let id = "signin.provider";
    let http = match OAuthHttp::new() {
        Ok(h) => h,
        Err(e) => return Check::fail(id, e.to_string(), "Report this."),
    };
    let shown = crate::untrusted::clean(issuer, 200);
    match tokio::time::timeout(NETWORK_TIMEOUT, provider_metadata(&http, issuer)).await {
        Ok(Ok(_)) => Check::ok(
            id,
            format!("the identity provider's discovery document at {shown} is reachable"),
        ),
        Ok(Err(e)) => {
            let (detail, fix) = explain_text(&e.to_string());
            Check::fail(
                id,
                format!("the identity provider {shown} cannot be used: {detail}"),
                fix,
            )
        }
        Err(_) => Check::fail(
            id,
            format!("the identity provider {shown} did not answer within 10 s"),
            "Check the network and any proxy (see below).",
        ),
    }
}

/// The API, with the token when there is one: reachable, accepted, how many
/// organizations; and the clock offset from its `Date` header.
async fn api(settings: &Settings, signed_in: bool) -> Vec<Check> {
    let id = "api";
    let base = crate::untrusted::clean(&settings.api_base, 200);
    let http = match crate::http::builder().timeout(NETWORK_TIMEOUT).build() {
        Ok(h) => h,
        Err(e) => return vec![Check::fail(id, e.to_string(), "Report this.")],
    };
    let mut request = http
        .get(format!("{}/restapi/v2/organizations", settings.api_base))
        .header(reqwest::header::ACCEPT, "application/json");
    if signed_in {
        let tokens = Arc::new(TokenSource::from_settings(settings));
        match tokens.access_token().await {
            Ok(token) => {
                let mut value = match reqwest::header::HeaderValue::try_from(format!(
                    "Bearer {}",
                    token.secret.expose()
                )) {
                    Ok(v) => v,
                    Err(_) => {
                        return vec![Check::fail(
                            id,
                            "the access token cannot be sent in a header",
                            "Run `digiusher-mcp login` (or fix DIGIUSHER_TOKEN).",
                        )];
                    }
                };
                value.set_sensitive(true);
                request = request.header(reqwest::header::AUTHORIZATION, value);
            }
            Err(e) => {
                return vec![Check::fail(
                    id,
                    format!("no token for the API: {e}"),
                    "Run `digiusher-mcp login` in a terminal.",
                )];
            }
        }
    }
    let sent = SystemTime::now();
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            let (detail, fix) = explain(&e);
            return vec![Check::fail(
                id,
                format!("the DigiUsher API at {base} cannot be reached: {detail}"),
                fix,
            )];
        }
    };
    let mut checks = Vec::new();
    let status = response.status().as_u16();
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok());
    let body = crate::http::read_capped(response, settings.max_response_bytes)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    checks.push(match (status, signed_in) {
        (200..=299, true) => {
            let count = body
                .as_ref()
                .and_then(|b| b.get("organizations"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            Check::ok(
                id,
                format!("the DigiUsher API at {base} accepts the sign-in: {count} organization(s)"),
            )
        }
        (_, false) => Check::ok(
            id,
            format!("the DigiUsher API at {base} is reachable (HTTP {status} without a sign-in)"),
        ),
        (401 | 403, true) => Check::fail(
            id,
            format!("the DigiUsher API at {base} refused the token (HTTP {status})"),
            "Run `digiusher-mcp login` in a terminal (with DIGIUSHER_TOKEN set, replace that token).",
        ),
        (status, true) => Check::fail(
            id,
            format!("the DigiUsher API at {base} answered HTTP {status}"),
            "Try again later; if it persists, check DIGIUSHER_API_BASE_URL (or --api-base) and report it.",
        ),
    });
    if let Some(date) = date {
        checks.push(clock(date, sent));
    }
    checks
}

/// The clock's offset from the API's `Date` (which has whole seconds).
fn clock(server: SystemTime, sent: SystemTime) -> Check {
    let offset = match server.duration_since(sent) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    };
    if offset.abs() <= CLOCK_LIMIT_SECS {
        Check::ok(
            "clock",
            format!("this clock is within {CLOCK_LIMIT_SECS} s of the API's"),
        )
    } else {
        let (how, secs) = if offset > 0 {
            ("behind", offset)
        } else {
            ("ahead of", -offset)
        };
        Check::warn(
            "clock",
            format!("this clock is {secs} s {how} the API's: sign-ins and tokens will be refused"),
            "Turn on automatic date and time in the system settings (or sync with NTP).",
        )
    }
}

/// A transport failure in words and what to do about it.
fn explain(e: &reqwest::Error) -> (String, String) {
    if e.is_timeout() {
        return (
            "no answer within 10 s".to_string(),
            "Check the network and any proxy (see below).".to_string(),
        );
    }
    explain_text(&crate::http::transport_cause(e))
}

/// Words for the errors users meet: a certificate nobody here trusts (usually a
/// proxy that inspects TLS), a name DNS cannot resolve, a refused connection.
pub fn explain_text(cause: &str) -> (String, String) {
    let lower = cause.to_ascii_lowercase();
    let cause = crate::untrusted::clean(cause, 300);
    if lower.contains("unknownissuer")
        || lower.contains("unknown issuer")
        || lower.contains("certificate")
    {
        (
            format!("TLS failed: the server's certificate is not trusted here ({cause})"),
            "An unknown issuer usually means a proxy or security product that inspects TLS. digiusher-mcp trusts the OS certificate store: add that proxy's root certificate there (macOS: Keychain Access → System; Windows: Manage computer certificates → Trusted Root Certification Authorities; Linux: /usr/local/share/ca-certificates, then update-ca-certificates), or ask your IT team.".to_string(),
        )
    } else if lower.contains("dns")
        || lower.contains("lookup address")
        || lower.contains("name or service not known")
        || lower.contains("no such host")
    {
        (
            format!("DNS cannot resolve the host name ({cause})"),
            "Check the network connection, the URL, and your DNS or VPN settings.".to_string(),
        )
    } else if lower.contains("tls") || lower.contains("handshake") || lower.contains("alert") {
        (
            format!("TLS failed ({cause})"),
            "A proxy or firewall may be interfering with HTTPS; check the proxy settings below or ask your IT team.".to_string(),
        )
    } else if lower.contains("refused") {
        (
            format!("the connection was refused ({cause})"),
            "Check the URL and that the service is up; behind a proxy, check HTTPS_PROXY."
                .to_string(),
        )
    } else {
        (
            cause,
            "Check the network connection and any proxy (see below).".to_string(),
        )
    }
}

// ---- the network ---------------------------------------------------------------------

/// The proxies in effect, as the HTTP clients read them (passwords not shown).
fn proxies(env: impl Fn(&str) -> Option<String>) -> Check {
    let names = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ];
    let set: Vec<String> = names
        .iter()
        .filter_map(|n| {
            let v = env(n).filter(|v| !v.trim().is_empty())?;
            Some(format!("{n}={}", without_password(&v)))
        })
        .collect();
    if set.is_empty() {
        Check::ok(
            "network.proxy",
            "no proxy is set: connections go direct (127.0.0.1, ::1 and localhost always do)",
        )
    } else {
        Check::ok(
            "network.proxy",
            format!(
                "proxy settings in effect: {}; 127.0.0.1, ::1 and localhost always go direct",
                crate::untrusted::clean(&set.join(", "), 1000)
            ),
        )
    }
}

/// A proxy URL without its user name and password.
fn without_password(value: &str) -> String {
    match reqwest::Url::parse(value) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            format!("{url} (credentials hidden)")
        }
        Ok(_) => value.to_string(),
        Err(_) if value.contains('@') => "(set; not shown)".to_string(),
        Err(_) => value.to_string(),
    }
}

/// The report as one JSON object for support tickets.
pub fn as_json(checks: &[Check]) -> Value {
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    let mut root = Map::new();
    root.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    root.insert("ok".into(), json!(!failed));
    root.insert("checks".into(), json!(checks));
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_entries_are_found_by_name_command_or_package() {
        let root = json!({"mcpServers": {
            "digiusher": {"command": "/x"},
            "digiusher-work": {"command": "/x"},
            "costs": {"command": "/opt/digiusher-mcp"},
            "npx-form": {"command": "npx", "args": ["-y", "@digiusher/mcp@1.2.3"]},
            "github": {"command": "gh-mcp", "args": ["@digiusher/mcpx"]},
        }});
        let names: Vec<String> = ours(&root, "mcpServers")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["digiusher", "digiusher-work", "costs", "npx-form"]);
        assert!(ours(&root, "servers").is_empty());
    }

    #[test]
    fn broken_json_says_where() {
        let (line, column, words) = parse_config("{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!((line, column), (3, 1));
        assert!(!words.contains("at line"), "{words}");
    }

    #[test]
    fn proxy_passwords_are_not_shown() {
        let env = |n: &str| match n {
            "HTTPS_PROXY" => Some("http://bob:hunter2@proxy.corp:3128".to_string()),
            "NO_PROXY" => Some(".corp".to_string()),
            _ => None,
        };
        let check = proxies(env);
        assert!(!check.detail.contains("hunter2"), "{}", check.detail);
        assert!(!check.detail.contains("bob"), "{}", check.detail);
        assert!(check.detail.contains("proxy.corp:3128"), "{}", check.detail);
        assert!(check.detail.contains("NO_PROXY=.corp"), "{}", check.detail);
        assert!(proxies(|_| None).detail.contains("no proxy"));
    }

    #[test]
    fn a_clock_off_by_more_than_a_minute_warns() {
        let now = SystemTime::now();
        assert_eq!(clock(now + Duration::from_secs(30), now).status, Status::Ok);
        let ahead = clock(now - Duration::from_secs(600), now);
        assert_eq!(ahead.status, Status::Warn);
        assert!(ahead.detail.contains("600 s ahead of"), "{}", ahead.detail);
        assert!(
            clock(now + Duration::from_secs(90), now)
                .detail
                .contains("90 s behind")
        );
    }

    #[test]
    fn transport_failures_are_explained() {
        let (d, f) = explain_text("invalid peer certificate: UnknownIssuer");
        assert!(d.starts_with("TLS failed"), "{d}");
        assert!(f.contains("OS certificate store"), "{f}");
        let (d, _) =
            explain_text("failed to lookup address information: Name or service not known");
        assert!(d.starts_with("DNS cannot resolve"), "{d}");
        let (d, _) = explain_text("Connection refused (os error 111)");
        assert!(d.starts_with("the connection was refused"), "{d}");
    }

    #[test]
    fn bare_commands_are_looked_up_on_path() {
        let dir = std::env::temp_dir().join(format!("dmcp-doctor-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let program = dir.join("tool");
        std::fs::write(&program, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = std::env::join_paths([Path::new("/nowhere"), &dir]).unwrap();
        assert_eq!(resolve("tool", &path), Some(program.clone()));
        assert_eq!(resolve("missing", &path), None);
        assert_eq!(
            resolve(program.to_str().unwrap(), &path),
            Some(program.clone())
        );
        assert_eq!(resolve("", &path), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
