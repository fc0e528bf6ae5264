//! `digiusher-mcp completions <shell>`: the shell completion script for this
//! command line.

use clap::CommandFactory;

use super::CommandError;
use crate::cli::Cli;
use crate::terminal::outln;

pub fn run(shell: clap_complete::Shell) -> Result<(), CommandError> {
    // Generated in memory: clap_complete panics when stdout is closed.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "digiusher-mcp", &mut script);
    outln!("{}", String::from_utf8_lossy(&script).trim_end());
    Ok(())
}
