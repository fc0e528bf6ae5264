//! Hostile but well-formed JSON-RPC on the real binary's stdio: every message with
//! an id gets exactly one answer, with the id exactly as sent, so that no host waits
//! for its own timeout.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::common::{Options, SimConfig, Simulator, TempDir, server_command};

/// The server driven with raw lines both ways: ids beyond `i64` and numbers like
/// `1e400` cannot go through a `serde_json::Value`.
struct Raw {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    _home: TempDir,
}

impl Raw {
    async fn start(sim: &Simulator) -> Raw {
        let home = TempDir::new("protocol");
        let mut cmd = server_command(&sim.base_url(), &home.0, &Options::default());
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut raw = Raw {
            child,
            stdin,
            stdout,
            _home: home,
        };
        raw.send(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#).await;
        let init = raw.next().await;
        assert!(
            init.starts_with(r#"{"jsonrpc":"2.0","id":0,"result":"#),
            "{init}"
        );
        raw.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
        raw
    }

    async fn send(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("write to server");
        self.stdin.flush().await.expect("flush");
    }

    /// The next stdout line; a missing answer fails here instead of hanging.
    async fn next(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(10), self.stdout.next_line())
            .await
            .expect("the server answers within 10 s")
            .expect("read stdout")
            .expect("server still running")
    }

    /// Close stdin; every line written after what was read, then the exit.
    async fn finish(mut self) -> Vec<String> {
        drop(self.stdin);
        let mut rest = Vec::new();
        while let Ok(Some(line)) = self.stdout.next_line().await {
            rest.push(line);
        }
        let status = tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .expect("server exits after stdin closes")
            .expect("wait");
        assert!(status.success());
        rest
    }
}

fn call(id: &str, tool: &str, arguments: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{tool}","arguments":{arguments}}}}}"#
    )
}

/// `{"x":[[…1…]]}`, `depth` arrays deep.
fn nested(depth: usize) -> String {
    format!(r#"{{"x":{}1{}}}"#, "[".repeat(depth), "]".repeat(depth))
}

/// The id exactly as written on the line, and the error code (0 for a result).
fn id_and_code(line: &str) -> (String, i64) {
    #[derive(serde::Deserialize)]
    struct Out<'a> {
        jsonrpc: &'a str,
        #[serde(borrow)]
        id: &'a serde_json::value::RawValue,
        error: Option<Value>,
    }
    let out: Out = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(out.jsonrpc, "2.0");
    let code = out.error.map_or(0, |e| e["code"].as_i64().unwrap_or(1));
    (out.id.get().to_string(), code)
}

#[tokio::test]
async fn every_message_with_an_id_gets_exactly_one_answer() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut s = Raw::start(&sim).await;
    let huge = "7".repeat(5000);
    let messages: Vec<(String, &str, i64)> = vec![
        // Arguments rmcp cannot read: Invalid Params with the request's id.
        (call("1", "list_organizations", &nested(129)), "1", -32602),
        (call("2", "list_organizations", &nested(1000)), "2", -32602),
        (
            call("3", "list_organizations", r#"{"x":1e400}"#),
            "3",
            -32602,
        ),
        (
            call("4", "list_organizations", &format!(r#"{{"x":{huge}}}"#)),
            "4",
            -32602,
        ),
        (
            call(r#""deep""#, "list_organizations", &nested(300)),
            r#""deep""#,
            -32602,
        ),
        (
            call(
                "18446744073709551614",
                "list_organizations",
                r#"{"x":1e400}"#,
            ),
            "18446744073709551614",
            -32602,
        ),
        // Ids beyond i64 are valid MCP ids: answered normally, echoed as sent.
        (
            r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#.into(),
            "18446744073709551615",
            0,
        ),
        (
            call("-99999999999999999999999", "list_organizations", "{}"),
            "-99999999999999999999999",
            0,
        ),
        (
            format!(r#"{{"jsonrpc":"2.0","id":{huge},"method":"tools/list"}}"#),
            &huge,
            0,
        ),
        // Ids MCP does not allow: Invalid Request with id null.
        (
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#.into(),
            "null",
            -32600,
        ),
        (
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#.into(),
            "null",
            -32600,
        ),
        (
            call(r#"{"a":1}"#, "list_organizations", "{}"),
            "null",
            -32600,
        ),
        (
            call("[7]", "list_organizations", &nested(200)),
            "null",
            -32600,
        ),
    ];
    // Notifications get no answer, readable or not.
    s.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1e400}}"#)
        .await;
    for (line, _, _) in &messages {
        s.send(line).await;
    }
    let mut got = Vec::new();
    for _ in &messages {
        let line = s.next().await;
        got.push((id_and_code(&line), line));
    }
    // Still a working server: a normal call after all of that.
    s.send(&call("100", "list_organizations", "{}")).await;
    let last = s.next().await;
    assert!(
        last.starts_with(r#"{"jsonrpc":"2.0","id":100,"result":{"#),
        "{last}"
    );
    let v: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(v["result"]["isError"], false, "{last}");
    let rest = s.finish().await;
    assert!(rest.is_empty(), "answers nobody asked for: {rest:?}");

    let mut want: Vec<(String, i64)> = messages
        .iter()
        .map(|(_, id, code)| (id.to_string(), *code))
        .collect();
    let mut answered: Vec<(String, i64)> = got.iter().map(|(a, _)| a.clone()).collect();
    want.sort();
    answered.sort();
    assert_eq!(answered, want);
    // The ids beyond i64 are on the wire exactly as they were sent.
    for (_, line) in &got {
        if line.contains("18446744073709551615") {
            assert!(
                line.starts_with(r#"{"jsonrpc":"2.0","id":18446744073709551615,"result":{}"#),
                "{line}"
            );
        }
        if line.contains("-99999999999999999999999") {
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["result"]["isError"], false, "{line}");
        }
    }
    let invalid_params = got
        .iter()
        .find(|((id, _), _)| id == "1")
        .map(|(_, line)| line.clone())
        .unwrap_or_default();
    assert!(
        invalid_params.contains("128 levels"),
        "the message says what is wrong: {invalid_params}"
    );
}
