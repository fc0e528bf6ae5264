//! Where bearer tokens come from. The tools see only [`TokenSource`]; sign-in,
//! storage and refresh live behind it.

use crate::secret::Secret;

/// Why no token could be had, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "Not signed in to DigiUsher. Run `digiusher-mcp login` in a terminal (or set DIGIUSHER_TOKEN), then retry."
    )]
    NotSignedIn,
}

/// Which credential a token came from; shapes the advice given after a 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOrigin {
    /// `DIGIUSHER_TOKEN`: cannot be refreshed.
    Env,
}

/// A bearer token ready to send, with where it came from.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub secret: Secret,
    pub origin: TokenOrigin,
}

/// Yields bearer tokens for API requests.
#[derive(Debug)]
pub struct TokenSource {
    env_token: Option<Secret>,
}

impl TokenSource {
    pub fn new(env_token: Option<Secret>) -> TokenSource {
        TokenSource { env_token }
    }

    /// A token for the next request.
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        match &self.env_token {
            Some(secret) => Ok(AccessToken {
                secret: secret.clone(),
                origin: TokenOrigin::Env,
            }),
            None => Err(AuthError::NotSignedIn),
        }
    }

    /// The API answered 401 to `rejected`: a fresh token to retry with, or `None`
    /// when this credential cannot be renewed.
    pub async fn renew_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<Option<AccessToken>, AuthError> {
        match rejected.origin {
            TokenOrigin::Env => Ok(None),
        }
    }
}
