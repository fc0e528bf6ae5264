//! Finding the identity provider: a configured issuer, or the API's protected
//! resource metadata (RFC 9728); then its OpenID configuration, whose `issuer`
//! must equal the one asked for.

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{AdditionalProviderMetadata, JsonWebKeySet, ProviderMetadata};
use serde::{Deserialize, Serialize};

use super::http::{OAuthHttp, read_body, transport};

/// Endpoints beyond OpenID Connect Discovery that sign-in uses (the registration
/// endpoint is a standard field, read with `registration_endpoint()`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

pub type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("{0}")]
    Http(String),
    #[error(
        "the identity provider at {url} says its issuer is {found:?}, not {expected:?}; check DIGIUSHER_ISSUER (the issuer must match exactly)"
    )]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },
    #[error("cannot find the identity provider: {0}")]
    NotFound(String),
    #[error("the identity provider's configuration at {url} is not valid: {message}")]
    Invalid { url: String, message: String },
}

fn http_err(e: super::http::HttpError) -> DiscoveryError {
    DiscoveryError::Http(e.0)
}

/// GET a JSON document; `Ok(None)` on 404.
async fn get_json(
    http: &OAuthHttp,
    url: &str,
) -> Result<Option<serde_json::Value>, DiscoveryError> {
    let response = http
        .client()
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| http_err(transport(e)))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let body = read_body(response).await.map_err(http_err)?;
    if !status.is_success() {
        return Err(DiscoveryError::Http(format!(
            "{url} answered HTTP {}",
            status.as_u16()
        )));
    }
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| DiscoveryError::Invalid {
            url: url.to_string(),
            message: format!("not JSON ({e})"),
        })
}

/// The issuer named by the API's protected-resource metadata (RFC 9728).
pub async fn issuer_from_api(http: &OAuthHttp, api_base: &str) -> Result<String, DiscoveryError> {
    let mut url = format!("{api_base}/.well-known/oauth-protected-resource");
    let mut doc = get_json(http, &url).await?;
    if doc.is_none() {
        // Fall back to the resource_metadata parameter of a 401 challenge.
        let probe = format!("{api_base}/restapi/v2/organizations");
        let response = http
            .client()
            .get(&probe)
            .send()
            .await
            .map_err(|e| http_err(transport(e)))?;
        let challenge = response
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(resource_metadata_param);
        if let Some(metadata_url) = challenge {
            url = metadata_url;
            doc = get_json(http, &url).await?;
        }
    }
    let doc = doc.ok_or_else(|| {
        DiscoveryError::NotFound(format!(
            "{api_base} publishes no protected-resource metadata; set DIGIUSHER_ISSUER (or --issuer) to your DigiUsher sign-in issuer"
        ))
    })?;
    doc.get("authorization_servers")
        .and_then(|a| a.as_array())
        .and_then(|a| a.first())
        .and_then(|s| s.as_str())
        .map(|s| s.trim_end_matches('/').to_string())
        .ok_or_else(|| DiscoveryError::Invalid {
            url,
            message: "no authorization_servers listed".into(),
        })
}

/// `resource_metadata="…"` from a `WWW-Authenticate: Bearer …` header.
fn resource_metadata_param(header: &str) -> Option<String> {
    let start = header.find("resource_metadata=\"")? + "resource_metadata=\"".len();
    let rest = &header[start..];
    Some(rest[..rest.find('"')?].to_string())
}

/// Fetch the provider's configuration (OpenID form, RFC 8414 form as fallback),
/// require its `issuer` to equal `issuer`, and load its signing keys.
pub async fn provider_metadata(http: &OAuthHttp, issuer: &str) -> Result<Metadata, DiscoveryError> {
    let issuer = issuer.trim_end_matches('/');
    let oidc = format!("{issuer}/.well-known/openid-configuration");
    let (url, doc) = match get_json(http, &oidc).await? {
        Some(doc) => (oidc, doc),
        None => {
            let parsed = reqwest::Url::parse(issuer).map_err(|e| DiscoveryError::Invalid {
                url: issuer.to_string(),
                message: e.to_string(),
            })?;
            let rfc8414 = format!(
                "{}/.well-known/oauth-authorization-server{}",
                parsed.origin().ascii_serialization(),
                parsed.path().trim_end_matches('/')
            );
            let doc = get_json(http, &rfc8414).await?.ok_or_else(|| {
                DiscoveryError::NotFound(format!(
                    "{issuer} has no /.well-known/openid-configuration; is the issuer right?"
                ))
            })?;
            (rfc8414, doc)
        }
    };
    let found = doc
        .get("issuer")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    if found != issuer && found.trim_end_matches('/') != issuer {
        return Err(DiscoveryError::IssuerMismatch {
            url,
            expected: issuer.to_string(),
            found,
        });
    }
    let metadata: Metadata = serde_json::from_value(doc).map_err(|e| DiscoveryError::Invalid {
        url: url.clone(),
        message: e.to_string(),
    })?;
    let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), http)
        .await
        .map_err(|e| DiscoveryError::Invalid {
            url: metadata.jwks_uri().url().to_string(),
            message: format!("cannot load the signing keys: {e}"),
        })?;
    Ok(metadata.set_jwks(jwks))
}

#[cfg(test)]
mod tests {
    use super::resource_metadata_param;

    #[test]
    fn resource_metadata_is_read_from_the_challenge() {
        assert_eq!(
            resource_metadata_param(
                r#"Bearer resource_metadata="http://127.0.0.1:9/.well-known/oauth-protected-resource", error="invalid_token""#
            )
            .as_deref(),
            Some("http://127.0.0.1:9/.well-known/oauth-protected-resource")
        );
        assert_eq!(resource_metadata_param("Bearer realm=\"x\""), None);
    }
}
