//! The loopback redirect listener on 127.0.0.1 that receives the browser's
//! callback after sign-in.
//!
//! Anything local can connect, so it is bounded: at most [`MAX_CONNECTIONS`]
//! connections are read at once (when full, the oldest one that has not sent a
//! complete request head is closed, so a real redirect arriving later is still
//! served), each head is capped at [`MAX_HEAD`] bytes and must arrive within
//! [`READ_TIMEOUT`]. Accept errors such as "too many open files" are waited out;
//! a listener that truly fails ends the wait at once.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use crate::secret::Secret;

/// Connections being read at once.
const MAX_CONNECTIONS: usize = 48;
/// A request head (request line and headers) larger than this is refused.
const MAX_HEAD: usize = 8 * 1024;
/// Time a connection has to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Time a page may take to be written.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause after an accept error that may pass (e.g. no file descriptor left).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A callback with the right `state` and an authorization code, and the browser
/// connection that waits for the page saying how the sign-in ended.
#[derive(Debug)]
pub struct Callback {
    code: Secret,
    responder: Responder,
}

/// A provider's `error` and `error_description` as one quoted, capped line: they
/// reach the model and must read as data, not instructions.
fn provider_words(error: &str, description: Option<&str>) -> String {
    let text = match description {
        Some(d) => format!("{error}: {d}"),
        None => error.to_string(),
    };
    crate::untrusted::quoted(&text, crate::untrusted::PROVIDER_TEXT_CAP)
}

impl Callback {
    pub fn into_parts(self) -> (Secret, Responder) {
        (self.code, self.responder)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("cannot listen on 127.0.0.1:{port}: {message}")]
    Bind { port: u16, message: String },
    #[error("sign-in was refused by the identity provider, which answered: {}", provider_words(.error, .description.as_deref()))]
    Provider {
        error: String,
        description: Option<String>,
    },
    #[error(
        "the sign-in response came from issuer {}, not {expected:?}; it was rejected (possible mix-up attack)",
        crate::untrusted::quoted(.found, crate::untrusted::PROVIDER_TEXT_CAP)
    )]
    IssuerMismatch { expected: String, found: String },
    #[error(
        "the sign-in response does not name its issuer (no `iss` parameter) although {expected} promises to; it was rejected (possible mix-up attack)"
    )]
    IssuerMissing { expected: String },
    #[error("no sign-in completed within {0} seconds; run `digiusher-mcp login` again")]
    Timeout(u64),
    #[error(
        "the sign-in listener on 127.0.0.1 stopped working ({0}); run `digiusher-mcp login` again"
    )]
    ListenerFailed(String),
}

/// A bound listener, waiting to be used.
#[derive(Debug)]
pub struct Listener {
    listener: TcpListener,
    port: u16,
}

impl Listener {
    /// Bind `127.0.0.1:port` (0 picks a free port). Needs a tokio runtime.
    pub fn bind(port: u16) -> Result<Listener, CallbackError> {
        let bind_error = |e: io::Error| CallbackError::Bind {
            port,
            message: e.to_string(),
        };
        let socket = tokio::net::TcpSocket::new_v4().map_err(bind_error)?;
        socket
            .bind((std::net::Ipv4Addr::LOCALHOST, port).into())
            .map_err(bind_error)?;
        // A deep backlog: a burst of local connections must not make the
        // browser's connect wait for SYN retries.
        let listener = socket.listen(1024).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        Ok(Listener { listener, port })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Serve until a callback with the right `state` arrives, the provider reports
    /// an error, the time is up, the listener fails, or the future is dropped
    /// (Ctrl-C). `require_iss`: the provider promises an RFC 9207 `iss`, so a
    /// response without one is refused. The port is freed when this returns.
    pub async fn wait(
        self,
        state: Secret,
        issuer: String,
        require_iss: bool,
        timeout: Duration,
    ) -> Result<Callback, CallbackError> {
        let expected = Expected {
            state,
            issuer,
            require_iss,
        };
        let deadline = Instant::now() + timeout;
        let mut readers = Readers::default();
        let mut writers: JoinSet<()> = JoinSet::new();
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(CallbackError::Timeout(timeout.as_secs()));
                }
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => readers.add(stream),
                    Err(e) if listener_gone(&e) => {
                        return Err(CallbackError::ListenerFailed(e.to_string()));
                    }
                    Err(e) => {
                        tracing::debug!("loopback: cannot accept a connection: {e}; retrying");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                },
                Some(read) = readers.next() => {
                    let Some((stream, head)) = read else { continue };
                    match decide(&head, &expected) {
                        Decision::Answer(status, body) => {
                            // Pages are small and written at once; a full set means a flood.
                            if writers.len() < MAX_CONNECTIONS {
                                writers.spawn(write_page(stream, status, body));
                            }
                        }
                        Decision::Fail(status, body, error) => {
                            write_page(stream, status, body).await;
                            return Err(error);
                        }
                        Decision::Accept(code) => {
                            return Ok(Callback {
                                code,
                                responder: Responder { stream: Some(stream) },
                            });
                        }
                    }
                }
                Some(_) = writers.join_next() => {}
            }
        }
    }
}

/// Accept errors that mean the listening socket itself is unusable, as opposed
/// to a failed connection or a passing lack of resources.
fn listener_gone(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::InvalidInput {
        return true;
    }
    #[cfg(unix)]
    let gone = [libc::EBADF, libc::ENOTSOCK, libc::EFAULT, libc::EINVAL];
    #[cfg(windows)]
    let gone = [10009, 10014, 10022, 10038]; // WSAEBADF, WSAEFAULT, WSAEINVAL, WSAENOTSOCK
    #[cfg(not(any(unix, windows)))]
    let gone: [i32; 0] = [];
    e.raw_os_error().is_some_and(|code| gone.contains(&code))
}

/// Connections still sending their request head, oldest first.
#[derive(Default)]
struct Readers {
    tasks: JoinSet<Option<(TcpStream, Head)>>,
    order: VecDeque<(tokio::task::Id, AbortHandle)>,
    /// Whether connections were closed for lack of room (logged once).
    evicting: bool,
}

impl Readers {
    /// Read the head of `stream`; when full, close the oldest unfinished one.
    fn add(&mut self, stream: TcpStream) {
        if self.order.len() >= MAX_CONNECTIONS
            && let Some((_, oldest)) = self.order.pop_front()
        {
            if !self.evicting {
                tracing::warn!("loopback: too many open connections; closing the oldest ones");
                self.evicting = true;
            }
            oldest.abort();
        }
        let handle = self.tasks.spawn(read_head(stream));
        self.order.push_back((handle.id(), handle));
    }

    /// The next connection done reading (`None` inside: closed, timed out or evicted);
    /// `None` when there is none to wait for.
    async fn next(&mut self) -> Option<Option<(TcpStream, Head)>> {
        let done = self.tasks.join_next_with_id().await?;
        let (id, read) = match done {
            Ok((id, read)) => (id, read),
            Err(e) => (e.id(), None),
        };
        self.order.retain(|(i, _)| *i != id);
        Some(read)
    }
}

/// What a connection sent, as far as the callback cares.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    Request { method: String, target: String },
    TooLarge,
    Malformed,
}

/// Read one request head within [`READ_TIMEOUT`]; `None` if the peer went away
/// or was too slow.
async fn read_head(mut stream: TcpStream) -> Option<(TcpStream, Head)> {
    let mut buf = Vec::with_capacity(1024);
    let read = async {
        let mut chunk = [0u8; 2048];
        loop {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(head) = parse_head(&buf) {
                return Some(head);
            }
        }
    };
    let head = tokio::time::timeout(READ_TIMEOUT, read).await.ok()??;
    Some((stream, head))
}

/// The head in `buf`, or `None` when more bytes are needed.
fn parse_head(buf: &[u8]) -> Option<Head> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(buf) {
        Ok(httparse::Status::Complete(_)) => match (request.method, request.path) {
            (Some(method), Some(target)) => Some(Head::Request {
                method: method.to_string(),
                target: target.to_string(),
            }),
            _ => Some(Head::Malformed),
        },
        Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => None,
        Ok(httparse::Status::Partial) => Some(Head::TooLarge),
        Err(httparse::Error::TooManyHeaders) => Some(Head::TooLarge),
        Err(_) => Some(Head::Malformed),
    }
}

/// What the sign-in in progress expects of its callback.
struct Expected {
    state: Secret,
    issuer: String,
    require_iss: bool,
}

#[derive(Debug)]
enum Decision {
    /// Answer and keep waiting.
    Answer(u16, String),
    /// Answer and end the sign-in with this error.
    Fail(u16, String, CallbackError),
    /// The callback: the page waits for the outcome of the code exchange.
    Accept(Secret),
}

fn decide(head: &Head, expected: &Expected) -> Decision {
    let (method, target) = match head {
        Head::Request { method, target } => (method, target),
        Head::TooLarge => return Decision::Answer(431, not_accepted("The request is too large.")),
        Head::Malformed => return Decision::Answer(400, not_accepted("The request is malformed.")),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != "/callback" {
        tracing::debug!("loopback: a request that is not the callback");
        return Decision::Answer(
            404,
            page(
                "Not found",
                "This address only receives the DigiUsher sign-in.",
            ),
        );
    }
    let params = Params::parse(query);
    if params.get("state") != Some(expected.state.expose()) {
        tracing::warn!("loopback: callback with a missing or wrong state ignored");
        return Decision::Answer(
            400,
            not_accepted("This sign-in response does not belong to the sign-in in progress."),
        );
    }
    if let Some(error) = issuer_error(params.get("iss"), expected) {
        return Decision::Fail(400, failed_page(&error.to_string()), error);
    }
    if let Some(error) = params.get("error") {
        let error = CallbackError::Provider {
            error: error.to_string(),
            description: params.get("error_description").map(str::to_string),
        };
        return Decision::Fail(200, failed_page(&error.to_string()), error);
    }
    match params.get("code") {
        Some(code) if !code.is_empty() => Decision::Accept(Secret::new(code.to_string())),
        _ => Decision::Answer(
            400,
            not_accepted("The response carries no authorization code."),
        ),
    }
}

/// RFC 9207: an `iss` must name the expected issuer, and must be present when
/// the provider promised it.
fn issuer_error(found: Option<&str>, expected: &Expected) -> Option<CallbackError> {
    match found {
        Some(found) if found.trim_end_matches('/') != expected.issuer.trim_end_matches('/') => {
            Some(CallbackError::IssuerMismatch {
                expected: expected.issuer.clone(),
                found: found.to_string(),
            })
        }
        None if expected.require_iss => Some(CallbackError::IssuerMissing {
            expected: expected.issuer.clone(),
        }),
        _ => None,
    }
}

/// Query parameters; the first of repeated names counts.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str) -> Params {
        Params(
            url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The browser connection of an accepted callback. The page is sent once the
/// sign-in is complete; dropped unanswered, it sends a generic failure page.
#[derive(Debug)]
pub struct Responder {
    stream: Option<TcpStream>,
}

impl Responder {
    pub async fn signed_in(mut self) {
        if let Some(stream) = self.stream.take() {
            let body = page("Signed in to DigiUsher", "You may close this tab.");
            write_page(stream, 200, body).await;
        }
    }

    /// `reason` is shown in the browser: it must hold no secret.
    pub async fn failed(mut self, reason: &str) {
        if let Some(stream) = self.stream.take() {
            write_page(stream, 200, failed_page(reason)).await;
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if let Some(stream) = self.stream.take() {
            let body = failed_page("The sign-in was interrupted.");
            // Best effort without blocking: a small page fits the socket buffer.
            let _ = stream.try_write(&response(200, &body));
        }
    }
}

/// Write a page and close the connection, within [`WRITE_TIMEOUT`].
async fn write_page(mut stream: TcpStream, status: u16, body: String) {
    let bytes = response(status, &body);
    let write = async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    };
    if let Ok(Err(e)) = tokio::time::timeout(WRITE_TIMEOUT, write).await {
        tracing::debug!("loopback: cannot send the page: {e}");
    }
}

fn response(status: u16, body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\n\
Content-Type: text/html; charset=utf-8\r\n\
Content-Length: {}\r\n\
Cache-Control: no-store\r\n\
Referrer-Policy: no-referrer\r\n\
X-Content-Type-Options: nosniff\r\n\
Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn not_accepted(why: &str) -> String {
    page(
        "Sign-in not accepted",
        &format!("{why} Return to the sign-in in progress."),
    )
}

fn failed_page(reason: &str) -> String {
    page(
        "Sign-in failed",
        &format!("{reason}. Close this tab and try signing in again."),
    )
}

/// A small self-contained page; `title` and `message` are escaped here.
fn page(title: &str, message: &str) -> String {
    let (title, message) = (escape(title), escape(message));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;color:#222}}h1{{font-size:1.4em}}</style>\
</head><body><h1>{title}</h1><p>{message}</p><p><small>digiusher-mcp</small></p></body></html>"
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STATE: &str = "the-right-state";
    const ISSUER: &str = "http://127.0.0.1:9/issuer";

    fn expected(require_iss: bool) -> Expected {
        Expected {
            state: Secret::new(STATE),
            issuer: ISSUER.into(),
            require_iss,
        }
    }

    fn get(target: &str) -> Head {
        Head::Request {
            method: "GET".into(),
            target: target.into(),
        }
    }

    #[test]
    fn the_right_callback_is_accepted_and_others_are_not() {
        let e = expected(true);
        let ok = format!("/callback?code=c&state={STATE}&iss=http%3A%2F%2F127.0.0.1%3A9%2Fissuer");
        assert!(matches!(decide(&get(&ok), &e), Decision::Accept(c) if c.expose() == "c"));
        let no_iss = format!("/callback?code=c&state={STATE}");
        assert!(matches!(
            decide(&get(&no_iss), &e),
            Decision::Fail(400, _, CallbackError::IssuerMissing { .. })
        ));
        assert!(matches!(
            decide(&get(&no_iss), &expected(false)),
            Decision::Accept(_)
        ));
        let wrong = "/callback?code=c&state=other&iss=x";
        assert!(matches!(decide(&get(wrong), &e), Decision::Answer(400, _)));
        assert!(matches!(decide(&get("/"), &e), Decision::Answer(404, _)));
    }

    #[test]
    fn provider_text_reaches_the_model_only_as_one_quoted_line() {
        let hostile: String =
            url::form_urlencoded::byte_serialize(crate::untrusted::HOSTILE.as_bytes()).collect();
        let target = format!(
            "/callback?state={STATE}&iss={ISSUER}&error={hostile}&error_description={hostile}"
        );
        let Decision::Fail(_, _, error) = decide(&get(&target), &expected(true)) else {
            panic!("a provider error ends the sign-in");
        };
        crate::untrusted::assert_marked(&error.to_string());
        assert!(error.to_string().chars().count() < 400, "{error}");
        let target = format!("/callback?state={STATE}&iss={hostile}&code=c");
        let Decision::Fail(_, _, error) = decide(&get(&target), &expected(true)) else {
            panic!("a wrong issuer ends the sign-in");
        };
        crate::untrusted::assert_marked(&error.to_string());
    }

    #[test]
    fn provider_text_is_escaped_in_the_page() {
        let target = format!(
            "/callback?state={STATE}&iss={ISSUER}&error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        );
        let Decision::Fail(_, body, CallbackError::Provider { .. }) =
            decide(&get(&target), &expected(true))
        else {
            panic!("a provider error ends the sign-in");
        };
        assert!(!body.contains("<script>"), "{body}");
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{body}"
        );
    }

    #[test]
    fn heads_are_parsed_capped_and_refused_when_malformed() {
        let head = parse_head(b"GET /callback?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(head, Some(get("/callback?x=1")));
        assert_eq!(parse_head(b"GET /callback HTTP/1.1\r\nHost"), None);
        assert_eq!(
            parse_head(b"\x00\x01 nonsense\r\n\r\n"),
            Some(Head::Malformed)
        );
        let mut big = b"GET /callback HTTP/1.1\r\nX: ".to_vec();
        big.resize(MAX_HEAD + 1, b'a');
        assert_eq!(parse_head(&big), Some(Head::TooLarge));
    }

    async fn callback_connection(listener: &Listener) -> TcpStream {
        let mut stream = TcpStream::connect(("127.0.0.1", listener.port))
            .await
            .unwrap();
        let request = format!("GET /callback?code=c&state={STATE} HTTP/1.1\r\nHost: x\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        stream
    }

    async fn read_all(mut stream: TcpStream) -> String {
        let mut page = String::new();
        let read = stream.read_to_string(&mut page);
        tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .unwrap()
            .unwrap();
        page
    }

    #[tokio::test]
    async fn the_page_waits_for_the_outcome_and_an_unanswered_one_says_failed() {
        for answer in ["signed in", "failed", "dropped"] {
            let listener = Listener::bind(0).unwrap();
            let browser = callback_connection(&listener).await;
            let wait = listener.wait(
                Secret::new(STATE),
                ISSUER.into(),
                false,
                Duration::from_secs(5),
            );
            let (code, responder) = wait.await.unwrap().into_parts();
            assert_eq!(code.expose(), "c");
            match answer {
                "signed in" => responder.signed_in().await,
                "failed" => responder.failed("the <provider> said no").await,
                _ => drop(responder),
            }
            let page = read_all(browser).await;
            assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
            match answer {
                "signed in" => assert!(page.contains("<h1>Signed in to DigiUsher</h1>")),
                "failed" => assert!(page.contains("the &lt;provider&gt; said no")),
                _ => assert!(page.contains("The sign-in was interrupted")),
            }
            assert_eq!(
                page.contains("<h1>Sign-in failed</h1>"),
                answer != "signed in"
            );
        }
    }

    #[tokio::test]
    async fn idle_connections_beyond_the_bound_cannot_block_the_callback() {
        let listener = Listener::bind(0).unwrap();
        let port = listener.port;
        let wait = tokio::spawn(listener.wait(
            Secret::new(STATE),
            ISSUER.into(),
            false,
            Duration::from_secs(10),
        ));
        let mut idle = Vec::new();
        for _ in 0..(3 * MAX_CONNECTIONS) {
            idle.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
        }
        // Give the listener time to take in the idle connections first.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let request = format!("GET /callback?code=c&state={STATE} HTTP/1.1\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let callback = wait.await.unwrap().expect("the callback is served");
        drop(callback);
        // The oldest idle connections were closed by the listener.
        let mut first = idle.remove(0);
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(2), first.read(&mut byte));
        assert!(matches!(read.await, Ok(Ok(0)) | Ok(Err(_))));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_listener_whose_socket_dies_ends_the_wait_at_once() {
        use std::os::fd::AsRawFd;
        let listener = Listener::bind(0).unwrap();
        let fd = listener.listener.as_raw_fd();
        let started = std::time::Instant::now();
        let wait = tokio::spawn(listener.wait(
            Secret::new(STATE),
            ISSUER.into(),
            false,
            Duration::from_secs(30),
        ));
        tokio::time::sleep(Duration::from_millis(100)).await;
        // SAFETY: the descriptor stays open; shutting a listening socket down makes
        // every later accept fail with EINVAL.
        assert_eq!(unsafe { libc::shutdown(fd, libc::SHUT_RDWR) }, 0);
        let result = tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .expect("the wait ends at once")
            .unwrap();
        let error = result.expect_err("a dead listener is an error");
        assert!(matches!(error, CallbackError::ListenerFailed(_)), "{error}");
        assert!(error.to_string().contains("stopped working"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    /// Query parts that are likely to matter: the real names, the right state,
    /// encodings of it, and noise.
    fn query_part() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("state".to_string()),
            Just("code".to_string()),
            Just("iss".to_string()),
            Just("error".to_string()),
            Just("%73tate".to_string()),
            "[a-z_]{0,6}",
        ];
        let value = prop_oneof![
            Just(STATE.to_string()),
            Just(format!("{STATE}x")),
            Just("the%2Dright%2Dstate".to_string()),
            Just(ISSUER.to_string()),
            Just("%E0%A4%A".to_string()),
            ".{0,12}",
        ];
        (name, value, prop::bool::ANY)
            .prop_map(|(n, v, eq)| if eq { format!("{n}={v}") } else { n })
    }

    fn target() -> impl Strategy<Value = String> {
        let path = prop_oneof![
            4 => Just("/callback".to_string()),
            1 => Just("/callback/".to_string()),
            1 => "/[ -~]{0,10}",
            1 => ".{0,16}",
        ];
        let query = prop::collection::vec(query_part(), 0..6).prop_map(|p| p.join("&"));
        (path, query, prop::bool::ANY)
            .prop_map(|(p, q, with)| if with { format!("{p}?{q}") } else { p })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::testing::proptest_cases(3000)))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            if let Some(head) = parse_head(&bytes) {
                let _ = decide(&head, &expected(true));
            }
        }

        #[test]
        fn only_the_right_state_is_accepted(
            method in prop_oneof![4 => Just("GET".to_string()), 1 => "[A-Z]{1,7}"],
            target in target(),
            require_iss in prop::bool::ANY,
        ) {
            let raw = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            // A target with a stray carriage return may not even make a head.
            let Some(head) = parse_head(raw.as_bytes()) else { return Ok(()) };
            let decision = decide(&head, &expected(require_iss));
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            let first = |name: &str| {
                url::form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            };
            let right = head == get(&target)
                && path == "/callback"
                && first("state").as_deref() == Some(STATE);
            if let Decision::Accept(code) = &decision {
                prop_assert!(right);
                let sent = first("code");
                prop_assert_eq!(sent.as_deref(), Some(code.expose()));
                prop_assert!(first("error").is_none());
                match first("iss") {
                    Some(iss) => prop_assert_eq!(iss.as_str(), ISSUER),
                    None => prop_assert!(!require_iss),
                }
            }
            if matches!(decision, Decision::Fail(..)) {
                prop_assert!(right);
            }
            if right
                && first("error").is_none()
                && first("code").is_some_and(|c| !c.is_empty())
                && first("iss").as_deref() == Some(ISSUER)
            {
                prop_assert!(matches!(decision, Decision::Accept(_)));
            }
        }
    }
}
