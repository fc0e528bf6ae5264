//! `digiusher-mcp login`: sign in once; every MCP host then works for weeks.

use std::time::Duration;

use super::CommandError;
use crate::auth::login::{
    BrowserAttempt, DeviceAttempt, Flow, LoginError, LoginOptions, LoginOutcome, Notice, Provider,
};
use crate::config::Settings;
use crate::terminal::{Clean, errln, outln};
use crate::time::rfc3339;

pub async fn run(settings: Settings, opts: LoginOptions) -> Result<(), CommandError> {
    if settings.env_token.is_some() {
        errln!("Note: DIGIUSHER_TOKEN is set and wins over a stored sign-in until you unset it.");
    }
    let outcome = tokio::select! {
        r = sign_in(&settings, &opts) => r.map_err(|e| CommandError::Failed(format!("sign-in failed: {e}")))?,
        _ = tokio::signal::ctrl_c() => return Err(CommandError::Failed("sign-in cancelled".into())),
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

/// Run the sign-in steps, telling the terminal what happens.
async fn sign_in(settings: &Settings, opts: &LoginOptions) -> Result<LoginOutcome, LoginError> {
    if settings.issuer.is_none() {
        errln!("Looking up the sign-in provider of {} …", settings.api_base);
    }
    if opts.device {
        let provider = Provider::discover(settings, Flow::Device, tell).await?;
        device(DeviceAttempt::start(provider).await?, opts).await
    } else {
        browser(
            BrowserAttempt::prepare(settings, opts.callback_port, tell).await?,
            opts,
        )
        .await
    }
}

/// What the sign-in steps want the user to know on the way.
fn tell(notice: Notice) {
    errln!("{notice}");
}

async fn browser(attempt: BrowserAttempt, opts: &LoginOptions) -> Result<LoginOutcome, LoginError> {
    let url = attempt.url();
    errln!(
        "Sign in to DigiUsher in your browser (identity provider {}):\n\n    {url}\n",
        Clean(attempt.issuer())
    );
    if opts.no_browser {
        errln!(
            "Open the URL above in a browser on this machine (--no-browser: none was launched)."
        );
    } else {
        match crate::auth::browser::open(url) {
            Ok(how) => errln!("The sign-in page was {how}."),
            Err(why) => errln!("No browser was launched ({why}); open the URL above yourself."),
        }
    }
    crate::terminal::with_countdown(
        "Waiting for the sign-in in the browser",
        opts.timeout,
        attempt.finish(opts.timeout),
    )
    .await
}

async fn device(attempt: DeviceAttempt, opts: &LoginOptions) -> Result<LoginOutcome, LoginError> {
    errln!(
        "To sign in, open {} on any device and enter the code {}",
        Clean(attempt.verification_uri()),
        Clean(attempt.user_code())
    );
    if let Some(complete) = attempt.verification_uri_complete() {
        errln!("(or open {} directly)", Clean(complete));
    }
    crate::terminal::with_countdown(
        "Waiting for you to approve",
        opts.timeout,
        attempt.finish(opts.timeout),
    )
    .await
}

pub fn options(no_browser: bool, device: bool, timeout: u64, callback_port: u16) -> LoginOptions {
    LoginOptions {
        no_browser,
        device,
        timeout: Duration::from_secs(timeout.clamp(1, 3600)),
        callback_port,
    }
}
