//! What the commands ask of a stored sign-in: which state it is in (`status`) and
//! signing out (`logout`). Signing in is [`super::login`]. The commands only print
//! what these return, so every reader of a sign-in takes the same steps.

use super::AuthError;
use super::http::{OAuthHttp, transport};
use super::session::{Account, AuthPaths, is_fresh};
use super::store::{Credential, CredentialStore, OnDamage, SharedFile, StoreError};
use crate::config::Settings;
use crate::secret::Secret;

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
    let Some(account) = paths.account_entry(profile).map_err(FindError::Account)? else {
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
    let store = CredentialStore::open(account.store, paths.credentials.clone())
        .map_err(FindError::Store)?;
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
    #[error("{0}")]
    Http(String),
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
    Failed(String),
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
pub async fn sign_out(settings: &Settings, local_only: bool) -> Result<SignedOut, SignOutError> {
    let mut notes = Vec::new();
    let paths = settings.paths.clone();
    let profile = settings.profile.clone();
    let found = tokio::task::spawn_blocking(move || find_for_sign_out(&paths, &profile)).await??;
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
    let paths = settings.paths.clone();
    let profile = settings.profile.clone();
    let key = account.key(&profile);
    tokio::task::spawn_blocking(move || {
        let deleted = store.delete(&key);
        paths.set_account(&profile, None)?;
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
    paths.set_account(profile, None)?;
    Ok(())
}

/// Revoke the refresh token, then the access token; the first failure is told.
async fn revoke_all(
    account: &Account,
    endpoint: &str,
    credential: &Credential,
) -> Result<Revocation, SignOutError> {
    let http = OAuthHttp::new().map_err(|e| SignOutError::Http(e.0))?;
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
) -> Result<(), String> {
    // The endpoint was stored in accounts.json, which anyone can edit.
    crate::config::secure_url(endpoint).map_err(|e| format!("the revocation endpoint {e}"))?;
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
        .map_err(|e| transport(e).0)?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "HTTP {} from the revocation endpoint",
            response.status().as_u16()
        ))
    }
}
