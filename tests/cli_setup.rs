//! `setup` and `completions` from the command line, in a fresh HOME, against
//! host configuration files of every shape.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use serde_json::{Value, json};

fn run(home: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("USERPROFILE", home)
        .env("APPDATA", home.join("AppData").join("Roaming"))
        .env("RUST_BACKTRACE", "0");
    if let Some(root) = std::env::var_os("SYSTEMROOT") {
        cmd.env("SYSTEMROOT", root);
    }
    cmd.output().expect("runs")
}

/// Where `host` reads its servers under the fresh `home` on this system (the
/// macOS and Windows jobs run this too; tests/release/setup_hosts.mjs checks the
/// same on the release binary).
fn host_file(home: &Path, host: &str) -> PathBuf {
    let config = if cfg!(target_os = "macos") {
        home.join("Library").join("Application Support")
    } else if cfg!(windows) {
        home.join("AppData").join("Roaming")
    } else {
        home.join(".config")
    };
    match host {
        "claude-desktop" => config.join("Claude").join("claude_desktop_config.json"),
        "cursor" => home.join(".cursor").join("mcp.json"),
        "claude-code" => home.join(".claude.json"),
        "vscode" => config.join("Code").join("User").join("mcp.json"),
        other => panic!("no such host: {other}"),
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// This binary's path as setup writes it (on Windows without the `\\?\` prefix
/// that canonicalize adds).
fn binary() -> String {
    let path = std::fs::canonicalize(BIN).unwrap().display().to_string();
    match path.strip_prefix(r"\\?\") {
        Some(plain) if cfg!(windows) => plain.to_string(),
        _ => path,
    }
}

#[test]
fn setup_writes_each_hosts_file_in_its_shape() {
    let home = TempDir::new("setup");
    let h = &home.0;
    let cases = [
        (
            "claude-desktop",
            host_file(h, "claude-desktop"),
            "mcpServers",
            json!({"command": binary(), "args": []}),
        ),
        (
            "cursor",
            host_file(h, "cursor"),
            "mcpServers",
            json!({"command": binary(), "args": []}),
        ),
        (
            "claude-code",
            host_file(h, "claude-code"),
            "mcpServers",
            json!({"type": "stdio", "command": binary(), "args": [], "env": {}}),
        ),
        (
            "vscode",
            host_file(h, "vscode"),
            "servers",
            json!({"type": "stdio", "command": binary(), "args": []}),
        ),
    ];
    for (host, path, key, entry) in cases {
        let out = run(h, &["setup", host]);
        assert!(
            out.status.success(),
            "{host}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("Created {}", path.display())),
            "{host}: {stdout}"
        );
        assert!(stdout.contains("Next: "), "{stdout}");
        assert_eq!(read(&path), json!({key: {"digiusher": entry}}), "{host}");
        // Idempotent.
        let out = run(h, &["setup", host]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("nothing changed"));
    }
}

/// Every host the binary lists, named here or not: `--print` shows an entry that
/// starts this binary, and `setup` writes exactly that into the file `--print`
/// named, then changes nothing when run again.
#[test]
fn setup_writes_what_print_shows_for_every_listed_host() {
    let home = TempDir::new("setup-listed");
    let h = &home.0;
    for host in setup_hosts() {
        let out = run(h, &["setup", &host, "--print"]);
        assert!(out.status.success(), "{host}: {out:?}");
        let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        let said = String::from_utf8_lossy(&out.stderr);
        let path = said
            .strip_prefix("Add this to ")
            .and_then(|rest| rest.rsplit_once(" ("))
            .map(|(path, _)| PathBuf::from(path))
            .unwrap_or_else(|| panic!("{host}: {said}"));
        assert!(path.starts_with(h), "{host}: {}", path.display());
        let servers = printed.as_object().expect("one key: the servers");
        assert_eq!(servers.len(), 1, "{host}: {printed}");
        let entry = servers.values().next().unwrap()["digiusher"].clone();
        assert_eq!(entry["command"], binary(), "{host}: {printed}");
        assert!(!path.exists(), "{host}: --print wrote {}", path.display());

        let out = run(h, &["setup", &host]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{host}: {out:?}");
        assert!(
            stdout.starts_with(&format!("Created {}", path.display())),
            "{host}: {stdout}"
        );
        assert_eq!(read(&path), printed, "{host}");
        let out = run(h, &["setup", &host]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("nothing changed"),
            "{host}"
        );
    }
}

/// `setup --list` is for scripts: neither the help nor the completions offer it,
/// and it takes nothing else.
#[test]
fn setup_list_is_for_scripts_only() {
    let home = TempDir::new("setup-list");
    let help = run(&home.0, &["setup", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("<HOST>") && !help.contains("--list"),
        "{help}"
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(&home.0, &["completions", shell]);
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("--list"),
            "{shell}"
        );
    }
    for extra in ["cursor", "--print"] {
        let out = run(&home.0, &["setup", "--list", extra]);
        assert_eq!(out.status.code(), Some(2), "--list {extra}");
    }
    assert!(files_under(&home.0).is_empty());
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn setup_merges_keeps_other_servers_backs_up_and_refuses_broken_files() {
    let home = TempDir::new("setup-merge");
    let h = &home.0;
    let path = host_file(h, "cursor");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let original =
        r#"{"mcpServers": {"github": {"command": "gh-mcp", "args": ["--x"]}}, "other": true}"#;
    std::fs::write(&path, original).unwrap();
    let out = run(h, &["setup", "cursor", "--profile", "work"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = read(&path);
    assert_eq!(v["other"], true);
    assert_eq!(
        v["mcpServers"]["github"],
        json!({"command": "gh-mcp", "args": ["--x"]})
    );
    assert_eq!(
        v["mcpServers"]["digiusher-work"],
        json!({"command": binary(), "args": ["--profile", "work"]})
    );
    let backup = h.join(".cursor").join("mcp.json.digiusher-mcp.bak");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), original);

    std::fs::write(&path, "{ not json").unwrap();
    let out = run(h, &["setup", "cursor"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not valid JSON") && err.contains("Nothing was changed"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{ not json");

    // An empty file is fine.
    std::fs::write(&path, "").unwrap();
    assert!(run(h, &["setup", "cursor"]).status.success());
    assert_eq!(read(&path)["mcpServers"]["digiusher"]["command"], binary());
}

#[test]
fn setup_print_only_prints() {
    let home = TempDir::new("setup-print");
    let out = run(&home.0, &["setup", "vscode", "--print"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        v,
        json!({"servers": {"digiusher": {"type": "stdio", "command": binary(), "args": []}}})
    );
    assert!(!host_file(&home.0, "vscode").exists());
    let out = run(&home.0, &["setup", "emacs"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown host is a usage error"
    );
}

#[test]
fn completions_for_every_shell() {
    let home = TempDir::new("completions");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(&home.0, &["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("digiusher-mcp") && text.contains("login") && text.contains("setup"),
            "{shell}"
        );
    }
}
