//! Helpers for the unit tests.

/// How many cases a property test runs: `PROPTEST_CASES` when set, else
/// `default`, sized so that the property takes seconds in a debug build.
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// An in-memory keychain that refuses what Windows Credential Manager refuses: a
/// secret over 2 560 bytes, with passwords stored as UTF-16 (as the Windows store
/// writes them).
#[derive(Debug, Default)]
pub struct LimitedStore {
    entries: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>>,
}

/// Credential Manager's `CRED_MAX_CREDENTIAL_BLOB_SIZE`.
const BLOB_LIMIT: usize = 2560;

impl LimitedStore {
    /// The store to hand to the code under test, and a view to inspect it.
    pub fn windows() -> (std::sync::Arc<keyring_core::CredentialStore>, LimitedStore) {
        let fake = LimitedStore::default();
        let view = LimitedStore {
            entries: fake.entries.clone(),
        };
        (std::sync::Arc::new(fake), view)
    }

    /// The accounts that hold a secret, in order.
    pub fn accounts(&self) -> Vec<String> {
        self.entries.lock().unwrap().keys().cloned().collect()
    }

    pub fn password(&self, account: &str) -> Option<String> {
        let blob = self.entries.lock().unwrap().get(account)?.clone();
        Some(decode_utf16(&blob))
    }
}

fn decode_utf16(blob: &[u8]) -> String {
    let units: Vec<u16> = blob
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)]))
        .collect();
    String::from_utf16(&units).unwrap()
}

#[derive(Debug)]
struct LimitedCred {
    entries: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>>,
    service: String,
    account: String,
}

impl keyring_core::api::CredentialApi for LimitedCred {
    fn set_password(&self, password: &str) -> keyring_core::Result<()> {
        let blob: Vec<u8> = password
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        if blob.len() > BLOB_LIMIT {
            return Err(keyring_core::Error::TooLong(
                "password encoded as UTF-16".into(),
                BLOB_LIMIT as u32,
            ));
        }
        self.set_secret(&blob)
    }

    fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
        if secret.len() > BLOB_LIMIT {
            return Err(keyring_core::Error::TooLong(
                "secret".into(),
                BLOB_LIMIT as u32,
            ));
        }
        let mut entries = self.entries.lock().unwrap();
        entries.insert(self.account.clone(), secret.to_vec());
        Ok(())
    }

    fn get_password(&self) -> keyring_core::Result<String> {
        Ok(decode_utf16(&self.get_secret()?))
    }

    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        let entries = self.entries.lock().unwrap();
        entries
            .get(&self.account)
            .cloned()
            .ok_or(keyring_core::Error::NoEntry)
    }

    fn delete_credential(&self) -> keyring_core::Result<()> {
        let mut entries = self.entries.lock().unwrap();
        entries
            .remove(&self.account)
            .map(|_| ())
            .ok_or(keyring_core::Error::NoEntry)
    }

    fn get_credential(
        &self,
    ) -> keyring_core::Result<Option<std::sync::Arc<keyring_core::Credential>>> {
        self.get_secret().map(|_| None)
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        Some((self.service.clone(), self.account.clone()))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl keyring_core::api::CredentialStoreApi for LimitedStore {
    fn vendor(&self) -> String {
        "test store with Windows Credential Manager's size limit".into()
    }

    fn id(&self) -> String {
        "limited".into()
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        _: Option<&std::collections::HashMap<&str, &str>>,
    ) -> keyring_core::Result<keyring_core::Entry> {
        Ok(keyring_core::Entry::new_with_credential(
            std::sync::Arc::new(LimitedCred {
                entries: self.entries.clone(),
                service: service.into(),
                account: user.into(),
            }),
        ))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
