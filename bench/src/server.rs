//! A digiusher-mcp process driven over stdio (one JSON-RPC message per line), with
//! every response matched to its request id by a dedicated reader task.
//!
//! Latencies run from just before the request line is written to the moment the
//! reader task has the matching line, before the harness parses it.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Mutex, Semaphore, oneshot};

/// How long any single response may take before it counts as missing.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

type Reply = (Instant, Value);

#[derive(Default)]
struct Book {
    /// Requests waiting for their response.
    pending: HashMap<i64, oneshot::Sender<Reply>>,
    /// Responses seen per id (only while `counting`).
    seen: HashMap<i64, u32>,
    counting: bool,
    /// Lines that were not JSON.
    garbage: usize,
    /// Length in bytes of the last line read.
    last_line: usize,
}

struct Inner {
    child: Mutex<Child>,
    /// `None` once closed by [`Server::stop`].
    stdin: Mutex<Option<ChildStdin>>,
    book: Arc<SyncMutex<Book>>,
    next: AtomicI64,
    calls: AtomicUsize,
    pid: u32,
}

/// A running server.
#[derive(Clone)]
pub struct Server(Arc<Inner>);

/// The server command: stdio piped, stderr discarded, logging off, a clean env.
pub fn command(binary: &Path, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(binary);
    cmd.args(["--log-level", "off", "serve"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    cmd
}

pub const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#;
pub const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// One cold start.
pub struct ColdStart {
    /// Spawn → initialize response, ms.
    pub initialize: f64,
    /// Spawn → tools/list response, ms.
    pub tools_list: f64,
    /// Tools in the tools/list response.
    pub tools: usize,
    /// Bytes of the tools/list response line, as sent.
    pub list_bytes: usize,
    /// The largest tool definition in compact JSON: (bytes, name).
    pub largest_tool: (usize, String),
}

/// Spawn; write initialize, initialized and tools/list back to back; time both
/// answers from just before the spawn.
pub async fn cold_start_once(binary: &Path, env: &[(String, String)]) -> Result<ColdStart, String> {
    let batch = format!(
        "{INITIALIZE}\n{INITIALIZED}\n{}\n",
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#
    );
    let mut cmd = command(binary, env);
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    stdin
        .write_all(batch.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut lines = BufReader::with_capacity(1 << 16, stdout).lines();
    let (mut initialize, mut tools_list, mut tools) = (None, None, 0);
    let (mut list_bytes, mut largest_tool) = (0, (0, String::new()));
    let read = async {
        while let Ok(Some(line)) = lines.next_line().await {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let v: Value = serde_json::from_str(&line).map_err(|e| format!("bad line: {e}"))?;
            match v["id"].as_i64() {
                Some(0) => initialize = Some(ms),
                Some(1) => {
                    tools_list = Some(ms);
                    let listed = v["result"]["tools"].as_array().cloned().unwrap_or_default();
                    tools = listed.len();
                    list_bytes = line.len();
                    largest_tool = listed
                        .iter()
                        .map(|t| {
                            (
                                t.to_string().len(),
                                t["name"].as_str().unwrap_or("").to_string(),
                            )
                        })
                        .max()
                        .unwrap_or_default();
                    break;
                }
                _ => {}
            }
        }
        Ok::<(), String>(())
    };
    tokio::time::timeout(ANSWER_TIMEOUT, read)
        .await
        .map_err(|_| "no answer in time".to_string())??;
    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    let _ = child.kill().await;
    Ok(ColdStart {
        initialize: initialize.ok_or("no initialize response")?,
        tools_list: tools_list.ok_or("no tools/list response")?,
        tools,
        list_bytes,
        largest_tool,
    })
}

/// The outcome of a burst of concurrent calls.
pub struct Burst {
    pub calls: usize,
    pub seconds: f64,
    /// Responses with a JSON-RPC error or `isError: true`.
    pub errors: usize,
    /// Request ids that got no response in time.
    pub missing: usize,
    /// Request ids that got more than one response.
    pub repeated: usize,
    /// Responses whose id matched no request of the burst.
    pub unknown: usize,
}

impl Server {
    pub async fn start(binary: &Path, env: &[(String, String)]) -> Result<Server, String> {
        let mut child = command(binary, env)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", binary.display()))?;
        let pid = child.id().unwrap_or(0);
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let book: Arc<SyncMutex<Book>> = Arc::default();
        let reader_book = book.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::with_capacity(1 << 20, stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let at = Instant::now();
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    reader_book.lock().expect("book").garbage += 1;
                    continue;
                };
                // Notifications and server requests carry no numeric id of ours.
                let Some(id) = v.get("id").and_then(Value::as_i64) else {
                    continue;
                };
                let mut book = reader_book.lock().expect("book");
                book.last_line = line.len() + 1;
                if book.counting {
                    *book.seen.entry(id).or_default() += 1;
                }
                if let Some(tx) = book.pending.remove(&id) {
                    let _ = tx.send((at, v));
                }
            }
        });
        Ok(Server(Arc::new(Inner {
            child: Mutex::new(child),
            stdin: Mutex::new(Some(stdin)),
            book,
            next: AtomicI64::new(1),
            calls: AtomicUsize::new(0),
            pid,
        })))
    }

    fn register(&self) -> (i64, oneshot::Receiver<Reply>) {
        let id = self.0.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.0.book.lock().expect("book").pending.insert(id, tx);
        (id, rx)
    }

    /// One request; returns the latency in ms and the response.
    async fn request(&self, method: &str, params: Value) -> Result<(f64, Value), String> {
        let (id, rx) = self.register();
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
            .to_string()
            + "\n";
        let mut stdin = self.0.stdin.lock().await;
        let stdin = stdin.as_mut().ok_or("stdin is closed")?;
        let t = Instant::now();
        stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))?;
        let (at, v) = tokio::time::timeout(ANSWER_TIMEOUT, rx)
            .await
            .map_err(|_| format!("no answer to {method} in time"))?
            .map_err(|_| "the server closed stdout".to_string())?;
        Ok((at.duration_since(t).as_secs_f64() * 1000.0, v))
    }

    pub async fn initialize(&self) -> Result<(), String> {
        let (_, v) = self
            .request(
                "initialize",
                json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}),
            )
            .await?;
        if v.get("result").is_none() {
            return Err(format!("initialize failed: {v}"));
        }
        let line = format!("{INITIALIZED}\n");
        let mut stdin = self.0.stdin.lock().await;
        stdin
            .as_mut()
            .ok_or("stdin is closed")?
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))
    }

    /// One tool call that must succeed; returns its latency in ms and the result.
    pub async fn call(&self, tool: &str, args: &Value) -> Result<(f64, Value), String> {
        let (ms, v) = self
            .request("tools/call", json!({"name": tool, "arguments": args}))
            .await?;
        self.0.calls.fetch_add(1, Ordering::Relaxed);
        if !is_ok(&v) {
            let s = v.to_string();
            return Err(format!("{tool} failed: {}", &s[..s.len().min(400)]));
        }
        Ok((ms, v))
    }

    /// `n` calls of one tool over this connection with at most `window` in flight:
    /// requests are written as soon as the window allows; every response is
    /// matched to its id and every id must get exactly one response.
    pub async fn burst(&self, tool: &str, args: &Value, n: usize, window: usize) -> Burst {
        {
            let mut book = self.0.book.lock().expect("book");
            book.seen.clear();
            book.counting = true;
        }
        let garbage_before = self.0.book.lock().expect("book").garbage;
        let params = json!({"name": tool, "arguments": args});
        let window = Arc::new(Semaphore::new(window));
        let mut waiters = tokio::task::JoinSet::new();
        let mut ids = Vec::with_capacity(n);
        let started = Instant::now();
        let mut guard = self.0.stdin.lock().await;
        let Some(stdin) = guard.as_mut() else {
            return Burst {
                calls: n,
                seconds: f64::NAN,
                errors: n,
                missing: n,
                repeated: 0,
                unknown: 0,
            };
        };
        for _ in 0..n {
            let permit = window.clone().acquire_owned().await.expect("window");
            let (id, rx) = self.register();
            ids.push(id);
            let line =
                json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": &params})
                    .to_string()
                    + "\n";
            if stdin.write_all(line.as_bytes()).await.is_err() {
                break;
            }
            waiters.spawn(async move {
                let r = tokio::time::timeout(ANSWER_TIMEOUT, rx).await;
                drop(permit);
                match r {
                    Ok(Ok((at, v))) => Some((at, is_ok(&v))),
                    _ => None,
                }
            });
        }
        drop(guard);
        let (mut errors, mut last) = (0, started);
        while let Some(r) = waiters.join_next().await {
            match r {
                Ok(Some((at, ok))) => {
                    last = last.max(at);
                    if !ok {
                        errors += 1;
                    }
                }
                _ => errors += 1,
            }
        }
        let seconds = last.duration_since(started).as_secs_f64();
        self.0.calls.fetch_add(ids.len(), Ordering::Relaxed);
        // Give late duplicates a moment to show up.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut book = self.0.book.lock().expect("book");
        book.counting = false;
        let missing = ids.iter().filter(|id| !book.seen.contains_key(id)).count() + (n - ids.len());
        let repeated = ids
            .iter()
            .filter(|id| book.seen.get(id).is_some_and(|c| *c > 1))
            .count();
        let sent: std::collections::HashSet<i64> = ids.iter().copied().collect();
        let unknown = book.seen.keys().filter(|id| !sent.contains(id)).count()
            + (book.garbage - garbage_before);
        Burst {
            calls: n,
            seconds,
            errors,
            missing,
            repeated,
            unknown,
        }
    }

    /// Bytes of the last message the server wrote, newline included.
    pub fn last_line_bytes(&self) -> usize {
        self.0.book.lock().expect("book").last_line
    }

    /// Tool calls answered so far.
    pub fn calls(&self) -> usize {
        self.0.calls.load(Ordering::Relaxed)
    }

    /// (VmRSS, VmHWM) in KiB, from /proc/PID/status.
    pub fn memory_kib(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.pid)).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// Close stdin (the server exits at EOF, so that a profiler wrapping it can
    /// finish its output); kill it if it is still running after 5 s.
    pub async fn stop(self) {
        self.0.stdin.lock().await.take();
        let mut child = self.0.child.lock().await;
        if tokio::time::timeout(Duration::from_secs(5), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
    }
}

/// A JSON-RPC result that is not a tool error.
pub fn is_ok(v: &Value) -> bool {
    v.get("error").is_none()
        && v.get("result").is_some()
        && v["result"]["isError"] != Value::Bool(true)
}

/// Characters of the first text block of a tool result.
pub fn text_len(v: &Value) -> usize {
    v["result"]["content"][0]["text"]
        .as_str()
        .map_or(0, str::len)
}
