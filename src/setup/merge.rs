//! Merge one server entry into a host's JSON configuration: every other server
//! and key is kept, the previous file is backed up, and the write is atomic. A
//! file that is not a JSON object is never touched.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::SetupError;
use crate::files::{Mode, write_atomically};

/// What `apply` did.
#[derive(Debug, PartialEq)]
pub enum Applied {
    Created,
    Added { backup: Option<PathBuf> },
    Replaced { backup: PathBuf },
    Unchanged,
}

/// A host's config can hold its history too (Claude Code's does): generous, but
/// bounded, and never a FIFO or a device.
pub const HOST_CONFIG_CAP: u64 = 64 * 1024 * 1024;

/// Merge `entry` into the JSON file at `path`.
pub fn apply(
    path: &Path,
    servers_key: &str,
    name: &str,
    entry: &Value,
) -> Result<Applied, SetupError> {
    let existing = match crate::files::read_text(path, HOST_CONFIG_CAP) {
        Ok(text) => Some(text),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            return Err(SetupError::Read {
                path: path.to_path_buf(),
                reason: e.reason(),
            });
        }
    };
    let mut root = parse(path, existing.as_deref())?;
    let servers = root
        .entry(servers_key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(servers) = servers else {
        return Err(SetupError::ServersNotAnObject {
            key: servers_key.to_string(),
            path: path.to_path_buf(),
        });
    };
    let previous = servers.insert(name.to_string(), entry.clone());
    if previous.as_ref() == Some(entry) {
        return Ok(Applied::Unchanged);
    }
    let backup = match existing.as_deref() {
        Some(text) if !text.trim().is_empty() => Some(back_up(path, text)?),
        _ => None,
    };
    let mut text =
        serde_json::to_string_pretty(&Value::Object(root)).map_err(SetupError::Encode)?;
    text.push('\n');
    write_atomically(path, text.as_bytes(), Mode::KeepTarget)?;
    Ok(match (existing.is_some(), previous, backup) {
        (false, _, _) => Applied::Created,
        (true, Some(_), Some(backup)) => Applied::Replaced { backup },
        (true, _, backup) => Applied::Added { backup },
    })
}

/// The file's top-level object; an absent or blank file is an empty one.
fn parse(path: &Path, text: Option<&str>) -> Result<Map<String, Value>, SetupError> {
    match text.map(str::trim) {
        None | Some("") => Ok(Map::new()),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(SetupError::NotAnObject {
                path: path.to_path_buf(),
            }),
            Err(source) => Err(SetupError::NotJson {
                path: path.to_path_buf(),
                source,
            }),
        },
    }
}

/// Keep the previous text beside the file, for the user to go back to.
fn back_up(path: &Path, text: &str) -> Result<PathBuf, SetupError> {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".digiusher-mcp.bak");
    let backup = path.with_file_name(name);
    std::fs::write(&backup, text).map_err(|source| SetupError::Backup {
        path: backup.clone(),
        source,
    })?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let refused = |path: &Path| {
            apply(path, "mcpServers", "digiusher", &json!({}))
                .unwrap_err()
                .to_string()
        };
        let err = refused(&path);
        assert!(err.contains("is not valid JSON (line 1, column"), "{err}");
        assert!(err.contains("Nothing was changed"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
        std::fs::write(&path, "[1, 2]").unwrap();
        assert!(refused(&path).contains("does not hold a JSON object"));
        std::fs::write(&path, r#"{"mcpServers": []}"#).unwrap();
        let err = refused(&path);
        assert!(
            err.starts_with("\"mcpServers\" in ") && err.contains("is not a JSON object"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            r#"{"mcpServers": []}"#
        );
    }
}
