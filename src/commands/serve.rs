//! `digiusher-mcp` / `digiusher-mcp serve`: the MCP server on stdio.

use std::io::IsTerminal;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rmcp::ServiceExt;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::Notify;

use crate::config::Settings;
use crate::server::DigiUsherServer;

pub async fn run(settings: Result<Settings, String>) -> Result<(), String> {
    if std::io::stdin().is_terminal() {
        eprintln!(
            "digiusher-mcp is an MCP server: an MCP host (Claude Desktop, Cursor, Claude Code, …) starts it \
and talks to it over stdin/stdout. It is waiting for JSON-RPC now; press Ctrl-D to quit.\n\
To try a tool from this terminal, run `digiusher-mcp call list_organizations`; see `digiusher-mcp --help`."
        );
    }
    match &settings {
        Ok(s) => tracing::info!(
            profile = %s.profile,
            api_base = %s.api_base,
            config_file = ?s.config_file,
            "digiusher-mcp {} serving on stdio",
            env!("CARGO_PKG_VERSION")
        ),
        Err(message) => {
            tracing::warn!("configuration problem, every tool call will report it: {message}")
        }
    }
    let eof = Arc::new(Notify::new());
    let stdin = NotifyOnEof {
        inner: tokio::io::stdin(),
        eof: eof.clone(),
    };
    let service = DigiUsherServer::new(settings)
        .serve((stdin, tokio::io::stdout()))
        .await
        .map_err(|e| format!("MCP session failed to start: {e}"))?;
    let waiting = service.waiting();
    tokio::pin!(waiting);
    // When the host closes stdin, answer what finishes within a moment, then go:
    // a host that closed stdin is not waiting for slow answers.
    let reason = tokio::select! {
        r = &mut waiting => r,
        () = eof.notified() => tokio::select! {
            r = &mut waiting => r,
            () = tokio::time::sleep(EOF_GRACE) => {
                tracing::info!("stdin closed; leaving calls still in flight");
                return Ok(());
            }
        },
    }
    .map_err(|e| format!("MCP session ended with an error: {e}"))?;
    tracing::info!(?reason, "MCP session ended");
    Ok(())
}

/// How long in-flight calls may finish after stdin closes.
const EOF_GRACE: Duration = Duration::from_millis(750);

/// Stdin that tells when it reaches end of file.
struct NotifyOnEof<R> {
    inner: R,
    eof: Arc<Notify>,
}

impl<R: AsyncRead + Unpin> AsyncRead for NotifyOnEof<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll
            && buf.filled().len() == before
            && buf.remaining() > 0
        {
            self.eof.notify_one();
        }
        poll
    }
}
