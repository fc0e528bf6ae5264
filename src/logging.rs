//! Logs go to stderr (and optionally a file), never to stdout, which carries JSON-RPC.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Set up logging. `RUST_LOG` wins; else `--log-level` for our crate, third-party
/// crates at `warn`. Problems are reported on stderr, never fatal.
pub fn init(log_level: Option<&str>, log_file: Option<&Path>, default_level: &str) {
    let level = match log_level {
        Some(l) if ["error", "warn", "info", "debug", "trace", "off"].contains(&l) => l,
        Some(other) => {
            eprintln!(
                "digiusher-mcp: ignoring --log-level {other:?}; use error, warn, info, debug, trace or off"
            );
            default_level
        }
        None => default_level,
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!("digiusher-mcp: ignoring RUST_LOG ({e})");
            EnvFilter::new(format!("warn,digiusher_mcp={level}"))
        }),
        _ => EnvFilter::new(format!("warn,digiusher_mcp={level}")),
    };
    let file = log_file.and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                eprintln!(
                    "digiusher-mcp: cannot open log file {}: {e}; logging to stderr only",
                    path.display()
                )
            })
            .ok()
    });
    let ansi = file.is_none() && std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_target(false);
    match file {
        Some(file) => builder
            .with_writer(std::io::stderr.and(Arc::new(file)))
            .init(),
        None => builder.with_writer(std::io::stderr).init(),
    }
}
