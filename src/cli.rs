//! Command-line definitions. Values stay strings here: `config.rs` checks them, so
//! that a bad value can be reported by the tool calls instead of stopping the server.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::setup_hosts::SetupHost;

#[derive(Debug, Parser)]
#[command(
    name = "digiusher-mcp",
    version,
    about = "Local MCP server for DigiUsher: read-only cloud cost tools for Claude Desktop, Cursor, Claude Code and other MCP hosts.",
    long_about = None,
    after_help = "With no command, runs the MCP server on stdio (as `serve`); MCP hosts start it that way.\n\nEnvironment: DIGIUSHER_API_BASE_URL, DIGIUSHER_TOKEN, DIGIUSHER_PROFILE, DIGIUSHER_CONFIG,\nDIGIUSHER_ISSUER, DIGIUSHER_CLIENT_ID, DIGIUSHER_SCOPES, DIGIUSHER_TOKEN_STORE,\nDIGIUSHER_MAX_RESULT_CHARS, DIGIUSHER_REQUEST_TIMEOUT, DIGIUSHER_MAX_RESPONSE_BYTES, RUST_LOG."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The command line as given. `setup --list` (every host's name, one a line,
    /// for install.sh) is added here and not in the definitions below, because the
    /// completion scripts offer even hidden switches and users need not see it.
    pub fn from_command_line() -> Cli {
        let list = Arg::new("list")
            .long("list")
            .action(ArgAction::SetTrue)
            .exclusive(true)
            .hide(true);
        let matches = Cli::command()
            .mut_subcommand("setup", |setup| setup.arg(list))
            .get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
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

    /// OpenID Connect issuer to sign in with [env: DIGIUSHER_ISSUER] [default: discovered from the API]
    #[arg(long, global = true, value_name = "URL")]
    pub issuer: Option<String>,

    /// OAuth client id [env: DIGIUSHER_CLIENT_ID] [default: registered dynamically]
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,

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
    /// Sign in to DigiUsher in the browser (OAuth 2.0 Authorization Code + PKCE)
    Login {
        /// Do not launch a browser; open the printed URL yourself
        #[arg(long)]
        no_browser: bool,
        /// Use the device authorization grant (sign in on another device), where offered
        #[arg(long)]
        device: bool,
        /// Seconds to wait for the sign-in to complete
        #[arg(long, value_name = "SECS", default_value_t = 300)]
        timeout: u64,
        /// Port of the loopback listener on 127.0.0.1 (0 picks a free one)
        #[arg(long, value_name = "N", default_value_t = 0)]
        callback_port: u16,
    },
    /// Revoke the sign-in at the provider and forget it on this machine
    Logout {
        /// Only forget it on this machine; do not contact the provider
        #[arg(long)]
        local_only: bool,
    },
    /// Show who is signed in, where the credential is kept and when it expires (exit 1 when sign-in is needed)
    Status {
        /// Print the status as JSON
        #[arg(long)]
        json: bool,
    },
    /// Print a valid access token (refreshing it first), for scripts
    Token,
    /// Add this server to an MCP host's configuration (merging, with a backup)
    Setup {
        /// The MCP host to configure
        // Absent only with `--list`, which `Cli::from_command_line` adds.
        #[arg(value_enum, required = true)]
        host: Option<SetupHost>,
        /// Only print the JSON to add; change nothing
        #[arg(long)]
        print: bool,
        /// Print the host's one-click install link for the npm form (npx -y @digiusher/mcp) instead; cursor and vscode
        #[arg(long, conflicts_with = "print")]
        link: bool,
    },
    /// Check this set-up and say what to fix: the binary, each MCP host's entry (with a real handshake), the sign-in, the network. Changes nothing; exit 1 when a check failed
    Doctor {
        /// Print one JSON object with every check (id, status, detail, fix), for support tickets
        #[arg(long)]
        json: bool,
        /// Check only this MCP host
        #[arg(long, value_enum, value_name = "HOST")]
        host: Option<SetupHost>,
        /// Make no network requests (no release check, sign-in or API checks)
        #[arg(long)]
        offline: bool,
    },
    /// Update this binary to the latest release, verified against the release's SHA256SUMS (installer and standalone copies; npm and .mcpb copies update their own way)
    Update {
        /// Only say whether a newer release exists; change nothing
        #[arg(long)]
        check: bool,
        /// Install this release (e.g. v1.2.3), also an older one, instead of the latest
        #[arg(long, value_name = "vX.Y.Z", conflicts_with = "release_url")]
        version: Option<String>,
        /// Take the release from this folder of release files [env: DIGIUSHER_MCP_RELEASE_URL] [default: the latest GitHub release]
        #[arg(long, value_name = "URL")]
        release_url: Option<String>,
    },
    /// Print a shell completion script, e.g. `digiusher-mcp completions bash > ~/.local/share/bash-completion/completions/digiusher-mcp`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
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
