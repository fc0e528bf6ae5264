//! `digiusher-sim`: a deterministic simulator of the DigiUsher REST API
//! (`/restapi/v2` OptScale routes and `/api/v3` routes) for the digiusher-mcp tests.
//! The specification is section 14 of `tools.md`; see `README.md` for the control
//! API and the fixture ids.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = digiusher_sim::Simulator::start(digiusher_sim::SimConfig::default()).await?;
//! let base = sim.base_url(); // point DIGIUSHER_API_BASE_URL here; token "sim-alice"
//! # let _ = base; Ok(()) }
//! ```

mod auth;
mod control;
mod dates;
mod errors;
mod faults;
mod fixtures;
mod generator;
mod log;
mod query;
mod routes;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;

pub use log::LoggedRequest;

/// Start-up settings of a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Simulated "now", RFC 3339; default `2025-06-15T12:00:00Z`.
    pub now: Option<String>,
    /// Accept the static tokens `sim-alice`, `sim-bob`, `sim-carol`, `sim-nobody`
    /// (`sim-expired` is always rejected). Default true.
    pub static_tokens: bool,
    /// Validate other tokens by RFC 7662 introspection at a test OpenID provider.
    pub provider: Option<ProviderAuth>,
    /// Issuer named in `/.well-known/oauth-protected-resource`; default: the
    /// provider's issuer if set, else `http://127.0.0.1/unset-issuer`.
    pub issuer_for_metadata: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            now: None,
            static_tokens: true,
            provider: None,
            issuer_for_metadata: None,
        }
    }
}

/// Where and how provider-mode tokens are introspected (client_secret_basic).
#[derive(Clone, Debug)]
pub struct ProviderAuth {
    pub issuer: String,
    pub introspection_endpoint: String,
    pub client_id: String,
    pub client_secret: String,
}

/// How to serve, beyond [`SimConfig`]: used by the binary.
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Print one line per request on stderr.
    pub log_to_stderr: bool,
}

pub const DEFAULT_NOW: &str = "2025-06-15T12:00:00Z";

/// A running simulator on the current tokio runtime. Dropping it stops the server.
pub struct Simulator {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::watch::Sender<bool>>,
}

impl Simulator {
    /// Binds 127.0.0.1:0 and serves on the current tokio runtime (spawned task).
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        Simulator::start_with(config, ServeOptions::default()).await
    }

    /// As [`Simulator::start`], with a chosen port and stderr logging.
    pub async fn start_with(
        config: SimConfig,
        options: ServeOptions,
    ) -> std::io::Result<Simulator> {
        let (shared, addr, stop) = server::serve(config, options).await?;
        Ok(Simulator {
            shared,
            addr,
            stop: Some(stop),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The request log, oldest first (same content as `GET /__sim/requests`).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.requests()
    }

    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Clears faults, route switches, options and the log (`POST /__sim/reset`).
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting connections and closes the open ones.
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A simulator on its own thread and tokio runtime, for tests that are not async.
/// Dropping it stops the server and joins the thread.
pub struct BackgroundSimulator {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts a [`BackgroundSimulator`] and waits until it accepts connections.
pub fn start_in_background(config: SimConfig) -> std::io::Result<BackgroundSimulator> {
    start_in_background_with(config, ServeOptions::default())
}

/// As [`start_in_background`], with [`ServeOptions`].
pub fn start_in_background_with(
    config: SimConfig,
    options: ServeOptions,
) -> std::io::Result<BackgroundSimulator> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("digiusher-sim".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                match Simulator::start_with(config, options).await {
                    Ok(sim) => {
                        let _ = ready_tx.send(Ok((sim.shared.clone(), sim.addr)));
                        let _ = stop_rx.await;
                        drop(sim);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })?;
    match ready_rx.recv() {
        Ok(Ok((shared, addr))) => Ok(BackgroundSimulator {
            shared,
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(std::io::Error::other(
            "simulator thread ended before it was ready",
        )),
    }
}

impl BackgroundSimulator {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.requests()
    }
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }
    pub fn reset(&self) {
        self.shared.reset();
    }
    /// Stops the server and joins its thread.
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for BackgroundSimulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A reqwest client that builds whatever TLS features the workspace unified into
/// reqwest: the ring crypto provider is installed first.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
