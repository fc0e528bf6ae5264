//! `digiusher-mcp logout`: revoke at the provider (RFC 7009), then forget locally,
//! whatever the revocation's outcome.

use crate::auth::http::{OAuthHttp, transport};
use crate::auth::session::Account;
use crate::auth::store::CredentialStore;
use crate::config::Settings;
use crate::secret::Secret;
use crate::terminal::{Clean, errln, outln};

pub async fn run(settings: Settings, local_only: bool) -> Result<(), String> {
    if settings.env_token.is_some() {
        errln!("Note: DIGIUSHER_TOKEN is set; logout does not affect it. Unset it yourself.");
    }
    let paths = settings.paths.clone();
    let profile = settings.profile.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let account = paths.account(&profile).map_err(|e| e.to_string())?;
        let Some(account) = account else {
            return Ok(None);
        };
        let store = CredentialStore::open(account.store, paths.credentials.clone())
            .map_err(|e| e.to_string())?;
        let credential = store
            .load(&account.key(&profile))
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(Some((account, store, credential)))
    })
    .await
    .map_err(|e| e.to_string())??;
    let Some((account, store, credential)) = loaded else {
        outln!(
            "Not signed in (profile {}); nothing to do.",
            settings.profile
        );
        return Ok(());
    };

    let revocation = match (&credential, local_only, &account.revocation_endpoint) {
        (_, true, _) => "skipped (--local-only)".to_string(),
        (None, _, _) => "nothing to revoke".to_string(),
        (Some(_), false, None) => "the provider has no revocation endpoint".to_string(),
        (Some(c), false, Some(endpoint)) => {
            let http = OAuthHttp::new().map_err(|e| e.0)?;
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

/// RFC 7009 revocation as a public client.
async fn revoke(
    http: &OAuthHttp,
    account: &Account,
    endpoint: &str,
    token: &Secret,
    hint: &str,
) -> Result<(), String> {
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
        .map_err(|e| transport(e).0)?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "HTTP {} from the revocation endpoint",
            response.status().as_u16()
        ))
    }
}
