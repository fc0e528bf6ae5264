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
mod setup_hosts;
mod terminal;
#[cfg(test)]
mod testing;
mod time;
mod tools;
mod transport;
mod untrusted;

use std::process::ExitCode;
use std::time::Duration;

use tokio::runtime::Runtime;

use cli::{Cli, Command, GlobalArgs};
use commands::CommandError;
use config::Settings;
use terminal::errln;

fn main() -> ExitCode {
    let cli = Cli::from_command_line();
    let command = cli.command.unwrap_or(Command::Serve);
    let serving = matches!(command, Command::Serve);
    let log_problems = logging::init(
        cli.global.log_level.as_deref(),
        cli.global.log_file.as_deref(),
        if serving { "info" } else { "warn" },
    );
    for problem in log_problems {
        errln!("digiusher-mcp: {problem}");
    }

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
    let code = commands::exit(dispatch(command, &cli.global, &runtime));
    // Do not wait for lingering blocking tasks (e.g. a DNS lookup) at exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

/// Hand the command to its module in `commands/`.
fn dispatch(command: Command, global: &GlobalArgs, runtime: &Runtime) -> Result<(), CommandError> {
    let settings = Settings::resolve(global);
    // Every command but `serve` and `doctor` needs a usable configuration (`settings?`);
    // `serve` reports the problem on each tool call instead, so that the host shows
    // it to the user, and `doctor` as one of its checks.
    match command {
        Command::Serve => runtime.block_on(commands::serve::run(settings)),
        Command::Tools { json } => commands::tools::run(json),
        Command::Setup { host, print, link } => {
            let action = commands::setup::Action::new(host, print, link);
            commands::setup::run(action, global.profile.as_deref())
        }
        Command::Completions { shell } => commands::completions::run(shell),
        Command::Call { tool, args } => {
            runtime.block_on(commands::call::run(settings?, &tool, args.as_deref()))
        }
        Command::Status { json } => runtime.block_on(commands::status::run(settings?, json)),
        Command::Login {
            no_browser,
            device,
            timeout,
            callback_port,
        } => {
            let opts = commands::login::options(no_browser, device, timeout, callback_port);
            runtime.block_on(commands::login::run(settings?, opts))
        }
        Command::Logout { local_only } => {
            runtime.block_on(commands::logout::run(settings?, local_only))
        }
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
        Command::Token => runtime.block_on(commands::token::run(settings?)),
    }
}
