//! What differs between Linux, macOS and Windows, one small function per concern.
//! Each takes the system as a parameter, so every system's answer is tested on any
//! of them; only `Os::CURRENT` and `user_folders` read the machine.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The systems the binary is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Macos,
    Windows,
}

impl Os {
    /// The system this binary was built for (other Unixes behave as Linux).
    pub const CURRENT: Os = if cfg!(target_os = "macos") {
        Os::Macos
    } else if cfg!(windows) {
        Os::Windows
    } else {
        Os::Linux
    };

    /// The keychain the `keychain` store uses, as the user knows it.
    pub fn keychain_name(self) -> &'static str {
        match self {
            Os::Linux => "the Secret Service keyring (GNOME Keyring, KWallet)",
            Os::Macos => "the macOS login Keychain",
            Os::Windows => "Windows Credential Manager",
        }
    }

    /// The most characters (UTF-16 code units) one keychain entry holds, where the
    /// keychain has a limit that a credential can reach: Windows Credential Manager
    /// keeps at most 2 560 bytes per entry, and the store writes text as UTF-16.
    pub fn keychain_entry_limit(self) -> Option<usize> {
        match self {
            Os::Windows => Some(2560 / 2),
            Os::Linux | Os::Macos => None,
        }
    }

    /// Whether a browser can be shown, given which environment variables are set:
    /// macOS and Windows always have a desktop; elsewhere a display server or an
    /// explicit `$BROWSER` is needed (a text browser must not start in a host's
    /// background process).
    pub fn can_show_browser(self, is_set: impl Fn(&str) -> bool) -> bool {
        match self {
            Os::Macos | Os::Windows => true,
            Os::Linux => ["BROWSER", "DISPLAY", "WAYLAND_DISPLAY"]
                .into_iter()
                .any(is_set),
        }
    }

    /// How an entry filed under `service` and `account` is named in the keychain's
    /// own window (Credential Manager shows `account.service`), for the README and
    /// for messages that send the user there.
    pub fn keychain_entry_label(self, service: &str, account: &str) -> String {
        match self {
            Os::Windows => format!("{account}.{service}"),
            Os::Linux | Os::Macos => format!("{service} ({account})"),
        }
    }

    /// `path` as the user and other programs write it: Windows gives a resolved
    /// path as `\\?\C:\...` (or `\\?\UNC\server\share\...`), a form a host's
    /// `command` and the user need not see; elsewhere it is unchanged.
    pub fn plain_path(self, path: PathBuf) -> PathBuf {
        if self != Os::Windows {
            return path;
        }
        let text = path.to_string_lossy().into_owned();
        if let Some(rest) = text.strip_prefix(r"\\?\UNC\") {
            return PathBuf::from(format!(r"\\{rest}"));
        }
        match text.strip_prefix(r"\\?\") {
            Some(rest) if is_absolute_on(Os::Windows, Path::new(rest)) => PathBuf::from(rest),
            _ => path,
        }
    }

    /// This program's data and config folders under `base`, where the platform
    /// convention puts them (the `directories` crate's layout, kept so that sign-ins
    /// stored by earlier versions are still found).
    pub fn app_folders(self, base: &UserFolders) -> AppFolders {
        match self {
            Os::Linux => AppFolders {
                data: base.data.join("digiusher-mcp"),
                config: base.config.join("digiusher-mcp"),
            },
            Os::Macos => {
                let dir = base.config.join("com.DigiUsher.digiusher-mcp");
                AppFolders {
                    data: dir.clone(),
                    config: dir,
                }
            }
            Os::Windows => {
                let dir = base.config.join("DigiUsher").join("digiusher-mcp");
                AppFolders {
                    data: dir.join("data"),
                    config: dir.join("config"),
                }
            }
        }
    }

    /// The user's folders from the environment variables this system defines them
    /// by; `None` when a needed one is unset or not absolute.
    pub fn user_folders_from(self, env: impl Fn(&str) -> Option<OsString>) -> Option<UserFolders> {
        let absolute = |name: &str| {
            env(name)
                .map(PathBuf::from)
                .filter(|p| is_absolute_on(self, p))
        };
        match self {
            Os::Linux => {
                let home = absolute("HOME")?;
                Some(UserFolders {
                    config: absolute("XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config")),
                    data: absolute("XDG_DATA_HOME")
                        .unwrap_or_else(|| home.join(".local").join("share")),
                    home,
                })
            }
            Os::Macos => {
                let home = absolute("HOME")?;
                let support = home.join("Library").join("Application Support");
                Some(UserFolders {
                    config: support.clone(),
                    data: support,
                    home,
                })
            }
            Os::Windows => {
                let roaming = absolute("APPDATA")?;
                Some(UserFolders {
                    home: absolute("USERPROFILE")?,
                    config: roaming.clone(),
                    data: roaming,
                })
            }
        }
    }
}

/// Whether `path` is absolute on `os` (a Windows path read on Linux, in tests, has a
/// drive letter or a `\\` share, which Linux's `Path::is_absolute` does not know).
fn is_absolute_on(os: Os, path: &Path) -> bool {
    match os {
        Os::Windows => {
            let text = path.to_string_lossy();
            let bytes = text.as_bytes();
            text.starts_with(r"\\")
                || (bytes.len() >= 3
                    && bytes[0].is_ascii_alphabetic()
                    && bytes[1] == b':'
                    && (bytes[2] == b'\\' || bytes[2] == b'/'))
        }
        Os::Linux | Os::Macos => path.is_absolute(),
    }
}

/// The user's home and the roots that per-user configuration and data go under:
/// `~/.config` and `~/.local/share` on Linux, `~/Library/Application Support` on
/// macOS, `%APPDATA%` on Windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFolders {
    pub home: PathBuf,
    pub config: PathBuf,
    pub data: PathBuf,
}

/// One of the user's folders that per-user files go under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Home,
    Config,
}

/// A path under one of the user's folders, kept as data so that where another
/// program keeps its files can be written down once and resolved for any system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub folder: Folder,
    pub parts: &'static [&'static str],
}

impl Place {
    pub const fn home(parts: &'static [&'static str]) -> Place {
        Place {
            folder: Folder::Home,
            parts,
        }
    }

    pub const fn config(parts: &'static [&'static str]) -> Place {
        Place {
            folder: Folder::Config,
            parts,
        }
    }

    /// The path under `folders`, the user's folders of some system.
    pub fn under(self, folders: &UserFolders) -> PathBuf {
        let base = match self.folder {
            Folder::Home => &folders.home,
            Folder::Config => &folders.config,
        };
        self.parts
            .iter()
            .fold(base.clone(), |path, part| path.join(part))
    }
}

/// One value for each system, for what differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerOs<T> {
    pub linux: T,
    pub macos: T,
    pub windows: T,
}

impl<T: Copy> PerOs<T> {
    /// The same value on every system.
    pub const fn same(value: T) -> PerOs<T> {
        PerOs {
            linux: value,
            macos: value,
            windows: value,
        }
    }

    pub fn on(&self, os: Os) -> T {
        match os {
            Os::Linux => self.linux,
            Os::Macos => self.macos,
            Os::Windows => self.windows,
        }
    }
}

/// This program's own folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFolders {
    pub data: PathBuf,
    pub config: PathBuf,
}

/// This machine's user folders: from the environment first (so HOME, or APPDATA and
/// USERPROFILE on Windows, pointed at a temporary folder move everything there),
/// else from the system (Windows known folders, the password database).
pub fn user_folders() -> Option<UserFolders> {
    Os::CURRENT
        .user_folders_from(|name| std::env::var_os(name))
        .or_else(|| {
            let base = directories::BaseDirs::new()?;
            Some(UserFolders {
                home: base.home_dir().to_path_buf(),
                config: base.config_dir().to_path_buf(),
                data: base.data_dir().to_path_buf(),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn each_system_finds_the_user_folders_where_its_convention_puts_them() {
        let linux = Os::Linux
            .user_folders_from(env(&[("HOME", "/home/a")]))
            .unwrap();
        assert_eq!(linux.config, Path::new("/home/a/.config"));
        assert_eq!(linux.data, Path::new("/home/a/.local/share"));
        let xdg = Os::Linux
            .user_folders_from(env(&[
                ("HOME", "/home/a"),
                ("XDG_CONFIG_HOME", "/x/c"),
                ("XDG_DATA_HOME", "relative/is/ignored"),
            ]))
            .unwrap();
        assert_eq!(xdg.config, Path::new("/x/c"));
        assert_eq!(xdg.data, Path::new("/home/a/.local/share"));

        let mac = Os::Macos
            .user_folders_from(env(&[("HOME", "/Users/a"), ("XDG_CONFIG_HOME", "/x")]))
            .unwrap();
        assert_eq!(
            mac.config,
            Path::new("/Users/a/Library/Application Support")
        );
        assert_eq!(mac.data, mac.config);

        let roaming = r"C:\Users\a\AppData\Roaming";
        let win = Os::Windows
            .user_folders_from(env(&[("USERPROFILE", r"C:\Users\a"), ("APPDATA", roaming)]))
            .unwrap();
        assert_eq!(win.home, Path::new(r"C:\Users\a"));
        assert_eq!(win.config, Path::new(roaming));
        // HOME means nothing to Windows programs; APPDATA is required.
        assert_eq!(
            Os::Windows.user_folders_from(env(&[("HOME", "/home/a")])),
            None
        );
        for os in [Os::Linux, Os::Macos] {
            assert_eq!(os.user_folders_from(env(&[("HOME", "")])), None);
            assert_eq!(os.user_folders_from(env(&[("HOME", "rel")])), None);
        }
    }

    #[test]
    fn places_resolve_under_each_systems_folders() {
        let mac = Os::Macos
            .user_folders_from(env(&[("HOME", "/Users/a")]))
            .unwrap();
        let linux = Os::Linux
            .user_folders_from(env(&[("HOME", "/home/a")]))
            .unwrap();
        let file = Place::config(&["App", "f.json"]);
        assert_eq!(
            file.under(&mac),
            Path::new("/Users/a/Library/Application Support/App/f.json")
        );
        assert_eq!(file.under(&linux), Path::new("/home/a/.config/App/f.json"));
        assert_eq!(Place::home(&[".f"]).under(&linux), Path::new("/home/a/.f"));
        assert_eq!(Place::home(&[]).under(&linux), Path::new("/home/a"));
        let per = PerOs {
            linux: 1,
            macos: 2,
            windows: 3,
        };
        assert_eq!(
            [Os::Linux, Os::Macos, Os::Windows].map(|os| per.on(os)),
            [1, 2, 3]
        );
        assert_eq!(PerOs::same(7).on(Os::Windows), 7);
    }

    #[test]
    fn app_folders_keep_the_layout_earlier_versions_used() {
        let linux = Os::Linux.app_folders(
            &Os::Linux
                .user_folders_from(env(&[("HOME", "/home/a")]))
                .unwrap(),
        );
        assert_eq!(linux.data, Path::new("/home/a/.local/share/digiusher-mcp"));
        assert_eq!(linux.config, Path::new("/home/a/.config/digiusher-mcp"));
        let mac = Os::Macos.app_folders(
            &Os::Macos
                .user_folders_from(env(&[("HOME", "/Users/a")]))
                .unwrap(),
        );
        let support = Path::new("/Users/a/Library/Application Support/com.DigiUsher.digiusher-mcp");
        assert_eq!(
            (mac.data.as_path(), mac.config.as_path()),
            (support, support)
        );
        let base = Os::Windows
            .user_folders_from(env(&[("USERPROFILE", r"C:\U"), ("APPDATA", r"C:\U\R")]))
            .unwrap();
        let win = Os::Windows.app_folders(&base);
        let root = Path::new(r"C:\U\R").join("DigiUsher").join("digiusher-mcp");
        assert_eq!(win.data, root.join("data"));
        assert_eq!(win.config, root.join("config"));
    }

    #[test]
    fn a_browser_is_shown_on_a_desktop_only() {
        let none = |_: &str| false;
        let display = |name: &str| name == "DISPLAY";
        assert!(Os::Macos.can_show_browser(none));
        assert!(Os::Windows.can_show_browser(none));
        assert!(!Os::Linux.can_show_browser(none));
        assert!(Os::Linux.can_show_browser(display));
        assert!(Os::Linux.can_show_browser(|name: &str| name == "BROWSER"));
        assert!(!Os::Linux.can_show_browser(|name: &str| name == "TERM"));
    }

    #[test]
    fn windows_verbatim_paths_are_written_plainly() {
        let plain = |os: Os, p: &str| os.plain_path(PathBuf::from(p));
        assert_eq!(
            plain(Os::Windows, r"\\?\C:\Program Files\d.exe"),
            Path::new(r"C:\Program Files\d.exe")
        );
        assert_eq!(
            plain(Os::Windows, r"\\?\UNC\srv\share\d.exe"),
            Path::new(r"\\srv\share\d.exe")
        );
        // A verbatim path with no drive letter cannot be written otherwise.
        assert_eq!(
            plain(Os::Windows, r"\\?\Volume{x}\d.exe"),
            Path::new(r"\\?\Volume{x}\d.exe")
        );
        assert_eq!(plain(Os::Windows, r"C:\d.exe"), Path::new(r"C:\d.exe"));
        assert_eq!(plain(Os::Linux, r"\\?\C:\x"), Path::new(r"\\?\C:\x"));
    }

    #[test]
    fn the_keychain_is_named_and_sized_per_system() {
        assert_eq!(
            Os::Windows.keychain_entry_label("digiusher-mcp", "default"),
            "default.digiusher-mcp"
        );
        assert!(Os::Macos.keychain_name().contains("Keychain"));
        // Only Credential Manager has a size limit a credential can reach.
        assert_eq!(Os::Windows.keychain_entry_limit(), Some(1280));
        assert_eq!(Os::Linux.keychain_entry_limit(), None);
        assert_eq!(Os::Macos.keychain_entry_limit(), None);
        assert!([Os::Linux, Os::Macos, Os::Windows].contains(&Os::CURRENT));
    }
}
