//! The MCP hosts that `setup` configures and `doctor` checks, one row each: the
//! command-line name, where the host keeps its servers on each system, the shape
//! of an entry, its install link and what to do next. A new host is a new row;
//! the command line, `doctor`, the completions and `install.sh` (through
//! `setup --list`) follow from this table.

use std::path::PathBuf;

use crate::platform::{Os, PerOs, Place, UserFolders};

/// The npm package that hosts start with `npx -y`, for machines without the
/// binary. A macro as well, so that the table's texts can spell it with `concat!`.
macro_rules! npm_package {
    () => {
        "@digiusher/mcp"
    };
}
pub const NPM_PACKAGE: &str = npm_package!();

/// An MCP host that `setup` can add this server to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupHost {
    /// The command-line value, e.g. `claude-desktop`; also names doctor's checks.
    pub name: &'static str,
    /// The name its users know it by.
    pub title: &'static str,
    /// The JSON file the host reads its user-level MCP servers from.
    pub config_file: PerOs<Place>,
    /// Where entries go in that file and what they hold.
    pub entry: EntryShape,
    /// How `setup --link` offers the npx form of the entry.
    pub link: LinkForm,
    /// What to do once the file is written.
    pub next_step: &'static str,
    /// A desktop app, which on macOS starts servers without the shell's PATH.
    pub desktop_app: bool,
    /// The folder where the host writes one log per server, `mcp-server-NAME.log`.
    pub server_logs: Option<PerOs<Place>>,
}

/// The JSON shape of a server entry: the key that holds the servers, and the keys
/// an entry carries besides `command` and `args`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryShape {
    pub servers_key: &'static str,
    /// `"type": "stdio"`, which hosts with several transports ask for.
    pub stdio_type: bool,
    /// An empty `"env": {}`, as the host's own `mcp add` writes it.
    pub empty_env: bool,
}

/// The host's one-click install link, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkForm {
    /// `cursor://anysphere.cursor-deeplink/mcp/install?name=…&config=<base64>`.
    CursorDeeplink,
    /// `vscode:mcp/install?<entry with its name as JSON>`.
    VscodeUrl,
    /// No link; the text says what to do instead.
    Unavailable(&'static str),
}

impl SetupHost {
    /// Every host, in the order the command line lists them.
    pub const ALL: &'static [SetupHost] = &[
        SetupHost {
            name: "claude-desktop",
            title: "Claude Desktop",
            config_file: PerOs::same(Place::config(&["Claude", "claude_desktop_config.json"])),
            entry: EntryShape {
                servers_key: "mcpServers",
                stdio_type: false,
                empty_env: false,
            },
            link: LinkForm::Unavailable(
                "install the .mcpb bundle by double-clicking it, or run `digiusher-mcp setup claude-desktop`.",
            ),
            next_step: "Quit and reopen Claude Desktop; the DigiUsher tools appear under the tools (hammer) menu.",
            desktop_app: true,
            // The unofficial Linux builds keep Windows' layout.
            server_logs: Some(PerOs {
                linux: Place::config(&["Claude", "logs"]),
                macos: Place::home(&["Library", "Logs", "Claude"]),
                windows: Place::config(&["Claude", "logs"]),
            }),
        },
        SetupHost {
            name: "cursor",
            title: "Cursor",
            config_file: PerOs::same(Place::home(&[".cursor", "mcp.json"])),
            entry: EntryShape {
                servers_key: "mcpServers",
                stdio_type: false,
                empty_env: false,
            },
            link: LinkForm::CursorDeeplink,
            next_step: "Open Cursor Settings → MCP and make sure \"digiusher\" is enabled (restart Cursor if it is not listed).",
            desktop_app: true,
            server_logs: None,
        },
        SetupHost {
            name: "claude-code",
            title: "Claude Code",
            // The user scope of `claude mcp add --scope user`.
            config_file: PerOs::same(Place::home(&[".claude.json"])),
            entry: EntryShape {
                servers_key: "mcpServers",
                stdio_type: true,
                empty_env: true,
            },
            link: LinkForm::Unavailable(concat!(
                "run `claude mcp add --scope user digiusher -- npx -y ",
                npm_package!(),
                "`, or `digiusher-mcp setup claude-code`."
            )),
            next_step: "Start `claude` and run /mcp to see the DigiUsher server.",
            desktop_app: false,
            server_logs: None,
        },
        SetupHost {
            name: "vscode",
            title: "VS Code",
            config_file: PerOs::same(Place::config(&["Code", "User", "mcp.json"])),
            entry: EntryShape {
                servers_key: "servers",
                stdio_type: true,
                empty_env: false,
            },
            link: LinkForm::VscodeUrl,
            next_step: "In VS Code run \"MCP: List Servers\" and start \"digiusher\" (Copilot Chat in Agent mode uses it).",
            desktop_app: true,
            server_logs: None,
        },
    ];

    /// The host of this command-line name (the command line itself goes
    /// through `ValueEnum`).
    #[cfg(test)]
    pub fn named(name: &str) -> Option<&'static SetupHost> {
        SetupHost::ALL.iter().find(|host| host.name == name)
    }

    /// Where the host reads its configuration on this machine.
    pub fn config_path(&self) -> Result<PathBuf, NoHome> {
        let folders = crate::platform::user_folders().ok_or(NoHome)?;
        Ok(self.config_path_in(Os::CURRENT, &folders))
    }

    /// Where the host reads its configuration on `os`, given the user's folders
    /// there (the config folder is `~/Library/Application Support` on macOS,
    /// `%APPDATA%` on Windows, `~/.config` on Linux).
    pub fn config_path_in(&self, os: Os, folders: &UserFolders) -> PathBuf {
        self.config_file.on(os).under(folders)
    }

    /// Where the host writes the log of the server named `server` on `os`, when it
    /// keeps one.
    pub fn log_path_in(&self, server: &str, os: Os, folders: &UserFolders) -> Option<PathBuf> {
        let folder = self.server_logs?.on(os).under(folders);
        Some(folder.join(format!("mcp-server-{server}.log")))
    }
}

/// The values of the command line's `HOST` argument, read from the table.
impl clap::ValueEnum for SetupHost {
    fn value_variants<'a>() -> &'a [SetupHost] {
        SetupHost::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name))
    }
}

/// The user's folders cannot be found, so neither can a host's file.
#[derive(Debug, thiserror::Error)]
#[error("cannot find the home directory; set HOME (USERPROFILE and APPDATA on Windows)")]
pub struct NoHome;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn folders(os: Os) -> UserFolders {
        let env = move |name: &str| -> Option<std::ffi::OsString> {
            let value = match (os, name) {
                (Os::Windows, "USERPROFILE") => r"C:\Users\a",
                (Os::Windows, "APPDATA") => r"C:\Users\a\AppData\Roaming",
                (Os::Macos, "HOME") => "/Users/a",
                (Os::Linux, "HOME") => "/home/a",
                _ => return None,
            };
            Some(value.into())
        };
        os.user_folders_from(env).unwrap()
    }

    fn host(name: &str) -> &'static SetupHost {
        SetupHost::named(name).unwrap()
    }

    fn expect(base: &str, rest: &[&str]) -> PathBuf {
        rest.iter()
            .fold(PathBuf::from(base), |p, part| p.join(part))
    }

    #[test]
    fn each_host_file_is_where_that_host_looks_on_each_system() {
        let path = |os: Os, name: &str| host(name).config_path_in(os, &folders(os));
        assert_eq!(
            path(Os::Macos, "claude-desktop"),
            expect(
                "/Users/a/Library/Application Support/Claude",
                &["claude_desktop_config.json"]
            )
        );
        assert_eq!(
            path(Os::Windows, "claude-desktop"),
            expect(
                r"C:\Users\a\AppData\Roaming",
                &["Claude", "claude_desktop_config.json"]
            )
        );
        assert_eq!(
            path(Os::Linux, "claude-desktop"),
            expect("/home/a/.config/Claude", &["claude_desktop_config.json"])
        );
        assert_eq!(
            path(Os::Windows, "cursor"),
            expect(r"C:\Users\a", &[".cursor", "mcp.json"])
        );
        assert_eq!(
            path(Os::Macos, "claude-code"),
            expect("/Users/a", &[".claude.json"])
        );
        assert_eq!(
            path(Os::Windows, "vscode"),
            expect(r"C:\Users\a\AppData\Roaming", &["Code", "User", "mcp.json"])
        );
        assert_eq!(
            path(Os::Macos, "vscode"),
            expect(
                "/Users/a/Library/Application Support/Code/User",
                &["mcp.json"]
            )
        );
    }

    #[test]
    fn claude_desktop_logs_are_where_each_os_keeps_them() {
        let log =
            |os: Os, server: &str| host("claude-desktop").log_path_in(server, os, &folders(os));
        assert_eq!(
            log(Os::Macos, "digiusher").unwrap(),
            Path::new("/Users/a/Library/Logs/Claude/mcp-server-digiusher.log")
        );
        assert_eq!(
            log(Os::Windows, "digiusher").unwrap(),
            expect(
                r"C:\Users\a\AppData\Roaming",
                &["Claude", "logs", "mcp-server-digiusher.log"]
            )
        );
        assert_eq!(
            log(Os::Linux, "d-w").unwrap(),
            Path::new("/home/a/.config/Claude/logs/mcp-server-d-w.log")
        );
        for name in ["cursor", "claude-code", "vscode"] {
            for os in [Os::Macos, Os::Windows, Os::Linux] {
                assert_eq!(host(name).log_path_in("digiusher", os, &folders(os)), None);
            }
        }
    }

    #[test]
    fn names_are_unique_command_line_values() {
        use clap::ValueEnum;
        for (i, h) in SetupHost::ALL.iter().enumerate() {
            assert!(
                h.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                h.name
            );
            assert_eq!(SetupHost::named(h.name), Some(h));
            assert!(SetupHost::ALL[..i].iter().all(|o| o.name != h.name));
            assert_eq!(SetupHost::from_str(h.name, false), Ok(*h));
        }
        assert_eq!(SetupHost::named("emacs"), None);
        assert!(SetupHost::from_str("Cursor", false).is_err());
    }
}
