//! One module per command of the command line. Commands print and choose the exit
//! code; the work is done in `auth/`, `tools/` and `server.rs`.

pub mod call;
pub mod completions;
pub mod doctor;
pub mod login;
pub mod logout;
pub mod serve;
pub mod setup;
pub mod status;
pub mod token;
pub mod tools;
pub mod update;

use std::process::ExitCode;

use crate::config::ConfigError;
use crate::setup::SetupError;
use crate::terminal::{Clean, errln};

/// Why a command did not succeed, and so which exit code it ends with.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The configuration cannot be resolved: exit 2.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A bad command line (an unknown tool, arguments that are not JSON): exit 2.
    #[error("{0}")]
    Usage(String),
    /// The command failed: exit 1.
    #[error("{0}")]
    Failed(String),
    /// `setup` changed nothing, for the reason it gives: exit 1.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// Signed out, which the command has already said on stdout: exit 1.
    #[error("not signed in")]
    NotSignedIn,
    /// A check failed, which the command has already printed: exit 1.
    #[error("a check failed")]
    Reported,
}

impl CommandError {
    /// 2 when the command could not start as given, 1 when it ran and failed.
    pub fn code(&self) -> u8 {
        match self {
            CommandError::Config(_) | CommandError::Usage(_) => 2,
            CommandError::Failed(_)
            | CommandError::Setup(_)
            | CommandError::NotSignedIn
            | CommandError::Reported => 1,
        }
    }

    /// Print the error (unless the command already told) and give the exit code.
    ///
    /// Errors are one line of our words around text from servers or files (a
    /// provider's `error_description`, an excerpt of a config file): escaping the
    /// whole line here covers every error, whichever layer wrapped the foreign text.
    pub fn report(&self) -> ExitCode {
        if !matches!(self, CommandError::NotSignedIn | CommandError::Reported) {
            errln!("error: {}", Clean(self));
        }
        ExitCode::from(self.code())
    }
}

impl From<String> for CommandError {
    fn from(message: String) -> CommandError {
        CommandError::Failed(message)
    }
}

/// Exit 0, or print the error and exit with its code.
pub fn exit(result: Result<(), CommandError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_and_usage_exit_2_failures_exit_1() {
        let config = ConfigError::Value {
            source_name: "--api-base".into(),
            message: "x".into(),
        };
        assert_eq!(CommandError::Config(config).code(), 2);
        assert_eq!(CommandError::Usage("x".into()).code(), 2);
        assert_eq!(CommandError::Failed("x".into()).code(), 1);
        assert_eq!(CommandError::NotSignedIn.code(), 1);
        assert_eq!(CommandError::Reported.code(), 1);
        assert_eq!(CommandError::from("x".to_string()).code(), 1);
        let setup = SetupError::NotAnObject {
            path: "/x.json".into(),
        };
        assert_eq!(CommandError::Setup(setup).code(), 1);
    }
}
