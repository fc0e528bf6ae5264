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
mod files;
mod http;
mod logging;
mod prompts;
mod secret;
mod server;
mod setup;
mod terminal;
mod time;
mod tools;
mod transport;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use cli::{Cli, Command};
use config::Settings;
use terminal::{Clean, errln, outln};

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
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let settings = Settings::resolve(&cli.global).map_err(|e| e.to_string());

    let code = match command {
        Command::Serve => report(runtime.block_on(commands::serve::run(settings))),
        Command::Tools { json } => report(commands::tools::run(json)),
        Command::Setup { host, print, link } => {
            let profile = cli.global.profile.as_deref();
            report(if link {
                setup::print_link(host, profile)
            } else {
                setup::run(host, print, profile)
            })
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Generated in memory: clap_complete panics when stdout is closed.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "digiusher-mcp", &mut script);
            outln!("{}", String::from_utf8_lossy(&script).trim_end());
            ExitCode::SUCCESS
        }
        Command::Call { tool, args } => match settings {
            Ok(settings) => runtime.block_on(commands::call::run(settings, &tool, args.as_deref())),
            Err(message) => config_error(&message),
        },
        Command::Status { json } => match settings {
            Ok(settings) => runtime.block_on(commands::status::run(settings, json)),
            Err(message) => config_error(&message),
        },
        Command::Login {
            no_browser,
            device,
            timeout,
            callback_port,
        } => match settings {
            Ok(settings) => {
                let opts = commands::login::options(no_browser, device, timeout, callback_port);
                report(runtime.block_on(commands::login::run(settings, opts)))
            }
            Err(message) => config_error(&message),
        },
        Command::Logout { local_only } => match settings {
            Ok(settings) => report(runtime.block_on(commands::logout::run(settings, local_only))),
            Err(message) => config_error(&message),
        },
        Command::Token => match settings {
            Ok(settings) => report(runtime.block_on(commands::token::run(settings))),
            Err(message) => config_error(&message),
        },
    };
    // Do not wait for lingering blocking tasks (e.g. a DNS lookup) at exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

/// Exit 0, or print the error and exit 1.
fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            print_error(&message);
            ExitCode::FAILURE
        }
    }
}

/// A configuration problem stops a terminal command with exit code 2.
fn config_error(message: &str) -> ExitCode {
    print_error(message);
    ExitCode::from(2)
}

/// Errors are one line of our words around text from servers or files (a
/// provider's `error_description`, an excerpt of a config file): escaping the
/// whole line here covers every error, whichever layer wrapped the foreign text.
fn print_error(message: &str) {
    errln!("error: {}", Clean(message));
}
