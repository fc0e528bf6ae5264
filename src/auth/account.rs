//! What the commands ask of a stored sign-in: which state it is in (`status`) and
//! signing out (`logout`). Signing in is [`super::login`]. The commands only print
//! what these return, so every reader of a sign-in takes the same steps.

use serde::{Deserialize, Serialize};

use super::error::AuthError;
use super::http::{HttpError, OAuthHttp, transport};
use super::store::{
    Credential, CredentialStore, OnDamage, Replaced, SharedFile, StoreError, StoreKind,
};
use crate::config::{AuthPaths, Settings, UrlError};
use crate::secret::Secret;

/// Refresh this long before the access token expires.
const REFRESH_MARGIN_SECS: u64 = 60;

/// The non-secret facts about a profile's sign-in, kept beside the credential so
/// that refresh and logout need no discovery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub issuer: String,
    pub client_id: String,
    pub store: StoreKind,
    /// The file store was used because no keychain worked (not by choice).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub store_fallback: bool,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
}

impl Account {
    /// The record's key: profile + issuer + client id.
    pub fn key(&self, profile: &str) -> String {
        format!("{profile}|{}|{}", self.issuer, self.client_id)
    }
}

/// The accounts file (`accounts.json`: profile → account), read and written
/// under its lock; where it lives is a setting ([`AuthPaths::accounts`]).
pub struct Accounts(SharedFile);

impl Accounts {
    pub fn of(paths: &AuthPaths) -> Accounts {
        Accounts(SharedFile::new(paths.accounts.clone()))
    }

    /// The profile's account; an error only when its entry (or the whole file)
    /// cannot be read.
    pub fn get(&self, profile: &str) -> Result<Option<Account>, AuthError> {
        self.entry(profile)
            .map_err(|e| AuthError::Store(e.to_string()))
    }

    /// [`Accounts::get`] with the store's own error, to act on damage.
    pub fn entry(&self, profile: &str) -> Result<Option<Account>, StoreError> {
        self.0.get(profile)
    }

    /// Record (or with `None`, forget) the profile's account, re-reading the file
    /// under its lock so that other profiles' entries are kept as they are now. A
    /// file too damaged to read is set aside on record and removed on forget.
    pub fn set(
        &self,
        profile: &str,
        account: Option<&Account>,
    ) -> Result<Option<Replaced>, AuthError> {
        let value = account
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| AuthError::Store(e.to_string()))?;
        let on_damage = if value.is_some() {
            OnDamage::SetAside
        } else {
            OnDamage::Remove
        };
        self.0
            .update(on_damage, |all| match value {
                Some(v) => {
                    all.insert(profile.to_string(), v);
                }
                None => {
                    all.remove(profile);
                }
            })
            .map(|((), replaced)| replaced)
            .map_err(|e| AuthError::Store(e.to_string()))
    }
}

/// Whether the access token is good for a while yet: 60 s before expiry, or half
/// its lifetime for tokens that live less than two minutes.
pub fn is_fresh(credential: &Credential) -> bool {
    let lifetime = credential.expires_at.saturating_sub(credential.obtained_at);
    let margin = if credential.obtained_at == 0 {
        REFRESH_MARGIN_SECS
    } else {
        REFRESH_MARGIN_SECS.min(lifetime / 2)
    };
    credential.expires_at > crate::time::unix_now() + margin
}

/// A profile's sign-in as found on disk: its account, the store that holds its
/// credential, and what loading the credential gave (kept for logout, which
/// removes a damaged one instead of failing).
pub struct Stored {
    pub account: Account,
    pub store: CredentialStore,
    pub credential: Result<Option<Credential>, StoreError>,
}

/// Why a profile's sign-in could not be found.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    /// `accounts.json` (or the profile's entry) cannot be read.
    #[error(transparent)]
    Account(StoreError),
    /// The stored sign-in is not for the configured issuer or client.
    #[error("{0}")]
    OtherAccount(String),
    /// The store the account names cannot be opened.
    #[error(transparent)]
    Store(StoreError),
}

/// A configured issuer or client id the stored sign-in must match.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expected<'a> {
    pub issuer: Option<&'a str>,
    pub client_id: Option<&'a str>,
}

/// Account → store → credential: `Ok(None)` when the profile has no account. The
/// account is matched against `expected` before the store is opened, so a
/// mismatch never touches the keychain. Blocking.
pub fn find(
    paths: &AuthPaths,
    profile: &str,
    expected: Expected<'_>,
) -> Result<Option<Stored>, FindError> {
    let Some(account) = Accounts::of(paths)
        .entry(profile)
        .map_err(FindError::Account)?
    else {
        return Ok(None);
    };
    if let Some(issuer) = expected.issuer
        && issuer.trim_end_matches('/') != account.issuer
    {
        return Err(FindError::OtherAccount(format!(
            "profile {profile:?} is signed in to {}, but the configured issuer is {issuer}",
            account.issuer
        )));
    }
    if let Some(client) = expected.client_id
        && client != account.client_id
    {
        return Err(FindError::OtherAccount(format!(
            "profile {profile:?} is signed in with client {}, but the configured client id is {client}",
            account.client_id
        )));
    }
    let store = CredentialStore::open(account.store, paths).map_err(FindError::Store)?;
    let credential = store.load(&account.key(profile));
    Ok(Some(Stored {
        account,
        store,
        credential,
    }))
}

/// The state `status` shows. No network.
pub enum SignInState {
    /// `DIGIUSHER_TOKEN` is set and used as it is.
    EnvToken,
    /// The profile has no account.
    NotSignedIn,
    /// Something on disk cannot be read; the words say what.
    Unreadable(String),
    /// The account is recorded but its store holds no credential.
    CredentialMissing(Account),
    Stored {
        account: Account,
        credential: Box<Credential>,
    },
}

impl SignInState {
    /// A token can be had: the env token, a fresh one, or one that can be refreshed.
    pub fn usable(&self) -> bool {
        match self {
            SignInState::EnvToken => true,
            SignInState::Stored { credential, .. } => {
                is_fresh(credential) || credential.refresh_token.is_some()
            }
            _ => false,
        }
    }
}

/// Whether (and how) the profile is signed in.
pub async fn state(settings: &Settings) -> SignInState {
    if settings.env_token.is_some() {
        return SignInState::EnvToken;
    }
    let paths = settings.paths.clone();
    let profile = settings.profile.clone();
    tokio::task::spawn_blocking(move || read_state(&paths, &profile))
        .await
        .unwrap_or_else(|e| SignInState::Unreadable(e.to_string()))
}

fn read_state(paths: &AuthPaths, profile: &str) -> SignInState {
    let stored = match find(paths, profile, Expected::default()) {
        Ok(Some(stored)) => stored,
        Ok(None) => return SignInState::NotSignedIn,
        Err(FindError::Account(e)) => {
            return SignInState::Unreadable(AuthError::Store(e.to_string()).to_string());
        }
        Err(e) => return SignInState::Unreadable(e.to_string()),
    };
    match stored.credential {
        Ok(Some(credential)) => SignInState::Stored {
            account: stored.account,
            credential: Box::new(credential),
        },
        Ok(None) => SignInState::CredentialMissing(stored.account),
        Err(e) => SignInState::Unreadable(e.to_string()),
    }
}

/// Why signing out stopped before the local record was gone.
#[derive(Debug, thiserror::Error)]
pub enum SignOutError {
    #[error("Cannot read the DigiUsher sign-in: {0}")]
    Unreadable(StoreError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{0}")]
    Task(#[from] tokio::task::JoinError),
}

/// What signing out did, with notes about damaged records it removed.
pub struct SignedOut {
    pub notes: Vec<String>,
    pub outcome: SignOut,
}

pub enum SignOut {
    /// The profile had no sign-in.
    NothingStored,
    /// The profile's record could not be read, so it and any credential of the
    /// profile in the file store were removed; nothing was revoked.
    DamagedRecordRemoved,
    /// The credential is gone locally; this is what the provider was told.
    Done(Revocation),
}

/// What became of the token at the identity provider.
pub enum Revocation {
    Skipped,
    NothingToRevoke,
    NoEndpoint,
    Revoked,
    Failed(RevokeError),
}

/// Why the provider did not confirm a revocation.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// The endpoint was stored in accounts.json, which anyone can edit.
    #[error("the revocation endpoint {0}")]
    Endpoint(#[from] UrlError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("HTTP {0} from the revocation endpoint")]
    Status(u16),
}

impl std::fmt::Display for Revocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Revocation::Skipped => f.write_str("skipped (--local-only)"),
            Revocation::NothingToRevoke => f.write_str("nothing to revoke"),
            Revocation::NoEndpoint => f.write_str("the provider has no revocation endpoint"),
            Revocation::Revoked => f.write_str("revoked at the identity provider"),
            Revocation::Failed(e) => write!(
                f,
                "revocation failed ({e}); the credential is removed locally anyway"
            ),
        }
    }
}

/// Revoke at the provider (RFC 7009) unless `local_only`, then forget locally
/// whatever the revocation's outcome. A damaged record is removed, not fatal.
pub async fn sign_out(
    paths: &AuthPaths,
    profile: &str,
    local_only: bool,
) -> Result<SignedOut, SignOutError> {
    let mut notes = Vec::new();
    let (paths, profile) = (paths.clone(), profile.to_string());
    let (p, name) = (paths.clone(), profile.clone());
    let found = tokio::task::spawn_blocking(move || find_for_sign_out(&p, &name)).await??;
    let (account, store, credential) = match found {
        Found::Nothing => {
            return Ok(SignedOut {
                notes,
                outcome: SignOut::NothingStored,
            });
        }
        Found::Damaged(damage) => {
            notes.push(format!("{damage}; the profile's record is removed."));
            return Ok(SignedOut {
                notes,
                outcome: SignOut::DamagedRecordRemoved,
            });
        }
        Found::SignIn(found) => *found,
    };
    // A damaged credential has nothing to revoke, and is removed below.
    let credential = match credential {
        Ok(credential) => credential,
        Err(e) => match e.damage() {
            Some(damage) => {
                notes.push(format!("{damage}; it is removed."));
                None
            }
            None => return Err(e.into()),
        },
    };
    let revocation = match (&credential, local_only, &account.revocation_endpoint) {
        (_, true, _) => Revocation::Skipped,
        (None, _, _) => Revocation::NothingToRevoke,
        (Some(_), false, None) => Revocation::NoEndpoint,
        (Some(c), false, Some(endpoint)) => revoke_all(&account, endpoint, c).await?,
    };
    let key = account.key(&profile);
    tokio::task::spawn_blocking(move || {
        let deleted = store.delete(&key);
        Accounts::of(&paths).set(&profile, None)?;
        deleted.map(drop).map_err(SignOutError::from)
    })
    .await??;
    Ok(SignedOut {
        notes,
        outcome: SignOut::Done(revocation),
    })
}

/// What logout found of the profile's sign-in.
enum Found {
    Nothing,
    /// A damaged record, already removed; the words say what was damaged.
    Damaged(String),
    SignIn(
        Box<(
            Account,
            CredentialStore,
            Result<Option<Credential>, StoreError>,
        )>,
    ),
}

fn find_for_sign_out(paths: &AuthPaths, profile: &str) -> Result<Found, SignOutError> {
    match find(paths, profile, Expected::default()) {
        Ok(None) => Ok(Found::Nothing),
        Ok(Some(s)) => Ok(Found::SignIn(Box::new((s.account, s.store, s.credential)))),
        Err(FindError::Account(e)) => match e.damage() {
            Some(damage) => {
                forget_damaged_account(paths, profile)?;
                Ok(Found::Damaged(damage))
            }
            None => Err(SignOutError::Unreadable(e)),
        },
        Err(FindError::Store(e)) => Err(e.into()),
        Err(e @ FindError::OtherAccount(_)) => Err(AuthError::OtherAccount(e.to_string()).into()),
    }
}

/// The profile's entry in `accounts.json` cannot be read, so where its credential
/// is is unknown: forget the entry and any credential of the profile in the file
/// store. Nothing can be revoked.
fn forget_damaged_account(paths: &AuthPaths, profile: &str) -> Result<(), SignOutError> {
    let prefix = format!("{profile}|");
    SharedFile::new(paths.credentials.clone()).update(OnDamage::Remove, |all| {
        all.retain(|key, _| !key.starts_with(&prefix))
    })?;
    Accounts::of(paths).set(profile, None)?;
    Ok(())
}

/// Revoke the refresh token, then the access token; the first failure is told.
async fn revoke_all(
    account: &Account,
    endpoint: &str,
    credential: &Credential,
) -> Result<Revocation, SignOutError> {
    let http = OAuthHttp::new()?;
    let mut results = Vec::new();
    if let Some(rt) = &credential.refresh_token {
        results.push(revoke(&http, account, endpoint, rt, "refresh_token").await);
    }
    results.push(
        revoke(
            &http,
            account,
            endpoint,
            &credential.access_token,
            "access_token",
        )
        .await,
    );
    Ok(match results.into_iter().find_map(Result::err) {
        None => Revocation::Revoked,
        Some(e) => Revocation::Failed(e),
    })
}

/// RFC 7009 revocation as a public client.
async fn revoke(
    http: &OAuthHttp,
    account: &Account,
    endpoint: &str,
    token: &Secret,
    hint: &str,
) -> Result<(), RevokeError> {
    crate::config::secure_url(endpoint)?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token.expose())
        .append_pair("token_type_hint", hint)
        .append_pair("client_id", &account.client_id)
        .finish();
    let response = http
        .client()
        .post(endpoint)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(transport)?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(RevokeError::Status(response.status().as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::store::{Identity, StoreKind};

    fn temp_paths(tag: &str) -> AuthPaths {
        let dir = std::env::temp_dir().join(format!(
            "dmcp-account-{tag}-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        AuthPaths::new(&dir, &dir)
    }

    fn account(store: StoreKind) -> Account {
        Account {
            issuer: "https://id.example".into(),
            client_id: "c".into(),
            store,
            store_fallback: false,
            token_endpoint: "https://id.example/token".into(),
            revocation_endpoint: None,
        }
    }

    fn credential(expires_at: u64, refresh: bool) -> Credential {
        Credential {
            issuer: "https://id.example".into(),
            client_id: "c".into(),
            access_token: Secret::new("at-secret"),
            expires_at,
            obtained_at: 1,
            refresh_token: refresh.then(|| Secret::new("rt-secret")),
            scopes: vec!["openid".into()],
            identity: Identity {
                sub: "alice".into(),
                email: None,
                name: None,
            },
        }
    }

    #[test]
    fn another_issuer_is_told_before_the_store_is_opened() {
        let paths = temp_paths("other");
        // A keychain account: opening its store first would fail or prompt here.
        Accounts::of(&paths)
            .set("p", Some(&account(StoreKind::Keychain)))
            .unwrap();
        let expected = Expected {
            issuer: Some("https://other.example"),
            client_id: None,
        };
        let err = find(&paths, "p", expected).err().unwrap();
        assert!(matches!(err, FindError::OtherAccount(_)), "{err}");
        assert!(err.to_string().contains("other.example"), "{err}");
    }

    #[test]
    fn the_state_follows_what_is_stored() {
        let paths = temp_paths("state");
        assert!(matches!(read_state(&paths, "p"), SignInState::NotSignedIn));
        let account = account(StoreKind::File);
        Accounts::of(&paths).set("p", Some(&account)).unwrap();
        let missing = read_state(&paths, "p");
        assert!(matches!(missing, SignInState::CredentialMissing(_)));
        assert!(!missing.usable());
        let store = CredentialStore::file(paths.credentials.clone());
        let key = account.key("p");
        store.save(&key, &credential(2, false)).unwrap();
        let expired = read_state(&paths, "p");
        assert!(matches!(expired, SignInState::Stored { .. }));
        assert!(!expired.usable());
        store.save(&key, &credential(2, true)).unwrap();
        assert!(read_state(&paths, "p").usable());
    }

    #[test]
    fn an_unreadable_account_file_is_told_in_the_words_of_a_tool_error() {
        let paths = temp_paths("unreadable");
        std::fs::create_dir_all(paths.accounts.parent().unwrap()).unwrap();
        std::fs::write(&paths.accounts, "{not json").unwrap();
        let SignInState::Unreadable(why) = read_state(&paths, "p") else {
            panic!("a damaged accounts.json reads as unreadable");
        };
        assert!(
            why.starts_with("Cannot read the DigiUsher sign-in: "),
            "{why}"
        );
    }

    #[tokio::test]
    async fn signing_out_removes_a_damaged_record_and_revokes_nothing() {
        let paths = temp_paths("damaged");
        std::fs::create_dir_all(paths.accounts.parent().unwrap()).unwrap();
        std::fs::write(&paths.accounts, "{not json").unwrap();
        let done = sign_out(&paths, "p", false).await.unwrap();
        assert!(matches!(done.outcome, SignOut::DamagedRecordRemoved));
        assert_eq!(done.notes.len(), 1, "one note says what was damaged");
        assert!(matches!(read_state(&paths, "p"), SignInState::NotSignedIn));
    }

    #[tokio::test]
    async fn signing_out_deletes_the_credential_and_the_account() {
        let paths = temp_paths("out");
        let account = account(StoreKind::File);
        Accounts::of(&paths).set("p", Some(&account)).unwrap();
        let store = CredentialStore::file(paths.credentials.clone());
        store.save(&account.key("p"), &credential(2, true)).unwrap();
        let done = sign_out(&paths, "p", true).await.unwrap();
        assert!(matches!(done.outcome, SignOut::Done(Revocation::Skipped)));
        assert_eq!(store.load(&account.key("p")).unwrap(), None);
        assert!(matches!(read_state(&paths, "p"), SignInState::NotSignedIn));
        let again = sign_out(&paths, "p", true).await.unwrap();
        assert!(matches!(again.outcome, SignOut::NothingStored));
    }
}
