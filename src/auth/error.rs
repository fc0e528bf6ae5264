//! The one error every reader of a sign-in answers with, in words a user can act on.

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
