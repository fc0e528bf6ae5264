//! Dynamic client registration (RFC 7591) of a public native client, cached per
//! issuer so that every sign-in reuses the same client id.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::http::{OAuthHttp, read_body, transport};
use super::store::{OnDamage, SharedFile, StoreError};
use crate::config::secure_url;
use crate::secret::Secret;
use crate::untrusted::{PROVIDER_TEXT_CAP, quoted};

/// The redirect URI registered: loopback, any port (RFC 8252 section 7.3).
pub const REGISTERED_REDIRECT: &str = "http://127.0.0.1/callback";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registration {
    pub client_id: String,
    /// RFC 7592 management URI and token, to check the registration still exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_client_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<Secret>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error(
        "the identity provider offers no dynamic client registration; set DIGIUSHER_CLIENT_ID (or --client-id) to the client id DigiUsher gave you"
    )]
    NotOffered,
    #[error("client registration failed: {0}")]
    Failed(String),
    #[error("refusing the registration_client_uri sent by {from}: it {source}")]
    Refused {
        from: String,
        source: crate::config::UrlError,
    },
}

/// Cached registrations, by issuer, in the config folder. A damaged cache is only
/// a cache: it reads as empty and is dropped at the next change.
pub struct RegistrationCache {
    file: SharedFile,
}

impl RegistrationCache {
    pub fn new(path: PathBuf) -> RegistrationCache {
        RegistrationCache {
            file: SharedFile::new(path),
        }
    }

    pub fn get(&self, issuer: &str) -> Option<Registration> {
        self.file.get(issuer).ok().flatten()
    }

    pub fn put(&self, issuer: &str, registration: &Registration) -> Result<(), StoreError> {
        let value = serde_json::to_value(registration).map_err(|e| self.file.error(e))?;
        self.file
            .update(OnDamage::Remove, |all| {
                all.insert(issuer.to_string(), value);
            })
            .map(drop)
    }

    pub fn forget(&self, issuer: &str) {
        let _ = self.file.update(OnDamage::Remove, |all| {
            all.remove(issuer);
        });
    }
}

/// Register a public native client.
pub async fn register(
    http: &OAuthHttp,
    endpoint: &str,
    scopes: &[String],
    device_flow: bool,
) -> Result<Registration, RegistrationError> {
    let mut grant_types = vec!["authorization_code", "refresh_token"];
    if device_flow {
        grant_types.push("urn:ietf:params:oauth:grant-type:device_code");
    }
    let body = json!({
        "client_name": "digiusher-mcp",
        "application_type": "native",
        "token_endpoint_auth_method": "none",
        "redirect_uris": [REGISTERED_REDIRECT],
        "grant_types": grant_types,
        "response_types": ["code"],
        "scope": scopes.join(" "),
    });
    let response = http
        .client()
        .post(endpoint)
        .json(&body)
        .send()
        .await
        .map_err(|e| RegistrationError::Failed(transport(e).to_string()))?;
    let status = response.status();
    let bytes = read_body(response)
        .await
        .map_err(|e| RegistrationError::Failed(e.to_string()))?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if !status.is_success() {
        return Err(refusal(status.as_u16(), endpoint, &doc));
    }
    let client_id = doc
        .get("client_id")
        .and_then(|v| v.as_str())
        .ok_or_else(|| RegistrationError::Failed("the response has no client_id".into()))?;
    // The management URI is later sent the registration access token.
    let registration_client_uri = doc
        .get("registration_client_uri")
        .and_then(|v| v.as_str())
        .map(|uri| {
            secure_url(uri)
                .map(String::from)
                .map_err(|source| RegistrationError::Refused {
                    from: endpoint.to_string(),
                    source,
                })
        })
        .transpose()?;
    Ok(Registration {
        client_id: client_id.to_string(),
        registration_client_uri,
        registration_access_token: doc
            .get("registration_access_token")
            .and_then(|v| v.as_str())
            .map(Secret::new),
    })
}

/// Whether the provider still knows a cached registration (RFC 7592 read). Without
/// a management URI we cannot tell, and assume it does.
pub async fn still_valid(http: &OAuthHttp, registration: &Registration) -> bool {
    let (Some(uri), Some(token)) = (
        &registration.registration_client_uri,
        &registration.registration_access_token,
    ) else {
        return true;
    };
    // A cached URI that breaks the rule (an edited file) is not sent the token; a
    // fresh registration replaces it.
    if let Err(e) = secure_url(uri) {
        tracing::warn!("not checking the cached client registration: its URI {e}");
        return false;
    }
    match http
        .client()
        .get(uri)
        .bearer_auth(token.expose())
        .send()
        .await
    {
        Ok(r) => !matches!(r.status().as_u16(), 401 | 403 | 404),
        // A network problem will show up again in the sign-in itself.
        Err(_) => true,
    }
}

/// A registration endpoint's refusal, its reason quoted as the provider's words.
fn refusal(status: u16, endpoint: &str, doc: &serde_json::Value) -> RegistrationError {
    let reason = doc
        .get("error_description")
        .or(doc.get("error"))
        .and_then(|v| v.as_str())
        .unwrap_or("no reason given");
    RegistrationError::Failed(format!(
        "HTTP {status} from {endpoint}; the provider answered: {}",
        quoted(reason, PROVIDER_TEXT_CAP)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_registration_quotes_the_provider() {
        let doc = serde_json::json!({"error_description": crate::untrusted::HOSTILE});
        let error = refusal(400, "https://idp.example/reg", &doc);
        crate::untrusted::assert_marked(&error.to_string());
    }
}
