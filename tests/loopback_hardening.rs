//! The loopback listener under abuse, and what the browser is told: idle
//! connections cannot block the redirect, a response without the promised `iss`
//! is refused, and a forged code never shows "Signed in".

use std::time::Duration;

use crate::common::oidc::*;
use crate::common::*;
use tokio::io::BufReader;

/// What the login printed on stderr after the URL, once it ended. The pipe is
/// drained meanwhile, so that debug logging cannot block the login.
async fn finish(
    mut child: tokio::process::Child,
    mut lines: tokio::io::Lines<BufReader<tokio::process::ChildStderr>>,
) -> (std::process::ExitStatus, String) {
    let drain = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    let _ = child.start_kill();
    let rest = drain.await.unwrap();
    (status.expect("login ends").unwrap(), rest)
}

/// The soft limit on open files of this process, raised towards `want` if the
/// hard limit allows.
#[cfg(unix)]
fn raise_nofile(want: libc::rlim_t) -> libc::rlim_t {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        }
    }
    lim.rlim_cur
}

#[cfg(unix)]
#[tokio::test]
async fn the_redirect_completes_while_1000_idle_connections_are_held_open() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let mut cmd = w.command(&["login", "--no-browser", "--timeout", "60"], &[]);
    // The login runs with a usual desktop limit of 1024 open files, whatever this
    // test process may have.
    // SAFETY: only async-signal-safe syscalls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
                lim.rlim_cur = lim.rlim_cur.min(1024);
                libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            }
            Ok(())
        });
    }
    let (child, url, lines) = spawn_manual_login(cmd).await;
    let login = tokio::spawn(finish(child, lines));
    let redirect = reqwest::Url::parse(&query_param(&url, "redirect_uri")).unwrap();
    let addr = format!("127.0.0.1:{}", redirect.port().unwrap());

    let limit = raise_nofile(1400);
    let wanted = 1000usize;
    let held_max = wanted.min(limit.saturating_sub(200) as usize);
    if held_max < wanted {
        eprintln!("the open-file limit {limit} allows only {held_max} idle connections");
    }
    let mut held = Vec::with_capacity(held_max);
    for _ in 0..held_max {
        held.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }

    let browser = tokio::process::Command::new("node")
        .arg(fixtures().join("complete-login.mjs"))
        .arg(&url)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&browser.stderr).into_owned();
    let (status, rest) = login.await.unwrap();
    assert!(browser.status.success(), "{said}\n{rest}");
    assert!(
        said.contains("callback: HTTP 200") && said.contains("title: \"Signed in to DigiUsher\""),
        "{said}"
    );
    assert!(status.success(), "{rest}");
    assert_eq!(w.status().await.1, 0, "signed in");
    drop(held);
}

#[tokio::test]
async fn a_callback_without_the_promised_iss_is_refused() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let discovery: serde_json::Value = http_client()
        .get(format!(
            "{}/.well-known/openid-configuration",
            w.provider.issuer
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["authorization_response_iss_parameter_supported"],
        true
    );
    let cmd = w.command(&["login", "--no-browser", "--timeout", "30"], &[]);
    let (child, url, lines) = spawn_manual_login(cmd).await;
    let redirect = query_param(&url, "redirect_uri");
    let state = query_param(&url, "state");
    let page = http_client()
        .get(format!(
            "{redirect}?code=some-code&state={}",
            urlencode(&state)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    let body = page.text().await.unwrap();
    assert!(body.contains("Sign-in failed"), "{body}");
    assert!(body.contains("no `iss` parameter"), "{body}");
    let (status, rest) = finish(child, lines).await;
    assert!(!status.success());
    assert!(
        rest.contains("does not name its issuer (no `iss` parameter)"),
        "{rest}"
    );
    assert_eq!(w.status().await.1, 1, "not signed in");
}

#[tokio::test]
async fn a_forged_code_shows_the_failure_page_with_the_reason() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let w = World::new(&[], "file").await;
    let cmd = w.command(&["login", "--no-browser", "--timeout", "30"], &[]);
    let (child, url, lines) = spawn_manual_login(cmd).await;
    let redirect = query_param(&url, "redirect_uri");
    let state = query_param(&url, "state");
    let page = http_client()
        .get(format!(
            "{redirect}?code=forged-code-value&state={}&iss={}",
            urlencode(&state),
            urlencode(&w.provider.issuer)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let body = page.text().await.unwrap();
    assert!(!body.contains("Signed in"), "{body}");
    assert!(body.contains("<title>Sign-in failed</title>"), "{body}");
    assert!(body.contains("invalid_grant"), "{body}");
    assert!(!body.contains("forged-code-value"), "{body}");
    let (status, rest) = finish(child, lines).await;
    assert!(!status.success());
    assert!(rest.contains("invalid_grant"), "{rest}");
    assert!(!rest.contains("forged-code-value"), "{rest}");
}
