//! Where credentials live: the OS keychain, or a 0600 file when no keychain works.
//! Every call here blocks (D-Bus, file I/O): run them in `spawn_blocking`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::lock::LockError;
use super::split::{self, SplitError};
use crate::config::AuthPaths;
use crate::files;
use crate::platform::Os;
use crate::secret::Secret;

/// Where the keychain keeps the record `key` filed under `service` on `os`, in
/// the words of the keychain's own window, for `status`.
pub fn keychain_location(os: Os, service: &str, key: &str) -> String {
    format!(
        "{}, entry \"{}\"",
        os.keychain_name(),
        os.keychain_entry_label(service, key)
    )
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
    #[error(
        "{what} is damaged ({reason}); run `digiusher-mcp login` to replace it, or `digiusher-mcp logout` to remove it"
    )]
    Damaged { what: String, reason: String },
}

impl StoreError {
    /// "WHAT is damaged (REASON)" without the advice, for callers that act on it.
    pub fn damage(&self) -> Option<String> {
        match self {
            StoreError::Damaged { what, reason } => Some(format!("{what} is damaged ({reason})")),
            _ => None,
        }
    }
}

/// A place to keep credentials.
#[derive(Clone)]
pub struct CredentialStore {
    pub kind: StoreKind,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Keychain(Keychain),
    File(SharedFile),
}

/// The keychain, the service name records are filed under, and the most
/// characters one of its entries holds.
#[derive(Clone)]
struct Keychain {
    store: Arc<keyring_core::CredentialStore>,
    service: String,
    limit: Option<usize>,
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
    /// This system's keychain, records filed under `service`.
    pub fn keychain(service: &str) -> Result<CredentialStore, StoreError> {
        Ok(CredentialStore::keychain_in(
            open_keychain()?,
            service,
            Os::CURRENT.keychain_entry_limit(),
        ))
    }

    /// The keychain store over `store`, whose entries hold at most `limit`
    /// characters each.
    fn keychain_in(
        store: Arc<keyring_core::CredentialStore>,
        service: &str,
        limit: Option<usize>,
    ) -> CredentialStore {
        CredentialStore {
            kind: StoreKind::Keychain,
            backend: Backend::Keychain(Keychain {
                store,
                service: service.to_string(),
                limit,
            }),
        }
    }

    pub fn file(path: PathBuf) -> CredentialStore {
        CredentialStore {
            kind: StoreKind::File,
            backend: Backend::File(SharedFile::new(path)),
        }
    }

    /// The store of `kind` where `paths` say sign-ins live.
    pub fn open(kind: StoreKind, paths: &AuthPaths) -> Result<CredentialStore, StoreError> {
        match kind {
            StoreKind::Keychain => CredentialStore::keychain(&paths.keychain_service),
            StoreKind::File => Ok(CredentialStore::file(paths.credentials.clone())),
        }
    }

    pub fn load(&self, key: &str) -> Result<Option<Credential>, StoreError> {
        let keychain = match &self.backend {
            Backend::Keychain(keychain) => keychain,
            Backend::File(file) => return file.get(key),
        };
        let what = || format!("the keychain entry {key}");
        let text = match split::read(&keychain.store, &keychain.service, key) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(None),
            Err(SplitError::Damaged(reason)) => {
                return Err(StoreError::Damaged {
                    what: what(),
                    reason,
                });
            }
            Err(SplitError::Keychain(e)) => return Err(StoreError::Keychain(describe_keyring(&e))),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Damaged {
                what: what(),
                reason: e.to_string(),
            })
    }

    /// Save one record. A credential file too damaged to read is set aside (the
    /// copy is returned) rather than blocking the save.
    pub fn save(&self, key: &str, credential: &Credential) -> Result<Option<Replaced>, StoreError> {
        match &self.backend {
            Backend::Keychain(Keychain {
                store,
                service,
                limit,
            }) => {
                let text = serde_json::to_string(credential).map_err(|e| StoreError::Damaged {
                    what: "the credential".into(),
                    reason: e.to_string(),
                })?;
                split::write(store, service, key, &text, *limit).map_err(|e| match e {
                    SplitError::Keychain(
                        e @ (keyring_core::Error::NoStorageAccess(_)
                        | keyring_core::Error::PlatformFailure(_)),
                    ) => StoreError::KeychainUnavailable(describe_keyring(&e)),
                    SplitError::Keychain(e) => StoreError::Keychain(describe_keyring(&e)),
                    SplitError::Damaged(reason) => StoreError::Keychain(reason),
                })?;
                Ok(None)
            }
            Backend::File(file) => {
                let value = serde_json::to_value(credential).map_err(|e| file.error(e))?;
                let ((), replaced) = file.update(OnDamage::SetAside, |all| {
                    all.insert(key.to_string(), value);
                })?;
                Ok(replaced)
            }
        }
    }

    /// Remove a record; `Ok(false)` when there was none. A credential file too
    /// damaged to read is removed with it: nothing in it can be used.
    pub fn delete(&self, key: &str) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Keychain(k) => split::delete(&k.store, &k.service, key).map_err(|e| match e {
                SplitError::Keychain(e) => StoreError::Keychain(describe_keyring(&e)),
                SplitError::Damaged(reason) => StoreError::Keychain(reason),
            }),
            Backend::File(file) => {
                let (had, replaced) =
                    file.update(OnDamage::Remove, |all| all.remove(key).is_some())?;
                Ok(had || replaced.is_some())
            }
        }
    }
}

/// What a writer does with a file it finds too damaged to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDamage {
    /// Keep the damaged copy beside it (a sign-in being saved may want it back).
    SetAside,
    /// Delete it (the user asked to forget the sign-in).
    Remove,
}

/// A damaged file that a writer replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replaced {
    /// Moved aside to this path.
    KeptAs(PathBuf),
    Removed,
}

impl Replaced {
    /// One sentence for the user about `file`.
    pub fn describe(&self, file: &Path) -> String {
        match self {
            Replaced::KeptAs(copy) => format!(
                "{} was damaged and has been replaced; the damaged copy is kept as {}",
                file.display(),
                copy.display()
            ),
            Replaced::Removed => format!("{} was damaged and has been removed", file.display()),
        }
    }
}

/// How long a writer waits for another process to finish its change of a shared file.
const FILE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// A JSON object file shared by every profile and every process (`credentials.json`,
/// `accounts.json`, `registrations.json`). Each entry is parsed on its own, so one
/// damaged entry takes only itself down. Every change re-reads the file under an
/// exclusive lock, so that a writer never puts back what another has just replaced
/// (a used refresh token, which the provider treats as theft and revokes the grant).
#[derive(Debug, Clone)]
pub struct SharedFile {
    path: PathBuf,
}

type Entries = BTreeMap<String, serde_json::Value>;

impl SharedFile {
    pub fn new(path: PathBuf) -> SharedFile {
        SharedFile { path }
    }

    /// A `File` error naming this file.
    pub fn error(&self, message: impl std::fmt::Display) -> StoreError {
        file_error(&self.path, message)
    }

    /// Every entry, unparsed; `Damaged` when the file is not a JSON object. Readers
    /// take no lock: writers replace the file atomically.
    pub fn entries(&self) -> Result<Entries, StoreError> {
        let bytes = match files::read_bounded(&self.path, files::READ_CAP) {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Ok(Entries::new()),
            Err(e) if e.is_refused() => {
                return Err(StoreError::Damaged {
                    what: self.path.display().to_string(),
                    reason: e.reason(),
                });
            }
            Err(e) => return Err(self.error(e.reason())),
        };
        warn_if_readable_by_others(&self.path);
        parse_entries(&bytes).map_err(|e| StoreError::Damaged {
            what: self.path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// One entry; `Damaged` when the file or this entry cannot be read.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let Some(value) = self.entries()?.remove(key) else {
            return Ok(None);
        };
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| StoreError::Damaged {
                what: format!("the entry {key:?} in {}", self.path.display()),
                reason: e.to_string(),
            })
    }

    /// Change the entries under the lock: re-read, apply `change`, write back
    /// atomically when anything changed. A file too damaged to read is handled as
    /// `on_damage` says and the change applies to an empty file.
    pub fn update<R>(
        &self,
        on_damage: OnDamage,
        change: impl FnOnce(&mut Entries) -> R,
    ) -> Result<(R, Option<Replaced>), StoreError> {
        let _lock = self.lock()?;
        let (mut entries, replaced) = match self.entries() {
            Ok(entries) => (entries, None),
            Err(StoreError::Damaged { reason, .. }) => {
                tracing::debug!("{} is damaged: {reason}", self.path.display());
                (Entries::new(), Some(self.replace_damaged(on_damage)?))
            }
            Err(e) => return Err(e),
        };
        let before = entries.clone();
        let result = change(&mut entries);
        if entries != before {
            let bytes = serde_json::to_vec_pretty(&entries).map_err(|e| self.error(e))?;
            write_private_file(&self.path, &bytes)?;
        }
        Ok((result, replaced))
    }

    fn replace_damaged(&self, on_damage: OnDamage) -> Result<Replaced, StoreError> {
        match on_damage {
            OnDamage::Remove => {
                std::fs::remove_file(&self.path).map_err(|e| self.error(e))?;
                Ok(Replaced::Removed)
            }
            OnDamage::SetAside => {
                let name = self
                    .path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("file");
                let copy = self.path.with_file_name(format!(
                    "{name}.damaged-{}-{}",
                    crate::time::unix_now(),
                    std::process::id()
                ));
                std::fs::rename(&self.path, &copy).map_err(|e| self.error(e))?;
                Ok(Replaced::KeptAs(copy))
            }
        }
    }

    /// Hold the file's exclusive lock (on a sidecar file: the data file itself is
    /// replaced by rename) until the returned file is dropped.
    fn lock(&self) -> Result<std::fs::File, StoreError> {
        let dir = self
            .path
            .parent()
            .ok_or_else(|| self.error("no parent folder"))?;
        let name = self
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file");
        super::lock::lock_blocking(&dir.join(format!(".{name}.lock")), FILE_LOCK_WAIT)
            .map_err(lock_error)
    }
}

/// A lock failure as a `File` error naming the file or folder it concerns.
fn lock_error(e: LockError) -> StoreError {
    match e {
        LockError::Folder { dir, source } => file_error(&dir, source),
        LockError::Open { path, reason } => file_error(&path, reason),
        LockError::Lock { path, source } => file_error(&path, source),
        LockError::Busy { path, waited } => file_error(
            &path,
            format!(
                "another digiusher-mcp process has held it for {} s",
                waited.as_secs()
            ),
        ),
    }
}

/// Why a shared file's bytes are not a JSON object of entries.
#[derive(Debug, thiserror::Error)]
enum EntriesError {
    #[error("the file is empty")]
    Empty,
    #[error("not a JSON object")]
    NotObject,
    #[error("cut short: {0}")]
    CutShort(serde_json::Error),
    #[error("not valid JSON: {0}")]
    Invalid(serde_json::Error),
}

/// The entries of a file's bytes.
fn parse_entries(bytes: &[u8]) -> Result<Entries, EntriesError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(EntriesError::Empty);
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(map)) => Ok(map.into_iter().collect()),
        Ok(_) => Err(EntriesError::NotObject),
        Err(e) if e.is_eof() => Err(EntriesError::CutShort(e)),
        Err(e) => Err(EntriesError::Invalid(e)),
    }
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> StoreError {
    StoreError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
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
    files::write_atomically(path, bytes, files::Mode::Private)
        .map_err(|e| file_error(&e.path, e.source))
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::config::KEYCHAIN_SERVICE;

    pub fn sample() -> Credential {
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

    fn temp_dir(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "dmcp-{tag}-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ))
    }

    #[test]
    fn concurrent_updates_of_a_shared_file_lose_nothing() {
        let dir = temp_dir("shared");
        let path = dir.join("credentials.json");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let store = CredentialStore::file(path.clone());
                std::thread::spawn(move || {
                    for i in 0..20 {
                        let mut c = sample();
                        c.client_id = format!("{t}-{i}");
                        store.save(&format!("p{t}|{i}"), &c).unwrap();
                        if i % 5 == 0 {
                            assert!(store.delete(&format!("p{t}|{i}")).unwrap());
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let all = SharedFile::new(path).entries().unwrap();
        assert_eq!(all.len(), 4 * 16, "every save and delete is kept");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn empty_truncated_and_binary_files_are_damaged() {
        for bytes in [
            &b""[..],
            b"  \n",
            b"{\"a\": {\"iss",
            b"\x00\xff\xfe",
            b"[1]",
            b"null",
        ] {
            assert!(parse_entries(bytes).is_err(), "{bytes:?}");
        }
        assert!(parse_entries(b"{}").unwrap().is_empty());
    }

    #[test]
    fn a_damaged_file_is_set_aside_on_save_and_removed_on_delete() {
        let dir = temp_dir("damaged");
        let path = dir.join("credentials.json");
        let store = CredentialStore::file(path.clone());
        files::create_private_dir(&dir).unwrap();
        std::fs::write(&path, b"{\"a\": ").unwrap();
        assert!(matches!(store.load("a"), Err(StoreError::Damaged { .. })));
        let Some(Replaced::KeptAs(copy)) = store.save("a", &sample()).unwrap() else {
            panic!("the damaged file is kept aside");
        };
        assert_eq!(std::fs::read(&copy).unwrap(), b"{\"a\": ");
        assert_eq!(store.load("a").unwrap(), Some(sample()));
        assert_eq!(store.save("a", &sample()).unwrap(), None);

        std::fs::write(&path, b"\x00\x01").unwrap();
        assert!(store.delete("a").unwrap());
        assert!(!path.exists());
        assert!(!store.delete("a").unwrap());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_damaged_entry_takes_only_itself_down() {
        let dir = temp_dir("entry");
        let path = dir.join("credentials.json");
        let store = CredentialStore::file(path.clone());
        store.save("good", &sample()).unwrap();
        SharedFile::new(path.clone())
            .update(OnDamage::SetAside, |all| {
                all.insert("bad".into(), serde_json::json!({"issuer": 1}));
            })
            .unwrap();
        assert!(matches!(store.load("bad"), Err(StoreError::Damaged { .. })));
        assert_eq!(store.load("good").unwrap(), Some(sample()));
        let mut other = sample();
        other.client_id = "other".into();
        store.save("more", &other).unwrap();
        // Another profile's damaged entry is kept as it is, not dropped.
        assert!(matches!(store.load("bad"), Err(StoreError::Damaged { .. })));
        store.save("bad", &sample()).unwrap();
        assert_eq!(store.load("bad").unwrap(), Some(sample()));
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A credential with tokens of the size real providers issue: a JWT access
    /// token of 2 500 characters and a refresh token of 1 800.
    pub fn real_size() -> Credential {
        let mut c = sample();
        c.access_token = Secret::new(format!("eyJ{}", "a".repeat(2497)));
        c.refresh_token = Some(Secret::new("r".repeat(1800)));
        c
    }

    #[test]
    fn a_credential_of_real_size_fits_windows_credential_manager() {
        let (fake, view) = crate::testing::LimitedStore::windows();
        // Kept whole in one entry, it is refused: the 2 560-byte limit.
        let whole = CredentialStore::keychain_in(fake.clone(), KEYCHAIN_SERVICE, None);
        assert!(matches!(
            whole.save("p", &real_size()),
            Err(StoreError::Keychain(m)) if m.contains("longer than 2560")
        ));
        let store = CredentialStore::keychain_in(
            fake,
            KEYCHAIN_SERVICE,
            Os::Windows.keychain_entry_limit(),
        );
        store.save("p", &real_size()).unwrap();
        assert_eq!(store.load("p").unwrap(), Some(real_size()));
        let mut refreshed = real_size();
        refreshed.access_token = Secret::new(format!("eyJ{}", "b".repeat(1500)));
        store.save("p", &refreshed).unwrap();
        assert_eq!(store.load("p").unwrap(), Some(refreshed));
        let parts = view.accounts();
        assert!(parts.len() > 1 && parts.iter().all(|a| a == "p" || a.starts_with("p#")));
        assert!(store.delete("p").unwrap());
        assert!(view.accounts().is_empty());
        assert_eq!(store.load("p").unwrap(), None);
    }

    #[test]
    fn the_keychain_entry_is_named_as_each_keychain_shows_it() {
        assert_eq!(
            keychain_location(Os::Windows, KEYCHAIN_SERVICE, "default|https://id|c"),
            "Windows Credential Manager, entry \"default|https://id|c.digiusher-mcp\""
        );
        assert!(
            keychain_location(Os::Macos, KEYCHAIN_SERVICE, "k")
                .starts_with("the macOS login Keychain")
        );
    }

    #[test]
    fn debug_of_a_credential_hides_tokens() {
        let text = format!("{:?}", sample());
        assert!(
            !text.contains("at-secret") && !text.contains("rt-secret"),
            "{text}"
        );
    }
}
