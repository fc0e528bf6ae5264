//! The npm launcher's start-up cost, for information: how much later a host that runs
//! `npx -y @digiusher/mcp` gets its first answers than one that runs the binary.
//! The launcher is laid out in a temporary `node_modules` exactly as npm installs it
//! (launcher package plus this platform's package holding the binary), so the figure
//! is Node.js start-up plus the launcher; npx's own package look-up comes on top.

use std::path::{Path, PathBuf};

use crate::report::Figure;
use crate::server::cold_start_once;
use crate::stats::{median, p95};

/// This machine's npm platform package suffix (Node's process.platform-process.arch).
fn npm_platform() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("linux-x64"),
        ("linux", "aarch64") => Some("linux-arm64"),
        ("macos", "x86_64") => Some("darwin-x64"),
        ("macos", "aarch64") => Some("darwin-arm64"),
        _ => None,
    }
}

/// node_modules as `npm install @digiusher/mcp` leaves it; returns the launcher script.
fn lay_out(root: &Path, dir: &Path, binary: &Path) -> Result<PathBuf, String> {
    let platform = npm_platform().ok_or("no npm platform package for this machine")?;
    let modules = dir.join("node_modules").join("@digiusher");
    let platform_dir = modules.join(format!("mcp-{platform}"));
    let launcher = modules.join("mcp").join("bin").join("digiusher-mcp.js");
    let io = |e: std::io::Error| e.to_string();
    std::fs::create_dir_all(platform_dir.join("bin")).map_err(io)?;
    std::fs::create_dir_all(launcher.parent().unwrap_or(dir)).map_err(io)?;
    std::fs::copy(root.join("npm/mcp/bin/digiusher-mcp.js"), &launcher).map_err(io)?;
    std::fs::write(
        platform_dir.join("package.json"),
        format!(r#"{{"name": "@digiusher/mcp-{platform}", "version": "0.0.0"}}"#),
    )
    .map_err(io)?;
    std::fs::copy(binary, platform_dir.join("bin").join("digiusher-mcp")).map_err(io)?;
    Ok(launcher)
}

fn not_measured(why: String) -> Vec<Figure> {
    let mut f = Figure::new(
        "npm launcher: spawn → tools/list response, median",
        0.0,
        "ms",
    );
    f.value = None;
    vec![f.note(why)]
}

/// Interleaved cold starts of the bare binary and of the launcher, `runs` each.
pub async fn launcher(
    root: &Path,
    binary: &Path,
    env: &[(String, String)],
    runs: usize,
) -> Vec<Figure> {
    let node = std::process::Command::new("node").arg("--version").output();
    let node = match node {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => return not_measured("node is not installed".into()),
    };
    let dir = std::env::temp_dir().join(format!("digiusher-bench-npm-{}", std::process::id()));
    let launcher = match lay_out(root, &dir, binary) {
        Ok(l) => l,
        Err(e) => return not_measured(format!("cannot lay out the npm packages: {e}")),
    };
    eprintln!("npm launcher: {runs} runs…");
    let (mut bare, mut through) = (Vec::new(), Vec::new());
    for i in 0..runs + 2 {
        let (b, l) = (
            cold_start_once(binary, env).await,
            cold_start_once(&launcher, env).await,
        );
        match (b, l) {
            // The first two are warm-up, as in the cold start section.
            (Ok(b), Ok(l)) if i >= 2 => {
                bare.push(b.tools_list);
                through.push(l.tools_list);
            }
            (Ok(_), Ok(_)) => {}
            (Err(e), _) | (_, Err(e)) => {
                let _ = std::fs::remove_dir_all(&dir);
                return not_measured(format!("a cold start failed: {e}"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let n = Some(runs);
    let added = median(&through) - median(&bare);
    vec![
        Figure::new(
            "npm launcher: spawn → tools/list response, median",
            median(&through),
            "ms",
        )
        .samples(n)
        .note(format!(
            "bare binary in the same runs: {:.2} ms; node {node}; npx's package look-up not included",
            median(&bare)
        )),
        Figure::new(
            "npm launcher: spawn → tools/list response, p95",
            p95(&through),
            "ms",
        )
        .samples(n),
        Figure::new("npm launcher: start-up added to the bare binary, median", added, "ms")
            .samples(n)
            .note("information: prefer the installed binary where start-up matters".into()),
    ]
}
