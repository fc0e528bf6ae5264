//! The DigiUsher HTTP client: one connection pool, bearer auth, bounded retries,
//! a read limit, and errors that keep the API's own reason.

mod body;
mod error;
mod retry;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use serde_json::Value;

use crate::auth::{AccessToken, TokenSource};
use crate::config::Settings;
use crate::http::{ReadError, read_capped, transport_cause};

pub use body::ApiResponse;
pub use error::{ApiError, ErrorBody};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request to the API, built from already validated tool input.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: Method,
    /// Path relative to the base URL, starting with `/`.
    pub path: String,
    /// Query pairs in order; repeated keys for lists.
    pub query: Vec<(&'static str, String)>,
    /// JSON body, for POST only.
    pub body: Option<Value>,
}

impl ApiRequest {
    pub fn get(path: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method: Method::Get,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: Value) -> ApiRequest {
        ApiRequest {
            method: Method::Post,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }

    /// Add one query pair.
    pub fn param(mut self, key: &'static str, value: impl Into<String>) -> ApiRequest {
        self.query.push((key, value.into()));
        self
    }

    /// Add a pair only when there is a value.
    pub fn opt_param(self, key: &'static str, value: Option<impl Into<String>>) -> ApiRequest {
        match value {
            Some(v) => self.param(key, v),
            None => self,
        }
    }

    /// Add one pair per item: `key=a&key=b`.
    pub fn params<I, S>(mut self, key: &'static str, values: I) -> ApiRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query
            .extend(values.into_iter().map(|v| (key, v.into())));
        self
    }
}

/// Shared by every tool call of the process.
pub struct ApiClient {
    base: String,
    timeout: Duration,
    max_response_bytes: usize,
    tokens: Arc<TokenSource>,
    /// Built on first use so that start-up loads no TLS roots.
    http: OnceLock<reqwest::Client>,
    /// Without idle connections; built only when a request must be repeated.
    fresh: OnceLock<reqwest::Client>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base)
            .finish()
    }
}

const MAX_ATTEMPTS: u32 = 3;

impl ApiClient {
    pub fn new(settings: &Settings, tokens: Arc<TokenSource>) -> ApiClient {
        ApiClient {
            base: settings.api_base.clone(),
            timeout: settings.request_timeout,
            max_response_bytes: settings.max_response_bytes,
            tokens,
            http: OnceLock::new(),
            fresh: OnceLock::new(),
        }
    }

    fn http(&self) -> Result<&reqwest::Client, ApiError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = build_http_client(self.timeout).map_err(ApiError::Client)?;
        Ok(self.http.get_or_init(|| client))
    }

    /// Send `req` with the current token; refresh once after a 401, retry 429 and
    /// 502/503/504 with backoff. Every other failure comes back at once.
    pub async fn send(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let mut token = self.tokens.access_token().await.map_err(ApiError::Auth)?;
        let http = self.http()?;
        let mut renewed = false;
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = self.send_once(http, req, &token).await;
            let outcome = match &result {
                Ok(r) => r.status.to_string(),
                Err(e) => e.kind().to_string(),
            };
            tracing::debug!(
                method = req.method.as_str(),
                path = %req.path,
                attempt,
                outcome,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "api request"
            );
            let err = match result {
                Ok(response) => return Ok(response),
                Err(err) => err,
            };
            match &err {
                ApiError::Status { status: 401, .. } if !renewed => {
                    renewed = true;
                    match self
                        .tokens
                        .renew_after_rejection(&token)
                        .await
                        .map_err(ApiError::Auth)?
                    {
                        Some(fresh) => {
                            token = fresh;
                            continue;
                        }
                        None => return Err(err.into_unauthorized(token.origin)),
                    }
                }
                ApiError::Status { status: 401, .. } => {
                    return Err(err.into_unauthorized(token.origin));
                }
                ApiError::Status {
                    status: status @ (429 | 502 | 503 | 504),
                    retry_after,
                    ..
                } => {
                    let wait = retry::delay(*retry_after, attempt);
                    match wait {
                        Some(wait) if attempt < MAX_ATTEMPTS => {
                            tracing::info!(
                                status,
                                wait_ms = wait.as_millis() as u64,
                                "retrying after a transient API answer"
                            );
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                        }
                        _ => return Err(err),
                    }
                }
                _ => return Err(err),
            }
        }
    }

    async fn send_once(
        &self,
        http: &reqwest::Client,
        req: &ApiRequest,
        token: &AccessToken,
    ) -> Result<ApiResponse, ApiError> {
        let mut url = reqwest::Url::parse(&format!("{}{}", self.base, req.path))
            .map_err(|e| ApiError::Client(format!("invalid request URL: {e}")))?;
        if !req.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
        }
        let mut builder = match req.method {
            Method::Get => http.get(url),
            Method::Post => http.post(url),
        };
        builder = builder
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, format!("Bearer {}", token.secret.expose()));
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let request = builder
            .build()
            .map_err(|e| ApiError::Client(format!("cannot build the request: {e}")))?;
        let again = request.try_clone();
        let response = match http.execute(request).await {
            Ok(response) => response,
            // A kept-alive connection the server closed as the request went out:
            // nothing was answered, so send it once more on a new connection.
            Err(e) if closed_before_response(&e) && again.is_some() => {
                tracing::info!(
                    "api request: the connection closed before any answer; retrying on a new connection"
                );
                let fresh = self.fresh_http()?;
                let again =
                    again.ok_or_else(|| ApiError::Client("cannot repeat the request".into()))?;
                fresh
                    .execute(again)
                    .await
                    .map_err(|e| self.transport_error(&e, false))?
            }
            Err(e) => return Err(self.transport_error(&e, false)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = self.read_limited(response).await?;
        let content_type = content_type(&headers);

        if (200..300).contains(&status) {
            return Ok(ApiResponse::new(status, content_type, bytes));
        }
        Err(ApiError::Status {
            status,
            body: ErrorBody::parse(&bytes),
            retry_after: retry::retry_after(&headers),
        })
    }

    /// Read the body, failing once it passes the configured limit.
    async fn read_limited(&self, response: reqwest::Response) -> Result<Vec<u8>, ApiError> {
        let limit = self.max_response_bytes;
        read_capped(response, limit).await.map_err(|e| match e {
            ReadError::TooLarge => ApiError::TooLarge { limit },
            ReadError::Transport(e) => self.transport_error(&e, true),
        })
    }

    /// A client that keeps no idle connection, so each request opens a new one.
    fn fresh_http(&self) -> Result<&reqwest::Client, ApiError> {
        if let Some(client) = self.fresh.get() {
            return Ok(client);
        }
        let client = build_fresh_client(self.timeout).map_err(ApiError::Client)?;
        Ok(self.fresh.get_or_init(|| client))
    }

    /// `receiving`: the status and headers had come when it failed.
    fn transport_error(&self, e: &reqwest::Error, receiving: bool) -> ApiError {
        if e.is_timeout() {
            ApiError::Timeout {
                secs: self.timeout.as_secs(),
                host: reqwest::Url::parse(&self.base)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_else(|| self.base.clone()),
                receiving,
            }
        } else {
            ApiError::Connect {
                base: self.base.clone(),
                cause: transport_cause(e),
            }
        }
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_string()
}

/// rustls with the platform's trust store (corporate CAs work), `HTTP(S)_PROXY`
/// honoured except for loopback, gzip, connection reuse.
fn build_http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    client_builder(timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("cannot set up the HTTPS client: {}", transport_cause(&e)))
}

/// The same client without connection reuse, for the one repeat of a request
/// whose kept-alive connection was closed under it.
fn build_fresh_client(timeout: Duration) -> Result<reqwest::Client, String> {
    client_builder(timeout)
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| format!("cannot set up the HTTPS client: {}", transport_cause(&e)))
}

fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    crate::http::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .redirect(reqwest::redirect::Policy::limited(3))
}

/// The connection closed after the request went out and before any answer came
/// (hyper's "connection closed before message completed"): what a server that
/// closes an idle kept-alive connection at that instant causes.
fn closed_before_response(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        cause = c.source();
    }
    false
}
