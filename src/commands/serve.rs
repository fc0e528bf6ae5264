//! `digiusher-mcp` / `digiusher-mcp serve`: the MCP server on stdio.

use std::io::IsTerminal;

use rmcp::ServiceExt;

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
    let service = DigiUsherServer::new(settings)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("MCP session failed to start: {e}"))?;
    let reason = service
        .waiting()
        .await
        .map_err(|e| format!("MCP session ended with an error: {e}"))?;
    tracing::info!(?reason, "MCP session ended");
    Ok(())
}
