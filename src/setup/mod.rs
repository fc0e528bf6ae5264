//! `digiusher-mcp setup <host>`: add this binary to an MCP host's configuration,
//! merging into the existing file, keeping every other server and key, with a
//! backup and an atomic write. A file that is not valid JSON is never touched.
//! The hosts are the rows of `setup_hosts`. This file does the work on top of
//! `entry`, `merge` and `link` and returns what it did; `commands/setup.rs`
//! tells the user.

mod entry;
mod error;
mod link;
mod merge;

use std::path::PathBuf;

use serde_json::json;

pub use error::SetupError;
pub use link::install_link;
pub use merge::{Applied, HOST_CONFIG_CAP};

use crate::setup_hosts::SetupHost;
use entry::entry;

/// What `--print` shows: the JSON to add, and the file to add it to.
pub struct Snippet {
    pub text: String,
    pub path: PathBuf,
}

/// The entry for this binary under the host's servers key, changing nothing.
pub fn snippet(host: &SetupHost, profile: Option<&str>) -> Result<Snippet, SetupError> {
    let (name, value) = entry(host, &this_binary()?, profile);
    let path = host.config_path()?;
    let snippet = json!({ host.entry.servers_key: { name: value } });
    let text = serde_json::to_string_pretty(&snippet).map_err(SetupError::Encode)?;
    Ok(Snippet { text, path })
}

/// What `install` did, and to which file.
pub struct Installed {
    pub name: String,
    pub path: PathBuf,
    pub applied: Applied,
}

/// Merge the entry for this binary into the host's file.
pub fn install(host: &SetupHost, profile: Option<&str>) -> Result<Installed, SetupError> {
    let (name, value) = entry(host, &this_binary()?, profile);
    let path = host.config_path()?;
    let applied = merge::apply(&path, host.entry.servers_key, &name, &value)?;
    Ok(Installed {
        name,
        path,
        applied,
    })
}

/// This program's path as hosts should start it: resolved, and without Windows'
/// `\\?\` prefix.
fn this_binary() -> Result<PathBuf, SetupError> {
    std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map(|p| crate::platform::Os::CURRENT.plain_path(p))
        .map_err(SetupError::ThisProgram)
}
