//! The `digiusher-sim` binary: one stdout line with the base URL, request lines on
//! stderr, exit when stdin closes.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

#[test]
fn prints_its_url_serves_and_exits_on_stdin_eof() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_digiusher-sim"))
        .args(["--exit-on-stdin-eof", "--now", "2025-06-15T12:00:00Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = rt.block_on(async {
        digiusher_sim::http_client()
            .get(format!("{url}/restapi/v2/organizations"))
            .header("authorization", "Bearer sim-carol")
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    assert_eq!(status.ok(), Some(200));
    drop(child.stdin.take());
    let exit = child.wait().expect("exits");
    assert!(exit.success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout");
    assert_eq!(rest, "", "exactly one line on stdout");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert!(
        err.contains("GET /restapi/v2/organizations -> 200 (carol)"),
        "{err}"
    );
    assert!(!err.contains("sim-carol"), "no token in the log");
}

#[test]
fn rejects_bad_arguments() {
    for args in [
        &["--bogus"][..],
        &["--issuer", "http://x"],
        &["--port", "http"],
        &["--now", "soon"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_digiusher-sim"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
