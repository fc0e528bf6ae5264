//! `digiusher-mcp setup <host>`: add this binary to an MCP host's configuration,
//! merging into the existing file, keeping every other server and key, with a
//! backup and an atomic write. A file that is not valid JSON is never touched.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::auth::store::create_private_dir;
use crate::terminal::{errln, outln};

/// The MCP hosts we know how to configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Host {
    ClaudeDesktop,
    Cursor,
    ClaudeCode,
    Vscode,
}

impl Host {
    pub fn name(self) -> &'static str {
        match self {
            Host::ClaudeDesktop => "Claude Desktop",
            Host::Cursor => "Cursor",
            Host::ClaudeCode => "Claude Code",
            Host::Vscode => "VS Code",
        }
    }

    /// The key under which servers live in this host's file.
    fn servers_key(self) -> &'static str {
        match self {
            Host::Vscode => "servers",
            _ => "mcpServers",
        }
    }

    /// Where the host reads its user-level MCP configuration.
    pub fn config_path(self) -> Result<PathBuf, String> {
        let base =
            directories::BaseDirs::new().ok_or("cannot find the home directory; set HOME")?;
        let home = base.home_dir();
        Ok(match self {
            // macOS ~/Library/Application Support/Claude, Windows %APPDATA%\Claude,
            // Linux ~/.config/Claude: each platform's config folder.
            Host::ClaudeDesktop => base
                .config_dir()
                .join("Claude")
                .join("claude_desktop_config.json"),
            Host::Cursor => home.join(".cursor").join("mcp.json"),
            // User scope of `claude mcp add --scope user`.
            Host::ClaudeCode => home.join(".claude.json"),
            Host::Vscode => base.config_dir().join("Code").join("User").join("mcp.json"),
        })
    }

    /// What to do after the file is written.
    fn next_step(self) -> &'static str {
        match self {
            Host::ClaudeDesktop => {
                "Quit and reopen Claude Desktop; the DigiUsher tools appear under the tools (hammer) menu."
            }
            Host::Cursor => {
                "Open Cursor Settings → MCP and make sure \"digiusher\" is enabled (restart Cursor if it is not listed)."
            }
            Host::ClaudeCode => "Start `claude` and run /mcp to see the DigiUsher server.",
            Host::Vscode => {
                "In VS Code run \"MCP: List Servers\" and start \"digiusher\" (Copilot Chat in Agent mode uses it)."
            }
        }
    }
}

/// The server entry for `binary` and `profile`, in the host's shape.
pub fn entry(host: Host, binary: &Path, profile: Option<&str>) -> (String, Value) {
    let name = match profile {
        Some(p) if p != crate::config::DEFAULT_PROFILE => format!("digiusher-{p}"),
        _ => "digiusher".to_string(),
    };
    let args: Vec<String> = match profile {
        Some(p) if p != crate::config::DEFAULT_PROFILE => vec!["--profile".into(), p.to_string()],
        _ => Vec::new(),
    };
    let command = binary.display().to_string();
    let value = match host {
        Host::ClaudeDesktop | Host::Cursor => json!({"command": command, "args": args}),
        Host::ClaudeCode => json!({"type": "stdio", "command": command, "args": args, "env": {}}),
        Host::Vscode => json!({"type": "stdio", "command": command, "args": args}),
    };
    (name, value)
}

/// What `apply` did.
#[derive(Debug, PartialEq)]
pub enum Applied {
    Created,
    Added { backup: Option<PathBuf> },
    Replaced { backup: PathBuf },
    Unchanged,
}

/// Merge `entry` into the JSON file at `path`.
pub fn apply(path: &Path, servers_key: &str, name: &str, entry: &Value) -> Result<Applied, String> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut root = match existing.as_deref().map(str::trim) {
        None | Some("") => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return Err(format!(
                    "{} does not hold a JSON object; fix or move it, then run setup again. Nothing was changed.",
                    path.display()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "{} is not valid JSON (line {}, column {}: {e}); fix or move it, then run setup again. Nothing was changed.",
                    path.display(),
                    e.line(),
                    e.column()
                ));
            }
        },
    };
    let servers = root
        .entry(servers_key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(servers) = servers else {
        return Err(format!(
            "\"{servers_key}\" in {} is not a JSON object; fix it, then run setup again. Nothing was changed.",
            path.display()
        ));
    };
    let previous = servers.insert(name.to_string(), entry.clone());
    if previous.as_ref() == Some(entry) {
        return Ok(Applied::Unchanged);
    }
    let backup = match existing.as_deref() {
        Some(text) if !text.trim().is_empty() => {
            let backup = backup_path(path);
            std::fs::write(&backup, text)
                .map_err(|e| format!("cannot write the backup {}: {e}", backup.display()))?;
            Some(backup)
        }
        _ => None,
    };
    let mut text = serde_json::to_string_pretty(&Value::Object(root))
        .map_err(|e| format!("cannot encode the configuration: {e}"))?;
    text.push('\n');
    write_atomically(path, text.as_bytes())?;
    Ok(match (existing.is_some(), previous, backup) {
        (false, _, _) => Applied::Created,
        (true, Some(_), Some(backup)) => Applied::Replaced { backup },
        (true, _, backup) => Applied::Added { backup },
    })
}

fn backup_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".digiusher-mcp.bak");
    path.with_file_name(name)
}

/// Temp file beside the target, then rename; keeps the target's permissions.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no folder", path.display()))?;
    if !dir.exists() {
        create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config"),
        std::process::id()
    ));
    let result = std::fs::write(&tmp, bytes).and_then(|()| {
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Run the command: print or write the entry, then say what happened and what next.
pub fn run(host: Host, print: bool, profile: Option<&str>) -> Result<(), String> {
    let binary = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| format!("cannot find this program's path: {e}"))?;
    let (name, value) = entry(host, &binary, profile);
    let path = host.config_path()?;
    if print {
        let snippet = json!({ host.servers_key(): { name: value } });
        outln!(
            "{}",
            serde_json::to_string_pretty(&snippet).map_err(|e| e.to_string())?
        );
        errln!("Add this to {} ({}).", path.display(), host.name());
        return Ok(());
    }
    let applied = apply(&path, host.servers_key(), &name, &value)?;
    let what = match &applied {
        Applied::Created => format!("Created {} with the \"{name}\" server.", path.display()),
        Applied::Added { backup: None } => format!("Added \"{name}\" to {}.", path.display()),
        Applied::Added { backup: Some(b) } => format!(
            "Added \"{name}\" to {} (previous version saved as {}).",
            path.display(),
            b.display()
        ),
        Applied::Replaced { backup } => format!(
            "Updated \"{name}\" in {} (previous version saved as {}).",
            path.display(),
            backup.display()
        ),
        Applied::Unchanged => format!(
            "{} already has this \"{name}\" entry; nothing changed.",
            path.display()
        ),
    };
    outln!("{what}");
    outln!("Next: {}", host.next_step());
    outln!("Sign in first if you have not: `digiusher-mcp login`.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "dmcp-setup-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn read(path: &Path) -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn entries_have_each_hosts_shape() {
        let bin = Path::new("/opt/bin/digiusher-mcp");
        assert_eq!(
            entry(Host::ClaudeDesktop, bin, None),
            (
                "digiusher".into(),
                json!({"command": "/opt/bin/digiusher-mcp", "args": []})
            )
        );
        assert_eq!(
            entry(Host::Cursor, bin, Some("default")).1,
            json!({"command": "/opt/bin/digiusher-mcp", "args": []})
        );
        assert_eq!(
            entry(Host::ClaudeCode, bin, Some("work")),
            (
                "digiusher-work".into(),
                json!({"type": "stdio", "command": "/opt/bin/digiusher-mcp", "args": ["--profile", "work"], "env": {}})
            )
        );
        assert_eq!(
            entry(Host::Vscode, bin, None).1,
            json!({"type": "stdio", "command": "/opt/bin/digiusher-mcp", "args": []})
        );
    }

    #[test]
    fn a_missing_file_is_created() {
        let d = dir();
        let path = d.join("sub").join("claude_desktop_config.json");
        let e = json!({"command": "/x"});
        assert_eq!(
            apply(&path, "mcpServers", "digiusher", &e).unwrap(),
            Applied::Created
        );
        assert_eq!(
            read(&path),
            json!({"mcpServers": {"digiusher": {"command": "/x"}}})
        );
    }

    #[test]
    fn an_empty_file_is_filled_without_backup() {
        let d = dir();
        let path = d.join("mcp.json");
        std::fs::write(&path, "  \n").unwrap();
        let e = json!({"type": "stdio", "command": "/x"});
        assert_eq!(
            apply(&path, "servers", "digiusher", &e).unwrap(),
            Applied::Added { backup: None }
        );
        assert_eq!(read(&path), json!({"servers": {"digiusher": e}}));
    }

    #[test]
    fn other_servers_and_keys_are_kept_with_a_backup() {
        let d = dir();
        let path = d.join(".claude.json");
        let original = r#"{"numStartups": 3, "projects": {"/p": {"mcpServers": {}}}, "mcpServers": {"github": {"command": "gh-mcp"}}}"#;
        std::fs::write(&path, original).unwrap();
        let e = json!({"type": "stdio", "command": "/x", "args": [], "env": {}});
        let Applied::Added {
            backup: Some(backup),
        } = apply(&path, "mcpServers", "digiusher", &e).unwrap()
        else {
            panic!("expected an addition with a backup");
        };
        assert_eq!(std::fs::read_to_string(backup).unwrap(), original);
        let v = read(&path);
        assert_eq!(v["numStartups"], 3);
        assert_eq!(v["projects"]["/p"], json!({"mcpServers": {}}));
        assert_eq!(v["mcpServers"]["github"], json!({"command": "gh-mcp"}));
        assert_eq!(v["mcpServers"]["digiusher"], e);
        // Running again changes nothing; a changed entry is replaced.
        assert_eq!(
            apply(&path, "mcpServers", "digiusher", &e).unwrap(),
            Applied::Unchanged
        );
        let e2 = json!({"type": "stdio", "command": "/y", "args": [], "env": {}});
        assert!(matches!(
            apply(&path, "mcpServers", "digiusher", &e2).unwrap(),
            Applied::Replaced { .. }
        ));
        assert_eq!(read(&path)["mcpServers"]["digiusher"]["command"], "/y");
    }

    #[test]
    fn a_broken_file_is_refused_and_left_alone() {
        let d = dir();
        let path = d.join("mcp.json");
        let broken = "{\"mcpServers\": {\"a\": {\"command\": \"x\",}}";
        std::fs::write(&path, broken).unwrap();
        let err = apply(&path, "mcpServers", "digiusher", &json!({})).unwrap_err();
        assert!(err.contains("is not valid JSON (line 1, column"), "{err}");
        assert!(err.contains("Nothing was changed"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
        std::fs::write(&path, "[1, 2]").unwrap();
        assert!(
            apply(&path, "mcpServers", "digiusher", &json!({}))
                .unwrap_err()
                .contains("does not hold a JSON object")
        );
        std::fs::write(&path, r#"{"mcpServers": []}"#).unwrap();
        assert!(
            apply(&path, "mcpServers", "digiusher", &json!({}))
                .unwrap_err()
                .contains("is not a JSON object")
        );
    }
}
