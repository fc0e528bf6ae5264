//! `digiusher-mcp login`: sign in once; every MCP host then works for weeks.

use std::time::Duration;

use crate::auth::login::{self, LoginOptions};
use crate::config::Settings;
use crate::terminal::{Clean, errln, outln};
use crate::time::rfc3339;

pub async fn run(settings: Settings, opts: LoginOptions) -> Result<(), String> {
    if settings.env_token.is_some() {
        errln!("Note: DIGIUSHER_TOKEN is set and wins over a stored sign-in until you unset it.");
    }
    let outcome = tokio::select! {
        r = login::login(&settings, &opts) => r.map_err(|e| format!("sign-in failed: {e}"))?,
        _ = tokio::signal::ctrl_c() => return Err("sign-in cancelled".into()),
    };
    if let Some(note) = &outcome.store_note {
        errln!("Warning: {}", Clean(note));
    }
    let who = match (&outcome.identity.name, &outcome.identity.email) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.clone(),
        (None, Some(e)) => e.clone(),
        (None, None) => outcome.identity.sub.clone(),
    };
    let kept = match outcome.store {
        crate::auth::store::StoreKind::Keychain => "the OS keychain".to_string(),
        crate::auth::store::StoreKind::File => settings.paths.credentials.display().to_string(),
    };
    // The name and email come from the ID token, the issuer from discovery.
    outln!("Signed in to DigiUsher as {}.", Clean(who));
    errln!(
        "Issuer {}; profile {}; credential kept in {kept}; access token valid until {}.",
        Clean(&outcome.issuer),
        settings.profile,
        rfc3339(outcome.expires_at)
    );
    if !outcome.has_refresh_token {
        errln!(
            "Warning: the identity provider issued no refresh token, so you will have to sign in again when the access token expires."
        );
    }
    Ok(())
}

pub fn options(no_browser: bool, device: bool, timeout: u64, callback_port: u16) -> LoginOptions {
    LoginOptions {
        no_browser,
        device,
        timeout: Duration::from_secs(timeout.clamp(1, 3600)),
        callback_port,
    }
}
