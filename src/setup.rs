//! `digiusher-mcp setup <host>`: add this binary to an MCP host's configuration,
//! merging into the existing file, keeping every other server and key, with a
//! backup and an atomic write. A file that is not valid JSON is never touched.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::cli::Host;
use crate::files::{Mode, write_atomically};
use crate::terminal::{errln, outln};

/// What each host needs: its name, where its configuration lives, what to do next.
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
    pub fn servers_key(self) -> &'static str {
        match self {
            Host::Vscode => "servers",
            _ => "mcpServers",
        }
    }

    /// Where the host reads its user-level MCP configuration on this machine.
    pub fn config_path(self) -> Result<PathBuf, String> {
        let folders = crate::platform::user_folders().ok_or(
            "cannot find the home directory; set HOME (USERPROFILE and APPDATA on Windows)",
        )?;
        Ok(self.config_path_in(&folders))
    }

    /// Where the host looks, given the user's folders of the system it runs on:
    /// Claude Desktop and VS Code use the system's config folder (macOS
    /// `~/Library/Application Support`, Windows `%APPDATA%`, Linux `~/.config`),
    /// Cursor and Claude Code a file in the home folder on every system.
    pub fn config_path_in(self, folders: &crate::platform::UserFolders) -> PathBuf {
        match self {
            Host::ClaudeDesktop => folders
                .config
                .join("Claude")
                .join("claude_desktop_config.json"),
            Host::Cursor => folders.home.join(".cursor").join("mcp.json"),
            // User scope of `claude mcp add --scope user`.
            Host::ClaudeCode => folders.home.join(".claude.json"),
            Host::Vscode => folders.config.join("Code").join("User").join("mcp.json"),
        }
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
pub fn entry(host: Host, binary: &Path, profile: Option<&str>) -> (String, Value) {
    let (name, args) = name_and_args(profile);
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

/// A host's config can hold its history too (Claude Code's does): generous, but
/// bounded, and never a FIFO or a device.
pub const HOST_CONFIG_CAP: u64 = 64 * 1024 * 1024;

/// Merge `entry` into the JSON file at `path`.
pub fn apply(path: &Path, servers_key: &str, name: &str, entry: &Value) -> Result<Applied, String> {
    let existing = match crate::files::read_text(path, HOST_CONFIG_CAP) {
        Ok(text) => Some(text),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(format!("cannot read {}: {}", path.display(), e.reason())),
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
    write_atomically(path, text.as_bytes(), Mode::KeepTarget).map_err(|e| e.to_string())?;
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

/// The npm package that hosts start with `npx -y`, for machines without the binary.
pub const NPM_PACKAGE: &str = "@digiusher/mcp";

/// The host's one-click install link for the npx form of the entry: opening it asks
/// the host to add the server, so nobody edits JSON and no binary path is involved.
pub fn install_link(host: Host, profile: Option<&str>) -> Result<String, String> {
    let (name, profile_args) = name_and_args(profile);
    let mut args = vec!["-y".to_string(), NPM_PACKAGE.to_string()];
    args.extend(profile_args);
    match host {
        // Cursor: the mcp.json entry, base64-encoded, plus the name.
        Host::Cursor => {
            let config = json!({"command": "npx", "args": args}).to_string();
            Ok(format!(
                "cursor://anysphere.cursor-deeplink/mcp/install?name={}&config={}",
                percent_encode(&name),
                percent_encode(&base64(config.as_bytes()))
            ))
        }
        // VS Code: the entry with its name, as URL-encoded JSON.
        Host::Vscode => {
            let config =
                json!({"name": name, "type": "stdio", "command": "npx", "args": args}).to_string();
            Ok(format!("vscode:mcp/install?{}", percent_encode(&config)))
        }
        Host::ClaudeDesktop => Err(
            "Claude Desktop has no install link: install the .mcpb bundle by double-clicking it, or run `digiusher-mcp setup claude-desktop`.".to_string(),
        ),
        Host::ClaudeCode => Err(format!(
            "Claude Code has no install link: run `claude mcp add --scope user digiusher -- npx -y {NPM_PACKAGE}`, or `digiusher-mcp setup claude-code`."
        )),
    }
}

/// Print the install link on stdout (alone, for scripts) and how to use it on stderr.
pub fn print_link(host: Host, profile: Option<&str>) -> Result<(), String> {
    let link = install_link(host, profile)?;
    println!("{link}");
    eprintln!(
        "Open this link on a machine with {} and Node.js: {} asks to add the server, started with `npx -y {NPM_PACKAGE}`.",
        host.name(),
        host.name()
    );
    Ok(())
}

/// Standard base64 with padding (RFC 4648), as Cursor decodes its `config`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encoding of everything but JavaScript's `encodeURIComponent` set, which
/// is what the hosts' own link generators use.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Run the command: print or write the entry, then say what happened and what next.
pub fn run(host: Host, print: bool, profile: Option<&str>) -> Result<(), String> {
    let binary = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map(|p| crate::platform::Os::CURRENT.plain_path(p))
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
    fn each_host_file_is_where_that_host_looks_on_each_system() {
        use crate::platform::Os;
        let env = |os: Os| {
            move |name: &str| -> Option<std::ffi::OsString> {
                let value = match (os, name) {
                    (Os::Windows, "USERPROFILE") => r"C:\Users\a",
                    (Os::Windows, "APPDATA") => r"C:\Users\a\AppData\Roaming",
                    (Os::Macos, "HOME") => "/Users/a",
                    (Os::Linux, "HOME") => "/home/a",
                    _ => return None,
                };
                Some(value.into())
            }
        };
        let path =
            |os: Os, host: Host| host.config_path_in(&os.user_folders_from(env(os)).unwrap());
        let expect = |base: &str, rest: &[&str]| {
            rest.iter()
                .fold(PathBuf::from(base), |p, part| p.join(part))
        };
        assert_eq!(
            path(Os::Macos, Host::ClaudeDesktop),
            expect(
                "/Users/a/Library/Application Support/Claude",
                &["claude_desktop_config.json"]
            )
        );
        assert_eq!(
            path(Os::Windows, Host::ClaudeDesktop),
            expect(
                r"C:\Users\a\AppData\Roaming",
                &["Claude", "claude_desktop_config.json"]
            )
        );
        assert_eq!(
            path(Os::Linux, Host::ClaudeDesktop),
            expect("/home/a/.config/Claude", &["claude_desktop_config.json"])
        );
        assert_eq!(
            path(Os::Windows, Host::Cursor),
            expect(r"C:\Users\a", &[".cursor", "mcp.json"])
        );
        assert_eq!(
            path(Os::Macos, Host::ClaudeCode),
            expect("/Users/a", &[".claude.json"])
        );
        assert_eq!(
            path(Os::Windows, Host::Vscode),
            expect(r"C:\Users\a\AppData\Roaming", &["Code", "User", "mcp.json"])
        );
        assert_eq!(
            path(Os::Macos, Host::Vscode),
            expect(
                "/Users/a/Library/Application Support/Code/User",
                &["mcp.json"]
            )
        );
    }

    #[test]
    fn base64_and_percent_encoding_match_the_references() {
        // RFC 4648 test vectors; encodeURIComponent's results.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
        assert_eq!(
            percent_encode(r#"{"a": "@x/y"}+=é"#),
            "%7B%22a%22%3A%20%22%40x%2Fy%22%7D%2B%3D%C3%A9"
        );
        assert_eq!(percent_encode("A-z_0.9!~*'()"), "A-z_0.9!~*'()");
    }

    #[test]
    fn install_links_carry_the_npx_entry() {
        let link = install_link(Host::Vscode, None).unwrap();
        assert_eq!(
            link,
            "vscode:mcp/install?%7B%22name%22%3A%22digiusher%22%2C%22type%22%3A%22stdio%22%2C%22command%22%3A%22npx%22%2C%22args%22%3A%5B%22-y%22%2C%22%40digiusher%2Fmcp%22%5D%7D"
        );
        let link = install_link(Host::Cursor, Some("work")).unwrap();
        let (head, config) = link.split_once("&config=").unwrap();
        assert_eq!(
            head,
            "cursor://anysphere.cursor-deeplink/mcp/install?name=digiusher-work"
        );
        let json = r#"{"command":"npx","args":["-y","@digiusher/mcp","--profile","work"]}"#;
        assert_eq!(config, percent_encode(&base64(json.as_bytes())));
        assert!(
            install_link(Host::ClaudeDesktop, None)
                .unwrap_err()
                .contains(".mcpb")
        );
        assert!(install_link(Host::ClaudeCode, None).is_err());
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
