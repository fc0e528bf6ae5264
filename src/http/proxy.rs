//! Proxies from the environment, as curl reads them, except for loopback: a proxy
//! on another host would otherwise see the bearer token of a local API or sign-in
//! in clear text.

use reqwest::{ClientBuilder, NoProxy, Proxy};

/// Destinations that never go through a proxy, whatever `NO_PROXY` says.
const LOOPBACK: &str = "127.0.0.0/8,::1,localhost";

/// `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (or their lower-case
/// forms), with loopback destinations always direct.
pub fn env_proxies(builder: ClientBuilder) -> ClientBuilder {
    env_proxies_from(builder, |name| std::env::var(name).ok())
}

fn env_proxies_from(builder: ClientBuilder, env: impl Fn(&str) -> Option<String>) -> ClientBuilder {
    // reqwest's own reading of the environment cannot exempt loopback; replace it.
    let mut builder = builder.no_proxy();
    // In a CGI environment HTTP_PROXY can come from a request header ("httpoxy");
    // reqwest ignores every proxy variable there, and so do we.
    if env("REQUEST_METHOD").is_some() {
        return builder;
    }
    let first = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| env(n))
            .filter(|v| !v.trim().is_empty())
    };
    let all = first(["ALL_PROXY", "all_proxy"]);
    let http = first(["HTTP_PROXY", "http_proxy"]).or_else(|| all.clone());
    let https = first(["HTTPS_PROXY", "https_proxy"]).or(all);
    let exempt = match first(["NO_PROXY", "no_proxy"]) {
        Some(list) => format!("{list},{LOOPBACK}"),
        None => LOOPBACK.to_string(),
    };
    let proxies = [
        ("http", http.map(Proxy::http)),
        ("https", https.map(Proxy::https)),
    ];
    for (scheme, proxy) in proxies {
        match proxy {
            Some(Ok(proxy)) => {
                builder = builder.proxy(proxy.no_proxy(NoProxy::from_string(&exempt)));
            }
            // The value may hold a proxy password: name the variable, not the value.
            Some(Err(_)) => {
                tracing::warn!("ignoring the {scheme} proxy setting: it is not a URL")
            }
            None => {}
        }
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A server on 127.0.0.1 that records the first line of each request and
    /// gives the same answer to all.
    fn listener(answer: &'static str) -> (String, std::sync::mpsc::Receiver<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in l.incoming() {
                let Ok(mut s) = stream else { return };
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let _ = tx.send(head.lines().next().unwrap_or("").to_string());
                let _ = s.write_all(answer.as_bytes());
            }
        });
        (addr, rx)
    }

    const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
    const BAD_GATEWAY: &str =
        "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

    fn client(env: Vec<(&'static str, String)>) -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let lookup = move |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        env_proxies_from(reqwest::Client::builder(), lookup)
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn loopback_goes_direct_and_other_hosts_through_the_proxy() {
        let (proxy, proxied) = listener(BAD_GATEWAY);
        let (server, direct) = listener(OK);
        let port = server.rsplit(':').next().unwrap().to_string();
        let http = client(vec![
            ("HTTP_PROXY", format!("http://{proxy}")),
            ("NO_PROXY", "intranet.example".into()),
        ]);
        for url in [
            format!("http://{server}/a"),
            format!("http://localhost:{port}/b"),
        ] {
            let r = http.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 200, "{url}");
        }
        // `.invalid` never resolves: only the local proxy can answer.
        let r = http.get("http://api.invalid/c").send().await.unwrap();
        assert_eq!(r.status(), 502);
        assert_eq!(proxied.recv().unwrap(), "GET http://api.invalid/c HTTP/1.1");
        assert!(proxied.try_recv().is_err());
        assert_eq!(direct.try_iter().count(), 2);
    }

    #[tokio::test]
    async fn all_proxy_covers_https() {
        let (proxy, proxied) = listener(BAD_GATEWAY);
        let http = client(vec![("ALL_PROXY", format!("http://{proxy}"))]);
        assert!(http.get("https://api.invalid/").send().await.is_err());
        let connect = proxied.recv().unwrap();
        assert!(connect.starts_with("CONNECT api.invalid:443 "), "{connect}");
    }
}
