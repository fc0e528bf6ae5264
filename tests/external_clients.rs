//! Real MCP clients against the real `digiusher-mcp` binary: the official TypeScript SDK,
//! the official Python SDK and the MCP Inspector CLI (`--strict`), each talking to the
//! binary over stdio while the binary talks to the API simulator started in-process.
//!
//! Every client starts the server through `tests/clients/tee_stdout.py`, which records
//! everything the server writes to stdout; each test then checks that the recording is
//! JSON-RPC and nothing else.
//!
//! The clients live in `tests/clients/` and need `node_modules` (npm) and `.venv`
//! (Python); `tests/run` installs both. When they are missing these tests fail, on
//! purpose: they are part of the test suite, not optional extras.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use digiusher_sim::{BackgroundSimulator, SimConfig};
use serde_json::Value;

use crate::common::{ACME, BETA, BIN, Need, catalog_names};
/// Generous: a cold `node` or Python start on a loaded 2-core machine takes seconds.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(180);

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("clients")
}

fn fail_setup(what: &str) -> ! {
    panic!(
        "{what}\nThe external MCP client tests need the npm packages and the Python venv in \
         tests/clients/. Run `tests/run` from the repository root: it installs them (npm ci, \
         python3 -m venv + pip install -r requirements.txt) and then runs the tests."
    )
}

/// `tests/clients/node_modules/.bin/<name>`, or a failure saying to run `tests/run`.
fn node_modules() -> PathBuf {
    let nm = clients_dir().join("node_modules");
    for needed in [
        "@modelcontextprotocol/sdk/package.json",
        "@modelcontextprotocol/inspector/package.json",
        ".bin/inspector",
    ] {
        if !nm.join(needed).exists() {
            fail_setup(&format!("{} is missing.", nm.join(needed).display()));
        }
    }
    nm
}

fn venv_python() -> PathBuf {
    let python = clients_dir().join(".venv").join("bin").join("python");
    if !python.exists() {
        fail_setup(&format!("{} is missing.", python.display()));
    }
    python
}

/// A directory under the system temp dir, removed on drop (kept when the test failed,
/// so its logs can be read).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "digiusher-mcp-clients-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// One client run: a simulator, a fresh HOME, and the files the run writes.
struct Run {
    sim: BackgroundSimulator,
    dir: TempDir,
}

impl Run {
    fn new(name: &str) -> Run {
        let sim = digiusher_sim::start_in_background(SimConfig::default())
            .expect("start the API simulator");
        let dir = TempDir::new(name);
        std::fs::create_dir_all(dir.0.join("home")).expect("create HOME");
        Run { sim, dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.0.join("home")
    }

    fn capture(&self) -> PathBuf {
        self.dir.0.join("server-stdout.jsonl")
    }

    /// The server command as the clients get it: the tee wrapper around the binary.
    fn server_command(&self) -> Vec<String> {
        vec![
            "python3".into(),
            clients_dir().join("tee_stdout.py").display().to_string(),
            self.capture().display().to_string(),
            BIN.into(),
        ]
    }

    /// A client process with a clean environment: PATH, the fresh HOME and the
    /// variables the clients hand on to the server. No user config, no keychain, no
    /// `DIGIUSHER_CONFIG`. `DIGIUSHER_MCP_BIN` names the binary inside the tee
    /// wrapper, whose `tools --json` the clients compare tools/list with.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let home = self.home();
        let mut cmd = Command::new(program);
        cmd.current_dir(clients_dir())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("DIGIUSHER_API_BASE_URL", self.sim.base_url())
            .env("DIGIUSHER_TOKEN", "sim-alice")
            .env("DIGIUSHER_MCP_BIN", BIN)
            .env("RUST_BACKTRACE", "0")
            .env("NO_COLOR", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null());
        for keep in ["LANG", "LC_ALL", "TMPDIR"] {
            if let Some(v) = std::env::var_os(keep) {
                cmd.env(keep, v);
            }
        }
        cmd
    }

    /// Runs a client to completion (or kills it after [`CLIENT_TIMEOUT`]).
    fn run(&self, label: &str, mut cmd: Command) -> Finished {
        let out_path = self.dir.0.join(format!("{label}.stdout"));
        let err_path = self.dir.0.join(format!("{label}.stderr"));
        cmd.stdout(File::create(&out_path).expect("stdout file"))
            .stderr(File::create(&err_path).expect("stderr file"));
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| fail_setup(&format!("cannot start {label} ({cmd:?}): {e}")));
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the client") {
                break Some(status);
            }
            if started.elapsed() > CLIENT_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let read =
            |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
        Finished {
            label: label.to_string(),
            status,
            stdout: read(&out_path),
            stderr: read(&err_path),
            elapsed: started.elapsed(),
        }
    }

    /// Everything the server wrote to stdout must be newline-delimited JSON-RPC 2.0
    /// messages, with no blank lines; returns how many there were.
    fn assert_stdout_pure(&self, at_least: usize) -> usize {
        let path = self.capture();
        let data = std::fs::read(&path).unwrap_or_else(|e| {
            panic!("the tee wrapper left no capture at {}: {e}", path.display())
        });
        let body = match data.strip_suffix(b"\n") {
            Some(body) => body,
            None if data.is_empty() => &data[..],
            None => panic!(
                "server stdout does not end with a newline (a partial message?): {}",
                path.display()
            ),
        };
        let mut count = 0;
        for (i, line) in body.split(|b| *b == b'\n').enumerate() {
            if body.is_empty() {
                break;
            }
            let shown = String::from_utf8_lossy(&line[..line.len().min(300)]).into_owned();
            let msg: Value = serde_json::from_slice(line).unwrap_or_else(|e| {
                panic!("server stdout line {} is not JSON ({e}): {shown:?}", i + 1)
            });
            assert!(
                msg.is_object() && msg["jsonrpc"] == "2.0",
                "server stdout line {} is not a JSON-RPC 2.0 object: {shown}",
                i + 1
            );
            count += 1;
        }
        assert!(
            count >= at_least,
            "expected at least {at_least} JSON-RPC messages on the server's stdout, got {count}"
        );
        count
    }

    /// The server reached the simulator as alice for `GET /restapi/v2/organizations`.
    fn assert_sim_saw_organizations(&self) {
        let requests = self.sim.requests();
        assert!(
            requests.iter().any(|r| r.method == "GET"
                && r.path == "/restapi/v2/organizations"
                && r.subject.as_deref() == Some("alice")
                && r.status == 200),
            "the simulator never answered GET /restapi/v2/organizations for alice; it saw: {:?}",
            requests
                .iter()
                .map(|r| format!("{} {} {:?} {}", r.method, r.path, r.subject, r.status))
                .collect::<Vec<_>>()
        );
    }
}

struct Finished {
    label: String,
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Finished {
    fn assert_success(&self) {
        match self.status {
            Some(s) if s.success() => {}
            Some(s) => panic!(
                "{} failed ({s}) after {:.1}s\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.label,
                self.elapsed.as_secs_f64(),
                self.stdout,
                self.stderr
            ),
            None => panic!(
                "{} did not finish within {}s and was killed\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.label,
                CLIENT_TIMEOUT.as_secs(),
                self.stdout,
                self.stderr
            ),
        }
    }

    fn json_stdout(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not one JSON document ({e})\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.label, self.stdout, self.stderr
            )
        })
    }
}

#[test]
fn typescript_sdk_client() {
    if crate::common::skip(&[Need::Node, Need::Python]) {
        return;
    }
    node_modules();
    let run = Run::new("ts");
    let mut cmd = run.command("node");
    cmd.arg(clients_dir().join("ts_client.mjs"))
        .arg("--")
        .args(run.server_command());
    let done = run.run("ts_client", cmd);
    done.assert_success();
    assert!(
        done.stdout.contains("ts_client: OK"),
        "unexpected output: {}",
        done.stdout
    );
    // initialize, tools/list, four tool calls.
    run.assert_stdout_pure(6);
    run.assert_sim_saw_organizations();
}

#[test]
fn python_sdk_client() {
    if crate::common::skip(&[Need::Node, Need::Python]) {
        return;
    }
    let python = venv_python();
    let run = Run::new("py");
    let mut cmd = run.command(&python);
    cmd.arg(clients_dir().join("py_client.py"))
        .arg("--")
        .args(run.server_command());
    let done = run.run("py_client", cmd);
    done.assert_success();
    assert!(
        done.stdout.contains("py_client: OK"),
        "unexpected output: {}",
        done.stdout
    );
    run.assert_stdout_pure(6);
    run.assert_sim_saw_organizations();
}

/// The Inspector CLI with `-e` for the server's environment, then the server command.
fn inspector(run: &Run, nm: &Path, method_args: &[&str]) -> Command {
    let home = run.home();
    let mut cmd = run.command(nm.join(".bin").join("inspector"));
    cmd.arg("--cli");
    for (k, v) in [
        ("DIGIUSHER_API_BASE_URL", run.sim.base_url()),
        ("DIGIUSHER_TOKEN", "sim-alice".to_string()),
        ("HOME", home.display().to_string()),
        (
            "XDG_CONFIG_HOME",
            home.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME",
            home.join(".local/share").display().to_string(),
        ),
        ("RUST_BACKTRACE", "0".to_string()),
    ] {
        cmd.arg("-e").arg(format!("{k}={v}"));
    }
    cmd.args(method_args)
        .args(["--format", "json"])
        .args(run.server_command());
    cmd
}

#[test]
fn inspector_cli_tools_list_strict() {
    if crate::common::skip(&[Need::Node, Need::Python]) {
        return;
    }
    let nm = node_modules();
    let run = Run::new("inspector-list");
    let done = run.run(
        "inspector_tools_list",
        inspector(&run, &nm, &["--method", "tools/list", "--strict"]),
    );
    done.assert_success();
    let out = done.json_stdout();
    let tools = out["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no result.tools in the Inspector's output: {out}"));
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, catalog_names(), "the Inspector's tools/list");
    // `--strict` exits 6 on error-severity schema portability findings (caught above);
    // warnings come back in `schemaFindings` and are shown without failing the test.
    if let Some(findings) = out.get("schemaFindings") {
        eprintln!("Inspector schema portability warnings: {findings:#}");
    }
    run.assert_stdout_pure(2);
}

#[test]
fn inspector_cli_tools_call_list_organizations() {
    if crate::common::skip(&[Need::Node, Need::Python]) {
        return;
    }
    let nm = node_modules();
    let run = Run::new("inspector-call");
    let done = run.run(
        "inspector_tools_call",
        inspector(
            &run,
            &nm,
            &[
                "--method",
                "tools/call",
                "--tool-name",
                "list_organizations",
            ],
        ),
    );
    done.assert_success();
    let out = done.json_stdout();
    let result = &out["result"];
    assert_ne!(
        result["isError"],
        Value::Bool(true),
        "list_organizations failed: {out}"
    );
    let orgs = result["structuredContent"]["organizations"]
        .as_array()
        .unwrap_or_else(|| panic!("no structuredContent.organizations: {out}"));
    let mut ids: Vec<&str> = orgs.iter().filter_map(|o| o["id"].as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [ACME, BETA]);
    run.assert_stdout_pure(2);
    run.assert_sim_saw_organizations();
}
