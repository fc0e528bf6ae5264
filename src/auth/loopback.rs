//! The loopback listener that receives the authorization response (RFC 8252):
//! `127.0.0.1` only, `GET /callback` only, `state` checked, then closed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::secret::Secret;

/// What a valid callback carried.
#[derive(Debug)]
pub struct Callback {
    pub code: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("cannot listen on 127.0.0.1:{port}: {message}")]
    Bind { port: u16, message: String },
    #[error("sign-in was refused by the identity provider: {error}{}", .description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Provider {
        error: String,
        description: Option<String>,
    },
    #[error(
        "the sign-in response came from issuer {found:?}, not {expected:?}; it was rejected (possible mix-up attack)"
    )]
    IssuerMismatch { expected: String, found: String },
    #[error("no sign-in completed within {0} seconds; run `digiusher-mcp login` again")]
    Timeout(u64),
    #[error("sign-in cancelled")]
    Cancelled,
}

/// A bound listener, waiting to be used.
pub struct Listener {
    server: Arc<tiny_http::Server>,
    port: u16,
}

impl Listener {
    /// Bind `127.0.0.1:port` (0 picks a free port).
    pub fn bind(port: u16) -> Result<Listener, CallbackError> {
        let server =
            tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| CallbackError::Bind {
                port,
                message: e.to_string(),
            })?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| CallbackError::Bind {
                port,
                message: "no IP address".into(),
            })?;
        Ok(Listener {
            server: Arc::new(server),
            port,
        })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Serve until a callback with the right `state` arrives, the provider reports an
    /// error, the time is up, or the future is dropped (Ctrl-C). The port is freed
    /// when this returns.
    pub async fn wait(
        self,
        state: Secret,
        issuer: String,
        timeout: Duration,
    ) -> Result<Callback, CallbackError> {
        let stop = Arc::new(AtomicBool::new(false));
        let guard = StopOnDrop {
            stop: stop.clone(),
            server: self.server.clone(),
        };
        let server = self.server.clone();
        let result = tokio::task::spawn_blocking(move || {
            serve(
                &server,
                &state,
                &issuer,
                Instant::now() + timeout,
                &stop,
                timeout.as_secs(),
            )
        })
        .await
        .unwrap_or(Err(CallbackError::Cancelled));
        drop(guard);
        result
    }
}

/// Wakes and stops the blocking loop when the waiting future goes away.
struct StopOnDrop {
    stop: Arc<AtomicBool>,
    server: Arc<tiny_http::Server>,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
    }
}

fn serve(
    server: &tiny_http::Server,
    state: &Secret,
    issuer: &str,
    deadline: Instant,
    stop: &AtomicBool,
    timeout_secs: u64,
) -> Result<Callback, CallbackError> {
    loop {
        if stop.load(Ordering::SeqCst) {
            return Err(CallbackError::Cancelled);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(CallbackError::Timeout(timeout_secs));
        }
        let wait = (deadline - now).min(Duration::from_millis(250));
        let request = match server.recv_timeout(wait) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(_) => continue,
        };
        match handle(&request, state, issuer) {
            Outcome::Respond(status, page) => {
                let _ = request.respond(page_response(status, &page));
            }
            Outcome::Finish(status, page, result) => {
                let _ = request.respond(page_response(status, &page));
                return result;
            }
        }
    }
}

enum Outcome {
    /// Answer and keep waiting.
    Respond(u16, String),
    /// Answer and end the flow.
    Finish(u16, String, Result<Callback, CallbackError>),
}

fn handle(request: &tiny_http::Request, state: &Secret, issuer: &str) -> Outcome {
    let url = request.url();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if *request.method() != tiny_http::Method::Get || path != "/callback" {
        tracing::debug!(method = %request.method(), path, "loopback: not the callback");
        return Outcome::Respond(
            404,
            page(
                "Not found",
                "This address only receives the DigiUsher sign-in.",
            ),
        );
    }
    let mut params: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        params
            .entry(k.into_owned())
            .or_insert_with(|| v.into_owned());
    }
    if params.get("state").map(String::as_str) != Some(state.expose()) {
        tracing::warn!("loopback: callback with a missing or wrong state ignored");
        return Outcome::Respond(
            400,
            page(
                "Sign-in not accepted",
                "This sign-in response does not belong to the sign-in in progress. Return to the terminal.",
            ),
        );
    }
    if let Some(found) = params.get("iss")
        && found.trim_end_matches('/') != issuer.trim_end_matches('/')
    {
        return Outcome::Finish(
            400,
            page(
                "Sign-in failed",
                "The response came from an unexpected identity provider. Return to the terminal.",
            ),
            Err(CallbackError::IssuerMismatch {
                expected: issuer.to_string(),
                found: found.clone(),
            }),
        );
    }
    if let Some(error) = params.get("error") {
        return Outcome::Finish(
            200,
            page(
                "Sign-in failed",
                "DigiUsher did not complete the sign-in. Return to the terminal for details.",
            ),
            Err(CallbackError::Provider {
                error: error.clone(),
                description: params.get("error_description").cloned(),
            }),
        );
    }
    match params.get("code") {
        Some(code) if !code.is_empty() => Outcome::Finish(
            200,
            page(
                "Signed in to DigiUsher",
                "You may close this tab and return to the terminal.",
            ),
            Ok(Callback {
                code: Secret::new(code.clone()),
            }),
        ),
        _ => Outcome::Respond(
            400,
            page(
                "Sign-in not accepted",
                "The response carries no authorization code. Return to the terminal.",
            ),
        ),
    }
}

/// A small self-contained page.
fn page(title: &str, message: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;color:#222}}h1{{font-size:1.4em}}</style>\
</head><body><h1>{title}</h1><p>{message}</p><p><small>digiusher-mcp</small></p></body></html>"
    )
}

fn page_response(status: u16, body: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
    ];
    let mut response =
        tiny_http::Response::from_data(body.as_bytes().to_vec()).with_status_code(status);
    for (k, v) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            response.add_header(h);
        }
    }
    response
}
