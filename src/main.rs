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
mod doctor;
mod files;
mod future;
mod http;
mod logging;
mod platform;
mod prompts;
mod release;
mod secret;
mod server;
mod setup;
mod terminal;
#[cfg(test)]
mod testing;
mod time;
mod tools;
mod transport;
mod untrusted;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use cli::{Cli, Command};
use commands::CommandError;
use config::Settings;
use terminal::{errln, outln};

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
    // Every command but `serve` needs a usable configuration; `serve` reports the
    // problem on each tool call instead, so that the host shows it to the user.
    let configured = |settings: Result<Settings, String>| settings.map_err(CommandError::Config);

    let result = match command {
        Command::Serve => runtime.block_on(commands::serve::run(settings)),
        Command::Tools { json } => commands::tools::run(json),
        Command::Setup { host, print, link } => {
            let profile = cli.global.profile.as_deref();
            if link {
                setup::print_link(host, profile)
            } else {
                setup::run(host, print, profile)
            }
            .map_err(CommandError::Failed)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Generated in memory: clap_complete panics when stdout is closed.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "digiusher-mcp", &mut script);
            outln!("{}", String::from_utf8_lossy(&script).trim_end());
            Ok(())
        }
        Command::Call { tool, args } => configured(settings).and_then(|settings| {
            runtime.block_on(commands::call::run(settings, &tool, args.as_deref()))
        }),
        Command::Status { json } => configured(settings)
            .and_then(|settings| runtime.block_on(commands::status::run(settings, json))),
        Command::Login {
            no_browser,
            device,
            timeout,
            callback_port,
        } => configured(settings).and_then(|settings| {
            let opts = commands::login::options(no_browser, device, timeout, callback_port);
            runtime.block_on(commands::login::run(settings, opts))
        }),
        Command::Logout { local_only } => configured(settings)
            .and_then(|settings| runtime.block_on(commands::logout::run(settings, local_only))),
        Command::Doctor {
            json,
            host,
            offline,
        } => {
            let opts = commands::doctor::Options {
                json,
                host,
                offline,
            };
            runtime.block_on(commands::doctor::run(settings, opts))
        }
        Command::Update {
            check,
            version,
            release_url,
        } => runtime.block_on(commands::update::run(
            check,
            version.as_deref(),
            release_url.as_deref(),
        )),
        Command::Token => configured(settings)
            .and_then(|settings| runtime.block_on(commands::token::run(settings))),
    };
    let code = commands::exit(result);
    // Do not wait for lingering blocking tasks (e.g. a DNS lookup) at exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}
