//! `digiusher-mcp update [--check] [--version vX.Y.Z] [--release-url URL]`: put the
//! newest (or the given) release in place of this binary, verified against the
//! release's SHA256SUMS and tried before it replaces anything. Copies that npm or
//! an MCP Bundle manage are left alone, with how they update instead.

use std::time::Duration;

use super::CommandError;
use crate::release::{self, Installed, ReleaseError, Version};
use crate::terminal::{Clean, errln, outln};

/// The release check is one small file; the archive is a few MB.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// Every failure leaves the old binary as it was; the message says so.
fn failed(e: ReleaseError) -> CommandError {
    CommandError::Failed(format!("{e}. Nothing was changed."))
}

pub async fn run(
    check_only: bool,
    version: Option<&str>,
    release_url: Option<&str>,
) -> Result<(), CommandError> {
    let wanted = match version {
        Some(v) => Some(Version::parse(v).ok_or_else(|| {
            CommandError::Usage(format!("--version {v}: give a release version like v1.2.3"))
        })?),
        None => None,
    };
    let env_url = std::env::var("DIGIUSHER_MCP_RELEASE_URL").ok();
    let base = release::release_url(release_url, env_url.as_deref(), wanted.as_ref())
        .map_err(|e| CommandError::Usage(e.to_string()))?;
    let (exe, how) = release::this_binary().map_err(failed)?;
    let current = Version::current();

    let available = release::check(base.clone(), CHECK_TIMEOUT)
        .await
        .map_err(failed)?;
    let latest = available.version.clone();
    let newer = available.is_newer();
    let shown = |v: &Option<Version>| {
        v.as_ref()
            .map_or("unknown".to_string(), |v| format!("v{v}"))
    };
    if check_only {
        match (&latest, newer) {
            (Some(v), true) => outln!(
                "A newer release is available: v{v} (this is v{current}). Run `digiusher-mcp update` to install it."
            ),
            (Some(v), false) => {
                outln!("digiusher-mcp v{current} is up to date (the release at {base} is v{v}).")
            }
            (None, _) => {
                outln!("The release at {base} does not say its version; this is v{current}.")
            }
        }
        if let Some(how_else) = how.updated_elsewhere() {
            outln!("{how_else}");
        }
        return Ok(());
    }
    if let Some(how_else) = how.updated_elsewhere() {
        return Err(CommandError::Failed(how_else.to_string()));
    }
    if wanted.is_none() && !newer && latest.is_some() {
        outln!(
            "digiusher-mcp v{current} is up to date (latest release: {}). Nothing to do.",
            shown(&latest)
        );
        return Ok(());
    }
    if let (Some(w), Some(l)) = (&wanted, &latest)
        && w != l
    {
        return Err(CommandError::Failed(format!(
            "the release at {base} is v{l}, not the v{w} asked for. Nothing was changed."
        )));
    }

    let target = release::this_target().map_err(failed)?;
    errln!(
        "Downloading {} ({}) from {base}",
        release::archive_name(&target),
        shown(&latest)
    );
    let scratch = release::Scratch::new().map_err(failed)?;
    let new = release::download_binary(&available, &target, scratch.path(), DOWNLOAD_TIMEOUT)
        .await
        .map_err(failed)?;
    errln!("Verified against SHA256SUMS.");
    let runs = release::version_of(&new).await.map_err(failed)?;
    if latest.as_ref().is_some_and(|l| *l != runs) {
        return Err(failed(ReleaseError::DoesNotRun(format!(
            "it reports v{runs}, but the release is {}",
            shown(&latest)
        ))));
    }
    // A release that did not name its version is installed only when newer.
    if wanted.is_none() && runs <= current {
        outln!(
            "digiusher-mcp v{current} is up to date (the release holds v{runs}). Nothing to do."
        );
        return Ok(());
    }
    release::replace_running(&new).map_err(failed)?;
    outln!(
        "Updated {} from v{current} to v{runs} ({}).",
        Clean(exe.display()),
        if how == Installed::Unknown {
            "a standalone binary"
        } else {
            how.describe()
        }
    );
    outln!("Restart your MCP hosts (or start a new session) to use it.");
    Ok(())
}
