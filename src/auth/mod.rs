//! Where bearer tokens come from. The tools see only [`TokenSource`]; sign-in,
//! storage and refresh live behind it.

pub mod account;
pub mod browser;
pub mod discovery;
pub mod http;
pub mod login;
pub mod loopback;
pub mod registration;
pub mod session;
pub mod signin;
pub mod split;
pub mod store;

use crate::secret::Secret;
use session::Session;

/// Why no token could be had, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "Not signed in to DigiUsher. Run `digiusher-mcp login` in a terminal (or set DIGIUSHER_TOKEN), then retry."
    )]
    NotSignedIn,
    #[error(
        "Your DigiUsher sign-in has expired or was revoked ({0}). Run `digiusher-mcp login` in a terminal, then retry."
    )]
    SignInExpired(String),
    #[error(
        "Not signed in with this configuration: {0}. Run `digiusher-mcp login` in a terminal, then retry."
    )]
    OtherAccount(String),
    #[error(
        "Could not renew the DigiUsher sign-in: {0}. Check the network and retry; if it keeps failing, run `digiusher-mcp login`."
    )]
    Refresh(String),
    #[error(
        "Could not renew the DigiUsher sign-in: {0}. The network or the identity provider is unreachable; your sign-in is kept, so retry once the connection is back (check the network or proxy)."
    )]
    Unreachable(String),
    #[error("Cannot read the DigiUsher sign-in: {0}.")]
    Store(String),
}

/// Which credential a token came from; shapes the advice given after a 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOrigin {
    /// `DIGIUSHER_TOKEN`: cannot be refreshed.
    Env,
    /// A stored sign-in from `digiusher-mcp login`.
    SignIn,
}

/// A bearer token ready to send, with where it came from.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub secret: Secret,
    pub origin: TokenOrigin,
}

/// Yields bearer tokens for API requests.
pub enum TokenSource {
    /// `DIGIUSHER_TOKEN` wins and is never written anywhere.
    Env(Secret),
    SignIn(Box<Session>),
}

impl TokenSource {
    /// `DIGIUSHER_TOKEN` when set, else the profile's stored sign-in (loaded lazily).
    pub fn from_settings(settings: &crate::config::Settings) -> TokenSource {
        match &settings.env_token {
            Some(token) => TokenSource::Env(token.clone()),
            None => TokenSource::stored(settings),
        }
    }

    /// The profile's stored sign-in, whatever `DIGIUSHER_TOKEN` says.
    pub fn stored(settings: &crate::config::Settings) -> TokenSource {
        TokenSource::SignIn(Box::new(Session::new(
            settings.profile.clone(),
            settings.paths.clone(),
            settings.issuer.clone(),
            settings.client_id.clone(),
        )))
    }

    /// A token for the next request.
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        match self {
            TokenSource::Env(secret) => Ok(AccessToken {
                secret: secret.clone(),
                origin: TokenOrigin::Env,
            }),
            TokenSource::SignIn(session) => Ok(AccessToken {
                secret: session.access_token().await?,
                origin: TokenOrigin::SignIn,
            }),
        }
    }

    /// The API answered 401 to `rejected`: a fresh token to retry with, or `None`
    /// when this credential cannot be renewed.
    pub async fn renew_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<Option<AccessToken>, AuthError> {
        match self {
            TokenSource::Env(_) => Ok(None),
            TokenSource::SignIn(session) => Ok(Some(AccessToken {
                secret: session.renew(&rejected.secret).await?,
                origin: TokenOrigin::SignIn,
            })),
        }
    }
}
