//! The HTTP client for the identity provider: reqwest behind the interface that
//! oauth2 and openidconnect expect. No redirects: token endpoints must not redirect.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse};

/// Largest provider response we read (metadata, JWKS, tokens are small).
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String);

#[derive(Clone)]
pub struct OAuthHttp(reqwest::Client);

impl OAuthHttp {
    pub fn new() -> Result<OAuthHttp, HttpError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        crate::api::env_proxies(reqwest::Client::builder())
            .user_agent(crate::api::USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map(OAuthHttp)
            .map_err(|e| HttpError(format!("cannot set up the HTTPS client: {e}")))
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.0
    }
}

/// Read a body up to [`MAX_BODY`] bytes.
pub async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(HttpError(
                "the identity provider sent a response larger than 1 MiB".into(),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A transport error in words, without request bodies (which may carry secrets).
pub fn transport(e: reqwest::Error) -> HttpError {
    let url = e
        .url()
        .map(|u| format!(" ({})", u.as_str().split('?').next().unwrap_or("")))
        .unwrap_or_default();
    let cause = crate::api::transport_cause(&e);
    if e.is_timeout() {
        HttpError(format!("the identity provider did not answer in time{url}"))
    } else {
        HttpError(format!("cannot reach the identity provider{url}: {cause}"))
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
                .map_err(|e| HttpError(format!("bad response from the identity provider: {e}")))
        })
    }
}
