//! The server entry `setup` writes: its name, which selects the profile, and its
//! JSON in the host's shape.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::setup_hosts::SetupHost;

/// The entry's name and the arguments that select `profile`: a profile other than
/// the default gets its own entry, so several can sit side by side.
pub(super) fn name_and_args(profile: Option<&str>) -> (String, Vec<String>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
