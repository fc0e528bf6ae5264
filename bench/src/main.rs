//! The digiusher-mcp benchmark: cold start, memory, per-call overhead, throughput,
//! the refresh path and binary size of the release build, each beside its target.
//! Writes `bench-results.md` and `bench-results.json` and prints the table.
//!
//! ```text
//! cargo run --release -p digiusher-bench -- [--out DIR] [--runs N] [--binary PATH]
//! ```

mod launcher;
mod refresh;
mod report;
mod server;
mod stats;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use digiusher_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

use report::{Figure, Target};
use server::Server;
use stats::{median, p95};

pub const POOL: &str = "a1000000-0000-4000-8000-000000000002";
const ACME: &str = "a0000000-0000-4000-8000-000000000001";

const USAGE: &str = "\
usage: digiusher-bench [--out DIR] [--runs N] [--binary PATH]
                       [--small-samples N] [--large-samples N] [--refresh-samples N]
                       [--only LIST] [--verbose]

  --out DIR            where bench-results.md and .json go [default: target/bench]
  --runs N             cold starts to time (at least 50) [default: 60]
  --binary PATH        server binary to measure [default: target/release/digiusher-mcp,
                       built with `cargo build --release -p digiusher-mcp` when missing
                       or older than the sources]
  --small-samples N    per-call overhead samples, small response (at least 200) [default: 300]
  --large-samples N    per-call overhead samples, 1 MB response (at least 50) [default: 200]
  --refresh-samples N  pauses after which a call must refresh its token [default: 15]
  --only LIST          comma-separated sections to run: cold, launcher (cold start through
                       the npm launcher), calls (memory, throughput, small overhead),
                       large (1 MB overhead), refresh, size [default: all]
  -v, --verbose        print the refresh path's samples on stderr";

struct Options {
    out: PathBuf,
    runs: usize,
    binary: Option<PathBuf>,
    small: usize,
    large: usize,
    refresh: usize,
    only: Option<Vec<String>>,
    verbose: bool,
}

const SECTIONS: [&str; 6] = ["cold", "launcher", "calls", "large", "refresh", "size"];

impl Options {
    fn wants(&self, section: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|s| s == section))
    }
}

fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        out: root().join("target/bench"),
        runs: 60,
        binary: None,
        small: 300,
        large: 200,
        refresh: 15,
        only: None,
        verbose: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        let number = |v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("{a} needs a number, not {v:?}"))
        };
        match a.as_str() {
            "--out" => o.out = PathBuf::from(value()?),
            "--runs" => o.runs = number(value()?)?.max(1),
            "--binary" => o.binary = Some(PathBuf::from(value()?)),
            "--small-samples" => o.small = number(value()?)?.max(1),
            "--large-samples" => o.large = number(value()?)?.max(1),
            "--refresh-samples" => o.refresh = number(value()?)?.max(1),
            "--only" => {
                let list: Vec<String> = value()?.split(',').map(str::to_string).collect();
                if let Some(bad) = list.iter().find(|s| !SECTIONS.contains(&s.as_str())) {
                    return Err(format!("--only: unknown section {bad:?}\n{USAGE}"));
                }
                o.only = Some(list);
            }
            "-v" | "--verbose" => o.verbose = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    Ok(o)
}

fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

/// The default binary, built first when it is missing or older than the sources.
fn ensure_binary() -> Result<PathBuf, String> {
    let root = root();
    let binary = root.join("target/release/digiusher-mcp");
    let sources = ["src", "Cargo.toml", "Cargo.lock", "build.rs"]
        .iter()
        .filter_map(|p| newest_mtime(&root.join(p)))
        .max();
    let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    let stale = match (built, sources) {
        (None, _) => true,
        (Some(b), Some(s)) => b < s,
        (Some(_), None) => false,
    };
    if stale {
        eprintln!("building the release server: cargo build --release -p digiusher-mcp");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = std::process::Command::new(cargo)
            .args([
                "build",
                "--release",
                "-p",
                "digiusher-mcp",
                "--manifest-path",
            ])
            .arg(root.join("Cargo.toml"))
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("cargo build --release -p digiusher-mcp failed".into());
        }
    }
    Ok(binary)
}

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("digiusher-bench: {what}: {e}");
    std::process::exit(1);
}

/// Removes the temporary home when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::main]
async fn main() {
    // reqwest may carry a rustls backend in a workspace build; it needs a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = parse_args().unwrap_or_else(|e| {
        eprintln!("digiusher-bench: {e}");
        std::process::exit(2);
    });
    let binary = match &opts.binary {
        Some(b) if b.is_file() => b.clone(),
        Some(b) => fail("no such binary", b.display()),
        None => ensure_binary().unwrap_or_else(|e| fail("build", e)),
    };
    eprintln!("measuring {}", binary.display());

    let sim = Simulator::start(SimConfig::default())
        .await
        .unwrap_or_else(|e| fail("simulator", e));
    let home =
        TempDir(std::env::temp_dir().join(format!("digiusher-bench-{}", std::process::id())));
    std::fs::create_dir_all(&home.0).unwrap_or_else(|e| fail("temp dir", e));
    let env = vec![
        ("HOME".to_string(), home.0.display().to_string()),
        (
            "XDG_CONFIG_HOME".to_string(),
            home.0.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME".to_string(),
            home.0.join(".local/share").display().to_string(),
        ),
        ("DIGIUSHER_API_BASE_URL".to_string(), sim.base_url()),
        ("DIGIUSHER_TOKEN".to_string(), "sim-alice".to_string()),
        ("RUST_LOG".to_string(), "off".to_string()),
    ];
    let http = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|e| fail("http client", e));
    let ctx = Ctx {
        binary,
        env,
        sim,
        http,
        opts,
    };
    let mut figures = Vec::new();
    if ctx.opts.wants("cold") {
        figures.extend(cold_start(&ctx).await);
    }
    if ctx.opts.wants("launcher") {
        let runs = ctx.opts.runs;
        figures.extend(launcher::launcher(&root(), &ctx.binary, &ctx.env, runs).await);
    }
    if ctx.opts.wants("calls") {
        figures.extend(calls(&ctx).await);
    }
    if ctx.opts.wants("large") {
        figures.extend(large(&ctx).await);
    }
    if ctx.opts.wants("refresh") {
        figures.extend(refresh_path(&ctx).await);
    }
    if ctx.opts.wants("size") {
        figures.push(size(&ctx.binary));
    }
    report::write(&ctx.opts.out, &ctx.binary, &figures)
        .unwrap_or_else(|e| fail("writing results", e));
}

struct Ctx {
    binary: PathBuf,
    env: Vec<(String, String)>,
    sim: Simulator,
    http: reqwest::Client,
    opts: Options,
}

/// 1. Cold start: spawn → initialize response, and spawn → tools/list response.
async fn cold_start(ctx: &Ctx) -> Vec<Figure> {
    let runs = ctx.opts.runs;
    eprintln!("cold start: {runs} runs…");
    for _ in 0..3 {
        // Page cache and dynamic loader warm-up; not counted.
        server::cold_start_once(&ctx.binary, &ctx.env)
            .await
            .unwrap_or_else(|e| fail("cold start", e));
    }
    let (mut init, mut list, mut tools) = (Vec::new(), Vec::new(), usize::MAX);
    let (mut list_bytes, mut largest) = (0, (0, String::new()));
    for _ in 0..runs {
        let c = server::cold_start_once(&ctx.binary, &ctx.env)
            .await
            .unwrap_or_else(|e| fail("cold start", e));
        init.push(c.initialize);
        list.push(c.tools_list);
        tools = tools.min(c.tools);
        list_bytes = c.list_bytes;
        largest = c.largest_tool;
    }
    let n = Some(runs);
    vec![
        Figure::new(
            "cold start: spawn → initialize response, median",
            median(&init),
            "ms",
        )
        .target(Target::AtMost(5.0))
        .samples(n),
        Figure::new(
            "cold start: spawn → initialize response, p95",
            p95(&init),
            "ms",
        )
        .samples(n),
        Figure::new(
            "cold start: spawn → tools/list response, median",
            median(&list),
            "ms",
        )
        .target(Target::AtMost(8.0))
        .samples(n)
        .note(format!(
            "initialize, initialized, tools/list written at once; {tools} tools listed"
        )),
        Figure::new(
            "cold start: spawn → tools/list response, p95",
            p95(&list),
            "ms",
        )
        .samples(n),
        // Every conversation carries the tool list in the model's context, so each
        // tool pays its way: the average is held, the total grows with the catalog.
        Figure::new(
            "tools/list response size (compact JSON line, as sent)",
            list_bytes as f64,
            "bytes",
        )
        .note(format!("{tools} tools")),
        Figure::new(
            "tools/list size per tool, average",
            list_bytes as f64 / tools.max(1) as f64,
            "bytes",
        )
        .target(Target::AtMost(1_300.0)),
        Figure::new("largest tool definition", largest.0 as f64, "bytes")
            .target(Target::AtMost(3_000.0))
            .note(largest.1),
    ]
}

/// Memory (2), throughput over one connection (4) and the per-call overhead for a
/// small response (3), on one server.
async fn calls(ctx: &Ctx) -> Vec<Figure> {
    eprintln!("memory and throughput…");
    let mut figures = Vec::new();
    let server = Server::start(&ctx.binary, &ctx.env)
        .await
        .unwrap_or_else(|e| fail("server", e));
    server
        .initialize()
        .await
        .unwrap_or_else(|e| fail("initialize", e));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let idle = server.memory_kib();
    figures.push(memory_figure(
        "memory: peak RSS idle after initialize",
        idle,
        10.0,
        "VmHWM; no tool call yet".into(),
    ));
    let small_args = json!({"pool_id": POOL});
    let mut warm_up = Vec::new();
    for _ in 0..20 {
        let (ms, _) = server
            .call("get_pool", &small_args)
            .await
            .unwrap_or_else(|e| fail("warm-up", e));
        warm_up.push(ms);
    }
    figures.push(
        Figure::new("first tool call after initialize", warm_up[0], "ms").note(format!(
            "get_pool; builds the HTTP client and opens the connection; calls 2–20: median {:.3} ms",
            median(&warm_up[1..])
        )),
    );
    let burst = server.burst("get_pool", &small_args, 1000, 64).await;
    let after = server.memory_kib();
    figures.push(memory_figure(
        "memory: peak RSS after 1 000 tool calls",
        after,
        20.0,
        format!(
            "VmHWM after {} calls (20 sequential, then 1 000 with 64 in flight)",
            server.calls()
        ),
    ));
    figures.push(
        Figure::new(
            "throughput: 1 000 calls, 64 in flight, one connection",
            burst.calls as f64 / burst.seconds,
            "calls/s",
        )
        .target(Target::AtLeast(2000.0))
        .samples(Some(burst.calls))
        .note(format!(
            "get_pool; {:.1} ms from first write to last response",
            burst.seconds * 1000.0
        )),
    );
    figures.push(
        Figure::new("throughput: errors", burst.errors as f64, "")
            .target(Target::AtMost(0.0))
            .note("JSON-RPC errors, isError results and calls without an answer".into()),
    );
    let exactly_one = burst.calls - burst.missing - burst.repeated;
    figures.push(
        Figure::new(
            "throughput: ids answered exactly once",
            exactly_one as f64,
            "",
        )
        .target(Target::AtLeast(burst.calls as f64))
        .note(format!(
            "{} without a response, {} answered more than once, {} responses with an unknown id",
            burst.missing, burst.repeated, burst.unknown
        )),
    );

    let samples = ctx.opts.small;
    eprintln!("per-call overhead, small response: {samples} samples…");
    ctx.sim.clear_requests();
    server
        .call("get_pool", &small_args)
        .await
        .unwrap_or_else(|e| fail("get_pool", e));
    let headers = server_headers(&ctx.sim);
    let base = ctx.sim.base_url();
    let url = format!("{base}/restapi/v2/pools/{POOL}?details=true&children=true");
    check_same_request(&ctx.sim, &url);
    let small = overhead(
        &server,
        &ctx.http,
        &headers,
        "get_pool",
        &small_args,
        &url,
        samples,
    )
    .await
    .unwrap_or_else(|e| fail("small overhead", e));
    figures.extend(small.figures("small response", Some(0.3)));
    server.stop().await;
    figures
}

/// 3. Per-call overhead for a ~1 MB response, on a server that does not cut it.
async fn large(ctx: &Ctx) -> Vec<Figure> {
    let samples = ctx.opts.large;
    eprintln!("per-call overhead, 1 MB response: {samples} samples…");
    let mut env = ctx.env.clone();
    env.push(("DIGIUSHER_MAX_RESULT_CHARS".into(), "2000000".into()));
    let server = Server::start(&ctx.binary, &env)
        .await
        .unwrap_or_else(|e| fail("server", e));
    server
        .initialize()
        .await
        .unwrap_or_else(|e| fail("initialize", e));
    let base = ctx.sim.base_url();
    let fault = json!({"match": {"path": "/restapi/v2/organizations/*/clean_expenses"}, "times": 0,
        "fault": {"kind": "oversized", "bytes": 1_000_000}});
    let r = ctx
        .http
        .post(format!("{base}/__sim/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap_or_else(|e| fail("fault injection", e));
    if !r.status().is_success() {
        fail("fault injection", r.status());
    }
    let args = json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14", "all_fields": true});
    let url = format!(
        "{base}/restapi/v2/organizations/{ACME}/clean_expenses?start_date=1748736000&end_date=1749945599&limit=50"
    );
    ctx.sim.clear_requests();
    let (_, v) = server
        .call("list_resources", &args)
        .await
        .unwrap_or_else(|e| fail("list_resources", e));
    let headers = server_headers(&ctx.sim);
    check_same_request(&ctx.sim, &url);
    let text_len = server::text_len(&v);
    let line_bytes = server.last_line_bytes();
    let cut = v.to_string().contains("result cut");
    if text_len < 1_000_000 || cut {
        fail(
            "1 MB result",
            format!(
                "text is {text_len} characters{}",
                if cut { ", cut" } else { "" }
            ),
        );
    }
    let large = overhead(
        &server,
        &ctx.http,
        &headers,
        "list_resources",
        &args,
        &url,
        samples,
    )
    .await
    .unwrap_or_else(|e| fail("1 MB overhead", e));
    let mut figures = large.figures("1 MB response", Some(5.0));
    figures[0].note.push_str(&format!(
        "; the server's answer is a {line_bytes}-byte line (text {text_len} characters{})",
        if v["result"]["structuredContent"].is_object() {
            " + structuredContent"
        } else {
            ""
        }
    ));
    // The same answer as OptScale's Python services write it (", " and ": "
    // separators): the server has to compact it. For information only.
    let r = ctx
        .http
        .post(format!("{base}/__sim/options"))
        .json(&json!({"json_style": "python"}))
        .send()
        .await
        .unwrap_or_else(|e| fail("simulator options", e));
    if !r.status().is_success() {
        fail("simulator options", r.status());
    }
    let python = overhead(
        &server,
        &ctx.http,
        &headers,
        "list_resources",
        &args,
        &url,
        (samples / 2).max(20),
    )
    .await
    .unwrap_or_else(|e| fail("1 MB overhead, Python-style body", e));
    figures.extend(python.figures("1 MB response in Python json.dumps style", None));
    let mem = server.memory_kib();
    figures.push(Figure {
        name: "memory: peak RSS after the 1 MB calls".into(),
        value: mem.map(|m| m.1 as f64 / 1024.0),
        unit: "MB",
        target: None,
        samples: None,
        note: format!(
            "no target; VmHWM after {} calls with a {text_len}-character result; MB = MiB",
            server.calls()
        ),
    });
    server.stop().await;
    let _ = ctx.http.post(format!("{base}/__sim/reset")).send().await;
    figures
}

/// 5. The refresh path against the test OpenID provider.
async fn refresh_path(ctx: &Ctx) -> Vec<Figure> {
    let n = ctx.opts.refresh;
    eprintln!(
        "refresh path: {n} pauses of 1.3 s (about {} s)…",
        n * 14 / 10 + 3
    );
    let r = match refresh::measure(&ctx.binary, n).await {
        Ok(r) => r,
        Err(why) => {
            eprintln!("  refresh path not measured: {why}");
            return vec![Figure {
                name: "refresh: cost of a token refresh".into(),
                value: None,
                unit: "ms",
                target: None,
                samples: None,
                note: format!("not measured: {why}"),
            }];
        }
    };
    if ctx.opts.verbose {
        eprintln!("  at (s)   ms        after pause  refreshes  token ms  introspection ms");
        for s in &r.samples {
            eprintln!(
                "  {:7.3}  {:8.3}  {:11}  {:9}  {:8}  {}",
                s.at, s.ms, s.after_pause, s.refreshes, s.token_ms, s.introspection_ms
            );
        }
    }
    let (refreshed, fresh) = (r.refreshed(), r.fresh());
    let (a, b) = (median(&refreshed), median(&fresh));
    let pauses = r.samples.iter().filter(|s| s.after_pause).count();
    let mut check = format!(
        "{} of {pauses} calls after a 1.3 s pause refreshed exactly once",
        pauses - r.stale_not_refreshed_once()
    );
    if r.fresh_but_refreshed() > 0 {
        check.push_str(&format!(
            "; {} of {} calls made right after a refresh refreshed again",
            r.fresh_but_refreshed(),
            r.samples.len() - pauses
        ));
    }
    vec![
        Figure::new(
            "refresh: call that refreshes its token first, median",
            a,
            "ms",
        )
        .samples(Some(refreshed.len()))
        .note(format!("p95 {:.3} ms; {check}", p95(&refreshed))),
        Figure::new("refresh: call with a fresh token, median", b, "ms")
            .samples(Some(fresh.len()))
            .note(format!(
                "p95 {:.3} ms; same server, simulator in provider mode",
                p95(&fresh)
            )),
        Figure::new(
            "refresh: cost of a token refresh (difference of medians)",
            a - b,
            "ms",
        )
        .note(format!(
            "refresh grant + file store write under the cross-process lock, and the simulator's introspection of the new token; the provider itself reports medians of {:.0} ms (token) and {:.0} ms (introspection) in whole ms",
            median(&r.token_ms()),
            median(&r.introspection_ms())
        )),
    ]
}

/// 6. Binary size.
fn size(binary: &Path) -> Figure {
    let size = std::fs::metadata(binary).map(|m| m.len()).ok();
    let stripped = match report::elf_has_symtab(binary) {
        Some(false) => "stripped (no .symtab)",
        Some(true) => "NOT stripped (.symtab present)",
        None => "not an ELF file I can read",
    };
    Figure {
        name: "binary size, release build".into(),
        value: size.map(|b| b as f64 / 1_000_000.0),
        unit: "MB",
        target: Some(Target::AtMost(12.0)),
        samples: None,
        note: format!(
            "{} bytes, {stripped}; MB = 10^6 bytes",
            size.unwrap_or_default()
        ),
    }
}

fn memory_figure(name: &str, m: Option<(u64, u64)>, target_mb: f64, note: String) -> Figure {
    Figure {
        name: name.into(),
        value: m.map(|m| m.1 as f64 / 1024.0),
        unit: "MB",
        target: Some(Target::AtMost(target_mb)),
        samples: None,
        note: match m {
            Some((rss, _)) => format!(
                "{note}; current VmRSS {:.2} MB; MB = MiB",
                rss as f64 / 1024.0
            ),
            None => format!("{note}; /proc/PID/status unreadable"),
        },
    }
}

/// The headers the server sent on its last API request (accept, user-agent), so
/// that the direct requests are the same.
fn server_headers(sim: &Simulator) -> Vec<(String, String)> {
    let last = sim.requests().pop();
    let mut h: Vec<(String, String)> = last
        .map(|r| r.headers)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "authorization" && k != "content-type")
        .collect();
    h.push(("authorization".into(), "Bearer sim-alice".into()));
    // The server's client (reqwest with gzip) offers gzip; the simulator never
    // compresses, so this changes nothing but the bytes on the wire.
    h.push(("accept-encoding".into(), "gzip".into()));
    h
}

/// Fail when the server's request is not the one the direct client sends.
fn check_same_request(sim: &Simulator, url: &str) {
    let Some(r) = sim.requests().pop() else {
        fail("request log", "the server sent no API request");
    };
    let mut query: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    query.sort();
    let seen = format!("{} {}?{}", r.method, r.path, query.join("&"));
    let path_and_query = url.split_once("//").map_or(url, |(_, rest)| {
        rest.split_once('/').map_or(rest, |(_, p)| p)
    });
    let (path, q) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut q: Vec<&str> = q.split('&').filter(|s| !s.is_empty()).collect();
    q.sort();
    let expected = format!("GET /{path}?{}", q.join("&"));
    if seen != expected {
        fail(
            "request mapping",
            format!("the server sent {seen}, the direct client would send {expected}"),
        );
    }
}

/// Interleaved samples of one tool call through the server and of the same HTTP
/// request sent directly, in ms.
struct Overhead {
    through: Vec<f64>,
    /// Request → whole body received.
    direct: Vec<f64>,
    /// Request → body received and parsed as JSON.
    direct_parsed: Vec<f64>,
    bytes: usize,
}

impl Overhead {
    /// Median (checked against `target`, if any) and p95.
    fn figures(&self, what: &str, target: Option<f64>) -> Vec<Figure> {
        let n = Some(self.through.len());
        let row = |stat: &str, f: fn(&[f64]) -> f64| {
            Figure::new(
                &format!("per-call overhead, {what}, {stat}"),
                f(&self.through) - f(&self.direct),
                "ms",
            )
            .samples(n)
            .note(format!(
                "{stat} through the server {:.3} ms − {stat} direct {:.3} ms (direct incl. JSON parse {:.3} ms); {} B body",
                f(&self.through),
                f(&self.direct),
                f(&self.direct_parsed),
                self.bytes
            ))
        };
        let median = row("median", median);
        vec![
            match target {
                Some(t) => median.target(Target::AtMost(t)),
                None => median,
            },
            row("p95", p95),
        ]
    }
}

async fn overhead(
    server: &Server,
    http: &reqwest::Client,
    headers: &[(String, String)],
    tool: &str,
    args: &Value,
    url: &str,
    samples: usize,
) -> Result<Overhead, String> {
    let direct_once = || async {
        let mut req = http.get(url);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let t = Instant::now();
        let r = req
            .send()
            .await
            .map_err(|e| format!("direct request: {e}"))?;
        if !r.status().is_success() {
            return Err(format!("direct request: {}", r.status()));
        }
        let body = r.bytes().await.map_err(|e| format!("direct body: {e}"))?;
        let received = t.elapsed();
        let v: Value = serde_json::from_slice(&body).map_err(|e| format!("direct JSON: {e}"))?;
        let parsed = t.elapsed();
        drop(v);
        Ok::<_, String>((
            received.as_secs_f64() * 1000.0,
            parsed.as_secs_f64() * 1000.0,
            body.len(),
        ))
    };
    // Warm-up: connections, allocator, caches.
    for _ in 0..(samples / 5).max(10) {
        server.call(tool, args).await?;
        direct_once().await?;
    }
    let mut o = Overhead {
        through: Vec::with_capacity(samples),
        direct: Vec::with_capacity(samples),
        direct_parsed: Vec::with_capacity(samples),
        bytes: 0,
    };
    for i in 0..samples {
        // Alternate which goes first, so neither always runs right after the other.
        if i % 2 == 0 {
            o.through.push(server.call(tool, args).await?.0);
        }
        let (d, p, bytes) = direct_once().await?;
        o.direct.push(d);
        o.direct_parsed.push(p);
        o.bytes = bytes;
        if i % 2 == 1 {
            o.through.push(server.call(tool, args).await?.0);
        }
    }
    Ok(o)
}
