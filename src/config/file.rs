//! The config file: one table per profile, read whole and checked strictly.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::ConfigError;

/// One profile's table in `config.toml`. Unknown keys are errors so that a typo is
/// reported instead of silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub api_base: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub scopes: Option<String>,
    pub token_store: Option<String>,
    pub auth_params: Option<BTreeMap<String, String>>,
    pub max_result_chars: Option<u64>,
    pub request_timeout_secs: Option<u64>,
    pub max_response_bytes: Option<u64>,
    pub sign_in: Option<String>,
    pub sign_in_wait_secs: Option<u64>,
}

/// Read one profile's table. A missing file is fine unless it was named explicitly.
pub fn load_profile(
    path: &Path,
    profile: &str,
    explicit: bool,
) -> Result<Option<ProfileFile>, ConfigError> {
    let text = match crate::files::read_text(path, crate::files::READ_CAP) {
        Ok(text) => text,
        Err(e) if e.is_not_found() && !explicit => return Ok(None),
        Err(e) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source: std::io::Error::other(e.reason()),
            });
        }
    };
    let mut profiles: BTreeMap<String, ProfileFile> =
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: one_line(&e.to_string()),
        })?;
    Ok(Some(profiles.remove(profile).unwrap_or_default()))
}

/// toml's messages span several lines with a source excerpt; keep them readable in one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "|")
        .collect::<Vec<_>>()
        .join(" ")
}
