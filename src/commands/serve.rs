//! `digiusher-mcp` / `digiusher-mcp serve`: the MCP server on stdio.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt;
use tokio::sync::Notify;

use super::CommandError;
use crate::config::{ConfigError, Settings};
use crate::server::DigiUsherServer;
use crate::terminal::errln;
use crate::transport::Stdio;

pub async fn run(settings: Result<Settings, ConfigError>) -> Result<(), CommandError> {
    if std::io::stdin().is_terminal() {
        errln!(
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
        Err(e) => {
            tracing::warn!("configuration problem, every tool call will report it: {e}")
        }
    }
    let eof = Arc::new(Notify::new());
    let (stdin, stdout) = rmcp::transport::stdio_pipes();
    // The server keeps only the words, which every tool call shows to the host.
    let service = DigiUsherServer::new(settings)
        .serve(Stdio::new(stdin, stdout, eof.clone()))
        .await
        .map_err(|e| CommandError::Failed(format!("MCP session failed to start: {e}")))?;
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
    .map_err(|e| CommandError::Failed(format!("MCP session ended with an error: {e}")))?;
    tracing::info!(?reason, "MCP session ended");
    Ok(())
}

/// How long in-flight calls may finish after stdin closes.
const EOF_GRACE: Duration = Duration::from_millis(750);
