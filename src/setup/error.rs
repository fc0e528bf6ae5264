//! Why `setup` changed nothing: each error says what to do about it, in the
//! words the user sees.

use std::path::PathBuf;

use crate::setup_hosts::NoHome;

/// Why `setup` changed nothing; each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot find this program's path: {0}")]
    ThisProgram(#[source] std::io::Error),
    #[error(transparent)]
    NoHome(#[from] NoHome),
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{} does not hold a JSON object; fix or move it, then run setup again. Nothing was changed.", path.display())]
    NotAnObject { path: PathBuf },
    #[error(
        "{} is not valid JSON (line {}, column {}: {source}); fix or move it, then run setup again. Nothing was changed.",
        path.display(), source.line(), source.column()
    )]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("\"{key}\" in {} is not a JSON object; fix it, then run setup again. Nothing was changed.", path.display())]
    ServersNotAnObject { key: String, path: PathBuf },
    #[error("cannot write the backup {}: {source}", path.display())]
    Backup {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the configuration: {0}")]
    Encode(#[source] serde_json::Error),
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
    #[error("{title} has no install link: {instead}")]
    NoLink {
        title: &'static str,
        instead: &'static str,
    },
}
