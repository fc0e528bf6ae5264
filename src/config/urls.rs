//! The one rule for every URL a secret goes to or keys come from.

use super::defaults::DEFAULT_API_BASE;

/// Why a URL may not be sent a token, code or verifier, or serve signing keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("must be an absolute URL such as {DEFAULT_API_BASE}; got {url:?} ({reason})")]
    NotAbsolute { url: String, reason: String },
    #[error(
        "must use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost); got {url:?}"
    )]
    NotHttps { url: String },
    #[error("must be an https:// URL; got scheme {scheme:?} in {url:?}")]
    Scheme { url: String, scheme: String },
    #[error("must not carry a query, fragment or user name; got {url:?}")]
    Extra { url: String },
}

/// The one rule for every URL a secret goes to or keys come from: `https://`, or
/// `http://` to a loopback host only, so nothing secret crosses a network in clear
/// text. Endpoints may carry a query; none may carry credentials.
pub fn secure_url(raw: &str) -> Result<reqwest::Url, UrlError> {
    let url = reqwest::Url::parse(raw).map_err(|e| UrlError::NotAbsolute {
        url: raw.to_string(),
        reason: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Extra {
            url: raw.to_string(),
        });
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(UrlError::NotHttps {
            url: raw.to_string(),
        }),
        other => Err(UrlError::Scheme {
            url: raw.to_string(),
            scheme: other.to_string(),
        }),
    }
}

/// A service root (the API base, an issuer): [`secure_url`] without a query or
/// fragment, trailing `/` dropped.
pub fn service_url(raw: &str) -> Result<String, UrlError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = secure_url(trimmed)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(UrlError::Extra {
            url: trimmed.to_string(),
        });
    }
    Ok(trimmed.to_string())
}

/// 127.0.0.0/8, ::1 or `localhost`: traffic that never leaves the machine.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_rule_allows_https_and_loopback_http_only() {
        for ok in [
            "https://id.example/token",
            "https://id.example:8443/t?x=1",
            "http://127.0.0.1:9/token",
            "http://127.8.9.10/token",
            "http://[::1]:9/token",
            "http://LOCALHOST:9/token",
        ] {
            assert!(secure_url(ok).is_ok(), "{ok} should pass");
        }
        let refused = [
            ("http://192.0.2.2:9/token", "must use https://"),
            ("http://localhost.evil.example/token", "must use https://"),
            ("http://[::ffff:127.0.0.1]/token", "must use https://"),
            ("http://0.0.0.0:9/token", "must use https://"),
            ("ftp://id.example/token", "scheme \"ftp\""),
            ("https://user:pw@id.example/token", "user name"),
            ("/token", "absolute URL"),
        ];
        for (url, rule) in refused {
            let err = secure_url(url).unwrap_err().to_string();
            assert!(err.contains(rule), "{url}: {err}");
            assert!(err.contains(&format!("{url:?}")), "names the URL: {err}");
        }
    }

    #[test]
    fn service_urls_drop_the_trailing_slash_and_refuse_a_query() {
        assert_eq!(
            service_url(" https://id.example/realm/ ").unwrap(),
            "https://id.example/realm"
        );
        let err = service_url("https://id.example/?x=1").unwrap_err();
        assert!(matches!(err, UrlError::Extra { .. }), "{err}");
        let err = service_url("http://10.0.0.1").unwrap_err();
        assert_eq!(
            err,
            UrlError::NotHttps {
                url: "http://10.0.0.1".into()
            }
        );
    }
}
