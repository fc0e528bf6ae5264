//! Signing in, in steps that more than one caller can drive: find the provider
//! and know the client ([`Provider::discover`]), start an attempt in the browser
//! ([`BrowserAttempt`]) or with the device flow ([`DeviceAttempt`]), then finish
//! it: wait, exchange the code, check the ID token, store the credential.
//!
//! Nothing here prints progress: `commands::login` tells the terminal, and the
//! MCP server can show the same URL its own way.

use crate::untrusted::{PROVIDER_TEXT_CAP, quoted};
use std::time::Duration;

use openidconnect::core::{
    CoreClient, CoreDeviceAuthorizationResponse, CoreResponseType, CoreTokenResponse,
};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, CsrfToken, DeviceAuthorizationUrl,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
};

use super::account::{Account, Accounts};
use super::discovery::{self, Metadata};
use super::http::OAuthHttp;
use super::loopback::Listener;
use super::registration::{self, RegistrationCache};
use super::session::now;
use super::store::{Credential, CredentialStore, Identity, StoreKind};
use crate::config::{AuthPaths, Settings, StoreChoice};
use crate::secret::Secret;

pub struct LoginOptions {
    pub no_browser: bool,
    pub device: bool,
    pub timeout: Duration,
    pub callback_port: u16,
}

/// What the terminal reports after a successful sign-in.
#[derive(Debug)]
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

/// Something worth telling the user while the client is made known; the caller
/// says where it goes (`login`: the terminal, `serve`: its log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The provider refused the cached registration, so a new one is made.
    RegisteringAgain,
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::RegisteringAgain => f.write_str(
                "The identity provider no longer knows this app's registration; registering again.",
            ),
        }
    }
}

/// Where [`Notice`]s go: a plain function, so an attempt stays `Send + 'static`.
pub type Tell = fn(Notice);

fn other(e: impl std::fmt::Display) -> LoginError {
    LoginError::Other(e.to_string())
}

/// Which way the user will approve the sign-in; the device flow is refused
/// before registering when the provider does not offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Browser,
    Device,
}

/// The client as built from the provider's metadata (authorization endpoint set,
/// token and user-info endpoints as listed).
type ProviderClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The identity provider and this app's client there, found once per attempt.
pub struct Provider {
    http: OAuthHttp,
    settings: Settings,
    issuer: String,
    metadata: Metadata,
    scopes: Vec<String>,
    client_id: String,
    client: ProviderClient,
}

impl Provider {
    /// Find the provider (from the API when no issuer is configured: this makes
    /// network requests, say so first) and know the client, registering it if
    /// needed; `tell` hears what the user should know meanwhile.
    pub async fn discover(
        settings: &Settings,
        flow: Flow,
        tell: Tell,
    ) -> Result<Provider, LoginError> {
        let http = OAuthHttp::new().map_err(other)?;
        let issuer = match &settings.issuer {
            Some(i) => i.clone(),
            None => discovery::issuer_from_api(&http, &settings.api_base).await?,
        };
        let metadata = discovery::provider_metadata(&http, &issuer).await?;
        let scopes = scopes_for(settings, &metadata);
        if flow == Flow::Device && device_endpoint(&metadata).is_none() {
            return Err(LoginError::DeviceNotOffered);
        }
        let cache = RegistrationCache::new(settings.paths.registrations.clone());
        let client_id = match &settings.client_id {
            Some(id) => id.clone(),
            None => known_client(&http, &cache, &issuer, &metadata, &scopes, tell).await?,
        };
        let client = CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(client_id.clone()),
            None,
        );
        Ok(Provider {
            http,
            settings: settings.clone(),
            issuer,
            metadata,
            scopes,
            client_id,
            client,
        })
    }

    /// A token request failed: forget a dynamic registration the provider no
    /// longer knows, so the next sign-in registers afresh.
    fn token_error<RE, T>(&self, e: RequestTokenError<RE, T>) -> LoginError
    where
        RE: std::error::Error + 'static,
        T: openidconnect::ErrorResponse + 'static,
    {
        let e = token_error(e);
        if matches!(e, LoginError::ClientRejected) && self.settings.client_id.is_none() {
            RegistrationCache::new(self.settings.paths.registrations.clone()).forget(&self.issuer);
        }
        e
    }

    /// Check the ID token of `token` and store the credential.
    async fn complete(
        self,
        token: CoreTokenResponse,
        nonce: Option<Nonce>,
    ) -> Result<LoginOutcome, LoginError> {
        let identity = self.identity(&token, nonce.as_ref())?;
        let credential = Credential {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            access_token: Secret::new(token.access_token().secret().clone()),
            expires_at: now() + token.expires_in().map_or(3600, |d| d.as_secs()),
            obtained_at: now(),
            refresh_token: token
                .refresh_token()
                .map(|r| Secret::new(r.secret().clone())),
            scopes: token
                .scopes()
                .map(|s| s.iter().map(|s| s.to_string()).collect())
                .unwrap_or(self.scopes),
            identity: identity.clone(),
        };
        let token_endpoint = self
            .metadata
            .token_endpoint()
            .map(|u| u.to_string())
            .ok_or_else(|| LoginError::Other("the provider lists no token endpoint".into()))?;
        let account = Account {
            issuer: self.issuer.clone(),
            client_id: self.client_id,
            store: StoreKind::Keychain,
            store_fallback: false,
            token_endpoint,
            revocation_endpoint: self
                .metadata
                .additional_metadata()
                .revocation_endpoint
                .clone(),
        };
        let (store, store_note) = save(&self.settings, account, credential.clone()).await?;
        Ok(LoginOutcome {
            identity,
            issuer: self.issuer,
            store,
            store_note,
            expires_at: credential.expires_at,
            has_refresh_token: credential.refresh_token.is_some(),
        })
    }

    /// The identity in the ID token. It is for display only, but it is checked fully.
    fn identity(
        &self,
        token: &CoreTokenResponse,
        nonce: Option<&Nonce>,
    ) -> Result<Identity, LoginError> {
        let id_token = token
            .id_token()
            .ok_or_else(|| LoginError::IdToken("the provider returned no ID token".into()))?;
        let verifier = self
            .client
            .id_token_verifier()
            .set_issue_time_verifier_fn(|iat| {
                if iat.timestamp() > now() as i64 + 300 {
                    Err("issued in the future".to_string())
                } else {
                    Ok(())
                }
            });
        let claims = match nonce {
            Some(nonce) => id_token.claims(&verifier, nonce),
            None => id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        }
        .map_err(|e| LoginError::IdToken(e.to_string()))?;
        if claims.issuer().as_str().trim_end_matches('/') != self.issuer.trim_end_matches('/') {
            return Err(LoginError::IdToken("issuer mismatch".into()));
        }
        Ok(Identity {
            sub: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
        })
    }
}

fn device_endpoint(metadata: &Metadata) -> Option<String> {
    metadata
        .additional_metadata()
        .device_authorization_endpoint
        .clone()
}

/// A sign-in in the browser: the listener is bound and the URL is ready; nothing
/// waits until [`BrowserAttempt::finish`]. The attempt is `Send + 'static`, so it
/// can finish in a spawned task while the caller shows the URL.
pub struct BrowserAttempt {
    provider: Provider,
    listener: Listener,
    url: String,
    state: Secret,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

impl BrowserAttempt {
    /// Discover the provider, know the client, bind the listener and build the URL.
    pub async fn prepare(
        settings: &Settings,
        callback_port: u16,
        tell: Tell,
    ) -> Result<Self, LoginError> {
        let provider = Provider::discover(settings, Flow::Browser, tell).await?;
        Self::start(provider, callback_port)
    }

    /// Bind `127.0.0.1:callback_port` (0: any free port) and build the URL.
    pub fn start(provider: Provider, callback_port: u16) -> Result<Self, LoginError> {
        let mut provider = provider;
        let listener = Listener::bind(callback_port)?;
        // The token request repeats the redirect URI, so the client keeps it.
        provider.client = provider
            .client
            .clone()
            .set_redirect_uri(RedirectUrl::new(listener.redirect_uri()).map_err(other)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in provider.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(s.clone()));
        }
        for (k, v) in &provider.settings.auth_params {
            request = request.add_extra_param(k.clone(), v.clone());
        }
        let (url, state, nonce) = request.url();
        Ok(BrowserAttempt {
            url: url.to_string(),
            state: Secret::new(state.secret().clone()),
            provider,
            listener,
            nonce,
            verifier,
        })
    }

    /// The authorization URL to open in a browser.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn issuer(&self) -> &str {
        &self.provider.issuer
    }

    /// Wait up to `timeout` for the browser to come back, then exchange the code,
    /// check the ID token and store the credential. The browser's page says how it
    /// ended only once all of that is done. Dropping the future frees the port.
    pub async fn finish(self, timeout: Duration) -> Result<LoginOutcome, LoginError> {
        let BrowserAttempt {
            provider,
            listener,
            state,
            nonce,
            verifier,
            ..
        } = self;
        let require_iss = provider
            .metadata
            .additional_metadata()
            .authorization_response_iss_parameter_supported
            == Some(true);
        let callback = listener
            .wait(state, provider.issuer.clone(), require_iss, timeout)
            .await?;
        let (code, responder) = callback.into_parts();
        let result = redeem(provider, code, verifier, nonce).await;
        match &result {
            Ok(_) => responder.signed_in().await,
            Err(e) => responder.failed(&e.to_string()).await,
        }
        result
    }
}

/// Exchange the authorization code, then check and store what came back.
async fn redeem(
    provider: Provider,
    code: Secret,
    verifier: PkceCodeVerifier,
    nonce: Nonce,
) -> Result<LoginOutcome, LoginError> {
    let token = provider
        .client
        .exchange_code(AuthorizationCode::new(code.expose().to_string()))
        .map_err(other)?
        .set_pkce_verifier(verifier)
        .request_async(&provider.http)
        .await
        .map_err(|e| provider.token_error(e))?;
    provider.complete(token, Some(nonce)).await
}

/// A sign-in with the device flow: the user opens [`DeviceAttempt::verification_uri`]
/// anywhere and enters [`DeviceAttempt::user_code`].
pub struct DeviceAttempt {
    provider: Provider,
    details: CoreDeviceAuthorizationResponse,
}

impl DeviceAttempt {
    /// Ask the provider for a user code.
    pub async fn start(provider: Provider) -> Result<Self, LoginError> {
        let client = device_client(&provider)?;
        let mut request = client.exchange_device_code();
        for s in provider.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(s.clone()));
        }
        let details: CoreDeviceAuthorizationResponse = request
            .request_async(&provider.http)
            .await
            .map_err(|e| provider.token_error(e))?;
        Ok(DeviceAttempt { provider, details })
    }

    pub fn verification_uri(&self) -> &str {
        self.details.verification_uri().as_str()
    }

    /// The code to type in; shown to the user, it is not a credential.
    pub fn user_code(&self) -> &str {
        self.details.user_code().secret()
    }

    /// The URL with the code filled in, when the provider offers one.
    pub fn verification_uri_complete(&self) -> Option<&str> {
        self.details
            .verification_uri_complete()
            .map(|u| u.secret().as_str())
    }

    /// Poll until the user approved (or `timeout`), then check and store the sign-in.
    pub async fn finish(self, timeout: Duration) -> Result<LoginOutcome, LoginError> {
        let client = device_client(&self.provider)?;
        let token = client
            .exchange_device_access_token(&self.details)
            .map_err(other)?
            .request_async(&self.provider.http, tokio::time::sleep, Some(timeout))
            .await
            .map_err(|e| self.provider.token_error(e))?;
        self.provider.complete(token, None).await
    }
}

/// The MCP server finishes an attempt in a spawned task while it answers, so an
/// attempt and its `finish` must be `Send + 'static`: checked when compiling.
const _: () = {
    const fn spawnable<T: Send + 'static>() {}
    const fn finishes_spawnable<A, F: Future + Send + 'static>(_: fn(A, Duration) -> F) {}
    spawnable::<BrowserAttempt>();
    spawnable::<DeviceAttempt>();
    finishes_spawnable(BrowserAttempt::finish);
    finishes_spawnable(DeviceAttempt::finish);
};

fn device_client(
    provider: &Provider,
) -> Result<
    CoreClient<
        EndpointSet,
        EndpointSet,
        EndpointNotSet,
        EndpointNotSet,
        EndpointMaybeSet,
        EndpointMaybeSet,
    >,
    LoginError,
> {
    let endpoint = device_endpoint(&provider.metadata).ok_or(LoginError::DeviceNotOffered)?;
    Ok(provider
        .client
        .clone()
        .set_device_authorization_url(DeviceAuthorizationUrl::new(endpoint).map_err(other)?))
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
                LoginError::Token(format!("it answered: {}", quoted(&text, PROVIDER_TEXT_CAP)))
            }
        }
        RequestTokenError::Request(e) => LoginError::Token(format!("request failed: {e}")),
        RequestTokenError::Parse(e, _) => LoginError::Token(format!(
            "the token response is not valid at {}",
            quoted(&e.path().to_string(), PROVIDER_TEXT_CAP)
        )),
        RequestTokenError::Other(e) => LoginError::Token(e),
    }
}

/// The cached registration for this issuer if the provider still knows it,
/// otherwise a new one.
async fn known_client(
    http: &OAuthHttp,
    cache: &RegistrationCache,
    issuer: &str,
    metadata: &Metadata,
    scopes: &[String],
    tell: Tell,
) -> Result<String, LoginError> {
    if let Some(cached) = cache.get(issuer) {
        if registration::still_valid(http, &cached).await {
            return Ok(cached.client_id);
        }
        tell(Notice::RegisteringAgain);
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
        let service = &paths.keychain_service;
        let store = match choice {
            StoreChoice::File => file_store(),
            StoreChoice::Keychain => CredentialStore::keychain(service).map_err(|e| {
                LoginError::Store(format!("DIGIUSHER_TOKEN_STORE is keychain, but {e}"))
            })?,
            StoreChoice::Auto => CredentialStore::keychain(service).unwrap_or_else(|e| {
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
        if let Ok(Some(previous)) = Accounts::of(&paths).get(&profile)
            && previous.key(&profile) != key
            && let Ok(old_store) = CredentialStore::open(previous.store, &paths)
        {
            let _ = old_store.delete(&previous.key(&profile));
        }
        let replaced = Accounts::of(&paths)
            .set(&profile, Some(&account))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_endpoint_error_is_quoted_as_data() {
        use openidconnect::core::CoreErrorResponseType;
        let hostile = crate::untrusted::HOSTILE;
        let response = openidconnect::StandardErrorResponse::new(
            CoreErrorResponseType::Extension(hostile.into()),
            Some(hostile.into()),
            None,
        );
        let error = token_error(RequestTokenError::<std::io::Error, _>::ServerResponse(
            response,
        ));
        crate::untrusted::assert_marked(&error.to_string());
    }
}
