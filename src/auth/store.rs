//! Where credentials live: the OS keychain, or a 0600 file when no keychain works.
//! Every call here blocks (D-Bus, file I/O): run them in `spawn_blocking`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Keychain service name under which records are filed.
const SERVICE: &str = "digiusher-mcp";

/// What the user asked for with `DIGIUSHER_TOKEN_STORE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreChoice {
    #[default]
    Auto,
    Keychain,
    File,
}

impl StoreChoice {
    pub fn parse(text: &str) -> Option<StoreChoice> {
        match text.trim() {
            "auto" => Some(StoreChoice::Auto),
            "keychain" => Some(StoreChoice::Keychain),
            "file" => Some(StoreChoice::File),
            _ => None,
        }
    }
}

/// Where a record actually is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Keychain,
    File,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Keychain => "keychain",
            StoreKind::File => "file",
        }
    }
}

/// Who signed in, from the ID token; for display only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One signed-in account: the secret part of a sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    pub issuer: String,
    pub client_id: String,
    pub access_token: Secret,
    /// Unix seconds, computed from `expires_in` at receipt.
    pub expires_at: u64,
    /// Unix seconds when the access token was received.
    #[serde(default)]
    pub obtained_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    pub scopes: Vec<String>,
    pub identity: Identity,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the OS keychain is not available ({0})")]
    KeychainUnavailable(String),
    #[error("the OS keychain failed ({0})")]
    Keychain(String),
    #[error("cannot use the credential file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("the stored credential is damaged ({0}); run `digiusher-mcp login` again")]
    Damaged(String),
}

/// A place to keep credentials.
#[derive(Clone)]
pub struct CredentialStore {
    pub kind: StoreKind,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Keychain(Arc<keyring_core::CredentialStore>),
    File(PathBuf),
}

impl std::fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialStore")
            .field("kind", &self.kind)
            .finish()
    }
}

/// A keychain error in words, without the payload some variants carry (which may
/// be secret bytes).
fn describe_keyring(e: &keyring_core::Error) -> String {
    use keyring_core::Error as E;
    match e {
        E::PlatformFailure(inner) => format!("platform failure: {inner}"),
        E::NoStorageAccess(inner) => format!("no access to the keychain (is it locked?): {inner}"),
        E::NoEntry => "no entry".into(),
        E::BadEncoding(_) | E::BadDataFormat(..) => "the stored data is not valid text".into(),
        E::BadStoreFormat(m) => format!("bad store format: {m}"),
        E::TooLong(what, max) => format!("{what} is longer than {max}"),
        E::Invalid(what, why) => format!("invalid {what}: {why}"),
        E::Ambiguous(_) => "several matching entries".into(),
        E::NoDefaultStore => "no keychain store".into(),
        E::NotSupportedByStore(what) => format!("not supported: {what}"),
        _ => "unknown keychain error".into(),
    }
}

/// The platform keychain, or why there is none.
fn open_keychain() -> Result<Arc<keyring_core::CredentialStore>, StoreError> {
    #[cfg(target_os = "linux")]
    let store = zbus_secret_service_keyring_store::Store::new()
        .map(|s| s as Arc<keyring_core::CredentialStore>);
    #[cfg(target_os = "macos")]
    let store = apple_native_keyring_store::keychain::Store::new()
        .map(|s| s as Arc<keyring_core::CredentialStore>);
    #[cfg(target_os = "windows")]
    let store =
        windows_native_keyring_store::Store::new().map(|s| s as Arc<keyring_core::CredentialStore>);
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    let store: Result<Arc<keyring_core::CredentialStore>, keyring_core::Error> =
        Err(keyring_core::Error::NoDefaultStore);
    store.map_err(|e| StoreError::KeychainUnavailable(describe_keyring(&e)))
}

impl CredentialStore {
    pub fn keychain() -> Result<CredentialStore, StoreError> {
        Ok(CredentialStore {
            kind: StoreKind::Keychain,
            backend: Backend::Keychain(open_keychain()?),
        })
    }

    pub fn file(path: PathBuf) -> CredentialStore {
        CredentialStore {
            kind: StoreKind::File,
            backend: Backend::File(path),
        }
    }

    pub fn open(kind: StoreKind, file: PathBuf) -> Result<CredentialStore, StoreError> {
        match kind {
            StoreKind::Keychain => CredentialStore::keychain(),
            StoreKind::File => Ok(CredentialStore::file(file)),
        }
    }

    pub fn load(&self, key: &str) -> Result<Option<Credential>, StoreError> {
        let text = match &self.backend {
            Backend::Keychain(store) => {
                let entry = keyring_core::Entry::new_in_store(store, SERVICE, key)
                    .map_err(|e| StoreError::Keychain(describe_keyring(&e)))?;
                match entry.get_password() {
                    Ok(text) => text,
                    Err(keyring_core::Error::NoEntry) => return Ok(None),
                    Err(e) => return Err(StoreError::Keychain(describe_keyring(&e))),
                }
            }
            Backend::File(path) => {
                let mut records = read_file(path)?;
                return Ok(records.remove(key));
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Damaged(format!("keychain entry {key}: {e}")))
    }

    pub fn save(&self, key: &str, credential: &Credential) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Keychain(store) => {
                let text = serde_json::to_string(credential)
                    .map_err(|e| StoreError::Damaged(e.to_string()))?;
                let entry = keyring_core::Entry::new_in_store(store, SERVICE, key)
                    .map_err(|e| StoreError::Keychain(describe_keyring(&e)))?;
                entry.set_password(&text).map_err(|e| match e {
                    keyring_core::Error::NoStorageAccess(_)
                    | keyring_core::Error::PlatformFailure(_) => {
                        StoreError::KeychainUnavailable(describe_keyring(&e))
                    }
                    other => StoreError::Keychain(describe_keyring(&other)),
                })
            }
            Backend::File(path) => {
                let mut records = read_file(path)?;
                records.insert(key.to_string(), credential.clone());
                write_file(path, &records)
            }
        }
    }

    /// Remove a record; `Ok(false)` when there was none.
    pub fn delete(&self, key: &str) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Keychain(store) => {
                let entry = keyring_core::Entry::new_in_store(store, SERVICE, key)
                    .map_err(|e| StoreError::Keychain(describe_keyring(&e)))?;
                match entry.delete_credential() {
                    Ok(()) => Ok(true),
                    Err(keyring_core::Error::NoEntry) => Ok(false),
                    Err(e) => Err(StoreError::Keychain(describe_keyring(&e))),
                }
            }
            Backend::File(path) => {
                let mut records = read_file(path)?;
                let had = records.remove(key).is_some();
                if had {
                    write_file(path, &records)?;
                }
                Ok(had)
            }
        }
    }
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> StoreError {
    StoreError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn read_file(path: &Path) -> Result<BTreeMap<String, Credential>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(file_error(path, e)),
    };
    warn_if_readable_by_others(path);
    serde_json::from_str(&text).map_err(|e| StoreError::Damaged(format!("{}: {e}", path.display())))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "{} is readable by other users; run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

/// Write atomically: a 0600 temporary file in a 0700 folder, then rename.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .ok_or_else(|| file_error(path, "no parent folder"))?;
    create_private_dir(dir).map_err(|e| file_error(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| file_error(path, e))
}

fn write_file(path: &Path, records: &BTreeMap<String, Credential>) -> Result<(), StoreError> {
    let text = serde_json::to_vec_pretty(records).map_err(|e| file_error(path, e))?;
    write_private_file(path, &text)
}

/// Create a folder (and parents) readable only by the user.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Credential {
        Credential {
            issuer: "http://127.0.0.1:1".into(),
            client_id: "c".into(),
            access_token: Secret::new("at-secret"),
            expires_at: 10,
            obtained_at: 5,
            refresh_token: Some(Secret::new("rt-secret")),
            scopes: vec!["openid".into()],
            identity: Identity {
                sub: "alice".into(),
                email: None,
                name: Some("Alice".into()),
            },
        }
    }

    #[test]
    fn the_file_store_is_private_atomic_and_keyed() {
        let dir = std::env::temp_dir().join(format!(
            "dmcp-store-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        let path = dir.join("sub").join("credentials.json");
        let store = CredentialStore::file(path.clone());
        assert_eq!(store.load("a").unwrap(), None);
        store.save("a", &sample()).unwrap();
        let mut other = sample();
        other.client_id = "d".into();
        store.save("b", &other).unwrap();
        assert_eq!(store.load("a").unwrap(), Some(sample()));
        assert_eq!(store.load("b").unwrap().unwrap().client_id, "d");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700);
        }
        assert!(store.delete("a").unwrap());
        assert!(!store.delete("a").unwrap());
        assert_eq!(store.load("a").unwrap(), None);
        assert!(store.load("b").unwrap().is_some());
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn debug_of_a_credential_hides_tokens() {
        let text = format!("{:?}", sample());
        assert!(
            !text.contains("at-secret") && !text.contains("rt-secret"),
            "{text}"
        );
    }

    #[test]
    fn store_choice_parses() {
        assert_eq!(StoreChoice::parse("auto"), Some(StoreChoice::Auto));
        assert_eq!(StoreChoice::parse("file"), Some(StoreChoice::File));
        assert_eq!(StoreChoice::parse("keychain"), Some(StoreChoice::Keychain));
        assert_eq!(StoreChoice::parse("vault"), None);
    }
}
