//! digiusher-mcp: a local MCP server for DigiUsher.
//!
//! `main` parses the command line, sets up logging and the runtime, and hands over
//! to one command in `commands/`. The server (`server.rs`) serves the tool catalog
//! (`tools/`), whose tools call the DigiUsher API (`api/`) with tokens from `auth/`.

mod api;
mod auth;
mod cli;
mod commands;
mod config;
mod logging;
mod secret;
mod server;
mod tools;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use cli::{Cli, Command};
use config::Settings;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    let serving = matches!(command, Command::Serve);
    logging::init(
        cli.global.log_level.as_deref(),
        cli.global.log_file.as_deref(),
        if serving { "info" } else { "warn" },
    );

    // One thread is plenty for a stdio server whose work is waiting on the network.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let settings = Settings::resolve(&cli.global).map_err(|e| e.to_string());

    let code = match command {
        Command::Serve => match runtime.block_on(commands::serve::run(settings)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
        Command::Tools { json } => match commands::tools::run(json) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
        Command::Call { tool, args } => match settings {
            Ok(settings) => runtime.block_on(commands::call::run(settings, &tool, args.as_deref())),
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        },
    };
    // Do not wait for lingering blocking tasks (e.g. a DNS lookup) at exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}
