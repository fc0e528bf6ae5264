//! Command-line definitions. Values stay strings here: `config.rs` checks them, so
//! that a bad value can be reported by the tool calls instead of stopping the server.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "digiusher-mcp",
    version,
    about = "Local MCP server for DigiUsher: read-only cloud cost tools for Claude Desktop, Cursor, Claude Code and other MCP hosts.",
    long_about = None,
    after_help = "With no command, runs the MCP server on stdio (as `serve`); MCP hosts start it that way.\n\nEnvironment: DIGIUSHER_API_BASE_URL, DIGIUSHER_TOKEN, DIGIUSHER_PROFILE, DIGIUSHER_CONFIG,\nDIGIUSHER_MAX_RESULT_CHARS, DIGIUSHER_REQUEST_TIMEOUT, DIGIUSHER_MAX_RESPONSE_BYTES, RUST_LOG."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options that every command accepts. Each overrides its environment variable,
/// which overrides the config file.
#[derive(Debug, Default, Clone, Args)]
pub struct GlobalArgs {
    /// Profile to use, for several accounts or environments side by side [env: DIGIUSHER_PROFILE] [default: default]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// DigiUsher API base URL [env: DIGIUSHER_API_BASE_URL] [default: https://app.digiusher.com]
    #[arg(long, global = true, value_name = "URL")]
    pub api_base: Option<String>,

    /// Cut tool results longer than this many characters [env: DIGIUSHER_MAX_RESULT_CHARS] [default: 100000]
    #[arg(long, global = true, value_name = "N")]
    pub max_result_chars: Option<String>,

    /// Seconds to wait for each DigiUsher API request [env: DIGIUSHER_REQUEST_TIMEOUT] [default: 30]
    #[arg(long, global = true, value_name = "SECS")]
    pub request_timeout: Option<String>,

    /// Config file to read instead of the platform default [env: DIGIUSHER_CONFIG]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log level for stderr (error, warn, info, debug, trace); RUST_LOG wins when set
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Also write logs to this file (appended)
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the MCP server on stdio (the default when no command is given)
    Serve,
    /// List the tools this server offers
    Tools {
        /// Print the full MCP tool definitions (name, title, description, input schema, annotations) as JSON
        #[arg(long)]
        json: bool,
    },
    /// Run one tool from a terminal and print its result: the quickest way to check set-up
    Call {
        /// Tool name, e.g. list_organizations (see `digiusher-mcp tools`)
        tool: String,
        /// Tool arguments as a JSON object, e.g. '{"organization_id": "…"}'; `-` reads them from stdin
        #[arg(value_name = "JSON-ARGS")]
        args: Option<String>,
    },
}
