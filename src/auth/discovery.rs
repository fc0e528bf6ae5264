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
use crate::config::{UrlError, secure_url, service_url};
use crate::untrusted::{PROVIDER_TEXT_CAP, quoted};

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
        "the identity provider at {url} says its issuer is {}, not {expected:?}; check DIGIUSHER_ISSUER (the issuer must match exactly)",
        quoted(.found, PROVIDER_TEXT_CAP)
    )]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },
    #[error("cannot find the identity provider: {0}")]
    NotFound(String),
    #[error(
        "the identity provider's configuration at {url} is not valid: {}",
        quoted(.message, PROVIDER_TEXT_CAP)
    )]
    Invalid { url: String, message: String },
    #[error("refusing the {what} named by {from}: it {source}")]
    Refused {
        what: &'static str,
        from: String,
        source: UrlError,
    },
    #[error(
        "the protected-resource metadata at {url} is for {}, not for the API base {expected}; check DIGIUSHER_API_BASE_URL",
        quoted(.found, PROVIDER_TEXT_CAP)
    )]
    ResourceMismatch {
        url: String,
        expected: String,
        found: String,
    },
}

/// Check a URL that came from a document at `from` against the rule for URLs a
/// secret goes to; the URL comes back parsed, so control characters are escaped.
fn refuse_insecure(what: &'static str, from: &str, raw: &str) -> Result<String, DiscoveryError> {
    secure_url(raw)
        .map(String::from)
        .map_err(|source| DiscoveryError::Refused {
            what,
            from: from.to_string(),
            source,
        })
}

/// Whether a protected resource identifier names the API base: same scheme, host,
/// port and path (a trailing `/` aside). RFC 9728 requires the metadata's
/// `resource` to be the resource it was fetched for, so that one API cannot send
/// its users to another API's identity provider.
pub fn same_resource(resource: &str, api_base: &str) -> bool {
    let (Ok(a), Ok(b)) = (
        reqwest::Url::parse(resource.trim()),
        reqwest::Url::parse(api_base.trim()),
    ) else {
        return false;
    };
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
        && a.query() == b.query()
        && a.fragment().is_none()
        && a.username().is_empty()
        && a.password().is_none()
}

fn http_err(e: super::http::HttpError) -> DiscoveryError {
    DiscoveryError::Http(e.to_string())
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
            url = refuse_insecure("resource_metadata URL", &probe, &metadata_url)?;
            doc = get_json(http, &url).await?;
        }
    }
    let doc = doc.ok_or_else(|| {
        DiscoveryError::NotFound(format!(
            "{api_base} publishes no protected-resource metadata; set DIGIUSHER_ISSUER (or --issuer) to your DigiUsher sign-in issuer"
        ))
    })?;
    issuer_in_metadata(&doc, &url, api_base)
}

/// The first authorization server of RFC 9728 metadata fetched from `url`, once
/// the metadata proves to be about `api_base` and the server passes the URL rule.
fn issuer_in_metadata(
    doc: &serde_json::Value,
    url: &str,
    api_base: &str,
) -> Result<String, DiscoveryError> {
    let resource = doc.get("resource").and_then(|r| r.as_str()).unwrap_or("");
    if !same_resource(resource, api_base) {
        return Err(DiscoveryError::ResourceMismatch {
            url: url.to_string(),
            expected: api_base.to_string(),
            found: resource.to_string(),
        });
    }
    let server = doc
        .get("authorization_servers")
        .and_then(|a| a.as_array())
        .and_then(|a| a.first())
        .and_then(|s| s.as_str())
        .ok_or_else(|| DiscoveryError::Invalid {
            url: url.to_string(),
            message: "no authorization_servers listed".into(),
        })?;
    service_url(server).map_err(|source| DiscoveryError::Refused {
        what: "authorization server",
        from: url.to_string(),
        source,
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
    let issuer = service_url(issuer).map_err(|source| DiscoveryError::Refused {
        what: "issuer",
        from: "the sign-in settings".into(),
        source,
    })?;
    let issuer = issuer.as_str();
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
    check_endpoints(&metadata, &url)?;
    let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), http)
        .await
        .map_err(|e| DiscoveryError::Invalid {
            url: metadata.jwks_uri().url().to_string(),
            message: format!("cannot load the signing keys: {e}"),
        })?;
    Ok(metadata.set_jwks(jwks))
}

/// Every endpoint the app may send a code, verifier, token or registration to, or
/// load signing keys from, must pass the URL rule; checked here, right after
/// discovery, so that no later step can forget.
fn check_endpoints(metadata: &Metadata, from: &str) -> Result<(), DiscoveryError> {
    let extra = metadata.additional_metadata();
    let endpoints = [
        (
            "authorization_endpoint",
            Some(metadata.authorization_endpoint().url().as_str()),
        ),
        (
            "token_endpoint",
            metadata.token_endpoint().map(|u| u.url().as_str()),
        ),
        (
            "userinfo_endpoint",
            metadata.userinfo_endpoint().map(|u| u.url().as_str()),
        ),
        ("jwks_uri", Some(metadata.jwks_uri().url().as_str())),
        (
            "registration_endpoint",
            metadata.registration_endpoint().map(|u| u.url().as_str()),
        ),
        ("revocation_endpoint", extra.revocation_endpoint.as_deref()),
        (
            "device_authorization_endpoint",
            extra.device_authorization_endpoint.as_deref(),
        ),
    ];
    for (what, url) in endpoints {
        if let Some(url) = url {
            refuse_insecure(what, from, url)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_words_in_discovery_errors_are_quoted_data() {
        let hostile = crate::untrusted::HOSTILE.to_string();
        for error in [
            DiscoveryError::IssuerMismatch {
                url: "https://id.example/.well-known/openid-configuration".into(),
                expected: "https://id.example".into(),
                found: hostile.clone(),
            },
            DiscoveryError::Invalid {
                url: "https://id.example".into(),
                message: hostile.clone(),
            },
            DiscoveryError::ResourceMismatch {
                url: "https://api.example/.well-known/oauth-protected-resource".into(),
                expected: "https://api.example".into(),
                found: hostile.clone(),
            },
        ] {
            crate::untrusted::assert_marked(&error.to_string());
        }
    }

    const FROM: &str = "https://id.example/.well-known/openid-configuration";

    fn metadata(field: &str, value: &str) -> Metadata {
        let mut doc = serde_json::json!({
            "issuer": "https://id.example",
            "authorization_endpoint": "https://id.example/auth",
            "token_endpoint": "https://id.example/token",
            "userinfo_endpoint": "https://id.example/me",
            "jwks_uri": "https://id.example/jwks",
            "registration_endpoint": "https://id.example/reg",
            "revocation_endpoint": "https://id.example/revoke",
            "device_authorization_endpoint": "https://id.example/device",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        });
        doc[field] = serde_json::Value::from(value);
        serde_json::from_value(doc).unwrap()
    }

    #[test]
    fn every_endpoint_kind_must_pass_the_url_rule() {
        let kinds = [
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
            "registration_endpoint",
            "revocation_endpoint",
            "device_authorization_endpoint",
        ];
        for kind in kinds {
            check_endpoints(&metadata(kind, "http://127.0.0.1:9/x"), FROM)
                .unwrap_or_else(|e| panic!("{kind}: loopback http is fine: {e}"));
            let err = check_endpoints(&metadata(kind, "http://192.0.2.2:9/x"), FROM)
                .expect_err(kind)
                .to_string();
            assert!(err.contains(kind), "{err}");
            assert!(err.contains(FROM), "{err}");
            assert!(err.contains("\"http://192.0.2.2:9/x\""), "{err}");
            assert!(err.contains("must use https://"), "{err}");
        }
        assert!(check_endpoints(&metadata("issuer", "https://id.example"), FROM).is_ok());
    }

    #[test]
    fn the_resource_must_be_the_api_base() {
        let base = "https://app.digiusher.com";
        for same in [
            "https://app.digiusher.com",
            "https://app.digiusher.com/",
            "https://APP.digiusher.com:443",
        ] {
            assert!(same_resource(same, base), "{same}");
        }
        assert!(same_resource(
            "http://127.0.0.1:9/api/",
            "http://127.0.0.1:9/api"
        ));
        for other in [
            "",
            "app.digiusher.com",
            "http://app.digiusher.com",
            "https://app.digiusher.com:8443",
            "https://evil.example",
            "https://app.digiusher.com/other",
            "https://app.digiusher.com/?x=1",
            "https://app.digiusher.com.evil.example",
        ] {
            assert!(!same_resource(other, base), "{other}");
        }
    }

    #[test]
    fn protected_resource_metadata_is_checked_before_its_issuer_is_used() {
        let url = "https://app.example/.well-known/oauth-protected-resource";
        let doc = |resource: &str, server: &str| serde_json::json!({"resource": resource, "authorization_servers": [server]});
        let base = "https://app.example";
        assert_eq!(
            issuer_in_metadata(&doc(base, "https://id.example/"), url, base).unwrap(),
            "https://id.example"
        );
        let err = issuer_in_metadata(&doc(base, "http://192.0.2.2:9"), url, base)
            .unwrap_err()
            .to_string();
        assert!(err.contains("authorization server"), "{err}");
        assert!(err.contains("\"http://192.0.2.2:9\""), "{err}");
        assert!(err.contains("must use https://"), "{err}");
        let err = issuer_in_metadata(
            &doc("https://other.example", "https://id.example"),
            url,
            base,
        )
        .unwrap_err();
        assert!(
            matches!(err, DiscoveryError::ResourceMismatch { .. }),
            "{err}"
        );
        let missing = serde_json::json!({"authorization_servers": ["https://id.example"]});
        assert!(issuer_in_metadata(&missing, url, base).is_err());
    }

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
