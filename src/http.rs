//! What both HTTP clients (the DigiUsher API and the identity provider) share:
//! the user agent, the TLS provider, the proxy rules and the capped body read.
//! It sits below `auth` and `api` so that neither has to import the other.

mod proxy;

use std::time::Duration;

use reqwest::ClientBuilder;
use reqwest::header::CONTENT_LENGTH;

/// Sent with every request so DigiUsher can tell our traffic apart.
pub const USER_AGENT: &str = concat!("digiusher-mcp/", env!("CARGO_PKG_VERSION"));

/// A client builder with rustls, our user agent, the environment's proxies
/// (loopback always direct) and a 10 s connect timeout.
pub fn builder() -> ClientBuilder {
    // Installing fails only when a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    proxy::env_proxies(reqwest::Client::builder())
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
}

/// Why a capped read stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The body (declared or received) passed the limit.
    TooLarge,
    Transport(reqwest::Error),
}

/// Read a body up to `limit` bytes, refusing a larger declared length up front.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit as u64) as usize);
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The innermost cause of a transport error ("Connection refused", "dns error:
/// …"), which says more than reqwest's outer "error sending request".
pub fn transport_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    if text.is_empty() { e.to_string() } else { text }
}
