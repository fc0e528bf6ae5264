//! `digiusher-mcp login`: find the provider, know the client, authorize in the
//! browser (or with the device flow), check the ID token, store the credential.

use std::time::Duration;

use openidconnect::core::{CoreClient, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, CsrfToken, DeviceAuthorizationUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RequestTokenError, Scope, TokenResponse,
};

use super::discovery::{self, Metadata};
use super::http::OAuthHttp;
use super::loopback::Listener;
use super::registration::{self, RegistrationCache};
use super::session::{Account, AuthPaths, now};
use super::store::{Credential, CredentialStore, Identity, StoreChoice, StoreKind};
use crate::config::Settings;
use crate::secret::Secret;

pub struct LoginOptions {
    pub no_browser: bool,
    pub device: bool,
    pub timeout: Duration,
    pub callback_port: u16,
}

/// What the terminal reports after a successful sign-in.
pub struct LoginOutcome {
    pub identity: Identity,
    pub issuer: String,
    pub store: StoreKind,
    pub store_note: Option<String>,
    pub expires_at: u64,
    pub has_refresh_token: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{0}")]
    Discovery(#[from] discovery::DiscoveryError),
    #[error("{0}")]
    Registration(#[from] registration::RegistrationError),
    #[error("{0}")]
    Callback(#[from] super::loopback::CallbackError),
    #[error(
        "this identity provider does not offer the device flow (no device_authorization_endpoint); use `digiusher-mcp login --no-browser` and open the URL on any device instead"
    )]
    DeviceNotOffered,
    #[error(
        "the identity provider no longer knows this app's registration (invalid_client); it was forgotten, so run `digiusher-mcp login` again to register afresh"
    )]
    ClientRejected,
    #[error("the identity provider refused the sign-in: {0}")]
    Token(String),
    #[error("the ID token failed verification: {0}")]
    IdToken(String),
    #[error("cannot store the sign-in: {0}")]
    Store(String),
    #[error("{0}")]
    Other(String),
}

fn other(e: impl std::fmt::Display) -> LoginError {
    LoginError::Other(e.to_string())
}

/// The scopes to ask for: the configured ones, plus `offline_access` when the
/// provider lists it (refresh tokens often need it).
fn scopes_for(settings: &Settings, metadata: &Metadata) -> Vec<String> {
    let mut scopes = settings.scopes.clone();
    let offers_offline = metadata
        .scopes_supported()
        .is_some_and(|s| s.iter().any(|s| s.as_str() == "offline_access"));
    if offers_offline && !scopes.iter().any(|s| s == "offline_access") {
        scopes.push("offline_access".into());
    }
    scopes
}

/// A token request failure, without echoing anything secret.
fn token_error<RE, T>(e: RequestTokenError<RE, T>) -> LoginError
where
    RE: std::error::Error + 'static,
    T: openidconnect::ErrorResponse + 'static,
{
    match e {
        RequestTokenError::ServerResponse(r) => {
            let text = r.to_string();
            if text.starts_with("invalid_client") {
                LoginError::ClientRejected
            } else {
                LoginError::Token(text)
            }
        }
        RequestTokenError::Request(e) => LoginError::Token(format!("request failed: {e}")),
        RequestTokenError::Parse(e, _) => {
            LoginError::Token(format!("the token response is not valid: {}", e.path()))
        }
        RequestTokenError::Other(e) => LoginError::Token(e),
    }
}

/// Sign in and store the credential. Progress goes to stderr.
pub async fn login(settings: &Settings, opts: &LoginOptions) -> Result<LoginOutcome, LoginError> {
    let http = OAuthHttp::new().map_err(other)?;
    let issuer = match &settings.issuer {
        Some(i) => i.clone(),
        None => {
            eprintln!("Looking up the sign-in provider of {} …", settings.api_base);
            discovery::issuer_from_api(&http, &settings.api_base).await?
        }
    };
    let metadata = discovery::provider_metadata(&http, &issuer).await?;
    let scopes = scopes_for(settings, &metadata);
    let device_endpoint = metadata
        .additional_metadata()
        .device_authorization_endpoint
        .clone();
    if opts.device && device_endpoint.is_none() {
        return Err(LoginError::DeviceNotOffered);
    }

    let cache = RegistrationCache::new(settings.paths.registrations.clone());
    let client_id = match &settings.client_id {
        Some(id) => id.clone(),
        None => known_client(&http, &cache, &issuer, &metadata, &scopes).await?,
    };
    let client = CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(client_id.clone()),
        None,
    );
    let verifier_issuer = issuer.clone();

    let (token, nonce) = if opts.device {
        let endpoint = device_endpoint.ok_or(LoginError::DeviceNotOffered)?;
        let client = client
            .clone()
            .set_device_authorization_url(DeviceAuthorizationUrl::new(endpoint).map_err(other)?);
        let mut request = client.exchange_device_code();
        for s in scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(s.clone()));
        }
        let details: openidconnect::core::CoreDeviceAuthorizationResponse =
            request.request_async(&http).await.map_err(token_error)?;
        eprintln!(
            "To sign in, open {} on any device and enter the code {}",
            details.verification_uri().as_str(),
            crate::terminal::Clean(details.user_code().secret())
        );
        if let Some(complete) = details.verification_uri_complete() {
            eprintln!(
                "(or open {} directly)",
                crate::terminal::Clean(complete.secret())
            );
        }
        if !crate::terminal::live_stderr() {
            eprintln!(
                "Waiting for you to approve (up to {} s; Ctrl-C to cancel)…",
                opts.timeout.as_secs()
            );
        }
        let request = client
            .exchange_device_access_token(&details)
            .map_err(other)?;
        let token = crate::terminal::with_countdown(
            "Waiting for the approval…",
            opts.timeout,
            request.request_async(&http, tokio::time::sleep, Some(opts.timeout)),
        )
        .await
        .map_err(token_error)?;
        (token, None)
    } else {
        let listener = Listener::bind(opts.callback_port)?;
        let client = client
            .clone()
            .set_redirect_uri(RedirectUrl::new(listener.redirect_uri()).map_err(other)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(s.clone()));
        }
        for (k, v) in &settings.auth_params {
            request = request.add_extra_param(k.clone(), v.clone());
        }
        let (url, state, nonce) = request.url();
        eprintln!(
            "Sign in to DigiUsher in your browser (identity provider {issuer}):\n\n    {url}\n"
        );
        if opts.no_browser {
            eprintln!(
                "Open the URL above in a browser on this machine (--no-browser: none was launched)."
            );
        } else {
            match super::browser::open(url.as_str()) {
                Ok(how) => eprintln!("The sign-in page was {how}."),
                Err(why) => {
                    eprintln!("No browser was launched ({why}); open the URL above yourself.")
                }
            }
        }
        if !crate::terminal::live_stderr() {
            eprintln!(
                "Waiting for the sign-in to complete (up to {} s; Ctrl-C to cancel)…",
                opts.timeout.as_secs()
            );
        }
        let callback = crate::terminal::with_countdown(
            "Waiting for the sign-in in the browser…",
            opts.timeout,
            listener.wait(
                Secret::new(state.secret().clone()),
                issuer.clone(),
                opts.timeout,
            ),
        )
        .await?;
        let token = client
            .exchange_code(AuthorizationCode::new(callback.code.expose().to_string()))
            .map_err(other)?
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .map_err(|e| {
                let e = token_error(e);
                if matches!(e, LoginError::ClientRejected) && settings.client_id.is_none() {
                    cache.forget(&issuer);
                }
                e
            })?;
        (token, Some(nonce))
    };

    // The ID token is for display only, but it is checked fully.
    let id_token = token
        .id_token()
        .ok_or_else(|| LoginError::IdToken("the provider returned no ID token".into()))?;
    let id_verifier = client
        .id_token_verifier()
        .set_issue_time_verifier_fn(|iat| {
            if iat.timestamp() > now() as i64 + 300 {
                Err("issued in the future".to_string())
            } else {
                Ok(())
            }
        });
    let claims = match &nonce {
        Some(nonce) => id_token.claims(&id_verifier, nonce),
        None => id_token.claims(&id_verifier, |_: Option<&Nonce>| Ok(())),
    }
    .map_err(|e| LoginError::IdToken(e.to_string()))?;
    if claims.issuer().as_str().trim_end_matches('/') != verifier_issuer.trim_end_matches('/') {
        return Err(LoginError::IdToken("issuer mismatch".into()));
    }
    let identity = Identity {
        sub: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
    };
    let credential = Credential {
        issuer: issuer.clone(),
        client_id: client_id.clone(),
        access_token: Secret::new(token.access_token().secret().clone()),
        expires_at: now() + token.expires_in().map_or(3600, |d| d.as_secs()),
        obtained_at: now(),
        refresh_token: token
            .refresh_token()
            .map(|r| Secret::new(r.secret().clone())),
        scopes: token
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or(scopes),
        identity: identity.clone(),
    };
    let token_endpoint = metadata
        .token_endpoint()
        .map(|u| u.to_string())
        .ok_or_else(|| LoginError::Other("the provider lists no token endpoint".into()))?;
    let account = Account {
        issuer: issuer.clone(),
        client_id,
        store: StoreKind::Keychain,
        store_fallback: false,
        token_endpoint,
        revocation_endpoint: metadata.additional_metadata().revocation_endpoint.clone(),
    };
    let (store, store_note) = save(settings, account, credential.clone()).await?;
    Ok(LoginOutcome {
        identity,
        issuer,
        store,
        store_note,
        expires_at: credential.expires_at,
        has_refresh_token: credential.refresh_token.is_some(),
    })
}

/// The cached registration for this issuer if the provider still knows it,
/// otherwise a new one.
async fn known_client(
    http: &OAuthHttp,
    cache: &RegistrationCache,
    issuer: &str,
    metadata: &Metadata,
    scopes: &[String],
) -> Result<String, LoginError> {
    if let Some(cached) = cache.get(issuer) {
        if registration::still_valid(http, &cached).await {
            return Ok(cached.client_id);
        }
        eprintln!(
            "The identity provider no longer knows this app's registration; registering again."
        );
        cache.forget(issuer);
    }
    let endpoint = metadata
        .registration_endpoint()
        .map(|u| u.to_string())
        .ok_or(registration::RegistrationError::NotOffered)?;
    let device = metadata
        .additional_metadata()
        .device_authorization_endpoint
        .is_some();
    let registration = registration::register(http, &endpoint, scopes, device).await?;
    if let Err(e) = cache.put(issuer, &registration) {
        tracing::warn!("cannot cache the client registration: {e}");
    }
    Ok(registration.client_id)
}

/// Store the credential in the keychain (or the file, by choice or as a fallback),
/// record the account, and drop a previous record of this profile. A damaged
/// credential or account file is set aside and replaced, and the note says so.
async fn save(
    settings: &Settings,
    mut account: Account,
    credential: Credential,
) -> Result<(StoreKind, Option<String>), LoginError> {
    let profile = settings.profile.clone();
    let paths: AuthPaths = settings.paths.clone();
    let choice = settings.token_store;
    tokio::task::spawn_blocking(move || {
        let key = account.key(&profile);
        let file_store = || CredentialStore::file(paths.credentials.clone());
        let mut fallback = None;
        let store = match choice {
            StoreChoice::File => file_store(),
            StoreChoice::Keychain => CredentialStore::keychain().map_err(|e| {
                LoginError::Store(format!("DIGIUSHER_TOKEN_STORE is keychain, but {e}"))
            })?,
            StoreChoice::Auto => CredentialStore::keychain().unwrap_or_else(|e| {
                fallback = Some(fallback_note(&e.to_string(), &paths));
                file_store()
            }),
        };
        let (store, replaced) = match store.save(&key, &credential) {
            Ok(replaced) => (store, replaced),
            Err(e @ super::store::StoreError::KeychainUnavailable(_))
                if choice == StoreChoice::Auto =>
            {
                fallback = Some(fallback_note(&e.to_string(), &paths));
                let file = file_store();
                let replaced = file
                    .save(&key, &credential)
                    .map_err(|e| LoginError::Store(e.to_string()))?;
                (file, replaced)
            }
            Err(e) => return Err(LoginError::Store(e.to_string())),
        };
        account.store = store.kind;
        account.store_fallback = fallback.is_some();
        let mut notes: Vec<String> = fallback.into_iter().collect();
        notes.extend(replaced.map(|r| r.describe(&paths.credentials)));
        // A previous sign-in of this profile (other issuer or client) is replaced.
        if let Ok(Some(previous)) = paths.account(&profile)
            && previous.key(&profile) != key
            && let Ok(old_store) = CredentialStore::open(previous.store, paths.credentials.clone())
        {
            let _ = old_store.delete(&previous.key(&profile));
        }
        let replaced = paths
            .set_account(&profile, Some(&account))
            .map_err(|e| LoginError::Store(e.to_string()))?;
        notes.extend(replaced.map(|r| r.describe(&paths.accounts)));
        let note = (!notes.is_empty()).then(|| notes.join(". ") + ".");
        Ok((store.kind, note))
    })
    .await
    .map_err(other)?
}

/// Why the file store is used, in words a user understands; the keychain's own
/// error (a D-Bus address, say) goes to the debug log only.
fn fallback_note(why: &str, paths: &AuthPaths) -> String {
    tracing::debug!("no usable OS keychain: {why}");
    format!(
        "No usable OS keychain on this machine (on Linux, GNOME Keyring or KWallet must be running and unlocked), so the sign-in is kept in {}, readable only by you (`--log-level debug` shows why)",
        paths.credentials.display()
    )
}
