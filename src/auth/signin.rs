//! Signing in from `serve`: a tool call that finds no usable sign-in starts the
//! same flow as `login`, shows the link through the host (URL elicitation) or the
//! system browser, and waits a bounded time so the host does not time out.
//!
//! One attempt at a time: concurrent calls of a process share one, and processes
//! of one profile take turns through a lock file. The OS drops a killed process's
//! lock, so a host that kills a copy mid-sign-in blocks nobody.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::error::AuthError;
use super::lock::LockError;
use super::login::LoginError;
use super::token::TokenSource;
use crate::config::{Settings, SignInMode};
use crate::future::BoxFuture;

/// How long an attempt's listener stays open: a sign-in finished after the call
/// gave up still lands, and the next call just works.
pub const ATTEMPT_LIFETIME: Duration = Duration::from_secs(600);
/// How often a process waiting on another one's sign-in looks at the store.
const POLL: Duration = Duration::from_millis(500);
/// How often a waiting call reports progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// The rest of a prepared sign-in: wait for the callback, exchange, check, store.
pub type Finish = BoxFuture<Result<(), LoginError>>;

/// Starts the `login` flow without waiting: the authorization URL, and the rest.
pub type Begin =
    Arc<dyn Fn(Settings) -> BoxFuture<Result<(String, Finish), LoginError>> + Send + Sync>;

/// What the user did with an elicitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elicited {
    Accepted,
    Declined,
    Cancelled,
}

/// How a sign-in shows its link to the user during one tool call, through the
/// MCP host that made the call (the server layer implements it).
pub trait ShowsLink: Send + Sync {
    /// Ask the host to show `url` (URL-mode elicitation). `None` when the client
    /// did not declare it or the request failed: the browser is used instead.
    fn elicit(
        &self,
        message: String,
        url: String,
        id: String,
    ) -> impl Future<Output = Option<Elicited>> + Send;
    /// Tell the host the elicitation `id` is complete.
    fn completed(&self, id: String) -> impl Future<Output = ()> + Send;
    /// Progress of the wait, when the call asked for it.
    fn progress(&self, done: u32, total: u32, message: String);
}

/// Where an attempt stands; every call of the process watches the same one.
#[derive(Debug, Clone)]
enum Phase {
    Starting,
    /// Another process of this profile holds the sign-in lock.
    Elsewhere,
    /// The link is out and the listener waits.
    Open {
        url: String,
    },
    Done(Result<(), Ended>),
}

/// How an attempt ended short of a sign-in; every call sharing it reads the same.
#[derive(Debug, Clone)]
enum Ended {
    /// The user declined the link in the host.
    Declined,
    /// The flow failed, for the reason its steps gave.
    Failed(String),
}

impl From<Ended> for SignInError {
    fn from(ended: Ended) -> SignInError {
        match ended {
            Ended::Declined => SignInError::Declined,
            Ended::Failed(why) => SignInError::Failed(why),
        }
    }
}

struct Attempt {
    phase: watch::Sender<Phase>,
    /// A call is showing the link right now; others only wait.
    presenting: AtomicBool,
    task: tokio::task::AbortHandle,
}

impl Attempt {
    fn is_done(&self) -> bool {
        matches!(*self.phase.borrow(), Phase::Done(_))
    }

    /// End the attempt at once: listener closed, lock released.
    fn end(&self, why: Ended) {
        self.phase.send_replace(Phase::Done(Err(why)));
        self.task.abort();
    }
}

/// Why a tool call could not go on; the text is the tool error, complete as it is.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Auth(AuthError),
    #[error(
        "Sign-in to DigiUsher was declined, so this question could not be answered. Ask again to get a new sign-in link, or run `digiusher-mcp login` in a terminal."
    )]
    Declined,
    #[error(
        "Open this link to sign in to DigiUsher:\n\n{0}\n\nthen ask again. The link works for 10 minutes."
    )]
    Link(String),
    #[error(
        "Another DigiUsher window is signing you in. Finish the sign-in in the browser page it opened, then ask again."
    )]
    Elsewhere,
    #[error(
        "Sign-in to DigiUsher did not complete: {0}. Ask again to retry, or run `digiusher-mcp login` in a terminal."
    )]
    Failed(String),
}

/// Signs the profile in on demand, for every call of this process.
pub struct SignIn {
    settings: Settings,
    begin: Begin,
    current: Mutex<Option<Arc<Attempt>>>,
    /// Links handed to hosts in input-required results, by `requestState`.
    handed: Mutex<HashMap<String, Handed>>,
}

/// A sign-in link to hand to the host in an input-required result (MCP
/// 2026-07-28 and later, where a server may not send the host requests): the
/// host shows it, then retries the call with its answer and `state`.
#[derive(Debug, Clone)]
pub struct Ask {
    pub message: String,
    pub url: String,
    pub elicitation_id: String,
    /// An opaque random handle to the attempt kept in this process; no secret.
    pub state: String,
}

/// What a call on MCP 2026-07-28 does next.
#[derive(Debug)]
pub enum Next {
    /// Signed in: run the tool.
    Run,
    /// Hand the host this link and wait for its retry.
    Ask(Ask),
}

/// The host's answer to an [`Ask`], read from its retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    /// Declined or cancelled.
    Declined,
    /// No answer under our key, or one we cannot read.
    Missing,
}

/// A link handed out, waiting for the host's retry.
struct Handed {
    attempt: Arc<Attempt>,
    url: String,
    profile: String,
    at: Instant,
}

/// Handles kept at most; the oldest go first. A host retries within seconds.
const MAX_HANDED: usize = 32;

/// Whether `error` is one a new sign-in cures.
pub fn needs_sign_in(error: &AuthError) -> bool {
    matches!(
        error,
        AuthError::NotSignedIn | AuthError::SignInExpired(_) | AuthError::OtherAccount(_)
    )
}

/// `login`'s browser flow in two steps: prepare (discovery, registration,
/// listener, URL), then finish (callback, exchange, ID-token checks, storage).
pub fn login_steps() -> Begin {
    Arc::new(
        |settings: Settings| -> BoxFuture<Result<(String, Finish), LoginError>> {
            Box::pin(async move {
                let attempt = super::login::BrowserAttempt::prepare(&settings, 0, |notice| {
                    tracing::info!("sign-in: {notice}")
                })
                .await?;
                let url = attempt.url().to_string();
                let finish: Finish =
                    Box::pin(async move { attempt.finish(ATTEMPT_LIFETIME).await.map(|_| ()) });
                Ok((url, finish))
            })
        },
    )
}

impl SignIn {
    pub fn new(settings: Settings, begin: Begin) -> SignIn {
        SignIn {
            settings,
            begin,
            current: Mutex::new(None),
            handed: Mutex::new(HashMap::new()),
        }
    }

    /// [`SignIn::ensure`] for a host that negotiated MCP 2026-07-28 and declared
    /// URL elicitation: instead of asking the host mid-call, hand it the link
    /// ([`Next::Ask`]); its retry brings `retry`, the state and its answer. A
    /// state that is unknown, stale, forged or another profile's starts afresh.
    pub async fn ensure_in_rounds(
        &self,
        tokens: &TokenSource,
        host: &impl ShowsLink,
        retry: Option<(&str, Answer)>,
    ) -> Result<Next, SignInError> {
        let handed = retry.and_then(|(state, answer)| Some((self.take_handed(state)?, answer)));
        match tokens.access_token().await {
            Ok(_) => return Ok(Next::Run),
            Err(e) if needs_sign_in(&e) && self.settings.sign_in == SignInMode::Auto => {}
            Err(e) => return Err(SignInError::Auth(e)),
        }
        let deadline = Instant::now() + self.settings.sign_in_wait;
        match handed {
            Some((handed, Answer::Accepted)) => {
                tracing::info!("sign-in: the host showed the link");
                return wait_done(&handed.attempt, host, deadline)
                    .await
                    .map(|()| Next::Run)
                    .map_err(|e| waited_error(e, handed.url));
            }
            Some((handed, Answer::Declined)) => {
                tracing::info!("sign-in: declined in the host");
                handed.attempt.end(Ended::Declined);
                return Err(SignInError::Declined);
            }
            Some((_, Answer::Missing)) => {
                tracing::debug!("sign-in: the retry carries no answer; asking again");
            }
            None if retry.is_some() => {
                tracing::debug!("sign-in: unknown or stale request state; starting afresh");
            }
            None => {}
        }
        let attempt = self.attempt();
        let Some(url) = self.link(&attempt, deadline).await? else {
            return Ok(Next::Run);
        };
        if retry.is_none() && self.shown_elsewhere(&attempt) {
            // Another call of this process handed the same link out just now; a
            // retry, though, is the host asking again and gets the link.
            return wait_done(&attempt, host, deadline)
                .await
                .map(|()| Next::Run)
                .map_err(|e| waited_error(e, url));
        }
        let state = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let ask = Ask {
            message: elicitation_message(&url),
            url: url.clone(),
            elicitation_id: format!("digiusher-sign-in-{:016x}", fastrand::u64(..)),
            state: state.clone(),
        };
        self.hand_out(
            state,
            Handed {
                attempt,
                url,
                profile: self.settings.profile.clone(),
                at: Instant::now(),
            },
        );
        tracing::info!("sign-in: handing the link to the host");
        Ok(Next::Ask(ask))
    }

    /// The link of `attempt` once it is out, `None` when the attempt already
    /// signed in, or the error to answer with, waiting until `deadline`.
    async fn link(
        &self,
        attempt: &Attempt,
        deadline: Instant,
    ) -> Result<Option<String>, SignInError> {
        let mut rx = attempt.phase.subscribe();
        let phase = tokio::time::timeout_at(deadline.into(), async {
            rx.wait_for(|p| matches!(p, Phase::Open { .. } | Phase::Done(_)))
                .await
                .map(|p| p.clone())
        })
        .await
        .ok()
        .and_then(Result::ok);
        match phase {
            Some(Phase::Open { url }) => Ok(Some(url)),
            Some(Phase::Done(result)) => result.map(|()| None).map_err(SignInError::from),
            // The other process's link works here too: its listener gets the answer.
            _ => Err(shared_link(&self.settings)
                .await
                .map(SignInError::Link)
                .unwrap_or(SignInError::Elsewhere)),
        }
    }

    fn handed(&self) -> std::sync::MutexGuard<'_, HashMap<String, Handed>> {
        self.handed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The handle `state` names, taken out: each is answered once. `None` when
    /// unknown, older than an attempt lives, of another profile, or its attempt
    /// ended short of a sign-in.
    fn take_handed(&self, state: &str) -> Option<Handed> {
        let handed = self.handed().remove(state)?;
        let fresh = handed.at.elapsed() < ATTEMPT_LIFETIME;
        let failed = matches!(*handed.attempt.phase.borrow(), Phase::Done(Err(_)));
        (fresh && !failed && handed.profile == self.settings.profile).then_some(handed)
    }

    /// Whether another call handed out `attempt`'s link within the wait.
    fn shown_elsewhere(&self, attempt: &Arc<Attempt>) -> bool {
        self.handed().values().any(|h| {
            Arc::ptr_eq(&h.attempt, attempt) && h.at.elapsed() < self.settings.sign_in_wait
        })
    }

    fn hand_out(&self, state: String, handed: Handed) {
        let mut all = self.handed();
        all.retain(|_, h| h.at.elapsed() < ATTEMPT_LIFETIME);
        while all.len() >= MAX_HANDED {
            let Some(oldest) = all.iter().min_by_key(|(_, h)| h.at).map(|(k, _)| k.clone()) else {
                break;
            };
            all.remove(&oldest);
        }
        all.insert(state, handed);
    }

    /// A usable token for `tokens`, signing in first when there is none and the
    /// configuration allows it. `Err` is the tool error to answer with.
    pub async fn ensure(
        &self,
        tokens: &TokenSource,
        host: &impl ShowsLink,
    ) -> Result<(), SignInError> {
        match tokens.access_token().await {
            Ok(_) => return Ok(()),
            Err(e) if needs_sign_in(&e) && self.settings.sign_in == SignInMode::Auto => {
                tracing::info!("no usable sign-in: {e}; signing in from the host");
            }
            Err(e) => return Err(SignInError::Auth(e)),
        }
        let deadline = Instant::now() + self.settings.sign_in_wait;
        let attempt = self.attempt();
        self.follow(&attempt, host, deadline).await
    }

    /// Whether a call that just failed lost its sign-in on the way (the provider
    /// rejected the refresh token), so that signing in again and retrying helps.
    pub async fn lost(&self, tokens: &TokenSource) -> bool {
        self.settings.sign_in == SignInMode::Auto
            && matches!(tokens.access_token().await, Err(e) if needs_sign_in(&e))
    }

    /// The attempt in progress, or a new one.
    fn attempt(&self) -> Arc<Attempt> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(attempt) = current.as_ref()
            && !attempt.is_done()
        {
            return attempt.clone();
        }
        let (tx, _) = watch::channel(Phase::Starting);
        let settings = self.settings.clone();
        let begin = self.begin.clone();
        let phase = tx.clone();
        let task = tokio::spawn(async move {
            let result = run(&settings, &begin, &phase).await;
            if let Err(e) = &result {
                tracing::warn!("sign-in did not complete: {e}");
            }
            phase.send_replace(Phase::Done(
                result.map_err(|e| Ended::Failed(e.to_string())),
            ));
        });
        let attempt = Arc::new(Attempt {
            phase: tx,
            presenting: AtomicBool::new(false),
            task: task.abort_handle(),
        });
        *current = Some(attempt.clone());
        attempt
    }

    /// Show the link (unless another call is showing it) and wait for the end,
    /// until `deadline`.
    async fn follow(
        &self,
        attempt: &Attempt,
        host: &impl ShowsLink,
        deadline: Instant,
    ) -> Result<(), SignInError> {
        let Some(url) = self.link(attempt, deadline).await? else {
            return Ok(());
        };
        let presenter = !attempt.presenting.swap(true, Ordering::SeqCst);
        let result = if presenter {
            // Reset even when the call is cancelled, so a later call shows the link.
            let _presenting = Presenting(&attempt.presenting);
            self.present(attempt, &url, host, deadline).await
        } else {
            wait_done(attempt, host, deadline).await
        };
        result.map_err(|e| waited_error(e, url))
    }

    /// Ask the host to show the link; otherwise open the browser; otherwise give
    /// the link back at once.
    async fn present(
        &self,
        attempt: &Attempt,
        url: &str,
        host: &impl ShowsLink,
        deadline: Instant,
    ) -> Result<(), Waited> {
        let id = format!("digiusher-sign-in-{:016x}", fastrand::u64(..));
        let mut rx = attempt.phase.subscribe();
        let answer = tokio::select! {
            answer = host.elicit(elicitation_message(url), url.to_string(), id.clone()) => answer,
            ok = async {
                rx.wait_for(|p| matches!(p, Phase::Done(_)))
                    .await
                    .is_ok_and(|p| matches!(*p, Phase::Done(Ok(()))))
            } => {
                // Signed in before the host answered: close its dialog.
                if ok {
                    host.completed(id).await;
                }
                return wait_done(attempt, host, deadline).await;
            }
            () = tokio::time::sleep_until(deadline.into()) => return Err(Waited::Timeout),
        };
        match answer {
            Some(Elicited::Accepted) => {
                tracing::info!("sign-in: the host showed the link");
                let result = wait_done(attempt, host, deadline).await;
                if result.is_ok() {
                    host.completed(id).await;
                }
                result
            }
            Some(Elicited::Declined) | Some(Elicited::Cancelled) => {
                tracing::info!("sign-in: declined in the host");
                attempt.end(Ended::Declined);
                Err(Waited::Declined)
            }
            None => {
                open_browser(url)?;
                wait_done(attempt, host, deadline).await
            }
        }
    }
}

/// The tool error for a wait that ended short of a sign-in.
fn waited_error(waited: Waited, url: String) -> SignInError {
    match waited {
        Waited::Timeout => SignInError::Link(url),
        Waited::Declined => SignInError::Declined,
        Waited::Failed(e) => SignInError::Failed(e),
    }
}

/// Clears [`Attempt::presenting`] when dropped.
struct Presenting<'a>(&'a AtomicBool);

impl Drop for Presenting<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// How waiting for an attempt ended, short of success.
enum Waited {
    Timeout,
    Declined,
    Failed(String),
}

/// Wait for the attempt to end, reporting progress, until `deadline`.
async fn wait_done(
    attempt: &Attempt,
    host: &impl ShowsLink,
    deadline: Instant,
) -> Result<(), Waited> {
    let mut rx = attempt.phase.subscribe();
    let started = Instant::now();
    let total = deadline.saturating_duration_since(started).as_secs() as u32;
    loop {
        let elapsed = started.elapsed().as_secs() as u32;
        host.progress(
            elapsed,
            total,
            "Waiting for you to sign in to DigiUsher in the browser…".into(),
        );
        let tick = (Instant::now() + PROGRESS_EVERY).min(deadline);
        let done = tokio::time::timeout_at(tick.into(), async {
            rx.wait_for(|p| matches!(p, Phase::Done(_)))
                .await
                .map(|p| p.clone())
        })
        .await;
        match done {
            Ok(Ok(phase)) => {
                return match phase {
                    Phase::Done(Ok(())) => Ok(()),
                    Phase::Done(Err(Ended::Declined)) => Err(Waited::Declined),
                    Phase::Done(Err(Ended::Failed(why))) => Err(Waited::Failed(why)),
                    _ => Err(Waited::Failed("the sign-in ended unexpectedly".into())),
                };
            }
            Ok(Err(_)) => return Err(Waited::Failed("the sign-in ended unexpectedly".into())),
            Err(_) if Instant::now() >= deadline => return Err(Waited::Timeout),
            Err(_) => {}
        }
    }
}

/// Open the system browser; `Err(Timeout)` gives the link back at once when no
/// browser can be opened.
fn open_browser(url: &str) -> Result<(), Waited> {
    if !can_show_browser() {
        tracing::info!("sign-in: no display and no $BROWSER; answering with the link");
        return Err(Waited::Timeout);
    }
    match super::browser::open(url) {
        Ok(how) => {
            tracing::info!("sign-in: the sign-in page was {how}");
            Ok(())
        }
        Err(why) => {
            tracing::info!("sign-in: no browser was opened ({why}); answering with the link");
            Err(Waited::Timeout)
        }
    }
}

/// A desktop to show a browser on: always on macOS and Windows; elsewhere a
/// display server or an explicit `$BROWSER` (a text browser must not start).
fn can_show_browser() -> bool {
    crate::platform::Os::CURRENT
        .can_show_browser(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// The server's own words, naming DigiUsher and the sign-in page's host; nothing
/// from the tool call.
fn elicitation_message(url: &str) -> String {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "the identity provider".into());
    format!(
        "Sign in to DigiUsher to answer this. The sign-in page is on {host}, DigiUsher's identity provider."
    )
}

/// Why an attempt ended short of a sign-in; every call sharing it reads its words.
#[derive(Debug, thiserror::Error)]
enum AttemptError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("another DigiUsher window's sign-in did not finish")]
    ElsewhereUnfinished,
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error("no sign-in within {} minutes", ATTEMPT_LIFETIME.as_secs() / 60)]
    TimedOut,
}

/// One attempt, start to end: take the profile's sign-in lock (or wait for the
/// process holding it to finish), then sign in unless that process already did.
async fn run(
    settings: &Settings,
    begin: &Begin,
    phase: &watch::Sender<Phase>,
) -> Result<(), AttemptError> {
    let started = Instant::now();
    let _lock = loop {
        match super::lock::try_lock(&lock_path(settings))? {
            Some(lock) => break lock,
            None => {
                phase.send_if_modified(|p| {
                    let starting = matches!(p, Phase::Starting);
                    if starting {
                        *p = Phase::Elsewhere;
                    }
                    starting
                });
                if signed_in(settings).await {
                    return Ok(());
                }
                if started.elapsed() > ATTEMPT_LIFETIME {
                    return Err(AttemptError::ElsewhereUnfinished);
                }
                tokio::time::sleep(POLL).await;
            }
        }
    };
    // Another process may have finished just before releasing the lock.
    if signed_in(settings).await {
        return Ok(());
    }
    let shared = SharedLink(link_path(settings));
    let _ = std::fs::remove_file(&shared.0);
    let (url, finish) = begin(settings.clone()).await?;
    if let Err(e) = super::store::write_private_file(&shared.0, url.as_bytes()) {
        tracing::debug!("cannot share the sign-in link with other processes: {e}");
    }
    phase.send_replace(Phase::Open { url });
    match tokio::time::timeout(ATTEMPT_LIFETIME, finish).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(AttemptError::TimedOut),
    }
}

/// The link of the sign-in another process holds the lock for, kept beside the
/// lock (it carries no secret) and removed when that attempt ends.
struct SharedLink(PathBuf);

impl Drop for SharedLink {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn link_path(settings: &Settings) -> PathBuf {
    lock_path(settings).with_extension("url")
}

/// The link of another process's sign-in in progress, if there is one and it
/// is on the provider's authorization endpoint: anything else in that file (a
/// link planted there) never reaches the user as ours.
async fn shared_link(settings: &Settings) -> Option<String> {
    let text = crate::files::read_text(&link_path(settings), LINK_CAP).ok()?;
    // The call has waited its time already: a slow provider gets a few seconds.
    let endpoint = tokio::time::timeout(LINK_CHECK_WAIT, authorization_endpoint(settings))
        .await
        .ok()??;
    let link = on_endpoint(text.trim(), &endpoint);
    if link.is_none() {
        tracing::warn!(
            "sign-in: the shared link is not on the provider's authorization endpoint; ignored"
        );
    }
    link
}

/// How long checking a shared link against the provider may take.
const LINK_CHECK_WAIT: Duration = Duration::from_secs(5);
/// A sign-in link is a few kilobytes at most.
const LINK_CAP: u64 = 64 * 1024;

/// The configured (or discovered) provider's authorization endpoint.
async fn authorization_endpoint(settings: &Settings) -> Option<String> {
    let http = super::http::OAuthHttp::new().ok()?;
    let issuer = match &settings.issuer {
        Some(issuer) => issuer.clone(),
        None => super::discovery::issuer_from_api(&http, &settings.api_base)
            .await
            .ok()?,
    };
    let metadata = super::discovery::provider_metadata(&http, &issuer)
        .await
        .ok()?;
    Some(metadata.authorization_endpoint().url().to_string())
}

/// `link` when it is a plain link to `endpoint` (same scheme, host, port and
/// path; no user name or fragment), with its query.
fn on_endpoint(link: &str, endpoint: &str) -> Option<String> {
    let link = url::Url::parse(link).ok()?;
    let endpoint = url::Url::parse(endpoint).ok()?;
    let same = link.scheme() == endpoint.scheme()
        && link.host_str() == endpoint.host_str()
        && link.port_or_known_default() == endpoint.port_or_known_default()
        && link.path() == endpoint.path()
        && link.username().is_empty()
        && link.password().is_none()
        && link.fragment().is_none();
    same.then(|| link.to_string())
}

/// Whether the store now holds a usable sign-in for the profile.
async fn signed_in(settings: &Settings) -> bool {
    TokenSource::stored(settings).access_token().await.is_ok()
}

/// Beside the refresh lock, but separate: a sign-in holds its lock for minutes.
fn lock_path(settings: &Settings) -> PathBuf {
    settings.paths.lock_file(&settings.profile, ".sign-in.lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_digiusher_and_the_provider_host_only() {
        let m = elicitation_message(
            "https://id.example.com/auth?client_id=x&state=abc&code_challenge=def&nonce=ghi",
        );
        assert!(m.contains("DigiUsher"), "{m}");
        assert!(m.contains("id.example.com"), "{m}");
        for part in ["abc", "def", "ghi", "client_id"] {
            assert!(!m.contains(part), "{m}");
        }
    }

    #[test]
    fn only_a_link_on_the_authorization_endpoint_is_passed_on() {
        let endpoint = "https://id.example.com/oauth/auth";
        let good = "https://id.example.com/oauth/auth?client_id=c&state=s";
        assert_eq!(on_endpoint(good, endpoint).as_deref(), Some(good));
        for planted in [
            "https://evil.example/oauth/auth?client_id=c",
            "http://id.example.com/oauth/auth?client_id=c",
            "https://id.example.com:444/oauth/auth",
            "https://id.example.com/other?x=1",
            "https://user@id.example.com/oauth/auth",
            "https://id.example.com.evil.example/oauth/auth",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(on_endpoint(planted, endpoint), None, "{planted}");
        }
    }

    #[test]
    fn the_link_error_is_plain_text_with_the_url() {
        let e = SignInError::Link("https://id.example/auth?x=1".into()).to_string();
        assert!(
            e.starts_with("Open this link to sign in to DigiUsher:"),
            "{e}"
        );
        assert!(e.contains("\nhttps://id.example/auth?x=1\n"), "{e}");
        assert!(e.contains("then ask again"), "{e}");
    }

    #[test]
    fn sign_in_lock_files_are_per_profile_and_apart_from_refresh() {
        let paths = crate::config::AuthPaths::new(
            std::path::Path::new("/data"),
            std::path::Path::new("/config"),
        );
        assert_eq!(
            paths.lock_file("default", ".sign-in.lock"),
            PathBuf::from("/data/locks/default.sign-in.lock")
        );
        assert_eq!(
            paths.lock_file("a.b", ".sign-in.lock"),
            PathBuf::from("/data/locks/a_b.sign-in.lock")
        );
        assert_ne!(
            paths.lock_file("default", ".sign-in.lock"),
            paths.lock_file("default", ".lock")
        );
    }

    #[test]
    fn only_missing_or_gone_sign_ins_start_one() {
        assert!(needs_sign_in(&AuthError::NotSignedIn));
        assert!(needs_sign_in(&AuthError::SignInExpired("x".into())));
        assert!(!needs_sign_in(&AuthError::Refresh("network".into())));
        assert!(!needs_sign_in(&AuthError::Store("damaged".into())));
    }

    use std::sync::atomic::AtomicUsize;

    /// A host that answers elicitations with `answer` (`None`: not supported) and
    /// counts what it was asked.
    struct FakeHost {
        answer: Option<Elicited>,
        /// How long the user takes to answer.
        delay: Duration,
        elicited: AtomicUsize,
        completed: AtomicUsize,
    }

    impl FakeHost {
        fn new(answer: Option<Elicited>) -> FakeHost {
            FakeHost {
                answer,
                delay: Duration::ZERO,
                elicited: AtomicUsize::new(0),
                completed: AtomicUsize::new(0),
            }
        }
    }

    impl ShowsLink for FakeHost {
        async fn elicit(&self, _m: String, _u: String, _id: String) -> Option<Elicited> {
            self.elicited.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            self.answer
        }
        async fn completed(&self, _id: String) {
            self.completed.fetch_add(1, Ordering::SeqCst);
        }
        fn progress(&self, _done: u32, _total: u32, _message: String) {}
    }

    /// Flags the end of a fake attempt's listener.
    struct Closed(Arc<AtomicBool>);

    impl Drop for Closed {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// A fake `login`: counts its starts; its attempts finish when `go` is notified,
    /// and flag `closed` when they end or are dropped.
    fn fake_begin(
        starts: Arc<AtomicUsize>,
        go: Arc<tokio::sync::Notify>,
        closed: Arc<AtomicBool>,
    ) -> Begin {
        Arc::new(
            move |_settings: Settings| -> BoxFuture<Result<(String, Finish), LoginError>> {
                starts.fetch_add(1, Ordering::SeqCst);
                let (go, closed) = (go.clone(), closed.clone());
                Box::pin(async move {
                    let finish: Finish = Box::pin(async move {
                        let _closed = Closed(closed);
                        go.notified().await;
                        Ok(())
                    });
                    Ok(("https://id.example/auth?state=s".to_string(), finish))
                })
            },
        )
    }

    fn settings(mode: SignInMode, wait_secs: u64) -> (Settings, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "digiusher-mcp-signin-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.toml");
        std::fs::write(&config, "").unwrap();
        let args = crate::cli::GlobalArgs {
            config: Some(config),
            ..Default::default()
        };
        let mut s = Settings::resolve_with(&args, |_| None).unwrap();
        s.paths = crate::config::AuthPaths::new(&dir, &dir);
        s.sign_in = mode;
        s.sign_in_wait = Duration::from_secs(wait_secs);
        (s, dir)
    }

    struct Fixture {
        sign_in: Arc<SignIn>,
        tokens: Arc<TokenSource>,
        starts: Arc<AtomicUsize>,
        go: Arc<tokio::sync::Notify>,
        closed: Arc<AtomicBool>,
    }

    fn fixture(mode: SignInMode, wait_secs: u64) -> Fixture {
        let (settings, _dir) = settings(mode, wait_secs);
        let starts = Arc::new(AtomicUsize::new(0));
        let go = Arc::new(tokio::sync::Notify::new());
        let closed = Arc::new(AtomicBool::new(false));
        let begin = fake_begin(starts.clone(), go.clone(), closed.clone());
        Fixture {
            tokens: Arc::new(TokenSource::stored(&settings)),
            sign_in: Arc::new(SignIn::new(settings, begin)),
            starts,
            go,
            closed,
        }
    }

    #[tokio::test]
    async fn concurrent_calls_share_one_attempt_and_show_the_link_once() {
        let f = fixture(SignInMode::Auto, 30);
        let host = Arc::new(FakeHost::new(Some(Elicited::Accepted)));
        let calls: Vec<_> = (0..3)
            .map(|_| {
                let (sign_in, tokens, host) = (f.sign_in.clone(), f.tokens.clone(), host.clone());
                tokio::spawn(async move { sign_in.ensure(&tokens, &*host).await })
            })
            .collect();
        while host.elicited.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        f.go.notify_one();
        for call in calls {
            assert!(call.await.unwrap().is_ok());
        }
        assert_eq!(f.starts.load(Ordering::SeqCst), 1);
        assert_eq!(host.elicited.load(Ordering::SeqCst), 1);
        assert_eq!(host.completed.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_decline_ends_the_attempt_and_closes_its_listener() {
        let f = fixture(SignInMode::Auto, 30);
        let host = FakeHost::new(Some(Elicited::Declined));
        let e = f.sign_in.ensure(&f.tokens, &host).await.unwrap_err();
        assert!(matches!(e, SignInError::Declined), "{e}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(f.closed.load(Ordering::SeqCst), "the listener is closed");
        // The next call starts afresh.
        let _ = f.sign_in.ensure(&f.tokens, &host).await;
        assert_eq!(f.starts.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_decline_is_told_to_every_call_sharing_the_attempt() {
        let f = fixture(SignInMode::Auto, 30);
        let host = Arc::new(FakeHost {
            delay: Duration::from_millis(200),
            ..FakeHost::new(Some(Elicited::Declined))
        });
        let calls: Vec<_> = (0..3)
            .map(|_| {
                let (sign_in, tokens, host) = (f.sign_in.clone(), f.tokens.clone(), host.clone());
                tokio::spawn(async move { sign_in.ensure(&tokens, &*host).await })
            })
            .collect();
        for call in calls {
            let e = call.await.unwrap().unwrap_err();
            assert!(matches!(e, SignInError::Declined), "{e}");
        }
        assert_eq!(f.starts.load(Ordering::SeqCst), 1);
        assert_eq!(host.elicited.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_answers_with_the_link_and_keeps_the_attempt() {
        let f = fixture(SignInMode::Auto, 1);
        let host = FakeHost::new(Some(Elicited::Accepted));
        let e = f.sign_in.ensure(&f.tokens, &host).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            SignInError::Link("https://id.example/auth?state=s".into()).to_string()
        );
        assert!(!f.closed.load(Ordering::SeqCst), "the listener stays open");
        // A later call joins the same attempt, which then completes.
        let (sign_in, tokens) = (f.sign_in.clone(), f.tokens.clone());
        let later = tokio::spawn(async move {
            let host = FakeHost::new(Some(Elicited::Accepted));
            sign_in.ensure(&tokens, &host).await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        f.go.notify_one();
        assert!(later.await.unwrap().is_ok());
        assert_eq!(f.starts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn never_answers_not_signed_in_without_starting_anything() {
        let f = fixture(SignInMode::Never, 30);
        let host = FakeHost::new(Some(Elicited::Accepted));
        let e = f.sign_in.ensure(&f.tokens, &host).await.unwrap_err();
        assert!(
            matches!(e, SignInError::Auth(AuthError::NotSignedIn)),
            "{e}"
        );
        assert_eq!(f.starts.load(Ordering::SeqCst), 0);
        assert_eq!(host.elicited.load(Ordering::SeqCst), 0);
    }

    fn asked(next: Result<Next, SignInError>) -> Ask {
        match next {
            Ok(Next::Ask(ask)) => ask,
            other => panic!("expected a link to hand out, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn in_rounds_an_accepted_retry_waits_for_the_sign_in_then_runs() {
        let f = fixture(SignInMode::Auto, 30);
        let host = FakeHost::new(None);
        let ask = asked(f.sign_in.ensure_in_rounds(&f.tokens, &host, None).await);
        assert_eq!(ask.url, "https://id.example/auth?state=s");
        assert!(ask.message.contains("id.example"), "{}", ask.message);
        assert!(!ask.state.contains("state=s"), "the state is a handle only");
        let (sign_in, tokens, state) = (f.sign_in.clone(), f.tokens.clone(), ask.state.clone());
        let retry = tokio::spawn(async move {
            let host = FakeHost::new(None);
            sign_in
                .ensure_in_rounds(&tokens, &host, Some((&state, Answer::Accepted)))
                .await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!retry.is_finished(), "the retry waits for the callback");
        f.go.notify_one();
        assert!(matches!(retry.await.unwrap(), Ok(Next::Run)));
        assert_eq!(f.starts.load(Ordering::SeqCst), 1);
        assert_eq!(
            host.elicited.load(Ordering::SeqCst),
            0,
            "no request to the host"
        );
    }

    #[tokio::test]
    async fn in_rounds_a_declined_retry_ends_the_attempt() {
        let f = fixture(SignInMode::Auto, 30);
        let host = FakeHost::new(None);
        let ask = asked(f.sign_in.ensure_in_rounds(&f.tokens, &host, None).await);
        let e = f
            .sign_in
            .ensure_in_rounds(&f.tokens, &host, Some((&ask.state, Answer::Declined)))
            .await
            .unwrap_err();
        assert!(matches!(e, SignInError::Declined), "{e}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(f.closed.load(Ordering::SeqCst), "the listener is closed");
    }

    #[tokio::test]
    async fn in_rounds_unknown_spent_and_other_profiles_states_ask_afresh() {
        let f = fixture(SignInMode::Auto, 30);
        let host = FakeHost::new(None);
        let ask = asked(f.sign_in.ensure_in_rounds(&f.tokens, &host, None).await);
        // Forged: a new handle to the same attempt.
        let forged = asked(
            f.sign_in
                .ensure_in_rounds(&f.tokens, &host, Some(("forged", Answer::Accepted)))
                .await,
        );
        assert_ne!(forged.state, ask.state);
        // Another profile's handle is never followed.
        let attempt = f.sign_in.attempt();
        f.sign_in.hand_out(
            "theirs".into(),
            Handed {
                attempt,
                url: "https://id.example/other".into(),
                profile: "other".into(),
                at: Instant::now(),
            },
        );
        let other = f
            .sign_in
            .ensure_in_rounds(&f.tokens, &host, Some(("theirs", Answer::Declined)))
            .await;
        assert!(matches!(other, Ok(Next::Ask(_))), "{other:?}");
        assert!(!f.closed.load(Ordering::SeqCst), "nothing was declined");
        // A state is answered once.
        let _ = f
            .sign_in
            .ensure_in_rounds(&f.tokens, &host, Some((&ask.state, Answer::Declined)))
            .await;
        let spent = f
            .sign_in
            .ensure_in_rounds(&f.tokens, &host, Some((&ask.state, Answer::Declined)))
            .await;
        assert!(matches!(spent, Ok(Next::Ask(_))), "{spent:?}");
        assert_eq!(
            f.starts.load(Ordering::SeqCst),
            2,
            "a new attempt after the decline"
        );
    }

    #[tokio::test]
    async fn in_rounds_concurrent_first_calls_hand_the_link_out_once() {
        let f = fixture(SignInMode::Auto, 30);
        let host = FakeHost::new(None);
        let ask = asked(f.sign_in.ensure_in_rounds(&f.tokens, &host, None).await);
        let (sign_in, tokens) = (f.sign_in.clone(), f.tokens.clone());
        let second = tokio::spawn(async move {
            let host = FakeHost::new(None);
            sign_in.ensure_in_rounds(&tokens, &host, None).await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!second.is_finished(), "the second call waits");
        let retry =
            f.sign_in
                .ensure_in_rounds(&f.tokens, &host, Some((&ask.state, Answer::Accepted)));
        let (retry, ()) = tokio::join!(retry, async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            f.go.notify_one();
        });
        assert!(matches!(retry, Ok(Next::Run)), "{retry:?}");
        assert!(matches!(second.await.unwrap(), Ok(Next::Run)));
        assert_eq!(f.starts.load(Ordering::SeqCst), 1);
    }
}
