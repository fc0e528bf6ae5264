//! The digiusher-mcp benchmark: cold start, memory, per-call overhead, throughput,
//! the refresh path and binary size, each beside its target. Writes
//! `bench-results.md` and `bench-results.json`.
//!
//!   cargo run --release -p digiusher-bench -- [--out DIR] [--runs N] [--binary PATH]

mod server;
mod stats;

use std::path::{Path, PathBuf};
use std::time::Instant;

use digiusher_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

use server::Server;
use stats::{median, p95};

const POOL: &str = "a1000000-0000-4000-8000-000000000002";
const ACME: &str = "a0000000-0000-4000-8000-000000000001";

/// One row of the results.
struct Figure {
    name: &'static str,
    value: Option<f64>,
    unit: &'static str,
    /// `(limit, higher_is_better)`.
    target: Option<(f64, bool)>,
    note: String,
}

impl Figure {
    fn pass(&self) -> Option<bool> {
        match (self.value, self.target) {
            (Some(v), Some((limit, true))) => Some(v >= limit),
            (Some(v), Some((limit, false))) => Some(v <= limit),
            _ => None,
        }
    }
}

struct Options {
    out: PathBuf,
    runs: usize,
    binary: PathBuf,
}

fn parse_args() -> Result<Options, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut o = Options {
        out: root.join("target/bench"),
        runs: 60,
        binary: root.join("target/release/digiusher-mcp"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--out" => o.out = PathBuf::from(value()?),
            "--runs" => o.runs = value()?.parse().map_err(|_| "--runs needs a number")?,
            "--binary" => o.binary = PathBuf::from(value()?),
            "-h" | "--help" => {
                println!("usage: digiusher-bench [--out DIR] [--runs N] [--binary PATH]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("digiusher-bench: {e}");
            std::process::exit(2);
        }
    };
    if !opts.binary.exists() {
        eprintln!("digiusher-bench: building the release binary…");
        let ok = std::process::Command::new("cargo")
            .args(["build", "--release", "-p", "digiusher-mcp"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("digiusher-bench: cargo build --release failed");
            std::process::exit(1);
        }
    }
    let sim = Simulator::start(SimConfig::default())
        .await
        .expect("simulator");
    let base = sim.base_url();
    let home = std::env::temp_dir().join(format!("digiusher-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    let env = vec![
        ("HOME".to_string(), home.display().to_string()),
        ("DIGIUSHER_API_BASE_URL".to_string(), base.clone()),
        ("DIGIUSHER_TOKEN".to_string(), "sim-alice".to_string()),
        ("RUST_LOG".to_string(), "off".to_string()),
    ];

    let mut figures = Vec::new();
    eprintln!("cold start ({} runs)…", opts.runs);
    let (init, list) = cold_start(&opts.binary, &env, opts.runs).await;
    figures.push(Figure {
        name: "initialize after spawn, median",
        value: Some(median(&init)),
        unit: "ms",
        target: Some((5.0, false)),
        note: format!("p95 {:.2} ms", p95(&init)),
    });
    figures.push(Figure {
        name: "initialize after spawn, p95",
        value: Some(p95(&init)),
        unit: "ms",
        target: None,
        note: String::new(),
    });
    figures.push(Figure {
        name: "tools/list after spawn, median",
        value: Some(median(&list)),
        unit: "ms",
        target: Some((8.0, false)),
        note: format!("p95 {:.2} ms", p95(&list)),
    });
    figures.push(Figure {
        name: "tools/list after spawn, p95",
        value: Some(p95(&list)),
        unit: "ms",
        target: None,
        note: String::new(),
    });

    eprintln!("memory and per-call overhead…");
    let server = Server::start(&opts.binary, &env).await;
    server.initialize().await;
    let idle = server.memory_kib();
    figures.push(Figure {
        name: "RSS idle after initialize (peak)",
        value: idle.map(|m| m.1 as f64 / 1024.0),
        unit: "MB",
        target: Some((10.0, false)),
        note: idle
            .map(|m| format!("current {:.1} MB", m.0 as f64 / 1024.0))
            .unwrap_or_default(),
    });

    let http = reqwest::Client::new();
    let small_url = format!("{base}/restapi/v2/pools/{POOL}?details=true&children=true");
    let small_args = json!({"pool_id": POOL});
    let (through, direct) =
        overhead(&server, &http, "get_pool", &small_args, &small_url, 300).await;
    figures.push(overhead_figure(
        "added latency per call, small response, median",
        &through,
        &direct,
        median,
        0.3,
    ));
    figures.push(overhead_figure(
        "added latency per call, small response, p95",
        &through,
        &direct,
        p95,
        f64::NAN,
    ));

    eprintln!("1000 calls with 64 in flight…");
    let started = Instant::now();
    let (errors, mismatched) = server.burst("get_pool", &small_args, 1000, 64).await;
    let secs = started.elapsed().as_secs_f64();
    figures.push(Figure {
        name: "throughput, 64 in flight",
        value: Some(1000.0 / secs),
        unit: "calls/s",
        target: Some((2000.0, true)),
        note: format!("{errors} errors, {mismatched} responses not matching their request id"),
    });
    figures.push(Figure {
        name: "throughput errors",
        value: Some((errors + mismatched) as f64),
        unit: "",
        target: Some((0.0, false)),
        note: String::new(),
    });
    let after = server.memory_kib();
    figures.push(Figure {
        name: "RSS after 1000+ calls (peak)",
        value: after.map(|m| m.1 as f64 / 1024.0),
        unit: "MB",
        target: Some((20.0, false)),
        note: after
            .map(|m| format!("current {:.1} MB", m.0 as f64 / 1024.0))
            .unwrap_or_default(),
    });
    server.stop().await;

    eprintln!("1 MB responses…");
    let mut big_env = env.clone();
    big_env.push(("DIGIUSHER_MAX_RESULT_CHARS".into(), "2000000".into()));
    let server = Server::start(&opts.binary, &big_env).await;
    server.initialize().await;
    http.post(format!("{base}/__sim/faults"))
        .json(&json!({"match": {"path": "/restapi/v2/organizations/*/clean_expenses"}, "times": 0, "fault": {"kind": "oversized", "bytes": 1_000_000}}))
        .send()
        .await
        .expect("fault");
    let big_url = format!(
        "{base}/restapi/v2/organizations/{ACME}/clean_expenses?start_date=1748736000&end_date=1749945599&limit=50"
    );
    let big_args = json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14", "all_fields": true});
    let (through, direct) =
        overhead(&server, &http, "list_resources", &big_args, &big_url, 60).await;
    figures.push(overhead_figure(
        "added latency per call, 1 MB response, median",
        &through,
        &direct,
        median,
        5.0,
    ));
    figures.push(overhead_figure(
        "added latency per call, 1 MB response, p95",
        &through,
        &direct,
        p95,
        f64::NAN,
    ));
    server.stop().await;

    eprintln!("refresh path…");
    figures.extend(refresh_path(&opts.binary).await);

    let size = std::fs::metadata(&opts.binary)
        .map(|m| m.len() as f64 / 1_000_000.0)
        .ok();
    figures.push(Figure {
        name: "release binary size (stripped)",
        value: size,
        unit: "MB",
        target: Some((12.0, false)),
        note: String::new(),
    });

    report(&opts.out, &figures);
    let _ = std::fs::remove_dir_all(&home);
}

fn overhead_figure(
    name: &'static str,
    through: &[f64],
    direct: &[f64],
    f: fn(&[f64]) -> f64,
    target: f64,
) -> Figure {
    Figure {
        name,
        value: Some(f(through) - f(direct)),
        unit: "ms",
        target: (!target.is_nan()).then_some((target, false)),
        note: format!(
            "through the server {:.3} ms, direct {:.3} ms",
            f(through),
            f(direct)
        ),
    }
}

/// Spawn → initialize response, and spawn → tools/list response, in milliseconds.
async fn cold_start(binary: &Path, env: &[(String, String)], runs: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut init, mut list) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (i, l) = server::cold_start_once(binary, env).await;
        init.push(i);
        list.push(l);
    }
    (init, list)
}

/// Interleaved latencies of the tool call and of the same request sent directly.
async fn overhead(
    server: &Server,
    http: &reqwest::Client,
    tool: &str,
    args: &Value,
    url: &str,
    samples: usize,
) -> (Vec<f64>, Vec<f64>) {
    let direct_once = || async {
        let t = Instant::now();
        let r = http
            .get(url)
            .header("authorization", "Bearer sim-alice")
            .header("accept", "application/json")
            .header("user-agent", "digiusher-mcp/bench")
            .send()
            .await
            .expect("direct request");
        let body = r.bytes().await.expect("direct body");
        let _: Value = serde_json::from_slice(&body).expect("direct JSON");
        t.elapsed().as_secs_f64() * 1000.0
    };
    for _ in 0..(samples / 5).max(5) {
        server.call_timed(tool, args).await;
        direct_once().await;
    }
    let (mut through, mut direct) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        through.push(server.call_timed(tool, args).await);
        direct.push(direct_once().await);
    }
    (through, direct)
}

/// The cost of a call that refreshes its token first, against a real OpenID provider.
async fn refresh_path(binary: &Path) -> Vec<Figure> {
    match server::refresh_samples(binary).await {
        Ok((stale, fresh)) => vec![
            Figure {
                name: "call that refreshes first, median",
                value: Some(median(&stale)),
                unit: "ms",
                target: None,
                note: format!(
                    "token refresh with the cross-process lock; {} samples",
                    stale.len()
                ),
            },
            Figure {
                name: "call with a fresh token, median",
                value: Some(median(&fresh)),
                unit: "ms",
                target: None,
                note: "same provider-mode simulator".into(),
            },
            Figure {
                name: "refresh cost (difference)",
                value: Some(median(&stale) - median(&fresh)),
                unit: "ms",
                target: None,
                note: String::new(),
            },
        ],
        Err(why) => vec![Figure {
            name: "refresh path",
            value: None,
            unit: "ms",
            target: None,
            note: format!("not measured: {why}"),
        }],
    }
}

fn report(out: &Path, figures: &[Figure]) {
    let mut md =
        String::from("| figure | value | target | result | note |\n|---|---|---|---|---|\n");
    let mut rows = Vec::new();
    for f in figures {
        let value = f
            .value
            .map(|v| format!("{v:.3} {}", f.unit))
            .unwrap_or_else(|| "–".into());
        let target = match f.target {
            Some((t, true)) => format!("≥ {t} {}", f.unit),
            Some((t, false)) => format!("≤ {t} {}", f.unit),
            None => "–".into(),
        };
        let result = match f.pass() {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "",
        };
        md.push_str(&format!(
            "| {} | {value} | {target} | {result} | {} |\n",
            f.name, f.note
        ));
        rows.push(json!({"name": f.name, "value": f.value, "unit": f.unit,
            "target": f.target.map(|t| t.0), "higher_is_better": f.target.map(|t| t.1), "pass": f.pass(), "note": f.note}));
    }
    let machine = format!(
        "{} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        std::env::consts::ARCH
    );
    let _ = std::fs::create_dir_all(out);
    let _ = std::fs::write(
        out.join("bench-results.md"),
        format!("Benchmark of digiusher-mcp ({machine})\n\n{md}"),
    );
    let _ = std::fs::write(
        out.join("bench-results.json"),
        serde_json::to_string_pretty(&json!({"machine": machine, "figures": rows}))
            .unwrap_or_default(),
    );
    println!("{md}");
    println!("Written to {}/bench-results.md and .json", out.display());
}
