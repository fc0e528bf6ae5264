//! `digiusher-mcp logout`: revoke at the provider (RFC 7009), then forget locally,
//! whatever the revocation's outcome.

use crate::auth::http::{OAuthHttp, transport};
use crate::auth::session::Account;
use crate::auth::store::{Credential, CredentialStore, OnDamage, SharedFile};
use crate::config::{AuthPaths, Settings};
use crate::secret::Secret;
use crate::terminal::{Clean, errln, outln};

pub async fn run(settings: Settings, local_only: bool) -> Result<(), String> {
    if settings.env_token.is_some() {
        errln!("Note: DIGIUSHER_TOKEN is set; logout does not affect it. Unset it yourself.");
    }
    let paths = settings.paths.clone();
    let profile = settings.profile.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let account = match paths.account_entry(&profile) {
            Ok(account) => account,
            Err(e) => match e.damage() {
                Some(damage) => return forget_damaged_account(&paths, &profile, &damage),
                None => return Err(format!("Cannot read the DigiUsher sign-in: {e}")),
            },
        };
        let Some(account) = account else {
            return Ok(Found::Nothing);
        };
        let store = CredentialStore::open(account.store, paths.credentials.clone())
            .map_err(|e| e.to_string())?;
        // A damaged credential has nothing to revoke, and is removed below.
        let credential = match store.load(&account.key(&profile)) {
            Ok(credential) => credential,
            Err(e) => match e.damage() {
                Some(damage) => {
                    errln!("Note: {damage}; it is removed.");
                    None
                }
                None => return Err(e.to_string()),
            },
        };
        Ok::<_, String>(Found::SignIn(Box::new((account, store, credential))))
    })
    .await
    .map_err(|e| e.to_string())??;
    let (account, store, credential) = match loaded {
        Found::SignIn(found) => *found,
        Found::Forgotten => return Ok(()),
        Found::Nothing => {
            outln!(
                "Not signed in (profile {}); nothing to do.",
                settings.profile
            );
            return Ok(());
        }
    };

    let revocation = match (&credential, local_only, &account.revocation_endpoint) {
        (_, true, _) => "skipped (--local-only)".to_string(),
        (None, _, _) => "nothing to revoke".to_string(),
        (Some(_), false, None) => "the provider has no revocation endpoint".to_string(),
        (Some(c), false, Some(endpoint)) => {
            let http = OAuthHttp::new().map_err(|e| e.to_string())?;
            let mut results = Vec::new();
            if let Some(rt) = &c.refresh_token {
                results.push(revoke(&http, &account, endpoint, rt, "refresh_token").await);
            }
            results.push(revoke(&http, &account, endpoint, &c.access_token, "access_token").await);
            match results.iter().find_map(|r| r.as_ref().err()) {
                None => "revoked at the identity provider".to_string(),
                Some(e) => {
                    format!("revocation failed ({e}); the credential is removed locally anyway")
                }
            }
        }
    };

    let paths = settings.paths.clone();
    let profile = settings.profile.clone();
    let key = account.key(&profile);
    tokio::task::spawn_blocking(move || {
        let deleted = store.delete(&key).map_err(|e| e.to_string());
        paths
            .set_account(&profile, None)
            .map_err(|e| e.to_string())?;
        deleted
    })
    .await
    .map_err(|e| e.to_string())??;
    outln!(
        "Signed out of DigiUsher (profile {}): token {}; local credential deleted.",
        settings.profile,
        Clean(revocation)
    );
    Ok(())
}

/// What logout found of the profile's sign-in.
enum Found {
    Nothing,
    /// A damaged record, already removed.
    Forgotten,
    SignIn(Box<(Account, CredentialStore, Option<Credential>)>),
}

/// The profile's entry in `accounts.json` cannot be read, so where its credential
/// is is unknown: forget the entry and any credential of the profile in the file
/// store. Nothing can be revoked. Says what it did.
fn forget_damaged_account(paths: &AuthPaths, profile: &str, damage: &str) -> Result<Found, String> {
    errln!("Note: {damage}; the profile's record is removed.");
    let prefix = format!("{profile}|");
    SharedFile::new(paths.credentials.clone())
        .update(OnDamage::Remove, |all| {
            all.retain(|key, _| !key.starts_with(&prefix))
        })
        .map_err(|e| e.to_string())?;
    paths
        .set_account(profile, None)
        .map_err(|e| e.to_string())?;
    outln!(
        "Signed out of DigiUsher (profile {profile}): its damaged record was removed locally; nothing was revoked at the identity provider."
    );
    Ok(Found::Forgotten)
}

/// RFC 7009 revocation as a public client.
async fn revoke(
    http: &OAuthHttp,
    account: &Account,
    endpoint: &str,
    token: &Secret,
    hint: &str,
) -> Result<(), String> {
    // The endpoint was stored in accounts.json, which anyone can edit.
    crate::config::secure_url(endpoint).map_err(|e| format!("the revocation endpoint {e}"))?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token.expose())
        .append_pair("token_type_hint", hint)
        .append_pair("client_id", &account.client_id)
        .finish();
    let response = http
        .client()
        .post(endpoint)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(|e| transport(e).to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "HTTP {} from the revocation endpoint",
            response.status().as_u16()
        ))
    }
}
