//! The HTTP/1.1 server: accepts connections, runs each request through faults,
//! route switches, authentication and the route handlers, and logs it.
//!
//! hyper is used directly (no framework) so that a `drop` fault can close the
//! connection without an answer and `oversized` can stream without Content-Length.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{AUTHORIZATION, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{AuthOutcome, Authenticator};
use crate::control::{self, Control, Options};
use crate::errors::{Family, Reply};
use crate::faults::{self, Fault};
use crate::generator::World;
use crate::log::{self, LoggedRequest, RequestLog};
use crate::query::Query;
use crate::routes::{self, Req};
use crate::{ServeOptions, SimConfig};

/// Largest request body read (the tools send small JSON bodies).
const MAX_REQUEST_BODY: usize = 8 * 1024 * 1024;

/// State shared by all connections of one simulator.
pub struct Shared {
    pub world: World,
    pub auth: Authenticator,
    pub base_url: String,
    pub issuer: String,
    control: Mutex<Control>,
    log: RequestLog,
    log_to_stderr: bool,
}

impl Shared {
    pub fn with_control<T>(&self, f: impl FnOnce(&mut Control) -> T) -> T {
        match self.control.lock() {
            Ok(mut c) => f(&mut c),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.all()
    }
    pub fn clear_requests(&self) {
        self.log.clear();
    }
    pub fn reset(&self) {
        self.with_control(|c| *c = Control::default());
        self.log.clear();
    }
}

/// Binds, builds the world and spawns the accept loop on the current runtime.
pub async fn serve(
    config: SimConfig,
    options: ServeOptions,
) -> std::io::Result<(Arc<Shared>, SocketAddr, watch::Sender<bool>)> {
    let now_text = config.now.as_deref().unwrap_or(crate::DEFAULT_NOW);
    let now = crate::dates::parse_rfc3339(now_text).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "now must be an RFC 3339 time such as {}; got {now_text:?}",
                crate::DEFAULT_NOW
            ),
        )
    })?;
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], options.port))).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let issuer = config
        .issuer_for_metadata
        .clone()
        .or_else(|| config.provider.as_ref().map(|p| p.issuer.clone()))
        .unwrap_or_else(|| "http://127.0.0.1/unset-issuer".to_string());
    let shared = Arc::new(Shared {
        world: World::new(now),
        auth: Authenticator::new(config.static_tokens, config.provider.clone()),
        base_url,
        issuer,
        control: Mutex::new(Control::default()),
        log: RequestLog::default(),
        log_to_stderr: options.log_to_stderr,
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(accept_loop(listener, shared.clone(), stop_rx));
    Ok((shared, addr, stop_tx))
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait_for(|s| *s) => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let mut conn_stop = stop.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(shared.clone(), req));
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = conn_stop.wait_for(|s| *s) => {}
            }
        });
    }
}

/// The service error that makes hyper close the connection without an answer.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// A body sent in pieces with no known length, so hyper uses chunked encoding.
pub struct Chunks(VecDeque<Bytes>);

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }
}

pub type ResBody = http_body_util::Either<Full<Bytes>, Chunks>;

fn to_response(reply: Reply) -> Response<ResBody> {
    let mut builder = Response::builder()
        .status(reply.status)
        .header("content-type", reply.content_type);
    for (k, v) in &reply.headers {
        builder = builder.header(*k, v.as_str());
    }
    let body = if reply.chunked {
        const CHUNK: usize = 64 * 1024;
        let mut chunks = VecDeque::new();
        let mut start = 0;
        while start < reply.body.len() {
            let end = (start + CHUNK).min(reply.body.len());
            chunks.push_back(reply.body.slice(start..end));
            start = end;
        }
        http_body_util::Either::Right(Chunks(chunks))
    } else {
        builder = builder.header("content-length", reply.body.len());
        http_body_util::Either::Left(Full::new(reply.body))
    };
    builder.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(http_body_util::Either::Left(Full::new(Bytes::from_static(
            b"{}",
        ))));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r.headers_mut().insert(
            "content-type",
            HeaderValue::from_static(crate::errors::JSON),
        );
        r
    })
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<ResBody>, Dropped> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let headers = log::logged_headers(req.headers());
    let auth_header = req
        .headers()
        .get(AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec());
    let body = match Limited::new(req.into_body(), MAX_REQUEST_BODY)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(to_response(Reply::detail(413, "Request body too large")));
        }
    };

    if path == "/__sim" || path.starts_with("/__sim/") {
        return Ok(to_response(control::handle(&shared, &method, &path, &body)));
    }

    let query = Query::parse(&raw_query);
    let json_body: Option<Value> = if body.is_empty() {
        None
    } else {
        serde_json::from_slice(&body).ok()
    };
    let outcome = if path == WELL_KNOWN {
        AuthOutcome::Missing
    } else {
        shared.auth.check(auth_header.as_deref()).await
    };
    let reply = answer(
        &shared,
        &method,
        &path,
        &query,
        &body,
        json_body.as_ref(),
        &outcome,
    )
    .await;
    let status = reply.as_ref().map(|r| r.status).unwrap_or(0);
    if shared.log_to_stderr {
        let q = if raw_query.is_empty() {
            String::new()
        } else {
            format!("?{raw_query}")
        };
        eprintln!(
            "{method} {path}{q} -> {} ({})",
            if status == 0 {
                "dropped".to_string()
            } else {
                status.to_string()
            },
            outcome.subject().unwrap_or("-")
        );
    }
    shared.log.push(LoggedRequest {
        method,
        path,
        query: query.pairs,
        body: json_body,
        subject: outcome.subject().map(String::from),
        status,
        headers,
    });
    let python_json = shared.with_control(|c| c.options.python_json);
    match reply {
        Some(r) if python_json => Ok(to_response(r.python_style())),
        Some(r) => Ok(to_response(r)),
        None => Err(Dropped),
    }
}

const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// Faults first (they can target any path), then the normal answer.
/// `None` means: drop the connection.
async fn answer(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &Query,
    body: &[u8],
    json_body: Option<&Value>,
    outcome: &AuthOutcome,
) -> Option<Reply> {
    let family = Family::of(path);
    let fault = shared.with_control(|c| c.take_fault(method, path));
    let normal = || normal_answer(shared, method, path, query, body, json_body, outcome);
    match fault {
        None => Some(normal()),
        Some(Fault::Latency { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            Some(normal())
        }
        Some(Fault::Status {
            status,
            retry_after,
            retry_after_date,
            body,
        }) => Some(faults::status_reply(
            family,
            status,
            retry_after,
            retry_after_date,
            body.as_ref(),
        )),
        Some(Fault::MalformedJson) => Some(faults::malformed(&normal())),
        Some(Fault::Html { status }) => Some(faults::html_reply(status)),
        Some(Fault::Oversized { bytes, chunked }) => {
            Some(faults::oversized(&normal(), bytes, chunked))
        }
        Some(Fault::Unauthorized) => Some(unauthorized(shared, family, true)),
        Some(Fault::Drop) => None,
        Some(Fault::NotOffered) => Some(Reply::not_found_route(family)),
    }
}

/// 401 with the family's body and the RFC 9728 `WWW-Authenticate` challenge.
fn unauthorized(shared: &Shared, family: Family, token_given: bool) -> Reply {
    let reply = match (family, token_given) {
        (Family::OptScale, false) => Reply::optscale(
            401,
            "OE0237",
            "This resource requires authorization",
            json!([]),
        ),
        (Family::OptScale, true) => Reply::optscale(401, "OE0235", "Unauthorized", json!([])),
        (Family::Detail, false) => Reply::detail(401, "Not authenticated"),
        (Family::Detail, true) => Reply::detail(401, "Invalid or expired token"),
    };
    let mut challenge = format!(
        "Bearer resource_metadata=\"{}{WELL_KNOWN}\"",
        shared.base_url
    );
    if token_given {
        challenge.push_str(", error=\"invalid_token\"");
    }
    reply.header("www-authenticate", challenge)
}

fn normal_answer(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &Query,
    body: &[u8],
    json_body: Option<&Value>,
    outcome: &AuthOutcome,
) -> Reply {
    let family = Family::of(path);
    if path == WELL_KNOWN {
        if method != "GET" {
            return Reply::not_found_route(family);
        }
        return Reply::ok(&json!({
            "resource": shared.base_url,
            "authorization_servers": [shared.issuer],
            "bearer_methods_supported": ["header"],
            "scopes_supported": ["openid", "profile", "email"],
        }));
    }
    let (route, disabled, opts): (_, _, Options) = (
        routes::resolve(method, path),
        shared.with_control(|c| c.is_disabled(path)),
        shared.with_control(|c| c.options),
    );
    let Some(route) = route.filter(|_| !disabled) else {
        return Reply::not_found_route(family);
    };
    let user = match outcome {
        AuthOutcome::Missing => return unauthorized(shared, family, false),
        AuthOutcome::Invalid => return unauthorized(shared, family, true),
        AuthOutcome::User(u) => u.as_str(),
    };
    let req = Req {
        world: &shared.world,
        user,
        query,
        body,
        json: json_body,
        opts,
    };
    routes::handle(&route, &req)
}
