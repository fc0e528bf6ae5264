//! Where sign-in state lives on disk. Reading and writing it is the sign-in's
//! business (`auth`); the places are settings, so tests can move them.

use std::path::{Path, PathBuf};

/// Where sign-in state lives on disk.
#[derive(Debug, Clone)]
pub struct AuthPaths {
    /// `accounts.json`: profile → account.
    pub accounts: PathBuf,
    /// The file store, used when no keychain works.
    pub credentials: PathBuf,
    /// Folder of per-profile lock files.
    pub locks: PathBuf,
    /// Cached client registrations.
    pub registrations: PathBuf,
    /// The keychain service name credentials are filed under (tests use their own).
    pub keychain_service: String,
}

/// The keychain service name of real sign-ins.
pub const KEYCHAIN_SERVICE: &str = "digiusher-mcp";

impl AuthPaths {
    pub fn new(data_dir: &Path, config_dir: &Path) -> AuthPaths {
        AuthPaths {
            accounts: data_dir.join("accounts.json"),
            credentials: data_dir.join("credentials.json"),
            locks: data_dir.join("locks"),
            registrations: config_dir.join("registrations.json"),
            keychain_service: KEYCHAIN_SERVICE.to_string(),
        }
    }

    /// A lock file of `profile`, named `<profile><suffix>` with the profile made
    /// safe for a file name: `.lock` for refresh, others for longer holds.
    pub fn lock_file(&self, profile: &str, suffix: &str) -> PathBuf {
        let safe: String = profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.locks.join(format!("{safe}{suffix}"))
    }
}
