//! Which bearer token a request sends: `DIGIUSHER_TOKEN`, or the profile's
//! stored sign-in, refreshed behind [`TokenSource`] so the tools never see how.

use super::error::AuthError;
use super::session::Session;
use crate::secret::Secret;

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
