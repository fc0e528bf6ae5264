//! A stored sign-in in use: loads lazily (no keychain access before the first
//! tool call), refreshes 60 s before expiry or after a 401, one refresh at a time
//! in this process and, through a file lock, across processes.

use std::time::Duration;

use serde::Deserialize;

use super::account::{Account, Accounts, Expected, FindError, find, is_fresh};
use super::error::AuthError;
use super::http::{OAuthHttp, read_body, transport};
use super::lock::LockError;
use super::store::{Credential, CredentialStore};
use crate::config::AuthPaths;
use crate::secret::Secret;

/// Give up waiting for another process's refresh after this long.
const LOCK_WAIT: Duration = Duration::from_secs(30);

pub use crate::time::unix_now as now;

/// Run blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(AuthError::Store(format!("background task failed: {e}"))))
}

/// Hold the cross-process refresh lock for `profile` until the file is dropped.
async fn lock(paths: &AuthPaths, profile: &str) -> Result<std::fs::File, AuthError> {
    super::lock::lock(&paths.lock_file(profile, ".lock"), LOCK_WAIT)
        .await
        .map_err(|e| match e {
            LockError::Busy { .. } => AuthError::Refresh(e.to_string()),
            _ => AuthError::Store(e.to_string()),
        })
}

/// A token endpoint answer.
#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: Option<Secret>,
    expires_in: Option<u64>,
    refresh_token: Option<Secret>,
    scope: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Why a refresh token bought no new access token.
#[derive(Debug, thiserror::Error)]
enum RefreshError {
    /// `invalid_grant`: the provider no longer accepts the refresh token, so the
    /// sign-in is gone and is forgotten.
    #[error("the identity provider no longer accepts the refresh token")]
    Rejected,
    /// The provider could not be reached: the sign-in is intact.
    #[error("{0}")]
    Unreachable(String),
    /// Anything else (an odd answer, another OAuth error): worth a retry.
    #[error("{0}")]
    Failed(String),
}

/// A transport failure: unreachable, or (a body cut short, too large) failed.
fn failed(e: super::http::HttpError) -> RefreshError {
    if OAuthHttp::is_unreachable(&e) {
        RefreshError::Unreachable(e.to_string())
    } else {
        RefreshError::Failed(e.to_string())
    }
}

/// Exchange a refresh token.
async fn refresh_grant(
    http: &OAuthHttp,
    account: &Account,
    old: &Credential,
    refresh_token: &Secret,
) -> Result<Credential, RefreshError> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token.expose())
        .append_pair("client_id", &account.client_id)
        .finish();
    let response = http
        .client()
        .post(&account.token_endpoint)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| failed(transport(e)))?;
    let status = response.status().as_u16();
    let bytes = read_body(response).await.map_err(failed)?;
    let answer: TokenAnswer = serde_json::from_slice(&bytes).map_err(|_| {
        RefreshError::Failed(format!(
            "the token endpoint answered HTTP {status} without JSON"
        ))
    })?;
    if let Some(error) = &answer.error {
        if error == "invalid_grant" {
            return Err(RefreshError::Rejected);
        }
        let words = match &answer.error_description {
            Some(d) => format!("{error}: {d}"),
            None => error.clone(),
        };
        return Err(RefreshError::Failed(format!(
            "the identity provider answered: {}",
            crate::untrusted::quoted(&words, crate::untrusted::PROVIDER_TEXT_CAP)
        )));
    }
    let access_token = answer.access_token.ok_or_else(|| {
        RefreshError::Failed(format!(
            "the token endpoint answered HTTP {status} without an access token"
        ))
    })?;
    Ok(Credential {
        access_token,
        expires_at: now() + answer.expires_in.unwrap_or(3600),
        obtained_at: now(),
        // Keep the old refresh token when the provider does not rotate.
        refresh_token: answer.refresh_token.or_else(|| old.refresh_token.clone()),
        scopes: answer
            .scope
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_else(|| old.scopes.clone()),
        ..old.clone()
    })
}

struct Loaded {
    account: Account,
    store: CredentialStore,
    credential: Credential,
}

/// The signed-in user of one profile.
pub struct Session {
    profile: String,
    paths: AuthPaths,
    /// A configured issuer or client id the stored sign-in must match.
    expected_issuer: Option<String>,
    expected_client_id: Option<String>,
    state: tokio::sync::Mutex<Option<Loaded>>,
    http: std::sync::OnceLock<OAuthHttp>,
}

impl Session {
    pub fn new(
        profile: String,
        paths: AuthPaths,
        expected_issuer: Option<String>,
        expected_client_id: Option<String>,
    ) -> Session {
        Session {
            profile,
            paths,
            expected_issuer,
            expected_client_id,
            state: tokio::sync::Mutex::new(None),
            http: std::sync::OnceLock::new(),
        }
    }

    fn http(&self) -> Result<&OAuthHttp, AuthError> {
        if let Some(h) = self.http.get() {
            return Ok(h);
        }
        let h = OAuthHttp::new().map_err(|e| AuthError::Refresh(e.to_string()))?;
        Ok(self.http.get_or_init(|| h))
    }

    async fn load(&self) -> Result<Loaded, AuthError> {
        let paths = self.paths.clone();
        let profile = self.profile.clone();
        let (expected_issuer, expected_client) = (
            self.expected_issuer.clone(),
            self.expected_client_id.clone(),
        );
        blocking(move || {
            let expected = Expected {
                issuer: expected_issuer.as_deref(),
                client_id: expected_client.as_deref(),
            };
            let stored = match find(&paths, &profile, expected) {
                Ok(stored) => stored.ok_or(AuthError::NotSignedIn)?,
                Err(FindError::OtherAccount(why)) => return Err(AuthError::OtherAccount(why)),
                Err(e) => return Err(AuthError::Store(e.to_string())),
            };
            let credential = stored
                .credential
                .map_err(|e| AuthError::Store(e.to_string()))?
                .ok_or(AuthError::NotSignedIn)?;
            Ok(Loaded {
                account: stored.account,
                store: stored.store,
                credential,
            })
        })
        .await
    }

    /// A fresh access token, refreshing first when it expires within 60 s.
    pub async fn access_token(&self) -> Result<Secret, AuthError> {
        self.token(None).await
    }

    /// The API rejected `rejected`: refresh unless another task already did.
    pub async fn renew(&self, rejected: &Secret) -> Result<Secret, AuthError> {
        self.token(Some(rejected)).await
    }

    /// The current token if it is fresh (and not the rejected one), else a refreshed
    /// one. A sign-in that is gone is forgotten, so the next call loads it afresh.
    async fn token(&self, rejected: Option<&Secret>) -> Result<Secret, AuthError> {
        let mut state = self.state.lock().await;
        if state.is_none() {
            *state = Some(self.load().await?);
        }
        let Some(loaded) = state.as_mut() else {
            return Err(AuthError::NotSignedIn);
        };
        if is_fresh(&loaded.credential) && rejected != Some(&loaded.credential.access_token) {
            return Ok(loaded.credential.access_token.clone());
        }
        let result = self.refresh(loaded, rejected).await;
        if matches!(
            result,
            Err(AuthError::SignInExpired(_)) | Err(AuthError::NotSignedIn)
        ) {
            *state = None;
        }
        result
    }

    /// Refresh under the cross-process lock. After taking it, adopt a newer token
    /// another process saved; otherwise refresh and persist before use.
    async fn refresh(
        &self,
        loaded: &mut Loaded,
        rejected: Option<&Secret>,
    ) -> Result<Secret, AuthError> {
        let _lock = lock(&self.paths, &self.profile).await?;
        let key = loaded.account.key(&self.profile);
        let store = loaded.store.clone();
        let key_for_load = key.clone();
        let stored = blocking(move || {
            store
                .load(&key_for_load)
                .map_err(|e| AuthError::Store(e.to_string()))
        })
        .await?
        .ok_or(AuthError::NotSignedIn)?;
        let newer = stored.access_token != loaded.credential.access_token;
        let rejected_again = rejected.is_some_and(|r| *r == stored.access_token);
        loaded.credential = stored;
        if newer && !rejected_again && is_fresh(&loaded.credential) {
            tracing::debug!("adopting a token another process refreshed");
            return Ok(loaded.credential.access_token.clone());
        }
        let refresh_token = loaded.credential.refresh_token.clone().ok_or_else(|| {
            AuthError::SignInExpired(
                "the access token expired and there is no refresh token".into(),
            )
        })?;
        // accounts.json is a plain file: an edited token endpoint must not receive
        // the refresh token in clear text.
        crate::config::secure_url(&loaded.account.token_endpoint).map_err(|e| {
            AuthError::Store(format!(
                "the token endpoint in {} {e}; run `digiusher-mcp login` again",
                self.paths.accounts.display()
            ))
        })?;
        tracing::info!("refreshing the DigiUsher access token");
        match refresh_grant(
            self.http()?,
            &loaded.account,
            &loaded.credential,
            &refresh_token,
        )
        .await
        {
            Ok(fresh) => {
                let store = loaded.store.clone();
                let saved = fresh.clone();
                let credentials = self.paths.credentials.clone();
                let replaced = blocking(move || {
                    store
                        .save(&key, &saved)
                        .map_err(|e| AuthError::Store(e.to_string()))
                })
                .await?;
                if let Some(r) = replaced {
                    tracing::warn!("{}", r.describe(&credentials));
                }
                loaded.credential = fresh;
                Ok(loaded.credential.access_token.clone())
            }
            Err(RefreshError::Rejected) => {
                let store = loaded.store.clone();
                let paths = self.paths.clone();
                let profile = self.profile.clone();
                blocking(move || {
                    let _ = store.delete(&key);
                    Accounts::of(&paths).set(&profile, None).map(drop)
                })
                .await?;
                Err(AuthError::SignInExpired(RefreshError::Rejected.to_string()))
            }
            Err(RefreshError::Unreachable(reason)) => Err(AuthError::Unreachable(reason)),
            Err(RefreshError::Failed(reason)) => Err(AuthError::Refresh(reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::store::{Identity, StoreKind};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A token endpoint on 127.0.0.1 that answers one request with `body`.
    async fn token_endpoint(status: u16, body: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0; 8192];
            let _ = socket.read(&mut request).await;
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        });
        url
    }

    async fn grant(status: u16, body: &'static str) -> Result<Credential, RefreshError> {
        let account = Account {
            issuer: "http://127.0.0.1".into(),
            client_id: "c".into(),
            store: StoreKind::File,
            store_fallback: false,
            token_endpoint: token_endpoint(status, body).await,
            revocation_endpoint: None,
        };
        let http = OAuthHttp::new().unwrap();
        refresh_grant(&http, &account, &old_credential(), &Secret::new("old-rt")).await
    }

    #[tokio::test]
    async fn invalid_grant_is_a_rejection_other_errors_are_failures() {
        let rejected = grant(400, r#"{"error":"invalid_grant"}"#).await;
        assert!(matches!(rejected, Err(RefreshError::Rejected)));
        let failed = grant(
            401,
            r#"{"error":"invalid_client","error_description":"who?"}"#,
        )
        .await;
        match failed {
            Err(RefreshError::Failed(why)) => assert_eq!(
                why,
                r#"the identity provider answered: "invalid_client: who?""#
            ),
            _ => panic!("invalid_client is a failure, not a rejection"),
        }
        let odd = grant(200, "<html>").await;
        assert!(matches!(odd, Err(RefreshError::Failed(_))));
    }

    #[tokio::test]
    async fn a_refresh_error_from_the_provider_is_quoted_as_data() {
        let body = serde_json::json!({
            "error": crate::untrusted::HOSTILE,
            "error_description": crate::untrusted::HOSTILE,
        })
        .to_string();
        match grant(400, Box::leak(body.into_boxed_str())).await {
            Err(RefreshError::Failed(why)) => crate::untrusted::assert_marked(&why),
            _ => panic!("an unknown OAuth error is a failure"),
        }
    }

    fn account_at(token_endpoint: String) -> Account {
        Account {
            issuer: "http://127.0.0.1".into(),
            client_id: "c".into(),
            store: StoreKind::File,
            store_fallback: false,
            token_endpoint,
            revocation_endpoint: None,
        }
    }

    fn old_credential() -> Credential {
        Credential {
            issuer: "http://127.0.0.1".into(),
            client_id: "c".into(),
            access_token: Secret::new("old-at"),
            expires_at: 2,
            obtained_at: 1,
            refresh_token: Some(Secret::new("old-rt")),
            scopes: vec!["openid".into()],
            identity: Identity::default(),
        }
    }

    #[tokio::test]
    async fn an_unreachable_provider_keeps_the_sign_in_in_its_words() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", closed.local_addr().unwrap());
        drop(closed);
        let http = OAuthHttp::new().unwrap();
        let result = refresh_grant(
            &http,
            &account_at(url),
            &old_credential(),
            &Secret::new("old-rt"),
        )
        .await;
        let Err(RefreshError::Unreachable(why)) = result else {
            panic!("a refused connection is unreachable, not a failure: {result:?}");
        };
        let words = AuthError::Unreachable(why).to_string();
        assert!(words.contains("sign-in is kept"), "{words}");
        assert!(words.contains("unreachable"), "{words}");
        assert!(!words.contains("digiusher-mcp login"), "{words}");
    }

    /// A token endpoint that answers the first request of a connection and keeps
    /// it open, and closes a connection the moment a second request arrives on it
    /// (a provider closing an idle connection as the request crosses). Counts
    /// the requests that were lost so.
    async fn closing_token_endpoint() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let lost = Arc::new(AtomicUsize::new(0));
        let counter = lost.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let lost = counter.clone();
                tokio::spawn(async move {
                    let mut served = 0;
                    let mut buf = vec![0; 16384];
                    loop {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) if served == 0 => {
                                let body = r#"{"access_token":"new-at","expires_in":60,"refresh_token":"next-rt"}"#;
                                let answer = format!(
                                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                                    body.len()
                                );
                                let _ = socket.write_all(answer.as_bytes()).await;
                                served += 1;
                            }
                            Ok(_) => {
                                lost.fetch_add(1, Ordering::SeqCst);
                                return;
                            }
                        }
                    }
                });
            }
        });
        (url, lost)
    }

    #[tokio::test]
    async fn a_refresh_never_goes_out_on_a_provider_connection_left_idle() {
        let (url, lost) = closing_token_endpoint().await;
        let http = OAuthHttp::new().unwrap();
        let account = account_at(url);
        let rt = Secret::new("old-rt");
        refresh_grant(&http, &account, &old_credential(), &rt)
            .await
            .unwrap();
        tokio::time::sleep(super::super::http::PROVIDER_IDLE + Duration::from_millis(500)).await;
        let second = refresh_grant(&http, &account, &old_credential(), &rt).await;
        assert!(second.is_ok(), "{second:?}");
        assert_eq!(
            lost.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "a refresh went out on an idle kept-alive connection"
        );
    }

    #[tokio::test]
    async fn a_refresh_keeps_the_old_refresh_token_when_none_is_sent() {
        let fresh = grant(200, r#"{"access_token":"new-at","expires_in":60}"#)
            .await
            .unwrap();
        assert_eq!(fresh.access_token, Secret::new("new-at"));
        assert_eq!(fresh.refresh_token, Some(Secret::new("old-rt")));
    }
}
