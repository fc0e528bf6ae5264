//! `digiusher-mcp setup <host>`: add this binary to an MCP host's configuration,
//! merging into the existing file, keeping every other server and key, with a
//! backup and an atomic write. A file that is not valid JSON is never touched.
//! The hosts are the rows of `setup_hosts`; this module does the work and says
//! what it did, and `commands/setup.rs` tells the user.

mod link;
mod merge;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

pub use link::install_link;
pub use merge::{Applied, HOST_CONFIG_CAP};

use crate::setup_hosts::{NoHome, SetupHost};

/// Why `setup` changed nothing; each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot find this program's path: {0}")]
    ThisProgram(#[source] std::io::Error),
    #[error(transparent)]
    NoHome(#[from] NoHome),
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{} does not hold a JSON object; fix or move it, then run setup again. Nothing was changed.", path.display())]
    NotAnObject { path: PathBuf },
    #[error(
        "{} is not valid JSON (line {}, column {}: {source}); fix or move it, then run setup again. Nothing was changed.",
        path.display(), source.line(), source.column()
    )]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("\"{key}\" in {} is not a JSON object; fix it, then run setup again. Nothing was changed.", path.display())]
    ServersNotAnObject { key: String, path: PathBuf },
    #[error("cannot write the backup {}: {source}", path.display())]
    Backup {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the configuration: {0}")]
    Encode(#[source] serde_json::Error),
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
    #[error("{title} has no install link: {instead}")]
    NoLink {
        title: &'static str,
        instead: &'static str,
    },
}

/// The entry's name and the arguments that select `profile`: a profile other than
/// the default gets its own entry, so several can sit side by side.
fn name_and_args(profile: Option<&str>) -> (String, Vec<String>) {
    match profile {
        Some(p) if p != crate::config::DEFAULT_PROFILE => (
            format!("digiusher-{p}"),
            vec!["--profile".into(), p.to_string()],
        ),
        _ => ("digiusher".to_string(), Vec::new()),
    }
}

/// The server entry for `binary` and `profile`, in the host's shape.
pub fn entry(host: &SetupHost, binary: &Path, profile: Option<&str>) -> (String, Value) {
    let (name, args) = name_and_args(profile);
    let mut value = Map::new();
    if host.entry.stdio_type {
        value.insert("type".into(), json!("stdio"));
    }
    value.insert("command".into(), json!(binary.display().to_string()));
    value.insert("args".into(), json!(args));
    if host.entry.empty_env {
        value.insert("env".into(), json!({}));
    }
    (name, Value::Object(value))
}

/// What `--print` shows: the JSON to add, and the file to add it to.
pub struct Snippet {
    pub text: String,
    pub path: PathBuf,
}

/// The entry for this binary under the host's servers key, changing nothing.
pub fn snippet(host: &SetupHost, profile: Option<&str>) -> Result<Snippet, SetupError> {
    let (name, value) = entry(host, &this_binary()?, profile);
    let path = host.config_path()?;
    let snippet = json!({ host.entry.servers_key: { name: value } });
    let text = serde_json::to_string_pretty(&snippet).map_err(SetupError::Encode)?;
    Ok(Snippet { text, path })
}

/// What `install` did, and to which file.
pub struct Installed {
    pub name: String,
    pub path: PathBuf,
    pub applied: Applied,
}

/// Merge the entry for this binary into the host's file.
pub fn install(host: &SetupHost, profile: Option<&str>) -> Result<Installed, SetupError> {
    let (name, value) = entry(host, &this_binary()?, profile);
    let path = host.config_path()?;
    let applied = merge::apply(&path, host.entry.servers_key, &name, &value)?;
    Ok(Installed {
        name,
        path,
        applied,
    })
}

/// This program's path as hosts should start it: resolved, and without Windows'
/// `\\?\` prefix.
fn this_binary() -> Result<PathBuf, SetupError> {
    std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map(|p| crate::platform::Os::CURRENT.plain_path(p))
        .map_err(SetupError::ThisProgram)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> &'static SetupHost {
        SetupHost::named(name).unwrap()
    }

    #[test]
    fn entries_have_each_hosts_shape() {
        let bin = Path::new("/opt/bin/digiusher-mcp");
        assert_eq!(
            entry(host("claude-desktop"), bin, None),
            (
                "digiusher".into(),
                json!({"command": "/opt/bin/digiusher-mcp", "args": []})
            )
        );
        assert_eq!(
            entry(host("cursor"), bin, Some("default")).1,
            json!({"command": "/opt/bin/digiusher-mcp", "args": []})
        );
        let (name, value) = entry(host("claude-code"), bin, Some("work"));
        assert_eq!(name, "digiusher-work");
        // Keys in the order the hosts' own tools write them.
        assert_eq!(
            value.to_string(),
            r#"{"type":"stdio","command":"/opt/bin/digiusher-mcp","args":["--profile","work"],"env":{}}"#
        );
        assert_eq!(
            entry(host("vscode"), bin, None).1,
            json!({"type": "stdio", "command": "/opt/bin/digiusher-mcp", "args": []})
        );
    }
}
