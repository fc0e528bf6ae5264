//! The HTTP client for the identity provider: reqwest behind the interface that
//! oauth2 and openidconnect expect. No redirects: token endpoints must not redirect.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse};

use crate::http::{ReadError, transport_cause};

/// The longest a provider connection stays idle in the pool; providers close
/// idle connections after a few seconds (Node's default is 5 s).
pub const PROVIDER_IDLE: Duration = Duration::from_secs(1);

/// Largest provider response we read (metadata, JWKS, tokens are small).
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot set up the HTTPS client: {0}")]
    Setup(String),
    #[error("the identity provider did not answer in time{}", at(.url))]
    Timeout { url: Option<String> },
    #[error("cannot reach the identity provider{}: {cause}", at(.url))]
    Unreachable { url: Option<String>, cause: String },
    #[error("the identity provider sent a response larger than 1 MiB")]
    TooLarge,
    #[error("bad response from the identity provider: {0}")]
    BadResponse(String),
}

/// " (url)" after the words, or nothing.
fn at(url: &Option<String>) -> String {
    url.as_ref().map(|u| format!(" ({u})")).unwrap_or_default()
}

#[derive(Clone)]
pub struct OAuthHttp(reqwest::Client);

impl OAuthHttp {
    pub fn new() -> Result<OAuthHttp, HttpError> {
        crate::http::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            // A refresh must never be sent twice (rotation with reuse detection
            // would revoke the grant), so it is never retried, and it must not go
            // out on a connection the provider may be closing: none idle for
            // longer than this is reused.
            .pool_idle_timeout(PROVIDER_IDLE)
            .build()
            .map(OAuthHttp)
            .map_err(|e| HttpError::Setup(e.to_string()))
    }

    /// Whether the provider could not be reached (no answer, refused, timed out),
    /// as opposed to an answer we cannot use.
    pub fn is_unreachable(e: &HttpError) -> bool {
        matches!(e, HttpError::Timeout { .. } | HttpError::Unreachable { .. })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.0
    }
}

/// Read a body up to [`MAX_BODY`] bytes.
pub async fn read_body(response: reqwest::Response) -> Result<Vec<u8>, HttpError> {
    crate::http::read_capped(response, MAX_BODY)
        .await
        .map_err(|e| match e {
            ReadError::TooLarge => HttpError::TooLarge,
            ReadError::Transport(e) => transport(e),
        })
}

/// A transport error in words, without request bodies (which may carry secrets).
pub fn transport(e: reqwest::Error) -> HttpError {
    let url = e
        .url()
        .map(|u| u.as_str().split('?').next().unwrap_or("").to_string());
    if e.is_timeout() {
        HttpError::Timeout { url }
    } else {
        let cause = transport_cause(&e);
        HttpError::Unreachable { url, cause }
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for OAuthHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .map_err(transport)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = read_body(response).await?;
            let mut builder = openidconnect::http::Response::builder().status(status);
            if let Some(h) = builder.headers_mut() {
                *h = headers;
            }
            builder
                .body(body)
                .map_err(|e| HttpError::BadResponse(e.to_string()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_provider_is_named_without_the_query() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let http = OAuthHttp::new().unwrap();
        let url = format!("http://127.0.0.1:{port}/token?code=hush");
        let e = transport(http.client().get(url).send().await.unwrap_err());
        let HttpError::Unreachable { url, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            url.as_deref(),
            Some(&*format!("http://127.0.0.1:{port}/token"))
        );
        let text = e.to_string();
        assert!(
            text.starts_with(&format!(
                "cannot reach the identity provider (http://127.0.0.1:{port}/token): "
            )),
            "{text}"
        );
        assert!(!text.contains("hush"), "{text}");
    }
}
